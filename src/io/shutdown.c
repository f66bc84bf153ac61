/* io/shutdown.c: shutdown notification: IoRegisterShutdownNotification,
 * IoRegisterLastChanceShutdownNotification, IoUnregisterShutdownNotification, and the host's
 * wdmemu_system_shutdown, which plays the system shutdown for them: every registered device
 * gets a synchronous IRP_MJ_SHUTDOWN, the most recently registered first, then the
 * last-chance devices the same way.  IoDeleteDevice unregisters a device itself, as on
 * Windows. */
#include <stdlib.h>

#include "core/report.h"
#include "io/io.h"
#include "ke/ke.h"

typedef struct io_shutdown_entry {
    struct io_shutdown_entry *next;
    PDEVICE_OBJECT device;
    BOOLEAN last_chance;
} io_shutdown_entry;

static io_shutdown_entry *io_shutdown_list; /* newest first */
static plat_mutex io_shutdown_lock;
static plat_once_flag io_shutdown_once = PLAT_ONCE_INIT;

static void io_shutdown_init(void)
{
    plat_mutex_init(&io_shutdown_lock);
}

static NTSTATUS io_shutdown_register(PDEVICE_OBJECT device, BOOLEAN last_chance, const char *ddi)
{
    if (!io_check_device(device, ddi))
        return STATUS_INVALID_PARAMETER;
    io_shutdown_entry *entry = calloc(1, sizeof(*entry));
    if (entry == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    entry->device = device;
    entry->last_chance = last_chance;
    plat_once(&io_shutdown_once, io_shutdown_init);
    plat_mutex_lock(&io_shutdown_lock);
    entry->next = io_shutdown_list;
    io_shutdown_list = entry;
    device->Flags |= DO_SHUTDOWN_REGISTERED;
    plat_mutex_unlock(&io_shutdown_lock);
    return STATUS_SUCCESS;
}

NTKERNELAPI NTSTATUS NTAPI IoRegisterShutdownNotification(PDEVICE_OBJECT DeviceObject)
{
    return io_shutdown_register(DeviceObject, FALSE, "IoRegisterShutdownNotification");
}

NTKERNELAPI NTSTATUS NTAPI IoRegisterLastChanceShutdownNotification(PDEVICE_OBJECT DeviceObject)
{
    return io_shutdown_register(DeviceObject, TRUE, "IoRegisterLastChanceShutdownNotification");
}

/* Removes every registration of device (no report: unregistering twice is harmless). */
void io_shutdown_forget(PDEVICE_OBJECT device)
{
    plat_once(&io_shutdown_once, io_shutdown_init);
    plat_mutex_lock(&io_shutdown_lock);
    for (io_shutdown_entry **link = &io_shutdown_list; *link != NULL;) {
        io_shutdown_entry *entry = *link;
        if (entry->device == device) {
            *link = entry->next;
            free(entry);
        } else {
            link = &entry->next;
        }
    }
    device->Flags &= ~DO_SHUTDOWN_REGISTERED;
    plat_mutex_unlock(&io_shutdown_lock);
}

NTKERNELAPI VOID NTAPI IoUnregisterShutdownNotification(PDEVICE_OBJECT DeviceObject)
{
    if (io_check_device(DeviceObject, "IoUnregisterShutdownNotification"))
        io_shutdown_forget(DeviceObject);
}

/* Takes the next device of the pass (newest first) off the list, with a reference. */
static PDEVICE_OBJECT io_shutdown_take(BOOLEAN last_chance)
{
    PDEVICE_OBJECT device = NULL;
    plat_mutex_lock(&io_shutdown_lock);
    for (io_shutdown_entry **link = &io_shutdown_list; *link != NULL; link = &(*link)->next) {
        io_shutdown_entry *entry = *link;
        if (entry->last_chance == last_chance) {
            *link = entry->next;
            device = entry->device;
            ObReferenceObject(device);
            free(entry);
            break;
        }
    }
    plat_mutex_unlock(&io_shutdown_lock);
    return device;
}

WDMEMU_API NTSTATUS wdmemu_system_shutdown(void)
{
    plat_once(&io_shutdown_once, io_shutdown_init);
    NTSTATUS result = STATUS_SUCCESS;
    for (int pass = 0; pass < 2; pass++) {
        PDEVICE_OBJECT device;
        while ((device = io_shutdown_take(pass == 1)) != NULL) {
            PIRP irp = IoAllocateIrp(device->StackSize, FALSE);
            if (irp == NULL) {
                result = rp_error(STATUS_INSUFFICIENT_RESOURCES, "wdmemu_system_shutdown: no memory for IRP_MJ_SHUTDOWN");
                ObDereferenceObject(device);
                continue;
            }
            IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_SHUTDOWN;
            NTSTATUS status = io_call_and_wait(device, irp, NULL);
            if (!NT_SUCCESS(status) && NT_SUCCESS(result))
                result = status;
            device->Flags &= ~DO_SHUTDOWN_REGISTERED;
            ObDereferenceObject(device);
        }
    }
    return result;
}

void io_shutdown_reset(void)
{
    plat_once(&io_shutdown_once, io_shutdown_init);
    plat_mutex_lock(&io_shutdown_lock);
    while (io_shutdown_list != NULL) {
        io_shutdown_entry *next = io_shutdown_list->next;
        free(io_shutdown_list);
        io_shutdown_list = next;
    }
    plat_mutex_unlock(&io_shutdown_lock);
}
