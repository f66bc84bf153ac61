/*
 * tests/test_rtl_misc.c - unit tests for src/rtl/misc.c: RTL bitmaps, version information,
 * time fields, RtlRandom/RtlRandomEx and the byte-swap routines.  Expected values come from
 * the WDK documentation and, where it is silent, from the behaviour Wine's and ReactOS's
 * tests record for Windows.
 */
#include <wdm.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#define assert_status(actual, expected) assert_int_equal((uint32_t)(actual), (uint32_t)(expected))

#define NOT_FOUND 0xFFFFFFFFu

/* A 256-bit bitmap over words[0..7]; words[8] is a guard that must never change. */
struct test_bitmap {
    RTL_BITMAP header;
    ULONG words[9];
};

static void bitmap_init(struct test_bitmap *b, ULONG bits, ULONG fill)
{
    size_t i;

    for (i = 0; i < 9; i++)
        b->words[i] = fill;
    RtlInitializeBitMap(&b->header, b->words, bits);
}

/* ---- bitmaps ------------------------------------------------------------------------------- */

static void initialize_bitmap_stores_fields_without_touching_buffer(void **state)
{
    struct test_bitmap b;

    (void)state;
    memset(b.words, 0x77, sizeof(b.words));
    RtlInitializeBitMap(&b.header, b.words, 100);
    assert_int_equal(b.header.SizeOfBitMap, 100);
    assert_ptr_equal(b.header.Buffer, b.words);
    assert_int_equal(b.words[0], 0x77777777u);
}

static void set_all_and_clear_all_cover_whole_ulongs(void **state)
{
    struct test_bitmap b;

    (void)state;
    bitmap_init(&b, 1, 0);
    RtlSetAllBits(&b.header);
    assert_int_equal(b.words[0], 0xFFFFFFFFu); /* rounded up to a ULONG, as Windows does */
    assert_int_equal(b.words[1], 0);
    bitmap_init(&b, 33, 0xFFFFFFFFu);
    RtlClearAllBits(&b.header);
    assert_int_equal(b.words[0], 0);
    assert_int_equal(b.words[1], 0);
    assert_int_equal(b.words[2], 0xFFFFFFFFu);
}

static void set_bits_spans_words(void **state)
{
    struct test_bitmap b;

    (void)state;
    bitmap_init(&b, 256, 0);
    RtlSetBits(&b.header, 30, 36); /* bits 30..65 */
    assert_int_equal(b.words[0], 0xC0000000u);
    assert_int_equal(b.words[1], 0xFFFFFFFFu);
    assert_int_equal(b.words[2], 0x00000003u);
    assert_int_equal(b.words[3], 0);
    RtlSetBits(&b.header, 255, 1);
    assert_int_equal(b.words[7], 0x80000000u);
    assert_int_equal(b.words[8], 0); /* guard */
}

static void clear_bits_spans_words(void **state)
{
    struct test_bitmap b;

    (void)state;
    bitmap_init(&b, 256, 0xFFFFFFFFu);
    RtlClearBits(&b.header, 7, 10); /* bits 7..16 */
    assert_int_equal(b.words[0], 0xFFFE007Fu);
    assert_int_equal(b.words[1], 0xFFFFFFFFu);
}

static void zero_count_set_and_clear_do_nothing(void **state)
{
    struct test_bitmap b;

    (void)state;
    bitmap_init(&b, 64, 0x12345678u);
    RtlSetBits(&b.header, 3, 0);
    RtlClearBits(&b.header, 3, 0);
    assert_int_equal(b.words[0], 0x12345678u);
}

static void ranges_past_the_end_are_cut_at_size(void **state)
{
    struct test_bitmap b;

    (void)state;
    bitmap_init(&b, 40, 0);
    RtlSetBits(&b.header, 36, 100);
    assert_int_equal(b.words[1], 0x000000F0u); /* bits 36..39 only */
    assert_int_equal(b.words[2], 0);
    RtlSetBit(&b.header, 40);
    assert_int_equal(b.words[1], 0x000000F0u);
    assert_false(RtlTestBit(&b.header, 40));
}

static void set_bit_clear_bit_and_test_bit(void **state)
{
    struct test_bitmap b;

    (void)state;
    bitmap_init(&b, 64, 0);
    RtlSetBit(&b.header, 33);
    assert_true(RtlTestBit(&b.header, 33));
    assert_int_equal(RtlCheckBit(&b.header, 33), 1);
    assert_false(RtlTestBit(&b.header, 32));
    assert_int_equal(b.words[1], 0x2u);
    RtlClearBit(&b.header, 33);
    assert_false(RtlTestBit(&b.header, 33));
    assert_int_equal(b.words[1], 0);
}

static void are_bits_clear_and_set_check_the_range(void **state)
{
    struct test_bitmap b;

    (void)state;
    bitmap_init(&b, 256, 0);
    RtlSetBits(&b.header, 7, 10);
    assert_true(RtlAreBitsSet(&b.header, 7, 10));
    assert_false(RtlAreBitsSet(&b.header, 6, 11));
    assert_false(RtlAreBitsSet(&b.header, 7, 11));
    assert_true(RtlAreBitsClear(&b.header, 17, 239));
    assert_false(RtlAreBitsClear(&b.header, 16, 2));
    assert_true(RtlAreBitsClear(&b.header, 0, 7));
}

static void are_bits_false_for_zero_length_or_outside_bitmap(void **state)
{
    struct test_bitmap b;

    (void)state;
    bitmap_init(&b, 64, 0);
    assert_false(RtlAreBitsClear(&b.header, 0, 0));
    assert_false(RtlAreBitsClear(&b.header, 60, 5));
    assert_false(RtlAreBitsClear(&b.header, 64, 1));
    assert_false(RtlAreBitsClear(&b.header, 1, 0xFFFFFFFFu));
    RtlSetAllBits(&b.header);
    assert_false(RtlAreBitsSet(&b.header, 0, 0));
    assert_true(RtlAreBitsSet(&b.header, 0, 64));
    assert_false(RtlAreBitsSet(&b.header, 0, 65));
}

static void number_of_set_bits_ignores_bits_past_size(void **state)
{
    struct test_bitmap b;

    (void)state;
    bitmap_init(&b, 40, 0xFFFFFFFFu);
    assert_int_equal(RtlNumberOfSetBits(&b.header), 40);
    assert_int_equal(RtlNumberOfClearBits(&b.header), 0);
    RtlClearBits(&b.header, 0, 3);
    RtlClearBits(&b.header, 31, 2);
    assert_int_equal(RtlNumberOfSetBits(&b.header), 35);
    assert_int_equal(RtlNumberOfClearBits(&b.header), 5);
}

static void find_clear_bits_starts_at_hint(void **state)
{
    struct test_bitmap b;

    (void)state;
    bitmap_init(&b, 256, 0);
    assert_int_equal(RtlFindClearBits(&b.header, 5, 0), 0);
    assert_int_equal(RtlFindClearBits(&b.header, 5, 100), 100);
    RtlSetBits(&b.header, 100, 3);
    assert_int_equal(RtlFindClearBits(&b.header, 5, 100), 103);
}

static void find_clear_bits_skips_runs_that_are_too_short(void **state)
{
    struct test_bitmap b;

    (void)state;
    bitmap_init(&b, 256, 0xFFFFFFFFu);
    RtlClearBits(&b.header, 10, 4);
    RtlClearBits(&b.header, 60, 40);
    assert_int_equal(RtlFindClearBits(&b.header, 4, 0), 10);
    assert_int_equal(RtlFindClearBits(&b.header, 5, 0), 60);
    assert_int_equal(RtlFindClearBits(&b.header, 40, 0), 60);
    assert_int_equal(RtlFindClearBits(&b.header, 41, 0), NOT_FOUND);
}

static void find_clear_bits_wraps_around_to_the_start(void **state)
{
    struct test_bitmap b;

    (void)state;
    /* Wine's test: clear run 40..116, hint 50 inside it but too close to its end. */
    bitmap_init(&b, 256, 0xFFFFFFFFu);
    RtlClearBits(&b.header, 40, 77);
    assert_int_equal(RtlFindClearBits(&b.header, 77, 50), 40);
    assert_int_equal(RtlFindClearBits(&b.header, 10, 200), 40);
}

static void find_clear_bits_finds_run_ending_at_last_bit(void **state)
{
    struct test_bitmap b;

    (void)state;
    bitmap_init(&b, 70, 0xFFFFFFFFu);
    RtlClearBits(&b.header, 62, 8);
    assert_int_equal(RtlFindClearBits(&b.header, 8, 0), 62);
    assert_int_equal(RtlFindClearBits(&b.header, 9, 0), NOT_FOUND);
}

static void find_bits_not_found_returns_all_ones(void **state)
{
    struct test_bitmap b;

    (void)state;
    bitmap_init(&b, 64, 0xFFFFFFFFu);
    assert_int_equal(RtlFindClearBits(&b.header, 1, 0), NOT_FOUND);
    assert_int_equal(RtlFindClearBits(&b.header, 65, 0), NOT_FOUND);
    RtlClearAllBits(&b.header);
    assert_int_equal(RtlFindSetBits(&b.header, 1, 7), NOT_FOUND);
}

static void find_bits_zero_count_returns_hint_rounded_to_byte(void **state)
{
    struct test_bitmap b;

    (void)state;
    bitmap_init(&b, 64, 0);
    assert_int_equal(RtlFindClearBits(&b.header, 0, 13), 8);
    assert_int_equal(RtlFindSetBits(&b.header, 0, 63), 56);
    assert_int_equal(RtlFindClearBits(&b.header, 0, 64), 0); /* hint outside: 0 */
    assert_int_equal(RtlFindClearBitsAndSet(&b.header, 0, 20), 16);
    assert_int_equal(b.words[0], 0); /* nothing set */
}

static void find_bits_hint_outside_bitmap_means_zero(void **state)
{
    struct test_bitmap b;

    (void)state;
    bitmap_init(&b, 64, 0);
    RtlSetBits(&b.header, 5, 3);
    assert_int_equal(RtlFindSetBits(&b.header, 3, 1000), 5);
}

static void find_clear_bits_and_set_marks_the_run(void **state)
{
    struct test_bitmap b;

    (void)state;
    bitmap_init(&b, 256, 0);
    assert_int_equal(RtlFindClearBitsAndSet(&b.header, 4, 0), 0);
    assert_int_equal(RtlFindClearBitsAndSet(&b.header, 4, 0), 4);
    assert_int_equal(b.words[0], 0xFFu);
    assert_true(RtlAreBitsSet(&b.header, 0, 8));
}

static void find_set_bits_and_clear_clears_the_run(void **state)
{
    struct test_bitmap b;

    (void)state;
    bitmap_init(&b, 256, 0);
    RtlSetBits(&b.header, 40, 77);
    assert_int_equal(RtlFindSetBitsAndClear(&b.header, 77, 0), 40);
    assert_true(RtlAreBitsClear(&b.header, 0, 256));
    assert_int_equal(RtlFindSetBitsAndClear(&b.header, 1, 0), NOT_FOUND);
}

static void find_and_modify_leaves_bitmap_alone_when_not_found(void **state)
{
    struct test_bitmap b;

    (void)state;
    bitmap_init(&b, 64, 0x0F0F0F0Fu);
    assert_int_equal(RtlFindClearBitsAndSet(&b.header, 5, 0), NOT_FOUND);
    assert_int_equal(RtlFindSetBitsAndClear(&b.header, 5, 0), NOT_FOUND);
    assert_int_equal(b.words[0], 0x0F0F0F0Fu);
    assert_int_equal(b.words[1], 0x0F0F0F0Fu);
}

/* ---- version information -------------------------------------------------------------------- */

static void get_version_reports_windows_10_22h2(void **state)
{
    RTL_OSVERSIONINFOW info;

    (void)state;
    memset(&info, 0xAA, sizeof(info));
    info.dwOSVersionInfoSize = sizeof(info);
    assert_status(RtlGetVersion(&info), STATUS_SUCCESS);
    assert_int_equal(info.dwOSVersionInfoSize, sizeof(info));
    assert_int_equal(info.dwMajorVersion, 10);
    assert_int_equal(info.dwMinorVersion, 0);
    assert_int_equal(info.dwBuildNumber, 19045);
    assert_int_equal(info.dwPlatformId, VER_PLATFORM_WIN32_NT);
    assert_int_equal(info.szCSDVersion[0], 0);
    assert_int_equal(info.szCSDVersion[127], 0);
}

static void get_version_fills_ex_fields_for_ex_size(void **state)
{
    RTL_OSVERSIONINFOEXW info;

    (void)state;
    memset(&info, 0xAA, sizeof(info));
    info.dwOSVersionInfoSize = sizeof(info);
    assert_status(RtlGetVersion((PRTL_OSVERSIONINFOW)&info), STATUS_SUCCESS);
    assert_int_equal(info.dwBuildNumber, 19045);
    assert_int_equal(info.wServicePackMajor, 0);
    assert_int_equal(info.wServicePackMinor, 0);
    assert_int_equal(info.wProductType, VER_NT_WORKSTATION);
    assert_int_equal(info.wSuiteMask, 0x0110); /* VER_SUITE_TERMINAL | VER_SUITE_SINGLEUSERTS */
    assert_int_equal(info.wReserved, 0);
}

static void get_version_with_plain_size_leaves_ex_fields_alone(void **state)
{
    RTL_OSVERSIONINFOEXW info;

    (void)state;
    memset(&info, 0xAA, sizeof(info));
    info.dwOSVersionInfoSize = sizeof(RTL_OSVERSIONINFOW);
    assert_status(RtlGetVersion((PRTL_OSVERSIONINFOW)&info), STATUS_SUCCESS);
    assert_int_equal(info.dwMajorVersion, 10);
    assert_int_equal(info.wServicePackMajor, 0xAAAA);
    assert_int_equal(info.wProductType, 0xAA);
}

static void get_version_rejects_unknown_size(void **state)
{
    RTL_OSVERSIONINFOEXW info;

    (void)state;
    memset(&info, 0, sizeof(info));
    info.dwOSVersionInfoSize = sizeof(RTL_OSVERSIONINFOW) - 4;
    assert_status(RtlGetVersion((PRTL_OSVERSIONINFOW)&info), STATUS_INVALID_PARAMETER);
    assert_int_equal(info.dwMajorVersion, 0);
    info.dwOSVersionInfoSize = sizeof(RTL_OSVERSIONINFOEXW) + 4;
    assert_status(RtlGetVersion((PRTL_OSVERSIONINFOW)&info), STATUS_INVALID_PARAMETER);
}

static void ps_get_version_reports_the_same_release(void **state)
{
    ULONG major = 0, minor = 99, build = 0;
    UNICODE_STRING csd;

    (void)state;
    assert_false(PsGetVersion(&major, &minor, &build, &csd)); /* not a checked build */
    assert_int_equal(major, 10);
    assert_int_equal(minor, 0);
    assert_int_equal(build, 19045);
    assert_int_equal(csd.Length, 0);
    assert_non_null(csd.Buffer);
    assert_false(PsGetVersion(NULL, NULL, NULL, NULL));
}

static void is_ntddi_version_available_accepts_releases_up_to_win10(void **state)
{
    (void)state;
    assert_true(RtlIsNtDdiVersionAvailable(NTDDI_WIN7));
    assert_true(RtlIsNtDdiVersionAvailable(NTDDI_WINBLUE));
    assert_true(RtlIsNtDdiVersionAvailable(NTDDI_WIN10));
    assert_false(RtlIsNtDdiVersionAvailable(0x0B000000)); /* a future major release */
    /* Sub-release and service-pack values are not whole releases: the kernel says FALSE. */
    assert_false(RtlIsNtDdiVersionAvailable(NTDDI_WIN10_RS1));
    assert_false(RtlIsNtDdiVersionAvailable(0x06010100)); /* Windows 7 SP1 */
}

static void is_service_pack_version_installed_needs_same_release(void **state)
{
    (void)state;
    assert_true(RtlIsServicePackVersionInstalled(NTDDI_WIN10));
    assert_true(RtlIsServicePackVersionInstalled(NTDDI_WIN10_VB));
    assert_false(RtlIsServicePackVersionInstalled(0x0A000100)); /* Windows 10 "SP1" */
    assert_false(RtlIsServicePackVersionInstalled(NTDDI_WIN7));
    assert_false(RtlIsServicePackVersionInstalled(NTDDI_WINBLUE));
}

/* ---- time fields ------------------------------------------------------------------------------ */

static void check_fields(const TIME_FIELDS *f, int year, int month, int day, int hour, int minute, int second,
                         int ms, int weekday)
{
    assert_int_equal(f->Year, year);
    assert_int_equal(f->Month, month);
    assert_int_equal(f->Day, day);
    assert_int_equal(f->Hour, hour);
    assert_int_equal(f->Minute, minute);
    assert_int_equal(f->Second, second);
    assert_int_equal(f->Milliseconds, ms);
    assert_int_equal(f->Weekday, weekday);
}

static void time_to_time_fields_epoch_is_monday_1601(void **state)
{
    LARGE_INTEGER t;
    TIME_FIELDS f;

    (void)state;
    t.QuadPart = 0;
    RtlTimeToTimeFields(&t, &f);
    check_fields(&f, 1601, 1, 1, 0, 0, 0, 0, 1);
}

static void time_to_time_fields_known_dates(void **state)
{
    LARGE_INTEGER t;
    TIME_FIELDS f;

    (void)state;
    t.QuadPart = 116444736000000000LL; /* the Unix epoch, a Thursday */
    RtlTimeToTimeFields(&t, &f);
    check_fields(&f, 1970, 1, 1, 0, 0, 0, 0, 4);
    t.QuadPart = 125963012967890000LL; /* a leap day, a Tuesday */
    RtlTimeToTimeFields(&t, &f);
    check_fields(&f, 2000, 2, 29, 12, 34, 56, 789, 2);
    t.QuadPart = 133801631999999999LL; /* sub-millisecond ticks are dropped */
    RtlTimeToTimeFields(&t, &f);
    check_fields(&f, 2024, 12, 31, 23, 59, 59, 999, 2);
}

static void time_fields_to_time_round_trips(void **state)
{
    static const LONGLONG samples[] = { 0LL, 94405824000000000LL, 116444736000000000LL, 125963012967890000LL,
                                        157519333230000000LL, 0x7FFFFFFFFFFFFFFFLL - 0x7FFFFFFFFFFFFFFFLL % 10000 };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        LARGE_INTEGER in, out;
        TIME_FIELDS f;

        in.QuadPart = samples[i];
        RtlTimeToTimeFields(&in, &f);
        out.QuadPart = -1;
        assert_true(RtlTimeFieldsToTime(&f, &out));
        assert_int_equal(out.QuadPart, in.QuadPart);
    }
}

static void time_fields_to_time_ignores_weekday(void **state)
{
    TIME_FIELDS f = { 2100, 2, 28, 1, 2, 3, 0, 6 };
    LARGE_INTEGER t;

    (void)state;
    assert_true(RtlTimeFieldsToTime(&f, &t));
    assert_int_equal(t.QuadPart, 157519333230000000LL);
}

static void time_fields_to_time_rejects_invalid_fields(void **state)
{
    static const TIME_FIELDS bad[] = {
        { 1600, 12, 31, 23, 59, 59, 999, 0 }, /* before 1601 */
        { 2023, 0, 1, 0, 0, 0, 0, 0 },         { 2023, 13, 1, 0, 0, 0, 0, 0 },
        { 2023, 1, 0, 0, 0, 0, 0, 0 },         { 2023, 4, 31, 0, 0, 0, 0, 0 },
        { 1900, 2, 29, 0, 0, 0, 0, 0 }, /* 1900 is not a leap year */
        { 2023, 1, 1, 24, 0, 0, 0, 0 },        { 2023, 1, 1, -1, 0, 0, 0, 0 },
        { 2023, 1, 1, 0, 60, 0, 0, 0 },        { 2023, 1, 1, 0, 0, 60, 0, 0 },
        { 2023, 1, 1, 0, 0, 0, 1000, 0 },      { 2023, 1, 1, 0, 0, 0, -1, 0 },
        { 32000, 1, 1, 0, 0, 0, 0, 0 }, /* beyond what a LARGE_INTEGER holds */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        TIME_FIELDS f = bad[i];
        LARGE_INTEGER t;

        t.QuadPart = 12345;
        if (RtlTimeFieldsToTime(&f, &t))
            fail_msg("entry %zu was accepted", i);
        assert_int_equal(t.QuadPart, 12345);
    }
}

static void time_fields_to_time_accepts_leap_days(void **state)
{
    TIME_FIELDS f = { 2000, 2, 29, 12, 34, 56, 789, 0 };
    LARGE_INTEGER t;

    (void)state;
    assert_true(RtlTimeFieldsToTime(&f, &t));
    assert_int_equal(t.QuadPart, 125963012967890000LL);
    f.Year = 2024;
    assert_true(RtlTimeFieldsToTime(&f, &t));
}

/* ---- random numbers and byte swaps -------------------------------------------------------------- */

static void random_ex_is_deterministic_per_seed(void **state)
{
    ULONG a = 12345, b = 12345;
    int i;

    (void)state;
    for (i = 0; i < 100; i++) {
        ULONG x = RtlRandomEx(&a);

        assert_int_equal(x, RtlRandomEx(&b));
        assert_int_equal(x, a); /* the seed is updated to the value returned */
        assert_true(x <= 0x7FFFFFFEu);
    }
}

static void random_ex_follows_the_documented_generator(void **state)
{
    ULONG seed = 1;

    (void)state;
    assert_int_equal(RtlRandomEx(&seed), (ULONG)((0x7FFFFFEDull + 0x7FFFFFC3ull) % 0x7FFFFFFFull));
    seed = 0xFFFFFFFFu;
    assert_true(RtlRandomEx(&seed) <= 0x7FFFFFFEu);
}

static void random_is_deterministic_and_in_range(void **state)
{
    ULONG a = 0, b = 0, first;
    int i, distinct = 0;

    (void)state;
    first = RtlRandom(&a);
    assert_int_equal(first, RtlRandom(&b));
    for (i = 0; i < 1000; i++) {
        ULONG x = RtlRandom(&a);

        assert_int_equal(x, RtlRandom(&b));
        assert_true(x <= 0x7FFFFFFEu);
        distinct += (x != first);
    }
    assert_true(distinct > 990);
}

static void byte_swaps_reverse_byte_order(void **state)
{
    (void)state;
    assert_int_equal(RtlUshortByteSwap(0x1234), 0x3412);
    assert_int_equal(RtlUlongByteSwap(0x12345678u), 0x78563412u);
    assert_true(RtlUlonglongByteSwap(0x0123456789ABCDEFull) == 0xEFCDAB8967452301ull);
    assert_int_equal(RtlUlongByteSwap(RtlUlongByteSwap(0xDEADBEEFu)), 0xDEADBEEFu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(initialize_bitmap_stores_fields_without_touching_buffer),
        cmocka_unit_test(set_all_and_clear_all_cover_whole_ulongs),
        cmocka_unit_test(set_bits_spans_words),
        cmocka_unit_test(clear_bits_spans_words),
        cmocka_unit_test(zero_count_set_and_clear_do_nothing),
        cmocka_unit_test(ranges_past_the_end_are_cut_at_size),
        cmocka_unit_test(set_bit_clear_bit_and_test_bit),
        cmocka_unit_test(are_bits_clear_and_set_check_the_range),
        cmocka_unit_test(are_bits_false_for_zero_length_or_outside_bitmap),
        cmocka_unit_test(number_of_set_bits_ignores_bits_past_size),
        cmocka_unit_test(find_clear_bits_starts_at_hint),
        cmocka_unit_test(find_clear_bits_skips_runs_that_are_too_short),
        cmocka_unit_test(find_clear_bits_wraps_around_to_the_start),
        cmocka_unit_test(find_clear_bits_finds_run_ending_at_last_bit),
        cmocka_unit_test(find_bits_not_found_returns_all_ones),
        cmocka_unit_test(find_bits_zero_count_returns_hint_rounded_to_byte),
        cmocka_unit_test(find_bits_hint_outside_bitmap_means_zero),
        cmocka_unit_test(find_clear_bits_and_set_marks_the_run),
        cmocka_unit_test(find_set_bits_and_clear_clears_the_run),
        cmocka_unit_test(find_and_modify_leaves_bitmap_alone_when_not_found),
        cmocka_unit_test(get_version_reports_windows_10_22h2),
        cmocka_unit_test(get_version_fills_ex_fields_for_ex_size),
        cmocka_unit_test(get_version_with_plain_size_leaves_ex_fields_alone),
        cmocka_unit_test(get_version_rejects_unknown_size),
        cmocka_unit_test(ps_get_version_reports_the_same_release),
        cmocka_unit_test(is_ntddi_version_available_accepts_releases_up_to_win10),
        cmocka_unit_test(is_service_pack_version_installed_needs_same_release),
        cmocka_unit_test(time_to_time_fields_epoch_is_monday_1601),
        cmocka_unit_test(time_to_time_fields_known_dates),
        cmocka_unit_test(time_fields_to_time_round_trips),
        cmocka_unit_test(time_fields_to_time_ignores_weekday),
        cmocka_unit_test(time_fields_to_time_rejects_invalid_fields),
        cmocka_unit_test(time_fields_to_time_accepts_leap_days),
        cmocka_unit_test(random_ex_is_deterministic_per_seed),
        cmocka_unit_test(random_ex_follows_the_documented_generator),
        cmocka_unit_test(random_is_deterministic_and_in_range),
        cmocka_unit_test(byte_swaps_reverse_byte_order),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
