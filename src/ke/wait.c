/* ke/wait.c: waiting: KeWaitForSingleObject, KeWaitForMultipleObjects (WaitAny / WaitAll with
 * the right consumption), KeDelayExecutionThread, timeouts (relative, absolute, zero), the IRQL
 * rules for waits, and satisfying waits when an object is signalled. */
#include "core/report.h"
#include "ke/ke.h"
#include "rtl/seh.h"

/* System time = this base + interrupt time in deterministic mode: 2024-01-01 00:00:00 UTC in
 * 100 ns units since 1601. */
#define KE_SYSTEM_TIME_BASE 133485408000000000ULL

ULONGLONG ke_system_time_base(void);

BOOLEAN ke_try_satisfy(ke_thread *t)
{
    if (t->wait_done)
        return TRUE;
    switch (t->wait_kind) {
    case KE_WAIT_START:
        return TRUE;
    case KE_WAIT_WORK:
        return (BOOLEAN)(t->work != NULL || t->kill);
    case KE_WAIT_OBJECTS:
        break;
    default:
        return FALSE;
    }
    if (t->wait_count != 0) {
        if (t->wait_type == WaitAny) {
            for (ULONG i = 0; i < t->wait_count; i++) {
                if (ke_object_signalled(t->wait_objects[i], t)) {
                    ke_object_consume(t->wait_objects[i], t);
                    t->wait_status = STATUS_WAIT_0 + (NTSTATUS)i;
                    t->wait_done = TRUE;
                    return TRUE;
                }
            }
        } else {
            ULONG i = 0;
            while (i < t->wait_count && ke_object_signalled(t->wait_objects[i], t))
                i++;
            if (i == t->wait_count) {
                for (i = 0; i < t->wait_count; i++)
                    ke_object_consume(t->wait_objects[i], t);
                t->wait_status = STATUS_WAIT_0;
                t->wait_done = TRUE;
                return TRUE;
            }
        }
    }
    if (t->wait_has_deadline && ke_interrupt_time() >= t->wait_deadline) {
        t->wait_status = t->wait_count == 0 ? STATUS_SUCCESS : STATUS_TIMEOUT;
        t->wait_done = TRUE;
        return TRUE;
    }
    return FALSE;
}

/* Satisfies, in thread order, the waits on object that can be satisfied at this instant. */
void ke_satisfy_waiters_now(PVOID object)
{
    extern ke_thread *ke_all_threads;
    for (ke_thread *t = ke_all_threads; t != NULL; t = t->next) {
        if (t->state != KE_WAITING || t->wait_kind != KE_WAIT_OBJECTS || t->wait_done)
            continue;
        for (ULONG i = 0; i < t->wait_count; i++) {
            if (t->wait_objects[i] == object) {
                ke_try_satisfy(t);
                break;
            }
        }
    }
    ke_signal_changed();
}

static BOOLEAN ke_is_dispatcher_object(PVOID object)
{
    if (object == NULL)
        return FALSE;
    switch (((DISPATCHER_HEADER *)object)->Type) {
    case KE_EVENT_NOTIFICATION:
    case KE_EVENT_SYNCHRONIZATION:
    case KE_MUTANT:
    case KE_SEMAPHORE:
    case KE_THREAD:
    case KE_TIMER_NOTIFICATION:
    case KE_TIMER_SYNCHRONIZATION:
        return TRUE;
    default:
        return FALSE;
    }
}

/* Common part of the waits; ke_lock is not held on entry or exit. */
static NTSTATUS ke_wait(const char *ddi, ULONG count, PVOID *objects, WAIT_TYPE type, PLARGE_INTEGER timeout)
{
    ke_thread *self = ke_self();
    KIRQL irql = self->irql;
    BOOLEAN zero_timeout = timeout != NULL && timeout->QuadPart == 0;
    if (irql > DISPATCH_LEVEL || (irql == DISPATCH_LEVEL && !zero_timeout)) {
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
                   "%s at IRQL %u with %s: a thread may only wait at or below APC_LEVEL (at DISPATCH_LEVEL only "
                   "with a zero timeout)", ddi, irql, timeout == NULL ? "no timeout" : "a non-zero timeout");
    }
    for (ULONG i = 0; i < count; i++) {
        if (!ke_is_dispatcher_object(objects[i])) {
            rp_finding("INVALID_DISPATCHER_OBJECT", STATUS_INVALID_PARAMETER, NULL, NULL,
                       "%s: object %u (%p) is not an initialised dispatcher object", ddi, (unsigned)i, objects[i]);
            return STATUS_INVALID_PARAMETER;
        }
    }
    ke_lock();
    self->wait_kind = KE_WAIT_OBJECTS;
    self->wait_count = count;
    for (ULONG i = 0; i < count; i++)
        self->wait_objects[i] = objects[i];
    self->wait_type = type;
    self->wait_done = FALSE;
    self->wait_status = STATUS_SUCCESS;
    self->wait_what = ddi;
    self->wait_has_deadline = FALSE;
    if (timeout != NULL) {
        LONGLONG q = timeout->QuadPart;
        ULONGLONG now = ke_interrupt_time();
        ULONGLONG base = ke_system_time_base();
        self->wait_has_deadline = TRUE;
        if (q < 0)
            self->wait_deadline = now + (ULONGLONG)(-q);
        else if ((ULONGLONG)q > base)
            self->wait_deadline = (ULONGLONG)q - base;
        else
            self->wait_deadline = now; /* an absolute time in the past, or zero */
    }
    NTSTATUS status;
    if (ke_try_satisfy(self))
        status = self->wait_status;
    else if (zero_timeout)
        status = STATUS_TIMEOUT;
    else
        status = ke_block(self);
    self->wait_kind = KE_WAIT_NONE;
    self->wait_count = 0;
    self->wait_done = FALSE;
    BOOLEAN killed = self->kill;
    ke_unlock();
    if (killed)
        WdmemuSehRaise(STATUS_THREAD_IS_TERMINATING, NULL);
    return status;
}

NTKERNELAPI NTSTATUS NTAPI KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
                                                 BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    (void)WaitReason;
    (void)WaitMode;
    (void)Alertable;
    return ke_wait("KeWaitForSingleObject", 1, &Object, WaitAny, Timeout);
}

NTKERNELAPI NTSTATUS NTAPI KeWaitForMultipleObjects(ULONG Count, PVOID Object[], WAIT_TYPE WaitType,
                                                    KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
                                                    BOOLEAN Alertable, PLARGE_INTEGER Timeout,
                                                    PKWAIT_BLOCK WaitBlockArray)
{
    (void)WaitReason;
    (void)WaitMode;
    (void)Alertable;
    if (Count == 0 || Count > MAXIMUM_WAIT_OBJECTS) {
        rp_finding("MAXIMUM_WAIT_OBJECTS_EXCEEDED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "KeWaitForMultipleObjects with Count %u (must be 1..%d)", (unsigned)Count, MAXIMUM_WAIT_OBJECTS);
        return STATUS_INVALID_PARAMETER;
    }
    if (Count > THREAD_WAIT_OBJECTS && WaitBlockArray == NULL) {
        rp_finding("MAXIMUM_WAIT_OBJECTS_EXCEEDED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "KeWaitForMultipleObjects with Count %u > THREAD_WAIT_OBJECTS needs a WaitBlockArray",
                   (unsigned)Count);
        return STATUS_INVALID_PARAMETER;
    }
    if (WaitType != WaitAny && WaitType != WaitAll)
        return STATUS_INVALID_PARAMETER;
    return ke_wait("KeWaitForMultipleObjects", Count, Object, WaitType, Timeout);
}

NTKERNELAPI NTSTATUS NTAPI KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Interval)
{
    (void)WaitMode;
    (void)Alertable;
    if (Interval == NULL)
        return STATUS_INVALID_PARAMETER;
    if (Interval->QuadPart == 0) {
        LARGE_INTEGER tiny = {.QuadPart = -1};
        return ke_wait("KeDelayExecutionThread", 0, NULL, WaitAny, &tiny);
    }
    return ke_wait("KeDelayExecutionThread", 0, NULL, WaitAny, Interval);
}
