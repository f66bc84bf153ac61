/* ke/dpc.c: deferred procedure calls: KeInitializeDpc, KeInsertQueueDpc, KeRemoveQueueDpc,
 * KeFlushQueuedDpcs.  Deterministic mode runs a queued DPC at a scheduling point, chosen by the
 * seeded generator, on the thread that reached that point, at DISPATCH_LEVEL; threaded mode runs
 * them on a DPC thread. */
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/report.h"
#include "ke/ke.h"

/* Queued DPCs in insertion order; DpcData marks a DPC as queued and remembers the driver that
 * queued it (the DPC runs as that driver's code for reports). */
static PKDPC *ke_dpcs;
static size_t ke_dpc_used, ke_dpc_capacity;

#define KE_DPC_MAGIC_TYPE 0x13 /* DpcObject */
#define KE_THREADED_DPC_TYPE 0x18

size_t ke_dpc_count(void)
{
    return ke_dpc_used;
}

BOOLEAN ke_dpc_pending(void)
{
    return ke_dpc_used != 0;
}

static void ke_dpc_remove_at(size_t index)
{
    memmove(&ke_dpcs[index], &ke_dpcs[index + 1], (ke_dpc_used - index - 1) * sizeof(PKDPC));
    ke_dpc_used--;
}

/* Runs a DPC routine as driver code at DISPATCH_LEVEL on runner (ke_lock held on entry and on
 * exit, released around the routine). */
void ke_dpc_execute(ke_thread *runner, PKDPC dpc, PVOID arg1, PVOID arg2, PDRIVER_OBJECT driver)
{
    KIRQL saved_irql = runner->irql;
    PDRIVER_OBJECT saved_driver = runner->driver;
    LONG saved_locks = runner->spin_locks_held;
    runner->irql = DISPATCH_LEVEL;
    runner->driver = driver;
    ke_unlock();
    EV_EMIT(.kind = EV_DPC, .driver = driver);
    dpc->DeferredRoutine(dpc, dpc->DeferredContext, arg1, arg2);
    if (runner->irql != DISPATCH_LEVEL)
        rp_finding("IRQL_MISMATCH", STATUS_SUCCESS, NULL, NULL,
                   "a DPC routine (%p) returned at IRQL %u; DPCs run and must return at DISPATCH_LEVEL",
                   (void *)(ULONG_PTR)dpc->DeferredRoutine, runner->irql);
    if (runner->spin_locks_held != saved_locks)
        rp_finding("SPIN_LOCK_HELD_AT_RETURN", STATUS_SUCCESS, NULL, NULL,
                   "a DPC routine (%p) returned holding %ld spin lock(s)", (void *)(ULONG_PTR)dpc->DeferredRoutine,
                   (long)(runner->spin_locks_held - saved_locks));
    ke_lock();
    runner->irql = saved_irql;
    runner->driver = saved_driver;
}

void ke_dpc_run_one(ke_thread *runner, size_t choice)
{
    if (choice >= ke_dpc_used)
        return;
    PKDPC dpc = ke_dpcs[choice];
    ke_dpc_remove_at(choice);
    PDRIVER_OBJECT driver = (PDRIVER_OBJECT)dpc->DpcData;
    dpc->DpcData = NULL;
    ke_dpc_execute(runner, dpc, dpc->SystemArgument1, dpc->SystemArgument2, driver);
}

NTKERNELAPI VOID NTAPI KeInitializeDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext)
{
    memset(Dpc, 0, sizeof(*Dpc));
    Dpc->Type = KE_DPC_MAGIC_TYPE;
    Dpc->Importance = MediumImportance;
    Dpc->DeferredRoutine = DeferredRoutine;
    Dpc->DeferredContext = DeferredContext;
}

NTKERNELAPI VOID NTAPI KeInitializeThreadedDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext)
{
    KeInitializeDpc(Dpc, DeferredRoutine, DeferredContext);
    Dpc->Type = KE_THREADED_DPC_TYPE;
}

NTKERNELAPI VOID NTAPI KeSetImportanceDpc(PRKDPC Dpc, KDPC_IMPORTANCE Importance)
{
    Dpc->Importance = (UCHAR)Importance;
}

NTKERNELAPI VOID NTAPI KeSetTargetProcessorDpc(PRKDPC Dpc, CCHAR Number)
{
    Dpc->Number = (USHORT)Number;
}

/* Queues dpc (ke_lock held); FALSE if it already was. */
BOOLEAN ke_dpc_queue(PKDPC dpc, PVOID arg1, PVOID arg2, PDRIVER_OBJECT driver)
{
    if (dpc->DpcData != NULL)
        return FALSE;
    if (ke_dpc_used == ke_dpc_capacity) {
        size_t capacity = ke_dpc_capacity ? ke_dpc_capacity * 2 : 16;
        PKDPC *grown = realloc(ke_dpcs, capacity * sizeof(PKDPC));
        if (grown == NULL)
            return FALSE;
        ke_dpcs = grown;
        ke_dpc_capacity = capacity;
    }
    dpc->SystemArgument1 = arg1;
    dpc->SystemArgument2 = arg2;
    /* Marks the DPC queued; a driver-less queue (host code) still needs a non-NULL mark. */
    dpc->DpcData = driver != NULL ? (PVOID)driver : (PVOID)&ke_dpcs;
    if (dpc->Importance == HighImportance) {
        memmove(&ke_dpcs[1], &ke_dpcs[0], ke_dpc_used * sizeof(PKDPC));
        ke_dpcs[0] = dpc;
    } else {
        ke_dpcs[ke_dpc_used] = dpc;
    }
    ke_dpc_used++;
    ke_signal_changed();
    return TRUE;
}

NTKERNELAPI BOOLEAN NTAPI KeInsertQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2)
{
    if (Dpc == NULL || Dpc->DeferredRoutine == NULL) {
        rp_finding("INVALID_DPC", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "KeInsertQueueDpc(%p): not an initialised DPC (call KeInitializeDpc first)", (void *)Dpc);
        return FALSE;
    }
    ke_lock();
    BOOLEAN queued = ke_dpc_queue(Dpc, SystemArgument1, SystemArgument2, ke_current_driver());
    ke_unlock();
    return queued;
}

NTKERNELAPI BOOLEAN NTAPI KeRemoveQueueDpc(PRKDPC Dpc)
{
    ke_lock();
    BOOLEAN removed = FALSE;
    for (size_t i = 0; i < ke_dpc_used; i++) {
        if (ke_dpcs[i] == Dpc) {
            ke_dpc_remove_at(i);
            Dpc->DpcData = NULL;
            removed = TRUE;
            break;
        }
    }
    ke_unlock();
    return removed;
}

/* Returns once every DPC queued at the time of the call has run. */
NTKERNELAPI VOID NTAPI KeFlushQueuedDpcs(VOID)
{
    ke_thread *self = ke_self();
    if (self->irql > PASSIVE_LEVEL)
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
                   "KeFlushQueuedDpcs must be called at PASSIVE_LEVEL, not %u", self->irql);
    ke_lock();
    if (ke_deterministic()) {
        while (ke_dpc_used != 0)
            ke_dpc_run_one(self, ke_random(ke_dpc_used));
    } else {
        while (ke_dpc_used != 0) {
            ke_unlock();
            plat_sleep(1);
            ke_lock();
        }
    }
    ke_unlock();
}

void ke_dpc_shutdown(void)
{
    ke_lock();
    free(ke_dpcs); /* the KDPCs themselves may live in memory already freed */
    ke_dpcs = NULL;
    ke_dpc_used = ke_dpc_capacity = 0;
    ke_unlock();
}
