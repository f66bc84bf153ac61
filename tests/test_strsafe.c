/*
 * tests/test_strsafe.c - unit tests for the safe string routines of <ntstrsafe.h>
 * (src/rtl/strsafe.c).  Expected results come from the WDK documentation of each routine.
 * Destinations are heap blocks of exactly the size the routine is told, pre-filled with a
 * marker, so the sanitizers catch any write past them and the tests can see which
 * characters a routine left alone.
 */
#include <wdm.h>
#include <ntstrsafe.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

/* Compare codes as unsigned 32-bit so failures print as 0xC000000D etc. */
#define assert_status(actual, expected) assert_int_equal((uint32_t)(actual), (uint32_t)(expected))

static size_t wide_len(PCWSTR s)
{
    size_t n = 0;

    while (s[n] != 0)
        n++;
    return n;
}

/* Checks chars code units of actual against expected (which may be shorter than its array). */
static void assert_units_equal(PCWCH actual, PCWSTR expected, size_t chars)
{
    size_t i;

    for (i = 0; i < chars; i++) {
        if (actual[i] != expected[i])
            fail_msg("code unit %zu is U+%04X, expected U+%04X", i, (unsigned)actual[i], (unsigned)expected[i]);
    }
}

/* Checks a NUL-terminated wide string, terminator included. */
static void assert_wide_string(PCWSTR actual, PCWSTR expected)
{
    assert_units_equal(actual, expected, wide_len(expected) + 1);
}

/* A narrow buffer of exactly bytes bytes, filled with '#'. */
static char *narrow_buffer(size_t bytes)
{
    char *p = malloc(bytes ? bytes : 1);

    assert_non_null(p);
    memset(p, '#', bytes ? bytes : 1);
    return p;
}

/* A wide buffer of exactly bytes bytes (possibly odd), every whole unit set to '#'. */
static PWCHAR wide_buffer_bytes(size_t bytes)
{
    PWCHAR p = malloc(bytes ? bytes : 1);
    size_t i;

    assert_non_null(p);
    memset(p, 0x5A, bytes ? bytes : 1);
    for (i = 0; i < bytes / sizeof(WCHAR); i++)
        p[i] = L'#';
    return p;
}

static PWCHAR wide_buffer(size_t chars)
{
    return wide_buffer_bytes(chars * sizeof(WCHAR));
}

/* ---- RtlStringCchCopy / RtlStringCbCopy ---------------------------------------------------- */

static void cch_copy_a_copies_and_terminates(void **state)
{
    char *dest = narrow_buffer(8);

    (void)state;
    assert_status(RtlStringCchCopyA(dest, 8, "driver"), STATUS_SUCCESS);
    assert_string_equal(dest, "driver");
    assert_int_equal(dest[7], '#'); /* nothing written after the terminator */
    free(dest);
}

static void cch_copy_w_copies_and_terminates(void **state)
{
    PWCHAR dest = wide_buffer(8);

    (void)state;
    assert_status(RtlStringCchCopyW(dest, 8, L"driver"), STATUS_SUCCESS);
    assert_wide_string(dest, L"driver");
    assert_int_equal(dest[7], L'#');
    free(dest);
}

static void cch_copy_exact_fit_succeeds(void **state)
{
    char *dest = narrow_buffer(4);
    PWCHAR wdest = wide_buffer(4);

    (void)state;
    assert_status(RtlStringCchCopyA(dest, 4, "abc"), STATUS_SUCCESS);
    assert_string_equal(dest, "abc");
    assert_status(RtlStringCchCopyW(wdest, 4, L"abc"), STATUS_SUCCESS);
    assert_wide_string(wdest, L"abc");
    free(dest);
    free(wdest);
}

static void cch_copy_truncates_with_buffer_overflow(void **state)
{
    char *dest = narrow_buffer(4);
    PWCHAR wdest = wide_buffer(4);

    (void)state;
    assert_status(RtlStringCchCopyA(dest, 4, "abcdef"), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(dest, "abc");
    assert_status(RtlStringCchCopyW(wdest, 4, L"abcdef"), STATUS_BUFFER_OVERFLOW);
    assert_wide_string(wdest, L"abc");
    free(dest);
    free(wdest);
}

static void cch_copy_rejects_zero_count_without_writing(void **state)
{
    char *dest = narrow_buffer(1);

    (void)state;
    assert_status(RtlStringCchCopyA(dest, 0, "x"), STATUS_INVALID_PARAMETER);
    assert_int_equal(dest[0], '#');
    free(dest);
}

static void cch_copy_rejects_count_above_max_and_empties_dest(void **state)
{
    char *dest = narrow_buffer(4);
    PWCHAR wdest = wide_buffer(4);

    (void)state;
    assert_status(RtlStringCchCopyA(dest, (size_t)NTSTRSAFE_MAX_CCH + 1, "x"), STATUS_INVALID_PARAMETER);
    assert_int_equal(dest[0], '\0');
    assert_int_equal(dest[1], '#');
    assert_status(RtlStringCchCopyW(wdest, (size_t)NTSTRSAFE_MAX_CCH + 1, L"x"), STATUS_INVALID_PARAMETER);
    assert_int_equal(wdest[0], 0);
    free(dest);
    free(wdest);
}

static void cch_copy_rejects_null_pointers(void **state)
{
    char *dest = narrow_buffer(4);

    (void)state;
    assert_status(RtlStringCchCopyA(NULL, 4, "x"), STATUS_INVALID_PARAMETER);
    assert_status(RtlStringCchCopyA(dest, 4, NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(dest[0], '\0');
    assert_status(RtlStringCchCopyW(NULL, 4, L"x"), STATUS_INVALID_PARAMETER);
    free(dest);
}

static void cb_copy_a_counts_bytes(void **state)
{
    char *dest = narrow_buffer(5);

    (void)state;
    assert_status(RtlStringCbCopyA(dest, 5, "abcd"), STATUS_SUCCESS);
    assert_string_equal(dest, "abcd");
    assert_status(RtlStringCbCopyA(dest, 5, "abcde"), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(dest, "abcd");
    assert_status(RtlStringCbCopyA(dest, 0, "a"), STATUS_INVALID_PARAMETER);
    free(dest);
}

static void cb_copy_w_counts_bytes_and_ignores_odd_byte(void **state)
{
    PWCHAR dest = wide_buffer_bytes(9); /* four characters and one spare byte */

    (void)state;
    assert_status(RtlStringCbCopyW(dest, 9, L"abc"), STATUS_SUCCESS);
    assert_wide_string(dest, L"abc");
    assert_status(RtlStringCbCopyW(dest, 9, L"abcd"), STATUS_BUFFER_OVERFLOW);
    assert_wide_string(dest, L"abc");
    assert_int_equal(((unsigned char *)dest)[8], 0x5A); /* the odd byte is never touched */
    free(dest);
}

static void cb_copy_w_rejects_byte_count_below_one_character(void **state)
{
    PWCHAR dest = wide_buffer_bytes(2);

    (void)state;
    assert_status(RtlStringCbCopyW(dest, 1, L""), STATUS_INVALID_PARAMETER);
    assert_int_equal(dest[0], L'#');
    assert_status(RtlStringCbCopyW(dest, (size_t)NTSTRSAFE_MAX_CCH * sizeof(WCHAR) + 2, L"x"),
                  STATUS_INVALID_PARAMETER);
    free(dest);
}

/* ---- RtlStringCchCopyN / RtlStringCbCopyN --------------------------------------------------- */

static void cch_copy_n_copies_at_most_n_characters(void **state)
{
    char *dest = narrow_buffer(8);
    PWCHAR wdest = wide_buffer(8);

    (void)state;
    assert_status(RtlStringCchCopyNA(dest, 8, "abcdef", 3), STATUS_SUCCESS);
    assert_string_equal(dest, "abc");
    assert_status(RtlStringCchCopyNW(wdest, 8, L"abcdef", 3), STATUS_SUCCESS);
    assert_wide_string(wdest, L"abc");
    /* A count beyond the source's NUL stops at the NUL and pads nothing. */
    assert_status(RtlStringCchCopyNA(dest, 8, "xy", 6), STATUS_SUCCESS);
    assert_string_equal(dest, "xy");
    assert_int_equal(dest[4], '#'); /* unlike strncpy, no NUL padding up to the count */
    free(dest);
    free(wdest);
}

static void cch_copy_n_reads_no_further_than_n(void **state)
{
    char *src = narrow_buffer(3); /* "abc" with no terminator */
    char *dest = narrow_buffer(8);

    (void)state;
    memcpy(src, "abc", 3);
    assert_status(RtlStringCchCopyNA(dest, 8, src, 3), STATUS_SUCCESS);
    assert_string_equal(dest, "abc");
    free(src);
    free(dest);
}

static void cch_copy_n_truncates_to_destination(void **state)
{
    char *dest = narrow_buffer(3);

    (void)state;
    assert_status(RtlStringCchCopyNA(dest, 3, "abcdef", 3), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(dest, "ab");
    free(dest);
}

static void cch_copy_n_rejects_oversized_copy_count(void **state)
{
    char *dest = narrow_buffer(4);

    (void)state;
    assert_status(RtlStringCchCopyNA(dest, 4, "abc", (size_t)NTSTRSAFE_MAX_CCH), STATUS_INVALID_PARAMETER);
    assert_int_equal(dest[0], '\0');
    free(dest);
}

static void cb_copy_n_w_counts_bytes(void **state)
{
    PWCHAR dest = wide_buffer(8);
    char *ndest = narrow_buffer(8);

    (void)state;
    assert_status(RtlStringCbCopyNW(dest, 8 * sizeof(WCHAR), L"abcdef", 5), STATUS_SUCCESS);
    assert_wide_string(dest, L"ab"); /* 5 bytes are two whole characters */
    assert_status(RtlStringCbCopyNA(ndest, 8, "abcdef", 5), STATUS_SUCCESS);
    assert_string_equal(ndest, "abcde");
    free(dest);
    free(ndest);
}

/* ---- RtlStringCchCat / RtlStringCbCat / RtlStringCchCatN ------------------------------------ */

static void cch_cat_appends(void **state)
{
    char *dest = narrow_buffer(10);
    PWCHAR wdest = wide_buffer(10);

    (void)state;
    strcpy(dest, "abc");
    assert_status(RtlStringCchCatA(dest, 10, "def"), STATUS_SUCCESS);
    assert_string_equal(dest, "abcdef");
    assert_status(RtlStringCchCopyW(wdest, 10, L"abc"), STATUS_SUCCESS);
    assert_status(RtlStringCchCatW(wdest, 10, L"def"), STATUS_SUCCESS);
    assert_wide_string(wdest, L"abcdef");
    free(dest);
    free(wdest);
}

static void cch_cat_truncates_keeping_the_prefix(void **state)
{
    char *dest = narrow_buffer(6);
    PWCHAR wdest = wide_buffer(6);

    (void)state;
    strcpy(dest, "abc");
    assert_status(RtlStringCchCatA(dest, 6, "defgh"), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(dest, "abcde");
    assert_status(RtlStringCchCopyW(wdest, 6, L"abc"), STATUS_SUCCESS);
    assert_status(RtlStringCchCatW(wdest, 6, L"defgh"), STATUS_BUFFER_OVERFLOW);
    assert_wide_string(wdest, L"abcde");
    free(dest);
    free(wdest);
}

static void cch_cat_rejects_destination_without_terminator(void **state)
{
    char *dest = narrow_buffer(4); /* "####": already full */

    (void)state;
    assert_status(RtlStringCchCatA(dest, 4, "x"), STATUS_INVALID_PARAMETER);
    assert_memory_equal(dest, "####", 4);
    free(dest);
}

static void cch_cat_to_full_terminated_string_overflows_unchanged(void **state)
{
    char *dest = narrow_buffer(4);

    (void)state;
    strcpy(dest, "abc");
    assert_status(RtlStringCchCatA(dest, 4, "d"), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(dest, "abc");
    assert_status(RtlStringCchCatA(dest, 4, ""), STATUS_SUCCESS);
    free(dest);
}

static void cch_cat_rejects_null_and_bad_counts(void **state)
{
    char *dest = narrow_buffer(4);

    (void)state;
    strcpy(dest, "ab");
    assert_status(RtlStringCchCatA(dest, 4, NULL), STATUS_INVALID_PARAMETER);
    assert_status(RtlStringCchCatA(NULL, 4, "x"), STATUS_INVALID_PARAMETER);
    assert_status(RtlStringCchCatA(dest, 0, "x"), STATUS_INVALID_PARAMETER);
    assert_status(RtlStringCchCatA(dest, (size_t)NTSTRSAFE_MAX_CCH + 1, "x"), STATUS_INVALID_PARAMETER);
    assert_string_equal(dest, "ab"); /* Cat never empties the destination */
    free(dest);
}

static void cb_cat_counts_bytes(void **state)
{
    char *dest = narrow_buffer(6);
    PWCHAR wdest = wide_buffer_bytes(7); /* three characters and one spare byte */

    (void)state;
    strcpy(dest, "ab");
    assert_status(RtlStringCbCatA(dest, 6, "cdef"), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(dest, "abcde");
    assert_status(RtlStringCbCopyW(wdest, 7, L"a"), STATUS_SUCCESS);
    assert_status(RtlStringCbCatW(wdest, 7, L"bc"), STATUS_BUFFER_OVERFLOW);
    assert_wide_string(wdest, L"ab");
    assert_int_equal(((unsigned char *)wdest)[6], 0x5A);
    free(dest);
    free(wdest);
}

static void cch_cat_n_appends_at_most_n_characters(void **state)
{
    char *dest = narrow_buffer(10);
    PWCHAR wdest = wide_buffer(10);

    (void)state;
    strcpy(dest, "ab");
    assert_status(RtlStringCchCatNA(dest, 10, "cdefgh", 2), STATUS_SUCCESS);
    assert_string_equal(dest, "abcd");
    assert_status(RtlStringCchCopyW(wdest, 10, L"ab"), STATUS_SUCCESS);
    assert_status(RtlStringCchCatNW(wdest, 10, L"cdefgh", 3), STATUS_SUCCESS);
    assert_wide_string(wdest, L"abcde");
    assert_status(RtlStringCchCatNW(wdest, 10, L"xyz", (size_t)NTSTRSAFE_MAX_CCH), STATUS_INVALID_PARAMETER);
    assert_wide_string(wdest, L"abcde");
    free(dest);
    free(wdest);
}

/* ---- RtlStringCchLength / RtlStringCbLength ------------------------------------------------- */

static void cch_length_counts_characters(void **state)
{
    size_t length = 99;

    (void)state;
    assert_status(RtlStringCchLengthA("abcd", 5, &length), STATUS_SUCCESS);
    assert_int_equal(length, 4);
    assert_status(RtlStringCchLengthW(L"abcd", 10, &length), STATUS_SUCCESS);
    assert_int_equal(length, 4);
    assert_status(RtlStringCchLengthA("", 1, NULL), STATUS_SUCCESS);
}

static void cch_length_rejects_string_longer_than_max(void **state)
{
    size_t length = 99;

    (void)state;
    /* The terminator must lie within cchMax characters. */
    assert_status(RtlStringCchLengthA("abcd", 4, &length), STATUS_INVALID_PARAMETER);
    assert_int_equal(length, 0);
    length = 99;
    assert_status(RtlStringCchLengthW(L"abcd", 0, &length), STATUS_INVALID_PARAMETER);
    assert_int_equal(length, 0);
}

static void cch_length_rejects_null_and_oversized_max(void **state)
{
    size_t length = 99;

    (void)state;
    assert_status(RtlStringCchLengthA(NULL, 5, &length), STATUS_INVALID_PARAMETER);
    assert_int_equal(length, 0);
    assert_status(RtlStringCchLengthW(L"a", (size_t)NTSTRSAFE_MAX_CCH + 1, &length), STATUS_INVALID_PARAMETER);
}

static void cb_length_reports_bytes(void **state)
{
    size_t length = 99;

    (void)state;
    assert_status(RtlStringCbLengthW(L"abc", 8, &length), STATUS_SUCCESS);
    assert_int_equal(length, 6);
    assert_status(RtlStringCbLengthW(L"abc", 7, &length), STATUS_INVALID_PARAMETER); /* 3 whole chars */
    assert_int_equal(length, 0);
    assert_status(RtlStringCbLengthA("abc", 4, &length), STATUS_SUCCESS);
    assert_int_equal(length, 3);
    assert_status(RtlStringCbLengthW(L"a", (size_t)NTSTRSAFE_MAX_CCH * sizeof(WCHAR) + 1, &length),
                  STATUS_INVALID_PARAMETER);
}

/* ---- printf ----------------------------------------------------------------------------------- */

static NTSTATUS call_vprintf_w(PWSTR dest, size_t cch, PCWSTR format, ...)
{
    NTSTATUS status;
    va_list ap;

    va_start(ap, format);
    status = RtlStringCchVPrintfW(dest, cch, format, ap);
    va_end(ap);
    return status;
}

static NTSTATUS call_vprintf_cb_a(PSTR dest, size_t cb, PCSTR format, ...)
{
    NTSTATUS status;
    va_list ap;

    va_start(ap, format);
    status = RtlStringCbVPrintfA(dest, cb, format, ap);
    va_end(ap);
    return status;
}

static void cch_printf_a_formats_kernel_conversions(void **state)
{
    char *dest = narrow_buffer(64);
    UNICODE_STRING name;
    ANSI_STRING ansi;

    (void)state;
    RtlInitUnicodeString(&name, L"Dev");
    RtlInitAnsiString(&ansi, "ansi");
    assert_status(RtlStringCchPrintfA(dest, 64, "%s %d %ws %wZ %Z %I64u", "n", -5, L"w", &name, &ansi,
                                      (ULONGLONG)1 << 40),
                  STATUS_SUCCESS);
    assert_string_equal(dest, "n -5 w Dev ansi 1099511627776");
    free(dest);
}

static void cch_printf_w_s_is_wide_text(void **state)
{
    PWCHAR dest = wide_buffer(64);
    UNICODE_STRING name;

    (void)state;
    RtlInitUnicodeString(&name, L"\\Device\\X");
    assert_status(RtlStringCchPrintfW(dest, 64, L"%s|%ws|%hs|%wZ|%d|%04x", L"wide", L"ws", "narrow", &name, 42, 0xAB),
                  STATUS_SUCCESS);
    assert_wide_string(dest, L"wide|ws|narrow|\\Device\\X|42|00ab");
    free(dest);
}

static void cch_printf_truncates_with_buffer_overflow(void **state)
{
    char *dest = narrow_buffer(5);
    PWCHAR wdest = wide_buffer(5);

    (void)state;
    assert_status(RtlStringCchPrintfA(dest, 5, "%d", 123456), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(dest, "1234");
    assert_status(RtlStringCchPrintfW(wdest, 5, L"%s-%d", L"ab", 789), STATUS_BUFFER_OVERFLOW);
    assert_wide_string(wdest, L"ab-7");
    free(dest);
    free(wdest);
}

static void cch_printf_exact_fit_succeeds(void **state)
{
    char *dest = narrow_buffer(5);

    (void)state;
    assert_status(RtlStringCchPrintfA(dest, 5, "%d", 1234), STATUS_SUCCESS);
    assert_string_equal(dest, "1234");
    free(dest);
}

static void cch_printf_rejects_bad_destination_and_null_format(void **state)
{
    char *dest = narrow_buffer(4);

    (void)state;
    assert_status(RtlStringCchPrintfA(dest, 0, "x"), STATUS_INVALID_PARAMETER);
    assert_int_equal(dest[0], '#');
    assert_status(RtlStringCchPrintfA(dest, (size_t)NTSTRSAFE_MAX_CCH + 1, "x"), STATUS_INVALID_PARAMETER);
    assert_int_equal(dest[0], '\0');
    dest[0] = '#';
    assert_status(RtlStringCchPrintfA(dest, 4, NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(dest[0], '\0');
    assert_status(RtlStringCchPrintfW(NULL, 4, L"x"), STATUS_INVALID_PARAMETER);
    free(dest);
}

static void cb_printf_counts_bytes(void **state)
{
    PWCHAR wdest = wide_buffer_bytes(9); /* four characters and one spare byte */
    char *dest = narrow_buffer(4);

    (void)state;
    assert_status(RtlStringCbPrintfW(wdest, 9, L"%u", 123u), STATUS_SUCCESS);
    assert_wide_string(wdest, L"123");
    assert_status(RtlStringCbPrintfW(wdest, 9, L"%u", 12345u), STATUS_BUFFER_OVERFLOW);
    assert_wide_string(wdest, L"123");
    assert_int_equal(((unsigned char *)wdest)[8], 0x5A);
    assert_status(RtlStringCbPrintfA(dest, 4, "%c%c", 'o', 'k'), STATUS_SUCCESS);
    assert_string_equal(dest, "ok");
    assert_status(RtlStringCbPrintfW(wdest, 1, L"x"), STATUS_INVALID_PARAMETER);
    free(wdest);
    free(dest);
}

static void vprintf_forms_take_a_va_list(void **state)
{
    PWCHAR wdest = wide_buffer(16);
    char *dest = narrow_buffer(6);

    (void)state;
    assert_status(call_vprintf_w(wdest, 16, L"%s=%d", L"irql", 2), STATUS_SUCCESS);
    assert_wide_string(wdest, L"irql=2");
    assert_status(call_vprintf_cb_a(dest, 6, "%s", "abcdefgh"), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(dest, "abcde");
    free(wdest);
    free(dest);
}

/* ---- Ex forms --------------------------------------------------------------------------------- */

static void copy_ex_reports_end_and_remaining(void **state)
{
    char *dest = narrow_buffer(10);
    PWCHAR wdest = wide_buffer(10);
    NTSTRSAFE_PSTR end = NULL;
    NTSTRSAFE_PWSTR wend = NULL;
    size_t remaining = 0;

    (void)state;
    assert_status(RtlStringCchCopyExA(dest, 10, "abc", &end, &remaining, 0), STATUS_SUCCESS);
    assert_ptr_equal(end, dest + 3);
    assert_int_equal(remaining, 7); /* unused characters, the terminator included */
    assert_status(RtlStringCchCopyExW(wdest, 10, L"abcd", &wend, &remaining, 0), STATUS_SUCCESS);
    assert_ptr_equal(wend, wdest + 4);
    assert_int_equal(remaining, 6);
    assert_int_equal(*wend, 0);
    free(dest);
    free(wdest);
}

static void copy_ex_overflow_points_at_last_character(void **state)
{
    char *dest = narrow_buffer(4);
    NTSTRSAFE_PSTR end = NULL;
    size_t remaining = 0;

    (void)state;
    assert_status(RtlStringCchCopyExA(dest, 4, "abcdef", &end, &remaining, 0), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(dest, "abc");
    assert_ptr_equal(end, dest + 3);
    assert_int_equal(remaining, 1);
    free(dest);
}

static void copy_ex_ignore_nulls_treats_null_source_as_empty(void **state)
{
    char *dest = narrow_buffer(4);
    NTSTRSAFE_PSTR end = NULL;
    size_t remaining = 0;

    (void)state;
    assert_status(RtlStringCchCopyExA(dest, 4, NULL, &end, &remaining, STRSAFE_IGNORE_NULLS), STATUS_SUCCESS);
    assert_string_equal(dest, "");
    assert_ptr_equal(end, dest);
    assert_int_equal(remaining, 4);
    free(dest);
}

static void copy_ex_ignore_nulls_accepts_null_destination_only_for_empty_source(void **state)
{
    NTSTRSAFE_PSTR end = (NTSTRSAFE_PSTR)1;
    size_t remaining = 99;

    (void)state;
    assert_status(RtlStringCchCopyExA(NULL, 0, "", &end, &remaining, STRSAFE_IGNORE_NULLS), STATUS_SUCCESS);
    assert_null(end);
    assert_int_equal(remaining, 0);
    assert_status(RtlStringCchCopyExA(NULL, 0, NULL, NULL, NULL, STRSAFE_IGNORE_NULLS), STATUS_SUCCESS);
    assert_status(RtlStringCchCopyExA(NULL, 0, "x", NULL, NULL, STRSAFE_IGNORE_NULLS), STATUS_INVALID_PARAMETER);
    assert_status(RtlStringCchCopyExW(NULL, 4, L"", NULL, NULL, STRSAFE_IGNORE_NULLS), STATUS_INVALID_PARAMETER);
}

static void copy_ex_without_ignore_nulls_rejects_null_and_zero_count(void **state)
{
    char *dest = narrow_buffer(4);
    size_t remaining = 99;

    (void)state;
    assert_status(RtlStringCchCopyExA(dest, 4, NULL, NULL, &remaining, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(remaining, 99); /* outputs are not stored on failure */
    assert_status(RtlStringCchCopyExA(NULL, 0, "", NULL, NULL, 0), STATUS_INVALID_PARAMETER);
    assert_status(RtlStringCchCopyExA(dest, 0, "", NULL, NULL, 0), STATUS_INVALID_PARAMETER);
    free(dest);
}

static void copy_ex_fill_behind_null_fills_the_tail(void **state)
{
    char *dest = narrow_buffer(8);
    PWCHAR wdest = wide_buffer(5);

    (void)state;
    assert_status(RtlStringCchCopyExA(dest, 8, "ab", NULL, NULL, STRSAFE_FILL_BYTE('*')), STATUS_SUCCESS);
    assert_memory_equal(dest, "ab\0*****", 8);
    assert_status(RtlStringCchCopyExW(wdest, 5, L"ab", NULL, NULL, STRSAFE_FILL_BYTE(0x11)), STATUS_SUCCESS);
    assert_int_equal(wdest[2], 0);
    assert_int_equal(wdest[3], 0x1111);
    assert_int_equal(wdest[4], 0x1111);
    free(dest);
    free(wdest);
}

static void copy_ex_fill_behind_null_is_not_applied_on_overflow(void **state)
{
    char *dest = narrow_buffer(3);

    (void)state;
    assert_status(RtlStringCchCopyExA(dest, 3, "abcd", NULL, NULL, STRSAFE_FILL_BYTE('*')), STATUS_BUFFER_OVERFLOW);
    assert_memory_equal(dest, "ab\0", 3);
    free(dest);
}

static void copy_ex_fill_on_failure_fills_and_terminates(void **state)
{
    char *dest = narrow_buffer(5);
    NTSTRSAFE_PSTR end = NULL;
    size_t remaining = 0;

    (void)state;
    assert_status(RtlStringCchCopyExA(dest, 5, "abcdefg", &end, &remaining, STRSAFE_FAILURE_BYTE('!')),
                  STATUS_BUFFER_OVERFLOW);
    assert_memory_equal(dest, "!!!!\0", 5);
    assert_ptr_equal(end, dest + 4);
    assert_int_equal(remaining, 1);
    /* A fill byte of zero leaves an empty string with the whole buffer remaining. */
    assert_status(RtlStringCchCopyExA(dest, 5, "abcdefg", &end, &remaining, STRSAFE_FAILURE_BYTE(0)),
                  STATUS_BUFFER_OVERFLOW);
    assert_memory_equal(dest, "\0\0\0\0\0", 5);
    assert_ptr_equal(end, dest);
    assert_int_equal(remaining, 5);
    free(dest);
}

static void copy_ex_null_on_failure_leaves_empty_string(void **state)
{
    PWCHAR wdest = wide_buffer(4);
    NTSTRSAFE_PWSTR end = NULL;
    size_t remaining = 0;

    (void)state;
    assert_status(RtlStringCchCopyExW(wdest, 4, L"abcdef", &end, &remaining, STRSAFE_NULL_ON_FAILURE),
                  STATUS_BUFFER_OVERFLOW);
    assert_int_equal(wdest[0], 0);
    assert_ptr_equal(end, wdest);
    assert_int_equal(remaining, 4);
    free(wdest);
}

static void copy_ex_no_truncation_leaves_empty_string(void **state)
{
    char *dest = narrow_buffer(4);
    NTSTRSAFE_PSTR end = NULL;
    size_t remaining = 0;

    (void)state;
    assert_status(RtlStringCchCopyExA(dest, 4, "abcdef", &end, &remaining, STRSAFE_NO_TRUNCATION),
                  STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dest[0], '\0');
    assert_ptr_equal(end, dest);
    assert_int_equal(remaining, 4);
    /* Fitting text is copied as usual. */
    assert_status(RtlStringCchCopyExA(dest, 4, "abc", NULL, NULL, STRSAFE_NO_TRUNCATION), STATUS_SUCCESS);
    assert_string_equal(dest, "abc");
    free(dest);
}

static void copy_ex_rejects_unknown_flags(void **state)
{
    char *dest = narrow_buffer(4);
    size_t remaining = 99;

    (void)state;
    assert_status(RtlStringCchCopyExA(dest, 4, "ab", NULL, &remaining, 0x00002000), STATUS_INVALID_PARAMETER);
    assert_int_equal(dest[0], '\0');
    assert_int_equal(remaining, 99);
    free(dest);
}

static void printf_ex_reports_end_and_fills_behind(void **state)
{
    PWCHAR wdest = wide_buffer(8);
    NTSTRSAFE_PWSTR end = NULL;
    size_t remaining = 0;

    (void)state;
    assert_status(RtlStringCchPrintfExW(wdest, 8, &end, &remaining, STRSAFE_FILL_BYTE(0), L"%s%d", L"x", 10),
                  STATUS_SUCCESS);
    assert_wide_string(wdest, L"x10");
    assert_ptr_equal(end, wdest + 3);
    assert_int_equal(remaining, 5);
    assert_int_equal(wdest[7], 0);
    free(wdest);
}

static void printf_ex_no_truncation_and_overflow_outputs(void **state)
{
    char *dest = narrow_buffer(4);
    NTSTRSAFE_PSTR end = NULL;
    size_t remaining = 0;

    (void)state;
    assert_status(RtlStringCchPrintfExA(dest, 4, &end, &remaining, 0, "%d", 123456), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(dest, "123");
    assert_ptr_equal(end, dest + 3);
    assert_int_equal(remaining, 1);
    assert_status(RtlStringCchPrintfExA(dest, 4, &end, &remaining, STRSAFE_NO_TRUNCATION, "%d", 123456),
                  STATUS_BUFFER_OVERFLOW);
    assert_string_equal(dest, "");
    assert_ptr_equal(end, dest);
    assert_int_equal(remaining, 4);
    free(dest);
}

static void printf_ex_ignore_nulls_treats_null_format_as_empty(void **state)
{
    char *dest = narrow_buffer(4);
    size_t remaining = 0;

    (void)state;
    assert_status(RtlStringCchPrintfExA(dest, 4, NULL, &remaining, STRSAFE_IGNORE_NULLS, NULL), STATUS_SUCCESS);
    assert_string_equal(dest, "");
    assert_int_equal(remaining, 4);
    assert_status(RtlStringCchPrintfExA(dest, 4, NULL, NULL, 0, NULL), STATUS_INVALID_PARAMETER);
    assert_status(RtlStringCchPrintfExW(NULL, 0, NULL, NULL, STRSAFE_IGNORE_NULLS, L"%d", 1), STATUS_INVALID_PARAMETER);
    free(dest);
}

/* ---- UNICODE_STRING ------------------------------------------------------------------------ */

/* A UNICODE_STRING over a heap block of exactly max_bytes bytes, filled with '#'. */
static void make_unicode(PUNICODE_STRING s, USHORT max_bytes)
{
    s->Buffer = wide_buffer_bytes(max_bytes);
    s->Length = 0;
    s->MaximumLength = max_bytes;
}

static void set_unicode(PUNICODE_STRING s, PCWSTR text)
{
    s->Buffer = (PWCH)text;
    s->Length = (USHORT)(wide_len(text) * sizeof(WCHAR));
    s->MaximumLength = (USHORT)(s->Length + sizeof(WCHAR));
}

static void unicode_string_init_points_at_source(void **state)
{
    UNICODE_STRING s;
    static const WCHAR text[] = L"Device";

    (void)state;
    assert_status(RtlUnicodeStringInit(&s, text), STATUS_SUCCESS);
    assert_ptr_equal(s.Buffer, text);
    assert_int_equal(s.Length, 12);
    assert_int_equal(s.MaximumLength, 14);
    assert_status(RtlUnicodeStringInit(&s, NULL), STATUS_SUCCESS);
    assert_null(s.Buffer);
    assert_int_equal(s.Length, 0);
    assert_int_equal(s.MaximumLength, 0);
    assert_status(RtlUnicodeStringInit(NULL, text), STATUS_INVALID_PARAMETER);
}

static void unicode_string_init_rejects_too_long_source(void **state)
{
    size_t chars = NTSTRSAFE_UNICODE_STRING_MAX_CCH;
    PWCHAR text = wide_buffer(chars + 1);
    UNICODE_STRING s;

    (void)state;
    /* 32766 characters plus the NUL still fit a MaximumLength; 32767 do not. */
    text[chars] = 0;
    assert_status(RtlUnicodeStringInit(&s, text), STATUS_INVALID_PARAMETER);
    assert_null(s.Buffer);
    assert_int_equal(s.Length, 0);
    text[chars - 1] = 0;
    assert_status(RtlUnicodeStringInit(&s, text), STATUS_SUCCESS);
    assert_int_equal(s.Length, (chars - 1) * sizeof(WCHAR));
    assert_int_equal(s.MaximumLength, 0xFFFE);
    free(text);
}

static void unicode_string_init_ex_honours_ignore_nulls(void **state)
{
    UNICODE_STRING s;

    (void)state;
    assert_status(RtlUnicodeStringInitEx(NULL, NULL, STRSAFE_IGNORE_NULLS), STATUS_SUCCESS);
    assert_status(RtlUnicodeStringInitEx(NULL, L"x", STRSAFE_IGNORE_NULLS), STATUS_INVALID_PARAMETER);
    assert_status(RtlUnicodeStringInitEx(NULL, NULL, 0), STATUS_INVALID_PARAMETER);
    assert_status(RtlUnicodeStringInitEx(&s, L"ab", STRSAFE_IGNORE_NULLS), STATUS_SUCCESS);
    assert_int_equal(s.Length, 4);
    assert_status(RtlUnicodeStringInitEx(&s, L"ab", STRSAFE_NO_TRUNCATION), STATUS_INVALID_PARAMETER);
}

static void unicode_string_validate_applies_documented_rules(void **state)
{
    WCHAR buffer[4] = { 0 };
    UNICODE_STRING s;

    (void)state;
    s.Buffer = buffer;
    s.Length = 4;
    s.MaximumLength = 8;
    assert_status(RtlUnicodeStringValidate(&s), STATUS_SUCCESS);
    s.Length = 3; /* odd Length */
    assert_status(RtlUnicodeStringValidate(&s), STATUS_INVALID_PARAMETER);
    s.Length = 4;
    s.MaximumLength = 7; /* odd MaximumLength */
    assert_status(RtlUnicodeStringValidate(&s), STATUS_INVALID_PARAMETER);
    s.Length = 10;
    s.MaximumLength = 8; /* Length > MaximumLength */
    assert_status(RtlUnicodeStringValidate(&s), STATUS_INVALID_PARAMETER);
    s.Length = 0;
    s.MaximumLength = 0xFFFF & ~1; /* 32767 characters: the largest allowed */
    assert_status(RtlUnicodeStringValidate(&s), STATUS_SUCCESS);
    s.Buffer = NULL; /* NULL buffer with a nonzero size */
    assert_status(RtlUnicodeStringValidate(&s), STATUS_INVALID_PARAMETER);
    s.MaximumLength = 0;
    assert_status(RtlUnicodeStringValidate(&s), STATUS_SUCCESS);
    assert_status(RtlUnicodeStringValidate(NULL), STATUS_INVALID_PARAMETER);
}

static void unicode_string_copy_replaces_content_without_terminator(void **state)
{
    UNICODE_STRING dest, src;

    (void)state;
    make_unicode(&dest, 8);
    set_unicode(&src, L"abcd");
    dest.Length = 2;
    assert_status(RtlUnicodeStringCopy(&dest, &src), STATUS_SUCCESS);
    assert_int_equal(dest.Length, 8);
    assert_units_equal(dest.Buffer, L"abcd", 4);
    free(dest.Buffer);
}

static void unicode_string_copy_truncates_to_maximum_length(void **state)
{
    UNICODE_STRING dest, src;

    (void)state;
    make_unicode(&dest, 6);
    set_unicode(&src, L"abcdef");
    assert_status(RtlUnicodeStringCopy(&dest, &src), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dest.Length, 6);
    assert_units_equal(dest.Buffer, L"abc", 3);
    free(dest.Buffer);
}

static void unicode_string_copy_uses_source_length_not_terminator(void **state)
{
    static const WCHAR text[] = { L'a', 0, L'b', L'c' };
    UNICODE_STRING dest, src;

    (void)state;
    make_unicode(&dest, 10);
    src.Buffer = (PWCH)text;
    src.Length = 6;
    src.MaximumLength = 8;
    assert_status(RtlUnicodeStringCopy(&dest, &src), STATUS_SUCCESS);
    assert_int_equal(dest.Length, 6);
    assert_units_equal(dest.Buffer, text, 3);
    assert_int_equal(dest.Buffer[3], L'#');
    free(dest.Buffer);
}

static void unicode_string_copy_rejects_invalid_strings(void **state)
{
    UNICODE_STRING dest, src, empty = { 0, 0, NULL };

    (void)state;
    make_unicode(&dest, 8);
    set_unicode(&src, L"ab");
    src.Length = 3;
    assert_status(RtlUnicodeStringCopy(&dest, &src), STATUS_INVALID_PARAMETER);
    assert_status(RtlUnicodeStringCopy(NULL, &src), STATUS_INVALID_PARAMETER);
    assert_status(RtlUnicodeStringCopy(&dest, NULL), STATUS_INVALID_PARAMETER);
    src.Length = 4;
    /* A destination with no room at all cannot take a non-empty source. */
    assert_status(RtlUnicodeStringCopy(&empty, &src), STATUS_INVALID_PARAMETER);
    set_unicode(&src, L"");
    assert_status(RtlUnicodeStringCopy(&empty, &src), STATUS_SUCCESS);
    free(dest.Buffer);
}

static void unicode_string_copy_string_copies_until_nul(void **state)
{
    UNICODE_STRING dest;

    (void)state;
    make_unicode(&dest, 8);
    assert_status(RtlUnicodeStringCopyString(&dest, L"abc"), STATUS_SUCCESS);
    assert_int_equal(dest.Length, 6);
    assert_units_equal(dest.Buffer, L"abc", 3);
    assert_int_equal(dest.Buffer[3], L'#'); /* no terminator is stored */
    assert_status(RtlUnicodeStringCopyString(&dest, L"abcdefg"), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dest.Length, 8);
    assert_units_equal(dest.Buffer, L"abcd", 4);
    assert_status(RtlUnicodeStringCopyString(&dest, NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(dest.Length, 8);
    free(dest.Buffer);
}

static void unicode_string_cat_appends_and_truncates(void **state)
{
    UNICODE_STRING dest, src;

    (void)state;
    make_unicode(&dest, 10);
    assert_status(RtlUnicodeStringCopyString(&dest, L"ab"), STATUS_SUCCESS);
    set_unicode(&src, L"cd");
    assert_status(RtlUnicodeStringCat(&dest, &src), STATUS_SUCCESS);
    assert_int_equal(dest.Length, 8);
    assert_units_equal(dest.Buffer, L"abcd", 4);
    set_unicode(&src, L"efg");
    assert_status(RtlUnicodeStringCat(&dest, &src), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dest.Length, 10);
    assert_units_equal(dest.Buffer, L"abcde", 5);
    free(dest.Buffer);
}

static void unicode_string_cat_to_full_destination_is_invalid(void **state)
{
    UNICODE_STRING dest, src;

    (void)state;
    make_unicode(&dest, 4);
    assert_status(RtlUnicodeStringCopyString(&dest, L"ab"), STATUS_SUCCESS);
    set_unicode(&src, L"c");
    assert_status(RtlUnicodeStringCat(&dest, &src), STATUS_INVALID_PARAMETER);
    assert_int_equal(dest.Length, 4);
    set_unicode(&src, L"");
    assert_status(RtlUnicodeStringCat(&dest, &src), STATUS_SUCCESS);
    assert_int_equal(dest.Length, 4);
    free(dest.Buffer);
}

static void unicode_string_cat_string_appends(void **state)
{
    UNICODE_STRING dest;

    (void)state;
    make_unicode(&dest, 12);
    assert_status(RtlUnicodeStringCatString(&dest, L"\\??\\"), STATUS_SUCCESS);
    assert_status(RtlUnicodeStringCatString(&dest, L"Xyz"), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dest.Length, 12);
    assert_units_equal(dest.Buffer, L"\\??\\Xy", 6);
    assert_status(RtlUnicodeStringCatString(&dest, L"z"), STATUS_INVALID_PARAMETER);
    assert_status(RtlUnicodeStringCatString(&dest, NULL), STATUS_INVALID_PARAMETER);
    free(dest.Buffer);
}

static void unicode_string_printf_sets_length(void **state)
{
    UNICODE_STRING dest, name;

    (void)state;
    make_unicode(&dest, 64);
    set_unicode(&name, L"Dev");
    dest.Length = 10;
    assert_status(RtlUnicodeStringPrintf(&dest, L"\\Device\\%wZ%d %s", &name, 7, L"w"), STATUS_SUCCESS);
    assert_int_equal(dest.Length, wide_len(L"\\Device\\Dev7 w") * sizeof(WCHAR));
    assert_units_equal(dest.Buffer, L"\\Device\\Dev7 w", wide_len(L"\\Device\\Dev7 w"));
    free(dest.Buffer);
}

static void unicode_string_printf_may_fill_every_character(void **state)
{
    UNICODE_STRING dest;

    (void)state;
    make_unicode(&dest, 8);
    assert_status(RtlUnicodeStringPrintf(&dest, L"%d", 1234), STATUS_SUCCESS);
    assert_int_equal(dest.Length, 8);
    assert_units_equal(dest.Buffer, L"1234", 4);
    free(dest.Buffer);
}

static void unicode_string_printf_truncates_with_overflow(void **state)
{
    UNICODE_STRING dest;

    (void)state;
    make_unicode(&dest, 8);
    assert_status(RtlUnicodeStringPrintf(&dest, L"%s-%d", L"abc", 99), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dest.Length, 8);
    assert_units_equal(dest.Buffer, L"abc-", 4);
    free(dest.Buffer);
}

static void unicode_string_printf_rejects_invalid_arguments(void **state)
{
    UNICODE_STRING dest, empty = { 0, 0, NULL };

    (void)state;
    make_unicode(&dest, 8);
    assert_status(RtlUnicodeStringPrintf(&dest, NULL), STATUS_INVALID_PARAMETER);
    assert_status(RtlUnicodeStringPrintf(NULL, L"x"), STATUS_INVALID_PARAMETER);
    dest.MaximumLength = 7;
    assert_status(RtlUnicodeStringPrintf(&dest, L"x"), STATUS_INVALID_PARAMETER);
    assert_status(RtlUnicodeStringPrintf(&empty, L"x"), STATUS_INVALID_PARAMETER);
    assert_status(RtlUnicodeStringPrintf(&empty, L"%s", L""), STATUS_SUCCESS);
    assert_int_equal(empty.Length, 0);
    free(dest.Buffer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cch_copy_a_copies_and_terminates),
        cmocka_unit_test(cch_copy_w_copies_and_terminates),
        cmocka_unit_test(cch_copy_exact_fit_succeeds),
        cmocka_unit_test(cch_copy_truncates_with_buffer_overflow),
        cmocka_unit_test(cch_copy_rejects_zero_count_without_writing),
        cmocka_unit_test(cch_copy_rejects_count_above_max_and_empties_dest),
        cmocka_unit_test(cch_copy_rejects_null_pointers),
        cmocka_unit_test(cb_copy_a_counts_bytes),
        cmocka_unit_test(cb_copy_w_counts_bytes_and_ignores_odd_byte),
        cmocka_unit_test(cb_copy_w_rejects_byte_count_below_one_character),
        cmocka_unit_test(cch_copy_n_copies_at_most_n_characters),
        cmocka_unit_test(cch_copy_n_reads_no_further_than_n),
        cmocka_unit_test(cch_copy_n_truncates_to_destination),
        cmocka_unit_test(cch_copy_n_rejects_oversized_copy_count),
        cmocka_unit_test(cb_copy_n_w_counts_bytes),
        cmocka_unit_test(cch_cat_appends),
        cmocka_unit_test(cch_cat_truncates_keeping_the_prefix),
        cmocka_unit_test(cch_cat_rejects_destination_without_terminator),
        cmocka_unit_test(cch_cat_to_full_terminated_string_overflows_unchanged),
        cmocka_unit_test(cch_cat_rejects_null_and_bad_counts),
        cmocka_unit_test(cb_cat_counts_bytes),
        cmocka_unit_test(cch_cat_n_appends_at_most_n_characters),
        cmocka_unit_test(cch_length_counts_characters),
        cmocka_unit_test(cch_length_rejects_string_longer_than_max),
        cmocka_unit_test(cch_length_rejects_null_and_oversized_max),
        cmocka_unit_test(cb_length_reports_bytes),
        cmocka_unit_test(cch_printf_a_formats_kernel_conversions),
        cmocka_unit_test(cch_printf_w_s_is_wide_text),
        cmocka_unit_test(cch_printf_truncates_with_buffer_overflow),
        cmocka_unit_test(cch_printf_exact_fit_succeeds),
        cmocka_unit_test(cch_printf_rejects_bad_destination_and_null_format),
        cmocka_unit_test(cb_printf_counts_bytes),
        cmocka_unit_test(vprintf_forms_take_a_va_list),
        cmocka_unit_test(copy_ex_reports_end_and_remaining),
        cmocka_unit_test(copy_ex_overflow_points_at_last_character),
        cmocka_unit_test(copy_ex_ignore_nulls_treats_null_source_as_empty),
        cmocka_unit_test(copy_ex_ignore_nulls_accepts_null_destination_only_for_empty_source),
        cmocka_unit_test(copy_ex_without_ignore_nulls_rejects_null_and_zero_count),
        cmocka_unit_test(copy_ex_fill_behind_null_fills_the_tail),
        cmocka_unit_test(copy_ex_fill_behind_null_is_not_applied_on_overflow),
        cmocka_unit_test(copy_ex_fill_on_failure_fills_and_terminates),
        cmocka_unit_test(copy_ex_null_on_failure_leaves_empty_string),
        cmocka_unit_test(copy_ex_no_truncation_leaves_empty_string),
        cmocka_unit_test(copy_ex_rejects_unknown_flags),
        cmocka_unit_test(printf_ex_reports_end_and_fills_behind),
        cmocka_unit_test(printf_ex_no_truncation_and_overflow_outputs),
        cmocka_unit_test(printf_ex_ignore_nulls_treats_null_format_as_empty),
        cmocka_unit_test(unicode_string_init_points_at_source),
        cmocka_unit_test(unicode_string_init_rejects_too_long_source),
        cmocka_unit_test(unicode_string_init_ex_honours_ignore_nulls),
        cmocka_unit_test(unicode_string_validate_applies_documented_rules),
        cmocka_unit_test(unicode_string_copy_replaces_content_without_terminator),
        cmocka_unit_test(unicode_string_copy_truncates_to_maximum_length),
        cmocka_unit_test(unicode_string_copy_uses_source_length_not_terminator),
        cmocka_unit_test(unicode_string_copy_rejects_invalid_strings),
        cmocka_unit_test(unicode_string_copy_string_copies_until_nul),
        cmocka_unit_test(unicode_string_cat_appends_and_truncates),
        cmocka_unit_test(unicode_string_cat_to_full_destination_is_invalid),
        cmocka_unit_test(unicode_string_cat_string_appends),
        cmocka_unit_test(unicode_string_printf_sets_length),
        cmocka_unit_test(unicode_string_printf_may_fill_every_character),
        cmocka_unit_test(unicode_string_printf_truncates_with_overflow),
        cmocka_unit_test(unicode_string_printf_rejects_invalid_arguments),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
