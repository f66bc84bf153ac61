/* tests/test_format.c - unit tests for the kernel printf engines in
 * src/rtl/format.c (narrow UTF-8 and wide UTF-16 output). */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtl/format.h"

/* Same layout as the WDK's UNICODE_STRING / ANSI_STRING. */
struct test_unicode_string {
    uint16_t Length;
    uint16_t MaximumLength;
    uint16_t *Buffer;
};

struct test_ansi_string {
    uint16_t Length;
    uint16_t MaximumLength;
    char *Buffer;
};

#define W(lit) ((const uint16_t *)u##lit)

static size_t wlen(const uint16_t *s)
{
    size_t n = 0;

    while (s[n] != 0)
        n++;
    return n;
}

/* Formats with the narrow engine and checks both the text and the count. */
static void expect_narrow(const char *expected, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    size_t n;

    memset(buf, 0x5A, sizeof buf);
    va_start(ap, fmt);
    n = rtl_vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (strcmp(buf, expected) != 0)
        print_error("format \"%s\": got \"%s\", want \"%s\"\n", fmt, buf, expected);
    assert_string_equal(buf, expected);
    assert_int_equal(n, strlen(expected));
}

/* Same for the wide engine; the expected text may hold embedded units only
   up to its NUL. */
static void expect_wide(const uint16_t *expected, const uint16_t *fmt, ...)
{
    uint16_t buf[512];
    va_list ap;
    size_t n, want = wlen(expected);

    memset(buf, 0x5A, sizeof buf);
    va_start(ap, fmt);
    n = rtl_vformat_w(buf, sizeof buf / sizeof buf[0], fmt, ap);
    va_end(ap);
    assert_int_equal(n, want);
    assert_int_equal(buf[n], 0);
    assert_memory_equal(buf, expected, want * sizeof(uint16_t));
}

static void format_wZ_prints_counted_unicode_string(void **state)
{
    uint16_t text[] = { 'H', 'e', 'l', 'l', 'o', 0 };
    struct test_unicode_string us = { 10, 12, text };

    (void)state;
    expect_narrow("Hello", "%wZ", &us);
    expect_narrow("[Hello]", "[%wZ]", &us);
    expect_narrow("[   Hello]", "[%8wZ]", &us);
    expect_narrow("[Hello   ]", "[%-8wZ]", &us);
    expect_narrow("[Hel]", "[%.3wZ]", &us);
    expect_narrow("name=Hello id=7", "name=%wZ id=%d", &us, 7);
    /* %lZ is accepted as a synonym. */
    expect_narrow("Hello", "%lZ", &us);
}

static void format_wZ_does_not_read_past_length(void **state)
{
    /* Heap block of exactly the counted size, no NUL: ASan flags any
       over-read. */
    uint16_t *units = malloc(4 * sizeof(uint16_t));
    struct test_unicode_string us;

    (void)state;
    assert_non_null(units);
    units[0] = 'a';
    units[1] = 'b';
    units[2] = 'c';
    units[3] = 'd';

    us.Buffer = units;
    us.MaximumLength = 8;
    us.Length = 8;
    expect_narrow("abcd|", "%wZ|", &us);
    us.Length = 4;
    expect_narrow("ab|", "%wZ|", &us);
    us.Length = 5;                    /* odd byte count: whole units only */
    expect_narrow("ab|", "%wZ|", &us);
    us.Length = 0;
    expect_narrow("|", "%wZ|", &us);
    us.Length = 8;
    expect_narrow("abc|", "%.3wZ|", &us);
    expect_narrow("abcd|", "%.30wZ|", &us);
    free(units);
}

static void format_Z_prints_ansi_string(void **state)
{
    char *bytes = malloc(5);         /* exactly Length bytes, no NUL */
    struct test_ansi_string as;

    (void)state;
    assert_non_null(bytes);
    memcpy(bytes, "Hello", 5);
    as.Buffer = bytes;
    as.MaximumLength = 5;
    as.Length = 5;
    expect_narrow("<Hello>", "<%Z>", &as);
    expect_narrow("<  Hello>", "<%7Z>", &as);
    expect_narrow("<Hello  >", "<%-7Z>", &as);
    expect_narrow("<He>", "<%.2Z>", &as);
    as.Length = 3;
    expect_narrow("<Hel> 42", "<%Z> %d", &as, 42);
    /* %hZ is the explicit ANSI form. */
    expect_narrow("<Hel>", "<%hZ>", &as);
    free(bytes);
}

static void format_ws_and_S_print_wide_string(void **state)
{
    (void)state;
    expect_narrow("wide", "%ws", W("wide"));
    expect_narrow("wide", "%S", W("wide"));
    expect_narrow("wide", "%ls", W("wide"));
    expect_narrow("narrow", "%s", "narrow");
    expect_narrow("narrow", "%hs", "narrow");
    expect_narrow("wid", "%.3ws", W("wide"));
    expect_narrow("  wide|", "%6ws|", W("wide"));
    expect_narrow("wide  |", "%-6S|", W("wide"));
    /* Characters: c/hc narrow, C/lc/wc UTF-16. */
    expect_narrow("a b c d e", "%c %hc %C %lc %wc", 'a', 'b', u'c', u'd', u'e');
    expect_narrow("[   x]", "[%4C]", u'x');
    /* Width counts output bytes: U+00E9 is two UTF-8 bytes. */
    expect_narrow("[   \xC3\xA9]", "[%5ws]", W("\u00E9"));
}

static void format_null_strings_print_null(void **state)
{
    struct test_unicode_string us = { 4, 4, NULL };
    struct test_ansi_string as = { 4, 4, NULL };

    (void)state;
    expect_narrow("(null)", "%s", (char *)NULL);
    expect_narrow("(null)", "%ws", (uint16_t *)NULL);
    expect_narrow("(null)", "%S", (uint16_t *)NULL);
    expect_narrow("(null)", "%Z", (void *)NULL);
    expect_narrow("(null)", "%wZ", (void *)NULL);
    expect_narrow("(null)", "%wZ", &us);
    expect_narrow("(null)", "%Z", &as);
    expect_narrow("(nu", "%.3s", (char *)NULL);
    expect_narrow("  (null)", "%8s", (char *)NULL);
    expect_wide(W("(null)|(null)|(null)"), W("%s|%S|%wZ"),
                (uint16_t *)NULL, (char *)NULL, (void *)NULL);
}

static void format_I64_and_ll(void **state)
{
    (void)state;
    expect_narrow("-9223372036854775808", "%I64d", (long long)INT64_MIN);
    expect_narrow("18446744073709551615", "%I64u", (unsigned long long)UINT64_MAX);
    expect_narrow("123456789abcdef0", "%I64x", 0x123456789abcdef0ULL);
    expect_narrow("123456789ABCDEF0", "%llX", 0x123456789abcdef0ULL);
    expect_narrow("-5 7", "%lld %d", -5LL, 7);
    expect_narrow("4294967295", "%I32u", 0xFFFFFFFFu);
    expect_narrow("-1", "%I32d", -1);
    /* 'l' is the 32-bit Windows long. */
    expect_narrow("ffffffff", "%lx", 0xFFFFFFFFu);
    expect_narrow("-2147483648", "%ld", INT32_MIN);
    /* h and hh narrow the promoted argument. */
    expect_narrow("-1 65535", "%hd %hu", 65535, 65535);
    expect_narrow("1 -1", "%hhu %hhd", 257, 255);
    /* j, z, t. */
    expect_narrow("-42 42 -3", "%jd %zu %td", (intmax_t)-42, (size_t)42, (ptrdiff_t)-3);
    /* L on integers is ignored: the argument is an int. */
    expect_narrow("12 13", "%Ld %d", 12, 13);
}

static void format_I_is_pointer_sized(void **state)
{
    char expected[64];

    (void)state;
    snprintf(expected, sizeof expected, "%zx", (size_t)SIZE_MAX);
    expect_narrow(expected, "%Ix", (size_t)SIZE_MAX);
    expect_narrow("-5", "%Id", (intptr_t)-5);
    snprintf(expected, sizeof expected, "%zu 7", (size_t)1 << (sizeof(size_t) * 8 - 2));
    expect_narrow(expected, "%Iu %d", (size_t)1 << (sizeof(size_t) * 8 - 2), 7);
}

static void format_p_is_uppercase_padded_hex(void **state)
{
    char expected[64];
    int digits = (int)(2 * sizeof(void *));

    (void)state;
    snprintf(expected, sizeof expected, "%0*X", digits, 0xABCu);
    expect_narrow(expected, "%p", (void *)(uintptr_t)0xabc);
    snprintf(expected, sizeof expected, "%0*d", digits, 0);
    expect_narrow(expected, "%p", (void *)NULL);
    snprintf(expected, sizeof expected, "[%0*X  ]", digits, 0xDEADu);
    expect_narrow(expected, "[%-*p]", digits + 2, (void *)(uintptr_t)0xdead);
    snprintf(expected, sizeof expected, "[  %0*X]", digits, 0xBEEFu);
    expect_narrow(expected, "[%*p]", digits + 2, (void *)(uintptr_t)0xbeef);
    /* #, + and space do not change %p. */
    snprintf(expected, sizeof expected, "%0*X", digits, 0x1u);
    expect_narrow(expected, "%#+ p", (void *)(uintptr_t)1);
}

static void format_width_precision_flags(void **state)
{
    (void)state;
    /* Expected strings are what the Microsoft CRT prints. */
    expect_narrow("[   42]", "[%5d]", 42);
    expect_narrow("[42   ]", "[%-5d]", 42);
    expect_narrow("[00042]", "[%05d]", 42);
    expect_narrow("[-0042]", "[%05d]", -42);
    expect_narrow("[+42]", "[%+d]", 42);
    expect_narrow("[ 42]", "[% d]", 42);
    expect_narrow("[+42]", "[%+ d]", 42);
    expect_narrow("[042]", "[%.3d]", 42);
    expect_narrow("[     042]", "[%08.3d]", 42);   /* 0 ignored with precision */
    expect_narrow("[42      ]", "[%-08d]", 42);    /* - beats 0 */
    expect_narrow("[]", "[%.0d]", 0);
    expect_narrow("[  ]", "[%2.0d]", 0);
    expect_narrow("[0]", "[%d]", 0);
    expect_narrow("[017]", "[%#o]", 15);
    expect_narrow("[0]", "[%#o]", 0);
    expect_narrow("[0xff]", "[%#x]", 255);
    expect_narrow("[0XFF]", "[%#X]", 255);
    expect_narrow("[0]", "[%#x]", 0);
    expect_narrow("[0x00ff]", "[%#06x]", 255);
    expect_narrow("[  0x00ff]", "[%#8.4x]", 255);
    expect_narrow("[ffffffff]", "[%x]", -1);
    expect_narrow("[4294967295]", "[%u]", -1);
    expect_narrow("[37777777777]", "[%o]", -1);
    expect_narrow("[-2147483648]", "[%d]", INT32_MIN);
    /* '*' width and precision, negative values. */
    expect_narrow("[    7]", "[%*d]", 5, 7);
    expect_narrow("[7    ]", "[%*d]", -5, 7);
    expect_narrow("[007]", "[%.*d]", 3, 7);
    expect_narrow("[7]", "[%.*d]", -1, 7);
    expect_narrow("[  007]", "[%*.*d]", 5, 3, 7);
    /* Strings and characters. */
    expect_narrow("[      abcd]", "[%10.4s]", "abcdefgh");
    expect_narrow("[abc       ]", "[%-10s]", "abc");
    expect_narrow("[   ab]", "[%05s]", "ab");         /* 0 is for numbers only */
    expect_narrow("[    x]", "[%5c]", 'x');
    expect_narrow("[x    ]", "[%-5c]", 'x');
    expect_narrow("[abc]", "[%.*s]", 3, "abcdef");
    expect_narrow("[abcdef]", "[%.*s]", -1, "abcdef");
    expect_narrow("100%", "100%%");
}

static void format_truncates_and_returns_full_length(void **state)
{
    char buf[16];
    uint16_t wbuf[8];
    size_t n;

    (void)state;
    memset(buf, '#', sizeof buf);
    n = rtl_format(buf, 5, "Hello, %s", "world");
    assert_int_equal(n, 12);
    assert_string_equal(buf, "Hell");
    assert_int_equal(buf[5], '#');            /* nothing past cap */

    memset(buf, '#', sizeof buf);
    n = rtl_format(buf, 1, "abc");
    assert_int_equal(n, 3);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], '#');

    memset(buf, '#', sizeof buf);
    n = rtl_format(buf, 4, "%10d", 5);
    assert_int_equal(n, 10);
    assert_string_equal(buf, "   ");

    memset(buf, '#', sizeof buf);
    n = rtl_format(buf, 6, "%ws", W("\U0001F600\U0001F600"));
    assert_int_equal(n, 8);
    assert_int_equal(buf[5], '\0');
    assert_int_equal(buf[6], '#');

    /* Exactly fitting output. */
    n = rtl_format(buf, 4, "abc");
    assert_int_equal(n, 3);
    assert_string_equal(buf, "abc");

    memset(wbuf, 0x5A, sizeof wbuf);
    n = rtl_format_w(wbuf, 4, W("%s!"), W("abcdef"));
    assert_int_equal(n, 7);
    assert_memory_equal(wbuf, W("abc"), 4 * sizeof(uint16_t));
    assert_int_equal(wbuf[4], 0x5A5A);
}

static void format_cap_zero_counts_only(void **state)
{
    char buf[4] = { 'x', 'y', 'z', 'w' };
    uint16_t wbuf[2] = { 1, 2 };

    (void)state;
    assert_int_equal(rtl_format(NULL, 0, "%d-%s", 12345, "abc"), 9);
    assert_int_equal(rtl_format(buf, 0, "%d-%s", 12345, "abc"), 9);
    assert_memory_equal(buf, "xyzw", 4);
    assert_int_equal(rtl_format(NULL, 0, "%100000d", 1), 100000);
    assert_int_equal(rtl_format(NULL, 0, "%.70000d", 1), 70000);
    assert_int_equal(rtl_format(NULL, 0, "%ws", W("\u20AC")), 3);
    assert_int_equal(rtl_format_w(wbuf, 0, W("%S"), "\xE2\x82\xAC!"), 2);
    assert_int_equal(wbuf[0], 1);
    assert_int_equal(wbuf[1], 2);
    assert_int_equal(rtl_format_w(NULL, 0, W("%5s"), W("ab")), 5);
}

static void format_percent_n_writes_nothing(void **state)
{
    int n = 1234;
    short h = 77;
    long long ll = 99;

    (void)state;
    expect_narrow("abcd", "ab%ncd", &n);
    assert_int_equal(n, 1234);
    expect_narrow("x5y", "x%n%dy", &n, 5);
    assert_int_equal(n, 1234);
    expect_narrow("12", "%hn%lln%d%d", &h, &ll, 1, 2);
    assert_int_equal(h, 77);
    assert_int_equal(ll, 99);
    expect_wide(W("ab"), W("a%nb"), &n);
    assert_int_equal(n, 1234);
}

static void format_unknown_conversion_is_literal(void **state)
{
    (void)state;
    expect_narrow("%k", "%k");
    expect_narrow("a%-5kb", "a%-5kb");
    expect_narrow("1 %y 2", "%d %y %d", 1, 2);
    expect_narrow("%I3d", "%I3d");
    /* Format ending inside a spec. */
    expect_narrow("100%", "100%");
    expect_narrow("x%l", "x%l");
    expect_narrow("x%-5.2", "x%-5.2");
    expect_narrow("%I64", "%I64");
    expect_wide(W("%q|3"), W("%q|%d"), 3);
    expect_wide(W("50%"), W("50%"));
}

static void format_utf16_surrogates_to_utf8(void **state)
{
    (void)state;
    expect_narrow("\xC3\xA9", "%ws", W("\u00E9"));
    expect_narrow("\xE2\x82\xAC", "%ws", W("\u20AC"));
    expect_narrow("<\xF0\x9F\x98\x80>", "<%ws>", W("\U0001F600"));
    expect_narrow("\xF4\x8F\xBF\xBF", "%S", W("\U0010FFFF"));
    expect_narrow("\xE2\x82\xAC", "%C", 0x20AC);
    /* Counted strings convert the same way. */
    {
        uint16_t units[] = { 0xD83D, 0xDE00, 'x' };
        struct test_unicode_string us = { 6, 6, units };

        expect_narrow("\xF0\x9F\x98\x80x", "%wZ", &us);
    }
}

static void format_lone_surrogate_is_replacement(void **state)
{
    static const uint16_t lone_high[] = { 0xD800, 'a', 0 };
    static const uint16_t lone_low[] = { 'a', 0xDC00, 0 };
    static const uint16_t high_at_end[] = { 'a', 0xDBFF, 0 };
    static const uint16_t reversed[] = { 0xDE00, 0xD83D, 0 };
    uint16_t pair[] = { 0xD83D, 0xDE00 };
    struct test_unicode_string us = { 2, 4, pair };   /* cuts the pair */

    (void)state;
    expect_narrow("\xEF\xBF\xBD" "a", "%ws", lone_high);
    expect_narrow("a\xEF\xBF\xBD", "%ws", lone_low);
    expect_narrow("a\xEF\xBF\xBD", "%ws", high_at_end);
    expect_narrow("\xEF\xBF\xBD\xEF\xBF\xBD", "%ws", reversed);
    expect_narrow("\xEF\xBF\xBD", "%C", 0xD800);
    expect_narrow("\xEF\xBF\xBD", "%.1ws", W("\U0001F600"));
    expect_narrow("\xEF\xBF\xBD", "%wZ", &us);
}

static void format_wide_engine_swaps_s_and_S(void **state)
{
    (void)state;
    expect_wide(W("w|n|h|l|ws"), W("%s|%S|%hs|%ls|%ws"),
                W("w"), "n", "h", W("l"), W("ws"));
    expect_wide(W("a b c d e f"), W("%c %C %hc %lc %wc %hC"),
                u'a', 'b', 'c', u'd', u'e', 'f');
    expect_wide(W("[  ab]"), W("[%4s]"), W("ab"));
    expect_wide(W("[ab  ]"), W("[%-4S]"), "ab");
    expect_wide(W("[abc]"), W("[%.3S]"), "abcdef");
    /* UTF-8 narrow arguments become UTF-16. */
    expect_wide(W("\u20AC\U0001F600\u00E9"), W("%S"), "\xE2\x82\xAC\xF0\x9F\x98\x80\xC3\xA9");
    /* Invalid UTF-8 becomes U+FFFD. */
    expect_wide(W("a\uFFFDb"), W("%S"), "a\xFF" "b");
    expect_wide(W("\uFFFDz"), W("%S"), "\xE2\x82z");
    expect_wide(W("\uFFFD\uFFFD"), W("%S"), "\xC0\xAF");
    expect_wide(W("\uFFFD\uFFFD\uFFFD"), W("%S"), "\xED\xA0\x80");   /* encoded surrogate */
    expect_wide(W("\uFFFD"), W("%S"), "\xF8");
    expect_wide(W("\uFFFD"), W("%.2S"), "\xE2\x82\xAC");
    expect_wide(W("\uFFFD"), W("%C"), 0xE9);
    /* Wide strings are copied unchanged, even lone surrogates. */
    {
        static const uint16_t odd[] = { 'x', 0xD800, 0 };

        expect_wide(odd, W("%s"), odd);
    }
    /* Numbers work the same in both engines. */
    expect_wide(W("[-0042|0x1f|ABC]"), W("[%05d|%#x|%X]"), -42, 31, 0xabc);
}

static void format_wide_engine_wZ(void **state)
{
    uint16_t *units = malloc(3 * sizeof(uint16_t));
    char *bytes = malloc(4);
    struct test_unicode_string us;
    struct test_ansi_string as;

    (void)state;
    assert_non_null(units);
    assert_non_null(bytes);
    units[0] = 'D';
    units[1] = 'e';
    units[2] = 'v';
    memcpy(bytes, "\xE2\x82\xAC" "1", 4);
    us.Buffer = units;
    us.Length = 6;
    us.MaximumLength = 6;
    as.Buffer = bytes;
    as.Length = 4;
    as.MaximumLength = 4;

    expect_wide(W("Dev"), W("%wZ"), &us);
    expect_wide(W("[  Dev]"), W("[%5wZ]"), &us);
    expect_wide(W("De"), W("%.2wZ"), &us);
    expect_wide(W("\u20AC" "1"), W("%Z"), &as);
    expect_wide(W("Dev/\u20AC" "1/9"), W("%wZ/%Z/%d"), &us, &as, 9);
    us.Length = 2;
    expect_wide(W("D"), W("%wZ"), &us);
    free(units);
    free(bytes);
}

static void check_float_against_host(const char *fmt, double v)
{
    static char want[4096];
    static char got[4096];
    size_t n;

    snprintf(want, sizeof want, fmt, v);
    n = rtl_format(got, sizeof got, fmt, v);
    assert_string_equal(got, want);
    assert_int_equal(n, strlen(want));
}

static void format_floats(void **state)
{
    (void)state;
    expect_narrow("3.141590", "%f", 3.14159);
    expect_narrow("3.14", "%.2f", 3.14159);
    expect_narrow("[     3.142]", "[%10.3f]", 3.14159);
    expect_narrow("[3.14      ]", "[%-10.2f]", 3.14159);
    expect_narrow("[-0003.50]", "[%08.2f]", -3.5);
    expect_narrow("+1.500000e+00", "%+e", 1.5);
    expect_narrow("1.5E-10", "%G", 1.5e-10);
    expect_narrow("0.0001", "%g", 0.0001);
    expect_narrow("3.", "%#.0f", 3.0);
    expect_narrow("0x1p+0", "%a", 1.0);
    expect_narrow("[0X00001P+0]", "[%010A]", 1.0);
    expect_narrow("2.500000", "%Lf", 2.5L);
    expect_narrow("2.5 7", "%g %d", 2.5, 7);
    expect_narrow("[  inf]", "[%5f]", INFINITY);
    expect_narrow("[ -inf]", "[%05f]", -INFINITY);  /* no zero padding */
    expect_narrow("[*1.0*]", "[*%.1f*]", 1.0);
    /* Precisions beyond the snprintf cap stay exact. */
    check_float_against_host("%.1200f", 0.1);
    check_float_against_host("%.1500e", 5e-324);
    check_float_against_host("%#.1300g", 1e300);
    check_float_against_host("%#.1300g", 1.25);
    check_float_against_host("%.1300g", 0.1);
    check_float_against_host("%.1200a", -1.0 / 3.0);
    check_float_against_host("%1400.1200f", -1e308);
    check_float_against_host("%01400.1200f", -1e308);
    assert_int_equal(rtl_format(NULL, 0, "%.100000f", 1.0), 100002);
    expect_wide(W("[ 1.500]"), W("[%6.3f]"), 1.5);
    expect_wide(W("-1e+06"), W("%g"), -1e6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_wZ_prints_counted_unicode_string),
        cmocka_unit_test(format_wZ_does_not_read_past_length),
        cmocka_unit_test(format_Z_prints_ansi_string),
        cmocka_unit_test(format_ws_and_S_print_wide_string),
        cmocka_unit_test(format_null_strings_print_null),
        cmocka_unit_test(format_I64_and_ll),
        cmocka_unit_test(format_I_is_pointer_sized),
        cmocka_unit_test(format_p_is_uppercase_padded_hex),
        cmocka_unit_test(format_width_precision_flags),
        cmocka_unit_test(format_truncates_and_returns_full_length),
        cmocka_unit_test(format_cap_zero_counts_only),
        cmocka_unit_test(format_percent_n_writes_nothing),
        cmocka_unit_test(format_unknown_conversion_is_literal),
        cmocka_unit_test(format_utf16_surrogates_to_utf8),
        cmocka_unit_test(format_lone_surrogate_is_replacement),
        cmocka_unit_test(format_wide_engine_swaps_s_and_S),
        cmocka_unit_test(format_wide_engine_wZ),
        cmocka_unit_test(format_floats),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
