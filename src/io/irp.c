/* io/irp.c: IRP memory: IoAllocateIrp, IoInitializeIrp, IoReuseIrp, IoFreeIrp, with the field
 * values Windows sets (Type, Size, StackCount, CurrentLocation = StackCount + 1, the current
 * stack location one past the last one, AllocationFlags). */
#include <stdlib.h>
#include <string.h>

#include "core/report.h"
#include "io/irp_private.h"

#define IO_IRP_HEADER_SIZE ((sizeof(io_irp_header) + 15) & ~(size_t)15)

/* Live IRPs from IoAllocateIrp are recognised by the magic in their header; the registry of
 * objects is not used for IRPs because they are allocated on every request. */
io_irp_header *io_irp_header_of(PIRP irp)
{
    if (irp == NULL || !(irp->AllocationFlags & IRP_ALLOCATED_FIXED_SIZE))
        return NULL;
    io_irp_header *header = (io_irp_header *)((char *)irp - IO_IRP_HEADER_SIZE);
    return header->magic == IO_IRP_MAGIC ? header : NULL;
}

NTKERNELAPI VOID NTAPI IoInitializeIrp(PIRP Irp, USHORT PacketSize, CCHAR StackSize)
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
    header->magic = IO_IRP_MAGIC;
    PIRP irp = (PIRP)(block + IO_IRP_HEADER_SIZE);
    IoInitializeIrp(irp, size, StackSize);
    irp->AllocationFlags = IRP_ALLOCATED_FIXED_SIZE;
    if (ChargeQuota)
        irp->AllocationFlags |= IRP_LOOKASIDE_ALLOCATION;
    return irp;
}

NTKERNELAPI PIRP NTAPI IoAllocateIrpEx(PDEVICE_OBJECT DeviceObject, CCHAR StackSize, BOOLEAN ChargeQuota)
{
    (void)DeviceObject;
    return IoAllocateIrp(StackSize, ChargeQuota);
}

NTKERNELAPI VOID NTAPI IoReuseIrp(PIRP Irp, NTSTATUS Iostatus)
{
    UCHAR flags = Irp->AllocationFlags;
    IoInitializeIrp(Irp, Irp->Size, Irp->StackCount);
    Irp->AllocationFlags = flags;
    Irp->IoStatus.Status = Iostatus;
}

NTKERNELAPI VOID NTAPI IoFreeIrp(PIRP Irp)
{
    if (Irp == NULL || Irp->Type != IO_TYPE_IRP) {
        rp_finding("FREE_IRP_NOT_AN_IRP", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoFreeIrp(%p): not an IRP (Driver Verifier 0xC9/0x01)", (void *)Irp);
        return;
    }
    io_irp_header *header = io_irp_header_of(Irp);
    if (header == NULL) {
        rp_finding("FREE_IRP_NOT_ALLOCATED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoFreeIrp(%p): the IRP was not allocated by IoAllocateIrp", (void *)Irp);
        return;
    }
    header->magic = 0;
    Irp->Type = 0;
    free(header);
}
