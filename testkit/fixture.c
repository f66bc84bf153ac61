/* testkit/fixture.c: the test kit's fixtures (a fresh kernel and the fixture's drivers per
 * test, and the teardown that fails a test for leftovers, unclean unloads and unexamined
 * findings), status assertions, one-call requests and trace assertions. */
#include <stdio.h>
#include <string.h>

#include "testkit.h"

#define TK_MAX_HANDLES 256
#define TK_SEEN 4096

static struct {
    HANDLE handles[TK_MAX_HANDLES]; /* opened by wdmemu_test_open and not closed yet */
    size_t handle_count;
    unsigned char seen[TK_SEEN];    /* findings the test examined */
} tk;

/* wdmemu's seed before the first fixture set one: what a fixture with .seed 0 gets. */
static uint64_t tk_default_seed;
static BOOLEAN tk_default_seed_known;

/* ---- fixtures ---------------------------------------------------------------------------------- */

static size_t tk_driver_count(const wdmemu_test_fixture *fixture)
{
    size_t n = 0;
    while (n < WDMEMU_TEST_MAX_DRIVERS && (fixture->drivers[n].module != NULL || fixture->drivers[n].entry != NULL))
        n++;
    return n;
}

static void tk_unload_fixture(wdmemu_test_fixture *fixture, int *problems)
{
    for (size_t i = WDMEMU_TEST_MAX_DRIVERS; i-- > 0;) {
        wdmemu_driver *driver = fixture->loaded[i];
        if (driver == NULL)
            continue;
        char name[160];
        snprintf(name, sizeof(name), "%s", wdmemu_driver_name(driver));
        NTSTATUS status = wdmemu_driver_unload(driver);
        fixture->loaded[i] = NULL;
        if (status == STATUS_INVALID_DEVICE_REQUEST)
            continue; /* no DriverUnload: it stays loaded, as on Windows; shutdown removes it */
        if (status != STATUS_SUCCESS) {
            char text[96];
            wdmemu_status_format(status, text, sizeof(text));
            print_error("wdmemu test kit: unloading \\Driver\\%s returned %s: it left something behind "
                        "(see the findings)\n", name, text);
            (*problems)++;
        }
    }
}

int wdmemu_test_setup(void **state)
{
    wdmemu_test_fixture *fixture = *state;
    memset(&tk, 0, sizeof(tk));
    wdmemu_shutdown();
    tk_mocks_free(); /* left by a setup that failed (CMocka then runs no teardown) */
    if (!tk_default_seed_known) {
        tk_default_seed = wdmemu_get_seed();
        tk_default_seed_known = TRUE;
    }
    if (fixture == NULL) {
        print_error("wdmemu_test_setup: the test has no fixture (use wdmemu_unit_test(test, &fixture))\n");
        return -1;
    }
    memset(fixture->loaded, 0, sizeof(fixture->loaded));
    wdmemu_set_mode(fixture->threaded ? WDMEMU_MODE_THREADED : WDMEMU_MODE_DETERMINISTIC);
    /* the seed persists across wdmemu_shutdown: set it every time, so that no fixture inherits
     * the seed of the one before */
    wdmemu_set_seed(fixture->seed != 0 ? fixture->seed : tk_default_seed);
    wdmemu_init();
    if (fixture->trace && !NT_SUCCESS(wdmemu_trace_start("memory"))) {
        print_error("wdmemu_test_setup: the in-memory trace could not be started: %s\n", wdmemu_last_error());
        return -1;
    }
    if (fixture->before_drivers != NULL)
        fixture->before_drivers();
    size_t count = tk_driver_count(fixture);
    for (size_t i = 0; i < count; i++) {
        const wdmemu_test_driver *d = &fixture->drivers[i];
        NTSTATUS status = d->module != NULL
                              ? wdmemu_driver_load(d->module, d->name, &fixture->loaded[i])
                              : wdmemu_driver_load_entry(d->entry, d->name != NULL ? d->name : "driver",
                                                         &fixture->loaded[i]);
        if (!NT_SUCCESS(status)) {
            char text[96];
            wdmemu_status_format(status, text, sizeof(text));
            print_error("wdmemu_test_setup: loading driver %lu (%s) failed with %s: %s\n", (unsigned long)i,
                        d->module != NULL ? d->module : (d->name != NULL ? d->name : "DriverEntry"), text,
                        wdmemu_last_error());
            int ignored = 0;
            tk_unload_fixture(fixture, &ignored);
            wdmemu_shutdown();
            tk_mocks_free();
            return -1;
        }
    }
    return 0;
}

int wdmemu_test_teardown(void **state)
{
    wdmemu_test_fixture *fixture = *state;
    int problems = 0;
    for (size_t i = 0; i < tk.handle_count; i++)
        wdmemu_handle_close(tk.handles[i]); /* a test may leave its handles open */
    tk.handle_count = 0;
    problems += tk_mocks_finish_above();
    if (fixture != NULL)
        tk_unload_fixture(fixture, &problems);
    problems += tk_mocks_finish_below();
    for (size_t i = 0; i < wdmemu_finding_count(); i++) {
        const wdmemu_finding *f = wdmemu_finding_get(i);
        if (f->fails && (i >= TK_SEEN || !tk.seen[i])) {
            print_error("wdmemu test kit: finding the test did not examine: %s\n", f->message);
            problems++;
        }
    }
    wdmemu_shutdown();
    tk_mocks_free();
    return problems == 0 ? 0 : -1;
}

wdmemu_driver *wdmemu_test_driver_at(void **state, size_t index)
{
    wdmemu_test_fixture *fixture = *state;
    if (fixture == NULL || index >= WDMEMU_TEST_MAX_DRIVERS)
        return NULL;
    return fixture->loaded[index];
}

void wdmemu_test_unload_at(void **state, size_t index, const char *file, int line)
{
    wdmemu_test_fixture *fixture = state != NULL ? *state : NULL;
    if (fixture == NULL || index >= WDMEMU_TEST_MAX_DRIVERS || fixture->loaded[index] == NULL) {
        print_error("wdmemu_test_unload: the fixture has no driver %lu loaded\n", (unsigned long)index);
        _fail(file, line);
        return;
    }
    char expression[200];
    snprintf(expression, sizeof(expression), "wdmemu_driver_unload(\\Driver\\%s)",
             wdmemu_driver_name(fixture->loaded[index]));
    NTSTATUS status = wdmemu_driver_unload(fixture->loaded[index]);
    if (status != STATUS_INVALID_DEVICE_REQUEST) /* without DriverUnload it stays loaded */
        fixture->loaded[index] = NULL;
    wdmemu_test_assert_status(STATUS_SUCCESS, status, expression, file, line);
}

/* Marks every finding with this rule as examined; returns how many there are and the first. */
static size_t tk_examine(const char *rule, const wdmemu_finding **first)
{
    size_t n = 0;
    *first = NULL;
    for (size_t i = 0; i < wdmemu_finding_count(); i++) {
        const wdmemu_finding *f = wdmemu_finding_get(i);
        if (strcmp(f->rule, rule) == 0) {
            if (i < TK_SEEN)
                tk.seen[i] = 1;
            if (n++ == 0)
                *first = f;
        }
    }
    return n;
}

size_t wdmemu_test_finding_count(const char *rule)
{
    const wdmemu_finding *first;
    return tk_examine(rule, &first);
}

const wdmemu_finding *wdmemu_test_finding(const char *rule)
{
    const wdmemu_finding *first;
    tk_examine(rule, &first);
    return first;
}

/* ---- status assertions ---------------------------------------------------------------------- */

void wdmemu_test_assert_status(NTSTATUS expected, NTSTATUS actual, const char *expression, const char *file, int line)
{
    if (expected == actual)
        return;
    char want[96], got[96];
    wdmemu_status_format(expected, want, sizeof(want));
    wdmemu_status_format(actual, got, sizeof(got));
    print_error("%s: expected %s, got %s\n", expression, want, got);
    const char *why = wdmemu_last_error();
    if (why[0] != '\0')
        print_error("  wdmemu's last error: %s\n", why);
    _fail(file, line);
}

void wdmemu_test_assert_success(NTSTATUS actual, const char *expression, const char *file, int line)
{
    if (NT_SUCCESS(actual))
        return;
    char got[96];
    wdmemu_status_format(actual, got, sizeof(got));
    print_error("%s: expected a success status, got %s\n", expression, got);
    const char *why = wdmemu_last_error();
    if (why[0] != '\0')
        print_error("  wdmemu's last error: %s\n", why);
    _fail(file, line);
}

/* ---- one-call requests -------------------------------------------------------------------------- */

HANDLE wdmemu_test_open_at(const char *name, ACCESS_MASK access, ULONG create_options, const char *file, int line)
{
    HANDLE handle = NULL;
    char expression[300];
    snprintf(expression, sizeof(expression), "wdmemu_open(\"%s\")", name);
    wdmemu_test_assert_status(STATUS_SUCCESS,
                              wdmemu_open(name, access, FILE_SHARE_READ | FILE_SHARE_WRITE, create_options, &handle),
                              expression, file, line);
    if (tk.handle_count < TK_MAX_HANDLES)
        tk.handles[tk.handle_count++] = handle;
    return handle;
}

void wdmemu_test_close_at(HANDLE handle, const char *file, int line)
{
    for (size_t i = 0; i < tk.handle_count; i++) {
        if (tk.handles[i] == handle) {
            tk.handles[i] = tk.handles[--tk.handle_count];
            break;
        }
    }
    wdmemu_test_assert_status(STATUS_SUCCESS, wdmemu_handle_close(handle), "wdmemu_handle_close", file, line);
}

ULONG_PTR wdmemu_test_read_at(HANDLE handle, void *buffer, ULONG length, NTSTATUS expected, const char *file, int line)
{
    ULONG_PTR moved = 0;
    char expression[96];
    snprintf(expression, sizeof(expression), "wdmemu_read(%lu bytes)", (unsigned long)length);
    wdmemu_test_assert_status(expected, wdmemu_read(handle, buffer, length, NULL, &moved), expression, file, line);
    return moved;
}

ULONG_PTR wdmemu_test_write_at(HANDLE handle, const void *buffer, ULONG length, NTSTATUS expected, const char *file,
                               int line)
{
    ULONG_PTR moved = 0;
    char expression[96];
    snprintf(expression, sizeof(expression), "wdmemu_write(%lu bytes)", (unsigned long)length);
    wdmemu_test_assert_status(expected, wdmemu_write(handle, buffer, length, NULL, &moved), expression, file, line);
    return moved;
}

ULONG_PTR wdmemu_test_ioctl_at(HANDLE handle, ULONG code, const void *input, ULONG input_length, void *output,
                               ULONG output_length, NTSTATUS expected, const char *file, int line)
{
    ULONG_PTR moved = 0;
    char expression[160];
    snprintf(expression, sizeof(expression), "wdmemu_device_control(0x%08lX, in %lu, out %lu)", (unsigned long)code,
             (unsigned long)input_length, (unsigned long)output_length);
    wdmemu_test_assert_status(
        expected, wdmemu_device_control(handle, code, input, input_length, output, output_length, &moved), expression,
        file, line);
    return moved;
}

/* ---- trace assertions ---------------------------------------------------------------------- */

void wdmemu_test_trace_print(void)
{
    size_t n = wdmemu_trace_count();
    print_error("trace (%lu records):\n", (unsigned long)n);
    FILE *text = tmpfile();
    if (text == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        wdmemu_trace_write_text(text, wdmemu_trace_get(i));
    rewind(text);
    char line[1024];
    while (fgets(line, sizeof(line), text) != NULL)
        print_error("  %s", line);
    fclose(text);
}

static void tk_describe(char *buffer, size_t size, const char *kind, uint32_t irp, const char *device)
{
    int n = snprintf(buffer, size, "%s record", kind != NULL ? kind : "a");
    if (irp != 0 && n > 0 && (size_t)n < size)
        n += snprintf(buffer + n, size - (size_t)n, " of IRP %u", irp);
    if (device != NULL && n > 0 && (size_t)n < size)
        snprintf(buffer + n, size - (size_t)n, " at %s", device);
}

size_t wdmemu_test_assert_traced(size_t from, const char *kind, uint32_t irp, const char *device, const char *file,
                                 int line)
{
    size_t at = wdmemu_trace_find(from, kind, irp, device);
    if (at != (size_t)-1)
        return at;
    char what[256];
    tk_describe(what, sizeof(what), kind, irp, device);
    print_error("expected %s in the trace from record %lu on, found none\n", what, (unsigned long)from);
    wdmemu_test_trace_print();
    _fail(file, line);
    return at;
}

void wdmemu_test_assert_not_traced(const char *kind, uint32_t irp, const char *device, const char *file, int line)
{
    size_t at = wdmemu_trace_find(0, kind, irp, device);
    if (at == (size_t)-1)
        return;
    char what[256];
    tk_describe(what, sizeof(what), kind, irp, device);
    print_error("expected no %s in the trace, found one at record %lu\n", what, (unsigned long)at);
    wdmemu_test_trace_print();
    _fail(file, line);
}

size_t wdmemu_test_trace_count(const char *kind, uint32_t irp, const char *device)
{
    size_t n = 0;
    for (size_t at = wdmemu_trace_find(0, kind, irp, device); at != (size_t)-1;
         at = wdmemu_trace_find(at + 1, kind, irp, device))
        n++;
    return n;
}

static BOOLEAN tk_matches_major(const wdmemu_trace_record *r, const char *kind, int major, const char *device)
{
    return (kind == NULL || strcmp(r->kind, kind) == 0) && (device == NULL || strcmp(r->device, device) == 0) &&
           (major < 0 || (r->major_name != NULL && r->major == major));
}

size_t wdmemu_test_trace_count_major(size_t from, const char *kind, int major, const char *device)
{
    size_t n = 0;
    for (size_t i = from; i < wdmemu_trace_count(); i++) {
        if (tk_matches_major(wdmemu_trace_get(i), kind, major, device))
            n++;
    }
    return n;
}

size_t wdmemu_test_assert_traced_major(size_t from, const char *kind, int major, const char *device,
                                       const char *file, int line)
{
    for (size_t i = from; i < wdmemu_trace_count(); i++) {
        if (tk_matches_major(wdmemu_trace_get(i), kind, major, device))
            return i;
    }
    char what[256];
    tk_describe(what, sizeof(what), kind, 0, device);
    const char *name = major >= 0 ? wdmemu_major_name((UCHAR)major) : NULL;
    print_error("expected %s for %s in the trace from record %lu on, found none\n", what,
                name != NULL ? name : "any major function", (unsigned long)from);
    wdmemu_test_trace_print();
    _fail(file, line);
    return (size_t)-1;
}
