/* Shared helpers for wdmemu's own tests: a fresh kernel per test, captured messages, status
 * assertions that print names, and finding lookups. */
#ifndef WDMEMU_TEST_SUPPORT_H
#define WDMEMU_TEST_SUPPORT_H

#include <wdmemu/wdmemu.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#define TS_CAPTURE 16384

typedef struct ts_capture {
    char debug[TS_CAPTURE];   /* DbgPrint output, concatenated */
    char errors[TS_CAPTURE];  /* error messages, one per line */
    char breaks[TS_CAPTURE];  /* breakpoint messages */
    int error_count;
    int break_count;
} ts_capture;

static ts_capture ts_messages;

static inline void ts_append(char *buffer, const char *text)
{
    size_t used = strlen(buffer);
    snprintf(buffer + used, TS_CAPTURE - used, "%s", text);
}

static inline void ts_on_message(wdmemu_message_kind kind, const char *text, void *context)
{
    (void)context;
    switch (kind) {
    case WDMEMU_MSG_DEBUG_PRINT:
        ts_append(ts_messages.debug, text);
        break;
    case WDMEMU_MSG_ERROR:
        ts_messages.error_count++;
        ts_append(ts_messages.errors, text);
        ts_append(ts_messages.errors, "\n");
        break;
    case WDMEMU_MSG_BREAKPOINT:
        ts_messages.break_count++;
        ts_append(ts_messages.breaks, text);
        ts_append(ts_messages.breaks, "\n");
        break;
    default:
        break;
    }
}

/* Findings a test looked at (ts_finding, ts_count_findings) are expected; any other finding
 * that fails under its policy fails the test at teardown. */
#define TS_SEEN 4096
static unsigned char ts_seen[TS_SEEN];
static inline int ts_unexpected_findings(void);

/* cmocka setup/teardown: every test starts from an empty kernel and captures messages. */
static inline int ts_setup(void **state)
{
    (void)state;
    wdmemu_shutdown();
    memset(&ts_messages, 0, sizeof(ts_messages));
    memset(ts_seen, 0, sizeof(ts_seen));
    wdmemu_set_message_handler(ts_on_message, NULL);
    wdmemu_init();
    return 0;
}

static inline int ts_teardown(void **state)
{
    (void)state;
    int unexpected = ts_unexpected_findings();
    memset(ts_seen, 0, sizeof(ts_seen));
    wdmemu_shutdown();
    wdmemu_set_message_handler(NULL, NULL);
    return unexpected == 0 ? 0 : -1;
}

#define ts_test(f) cmocka_unit_test_setup_teardown(f, ts_setup, ts_teardown)

/* assert_status(STATUS_SUCCESS, status) prints both names when they differ. */
#define assert_status(expected, actual) ts_assert_status((expected), (actual), __FILE__, __LINE__)

static inline void ts_assert_status(NTSTATUS expected, NTSTATUS actual, const char *file, int line)
{
    if (expected == actual)
        return;
    char want[96], got[96];
    wdmemu_status_format(expected, want, sizeof(want));
    wdmemu_status_format(actual, got, sizeof(got));
    print_error("%s:%d: expected %s, got %s\n", file, line, want, got);
    _fail(file, line);
}

/* The first finding with this rule, or NULL; every finding with it counts as expected. */
static inline const wdmemu_finding *ts_finding(const char *rule)
{
    const wdmemu_finding *first = NULL;
    for (size_t i = 0; i < wdmemu_finding_count(); i++) {
        const wdmemu_finding *f = wdmemu_finding_get(i);
        if (strcmp(f->rule, rule) == 0) {
            if (i < TS_SEEN)
                ts_seen[i] = 1;
            if (first == NULL)
                first = f;
        }
    }
    return first;
}

static inline size_t ts_count_findings(const char *rule)
{
    size_t n = 0;
    for (size_t i = 0; i < wdmemu_finding_count(); i++) {
        if (strcmp(wdmemu_finding_get(i)->rule, rule) == 0) {
            if (i < TS_SEEN)
                ts_seen[i] = 1;
            n++;
        }
    }
    return n;
}

/* Clears findings and what the test has seen of them. */
static inline void ts_findings_clear(void)
{
    wdmemu_findings_clear();
    memset(ts_seen, 0, sizeof(ts_seen));
}

/* Teardown's check: the failing findings the test did not expect. */
static inline int ts_unexpected_findings(void)
{
    int unexpected = 0;
    for (size_t i = 0; i < wdmemu_finding_count(); i++) {
        const wdmemu_finding *f = wdmemu_finding_get(i);
        if (f->fails && (i >= TS_SEEN || !ts_seen[i])) {
            print_error("finding the test did not expect: %s\n", f->message);
            unexpected++;
        }
    }
    return unexpected;
}

static inline void ts_assert_no_findings_at(const char *file, int line)
{
    size_t n = wdmemu_finding_count();
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++)
        print_error("unexpected finding: %s\n", wdmemu_finding_get(i)->message);
    _fail(file, line);
}
#define assert_no_findings() ts_assert_no_findings_at(__FILE__, __LINE__)

/* Path of one of the test drivers built under tests/drivers (shared modules: .dll on Windows). */
#if defined(_WIN32)
#define TS_MODULE_SUFFIX ".dll"
#else
#define TS_MODULE_SUFFIX ".so"
#endif
static inline const char *ts_driver(const char *name)
{
    static char path[1024];
    snprintf(path, sizeof(path), "%s/%s" TS_MODULE_SUFFIX, TEST_DRIVER_DIR, name);
    return path;
}

#endif /* WDMEMU_TEST_SUPPORT_H */
