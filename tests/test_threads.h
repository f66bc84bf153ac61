/* test_threads.h: host threads for the tests that start their own (not emulated kernel
 * threads): pthreads on POSIX systems and with mingw-w64, the C runtime's _beginthreadex with
 * the Microsoft compiler, which has no pthreads.  No system headers here, for the same reason as
 * test_pages.h: test_threads.c is built on its own. */
#ifndef WDMEMU_TEST_THREADS_H
#define WDMEMU_TEST_THREADS_H

#include <stddef.h>

typedef struct tt_thread {
    void *handle;
} tt_thread;

/* Starts entry(context) on a new thread with a stack of stack_size bytes (0: the default);
 * 0 on success. */
int tt_start(tt_thread *thread, void *(*entry)(void *context), void *context, size_t stack_size);
/* Waits until the thread ended and frees it; 0 on success. */
int tt_join(tt_thread *thread);

#endif /* WDMEMU_TEST_THREADS_H */
