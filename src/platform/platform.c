/* platform/platform.c: the libuv wrappers of platform.h and the operating-system specifics that
 * libuv does not cover (stack limits, yielding).  The one library file besides fault.c that
 * includes <uv.h> (and so, on Windows, <windows.h>); it never includes the DDK headers. */
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* pthread_getattr_np */
#endif
#include "platform/platform.h"

#include <stdalign.h>
#include <stdlib.h>

#include <uv.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <pthread.h>
#include <sched.h>
#endif

/* The opaque storage must hold the libuv object it stands for. */
#define PLAT_FITS(ours, theirs)                                                             \
    _Static_assert(sizeof(ours) >= sizeof(theirs) && alignof(ours) >= alignof(theirs),     \
                   #ours " is too small or too weakly aligned for " #theirs)
PLAT_FITS(plat_mutex, uv_mutex_t);
PLAT_FITS(plat_cond, uv_cond_t);
PLAT_FITS(plat_thread, uv_thread_t);
PLAT_FITS(plat_lib, uv_lib_t);

#define UV_MUTEX(m) ((uv_mutex_t *)(void *)&(m)->opaque)
#define UV_COND(c) ((uv_cond_t *)(void *)&(c)->opaque)
#define UV_THREAD(t) ((uv_thread_t *)(void *)&(t)->opaque)
#define UV_LIB(l) ((uv_lib_t *)(void *)&(l)->opaque)

/* ---- one-time initialisation ------------------------------------------------------------------
 * A flag is a plain int (so that PLAT_ONCE_INIT is the same zero everywhere); the slow path
 * takes one process-wide recursive mutex, so an initialiser may itself initialise something
 * else through plat_once. */
static uv_once_t plat_once_guard = UV_ONCE_INIT;
static uv_mutex_t plat_once_lock;

static void plat_once_setup(void)
{
    if (uv_mutex_init_recursive(&plat_once_lock) != 0)
        abort(); /* nothing in the library can run without its locks */
}

void plat_once(plat_once_flag *flag, void (*function)(void))
{
    if (plat_atomic_load(&flag->done, PLAT_ACQUIRE))
        return;
    uv_once(&plat_once_guard, plat_once_setup);
    uv_mutex_lock(&plat_once_lock);
    if (!plat_atomic_load(&flag->done, PLAT_RELAXED)) {
        function();
        plat_atomic_store(&flag->done, 1, PLAT_RELEASE);
    }
    uv_mutex_unlock(&plat_once_lock);
}

/* ---- locks, condition variables, threads ------------------------------------------------------ */
int plat_mutex_init(plat_mutex *mutex) { return uv_mutex_init(UV_MUTEX(mutex)); }
int plat_mutex_init_recursive(plat_mutex *mutex) { return uv_mutex_init_recursive(UV_MUTEX(mutex)); }
void plat_mutex_destroy(plat_mutex *mutex) { uv_mutex_destroy(UV_MUTEX(mutex)); }
void plat_mutex_lock(plat_mutex *mutex) { uv_mutex_lock(UV_MUTEX(mutex)); }
void plat_mutex_unlock(plat_mutex *mutex) { uv_mutex_unlock(UV_MUTEX(mutex)); }

int plat_cond_init(plat_cond *cond) { return uv_cond_init(UV_COND(cond)); }
void plat_cond_destroy(plat_cond *cond) { uv_cond_destroy(UV_COND(cond)); }
void plat_cond_signal(plat_cond *cond) { uv_cond_signal(UV_COND(cond)); }
void plat_cond_wait(plat_cond *cond, plat_mutex *mutex) { uv_cond_wait(UV_COND(cond), UV_MUTEX(mutex)); }

int plat_cond_timedwait(plat_cond *cond, plat_mutex *mutex, uint64_t timeout)
{
    return uv_cond_timedwait(UV_COND(cond), UV_MUTEX(mutex), timeout);
}

int plat_thread_create(plat_thread *thread, void (*entry)(void *arg), void *arg)
{
    return uv_thread_create(UV_THREAD(thread), entry, arg);
}

int plat_thread_join(plat_thread *thread) { return uv_thread_join(UV_THREAD(thread)); }

/* ---- time, processors, files ------------------------------------------------------------------- */
void plat_sleep(unsigned milliseconds) { uv_sleep(milliseconds); }
uint64_t plat_hrtime(void) { return uv_hrtime(); }

int plat_time_of_day(int64_t *seconds, int32_t *microseconds)
{
    uv_timeval64_t tv;
    int rc = uv_gettimeofday(&tv);
    *seconds = rc == 0 ? tv.tv_sec : 0;
    *microseconds = rc == 0 ? tv.tv_usec : 0;
    return rc;
}

int plat_cpu_count(void)
{
    uv_cpu_info_t *cpus;
    int count = 0;
    if (uv_cpu_info(&cpus, &count) != 0)
        return 1;
    uv_free_cpu_info(cpus, count);
    return count > 0 ? count : 1;
}

#if defined(_WIN32)
int plat_processor_feature(unsigned feature)
{
    return IsProcessorFeaturePresent((DWORD)feature) ? 1 : 0;
}
#endif

#if defined(_MSC_VER) && !defined(__GNUC__)
void plat_raise_exception(uint32_t code, uint32_t flags, uint32_t count, const uintptr_t *information)
{
    ULONG_PTR arguments[EXCEPTION_MAXIMUM_PARAMETERS];
    if (count > EXCEPTION_MAXIMUM_PARAMETERS)
        count = EXCEPTION_MAXIMUM_PARAMETERS;
    for (uint32_t i = 0; i < count; i++)
        arguments[i] = (ULONG_PTR)information[i];
    RaiseException((DWORD)code, (DWORD)flags, (DWORD)count, count != 0 ? arguments : NULL);
    abort(); /* RaiseException returns only for a continuable exception that was continued */
}
#endif

int plat_path_exists(const char *path)
{
    uv_fs_t req;
    int rc = uv_fs_stat(NULL, &req, path, NULL);
    uv_fs_req_cleanup(&req);
    return rc < 0 ? rc : 0;
}

const char *plat_strerror(int error) { return uv_strerror(error); }

/* ---- modules ----------------------------------------------------------------------------------
 * uv_dlopen is dlopen(RTLD_LAZY) on POSIX systems, whose default is local binding: two modules
 * may define the same global names.  Windows DLLs have their own namespaces anyway. */
int plat_dlopen(const char *path, plat_lib *lib) { return uv_dlopen(path, UV_LIB(lib)); }
int plat_dlsym(plat_lib *lib, const char *name, void **symbol) { return uv_dlsym(UV_LIB(lib), name, symbol); }
void plat_dlclose(plat_lib *lib) { uv_dlclose(UV_LIB(lib)); }
const char *plat_dlerror(const plat_lib *lib) { return uv_dlerror((const uv_lib_t *)(const void *)&lib->opaque); }

/* ---- threads' stacks and scheduling ----------------------------------------------------------- */
PLAT_THREAD_LOCAL_HOT char plat_thread_tag_;

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

const char *plat_getenv(const char *name)
{
    const char *value = getenv(name);
    return (value != NULL && value[0] != '\0') ? value : NULL;
}

#ifdef _WIN32

/* 0 on success. */
static int plat_exit_key_create(plat_exit_key *key, void (*destructor)(void *value))
{
    DWORD index = FlsAlloc((PFLS_CALLBACK_FUNCTION)destructor);
    if (index == FLS_OUT_OF_INDEXES)
        return -1;
    key->key = (uintptr_t)index;
    return 0;
}

/* Sets the calling thread's value (non-NULL: the destructor gets it at thread exit); 0 on success. */
static int plat_exit_key_set(const plat_exit_key *key, void *value)
{
    return FlsSetValue((DWORD)key->key, value) ? 0 : -1;
}

#else

/* 0 on success. */
static int plat_exit_key_create(plat_exit_key *key, void (*destructor)(void *value))
{
    pthread_key_t k;
    if (pthread_key_create(&k, destructor) != 0)
        return -1;
    key->key = (uintptr_t)k;
    return 0;
}

/* Sets the calling thread's value (non-NULL: the destructor gets it at thread exit); 0 on success. */
static int plat_exit_key_set(const plat_exit_key *key, void *value)
{
    return pthread_setspecific((pthread_key_t)key->key, value) == 0 ? 0 : -1;
}

#endif

static plat_once_flag plat_blocks_once = PLAT_ONCE_INIT;
static plat_mutex plat_blocks_lock; /* makes each plat_thread_blocks' key once */

static void plat_blocks_init(void)
{
    plat_mutex_init(&plat_blocks_lock);
}

void *plat_thread_block_create(plat_thread_blocks *blocks, size_t size)
{
    plat_once(&plat_blocks_once, plat_blocks_init);
    plat_mutex_lock(&plat_blocks_lock);
    if (blocks->state == 0)
        blocks->state = plat_exit_key_create(&blocks->key, blocks->destructor) == 0 ? 1 : -1;
    int made = blocks->state == 1;
    plat_mutex_unlock(&plat_blocks_lock);
    void *block = made ? calloc(1, size) : NULL;
    if (block != NULL && plat_exit_key_set(&blocks->key, block) != 0) {
        free(block);
        block = NULL;
    }
    return block;
}
