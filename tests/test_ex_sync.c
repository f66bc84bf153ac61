/* Executive synchronisation in deterministic mode: fast and guarded mutexes (IRQL, hand-over,
 * recursion and ownership findings), executive resources contended by system threads (exclusive
 * against shared, shared together, exclusive waiters holding back new readers, the starve and
 * wait-for-exclusive variants, conversion, release on behalf of another thread, misuse
 * findings), spin-lock protected lists and counters, sequenced lists, and rundown protection. */
#include "test_support.h"

/* ---- helpers ---------------------------------------------------------------------------------- */

static PETHREAD start_thread(PKSTART_ROUTINE routine, PVOID context)
{
    HANDLE handle;
    assert_status(STATUS_SUCCESS, PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, routine, context));
    PETHREAD thread;
    assert_status(STATUS_SUCCESS, ObReferenceObjectByHandle(handle, SYNCHRONIZE, *PsThreadType, KernelMode, (PVOID *)&thread, NULL));
    assert_status(STATUS_SUCCESS, ZwClose(handle));
    return thread;
}

/* Waits for the thread to end.  The reference start_thread took is left to wdmemu_shutdown,
 * which frees every object: the kernel keeps terminated threads on its thread list until then,
 * and dropping the last reference earlier would free a record that list still points to. */
static void join_thread(PETHREAD thread)
{
    assert_status(STATUS_SUCCESS, KeWaitForSingleObject(thread, Executive, KernelMode, FALSE, NULL));
}

/* The order in which threads got hold of a lock, one letter each. */
static char order[32];
static size_t order_length;

static void order_reset(void)
{
    order_length = 0;
    order[0] = '\0';
}

static void order_note(char c)
{
    if (order_length + 1 < sizeof(order)) {
        order[order_length++] = c;
        order[order_length] = '\0';
    }
}

/* ---- fast and guarded mutexes ---------------------------------------------------------------- */

typedef struct mutex_user {
    PFAST_MUTEX mutex;
    BOOLEAN guarded;
    volatile BOOLEAN holding;
    KIRQL irql_inside;
    BOOLEAN try_result;
    KEVENT release;
} mutex_user;

static void mutex_user_init(mutex_user *u, PFAST_MUTEX mutex, BOOLEAN guarded)
{
    memset(u, 0, sizeof(*u));
    u->mutex = mutex;
    u->guarded = guarded;
    KeInitializeEvent(&u->release, NotificationEvent, FALSE);
}

static VOID NTAPI mutex_user_body(PVOID Context)
{
    mutex_user *u = Context;
    if (u->guarded)
        KeAcquireGuardedMutex(u->mutex);
    else
        ExAcquireFastMutex(u->mutex);
    u->holding = TRUE;
    u->irql_inside = KeGetCurrentIrql();
    KeWaitForSingleObject(&u->release, Executive, KernelMode, FALSE, NULL);
    u->holding = FALSE;
    if (u->guarded)
        KeReleaseGuardedMutex(u->mutex);
    else
        ExReleaseFastMutex(u->mutex);
}

static void fast_mutex_raises_to_apc_level_and_restores_the_old_irql(void **state)
{
    (void)state;
    FAST_MUTEX mutex;
    ExInitializeFastMutex(&mutex);
    assert_int_equal(mutex.Count, FM_LOCK_BIT);
    assert_null(mutex.Owner);
    ExAcquireFastMutex(&mutex);
    assert_int_equal(KeGetCurrentIrql(), APC_LEVEL);
    assert_int_equal(mutex.OldIrql, PASSIVE_LEVEL);
    assert_int_equal(mutex.Count, 0);
    assert_ptr_equal(mutex.Owner, KeGetCurrentThread());
    ExReleaseFastMutex(&mutex);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    assert_int_equal(mutex.Count, FM_LOCK_BIT);
    assert_null(mutex.Owner);

    /* Acquired at APC_LEVEL, it stays there after the release. */
    KIRQL old;
    KeRaiseIrql(APC_LEVEL, &old);
    ExAcquireFastMutex(&mutex);
    assert_int_equal(mutex.OldIrql, APC_LEVEL);
    ExReleaseFastMutex(&mutex);
    assert_int_equal(KeGetCurrentIrql(), APC_LEVEL);
    KeLowerIrql(old);
    assert_no_findings();
}

static void fast_mutex_contention_blocks_until_the_owner_hands_it_over(void **state)
{
    (void)state;
    FAST_MUTEX mutex;
    ExInitializeFastMutex(&mutex);
    mutex_user u;
    mutex_user_init(&u, &mutex, FALSE);
    /* Created at PASSIVE_LEVEL; it first runs at the next scheduling point. */
    PETHREAD thread = start_thread(mutex_user_body, &u);
    ExAcquireFastMutex(&mutex);
    wdmemu_run_until_idle();
    assert_false(u.holding);
    assert_int_equal(mutex.Count, -1); /* owned, one waiter */
    assert_int_equal(mutex.Contention, 1);
    ExReleaseFastMutex(&mutex);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    /* Handed over: a newcomer cannot take it before the waiter runs. */
    assert_false(ExTryToAcquireFastMutex(&mutex));
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    wdmemu_run_until_idle();
    assert_true(u.holding);
    assert_int_equal(u.irql_inside, APC_LEVEL);
    assert_ptr_equal(mutex.Owner, thread);
    KeSetEvent(&u.release, IO_NO_INCREMENT, FALSE);
    join_thread(thread);
    assert_int_equal(mutex.Count, FM_LOCK_BIT);
    assert_true(ExTryToAcquireFastMutex(&mutex));
    assert_int_equal(KeGetCurrentIrql(), APC_LEVEL);
    ExReleaseFastMutex(&mutex);
    assert_no_findings();
}

static void fast_mutex_recursion_is_reported(void **state)
{
    (void)state;
    FAST_MUTEX mutex;
    ExInitializeFastMutex(&mutex);
    ExAcquireFastMutex(&mutex);
    ExAcquireFastMutex(&mutex);
    assert_non_null(ts_finding("FAST_MUTEX_RECURSION"));
    assert_false(ExTryToAcquireFastMutex(&mutex));
    assert_int_equal(ts_count_findings("FAST_MUTEX_RECURSION"), 2);
    ExReleaseFastMutex(&mutex);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    assert_int_equal(mutex.Count, FM_LOCK_BIT);
}

static void fast_mutex_release_by_a_non_owner_is_reported(void **state)
{
    (void)state;
    FAST_MUTEX mutex;
    ExInitializeFastMutex(&mutex);
    ExReleaseFastMutex(&mutex);
    assert_non_null(ts_finding("FAST_MUTEX_NOT_OWNED"));
    assert_int_equal(mutex.Count, FM_LOCK_BIT);
    ts_findings_clear();

    mutex_user u;
    mutex_user_init(&u, &mutex, FALSE);
    PETHREAD thread = start_thread(mutex_user_body, &u);
    wdmemu_run_until_idle();
    assert_true(u.holding);
    ExReleaseFastMutex(&mutex);
    assert_non_null(ts_finding("FAST_MUTEX_NOT_OWNED"));
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    assert_int_equal(mutex.Count, 0); /* still the thread's */
    KeSetEvent(&u.release, IO_NO_INCREMENT, FALSE);
    join_thread(thread);
    assert_int_equal(mutex.Count, FM_LOCK_BIT);
}

static void fast_mutex_above_apc_level_is_reported(void **state)
{
    (void)state;
    FAST_MUTEX mutex;
    ExInitializeFastMutex(&mutex);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    ExAcquireFastMutex(&mutex);
    assert_non_null(ts_finding("IRQL_NOT_LESS_OR_EQUAL"));
    ExReleaseFastMutex(&mutex);
    assert_int_equal(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KeLowerIrql(old);
}

static void unsafe_fast_mutex_requires_apcs_disabled(void **state)
{
    (void)state;
    FAST_MUTEX mutex;
    ExInitializeFastMutex(&mutex);
    KeEnterCriticalRegion();
    ExAcquireFastMutexUnsafe(&mutex);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    assert_ptr_equal(mutex.Owner, KeGetCurrentThread());
    ExReleaseFastMutexUnsafe(&mutex);
    KeLeaveCriticalRegion();
    KIRQL old;
    KeRaiseIrql(APC_LEVEL, &old);
    ExAcquireFastMutexUnsafe(&mutex);
    ExReleaseFastMutexUnsafe(&mutex);
    KeLowerIrql(old);
    assert_no_findings();

    ExAcquireFastMutexUnsafe(&mutex);
    assert_non_null(ts_finding("FAST_MUTEX_APCS_ENABLED"));
    ExReleaseFastMutexUnsafe(&mutex);
    assert_int_equal(mutex.Count, FM_LOCK_BIT);
}

static void guarded_mutex_enters_a_guarded_region(void **state)
{
    (void)state;
    KGUARDED_MUTEX mutex;
    KeInitializeGuardedMutex(&mutex);
    KeAcquireGuardedMutex(&mutex);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    assert_true(KeAreAllApcsDisabled());
    KeReleaseGuardedMutex(&mutex);
    assert_false(KeAreApcsDisabled());

    /* A failed try leaves no guarded region behind. */
    mutex_user u;
    mutex_user_init(&u, &mutex, TRUE);
    PETHREAD thread = start_thread(mutex_user_body, &u);
    wdmemu_run_until_idle();
    assert_true(u.holding);
    assert_int_equal(u.irql_inside, PASSIVE_LEVEL);
    assert_false(KeTryToAcquireGuardedMutex(&mutex));
    assert_false(KeAreApcsDisabled());
    KeSetEvent(&u.release, IO_NO_INCREMENT, FALSE);
    join_thread(thread);
    assert_true(KeTryToAcquireGuardedMutex(&mutex));
    assert_true(KeAreAllApcsDisabled());
    KeReleaseGuardedMutex(&mutex);
    assert_false(KeAreApcsDisabled());

    /* The Unsafe forms need a guarded region (a critical region is not enough) or APC_LEVEL. */
    KeEnterGuardedRegion();
    KeAcquireGuardedMutexUnsafe(&mutex);
    KeReleaseGuardedMutexUnsafe(&mutex);
    KeLeaveGuardedRegion();
    assert_no_findings();
    KeEnterCriticalRegion();
    KeAcquireGuardedMutexUnsafe(&mutex);
    KeReleaseGuardedMutexUnsafe(&mutex);
    KeLeaveCriticalRegion();
    assert_non_null(ts_finding("FAST_MUTEX_APCS_ENABLED"));
    ts_findings_clear();
    KeAcquireGuardedMutex(&mutex);
    KeAcquireGuardedMutex(&mutex);
    assert_non_null(ts_finding("FAST_MUTEX_RECURSION"));
    KeReleaseGuardedMutex(&mutex);
    assert_false(KeAreApcsDisabled());
}

/* ---- executive resources ------------------------------------------------------------------- */

typedef enum lock_mode {
    LOCK_EXCLUSIVE,
    LOCK_SHARED,
    LOCK_STARVE_EXCLUSIVE,
    LOCK_EXCLUSIVE_AND_KEEP /* acquire exclusively and exit without releasing */
} lock_mode;

typedef struct locker {
    PERESOURCE resource;
    lock_mode mode;
    char name;
    volatile BOOLEAN holding;
    ERESOURCE_THREAD id;
    KEVENT release;
} locker;

static void locker_init(locker *l, PERESOURCE resource, lock_mode mode, char name)
{
    memset(l, 0, sizeof(*l));
    l->resource = resource;
    l->mode = mode;
    l->name = name;
    KeInitializeEvent(&l->release, NotificationEvent, FALSE);
}

static VOID NTAPI locker_body(PVOID Context)
{
    locker *l = Context;
    KeEnterCriticalRegion();
    l->id = ExGetCurrentResourceThread();
    BOOLEAN got = FALSE;
    switch (l->mode) {
    case LOCK_EXCLUSIVE:
    case LOCK_EXCLUSIVE_AND_KEEP:
        got = ExAcquireResourceExclusiveLite(l->resource, TRUE);
        break;
    case LOCK_SHARED:
        got = ExAcquireResourceSharedLite(l->resource, TRUE);
        break;
    case LOCK_STARVE_EXCLUSIVE:
        got = ExAcquireSharedStarveExclusive(l->resource, TRUE);
        break;
    }
    if (!got) {
        KeLeaveCriticalRegion();
        return;
    }
    l->holding = TRUE;
    order_note(l->name);
    if (l->mode == LOCK_EXCLUSIVE_AND_KEEP) {
        KeLeaveCriticalRegion();
        return;
    }
    KeWaitForSingleObject(&l->release, Executive, KernelMode, FALSE, NULL);
    l->holding = FALSE;
    ExReleaseResourceLite(l->resource);
    KeLeaveCriticalRegion();
}

static PETHREAD locker_start(locker *l)
{
    PETHREAD thread = start_thread(locker_body, l);
    wdmemu_run_until_idle();
    return thread;
}

static void locker_finish(locker *l, PETHREAD thread)
{
    KeSetEvent(&l->release, IO_NO_INCREMENT, FALSE);
    join_thread(thread);
}

static void resource_exclusive_access_is_recursive(void **state)
{
    (void)state;
    ERESOURCE resource;
    assert_status(STATUS_SUCCESS, ExInitializeResourceLite(&resource));
    KeEnterCriticalRegion();
    assert_true(ExAcquireResourceExclusiveLite(&resource, TRUE));
    assert_true(ExAcquireResourceExclusiveLite(&resource, FALSE));
    assert_true(ExIsResourceAcquiredExclusiveLite(&resource));
    assert_int_equal(ExIsResourceAcquiredSharedLite(&resource), 2);
    /* Shared inside exclusive is one more exclusive acquisition. */
    assert_true(ExAcquireResourceSharedLite(&resource, FALSE));
    assert_true(ExAcquireSharedWaitForExclusive(&resource, FALSE));
    assert_int_equal(ExIsResourceAcquiredSharedLite(&resource), 4);
    assert_true(ExIsResourceAcquiredExclusiveLite(&resource));
    for (int i = 0; i < 4; i++)
        ExReleaseResourceLite(&resource);
    assert_false(ExIsResourceAcquiredExclusiveLite(&resource));
    assert_int_equal(ExIsResourceAcquiredSharedLite(&resource), 0);
    assert_int_equal(resource.ActiveCount, 0);
    KeLeaveCriticalRegion();
    assert_status(STATUS_SUCCESS, ExDeleteResourceLite(&resource));
    assert_no_findings();
}

static void resource_shared_access_is_counted_per_thread(void **state)
{
    (void)state;
    ERESOURCE resource;
    ExInitializeResourceLite(&resource);
    KeEnterCriticalRegion();
    assert_true(ExAcquireResourceSharedLite(&resource, TRUE));
    assert_true(ExAcquireSharedStarveExclusive(&resource, TRUE));
    assert_int_equal(ExIsResourceAcquiredSharedLite(&resource), 2);
    assert_false(ExIsResourceAcquiredExclusiveLite(&resource));
    ExReleaseResourceLite(&resource);
    assert_int_equal(ExIsResourceAcquiredSharedLite(&resource), 1);
    ExReleaseResourceLite(&resource);
    assert_int_equal(ExIsResourceAcquiredSharedLite(&resource), 0);
    KeLeaveCriticalRegion();
    ExDeleteResourceLite(&resource);
    assert_no_findings();
}

static void exclusive_owner_blocks_a_shared_acquirer(void **state)
{
    (void)state;
    ERESOURCE resource;
    ExInitializeResourceLite(&resource);
    order_reset();
    KeEnterCriticalRegion();
    assert_true(ExAcquireResourceExclusiveLite(&resource, TRUE));
    locker s;
    locker_init(&s, &resource, LOCK_SHARED, 'S');
    PETHREAD thread = locker_start(&s);
    assert_false(s.holding);
    assert_int_equal(ExGetSharedWaiterCount(&resource), 1);
    assert_int_equal(ExGetExclusiveWaiterCount(&resource), 0);
    assert_int_equal(resource.ContentionCount, 1);
    ExReleaseResourceLite(&resource);
    /* Granted on release: the waiter owns it before it even runs. */
    assert_int_equal(ExGetSharedWaiterCount(&resource), 0);
    assert_false(ExAcquireResourceExclusiveLite(&resource, FALSE));
    wdmemu_run_until_idle();
    assert_true(s.holding);
    assert_int_equal(ExIsResourceAcquiredSharedLite(&resource), 0);
    assert_false(ExAcquireResourceExclusiveLite(&resource, FALSE));
    locker_finish(&s, thread);
    assert_true(ExAcquireResourceExclusiveLite(&resource, FALSE));
    ExReleaseResourceLite(&resource);
    KeLeaveCriticalRegion();
    ExDeleteResourceLite(&resource);
    assert_string_equal(order, "S");
    assert_no_findings();
}

static void shared_owners_hold_the_resource_together(void **state)
{
    (void)state;
    ERESOURCE resource;
    ExInitializeResourceLite(&resource);
    order_reset();
    locker a, b;
    locker_init(&a, &resource, LOCK_SHARED, 'A');
    locker_init(&b, &resource, LOCK_SHARED, 'B');
    PETHREAD ta = locker_start(&a);
    PETHREAD tb = locker_start(&b);
    assert_true(a.holding);
    assert_true(b.holding);
    assert_int_equal(resource.ActiveEntries, 2);
    assert_int_equal(resource.ContentionCount, 0);
    KeEnterCriticalRegion();
    assert_true(ExAcquireResourceSharedLite(&resource, FALSE));
    assert_int_equal(resource.ActiveEntries, 3);
    ExReleaseResourceLite(&resource);
    assert_false(ExAcquireResourceExclusiveLite(&resource, FALSE));
    KeLeaveCriticalRegion();
    locker_finish(&a, ta);
    assert_int_equal(resource.ActiveEntries, 1);
    locker_finish(&b, tb);
    assert_int_equal(resource.ActiveCount, 0);
    ExDeleteResourceLite(&resource);
    assert_string_equal(order, "AB");
    assert_no_findings();
}

static void exclusive_waiter_holds_back_new_shared_acquirers(void **state)
{
    (void)state;
    ERESOURCE resource;
    ExInitializeResourceLite(&resource);
    order_reset();
    KeEnterCriticalRegion();
    assert_true(ExAcquireResourceSharedLite(&resource, TRUE));
    locker x, s;
    locker_init(&x, &resource, LOCK_EXCLUSIVE, 'X');
    locker_init(&s, &resource, LOCK_SHARED, 'S');
    PETHREAD tx = locker_start(&x);
    assert_false(x.holding);
    assert_int_equal(ExGetExclusiveWaiterCount(&resource), 1);
    PETHREAD ts = locker_start(&s);
    assert_false(s.holding); /* queued behind the exclusive waiter */
    assert_int_equal(ExGetSharedWaiterCount(&resource), 1);
    /* The current owner itself may still acquire it shared again. */
    assert_true(ExAcquireResourceSharedLite(&resource, FALSE));
    assert_int_equal(ExIsResourceAcquiredSharedLite(&resource), 2);
    ExReleaseResourceLite(&resource);
    ExReleaseResourceLite(&resource);
    KeLeaveCriticalRegion();
    assert_int_equal(ExGetExclusiveWaiterCount(&resource), 0);
    wdmemu_run_until_idle();
    assert_true(x.holding);
    assert_false(s.holding);
    locker_finish(&x, tx);
    wdmemu_run_until_idle();
    assert_true(s.holding);
    locker_finish(&s, ts);
    ExDeleteResourceLite(&resource);
    assert_string_equal(order, "XS");
    assert_no_findings();
}

static void starve_exclusive_bypasses_exclusive_waiters(void **state)
{
    (void)state;
    ERESOURCE resource;
    ExInitializeResourceLite(&resource);
    order_reset();
    KeEnterCriticalRegion();
    assert_true(ExAcquireResourceSharedLite(&resource, TRUE));
    locker x, s;
    locker_init(&x, &resource, LOCK_EXCLUSIVE, 'X');
    locker_init(&s, &resource, LOCK_STARVE_EXCLUSIVE, 'S');
    PETHREAD tx = locker_start(&x);
    PETHREAD ts = locker_start(&s);
    assert_false(x.holding);
    assert_true(s.holding);
    assert_int_equal(ExGetSharedWaiterCount(&resource), 0);
    ExReleaseResourceLite(&resource);
    KeLeaveCriticalRegion();
    wdmemu_run_until_idle();
    assert_false(x.holding); /* S still holds it shared */
    locker_finish(&s, ts);
    wdmemu_run_until_idle();
    assert_true(x.holding);
    locker_finish(&x, tx);
    ExDeleteResourceLite(&resource);
    assert_string_equal(order, "SX");
    assert_no_findings();
}

static void wait_for_exclusive_lets_the_exclusive_waiter_go_first(void **state)
{
    (void)state;
    ERESOURCE resource;
    ExInitializeResourceLite(&resource);
    KeEnterCriticalRegion();
    assert_true(ExAcquireResourceSharedLite(&resource, TRUE));
    locker x;
    locker_init(&x, &resource, LOCK_EXCLUSIVE, 'X');
    PETHREAD tx = locker_start(&x);
    /* Even the thread that owns it shared does not get it again past an exclusive waiter. */
    assert_false(ExAcquireSharedWaitForExclusive(&resource, FALSE));
    assert_true(ExAcquireSharedStarveExclusive(&resource, FALSE));
    ExReleaseResourceLite(&resource);
    ExReleaseResourceLite(&resource);
    KeLeaveCriticalRegion();
    locker_finish(&x, tx);
    ExDeleteResourceLite(&resource);
    assert_no_findings();
}

/* A thread that owns the resource shared, then asks for it again with
 * ExAcquireSharedWaitForExclusive while an exclusive waiter is queued: it waits until another
 * thread releases its first acquisition on its behalf and the exclusive waiter is done. */
typedef struct wfe_ctx {
    PERESOURCE resource;
    ERESOURCE_THREAD id;
    KEVENT proceed;
    KEVENT release;
    volatile BOOLEAN second;
} wfe_ctx;

static VOID NTAPI wfe_body(PVOID Context)
{
    wfe_ctx *c = Context;
    KeEnterCriticalRegion();
    c->id = ExGetCurrentResourceThread();
    ExAcquireResourceSharedLite(c->resource, TRUE);
    order_note('w');
    KeWaitForSingleObject(&c->proceed, Executive, KernelMode, FALSE, NULL);
    ExAcquireSharedWaitForExclusive(c->resource, TRUE);
    c->second = TRUE;
    order_note('W');
    KeWaitForSingleObject(&c->release, Executive, KernelMode, FALSE, NULL);
    ExReleaseResourceLite(c->resource);
    KeLeaveCriticalRegion();
}

static void wait_for_exclusive_owner_waits_until_released_on_its_behalf(void **state)
{
    (void)state;
    ERESOURCE resource;
    ExInitializeResourceLite(&resource);
    order_reset();
    wfe_ctx c = {.resource = &resource};
    KeInitializeEvent(&c.proceed, NotificationEvent, FALSE);
    KeInitializeEvent(&c.release, NotificationEvent, FALSE);
    PETHREAD tw = start_thread(wfe_body, &c);
    wdmemu_run_until_idle();
    locker x;
    locker_init(&x, &resource, LOCK_EXCLUSIVE, 'X');
    PETHREAD tx = locker_start(&x);
    assert_int_equal(ExGetExclusiveWaiterCount(&resource), 1);
    KeSetEvent(&c.proceed, IO_NO_INCREMENT, FALSE);
    wdmemu_run_until_idle();
    assert_false(c.second);
    assert_int_equal(ExGetSharedWaiterCount(&resource), 1);
    ExReleaseResourceForThreadLite(&resource, c.id);
    wdmemu_run_until_idle();
    assert_true(x.holding);
    assert_false(c.second);
    locker_finish(&x, tx);
    wdmemu_run_until_idle();
    assert_true(c.second);
    KeSetEvent(&c.release, IO_NO_INCREMENT, FALSE);
    join_thread(tw);
    assert_int_equal(resource.ActiveCount, 0);
    ExDeleteResourceLite(&resource);
    assert_string_equal(order, "wXW");
    assert_no_findings();
}

static void exclusive_release_grants_all_shared_waiters_first(void **state)
{
    (void)state;
    ERESOURCE resource;
    ExInitializeResourceLite(&resource);
    order_reset();
    KeEnterCriticalRegion();
    assert_true(ExAcquireResourceExclusiveLite(&resource, TRUE));
    locker x, s1, s2;
    locker_init(&x, &resource, LOCK_EXCLUSIVE, 'X');
    locker_init(&s1, &resource, LOCK_SHARED, '1');
    locker_init(&s2, &resource, LOCK_SHARED, '2');
    PETHREAD tx = locker_start(&x);
    PETHREAD t1 = locker_start(&s1);
    PETHREAD t2 = locker_start(&s2);
    assert_int_equal(ExGetExclusiveWaiterCount(&resource), 1);
    assert_int_equal(ExGetSharedWaiterCount(&resource), 2);
    ExReleaseResourceLite(&resource);
    KeLeaveCriticalRegion();
    wdmemu_run_until_idle();
    assert_true(s1.holding);
    assert_true(s2.holding);
    assert_false(x.holding);
    locker_finish(&s1, t1);
    assert_false(x.holding);
    locker_finish(&s2, t2);
    wdmemu_run_until_idle();
    assert_true(x.holding);
    locker_finish(&x, tx);
    ExDeleteResourceLite(&resource);
    assert_int_equal(order_length, 3);
    assert_int_equal(order[2], 'X');
    assert_no_findings();
}

static void converting_to_shared_admits_the_shared_waiters(void **state)
{
    (void)state;
    ERESOURCE resource;
    ExInitializeResourceLite(&resource);
    KeEnterCriticalRegion();
    assert_true(ExAcquireResourceExclusiveLite(&resource, TRUE));
    assert_true(ExAcquireResourceExclusiveLite(&resource, TRUE));
    locker s;
    locker_init(&s, &resource, LOCK_SHARED, 'S');
    PETHREAD ts = locker_start(&s);
    assert_false(s.holding);
    ExConvertExclusiveToSharedLite(&resource);
    assert_false(ExIsResourceAcquiredExclusiveLite(&resource));
    assert_int_equal(ExIsResourceAcquiredSharedLite(&resource), 2);
    wdmemu_run_until_idle();
    assert_true(s.holding);
    assert_int_equal(resource.ActiveEntries, 2);
    ExReleaseResourceLite(&resource);
    ExReleaseResourceLite(&resource);
    locker_finish(&s, ts);
    assert_int_equal(resource.ActiveCount, 0);
    ExConvertExclusiveToSharedLite(&resource);
    assert_non_null(ts_finding("RESOURCE_NOT_OWNED"));
    KeLeaveCriticalRegion();
    ExDeleteResourceLite(&resource);
}

static void release_for_thread_frees_what_another_thread_acquired(void **state)
{
    (void)state;
    ERESOURCE resource;
    ExInitializeResourceLite(&resource);
    locker k;
    locker_init(&k, &resource, LOCK_EXCLUSIVE_AND_KEEP, 'K');
    PETHREAD tk = locker_start(&k);
    join_thread(tk);
    assert_true(k.holding);
    KeEnterCriticalRegion();
    assert_false(ExAcquireResourceSharedLite(&resource, FALSE));
    assert_int_equal(ExGetSharedWaiterCount(&resource), 0);
    ExReleaseResourceForThreadLite(&resource, k.id);
    assert_true(ExAcquireResourceExclusiveLite(&resource, FALSE));
    assert_int_equal(resource.OwnerEntry.OwnerThread, ExGetCurrentResourceThread());
    ExReleaseResourceLite(&resource);
    KeLeaveCriticalRegion();
    ExDeleteResourceLite(&resource);
    assert_no_findings();
}

static void resource_outside_a_critical_region_is_reported(void **state)
{
    (void)state;
    ERESOURCE resource;
    ExInitializeResourceLite(&resource);
    KIRQL old;
    KeRaiseIrql(APC_LEVEL, &old);
    assert_true(ExAcquireResourceExclusiveLite(&resource, TRUE));
    ExReleaseResourceLite(&resource);
    KeLowerIrql(old);
    assert_no_findings();
    assert_true(ExAcquireResourceSharedLite(&resource, TRUE));
    assert_non_null(ts_finding("RESOURCE_NOT_IN_CRITICAL_REGION"));
    ExReleaseResourceLite(&resource);
    ts_findings_clear();
    /* Leaving the region while still holding it is caught at the release. */
    KeEnterCriticalRegion();
    ExAcquireResourceExclusiveLite(&resource, TRUE);
    KeLeaveCriticalRegion();
    assert_no_findings();
    ExReleaseResourceLite(&resource);
    assert_non_null(ts_finding("RESOURCE_NOT_IN_CRITICAL_REGION"));
    ExDeleteResourceLite(&resource);
}

static void releasing_a_resource_not_owned_is_reported(void **state)
{
    (void)state;
    ERESOURCE resource;
    ExInitializeResourceLite(&resource);
    KeEnterCriticalRegion();
    ExReleaseResourceLite(&resource);
    assert_non_null(ts_finding("RESOURCE_NOT_OWNED"));
    ts_findings_clear();
    locker a;
    locker_init(&a, &resource, LOCK_SHARED, 'A');
    PETHREAD ta = locker_start(&a);
    ExReleaseResourceLite(&resource); /* owned shared, but by the thread */
    assert_non_null(ts_finding("RESOURCE_NOT_OWNED"));
    assert_int_equal(resource.ActiveEntries, 1);
    KeLeaveCriticalRegion();
    locker_finish(&a, ta);
    ExDeleteResourceLite(&resource);
}

static void deleting_a_held_resource_is_reported(void **state)
{
    (void)state;
    ERESOURCE resource;
    ExInitializeResourceLite(&resource);
    KeEnterCriticalRegion();
    ExAcquireResourceExclusiveLite(&resource, TRUE);
    assert_status(STATUS_SUCCESS, ExDeleteResourceLite(&resource));
    assert_non_null(ts_finding("RESOURCE_DELETED_WHILE_HELD"));
    /* Deleted: any further use is reported instead of touching freed waiter objects. */
    ExReleaseResourceLite(&resource);
    assert_non_null(ts_finding("RESOURCE_NOT_INITIALIZED"));
    assert_false(ExAcquireResourceSharedLite(&resource, TRUE));
    assert_int_equal(ts_count_findings("RESOURCE_NOT_INITIALIZED"), 2);
    KeLeaveCriticalRegion();
}

static void asking_for_exclusive_while_owning_shared_is_reported(void **state)
{
    (void)state;
    ERESOURCE resource;
    ExInitializeResourceLite(&resource);
    KeEnterCriticalRegion();
    assert_true(ExAcquireResourceSharedLite(&resource, TRUE));
    assert_false(ExAcquireResourceExclusiveLite(&resource, FALSE));
    assert_no_findings();
    assert_false(ExAcquireResourceExclusiveLite(&resource, TRUE));
    assert_non_null(ts_finding("RESOURCE_EXCLUSIVE_WHILE_SHARED"));
    assert_int_equal(ExGetExclusiveWaiterCount(&resource), 0);
    ExReleaseResourceLite(&resource);
    KeLeaveCriticalRegion();
    ExDeleteResourceLite(&resource);
}

static void a_resource_wait_that_can_never_end_is_reported_as_a_deadlock(void **state)
{
    (void)state;
    ERESOURCE resource;
    ExInitializeResourceLite(&resource);
    locker x;
    locker_init(&x, &resource, LOCK_EXCLUSIVE, 'X');
    PETHREAD tx = locker_start(&x);
    assert_true(x.holding);
    /* X waits for an event only this thread could set: nothing can ever release the resource. */
    KeEnterCriticalRegion();
    assert_false(ExAcquireResourceSharedLite(&resource, TRUE));
    assert_non_null(ts_finding("DEADLOCK"));
    assert_int_equal(ExGetSharedWaiterCount(&resource), 0);
    KeLeaveCriticalRegion();
    locker_finish(&x, tx);
    assert_int_equal(resource.ActiveCount, 0);
    ExDeleteResourceLite(&resource);
}

static void critical_region_helpers_enter_acquire_release_and_leave(void **state)
{
    (void)state;
    ERESOURCE resource;
    ExInitializeResourceLite(&resource);
    assert_null(ExEnterCriticalRegionAndAcquireResourceExclusive(&resource));
    assert_true(KeAreApcsDisabled());
    assert_true(ExIsResourceAcquiredExclusiveLite(&resource));
    ExReleaseResourceAndLeaveCriticalRegion(&resource);
    assert_false(KeAreApcsDisabled());
    assert_int_equal(resource.ActiveCount, 0);
    ExEnterCriticalRegionAndAcquireResourceShared(&resource);
    assert_int_equal(ExIsResourceAcquiredSharedLite(&resource), 1);
    assert_false(ExIsResourceAcquiredExclusiveLite(&resource));
    ExReleaseResourceAndLeaveCriticalRegion(&resource);
    assert_false(KeAreApcsDisabled());
    assert_int_equal(ExGetCurrentResourceThread(), (ERESOURCE_THREAD)KeGetCurrentThread());
    ExDeleteResourceLite(&resource);
    assert_no_findings();
}

static void resource_pool_is_returned_by_delete_and_kept_by_reinitialize(void **state)
{
    (void)state;
    wdmemu_pool_usage before, during, after;
    wdmemu_pool_usage_total(&before);
    ERESOURCE resource;
    ExInitializeResourceLite(&resource);
    wdmemu_pool_usage_total(&during);
    assert_int_equal(during.blocks, before.blocks + 1);
    /* Enough shared owners to outgrow the first owner table. */
    locker readers[10];
    PETHREAD threads[10];
    for (int i = 0; i < 10; i++) {
        locker_init(&readers[i], &resource, LOCK_SHARED, (char)('a' + i));
        threads[i] = locker_start(&readers[i]);
        assert_true(readers[i].holding);
    }
    assert_int_equal(resource.ActiveEntries, 10);
    for (int i = 0; i < 10; i++)
        locker_finish(&readers[i], threads[i]);
    assert_int_equal(resource.ActiveCount, 0);
    KeEnterCriticalRegion();
    ExAcquireResourceExclusiveLite(&resource, TRUE);
    ExReleaseResourceLite(&resource);
    KeLeaveCriticalRegion();
    assert_status(STATUS_SUCCESS, ExReinitializeResourceLite(&resource));
    assert_int_equal(resource.ContentionCount, 0);
    assert_int_equal(resource.ActiveCount, 0);
    ExDeleteResourceLite(&resource);
    wdmemu_pool_usage_total(&after);
    assert_int_equal(after.blocks, before.blocks);
    assert_no_findings();
}

static void resource_bookkeeping_is_tagged_pool_freed_by_delete(void **state)
{
    (void)state;
    /* 'ExRs': the waiter objects and first owner table; a resource a driver never deletes
     * stays behind as a block of this tag. */
    const ULONG tag = 'sRxE';
    wdmemu_pool_usage usage;
    ERESOURCE first, second;
    ExInitializeResourceLite(&first);
    ExInitializeResourceLite(&second);
    wdmemu_pool_usage_for_tag(tag, &usage);
    assert_int_equal(usage.blocks, 2);
    assert_non_null(first.SharedWaiters);
    assert_non_null(first.ExclusiveWaiters);
    assert_non_null(first.OwnerTable);
    ExDeleteResourceLite(&first);
    assert_null(first.SharedWaiters);
    wdmemu_pool_usage_for_tag(tag, &usage);
    assert_int_equal(usage.blocks, 1);
    ExDeleteResourceLite(&second);
    wdmemu_pool_usage_for_tag(tag, &usage);
    assert_int_equal(usage.blocks, 0);
    /* Deleting twice is a use of a resource that no longer exists. */
    ExDeleteResourceLite(&second);
    assert_non_null(ts_finding("RESOURCE_NOT_INITIALIZED"));
}

/* ---- interlocked lists and counters --------------------------------------------------------- */

static void interlocked_lists_keep_order_and_report_the_old_head(void **state)
{
    (void)state;
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    LIST_ENTRY head, a, b, c;
    InitializeListHead(&head);
    assert_null(ExInterlockedRemoveHeadList(&head, &lock));
    assert_null(ExInterlockedInsertHeadList(&head, &b, &lock));
    assert_ptr_equal(ExInterlockedInsertHeadList(&head, &a, &lock), &b);
    assert_ptr_equal(ExInterlockedInsertTailList(&head, &c, &lock), &b);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    assert_true(KeTestSpinLock(&lock));
    assert_ptr_equal(ExInterlockedRemoveHeadList(&head, &lock), &a);
    assert_ptr_equal(ExInterlockedRemoveHeadList(&head, &lock), &b);
    assert_ptr_equal(ExInterlockedRemoveHeadList(&head, &lock), &c);
    assert_null(ExInterlockedRemoveHeadList(&head, &lock));
    assert_true(IsListEmpty(&head));
    LIST_ENTRY tail_first;
    assert_null(ExInterlockedInsertTailList(&head, &tail_first, &lock));

    /* At DISPATCH_LEVEL (and above, as in an ISR) the IRQL is left alone. */
    KIRQL old = KeRaiseIrqlToDpcLevel();
    assert_ptr_equal(ExInterlockedRemoveHeadList(&head, &lock), &tail_first);
    assert_int_equal(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KeLowerIrql(old);
    KeRaiseIrql(HIGH_LEVEL, &old);
    assert_null(ExInterlockedInsertHeadList(&head, &a, &lock));
    assert_int_equal(KeGetCurrentIrql(), HIGH_LEVEL);
    KeLowerIrql(old);
    assert_no_findings();
}

static void interlocked_list_shares_the_callers_spin_lock(void **state)
{
    (void)state;
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    LIST_ENTRY head, a;
    InitializeListHead(&head);
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    ExInterlockedInsertTailList(&head, &a, &lock);
    assert_non_null(ts_finding("SPIN_LOCK_ALREADY_OWNED"));
    KeReleaseSpinLock(&lock, old);
    /* The list routine released the lock it found held, so the driver's own release finds it
     * free; that is reported too. */
    assert_non_null(ts_finding("SPIN_LOCK_NOT_OWNED"));
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

static void interlocked_single_list_pushes_and_pops_lifo(void **state)
{
    (void)state;
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    SINGLE_LIST_ENTRY head = {NULL}, a, b;
    assert_null(ExInterlockedPopEntryList(&head, &lock));
    assert_null(ExInterlockedPushEntryList(&head, &a, &lock));
    assert_ptr_equal(ExInterlockedPushEntryList(&head, &b, &lock), &a);
    assert_ptr_equal(ExInterlockedPopEntryList(&head, &lock), &b);
    assert_ptr_equal(ExInterlockedPopEntryList(&head, &lock), &a);
    assert_null(ExInterlockedPopEntryList(&head, &lock));
    assert_true(KeTestSpinLock(&lock));
    assert_no_findings();
}

static void interlocked_additions_return_the_old_value(void **state)
{
    (void)state;
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    ULONG counter = 0xFFFFFFFEu;
    assert_int_equal(ExInterlockedAddUlong(&counter, 3, &lock), 0xFFFFFFFEu);
    assert_int_equal(counter, 1); /* wraps like the hardware add */
    LARGE_INTEGER big = {.QuadPart = 0x100000000LL};
    LARGE_INTEGER step = {.QuadPart = -1};
    LARGE_INTEGER was = ExInterlockedAddLargeInteger(&big, step, &lock);
    assert_true(was.QuadPart == 0x100000000LL);
    assert_true(big.QuadPart == 0xFFFFFFFFLL);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    assert_true(KeTestSpinLock(&lock));
    assert_no_findings();
}

static void slist_counts_depth_and_pops_lifo(void **state)
{
    (void)state;
    SLIST_HEADER head;
    SLIST_ENTRY entries[3];
    InitializeSListHead(&head);
    assert_int_equal(ExQueryDepthSList(&head), 0);
    assert_null(InterlockedPopEntrySList(&head));
    assert_null(InterlockedPushEntrySList(&head, &entries[0]));
    assert_ptr_equal(InterlockedPushEntrySList(&head, &entries[1]), &entries[0]);
    assert_ptr_equal(ExInterlockedPushEntrySList(&head, &entries[2], NULL), &entries[1]);
    assert_int_equal(ExQueryDepthSList(&head), 3);
    assert_int_equal(head.HeaderX64.Depth, 3);
    assert_true((ULONG_PTR)(head.HeaderX64.NextEntry << 4) == (ULONG_PTR)&entries[2]);
    ULONGLONG sequence = head.HeaderX64.Sequence;
    assert_ptr_equal(InterlockedPopEntrySList(&head), &entries[2]);
    assert_true(head.HeaderX64.Sequence != sequence);
    assert_int_equal(ExQueryDepthSList(&head), 2);
    PSLIST_ENTRY chain = InterlockedFlushSList(&head);
    assert_ptr_equal(chain, &entries[1]);
    assert_ptr_equal(chain->Next, &entries[0]);
    assert_null(chain->Next->Next);
    assert_int_equal(ExQueryDepthSList(&head), 0);
    assert_null(InterlockedPopEntrySList(&head));
    assert_null(InterlockedFlushSList(&head));
}

/* ---- rundown protection ------------------------------------------------------------------- */

static void rundown_references_end_when_the_object_is_run_down(void **state)
{
    (void)state;
    EX_RUNDOWN_REF ref;
    ExInitializeRundownProtection(&ref);
    assert_true(ExAcquireRundownProtection(&ref));
    assert_true(ExAcquireRundownProtection(&ref));
    ExReleaseRundownProtection(&ref);
    ExReleaseRundownProtection(&ref);
    ExWaitForRundownProtectionRelease(&ref); /* nothing outstanding: returns at once */
    assert_false(ExAcquireRundownProtection(&ref));
    ExWaitForRundownProtectionRelease(&ref);
    ExReInitializeRundownProtection(&ref);
    assert_true(ExAcquireRundownProtection(&ref));
    ExReleaseRundownProtection(&ref);
    ExRundownCompleted(&ref);
    assert_false(ExAcquireRundownProtection(&ref));
    assert_no_findings();
}

typedef struct rundown_user {
    PEX_RUNDOWN_REF ref;
    BOOLEAN acquired_during_rundown;
    volatile BOOLEAN released;
} rundown_user;

static VOID NTAPI rundown_user_body(PVOID Context)
{
    rundown_user *u = Context;
    LARGE_INTEGER ten_ms = {.QuadPart = -100000};
    KeDelayExecutionThread(KernelMode, FALSE, &ten_ms);
    u->acquired_during_rundown = ExAcquireRundownProtection(u->ref);
    u->released = TRUE;
    ExReleaseRundownProtection(u->ref); /* the reference the test took for this thread */
}

static void rundown_wait_blocks_until_another_thread_releases(void **state)
{
    (void)state;
    EX_RUNDOWN_REF ref;
    ExInitializeRundownProtection(&ref);
    rundown_user u = {.ref = &ref};
    assert_true(ExAcquireRundownProtection(&ref));
    PETHREAD thread = start_thread(rundown_user_body, &u);
    uint64_t before = wdmemu_time_now();
    ExWaitForRundownProtectionRelease(&ref);
    assert_true(u.released);
    assert_false(u.acquired_during_rundown);
    assert_true(wdmemu_time_now() - before >= 100000);
    assert_false(ExAcquireRundownProtection(&ref));
    join_thread(thread);
    assert_no_findings();
}

static void rundown_release_without_acquire_is_reported(void **state)
{
    (void)state;
    EX_RUNDOWN_REF ref;
    ExInitializeRundownProtection(&ref);
    ExReleaseRundownProtection(&ref);
    assert_non_null(ts_finding("RUNDOWN_NOT_ACQUIRED"));
    assert_true(ExAcquireRundownProtection(&ref));
    ExReleaseRundownProtection(&ref);
    ExWaitForRundownProtectionRelease(&ref);
    ts_findings_clear();
    ExReleaseRundownProtection(&ref);
    assert_non_null(ts_finding("RUNDOWN_NOT_ACQUIRED"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ts_test(fast_mutex_raises_to_apc_level_and_restores_the_old_irql),
        ts_test(fast_mutex_contention_blocks_until_the_owner_hands_it_over),
        ts_test(fast_mutex_recursion_is_reported),
        ts_test(fast_mutex_release_by_a_non_owner_is_reported),
        ts_test(fast_mutex_above_apc_level_is_reported),
        ts_test(unsafe_fast_mutex_requires_apcs_disabled),
        ts_test(guarded_mutex_enters_a_guarded_region),
        ts_test(resource_exclusive_access_is_recursive),
        ts_test(resource_shared_access_is_counted_per_thread),
        ts_test(exclusive_owner_blocks_a_shared_acquirer),
        ts_test(shared_owners_hold_the_resource_together),
        ts_test(exclusive_waiter_holds_back_new_shared_acquirers),
        ts_test(starve_exclusive_bypasses_exclusive_waiters),
        ts_test(wait_for_exclusive_lets_the_exclusive_waiter_go_first),
        ts_test(wait_for_exclusive_owner_waits_until_released_on_its_behalf),
        ts_test(exclusive_release_grants_all_shared_waiters_first),
        ts_test(converting_to_shared_admits_the_shared_waiters),
        ts_test(release_for_thread_frees_what_another_thread_acquired),
        ts_test(resource_outside_a_critical_region_is_reported),
        ts_test(releasing_a_resource_not_owned_is_reported),
        ts_test(deleting_a_held_resource_is_reported),
        ts_test(asking_for_exclusive_while_owning_shared_is_reported),
        ts_test(a_resource_wait_that_can_never_end_is_reported_as_a_deadlock),
        ts_test(critical_region_helpers_enter_acquire_release_and_leave),
        ts_test(resource_pool_is_returned_by_delete_and_kept_by_reinitialize),
        ts_test(resource_bookkeeping_is_tagged_pool_freed_by_delete),
        ts_test(interlocked_lists_keep_order_and_report_the_old_head),
        ts_test(interlocked_list_shares_the_callers_spin_lock),
        ts_test(interlocked_single_list_pushes_and_pops_lifo),
        ts_test(interlocked_additions_return_the_old_value),
        ts_test(slist_counts_depth_and_pops_lifo),
        ts_test(rundown_references_end_when_the_object_is_run_down),
        ts_test(rundown_wait_blocks_until_another_thread_releases),
        ts_test(rundown_release_without_acquire_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
