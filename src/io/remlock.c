/* io/remlock.c: remove locks: IoInitializeRemoveLockEx, IoAcquireRemoveLockEx,
 * IoReleaseRemoveLockEx and IoReleaseRemoveLockAndWaitEx (the IoXxxRemoveLock macros of wdm.h
 * call these with sizeof(IO_REMOVE_LOCK)).
 *
 * The lock is the free-build layout, IO_REMOVE_LOCK_COMMON_BLOCK: IoCount starts at 1 (the
 * lock's own reference), every acquisition adds one and every release takes one away.
 * IoReleaseRemoveLockAndWait sets Removed, drops the caller's acquisition and the initial
 * reference, and waits on RemoveEvent (a synchronization event) until the outstanding
 * acquisitions are released: the release that brings IoCount to 0 sets the event.  The wait is
 * a scheduling point, so in deterministic mode the threads, DPCs and work items holding
 * acquisitions run during it; if none of them ever releases, the wait ends with the
 * scheduler's DEADLOCK finding.  Once Removed is set, acquiring fails with STATUS_DELETE_PENDING
 * (the attempt briefly counts, as on Windows, and sets the event if it was the last count).
 *
 * Like the checked-build remove lock, wdmemu tracks acquisitions per tag, in a side table keyed
 * by the lock's address (the IO_REMOVE_LOCK has no room for it): releasing with a tag that holds
 * no acquisition is reported, and so is going over the HighWatermark given at initialisation.
 * MaxLockedMinutes is accepted and not enforced.  A record is made (or replaced) by
 * IoInitializeRemoveLock; its tag counts are dropped when IoReleaseRemoveLockAndWait finishes,
 * leaving a marker that the lock was removed.  A record also notes the device whose extension
 * holds the lock (where the WDK says it belongs), and is dropped as soon as that device is no
 * longer a live device object or the address belongs to a newer device; records of locks kept
 * elsewhere (pool, stack) cannot be aged and are simply replaced when a lock at the same address
 * is initialised.  That is why re-initialisation after IoReleaseRemoveLockAndWait is only
 * reported for locks in a device extension: only there does wdmemu know it is the same lock.
 *
 * Reported: RemlockSize other than sizeof(IO_REMOVE_LOCK); acquiring a lock that was never
 * initialised (IoCount 0, as in a zeroed device extension); releasing more often than acquiring (the release is then ignored, so the count
 * stays meaningful); IoReleaseRemoveLockAndWait without holding an acquisition, or twice;
 * re-initialising a lock in a device extension after IoReleaseRemoveLockAndWait (a Driver
 * Verifier bug check); going over the HighWatermark; releasing with a tag no acquisition used; the
 * IRQL rules (initialise and wait at PASSIVE_LEVEL, acquire and release at or below
 * DISPATCH_LEVEL). */
#include <stdlib.h>

#include <uthash.h>

#include "core/report.h"
#include "io/io.h"
#include "ke/ke.h"
#include "platform/atomic.h"

typedef struct io_rl_tag {
    PVOID tag;
    LONG count;
    PCSTR file; /* where it was last acquired, for messages */
    ULONG line;
} io_rl_tag;

typedef struct io_rl {
    PIO_REMOVE_LOCK lock; /* the key */
    PDEVICE_OBJECT device; /* the device whose extension holds the lock, NULL if none */
    ULONG serial;          /* and its creation serial */
    ULONG high_watermark;
    BOOLEAN waited;       /* IoReleaseRemoveLockAndWait returned */
    io_rl_tag *tags;
    size_t count;
    size_t capacity;
    UT_hash_handle hh;
} io_rl;

static io_rl *io_rl_table;
static plat_mutex io_rl_mutex;
static plat_once_flag io_rl_once = PLAT_ONCE_INIT;

static void io_rl_mutex_init(void)
{
    plat_mutex_init(&io_rl_mutex);
}

static void io_rl_lock(void)
{
    plat_once(&io_rl_once, io_rl_mutex_init);
    plat_mutex_lock(&io_rl_mutex);
}

static void io_rl_unlock(void)
{
    plat_mutex_unlock(&io_rl_mutex);
}

static void io_rl_forget_tags(io_rl *record)
{
    free(record->tags);
    record->tags = NULL;
    record->count = record->capacity = 0;
}

/* A record of a lock in the extension of a device that is gone describes freed memory. */
static BOOLEAN io_rl_stale(io_rl *record)
{
    return record->device != NULL &&
           (!io_is_device(record->device) || io_device_ext_of(record->device)->serial != record->serial);
}

static void io_rl_drop(io_rl *record)
{
    HASH_DEL(io_rl_table, record);
    io_rl_forget_tags(record);
    free(record);
}

/* The record of a lock (lock held), NULL when there is none or it was stale. */
static io_rl *io_rl_find(PIO_REMOVE_LOCK lock)
{
    io_rl *record = NULL;
    HASH_FIND_PTR(io_rl_table, &lock, record);
    if (record != NULL && io_rl_stale(record)) {
        io_rl_drop(record);
        record = NULL;
    }
    return record;
}

static void io_rl_prune(void)
{
    io_rl *record, *next;
    HASH_ITER(hh, io_rl_table, record, next) {
        if (io_rl_stale(record))
            io_rl_drop(record);
    }
}

/* Which device's extension holds the lock (the usual place for it). */
typedef struct io_rl_owner {
    const char *lock;
    PDEVICE_OBJECT device;
} io_rl_owner;

static void io_rl_owner_check(void *body, void *context)
{
    io_rl_owner *owner = context;
    PDEVICE_OBJECT device = body;
    const char *extension = device->DeviceExtension;
    size_t size = device->Size > sizeof(DEVICE_OBJECT) ? device->Size - sizeof(DEVICE_OBJECT) : 0;
    if (extension != NULL && owner->lock >= extension && owner->lock + sizeof(IO_REMOVE_LOCK) <= extension + size)
        owner->device = device;
}

static io_rl_tag *io_rl_tag_find(io_rl *record, PVOID tag)
{
    for (size_t i = 0; i < record->count; i++) {
        if (record->tags[i].tag == tag)
            return &record->tags[i];
    }
    return NULL;
}

static void io_rl_tag_acquired(io_rl *record, PVOID tag, PCSTR file, ULONG line)
{
    io_rl_tag *entry = io_rl_tag_find(record, tag);
    if (entry == NULL) {
        /* Reuse a slot whose count went back to zero before growing the array. */
        for (size_t i = 0; entry == NULL && i < record->count; i++) {
            if (record->tags[i].count == 0)
                entry = &record->tags[i];
        }
        if (entry == NULL) {
            if (record->count == record->capacity) {
                size_t capacity = record->capacity != 0 ? record->capacity * 2 : 8;
                io_rl_tag *grown = realloc(record->tags, capacity * sizeof(*grown));
                if (grown == NULL)
                    return; /* untracked; a later release of it is then not checked */
                record->tags = grown;
                record->capacity = capacity;
            }
            entry = &record->tags[record->count++];
        }
        entry->tag = tag;
        entry->count = 0;
    }
    entry->count++;
    entry->file = file;
    entry->line = line;
}

/* Takes one acquisition of tag off the record; FALSE when the tag holds none. */
static BOOLEAN io_rl_tag_released(io_rl *record, PVOID tag)
{
    io_rl_tag *entry = io_rl_tag_find(record, tag);
    if (entry == NULL || entry->count == 0)
        return FALSE;
    entry->count--;
    return TRUE;
}

static void io_rl_check_size(PIO_REMOVE_LOCK lock, ULONG size, const char *ddi)
{
    if (size != sizeof(IO_REMOVE_LOCK)) {
        rp_finding("REMOVE_LOCK_BAD_SIZE", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p) with RemlockSize %u; the lock is an IO_REMOVE_LOCK of %u bytes (use the "
                   "IoXxxRemoveLock macros, which pass sizeof(IO_REMOVE_LOCK))", ddi, (void *)lock, (unsigned)size,
                   (unsigned)sizeof(IO_REMOVE_LOCK));
    }
}

static BOOLEAN io_rl_check_irql(KIRQL max, const char *ddi, PIO_REMOVE_LOCK lock)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql <= max)
        return TRUE;
    rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL, "%s(%p) at IRQL %u (must be %s)", ddi,
               (void *)lock, irql, max == PASSIVE_LEVEL ? "PASSIVE_LEVEL" : "<= DISPATCH_LEVEL");
    return FALSE;
}

static BOOLEAN io_rl_removed(PIO_REMOVE_LOCK lock)
{
    return plat_atomic_load(&lock->Common.Removed, PLAT_SEQ_CST) != FALSE;
}

static void io_rl_setup(PIO_REMOVE_LOCK lock)
{
    lock->Common.Removed = FALSE;
    lock->Common.Reserved[0] = lock->Common.Reserved[1] = lock->Common.Reserved[2] = 0;
    lock->Common.IoCount = 1;
    KeInitializeEvent(&lock->Common.RemoveEvent, SynchronizationEvent, FALSE);
}

NTKERNELAPI VOID NTAPI IoInitializeRemoveLockEx(PIO_REMOVE_LOCK Lock, ULONG AllocateTag, ULONG MaxLockedMinutes,
                                                ULONG HighWatermark, ULONG RemlockSize)
{
    (void)AllocateTag;
    (void)MaxLockedMinutes;
    io_rl_check_irql(PASSIVE_LEVEL, "IoInitializeRemoveLock", Lock);
    if (Lock == NULL) {
        rp_finding("INVALID_PARAMETER", STATUS_INVALID_PARAMETER, NULL, NULL, "IoInitializeRemoveLock(NULL)");
        return;
    }
    io_rl_check_size(Lock, RemlockSize, "IoInitializeRemoveLock");
    if (HighWatermark > 0x7FFFFFFF) {
        rp_finding("INVALID_PARAMETER", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoInitializeRemoveLock(%p) with HighWatermark 0x%X (must be <= 0x7FFFFFFF)", (void *)Lock,
                   (unsigned)HighWatermark);
        HighWatermark = 0;
    }
    io_rl_owner owner = {.lock = (const char *)Lock, .device = NULL};
    ob_for_each(OB_TYPE_DEVICE, io_rl_owner_check, &owner);
    io_rl_lock();
    io_rl *record = io_rl_find(Lock);
    /* Only a record tied to the same live device proves that this is the same lock: memory
     * elsewhere (pool, stack) may have been freed and reused since. */
    BOOLEAN again = record != NULL && record->waited && record->device != NULL && record->device == owner.device;
    if (record == NULL) {
        io_rl_prune();
        record = calloc(1, sizeof(*record));
        if (record != NULL) {
            record->lock = Lock;
            HASH_ADD_PTR(io_rl_table, lock, record);
        }
    } else {
        io_rl_forget_tags(record);
    }
    if (record != NULL) {
        record->waited = FALSE;
        record->high_watermark = HighWatermark;
        record->device = owner.device;
        record->serial = owner.device != NULL ? io_device_ext_of(owner.device)->serial : 0;
    }
    io_rl_unlock();
    if (again) {
        rp_finding("REMOVE_LOCK_REINITIALIZED", STATUS_SUCCESS, NULL, NULL,
                   "IoInitializeRemoveLock(%p) after IoReleaseRemoveLockAndWait on the same lock: once released "
                   "and waited for, the device is being removed and the lock must not be used again (a Driver "
                   "Verifier bug check)", (void *)Lock);
    }
    io_rl_setup(Lock);
}

NTKERNELAPI NTSTATUS NTAPI IoAcquireRemoveLockEx(PIO_REMOVE_LOCK RemoveLock, PVOID Tag, PCSTR File, ULONG Line,
                                                 ULONG RemlockSize)
{
    io_rl_check_irql(DISPATCH_LEVEL, "IoAcquireRemoveLock", RemoveLock);
    if (RemoveLock == NULL) {
        rp_finding("INVALID_PARAMETER", STATUS_INVALID_PARAMETER, NULL, NULL, "IoAcquireRemoveLock(NULL) at %s:%u",
                   File != NULL ? File : "?", (unsigned)Line);
        return STATUS_INVALID_PARAMETER;
    }
    io_rl_check_size(RemoveLock, RemlockSize, "IoAcquireRemoveLock");
    LONG count = InterlockedIncrement(&RemoveLock->Common.IoCount);
    if (io_rl_removed(RemoveLock)) {
        if (InterlockedDecrement(&RemoveLock->Common.IoCount) == 0)
            KeSetEvent(&RemoveLock->Common.RemoveEvent, IO_NO_INCREMENT, FALSE);
        return STATUS_DELETE_PENDING;
    }
    if (count <= 1) {
        /* A live lock never has fewer than its own reference: this one was never set up. */
        rp_finding("REMOVE_LOCK_NOT_INITIALIZED", STATUS_SUCCESS, NULL, NULL,
                   "IoAcquireRemoveLock(%p) at %s:%u on a lock that IoInitializeRemoveLock did not initialise "
                   "(IoCount was %ld); it is initialised now", (void *)RemoveLock, File != NULL ? File : "?",
                   (unsigned)Line, (long)(count - 1));
        io_rl_setup(RemoveLock);
        count = InterlockedIncrement(&RemoveLock->Common.IoCount);
    }
    ULONG high = 0;
    io_rl_lock();
    io_rl *record = io_rl_find(RemoveLock);
    if (record != NULL) {
        io_rl_tag_acquired(record, Tag, File, Line);
        high = record->high_watermark;
    }
    io_rl_unlock();
    if (high != 0 && (ULONG)(count - 1) > high) {
        rp_finding("REMOVE_LOCK_HIGH_WATERMARK", STATUS_SUCCESS, NULL, NULL,
                   "IoAcquireRemoveLock(%p) at %s:%u: %ld acquisitions outstanding, more than the HighWatermark "
                   "of %u given to IoInitializeRemoveLock", (void *)RemoveLock, File != NULL ? File : "?",
                   (unsigned)Line, (long)(count - 1), (unsigned)high);
    }
    return STATUS_SUCCESS;
}

/* Checks the tag of a release against the acquisitions (report when it holds none). */
static void io_rl_release_tag(PIO_REMOVE_LOCK lock, PVOID tag, const char *ddi)
{
    io_rl_lock();
    io_rl *record = io_rl_find(lock);
    BOOLEAN unknown = record != NULL && !io_rl_tag_released(record, tag);
    io_rl_unlock();
    if (unknown) {
        rp_finding("REMOVE_LOCK_TAG_NOT_ACQUIRED", STATUS_SUCCESS, NULL, NULL,
                   "%s(%p, tag %p): no acquisition with this tag is outstanding; every release must pass the tag "
                   "its IoAcquireRemoveLock passed", ddi, (void *)lock, tag);
    }
}

NTKERNELAPI VOID NTAPI IoReleaseRemoveLockEx(PIO_REMOVE_LOCK RemoveLock, PVOID Tag, ULONG RemlockSize)
{
    io_rl_check_irql(DISPATCH_LEVEL, "IoReleaseRemoveLock", RemoveLock);
    if (RemoveLock == NULL) {
        rp_finding("INVALID_PARAMETER", STATUS_INVALID_PARAMETER, NULL, NULL, "IoReleaseRemoveLock(NULL)");
        return;
    }
    io_rl_check_size(RemoveLock, RemlockSize, "IoReleaseRemoveLock");
    /* Take one count away unless that would eat the lock's own reference (or go below zero
     * once it is gone). */
    LONG count = plat_atomic_load(&RemoveLock->Common.IoCount, PLAT_SEQ_CST);
    for (;;) {
        LONG floor = io_rl_removed(RemoveLock) ? 0 : 1;
        if (count <= floor) {
            rp_finding("REMOVE_LOCK_RELEASED_TOO_OFTEN", STATUS_SUCCESS, NULL, NULL,
                       "IoReleaseRemoveLock(%p, tag %p) without an outstanding IoAcquireRemoveLock (IoCount %ld%s); "
                       "the release is ignored", (void *)RemoveLock, Tag, (long)count,
                       floor == 0 ? ", the lock was already released and waited for" : "");
            return;
        }
        if (plat_atomic_cas(&RemoveLock->Common.IoCount, &count, count - 1, FALSE, PLAT_SEQ_CST,
                                        PLAT_SEQ_CST))
            break;
    }
    io_rl_release_tag(RemoveLock, Tag, "IoReleaseRemoveLock");
    if (count - 1 == 0)
        KeSetEvent(&RemoveLock->Common.RemoveEvent, IO_NO_INCREMENT, FALSE);
}

NTKERNELAPI VOID NTAPI IoReleaseRemoveLockAndWaitEx(PIO_REMOVE_LOCK RemoveLock, PVOID Tag, ULONG RemlockSize)
{
    io_rl_check_irql(PASSIVE_LEVEL, "IoReleaseRemoveLockAndWait", RemoveLock);
    if (RemoveLock == NULL) {
        rp_finding("INVALID_PARAMETER", STATUS_INVALID_PARAMETER, NULL, NULL, "IoReleaseRemoveLockAndWait(NULL)");
        return;
    }
    io_rl_check_size(RemoveLock, RemlockSize, "IoReleaseRemoveLockAndWait");
    if (io_rl_removed(RemoveLock)) {
        rp_finding("REMOVE_LOCK_WAIT_TWICE", STATUS_SUCCESS, NULL, NULL,
                   "IoReleaseRemoveLockAndWait(%p, tag %p) on a lock that was already released and waited for",
                   (void *)RemoveLock, Tag);
        return;
    }
    BOOLEAN held = plat_atomic_load(&RemoveLock->Common.IoCount, PLAT_SEQ_CST) > 1;
    if (!held) {
        rp_finding("REMOVE_LOCK_WAIT_WITHOUT_ACQUIRE", STATUS_SUCCESS, NULL, NULL,
                   "IoReleaseRemoveLockAndWait(%p, tag %p) without holding the lock: the driver must call "
                   "IoAcquireRemoveLock first (usually at the top of its DispatchPnp routine)", (void *)RemoveLock,
                   Tag);
    } else {
        io_rl_release_tag(RemoveLock, Tag, "IoReleaseRemoveLockAndWait");
    }
    plat_atomic_store(&RemoveLock->Common.Removed, TRUE, PLAT_SEQ_CST);
    /* The caller's acquisition (when it has one), then the lock's own reference. */
    LONG left = held ? InterlockedDecrement(&RemoveLock->Common.IoCount) : 1;
    if (left > 0)
        left = InterlockedDecrement(&RemoveLock->Common.IoCount);
    if (left > 0)
        KeWaitForSingleObject(&RemoveLock->Common.RemoveEvent, Executive, KernelMode, FALSE, NULL);
    io_rl_lock();
    io_rl *record = io_rl_find(RemoveLock);
    if (record != NULL) {
        io_rl_forget_tags(record);
        record->waited = TRUE;
    }
    io_rl_unlock();
}
