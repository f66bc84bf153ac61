/* zero.c: the Zero sample driver.  \Device\Zero (\??\Zero), direct I/O: a read fills the
 * caller's buffer with zeros, a write consumes the data, both report the full length; the
 * device keeps totals of bytes read and written (IOCTL_ZERO_GET_STATS / _RESET_STATS, see
 * zero_ioctl.h).  FastIoRead serves reads of files opened for cached synchronous I/O without an
 * IRP; every other read arrives as IRP_MJ_READ.  On request (IOCTL_ZERO_SET_PENDING) reads and
 * writes are pended in a cancel-safe queue and completed from a DPC, so that a driver above
 * (the zero-filter sample) sees a lower driver that pends.
 *
 * Written from the behaviour the Zero driver of "Windows Kernel Programming" is described with;
 * not derived from its source. */
#include <ntddk.h>

#include "zero_ioctl.h"

#define ZERO_TAG 'oreZ'

typedef struct ZERO_EXTENSION {
    /* Totals for the device, shared by every handle; updated with interlocked operations. */
    volatile LONG64 BytesRead;
    volatile LONG64 BytesWritten;
    volatile LONG PendFlags;   /* ZERO_PEND_* */
    /* Requests pended by ZERO_PEND_*: a cancel-safe queue over a list and its spin lock. */
    IO_CSQ Queue;
    LIST_ENTRY QueueHead;
    KSPIN_LOCK QueueLock;
} ZERO_EXTENSION, *PZERO_EXTENSION;

/* One pended request: the DPC that completes it and its place in the cancel-safe queue.  The
 * DPC always runs once and frees this, whether or not the IRP was cancelled meanwhile. */
typedef struct ZERO_PENDED {
    KDPC Dpc;
    IO_CSQ_IRP_CONTEXT QueueContext;
    PZERO_EXTENSION Extension;
} ZERO_PENDED, *PZERO_PENDED;

static UNICODE_STRING zero_device_name = RTL_CONSTANT_STRING(ZERO_DEVICE_NAME);
static UNICODE_STRING zero_link_name = RTL_CONSTANT_STRING(ZERO_LINK_NAME);

static NTSTATUS zero_complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

/* ---- the cancel-safe queue's callbacks ------------------------------------------------------- */

static PZERO_EXTENSION zero_queue_owner(PIO_CSQ Csq)
{
    return CONTAINING_RECORD(Csq, ZERO_EXTENSION, Queue);
}

static VOID NTAPI ZeroQueueInsert(PIO_CSQ Csq, PIRP Irp)
{
    InsertTailList(&zero_queue_owner(Csq)->QueueHead, &Irp->Tail.Overlay.ListEntry);
}

static VOID NTAPI ZeroQueueRemove(PIO_CSQ Csq, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Csq);
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
}

/* The queued IRP after Irp (or the first one) whose file object is PeekContext (any if NULL). */
static PIRP NTAPI ZeroQueuePeek(PIO_CSQ Csq, PIRP Irp, PVOID PeekContext)
{
    PLIST_ENTRY head = &zero_queue_owner(Csq)->QueueHead;
    for (PLIST_ENTRY entry = Irp != NULL ? Irp->Tail.Overlay.ListEntry.Flink : head->Flink; entry != head;
         entry = entry->Flink) {
        PIRP candidate = CONTAINING_RECORD(entry, IRP, Tail.Overlay.ListEntry);
        if (PeekContext == NULL || IoGetCurrentIrpStackLocation(candidate)->FileObject == PeekContext)
            return candidate;
    }
    return NULL;
}

static VOID NTAPI ZeroQueueLock(PIO_CSQ Csq, PKIRQL Irql)
{
    KeAcquireSpinLock(&zero_queue_owner(Csq)->QueueLock, Irql);
}

static VOID NTAPI ZeroQueueUnlock(PIO_CSQ Csq, KIRQL Irql)
{
    KeReleaseSpinLock(&zero_queue_owner(Csq)->QueueLock, Irql);
}

static VOID NTAPI ZeroQueueCancelled(PIO_CSQ Csq, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Csq);
    zero_complete(Irp, STATUS_CANCELLED, 0);
}

/* ---- reads and writes ------------------------------------------------------------------------ */

/* Does the work of a read or write and completes it.  Any IRQL up to DISPATCH_LEVEL: the
 * buffer is reached through the locked MDL's system mapping. */
static NTSTATUS zero_transfer(PZERO_EXTENSION Extension, PIRP Irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    if (stack->MajorFunction == IRP_MJ_WRITE) {
        ULONG length = stack->Parameters.Write.Length;
        InterlockedAdd64(&Extension->BytesWritten, length);
        return zero_complete(Irp, STATUS_SUCCESS, length);
    }
    ULONG length = stack->Parameters.Read.Length;
    if (length != 0) {
        if (Irp->MdlAddress == NULL)
            return zero_complete(Irp, STATUS_INVALID_PARAMETER, 0);
        PVOID buffer = MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority);
        if (buffer == NULL)
            return zero_complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
        RtlZeroMemory(buffer, length);
    }
    InterlockedAdd64(&Extension->BytesRead, length);
    return zero_complete(Irp, STATUS_SUCCESS, length);
}

/* Completes one pended request, unless it was cancelled (or taken by cleanup) meanwhile. */
static VOID NTAPI ZeroPendedDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    PZERO_PENDED pended = Context;
    PIRP irp = IoCsqRemoveIrp(&pended->Extension->Queue, &pended->QueueContext);
    if (irp != NULL)
        zero_transfer(pended->Extension, irp);
    ExFreePoolWithTag(pended, ZERO_TAG);
}

/* Queues the request and a DPC that will complete it.  The IRP must not be touched after it is
 * in the queue: it may be cancelled or completed at once on another processor. */
static NTSTATUS zero_pend(PZERO_EXTENSION Extension, PIRP Irp)
{
    PZERO_PENDED pended = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*pended), ZERO_TAG);
    if (pended == NULL)
        return zero_complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
    pended->Extension = Extension;
    KeInitializeDpc(&pended->Dpc, ZeroPendedDpc, pended);
    IoCsqInsertIrp(&Extension->Queue, Irp, &pended->QueueContext); /* marks it pending */
    KeInsertQueueDpc(&pended->Dpc, NULL, NULL);
    return STATUS_PENDING;
}

static NTSTATUS NTAPI ZeroReadWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PZERO_EXTENSION extension = DeviceObject->DeviceExtension;
    LONG flag = IoGetCurrentIrpStackLocation(Irp)->MajorFunction == IRP_MJ_READ ? ZERO_PEND_READS : ZERO_PEND_WRITES;
    if (InterlockedOr(&extension->PendFlags, 0) & flag)
        return zero_pend(extension, Irp);
    return zero_transfer(extension, Irp);
}

/* Fast I/O: a read of a file opened for cached synchronous I/O is served here, straight into
 * the caller's buffer, without an IRP.  FALSE sends the read down the IRP path instead: for
 * other files, and while reads are to be pended. */
static BOOLEAN NTAPI ZeroFastIoRead(PFILE_OBJECT FileObject, PLARGE_INTEGER FileOffset, ULONG Length, BOOLEAN Wait,
                                    ULONG LockKey, PVOID Buffer, PIO_STATUS_BLOCK IoStatus, PDEVICE_OBJECT DeviceObject)
{
    UNREFERENCED_PARAMETER(FileOffset);
    UNREFERENCED_PARAMETER(Wait);
    UNREFERENCED_PARAMETER(LockKey);
    PZERO_EXTENSION extension = DeviceObject->DeviceExtension;
    if (!(FileObject->Flags & FO_SYNCHRONOUS_IO) || (FileObject->Flags & FO_NO_INTERMEDIATE_BUFFERING) ||
        (InterlockedOr(&extension->PendFlags, 0) & ZERO_PEND_READS))
        return FALSE;
    BOOLEAN handled = TRUE;
    __try {
        RtlZeroMemory(Buffer, Length);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        handled = FALSE; /* the IRP path reports the bad buffer */
    }
    if (!handled)
        return FALSE;
    InterlockedAdd64(&extension->BytesRead, Length);
    IoStatus->Status = STATUS_SUCCESS;
    IoStatus->Information = Length;
    return TRUE;
}

static FAST_IO_DISPATCH zero_fast_io = {
    .SizeOfFastIoDispatch = sizeof(FAST_IO_DISPATCH),
    .FastIoRead = ZeroFastIoRead,
};

/* ---- create, cleanup, close, device control -------------------------------------------------- */

static NTSTATUS NTAPI ZeroCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return zero_complete(Irp, STATUS_SUCCESS, 0);
}

/* The last handle of a file object is gone: its pended requests end now, cancelled. */
static NTSTATUS NTAPI ZeroCleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PZERO_EXTENSION extension = DeviceObject->DeviceExtension;
    PFILE_OBJECT file = IoGetCurrentIrpStackLocation(Irp)->FileObject;
    PIRP pended;
    while ((pended = IoCsqRemoveNextIrp(&extension->Queue, file)) != NULL)
        zero_complete(pended, STATUS_CANCELLED, 0);
    return zero_complete(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS NTAPI ZeroDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PZERO_EXTENSION extension = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    switch (stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_ZERO_GET_STATS: {
        if (stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(ZERO_STATS))
            return zero_complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        ZERO_STATS *stats = Irp->AssociatedIrp.SystemBuffer;
        stats->TotalRead = InterlockedAdd64(&extension->BytesRead, 0);
        stats->TotalWritten = InterlockedAdd64(&extension->BytesWritten, 0);
        return zero_complete(Irp, STATUS_SUCCESS, sizeof(ZERO_STATS));
    }
    case IOCTL_ZERO_RESET_STATS:
        /* METHOD_NEITHER without buffers: nothing of the caller's is touched. */
        InterlockedExchange64(&extension->BytesRead, 0);
        InterlockedExchange64(&extension->BytesWritten, 0);
        return zero_complete(Irp, STATUS_SUCCESS, 0);
    case IOCTL_ZERO_SET_PENDING: {
        if (stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(ULONG))
            return zero_complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        ULONG flags = *(const ULONG *)Irp->AssociatedIrp.SystemBuffer;
        if (flags & ~(ZERO_PEND_READS | ZERO_PEND_WRITES))
            return zero_complete(Irp, STATUS_INVALID_PARAMETER, 0);
        InterlockedExchange(&extension->PendFlags, (LONG)flags);
        return zero_complete(Irp, STATUS_SUCCESS, 0);
    }
    default:
        return zero_complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

/* ---- loading and unloading ------------------------------------------------------------------- */

static VOID NTAPI ZeroUnload(PDRIVER_OBJECT DriverObject)
{
    PDEVICE_OBJECT device = DriverObject->DeviceObject;
    PZERO_EXTENSION extension = device->DeviceExtension;
    /* Nothing should be queued once every handle is closed; if something is, it ends now. */
    PIRP pended;
    while ((pended = IoCsqRemoveNextIrp(&extension->Queue, NULL)) != NULL)
        zero_complete(pended, STATUS_CANCELLED, 0);
    /* The DPCs still queued free their requests' contexts; none may run after this returns. */
    KeFlushQueuedDpcs();
    IoDeleteSymbolicLink(&zero_link_name);
    IoDeleteDevice(device);
    DbgPrint("zero: unloaded\n");
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    PDEVICE_OBJECT device;
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(ZERO_EXTENSION), &zero_device_name, FILE_DEVICE_UNKNOWN, 0,
                                     FALSE, &device);
    if (!NT_SUCCESS(status)) {
        DbgPrint("zero: IoCreateDevice failed with 0x%08X\n", status);
        return status;
    }
    device->Flags |= DO_DIRECT_IO;
    PZERO_EXTENSION extension = device->DeviceExtension; /* zeroed by IoCreateDevice */
    InitializeListHead(&extension->QueueHead);
    KeInitializeSpinLock(&extension->QueueLock);
    IoCsqInitialize(&extension->Queue, ZeroQueueInsert, ZeroQueueRemove, ZeroQueuePeek, ZeroQueueLock,
                    ZeroQueueUnlock, ZeroQueueCancelled);
    status = IoCreateSymbolicLink(&zero_link_name, &zero_device_name);
    if (!NT_SUCCESS(status)) {
        DbgPrint("zero: IoCreateSymbolicLink failed with 0x%08X\n", status);
        IoDeleteDevice(device);
        return status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = ZeroCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = ZeroCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = ZeroCleanup;
    DriverObject->MajorFunction[IRP_MJ_READ] = ZeroReadWrite;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = ZeroReadWrite;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = ZeroDeviceControl;
    DriverObject->FastIoDispatch = &zero_fast_io;
    DriverObject->DriverUnload = ZeroUnload;
    DbgPrint("zero: \\Device\\Zero ready\n");
    return STATUS_SUCCESS;
}
