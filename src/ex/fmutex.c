/* ex/fmutex.c: fast mutexes (ExInitializeFastMutex, ExAcquireFastMutex, ExReleaseFastMutex,
 * ExTryToAcquireFastMutex and the Unsafe forms) and guarded mutexes (KeInitializeGuardedMutex,
 * KeAcquireGuardedMutex, KeReleaseGuardedMutex, KeTryToAcquireGuardedMutex and the Unsafe forms).
 *
 * Both live entirely in the driver's FAST_MUTEX (KGUARDED_MUTEX is the same structure), used the
 * way the classic NT implementation uses it:
 *   Count      1 when free (FM_LOCK_BIT), 0 when owned without waiters, -n when owned with n
 *              threads waiting; acquiring decrements it, releasing increments it;
 *   Owner      the owning emulated thread;
 *   Contention how many acquisitions had to wait;
 *   Event      a synchronization event a releaser sets to hand the mutex to one waiter (the
 *              waiter owns it when its wait ends, so nobody can barge in between);
 *   OldIrql    the IRQL ExAcquireFastMutex raised from, restored by ExReleaseFastMutex.
 * Waiting goes through KeWaitForSingleObject, so the deterministic scheduler runs other threads
 * meanwhile and reports a wait that can never end as a deadlock.
 *
 * Findings: acquiring a mutex the thread already owns (a self-deadlock on Windows) is
 * FAST_MUTEX_RECURSION, releasing one it does not own is FAST_MUTEX_NOT_OWNED, acquiring above
 * APC_LEVEL is IRQL_NOT_LESS_OR_EQUAL, and using the Unsafe forms with APCs enabled is
 * FAST_MUTEX_APCS_ENABLED. */
#include "core/report.h"
#include "ke/ke.h"
#include "platform/atomic.h"

/* How an acquisition or release treats IRQL and APCs. */
typedef enum ex_fm_flavour {
    EX_FM_RAISE,    /* ExAcquireFastMutex: raise to APC_LEVEL, keep the old IRQL in OldIrql */
    EX_FM_UNSAFE,   /* ExAcquireFastMutexUnsafe: APCs must already be disabled */
    EX_FM_GUARDED,  /* KeAcquireGuardedMutex: enter a guarded region */
    EX_FM_GUARDED_UNSAFE /* KeAcquireGuardedMutexUnsafe: guarded region or APC_LEVEL required */
} ex_fm_flavour;

static LONG_PTR ex_fm_decrement(PFAST_MUTEX m)
{
    return plat_atomic_sub_fetch(&m->Count, 1, PLAT_ACQ_REL);
}

static LONG_PTR ex_fm_increment(PFAST_MUTEX m)
{
    return plat_atomic_add_fetch(&m->Count, 1, PLAT_ACQ_REL);
}

static BOOLEAN ex_fm_try_take(PFAST_MUTEX m)
{
    LONG_PTR expected = FM_LOCK_BIT;
    return (BOOLEAN)plat_atomic_cas(&m->Count, &expected, FM_LOCK_BIT_V, FALSE, PLAT_ACQUIRE,
                                               PLAT_RELAXED);
}

static PKTHREAD ex_fm_owner(PFAST_MUTEX m)
{
    return plat_atomic_load(&m->Owner, PLAT_RELAXED);
}

static void ex_fm_set_owner(PFAST_MUTEX m, PKTHREAD owner)
{
    plat_atomic_store(&m->Owner, owner, PLAT_RELAXED);
}

/* The checks every acquisition makes before touching the mutex.  Returns FALSE when the
 * acquisition must not go ahead (the thread already owns the mutex). */
static BOOLEAN ex_fm_check_acquire(PFAST_MUTEX m, ke_thread *self, ex_fm_flavour flavour, const char *ddi)
{
    if (self->irql > APC_LEVEL) {
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
                   "%s(%p) at IRQL %u; the caller must be at or below APC_LEVEL", ddi, (void *)m, self->irql);
    }
    if (flavour == EX_FM_UNSAFE && self->irql < APC_LEVEL && self->critical_region == 0 &&
        self->guarded_region == 0) {
        rp_finding("FAST_MUTEX_APCS_ENABLED", STATUS_SUCCESS, NULL, NULL,
                   "%s(%p) at PASSIVE_LEVEL outside a critical region: the Unsafe form does not raise the IRQL, "
                   "so the caller must be at APC_LEVEL or call KeEnterCriticalRegion first", ddi, (void *)m);
    }
    if (flavour == EX_FM_GUARDED_UNSAFE && self->irql < APC_LEVEL && self->guarded_region == 0) {
        rp_finding("FAST_MUTEX_APCS_ENABLED", STATUS_SUCCESS, NULL, NULL,
                   "%s(%p) at PASSIVE_LEVEL outside a guarded region: the caller must be at APC_LEVEL or call "
                   "KeEnterGuardedRegion first", ddi, (void *)m);
    }
    if (ex_fm_owner(m) == self) {
        rp_finding("FAST_MUTEX_RECURSION", STATUS_POSSIBLE_DEADLOCK, NULL, NULL,
                   "%s(%p): thread %u already owns this mutex; fast and guarded mutexes cannot be acquired "
                   "recursively (the thread deadlocks on Windows)", ddi, (void *)m, (unsigned)self->id);
        return FALSE;
    }
    return TRUE;
}

/* Takes the mutex, waiting for a release to hand it over if it is owned.  Returns FALSE only
 * when the wait ended without the mutex (the scheduler found a deadlock). */
static BOOLEAN ex_fm_take(PFAST_MUTEX m, ke_thread *self, KWAIT_REASON reason)
{
    if (ex_fm_decrement(m) != FM_LOCK_BIT_V) {
        plat_atomic_add_fetch(&m->Contention, 1, PLAT_RELAXED);
        NTSTATUS status = KeWaitForSingleObject(&m->Event, reason, KernelMode, FALSE, NULL);
        if (status != STATUS_SUCCESS) {
            /* Nobody handed the mutex over: withdraw as a waiter. */
            ex_fm_increment(m);
            return FALSE;
        }
    }
    ex_fm_set_owner(m, self);
    return TRUE;
}

/* Gives the mutex up: to one waiter if there is one.  Returns FALSE if the thread does not
 * own it (reported). */
static BOOLEAN ex_fm_give(PFAST_MUTEX m, ke_thread *self, const char *ddi)
{
    PKTHREAD owner = ex_fm_owner(m);
    if (owner != self) {
        if (owner == NULL) {
            rp_finding("FAST_MUTEX_NOT_OWNED", STATUS_MUTANT_NOT_OWNED, NULL, NULL,
                       "%s(%p) by thread %u: the mutex is not owned by anyone", ddi, (void *)m, (unsigned)self->id);
        } else {
            rp_finding("FAST_MUTEX_NOT_OWNED", STATUS_MUTANT_NOT_OWNED, NULL, NULL,
                       "%s(%p) by thread %u: the mutex is owned by thread %u", ddi, (void *)m, (unsigned)self->id,
                       (unsigned)owner->id);
        }
        return FALSE;
    }
    ex_fm_set_owner(m, NULL);
    if (ex_fm_increment(m) != FM_LOCK_BIT)
        KeSetEvent(&m->Event, IO_NO_INCREMENT, FALSE);
    return TRUE;
}

static void ex_fm_initialize(PFAST_MUTEX m)
{
    m->Count = FM_LOCK_BIT;
    m->Owner = NULL;
    m->Contention = 0;
    KeInitializeEvent(&m->Event, SynchronizationEvent, FALSE);
    m->OldIrql = PASSIVE_LEVEL;
}

/* ---- fast mutexes -------------------------------------------------------------------------- */

NTKERNELAPI VOID NTAPI ExInitializeFastMutex(PFAST_MUTEX FastMutex)
{
    ex_fm_initialize(FastMutex);
}

NTKERNELAPI VOID FASTCALL ExAcquireFastMutex(PFAST_MUTEX FastMutex)
{
    ke_thread *self = ke_self();
    if (!ex_fm_check_acquire(FastMutex, self, EX_FM_RAISE, "ExAcquireFastMutex"))
        return;
    KIRQL old = self->irql;
    if (old < APC_LEVEL)
        KeRaiseIrql(APC_LEVEL, &old);
    if (!ex_fm_take(FastMutex, self, WrFastMutex)) {
        KeLowerIrql(old);
        return;
    }
    FastMutex->OldIrql = old;
}

NTKERNELAPI VOID FASTCALL ExReleaseFastMutex(PFAST_MUTEX FastMutex)
{
    ke_thread *self = ke_self();
    KIRQL old = (KIRQL)FastMutex->OldIrql;
    if (ex_fm_give(FastMutex, self, "ExReleaseFastMutex") && old < self->irql)
        KeLowerIrql(old);
}

NTKERNELAPI BOOLEAN FASTCALL ExTryToAcquireFastMutex(PFAST_MUTEX FastMutex)
{
    ke_thread *self = ke_self();
    if (!ex_fm_check_acquire(FastMutex, self, EX_FM_RAISE, "ExTryToAcquireFastMutex"))
        return FALSE;
    KIRQL old = self->irql;
    if (old < APC_LEVEL)
        KeRaiseIrql(APC_LEVEL, &old);
    if (!ex_fm_try_take(FastMutex)) {
        if (old < self->irql)
            KeLowerIrql(old);
        return FALSE;
    }
    ex_fm_set_owner(FastMutex, self);
    FastMutex->OldIrql = old;
    return TRUE;
}

NTKERNELAPI VOID FASTCALL ExAcquireFastMutexUnsafe(PFAST_MUTEX FastMutex)
{
    ke_thread *self = ke_self();
    if (ex_fm_check_acquire(FastMutex, self, EX_FM_UNSAFE, "ExAcquireFastMutexUnsafe"))
        ex_fm_take(FastMutex, self, WrFastMutex);
}

NTKERNELAPI VOID FASTCALL ExReleaseFastMutexUnsafe(PFAST_MUTEX FastMutex)
{
    ex_fm_give(FastMutex, ke_self(), "ExReleaseFastMutexUnsafe");
}

/* ---- guarded mutexes ----------------------------------------------------------------------- */

NTKERNELAPI VOID FASTCALL KeInitializeGuardedMutex(PKGUARDED_MUTEX Mutex)
{
    ex_fm_initialize(Mutex);
}

NTKERNELAPI VOID FASTCALL KeAcquireGuardedMutex(PKGUARDED_MUTEX Mutex)
{
    ke_thread *self = ke_self();
    if (!ex_fm_check_acquire(Mutex, self, EX_FM_GUARDED, "KeAcquireGuardedMutex"))
        return;
    KeEnterGuardedRegion();
    if (!ex_fm_take(Mutex, self, WrGuardedMutex))
        KeLeaveGuardedRegion();
}

NTKERNELAPI VOID FASTCALL KeReleaseGuardedMutex(PKGUARDED_MUTEX Mutex)
{
    if (ex_fm_give(Mutex, ke_self(), "KeReleaseGuardedMutex"))
        KeLeaveGuardedRegion();
}

NTKERNELAPI BOOLEAN FASTCALL KeTryToAcquireGuardedMutex(PKGUARDED_MUTEX Mutex)
{
    ke_thread *self = ke_self();
    if (!ex_fm_check_acquire(Mutex, self, EX_FM_GUARDED, "KeTryToAcquireGuardedMutex"))
        return FALSE;
    KeEnterGuardedRegion();
    if (!ex_fm_try_take(Mutex)) {
        KeLeaveGuardedRegion();
        return FALSE;
    }
    ex_fm_set_owner(Mutex, self);
    return TRUE;
}

NTKERNELAPI VOID FASTCALL KeAcquireGuardedMutexUnsafe(PKGUARDED_MUTEX FastMutex)
{
    ke_thread *self = ke_self();
    if (ex_fm_check_acquire(FastMutex, self, EX_FM_GUARDED_UNSAFE, "KeAcquireGuardedMutexUnsafe"))
        ex_fm_take(FastMutex, self, WrGuardedMutex);
}

NTKERNELAPI VOID FASTCALL KeReleaseGuardedMutexUnsafe(PKGUARDED_MUTEX FastMutex)
{
    ex_fm_give(FastMutex, ke_self(), "KeReleaseGuardedMutexUnsafe");
}
