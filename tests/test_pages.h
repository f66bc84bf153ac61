/* test_pages.h: pages with chosen protections for the tests of hardware faults and
 * MmProbeAndLockPages (mmap/mprotect on POSIX systems, VirtualAlloc/VirtualProtect on Windows).
 * No system headers here: the tests that use it include the DDK headers, which cannot share a
 * file with <windows.h>; test_pages.c is built on its own. */
#ifndef WDMEMU_TEST_PAGES_H
#define WDMEMU_TEST_PAGES_H

#include <stddef.h>

#define TP_NONE 0
#define TP_READ 1
#define TP_READ_WRITE 3

/* The system's page size. */
size_t tp_page_size(void);
/* pages fresh zeroed pages with the protection; NULL when the system refuses. */
void *tp_map(size_t pages, int protection);
/* Changes the protection of whole pages; 0 on success. */
int tp_protect(void *address, size_t bytes, int protection);
/* Gives whole pages back: afterwards they are not mapped (on Windows: decommitted, and the
 * whole reservation released when address is where tp_map's block starts); 0 on success. */
int tp_unmap(void *address, size_t bytes);
/* Maps fresh pages at exactly this address (after tp_unmap of the whole block returned it to
 * the system): POSIX MAP_FIXED, Windows VirtualAlloc at the address; NULL when the system
 * refuses (another mapping took the place meanwhile). */
void *tp_map_at(void *address, size_t pages, int protection);

#endif /* WDMEMU_TEST_PAGES_H */
