/* The object namespace as drivers and requesters see it: \Device names, symbolic links in \??
 * and through \DosDevices and \GLOBAL??, "\\.\" names, case-insensitive lookup, remainders,
 * and the status codes Windows gives for bad, missing and colliding names. */
#include "test_support.h"

static PDRIVER_OBJECT ns_driver;
static wdmemu_driver *ns_handle;

static VOID NTAPI ns_unload(PDRIVER_OBJECT DriverObject)
{
    (void)DriverObject;
}

static NTSTATUS NTAPI ns_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    DriverObject->DriverUnload = ns_unload;
    ns_driver = DriverObject;
    return STATUS_SUCCESS;
}

static int ns_setup(void **state)
{
    ts_setup(state);
    return NT_SUCCESS(wdmemu_driver_load_entry(ns_entry, "ns", &ns_handle)) ? 0 : -1;
}

#define ns_test(f) cmocka_unit_test_setup_teardown(f, ns_setup, ts_teardown)

static NTSTATUS ns_create(const WCHAR *name, PDEVICE_OBJECT *device)
{
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, name);
    return IoCreateDevice(ns_driver, 0, &u, FILE_DEVICE_UNKNOWN, 0, FALSE, device);
}

static NTSTATUS ns_link(const WCHAR *link, const WCHAR *target)
{
    UNICODE_STRING l, t;
    RtlInitUnicodeString(&l, link);
    RtlInitUnicodeString(&t, target);
    return IoCreateSymbolicLink(&l, &t);
}

static NTSTATUS ns_unlink(const WCHAR *link)
{
    UNICODE_STRING l;
    RtlInitUnicodeString(&l, link);
    return IoDeleteSymbolicLink(&l);
}

static void expect_device(const char *name, PDEVICE_OBJECT expected, const char *remainder)
{
    PDEVICE_OBJECT device = NULL;
    char rest[128];
    assert_status(STATUS_SUCCESS, wdmemu_device_lookup(name, &device, rest, sizeof(rest)));
    assert_ptr_equal(device, expected);
    assert_string_equal(rest, remainder);
    ObDereferenceObject(device);
}

static void lookup_resolves_all_requester_spellings(void **state)
{
    (void)state;
    PDEVICE_OBJECT device;
    assert_status(STATUS_SUCCESS, ns_create(L"\\Device\\Zero", &device));
    assert_status(STATUS_SUCCESS, ns_link(L"\\??\\Zero", L"\\Device\\Zero"));
    expect_device("\\Device\\Zero", device, "");
    expect_device("\\??\\Zero", device, "");
    expect_device("\\\\.\\Zero", device, "");
    expect_device("\\\\?\\Zero", device, "");
    expect_device("\\DosDevices\\Zero", device, "");
    expect_device("\\GLOBAL??\\Zero", device, "");
    expect_device("\\DEVICE\\zero", device, "");
    expect_device("\\\\.\\ZERO", device, "");
    expect_device("\\\\.\\Zero\\sub\\path", device, "\\sub\\path");
    expect_device("\\Device\\Zero\\x", device, "\\x");
}

static void link_created_through_dosdevices_lands_in_global_directory(void **state)
{
    (void)state;
    PDEVICE_OBJECT device;
    char target[64];
    assert_status(STATUS_SUCCESS, ns_create(L"\\Device\\Ioctl", &device));
    assert_status(STATUS_SUCCESS, ns_link(L"\\DosDevices\\IoctlTest", L"\\Device\\Ioctl"));
    assert_status(STATUS_SUCCESS, wdmemu_symlink_target("\\??\\IoctlTest", target, sizeof(target)));
    assert_string_equal(target, "\\Device\\Ioctl");
    expect_device("\\\\.\\IoctlTest", device, "");
    /* Deleting by the other spelling removes the same link. */
    assert_status(STATUS_SUCCESS, ns_unlink(L"\\??\\ioctltest"));
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_symlink_target("\\??\\IoctlTest", target, sizeof(target)));
}

static void links_may_dangle_and_chain(void **state)
{
    (void)state;
    PDEVICE_OBJECT device, found;
    /* A link can be created before its target exists. */
    assert_status(STATUS_SUCCESS, ns_link(L"\\??\\Later", L"\\Device\\Later"));
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_device_lookup("\\\\.\\Later", &found, NULL, 0));
    assert_status(STATUS_SUCCESS, ns_create(L"\\Device\\Later", &device));
    expect_device("\\\\.\\Later", device, "");
    /* A link to a link is followed. */
    assert_status(STATUS_SUCCESS, ns_link(L"\\??\\Alias", L"\\??\\Later"));
    expect_device("\\\\.\\Alias\\tail", device, "\\tail");
}

static void link_loops_end_with_path_not_found(void **state)
{
    (void)state;
    PDEVICE_OBJECT found;
    assert_status(STATUS_SUCCESS, ns_link(L"\\??\\LoopA", L"\\??\\LoopB"));
    assert_status(STATUS_SUCCESS, ns_link(L"\\??\\LoopB", L"\\??\\LoopA"));
    assert_status(STATUS_OBJECT_PATH_NOT_FOUND, wdmemu_device_lookup("\\??\\LoopA", &found, NULL, 0));
}

static void missing_names_and_paths_are_distinguished(void **state)
{
    (void)state;
    PDEVICE_OBJECT found;
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_device_lookup("\\Device\\Nothing", &found, NULL, 0));
    assert_status(STATUS_OBJECT_PATH_NOT_FOUND, wdmemu_device_lookup("\\NoDirectory\\Nothing", &found, NULL, 0));
    assert_status(STATUS_OBJECT_PATH_NOT_FOUND, wdmemu_device_lookup("\\NoDirectory\\Deeper\\X", &found, NULL, 0));
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_device_lookup("\\\\.\\Nothing", &found, NULL, 0));
    assert_null(found);
}

static void malformed_names_are_rejected(void **state)
{
    (void)state;
    PDEVICE_OBJECT device = (PDEVICE_OBJECT)1;
    assert_status(STATUS_OBJECT_PATH_SYNTAX_BAD, ns_create(L"Device\\Relative", &device));
    assert_null(device);
    assert_status(STATUS_OBJECT_NAME_INVALID, ns_create(L"\\Device\\\\Double", &device));
    assert_status(STATUS_OBJECT_NAME_INVALID, ns_create(L"\\Device\\Trailing\\", &device));
    UNICODE_STRING odd = {3, 8, (PWCH)L"\\X"};
    assert_status(STATUS_OBJECT_NAME_INVALID, IoCreateDevice(ns_driver, 0, &odd, FILE_DEVICE_UNKNOWN, 0, FALSE, &device));
    UNICODE_STRING empty = {0, 2, (PWCH)L""};
    assert_status(STATUS_OBJECT_NAME_INVALID, IoCreateDevice(ns_driver, 0, &empty, FILE_DEVICE_UNKNOWN, 0, FALSE, &device));
    assert_status(STATUS_OBJECT_PATH_NOT_FOUND, ns_create(L"\\NoSuchDirectory\\Dev", &device));
    assert_status(STATUS_OBJECT_NAME_INVALID, ns_link(L"\\??\\Bad\\", L"\\Device\\X"));
    PDEVICE_OBJECT found;
    assert_status(STATUS_OBJECT_NAME_INVALID, wdmemu_device_lookup("\\Device\\\\X", &found, NULL, 0));
    assert_status(STATUS_OBJECT_PATH_SYNTAX_BAD, wdmemu_device_lookup("Zero", &found, NULL, 0));
    assert_null(ns_driver->DeviceObject);
}

static void collisions_are_reported_case_insensitively(void **state)
{
    (void)state;
    PDEVICE_OBJECT device, second = (PDEVICE_OBJECT)1;
    assert_status(STATUS_SUCCESS, ns_create(L"\\Device\\Same", &device));
    assert_status(STATUS_OBJECT_NAME_COLLISION, ns_create(L"\\DEVICE\\same", &second));
    assert_null(second);
    assert_status(STATUS_SUCCESS, ns_link(L"\\??\\Same", L"\\Device\\Same"));
    assert_status(STATUS_OBJECT_NAME_COLLISION, ns_link(L"\\DosDevices\\SAME", L"\\Device\\Other"));
    /* Device and link names share one namespace. */
    assert_status(STATUS_OBJECT_NAME_COLLISION, ns_link(L"\\Device\\Same", L"\\Device\\Other"));
    assert_status(STATUS_OBJECT_NAME_COLLISION, ns_create(L"\\Device", &second));
    assert_ptr_equal(ns_driver->DeviceObject, device);
    assert_null(device->NextDevice);
}

static void deleting_links_checks_existence_and_type(void **state)
{
    (void)state;
    PDEVICE_OBJECT device;
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, ns_unlink(L"\\??\\Never"));
    assert_status(STATUS_OBJECT_PATH_NOT_FOUND, ns_unlink(L"\\Nowhere\\Never"));
    assert_status(STATUS_SUCCESS, ns_create(L"\\Device\\NotALink", &device));
    assert_status(STATUS_OBJECT_TYPE_MISMATCH, ns_unlink(L"\\Device\\NotALink"));
    assert_status(STATUS_SUCCESS, ns_link(L"\\??\\Once", L"\\Device\\NotALink"));
    assert_status(STATUS_SUCCESS, ns_unlink(L"\\??\\Once"));
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, ns_unlink(L"\\??\\Once"));
    UNICODE_STRING bad = {0, 0, NULL};
    assert_status(STATUS_OBJECT_NAME_INVALID, IoDeleteSymbolicLink(&bad));
}

static void lookup_of_non_device_is_type_mismatch(void **state)
{
    (void)state;
    PDEVICE_OBJECT found;
    assert_status(STATUS_OBJECT_TYPE_MISMATCH, wdmemu_device_lookup("\\Device", &found, NULL, 0));
    assert_status(STATUS_OBJECT_TYPE_MISMATCH, wdmemu_device_lookup("\\Driver\\ns", &found, NULL, 0));
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_device_lookup(NULL, &found, NULL, 0));
}

static void unicode_names_compare_case_insensitively(void **state)
{
    (void)state;
    PDEVICE_OBJECT device;
    assert_status(STATUS_SUCCESS, ns_create(L"\\Device\\Caf\x00e9\x0436", &device));
    expect_device("\\Device\\CAF\xc3\x89\xd0\x96", device, "");
    char name[64];
    wdmemu_device_name(device, name, sizeof(name));
    assert_string_equal(name, "\\Device\\Caf\xc3\xa9\xd0\xb6");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ns_test(lookup_resolves_all_requester_spellings),
        ns_test(link_created_through_dosdevices_lands_in_global_directory),
        ns_test(links_may_dangle_and_chain),
        ns_test(link_loops_end_with_path_not_found),
        ns_test(missing_names_and_paths_are_distinguished),
        ns_test(malformed_names_are_rejected),
        ns_test(collisions_are_reported_case_insensitively),
        ns_test(deleting_links_checks_existence_and_type),
        ns_test(lookup_of_non_device_is_type_mismatch),
        ns_test(unicode_names_compare_case_insensitively),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
