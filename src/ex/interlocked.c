/* ex/interlocked.c: the executive's interlocked helpers:
 *   - spin-lock protected lists and counters (ExInterlockedInsertHeadList, ...InsertTailList,
 *     ...RemoveHeadList, ...PushEntryList, ...PopEntryList, ExInterlockedAddUlong,
 *     ExInterlockedAddLargeInteger).  They take the caller's KSPIN_LOCK through the spin-lock
 *     DDIs, so they exclude driver code that holds the same lock with KeAcquireSpinLock, and the
 *     lock misuse findings of those DDIs apply.  Windows lets these run at any IRQL up to device
 *     level; below DISPATCH_LEVEL the IRQL is raised for the duration, at or above it the lock is
 *     taken as KeAcquireSpinLockAtDpcLevel does.
 *   - sequenced singly linked lists on the 16-byte SLIST_HEADER (InitializeSListHead,
 *     InterlockedPushEntrySList, InterlockedPopEntrySList, InterlockedFlushSList,
 *     ExQueryDepthSList).  The first quadword holds Depth (HeaderX64.Depth) and Sequence, which
 *     every push and pop advances; the second holds the first entry's address (Region), so
 *     HeaderX64.NextEntry reads as that address shifted right by four, as on x64 Windows, for the
 *     16-byte aligned entries SLIST_ENTRY asks for.  Updates are serialised by one internal lock
 *     held for a few instructions; nothing blocks on it.
 *   - rundown protection (ExInitializeRundownProtection, ExReInitializeRundownProtection,
 *     ExAcquireRundownProtection, ExReleaseRundownProtection, ExWaitForRundownProtectionRelease,
 *     ExRundownCompleted) in the EX_RUNDOWN_REF word, encoded as on Windows: references counted in
 *     steps of two, bit 0 set once rundown has begun; while a waiter waits for the last
 *     references, the word points (with bit 0 set) to a wait block on the waiter's stack holding
 *     the outstanding count and a KEVENT, which the last release sets. */
#include "core/report.h"
#include "ke/ke.h"
#include "platform/atomic.h"

/* ---- spin-lock protected lists and counters ----------------------------------------------- */

static KIRQL ex_il_lock(PKSPIN_LOCK Lock)
{
    KIRQL old = KeGetCurrentIrql();
    if (old < DISPATCH_LEVEL)
        KeRaiseIrql(DISPATCH_LEVEL, &old);
    KeAcquireSpinLockAtDpcLevel(Lock);
    return old;
}

static void ex_il_unlock(PKSPIN_LOCK Lock, KIRQL old)
{
    KeReleaseSpinLockFromDpcLevel(Lock);
    if (old < DISPATCH_LEVEL)
        KeLowerIrql(old);
}

NTKERNELAPI PLIST_ENTRY FASTCALL ExInterlockedInsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry,
                                                             PKSPIN_LOCK Lock)
{
    KIRQL old = ex_il_lock(Lock);
    PLIST_ENTRY first = ListHead->Flink;
    InsertHeadList(ListHead, ListEntry);
    ex_il_unlock(Lock, old);
    return first == ListHead ? NULL : first;
}

NTKERNELAPI PLIST_ENTRY FASTCALL ExInterlockedInsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry,
                                                             PKSPIN_LOCK Lock)
{
    KIRQL old = ex_il_lock(Lock);
    PLIST_ENTRY last = ListHead->Blink;
    InsertTailList(ListHead, ListEntry);
    ex_il_unlock(Lock, old);
    return last == ListHead ? NULL : last;
}

NTKERNELAPI PLIST_ENTRY FASTCALL ExInterlockedRemoveHeadList(PLIST_ENTRY ListHead, PKSPIN_LOCK Lock)
{
    KIRQL old = ex_il_lock(Lock);
    PLIST_ENTRY entry = IsListEmpty(ListHead) ? NULL : RemoveHeadList(ListHead);
    ex_il_unlock(Lock, old);
    return entry;
}

NTKERNELAPI PSINGLE_LIST_ENTRY FASTCALL ExInterlockedPushEntryList(PSINGLE_LIST_ENTRY ListHead,
                                                                   PSINGLE_LIST_ENTRY ListEntry, PKSPIN_LOCK Lock)
{
    KIRQL old = ex_il_lock(Lock);
    PSINGLE_LIST_ENTRY first = ListHead->Next;
    ListEntry->Next = first;
    ListHead->Next = ListEntry;
    ex_il_unlock(Lock, old);
    return first;
}

NTKERNELAPI PSINGLE_LIST_ENTRY FASTCALL ExInterlockedPopEntryList(PSINGLE_LIST_ENTRY ListHead, PKSPIN_LOCK Lock)
{
    KIRQL old = ex_il_lock(Lock);
    PSINGLE_LIST_ENTRY first = ListHead->Next;
    if (first != NULL)
        ListHead->Next = first->Next;
    ex_il_unlock(Lock, old);
    return first;
}

NTKERNELAPI ULONG FASTCALL ExInterlockedAddUlong(PULONG Addend, ULONG Increment, PKSPIN_LOCK Lock)
{
    KIRQL old = ex_il_lock(Lock);
    ULONG before = *Addend;
    *Addend = before + Increment;
    ex_il_unlock(Lock, old);
    return before;
}

NTKERNELAPI LARGE_INTEGER NTAPI ExInterlockedAddLargeInteger(PLARGE_INTEGER Addend, LARGE_INTEGER Increment,
                                                             PKSPIN_LOCK Lock)
{
    KIRQL old = ex_il_lock(Lock);
    LARGE_INTEGER before = *Addend;
    Addend->QuadPart = (LONGLONG)((ULONGLONG)before.QuadPart + (ULONGLONG)Increment.QuadPart);
    ex_il_unlock(Lock, old);
    return before;
}

/* ---- sequenced singly linked lists ---------------------------------------------------------- */

#define EX_SLIST_DEPTH_MASK 0xFFFFULL
#define EX_SLIST_SEQUENCE_ONE 0x10000ULL

static volatile int ex_slist_busy;

static void ex_slist_enter(void)
{
    while (plat_atomic_exchange(&ex_slist_busy, 1, PLAT_ACQUIRE) != 0)
        YieldProcessor();
}

static void ex_slist_leave(void)
{
    plat_atomic_store(&ex_slist_busy, 0, PLAT_RELEASE);
}

/* The first quadword with Depth changed by delta (+1, -1) and the sequence advanced. */
static ULONGLONG ex_slist_step(ULONGLONG word, int delta)
{
    ULONGLONG depth = ((word & EX_SLIST_DEPTH_MASK) + (ULONGLONG)(LONGLONG)delta) & EX_SLIST_DEPTH_MASK;
    ULONGLONG sequence = (word & ~EX_SLIST_DEPTH_MASK) + EX_SLIST_SEQUENCE_ONE;
    return sequence | depth;
}

NTKERNELAPI VOID NTAPI InitializeSListHead(PSLIST_HEADER SListHead)
{
    SListHead->Alignment = 0;
    SListHead->Region = 0;
}

NTKERNELAPI PSLIST_ENTRY FASTCALL InterlockedPushEntrySList(PSLIST_HEADER ListHead, PSLIST_ENTRY ListEntry)
{
    ex_slist_enter();
    PSLIST_ENTRY first = (PSLIST_ENTRY)(ULONG_PTR)ListHead->Region;
    ListEntry->Next = first;
    ListHead->Region = (ULONGLONG)(ULONG_PTR)ListEntry;
    ListHead->Alignment = ex_slist_step(ListHead->Alignment, +1);
    ex_slist_leave();
    return first;
}

NTKERNELAPI PSLIST_ENTRY FASTCALL InterlockedPopEntrySList(PSLIST_HEADER ListHead)
{
    ex_slist_enter();
    PSLIST_ENTRY first = (PSLIST_ENTRY)(ULONG_PTR)ListHead->Region;
    if (first != NULL) {
        ListHead->Region = (ULONGLONG)(ULONG_PTR)first->Next;
        ListHead->Alignment = ex_slist_step(ListHead->Alignment, -1);
    }
    ex_slist_leave();
    return first;
}

NTKERNELAPI PSLIST_ENTRY FASTCALL InterlockedFlushSList(PSLIST_HEADER ListHead)
{
    ex_slist_enter();
    PSLIST_ENTRY first = (PSLIST_ENTRY)(ULONG_PTR)ListHead->Region;
    if (first != NULL) {
        ListHead->Region = 0;
        /* Depth goes to zero; the sequence is kept. */
        ListHead->Alignment &= ~EX_SLIST_DEPTH_MASK;
    }
    ex_slist_leave();
    return first;
}

NTKERNELAPI USHORT NTAPI ExQueryDepthSList(PSLIST_HEADER SListHead)
{
    ex_slist_enter();
    USHORT depth = (USHORT)(SListHead->Alignment & EX_SLIST_DEPTH_MASK);
    ex_slist_leave();
    return depth;
}

/* ---- rundown protection ---------------------------------------------------------------------- */

#define EX_RUNDOWN_ACTIVE ((ULONG_PTR)1)
#define EX_RUNDOWN_COUNT_INC ((ULONG_PTR)2)

/* Lives on the stack of the thread in ExWaitForRundownProtectionRelease. */
typedef struct ex_rundown_wait {
    ULONG_PTR Count; /* references still outstanding */
    KEVENT Event;    /* set by the release that drops Count to zero */
} ex_rundown_wait;

static ULONG_PTR ex_rd_load(PEX_RUNDOWN_REF r)
{
    return plat_atomic_load(&r->Count, PLAT_ACQUIRE);
}

static BOOLEAN ex_rd_swap(PEX_RUNDOWN_REF r, ULONG_PTR *expected, ULONG_PTR desired)
{
    return (BOOLEAN)plat_atomic_cas(&r->Count, expected, desired, FALSE, PLAT_ACQ_REL,
                                               PLAT_ACQUIRE);
}

NTKERNELAPI VOID FASTCALL ExInitializeRundownProtection(PEX_RUNDOWN_REF RunRef)
{
    plat_atomic_store(&RunRef->Count, 0, PLAT_RELEASE);
}

NTKERNELAPI VOID FASTCALL ExReInitializeRundownProtection(PEX_RUNDOWN_REF RunRef)
{
    ULONG_PTR value = ex_rd_load(RunRef);
    if (value != EX_RUNDOWN_ACTIVE) {
        rp_finding("RUNDOWN_NOT_COMPLETED", STATUS_SUCCESS, NULL, NULL,
                   "ExReInitializeRundownProtection(%p): the run-down has not completed (%s); call it only after "
                   "ExWaitForRundownProtectionRelease", (void *)RunRef,
                   (value & EX_RUNDOWN_ACTIVE) != 0 ? "a thread is still waiting for references"
                                                    : "it was never run down");
        if ((value & EX_RUNDOWN_ACTIVE) != 0 && value != EX_RUNDOWN_ACTIVE)
            return; /* resetting now would strand the waiter */
    }
    plat_atomic_store(&RunRef->Count, 0, PLAT_RELEASE);
}

NTKERNELAPI BOOLEAN FASTCALL ExAcquireRundownProtection(PEX_RUNDOWN_REF RunRef)
{
    if (KeGetCurrentIrql() > DISPATCH_LEVEL) {
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
                   "ExAcquireRundownProtection(%p) at IRQL %u; the caller must be at or below DISPATCH_LEVEL",
                   (void *)RunRef, KeGetCurrentIrql());
    }
    ULONG_PTR value = ex_rd_load(RunRef);
    for (;;) {
        if ((value & EX_RUNDOWN_ACTIVE) != 0)
            return FALSE;
        if (ex_rd_swap(RunRef, &value, value + EX_RUNDOWN_COUNT_INC))
            return TRUE;
    }
}

NTKERNELAPI VOID FASTCALL ExReleaseRundownProtection(PEX_RUNDOWN_REF RunRef)
{
    if (KeGetCurrentIrql() > DISPATCH_LEVEL) {
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
                   "ExReleaseRundownProtection(%p) at IRQL %u; the caller must be at or below DISPATCH_LEVEL",
                   (void *)RunRef, KeGetCurrentIrql());
    }
    ULONG_PTR value = ex_rd_load(RunRef);
    for (;;) {
        if ((value & EX_RUNDOWN_ACTIVE) != 0) {
            ex_rundown_wait *wait = (ex_rundown_wait *)(value & ~EX_RUNDOWN_ACTIVE);
            if (wait == NULL) {
                rp_finding("RUNDOWN_NOT_ACQUIRED", STATUS_SUCCESS, NULL, NULL,
                           "ExReleaseRundownProtection(%p): the object has already been run down and no reference "
                           "is outstanding (released more often than acquired)", (void *)RunRef);
                return;
            }
            /* A waiter is counting the references that were out when the run-down began. */
            if (plat_atomic_sub_fetch(&wait->Count, 1, PLAT_ACQ_REL) == 0)
                KeSetEvent(&wait->Event, IO_NO_INCREMENT, FALSE);
            return;
        }
        if (value < EX_RUNDOWN_COUNT_INC) {
            rp_finding("RUNDOWN_NOT_ACQUIRED", STATUS_SUCCESS, NULL, NULL,
                       "ExReleaseRundownProtection(%p) without a matching ExAcquireRundownProtection",
                       (void *)RunRef);
            return;
        }
        if (ex_rd_swap(RunRef, &value, value - EX_RUNDOWN_COUNT_INC))
            return;
    }
}

NTKERNELAPI VOID FASTCALL ExWaitForRundownProtectionRelease(PEX_RUNDOWN_REF RunRef)
{
    if (KeGetCurrentIrql() > APC_LEVEL) {
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
                   "ExWaitForRundownProtectionRelease(%p) at IRQL %u; the caller must be below DISPATCH_LEVEL",
                   (void *)RunRef, KeGetCurrentIrql());
    }
    ULONG_PTR value = ex_rd_load(RunRef);
    ex_rundown_wait wait;
    for (;;) {
        if ((value & EX_RUNDOWN_ACTIVE) != 0) {
            if (value != EX_RUNDOWN_ACTIVE) {
                rp_finding("RUNDOWN_WAIT_TWICE", STATUS_SUCCESS, NULL, NULL,
                           "ExWaitForRundownProtectionRelease(%p) while another thread is already waiting for the "
                           "run-down of this object", (void *)RunRef);
            }
            return; /* already run down (or being run down by someone else) */
        }
        if (value == 0) {
            if (ex_rd_swap(RunRef, &value, EX_RUNDOWN_ACTIVE))
                return;
            continue;
        }
        wait.Count = value / EX_RUNDOWN_COUNT_INC;
        KeInitializeEvent(&wait.Event, NotificationEvent, FALSE);
        if (ex_rd_swap(RunRef, &value, (ULONG_PTR)&wait | EX_RUNDOWN_ACTIVE))
            break;
    }
    /* A status other than success means the scheduler gave up on the wait (a deadlock, already
     * reported): the references are never coming back.  Either way the object is left run down,
     * and the word no longer points at this stack frame. */
    (void)KeWaitForSingleObject(&wait.Event, WrRundown, KernelMode, FALSE, NULL);
    plat_atomic_store(&RunRef->Count, EX_RUNDOWN_ACTIVE, PLAT_RELEASE);
}

NTKERNELAPI VOID FASTCALL ExRundownCompleted(PEX_RUNDOWN_REF RunRef)
{
    plat_atomic_store(&RunRef->Count, EX_RUNDOWN_ACTIVE, PLAT_RELEASE);
}
