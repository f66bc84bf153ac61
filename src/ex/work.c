/* ex/work.c: work items: IoAllocateWorkItem / IoQueueWorkItem(Ex) / IoFreeWorkItem,
 * IoInitializeWorkItem / IoUninitializeWorkItem / IoSizeofWorkItem, and ExQueueWorkItem.  A
 * queued item keeps its device referenced until it has run; items run at PASSIVE_LEVEL on a
 * worker thread, picked by the scheduler like any other deferred work. */
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/report.h"
#include "io/io.h"
#include "ke/ke.h"
#include "ob/ob.h"

#define EX_WORKITEM_MAGIC 0x576B4974u /* "WkIt" */

struct _IO_WORKITEM {
    uint32_t magic;
    BOOLEAN queued;
    BOOLEAN ex_routine;
    BOOLEAN caller_memory;  /* IoInitializeWorkItem on the driver's memory */
    PVOID io_object;        /* device or driver object */
    PIO_WORKITEM_ROUTINE routine;
    PIO_WORKITEM_ROUTINE_EX routine_ex;
    PVOID context;
    PDRIVER_OBJECT driver;
};

typedef struct ex_queued {
    BOOLEAN io;             /* IO_WORKITEM or WORK_QUEUE_ITEM */
    void *item;
    PDRIVER_OBJECT driver;
} ex_queued;

static ex_queued *ex_queue;
static size_t ex_queue_used, ex_queue_capacity;

size_t ke_work_count(void)
{
    return ex_queue_used;
}

void *ke_work_take(size_t choice)
{
    if (choice >= ex_queue_used)
        return NULL;
    ex_queued *taken = malloc(sizeof(*taken));
    if (taken == NULL)
        return NULL;
    *taken = ex_queue[choice];
    memmove(&ex_queue[choice], &ex_queue[choice + 1], (ex_queue_used - choice - 1) * sizeof(ex_queued));
    ex_queue_used--;
    return taken;
}

/* Runs a taken item as driver code at PASSIVE_LEVEL (ke_lock not held). */
void ke_work_run(void *taken_item)
{
    ex_queued taken = *(ex_queued *)taken_item;
    free(taken_item);
    ke_thread *self = ke_self();
    PDRIVER_OBJECT previous = ke_enter_driver(taken.driver);
    EV_EMIT(.kind = EV_WORK_ITEM, .driver = taken.driver);
    if (taken.io) {
        PIO_WORKITEM item = taken.item;
        PVOID object = item->io_object;
        item->queued = FALSE;
        if (item->ex_routine)
            item->routine_ex(object, item->context, item);
        else
            item->routine((PDEVICE_OBJECT)object, item->context);
        ob_dereference(object);
    } else {
        PWORK_QUEUE_ITEM item = taken.item;
        item->List.Flink = NULL;
        item->WorkerRoutine(item->Parameter);
    }
    if (self->irql != PASSIVE_LEVEL) {
        rp_finding("IRQL_MISMATCH", STATUS_SUCCESS, NULL, NULL,
                   "a work item routine returned at IRQL %u; work items must return at PASSIVE_LEVEL", self->irql);
        self->irql = PASSIVE_LEVEL;
    }
    ke_leave_driver(previous);
}

static BOOLEAN ex_enqueue(BOOLEAN io, void *item)
{
    ke_lock();
    if (ex_queue_used == ex_queue_capacity) {
        size_t capacity = ex_queue_capacity ? ex_queue_capacity * 2 : 16;
        ex_queued *grown = realloc(ex_queue, capacity * sizeof(ex_queued));
        if (grown == NULL) {
            ke_unlock();
            return FALSE;
        }
        ex_queue = grown;
        ex_queue_capacity = capacity;
    }
    ex_queue[ex_queue_used++] = (ex_queued){io, item, ke_current_driver()};
    ke_signal_changed();
    ke_unlock();
    return TRUE;
}

static BOOLEAN ex_check_item(PIO_WORKITEM item, const char *ddi)
{
    if (item == NULL || item->magic != EX_WORKITEM_MAGIC) {
        rp_finding("INVALID_WORK_ITEM", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p): not a work item from IoAllocateWorkItem/IoInitializeWorkItem", ddi, (void *)item);
        return FALSE;
    }
    return TRUE;
}

NTKERNELAPI ULONG NTAPI IoSizeofWorkItem(VOID)
{
    return sizeof(struct _IO_WORKITEM);
}

NTKERNELAPI VOID NTAPI IoInitializeWorkItem(PVOID IoObject, PIO_WORKITEM IoWorkItem)
{
    memset(IoWorkItem, 0, sizeof(*IoWorkItem));
    IoWorkItem->magic = EX_WORKITEM_MAGIC;
    IoWorkItem->io_object = IoObject;
    IoWorkItem->caller_memory = TRUE;
}

NTKERNELAPI VOID NTAPI IoUninitializeWorkItem(PIO_WORKITEM IoWorkItem)
{
    if (!ex_check_item(IoWorkItem, "IoUninitializeWorkItem"))
        return;
    if (IoWorkItem->queued)
        rp_finding("WORK_ITEM_FREED_WHILE_QUEUED", STATUS_SUCCESS, NULL, NULL,
                   "IoUninitializeWorkItem(%p) while the item is still queued", (void *)IoWorkItem);
    IoWorkItem->magic = 0;
}

NTKERNELAPI PIO_WORKITEM NTAPI IoAllocateWorkItem(PDEVICE_OBJECT DeviceObject)
{
    if (!io_is_device(DeviceObject)) {
        rp_finding("INVALID_DEVICE_OBJECT", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoAllocateWorkItem(%p): not a device object", (void *)DeviceObject);
        return NULL;
    }
    PIO_WORKITEM item = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(*item), 'kWoI');
    if (item == NULL)
        return NULL;
    IoInitializeWorkItem(DeviceObject, item);
    item->caller_memory = FALSE;
    return item;
}

NTKERNELAPI VOID NTAPI IoFreeWorkItem(PIO_WORKITEM IoWorkItem)
{
    if (!ex_check_item(IoWorkItem, "IoFreeWorkItem"))
        return;
    if (IoWorkItem->queued) {
        rp_finding("WORK_ITEM_FREED_WHILE_QUEUED", STATUS_SUCCESS, NULL, NULL,
                   "IoFreeWorkItem(%p) while the item is still queued; it is not freed", (void *)IoWorkItem);
        return;
    }
    IoWorkItem->magic = 0;
    ExFreePoolWithTag(IoWorkItem, 'kWoI');
}

static void ex_queue_io(PIO_WORKITEM item, PIO_WORKITEM_ROUTINE routine, PIO_WORKITEM_ROUTINE_EX routine_ex,
                        WORK_QUEUE_TYPE type, PVOID context, const char *ddi)
{
    (void)type;
    if (!ex_check_item(item, ddi))
        return;
    if (item->queued) {
        rp_finding("WORK_ITEM_QUEUED_TWICE", STATUS_SUCCESS, NULL, NULL,
                   "%s(%p): the item is already queued (a work item may be queued again only after it ran)", ddi,
                   (void *)item);
        return;
    }
    if (KeGetCurrentIrql() > DISPATCH_LEVEL)
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL, "%s at IRQL %u", ddi, KeGetCurrentIrql());
    item->routine = routine;
    item->routine_ex = routine_ex;
    item->ex_routine = routine_ex != NULL;
    item->context = context;
    item->queued = TRUE;
    ob_reference(item->io_object); /* the device stays while the item waits */
    if (!ex_enqueue(TRUE, item)) {
        item->queued = FALSE;
        ob_dereference(item->io_object);
    }
}

NTKERNELAPI VOID NTAPI IoQueueWorkItem(PIO_WORKITEM IoWorkItem, PIO_WORKITEM_ROUTINE WorkerRoutine,
                                       WORK_QUEUE_TYPE QueueType, PVOID Context)
{
    ex_queue_io(IoWorkItem, WorkerRoutine, NULL, QueueType, Context, "IoQueueWorkItem");
}

NTKERNELAPI VOID NTAPI IoQueueWorkItemEx(PIO_WORKITEM IoWorkItem, PIO_WORKITEM_ROUTINE_EX WorkerRoutine,
                                         WORK_QUEUE_TYPE QueueType, PVOID Context)
{
    ex_queue_io(IoWorkItem, NULL, WorkerRoutine, QueueType, Context, "IoQueueWorkItemEx");
}

NTKERNELAPI VOID NTAPI ExQueueWorkItem(PWORK_QUEUE_ITEM WorkItem, WORK_QUEUE_TYPE QueueType)
{
    (void)QueueType;
    if (WorkItem == NULL || WorkItem->WorkerRoutine == NULL) {
        rp_finding("INVALID_WORK_ITEM", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "ExQueueWorkItem(%p): not initialised with ExInitializeWorkItem", (void *)WorkItem);
        return;
    }
    ex_enqueue(FALSE, WorkItem);
}

void ex_work_shutdown(void)
{
    ke_lock();
    free(ex_queue);
    ex_queue = NULL;
    ex_queue_used = ex_queue_capacity = 0;
    ke_unlock();
}
