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
 *     below: the protections /proc/self/maps lists, plus a read of every page through
 *     process_vm_readv, which reports EFAULT instead of faulting).  An inaccessible range raises
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
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#endif

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

/* MM_USER_PROBE_ADDRESS on x64: a UserMode probe of anything reaching above it fails. */
#define MM_USER_PROBE_LIMIT ((ULONG_PTR)0x7FFFFFFF0000ULL)

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

/* ---- is memory accessible? ---------------------------------------------------------------------
 * Nothing here accesses the memory from user space, so a bad range never faults (nor upsets
 * AddressSanitizer or Valgrind).  The sources, all Linux-specific:
 *   1. /proc/self/maps: the range must lie in mappings without gaps whose protections allow
 *      reading (and writing when asked).  This catches unmapped and PROT_NONE pages, guard pages
 *      and read-only pages, wherever the memory came from (stack, heap, mmap).  The parsed file
 *      is remembered and read again only when it does not cover a range with the access asked
 *      for, or when a check below found it out of date.
 *   2. process_vm_readv on this process: one byte of every page is read through the kernel,
 *      which faults the page in (making it resident, as MmProbeAndLockPages does) and answers
 *      EFAULT for pages that cannot be read now: unmapped or PROT_NONE since the file was read,
 *      or a file mapping beyond the end of its file.
 *   3. For a write access that the remembered mappings allowed: a kernel write to every page
 *      that changes nothing (FUTEX_WAKE_OP), which fails on a page that is read-only now.
 * A source that is unavailable (no /proc, a seccomp filter refusing the system call) is skipped;
 * when none is available the range is taken as accessible.  Elsewhere than Linux nothing is
 * checked.  (This belongs in platform/ once the platform layer grows a memory-query call.) */

#if defined(__linux__)

/* The mappings /proc/self/maps listed when it was last read, merged where neighbours allow the
 * same access, sorted by address.  Reading and parsing the file costs tens of microseconds, so
 * it is read again only when a range is not covered by the remembered mappings with the access
 * asked for, or when a check of the pages themselves (below) failed.  A remembered "accessible"
 * can be stale (the range may have been unmapped, remapped or re-protected since), so it is
 * never trusted alone: the pages are always checked through the kernel as well. */
#define MM_ACCESS_READ 1u
#define MM_ACCESS_WRITE 2u

typedef struct mm_region {
    ULONG_PTR low, high;
    unsigned access;
} mm_region;

static struct {
    mm_region *regions;
    size_t count, capacity;
    BOOLEAN valid; /* FALSE: read the file before answering */
} mm_maps;
static uv_mutex_t mm_maps_lock;
static uv_once_t mm_maps_once = UV_ONCE_INIT;

static void mm_maps_lock_init(void)
{
    uv_mutex_init(&mm_maps_lock);
}

static int mm_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Appends one mapping (the file lists them in address order), merging it into the previous
 * region when they touch and allow the same access.  FALSE when out of memory. */
static BOOLEAN mm_maps_add(ULONG_PTR low, ULONG_PTR high, const char perms[4])
{
    unsigned access = (perms[0] == 'r' ? MM_ACCESS_READ : 0u) | (perms[1] == 'w' ? MM_ACCESS_WRITE : 0u);
    if (high <= low)
        return TRUE;
    if (mm_maps.count > 0) {
        mm_region *last = &mm_maps.regions[mm_maps.count - 1];
        if (last->high == low && last->access == access) {
            last->high = high;
            return TRUE;
        }
    }
    if (mm_maps.count == mm_maps.capacity) {
        size_t capacity = mm_maps.capacity ? mm_maps.capacity * 2 : 256;
        mm_region *regions = realloc(mm_maps.regions, capacity * sizeof(*regions));
        if (regions == NULL)
            return FALSE;
        mm_maps.regions = regions;
        mm_maps.capacity = capacity;
    }
    mm_maps.regions[mm_maps.count++] = (mm_region){.low = low, .high = high, .access = access};
    return TRUE;
}

/* Reads /proc/self/maps into mm_maps (caller holds mm_maps_lock); FALSE when it cannot be read.
 * Lines look like "7f12a000-7f12c000 rw-p 00000000 00:00 0 ..."; only the range and the
 * permissions are parsed, character by character, so lines of any length and reads ending
 * anywhere are fine. */
static BOOLEAN mm_maps_load(void)
{
    mm_maps.valid = FALSE;
    mm_maps.count = 0;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return FALSE;
    enum { LOW, HIGH, PERMS, REST } field = LOW;
    ULONG_PTR low = 0, high = 0;
    char perms[4] = {0};
    int nperms = 0;
    BOOLEAN ok = TRUE;
    char buffer[8192];
    for (;;) {
        ssize_t got = read(fd, buffer, sizeof(buffer));
        if (got == 0)
            break;
        if (got < 0) {
            if (errno == EINTR)
                continue;
            ok = FALSE;
            break;
        }
        for (ssize_t i = 0; i < got; i++) {
            char c = buffer[i];
            if (c == '\n') {
                field = LOW;
                low = high = 0;
                nperms = 0;
                continue;
            }
            int digit = mm_hex_digit(c);
            switch (field) {
            case LOW:
                if (digit >= 0)
                    low = low * 16 + (ULONG_PTR)digit;
                else
                    field = c == '-' ? HIGH : REST;
                break;
            case HIGH:
                if (digit >= 0)
                    high = high * 16 + (ULONG_PTR)digit;
                else
                    field = c == ' ' ? PERMS : REST;
                break;
            case PERMS:
                perms[nperms++] = c;
                if (nperms == 4) {
                    if (!mm_maps_add(low, high, perms))
                        ok = FALSE;
                    field = REST;
                }
                break;
            case REST:
                break;
            }
        }
    }
    close(fd);
    mm_maps.valid = ok;
    return ok;
}

/* TRUE when the remembered mappings cover [start, end) without gaps, all allowing `access`. */
static BOOLEAN mm_maps_cover(ULONG_PTR start, ULONG_PTR end, unsigned access)
{
    size_t lo = 0, hi = mm_maps.count; /* the first region whose high is above start */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mm_maps.regions[mid].high <= start)
            lo = mid + 1;
        else
            hi = mid;
    }
    ULONG_PTR next = start;
    for (size_t i = lo; i < mm_maps.count && next < end; i++) {
        const mm_region *r = &mm_maps.regions[i];
        if (r->low > next || (r->access & access) != access)
            return FALSE;
        next = r->high;
    }
    return next >= end;
}

/* 1 when [start, end) lies in mappings allowing the access, 0 when not, -1 when /proc/self/maps
 * cannot be read.  Unless `reread`, the remembered mappings answer when they cover the range;
 * *remembered says whether they did (the file was not read). */
static int mm_maps_allow(ULONG_PTR start, ULONG_PTR end, BOOLEAN write, BOOLEAN reread, BOOLEAN *remembered)
{
    unsigned access = MM_ACCESS_READ | (write ? MM_ACCESS_WRITE : 0u);
    uv_once(&mm_maps_once, mm_maps_lock_init);
    uv_mutex_lock(&mm_maps_lock);
    int verdict;
    *remembered = !reread && mm_maps.valid && mm_maps_cover(start, end, access);
    if (*remembered)
        verdict = 1;
    else if (!mm_maps_load())
        verdict = -1;
    else
        verdict = mm_maps_cover(start, end, access) ? 1 : 0;
    uv_mutex_unlock(&mm_maps_lock);
    return verdict;
}

/* The next check of a range reads /proc/self/maps again (after an mm_maps_allow). */
static void mm_maps_forget(void)
{
    uv_mutex_lock(&mm_maps_lock);
    mm_maps.valid = FALSE;
    uv_mutex_unlock(&mm_maps_lock);
}

static ULONG_PTR mm_next_page(ULONG_PTR at, ULONG_PTR end)
{
    ULONG_PTR next = (at & ~(ULONG_PTR)(PAGE_SIZE - 1)) + PAGE_SIZE;
    return next <= at ? end : next; /* the last page of the address space */
}

/* 1 when one byte of every page of [start, end) reads through the kernel, 0 when a page does
 * not (EFAULT), -1 when process_vm_readv is not available.  The kernel checks the protections
 * of the page as they are now (no read access: EFAULT) and faults it in. */
static int mm_read_pages(ULONG_PTR start, ULONG_PTR end)
{
    enum { BATCH = 64 };
    char sink[BATCH];
    struct iovec local[BATCH], remote[BATCH];
    pid_t self = getpid();
    ULONG_PTR at = start;
    while (at < end) {
        int n = 0;
        while (n < BATCH && at < end) {
            local[n].iov_base = &sink[n];
            local[n].iov_len = 1;
            remote[n].iov_base = (void *)at;
            remote[n].iov_len = 1;
            n++;
            at = mm_next_page(at, end);
        }
        ssize_t got = process_vm_readv(self, local, (unsigned long)n, remote, (unsigned long)n, 0);
        if (got == n)
            continue;
        if (got < 0 && errno != EFAULT)
            return -1;
        return 0;
    }
    return 1;
}

/* Write access to every page of [start, end) as it is now, which process_vm_readv cannot tell:
 * 1 when the kernel can write each page, 0 when one refuses (EFAULT), -1 when the check is not
 * available.  For each page, FUTEX_WAKE_OP atomically adds 0 to the aligned 32-bit word holding
 * the page's first byte of the range (a write that changes nothing, even with other threads
 * writing there) and wakes nobody; the kernel answers EFAULT when the page cannot be written
 * (read-only, PROT_NONE, unmapped, no backing store) and otherwise faults it in for writing.
 * One system call per page, so callers use it only for short ranges. */
static int mm_write_pages(ULONG_PTR start, ULONG_PTR end)
{
    uint32_t unused = 0;
    for (ULONG_PTR at = start; at < end; at = mm_next_page(at, end)) {
        long done = syscall(SYS_futex, &unused, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 0, 0,
                            (uint32_t *)(at & ~(ULONG_PTR)3), FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_EQ, 0));
        if (done >= 0)
            continue;
        return errno == EFAULT ? 0 : -1;
    }
    return 1;
}

/* Ranges of more pages than this are checked for writing against a fresh read of
 * /proc/self/maps rather than page by page (one system call each). */
#define MM_WRITE_CHECK_PAGES 16

static BOOLEAN mm_range_accessible(ULONG_PTR start, SIZE_T length, BOOLEAN write)
{
    if (length == 0)
        return TRUE;
    ULONG_PTR end = start + length;
    if (end < start)
        return FALSE;
    BOOLEAN long_write = write && mdl_span(start, length) > MM_WRITE_CHECK_PAGES;
    BOOLEAN remembered;
    if (mm_maps_allow(start, end, write, long_write, &remembered) == 0)
        return FALSE;
    if (remembered && write) {
        /* The write permission remembered may have been taken away since: ask about the pages
         * as they are now, or failing that read the file again. */
        int writable = mm_write_pages(start, end);
        if (writable == 0) {
            mm_maps_forget();
            return FALSE;
        }
        if (writable < 0 && mm_maps_allow(start, end, write, TRUE, &remembered) == 0)
            return FALSE;
    }
    /* Unmapped, PROT_NONE and unbacked pages fail here whatever the mappings said. */
    if (mm_read_pages(start, end) == 0) {
        if (remembered)
            mm_maps_forget();
        return FALSE;
    }
    return TRUE;
}

#else

static BOOLEAN mm_range_accessible(ULONG_PTR start, SIZE_T length, BOOLEAN write)
{
    (void)write;
    return length == 0 || start + length >= start;
}

#endif

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
static uv_mutex_t mm_lock;
static uv_once_t mm_once = UV_ONCE_INIT;

static void mm_lock_init(void)
{
    uv_mutex_init(&mm_lock);
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
    uv_once(&mm_once, mm_lock_init);
    uv_mutex_lock(&mm_lock);
    mm_aligned_block *stale = NULL;
    HASH_FIND_PTR(mm_blocks, &block->address, stale);
    if (stale != NULL) { /* its pool block was reclaimed, or this one could not have been allocated */
        HASH_DEL(mm_blocks, stale);
        free(stale);
    }
    HASH_ADD_PTR(mm_blocks, address, block);
    uv_mutex_unlock(&mm_lock);
    return block->address;
}

static void mm_free_aligned(mm_block_kind kind, PVOID address, SIZE_T bytes)
{
    const char *ddi = mm_kind_free(kind);
    uv_once(&mm_once, mm_lock_init);
    uv_mutex_lock(&mm_lock);
    mm_aligned_block *block = mm_find_block(address);
    if (block != NULL)
        HASH_DEL(mm_blocks, block);
    uv_mutex_unlock(&mm_lock);
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
