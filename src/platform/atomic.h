/* platform/atomic.h: the library's own atomic operations (its locks, counts and flags; drivers
 * use the Interlocked* family of wdm/interlocked.h).  With gcc and clang they are the compiler's
 * __atomic builtins under other names, the same code as writing the builtins; with the Microsoft
 * compiler (x64) they are volatile accesses and the _Interlocked* intrinsics.
 *
 *   plat_atomic_load(p, order)                  *p
 *   plat_atomic_store(p, value, order)          *p = value
 *   plat_atomic_exchange(p, value, order)       *p = value, giving the old value
 *   plat_atomic_cas(p, expected, desired, weak, success, failure)
 *                                               if *p == *expected: *p = desired, true;
 *                                               else *expected = *p, false
 *   plat_atomic_add_fetch(p, n, order)          *p += n, giving the new value
 *   plat_atomic_sub_fetch(p, n, order)          *p -= n, giving the new value
 *
 * p points to an integer (1, 2, 4 or 8 bytes) or, for load and store, a pointer.  order is one
 * of PLAT_RELAXED, PLAT_ACQUIRE, PLAT_RELEASE, PLAT_ACQ_REL, PLAT_SEQ_CST.
 *
 * Microsoft compiler, x64: the build uses /volatile:ms (the x64 default, made explicit in
 * meson.build), under which a volatile read is an acquire and a volatile write a release for the
 * compiler, and x64 processors order plain loads and stores that way already; so loads and
 * stores up to release are volatile accesses.  A sequentially consistent store is an exchange
 * (a locked instruction), as gcc emits it.  Read-modify-write operations are the _Interlocked*
 * intrinsics, full barriers whatever order is asked for. */
#ifndef WDMEMU_PLATFORM_ATOMIC_H
#define WDMEMU_PLATFORM_ATOMIC_H

#if defined(_MSC_VER) && !defined(__GNUC__)

#include <intrin.h>
#include <stddef.h>

#if !defined(_M_X64)
#error "wdmemu: the Microsoft compiler build supports x64 only (platform/atomic.h)"
#endif

#define PLAT_RELAXED 0
#define PLAT_ACQUIRE 2
#define PLAT_RELEASE 3
#define PLAT_ACQ_REL 4
#define PLAT_SEQ_CST 5

/* The 1-, 2-, 4- or 8-byte read-modify-write behind the macros; size is a constant, so each
 * call compiles to the one intrinsic it selects. */
static __forceinline long long plat_msvc_exchange(volatile void *p, size_t size, long long value)
{
    switch (size) {
    case 1:
        return _InterlockedExchange8((volatile char *)p, (char)value);
    case 2:
        return _InterlockedExchange16((volatile short *)p, (short)value);
    case 4:
        return _InterlockedExchange((volatile long *)p, (long)value);
    default:
        return _InterlockedExchange64((volatile long long *)p, value);
    }
}

static __forceinline int plat_msvc_cas(volatile void *p, size_t size, void *expected, long long desired)
{
    switch (size) {
    case 1: {
        char want = *(char *)expected, old = _InterlockedCompareExchange8((volatile char *)p, (char)desired, want);
        *(char *)expected = old;
        return old == want;
    }
    case 2: {
        short want = *(short *)expected, old = _InterlockedCompareExchange16((volatile short *)p, (short)desired, want);
        *(short *)expected = old;
        return old == want;
    }
    case 4: {
        long want = *(long *)expected, old = _InterlockedCompareExchange((volatile long *)p, (long)desired, want);
        *(long *)expected = old;
        return old == want;
    }
    default: {
        long long want = *(long long *)expected;
        long long old = _InterlockedCompareExchange64((volatile long long *)p, desired, want);
        *(long long *)expected = old;
        return old == want;
    }
    }
}

/* The old value. */
static __forceinline long long plat_msvc_fetch_add(volatile void *p, size_t size, long long n)
{
    switch (size) {
    case 1:
        return _InterlockedExchangeAdd8((volatile char *)p, (char)n);
    case 2:
        return _InterlockedExchangeAdd16((volatile short *)p, (short)n);
    case 4:
        return _InterlockedExchangeAdd((volatile long *)p, (long)n);
    default:
        return _InterlockedExchangeAdd64((volatile long long *)p, n);
    }
}

/* The old value. */
static __forceinline long long plat_msvc_fetch_or(volatile void *p, size_t size, long long bits)
{
    switch (size) {
    case 1:
        return _InterlockedOr8((volatile char *)p, (char)bits);
    case 2:
        return _InterlockedOr16((volatile short *)p, (short)bits);
    case 4:
        return _InterlockedOr((volatile long *)p, (long)bits);
    default:
        return _InterlockedOr64((volatile long long *)p, bits);
    }
}

#define plat_atomic_load(p, order) (*(volatile __typeof__(*(p)) *)(p))
#define plat_atomic_store(p, value, order)                                                   \
    ((order) == PLAT_SEQ_CST ? (void)plat_msvc_exchange((p), sizeof(*(p)), (long long)(value)) \
                             : (void)(*(volatile __typeof__(*(p)) *)(p) = (value)))
#define plat_atomic_exchange(p, value, order) \
    ((__typeof__(*(p)))plat_msvc_exchange((p), sizeof(*(p)), (long long)(value)))
#define plat_atomic_cas(p, expected, desired, weak, success, failure) \
    plat_msvc_cas((p), sizeof(*(p)), (expected), (long long)(desired))
#define plat_atomic_add_fetch(p, n, order) \
    ((__typeof__(*(p)))(plat_msvc_fetch_add((p), sizeof(*(p)), (long long)(n)) + (long long)(n)))
#define plat_atomic_sub_fetch(p, n, order) \
    ((__typeof__(*(p)))(plat_msvc_fetch_add((p), sizeof(*(p)), -(long long)(n)) - (long long)(n)))
#define plat_atomic_fetch_or(p, bits, order) \
    ((__typeof__(*(p)))plat_msvc_fetch_or((p), sizeof(*(p)), (long long)(bits)))

#else /* gcc, clang */

#define PLAT_RELAXED __ATOMIC_RELAXED
#define PLAT_ACQUIRE __ATOMIC_ACQUIRE
#define PLAT_RELEASE __ATOMIC_RELEASE
#define PLAT_ACQ_REL __ATOMIC_ACQ_REL
#define PLAT_SEQ_CST __ATOMIC_SEQ_CST

#define plat_atomic_load(p, order) __atomic_load_n((p), (order))
#define plat_atomic_store(p, value, order) __atomic_store_n((p), (value), (order))
#define plat_atomic_exchange(p, value, order) __atomic_exchange_n((p), (value), (order))
#define plat_atomic_cas(p, expected, desired, weak, success, failure) \
    __atomic_compare_exchange_n((p), (expected), (desired), (weak), (success), (failure))
#define plat_atomic_add_fetch(p, n, order) __atomic_add_fetch((p), (n), (order))
#define plat_atomic_sub_fetch(p, n, order) __atomic_sub_fetch((p), (n), (order))
#define plat_atomic_fetch_or(p, bits, order) __atomic_fetch_or((p), (bits), (order))

#endif

#endif /* WDMEMU_PLATFORM_ATOMIC_H */
