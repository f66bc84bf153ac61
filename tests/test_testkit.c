/* The test kit for driver authors (wdmemu_test.h), tested the way a driver author uses it:
 * fixtures that load drivers and fail the test for leftovers and unexamined findings, one-call
 * requests, mock devices scripted with CMocka's queues (complete, data, pend, hold, cancel,
 * pass down, parameter checks, recorded requests), a hook that prepares what DriverEntry needs,
 * unloading a fixture driver in the test, and trace assertions.  The failure paths of
 * the teardown are driven by calling setup and teardown directly. */
#include <wdmemu/wdmemu.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <wdmemu/wdmemu_test.h>

#define ECHO_IOCTL(n) CTL_CODE(FILE_DEVICE_UNKNOWN, n, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define MOCK_IOCTL CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS)

static const char *kt_module(const char *name)
{
    static char paths[4][1024];
    static int next;
    char *path = paths[next++ % 4];
#if defined(_WIN32)
    snprintf(path, 1024, "%s/%s.dll", TEST_DRIVER_DIR, name);
#else
    snprintf(path, 1024, "%s/%s.so", TEST_DRIVER_DIR, name);
#endif
    return path;
}

static wdmemu_test_fixture echo_fixture;
static wdmemu_test_fixture empty_fixture;

/* ---- fixtures and requests ---------------------------------------------------------------------- */

static void the_fixture_loads_its_drivers_and_requests_take_one_call(void **state)
{
    wdmemu_driver *echo = wdmemu_test_driver_at(state, 0);
    assert_non_null(echo);
    assert_string_equal(wdmemu_driver_name(echo), "echo");
    HANDLE h = wdmemu_test_open("\\\\.\\WdmemuEcho");
    char buffer[8];
    assert_int_equal(wdmemu_test_read(h, buffer, 4, STATUS_SUCCESS), 4);
    assert_memory_equal(buffer, "EEEE", 4);
    assert_int_equal(wdmemu_test_write(h, "hello", 5, STATUS_SUCCESS), 5);
    char out[8] = {0};
    assert_int_equal(wdmemu_test_ioctl(h, ECHO_IOCTL(0x800), "ping", 4, out, sizeof(out), STATUS_SUCCESS), 4);
    assert_memory_equal(out, "ping", 4);
    wdmemu_test_ioctl(h, ECHO_IOCTL(0x803), NULL, 0, NULL, 0, STATUS_INVALID_DEVICE_REQUEST);
    wdmemu_test_close(h);
    /* a handle left open is closed by the teardown (the driver then unloads cleanly) */
    (void)wdmemu_test_open("\\\\.\\WdmemuEcho");
}

static void the_trace_can_be_asserted_on(void **state)
{
    (void)state;
    HANDLE h = wdmemu_test_open("\\\\.\\WdmemuEcho");
    char out[4];
    wdmemu_test_ioctl(h, ECHO_IOCTL(0x800), "ab", 2, out, sizeof(out), STATUS_SUCCESS);
    size_t dispatch = assert_traced(0, "IRP_DISPATCH", 0, "\\Device\\WdmemuEcho");
    uint32_t irp = wdmemu_trace_get(dispatch)->irp;
    assert_traced(dispatch, "IRP_FINAL", irp, NULL);
    assert_not_traced("IRP_CANCEL", 0, NULL);
    assert_int_equal(wdmemu_test_trace_count("IRP_DISPATCH", irp, NULL), 1);
    assert_true(wdmemu_test_trace_count("IRP_DISPATCH", 0, "\\Device\\WdmemuEcho") >= 2); /* create, ioctl */
    /* by major function, from a record on */
    size_t control = assert_traced_major(0, "IRP_DISPATCH", IRP_MJ_DEVICE_CONTROL, "\\Device\\WdmemuEcho");
    assert_true(control > dispatch);
    assert_int_equal(wdmemu_trace_get(control)->ioctl, ECHO_IOCTL(0x800));
    assert_int_equal(wdmemu_test_trace_count_major(0, "IRP_DISPATCH", IRP_MJ_CREATE, "\\Device\\WdmemuEcho"), 1);
    assert_int_equal(wdmemu_test_trace_count_major(0, "IRP_DISPATCH", -1, "\\Device\\WdmemuEcho"), 2);
    assert_int_equal(wdmemu_test_trace_count_major(control, "IRP_DISPATCH", IRP_MJ_CREATE, NULL), 0);
    assert_int_equal(wdmemu_test_trace_count_major(control, "IRP_DISPATCH", IRP_MJ_DEVICE_CONTROL, NULL), 1);
    /* records without a request (DRIVER_ENTRY ...) have no major function, not IRP_MJ_CREATE (0) */
    assert_true(wdmemu_test_trace_count("DRIVER_ENTRY", 0, NULL) >= 1);
    assert_int_equal(wdmemu_test_trace_count_major(0, "DRIVER_ENTRY", IRP_MJ_CREATE, NULL), 0);
    wdmemu_test_close(h);
}

static void a_handle_can_be_opened_with_the_access_and_options_of_the_test(void **state)
{
    (void)state;
    HANDLE reader = wdmemu_test_open_with("\\\\.\\WdmemuEcho", GENERIC_READ, FILE_SYNCHRONOUS_IO_NONALERT);
    char buffer[2];
    assert_int_equal(wdmemu_test_read(reader, buffer, 2, STATUS_SUCCESS), 2);
    wdmemu_test_write(reader, "x", 1, STATUS_ACCESS_DENIED);
    HANDLE overlapped = wdmemu_test_open_with("\\\\.\\WdmemuEcho", GENERIC_WRITE, 0);
    int64_t offset = 0;
    wdmemu_request *request;
    assert_nt_success(wdmemu_write_async(overlapped, "y", 1, &offset, NULL, NULL, &request));
    assert_nt_status(STATUS_SUCCESS, wdmemu_request_wait(request, -1));
    wdmemu_request_free(request);
    wdmemu_test_close(reader);
    wdmemu_test_close(overlapped);
}

/* A test may unload a fixture driver itself (to test DriverUnload); the teardown skips it. */
static void a_test_can_unload_a_fixture_driver_itself(void **state)
{
    wdmemu_test_unload(state, 0);
    assert_null(wdmemu_test_driver_at(state, 0));
    PDEVICE_OBJECT device;
    assert_nt_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_device_lookup("\\Device\\WdmemuEcho", &device, NULL, 0));
    assert_traced(0, "DRIVER_UNLOADED", 0, NULL);
}

/* ---- mocks ---------------------------------------------------------------------------------- */

static void a_mock_completes_fails_and_returns_data_as_scripted(void **state)
{
    (void)state;
    wdmemu_mock *mock = wdmemu_mock_create("\\Device\\KitMock", FILE_DEVICE_UNKNOWN, DO_BUFFERED_IO);
    wdmemu_mock_will_complete(mock, STATUS_SUCCESS, 0); /* IRP_MJ_CREATE */
    wdmemu_mock_will_complete_data(mock, STATUS_SUCCESS, "\x01\x02\x03", 3);
    wdmemu_mock_will_complete(mock, STATUS_DEVICE_NOT_READY, 0);
    wdmemu_mock_will_complete_data(mock, STATUS_SUCCESS, "abcdef", 6);
    wdmemu_mock_will_complete(mock, STATUS_SUCCESS, 0); /* IRP_MJ_CLEANUP */
    wdmemu_mock_repeat(mock, 1);                        /* IRP_MJ_CLOSE */
    HANDLE h = wdmemu_test_open("\\Device\\KitMock");
    char buffer[8] = {0};
    assert_int_equal(wdmemu_test_read(h, buffer, sizeof(buffer), STATUS_SUCCESS), 3);
    assert_memory_equal(buffer, "\x01\x02\x03", 3);
    wdmemu_test_write(h, "x", 1, STATUS_DEVICE_NOT_READY);
    /* data longer than the output: cut to the output length */
    char out[4];
    assert_int_equal(wdmemu_test_ioctl(h, MOCK_IOCTL, "in", 2, out, sizeof(out), STATUS_SUCCESS), 4);
    assert_memory_equal(out, "abcd", 4);
    wdmemu_test_close(h);
    /* every request was recorded as it arrived */
    assert_int_equal(wdmemu_mock_request_count(mock), 6);
    const wdmemu_mock_request *read = wdmemu_mock_request_at(mock, 1);
    assert_int_equal(read->major, IRP_MJ_READ);
    assert_int_equal(read->output_length, 8);
    const wdmemu_mock_request *write = wdmemu_mock_request_at(mock, 2);
    assert_int_equal(write->major, IRP_MJ_WRITE);
    assert_int_equal(write->input_length, 1);
    assert_int_equal(write->input_captured, 1);
    assert_int_equal(write->input[0], 'x');
    const wdmemu_mock_request *control = wdmemu_mock_request_at(mock, 3);
    assert_int_equal(control->code, MOCK_IOCTL);
    assert_int_equal(control->input_length, 2);
    assert_memory_equal(control->input, "in", 2);
    assert_int_equal(control->requestor_mode, UserMode);
    assert_int_equal(wdmemu_mock_request_at(mock, 5)->major, IRP_MJ_CLOSE);
    assert_null(wdmemu_mock_request_at(mock, 6));
}

static void a_mock_pends_and_completes_from_a_dpc_later(void **state)
{
    (void)state;
    wdmemu_mock *mock = wdmemu_mock_create("\\Device\\KitMock", FILE_DEVICE_UNKNOWN, DO_BUFFERED_IO);
    wdmemu_mock_will_complete(mock, STATUS_SUCCESS, 0);
    wdmemu_mock_will_pend(mock, STATUS_SUCCESS, 7, 250);
    wdmemu_mock_will_complete(mock, STATUS_SUCCESS, 0);
    wdmemu_mock_repeat(mock, 1);
    HANDLE h = wdmemu_test_open_overlapped("\\Device\\KitMock");
    char buffer[16];
    int64_t offset = 0;
    wdmemu_request *request;
    assert_nt_status(STATUS_PENDING, wdmemu_read_async(h, buffer, sizeof(buffer), &offset, NULL, NULL, &request));
    assert_int_equal(wdmemu_mock_outstanding(mock), 1);
    uint64_t before = wdmemu_time_now();
    assert_nt_status(STATUS_SUCCESS, wdmemu_request_wait(request, -1));
    assert_int_equal(wdmemu_time_now() - before, 250 * 10000); /* virtual time went to the timer */
    NTSTATUS status;
    ULONG_PTR information;
    assert_true(wdmemu_request_result(request, &status, &information));
    assert_nt_status(STATUS_SUCCESS, status);
    assert_int_equal(information, 7);
    assert_int_equal(wdmemu_mock_outstanding(mock), 0);
    wdmemu_request_free(request);
    wdmemu_test_close(h);
}

static void a_held_request_waits_for_release_or_cancel(void **state)
{
    (void)state;
    wdmemu_mock *mock = wdmemu_mock_create("\\Device\\KitMock", FILE_DEVICE_UNKNOWN, DO_BUFFERED_IO);
    wdmemu_mock_will_complete(mock, STATUS_SUCCESS, 0);
    wdmemu_mock_will_hold(mock, STATUS_SUCCESS, 3);
    wdmemu_mock_will_hold(mock, STATUS_SUCCESS, 4);
    wdmemu_mock_will_complete(mock, STATUS_SUCCESS, 0);
    wdmemu_mock_repeat(mock, 1);
    HANDLE h = wdmemu_test_open_overlapped("\\Device\\KitMock");
    char a[4], b[4];
    int64_t offset = 0;
    wdmemu_request *first, *second;
    assert_nt_status(STATUS_PENDING, wdmemu_read_async(h, a, sizeof(a), &offset, NULL, NULL, &first));
    assert_nt_status(STATUS_PENDING, wdmemu_read_async(h, b, sizeof(b), &offset, NULL, NULL, &second));
    wdmemu_run_until_idle();
    assert_false(wdmemu_request_result(first, NULL, NULL)); /* held: nothing completes it by itself */
    assert_int_equal(wdmemu_mock_outstanding(mock), 2);
    /* cancelling one ends it with STATUS_CANCELLED through the mock's cancel routine */
    assert_nt_status(STATUS_SUCCESS, wdmemu_request_cancel(second));
    NTSTATUS status;
    ULONG_PTR information;
    assert_true(wdmemu_request_result(second, &status, &information));
    assert_nt_status(STATUS_CANCELLED, status);
    /* releasing completes the other with its scripted result */
    assert_int_equal(wdmemu_mock_release(mock), 1);
    assert_true(wdmemu_request_result(first, &status, &information));
    assert_nt_status(STATUS_SUCCESS, status);
    assert_int_equal(information, 3);
    wdmemu_request_free(first);
    wdmemu_request_free(second);
    wdmemu_test_close(h);
}

static void checks_queued_with_expect_value_are_applied_to_the_next_request(void **state)
{
    (void)state;
    wdmemu_mock *mock = wdmemu_mock_create("\\Device\\KitMock", FILE_DEVICE_UNKNOWN, DO_BUFFERED_IO);
    wdmemu_mock_will_complete(mock, STATUS_SUCCESS, 0);
    HANDLE h = wdmemu_test_open("\\Device\\KitMock"); /* no checks queued: not checked */
    wdmemu_mock_expect(mock, IRP_MJ_DEVICE_CONTROL, 0, MOCK_IOCTL);
    wdmemu_mock_will_complete(mock, STATUS_SUCCESS, 0);
    char out[2];
    wdmemu_test_ioctl(h, MOCK_IOCTL, "abc", 3, out, sizeof(out), STATUS_SUCCESS);
    /* all five parameters, precisely */
    expect_value(wdmemu_mock_check, major, IRP_MJ_WRITE);
    expect_value(wdmemu_mock_check, minor, 0);
    expect_value(wdmemu_mock_check, code, 0);
    expect_in_range(wdmemu_mock_check, input_length, 1, 4);
    expect_value(wdmemu_mock_check, output_length, 0);
    wdmemu_mock_check_next(mock);
    wdmemu_mock_will_complete(mock, STATUS_SUCCESS, 2);
    assert_int_equal(wdmemu_test_write(h, "zz", 2, STATUS_SUCCESS), 2);
    wdmemu_mock_will_complete(mock, STATUS_SUCCESS, 0);
    wdmemu_mock_repeat(mock, 1);
    wdmemu_test_close(h);
}

static void a_mock_above_a_driver_intercepts_or_passes_requests_down(void **state)
{
    (void)state;
    wdmemu_mock *mock = wdmemu_mock_attach("\\Device\\WdmemuEcho");
    assert_ptr_equal(IoGetAttachedDevice(wdmemu_mock_device(mock)), wdmemu_mock_device(mock));
    wdmemu_mock_will_pass_down(mock); /* create */
    HANDLE h = wdmemu_test_open("\\\\.\\WdmemuEcho");
    wdmemu_mock_will_complete_data(mock, STATUS_SUCCESS, "MOCK", 4); /* intercepted: echo never sees it */
    char buffer[4];
    assert_int_equal(wdmemu_test_read(h, buffer, 4, STATUS_SUCCESS), 4);
    assert_memory_equal(buffer, "MOCK", 4);
    assert_int_equal(wdmemu_test_trace_count("IRP_DISPATCH", wdmemu_trace_get(wdmemu_trace_count() - 1)->irp,
                                             "\\Device\\WdmemuEcho"), 0);
    wdmemu_mock_will_pass_down(mock); /* passed down: echo answers */
    assert_int_equal(wdmemu_test_read(h, buffer, 4, STATUS_SUCCESS), 4);
    assert_memory_equal(buffer, "EEEE", 4);
    wdmemu_mock_will_pass_down(mock);
    wdmemu_mock_repeat(mock, 1);
    wdmemu_test_close(h);
    assert_int_equal(wdmemu_mock_request_count(mock), 5);
}

static wdmemu_test_fixture threaded_fixture = {.threaded = TRUE};

static void mocks_work_in_threaded_mode_too(void **state)
{
    (void)state;
    assert_int_equal(wdmemu_get_mode(), WDMEMU_MODE_THREADED);
    wdmemu_mock *mock = wdmemu_mock_create("\\Device\\KitMock", FILE_DEVICE_UNKNOWN, DO_DIRECT_IO);
    wdmemu_mock_will_complete(mock, STATUS_SUCCESS, 0);
    wdmemu_mock_will_pend(mock, STATUS_SUCCESS, 2, 5); /* completed on the DPC thread */
    wdmemu_mock_will_complete_data(mock, STATUS_SUCCESS, "zz", 2);
    wdmemu_mock_will_complete(mock, STATUS_SUCCESS, 0);
    wdmemu_mock_repeat(mock, 1);
    HANDLE h = wdmemu_test_open("\\Device\\KitMock");
    char buffer[2];
    assert_int_equal(wdmemu_test_read(h, buffer, sizeof(buffer), STATUS_SUCCESS), 2); /* waits for the DPC */
    assert_int_equal(wdmemu_test_read(h, buffer, sizeof(buffer), STATUS_SUCCESS), 2); /* through the MDL */
    assert_memory_equal(buffer, "zz", 2);
    wdmemu_test_close(h);
}

/* ---- a hook before the drivers load ------------------------------------------------------------ */

/* A driver that, like a filter, opens a device in its DriverEntry: the device must exist before
 * it loads, so the fixture creates it as a mock in its before_drivers hook. */
static wdmemu_mock *lower_mock;
static NTSTATUS opened_in_driver_entry;

static void create_the_lower_mock(void)
{
    lower_mock = wdmemu_mock_create("\\Device\\KitLower", FILE_DEVICE_UNKNOWN, DO_BUFFERED_IO);
    wdmemu_mock_will_complete(lower_mock, STATUS_SUCCESS, 0); /* the opener's create, cleanup, close */
    wdmemu_mock_repeat(lower_mock, 2);
}

static void create_a_mock(void)
{
    lower_mock = wdmemu_mock_create("\\Device\\KitLower", FILE_DEVICE_UNKNOWN, DO_BUFFERED_IO);
}

static VOID NTAPI opener_unload(PDRIVER_OBJECT DriverObject)
{
    (void)DriverObject;
}

static NTSTATUS NTAPI opener_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    DriverObject->DriverUnload = opener_unload;
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\KitLower");
    PFILE_OBJECT file;
    PDEVICE_OBJECT device;
    opened_in_driver_entry = IoGetDeviceObjectPointer(&name, FILE_READ_DATA, &file, &device);
    if (NT_SUCCESS(opened_in_driver_entry))
        ObDereferenceObject(file);
    return opened_in_driver_entry;
}

static wdmemu_test_fixture opener_fixture = {.drivers = {{.entry = opener_entry, .name = "opener"}},
                                             .before_drivers = create_the_lower_mock};

static void before_drivers_prepares_what_driver_entry_needs(void **state)
{
    assert_non_null(wdmemu_test_driver_at(state, 0));
    assert_nt_status(STATUS_SUCCESS, opened_in_driver_entry);
    assert_int_equal(wdmemu_mock_request_count(lower_mock), 3);
    assert_int_equal(wdmemu_mock_request_at(lower_mock, 0)->major, IRP_MJ_CREATE);
    assert_int_equal(wdmemu_mock_request_at(lower_mock, 1)->major, IRP_MJ_CLEANUP);
    assert_int_equal(wdmemu_mock_request_at(lower_mock, 2)->major, IRP_MJ_CLOSE);
    /* from here on the test scripts the mock */
    wdmemu_mock_will_complete(lower_mock, STATUS_SUCCESS, 0);
    wdmemu_mock_will_complete_data(lower_mock, STATUS_SUCCESS, "ok", 2);
    wdmemu_mock_will_complete(lower_mock, STATUS_SUCCESS, 0);
    wdmemu_mock_repeat(lower_mock, 1);
    HANDLE h = wdmemu_test_open("\\Device\\KitLower");
    char buffer[2];
    assert_int_equal(wdmemu_test_read(h, buffer, 2, STATUS_SUCCESS), 2);
    assert_memory_equal(buffer, "ok", 2);
    wdmemu_test_close(h);
}

/* The seed is wdmemu's default for every fixture without one, whatever ran before. */
static void a_fixture_without_a_seed_does_not_inherit_the_previous_ones(void **state)
{
    (void)state;
    static wdmemu_test_fixture seeded = {.seed = 77};
    void *fixture = &empty_fixture;
    assert_int_equal(wdmemu_test_setup(&fixture), 0);
    uint64_t default_seed = wdmemu_get_seed();
    assert_int_not_equal(default_seed, 77);
    assert_int_equal(wdmemu_test_teardown(&fixture), 0);
    fixture = &seeded;
    assert_int_equal(wdmemu_test_setup(&fixture), 0);
    assert_int_equal(wdmemu_get_seed(), 77);
    assert_int_equal(wdmemu_test_teardown(&fixture), 0);
    fixture = &empty_fixture;
    assert_int_equal(wdmemu_test_setup(&fixture), 0);
    assert_int_equal(wdmemu_get_seed(), default_seed);
    assert_int_equal(wdmemu_test_teardown(&fixture), 0);
}

/* ---- the teardown fails a test for what it should ------------------------------------------------ */

static wdmemu_test_fixture leaky_fixture;

static void the_teardown_fails_for_leftovers_unexamined_findings_and_mock_surprises(void **state)
{
    (void)state;
    /* a driver that leaves its device and link behind */
    void *fixture = &leaky_fixture;
    assert_int_equal(wdmemu_test_setup(&fixture), 0);
    assert_int_equal(wdmemu_test_teardown(&fixture), -1);

    /* a finding nobody examined fails the test; an examined one does not */
    fixture = &empty_fixture;
    assert_int_equal(wdmemu_test_setup(&fixture), 0);
    IoCompleteRequest(NULL, IO_NO_INCREMENT);
    assert_int_equal(wdmemu_test_teardown(&fixture), -1);
    assert_int_equal(wdmemu_test_setup(&fixture), 0);
    IoCompleteRequest(NULL, IO_NO_INCREMENT);
    const wdmemu_finding *f = wdmemu_test_finding(wdmemu_finding_get(0)->rule);
    assert_non_null(f);
    assert_int_equal(wdmemu_test_finding_count(f->rule), 1);
    assert_int_equal(wdmemu_test_teardown(&fixture), 0);

    /* a request a mock was not told about, and one still held at the end */
    assert_int_equal(wdmemu_test_setup(&fixture), 0);
    wdmemu_mock *mock = wdmemu_mock_create("\\Device\\KitMock", FILE_DEVICE_UNKNOWN, 0);
    HANDLE h;
    assert_nt_status(STATUS_INVALID_DEVICE_REQUEST, wdmemu_open("\\Device\\KitMock", GENERIC_READ, 0, 0, &h));
    assert_int_equal(wdmemu_test_teardown(&fixture), -1);
    assert_int_equal(wdmemu_test_setup(&fixture), 0);
    mock = wdmemu_mock_create("\\Device\\KitMock", FILE_DEVICE_UNKNOWN, 0);
    wdmemu_mock_will_complete(mock, STATUS_SUCCESS, 0);
    wdmemu_mock_will_hold(mock, STATUS_SUCCESS, 0);
    wdmemu_mock_will_complete(mock, STATUS_SUCCESS, 0);
    wdmemu_mock_repeat(mock, 1);
    h = wdmemu_test_open_overlapped("\\Device\\KitMock");
    char buffer[4];
    int64_t offset = 0;
    wdmemu_request *request;
    assert_nt_status(STATUS_PENDING, wdmemu_read_async(h, buffer, sizeof(buffer), &offset, NULL, NULL, &request));
    wdmemu_request_free(request);
    assert_int_equal(wdmemu_test_teardown(&fixture), -1); /* held request: cancelled and reported */

    /* a fixture driver that cannot load fails the setup; the mocks its hook made are gone for
     * the next test */
    static wdmemu_test_fixture missing = {.drivers = {{.module = "/nonexistent/driver.so"}},
                                          .before_drivers = create_a_mock};
    fixture = &missing;
    assert_int_equal(wdmemu_test_setup(&fixture), -1);
    fixture = &empty_fixture;
    assert_int_equal(wdmemu_test_setup(&fixture), 0);
    mock = wdmemu_mock_create("\\Device\\KitLower", FILE_DEVICE_UNKNOWN, 0);
    assert_int_equal(wdmemu_mock_request_count(mock), 0);
    wdmemu_mock_will_complete(mock, STATUS_SUCCESS, 0);
    wdmemu_mock_repeat(mock, 2);
    wdmemu_test_close(wdmemu_test_open("\\Device\\KitLower"));
    assert_int_equal(wdmemu_test_teardown(&fixture), 0);
}

int main(void)
{
    echo_fixture.drivers[0].module = kt_module("echo");
    echo_fixture.trace = TRUE;
    leaky_fixture.drivers[0].module = kt_module("leaky");
    const struct CMUnitTest tests[] = {
        wdmemu_unit_test(the_fixture_loads_its_drivers_and_requests_take_one_call, &echo_fixture),
        wdmemu_unit_test(the_trace_can_be_asserted_on, &echo_fixture),
        wdmemu_unit_test(a_handle_can_be_opened_with_the_access_and_options_of_the_test, &echo_fixture),
        wdmemu_unit_test(a_test_can_unload_a_fixture_driver_itself, &echo_fixture),
        wdmemu_unit_test(a_mock_completes_fails_and_returns_data_as_scripted, &empty_fixture),
        wdmemu_unit_test(a_mock_pends_and_completes_from_a_dpc_later, &empty_fixture),
        wdmemu_unit_test(a_held_request_waits_for_release_or_cancel, &empty_fixture),
        wdmemu_unit_test(checks_queued_with_expect_value_are_applied_to_the_next_request, &empty_fixture),
        wdmemu_unit_test(a_mock_above_a_driver_intercepts_or_passes_requests_down, &echo_fixture),
        wdmemu_unit_test(mocks_work_in_threaded_mode_too, &threaded_fixture),
        wdmemu_unit_test(before_drivers_prepares_what_driver_entry_needs, &opener_fixture),
        cmocka_unit_test(a_fixture_without_a_seed_does_not_inherit_the_previous_ones),
        cmocka_unit_test(the_teardown_fails_for_leftovers_unexamined_findings_and_mock_surprises),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
