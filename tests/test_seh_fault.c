/* Hardware faults inside __try: a real bad pointer (NULL, an unmapped page, a read-only page, a
 * file mapped past its end, running off the stack) lands in the __except handler with the code
 * and ExceptionInformation Windows gives, on any thread; a fault in driver code outside any
 * __try becomes a KMODE_EXCEPTION_NOT_HANDLED finding; a fault outside driver code and outside
 * any __try, or a SIGSEGV sent with kill, still ends the process. */
#define _GNU_SOURCE /* MAP_ANONYMOUS */
#include "test_support.h"

#include "test_pages.h"
#include "test_threads.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#if !defined(_WIN32)
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

/* Under valgrind the intended bad accesses would be reported as memcheck errors before the
 * fault; the client requests silence them (no-ops elsewhere). */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define QUIET_BEGIN() VALGRIND_DISABLE_ERROR_REPORTING
#define QUIET_END() VALGRIND_ENABLE_ERROR_REPORTING
#endif
#endif
#ifndef QUIET_BEGIN
#define QUIET_BEGIN() ((void)0)
#define QUIET_END() ((void)0)
#endif

/* The compiler must not see that these are bad, or it may drop or trap the access itself. */
static char *volatile null_pointer = NULL;
static volatile char sink;

/* A read the compiler emits as is: UndefinedBehaviorSanitizer's null check would otherwise
 * report a NULL read before it faults (as it does in a driver built with it). */
#if defined(__GNUC__)
#define TSF_READER __attribute__((noinline, no_sanitize("null")))
#else
#define TSF_READER __declspec(noinline)
#endif
TSF_READER static char read_byte(const volatile char *address)
{
    return *address;
}

/* What a handler saw: the code and a copy of the record (volatile: written after the setjmp
 * of a __try, read after the longjmp). */
typedef struct seen {
    volatile NTSTATUS code;
    volatile int handled;
    volatile EXCEPTION_RECORD record;
} seen;

static int record_and_execute(seen *s, PEXCEPTION_POINTERS pointers)
{
    s->record = *pointers->ExceptionRecord;
    return EXCEPTION_EXECUTE_HANDLER;
}

static size_t page_size(void)
{
    return tp_page_size();
}

static void assert_violation(const seen *s, ULONG_PTR access, ULONG_PTR address)
{
    assert_true(s->handled);
    assert_status(STATUS_ACCESS_VIOLATION, s->code);
    assert_status(STATUS_ACCESS_VIOLATION, s->record.ExceptionCode);
    assert_int_equal(s->record.NumberParameters, 2);
    assert_int_equal(s->record.ExceptionInformation[0], access);
    assert_int_equal(s->record.ExceptionInformation[1], address);
#if defined(__x86_64__)
    assert_non_null(s->record.ExceptionAddress); /* the faulting instruction */
#endif
}

static void null_read_in_try_is_an_access_violation(void **state)
{
    (void)state;
    seen s = {0};
    QUIET_BEGIN();
    __try {
        sink = read_byte(null_pointer);
    } __except (record_and_execute(&s, GetExceptionInformation())) {
        s.code = GetExceptionCode();
        s.handled = 1;
    }
    QUIET_END();
    assert_violation(&s, 0, 0);
    assert_no_findings();
}

static void copy_from_unmapped_page_is_an_access_violation_at_that_page(void **state)
{
    (void)state;
    size_t page = page_size();
    char *user = tp_map(1, TP_NONE);
    assert_non_null(user);
    char buffer[32];
    seen s = {0};
    QUIET_BEGIN();
    __try {
        RtlCopyMemory(buffer, user + 64, sizeof(buffer)); /* what a driver does with a user buffer */
        sink = buffer[0];
    } __except (record_and_execute(&s, GetExceptionInformation())) {
        s.code = GetExceptionCode();
        s.handled = 1;
    }
    QUIET_END();
    assert_true(s.handled);
    assert_status(STATUS_ACCESS_VIOLATION, s.code);
    assert_int_equal(s.record.NumberParameters, 2);
    assert_int_equal(s.record.ExceptionInformation[0], 0);
    ULONG_PTR address = s.record.ExceptionInformation[1];
    assert_true(address >= (ULONG_PTR)user + 64 && address < (ULONG_PTR)user + 64 + sizeof(buffer));
    tp_unmap(user, page);
}

static void write_to_read_only_page_is_a_write_violation(void **state)
{
    (void)state;
    size_t page = page_size();
    char *user = tp_map(1, TP_READ_WRITE);
    assert_non_null(user);
    user[0] = 1;
    assert_int_equal(tp_protect(user, page, TP_READ), 0);
    volatile char *target = user + 8;
    seen s = {0};
    QUIET_BEGIN();
    __try {
        sink = target[0]; /* reading is fine */
        target[0] = 2;
    } __except (record_and_execute(&s, GetExceptionInformation())) {
        s.code = GetExceptionCode();
        s.handled = 1;
    }
    QUIET_END();
    assert_violation(&s, 1, (ULONG_PTR)target);
    assert_int_equal(user[8], 0);
    tp_unmap(user, page);
}

static void continue_search_passes_the_fault_to_the_outer_handler(void **state)
{
    (void)state;
    size_t page = page_size();
    char *user = tp_map(1, TP_NONE);
    assert_non_null(user);
    seen inner = {0}, outer = {0};
    QUIET_BEGIN();
    __try {
        __try {
            sink = *(volatile char *)(user + 100);
        } __except (record_and_execute(&inner, GetExceptionInformation()), EXCEPTION_CONTINUE_SEARCH) {
            inner.handled = 1;
        }
    } __except (record_and_execute(&outer, GetExceptionInformation())) {
        outer.code = GetExceptionCode();
        outer.handled = 1;
    }
    QUIET_END();
    assert_false(inner.handled);
    assert_status(STATUS_ACCESS_VIOLATION, inner.record.ExceptionCode);
    /* The outer handler sees the same record, ExceptionInformation included. */
    assert_violation(&outer, 0, (ULONG_PTR)user + 100);
    assert_ptr_equal(outer.record.ExceptionAddress, inner.record.ExceptionAddress);
    tp_unmap(user, page);
}

static void finally_runs_and_the_fault_reaches_the_handler(void **state)
{
    (void)state;
    volatile int finally_ran = 0, abnormal = 0;
    seen s = {0};
    QUIET_BEGIN();
    __try {
        __try {
            sink = read_byte(null_pointer);
        } __finally {
            finally_ran = 1;
            abnormal = AbnormalTermination();
        }
    } __except (record_and_execute(&s, GetExceptionInformation())) {
        s.code = GetExceptionCode();
        s.handled = 1;
    }
    QUIET_END();
    assert_true(finally_ran);
    assert_true(abnormal);
    assert_violation(&s, 0, 0);
}

static void faults_keep_being_caught_after_a_fault(void **state)
{
    (void)state;
    volatile int caught = 0;
    for (int i = 0; i < 100; i++) {
        QUIET_BEGIN();
        __try {
            sink = read_byte(null_pointer + i);
        } __except (GetExceptionCode() == STATUS_ACCESS_VIOLATION ? EXCEPTION_EXECUTE_HANDLER
                                                                  : EXCEPTION_CONTINUE_SEARCH) {
            caught++;
        }
        QUIET_END();
    }
    assert_int_equal(caught, 100);
#if !defined(_WIN32)
    /* Nothing was left blocked by jumping out of the signal handler. */
    sigset_t mask;
    assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &mask), 0);
    assert_false(sigismember(&mask, SIGSEGV));
    assert_false(sigismember(&mask, SIGBUS));
#endif
}

static void fault_is_caught_after_another_handler_replaced_ours(void **state)
{
    (void)state;
    volatile int caught = 0;
    QUIET_BEGIN();
    __try {
        sink = read_byte(null_pointer);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        caught++;
    }
    QUIET_END();
    /* As CMocka does around every test; the next outermost __try puts ours back. */
    void (*previous)(int) = signal(SIGSEGV, SIG_DFL);
    assert_true(previous != SIG_ERR);
    QUIET_BEGIN();
    __try {
        sink = read_byte(null_pointer);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        caught++;
    }
    QUIET_END();
    assert_int_equal(caught, 2);
}

static void file_mapped_past_its_end_is_an_in_page_error(void **state)
{
    (void)state;
#if defined(_WIN32)
    skip(); /* not on Windows: a view cannot reach past the end of its file there */
#else
    size_t page = page_size();
    FILE *file = tmpfile();
    assert_non_null(file);
    assert_int_equal(ftruncate(fileno(file), (off_t)page), 0);
    char *view = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fileno(file), 0);
    assert_true(view != MAP_FAILED);
    seen s = {0};
    QUIET_BEGIN();
    __try {
        sink = view[0];
        sink = view[page + 5]; /* no file behind it: SIGBUS */
    } __except (record_and_execute(&s, GetExceptionInformation())) {
        s.code = GetExceptionCode();
        s.handled = 1;
    }
    QUIET_END();
    munmap(view, 2 * page);
    fclose(file);
    assert_true(s.handled);
    assert_status(STATUS_IN_PAGE_ERROR, s.code);
    assert_int_equal(s.record.NumberParameters, 3);
    assert_int_equal(s.record.ExceptionInformation[0], 0);
    assert_int_equal(s.record.ExceptionInformation[1], (ULONG_PTR)(view + page + 5));
    assert_status(STATUS_UNEXPECTED_IO_ERROR, (NTSTATUS)s.record.ExceptionInformation[2]);
#endif
}

/* ---- other threads ------------------------------------------------------------------------ */

typedef struct thread_result {
    seen s;
    HANDLE thread_id;
} thread_result;

static VOID NTAPI faulting_system_thread(PVOID Context)
{
    thread_result *result = Context;
    result->thread_id = PsGetCurrentThreadId();
    QUIET_BEGIN();
    __try {
        sink = read_byte(null_pointer);
    } __except (record_and_execute(&result->s, GetExceptionInformation())) {
        result->s.code = GetExceptionCode();
        result->s.handled = 1;
    }
    QUIET_END();
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static void fault_in_system_thread_try_is_caught_on_that_thread(void **state)
{
    (void)state;
    thread_result result = {0};
    HANDLE handle;
    assert_status(STATUS_SUCCESS,
                  PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, faulting_system_thread, &result));
    PETHREAD thread;
    assert_status(STATUS_SUCCESS,
                  ObReferenceObjectByHandle(handle, SYNCHRONIZE, *PsThreadType, KernelMode, (PVOID *)&thread, NULL));
    assert_status(STATUS_SUCCESS, ZwClose(handle));
    assert_status(STATUS_SUCCESS, KeWaitForSingleObject(thread, Executive, KernelMode, FALSE, NULL));
    assert_ptr_equal(result.thread_id, PsGetThreadId(thread));
    assert_ptr_not_equal(result.thread_id, PsGetCurrentThreadId());
    ObDereferenceObject(thread);
    assert_violation(&result.s, 0, 0);
    assert_no_findings();
}

static volatile int recursion_limit = 1 << 30;

static int recurse(volatile char *caller, int depth)
{
    volatile char frame[512];
    frame[0] = (char)depth;
    frame[1] = caller != NULL ? caller[0] : 0;
    if (depth == recursion_limit)
        return frame[1];
    return recurse(frame, depth + 1) + frame[1]; /* not a tail call */
}

static void *overflowing_thread(void *context)
{
    seen *s = context;
    QUIET_BEGIN();
    __try {
        sink = (char)recurse(NULL, 0);
    } __except (record_and_execute(s, GetExceptionInformation())) {
        s->code = GetExceptionCode();
        s->handled = 1;
    }
    QUIET_END();
    return NULL;
}

static void stack_overflow_in_try_is_a_stack_overflow_exception(void **state)
{
    (void)state;
#if defined(_WIN32)
    /* Not run on Windows: under wine (8.0) a thread that overflows its stack is ended before
     * any exception handler runs, so this machine cannot verify it. */
    skip();
#endif
    seen s = {0};
    tt_thread thread;
    assert_int_equal(tt_start(&thread, overflowing_thread, &s, 256 * 1024), 0);
    assert_int_equal(tt_join(&thread), 0);
    assert_true(s.handled);
    assert_status(STATUS_STACK_OVERFLOW, s.code);
}

/* ---- driver code ------------------------------------------------------------------------------ */

static VOID NTAPI fault_unload(PDRIVER_OBJECT DriverObject)
{
    (void)DriverObject;
}

static NTSTATUS NTAPI faulting_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    DriverObject->DriverUnload = fault_unload;
    QUIET_BEGIN();
    sink = read_byte(null_pointer); /* no __try: the guard frame around DriverEntry catches it */
    QUIET_END();
    return STATUS_SUCCESS;
}

static void fault_in_driver_code_without_try_is_kmode_exception_not_handled(void **state)
{
    (void)state;
    wdmemu_driver *driver = NULL;
    assert_status(STATUS_ACCESS_VIOLATION, wdmemu_driver_load_entry(faulting_entry, "faulting", &driver));
    QUIET_END(); /* the QUIET_END in faulting_entry was jumped over */
    assert_null(driver);
    const wdmemu_finding *finding = ts_finding("KMODE_EXCEPTION_NOT_HANDLED");
    assert_non_null(finding);
    assert_status(STATUS_ACCESS_VIOLATION, finding->status);
    assert_string_equal(finding->driver, "\\Driver\\faulting");
    assert_int_equal(wdmemu_finding_count(), 1);
}

static char *volatile user_buffer;

static NTSTATUS NTAPI probing_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    DriverObject->DriverUnload = fault_unload;
    char local[16];
    NTSTATUS status = STATUS_SUCCESS;
    QUIET_BEGIN();
    __try {
        ProbeForRead(user_buffer, sizeof(local), 1);
        RtlCopyMemory(local, user_buffer, sizeof(local));
        sink = local[0];
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        status = GetExceptionCode();
    }
    QUIET_END();
    return status;
}

static void driver_try_turns_a_bad_user_buffer_into_a_status(void **state)
{
    (void)state;
    size_t page = page_size();
    char *user = tp_map(1, TP_NONE);
    assert_non_null(user);
    user_buffer = user;
    wdmemu_driver *driver = NULL;
    assert_status(STATUS_ACCESS_VIOLATION, wdmemu_driver_load_entry(probing_entry, "probing", &driver));
    tp_unmap(user, page);
    assert_null(driver);
    assert_null(ts_finding("KMODE_EXCEPTION_NOT_HANDLED"));
}

/* ---- what is not caught -------------------------------------------------------------------- */

#if !defined(_WIN32)

/* Runs body in a child process with the default SIGSEGV action; returns the child's wait status. */
static int in_child(void (*body)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL); /* CMocka's handler would report a failed test instead */
        signal(SIGBUS, SIG_DFL);
        QUIET_BEGIN();
        body();
        _exit(0);
    }
    int status = 0;
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void fault_outside_any_try(void)
{
    volatile int caught = 0;
    __try {
        sink = 1; /* puts wdmemu's handler in place, then leaves the __try */
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        caught = 1;
    }
    sink = read_byte(null_pointer);
    _exit(caught ? 2 : 3);
}

static void exit_4(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)info;
    (void)context;
    QUIET_END(); /* balances in_child's */
    _exit(4);
}

static void fault_outside_any_try_with_a_handler_installed_before(void)
{
    struct sigaction handler;
    memset(&handler, 0, sizeof(handler));
    handler.sa_sigaction = exit_4;
    handler.sa_flags = SA_SIGINFO;
    sigemptyset(&handler.sa_mask);
    sigaction(SIGSEGV, &handler, NULL);
    fault_outside_any_try();
}

static void sent_sigsegv_inside_try(void)
{
    __try {
        raise(SIGSEGV);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        _exit(2);
    }
    _exit(3);
}

static void fault_outside_any_try_still_kills_the_process(void **state)
{
    (void)state;
    int status = in_child(fault_outside_any_try);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGSEGV);
}

static void fault_outside_any_try_goes_to_the_handler_installed_before(void **state)
{
    (void)state;
    int status = in_child(fault_outside_any_try_with_a_handler_installed_before);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 4);
}

static void sigsegv_sent_with_kill_is_not_an_exception(void **state)
{
    (void)state;
    int status = in_child(sent_sigsegv_inside_try);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGSEGV);
}

#else

/* Windows has no fork: these run the body in a child process with the default signal actions.
 * A fault outside any __try there goes on to the process's other handlers and, at the end,
 * ends the process as any unhandled exception does (the vectored handler declines it). */
static void fault_outside_any_try_still_kills_the_process(void **state)
{
    (void)state;
    skip();
}

static void fault_outside_any_try_goes_to_the_handler_installed_before(void **state)
{
    (void)state;
    skip();
}

static void sigsegv_sent_with_kill_is_not_an_exception(void **state)
{
    (void)state;
    skip();
}

#endif /* _WIN32 */

int main(void)
{
    const struct CMUnitTest tests[] = {
        ts_test(null_read_in_try_is_an_access_violation),
        ts_test(copy_from_unmapped_page_is_an_access_violation_at_that_page),
        ts_test(write_to_read_only_page_is_a_write_violation),
        ts_test(continue_search_passes_the_fault_to_the_outer_handler),
        ts_test(finally_runs_and_the_fault_reaches_the_handler),
        ts_test(faults_keep_being_caught_after_a_fault),
        ts_test(fault_is_caught_after_another_handler_replaced_ours),
        ts_test(file_mapped_past_its_end_is_an_in_page_error),
        ts_test(fault_in_system_thread_try_is_caught_on_that_thread),
        ts_test(stack_overflow_in_try_is_a_stack_overflow_exception),
        ts_test(fault_in_driver_code_without_try_is_kmode_exception_not_handled),
        ts_test(driver_try_turns_a_bad_user_buffer_into_a_status),
        ts_test(fault_outside_any_try_still_kills_the_process),
        ts_test(fault_outside_any_try_goes_to_the_handler_installed_before),
        ts_test(sigsegv_sent_with_kill_is_not_an_exception),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
