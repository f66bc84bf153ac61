/* Executive pool: allocation variants zero what they promise to, and misuse (tag mismatch,
 * double free, freeing a pointer that never came from pool) is a BAD_POOL_CALLER finding
 * rather than heap corruption.  Pool tracking as Driver Verifier does it: usage per tag with
 * peaks, the IRQL rules (IRQL_POOL_ACCESS), ExAllocatePool2/3 flag validation (BAD_POOL_FLAGS),
 * the low-resources simulation by count and by tag, raising allocations, and blocks a driver
 * still owns when it is unloaded (POOL_LEAK_AT_UNLOAD). */
#include "test_support.h"

static void pool2_zeroes_unless_uninitialized_requested(void **state)
{
    (void)state;
    UCHAR *p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, 'tseT');
    assert_non_null(p);
    for (int i = 0; i < 64; i++)
        assert_int_equal(p[i], 0);
    UCHAR *q = ExAllocatePoolZero(NonPagedPoolNx, 32, 'tseT');
    for (int i = 0; i < 32; i++)
        assert_int_equal(q[i], 0);
    UCHAR *r = ExAllocatePoolQuotaZero(PagedPool, 16, 'tseT');
    for (int i = 0; i < 16; i++)
        assert_int_equal(r[i], 0);
    ExFreePoolWithTag(p, 'tseT');
    ExFreePool(q);
    ExFreePool2(r, 'tseT', NULL, 0);
    PVOID u = ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_UNINITIALIZED, 8, 'tseT');
    assert_non_null(u);
    ExFreePoolWithTag(u, 'tseT');
    assert_no_findings();
}

static void zero_byte_allocations_are_distinct_blocks(void **state)
{
    (void)state;
    PVOID a = ExAllocatePoolWithTag(NonPagedPool, 0, 'oreZ');
    PVOID b = ExAllocatePoolWithTag(NonPagedPool, 0, 'oreZ');
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    ExFreePoolWithTag(a, 'oreZ');
    ExFreePoolWithTag(b, 'oreZ');
    assert_no_findings();
}

static void tag_mismatch_is_reported_with_both_tags(void **state)
{
    (void)state;
    PVOID p = ExAllocatePoolWithTag(NonPagedPool, 8, 'oreZ');
    ExFreePoolWithTag(p, 'xxxx');
    const wdmemu_finding *f = ts_finding("BAD_POOL_CALLER");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "'xxxx'"));
    assert_non_null(strstr(f->message, "'Zero'"));
}

static void double_free_and_stray_pointers_are_reported(void **state)
{
    (void)state;
    PVOID p = ExAllocatePoolWithTag(NonPagedPool, 8, 'oreZ');
    ExFreePool(p);
    ExFreePool(p);
    char local[16];
    ExFreePool(local);
    ExFreePool(NULL);
    assert_int_equal(ts_count_findings("BAD_POOL_CALLER"), 3);
}

static void driver_runtime_initialisation_is_accepted(void **state)
{
    (void)state;
    ExInitializeDriverRuntime(DrvRtPoolNxOptIn);
    PVOID p = ExAllocatePoolWithTag(NonPagedPool, 4, 'tseT');
    assert_non_null(p);
    ExFreePoolWithTag(p, 'tseT');
    assert_no_findings();
}

/* ---- usage per tag ---------------------------------------------------------------------------- */

static wdmemu_pool_usage usage_of(ULONG tag)
{
    wdmemu_pool_usage usage;
    memset(&usage, 0xA5, sizeof(usage));
    wdmemu_pool_usage_for_tag(tag, &usage);
    return usage;
}

static void assert_usage(ULONG tag, size_t blocks, size_t bytes, size_t peak, uint64_t allocations, uint64_t frees)
{
    wdmemu_pool_usage u = usage_of(tag);
    assert_int_equal(u.blocks, blocks);
    assert_int_equal(u.bytes, bytes);
    assert_int_equal(u.peak_bytes, peak);
    assert_int_equal(u.allocations, allocations);
    assert_int_equal(u.frees, frees);
}

static void usage_is_counted_per_tag_with_peaks(void **state)
{
    (void)state;
    wdmemu_pool_usage before;
    wdmemu_pool_usage_total(&before);
    assert_usage('1gaT', 0, 0, 0, 0, 0);

    PVOID a = ExAllocatePoolWithTag(PagedPool, 100, '1gaT');
    PVOID b = ExAllocatePool2(POOL_FLAG_NON_PAGED, 50, '1gaT');
    PVOID c = ExAllocatePoolZero(NonPagedPoolNx, 10, '2gaT');
    assert_usage('1gaT', 2, 150, 150, 2, 0);
    assert_usage('2gaT', 1, 10, 10, 1, 0);

    wdmemu_pool_usage total;
    wdmemu_pool_usage_total(&total);
    assert_int_equal(total.blocks, before.blocks + 3);
    assert_int_equal(total.bytes, before.bytes + 160);
    assert_true(total.peak_bytes >= before.bytes + 160);
    assert_int_equal(total.allocations, before.allocations + 3);

    ExFreePoolWithTag(a, '1gaT');
    assert_usage('1gaT', 1, 50, 150, 2, 1);
    PVOID d = ExAllocatePoolWithTag(PagedPool, 20, '1gaT');
    assert_usage('1gaT', 2, 70, 150, 3, 1); /* below the peak: the peak stays */
    PVOID e = ExAllocatePoolWithTag(PagedPool, 200, '1gaT');
    assert_usage('1gaT', 3, 270, 270, 4, 1);

    ExFreePool(b);
    ExFreePool(c);
    ExFreePool(d);
    ExFreePool2(e, '1gaT', NULL, 0);
    assert_usage('1gaT', 0, 0, 270, 4, 4);
    assert_usage('2gaT', 0, 0, 10, 1, 1);
    wdmemu_pool_usage_total(&total);
    assert_int_equal(total.blocks, before.blocks);
    assert_int_equal(total.frees, before.frees + 5);

    /* A failed free changes nothing. */
    ExFreePool(a);
    assert_usage('1gaT', 0, 0, 270, 4, 4);
    assert_int_equal(ts_count_findings("BAD_POOL_CALLER"), 1);
}

static void usage_counters_start_over_after_shutdown(void **state)
{
    (void)state;
    assert_non_null(ExAllocatePoolWithTag(NonPagedPool, 64, 'tseR'));
    assert_usage('tseR', 1, 64, 64, 1, 0);
    wdmemu_shutdown(); /* frees the block */
    assert_usage('tseR', 0, 0, 0, 0, 0);
    wdmemu_pool_usage total;
    wdmemu_pool_usage_total(&total);
    assert_int_equal(total.blocks, 0);
    assert_int_equal(total.allocations, 0);
    wdmemu_init();
}

/* ---- IRQL ------------------------------------------------------------------------------------ */

static void paged_pool_above_apc_level_is_reported(void **state)
{
    (void)state;
    KIRQL old;
    KeRaiseIrql(APC_LEVEL, &old);
    PVOID fine = ExAllocatePoolWithTag(PagedPool, 8, 'lqrI');
    ExFreePool(fine);
    assert_no_findings();

    KeRaiseIrql(DISPATCH_LEVEL, &old);
    PVOID nonpaged = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'lqrI');
    ExFreePoolWithTag(nonpaged, 'lqrI');
    assert_no_findings();

    PVOID paged = ExAllocatePoolWithTag(PagedPool, 8, 'lqrI');
    assert_non_null(paged); /* reported, not refused */
    const wdmemu_finding *f = ts_finding("IRQL_POOL_ACCESS");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "ExAllocatePoolWithTag"));
    assert_non_null(strstr(f->message, "DISPATCH_LEVEL"));
    assert_non_null(strstr(f->message, "'Irql'"));
    assert_non_null(strstr(f->message, "paged"));

    PVOID flagged = ExAllocatePool2(POOL_FLAG_PAGED, 8, 'lqrI');
    ExFreePoolWithTag(paged, 'lqrI');
    ExFreePool(flagged);
    KeLowerIrql(PASSIVE_LEVEL);
    assert_int_equal(ts_count_findings("IRQL_POOL_ACCESS"), 4);
    const wdmemu_finding *free_finding = wdmemu_finding_get(2);
    assert_string_equal(free_finding->rule, "IRQL_POOL_ACCESS");
    assert_non_null(strstr(free_finding->message, "ExFreePoolWithTag"));
    assert_non_null(strstr(free_finding->message, "frees"));
    (void)old;
}

static void any_pool_above_dispatch_level_is_reported(void **state)
{
    (void)state;
    KIRQL old;
    KeRaiseIrql(HIGH_LEVEL, &old);
    PVOID p = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'hgiH');
    KeLowerIrql(old);
    assert_int_equal(ts_count_findings("IRQL_POOL_ACCESS"), 1);
    assert_non_null(strstr(ts_finding("IRQL_POOL_ACCESS")->message, "HIGH_LEVEL"));
    KeRaiseIrql(HIGH_LEVEL, &old);
    ExFreePool(p);
    KeLowerIrql(old);
    assert_int_equal(ts_count_findings("IRQL_POOL_ACCESS"), 2);
}

/* ---- ExAllocatePool2/3 flags ------------------------------------------------------------------- */

static void pool2_requires_exactly_one_pool_kind(void **state)
{
    (void)state;
    assert_null(ExAllocatePool2(0, 8, 'galF'));
    assert_int_equal(ts_count_findings("BAD_POOL_FLAGS"), 1);
    assert_non_null(strstr(ts_finding("BAD_POOL_FLAGS")->message, "none"));
    assert_null(ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_PAGED, 8, 'galF'));
    assert_null(ExAllocatePool2(POOL_FLAG_NON_PAGED_EXECUTE | POOL_FLAG_NON_PAGED, 8, 'galF'));
    assert_null(ExAllocatePool3(POOL_FLAG_UNINITIALIZED, 8, 'galF', NULL, 0));
    assert_int_equal(ts_count_findings("BAD_POOL_FLAGS"), 4);
    assert_non_null(strstr(wdmemu_finding_get(3)->message, "ExAllocatePool3"));
    assert_usage('galF', 0, 0, 0, 0, 0);

    ts_findings_clear();
    POOL_FLAGS good[] = {
        POOL_FLAG_NON_PAGED,
        POOL_FLAG_NON_PAGED_EXECUTE,
        POOL_FLAG_PAGED | POOL_FLAG_UNINITIALIZED | POOL_FLAG_CACHE_ALIGNED,
        POOL_FLAG_PAGED | POOL_FLAG_USE_QUOTA,
        POOL_FLAG_NON_PAGED | POOL_FLAG_SPECIAL_POOL,
        POOL_FLAG_NON_PAGED | (1ULL << 45), /* unknown optional flags are ignored */
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        PVOID p = ExAllocatePool2(good[i], 8, 'dooG');
        assert_non_null(p);
        ExFreePoolWithTag(p, 'dooG');
    }
    /* Tag 0 is accepted (it only makes the block impossible to tell apart). */
    PVOID untagged = ExAllocatePool2(POOL_FLAG_PAGED, 8, 0);
    assert_non_null(untagged);
    ExFreePoolWithTag(untagged, 0);
    assert_no_findings();
}

static void pool2_rejects_reserved_and_undefined_required_flags(void **state)
{
    (void)state;
    assert_null(ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_RESERVED1, 8, 'galF'));
    assert_null(ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_RESERVED2, 8, 'galF'));
    assert_null(ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_RESERVED3, 8, 'galF'));
    assert_null(ExAllocatePool3(POOL_FLAG_PAGED | 0x00100000ULL, 8, 'galF', NULL, 0));
    assert_int_equal(ts_count_findings("BAD_POOL_FLAGS"), 4);
    assert_non_null(strstr(wdmemu_finding_get(3)->message, "0x100000"));
    assert_non_null(strstr(wdmemu_finding_get(3)->message, "'Flag'"));
}

static void pool2_invalid_flags_raise_with_raise_on_failure(void **state)
{
    (void)state;
    volatile NTSTATUS status = STATUS_SUCCESS;
    PVOID volatile p = NULL;
    __try {
        p = ExAllocatePool2(POOL_FLAG_RAISE_ON_FAILURE, 8, 'galF');
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        status = GetExceptionCode();
    }
    assert_status(STATUS_INSUFFICIENT_RESOURCES, status);
    assert_null(p);
    assert_int_equal(ts_count_findings("BAD_POOL_FLAGS"), 1);

    /* Valid flags with RAISE_ON_FAILURE simply allocate. */
    status = STATUS_SUCCESS;
    __try {
        p = ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_RAISE_ON_FAILURE, 8, 'galF');
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        status = GetExceptionCode();
    }
    assert_status(STATUS_SUCCESS, status);
    assert_non_null(p);
    ExFreePool(p);
}

/* ---- low-resources simulation ------------------------------------------------------------------- */

static void fail_after_lets_n_allocations_succeed_then_fails_all(void **state)
{
    (void)state;
    wdmemu_pool_fail_after(2);
    PVOID a = ExAllocatePoolWithTag(NonPagedPool, 8, 'tnuC');
    PVOID b = ExAllocatePool2(POOL_FLAG_PAGED, 8, 'tnuC');
    PVOID c = ExAllocatePoolWithTag(NonPagedPool, 8, 'tnuC');
    PVOID d = ExAllocatePool2(POOL_FLAG_PAGED, 8, 'rehO');
    assert_non_null(a);
    assert_non_null(b);
    assert_null(c);
    assert_null(d);
    assert_usage('tnuC', 2, 16, 16, 2, 0); /* failed attempts are not allocations */
    ExFreePool(a);                         /* frees still work */
    ExFreePool(b);

    wdmemu_pool_fail_after(0);
    assert_null(ExAllocatePoolWithTag(PagedPool, 1, 'tnuC'));
    assert_null(ExAllocatePoolZero(PagedPool, 1, 'tnuC'));

    wdmemu_pool_fail_after(-1);
    PVOID e = ExAllocatePoolWithTag(PagedPool, 1, 'tnuC');
    assert_non_null(e);
    ExFreePool(e);
    assert_no_findings(); /* running out of pool is not a driver bug */
}

static void fail_tag_fails_only_that_tag(void **state)
{
    (void)state;
    wdmemu_pool_fail_tag('liaF', TRUE);
    assert_null(ExAllocatePoolWithTag(NonPagedPool, 8, 'liaF'));
    assert_null(ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'liaF'));
    PVOID other = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'kroW');
    assert_non_null(other);
    ExFreePool(other);
    assert_usage('liaF', 0, 0, 0, 0, 0);

    wdmemu_pool_fail_tag('liaF', FALSE);
    PVOID p = ExAllocatePoolWithTag(NonPagedPool, 8, 'liaF');
    assert_non_null(p);
    ExFreePool(p);
    wdmemu_pool_fail_tag('rveN', FALSE); /* clearing a tag never marked is harmless */
    assert_no_findings();
}

static NTSTATUS raised_by(PVOID (*allocate)(void))
{
    volatile NTSTATUS status = STATUS_SUCCESS;
    __try {
        PVOID p = allocate();
        if (p != NULL)
            ExFreePool(p);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        status = GetExceptionCode();
    }
    return status;
}

static PVOID pool2_raising(void)
{
    return ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_RAISE_ON_FAILURE, 8, 'esiR');
}

static PVOID pool3_raising(void)
{
    return ExAllocatePool3(POOL_FLAG_PAGED | POOL_FLAG_RAISE_ON_FAILURE, 8, 'esiR', NULL, 0);
}

static PVOID quota_default(void)
{
    return ExAllocatePoolWithQuotaTag(PagedPool, 8, 'esiR');
}

static PVOID quota_zero(void)
{
    return ExAllocatePoolQuotaZero(NonPagedPoolNx, 8, 'esiR');
}

static PVOID typed_raise_flag(void)
{
    return ExAllocatePoolWithTag((POOL_TYPE)(NonPagedPoolNx | POOL_RAISE_IF_ALLOCATION_FAILURE), 8, 'esiR');
}

static PVOID quota_fail_instead(void)
{
    return ExAllocatePoolWithQuotaTag((POOL_TYPE)(PagedPool | POOL_QUOTA_FAIL_INSTEAD_OF_RAISE), 8, 'esiR');
}

static PVOID pool2_quota_only(void)
{
    return ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_USE_QUOTA, 8, 'esiR');
}

static PVOID typed_plain(void)
{
    return ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'esiR');
}

static void failing_allocations_raise_where_the_routine_says_so(void **state)
{
    (void)state;
    wdmemu_pool_fail_tag('esiR', TRUE);
    assert_status(STATUS_INSUFFICIENT_RESOURCES, raised_by(pool2_raising));
    assert_status(STATUS_INSUFFICIENT_RESOURCES, raised_by(pool3_raising));
    assert_status(STATUS_INSUFFICIENT_RESOURCES, raised_by(quota_default));
    assert_status(STATUS_INSUFFICIENT_RESOURCES, raised_by(quota_zero));
    assert_status(STATUS_INSUFFICIENT_RESOURCES, raised_by(typed_raise_flag));
    assert_status(STATUS_SUCCESS, raised_by(quota_fail_instead));
    assert_status(STATUS_SUCCESS, raised_by(pool2_quota_only));
    assert_status(STATUS_SUCCESS, raised_by(typed_plain));
    wdmemu_pool_fail_tag('esiR', FALSE);
    /* With memory available the same calls allocate and nothing is raised. */
    assert_status(STATUS_SUCCESS, raised_by(pool2_raising));
    assert_status(STATUS_SUCCESS, raised_by(quota_default));
    assert_usage('esiR', 0, 0, 8, 2, 2);
    assert_no_findings();
}

static void fault_injection_is_switched_off_by_shutdown(void **state)
{
    (void)state;
    wdmemu_pool_fail_after(0);
    wdmemu_pool_fail_tag('ffOS', TRUE);
    wdmemu_shutdown();
    wdmemu_init();
    PVOID a = ExAllocatePoolWithTag(PagedPool, 8, 'ffOS');
    PVOID b = ExAllocatePoolWithTag(PagedPool, 8, 'rehO');
    assert_non_null(a);
    assert_non_null(b);
    ExFreePool(a);
    ExFreePool(b);
}

/* ---- pool left behind by an unloaded driver ------------------------------------------------------ */

/* A driver linked into this test: DriverEntry allocates pool_leak_blocks blocks (tag 'Lk00' +
 * i, 16 * (i + 1) bytes, alternating paged and nonpaged) that DriverUnload never frees. */
static ULONG pool_leak_blocks;

static VOID NTAPI pool_leak_unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

static ULONG pool_leak_tag(ULONG i)
{
    return 'kL' | ((ULONG)('0' + i / 10) << 16) | ((ULONG)('0' + i % 10) << 24);
}

static NTSTATUS NTAPI pool_leak_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    for (ULONG i = 0; i < pool_leak_blocks; i++) {
        POOL_FLAGS kind = (i % 2) ? POOL_FLAG_NON_PAGED : POOL_FLAG_PAGED;
        if (ExAllocatePool2(kind, 16 * (i + 1), pool_leak_tag(i)) == NULL)
            return STATUS_INSUFFICIENT_RESOURCES;
    }
    DriverObject->DriverUnload = pool_leak_unload;
    return STATUS_SUCCESS;
}

/* Skips the test when the unload path does not reclaim pool yet (the report is made by
 * ex_pool_reclaim_driver, called from wdmemu_driver_unload). */
static void pool_leak_unload_or_skip(void)
{
    wdmemu_driver *driver = NULL;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(pool_leak_entry, "poolleak", &driver));
    assert_int_equal(usage_of(pool_leak_tag(0)).blocks, 1);
    wdmemu_driver_unload(driver);
    if (ts_finding("POOL_LEAK_AT_UNLOAD") == NULL) {
        print_message("POOL_LEAK_AT_UNLOAD not reported: wdmemu_driver_unload does not reclaim pool yet\n");
        skip();
    }
}

static void unload_reports_pool_the_driver_never_freed(void **state)
{
    (void)state;
    pool_leak_blocks = 3;
    pool_leak_unload_or_skip();
    assert_int_equal(ts_count_findings("POOL_LEAK_AT_UNLOAD"), 3);
    const char *expected[][3] = {
        {"'Lk00'", "16-byte paged", "after DriverUnload"},
        {"'Lk01'", "32-byte nonpaged NX", "after DriverUnload"},
        {"'Lk02'", "48-byte paged", "after DriverUnload"},
    };
    size_t seen = 0;
    for (size_t i = 0; i < wdmemu_finding_count(); i++) {
        const wdmemu_finding *f = wdmemu_finding_get(i);
        if (strcmp(f->rule, "POOL_LEAK_AT_UNLOAD") != 0)
            continue;
        assert_string_equal(f->driver, "\\Driver\\poolleak");
        for (int k = 0; k < 3; k++)
            assert_non_null(strstr(f->message, expected[seen][k]));
        seen++;
    }
    for (ULONG i = 0; i < 3; i++) {
        wdmemu_pool_usage u = usage_of(pool_leak_tag(i));
        assert_int_equal(u.blocks, 0); /* reclaimed */
        assert_int_equal(u.bytes, 0);
        assert_int_equal(u.allocations, 1);
        assert_int_equal(u.frees, 0); /* the driver never freed it */
    }
}

static void unload_leak_report_lists_twenty_blocks_then_a_summary(void **state)
{
    (void)state;
    pool_leak_blocks = 25;
    pool_leak_unload_or_skip();
    assert_int_equal(ts_count_findings("POOL_LEAK_AT_UNLOAD"), 21);
    const wdmemu_finding *last = NULL;
    for (size_t i = 0; i < wdmemu_finding_count(); i++) {
        if (strcmp(wdmemu_finding_get(i)->rule, "POOL_LEAK_AT_UNLOAD") == 0)
            last = wdmemu_finding_get(i);
    }
    /* 16 * (1 + 2 + ... + 25) bytes */
    assert_non_null(strstr(last->message, "25 pool blocks (5200 bytes)"));
    assert_non_null(strstr(last->message, "5 more"));
    assert_int_equal(usage_of(pool_leak_tag(24)).blocks, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ts_test(pool2_zeroes_unless_uninitialized_requested),
        ts_test(zero_byte_allocations_are_distinct_blocks),
        ts_test(tag_mismatch_is_reported_with_both_tags),
        ts_test(double_free_and_stray_pointers_are_reported),
        ts_test(driver_runtime_initialisation_is_accepted),
        ts_test(usage_is_counted_per_tag_with_peaks),
        ts_test(usage_counters_start_over_after_shutdown),
        ts_test(paged_pool_above_apc_level_is_reported),
        ts_test(any_pool_above_dispatch_level_is_reported),
        ts_test(pool2_requires_exactly_one_pool_kind),
        ts_test(pool2_rejects_reserved_and_undefined_required_flags),
        ts_test(pool2_invalid_flags_raise_with_raise_on_failure),
        ts_test(fail_after_lets_n_allocations_succeed_then_fails_all),
        ts_test(fail_tag_fails_only_that_tag),
        ts_test(failing_allocations_raise_where_the_routine_says_so),
        ts_test(fault_injection_is_switched_off_by_shutdown),
        ts_test(unload_reports_pool_the_driver_never_freed),
        ts_test(unload_leak_report_lists_twenty_blocks_then_a_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
