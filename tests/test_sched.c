/* The deterministic execution model: deferred work runs only at scheduling points, virtual
 * time moves only when advanced (or when everything waits for a timer), the same seed gives the
 * same interleaving, different seeds give different ones, and a wait that can never end is a
 * deadlock finding instead of a hang. */
#include "test_support.h"

#define LOG_MAX 64
static char sched_log[LOG_MAX];
static int sched_len;

static void note(char c)
{
    if (sched_len < LOG_MAX - 1)
        sched_log[sched_len++] = c;
    sched_log[sched_len] = '\0';
}

static int sched_setup(void **state)
{
    ts_setup(state);
    sched_len = 0;
    sched_log[0] = '\0';
    return wdmemu_get_mode() == WDMEMU_MODE_DETERMINISTIC ? 0 : -1;
}

#define sched_test(f) cmocka_unit_test_setup_teardown(f, sched_setup, ts_teardown)

static VOID NTAPI note_dpc(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2)
{
    (void)Dpc;
    (void)A2;
    assert_int_equal(KeGetCurrentIrql(), DISPATCH_LEVEL);
    note((char)(ULONG_PTR)Context);
    if (A1 != NULL)
        *(int *)A1 += 1;
}

static void dpcs_run_only_at_scheduling_points(void **state)
{
    (void)state;
    KDPC dpc;
    int runs = 0;
    KeInitializeDpc(&dpc, note_dpc, (PVOID)'a');
    assert_true(KeInsertQueueDpc(&dpc, &runs, NULL));
    assert_false(KeInsertQueueDpc(&dpc, &runs, NULL)); /* already queued */
    assert_int_equal(runs, 0);
    assert_int_equal(wdmemu_run_until_idle(), 1);
    assert_int_equal(runs, 1);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    assert_int_equal(wdmemu_run_until_idle(), 0);
    /* Removed before it ran: it never runs. */
    assert_true(KeInsertQueueDpc(&dpc, &runs, NULL));
    assert_true(KeRemoveQueueDpc(&dpc));
    assert_false(KeRemoveQueueDpc(&dpc));
    wdmemu_run_until_idle();
    assert_int_equal(runs, 1);
    assert_no_findings();
}

static void run_one_runs_a_single_item(void **state)
{
    (void)state;
    KDPC a, b;
    KeInitializeDpc(&a, note_dpc, (PVOID)'a');
    KeInitializeDpc(&b, note_dpc, (PVOID)'b');
    KeInsertQueueDpc(&a, NULL, NULL);
    KeInsertQueueDpc(&b, NULL, NULL);
    assert_true(wdmemu_run_one());
    assert_int_equal(sched_len, 1);
    assert_true(wdmemu_run_one());
    assert_int_equal(sched_len, 2);
    assert_false(wdmemu_run_one());
}

static void flush_queued_dpcs_runs_them_now(void **state)
{
    (void)state;
    KDPC dpc;
    KeInitializeDpc(&dpc, note_dpc, (PVOID)'f');
    KeInsertQueueDpc(&dpc, NULL, NULL);
    KeFlushQueuedDpcs();
    assert_string_equal(sched_log, "f");
}

static VOID NTAPI timer_dpc(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2)
{
    (void)Dpc;
    (void)A1;
    (void)A2;
    *(ULONGLONG *)Context = KeQueryInterruptTime();
}

static void ten_second_timer_fires_when_time_is_advanced(void **state)
{
    (void)state;
    KTIMER timer;
    KDPC dpc;
    ULONGLONG fired_at = 0;
    KeInitializeTimer(&timer);
    KeInitializeDpc(&dpc, timer_dpc, &fired_at);
    LARGE_INTEGER due = {.QuadPart = -10LL * 10000000LL};
    assert_false(KeSetTimer(&timer, due, &dpc));
    ULONGLONG start = wdmemu_time_now();
    wdmemu_run_until_idle();
    assert_int_equal(fired_at, 0); /* time does not move by itself */
    assert_false(KeReadStateTimer(&timer));
    wdmemu_advance_time(9999);
    assert_int_equal(fired_at, 0);
    wdmemu_advance_time(1);
    assert_int_equal(fired_at, start + 100000000ULL);
    assert_true(KeReadStateTimer(&timer));
    assert_int_equal(wdmemu_time_now(), start + 100000000ULL);
    LARGE_INTEGER ticks;
    KeQueryTickCount(&ticks);
    assert_int_equal(ticks.QuadPart, (LONGLONG)(100000000ULL / KeQueryTimeIncrement()));
}

static ULONGLONG tick_times[8];
static int tick_count;

/* Timer DPCs get the due time as SystemArgument1 (low) and SystemArgument2 (high). */
static VOID NTAPI tick_dpc(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2)
{
    (void)Dpc;
    (void)Context;
    if (tick_count < 8)
        tick_times[tick_count] = ((ULONGLONG)(ULONG)(ULONG_PTR)A2 << 32) | (ULONG)(ULONG_PTR)A1;
    tick_count++;
    note('p');
}

static void periodic_timer_fires_each_period_and_cancel_stops_it(void **state)
{
    (void)state;
    KTIMER timer;
    KDPC dpc;
    tick_count = 0;
    KeInitializeTimerEx(&timer, SynchronizationTimer);
    KeInitializeDpc(&dpc, tick_dpc, NULL);
    LARGE_INTEGER due = {.QuadPart = -1000000LL}; /* 100 ms */
    ULONGLONG start = wdmemu_time_now();
    KeSetTimerEx(&timer, due, 50, &dpc);
    wdmemu_advance_time(300);
    assert_int_equal(tick_times[0], start + 1000000ULL);
    assert_int_equal(tick_times[4], start + 3000000ULL);
    /* 100, 150, 200, 250, 300 ms */
    assert_int_equal(sched_len, 5);
    assert_true(KeCancelTimer(&timer));
    assert_false(KeCancelTimer(&timer));
    wdmemu_advance_time(500);
    assert_int_equal(sched_len, 5);
}

static void system_time_is_virtual_and_reproducible(void **state)
{
    (void)state;
    LARGE_INTEGER t1, t2;
    KeQuerySystemTime(&t1);
    wdmemu_advance_time(1500);
    KeQuerySystemTime(&t2);
    assert_int_equal(t2.QuadPart - t1.QuadPart, 15000000LL);
    TIME_FIELDS fields;
    RtlTimeToTimeFields(&t1, &fields);
    assert_int_equal(fields.Year, 2024);
}

/* Two racing DPCs: the order they run in depends on the seed, and only on the seed. */
static void race_once(uint64_t seed, char *out)
{
    wdmemu_shutdown();
    wdmemu_set_message_handler(ts_on_message, NULL);
    wdmemu_set_seed(seed);
    sched_len = 0;
    KDPC a, b, c;
    KeInitializeDpc(&a, note_dpc, (PVOID)'a');
    KeInitializeDpc(&b, note_dpc, (PVOID)'b');
    KeInitializeDpc(&c, note_dpc, (PVOID)'c');
    KeInsertQueueDpc(&a, NULL, NULL);
    KeInsertQueueDpc(&b, NULL, NULL);
    KeInsertQueueDpc(&c, NULL, NULL);
    wdmemu_run_until_idle();
    strcpy(out, sched_log);
}

static void same_seed_same_order_different_seeds_differ(void **state)
{
    (void)state;
    char first[8], second[8];
    race_once(42, first);
    race_once(42, second);
    assert_string_equal(first, second);
    int orders_seen = 0;
    char seen[6][8];
    for (uint64_t seed = 1; seed <= 40; seed++) {
        char order[8];
        race_once(seed, order);
        assert_int_equal(strlen(order), 3);
        int known = 0;
        for (int i = 0; i < orders_seen; i++)
            known |= strcmp(seen[i], order) == 0;
        if (!known && orders_seen < 6)
            strcpy(seen[orders_seen++], order);
    }
    assert_true(orders_seen >= 3);
    assert_int_equal(wdmemu_get_seed(), 40);
}

static void wait_that_can_never_end_is_a_deadlock(void **state)
{
    (void)state;
    KEVENT never;
    KeInitializeEvent(&never, NotificationEvent, FALSE);
    NTSTATUS status = KeWaitForSingleObject(&never, Executive, KernelMode, FALSE, NULL);
    assert_status(STATUS_POSSIBLE_DEADLOCK, status);
    const wdmemu_finding *f = ts_finding("DEADLOCK");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "KeWaitForSingleObject on NotificationEvent"));
    assert_non_null(strstr(f->message, "thread 1 (host)"));
}

static void wait_with_timeout_jumps_time_instead_of_deadlocking(void **state)
{
    (void)state;
    KEVENT never;
    KeInitializeEvent(&never, NotificationEvent, FALSE);
    LARGE_INTEGER timeout = {.QuadPart = -5000000LL}; /* 500 ms */
    ULONGLONG before = wdmemu_time_now();
    assert_status(STATUS_TIMEOUT, KeWaitForSingleObject(&never, Executive, KernelMode, FALSE, &timeout));
    assert_int_equal(wdmemu_time_now() - before, 5000000ULL);
    LARGE_INTEGER delay = {.QuadPart = -20000000LL};
    assert_status(STATUS_SUCCESS, KeDelayExecutionThread(KernelMode, FALSE, &delay));
    assert_int_equal(wdmemu_time_now() - before, 25000000ULL);
    /* An absolute timeout in system time. */
    LARGE_INTEGER now;
    KeQuerySystemTime(&now);
    LARGE_INTEGER absolute = {.QuadPart = now.QuadPart + 10000000LL};
    assert_status(STATUS_TIMEOUT, KeWaitForSingleObject(&never, Executive, KernelMode, FALSE, &absolute));
    assert_int_equal(wdmemu_time_now() - before, 35000000ULL);
    /* Zero timeout only tests. */
    LARGE_INTEGER zero = {.QuadPart = 0};
    assert_status(STATUS_TIMEOUT, KeWaitForSingleObject(&never, Executive, KernelMode, FALSE, &zero));
    assert_no_findings();
}

static VOID NTAPI set_event_dpc(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2)
{
    (void)Dpc;
    (void)A1;
    (void)A2;
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
}

static void waiting_runs_the_dpc_that_signals(void **state)
{
    (void)state;
    KEVENT event;
    KDPC dpc;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    KeInitializeDpc(&dpc, set_event_dpc, &event);
    KeInsertQueueDpc(&dpc, NULL, NULL);
    assert_status(STATUS_SUCCESS, KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL));
    assert_int_equal(KeReadStateEvent(&event), 0); /* a synchronization event is consumed */
    assert_no_findings();
}

static void timer_object_satisfies_a_wait(void **state)
{
    (void)state;
    KTIMER timer;
    KeInitializeTimer(&timer);
    LARGE_INTEGER due = {.QuadPart = -30000000LL};
    KeSetTimer(&timer, due, NULL);
    ULONGLONG before = wdmemu_time_now();
    assert_status(STATUS_SUCCESS, KeWaitForSingleObject(&timer, Executive, KernelMode, FALSE, NULL));
    assert_int_equal(wdmemu_time_now() - before, 30000000ULL);
    assert_no_findings();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        sched_test(dpcs_run_only_at_scheduling_points),
        sched_test(run_one_runs_a_single_item),
        sched_test(flush_queued_dpcs_runs_them_now),
        sched_test(ten_second_timer_fires_when_time_is_advanced),
        sched_test(periodic_timer_fires_each_period_and_cancel_stops_it),
        sched_test(system_time_is_virtual_and_reproducible),
        sched_test(same_seed_same_order_different_seeds_differ),
        sched_test(wait_that_can_never_end_is_a_deadlock),
        sched_test(wait_with_timeout_jumps_time_instead_of_deadlocking),
        sched_test(waiting_runs_the_dpc_that_signals),
        sched_test(timer_object_satisfies_a_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
