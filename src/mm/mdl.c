/* mm/mdl.c: memory descriptor lists and the memory-manager DDIs around them.
 *
 * Owns IoAllocateMdl, IoFreeMdl, IoBuildPartialMdl, MmSizeOfMdl, MmCreateMdl,
 * MmPrepareMdlForReuse, MmBuildMdlForNonPagedPool, MmProbeAndLockPages, MmUnlockPages,
 * MmMapLockedPagesSpecifyCache, MmMapLockedPages, MmUnmapLockedPages, MmIsAddressValid,
 * MmIsNonPagedSystemAddressValid, MmMapIoSpace (always fails: no device memory), MmUnmapIoSpace,
 * MmGetPhysicalAddress, MmGetSystemRoutineAddress, MmQuerySystemSize, MmIsThisAnNtAsSystem and
 * the page-aligned allocators MmAllocateContiguousMemory / MmAllocateNonCachedMemory with their
 * frees.  (MmInitializeMdl, MmGetSystemAddressForMdl(Safe) and the MmGetMdl* accessors are
 * macros and inline functions in <wdm/mm.h>; they call into this file.)
 *
 * The emulated kernel and everything that hands it buffers live in one address space, so:
 *   - an MDL's "physical pages" are its virtual pages: PFN entry i of an MDL whose StartVa is S
 *     is (S >> PAGE_SHIFT) + i, and MmGetPhysicalAddress returns the virtual address itself;
 *   - "mapping" an MDL, into system space or into the requester's space, returns the address it
 *     describes (StartVa + ByteOffset); only the flags record that a mapping exists;
 *   - "locking" validates: MmProbeAndLockPages checks the range the way Windows does (the
 *     user-mode limit for UserMode probes) and then asks the operating system whether every byte
 *     can really be read, and written for IoWriteAccess / IoModifyAccess (mm_range_accessible
 *     below, answered by platform/memory.c without faulting).  An inaccessible range raises
 *     STATUS_ACCESS_VIOLATION into the driver's __try, as on Windows.
 *
 * What Windows leaves to ASSERTs, bug checks or undefined behaviour is reported as a finding and
 * the call then does the least harmful thing (usually nothing):
 *   MDL_ALREADY_LOCKED      locking, or building for nonpaged pool, an MDL that already describes
 *                           locked, nonpaged or partial pages; IoBuildPartialMdl over a locked MDL
 *   MDL_NOT_LOCKED          unlocking an MDL that is not locked, mapping one whose pages are not
 *                           locked, building a partial MDL from an unlocked source
 *   MDL_FREED_WHILE_LOCKED  IoFreeMdl of an MDL whose pages are still locked
 *   MDL_ALREADY_MAPPED      a second system-space mapping of one MDL (including MDLs built by
 *                           MmBuildMdlForNonPagedPool, which are mapped already)
 *   MDL_UNMAP_MISMATCH      MmUnmapLockedPages with an address the MDL is not mapped at, or of
 *                           the mapping a partial MDL only shares with its source
 *   MDL_PARTIAL_OUT_OF_RANGE  IoBuildPartialMdl for a range outside the source MDL
 *   MDL_PARTIAL_MAPPING_LEAKED  IoBuildPartialMdl reusing a mapped partial MDL without
 *                           MmPrepareMdlForReuse
 *   MDL_TOO_SMALL           an MDL whose storage (its Size) cannot hold the PFN entries needed
 *   MDL_BAD_SECONDARY_BUFFER  IoAllocateMdl with SecondaryBuffer but no IRP or no primary MDL
 *   IRQL_NOT_LESS_OR_EQUAL  any of these called above the IRQL its documentation allows
 *   INVALID_PARAMETER       a NULL MDL
 *   BAD_POOL_CALLER         freeing contiguous / non-cached memory that was not allocated so
 *                           (or with the other routine), or an MDL that is not a pool block
 *   NONCACHED_MEMORY_SIZE_MISMATCH  MmFreeNonCachedMemory with another size than allocated
 *
 * MDLs and the contiguous / non-cached blocks come from the accounted pool (tags "Mdl ", "MmCm",
 * "MmNc"), so leaks show up at unload like any other pool leak and the low-resources simulation
 * makes IoAllocateMdl fail. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "core/report.h"
#include "ex/ex.h"
#include "platform/platform.h"

/* Pool tags: "Mdl " is what Windows' I/O manager tags MDLs with; "MmCm" and "MmNc" name the
 * contiguous and non-cached allocators. */
#define MDL_TAG ' ldM'
#define MM_CONTIGUOUS_TAG 'mCmM'
#define MM_NONCACHED_TAG 'cNmM'

/* IoAllocateMdl serves MDLs of up to this many pages from a fixed-size lookaside list: they are
 * allocated with room for this many PFN entries and carry MDL_ALLOCATED_FIXED_SIZE.  Bigger MDLs
 * are sized exactly and carry no such flag. */
#define MDL_FIXED_SIZE_PAGES 23
#define MDL_FIXED_SIZE_BYTES (sizeof(MDL) + MDL_FIXED_SIZE_PAGES * sizeof(PFN_NUMBER))

/* Since Windows 7, IoAllocateMdl describes at most 4 GB minus one page and fails beyond. */
#define MDL_LARGEST_LENGTH ((ULONG)0xFFFFF000u)

/* MM_USER_PROBE_ADDRESS (the host's, platform.h): a UserMode probe reaching above it fails. */
#define MM_USER_PROBE_LIMIT ((ULONG_PTR)PLAT_USER_PROBE_LIMIT)

/* The largest contiguous / non-cached request served (the pool refuses more anyway). */
#define MM_LARGEST_ALIGNED_REQUEST ((SIZE_T)1 << 40)

/* ---- small helpers ---------------------------------------------------------------------------- */

static const char *mm_irql_name(KIRQL irql)
{
    switch (irql) {
    case PASSIVE_LEVEL:
        return "PASSIVE_LEVEL";
    case APC_LEVEL:
        return "APC_LEVEL";
    case DISPATCH_LEVEL:
        return "DISPATCH_LEVEL";
    case HIGH_LEVEL:
        return "HIGH_LEVEL";
    default:
        return "a device IRQL";
    }
}

/* Reports IRQL_NOT_LESS_OR_EQUAL when the caller runs above limit. */
static void mm_check_irql(const char *ddi, KIRQL limit, const char *context)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql <= limit)
        return;
    rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
               "%s called at %s (%u)%s; it must be called at or below %s", ddi, mm_irql_name(irql), irql,
               context, mm_irql_name(limit));
}

static BOOLEAN mdl_present(const char *ddi, const MDL *mdl, const char *which)
{
    if (mdl != NULL)
        return TRUE;
    rp_finding("INVALID_PARAMETER", STATUS_INVALID_PARAMETER, NULL, NULL, "%s called with a NULL %s", ddi, which);
    return FALSE;
}

static void mdl_set(PMDL mdl, unsigned flags)
{
    mdl->MdlFlags = (CSHORT)((USHORT)mdl->MdlFlags | flags);
}

static void mdl_clear(PMDL mdl, unsigned flags)
{
    mdl->MdlFlags = (CSHORT)((USHORT)mdl->MdlFlags & ~flags);
}

static BOOLEAN mdl_has(const MDL *mdl, unsigned flags)
{
    return ((USHORT)mdl->MdlFlags & flags) != 0;
}

/* The first byte the MDL describes. */
static ULONG_PTR mdl_address(const MDL *mdl)
{
    return (ULONG_PTR)mdl->StartVa + mdl->ByteOffset;
}

static SIZE_T mdl_span(ULONG_PTR address, SIZE_T length)
{
    return ADDRESS_AND_SIZE_TO_SPAN_PAGES(address, length);
}

/* Whether the storage behind mdl holds `pages` PFN entries.  Size is what MmInitializeMdl wrote
 * (IoBuildPartialMdl leaves it alone), and an MDL from IoAllocateMdl's fixed-size list holds
 * MDL_FIXED_SIZE_PAGES entries whatever its Size says.  Size is a 16-bit field: an MDL needing
 * more than 0xFFFF bytes cannot be judged by it and is trusted. */
static BOOLEAN mdl_fits(const char *ddi, const MDL *mdl, SIZE_T pages)
{
    SIZE_T needed = sizeof(MDL) + pages * sizeof(PFN_NUMBER);
    if (needed > 0xFFFF)
        return TRUE;
    SIZE_T room = (USHORT)mdl->Size;
    if (mdl_has(mdl, MDL_ALLOCATED_FIXED_SIZE) && room < MDL_FIXED_SIZE_BYTES)
        room = MDL_FIXED_SIZE_BYTES;
    if (needed <= room)
        return TRUE;
    rp_finding("MDL_TOO_SMALL", STATUS_BUFFER_TOO_SMALL, NULL, NULL,
               "%s: MDL %p (Size %u) has room for %zu PFN entries, %zu are needed; size MDLs with MmSizeOfMdl",
               ddi, (const void *)mdl, (unsigned)(USHORT)mdl->Size,
               room > sizeof(MDL) ? (room - sizeof(MDL)) / sizeof(PFN_NUMBER) : (SIZE_T)0, pages);
    return FALSE;
}

/* The page numbers this emulation uses for "physical" pages: the virtual page numbers. */
static void mdl_fill_pfns(PMDL mdl)
{
    PPFN_NUMBER pfns = MmGetMdlPfnArray(mdl);
    PFN_NUMBER first = (ULONG_PTR)mdl->StartVa >> PAGE_SHIFT;
    SIZE_T pages = mdl_span(mdl_address(mdl), mdl->ByteCount);
    for (SIZE_T i = 0; i < pages; i++)
        pfns[i] = first + i;
}

/* Forgets the system-space mapping (the flags are the mapping). */
static void mdl_unmap(PMDL mdl)
{
    mdl_clear(mdl, MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED);
}

/* Whether [start, start + length) may be read (and written when asked), without touching it:
 * the platform layer asks the operating system (platform/memory.c; an empty range is, a range
 * wrapping around the address space is not). */
static BOOLEAN mm_range_accessible(ULONG_PTR start, SIZE_T length, BOOLEAN write)
{
    return plat_range_accessible((uintptr_t)start, (size_t)length, write ? 1 : 0) != 0;
}

/* ---- allocating and freeing MDLs --------------------------------------------------------------- */

NTKERNELAPI SIZE_T NTAPI MmSizeOfMdl(PVOID Base, SIZE_T Length)
{
    return sizeof(MDL) + mdl_span((ULONG_PTR)Base, Length) * sizeof(PFN_NUMBER);
}

/* Appends mdl to Irp's chain as IoAllocateMdl's SecondaryBuffer says. */
static void mdl_attach(PMDL mdl, BOOLEAN secondary, PIRP irp)
{
    if (irp == NULL) {
        if (secondary)
            rp_finding("MDL_BAD_SECONDARY_BUFFER", STATUS_INVALID_PARAMETER, NULL, NULL,
                       "IoAllocateMdl with SecondaryBuffer TRUE but no IRP; SecondaryBuffer must be FALSE when "
                       "no IRP is associated with the MDL");
        return;
    }
    if (!secondary) {
        irp->MdlAddress = mdl;
        return;
    }
    if (irp->MdlAddress == NULL) {
        rp_finding("MDL_BAD_SECONDARY_BUFFER", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoAllocateMdl with SecondaryBuffer TRUE for IRP %p, which has no primary MDL "
                   "(Irp->MdlAddress is NULL); the MDL becomes the primary one",
                   (void *)irp);
        irp->MdlAddress = mdl;
        return;
    }
    PMDL last = irp->MdlAddress;
    while (last->Next != NULL)
        last = last->Next;
    last->Next = mdl;
}

NTKERNELAPI PMDL NTAPI IoAllocateMdl(PVOID VirtualAddress, ULONG Length, BOOLEAN SecondaryBuffer,
                                     BOOLEAN ChargeQuota, PIRP Irp)
{
    (void)ChargeQuota; /* reserved; there are no quotas to charge */
    mm_check_irql("IoAllocateMdl", DISPATCH_LEVEL, "");
    if (Length > MDL_LARGEST_LENGTH)
        return NULL;
    SIZE_T pages = mdl_span((ULONG_PTR)VirtualAddress, Length);
    BOOLEAN fixed = pages <= MDL_FIXED_SIZE_PAGES;
    SIZE_T bytes = fixed ? MDL_FIXED_SIZE_BYTES : sizeof(MDL) + pages * sizeof(PFN_NUMBER);
    PMDL mdl = ex_pool_allocate_for("IoAllocateMdl", NonPagedPoolNx, bytes, MDL_TAG);
    if (mdl == NULL)
        return NULL;
    memset(mdl, 0, bytes);
    MmInitializeMdl(mdl, VirtualAddress, Length);
    if (fixed)
        mdl_set(mdl, MDL_ALLOCATED_FIXED_SIZE);
    mdl_attach(mdl, SecondaryBuffer, Irp);
    return mdl;
}

NTKERNELAPI PMDL NTAPI MmCreateMdl(PMDL MemoryDescriptorList, PVOID Base, SIZE_T Length)
{
    PMDL mdl = MemoryDescriptorList;
    if (mdl == NULL) {
        SIZE_T bytes = MmSizeOfMdl(Base, Length);
        mdl = ex_pool_allocate_for("MmCreateMdl", NonPagedPoolNx, bytes, MDL_TAG);
        if (mdl == NULL)
            return NULL;
        memset(mdl, 0, bytes);
    }
    MmInitializeMdl(mdl, Base, Length);
    return mdl;
}

NTKERNELAPI VOID NTAPI IoFreeMdl(PMDL Mdl)
{
    if (!mdl_present("IoFreeMdl", Mdl, "MDL"))
        return;
    mm_check_irql("IoFreeMdl", DISPATCH_LEVEL, "");
    if (mdl_has(Mdl, MDL_PAGES_LOCKED))
        rp_finding("MDL_FREED_WHILE_LOCKED", STATUS_SUCCESS, NULL, NULL,
                   "IoFreeMdl(%p): the MDL still locks %zu page(s) at %p; call MmUnlockPages first "
                   "(bug check 0x76 PROCESS_HAS_LOCKED_PAGES)",
                   (void *)Mdl, mdl_span(mdl_address(Mdl), Mdl->ByteCount), (void *)mdl_address(Mdl));
    /* The one mapping IoFreeMdl releases itself: a partial MDL's own (documented). */
    if (mdl_has(Mdl, MDL_PARTIAL_HAS_BEEN_MAPPED))
        mdl_unmap(Mdl);
    ex_pool_free_for("IoFreeMdl", Mdl);
}

NTKERNELAPI VOID NTAPI MmPrepareMdlForReuse(PMDL Mdl)
{
    if (!mdl_present("MmPrepareMdlForReuse", Mdl, "MDL"))
        return;
    mm_check_irql("MmPrepareMdlForReuse", DISPATCH_LEVEL, "");
    /* Only a partial MDL's own mapping is released; any other mapping stays (documented). */
    if (mdl_has(Mdl, MDL_PARTIAL_HAS_BEEN_MAPPED))
        mdl_unmap(Mdl);
}

/* ---- describing pages ---------------------------------------------------------------------------- */

/* Describes flags that forbid locking or building the MDL again (for the findings). */
static const char *mdl_state_text(const MDL *mdl)
{
    if (mdl_has(mdl, MDL_PAGES_LOCKED))
        return "its pages are locked already (MmProbeAndLockPages); unlock them first";
    if (mdl_has(mdl, MDL_SOURCE_IS_NONPAGED_POOL))
        return "it was built by MmBuildMdlForNonPagedPool, whose pages are never locked or unlocked";
    if (mdl_has(mdl, MDL_PARTIAL))
        return "it is a partial MDL built by IoBuildPartialMdl, which describes pages its source locked";
    if (mdl_has(mdl, MDL_MAPPED_TO_SYSTEM_VA))
        return "it is mapped to system space already";
    return "it describes I/O space";
}

#define MDL_DESCRIBED_FLAGS \
    (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL | MDL_MAPPED_TO_SYSTEM_VA | MDL_IO_SPACE)

NTKERNELAPI VOID NTAPI MmBuildMdlForNonPagedPool(PMDL MemoryDescriptorList)
{
    PMDL mdl = MemoryDescriptorList;
    if (!mdl_present("MmBuildMdlForNonPagedPool", mdl, "MDL"))
        return;
    mm_check_irql("MmBuildMdlForNonPagedPool", DISPATCH_LEVEL, "");
    if (mdl_has(mdl, MDL_DESCRIBED_FLAGS)) {
        rp_finding("MDL_ALREADY_LOCKED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "MmBuildMdlForNonPagedPool(%p): %s (MdlFlags 0x%04X)", (void *)mdl, mdl_state_text(mdl),
                   (unsigned)(USHORT)mdl->MdlFlags);
        return;
    }
    if (!mdl_fits("MmBuildMdlForNonPagedPool", mdl, mdl_span(mdl_address(mdl), mdl->ByteCount)))
        return;
    mdl->Process = NULL;
    mdl->MappedSystemVa = (PVOID)mdl_address(mdl);
    mdl_fill_pfns(mdl);
    mdl_set(mdl, MDL_SOURCE_IS_NONPAGED_POOL);
}

NTKERNELAPI VOID NTAPI MmProbeAndLockPages(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
                                           LOCK_OPERATION Operation)
{
    PMDL mdl = MemoryDescriptorList;
    if (!mdl_present("MmProbeAndLockPages", mdl, "MDL"))
        return;
    BOOLEAN user = AccessMode != KernelMode;
    mm_check_irql("MmProbeAndLockPages", user ? APC_LEVEL : DISPATCH_LEVEL,
                  user ? " for a UserMode (pageable) buffer" : "");
    if (mdl_has(mdl, MDL_DESCRIBED_FLAGS)) {
        rp_finding("MDL_ALREADY_LOCKED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "MmProbeAndLockPages(%p): %s (MdlFlags 0x%04X)", (void *)mdl, mdl_state_text(mdl),
                   (unsigned)(USHORT)mdl->MdlFlags);
        return;
    }
    ULONG_PTR start = mdl_address(mdl);
    ULONG_PTR end = start + mdl->ByteCount;
    if (!mdl_fits("MmProbeAndLockPages", mdl, mdl_span(start, mdl->ByteCount)))
        return;
    /* As Windows: a UserMode range must be non-empty and end at or below the user probe limit. */
    if (end < start || (user && (end > MM_USER_PROBE_LIMIT || start >= end)))
        ExRaiseStatus(STATUS_ACCESS_VIOLATION);
    BOOLEAN write = Operation != IoReadAccess;
    if (!mm_range_accessible(start, mdl->ByteCount, write))
        ExRaiseStatus(STATUS_ACCESS_VIOLATION);
    mdl_fill_pfns(mdl);
    /* A UserMode buffer belongs to the requester's process (there is one); a KernelMode one is
     * treated as system space. */
    mdl->Process = user ? IoGetCurrentProcess() : NULL;
    if (write)
        mdl_set(mdl, MDL_WRITE_OPERATION);
    else
        mdl_clear(mdl, MDL_WRITE_OPERATION);
    mdl_set(mdl, MDL_PAGES_LOCKED);
}

NTKERNELAPI VOID NTAPI MmUnlockPages(PMDL MemoryDescriptorList)
{
    PMDL mdl = MemoryDescriptorList;
    if (!mdl_present("MmUnlockPages", mdl, "MDL"))
        return;
    mm_check_irql("MmUnlockPages", DISPATCH_LEVEL, "");
    if (!mdl_has(mdl, MDL_PAGES_LOCKED)) {
        const char *why = mdl_has(mdl, MDL_SOURCE_IS_NONPAGED_POOL)
                              ? "it was built by MmBuildMdlForNonPagedPool, whose pages are never locked or unlocked"
                          : mdl_has(mdl, MDL_PARTIAL)
                              ? "it is a partial MDL; the pages belong to its source MDL, which is the one to unlock"
                              : "its pages are not locked (never locked by MmProbeAndLockPages, or unlocked already)";
        rp_finding("MDL_NOT_LOCKED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "MmUnlockPages(%p): %s (bug check 0x76 PROCESS_HAS_LOCKED_PAGES)", (void *)mdl, why);
        return;
    }
    /* Unlocking releases a system-space mapping the driver made (documented). */
    if (mdl_has(mdl, MDL_MAPPED_TO_SYSTEM_VA))
        mdl_unmap(mdl);
    mdl_clear(mdl, MDL_PAGES_LOCKED);
}

NTKERNELAPI VOID NTAPI IoBuildPartialMdl(PMDL SourceMdl, PMDL TargetMdl, PVOID VirtualAddress, ULONG Length)
{
    const char *ddi = "IoBuildPartialMdl";
    if (!mdl_present(ddi, SourceMdl, "source MDL") || !mdl_present(ddi, TargetMdl, "target MDL"))
        return;
    mm_check_irql(ddi, DISPATCH_LEVEL, "");
    ULONG_PTR first = mdl_address(SourceMdl);
    ULONG_PTR last = first + SourceMdl->ByteCount; /* one past the source */
    ULONG_PTR va = (ULONG_PTR)VirtualAddress;
    ULONG length = Length;
    if (va >= first && va < last && length == 0)
        length = (ULONG)(last - va); /* zero: the rest of the source */
    if (va < first || va >= last || va + length < va || va + length > last) {
        rp_finding("MDL_PARTIAL_OUT_OF_RANGE", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoBuildPartialMdl: %p + %lu bytes is not a subrange of source MDL %p, which describes "
                   "%p + %lu bytes; the target MDL %p is left unchanged",
                   VirtualAddress, (unsigned long)Length, (void *)SourceMdl, (void *)first,
                   (unsigned long)SourceMdl->ByteCount, (void *)TargetMdl);
        return;
    }
    SIZE_T pages = mdl_span(va, length);
    if (!mdl_fits(ddi, TargetMdl, pages))
        return;
    if (!mdl_has(SourceMdl, MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL))
        rp_finding("MDL_NOT_LOCKED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoBuildPartialMdl: the pages of source MDL %p are not locked (MmProbeAndLockPages) nor "
                   "nonpaged (MmBuildMdlForNonPagedPool)",
                   (void *)SourceMdl);
    if (TargetMdl != SourceMdl) {
        if (mdl_has(TargetMdl, MDL_PARTIAL_HAS_BEEN_MAPPED))
            rp_finding("MDL_PARTIAL_MAPPING_LEAKED", STATUS_SUCCESS, NULL, NULL,
                       "IoBuildPartialMdl reuses partial MDL %p while it is still mapped at %p; call "
                       "MmPrepareMdlForReuse before reusing a partial MDL, or the mapping leaks",
                       (void *)TargetMdl, TargetMdl->MappedSystemVa);
        if (mdl_has(TargetMdl, MDL_PAGES_LOCKED))
            rp_finding("MDL_ALREADY_LOCKED", STATUS_INVALID_PARAMETER, NULL, NULL,
                       "IoBuildPartialMdl overwrites MDL %p, whose pages are still locked; unlock them first",
                       (void *)TargetMdl);
    }
    /* The target's PFN entries are the source's for the same pages. */
    SIZE_T skip = ((va & ~(ULONG_PTR)(PAGE_SIZE - 1)) - (ULONG_PTR)SourceMdl->StartVa) >> PAGE_SHIFT;
    memmove(MmGetMdlPfnArray(TargetMdl), MmGetMdlPfnArray(SourceMdl) + skip, pages * sizeof(PFN_NUMBER));
    unsigned kept = (USHORT)TargetMdl->MdlFlags & (MDL_ALLOCATED_FIXED_SIZE | MDL_ALLOCATED_MUST_SUCCEED);
    unsigned inherited = (USHORT)SourceMdl->MdlFlags &
                         (MDL_IO_PAGE_READ | MDL_SOURCE_IS_NONPAGED_POOL | MDL_MAPPED_TO_SYSTEM_VA | MDL_IO_SPACE);
    /* A mapped (or nonpaged) source shares its system address with the partial MDL. */
    PVOID mapped = (inherited & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL))
                       ? (PVOID)((PUCHAR)SourceMdl->MappedSystemVa + (va - first))
                       : NULL;
    TargetMdl->Process = SourceMdl->Process;
    TargetMdl->StartVa = PAGE_ALIGN(va);
    TargetMdl->ByteOffset = BYTE_OFFSET(va);
    TargetMdl->ByteCount = length;
    TargetMdl->MappedSystemVa = mapped;
    TargetMdl->MdlFlags = (CSHORT)(kept | inherited | MDL_PARTIAL);
}

/* ---- mapping ----------------------------------------------------------------------------------------- */

static PVOID mm_map(const char *ddi, PMDL mdl, KPROCESSOR_MODE mode)
{
    if (!mdl_present(ddi, mdl, "MDL"))
        return NULL;
    BOOLEAN user = mode != KernelMode;
    mm_check_irql(ddi, user ? APC_LEVEL : DISPATCH_LEVEL, user ? " for a UserMode mapping" : "");
    PVOID address = (PVOID)mdl_address(mdl);
    if (user) {
        /* The requester's view of the pages is the address itself; nothing records it. */
        if (!mdl_has(mdl, MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL)) {
            rp_finding("MDL_NOT_LOCKED", STATUS_INVALID_PARAMETER, NULL, NULL,
                       "%s(%p, UserMode): the pages are not locked (MmProbeAndLockPages) nor nonpaged "
                       "(MmBuildMdlForNonPagedPool)",
                       ddi, (void *)mdl);
            return NULL;
        }
        return address;
    }
    if (mdl_has(mdl, MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL)) {
        rp_finding("MDL_ALREADY_MAPPED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p, KernelMode): %s; a driver must not create a second system-space mapping of an MDL "
                   "(MmGetSystemAddressForMdlSafe returns the existing one)",
                   ddi, (void *)mdl,
                   mdl_has(mdl, MDL_MAPPED_TO_SYSTEM_VA)
                       ? "the MDL is mapped to system space already"
                       : "the MDL was built by MmBuildMdlForNonPagedPool and is mapped to system space already");
        return mdl->MappedSystemVa;
    }
    if (!mdl_has(mdl, MDL_PAGES_LOCKED | MDL_PARTIAL)) {
        rp_finding("MDL_NOT_LOCKED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p, KernelMode): the pages are not locked; lock them with MmProbeAndLockPages (or build "
                   "the MDL with MmBuildMdlForNonPagedPool) before mapping",
                   ddi, (void *)mdl);
        return NULL;
    }
    mdl->MappedSystemVa = address;
    mdl_set(mdl, MDL_MAPPED_TO_SYSTEM_VA);
    if (mdl_has(mdl, MDL_PARTIAL))
        mdl_set(mdl, MDL_PARTIAL_HAS_BEEN_MAPPED);
    return address;
}

/* CacheType: the pages are ordinary memory whatever the cache attribute.  RequestedAddress: a
 * UserMode mapping lands at the MDL's own address (callers must use the return value anyway).
 * BugCheckOnFailure, Priority (with MdlMappingNoWrite / MdlMappingNoExecute): mapping cannot fail
 * here, and the protection of the pages is the buffer's own. */
NTKERNELAPI PVOID NTAPI MmMapLockedPagesSpecifyCache(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
                                                     MEMORY_CACHING_TYPE CacheType, PVOID RequestedAddress,
                                                     ULONG BugCheckOnFailure, ULONG Priority)
{
    (void)CacheType;
    (void)RequestedAddress;
    (void)BugCheckOnFailure;
    (void)Priority;
    return mm_map("MmMapLockedPagesSpecifyCache", MemoryDescriptorList, AccessMode);
}

/* MmMapLockedPagesSpecifyCache(Mdl, AccessMode, MmCached, NULL, TRUE, HighPagePriority). */
NTKERNELAPI PVOID NTAPI MmMapLockedPages(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode)
{
    return mm_map("MmMapLockedPages", MemoryDescriptorList, AccessMode);
}

/* A system-space mapping is recognised by MDL_MAPPED_TO_SYSTEM_VA and MappedSystemVa.  A
 * user-space mapping has the MDL's own address and leaves no trace in the MDL, so releasing one
 * at that address is accepted for any MDL that could have been mapped. */
NTKERNELAPI VOID NTAPI MmUnmapLockedPages(PVOID BaseAddress, PMDL MemoryDescriptorList)
{
    const char *ddi = "MmUnmapLockedPages";
    PMDL mdl = MemoryDescriptorList;
    if (!mdl_present(ddi, mdl, "MDL"))
        return;
    if (mdl_has(mdl, MDL_MAPPED_TO_SYSTEM_VA)) {
        mm_check_irql(ddi, DISPATCH_LEVEL, " for a system-space mapping");
        if (BaseAddress != mdl->MappedSystemVa) {
            rp_finding("MDL_UNMAP_MISMATCH", STATUS_INVALID_PARAMETER, NULL, NULL,
                       "MmUnmapLockedPages(%p, %p): the MDL is mapped at %p, not at %p", BaseAddress, (void *)mdl,
                       mdl->MappedSystemVa, BaseAddress);
            return;
        }
        if (mdl_has(mdl, MDL_PARTIAL) && !mdl_has(mdl, MDL_PARTIAL_HAS_BEEN_MAPPED)) {
            rp_finding("MDL_UNMAP_MISMATCH", STATUS_INVALID_PARAMETER, NULL, NULL,
                       "MmUnmapLockedPages(%p, %p): the partial MDL shares the system-space mapping of its "
                       "source MDL; only the source's mapping can be released",
                       BaseAddress, (void *)mdl);
            return;
        }
        mdl_unmap(mdl);
        return;
    }
    if (BaseAddress == (PVOID)mdl_address(mdl) &&
        mdl_has(mdl, MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL)) {
        mm_check_irql(ddi, APC_LEVEL, " for a user-space mapping");
        return;
    }
    rp_finding("MDL_UNMAP_MISMATCH", STATUS_INVALID_PARAMETER, NULL, NULL,
               "MmUnmapLockedPages(%p, %p): the MDL is not mapped at %p (MdlFlags 0x%04X)", BaseAddress,
               (void *)mdl, BaseAddress, (unsigned)(USHORT)mdl->MdlFlags);
}

/* ---- addresses ---------------------------------------------------------------------------------------- */

NTKERNELAPI BOOLEAN NTAPI MmIsAddressValid(PVOID VirtualAddress)
{
    mm_check_irql("MmIsAddressValid", DISPATCH_LEVEL, "");
    return mm_range_accessible((ULONG_PTR)VirtualAddress, 1, FALSE);
}

NTKERNELAPI BOOLEAN NTAPI MmIsNonPagedSystemAddressValid(PVOID VirtualAddress)
{
    return mm_range_accessible((ULONG_PTR)VirtualAddress, 1, FALSE);
}

/* There is no device memory behind any physical address: mapping I/O space fails the way
 * Windows reports running out of system PTEs (NULL), with a message that says why. */
NTKERNELAPI PVOID NTAPI MmMapIoSpace(PHYSICAL_ADDRESS PhysicalAddress, SIZE_T NumberOfBytes, MEMORY_CACHING_TYPE CacheType)
{
    (void)CacheType;
    mm_check_irql("MmMapIoSpace", DISPATCH_LEVEL, "");
    rp_error(STATUS_NOT_SUPPORTED,
             "MmMapIoSpace(0x%llX, %zu bytes): wdmemu emulates no device memory; the mapping fails (NULL)",
             (unsigned long long)PhysicalAddress.QuadPart, (size_t)NumberOfBytes);
    return NULL;
}

NTKERNELAPI VOID NTAPI MmUnmapIoSpace(PVOID BaseAddress, SIZE_T NumberOfBytes)
{
    rp_finding("MDL_UNMAP_MISMATCH", STATUS_INVALID_PARAMETER, NULL, NULL,
               "MmUnmapIoSpace(%p, %zu bytes): the address does not come from MmMapIoSpace", BaseAddress,
               (size_t)NumberOfBytes);
}

/* Physical addresses are the virtual ones (see the top of the file). */
NTKERNELAPI PHYSICAL_ADDRESS NTAPI MmGetPhysicalAddress(PVOID BaseAddress)
{
    PHYSICAL_ADDRESS physical;
    physical.QuadPart = (LONGLONG)(ULONG_PTR)BaseAddress;
    return physical;
}

NTKERNELAPI MM_SYSTEMSIZE NTAPI MmQuerySystemSize(VOID)
{
    return MmLargeSystem;
}

NTKERNELAPI BOOLEAN NTAPI MmIsThisAnNtAsSystem(VOID)
{
    return FALSE;
}

/* MmGetSystemRoutineAddress resolves a deliberately small table: the kernel exports drivers
 * commonly look up to find out whether they run on a Windows version that has them.  Every other
 * name, including routines wdmemu implements, answers NULL, which drivers must handle anyway
 * (the routine is missing on older Windows). */
typedef struct mm_routine {
    const char *name;
    void (*address)(void);
} mm_routine;

static const mm_routine mm_routines[] = {
    {"ExAllocatePool2", (void (*)(void))ExAllocatePool2},
    {"ExAllocatePool3", (void (*)(void))ExAllocatePool3},
    {"ExAllocatePoolWithTag", (void (*)(void))ExAllocatePoolWithTag},
    {"ExFreePool2", (void (*)(void))ExFreePool2},
    {"ExFreePoolWithTag", (void (*)(void))ExFreePoolWithTag},
    {"KeAreAllApcsDisabled", (void (*)(void))KeAreAllApcsDisabled},
    {"KeQueryInterruptTimePrecise", (void (*)(void))KeQueryInterruptTimePrecise},
    {"KeQuerySystemTimePrecise", (void (*)(void))KeQuerySystemTimePrecise},
    {"MmGetSystemRoutineAddress", (void (*)(void))MmGetSystemRoutineAddress},
    {"MmIsAddressValid", (void (*)(void))MmIsAddressValid},
    {"RtlGetVersion", (void (*)(void))RtlGetVersion},
};

/* Export names are ASCII and compared case-sensitively, as the loader does. */
static BOOLEAN mm_name_is(PCUNICODE_STRING name, const char *ascii)
{
    size_t count = name->Length / sizeof(WCHAR);
    if (strlen(ascii) != count)
        return FALSE;
    for (size_t i = 0; i < count; i++) {
        if (name->Buffer[i] != (WCHAR)(unsigned char)ascii[i])
            return FALSE;
    }
    return TRUE;
}

NTKERNELAPI PVOID NTAPI MmGetSystemRoutineAddress(PUNICODE_STRING SystemRoutineName)
{
    mm_check_irql("MmGetSystemRoutineAddress", PASSIVE_LEVEL, "");
    if (SystemRoutineName == NULL || (SystemRoutineName->Buffer == NULL && SystemRoutineName->Length != 0))
        return NULL;
    for (size_t i = 0; i < sizeof(mm_routines) / sizeof(mm_routines[0]); i++) {
        if (mm_name_is(SystemRoutineName, mm_routines[i].name))
            return (PVOID)(ULONG_PTR)mm_routines[i].address;
    }
    return NULL;
}

/* ---- contiguous and non-cached memory -------------------------------------------------------------
 * Both are page-aligned blocks carved out of a pool block one page larger than asked for.  The
 * registry maps the address the driver got to its pool block, so a free of anything else is
 * recognised without reading memory.  Entries whose pool block is gone (reclaimed when the
 * driver was unloaded, or at wdmemu_shutdown) are dropped when met. */

typedef enum mm_block_kind { MM_CONTIGUOUS, MM_NONCACHED } mm_block_kind;

typedef struct mm_aligned_block {
    void *address; /* page aligned, what the driver got */
    void *raw;     /* the pool block around it */
    SIZE_T bytes;  /* what the driver asked for */
    mm_block_kind kind;
    UT_hash_handle hh;
} mm_aligned_block;

static mm_aligned_block *mm_blocks;
static plat_mutex mm_lock;
static plat_once_flag mm_once = PLAT_ONCE_INIT;

static void mm_lock_init(void)
{
    plat_mutex_init(&mm_lock);
}

static const char *mm_kind_allocator(mm_block_kind kind)
{
    return kind == MM_CONTIGUOUS ? "MmAllocateContiguousMemory" : "MmAllocateNonCachedMemory";
}

static const char *mm_kind_free(mm_block_kind kind)
{
    return kind == MM_CONTIGUOUS ? "MmFreeContiguousMemory" : "MmFreeNonCachedMemory";
}

/* Lock held.  The live entry for address, dropping a stale one. */
static mm_aligned_block *mm_find_block(void *address)
{
    mm_aligned_block *block = NULL;
    HASH_FIND_PTR(mm_blocks, &address, block);
    if (block != NULL && !ex_pool_is_block(block->raw)) {
        HASH_DEL(mm_blocks, block);
        free(block);
        block = NULL;
    }
    return block;
}

static PVOID mm_allocate_aligned(mm_block_kind kind, SIZE_T bytes, SIZE_T usable)
{
    const char *ddi = mm_kind_allocator(kind);
    if (bytes == 0 || bytes > MM_LARGEST_ALIGNED_REQUEST)
        return NULL;
    ULONG tag = kind == MM_CONTIGUOUS ? MM_CONTIGUOUS_TAG : MM_NONCACHED_TAG;
    PVOID raw = ex_pool_allocate_for(ddi, NonPagedPoolNx, usable + PAGE_SIZE - 1, tag);
    if (raw == NULL)
        return NULL;
    mm_aligned_block *block = malloc(sizeof(*block));
    if (block == NULL) {
        ex_pool_free_for(ddi, raw);
        return NULL;
    }
    block->address = (void *)(((ULONG_PTR)raw + PAGE_SIZE - 1) & ~(ULONG_PTR)(PAGE_SIZE - 1));
    block->raw = raw;
    block->bytes = bytes;
    block->kind = kind;
    plat_once(&mm_once, mm_lock_init);
    plat_mutex_lock(&mm_lock);
    mm_aligned_block *stale = NULL;
    HASH_FIND_PTR(mm_blocks, &block->address, stale);
    if (stale != NULL) { /* its pool block was reclaimed, or this one could not have been allocated */
        HASH_DEL(mm_blocks, stale);
        free(stale);
    }
    HASH_ADD_PTR(mm_blocks, address, block);
    plat_mutex_unlock(&mm_lock);
    return block->address;
}

static void mm_free_aligned(mm_block_kind kind, PVOID address, SIZE_T bytes)
{
    const char *ddi = mm_kind_free(kind);
    plat_once(&mm_once, mm_lock_init);
    plat_mutex_lock(&mm_lock);
    mm_aligned_block *block = mm_find_block(address);
    if (block != NULL)
        HASH_DEL(mm_blocks, block);
    plat_mutex_unlock(&mm_lock);
    if (block == NULL) {
        rp_finding("BAD_POOL_CALLER", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p): not an address %s returned (freed twice, or never allocated so)", ddi, address,
                   mm_kind_allocator(kind));
        return;
    }
    if (block->kind != kind)
        rp_finding("BAD_POOL_CALLER", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p): the memory was allocated by %s and must be freed by %s", ddi, address,
                   mm_kind_allocator(block->kind), mm_kind_free(block->kind));
    else if (kind == MM_NONCACHED && bytes != block->bytes)
        rp_finding("NONCACHED_MEMORY_SIZE_MISMATCH", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "MmFreeNonCachedMemory(%p, %zu): the block was allocated with %zu bytes; NumberOfBytes must "
                   "match",
                   address, (size_t)bytes, (size_t)block->bytes);
    ex_pool_free_for(ddi, block->raw);
    free(block);
}

/* HighestAcceptableAddress cannot be honoured (the "physical" address is the virtual one) and
 * is accepted whatever it is. */
NTKERNELAPI PVOID NTAPI MmAllocateContiguousMemory(SIZE_T NumberOfBytes, PHYSICAL_ADDRESS HighestAcceptableAddress)
{
    (void)HighestAcceptableAddress;
    mm_check_irql("MmAllocateContiguousMemory", DISPATCH_LEVEL, "");
    return mm_allocate_aligned(MM_CONTIGUOUS, NumberOfBytes, NumberOfBytes);
}

NTKERNELAPI VOID NTAPI MmFreeContiguousMemory(PVOID BaseAddress)
{
    mm_check_irql("MmFreeContiguousMemory", DISPATCH_LEVEL, "");
    mm_free_aligned(MM_CONTIGUOUS, BaseAddress, 0);
}

/* Always a whole number of pages, whatever was asked for (documented). */
NTKERNELAPI PVOID NTAPI MmAllocateNonCachedMemory(SIZE_T NumberOfBytes)
{
    mm_check_irql("MmAllocateNonCachedMemory", APC_LEVEL, "");
    if (NumberOfBytes > MM_LARGEST_ALIGNED_REQUEST)
        return NULL;
    return mm_allocate_aligned(MM_NONCACHED, NumberOfBytes, ROUND_TO_PAGES(NumberOfBytes));
}

NTKERNELAPI VOID NTAPI MmFreeNonCachedMemory(PVOID BaseAddress, SIZE_T NumberOfBytes)
{
    mm_check_irql("MmFreeNonCachedMemory", APC_LEVEL, "");
    mm_free_aligned(MM_NONCACHED, BaseAddress, NumberOfBytes);
}
