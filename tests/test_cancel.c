/* IRP cancellation: IoCancelIrp with and without a cancel routine, twice, the cancel spin lock
 * and CancelIrql, completion routines after a cancel, and cancelling a completed IRP. */
#include "test_support.h"

static int cancel_calls;
static KIRQL cancel_irql_seen;

static VOID NTAPI cancel_routine(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    cancel_calls++;
    cancel_irql_seen = KeGetCurrentIrql();
    IoReleaseCancelSpinLock(Irp->CancelIrql);
}

static VOID NTAPI forgetful_cancel_routine(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    (void)Irp;
    cancel_calls++;
}

static void cancel_without_routine_sets_cancel_and_returns_false(void **state)
{
    (void)state;
    PIRP irp = IoAllocateIrp(1, FALSE);
    assert_false(IoCancelIrp(irp));
    assert_true(irp->Cancel);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    IoFreeIrp(irp);
    assert_no_findings();
}

static void cancel_calls_the_routine_once_with_the_lock_held(void **state)
{
    (void)state;
    PIRP irp = IoAllocateIrp(1, FALSE);
    cancel_calls = 0;
    assert_null(IoSetCancelRoutine(irp, cancel_routine));
    assert_true(IoCancelIrp(irp));
    assert_int_equal(cancel_calls, 1);
    assert_int_equal(cancel_irql_seen, DISPATCH_LEVEL);
    assert_int_equal(irp->CancelIrql, PASSIVE_LEVEL);
    assert_null(irp->CancelRoutine);
    /* A second cancel finds no routine. */
    assert_false(IoCancelIrp(irp));
    assert_int_equal(cancel_calls, 1);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    IoFreeIrp(irp);
    assert_no_findings();
}

static void cancel_routine_that_keeps_the_lock_is_reported(void **state)
{
    (void)state;
    PIRP irp = IoAllocateIrp(1, FALSE);
    IoSetCancelRoutine(irp, forgetful_cancel_routine);
    assert_true(IoCancelIrp(irp));
    assert_non_null(ts_finding("CANCEL_SPIN_LOCK_NOT_RELEASED"));
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    IoFreeIrp(irp);
}

static int completion_calls;

static NTSTATUS NTAPI count_completion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    (void)DeviceObject;
    (void)Irp;
    (void)Context;
    completion_calls++;
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static void cancelled_irp_runs_cancel_and_error_routines_only(void **state)
{
    (void)state;
    completion_calls = 0;
    /* Registered for success only: a cancelled request does not call it, the walk runs to the
     * top with nobody owning the IRP, which is reported (and the IRP freed). */
    PIRP success_only = IoAllocateIrp(1, FALSE);
    IoSetCompletionRoutine(success_only, count_completion, NULL, TRUE, FALSE, FALSE);
    IoSetNextIrpStackLocation(success_only);
    IoCancelIrp(success_only);
    success_only->IoStatus.Status = STATUS_CANCELLED;
    IoCompleteRequest(success_only, IO_NO_INCREMENT);
    assert_int_equal(completion_calls, 0);
    assert_non_null(ts_finding("IRP_COMPLETED_WITHOUT_OWNER"));

    /* Registered for cancel only: it runs, and keeps the IRP. */
    PIRP on_cancel = IoAllocateIrp(1, FALSE);
    IoSetCompletionRoutine(on_cancel, count_completion, NULL, FALSE, FALSE, TRUE);
    IoSetNextIrpStackLocation(on_cancel);
    IoCancelIrp(on_cancel);
    on_cancel->IoStatus.Status = STATUS_CANCELLED;
    IoCompleteRequest(on_cancel, IO_NO_INCREMENT);
    assert_int_equal(completion_calls, 1);
    IoFreeIrp(on_cancel);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ts_test(cancel_without_routine_sets_cancel_and_returns_false),
        ts_test(cancel_calls_the_routine_once_with_the_lock_held),
        ts_test(cancel_routine_that_keeps_the_lock_is_reported),
        ts_test(cancelled_irp_runs_cancel_and_error_routines_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
