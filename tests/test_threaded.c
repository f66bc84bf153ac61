/* Threaded mode: real threads and real time.  DPCs and timers run on the DPC thread, work items
 * on workers, system threads concurrently with the test; waits are real waits.  Run under
 * ThreadSanitizer to check the kernel's own locking. */
#include "test_support.h"

static int th_setup(void **state)
{
    ts_setup(state);
    return NT_SUCCESS(wdmemu_set_mode(WDMEMU_MODE_THREADED)) ? 0 : -1;
}

static int th_teardown(void **state)
{
    int result = ts_teardown(state);
    return NT_SUCCESS(wdmemu_set_mode(WDMEMU_MODE_DETERMINISTIC)) ? result : -1;
}

#define th_test(f) cmocka_unit_test_setup_teardown(f, th_setup, th_teardown)

static volatile LONG dpc_irql = -1;

static VOID NTAPI signal_dpc(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2)
{
    (void)Dpc;
    (void)A1;
    (void)A2;
    InterlockedExchange(&dpc_irql, KeGetCurrentIrql());
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
}

static void dpc_runs_on_its_own_thread(void **state)
{
    (void)state;
    assert_int_equal(wdmemu_get_mode(), WDMEMU_MODE_THREADED);
    KEVENT done;
    KDPC dpc;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    KeInitializeDpc(&dpc, signal_dpc, &done);
    KeInsertQueueDpc(&dpc, NULL, NULL);
    LARGE_INTEGER timeout = {.QuadPart = -50000000LL}; /* 5 s, generous */
    assert_status(STATUS_SUCCESS, KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, &timeout));
    assert_int_equal(dpc_irql, DISPATCH_LEVEL);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    assert_no_findings();
}

static void timer_fires_in_real_time(void **state)
{
    (void)state;
    KTIMER timer;
    KDPC dpc;
    KEVENT done;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    KeInitializeTimer(&timer);
    KeInitializeDpc(&dpc, signal_dpc, &done);
    ULONGLONG start = KeQueryInterruptTime();
    LARGE_INTEGER due = {.QuadPart = -200000LL}; /* 20 ms */
    KeSetTimer(&timer, due, &dpc);
    LARGE_INTEGER timeout = {.QuadPart = -50000000LL};
    assert_status(STATUS_SUCCESS, KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, &timeout));
    assert_true(KeQueryInterruptTime() - start >= 200000ULL);
    assert_true(KeReadStateTimer(&timer));
}

static volatile LONG thread_sum;

static VOID NTAPI adder(PVOID Context)
{
    for (int i = 0; i < 1000; i++)
        InterlockedIncrement(&thread_sum);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
}

static void system_threads_run_concurrently(void **state)
{
    (void)state;
    KEVENT a, b;
    KeInitializeEvent(&a, NotificationEvent, FALSE);
    KeInitializeEvent(&b, NotificationEvent, FALSE);
    thread_sum = 0;
    HANDLE ha, hb;
    assert_status(STATUS_SUCCESS, PsCreateSystemThread(&ha, THREAD_ALL_ACCESS, NULL, NULL, NULL, adder, &a));
    assert_status(STATUS_SUCCESS, PsCreateSystemThread(&hb, THREAD_ALL_ACCESS, NULL, NULL, NULL, adder, &b));
    PVOID both[2] = {&a, &b};
    LARGE_INTEGER timeout = {.QuadPart = -50000000LL};
    assert_status(STATUS_SUCCESS, KeWaitForMultipleObjects(2, both, WaitAll, Executive, KernelMode, FALSE, &timeout, NULL));
    assert_int_equal(thread_sum, 2000);
    assert_status(STATUS_SUCCESS, ZwWaitForSingleObject(ha, FALSE, &timeout));
    assert_status(STATUS_SUCCESS, ZwWaitForSingleObject(hb, FALSE, &timeout));
    ZwClose(ha);
    ZwClose(hb);
}

static volatile LONG work_ran;

static VOID NTAPI work_routine(PVOID Parameter)
{
    InterlockedIncrement(&work_ran);
    KeSetEvent((PKEVENT)Parameter, IO_NO_INCREMENT, FALSE);
}

static void work_items_run_on_workers(void **state)
{
    (void)state;
    KEVENT done;
    WORK_QUEUE_ITEM item;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    work_ran = 0;
    ExInitializeWorkItem(&item, work_routine, &done);
    ExQueueWorkItem(&item, DelayedWorkQueue);
    LARGE_INTEGER timeout = {.QuadPart = -50000000LL};
    assert_status(STATUS_SUCCESS, KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, &timeout));
    assert_int_equal(work_ran, 1);
}

static VOID NTAPI contender(PVOID Context)
{
    PKSPIN_LOCK lock = Context;
    for (int i = 0; i < 2000; i++) {
        KIRQL old;
        KeAcquireSpinLock(lock, &old);
        thread_sum++;
        KeReleaseSpinLock(lock, old);
    }
}

static void spin_locks_exclude_real_threads(void **state)
{
    (void)state;
    static KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    thread_sum = 0;
    HANDLE h[3];
    for (int i = 0; i < 3; i++)
        assert_status(STATUS_SUCCESS, PsCreateSystemThread(&h[i], THREAD_ALL_ACCESS, NULL, NULL, NULL, contender, &lock));
    for (int i = 0; i < 3; i++) {
        assert_status(STATUS_SUCCESS, ZwWaitForSingleObject(h[i], FALSE, NULL));
        ZwClose(h[i]);
    }
    assert_int_equal(thread_sum, 6000);
    assert_no_findings();
}

/* ---- cancel racing completion ------------------------------------------------------------- */

static KSPIN_LOCK race_lock;
static PIRP race_queued;
static volatile LONG race_completions;

static NTSTATUS NTAPI race_done(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    (void)DeviceObject;
    (void)Irp;
    (void)Context;
    InterlockedIncrement(&race_completions);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static VOID NTAPI race_cancel(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    KIRQL old;
    KeAcquireSpinLock(&race_lock, &old);
    if (race_queued == Irp)
        race_queued = NULL;
    KeReleaseSpinLock(&race_lock, old);
    Irp->IoStatus.Status = STATUS_CANCELLED;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

static VOID NTAPI race_completer(PVOID Context)
{
    (void)Context;
    KIRQL old;
    KeAcquireSpinLock(&race_lock, &old);
    PIRP irp = race_queued;
    race_queued = NULL;
    KeReleaseSpinLock(&race_lock, old);
    /* Whoever clears the cancel routine owns the completion. */
    if (irp != NULL && IoSetCancelRoutine(irp, NULL) != NULL) {
        irp->IoStatus.Status = STATUS_SUCCESS;
        IoCompleteRequest(irp, IO_NO_INCREMENT);
    }
}

static VOID NTAPI race_canceller(PVOID Context)
{
    IoCancelIrp((PIRP)Context);
}

static void cancel_racing_completion_completes_exactly_once(void **state)
{
    (void)state;
    KeInitializeSpinLock(&race_lock);
    for (int round = 0; round < 200; round++) {
        race_completions = 0;
        PIRP irp = IoAllocateIrp(1, FALSE);
        IoSetCompletionRoutine(irp, race_done, NULL, TRUE, TRUE, TRUE);
        IoSetNextIrpStackLocation(irp);
        IoMarkIrpPending(irp);
        IoSetCancelRoutine(irp, race_cancel);
        race_queued = irp;
        HANDLE a, b;
        assert_status(STATUS_SUCCESS, PsCreateSystemThread(&a, THREAD_ALL_ACCESS, NULL, NULL, NULL, race_canceller, irp));
        assert_status(STATUS_SUCCESS, PsCreateSystemThread(&b, THREAD_ALL_ACCESS, NULL, NULL, NULL, race_completer, NULL));
        ZwWaitForSingleObject(a, FALSE, NULL);
        ZwWaitForSingleObject(b, FALSE, NULL);
        ZwClose(a);
        ZwClose(b);
        assert_int_equal(race_completions, 1);
        IoFreeIrp(irp);
    }
    assert_no_findings();
}

static void mode_cannot_change_while_threads_run(void **state)
{
    (void)state;
    assert_status(STATUS_SUCCESS, wdmemu_set_mode(WDMEMU_MODE_THREADED));
    assert_int_equal(KeQueryActiveProcessorCount(NULL) >= 1, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        th_test(dpc_runs_on_its_own_thread),
        th_test(timer_fires_in_real_time),
        th_test(system_threads_run_concurrently),
        th_test(work_items_run_on_workers),
        th_test(spin_locks_exclude_real_threads),
        th_test(cancel_racing_completion_completes_exactly_once),
        th_test(mode_cannot_change_while_threads_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
