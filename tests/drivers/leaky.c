/* leaky: a driver whose DriverUnload forgets to delete its device and symbolic link, for the
 * leftover reports. */
#include <ntddk.h>

static VOID NTAPI LeakyUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\WdmemuLeaky");
    UNICODE_STRING link = RTL_CONSTANT_STRING(L"\\DosDevices\\WdmemuLeaky");
    PDEVICE_OBJECT device;
    UNREFERENCED_PARAMETER(RegistryPath);
    NTSTATUS status = IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
    if (NT_SUCCESS(status))
        status = IoCreateSymbolicLink(&link, &name);
    DriverObject->DriverUnload = LeakyUnload;
    return status;
}
