/* echo: a driver that answers requests, for the request-script tests: \Device\WdmemuEcho
 * (\??\WdmemuEcho), buffered I/O.  Reads return 'E' bytes, writes take everything; IOCTL 0x800
 * echoes its input, 0x801 completes 100 ms later from a timer DPC, 0x802 waits until cancelled
 * (or until cleanup of its file), 0x803 fails with STATUS_INVALID_DEVICE_REQUEST. */
#include <ntddk.h>

#define ECHO_IOCTL(n) CTL_CODE(FILE_DEVICE_UNKNOWN, n, METHOD_BUFFERED, FILE_ANY_ACCESS)

static UNICODE_STRING echo_device_name = RTL_CONSTANT_STRING(L"\\Device\\WdmemuEcho");
static UNICODE_STRING echo_link_name = RTL_CONSTANT_STRING(L"\\??\\WdmemuEcho");
static KTIMER echo_timer;
static KDPC echo_dpc;
static PIRP echo_timed;
static PIRP echo_held[8];
static KSPIN_LOCK echo_lock;

static NTSTATUS echo_complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static VOID NTAPI EchoTimerDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    PIRP irp = echo_timed;
    echo_timed = NULL;
    if (irp != NULL)
        echo_complete(irp, STATUS_SUCCESS, 0);
}

/* Takes a held IRP out of the list if it is there; TRUE if it was. */
static BOOLEAN echo_unhold(PIRP Irp)
{
    BOOLEAN found = FALSE;
    KIRQL irql;
    KeAcquireSpinLock(&echo_lock, &irql);
    for (int i = 0; i < 8; i++) {
        if (echo_held[i] == Irp) {
            echo_held[i] = NULL;
            found = TRUE;
        }
    }
    KeReleaseSpinLock(&echo_lock, irql);
    return found;
}

static VOID NTAPI EchoCancel(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    if (echo_unhold(Irp))
        echo_complete(Irp, STATUS_CANCELLED, 0);
}

static NTSTATUS NTAPI EchoDispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    switch (stack->MajorFunction) {
    case IRP_MJ_READ:
        RtlFillMemory(Irp->AssociatedIrp.SystemBuffer, stack->Parameters.Read.Length, 'E');
        return echo_complete(Irp, STATUS_SUCCESS, stack->Parameters.Read.Length);
    case IRP_MJ_WRITE:
        return echo_complete(Irp, STATUS_SUCCESS, stack->Parameters.Write.Length);
    case IRP_MJ_CLEANUP:
        for (int i = 0; i < 8; i++) {
            KIRQL irql;
            KeAcquireSpinLock(&echo_lock, &irql);
            PIRP held = echo_held[i];
            if (held != NULL && IoGetCurrentIrpStackLocation(held)->FileObject == stack->FileObject &&
                IoSetCancelRoutine(held, NULL) != NULL)
                echo_held[i] = NULL;
            else
                held = NULL;
            KeReleaseSpinLock(&echo_lock, irql);
            if (held != NULL)
                echo_complete(held, STATUS_CANCELLED, 0);
        }
        return echo_complete(Irp, STATUS_SUCCESS, 0);
    case IRP_MJ_DEVICE_CONTROL:
        break;
    default:
        return echo_complete(Irp, STATUS_SUCCESS, 0);
    }
    ULONG in = stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG out = stack->Parameters.DeviceIoControl.OutputBufferLength;
    switch (stack->Parameters.DeviceIoControl.IoControlCode) {
    case ECHO_IOCTL(0x800):
        return echo_complete(Irp, STATUS_SUCCESS, in < out ? in : out);
    case ECHO_IOCTL(0x801): {
        if (echo_timed != NULL)
            return echo_complete(Irp, STATUS_DEVICE_BUSY, 0);
        LARGE_INTEGER due;
        due.QuadPart = -100 * 10000LL;
        IoMarkIrpPending(Irp);
        echo_timed = Irp;
        KeSetTimer(&echo_timer, due, &echo_dpc);
        return STATUS_PENDING;
    }
    case ECHO_IOCTL(0x802): {
        KIRQL irql;
        KeAcquireSpinLock(&echo_lock, &irql);
        int slot = 0;
        while (slot < 8 && echo_held[slot] != NULL)
            slot++;
        if (slot == 8) {
            KeReleaseSpinLock(&echo_lock, irql);
            return echo_complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
        }
        echo_held[slot] = Irp;
        IoMarkIrpPending(Irp);
        IoSetCancelRoutine(Irp, EchoCancel);
        KeReleaseSpinLock(&echo_lock, irql);
        return STATUS_PENDING;
    }
    default:
        return echo_complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

static VOID NTAPI EchoUnload(PDRIVER_OBJECT DriverObject)
{
    KeCancelTimer(&echo_timer);
    IoDeleteSymbolicLink(&echo_link_name);
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    PDEVICE_OBJECT device;
    KeInitializeTimer(&echo_timer);
    KeInitializeDpc(&echo_dpc, EchoTimerDpc, NULL);
    KeInitializeSpinLock(&echo_lock);
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = EchoDispatch;
    DriverObject->DriverUnload = EchoUnload;
    NTSTATUS status = IoCreateDevice(DriverObject, 0, &echo_device_name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
    if (!NT_SUCCESS(status))
        return status;
    device->Flags |= DO_BUFFERED_IO;
    status = IoCreateSymbolicLink(&echo_link_name, &echo_device_name);
    if (!NT_SUCCESS(status))
        IoDeleteDevice(device);
    return status;
}
