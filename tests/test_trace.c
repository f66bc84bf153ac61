/* Tracing: the records a request through a filter and a driver leaves (kinds in order, IRP and
 * file numbers, devices, major function, IOCTL, depth, statuses), the text sink's lines in
 * deterministic mode, JSON Lines escaping (quotes, control characters, non-ASCII, invalid UTF-8,
 * truncation), and the sinks' selection errors. */
#include "test_support.h"

#include <stdlib.h>
#include <string.h>
#if defined(_MSC_VER)
#include <io.h>
#else
#include <unistd.h>
#endif

#include "trace/trace.h"

#define TT_IOCTL CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_READ_ACCESS)

static PDEVICE_OBJECT tt_lower, tt_upper, tt_below;

static NTSTATUS NTAPI tt_lower_dispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG_PTR information = 0;
    if (stack->MajorFunction == IRP_MJ_DEVICE_CONTROL) {
        memcpy(Irp->AssociatedIrp.SystemBuffer, "out", 3);
        information = 3;
    }
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static NTSTATUS NTAPI tt_upper_done(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    (void)DeviceObject;
    (void)Context;
    if (Irp->PendingReturned)
        IoMarkIrpPending(Irp);
    return STATUS_CONTINUE_COMPLETION;
}

static NTSTATUS NTAPI tt_upper_dispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, tt_upper_done, NULL, TRUE, TRUE, TRUE);
    return IoCallDriver(tt_below, Irp);
}

static VOID NTAPI tt_unload(PDRIVER_OBJECT DriverObject)
{
    PDEVICE_OBJECT device = DriverObject->DeviceObject;
    if (device == tt_upper)
        IoDetachDevice(tt_below);
    IoDeleteDevice(device);
}

static NTSTATUS NTAPI tt_lower_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\Tr\x00e4" L"ced"); /* non-ASCII on purpose */
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = tt_lower_dispatch;
    DriverObject->DriverUnload = tt_unload;
    NTSTATUS status = IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &tt_lower);
    if (NT_SUCCESS(status))
        tt_lower->Flags &= ~DO_DEVICE_INITIALIZING;
    return status;
}

static NTSTATUS NTAPI tt_upper_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = tt_upper_dispatch;
    DriverObject->DriverUnload = tt_unload;
    NTSTATUS status = IoCreateDevice(DriverObject, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &tt_upper);
    if (!NT_SUCCESS(status))
        return status;
    tt_below = IoAttachDeviceToDeviceStack(tt_upper, tt_lower);
    tt_upper->Flags |= DO_BUFFERED_IO;
    tt_upper->Flags &= ~DO_DEVICE_INITIALIZING;
    return tt_below != NULL ? STATUS_SUCCESS : STATUS_NO_SUCH_DEVICE;
}

static wdmemu_driver *tt_lower_driver, *tt_upper_driver;

static int tt_setup(void **state)
{
    ts_setup(state);
    if (!NT_SUCCESS(wdmemu_driver_load_entry(tt_lower_entry, "trlower", &tt_lower_driver)))
        return -1;
    return NT_SUCCESS(wdmemu_driver_load_entry(tt_upper_entry, "trfilter", &tt_upper_driver)) ? 0 : -1;
}

#define tt_test(f) cmocka_unit_test_setup_teardown(f, tt_setup, ts_teardown)

/* Sends one IOCTL through the filter to the driver, as an application would. */
static void tt_request(void)
{
    HANDLE handle;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\Device\\Tr\xc3\xa4" "ced", GENERIC_READ, 0,
                                              FILE_SYNCHRONOUS_IO_NONALERT, &handle));
    char out[8];
    ULONG_PTR moved;
    assert_status(STATUS_SUCCESS, wdmemu_device_control(handle, TT_IOCTL, "in", 2, out, sizeof(out), &moved));
    assert_int_equal(moved, 3);
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(handle));
}

/* Starts a file sink of this format: at keep if given, else at a new temporary file (path gets
 * the file's name either way). */
static void tt_start_file_sink(const char *format, const char *keep, char path[256])
{
    if (keep != NULL) {
        snprintf(path, 256, "%s", keep);
    } else {
#if defined(_MSC_VER)
        /* No mkstemp in the Microsoft C runtime: a unique name in %TEMP%, which the sink creates. */
        const char *temp = getenv("TEMP");
        snprintf(path, 256, "%s\\wdmemu-%s-XXXXXX", temp != NULL ? temp : ".", format);
        assert_int_equal(_mktemp_s(path, strlen(path) + 1), 0);
#else
        snprintf(path, 256, "/tmp/wdmemu-%s-XXXXXX", format);
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
#endif
    }
    char spec[300];
    snprintf(spec, sizeof(spec), "%s:%s", format, path);
    assert_status(STATUS_SUCCESS, wdmemu_trace_start(spec));
}

static const wdmemu_trace_record *tt_find(const char *kind, size_t from, size_t *at)
{
    for (size_t i = from; i < wdmemu_trace_count(); i++) {
        const wdmemu_trace_record *r = wdmemu_trace_get(i);
        if (strcmp(r->kind, kind) == 0) {
            if (at != NULL)
                *at = i;
            return r;
        }
    }
    return NULL;
}

static void a_request_through_a_filter_is_recorded_level_by_level(void **state)
{
    (void)state;
    assert_status(STATUS_SUCCESS, wdmemu_trace_start("memory"));
    tt_request();
    size_t at = 0;
    /* the IOCTL: issued, dispatched to the filter (depth 0), then the driver (depth 1) ... */
    const wdmemu_trace_record *issued = tt_find("REQUEST_ISSUED", 0, &at);
    assert_non_null(issued);
    assert_int_equal(issued->major, IRP_MJ_DEVICE_CONTROL);
    assert_int_equal(issued->ioctl, TT_IOCTL);
    assert_int_equal(issued->input_length, 2);
    assert_int_equal(issued->output_length, 8);
    const wdmemu_trace_record *top = tt_find("IRP_DISPATCH", at, &at);
    assert_non_null(top);
    assert_string_equal(top->driver, "\\Driver\\trfilter");
    assert_string_equal(top->major_name, "IRP_MJ_DEVICE_CONTROL");
    assert_int_equal(top->ioctl, TT_IOCTL);
    assert_int_equal(top->input_length, 2);
    assert_int_equal(top->output_length, 8);
    assert_int_equal(top->depth, 0);
    assert_int_equal(top->stack_location, 2);
    assert_true(top->file != 0);
    assert_int_equal(issued->file, top->file);
    uint32_t irp = top->irp;
    assert_true(irp != 0);
    const wdmemu_trace_record *low = tt_find("IRP_DISPATCH", at + 1, &at);
    assert_non_null(low);
    assert_string_equal(low->device, "\\Device\\Tr\xc3\xa4" "ced");
    assert_string_equal(low->driver, "\\Driver\\trlower");
    assert_int_equal(low->irp, irp);
    assert_int_equal(low->depth, 1);
    assert_int_equal(low->stack_location, 1);
    assert_int_equal(low->file, top->file);
    /* ... completed by the driver, the filter's routine sees it, the final stage runs ... */
    const wdmemu_trace_record *complete = tt_find("IRP_COMPLETE", at, &at);
    assert_non_null(complete);
    assert_int_equal(complete->irp, irp);
    assert_int_equal(complete->information, 3);
    const wdmemu_trace_record *routine = tt_find("COMPLETION_ROUTINE", at, &at);
    assert_non_null(routine);
    assert_string_equal(routine->driver, "\\Driver\\trfilter");
    assert_status(STATUS_SUCCESS, routine->status);
    assert_int_equal(routine->information, 3); /* IoStatus.Information as the routine sees it */
    assert_non_null(tt_find("IRP_FINAL", at, &at));
    /* ... the dispatch routines return, innermost first, and the requester has its result. */
    const wdmemu_trace_record *ret = tt_find("IRP_DISPATCH_RETURNED", at, &at);
    assert_int_equal(ret->depth, 1);
    ret = tt_find("IRP_DISPATCH_RETURNED", at + 1, &at);
    assert_int_equal(ret->depth, 0);
    const wdmemu_trace_record *done = tt_find("REQUEST_COMPLETED", 0, &at); /* inside the dispatch: it completed there */
    assert_non_null(done);
    assert_int_equal(done->information, 3);
    /* Records are in sequence. */
    for (size_t i = 1; i < wdmemu_trace_count(); i++)
        assert_true(wdmemu_trace_get(i)->seq > wdmemu_trace_get(i - 1)->seq);
    wdmemu_trace_stop();
    assert_no_findings();
}

static BOOLEAN NTAPI tt_fast_read(PFILE_OBJECT FileObject, PLARGE_INTEGER FileOffset, ULONG Length, BOOLEAN Wait,
                                  ULONG LockKey, PVOID Buffer, PIO_STATUS_BLOCK IoStatus, PDEVICE_OBJECT DeviceObject)
{
    (void)FileObject;
    (void)FileOffset;
    (void)Wait;
    (void)LockKey;
    (void)DeviceObject;
    memset(Buffer, 0, Length);
    IoStatus->Status = STATUS_SUCCESS;
    IoStatus->Information = Length;
    return TRUE;
}

static BOOLEAN NTAPI tt_fast_control(PFILE_OBJECT FileObject, BOOLEAN Wait, PVOID InputBuffer, ULONG InputBufferLength,
                                     PVOID OutputBuffer, ULONG OutputBufferLength, ULONG IoControlCode,
                                     PIO_STATUS_BLOCK IoStatus, PDEVICE_OBJECT DeviceObject)
{
    (void)FileObject, (void)Wait, (void)InputBuffer, (void)InputBufferLength, (void)OutputBuffer;
    (void)OutputBufferLength, (void)IoControlCode, (void)IoStatus, (void)DeviceObject;
    return FALSE; /* declined: the IRP follows */
}

static void fast_io_records_carry_the_routine_and_its_arguments(void **state)
{
    (void)state;
    static FAST_IO_DISPATCH fast;
    memset(&fast, 0, sizeof(fast));
    fast.SizeOfFastIoDispatch = sizeof(fast);
    fast.FastIoRead = tt_fast_read;
    fast.FastIoDeviceControl = tt_fast_control;
    wdmemu_driver_object(tt_upper_driver)->FastIoDispatch = &fast;
    assert_status(STATUS_SUCCESS, wdmemu_trace_start("memory"));
    HANDLE handle;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\Device\\Tr\xc3\xa4" "ced", GENERIC_READ, 0,
                                              FILE_SYNCHRONOUS_IO_NONALERT, &handle));
    char buffer[8];
    ULONG_PTR moved;
    int64_t offset = 16;
    assert_status(STATUS_SUCCESS, wdmemu_read(handle, buffer, 5, &offset, &moved));
    assert_int_equal(moved, 5);
    size_t at = 0;
    const wdmemu_trace_record *issued = tt_find("REQUEST_ISSUED", 0, &at);
    assert_non_null(issued);
    assert_string_equal(issued->major_name, "IRP_MJ_READ");
    assert_int_equal(issued->output_length, 5);
    assert_int_equal(issued->offset, 16);
    assert_true(issued->file != 0);
    const wdmemu_trace_record *read = tt_find("FAST_IO", at, &at);
    assert_non_null(read);
    assert_string_equal(read->text, "FastIoRead");
    assert_string_equal(read->driver, "\\Driver\\trfilter");
    assert_int_equal(read->output_length, 5);
    assert_int_equal(read->offset, 16);
    assert_int_equal(read->file, issued->file);
    assert_true(read->pending_returned); /* handled */
    assert_status(STATUS_SUCCESS, read->status);
    assert_int_equal(read->information, 5);
    assert_int_equal(wdmemu_trace_find(at, "IRP_DISPATCH", 0, NULL), (size_t)-1); /* no IRP */

    /* Declined: the record says so, with the IOCTL's code and lengths, and the IRP follows. */
    assert_status(STATUS_SUCCESS, wdmemu_device_control(handle, TT_IOCTL, "in", 2, buffer, sizeof(buffer), &moved));
    const wdmemu_trace_record *control = tt_find("FAST_IO", at + 1, &at);
    assert_non_null(control);
    assert_string_equal(control->text, "FastIoDeviceControl");
    assert_false(control->pending_returned);
    assert_int_equal(control->ioctl, TT_IOCTL);
    assert_int_equal(control->input_length, 2);
    assert_int_equal(control->output_length, sizeof(buffer));
    assert_int_equal(control->file, issued->file);
    assert_true(wdmemu_trace_find(at, "IRP_DISPATCH", 0, NULL) != (size_t)-1);
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(handle));
    wdmemu_driver_object(tt_upper_driver)->FastIoDispatch = NULL;
}

static void the_text_sink_writes_one_readable_line_per_record(void **state)
{
    (void)state;
    char path[256];
    tt_start_file_sink("text", NULL, path);
    tt_request();
    wdmemu_trace_stop();
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[512];
    int lines = 0, dispatch_lines = 0;
    BOOLEAN saw_ioctl = FALSE, saw_indented_driver = FALSE, saw_result = FALSE;
    while (fgets(line, sizeof(line), f) != NULL) {
        lines++;
        if (strstr(line, "IRP_DISPATCH IRP") != NULL)
            dispatch_lines++;
        if (strstr(line, "IRP_MJ_DEVICE_CONTROL CTL_CODE(0x22, 0x801, METHOD_BUFFERED, FILE_READ_ACCESS) in=2 out=8"))
            saw_ioctl = TRUE;
        if (strstr(line, "L0   IRP_DISPATCH IRP") != NULL && strstr(line, "\\Device\\Tr\xc3\xa4" "ced") != NULL)
            saw_indented_driver = TRUE;
        if (strstr(line, "REQUEST_COMPLETED") != NULL && strstr(line, "-> STATUS_SUCCESS info=3") != NULL)
            saw_result = TRUE;
    }
    fclose(f);
    remove(path);
    assert_true(lines > 10);
    assert_int_equal(dispatch_lines, 8); /* create, ioctl, cleanup, close: filter and driver each */
    assert_true(saw_ioctl);
    assert_true(saw_indented_driver);
    assert_true(saw_result);
}

static void json_lines_are_valid_and_strings_escaped(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(trace_json_escape("plain", out, sizeof(out)), 5);
    assert_string_equal(out, "plain");
    trace_json_escape("q\"b\\s", out, sizeof(out));
    assert_string_equal(out, "q\\\"b\\\\s");
    trace_json_escape("tab\tnl\ncr\rbell\a del\x7f", out, sizeof(out));
    assert_string_equal(out, "tab\\tnl\\ncr\\rbell\\u0007 del\\u007f");
    trace_json_escape("\\Device\\Tr\xc3\xa4" "ced \xe2\x82\xac", out, sizeof(out));
    assert_string_equal(out, "\\\\Device\\\\Tr\xc3\xa4" "ced \xe2\x82\xac"); /* valid UTF-8 passes through */
    trace_json_escape("bad \xc3 \xff \xed\xa0\x80 end", out, sizeof(out));
    assert_string_equal(out, "bad \\ufffd \\ufffd \\ufffd\\ufffd\\ufffd end");
    /* Cut short, the output never ends inside an escape or a character. */
    char small[8];
    assert_int_equal(trace_json_escape("ab\"cd", small, 4), 6);
    assert_string_equal(small, "ab");
    assert_int_equal(trace_json_escape("a\xc3\xa4", small, 3), 3);
    assert_string_equal(small, "a");
    assert_int_equal(trace_json_escape("abcdef", small, 4), 6); /* cut inside a run of plain characters */
    assert_string_equal(small, "abc");
    assert_int_equal(trace_json_escape("ab\tcd", small, 4), 6); /* an escape that does not fit ends it */
    assert_string_equal(small, "ab");

    /* A whole JSON Lines trace: every line one object with the versioned fields. */
    char path[256];
    tt_start_file_sink("jsonl", NULL, path);
    tt_request();
    DbgPrint("quote \" backslash \\ tab \t end\n");
    wdmemu_trace_stop();
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[2048];
    int lines = 0;
    BOOLEAN saw_escaped = FALSE;
    while (fgets(line, sizeof(line), f) != NULL) {
        lines++;
        assert_true(strncmp(line, "{\"v\":1,\"seq\":", 13) == 0);
        assert_true(line[strlen(line) - 2] == '}');
        if (strstr(line, "\"text\":\"quote \\\" backslash \\\\ tab \\t end\\n\"") != NULL)
            saw_escaped = TRUE;
        for (const char *c = line; *c != '\n'; c++)
            assert_true((unsigned char)*c >= 0x20); /* no raw control characters inside a line */
    }
    fclose(f);
    remove(path);
    assert_true(lines > 10);
    assert_true(saw_escaped);
}

static void unknown_sinks_are_refused(void **state)
{
    (void)state;
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_trace_start("xml:/tmp/x"));
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_trace_start(""));
    assert_status(STATUS_OBJECT_PATH_NOT_FOUND, wdmemu_trace_start("text:/nonexistent-dir/trace.txt"));
    assert_non_null(strstr(wdmemu_last_error(), "wdmemu_trace_start"));
    assert_string_equal(wdmemu_major_name(IRP_MJ_PNP), "IRP_MJ_PNP");
    assert_null(wdmemu_major_name(IRP_MJ_MAXIMUM_FUNCTION + 1));
    assert_int_equal(wdmemu_major_parse("IRP_MJ_DEVICE_CONTROL"), IRP_MJ_DEVICE_CONTROL);
    assert_int_equal(wdmemu_major_parse("IRP_MJ_BOGUS"), -1);
}

/* The Chrome form: one JSON array; each IRP a span per device level, opened at its dispatch and
 * closed at its final stage, innermost first.  WDMEMU_TEST_CHROME_OUT keeps the file for the
 * Python check that parses it (tests/trace/check_chrome.py). */
static void the_chrome_sink_writes_one_span_per_irp_level(void **state)
{
    (void)state;
    const char *keep = getenv("WDMEMU_TEST_CHROME_OUT");
    char path[256];
    tt_start_file_sink("chrome", keep, path);
    tt_request();
    wdmemu_trace_stop();
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    if (keep == NULL)
        remove(path);
    assert_true(text[0] == '[');
    assert_non_null(strstr(text, "\n]\n"));
    /* IRP 2 (the IOCTL): opened at the filter, then at the driver; closed driver first. */
    const char *open_top = strstr(text, "{\"ph\":\"b\",\"cat\":\"irp\",\"name\":\"IRP 2 IRP_MJ_DEVICE_CONTROL \\\\Device\\\\<unnamed");
    const char *open_low = strstr(text, "{\"ph\":\"b\",\"cat\":\"irp\",\"name\":\"IRP 2 IRP_MJ_DEVICE_CONTROL \\\\Device\\\\Tr");
    const char *close_low = strstr(text, "{\"ph\":\"e\",\"cat\":\"irp\",\"name\":\"IRP 2 IRP_MJ_DEVICE_CONTROL \\\\Device\\\\Tr");
    const char *close_top = strstr(text, "{\"ph\":\"e\",\"cat\":\"irp\",\"name\":\"IRP 2 IRP_MJ_DEVICE_CONTROL \\\\Device\\\\<unnamed");
    assert_non_null(open_top);
    assert_non_null(open_low);
    assert_non_null(close_low);
    assert_non_null(close_top);
    assert_true(open_top < open_low);
    assert_true(open_low < close_low);
    assert_true(close_low < close_top);
    assert_non_null(strstr(text, "\"cat\":\"completion\""));
}

static void filters_and_data_bytes(void **state)
{
    (void)state;
    assert_status(STATUS_SUCCESS, wdmemu_trace_start("memory"));
    wdmemu_trace_data_limit(8);
    tt_request();
    size_t at = 0;
    const wdmemu_trace_record *top = NULL;
    for (size_t i = 0; i < wdmemu_trace_count() && top == NULL; i++) {
        const wdmemu_trace_record *r = wdmemu_trace_get(i);
        if (strcmp(r->kind, "IRP_DISPATCH") == 0 && r->major == IRP_MJ_DEVICE_CONTROL) {
            top = r;
            at = i;
        }
    }
    assert_non_null(top);
    assert_int_equal(top->data_length, 2); /* the input, from the system buffer */
    assert_memory_equal(top->data, "in", 2);
    const wdmemu_trace_record *final = tt_find("IRP_FINAL", at, NULL);
    assert_non_null(final);
    assert_int_equal(final->data_length, 3); /* the output the driver produced */
    assert_memory_equal(final->data, "out", 3);
    wdmemu_trace_stop();
    wdmemu_trace_clear();

    /* Only the lower driver's device-control records, and no data bytes with the limit at 0. */
    wdmemu_trace_data_limit(0);
    assert_status(STATUS_SUCCESS, wdmemu_trace_filter("trlower", NULL, IRP_MJ_DEVICE_CONTROL));
    assert_status(STATUS_SUCCESS, wdmemu_trace_start("memory"));
    tt_request();
    wdmemu_trace_stop();
    assert_true(wdmemu_trace_count() >= 3); /* dispatch, complete, returned */
    for (size_t i = 0; i < wdmemu_trace_count(); i++) {
        const wdmemu_trace_record *r = wdmemu_trace_get(i);
        assert_string_equal(r->driver, "\\Driver\\trlower");
        assert_non_null(r->major_name);
        assert_int_equal(r->major, IRP_MJ_DEVICE_CONTROL);
        assert_null(r->data);
    }
    wdmemu_trace_clear();
    assert_status(STATUS_SUCCESS, wdmemu_trace_filter(NULL, "\\Device\\Tr\xc3\xa4" "ced", -1));
    assert_status(STATUS_SUCCESS, wdmemu_trace_start("memory"));
    tt_request();
    wdmemu_trace_stop();
    for (size_t i = 0; i < wdmemu_trace_count(); i++)
        assert_string_equal(wdmemu_trace_get(i)->device, "\\Device\\Tr\xc3\xa4" "ced");
    assert_true(wdmemu_trace_count() >= 12); /* create, ioctl, cleanup, close at the lower device */
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_trace_filter(NULL, NULL, IRP_MJ_MAXIMUM_FUNCTION + 1));
}

static void records_can_be_looked_up_by_kind_irp_and_device(void **state)
{
    (void)state;
    assert_status(STATUS_SUCCESS, wdmemu_trace_start("memory"));
    tt_request();
    wdmemu_trace_stop();
    const char *lower = "\\Device\\Tr\xc3\xa4" "ced";
    /* every request reached the lower device: create, ioctl, cleanup, close */
    int reached = 0;
    for (size_t i = wdmemu_trace_find(0, "IRP_DISPATCH", 0, lower); i != (size_t)-1;
         i = wdmemu_trace_find(i + 1, "IRP_DISPATCH", 0, lower))
        reached++;
    assert_int_equal(reached, 4);
    size_t ioctl = wdmemu_trace_find(0, "REQUEST_ISSUED", 0, NULL);
    assert_true(ioctl != (size_t)-1);
    size_t dispatch = wdmemu_trace_find(ioctl, "IRP_DISPATCH", 0, NULL);
    uint32_t irp = wdmemu_trace_get(dispatch)->irp;
    size_t routine = wdmemu_trace_find(0, "COMPLETION_ROUTINE", irp, NULL);
    assert_true(routine != (size_t)-1);
    assert_string_equal(wdmemu_trace_get(routine)->driver, "\\Driver\\trfilter");
    assert_true(wdmemu_trace_find(routine + 1, "COMPLETION_ROUTINE", irp, NULL) == (size_t)-1);
    size_t final = wdmemu_trace_find(0, "IRP_FINAL", irp, NULL);
    assert_true(wdmemu_trace_get(final)->iosb_written);
    assert_true(wdmemu_trace_find(0, "NO_SUCH_KIND", 0, NULL) == (size_t)-1);
    assert_true(wdmemu_trace_find(wdmemu_trace_count(), NULL, 0, NULL) == (size_t)-1);
}

/* ---- names that change under the tracer ------------------------------------------------------ */

static PDRIVER_OBJECT tn_driver;

static VOID NTAPI tn_unload(PDRIVER_OBJECT DriverObject)
{
    while (DriverObject->DeviceObject != NULL)
        IoDeleteDevice(DriverObject->DeviceObject);
}

static NTSTATUS NTAPI tn_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    tn_driver = DriverObject;
    DriverObject->DriverUnload = tn_unload;
    return STATUS_SUCCESS;
}

static PDEVICE_OBJECT tn_create(const WCHAR *text)
{
    UNICODE_STRING name;
    RtlInitUnicodeString(&name, text);
    PDEVICE_OBJECT device = NULL;
    assert_status(STATUS_SUCCESS, IoCreateDevice(tn_driver, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device));
    device->Flags &= ~DO_DEVICE_INITIALIZING;
    return device;
}

/* Records name each device as it was at the event, also when a device is freed and another one
 * (perhaps at the same address) is created, and keep each DbgPrint's own text when the driver
 * formats every message into the same buffer. */
static void records_keep_the_names_and_texts_of_their_moment(void **state)
{
    (void)state;
    wdmemu_driver *driver;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(tn_entry, "trnames", &driver));
    assert_status(STATUS_SUCCESS, wdmemu_trace_start("memory"));
    for (int round = 0; round < 3; round++) {
        PDEVICE_OBJECT first = tn_create(L"\\Device\\TrFirst");
        IoDeleteDevice(first);
        PDEVICE_OBJECT second = tn_create(L"\\Device\\TrSecond");
        IoDeleteDevice(second);
    }
    char message[32];
    for (int i = 0; i < 3; i++) {
        snprintf(message, sizeof(message), "message %d\n", i);
        DbgPrint("%s", message);
    }
    wdmemu_trace_stop();
    int created = 0, freed = 0, printed = 0;
    for (size_t i = 0; i < wdmemu_trace_count(); i++) {
        const wdmemu_trace_record *r = wdmemu_trace_get(i);
        if (strcmp(r->kind, "DEVICE_CREATED") == 0 || strcmp(r->kind, "DEVICE_FREED") == 0) {
            int *count = r->kind[7] == 'C' ? &created : &freed;
            assert_string_equal(r->device, (*count % 2) == 0 ? "\\Device\\TrFirst" : "\\Device\\TrSecond");
            assert_string_equal(r->driver, "\\Driver\\trnames");
            (*count)++;
        } else if (strcmp(r->kind, "DEBUG_PRINT") == 0) {
            char expected[32];
            snprintf(expected, sizeof(expected), "message %d", printed++);
            assert_non_null(r->text);
            assert_non_null(strstr(r->text, expected));
        }
    }
    assert_int_equal(created, 6);
    assert_int_equal(freed, 6);
    assert_int_equal(printed, 3);
    /* Cleared records take their strings with them; new ones are named afresh. */
    wdmemu_trace_clear();
    assert_status(STATUS_SUCCESS, wdmemu_trace_start("memory"));
    IoDeleteDevice(tn_create(L"\\Device\\TrThird"));
    wdmemu_trace_stop();
    size_t at = wdmemu_trace_find(0, "DEVICE_CREATED", 0, NULL);
    assert_true(at != (size_t)-1);
    assert_string_equal(wdmemu_trace_get(at)->device, "\\Device\\TrThird");
    assert_string_equal(wdmemu_trace_get(at)->driver, "\\Driver\\trnames");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        tt_test(a_request_through_a_filter_is_recorded_level_by_level),
        tt_test(fast_io_records_carry_the_routine_and_its_arguments),
        tt_test(the_text_sink_writes_one_readable_line_per_record),
        tt_test(json_lines_are_valid_and_strings_escaped),
        tt_test(unknown_sinks_are_refused),
        tt_test(the_chrome_sink_writes_one_span_per_irp_level),
        tt_test(filters_and_data_bytes),
        tt_test(records_can_be_looked_up_by_kind_irp_and_device),
        tt_test(records_keep_the_names_and_texts_of_their_moment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
