/* Structured exception handling for gcc/clang drivers: __try/__except catching ExRaiseStatus
 * and probe failures with GetExceptionCode, the lowercase spellings, `break` in a handler
 * leaving the enclosing switch, nesting, filters that pass exceptions on, __finally on both
 * paths, return out of a __try, and the jump-out finding (with the Microsoft compiler, whose
 * __try is native, the same tests check the native behaviour; only the jump-out differs). */
#include "test_support.h"

static NTSTATUS raise_in_switch(int selector)
{
    NTSTATUS status = STATUS_SUCCESS;
    switch (selector) {
    case 1:
        try {
            ExRaiseStatus(STATUS_INVALID_USER_BUFFER);
        }
        except (EXCEPTION_EXECUTE_HANDLER) {
            status = GetExceptionCode();
            break;
        }
        status = STATUS_UNSUCCESSFUL; /* not reached: the break leaves the switch */
        break;
    default:
        status = STATUS_NOT_IMPLEMENTED;
        break;
    }
    return status;
}

static void except_catches_raise_and_break_leaves_switch(void **state)
{
    (void)state;
    assert_status(STATUS_INVALID_USER_BUFFER, raise_in_switch(1));
    assert_status(STATUS_NOT_IMPLEMENTED, raise_in_switch(2));
    assert_no_findings();
}

static void probe_failures_raise_documented_codes(void **state)
{
    (void)state;
    volatile NTSTATUS status = STATUS_SUCCESS;
    char buffer[16];
    __try {
        ProbeForRead(buffer + 1, 4, sizeof(ULONG));
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        status = GetExceptionCode();
    }
    assert_status(STATUS_DATATYPE_MISALIGNMENT, status);
    status = STATUS_SUCCESS;
    __try {
        ProbeForWrite((PVOID)(ULONG_PTR)0x7FFFFFFFFFF0ULL, 0x100, 1);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        status = GetExceptionCode();
    }
    assert_status(STATUS_ACCESS_VIOLATION, status);
    status = STATUS_SUCCESS;
    __try {
        ProbeForRead(buffer, 0, 8); /* zero length never raises, whatever the alignment */
        ProbeForRead(buffer, sizeof(buffer), 1);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        status = GetExceptionCode();
    }
    assert_status(STATUS_SUCCESS, status);
}

static void inner(void)
{
    ExRaiseStatus(STATUS_INTEGER_OVERFLOW);
}

static void nested_handlers_and_continue_search(void **state)
{
    (void)state;
    volatile int inner_seen = 0, outer_seen = 0;
    __try {
        __try {
            inner();
        } __except (inner_seen = 1, GetExceptionCode() == STATUS_ACCESS_VIOLATION ? EXCEPTION_EXECUTE_HANDLER
                                                                                  : EXCEPTION_CONTINUE_SEARCH) {
            fail();
        }
        fail();
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        outer_seen = GetExceptionCode() == STATUS_INTEGER_OVERFLOW;
    }
    assert_true(inner_seen);
    assert_true(outer_seen);
    /* Frames are balanced afterwards: a new raise is caught by a new frame. */
    volatile int again = 0;
    __try {
        inner();
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        again = 1;
    }
    assert_true(again);
}

static void finally_runs_on_both_paths(void **state)
{
    (void)state;
    volatile int normal = 0, abnormal = -1;
    __try {
        normal = 1;
    } __finally {
        abnormal = AbnormalTermination();
    }
    assert_int_equal(normal, 1);
    assert_int_equal(abnormal, 0);

    volatile int finally_ran = 0;
    volatile NTSTATUS caught = 0;
    __try {
        __try {
            ExRaiseStatus(STATUS_NO_MEMORY);
        } __finally {
            finally_ran = 1;
            abnormal = AbnormalTermination();
        }
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        caught = GetExceptionCode();
    }
    assert_true(finally_ran);
    assert_true(abnormal);
    assert_status(STATUS_NO_MEMORY, caught);
}

static int returns_from_try(void)
{
    __try {
        return 7;
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        return -1;
    }
    return -2; /* gcc cannot see that the handler always returns */
}

static void return_from_try_keeps_frames_balanced(void **state)
{
    (void)state;
    assert_int_equal(returns_from_try(), 7);
    volatile int handled = 0;
    __try {
        ExRaiseStatus(STATUS_UNSUCCESSFUL);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        handled = 1;
    }
    assert_true(handled);
    assert_no_findings();
}

static void leave_exits_the_try_body(void **state)
{
    (void)state;
    volatile int after = 0, handled = 0;
    __try {
        __leave;
        after = 1;
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        handled = 1;
    }
    assert_false(after);
    assert_false(handled);
    assert_no_findings();
}

static void break_out_of_a_try_body_is_reported(void **state)
{
    (void)state;
    volatile int rounds = 0;
    for (int i = 0; i < 2; i++) {
        rounds++;
        __try {
            break;
        } __except (EXCEPTION_EXECUTE_HANDLER) {
            fail();
        }
    }
#if defined(_MSC_VER)
    /* The Microsoft compiler's own __try: the break leaves the loop, as written. */
    assert_int_equal(rounds, 1);
    assert_no_findings();
#else
    /* The emulation ends the __try there instead (the loop goes on) and reports it. */
    assert_int_equal(rounds, 2);
    assert_non_null(ts_finding("SEH_JUMP_OUT_OF_TRY"));
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ts_test(except_catches_raise_and_break_leaves_switch),
        ts_test(probe_failures_raise_documented_codes),
        ts_test(nested_handlers_and_continue_search),
        ts_test(finally_runs_on_both_paths),
        ts_test(return_from_try_keeps_frames_balanced),
        ts_test(leave_exits_the_try_body),
        ts_test(break_out_of_a_try_body_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
