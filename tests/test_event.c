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

int main(void)
{
    const struct CMUnitTest tests[] = {
        ts_test(observers_see_the_life_of_a_driver_in_order),
        ts_test(findings_are_events_too),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
