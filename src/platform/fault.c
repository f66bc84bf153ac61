/* platform/fault.c: hardware faults (a real bad pointer) turned into structured exceptions.
 *
 * POSIX: one SIGSEGV and one SIGBUS handler for the whole process (SA_SIGINFO | SA_ONSTACK |
 * SA_NODEFER), installed lazily (after any sanitizer runtime installed its own, so ours runs
 * first) by the first plat_fault_thread_ready, and again by a later call that finds the SIGSEGV
 * handler replaced (CMocka installs its own handlers around every test and restores the
 * previous ones afterwards).  Each armed thread has an alternate signal stack, so that a stack
 * overflow can still be handled: its own mapping (freed by a thread-specific-data destructor at
 * thread exit; the main thread's lasts until the process ends), or the one the thread already
 * had (AddressSanitizer gives every thread one; it stays the owner).
 *
 * The handler converts a fault that the kernel raised (si_code > 0) on an armed thread into a
 * call of the catcher, then longjmps where the catcher says.  SA_NODEFER with an empty sa_mask
 * leaves the signal mask inside the handler exactly as it was when the fault happened, so a
 * plain longjmp (the SEH frames use setjmp, not sigsetjmp) leaves nothing blocked; the handler
 * unblocks SIGSEGV and SIGBUS anyway before jumping, which costs one system call per fault and
 * nothing per __try.  Everything else (no catcher, catcher declined, a signal sent with kill,
 * a fault inside the catcher) goes to the previous handler: it is put back and the handler
 * returns, so the faulting instruction runs again and faults into it (the default action ends
 * the process with SIGSEGV; AddressSanitizer reports the fault).
 *
 * Windows (mingw-w64, whose gcc has no __try): one vectored exception handler for the process,
 * added by the first plat_fault_thread_ready, does what the POSIX handler does.  The system
 * already describes the fault (EXCEPTION_RECORD); the handler hands an access violation, stack
 * overflow, misalignment or in-page error on an armed thread to the catcher and, when the
 * catcher gives a jmp_buf, does not longjmp from inside the exception dispatcher: it makes the
 * faulting thread resume in fault_resume (a call pushed on the faulting stack, as if the faulting
 * instruction had called it), which longjmps from an ordinary frame.  Everything else goes on to
 * the next handler (EXCEPTION_CONTINUE_SEARCH): the process's own handlers and, at the end, the
 * system ends the process as for any unhandled exception.  MSVC builds use the compiler's own
 * __try, which catches access violations natively, and never arm a thread. */
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* REG_ERR/REG_TRAPNO in ucontext_t, pthread_getattr_np */
#endif

#include "platform/platform.h"

#include <string.h>

#if defined(_WIN32)

#include <windows.h>

/* Room left below the faulting stack pointer before fault_resume's frame: the x64 calling
 * convention has no red zone, but the fault may have hit in the middle of a prologue. */
#define FAULT_RESUME_GAP 128

#if !defined(_MSC_VER) /* Microsoft compiler builds have native __try and never arm a thread */
static PLAT_THREAD_LOCAL int fault_armed;
static plat_fault_catcher volatile fault_catcher;
static plat_once_flag fault_once = PLAT_ONCE_INIT;
static void *fault_vectored;

/* Where a caught fault continues: an ordinary frame on the faulting thread's stack. */
static PLAT_NOINLINE void fault_resume(jmp_buf *target)
{
    longjmp(*target, 1);
}

static LONG CALLBACK fault_handler(PEXCEPTION_POINTERS pointers)
{
    const EXCEPTION_RECORD *record = pointers->ExceptionRecord;
    CONTEXT *context = pointers->ContextRecord;
    plat_fault_catcher catcher = fault_catcher;
    if (!fault_armed || catcher == NULL || (record->ExceptionFlags & EXCEPTION_NONCONTINUABLE))
        return EXCEPTION_CONTINUE_SEARCH;
    plat_fault fault;
    memset(&fault, 0, sizeof(fault));
    fault.access = PLAT_FAULT_READ;
    fault.pc = record->ExceptionAddress;
    switch (record->ExceptionCode) {
    case EXCEPTION_ACCESS_VIOLATION:
    case EXCEPTION_IN_PAGE_ERROR:
        fault.kind = record->ExceptionCode == EXCEPTION_ACCESS_VIOLATION ? PLAT_FAULT_ACCESS : PLAT_FAULT_IN_PAGE;
        if (record->NumberParameters >= 2) {
            fault.access = (int)record->ExceptionInformation[0];
            fault.address = (void *)record->ExceptionInformation[1];
        }
        break;
    case EXCEPTION_STACK_OVERFLOW:
        fault.kind = PLAT_FAULT_STACK_OVERFLOW;
        break;
    case EXCEPTION_DATATYPE_MISALIGNMENT:
        fault.kind = PLAT_FAULT_MISALIGNED;
        break;
    default:
        return EXCEPTION_CONTINUE_SEARCH;
    }
    fault_armed = 0; /* a fault inside the catcher is not ours */
    jmp_buf *target = catcher(&fault);
    fault_armed = 1;
    if (target == NULL)
        return EXCEPTION_CONTINUE_SEARCH;
#if defined(_M_X64) || defined(__x86_64__)
    /* Resume in fault_resume(target), called from the faulting instruction: the return address
     * it pushes lets the unwinder (longjmp unwinds on x64 Windows) walk back to the __try. */
    DWORD64 sp = (context->Rsp - FAULT_RESUME_GAP) & ~(DWORD64)15;
    sp -= 8;
    *(DWORD64 *)sp = context->Rip;
    context->Rsp = sp;
    context->Rcx = (DWORD64)(uintptr_t)target;
    context->Rip = (DWORD64)(uintptr_t)fault_resume;
    return EXCEPTION_CONTINUE_EXECUTION;
#else
    (void)context;
    return EXCEPTION_CONTINUE_SEARCH;
#endif
}

static void fault_init(void)
{
    fault_vectored = AddVectoredExceptionHandler(1, fault_handler);
}
#endif /* !_MSC_VER */

int plat_fault_thread_ready(plat_fault_catcher catcher)
{
#if defined(_MSC_VER)
    (void)catcher;
    return 0; /* native __try */
#else
    plat_once(&fault_once, fault_init);
    if (fault_vectored == NULL || catcher == NULL)
        return 0;
    fault_catcher = catcher;
    fault_armed = 1;
    return 1;
#endif
}

#else

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

/* Under valgrind, jumping from the alternate stack back to a thread stack less than 2 MB away
 * looks like a large stack allocation, and memcheck would then take the thread's TLS block
 * (between the two) for fresh uninitialised stack.  Registering the alternate stack makes it a
 * stack switch.  The client requests are a few no-op instructions outside valgrind. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define FAULT_STACK_REGISTER(low, high) VALGRIND_STACK_REGISTER((low), (high))
#define FAULT_STACK_DEREGISTER(id) VALGRIND_STACK_DEREGISTER(id)
#endif
#endif
#ifndef FAULT_STACK_REGISTER
#define FAULT_STACK_REGISTER(low, high) 0u
#define FAULT_STACK_DEREGISTER(id) ((void)(id))
#endif

/* The alternate signal stack wdmemu maps for a thread that has none: the handler, the catcher
 * and longjmp need far less, but sanitizer runtimes intercept longjmp and want room. */
#define FAULT_ALTSTACK_SIZE (64 * 1024)
/* How far below the lowest stack address a fault still counts as running off the stack (the
 * Linux stack guard gap is 256 pages; a pthread guard area is a page or a few). */
#define FAULT_STACK_SLACK ((uintptr_t)1024 * 1024)
/* A stack overflow leaves the stack pointer at or just above the lowest stack address. */
#define FAULT_STACK_NEAR ((uintptr_t)64 * 1024)

static const int fault_signals[2] = {SIGSEGV, SIGBUS};

/* Per armed thread; lives in the thread's TLS block.  The signal handler reaches it only through
 * pthread_getspecific (async-signal-safe in practice, and it never allocates), never through
 * the TLS variable, which in a library loaded with dlopen may be allocated on first use. */
typedef struct fault_thread {
    char *mapping;      /* our alternate stack mapping (guard page first), NULL if the thread had one */
    size_t mapping_size;
    unsigned stack_id;  /* valgrind's id for it */
    uintptr_t stack_low; /* lowest address of the thread's stack, 0 if unknown */
    volatile sig_atomic_t busy; /* the catcher is running: a fault now is a fault in the catcher */
} fault_thread;

static PLAT_THREAD_LOCAL fault_thread fault_self;

static plat_once_flag fault_once = PLAT_ONCE_INIT;
static int fault_key_ok;
static pthread_key_t fault_key;
static plat_mutex fault_lock;
static size_t fault_page;
static _Atomic(plat_fault_catcher) fault_catcher;

/* The handlers ours replaced, per signal, double-buffered: the handler reads the published slot
 * while a thread re-installing under fault_lock fills the other one. */
static struct sigaction fault_previous[2][2];
static atomic_int fault_previous_slot;

static void fault_handler(int sig, siginfo_t *info, void *context);

static void fault_thread_exit(void *value)
{
    fault_thread *t = value;
    if (t->mapping == NULL)
        return;
    char *stack = t->mapping + fault_page;
    stack_t current;
    if (sigaltstack(NULL, &current) == 0 && (char *)current.ss_sp == stack) {
        if (current.ss_flags & SS_ONSTACK)
            return; /* cannot happen (destructors do not run in a signal handler); never unmap a live stack */
        stack_t off;
        memset(&off, 0, sizeof(off));
        off.ss_flags = SS_DISABLE;
        sigaltstack(&off, NULL);
    }
    FAULT_STACK_DEREGISTER(t->stack_id);
    munmap(t->mapping, t->mapping_size);
    t->mapping = NULL;
}

static void fault_init(void)
{
    long page = sysconf(_SC_PAGESIZE);
    fault_page = page > 0 ? (size_t)page : 4096;
    if (plat_mutex_init(&fault_lock) != 0)
        return;
    fault_key_ok = pthread_key_create(&fault_key, fault_thread_exit) == 0;
}

/* Gives the calling thread an alternate signal stack unless it already has one, and records
 * where its stack ends. */
static int fault_thread_arm(fault_thread *t)
{
    memset(t, 0, sizeof(*t));
    stack_t current;
    if (sigaltstack(NULL, &current) != 0)
        return 0;
    if ((current.ss_flags & SS_DISABLE) || current.ss_size < (size_t)MINSIGSTKSZ) {
        size_t size = fault_page + FAULT_ALTSTACK_SIZE;
        void *mapping = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mapping == MAP_FAILED)
            return 0;
        /* The lowest page stays inaccessible: a handler running off the alternate stack faults
         * there (and the kernel ends the process) instead of overwriting other memory. */
        mprotect(mapping, fault_page, PROT_NONE);
        stack_t ours;
        memset(&ours, 0, sizeof(ours));
        ours.ss_sp = (char *)mapping + fault_page;
        ours.ss_size = FAULT_ALTSTACK_SIZE;
        if (current.ss_flags & SS_ONSTACK || sigaltstack(&ours, NULL) != 0) {
            munmap(mapping, size);
            return 0;
        }
        t->mapping = mapping;
        t->mapping_size = size;
        t->stack_id = FAULT_STACK_REGISTER((char *)ours.ss_sp, (char *)ours.ss_sp + ours.ss_size);
    }
#if defined(__linux__)
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void *addr = NULL;
        size_t size = 0;
        if (pthread_attr_getstack(&attr, &addr, &size) == 0)
            t->stack_low = (uintptr_t)addr;
        pthread_attr_destroy(&attr);
    }
#endif
    if (pthread_setspecific(fault_key, t) != 0) {
        fault_thread_exit(t);
        return 0;
    }
    return 1;
}

static int fault_is_ours(const struct sigaction *sa)
{
    return (sa->sa_flags & SA_SIGINFO) && (sa->sa_flags & SA_ONSTACK) && sa->sa_sigaction == fault_handler;
}

/* Installs the handler for both signals unless it is still there.  The common case is one
 * sigaction query (SIGSEGV; whoever replaces handlers replaces that one) and no lock. */
static void fault_install(void)
{
    struct sigaction current;
    if (sigaction(SIGSEGV, NULL, &current) == 0 && fault_is_ours(&current))
        return;

    plat_mutex_lock(&fault_lock);
    struct sigaction ours;
    memset(&ours, 0, sizeof(ours));
    ours.sa_sigaction = fault_handler;
    ours.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&ours.sa_mask);
    int slot = atomic_load(&fault_previous_slot);
    int next = 1 - slot;
    for (int i = 0; i < 2; i++) {
        if (sigaction(fault_signals[i], NULL, &current) != 0)
            current = fault_previous[slot][i];
        fault_previous[next][i] = fault_is_ours(&current) ? fault_previous[slot][i] : current;
    }
    atomic_store(&fault_previous_slot, next);
    for (int i = 0; i < 2; i++) {
        struct sigaction old;
        if (sigaction(fault_signals[i], &ours, &old) == 0 && !fault_is_ours(&old))
            fault_previous[next][i] = old; /* replaced between the query and now */
    }
    plat_mutex_unlock(&fault_lock);
}

int plat_fault_thread_ready(plat_fault_catcher catcher)
{
    plat_once(&fault_once, fault_init);
    if (!fault_key_ok || catcher == NULL)
        return 0;
    if (atomic_load_explicit(&fault_catcher, memory_order_relaxed) != catcher)
        atomic_store(&fault_catcher, catcher);
    if (pthread_getspecific(fault_key) == NULL && !fault_thread_arm(&fault_self))
        return 0;
    fault_install();
    return 1;
}

/* What the processor says about the fault, as far as the context tells. */
static void fault_describe(int sig, const siginfo_t *info, const void *context, const fault_thread *t,
                           plat_fault *fault)
{
    memset(fault, 0, sizeof(*fault));
    fault->kind = PLAT_FAULT_ACCESS;
    fault->access = PLAT_FAULT_READ;
    fault->address = info->si_addr;
    uintptr_t sp = 0;
#if defined(__linux__) && defined(__x86_64__)
    if (context != NULL) {
        const ucontext_t *uc = context;
        fault->pc = (void *)(uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
        sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
        greg_t trap = uc->uc_mcontext.gregs[REG_TRAPNO];
        greg_t error = uc->uc_mcontext.gregs[REG_ERR];
        if (sig == SIGSEGV && trap == 14) { /* #PF: bit 1 write, bit 4 instruction fetch */
            if (error & 0x10)
                fault->access = PLAT_FAULT_EXECUTE;
            else if (error & 0x2)
                fault->access = PLAT_FAULT_WRITE;
        } else if (sig == SIGSEGV && trap == 13) {
            /* #GP (a non-canonical address): the processor gives no address; Windows reports
             * ExceptionInformation[1] = -1 for it. */
            fault->address = (void *)(uintptr_t)-1;
        }
    }
#else
    (void)context;
#endif
    if (sig == SIGBUS) {
        fault->kind = info->si_code == BUS_ADRALN ? PLAT_FAULT_MISALIGNED : PLAT_FAULT_IN_PAGE;
        return;
    }
    uintptr_t address = (uintptr_t)info->si_addr;
    if (t->stack_low > FAULT_STACK_SLACK && address >= t->stack_low - FAULT_STACK_SLACK &&
        address < t->stack_low + fault_page && (sp == 0 || sp < t->stack_low + FAULT_STACK_NEAR))
        fault->kind = PLAT_FAULT_STACK_OVERFLOW;
}

/* Hands the signal to the handler ours replaced: puts it back and returns, so that a fault
 * happens again into it; a signal someone sent is sent again. */
static void fault_decline(int sig, const siginfo_t *info)
{
    int index = sig == SIGSEGV ? 0 : 1;
    struct sigaction previous = fault_previous[atomic_load(&fault_previous_slot)][index];
    if (!(previous.sa_flags & SA_SIGINFO) && (previous.sa_handler == SIG_IGN || previous.sa_handler == SIG_DFL)) {
        memset(&previous, 0, sizeof(previous));
        previous.sa_handler = SIG_DFL; /* an ignored hardware fault would only repeat forever */
        sigemptyset(&previous.sa_mask);
    }
    sigaction(sig, &previous, NULL);
    if (info->si_code <= 0)
        raise(sig);
}

static void fault_handler(int sig, siginfo_t *info, void *context)
{
    int saved_errno = errno;
    fault_thread *t = fault_key_ok ? pthread_getspecific(fault_key) : NULL;
    plat_fault_catcher catcher = atomic_load(&fault_catcher);
    if (t != NULL && catcher != NULL && !t->busy && info != NULL && info->si_code > 0) {
        plat_fault fault;
        fault_describe(sig, info, context, t, &fault);
        t->busy = 1;
        jmp_buf *target = catcher(&fault);
        t->busy = 0;
        if (target != NULL) {
            sigset_t unblock;
            sigemptyset(&unblock);
            sigaddset(&unblock, SIGSEGV);
            sigaddset(&unblock, SIGBUS);
            pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
            errno = saved_errno;
            longjmp(*target, 1);
        }
    }
    if (info != NULL)
        fault_decline(sig, info);
    errno = saved_errno;
}

#endif /* !_WIN32 */
