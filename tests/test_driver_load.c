/* Loading and unloading driver modules: DriverEntry and DriverUnload calls, the DRIVER_OBJECT
 * as Windows builds it, local symbol binding, and every error path (missing module, no
 * DriverEntry, failing DriverEntry, no DriverUnload, leftovers, exceptions). */
#include "test_support.h"

static void load_tiny_creates_device_and_link_and_unloads_cleanly(void **state)
{
    (void)state;
    wdmemu_driver *driver = NULL;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load(ts_driver("tiny"), NULL, &driver));
    assert_non_null(driver);
    assert_string_equal(wdmemu_driver_name(driver), "tiny");

    PDEVICE_OBJECT device = NULL;
    assert_status(STATUS_SUCCESS, wdmemu_device_lookup("\\\\.\\WdmemuTiny", &device, NULL, 0));
    assert_ptr_equal(device, wdmemu_driver_object(driver)->DeviceObject);
    ObDereferenceObject(device);
    char target[64];
    assert_status(STATUS_SUCCESS, wdmemu_symlink_target("\\??\\WdmemuTiny", target, sizeof(target)));
    assert_string_equal(target, "\\Device\\WdmemuTiny");

    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
    assert_no_findings();
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_device_lookup("\\Device\\WdmemuTiny", &device, NULL, 0));
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_symlink_target("\\??\\WdmemuTiny", target, sizeof(target)));
    assert_non_null(strstr(ts_messages.debug, "tiny: DriverEntry \\Registry\\Machine\\System\\CurrentControlSet\\Services\\tiny\n"));
    assert_non_null(strstr(ts_messages.debug, "tiny: unloading\n"));
}

static void driver_object_is_initialised_like_windows(void **state)
{
    (void)state;
    wdmemu_driver *driver = NULL;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load(ts_driver("nounload"), "shape", &driver));
    PDRIVER_OBJECT object = wdmemu_driver_object(driver);
    assert_int_equal(object->Type, IO_TYPE_DRIVER);
    assert_int_equal(object->Size, sizeof(DRIVER_OBJECT));
    assert_ptr_equal(object->DriverExtension, (char *)object + sizeof(DRIVER_OBJECT));
    assert_ptr_equal(object->DriverExtension->DriverObject, object);
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Driver\\shape");
    UNICODE_STRING service = RTL_CONSTANT_STRING(L"shape");
    assert_true(RtlEqualUnicodeString(&object->DriverName, &name, FALSE));
    assert_true(RtlEqualUnicodeString(&object->DriverExtension->ServiceKeyName, &service, FALSE));
    assert_non_null(object->HardwareDatabase);
    assert_null(object->DriverUnload);
    assert_null(object->DeviceObject);
    assert_non_null(object->DriverInit);
    /* Every major function defaults to the same routine, which fails requests. */
    for (int i = 1; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        assert_ptr_equal(object->MajorFunction[i], object->MajorFunction[0]);
    assert_non_null(object->MajorFunction[0]);
    /* It stays loaded: no DriverUnload. */
    assert_status(STATUS_INVALID_DEVICE_REQUEST, wdmemu_driver_unload(driver));
    assert_non_null(strstr(ts_messages.errors, "cannot unload \\Driver\\shape: it has no DriverUnload"));
    assert_ptr_equal(wdmemu_driver_object(driver), object);
}

static void default_major_function_completes_with_invalid_device_request(void **state)
{
    (void)state;
    wdmemu_driver *driver = NULL;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load(ts_driver("nounload"), NULL, &driver));
    PDRIVER_OBJECT object = wdmemu_driver_object(driver);
    PDEVICE_OBJECT device = NULL;
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\DefaultDispatch");
    assert_status(STATUS_SUCCESS, IoCreateDevice(object, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device));
    device->Flags &= ~DO_DEVICE_INITIALIZING;
    PFILE_OBJECT file = NULL;
    PDEVICE_OBJECT top = NULL;
    /* The create goes to the default routine, which completes it with the error. */
    assert_status(STATUS_INVALID_DEVICE_REQUEST, IoGetDeviceObjectPointer(&name, FILE_READ_DATA, &file, &top));
    assert_null(file);
    IoDeleteDevice(device);
    assert_no_findings();
}

static void two_drivers_with_the_same_globals_each_get_their_own(void **state)
{
    (void)state;
    wdmemu_driver *a = NULL, *b = NULL;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load(ts_driver("twin_a"), NULL, &a));
    /* twin_b's DriverEntry fails unless its own TwinCounter starts at zero. */
    assert_status(STATUS_SUCCESS, wdmemu_driver_load(ts_driver("twin_b"), NULL, &b));
    assert_string_equal(wdmemu_driver_name(a), "twin_a");
    assert_string_equal(wdmemu_driver_name(b), "twin_b");
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(b));
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(a));
    assert_non_null(strstr(ts_messages.debug, "twin b: counter 1\n"));
    assert_non_null(strstr(ts_messages.debug, "twin a: counter 1\n"));
}

static void loading_the_same_driver_name_twice_fails(void **state)
{
    (void)state;
    wdmemu_driver *a = NULL, *b = NULL;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load(ts_driver("twin_a"), "same", &a));
    assert_status(STATUS_IMAGE_ALREADY_LOADED, wdmemu_driver_load(ts_driver("twin_b"), "same", &b));
    assert_null(b);
    assert_non_null(strstr(wdmemu_last_error(), "\\Driver\\same"));
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(a));
}

static void missing_module_is_dll_not_found(void **state)
{
    (void)state;
    wdmemu_driver *driver = (wdmemu_driver *)1;
    assert_status(STATUS_DLL_NOT_FOUND, wdmemu_driver_load("/nonexistent/driver.so", NULL, &driver));
    assert_null(driver);
    assert_non_null(strstr(wdmemu_last_error(), "/nonexistent/driver.so"));
    assert_non_null(strstr(wdmemu_last_error(), "STATUS_DLL_NOT_FOUND"));
}

static void module_that_is_not_a_library_is_invalid_image(void **state)
{
    (void)state;
    wdmemu_driver *driver = NULL;
    /* A source file is not a loadable module. */
    assert_status(STATUS_INVALID_IMAGE_FORMAT, wdmemu_driver_load(__FILE__, "notamodule", &driver));
    assert_null(driver);
}

static void module_without_driver_entry_is_entrypoint_not_found(void **state)
{
    (void)state;
    wdmemu_driver *driver = NULL;
    assert_status(STATUS_ENTRYPOINT_NOT_FOUND, wdmemu_driver_load(ts_driver("nodriverentry"), NULL, &driver));
    assert_null(driver);
    assert_non_null(strstr(wdmemu_last_error(), "DriverEntry"));
}

static void failing_driver_entry_is_reported_and_its_device_reclaimed(void **state)
{
    (void)state;
    wdmemu_driver *driver = NULL;
    assert_status(STATUS_DEVICE_CONFIGURATION_ERROR, wdmemu_driver_load(ts_driver("failentry"), NULL, &driver));
    assert_null(driver);
    assert_non_null(strstr(ts_messages.errors, "DriverEntry of \\Driver\\failentry failed"));
    assert_non_null(strstr(ts_messages.errors, "STATUS_DEVICE_CONFIGURATION_ERROR (0xC0000182)"));
    const wdmemu_finding *f = ts_finding("LEAKED_DEVICE");
    assert_non_null(f);
    assert_string_equal(f->device, "\\Device\\WdmemuFailEntry");
    assert_string_equal(f->driver, "\\Driver\\failentry");
    PDEVICE_OBJECT device;
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_device_lookup("\\Device\\WdmemuFailEntry", &device, NULL, 0));
    /* The name is free again: the driver can be loaded a second time. */
    ts_findings_clear();
    assert_status(STATUS_DEVICE_CONFIGURATION_ERROR, wdmemu_driver_load(ts_driver("failentry"), NULL, &driver));
    assert_int_equal(ts_count_findings("LEAKED_DEVICE"), 1);
}

static void unload_reports_leftover_device_and_link_by_name(void **state)
{
    (void)state;
    wdmemu_driver *driver = NULL;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load(ts_driver("leaky"), NULL, &driver));
    assert_status(STATUS_UNSUCCESSFUL, wdmemu_driver_unload(driver));
    assert_int_equal(wdmemu_finding_count(), 2);
    const wdmemu_finding *dev = ts_finding("LEAKED_DEVICE");
    const wdmemu_finding *link = ts_finding("LEAKED_SYMBOLIC_LINK");
    assert_non_null(dev);
    assert_non_null(link);
    assert_string_equal(dev->device, "\\Device\\WdmemuLeaky");
    assert_non_null(strstr(dev->message, "\\Driver\\leaky left device \\Device\\WdmemuLeaky after DriverUnload"));
    /* \DosDevices resolves to \??: the link is reported under its real name. */
    assert_non_null(strstr(link->message, "\\??\\WdmemuLeaky -> \\Device\\WdmemuLeaky"));
    PDEVICE_OBJECT device;
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_device_lookup("\\Device\\WdmemuLeaky", &device, NULL, 0));
}

static void unhandled_exception_in_driver_entry_is_a_finding(void **state)
{
    (void)state;
    wdmemu_driver *driver = NULL;
    assert_status(STATUS_ACCESS_VIOLATION, wdmemu_driver_load(ts_driver("raising"), NULL, &driver));
    assert_null(driver);
    const wdmemu_finding *f = ts_finding("KMODE_EXCEPTION_NOT_HANDLED");
    assert_non_null(f);
    assert_int_equal(f->status, STATUS_ACCESS_VIOLATION);
    assert_non_null(strstr(f->message, "DriverEntry of \\Driver\\raising"));
}

static void cpp_driver_loads_and_unloads(void **state)
{
    (void)state;
    wdmemu_driver *driver = NULL;
    char path[1024];
    snprintf(path, sizeof(path), "%s", ts_driver("cppdriver"));
    FILE *probe = fopen(path, "rb");
    if (probe == NULL)
        skip();
    fclose(probe);
    assert_status(STATUS_SUCCESS, wdmemu_driver_load(path, NULL, &driver));
    PDEVICE_OBJECT device = wdmemu_driver_object(driver)->DeviceObject;
    assert_non_null(device);
    assert_int_equal(((unsigned char *)device->DeviceExtension)[31], 0xA5);
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
    assert_no_findings();
}

static void shutdown_reclaims_drivers_still_loaded(void **state)
{
    (void)state;
    wdmemu_driver *driver = NULL;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load(ts_driver("tiny"), NULL, &driver));
    wdmemu_shutdown();
    wdmemu_set_message_handler(ts_on_message, NULL);
    /* After shutdown everything is gone; the kernel comes back empty. */
    PDEVICE_OBJECT device;
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_device_lookup("\\Device\\WdmemuTiny", &device, NULL, 0));
    assert_status(STATUS_SUCCESS, wdmemu_driver_load(ts_driver("tiny"), NULL, &driver));
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
}

static void bad_arguments_are_rejected_with_messages(void **state)
{
    (void)state;
    wdmemu_driver *driver = NULL;
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_driver_load(NULL, NULL, &driver));
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_driver_load(ts_driver("tiny"), NULL, NULL));
    assert_status(STATUS_OBJECT_NAME_INVALID, wdmemu_driver_load(ts_driver("tiny"), "a\\b", &driver));
    assert_status(STATUS_OBJECT_NAME_INVALID, wdmemu_driver_load(ts_driver("tiny"), "", &driver));
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_driver_unload(NULL));
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_driver_unload((wdmemu_driver *)&driver));
    assert_non_null(strstr(wdmemu_last_error(), "is not a loaded driver"));
    assert_null(wdmemu_driver_object(NULL));
    /* The tiny driver can still be loaded after all that. */
    assert_status(STATUS_SUCCESS, wdmemu_driver_load(ts_driver("tiny"), NULL, &driver));
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
}

/* A driver linked into the test itself. */
static int linked_entry_calls;
static VOID NTAPI linked_unload(PDRIVER_OBJECT DriverObject)
{
    (void)DriverObject;
}
static NTSTATUS NTAPI linked_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING expected = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\linked");
    assert_true(RtlEqualUnicodeString(RegistryPath, &expected, TRUE));
    linked_entry_calls++;
    DriverObject->DriverUnload = linked_unload;
    return STATUS_SUCCESS;
}

static void driver_linked_into_the_test_loads_by_entry_point(void **state)
{
    (void)state;
    wdmemu_driver *driver = NULL;
    linked_entry_calls = 0;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(linked_entry, "linked", &driver));
    assert_int_equal(linked_entry_calls, 1);
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_driver_load_entry(NULL, "x", &driver));
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_driver_load_entry(linked_entry, NULL, &driver));
}

static void status_helpers_name_format_and_parse(void **state)
{
    (void)state;
    assert_string_equal(wdmemu_status_name(STATUS_BUFFER_TOO_SMALL), "STATUS_BUFFER_TOO_SMALL");
    assert_null(wdmemu_status_name((NTSTATUS)0xE0001234));
    char text[64];
    wdmemu_status_format(STATUS_PENDING, text, sizeof(text));
    assert_string_equal(text, "STATUS_PENDING (0x00000103)");
    NTSTATUS status = 0;
    assert_true(wdmemu_status_parse("STATUS_ACCESS_DENIED", &status));
    assert_int_equal(status, STATUS_ACCESS_DENIED);
    assert_true(wdmemu_status_parse("0xC0000023", &status));
    assert_int_equal(status, STATUS_BUFFER_TOO_SMALL);
    assert_true(wdmemu_status_parse("259", &status));
    assert_int_equal(status, STATUS_PENDING);
    assert_true(wdmemu_status_parse("-1073741823", &status));
    assert_int_equal(status, STATUS_UNSUCCESSFUL);
    assert_false(wdmemu_status_parse("STATUS_NO_SUCH_THING", &status));
    assert_false(wdmemu_status_parse("0x1FFFFFFFF", &status));
    assert_false(wdmemu_status_parse("", &status));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ts_test(load_tiny_creates_device_and_link_and_unloads_cleanly),
        ts_test(driver_object_is_initialised_like_windows),
        ts_test(default_major_function_completes_with_invalid_device_request),
        ts_test(two_drivers_with_the_same_globals_each_get_their_own),
        ts_test(loading_the_same_driver_name_twice_fails),
        ts_test(missing_module_is_dll_not_found),
        ts_test(module_that_is_not_a_library_is_invalid_image),
        ts_test(module_without_driver_entry_is_entrypoint_not_found),
        ts_test(failing_driver_entry_is_reported_and_its_device_reclaimed),
        ts_test(unload_reports_leftover_device_and_link_by_name),
        ts_test(unhandled_exception_in_driver_entry_is_a_finding),
        ts_test(cpp_driver_loads_and_unloads),
        ts_test(shutdown_reclaims_drivers_still_loaded),
        ts_test(bad_arguments_are_rejected_with_messages),
        ts_test(driver_linked_into_the_test_loads_by_entry_point),
        ts_test(status_helpers_name_format_and_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
