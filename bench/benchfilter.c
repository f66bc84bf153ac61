/* bench/benchfilter.c: the filter driver of the filter-stack case (see benchfilter.h): every
 * major function is forwarded to the device below, by skipping the stack location or by copying
 * it with a completion routine that propagates pending as a filter must. */
#include <ntddk.h>

#include "benchfilter.h"

typedef struct FILTER_EXTENSION {
    PDEVICE_OBJECT Lower;
    BOOLEAN Copy;
} FILTER_EXTENSION;

bench_call_fn bench_filter_call = bench_io_call;

NTSTATUS bench_io_call(PDEVICE_OBJECT device, PIRP irp)
{
    return IoCallDriver(device, irp);
}

NTSTATUS bench_direct_call(PDEVICE_OBJECT device, PIRP irp)
{
    IoSetNextIrpStackLocation(irp);
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(irp);
    stack->DeviceObject = device;
    return device->DriverObject->MajorFunction[stack->MajorFunction](device, irp);
}

static NTSTATUS NTAPI FilterCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Context);
    if (Irp->PendingReturned)
        IoMarkIrpPending(Irp);
    return STATUS_CONTINUE_COMPLETION;
}

static NTSTATUS NTAPI FilterDispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    FILTER_EXTENSION *ext = DeviceObject->DeviceExtension;
    if (ext->Copy) {
        IoCopyCurrentIrpStackLocationToNext(Irp);
        IoSetCompletionRoutine(Irp, FilterCompletion, NULL, TRUE, TRUE, TRUE);
    } else {
        IoSkipCurrentIrpStackLocation(Irp);
    }
    return bench_filter_call(ext->Lower, Irp);
}

static VOID NTAPI FilterUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject); /* the program detaches its stacks itself */
}

NTSTATUS NTAPI BenchFilterDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = FilterDispatch;
    DriverObject->DriverUnload = FilterUnload;
    return STATUS_SUCCESS;
}

NTSTATUS bench_filter_attach(PDRIVER_OBJECT driver, PDEVICE_OBJECT base, int count, BOOLEAN copy,
                             PDEVICE_OBJECT *devices)
{
    for (int i = 0; i < count; i++) {
        PDEVICE_OBJECT device;
        NTSTATUS status = IoCreateDevice(driver, sizeof(FILTER_EXTENSION), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
        if (!NT_SUCCESS(status)) {
            bench_filter_detach(devices, i);
            return status;
        }
        FILTER_EXTENSION *ext = device->DeviceExtension;
        ext->Copy = copy;
        ext->Lower = IoAttachDeviceToDeviceStack(device, base);
        if (ext->Lower == NULL) {
            IoDeleteDevice(device);
            bench_filter_detach(devices, i);
            return STATUS_NO_SUCH_DEVICE;
        }
        device->Flags |= ext->Lower->Flags & (DO_BUFFERED_IO | DO_DIRECT_IO);
        device->Flags &= ~DO_DEVICE_INITIALIZING;
        devices[i] = device;
    }
    return STATUS_SUCCESS;
}

void bench_filter_detach(PDEVICE_OBJECT *devices, int count)
{
    for (int i = count - 1; i >= 0; i--) {
        FILTER_EXTENSION *ext = devices[i]->DeviceExtension;
        IoDetachDevice(ext->Lower);
        IoDeleteDevice(devices[i]);
    }
}
