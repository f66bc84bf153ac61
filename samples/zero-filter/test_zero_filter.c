/* test_zero_filter.c: the zero-filter sample's tests: attaching over \Device\Zero and
 * detaching, and what each level of the stack sees for the three forwarding styles (skip for
 * create/cleanup/close, synchronous forwarding for writes, asynchronous forwarding for reads)
 * when the Zero driver completes at once and when it pends (completing from a DPC), over many
 * scheduling seeds.  The trace (IRP_DISPATCH per device, COMPLETION_ROUTINE with
 * PendingReturned and status) and the filter's own counters are the witnesses. */
#include "sample_test.h"

#include <stdlib.h>

#include "zero_filter_ioctl.h"
#include "zero_ioctl.h"

#define ZERO_TAG 'oreZ'

static const char zero_device[] = "\\Device\\Zero";
static char filter_device[64]; /* the filter's unnamed device, as the trace names it */
static wdmemu_driver *zero, *filter;

/* Loads Zero, then the filter over it, and finds the filter's device name. */
static void stack_load(void)
{
    zero = st_load(ZERO_MODULE);
    filter = st_load(ZERO_FILTER_MODULE);
    PDEVICE_OBJECT device;
    assert_status(STATUS_SUCCESS, wdmemu_device_lookup(zero_device, &device, NULL, 0));
    assert_non_null(device->AttachedDevice);
    wdmemu_device_name(device->AttachedDevice, filter_device, sizeof(filter_device));
    ObDereferenceObject(device);
}

static void stack_unload(void)
{
    st_unload_clean(filter);
    st_unload_clean(zero);
    wdmemu_pool_usage usage;
    wdmemu_pool_usage_for_tag(ZERO_TAG, &usage);
    assert_int_equal(usage.blocks, 0);
}

static ZERO_FILTER_COUNTERS filter_counters(HANDLE handle)
{
    ZERO_FILTER_COUNTERS counters;
    ULONG_PTR transferred = 0;
    assert_status(STATUS_SUCCESS, wdmemu_device_control(handle, IOCTL_ZERO_FILTER_GET_COUNTERS, NULL, 0, &counters,
                                                        sizeof(counters), &transferred));
    assert_int_equal(transferred, sizeof(counters));
    return counters;
}

static void zero_set_pending(HANDLE handle, ULONG flags)
{
    assert_status(STATUS_SUCCESS, wdmemu_device_control(handle, IOCTL_ZERO_SET_PENDING, &flags, sizeof(flags), NULL,
                                                        0, NULL));
}

/* The IRP number of the first IRP_DISPATCH of this major at the filter from `from` on. */
static uint32_t irp_at_filter(size_t from, int major)
{
    const wdmemu_trace_record *r = st_find(from, "IRP_DISPATCH", filter_device, major);
    assert_non_null(r);
    return r->irp;
}

/* The record of this kind for IRP irp at device, asserting there is exactly one. */
static const wdmemu_trace_record *only_record(size_t from, const char *kind, uint32_t irp, const char *device)
{
    size_t index = wdmemu_trace_find(from, kind, irp, device);
    if (index == (size_t)-1)
        print_error("no %s record for IRP %u at %s\n", kind, irp, device);
    assert_true(index != (size_t)-1);
    assert_true(wdmemu_trace_find(index + 1, kind, irp, device) == (size_t)-1);
    return wdmemu_trace_get(index);
}

static size_t records_of_irp(size_t from, const char *kind, uint32_t irp, const char *device)
{
    size_t n = 0;
    for (size_t i = wdmemu_trace_find(from, kind, irp, device); i != (size_t)-1;
         i = wdmemu_trace_find(i + 1, kind, irp, device))
        n++;
    return n;
}

/* ---- attaching ------------------------------------------------------------------------------- */

static void attaches_over_zero_and_detaches_on_unload(void **state)
{
    (void)state;
    stack_load();
    PDEVICE_OBJECT device;
    assert_status(STATUS_SUCCESS, wdmemu_device_lookup(zero_device, &device, NULL, 0));
    PDEVICE_OBJECT top = device->AttachedDevice;
    assert_ptr_equal(top->DriverObject, wdmemu_driver_object(filter));
    assert_null(top->AttachedDevice);
    assert_int_equal(top->StackSize, device->StackSize + 1);
    assert_true(top->Flags & DO_DIRECT_IO);
    assert_false(top->Flags & DO_DEVICE_INITIALIZING);
    assert_int_equal(top->DeviceType, device->DeviceType);
    /* No fast I/O above Zero: the filter has none. */
    assert_null(wdmemu_driver_object(filter)->FastIoDispatch);
    st_unload_clean(filter);
    assert_null(device->AttachedDevice);
    ObDereferenceObject(device);
    /* Without the filter, reads on a cached handle are fast again. */
    HANDLE h = st_open("\\\\.\\Zero", GENERIC_READ, ST_SYNC);
    unsigned char buffer[4];
    size_t from = wdmemu_trace_count();
    assert_status(STATUS_SUCCESS, wdmemu_read(h, buffer, sizeof(buffer), NULL, NULL));
    assert_int_equal(st_count_from(from, "FAST_IO", zero_device, IRP_MJ_READ), 1);
    wdmemu_handle_close(h);
    st_unload_clean(zero);
}

static void refuses_to_load_without_zero(void **state)
{
    (void)state;
    wdmemu_driver *driver = (wdmemu_driver *)1;
    wdmemu_set_message_handler(st_ignore_message, NULL); /* the failed load is expected */
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_driver_load(ZERO_FILTER_MODULE, NULL, &driver));
    wdmemu_set_message_handler(st_on_message, NULL);
    assert_null(driver);
    assert_int_equal(wdmemu_finding_count(), 0);
}

/* ---- skip -------------------------------------------------------------------------------------- */

/* Create, cleanup and close go down in the filter's own stack location: Zero sees the same
 * CurrentLocation as the filter, and no completion routine is involved. */
static void create_cleanup_and_close_are_skipped(void **state)
{
    (void)state;
    stack_load();
    size_t from = wdmemu_trace_count();
    HANDLE h = st_open("\\\\.\\Zero", GENERIC_READ, ST_SYNC);
    ZERO_FILTER_COUNTERS before = filter_counters(h);
    wdmemu_handle_close(h);
    const int majors[] = {IRP_MJ_CREATE, IRP_MJ_CLEANUP, IRP_MJ_CLOSE};
    for (int i = 0; i < 3; i++) {
        uint32_t irp = irp_at_filter(from, majors[i]);
        const wdmemu_trace_record *above = only_record(from, "IRP_DISPATCH", irp, filter_device);
        const wdmemu_trace_record *below = only_record(from, "IRP_DISPATCH", irp, zero_device);
        assert_int_equal(below->stack_location, above->stack_location);
        assert_int_equal(below->depth, above->depth + 1);
        assert_int_equal(records_of_irp(from, "COMPLETION_ROUTINE", irp, NULL), 0);
        assert_status(STATUS_SUCCESS, only_record(from, "IRP_DISPATCH_RETURNED", irp, filter_device)->status);
        assert_status(STATUS_SUCCESS, only_record(from, "IRP_FINAL", irp, NULL)->status);
    }
    /* The counters' own IOCTL is answered by the filter: Zero never sees it. */
    assert_int_equal(st_count_from(from, "IRP_DISPATCH", zero_device, IRP_MJ_DEVICE_CONTROL), 0);
    h = st_open("\\\\.\\Zero", GENERIC_READ, ST_SYNC);
    ZERO_FILTER_COUNTERS after = filter_counters(h);
    assert_int_equal(after.Skipped - before.Skipped, 3); /* cleanup, close, create */
    /* Zero's own IOCTLs are skipped down to it. */
    ZERO_STATS stats;
    size_t before_ioctl = wdmemu_trace_count();
    assert_status(STATUS_SUCCESS, wdmemu_device_control(h, IOCTL_ZERO_GET_STATS, NULL, 0, &stats, sizeof(stats), NULL));
    uint32_t irp = irp_at_filter(before_ioctl, IRP_MJ_DEVICE_CONTROL);
    assert_int_equal(only_record(before_ioctl, "IRP_DISPATCH", irp, zero_device)->stack_location,
                     only_record(before_ioctl, "IRP_DISPATCH", irp, filter_device)->stack_location);
    assert_int_equal(filter_counters(h).Skipped, after.Skipped + 1);
    /* A buffer too small for the counters. */
    ZERO_FILTER_COUNTERS small;
    assert_status(STATUS_BUFFER_TOO_SMALL, wdmemu_device_control(h, IOCTL_ZERO_FILTER_GET_COUNTERS, NULL, 0, &small,
                                                                 sizeof(small) - 1, NULL));
    wdmemu_handle_close(h);
    stack_unload();
}

/* ---- synchronous forwarding (writes) ------------------------------------------------------------ */

/* What each level sees of one forwarded write: Zero gets its own (copied) stack location; the
 * filter's completion routine stops the completion (STATUS_MORE_PROCESSING_REQUIRED) and the
 * filter completes the IRP a second time; the filter never returns STATUS_PENDING. */
static void check_forwarded_write(size_t from, ULONG length, BOOLEAN lower_pended)
{
    uint32_t irp = irp_at_filter(from, IRP_MJ_WRITE);
    const wdmemu_trace_record *above = only_record(from, "IRP_DISPATCH", irp, filter_device);
    const wdmemu_trace_record *below = only_record(from, "IRP_DISPATCH", irp, zero_device);
    assert_int_equal(below->stack_location, above->stack_location - 1);
    assert_int_equal(below->output_length, length);
    assert_status(lower_pended ? STATUS_PENDING : STATUS_SUCCESS,
                  only_record(from, "IRP_DISPATCH_RETURNED", irp, zero_device)->status);
    const wdmemu_trace_record *routine = only_record(from, "COMPLETION_ROUTINE", irp, filter_device);
    assert_int_equal(routine->pending_returned, lower_pended);
    assert_status(STATUS_SUCCESS, routine->status);
    assert_int_equal(routine->irql, lower_pended ? DISPATCH_LEVEL : PASSIVE_LEVEL);
    assert_status(STATUS_MORE_PROCESSING_REQUIRED,
                  only_record(from, "COMPLETION_ROUTINE_RETURNED", irp, filter_device)->status);
    /* Completed twice: by Zero, then by the filter after its wait. */
    assert_int_equal(records_of_irp(from, "IRP_COMPLETE", irp, zero_device), 1);
    const wdmemu_trace_record *again = only_record(from, "IRP_COMPLETE", irp, filter_device);
    assert_true(again->seq > routine->seq);
    assert_int_equal(again->irql, PASSIVE_LEVEL);
    assert_status(STATUS_SUCCESS, only_record(from, "IRP_DISPATCH_RETURNED", irp, filter_device)->status);
    const wdmemu_trace_record *final = only_record(from, "IRP_FINAL", irp, NULL);
    assert_status(STATUS_SUCCESS, final->status);
    assert_int_equal(final->information, length);
}

static void write_is_forwarded_synchronously(void **state)
{
    (void)state;
    stack_load();
    HANDLE h = st_open("\\\\.\\Zero", GENERIC_READ | GENERIC_WRITE, ST_SYNC);
    char data[100];
    memset(data, 'w', sizeof(data));
    size_t from = wdmemu_trace_count();
    ULONG_PTR transferred = 0;
    assert_status(STATUS_SUCCESS, wdmemu_write(h, data, 100, NULL, &transferred));
    assert_int_equal(transferred, 100);
    check_forwarded_write(from, 100, FALSE);
    ZERO_FILTER_COUNTERS counters = filter_counters(h);
    assert_int_equal(counters.WritesForwarded, 1);
    assert_int_equal(counters.WritesWaited, 0);
    assert_int_equal(counters.WritesPendingReturned, 0);
    assert_int_equal(counters.WriteBytes, 100);

    /* Zero pends: the filter waits in its dispatch routine (the DPC runs meanwhile). */
    zero_set_pending(h, ZERO_PEND_WRITES);
    from = wdmemu_trace_count();
    assert_status(STATUS_SUCCESS, wdmemu_write(h, data, 60, NULL, &transferred));
    assert_int_equal(transferred, 60);
    check_forwarded_write(from, 60, TRUE);
    counters = filter_counters(h);
    assert_int_equal(counters.WritesForwarded, 2);
    assert_int_equal(counters.WritesWaited, 1);
    assert_int_equal(counters.WritesPendingReturned, 1);
    assert_int_equal(counters.WriteBytes, 160);
    assert_int_equal(counters.WritesFailed, 0);

    /* Even on an overlapped handle the write does not pend for the caller: the filter made it
     * synchronous. */
    HANDLE ov = st_open("\\\\.\\Zero", GENERIC_WRITE, ST_OVERLAPPED);
    int64_t offset = 0;
    wdmemu_request *request;
    from = wdmemu_trace_count();
    assert_status(STATUS_SUCCESS, wdmemu_write_async(ov, data, 5, &offset, NULL, NULL, &request));
    check_forwarded_write(from, 5, TRUE);
    NTSTATUS status;
    ULONG_PTR information;
    assert_true(wdmemu_request_result(request, &status, &information));
    assert_int_equal(information, 5);
    wdmemu_request_free(request);
    ZERO_STATS stats;
    assert_status(STATUS_SUCCESS, wdmemu_device_control(h, IOCTL_ZERO_GET_STATS, NULL, 0, &stats, sizeof(stats), NULL));
    assert_int_equal(stats.TotalWritten, 165);
    wdmemu_handle_close(ov);
    wdmemu_handle_close(h);
    stack_unload();
}

/* ---- asynchronous forwarding (reads) ------------------------------------------------------------- */

/* What each level sees of one forwarded read: Zero gets its own stack location; the filter's
 * completion routine sees PendingReturned exactly when Zero pended, and the filter returns
 * what Zero returned. */
static void check_forwarded_read(size_t from, uint32_t irp, ULONG length, BOOLEAN lower_pended, NTSTATUS result)
{
    const wdmemu_trace_record *above = only_record(from, "IRP_DISPATCH", irp, filter_device);
    const wdmemu_trace_record *below = only_record(from, "IRP_DISPATCH", irp, zero_device);
    assert_int_equal(below->stack_location, above->stack_location - 1);
    assert_int_equal(below->output_length, length);
    NTSTATUS returned = lower_pended ? STATUS_PENDING : result;
    assert_status(returned, only_record(from, "IRP_DISPATCH_RETURNED", irp, zero_device)->status);
    assert_status(returned, only_record(from, "IRP_DISPATCH_RETURNED", irp, filter_device)->status);
    const wdmemu_trace_record *routine = only_record(from, "COMPLETION_ROUTINE", irp, filter_device);
    assert_int_equal(routine->pending_returned, lower_pended);
    assert_status(result, routine->status);
    assert_status(STATUS_CONTINUE_COMPLETION,
                  only_record(from, "COMPLETION_ROUTINE_RETURNED", irp, filter_device)->status);
    /* Completed once, by Zero; the filter never completes a read itself. */
    assert_int_equal(records_of_irp(from, "IRP_COMPLETE", irp, NULL), 1);
    assert_int_equal(records_of_irp(from, "IRP_COMPLETE", irp, zero_device), 1);
    const wdmemu_trace_record *final = only_record(from, "IRP_FINAL", irp, NULL);
    assert_status(result, final->status);
    assert_int_equal(final->information, result == STATUS_SUCCESS ? length : 0);
}

static void read_is_forwarded_asynchronously(void **state)
{
    (void)state;
    stack_load();
    HANDLE h = st_open("\\\\.\\Zero", GENERIC_READ | GENERIC_WRITE, ST_SYNC);
    unsigned char buffer[64];
    memset(buffer, 0xAA, sizeof(buffer));
    size_t from = wdmemu_trace_count();
    ULONG_PTR transferred = 0;
    /* A cached synchronous handle, yet an IRP: the filter on top has no fast I/O. */
    assert_status(STATUS_SUCCESS, wdmemu_read(h, buffer, 48, NULL, &transferred));
    assert_int_equal(transferred, 48);
    assert_true(st_all_bytes(buffer, 48, 0));
    assert_true(st_all_bytes(buffer + 48, 16, 0xAA));
    assert_int_equal(st_count_from(from, "FAST_IO", NULL, -1), 0);
    check_forwarded_read(from, irp_at_filter(from, IRP_MJ_READ), 48, FALSE, STATUS_SUCCESS);
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
    assert_status(STATUS_SUCCESS, wdmemu_read(h, buffer, 32, NULL, &transferred));
    assert_int_equal(transferred, 32);
    assert_true(st_all_bytes(buffer, 32, 0));
    assert_true(st_all_bytes(buffer + 32, 32, 0xAA));
    uint32_t irp = irp_at_filter(from, IRP_MJ_READ);
    check_forwarded_read(from, irp, 32, TRUE, STATUS_SUCCESS);
    assert_int_equal(only_record(from, "COMPLETION_ROUTINE", irp, filter_device)->irql, DISPATCH_LEVEL);
    /* The I/O manager saw the request as pending: the IO_STATUS_BLOCK was written. */
    assert_true(only_record(from, "IRP_FINAL", irp, NULL)->iosb_written);
    counters = filter_counters(h);
    assert_int_equal(counters.ReadsForwarded, 2);
    assert_int_equal(counters.ReadsCompleted, 2);
    assert_int_equal(counters.ReadsLowerPending, 1);
    assert_int_equal(counters.ReadsPendingReturned, 1);
    assert_int_equal(counters.ReadBytes, 80);
    wdmemu_handle_close(h);
    stack_unload();
}

/* An overlapped caller sees STATUS_PENDING through the filter, then the result. */
static void overlapped_read_pends_for_the_caller(void **state)
{
    (void)state;
    stack_load();
    HANDLE h = st_open("\\\\.\\Zero", GENERIC_READ, ST_OVERLAPPED);
    unsigned char buffer[16];
    memset(buffer, 0xAA, sizeof(buffer));
    int64_t offset = 0;
    wdmemu_request *request;
    /* Zero completes at once: so does the request. */
    size_t from = wdmemu_trace_count();
    assert_status(STATUS_SUCCESS, wdmemu_read_async(h, buffer, 16, &offset, NULL, NULL, &request));
    assert_true(st_all_bytes(buffer, 16, 0));
    check_forwarded_read(from, irp_at_filter(from, IRP_MJ_READ), 16, FALSE, STATUS_SUCCESS);
    wdmemu_request_free(request);

    zero_set_pending(h, ZERO_PEND_READS);
    memset(buffer, 0xAA, sizeof(buffer));
    from = wdmemu_trace_count();
    assert_status(STATUS_PENDING, wdmemu_read_async(h, buffer, 16, &offset, NULL, NULL, &request));
    uint32_t irp = irp_at_filter(from, IRP_MJ_READ);
    assert_int_equal(records_of_irp(from, "COMPLETION_ROUTINE", irp, NULL), 0);
    assert_false(wdmemu_request_result(request, NULL, NULL));
    assert_true(st_all_bytes(buffer, 16, 0xAA));
    assert_status(STATUS_SUCCESS, wdmemu_request_wait(request, -1));
    NTSTATUS status;
    ULONG_PTR information;
    assert_true(wdmemu_request_result(request, &status, &information));
    assert_status(STATUS_SUCCESS, status);
    assert_int_equal(information, 16);
    assert_true(st_all_bytes(buffer, 16, 0));
    check_forwarded_read(from, irp, 16, TRUE, STATUS_SUCCESS);
    wdmemu_request_free(request);
    wdmemu_handle_close(h);
    stack_unload();
}

/* A pended read cancelled: the filter's completion routine (registered for cancel too) sees the
 * error with PendingReturned; closing a handle cancels its reads the same way (cleanup). */
static void cancelled_read_reaches_the_completion_routine(void **state)
{
    (void)state;
    stack_load();
    HANDLE h = st_open("\\\\.\\Zero", GENERIC_READ, ST_OVERLAPPED);
    HANDLE other = st_open("\\\\.\\Zero", GENERIC_READ, ST_OVERLAPPED);
    zero_set_pending(h, ZERO_PEND_READS);
    unsigned char buffer[8];
    memset(buffer, 0xAA, sizeof(buffer));
    int64_t offset = 0;
    wdmemu_request *cancelled, *closed;
    size_t from = wdmemu_trace_count();
    assert_status(STATUS_PENDING, wdmemu_read_async(h, buffer, 4, &offset, NULL, NULL, &cancelled));
    uint32_t irp = irp_at_filter(from, IRP_MJ_READ);
    assert_status(STATUS_SUCCESS, wdmemu_request_cancel(cancelled));
    NTSTATUS status;
    ULONG_PTR information;
    assert_true(wdmemu_request_result(cancelled, &status, &information));
    assert_status(STATUS_CANCELLED, status);
    assert_int_equal(information, 0);
    check_forwarded_read(from, irp, 4, TRUE, STATUS_CANCELLED);
    wdmemu_request_free(cancelled);

    from = wdmemu_trace_count();
    assert_status(STATUS_PENDING, wdmemu_read_async(other, buffer + 4, 4, &offset, NULL, NULL, &closed));
    irp = irp_at_filter(from, IRP_MJ_READ);
    wdmemu_handle_close(other);
    assert_true(wdmemu_request_result(closed, &status, &information));
    assert_status(STATUS_CANCELLED, status);
    check_forwarded_read(from, irp, 4, TRUE, STATUS_CANCELLED);
    wdmemu_request_free(closed);
    assert_true(st_all_bytes(buffer, 8, 0xAA));

    ZERO_FILTER_COUNTERS counters = filter_counters(h);
    assert_int_equal(counters.ReadsForwarded, 2);
    assert_int_equal(counters.ReadsCompleted, 2);
    assert_int_equal(counters.ReadsFailed, 2);
    assert_int_equal(counters.ReadsPendingReturned, 2);
    assert_int_equal(counters.ReadBytes, 0);
    wdmemu_handle_close(h);
    stack_unload();
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

/* One round on one seed: synchronous and pending cases, several overlapped reads on two
 * handles completing in the order the seed draws, one cancelled; returns the order in which
 * the overlapped reads completed (their IRP numbers, as digits relative to the first). */
static unsigned long one_seed(uint64_t seed)
{
    wdmemu_shutdown();
    wdmemu_set_seed(seed);
    wdmemu_init();
    wdmemu_trace_start("memory");
    stack_load();
    HANDLE sync = st_open("\\\\.\\Zero", GENERIC_READ | GENERIC_WRITE, ST_SYNC);
    HANDLE ov[2] = {st_open("\\\\.\\Zero", GENERIC_READ, ST_OVERLAPPED),
                    st_open("\\\\.\\Zero", GENERIC_READ, ST_OVERLAPPED)};
    unsigned char buffer[24];
    char data[10] = "0123456789";

    /* Zero completes at once. */
    size_t from = wdmemu_trace_count();
    memset(buffer, 0xAA, sizeof(buffer));
    ULONG_PTR transferred = 0;
    assert_status(STATUS_SUCCESS, wdmemu_read(sync, buffer, 24, NULL, &transferred));
    assert_int_equal(transferred, 24);
    assert_true(st_all_bytes(buffer, 24, 0));
    check_forwarded_read(from, irp_at_filter(from, IRP_MJ_READ), 24, FALSE, STATUS_SUCCESS);
    from = wdmemu_trace_count();
    assert_status(STATUS_SUCCESS, wdmemu_write(sync, data, 10, NULL, &transferred));
    check_forwarded_write(from, 10, FALSE);

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
        assert_status(STATUS_PENDING, wdmemu_read_async(ov[i % 2], r->buffer, r->length, &offset, NULL, NULL,
                                                        &r->request));
        r->irp = irp_at_filter(at, IRP_MJ_READ);
        if (i == 0) /* cancelled before anything could run */
            assert_status(STATUS_SUCCESS, wdmemu_request_cancel(r->request));
    }
    /* A synchronous write and read meanwhile: both wait, and the DPCs of every pended request
     * run in the order the seed draws. */
    from = wdmemu_trace_count();
    assert_status(STATUS_SUCCESS, wdmemu_write(sync, data, 7, NULL, &transferred));
    assert_int_equal(transferred, 7);
    check_forwarded_write(from, 7, TRUE);
    from = wdmemu_trace_count();
    memset(buffer, 0xAA, sizeof(buffer));
    assert_status(STATUS_SUCCESS, wdmemu_read(sync, buffer, 9, NULL, &transferred));
    assert_int_equal(transferred, 9);
    assert_true(st_all_bytes(buffer, 9, 0));
    assert_true(st_all_bytes(buffer + 9, sizeof(buffer) - 9, 0xAA));
    check_forwarded_read(from, irp_at_filter(from, IRP_MJ_READ), 9, TRUE, STATUS_SUCCESS);

    for (int i = 0; i < 2 * OVERLAPPED_READS; i++) {
        pending_read *r = &reads[i];
        assert_status(STATUS_SUCCESS, wdmemu_request_wait(r->request, -1));
        NTSTATUS status;
        ULONG_PTR information;
        assert_true(wdmemu_request_result(r->request, &status, &information));
        NTSTATUS expected = i == 0 ? STATUS_CANCELLED : STATUS_SUCCESS;
        assert_status(expected, status);
        ULONG done = i == 0 ? 0 : r->length;
        assert_int_equal(information, done);
        assert_true(st_all_bytes(r->buffer, done, 0));
        assert_true(st_all_bytes(r->buffer + done, sizeof(r->buffer) - done, 0xAA));
        check_forwarded_read(first, r->irp, r->length, TRUE, expected);
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
    assert_status(STATUS_SUCCESS, wdmemu_device_control(sync, IOCTL_ZERO_GET_STATS, NULL, 0, &stats, sizeof(stats),
                                                        NULL));
    assert_int_equal(stats.TotalRead, counters.ReadBytes);
    assert_int_equal(stats.TotalWritten, counters.WriteBytes);

    wdmemu_handle_close(ov[0]);
    wdmemu_handle_close(ov[1]);
    wdmemu_handle_close(sync);
    stack_unload();
    assert_int_equal(wdmemu_failing_finding_count(), 0);
    return order;
}

static void every_level_sees_the_same_across_seeds(void **state)
{
    (void)state;
    uint64_t saved = wdmemu_get_seed();
    unsigned long orders[SEEDS];
    size_t distinct = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        unsigned long order = one_seed(seed);
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
    print_message("%zu different completion orders over %d seeds\n", distinct, SEEDS);
    wdmemu_set_seed(saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        st_test(attaches_over_zero_and_detaches_on_unload),
        st_test(refuses_to_load_without_zero),
        st_test(create_cleanup_and_close_are_skipped),
        st_test(write_is_forwarded_synchronously),
        st_test(read_is_forwarded_asynchronously),
        st_test(overlapped_read_pends_for_the_caller),
        st_test(cancelled_read_reaches_the_completion_routine),
        st_test(every_level_sees_the_same_across_seeds),
    };
    return cmocka_run_group_tests_name("zero-filter", tests, NULL, NULL);
}
