/* ke/timer.c: time and timers: KeQuerySystemTime(Precise), KeQueryInterruptTime(Precise),
 * KeQueryTickCount, KeQueryPerformanceCounter, KeStallExecutionProcessor; KTIMER one-shot and
 * periodic, with and without a DPC (KeSetTimer(Ex), KeCancelTimer, KeReadStateTimer); and the
 * device timer (IoInitializeTimer/IoStartTimer/IoStopTimer, once a second at DISPATCH_LEVEL).
 * In deterministic mode time is virtual: it moves when the host advances it or when every
 * thread waits for a timer or timeout. */
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/report.h"
#include "ke/ke.h"

#define KE_SYSTEM_TIME_BASE 133485408000000000ULL /* 2024-01-01T00:00:00Z */
#define KE_TIME_INCREMENT 156250                   /* 15.625 ms, the usual clock tick */

BOOLEAN ke_dpc_queue(PKDPC dpc, PVOID arg1, PVOID arg2, PDRIVER_OBJECT driver);
void ke_satisfy_waiters_now(PVOID object);

static ULONGLONG ke_real_system_base;

ULONGLONG ke_system_time_base(void)
{
    if (ke_deterministic())
        return KE_SYSTEM_TIME_BASE;
    if (ke_real_system_base == 0) {
        int64_t seconds;
        int32_t microseconds;
        plat_time_of_day(&seconds, &microseconds);
        ULONGLONG now = 116444736000000000ULL + (ULONGLONG)seconds * 10000000ULL + (ULONGLONG)microseconds * 10ULL;
        ke_real_system_base = now - ke_interrupt_time();
    }
    return ke_real_system_base;
}

NTKERNELAPI VOID NTAPI KeQuerySystemTime(PLARGE_INTEGER CurrentTime)
{
    CurrentTime->QuadPart = (LONGLONG)(ke_system_time_base() + ke_interrupt_time());
}

NTKERNELAPI VOID NTAPI KeQuerySystemTimePrecise(PLARGE_INTEGER CurrentTime)
{
    KeQuerySystemTime(CurrentTime);
}

NTKERNELAPI ULONGLONG NTAPI KeQueryInterruptTime(VOID)
{
    return ke_interrupt_time();
}

NTKERNELAPI ULONGLONG NTAPI KeQueryInterruptTimePrecise(PULONG64 QpcTimeStamp)
{
    ULONGLONG now = ke_interrupt_time();
    if (QpcTimeStamp != NULL)
        *QpcTimeStamp = now;
    return now;
}

NTKERNELAPI ULONGLONG NTAPI KeQueryUnbiasedInterruptTime(VOID)
{
    return ke_interrupt_time();
}

NTKERNELAPI VOID NTAPI KeQueryTickCount(PLARGE_INTEGER CurrentCount)
{
    CurrentCount->QuadPart = (LONGLONG)(ke_interrupt_time() / KE_TIME_INCREMENT);
}

NTKERNELAPI ULONG NTAPI KeQueryTimeIncrement(VOID)
{
    return KE_TIME_INCREMENT;
}

/* The performance counter runs at 10 MHz: one count per 100 ns of interrupt time. */
NTKERNELAPI LARGE_INTEGER NTAPI KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency)
{
    LARGE_INTEGER now;
    if (PerformanceFrequency != NULL)
        PerformanceFrequency->QuadPart = 10000000;
    now.QuadPart = (LONGLONG)ke_interrupt_time();
    return now;
}

/* Busy-waiting lets nothing else run; in deterministic mode the clock simply moves on. */
NTKERNELAPI NTSTATUS NTAPI KeStallExecutionProcessor(ULONG MicroSeconds)
{
    if (ke_deterministic()) {
        extern void ke_time_skip(ULONGLONG delta);
        ke_time_skip((ULONGLONG)MicroSeconds * 10);
    } else {
        uint64_t until = plat_hrtime() + (uint64_t)MicroSeconds * 1000;
        while (plat_hrtime() < until) {
        }
    }
    return STATUS_SUCCESS;
}

/* ---- timers ----------------------------------------------------------------------------- */

typedef struct ke_armed {
    PKTIMER timer;
    PDRIVER_OBJECT driver;
} ke_armed;

static ke_armed *ke_timers;
static size_t ke_timer_used, ke_timer_capacity;

static BOOLEAN ke_timer_is(PKTIMER timer)
{
    return timer != NULL &&
           (timer->Header.Type == KE_TIMER_NOTIFICATION || timer->Header.Type == KE_TIMER_SYNCHRONIZATION);
}

NTKERNELAPI VOID NTAPI KeInitializeTimerEx(PKTIMER Timer, TIMER_TYPE Type)
{
    memset(Timer, 0, sizeof(*Timer));
    Timer->Header.Type = (UCHAR)(Type == NotificationTimer ? KE_TIMER_NOTIFICATION : KE_TIMER_SYNCHRONIZATION);
    Timer->Header.Size = (UCHAR)(sizeof(KTIMER) / sizeof(LONG));
    InitializeListHead(&Timer->Header.WaitListHead);
    InitializeListHead(&Timer->TimerListEntry);
}

NTKERNELAPI VOID NTAPI KeInitializeTimer(PKTIMER Timer)
{
    KeInitializeTimerEx(Timer, NotificationTimer);
}

static BOOLEAN ke_timer_disarm(PKTIMER timer)
{
    for (size_t i = 0; i < ke_timer_used; i++) {
        if (ke_timers[i].timer == timer) {
            memmove(&ke_timers[i], &ke_timers[i + 1], (ke_timer_used - i - 1) * sizeof(ke_armed));
            ke_timer_used--;
            return TRUE;
        }
    }
    return FALSE;
}

NTKERNELAPI BOOLEAN NTAPI KeSetTimerEx(PKTIMER Timer, LARGE_INTEGER DueTime, LONG Period, PKDPC Dpc)
{
    if (!ke_timer_is(Timer)) {
        rp_finding("INVALID_DISPATCHER_OBJECT", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "KeSetTimer(%p): not an initialised timer (call KeInitializeTimer first)", (void *)Timer);
        return FALSE;
    }
    ke_lock();
    BOOLEAN was_armed = ke_timer_disarm(Timer);
    ULONGLONG now = ke_interrupt_time();
    ULONGLONG base = ke_system_time_base();
    ULONGLONG due;
    if (DueTime.QuadPart < 0)
        due = now + (ULONGLONG)(-DueTime.QuadPart);
    else if ((ULONGLONG)DueTime.QuadPart > base)
        due = (ULONGLONG)DueTime.QuadPart - base;
    else
        due = now;
    if (due < now)
        due = now;
    Timer->DueTime.QuadPart = due;
    Timer->Period = Period > 0 ? (ULONG)Period : 0;
    Timer->Dpc = Dpc;
    Timer->Header.SignalState = 0;
    if (ke_timer_used == ke_timer_capacity) {
        size_t capacity = ke_timer_capacity ? ke_timer_capacity * 2 : 16;
        ke_armed *grown = realloc(ke_timers, capacity * sizeof(ke_armed));
        if (grown == NULL) {
            ke_unlock();
            return was_armed;
        }
        ke_timers = grown;
        ke_timer_capacity = capacity;
    }
    ke_timers[ke_timer_used++] = (ke_armed){Timer, ke_current_driver()};
    ke_signal_changed();
    ke_unlock();
    return was_armed;
}

NTKERNELAPI BOOLEAN NTAPI KeSetTimer(PKTIMER Timer, LARGE_INTEGER DueTime, PKDPC Dpc)
{
    return KeSetTimerEx(Timer, DueTime, 0, Dpc);
}

NTKERNELAPI BOOLEAN NTAPI KeCancelTimer(PKTIMER Timer)
{
    ke_lock();
    BOOLEAN was_armed = ke_timer_disarm(Timer);
    ke_unlock();
    return was_armed;
}

NTKERNELAPI BOOLEAN NTAPI KeReadStateTimer(PKTIMER Timer)
{
    return (BOOLEAN)(Timer->Header.SignalState != 0);
}

BOOLEAN ke_timer_next_due(ULONGLONG *due)
{
    if (ke_timer_used == 0)
        return FALSE;
    ULONGLONG best = ke_timers[0].timer->DueTime.QuadPart;
    for (size_t i = 1; i < ke_timer_used; i++) {
        if (ke_timers[i].timer->DueTime.QuadPart < best)
            best = ke_timers[i].timer->DueTime.QuadPart;
    }
    *due = best;
    return TRUE;
}

/* Fires, earliest first, every timer that is due: signal it, satisfy its waiters, queue its
 * DPC (SystemArgument1/2 = the due time's low and high parts), re-arm periodic ones. */
BOOLEAN ke_timers_fire_due(void)
{
    BOOLEAN fired = FALSE;
    ULONGLONG now = ke_interrupt_time();
    for (;;) {
        size_t best = ke_timer_used;
        for (size_t i = 0; i < ke_timer_used; i++) {
            if (ke_timers[i].timer->DueTime.QuadPart <= now &&
                (best == ke_timer_used || ke_timers[i].timer->DueTime.QuadPart < ke_timers[best].timer->DueTime.QuadPart))
                best = i;
        }
        if (best == ke_timer_used)
            return fired;
        ke_armed armed = ke_timers[best];
        PKTIMER timer = armed.timer;
        ULONGLONG due = timer->DueTime.QuadPart;
        memmove(&ke_timers[best], &ke_timers[best + 1], (ke_timer_used - best - 1) * sizeof(ke_armed));
        ke_timer_used--;
        fired = TRUE;
        EV_EMIT(.kind = EV_TIMER, .driver = armed.driver);
        timer->Header.SignalState = 1;
        ke_satisfy_waiters_now(timer);
        if (timer->Dpc != NULL)
            ke_dpc_queue(timer->Dpc, (PVOID)(ULONG_PTR)(ULONG)due, (PVOID)(ULONG_PTR)(ULONG)(due >> 32), armed.driver);
        if (timer->Period != 0) {
            timer->DueTime.QuadPart = due + (ULONGLONG)timer->Period * 10000ULL;
            ke_timers[ke_timer_used++] = armed;
        }
    }
}

void ke_timers_shutdown(void)
{
    free(ke_timers);
    ke_timers = NULL;
    ke_timer_used = ke_timer_capacity = 0;
    ke_real_system_base = 0;
}

/* ---- IoInitializeTimer: one call a second at DISPATCH_LEVEL while started ------------------ */

struct _IO_TIMER {
    KTIMER timer;
    KDPC dpc;
    PIO_TIMER_ROUTINE routine;
    PVOID context;
    PDEVICE_OBJECT device;
    BOOLEAN started;
};

static VOID NTAPI ke_io_timer_dpc(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    struct _IO_TIMER *t = DeferredContext;
    (void)Dpc;
    (void)SystemArgument1;
    (void)SystemArgument2;
    if (t->started)
        t->routine(t->device, t->context);
}

NTKERNELAPI NTSTATUS NTAPI IoInitializeTimer(PDEVICE_OBJECT DeviceObject, PIO_TIMER_ROUTINE TimerRoutine, PVOID Context)
{
    if (DeviceObject == NULL || TimerRoutine == NULL)
        return STATUS_INVALID_PARAMETER;
    struct _IO_TIMER *t = DeviceObject->Timer;
    if (t == NULL) {
        t = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(*t), 'mTeK');
        if (t == NULL)
            return STATUS_INSUFFICIENT_RESOURCES;
        memset(t, 0, sizeof(*t));
        DeviceObject->Timer = t;
    }
    KeInitializeTimerEx(&t->timer, NotificationTimer);
    KeInitializeDpc(&t->dpc, ke_io_timer_dpc, t);
    t->routine = TimerRoutine;
    t->context = Context;
    t->device = DeviceObject;
    return STATUS_SUCCESS;
}

NTKERNELAPI VOID NTAPI IoStartTimer(PDEVICE_OBJECT DeviceObject)
{
    struct _IO_TIMER *t = DeviceObject->Timer;
    if (t == NULL) {
        rp_finding("IO_TIMER_NOT_INITIALIZED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoStartTimer on a device without IoInitializeTimer");
        return;
    }
    if (t->started)
        return;
    t->started = TRUE;
    LARGE_INTEGER second = {.QuadPart = -10000000LL};
    KeSetTimerEx(&t->timer, second, 1000, &t->dpc);
}

NTKERNELAPI VOID NTAPI IoStopTimer(PDEVICE_OBJECT DeviceObject)
{
    struct _IO_TIMER *t = DeviceObject->Timer;
    if (t == NULL || !t->started)
        return;
    t->started = FALSE;
    KeCancelTimer(&t->timer);
    KeRemoveQueueDpc(&t->dpc);
}

/* Frees a device's IO_TIMER when the device goes away. */
void ke_io_timer_free(PDEVICE_OBJECT device)
{
    struct _IO_TIMER *t = device->Timer;
    if (t == NULL)
        return;
    KeCancelTimer(&t->timer);
    KeRemoveQueueDpc(&t->dpc);
    ExFreePoolWithTag(t, 'mTeK');
    device->Timer = NULL;
}
