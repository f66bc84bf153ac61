/* io/irp.c: IRP memory: IoAllocateIrp, IoInitializeIrp, IoReuseIrp, IoFreeIrp, with the field
 * values Windows sets (Type, Size, StackCount, CurrentLocation = StackCount + 1, the current
 * stack location one past the last one, AllocationFlags), the state kept in the hidden header,
 * and the quarantine that lets late use of a freed IRP be reported. */
#include <stdlib.h>
#include <string.h>

#include "core/report.h"
#include "io/irp_private.h"
#include "ke/ke.h"

#define IO_IRP_HEADER_SIZE ((sizeof(io_irp_header) + 15) & ~(size_t)15)
#define IO_QUARANTINE 128

static volatile LONG io_irp_next_id;
static io_irp_header *io_live;
static io_irp_header *io_quarantine[IO_QUARANTINE];
static size_t io_quarantine_next;
static uv_mutex_t io_quarantine_lock;
static uv_once_t io_quarantine_once = UV_ONCE_INIT;

static void io_quarantine_init(void)
{
    uv_mutex_init(&io_quarantine_lock);
}

io_irp_header *io_irp_header_of(PIRP irp)
{
    if (irp == NULL || !(irp->AllocationFlags & IRP_ALLOCATED_FIXED_SIZE))
        return NULL;
    io_irp_header *header = (io_irp_header *)((char *)irp - IO_IRP_HEADER_SIZE);
    return header->magic == IO_IRP_MAGIC ? header : NULL;
}

NTKERNELAPI VOID NTAPI IoInitializeIrp(PIRP Irp, USHORT PacketSize, CCHAR StackSize)
{
    io_irp_header *header = io_irp_header_of(Irp);
    if (header != NULL && IO_IRP_STATE(header) != IO_IRP_FREED)
        rp_finding("INITIALIZE_ALLOCATED_IRP", STATUS_SUCCESS, NULL, NULL,
                   "IoInitializeIrp on IRP %u from IoAllocateIrp: use IoReuseIrp (Driver Verifier 0xC9/0x20D)",
                   (unsigned)header->id);
    memset(Irp, 0, PacketSize);
    Irp->Type = IO_TYPE_IRP;
    Irp->Size = PacketSize;
    Irp->StackCount = StackSize;
    Irp->CurrentLocation = (CHAR)(StackSize + 1);
    Irp->ApcEnvironment = 0;
    InitializeListHead(&Irp->ThreadListEntry);
    Irp->Tail.Overlay.CurrentStackLocation = (PIO_STACK_LOCATION)(Irp + 1) + StackSize;
}

static void io_irp_reset_header(io_irp_header *header)
{
    IO_IRP_SET_STATE(header, IO_IRP_IDLE);
    header->marked = 0;
    header->pending_unmarked = 0;
    header->final = NULL;
    header->final_context = NULL;
    header->user_output = NULL;
    header->user_output_length = 0;
}

NTKERNELAPI PIRP NTAPI IoAllocateIrp(CCHAR StackSize, BOOLEAN ChargeQuota)
{
    if (StackSize < 1) {
        rp_finding("IRP_BAD_STACK_SIZE", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoAllocateIrp(StackSize=%d): an IRP needs at least one stack location", StackSize);
        return NULL;
    }
    USHORT size = IoSizeOfIrp(StackSize);
    char *block = calloc(1, IO_IRP_HEADER_SIZE + size);
    if (block == NULL)
        return NULL;
    io_irp_header *header = (io_irp_header *)block;
    PIRP irp = (PIRP)(block + IO_IRP_HEADER_SIZE);
    IoInitializeIrp(irp, size, StackSize);
    header->magic = IO_IRP_MAGIC;
    header->id = (uint32_t)InterlockedIncrement(&io_irp_next_id);
    io_irp_reset_header(header);
    header->owner = ke_current_driver();
    uv_once(&io_quarantine_once, io_quarantine_init);
    uv_mutex_lock(&io_quarantine_lock);
    header->next = io_live;
    if (io_live != NULL)
        io_live->prev = header;
    io_live = header;
    uv_mutex_unlock(&io_quarantine_lock);
    irp->AllocationFlags = IRP_ALLOCATED_FIXED_SIZE;
    if (ChargeQuota)
        irp->AllocationFlags |= IRP_LOOKASIDE_ALLOCATION;
    irp->Tail.Overlay.Thread = ke_self();
    return irp;
}

NTKERNELAPI PIRP NTAPI IoAllocateIrpEx(PDEVICE_OBJECT DeviceObject, CCHAR StackSize, BOOLEAN ChargeQuota)
{
    (void)DeviceObject;
    return IoAllocateIrp(StackSize, ChargeQuota);
}

NTKERNELAPI VOID NTAPI IoReuseIrp(PIRP Irp, NTSTATUS Iostatus)
{
    io_irp_header *header = io_irp_header_of(Irp);
    if (header != NULL && IO_IRP_STATE(header) == IO_IRP_IN_FLIGHT)
        rp_finding("REUSE_IRP_IN_FLIGHT", STATUS_SUCCESS, NULL, NULL,
                   "IoReuseIrp on IRP %u while it is still being processed", (unsigned)header->id);
    UCHAR flags = Irp->AllocationFlags;
    PETHREAD thread = Irp->Tail.Overlay.Thread;
    if (header != NULL)
        IO_IRP_SET_STATE(header, IO_IRP_FREED); /* silence IoInitializeIrp's check */
    IoInitializeIrp(Irp, Irp->Size, Irp->StackCount);
    Irp->AllocationFlags = flags;
    Irp->Tail.Overlay.Thread = thread;
    Irp->IoStatus.Status = Iostatus;
    if (header != NULL)
        io_irp_reset_header(header);
}

NTKERNELAPI VOID NTAPI IoFreeIrp(PIRP Irp)
{
    io_irp_header *header = io_irp_header_of(Irp);
    if (header != NULL && IO_IRP_STATE(header) == IO_IRP_FREED) {
        rp_finding("FREE_IRP_TWICE", STATUS_INVALID_PARAMETER, NULL, NULL, "IoFreeIrp on IRP %u, already freed",
                   (unsigned)header->id);
        return;
    }
    if (Irp == NULL || Irp->Type != IO_TYPE_IRP) {
        rp_finding("FREE_IRP_NOT_AN_IRP", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoFreeIrp(%p): not an IRP (Driver Verifier 0xC9/0x01)", (void *)Irp);
        return;
    }
    if (header == NULL) {
        rp_finding("FREE_IRP_NOT_ALLOCATED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoFreeIrp(%p): the IRP was not allocated by IoAllocateIrp", (void *)Irp);
        return;
    }
    if (IO_IRP_STATE(header) == IO_IRP_IN_FLIGHT) {
        rp_finding("FREE_IRP_IN_FLIGHT", STATUS_SUCCESS, NULL, NULL,
                   "IoFreeIrp on IRP %u while a driver still holds it (sent and not completed; Driver Verifier "
                   "0xC9/0x20A); it is not freed", (unsigned)header->id);
        return;
    }
    IO_IRP_SET_STATE(header, IO_IRP_FREED);
    Irp->Type = 0;
    uv_once(&io_quarantine_once, io_quarantine_init);
    uv_mutex_lock(&io_quarantine_lock);
    if (header->prev != NULL)
        header->prev->next = header->next;
    else if (io_live == header)
        io_live = header->next;
    if (header->next != NULL)
        header->next->prev = header->prev;
    header->prev = header->next = NULL;
    io_irp_header *evicted = io_quarantine[io_quarantine_next];
    io_quarantine[io_quarantine_next] = header;
    io_quarantine_next = (io_quarantine_next + 1) % IO_QUARANTINE;
    uv_mutex_unlock(&io_quarantine_lock);
    if (evicted != NULL) {
        evicted->magic = 0;
        free(evicted);
    }
}

size_t io_irp_reclaim_driver(PDRIVER_OBJECT driver, const char *display, const char *when)
{
    size_t leaked = 0;
    uv_once(&io_quarantine_once, io_quarantine_init);
    for (;;) {
        uv_mutex_lock(&io_quarantine_lock);
        io_irp_header *h = io_live;
        while (h != NULL && h->owner != driver)
            h = h->next;
        uv_mutex_unlock(&io_quarantine_lock);
        if (h == NULL)
            return leaked;
        PIRP irp = (PIRP)((char *)h + IO_IRP_HEADER_SIZE);
        rp_finding("LEAKED_IRP", STATUS_SUCCESS, display, NULL,
                   "%s %s: IRP %u (major 0x%02x) it allocated was never freed%s", display, when, (unsigned)h->id,
                   (unsigned)((PIO_STACK_LOCATION)(irp + 1))[irp->StackCount - 1].MajorFunction,
                   IO_IRP_STATE(h) == IO_IRP_IN_FLIGHT ? " and is still pending in a driver (Driver Verifier 0xCE)" : "");
        h->owner = NULL;
        IO_IRP_SET_STATE(h, IO_IRP_IDLE);
        irp->CancelRoutine = NULL;
        IoFreeIrp(irp);
        leaked++;
    }
}

void io_irp_shutdown(void)
{
    uv_once(&io_quarantine_once, io_quarantine_init);
    uv_mutex_lock(&io_quarantine_lock);
    while (io_live != NULL) {
        io_irp_header *next = io_live->next;
        io_live->magic = 0;
        free(io_live);
        io_live = next;
    }
    for (size_t i = 0; i < IO_QUARANTINE; i++) {
        if (io_quarantine[i] != NULL) {
            io_quarantine[i]->magic = 0;
            free(io_quarantine[i]);
            io_quarantine[i] = NULL;
        }
    }
    io_quarantine_next = 0;
    io_irp_next_id = 0;
    uv_mutex_unlock(&io_quarantine_lock);
}
