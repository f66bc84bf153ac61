/* ke/dispatcher.c: dispatcher objects: events (notification, synchronization), semaphores,
 * mutexes, and the rules by which a wait on each is satisfied and what it consumes; plus
 * device-queue initialisation.  State lives in the objects' own DISPATCHER_HEADER, so driver
 * memory is all these objects need. */
#include "core/report.h"
#include "ke/ke.h"

BOOLEAN ke_object_signalled(PVOID object, ke_thread *thread)
{
    DISPATCHER_HEADER *h = object;
    switch (h->Type) {
    case KE_MUTANT: {
        KMUTANT *m = object;
        return (BOOLEAN)(h->SignalState > 0 || m->OwnerThread == thread);
    }
    default:
        return (BOOLEAN)(h->SignalState > 0);
    }
}

void ke_object_consume(PVOID object, ke_thread *thread)
{
    DISPATCHER_HEADER *h = object;
    switch (h->Type) {
    case KE_EVENT_SYNCHRONIZATION:
    case KE_TIMER_SYNCHRONIZATION:
        h->SignalState = 0;
        break;
    case KE_SEMAPHORE:
        h->SignalState--;
        break;
    case KE_MUTANT: {
        KMUTANT *m = object;
        h->SignalState--;
        if (m->OwnerThread == NULL) {
            m->OwnerThread = thread;
            thread->critical_region += m->ApcDisable;
        }
        break;
    }
    default:
        break; /* notification events and timers, threads: waits do not change them */
    }
}

const char *ke_object_kind(PVOID object)
{
    switch (((DISPATCHER_HEADER *)object)->Type) {
    case KE_EVENT_NOTIFICATION:
        return "NotificationEvent";
    case KE_EVENT_SYNCHRONIZATION:
        return "SynchronizationEvent";
    case KE_MUTANT:
        return "Mutex";
    case KE_SEMAPHORE:
        return "Semaphore";
    case KE_THREAD:
        return "Thread";
    case KE_TIMER_NOTIFICATION:
        return "NotificationTimer";
    case KE_TIMER_SYNCHRONIZATION:
        return "SynchronizationTimer";
    default:
        return "object";
    }
}

static void ke_init_header(DISPATCHER_HEADER *h, UCHAR type, UCHAR size, LONG state)
{
    h->Lock = 0;
    h->Type = type;
    h->Size = size;
    h->SignalState = state;
    InitializeListHead(&h->WaitListHead);
}

/* ---- events -------------------------------------------------------------------------------- */

NTKERNELAPI VOID NTAPI KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State)
{
    ke_init_header(&Event->Header,
                   (UCHAR)(Type == NotificationEvent ? KE_EVENT_NOTIFICATION : KE_EVENT_SYNCHRONIZATION),
                   (UCHAR)(sizeof(KEVENT) / sizeof(LONG)), State ? 1 : 0);
}

static BOOLEAN ke_check_event(PRKEVENT Event, const char *ddi)
{
    if (Event == NULL || (Event->Header.Type != KE_EVENT_NOTIFICATION && Event->Header.Type != KE_EVENT_SYNCHRONIZATION)) {
        rp_finding("INVALID_DISPATCHER_OBJECT", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p): not an initialised event (call KeInitializeEvent first)", ddi, (void *)Event);
        return FALSE;
    }
    return TRUE;
}

static void ke_check_irql(const char *ddi, KIRQL max)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql > max)
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
                   "%s called at IRQL %u; its maximum is %u", ddi, irql, max);
}

NTKERNELAPI LONG NTAPI KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait)
{
    (void)Increment;
    (void)Wait;
    ke_check_irql("KeSetEvent", DISPATCH_LEVEL);
    if (!ke_check_event(Event, "KeSetEvent"))
        return 0;
    ke_lock();
    LONG previous = Event->Header.SignalState;
    Event->Header.SignalState = 1;
    ke_signal_waiters_of(Event);
    ke_unlock();
    return previous;
}

NTKERNELAPI LONG NTAPI KeResetEvent(PRKEVENT Event)
{
    ke_check_irql("KeResetEvent", DISPATCH_LEVEL);
    if (!ke_check_event(Event, "KeResetEvent"))
        return 0;
    ke_lock();
    LONG previous = Event->Header.SignalState;
    Event->Header.SignalState = 0;
    ke_unlock();
    return previous;
}

NTKERNELAPI VOID NTAPI KeClearEvent(PRKEVENT Event)
{
    if (!ke_check_event(Event, "KeClearEvent"))
        return;
    ke_lock();
    Event->Header.SignalState = 0;
    ke_unlock();
}

NTKERNELAPI LONG NTAPI KeReadStateEvent(PRKEVENT Event)
{
    if (!ke_check_event(Event, "KeReadStateEvent"))
        return 0;
    return Event->Header.SignalState;
}

/* Satisfies the threads waiting right now (one for a synchronization event), then resets. */
NTKERNELAPI LONG NTAPI KePulseEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait)
{
    (void)Increment;
    (void)Wait;
    if (!ke_check_event(Event, "KePulseEvent"))
        return 0;
    ke_lock();
    LONG previous = Event->Header.SignalState;
    Event->Header.SignalState = 1;
    extern void ke_satisfy_waiters_now(PVOID object);
    ke_satisfy_waiters_now(Event);
    Event->Header.SignalState = 0;
    ke_unlock();
    return previous;
}

/* ---- semaphores ---------------------------------------------------------------------------- */

NTKERNELAPI VOID NTAPI KeInitializeSemaphore(PRKSEMAPHORE Semaphore, LONG Count, LONG Limit)
{
    ke_init_header(&Semaphore->Header, KE_SEMAPHORE, (UCHAR)(sizeof(KSEMAPHORE) / sizeof(LONG)), Count);
    Semaphore->Limit = Limit;
}

NTKERNELAPI LONG NTAPI KeReleaseSemaphore(PRKSEMAPHORE Semaphore, KPRIORITY Increment, LONG Adjustment, BOOLEAN Wait)
{
    (void)Increment;
    (void)Wait;
    ke_check_irql("KeReleaseSemaphore", DISPATCH_LEVEL);
    ke_lock();
    LONG previous = Semaphore->Header.SignalState;
    if (Adjustment <= 0 || previous + Adjustment > Semaphore->Limit || previous + Adjustment < previous) {
        ke_unlock();
        rp_finding("SEMAPHORE_LIMIT_EXCEEDED", STATUS_SEMAPHORE_LIMIT_EXCEEDED, NULL, NULL,
                   "KeReleaseSemaphore(%p, Adjustment %ld) would raise the count %ld above the limit %ld",
                   (void *)Semaphore, (long)Adjustment, (long)previous, (long)Semaphore->Limit);
        ExRaiseStatus(STATUS_SEMAPHORE_LIMIT_EXCEEDED);
    }
    Semaphore->Header.SignalState = previous + Adjustment;
    ke_signal_waiters_of(Semaphore);
    ke_unlock();
    return previous;
}

NTKERNELAPI LONG NTAPI KeReadStateSemaphore(PRKSEMAPHORE Semaphore)
{
    return Semaphore->Header.SignalState;
}

/* ---- mutexes ------------------------------------------------------------------------------ */

NTKERNELAPI VOID NTAPI KeInitializeMutex(PRKMUTEX Mutex, ULONG Level)
{
    (void)Level;
    ke_init_header(&Mutex->Header, KE_MUTANT, (UCHAR)(sizeof(KMUTEX) / sizeof(LONG)), 1);
    InitializeListHead(&Mutex->MutantListEntry);
    Mutex->OwnerThread = NULL;
    Mutex->Abandoned = FALSE;
    Mutex->ApcDisable = 1;
}

NTKERNELAPI LONG NTAPI KeReleaseMutex(PRKMUTEX Mutex, BOOLEAN Wait)
{
    (void)Wait;
    ke_thread *self = ke_self();
    ke_lock();
    LONG previous = Mutex->Header.SignalState;
    if (Mutex->OwnerThread != self) {
        ke_unlock();
        rp_finding("THREAD_NOT_MUTEX_OWNER", STATUS_MUTANT_NOT_OWNED, NULL, NULL,
                   "KeReleaseMutex(%p) by thread %u, which does not own it", (void *)Mutex, (unsigned)self->id);
        ExRaiseStatus(STATUS_MUTANT_NOT_OWNED);
    }
    Mutex->Header.SignalState++;
    if (Mutex->Header.SignalState == 1) {
        Mutex->OwnerThread = NULL;
        self->critical_region -= Mutex->ApcDisable;
        ke_signal_waiters_of(Mutex);
    }
    ke_unlock();
    return previous;
}

NTKERNELAPI LONG NTAPI KeReadStateMutex(PRKMUTEX Mutex)
{
    return Mutex->Header.SignalState;
}

/* ---- device queues ------------------------------------------------------------------------- */

NTKERNELAPI VOID NTAPI KeInitializeDeviceQueue(PKDEVICE_QUEUE DeviceQueue)
{
    DeviceQueue->Type = 20; /* DeviceQueueObject */
    DeviceQueue->Size = (CSHORT)sizeof(KDEVICE_QUEUE);
    InitializeListHead(&DeviceQueue->DeviceListHead);
    DeviceQueue->Lock = 0;
    DeviceQueue->Busy = FALSE;
}
