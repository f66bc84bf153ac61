/* test_zero_filter.c: the zero-filter sample's tests, written with wdmemu's test kit
 * (<wdmemu/wdmemu_test.h>): attaching over \Device\Zero and detaching, and what each level of
 * the stack sees for the three forwarding styles (skip for create/cleanup/close, synchronous
 * forwarding for writes, asynchronous forwarding for reads) when the Zero driver completes at
 * once and when it pends (completing from a DPC), over many scheduling seeds; then the filter
 * over a mock \Device\Zero scripted by the test, to reach the cases Zero never produces (a
 * lower driver that fails, one that pends a request for a given time).  The trace (IRP_DISPATCH
 * per device, COMPLETION_ROUTINE with PendingReturned and status), the filter's own counters
 * and the requests the mock recorded are the witnesses. */
#include <wdmemu/wdmemu.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <wdmemu/wdmemu_test.h>

#include "zero_filter_ioctl.h"
#include "zero_ioctl.h"

/* The stack: Zero, then the filter over it (ZERO_MODULE and ZERO_FILTER_MODULE are the paths of
 * the built modules; meson passes them).  The kit unloads them in the reverse order. */
static wdmemu_test_fixture stack = {.drivers = {{.module = ZERO_MODULE}, {.module = ZERO_FILTER_MODULE}},
                                    .trace = TRUE};
/* No driver at all. */
static wdmemu_test_fixture nothing;

static const char zero_device[] = "\\Device\\Zero";
static char filter_device[64]; /* the filter's unnamed device, as the trace names it */

/* The create options of the handles the tests open, as CreateFile sets them. */
#define SYNC (FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE) /* cached, synchronous */
#define OVERLAPPED FILE_NON_DIRECTORY_FILE                             /* FILE_FLAG_OVERLAPPED */

/* Finds the name of the filter's device, the one attached to \Device\Zero. */
static void find_filter_device(void)
{
    PDEVICE_OBJECT device;
    assert_nt_status(STATUS_SUCCESS, wdmemu_device_lookup(zero_device, &device, NULL, 0));
    assert_non_null(device->AttachedDevice);
    wdmemu_device_name(device->AttachedDevice, filter_device, sizeof(filter_device));
    ObDereferenceObject(device);
}

static HANDLE open_zero(ACCESS_MASK access, ULONG options)
{
    return wdmemu_test_open_with(ZERO_USER_NAME, access, options);
}

static ZERO_FILTER_COUNTERS filter_counters(HANDLE handle)
{
    ZERO_FILTER_COUNTERS counters;
    assert_int_equal(wdmemu_test_ioctl(handle, IOCTL_ZERO_FILTER_GET_COUNTERS, NULL, 0, &counters, sizeof(counters),
                                       STATUS_SUCCESS),
                     sizeof(counters));
    return counters;
}

static void zero_set_pending(HANDLE handle, ULONG flags)
{
    wdmemu_test_ioctl(handle, IOCTL_ZERO_SET_PENDING, &flags, sizeof(flags), NULL, 0, STATUS_SUCCESS);
}

static int all_bytes(const void *buffer, size_t length, unsigned char value)
{
    const unsigned char *bytes = buffer;
    for (size_t i = 0; i < length; i++) {
        if (bytes[i] != value)
            return 0;
    }
    return 1;
}

/* The IRP number of the first IRP_DISPATCH of this major at the filter from record `from` on. */
static uint32_t irp_at_filter(size_t from, int major)
{
    return wdmemu_trace_get(assert_traced_major(from, "IRP_DISPATCH", major, filter_device))->irp;
}

/* The record of this kind for IRP irp at device (NULL: any), asserting there is exactly one. */
static const wdmemu_trace_record *only_record(const char *kind, uint32_t irp, const char *device)
{
    size_t index = assert_traced(0, kind, irp, device);
    assert_int_equal(wdmemu_test_trace_count(kind, irp, device), 1);
    return wdmemu_trace_get(index);
}

/* ---- attaching ------------------------------------------------------------------------------- */

static void attaches_over_zero_and_detaches_on_unload(void **state)
{
    wdmemu_driver *filter = wdmemu_test_driver_at(state, 1);
    PDEVICE_OBJECT device;
    assert_nt_status(STATUS_SUCCESS, wdmemu_device_lookup(zero_device, &device, NULL, 0));
    PDEVICE_OBJECT top = device->AttachedDevice;
    assert_non_null(top);
    assert_ptr_equal(top->DriverObject, wdmemu_driver_object(filter));
    assert_null(top->AttachedDevice);
    assert_int_equal(top->StackSize, device->StackSize + 1);
    assert_true(top->Flags & DO_DIRECT_IO);
    assert_false(top->Flags & DO_DEVICE_INITIALIZING);
    assert_int_equal(top->DeviceType, device->DeviceType);
    /* No fast I/O above Zero: the filter has none. */
    assert_null(wdmemu_driver_object(filter)->FastIoDispatch);
    /* The filter unloads (cleanly, or the kit fails the test here) while Zero stays. */
    wdmemu_test_unload(state, 1);
    assert_int_equal(wdmemu_finding_count(), 0);
    assert_null(device->AttachedDevice);
    ObDereferenceObject(device);
    /* Without the filter, reads on a cached handle are fast again. */
    HANDLE h = open_zero(GENERIC_READ, SYNC);
    unsigned char buffer[4];
    size_t from = wdmemu_trace_count();
    wdmemu_test_read(h, buffer, sizeof(buffer), STATUS_SUCCESS);
    assert_int_equal(wdmemu_test_trace_count_major(from, "FAST_IO", IRP_MJ_READ, zero_device), 1);
    wdmemu_test_close(h);
}

static void ignore_messages(wdmemu_message_kind kind, const char *text, void *context)
{
    (void)kind;
    (void)text;
    (void)context;
}

static void print_errors_and_findings(wdmemu_message_kind kind, const char *text, void *context);

static void refuses_to_load_without_zero(void **state)
{
    (void)state;
    wdmemu_driver *driver = (wdmemu_driver *)1;
    wdmemu_set_message_handler(ignore_messages, NULL); /* the failed load is expected */
    NTSTATUS status = wdmemu_driver_load(ZERO_FILTER_MODULE, NULL, &driver);
    wdmemu_set_message_handler(print_errors_and_findings, NULL);
    assert_nt_status(STATUS_OBJECT_NAME_NOT_FOUND, status);
    assert_null(driver);
    assert_int_equal(wdmemu_finding_count(), 0);
}

/* ---- skip -------------------------------------------------------------------------------------- */

/* Create, cleanup and close go down in the filter's own stack location: Zero sees the same
 * CurrentLocation as the filter, and no completion routine is involved. */
static void create_cleanup_and_close_are_skipped(void **state)
{
    (void)state;
    find_filter_device();
    size_t from = wdmemu_trace_count();
    HANDLE h = open_zero(GENERIC_READ, SYNC);
    ZERO_FILTER_COUNTERS before = filter_counters(h);
    wdmemu_test_close(h);
    const int majors[] = {IRP_MJ_CREATE, IRP_MJ_CLEANUP, IRP_MJ_CLOSE};
    for (int i = 0; i < 3; i++) {
        uint32_t irp = irp_at_filter(from, majors[i]);
        const wdmemu_trace_record *above = only_record("IRP_DISPATCH", irp, filter_device);
        const wdmemu_trace_record *below = only_record("IRP_DISPATCH", irp, zero_device);
        assert_int_equal(below->stack_location, above->stack_location);
        assert_int_equal(below->depth, above->depth + 1);
        assert_int_equal(wdmemu_test_trace_count("COMPLETION_ROUTINE", irp, NULL), 0);
        assert_nt_status(STATUS_SUCCESS, only_record("IRP_DISPATCH_RETURNED", irp, filter_device)->status);
        assert_nt_status(STATUS_SUCCESS, only_record("IRP_FINAL", irp, NULL)->status);
    }
    /* The counters' own IOCTL is answered by the filter: Zero never sees it. */
    assert_int_equal(wdmemu_test_trace_count_major(from, "IRP_DISPATCH", IRP_MJ_DEVICE_CONTROL, zero_device), 0);
    h = open_zero(GENERIC_READ, SYNC);
    ZERO_FILTER_COUNTERS after = filter_counters(h);
    assert_int_equal(after.Skipped - before.Skipped, 3); /* cleanup, close, create */
    /* Zero's own IOCTLs are skipped down to it. */
    ZERO_STATS stats;
    size_t before_ioctl = wdmemu_trace_count();
    wdmemu_test_ioctl(h, IOCTL_ZERO_GET_STATS, NULL, 0, &stats, sizeof(stats), STATUS_SUCCESS);
    uint32_t irp = irp_at_filter(before_ioctl, IRP_MJ_DEVICE_CONTROL);
    assert_int_equal(only_record("IRP_DISPATCH", irp, zero_device)->stack_location,
                     only_record("IRP_DISPATCH", irp, filter_device)->stack_location);
    assert_int_equal(filter_counters(h).Skipped, after.Skipped + 1);
    /* A buffer too small for the counters. */
    ZERO_FILTER_COUNTERS small;
    wdmemu_test_ioctl(h, IOCTL_ZERO_FILTER_GET_COUNTERS, NULL, 0, &small, sizeof(small) - 1, STATUS_BUFFER_TOO_SMALL);
    wdmemu_test_close(h);
}

/* ---- synchronous forwarding (writes) ------------------------------------------------------------ */

/* What each level sees of the first write the filter received from record `from` on: the device
 * below gets its own (copied) stack location; the filter's completion routine stops the
 * completion (STATUS_MORE_PROCESSING_REQUIRED) and the filter completes the IRP a second time,
 * with the lower driver's result; the filter never returns STATUS_PENDING. */
static void check_forwarded_write(size_t from, ULONG length, BOOLEAN lower_pended, NTSTATUS result,
                                  ULONG_PTR information)
{
    uint32_t irp = irp_at_filter(from, IRP_MJ_WRITE);
    const wdmemu_trace_record *above = only_record("IRP_DISPATCH", irp, filter_device);
    const wdmemu_trace_record *below = only_record("IRP_DISPATCH", irp, zero_device);
    assert_int_equal(below->stack_location, above->stack_location - 1);
    assert_int_equal(below->output_length, length);
    assert_nt_status(lower_pended ? STATUS_PENDING : result,
                     only_record("IRP_DISPATCH_RETURNED", irp, zero_device)->status);
    const wdmemu_trace_record *routine = only_record("COMPLETION_ROUTINE", irp, filter_device);
    assert_int_equal(routine->pending_returned, lower_pended);
    assert_nt_status(result, routine->status);
    assert_int_equal(routine->irql, lower_pended ? DISPATCH_LEVEL : PASSIVE_LEVEL);
    assert_nt_status(STATUS_MORE_PROCESSING_REQUIRED,
                     only_record("COMPLETION_ROUTINE_RETURNED", irp, filter_device)->status);
    /* Completed twice: below, then by the filter after its wait. */
    assert_int_equal(wdmemu_test_trace_count("IRP_COMPLETE", irp, zero_device), 1);
    const wdmemu_trace_record *again = only_record("IRP_COMPLETE", irp, filter_device);
    assert_true(again->seq > routine->seq);
    assert_int_equal(again->irql, PASSIVE_LEVEL);
    assert_nt_status(result, again->status);
    assert_nt_status(result, only_record("IRP_DISPATCH_RETURNED", irp, filter_device)->status);
    const wdmemu_trace_record *final = only_record("IRP_FINAL", irp, NULL);
    assert_nt_status(result, final->status);
    assert_int_equal(final->information, information);
}

static void write_is_forwarded_synchronously(void **state)
{
    (void)state;
    find_filter_device();
    HANDLE h = open_zero(GENERIC_READ | GENERIC_WRITE, SYNC);
    char data[100];
    memset(data, 'w', sizeof(data));
    size_t from = wdmemu_trace_count();
    assert_int_equal(wdmemu_test_write(h, data, 100, STATUS_SUCCESS), 100);
    check_forwarded_write(from, 100, FALSE, STATUS_SUCCESS, 100);
    ZERO_FILTER_COUNTERS counters = filter_counters(h);
    assert_int_equal(counters.WritesForwarded, 1);
    assert_int_equal(counters.WritesWaited, 0);
    assert_int_equal(counters.WritesPendingReturned, 0);
    assert_int_equal(counters.WriteBytes, 100);

    /* Zero pends: the filter waits in its dispatch routine (the DPC runs meanwhile). */
    zero_set_pending(h, ZERO_PEND_WRITES);
    from = wdmemu_trace_count();
    assert_int_equal(wdmemu_test_write(h, data, 60, STATUS_SUCCESS), 60);
    check_forwarded_write(from, 60, TRUE, STATUS_SUCCESS, 60);
    counters = filter_counters(h);
    assert_int_equal(counters.WritesForwarded, 2);
    assert_int_equal(counters.WritesWaited, 1);
    assert_int_equal(counters.WritesPendingReturned, 1);
    assert_int_equal(counters.WriteBytes, 160);
    assert_int_equal(counters.WritesFailed, 0);

    /* Even on an overlapped handle the write does not pend for the caller: the filter made it
     * synchronous. */
    HANDLE ov = open_zero(GENERIC_WRITE, OVERLAPPED);
    int64_t offset = 0;
    wdmemu_request *request;
    from = wdmemu_trace_count();
    assert_nt_status(STATUS_SUCCESS, wdmemu_write_async(ov, data, 5, &offset, NULL, NULL, &request));
    check_forwarded_write(from, 5, TRUE, STATUS_SUCCESS, 5);
    NTSTATUS status;
    ULONG_PTR information;
    assert_true(wdmemu_request_result(request, &status, &information));
    assert_int_equal(information, 5);
    wdmemu_request_free(request);
    ZERO_STATS stats;
    wdmemu_test_ioctl(h, IOCTL_ZERO_GET_STATS, NULL, 0, &stats, sizeof(stats), STATUS_SUCCESS);
    assert_int_equal(stats.TotalWritten, 165);
    wdmemu_test_close(ov);
    wdmemu_test_close(h);
}

/* ---- asynchronous forwarding (reads) ------------------------------------------------------------- */

/* What each level sees of one forwarded read: the device below gets its own stack location; the
 * filter's completion routine sees PendingReturned exactly when the lower driver pended, and the
 * filter returns what the lower driver returned. */
static void check_forwarded_read(uint32_t irp, ULONG length, BOOLEAN lower_pended, NTSTATUS result,
                                 ULONG_PTR information)
{
    const wdmemu_trace_record *above = only_record("IRP_DISPATCH", irp, filter_device);
    const wdmemu_trace_record *below = only_record("IRP_DISPATCH", irp, zero_device);
    assert_int_equal(below->stack_location, above->stack_location - 1);
    assert_int_equal(below->output_length, length);
    NTSTATUS returned = lower_pended ? STATUS_PENDING : result;
    assert_nt_status(returned, only_record("IRP_DISPATCH_RETURNED", irp, zero_device)->status);
    assert_nt_status(returned, only_record("IRP_DISPATCH_RETURNED", irp, filter_device)->status);
    const wdmemu_trace_record *routine = only_record("COMPLETION_ROUTINE", irp, filter_device);
    assert_int_equal(routine->pending_returned, lower_pended);
    assert_nt_status(result, routine->status);
    assert_nt_status(STATUS_CONTINUE_COMPLETION, only_record("COMPLETION_ROUTINE_RETURNED", irp, filter_device)->status);
    /* Completed once, below; the filter never completes a read itself. */
    assert_int_equal(wdmemu_test_trace_count("IRP_COMPLETE", irp, NULL), 1);
    assert_int_equal(wdmemu_test_trace_count("IRP_COMPLETE", irp, zero_device), 1);
    const wdmemu_trace_record *final = only_record("IRP_FINAL", irp, NULL);
    assert_nt_status(result, final->status);
    assert_int_equal(final->information, information);
}

static void read_is_forwarded_asynchronously(void **state)
{
    (void)state;
    find_filter_device();
    HANDLE h = open_zero(GENERIC_READ | GENERIC_WRITE, SYNC);
    unsigned char buffer[64];
    memset(buffer, 0xAA, sizeof(buffer));
    size_t from = wdmemu_trace_count();
    /* A cached synchronous handle, yet an IRP: the filter on top has no fast I/O. */
    assert_int_equal(wdmemu_test_read(h, buffer, 48, STATUS_SUCCESS), 48);
    assert_true(all_bytes(buffer, 48, 0));
    assert_true(all_bytes(buffer + 48, 16, 0xAA));
    assert_int_equal(wdmemu_test_trace_count_major(from, "FAST_IO", -1, NULL), 0);
    check_forwarded_read(irp_at_filter(from, IRP_MJ_READ), 48, FALSE, STATUS_SUCCESS, 48);
    ZERO_FILTER_COUNTERS counters = filter_counters(h);
    assert_int_equal(counters.ReadsForwarded, 1);
    assert_int_equal(counters.ReadsCompleted, 1);
    assert_int_equal(counters.ReadsLowerPending, 0);
    assert_int_equal(counters.ReadsPendingReturned, 0);
    assert_int_equal(counters.ReadBytes, 48);

    /* Zero pends: the filter returns STATUS_PENDING, its completion routine runs from Zero's
     * DPC, sees PendingReturned and marks its own level pending. */
    zero_set_pending(h, ZERO_PEND_READS);
    memset(buffer, 0xAA, sizeof(buffer));
    from = wdmemu_trace_count();
    assert_int_equal(wdmemu_test_read(h, buffer, 32, STATUS_SUCCESS), 32);
    assert_true(all_bytes(buffer, 32, 0));
    assert_true(all_bytes(buffer + 32, 32, 0xAA));
    uint32_t irp = irp_at_filter(from, IRP_MJ_READ);
    check_forwarded_read(irp, 32, TRUE, STATUS_SUCCESS, 32);
    assert_int_equal(only_record("COMPLETION_ROUTINE", irp, filter_device)->irql, DISPATCH_LEVEL);
    /* The I/O manager saw the request as pending: the IO_STATUS_BLOCK was written. */
    assert_true(only_record("IRP_FINAL", irp, NULL)->iosb_written);
    counters = filter_counters(h);
    assert_int_equal(counters.ReadsForwarded, 2);
    assert_int_equal(counters.ReadsCompleted, 2);
    assert_int_equal(counters.ReadsLowerPending, 1);
    assert_int_equal(counters.ReadsPendingReturned, 1);
    assert_int_equal(counters.ReadBytes, 80);
    wdmemu_test_close(h);
}

/* An overlapped caller sees STATUS_PENDING through the filter, then the result. */
static void overlapped_read_pends_for_the_caller(void **state)
{
    (void)state;
    find_filter_device();
    HANDLE h = open_zero(GENERIC_READ, OVERLAPPED);
    unsigned char buffer[16];
    memset(buffer, 0xAA, sizeof(buffer));
    int64_t offset = 0;
    wdmemu_request *request;
    /* Zero completes at once: so does the request. */
    size_t from = wdmemu_trace_count();
    assert_nt_status(STATUS_SUCCESS, wdmemu_read_async(h, buffer, 16, &offset, NULL, NULL, &request));
    assert_true(all_bytes(buffer, 16, 0));
    check_forwarded_read(irp_at_filter(from, IRP_MJ_READ), 16, FALSE, STATUS_SUCCESS, 16);
    wdmemu_request_free(request);

    zero_set_pending(h, ZERO_PEND_READS);
    memset(buffer, 0xAA, sizeof(buffer));
    from = wdmemu_trace_count();
    assert_nt_status(STATUS_PENDING, wdmemu_read_async(h, buffer, 16, &offset, NULL, NULL, &request));
    uint32_t irp = irp_at_filter(from, IRP_MJ_READ);
    assert_int_equal(wdmemu_test_trace_count("COMPLETION_ROUTINE", irp, NULL), 0);
    assert_false(wdmemu_request_result(request, NULL, NULL));
    assert_true(all_bytes(buffer, 16, 0xAA));
    assert_nt_status(STATUS_SUCCESS, wdmemu_request_wait(request, -1));
    NTSTATUS status;
    ULONG_PTR information;
    assert_true(wdmemu_request_result(request, &status, &information));
    assert_nt_status(STATUS_SUCCESS, status);
    assert_int_equal(information, 16);
    assert_true(all_bytes(buffer, 16, 0));
    check_forwarded_read(irp, 16, TRUE, STATUS_SUCCESS, 16);
    wdmemu_request_free(request);
    wdmemu_test_close(h);
}

/* A pended read cancelled: the filter's completion routine (registered for cancel too) sees the
 * error with PendingReturned; closing a handle cancels its reads the same way (cleanup). */
static void cancelled_read_reaches_the_completion_routine(void **state)
{
    (void)state;
    find_filter_device();
    HANDLE h = open_zero(GENERIC_READ, OVERLAPPED);
    HANDLE other = open_zero(GENERIC_READ, OVERLAPPED);
    zero_set_pending(h, ZERO_PEND_READS);
    unsigned char buffer[8];
    memset(buffer, 0xAA, sizeof(buffer));
    int64_t offset = 0;
    wdmemu_request *cancelled, *closed;
    size_t from = wdmemu_trace_count();
    assert_nt_status(STATUS_PENDING, wdmemu_read_async(h, buffer, 4, &offset, NULL, NULL, &cancelled));
    uint32_t irp = irp_at_filter(from, IRP_MJ_READ);
    assert_nt_status(STATUS_SUCCESS, wdmemu_request_cancel(cancelled));
    NTSTATUS status;
    ULONG_PTR information;
    assert_true(wdmemu_request_result(cancelled, &status, &information));
    assert_nt_status(STATUS_CANCELLED, status);
    assert_int_equal(information, 0);
    check_forwarded_read(irp, 4, TRUE, STATUS_CANCELLED, 0);
    wdmemu_request_free(cancelled);

    from = wdmemu_trace_count();
    assert_nt_status(STATUS_PENDING, wdmemu_read_async(other, buffer + 4, 4, &offset, NULL, NULL, &closed));
    irp = irp_at_filter(from, IRP_MJ_READ);
    wdmemu_test_close(other);
    assert_true(wdmemu_request_result(closed, &status, &information));
    assert_nt_status(STATUS_CANCELLED, status);
    check_forwarded_read(irp, 4, TRUE, STATUS_CANCELLED, 0);
    wdmemu_request_free(closed);
    assert_true(all_bytes(buffer, 8, 0xAA));

    ZERO_FILTER_COUNTERS counters = filter_counters(h);
    assert_int_equal(counters.ReadsForwarded, 2);
    assert_int_equal(counters.ReadsCompleted, 2);
    assert_int_equal(counters.ReadsFailed, 2);
    assert_int_equal(counters.ReadsPendingReturned, 2);
    assert_int_equal(counters.ReadBytes, 0);
    wdmemu_test_close(h);
}

/* ---- many seeds ---------------------------------------------------------------------------------- */

#define SEEDS 50
#define OVERLAPPED_READS 3

typedef struct pending_read {
    wdmemu_request *request;
    unsigned char buffer[32];
    ULONG length;
    uint32_t irp;
} pending_read;

/* One round in a fresh stack: synchronous and pending cases, several overlapped reads on two
 * handles completing in the order the seed draws, one cancelled; returns the order in which the
 * overlapped reads completed (their IRP numbers, as digits relative to the first). */
static unsigned long one_round(void)
{
    find_filter_device();
    HANDLE sync = open_zero(GENERIC_READ | GENERIC_WRITE, SYNC);
    HANDLE ov[2] = {open_zero(GENERIC_READ, OVERLAPPED), open_zero(GENERIC_READ, OVERLAPPED)};
    unsigned char buffer[24];
    char data[10] = "0123456789";

    /* Zero completes at once. */
    size_t from = wdmemu_trace_count();
    memset(buffer, 0xAA, sizeof(buffer));
    assert_int_equal(wdmemu_test_read(sync, buffer, 24, STATUS_SUCCESS), 24);
    assert_true(all_bytes(buffer, 24, 0));
    check_forwarded_read(irp_at_filter(from, IRP_MJ_READ), 24, FALSE, STATUS_SUCCESS, 24);
    from = wdmemu_trace_count();
    wdmemu_test_write(sync, data, 10, STATUS_SUCCESS);
    check_forwarded_write(from, 10, FALSE, STATUS_SUCCESS, 10);

    /* Zero pends everything. */
    zero_set_pending(sync, ZERO_PEND_READS | ZERO_PEND_WRITES);
    pending_read reads[2 * OVERLAPPED_READS];
    int64_t offset = 0;
    size_t first = wdmemu_trace_count();
    for (int i = 0; i < 2 * OVERLAPPED_READS; i++) {
        pending_read *r = &reads[i];
        memset(r->buffer, 0xAA, sizeof(r->buffer));
        r->length = (ULONG)(4 * (i + 1));
        size_t at = wdmemu_trace_count();
        assert_nt_status(STATUS_PENDING,
                         wdmemu_read_async(ov[i % 2], r->buffer, r->length, &offset, NULL, NULL, &r->request));
        r->irp = irp_at_filter(at, IRP_MJ_READ);
        if (i == 0) /* cancelled before anything could run */
            assert_nt_status(STATUS_SUCCESS, wdmemu_request_cancel(r->request));
    }
    /* A synchronous write and read meanwhile: both wait, and the DPCs of every pended request
     * run in the order the seed draws. */
    from = wdmemu_trace_count();
    assert_int_equal(wdmemu_test_write(sync, data, 7, STATUS_SUCCESS), 7);
    check_forwarded_write(from, 7, TRUE, STATUS_SUCCESS, 7);
    from = wdmemu_trace_count();
    memset(buffer, 0xAA, sizeof(buffer));
    assert_int_equal(wdmemu_test_read(sync, buffer, 9, STATUS_SUCCESS), 9);
    assert_true(all_bytes(buffer, 9, 0));
    assert_true(all_bytes(buffer + 9, sizeof(buffer) - 9, 0xAA));
    check_forwarded_read(irp_at_filter(from, IRP_MJ_READ), 9, TRUE, STATUS_SUCCESS, 9);

    for (int i = 0; i < 2 * OVERLAPPED_READS; i++) {
        pending_read *r = &reads[i];
        assert_nt_status(STATUS_SUCCESS, wdmemu_request_wait(r->request, -1));
        NTSTATUS status;
        ULONG_PTR information;
        assert_true(wdmemu_request_result(r->request, &status, &information));
        NTSTATUS expected = i == 0 ? STATUS_CANCELLED : STATUS_SUCCESS;
        assert_nt_status(expected, status);
        ULONG done = i == 0 ? 0 : r->length;
        assert_int_equal(information, done);
        assert_true(all_bytes(r->buffer, done, 0));
        assert_true(all_bytes(r->buffer + done, sizeof(r->buffer) - done, 0xAA));
        check_forwarded_read(r->irp, r->length, TRUE, expected, done);
        wdmemu_request_free(r->request);
    }
    /* The order the successful overlapped reads completed in. */
    unsigned long order = 0;
    for (size_t i = first; i < wdmemu_trace_count(); i++) {
        const wdmemu_trace_record *rec = wdmemu_trace_get(i);
        if (strcmp(rec->kind, "COMPLETION_ROUTINE") != 0 || rec->status != STATUS_SUCCESS ||
            rec->major != IRP_MJ_READ)
            continue;
        for (int k = 1; k < 2 * OVERLAPPED_READS; k++) {
            if (reads[k].irp == rec->irp)
                order = order * 10 + (unsigned long)k;
        }
    }

    ZERO_FILTER_COUNTERS counters = filter_counters(sync);
    assert_int_equal(counters.ReadsForwarded, 2 + 2 * OVERLAPPED_READS);
    assert_int_equal(counters.ReadsCompleted, counters.ReadsForwarded);
    assert_int_equal(counters.ReadsLowerPending, 1 + 2 * OVERLAPPED_READS);
    assert_int_equal(counters.ReadsPendingReturned, counters.ReadsLowerPending);
    assert_int_equal(counters.ReadsFailed, 1);
    assert_int_equal(counters.WritesForwarded, 2);
    assert_int_equal(counters.WritesWaited, 1);
    assert_int_equal(counters.WritesPendingReturned, 1);
    LONG64 overlapped_bytes = 0;
    for (int i = 1; i < 2 * OVERLAPPED_READS; i++)
        overlapped_bytes += reads[i].length;
    assert_int_equal(counters.ReadBytes, 24 + 9 + overlapped_bytes);
    assert_int_equal(counters.WriteBytes, 17);
    ZERO_STATS stats;
    wdmemu_test_ioctl(sync, IOCTL_ZERO_GET_STATS, NULL, 0, &stats, sizeof(stats), STATUS_SUCCESS);
    assert_int_equal(stats.TotalRead, counters.ReadBytes);
    assert_int_equal(stats.TotalWritten, counters.WriteBytes);

    wdmemu_test_close(ov[0]);
    wdmemu_test_close(ov[1]);
    wdmemu_test_close(sync);
    return order;
}

/* The round above once per seed, each on a fixture of its own: the test calls the kit's setup
 * and teardown itself, so every seed gets a fresh kernel with the stack loaded and the kit's
 * checks after it (clean unloads, no finding).  One test rather than one per seed, because what
 * it asserts is across seeds: that they drew different completion orders. */
static void every_level_sees_the_same_across_seeds(void **state)
{
    (void)state;
    unsigned long orders[SEEDS];
    size_t distinct = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        wdmemu_test_fixture seeded = stack;
        seeded.seed = seed;
        void *fixture = &seeded;
        assert_int_equal(wdmemu_test_setup(&fixture), 0);
        unsigned long order = one_round();
        assert_int_equal(wdmemu_test_teardown(&fixture), 0);
        /* Every successful overlapped read completed exactly once: the digits 1 to 5, once each. */
        unsigned digits = 0;
        for (unsigned long rest = order; rest != 0; rest /= 10)
            digits += 1u << (rest % 10) * 4;
        assert_int_equal(digits, 0x11111u << 4);
        size_t k = 0;
        while (k < distinct && orders[k] != order)
            k++;
        if (k == distinct)
            orders[distinct++] = order;
    }
    /* The seeds did explore different completion orders. */
    assert_true(distinct > 1);
    print_message("%lu different completion orders over %d seeds\n", (unsigned long)distinct, SEEDS);
}

/* ---- the filter over a mock \Device\Zero ---------------------------------------------------------- */

/* A mock device stands in for Zero, so the test decides what the lower driver does with each
 * request: complete it with data, pend it for a while, fail it. */
static wdmemu_mock *lower;

/* The fixture's before_drivers hook: the filter's DriverEntry opens \Device\Zero, so the mock
 * must exist before the filter loads.  DriverEntry sends it three requests: the create and the
 * cleanup of IoGetDeviceObjectPointer's handle, and the close of the file object it dereferences
 * once attached (sent to the top of the stack, the filter, which skips it down). */
static void create_mock_zero(void)
{
    lower = wdmemu_mock_create("\\Device\\Zero", FILE_DEVICE_UNKNOWN, DO_DIRECT_IO);
    wdmemu_mock_will_complete(lower, STATUS_SUCCESS, 0);
    wdmemu_mock_repeat(lower, 2);
}

static wdmemu_test_fixture filter_over_mock = {.before_drivers = create_mock_zero,
                                               .drivers = {{.module = ZERO_FILTER_MODULE}},
                                               .trace = TRUE};

/* Opening and closing through the filter: every request reaches the mock, which must be told
 * what to do with each (a request it was not told about fails the test). */
static HANDLE open_over_mock(ULONG options)
{
    wdmemu_mock_will_complete(lower, STATUS_SUCCESS, 0); /* IRP_MJ_CREATE */
    return wdmemu_test_open_with("\\Device\\Zero", GENERIC_READ | GENERIC_WRITE, options);
}

static void close_over_mock(HANDLE handle)
{
    wdmemu_mock_will_complete(lower, STATUS_SUCCESS, 0); /* IRP_MJ_CLEANUP, IRP_MJ_CLOSE */
    wdmemu_mock_repeat(lower, 1);
    wdmemu_test_close(handle);
}

static void read_pended_below_pends_for_an_overlapped_caller(void **state)
{
    (void)state;
    find_filter_device();
    /* What the filter's DriverEntry sent to the device it attached over. */
    assert_int_equal(wdmemu_mock_request_count(lower), 3);
    assert_int_equal(wdmemu_mock_request_at(lower, 0)->major, IRP_MJ_CREATE);
    assert_int_equal(wdmemu_mock_request_at(lower, 1)->major, IRP_MJ_CLEANUP);
    assert_int_equal(wdmemu_mock_request_at(lower, 2)->major, IRP_MJ_CLOSE);
    assert_true(wdmemu_mock_device(lower)->AttachedDevice->Flags & DO_DIRECT_IO); /* the filter took it over */

    HANDLE h = open_over_mock(OVERLAPPED);
    assert_int_equal(wdmemu_mock_request_at(lower, 3)->major, IRP_MJ_CREATE);
    PFILE_OBJECT file = wdmemu_mock_request_at(lower, 3)->file; /* the caller's file object */
    unsigned char buffer[16];
    int64_t offset = 512;
    wdmemu_request *request;
    NTSTATUS status;
    ULONG_PTR information;

    /* The mock completes at once, with data: no PendingReturned; the data reaches the caller. */
    wdmemu_mock_will_complete_data(lower, STATUS_SUCCESS, "mock", 4);
    memset(buffer, 0xAA, sizeof(buffer));
    size_t from = wdmemu_trace_count();
    assert_nt_status(STATUS_SUCCESS, wdmemu_read_async(h, buffer, 16, &offset, NULL, NULL, &request));
    assert_true(wdmemu_request_result(request, &status, &information));
    assert_int_equal(information, 4);
    assert_memory_equal(buffer, "mock", 4);
    assert_true(all_bytes(buffer + 4, 12, 0xAA));
    wdmemu_request_free(request);
    check_forwarded_read(irp_at_filter(from, IRP_MJ_READ), 16, FALSE, STATUS_SUCCESS, 4);

    /* The mock pends, completing 10 ms later from a DPC: the caller gets STATUS_PENDING. */
    wdmemu_mock_expect(lower, IRP_MJ_READ, 0, 0);
    wdmemu_mock_will_pend(lower, STATUS_SUCCESS, 16, 10);
    from = wdmemu_trace_count();
    assert_nt_status(STATUS_PENDING, wdmemu_read_async(h, buffer, 16, &offset, NULL, NULL, &request));
    uint32_t irp = irp_at_filter(from, IRP_MJ_READ);
    assert_int_equal(wdmemu_mock_outstanding(lower), 1);
    assert_int_equal(wdmemu_test_trace_count("COMPLETION_ROUTINE", irp, NULL), 0);
    assert_false(wdmemu_request_result(request, NULL, NULL));
    assert_nt_status(STATUS_SUCCESS, wdmemu_request_wait(request, -1));
    assert_true(wdmemu_request_result(request, &status, &information));
    assert_nt_status(STATUS_SUCCESS, status);
    assert_int_equal(information, 16);
    wdmemu_request_free(request);
    /* The completion routine ran from the mock's DPC, saw PendingReturned and marked the
     * filter's level pending; the I/O manager then wrote the IO_STATUS_BLOCK. */
    check_forwarded_read(irp, 16, TRUE, STATUS_SUCCESS, 16);
    assert_int_equal(only_record("COMPLETION_ROUTINE", irp, filter_device)->irql, DISPATCH_LEVEL);
    assert_true(only_record("IRP_FINAL", irp, NULL)->iosb_written);

    /* What the filter passed down: the caller's read, in the caller's file object. */
    assert_int_equal(wdmemu_mock_request_count(lower), 6);
    for (size_t i = 4; i < 6; i++) {
        const wdmemu_mock_request *read = wdmemu_mock_request_at(lower, i);
        assert_int_equal(read->major, IRP_MJ_READ);
        assert_int_equal(read->output_length, 16);
        assert_int_equal(read->offset, 512);
        assert_int_equal(read->requestor_mode, UserMode);
        assert_ptr_equal(read->file, file);
    }

    /* The counters' IOCTL is the filter's own: the mock never sees it. */
    ZERO_FILTER_COUNTERS counters = filter_counters(h);
    assert_int_equal(counters.ReadsForwarded, 2);
    assert_int_equal(counters.ReadsLowerPending, 1);
    assert_int_equal(counters.ReadsPendingReturned, 1);
    assert_int_equal(counters.ReadsCompleted, 2);
    assert_int_equal(counters.ReadBytes, 20);
    assert_int_equal(wdmemu_mock_request_count(lower), 6);
    close_over_mock(h);
}

static void write_failed_below_fails_for_the_caller(void **state)
{
    (void)state;
    find_filter_device();
    HANDLE h = open_over_mock(SYNC);

    /* The mock fails the write at once: the filter's synchronous forwarding completes the IRP
     * again with that error. */
    wdmemu_mock_will_complete(lower, STATUS_MEDIA_WRITE_PROTECTED, 0);
    size_t from = wdmemu_trace_count();
    assert_int_equal(wdmemu_test_write(h, "abcdef", 6, STATUS_MEDIA_WRITE_PROTECTED), 0);
    check_forwarded_write(from, 6, FALSE, STATUS_MEDIA_WRITE_PROTECTED, 0);
    const wdmemu_mock_request *write = wdmemu_mock_request_at(lower, 4);
    assert_int_equal(write->major, IRP_MJ_WRITE);
    assert_int_equal(write->input_length, 6);
    assert_int_equal(write->input_captured, 6);
    assert_memory_equal(write->input, "abcdef", 6); /* the caller's data, through the MDL */
    assert_int_equal(write->offset, 0);

    /* The mock pends and fails 5 ms later: the filter waits for it, then completes with the
     * error; an overlapped caller gets the error at once, never STATUS_PENDING.  The write's
     * parameters are checked as it arrives, with CMocka's expect_value. */
    HANDLE ov = open_over_mock(OVERLAPPED);
    expect_value(wdmemu_mock_check, major, IRP_MJ_WRITE);
    expect_value(wdmemu_mock_check, minor, 0);
    expect_value(wdmemu_mock_check, code, 0);
    expect_value(wdmemu_mock_check, input_length, 3);
    expect_value(wdmemu_mock_check, output_length, 0);
    wdmemu_mock_check_next(lower);
    wdmemu_mock_will_pend(lower, STATUS_IO_DEVICE_ERROR, 0, 5);
    int64_t offset = 4096;
    wdmemu_request *request = (wdmemu_request *)1;
    from = wdmemu_trace_count();
    assert_nt_status(STATUS_IO_DEVICE_ERROR, wdmemu_write_async(ov, "xyz", 3, &offset, NULL, NULL, &request));
    assert_null(request); /* an error without pending: no IO_STATUS_BLOCK written */
    check_forwarded_write(from, 3, TRUE, STATUS_IO_DEVICE_ERROR, 0);
    assert_false(only_record("IRP_FINAL", irp_at_filter(from, IRP_MJ_WRITE), NULL)->iosb_written);
    assert_int_equal(wdmemu_mock_request_at(lower, wdmemu_mock_request_count(lower) - 1)->offset, 4096);
    assert_int_equal(wdmemu_mock_outstanding(lower), 0);

    ZERO_FILTER_COUNTERS counters = filter_counters(h);
    assert_int_equal(counters.WritesForwarded, 2);
    assert_int_equal(counters.WritesFailed, 2);
    assert_int_equal(counters.WritesWaited, 1);
    assert_int_equal(counters.WritesPendingReturned, 1);
    assert_int_equal(counters.WriteBytes, 0);
    close_over_mock(ov);
    close_over_mock(h);
}

/* The drivers' DbgPrint output stays out of the test log; errors and findings are printed. */
static void print_errors_and_findings(wdmemu_message_kind kind, const char *text, void *context)
{
    (void)context;
    if (kind == WDMEMU_MSG_ERROR || kind == WDMEMU_MSG_FINDING)
        print_message("wdmemu: %s\n", text);
}

int main(void)
{
    wdmemu_set_message_handler(print_errors_and_findings, NULL);
    const struct CMUnitTest tests[] = {
        wdmemu_unit_test(attaches_over_zero_and_detaches_on_unload, &stack),
        wdmemu_unit_test(refuses_to_load_without_zero, &nothing),
        wdmemu_unit_test(create_cleanup_and_close_are_skipped, &stack),
        wdmemu_unit_test(write_is_forwarded_synchronously, &stack),
        wdmemu_unit_test(read_is_forwarded_asynchronously, &stack),
        wdmemu_unit_test(overlapped_read_pends_for_the_caller, &stack),
        wdmemu_unit_test(cancelled_read_reaches_the_completion_routine, &stack),
        cmocka_unit_test(every_level_sees_the_same_across_seeds),
        wdmemu_unit_test(read_pended_below_pends_for_an_overlapped_caller, &filter_over_mock),
        wdmemu_unit_test(write_failed_below_fails_for_the_caller, &filter_over_mock),
    };
    return cmocka_run_group_tests_name("zero-filter", tests, NULL, NULL);
}
