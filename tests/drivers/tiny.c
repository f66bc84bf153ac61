/* tiny: the smallest well-behaved legacy driver: one named device with a symbolic link,
 * create/close succeed, everything else gets the I/O manager's default; DriverUnload deletes
 * both.  Used by the loader, namespace and CLI tests. */
#include <ntddk.h>

static UNICODE_STRING tiny_device_name = RTL_CONSTANT_STRING(L"\\Device\\WdmemuTiny");
static UNICODE_STRING tiny_link_name = RTL_CONSTANT_STRING(L"\\??\\WdmemuTiny");

/* Requests seen, for tests that open the device. */
LONG TinyCreates, TinyCleanups, TinyCloses;

static NTSTATUS NTAPI TinyCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    switch (IoGetCurrentIrpStackLocation(Irp)->MajorFunction) {
    case IRP_MJ_CREATE:
        InterlockedIncrement(&TinyCreates);
        break;
    case IRP_MJ_CLEANUP:
        InterlockedIncrement(&TinyCleanups);
        break;
    default:
        InterlockedIncrement(&TinyCloses);
        break;
    }
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static VOID NTAPI TinyUnload(PDRIVER_OBJECT DriverObject)
{
    DbgPrint("tiny: unloading\n");
    IoDeleteSymbolicLink(&tiny_link_name);
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    PDEVICE_OBJECT device;
    NTSTATUS status;

    DbgPrint("tiny: DriverEntry %wZ\n", RegistryPath);
    status = IoCreateDevice(DriverObject, 16, &tiny_device_name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
    if (!NT_SUCCESS(status))
        return status;
    device->Flags |= DO_BUFFERED_IO;
    status = IoCreateSymbolicLink(&tiny_link_name, &tiny_device_name);
    if (!NT_SUCCESS(status)) {
        IoDeleteDevice(device);
        return status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = TinyCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = TinyCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = TinyCreateClose;
    DriverObject->DriverUnload = TinyUnload;
    return STATUS_SUCCESS;
}
