/* io/csq.c: cancel-safe IRP queues: IoCsqInitialize, IoCsqInitializeEx, IoCsqInsertIrp,
 * IoCsqInsertIrpEx, IoCsqRemoveIrp and IoCsqRemoveNextIrp.
 *
 * The driver keeps the queue (its CsqInsertIrp/CsqRemoveIrp/CsqPeekNextIrp callbacks) and its
 * lock (CsqAcquireLock/CsqReleaseLock); these routines add the cancellation protocol around
 * them.  A queued IRP carries wdmemu's own cancel routine, and Irp->Tail.Overlay.DriverContext[3]
 * points back to its IO_CSQ_IRP_CONTEXT (when the inserter passed one) or to the IO_CSQ itself;
 * the two are told apart by their leading Type field (IO_TYPE_CSQ_IRP_CONTEXT, IO_TYPE_CSQ,
 * IO_TYPE_CSQ_EX).  Whoever swaps the cancel routine out of the IRP (IoSetCancelRoutine's
 * atomic exchange) owns it:
 *   - IoCancelIrp swapped it: the cancel routine releases the cancel spin lock, takes the
 *     driver's queue lock, removes the IRP with CsqRemoveIrp, clears the linkage (the context's
 *     Irp becomes NULL), releases the lock and hands the IRP to CsqCompleteCanceledIrp.
 *   - IoCsqRemoveIrp / IoCsqRemoveNextIrp swapped it (under the queue lock): the IRP leaves the
 *     queue for the driver and can no longer be cancelled through the queue.  When the exchange
 *     finds NULL, a cancellation is in progress (its routine waits for the queue lock): the
 *     IRP is left to it; IoCsqRemoveIrp returns NULL, IoCsqRemoveNextIrp asks CsqPeekNextIrp for
 *     the next candidate after it.
 * Insertion locks the queue and, if the IRP was already cancelled, does not insert it (the
 * WDK's rule) but completes it through CsqCompleteCanceledIrp after releasing the lock; an IRP
 * cancelled while it was being inserted (threaded mode) is taken back out the same way.
 * IoCsqInsertIrp marks the IRP pending; IoCsqInsertIrpEx does too unless CsqInsertIrpEx
 * failed, in which case the IRP is not queued, nothing in it is changed and the failure is
 * returned.  An already-cancelled IRP given to IoCsqInsertIrpEx is completed as described and
 * STATUS_SUCCESS is returned, so that the driver returns STATUS_PENDING and does not complete it
 * a second time.
 *
 * Reported: an IO_CSQ that was never initialised, a context that does not belong to the queue,
 * inserting an IRP that is already in a cancel-safe queue, an IRP without a current stack
 * location (IoMarkIrpPending would write past the IRP), CsqPeekNextIrp returning an IRP that
 * is not in the queue, an IRP whose DriverContext[3] was overwritten while queued, and callers
 * above DISPATCH_LEVEL. */
#include "core/event.h"
#include "core/report.h"
#include "io/io.h"
#include "ke/ke.h"

static DRIVER_CANCEL io_csq_cancel;

static BOOLEAN io_csq_valid(PIO_CSQ csq, const char *ddi)
{
    if (csq == NULL || (csq->Type != IO_TYPE_CSQ && csq->Type != IO_TYPE_CSQ_EX)) {
        rp_finding("CSQ_NOT_INITIALIZED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p): the IO_CSQ was not initialised with IoCsqInitialize or IoCsqInitializeEx", ddi,
                   (void *)csq);
        return FALSE;
    }
    return TRUE;
}

static void io_csq_check_irql(const char *ddi)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql > DISPATCH_LEVEL)
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL, "%s at IRQL %u (must be <= DISPATCH_LEVEL)",
                   ddi, irql);
}

/* The queue an IRP's DriverContext[3] leads to, and its context if it has one. */
static PIO_CSQ io_csq_of_link(PVOID link, PIO_CSQ_IRP_CONTEXT *context)
{
    *context = NULL;
    if (link == NULL)
        return NULL;
    if (((PIO_CSQ_IRP_CONTEXT)link)->Type == IO_TYPE_CSQ_IRP_CONTEXT) {
        *context = link;
        return (*context)->Csq;
    }
    return link;
}

/* Records an IRP entering (queued) or leaving a cancel-safe queue. */
static void io_csq_event(PIO_CSQ csq, PIRP irp, BOOLEAN queued, NTSTATUS status, const char *ddi)
{
    PIO_STACK_LOCATION stack = irp->CurrentLocation >= 1 && irp->CurrentLocation <= irp->StackCount
                                   ? IoGetCurrentIrpStackLocation(irp)
                                   : NULL;
    EV_EMIT(.kind = queued ? EV_IRP_QUEUED : EV_IRP_DEQUEUED, .driver = ke_current_driver(),
            .device = stack != NULL ? stack->DeviceObject : NULL, .irp = irp, .queue = csq,
            .status = status, .text = ddi, .text_static = TRUE);
}

/* Forgets the IRP's queue linkage (queue lock held or the IRP owned). */
static void io_csq_unlink(PIRP irp)
{
    PIO_CSQ_IRP_CONTEXT context;
    io_csq_of_link(irp->Tail.Overlay.DriverContext[3], &context);
    if (context != NULL && context->Irp == irp)
        context->Irp = NULL;
    irp->Tail.Overlay.DriverContext[3] = NULL;
}

static VOID NTAPI io_csq_cancel(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    /* The queue has its own lock: the cancel spin lock is not needed past this point. */
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    PIO_CSQ_IRP_CONTEXT context;
    PIO_CSQ csq = io_csq_of_link(Irp->Tail.Overlay.DriverContext[3], &context);
    if (csq == NULL || (csq->Type != IO_TYPE_CSQ && csq->Type != IO_TYPE_CSQ_EX)) {
        rp_finding("CSQ_IRP_CONTEXT_OVERWRITTEN", STATUS_CANCELLED, NULL, NULL,
                   "IRP %p was cancelled while in a cancel-safe queue, but its Tail.Overlay.DriverContext[3] no "
                   "longer leads to the queue (%p): the driver must leave DriverContext[3] to the IoCsq routines; "
                   "the IRP cannot be removed or completed", (void *)Irp, Irp->Tail.Overlay.DriverContext[3]);
        return;
    }
    KIRQL irql;
    csq->CsqAcquireLock(csq, &irql);
    csq->CsqRemoveIrp(csq, Irp);
    io_csq_unlink(Irp);
    csq->CsqReleaseLock(csq, irql);
    io_csq_event(csq, Irp, FALSE, STATUS_CANCELLED, "IoCancelIrp");
    csq->CsqCompleteCanceledIrp(csq, Irp);
}

static void io_csq_setup(PIO_CSQ Csq, ULONG type, PIO_CSQ_INSERT_IRP insert, PIO_CSQ_REMOVE_IRP remove,
                         PIO_CSQ_PEEK_NEXT_IRP peek, PIO_CSQ_ACQUIRE_LOCK acquire, PIO_CSQ_RELEASE_LOCK release,
                         PIO_CSQ_COMPLETE_CANCELED_IRP complete)
{
    Csq->Type = type;
    Csq->CsqInsertIrp = insert;
    Csq->CsqRemoveIrp = remove;
    Csq->CsqPeekNextIrp = peek;
    Csq->CsqAcquireLock = acquire;
    Csq->CsqReleaseLock = release;
    Csq->CsqCompleteCanceledIrp = complete;
    Csq->ReservePointer = NULL;
}

NTKERNELAPI NTSTATUS NTAPI IoCsqInitialize(PIO_CSQ Csq, PIO_CSQ_INSERT_IRP CsqInsertIrp, PIO_CSQ_REMOVE_IRP CsqRemoveIrp,
                                           PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp, PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock,
                                           PIO_CSQ_RELEASE_LOCK CsqReleaseLock,
                                           PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp)
{
    io_csq_setup(Csq, IO_TYPE_CSQ, CsqInsertIrp, CsqRemoveIrp, CsqPeekNextIrp, CsqAcquireLock, CsqReleaseLock,
                 CsqCompleteCanceledIrp);
    return STATUS_SUCCESS;
}

NTKERNELAPI NTSTATUS NTAPI IoCsqInitializeEx(PIO_CSQ Csq, PIO_CSQ_INSERT_IRP_EX CsqInsertIrp,
                                             PIO_CSQ_REMOVE_IRP CsqRemoveIrp, PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp,
                                             PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock, PIO_CSQ_RELEASE_LOCK CsqReleaseLock,
                                             PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp)
{
    /* IO_CSQ has one slot for either insert routine; Type says which one it holds. */
    io_csq_setup(Csq, IO_TYPE_CSQ_EX, (PIO_CSQ_INSERT_IRP)(void (*)(void))CsqInsertIrp, CsqRemoveIrp, CsqPeekNextIrp,
                 CsqAcquireLock, CsqReleaseLock, CsqCompleteCanceledIrp);
    return STATUS_SUCCESS;
}

static NTSTATUS io_csq_insert(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context, PVOID InsertContext, const char *ddi)
{
    io_csq_check_irql(ddi);
    if (!io_csq_valid(Csq, ddi))
        return STATUS_INVALID_PARAMETER;
    if (Irp == NULL || Irp->Type != IO_TYPE_IRP) {
        rp_finding("INVALID_PARAMETER", STATUS_INVALID_PARAMETER, NULL, NULL, "%s(%p, %p): not an IRP", ddi,
                   (void *)Csq, (void *)Irp);
        return STATUS_INVALID_PARAMETER;
    }
    if (Irp->CancelRoutine == io_csq_cancel) {
        rp_finding("CSQ_IRP_ALREADY_QUEUED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p, IRP %p): the IRP is already in a cancel-safe queue; inserting it again would link it "
                   "twice", ddi, (void *)Csq, (void *)Irp);
        return STATUS_INVALID_PARAMETER;
    }
    BOOLEAN has_stack = Irp->CurrentLocation >= 1 && Irp->CurrentLocation <= Irp->StackCount;
    if (!has_stack) {
        rp_finding("CSQ_IRP_WITHOUT_STACK_LOCATION", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p, IRP %p): the IRP has no current stack location (CurrentLocation %d, StackCount %d), so "
                   "it cannot be marked pending (IoMarkIrpPending would write past the IRP)", ddi, (void *)Csq,
                   (void *)Irp, Irp->CurrentLocation, Irp->StackCount);
    }

    KIRQL irql;
    Csq->CsqAcquireLock(Csq, &irql);
    if (Irp->Cancel) {
        /* Cancelled before it got here: it is not inserted, but completed as cancelled. */
        if (has_stack)
            IoMarkIrpPending(Irp);
        Irp->Tail.Overlay.DriverContext[3] = NULL;
        if (Context != NULL) {
            Context->Type = IO_TYPE_CSQ_IRP_CONTEXT;
            Context->Irp = NULL;
            Context->Csq = Csq;
        }
        Csq->CsqReleaseLock(Csq, irql);
        Csq->CsqCompleteCanceledIrp(Csq, Irp);
        return STATUS_SUCCESS;
    }
    PVOID saved_link = Irp->Tail.Overlay.DriverContext[3];
    if (Context != NULL) {
        Context->Type = IO_TYPE_CSQ_IRP_CONTEXT;
        Context->Irp = Irp;
        Context->Csq = Csq;
        Irp->Tail.Overlay.DriverContext[3] = Context;
    } else {
        Irp->Tail.Overlay.DriverContext[3] = Csq;
    }
    NTSTATUS status = STATUS_SUCCESS;
    if (Csq->Type == IO_TYPE_CSQ_EX) {
        PIO_CSQ_INSERT_IRP_EX insert_ex = (PIO_CSQ_INSERT_IRP_EX)(void (*)(void))Csq->CsqInsertIrp;
        status = insert_ex(Csq, Irp, InsertContext);
    } else {
        Csq->CsqInsertIrp(Csq, Irp);
    }
    if (!NT_SUCCESS(status)) {
        /* Not queued: leave the IRP as it came. */
        Irp->Tail.Overlay.DriverContext[3] = saved_link;
        if (Context != NULL)
            Context->Irp = NULL;
        Csq->CsqReleaseLock(Csq, irql);
        return status;
    }
    if (has_stack)
        IoMarkIrpPending(Irp);
    io_csq_event(Csq, Irp, TRUE, STATUS_SUCCESS, ddi);
    IoSetCancelRoutine(Irp, io_csq_cancel);
    if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL) != NULL) {
        /* Cancelled while being inserted, before the routine was in place: IoCancelIrp found
         * nothing to call, so the IRP is taken back out and completed here. */
        Csq->CsqRemoveIrp(Csq, Irp);
        io_csq_unlink(Irp);
        Csq->CsqReleaseLock(Csq, irql);
        io_csq_event(Csq, Irp, FALSE, STATUS_CANCELLED, ddi);
        Csq->CsqCompleteCanceledIrp(Csq, Irp);
        return status;
    }
    Csq->CsqReleaseLock(Csq, irql);
    return status;
}

NTKERNELAPI VOID NTAPI IoCsqInsertIrp(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context)
{
    (void)io_csq_insert(Csq, Irp, Context, NULL, "IoCsqInsertIrp");
}

NTKERNELAPI NTSTATUS NTAPI IoCsqInsertIrpEx(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context, PVOID InsertContext)
{
    return io_csq_insert(Csq, Irp, Context, InsertContext, "IoCsqInsertIrpEx");
}

NTKERNELAPI PIRP NTAPI IoCsqRemoveIrp(PIO_CSQ Csq, PIO_CSQ_IRP_CONTEXT Context)
{
    io_csq_check_irql("IoCsqRemoveIrp");
    if (!io_csq_valid(Csq, "IoCsqRemoveIrp"))
        return NULL;
    if (Context == NULL || Context->Type != IO_TYPE_CSQ_IRP_CONTEXT || Context->Csq != Csq) {
        rp_finding("CSQ_BAD_IRP_CONTEXT", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoCsqRemoveIrp(%p, %p): the context was not filled in by IoCsqInsertIrp(Ex) for this queue",
                   (void *)Csq, (void *)Context);
        return NULL;
    }
    KIRQL irql;
    Csq->CsqAcquireLock(Csq, &irql);
    PIRP irp = Context->Irp;
    if (irp != NULL) {
        if (IoSetCancelRoutine(irp, NULL) == NULL) {
            /* Being cancelled: its cancel routine waits for the lock and will finish it. */
            irp = NULL;
        } else {
            Csq->CsqRemoveIrp(Csq, irp);
            io_csq_unlink(irp);
        }
    }
    Csq->CsqReleaseLock(Csq, irql);
    if (irp != NULL)
        io_csq_event(Csq, irp, FALSE, STATUS_SUCCESS, "IoCsqRemoveIrp");
    return irp;
}

/* TRUE if the IRP's linkage says it is in this queue. */
static BOOLEAN io_csq_owns(PIO_CSQ csq, PIRP irp)
{
    PIO_CSQ_IRP_CONTEXT context;
    return io_csq_of_link(irp->Tail.Overlay.DriverContext[3], &context) == csq;
}

NTKERNELAPI PIRP NTAPI IoCsqRemoveNextIrp(PIO_CSQ Csq, PVOID PeekContext)
{
    io_csq_check_irql("IoCsqRemoveNextIrp");
    if (!io_csq_valid(Csq, "IoCsqRemoveNextIrp"))
        return NULL;
    KIRQL irql;
    Csq->CsqAcquireLock(Csq, &irql);
    PIRP irp = NULL;
    for (;;) {
        PIRP candidate = Csq->CsqPeekNextIrp(Csq, irp, PeekContext);
        if (candidate == NULL) {
            irp = NULL;
            break;
        }
        if (candidate == irp || candidate->Type != IO_TYPE_IRP || !io_csq_owns(Csq, candidate)) {
            rp_finding("CSQ_PEEK_RETURNED_FOREIGN_IRP", STATUS_INVALID_PARAMETER, NULL, NULL,
                       "IoCsqRemoveNextIrp(%p): CsqPeekNextIrp returned %p, which is %s", (void *)Csq,
                       (void *)candidate,
                       candidate == irp ? "the IRP it was asked to look past (it must return the next one)"
                                        : "not an IRP inserted into this queue with IoCsqInsertIrp(Ex)");
            irp = NULL;
            break;
        }
        irp = candidate;
        if (IoSetCancelRoutine(irp, NULL) == NULL)
            continue; /* being cancelled: its cancel routine removes it; look past it */
        Csq->CsqRemoveIrp(Csq, irp);
        io_csq_unlink(irp);
        break;
    }
    Csq->CsqReleaseLock(Csq, irql);
    if (irp != NULL)
        io_csq_event(Csq, irp, FALSE, STATUS_SUCCESS, "IoCsqRemoveNextIrp");
    return irp;
}
