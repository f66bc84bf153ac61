/* zero_filter.c: the zero-filter sample, a filter driver over \Device\Zero (load it after the
 * Zero driver).  It shows the three ways a driver in a stack passes an IRP down:
 *   - skip: create, cleanup, close and every other request go down untouched
 *     (IoSkipCurrentIrpStackLocation: the lower driver reuses this driver's stack location);
 *   - synchronous forwarding, for writes: copy the stack location, a completion routine that
 *     signals an event and returns STATUS_MORE_PROCESSING_REQUIRED, wait if the lower driver
 *     pended, look at the result, then complete the IRP again;
 *   - asynchronous forwarding, for reads: copy the stack location, a completion routine that
 *     re-marks the IRP pending when the lower driver pended it (Irp->PendingReturned) and lets
 *     the completion continue; the dispatch routine returns what IoCallDriver returned.
 * It answers IOCTL_ZERO_FILTER_GET_COUNTERS itself with what it saw.  It provides no fast I/O,
 * so every read through the stack arrives as an IRP.  The I/O it forwards runs at
 * PASSIVE_LEVEL (requests from applications); completion routines run at any IRQL up to
 * DISPATCH_LEVEL (the Zero driver completes pended requests from a DPC). */
#include <ntddk.h>

#include "zero_filter_ioctl.h"
#include "zero_ioctl.h"

typedef struct FILTER_EXTENSION {
    PDEVICE_OBJECT Lower;
    ZERO_FILTER_COUNTERS Counters; /* updated with interlocked operations */
} FILTER_EXTENSION, *PFILTER_EXTENSION;

static NTSTATUS filter_complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

/* ---- skip -------------------------------------------------------------------------------------- */

static NTSTATUS NTAPI FilterSkip(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFILTER_EXTENSION extension = DeviceObject->DeviceExtension;
    InterlockedIncrement(&extension->Counters.Skipped);
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(extension->Lower, Irp);
}

/* ---- synchronous forwarding (writes) ----------------------------------------------------------- */

/* Hands the IRP back to the waiting dispatch routine.  The event is needed only when the
 * lower driver pended (then IoCallDriver returned STATUS_PENDING and the dispatch routine
 * waits); otherwise the dispatch routine has not waited and goes on when IoCallDriver returns. */
static NTSTATUS NTAPI FilterWriteDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    PFILTER_EXTENSION extension = DeviceObject->DeviceExtension;
    if (Irp->PendingReturned) {
        InterlockedIncrement(&extension->Counters.WritesPendingReturned);
        KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    }
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static NTSTATUS NTAPI FilterWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFILTER_EXTENSION extension = DeviceObject->DeviceExtension;
    InterlockedIncrement(&extension->Counters.WritesForwarded);
    KEVENT done;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, FilterWriteDone, &done, TRUE, TRUE, TRUE);
    if (IoCallDriver(extension->Lower, Irp) == STATUS_PENDING) {
        InterlockedIncrement(&extension->Counters.WritesWaited);
        KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
    }
    /* The IRP is this driver's again: the lower driver's result is final here. */
    NTSTATUS status = Irp->IoStatus.Status;
    if (NT_SUCCESS(status))
        InterlockedAdd64(&extension->Counters.WriteBytes, (LONG64)Irp->IoStatus.Information);
    else
        InterlockedIncrement(&extension->Counters.WritesFailed);
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

/* ---- asynchronous forwarding (reads) ------------------------------------------------------------ */

static NTSTATUS NTAPI FilterReadDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    PFILTER_EXTENSION extension = DeviceObject->DeviceExtension;
    /* The lower driver pended: this level must appear pending too, or the I/O manager would
     * treat the request as finished synchronously. */
    if (Irp->PendingReturned) {
        IoMarkIrpPending(Irp);
        InterlockedIncrement(&extension->Counters.ReadsPendingReturned);
    }
    InterlockedIncrement(&extension->Counters.ReadsCompleted);
    if (NT_SUCCESS(Irp->IoStatus.Status))
        InterlockedAdd64(&extension->Counters.ReadBytes, (LONG64)Irp->IoStatus.Information);
    else
        InterlockedIncrement(&extension->Counters.ReadsFailed);
    return STATUS_CONTINUE_COMPLETION;
}

static NTSTATUS NTAPI FilterRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFILTER_EXTENSION extension = DeviceObject->DeviceExtension;
    InterlockedIncrement(&extension->Counters.ReadsForwarded);
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, FilterReadDone, NULL, TRUE, TRUE, TRUE);
    NTSTATUS status = IoCallDriver(extension->Lower, Irp);
    if (status == STATUS_PENDING)
        InterlockedIncrement(&extension->Counters.ReadsLowerPending);
    return status;
}

/* ---- device control: the filter's own code, everything else skipped --------------------------- */

static NTSTATUS NTAPI FilterDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFILTER_EXTENSION extension = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    if (stack->Parameters.DeviceIoControl.IoControlCode != IOCTL_ZERO_FILTER_GET_COUNTERS)
        return FilterSkip(DeviceObject, Irp);
    if (stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(ZERO_FILTER_COUNTERS))
        return filter_complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, &extension->Counters, sizeof(ZERO_FILTER_COUNTERS));
    return filter_complete(Irp, STATUS_SUCCESS, sizeof(ZERO_FILTER_COUNTERS));
}

/* ---- attaching and detaching ------------------------------------------------------------------- */

static VOID NTAPI FilterUnload(PDRIVER_OBJECT DriverObject)
{
    PDEVICE_OBJECT device = DriverObject->DeviceObject;
    PFILTER_EXTENSION extension = device->DeviceExtension;
    IoDetachDevice(extension->Lower);
    IoDeleteDevice(device);
    DbgPrint("zero_filter: detached\n");
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    UNICODE_STRING target_name = RTL_CONSTANT_STRING(ZERO_DEVICE_NAME);
    PFILE_OBJECT target_file;
    PDEVICE_OBJECT target;
    NTSTATUS status = IoGetDeviceObjectPointer(&target_name, FILE_READ_DATA, &target_file, &target);
    if (!NT_SUCCESS(status)) {
        DbgPrint("zero_filter: \\Device\\Zero not found (0x%08X): load the Zero driver first\n", status);
        return status;
    }
    /* The dispatch routines are in place before attaching: dereferencing target_file below
     * sends its IRP_MJ_CLOSE to the top of the stack, which is then this filter. */
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = FilterSkip;
    DriverObject->MajorFunction[IRP_MJ_READ] = FilterRead;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = FilterWrite;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = FilterDeviceControl;
    DriverObject->DriverUnload = FilterUnload;

    PDEVICE_OBJECT device;
    status = IoCreateDevice(DriverObject, sizeof(FILTER_EXTENSION), NULL, target->DeviceType,
                            target->Characteristics, FALSE, &device);
    if (!NT_SUCCESS(status)) {
        ObDereferenceObject(target_file);
        return status;
    }
    /* Requests reach the filter with the buffers the lower device asked for. */
    device->Flags |= target->Flags & (DO_BUFFERED_IO | DO_DIRECT_IO);
    PFILTER_EXTENSION extension = device->DeviceExtension;
    extension->Lower = IoAttachDeviceToDeviceStack(device, target);
    if (extension->Lower == NULL) {
        IoDeleteDevice(device);
        ObDereferenceObject(target_file);
        return STATUS_NO_SUCH_DEVICE;
    }
    device->Flags &= ~DO_DEVICE_INITIALIZING;
    ObDereferenceObject(target_file);
    DbgPrint("zero_filter: attached over \\Device\\Zero\n");
    return STATUS_SUCCESS;
}
