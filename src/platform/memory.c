/* platform/memory.c: whether a range of the process's memory may be accessed, without touching
 * it, so that a bad range never faults (nor upsets AddressSanitizer or Valgrind): the answer
 * behind MmProbeAndLockPages.
 *
 * Linux, two sources:
 *   1. /proc/self/maps: the range must lie in mappings without gaps whose protections allow
 *      reading (and writing when asked).  This catches unmapped and PROT_NONE pages, guard pages
 *      and read-only pages, wherever the memory came from (stack, heap, mmap).
 *   2. process_vm_readv on this process: one byte of every page is read through the kernel,
 *      which faults the page in (making it resident, as MmProbeAndLockPages does) and answers
 *      EFAULT for pages that cannot be brought in, e.g. a file mapping beyond the end of its file.
 * A source that is unavailable (no /proc, a seccomp filter refusing the system call) is skipped;
 * when neither is available the range is taken as accessible.
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
#include <sys/uio.h>
#include <unistd.h>

typedef struct mem_maps_walk {
    uintptr_t next; /* the first address not yet found in a suitable mapping */
    uintptr_t end;
    int write;
    int verdict; /* 0 undecided, 1 covered, -1 a gap or a mapping without the access */
} mem_maps_walk;

static void mem_maps_mapping(mem_maps_walk *walk, uintptr_t low, uintptr_t high, const char perms[4])
{
    if (walk->verdict != 0 || high <= walk->next)
        return;
    if (low > walk->next || perms[0] != 'r' || (walk->write && perms[1] != 'w')) {
        walk->verdict = -1;
        return;
    }
    walk->next = high;
    if (walk->next >= walk->end)
        walk->verdict = 1;
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

/* 1 when [start, end) is covered by mappings allowing the access, 0 when not, -1 when
 * /proc/self/maps cannot be read.  Lines look like "7f12a000-7f12c000 rw-p 00000000 00:00 0 ...";
 * only the range and the permissions are parsed, character by character, so lines of any
 * length and reads ending anywhere are fine. */
static int mem_maps_allow(uintptr_t start, uintptr_t end, int write)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    mem_maps_walk walk = {.next = start, .end = end, .write = write, .verdict = 0};
    enum { LOW, HIGH, PERMS, REST } field = LOW;
    uintptr_t low = 0, high = 0;
    char perms[4] = {0};
    int nperms = 0;
    int failed = 0;
    char buffer[4096];
    while (walk.verdict == 0) {
        ssize_t got = read(fd, buffer, sizeof(buffer));
        if (got == 0)
            break;
        if (got < 0) {
            if (errno == EINTR)
                continue;
            failed = 1;
            break;
        }
        for (ssize_t i = 0; i < got && walk.verdict == 0; i++) {
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
                    mem_maps_mapping(&walk, low, high, perms);
                    field = REST;
                }
                break;
            case REST:
                break;
            }
        }
    }
    close(fd);
    if (walk.verdict == 0 && failed)
        return -1;
    return walk.verdict == 1 ? 1 : 0;
}

/* 1 when one byte of every page of [start, end) reads through the kernel, 0 when a page does
 * not (EFAULT), -1 when process_vm_readv is not available. */
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
            uintptr_t next = (at & ~(uintptr_t)(MEM_PAGE - 1)) + MEM_PAGE;
            if (next <= at) /* the last page of the address space */
                at = end;
            else
                at = next;
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

int plat_range_accessible(uintptr_t start, size_t length, int write)
{
    if (length == 0)
        return 1;
    uintptr_t end = start + length;
    if (end < start)
        return 0;
    if (mem_maps_allow(start, end, write) == 0)
        return 0;
    return mem_read_pages(start, end) != 0;
}

#else

int plat_range_accessible(uintptr_t start, size_t length, int write)
{
    (void)write;
    return length == 0 || start + length >= start;
}

#endif
