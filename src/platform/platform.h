/* platform/platform.h: the only place that knows which operating system wdmemu runs on.
 * Threads, locks and module loading come from libuv; this header adds thread-local storage
 * and the few compiler facts the rest of the library needs. */
#ifndef WDMEMU_PLATFORM_H
#define WDMEMU_PLATFORM_H

#include <setjmp.h>
#include <stdint.h>

#include <uv.h>

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

/* The calling thread's stack: [*low, *high).  Both 0 when the system cannot tell. */
void plat_stack_limits(uintptr_t *low, uintptr_t *high);

/* Gives the processor to another ready thread (used by short spin locks that lost a race). */
void plat_yield(void);

/* A value per thread handed to a destructor when the thread exits (POSIX: thread-specific data;
 * Windows: a fiber-local slot).  For per-thread caches that must give their contents back. */
typedef struct plat_exit_key {
    uintptr_t key;
} plat_exit_key;

/* 0 on success. */
int plat_exit_key_create(plat_exit_key *key, void (*destructor)(void *value));
/* Sets the calling thread's value (non-NULL: the destructor gets it at thread exit); 0 on success. */
int plat_exit_key_set(const plat_exit_key *key, void *value);

/* A spin lock for critical sections of a few instructions that must not cost a system call
 * (the IRP free lists). */
typedef struct plat_spinlock {
    int word;
} plat_spinlock;

static inline void plat_spin_lock(plat_spinlock *lock)
{
    for (unsigned spins = 0; __atomic_exchange_n(&lock->word, 1, __ATOMIC_ACQUIRE) != 0;) {
        while (__atomic_load_n(&lock->word, __ATOMIC_RELAXED) != 0) {
            if (++spins % 64 == 0)
                plat_yield();
        }
    }
}

static inline void plat_spin_unlock(plat_spinlock *lock)
{
    __atomic_store_n(&lock->word, 0, __ATOMIC_RELEASE);
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
