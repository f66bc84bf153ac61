/* IRPs the I/O manager builds for kernel-mode requesters: where IoBuildSynchronousFsdRequest,
 * IoBuildAsynchronousFsdRequest and IoBuildDeviceIoControlRequest put the caller's buffers for
 * buffered, direct and neither I/O and for each METHOD_*, what the driver sees (flags, lengths,
 * offsets, RequestorMode), what comes back to the caller, and who frees what. */
#include "test_support.h"

/* ---- a device that records what it is given and answers "DATA" ------------------------------ */

typedef struct bt_seen {
    int calls;
    UCHAR major;
    ULONG flags;
    KPROCESSOR_MODE mode;
    PVOID system_buffer;
    PMDL mdl;
    PVOID user_buffer;
    PVOID type3;
    ULONG length, in_length, out_length;
    LONGLONG offset;
    char input[8];      /* what the driver read from the request's input */
    BOOLEAN mdl_locked;
    PVOID mdl_va;
    ULONG mdl_bytes;
    UCHAR system_bytes[16]; /* the system buffer's first bytes as the dispatch routine found them */
} bt_seen;

static bt_seen seen;
static PDRIVER_OBJECT bt_driver;
static PDEVICE_OBJECT bt_device;
static NTSTATUS bt_status;

/* Pool blocks in use right now (system buffers and MDLs come from pool). */
static size_t bt_pool_blocks(void)
{
    wdmemu_pool_usage usage;
    wdmemu_pool_usage_total(&usage);
    return usage.blocks;
}

static NTSTATUS NTAPI bt_dispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    seen.calls++;
    seen.major = stack->MajorFunction;
    seen.flags = Irp->Flags;
    seen.mode = Irp->RequestorMode;
    seen.system_buffer = Irp->AssociatedIrp.SystemBuffer;
    seen.mdl = Irp->MdlAddress;
    seen.user_buffer = Irp->UserBuffer;
    if (Irp->MdlAddress != NULL) {
        seen.mdl_locked = (Irp->MdlAddress->MdlFlags & MDL_PAGES_LOCKED) != 0;
        seen.mdl_va = MmGetMdlVirtualAddress(Irp->MdlAddress);
        seen.mdl_bytes = MmGetMdlByteCount(Irp->MdlAddress);
    }
    PUCHAR out = NULL;
    ULONG out_length = 0;
    switch (stack->MajorFunction) {
    case IRP_MJ_READ:
    case IRP_MJ_WRITE:
        seen.length = stack->Parameters.Read.Length;
        seen.offset = stack->Parameters.Read.ByteOffset.QuadPart;
        if (DeviceObject->Flags & DO_BUFFERED_IO)
            out = Irp->AssociatedIrp.SystemBuffer;
        else if (DeviceObject->Flags & DO_DIRECT_IO)
            out = Irp->MdlAddress != NULL ? MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority) : NULL;
        else
            out = Irp->UserBuffer;
        out_length = seen.length;
        if (stack->MajorFunction == IRP_MJ_WRITE) {
            if (out != NULL)
                memcpy(seen.input, out, out_length < 8 ? out_length : 8);
            out = NULL; /* a write returns nothing */
        }
        break;
    default: { /* device controls */
        seen.in_length = stack->Parameters.DeviceIoControl.InputBufferLength;
        seen.out_length = stack->Parameters.DeviceIoControl.OutputBufferLength;
        seen.type3 = stack->Parameters.DeviceIoControl.Type3InputBuffer;
        ULONG method = METHOD_FROM_CTL_CODE(stack->Parameters.DeviceIoControl.IoControlCode);
        if (method == METHOD_BUFFERED && Irp->AssociatedIrp.SystemBuffer != NULL) {
            ULONG size = seen.in_length > seen.out_length ? seen.in_length : seen.out_length;
            memcpy(seen.system_bytes, Irp->AssociatedIrp.SystemBuffer, size < 16 ? size : 16);
        }
        PUCHAR in = method == METHOD_NEITHER ? seen.type3 : Irp->AssociatedIrp.SystemBuffer;
        if (in != NULL && seen.in_length != 0)
            memcpy(seen.input, in, seen.in_length < 8 ? seen.in_length : 8);
        if (method == METHOD_BUFFERED)
            out = Irp->AssociatedIrp.SystemBuffer;
        else if (method == METHOD_NEITHER)
            out = Irp->UserBuffer;
        else
            out = Irp->MdlAddress != NULL ? MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority) : NULL;
        out_length = seen.out_length;
        break;
    }
    }
    ULONG_PTR information = 0;
    if (out != NULL && out_length >= 4) {
        memcpy(out, "DATA", 4);
        information = 4;
    }
    Irp->IoStatus.Status = bt_status;
    Irp->IoStatus.Information = NT_ERROR(bt_status) ? 0 : information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return bt_status;
}

static VOID NTAPI bt_unload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
}

static NTSTATUS NTAPI bt_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    DriverObject->DriverUnload = bt_unload;
    DriverObject->MajorFunction[IRP_MJ_READ] = bt_dispatch;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = bt_dispatch;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = bt_dispatch;
    DriverObject->MajorFunction[IRP_MJ_INTERNAL_DEVICE_CONTROL] = bt_dispatch;
    bt_driver = DriverObject;
    return IoCreateDevice(DriverObject, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &bt_device);
}

static int bt_setup(void **state)
{
    ts_setup(state);
    memset(&seen, 0, sizeof(seen));
    bt_status = STATUS_SUCCESS;
    wdmemu_driver *driver;
    return NT_SUCCESS(wdmemu_driver_load_entry(bt_entry, "builder", &driver)) ? 0 : -1;
}

#define bt_test(f) cmocka_unit_test_setup_teardown(f, bt_setup, ts_teardown)

/* Sends a synchronous FSD request and waits for it. */
static NTSTATUS bt_fsd(ULONG major, PVOID buffer, ULONG length, LONGLONG offset, IO_STATUS_BLOCK *iosb)
{
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    LARGE_INTEGER start;
    start.QuadPart = offset;
    PIRP irp = IoBuildSynchronousFsdRequest(major, bt_device, buffer, length, &start, &event, iosb);
    assert_non_null(irp);
    NTSTATUS status = IoCallDriver(bt_device, irp);
    if (status == STATUS_PENDING) {
        KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
        status = iosb->Status;
    }
    return status;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void buffered_read_and_write_use_a_system_buffer_copied_in_and_out(void **state)
{
    (void)state;
    bt_device->Flags |= DO_BUFFERED_IO;
    char buffer[16] = "..............";
    IO_STATUS_BLOCK iosb = {0};
    assert_status(STATUS_SUCCESS, bt_fsd(IRP_MJ_READ, buffer, sizeof(buffer), 512, &iosb));
    assert_int_equal(seen.major, IRP_MJ_READ);
    assert_int_equal(seen.mode, KernelMode);
    assert_int_equal(seen.flags & (IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | IRP_INPUT_OPERATION),
                     IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | IRP_INPUT_OPERATION);
    assert_non_null(seen.system_buffer);
    assert_ptr_not_equal(seen.system_buffer, buffer);
    assert_ptr_equal(seen.user_buffer, buffer);
    assert_null(seen.mdl);
    assert_int_equal(seen.length, sizeof(buffer));
    assert_int_equal(seen.offset, 512);
    /* Information bytes are copied back to the caller's buffer, the rest is untouched. */
    assert_memory_equal(buffer, "DATA..........", 14);
    assert_status(STATUS_SUCCESS, iosb.Status);
    assert_int_equal(iosb.Information, 4);

    /* A write copies the caller's data in; nothing is copied back. */
    memset(&seen, 0, sizeof(seen));
    char data[8] = "written";
    assert_status(STATUS_SUCCESS, bt_fsd(IRP_MJ_WRITE, data, sizeof(data), 0, &iosb));
    assert_int_equal(seen.flags & (IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | IRP_INPUT_OPERATION),
                     IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER);
    assert_memory_equal(seen.input, "written", 8);
    assert_string_equal(data, "written");
    /* The system buffers went back to the pool with the IRPs. */
    assert_int_equal(bt_pool_blocks(), 0);
}

static void a_failed_buffered_read_copies_nothing_back(void **state)
{
    (void)state;
    bt_device->Flags |= DO_BUFFERED_IO;
    bt_status = STATUS_DEVICE_NOT_READY;
    char buffer[8] = ".......";
    IO_STATUS_BLOCK iosb;
    iosb.Status = STATUS_PENDING;
    iosb.Information = 77;
    assert_status(STATUS_DEVICE_NOT_READY, bt_fsd(IRP_MJ_READ, buffer, sizeof(buffer), 0, &iosb));
    assert_string_equal(buffer, ".......");
    /* Failed without pending: the caller learns it from the return value only. */
    assert_status(STATUS_PENDING, iosb.Status);
    assert_int_equal(iosb.Information, 77);
    assert_int_equal(bt_pool_blocks(), 0);
}

static void direct_read_and_write_use_a_locked_mdl_of_the_callers_buffer(void **state)
{
    (void)state;
    bt_device->Flags |= DO_DIRECT_IO;
    char buffer[64];
    memset(buffer, '.', sizeof(buffer));
    IO_STATUS_BLOCK iosb = {0};
    assert_status(STATUS_SUCCESS, bt_fsd(IRP_MJ_READ, buffer + 8, 32, 4096, &iosb));
    assert_non_null(seen.mdl);
    assert_true(seen.mdl_locked);
    assert_ptr_equal(seen.mdl_va, buffer + 8);
    assert_int_equal(seen.mdl_bytes, 32);
    assert_null(seen.system_buffer);
    assert_false(seen.flags & IRP_BUFFERED_IO);
    assert_int_equal(seen.offset, 4096);
    /* The driver wrote through the MDL straight into the caller's memory. */
    assert_memory_equal(buffer + 8, "DATA", 4);
    assert_int_equal(buffer[7], '.');
    assert_int_equal(iosb.Information, 4);

    memset(&seen, 0, sizeof(seen));
    assert_status(STATUS_SUCCESS, bt_fsd(IRP_MJ_WRITE, buffer + 8, 32, 0, &iosb));
    assert_true(seen.mdl_locked);
    assert_memory_equal(seen.input, "DATA....", 8);
    /* The MDLs were unlocked and freed with the IRPs. */
    assert_int_equal(bt_pool_blocks(), 0);
}

static void neither_io_passes_the_callers_buffer(void **state)
{
    (void)state;
    char buffer[8] = ".......";
    IO_STATUS_BLOCK iosb = {0};
    assert_status(STATUS_SUCCESS, bt_fsd(IRP_MJ_READ, buffer, sizeof(buffer), 0, &iosb));
    assert_ptr_equal(seen.user_buffer, buffer);
    assert_null(seen.system_buffer);
    assert_null(seen.mdl);
    assert_memory_equal(buffer, "DATA...", 8);
}

static void device_controls_place_buffers_per_method(void **state)
{
    (void)state;
    char in[8] = "input!!", out[16];
    IO_STATUS_BLOCK iosb;
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);

    /* METHOD_BUFFERED: one system buffer as large as the larger of the two, input copied in,
     * output copied back. */
    ULONG code = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS);
    memset(out, '.', sizeof(out));
    PIRP irp = IoBuildDeviceIoControlRequest(code, bt_device, in, sizeof(in), out, sizeof(out), FALSE, &event, &iosb);
    assert_non_null(irp);
    assert_status(STATUS_SUCCESS, IoCallDriver(bt_device, irp));
    assert_int_equal(seen.major, IRP_MJ_DEVICE_CONTROL);
    assert_int_equal(seen.flags & (IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | IRP_INPUT_OPERATION),
                     IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | IRP_INPUT_OPERATION);
    assert_memory_equal(seen.input, "input!!", 8);
    assert_int_equal(seen.in_length, sizeof(in));
    assert_int_equal(seen.out_length, sizeof(out));
    assert_ptr_equal(seen.user_buffer, out);
    assert_memory_equal(out, "DATA....", 8);
    assert_true(KeReadStateEvent(&event));

    /* METHOD_IN_DIRECT / METHOD_OUT_DIRECT: input in a system buffer, the output buffer
     * described by a locked MDL. */
    for (ULONG method = METHOD_IN_DIRECT; method <= METHOD_OUT_DIRECT; method++) {
        memset(&seen, 0, sizeof(seen));
        memset(out, '.', sizeof(out));
        code = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x901, method, FILE_ANY_ACCESS);
        irp = IoBuildDeviceIoControlRequest(code, bt_device, in, sizeof(in), out, sizeof(out), TRUE, &event, &iosb);
        assert_status(STATUS_SUCCESS, IoCallDriver(bt_device, irp));
        assert_int_equal(seen.major, IRP_MJ_INTERNAL_DEVICE_CONTROL);
        assert_non_null(seen.system_buffer);
        assert_memory_equal(seen.input, "input!!", 8);
        assert_non_null(seen.mdl);
        assert_true(seen.mdl_locked);
        assert_ptr_equal(seen.mdl_va, out);
        assert_int_equal(seen.mdl_bytes, sizeof(out));
        assert_memory_equal(out, "DATA....", 8);
    }

    /* METHOD_NEITHER: the caller's pointers as they are. */
    memset(&seen, 0, sizeof(seen));
    memset(out, '.', sizeof(out));
    code = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x902, METHOD_NEITHER, FILE_ANY_ACCESS);
    irp = IoBuildDeviceIoControlRequest(code, bt_device, in, sizeof(in), out, sizeof(out), FALSE, &event, &iosb);
    assert_status(STATUS_SUCCESS, IoCallDriver(bt_device, irp));
    assert_ptr_equal(seen.type3, in);
    assert_ptr_equal(seen.user_buffer, out);
    assert_null(seen.system_buffer);
    assert_null(seen.mdl);
    assert_memory_equal(out, "DATA....", 8);
    assert_int_equal(bt_pool_blocks(), 0);
    assert_no_findings();
}

/* Sends a METHOD_BUFFERED device control and checks it succeeded. */
static void bt_buffered_control(const void *in, ULONG in_length, void *out, ULONG out_length)
{
    IO_STATUS_BLOCK iosb;
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    ULONG code = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS);
    PIRP irp = IoBuildDeviceIoControlRequest(code, bt_device, (PVOID)in, in_length, out, out_length, FALSE, &event,
                                             &iosb);
    assert_non_null(irp);
    assert_status(STATUS_SUCCESS, IoCallDriver(bt_device, irp));
    assert_status(STATUS_SUCCESS, iosb.Status);
}

/* The pool keeps freed system buffers for the next request of the same size: what a driver
 * finds in one is still only this request's input and the unwritten-byte pattern, never the
 * previous request's data (a driver returning bytes it never wrote must not show old input). */
static void a_system_buffer_holds_only_its_own_requests_input(void **state)
{
    (void)state;
    wdmemu_pool_usage before, after;
    wdmemu_pool_usage_for_tag(' oI', &before);
    char out[16];
    bt_buffered_control("secret-secret-1", 16, out, sizeof(out));
    assert_memory_equal(seen.system_bytes, "secret-secret-1", 16);
    bt_buffered_control("ab", 2, out, sizeof(out));
    assert_memory_equal(seen.system_bytes, "ab", 2);
    for (int i = 2; i < 16; i++)
        assert_int_equal(seen.system_bytes[i], WDMEMU_UNWRITTEN_BYTE);
    /* Each request counts as one allocation and one free of the I/O manager's tag. */
    wdmemu_pool_usage_for_tag(' oI', &after);
    assert_int_equal(after.allocations - before.allocations, 2);
    assert_int_equal(after.frees - before.frees, 2);
    assert_int_equal(after.blocks, 0);
    assert_no_findings();
}

/* A freed system buffer kept for reuse is no pool block: freeing it again is reported, and the
 * next request still gets a buffer of its own. */
static void freeing_a_completed_requests_system_buffer_is_reported(void **state)
{
    (void)state;
    char out[16];
    bt_buffered_control("first", 6, out, sizeof(out));
    PVOID stale = seen.system_buffer;
    assert_non_null(stale);
    ExFreePoolWithTag(stale, ' oI'); /* the I/O manager freed it when the request ended */
    const wdmemu_finding *finding = ts_finding("BAD_POOL_CALLER");
    assert_non_null(finding);
    assert_non_null(strstr(finding->message, "not an allocated pool block"));
    ts_findings_clear();
    memset(out, '.', sizeof(out));
    bt_buffered_control("second", 7, out, sizeof(out));
    assert_memory_equal(seen.system_bytes, "second", 7);
    assert_memory_equal(out, "DATA....", 8);
    assert_int_equal(bt_pool_blocks(), 0);
    assert_no_findings();
}

static int async_routine_calls;
static IO_STATUS_BLOCK async_status_seen;

static NTSTATUS NTAPI async_done(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    (void)DeviceObject;
    (void)Context;
    async_routine_calls++;
    async_status_seen = Irp->IoStatus;
    /* IoFreeIrp frees only the IRP: the creator releases the MDL and the system buffer. */
    if (Irp->MdlAddress != NULL) {
        MmUnlockPages(Irp->MdlAddress);
        IoFreeMdl(Irp->MdlAddress);
    }
    if ((Irp->Flags & IRP_DEALLOCATE_BUFFER) && Irp->AssociatedIrp.SystemBuffer != NULL)
        ExFreePool(Irp->AssociatedIrp.SystemBuffer);
    IoFreeIrp(Irp);
    return Context != NULL ? STATUS_CONTINUE_COMPLETION : STATUS_MORE_PROCESSING_REQUIRED;
}

static void asynchronous_fsd_requests_are_freed_by_their_creator(void **state)
{
    (void)state;
    bt_device->Flags |= DO_BUFFERED_IO;
    char buffer[8];
    IO_STATUS_BLOCK iosb = {0};
    PIRP irp = IoBuildAsynchronousFsdRequest(IRP_MJ_READ, bt_device, buffer, sizeof(buffer), NULL, &iosb);
    assert_non_null(irp);
    assert_null(irp->UserEvent);
    IoSetCompletionRoutine(irp, async_done, NULL, TRUE, TRUE, TRUE);
    assert_status(STATUS_SUCCESS, IoCallDriver(bt_device, irp));
    assert_int_equal(async_routine_calls, 1);
    assert_status(STATUS_SUCCESS, async_status_seen.Status);
    assert_int_equal(async_status_seen.Information, 4);
    assert_int_equal(bt_pool_blocks(), 0);
    assert_no_findings();

    /* A routine that frees the IRP but lets the walk go on is reported; the walk stops. */
    irp = IoBuildAsynchronousFsdRequest(IRP_MJ_READ, bt_device, buffer, sizeof(buffer), NULL, &iosb);
    IoSetCompletionRoutine(irp, async_done, (PVOID)1, TRUE, TRUE, TRUE);
    assert_status(STATUS_SUCCESS, IoCallDriver(bt_device, irp));
    assert_int_equal(async_routine_calls, 2);
    assert_non_null(ts_finding("COMPLETION_ROUTINE_FREED_IRP"));
    assert_int_equal(ts_count_findings("ASYNCHRONOUS_FSD_IRP_NOT_FREED"), 0);
    assert_int_equal(bt_pool_blocks(), 0);

    /* Left to complete to the top, it is reported and freed by wdmemu. */
    irp = IoBuildAsynchronousFsdRequest(IRP_MJ_WRITE, bt_device, buffer, sizeof(buffer), NULL, &iosb);
    assert_status(STATUS_SUCCESS, IoCallDriver(bt_device, irp));
    assert_non_null(ts_finding("ASYNCHRONOUS_FSD_IRP_NOT_FREED"));
    assert_int_equal(bt_pool_blocks(), 0);
}

static void bad_build_arguments_are_reported(void **state)
{
    (void)state;
    IO_STATUS_BLOCK iosb;
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    assert_null(IoBuildSynchronousFsdRequest(IRP_MJ_READ, bt_device, NULL, 0, NULL, NULL, &iosb));
    assert_null(IoBuildSynchronousFsdRequest(IRP_MJ_CREATE, bt_device, NULL, 0, NULL, &event, &iosb));
    assert_null(IoBuildDeviceIoControlRequest(0x222000, bt_device, NULL, 4, NULL, 0, FALSE, &event, &iosb));
    assert_null(IoBuildAsynchronousFsdRequest(IRP_MJ_READ, NULL, NULL, 0, NULL, &iosb));
    assert_int_equal(ts_count_findings("BUILD_REQUEST_BAD_ARGUMENTS"), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        bt_test(buffered_read_and_write_use_a_system_buffer_copied_in_and_out),
        bt_test(a_failed_buffered_read_copies_nothing_back),
        bt_test(direct_read_and_write_use_a_locked_mdl_of_the_callers_buffer),
        bt_test(neither_io_passes_the_callers_buffer),
        bt_test(device_controls_place_buffers_per_method),
        bt_test(a_system_buffer_holds_only_its_own_requests_input),
        bt_test(freeing_a_completed_requests_system_buffer_is_reported),
        bt_test(asynchronous_fsd_requests_are_freed_by_their_creator),
        bt_test(bad_build_arguments_are_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
