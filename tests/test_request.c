/* The front end as an application uses it: wdmemu_open / wdmemu_read / wdmemu_write /
 * wdmemu_device_control / wdmemu_handle_close reach a driver the way CreateFile, ReadFile,
 * WriteFile, DeviceIoControl and CloseHandle do: create parameters, cleanup and close order,
 * access checks, bad arguments stopped before the driver, waiting for a driver that pends, the
 * status and byte count the caller gets, and output the driver never wrote made visible. */
#include "test_support.h"
#include "test_threads.h"

#define IOCTL_RQ_ECHO CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_RQ_NEEDS_WRITE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_WRITE_ACCESS)
#define IOCTL_RQ_PEND CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_RQ_STATUS CTL_CODE(FILE_DEVICE_UNKNOWN, 0x803, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_RQ_OVERCLAIM CTL_CODE(FILE_DEVICE_UNKNOWN, 0x804, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_RQ_HOLD CTL_CODE(FILE_DEVICE_UNKNOWN, 0x805, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_RQ_FAST CTL_CODE(FILE_DEVICE_UNKNOWN, 0x806, METHOD_BUFFERED, FILE_ANY_ACCESS)

/* IRPs held by IOCTL_RQ_HOLD until cancelled or cleaned up (a cancel-safe list of our own). */
#define RQ_HELD 8
static PIRP rq_held[RQ_HELD];
static KSPIN_LOCK rq_held_lock;

static PDRIVER_OBJECT rq_driver;
static PDEVICE_OBJECT rq_device;
static char rq_log[256];
static int rq_opens;
static struct {
    ACCESS_MASK access;
    ULONG options;
    USHORT share;
    KPROCESSOR_MODE mode;
    WCHAR name[32];
    BOOLEAN synchronous;
} rq_create;
static KPROCESSOR_MODE rq_read_mode;
static KIRQL rq_close_irql;
static NTSTATUS rq_return, rq_iosb; /* IOCTL_RQ_STATUS: what the dispatch returns / completes with */
static KTIMER rq_timer;
static KDPC rq_dpc;
static PIRP rq_pending;

static void rq_note(const char *what)
{
    strncat(rq_log, what, sizeof(rq_log) - strlen(rq_log) - 1);
}

static NTSTATUS rq_finish(PIRP irp, NTSTATUS status, ULONG_PTR information)
{
    irp->IoStatus.Status = status;
    irp->IoStatus.Information = information;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    return status;
}

static NTSTATUS NTAPI rq_create_close(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    switch (stack->MajorFunction) {
    case IRP_MJ_CREATE: {
        PFILE_OBJECT file = stack->FileObject;
        rq_create.access = stack->Parameters.Create.SecurityContext->DesiredAccess;
        rq_create.options = stack->Parameters.Create.Options;
        rq_create.share = stack->Parameters.Create.ShareAccess;
        rq_create.mode = Irp->RequestorMode;
        rq_create.synchronous = (file->Flags & FO_SYNCHRONOUS_IO) != 0;
        memset(rq_create.name, 0, sizeof(rq_create.name));
        if (file->FileName.Buffer != NULL)
            memcpy(rq_create.name, file->FileName.Buffer, file->FileName.Length < 62 ? file->FileName.Length : 62);
        UNICODE_STRING refuse = RTL_CONSTANT_STRING(L"\\refuse");
        if (RtlEqualUnicodeString(&file->FileName, &refuse, TRUE)) {
            rq_note("create-refused ");
            return rq_finish(Irp, STATUS_ACCESS_DENIED, 0);
        }
        file->FsContext = (PVOID)(ULONG_PTR)++rq_opens;
        rq_note("create ");
        return rq_finish(Irp, STATUS_SUCCESS, FILE_OPENED);
    }
    case IRP_MJ_CLEANUP: {
        /* Complete the held IRPs of this file object, as a driver must at cleanup. */
        rq_note("cleanup ");
        for (int i = 0; i < RQ_HELD; i++) {
            KIRQL irql;
            KeAcquireSpinLock(&rq_held_lock, &irql);
            PIRP held = rq_held[i];
            if (held != NULL && IoGetCurrentIrpStackLocation(held)->FileObject == stack->FileObject &&
                IoSetCancelRoutine(held, NULL) != NULL)
                rq_held[i] = NULL;
            else
                held = NULL;
            KeReleaseSpinLock(&rq_held_lock, irql);
            if (held != NULL) {
                rq_note("flushed ");
                rq_finish(held, STATUS_CANCELLED, 0);
            }
        }
        return rq_finish(Irp, STATUS_SUCCESS, 0);
    }
    default:
        rq_close_irql = KeGetCurrentIrql();
        rq_note("close ");
        return rq_finish(Irp, STATUS_SUCCESS, 0);
    }
}

static NTSTATUS NTAPI rq_read(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    rq_read_mode = Irp->RequestorMode;
    ULONG length = stack->Parameters.Read.Length;
    ULONG n = length < 4 ? length : 4;
    memcpy(Irp->AssociatedIrp.SystemBuffer, "DATA", n); /* the device is DO_BUFFERED_IO */
    rq_note(stack->Parameters.Read.ByteOffset.QuadPart == 0 ? "read@0 " : "read@n ");
    return rq_finish(Irp, STATUS_SUCCESS, n);
}

static FILE_INFORMATION_CLASS rq_info_class;
static ULONG rq_info_length;
static UCHAR rq_info_minor;
static char rq_info_in[8];

/* Flush, query/set information and FSCTLs: record what arrives, answer "INFO". */
static NTSTATUS NTAPI rq_other(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    switch (stack->MajorFunction) {
    case IRP_MJ_FLUSH_BUFFERS:
        rq_note("flush ");
        return rq_finish(Irp, STATUS_SUCCESS, 0);
    case IRP_MJ_QUERY_INFORMATION:
        rq_note("query ");
        rq_info_class = stack->Parameters.QueryFile.FileInformationClass;
        rq_info_length = stack->Parameters.QueryFile.Length;
        memcpy(Irp->AssociatedIrp.SystemBuffer, "INFO", 4);
        return rq_finish(Irp, STATUS_SUCCESS, 4);
    case IRP_MJ_SET_INFORMATION:
        rq_note("set ");
        rq_info_class = stack->Parameters.SetFile.FileInformationClass;
        rq_info_length = stack->Parameters.SetFile.Length;
        memcpy(rq_info_in, Irp->AssociatedIrp.SystemBuffer, rq_info_length < 8 ? rq_info_length : 8);
        return rq_finish(Irp, STATUS_SUCCESS, 0);
    default: /* IRP_MJ_FILE_SYSTEM_CONTROL */
        rq_note("fsctl ");
        rq_info_minor = stack->MinorFunction;
        rq_info_length = stack->Parameters.FileSystemControl.InputBufferLength;
        memcpy(rq_info_in, Irp->AssociatedIrp.SystemBuffer, rq_info_length < 8 ? rq_info_length : 8);
        memcpy(Irp->AssociatedIrp.SystemBuffer, "FSCT", 4);
        return rq_finish(Irp, STATUS_SUCCESS, 4);
    }
}

static NTSTATUS NTAPI rq_write(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    rq_note("write ");
    return rq_finish(Irp, STATUS_SUCCESS, stack->Parameters.Write.Length);
}

static VOID NTAPI rq_timer_dpc(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2)
{
    (void)Dpc;
    (void)Context;
    (void)A1;
    (void)A2;
    PIRP irp = rq_pending;
    rq_pending = NULL;
    memcpy(irp->AssociatedIrp.SystemBuffer, "LATE", 4);
    rq_finish(irp, STATUS_SUCCESS, 4);
}

static VOID NTAPI rq_cancel(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    KIRQL irql;
    KeAcquireSpinLock(&rq_held_lock, &irql);
    for (int i = 0; i < RQ_HELD; i++) {
        if (rq_held[i] == Irp)
            rq_held[i] = NULL;
    }
    KeReleaseSpinLock(&rq_held_lock, irql);
    rq_note("cancelled ");
    rq_finish(Irp, STATUS_CANCELLED, 0);
}

static NTSTATUS NTAPI rq_control(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG in = stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG out = stack->Parameters.DeviceIoControl.OutputBufferLength;
    PUCHAR buffer = Irp->AssociatedIrp.SystemBuffer;
    switch (stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_RQ_ECHO:
    case IOCTL_RQ_NEEDS_WRITE: {
        ULONG n = in < out ? in : out;
        return rq_finish(Irp, STATUS_SUCCESS, n); /* the input is already in the system buffer */
    }
    case IOCTL_RQ_PEND: {
        IoMarkIrpPending(Irp);
        rq_pending = Irp;
        LARGE_INTEGER due;
        due.QuadPart = -10 * 1000 * 50; /* 50 ms */
        KeSetTimer(&rq_timer, due, &rq_dpc);
        return STATUS_PENDING;
    }
    case IOCTL_RQ_STATUS:
        if (out >= 4)
            memcpy(buffer, "SOME", 4);
        Irp->IoStatus.Status = rq_iosb;
        Irp->IoStatus.Information = out >= 4 ? 4 : 0;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return rq_return;
    case IOCTL_RQ_HOLD: {
        KIRQL irql;
        KeAcquireSpinLock(&rq_held_lock, &irql);
        int slot = 0;
        while (slot < RQ_HELD && rq_held[slot] != NULL)
            slot++;
        rq_held[slot] = Irp;
        IoMarkIrpPending(Irp);
        IoSetCancelRoutine(Irp, rq_cancel);
        KeReleaseSpinLock(&rq_held_lock, irql);
        return STATUS_PENDING;
    }
    case IOCTL_RQ_OVERCLAIM:
        /* Writes 4 bytes but claims 8: the caller gets 4 bytes the driver never wrote. */
        memcpy(buffer, "REAL", 4);
        return rq_finish(Irp, STATUS_SUCCESS, 8);
    default:
        return rq_finish(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

/* Fast I/O: device control handles IOCTL_RQ_FAST only; reads at offset 100 only; writes
 * "succeed" with a status Windows does not accept from fast I/O, so the IRP follows. */
static BOOLEAN NTAPI rq_fast_control(PFILE_OBJECT FileObject, BOOLEAN Wait, PVOID InputBuffer, ULONG InputBufferLength,
                                     PVOID OutputBuffer, ULONG OutputBufferLength, ULONG IoControlCode,
                                     PIO_STATUS_BLOCK IoStatus, PDEVICE_OBJECT DeviceObject)
{
    (void)FileObject;
    (void)Wait;
    (void)InputBuffer;
    (void)InputBufferLength;
    (void)DeviceObject;
    if (IoControlCode != IOCTL_RQ_FAST) {
        rq_note("fastctl-declined ");
        return FALSE;
    }
    rq_note("fastctl ");
    memcpy(OutputBuffer, "FAST", OutputBufferLength < 4 ? OutputBufferLength : 4);
    IoStatus->Status = STATUS_SUCCESS;
    IoStatus->Information = OutputBufferLength < 4 ? OutputBufferLength : 4;
    return TRUE;
}

static BOOLEAN NTAPI rq_fast_read(PFILE_OBJECT FileObject, PLARGE_INTEGER FileOffset, ULONG Length, BOOLEAN Wait,
                                  ULONG LockKey, PVOID Buffer, PIO_STATUS_BLOCK IoStatus, PDEVICE_OBJECT DeviceObject)
{
    (void)FileObject;
    (void)Wait;
    (void)LockKey;
    (void)DeviceObject;
    if (FileOffset->QuadPart != 100) {
        rq_note("fastread-declined ");
        return FALSE;
    }
    rq_note("fastread ");
    memcpy(Buffer, "QUIK", Length < 4 ? Length : 4);
    IoStatus->Status = STATUS_SUCCESS;
    IoStatus->Information = Length < 4 ? Length : 4;
    return TRUE;
}

static BOOLEAN NTAPI rq_fast_write(PFILE_OBJECT FileObject, PLARGE_INTEGER FileOffset, ULONG Length, BOOLEAN Wait,
                                   ULONG LockKey, PVOID Buffer, PIO_STATUS_BLOCK IoStatus, PDEVICE_OBJECT DeviceObject)
{
    (void)FileObject;
    (void)FileOffset;
    (void)Length;
    (void)Wait;
    (void)LockKey;
    (void)Buffer;
    (void)DeviceObject;
    rq_note("fastwrite ");
    IoStatus->Status = STATUS_INVALID_PARAMETER;
    IoStatus->Information = 0;
    return TRUE;
}

static FAST_IO_DISPATCH rq_fast;

static VOID NTAPI rq_unload(PDRIVER_OBJECT DriverObject)
{
    UNICODE_STRING link = RTL_CONSTANT_STRING(L"\\??\\Requests");
    IoDeleteSymbolicLink(&link);
    IoDeleteDevice(DriverObject->DeviceObject);
}

static NTSTATUS NTAPI rq_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\Requests");
    UNICODE_STRING link = RTL_CONSTANT_STRING(L"\\??\\Requests");
    DriverObject->DriverUnload = rq_unload;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = rq_create_close;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = rq_create_close;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = rq_create_close;
    DriverObject->MajorFunction[IRP_MJ_READ] = rq_read;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = rq_write;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = rq_control;
    DriverObject->MajorFunction[IRP_MJ_FLUSH_BUFFERS] = rq_other;
    DriverObject->MajorFunction[IRP_MJ_QUERY_INFORMATION] = rq_other;
    DriverObject->MajorFunction[IRP_MJ_SET_INFORMATION] = rq_other;
    DriverObject->MajorFunction[IRP_MJ_FILE_SYSTEM_CONTROL] = rq_other;
    rq_driver = DriverObject;
    memset(&rq_fast, 0, sizeof(rq_fast));
    rq_fast.SizeOfFastIoDispatch = sizeof(rq_fast);
    rq_fast.FastIoRead = rq_fast_read;
    rq_fast.FastIoWrite = rq_fast_write;
    rq_fast.FastIoDeviceControl = rq_fast_control;
    DriverObject->FastIoDispatch = &rq_fast;
    KeInitializeTimer(&rq_timer);
    KeInitializeSpinLock(&rq_held_lock);
    memset(rq_held, 0, sizeof(rq_held));
    KeInitializeDpc(&rq_dpc, rq_timer_dpc, NULL);
    NTSTATUS status = IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &rq_device);
    if (!NT_SUCCESS(status))
        return status;
    rq_device->Flags |= DO_BUFFERED_IO;
    return IoCreateSymbolicLink(&link, &name);
}

static int rq_setup(void **state)
{
    ts_setup(state);
    rq_log[0] = '\0';
    rq_opens = 0;
    memset(&rq_create, 0, sizeof(rq_create));
    wdmemu_driver *driver;
    return NT_SUCCESS(wdmemu_driver_load_entry(rq_entry, "requests", &driver)) ? 0 : -1;
}

#define rq_test(f) cmocka_unit_test_setup_teardown(f, rq_setup, ts_teardown)

/* The same driver with real threads: DPCs on their own thread, real time. */
static int rq_threaded_setup(void **state)
{
    ts_setup(state);
    if (!NT_SUCCESS(wdmemu_set_mode(WDMEMU_MODE_THREADED)))
        return -1;
    rq_log[0] = '\0';
    rq_opens = 0;
    wdmemu_driver *driver;
    return NT_SUCCESS(wdmemu_driver_load_entry(rq_entry, "requests", &driver)) ? 0 : -1;
}

static int rq_threaded_teardown(void **state)
{
    int result = ts_teardown(state);
    return NT_SUCCESS(wdmemu_set_mode(WDMEMU_MODE_DETERMINISTIC)) ? result : -1;
}

#define rq_threaded_test(f) cmocka_unit_test_setup_teardown(f, rq_threaded_setup, rq_threaded_teardown)
#define RQ_SYNC (FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE)

/* ---- tests ---------------------------------------------------------------------------------- */

static void open_sends_create_and_the_last_close_sends_cleanup_then_close(void **state)
{
    (void)state;
    HANDLE handle;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests\\sub\\path", GENERIC_READ | GENERIC_WRITE,
                                              FILE_SHARE_READ, RQ_SYNC, &handle));
    assert_string_equal(rq_log, "create ");
    assert_int_equal(rq_create.mode, UserMode);
    assert_true(rq_create.synchronous);
    assert_true((rq_create.access & (FILE_READ_DATA | FILE_WRITE_DATA)) == (FILE_READ_DATA | FILE_WRITE_DATA));
    assert_int_equal(rq_create.options >> 24, FILE_OPEN);
    assert_int_equal(rq_create.options & 0xFFFFFF, RQ_SYNC);
    assert_int_equal(rq_create.share, FILE_SHARE_READ);
    assert_memory_equal(rq_create.name, L"\\sub\\path", sizeof(L"\\sub\\path"));
    /* A second open is a second create with its own file object. */
    HANDLE second;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\Device\\Requests", FILE_READ_DATA, 0, RQ_SYNC, &second));
    assert_int_equal(rq_opens, 2);
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(handle));
    assert_string_equal(rq_log, "create create cleanup close ");
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(second));
    assert_string_equal(rq_log, "create create cleanup close cleanup close ");
    assert_status(STATUS_INVALID_HANDLE, wdmemu_read(second, NULL, 0, NULL, NULL));
    assert_no_findings();
}

static void a_refused_create_gives_no_handle_and_no_close(void **state)
{
    (void)state;
    HANDLE handle = (HANDLE)1;
    assert_status(STATUS_ACCESS_DENIED, wdmemu_open("\\\\.\\Requests\\refuse", GENERIC_READ, 0, RQ_SYNC, &handle));
    assert_null(handle);
    assert_string_equal(rq_log, "create-refused ");
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_open("\\\\.\\NoSuchDevice", GENERIC_READ, 0, RQ_SYNC, &handle));
    assert_string_equal(rq_log, "create-refused ");
    assert_no_findings();
}

static void reads_and_writes_move_the_file_position(void **state)
{
    (void)state;
    HANDLE handle;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_READ | GENERIC_WRITE, 0, RQ_SYNC, &handle));
    char buffer[8];
    memset(buffer, '.', sizeof(buffer));
    ULONG_PTR moved = 99;
    assert_status(STATUS_SUCCESS, wdmemu_read(handle, buffer, sizeof(buffer), NULL, &moved));
    assert_int_equal(moved, 4);
    assert_memory_equal(buffer, "DATA....", 8);
    assert_int_equal(rq_read_mode, UserMode);
    /* The position advanced by 4: the next read without an offset starts there. */
    assert_status(STATUS_SUCCESS, wdmemu_read(handle, buffer, sizeof(buffer), NULL, &moved));
    int64_t zero = 0;
    assert_status(STATUS_SUCCESS, wdmemu_read(handle, buffer, sizeof(buffer), &zero, &moved));
    assert_status(STATUS_SUCCESS, wdmemu_write(handle, "abc", 3, NULL, &moved));
    assert_int_equal(moved, 3);
    assert_string_equal(rq_log, "create fastread-declined read@0 fastread-declined read@n fastread-declined read@0 "
                                "fastwrite write ");
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(handle));
    assert_no_findings();
}

static void bad_handles_access_and_buffers_never_reach_the_driver(void **state)
{
    (void)state;
    HANDLE reader, event;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_READ, 0, RQ_SYNC, &reader));
    assert_status(STATUS_SUCCESS, wdmemu_event_create(TRUE, FALSE, &event));
    rq_log[0] = '\0';
    char buffer[8];
    ULONG_PTR moved = 5;
    assert_status(STATUS_INVALID_HANDLE, wdmemu_read((HANDLE)(ULONG_PTR)0x7770, buffer, 8, NULL, &moved));
    assert_int_equal(moved, 0);
    assert_status(STATUS_OBJECT_TYPE_MISMATCH, wdmemu_read(event, buffer, 8, NULL, NULL));
    assert_status(STATUS_ACCESS_DENIED, wdmemu_write(reader, "x", 1, NULL, NULL));
    assert_status(STATUS_ACCESS_VIOLATION, wdmemu_read(reader, NULL, 8, NULL, NULL));
    assert_status(STATUS_ACCESS_DENIED, wdmemu_device_control(reader, IOCTL_RQ_NEEDS_WRITE, "in", 2, buffer, 8, NULL));
    assert_status(STATUS_ACCESS_VIOLATION, wdmemu_device_control(reader, IOCTL_RQ_ECHO, NULL, 2, buffer, 8, NULL));
    assert_string_equal(rq_log, "");
    assert_non_null(strstr(wdmemu_last_error(), "wdmemu_device_control"));
    rq_fast.SizeOfFastIoDispatch = 0; /* the rest of this test goes through IRPs */
    /* An IOCTL that asks for no access works on the read-only handle. */
    assert_status(STATUS_SUCCESS, wdmemu_device_control(reader, IOCTL_RQ_ECHO, "in", 2, buffer, 8, &moved));
    assert_int_equal(moved, 2);
    assert_memory_equal(buffer, "in", 2);
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(event));
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(reader));
    assert_no_findings();
}

static void a_request_the_driver_pends_is_waited_for(void **state)
{
    (void)state;
    HANDLE handle;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_READ, 0, RQ_SYNC, &handle));
    char out[8];
    memset(out, '.', sizeof(out));
    ULONG_PTR moved = 0;
    uint64_t before = wdmemu_time_now();
    assert_status(STATUS_SUCCESS, wdmemu_device_control(handle, IOCTL_RQ_PEND, NULL, 0, out, sizeof(out), &moved));
    assert_true(wdmemu_time_now() - before >= 50 * 10000); /* the timer's 50 ms passed, virtually */
    assert_int_equal(moved, 4);
    assert_memory_equal(out, "LATE....", 8);
    assert_null(rq_pending);
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(handle));
    assert_no_findings();
}

static void the_caller_sees_the_dispatch_status_and_the_iosb_only_when_written(void **state)
{
    (void)state;
    HANDLE handle;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_READ, 0, RQ_SYNC, &handle));
    char out[8];
    ULONG_PTR moved;
    /* Not pending: the dispatch routine's return value, whatever IoStatus says. */
    rq_return = STATUS_SUCCESS;
    rq_iosb = STATUS_BUFFER_OVERFLOW;
    memset(out, '.', sizeof(out));
    assert_status(STATUS_SUCCESS, wdmemu_device_control(handle, IOCTL_RQ_STATUS, NULL, 0, out, sizeof(out), &moved));
    assert_int_equal(moved, 4); /* !NT_ERROR(IoStatus): the IOSB was written, the data copied */
    assert_memory_equal(out, "SOME", 4);
    /* IoStatus is an error and nothing pended: no IOSB, no data, the return value stands. */
    rq_return = STATUS_SUCCESS;
    rq_iosb = STATUS_INVALID_PARAMETER;
    memset(out, '.', sizeof(out));
    assert_status(STATUS_SUCCESS, wdmemu_device_control(handle, IOCTL_RQ_STATUS, NULL, 0, out, sizeof(out), &moved));
    assert_int_equal(moved, 0);
    assert_memory_equal(out, "........", 8);
    rq_return = STATUS_UNSUCCESSFUL;
    rq_iosb = STATUS_UNSUCCESSFUL;
    assert_status(STATUS_UNSUCCESSFUL, wdmemu_device_control(handle, IOCTL_RQ_STATUS, NULL, 0, out, sizeof(out), &moved));
    assert_int_equal(moved, 0);
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(handle));
}

static void output_the_driver_never_wrote_is_recognisable(void **state)
{
    (void)state;
    HANDLE handle;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_READ, 0, RQ_SYNC, &handle));
    UCHAR out[16];
    memset(out, 0, sizeof(out));
    ULONG_PTR moved;
    assert_status(STATUS_SUCCESS, wdmemu_device_control(handle, IOCTL_RQ_OVERCLAIM, NULL, 0, out, sizeof(out), &moved));
    assert_int_equal(moved, 8);
    assert_memory_equal(out, "REAL", 4);
    for (int i = 4; i < 8; i++)
        assert_int_equal(out[i], WDMEMU_UNWRITTEN_BYTE);
    assert_int_equal(out[8], 0); /* beyond Information nothing is copied */
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(handle));
    assert_no_findings();
}

/* ---- overlapped requests ---------------------------------------------------------------------- */

#define RQ_OVERLAPPED FILE_NON_DIRECTORY_FILE

static int rq_callbacks;
static NTSTATUS rq_callback_status;
static ULONG_PTR rq_callback_information;

static void rq_callback(wdmemu_request *request, NTSTATUS status, ULONG_PTR information, void *context)
{
    (void)request;
    (void)context;
    rq_callbacks++;
    rq_callback_status = status;
    rq_callback_information = information;
}

static void overlapped_requests_return_pending_and_complete_later(void **state)
{
    (void)state;
    rq_callbacks = 0;
    HANDLE handle;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_READ, 0, RQ_OVERLAPPED, &handle));
    assert_false(rq_create.synchronous);
    char out[8];
    memset(out, '.', sizeof(out));
    wdmemu_request *request = NULL;
    assert_status(STATUS_PENDING, wdmemu_device_control_async(handle, IOCTL_RQ_PEND, NULL, 0, out, sizeof(out),
                                                              rq_callback, NULL, &request));
    assert_non_null(request);
    NTSTATUS status;
    ULONG_PTR information;
    assert_false(wdmemu_request_result(request, &status, &information));
    assert_int_equal(rq_callbacks, 0);
    assert_status(STATUS_TIMEOUT, wdmemu_request_wait(request, 10)); /* the driver's timer is 50 ms */
    assert_status(STATUS_SUCCESS, wdmemu_request_wait(request, -1));
    assert_true(wdmemu_request_result(request, &status, &information));
    assert_status(STATUS_SUCCESS, status);
    assert_int_equal(information, 4);
    assert_memory_equal(out, "LATE....", 8);
    assert_int_equal(rq_callbacks, 1);
    assert_int_equal(rq_callback_information, 4);
    wdmemu_request_free(request);

    /* An overlapped file has no position: reads need an offset.  The waiting calls work too. */
    char buffer[8];
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_read(handle, buffer, sizeof(buffer), NULL, NULL));
    int64_t offset = 0;
    assert_status(STATUS_SUCCESS, wdmemu_read(handle, buffer, sizeof(buffer), &offset, &information));
    assert_int_equal(information, 4);
    assert_status(STATUS_SUCCESS, wdmemu_device_control(handle, IOCTL_RQ_PEND, NULL, 0, out, sizeof(out), &information));
    assert_int_equal(information, 4);

    /* Completed at once: the request is handed out finished; failed at once: no request. */
    rq_return = STATUS_SUCCESS;
    rq_iosb = STATUS_SUCCESS;
    assert_status(STATUS_SUCCESS, wdmemu_device_control_async(handle, IOCTL_RQ_STATUS, NULL, 0, out, sizeof(out),
                                                              rq_callback, NULL, &request));
    assert_true(wdmemu_request_result(request, &status, &information));
    assert_int_equal(information, 4);
    assert_status(STATUS_NOT_FOUND, wdmemu_request_cancel(request));
    wdmemu_request_free(request);
    rq_return = STATUS_INVALID_PARAMETER;
    rq_iosb = STATUS_INVALID_PARAMETER;
    int before = rq_callbacks;
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_device_control_async(handle, IOCTL_RQ_STATUS, NULL, 0, out,
                                                                         sizeof(out), rq_callback, NULL, &request));
    assert_null(request);
    assert_int_equal(rq_callbacks, before);

    /* The last request completes from the driver's timer DPC after the handle is gone: the
     * IRP held the file object, and IRP_MJ_CLOSE arrives afterwards at PASSIVE_LEVEL. */
    rq_close_irql = HIGH_LEVEL;
    assert_status(STATUS_PENDING, wdmemu_device_control_async(handle, IOCTL_RQ_PEND, NULL, 0, out, sizeof(out), NULL,
                                                              NULL, &request));
    rq_log[0] = '\0';
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(handle));
    assert_string_equal(rq_log, "cleanup ");
    assert_status(STATUS_SUCCESS, wdmemu_request_wait(request, -1));
    wdmemu_request_free(request);
    wdmemu_run_until_idle();
    assert_string_equal(rq_log, "cleanup close ");
    assert_int_equal(rq_close_irql, PASSIVE_LEVEL);
    assert_no_findings();
}

static void cancelling_one_request_or_all_of_a_handle(void **state)
{
    (void)state;
    HANDLE handle, other;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_READ, 0, RQ_OVERLAPPED, &handle));
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_READ, 0, RQ_OVERLAPPED, &other));
    wdmemu_request *a, *b, *c, *d;
    assert_status(STATUS_PENDING, wdmemu_device_control_async(handle, IOCTL_RQ_HOLD, NULL, 0, NULL, 0, NULL, NULL, &a));
    assert_status(STATUS_PENDING, wdmemu_device_control_async(handle, IOCTL_RQ_HOLD, NULL, 0, NULL, 0, NULL, NULL, &b));
    assert_status(STATUS_PENDING, wdmemu_device_control_async(handle, IOCTL_RQ_HOLD, NULL, 0, NULL, 0, NULL, NULL, &c));
    assert_status(STATUS_PENDING, wdmemu_device_control_async(other, IOCTL_RQ_HOLD, NULL, 0, NULL, 0, NULL, NULL, &d));
    rq_log[0] = '\0';
    /* One request: only that one. */
    assert_status(STATUS_SUCCESS, wdmemu_request_cancel(b));
    NTSTATUS status;
    assert_true(wdmemu_request_result(b, &status, NULL));
    assert_status(STATUS_CANCELLED, status);
    assert_false(wdmemu_request_result(a, NULL, NULL));
    assert_string_equal(rq_log, "cancelled ");
    /* CancelIo: the rest of this handle's requests, not the other handle's. */
    assert_status(STATUS_SUCCESS, wdmemu_cancel_io(handle));
    assert_true(wdmemu_request_result(a, &status, NULL));
    assert_status(STATUS_CANCELLED, status);
    assert_true(wdmemu_request_result(c, NULL, NULL));
    assert_false(wdmemu_request_result(d, NULL, NULL));
    assert_string_equal(rq_log, "cancelled cancelled cancelled ");
    /* Closing the other handle: its driver completes the held IRP at cleanup. */
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(other));
    assert_true(wdmemu_request_result(d, &status, NULL));
    assert_status(STATUS_CANCELLED, status);
    assert_string_equal(rq_log, "cancelled cancelled cancelled cleanup flushed close ");
    wdmemu_request_free(a);
    wdmemu_request_free(b);
    wdmemu_request_free(c);
    wdmemu_request_free(d);
    /* A request freed while outstanding is released when it completes. */
    wdmemu_request *e;
    assert_status(STATUS_PENDING, wdmemu_device_control_async(handle, IOCTL_RQ_HOLD, NULL, 0, NULL, 0, NULL, NULL, &e));
    wdmemu_request_free(e);
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(handle));
    assert_no_findings();
}

/* ---- fast I/O ------------------------------------------------------------------------------ */

static void fast_io_comes_first_and_falls_back_to_the_irp(void **state)
{
    (void)state;
    HANDLE handle;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_READ | GENERIC_WRITE, 0, RQ_SYNC, &handle));
    rq_log[0] = '\0';
    char out[8];
    ULONG_PTR moved;
    /* Handled by FastIoDeviceControl: no IRP. */
    memset(out, '.', sizeof(out));
    assert_status(STATUS_SUCCESS, wdmemu_device_control(handle, IOCTL_RQ_FAST, NULL, 0, out, sizeof(out), &moved));
    assert_int_equal(moved, 4);
    assert_memory_equal(out, "FAST....", 8);
    assert_string_equal(rq_log, "fastctl ");
    /* Declined: the IRP follows (the echo handler). */
    assert_status(STATUS_SUCCESS, wdmemu_device_control(handle, IOCTL_RQ_ECHO, "hi", 2, out, sizeof(out), &moved));
    assert_int_equal(moved, 2);
    assert_string_equal(rq_log, "fastctl fastctl-declined ");
    /* Reads: fast at offset 100, IRP elsewhere. */
    rq_log[0] = '\0';
    int64_t at = 100;
    assert_status(STATUS_SUCCESS, wdmemu_read(handle, out, sizeof(out), &at, &moved));
    assert_memory_equal(out, "QUIK", 4);
    at = 0;
    assert_status(STATUS_SUCCESS, wdmemu_read(handle, out, sizeof(out), &at, &moved));
    assert_memory_equal(out, "DATA", 4);
    /* A fast write that "succeeds" with a status fast I/O may not end with: the IRP follows. */
    assert_status(STATUS_SUCCESS, wdmemu_write(handle, "abc", 3, NULL, &moved));
    assert_int_equal(moved, 3);
    assert_string_equal(rq_log, "fastread fastread-declined read@0 fastwrite write ");
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(handle));

    /* Not cached (FILE_NO_INTERMEDIATE_BUFFERING): no fast read or write. */
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_READ, 0,
                                              RQ_SYNC | FILE_NO_INTERMEDIATE_BUFFERING, &handle));
    rq_log[0] = '\0';
    at = 100;
    assert_status(STATUS_SUCCESS, wdmemu_read(handle, out, sizeof(out), &at, &moved));
    assert_string_equal(rq_log, "read@n ");
    /* A FAST_IO_DISPATCH too short to hold FastIoDeviceControl is not looked at. */
    rq_fast.SizeOfFastIoDispatch = (ULONG)offsetof(FAST_IO_DISPATCH, FastIoDeviceControl);
    rq_log[0] = '\0';
    assert_status(STATUS_INVALID_DEVICE_REQUEST,
                  wdmemu_device_control(handle, IOCTL_RQ_FAST, NULL, 0, out, sizeof(out), &moved));
    assert_string_equal(rq_log, "");
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(handle));
    assert_no_findings();
}

/* ---- duplicates, flush, information, FSCTL ---------------------------------------------------- */

static void duplicated_handles_share_one_open_and_cleanup_waits_for_the_last(void **state)
{
    (void)state;
    HANDLE a, b, c;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_READ, 0, RQ_SYNC, &a));
    assert_status(STATUS_SUCCESS, wdmemu_handle_duplicate(a, 0, &b));
    assert_status(STATUS_ACCESS_DENIED, wdmemu_handle_duplicate(a, GENERIC_WRITE, &c));
    assert_status(STATUS_SUCCESS, wdmemu_handle_duplicate(b, FILE_READ_DATA, &c));
    assert_int_equal(rq_opens, 1);
    char buffer[4];
    ULONG_PTR moved;
    assert_status(STATUS_SUCCESS, wdmemu_read(c, buffer, sizeof(buffer), NULL, &moved));
    /* The duplicates share the file object, and so its position. */
    FILE_POSITION_INFORMATION position;
    assert_status(STATUS_SUCCESS, wdmemu_query_information(a, FilePositionInformation, &position, sizeof(position), &moved));
    assert_int_equal(position.CurrentByteOffset.QuadPart, 4);
    assert_int_equal(moved, sizeof(position));
    rq_log[0] = '\0';
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(a));
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(c));
    assert_string_equal(rq_log, "");
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(b));
    assert_string_equal(rq_log, "cleanup close ");
    assert_no_findings();
}

static void flush_information_and_fs_controls_reach_the_driver(void **state)
{
    (void)state;
    HANDLE reader, writer;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_READ, 0, RQ_SYNC, &reader));
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_WRITE, 0, RQ_SYNC, &writer));
    rq_log[0] = '\0';
    assert_status(STATUS_ACCESS_DENIED, wdmemu_flush(reader));
    assert_status(STATUS_SUCCESS, wdmemu_flush(writer));
    assert_string_equal(rq_log, "flush ");

    UCHAR info[16];
    memset(info, 0, sizeof(info));
    ULONG_PTR moved;
    assert_status(STATUS_SUCCESS, wdmemu_query_information(reader, FileStandardInformation, info, sizeof(info), &moved));
    assert_int_equal(rq_info_class, FileStandardInformation);
    assert_int_equal(rq_info_length, sizeof(info));
    assert_int_equal(moved, 4);
    assert_memory_equal(info, "INFO", 4);
    assert_int_equal(info[4], 0); /* only Information bytes come back */
    assert_status(STATUS_SUCCESS, wdmemu_set_information(writer, FileEndOfFileInformation, "12345678", 8));
    assert_int_equal(rq_info_class, FileEndOfFileInformation);
    assert_memory_equal(rq_info_in, "12345678", 8);
    /* The position of a synchronous file is the I/O manager's: no IRP. */
    FILE_POSITION_INFORMATION position;
    position.CurrentByteOffset.QuadPart = 1000;
    assert_status(STATUS_SUCCESS, wdmemu_set_information(reader, FilePositionInformation, &position, sizeof(position)));
    position.CurrentByteOffset.QuadPart = -1;
    assert_status(STATUS_INVALID_PARAMETER,
                  wdmemu_set_information(reader, FilePositionInformation, &position, sizeof(position)));
    assert_string_equal(rq_log, "flush query set ");
    char buffer[4];
    assert_status(STATUS_SUCCESS, wdmemu_read(reader, buffer, sizeof(buffer), NULL, &moved));
    assert_string_equal(rq_log, "flush query set fastread-declined read@n ");

    char out[8];
    ULONG code = CTL_CODE(FILE_DEVICE_FILE_SYSTEM, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS);
    assert_status(STATUS_SUCCESS, wdmemu_fs_control(reader, code, "fs", 2, out, sizeof(out), &moved));
    assert_int_equal(rq_info_minor, IRP_MN_USER_FS_REQUEST);
    assert_int_equal(rq_info_length, 2);
    assert_memory_equal(rq_info_in, "fs", 2);
    assert_memory_equal(out, "FSCT", 4);
    assert_int_equal(moved, 4);
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(reader));
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(writer));
    assert_no_findings();
}

static void an_exclusive_device_refuses_a_second_open(void **state)
{
    (void)state;
    rq_device->Flags |= DO_EXCLUSIVE;
    HANDLE first, second;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_READ, 0, RQ_SYNC, &first));
    assert_status(STATUS_ACCESS_DENIED, wdmemu_open("\\\\.\\Requests", GENERIC_READ, 0, RQ_SYNC, &second));
    assert_int_equal(rq_opens, 1);
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(first));
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_READ, 0, RQ_SYNC, &second));
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(second));
    assert_no_findings();
}

static VOID NTAPI rq_completer(PVOID Context)
{
    (void)Context;
    /* Another thread finishes the held IRP (a system thread of the driver, say). */
    KIRQL irql;
    KeAcquireSpinLock(&rq_held_lock, &irql);
    PIRP irp = rq_held[0];
    rq_held[0] = NULL;
    if (irp != NULL && IoSetCancelRoutine(irp, NULL) == NULL)
        irp = NULL;
    KeReleaseSpinLock(&rq_held_lock, irql);
    if (irp != NULL)
        rq_finish(irp, STATUS_SUCCESS, 0);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static void a_request_completed_by_another_thread(void **state)
{
    (void)state;
    rq_callbacks = 0;
    HANDLE handle;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_READ, 0, RQ_OVERLAPPED, &handle));
    wdmemu_request *request;
    assert_status(STATUS_PENDING, wdmemu_device_control_async(handle, IOCTL_RQ_HOLD, NULL, 0, NULL, 0, rq_callback, NULL,
                                                              &request));
    HANDLE thread;
    assert_status(STATUS_SUCCESS, PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, NULL, NULL, NULL, rq_completer, NULL));
    ZwClose(thread);
    assert_int_equal(rq_callbacks, 0); /* the thread has not run yet (deterministic mode) */
    assert_status(STATUS_SUCCESS, wdmemu_request_wait(request, -1));
    NTSTATUS status;
    assert_true(wdmemu_request_result(request, &status, NULL));
    assert_status(STATUS_SUCCESS, status);
    assert_int_equal(rq_callbacks, 1);
    wdmemu_request_free(request);
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(handle));
    assert_no_findings();
}

static void threaded_mode_requests_complete_from_the_dpc_thread(void **state)
{
    (void)state;
    HANDLE sync, overlapped;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_READ, 0, RQ_SYNC, &sync));
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_READ, 0, RQ_OVERLAPPED, &overlapped));
    char out[8];
    ULONG_PTR moved = 0;
    assert_status(STATUS_SUCCESS, wdmemu_device_control(sync, IOCTL_RQ_PEND, NULL, 0, out, sizeof(out), &moved));
    assert_int_equal(moved, 4);
    assert_memory_equal(out, "LATE", 4);
    /* Held requests cancelled from the host while another thread may complete others. */
    wdmemu_request *held[4];
    for (int i = 0; i < 4; i++)
        assert_status(STATUS_PENDING, wdmemu_device_control_async(overlapped, IOCTL_RQ_HOLD, NULL, 0, NULL, 0, NULL,
                                                                  NULL, &held[i]));
    assert_status(STATUS_SUCCESS, wdmemu_cancel_io(overlapped));
    for (int i = 0; i < 4; i++) {
        assert_status(STATUS_SUCCESS, wdmemu_request_wait(held[i], -1));
        NTSTATUS status;
        assert_true(wdmemu_request_result(held[i], &status, NULL));
        assert_status(STATUS_CANCELLED, status);
        wdmemu_request_free(held[i]);
    }
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(sync));
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(overlapped));
    assert_no_findings();
}

/* Requests another host thread sent: each thread lists its own outstanding requests, and
 * CancelIoEx (wdmemu_cancel_io) must reach the handle's requests on every list, as must
 * wdmemu_request_cancel from a thread that did not send the request. */
typedef struct rq_sender {
    HANDLE handle;
    int count;
    wdmemu_request *sent[4];
    NTSTATUS status[4];
} rq_sender;

static void *rq_send_held(void *context)
{
    rq_sender *sender = context;
    for (int i = 0; i < sender->count; i++)
        sender->status[i] = wdmemu_device_control_async(sender->handle, IOCTL_RQ_HOLD, NULL, 0, NULL, 0, NULL, NULL,
                                                        &sender->sent[i]);
    return NULL;
}

static void cancelling_reaches_requests_other_threads_sent(void **state)
{
    (void)state;
    HANDLE handle;
    assert_status(STATUS_SUCCESS, wdmemu_open("\\\\.\\Requests", GENERIC_READ, 0, RQ_OVERLAPPED, &handle));
    rq_sender senders[2] = {{handle, 3, {NULL}, {0}}, {handle, 2, {NULL}, {0}}};
    tt_thread threads[2];
    for (int t = 0; t < 2; t++)
        assert_int_equal(tt_start(&threads[t], rq_send_held, &senders[t], 0), 0);
    for (int t = 0; t < 2; t++)
        assert_int_equal(tt_join(&threads[t]), 0);
    for (int t = 0; t < 2; t++) {
        for (int i = 0; i < senders[t].count; i++) {
            assert_status(STATUS_PENDING, senders[t].status[i]);
            assert_false(wdmemu_request_result(senders[t].sent[i], NULL, NULL));
        }
    }
    /* One request of the first thread from this one, then the rest of the handle's. */
    assert_status(STATUS_SUCCESS, wdmemu_request_cancel(senders[0].sent[1]));
    assert_status(STATUS_SUCCESS, wdmemu_cancel_io(handle));
    for (int t = 0; t < 2; t++) {
        for (int i = 0; i < senders[t].count; i++) {
            assert_status(STATUS_SUCCESS, wdmemu_request_wait(senders[t].sent[i], 10000)); /* not left behind */
            NTSTATUS status;
            assert_true(wdmemu_request_result(senders[t].sent[i], &status, NULL));
            assert_status(STATUS_CANCELLED, status);
            assert_status(STATUS_NOT_FOUND, wdmemu_request_cancel(senders[t].sent[i]));
            wdmemu_request_free(senders[t].sent[i]);
        }
    }
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(handle));
    assert_no_findings();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        rq_test(open_sends_create_and_the_last_close_sends_cleanup_then_close),
        rq_test(a_refused_create_gives_no_handle_and_no_close),
        rq_test(reads_and_writes_move_the_file_position),
        rq_test(bad_handles_access_and_buffers_never_reach_the_driver),
        rq_test(a_request_the_driver_pends_is_waited_for),
        rq_test(the_caller_sees_the_dispatch_status_and_the_iosb_only_when_written),
        rq_test(output_the_driver_never_wrote_is_recognisable),
        rq_test(overlapped_requests_return_pending_and_complete_later),
        rq_test(cancelling_one_request_or_all_of_a_handle),
        rq_test(fast_io_comes_first_and_falls_back_to_the_irp),
        rq_test(duplicated_handles_share_one_open_and_cleanup_waits_for_the_last),
        rq_test(flush_information_and_fs_controls_reach_the_driver),
        rq_test(an_exclusive_device_refuses_a_second_open),
        rq_test(a_request_completed_by_another_thread),
        rq_threaded_test(threaded_mode_requests_complete_from_the_dpc_thread),
        rq_threaded_test(cancelling_reaches_requests_other_threads_sent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
