/* io/irp_private.h: the hidden header in front of every IRP that IoAllocateIrp hands out:
 * who owns the final stage, and whether the IRP is in flight.  IRPs that a driver lays out
 * itself with IoInitializeIrp have no such header. */
#ifndef WDMEMU_IO_IRP_PRIVATE_H
#define WDMEMU_IO_IRP_PRIVATE_H

#include "io/io.h"

#define IO_IRP_MAGIC 0x49525021u /* "IRP!" */

typedef struct io_irp_header {
    uint32_t magic;
    uint32_t completions; /* IoCompleteRequest calls that ran the walk to its end */
    io_final_fn final;
    void *final_context;
    uint64_t pad;
} io_irp_header;

/* The header of an IRP from IoAllocateIrp, or NULL for any other IRP. */
io_irp_header *io_irp_header_of(PIRP irp);

#endif /* WDMEMU_IO_IRP_PRIVATE_H */
