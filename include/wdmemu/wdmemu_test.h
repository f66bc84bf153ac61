/* wdmemu_test.h: the CMocka test kit for driver authors.  Include it after <cmocka.h>:
 *
 *     #include <wdmemu/wdmemu.h>
 *     #include <stdarg.h>
 *     #include <stddef.h>
 *     #include <stdint.h>
 *     #include <setjmp.h>
 *     #include <cmocka.h>
 *     #include <wdmemu/wdmemu_test.h>
 *
 * and link libwdmemu-test (pkg-config wdmemu-test).  It gives:
 *  - fixtures: every test starts from a fresh emulated kernel with the drivers of its fixture
 *    loaded, and fails at teardown if a driver left anything behind (devices, links, pool,
 *    IRPs), did not unload cleanly, or a finding the test did not examine was reported;
 *  - assertions that print status names: "expected STATUS_SUCCESS, got
 *    STATUS_BUFFER_TOO_SMALL (0xC0000023)";
 *  - one-call requests (open, read, write, IOCTL) that assert the status they expect;
 *  - mock devices below or above the driver under test, scripted with CMocka's queues
 *    (complete, fail, pend and complete later, hold until released, pass down) and recording
 *    every request that reached them;
 *  - assertions on the in-memory trace.
 * Everything here runs on the test's thread, in the kit's own fixture: use one fixture per
 * test (wdmemu_unit_test) and do not mix it with other setup functions that reset wdmemu. */
#ifndef WDMEMU_WDMEMU_TEST_H
#define WDMEMU_WDMEMU_TEST_H

#include "wdmemu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- fixtures ---------------------------------------------------------------------------------- */

#define WDMEMU_TEST_MAX_DRIVERS 8

/* One driver of a fixture: a module (path of the built driver) or a DriverEntry linked into the
 * test; name NULL takes the module's file name (or "driver" for an entry). */
typedef struct wdmemu_test_driver {
    const char *module;
    PDRIVER_INITIALIZE entry;
    const char *name;
} wdmemu_test_driver;

typedef struct wdmemu_test_fixture {
    /* loaded in this order before the test (so a filter can attach over an earlier driver's
     * device), unloaded in the reverse order after it; the list ends at the first empty entry */
    wdmemu_test_driver drivers[WDMEMU_TEST_MAX_DRIVERS];
    uint64_t seed;       /* scheduling seed (deterministic mode); 0: wdmemu's default (WDMEMU_SEED
                            or the built-in one), whatever seed an earlier fixture used */
    BOOLEAN threaded;    /* WDMEMU_MODE_THREADED instead of deterministic */
    BOOLEAN trace;       /* start the in-memory trace sink before loading the drivers */
    /* called on the fresh kernel before the drivers load (NULL: nothing): for what DriverEntry
     * needs to find, e.g. a mock device a filter attaches over, or registry parameters.  CMocka
     * assertions in it fail the setup.  Mock actions it queues must be used up while the
     * drivers load (CMocka drops the setup's queues): queue the test's own in the test. */
    void (*before_drivers)(void);
    /* set by the setup: the loaded drivers, in fixture order */
    wdmemu_driver *loaded[WDMEMU_TEST_MAX_DRIVERS];
} wdmemu_test_fixture;

/* CMocka setup and teardown taking a wdmemu_test_fixture as the test's initial state.  A plain
 * cmocka_unit_test may also call them itself, to run its body on several fixtures in turn (one
 * per seed, say): void *f = &fixture; wdmemu_test_setup(&f) == 0, ..., wdmemu_test_teardown(&f)
 * == 0 (non-zero: the reasons were printed). */
int wdmemu_test_setup(void **state);
int wdmemu_test_teardown(void **state);

/* A test function with its fixture: cmocka_unit_test_prestate_setup_teardown underneath. */
#define wdmemu_unit_test(test, fixture) \
    cmocka_unit_test_prestate_setup_teardown(test, wdmemu_test_setup, wdmemu_test_teardown, (void *)(fixture))

/* The i-th driver the fixture loaded (state is the test function's argument); NULL once
 * wdmemu_test_unload unloaded it. */
wdmemu_driver *wdmemu_test_driver_at(void **state, size_t index);

/* Unloads the fixture's i-th driver now, in the test, and asserts it left nothing behind
 * (wdmemu_driver_unload returned STATUS_SUCCESS); the teardown then leaves it alone.  For tests
 * of DriverUnload itself, or of a filter's detaching while the driver below stays. */
#define wdmemu_test_unload(state, index) wdmemu_test_unload_at((state), (index), __FILE__, __LINE__)
void wdmemu_test_unload_at(void **state, size_t index, const char *file, int line);

/* The first finding with this rule since the test started (NULL if none).  Every finding with
 * the rule then counts as examined: it no longer fails the test at teardown.  The usual pattern
 * for a test that provokes a driver bug on purpose: assert_non_null(wdmemu_test_finding("X")). */
const wdmemu_finding *wdmemu_test_finding(const char *rule);
/* How many findings with this rule were reported (they count as examined too). */
size_t wdmemu_test_finding_count(const char *rule);

/* ---- status assertions ---------------------------------------------------------------------- */

#define assert_nt_status(expected, actual) \
    wdmemu_test_assert_status((expected), (actual), #actual, __FILE__, __LINE__)
#define assert_nt_success(actual) wdmemu_test_assert_success((actual), #actual, __FILE__, __LINE__)
void wdmemu_test_assert_status(NTSTATUS expected, NTSTATUS actual, const char *expression, const char *file, int line);
void wdmemu_test_assert_success(NTSTATUS actual, const char *expression, const char *file, int line);

/* ---- one-call requests -------------------------------------------------------------------------- */

/* Opens name (as wdmemu_open: "\\\\.\\Zero", "\\Device\\Zero") for reading and writing,
 * synchronous, and asserts success; the teardown closes handles the test left open. */
#define wdmemu_test_open(name) wdmemu_test_open_at((name), GENERIC_READ | GENERIC_WRITE, \
                                                   FILE_SYNCHRONOUS_IO_NONALERT, __FILE__, __LINE__)
/* The same for overlapped I/O (the _async requests) */
#define wdmemu_test_open_overlapped(name) wdmemu_test_open_at((name), GENERIC_READ | GENERIC_WRITE, 0, \
                                                              __FILE__, __LINE__)
/* With the access and create options of your choice, e.g. GENERIC_READ and
 * FILE_SYNCHRONOUS_IO_NONALERT | FILE_NO_INTERMEDIATE_BUFFERING (CreateFile with
 * FILE_FLAG_NO_BUFFERING); options without FILE_SYNCHRONOUS_IO_* give an overlapped handle. */
#define wdmemu_test_open_with(name, access, create_options) \
    wdmemu_test_open_at((name), (access), (create_options), __FILE__, __LINE__)
#define wdmemu_test_close(handle) wdmemu_test_close_at((handle), __FILE__, __LINE__)
HANDLE wdmemu_test_open_at(const char *name, ACCESS_MASK access, ULONG create_options, const char *file, int line);
void wdmemu_test_close_at(HANDLE handle, const char *file, int line);

/* A request that must end with `expected`; returns IoStatus.Information (bytes transferred). */
#define wdmemu_test_read(handle, buffer, length, expected) \
    wdmemu_test_read_at((handle), (buffer), (length), (expected), __FILE__, __LINE__)
#define wdmemu_test_write(handle, buffer, length, expected) \
    wdmemu_test_write_at((handle), (buffer), (length), (expected), __FILE__, __LINE__)
#define wdmemu_test_ioctl(handle, code, input, input_length, output, output_length, expected)                 \
    wdmemu_test_ioctl_at((handle), (code), (input), (input_length), (output), (output_length), (expected), \
                         __FILE__, __LINE__)
ULONG_PTR wdmemu_test_read_at(HANDLE handle, void *buffer, ULONG length, NTSTATUS expected, const char *file,
                              int line);
ULONG_PTR wdmemu_test_write_at(HANDLE handle, const void *buffer, ULONG length, NTSTATUS expected, const char *file,
                               int line);
ULONG_PTR wdmemu_test_ioctl_at(HANDLE handle, ULONG code, const void *input, ULONG input_length, void *output,
                               ULONG output_length, NTSTATUS expected, const char *file, int line);

/* ---- mock devices ------------------------------------------------------------------------------- */

/* A device whose dispatch routine (for every major function) is scripted by the test.  Each
 * request that reaches it is recorded, then handled by the next action queued for this mock
 * (wdmemu_mock_will_*, CMocka's will_return queue keyed by the mock's name).  A request with
 * no action queued is completed with STATUS_INVALID_DEVICE_REQUEST and fails the test at
 * teardown ("unexpected request").  Mocks belong to the kit's driver \Driver\wdmemu_mock and are
 * deleted by the teardown (mocks above first, before the fixture's drivers unload). */
typedef struct wdmemu_mock wdmemu_mock;

/* A named device (e.g. "\\Device\\MockDisk") with DO_BUFFERED_IO or DO_DIRECT_IO (or 0) in
 * flags, for the driver under test to open or attach over. */
wdmemu_mock *wdmemu_mock_create(const char *device_name, DEVICE_TYPE type, ULONG flags);
/* An unnamed device attached on top of the stack of the named device: requests sent to that
 * device reach the mock first (queue wdmemu_mock_will_pass_down to let them through). */
wdmemu_mock *wdmemu_mock_attach(const char *target_name);
PDEVICE_OBJECT wdmemu_mock_device(const wdmemu_mock *mock);

/* One request as it arrived. */
typedef struct wdmemu_mock_request {
    UCHAR major, minor;
    ULONG code;                    /* IOCTL / FSCTL code, else 0 */
    ULONG input_length;            /* device controls; writes: the length */
    ULONG output_length;           /* device controls; reads: the length */
    LONGLONG offset;               /* reads and writes */
    KPROCESSOR_MODE requestor_mode;
    PFILE_OBJECT file;
    unsigned char input[256];      /* the first bytes of the input (write data, IOCTL input) */
    ULONG input_captured;
} wdmemu_mock_request;

size_t wdmemu_mock_request_count(const wdmemu_mock *mock);
const wdmemu_mock_request *wdmemu_mock_request_at(const wdmemu_mock *mock, size_t index);

/* Actions, consumed one per request in the order queued: */
/* complete now with status and Information */
#define wdmemu_mock_will_complete(mock, status, information) \
    wdmemu_mock_queue((mock), WDMEMU_MOCK_COMPLETE, (status), (information), NULL, 0, 0, __FILE__, __LINE__)
/* copy length bytes of data into the request's output (system buffer, MDL or user buffer, as
 * the I/O type says; at most the output length) and complete with status, Information = bytes
 * copied.  data must stay valid until the request arrives. */
#define wdmemu_mock_will_complete_data(mock, status, data, length) \
    wdmemu_mock_queue((mock), WDMEMU_MOCK_COMPLETE, (status), 0, (data), (length), 0, __FILE__, __LINE__)
/* mark pending, return STATUS_PENDING, complete from a DPC after delay_ms of (virtual) time; 0:
 * at the next scheduling point.  Cancelable meanwhile (then STATUS_CANCELLED). */
#define wdmemu_mock_will_pend(mock, status, information, delay_ms) \
    wdmemu_mock_queue((mock), WDMEMU_MOCK_PEND, (status), (information), NULL, 0, (delay_ms), __FILE__, __LINE__)
/* mark pending and keep the IRP until wdmemu_mock_release; cancelable meanwhile */
#define wdmemu_mock_will_hold(mock, status, information) \
    wdmemu_mock_queue((mock), WDMEMU_MOCK_HOLD, (status), (information), NULL, 0, 0, __FILE__, __LINE__)
/* pass the request to the device below (IoSkipCurrentIrpStackLocation + IoCallDriver) */
#define wdmemu_mock_will_pass_down(mock) \
    wdmemu_mock_queue((mock), WDMEMU_MOCK_PASS_DOWN, STATUS_SUCCESS, 0, NULL, 0, 0, __FILE__, __LINE__)
typedef enum wdmemu_mock_action_kind {
    WDMEMU_MOCK_COMPLETE = 1,
    WDMEMU_MOCK_PEND,
    WDMEMU_MOCK_HOLD,
    WDMEMU_MOCK_PASS_DOWN
} wdmemu_mock_action_kind;

void wdmemu_mock_queue(wdmemu_mock *mock, wdmemu_mock_action_kind kind, NTSTATUS status, ULONG_PTR information,
                       const void *data, size_t length, uint64_t delay_ms, const char *file, int line);
/* Queues the last queued action again, count more times. */
void wdmemu_mock_repeat(wdmemu_mock *mock, size_t count);

/* Completes every held request, oldest first, with the status and Information of its action;
 * returns how many. */
size_t wdmemu_mock_release(wdmemu_mock *mock);
/* Requests held or pended and not yet completed. */
size_t wdmemu_mock_outstanding(const wdmemu_mock *mock);

/* Parameter checks with CMocka's expect_* macros: each call lets the next request that reaches
 * this mock be checked against what the test queued with
 *     expect_value(wdmemu_mock_check, major, IRP_MJ_READ);
 *     expect_value(wdmemu_mock_check, minor, 0);
 *     expect_value(wdmemu_mock_check, code, 0);
 *     expect_in_range(wdmemu_mock_check, input_length, 0, 16);
 *     expect_any(wdmemu_mock_check, output_length);
 * (all five parameters, for each checked request).  wdmemu_mock_expect queues them for the
 * common case: major, minor and code exact, lengths any. */
void wdmemu_mock_check_next(wdmemu_mock *mock);
#define wdmemu_mock_expect(mock, major_value, minor_value, code_value)            \
    do {                                                                          \
        expect_value(wdmemu_mock_check, major, (major_value));                    \
        expect_value(wdmemu_mock_check, minor, (minor_value));                    \
        expect_value(wdmemu_mock_check, code, (code_value));                      \
        expect_any(wdmemu_mock_check, input_length);                              \
        expect_any(wdmemu_mock_check, output_length);                             \
        wdmemu_mock_check_next(mock);                                             \
    } while (0)
/* The function the checks are keyed on (called by the mock's dispatch routine). */
void wdmemu_mock_check(ULONG major, ULONG minor, ULONG code, ULONG input_length, ULONG output_length);

/* ---- trace assertions (in-memory sink: fixture .trace = TRUE, or wdmemu_trace_start("memory")) -- */

/* The index of the first record at or after from of this kind (NULL any) for this IRP (0 any)
 * at this device (NULL any); fails the test, printing the trace, when there is none. */
#define assert_traced(from, kind, irp, device) \
    wdmemu_test_assert_traced((from), (kind), (irp), (device), __FILE__, __LINE__)
size_t wdmemu_test_assert_traced(size_t from, const char *kind, uint32_t irp, const char *device, const char *file,
                                 int line);
/* Fails when such a record exists. */
#define assert_not_traced(kind, irp, device) \
    wdmemu_test_assert_not_traced((kind), (irp), (device), __FILE__, __LINE__)
void wdmemu_test_assert_not_traced(const char *kind, uint32_t irp, const char *device, const char *file, int line);
/* How many such records there are. */
size_t wdmemu_test_trace_count(const char *kind, uint32_t irp, const char *device);
/* The same two selecting by major function (IRP_MJ_READ ...; -1 any) instead of IRP, and
 * counting from record `from` on: "the first IRP_COMPLETE of a read at \Device\X after
 * record n", "how many reads reached \Device\X". */
#define assert_traced_major(from, kind, major, device) \
    wdmemu_test_assert_traced_major((from), (kind), (major), (device), __FILE__, __LINE__)
size_t wdmemu_test_assert_traced_major(size_t from, const char *kind, int major, const char *device,
                                       const char *file, int line);
size_t wdmemu_test_trace_count_major(size_t from, const char *kind, int major, const char *device);
/* Prints the trace as text (for a failing test's output). */
void wdmemu_test_trace_print(void);

#ifdef __cplusplus
}
#endif

#endif /* WDMEMU_WDMEMU_TEST_H */
