/* Queues: device queue objects (busy state, insert and remove, by key, removing an entry);
 * the system device queue and a driver's StartIo routine (IoStartPacket, IoStartNextPacket,
 * IoStartNextPacketByKey, cancellation of queued and current IRPs, IoSetStartIoAttributes'
 * DeferredStartIo and NonCancelable); cancel-safe IRP queues (insert, remove by context, remove
 * next with a peek context, the cancellation protocol); remove locks (counting, waiting for a
 * system thread's reference, STATUS_DELETE_PENDING) and the misuse findings of all four. */
#include "test_support.h"

#include "core/event.h"

/* ---- a driver with a StartIo routine, linked into the test -------------------------------- */

enum { QT_HOLD, QT_COMPLETE_AND_NEXT, QT_CHECK_CANCEL };

static PDRIVER_OBJECT qt_driver;
static wdmemu_driver *qt_handle;
static int qt_mode;
static PIRP qt_started[16];
static int qt_nstarted;
static KIRQL qt_start_irql;
static PIRP qt_current_seen;
static PDRIVER_CANCEL qt_cancel_routine_seen;
static int qt_depth, qt_max_depth;
static int qt_cancel_calls, qt_cancel_current, qt_cancel_removed;

static void qt_complete(PIRP irp, NTSTATUS status)
{
    irp->IoStatus.Status = status;
    irp->IoStatus.Information = 0;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
}

static VOID NTAPI qt_start_io(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    qt_depth++;
    if (qt_depth > qt_max_depth)
        qt_max_depth = qt_depth;
    if (qt_nstarted < 16)
        qt_started[qt_nstarted] = Irp;
    qt_nstarted++;
    qt_start_irql = KeGetCurrentIrql();
    qt_current_seen = DeviceObject->CurrentIrp;
    qt_cancel_routine_seen = Irp->CancelRoutine;
    KIRQL cancel_irql;
    switch (qt_mode) {
    case QT_COMPLETE_AND_NEXT:
        IoSetCancelRoutine(Irp, NULL);
        qt_complete(Irp, STATUS_SUCCESS);
        IoStartNextPacket(DeviceObject, FALSE);
        break;
    case QT_CHECK_CANCEL:
        /* What the WDK asks of a StartIo routine for cancelable IRPs. */
        IoAcquireCancelSpinLock(&cancel_irql);
        if (Irp->Cancel) {
            IoSetCancelRoutine(Irp, NULL);
            IoReleaseCancelSpinLock(cancel_irql);
            qt_complete(Irp, STATUS_CANCELLED);
            IoStartNextPacket(DeviceObject, TRUE);
        } else {
            IoReleaseCancelSpinLock(cancel_irql);
        }
        break;
    default:
        break;
    }
    qt_depth--;
}

/* The cancel routine of a driver with a StartIo routine, as the WDK describes it. */
static VOID NTAPI qt_cancel(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    qt_cancel_calls++;
    if (Irp == DeviceObject->CurrentIrp) {
        /* The current IRP is StartIo's (or the DPC's) to finish. */
        qt_cancel_current++;
        IoReleaseCancelSpinLock(Irp->CancelIrql);
        return;
    }
    BOOLEAN removed = KeRemoveEntryDeviceQueue(&DeviceObject->DeviceQueue, &Irp->Tail.Overlay.DeviceQueueEntry);
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    if (removed) {
        qt_cancel_removed++;
        qt_complete(Irp, STATUS_CANCELLED);
    }
}

static VOID NTAPI qt_unload(PDRIVER_OBJECT DriverObject)
{
    (void)DriverObject;
}

static NTSTATUS NTAPI qt_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    DriverObject->DriverUnload = qt_unload;
    DriverObject->DriverStartIo = qt_start_io;
    qt_driver = DriverObject;
    return STATUS_SUCCESS;
}

static int qt_setup(void **state)
{
    ts_setup(state);
    qt_mode = QT_HOLD;
    memset(qt_started, 0, sizeof(qt_started));
    qt_nstarted = qt_depth = qt_max_depth = 0;
    qt_cancel_calls = qt_cancel_current = qt_cancel_removed = 0;
    qt_current_seen = NULL;
    qt_cancel_routine_seen = NULL;
    qt_start_irql = PASSIVE_LEVEL;
    return NT_SUCCESS(wdmemu_driver_load_entry(qt_entry, "qt", &qt_handle)) ? 0 : -1;
}

#define qt_test(f) cmocka_unit_test_setup_teardown(f, qt_setup, ts_teardown)

static PDEVICE_OBJECT qt_device(void)
{
    PDEVICE_OBJECT device = NULL;
    assert_status(STATUS_SUCCESS, IoCreateDevice(qt_driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &device));
    return device;
}

/* What the test, as the IRP's creator, sees of its completion. */
typedef struct qt_done {
    int count;
    NTSTATUS status;
} qt_done;

static NTSTATUS NTAPI qt_completion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    (void)DeviceObject;
    qt_done *done = Context;
    done->count++;
    done->status = Irp->IoStatus.Status;
    return STATUS_MORE_PROCESSING_REQUIRED; /* the test keeps the IRP */
}

/* An IRP positioned at the driver's stack location, as IoCallDriver leaves it. */
static PIRP qt_irp(PDEVICE_OBJECT device, qt_done *done)
{
    PIRP irp = IoAllocateIrp(1, FALSE);
    assert_non_null(irp);
    memset(done, 0, sizeof(*done));
    IoSetCompletionRoutine(irp, qt_completion, done, TRUE, TRUE, TRUE);
    IoSetNextIrpStackLocation(irp);
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(irp);
    stack->MajorFunction = IRP_MJ_READ;
    stack->DeviceObject = device;
    return irp;
}

/* A DpcForIsr: the device finished the current IRP; start the next one and complete it. */
static void qt_finish_current(PDEVICE_OBJECT device, BOOLEAN cancelable)
{
    KIRQL old = KeRaiseIrqlToDpcLevel();
    PIRP irp = device->CurrentIrp;
    assert_non_null(irp);
    KIRQL cancel_irql;
    IoAcquireCancelSpinLock(&cancel_irql);
    IoSetCancelRoutine(irp, NULL);
    NTSTATUS status = irp->Cancel ? STATUS_CANCELLED : STATUS_SUCCESS;
    IoReleaseCancelSpinLock(cancel_irql);
    IoStartNextPacket(device, cancelable);
    qt_complete(irp, status);
    KeLowerIrql(old);
}

/* ---- device queue objects ------------------------------------------------------------------ */

static void device_queue_insert_into_idle_queue_makes_it_busy_without_queueing(void **state)
{
    (void)state;
    KDEVICE_QUEUE queue;
    KDEVICE_QUEUE_ENTRY a;
    KeInitializeDeviceQueue(&queue);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    assert_false(KeInsertDeviceQueue(&queue, &a));
    assert_true(queue.Busy);
    assert_false(a.Inserted);
    assert_true(IsListEmpty(&queue.DeviceListHead));
    /* The owner of the busy state gives it back when nothing is waiting. */
    assert_null(KeRemoveDeviceQueue(&queue));
    assert_false(queue.Busy);
    KeLowerIrql(old);
    assert_no_findings();
}

static void device_queue_busy_queue_appends_and_removes_in_order(void **state)
{
    (void)state;
    KDEVICE_QUEUE queue;
    KDEVICE_QUEUE_ENTRY first, a, b, c;
    KeInitializeDeviceQueue(&queue);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    assert_false(KeInsertDeviceQueue(&queue, &first));
    assert_true(KeInsertDeviceQueue(&queue, &a));
    assert_true(KeInsertDeviceQueue(&queue, &b));
    assert_true(KeInsertDeviceQueue(&queue, &c));
    assert_true(a.Inserted && b.Inserted && c.Inserted);
    assert_ptr_equal(KeRemoveDeviceQueue(&queue), &a);
    assert_false(a.Inserted);
    assert_ptr_equal(KeRemoveDeviceQueue(&queue), &b);
    assert_ptr_equal(KeRemoveDeviceQueue(&queue), &c);
    assert_true(queue.Busy); /* still busy with c until the next removal finds nothing */
    assert_null(KeRemoveDeviceQueue(&queue));
    assert_false(queue.Busy);
    KeLowerIrql(old);
    assert_no_findings();
}

static void device_queue_insert_by_key_sorts_after_equal_keys(void **state)
{
    (void)state;
    KDEVICE_QUEUE queue;
    KDEVICE_QUEUE_ENTRY busy, k5, k1, k9, k5b, k0;
    KeInitializeDeviceQueue(&queue);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    assert_false(KeInsertByKeyDeviceQueue(&queue, &busy, 7));
    assert_true(KeInsertByKeyDeviceQueue(&queue, &k5, 5));
    assert_true(KeInsertByKeyDeviceQueue(&queue, &k1, 1));
    assert_true(KeInsertByKeyDeviceQueue(&queue, &k9, 9));
    assert_true(KeInsertByKeyDeviceQueue(&queue, &k5b, 5));
    assert_true(KeInsertByKeyDeviceQueue(&queue, &k0, 0));
    assert_int_equal(k5b.SortKey, 5);
    PKDEVICE_QUEUE_ENTRY expected[] = {&k0, &k1, &k5, &k5b, &k9};
    for (size_t i = 0; i < 5; i++)
        assert_ptr_equal(KeRemoveDeviceQueue(&queue), expected[i]);
    assert_null(KeRemoveDeviceQueue(&queue));
    KeLowerIrql(old);
    assert_no_findings();
}

static void device_queue_remove_by_key_takes_first_key_at_or_above_and_wraps(void **state)
{
    (void)state;
    KDEVICE_QUEUE queue;
    KDEVICE_QUEUE_ENTRY busy, k2, k4, k4b, k8;
    KeInitializeDeviceQueue(&queue);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    KeInsertDeviceQueue(&queue, &busy);
    KeInsertByKeyDeviceQueue(&queue, &k2, 2);
    KeInsertByKeyDeviceQueue(&queue, &k4, 4);
    KeInsertByKeyDeviceQueue(&queue, &k4b, 4);
    KeInsertByKeyDeviceQueue(&queue, &k8, 8);
    assert_ptr_equal(KeRemoveByKeyDeviceQueue(&queue, 3), &k4);   /* first key >= 3 */
    assert_ptr_equal(KeRemoveByKeyDeviceQueue(&queue, 4), &k4b);  /* equal keys count */
    assert_ptr_equal(KeRemoveByKeyDeviceQueue(&queue, 9), &k2);   /* none >= 9: wrap to the first */
    assert_ptr_equal(KeRemoveByKeyDeviceQueue(&queue, 0), &k8);
    assert_true(queue.Busy);
    assert_null(KeRemoveByKeyDeviceQueue(&queue, 0));
    assert_false(queue.Busy);
    KeLowerIrql(old);
    assert_no_findings();
}

static void device_queue_remove_by_key_if_busy_leaves_an_idle_queue_alone(void **state)
{
    (void)state;
    KDEVICE_QUEUE queue;
    KDEVICE_QUEUE_ENTRY busy, k3;
    KeInitializeDeviceQueue(&queue);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    assert_null(KeRemoveByKeyDeviceQueueIfBusy(&queue, 0));
    assert_false(queue.Busy);
    KeInsertDeviceQueue(&queue, &busy);
    KeInsertByKeyDeviceQueue(&queue, &k3, 3);
    assert_ptr_equal(KeRemoveByKeyDeviceQueueIfBusy(&queue, 1), &k3);
    assert_null(KeRemoveByKeyDeviceQueueIfBusy(&queue, 1));
    assert_false(queue.Busy);
    KeLowerIrql(old);
    assert_no_findings(); /* unlike KeRemoveByKeyDeviceQueue, idle is not an error here */
}

static void device_queue_remove_entry_tells_whether_it_was_queued(void **state)
{
    (void)state;
    KDEVICE_QUEUE queue;
    KDEVICE_QUEUE_ENTRY busy, a, b;
    KeInitializeDeviceQueue(&queue);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    KeInsertDeviceQueue(&queue, &busy);
    KeInsertDeviceQueue(&queue, &a);
    KeInsertDeviceQueue(&queue, &b);
    KeLowerIrql(old);
    /* Callable at PASSIVE_LEVEL: it raises itself. */
    assert_true(KeRemoveEntryDeviceQueue(&queue, &a));
    assert_false(a.Inserted);
    assert_false(KeRemoveEntryDeviceQueue(&queue, &a));
    assert_false(KeRemoveEntryDeviceQueue(&queue, &busy));
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    old = KeRaiseIrqlToDpcLevel();
    assert_ptr_equal(KeRemoveDeviceQueue(&queue), &b);
    assert_null(KeRemoveDeviceQueue(&queue));
    KeLowerIrql(old);
    assert_no_findings();
}

static void device_queue_misuse_is_reported(void **state)
{
    (void)state;
    KDEVICE_QUEUE queue;
    KDEVICE_QUEUE_ENTRY a;
    KeInitializeDeviceQueue(&queue);
    /* Removing from an idle queue: bug check 0x2. */
    KIRQL old = KeRaiseIrqlToDpcLevel();
    assert_null(KeRemoveDeviceQueue(&queue));
    KeLowerIrql(old);
    assert_non_null(ts_finding("DEVICE_QUEUE_NOT_BUSY"));
    /* Below DISPATCH_LEVEL: reported, still done, IRQL given back. */
    ts_findings_clear();
    assert_false(KeInsertDeviceQueue(&queue, &a));
    assert_true(queue.Busy);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    assert_non_null(ts_finding("IRQL_NOT_GREATER_OR_EQUAL"));
    /* The same entry twice: the second insertion is refused. */
    ts_findings_clear();
    KDEVICE_QUEUE_ENTRY b;
    old = KeRaiseIrqlToDpcLevel();
    assert_true(KeInsertByKeyDeviceQueue(&queue, &b, 4));
    assert_true(KeInsertByKeyDeviceQueue(&queue, &b, 9));
    assert_non_null(ts_finding("DEVICE_QUEUE_ENTRY_INSERTED_TWICE"));
    assert_int_equal(b.SortKey, 4);
    assert_ptr_equal(KeRemoveDeviceQueue(&queue), &b);
    assert_null(KeRemoveDeviceQueue(&queue));
    KeLowerIrql(old);
    /* A queue nobody initialised. */
    ts_findings_clear();
    KDEVICE_QUEUE raw;
    memset(&raw, 0, sizeof(raw));
    old = KeRaiseIrqlToDpcLevel();
    assert_false(KeInsertDeviceQueue(&raw, &a));
    assert_null(KeRemoveDeviceQueue(&raw));
    KeLowerIrql(old);
    assert_int_equal(ts_count_findings("DEVICE_QUEUE_NOT_INITIALIZED"), 2);
}

/* ---- StartIo ---------------------------------------------------------------------------------- */

static void start_packet_on_idle_device_calls_start_io_at_dispatch_level(void **state)
{
    (void)state;
    PDEVICE_OBJECT device = qt_device();
    qt_done done;
    PIRP irp = qt_irp(device, &done);
    IoStartPacket(device, irp, NULL, NULL);
    assert_int_equal(qt_nstarted, 1);
    assert_ptr_equal(qt_started[0], irp);
    assert_int_equal(qt_start_irql, DISPATCH_LEVEL);
    assert_ptr_equal(qt_current_seen, irp);
    assert_ptr_equal(device->CurrentIrp, irp);
    assert_true(device->DeviceQueue.Busy);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    qt_finish_current(device, FALSE);
    assert_int_equal(done.count, 1);
    assert_status(STATUS_SUCCESS, done.status);
    assert_null(device->CurrentIrp);
    assert_false(device->DeviceQueue.Busy);
    IoFreeIrp(irp);
    assert_no_findings();
}

static void start_packet_on_busy_device_queues_and_start_next_packet_starts_in_order(void **state)
{
    (void)state;
    PDEVICE_OBJECT device = qt_device();
    qt_done done[3];
    PIRP irps[3];
    for (int i = 0; i < 3; i++) {
        irps[i] = qt_irp(device, &done[i]);
        IoStartPacket(device, irps[i], NULL, NULL);
    }
    assert_int_equal(qt_nstarted, 1);
    assert_true(irps[1]->Tail.Overlay.DeviceQueueEntry.Inserted);
    assert_true(irps[2]->Tail.Overlay.DeviceQueueEntry.Inserted);
    qt_finish_current(device, FALSE);
    assert_int_equal(qt_nstarted, 2);
    assert_ptr_equal(qt_started[1], irps[1]);
    assert_ptr_equal(device->CurrentIrp, irps[1]);
    assert_int_equal(qt_start_irql, DISPATCH_LEVEL);
    qt_finish_current(device, FALSE);
    assert_ptr_equal(qt_started[2], irps[2]);
    qt_finish_current(device, FALSE);
    assert_int_equal(qt_nstarted, 3);
    assert_false(device->DeviceQueue.Busy);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(done[i].count, 1);
        IoFreeIrp(irps[i]);
    }
    assert_no_findings();
}

static void start_packet_with_key_and_start_next_packet_by_key(void **state)
{
    (void)state;
    PDEVICE_OBJECT device = qt_device();
    qt_done done[4];
    PIRP irps[4];
    ULONG keys[4] = {0, 30, 10, 20};
    for (int i = 0; i < 4; i++) {
        irps[i] = qt_irp(device, &done[i]);
        IoStartPacket(device, irps[i], &keys[i], NULL);
    }
    assert_int_equal(qt_nstarted, 1);
    /* Queued by key: 10, 20, 30.  Next by key 15 takes 20, then 25 takes 30, then 99 wraps. */
    KIRQL old = KeRaiseIrqlToDpcLevel();
    qt_complete(device->CurrentIrp, STATUS_SUCCESS);
    IoStartNextPacketByKey(device, FALSE, 15);
    assert_ptr_equal(device->CurrentIrp, irps[3]);
    qt_complete(device->CurrentIrp, STATUS_SUCCESS);
    IoStartNextPacketByKey(device, FALSE, 25);
    assert_ptr_equal(device->CurrentIrp, irps[1]);
    qt_complete(device->CurrentIrp, STATUS_SUCCESS);
    IoStartNextPacketByKey(device, FALSE, 99);
    assert_ptr_equal(device->CurrentIrp, irps[2]);
    qt_complete(device->CurrentIrp, STATUS_SUCCESS);
    IoStartNextPacketByKey(device, FALSE, 0);
    assert_null(device->CurrentIrp);
    assert_false(device->DeviceQueue.Busy);
    KeLowerIrql(old);
    assert_int_equal(qt_nstarted, 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(done[i].count, 1);
        IoFreeIrp(irps[i]);
    }
    assert_no_findings();
}

static void cancel_of_queued_irp_runs_cancel_function_which_dequeues_it(void **state)
{
    (void)state;
    PDEVICE_OBJECT device = qt_device();
    qt_done done[3];
    PIRP irps[3];
    for (int i = 0; i < 3; i++) {
        irps[i] = qt_irp(device, &done[i]);
        IoStartPacket(device, irps[i], NULL, qt_cancel);
    }
    assert_ptr_equal(irps[1]->CancelRoutine, qt_cancel);
    assert_true(IoCancelIrp(irps[1]));
    assert_int_equal(qt_cancel_calls, 1);
    assert_int_equal(qt_cancel_removed, 1);
    assert_int_equal(done[1].count, 1);
    assert_status(STATUS_CANCELLED, done[1].status);
    assert_false(irps[1]->Tail.Overlay.DeviceQueueEntry.Inserted);
    /* The next packet is the one after it. */
    qt_finish_current(device, TRUE);
    assert_int_equal(qt_nstarted, 2);
    assert_ptr_equal(qt_started[1], irps[2]);
    qt_finish_current(device, TRUE);
    assert_false(device->DeviceQueue.Busy);
    assert_status(STATUS_SUCCESS, done[0].status);
    assert_status(STATUS_SUCCESS, done[2].status);
    for (int i = 0; i < 3; i++)
        IoFreeIrp(irps[i]);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    assert_no_findings();
}

static void cancel_of_current_irp_is_left_to_the_start_io_path(void **state)
{
    (void)state;
    PDEVICE_OBJECT device = qt_device();
    qt_done done[2];
    PIRP current = qt_irp(device, &done[0]);
    PIRP queued = qt_irp(device, &done[1]);
    IoStartPacket(device, current, NULL, qt_cancel);
    IoStartPacket(device, queued, NULL, qt_cancel);
    /* The cancel routine sees the current IRP and leaves it to the driver's DPC. */
    assert_true(IoCancelIrp(current));
    assert_int_equal(qt_cancel_current, 1);
    assert_int_equal(done[0].count, 0);
    assert_ptr_equal(device->CurrentIrp, current);
    qt_finish_current(device, TRUE);
    assert_int_equal(done[0].count, 1);
    assert_status(STATUS_CANCELLED, done[0].status);
    assert_ptr_equal(device->CurrentIrp, queued);
    qt_finish_current(device, TRUE);
    assert_status(STATUS_SUCCESS, done[1].status);
    IoFreeIrp(current);
    IoFreeIrp(queued);
    assert_no_findings();
}

static void start_packet_of_an_already_cancelled_irp_calls_the_cancel_function(void **state)
{
    (void)state;
    PDEVICE_OBJECT device = qt_device();
    qt_done done[2];
    PIRP first = qt_irp(device, &done[0]);
    PIRP late = qt_irp(device, &done[1]);
    IoStartPacket(device, first, NULL, qt_cancel);
    /* Cancelled before the driver queued it: nothing to call yet. */
    assert_false(IoCancelIrp(late));
    IoStartPacket(device, late, NULL, qt_cancel);
    assert_int_equal(qt_cancel_calls, 1);
    assert_int_equal(qt_cancel_removed, 1);
    assert_status(STATUS_CANCELLED, done[1].status);
    assert_null(late->CancelRoutine);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    qt_finish_current(device, TRUE);
    assert_int_equal(qt_nstarted, 1);
    assert_false(device->DeviceQueue.Busy);
    IoFreeIrp(first);
    IoFreeIrp(late);
    assert_no_findings();
}

static void queued_irp_cancelled_without_a_cancel_routine_reaches_start_io(void **state)
{
    (void)state;
    PDEVICE_OBJECT device = qt_device();
    qt_done done[3];
    PIRP irps[3];
    for (int i = 0; i < 3; i++) {
        irps[i] = qt_irp(device, &done[i]);
        IoStartPacket(device, irps[i], NULL, NULL);
    }
    /* No cancel routine: IoCancelIrp only sets Cancel, and the I/O manager does not skip the
     * IRP; StartIo has to notice and complete it. */
    assert_false(IoCancelIrp(irps[1]));
    qt_mode = QT_CHECK_CANCEL;
    IoSetStartIoAttributes(device, TRUE, FALSE); /* its StartIo calls IoStartNextPacket */
    qt_finish_current(device, TRUE);
    assert_int_equal(qt_nstarted, 3);
    assert_ptr_equal(qt_started[1], irps[1]);
    assert_ptr_equal(qt_started[2], irps[2]);
    assert_status(STATUS_CANCELLED, done[1].status);
    assert_ptr_equal(device->CurrentIrp, irps[2]);
    qt_finish_current(device, TRUE);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(done[i].count, 1);
        IoFreeIrp(irps[i]);
    }
    assert_no_findings();
}

static void noncancelable_start_io_attribute_clears_the_cancel_routine(void **state)
{
    (void)state;
    PDEVICE_OBJECT device = qt_device();
    qt_done done[2];
    PIRP first = qt_irp(device, &done[0]);
    PIRP second = qt_irp(device, &done[1]);
    IoStartPacket(device, first, NULL, qt_cancel);
    assert_ptr_equal(qt_cancel_routine_seen, qt_cancel); /* default: still cancelable in StartIo */
    IoSetStartIoAttributes(device, FALSE, TRUE);
    IoStartPacket(device, second, NULL, qt_cancel);
    assert_ptr_equal(second->CancelRoutine, qt_cancel); /* cancelable while queued */
    qt_finish_current(device, TRUE);
    assert_ptr_equal(qt_started[1], second);
    assert_null(qt_cancel_routine_seen);
    assert_false(IoCancelIrp(second));
    assert_int_equal(qt_cancel_calls, 0);
    qt_finish_current(device, TRUE);
    IoFreeIrp(first);
    IoFreeIrp(second);
    assert_no_findings();
}

static void start_io_calling_start_next_packet_recurses_and_is_reported(void **state)
{
    (void)state;
    PDEVICE_OBJECT device = qt_device();
    qt_done done[4];
    PIRP irps[4];
    /* Queue four behind a held one, then let StartIo complete-and-start-next. */
    for (int i = 0; i < 4; i++) {
        irps[i] = qt_irp(device, &done[i]);
        IoStartPacket(device, irps[i], NULL, NULL);
    }
    qt_mode = QT_COMPLETE_AND_NEXT;
    qt_finish_current(device, FALSE);
    assert_int_equal(qt_nstarted, 4);
    assert_int_equal(qt_max_depth, 3); /* irps[1] .. irps[3] nested inside each other */
    assert_false(device->DeviceQueue.Busy);
    assert_int_equal(ts_count_findings("START_IO_RECURSION"), 1);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(done[i].count, 1);
        IoFreeIrp(irps[i]);
    }
}

static void deferred_start_io_runs_the_next_packet_after_the_current_one_returns(void **state)
{
    (void)state;
    PDEVICE_OBJECT device = qt_device();
    IoSetStartIoAttributes(device, TRUE, FALSE);
    qt_done done[4];
    PIRP irps[4];
    for (int i = 0; i < 4; i++) {
        irps[i] = qt_irp(device, &done[i]);
        IoStartPacket(device, irps[i], NULL, NULL);
    }
    qt_mode = QT_COMPLETE_AND_NEXT;
    qt_finish_current(device, FALSE);
    assert_int_equal(qt_nstarted, 4);
    assert_int_equal(qt_max_depth, 1);
    for (int i = 0; i < 4; i++)
        assert_ptr_equal(qt_started[i], irps[i]);
    assert_false(device->DeviceQueue.Busy);
    assert_null(device->CurrentIrp);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(done[i].count, 1);
        IoFreeIrp(irps[i]);
    }
    assert_no_findings();
}

static void deferred_start_io_from_start_packet_also_drains_in_order(void **state)
{
    (void)state;
    PDEVICE_OBJECT device = qt_device();
    IoSetStartIoAttributes(device, TRUE, FALSE);
    qt_mode = QT_COMPLETE_AND_NEXT;
    qt_done done[2];
    PIRP irps[2];
    for (int i = 0; i < 2; i++) {
        irps[i] = qt_irp(device, &done[i]);
        IoStartPacket(device, irps[i], NULL, NULL);
    }
    /* Each StartIo completed its IRP and asked for the next: the queue is idle between them. */
    assert_int_equal(qt_nstarted, 2);
    assert_int_equal(qt_max_depth, 1);
    assert_false(device->DeviceQueue.Busy);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(done[i].count, 1);
        IoFreeIrp(irps[i]);
    }
    assert_no_findings();
}

static void start_next_packet_misuse_is_reported(void **state)
{
    (void)state;
    PDEVICE_OBJECT device = qt_device();
    /* Nothing was started: the device queue is idle. */
    KIRQL old = KeRaiseIrqlToDpcLevel();
    IoStartNextPacket(device, FALSE);
    KeLowerIrql(old);
    assert_non_null(ts_finding("DEVICE_QUEUE_NOT_BUSY"));
    ts_findings_clear();
    /* IoStartNextPacket wants DISPATCH_LEVEL. */
    qt_done done;
    PIRP irp = qt_irp(device, &done);
    IoStartPacket(device, irp, NULL, NULL);
    qt_complete(irp, STATUS_SUCCESS);
    IoStartNextPacket(device, FALSE);
    assert_non_null(ts_finding("IRQL_NOT_GREATER_OR_EQUAL"));
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    assert_false(device->DeviceQueue.Busy);
    IoFreeIrp(irp);
}

static void start_packet_without_a_start_io_routine_is_reported(void **state)
{
    (void)state;
    PDEVICE_OBJECT device = qt_device();
    qt_driver->DriverStartIo = NULL;
    qt_done done;
    PIRP irp = qt_irp(device, &done);
    IoStartPacket(device, irp, NULL, NULL);
    assert_non_null(ts_finding("START_IO_ROUTINE_MISSING"));
    assert_false(device->DeviceQueue.Busy);
    assert_null(device->CurrentIrp);
    qt_driver->DriverStartIo = qt_start_io;
    IoFreeIrp(irp);
}

static void start_io_attributes_belong_to_the_device_not_its_address(void **state)
{
    (void)state;
    PDEVICE_OBJECT old_device = qt_device();
    IoSetStartIoAttributes(old_device, TRUE, TRUE);
    IoDeleteDevice(old_device);
    /* A new device, quite possibly at the same address, starts without the attributes:
     * StartIo calling IoStartNextPacket recurses again. */
    PDEVICE_OBJECT device = qt_device();
    qt_done done[3];
    PIRP irps[3];
    for (int i = 0; i < 3; i++) {
        irps[i] = qt_irp(device, &done[i]);
        IoStartPacket(device, irps[i], NULL, qt_cancel);
    }
    assert_ptr_equal(qt_cancel_routine_seen, qt_cancel);
    qt_mode = QT_COMPLETE_AND_NEXT;
    qt_finish_current(device, FALSE);
    assert_int_equal(qt_max_depth, 2);
    assert_int_equal(ts_count_findings("START_IO_RECURSION"), 1);
    for (int i = 0; i < 3; i++)
        IoFreeIrp(irps[i]);
}

/* ---- cancel-safe queues ---------------------------------------------------------------------- */

typedef struct cq_queue {
    IO_CSQ csq;
    KSPIN_LOCK lock;
    LIST_ENTRY list;
    int inserts, removes, completes, lock_depth;
    PIRP peek_previous[8];
    int peeks;
    PVOID insert_context_seen;
    NTSTATUS insert_status;
} cq_queue;

static cq_queue *cq_of(PIO_CSQ csq)
{
    return CONTAINING_RECORD(csq, cq_queue, csq);
}

static VOID NTAPI cq_insert(PIO_CSQ Csq, PIRP Irp)
{
    cq_queue *q = cq_of(Csq);
    assert_int_equal(q->lock_depth, 1);
    q->inserts++;
    InsertTailList(&q->list, &Irp->Tail.Overlay.ListEntry);
}

static NTSTATUS NTAPI cq_insert_ex(PIO_CSQ Csq, PIRP Irp, PVOID InsertContext)
{
    cq_queue *q = cq_of(Csq);
    q->insert_context_seen = InsertContext;
    if (!NT_SUCCESS(q->insert_status))
        return q->insert_status;
    cq_insert(Csq, Irp);
    return q->insert_status;
}

static VOID NTAPI cq_remove(PIO_CSQ Csq, PIRP Irp)
{
    cq_queue *q = cq_of(Csq);
    assert_int_equal(q->lock_depth, 1);
    q->removes++;
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
    InitializeListHead(&Irp->Tail.Overlay.ListEntry);
}

/* PeekContext, when not NULL, is the Parameters.Read.Key to match. */
static PIRP NTAPI cq_peek(PIO_CSQ Csq, PIRP Irp, PVOID PeekContext)
{
    cq_queue *q = cq_of(Csq);
    assert_int_equal(q->lock_depth, 1);
    if (q->peeks < 8)
        q->peek_previous[q->peeks] = Irp;
    q->peeks++;
    PLIST_ENTRY link = Irp != NULL ? Irp->Tail.Overlay.ListEntry.Flink : q->list.Flink;
    for (; link != &q->list; link = link->Flink) {
        PIRP candidate = CONTAINING_RECORD(link, IRP, Tail.Overlay.ListEntry);
        if (PeekContext == NULL ||
            IoGetCurrentIrpStackLocation(candidate)->Parameters.Read.Key == (ULONG)(ULONG_PTR)PeekContext)
            return candidate;
    }
    return NULL;
}

static VOID NTAPI cq_acquire(PIO_CSQ Csq, PKIRQL Irql)
{
    cq_queue *q = cq_of(Csq);
    KeAcquireSpinLock(&q->lock, Irql);
    q->lock_depth++;
}

static VOID NTAPI cq_release(PIO_CSQ Csq, KIRQL Irql)
{
    cq_queue *q = cq_of(Csq);
    q->lock_depth--;
    KeReleaseSpinLock(&q->lock, Irql);
}

static VOID NTAPI cq_complete_canceled(PIO_CSQ Csq, PIRP Irp)
{
    cq_queue *q = cq_of(Csq);
    assert_int_equal(q->lock_depth, 0);
    q->completes++;
    qt_complete(Irp, STATUS_CANCELLED);
}

static void cq_init(cq_queue *q, BOOLEAN ex)
{
    memset(q, 0, sizeof(*q));
    KeInitializeSpinLock(&q->lock);
    InitializeListHead(&q->list);
    if (ex)
        assert_status(STATUS_SUCCESS, IoCsqInitializeEx(&q->csq, cq_insert_ex, cq_remove, cq_peek, cq_acquire,
                                                        cq_release, cq_complete_canceled));
    else
        assert_status(STATUS_SUCCESS, IoCsqInitialize(&q->csq, cq_insert, cq_remove, cq_peek, cq_acquire, cq_release,
                                                      cq_complete_canceled));
}

static PIRP cq_irp(qt_done *done, ULONG key)
{
    PIRP irp = qt_irp(NULL, done);
    IoGetCurrentIrpStackLocation(irp)->Parameters.Read.Key = key;
    return irp;
}

static void csq_insert_queues_the_irp_pending_and_cancelable(void **state)
{
    (void)state;
    cq_queue q;
    cq_init(&q, FALSE);
    assert_int_equal(q.csq.Type, IO_TYPE_CSQ);
    qt_done done[2];
    PIRP plain = cq_irp(&done[0], 0);
    PIRP tracked = cq_irp(&done[1], 0);
    IO_CSQ_IRP_CONTEXT context;
    IoCsqInsertIrp(&q.csq, plain, NULL);
    IoCsqInsertIrp(&q.csq, tracked, &context);
    assert_int_equal(q.inserts, 2);
    assert_true(IoGetCurrentIrpStackLocation(plain)->Control & SL_PENDING_RETURNED);
    assert_non_null(plain->CancelRoutine);
    assert_ptr_equal(plain->Tail.Overlay.DriverContext[3], &q.csq);
    assert_int_equal(context.Type, IO_TYPE_CSQ_IRP_CONTEXT);
    assert_ptr_equal(context.Irp, tracked);
    assert_ptr_equal(context.Csq, &q.csq);
    assert_ptr_equal(tracked->Tail.Overlay.DriverContext[3], &context);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    /* Drain: both come out in order, no longer cancelable. */
    assert_ptr_equal(IoCsqRemoveNextIrp(&q.csq, NULL), plain);
    assert_ptr_equal(IoCsqRemoveNextIrp(&q.csq, NULL), tracked);
    assert_null(IoCsqRemoveNextIrp(&q.csq, NULL));
    assert_null(plain->CancelRoutine);
    assert_null(tracked->Tail.Overlay.DriverContext[3]);
    assert_null(context.Irp);
    IoFreeIrp(plain);
    IoFreeIrp(tracked);
    assert_no_findings();
}

static void csq_remove_irp_by_context_returns_it_once_and_it_can_no_longer_be_cancelled(void **state)
{
    (void)state;
    cq_queue q;
    cq_init(&q, FALSE);
    qt_done done[2];
    PIRP a = cq_irp(&done[0], 0);
    PIRP b = cq_irp(&done[1], 0);
    IO_CSQ_IRP_CONTEXT ca, cb;
    IoCsqInsertIrp(&q.csq, a, &ca);
    IoCsqInsertIrp(&q.csq, b, &cb);
    assert_ptr_equal(IoCsqRemoveIrp(&q.csq, &cb), b);
    assert_null(IoCsqRemoveIrp(&q.csq, &cb));
    assert_null(b->CancelRoutine);
    /* Removed by the driver: a cancel now finds no routine and the queue is not involved. */
    assert_false(IoCancelIrp(b));
    assert_int_equal(q.completes, 0);
    assert_int_equal(done[1].count, 0);
    assert_int_equal(q.removes, 1);
    assert_ptr_equal(IoCsqRemoveIrp(&q.csq, &ca), a);
    assert_true(IsListEmpty(&q.list));
    IoFreeIrp(a);
    IoFreeIrp(b);
    assert_no_findings();
}

static void csq_remove_next_irp_passes_the_peek_context_and_the_previous_irp(void **state)
{
    (void)state;
    cq_queue q;
    cq_init(&q, FALSE);
    qt_done done[4];
    ULONG keys[4] = {1, 2, 1, 2};
    PIRP irps[4];
    for (int i = 0; i < 4; i++) {
        irps[i] = cq_irp(&done[i], keys[i]);
        IoCsqInsertIrp(&q.csq, irps[i], NULL);
    }
    assert_ptr_equal(IoCsqRemoveNextIrp(&q.csq, (PVOID)(ULONG_PTR)2), irps[1]);
    assert_int_equal(q.peeks, 1);
    assert_null(q.peek_previous[0]);
    assert_ptr_equal(IoCsqRemoveNextIrp(&q.csq, (PVOID)(ULONG_PTR)2), irps[3]);
    assert_null(IoCsqRemoveNextIrp(&q.csq, (PVOID)(ULONG_PTR)2));
    assert_ptr_equal(IoCsqRemoveNextIrp(&q.csq, (PVOID)(ULONG_PTR)1), irps[0]);
    assert_ptr_equal(IoCsqRemoveNextIrp(&q.csq, NULL), irps[2]);
    assert_true(IsListEmpty(&q.list));
    for (int i = 0; i < 4; i++)
        IoFreeIrp(irps[i]);
    assert_no_findings();
}

static void csq_remove_next_skips_an_irp_whose_cancellation_is_under_way(void **state)
{
    (void)state;
    cq_queue q;
    cq_init(&q, FALSE);
    qt_done done[2];
    PIRP first = cq_irp(&done[0], 0);
    PIRP second = cq_irp(&done[1], 0);
    IO_CSQ_IRP_CONTEXT context;
    IoCsqInsertIrp(&q.csq, first, &context);
    IoCsqInsertIrp(&q.csq, second, NULL);
    /* Another processor's IoCancelIrp has taken first's cancel routine and is about to run it. */
    KIRQL cancel_irql;
    IoAcquireCancelSpinLock(&cancel_irql);
    first->Cancel = TRUE;
    PDRIVER_CANCEL routine = IoSetCancelRoutine(first, NULL);
    assert_non_null(routine);
    IoReleaseCancelSpinLock(cancel_irql);
    assert_ptr_equal(IoCsqRemoveNextIrp(&q.csq, NULL), second);
    assert_int_equal(q.peeks, 2);
    assert_ptr_equal(q.peek_previous[1], first);
    assert_null(IoCsqRemoveIrp(&q.csq, &context)); /* it belongs to the cancellation now */
    /* The cancellation finishes: the queue's routine removes and completes it. */
    IoAcquireCancelSpinLock(&first->CancelIrql);
    routine(NULL, first);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    assert_int_equal(q.completes, 1);
    assert_status(STATUS_CANCELLED, done[0].status);
    assert_null(context.Irp);
    assert_true(IsListEmpty(&q.list));
    IoFreeIrp(first);
    IoFreeIrp(second);
    assert_no_findings();
}

static void csq_cancel_removes_and_completes_through_complete_canceled_irp(void **state)
{
    (void)state;
    cq_queue q;
    cq_init(&q, FALSE);
    qt_done done[2];
    PIRP a = cq_irp(&done[0], 0);
    PIRP b = cq_irp(&done[1], 0);
    IO_CSQ_IRP_CONTEXT ca;
    IoCsqInsertIrp(&q.csq, a, &ca);
    IoCsqInsertIrp(&q.csq, b, NULL);
    assert_true(IoCancelIrp(a));
    assert_int_equal(q.removes, 1);
    assert_int_equal(q.completes, 1);
    assert_int_equal(done[0].count, 1);
    assert_status(STATUS_CANCELLED, done[0].status);
    assert_null(ca.Irp);
    assert_null(a->Tail.Overlay.DriverContext[3]);
    assert_null(IoCsqRemoveIrp(&q.csq, &ca));
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    /* The other IRP is untouched and still comes out. */
    assert_ptr_equal(IoCsqRemoveNextIrp(&q.csq, NULL), b);
    assert_int_equal(done[1].count, 0);
    IoFreeIrp(a);
    IoFreeIrp(b);
    assert_no_findings();
}

static void csq_insert_of_a_cancelled_irp_completes_it_without_queueing(void **state)
{
    (void)state;
    cq_queue q;
    cq_init(&q, FALSE);
    qt_done done;
    PIRP irp = cq_irp(&done, 0);
    IO_CSQ_IRP_CONTEXT context;
    assert_false(IoCancelIrp(irp));
    IoCsqInsertIrp(&q.csq, irp, &context);
    assert_int_equal(q.inserts, 0);
    assert_int_equal(q.completes, 1);
    assert_status(STATUS_CANCELLED, done.status);
    assert_null(context.Irp);
    assert_null(irp->CancelRoutine);
    assert_null(IoCsqRemoveIrp(&q.csq, &context));
    assert_true(IsListEmpty(&q.list));
    IoFreeIrp(irp);
    assert_no_findings();
}

static void csq_insert_ex_returns_the_insert_status_and_passes_the_insert_context(void **state)
{
    (void)state;
    cq_queue q;
    cq_init(&q, TRUE);
    assert_int_equal(q.csq.Type, IO_TYPE_CSQ_EX);
    qt_done done[2];
    PIRP refused = cq_irp(&done[0], 0);
    PIRP accepted = cq_irp(&done[1], 0);
    IO_CSQ_IRP_CONTEXT context;
    int marker;
    q.insert_status = STATUS_DEVICE_BUSY;
    assert_status(STATUS_DEVICE_BUSY, IoCsqInsertIrpEx(&q.csq, refused, &context, &marker));
    assert_ptr_equal(q.insert_context_seen, &marker);
    assert_int_equal(q.inserts, 0);
    assert_null(refused->CancelRoutine);
    assert_null(refused->Tail.Overlay.DriverContext[3]);
    assert_false(IoGetCurrentIrpStackLocation(refused)->Control & SL_PENDING_RETURNED);
    assert_null(context.Irp);
    q.insert_status = STATUS_SUCCESS;
    assert_status(STATUS_SUCCESS, IoCsqInsertIrpEx(&q.csq, accepted, &context, NULL));
    assert_ptr_equal(context.Irp, accepted);
    assert_true(IoGetCurrentIrpStackLocation(accepted)->Control & SL_PENDING_RETURNED);
    /* IoCsqInsertIrp works on an Ex queue too. */
    qt_done more_done;
    PIRP more = cq_irp(&more_done, 0);
    IoCsqInsertIrp(&q.csq, more, NULL);
    assert_int_equal(q.inserts, 2);
    assert_true(IoCancelIrp(more));
    assert_status(STATUS_CANCELLED, more_done.status);
    assert_ptr_equal(IoCsqRemoveIrp(&q.csq, &context), accepted);
    IoFreeIrp(refused);
    IoFreeIrp(accepted);
    IoFreeIrp(more);
    assert_no_findings();
}

static void csq_misuse_is_reported(void **state)
{
    (void)state;
    cq_queue q;
    cq_init(&q, FALSE);
    qt_done done;
    PIRP irp = cq_irp(&done, 0);
    IoCsqInsertIrp(&q.csq, irp, NULL);
    IoCsqInsertIrp(&q.csq, irp, NULL);
    assert_non_null(ts_finding("CSQ_IRP_ALREADY_QUEUED"));
    assert_int_equal(q.inserts, 1);
    IO_CSQ_IRP_CONTEXT garbage;
    memset(&garbage, 0, sizeof(garbage));
    assert_null(IoCsqRemoveIrp(&q.csq, &garbage));
    assert_non_null(ts_finding("CSQ_BAD_IRP_CONTEXT"));
    IO_CSQ raw;
    memset(&raw, 0, sizeof(raw));
    assert_null(IoCsqRemoveNextIrp(&raw, NULL));
    assert_non_null(ts_finding("CSQ_NOT_INITIALIZED"));
    assert_ptr_equal(IoCsqRemoveNextIrp(&q.csq, NULL), irp);
    IoFreeIrp(irp);
}

/* ---- queue events ------------------------------------------------------------------------------ */

typedef struct qe_entry {
    ev_kind kind;
    PIRP irp;
    const void *queue;
    NTSTATUS status;
    const char *text;
} qe_entry;

static qe_entry qe_log[32];
static int qe_count;

static void qe_record(const ev_record *record, void *context)
{
    (void)context;
    if (record->kind != EV_DEVICE_QUEUE_INSERT && record->kind != EV_DEVICE_QUEUE_REMOVE &&
        record->kind != EV_IRP_QUEUED && record->kind != EV_IRP_DEQUEUED && record->kind != EV_START_IO &&
        record->kind != EV_IRP_CANCEL)
        return;
    if (qe_count < 32)
        qe_log[qe_count] = (qe_entry){record->kind, record->irp, record->queue, record->status, record->text};
    qe_count++;
}

static void qe_expect(int at, ev_kind kind, PIRP irp, const void *queue, NTSTATUS status, const char *text)
{
    assert_true(at < qe_count);
    assert_int_equal(qe_log[at].kind, kind);
    assert_ptr_equal(qe_log[at].irp, irp);
    assert_ptr_equal(qe_log[at].queue, queue);
    assert_status(status, qe_log[at].status);
    if (text != NULL)
        assert_string_equal(qe_log[at].text, text);
}

static void queue_operations_are_engine_events(void **state)
{
    (void)state;
    qe_count = 0;
    int id = ev_subscribe(qe_record, NULL);
    assert_true(id >= 0);

    /* StartIo: the first packet starts, the second is queued, cancelled and removed by the
     * driver's cancel routine; the third is queued and started next. */
    PDEVICE_OBJECT device = qt_device();
    PKDEVICE_QUEUE dq = &device->DeviceQueue;
    qt_done done[3];
    PIRP irps[3];
    for (int i = 0; i < 3; i++) {
        irps[i] = qt_irp(device, &done[i]);
        IoStartPacket(device, irps[i], NULL, qt_cancel);
    }
    assert_true(IoCancelIrp(irps[1]));
    qt_finish_current(device, TRUE);
    qt_finish_current(device, TRUE);
    int at = 0;
    qe_expect(at++, EV_START_IO, irps[0], NULL, STATUS_SUCCESS, NULL);
    qe_expect(at++, EV_DEVICE_QUEUE_INSERT, NULL, dq, STATUS_SUCCESS, "KeInsertDeviceQueue");
    qe_expect(at++, EV_IRP_QUEUED, irps[1], dq, STATUS_SUCCESS, "IoStartPacket");
    qe_expect(at++, EV_DEVICE_QUEUE_INSERT, NULL, dq, STATUS_SUCCESS, "KeInsertDeviceQueue");
    qe_expect(at++, EV_IRP_QUEUED, irps[2], dq, STATUS_SUCCESS, "IoStartPacket");
    assert_int_equal(qe_log[at].kind, EV_IRP_CANCEL);
    assert_ptr_equal(qe_log[at++].irp, irps[1]);
    /* the cancel routine's removal */
    qe_expect(at++, EV_DEVICE_QUEUE_REMOVE, NULL, dq, STATUS_SUCCESS, "KeRemoveEntryDeviceQueue");
    qe_expect(at++, EV_DEVICE_QUEUE_REMOVE, NULL, dq, STATUS_SUCCESS, "KeRemoveDeviceQueue");
    qe_expect(at++, EV_IRP_DEQUEUED, irps[2], dq, STATUS_SUCCESS, "IoStartNextPacket");
    qe_expect(at++, EV_START_IO, irps[2], NULL, STATUS_SUCCESS, NULL);
    assert_int_equal(qe_count, at);
    for (int i = 0; i < 3; i++)
        IoFreeIrp(irps[i]);

    /* Cancel-safe queue: insert two, cancel one, remove the other. */
    qe_count = 0;
    cq_queue q;
    cq_init(&q, FALSE);
    qt_done cdone[2];
    PIRP a = cq_irp(&cdone[0], 0);
    PIRP b = cq_irp(&cdone[1], 0);
    IoCsqInsertIrp(&q.csq, a, NULL);
    IoCsqInsertIrp(&q.csq, b, NULL);
    assert_true(IoCancelIrp(a));
    assert_ptr_equal(IoCsqRemoveNextIrp(&q.csq, NULL), b);
    ev_unsubscribe(id);
    at = 0;
    qe_expect(at++, EV_IRP_QUEUED, a, &q.csq, STATUS_SUCCESS, "IoCsqInsertIrp");
    qe_expect(at++, EV_IRP_QUEUED, b, &q.csq, STATUS_SUCCESS, "IoCsqInsertIrp");
    assert_int_equal(qe_log[at].kind, EV_IRP_CANCEL);
    assert_ptr_equal(qe_log[at++].irp, a);
    qe_expect(at++, EV_IRP_DEQUEUED, a, &q.csq, STATUS_CANCELLED, "IoCancelIrp");
    qe_expect(at++, EV_IRP_DEQUEUED, b, &q.csq, STATUS_SUCCESS, "IoCsqRemoveNextIrp");
    assert_int_equal(qe_count, at);
    IoFreeIrp(a);
    IoFreeIrp(b);
    assert_no_findings();
}

/* ---- remove locks ---------------------------------------------------------------------------- */

static void remove_lock_counts_acquisitions_and_releases(void **state)
{
    (void)state;
    IO_REMOVE_LOCK lock;
    IoInitializeRemoveLock(&lock, 'kcoR', 0, 0);
    assert_false(lock.Common.Removed);
    assert_int_equal(lock.Common.IoCount, 1);
    int a, b;
    assert_status(STATUS_SUCCESS, IoAcquireRemoveLock(&lock, &a));
    assert_status(STATUS_SUCCESS, IoAcquireRemoveLock(&lock, &b));
    assert_status(STATUS_SUCCESS, IoAcquireRemoveLock(&lock, &a));
    assert_int_equal(lock.Common.IoCount, 4);
    IoReleaseRemoveLock(&lock, &a);
    IoReleaseRemoveLock(&lock, &b);
    IoReleaseRemoveLock(&lock, &a);
    assert_int_equal(lock.Common.IoCount, 1);
    assert_int_equal(KeReadStateEvent(&lock.Common.RemoveEvent), 0);
    /* Remove with only the caller's acquisition outstanding: no wait. */
    assert_status(STATUS_SUCCESS, IoAcquireRemoveLock(&lock, NULL));
    IoReleaseRemoveLockAndWait(&lock, NULL);
    assert_true(lock.Common.Removed);
    assert_int_equal(lock.Common.IoCount, 0);
    assert_no_findings();
}

typedef struct rl_holder_ctx {
    PIO_REMOVE_LOCK lock;
    NTSTATUS acquired;
    BOOLEAN released;
    KEVENT never; /* for the holder that never lets go */
} rl_holder_ctx;

static VOID NTAPI rl_holder(PVOID Context)
{
    rl_holder_ctx *ctx = Context;
    ctx->acquired = IoAcquireRemoveLock(ctx->lock, ctx);
    LARGE_INTEGER delay = {.QuadPart = -10 * 1000 * 50}; /* 50 ms of virtual time */
    KeDelayExecutionThread(KernelMode, FALSE, &delay);
    ctx->released = TRUE;
    IoReleaseRemoveLock(ctx->lock, ctx);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static VOID NTAPI rl_stuck_holder(PVOID Context)
{
    rl_holder_ctx *ctx = Context;
    ctx->acquired = IoAcquireRemoveLock(ctx->lock, ctx);
    KeWaitForSingleObject(&ctx->never, Executive, KernelMode, FALSE, NULL);
}

static void remove_lock_wait_returns_only_after_a_system_thread_releases(void **state)
{
    (void)state;
    IO_REMOVE_LOCK lock;
    IoInitializeRemoveLock(&lock, 'kcoR', 0, 0);
    rl_holder_ctx ctx = {.lock = &lock, .acquired = STATUS_UNSUCCESSFUL};
    HANDLE handle;
    assert_status(STATUS_SUCCESS, PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, rl_holder, &ctx));
    ZwClose(handle);
    wdmemu_run_until_idle();
    assert_status(STATUS_SUCCESS, ctx.acquired);
    assert_false(ctx.released);
    assert_int_equal(lock.Common.IoCount, 2);
    ULONGLONG before = KeQueryInterruptTime();
    int tag;
    assert_status(STATUS_SUCCESS, IoAcquireRemoveLock(&lock, &tag));
    IoReleaseRemoveLockAndWait(&lock, &tag);
    assert_true(ctx.released);
    assert_true(KeQueryInterruptTime() - before >= 10 * 1000 * 50);
    assert_true(lock.Common.Removed);
    assert_int_equal(lock.Common.IoCount, 0);
    assert_no_findings();
}

static void remove_lock_acquire_after_removal_fails_with_delete_pending(void **state)
{
    (void)state;
    IO_REMOVE_LOCK lock;
    IoInitializeRemoveLock(&lock, 'kcoR', 0, 0);
    assert_status(STATUS_SUCCESS, IoAcquireRemoveLock(&lock, NULL));
    IoReleaseRemoveLockAndWait(&lock, NULL);
    assert_status(STATUS_DELETE_PENDING, IoAcquireRemoveLock(&lock, NULL));
    assert_int_equal(lock.Common.IoCount, 0);
    /* A holder whose acquisition comes after the removal fails the same way. */
    rl_holder_ctx ctx = {.lock = &lock, .acquired = STATUS_UNSUCCESSFUL};
    KeInitializeEvent(&ctx.never, NotificationEvent, FALSE);
    HANDLE handle;
    assert_status(STATUS_SUCCESS, PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, rl_stuck_holder,
                                                       &ctx));
    ZwClose(handle);
    wdmemu_run_until_idle();
    assert_status(STATUS_DELETE_PENDING, ctx.acquired);
    KeSetEvent(&ctx.never, IO_NO_INCREMENT, FALSE);
    wdmemu_run_until_idle();
    assert_no_findings();
}

static void remove_lock_wait_on_a_reference_never_released_is_a_deadlock(void **state)
{
    (void)state;
    IO_REMOVE_LOCK lock;
    IoInitializeRemoveLock(&lock, 'kcoR', 0, 0);
    rl_holder_ctx ctx = {.lock = &lock, .acquired = STATUS_UNSUCCESSFUL};
    KeInitializeEvent(&ctx.never, NotificationEvent, FALSE);
    HANDLE handle;
    assert_status(STATUS_SUCCESS, PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, rl_stuck_holder,
                                                       &ctx));
    ZwClose(handle);
    wdmemu_run_until_idle();
    assert_status(STATUS_SUCCESS, ctx.acquired);
    assert_status(STATUS_SUCCESS, IoAcquireRemoveLock(&lock, NULL));
    IoReleaseRemoveLockAndWait(&lock, NULL);
    assert_non_null(ts_finding("DEADLOCK"));
    assert_int_equal(lock.Common.IoCount, 1);
    /* teardown unwinds the stuck thread */
}

static void remove_lock_release_misuse_is_reported(void **state)
{
    (void)state;
    IO_REMOVE_LOCK lock;
    IoInitializeRemoveLock(&lock, 'kcoR', 0, 0);
    int a, b;
    /* Releasing what was never acquired: reported, ignored. */
    IoReleaseRemoveLock(&lock, &a);
    assert_non_null(ts_finding("REMOVE_LOCK_RELEASED_TOO_OFTEN"));
    assert_int_equal(lock.Common.IoCount, 1);
    /* Releasing with another tag than the acquisition's. */
    ts_findings_clear();
    assert_status(STATUS_SUCCESS, IoAcquireRemoveLock(&lock, &a));
    IoReleaseRemoveLock(&lock, &b);
    assert_non_null(ts_finding("REMOVE_LOCK_TAG_NOT_ACQUIRED"));
    assert_int_equal(lock.Common.IoCount, 1);
    /* The wrong size (a lock from another layout). */
    ts_findings_clear();
    assert_status(STATUS_SUCCESS, IoAcquireRemoveLockEx(&lock, &a, __FILE__, __LINE__, sizeof(IO_REMOVE_LOCK) + 8));
    assert_non_null(ts_finding("REMOVE_LOCK_BAD_SIZE"));
    IoReleaseRemoveLock(&lock, &a);
    /* Going over the high watermark. */
    ts_findings_clear();
    IoInitializeRemoveLock(&lock, 'kcoR', 0, 2);
    for (int i = 0; i < 3; i++)
        IoAcquireRemoveLock(&lock, &a);
    assert_int_equal(ts_count_findings("REMOVE_LOCK_HIGH_WATERMARK"), 1);
    for (int i = 0; i < 3; i++)
        IoReleaseRemoveLock(&lock, &a);
    assert_int_equal(lock.Common.IoCount, 1);
}

static void remove_lock_wait_misuse_is_reported(void **state)
{
    (void)state;
    /* Where the WDK says the lock lives: in the device extension. */
    PDEVICE_OBJECT device = NULL;
    assert_status(STATUS_SUCCESS, IoCreateDevice(qt_driver, sizeof(IO_REMOVE_LOCK), NULL, FILE_DEVICE_UNKNOWN, 0,
                                                 FALSE, &device));
    PIO_REMOVE_LOCK lock = device->DeviceExtension;
    /* A lock nobody initialised (the extension is zeroed). */
    assert_status(STATUS_SUCCESS, IoAcquireRemoveLock(lock, NULL));
    assert_non_null(ts_finding("REMOVE_LOCK_NOT_INITIALIZED"));
    assert_int_equal(lock->Common.IoCount, 2);
    IoReleaseRemoveLock(lock, NULL);
    assert_int_equal(lock->Common.IoCount, 1);
    /* Waiting without the caller's own acquisition. */
    ts_findings_clear();
    IoInitializeRemoveLock(lock, 'kcoR', 0, 0);
    assert_int_equal(wdmemu_finding_count(), 0);
    IoReleaseRemoveLockAndWait(lock, NULL);
    assert_non_null(ts_finding("REMOVE_LOCK_WAIT_WITHOUT_ACQUIRE"));
    assert_true(lock->Common.Removed);
    assert_int_equal(lock->Common.IoCount, 0);
    /* Twice. */
    ts_findings_clear();
    IoReleaseRemoveLockAndWait(lock, NULL);
    assert_non_null(ts_finding("REMOVE_LOCK_WAIT_TWICE"));
    assert_int_equal(lock->Common.IoCount, 0);
    /* Initialised again after the wait (a Driver Verifier bug check). */
    ts_findings_clear();
    IoInitializeRemoveLock(lock, 'kcoR', 0, 0);
    assert_non_null(ts_finding("REMOVE_LOCK_REINITIALIZED"));
    assert_int_equal(lock->Common.IoCount, 1);
    /* A new device's lock, even at a reused address, starts clean. */
    IoDeleteDevice(device);
    ts_findings_clear();
    assert_status(STATUS_SUCCESS, IoCreateDevice(qt_driver, sizeof(IO_REMOVE_LOCK), NULL, FILE_DEVICE_UNKNOWN, 0,
                                                 FALSE, &device));
    lock = device->DeviceExtension;
    IoInitializeRemoveLock(lock, 'kcoR', 0, 0);
    assert_status(STATUS_SUCCESS, IoAcquireRemoveLock(lock, NULL));
    IoReleaseRemoveLockAndWait(lock, NULL);
    assert_no_findings();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ts_test(device_queue_insert_into_idle_queue_makes_it_busy_without_queueing),
        ts_test(device_queue_busy_queue_appends_and_removes_in_order),
        ts_test(device_queue_insert_by_key_sorts_after_equal_keys),
        ts_test(device_queue_remove_by_key_takes_first_key_at_or_above_and_wraps),
        ts_test(device_queue_remove_by_key_if_busy_leaves_an_idle_queue_alone),
        ts_test(device_queue_remove_entry_tells_whether_it_was_queued),
        ts_test(device_queue_misuse_is_reported),
        qt_test(start_packet_on_idle_device_calls_start_io_at_dispatch_level),
        qt_test(queue_operations_are_engine_events),
        qt_test(start_packet_on_busy_device_queues_and_start_next_packet_starts_in_order),
        qt_test(start_packet_with_key_and_start_next_packet_by_key),
        qt_test(cancel_of_queued_irp_runs_cancel_function_which_dequeues_it),
        qt_test(cancel_of_current_irp_is_left_to_the_start_io_path),
        qt_test(start_packet_of_an_already_cancelled_irp_calls_the_cancel_function),
        qt_test(queued_irp_cancelled_without_a_cancel_routine_reaches_start_io),
        qt_test(noncancelable_start_io_attribute_clears_the_cancel_routine),
        qt_test(start_io_calling_start_next_packet_recurses_and_is_reported),
        qt_test(deferred_start_io_runs_the_next_packet_after_the_current_one_returns),
        qt_test(deferred_start_io_from_start_packet_also_drains_in_order),
        qt_test(start_next_packet_misuse_is_reported),
        qt_test(start_packet_without_a_start_io_routine_is_reported),
        qt_test(start_io_attributes_belong_to_the_device_not_its_address),
        ts_test(csq_insert_queues_the_irp_pending_and_cancelable),
        ts_test(csq_remove_irp_by_context_returns_it_once_and_it_can_no_longer_be_cancelled),
        ts_test(csq_remove_next_irp_passes_the_peek_context_and_the_previous_irp),
        ts_test(csq_remove_next_skips_an_irp_whose_cancellation_is_under_way),
        ts_test(csq_cancel_removes_and_completes_through_complete_canceled_irp),
        ts_test(csq_insert_of_a_cancelled_irp_completes_it_without_queueing),
        ts_test(csq_insert_ex_returns_the_insert_status_and_passes_the_insert_context),
        ts_test(csq_misuse_is_reported),
        ts_test(remove_lock_counts_acquisitions_and_releases),
        ts_test(remove_lock_wait_returns_only_after_a_system_thread_releases),
        ts_test(remove_lock_acquire_after_removal_fails_with_delete_pending),
        ts_test(remove_lock_wait_on_a_reference_never_released_is_a_deadlock),
        ts_test(remove_lock_release_misuse_is_reported),
        qt_test(remove_lock_wait_misuse_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
