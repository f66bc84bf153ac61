/* Executive pool: allocation variants zero what they promise to, and misuse (tag mismatch,
 * double free, freeing a pointer that never came from pool) is a BAD_POOL_CALLER finding
 * rather than heap corruption. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        ts_test(pool2_zeroes_unless_uninitialized_requested),
        ts_test(zero_byte_allocations_are_distinct_blocks),
        ts_test(tag_mismatch_is_reported_with_both_tags),
        ts_test(double_free_and_stray_pointers_are_reported),
        ts_test(driver_runtime_initialisation_is_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
