/* io/startio.c: the system-managed device queue and the driver's StartIo routine:
 * IoStartPacket, IoStartNextPacket, IoStartNextPacketByKey and IoSetStartIoAttributes.
 *
 * IoStartPacket inserts the IRP into DeviceObject->DeviceQueue (by key when a key is given).
 * When the queue was idle the IRP becomes DeviceObject->CurrentIrp and StartIo runs at once, at
 * DISPATCH_LEVEL; otherwise the IRP waits, and when the IRP was cancelled before its cancel
 * routine was in place, the CancelFunction is called the way IoCancelIrp would (cancel spin
 * lock held, Irp->CancelIrql set): it must take the IRP off the device queue itself, normally
 * with KeRemoveEntryDeviceQueue.  A current IRP that is cancelled is StartIo's business.
 *
 * IoStartNextPacket(ByKey) clears CurrentIrp, takes the next entry (the first one, or the first
 * whose key is >= Key, wrapping to the first) and hands it to StartIo; an empty queue goes back
 * to idle.  With Cancelable the cancel spin lock covers the removal and CurrentIrp, so a cancel
 * routine sees a consistent picture: an IRP is either still queued (the routine removes it) or
 * current (StartIo handles it).  As on Windows, the I/O manager does not skip IRPs whose Cancel
 * flag is set; a driver whose cancel routine left such an IRP queued sees it in StartIo.
 *
 * IoSetStartIoAttributes: DeferredStartIo makes a StartIo request made while StartIo is
 * running for the device (IoStartNextPacket from inside StartIo, or from another processor in
 * threaded mode) wait until the running StartIo returns, which then starts the next packet
 * itself: StartIo is never re-entered and the stack does not grow with the queue.
 * NonCancelable clears the cancel routine of an IRP as it is handed to StartIo (when the
 * packet routine ran with a cancel function / Cancelable).  As on Windows an attribute, once
 * set, stays set.  Without DeferredStartIo a StartIo that calls IoStartNextPacket is re-entered
 * recursively, which Windows allows and wdmemu does too, but it is reported once per outermost
 * StartIo call as START_IO_RECURSION (Static Driver Verifier's StartIoRecursion rule).
 *
 * Windows keeps the attributes and the StartIo bookkeeping in the device object extension.
 * wdmemu keeps them in a side table keyed by the DEVICE_OBJECT address together with the
 * device's creation serial number, so that a new device that reuses a freed device's address
 * starts from the defaults.  Entries are created lazily by these routines; an entry whose
 * device is no longer a live device object (checked through the object registry, without
 * touching the freed memory) is dropped the next time an entry is created, so the table never
 * holds more than the live devices that used StartIo plus the ones freed since. */
#include <stdlib.h>

#include <uthash.h>

#include "core/event.h"
#include "core/report.h"
#include "io/io.h"
#include "ke/ke.h"

typedef enum io_sio_next {
    IO_SIO_NONE,
    IO_SIO_HEAD,   /* IoStartNextPacket */
    IO_SIO_BY_KEY  /* IoStartNextPacketByKey */
} io_sio_next;

typedef struct io_sio {
    PDEVICE_OBJECT device; /* the key; only dereferenced while the caller vouches for it */
    ULONG serial;          /* the device's creation serial when the entry was made */
    BOOLEAN deferred;      /* IoSetStartIoAttributes(DeferredStartIo = TRUE) */
    BOOLEAN noncancelable; /* IoSetStartIoAttributes(NonCancelable = TRUE) */
    LONG active;           /* StartIo calls in progress for the device, nested ones included */
    ke_thread *owner;      /* the thread running the outermost one */
    BOOLEAN recursion_reported;
    io_sio_next pending;   /* a start request deferred while StartIo was running */
    BOOLEAN pending_cancelable;
    ULONG pending_key;
    UT_hash_handle hh;
} io_sio;

static io_sio *io_sio_table;
static plat_mutex io_sio_mutex;
static plat_once_flag io_sio_once = PLAT_ONCE_INIT;

static void io_sio_mutex_init(void)
{
    plat_mutex_init(&io_sio_mutex);
}

static void io_sio_lock(void)
{
    plat_once(&io_sio_once, io_sio_mutex_init);
    plat_mutex_lock(&io_sio_mutex);
}

static void io_sio_unlock(void)
{
    plat_mutex_unlock(&io_sio_mutex);
}

/* Drops the entries of devices that are gone (lock held). */
static void io_sio_prune(void)
{
    io_sio *entry, *next;
    HASH_ITER(hh, io_sio_table, entry, next) {
        if (entry->active == 0 && !io_is_device(entry->device)) {
            HASH_DEL(io_sio_table, entry);
            free(entry);
        }
    }
}

/* The entry of a live device, created when missing (lock held).  NULL only when out of
 * memory; callers then behave as for a device without attributes. */
static io_sio *io_sio_get(PDEVICE_OBJECT device)
{
    ULONG serial = io_device_ext_of(device)->serial;
    io_sio *entry = NULL;
    HASH_FIND_PTR(io_sio_table, &device, entry);
    if (entry != NULL && entry->serial != serial && entry->active == 0) {
        /* The address belonged to a device that has been freed: start over. */
        HASH_DEL(io_sio_table, entry);
        free(entry);
        entry = NULL;
    }
    if (entry == NULL) {
        io_sio_prune();
        entry = calloc(1, sizeof(*entry));
        if (entry == NULL)
            return NULL;
        entry->device = device;
        entry->serial = serial;
        HASH_ADD_PTR(io_sio_table, device, entry);
    }
    return entry;
}

static BOOLEAN io_sio_check_device(PDEVICE_OBJECT device, const char *ddi)
{
    if (!io_is_device(device)) {
        rp_finding("INVALID_DEVICE_OBJECT", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p): not a device object", ddi, (void *)device);
        return FALSE;
    }
    return TRUE;
}

static BOOLEAN io_sio_check_start_io(PDEVICE_OBJECT device, const char *ddi)
{
    if (device->DriverObject == NULL || device->DriverObject->DriverStartIo == NULL) {
        char name[96];
        rp_finding("START_IO_ROUTINE_MISSING", STATUS_INVALID_DEVICE_REQUEST, NULL,
                   io_device_display(device, name, sizeof(name)),
                   "%s(%s): the driver has no StartIo routine (DriverObject->DriverStartIo is NULL); only "
                   "drivers with one may use the system device queue", ddi, name);
        return FALSE;
    }
    return TRUE;
}

/* Brings the caller to DISPATCH_LEVEL for the operation, reporting a caller above it and, when
 * must_be_dispatch, one below it.  Returns the IRQL to go back to, 0xFF when nothing was
 * raised. */
static KIRQL io_sio_raise(PDEVICE_OBJECT device, const char *ddi, BOOLEAN must_be_dispatch)
{
    KIRQL irql = KeGetCurrentIrql();
    char name[96];
    if (irql > DISPATCH_LEVEL) {
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, io_device_display(device, name, sizeof(name)),
                   "%s(%s) at IRQL %u (must be <= DISPATCH_LEVEL)", ddi, name, irql);
        return 0xFF;
    }
    if (irql == DISPATCH_LEVEL)
        return 0xFF;
    if (must_be_dispatch) {
        rp_finding("IRQL_NOT_GREATER_OR_EQUAL", STATUS_SUCCESS, NULL, io_device_display(device, name, sizeof(name)),
                   "%s(%s) at IRQL %u; callers must be at DISPATCH_LEVEL (a DpcForIsr, CustomDpc or StartIo "
                   "routine)", ddi, name, irql);
    }
    return KfRaiseIrql(DISPATCH_LEVEL);
}

static void io_sio_lower(KIRQL previous)
{
    if (previous != 0xFF)
        KeLowerIrql(previous);
}

/* Calls the driver's StartIo routine for irp (at DISPATCH_LEVEL, or wherever the caller was
 * when that was higher) and reports a StartIo that changes the IRQL or keeps spin locks. */
static void io_sio_call(PDEVICE_OBJECT device, PIRP irp)
{
    PDRIVER_OBJECT driver = device->DriverObject;
    ke_thread *self = ke_self();
    KIRQL irql = self->irql;
    LONG locks = self->spin_locks_held;
    PDRIVER_OBJECT previous = ke_enter_driver(driver);
    EV_EMIT(.kind = EV_START_IO, .driver = driver, .device = device, .irp = irp);
    driver->DriverStartIo(device, irp);
    ke_leave_driver(previous);
    if (self->irql != irql || self->spin_locks_held != locks) {
        char name[96];
        io_device_display(device, name, sizeof(name));
        if (self->irql != irql) {
            rp_finding("IRQL_CHANGED_ACROSS_START_IO", STATUS_SUCCESS, io_driver_display(driver), name,
                       "the StartIo routine of %s returned at IRQL %u, entered at %u", name, self->irql, irql);
            self->irql = irql;
        }
        if (self->spin_locks_held != locks)
            rp_finding("SPIN_LOCK_HELD_AT_RETURN", STATUS_SUCCESS, io_driver_display(driver), name,
                       "the StartIo routine of %s returned holding %ld spin lock(s)", name,
                       (long)(self->spin_locks_held - locks));
    }
}

/* Counts a StartIo activation (lock held); TRUE for the outermost one. */
static BOOLEAN io_sio_enter(io_sio *sio)
{
    if (sio == NULL)
        return FALSE;
    sio->active++;
    if (sio->active == 1) {
        sio->owner = ke_self();
        return TRUE;
    }
    return FALSE;
}

/* Takes the next IRP off the device queue for StartIo: CurrentIrp, the cancel spin lock for
 * Cancelable, NonCancelable.  NULL when the queue is empty (it is idle again). */
static PIRP io_sio_dequeue(PDEVICE_OBJECT device, BOOLEAN noncancelable, BOOLEAN cancelable, io_sio_next how,
                           ULONG key, const char *ddi)
{
    KIRQL cancel_irql = DISPATCH_LEVEL;
    if (cancelable)
        IoAcquireCancelSpinLock(&cancel_irql);
    device->CurrentIrp = NULL;
    PIRP irp = NULL;
    if (!device->DeviceQueue.Busy) {
        char name[96];
        rp_finding("DEVICE_QUEUE_NOT_BUSY", STATUS_SUCCESS, NULL, io_device_display(device, name, sizeof(name)),
                   "%s(%s) while the device queue is idle: no packet was started, so there is no next one to "
                   "start (KeRemoveDeviceQueue on an idle queue, bug check 0x2)", ddi, name);
    } else {
        PKDEVICE_QUEUE_ENTRY entry = how == IO_SIO_BY_KEY ? KeRemoveByKeyDeviceQueue(&device->DeviceQueue, key)
                                                          : KeRemoveDeviceQueue(&device->DeviceQueue);
        if (entry != NULL) {
            irp = CONTAINING_RECORD(entry, IRP, Tail.Overlay.DeviceQueueEntry);
            device->CurrentIrp = irp;
            EV_EMIT(.kind = EV_IRP_DEQUEUED, .driver = device->DriverObject, .device = device, .irp = irp,
                    .queue = &device->DeviceQueue, .entry = entry, .status = STATUS_SUCCESS, .text = ddi, .text_static = TRUE);
            if (cancelable && noncancelable)
                IoSetCancelRoutine(irp, NULL);
        }
    }
    if (cancelable)
        IoReleaseCancelSpinLock(cancel_irql);
    return irp;
}

/* Ends an activation; the outermost one of a DeferredStartIo device first starts the packets
 * requested while it ran, one after the other. */
static void io_sio_leave(PDEVICE_OBJECT device, io_sio *sio, BOOLEAN outer)
{
    if (sio == NULL)
        return;
    io_sio_lock();
    while (outer && sio->deferred && sio->pending != IO_SIO_NONE) {
        io_sio_next how = sio->pending;
        BOOLEAN cancelable = sio->pending_cancelable;
        BOOLEAN noncancelable = sio->noncancelable;
        ULONG key = sio->pending_key;
        sio->pending = IO_SIO_NONE;
        io_sio_unlock();
        PIRP next = io_sio_dequeue(device, noncancelable, cancelable, how, key,
                                   how == IO_SIO_BY_KEY ? "IoStartNextPacketByKey" : "IoStartNextPacket");
        if (next != NULL)
            io_sio_call(device, next);
        io_sio_lock();
    }
    sio->active--;
    if (sio->active == 0 || outer) {
        sio->owner = NULL;
        if (sio->active == 0)
            sio->recursion_reported = FALSE;
    }
    io_sio_unlock();
}

NTKERNELAPI VOID NTAPI IoSetStartIoAttributes(PDEVICE_OBJECT DeviceObject, BOOLEAN DeferredStartIo, BOOLEAN NonCancelable)
{
    if (!io_sio_check_device(DeviceObject, "IoSetStartIoAttributes"))
        return;
    io_sio_lock();
    io_sio *sio = io_sio_get(DeviceObject);
    if (sio != NULL) {
        if (DeferredStartIo)
            sio->deferred = TRUE;
        if (NonCancelable)
            sio->noncancelable = TRUE;
    }
    io_sio_unlock();
}

NTKERNELAPI VOID NTAPI IoStartPacket(PDEVICE_OBJECT DeviceObject, PIRP Irp, PULONG Key, PDRIVER_CANCEL CancelFunction)
{
    if (!io_sio_check_device(DeviceObject, "IoStartPacket"))
        return;
    if (Irp == NULL || Irp->Type != IO_TYPE_IRP) {
        char name[96];
        rp_finding("INVALID_PARAMETER", STATUS_INVALID_PARAMETER, NULL,
                   io_device_display(DeviceObject, name, sizeof(name)), "IoStartPacket(%s, %p): not an IRP", name,
                   (void *)Irp);
        return;
    }
    if (!io_sio_check_start_io(DeviceObject, "IoStartPacket"))
        return;
    KIRQL previous = io_sio_raise(DeviceObject, "IoStartPacket", FALSE);
    io_sio_lock();
    io_sio *sio = io_sio_get(DeviceObject);
    BOOLEAN noncancelable = sio != NULL && sio->noncancelable;
    io_sio_unlock();

    KIRQL cancel_irql = DISPATCH_LEVEL;
    if (CancelFunction != NULL) {
        IoAcquireCancelSpinLock(&cancel_irql);
        IoSetCancelRoutine(Irp, CancelFunction);
    }
    BOOLEAN queued = Key != NULL ? KeInsertByKeyDeviceQueue(&DeviceObject->DeviceQueue,
                                                            &Irp->Tail.Overlay.DeviceQueueEntry, *Key)
                                 : KeInsertDeviceQueue(&DeviceObject->DeviceQueue, &Irp->Tail.Overlay.DeviceQueueEntry);
    if (!queued) {
        /* The device was idle: this IRP is the current one and StartIo gets it now. */
        DeviceObject->CurrentIrp = Irp;
        if (CancelFunction != NULL) {
            if (noncancelable)
                IoSetCancelRoutine(Irp, NULL);
            IoReleaseCancelSpinLock(cancel_irql);
        }
        io_sio_lock();
        BOOLEAN outer = io_sio_enter(sio);
        io_sio_unlock();
        io_sio_call(DeviceObject, Irp);
        io_sio_leave(DeviceObject, sio, outer);
    } else {
        EV_EMIT(.kind = EV_IRP_QUEUED, .driver = DeviceObject->DriverObject, .device = DeviceObject, .irp = Irp,
                .queue = &DeviceObject->DeviceQueue, .entry = &Irp->Tail.Overlay.DeviceQueueEntry,
                .text = "IoStartPacket", .text_static = TRUE);
    }
    if (queued && CancelFunction != NULL) {
        /* Queued.  IoCancelIrp takes the cancel spin lock, which is held here, so a cancel can
         * only have come before the routine was set: it found nothing to call.  Call it now. */
        PDRIVER_CANCEL routine = Irp->Cancel ? IoSetCancelRoutine(Irp, NULL) : NULL;
        if (routine == NULL) {
            IoReleaseCancelSpinLock(cancel_irql);
        } else {
            Irp->CancelIrql = cancel_irql;
            ke_thread *self = ke_self();
            LONG locks = self->spin_locks_held;
            PDRIVER_OBJECT before = ke_enter_driver(DeviceObject->DriverObject);
            routine(DeviceObject, Irp);
            ke_leave_driver(before);
            if (self->spin_locks_held >= locks) {
                rp_finding("CANCEL_SPIN_LOCK_NOT_RELEASED", STATUS_SUCCESS, NULL, NULL,
                           "the cancel routine of IRP %p (called by IoStartPacket for an IRP cancelled before "
                           "it was queued) returned without releasing the cancel spin lock "
                           "(IoReleaseCancelSpinLock(Irp->CancelIrql))", (void *)Irp);
                IoReleaseCancelSpinLock(cancel_irql);
            }
        }
    }
    io_sio_lower(previous);
}

static void io_sio_start_next(PDEVICE_OBJECT device, BOOLEAN cancelable, io_sio_next how, ULONG key, const char *ddi)
{
    if (!io_sio_check_device(device, ddi) || !io_sio_check_start_io(device, ddi))
        return;
    KIRQL previous = io_sio_raise(device, ddi, how == IO_SIO_HEAD);
    io_sio_lock();
    io_sio *sio = io_sio_get(device);
    BOOLEAN outer = FALSE, noncancelable = FALSE, recursive = FALSE;
    if (sio != NULL) {
        noncancelable = sio->noncancelable;
        if (sio->active > 0 && sio->deferred) {
            /* StartIo is running for this device: it starts the packet when it returns. */
            sio->pending = how;
            sio->pending_cancelable = cancelable;
            sio->pending_key = key;
            io_sio_unlock();
            io_sio_lower(previous);
            return;
        }
        if (sio->active > 0 && sio->owner == ke_self() && !sio->recursion_reported) {
            sio->recursion_reported = TRUE;
            recursive = TRUE;
        }
        outer = io_sio_enter(sio);
    }
    io_sio_unlock();
    if (recursive) {
        char name[96];
        rp_finding("START_IO_RECURSION", STATUS_SUCCESS, NULL, io_device_display(device, name, sizeof(name)),
                   "%s(%s) called from within the device's StartIo routine without "
                   "IoSetStartIoAttributes(DeferredStartIo = TRUE): StartIo is re-entered recursively, once per "
                   "queued packet (Static Driver Verifier rule StartIoRecursion)", ddi, name);
    }
    PIRP irp = io_sio_dequeue(device, noncancelable, cancelable, how, key, ddi);
    if (irp != NULL)
        io_sio_call(device, irp);
    io_sio_leave(device, sio, outer);
    io_sio_lower(previous);
}

NTKERNELAPI VOID NTAPI IoStartNextPacket(PDEVICE_OBJECT DeviceObject, BOOLEAN Cancelable)
{
    io_sio_start_next(DeviceObject, Cancelable, IO_SIO_HEAD, 0, "IoStartNextPacket");
}

NTKERNELAPI VOID NTAPI IoStartNextPacketByKey(PDEVICE_OBJECT DeviceObject, BOOLEAN Cancelable, ULONG Key)
{
    io_sio_start_next(DeviceObject, Cancelable, IO_SIO_BY_KEY, Key, "IoStartNextPacketByKey");
}
