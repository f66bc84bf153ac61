/* sample_test.h: what the samples' CMocka tests share, on plain CMocka and the host API: a
 * fresh kernel with the in-memory trace per test, status assertions that print names, loading
 * and clean unloading, and counting trace records. */
#ifndef SAMPLE_TEST_H
#define SAMPLE_TEST_H

#include <wdmemu/wdmemu.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

/* The drivers' DbgPrint output is kept quiet; errors and findings are printed. */
static inline void st_on_message(wdmemu_message_kind kind, const char *text, void *context)
{
    (void)context;
    if (kind == WDMEMU_MSG_ERROR || kind == WDMEMU_MSG_FINDING)
        print_message("wdmemu: %s\n", text);
}

/* setup: an empty kernel, recording the trace in memory. */
static inline int st_setup(void **state)
{
    (void)state;
    wdmemu_shutdown();
    wdmemu_set_message_handler(st_on_message, NULL);
    wdmemu_init();
    wdmemu_trace_start("memory");
    return 0;
}

static inline void st_ignore_message(wdmemu_message_kind kind, const char *text, void *context)
{
    (void)kind;
    (void)text;
    (void)context;
}

/* teardown: a finding that fails under its policy fails the test.  What a failed test left
 * loaded is reclaimed quietly (its findings would only repeat the failure). */
static inline int st_teardown(void **state)
{
    (void)state;
    size_t failing = wdmemu_failing_finding_count();
    for (size_t i = 0; i < wdmemu_finding_count(); i++) {
        if (wdmemu_finding_get(i)->fails)
            print_error("finding: %s\n", wdmemu_finding_get(i)->message);
    }
    wdmemu_set_message_handler(st_ignore_message, NULL);
    wdmemu_shutdown();
    wdmemu_set_message_handler(NULL, NULL);
    return failing == 0 ? 0 : -1;
}

#define st_test(f) cmocka_unit_test_setup_teardown(f, st_setup, st_teardown)

/* assert_status(STATUS_SUCCESS, status) prints both names when they differ. */
#define assert_status(expected, actual) st_assert_status((expected), (actual), __FILE__, __LINE__)

static inline void st_assert_status(NTSTATUS expected, NTSTATUS actual, const char *file, int line)
{
    if (expected == actual)
        return;
    char want[96], got[96];
    wdmemu_status_format(expected, want, sizeof(want));
    wdmemu_status_format(actual, got, sizeof(got));
    print_error("%s:%d: expected %s, got %s\n", file, line, want, got);
    _fail(file, line);
}

static inline wdmemu_driver *st_load(const char *module)
{
    wdmemu_driver *driver = NULL;
    NTSTATUS status = wdmemu_driver_load(module, NULL, &driver);
    if (!NT_SUCCESS(status))
        print_error("loading %s: %s\n", module, wdmemu_last_error());
    assert_status(STATUS_SUCCESS, status);
    assert_non_null(driver);
    return driver;
}

/* Unloads and asserts nothing was left: no device, link or pool block (findings), no finding
 * at all. */
static inline void st_unload_clean(wdmemu_driver *driver)
{
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
    for (size_t i = 0; i < wdmemu_finding_count(); i++)
        print_error("finding: %s\n", wdmemu_finding_get(i)->message);
    assert_int_equal(wdmemu_finding_count(), 0);
}

/* Options of the handles the tests open, as CreateFile sets them. */
#define ST_SYNC (FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE)               /* cached, synchronous */
#define ST_SYNC_NOCACHE (ST_SYNC | FILE_NO_INTERMEDIATE_BUFFERING)                      /* FILE_FLAG_NO_BUFFERING */
#define ST_OVERLAPPED FILE_NON_DIRECTORY_FILE                                           /* FILE_FLAG_OVERLAPPED */

static inline HANDLE st_open(const char *name, ACCESS_MASK access, ULONG options)
{
    HANDLE handle = NULL;
    NTSTATUS status = wdmemu_open(name, access, 0, options, &handle);
    if (!NT_SUCCESS(status))
        print_error("opening %s: %s\n", name, wdmemu_last_error());
    assert_status(STATUS_SUCCESS, status);
    return handle;
}

/* Trace records from index `from` on of this kind, at this device (NULL: any), for this major
 * function (-1: any). */
static inline size_t st_count_from(size_t from, const char *kind, const char *device, int major)
{
    size_t n = 0;
    for (size_t i = from; i < wdmemu_trace_count(); i++) {
        const wdmemu_trace_record *r = wdmemu_trace_get(i);
        if (strcmp(r->kind, kind) == 0 && (device == NULL || strcmp(r->device, device) == 0) &&
            (major < 0 || r->major == major))
            n++;
    }
    return n;
}

static inline size_t st_count(const char *kind, const char *device, int major)
{
    return st_count_from(0, kind, device, major);
}

/* The first record at or after `from` of this kind, device and major (as st_count), or NULL. */
static inline const wdmemu_trace_record *st_find(size_t from, const char *kind, const char *device, int major)
{
    for (size_t i = from; i < wdmemu_trace_count(); i++) {
        const wdmemu_trace_record *r = wdmemu_trace_get(i);
        if (strcmp(r->kind, kind) == 0 && (device == NULL || strcmp(r->device, device) == 0) &&
            (major < 0 || r->major == major))
            return r;
    }
    return NULL;
}

static inline int st_all_bytes(const void *buffer, size_t length, unsigned char value)
{
    const unsigned char *bytes = buffer;
    for (size_t i = 0; i < length; i++) {
        if (bytes[i] != value)
            return 0;
    }
    return 1;
}

#endif /* SAMPLE_TEST_H */
