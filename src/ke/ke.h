/* ke/ke.h: the kernel core shared by the ke/ files: emulated threads (the host thread that
 * drives a test, system threads, work-item workers), the scheduler that decides which of them
 * runs and when deferred work (DPCs, expired timers, work items) runs, virtual time, and the
 * dispatcher-object wait machinery.
 *
 * Deterministic mode (default): one emulated processor; exactly one emulated thread holds the
 * "baton" and runs; deferred work runs only at scheduling points (a wait, run-until-idle,
 * run-one, advancing time), in an order drawn from a seeded generator; time is virtual.
 * Threaded mode: real threads run concurrently, deferred work runs on helper threads, time is
 * real. */
#ifndef WDMEMU_KE_KE_H
#define WDMEMU_KE_KE_H

#include <wdmemu/wdmemu.h>

#include "platform/platform.h"

/* DISPATCHER_HEADER.Type values (the kernel's object kinds). */
#define KE_EVENT_NOTIFICATION 0
#define KE_EVENT_SYNCHRONIZATION 1
#define KE_MUTANT 2
#define KE_PROCESS 3
#define KE_SEMAPHORE 5
#define KE_THREAD 6
#define KE_TIMER_NOTIFICATION 8
#define KE_TIMER_SYNCHRONIZATION 9

typedef enum ke_thread_kind {
    KE_THREAD_HOST,   /* a thread of the test program */
    KE_THREAD_SYSTEM, /* PsCreateSystemThread */
    KE_THREAD_WORKER, /* runs work items */
    KE_THREAD_DPC     /* threaded mode: runs DPCs and timers */
} ke_thread_kind;

typedef enum ke_thread_state {
    KE_READY,      /* may run when given the baton */
    KE_RUNNING,    /* holds the baton (deterministic) / runs (threaded) */
    KE_WAITING,    /* blocked in a wait */
    KE_TERMINATED
} ke_thread_state;

typedef enum ke_wait_kind {
    KE_WAIT_NONE,
    KE_WAIT_OBJECTS, /* KeWaitFor*, KeDelayExecutionThread (no objects, deadline only) */
    KE_WAIT_IDLE,    /* the host in run-until-idle */
    KE_WAIT_WORK,    /* a worker waiting for a work item */
    KE_WAIT_START    /* a new system thread waiting for its first turn */
} ke_wait_kind;

/* The kernel thread: the body of a thread object, so PETHREAD points here and a thread can
 * be waited on (Header is signalled when it terminates). */
struct _KTHREAD {
    DISPATCHER_HEADER Header;
    ULONG id;                 /* 1, 2, ...: stable across runs with the same seed */
    ke_thread_kind kind;
    ke_thread_state state;
    KIRQL irql;
    PDRIVER_OBJECT driver;    /* driver whose code runs now (for reports) */
    LONG critical_region;     /* KeEnterCriticalRegion depth */
    LONG guarded_region;
    LONG spin_locks_held;
    plat_cond cv;             /* baton hand-over (deterministic) and wake-ups (threaded) */
    /* the current wait */
    ke_wait_kind wait_kind;
    ULONG wait_count;
    PVOID *wait_objects;
    PVOID wait_inline[MAXIMUM_WAIT_OBJECTS];
    WAIT_TYPE wait_type;
    BOOLEAN wait_has_deadline;
    ULONGLONG wait_deadline;  /* interrupt time */
    NTSTATUS wait_status;     /* set when satisfied */
    BOOLEAN wait_done;
    const char *wait_what;    /* "KeWaitForSingleObject" ... for deadlock reports */
    /* system threads */
    plat_thread os_thread;
    BOOLEAN os_thread_started;
    PKSTART_ROUTINE start_routine;
    PVOID start_context;
    NTSTATUS exit_status;
    BOOLEAN kill;             /* shutdown: unwind and exit at the next scheduling point */
    KPRIORITY priority;       /* KeSetPriorityThread (recorded; scheduling ignores it) */
    KPROCESSOR_MODE previous_mode; /* ExGetPreviousMode: the requester's mode */
    PIRP top_level_irp;       /* IoGetTopLevelIrp / IoSetTopLevelIrp */
    void *exit_frame;         /* guard frame to unwind to */
    /* work-item workers */
    void *work;               /* the work item being run */
    struct _KTHREAD *next;    /* all threads, creation order */
    /* the host requests this thread sent that have not completed (io/request.c owns them) */
    plat_rspinlock requests_lock;
    void *requests;
};
typedef struct _KTHREAD ke_thread;

/* ---- threads ------------------------------------------------------------------------------- */

/* The calling OS thread's emulated thread, NULL until it has one (ke_thread.c owns it; read on
 * every step of a request, so the accessors below are inline). */
extern PLAT_THREAD_LOCAL_HOT ke_thread *ke_current_thread;
ke_thread *ke_adopt(void);

/* The calling OS thread's emulated thread (a host thread is adopted on first use). */
static inline ke_thread *ke_self(void)
{
    ke_thread *self = ke_current_thread;
    return PLAT_LIKELY(self != NULL) ? self : ke_adopt();
}

/* Every emulated thread in creation order: the first (t NULL) or the one after t.  Records
 * stay until wdmemu_shutdown, so a caller may hold one while others are created. */
ke_thread *ke_thread_after(ke_thread *t);

/* The calling thread's emulated thread, or NULL if it has none (nothing is adopted). */
static inline ke_thread *ke_peek(void)
{
    return ke_current_thread;
}

/* The driver whose code the calling thread runs (a dispatch routine, a DPC ...), NULL for the
 * host and the I/O manager.  ke_enter_driver sets it and returns the previous one, which
 * ke_leave_driver puts back. */
static inline PDRIVER_OBJECT ke_enter_driver(PDRIVER_OBJECT driver)
{
    ke_thread *self = ke_self();
    PDRIVER_OBJECT previous = self->driver;
    self->driver = driver;
    return previous;
}

static inline void ke_leave_driver(PDRIVER_OBJECT previous)
{
    ke_self()->driver = previous;
}

static inline PDRIVER_OBJECT ke_current_driver(void)
{
    ke_thread *self = ke_current_thread;
    return self != NULL ? self->driver : NULL;
}
void ke_reset_irql(void);

/* Reports IRQL_NOT_LESS_OR_EQUAL when the caller of ddi runs above max. */
void ke_check_irql_at_most(const char *ddi, KIRQL max);

/* ---- the scheduler --------------------------------------------------------------------------- */

/* The global lock protecting dispatcher objects, queues, threads and time. */
void ke_lock(void);
void ke_unlock(void);

BOOLEAN ke_deterministic(void);

/* TRUE when the calling (scheduled) thread cannot be running alongside another: deterministic
 * mode, and no unscheduled host thread has called in.  A scheduled thread then holds the baton
 * whenever it runs, and the baton's hand-over orders its memory accesses after the previous
 * holder's, so a counter only scheduled threads change may be incremented without an atomic
 * read-modify-write.  (A foreign thread clears this when it is adopted; an increment already
 * under way at that instant may collide with the foreign thread's, as anything else the two
 * do at once may: that mode is reported as DETERMINISTIC_FOREIGN_THREAD.) */
extern BOOLEAN ke_baton_exclusive;
static inline BOOLEAN ke_runs_alone(void)
{
    return plat_atomic_load(&ke_baton_exclusive, PLAT_RELAXED);
}
void ke_baton_exclusive_reset(void);

/* Interrupt time in 100 ns units (virtual in deterministic mode). */
ULONGLONG ke_interrupt_time(void);
/* ke_interrupt_time for a caller on every traced step: the virtual clock read directly while
 * ke_runs_alone() (nobody else can move it meanwhile). */
extern ULONGLONG ke_virtual_now;
static inline ULONGLONG ke_interrupt_time_now(void)
{
    return ke_runs_alone() ? ke_virtual_now : ke_interrupt_time();
}

/* Called with ke_lock held whenever an object's state changed: wakes the threads whose wait
 * may now be satisfied. */
void ke_signal_changed(void);
/* The same when only a dispatcher object became signalled (KeSetEvent, KeReleaseSemaphore,
 * KeReleaseMutex): wakes only the threads waiting on it (and a host waiting for idleness), not
 * the DPC thread and idle workers, which each signal cost a futex call and a context switch. */
void ke_signal_waiters_of(PVOID object);

/* Blocks the calling thread (ke_lock held) until its wait is done; deferred work and other
 * threads run meanwhile.  Returns the wait status. */
NTSTATUS ke_block(ke_thread *self);

/* Tries to satisfy the thread's current object wait now (ke_lock held); TRUE if satisfied,
 * with the objects consumed and wait_status set. */
BOOLEAN ke_try_satisfy(ke_thread *thread);

/* Queued deferred work, for the scheduler (ke_lock held). */
BOOLEAN ke_dpc_pending(void);
void ke_dpc_run_one(ke_thread *runner, size_t choice);
size_t ke_dpc_count(void);
/* Timers: fires every timer due at or before now; returns TRUE if one fired. */
BOOLEAN ke_timers_fire_due(void);
/* The earliest due time of an armed timer, FALSE if none. */
BOOLEAN ke_timer_next_due(ULONGLONG *due);
/* Work items. */
size_t ke_work_count(void);
void *ke_work_take(size_t choice);
void ke_work_run(void *item);

/* Draws from the seeded generator: a number in [0, n). */
size_t ke_random(size_t n);

/* Dispatcher objects: state checks and consumption used by waits (ke_lock held). */
BOOLEAN ke_object_signalled(PVOID object, ke_thread *thread);
void ke_object_consume(PVOID object, ke_thread *thread);
const char *ke_object_kind(PVOID object);

/* Library lifetime: ke_init starts threaded mode's DPC thread; ke_shutdown stops every thread
 * (unwinding system threads blocked in driver code), empties the queues and resets time. */
void ke_init(void);
void ke_shutdown(void);

/* Threads (thread.c) used by the scheduler. */
ke_thread *ke_worker_take_idle(void);
ke_thread *ke_worker_create(void);
ke_thread *ke_service_thread_create(void (*main)(void *));
void ke_set_current(ke_thread *thread);
void ke_threads_shutdown(void);
void ke_threads_forget(void);
void ke_dpc_shutdown(void);
void ke_timers_shutdown(void);
void ke_sched_reset(void);

#endif /* WDMEMU_KE_KE_H */
