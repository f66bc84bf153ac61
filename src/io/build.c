/* io/build.c: IRPs the I/O manager builds for kernel-mode requesters:
 * IoBuildDeviceIoControlRequest, IoBuildSynchronousFsdRequest, IoBuildAsynchronousFsdRequest
 * (buffers per METHOD_* and DO_BUFFERED_IO / DO_DIRECT_IO, UserIosb, UserEvent, KernelMode),
 * their final stage (copy back, free buffers and MDLs, write the IOSB and set the event unless
 * the request failed synchronously, free the IRP), associated IRPs completing their master, and
 * the helpers drivers use to send IRPs synchronously (IoForwardIrpSynchronously,
 * IoSynchronousCallDriver, IoSetCompletionRoutineEx). */
#include <string.h>

#include "core/report.h"
#include "ex/ex.h"
#include "io/irp_private.h"
#include "ke/ke.h"

#define IO_BUFFER_TAG ' oI'

static void io_set_user_output(PIRP irp, PVOID buffer, ULONG length)
{
    io_irp_header *header = io_irp_header_of(irp);
    header->user_output = buffer;
    header->user_output_length = length;
}

/* Describes buffer with an MDL locked for the access, attached to irp; FALSE on failure. */
static BOOLEAN io_attach_mdl(PIRP irp, PVOID buffer, ULONG length, LOCK_OPERATION operation)
{
    KPROCESSOR_MODE mode = irp->RequestorMode;
    PMDL mdl = IoAllocateMdl(buffer, length, FALSE, FALSE, irp);
    if (mdl == NULL)
        return FALSE;
    volatile BOOLEAN locked = TRUE;
    __try {
        MmProbeAndLockPages(mdl, mode, operation);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        locked = FALSE;
    }
    if (!locked) {
        irp->MdlAddress = NULL;
        IoFreeMdl(mdl);
        return FALSE;
    }
    return TRUE;
}

static PIRP io_built_irp(PDEVICE_OBJECT device, io_irp_builder builder, PKEVENT event, PIO_STATUS_BLOCK iosb,
                         KPROCESSOR_MODE mode)
{
    PIRP irp = IoAllocateIrp(device->StackSize, FALSE);
    if (irp == NULL)
        return NULL;
    io_irp_header_of(irp)->builder = (uint8_t)builder;
    irp->RequestorMode = mode;
    irp->UserIosb = iosb;
    irp->UserEvent = event;
    return irp;
}

/* A system buffer of exactly size bytes (so that AddressSanitizer sees a driver overrunning
 * it), holding input_length bytes of input and WDMEMU_UNWRITTEN_BYTE everywhere else, so that
 * output the driver never wrote is recognisable in what the requester gets back. */
static PVOID io_system_buffer(ULONG size, const void *input, ULONG input_length)
{
    PUCHAR buffer = ex_pool_allocate_buffer("ExAllocatePoolWithTag", size, IO_BUFFER_TAG);
    if (buffer == NULL)
        return NULL;
    if (input_length != 0)
        memcpy(buffer, input, input_length);
    memset(buffer + input_length, WDMEMU_UNWRITTEN_BYTE, size - input_length);
    return buffer;
}

static void io_free_built(PIRP irp)
{
    if ((irp->Flags & IRP_DEALLOCATE_BUFFER) && irp->AssociatedIrp.SystemBuffer != NULL)
        ExFreePoolWithTag(irp->AssociatedIrp.SystemBuffer, IO_BUFFER_TAG);
    PMDL mdl = irp->MdlAddress;
    while (mdl != NULL) {
        PMDL next = mdl->Next;
        if (mdl->MdlFlags & MDL_PAGES_LOCKED)
            MmUnlockPages(mdl);
        IoFreeMdl(mdl);
        mdl = next;
    }
    irp->MdlAddress = NULL;
    IoFreeIrp(irp);
}

PIRP io_build_device_control(ULONG IoControlCode, PDEVICE_OBJECT DeviceObject, PVOID InputBuffer,
                             ULONG InputBufferLength, PVOID OutputBuffer, ULONG OutputBufferLength,
                             BOOLEAN InternalDeviceIoControl, PKEVENT Event, PIO_STATUS_BLOCK IoStatusBlock,
                             KPROCESSOR_MODE mode)
{
    if (!io_is_device(DeviceObject) || IoStatusBlock == NULL ||
        (InputBufferLength != 0 && InputBuffer == NULL) || (OutputBufferLength != 0 && OutputBuffer == NULL)) {
        rp_finding("BUILD_REQUEST_BAD_ARGUMENTS", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoBuildDeviceIoControlRequest(0x%08X): bad device, IO_STATUS_BLOCK or buffer (a length without "
                   "a buffer) (Driver Verifier 0xC9/0x09)", (unsigned)IoControlCode);
        return NULL;
    }
    PIRP irp = io_built_irp(DeviceObject, IO_BUILT_DEVICE_CONTROL, Event, IoStatusBlock, mode);
    if (irp == NULL)
        return NULL;
    PIO_STACK_LOCATION stack = IoGetNextIrpStackLocation(irp);
    stack->MajorFunction = InternalDeviceIoControl ? IRP_MJ_INTERNAL_DEVICE_CONTROL : IRP_MJ_DEVICE_CONTROL;
    stack->Parameters.DeviceIoControl.IoControlCode = IoControlCode;
    stack->Parameters.DeviceIoControl.InputBufferLength = InputBufferLength;
    stack->Parameters.DeviceIoControl.OutputBufferLength = OutputBufferLength;
    ULONG method = METHOD_FROM_CTL_CODE(IoControlCode);
    if (method == METHOD_BUFFERED) {
        ULONG size = InputBufferLength > OutputBufferLength ? InputBufferLength : OutputBufferLength;
        if (size != 0) {
            irp->AssociatedIrp.SystemBuffer = io_system_buffer(size, InputBuffer, InputBufferLength);
            if (irp->AssociatedIrp.SystemBuffer == NULL) {
                IoFreeIrp(irp);
                return NULL;
            }
            irp->Flags = IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER;
            if (OutputBufferLength != 0) {
                irp->Flags |= IRP_INPUT_OPERATION;
                io_set_user_output(irp, OutputBuffer, OutputBufferLength);
            }
        }
        irp->UserBuffer = OutputBuffer;
    } else if (method == METHOD_IN_DIRECT || method == METHOD_OUT_DIRECT) {
        if (InputBufferLength != 0) {
            irp->AssociatedIrp.SystemBuffer = io_system_buffer(InputBufferLength, InputBuffer, InputBufferLength);
            if (irp->AssociatedIrp.SystemBuffer == NULL) {
                IoFreeIrp(irp);
                return NULL;
            }
            irp->Flags = IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER;
        }
        if (OutputBufferLength != 0 &&
            !io_attach_mdl(irp, OutputBuffer, OutputBufferLength, method == METHOD_IN_DIRECT ? IoReadAccess : IoWriteAccess)) {
            io_free_built(irp);
            return NULL;
        }
        irp->UserBuffer = OutputBuffer;
    } else {
        stack->Parameters.DeviceIoControl.Type3InputBuffer = InputBuffer;
        irp->UserBuffer = OutputBuffer;
    }
    return irp;
}

NTKERNELAPI PIRP NTAPI IoBuildDeviceIoControlRequest(ULONG IoControlCode, PDEVICE_OBJECT DeviceObject,
                                                     PVOID InputBuffer, ULONG InputBufferLength, PVOID OutputBuffer,
                                                     ULONG OutputBufferLength, BOOLEAN InternalDeviceIoControl,
                                                     PKEVENT Event, PIO_STATUS_BLOCK IoStatusBlock)
{
    return io_build_device_control(IoControlCode, DeviceObject, InputBuffer, InputBufferLength, OutputBuffer,
                                   OutputBufferLength, InternalDeviceIoControl, Event, IoStatusBlock, KernelMode);
}

PIRP io_build_fsd(const char *ddi, io_irp_builder builder, ULONG MajorFunction, PDEVICE_OBJECT DeviceObject,
                  PVOID Buffer, ULONG Length, PLARGE_INTEGER StartingOffset, PKEVENT Event,
                  PIO_STATUS_BLOCK IoStatusBlock, KPROCESSOR_MODE mode)
{
    BOOLEAN transfer = MajorFunction == IRP_MJ_READ || MajorFunction == IRP_MJ_WRITE;
    if (!io_is_device(DeviceObject) ||
        (!transfer && MajorFunction != IRP_MJ_FLUSH_BUFFERS && MajorFunction != IRP_MJ_SHUTDOWN &&
         MajorFunction != IRP_MJ_PNP && MajorFunction != IRP_MJ_POWER) ||
        (transfer && Length != 0 && Buffer == NULL)) {
        rp_finding("BUILD_REQUEST_BAD_ARGUMENTS", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(major 0x%02x): bad device, major function or buffer (Driver Verifier 0xC9/0x08)", ddi,
                   (unsigned)MajorFunction);
        return NULL;
    }
    PIRP irp = io_built_irp(DeviceObject, builder, Event, IoStatusBlock, mode);
    if (irp == NULL)
        return NULL;
    PIO_STACK_LOCATION stack = IoGetNextIrpStackLocation(irp);
    stack->MajorFunction = (UCHAR)MajorFunction;
    if (MajorFunction == IRP_MJ_PNP || MajorFunction == IRP_MJ_POWER)
        irp->IoStatus.Status = STATUS_NOT_SUPPORTED; /* what a PnP/power IRP must start with */
    if (!transfer)
        return irp;
    if (DeviceObject->Flags & DO_BUFFERED_IO) {
        BOOLEAN write = MajorFunction == IRP_MJ_WRITE;
        irp->AssociatedIrp.SystemBuffer = io_system_buffer(Length ? Length : 1, write ? Buffer : NULL, write ? Length : 0);
        if (irp->AssociatedIrp.SystemBuffer == NULL) {
            IoFreeIrp(irp);
            return NULL;
        }
        irp->Flags = IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER;
        if (!write) {
            irp->Flags |= IRP_INPUT_OPERATION;
            io_set_user_output(irp, Buffer, Length);
        }
    } else if (DeviceObject->Flags & DO_DIRECT_IO) {
        if (Length != 0 && !io_attach_mdl(irp, Buffer, Length, MajorFunction == IRP_MJ_READ ? IoWriteAccess : IoReadAccess)) {
            io_free_built(irp);
            return NULL;
        }
    }
    irp->UserBuffer = Buffer;
    irp->Flags |= MajorFunction == IRP_MJ_READ ? IRP_READ_OPERATION : IRP_WRITE_OPERATION;
    if (MajorFunction == IRP_MJ_READ) {
        stack->Parameters.Read.Length = Length;
        if (StartingOffset != NULL)
            stack->Parameters.Read.ByteOffset = *StartingOffset;
    } else {
        stack->Parameters.Write.Length = Length;
        if (StartingOffset != NULL)
            stack->Parameters.Write.ByteOffset = *StartingOffset;
    }
    return irp;
}

NTKERNELAPI PIRP NTAPI IoBuildSynchronousFsdRequest(ULONG MajorFunction, PDEVICE_OBJECT DeviceObject, PVOID Buffer,
                                                    ULONG Length, PLARGE_INTEGER StartingOffset, PKEVENT Event,
                                                    PIO_STATUS_BLOCK IoStatusBlock)
{
    if (Event == NULL || IoStatusBlock == NULL) {
        rp_finding("BUILD_REQUEST_BAD_ARGUMENTS", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoBuildSynchronousFsdRequest needs an event and an IO_STATUS_BLOCK");
        return NULL;
    }
    return io_build_fsd("IoBuildSynchronousFsdRequest", IO_BUILT_SYNCHRONOUS_FSD, MajorFunction, DeviceObject, Buffer,
                        Length, StartingOffset, Event, IoStatusBlock, KernelMode);
}

NTKERNELAPI PIRP NTAPI IoBuildAsynchronousFsdRequest(ULONG MajorFunction, PDEVICE_OBJECT DeviceObject, PVOID Buffer,
                                                     ULONG Length, PLARGE_INTEGER StartingOffset,
                                                     PIO_STATUS_BLOCK IoStatusBlock)
{
    return io_build_fsd("IoBuildAsynchronousFsdRequest", IO_BUILT_ASYNCHRONOUS_FSD, MajorFunction, DeviceObject,
                        Buffer, Length, StartingOffset, NULL, IoStatusBlock, KernelMode);
}

/* ---- the final stage ---------------------------------------------------------------------- */

void io_build_final(PIRP irp, io_irp_header *header)
{
    NTSTATUS status = irp->IoStatus.Status;
    if (header->builder == IO_BUILT_ASSOCIATED) {
        PIRP master = irp->AssociatedIrp.MasterIrp;
        irp->AssociatedIrp.MasterIrp = NULL;
        if (!NT_SUCCESS(status))
            master->IoStatus = irp->IoStatus;
        io_free_built(irp);
        if (InterlockedDecrement(&master->AssociatedIrp.IrpCount) == 0)
            IoCompleteRequest(master, IO_NO_INCREMENT);
        return;
    }
    if (header->builder == IO_BUILT_ASYNCHRONOUS_FSD) {
        rp_finding("ASYNCHRONOUS_FSD_IRP_NOT_FREED", status, NULL, NULL,
                   "an IRP from IoBuildAsynchronousFsdRequest (IRP %u) completed to the top: its creator must "
                   "free it from a completion routine that returns STATUS_MORE_PROCESSING_REQUIRED (SDV "
                   "IoBuildFsdFree); wdmemu frees it", (unsigned)header->id);
    }
    if ((irp->Flags & IRP_BUFFERED_IO) && (irp->Flags & IRP_INPUT_OPERATION) && !NT_ERROR(status) &&
        header->user_output != NULL && irp->AssociatedIrp.SystemBuffer != NULL) {
        ULONG limit = header->user_output_length;
        ULONG_PTR copy = irp->IoStatus.Information;
        if (copy > limit) {
            rp_finding("IO_STATUS_INFORMATION_TOO_LARGE", status, NULL, NULL,
                       "IRP %u completed with Information %lu, larger than the %lu-byte output buffer (Driver "
                       "Verifier 0xC9/0x312); only %lu bytes are copied back", (unsigned)header->id,
                       (unsigned long)copy, (unsigned long)limit, (unsigned long)limit);
            copy = limit;
        }
        memcpy(header->user_output, irp->AssociatedIrp.SystemBuffer, copy);
    }
    /* A request that failed without pending reports only through the dispatch return value. */
    if (!NT_ERROR(status) || irp->PendingReturned) {
        if (irp->UserIosb != NULL)
            *irp->UserIosb = irp->IoStatus;
        if (irp->UserEvent != NULL)
            KeSetEvent(irp->UserEvent, IO_NO_INCREMENT, FALSE);
    }
    io_free_built(irp);
}

/* ---- associated IRPs ------------------------------------------------------------------------ */

NTKERNELAPI PIRP NTAPI IoMakeAssociatedIrp(PIRP Irp, CCHAR StackSize)
{
    PIRP irp = IoAllocateIrp(StackSize, FALSE);
    if (irp == NULL)
        return NULL;
    io_irp_header_of(irp)->builder = IO_BUILT_ASSOCIATED;
    irp->Flags = IRP_ASSOCIATED_IRP;
    irp->AssociatedIrp.MasterIrp = Irp;
    irp->RequestorMode = Irp->RequestorMode;
    irp->Tail.Overlay.Thread = Irp->Tail.Overlay.Thread;
    irp->Tail.Overlay.OriginalFileObject = Irp->Tail.Overlay.OriginalFileObject;
    return irp;
}

/* ---- synchronous sends ---------------------------------------------------------------------- */

static NTSTATUS NTAPI io_signal_completion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    (void)DeviceObject;
    (void)Irp;
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

NTKERNELAPI BOOLEAN NTAPI IoForwardIrpSynchronously(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    if (Irp->CurrentLocation <= 1) {
        rp_finding("NO_MORE_IRP_STACK_LOCATIONS", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoForwardIrpSynchronously: the IRP has no stack location left to forward with");
        return FALSE;
    }
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, io_signal_completion, &event, TRUE, TRUE, TRUE);
    if (IoCallDriver(DeviceObject, Irp) == STATUS_PENDING)
        KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
    return TRUE;
}

NTKERNELAPI NTSTATUS NTAPI IoSynchronousCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    IoSetCompletionRoutine(Irp, io_signal_completion, &event, TRUE, TRUE, TRUE);
    NTSTATUS status = IoCallDriver(DeviceObject, Irp);
    if (status == STATUS_PENDING) {
        KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
        status = Irp->IoStatus.Status;
    }
    return status;
}

NTKERNELAPI BOOLEAN NTAPI IoIsOperationSynchronous(PIRP Irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    PFILE_OBJECT file = stack->FileObject;
    return (BOOLEAN)((Irp->Flags & IRP_SYNCHRONOUS_API) != 0 || (file != NULL && (file->Flags & FO_SYNCHRONOUS_IO)));
}

/* IoSetCompletionRoutineEx: the routine runs through a context that keeps the device object
 * (and so the driver) referenced until it has returned. */
typedef struct io_completion_ex {
    PIO_COMPLETION_ROUTINE routine;
    PVOID context;
    PDEVICE_OBJECT device;
} io_completion_ex;

static NTSTATUS NTAPI io_completion_ex_thunk(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    io_completion_ex ex = *(io_completion_ex *)Context;
    ExFreePoolWithTag(Context, 'xEoI');
    NTSTATUS status = ex.routine(DeviceObject, Irp, ex.context);
    ObDereferenceObject(ex.device);
    return status;
}

NTKERNELAPI NTSTATUS NTAPI IoSetCompletionRoutineEx(PDEVICE_OBJECT DeviceObject, PIRP Irp,
                                                    PIO_COMPLETION_ROUTINE CompletionRoutine, PVOID Context,
                                                    BOOLEAN InvokeOnSuccess, BOOLEAN InvokeOnError,
                                                    BOOLEAN InvokeOnCancel)
{
    io_completion_ex *ex = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(*ex), 'xEoI');
    if (ex == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    ex->routine = CompletionRoutine;
    ex->context = Context;
    ex->device = DeviceObject;
    ObReferenceObject(DeviceObject);
    IoSetCompletionRoutine(Irp, io_completion_ex_thunk, ex, InvokeOnSuccess, InvokeOnError, InvokeOnCancel);
    return STATUS_SUCCESS;
}

NTKERNELAPI VOID NTAPI PoStartNextPowerIrp(PIRP Irp)
{
    (void)Irp; /* Since Windows Vista power IRPs need no explicit start: the call is valid and does nothing. */
}
