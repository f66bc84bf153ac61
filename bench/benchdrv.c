/* bench/benchdrv.c: the device driver the benchmarks send requests to.  Built twice: linked
 * into the benchmark program (DriverEntry renamed BenchDriverEntry, loaded with
 * wdmemu_driver_load_entry) and as the module benchdrv.so that the startup case loads and
 * unloads.  Every request completes at once except BENCH_IOCTL_PEND. */
#include <ntddk.h>

#include "benchdrv.h"

static PCWSTR bench_names[] = {BENCH_DEVICE, BENCH_DEVICE2, BENCH_DEVICE_DIRECT, BENCH_DEVICE_STACK};
static UNICODE_STRING bench_link = RTL_CONSTANT_STRING(BENCH_LINK);
static FAST_IO_DISPATCH bench_fast_io;

static NTSTATUS bench_complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

/* Completes up to limit queued IRPs; returns how many are left. */
static ULONG bench_drain(BENCH_EXTENSION *ext, ULONG limit)
{
    for (ULONG done = 0; done < limit; done++) {
        KIRQL irql;
        KeAcquireSpinLock(&ext->Lock, &irql);
        if (IsListEmpty(&ext->Pending)) {
            KeReleaseSpinLock(&ext->Lock, irql);
            return 0;
        }
        PLIST_ENTRY entry = RemoveHeadList(&ext->Pending);
        ext->PendingCount--;
        KeReleaseSpinLock(&ext->Lock, irql);
        bench_complete(CONTAINING_RECORD(entry, IRP, Tail.Overlay.ListEntry), STATUS_SUCCESS, 0);
    }
    return ext->PendingCount;
}

static VOID bench_drain_all(BENCH_EXTENSION *ext)
{
    while (bench_drain(ext, BENCH_DRAIN_BATCH) != 0)
        ;
}

static VOID NTAPI BenchDrainDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    BENCH_EXTENSION *ext = Context;
    if (bench_drain(ext, BENCH_DRAIN_BATCH) != 0)
        KeInsertQueueDpc(Dpc, NULL, NULL);
}

static NTSTATUS bench_control(BENCH_EXTENSION *ext, PIRP Irp, PIO_STACK_LOCATION stack)
{
    ULONG in = stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG out = stack->Parameters.DeviceIoControl.OutputBufferLength;
    switch (stack->Parameters.DeviceIoControl.IoControlCode) {
    case BENCH_IOCTL_ECHO: {
        if (in < BENCH_ECHO_SIZE || out < BENCH_ECHO_SIZE)
            return bench_complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        UCHAR copy[BENCH_ECHO_SIZE];
        RtlCopyMemory(copy, Irp->AssociatedIrp.SystemBuffer, BENCH_ECHO_SIZE);
        RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, copy, BENCH_ECHO_SIZE);
        return bench_complete(Irp, STATUS_SUCCESS, BENCH_ECHO_SIZE);
    }
    case BENCH_IOCTL_PEND: {
        KIRQL irql;
        IoMarkIrpPending(Irp);
        KeAcquireSpinLock(&ext->Lock, &irql);
        InsertTailList(&ext->Pending, &Irp->Tail.Overlay.ListEntry);
        ext->PendingCount++;
        KeReleaseSpinLock(&ext->Lock, irql);
        return STATUS_PENDING;
    }
    case BENCH_IOCTL_DRAIN:
        KeInsertQueueDpc(&ext->DrainDpc, NULL, NULL);
        return bench_complete(Irp, STATUS_SUCCESS, 0);
    default:
        return bench_complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

static NTSTATUS NTAPI BenchDispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    BENCH_EXTENSION *ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    switch (stack->MajorFunction) {
    case IRP_MJ_READ: {
        ULONG length = stack->Parameters.Read.Length;
        PVOID buffer = Irp->AssociatedIrp.SystemBuffer;
        if (DeviceObject->Flags & DO_DIRECT_IO)
            buffer = length != 0 ? MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority) : NULL;
        if (length != 0 && buffer == NULL)
            return bench_complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
        RtlFillMemory(buffer, length, BENCH_FILL_BYTE);
        return bench_complete(Irp, STATUS_SUCCESS, length);
    }
    case IRP_MJ_WRITE:
        return bench_complete(Irp, STATUS_SUCCESS, stack->Parameters.Write.Length);
    case IRP_MJ_DEVICE_CONTROL:
        return bench_control(ext, Irp, stack);
    default:
        return bench_complete(Irp, STATUS_SUCCESS, 0);
    }
}

static BOOLEAN NTAPI BenchFastIoRead(PFILE_OBJECT FileObject, PLARGE_INTEGER FileOffset, ULONG Length, BOOLEAN Wait,
                                     ULONG LockKey, PVOID Buffer, PIO_STATUS_BLOCK IoStatus,
                                     PDEVICE_OBJECT DeviceObject)
{
    UNREFERENCED_PARAMETER(FileObject);
    UNREFERENCED_PARAMETER(Wait);
    UNREFERENCED_PARAMETER(LockKey);
    UNREFERENCED_PARAMETER(DeviceObject);
    if (FileOffset->QuadPart & 1)
        return FALSE;
    RtlFillMemory(Buffer, Length, BENCH_FILL_BYTE);
    IoStatus->Status = STATUS_SUCCESS;
    IoStatus->Information = Length;
    return TRUE;
}

static VOID NTAPI BenchUnload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteSymbolicLink(&bench_link);
    while (DriverObject->DeviceObject != NULL)
        IoDeleteDevice(DriverObject->DeviceObject);
}

#ifdef BENCH_LINKED
#define DriverEntry BenchDriverEntry
DRIVER_INITIALIZE BenchDriverEntry;
#endif

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    for (ULONG i = 0; i < sizeof(bench_names) / sizeof(bench_names[0]); i++) {
        UNICODE_STRING name;
        PDEVICE_OBJECT device;
        RtlInitUnicodeString(&name, bench_names[i]);
        NTSTATUS status =
            IoCreateDevice(DriverObject, sizeof(BENCH_EXTENSION), &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
        if (!NT_SUCCESS(status)) {
            BenchUnload(DriverObject);
            return status;
        }
        device->Flags |= i == 2 ? DO_DIRECT_IO : DO_BUFFERED_IO;
        BENCH_EXTENSION *ext = device->DeviceExtension;
        ext->Magic = BENCH_EXTENSION_MAGIC;
        KeInitializeSpinLock(&ext->Lock);
        InitializeListHead(&ext->Pending);
        KeInitializeDpc(&ext->DrainDpc, BenchDrainDpc, ext);
        ext->DrainAll = bench_drain_all;
        device->Flags &= ~DO_DEVICE_INITIALIZING;
    }
    UNICODE_STRING target = RTL_CONSTANT_STRING(BENCH_DEVICE);
    NTSTATUS status = IoCreateSymbolicLink(&bench_link, &target);
    if (!NT_SUCCESS(status)) {
        BenchUnload(DriverObject);
        return status;
    }
    bench_fast_io.SizeOfFastIoDispatch = sizeof(bench_fast_io);
    bench_fast_io.FastIoRead = BenchFastIoRead;
    DriverObject->FastIoDispatch = &bench_fast_io;
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = BenchDispatch;
    DriverObject->DriverUnload = BenchUnload;
    return STATUS_SUCCESS;
}
