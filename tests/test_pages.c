/* test_pages.c: the page helpers of test_pages.h, for POSIX systems and Windows. */
#include "test_pages.h"

#if defined(_WIN32)

#include <windows.h>

static DWORD tp_win_protection(int protection)
{
    switch (protection) {
    case TP_READ:
        return PAGE_READONLY;
    case TP_READ_WRITE:
        return PAGE_READWRITE;
    default:
        return PAGE_NOACCESS;
    }
}

size_t tp_page_size(void)
{
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    return info.dwPageSize;
}

void *tp_map(size_t pages, int protection)
{
    return VirtualAlloc(NULL, pages * tp_page_size(), MEM_RESERVE | MEM_COMMIT, tp_win_protection(protection));
}

int tp_protect(void *address, size_t bytes, int protection)
{
    DWORD old;
    return VirtualProtect(address, bytes, tp_win_protection(protection), &old) ? 0 : -1;
}

void *tp_map_at(void *address, size_t pages, int protection)
{
    void *p = VirtualAlloc(address, pages * tp_page_size(), MEM_RESERVE | MEM_COMMIT, tp_win_protection(protection));
    return p == address ? p : NULL;
}

int tp_unmap(void *address, size_t bytes)
{
    MEMORY_BASIC_INFORMATION info;
    if (VirtualQuery(address, &info, sizeof(info)) == 0)
        return -1;
    if (info.AllocationBase == address)
        return VirtualFree(address, 0, MEM_RELEASE) ? 0 : -1;
    return VirtualFree(address, bytes, MEM_DECOMMIT) ? 0 : -1;
}

#else

#include <sys/mman.h>
#include <unistd.h>

static int tp_posix_protection(int protection)
{
    switch (protection) {
    case TP_READ:
        return PROT_READ;
    case TP_READ_WRITE:
        return PROT_READ | PROT_WRITE;
    default:
        return PROT_NONE;
    }
}

size_t tp_page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

void *tp_map(size_t pages, int protection)
{
    void *p = mmap(NULL, pages * tp_page_size(), tp_posix_protection(protection), MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int tp_protect(void *address, size_t bytes, int protection)
{
    return mprotect(address, bytes, tp_posix_protection(protection));
}

void *tp_map_at(void *address, size_t pages, int protection)
{
    void *p = mmap(address, pages * tp_page_size(), tp_posix_protection(protection),
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    return p == address ? p : NULL;
}

int tp_unmap(void *address, size_t bytes)
{
    return munmap(address, bytes);
}

#endif
