/* The IRP life cycle: allocation layouts, stack-location helpers, IoCallDriver and the
 * IoCompleteRequest walk through a two-level stack (lower completes at once or pends and
 * completes from a DPC; upper skips, forwards synchronously or asynchronously), completion
 * routine selection per level, pending propagation, STATUS_MORE_PROCESSING_REQUIRED, requests
 * built with IoBuild*Request, associated IRPs, and the driver bugs the engine reports. */
#include "test_support.h"

/* ---- a two-driver stack linked into the test ---------------------------------------------- */

enum lower_mode { LOWER_COMPLETE, LOWER_PEND_DPC, LOWER_PEND_NO_MARK, LOWER_MARK_NO_PEND };
enum upper_mode { UPPER_SKIP, UPPER_SYNC_FORWARD, UPPER_ASYNC_FORWARD, UPPER_ASYNC_FORGETS_MARK };

static enum lower_mode lower_mode;
static enum upper_mode upper_mode;
static NTSTATUS lower_status;
static ULONG_PTR lower_information;
static PDRIVER_OBJECT lower_driver, upper_driver;
static PDEVICE_OBJECT lower_device, upper_device, below_upper;
static KDPC lower_dpc;
static PIRP lower_pending;

typedef struct seen {
    int calls;
    BOOLEAN pending_returned;
    CHAR location;
    PDEVICE_OBJECT device;
    NTSTATUS status;
} seen;
static seen upper_seen, creator_seen;
static NTSTATUS upper_replaces_status; /* when nonzero, upper_async_done sets this status */

static VOID NTAPI lower_complete_dpc(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2)
{
    (void)Dpc;
    (void)Context;
    (void)A1;
    (void)A2;
    PIRP irp = lower_pending;
    lower_pending = NULL;
    irp->IoStatus.Status = lower_status;
    irp->IoStatus.Information = lower_information;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
}

static NTSTATUS NTAPI lower_dispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    if (stack->MajorFunction == IRP_MJ_DEVICE_CONTROL &&
        METHOD_FROM_CTL_CODE(stack->Parameters.DeviceIoControl.IoControlCode) == METHOD_BUFFERED &&
        stack->Parameters.DeviceIoControl.OutputBufferLength >= 4) {
        memcpy(Irp->AssociatedIrp.SystemBuffer, "OUT!", 4);
    }
    switch (lower_mode) {
    case LOWER_COMPLETE:
        Irp->IoStatus.Status = lower_status;
        Irp->IoStatus.Information = lower_information;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return lower_status;
    case LOWER_PEND_DPC:
        IoMarkIrpPending(Irp);
        lower_pending = Irp;
        KeInsertQueueDpc(&lower_dpc, NULL, NULL);
        return STATUS_PENDING;
    case LOWER_PEND_NO_MARK:
        lower_pending = Irp;
        KeInsertQueueDpc(&lower_dpc, NULL, NULL);
        return STATUS_PENDING;
    case LOWER_MARK_NO_PEND:
        IoMarkIrpPending(Irp);
        Irp->IoStatus.Status = STATUS_SUCCESS;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return STATUS_SUCCESS;
    }
    return STATUS_UNSUCCESSFUL;
}

static NTSTATUS NTAPI upper_sync_done(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    upper_seen.calls++;
    upper_seen.pending_returned = Irp->PendingReturned;
    upper_seen.location = Irp->CurrentLocation;
    upper_seen.device = DeviceObject;
    upper_seen.status = Irp->IoStatus.Status;
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static NTSTATUS NTAPI upper_async_done(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    (void)Context;
    upper_seen.calls++;
    upper_seen.pending_returned = Irp->PendingReturned;
    upper_seen.location = Irp->CurrentLocation;
    upper_seen.device = DeviceObject;
    upper_seen.status = Irp->IoStatus.Status;
    if (upper_replaces_status != 0)
        Irp->IoStatus.Status = upper_replaces_status;
    if (Irp->PendingReturned && upper_mode != UPPER_ASYNC_FORGETS_MARK)
        IoMarkIrpPending(Irp);
    return STATUS_CONTINUE_COMPLETION;
}

static NTSTATUS NTAPI upper_dispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    switch (upper_mode) {
    case UPPER_SKIP:
        IoSkipCurrentIrpStackLocation(Irp);
        return IoCallDriver(below_upper, Irp);
    case UPPER_SYNC_FORWARD: {
        KEVENT event;
        KeInitializeEvent(&event, NotificationEvent, FALSE);
        IoCopyCurrentIrpStackLocationToNext(Irp);
        IoSetCompletionRoutine(Irp, upper_sync_done, &event, TRUE, TRUE, TRUE);
        NTSTATUS status = IoCallDriver(below_upper, Irp);
        if (status == STATUS_PENDING) {
            KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
            status = Irp->IoStatus.Status;
        }
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return status;
    }
    default:
        IoCopyCurrentIrpStackLocationToNext(Irp);
        IoSetCompletionRoutine(Irp, upper_async_done, NULL, TRUE, TRUE, TRUE);
        return IoCallDriver(below_upper, Irp);
    }
}

static VOID NTAPI stack_unload(PDRIVER_OBJECT DriverObject)
{
    (void)DriverObject;
}

static NTSTATUS NTAPI lower_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\IrpLower");
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = lower_dispatch;
    DriverObject->DriverUnload = stack_unload;
    lower_driver = DriverObject;
    KeInitializeDpc(&lower_dpc, lower_complete_dpc, NULL);
    return IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &lower_device);
}

static NTSTATUS NTAPI upper_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = upper_dispatch;
    DriverObject->DriverUnload = stack_unload;
    upper_driver = DriverObject;
    NTSTATUS status = IoCreateDevice(DriverObject, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &upper_device);
    if (!NT_SUCCESS(status))
        return status;
    below_upper = IoAttachDeviceToDeviceStack(upper_device, lower_device);
    upper_device->Flags &= ~DO_DEVICE_INITIALIZING;
    return below_upper != NULL ? STATUS_SUCCESS : STATUS_NO_SUCH_DEVICE;
}

static wdmemu_driver *lower_handle, *upper_handle;

static int irp_setup(void **state)
{
    ts_setup(state);
    lower_mode = LOWER_COMPLETE;
    upper_mode = UPPER_SKIP;
    lower_status = STATUS_SUCCESS;
    lower_information = 0;
    upper_replaces_status = 0;
    memset(&upper_seen, 0, sizeof(upper_seen));
    memset(&creator_seen, 0, sizeof(creator_seen));
    if (!NT_SUCCESS(wdmemu_driver_load_entry(lower_entry, "irplower", &lower_handle)))
        return -1;
    return NT_SUCCESS(wdmemu_driver_load_entry(upper_entry, "irpupper", &upper_handle)) ? 0 : -1;
}

#define irp_test(f) cmocka_unit_test_setup_teardown(f, irp_setup, ts_teardown)

/* The creator's completion routine (top level): sees DeviceObject NULL. */
static NTSTATUS NTAPI creator_done(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    creator_seen.calls++;
    creator_seen.pending_returned = Irp->PendingReturned;
    creator_seen.location = Irp->CurrentLocation;
    creator_seen.device = DeviceObject;
    creator_seen.status = Irp->IoStatus.Status;
    if (Context != NULL)
        KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* Sends a create-less device control down the stack from a driver-allocated IRP. */
static NTSTATUS send(PIRP *out, PKEVENT done)
{
    PIRP irp = IoAllocateIrp(upper_device->StackSize, FALSE);
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(irp);
    next->MajorFunction = IRP_MJ_DEVICE_CONTROL;
    next->Parameters.DeviceIoControl.IoControlCode = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_NEITHER, FILE_ANY_ACCESS);
    IoSetCompletionRoutine(irp, creator_done, done, TRUE, TRUE, TRUE);
    *out = irp;
    return IoCallDriver(upper_device, irp);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void allocated_irp_has_windows_layout(void **state)
{
    (void)state;
    PIRP irp = IoAllocateIrp(3, FALSE);
    assert_int_equal(irp->Type, IO_TYPE_IRP);
    assert_int_equal(irp->Size, IoSizeOfIrp(3));
    assert_int_equal(irp->StackCount, 3);
    assert_int_equal(irp->CurrentLocation, 4);
    assert_ptr_equal(irp->Tail.Overlay.CurrentStackLocation, (PIO_STACK_LOCATION)(irp + 1) + 3);
    assert_ptr_equal(IoGetNextIrpStackLocation(irp), (PIO_STACK_LOCATION)(irp + 1) + 2);
    assert_true(IsListEmpty(&irp->ThreadListEntry));
    assert_int_equal(irp->AllocationFlags, IRP_ALLOCATED_FIXED_SIZE);
    IoFreeIrp(irp);
    irp = IoAllocateIrp(1, TRUE);
    assert_int_equal(irp->AllocationFlags, IRP_ALLOCATED_FIXED_SIZE | IRP_LOOKASIDE_ALLOCATION);
    irp->IoStatus.Information = 9;
    IoReuseIrp(irp, STATUS_CANCELLED);
    assert_int_equal(irp->AllocationFlags, IRP_ALLOCATED_FIXED_SIZE | IRP_LOOKASIDE_ALLOCATION);
    assert_int_equal(irp->IoStatus.Status, STATUS_CANCELLED);
    assert_int_equal(irp->IoStatus.Information, 0);
    IoFreeIrp(irp);
    /* IoInitializeIrp on caller memory gives the same layout. */
    union {
        IRP irp;
        char bytes[sizeof(IRP) + 2 * sizeof(IO_STACK_LOCATION)];
    } mine;
    IoInitializeIrp(&mine.irp, IoSizeOfIrp(2), 2);
    assert_int_equal(mine.irp.CurrentLocation, 3);
    assert_int_equal(mine.irp.AllocationFlags, 0);
    assert_no_findings();
}

/* IRPs leave the quarantine for a free list and come back looking newly allocated: no stale
 * stack locations, flags, cancel state or pending marks from their previous life. */
static void recycled_irps_are_as_new(void **state)
{
    (void)state;
    for (int round = 0; round < 300; round++) {
        PIRP irp = IoAllocateIrp(2, FALSE);
        assert_non_null(irp);
        assert_int_equal(irp->Type, IO_TYPE_IRP);
        assert_int_equal(irp->CurrentLocation, 3);
        assert_int_equal(irp->AllocationFlags, IRP_ALLOCATED_FIXED_SIZE);
        assert_false(irp->Cancel);
        assert_false(irp->PendingReturned);
        assert_null(irp->CancelRoutine);
        assert_null(irp->MdlAddress);
        PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(irp);
        assert_int_equal(next->MajorFunction, 0);
        assert_int_equal(next->Control, 0);
        assert_null(next->CompletionRoutine);
        assert_null(next->Parameters.Others.Argument1);
        /* Leave traces for the next life of this block. */
        next->MajorFunction = IRP_MJ_DEVICE_CONTROL;
        next->Parameters.Others.Argument1 = irp;
        next->Control = SL_PENDING_RETURNED;
        IoSetCompletionRoutine(irp, creator_done, NULL, TRUE, TRUE, TRUE);
        irp->Cancel = TRUE;
        irp->PendingReturned = TRUE;
        irp->IoStatus.Status = STATUS_CANCELLED;
        IoFreeIrp(irp);
    }
    assert_no_findings();
}

static void copy_to_next_copies_parameters_but_not_completion(void **state)
{
    (void)state;
    PIRP irp = IoAllocateIrp(2, FALSE);
    IoSetNextIrpStackLocation(irp);
    PIO_STACK_LOCATION current = IoGetCurrentIrpStackLocation(irp);
    current->MajorFunction = IRP_MJ_READ;
    current->Parameters.Read.Length = 77;
    current->Control = SL_PENDING_RETURNED | SL_INVOKE_ON_SUCCESS;
    current->CompletionRoutine = creator_done;
    IoCopyCurrentIrpStackLocationToNext(irp);
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(irp);
    assert_int_equal(next->MajorFunction, IRP_MJ_READ);
    assert_int_equal(next->Parameters.Read.Length, 77);
    assert_int_equal(next->Control, 0);
    assert_null(next->CompletionRoutine);
    IoSetCompletionRoutine(irp, creator_done, (PVOID)1, TRUE, FALSE, TRUE);
    assert_int_equal(next->Control, SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_CANCEL);
    assert_ptr_equal(next->Context, (PVOID)1);
    IoSkipCurrentIrpStackLocation(irp);
    assert_int_equal(irp->CurrentLocation, 3);
    IoFreeIrp(irp);
}

static void skip_forwarding_completes_synchronously(void **state)
{
    (void)state;
    PIRP irp;
    lower_status = STATUS_SUCCESS;
    assert_status(STATUS_SUCCESS, send(&irp, NULL));
    assert_int_equal(creator_seen.calls, 1);
    assert_null(creator_seen.device); /* set by the IRP's creator: no device at the top */
    assert_false(creator_seen.pending_returned);
    assert_int_equal(creator_seen.location, irp->StackCount + 1);
    IoFreeIrp(irp);
    assert_no_findings();
}

static void skip_forwarding_with_a_pending_lower_driver(void **state)
{
    (void)state;
    PIRP irp;
    KEVENT done;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    lower_mode = LOWER_PEND_DPC;
    lower_status = STATUS_SUCCESS;
    assert_status(STATUS_PENDING, send(&irp, &done));
    assert_int_equal(creator_seen.calls, 0); /* nothing completes before a scheduling point */
    assert_status(STATUS_SUCCESS, KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL));
    assert_int_equal(creator_seen.calls, 1);
    /* The lower driver marked the shared location pending: the creator sees PendingReturned. */
    assert_true(creator_seen.pending_returned);
    IoFreeIrp(irp);
    assert_no_findings();
}

static void synchronous_forwarding_waits_and_completes_again(void **state)
{
    (void)state;
    for (int pend = 0; pend < 2; pend++) {
        PIRP irp;
        memset(&upper_seen, 0, sizeof(upper_seen));
        memset(&creator_seen, 0, sizeof(creator_seen));
        upper_mode = UPPER_SYNC_FORWARD;
        lower_mode = pend ? LOWER_PEND_DPC : LOWER_COMPLETE;
        lower_status = STATUS_BUFFER_OVERFLOW;
        assert_status(STATUS_BUFFER_OVERFLOW, send(&irp, NULL));
        assert_int_equal(upper_seen.calls, 1);
        assert_int_equal(upper_seen.pending_returned, pend ? TRUE : FALSE);
        assert_ptr_equal(upper_seen.device, upper_device); /* the registering level's device */
        assert_int_equal(upper_seen.location, irp->StackCount);
        assert_status(STATUS_BUFFER_OVERFLOW, upper_seen.status);
        assert_int_equal(creator_seen.calls, 1); /* the second IoCompleteRequest reached the top */
        assert_false(creator_seen.pending_returned); /* the upper driver did not pend */
        IoFreeIrp(irp);
    }
    assert_no_findings();
}

static void asynchronous_forwarding_re_marks_pending(void **state)
{
    (void)state;
    PIRP irp;
    KEVENT done;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    upper_mode = UPPER_ASYNC_FORWARD;
    lower_mode = LOWER_PEND_DPC;
    lower_status = STATUS_SUCCESS;
    assert_status(STATUS_PENDING, send(&irp, &done));
    KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
    assert_int_equal(upper_seen.calls, 1);
    assert_true(upper_seen.pending_returned);
    assert_true(creator_seen.pending_returned);
    IoFreeIrp(irp);
    assert_no_findings();
}

static void completion_routine_that_forgets_to_re_mark_is_reported(void **state)
{
    (void)state;
    PIRP irp;
    KEVENT done;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    upper_mode = UPPER_ASYNC_FORGETS_MARK;
    lower_mode = LOWER_PEND_DPC;
    assert_status(STATUS_PENDING, send(&irp, &done));
    KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
    assert_non_null(ts_finding("PENDING_WITHOUT_MARK"));
    IoFreeIrp(irp);
}

static void status_is_re_evaluated_at_every_level(void **state)
{
    (void)state;
    /* Lower fails; the upper (async forwarder) registered for success and error sees the
     * error; the creator registered for success only is not called. */
    upper_mode = UPPER_ASYNC_FORWARD;
    lower_status = STATUS_DEVICE_NOT_READY;
    PIRP irp = IoAllocateIrp(upper_device->StackSize, FALSE);
    IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_FLUSH_BUFFERS;
    IoSetCompletionRoutine(irp, creator_done, NULL, TRUE, FALSE, FALSE);
    assert_status(STATUS_DEVICE_NOT_READY, IoCallDriver(upper_device, irp));
    assert_int_equal(upper_seen.calls, 1);
    assert_status(STATUS_DEVICE_NOT_READY, upper_seen.status);
    assert_int_equal(creator_seen.calls, 0);
    /* The walk ran to the top with no owner: reported, and the IRP freed by wdmemu. */
    assert_non_null(ts_finding("IRP_COMPLETED_WITHOUT_OWNER"));
}

/* Completion bookkeeping as Windows leaves it: the first level that sees a failure is flagged
 * SL_ERROR_RETURNED and the bottom location keeps the error in Argument4; finished locations
 * lose their minor code, flags, first three parameter words and file object, but keep their
 * completion routine. */
static void failed_levels_are_flagged_and_locations_cleared(void **state)
{
    (void)state;
    upper_mode = UPPER_ASYNC_FORWARD;
    lower_status = STATUS_DEVICE_NOT_READY;
    PIRP irp = IoAllocateIrp(upper_device->StackSize, FALSE);
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(irp);
    next->MajorFunction = IRP_MJ_DEVICE_CONTROL;
    next->MinorFunction = 7;
    next->Parameters.DeviceIoControl.OutputBufferLength = 16;
    next->Parameters.DeviceIoControl.IoControlCode = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_NEITHER, FILE_ANY_ACCESS);
    IoSetCompletionRoutine(irp, creator_done, NULL, TRUE, TRUE, TRUE);
    assert_status(STATUS_DEVICE_NOT_READY, IoCallDriver(upper_device, irp));
    assert_int_equal(creator_seen.calls, 1);
    PIO_STACK_LOCATION bottom = (PIO_STACK_LOCATION)(irp + 1);
    PIO_STACK_LOCATION top = bottom + 1;
    assert_int_equal(bottom->Control, SL_ERROR_RETURNED);
    assert_int_equal((NTSTATUS)(ULONG)(ULONG_PTR)bottom->Parameters.Others.Argument4, STATUS_DEVICE_NOT_READY);
    assert_int_equal(top->Control, 0);
    assert_int_equal(top->MinorFunction, 0);
    assert_int_equal(top->MajorFunction, IRP_MJ_DEVICE_CONTROL);
    assert_null(top->Parameters.Others.Argument1);
    assert_null(top->Parameters.Others.Argument3);
    assert_ptr_equal(top->CompletionRoutine, creator_done);
    assert_ptr_equal(bottom->CompletionRoutine, upper_async_done);
    IoFreeIrp(irp);

    /* A different error set by a completion routine flags the level above it too, and the
     * bottom location records the newer error. */
    memset(&creator_seen, 0, sizeof(creator_seen));
    upper_replaces_status = STATUS_IO_DEVICE_ERROR;
    irp = IoAllocateIrp(upper_device->StackSize, FALSE);
    IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_FLUSH_BUFFERS;
    IoSetCompletionRoutine(irp, creator_done, NULL, TRUE, TRUE, TRUE);
    assert_status(STATUS_DEVICE_NOT_READY, IoCallDriver(upper_device, irp));
    assert_status(STATUS_IO_DEVICE_ERROR, creator_seen.status);
    bottom = (PIO_STACK_LOCATION)(irp + 1);
    assert_int_equal(bottom->Control, SL_ERROR_RETURNED);
    assert_int_equal(bottom[1].Control, SL_ERROR_RETURNED);
    assert_int_equal((NTSTATUS)(ULONG)(ULONG_PTR)bottom->Parameters.Others.Argument4, STATUS_IO_DEVICE_ERROR);
    IoFreeIrp(irp);
    upper_replaces_status = 0;

    /* A successful request leaves no error bookkeeping. */
    memset(&creator_seen, 0, sizeof(creator_seen));
    lower_status = STATUS_SUCCESS;
    irp = IoAllocateIrp(upper_device->StackSize, FALSE);
    IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_FLUSH_BUFFERS;
    IoSetCompletionRoutine(irp, creator_done, NULL, TRUE, TRUE, TRUE);
    assert_status(STATUS_SUCCESS, IoCallDriver(upper_device, irp));
    bottom = (PIO_STACK_LOCATION)(irp + 1);
    assert_int_equal(bottom->Control, 0);
    assert_null(bottom->Parameters.Others.Argument4);
    IoFreeIrp(irp);
    assert_no_findings();
}

static void pending_returned_without_mark_is_reported(void **state)
{
    (void)state;
    PIRP irp;
    KEVENT done;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    lower_mode = LOWER_PEND_NO_MARK;
    assert_status(STATUS_PENDING, send(&irp, &done));
    KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
    const wdmemu_finding *f = ts_finding("PENDING_WITHOUT_MARK");
    assert_non_null(f);
    assert_string_equal(f->device, "\\Device\\IrpLower");
    IoFreeIrp(irp);
}

static void marking_pending_but_returning_success_is_reported(void **state)
{
    (void)state;
    PIRP irp;
    lower_mode = LOWER_MARK_NO_PEND;
    assert_status(STATUS_SUCCESS, send(&irp, NULL));
    assert_non_null(ts_finding("MARKED_PENDING_NOT_RETURNED"));
    IoFreeIrp(irp);
}

static void completing_twice_and_late_cancel_are_reported(void **state)
{
    (void)state;
    PIRP irp;
    assert_status(STATUS_SUCCESS, send(&irp, NULL));
    IoFreeIrp(irp);
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    assert_non_null(ts_finding("MULTIPLE_IRP_COMPLETE_REQUESTS"));
    IoCancelIrp(irp);
    assert_non_null(ts_finding("CANCEL_STATE_IN_COMPLETED_IRP"));
    IoFreeIrp(irp);
    assert_non_null(ts_finding("FREE_IRP_TWICE"));
    assert_status(STATUS_INVALID_PARAMETER, IoCallDriver(upper_device, irp));
    assert_non_null(ts_finding("CALL_DRIVER_BAD_IRP"));
}

static void completing_with_pending_status_or_cancel_routine_is_reported(void **state)
{
    (void)state;
    PIRP irp = IoAllocateIrp(1, FALSE);
    IoSetCompletionRoutine(irp, creator_done, NULL, TRUE, TRUE, TRUE);
    IoSetNextIrpStackLocation(irp);
    irp->IoStatus.Status = STATUS_PENDING;
    IoSetCancelRoutine(irp, (PDRIVER_CANCEL)(ULONG_PTR)stack_unload);
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    assert_non_null(ts_finding("COMPLETE_WITH_PENDING"));
    assert_non_null(ts_finding("COMPLETE_WITH_CANCEL_ROUTINE"));
    IoFreeIrp(irp);
}

static void running_out_of_stack_locations_is_reported(void **state)
{
    (void)state;
    upper_mode = UPPER_ASYNC_FORWARD; /* copies its location: the stack needs two */
    PIRP irp = IoAllocateIrp(1, FALSE);
    IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_FLUSH_BUFFERS;
    assert_status(STATUS_INVALID_PARAMETER, IoCallDriver(upper_device, irp));
    assert_non_null(ts_finding("NO_MORE_IRP_STACK_LOCATIONS"));
    assert_status(STATUS_INVALID_PARAMETER, IoCallDriver(NULL, irp));
    assert_non_null(ts_finding("CALL_DRIVER_BAD_DEVICE"));
    /* The upper driver never completed the IRP it could not forward (Windows would have
     * stopped at the bug check): it is still in flight, so freeing it is refused. */
    IoFreeIrp(irp);
    assert_non_null(ts_finding("FREE_IRP_IN_FLIGHT"));
}

static void freeing_an_irp_in_flight_is_reported(void **state)
{
    (void)state;
    PIRP irp;
    KEVENT done;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    lower_mode = LOWER_PEND_DPC;
    assert_status(STATUS_PENDING, send(&irp, &done));
    IoFreeIrp(irp);
    assert_non_null(ts_finding("FREE_IRP_IN_FLIGHT"));
    KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
    IoFreeIrp(irp);
}

static void built_buffered_ioctl_copies_back_and_signals(void **state)
{
    (void)state;
    char in[8] = "input!!", out[8] = "xxxxxxx";
    IO_STATUS_BLOCK iosb = {.Information = 12345};
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    lower_status = STATUS_SUCCESS;
    lower_information = 4;
    ULONG code = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS);
    PIRP irp = IoBuildDeviceIoControlRequest(code, upper_device, in, sizeof(in), out, sizeof(out), FALSE, &event, &iosb);
    assert_non_null(irp);
    assert_true(irp->Flags & IRP_BUFFERED_IO);
    assert_true(irp->Flags & IRP_INPUT_OPERATION);
    assert_memory_equal(irp->AssociatedIrp.SystemBuffer, in, sizeof(in));
    assert_int_equal(irp->RequestorMode, KernelMode);
    assert_status(STATUS_SUCCESS, IoCallDriver(upper_device, irp));
    assert_memory_equal(out, "OUT!xxx", 8); /* Information bytes copied back */
    assert_status(STATUS_SUCCESS, iosb.Status);
    assert_int_equal(iosb.Information, 4);
    assert_int_equal(KeReadStateEvent(&event), 1);
    assert_no_findings();
}

static void built_ioctl_failing_synchronously_leaves_iosb_and_event(void **state)
{
    (void)state;
    char out[8] = "xxxxxxx";
    IO_STATUS_BLOCK iosb = {.Information = 12345};
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    lower_status = STATUS_INVALID_DEVICE_REQUEST;
    lower_information = 4;
    ULONG code = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS);
    PIRP irp = IoBuildDeviceIoControlRequest(code, upper_device, NULL, 0, out, sizeof(out), FALSE, &event, &iosb);
    assert_status(STATUS_INVALID_DEVICE_REQUEST, IoCallDriver(upper_device, irp));
    assert_memory_equal(out, "xxxxxxx", 8); /* no copy back on error */
    assert_int_equal(iosb.Information, 12345);
    assert_int_equal(KeReadStateEvent(&event), 0);
    /* The same failure after pending does write the IOSB and set the event. */
    lower_mode = LOWER_PEND_DPC;
    irp = IoBuildDeviceIoControlRequest(code, upper_device, NULL, 0, out, sizeof(out), FALSE, &event, &iosb);
    assert_status(STATUS_PENDING, IoCallDriver(upper_device, irp));
    assert_status(STATUS_SUCCESS, KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL));
    assert_status(STATUS_INVALID_DEVICE_REQUEST, iosb.Status);
    assert_memory_equal(out, "xxxxxxx", 8);
    assert_no_findings();
}

static void information_larger_than_output_is_reported(void **state)
{
    (void)state;
    char out[4];
    IO_STATUS_BLOCK iosb;
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    lower_information = 64;
    ULONG code = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS);
    PIRP irp = IoBuildDeviceIoControlRequest(code, upper_device, NULL, 0, out, sizeof(out), FALSE, &event, &iosb);
    IoCallDriver(upper_device, irp);
    assert_non_null(ts_finding("IO_STATUS_INFORMATION_TOO_LARGE"));
}

static int master_done;
static NTSTATUS NTAPI master_completion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    (void)DeviceObject;
    (void)Irp;
    (void)Context;
    master_done++;
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static void associated_irps_complete_their_master(void **state)
{
    (void)state;
    PIRP master = IoAllocateIrp(1, FALSE);
    IoSetCompletionRoutine(master, master_completion, NULL, TRUE, TRUE, TRUE);
    IoSetNextIrpStackLocation(master);
    master_done = 0;
    master->AssociatedIrp.IrpCount = 2;
    for (int i = 0; i < 2; i++) {
        PIRP child = IoMakeAssociatedIrp(master, lower_device->StackSize);
        assert_true(child->Flags & IRP_ASSOCIATED_IRP);
        assert_ptr_equal(child->AssociatedIrp.MasterIrp, master);
        IoGetNextIrpStackLocation(child)->MajorFunction = IRP_MJ_FLUSH_BUFFERS;
        IoCallDriver(lower_device, child);
        assert_int_equal(master_done, i == 1 ? 1 : 0);
    }
    IoFreeIrp(master);
    assert_no_findings();
}

static void forward_synchronously_and_completion_routine_ex(void **state)
{
    (void)state;
    lower_mode = LOWER_PEND_DPC;
    lower_status = STATUS_SUCCESS;
    PIRP irp = IoAllocateIrp(2, FALSE);
    IoSetNextIrpStackLocation(irp); /* we are the top driver holding location 2 */
    IoGetCurrentIrpStackLocation(irp)->MajorFunction = IRP_MJ_FLUSH_BUFFERS;
    assert_true(IoForwardIrpSynchronously(lower_device, irp));
    assert_status(STATUS_SUCCESS, irp->IoStatus.Status);
    IoFreeIrp(irp);

    irp = IoAllocateIrp(1, FALSE);
    IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_FLUSH_BUFFERS;
    creator_seen.calls = 0;
    assert_status(STATUS_SUCCESS, IoSetCompletionRoutineEx(lower_device, irp, creator_done, NULL, TRUE, TRUE, TRUE));
    lower_mode = LOWER_COMPLETE;
    IoCallDriver(lower_device, irp);
    assert_int_equal(creator_seen.calls, 1);
    IoFreeIrp(irp);
    assert_no_findings();
}

static void completion_routine_ex_fails_when_pool_does(void **state)
{
    (void)state;
    PIRP irp = IoAllocateIrp(1, FALSE);
    wdmemu_pool_fail_after(0);
    assert_status(STATUS_INSUFFICIENT_RESOURCES,
                  IoSetCompletionRoutineEx(lower_device, irp, creator_done, NULL, TRUE, TRUE, TRUE));
    wdmemu_pool_fail_after(-1);
    assert_null(IoGetNextIrpStackLocation(irp)->CompletionRoutine);
    IoFreeIrp(irp);
}

static PIRP leaked_irp;
static VOID NTAPI leaky_unload(PDRIVER_OBJECT DriverObject)
{
    (void)DriverObject;
}
static NTSTATUS NTAPI leaky_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    DriverObject->DriverUnload = leaky_unload;
    leaked_irp = IoAllocateIrp(2, FALSE);
    IoGetNextIrpStackLocation(leaked_irp)->MajorFunction = IRP_MJ_READ;
    return STATUS_SUCCESS;
}

static void irps_a_driver_never_freed_are_reported_at_unload(void **state)
{
    (void)state;
    wdmemu_driver *driver;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(leaky_entry, "irpleak", &driver));
    assert_status(STATUS_UNSUCCESSFUL, wdmemu_driver_unload(driver));
    const wdmemu_finding *f = ts_finding("LEAKED_IRP");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "\\Driver\\irpleak after DriverUnload"));
    assert_non_null(strstr(f->message, "major 0x03"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        irp_test(allocated_irp_has_windows_layout),
        irp_test(recycled_irps_are_as_new),
        irp_test(copy_to_next_copies_parameters_but_not_completion),
        irp_test(skip_forwarding_completes_synchronously),
        irp_test(skip_forwarding_with_a_pending_lower_driver),
        irp_test(synchronous_forwarding_waits_and_completes_again),
        irp_test(asynchronous_forwarding_re_marks_pending),
        irp_test(completion_routine_that_forgets_to_re_mark_is_reported),
        irp_test(status_is_re_evaluated_at_every_level),
        irp_test(failed_levels_are_flagged_and_locations_cleared),
        irp_test(pending_returned_without_mark_is_reported),
        irp_test(marking_pending_but_returning_success_is_reported),
        irp_test(completing_twice_and_late_cancel_are_reported),
        irp_test(completing_with_pending_status_or_cancel_routine_is_reported),
        irp_test(running_out_of_stack_locations_is_reported),
        irp_test(freeing_an_irp_in_flight_is_reported),
        irp_test(built_buffered_ioctl_copies_back_and_signals),
        irp_test(built_ioctl_failing_synchronously_leaves_iosb_and_event),
        irp_test(information_larger_than_output_is_reported),
        irp_test(associated_irps_complete_their_master),
        irp_test(forward_synchronously_and_completion_routine_ex),
        irp_test(completion_routine_ex_fails_when_pool_does),
        irp_test(irps_a_driver_never_freed_are_reported_at_unload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
