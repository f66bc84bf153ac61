/* ke/thread.c: emulated threads: adopting the host thread, system threads
 * (PsCreateSystemThread / IoCreateSystemThread, PsTerminateSystemThread), the worker threads
 * that run work items, thread objects that can be waited on and referenced by handle, and the
 * Ps/Ke thread and process queries. */
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/report.h"
#include "ke/ke.h"
#include "ob/ob.h"
#include "rtl/seh.h"

ke_thread *ke_all_threads;
static ke_thread *ke_last_thread;
PLAT_THREAD_LOCAL_HOT ke_thread *ke_current_thread;
static ULONG ke_next_thread_id = 1;
static BOOLEAN ke_foreign_reported;

void ke_leave_for_good(ke_thread *self);
void ke_wait_for_baton(ke_thread *self);
void ke_sched_stopping(BOOLEAN stopping);
void ke_set_running(ke_thread *thread);
ke_thread *ke_get_running(void);

/* The one emulated process every thread belongs to ("System"). */
struct _KPROCESS {
    DISPATCHER_HEADER Header;
    ULONG id;
};
static struct _KPROCESS ke_system_process = {.id = 4};

#define KE_MAX_WORKERS 16

static ke_thread *ke_new_thread(ke_thread_kind kind)
{
    ke_thread *t = ob_create(OB_TYPE_THREAD, sizeof(ke_thread), NULL);
    if (t == NULL)
        return NULL;
    t->Header.Type = KE_THREAD;
    t->Header.Size = (UCHAR)(sizeof(DISPATCHER_HEADER) / sizeof(LONG));
    InitializeListHead(&t->Header.WaitListHead);
    t->kind = kind;
    t->state = KE_READY;
    t->irql = PASSIVE_LEVEL;
    t->priority = kind == KE_THREAD_WORKER ? 12 : 8; /* delayed work queue / normal */
    t->previous_mode = KernelMode;
    t->wait_objects = t->wait_inline;
    plat_cond_init(&t->cv);
    t->id = ke_next_thread_id++;
    /* The thread list holds a reference: records stay valid (for ke_threads_shutdown's join)
     * until wdmemu_shutdown frees them with every other object. */
    ob_reference(t);
    if (ke_last_thread != NULL)
        ke_last_thread->next = t;
    else
        ke_all_threads = t;
    ke_last_thread = t;
    return t;
}

void ke_set_current(ke_thread *thread)
{
    ke_current_thread = thread;
}

/* A thread of wdmemu's own (threaded mode's DPC thread), started on main. */
ke_thread *ke_service_thread_create(void (*main)(void *))
{
    ke_thread *t = ke_new_thread(KE_THREAD_DPC);
    if (t == NULL)
        return NULL;
    t->state = KE_RUNNING;
    t->os_thread_started = TRUE;
    if (plat_thread_create(&t->os_thread, main, t) != 0) {
        t->os_thread_started = FALSE;
        t->state = KE_TERMINATED;
        return NULL;
    }
    return t;
}

ke_thread *ke_thread_after(ke_thread *t)
{
    ke_lock();
    ke_thread *next = t != NULL ? t->next : ke_all_threads;
    ke_unlock();
    return next;
}

/* ke_self's first call on a host thread: an emulated thread for it. */
ke_thread *ke_adopt(void)
{
    ke_lock();
    ke_thread *t = ke_new_thread(KE_THREAD_HOST);
    if (t == NULL) {
        ke_unlock();
        abort();
    }
    t->state = KE_RUNNING;
    ke_current_thread = t;
    if (ke_deterministic()) {
        ke_thread *running = ke_get_running();
        if (running == NULL)
            ke_set_running(t);
        else if (!ke_foreign_reported) {
            ke_foreign_reported = TRUE;
            plat_atomic_store(&ke_baton_exclusive, FALSE, PLAT_RELAXED);
            rp_finding("DETERMINISTIC_FOREIGN_THREAD", STATUS_SUCCESS, "", NULL,
                       "a second host thread called into wdmemu in deterministic mode; it runs unscheduled, so "
                       "results are no longer reproducible (use WDMEMU_MODE=threaded for multi-threaded tests)");
        }
    }
    ke_unlock();
    return t;
}

void ke_reset_irql(void)
{
    ke_self()->irql = PASSIVE_LEVEL;
}

/* ---- system threads ------------------------------------------------------------------------- */

static void ke_run_start_routine(void *context)
{
    ke_thread *self = context;
    self->start_routine(self->start_context);
}

static void ke_thread_finish(ke_thread *self)
{
    /* Called with ke_lock held. */
    self->state = KE_TERMINATED;
    self->Header.SignalState = 1;
    ke_signal_changed();
    ke_leave_for_good(self);
}

static void ke_system_thread_entry(void *arg);

NTSTATUS ke_thread_start(ke_thread *t)
{
    t->os_thread_started = TRUE;
    if (plat_thread_create(&t->os_thread, ke_system_thread_entry, t) != 0) {
        t->os_thread_started = FALSE;
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    return STATUS_SUCCESS;
}

/* Waits (ke_lock held) until this thread may run: holds the baton in deterministic mode. */
static void ke_wait_first_turn(ke_thread *self)
{
    self->wait_kind = KE_WAIT_START;
    self->state = KE_WAITING;
    if (ke_deterministic())
        ke_wait_for_baton(self);
    self->wait_kind = KE_WAIT_NONE;
    self->state = KE_RUNNING;
}

static void ke_system_thread_entry(void *arg)
{
    ke_thread *self = arg;
    ke_current_thread = self;
    ke_lock();
    ke_wait_first_turn(self);
    ke_unlock();
    if (!self->kill) {
        NTSTATUS code;
        if (!seh_guarded_call(ke_run_start_routine, self, &code) && !self->kill &&
            code != STATUS_THREAD_IS_TERMINATING && !seh_guard_ended_by_bugcheck()) {
            char st[RP_STATUS_LEN];
            rp_finding("KMODE_EXCEPTION_NOT_HANDLED", code, NULL, NULL,
                       "system thread %u raised exception %s and no __except handled it", (unsigned)self->id,
                       rp_status(code, st));
        }
    }
    ke_lock();
    ke_thread_finish(self);
    ke_unlock();
}

static NTSTATUS ke_create_system_thread(PHANDLE ThreadHandle, ULONG DesiredAccess, PCLIENT_ID ClientId,
                                        PKSTART_ROUTINE StartRoutine, PVOID StartContext)
{
    if (ThreadHandle == NULL || StartRoutine == NULL)
        return STATUS_INVALID_PARAMETER;
    if (KeGetCurrentIrql() != PASSIVE_LEVEL)
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
                   "PsCreateSystemThread called at IRQL %u; it must be called at PASSIVE_LEVEL", KeGetCurrentIrql());
    ke_lock();
    ke_thread *t = ke_new_thread(KE_THREAD_SYSTEM);
    if (t == NULL) {
        ke_unlock();
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    t->start_routine = StartRoutine;
    t->start_context = StartContext;
    t->driver = ke_current_driver();
    t->wait_kind = KE_WAIT_START;
    t->state = KE_WAITING;
    ke_unlock();
    NTSTATUS status = ob_handle_open(t, DesiredAccess != 0 ? DesiredAccess : THREAD_ALL_ACCESS, ThreadHandle);
    if (NT_SUCCESS(status))
        status = ke_thread_start(t);
    if (!NT_SUCCESS(status)) {
        ke_lock();
        t->state = KE_TERMINATED;
        ke_unlock();
        return status;
    }
    if (ClientId != NULL) {
        ClientId->UniqueProcess = (HANDLE)(ULONG_PTR)ke_system_process.id;
        ClientId->UniqueThread = (HANDLE)(ULONG_PTR)(t->id * 4);
    }
    ob_dereference(t); /* the handle keeps it alive */
    return STATUS_SUCCESS;
}

NTKERNELAPI NTSTATUS NTAPI PsCreateSystemThread(PHANDLE ThreadHandle, ULONG DesiredAccess,
                                                POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle,
                                                PCLIENT_ID ClientId, PKSTART_ROUTINE StartRoutine, PVOID StartContext)
{
    (void)ObjectAttributes;
    (void)ProcessHandle;
    return ke_create_system_thread(ThreadHandle, DesiredAccess, ClientId, StartRoutine, StartContext);
}

NTKERNELAPI NTSTATUS NTAPI IoCreateSystemThread(PVOID IoObject, PHANDLE ThreadHandle, ULONG DesiredAccess,
                                                POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle,
                                                PCLIENT_ID ClientId, PKSTART_ROUTINE StartRoutine, PVOID StartContext)
{
    (void)IoObject;
    return PsCreateSystemThread(ThreadHandle, DesiredAccess, ObjectAttributes, ProcessHandle, ClientId, StartRoutine,
                                StartContext);
}

NTKERNELAPI NTSTATUS NTAPI PsTerminateSystemThread(NTSTATUS ExitStatus)
{
    ke_thread *self = ke_self();
    if (self->kind != KE_THREAD_SYSTEM) {
        rp_finding("TERMINATE_NON_SYSTEM_THREAD", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "PsTerminateSystemThread called from thread %u, which is not a system thread", (unsigned)self->id);
        return STATUS_INVALID_PARAMETER;
    }
    self->exit_status = ExitStatus;
    /* Unwind the start routine: the guard frame around it catches this. */
    WdmemuSehRaise(STATUS_THREAD_IS_TERMINATING, NULL);
}

/* ---- workers ---------------------------------------------------------------------------- */

static void ke_worker_entry(void *arg)
{
    ke_thread *self = arg;
    ke_current_thread = self;
    ke_lock();
    ke_wait_first_turn(self);
    while (!self->kill) {
        void *item = self->work;
        self->work = NULL;
        if (item != NULL) {
            ke_unlock();
            ke_work_run(item);
            ke_lock();
        }
        self->wait_kind = KE_WAIT_WORK;
        self->wait_done = FALSE;
        ke_block(self);
        self->wait_kind = KE_WAIT_NONE;
    }
    ke_thread_finish(self);
    ke_unlock();
}

ke_thread *ke_worker_take_idle(void)
{
    for (ke_thread *t = ke_all_threads; t != NULL; t = t->next) {
        if (t->kind == KE_THREAD_WORKER && t->state == KE_WAITING && t->wait_kind == KE_WAIT_WORK && t->work == NULL)
            return t;
    }
    return NULL;
}

ke_thread *ke_worker_create(void)
{
    size_t workers = 0;
    for (ke_thread *t = ke_all_threads; t != NULL; t = t->next) {
        if (t->kind == KE_THREAD_WORKER && t->state != KE_TERMINATED)
            workers++;
    }
    if (workers >= KE_MAX_WORKERS)
        return NULL;
    ke_thread *t = ke_new_thread(KE_THREAD_WORKER);
    if (t == NULL)
        return NULL;
    t->wait_kind = KE_WAIT_START;
    t->state = KE_WAITING;
    t->os_thread_started = TRUE;
    if (plat_thread_create(&t->os_thread, ke_worker_entry, t) != 0) {
        t->os_thread_started = FALSE;
        t->state = KE_TERMINATED;
        return NULL;
    }
    return t;
}

/* wdmemu_shutdown: every system and worker thread unwinds and exits; their OS threads are
 * joined; all thread records are freed. */
void ke_threads_shutdown(void)
{
    ke_sched_stopping(TRUE);
    ke_lock();
    for (ke_thread *t = ke_all_threads; t != NULL; t = t->next) {
        if (t->kind != KE_THREAD_HOST && t->state != KE_TERMINATED) {
            t->kill = TRUE;
            plat_cond_signal(&t->cv);
        }
    }
    ke_unlock();
    for (ke_thread *t = ke_all_threads; t != NULL; t = t->next) {
        if (t->os_thread_started) {
            for (;;) {
                ke_lock();
                BOOLEAN done = t->state == KE_TERMINATED;
                if (!done) {
                    ke_set_running(t);
                    plat_cond_signal(&t->cv);
                }
                ke_unlock();
                if (done)
                    break;
                plat_sleep(1);
            }
            plat_thread_join(&t->os_thread);
            t->os_thread_started = FALSE;
        }
    }
}

/* Forgets every thread record (they are freed with the other objects right after). */
void ke_threads_forget(void)
{
    ke_lock();
    ke_thread *t = ke_all_threads;
    ke_all_threads = ke_last_thread = NULL;
    ke_current_thread = NULL;
    ke_next_thread_id = 1;
    ke_foreign_reported = FALSE;
    ke_baton_exclusive_reset();
    while (t != NULL) {
        ke_thread *next = t->next;
        plat_cond_destroy(&t->cv);
        t = next;
    }
    ke_unlock();
    ke_sched_stopping(FALSE);
}

/* ---- queries -------------------------------------------------------------------------------- */

NTKERNELAPI PKTHREAD NTAPI KeGetCurrentThread(VOID)
{
    return ke_self();
}

NTKERNELAPI HANDLE NTAPI PsGetCurrentThreadId(VOID)
{
    return (HANDLE)(ULONG_PTR)(ke_self()->id * 4);
}

NTKERNELAPI HANDLE NTAPI PsGetCurrentProcessId(VOID)
{
    return (HANDLE)(ULONG_PTR)ke_system_process.id;
}

NTKERNELAPI HANDLE NTAPI PsGetThreadId(PETHREAD Thread)
{
    return (HANDLE)(ULONG_PTR)(Thread->id * 4);
}

NTKERNELAPI HANDLE NTAPI PsGetThreadProcessId(PETHREAD Thread)
{
    (void)Thread;
    return (HANDLE)(ULONG_PTR)ke_system_process.id;
}

NTKERNELAPI PEPROCESS NTAPI PsGetThreadProcess(PETHREAD Thread)
{
    (void)Thread;
    return &ke_system_process;
}

NTKERNELAPI HANDLE NTAPI PsGetProcessId(PEPROCESS Process)
{
    return (HANDLE)(ULONG_PTR)Process->id;
}

NTKERNELAPI BOOLEAN NTAPI PsIsSystemThread(PETHREAD Thread)
{
    return (BOOLEAN)(Thread->kind != KE_THREAD_HOST);
}

NTKERNELAPI BOOLEAN NTAPI PsIsThreadTerminating(PETHREAD Thread)
{
    return (BOOLEAN)(Thread->state == KE_TERMINATED || Thread->kill);
}

NTKERNELAPI PEPROCESS NTAPI IoGetCurrentProcess(VOID)
{
    return &ke_system_process;
}

NTKERNELAPI PEPROCESS NTAPI IoGetRequestorProcess(PIRP Irp)
{
    (void)Irp;
    return &ke_system_process;
}

NTKERNELAPI ULONG NTAPI IoGetRequestorProcessId(PIRP Irp)
{
    (void)Irp;
    return ke_system_process.id;
}

NTKERNELAPI BOOLEAN NTAPI IoIsSystemThread(PETHREAD Thread)
{
    return PsIsSystemThread(Thread);
}

NTKERNELAPI VOID NTAPI KeEnterCriticalRegion(VOID)
{
    ke_self()->critical_region++;
}

NTKERNELAPI VOID NTAPI KeLeaveCriticalRegion(VOID)
{
    ke_thread *self = ke_self();
    if (self->critical_region == 0) {
        rp_finding("CRITICAL_REGION_UNBALANCED", STATUS_SUCCESS, NULL, NULL,
                   "KeLeaveCriticalRegion without a matching KeEnterCriticalRegion on thread %u", (unsigned)self->id);
        return;
    }
    self->critical_region--;
}

NTKERNELAPI VOID NTAPI KeEnterGuardedRegion(VOID)
{
    ke_self()->guarded_region++;
}

NTKERNELAPI VOID NTAPI KeLeaveGuardedRegion(VOID)
{
    ke_thread *self = ke_self();
    if (self->guarded_region == 0) {
        rp_finding("CRITICAL_REGION_UNBALANCED", STATUS_SUCCESS, NULL, NULL,
                   "KeLeaveGuardedRegion without a matching KeEnterGuardedRegion on thread %u", (unsigned)self->id);
        return;
    }
    self->guarded_region--;
}

NTKERNELAPI BOOLEAN NTAPI KeAreApcsDisabled(VOID)
{
    ke_thread *self = ke_self();
    return (BOOLEAN)(self->critical_region > 0 || self->guarded_region > 0 || self->irql >= APC_LEVEL);
}

NTKERNELAPI BOOLEAN NTAPI KeAreAllApcsDisabled(VOID)
{
    ke_thread *self = ke_self();
    return (BOOLEAN)(self->guarded_region > 0 || self->irql >= APC_LEVEL);
}

NTKERNELAPI ULONG NTAPI KeGetCurrentProcessorNumber(VOID)
{
    return 0;
}

NTKERNELAPI ULONG NTAPI KeGetCurrentProcessorNumberEx(PPROCESSOR_NUMBER ProcNumber)
{
    if (ProcNumber != NULL) {
        ProcNumber->Group = 0;
        ProcNumber->Number = 0;
        ProcNumber->Reserved = 0;
    }
    return 0;
}

/* One processor in deterministic mode; the machine's processors in threaded mode. */
static ULONG ke_processor_count(void)
{
    if (ke_deterministic())
        return 1;
    int count = plat_cpu_count();
    return count > 64 ? 64 : (ULONG)count;
}

NTKERNELAPI ULONG NTAPI KeQueryActiveProcessorCount(PKAFFINITY ActiveProcessors)
{
    ULONG count = ke_processor_count();
    if (ActiveProcessors != NULL)
        *ActiveProcessors = count >= 64 ? ~(KAFFINITY)0 : (((KAFFINITY)1 << count) - 1);
    return count;
}

NTKERNELAPI ULONG NTAPI KeQueryActiveProcessorCountEx(USHORT GroupNumber)
{
    return GroupNumber == 0 ? ke_processor_count() : 0;
}

NTKERNELAPI KAFFINITY NTAPI KeQueryActiveProcessors(VOID)
{
    KAFFINITY affinity;
    KeQueryActiveProcessorCount(&affinity);
    return affinity;
}

NTKERNELAPI USHORT NTAPI KeQueryActiveGroupCount(VOID)
{
    return 1;
}

/* ---- priority and floating point ------------------------------------------------------------ */

static ke_thread *ke_thread_arg(PKTHREAD thread, const char *ddi)
{
    if (thread == NULL || ob_type_of(thread) != OB_TYPE_THREAD) {
        rp_finding("INVALID_PARAMETER", STATUS_INVALID_PARAMETER, NULL, NULL, "%s(%p): not a thread object", ddi,
                   (void *)thread);
        return NULL;
    }
    return (ke_thread *)thread;
}

NTKERNELAPI KPRIORITY NTAPI KeQueryPriorityThread(PKTHREAD Thread)
{
    ke_thread *t = ke_thread_arg(Thread, "KeQueryPriorityThread");
    return t != NULL ? t->priority : 0;
}

/* The priority is kept and returned, but wdmemu's scheduler does not order threads by it. */
NTKERNELAPI KPRIORITY NTAPI KeSetPriorityThread(PKTHREAD Thread, KPRIORITY Priority)
{
    ke_thread *t = ke_thread_arg(Thread, "KeSetPriorityThread");
    if (t == NULL)
        return 0;
    if (Priority < LOW_PRIORITY || Priority > HIGH_PRIORITY) {
        rp_finding("INVALID_PARAMETER", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "KeSetPriorityThread(thread %u, %ld): the priority must be between LOW_PRIORITY (0) and "
                   "HIGH_PRIORITY (31)", (unsigned)t->id, (long)Priority);
        return t->priority;
    }
    ke_check_irql_at_most("KeSetPriorityThread", DISPATCH_LEVEL);
    KPRIORITY old = t->priority;
    t->priority = Priority;
    return old;
}

/* Floating point and SSE state belong to every user-mode thread, so there is nothing to save;
 * the IRQL rule (at most DISPATCH_LEVEL) is still checked. */
NTKERNELAPI NTSTATUS NTAPI KeSaveFloatingPointState(PKFLOATING_SAVE FloatSave)
{
    ke_check_irql_at_most("KeSaveFloatingPointState", DISPATCH_LEVEL);
    if (FloatSave != NULL)
        memset(FloatSave, 0, sizeof(*FloatSave));
    return STATUS_SUCCESS;
}

NTKERNELAPI NTSTATUS NTAPI KeRestoreFloatingPointState(PKFLOATING_SAVE FloatSave)
{
    (void)FloatSave;
    ke_check_irql_at_most("KeRestoreFloatingPointState", DISPATCH_LEVEL);
    return STATUS_SUCCESS;
}
