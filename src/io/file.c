/* io/file.c: file objects and kernel-mode opens: IoGetDeviceObjectPointer, the IRP_MJ_CREATE,
 * IRP_MJ_CLEANUP and IRP_MJ_CLOSE each file object gets in its life, IoGetRelatedDeviceObject,
 * and the translation of requester names ("\\.\Zero") into object names. */
#include <stdlib.h>
#include <string.h>

#include "core/report.h"
#include "rtl/format.h"
#include "io/io.h"

static volatile LONG io_file_serials;

void io_file_reset_serials(void)
{
    io_file_serials = 0;
}

NTKERNELAPI PDEVICE_OBJECT NTAPI IoGetRelatedDeviceObject(PFILE_OBJECT FileObject)
{
    PDEVICE_OBJECT device = FileObject->DeviceObject;
    while (device->AttachedDevice != NULL)
        device = device->AttachedDevice;
    return device;
}

/* Builds and synchronously sends a create, cleanup or close IRP for file. */
static NTSTATUS io_send_file_irp(PFILE_OBJECT file, UCHAR major, PIO_SECURITY_CONTEXT security, ULONG options,
                                 ULONG share, KPROCESSOR_MODE mode)
{
    PDEVICE_OBJECT top = IoGetRelatedDeviceObject(file);
    PIRP irp = IoAllocateIrp(top->StackSize, FALSE);
    if (irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    irp->RequestorMode = mode;
    irp->Tail.Overlay.OriginalFileObject = file;
    irp->Flags = IRP_SYNCHRONOUS_API | (major == IRP_MJ_CREATE ? IRP_CREATE_OPERATION : IRP_CLOSE_OPERATION);
    PIO_STACK_LOCATION stack = IoGetNextIrpStackLocation(irp);
    stack->MajorFunction = major;
    stack->FileObject = file;
    if (major == IRP_MJ_CREATE) {
        stack->Parameters.Create.SecurityContext = security;
        stack->Parameters.Create.Options = options;
        stack->Parameters.Create.ShareAccess = (USHORT)share;
    }
    return io_call_and_wait(top, irp, NULL);
}

static void io_file_delete(void *body)
{
    io_file *file = body;
    PDEVICE_OBJECT device = file->object.DeviceObject;
    if (file->opened) {
        if (!file->cleaned_up)
            io_file_cleanup(&file->object);
        file->object.Flags &= ~FO_FILE_OPEN;
        io_send_file_irp(&file->object, IRP_MJ_CLOSE, NULL, 0, 0, KernelMode);
        if (InterlockedDecrement(&device->ReferenceCount) == 0)
            io_device_last_close(device);
    }
    free(file->name_buffer);
    if (device != NULL)
        ob_dereference(device);
}

void io_file_cleanup(PFILE_OBJECT object)
{
    io_file *file = (io_file *)object;
    if (!file->opened || file->cleaned_up)
        return;
    file->cleaned_up = TRUE;
    io_send_file_irp(object, IRP_MJ_CLEANUP, NULL, 0, 0, KernelMode);
    object->Flags |= FO_CLEANUP_COMPLETE;
}

NTSTATUS io_open_device(PDEVICE_OBJECT device, const WCHAR *remainder, size_t remainder_length, ACCESS_MASK access,
                        ULONG share, ULONG options, KPROCESSOR_MODE mode, PFILE_OBJECT *out)
{
    *out = NULL;
    io_device_ext *ext = io_device_ext_of(device);
    if ((device->DriverObject->Flags & DRVO_UNLOAD_INVOKED) ||
        (ext->ExtensionFlags & (DOE_UNLOAD_PENDING | DOE_DELETE_PENDING | DOE_REMOVE_PENDING | DOE_REMOVE_PROCESSED)) ||
        (device->Flags & DO_DEVICE_INITIALIZING))
        return STATUS_NO_SUCH_DEVICE;
    if ((device->Flags & DO_EXCLUSIVE) && device->ReferenceCount != 0)
        return STATUS_ACCESS_DENIED;

    io_file *file = ob_create(OB_TYPE_FILE, sizeof(io_file), io_file_delete);
    if (file == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    PFILE_OBJECT object = &file->object;
    file->serial = (ULONG)InterlockedIncrement(&io_file_serials);
    object->Type = IO_TYPE_FILE;
    object->Size = sizeof(FILE_OBJECT);
    object->DeviceObject = device;
    ob_reference(device);
    KeInitializeEvent(&object->Lock, SynchronizationEvent, FALSE);
    KeInitializeEvent(&object->Event, NotificationEvent, FALSE);
    InitializeListHead(&object->IrpList);
    object->ReadAccess = (access & (FILE_READ_DATA | GENERIC_READ | GENERIC_ALL)) != 0;
    object->WriteAccess = (access & (FILE_WRITE_DATA | FILE_APPEND_DATA | GENERIC_WRITE | GENERIC_ALL)) != 0;
    object->DeleteAccess = (access & DELETE) != 0;
    object->SharedRead = (share & FILE_SHARE_READ) != 0;
    object->SharedWrite = (share & FILE_SHARE_WRITE) != 0;
    object->SharedDelete = (share & FILE_SHARE_DELETE) != 0;
    if (options & (FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT))
        object->Flags |= FO_SYNCHRONOUS_IO;
    if (options & FILE_SYNCHRONOUS_IO_ALERT)
        object->Flags |= FO_ALERTABLE_IO;
    if (!(options & FILE_NO_INTERMEDIATE_BUFFERING))
        object->Flags |= FO_CACHE_SUPPORTED;
    else
        object->Flags |= FO_NO_INTERMEDIATE_BUFFERING;
    if (remainder_length != 0) {
        file->name_buffer = malloc((remainder_length + 1) * sizeof(WCHAR));
        if (file->name_buffer == NULL) {
            ob_dereference(file);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        memcpy(file->name_buffer, remainder, remainder_length * sizeof(WCHAR));
        file->name_buffer[remainder_length] = 0;
        object->FileName.Buffer = file->name_buffer;
        object->FileName.Length = (USHORT)(remainder_length * sizeof(WCHAR));
        object->FileName.MaximumLength = (USHORT)(object->FileName.Length + sizeof(WCHAR));
    }

    IO_SECURITY_CONTEXT security;
    memset(&security, 0, sizeof(security));
    security.DesiredAccess = access;
    security.FullCreateOptions = options;
    InterlockedIncrement(&device->ReferenceCount);
    NTSTATUS status = io_send_file_irp(object, IRP_MJ_CREATE, &security, (FILE_OPEN << 24) | (options & 0xFFFFFF),
                                       share, mode);
    if (!NT_SUCCESS(status)) {
        /* A failed create gets no IRP_MJ_CLOSE. */
        if (InterlockedDecrement(&device->ReferenceCount) == 0)
            io_device_last_close(device);
        ob_dereference(file);
        return status;
    }
    file->opened = TRUE;
    object->Flags |= FO_FILE_OPEN | FO_HANDLE_CREATED;
    *out = object;
    return status;
}

NTKERNELAPI NTSTATUS NTAPI IoGetDeviceObjectPointer(PUNICODE_STRING ObjectName, ACCESS_MASK DesiredAccess,
                                                    PFILE_OBJECT *FileObject, PDEVICE_OBJECT *DeviceObject)
{
    if (ObjectName == NULL || ObjectName->Buffer == NULL || (ObjectName->Length & 1) != 0 || FileObject == NULL ||
        DeviceObject == NULL)
        return STATUS_INVALID_PARAMETER;
    ob_lookup_result found;
    NTSTATUS status = ob_lookup(ObjectName->Buffer, ObjectName->Length / sizeof(WCHAR), OB_LOOKUP_FOLLOW_LAST, &found);
    if (!NT_SUCCESS(status))
        return status;
    if (ob_type_of(found.object) != OB_TYPE_DEVICE) {
        ob_lookup_release(&found);
        return STATUS_OBJECT_TYPE_MISMATCH;
    }
    PFILE_OBJECT file;
    status = io_open_device(found.object, found.remainder, found.remainder_length, DesiredAccess, 0,
                            FILE_NON_DIRECTORY_FILE, KernelMode, &file);
    ob_lookup_release(&found);
    if (!NT_SUCCESS(status))
        return status;
    /* Windows opens a handle, references the file object and closes the handle: the driver
     * sees IRP_MJ_CLEANUP now and IRP_MJ_CLOSE when the caller dereferences the file object. */
    io_file_cleanup(file);
    *FileObject = file;
    *DeviceObject = IoGetRelatedDeviceObject(file);
    return STATUS_SUCCESS;
}

WCHAR *io_host_name(const char *utf8, size_t *length)
{
    const char *rest = utf8;
    const char *prefix = "";
    if (strncmp(utf8, "\\\\.\\", 4) == 0 || strncmp(utf8, "\\\\?\\", 4) == 0) {
        prefix = "\\??\\";
        rest = utf8 + 4;
    }
    size_t prefix_length = strlen(prefix);
    size_t rest_length = strlen(rest);
    WCHAR *buffer = malloc((prefix_length + rest_length + 1) * sizeof(WCHAR));
    if (buffer == NULL)
        return NULL;
    for (size_t i = 0; i < prefix_length; i++)
        buffer[i] = (WCHAR)prefix[i];
    ULONG written = 0;
    if (rest_length != 0 &&
        RtlUTF8ToUnicodeN(buffer + prefix_length, (ULONG)(rest_length * sizeof(WCHAR)), &written, rest,
                          (ULONG)rest_length) != STATUS_SUCCESS) {
        free(buffer);
        return NULL;
    }
    *length = prefix_length + written / sizeof(WCHAR);
    buffer[*length] = 0;
    return buffer;
}

NTSTATUS io_host_lookup(const char *api, const char *name, ULONG flags, ob_type expected, const char *what,
                        ob_lookup_result *found)
{
    memset(found, 0, sizeof(*found));
    if (name == NULL)
        return rp_error(STATUS_INVALID_PARAMETER, "%s: a name is required", api);
    wdmemu_init();
    size_t length;
    WCHAR *path = io_host_name(name, &length);
    if (path == NULL)
        return rp_error(STATUS_OBJECT_NAME_INVALID, "%s(\"%s\"): not a valid name", api, name);
    NTSTATUS status = ob_lookup(path, length, flags, found);
    free(path);
    if (!NT_SUCCESS(status))
        return rp_fail(status, "%s(\"%s\")", api, name);
    if (ob_type_of(found->object) != expected || (expected == OB_TYPE_SYMLINK && found->remainder != NULL)) {
        ob_lookup_release(found);
        return rp_fail(STATUS_OBJECT_TYPE_MISMATCH, "%s(\"%s\"): the name is not %s", api, name, what);
    }
    return STATUS_SUCCESS;
}
