/* io/complete.c: IoCompleteRequest: the completion walk up the stack locations (completion
 * routines chosen by SL_INVOKE_ON_* against the status re-read at every level, pending
 * propagation, STATUS_MORE_PROCESSING_REQUIRED) and the hand-over to the final stage that the
 * requester attached; plus the synchronous send-and-wait used by kernel-mode requesters. */
#include <string.h>

#include "core/event.h"
#include "core/report.h"
#include "io/irp_private.h"
#include "ke/ke.h"

void io_irp_set_final(PIRP irp, io_final_fn fn, void *context)
{
    io_irp_header *header = io_irp_header_of(irp);
    if (header != NULL) {
        header->final = fn;
        header->final_context = context;
    }
}

static void io_report_irp(const char *rule, NTSTATUS status, PIRP irp, const char *fmt_what)
{
    PIO_STACK_LOCATION stack = irp->CurrentLocation <= irp->StackCount ? IoGetCurrentIrpStackLocation(irp) : NULL;
    PDEVICE_OBJECT device = stack != NULL ? stack->DeviceObject : NULL;
    char name[96] = "";
    if (device != NULL && io_is_device(device))
        io_device_display(device, name, sizeof(name));
    rp_finding(rule, status, NULL, name, "IoCompleteRequest(IRP %p%s%s, major 0x%02x): %s", (void *)irp,
               name[0] ? " on " : "", name, stack != NULL ? stack->MajorFunction : 0, fmt_what);
}

NTKERNELAPI VOID FASTCALL IofCompleteRequest(PIRP Irp, CCHAR PriorityBoost)
{
    (void)PriorityBoost;
    io_irp_header *header = io_irp_header_of(Irp);
    if (header != NULL && (IO_IRP_STATE(header) == IO_IRP_FREED || IO_IRP_STATE(header) == IO_IRP_COMPLETED)) {
        rp_finding("MULTIPLE_IRP_COMPLETE_REQUESTS", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoCompleteRequest on IRP %u, which was already completed%s", (unsigned)header->id,
                   IO_IRP_STATE(header) == IO_IRP_FREED ? " and freed" : "");
        return;
    }
    if (Irp == NULL || Irp->Type != IO_TYPE_IRP) {
        rp_finding("COMPLETE_NOT_AN_IRP", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoCompleteRequest(%p): not an IRP", (void *)Irp);
        return;
    }
    if (Irp->CurrentLocation > Irp->StackCount + 1) {
        io_report_irp("MULTIPLE_IRP_COMPLETE_REQUESTS", Irp->IoStatus.Status, Irp,
                      "the IRP has already been completed");
        return;
    }
    if (Irp->IoStatus.Status == STATUS_PENDING || (ULONG)Irp->IoStatus.Status == 0xFFFFFFFFu) {
        io_report_irp("COMPLETE_WITH_PENDING", Irp->IoStatus.Status, Irp,
                      "completed with IoStatus.Status STATUS_PENDING (Driver Verifier 0xC9/0x06)");
    }
    if (plat_atomic_load(&Irp->CancelRoutine, PLAT_ACQUIRE) != NULL) {
        io_report_irp("COMPLETE_WITH_CANCEL_ROUTINE", Irp->IoStatus.Status, Irp,
                      "completed with its cancel routine still set (Driver Verifier 0xC9/0x07)");
    }
    EV_EMIT(.kind = EV_IRP_COMPLETE, .irp = Irp, .status = Irp->IoStatus.Status,
            .stack_location = Irp->CurrentLocation, .driver = ke_current_driver());

    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    PIO_STACK_LOCATION bottom = (PIO_STACK_LOCATION)(Irp + 1);
    NTSTATUS error_code = (Irp->StackCount > 0 && (bottom->Control & SL_ERROR_RETURNED))
                              ? (NTSTATUS)(ULONG)(ULONG_PTR)bottom->Parameters.Others.Argument4
                              : STATUS_SUCCESS;
    for (Irp->CurrentLocation++, Irp->Tail.Overlay.CurrentStackLocation++; Irp->CurrentLocation <= Irp->StackCount + 1;
         stack++, Irp->CurrentLocation++, Irp->Tail.Overlay.CurrentStackLocation++) {
        Irp->PendingReturned = (BOOLEAN)(stack->Control & SL_PENDING_RETURNED);
        if (header != NULL) {
            ptrdiff_t index = stack - (PIO_STACK_LOCATION)(Irp + 1);
            if (index >= 0 && index < 64) {
                uint64_t bit = (uint64_t)1 << index;
                if (Irp->PendingReturned)
                    header->marked |= bit;
                else if (header->pending_unmarked & bit) {
                    PDEVICE_OBJECT device = stack->DeviceObject;
                    char name[96] = "";
                    if (io_is_device(device))
                        io_device_display(device, name, sizeof(name));
                    rp_finding("PENDING_WITHOUT_MARK", STATUS_PENDING, NULL, name,
                               "%s returned STATUS_PENDING for IRP %u, but neither its dispatch routine nor its "
                               "completion routine marked the IRP pending (Driver Verifier 0xC9/0x23D, 0x228)",
                               name[0] ? name : "a driver", (unsigned)header->id);
                }
                header->pending_unmarked &= ~bit;
            }
        }
        NTSTATUS status = Irp->IoStatus.Status;
        BOOLEAN call = (NT_SUCCESS(status) && (stack->Control & SL_INVOKE_ON_SUCCESS)) ||
                       (!NT_SUCCESS(status) && (stack->Control & SL_INVOKE_ON_ERROR)) ||
                       (Irp->Cancel && (stack->Control & SL_INVOKE_ON_CANCEL));
        PIO_COMPLETION_ROUTINE routine = stack->CompletionRoutine;
        PVOID context = stack->Context;
        /* A level that sees a new failure status is flagged SL_ERROR_RETURNED, and the bottom
         * location records the latest error in Argument4 (as Windows does). */
        if (!NT_SUCCESS(status) && status != error_code) {
            error_code = status;
            stack->Control |= SL_ERROR_RETURNED;
            bottom->Parameters.Others.Argument4 = (PVOID)(ULONG_PTR)(ULONG)status;
            bottom->Control |= SL_ERROR_RETURNED;
        }
        /* Clear the finished location as Windows does: minor code, flags, the first three
         * parameter words and the file object; Argument4, the completion routine and its
         * context stay. */
        stack->MinorFunction = 0;
        stack->Flags = 0;
        stack->Control &= SL_ERROR_RETURNED;
        stack->Parameters.Others.Argument1 = NULL;
        stack->Parameters.Others.Argument2 = NULL;
        stack->Parameters.Others.Argument3 = NULL;
        stack->FileObject = NULL;
        if (call && routine != NULL) {
            /* The routine runs with the device of the level that registered it: the location
             * above, or NULL at the top for the IRP's creator. */
            PDEVICE_OBJECT device = Irp->CurrentLocation == Irp->StackCount + 1
                                        ? NULL
                                        : IoGetCurrentIrpStackLocation(Irp)->DeviceObject;
            PDRIVER_OBJECT driver = device != NULL ? device->DriverObject : ke_current_driver();
            EV_EMIT(.kind = EV_IRP_COMPLETION_ROUTINE, .irp = Irp, .device = device, .driver = driver,
                    .status = status, .pending_returned = Irp->PendingReturned,
                    .stack_location = Irp->CurrentLocation);
            /* While its routine runs, the IRP belongs to the routine's driver: it may free it,
             * reuse it or send it again, provided it then returns STATUS_MORE_PROCESSING_REQUIRED. */
            if (header != NULL)
                IO_IRP_SET_STATE(header, IO_IRP_IDLE);
            PDRIVER_OBJECT previous = ke_enter_driver(driver);
            NTSTATUS result = routine(device, Irp, context);
            ke_leave_driver(previous);
            EV_EMIT(.kind = EV_IRP_COMPLETION_ROUTINE_RETURNED, .irp = Irp, .device = device,
                    .driver = driver, .status = result);
            if (header != NULL && IO_IRP_STATE(header) == IO_IRP_FREED) {
                if (result != STATUS_MORE_PROCESSING_REQUIRED) {
                    char st[RP_STATUS_LEN];
                    rp_finding("COMPLETION_ROUTINE_FREED_IRP", result,
                               driver != NULL ? io_driver_display(driver) : NULL, NULL,
                               "a completion routine freed IRP %u and returned %s: a routine that frees the IRP "
                               "must return STATUS_MORE_PROCESSING_REQUIRED; the completion walk stops there",
                               (unsigned)header->id, rp_status(result, st));
                }
                return;
            }
            if (result == STATUS_MORE_PROCESSING_REQUIRED)
                return; /* the routine's driver keeps it (completes, frees or resends it later) */
            if (header != NULL)
                IO_IRP_SET_STATE(header, IO_IRP_IN_FLIGHT);
        } else if (Irp->CurrentLocation <= Irp->StackCount && Irp->PendingReturned) {
            IoMarkIrpPending(Irp);
        }
    }

    EV_EMIT(.kind = EV_IRP_FINAL, .irp = Irp, .status = Irp->IoStatus.Status);
    if (header != NULL)
        IO_IRP_SET_STATE(header, IO_IRP_COMPLETED);
    if (header != NULL && header->final != NULL) {
        header->final(Irp, header->final_context);
        return;
    }
    if (header != NULL && header->builder != IO_BUILT_BY_DRIVER) {
        io_build_final(Irp, header);
        return;
    }
    rp_finding("IRP_COMPLETED_WITHOUT_OWNER", Irp->IoStatus.Status, NULL, NULL,
               "IRP %p completed all the way up, but nobody owns its final stage: an IRP from IoAllocateIrp "
               "needs a completion routine that returns STATUS_MORE_PROCESSING_REQUIRED and frees it "
               "(SDV IoAllocateFree); wdmemu frees it", (void *)Irp);
    if (header != NULL)
        IoFreeIrp(Irp);
}

/* ---- synchronous requests from kernel-mode requesters ------------------------------------ */

typedef struct io_wait {
    KEVENT done;
    NTSTATUS status;
    ULONG_PTR information;
} io_wait;

static void io_wait_final(PIRP irp, void *context)
{
    io_wait *wait = context;
    wait->status = irp->IoStatus.Status;
    wait->information = irp->IoStatus.Information;
    IoFreeIrp(irp);
    KeSetEvent(&wait->done, IO_NO_INCREMENT, FALSE);
}

NTSTATUS io_call_and_wait(PDEVICE_OBJECT device, PIRP irp, ULONG_PTR *information)
{
    io_wait wait;
    KeInitializeEvent(&wait.done, NotificationEvent, FALSE);
    wait.status = STATUS_SUCCESS;
    wait.information = 0;
    io_irp_set_final(irp, io_wait_final, &wait);
    UCHAR major = IoGetNextIrpStackLocation(irp)->MajorFunction;
    NTSTATUS status = IoCallDriver(device, irp);
    if (status == STATUS_PENDING) {
        /* The driver completes the IRP later (a DPC, a timer, another thread): wait like a
         * synchronous requester; the scheduler runs that work meanwhile. */
        NTSTATUS waited = KeWaitForSingleObject(&wait.done, Executive, KernelMode, FALSE, NULL);
        if (waited != STATUS_SUCCESS) {
            char name[96];
            rp_finding("IRP_NEVER_COMPLETED", STATUS_PENDING, io_driver_display(device->DriverObject),
                       io_device_display(device, name, sizeof(name)),
                       "a synchronous request (major 0x%02x) to %s returned STATUS_PENDING and was never completed",
                       major, name);
            io_irp_set_final(irp, NULL, NULL);
            if (information != NULL)
                *information = 0;
            return waited;
        }
        status = wait.status;
    } else if (KeReadStateEvent(&wait.done) == 0) {
        char name[96];
        rp_finding("DISPATCH_RETURNED_WITHOUT_COMPLETING", status, io_driver_display(device->DriverObject),
                   io_device_display(device, name, sizeof(name)),
                   "the dispatch routine for major 0x%02x of %s returned %08X without completing the IRP or "
                   "returning STATUS_PENDING (Driver Verifier 0xC9/0x226)", major, name, (unsigned)status);
        io_irp_set_final(irp, NULL, NULL);
    }
    if (information != NULL)
        *information = wait.information;
    return status;
}
