/*
 * tests/test_rtl_string.c - unit tests for the counted-string Rtl routines in
 * src/rtl/string.c and the case-mapping helpers of src/rtl/rtl.h. Expected
 * values come from the WDK documentation and, where it is silent, from
 * behaviour observed on Windows. Destination buffers that must not be overrun
 * are heap blocks of exactly MaximumLength bytes, so the sanitizers catch any
 * write past them.
 */
#include <wdm.h>
#include "rtl/rtl.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

/* Compare codes as unsigned 32-bit so failures print as 0xC0000023 etc. */
#define assert_status(actual, expected) assert_int_equal((uint32_t)(actual), (uint32_t)(expected))

#define WCHARS(a) (sizeof(a) / sizeof((a)[0]))

static size_t wide_len(PCWSTR s)
{
    size_t n = 0;

    while (s[n] != 0)
        n++;
    return n;
}

static void assert_wide_equal(PCWCH actual, PCWSTR expected, size_t chars)
{
    size_t i;

    for (i = 0; i < chars; i++) {
        if (actual[i] != expected[i])
            fail_msg("code unit %zu is U+%04X, expected U+%04X", i, (unsigned)actual[i], (unsigned)expected[i]);
    }
}

/* A UNICODE_STRING over a heap block of exactly max_bytes bytes, filled with '#'. */
static PWCH make_wide_buffer(PUNICODE_STRING s, USHORT max_bytes)
{
    PWCH buffer = malloc(max_bytes ? max_bytes : 1);
    size_t i;

    assert_non_null(buffer);
    memset(buffer, 0, max_bytes ? max_bytes : 1);
    for (i = 0; i < max_bytes / sizeof(WCHAR); i++)
        buffer[i] = L'#';
    s->Buffer = buffer;
    s->Length = 0;
    s->MaximumLength = max_bytes;
    return buffer;
}

static PCHAR make_narrow_buffer(PSTRING s, USHORT max_bytes)
{
    PCHAR buffer = malloc(max_bytes ? max_bytes : 1);

    assert_non_null(buffer);
    memset(buffer, '#', max_bytes ? max_bytes : 1);
    s->Buffer = buffer;
    s->Length = 0;
    s->MaximumLength = max_bytes;
    return buffer;
}

static void set_unicode(PUNICODE_STRING s, PCWSTR text)
{
    s->Buffer = (PWCH)text;
    s->Length = (USHORT)(wide_len(text) * sizeof(WCHAR));
    s->MaximumLength = (USHORT)(s->Length + sizeof(WCHAR));
}

/* ---- initialisation ------------------------------------------------------------------------- */

static void init_unicode_string_sets_lengths(void **state)
{
    static const WCHAR text[] = L"Some Wild String";
    UNICODE_STRING s = { 12345, 12345, (PWCH)(uintptr_t)0xdeadbeef };

    (void)state;
    RtlInitUnicodeString(&s, text);
    assert_int_equal(s.Length, 32);
    assert_int_equal(s.MaximumLength, 34);
    assert_ptr_equal(s.Buffer, text);

    RtlInitUnicodeString(&s, L"");
    assert_int_equal(s.Length, 0);
    assert_int_equal(s.MaximumLength, 2);
}

static void init_unicode_string_null_source_gives_empty(void **state)
{
    UNICODE_STRING s = { 12345, 12345, (PWCH)(uintptr_t)0xdeadbeef };

    (void)state;
    RtlInitUnicodeString(&s, NULL);
    assert_int_equal(s.Length, 0);
    assert_int_equal(s.MaximumLength, 0);
    assert_null(s.Buffer);

    s.Length = s.MaximumLength = 7;
    assert_status(RtlInitUnicodeStringEx(&s, NULL), STATUS_SUCCESS);
    assert_int_equal(s.Length, 0);
    assert_int_equal(s.MaximumLength, 0);
    assert_null(s.Buffer);
}

static void init_unicode_string_caps_overlong_source(void **state)
{
    const size_t chars = 40000;
    PWCH text = malloc((chars + 1) * sizeof(WCHAR));
    UNICODE_STRING s;
    size_t i;

    (void)state;
    assert_non_null(text);
    for (i = 0; i < chars; i++)
        text[i] = L'X';
    text[chars] = 0;
    RtlInitUnicodeString(&s, text);
    assert_int_equal(s.Length, 0xFFFC);
    assert_int_equal(s.MaximumLength, 0xFFFE);
    assert_ptr_equal(s.Buffer, text);
    free(text);
}

static void init_unicode_string_ex_rejects_overlong_source(void **state)
{
    const size_t chars = 32767; /* 65534 bytes + NUL does not fit in a USHORT */
    PWCH text = malloc((chars + 1) * sizeof(WCHAR));
    UNICODE_STRING s = { 12345, 12345, (PWCH)(uintptr_t)0xdeadbeef };
    size_t i;

    (void)state;
    assert_non_null(text);
    for (i = 0; i < chars; i++)
        text[i] = L'X';
    text[chars] = 0;
    assert_status(RtlInitUnicodeStringEx(&s, text), STATUS_NAME_TOO_LONG);
    assert_int_equal(s.Length, 12345);
    assert_int_equal(s.MaximumLength, 12345);
    assert_ptr_equal(s.Buffer, (PWCH)(uintptr_t)0xdeadbeef);

    text[chars - 1] = 0; /* 32766 characters: the longest that fits */
    assert_status(RtlInitUnicodeStringEx(&s, text), STATUS_SUCCESS);
    assert_int_equal(s.Length, 0xFFFC);
    assert_int_equal(s.MaximumLength, 0xFFFE);
    assert_ptr_equal(s.Buffer, text);
    free(text);
}

static void init_ansi_and_utf8_strings_set_lengths(void **state)
{
    static const char text[] = "Some Wild String";
    STRING s = { 1, 1, NULL };

    (void)state;
    RtlInitAnsiString(&s, text);
    assert_int_equal(s.Length, 16);
    assert_int_equal(s.MaximumLength, 17);
    assert_ptr_equal(s.Buffer, text);

    RtlInitString(&s, NULL);
    assert_int_equal(s.Length, 0);
    assert_int_equal(s.MaximumLength, 0);
    assert_null(s.Buffer);

    RtlInitUTF8String(&s, "h\xc3\xa9");
    assert_int_equal(s.Length, 3);
    assert_int_equal(s.MaximumLength, 4);

    assert_status(RtlInitAnsiStringEx(&s, text), STATUS_SUCCESS);
    assert_int_equal(s.Length, 16);
    assert_int_equal(s.MaximumLength, 17);
    assert_status(RtlInitAnsiStringEx(&s, NULL), STATUS_SUCCESS);
    assert_null(s.Buffer);
    assert_int_equal(s.MaximumLength, 0);
}

static void init_ansi_string_caps_overlong_source(void **state)
{
    const size_t chars = 70000;
    PCHAR text = malloc(chars + 1);
    STRING s;

    (void)state;
    assert_non_null(text);
    memset(text, 'x', chars);
    text[chars] = 0;
    RtlInitAnsiString(&s, text);
    assert_int_equal(s.Length, 0xFFFE);
    assert_int_equal(s.MaximumLength, 0xFFFF);
    RtlInitString(&s, text);
    assert_int_equal(s.Length, 0xFFFE);
    RtlInitUTF8String(&s, text);
    assert_int_equal(s.MaximumLength, 0xFFFF);

    s.Length = 5;
    s.MaximumLength = 6;
    s.Buffer = NULL;
    assert_status(RtlInitAnsiStringEx(&s, text), STATUS_NAME_TOO_LONG);
    assert_int_equal(s.Length, 5);
    assert_int_equal(s.MaximumLength, 6);
    assert_null(s.Buffer);

    text[0xFFFE] = 0; /* MAXUSHORT - 1 characters still fit */
    assert_status(RtlInitAnsiStringEx(&s, text), STATUS_SUCCESS);
    assert_int_equal(s.Length, 0xFFFE);
    assert_int_equal(s.MaximumLength, 0xFFFF);
    free(text);
}

/* ---- copy and append ------------------------------------------------------------------------ */

static void copy_unicode_string_truncates_and_terminates(void **state)
{
    UNICODE_STRING src, dst;
    PWCH buffer;

    (void)state;
    set_unicode(&src, L"abcdef");

    buffer = make_wide_buffer(&dst, 16);
    RtlCopyUnicodeString(&dst, &src);
    assert_int_equal(dst.Length, 12);
    assert_int_equal(dst.MaximumLength, 16);
    assert_ptr_equal(dst.Buffer, buffer);
    assert_wide_equal(buffer, L"abcdef\0#", 8);
    free(buffer);

    buffer = make_wide_buffer(&dst, 8); /* room for four characters, no NUL */
    RtlCopyUnicodeString(&dst, &src);
    assert_int_equal(dst.Length, 8);
    assert_wide_equal(buffer, L"abcd", 4);
    free(buffer);

    buffer = make_wide_buffer(&dst, 7); /* odd size: whole characters only */
    RtlCopyUnicodeString(&dst, &src);
    assert_int_equal(dst.Length, 6);
    assert_wide_equal(buffer, L"abc", 3);
    free(buffer);
}

static void copy_unicode_string_null_source_sets_zero_length(void **state)
{
    WCHAR buffer[4] = L"xyz";
    UNICODE_STRING dst = { 6, 8, buffer };

    (void)state;
    RtlCopyUnicodeString(&dst, NULL);
    assert_int_equal(dst.Length, 0);
    assert_int_equal(dst.MaximumLength, 8);
    assert_ptr_equal(dst.Buffer, buffer);
    assert_wide_equal(buffer, L"xyz", 4);
}

static void copy_string_truncates_without_terminator(void **state)
{
    STRING src, dst;
    PCHAR buffer;

    (void)state;
    RtlInitString(&src, "Some Wild String");
    buffer = make_narrow_buffer(&dst, 20);
    RtlCopyString(&dst, &src);
    assert_int_equal(dst.Length, 16);
    assert_memory_equal(buffer, "Some Wild String####", 20);
    free(buffer);

    buffer = make_narrow_buffer(&dst, 4);
    RtlCopyString(&dst, &src);
    assert_int_equal(dst.Length, 4);
    assert_memory_equal(buffer, "Some", 4);
    RtlCopyString(&dst, NULL);
    assert_int_equal(dst.Length, 0);
    assert_int_equal(dst.MaximumLength, 4);
    free(buffer);
}

static void append_unicode_to_string_appends_and_terminates(void **state)
{
    UNICODE_STRING dst;
    PWCH buffer = make_wide_buffer(&dst, 20);

    (void)state;
    memcpy(buffer, L"Fake", 8);
    dst.Length = 8;
    assert_status(RtlAppendUnicodeToString(&dst, L"Ustr"), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 16);
    assert_int_equal(dst.MaximumLength, 20);
    assert_wide_equal(buffer, L"FakeUstr\0#", 10);

    assert_status(RtlAppendUnicodeToString(&dst, NULL), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 16);
    assert_status(RtlAppendUnicodeToString(&dst, L""), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 16);
    free(buffer);
}

static void append_unicode_to_string_too_small_leaves_destination(void **state)
{
    UNICODE_STRING dst;
    PWCH buffer = make_wide_buffer(&dst, 14);

    (void)state;
    memcpy(buffer, L"Fake", 8);
    dst.Length = 8;
    assert_status(RtlAppendUnicodeToString(&dst, L"Ustr"), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(dst.Length, 8);
    assert_int_equal(dst.MaximumLength, 14);
    assert_wide_equal(buffer, L"Fake###", 7);
    free(buffer);
}

static void append_unicode_to_string_exact_fit_has_no_terminator(void **state)
{
    UNICODE_STRING dst;
    PWCH buffer = make_wide_buffer(&dst, 16);

    (void)state;
    memcpy(buffer, L"Fake", 8);
    dst.Length = 8;
    assert_status(RtlAppendUnicodeToString(&dst, L"Ustr"), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 16);
    assert_wide_equal(buffer, L"FakeUstr", 8);
    free(buffer);
}

static void append_unicode_string_to_string_success_and_too_small(void **state)
{
    UNICODE_STRING dst, src, empty = { 0, 0, NULL };
    PWCH buffer = make_wide_buffer(&dst, 18);

    (void)state;
    set_unicode(&src, L"UstrZYXW");
    src.Length = 8; /* only "Ustr" counts */
    memcpy(buffer, L"Fake", 8);
    dst.Length = 8;
    assert_status(RtlAppendUnicodeStringToString(&dst, &src), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 16);
    assert_wide_equal(buffer, L"FakeUstr", 9);

    assert_status(RtlAppendUnicodeStringToString(&dst, &src), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(dst.Length, 16);
    assert_wide_equal(buffer, L"FakeUstr", 9);

    assert_status(RtlAppendUnicodeStringToString(&dst, &empty), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 16);
    free(buffer);
}

static void append_string_to_string_success_and_too_small(void **state)
{
    STRING dst, src, empty = { 0, 0, NULL };
    PCHAR buffer = make_narrow_buffer(&dst, 10);

    (void)state;
    memcpy(buffer, "TestS", 5);
    dst.Length = 5;
    RtlInitString(&src, "tring");
    assert_status(RtlAppendStringToString(&dst, &src), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 10);
    assert_memory_equal(buffer, "TestString", 10);

    dst.Length = 6;
    assert_status(RtlAppendStringToString(&dst, &src), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(dst.Length, 6);
    assert_memory_equal(buffer, "TestString", 10);

    assert_status(RtlAppendStringToString(&dst, &empty), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 6);
    free(buffer);
}

/* ---- comparison ----------------------------------------------------------------------------- */

static void compare_unicode_string_case_sensitive(void **state)
{
    UNICODE_STRING a, b;

    (void)state;
    set_unicode(&a, L"abc");
    set_unicode(&b, L"abc");
    assert_int_equal(RtlCompareUnicodeString(&a, &b, FALSE), 0);
    set_unicode(&b, L"abd");
    assert_int_equal(RtlCompareUnicodeString(&a, &b, FALSE), 'c' - 'd');
    assert_true(RtlCompareUnicodeString(&b, &a, FALSE) > 0);
    set_unicode(&b, L"ABC");
    assert_true(RtlCompareUnicodeString(&a, &b, FALSE) > 0);
    set_unicode(&b, L"abcd");
    assert_true(RtlCompareUnicodeString(&a, &b, FALSE) < 0);
    assert_true(RtlCompareUnicodeString(&b, &a, FALSE) > 0);
    set_unicode(&b, L"ab\x00e9");
    assert_true(RtlCompareUnicodeString(&a, &b, FALSE) < 0);
}

static void compare_unicode_string_case_insensitive(void **state)
{
    UNICODE_STRING a, b;

    (void)state;
    set_unicode(&a, L"Hello W\x00f6rld \x0436");
    set_unicode(&b, L"hELLO w\x00d6RLD \x0416");
    assert_true(RtlCompareUnicodeString(&a, &b, FALSE) != 0);
    assert_int_equal(RtlCompareUnicodeString(&a, &b, TRUE), 0);
    assert_true(RtlEqualUnicodeString(&a, &b, TRUE));
    assert_false(RtlEqualUnicodeString(&a, &b, FALSE));

    set_unicode(&a, L"a");
    set_unicode(&b, L"B");
    assert_int_equal(RtlCompareUnicodeString(&a, &b, TRUE), 'A' - 'B');
    assert_true(RtlCompareUnicodeString(&a, &b, FALSE) > 0);
}

static void compare_unicode_strings_uses_character_counts(void **state)
{
    static const WCHAR one[] = L"prefixZ";
    static const WCHAR two[] = L"PREFIXa";

    (void)state;
    assert_int_equal(RtlCompareUnicodeStrings(one, 6, two, 6, TRUE), 0);
    assert_true(RtlCompareUnicodeStrings(one, 6, two, 6, FALSE) > 0);
    assert_int_equal(RtlCompareUnicodeStrings(one, 7, two, 7, TRUE), 'Z' - 'A');
    assert_true(RtlCompareUnicodeStrings(one, 3, two, 6, TRUE) < 0);
    assert_true(RtlCompareUnicodeStrings(one, 6, two, 3, TRUE) > 0);
    assert_int_equal(RtlCompareUnicodeStrings(NULL, 0, NULL, 0, FALSE), 0);
}

static void compare_string_orders_bytes_and_ignores_ascii_case(void **state)
{
    STRING a, b;

    (void)state;
    RtlInitString(&a, "Hello");
    RtlInitString(&b, "hello");
    assert_true(RtlCompareString(&a, &b, FALSE) < 0);
    assert_int_equal(RtlCompareString(&a, &b, TRUE), 0);
    RtlInitString(&b, "Hello!");
    assert_true(RtlCompareString(&a, &b, FALSE) < 0);
    assert_true(RtlCompareString(&b, &a, TRUE) > 0);
    RtlInitString(&a, "\xe9");
    RtlInitString(&b, "z");
    assert_true(RtlCompareString(&a, &b, FALSE) > 0); /* bytes are unsigned */
    RtlInitString(&b, "\xc9");
    assert_true(RtlCompareString(&a, &b, TRUE) != 0); /* only ASCII letters fold */
}

static void equal_string_requires_same_length(void **state)
{
    STRING a, b;
    UNICODE_STRING ua, ub;

    (void)state;
    RtlInitString(&a, "Driver");
    RtlInitString(&b, "DRIVER");
    assert_true(RtlEqualString(&a, &b, TRUE));
    assert_false(RtlEqualString(&a, &b, FALSE));
    b.Length = 5;
    assert_false(RtlEqualString(&a, &b, TRUE));

    set_unicode(&ua, L"\\Device\\Foo");
    set_unicode(&ub, L"\\device\\foo");
    assert_true(RtlEqualUnicodeString(&ua, &ub, TRUE));
    ub.Length -= sizeof(WCHAR);
    assert_false(RtlEqualUnicodeString(&ua, &ub, TRUE));
}

static void prefix_unicode_string_detects_prefixes(void **state)
{
    UNICODE_STRING prefix, full, empty = { 0, 0, NULL };

    (void)state;
    set_unicode(&prefix, L"\\Device\\");
    set_unicode(&full, L"\\Device\\Harddisk0");
    assert_true(RtlPrefixUnicodeString(&prefix, &full, FALSE));
    assert_false(RtlPrefixUnicodeString(&full, &prefix, FALSE));
    set_unicode(&prefix, L"\\DEVICE\\hard");
    assert_false(RtlPrefixUnicodeString(&prefix, &full, FALSE));
    assert_true(RtlPrefixUnicodeString(&prefix, &full, TRUE));
    assert_true(RtlPrefixUnicodeString(&full, &full, FALSE));
    assert_true(RtlPrefixUnicodeString(&empty, &full, FALSE));
}

/* ---- case mapping -------------------------------------------------------------------------- */

static void upcase_char_covers_ascii_and_latin1(void **state)
{
    unsigned c;

    (void)state;
    for (c = 0; c <= 0xFF; c++) {
        WCHAR expected;

        if (c >= 'a' && c <= 'z')
            expected = (WCHAR)(c - 0x20);
        else if (c >= 0xE0 && c <= 0xFE && c != 0xF7)
            expected = (WCHAR)(c - 0x20);
        else if (c == 0xFF)
            expected = 0x0178;
        else
            expected = (WCHAR)c;
        assert_int_equal(RtlUpcaseUnicodeChar((WCHAR)c), expected);
    }
}

static void upcase_covers_latin1_and_cyrillic(void **state)
{
    unsigned c;

    (void)state;
    for (c = 0x0430; c <= 0x044F; c++)
        assert_int_equal(RtlUpcaseUnicodeChar((WCHAR)c), c - 0x20);
    for (c = 0x0450; c <= 0x045F; c++)
        assert_int_equal(RtlUpcaseUnicodeChar((WCHAR)c), c - 0x50);
    for (c = 0x0400; c <= 0x042F; c++)
        assert_int_equal(RtlUpcaseUnicodeChar((WCHAR)c), c);
    assert_int_equal(RtlUpcaseUnicodeChar(0x00E9), 0x00C9);
    assert_int_equal(RtlUpcaseUnicodeChar(0x00B5), 0x00B5);
    assert_int_equal(RtlUpcaseUnicodeChar(0x00DF), 0x00DF);
    assert_int_equal(RtlUpcaseUnicodeChar(0xFF41), 0xFF21);
    assert_int_equal(RtlUpcaseUnicodeChar(0xFF5A), 0xFF3A);
    assert_int_equal(RtlUpcaseUnicodeChar(0xFF5B), 0xFF5B);
    assert_int_equal(RtlUpcaseUnicodeChar(0xD800), 0xD800);
}

static void upcase_covers_greek_including_accents(void **state)
{
    static const struct {
        WCHAR lower, upper;
    } pairs[] = {
        { 0x03B1, 0x0391 }, { 0x03C1, 0x03A1 }, { 0x03C3, 0x03A3 }, { 0x03C9, 0x03A9 }, { 0x03CA, 0x03AA },
        { 0x03CB, 0x03AB }, { 0x03AC, 0x0386 }, { 0x03AD, 0x0388 }, { 0x03AE, 0x0389 }, { 0x03AF, 0x038A },
        { 0x03CC, 0x038C }, { 0x03CD, 0x038E }, { 0x03CE, 0x038F },
    };
    size_t i;

    (void)state;
    for (i = 0; i < WCHARS(pairs); i++) {
        assert_int_equal(RtlUpcaseUnicodeChar(pairs[i].lower), pairs[i].upper);
        assert_int_equal(RtlDowncaseUnicodeChar(pairs[i].upper), pairs[i].lower);
    }
    assert_int_equal(RtlUpcaseUnicodeChar(0x03C2), 0x03C2); /* final sigma */
    assert_int_equal(RtlUpcaseUnicodeChar(0x0390), 0x0390);
    assert_int_equal(RtlDowncaseUnicodeChar(0x03A2), 0x03A2);
}

static void upcase_latin_extended_a_pairs_and_exceptions(void **state)
{
    (void)state;
    assert_int_equal(RtlUpcaseUnicodeChar(0x0101), 0x0100);
    assert_int_equal(RtlUpcaseUnicodeChar(0x012F), 0x012E);
    assert_int_equal(RtlUpcaseUnicodeChar(0x0133), 0x0132);
    assert_int_equal(RtlUpcaseUnicodeChar(0x013A), 0x0139);
    assert_int_equal(RtlUpcaseUnicodeChar(0x0148), 0x0147);
    assert_int_equal(RtlUpcaseUnicodeChar(0x014B), 0x014A);
    assert_int_equal(RtlUpcaseUnicodeChar(0x0177), 0x0176);
    assert_int_equal(RtlUpcaseUnicodeChar(0x017E), 0x017D);
    assert_int_equal(RtlUpcaseUnicodeChar(0x0100), 0x0100);
    assert_int_equal(RtlUpcaseUnicodeChar(0x0139), 0x0139);
    assert_int_equal(RtlDowncaseUnicodeChar(0x0178), 0x00FF);
    assert_int_equal(RtlDowncaseUnicodeChar(0x0147), 0x0148);
    assert_int_equal(RtlDowncaseUnicodeChar(0x0179), 0x017A);
    /* the code points that break the even/odd pattern map to themselves */
    assert_int_equal(RtlUpcaseUnicodeChar(0x0131), 0x0131);
    assert_int_equal(RtlDowncaseUnicodeChar(0x0130), 0x0130);
    assert_int_equal(RtlUpcaseUnicodeChar(0x0138), 0x0138);
    assert_int_equal(RtlUpcaseUnicodeChar(0x0149), 0x0149);
    assert_int_equal(RtlUpcaseUnicodeChar(0x017F), 0x017F);
}

static void downcase_char_mirrors_upcase(void **state)
{
    unsigned c;

    (void)state;
    for (c = 'A'; c <= 'Z'; c++)
        assert_int_equal(RtlDowncaseUnicodeChar((WCHAR)c), c + 0x20);
    for (c = 0xC0; c <= 0xDE; c++)
        assert_int_equal(RtlDowncaseUnicodeChar((WCHAR)c), c == 0xD7 ? c : c + 0x20);
    for (c = 0x0391; c <= 0x03AB; c++)
        assert_int_equal(RtlDowncaseUnicodeChar((WCHAR)c), c == 0x03A2 ? c : c + 0x20);
    for (c = 0x0400; c <= 0x040F; c++)
        assert_int_equal(RtlDowncaseUnicodeChar((WCHAR)c), c + 0x50);
    for (c = 0x0410; c <= 0x042F; c++)
        assert_int_equal(RtlDowncaseUnicodeChar((WCHAR)c), c + 0x20);
    for (c = 0xFF21; c <= 0xFF3A; c++)
        assert_int_equal(RtlDowncaseUnicodeChar((WCHAR)c), c + 0x20);
    assert_int_equal(RtlDowncaseUnicodeChar(0x00B5), 0x00B5);
}

static void case_mapping_round_trips_for_every_code_unit(void **state)
{
    unsigned c;

    (void)state;
    for (c = 0; c <= 0xFFFF; c++) {
        WCHAR up = RtlUpcaseUnicodeChar((WCHAR)c);
        WCHAR down = RtlDowncaseUnicodeChar((WCHAR)c);

        assert_int_equal(rtl_upcase((WCHAR)c), up);
        assert_int_equal(rtl_downcase((WCHAR)c), down);
        if (up != c)
            assert_int_equal(RtlDowncaseUnicodeChar(up), c);
        if (down != c)
            assert_int_equal(RtlUpcaseUnicodeChar(down), c);
        assert_int_equal(RtlUpcaseUnicodeChar(up), up);
    }
}

static void upper_char_only_changes_ascii_letters(void **state)
{
    int c;

    (void)state;
    for (c = 0; c <= 0xFF; c++) {
        CHAR in = (CHAR)c;
        CHAR expected = (c >= 'a' && c <= 'z') ? (CHAR)(c - 0x20) : in;

        assert_int_equal(RtlUpperChar(in), expected);
    }
}

static void upper_string_copies_upcased_and_truncates(void **state)
{
    STRING src, dst;
    PCHAR buffer = make_narrow_buffer(&dst, 6);

    (void)state;
    RtlInitString(&src, "abc\xe9");
    RtlUpperString(&dst, &src);
    assert_int_equal(dst.Length, 4);
    assert_int_equal(dst.MaximumLength, 6);
    assert_memory_equal(buffer, "ABC\xe9##", 6);

    RtlInitString(&src, "abcdefgh");
    RtlUpperString(&dst, &src);
    assert_int_equal(dst.Length, 6);
    assert_memory_equal(buffer, "ABCDEF", 6);
    free(buffer);
}

static void upcase_unicode_string_in_place_and_overflow(void **state)
{
    WCHAR text[] = L"mixed Case \x00e9\x0444";
    UNICODE_STRING s, dst;
    PWCH buffer;

    (void)state;
    set_unicode(&s, text);
    assert_status(RtlUpcaseUnicodeString(&s, &s, FALSE), STATUS_SUCCESS);
    assert_wide_equal(text, L"MIXED CASE \x00c9\x0424", WCHARS(text));

    buffer = make_wide_buffer(&dst, 8);
    dst.Length = 2;
    assert_status(RtlUpcaseUnicodeString(&dst, &s, FALSE), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dst.Length, 2);
    assert_wide_equal(buffer, L"####", 4);

    assert_status(RtlDowncaseUnicodeString(&s, &s, FALSE), STATUS_SUCCESS);
    assert_wide_equal(text, L"mixed case \x00e9\x0444", WCHARS(text));
    free(buffer);
}

static void upcase_unicode_string_allocating(void **state)
{
    UNICODE_STRING src, dst = { 0, 0, NULL }, empty = { 0, 0, NULL };

    (void)state;
    set_unicode(&src, L"abc\x0101");
    assert_status(RtlUpcaseUnicodeString(&dst, &src, TRUE), STATUS_SUCCESS);
    assert_non_null(dst.Buffer);
    assert_ptr_not_equal(dst.Buffer, src.Buffer);
    assert_int_equal(dst.Length, 8);
    assert_int_equal(dst.MaximumLength, 8);
    assert_wide_equal(dst.Buffer, L"ABC\x0100", 4);
    RtlFreeUnicodeString(&dst);
    assert_null(dst.Buffer);

    assert_status(RtlUpcaseUnicodeString(&dst, &empty, TRUE), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 0);
    assert_int_equal(dst.MaximumLength, 0);
    RtlFreeUnicodeString(&dst);
}

static void downcase_unicode_string_allocating_and_overflow(void **state)
{
    UNICODE_STRING src, dst = { 0, 0, NULL };
    WCHAR small[2];

    (void)state;
    set_unicode(&src, L"ABC \x0416\x0178");
    assert_status(RtlDowncaseUnicodeString(&dst, &src, TRUE), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 12);
    assert_wide_equal(dst.Buffer, L"abc \x0436\x00ff", 6);
    RtlFreeUnicodeString(&dst);

    dst.Buffer = small;
    dst.Length = 0;
    dst.MaximumLength = sizeof(small);
    assert_status(RtlDowncaseUnicodeString(&dst, &src, FALSE), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dst.Length, 0);
}

/* ---- ANSI (Latin-1) conversion --------------------------------------------------------------- */

static void unicode_to_ansi_string_converts_and_terminates(void **state)
{
    UNICODE_STRING src;
    ANSI_STRING dst;
    PCHAR buffer = make_narrow_buffer(&dst, 8);

    (void)state;
    set_unicode(&src, L"abc\x00e9");
    assert_status(RtlUnicodeStringToAnsiString(&dst, &src, FALSE), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 4);
    assert_int_equal(dst.MaximumLength, 8);
    assert_memory_equal(buffer, "abc\xe9\0###", 8);
    free(buffer);
}

static void unicode_to_ansi_string_partial_copy_overflows(void **state)
{
    UNICODE_STRING src;
    ANSI_STRING dst;
    PCHAR buffer = make_narrow_buffer(&dst, 5);

    (void)state;
    set_unicode(&src, L"abcdef");
    dst.Length = 8;
    assert_status(RtlUnicodeStringToAnsiString(&dst, &src, FALSE), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dst.Length, 4);
    assert_int_equal(dst.MaximumLength, 5);
    assert_memory_equal(buffer, "abcd", 5);
    free(buffer);

    buffer = make_narrow_buffer(&dst, 1);
    assert_status(RtlUnicodeStringToAnsiString(&dst, &src, FALSE), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dst.Length, 0);
    assert_int_equal(buffer[0], 0);
    free(buffer);
}

static void unicode_to_ansi_string_zero_capacity_touches_nothing(void **state)
{
    UNICODE_STRING src;
    ANSI_STRING dst = { 3, 0, NULL };

    (void)state;
    set_unicode(&src, L"abcdef");
    assert_status(RtlUnicodeStringToAnsiString(&dst, &src, FALSE), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dst.Length, 3);
    assert_int_equal(dst.MaximumLength, 0);
    assert_null(dst.Buffer);
}

static void unicode_to_ansi_maps_unmappable_to_question_mark(void **state)
{
    static const WCHAR text[] = L"\x0041\x00ff\x0100\x20ac\xd83d\xde00";
    CHAR out[8];
    ULONG written = 99;

    (void)state;
    memset(out, '#', sizeof(out));
    assert_status(RtlUnicodeToMultiByteN(out, sizeof(out), &written, text, sizeof(text) - sizeof(WCHAR)),
                  STATUS_SUCCESS);
    assert_int_equal(written, 6);
    assert_memory_equal(out, "A\xff????##", 8);
}

static void unicode_to_multibyte_n_truncates_silently(void **state)
{
    static const WCHAR text[] = L"abcdef";
    CHAR out[3];
    ULONG written = 99;

    (void)state;
    assert_status(RtlUnicodeToMultiByteN(out, sizeof(out), &written, text, 12), STATUS_SUCCESS);
    assert_int_equal(written, 3);
    assert_memory_equal(out, "abc", 3);
    assert_status(RtlUnicodeToMultiByteN(out, sizeof(out), NULL, text, 3), STATUS_SUCCESS); /* odd count */
    assert_int_equal(out[0], 'a');
}

static void multibyte_to_unicode_n_truncates_and_converts_in_place(void **state)
{
    WCHAR out[3];
    ULONG written = 99;
    union {
        WCHAR wide[6];
        CHAR narrow[12];
    } shared;

    (void)state;
    assert_status(RtlMultiByteToUnicodeN(out, sizeof(out), &written, "ab\xe9xyz", 6), STATUS_SUCCESS);
    assert_int_equal(written, 6);
    assert_wide_equal(out, L"ab\x00e9", 3);
    assert_status(RtlMultiByteToUnicodeN(out, 5, &written, "qrstu", 5), STATUS_SUCCESS);
    assert_int_equal(written, 4);
    assert_wide_equal(out, L"qr\x00e9", 3);

    memcpy(shared.narrow, "hello\xff", 6);
    assert_status(RtlMultiByteToUnicodeN(shared.wide, sizeof(shared.wide), &written, shared.narrow, 6),
                  STATUS_SUCCESS);
    assert_int_equal(written, 12);
    assert_wide_equal(shared.wide, L"hello\x00ff", 6);
}

static void ansi_unicode_size_helpers(void **state)
{
    UNICODE_STRING u;
    ANSI_STRING a;

    (void)state;
    set_unicode(&u, L"abcdef");
    assert_int_equal(RtlxUnicodeStringToAnsiSize(&u), 7);
    assert_int_equal(RtlUnicodeStringToAnsiSize(&u), 7);
    RtlInitAnsiString(&a, "abc");
    assert_int_equal(RtlxAnsiStringToUnicodeSize(&a), 8);
    assert_int_equal(RtlAnsiStringToUnicodeSize(&a), 8);
    RtlInitAnsiString(&a, "");
    assert_int_equal(RtlxAnsiStringToUnicodeSize(&a), 2);
}

static void ansi_unicode_roundtrip_allocating(void **state)
{
    ANSI_STRING ansi, back = { 0, 0, NULL };
    UNICODE_STRING uni = { 0, 0, NULL };

    (void)state;
    RtlInitAnsiString(&ansi, "Gr\xfc\xdf Gott \xa9");
    assert_status(RtlAnsiStringToUnicodeString(&uni, &ansi, TRUE), STATUS_SUCCESS);
    assert_int_equal(uni.Length, 22);
    assert_int_equal(uni.MaximumLength, 24);
    assert_wide_equal(uni.Buffer, L"Gr\x00fc\x00df Gott \x00a9", 12);

    assert_status(RtlUnicodeStringToAnsiString(&back, &uni, TRUE), STATUS_SUCCESS);
    assert_int_equal(back.Length, 11);
    assert_int_equal(back.MaximumLength, 12);
    assert_memory_equal(back.Buffer, "Gr\xfc\xdf Gott \xa9", 12);

    RtlFreeUnicodeString(&uni);
    RtlFreeAnsiString(&back);
    assert_null(uni.Buffer);
    assert_null(back.Buffer);
}

static void ansi_to_unicode_string_overflow_leaves_destination(void **state)
{
    ANSI_STRING src;
    UNICODE_STRING dst;
    PWCH buffer = make_wide_buffer(&dst, 7); /* "abc" needs 8 bytes with the NUL */

    (void)state;
    RtlInitAnsiString(&src, "abc");
    dst.Length = 2;
    assert_status(RtlAnsiStringToUnicodeString(&dst, &src, FALSE), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dst.Length, 2);
    assert_wide_equal(buffer, L"###", 3);
    free(buffer);

    buffer = make_wide_buffer(&dst, 8);
    assert_status(RtlAnsiStringToUnicodeString(&dst, &src, FALSE), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 6);
    assert_wide_equal(buffer, L"abc", 4);
    free(buffer);
}

static void ansi_to_unicode_string_too_long_is_invalid_parameter_2(void **state)
{
    ANSI_STRING src;
    UNICODE_STRING dst = { 0, 0, NULL };
    PCHAR text = malloc(32767);

    (void)state;
    assert_non_null(text);
    memset(text, 'a', 32767);
    src.Buffer = text;
    src.Length = src.MaximumLength = 32767; /* 65534 bytes + NUL is too much */
    assert_status(RtlAnsiStringToUnicodeString(&dst, &src, TRUE), STATUS_INVALID_PARAMETER_2);
    assert_null(dst.Buffer);

    src.Length = 32766; /* exactly MAXUSHORT - 1 bytes */
    assert_status(RtlAnsiStringToUnicodeString(&dst, &src, TRUE), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 65532);
    assert_int_equal(dst.MaximumLength, 65534);
    RtlFreeUnicodeString(&dst);
    free(text);
}

/* ---- UTF-8 --------------------------------------------------------------------------------- */

static void utf8_conversion_covers_every_encoding_length(void **state)
{
    static const WCHAR text[] = L"-\x007f-\x0080-\x07ff-\x0800-\xffff-\xd800\xdc00-\xdbff\xdfff-";
    static const char utf8[] = "-\x7f-\xc2\x80-\xdf\xbf-\xe0\xa0\x80-\xef\xbf\xbf-\xf0\x90\x80\x80-\xf4\x8f\xbf\xbf-";
    CHAR out[64];
    WCHAR back[32];
    ULONG n = 0;

    (void)state;
    assert_status(RtlUnicodeToUTF8N(out, sizeof(out), &n, text, sizeof(text) - sizeof(WCHAR)), STATUS_SUCCESS);
    assert_int_equal(n, sizeof(utf8) - 1);
    assert_memory_equal(out, utf8, n);

    assert_status(RtlUTF8ToUnicodeN(back, sizeof(back), &n, utf8, sizeof(utf8) - 1), STATUS_SUCCESS);
    assert_int_equal(n, sizeof(text) - sizeof(WCHAR));
    assert_wide_equal(back, text, WCHARS(text) - 1);

    /* an included NUL is converted like any other character */
    assert_status(RtlUnicodeToUTF8N(out, sizeof(out), &n, L"A\0b", 6), STATUS_SUCCESS);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "A\0b", 3);
}

static void utf8_conversion_surrogates(void **state)
{
    static const struct {
        WCHAR text[6];
        ULONG units;
        const char *utf8;
        NTSTATUS status;
    } cases[] = {
        { L"\xd83d\xde00", 2, "\xf0\x9f\x98\x80", STATUS_SUCCESS },
        { L"-\xd800-", 3, "-\xef\xbf\xbd-", STATUS_SOME_NOT_MAPPED },
        { L"-\xdc00-", 3, "-\xef\xbf\xbd-", STATUS_SOME_NOT_MAPPED },
        { L"\xdfff\xdbff", 2, "\xef\xbf\xbd\xef\xbf\xbd", STATUS_SOME_NOT_MAPPED },
        { L"a\xd800", 2, "a\xef\xbf\xbd", STATUS_SOME_NOT_MAPPED },
        { L"\xfeff\xfffe", 2, "\xef\xbb\xbf\xef\xbf\xbe", STATUS_SUCCESS },
    };
    size_t i;

    (void)state;
    for (i = 0; i < WCHARS(cases); i++) {
        CHAR out[16];
        ULONG n = 0;

        assert_status(RtlUnicodeToUTF8N(out, sizeof(out), &n, cases[i].text, cases[i].units * sizeof(WCHAR)),
                      cases[i].status);
        assert_int_equal(n, strlen(cases[i].utf8));
        assert_memory_equal(out, cases[i].utf8, n);
    }
}

static void utf8_to_unicode_replaces_malformed_input(void **state)
{
    static const struct {
        const char *utf8;
        WCHAR expected[12];
    } cases[] = {
        { "-\xed\xa0\x80-", L"-\xfffd\xfffd-" },             /* encoded surrogate */
        { "-\xed\xaf\xbf\xed\xbf\xbf-", L"-\xfffd\xfffd\xfffd\xfffd-" },
        { "-\xf4\x90\x80\x80-", L"-\xfffd\xfffd\xfffd-" },   /* above U+10FFFF */
        { "-\xf7\xbf\xbf\xbf-", L"-\xfffd\xfffd\xfffd\xfffd-" },
        { "-\xc0\xad-\xc1\xbf-", L"-\xfffd\xfffd-\xfffd\xfffd-" }, /* overlong */
        { "-\xe0\x80\xad-", L"-\xfffd\xfffd-" },
        { "-\xf0\x80\x80\xad-", L"-\xfffd\xfffd\xfffd-" },
        { "\xfe\xff", L"\xfffd\xfffd" },
        { "\xff\x40\x80", L"\xfffd\x0040\xfffd" },
        { "\x80\xbf", L"\xfffd\xfffd" },                      /* lone continuations */
        { "\xc2-", L"\xfffd-" },                              /* cut short */
        { "\xe0\xa0-", L"\xfffd-" },
        { "\xf0\x90\x80-", L"\xfffd-" },
        { "\xe0\xa0\x80\x80-", L"\x0800\xfffd-" },
        { "\xe4\xb8", L"\xfffd" },                            /* cut by the end of input */
    };
    size_t i;

    (void)state;
    for (i = 0; i < WCHARS(cases); i++) {
        WCHAR out[16];
        ULONG n = 0;
        size_t expected = wide_len(cases[i].expected);

        assert_status(RtlUTF8ToUnicodeN(out, sizeof(out), &n, cases[i].utf8, (ULONG)strlen(cases[i].utf8)),
                      STATUS_SOME_NOT_MAPPED);
        assert_int_equal(n, expected * sizeof(WCHAR));
        assert_wide_equal(out, cases[i].expected, expected);
    }
}

static void unicode_to_utf8_n_parameter_checks(void **state)
{
    static const WCHAR text[] = L"ab";
    CHAR out[8];
    ULONG n = 0x55555555;

    (void)state;
    assert_status(RtlUnicodeToUTF8N(NULL, 0, NULL, NULL, 0), STATUS_INVALID_PARAMETER_4);
    assert_status(RtlUnicodeToUTF8N(NULL, 0, &n, NULL, 0), STATUS_INVALID_PARAMETER_4);
    assert_int_equal(n, 0x55555555);
    assert_status(RtlUnicodeToUTF8N(NULL, 0, NULL, text, 4), STATUS_INVALID_PARAMETER);
    assert_status(RtlUnicodeToUTF8N(out, sizeof(out), &n, text, 3), STATUS_INVALID_PARAMETER_5);
    assert_int_equal(n, 0x55555555);
    /* without an output buffer a trailing odd byte is ignored */
    assert_status(RtlUnicodeToUTF8N(NULL, 0, &n, text, 3), STATUS_SUCCESS);
    assert_int_equal(n, 1);
    assert_status(RtlUnicodeToUTF8N(out, sizeof(out), NULL, text, 4), STATUS_SUCCESS);
    assert_memory_equal(out, "ab", 2);
}

static void unicode_to_utf8_n_buffer_too_small_writes_whole_characters(void **state)
{
    static const WCHAR text[] = L"X\x0080\xd800"; /* 1 + 2 + 3 bytes, then the NUL */
    static const ULONG fits[] = { 0, 1, 1, 3, 3, 3, 6 };
    CHAR out[8];
    ULONG size, n;

    (void)state;
    assert_status(RtlUnicodeToUTF8N(NULL, 0, &n, text, sizeof(text)), STATUS_SOME_NOT_MAPPED);
    assert_int_equal(n, 7);
    for (size = 0; size < 7; size++) {
        memset(out, '#', sizeof(out));
        n = 99;
        assert_status(RtlUnicodeToUTF8N(out, size, &n, text, sizeof(text)), STATUS_BUFFER_TOO_SMALL);
        assert_int_equal(n, fits[size]);
        assert_memory_equal(out, "X\xc2\x80\xef\xbf\xbd", n);
        assert_int_equal(out[n], '#');
    }
    assert_status(RtlUnicodeToUTF8N(out, 7, &n, text, sizeof(text)), STATUS_SOME_NOT_MAPPED);
    assert_int_equal(n, 7);
    assert_memory_equal(out, "X\xc2\x80\xef\xbf\xbd", 7);
}

static void utf8_to_unicode_n_parameter_checks_and_size_query(void **state)
{
    static const char text[] = "X\xc2\x80\xf0\x90\x80\x80"; /* 1 + 1 + 2 units, then the NUL */
    static const ULONG units_for_length[] = { 0, 1, 2, 2, 3, 3, 3, 4, 5 };
    static const NTSTATUS status_for_length[] = { STATUS_SUCCESS,         STATUS_SUCCESS,         STATUS_SOME_NOT_MAPPED,
                                                  STATUS_SUCCESS,         STATUS_SOME_NOT_MAPPED, STATUS_SOME_NOT_MAPPED,
                                                  STATUS_SOME_NOT_MAPPED, STATUS_SUCCESS,         STATUS_SUCCESS };
    ULONG n = 0x55555555, len;

    (void)state;
    assert_status(RtlUTF8ToUnicodeN(NULL, 0, NULL, NULL, 0), STATUS_INVALID_PARAMETER_4);
    assert_status(RtlUTF8ToUnicodeN(NULL, 0, &n, NULL, 0), STATUS_INVALID_PARAMETER_4);
    assert_int_equal(n, 0x55555555);
    assert_status(RtlUTF8ToUnicodeN(NULL, 0, NULL, "", 0), STATUS_INVALID_PARAMETER);
    assert_status(RtlUTF8ToUnicodeN(NULL, 0, &n, "", 1), STATUS_SUCCESS);
    assert_int_equal(n, sizeof(WCHAR));
    for (len = 0; len < WCHARS(units_for_length); len++) {
        assert_status(RtlUTF8ToUnicodeN(NULL, 0, &n, text, len), status_for_length[len]);
        assert_int_equal(n, units_for_length[len] * sizeof(WCHAR));
    }
}

static void utf8_to_unicode_n_buffer_too_small(void **state)
{
    static const char text[] = "X\xc2\x80\xf0\x90\x80\x80";
    static const WCHAR expected[] = L"X\x0080\xd800\xdc00";
    WCHAR out[8];
    ULONG size, n;

    (void)state;
    for (size = 0; size < 10; size++) {
        size_t units = size / sizeof(WCHAR);

        memset(out, 0x55, sizeof(out));
        n = 99;
        assert_status(RtlUTF8ToUnicodeN(out, size, &n, text, sizeof(text)), STATUS_BUFFER_TOO_SMALL);
        assert_int_equal(n, units * sizeof(WCHAR)); /* a surrogate pair may be split */
        assert_wide_equal(out, expected, units);
        assert_int_equal(out[units], 0x5555);
    }
    assert_status(RtlUTF8ToUnicodeN(out, 10, &n, text, sizeof(text)), STATUS_SUCCESS);
    assert_int_equal(n, 10);
    assert_wide_equal(out, expected, 5);
}

static void unicode_to_utf8_string_allocating_roundtrip(void **state)
{
    UNICODE_STRING src, back = { 0, 0, NULL };
    UTF8_STRING utf8 = { 0, 0, NULL };

    (void)state;
    set_unicode(&src, L"h\x00e9llo \x20ac \xd83d\xde00");
    assert_status(RtlUnicodeStringToUTF8String(&utf8, &src, TRUE), STATUS_SUCCESS);
    assert_int_equal(utf8.Length, 15);
    assert_int_equal(utf8.MaximumLength, 16);
    assert_memory_equal(utf8.Buffer, "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 16);

    assert_status(RtlUTF8StringToUnicodeString(&back, &utf8, TRUE), STATUS_SUCCESS);
    assert_int_equal(back.Length, src.Length);
    assert_int_equal(back.MaximumLength, src.Length + sizeof(WCHAR));
    assert_true(RtlEqualUnicodeString(&src, &back, FALSE));
    assert_int_equal(back.Buffer[back.Length / sizeof(WCHAR)], 0);

    RtlFreeUTF8String(&utf8);
    RtlFreeUnicodeString(&back);
    assert_null(utf8.Buffer);
}

static void unicode_to_utf8_string_partial_copy_overflows(void **state)
{
    UNICODE_STRING src;
    UTF8_STRING dst = { 9, 0, NULL };
    PCHAR buffer;

    (void)state;
    set_unicode(&src, L"a\x00e9\x20ac");                     /* 1 + 2 + 3 bytes */
    assert_status(RtlUnicodeStringToUTF8String(&dst, &src, FALSE), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dst.Length, 9);                         /* MaximumLength 0: untouched */

    buffer = make_narrow_buffer(&dst, 5);
    assert_status(RtlUnicodeStringToUTF8String(&dst, &src, FALSE), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dst.Length, 3);                         /* no half characters */
    assert_memory_equal(buffer, "a\xc3\xa9\0#", 5);
    free(buffer);

    buffer = make_narrow_buffer(&dst, 7);
    assert_status(RtlUnicodeStringToUTF8String(&dst, &src, FALSE), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 6);
    assert_memory_equal(buffer, "a\xc3\xa9\xe2\x82\xac", 7);
    free(buffer);

    set_unicode(&src, L"x\xdc00");
    buffer = make_narrow_buffer(&dst, 8);
    assert_status(RtlUnicodeStringToUTF8String(&dst, &src, FALSE), STATUS_SOME_NOT_MAPPED);
    assert_int_equal(dst.Length, 4);
    assert_memory_equal(buffer, "x\xef\xbf\xbd", 5);
    free(buffer);
}

static void utf8_to_unicode_string_overflow_leaves_destination(void **state)
{
    UTF8_STRING src;
    UNICODE_STRING dst;
    PWCH buffer = make_wide_buffer(&dst, 6); /* "a\xc3\xa9z" needs 3 units + NUL */

    (void)state;
    RtlInitUTF8String(&src, "a\xc3\xa9z");
    assert_status(RtlUTF8StringToUnicodeString(&dst, &src, FALSE), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dst.Length, 0);
    assert_wide_equal(buffer, L"###", 3);
    free(buffer);

    buffer = make_wide_buffer(&dst, 8);
    assert_status(RtlUTF8StringToUnicodeString(&dst, &src, FALSE), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 6);
    assert_wide_equal(buffer, L"a\x00e9z", 4);

    RtlInitUTF8String(&src, "\xff");
    assert_status(RtlUTF8StringToUnicodeString(&dst, &src, FALSE), STATUS_SOME_NOT_MAPPED);
    assert_int_equal(dst.Length, 2);
    assert_wide_equal(buffer, L"\xfffd", 2);
    free(buffer);
}

static void utf8_string_conversions_reject_results_over_maxushort(void **state)
{
    const size_t chars = 21846; /* U+20AC is 3 UTF-8 bytes: 65539 bytes with the NUL */
    PWCH wide = malloc(chars * sizeof(WCHAR));
    PCHAR narrow = malloc(0xFFFF);
    UNICODE_STRING u, out = { 0, 0, NULL };
    UTF8_STRING utf8 = { 0, 0, NULL };
    size_t i;

    (void)state;
    assert_non_null(wide);
    assert_non_null(narrow);
    for (i = 0; i < chars; i++)
        wide[i] = 0x20AC;
    u.Buffer = wide;
    u.Length = u.MaximumLength = (USHORT)(chars * sizeof(WCHAR));
    assert_status(RtlUnicodeStringToUTF8String(&utf8, &u, TRUE), STATUS_INVALID_PARAMETER_2);
    assert_null(utf8.Buffer);
    wide[chars - 2] = L'a'; /* 65532 + 1 + 3 bytes + NUL = 65537: still too long */
    assert_status(RtlUnicodeStringToUTF8String(&utf8, &u, TRUE), STATUS_INVALID_PARAMETER_2);
    wide[chars - 1] = L'b'; /* 65532 + 2 bytes + NUL = MAXUSHORT: fits */
    assert_status(RtlUnicodeStringToUTF8String(&utf8, &u, TRUE), STATUS_SUCCESS);
    assert_int_equal(utf8.Length, 65534);
    assert_int_equal(utf8.MaximumLength, 65535);
    RtlFreeUTF8String(&utf8);

    memset(narrow, 'a', 0xFFFF);
    utf8.Buffer = narrow;
    utf8.Length = utf8.MaximumLength = 0xFFFF;
    assert_status(RtlUTF8StringToUnicodeString(&out, &utf8, TRUE), STATUS_INVALID_PARAMETER_2);
    assert_null(out.Buffer);
    free(wide);
    free(narrow);
}

/* ---- allocation and release ----------------------------------------------------------------- */

static void free_routines_release_and_clear(void **state)
{
    UNICODE_STRING u = { 0, 0, NULL };
    ANSI_STRING a = { 0, 0, NULL };
    UTF8_STRING n = { 4, 4, NULL };

    (void)state;
    assert_true(RtlCreateUnicodeString(&u, L"text"));
    RtlFreeUnicodeString(&u);
    assert_null(u.Buffer);
    assert_int_equal(u.Length, 0);
    assert_int_equal(u.MaximumLength, 0);
    RtlFreeUnicodeString(&u); /* a second free of the cleared string is harmless */

    set_unicode(&u, L"ansi");
    assert_status(RtlUnicodeStringToAnsiString(&a, &u, TRUE), STATUS_SUCCESS);
    RtlFreeAnsiString(&a);
    assert_null(a.Buffer);
    assert_int_equal(a.MaximumLength, 0);

    RtlFreeUTF8String(NULL);
    RtlFreeUTF8String(&n); /* no buffer: nothing to do */
    assert_int_equal(n.Length, 4);
}

static void create_unicode_string_copies_with_terminator(void **state)
{
    static const WCHAR text[] = L"\\Driver\\Test";
    UNICODE_STRING s = { 0, 0, NULL };

    (void)state;
    assert_true(RtlCreateUnicodeString(&s, text));
    assert_ptr_not_equal(s.Buffer, text);
    assert_int_equal(s.Length, sizeof(text) - sizeof(WCHAR));
    assert_int_equal(s.MaximumLength, sizeof(text));
    assert_wide_equal(s.Buffer, text, WCHARS(text));
    RtlFreeUnicodeString(&s);

    assert_false(RtlCreateUnicodeString(&s, NULL));
    assert_null(s.Buffer);
    assert_true(RtlCreateUnicodeString(&s, L""));
    assert_int_equal(s.Length, 0);
    assert_int_equal(s.MaximumLength, 2);
    assert_int_equal(s.Buffer[0], 0);
    RtlFreeUnicodeString(&s);
}

static void create_unicode_string_rejects_overlong_source(void **state)
{
    const size_t chars = 32767;
    PWCH text = malloc((chars + 1) * sizeof(WCHAR));
    UNICODE_STRING s = { 0, 0, NULL };
    size_t i;

    (void)state;
    assert_non_null(text);
    for (i = 0; i < chars; i++)
        text[i] = L'y';
    text[chars] = 0;
    assert_false(RtlCreateUnicodeString(&s, text));
    assert_null(s.Buffer);
    text[chars - 1] = 0;
    assert_true(RtlCreateUnicodeString(&s, text));
    assert_int_equal(s.Length, 65532);
    assert_int_equal(s.MaximumLength, 65534);
    RtlFreeUnicodeString(&s);
    free(text);
}

static void duplicate_unicode_string_honours_flags(void **state)
{
    WCHAR text[] = L"This is a string";
    UNICODE_STRING src = { 32, 32, text }, empty = { 0, 0, NULL }, out;

    (void)state;
    assert_status(RtlDuplicateUnicodeString(0, &src, &out), STATUS_SUCCESS);
    assert_ptr_not_equal(out.Buffer, text);
    assert_int_equal(out.Length, 32);
    assert_int_equal(out.MaximumLength, 32);
    assert_wide_equal(out.Buffer, text, 16);
    RtlFreeUnicodeString(&out);

    assert_status(RtlDuplicateUnicodeString(RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE, &src, &out),
                  STATUS_SUCCESS);
    assert_int_equal(out.Length, 32);
    assert_int_equal(out.MaximumLength, 34);
    assert_wide_equal(out.Buffer, text, 17);
    RtlFreeUnicodeString(&out);

    out.Buffer = text;
    assert_status(RtlDuplicateUnicodeString(1, &empty, &out), STATUS_SUCCESS);
    assert_null(out.Buffer);
    assert_int_equal(out.Length, 0);
    assert_int_equal(out.MaximumLength, 0);

    assert_status(RtlDuplicateUnicodeString(3, &empty, &out), STATUS_SUCCESS);
    assert_non_null(out.Buffer);
    assert_int_equal(out.Length, 0);
    assert_int_equal(out.MaximumLength, 2);
    assert_int_equal(out.Buffer[0], 0);
    RtlFreeUnicodeString(&out);
}

static void duplicate_unicode_string_rejects_bad_arguments(void **state)
{
    WCHAR text[] = L"This is a string";
    UNICODE_STRING src = { 32, 30, text }, nobuf = { 0, 2, NULL }, good = { 32, 34, text };
    UNICODE_STRING out = { 40, 42, text };
    ULONG flags;

    (void)state;
    assert_status(RtlDuplicateUnicodeString(0, &src, &out), STATUS_INVALID_PARAMETER);   /* Length > Max */
    assert_status(RtlDuplicateUnicodeString(0, &nobuf, &out), STATUS_INVALID_PARAMETER); /* no buffer */
    assert_status(RtlDuplicateUnicodeString(2, &good, &out), STATUS_INVALID_PARAMETER);
    for (flags = 4; flags < 20; flags++)
        assert_status(RtlDuplicateUnicodeString(flags, &good, &out), STATUS_INVALID_PARAMETER);
    assert_status(RtlDuplicateUnicodeString(0xFFFFFFFF, &good, &out), STATUS_INVALID_PARAMETER);
    assert_status(RtlDuplicateUnicodeString(0, NULL, &out), STATUS_INVALID_PARAMETER);
    assert_status(RtlDuplicateUnicodeString(0, &good, NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(out.Length, 40);
    assert_int_equal(out.MaximumLength, 42);
    assert_ptr_equal(out.Buffer, text);
}

/* ---- integers ------------------------------------------------------------------------------- */

static void integer_to_unicode_bases(void **state)
{
    static const struct {
        ULONG value;
        ULONG base;
        PCWSTR text;
    } cases[] = {
        { 123, 10, L"123" },
        { 0, 0, L"0" },
        { 0x80000000u, 0, L"2147483648" },
        { 0xFFFFFFFFu, 10, L"4294967295" },
        { 0xFFFFFFFFu, 2, L"11111111111111111111111111111111" },
        { 1000, 2, L"1111101000" },
        { 0xFFFFFFFEu, 8, L"37777777776" },
        { 0x7FFFFFFFu, 16, L"7FFFFFFF" },
        { 0xABCDEFu, 16, L"ABCDEF" },
    };
    WCHAR buffer[40];
    size_t i;

    (void)state;
    for (i = 0; i < WCHARS(cases); i++) {
        UNICODE_STRING s = { 0, sizeof(buffer), buffer };
        size_t len = wide_len(cases[i].text);

        assert_status(RtlIntegerToUnicodeString(cases[i].value, cases[i].base, &s), STATUS_SUCCESS);
        assert_int_equal(s.Length, len * sizeof(WCHAR));
        assert_wide_equal(buffer, cases[i].text, len + 1);
    }
}

static void integer_to_unicode_exact_fit_has_no_terminator(void **state)
{
    UNICODE_STRING s;
    PWCH buffer = make_wide_buffer(&s, 16);

    (void)state;
    s.Length = 4; /* previous contents are replaced, not appended to */
    assert_status(RtlIntegerToUnicodeString(0xFFFFFFFFu, 16, &s), STATUS_SUCCESS);
    assert_int_equal(s.Length, 16);
    assert_wide_equal(buffer, L"FFFFFFFF", 8);
    free(buffer);

    buffer = make_wide_buffer(&s, 2);
    assert_status(RtlIntegerToUnicodeString(10, 16, &s), STATUS_SUCCESS);
    assert_int_equal(s.Length, 2);
    assert_int_equal(buffer[0], L'A');
    free(buffer);
}

static void integer_to_unicode_buffer_overflow(void **state)
{
    UNICODE_STRING s;
    PWCH buffer = make_wide_buffer(&s, 14);

    (void)state;
    s.Length = 2;
    assert_status(RtlIntegerToUnicodeString(0xFFFFFFFFu, 16, &s), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(s.Length, 2);
    assert_int_equal(s.MaximumLength, 14);
    assert_wide_equal(buffer, L"#######", 7);
    free(buffer);

    s.Buffer = NULL;
    s.Length = 0;
    s.MaximumLength = 0;
    assert_status(RtlIntegerToUnicodeString(0, 16, &s), STATUS_BUFFER_OVERFLOW);
}

static void integer_to_unicode_invalid_base(void **state)
{
    WCHAR buffer[8] = L"-------";
    UNICODE_STRING s = { 0, sizeof(buffer), buffer };
    static const ULONG bad[] = { 1, 3, 7, 9, 11, 20, 36, 0xFFFFFFF8u };
    size_t i;

    (void)state;
    for (i = 0; i < WCHARS(bad); i++) {
        assert_status(RtlIntegerToUnicodeString(12, bad[i], &s), STATUS_INVALID_PARAMETER);
        assert_status(RtlInt64ToUnicodeString(12, bad[i], &s), STATUS_INVALID_PARAMETER);
    }
    assert_int_equal(s.Length, 0);
    assert_wide_equal(buffer, L"-------", 8);
}

static void int64_to_unicode_string_values(void **state)
{
    WCHAR buffer[70];
    UNICODE_STRING s = { 0, sizeof(buffer), buffer };
    UNICODE_STRING tiny = { 0, 38, buffer }; /* 19 characters */

    (void)state;
    assert_status(RtlInt64ToUnicodeString(0xFFFFFFFFFFFFFFFFull, 10, &s), STATUS_SUCCESS);
    assert_int_equal(s.Length, 40);
    assert_wide_equal(buffer, L"18446744073709551615", 21);
    assert_status(RtlInt64ToUnicodeString(0x123456789ABCDEFull, 16, &s), STATUS_SUCCESS);
    assert_wide_equal(buffer, L"123456789ABCDEF", 16);
    assert_status(RtlInt64ToUnicodeString(0x8000000000000000ull, 2, &s), STATUS_SUCCESS);
    assert_int_equal(s.Length, 128);
    assert_int_equal(buffer[0], L'1');
    assert_int_equal(buffer[63], L'0');
    assert_int_equal(buffer[64], 0);
    assert_status(RtlInt64ToUnicodeString(01777777777777777777777ull, 8, &s), STATUS_SUCCESS);
    assert_wide_equal(buffer, L"1777777777777777777777", 23);
    assert_status(RtlInt64ToUnicodeString(0xFFFFFFFFFFFFFFFFull, 0, &tiny), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(tiny.Length, 0);
}

static void unicode_to_integer_bases_and_signs(void **state)
{
    static const struct {
        ULONG base;
        PCWSTR text;
        ULONG value;
    } cases[] = {
        { 0, L"1234567", 1234567 },
        { 0, L"-214", (ULONG)-214 },
        { 0, L"+214", 214 },
        { 0, L"--214", 0 },
        { 0, L"+-214", 0 },
        { 0, L" \n \r \t-214", (ULONG)-214 },
        { 0, L"\x01\x02\x03\x04" L"11", 11 },
        { 0, L"+214 0", 214 },
        { 0, L" 214.01", 214 },
        { 0, L"f81", 0 },
        { 0, L"0x12345", 0x12345 },
        { 0, L"00x12345", 0 },
        { 0, L"1x34", 1 },
        { 0, L"0b1011101100", 748 },
        { 0, L"-0b10123456789", (ULONG)-5 },
        { 0, L"0o1234567", 01234567 },
        { 0, L"0o56789", 0567 },
        { 0, L"056789", 56789 },
        { 0, L"0xabcdefgh", 0xabcdef },
        { 0, L"-0xFEDCBA00", 19088896 },
        { 0, L"0x", 0 },
        { 0, L"0X12", 0 },
        { 0, L"4294967295", 0xFFFFFFFFu },
        { 0, L"4294967296", 0 },
        { 0, L"9999999999", 1410065407 },
        { 0, L"-9999999999", (ULONG)-1410065407 },
        { 2, L"-1011101100", (ULONG)-748 },
        { 2, L"0b1011101100", 0 },
        { 8, L"789", 7 },
        { 10, L"+678abc", 678 },
        { 16, L"+678abc", 0x678abc },
        { 16, L"0b1011101100", 0xb1011101100ull & 0xFFFFFFFFu },
        { 16, L"FGH", 15 },
        { 10, L"007", 7 },
        { 10, L"xyz", 0 },
        { 10, L" ", 0 },
    };
    size_t i;

    (void)state;
    for (i = 0; i < WCHARS(cases); i++) {
        UNICODE_STRING s;
        ULONG value = 0xdeadbeef;

        set_unicode(&s, cases[i].text);
        assert_status(RtlUnicodeStringToInteger(&s, cases[i].base, &value), STATUS_SUCCESS);
        if (value != cases[i].value)
            fail_msg("case %zu: got %u, expected %u", i, (unsigned)value, (unsigned)cases[i].value);
    }
}

static void unicode_to_integer_errors(void **state)
{
    UNICODE_STRING s, empty = { 0, 0, NULL };
    ULONG value = 0xdeadbeef;

    (void)state;
    set_unicode(&s, L"1234567");
    assert_status(RtlUnicodeStringToInteger(&s, 20, &value), STATUS_INVALID_PARAMETER);
    assert_status(RtlUnicodeStringToInteger(&s, 1, &value), STATUS_INVALID_PARAMETER);
    assert_status(RtlUnicodeStringToInteger(&empty, 10, &value), STATUS_INVALID_PARAMETER);
    assert_int_equal(value, 0xdeadbeef);
    assert_status(RtlUnicodeStringToInteger(&s, 10, NULL), STATUS_ACCESS_VIOLATION);
}

static void unicode_to_integer_respects_length(void **state)
{
    UNICODE_STRING s;
    ULONG value = 0;

    (void)state;
    set_unicode(&s, L"1234567");
    s.Length = 10;
    assert_status(RtlUnicodeStringToInteger(&s, 0, &value), STATUS_SUCCESS);
    assert_int_equal(value, 12345);
    s.Length = 5;
    assert_status(RtlUnicodeStringToInteger(&s, 0, &value), STATUS_SUCCESS);
    assert_int_equal(value, 12);
    s.Length = 4;
    s.Buffer = (PWCH)L"0x1F"; /* "0x" with no room for digits */
    assert_status(RtlUnicodeStringToInteger(&s, 0, &value), STATUS_SUCCESS);
    assert_int_equal(value, 0);
}

static void unicode_to_int64_values_and_end_pointer(void **state)
{
    static const WCHAR text[] = L"  -9223372036854775808 tail";
    UNICODE_STRING s;
    LONG64 number = 0;
    PWSTR end = NULL;

    (void)state;
    set_unicode(&s, text);
    assert_status(RtlUnicodeStringToInt64(&s, 0, &number, &end), STATUS_SUCCESS);
    assert_true(number == INT64_MIN);
    assert_ptr_equal(end, s.Buffer + 22);

    set_unicode(&s, L"0x7fffffffffffffff");
    assert_status(RtlUnicodeStringToInt64(&s, 0, &number, NULL), STATUS_SUCCESS);
    assert_true(number == INT64_MAX);

    set_unicode(&s, L"-0b101z");
    assert_status(RtlUnicodeStringToInt64(&s, 0, &number, &end), STATUS_SUCCESS);
    assert_true(number == -5);
    assert_ptr_equal(end, s.Buffer + 6);

    set_unicode(&s, L"zzz");
    assert_status(RtlUnicodeStringToInt64(&s, 10, &number, &end), STATUS_SUCCESS);
    assert_true(number == 0);
    assert_ptr_equal(end, s.Buffer);
}

static void unicode_to_int64_overflow_and_errors(void **state)
{
    UNICODE_STRING s, empty = { 0, 0, NULL };
    LONG64 number = 77;

    (void)state;
    set_unicode(&s, L"9223372036854775808");
    assert_status(RtlUnicodeStringToInt64(&s, 10, &number, NULL), STATUS_INTEGER_OVERFLOW);
    set_unicode(&s, L"-9223372036854775809");
    assert_status(RtlUnicodeStringToInt64(&s, 10, &number, NULL), STATUS_INTEGER_OVERFLOW);
    set_unicode(&s, L"0x10000000000000000");
    assert_status(RtlUnicodeStringToInt64(&s, 0, &number, NULL), STATUS_INTEGER_OVERFLOW);
    assert_true(number == 77);
    set_unicode(&s, L"12");
    assert_status(RtlUnicodeStringToInt64(&s, 5, &number, NULL), STATUS_INVALID_PARAMETER);
    assert_status(RtlUnicodeStringToInt64(&empty, 10, &number, NULL), STATUS_INVALID_PARAMETER);
    assert_status(RtlUnicodeStringToInt64(&s, 10, NULL, NULL), STATUS_ACCESS_VIOLATION);
    assert_true(number == 77);
}

static void char_to_integer_parses_like_unicode_variant(void **state)
{
    ULONG value = 0;

    (void)state;
    assert_status(RtlCharToInteger("  -0x1A", 0, &value), STATUS_SUCCESS);
    assert_int_equal(value, (ULONG)-26);
    assert_status(RtlCharToInteger("0o17", 0, &value), STATUS_SUCCESS);
    assert_int_equal(value, 15);
    assert_status(RtlCharToInteger("101", 2, &value), STATUS_SUCCESS);
    assert_int_equal(value, 5);
    assert_status(RtlCharToInteger("ffz", 16, &value), STATUS_SUCCESS);
    assert_int_equal(value, 255);
    assert_status(RtlCharToInteger("", 10, &value), STATUS_SUCCESS);
    assert_int_equal(value, 0);
    assert_status(RtlCharToInteger("12", 20, &value), STATUS_INVALID_PARAMETER);
    assert_status(RtlCharToInteger("12", 20, NULL), STATUS_INVALID_PARAMETER);
    assert_status(RtlCharToInteger("12", 10, NULL), STATUS_ACCESS_VIOLATION);
}

static void integer_to_char_terminator_rules(void **state)
{
    CHAR out[12];

    (void)state;
    memset(out, '-', sizeof(out));
    assert_status(RtlIntegerToChar(123, 10, 11, out), STATUS_SUCCESS);
    assert_memory_equal(out, "123\0-", 5);

    memset(out, '-', sizeof(out));
    assert_status(RtlIntegerToChar(0xFFFFFFFFu, 16, 8, out), STATUS_SUCCESS);
    assert_memory_equal(out, "FFFFFFFF-", 9);

    memset(out, '-', sizeof(out));
    assert_status(RtlIntegerToChar(0xFFFFFFFFu, 16, 7, out), STATUS_BUFFER_OVERFLOW);
    assert_status(RtlIntegerToChar(5, 10, -1, out), STATUS_BUFFER_OVERFLOW);
    assert_memory_equal(out, "------------", 12);

    assert_status(RtlIntegerToChar(123, 20, 11, NULL), STATUS_INVALID_PARAMETER);
    assert_status(RtlIntegerToChar(123, 10, 0, NULL), STATUS_BUFFER_OVERFLOW);
    assert_status(RtlIntegerToChar(123, 10, 11, NULL), STATUS_ACCESS_VIOLATION);
}

/* ---- hashing ------------------------------------------------------------------------------- */

static void hash_unicode_string_x65599_known_value(void **state)
{
    static const struct {
        PCWSTR text;
        BOOLEAN insensitive;
        ULONG hash;
    } cases[] = {
        { L"T", FALSE, 0x00000054 },         { L"Test", FALSE, 0x766bb952 },
        { L"TeSt", FALSE, 0x764bb172 },      { L"test", FALSE, 0x4745d132 },
        { L"test", TRUE, 0x6689c132 },       { L"TEST", TRUE, 0x6689c132 },
        { L"TEST", FALSE, 0x6689c132 },      { L"t\x00e9st", FALSE, 0x8845cfb6 },
        { L"t\x00e9st", TRUE, 0xa789bfb6 },  { L"T\x00c9ST", TRUE, 0xa789bfb6 },
        { L"abcdef", FALSE, 0x971318c3 },
    };
    static const WCHAR embedded[] = { 'T', 'e', 's', 't', 0, '1' };
    UNICODE_STRING s;
    ULONG hash;
    size_t i;

    (void)state;
    for (i = 0; i < WCHARS(cases); i++) {
        set_unicode(&s, cases[i].text);
        hash = 0;
        assert_status(RtlHashUnicodeString(&s, cases[i].insensitive, HASH_STRING_ALGORITHM_X65599, &hash),
                      STATUS_SUCCESS);
        assert_int_equal(hash, cases[i].hash);
        assert_status(RtlHashUnicodeString(&s, cases[i].insensitive, HASH_STRING_ALGORITHM_DEFAULT, &hash),
                      STATUS_SUCCESS);
        assert_int_equal(hash, cases[i].hash);
    }
    s.Buffer = (PWCH)embedded;
    s.Length = s.MaximumLength = sizeof(embedded);
    assert_status(RtlHashUnicodeString(&s, FALSE, HASH_STRING_ALGORITHM_X65599, &hash), STATUS_SUCCESS);
    assert_int_equal(hash, 0x32803083);

    s.Length = 0;
    assert_status(RtlHashUnicodeString(&s, TRUE, HASH_STRING_ALGORITHM_X65599, &hash), STATUS_SUCCESS);
    assert_int_equal(hash, 0);
}

static void hash_unicode_string_rejects_invalid_parameters(void **state)
{
    UNICODE_STRING s;
    ULONG hash = 0x1234;

    (void)state;
    set_unicode(&s, L"Test");
    assert_status(RtlHashUnicodeString(NULL, FALSE, HASH_STRING_ALGORITHM_X65599, &hash), STATUS_INVALID_PARAMETER);
    assert_status(RtlHashUnicodeString(&s, FALSE, HASH_STRING_ALGORITHM_X65599, NULL), STATUS_INVALID_PARAMETER);
    assert_status(RtlHashUnicodeString(&s, FALSE, HASH_STRING_ALGORITHM_INVALID, &hash), STATUS_INVALID_PARAMETER);
    assert_status(RtlHashUnicodeString(&s, FALSE, 2, &hash), STATUS_INVALID_PARAMETER);
    assert_int_equal(hash, 0x1234);
}

/* ---- GUIDs ------------------------------------------------------------------------------- */

static const GUID test_guid = { 0x01020304, 0x0506, 0x0708, { 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x0A } };

static void guid_string_roundtrip(void **state)
{
    UNICODE_STRING text = { 0, 0, NULL };
    GUID parsed;
    GUID other = { 0xDEADBEEF, 0xCAFE, 0xF00D, { 0xFF, 0xEE, 0xDD, 0xCC, 0xBB, 0xAA, 0x99, 0x88 } };

    (void)state;
    assert_status(RtlStringFromGUID(&test_guid, &text), STATUS_SUCCESS);
    memset(&parsed, 0, sizeof(parsed));
    assert_status(RtlGUIDFromString(&text, &parsed), STATUS_SUCCESS);
    assert_memory_equal(&parsed, &test_guid, sizeof(GUID));
    RtlFreeUnicodeString(&text);

    assert_status(RtlStringFromGUID(&other, &text), STATUS_SUCCESS);
    assert_status(RtlGUIDFromString(&text, &parsed), STATUS_SUCCESS);
    assert_true(IsEqualGUID(&parsed, &other));
    RtlFreeUnicodeString(&text);
}

static void string_from_guid_uses_uppercase_braced_format(void **state)
{
    static const WCHAR expected[] = L"{01020304-0506-0708-090A-0B0C0D0E0F0A}";
    GUID other = { 0xABCDEF01, 0xABCD, 0xEF01, { 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89 } };
    UNICODE_STRING text = { 0, 0, NULL };

    (void)state;
    assert_status(RtlStringFromGUID(&test_guid, &text), STATUS_SUCCESS);
    assert_int_equal(text.Length, 76);
    assert_int_equal(text.MaximumLength, 78);
    assert_wide_equal(text.Buffer, expected, WCHARS(expected));
    RtlFreeUnicodeString(&text);

    assert_status(RtlStringFromGUID(&other, &text), STATUS_SUCCESS);
    assert_wide_equal(text.Buffer, L"{ABCDEF01-ABCD-EF01-ABCD-EF0123456789}", 39);
    RtlFreeUnicodeString(&text);
}

static void guid_from_string_accepts_lowercase_and_rejects_malformed(void **state)
{
    static const PCWSTR bad[] = {
        L"{01020304-0506-0708-090A-0B0C0D0E0F0A]", L"(01020304-0506-0708-090A-0B0C0D0E0F0A}",
        L"{01020304+0506-0708-090A-0B0C0D0E0F0A}", L"{0102030G-0506-0708-090A-0B0C0D0E0F0A}",
        L"{01020304-0506-0708-090A0-B0C0D0E0F0A}", L"{01020304-0506-0708-090A-0B0C0D0E0F0 }",
        L"01020304-0506-0708-090A-0B0C0D0E0F0A",   L"{01020304-0506-0708-090A-0B0C0D0E0F0A}x",
        L"{1020304-0506-0708-090A-0B0C0D0E0F0A}",  L"",
    };
    UNICODE_STRING s;
    GUID guid, untouched;
    size_t i;

    (void)state;
    set_unicode(&s, L"{0a0b0c0d-eeff-a1b2-c3d4-e5f60718293a}");
    assert_status(RtlGUIDFromString(&s, &guid), STATUS_SUCCESS);
    assert_int_equal(guid.Data1, 0x0a0b0c0d);
    assert_int_equal(guid.Data2, 0xeeff);
    assert_int_equal(guid.Data3, 0xa1b2);
    assert_int_equal(guid.Data4[0], 0xc3);
    assert_int_equal(guid.Data4[7], 0x3a);

    memset(&untouched, 0x5A, sizeof(untouched));
    for (i = 0; i < WCHARS(bad); i++) {
        guid = untouched;
        set_unicode(&s, bad[i]);
        assert_status(RtlGUIDFromString(&s, &guid), STATUS_INVALID_PARAMETER);
        assert_memory_equal(&guid, &untouched, sizeof(GUID));
    }

    set_unicode(&s, L"{01020304-0506-0708-090A-0B0C0D0E0F0A}");
    s.Length -= sizeof(WCHAR); /* the closing brace lies outside Length */
    assert_status(RtlGUIDFromString(&s, &guid), STATUS_INVALID_PARAMETER);
}

/* ---- memory -------------------------------------------------------------------------------- */

static void compare_memory_counts_matching_bytes(void **state)
{
    static const char a[] = "Hello, world";
    static const char b[] = "Hello, World";

    (void)state;
    assert_int_equal(RtlCompareMemory(a, b, 12), 7);
    assert_int_equal(RtlCompareMemory(a, b, 5), 5);
    assert_int_equal(RtlCompareMemory(a, a, sizeof(a)), sizeof(a));
    assert_int_equal(RtlCompareMemory(a, b, 0), 0);
    assert_int_equal(RtlCompareMemory("x", "y", 1), 0);
}

static void compare_memory_ulong_checks_alignment_and_pattern(void **state)
{
    ULONG block[5] = { 0xA5A5A5A5u, 0xA5A5A5A5u, 0xA5A5A5A5u, 0x12345678u, 0xA5A5A5A5u };

    (void)state;
    assert_int_equal(RtlCompareMemoryUlong(block, sizeof(block), 0xA5A5A5A5u), 12);
    assert_int_equal(RtlCompareMemoryUlong(block, 8, 0xA5A5A5A5u), 8);
    assert_int_equal(RtlCompareMemoryUlong(block, sizeof(block), 0x5A5A5A5Au), 0);
    assert_int_equal(RtlCompareMemoryUlong(block, 0, 0xA5A5A5A5u), 0);
    assert_int_equal(RtlCompareMemoryUlong(block, 6, 0xA5A5A5A5u), 0);            /* not whole ULONGs */
    assert_int_equal(RtlCompareMemoryUlong((PUCHAR)block + 1, 8, 0xA5A5A5A5u), 0); /* unaligned */
    assert_int_equal(RtlCompareMemoryUlong(&block[4], 4, 0xA5A5A5A5u), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_unicode_string_sets_lengths),
        cmocka_unit_test(init_unicode_string_null_source_gives_empty),
        cmocka_unit_test(init_unicode_string_caps_overlong_source),
        cmocka_unit_test(init_unicode_string_ex_rejects_overlong_source),
        cmocka_unit_test(init_ansi_and_utf8_strings_set_lengths),
        cmocka_unit_test(init_ansi_string_caps_overlong_source),
        cmocka_unit_test(copy_unicode_string_truncates_and_terminates),
        cmocka_unit_test(copy_unicode_string_null_source_sets_zero_length),
        cmocka_unit_test(copy_string_truncates_without_terminator),
        cmocka_unit_test(append_unicode_to_string_appends_and_terminates),
        cmocka_unit_test(append_unicode_to_string_too_small_leaves_destination),
        cmocka_unit_test(append_unicode_to_string_exact_fit_has_no_terminator),
        cmocka_unit_test(append_unicode_string_to_string_success_and_too_small),
        cmocka_unit_test(append_string_to_string_success_and_too_small),
        cmocka_unit_test(compare_unicode_string_case_sensitive),
        cmocka_unit_test(compare_unicode_string_case_insensitive),
        cmocka_unit_test(compare_unicode_strings_uses_character_counts),
        cmocka_unit_test(compare_string_orders_bytes_and_ignores_ascii_case),
        cmocka_unit_test(equal_string_requires_same_length),
        cmocka_unit_test(prefix_unicode_string_detects_prefixes),
        cmocka_unit_test(upcase_char_covers_ascii_and_latin1),
        cmocka_unit_test(upcase_covers_latin1_and_cyrillic),
        cmocka_unit_test(upcase_covers_greek_including_accents),
        cmocka_unit_test(upcase_latin_extended_a_pairs_and_exceptions),
        cmocka_unit_test(downcase_char_mirrors_upcase),
        cmocka_unit_test(case_mapping_round_trips_for_every_code_unit),
        cmocka_unit_test(upper_char_only_changes_ascii_letters),
        cmocka_unit_test(upper_string_copies_upcased_and_truncates),
        cmocka_unit_test(upcase_unicode_string_in_place_and_overflow),
        cmocka_unit_test(upcase_unicode_string_allocating),
        cmocka_unit_test(downcase_unicode_string_allocating_and_overflow),
        cmocka_unit_test(unicode_to_ansi_string_converts_and_terminates),
        cmocka_unit_test(unicode_to_ansi_string_partial_copy_overflows),
        cmocka_unit_test(unicode_to_ansi_string_zero_capacity_touches_nothing),
        cmocka_unit_test(unicode_to_ansi_maps_unmappable_to_question_mark),
        cmocka_unit_test(unicode_to_multibyte_n_truncates_silently),
        cmocka_unit_test(multibyte_to_unicode_n_truncates_and_converts_in_place),
        cmocka_unit_test(ansi_unicode_size_helpers),
        cmocka_unit_test(ansi_unicode_roundtrip_allocating),
        cmocka_unit_test(ansi_to_unicode_string_overflow_leaves_destination),
        cmocka_unit_test(ansi_to_unicode_string_too_long_is_invalid_parameter_2),
        cmocka_unit_test(utf8_conversion_covers_every_encoding_length),
        cmocka_unit_test(utf8_conversion_surrogates),
        cmocka_unit_test(utf8_to_unicode_replaces_malformed_input),
        cmocka_unit_test(unicode_to_utf8_n_parameter_checks),
        cmocka_unit_test(unicode_to_utf8_n_buffer_too_small_writes_whole_characters),
        cmocka_unit_test(utf8_to_unicode_n_parameter_checks_and_size_query),
        cmocka_unit_test(utf8_to_unicode_n_buffer_too_small),
        cmocka_unit_test(unicode_to_utf8_string_allocating_roundtrip),
        cmocka_unit_test(unicode_to_utf8_string_partial_copy_overflows),
        cmocka_unit_test(utf8_to_unicode_string_overflow_leaves_destination),
        cmocka_unit_test(utf8_string_conversions_reject_results_over_maxushort),
        cmocka_unit_test(free_routines_release_and_clear),
        cmocka_unit_test(create_unicode_string_copies_with_terminator),
        cmocka_unit_test(create_unicode_string_rejects_overlong_source),
        cmocka_unit_test(duplicate_unicode_string_honours_flags),
        cmocka_unit_test(duplicate_unicode_string_rejects_bad_arguments),
        cmocka_unit_test(integer_to_unicode_bases),
        cmocka_unit_test(integer_to_unicode_exact_fit_has_no_terminator),
        cmocka_unit_test(integer_to_unicode_buffer_overflow),
        cmocka_unit_test(integer_to_unicode_invalid_base),
        cmocka_unit_test(int64_to_unicode_string_values),
        cmocka_unit_test(unicode_to_integer_bases_and_signs),
        cmocka_unit_test(unicode_to_integer_errors),
        cmocka_unit_test(unicode_to_integer_respects_length),
        cmocka_unit_test(unicode_to_int64_values_and_end_pointer),
        cmocka_unit_test(unicode_to_int64_overflow_and_errors),
        cmocka_unit_test(char_to_integer_parses_like_unicode_variant),
        cmocka_unit_test(integer_to_char_terminator_rules),
        cmocka_unit_test(hash_unicode_string_x65599_known_value),
        cmocka_unit_test(hash_unicode_string_rejects_invalid_parameters),
        cmocka_unit_test(guid_string_roundtrip),
        cmocka_unit_test(string_from_guid_uses_uppercase_braced_format),
        cmocka_unit_test(guid_from_string_accepts_lowercase_and_rejects_malformed),
        cmocka_unit_test(compare_memory_counts_matching_bytes),
        cmocka_unit_test(compare_memory_ulong_checks_alignment_and_pattern),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
