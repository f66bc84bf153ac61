/* Plug and Play: AddDevice for a root-enumerated PDO, IRP_MN_START_DEVICE down the stack
 * (every PnP IRP starting as STATUS_NOT_SUPPORTED), orderly removal (query, remove, the PDO
 * deleted), removal before a PnP driver's unload, filters added over an existing PDO, and the
 * findings for a driver that leaves DO_DEVICE_INITIALIZING set or stays attached. */
#include "test_support.h"

typedef struct pn_ext {
    PDEVICE_OBJECT lower;
} pn_ext;

typedef struct pn_seen {
    UCHAR minors[16];
    NTSTATUS initial[16];   /* Irp->IoStatus.Status when the IRP arrived */
    int count;
    BOOLEAN started;
} pn_seen;

static pn_seen pn_fdo_seen, pn_filter_seen;
static BOOLEAN pn_keep_initializing, pn_veto_query_remove, pn_stay_attached, pn_fail_add;
static PDEVICE_OBJECT pn_fdo;

static void pn_note(pn_seen *seen, PIRP irp)
{
    if (seen->count < 16) {
        seen->minors[seen->count] = IoGetCurrentIrpStackLocation(irp)->MinorFunction;
        seen->initial[seen->count] = irp->IoStatus.Status;
        seen->count++;
    }
}

static NTSTATUS NTAPI pn_started(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    (void)DeviceObject;
    (void)Irp;
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* A function driver's IRP_MJ_PNP as the WDK describes it: START goes down first and is
 * finished on the way up; REMOVE goes down, then the device detaches and deletes itself. */
static NTSTATUS NTAPI pn_fdo_pnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    pn_ext *ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    pn_note(&pn_fdo_seen, Irp);
    switch (stack->MinorFunction) {
    case IRP_MN_START_DEVICE: {
        KEVENT event;
        KeInitializeEvent(&event, NotificationEvent, FALSE);
        IoCopyCurrentIrpStackLocationToNext(Irp);
        IoSetCompletionRoutine(Irp, pn_started, &event, TRUE, TRUE, TRUE);
        if (IoCallDriver(ext->lower, Irp) == STATUS_PENDING)
            KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
        NTSTATUS status = Irp->IoStatus.Status;
        pn_fdo_seen.started = NT_SUCCESS(status);
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return status;
    }
    case IRP_MN_QUERY_REMOVE_DEVICE:
        if (pn_veto_query_remove) {
            Irp->IoStatus.Status = STATUS_DEVICE_BUSY;
            IoCompleteRequest(Irp, IO_NO_INCREMENT);
            return STATUS_DEVICE_BUSY;
        }
        Irp->IoStatus.Status = STATUS_SUCCESS;
        break;
    case IRP_MN_CANCEL_REMOVE_DEVICE:
        Irp->IoStatus.Status = STATUS_SUCCESS;
        break;
    case IRP_MN_REMOVE_DEVICE: {
        Irp->IoStatus.Status = STATUS_SUCCESS;
        IoSkipCurrentIrpStackLocation(Irp);
        NTSTATUS status = IoCallDriver(ext->lower, Irp);
        if (!pn_stay_attached) {
            IoDetachDevice(ext->lower);
            IoDeleteDevice(DeviceObject);
        }
        return status;
    }
    default:
        break;
    }
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(ext->lower, Irp);
}

static NTSTATUS NTAPI pn_fdo_create(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static NTSTATUS NTAPI pn_add_device(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT PhysicalDeviceObject)
{
    if (pn_fail_add)
        return STATUS_INSUFFICIENT_RESOURCES;
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\PnpFdo");
    PDEVICE_OBJECT fdo;
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(pn_ext), &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &fdo);
    if (!NT_SUCCESS(status))
        return status;
    pn_ext *ext = fdo->DeviceExtension;
    ext->lower = IoAttachDeviceToDeviceStack(fdo, PhysicalDeviceObject);
    if (ext->lower == NULL) {
        IoDeleteDevice(fdo);
        return STATUS_NO_SUCH_DEVICE;
    }
    fdo->Flags |= DO_BUFFERED_IO;
    if (!pn_keep_initializing)
        fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    pn_fdo = fdo;
    return STATUS_SUCCESS;
}

static VOID NTAPI pn_unload(PDRIVER_OBJECT DriverObject)
{
    (void)DriverObject; /* a PnP driver's devices are gone by now */
}

static NTSTATUS NTAPI pn_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    DriverObject->MajorFunction[IRP_MJ_PNP] = pn_fdo_pnp;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = pn_fdo_create;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = pn_fdo_create;
    DriverObject->DriverExtension->AddDevice = pn_add_device;
    DriverObject->DriverUnload = pn_unload;
    return STATUS_SUCCESS;
}

/* An upper filter: passes every PnP IRP down, removes itself on REMOVE. */
static NTSTATUS NTAPI pn_filter_pnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    pn_ext *ext = DeviceObject->DeviceExtension;
    pn_note(&pn_filter_seen, Irp);
    UCHAR minor = IoGetCurrentIrpStackLocation(Irp)->MinorFunction;
    IoSkipCurrentIrpStackLocation(Irp);
    NTSTATUS status = IoCallDriver(ext->lower, Irp);
    if (minor == IRP_MN_REMOVE_DEVICE) {
        IoDetachDevice(ext->lower);
        IoDeleteDevice(DeviceObject);
    }
    return status;
}

static NTSTATUS NTAPI pn_filter_add(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT PhysicalDeviceObject)
{
    PDEVICE_OBJECT filter;
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(pn_ext), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &filter);
    if (!NT_SUCCESS(status))
        return status;
    pn_ext *ext = filter->DeviceExtension;
    ext->lower = IoAttachDeviceToDeviceStack(filter, PhysicalDeviceObject);
    filter->Flags |= ext->lower->Flags & (DO_BUFFERED_IO | DO_DIRECT_IO);
    filter->DeviceType = ext->lower->DeviceType;
    filter->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static NTSTATUS NTAPI pn_filter_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    DriverObject->MajorFunction[IRP_MJ_PNP] = pn_filter_pnp;
    DriverObject->DriverExtension->AddDevice = pn_filter_add;
    DriverObject->DriverUnload = pn_unload;
    return STATUS_SUCCESS;
}

static int pn_setup(void **state)
{
    memset(&pn_fdo_seen, 0, sizeof(pn_fdo_seen));
    memset(&pn_filter_seen, 0, sizeof(pn_filter_seen));
    pn_keep_initializing = pn_veto_query_remove = pn_stay_attached = pn_fail_add = FALSE;
    pn_fdo = NULL;
    return ts_setup(state);
}

#define pn_test(f) cmocka_unit_test_setup_teardown(f, pn_setup, ts_teardown)

/* Loads the function driver and adds a device for it on a new PDO. */
static PDEVICE_OBJECT pn_load_and_add(wdmemu_driver **driver)
{
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(pn_entry, "pnfdo", driver));
    PDEVICE_OBJECT pdo = NULL;
    assert_status(STATUS_SUCCESS, wdmemu_pnp_add_device(*driver, &pdo));
    assert_non_null(pdo);
    return pdo;
}

static void add_device_gets_a_root_enumerated_pdo(void **state)
{
    (void)state;
    wdmemu_driver *driver;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(pn_entry, "pnfdo", &driver));
    assert_status(STATUS_SUCCESS, wdmemu_trace_start("memory"));
    PDEVICE_OBJECT pdo = NULL;
    assert_status(STATUS_SUCCESS, wdmemu_pnp_add_device(driver, &pdo));
    assert_non_null(pdo);
    char name[64];
    wdmemu_device_name(pdo, name, sizeof(name));
    assert_string_equal(name, "\\Device\\00000001");
    assert_true(pdo->Flags & DO_BUS_ENUMERATED_DEVICE);
    assert_false(pdo->Flags & DO_DEVICE_INITIALIZING);
    assert_ptr_equal(IoGetAttachedDevice(pdo), pn_fdo);
    assert_int_equal(pn_fdo->StackSize, pdo->StackSize + 1);
    /* the trace shows the call and what it returned */
    size_t at = wdmemu_trace_find(0, "ADD_DEVICE", 0, "\\Device\\00000001");
    assert_true(at != (size_t)-1);
    assert_string_equal(wdmemu_trace_get(at)->driver, "\\Driver\\pnfdo");
    size_t back = wdmemu_trace_find(at, "ADD_DEVICE_RETURNED", 0, NULL);
    assert_true(back != (size_t)-1);
    assert_status(STATUS_SUCCESS, wdmemu_trace_get(back)->status);
    assert_true(wdmemu_trace_find(at, "DEVICE_ATTACHED", 0, NULL) < back);
    /* a second device gets the next name */
    PDEVICE_OBJECT second = NULL;
    /* the FDO name is taken: AddDevice fails with a collision and its new PDO goes again */
    assert_status(STATUS_OBJECT_NAME_COLLISION, wdmemu_pnp_add_device(driver, &second));
    assert_null(second);
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
}

static void start_device_travels_down_the_stack_starting_as_not_supported(void **state)
{
    (void)state;
    wdmemu_driver *driver;
    PDEVICE_OBJECT pdo = pn_load_and_add(&driver);
    assert_status(STATUS_SUCCESS, wdmemu_pnp_start_device(pdo));
    assert_int_equal(pn_fdo_seen.count, 1);
    assert_int_equal(pn_fdo_seen.minors[0], IRP_MN_START_DEVICE);
    assert_status(STATUS_NOT_SUPPORTED, pn_fdo_seen.initial[0]);
    assert_true(pn_fdo_seen.started); /* the bus driver succeeded it below */
    /* the started device takes requests */
    HANDLE handle;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\Device\\PnpFdo", GENERIC_READ, 0, FILE_SYNCHRONOUS_IO_NONALERT,
                                              &handle));
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(handle));
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
}

static void remove_device_queries_then_removes_and_deletes_the_pdo(void **state)
{
    (void)state;
    wdmemu_driver *driver;
    PDEVICE_OBJECT pdo = pn_load_and_add(&driver);
    assert_status(STATUS_SUCCESS, wdmemu_pnp_start_device(pdo));
    assert_status(STATUS_SUCCESS, wdmemu_pnp_remove_device(pdo));
    assert_int_equal(pn_fdo_seen.count, 3);
    assert_int_equal(pn_fdo_seen.minors[1], IRP_MN_QUERY_REMOVE_DEVICE);
    assert_int_equal(pn_fdo_seen.minors[2], IRP_MN_REMOVE_DEVICE);
    assert_status(STATUS_NOT_SUPPORTED, pn_fdo_seen.initial[2]);
    PDEVICE_OBJECT found;
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_device_lookup("\\Device\\PnpFdo", &found, NULL, 0));
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_device_lookup("\\Device\\00000001", &found, NULL, 0));
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
    assert_int_equal(pn_fdo_seen.count, 3); /* nothing left to remove at unload */
}

static void unloading_a_pnp_driver_removes_its_devices_first(void **state)
{
    (void)state;
    wdmemu_driver *driver;
    PDEVICE_OBJECT pdo = pn_load_and_add(&driver);
    assert_status(STATUS_SUCCESS, wdmemu_pnp_start_device(pdo));
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
    assert_int_equal(pn_fdo_seen.count, 3);
    assert_int_equal(pn_fdo_seen.minors[2], IRP_MN_REMOVE_DEVICE);
    assert_no_findings();
}

static void a_vetoed_query_remove_is_cancelled_and_the_device_stays(void **state)
{
    (void)state;
    wdmemu_driver *driver;
    PDEVICE_OBJECT pdo = pn_load_and_add(&driver);
    pn_veto_query_remove = TRUE;
    assert_status(STATUS_DEVICE_BUSY, wdmemu_pnp_remove_device(pdo));
    assert_int_equal(pn_fdo_seen.count, 2);
    assert_int_equal(pn_fdo_seen.minors[0], IRP_MN_QUERY_REMOVE_DEVICE);
    assert_int_equal(pn_fdo_seen.minors[1], IRP_MN_CANCEL_REMOVE_DEVICE);
    assert_ptr_equal(IoGetAttachedDevice(pdo), pn_fdo);
    assert_non_null(strstr(wdmemu_last_error(), "vetoed"));
    pn_veto_query_remove = FALSE;
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
}

static void a_filter_is_added_over_an_existing_pdo_and_sees_pnp_irps_first(void **state)
{
    (void)state;
    wdmemu_driver *function, *filter;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(pn_entry, "pnfdo", &function));
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(pn_filter_entry, "pnfilter", &filter));
    PDEVICE_OBJECT pdo = NULL;
    assert_status(STATUS_SUCCESS, wdmemu_pnp_add_device(function, &pdo));
    PDEVICE_OBJECT same = pdo;
    assert_status(STATUS_SUCCESS, wdmemu_pnp_add_device(filter, &same));
    assert_ptr_equal(same, pdo);
    PDEVICE_OBJECT top = IoGetAttachedDevice(pdo);
    assert_ptr_equal(top->DriverObject, wdmemu_driver_object(filter));
    assert_status(STATUS_SUCCESS, wdmemu_pnp_start_device(pdo));
    assert_int_equal(pn_filter_seen.count, 1);
    assert_int_equal(pn_fdo_seen.count, 1);
    /* unloading the function driver removes the whole stack, the filter included */
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(function));
    assert_int_equal(pn_filter_seen.minors[pn_filter_seen.count - 1], IRP_MN_REMOVE_DEVICE);
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(filter));
    assert_no_findings();
}

static void add_device_leaving_device_initializing_is_a_finding(void **state)
{
    (void)state;
    wdmemu_finding_policy_set("DEVICE_INITIALIZING_NOT_CLEARED", WDMEMU_FINDING_RECORDED);
    wdmemu_driver *driver;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(pn_entry, "pnfdo", &driver));
    pn_keep_initializing = TRUE;
    PDEVICE_OBJECT pdo = NULL;
    assert_status(STATUS_SUCCESS, wdmemu_pnp_add_device(driver, &pdo));
    const wdmemu_finding *f = ts_finding("DEVICE_INITIALIZING_NOT_CLEARED");
    assert_non_null(f);
    assert_string_equal(f->device, "\\Device\\PnpFdo");
    assert_non_null(strstr(f->message, "AddDevice of \\Driver\\pnfdo"));
    /* as on Windows, nobody can open it */
    HANDLE handle;
    assert_true(!NT_SUCCESS(wdmemu_open("\\Device\\PnpFdo", GENERIC_READ, 0, 0, &handle)));
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
}

static void a_driver_that_stays_attached_after_remove_is_a_finding(void **state)
{
    (void)state;
    wdmemu_driver *driver;
    PDEVICE_OBJECT pdo = pn_load_and_add(&driver);
    pn_stay_attached = TRUE;
    assert_status(STATUS_UNSUCCESSFUL, wdmemu_pnp_remove_device(pdo));
    const wdmemu_finding *f = ts_finding("REMOVE_DEVICE_LEFT_ATTACHED");
    assert_non_null(f);
    assert_string_equal(f->device, "\\Device\\PnpFdo");
    /* the unload reclaims (and reports) the device the driver never deleted */
    assert_status(STATUS_UNSUCCESSFUL, wdmemu_driver_unload(driver));
    assert_non_null(ts_finding("LEAKED_DEVICE"));
    assert_int_equal(ts_count_findings("REMOVE_DEVICE_LEFT_ATTACHED"), 2); /* the removal before the unload too */
}

static void add_device_errors_are_named(void **state)
{
    (void)state;
    wdmemu_driver *plain;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load(ts_driver("tiny"), NULL, &plain));
    PDEVICE_OBJECT pdo = NULL;
    assert_status(STATUS_INVALID_DEVICE_REQUEST, wdmemu_pnp_add_device(plain, &pdo));
    assert_non_null(strstr(wdmemu_last_error(), "AddDevice"));
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_pnp_add_device(NULL, &pdo));
    wdmemu_driver *driver;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(pn_entry, "pnfdo", &driver));
    PDRIVER_OBJECT tiny = wdmemu_driver_object(plain);
    PDEVICE_OBJECT not_a_pdo = tiny->DeviceObject;
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_pnp_add_device(driver, &not_a_pdo));
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_pnp_start_device(not_a_pdo));
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_pnp_remove_device(not_a_pdo));
    pn_fail_add = TRUE;
    pdo = NULL;
    assert_status(STATUS_INSUFFICIENT_RESOURCES, wdmemu_pnp_add_device(driver, &pdo));
    assert_null(pdo);
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(plain));
}

static int pn_bus_findings, pn_driver_findings;

static void pn_count_findings(wdmemu_message_kind kind, const char *text, void *context)
{
    (void)context;
    if (kind != WDMEMU_MSG_FINDING)
        return;
    if (strstr(text, "PnpManager") != NULL || strstr(text, "\\Device\\0000") != NULL)
        pn_bus_findings++;
    else if (strstr(text, "pnfdo") != NULL)
        pn_driver_findings++;
}

static void a_pnp_stack_left_at_shutdown_is_torn_down_without_blaming_the_bus(void **state)
{
    (void)state;
    wdmemu_finding_policy_set(NULL, WDMEMU_FINDING_RECORDED);
    wdmemu_driver *driver;
    PDEVICE_OBJECT pdo = pn_load_and_add(&driver);
    assert_status(STATUS_SUCCESS, wdmemu_pnp_start_device(pdo));
    pn_bus_findings = pn_driver_findings = 0;
    wdmemu_set_message_handler(pn_count_findings, NULL);
    wdmemu_shutdown(); /* the driver was never unloaded: its device and itself are reported */
    assert_int_equal(pn_bus_findings, 0);
    assert_true(pn_driver_findings >= 2); /* DRIVER_NOT_UNLOADED, LEAKED_DEVICE */
    /* the next kernel numbers PDOs from 1 again */
    wdmemu_set_message_handler(ts_on_message, NULL);
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(pn_entry, "pnfdo", &driver));
    pdo = NULL;
    assert_status(STATUS_SUCCESS, wdmemu_pnp_add_device(driver, &pdo));
    char name[64];
    wdmemu_device_name(pdo, name, sizeof(name));
    assert_string_equal(name, "\\Device\\00000001");
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        pn_test(add_device_gets_a_root_enumerated_pdo),
        pn_test(start_device_travels_down_the_stack_starting_as_not_supported),
        pn_test(remove_device_queries_then_removes_and_deletes_the_pdo),
        pn_test(unloading_a_pnp_driver_removes_its_devices_first),
        pn_test(a_vetoed_query_remove_is_cancelled_and_the_device_stays),
        pn_test(a_filter_is_added_over_an_existing_pdo_and_sees_pnp_irps_first),
        pn_test(add_device_leaving_device_initializing_is_a_finding),
        pn_test(a_driver_that_stays_attached_after_remove_is_a_finding),
        pn_test(add_device_errors_are_named),
        pn_test(a_pnp_stack_left_at_shutdown_is_torn_down_without_blaming_the_bus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
