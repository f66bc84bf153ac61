/* ke/spinlock.c: spin locks: KeInitializeSpinLock, KeAcquireSpinLock(RaiseToDpc)/Release,
 * the AtDpcLevel/FromDpcLevel forms, KeTryToAcquireSpinLockAtDpcLevel, in-stack queued spin
 * locks.  The lock word holds the owning thread.  Acquiring a lock the thread already holds
 * (a deadlock on Windows), releasing one it does not hold, and the IRQL rules are findings.
 * In deterministic mode no other thread can hold a lock while this one runs (a thread never
 * yields at DISPATCH_LEVEL), so contention cannot happen; threaded mode really spins. */
#include "core/report.h"
#include "ke/ke.h"
#include "platform/atomic.h"

NTKERNELAPI VOID NTAPI KeInitializeSpinLock(PKSPIN_LOCK SpinLock)
{
    *SpinLock = 0;
}

NTKERNELAPI BOOLEAN NTAPI KeTestSpinLock(PKSPIN_LOCK SpinLock)
{
    return (BOOLEAN)(plat_atomic_load(SpinLock, PLAT_RELAXED) == 0);
}

static void ke_spin_acquire(PKSPIN_LOCK lock, ke_thread *self, const char *ddi)
{
    KSPIN_LOCK me = (KSPIN_LOCK)self;
    if (plat_atomic_load(lock, PLAT_RELAXED) == me) {
        rp_finding("SPIN_LOCK_ALREADY_OWNED", STATUS_POSSIBLE_DEADLOCK, NULL, NULL,
                   "%s(%p): thread %u already holds this spin lock (a deadlock on Windows)", ddi, (void *)lock,
                   (unsigned)self->id);
        return;
    }
    for (;;) {
        KSPIN_LOCK expected = 0;
        if (plat_atomic_cas(lock, &expected, me, FALSE, PLAT_ACQUIRE, PLAT_RELAXED))
            break;
        if (ke_deterministic()) {
            rp_finding("SPIN_LOCK_NOT_OWNED", STATUS_POSSIBLE_DEADLOCK, NULL, NULL,
                       "%s(%p): the lock is held by another thread that cannot run (it was not released)", ddi,
                       (void *)lock);
            plat_atomic_store(lock, me, PLAT_RELEASE);
            break;
        }
        YieldProcessor();
    }
    self->spin_locks_held++;
}

static void ke_spin_release(PKSPIN_LOCK lock, ke_thread *self, const char *ddi)
{
    KSPIN_LOCK owner = plat_atomic_load(lock, PLAT_RELAXED);
    if (owner != (KSPIN_LOCK)self) {
        rp_finding("SPIN_LOCK_NOT_OWNED", STATUS_SUCCESS, NULL, NULL, "%s(%p) by thread %u, which %s", ddi,
                   (void *)lock, (unsigned)self->id, owner == 0 ? "releases a lock nobody holds" : "does not hold it");
        return;
    }
    plat_atomic_store(lock, 0, PLAT_RELEASE);
    self->spin_locks_held--;
}

NTKERNELAPI KIRQL NTAPI KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock)
{
    ke_thread *self = ke_self();
    if (self->irql > DISPATCH_LEVEL)
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
                   "KeAcquireSpinLock at IRQL %u (must be <= DISPATCH_LEVEL)", self->irql);
    KIRQL old = self->irql;
    if (self->irql < DISPATCH_LEVEL)
        self->irql = DISPATCH_LEVEL;
    ke_spin_acquire(SpinLock, self, "KeAcquireSpinLock");
    return old;
}

NTKERNELAPI VOID NTAPI KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql)
{
    ke_thread *self = ke_self();
    ke_spin_release(SpinLock, self, "KeReleaseSpinLock");
    KeLowerIrql(NewIrql);
}

NTKERNELAPI VOID NTAPI KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)
{
    ke_thread *self = ke_self();
    if (self->irql < DISPATCH_LEVEL)
        rp_finding("IRQL_NOT_GREATER_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
                   "KeAcquireSpinLockAtDpcLevel at IRQL %u (must be DISPATCH_LEVEL)", self->irql);
    ke_spin_acquire(SpinLock, self, "KeAcquireSpinLockAtDpcLevel");
}

NTKERNELAPI VOID NTAPI KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock)
{
    ke_spin_release(SpinLock, ke_self(), "KeReleaseSpinLockFromDpcLevel");
}

NTKERNELAPI BOOLEAN NTAPI KeTryToAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)
{
    ke_thread *self = ke_self();
    KSPIN_LOCK expected = 0;
    if (!plat_atomic_cas(SpinLock, &expected, (KSPIN_LOCK)self, FALSE, PLAT_ACQUIRE, PLAT_RELAXED))
        return FALSE;
    self->spin_locks_held++;
    return TRUE;
}

NTKERNELAPI KIRQL NTAPI KeAcquireSpinLockForDpc(PKSPIN_LOCK SpinLock)
{
    return KeAcquireSpinLockRaiseToDpc(SpinLock);
}

NTKERNELAPI VOID NTAPI KeReleaseSpinLockForDpc(PKSPIN_LOCK SpinLock, KIRQL OldIrql)
{
    KeReleaseSpinLock(SpinLock, OldIrql);
}

NTKERNELAPI VOID FASTCALL KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    LockHandle->LockQueue.Lock = SpinLock;
    LockHandle->LockQueue.Next = NULL;
    LockHandle->OldIrql = KeAcquireSpinLockRaiseToDpc(SpinLock);
}

NTKERNELAPI VOID FASTCALL KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE LockHandle)
{
    KeReleaseSpinLock(LockHandle->LockQueue.Lock, LockHandle->OldIrql);
}

NTKERNELAPI VOID FASTCALL KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    LockHandle->LockQueue.Lock = SpinLock;
    LockHandle->LockQueue.Next = NULL;
    KeAcquireSpinLockAtDpcLevel(SpinLock);
}

NTKERNELAPI VOID FASTCALL KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE LockHandle)
{
    KeReleaseSpinLockFromDpcLevel(LockHandle->LockQueue.Lock);
}

NTKERNELAPI VOID FASTCALL KeAcquireInStackQueuedSpinLockForDpc(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    KeAcquireInStackQueuedSpinLock(SpinLock, LockHandle);
}

NTKERNELAPI VOID FASTCALL KeReleaseInStackQueuedSpinLockForDpc(PKLOCK_QUEUE_HANDLE LockHandle)
{
    KeReleaseInStackQueuedSpinLock(LockHandle);
}
