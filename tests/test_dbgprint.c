/* The debugger interface: DbgPrint formatting with the kernel's extensions reaching the host's
 * message handler, the DbgPrintEx component filter, DbgBreakPoint reported without trapping,
 * assertion failures, PAGED_CODE and IRQL misuse reported as findings. */
#include "test_support.h"

static void dbgprint_formats_kernel_extensions(void **state)
{
    (void)state;
    UNICODE_STRING u = RTL_CONSTANT_STRING(L"\\Device\\Zero");
    ANSI_STRING a = RTL_CONSTANT_STRING("ansi");
    DbgPrint("u=%wZ a=%Z ws=%ws S=%S n=%I64d x=%I64x c=%wc %s %d\n", &u, &a, L"wide", L"WIDE", -5LL,
             0x123456789ULL, L'W', "narrow", 42);
    assert_string_equal(ts_messages.debug,
                        "u=\\Device\\Zero a=ansi ws=wide S=WIDE n=-5 x=123456789 c=W narrow 42\n");
}

static void kdprint_is_dbgprint_in_checked_builds(void **state)
{
    (void)state;
    KdPrint(("checked %d\n", DBG));
    assert_string_equal(ts_messages.debug, "checked 1\n");
}

static void dbgprintex_shows_errors_and_filters_the_rest(void **state)
{
    (void)state;
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, "error %d\n", 1);
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL, "info %d\n", 2);
    assert_string_equal(ts_messages.debug, "error 1\n");
    assert_status(STATUS_SUCCESS, DbgSetDebugFilterState(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL, TRUE));
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL, "info %d\n", 3);
    assert_string_equal(ts_messages.debug, "error 1\ninfo 3\n");
    assert_int_equal(DbgQueryDebugFilterState(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL), TRUE);
    assert_status(STATUS_SUCCESS, DbgSetDebugFilterState(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL, FALSE));
    assert_int_equal(DbgQueryDebugFilterState(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL), FALSE);
}

static void long_output_is_not_truncated(void **state)
{
    (void)state;
    char big[3000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    DbgPrint("%s|", big);
    assert_int_equal(strlen(ts_messages.debug), sizeof(big));
    assert_int_equal(ts_messages.debug[sizeof(big) - 1], '|');
}

static void breakpoint_is_reported_not_trapped(void **state)
{
    (void)state;
    DbgBreakPoint();
    KdBreakPoint();
    assert_int_equal(ts_messages.break_count, 2);
    assert_non_null(strstr(ts_messages.breaks, "DbgBreakPoint reached in host code"));
    assert_int_equal(wdmemu_finding_count(), 0);
}

static void failed_assert_is_a_finding_with_location(void **state)
{
    (void)state;
    int value = 3;
    ASSERT(value == 3);
    assert_int_equal(wdmemu_finding_count(), 0);
    ASSERT(value == 4);
    NT_ASSERT(value > 10);
    assert_int_equal(ts_count_findings("ASSERTION_FAILURE"), 2);
    const wdmemu_finding *f = ts_finding("ASSERTION_FAILURE");
    assert_non_null(strstr(f->message, "ASSERT(value == 4) failed at"));
    assert_non_null(strstr(f->message, "test_dbgprint.c:"));
}

static void paged_code_above_apc_level_is_a_finding(void **state)
{
    (void)state;
    PAGED_CODE();
    assert_int_equal(wdmemu_finding_count(), 0);
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    assert_int_equal(old, PASSIVE_LEVEL);
    assert_int_equal(KeGetCurrentIrql(), DISPATCH_LEVEL);
    PAGED_CODE();
    KeLowerIrql(old);
    const wdmemu_finding *f = ts_finding("PAGED_CODE");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "DISPATCH_LEVEL"));
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

static void irql_misuse_is_reported(void **state)
{
    (void)state;
    KIRQL old = KeRaiseIrqlToDpcLevel();
    KIRQL ignored;
    KeRaiseIrql(APC_LEVEL, &ignored);
    assert_non_null(ts_finding("IRQL_NOT_GREATER_OR_EQUAL"));
    KeLowerIrql(DISPATCH_LEVEL);
    assert_non_null(ts_finding("IRQL_NOT_LESS_OR_EQUAL"));
    KeLowerIrql(old);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ts_test(dbgprint_formats_kernel_extensions),
        ts_test(kdprint_is_dbgprint_in_checked_builds),
        ts_test(dbgprintex_shows_errors_and_filters_the_rest),
        ts_test(long_output_is_not_truncated),
        ts_test(breakpoint_is_reported_not_trapped),
        ts_test(failed_assert_is_a_finding_with_location),
        ts_test(paged_code_above_apc_level_is_a_finding),
        ts_test(irql_misuse_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
