/* io/cancel.c: IRP cancellation: IoCancelIrp (the cancel spin lock, Irp->Cancel, swapping the
 * cancel routine out, calling it with CancelIrql), IoAcquireCancelSpinLock and
 * IoReleaseCancelSpinLock.  Cancelling an IRP that has already completed is reported. */
#include "core/event.h"
#include "core/report.h"
#include "io/irp_private.h"
#include "ke/ke.h"

static KSPIN_LOCK io_cancel_lock;

NTKERNELAPI VOID NTAPI IoAcquireCancelSpinLock(PKIRQL Irql)
{
    KeAcquireSpinLock(&io_cancel_lock, Irql);
}

NTKERNELAPI VOID NTAPI IoReleaseCancelSpinLock(KIRQL Irql)
{
    KeReleaseSpinLock(&io_cancel_lock, Irql);
}

NTKERNELAPI BOOLEAN NTAPI IoCancelIrp(PIRP Irp)
{
    io_irp_header *early = io_irp_header_of(Irp);
    if (early != NULL && IO_IRP_STATE(early) == IO_IRP_FREED) {
        rp_finding("CANCEL_STATE_IN_COMPLETED_IRP", STATUS_CANCELLED, NULL, NULL,
                   "IoCancelIrp(IRP %u): the IRP was already completed and freed", (unsigned)early->id);
        return FALSE;
    }
    if (Irp == NULL || Irp->Type != IO_TYPE_IRP) {
        rp_finding("CANCEL_NOT_AN_IRP", STATUS_INVALID_PARAMETER, NULL, NULL, "IoCancelIrp(%p): not an IRP",
                   (void *)Irp);
        return FALSE;
    }
    io_irp_header *header = io_irp_header_of(Irp);
    if (header != NULL && (IO_IRP_STATE(header) == IO_IRP_COMPLETED || IO_IRP_STATE(header) == IO_IRP_FREED)) {
        rp_finding("CANCEL_STATE_IN_COMPLETED_IRP", STATUS_CANCELLED, NULL, NULL,
                   "IoCancelIrp(IRP %p): the IRP has already been completed", (void *)Irp);
        return FALSE;
    }
    KIRQL irql;
    IoAcquireCancelSpinLock(&irql);
    Irp->Cancel = TRUE;
    PDRIVER_CANCEL routine = IoSetCancelRoutine(Irp, NULL);
    EV_EMIT(.kind = EV_IRP_CANCEL, .irp = Irp, .status = routine != NULL ? STATUS_SUCCESS : STATUS_PENDING);
    if (routine == NULL) {
        IoReleaseCancelSpinLock(irql);
        return FALSE;
    }
    /* The routine runs with the cancel lock held and must release it with Irp->CancelIrql. */
    Irp->CancelIrql = irql;
    PDEVICE_OBJECT device = Irp->CurrentLocation <= Irp->StackCount ? IoGetCurrentIrpStackLocation(Irp)->DeviceObject : NULL;
    PDRIVER_OBJECT previous = ke_enter_driver(device != NULL ? device->DriverObject : NULL);
    LONG locks = ke_self()->spin_locks_held;
    routine(device, Irp);
    ke_leave_driver(previous);
    if (ke_self()->spin_locks_held >= locks) {
        rp_finding("CANCEL_SPIN_LOCK_NOT_RELEASED", STATUS_SUCCESS, NULL, NULL,
                   "the cancel routine of IRP %p returned without releasing the cancel spin lock "
                   "(IoReleaseCancelSpinLock(Irp->CancelIrql))", (void *)Irp);
        IoReleaseCancelSpinLock(irql);
    }
    return TRUE;
}
