// cppdriver: a C++ driver in the style of modern samples: only DriverEntry is extern "C",
// auto and range-for over MajorFunction, memset without <string.h>, default arguments.
#include <ntddk.h>

namespace {

UNICODE_STRING DeviceName = RTL_CONSTANT_STRING(L"\\Device\\WdmemuCpp");
UNICODE_STRING LinkName = RTL_CONSTANT_STRING(L"\\??\\WdmemuCpp");
long long g_Opens;

NTSTATUS Complete(PIRP Irp, NTSTATUS status = STATUS_SUCCESS, ULONG_PTR info = 0)
{
    Irp->IoStatus.Status = status;
    Irp->IoStatus.Information = info;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

NTSTATUS CppCreateClose(PDEVICE_OBJECT, PIRP Irp)
{
    InterlockedAdd64(&g_Opens, 1);
    return Complete(Irp);
}

NTSTATUS CppUnsupported(PDEVICE_OBJECT, PIRP Irp)
{
    return Complete(Irp, STATUS_NOT_SUPPORTED);
}

void CppUnload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteSymbolicLink(&LinkName);
    IoDeleteDevice(DriverObject->DeviceObject);
}

} // namespace

extern "C" NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING)
{
    for (auto &fn : DriverObject->MajorFunction)
        fn = CppUnsupported;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = DriverObject->MajorFunction[IRP_MJ_CLOSE] = CppCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = CppCreateClose;
    DriverObject->DriverUnload = CppUnload;

    PDEVICE_OBJECT device = nullptr;
    auto status = IoCreateDevice(DriverObject, 32, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
    if (!NT_SUCCESS(status))
        return status;
    memset(device->DeviceExtension, 0xA5, 32);
    status = IoCreateSymbolicLink(&LinkName, &DeviceName);
    if (!NT_SUCCESS(status))
        IoDeleteDevice(device);
    return status;
}
