/* io/call.c: IoCallDriver: moves the IRP to the next stack location, records the target
 * device there and runs the target driver's dispatch routine for the major function. */
#include "core/event.h"
#include "core/report.h"
#include <stdio.h>
#include <string.h>

#include "io/irp_private.h"
#include "ke/ke.h"

/* After the dispatch routine returned status for the location `index` of an IRP with a header:
 * the IoMarkIrpPending rules (Driver Verifier 0xC9/0x23D, 0x23E). */
static void io_check_pending(PIRP irp, io_irp_header *header, int index, NTSTATUS status, PDEVICE_OBJECT device)
{
    if (index < 0 || index >= 64)
        return;
    uint64_t bit = (uint64_t)1 << index;
    BOOLEAN walked = (header->marked & bit) != 0 || IO_IRP_STATE(header) != IO_IRP_IN_FLIGHT ||
                     irp->CurrentLocation > index + 1;
    BOOLEAN marked = (header->marked & bit) != 0 ||
                     (!walked && (((PIO_STACK_LOCATION)(irp + 1))[index].Control & SL_PENDING_RETURNED) != 0);
    char name[96];
    if (status == STATUS_PENDING && !marked) {
        if (!walked) {
            /* A completion routine may still mark it (asynchronous forwarding): check when the
             * completion walk leaves this location. */
            header->pending_unmarked |= bit;
            return;
        }
        rp_finding("PENDING_WITHOUT_MARK", status, io_driver_display(device->DriverObject),
                   io_device_display(device, name, sizeof(name)),
                   "the dispatch routine of %s returned STATUS_PENDING for IRP %u without IoMarkIrpPending "
                   "(Driver Verifier 0xC9/0x23D; on Windows the requester waits forever)", name, (unsigned)header->id);
    } else if (status != STATUS_PENDING && marked) {
        rp_finding("MARKED_PENDING_NOT_RETURNED", status, io_driver_display(device->DriverObject),
                   io_device_display(device, name, sizeof(name)),
                   "the dispatch routine of %s called IoMarkIrpPending on IRP %u but returned %08X instead of "
                   "STATUS_PENDING (Driver Verifier 0xC9/0x23E)", name, (unsigned)header->id, (unsigned)status);
    }
}

static PLAT_THREAD_LOCAL IO_STACK_LOCATION io_scratch_location;
static PLAT_THREAD_LOCAL PIRP io_exhausted_irp;

static void io_report_exhausted(PIRP irp, PDEVICE_OBJECT device)
{
    if (io_exhausted_irp == irp)
        return; /* one report per IRP and thread */
    io_exhausted_irp = irp;
    char name[96] = "";
    if (device != NULL && io_is_device(device))
        io_device_display(device, name, sizeof(name));
    io_irp_header *header = io_irp_header_of(irp);
    char id[24] = "";
    if (header != NULL)
        snprintf(id, sizeof(id), " %u", (unsigned)header->id);
    rp_finding("NO_MORE_IRP_STACK_LOCATIONS", STATUS_INVALID_PARAMETER, NULL, name[0] ? name : NULL,
               "IRP%s has no stack location left (StackCount %d)%s%s: it was allocated too small for the device "
               "stack, or a driver used the next location instead of skipping its own", id, irp->StackCount,
               name[0] ? " when sent to " : "", name);
}

WDMEMU_API PIO_STACK_LOCATION NTAPI WdmemuNoNextStackLocation(PIRP Irp)
{
    io_report_exhausted(Irp, NULL);
    memset(&io_scratch_location, 0, sizeof(io_scratch_location));
    return &io_scratch_location;
}

NTKERNELAPI NTSTATUS FASTCALL IofCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    io_irp_header *header = io_irp_header_of(Irp);
    if (header != NULL && IO_IRP_STATE(header) == IO_IRP_FREED) {
        rp_finding("CALL_DRIVER_BAD_IRP", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoCallDriver with IRP %u, which was already freed (Driver Verifier 0xC9/0x03)",
                   (unsigned)header->id);
        return STATUS_INVALID_PARAMETER;
    }
    if (Irp == NULL || Irp->Type != IO_TYPE_IRP) {
        rp_finding("CALL_DRIVER_BAD_IRP", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoCallDriver with %p, which is not an IRP (Driver Verifier 0xC9/0x03)", (void *)Irp);
        return STATUS_INVALID_PARAMETER;
    }
    if (!io_is_device(DeviceObject)) {
        rp_finding("CALL_DRIVER_BAD_DEVICE", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoCallDriver(%p, IRP %p): the target is not a device object (Driver Verifier 0xC9/0x04)",
                   (void *)DeviceObject, (void *)Irp);
        return STATUS_INVALID_PARAMETER;
    }
    if (Irp->CurrentLocation <= 1) {
        io_report_exhausted(Irp, DeviceObject);
        return STATUS_INVALID_PARAMETER;
    }
    if (plat_atomic_load(&Irp->CancelRoutine, PLAT_ACQUIRE) != NULL) {
        char name[96];
        rp_finding("CALL_DRIVER_WITH_CANCEL_ROUTINE", STATUS_SUCCESS, NULL,
                   io_device_display(DeviceObject, name, sizeof(name)),
                   "IoCallDriver(%s) with a cancel routine still set on the IRP (Driver Verifier 0xC9/0x203)", name);
    }
    Irp->CurrentLocation--;
    PIO_STACK_LOCATION stack = --Irp->Tail.Overlay.CurrentStackLocation;
    int index = Irp->CurrentLocation - 1;
    if (header != NULL) {
        IO_IRP_SET_STATE(header, IO_IRP_IN_FLIGHT);
        if (index >= 0 && index < 64) {
            header->marked &= ~((uint64_t)1 << index);
            header->pending_unmarked &= ~((uint64_t)1 << index);
        }
    }
    stack->DeviceObject = DeviceObject;
    PDRIVER_OBJECT driver = DeviceObject->DriverObject;
    UCHAR major = stack->MajorFunction;
    if (major > IRP_MJ_MAXIMUM_FUNCTION) {
        char name[96];
        rp_finding("CALL_DRIVER_BAD_MAJOR", STATUS_INVALID_DEVICE_REQUEST, io_driver_display(driver),
                   io_device_display(DeviceObject, name, sizeof(name)),
                   "IoCallDriver(%s): the IRP's major function 0x%02x is out of range", name, major);
        Irp->CurrentLocation++;
        Irp->Tail.Overlay.CurrentStackLocation++;
        return STATUS_INVALID_PARAMETER;
    }

    ke_thread *self = ke_self();
    KIRQL irql = self->irql;
    LONG locks = self->spin_locks_held;
    if (irql > DISPATCH_LEVEL) {
        char name[96];
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, io_device_display(DeviceObject, name, sizeof(name)),
                   "IoCallDriver(%s, IRP %p) at IRQL %u, above DISPATCH_LEVEL (Driver Verifier 0xC9/0x10)", name,
                   (void *)Irp, irql);
    }
    EV_EMIT(.kind = EV_IRP_DISPATCH, .driver = driver, .device = DeviceObject, .irp = Irp, .major = major,
            .minor = stack->MinorFunction, .stack_location = Irp->CurrentLocation);
    PDRIVER_OBJECT previous = ke_enter_driver(driver);
    NTSTATUS status = driver->MajorFunction[major](DeviceObject, Irp);
    ke_leave_driver(previous);
    if (self->irql != irql || self->spin_locks_held != locks) {
        char name[96];
        io_device_display(DeviceObject, name, sizeof(name));
        if (self->irql != irql)
            rp_finding("IRQL_CHANGED_ACROSS_DISPATCH", STATUS_SUCCESS, io_driver_display(driver), name,
                       "the dispatch routine for major 0x%02x of %s returned at IRQL %u, entered at %u "
                       "(Driver Verifier 0xC9/0x05)", major, name, self->irql, irql);
        if (self->spin_locks_held != locks)
            rp_finding("SPIN_LOCK_HELD_AT_RETURN", STATUS_SUCCESS, io_driver_display(driver), name,
                       "the dispatch routine for major 0x%02x of %s returned holding %ld spin lock(s)", major, name,
                       (long)(self->spin_locks_held - locks));
    }
    /* The IoMarkIrpPending rules have something to say only when the routine returned
     * STATUS_PENDING or the location was marked (now, or when the completion walk left it). */
    if (header != NULL && (unsigned)index < 64 &&
        PLAT_UNLIKELY(status == STATUS_PENDING || (header->marked & ((uint64_t)1 << index)) != 0 ||
                      (stack->Control & SL_PENDING_RETURNED) != 0))
        io_check_pending(Irp, header, index, status, DeviceObject);
    if (status == STATUS_PENDING && PLAT_UNLIKELY(ev_observers_active)) {
        EV_EMIT(.kind = EV_IRP_MARK_PENDING, .driver = driver, .device = DeviceObject, .irp = Irp,
                .major = major);
    }
    EV_EMIT(.kind = EV_IRP_DISPATCH_RETURNED, .driver = driver, .device = DeviceObject, .irp = Irp,
            .major = major, .status = status);
    return status;
}

NTKERNELAPI NTSTATUS NTAPI PoCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    return IofCallDriver(DeviceObject, Irp);
}
