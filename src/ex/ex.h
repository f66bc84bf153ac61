/* ex/ex.h: the executive's internal interface: pool accounting the rest of wdmemu uses (unload
 * reclaim, shutdown) and the helpers the lookaside lists share with the pool. */
#ifndef WDMEMU_EX_EX_H
#define WDMEMU_EX_EX_H

#include <stddef.h>

#include <wdmemu/wdmemu.h>

#include "ke/ke.h"

/* The three kinds of pool a block can come from. */
typedef enum ex_pool_kind {
    EX_POOL_NONPAGED,    /* NonPagedPool, POOL_FLAG_NON_PAGED_EXECUTE */
    EX_POOL_NONPAGED_NX, /* NonPagedPoolNx, POOL_FLAG_NON_PAGED */
    EX_POOL_PAGED        /* PagedPool and its variants, POOL_FLAG_PAGED */
} ex_pool_kind;

/* Frees every pool block still allocated, forgets all usage counters, switches the
 * low-resources simulation off and forgets every lookaside list. */
void ex_pool_shutdown(void);

/* Forgets queued work items. */
void ex_work_shutdown(void);

/* Reports every pool block the driver allocated and still owns as a POOL_LEAK_AT_UNLOAD finding
 * naming its tag, size and `when` (e.g. "after DriverUnload"): one finding per block for the
 * first 20, then one summary with the totals.  Frees the blocks and returns how many there were.
 * display is the driver's display name ("\Driver\x") used in the findings.  Lookaside lists the
 * driver never deleted are forgotten (their cached entries are among the blocks). */
size_t ex_pool_reclaim_driver(PDRIVER_OBJECT driver, const char *display, const char *when);

/* ---- shared with the lookaside lists ---------------------------------------------------------- */

/* Allocation and free on behalf of another DDI (named in findings and messages), without the
 * IRQL check, which that DDI has already made.  The type's POOL_RAISE_IF_ALLOCATION_FAILURE bit
 * makes a failed allocation raise STATUS_INSUFFICIENT_RESOURCES. */
PVOID ex_pool_allocate_for(const char *ddi, POOL_TYPE type, SIZE_T bytes, ULONG tag);
void ex_pool_free_for(const char *ddi, PVOID p);

/* A NonPagedPoolNx block (ExAllocatePoolWithTag's checks and accounting) for a caller that
 * writes all of it before anybody reads it: the I/O manager's system buffers.  Such blocks stay
 * registered when freed and are kept by the freeing thread for the next allocation of the same
 * size (a freed one is still no block: a second free, or ex_pool_is_block, sees that), which
 * saves the C heap and the registry's hash insertion and removal on every buffered request.
 * Under AddressSanitizer it is ExAllocatePoolWithTag. */
PVOID ex_pool_allocate_buffer(const char *ddi, SIZE_T bytes, ULONG tag);

/* Whether p is the start of a live pool block. */
BOOLEAN ex_pool_is_block(PVOID p);

/* Reports IRQL_POOL_ACCESS when the current IRQL is above what the kind of pool allows
 * (APC_LEVEL for paged pool, DISPATCH_LEVEL for any); returns FALSE then. */
BOOLEAN ex_pool_irql_violation(const char *ddi, ex_pool_kind kind, ULONG tag, BOOLEAN freeing);
static inline BOOLEAN ex_pool_check_irql(const char *ddi, ex_pool_kind kind, ULONG tag, BOOLEAN freeing)
{
    if (PLAT_LIKELY(ke_self()->irql <= (kind == EX_POOL_PAGED ? APC_LEVEL : DISPATCH_LEVEL)))
        return TRUE;
    return ex_pool_irql_violation(ddi, kind, tag, freeing);
}

ex_pool_kind ex_pool_kind_of_type(POOL_TYPE type);
const char *ex_pool_kind_name(ex_pool_kind kind);

/* A pool tag as four printable characters ('.' for others). */
const char *ex_tag_text(ULONG tag, char text[5]);

/* Lookaside lists (ex/lookaside.c): forget every list (at shutdown; cached entries are pool
 * blocks or the driver's own memory and are not touched), or the lists of one driver that is
 * being unloaded without having deleted them. */
void ex_lookaside_shutdown(void);
void ex_lookaside_forget_driver(PDRIVER_OBJECT driver);

#endif /* WDMEMU_EX_EX_H */
