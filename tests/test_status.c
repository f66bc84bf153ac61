/*
 * Tests for the NTSTATUS name helpers in src/rtl/status.h and, through them,
 * for the values in ddk/ntstatus.h matching the WDK.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "rtl/status.h"

/* Compare codes as unsigned 32-bit so failures print as 0xC0000022 etc. */
#define assert_status_equal(a, b) \
    assert_int_equal((uint32_t)(a), (uint32_t)(b))

struct known_status {
    const char *name;
    uint32_t wdk_value;     /* typed in from the WDK documentation */
    NTSTATUS header_value;  /* what ddk/ntstatus.h says */
};

#define KNOWN(sym, hex) { #sym, hex, sym }

/* Canonical names only: each must also be what rtl_status_name() returns. */
static const struct known_status known[] = {
    KNOWN(STATUS_SUCCESS,                   0x00000000u),
    KNOWN(STATUS_WAIT_1,                    0x00000001u),
    KNOWN(STATUS_WAIT_63,                   0x0000003Fu),
    KNOWN(STATUS_ABANDONED,                 0x00000080u),
    KNOWN(STATUS_USER_APC,                  0x000000C0u),
    KNOWN(STATUS_KERNEL_APC,                0x00000100u),
    KNOWN(STATUS_ALERTED,                   0x00000101u),
    KNOWN(STATUS_TIMEOUT,                   0x00000102u),
    KNOWN(STATUS_PENDING,                   0x00000103u),
    KNOWN(STATUS_REPARSE,                   0x00000104u),
    KNOWN(STATUS_MORE_ENTRIES,              0x00000105u),
    KNOWN(DBG_CONTINUE,                     0x00010002u),
    KNOWN(STATUS_OBJECT_NAME_EXISTS,        0x40000000u),
    KNOWN(DBG_CONTROL_C,                    0x40010005u),
    KNOWN(DBG_PRINTEXCEPTION_C,             0x40010006u),
    KNOWN(STATUS_GUARD_PAGE_VIOLATION,      0x80000001u),
    KNOWN(STATUS_DATATYPE_MISALIGNMENT,     0x80000002u),
    KNOWN(STATUS_BREAKPOINT,                0x80000003u),
    KNOWN(STATUS_SINGLE_STEP,               0x80000004u),
    KNOWN(STATUS_BUFFER_OVERFLOW,           0x80000005u),
    KNOWN(STATUS_NO_MORE_FILES,             0x80000006u),
    KNOWN(STATUS_DEVICE_BUSY,               0x80000011u),
    KNOWN(STATUS_NO_MORE_ENTRIES,           0x8000001Au),
    KNOWN(DBG_EXCEPTION_NOT_HANDLED,        0x80010001u),
    KNOWN(STATUS_UNSUCCESSFUL,              0xC0000001u),
    KNOWN(STATUS_NOT_IMPLEMENTED,           0xC0000002u),
    KNOWN(STATUS_INFO_LENGTH_MISMATCH,      0xC0000004u),
    KNOWN(STATUS_ACCESS_VIOLATION,          0xC0000005u),
    KNOWN(STATUS_INVALID_HANDLE,            0xC0000008u),
    KNOWN(STATUS_INVALID_PARAMETER,         0xC000000Du),
    KNOWN(STATUS_NO_SUCH_DEVICE,            0xC000000Eu),
    KNOWN(STATUS_INVALID_DEVICE_REQUEST,    0xC0000010u),
    KNOWN(STATUS_END_OF_FILE,               0xC0000011u),
    KNOWN(STATUS_MORE_PROCESSING_REQUIRED,  0xC0000016u),
    KNOWN(STATUS_NO_MEMORY,                 0xC0000017u),
    KNOWN(STATUS_ACCESS_DENIED,             0xC0000022u),
    KNOWN(STATUS_BUFFER_TOO_SMALL,          0xC0000023u),
    KNOWN(STATUS_OBJECT_TYPE_MISMATCH,      0xC0000024u),
    KNOWN(STATUS_OBJECT_NAME_NOT_FOUND,     0xC0000034u),
    KNOWN(STATUS_OBJECT_NAME_COLLISION,     0xC0000035u),
    KNOWN(STATUS_OBJECT_PATH_NOT_FOUND,     0xC000003Au),
    KNOWN(STATUS_SHARING_VIOLATION,         0xC0000043u),
    KNOWN(STATUS_DELETE_PENDING,            0xC0000056u),
    KNOWN(STATUS_PRIVILEGE_NOT_HELD,        0xC0000061u),
    KNOWN(STATUS_INTEGER_DIVIDE_BY_ZERO,    0xC0000094u),
    KNOWN(STATUS_INSUFFICIENT_RESOURCES,    0xC000009Au),
    KNOWN(STATUS_DEVICE_NOT_CONNECTED,      0xC000009Du),
    KNOWN(STATUS_DEVICE_NOT_READY,          0xC00000A3u),
    KNOWN(STATUS_IO_TIMEOUT,                0xC00000B5u),
    KNOWN(STATUS_NOT_SUPPORTED,             0xC00000BBu),
    KNOWN(STATUS_DEVICE_DOES_NOT_EXIST,     0xC00000C0u),
    KNOWN(STATUS_INVALID_PARAMETER_1,       0xC00000EFu),
    KNOWN(STATUS_INVALID_PARAMETER_12,      0xC00000FAu),
    KNOWN(STATUS_STACK_OVERFLOW,            0xC00000FDu),
    KNOWN(STATUS_DIRECTORY_NOT_EMPTY,       0xC0000101u),
    KNOWN(STATUS_CANCELLED,                 0xC0000120u),
    KNOWN(STATUS_FILE_CLOSED,               0xC0000128u),
    KNOWN(STATUS_DLL_NOT_FOUND,             0xC0000135u),
    KNOWN(STATUS_CONTROL_C_EXIT,            0xC000013Au),
    KNOWN(STATUS_INVALID_DEVICE_STATE,      0xC0000184u),
    KNOWN(STATUS_INVALID_BUFFER_SIZE,       0xC0000206u),
    KNOWN(STATUS_CONNECTION_REFUSED,        0xC0000236u),
    KNOWN(STATUS_NOT_FOUND,                 0xC0000225u),
    KNOWN(STATUS_RETRY,                     0xC000022Du),
    KNOWN(STATUS_REQUEST_ABORTED,           0xC0000240u),
    KNOWN(STATUS_DRIVER_UNABLE_TO_LOAD,     0xC000026Cu),
    KNOWN(STATUS_DEVICE_REMOVED,            0xC00002B6u),
    KNOWN(STATUS_NOINTERFACE,               0xC00002B9u),
    KNOWN(STATUS_POWER_STATE_INVALID,       0xC00002D3u),
    KNOWN(STATUS_HEAP_CORRUPTION,           0xC0000374u),
    KNOWN(STATUS_STACK_BUFFER_OVERRUN,      0xC0000409u),
    KNOWN(STATUS_ASSERTION_FAILURE,         0xC0000420u),
    KNOWN(STATUS_INVALID_IMAGE_HASH,        0xC0000428u),
    KNOWN(STATUS_DEVICE_HARDWARE_ERROR,     0xC0000483u),
    KNOWN(STATUS_INVALID_STATE_TRANSITION,  0xC000A003u),
    KNOWN(STATUS_TRANSACTION_NOT_ACTIVE,    0xC0190003u),
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static void status_header_values_match_wdk(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < COUNT_OF(known); i++) {
        if ((uint32_t)known[i].header_value != known[i].wdk_value)
            print_error("%s: header 0x%08X, WDK 0x%08X\n", known[i].name,
                        (unsigned int)(uint32_t)known[i].header_value,
                        (unsigned int)known[i].wdk_value);
        assert_status_equal(known[i].header_value, known[i].wdk_value);
    }
}

static void status_name_known_values(void **state)
{
    (void)state;
    assert_string_equal(rtl_status_name(STATUS_PENDING), "STATUS_PENDING");
    assert_string_equal(rtl_status_name(STATUS_ACCESS_DENIED),
                        "STATUS_ACCESS_DENIED");
    assert_string_equal(rtl_status_name((NTSTATUS)0xC0000023u),
                        "STATUS_BUFFER_TOO_SMALL");
    assert_string_equal(rtl_status_name(STATUS_BUFFER_OVERFLOW),
                        "STATUS_BUFFER_OVERFLOW");
    assert_string_equal(rtl_status_name(DBG_CONTROL_C), "DBG_CONTROL_C");
    assert_string_equal(rtl_status_name(STATUS_TRANSACTION_NOT_FOUND),
                        "STATUS_TRANSACTION_NOT_FOUND");
}

static void status_name_unknown_is_null(void **state)
{
    static const uint32_t unknown[] = {
        0x00000004u,    /* between STATUS_WAIT_3 and STATUS_WAIT_63 */
        0x0000FFFFu,
        0x20000000u,    /* customer bit, success severity */
        0x7FFFFFFFu,
        0xA0000001u,
        0xC0FFEE00u,
        0xE0001234u,
        0xFFFFFFFFu,
    };
    size_t i;

    (void)state;
    for (i = 0; i < COUNT_OF(unknown); i++)
        assert_null(rtl_status_name((NTSTATUS)unknown[i]));
}

static void status_name_prefers_canonical_alias(void **state)
{
    NTSTATUS v = (NTSTATUS)0x12345678u;

    (void)state;
    assert_string_equal(rtl_status_name(0), "STATUS_SUCCESS");
    assert_string_equal(rtl_status_name(STATUS_WAIT_0), "STATUS_SUCCESS");
    assert_string_equal(rtl_status_name(STATUS_CONTINUE_COMPLETION),
                        "STATUS_SUCCESS");
    assert_string_equal(rtl_status_name(STATUS_ABANDONED_WAIT_0),
                        "STATUS_ABANDONED");

    /* ...but every alias is still accepted by name. */
    assert_true(rtl_status_from_name("STATUS_WAIT_0", &v));
    assert_status_equal(v, 0);
    v = (NTSTATUS)0x12345678u;
    assert_true(rtl_status_from_name("STATUS_CONTINUE_COMPLETION", &v));
    assert_status_equal(v, 0);
    assert_true(rtl_status_from_name("STATUS_ABANDONED_WAIT_0", &v));
    assert_status_equal(v, 0x00000080u);
}

static void status_from_name_roundtrip_every_entry(void **state)
{
    size_t i;

    (void)state;
    assert_true(COUNT_OF(known) >= 40);
    for (i = 0; i < COUNT_OF(known); i++) {
        NTSTATUS v = (NTSTATUS)0x5A5A5A5Au;
        const char *name;

        assert_true(rtl_status_from_name(known[i].name, &v));
        assert_status_equal(v, known[i].wdk_value);

        name = rtl_status_name((NTSTATUS)known[i].wdk_value);
        assert_non_null(name);
        assert_string_equal(name, known[i].name);
    }
}

static void status_from_name_is_exact(void **state)
{
    NTSTATUS v = (NTSTATUS)0x5A5A5A5Au;

    (void)state;
    assert_false(rtl_status_from_name("status_success", &v));
    assert_false(rtl_status_from_name("STATUS_SUCCES", &v));
    assert_false(rtl_status_from_name("STATUS_SUCCESS ", &v));
    assert_false(rtl_status_from_name("STATUS_", &v));
    assert_false(rtl_status_from_name("", &v));
    assert_false(rtl_status_from_name(NULL, &v));
    assert_status_equal(v, 0x5A5A5A5Au);   /* untouched on failure */

    /* A NULL out pointer just asks whether the name exists. */
    assert_true(rtl_status_from_name("STATUS_NOT_FOUND", NULL));
    assert_false(rtl_status_from_name("STATUS_NOT_A_THING", NULL));
}

/*
 * Walk the low code range of every severity: whatever has a name must map
 * back to the same value, which also proves the value table is searchable
 * (sorted) well beyond the hand-written list.
 */
static void status_name_and_from_name_agree_across_ranges(void **state)
{
    static const uint32_t bases[] = {
        0x00000000u, 0x00010000u, 0x40000000u, 0x40010000u,
        0x80000000u, 0x80010000u, 0xC0000000u, 0xC0010000u,
        0xC0040000u, 0xC000A000u, 0xC0190000u,
    };
    size_t b;
    unsigned named = 0;

    (void)state;
    for (b = 0; b < COUNT_OF(bases); b++) {
        uint32_t off;

        for (off = 0; off < 0x1000u; off++) {
            uint32_t raw = bases[b] + off;
            const char *name = rtl_status_name((NTSTATUS)raw);
            NTSTATUS back = 0;

            if (name == NULL)
                continue;
            named++;
            assert_true(strncmp(name, "STATUS_", 7) == 0 ||
                        strncmp(name, "DBG_", 4) == 0);
            assert_true(rtl_status_from_name(name, &back));
            assert_status_equal(back, raw);
        }
    }
    assert_true(named >= 350);
}

static void status_format_known_and_unknown(void **state)
{
    char buf[96];
    char small[8];
    size_t n;

    (void)state;
    n = rtl_status_format(STATUS_BUFFER_TOO_SMALL, buf, sizeof(buf));
    assert_string_equal(buf, "STATUS_BUFFER_TOO_SMALL (0xC0000023)");
    assert_int_equal(n, strlen(buf));

    n = rtl_status_format(STATUS_SUCCESS, buf, sizeof(buf));
    assert_string_equal(buf, "STATUS_SUCCESS (0x00000000)");
    assert_int_equal(n, strlen(buf));

    n = rtl_status_format((NTSTATUS)0xE0001234u, buf, sizeof(buf));
    assert_string_equal(buf, "0xE0001234");
    assert_int_equal(n, 10);

    /* Truncation: still terminated, count reflects what was stored. */
    memset(small, 'x', sizeof(small));
    n = rtl_status_format(STATUS_ACCESS_DENIED, small, sizeof(small));
    assert_string_equal(small, "STATUS_");
    assert_int_equal(n, sizeof(small) - 1);

    memset(small, 'x', sizeof(small));
    n = rtl_status_format(STATUS_ACCESS_DENIED, small, 1);
    assert_int_equal(small[0], '\0');
    assert_int_equal(n, 0);

    assert_int_equal(rtl_status_format(STATUS_ACCESS_DENIED, NULL, 0), 0);
}

static void status_severity_matches_nt_macros(void **state)
{
    (void)state;
    assert_true(NT_SUCCESS(STATUS_SUCCESS));
    assert_true(NT_SUCCESS(STATUS_PENDING));
    assert_true(NT_SUCCESS(STATUS_TIMEOUT));
    assert_true(NT_SUCCESS(DBG_CONTINUE));

    assert_true(NT_SUCCESS(STATUS_OBJECT_NAME_EXISTS));
    assert_true(NT_INFORMATION(STATUS_OBJECT_NAME_EXISTS));
    assert_true(NT_INFORMATION(DBG_PRINTEXCEPTION_C));

    assert_false(NT_SUCCESS(STATUS_BUFFER_OVERFLOW));
    assert_true(NT_WARNING(STATUS_BUFFER_OVERFLOW));
    assert_true(NT_WARNING(STATUS_NO_MORE_ENTRIES));
    assert_false(NT_ERROR(STATUS_NO_MORE_ENTRIES));

    assert_false(NT_SUCCESS(STATUS_ACCESS_DENIED));
    assert_true(NT_ERROR(STATUS_ACCESS_DENIED));
    assert_true(NT_ERROR(STATUS_INSUFFICIENT_RESOURCES));
    assert_false(NT_WARNING(STATUS_INSUFFICIENT_RESOURCES));
    assert_false(NT_INFORMATION(STATUS_INSUFFICIENT_RESOURCES));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_header_values_match_wdk),
        cmocka_unit_test(status_name_known_values),
        cmocka_unit_test(status_name_unknown_is_null),
        cmocka_unit_test(status_name_prefers_canonical_alias),
        cmocka_unit_test(status_from_name_roundtrip_every_entry),
        cmocka_unit_test(status_from_name_is_exact),
        cmocka_unit_test(status_name_and_from_name_agree_across_ranges),
        cmocka_unit_test(status_format_known_and_unknown),
        cmocka_unit_test(status_severity_matches_nt_macros),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
