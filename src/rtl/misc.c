/*
 * src/rtl/misc.c - the small, self-contained run-time-library DDIs of ddk/wdm/rtl.h.
 *
 * Owns:
 *  - RTL bitmaps: RtlInitializeBitMap, RtlClearAllBits, RtlSetAllBits, RtlClearBits,
 *    RtlSetBits, RtlClearBit, RtlSetBit, RtlTestBit, RtlFindClearBits, RtlFindSetBits,
 *    RtlFindClearBitsAndSet, RtlFindSetBitsAndClear, RtlAreBitsClear, RtlAreBitsSet,
 *    RtlNumberOfSetBits, RtlNumberOfClearBits;
 *  - version information: RtlGetVersion, PsGetVersion, RtlIsNtDdiVersionAvailable,
 *    RtlIsServicePackVersionInstalled, describing Windows 10 version 22H2 (10.0.19045, no
 *    service pack, workstation);
 *  - RtlTimeToTimeFields / RtlTimeFieldsToTime (100 ns units since 1601-01-01, proleptic
 *    Gregorian calendar);
 *  - RtlRandom / RtlRandomEx;
 *  - RtlUshortByteSwap, RtlUlongByteSwap, RtlUlonglongByteSwap.
 *
 * Bitmap conventions: bit i lives in Buffer[i / 32] at bit position i % 32 (the layout the
 * RtlCheckBit macro reads).  Routines that name a range never touch bits at or beyond
 * SizeOfBitMap: a range that runs past the end is cut at the end, and RtlSetBit/RtlClearBit
 * of a bit past the end do nothing (Windows writes there; here a driver bug must not corrupt
 * the test process).  RtlSetAllBits/RtlClearAllBits write whole ULONGs, including the unused
 * bits of the last one, as Windows does.
 */
#include <wdm.h>

#include <stdint.h>
#include <string.h>

#include "platform/platform.h"

/* ---- bitmaps -------------------------------------------------------------------------------- */

#define BITMAP_NOT_FOUND 0xFFFFFFFFu
#define BITS_PER_WORD 32u

static BOOLEAN bit_value(const RTL_BITMAP *bitmap, ULONG index)
{
    return (BOOLEAN)((bitmap->Buffer[index / BITS_PER_WORD] >> (index % BITS_PER_WORD)) & 1u);
}

/* Sets (value TRUE) or clears bits [start, start + count), cut at the end of the bitmap. */
static void bits_assign(PRTL_BITMAP bitmap, ULONG start, ULONG count, BOOLEAN value)
{
    ULONG end;

    if (start >= bitmap->SizeOfBitMap || count == 0)
        return;
    if (count > bitmap->SizeOfBitMap - start)
        count = bitmap->SizeOfBitMap - start;
    end = start + count;
    while (start < end) {
        ULONG shift = start % BITS_PER_WORD;
        ULONG n = BITS_PER_WORD - shift;
        ULONG mask;

        if (n > end - start)
            n = end - start;
        mask = (n == BITS_PER_WORD ? 0xFFFFFFFFu : ((1u << n) - 1u)) << shift;
        if (value)
            bitmap->Buffer[start / BITS_PER_WORD] |= mask;
        else
            bitmap->Buffer[start / BITS_PER_WORD] &= ~mask;
        start += n;
    }
}

/* Number of consecutive bits equal to value from start, not looking at or past end. */
static ULONG run_length(const RTL_BITMAP *bitmap, ULONG start, ULONG end, BOOLEAN value)
{
    ULONG uniform = value ? 0xFFFFFFFFu : 0u;
    ULONG i = start;

    while (i < end) {
        if (i % BITS_PER_WORD == 0 && end - i >= BITS_PER_WORD && bitmap->Buffer[i / BITS_PER_WORD] == uniform) {
            i += BITS_PER_WORD;
            continue;
        }
        if (bit_value(bitmap, i) != value)
            break;
        i++;
    }
    return i - start;
}

/* First index s with from <= s < start_limit such that bits [s, s + count) all equal value
 * and lie inside the bitmap; count >= 1 and count <= SizeOfBitMap. */
static ULONG find_run_from(const RTL_BITMAP *bitmap, ULONG from, ULONG start_limit, ULONG count, BOOLEAN value)
{
    ULONG size = bitmap->SizeOfBitMap;
    ULONG last_start = size - count;
    ULONG i = from;

    while (i < start_limit && i <= last_start) {
        ULONG length;

        i += run_length(bitmap, i, size, (BOOLEAN)!value);
        if (i >= start_limit || i > last_start)
            break;
        length = run_length(bitmap, i, i + count, value);
        if (length >= count)
            return i;
        i += length;
    }
    return BITMAP_NOT_FOUND;
}

/* The search of RtlFindClearBits/RtlFindSetBits: from HintIndex to the end, then from the
 * start of the bitmap up to the hint (a run found there may extend past the hint, but never
 * wraps from the end to the beginning).  A hint outside the bitmap means 0; a NumberToFind of
 * 0 gives the hint rounded down to a multiple of 8 (what ReactOS documents of Windows). */
static ULONG find_run(const RTL_BITMAP *bitmap, ULONG count, ULONG hint, BOOLEAN value)
{
    ULONG found;

    if (count > bitmap->SizeOfBitMap)
        return BITMAP_NOT_FOUND;
    if (hint >= bitmap->SizeOfBitMap)
        hint = 0;
    if (count == 0)
        return hint & ~7u;
    found = find_run_from(bitmap, hint, bitmap->SizeOfBitMap, count, value);
    if (found == BITMAP_NOT_FOUND && hint != 0)
        found = find_run_from(bitmap, 0, hint, count, value);
    return found;
}

static BOOLEAN range_is(const RTL_BITMAP *bitmap, ULONG start, ULONG length, BOOLEAN value)
{
    if (length == 0 || start >= bitmap->SizeOfBitMap || length > bitmap->SizeOfBitMap - start)
        return FALSE;
    return (BOOLEAN)(run_length(bitmap, start, start + length, value) == length);
}

VOID NTAPI RtlInitializeBitMap(PRTL_BITMAP BitMapHeader, PULONG BitMapBuffer, ULONG SizeOfBitMap)
{
    BitMapHeader->SizeOfBitMap = SizeOfBitMap;
    BitMapHeader->Buffer = BitMapBuffer;
}

VOID NTAPI RtlClearAllBits(PRTL_BITMAP BitMapHeader)
{
    size_t words = ((size_t)BitMapHeader->SizeOfBitMap + BITS_PER_WORD - 1) / BITS_PER_WORD;

    if (words != 0)
        memset(BitMapHeader->Buffer, 0, words * sizeof(ULONG));
}

VOID NTAPI RtlSetAllBits(PRTL_BITMAP BitMapHeader)
{
    size_t words = ((size_t)BitMapHeader->SizeOfBitMap + BITS_PER_WORD - 1) / BITS_PER_WORD;

    if (words != 0)
        memset(BitMapHeader->Buffer, 0xFF, words * sizeof(ULONG));
}

VOID NTAPI RtlClearBits(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG NumberToClear)
{
    bits_assign(BitMapHeader, StartingIndex, NumberToClear, FALSE);
}

VOID NTAPI RtlSetBits(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG NumberToSet)
{
    bits_assign(BitMapHeader, StartingIndex, NumberToSet, TRUE);
}

VOID NTAPI RtlClearBit(PRTL_BITMAP BitMapHeader, ULONG BitNumber)
{
    bits_assign(BitMapHeader, BitNumber, 1, FALSE);
}

VOID NTAPI RtlSetBit(PRTL_BITMAP BitMapHeader, ULONG BitNumber)
{
    bits_assign(BitMapHeader, BitNumber, 1, TRUE);
}

BOOLEAN NTAPI RtlTestBit(PRTL_BITMAP BitMapHeader, ULONG BitNumber)
{
    if (BitNumber >= BitMapHeader->SizeOfBitMap)
        return FALSE;
    return bit_value(BitMapHeader, BitNumber);
}

ULONG NTAPI RtlFindClearBits(PRTL_BITMAP BitMapHeader, ULONG NumberToFind, ULONG HintIndex)
{
    return find_run(BitMapHeader, NumberToFind, HintIndex, FALSE);
}

ULONG NTAPI RtlFindSetBits(PRTL_BITMAP BitMapHeader, ULONG NumberToFind, ULONG HintIndex)
{
    return find_run(BitMapHeader, NumberToFind, HintIndex, TRUE);
}

ULONG NTAPI RtlFindClearBitsAndSet(PRTL_BITMAP BitMapHeader, ULONG NumberToFind, ULONG HintIndex)
{
    ULONG index = find_run(BitMapHeader, NumberToFind, HintIndex, FALSE);

    if (index != BITMAP_NOT_FOUND)
        bits_assign(BitMapHeader, index, NumberToFind, TRUE);
    return index;
}

ULONG NTAPI RtlFindSetBitsAndClear(PRTL_BITMAP BitMapHeader, ULONG NumberToFind, ULONG HintIndex)
{
    ULONG index = find_run(BitMapHeader, NumberToFind, HintIndex, TRUE);

    if (index != BITMAP_NOT_FOUND)
        bits_assign(BitMapHeader, index, NumberToFind, FALSE);
    return index;
}

BOOLEAN NTAPI RtlAreBitsClear(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG Length)
{
    return range_is(BitMapHeader, StartingIndex, Length, FALSE);
}

BOOLEAN NTAPI RtlAreBitsSet(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG Length)
{
    return range_is(BitMapHeader, StartingIndex, Length, TRUE);
}

ULONG NTAPI RtlNumberOfSetBits(PRTL_BITMAP BitMapHeader)
{
    ULONG full_words = BitMapHeader->SizeOfBitMap / BITS_PER_WORD;
    ULONG tail_bits = BitMapHeader->SizeOfBitMap % BITS_PER_WORD;
    ULONG count = 0;
    ULONG i;

    for (i = 0; i < full_words; i++)
        count += (ULONG)PLAT_POPCOUNT32(BitMapHeader->Buffer[i]);
    if (tail_bits != 0)
        count += (ULONG)PLAT_POPCOUNT32(BitMapHeader->Buffer[full_words] & ((1u << tail_bits) - 1u));
    return count;
}

ULONG NTAPI RtlNumberOfClearBits(PRTL_BITMAP BitMapHeader)
{
    return BitMapHeader->SizeOfBitMap - RtlNumberOfSetBits(BitMapHeader);
}

/* ---- version information ------------------------------------------------------------------ */

#define OS_MAJOR_VERSION 10u
#define OS_MINOR_VERSION 0u
#define OS_BUILD_NUMBER 19045u
/* The NTDDI value of the running system: Windows 10 2004 to 22H2 all report NTDDI_WIN10_VB. */
#define OS_NTDDI_VERSION NTDDI_WIN10_VB
/* VER_SUITE_TERMINAL | VER_SUITE_SINGLEUSERTS: a workstation with one interactive session. */
#define OS_SUITE_MASK 0x0110u

static const WCHAR os_csd_version[1] = { 0 };

NTSTATUS NTAPI RtlGetVersion(PRTL_OSVERSIONINFOW lpVersionInformation)
{
    ULONG size;

    if (lpVersionInformation == NULL)
        return STATUS_INVALID_PARAMETER;
    /* The size selects the structure; anything else is refused (as ReactOS and Windows do). */
    size = lpVersionInformation->dwOSVersionInfoSize;
    if (size != sizeof(RTL_OSVERSIONINFOW) && size != sizeof(RTL_OSVERSIONINFOEXW))
        return STATUS_INVALID_PARAMETER;
    lpVersionInformation->dwMajorVersion = OS_MAJOR_VERSION;
    lpVersionInformation->dwMinorVersion = OS_MINOR_VERSION;
    lpVersionInformation->dwBuildNumber = OS_BUILD_NUMBER;
    lpVersionInformation->dwPlatformId = VER_PLATFORM_WIN32_NT;
    memset(lpVersionInformation->szCSDVersion, 0, sizeof(lpVersionInformation->szCSDVersion));
    if (size == sizeof(RTL_OSVERSIONINFOEXW)) {
        PRTL_OSVERSIONINFOEXW ex = (PRTL_OSVERSIONINFOEXW)lpVersionInformation;

        ex->wServicePackMajor = 0;
        ex->wServicePackMinor = 0;
        ex->wSuiteMask = OS_SUITE_MASK;
        ex->wProductType = VER_NT_WORKSTATION;
        ex->wReserved = 0;
    }
    return STATUS_SUCCESS;
}

BOOLEAN NTAPI PsGetVersion(PULONG MajorVersion, PULONG MinorVersion, PULONG BuildNumber, PUNICODE_STRING CSDVersion)
{
    if (MajorVersion != NULL)
        *MajorVersion = OS_MAJOR_VERSION;
    if (MinorVersion != NULL)
        *MinorVersion = OS_MINOR_VERSION;
    if (BuildNumber != NULL)
        *BuildNumber = OS_BUILD_NUMBER;
    if (CSDVersion != NULL) {
        /* No service pack: an empty, read-only string. */
        CSDVersion->Length = 0;
        CSDVersion->MaximumLength = sizeof(os_csd_version);
        CSDVersion->Buffer = (PWCH)os_csd_version;
    }
    return FALSE; /* TRUE would mean a checked (debug) build of Windows */
}

BOOLEAN NTAPI RtlIsNtDdiVersionAvailable(ULONG Version)
{
    /* The kernel accepts only whole-release values (low 16 bits zero) no newer than itself,
     * so sub-release values such as NTDDI_WIN10_RS1 are FALSE even on later systems. */
    return (BOOLEAN)((Version & 0xFFFFu) == 0 && Version <= OS_NTDDI_VERSION);
}

BOOLEAN NTAPI RtlIsServicePackVersionInstalled(ULONG Version)
{
    /* Same major/minor release as the running one, and no service pack beyond SP0. */
    return (BOOLEAN)((Version & 0xFFFF0000u) == (OS_NTDDI_VERSION & 0xFFFF0000u) && (Version & 0xFF00u) == 0);
}

/* ---- time fields ---------------------------------------------------------------------------- */

#define TICKS_PER_MILLISECOND 10000LL
#define TICKS_PER_SECOND 10000000LL
#define TICKS_PER_DAY (86400LL * TICKS_PER_SECOND)
#define DAYS_1601_TO_1970 134774LL

/* Days from 1970-01-01 to the given date of the proleptic Gregorian calendar (negative before),
 * counting in 400-year eras that start on March 1st so that leap days end each era's years. */
static int64_t days_from_civil(int64_t year, ULONG month, ULONG day)
{
    int64_t era, y = year - (month <= 2 ? 1 : 0);
    ULONG year_of_era, day_of_year, day_of_era;

    era = (y >= 0 ? y : y - 399) / 400;
    year_of_era = (ULONG)(y - era * 400);
    day_of_year = (153u * (month > 2 ? month - 3 : month + 9) + 2u) / 5u + day - 1u;
    day_of_era = year_of_era * 365u + year_of_era / 4u - year_of_era / 100u + day_of_year;
    return era * 146097 + (int64_t)day_of_era - 719468;
}

/* Inverse of days_from_civil. */
static void civil_from_days(int64_t days, int64_t *year, ULONG *month, ULONG *day)
{
    int64_t era, z = days + 719468;
    ULONG day_of_era, year_of_era, day_of_year, mp;

    era = (z >= 0 ? z : z - 146096) / 146097;
    day_of_era = (ULONG)(z - era * 146097);
    year_of_era = (day_of_era - day_of_era / 1460u + day_of_era / 36524u - day_of_era / 146096u) / 365u;
    day_of_year = day_of_era - (365u * year_of_era + year_of_era / 4u - year_of_era / 100u);
    mp = (5u * day_of_year + 2u) / 153u;
    *day = day_of_year - (153u * mp + 2u) / 5u + 1u;
    *month = mp < 10u ? mp + 3u : mp - 9u;
    *year = (int64_t)year_of_era + era * 400 + (*month <= 2u ? 1 : 0);
}

static BOOLEAN is_leap_year(int64_t year)
{
    return (BOOLEAN)((year % 4 == 0 && year % 100 != 0) || year % 400 == 0);
}

static ULONG days_in_month(int64_t year, ULONG month)
{
    static const UCHAR lengths[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    return lengths[month - 1] + (month == 2 && is_leap_year(year) ? 1u : 0u);
}

VOID NTAPI RtlTimeToTimeFields(PLARGE_INTEGER Time, PTIME_FIELDS TimeFields)
{
    int64_t ticks = Time->QuadPart;
    int64_t days = ticks / TICKS_PER_DAY;
    int64_t rest = ticks % TICKS_PER_DAY;
    int64_t year;
    ULONG month, day;

    if (rest < 0) { /* floor division, so times before 1601 land on the right day */
        rest += TICKS_PER_DAY;
        days--;
    }
    civil_from_days(days - DAYS_1601_TO_1970, &year, &month, &day);
    TimeFields->Year = (CSHORT)year;
    TimeFields->Month = (CSHORT)month;
    TimeFields->Day = (CSHORT)day;
    TimeFields->Hour = (CSHORT)(rest / (3600 * TICKS_PER_SECOND));
    TimeFields->Minute = (CSHORT)(rest / (60 * TICKS_PER_SECOND) % 60);
    TimeFields->Second = (CSHORT)(rest / TICKS_PER_SECOND % 60);
    TimeFields->Milliseconds = (CSHORT)(rest / TICKS_PER_MILLISECOND % 1000);
    /* 1601-01-01 was a Monday (1); Sunday is 0. */
    TimeFields->Weekday = (CSHORT)(((days % 7) + 7 + 1) % 7);
}

BOOLEAN NTAPI RtlTimeFieldsToTime(PTIME_FIELDS TimeFields, PLARGE_INTEGER Time)
{
    const TIME_FIELDS *f = TimeFields;
    int64_t days, day_ticks;

    /* Weekday is ignored, as documented; every other field must be in its documented range. */
    if (f->Year < 1601 || f->Month < 1 || f->Month > 12 || f->Day < 1 ||
        (ULONG)f->Day > days_in_month(f->Year, (ULONG)f->Month) || f->Hour < 0 || f->Hour > 23 ||
        f->Minute < 0 || f->Minute > 59 || f->Second < 0 || f->Second > 59 || f->Milliseconds < 0 ||
        f->Milliseconds > 999)
        return FALSE;
    days = days_from_civil(f->Year, (ULONG)f->Month, (ULONG)f->Day) + DAYS_1601_TO_1970;
    day_ticks = ((int64_t)f->Hour * 3600 + (int64_t)f->Minute * 60 + f->Second) * TICKS_PER_SECOND +
                (int64_t)f->Milliseconds * TICKS_PER_MILLISECOND;
    /* Dates after 30828-09-14 do not fit a LARGE_INTEGER. */
    if (days > (INT64_MAX - day_ticks) / TICKS_PER_DAY)
        return FALSE;
    Time->QuadPart = days * TICKS_PER_DAY + day_ticks;
    return TRUE;
}

/* ---- random numbers ------------------------------------------------------------------------- */

/*
 * One step of the linear congruential generator Windows uses for RtlUniform:
 *     seed' = (seed * 0x7FFFFFED + 0x7FFFFFC3) mod 0x7FFFFFFF
 * which yields values in [0, MAXLONG - 1].  Both routines here are pure functions of *Seed
 * (no hidden state), so the same seed always gives the same sequence:
 *  - RtlRandomEx takes one step and returns the new seed;
 *  - RtlRandom takes two steps and returns the second value.  (Windows' RtlRandom also
 *    shuffles through a global 128-entry table, which makes its results depend on every earlier
 *    call in the system; that shared state is deliberately left out.)
 */
static ULONG lcg_step(ULONG seed)
{
    return (ULONG)(((uint64_t)seed * 0x7FFFFFEDu + 0x7FFFFFC3u) % 0x7FFFFFFFu);
}

ULONG NTAPI RtlRandomEx(PULONG Seed)
{
    *Seed = lcg_step(*Seed);
    return *Seed;
}

ULONG NTAPI RtlRandom(PULONG Seed)
{
    *Seed = lcg_step(lcg_step(*Seed));
    return *Seed;
}

/* ---- byte order ----------------------------------------------------------------------------- */

USHORT NTAPI RtlUshortByteSwap(USHORT Source)
{
    return (USHORT)PLAT_BSWAP16(Source);
}

ULONG NTAPI RtlUlongByteSwap(ULONG Source)
{
    return (ULONG)PLAT_BSWAP32(Source);
}

ULONGLONG NTAPI RtlUlonglongByteSwap(ULONGLONG Source)
{
    return (ULONGLONG)PLAT_BSWAP64(Source);
}
