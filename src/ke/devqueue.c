/* ke/devqueue.c: device queue objects (KDEVICE_QUEUE): KeInsertDeviceQueue,
 * KeInsertByKeyDeviceQueue, KeRemoveDeviceQueue, KeRemoveByKeyDeviceQueue,
 * KeRemoveByKeyDeviceQueueIfBusy and KeRemoveEntryDeviceQueue.  KeInitializeDeviceQueue lives
 * with the other initialisers in ke/dispatcher.c.
 *
 * A device queue is a busy flag plus a list of waiting entries.  Inserting into a queue that is
 * not busy makes it busy and queues nothing (FALSE: the caller starts the request itself);
 * inserting into a busy queue appends the entry (TRUE).  Removing from a busy queue that has no
 * entries makes it not busy again and returns NULL.  Every operation holds the queue's own
 * spin lock (DeviceQueue->Lock) at DISPATCH_LEVEL, so that in threaded mode the queue is safe
 * across processors.  KDEVICE_QUEUE_ENTRY.Inserted tells whether an entry is on a queue.
 *
 * Reported: using a queue that KeInitializeDeviceQueue never set up, calling the insert and
 * remove routines anywhere but at DISPATCH_LEVEL (the WDK requires it; KeRemoveEntryDeviceQueue
 * may be called at or below it), removing from a queue that is not busy (bug check 0x2,
 * DEVICE_QUEUE_NOT_BUSY) and inserting an entry that is already queued. */
#include "core/event.h"
#include "core/report.h"
#include "ke/ke.h"

#define KE_DEVICE_QUEUE_OBJECT 20 /* KOBJECTS.DeviceQueueObject, what KeInitializeDeviceQueue sets */

static PKDEVICE_QUEUE_ENTRY ke_dq_entry(PLIST_ENTRY link)
{
    return CONTAINING_RECORD(link, KDEVICE_QUEUE_ENTRY, DeviceListEntry);
}

static BOOLEAN ke_dq_valid(PKDEVICE_QUEUE queue, const char *ddi)
{
    if (queue == NULL) {
        rp_finding("DEVICE_QUEUE_NOT_INITIALIZED", STATUS_INVALID_PARAMETER, NULL, NULL, "%s(NULL device queue)", ddi);
        return FALSE;
    }
    if (queue->Type != KE_DEVICE_QUEUE_OBJECT || queue->DeviceListHead.Flink == NULL ||
        queue->DeviceListHead.Blink == NULL) {
        rp_finding("DEVICE_QUEUE_NOT_INITIALIZED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p): the device queue was not initialised with KeInitializeDeviceQueue (Type %d)", ddi,
                   (void *)queue, queue->Type);
        return FALSE;
    }
    return TRUE;
}

/* The insert and remove routines must be called at DISPATCH_LEVEL.  A caller at another IRQL
 * is reported; the operation then runs at DISPATCH_LEVEL anyway (returned: the IRQL to go back
 * to, or 0xFF when nothing was raised). */
static KIRQL ke_dq_enter_dispatch(const char *ddi, PKDEVICE_QUEUE queue)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql == DISPATCH_LEVEL)
        return 0xFF;
    if (irql > DISPATCH_LEVEL) {
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
                   "%s(%p) at IRQL %u; device queue routines run at DISPATCH_LEVEL", ddi, (void *)queue, irql);
        return 0xFF;
    }
    rp_finding("IRQL_NOT_GREATER_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
               "%s(%p) at IRQL %u; the caller must be at DISPATCH_LEVEL", ddi, (void *)queue, irql);
    return KfRaiseIrql(DISPATCH_LEVEL);
}

static void ke_dq_leave_dispatch(KIRQL previous)
{
    if (previous != 0xFF)
        KeLowerIrql(previous);
}

/* Appends or sorts entry into a busy queue (lock held).  sorted: after every entry whose key
 * is <= SortKey, before the first greater one. */
static void ke_dq_link(PKDEVICE_QUEUE queue, PKDEVICE_QUEUE_ENTRY entry, BOOLEAN sorted)
{
    PLIST_ENTRY head = &queue->DeviceListHead;
    PLIST_ENTRY before = head; /* the entry goes in front of this one (head = at the tail) */
    if (sorted && !IsListEmpty(head) && ke_dq_entry(head->Blink)->SortKey > entry->SortKey) {
        before = head->Flink;
        while (before != head && ke_dq_entry(before)->SortKey <= entry->SortKey)
            before = before->Flink;
    }
    InsertTailList(before, &entry->DeviceListEntry);
    entry->Inserted = TRUE;
}

static BOOLEAN ke_dq_insert(PKDEVICE_QUEUE queue, PKDEVICE_QUEUE_ENTRY entry, BOOLEAN sorted, ULONG key,
                            const char *ddi)
{
    if (!ke_dq_valid(queue, ddi))
        return FALSE;
    if (entry == NULL) {
        rp_finding("INVALID_PARAMETER", STATUS_INVALID_PARAMETER, NULL, NULL, "%s(%p, NULL entry)", ddi, (void *)queue);
        return FALSE;
    }
    KIRQL previous = ke_dq_enter_dispatch(ddi, queue);
    KeAcquireSpinLockAtDpcLevel(&queue->Lock);
    BOOLEAN queued;
    if (!queue->Busy) {
        if (sorted)
            entry->SortKey = key;
        queue->Busy = TRUE;
        entry->Inserted = FALSE;
        queued = FALSE;
    } else {
        /* An entry already on this queue would be linked twice and corrupt it.  Drivers need
         * not initialise an entry before inserting it, so its Inserted flag proves nothing:
         * look for the entry itself (addresses only). */
        BOOLEAN already = FALSE;
        for (PLIST_ENTRY link = queue->DeviceListHead.Flink; link != &queue->DeviceListHead; link = link->Flink) {
            if (link == &entry->DeviceListEntry) {
                already = TRUE;
                break;
            }
        }
        if (already) {
            rp_finding("DEVICE_QUEUE_ENTRY_INSERTED_TWICE", STATUS_INVALID_PARAMETER, NULL, NULL,
                       "%s(%p, %p): the entry is already in this device queue", ddi, (void *)queue, (void *)entry);
        } else {
            if (sorted)
                entry->SortKey = key;
            ke_dq_link(queue, entry, sorted);
        }
        queued = TRUE;
    }
    KeReleaseSpinLockFromDpcLevel(&queue->Lock);
    ke_dq_leave_dispatch(previous);
    if (queued) {
        EV_EMIT(.kind = EV_DEVICE_QUEUE_INSERT, .driver = ke_current_driver(), .queue = queue, .entry = entry,
                .text = ddi, .text_static = TRUE);
    }
    return queued;
}

NTKERNELAPI BOOLEAN NTAPI KeInsertDeviceQueue(PKDEVICE_QUEUE DeviceQueue, PKDEVICE_QUEUE_ENTRY DeviceQueueEntry)
{
    return ke_dq_insert(DeviceQueue, DeviceQueueEntry, FALSE, 0, "KeInsertDeviceQueue");
}

NTKERNELAPI BOOLEAN NTAPI KeInsertByKeyDeviceQueue(PKDEVICE_QUEUE DeviceQueue, PKDEVICE_QUEUE_ENTRY DeviceQueueEntry,
                                                   ULONG SortKey)
{
    return ke_dq_insert(DeviceQueue, DeviceQueueEntry, TRUE, SortKey, "KeInsertByKeyDeviceQueue");
}

static void ke_dq_removed(PKDEVICE_QUEUE queue, PKDEVICE_QUEUE_ENTRY entry, const char *ddi)
{
    EV_EMIT(.kind = EV_DEVICE_QUEUE_REMOVE, .driver = ke_current_driver(), .queue = queue, .entry = entry,
            .text = ddi, .text_static = TRUE);
}

typedef enum ke_dq_pick {
    KE_DQ_HEAD,    /* the first entry */
    KE_DQ_BY_KEY,  /* the first entry with SortKey >= key, else the first entry */
} ke_dq_pick;

/* The removal the three remove routines share.  if_busy: a queue that is not busy is left as
 * it is and gives NULL, without a report. */
static PKDEVICE_QUEUE_ENTRY ke_dq_remove(PKDEVICE_QUEUE queue, ke_dq_pick pick, ULONG key, BOOLEAN if_busy,
                                         const char *ddi)
{
    if (!ke_dq_valid(queue, ddi))
        return NULL;
    KIRQL previous = ke_dq_enter_dispatch(ddi, queue);
    KeAcquireSpinLockAtDpcLevel(&queue->Lock);
    PKDEVICE_QUEUE_ENTRY found = NULL;
    PLIST_ENTRY head = &queue->DeviceListHead;
    if (!queue->Busy && if_busy) {
        /* nothing to do: an idle queue has nothing to hand out */
    } else {
        if (!queue->Busy) {
            rp_finding("DEVICE_QUEUE_NOT_BUSY", STATUS_SUCCESS, NULL, NULL,
                       "%s(%p) on a device queue that is not busy (bug check 0x2, DEVICE_QUEUE_NOT_BUSY): "
                       "only the owner of the busy state may remove entries", ddi, (void *)queue);
        }
        if (IsListEmpty(head)) {
            queue->Busy = FALSE;
        } else {
            PLIST_ENTRY link = head->Flink;
            if (pick == KE_DQ_BY_KEY) {
                PLIST_ENTRY scan = head->Flink;
                while (scan != head && ke_dq_entry(scan)->SortKey < key)
                    scan = scan->Flink;
                if (scan != head)
                    link = scan; /* else: no entry has a key >= key, wrap to the first */
            }
            RemoveEntryList(link);
            found = ke_dq_entry(link);
            found->Inserted = FALSE;
        }
    }
    KeReleaseSpinLockFromDpcLevel(&queue->Lock);
    ke_dq_leave_dispatch(previous);
    if (found != NULL)
        ke_dq_removed(queue, found, ddi);
    return found;
}

NTKERNELAPI PKDEVICE_QUEUE_ENTRY NTAPI KeRemoveDeviceQueue(PKDEVICE_QUEUE DeviceQueue)
{
    return ke_dq_remove(DeviceQueue, KE_DQ_HEAD, 0, FALSE, "KeRemoveDeviceQueue");
}

NTKERNELAPI PKDEVICE_QUEUE_ENTRY NTAPI KeRemoveByKeyDeviceQueue(PKDEVICE_QUEUE DeviceQueue, ULONG SortKey)
{
    return ke_dq_remove(DeviceQueue, KE_DQ_BY_KEY, SortKey, FALSE, "KeRemoveByKeyDeviceQueue");
}

NTKERNELAPI PKDEVICE_QUEUE_ENTRY NTAPI KeRemoveByKeyDeviceQueueIfBusy(PKDEVICE_QUEUE DeviceQueue, ULONG SortKey)
{
    return ke_dq_remove(DeviceQueue, KE_DQ_BY_KEY, SortKey, TRUE, "KeRemoveByKeyDeviceQueueIfBusy");
}

NTKERNELAPI BOOLEAN NTAPI KeRemoveEntryDeviceQueue(PKDEVICE_QUEUE DeviceQueue, PKDEVICE_QUEUE_ENTRY DeviceQueueEntry)
{
    if (!ke_dq_valid(DeviceQueue, "KeRemoveEntryDeviceQueue") || DeviceQueueEntry == NULL)
        return FALSE;
    KIRQL irql = KeGetCurrentIrql();
    if (irql > DISPATCH_LEVEL) {
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
                   "KeRemoveEntryDeviceQueue(%p) at IRQL %u (must be <= DISPATCH_LEVEL)", (void *)DeviceQueue, irql);
    }
    /* The routine raises to DISPATCH_LEVEL itself and takes the queue's lock. */
    KIRQL previous = irql < DISPATCH_LEVEL ? KfRaiseIrql(DISPATCH_LEVEL) : 0xFF;
    KeAcquireSpinLockAtDpcLevel(&DeviceQueue->Lock);
    BOOLEAN was = DeviceQueueEntry->Inserted;
    if (was) {
        RemoveEntryList(&DeviceQueueEntry->DeviceListEntry);
        DeviceQueueEntry->Inserted = FALSE;
    }
    KeReleaseSpinLockFromDpcLevel(&DeviceQueue->Lock);
    if (previous != 0xFF)
        KeLowerIrql(previous);
    if (was)
        ke_dq_removed(DeviceQueue, DeviceQueueEntry, "KeRemoveEntryDeviceQueue");
    return was;
}
