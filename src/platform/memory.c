/* platform/memory.c: whether a range of the process's memory may be accessed, without touching
 * it, so that a bad range never faults (nor upsets AddressSanitizer or Valgrind): the answer
 * behind MmProbeAndLockPages.
 *
 * Linux, three sources:
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
 * when none is available the range is taken as accessible.
 *
 * Windows: VirtualQuery, region by region: committed, neither PAGE_NOACCESS nor a guard page,
 * and writable (or copy-on-write) when asked.
 *
 * Elsewhere nothing is checked. */
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* process_vm_readv */
#endif
#include "platform/platform.h"

#define MEM_PAGE ((uintptr_t)4096)

#if defined(_WIN32)

#include <windows.h>

int plat_range_accessible(uintptr_t start, size_t length, int write)
{
    uintptr_t end = start + length;
    if (length == 0)
        return 1;
    if (end < start)
        return 0;
    const DWORD readable = PAGE_READONLY | PAGE_READWRITE | PAGE_WRITECOPY | PAGE_EXECUTE_READ |
                           PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY;
    const DWORD writable = PAGE_READWRITE | PAGE_WRITECOPY | PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY;
    uintptr_t at = start;
    while (at < end) {
        MEMORY_BASIC_INFORMATION info;
        if (VirtualQuery((LPCVOID)at, &info, sizeof(info)) == 0)
            return 0; /* beyond the user address space */
        if (info.State != MEM_COMMIT || (info.Protect & (PAGE_GUARD | PAGE_NOACCESS)) != 0 ||
            (info.Protect & (write ? writable : readable)) == 0)
            return 0;
        uintptr_t next = (uintptr_t)info.BaseAddress + info.RegionSize;
        if (next <= at)
            return 0;
        at = next;
    }
    return 1;
}

#elif defined(__linux__)

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* The mappings /proc/self/maps listed when it was last read, merged where neighbours allow the
 * same access, sorted by address.  Reading and parsing the file costs tens of microseconds, so
 * it is read again only when a range is not covered by the remembered mappings with the access
 * asked for, or when a check of the pages themselves (below) failed.  A remembered "accessible"
 * can be stale (the range may have been unmapped, remapped or re-protected since), so it is
 * never trusted alone: the pages are always checked through the kernel as well. */
#define MEM_ACCESS_READ 1u
#define MEM_ACCESS_WRITE 2u

typedef struct mem_region {
    uintptr_t low, high;
    unsigned access;
} mem_region;

static struct {
    mem_region *regions;
    size_t count, capacity;
    int valid; /* 0: read the file before answering */
} mem_maps;
static plat_mutex mem_maps_lock;
static plat_once_flag mem_maps_once = PLAT_ONCE_INIT;

static void mem_maps_lock_init(void)
{
    plat_mutex_init(&mem_maps_lock);
}

static int mem_hex_digit(char c)
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
 * region when they touch and allow the same access.  0 when out of memory. */
static int mem_maps_add(uintptr_t low, uintptr_t high, const char perms[4])
{
    unsigned access = (perms[0] == 'r' ? MEM_ACCESS_READ : 0u) | (perms[1] == 'w' ? MEM_ACCESS_WRITE : 0u);
    if (high <= low)
        return 1;
    if (mem_maps.count > 0) {
        mem_region *last = &mem_maps.regions[mem_maps.count - 1];
        if (last->high == low && last->access == access) {
            last->high = high;
            return 1;
        }
    }
    if (mem_maps.count == mem_maps.capacity) {
        size_t capacity = mem_maps.capacity ? mem_maps.capacity * 2 : 256;
        mem_region *regions = realloc(mem_maps.regions, capacity * sizeof(*regions));
        if (regions == NULL)
            return 0;
        mem_maps.regions = regions;
        mem_maps.capacity = capacity;
    }
    mem_maps.regions[mem_maps.count++] = (mem_region){.low = low, .high = high, .access = access};
    return 1;
}

/* Reads /proc/self/maps into mem_maps (caller holds mem_maps_lock); 0 when it cannot be read.
 * Lines look like "7f12a000-7f12c000 rw-p 00000000 00:00 0 ..."; only the range and the
 * permissions are parsed, character by character, so lines of any length and reads ending
 * anywhere are fine. */
static int mem_maps_load(void)
{
    mem_maps.valid = 0;
    mem_maps.count = 0;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    enum { LOW, HIGH, PERMS, REST } field = LOW;
    uintptr_t low = 0, high = 0;
    char perms[4] = {0};
    int nperms = 0;
    int ok = 1;
    char buffer[8192];
    for (;;) {
        ssize_t got = read(fd, buffer, sizeof(buffer));
        if (got == 0)
            break;
        if (got < 0) {
            if (errno == EINTR)
                continue;
            ok = 0;
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
            int digit = mem_hex_digit(c);
            switch (field) {
            case LOW:
                if (digit >= 0)
                    low = low * 16 + (uintptr_t)digit;
                else
                    field = c == '-' ? HIGH : REST;
                break;
            case HIGH:
                if (digit >= 0)
                    high = high * 16 + (uintptr_t)digit;
                else
                    field = c == ' ' ? PERMS : REST;
                break;
            case PERMS:
                perms[nperms++] = c;
                if (nperms == 4) {
                    if (!mem_maps_add(low, high, perms))
                        ok = 0;
                    field = REST;
                }
                break;
            case REST:
                break;
            }
        }
    }
    close(fd);
    mem_maps.valid = ok;
    return ok;
}

/* 1 when the remembered mappings cover [start, end) without gaps, all allowing `access`. */
static int mem_maps_cover(uintptr_t start, uintptr_t end, unsigned access)
{
    size_t lo = 0, hi = mem_maps.count; /* the first region whose high is above start */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mem_maps.regions[mid].high <= start)
            lo = mid + 1;
        else
            hi = mid;
    }
    uintptr_t next = start;
    for (size_t i = lo; i < mem_maps.count && next < end; i++) {
        const mem_region *r = &mem_maps.regions[i];
        if (r->low > next || (r->access & access) != access)
            return 0;
        next = r->high;
    }
    return next >= end;
}

/* 1 when [start, end) lies in mappings allowing the access, 0 when not, -1 when /proc/self/maps
 * cannot be read.  Unless `reread`, the remembered mappings answer when they cover the range;
 * *remembered says whether they did (the file was not read). */
static int mem_maps_allow(uintptr_t start, uintptr_t end, int write, int reread, int *remembered)
{
    unsigned access = MEM_ACCESS_READ | (write ? MEM_ACCESS_WRITE : 0u);
    plat_once(&mem_maps_once, mem_maps_lock_init);
    plat_mutex_lock(&mem_maps_lock);
    int verdict;
    *remembered = !reread && mem_maps.valid && mem_maps_cover(start, end, access);
    if (*remembered)
        verdict = 1;
    else if (!mem_maps_load())
        verdict = -1;
    else
        verdict = mem_maps_cover(start, end, access) ? 1 : 0;
    plat_mutex_unlock(&mem_maps_lock);
    return verdict;
}

/* The next check of a range reads /proc/self/maps again (after an mem_maps_allow). */
static void mem_maps_forget(void)
{
    plat_mutex_lock(&mem_maps_lock);
    mem_maps.valid = 0;
    plat_mutex_unlock(&mem_maps_lock);
}

static uintptr_t mem_next_page(uintptr_t at, uintptr_t end)
{
    uintptr_t next = (at & ~(uintptr_t)(MEM_PAGE - 1)) + MEM_PAGE;
    return next <= at ? end : next; /* the last page of the address space */
}

/* 1 when one byte of every page of [start, end) reads through the kernel, 0 when a page does
 * not (EFAULT), -1 when process_vm_readv is not available.  The kernel checks the protections
 * of the page as they are now (no read access: EFAULT) and faults it in. */
static int mem_read_pages(uintptr_t start, uintptr_t end)
{
    enum { BATCH = 64 };
    char sink[BATCH];
    struct iovec local[BATCH], remote[BATCH];
    pid_t self = getpid();
    uintptr_t at = start;
    while (at < end) {
        int n = 0;
        while (n < BATCH && at < end) {
            local[n].iov_base = &sink[n];
            local[n].iov_len = 1;
            remote[n].iov_base = (void *)at;
            remote[n].iov_len = 1;
            n++;
            at = mem_next_page(at, end);
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
static int mem_write_pages(uintptr_t start, uintptr_t end)
{
    uint32_t unused = 0;
    for (uintptr_t at = start; at < end; at = mem_next_page(at, end)) {
        long done = syscall(SYS_futex, &unused, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 0, 0,
                            (uint32_t *)(at & ~(uintptr_t)3), FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_EQ, 0));
        if (done >= 0)
            continue;
        return errno == EFAULT ? 0 : -1;
    }
    return 1;
}

/* Ranges of more pages than this are checked for writing against a fresh read of
 * /proc/self/maps rather than page by page (one system call each). */
#define MEM_WRITE_CHECK_PAGES 16

int plat_range_accessible(uintptr_t start, size_t length, int write)
{
    if (length == 0)
        return 1;
    uintptr_t end = start + length;
    if (end < start)
        return 0;
    int long_write = write && (((start & (MEM_PAGE - 1)) + length + MEM_PAGE - 1) / MEM_PAGE) > MEM_WRITE_CHECK_PAGES;
    int remembered;
    if (mem_maps_allow(start, end, write, long_write, &remembered) == 0)
        return 0;
    if (remembered && write) {
        /* The write permission remembered may have been taken away since: ask about the pages
         * as they are now, or failing that read the file again. */
        int writable = mem_write_pages(start, end);
        if (writable == 0) {
            mem_maps_forget();
            return 0;
        }
        if (writable < 0 && mem_maps_allow(start, end, write, 1, &remembered) == 0)
            return 0;
    }
    /* Unmapped, PROT_NONE and unbacked pages fail here whatever the mappings said. */
    if (mem_read_pages(start, end) == 0) {
        if (remembered)
            mem_maps_forget();
        return 0;
    }
    return 1;
}

#else

int plat_range_accessible(uintptr_t start, size_t length, int write)
{
    (void)write;
    return length == 0 || start + length >= start;
}

#endif
