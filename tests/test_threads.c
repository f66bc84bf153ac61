/* test_threads.c: host threads for tests (see test_threads.h). */
#include "test_threads.h"

#include <stdlib.h>

#if defined(_MSC_VER)

#include <process.h>
#include <windows.h>

typedef struct tt_start_block {
    void *(*entry)(void *context);
    void *context;
} tt_start_block;

static unsigned __stdcall tt_trampoline(void *argument)
{
    tt_start_block block = *(tt_start_block *)argument;
    free(argument);
    block.entry(block.context);
    return 0;
}

int tt_start(tt_thread *thread, void *(*entry)(void *context), void *context, size_t stack_size)
{
    tt_start_block *block = malloc(sizeof(*block));
    if (block == NULL)
        return -1;
    block->entry = entry;
    block->context = context;
    /* STACK_SIZE_PARAM_IS_A_RESERVATION: stack_size is the whole stack, not its first commit. */
    uintptr_t handle = _beginthreadex(NULL, (unsigned)stack_size, tt_trampoline, block,
                                      stack_size != 0 ? STACK_SIZE_PARAM_IS_A_RESERVATION : 0, NULL);
    if (handle == 0) {
        free(block);
        return -1;
    }
    thread->handle = (void *)handle;
    return 0;
}

int tt_join(tt_thread *thread)
{
    DWORD waited = WaitForSingleObject((HANDLE)thread->handle, INFINITE);
    CloseHandle((HANDLE)thread->handle);
    return waited == WAIT_OBJECT_0 ? 0 : -1;
}

#else

#include <pthread.h>

int tt_start(tt_thread *thread, void *(*entry)(void *context), void *context, size_t stack_size)
{
    pthread_t *handle = malloc(sizeof(*handle));
    if (handle == NULL)
        return -1;
    pthread_attr_t attr;
    int rc = pthread_attr_init(&attr);
    if (rc == 0 && stack_size != 0)
        rc = pthread_attr_setstacksize(&attr, stack_size);
    if (rc == 0)
        rc = pthread_create(handle, &attr, entry, context);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        free(handle);
        return rc;
    }
    thread->handle = handle;
    return 0;
}

int tt_join(tt_thread *thread)
{
    pthread_t *handle = thread->handle;
    int rc = pthread_join(*handle, NULL);
    free(handle);
    return rc;
}

#endif
