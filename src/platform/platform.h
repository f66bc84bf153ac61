/* platform/platform.h: the only place that knows which operating system wdmemu runs on.
 * Threads, locks and module loading come from libuv; this header adds thread-local storage
 * and the few compiler facts the rest of the library needs. */
#ifndef WDMEMU_PLATFORM_H
#define WDMEMU_PLATFORM_H

#include <uv.h>

#if defined(_MSC_VER)
#define PLAT_THREAD_LOCAL __declspec(thread)
#else
#define PLAT_THREAD_LOCAL _Thread_local
#endif

#if defined(__GNUC__) || defined(__clang__)
#define PLAT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PLAT_LIKELY(x) __builtin_expect(!!(x), 1)
#define PLAT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define PLAT_PRINTF(f, a)
#define PLAT_LIKELY(x) (x)
#define PLAT_UNLIKELY(x) (x)
#endif

/* Environment lookup that works the same on every platform (NULL if unset or empty). */
const char *plat_getenv(const char *name);

#endif /* WDMEMU_PLATFORM_H */
