/* io/request.c: the I/O manager front end for the host: what an application's CreateFile,
 * ReadFile, WriteFile, DeviceIoControl and CloseHandle do on Windows.  wdmemu_open resolves the
 * name, opens a file object (IRP_MJ_CREATE with the create parameters, RequestorMode UserMode)
 * and returns a handle whose last close sends IRP_MJ_CLEANUP (IRP_MJ_CLOSE follows when the last
 * reference to the file object goes).  The transfer calls check the handle and its granted
 * access, validate the caller's buffers as the system services do, build the IRP with the
 * buffers placed per DO_BUFFERED_IO / DO_DIRECT_IO / neither or per METHOD_* (the builders of
 * io/build.c, in UserMode), send it to the top of the device stack, wait on the file object's
 * event when the driver pends, and report what the NT call reports: the status (the dispatch
 * routine's return value, or the IO_STATUS_BLOCK status after a wait) and the bytes
 * transferred.  Synchronous file objects only, for now: files opened without
 * FILE_SYNCHRONOUS_IO_* (overlapped) are refused with STATUS_NOT_SUPPORTED. */
#include <string.h>

#include "core/event.h"
#include "core/report.h"
#include "io/irp_private.h"
#include "ke/ke.h"
#include "ob/ob.h"

/* Generic rights as the I/O manager maps them for file objects. */
static ACCESS_MASK io_map_file_access(ACCESS_MASK access)
{
    ACCESS_MASK mapped = access & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL | MAXIMUM_ALLOWED);
    if (access & (GENERIC_ALL | MAXIMUM_ALLOWED))
        mapped |= FILE_ALL_ACCESS;
    if (access & GENERIC_READ)
        mapped |= FILE_GENERIC_READ;
    if (access & GENERIC_WRITE)
        mapped |= FILE_GENERIC_WRITE;
    if (access & GENERIC_EXECUTE)
        mapped |= FILE_GENERIC_EXECUTE;
    return mapped;
}

static void io_last_handle(void *body)
{
    io_file_cleanup(body);
}

WDMEMU_API NTSTATUS wdmemu_open(const char *name, ACCESS_MASK access, ULONG share_access, ULONG create_options,
                                HANDLE *handle)
{
    if (handle == NULL)
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_open(\"%s\"): no handle pointer", name ? name : "(null)");
    *handle = NULL;
    if (!(create_options & (FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT)))
        return rp_error(STATUS_NOT_SUPPORTED,
                        "wdmemu_open(\"%s\"): overlapped file objects (no FILE_SYNCHRONOUS_IO_ALERT or "
                        "FILE_SYNCHRONOUS_IO_NONALERT in the create options) are not supported yet",
                        name ? name : "(null)");
    ob_lookup_result found;
    NTSTATUS status = io_host_lookup("wdmemu_open", name, OB_LOOKUP_FOLLOW_LAST, OB_TYPE_DEVICE, "a device", &found);
    if (!NT_SUCCESS(status))
        return status;
    ACCESS_MASK granted = io_map_file_access(access);
    PFILE_OBJECT file;
    status = io_open_device(found.object, found.remainder, found.remainder_length, granted, share_access,
                            create_options, UserMode, &file);
    ob_lookup_release(&found);
    if (!NT_SUCCESS(status)) {
        char st[RP_STATUS_LEN];
        return rp_fail(status, "wdmemu_open(\"%s\"): the open failed with %s", name, rp_status(status, st));
    }
    ob_set_last_handle_callback(file, io_last_handle);
    status = ob_handle_open(file, granted, handle);
    ObDereferenceObject(file); /* the handle holds the file object now */
    if (!NT_SUCCESS(status))
        return rp_error(status, "wdmemu_open(\"%s\"): no handle could be created", name);
    return STATUS_SUCCESS;
}

/* ---- transfers ---------------------------------------------------------------------------- */

typedef struct io_request {
    const char *api;
    PFILE_OBJECT file;
    PDEVICE_OBJECT device;
    IO_STATUS_BLOCK iosb;
    BOOLEAN finished; /* the final stage ran */
} io_request;

/* The final stage of a request whose requester stopped waiting: nothing is reported to it any
 * more, and the file object the IRP refers to is released only now. */
static void io_request_abandoned_final(PIRP irp, void *context)
{
    irp->UserIosb = NULL;
    irp->UserEvent = NULL;
    io_build_final(irp, io_irp_header_of(irp));
    ObDereferenceObject(context);
}

static void io_request_final(PIRP irp, void *context)
{
    io_request *request = context;
    request->finished = TRUE;
    io_build_final(irp, io_irp_header_of(irp)); /* copy back, IOSB and event rules, free */
}

/* Looks the handle up for a transfer needing `desired` access. */
static NTSTATUS io_request_begin(io_request *request, const char *api, HANDLE handle, ACCESS_MASK desired)
{
    memset(request, 0, sizeof(*request));
    request->api = api;
    void *object = NULL;
    NTSTATUS status = ob_handle_reference(handle, OB_TYPE_FILE, desired, &object, NULL);
    if (status == STATUS_OBJECT_TYPE_MISMATCH)
        return rp_fail(status, "%s(%p): the handle is not a file handle", api, handle);
    if (status == STATUS_ACCESS_DENIED)
        return rp_fail(status, "%s(%p): the handle was not opened with the access this request needs (0x%08lX)",
                       api, handle, (unsigned long)desired);
    if (!NT_SUCCESS(status))
        return rp_fail(status, "%s(%p): not an open handle", api, handle);
    request->file = object;
    if (!(request->file->Flags & FO_SYNCHRONOUS_IO)) {
        ObDereferenceObject(object);
        return rp_error(STATUS_NOT_SUPPORTED, "%s(%p): asynchronous file objects are not supported yet", api, handle);
    }
    request->device = IoGetRelatedDeviceObject(request->file);
    return STATUS_SUCCESS;
}

/* Sends the built IRP for the file and returns what the synchronous NT call returns. */
static NTSTATUS io_request_send(io_request *request, PIRP irp, ULONG_PTR *information)
{
    PFILE_OBJECT file = request->file;
    PIO_STACK_LOCATION stack = IoGetNextIrpStackLocation(irp);
    UCHAR major = stack->MajorFunction;
    stack->FileObject = file;
    irp->Tail.Overlay.OriginalFileObject = file;
    irp->Flags |= IRP_SYNCHRONOUS_API;
    request->iosb.Status = STATUS_PENDING;
    request->iosb.Information = 0;
    KeClearEvent(&file->Event);
    io_irp_set_final(irp, io_request_final, request);
    NTSTATUS status = IoCallDriver(request->device, irp);
    char name[96];
    if (status == STATUS_PENDING) {
        NTSTATUS waited = KeWaitForSingleObject(&file->Event, Executive, KernelMode, FALSE, NULL);
        if (waited != STATUS_SUCCESS || !request->finished) {
            rp_finding("IRP_NEVER_COMPLETED", STATUS_PENDING, io_driver_display(request->device->DriverObject),
                       io_device_display(request->device, name, sizeof(name)),
                       "%s: the driver returned STATUS_PENDING for major 0x%02x on %s and never completed the IRP",
                       request->api, major, name);
            /* The IRP stays with the driver: it keeps the file object alive and reports to no one. */
            ObReferenceObject(file);
            irp->UserIosb = NULL;
            irp->UserEvent = NULL;
            io_irp_set_final(irp, io_request_abandoned_final, file);
            *information = 0;
            return waited != STATUS_SUCCESS ? waited : STATUS_PENDING;
        }
        status = request->iosb.Status;
    } else if (!request->finished) {
        rp_finding("DISPATCH_RETURNED_WITHOUT_COMPLETING", status, io_driver_display(request->device->DriverObject),
                   io_device_display(request->device, name, sizeof(name)),
                   "%s: the dispatch routine for major 0x%02x of %s returned %08X without completing the IRP or "
                   "returning STATUS_PENDING (Driver Verifier 0xC9/0x226)",
                   request->api, major, name, (unsigned)status);
        ObReferenceObject(file);
        irp->UserIosb = NULL;
        irp->UserEvent = NULL;
        io_irp_set_final(irp, io_request_abandoned_final, file);
    }
    /* The IO_STATUS_BLOCK is written unless the request failed without pending. */
    *information = request->iosb.Status != STATUS_PENDING ? request->iosb.Information : 0;
    return status;
}

static void io_request_end(io_request *request)
{
    ObDereferenceObject(request->file);
}

/* Read and write: a NULL offset means the file's current position (synchronous files keep
 * one, advanced by what each transfer moved). */
static NTSTATUS io_transfer(const char *api, UCHAR major, HANDLE handle, void *buffer, ULONG length,
                            const int64_t *offset, ULONG_PTR *transferred)
{
    ULONG_PTR ignored;
    if (transferred == NULL)
        transferred = &ignored;
    *transferred = 0;
    io_request request;
    NTSTATUS status = io_request_begin(&request, api, handle, major == IRP_MJ_READ ? FILE_READ_DATA : FILE_WRITE_DATA);
    if (!NT_SUCCESS(status))
        return status;
    if (buffer == NULL && length != 0) {
        io_request_end(&request);
        return rp_fail(STATUS_ACCESS_VIOLATION, "%s(%p): NULL buffer with length %lu", api, handle,
                       (unsigned long)length);
    }
    LARGE_INTEGER start;
    start.QuadPart = offset != NULL ? *offset : request.file->CurrentByteOffset.QuadPart;
    if (start.QuadPart < 0) {
        io_request_end(&request);
        return rp_fail(STATUS_INVALID_PARAMETER, "%s(%p): negative byte offset %lld", api, handle,
                       (long long)start.QuadPart);
    }
    PIRP irp = io_build_fsd(api, IO_BUILT_SYNCHRONOUS_FSD, major, request.device, buffer, length, &start,
                            &request.file->Event, &request.iosb, UserMode);
    if (irp == NULL) {
        io_request_end(&request);
        return rp_fail(STATUS_INSUFFICIENT_RESOURCES, "%s(%p): the IRP could not be built (no memory, or the "
                       "buffer cannot be locked)", api, handle);
    }
    status = io_request_send(&request, irp, transferred);
    if (NT_SUCCESS(status))
        request.file->CurrentByteOffset.QuadPart = start.QuadPart + (LONGLONG)*transferred;
    io_request_end(&request);
    return status;
}

WDMEMU_API NTSTATUS wdmemu_read(HANDLE handle, void *buffer, ULONG length, const int64_t *offset,
                                ULONG_PTR *transferred)
{
    return io_transfer("wdmemu_read", IRP_MJ_READ, handle, buffer, length, offset, transferred);
}

WDMEMU_API NTSTATUS wdmemu_write(HANDLE handle, const void *buffer, ULONG length, const int64_t *offset,
                                 ULONG_PTR *transferred)
{
    return io_transfer("wdmemu_write", IRP_MJ_WRITE, handle, (void *)buffer, length, offset, transferred);
}

static NTSTATUS io_control(const char *api, BOOLEAN internal, HANDLE handle, ULONG code, const void *input,
                           ULONG input_length, void *output, ULONG output_length, ULONG_PTR *transferred)
{
    ULONG_PTR ignored;
    if (transferred == NULL)
        transferred = &ignored;
    *transferred = 0;
    /* The access the code asks for ((code >> 14) & 3) must have been granted to the handle. */
    ULONG required = (code >> 14) & 3;
    ACCESS_MASK desired = ((required & FILE_READ_ACCESS) ? FILE_READ_DATA : 0) |
                          ((required & FILE_WRITE_ACCESS) ? FILE_WRITE_DATA : 0);
    io_request request;
    NTSTATUS status = io_request_begin(&request, api, handle, desired);
    if (!NT_SUCCESS(status))
        return status;
    if ((input == NULL && input_length != 0) || (output == NULL && output_length != 0)) {
        io_request_end(&request);
        return rp_fail(STATUS_ACCESS_VIOLATION, "%s(%p, 0x%08lX): NULL buffer with a non-zero length", api, handle,
                       (unsigned long)code);
    }
    PIRP irp = io_build_device_control(code, request.device, (PVOID)input, input_length, output, output_length,
                                       internal, &request.file->Event, &request.iosb, UserMode);
    if (irp == NULL) {
        io_request_end(&request);
        return rp_fail(STATUS_INSUFFICIENT_RESOURCES, "%s(%p, 0x%08lX): the IRP could not be built (no memory, or "
                       "the output buffer cannot be locked)", api, handle, (unsigned long)code);
    }
    status = io_request_send(&request, irp, transferred);
    io_request_end(&request);
    return status;
}

WDMEMU_API NTSTATUS wdmemu_device_control(HANDLE handle, ULONG code, const void *input, ULONG input_length,
                                          void *output, ULONG output_length, ULONG_PTR *transferred)
{
    return io_control("wdmemu_device_control", FALSE, handle, code, input, input_length, output, output_length,
                      transferred);
}

WDMEMU_API NTSTATUS wdmemu_internal_device_control(HANDLE handle, ULONG code, const void *input, ULONG input_length,
                                                   void *output, ULONG output_length, ULONG_PTR *transferred)
{
    return io_control("wdmemu_internal_device_control", TRUE, handle, code, input, input_length, output,
                      output_length, transferred);
}
