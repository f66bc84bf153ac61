/* The engine event stream: observers see one ordered record per step (DriverEntry, device and
 * link creation, IRP dispatch and completion, unload), and nothing is delivered once they
 * unsubscribe. */
#include "test_support.h"

#include "core/event.h"

#define EV_LOG 64

static ev_kind ev_log[EV_LOG];
static uint64_t ev_seq[EV_LOG];
static int ev_count;

static void ev_record_kind(const ev_record *record, void *context)
{
    (void)context;
    if (ev_count < EV_LOG) {
        ev_seq[ev_count] = record->seq;
        ev_log[ev_count++] = record->kind;
    }
}

static int ev_position(ev_kind kind)
{
    for (int i = 0; i < ev_count; i++) {
        if (ev_log[i] == kind)
            return i;
    }
    return -1;
}

static VOID NTAPI ev_unload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
}

static NTSTATUS NTAPI ev_create(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static NTSTATUS NTAPI ev_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\Events");
    PDEVICE_OBJECT device;
    (void)RegistryPath;
    DriverObject->DriverUnload = ev_unload;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = ev_create;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = ev_create;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = ev_create;
    return IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
}

static void observers_see_the_life_of_a_driver_in_order(void **state)
{
    (void)state;
    ev_count = 0;
    int id = ev_subscribe(ev_record_kind, NULL);
    assert_true(id >= 0);
    wdmemu_driver *driver;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(ev_entry, "events", &driver));
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\Events");
    PFILE_OBJECT file;
    PDEVICE_OBJECT top;
    assert_status(STATUS_SUCCESS, IoGetDeviceObjectPointer(&name, FILE_READ_DATA, &file, &top));
    ObDereferenceObject(file);
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
    ev_unsubscribe(id);

    assert_int_equal(ev_log[0], EV_DRIVER_ENTRY);
    assert_true(ev_position(EV_DEVICE_CREATED) > ev_position(EV_DRIVER_ENTRY));
    assert_true(ev_position(EV_DRIVER_ENTRY_RETURNED) > ev_position(EV_DEVICE_CREATED));
    assert_true(ev_position(EV_IRP_DISPATCH) > ev_position(EV_DRIVER_ENTRY_RETURNED));
    assert_true(ev_position(EV_IRP_COMPLETE) > ev_position(EV_IRP_DISPATCH));
    assert_true(ev_position(EV_IRP_FINAL) > ev_position(EV_IRP_COMPLETE));
    assert_true(ev_position(EV_IRP_DISPATCH_RETURNED) > ev_position(EV_IRP_FINAL));
    assert_true(ev_position(EV_DRIVER_UNLOAD) > ev_position(EV_IRP_DISPATCH_RETURNED));
    assert_true(ev_position(EV_DEVICE_DELETED) > ev_position(EV_DRIVER_UNLOAD));
    assert_true(ev_position(EV_DEVICE_FREED) > ev_position(EV_DEVICE_DELETED));
    assert_int_equal(ev_log[ev_count - 1], EV_DRIVER_UNLOADED);
    for (int i = 1; i < ev_count; i++)
        assert_int_equal(ev_seq[i], ev_seq[i - 1] + 1);

    int before = ev_count;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(ev_entry, "events", &driver));
    assert_int_equal(ev_count, before);
}

static void findings_are_events_too(void **state)
{
    (void)state;
    ev_count = 0;
    int id = ev_subscribe(ev_record_kind, NULL);
    IoDeleteDevice(NULL);
    ev_unsubscribe(id);
    assert_int_equal(ev_count, 1);
    assert_int_equal(ev_log[0], EV_FINDING);
    assert_non_null(ts_finding("INVALID_DEVICE_OBJECT"));
}

/* ---- the front end's records -------------------------------------------------------------- */

#define EV_IOCTL CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

static NTSTATUS NTAPI ev_control(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    memcpy(Irp->AssociatedIrp.SystemBuffer, "ok", 2);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 2;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static BOOLEAN NTAPI ev_fast_control(PFILE_OBJECT FileObject, BOOLEAN Wait, PVOID InputBuffer, ULONG InputBufferLength,
                                     PVOID OutputBuffer, ULONG OutputBufferLength, ULONG IoControlCode,
                                     PIO_STATUS_BLOCK IoStatus, PDEVICE_OBJECT DeviceObject)
{
    (void)FileObject;
    (void)Wait;
    (void)InputBuffer;
    (void)InputBufferLength;
    (void)OutputBuffer;
    (void)OutputBufferLength;
    (void)IoControlCode;
    (void)IoStatus;
    (void)DeviceObject;
    return FALSE; /* always the IRP */
}

static FAST_IO_DISPATCH ev_fast;

static NTSTATUS NTAPI ev_entry_with_ioctl(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = ev_control;
    memset(&ev_fast, 0, sizeof(ev_fast));
    ev_fast.SizeOfFastIoDispatch = sizeof(ev_fast);
    ev_fast.FastIoDeviceControl = ev_fast_control;
    DriverObject->FastIoDispatch = &ev_fast;
    return ev_entry(DriverObject, RegistryPath);
}

static void the_front_end_records_request_fast_io_and_result(void **state)
{
    (void)state;
    wdmemu_driver *driver;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(ev_entry_with_ioctl, "events", &driver));
    HANDLE handle;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\Device\\Events", GENERIC_READ, 0, FILE_SYNCHRONOUS_IO_NONALERT,
                                              &handle));
    ev_count = 0;
    int id = ev_subscribe(ev_record_kind, NULL);
    char out[4];
    ULONG_PTR moved;
    assert_status(STATUS_SUCCESS, wdmemu_device_control(handle, EV_IOCTL, NULL, 0, out, sizeof(out), &moved));
    ev_unsubscribe(id);
    assert_int_equal(ev_log[0], EV_REQUEST_ISSUED);
    assert_int_equal(ev_log[1], EV_FAST_IO);
    assert_true(ev_position(EV_IRP_DISPATCH) > 1);
    assert_true(ev_position(EV_IRP_FINAL) > ev_position(EV_IRP_DISPATCH));
    assert_true(ev_position(EV_REQUEST_COMPLETED) > ev_position(EV_IRP_FINAL));
    assert_int_equal(ev_log[ev_count - 1], EV_IRP_DISPATCH_RETURNED);
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(handle));
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ts_test(observers_see_the_life_of_a_driver_in_order),
        ts_test(findings_are_events_too),
        ts_test(the_front_end_records_request_fast_io_and_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
