/* filter: attaches a device over \Device\WdmemuTiny by name (IoAttachDevice), passes every
 * request down with IoSkipCurrentIrpStackLocation, and detaches in DriverUnload. */
#include <ntddk.h>

typedef struct FILTER_EXTENSION {
    PDEVICE_OBJECT Lower;
} FILTER_EXTENSION;

static NTSTATUS NTAPI FilterPass(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    FILTER_EXTENSION *ext = DeviceObject->DeviceExtension;
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(ext->Lower, Irp);
}

static VOID NTAPI FilterUnload(PDRIVER_OBJECT DriverObject)
{
    PDEVICE_OBJECT device = DriverObject->DeviceObject;
    FILTER_EXTENSION *ext = device->DeviceExtension;
    IoDetachDevice(ext->Lower);
    IoDeleteDevice(device);
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING target = RTL_CONSTANT_STRING(L"\\Device\\WdmemuTiny");
    PDEVICE_OBJECT device;
    UNREFERENCED_PARAMETER(RegistryPath);
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = FilterPass;
    DriverObject->DriverUnload = FilterUnload;
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(FILTER_EXTENSION), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
    if (!NT_SUCCESS(status))
        return status;
    FILTER_EXTENSION *ext = device->DeviceExtension;
    status = IoAttachDevice(device, &target, &ext->Lower);
    if (!NT_SUCCESS(status)) {
        IoDeleteDevice(device);
        return status;
    }
    device->Flags |= ext->Lower->Flags & (DO_BUFFERED_IO | DO_DIRECT_IO);
    device->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
