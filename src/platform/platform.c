/* platform/platform.c: operating-system specifics that libuv does not already cover. */
#define _GNU_SOURCE /* pthread_getattr_np */
#include "platform/platform.h"

#include <stdlib.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <pthread.h>
#include <sched.h>
#endif

const char *plat_getenv(const char *name)
{
    const char *value = getenv(name);
    return (value != NULL && value[0] != '\0') ? value : NULL;
}

void plat_yield(void)
{
#ifdef _WIN32
    SwitchToThread();
#else
    sched_yield();
#endif
}

void plat_stack_limits(uintptr_t *low, uintptr_t *high)
{
    *low = *high = 0;
#if defined(_WIN32)
    ULONG_PTR lo = 0, hi = 0;
    GetCurrentThreadStackLimits(&lo, &hi);
    *low = (uintptr_t)lo;
    *high = (uintptr_t)hi;
#elif defined(__linux__)
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return;
    void *base = NULL;
    size_t size = 0;
    if (pthread_attr_getstack(&attr, &base, &size) == 0) {
        *low = (uintptr_t)base;
        *high = (uintptr_t)base + size;
    }
    pthread_attr_destroy(&attr);
#endif
}

#ifdef _WIN32

int plat_exit_key_create(plat_exit_key *key, void (*destructor)(void *value))
{
    DWORD index = FlsAlloc((PFLS_CALLBACK_FUNCTION)destructor);
    if (index == FLS_OUT_OF_INDEXES)
        return -1;
    key->key = (uintptr_t)index;
    return 0;
}

int plat_exit_key_set(const plat_exit_key *key, void *value)
{
    return FlsSetValue((DWORD)key->key, value) ? 0 : -1;
}

#else

int plat_exit_key_create(plat_exit_key *key, void (*destructor)(void *value))
{
    pthread_key_t k;
    if (pthread_key_create(&k, destructor) != 0)
        return -1;
    key->key = (uintptr_t)k;
    return 0;
}

int plat_exit_key_set(const plat_exit_key *key, void *value)
{
    return pthread_setspecific((pthread_key_t)key->key, value) == 0 ? 0 : -1;
}

#endif
