/* io/call.c: IoCallDriver: moves the IRP to the next stack location, records the target
 * device there and runs the target driver's dispatch routine for the major function. */
#include "core/event.h"
#include "core/report.h"
#include "io/io.h"
#include "ke/ke.h"

NTKERNELAPI NTSTATUS FASTCALL IofCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
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
        char name[96];
        rp_finding("NO_MORE_IRP_STACK_LOCATIONS", STATUS_INVALID_PARAMETER,
                   io_driver_display(DeviceObject->DriverObject), io_device_display(DeviceObject, name, sizeof(name)),
                   "IoCallDriver(%s, IRP %p): the IRP has no stack location left (StackCount %d); the caller "
                   "allocated it too small or skipped too few locations", name, (void *)Irp, Irp->StackCount);
        return STATUS_INVALID_PARAMETER;
    }
    Irp->CurrentLocation--;
    PIO_STACK_LOCATION stack = --Irp->Tail.Overlay.CurrentStackLocation;
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
    ev_record ev = {.kind = EV_IRP_DISPATCH, .driver = driver, .device = DeviceObject, .irp = Irp, .major = major,
                    .minor = stack->MinorFunction, .stack_location = Irp->CurrentLocation};
    ev_emit(&ev);
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
    ev_record done = {.kind = EV_IRP_DISPATCH_RETURNED, .driver = driver, .device = DeviceObject, .irp = Irp,
                      .major = major, .status = status};
    ev_emit(&done);
    return status;
}

NTKERNELAPI NTSTATUS NTAPI PoCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    return IofCallDriver(DeviceObject, Irp);
}
