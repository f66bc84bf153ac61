/* mm/paging.c: the pageable-code DDIs.  A test process never pages driver code out, so
 * locking or paging a section changes nothing; the routines return what Windows returns. */
#include <wdm.h>

NTKERNELAPI PVOID NTAPI MmPageEntireDriver(PVOID AddressWithinSection)
{
    return AddressWithinSection;
}

NTKERNELAPI VOID NTAPI MmResetDriverPaging(PVOID AddressWithinSection)
{
    (void)AddressWithinSection;
}

NTKERNELAPI PVOID NTAPI MmLockPagableDataSection(PVOID AddressWithinSection)
{
    return AddressWithinSection;
}

NTKERNELAPI VOID NTAPI MmUnlockPagableImageSection(PVOID ImageSectionHandle)
{
    (void)ImageSectionHandle;
}
