/* platform/platform.h: the only place that knows which operating system wdmemu runs on.
 * Threads, locks, time and module loading come from libuv, wrapped here (platform/platform.c)
 * so that no other file includes <uv.h>: on Windows <uv.h> brings in <windows.h>, whose types
 * (LIST_ENTRY, LARGE_INTEGER, ...) clash with the DDK headers every library file uses.  The
 * wrapped objects are opaque storage that platform.c checks (static assertions) to be large
 * and aligned enough for the libuv object it holds.  This header also adds thread-local
 * storage, hardware-fault catching and the few compiler facts the rest of the library needs. */
#ifndef WDMEMU_PLATFORM_H
#define WDMEMU_PLATFORM_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "atomic.h"

#if defined(_MSC_VER)
#define PLAT_THREAD_LOCAL __declspec(thread)
#else
#define PLAT_THREAD_LOCAL _Thread_local
#endif

/* For the few thread-locals every request reads (the current emulated thread): on ELF systems
 * the initial-exec model makes an access one instruction instead of a __tls_get_addr call.  It
 * takes a few bytes of the static TLS block, which the C library keeps spare for libraries
 * loaded later with dlopen. */
#if defined(__ELF__) && (defined(__GNUC__) || defined(__clang__))
#define PLAT_THREAD_LOCAL_HOT _Thread_local __attribute__((tls_model("initial-exec")))
#else
#define PLAT_THREAD_LOCAL_HOT PLAT_THREAD_LOCAL
#endif

/* The end of the user address range a UserMode probe (ProbeForRead/Write, MmProbeAndLockPages)
 * accepts.  Windows x64 uses MM_USER_PROBE_ADDRESS, 0x7FFFFFFF0000, where its user space ends.
 * A Linux process's user space goes on to 0x7FFFFFFFF000 and its stack (with the buffers a
 * test passes) may sit in that last stretch, so there the limit is the real end. */
#if defined(_WIN32)
#define PLAT_USER_PROBE_LIMIT ((uintptr_t)0x7FFFFFFF0000ULL)
#else
#define PLAT_USER_PROBE_LIMIT ((uintptr_t)0x7FFFFFFFF000ULL)
#endif

#if defined(_WIN32) && defined(__GNUC__) && !defined(__clang__)
/* mingw-w64's gcc takes plain "printf" for the Microsoft runtime's dialect (no %zu). */
#define PLAT_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#define PLAT_LIKELY(x) __builtin_expect(!!(x), 1)
#define PLAT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#elif defined(__GNUC__) /* gcc, and clang except in its Microsoft mode (clang-cl) */
#define PLAT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PLAT_LIKELY(x) __builtin_expect(!!(x), 1)
#define PLAT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define PLAT_PRINTF(f, a)
#define PLAT_LIKELY(x) (x)
#define PLAT_UNLIKELY(x) (x)
#endif

/* The compiler facts gcc and clang spell as builtins and the Microsoft compiler as intrinsics:
 * the caller's return address, an address inside the current stack frame, a function kept out
 * of line or always inlined, the bits set in a 32-bit word, byte swaps. */
#if defined(__GNUC__)
#define PLAT_RETURN_ADDRESS() __builtin_return_address(0)
#define PLAT_FRAME_ADDRESS() __builtin_frame_address(0)
#define PLAT_NOINLINE __attribute__((noinline, used))
#define PLAT_ALWAYS_INLINE inline __attribute__((always_inline))
#define PLAT_POPCOUNT32(x) __builtin_popcount(x)
#define PLAT_BSWAP16(x) __builtin_bswap16(x)
#define PLAT_BSWAP32(x) __builtin_bswap32(x)
#define PLAT_BSWAP64(x) __builtin_bswap64(x)
#elif defined(_MSC_VER)
#include <intrin.h>
#include <stdlib.h>
#define PLAT_RETURN_ADDRESS() _ReturnAddress()
#define PLAT_FRAME_ADDRESS() _AddressOfReturnAddress()
#define PLAT_NOINLINE __declspec(noinline)
#define PLAT_ALWAYS_INLINE __forceinline
/* Not __popcnt: that is the POPCNT instruction, which not every x64 processor has. */
static __forceinline int plat_popcount32(uint32_t x)
{
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    x = (x + (x >> 4)) & 0x0F0F0F0Fu;
    return (int)((x * 0x01010101u) >> 24);
}
#define PLAT_POPCOUNT32(x) plat_popcount32(x)
#define PLAT_BSWAP16(x) _byteswap_ushort(x)
#define PLAT_BSWAP32(x) _byteswap_ulong(x)
#define PLAT_BSWAP64(x) _byteswap_uint64(x)
#else
#error "wdmemu: unknown compiler (platform/platform.h)"
#endif

/* Opaque room for a libuv object of at most `bytes` bytes, aligned like any scalar. */
#define PLAT_OPAQUE(bytes)         \
    union {                        \
        unsigned char bytes_[bytes]; \
        long long align_ll_;       \
        void *align_p_;            \
    } opaque

/* uv_mutex_t: a pthread mutex (40 bytes on Linux x86-64) or a CRITICAL_SECTION (40 on x64). */
typedef struct plat_mutex {
    PLAT_OPAQUE(64);
} plat_mutex;
/* uv_cond_t: a pthread condition variable (48) or libuv's Windows condition union (64). */
typedef struct plat_cond {
    PLAT_OPAQUE(64);
} plat_cond;
/* uv_thread_t: a pthread_t or a HANDLE. */
typedef struct plat_thread {
    PLAT_OPAQUE(16);
} plat_thread;
/* uv_lib_t: the module handle and libuv's error message. */
typedef struct plat_lib {
    PLAT_OPAQUE(32);
} plat_lib;

/* One-time initialisation: a flag that starts as PLAT_ONCE_INIT and a function that runs once,
 * however many threads call plat_once at the same time (the others wait until it returned). */
typedef struct plat_once_flag {
    int done;
} plat_once_flag;
#define PLAT_ONCE_INIT {0}
void plat_once(plat_once_flag *flag, void (*function)(void));

/* The libuv calls, same arguments and results (0 or a negative libuv error code). */
int plat_mutex_init(plat_mutex *mutex);
int plat_mutex_init_recursive(plat_mutex *mutex);
void plat_mutex_destroy(plat_mutex *mutex);
void plat_mutex_lock(plat_mutex *mutex);
void plat_mutex_unlock(plat_mutex *mutex);

int plat_cond_init(plat_cond *cond);
void plat_cond_destroy(plat_cond *cond);
void plat_cond_signal(plat_cond *cond);
void plat_cond_wait(plat_cond *cond, plat_mutex *mutex);
/* Waits at most timeout nanoseconds: 0 when signalled (or woken spuriously), a negative error
 * code on timeout. */
int plat_cond_timedwait(plat_cond *cond, plat_mutex *mutex, uint64_t timeout);

int plat_thread_create(plat_thread *thread, void (*entry)(void *arg), void *arg);
int plat_thread_join(plat_thread *thread);

void plat_sleep(unsigned milliseconds);
/* A monotonic clock in nanoseconds from an arbitrary start. */
uint64_t plat_hrtime(void);
/* The wall clock: seconds and microseconds since 1970-01-01 UTC; 0 or a negative error code. */
int plat_time_of_day(int64_t *seconds, int32_t *microseconds);
/* The number of logical processors (at least 1). */
int plat_cpu_count(void);

/* 0 when path names an existing file or directory, else a negative error code for plat_strerror. */
int plat_path_exists(const char *path);
const char *plat_strerror(int error);

/* Loading a shared module (a .so, or a .dll on Windows) with its symbols kept local to it. */
int plat_dlopen(const char *path, plat_lib *lib);
int plat_dlsym(plat_lib *lib, const char *name, void **symbol);
void plat_dlclose(plat_lib *lib);
const char *plat_dlerror(const plat_lib *lib);

/* 1 when [start, start + length) is mapped and may be read (and written when write is non-zero)
 * without faulting, 0 when not; the memory is not touched (platform/memory.c).  An empty range
 * is accessible, one that wraps around the address space is not. */
int plat_range_accessible(uintptr_t start, size_t length, int write);

/* Environment lookup that works the same on every platform (NULL if unset or empty). */
const char *plat_getenv(const char *name);

/* The calling thread's stack: [*low, *high).  Both 0 when the system cannot tell. */
void plat_stack_limits(uintptr_t *low, uintptr_t *high);

#if defined(_WIN32)
/* Windows: IsProcessorFeaturePresent(feature), a PF_* number (Microsoft compiler builds ask it
 * for ExIsProcessorFeaturePresent; gcc builds use the compiler's processor detection). */
int plat_processor_feature(unsigned feature);
#endif

#if defined(_MSC_VER) && !defined(__GNUC__)
/* Microsoft compiler builds: raises a structured exception with RaiseException, for the
 * compiler's own __try/__except to catch (rtl/seh.c).  information holds count values (at most
 * 15). */
__declspec(noreturn) void plat_raise_exception(uint32_t code, uint32_t flags, uint32_t count,
                                               const uintptr_t *information);
/* After setjmp(buffer) returned 0: a longjmp to buffer restores the registers and nothing else.
 * The x64 runtime's longjmp otherwise unwinds the frames in between the Windows way, running
 * their __finally blocks; an emulated bug check stops the driver code it leaves as the real one
 * does, without running any of it. */
#define PLAT_JMP_NO_UNWIND(buffer) (((_JUMP_BUFFER *)(buffer))->Frame = 0)
#endif

/* Gives the processor to another ready thread (used by short spin locks that lost a race). */
void plat_yield(void);

/* A value per thread handed to a destructor when the thread exits (POSIX: thread-specific data;
 * Windows: a fiber-local slot), behind plat_thread_blocks. */
typedef struct plat_exit_key {
    uintptr_t key;
} plat_exit_key;

/* A block of memory of each thread's own, made when the thread first asks for it and handed to
 * the destructor when the thread exits: the per-thread caches (IRPs, requests, object types,
 * pool buffers).  Define one with PLAT_THREAD_BLOCKS(destructor). */
typedef struct plat_thread_blocks {
    void (*destructor)(void *block);
    int state; /* 0: no key yet, 1: key made, -1: none could be made (under the platform's lock) */
    plat_exit_key key;
} plat_thread_blocks;
#define PLAT_THREAD_BLOCKS(destructor) {(destructor), 0, {0}}

/* A new block of size zeroed bytes for the calling thread, given to blocks' destructor at its
 * exit; NULL when none can be had (no memory, no key), and the caller does without. */
void *plat_thread_block_create(plat_thread_blocks *blocks, size_t size);

/* Variables that every request writes, on whatever thread runs it, get a cache line of their
 * own (a struct member with this alignment makes the struct one line): sharing a line with
 * something other threads read on every request would make each write a cache miss there. */
#define PLAT_CACHE_LINE 64
#if defined(_MSC_VER) && !defined(__clang__)
#define PLAT_CACHE_ALIGNED __declspec(align(64))
#else
#define PLAT_CACHE_ALIGNED _Alignas(PLAT_CACHE_LINE)
#endif

/* A spin lock for critical sections of a few instructions that must not cost a system call
 * (the IRP free lists). */
typedef struct plat_spinlock {
    int word;
} plat_spinlock;

static inline void plat_spin_lock(plat_spinlock *lock)
{
    for (unsigned spins = 0; plat_atomic_exchange(&lock->word, 1, PLAT_ACQUIRE) != 0;) {
        while (plat_atomic_load(&lock->word, PLAT_RELAXED) != 0) {
            if (++spins % 64 == 0)
                plat_yield();
        }
    }
}

static inline void plat_spin_unlock(plat_spinlock *lock)
{
    plat_atomic_store(&lock->word, 0, PLAT_RELEASE);
}

/* A recursive spin lock, for locks taken on every request and held briefly, whose holder may
 * come back for it (an observer emitting an event, a cancel routine completing the IRP whose
 * cancellation holds the request list).  The owner is named by the address of a thread-local
 * of the platform layer: taking it costs one exchange, taking it again a load and a compare. */
typedef struct plat_rspinlock {
    plat_spinlock lock;
    const void *owner; /* atomic: plat_thread_tag() of the holder, or NULL */
    unsigned depth;    /* the owner's nesting */
} plat_rspinlock;

extern PLAT_THREAD_LOCAL_HOT char plat_thread_tag_;

/* An address unique to the calling thread while it lives. */
static inline const void *plat_thread_tag(void)
{
    return &plat_thread_tag_;
}

static inline void plat_rspin_lock(plat_rspinlock *lock)
{
    const void *self = plat_thread_tag();
    if (plat_atomic_load(&lock->owner, PLAT_RELAXED) == self) {
        lock->depth++;
        return;
    }
    plat_spin_lock(&lock->lock);
    plat_atomic_store(&lock->owner, self, PLAT_RELAXED);
    lock->depth = 1;
}

static inline void plat_rspin_unlock(plat_rspinlock *lock)
{
    if (--lock->depth == 0) {
        plat_atomic_store(&lock->owner, NULL, PLAT_RELAXED);
        plat_spin_unlock(&lock->lock);
    }
}

/* Whether the calling thread holds the lock. */
static inline int plat_rspin_held(plat_rspinlock *lock)
{
    return plat_atomic_load(&lock->owner, PLAT_RELAXED) == plat_thread_tag();
}

/* ---- hardware faults (platform/fault.c) -----------------------------------------------------
 * A real bad pointer (SIGSEGV or SIGBUS on POSIX systems) on a thread that has armed fault
 * catching is described as a plat_fault and handed to a catcher, which runs inside the signal
 * handler on the faulting thread.  The catcher returns the jmp_buf to continue at (the handler
 * longjmps there with the fault signals unblocked) or NULL to decline; a declined fault goes to
 * whatever handled the signal before (the default action kills the process, AddressSanitizer
 * reports it).  The catcher must be async-signal-safe. */
typedef enum plat_fault_kind {
    PLAT_FAULT_ACCESS,         /* an address that may not be accessed this way (NULL, unmapped, protection) */
    PLAT_FAULT_STACK_OVERFLOW, /* the thread ran off the end of its stack */
    PLAT_FAULT_MISALIGNED,     /* an alignment trap */
    PLAT_FAULT_IN_PAGE,        /* mapped memory whose backing store is gone (a file mapped past its end) */
} plat_fault_kind;

/* plat_fault.access: the values of EXCEPTION_RECORD.ExceptionInformation[0] on Windows. */
#define PLAT_FAULT_READ 0
#define PLAT_FAULT_WRITE 1
#define PLAT_FAULT_EXECUTE 8

typedef struct plat_fault {
    plat_fault_kind kind;
    int access;    /* PLAT_FAULT_READ/WRITE/EXECUTE; READ where the processor does not say */
    void *address; /* the data address; (void *)-1 where the processor does not say (x86-64 #GP) */
    void *pc;      /* the faulting instruction, or NULL where the context cannot be read */
} plat_fault;

typedef jmp_buf *(*plat_fault_catcher)(const plat_fault *fault);

/* Arms fault catching for the calling thread (an alternate signal stack, freed at thread exit,
 * so that a stack overflow can be reported) and installs the process-wide handler, again if
 * something replaced it since (CMocka swaps SIGSEGV/SIGBUS handlers around every test).  Call
 * it whenever the thread's SEH chain goes from empty to one frame.  Returns 1 if faults on this
 * thread now reach catcher, 0 where they cannot (Windows builds, out of memory). */
int plat_fault_thread_ready(plat_fault_catcher catcher);

#endif /* WDMEMU_PLATFORM_H */
