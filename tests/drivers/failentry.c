/* failentry: DriverEntry creates a device and then fails without deleting it. */
#include <ntddk.h>

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\WdmemuFailEntry");
    PDEVICE_OBJECT device;
    UNREFERENCED_PARAMETER(RegistryPath);
    if (NT_SUCCESS(IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device)))
        KdPrint(("failentry: created %wZ, now failing\n", &name));
    return STATUS_DEVICE_CONFIGURATION_ERROR;
}
