/* core/event.h: the single stream of engine events.  The I/O manager, the kernel services and
 * the loader emit one record per step; observers (the test recorder now, tracing and the
 * verifier later) subscribe here instead of being called from the engine.  With nobody
 * subscribed, emitting costs one predictable branch (EV_EMIT builds the record inside it). */
#ifndef WDMEMU_CORE_EVENT_H
#define WDMEMU_CORE_EVENT_H

#include <wdm.h>

#include "platform/platform.h"

typedef enum ev_kind {
    EV_DRIVER_ENTRY,            /* DriverEntry about to be called */
    EV_DRIVER_ENTRY_RETURNED,   /* status = what it returned */
    EV_DRIVER_UNLOAD,           /* DriverUnload about to be called */
    EV_DRIVER_UNLOADED,         /* the driver object is gone */
    EV_DEVICE_CREATED,
    EV_DEVICE_DELETED,          /* IoDeleteDevice called */
    EV_DEVICE_FREED,            /* last reference gone, memory released */
    EV_DEVICE_ATTACHED,         /* device attached over other_device */
    EV_DEVICE_DETACHED,
    EV_SYMLINK_CREATED,
    EV_SYMLINK_DELETED,
    EV_IRP_DISPATCH,            /* IoCallDriver entering a dispatch routine */
    EV_IRP_DISPATCH_RETURNED,   /* status = dispatch routine's return value */
    EV_IRP_COMPLETE,            /* IoCompleteRequest called; status = IoStatus.Status */
    EV_IRP_COMPLETION_ROUTINE,  /* completion routine about to run */
    EV_IRP_COMPLETION_ROUTINE_RETURNED,
    EV_IRP_FINAL,               /* the completion walk ended and the final stage ran */
    EV_FINDING,                 /* text = message, rule = rule name */
    EV_DEBUG_PRINT,             /* text = formatted DbgPrint output */
    EV_DEBUG_BREAK,
    EV_DPC,                     /* a DPC routine is about to run */
    EV_TIMER,                   /* a timer expired */
    EV_WORK_ITEM,               /* a work item is about to run */
    EV_THREAD_CREATED,
    EV_THREAD_EXITED,
    EV_IRP_CANCEL,              /* IoCancelIrp; status SUCCESS if a cancel routine ran */
    EV_IRP_MARK_PENDING,        /* a dispatch routine returned STATUS_PENDING (having marked the IRP) */
    EV_START_IO,                /* a StartIo routine is about to run */
    EV_DEVICE_QUEUE_INSERT,     /* KeInsert(ByKey)DeviceQueue queued entry on a busy queue */
    EV_DEVICE_QUEUE_REMOVE,     /* KeRemove*DeviceQueue / KeRemoveEntryDeviceQueue took entry off */
    EV_IRP_QUEUED,              /* an IRP entered the StartIo device queue or a cancel-safe queue;
                                   text = the DDI (IoStartPacket, IoCsqInsertIrp, IoCsqInsertIrpEx) */
    EV_IRP_DEQUEUED,            /* it left; text = the DDI; status = STATUS_CANCELLED when it left
                                   because it was cancelled, else STATUS_SUCCESS */
    EV_REQUEST_ISSUED,          /* the front end took a request: text = the host call, major */
    EV_FAST_IO,                 /* a fast I/O routine returned: text = its name, handled = its
                                   BOOLEAN, status/information = the IO_STATUS_BLOCK it filled */
    EV_REQUEST_COMPLETED,       /* the requester got its result: status, information (after the
                                   final stage, or after fast I/O) */
    EV_ADD_DEVICE,              /* the PnP manager calls driver's AddDevice for the PDO device */
    EV_ADD_DEVICE_RETURNED      /* status = what it returned */
} ev_kind;

typedef struct ev_record {
    /* (ordered to leave no padding: 128 bytes, built for every traced step) */
    ev_kind kind;
    NTSTATUS status;
    uint64_t seq;                /* increases by one per emitted record */
    PDRIVER_OBJECT driver;
    PDEVICE_OBJECT device;
    PDEVICE_OBJECT other_device; /* attach target, ... */
    PIRP irp;
    const void *queue;           /* KDEVICE_QUEUE or IO_CSQ of queue events */
    const void *entry;           /* KDEVICE_QUEUE_ENTRY of device-queue events */
    PFILE_OBJECT file;           /* EV_REQUEST_ISSUED, EV_FAST_IO: the requester's file object */
    const char *rule;
    const char *text;
    ULONG_PTR information;       /* EV_FAST_IO, EV_REQUEST_COMPLETED */
    LONGLONG offset;             /* EV_REQUEST_ISSUED, EV_FAST_IO: a read's or write's byte offset */
    ULONG code;                  /* ... the IOCTL / FSCTL code (0 for other requests) */
    ULONG input_length;          /* ... device controls' input length */
    ULONG output_length;         /* ... output length, or the length of a read or write */
    UCHAR major;
    UCHAR minor;
    CHAR stack_location;         /* IRP CurrentLocation at the event */
    BOOLEAN pending_returned;
    BOOLEAN handled;             /* EV_FAST_IO */
    BOOLEAN text_static;         /* text is a string literal (a DDI or API name): the same address
                                    always holds the same text */
} ev_record;

typedef void (*ev_observer)(const ev_record *record, void *context);

/* Number of subscribers: the engine tests it before building a record. */
extern volatile int ev_observers_active;

/* Registers an observer; returns an id for ev_unsubscribe, or -1 when the table is full. */
int ev_subscribe(ev_observer fn, void *context);
void ev_unsubscribe(int id);
void ev_unsubscribe_all(void);

/* Stamps the sequence number and delivers the record to every observer, in subscription order. */
void ev_deliver(ev_record *record);
/* The stream's lock (recursive), held while observers run: an observer guards its own state
 * with it, so that delivery takes one lock per event. */
void ev_stream_lock(void);
void ev_stream_unlock(void);

static inline void ev_emit(ev_record *record)
{
    if (PLAT_UNLIKELY(ev_observers_active))
        ev_deliver(record);
}

/* Emits a record given by its fields (designated initialisers): the record is built, and its
 * fields computed, only when somebody is subscribed, so that with tracing off an event costs
 * the test of ev_observers_active and nothing else. */
#define EV_EMIT(...)                                                                                        \
    do {                                                                                                    \
        if (PLAT_UNLIKELY(ev_observers_active)) {                                                           \
            ev_record ev_record_ = {__VA_ARGS__};                                                           \
            ev_deliver(&ev_record_);                                                                        \
        }                                                                                                   \
    } while (0)

#endif /* WDMEMU_CORE_EVENT_H */
