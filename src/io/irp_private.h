/* io/irp_private.h: the hidden header in front of every IRP that IoAllocateIrp hands out: its
 * state (idle, in flight, completed, freed), which stack locations the driver marked pending,
 * who owns the final stage, and how it was built.  Freed IRPs stay in the freeing thread's
 * quarantine for a while (then go to a free list) so that a late IoCompleteRequest, IoCancelIrp
 * or IoCallDriver on one is reported precisely.  IRPs a driver lays out itself with
 * IoInitializeIrp have no header. */
#ifndef WDMEMU_IO_IRP_PRIVATE_H
#define WDMEMU_IO_IRP_PRIVATE_H

#include "io/io.h"
#include "platform/atomic.h"

#define IO_IRP_MAGIC 0x49525021u /* "IRP!" */

typedef enum io_irp_state { IO_IRP_IDLE, IO_IRP_IN_FLIGHT, IO_IRP_COMPLETED, IO_IRP_FREED } io_irp_state;

/* How the IRP was built: the final stage of a built IRP belongs to the I/O manager. */
typedef enum io_irp_builder {
    IO_BUILT_BY_DRIVER,     /* IoAllocateIrp: the driver's completion routine owns the end */
    IO_BUILT_DEVICE_CONTROL,
    IO_BUILT_SYNCHRONOUS_FSD,
    IO_BUILT_ASYNCHRONOUS_FSD,
    IO_BUILT_ASSOCIATED
} io_irp_builder;

/* 80 bytes: with an IRP of one stack location, 360 (6a: memory per pending IRP). */
typedef struct io_irp_header {
    uint32_t magic;
    uint8_t state;            /* io_irp_state */
    uint8_t builder;          /* io_irp_builder */
    uint16_t stack_size;      /* the block holds this many stack locations */
    uint32_t id;              /* 1, 2, ... since wdmemu_init: stable names for reports */
    ULONG user_output_length;
    uint64_t marked;          /* bit i: location i had SL_PENDING_RETURNED when the walk left it */
    uint64_t pending_unmarked;/* bit i: its dispatch returned STATUS_PENDING before marking it */
    io_final_fn final;
    union {
        void *final_context;              /* a live IRP's */
        struct io_irp_header *free_next;  /* a freed block's, on a free list */
    };
    PVOID user_output;        /* buffered output to copy back at the final stage */
    PDRIVER_OBJECT owner;     /* the driver that allocated it (NULL: host or I/O manager) */
    struct io_irp_header *prev, *next; /* every block held (io_irp_blocks), live or not */
} io_irp_header;

/* The state is read by IoCancelIrp while another thread may be completing the IRP. */
#define IO_IRP_STATE(h) ((io_irp_state)plat_atomic_load(&(h)->state, PLAT_ACQUIRE))
#define IO_IRP_SET_STATE(h, s) plat_atomic_store(&(h)->state, (uint8_t)(s), PLAT_RELEASE)

#define IO_IRP_HEADER_SIZE ((sizeof(io_irp_header) + 15) & ~(size_t)15)

/* The header of an IRP from IoAllocateIrp, or NULL for any other IRP (asked on every step of
 * a request, so inline). */
static inline io_irp_header *io_irp_header_of(PIRP irp)
{
    if (irp == NULL || !(irp->AllocationFlags & IRP_ALLOCATED_FIXED_SIZE))
        return NULL;
    io_irp_header *header = (io_irp_header *)((char *)irp - IO_IRP_HEADER_SIZE);
    return header->magic == IO_IRP_MAGIC ? header : NULL;
}

/* The final stage of IRPs built by IoBuild*Request and IoMakeAssociatedIrp (build.c). */
void io_build_final(PIRP irp, io_irp_header *header);

/* IoBuildDeviceIoControlRequest and the FSD builders with the requester's processor mode (the
 * front end builds UserMode requests with them). */
PIRP io_build_device_control(ULONG code, PDEVICE_OBJECT device, PVOID in, ULONG in_length, PVOID out,
                             ULONG out_length, BOOLEAN internal, PKEVENT event, PIO_STATUS_BLOCK iosb,
                             KPROCESSOR_MODE mode);
PIRP io_build_fsd(const char *ddi, io_irp_builder builder, ULONG major, PDEVICE_OBJECT device, PVOID buffer,
                  ULONG length, PLARGE_INTEGER offset, PKEVENT event, PIO_STATUS_BLOCK iosb, KPROCESSOR_MODE mode);

/* Every IRP block, live, quarantined or free, goes back to the heap at wdmemu_shutdown. */
void io_irp_shutdown(void);

/* Reports every IRP the driver allocated and never freed (LEAKED_IRP); returns how many. */
size_t io_irp_reclaim_driver(PDRIVER_OBJECT driver, const char *display, const char *when);

#endif /* WDMEMU_IO_IRP_PRIVATE_H */
