/* test_zero.c: the Zero sample driver's tests, written with wdmemu's test kit
 * (<wdmemu/wdmemu_test.h>): its objects, every request type, buffer lengths (0, 1, 1 MiB,
 * statistics buffers too small), the fast I/O path against the IRP path, statistics shared
 * across handles, pended requests completed from a DPC (cancel, cleanup), and an unload that
 * leaves nothing behind.
 *
 * Every test runs in the fixture `zero`: a fresh emulated kernel with zero.so loaded and the
 * in-memory trace on; after the test the kit closes the handles left open, unloads the driver
 * and fails the test if it left a device, link, pool block or IRP behind, or if any finding
 * (a driver bug wdmemu detected) was reported. */
#include <wdmemu/wdmemu.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <wdmemu/wdmemu_test.h>

#include "zero_ioctl.h"

#define ZERO_TAG 'oreZ'
#define MIB (1024u * 1024u)

/* ZERO_MODULE: the path of the built zero.so (meson passes it) */
static wdmemu_test_fixture zero = {.drivers = {{.module = ZERO_MODULE}}, .trace = TRUE};

static const char zero_device[] = "\\Device\\Zero";

/* The create options of the handles the tests open, as CreateFile sets them. */
#define SYNC (FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE) /* cached, synchronous */
#define SYNC_NOCACHE (SYNC | FILE_NO_INTERMEDIATE_BUFFERING)           /* FILE_FLAG_NO_BUFFERING */
#define OVERLAPPED FILE_NON_DIRECTORY_FILE                             /* FILE_FLAG_OVERLAPPED */

static HANDLE open_zero(ACCESS_MASK access, ULONG options)
{
    return wdmemu_test_open_with(ZERO_USER_NAME, access, options);
}

static ZERO_STATS zero_stats(HANDLE handle)
{
    ZERO_STATS stats;
    memset(&stats, 0xEE, sizeof(stats));
    assert_int_equal(wdmemu_test_ioctl(handle, IOCTL_ZERO_GET_STATS, NULL, 0, &stats, sizeof(stats), STATUS_SUCCESS),
                     sizeof(stats));
    return stats;
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

/* Reads length bytes into a buffer of 0xAA with 16 guard bytes after it; asserts the driver
 * wrote zeros to exactly those length bytes and reported length. */
static void zero_read_checked(HANDLE handle, ULONG length)
{
    unsigned char *buffer = malloc((size_t)length + 16);
    assert_non_null(buffer);
    memset(buffer, 0xAA, (size_t)length + 16);
    assert_int_equal(wdmemu_test_read(handle, buffer, length, STATUS_SUCCESS), length);
    assert_true(all_bytes(buffer, length, 0));
    assert_true(all_bytes(buffer + length, 16, 0xAA));
    free(buffer);
}

/* How many records of this kind for this major function reached \Device\Zero from record
 * `from` on. */
static size_t at_zero(size_t from, const char *kind, int major)
{
    return wdmemu_test_trace_count_major(from, kind, major, zero_device);
}

/* ---- objects --------------------------------------------------------------------------------- */

static void creates_device_and_link_with_direct_io(void **state)
{
    wdmemu_driver *driver = wdmemu_test_driver_at(state, 0);
    PDEVICE_OBJECT device;
    assert_nt_status(STATUS_SUCCESS, wdmemu_device_lookup("\\\\.\\Zero", &device, NULL, 0));
    char name[64];
    wdmemu_device_name(device, name, sizeof(name));
    assert_string_equal(name, zero_device);
    assert_true(device->Flags & DO_DIRECT_IO);
    assert_false(device->Flags & DO_BUFFERED_IO);
    assert_false(device->Flags & DO_DEVICE_INITIALIZING);
    PDRIVER_OBJECT object = wdmemu_driver_object(driver);
    assert_ptr_equal(device->DriverObject, object);
    assert_non_null(object->FastIoDispatch);
    assert_non_null(object->FastIoDispatch->FastIoRead);
    ObDereferenceObject(device);
    assert_nt_status(STATUS_SUCCESS, wdmemu_symlink_target("\\??\\Zero", name, sizeof(name)));
    assert_string_equal(name, zero_device);
    /* \DosDevices is the same directory as \??. */
    assert_nt_status(STATUS_SUCCESS, wdmemu_symlink_target("\\DosDevices\\Zero", name, sizeof(name)));
}

/* ---- create, cleanup, close ------------------------------------------------------------------ */

static void create_cleanup_and_close_succeed(void **state)
{
    (void)state;
    HANDLE sync = wdmemu_test_open_with("\\\\.\\Zero", GENERIC_READ | GENERIC_WRITE, SYNC);
    HANDLE overlapped = wdmemu_test_open_with("\\??\\Zero", GENERIC_READ, OVERLAPPED);
    HANDLE device = wdmemu_test_open_with("\\Device\\Zero", GENERIC_WRITE, SYNC_NOCACHE);
    wdmemu_test_close(sync);
    wdmemu_test_close(overlapped);
    wdmemu_test_close(device);
    /* Each reached the driver and was completed with STATUS_SUCCESS by it. */
    static const int majors[] = {IRP_MJ_CREATE, IRP_MJ_CLEANUP, IRP_MJ_CLOSE};
    for (size_t m = 0; m < 3; m++) {
        assert_int_equal(at_zero(0, "IRP_DISPATCH", majors[m]), 3);
        assert_int_equal(at_zero(0, "IRP_COMPLETE", majors[m]), 3);
        for (size_t i = 0; i < wdmemu_trace_count(); i++) {
            const wdmemu_trace_record *r = wdmemu_trace_get(i);
            if (strcmp(r->kind, "IRP_COMPLETE") == 0 && r->major == majors[m]) {
                assert_nt_status(STATUS_SUCCESS, r->status);
                assert_int_equal(r->information, 0);
            }
        }
    }
}

/* ---- reads ----------------------------------------------------------------------------------- */

static void read_through_the_irp_fills_zeros_and_reports_the_length(void **state)
{
    (void)state;
    HANDLE h = open_zero(GENERIC_READ, SYNC_NOCACHE);
    static const ULONG lengths[] = {1, 2, 511, 4096, 4097, MIB};
    ULONG64 total = 0;
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        zero_read_checked(h, lengths[i]);
        total += lengths[i];
    }
    /* Every read was an IRP_MJ_READ with an MDL (direct I/O), none a fast read. */
    assert_int_equal(at_zero(0, "IRP_DISPATCH", IRP_MJ_READ), 6);
    assert_not_traced("FAST_IO", 0, NULL);
    const wdmemu_trace_record *done = wdmemu_trace_get(assert_traced_major(0, "IRP_COMPLETE", IRP_MJ_READ, zero_device));
    assert_int_equal(done->information, 1);
    assert_int_equal(done->output_length, 1);
    assert_int_equal(zero_stats(h).TotalRead, (LONG64)total);
    wdmemu_test_close(h);
}

static void read_of_zero_bytes_succeeds_on_both_paths(void **state)
{
    (void)state;
    HANDLE cached = open_zero(GENERIC_READ, SYNC);
    HANDLE uncached = open_zero(GENERIC_READ, SYNC_NOCACHE);
    unsigned char byte = 0xAA;
    assert_int_equal(wdmemu_test_read(cached, &byte, 0, STATUS_SUCCESS), 0);
    assert_int_equal(byte, 0xAA);
    assert_int_equal(wdmemu_test_read(uncached, NULL, 0, STATUS_SUCCESS), 0);
    assert_int_equal(at_zero(0, "IRP_DISPATCH", IRP_MJ_READ), 1);
    const wdmemu_trace_record *fast = wdmemu_trace_get(assert_traced_major(0, "FAST_IO", IRP_MJ_READ, zero_device));
    assert_true(fast->pending_returned); /* handled */
    assert_int_equal(wdmemu_trace_get(assert_traced_major(0, "IRP_COMPLETE", IRP_MJ_READ, zero_device))->information,
                     0);
    assert_int_equal(zero_stats(cached).TotalRead, 0);
    wdmemu_test_close(cached);
    wdmemu_test_close(uncached);
}

/* A synchronous cached handle: FastIoRead fills the buffer, no IRP is built. */
static void cached_synchronous_read_takes_the_fast_path(void **state)
{
    (void)state;
    HANDLE h = open_zero(GENERIC_READ, SYNC);
    zero_read_checked(h, 1);
    zero_read_checked(h, 100);
    zero_read_checked(h, MIB);
    assert_int_equal(at_zero(0, "FAST_IO", IRP_MJ_READ), 3);
    for (size_t i = 0; i < wdmemu_trace_count(); i++) {
        const wdmemu_trace_record *r = wdmemu_trace_get(i);
        if (strcmp(r->kind, "FAST_IO") == 0) {
            assert_string_equal(r->text, "FastIoRead");
            assert_true(r->pending_returned); /* handled */
            assert_nt_status(STATUS_SUCCESS, r->status);
        }
    }
    assert_int_equal(at_zero(0, "IRP_DISPATCH", IRP_MJ_READ), 0);
    /* The fast path counts in the statistics too. */
    assert_int_equal(zero_stats(h).TotalRead, 1 + 100 + MIB);
    wdmemu_test_close(h);
}

/* Overlapped handles and FILE_NO_INTERMEDIATE_BUFFERING handles get IRPs. */
static void overlapped_and_uncached_reads_take_the_irp_path(void **state)
{
    (void)state;
    HANDLE overlapped = open_zero(GENERIC_READ, OVERLAPPED);
    unsigned char buffer[64];
    memset(buffer, 0xAA, sizeof(buffer));
    int64_t offset = (int64_t)1 << 40; /* Zero has no end */
    wdmemu_request *request;
    assert_nt_status(STATUS_SUCCESS, wdmemu_read_async(overlapped, buffer, 48, &offset, NULL, NULL, &request));
    NTSTATUS status;
    ULONG_PTR information;
    assert_true(wdmemu_request_result(request, &status, &information));
    assert_nt_status(STATUS_SUCCESS, status);
    assert_int_equal(information, 48);
    assert_true(all_bytes(buffer, 48, 0));
    assert_true(all_bytes(buffer + 48, 16, 0xAA));
    wdmemu_request_free(request);
    assert_not_traced("FAST_IO", 0, NULL);
    assert_int_equal(at_zero(0, "IRP_DISPATCH", IRP_MJ_READ), 1);
    assert_int_equal(wdmemu_trace_get(assert_traced_major(0, "IRP_DISPATCH", IRP_MJ_READ, zero_device))->offset,
                     offset);

    HANDLE uncached = open_zero(GENERIC_READ, SYNC_NOCACHE);
    size_t from = wdmemu_trace_count();
    zero_read_checked(uncached, 33);
    assert_int_equal(wdmemu_test_trace_count_major(from, "FAST_IO", -1, NULL), 0);
    assert_int_equal(at_zero(from, "IRP_DISPATCH", IRP_MJ_READ), 1);
    wdmemu_test_close(uncached);
    wdmemu_test_close(overlapped);
}

/* FastIoRead itself, called the way the I/O manager would call it for a file object with these
 * flags: it serves cached synchronous files only, and none while reads are to be pended. */
static void fast_read_serves_only_cached_synchronous_files(void **state)
{
    PDEVICE_OBJECT device;
    assert_nt_status(STATUS_SUCCESS, wdmemu_device_lookup("\\\\.\\Zero", &device, NULL, 0));
    PFAST_IO_READ fast_read = wdmemu_driver_object(wdmemu_test_driver_at(state, 0))->FastIoDispatch->FastIoRead;
    FILE_OBJECT file;
    memset(&file, 0, sizeof(file));
    file.Type = IO_TYPE_FILE;
    file.Size = sizeof(file);
    file.DeviceObject = device;
    static const struct {
        ULONG flags;
        BOOLEAN handled;
    } cases[] = {
        {FO_SYNCHRONOUS_IO, TRUE},
        {FO_SYNCHRONOUS_IO | FO_CACHE_SUPPORTED, TRUE},
        {0, FALSE},
        {FO_CACHE_SUPPORTED, FALSE},
        {FO_SYNCHRONOUS_IO | FO_NO_INTERMEDIATE_BUFFERING, FALSE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned char buffer[8];
        memset(buffer, 0xAA, sizeof(buffer));
        IO_STATUS_BLOCK iosb = {.Status = STATUS_UNSUCCESSFUL, .Information = 99};
        LARGE_INTEGER offset = {.QuadPart = 0};
        file.Flags = cases[i].flags;
        assert_int_equal(fast_read(&file, &offset, 6, TRUE, 0, buffer, &iosb, device), cases[i].handled);
        if (cases[i].handled) {
            assert_nt_status(STATUS_SUCCESS, iosb.Status);
            assert_int_equal(iosb.Information, 6);
            assert_true(all_bytes(buffer, 6, 0));
            assert_true(all_bytes(buffer + 6, 2, 0xAA));
        } else {
            assert_nt_status(STATUS_UNSUCCESSFUL, iosb.Status); /* not touched */
            assert_true(all_bytes(buffer, sizeof(buffer), 0xAA));
        }
    }
    /* Reads to be pended must become IRPs. */
    HANDLE h = open_zero(GENERIC_READ, SYNC);
    zero_set_pending(h, ZERO_PEND_READS);
    unsigned char buffer[4] = {1, 2, 3, 4};
    IO_STATUS_BLOCK iosb = {.Status = STATUS_UNSUCCESSFUL};
    LARGE_INTEGER offset = {.QuadPart = 0};
    file.Flags = FO_SYNCHRONOUS_IO | FO_CACHE_SUPPORTED;
    assert_false(fast_read(&file, &offset, 4, TRUE, 0, buffer, &iosb, device));
    assert_int_equal(buffer[0], 1);
    wdmemu_test_close(h);
    ObDereferenceObject(device);
}

/* ---- writes ---------------------------------------------------------------------------------- */

static void write_consumes_the_data_and_reports_the_length(void **state)
{
    (void)state;
    HANDLE cached = open_zero(GENERIC_WRITE, SYNC);
    HANDLE overlapped = open_zero(GENERIC_WRITE, OVERLAPPED);
    unsigned char *data = malloc(MIB);
    assert_non_null(data);
    for (ULONG i = 0; i < MIB; i++)
        data[i] = (unsigned char)(i * 7);
    static const ULONG lengths[] = {0, 1, 4096, MIB};
    ULONG64 total = 0;
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        assert_int_equal(wdmemu_test_write(cached, data, lengths[i], STATUS_SUCCESS), lengths[i]);
        total += lengths[i];
    }
    int64_t offset = 0;
    wdmemu_request *request;
    assert_nt_status(STATUS_SUCCESS, wdmemu_write_async(overlapped, data, 77, &offset, NULL, NULL, &request));
    NTSTATUS status;
    ULONG_PTR information;
    assert_true(wdmemu_request_result(request, &status, &information));
    assert_int_equal(information, 77);
    wdmemu_request_free(request);
    total += 77;
    /* The data is only read: the caller's buffer is as it was. */
    for (ULONG i = 0; i < MIB; i++)
        assert_int_equal(data[i], (unsigned char)(i * 7));
    free(data);
    /* Writes are never fast: Zero has no FastIoWrite. */
    assert_int_equal(at_zero(0, "IRP_DISPATCH", IRP_MJ_WRITE), 5);
    assert_not_traced("FAST_IO", 0, NULL);
    ZERO_STATS stats = zero_stats(cached);
    assert_int_equal(stats.TotalWritten, (LONG64)total);
    assert_int_equal(stats.TotalRead, 0);
    wdmemu_test_close(cached);
    wdmemu_test_close(overlapped);
}

/* ---- statistics ------------------------------------------------------------------------------ */

static void statistics_belong_to_the_device_not_the_handle(void **state)
{
    (void)state;
    HANDLE a = open_zero(GENERIC_READ | GENERIC_WRITE, SYNC);
    HANDLE b = open_zero(GENERIC_READ | GENERIC_WRITE, SYNC_NOCACHE);
    ZERO_STATS stats = zero_stats(a);
    assert_int_equal(stats.TotalRead, 0);
    assert_int_equal(stats.TotalWritten, 0);
    char data[300] = {0};
    zero_read_checked(a, 10); /* fast */
    zero_read_checked(b, 20); /* IRP */
    wdmemu_test_write(a, data, 100, STATUS_SUCCESS);
    wdmemu_test_write(b, data, 300, STATUS_SUCCESS);
    for (int i = 0; i < 2; i++) {
        stats = zero_stats(i == 0 ? a : b);
        assert_int_equal(stats.TotalRead, 30);
        assert_int_equal(stats.TotalWritten, 400);
    }
    /* A handle opened later sees the same totals; a reset through one is seen by all. */
    HANDLE c = open_zero(GENERIC_READ | GENERIC_WRITE, OVERLAPPED);
    assert_int_equal(zero_stats(c).TotalRead, 30);
    wdmemu_test_ioctl(b, IOCTL_ZERO_RESET_STATS, NULL, 0, NULL, 0, STATUS_SUCCESS);
    for (int i = 0; i < 3; i++) {
        stats = zero_stats(i == 0 ? a : i == 1 ? b : c);
        assert_int_equal(stats.TotalRead, 0);
        assert_int_equal(stats.TotalWritten, 0);
    }
    zero_read_checked(a, 5);
    assert_int_equal(zero_stats(c).TotalRead, 5);
    /* Closing handles does not reset them either. */
    wdmemu_test_close(a);
    wdmemu_test_close(b);
    assert_int_equal(zero_stats(c).TotalRead, 5);
    wdmemu_test_close(c);
}

static void statistics_need_a_buffer_large_enough(void **state)
{
    (void)state;
    HANDLE h = open_zero(GENERIC_READ, SYNC);
    zero_read_checked(h, 3);
    unsigned char out[32];
    static const ULONG too_small[] = {0, 1, 8, sizeof(ZERO_STATS) - 1};
    for (size_t i = 0; i < sizeof(too_small) / sizeof(too_small[0]); i++) {
        memset(out, 0x5A, sizeof(out));
        assert_int_equal(wdmemu_test_ioctl(h, IOCTL_ZERO_GET_STATS, NULL, 0, too_small[i] ? out : NULL, too_small[i],
                                           STATUS_BUFFER_TOO_SMALL),
                         0);
        assert_true(all_bytes(out, sizeof(out), 0x5A)); /* nothing copied back */
    }
    /* Larger than needed: ZERO_STATS is returned, the rest is not transferred. */
    memset(out, 0x5A, sizeof(out));
    assert_int_equal(wdmemu_test_ioctl(h, IOCTL_ZERO_GET_STATS, NULL, 0, out, sizeof(out), STATUS_SUCCESS),
                     sizeof(ZERO_STATS));
    ZERO_STATS stats;
    memcpy(&stats, out, sizeof(stats));
    assert_int_equal(stats.TotalRead, 3);
    assert_int_equal(stats.TotalWritten, 0);
    assert_true(all_bytes(out + sizeof(ZERO_STATS), sizeof(out) - sizeof(ZERO_STATS), 0x5A));
    wdmemu_test_close(h);
}

static void reset_is_method_neither_and_needs_write_access(void **state)
{
    (void)state;
    HANDLE reader = open_zero(GENERIC_READ, SYNC);
    HANDLE writer = open_zero(GENERIC_WRITE, SYNC);
    zero_read_checked(reader, 7);
    size_t from = wdmemu_trace_count();
    /* refused by the I/O manager: the driver never sees it */
    wdmemu_test_ioctl(reader, IOCTL_ZERO_RESET_STATS, NULL, 0, NULL, 0, STATUS_ACCESS_DENIED);
    assert_int_equal(at_zero(from, "IRP_DISPATCH", IRP_MJ_DEVICE_CONTROL), 0);
    assert_int_equal(zero_stats(reader).TotalRead, 7);
    /* Buffers given anyway are not touched (METHOD_NEITHER: the driver would have to probe). */
    unsigned char in[8], out[8];
    memset(in, 0x11, sizeof(in));
    memset(out, 0x22, sizeof(out));
    assert_int_equal(wdmemu_test_ioctl(writer, IOCTL_ZERO_RESET_STATS, in, sizeof(in), out, sizeof(out),
                                       STATUS_SUCCESS),
                     0);
    assert_true(all_bytes(in, sizeof(in), 0x11));
    assert_true(all_bytes(out, sizeof(out), 0x22));
    assert_int_equal(zero_stats(reader).TotalRead, 0);
    wdmemu_test_close(reader);
    wdmemu_test_close(writer);
}

static void other_requests_are_refused(void **state)
{
    (void)state;
    HANDLE h = open_zero(GENERIC_READ | GENERIC_WRITE, SYNC);
    ULONG flags = ZERO_PEND_READS;
    ULONG bad = 0x4;
    wdmemu_test_ioctl(h, CTL_CODE(FILE_DEVICE_UNKNOWN, 0x803, METHOD_BUFFERED, FILE_ANY_ACCESS), NULL, 0, NULL, 0,
                      STATUS_INVALID_DEVICE_REQUEST);
    wdmemu_test_ioctl(h, IOCTL_ZERO_SET_PENDING, &flags, 3, NULL, 0, STATUS_BUFFER_TOO_SMALL);
    wdmemu_test_ioctl(h, IOCTL_ZERO_SET_PENDING, &bad, sizeof(bad), NULL, 0, STATUS_INVALID_PARAMETER);
    /* Neither switched pending on: the next read is still served by FastIoRead. */
    size_t from = wdmemu_trace_count();
    zero_read_checked(h, 4);
    assert_int_equal(at_zero(from, "IRP_DISPATCH", IRP_MJ_READ), 0);
    /* Majors Zero does not handle get the I/O manager's default answer. */
    assert_nt_status(STATUS_INVALID_DEVICE_REQUEST, wdmemu_flush(h));
    assert_nt_status(STATUS_INVALID_DEVICE_REQUEST,
                     wdmemu_internal_device_control(h, IOCTL_ZERO_GET_STATS, NULL, 0, NULL, 0, NULL));
    wdmemu_test_close(h);
}

/* ---- pended requests ------------------------------------------------------------------------- */

/* With ZERO_PEND_READS, FastIoRead declines, the IRP is queued and a DPC completes it at
 * DISPATCH_LEVEL; the synchronous caller waits for it. */
static void pended_read_is_completed_from_a_dpc(void **state)
{
    (void)state;
    HANDLE h = open_zero(GENERIC_READ, SYNC);
    zero_set_pending(h, ZERO_PEND_READS);
    size_t from = wdmemu_trace_count();
    zero_read_checked(h, 4096);
    const wdmemu_trace_record *fast = wdmemu_trace_get(assert_traced_major(from, "FAST_IO", IRP_MJ_READ, zero_device));
    assert_false(fast->pending_returned); /* declined */
    const wdmemu_trace_record *returned =
        wdmemu_trace_get(assert_traced_major(from, "IRP_DISPATCH_RETURNED", IRP_MJ_READ, zero_device));
    assert_nt_status(STATUS_PENDING, returned->status);
    const wdmemu_trace_record *complete =
        wdmemu_trace_get(assert_traced_major(from, "IRP_COMPLETE", IRP_MJ_READ, zero_device));
    assert_true(complete->seq > returned->seq);
    assert_int_equal(complete->irql, DISPATCH_LEVEL);
    assert_int_equal(complete->information, 4096);
    assert_int_equal(wdmemu_test_trace_count_major(from, "DPC", -1, NULL), 1);
    assert_int_equal(zero_stats(h).TotalRead, 4096);
    /* Switched off again: back to the fast path. */
    zero_set_pending(h, 0);
    from = wdmemu_trace_count();
    zero_read_checked(h, 1);
    assert_int_equal(at_zero(from, "IRP_DISPATCH", IRP_MJ_READ), 0);
    wdmemu_test_close(h);
}

static void overlapped_pended_requests_complete_later(void **state)
{
    (void)state;
    HANDLE h = open_zero(GENERIC_READ | GENERIC_WRITE, OVERLAPPED);
    zero_set_pending(h, ZERO_PEND_READS | ZERO_PEND_WRITES);
    unsigned char buffer[3][100];
    memset(buffer, 0xAA, sizeof(buffer));
    wdmemu_request *reads[3], *write;
    int64_t offset = 0;
    for (int i = 0; i < 3; i++)
        assert_nt_status(STATUS_PENDING,
                         wdmemu_read_async(h, buffer[i], (ULONG)(10 * (i + 1)), &offset, NULL, NULL, &reads[i]));
    assert_nt_status(STATUS_PENDING, wdmemu_write_async(h, "data", 4, &offset, NULL, NULL, &write));
    /* Nothing has run yet: no result, the buffers untouched, nothing counted. */
    for (int i = 0; i < 3; i++)
        assert_false(wdmemu_request_result(reads[i], NULL, NULL));
    assert_true(all_bytes(buffer, sizeof(buffer), 0xAA));
    assert_int_equal(wdmemu_run_until_idle(), 4);
    for (int i = 0; i < 3; i++) {
        NTSTATUS status;
        ULONG_PTR information;
        assert_true(wdmemu_request_result(reads[i], &status, &information));
        assert_nt_status(STATUS_SUCCESS, status);
        assert_int_equal(information, 10 * (i + 1));
        assert_true(all_bytes(buffer[i], information, 0));
        assert_true(all_bytes(buffer[i] + information, sizeof(buffer[i]) - information, 0xAA));
        wdmemu_request_free(reads[i]);
    }
    NTSTATUS status;
    ULONG_PTR information;
    assert_true(wdmemu_request_result(write, &status, &information));
    assert_nt_status(STATUS_SUCCESS, status);
    assert_int_equal(information, 4);
    wdmemu_request_free(write);
    ZERO_STATS stats = zero_stats(h);
    assert_int_equal(stats.TotalRead, 60);
    assert_int_equal(stats.TotalWritten, 4);
    wdmemu_pool_usage usage;
    wdmemu_pool_usage_for_tag(ZERO_TAG, &usage);
    assert_int_equal(usage.blocks, 0);
    assert_int_equal(usage.allocations, 4);
    wdmemu_test_close(h);
}

static void cancelled_pended_read_ends_cancelled(void **state)
{
    (void)state;
    HANDLE h = open_zero(GENERIC_READ, OVERLAPPED);
    zero_set_pending(h, ZERO_PEND_READS);
    unsigned char buffer[16];
    memset(buffer, 0xAA, sizeof(buffer));
    int64_t offset = 0;
    wdmemu_request *cancelled, *kept;
    assert_nt_status(STATUS_PENDING, wdmemu_read_async(h, buffer, 8, &offset, NULL, NULL, &cancelled));
    assert_nt_status(STATUS_PENDING, wdmemu_read_async(h, buffer + 8, 8, &offset, NULL, NULL, &kept));
    assert_nt_status(STATUS_SUCCESS, wdmemu_request_cancel(cancelled));
    NTSTATUS status;
    ULONG_PTR information;
    assert_true(wdmemu_request_result(cancelled, &status, &information));
    assert_nt_status(STATUS_CANCELLED, status);
    assert_int_equal(information, 0);
    assert_nt_status(STATUS_SUCCESS, wdmemu_request_wait(kept, -1));
    assert_true(wdmemu_request_result(kept, &status, &information));
    assert_nt_status(STATUS_SUCCESS, status);
    assert_int_equal(information, 8);
    wdmemu_run_until_idle(); /* the cancelled read's DPC, which finds nothing to do */
    assert_true(all_bytes(buffer, 8, 0xAA));
    assert_true(all_bytes(buffer + 8, 8, 0));
    assert_int_equal(zero_stats(h).TotalRead, 8);
    wdmemu_pool_usage usage;
    wdmemu_pool_usage_for_tag(ZERO_TAG, &usage);
    assert_int_equal(usage.blocks, 0);
    wdmemu_request_free(cancelled);
    wdmemu_request_free(kept);
    wdmemu_test_close(h);
}

/* IRP_MJ_CLEANUP ends the pended requests of its file object, and only those. */
static void cleanup_cancels_the_file_objects_pended_requests(void **state)
{
    (void)state;
    HANDLE a = open_zero(GENERIC_READ, OVERLAPPED);
    HANDLE b = open_zero(GENERIC_READ, OVERLAPPED);
    zero_set_pending(a, ZERO_PEND_READS);
    unsigned char buffer[8];
    int64_t offset = 0;
    wdmemu_request *ra, *rb;
    assert_nt_status(STATUS_PENDING, wdmemu_read_async(a, buffer, 4, &offset, NULL, NULL, &ra));
    assert_nt_status(STATUS_PENDING, wdmemu_read_async(b, buffer + 4, 4, &offset, NULL, NULL, &rb));
    wdmemu_test_close(a);
    NTSTATUS status;
    ULONG_PTR information;
    assert_true(wdmemu_request_result(ra, &status, &information));
    assert_nt_status(STATUS_CANCELLED, status);
    assert_false(wdmemu_request_result(rb, NULL, NULL));
    assert_nt_status(STATUS_SUCCESS, wdmemu_request_wait(rb, -1));
    assert_true(wdmemu_request_result(rb, &status, &information));
    assert_nt_status(STATUS_SUCCESS, status);
    assert_int_equal(information, 4);
    wdmemu_request_free(ra);
    wdmemu_request_free(rb);
    wdmemu_test_close(b);
}

/* ---- unload ---------------------------------------------------------------------------------- */

static void unload_leaves_nothing_behind(void **state)
{
    HANDLE h = open_zero(GENERIC_READ | GENERIC_WRITE, OVERLAPPED);
    zero_set_pending(h, ZERO_PEND_READS);
    unsigned char buffer[8];
    int64_t offset = 0;
    wdmemu_request *request;
    /* A pended read cancelled: its DPC is still queued when the handle closes and the driver
     * unloads; DriverUnload must flush it (its context would leak, and a DPC would run in an
     * unloaded driver). */
    assert_nt_status(STATUS_PENDING, wdmemu_read_async(h, buffer, 8, &offset, NULL, NULL, &request));
    assert_nt_status(STATUS_SUCCESS, wdmemu_request_cancel(request));
    wdmemu_request_free(request);
    wdmemu_test_close(h);
    wdmemu_pool_usage usage;
    wdmemu_pool_usage_for_tag(ZERO_TAG, &usage);
    assert_int_equal(usage.blocks, 1);
    /* The kit unloads the fixture's driver here rather than after the test. */
    wdmemu_test_unload(state, 0);
    assert_int_equal(wdmemu_finding_count(), 0);
    wdmemu_pool_usage_for_tag(ZERO_TAG, &usage);
    assert_int_equal(usage.blocks, 0);
    assert_int_equal(usage.frees, usage.allocations);
    assert_int_equal(wdmemu_test_trace_count("DRIVER_UNLOADED", 0, NULL), 1);
    assert_int_equal(wdmemu_test_trace_count("SYMLINK_DELETED", 0, NULL), 1);
    assert_int_equal(wdmemu_test_trace_count("DEVICE_DELETED", 0, zero_device), 1);
    PDEVICE_OBJECT device;
    assert_nt_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_device_lookup("\\\\.\\Zero", &device, NULL, 0));
    assert_nt_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_device_lookup("\\Device\\Zero", &device, NULL, 0));
    /* And it loads again. */
    wdmemu_driver *again = NULL;
    assert_nt_status(STATUS_SUCCESS, wdmemu_driver_load(ZERO_MODULE, NULL, &again));
    assert_nt_status(STATUS_SUCCESS, wdmemu_driver_unload(again));
    assert_int_equal(wdmemu_finding_count(), 0);
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
        wdmemu_unit_test(creates_device_and_link_with_direct_io, &zero),
        wdmemu_unit_test(create_cleanup_and_close_succeed, &zero),
        wdmemu_unit_test(read_through_the_irp_fills_zeros_and_reports_the_length, &zero),
        wdmemu_unit_test(read_of_zero_bytes_succeeds_on_both_paths, &zero),
        wdmemu_unit_test(cached_synchronous_read_takes_the_fast_path, &zero),
        wdmemu_unit_test(overlapped_and_uncached_reads_take_the_irp_path, &zero),
        wdmemu_unit_test(fast_read_serves_only_cached_synchronous_files, &zero),
        wdmemu_unit_test(write_consumes_the_data_and_reports_the_length, &zero),
        wdmemu_unit_test(statistics_belong_to_the_device_not_the_handle, &zero),
        wdmemu_unit_test(statistics_need_a_buffer_large_enough, &zero),
        wdmemu_unit_test(reset_is_method_neither_and_needs_write_access, &zero),
        wdmemu_unit_test(other_requests_are_refused, &zero),
        wdmemu_unit_test(pended_read_is_completed_from_a_dpc, &zero),
        wdmemu_unit_test(overlapped_pended_requests_complete_later, &zero),
        wdmemu_unit_test(cancelled_pended_read_ends_cancelled, &zero),
        wdmemu_unit_test(cleanup_cancels_the_file_objects_pended_requests, &zero),
        wdmemu_unit_test(unload_leaves_nothing_behind, &zero),
    };
    return cmocka_run_group_tests_name("zero", tests, NULL, NULL);
}
