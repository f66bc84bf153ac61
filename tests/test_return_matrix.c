/* The return-status matrix (Wine's test_return_status, which passes on real Windows): the
 * driver leaves IoStatus.Status = S, may call IoMarkIrpPending, completes the IRP and returns R,
 * for METHOD_BUFFERED, METHOD_OUT_DIRECT and METHOD_NEITHER.  For each of the 9 x 9 x 2 x 3 = 486
 * cases the synchronous requester must see: R unless R is STATUS_PENDING (then S); the
 * IO_STATUS_BLOCK written and the event set unless the request failed (NT_ERROR(S)) without
 * pending; buffered output copied back only if !NT_ERROR(S); and the findings for the cases
 * that break the rules. */
#include "test_support.h"

static const NTSTATUS statuses[9] = {
    STATUS_SUCCESS,               /* success */
    STATUS_PENDING,               /* success, special */
    STATUS_TIMEOUT,               /* success */
    (NTSTATUS)0x0EADBEEF,         /* success, unknown */
    (NTSTATUS)0x4EADBEEF,         /* informational */
    STATUS_BUFFER_OVERFLOW,       /* warning */
    (NTSTATUS)0x8EADBEEF,         /* warning, unknown */
    STATUS_INVALID_DEVICE_REQUEST,/* error */
    (NTSTATUS)0xCEADBEEF,         /* error, unknown */
};
static const ULONG methods[3] = {METHOD_BUFFERED, METHOD_OUT_DIRECT, METHOD_NEITHER};

static NTSTATUS case_return, case_iosb;
static BOOLEAN case_pend;
static PDEVICE_OBJECT matrix_device;

static NTSTATUS NTAPI matrix_dispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG code = stack->Parameters.DeviceIoControl.IoControlCode;
    char *out = NULL;
    switch (METHOD_FROM_CTL_CODE(code)) {
    case METHOD_BUFFERED:
        out = Irp->AssociatedIrp.SystemBuffer;
        break;
    case METHOD_OUT_DIRECT:
        out = MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority);
        break;
    default:
        out = Irp->UserBuffer;
        break;
    }
    memcpy(out, "abc", 3);
    Irp->IoStatus.Status = case_iosb;
    Irp->IoStatus.Information = 3;
    if (case_pend)
        IoMarkIrpPending(Irp);
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return case_return;
}

static VOID NTAPI matrix_unload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
}

static NTSTATUS NTAPI matrix_create_close(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static NTSTATUS NTAPI matrix_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = matrix_dispatch;
    DriverObject->DriverUnload = matrix_unload;
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\Matrix");
    DriverObject->MajorFunction[IRP_MJ_CREATE] = matrix_create_close;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = matrix_create_close;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = matrix_create_close;
    return IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &matrix_device);
}

static BOOLEAN has_finding(const char *rule)
{
    return ts_finding(rule) != NULL;
}

static int run_case(NTSTATUS r, NTSTATUS s, BOOLEAN pend, ULONG method)
{
    char out[8];
    memcpy(out, "xxxxxxx", 8);
    IO_STATUS_BLOCK iosb = {.Status = (NTSTATUS)0x12345678, .Information = 777};
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    case_return = r;
    case_iosb = s;
    case_pend = pend;
    ts_findings_clear();
    ULONG code = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, method, FILE_ANY_ACCESS);
    PIRP irp = IoBuildDeviceIoControlRequest(code, matrix_device, NULL, 0, out, sizeof(out), FALSE, &event, &iosb);
    if (irp == NULL)
        return 1;
    NTSTATUS result = IoCallDriver(matrix_device, irp);
    if (result == STATUS_PENDING) {
        NTSTATUS waited = KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
        result = waited == STATUS_SUCCESS ? iosb.Status : waited;
    }

    BOOLEAN written = !NT_ERROR(s) || pend;
    NTSTATUS expected = r != STATUS_PENDING ? r : (written ? s : STATUS_POSSIBLE_DEADLOCK);
    int bad = 0;
    char why[160] = "";
    if (result != expected) {
        bad = 1;
        snprintf(why, sizeof(why), "requester saw %08X, expected %08X", (unsigned)result, (unsigned)expected);
    } else if (written != (iosb.Status != (NTSTATUS)0x12345678)) {
        bad = 1;
        snprintf(why, sizeof(why), "IOSB %s", written ? "not written" : "written");
    } else if (written && (iosb.Status != s || iosb.Information != 3)) {
        bad = 1;
        snprintf(why, sizeof(why), "IOSB holds %08X/%lu", (unsigned)iosb.Status, (unsigned long)iosb.Information);
    } else if (written != (KeReadStateEvent(&event) != 0)) {
        bad = 1;
        snprintf(why, sizeof(why), "event %s", written ? "not set" : "set");
    } else {
        BOOLEAN copied = memcmp(out, "abc", 3) == 0;
        BOOLEAN want_copy = method != METHOD_BUFFERED || !NT_ERROR(s);
        if (copied != want_copy) {
            bad = 1;
            snprintf(why, sizeof(why), "output %s", want_copy ? "missing" : "copied back on error");
        }
    }
    if (!bad) {
        if (pend && r != STATUS_PENDING && !has_finding("MARKED_PENDING_NOT_RETURNED"))
            bad = 1, snprintf(why, sizeof(why), "no MARKED_PENDING_NOT_RETURNED finding");
        else if (!pend && r == STATUS_PENDING && !has_finding("PENDING_WITHOUT_MARK"))
            bad = 1, snprintf(why, sizeof(why), "no PENDING_WITHOUT_MARK finding");
        else if (s == STATUS_PENDING && !has_finding("COMPLETE_WITH_PENDING"))
            bad = 1, snprintf(why, sizeof(why), "no COMPLETE_WITH_PENDING finding");
        else if (!(pend && r != STATUS_PENDING) && !(!pend && r == STATUS_PENDING) && s != STATUS_PENDING &&
                 wdmemu_finding_count() != 0)
            bad = 1, snprintf(why, sizeof(why), "unexpected finding %s", wdmemu_finding_get(0)->message);
    }
    if (bad)
        print_error("R=%08X S=%08X pend=%d method=%u: %s\n", (unsigned)r, (unsigned)s, pend, (unsigned)method, why);
    return bad;
}

/* The same case through the front end, as an application's DeviceIoControl: on a synchronous
 * handle (the call waits) or an overlapped one (the call returns R at once, the request
 * carries the IO_STATUS_BLOCK when one is written). */
static int run_case_host(HANDLE handle, BOOLEAN overlapped, NTSTATUS r, NTSTATUS s, BOOLEAN pend, ULONG method)
{
    char out[8];
    memcpy(out, "xxxxxxx", 8);
    case_return = r;
    case_iosb = s;
    case_pend = pend;
    ts_findings_clear();
    ULONG code = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, method, FILE_ANY_ACCESS);
    BOOLEAN written = !NT_ERROR(s) || pend;
    char why[160] = "";
    int bad = 0;
    if (!overlapped) {
        ULONG_PTR moved = 777;
        NTSTATUS result = wdmemu_device_control(handle, code, NULL, 0, out, sizeof(out), &moved);
        NTSTATUS expected = r != STATUS_PENDING ? r : (written ? s : STATUS_POSSIBLE_DEADLOCK);
        if (result != expected)
            bad = 1, snprintf(why, sizeof(why), "caller saw %08X, expected %08X", (unsigned)result, (unsigned)expected);
        else if (moved != (written ? 3u : 0u))
            bad = 1, snprintf(why, sizeof(why), "%lu bytes reported", (unsigned long)moved);
    } else {
        wdmemu_request *request = NULL;
        NTSTATUS result = wdmemu_device_control_async(handle, code, NULL, 0, out, sizeof(out), NULL, NULL, &request);
        NTSTATUS status = 0;
        ULONG_PTR moved = 0;
        BOOLEAN have = request != NULL && wdmemu_request_result(request, &status, &moved);
        if (result != r)
            bad = 1, snprintf(why, sizeof(why), "call returned %08X, expected %08X", (unsigned)result, (unsigned)r);
        else if (have != written)
            bad = 1, snprintf(why, sizeof(why), "IO_STATUS_BLOCK %s", written ? "missing" : "written");
        else if (have && (status != s || moved != 3))
            bad = 1, snprintf(why, sizeof(why), "IO_STATUS_BLOCK holds %08X/%lu", (unsigned)status, (unsigned long)moved);
        else if ((request == NULL) != (NT_ERROR(r) && !written))
            bad = 1, snprintf(why, sizeof(why), "request %s", request == NULL ? "missing" : "handed out");
        wdmemu_request_free(request);
    }
    if (!bad) {
        BOOLEAN copied = memcmp(out, "abc", 3) == 0;
        BOOLEAN want_copy = method != METHOD_BUFFERED || !NT_ERROR(s);
        if (copied != want_copy)
            bad = 1, snprintf(why, sizeof(why), "output %s", want_copy ? "missing" : "copied back on error");
    }
    if (!bad) {
        BOOLEAN rule_broken = (pend && r != STATUS_PENDING) || (!pend && r == STATUS_PENDING) || s == STATUS_PENDING;
        if (!rule_broken && wdmemu_finding_count() != 0)
            bad = 1, snprintf(why, sizeof(why), "unexpected finding %s", wdmemu_finding_get(0)->message);
        else if (rule_broken && wdmemu_finding_count() == 0)
            bad = 1, snprintf(why, sizeof(why), "no finding for a broken rule");
    }
    if (bad)
        print_error("%s R=%08X S=%08X pend=%d method=%u: %s\n", overlapped ? "overlapped" : "synchronous",
                    (unsigned)r, (unsigned)s, pend, (unsigned)method, why);
    return bad;
}

static void every_combination_through_the_front_end(void **state)
{
    (void)state;
    wdmemu_driver *driver;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(matrix_entry, "matrix", &driver));
    int cases = 0, failures = 0;
    for (int overlapped = 0; overlapped < 2; overlapped++) {
        HANDLE handle;
        assert_status(STATUS_SUCCESS, wdmemu_open("\\Device\\Matrix", GENERIC_READ | GENERIC_WRITE, 0,
                                                  overlapped ? 0 : FILE_SYNCHRONOUS_IO_NONALERT, &handle));
        for (int m = 0; m < 3; m++)
            for (int ri = 0; ri < 9; ri++)
                for (int si = 0; si < 9; si++)
                    for (int p = 0; p < 2; p++) {
                        failures += run_case_host(handle, (BOOLEAN)overlapped, statuses[ri], statuses[si], (BOOLEAN)p,
                                                  methods[m]);
                        cases++;
                    }
        ts_findings_clear();
        assert_status(STATUS_SUCCESS, wdmemu_handle_close(handle));
    }
    assert_int_equal(cases, 972);
    assert_int_equal(failures, 0);
    ts_findings_clear();
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
}

static void every_combination_follows_the_windows_rules(void **state)
{
    (void)state;
    wdmemu_driver *driver;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(matrix_entry, "matrix", &driver));
    int cases = 0, failures = 0;
    for (int m = 0; m < 3; m++)
        for (int ri = 0; ri < 9; ri++)
            for (int si = 0; si < 9; si++)
                for (int p = 0; p < 2; p++) {
                    failures += run_case(statuses[ri], statuses[si], (BOOLEAN)p, methods[m]);
                    cases++;
                }
    assert_int_equal(cases, 486);
    assert_int_equal(failures, 0);
    ts_findings_clear();
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ts_test(every_combination_follows_the_windows_rules),
        ts_test(every_combination_through_the_front_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
