/* ex/resource.c: executive resources (ERESOURCE), the reader/writer locks of the kernel:
 * ExInitializeResourceLite, ExReinitializeResourceLite, ExDeleteResourceLite, the acquisitions
 * (ExAcquireResourceExclusiveLite, ExAcquireResourceSharedLite, ExAcquireSharedStarveExclusive,
 * ExAcquireSharedWaitForExclusive, the ExEnterCriticalRegionAndAcquire* forms), the releases
 * (ExReleaseResourceLite, ExReleaseResourceForThreadLite, ExReleaseResourceAndLeaveCriticalRegion),
 * ExConvertExclusiveToSharedLite and the queries.
 *
 * The rules, as documented for the DDIs:
 *   - exclusive access is recursive; a thread that owns the resource exclusively may also acquire
 *     it shared, which counts as one more exclusive acquisition;
 *   - shared access is granted at once when the resource is free, or already shared and nobody
 *     waits for exclusive access, or the caller already owns it shared (ExAcquireSharedStarveExclusive
 *     ignores exclusive waiters altogether; ExAcquireSharedWaitForExclusive makes even a thread
 *     that already owns it shared wait behind them);
 *   - with Wait FALSE an acquisition that cannot be granted at once returns FALSE;
 *   - when the exclusive owner lets go, every shared waiter is granted access together, otherwise
 *     one exclusive waiter is; when the last shared owner lets go, one exclusive waiter is.
 *     Ownership is handed over by the releaser, so no newcomer can overtake a woken waiter.
 *
 * State lives in the driver's ERESOURCE the way Windows keeps it: Flag (ResourceOwnedExclusive),
 * ActiveCount (1 while owned), ActiveEntries (owners), OwnerEntry (the exclusive owner, or one
 * shared owner), OwnerTable (further shared owners; entry 0's TableSize is the table's length),
 * ContentionCount, NumberOfSharedWaiters, NumberOfExclusiveWaiters, guarded by the resource's own
 * SpinLock taken through the spin-lock DDIs.  Waiters block in KeWaitForSingleObject on a
 * KSEMAPHORE (SharedWaiters) and a synchronization KEVENT (ExclusiveWaiters) that sit, with the
 * first owner table, in one nonpaged pool block allocated by ExInitializeResourceLite and freed by
 * ExDeleteResourceLite; a resource that is never deleted therefore shows up as a pool leak when
 * its driver unloads.  Reserved2 marks an initialised resource.
 *
 * Findings: acquiring with APCs enabled (RESOURCE_NOT_IN_CRITICAL_REGION) or above APC_LEVEL
 * (IRQL_NOT_LESS_OR_EQUAL), releasing a resource the thread does not own (RESOURCE_NOT_OWNED),
 * deleting one that is owned or waited for (RESOURCE_DELETED_WHILE_HELD), asking for exclusive
 * access while owning it shared (RESOURCE_EXCLUSIVE_WHILE_SHARED, a self-deadlock on Windows;
 * here the call returns FALSE), and using a resource that was never initialised or was deleted
 * (RESOURCE_NOT_INITIALIZED). */
#include <stdio.h>
#include <string.h>

#include "core/report.h"
#include "ex/ex.h"
#include "ke/ke.h"

#define EX_RES_TAG 'sRxE'       /* "ExRs": the waiter objects and the first owner table */
#define EX_RES_TABLE_TAG 'tRxE' /* "ExRt": owner tables that outgrew the first one */
#define EX_RES_TABLE_INLINE 8   /* entries of the first table (entry 0 holds the size) */

/* OwnerEntry.OwnerThread while an exclusive hand-over waits for its new owner to run. */
#define EX_RES_OWNER_PENDING ((ERESOURCE_THREAD)1)

typedef struct ex_res_block {
    KSEMAPHORE shared;   /* first, so SharedWaiters points at the block */
    KEVENT exclusive;
    PERESOURCE resource; /* the resource this block belongs to */
    OWNER_ENTRY table[EX_RES_TABLE_INLINE];
} ex_res_block;

typedef enum ex_res_shared_kind {
    EX_SHARED_LITE,               /* ExAcquireResourceSharedLite */
    EX_SHARED_STARVE_EXCLUSIVE,   /* ExAcquireSharedStarveExclusive */
    EX_SHARED_WAIT_FOR_EXCLUSIVE  /* ExAcquireSharedWaitForExclusive */
} ex_res_shared_kind;

static PVOID ex_res_mark(PERESOURCE r)
{
    return (PVOID)((ULONG_PTR)r ^ (ULONG_PTR)0x5245534F55524345ULL);
}

static BOOLEAN ex_res_initialised(PERESOURCE r)
{
    return (BOOLEAN)(r != NULL && r->Reserved2 == ex_res_mark(r));
}

static ex_res_block *ex_res_block_of(PERESOURCE r)
{
    return (ex_res_block *)r->SharedWaiters;
}

static BOOLEAN ex_res_exclusive(PERESOURCE r)
{
    return (BOOLEAN)((r->Flag & ResourceOwnedExclusive) != 0);
}

static ULONG ex_res_table_size(PERESOURCE r)
{
    return r->OwnerTable != NULL ? r->OwnerTable[0].TableSize : 0;
}

/* Reports use of a resource that is not (or no longer) initialised; returns FALSE then. */
static BOOLEAN ex_res_check(PERESOURCE r, const char *ddi)
{
    if (ex_res_initialised(r))
        return TRUE;
    rp_finding("RESOURCE_NOT_INITIALIZED", STATUS_INVALID_PARAMETER, NULL, NULL,
               "%s(%p): not an initialised resource (call ExInitializeResourceLite first; a deleted resource "
               "must be initialised again before use)", ddi, (void *)r);
    return FALSE;
}

static void ex_res_check_irql(PERESOURCE r, const char *ddi, KIRQL max)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql > max) {
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
                   "%s(%p) at IRQL %u; the caller must be at or below %s", ddi, (void *)r, irql,
                   max == APC_LEVEL ? "APC_LEVEL" : "DISPATCH_LEVEL");
    }
}

static void ex_res_check_apcs(PERESOURCE r, const char *ddi)
{
    if (!KeAreApcsDisabled()) {
        rp_finding("RESOURCE_NOT_IN_CRITICAL_REGION", STATUS_SUCCESS, NULL, NULL,
                   "%s(%p) with normal kernel APCs enabled on thread %u: call KeEnterCriticalRegion before "
                   "acquiring a resource and leave the region only after releasing it", ddi, (void *)r,
                   (unsigned)ke_self()->id);
    }
}

/* The resource's spin lock, at any IRQL (raised to DISPATCH_LEVEL when below). */
static KIRQL ex_res_lock(PERESOURCE r)
{
    KIRQL old = KeGetCurrentIrql();
    if (old < DISPATCH_LEVEL)
        KeRaiseIrql(DISPATCH_LEVEL, &old);
    KeAcquireSpinLockAtDpcLevel(&r->SpinLock);
    return old;
}

static void ex_res_unlock(PERESOURCE r, KIRQL old)
{
    KeReleaseSpinLockFromDpcLevel(&r->SpinLock);
    if (old < DISPATCH_LEVEL)
        KeLowerIrql(old);
}

/* ---- owner bookkeeping (lock held) ------------------------------------------------------- */

/* The shared-owner entry of thread, or NULL. */
static POWNER_ENTRY ex_res_shared_entry(PERESOURCE r, ERESOURCE_THREAD thread)
{
    if (thread == 0 || ex_res_exclusive(r))
        return NULL;
    if (r->OwnerEntry.OwnerThread == thread)
        return &r->OwnerEntry;
    ULONG size = ex_res_table_size(r);
    for (ULONG i = 1; i < size; i++) {
        if (r->OwnerTable[i].OwnerThread == thread)
            return &r->OwnerTable[i];
    }
    return NULL;
}

/* Gives thread a new shared-owner entry with count 1, growing the owner table if need be.
 * Returns FALSE if the table could not grow (out of pool). */
static BOOLEAN ex_res_add_shared(PERESOURCE r, ERESOURCE_THREAD thread, const char *ddi)
{
    if (r->OwnerEntry.OwnerThread == 0) {
        r->OwnerEntry.OwnerThread = thread;
        r->OwnerEntry.OwnerCount = 1;
        return TRUE;
    }
    ULONG size = ex_res_table_size(r);
    for (ULONG i = 1; i < size; i++) {
        if (r->OwnerTable[i].OwnerThread == 0) {
            r->OwnerTable[i].OwnerThread = thread;
            r->OwnerTable[i].OwnerCount = 1;
            return TRUE;
        }
    }
    ex_res_block *block = ex_res_block_of(r);
    ULONG grown = size < EX_RES_TABLE_INLINE ? EX_RES_TABLE_INLINE : size * 2;
    POWNER_ENTRY table;
    if (block != NULL && r->OwnerTable == NULL) {
        table = block->table;
    } else {
        table = ex_pool_allocate_for(ddi, NonPagedPoolNx, grown * sizeof(OWNER_ENTRY), EX_RES_TABLE_TAG);
        if (table == NULL)
            return FALSE;
    }
    memset(table, 0, grown * sizeof(OWNER_ENTRY));
    if (size != 0)
        memcpy(&table[1], &r->OwnerTable[1], (size - 1) * sizeof(OWNER_ENTRY));
    table[0].TableSize = grown;
    POWNER_ENTRY previous = r->OwnerTable;
    r->OwnerTable = table;
    if (previous != NULL && (block == NULL || previous != block->table))
        ex_pool_free_for(ddi, previous);
    table[size == 0 ? 1 : size].OwnerThread = thread;
    table[size == 0 ? 1 : size].OwnerCount = 1;
    return TRUE;
}

/* Hands the resource, which nobody owns any more, to the waiters: all shared waiters if there
 * are any (prefer_shared) or else one exclusive waiter; returns what to wake. */
typedef struct ex_res_wake {
    LONG shared;    /* shared waiters to release from the semaphore */
    BOOLEAN exclusive;
} ex_res_wake;

static ex_res_wake ex_res_hand_over(PERESOURCE r, BOOLEAN prefer_shared)
{
    ex_res_wake wake = {0, FALSE};
    if (prefer_shared && r->NumberOfSharedWaiters > 0) {
        r->Flag &= (USHORT)~ResourceOwnedExclusive;
        wake.shared = (LONG)r->NumberOfSharedWaiters;
        r->ActiveEntries = r->NumberOfSharedWaiters; /* the waiters fill in their entries */
        r->NumberOfSharedWaiters = 0;
        r->ActiveCount = 1;
    } else if (r->NumberOfExclusiveWaiters > 0) {
        r->Flag |= ResourceOwnedExclusive;
        r->OwnerEntry.OwnerThread = EX_RES_OWNER_PENDING;
        r->OwnerEntry.OwnerCount = 1;
        r->ActiveEntries = 1;
        r->ActiveCount = 1;
        r->NumberOfExclusiveWaiters--;
        wake.exclusive = TRUE;
    } else if (r->NumberOfSharedWaiters > 0) {
        return ex_res_hand_over(r, TRUE);
    } else {
        r->Flag &= (USHORT)~ResourceOwnedExclusive;
        r->ActiveEntries = 0;
        r->ActiveCount = 0;
    }
    return wake;
}

static void ex_res_wake_up(PERESOURCE r, ex_res_wake wake)
{
    ex_res_block *block = ex_res_block_of(r);
    if (wake.shared > 0)
        KeReleaseSemaphore(&block->shared, IO_NO_INCREMENT, wake.shared, FALSE);
    if (wake.exclusive)
        KeSetEvent(&block->exclusive, IO_NO_INCREMENT, FALSE);
}

/* Allocates the waiter objects and the first owner table if the resource has none (its
 * initialisation ran out of pool).  Lock held.  Returns FALSE if it still cannot. */
static BOOLEAN ex_res_ensure_block(PERESOURCE r, const char *ddi)
{
    if (r->SharedWaiters != NULL)
        return TRUE;
    ex_res_block *block = ex_pool_allocate_for(ddi, NonPagedPoolNx, sizeof(ex_res_block), EX_RES_TAG);
    if (block == NULL)
        return FALSE;
    memset(block, 0, sizeof(*block));
    KeInitializeSemaphore(&block->shared, 0, MAXLONG);
    KeInitializeEvent(&block->exclusive, SynchronizationEvent, FALSE);
    block->resource = r;
    r->SharedWaiters = &block->shared;
    r->ExclusiveWaiters = &block->exclusive;
    if (r->OwnerTable != NULL) {
        /* Keep the grown table that already exists. */
        return TRUE;
    }
    block->table[0].TableSize = EX_RES_TABLE_INLINE;
    r->OwnerTable = block->table;
    return TRUE;
}

static DECLSPEC_NORETURN void ex_res_out_of_pool(const char *ddi, PERESOURCE r)
{
    rp_info("%s(%p): no pool left for the resource's waiter objects or owner table", ddi, (void *)r);
    ExRaiseStatus(STATUS_INSUFFICIENT_RESOURCES);
}

/* ---- initialisation and deletion ------------------------------------------------------------ */

NTKERNELAPI NTSTATUS NTAPI ExInitializeResourceLite(PERESOURCE Resource)
{
    ex_res_check_irql(Resource, "ExInitializeResourceLite", DISPATCH_LEVEL);
    memset(Resource, 0, sizeof(*Resource));
    InitializeListHead(&Resource->SystemResourcesList);
    KeInitializeSpinLock(&Resource->SpinLock);
    Resource->Reserved2 = ex_res_mark(Resource);
    KIRQL old = ex_res_lock(Resource);
    BOOLEAN have = ex_res_ensure_block(Resource, "ExInitializeResourceLite");
    ex_res_unlock(Resource, old);
    /* Without the block the resource still works until a thread has to wait; it is allocated
     * again then. */
    return have ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

/* Whether the resource is owned or waited for; reported as a deletion while held if so. */
static BOOLEAN ex_res_report_if_busy(PERESOURCE r, const char *ddi, const char *what, ULONG *waiters)
{
    KIRQL old = ex_res_lock(r);
    BOOLEAN exclusive = ex_res_exclusive(r);
    BOOLEAN owned = r->ActiveCount != 0;
    ULONG owners = r->ActiveEntries;
    ULONG shared_waiters = r->NumberOfSharedWaiters;
    ULONG exclusive_waiters = r->NumberOfExclusiveWaiters;
    ex_res_unlock(r, old);
    *waiters = shared_waiters + exclusive_waiters;
    if (!owned && *waiters == 0)
        return FALSE;
    char state[64];
    if (!owned)
        snprintf(state, sizeof(state), "not owned");
    else if (exclusive)
        snprintf(state, sizeof(state), "owned exclusively");
    else
        snprintf(state, sizeof(state), "owned shared by %u thread(s)", (unsigned)owners);
    rp_finding("RESOURCE_DELETED_WHILE_HELD", STATUS_SUCCESS, NULL, NULL,
               "%s(%p) while the resource is %s, with %u shared and %u exclusive waiter(s); %s", ddi, (void *)r,
               state, (unsigned)shared_waiters, (unsigned)exclusive_waiters, what);
    return TRUE;
}

static void ex_res_free_block(PERESOURCE r, const char *ddi)
{
    ex_res_block *block = ex_res_block_of(r);
    if (r->OwnerTable != NULL && (block == NULL || r->OwnerTable != block->table))
        ex_pool_free_for(ddi, r->OwnerTable);
    if (block != NULL)
        ex_pool_free_for(ddi, block);
    r->OwnerTable = NULL;
    r->SharedWaiters = NULL;
    r->ExclusiveWaiters = NULL;
}

NTKERNELAPI NTSTATUS NTAPI ExDeleteResourceLite(PERESOURCE Resource)
{
    ex_res_check_irql(Resource, "ExDeleteResourceLite", DISPATCH_LEVEL);
    if (!ex_res_check(Resource, "ExDeleteResourceLite"))
        return STATUS_SUCCESS;
    ULONG waiters;
    if (ex_res_report_if_busy(Resource, "ExDeleteResourceLite",
                              "the resource must be released by every owner before it is deleted", &waiters) &&
        waiters != 0) {
        /* Threads wait on the objects in the block: keep it so that a release still wakes them. */
        return STATUS_SUCCESS;
    }
    ex_res_free_block(Resource, "ExDeleteResourceLite");
    Resource->Reserved2 = NULL;
    Resource->ActiveCount = 0;
    Resource->ActiveEntries = 0;
    Resource->Flag = 0;
    Resource->OwnerEntry.OwnerThread = 0;
    Resource->OwnerEntry.OwnerCount = 0;
    return STATUS_SUCCESS;
}

NTKERNELAPI NTSTATUS NTAPI ExReinitializeResourceLite(PERESOURCE Resource)
{
    ex_res_check_irql(Resource, "ExReinitializeResourceLite", DISPATCH_LEVEL);
    if (!ex_res_check(Resource, "ExReinitializeResourceLite"))
        return ExInitializeResourceLite(Resource);
    ULONG waiters;
    if (ex_res_report_if_busy(Resource, "ExReinitializeResourceLite",
                              "the resource must be released by every owner before it is reinitialised", &waiters) &&
        waiters != 0) {
        return STATUS_SUCCESS;
    }
    KIRQL old = ex_res_lock(Resource);
    ex_res_block *block = ex_res_block_of(Resource);
    if (block != NULL) {
        KeInitializeSemaphore(&block->shared, 0, MAXLONG);
        KeInitializeEvent(&block->exclusive, SynchronizationEvent, FALSE);
    }
    ULONG size = ex_res_table_size(Resource);
    if (size > 1)
        memset(&Resource->OwnerTable[1], 0, (size - 1) * sizeof(OWNER_ENTRY));
    Resource->Flag = 0;
    Resource->ActiveCount = 0;
    Resource->ActiveEntries = 0;
    Resource->OwnerEntry.OwnerThread = 0;
    Resource->OwnerEntry.OwnerCount = 0;
    Resource->ContentionCount = 0;
    Resource->NumberOfSharedWaiters = 0;
    Resource->NumberOfExclusiveWaiters = 0;
    BOOLEAN have = ex_res_ensure_block(Resource, "ExReinitializeResourceLite");
    ex_res_unlock(Resource, old);
    return have ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

/* ---- acquisition ------------------------------------------------------------------------------ */

static BOOLEAN ex_res_acquire_exclusive(PERESOURCE r, BOOLEAN wait, const char *ddi)
{
    ex_res_check_irql(r, ddi, APC_LEVEL);
    if (!ex_res_check(r, ddi))
        return FALSE;
    ex_res_check_apcs(r, ddi);
    ke_thread *self = ke_self();
    ERESOURCE_THREAD me = (ERESOURCE_THREAD)self;
    KIRQL old = ex_res_lock(r);
    if (r->ActiveCount == 0) {
        r->Flag |= ResourceOwnedExclusive;
        r->OwnerEntry.OwnerThread = me;
        r->OwnerEntry.OwnerCount = 1;
        r->ActiveCount = 1;
        r->ActiveEntries = 1;
        ex_res_unlock(r, old);
        return TRUE;
    }
    if (ex_res_exclusive(r) && r->OwnerEntry.OwnerThread == me) {
        r->OwnerEntry.OwnerCount++;
        ex_res_unlock(r, old);
        return TRUE;
    }
    POWNER_ENTRY mine = ex_res_shared_entry(r, me);
    if (mine != NULL || !wait) {
        ULONG count = mine != NULL ? mine->OwnerCount : 0;
        ex_res_unlock(r, old);
        if (mine != NULL && wait) {
            rp_finding("RESOURCE_EXCLUSIVE_WHILE_SHARED", STATUS_POSSIBLE_DEADLOCK, NULL, NULL,
                       "%s(%p, Wait TRUE) by thread %u, which owns the resource shared (%u time(s)): it would wait "
                       "for itself forever on Windows; release the shared access first.  The call returns FALSE",
                       ddi, (void *)r, (unsigned)self->id, (unsigned)count);
        }
        return FALSE;
    }
    if (!ex_res_ensure_block(r, ddi)) {
        ex_res_unlock(r, old);
        ex_res_out_of_pool(ddi, r);
    }
    ex_res_block *block = ex_res_block_of(r);
    r->NumberOfExclusiveWaiters++;
    r->ContentionCount++;
    ex_res_unlock(r, old);
    NTSTATUS status = KeWaitForSingleObject(&block->exclusive, WrResource, KernelMode, FALSE, NULL);
    old = ex_res_lock(r);
    if (status != STATUS_SUCCESS) {
        /* The scheduler ended a wait that could never be satisfied (a reported deadlock). */
        r->NumberOfExclusiveWaiters--;
        ex_res_unlock(r, old);
        return FALSE;
    }
    r->OwnerEntry.OwnerThread = me; /* the releaser handed it over as EX_RES_OWNER_PENDING */
    ex_res_unlock(r, old);
    return TRUE;
}

static BOOLEAN ex_res_acquire_shared(PERESOURCE r, BOOLEAN wait, ex_res_shared_kind kind, const char *ddi)
{
    ex_res_check_irql(r, ddi, APC_LEVEL);
    if (!ex_res_check(r, ddi))
        return FALSE;
    ex_res_check_apcs(r, ddi);
    ke_thread *self = ke_self();
    ERESOURCE_THREAD me = (ERESOURCE_THREAD)self;
    KIRQL old = ex_res_lock(r);
    if (r->ActiveCount == 0) {
        r->Flag &= (USHORT)~ResourceOwnedExclusive;
        r->OwnerEntry.OwnerThread = me;
        r->OwnerEntry.OwnerCount = 1;
        r->ActiveCount = 1;
        r->ActiveEntries = 1;
        ex_res_unlock(r, old);
        return TRUE;
    }
    if (ex_res_exclusive(r)) {
        if (r->OwnerEntry.OwnerThread == me) {
            r->OwnerEntry.OwnerCount++; /* shared inside exclusive: one more exclusive acquisition */
            ex_res_unlock(r, old);
            return TRUE;
        }
    } else {
        BOOLEAN exclusive_waiting = r->NumberOfExclusiveWaiters > 0;
        POWNER_ENTRY mine = ex_res_shared_entry(r, me);
        if (mine != NULL && (kind != EX_SHARED_WAIT_FOR_EXCLUSIVE || !exclusive_waiting)) {
            mine->OwnerCount++;
            ex_res_unlock(r, old);
            return TRUE;
        }
        if (mine == NULL && (kind == EX_SHARED_STARVE_EXCLUSIVE || !exclusive_waiting)) {
            if (!ex_res_add_shared(r, me, ddi)) {
                ex_res_unlock(r, old);
                ex_res_out_of_pool(ddi, r);
            }
            r->ActiveEntries++;
            ex_res_unlock(r, old);
            return TRUE;
        }
    }
    if (!wait) {
        ex_res_unlock(r, old);
        return FALSE;
    }
    if (!ex_res_ensure_block(r, ddi)) {
        ex_res_unlock(r, old);
        ex_res_out_of_pool(ddi, r);
    }
    ex_res_block *block = ex_res_block_of(r);
    r->NumberOfSharedWaiters++;
    r->ContentionCount++;
    ex_res_unlock(r, old);
    NTSTATUS status = KeWaitForSingleObject(&block->shared, WrResource, KernelMode, FALSE, NULL);
    old = ex_res_lock(r);
    if (status != STATUS_SUCCESS) {
        r->NumberOfSharedWaiters--;
        ex_res_unlock(r, old);
        return FALSE;
    }
    /* The releaser counted this thread among the owners (ActiveEntries); fill in its entry. */
    POWNER_ENTRY mine = ex_res_shared_entry(r, me);
    if (mine != NULL) {
        /* It kept an entry of its own (ExAcquireSharedWaitForExclusive): one owner, not two. */
        mine->OwnerCount++;
        r->ActiveEntries--;
    } else if (!ex_res_add_shared(r, me, ddi)) {
        ex_res_unlock(r, old);
        ex_res_out_of_pool(ddi, r);
    }
    ex_res_unlock(r, old);
    return TRUE;
}

NTKERNELAPI BOOLEAN NTAPI ExAcquireResourceExclusiveLite(PERESOURCE Resource, BOOLEAN Wait)
{
    return ex_res_acquire_exclusive(Resource, Wait, "ExAcquireResourceExclusiveLite");
}

NTKERNELAPI BOOLEAN NTAPI ExAcquireResourceSharedLite(PERESOURCE Resource, BOOLEAN Wait)
{
    return ex_res_acquire_shared(Resource, Wait, EX_SHARED_LITE, "ExAcquireResourceSharedLite");
}

NTKERNELAPI BOOLEAN NTAPI ExAcquireSharedStarveExclusive(PERESOURCE Resource, BOOLEAN Wait)
{
    return ex_res_acquire_shared(Resource, Wait, EX_SHARED_STARVE_EXCLUSIVE, "ExAcquireSharedStarveExclusive");
}

NTKERNELAPI BOOLEAN NTAPI ExAcquireSharedWaitForExclusive(PERESOURCE Resource, BOOLEAN Wait)
{
    return ex_res_acquire_shared(Resource, Wait, EX_SHARED_WAIT_FOR_EXCLUSIVE, "ExAcquireSharedWaitForExclusive");
}

/* Win32Thread of the calling thread: emulated threads have none. */
NTKERNELAPI PVOID NTAPI ExEnterCriticalRegionAndAcquireResourceExclusive(PERESOURCE Resource)
{
    KeEnterCriticalRegion();
    ex_res_acquire_exclusive(Resource, TRUE, "ExEnterCriticalRegionAndAcquireResourceExclusive");
    return NULL;
}

NTKERNELAPI PVOID NTAPI ExEnterCriticalRegionAndAcquireResourceShared(PERESOURCE Resource)
{
    KeEnterCriticalRegion();
    ex_res_acquire_shared(Resource, TRUE, EX_SHARED_LITE, "ExEnterCriticalRegionAndAcquireResourceShared");
    return NULL;
}

/* ---- release ---------------------------------------------------------------------------------- */

static void ex_res_release(PERESOURCE r, ERESOURCE_THREAD thread, const char *ddi)
{
    ex_res_check_irql(r, ddi, DISPATCH_LEVEL);
    if (!ex_res_check(r, ddi))
        return;
    KIRQL old = ex_res_lock(r);
    ex_res_wake wake = {0, FALSE};
    BOOLEAN owned_by_other = FALSE, not_owned = FALSE;
    if (ex_res_exclusive(r)) {
        if (r->OwnerEntry.OwnerThread != thread) {
            owned_by_other = TRUE;
        } else if (--r->OwnerEntry.OwnerCount == 0) {
            r->OwnerEntry.OwnerThread = 0;
            wake = ex_res_hand_over(r, TRUE);
        }
    } else {
        POWNER_ENTRY entry = r->ActiveCount != 0 ? ex_res_shared_entry(r, thread) : NULL;
        if (entry == NULL) {
            not_owned = r->ActiveCount == 0;
            owned_by_other = !not_owned;
        } else if (--entry->OwnerCount == 0) {
            entry->OwnerThread = 0;
            if (--r->ActiveEntries == 0)
                wake = ex_res_hand_over(r, FALSE);
        }
    }
    BOOLEAN exclusive = ex_res_exclusive(r);
    ex_res_unlock(r, old);
    if (owned_by_other || not_owned) {
        const char *who = thread == (ERESOURCE_THREAD)ke_self() ? "the calling thread" : "the given thread";
        rp_finding("RESOURCE_NOT_OWNED", STATUS_RESOURCE_NOT_OWNED, NULL, NULL,
                   "%s(%p): %s does not own the resource (it is %s)", ddi, (void *)r, who,
                   not_owned ? "not owned by anyone"
                   : exclusive ? "owned exclusively by another thread"
                               : "owned shared by other threads");
        return;
    }
    ex_res_wake_up(r, wake);
}

NTKERNELAPI VOID FASTCALL ExReleaseResourceLite(PERESOURCE Resource)
{
    if (ex_res_initialised(Resource) && KeGetCurrentIrql() < DISPATCH_LEVEL)
        ex_res_check_apcs(Resource, "ExReleaseResourceLite");
    ex_res_release(Resource, (ERESOURCE_THREAD)ke_self(), "ExReleaseResourceLite");
}

NTKERNELAPI VOID NTAPI ExReleaseResourceForThreadLite(PERESOURCE Resource, ERESOURCE_THREAD ResourceThreadId)
{
    ex_res_release(Resource, ResourceThreadId, "ExReleaseResourceForThreadLite");
}

NTKERNELAPI VOID FASTCALL ExReleaseResourceAndLeaveCriticalRegion(PERESOURCE Resource)
{
    ex_res_release(Resource, (ERESOURCE_THREAD)ke_self(), "ExReleaseResourceAndLeaveCriticalRegion");
    KeLeaveCriticalRegion();
}

NTKERNELAPI VOID NTAPI ExConvertExclusiveToSharedLite(PERESOURCE Resource)
{
    const char *ddi = "ExConvertExclusiveToSharedLite";
    ex_res_check_irql(Resource, ddi, DISPATCH_LEVEL);
    if (!ex_res_check(Resource, ddi))
        return;
    ERESOURCE_THREAD me = (ERESOURCE_THREAD)ke_self();
    KIRQL old = ex_res_lock(Resource);
    if (!ex_res_exclusive(Resource) || Resource->OwnerEntry.OwnerThread != me) {
        BOOLEAN owned = Resource->ActiveCount != 0;
        ex_res_unlock(Resource, old);
        rp_finding("RESOURCE_NOT_OWNED", STATUS_RESOURCE_NOT_OWNED, NULL, NULL,
                   "%s(%p): the calling thread does not own the resource exclusively (it is %s)", ddi,
                   (void *)Resource, !owned ? "not owned" : "owned by another thread or shared");
        return;
    }
    /* The owner keeps its entry and its count, now as a shared owner; shared waiters join it. */
    Resource->Flag &= (USHORT)~ResourceOwnedExclusive;
    ex_res_wake wake = {0, FALSE};
    if (Resource->NumberOfSharedWaiters > 0) {
        wake.shared = (LONG)Resource->NumberOfSharedWaiters;
        Resource->ActiveEntries += Resource->NumberOfSharedWaiters;
        Resource->NumberOfSharedWaiters = 0;
    }
    ex_res_unlock(Resource, old);
    ex_res_wake_up(Resource, wake);
}

/* ---- queries ---------------------------------------------------------------------------------- */

NTKERNELAPI BOOLEAN NTAPI ExIsResourceAcquiredExclusiveLite(PERESOURCE Resource)
{
    if (!ex_res_check(Resource, "ExIsResourceAcquiredExclusiveLite"))
        return FALSE;
    ERESOURCE_THREAD me = (ERESOURCE_THREAD)ke_self();
    KIRQL old = ex_res_lock(Resource);
    BOOLEAN mine = ex_res_exclusive(Resource) && Resource->OwnerEntry.OwnerThread == me;
    ex_res_unlock(Resource, old);
    return mine;
}

NTKERNELAPI ULONG NTAPI ExIsResourceAcquiredSharedLite(PERESOURCE Resource)
{
    if (!ex_res_check(Resource, "ExIsResourceAcquiredSharedLite"))
        return 0;
    ERESOURCE_THREAD me = (ERESOURCE_THREAD)ke_self();
    KIRQL old = ex_res_lock(Resource);
    ULONG count = 0;
    if (ex_res_exclusive(Resource)) {
        if (Resource->OwnerEntry.OwnerThread == me)
            count = Resource->OwnerEntry.OwnerCount;
    } else if (Resource->ActiveCount != 0) {
        POWNER_ENTRY entry = ex_res_shared_entry(Resource, me);
        if (entry != NULL)
            count = entry->OwnerCount;
    }
    ex_res_unlock(Resource, old);
    return count;
}

NTKERNELAPI ULONG NTAPI ExGetExclusiveWaiterCount(PERESOURCE Resource)
{
    return Resource->NumberOfExclusiveWaiters;
}

NTKERNELAPI ULONG NTAPI ExGetSharedWaiterCount(PERESOURCE Resource)
{
    return Resource->NumberOfSharedWaiters;
}

NTKERNELAPI ERESOURCE_THREAD NTAPI ExGetCurrentResourceThread(VOID)
{
    return (ERESOURCE_THREAD)ke_self();
}
