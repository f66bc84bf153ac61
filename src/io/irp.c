/* io/irp.c: IRP memory: IoAllocateIrp, IoInitializeIrp, IoReuseIrp, IoFreeIrp, with the field
 * values Windows sets (Type, Size, StackCount, CurrentLocation = StackCount + 1, the current
 * stack location one past the last one, AllocationFlags), the state kept in the hidden header,
 * the quarantine that lets late use of a freed IRP be reported, and the per-stack-size free
 * lists that IRPs leaving the quarantine go back to (the I/O manager's IRP lookaside lists). */
#include <stdlib.h>
#include <string.h>

#include "core/report.h"
#include "io/irp_private.h"
#include "ke/ke.h"
#include "platform/platform.h"

#define IO_IRP_HEADER_SIZE ((sizeof(io_irp_header) + 15) & ~(size_t)15)
#define IO_QUARANTINE 128
#define IO_FREE_MAX_STACK 16 /* IRPs with more stack locations are not recycled */
#define IO_FREE_MAX_DEPTH 256

/* Under AddressSanitizer freed IRPs go back to the C heap, so that ASan reports a driver that
 * touches one long after freeing it. */
#if defined(__SANITIZE_ADDRESS__)
#define IO_IRP_RECYCLE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IO_IRP_RECYCLE 0
#endif
#endif
#ifndef IO_IRP_RECYCLE
#define IO_IRP_RECYCLE 1
#endif

/* Everything below is guarded by io_irp_lock: held for a few instructions only. */
static plat_spinlock io_irp_lock;
static uint32_t io_irp_next_id;
static io_irp_header *io_live;
static io_irp_header *io_quarantine[IO_QUARANTINE];
static size_t io_quarantine_next;
static io_irp_header *io_free[IO_FREE_MAX_STACK + 1];
static unsigned io_free_depth[IO_FREE_MAX_STACK + 1];

/* Links a block into the live list and numbers it (lock held). */
static void io_irp_link_live(io_irp_header *header)
{
    header->id = ++io_irp_next_id;
    header->prev = NULL;
    header->next = io_live;
    if (io_live != NULL)
        io_live->prev = header;
    io_live = header;
}

/* Takes a block for an IRP with stack_size locations from its free list or the heap, with a
 * zeroed, numbered header, on the live list. One lock round trip on the common path. */
static io_irp_header *io_irp_take(unsigned stack_size, USHORT size)
{
    io_irp_header *header = NULL;
    if (stack_size <= IO_FREE_MAX_STACK) {
        plat_spin_lock(&io_irp_lock);
        header = io_free[stack_size];
        if (header != NULL) {
            io_free[stack_size] = header->next;
            io_free_depth[stack_size]--;
            io_irp_header saved = {.magic = IO_IRP_MAGIC, .stack_size = (uint16_t)stack_size};
            *header = saved;
            io_irp_link_live(header);
        }
        plat_spin_unlock(&io_irp_lock);
        if (header != NULL)
            return header;
    }
    header = calloc(1, IO_IRP_HEADER_SIZE + size);
    if (header == NULL)
        return NULL;
    header->magic = IO_IRP_MAGIC;
    header->stack_size = (uint16_t)stack_size;
    plat_spin_lock(&io_irp_lock);
    io_irp_link_live(header);
    plat_spin_unlock(&io_irp_lock);
    return header;
}

io_irp_header *io_irp_header_of(PIRP irp)
{
    if (irp == NULL || !(irp->AllocationFlags & IRP_ALLOCATED_FIXED_SIZE))
        return NULL;
    io_irp_header *header = (io_irp_header *)((char *)irp - IO_IRP_HEADER_SIZE);
    return header->magic == IO_IRP_MAGIC ? header : NULL;
}

/* The header of a live IoAllocateIrp IRP at this address, found by address alone: the memory
 * handed to IoInitializeIrp is usually not initialised yet, so its fields mean nothing. */
static io_irp_header *io_irp_live_at(PIRP irp)
{
    io_irp_header *found = NULL;
    plat_spin_lock(&io_irp_lock);
    for (io_irp_header *h = io_live; h != NULL; h = h->next) {
        if ((PIRP)((char *)h + IO_IRP_HEADER_SIZE) == irp) {
            found = h;
            break;
        }
    }
    plat_spin_unlock(&io_irp_lock);
    return found;
}

/* The fields Windows sets in a new IRP (everything else zero). */
static void io_irp_init_fields(PIRP Irp, USHORT PacketSize, CCHAR StackSize)
{
    memset(Irp, 0, PacketSize);
    Irp->Type = IO_TYPE_IRP;
    Irp->Size = PacketSize;
    Irp->StackCount = StackSize;
    Irp->CurrentLocation = (CHAR)(StackSize + 1);
    Irp->ApcEnvironment = 0;
    InitializeListHead(&Irp->ThreadListEntry);
    Irp->Tail.Overlay.CurrentStackLocation = (PIO_STACK_LOCATION)(Irp + 1) + StackSize;
}

NTKERNELAPI VOID NTAPI IoInitializeIrp(PIRP Irp, USHORT PacketSize, CCHAR StackSize)
{
    io_irp_header *header = io_irp_live_at(Irp);
    if (header != NULL)
        rp_finding("INITIALIZE_ALLOCATED_IRP", STATUS_SUCCESS, NULL, NULL,
                   "IoInitializeIrp on IRP %u from IoAllocateIrp: use IoReuseIrp (Driver Verifier 0xC9/0x20D)",
                   (unsigned)header->id);
    io_irp_init_fields(Irp, PacketSize, StackSize);
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
    io_irp_header *header = io_irp_take((unsigned)StackSize, size);
    if (header == NULL)
        return NULL;
    PIRP irp = (PIRP)((char *)header + IO_IRP_HEADER_SIZE);
    io_irp_init_fields(irp, size, StackSize);
    header->owner = ke_current_driver();
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
    io_irp_init_fields(Irp, Irp->Size, Irp->StackCount);
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
    plat_spin_lock(&io_irp_lock);
    if (header->prev != NULL)
        header->prev->next = header->next;
    else if (io_live == header)
        io_live = header->next;
    if (header->next != NULL)
        header->next->prev = header->prev;
    header->prev = header->next = NULL;
    /* The oldest quarantined block leaves: to its free list, or back to the heap. */
    io_irp_header *evicted = io_quarantine[io_quarantine_next];
    io_quarantine[io_quarantine_next] = header;
    io_quarantine_next = (io_quarantine_next + 1) % IO_QUARANTINE;
    if (evicted != NULL) {
        evicted->magic = 0;
        unsigned stack_size = evicted->stack_size;
        if (IO_IRP_RECYCLE && stack_size <= IO_FREE_MAX_STACK && io_free_depth[stack_size] < IO_FREE_MAX_DEPTH) {
            evicted->next = io_free[stack_size];
            io_free[stack_size] = evicted;
            io_free_depth[stack_size]++;
            evicted = NULL;
        }
    }
    plat_spin_unlock(&io_irp_lock);
    free(evicted);
}

size_t io_irp_reclaim_driver(PDRIVER_OBJECT driver, const char *display, const char *when)
{
    size_t leaked = 0;
    for (;;) {
        plat_spin_lock(&io_irp_lock);
        io_irp_header *h = io_live;
        while (h != NULL && h->owner != driver)
            h = h->next;
        plat_spin_unlock(&io_irp_lock);
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
    plat_spin_lock(&io_irp_lock);
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
    for (size_t i = 0; i <= IO_FREE_MAX_STACK; i++) {
        while (io_free[i] != NULL) {
            io_irp_header *next = io_free[i]->next;
            free(io_free[i]);
            io_free[i] = next;
        }
        io_free_depth[i] = 0;
    }
    io_quarantine_next = 0;
    io_irp_next_id = 0;
    plat_spin_unlock(&io_irp_lock);
}
