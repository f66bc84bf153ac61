/*
 * src/rtl/strsafe.c - the kernel's safe string routines of <ntstrsafe.h>.
 *
 * Owns every DDI declared in ddk/ntstrsafe.h: RtlStringCch/Cb Copy, CopyN, CopyEx, Cat, CatN,
 * Printf, VPrintf, PrintfEx and Length in their A (char) and W (WCHAR) forms, and the
 * UNICODE_STRING family (RtlUnicodeStringInit/InitEx/Validate/Copy/CopyString/Cat/CatString/
 * Printf/VPrintf).  In the WDK these are inline functions; here they are library functions
 * with the same prototypes and results.
 *
 * Every algorithm is written once and works on either character width: a string is a
 * `void *` plus `wide` (FALSE: bytes, TRUE: UTF-16 code units), read and written through
 * unit_at()/unit_put().  Counts called cch are in units of that width.
 *
 * Contract, from the WDK documentation (Wine/ReactOS where it is silent):
 *  - NUL-terminated destinations: a count of 0 or above NTSTRSAFE_MAX_CCH characters, or a
 *    NULL pointer, is STATUS_INVALID_PARAMETER.  The Cb forms divide the byte count by the
 *    character size first (an odd trailing byte of a W buffer is never touched, as in the
 *    WDK), so a W buffer of one byte holds zero characters and is rejected.
 *  - A result that does not fit is truncated, NUL-terminated and reported with
 *    STATUS_BUFFER_OVERFLOW.  Nothing is ever written outside [dest, dest + cch).
 *  - When the destination is usable but the request is not (NULL source or format, too large
 *    a cchToCopy) Copy/CopyN/Printf leave an empty string, as the WDK does for a bad count;
 *    Cat leaves the destination as it was.
 *  - Ex forms: STRSAFE_IGNORE_NULLS turns NULL sources into "" and allows a NULL destination
 *    of zero characters (which can only receive an empty result: anything else is
 *    STATUS_INVALID_PARAMETER, as the documentation lists); STRSAFE_FILL_BEHIND_NULL fills
 *    what follows the NUL on success; on failure STRSAFE_NO_TRUNCATION leaves the string as
 *    it was before the call (empty for copy/printf), STRSAFE_FILL_ON_FAILURE fills the whole
 *    buffer and NUL-terminates its last character, STRSAFE_NULL_ON_FAILURE leaves "" (applied
 *    in that order, as the WDK does).  *ppszDestEnd and *pcchRemaining are stored on success
 *    and on STATUS_BUFFER_OVERFLOW only.  Unknown flag bits are STATUS_INVALID_PARAMETER.
 *  - UNICODE_STRING routines work on counted text (no NUL is read or written; Length and
 *    MaximumLength are bytes), honour NTSTRSAFE_UNICODE_STRING_MAX_CCH, and leave the
 *    destination unchanged whenever they return STATUS_INVALID_PARAMETER.  A destination
 *    with no room at all (MaximumLength 0, or a Cat destination already full) given a
 *    non-empty source is STATUS_INVALID_PARAMETER, as the documentation lists.
 *  - printf output comes from the engines of rtl/format.h: narrow for the A forms, wide with
 *    Microsoft semantics (%s is WCHAR text) for the W and UNICODE_STRING forms.
 */
#include <ntstrsafe.h>

#include <stdlib.h>
#include <string.h>

#include "rtl/format.h"

/* Longest string, in characters, the NUL-terminated routines handle. */
#define NTSTRSAFE_MAX_LENGTH ((size_t)NTSTRSAFE_MAX_CCH - 1)

/* Flag bits the Ex routines accept: the fill byte and the five STRSAFE_ flags. */
#define STRSAFE_VALID_FLAGS                                                                        \
    (0x000000FFu | STRSAFE_IGNORE_NULLS | STRSAFE_FILL_BEHIND_NULL | STRSAFE_FILL_ON_FAILURE |     \
     STRSAFE_NULL_ON_FAILURE | STRSAFE_NO_TRUNCATION)
#define STRSAFE_FAILURE_FLAGS (STRSAFE_NO_TRUNCATION | STRSAFE_FILL_ON_FAILURE | STRSAFE_NULL_ON_FAILURE)
#define STRSAFE_FILL_PATTERN(flags) ((int)((flags) & 0xFFu))

/* Largest MaximumLength, in bytes, a UNICODE_STRING handled here may have. */
#define STRSAFE_UNICODE_MAX_BYTES ((size_t)NTSTRSAFE_UNICODE_STRING_MAX_CCH * sizeof(WCHAR))

static const char empty_narrow[1] = { '\0' };
static const WCHAR empty_wide[1] = { 0 };

/* ---- character-width-independent access ------------------------------------------------- */

static size_t unit_size(BOOLEAN wide)
{
    return wide ? sizeof(WCHAR) : sizeof(char);
}

static ULONG unit_at(const void *s, BOOLEAN wide, size_t i)
{
    return wide ? (ULONG)((const WCHAR *)s)[i] : (ULONG)((const unsigned char *)s)[i];
}

static void unit_put(void *s, BOOLEAN wide, size_t i, ULONG value)
{
    if (wide)
        ((WCHAR *)s)[i] = (WCHAR)value;
    else
        ((char *)s)[i] = (char)(unsigned char)value;
}

static void *unit_ptr(void *s, BOOLEAN wide, size_t i)
{
    return (char *)s + i * unit_size(wide);
}

static const void *empty_string(BOOLEAN wide)
{
    return wide ? (const void *)empty_wide : (const void *)empty_narrow;
}

/* ---- workers ----------------------------------------------------------------------------- */

/* A destination the non-Ex routines accept: present, 1..NTSTRSAFE_MAX_CCH characters. */
static BOOLEAN dest_is_valid(const void *dest, size_t cch_dest)
{
    return dest != NULL && cch_dest != 0 && cch_dest <= NTSTRSAFE_MAX_CCH;
}

/* What the WDK does with a destination it rejects for its size: a count above the maximum
 * still gets an empty string when there is a buffer at all; a count of 0 gets nothing. */
static NTSTATUS reject_dest(void *dest, size_t cch_dest, BOOLEAN wide)
{
    if (dest != NULL && cch_dest != 0)
        unit_put(dest, wide, 0, 0);
    return STATUS_INVALID_PARAMETER;
}

/* Number of units before the NUL of s, looking at no more than cch_max units; a string with
 * no NUL among them is STATUS_INVALID_PARAMETER (and a length of 0). */
static NTSTATUS length_units(const void *s, size_t cch_max, BOOLEAN wide, size_t *length)
{
    size_t n = 0;

    while (n < cch_max && unit_at(s, wide, n) != 0)
        n++;
    if (n == cch_max) {
        *length = 0;
        return STATUS_INVALID_PARAMETER;
    }
    *length = n;
    return STATUS_SUCCESS;
}

/* Copies at most cch_to_copy units of src, stopping at its NUL, into dest of cch_dest >= 1
 * units, and NUL-terminates.  When the text and its NUL do not fit, the last unit gives way
 * to the NUL and the result is STATUS_BUFFER_OVERFLOW.  src is read no further than needed,
 * so a source that is not NUL-terminated within cch_to_copy units is fine. */
static NTSTATUS copy_units(void *dest, size_t cch_dest, const void *src, size_t cch_to_copy, BOOLEAN wide,
                           size_t *copied)
{
    NTSTATUS status = STATUS_SUCCESS;
    size_t n = 0;

    while (n < cch_dest && n < cch_to_copy) {
        ULONG c = unit_at(src, wide, n);

        if (c == 0)
            break;
        unit_put(dest, wide, n, c);
        n++;
    }
    if (n == cch_dest) {
        n--;
        status = STATUS_BUFFER_OVERFLOW;
    }
    unit_put(dest, wide, n, 0);
    if (copied != NULL)
        *copied = n;
    return status;
}

/* Formats into dest of cch_dest >= 1 units; the engines already truncate and terminate the
 * way the safe string routines want, and report the length the whole text needs. */
static NTSTATUS printf_units(void *dest, size_t cch_dest, const void *format, va_list ap, BOOLEAN wide,
                             size_t *written)
{
    size_t needed;
    va_list aq;

    va_copy(aq, ap);
    if (wide)
        needed = rtl_vformat_w((uint16_t *)dest, cch_dest, (const uint16_t *)format, aq);
    else
        needed = rtl_vformat((char *)dest, cch_dest, (const char *)format, aq);
    va_end(aq);
    if (needed >= cch_dest) {
        *written = cch_dest - 1;
        return STATUS_BUFFER_OVERFLOW;
    }
    *written = needed;
    return STATUS_SUCCESS;
}

/* ---- shared bodies of the non-Ex routines -------------------------------------------------- */

static NTSTATUS copy_common(void *dest, size_t cch_dest, const void *src, size_t cch_to_copy, BOOLEAN wide)
{
    if (!dest_is_valid(dest, cch_dest))
        return reject_dest(dest, cch_dest, wide);
    if (src == NULL || cch_to_copy > NTSTRSAFE_MAX_LENGTH) {
        unit_put(dest, wide, 0, 0);
        return STATUS_INVALID_PARAMETER;
    }
    return copy_units(dest, cch_dest, src, cch_to_copy, wide, NULL);
}

static NTSTATUS cat_common(void *dest, size_t cch_dest, const void *src, size_t cch_to_append, BOOLEAN wide)
{
    size_t length;
    NTSTATUS status;

    if (!dest_is_valid(dest, cch_dest) || src == NULL || cch_to_append > NTSTRSAFE_MAX_LENGTH)
        return STATUS_INVALID_PARAMETER;
    /* A destination with no NUL within cch_dest is "already full": invalid, left alone. */
    status = length_units(dest, cch_dest, wide, &length);
    if (!NT_SUCCESS(status))
        return status;
    return copy_units(unit_ptr(dest, wide, length), cch_dest - length, src, cch_to_append, wide, NULL);
}

static NTSTATUS printf_common(void *dest, size_t cch_dest, const void *format, va_list ap, BOOLEAN wide)
{
    size_t written;

    if (!dest_is_valid(dest, cch_dest))
        return reject_dest(dest, cch_dest, wide);
    if (format == NULL) {
        unit_put(dest, wide, 0, 0);
        return STATUS_INVALID_PARAMETER;
    }
    return printf_units(dest, cch_dest, format, ap, wide, &written);
}

static NTSTATUS length_common(const void *s, size_t cch_max, BOOLEAN wide, size_t *length)
{
    size_t n = 0;
    NTSTATUS status = STATUS_INVALID_PARAMETER;

    if (s != NULL && cch_max <= NTSTRSAFE_MAX_CCH)
        status = length_units(s, cch_max, wide, &n);
    if (length != NULL)
        *length = NT_SUCCESS(status) ? n : 0;
    return status;
}

/* ---- the Ex machinery ------------------------------------------------------------------- */

/* Destination rules of the Ex routines: with STRSAFE_IGNORE_NULLS a NULL buffer of zero
 * characters is allowed (and so is any zero-character buffer); without it the non-Ex rules
 * apply. */
static BOOLEAN ex_dest_is_valid(const void *dest, size_t cch_dest, ULONG flags)
{
    if (flags & STRSAFE_IGNORE_NULLS)
        return !(dest == NULL && cch_dest != 0) && cch_dest <= NTSTRSAFE_MAX_CCH;
    return dest_is_valid(dest, cch_dest);
}

/* Fills the units after the NUL at end with the fill byte (STRSAFE_FILL_BEHIND_NULL). */
static void ex_fill_behind(void *end, size_t cch_remaining, ULONG flags, BOOLEAN wide)
{
    if (cch_remaining > 1)
        memset(unit_ptr(end, wide, 1), STRSAFE_FILL_PATTERN(flags), (cch_remaining - 1) * unit_size(wide));
}

/* The failure flags, applied in the WDK's order to a buffer of cch_dest >= 1 units that held
 * a string of original_length units before the call. */
static void ex_handle_failure(void *dest, size_t cch_dest, size_t original_length, ULONG flags, BOOLEAN wide,
                              void **end, size_t *remaining)
{
    if (flags & STRSAFE_NO_TRUNCATION) {
        *end = unit_ptr(dest, wide, original_length);
        *remaining = cch_dest - original_length;
        unit_put(dest, wide, original_length, 0);
    }
    if (flags & STRSAFE_FILL_ON_FAILURE) {
        memset(dest, STRSAFE_FILL_PATTERN(flags), cch_dest * unit_size(wide));
        if (STRSAFE_FILL_PATTERN(flags) == 0) {
            *end = dest;
            *remaining = cch_dest;
        } else {
            *end = unit_ptr(dest, wide, cch_dest - 1);
            *remaining = 1;
            unit_put(dest, wide, cch_dest - 1, 0);
        }
    }
    if (flags & STRSAFE_NULL_ON_FAILURE) {
        *end = dest;
        *remaining = cch_dest;
        unit_put(dest, wide, 0, 0);
    }
}

/* What an Ex routine produces from a source: copied text or formatted text. */
enum ex_operation { EX_COPY, EX_PRINTF };

static NTSTATUS ex_common(void *dest, size_t cch_dest, const void *src, va_list *ap, enum ex_operation op,
                          void **dest_end, size_t *cch_remaining, ULONG flags, BOOLEAN wide)
{
    NTSTATUS status = STATUS_SUCCESS;
    void *end = dest;
    size_t remaining = cch_dest;

    if (!ex_dest_is_valid(dest, cch_dest, flags))
        return STATUS_INVALID_PARAMETER;
    if (src == NULL) {
        if (flags & STRSAFE_IGNORE_NULLS)
            src = empty_string(wide);
        else
            status = STATUS_INVALID_PARAMETER;
    }
    if (NT_SUCCESS(status) && (flags & ~STRSAFE_VALID_FLAGS) != 0)
        status = STATUS_INVALID_PARAMETER;
    if (!NT_SUCCESS(status)) {
        if (cch_dest != 0)
            unit_put(dest, wide, 0, 0);
    } else if (cch_dest == 0) {
        /* Nothing fits, not even a NUL: only an empty source (or format) succeeds. */
        if (unit_at(src, wide, 0) != 0)
            status = STATUS_INVALID_PARAMETER;
    } else {
        size_t length;

        if (op == EX_COPY)
            status = copy_units(dest, cch_dest, src, NTSTRSAFE_MAX_LENGTH, wide, &length);
        else
            status = printf_units(dest, cch_dest, src, *ap, wide, &length);
        end = unit_ptr(dest, wide, length);
        remaining = cch_dest - length;
        if (NT_SUCCESS(status) && (flags & STRSAFE_FILL_BEHIND_NULL))
            ex_fill_behind(end, remaining, flags, wide);
    }
    if (!NT_SUCCESS(status) && (flags & STRSAFE_FAILURE_FLAGS) && cch_dest != 0)
        ex_handle_failure(dest, cch_dest, 0, flags, wide, &end, &remaining);
    if (NT_SUCCESS(status) || status == STATUS_BUFFER_OVERFLOW) {
        if (dest_end != NULL)
            *dest_end = end;
        if (cch_remaining != NULL)
            *cch_remaining = remaining;
    }
    return status;
}

/* ---- copy ----------------------------------------------------------------------------------- */

NTSTATUS NTAPI RtlStringCchCopyA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc)
{
    return copy_common(pszDest, cchDest, pszSrc, NTSTRSAFE_MAX_LENGTH, FALSE);
}

NTSTATUS NTAPI RtlStringCchCopyW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc)
{
    return copy_common(pszDest, cchDest, pszSrc, NTSTRSAFE_MAX_LENGTH, TRUE);
}

NTSTATUS NTAPI RtlStringCbCopyA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc)
{
    return copy_common(pszDest, cbDest / sizeof(char), pszSrc, NTSTRSAFE_MAX_LENGTH, FALSE);
}

NTSTATUS NTAPI RtlStringCbCopyW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc)
{
    return copy_common(pszDest, cbDest / sizeof(WCHAR), pszSrc, NTSTRSAFE_MAX_LENGTH, TRUE);
}

NTSTATUS NTAPI RtlStringCchCopyNA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc, size_t cchToCopy)
{
    return copy_common(pszDest, cchDest, pszSrc, cchToCopy, FALSE);
}

NTSTATUS NTAPI RtlStringCchCopyNW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc, size_t cchToCopy)
{
    return copy_common(pszDest, cchDest, pszSrc, cchToCopy, TRUE);
}

NTSTATUS NTAPI RtlStringCbCopyNA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc, size_t cbToCopy)
{
    return copy_common(pszDest, cbDest / sizeof(char), pszSrc, cbToCopy / sizeof(char), FALSE);
}

NTSTATUS NTAPI RtlStringCbCopyNW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc, size_t cbToCopy)
{
    return copy_common(pszDest, cbDest / sizeof(WCHAR), pszSrc, cbToCopy / sizeof(WCHAR), TRUE);
}

NTSTATUS NTAPI RtlStringCchCopyExA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc,
                                   NTSTRSAFE_PSTR *ppszDestEnd, size_t *pcchRemaining, ULONG dwFlags)
{
    void *end = NULL;
    NTSTATUS status = ex_common(pszDest, cchDest, pszSrc, NULL, EX_COPY, &end, pcchRemaining, dwFlags, FALSE);

    if (ppszDestEnd != NULL && (NT_SUCCESS(status) || status == STATUS_BUFFER_OVERFLOW))
        *ppszDestEnd = (NTSTRSAFE_PSTR)end;
    return status;
}

NTSTATUS NTAPI RtlStringCchCopyExW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc,
                                   NTSTRSAFE_PWSTR *ppszDestEnd, size_t *pcchRemaining, ULONG dwFlags)
{
    void *end = NULL;
    NTSTATUS status = ex_common(pszDest, cchDest, pszSrc, NULL, EX_COPY, &end, pcchRemaining, dwFlags, TRUE);

    if (ppszDestEnd != NULL && (NT_SUCCESS(status) || status == STATUS_BUFFER_OVERFLOW))
        *ppszDestEnd = (NTSTRSAFE_PWSTR)end;
    return status;
}

/* ---- concatenation ---------------------------------------------------------------------------- */

NTSTATUS NTAPI RtlStringCchCatA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc)
{
    return cat_common(pszDest, cchDest, pszSrc, NTSTRSAFE_MAX_LENGTH, FALSE);
}

NTSTATUS NTAPI RtlStringCchCatW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc)
{
    return cat_common(pszDest, cchDest, pszSrc, NTSTRSAFE_MAX_LENGTH, TRUE);
}

NTSTATUS NTAPI RtlStringCbCatA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc)
{
    return cat_common(pszDest, cbDest / sizeof(char), pszSrc, NTSTRSAFE_MAX_LENGTH, FALSE);
}

NTSTATUS NTAPI RtlStringCbCatW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc)
{
    return cat_common(pszDest, cbDest / sizeof(WCHAR), pszSrc, NTSTRSAFE_MAX_LENGTH, TRUE);
}

NTSTATUS NTAPI RtlStringCchCatNA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc, size_t cchToAppend)
{
    return cat_common(pszDest, cchDest, pszSrc, cchToAppend, FALSE);
}

NTSTATUS NTAPI RtlStringCchCatNW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc, size_t cchToAppend)
{
    return cat_common(pszDest, cchDest, pszSrc, cchToAppend, TRUE);
}

/* ---- formatting ----------------------------------------------------------------------------- */

NTSTATUS NTAPI RtlStringCchVPrintfA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszFormat, va_list argList)
{
    return printf_common(pszDest, cchDest, pszFormat, argList, FALSE);
}

NTSTATUS NTAPI RtlStringCchVPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszFormat, va_list argList)
{
    return printf_common(pszDest, cchDest, pszFormat, argList, TRUE);
}

NTSTATUS NTAPI RtlStringCbVPrintfA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszFormat, va_list argList)
{
    return printf_common(pszDest, cbDest / sizeof(char), pszFormat, argList, FALSE);
}

NTSTATUS NTAPI RtlStringCbVPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszFormat, va_list argList)
{
    return printf_common(pszDest, cbDest / sizeof(WCHAR), pszFormat, argList, TRUE);
}

NTSTATUS NTAPI RtlStringCchPrintfA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszFormat, ...)
{
    NTSTATUS status;
    va_list ap;

    va_start(ap, pszFormat);
    status = printf_common(pszDest, cchDest, pszFormat, ap, FALSE);
    va_end(ap);
    return status;
}

NTSTATUS NTAPI RtlStringCchPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszFormat, ...)
{
    NTSTATUS status;
    va_list ap;

    va_start(ap, pszFormat);
    status = printf_common(pszDest, cchDest, pszFormat, ap, TRUE);
    va_end(ap);
    return status;
}

NTSTATUS NTAPI RtlStringCbPrintfA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszFormat, ...)
{
    NTSTATUS status;
    va_list ap;

    va_start(ap, pszFormat);
    status = printf_common(pszDest, cbDest / sizeof(char), pszFormat, ap, FALSE);
    va_end(ap);
    return status;
}

NTSTATUS NTAPI RtlStringCbPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszFormat, ...)
{
    NTSTATUS status;
    va_list ap;

    va_start(ap, pszFormat);
    status = printf_common(pszDest, cbDest / sizeof(WCHAR), pszFormat, ap, TRUE);
    va_end(ap);
    return status;
}

NTSTATUS NTAPI RtlStringCchPrintfExA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PSTR *ppszDestEnd,
                                     size_t *pcchRemaining, ULONG dwFlags, NTSTRSAFE_PCSTR pszFormat, ...)
{
    void *end = NULL;
    NTSTATUS status;
    va_list ap;

    va_start(ap, pszFormat);
    status = ex_common(pszDest, cchDest, pszFormat, &ap, EX_PRINTF, &end, pcchRemaining, dwFlags, FALSE);
    va_end(ap);
    if (ppszDestEnd != NULL && (NT_SUCCESS(status) || status == STATUS_BUFFER_OVERFLOW))
        *ppszDestEnd = (NTSTRSAFE_PSTR)end;
    return status;
}

NTSTATUS NTAPI RtlStringCchPrintfExW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PWSTR *ppszDestEnd,
                                     size_t *pcchRemaining, ULONG dwFlags, NTSTRSAFE_PCWSTR pszFormat, ...)
{
    void *end = NULL;
    NTSTATUS status;
    va_list ap;

    va_start(ap, pszFormat);
    status = ex_common(pszDest, cchDest, pszFormat, &ap, EX_PRINTF, &end, pcchRemaining, dwFlags, TRUE);
    va_end(ap);
    if (ppszDestEnd != NULL && (NT_SUCCESS(status) || status == STATUS_BUFFER_OVERFLOW))
        *ppszDestEnd = (NTSTRSAFE_PWSTR)end;
    return status;
}

/* ---- length ----------------------------------------------------------------------------------- */

NTSTATUS NTAPI RtlStringCchLengthA(NTSTRSAFE_PCSTR psz, size_t cchMax, size_t *pcchLength)
{
    return length_common(psz, cchMax, FALSE, pcchLength);
}

NTSTATUS NTAPI RtlStringCchLengthW(NTSTRSAFE_PCWSTR psz, size_t cchMax, size_t *pcchLength)
{
    return length_common(psz, cchMax, TRUE, pcchLength);
}

NTSTATUS NTAPI RtlStringCbLengthA(NTSTRSAFE_PCSTR psz, size_t cbMax, size_t *pcbLength)
{
    return length_common(psz, cbMax / sizeof(char), FALSE, pcbLength);
}

NTSTATUS NTAPI RtlStringCbLengthW(NTSTRSAFE_PCWSTR psz, size_t cbMax, size_t *pcbLength)
{
    size_t cch = 0;
    NTSTATUS status;

    /* The byte limit is checked as given, before it is turned into characters. */
    if (cbMax > (size_t)NTSTRSAFE_MAX_CCH * sizeof(WCHAR))
        psz = NULL;
    status = length_common(psz, cbMax / sizeof(WCHAR), TRUE, &cch);
    if (pcbLength != NULL)
        *pcbLength = cch * sizeof(WCHAR);
    return status;
}

/* ---- UNICODE_STRING --------------------------------------------------------------------------- */

static NTSTATUS unicode_string_check(PCUNICODE_STRING s)
{
    if (s == NULL)
        return STATUS_INVALID_PARAMETER;
    if ((s->Length % sizeof(WCHAR)) != 0 || (s->MaximumLength % sizeof(WCHAR)) != 0 ||
        s->Length > s->MaximumLength || s->MaximumLength > STRSAFE_UNICODE_MAX_BYTES)
        return STATUS_INVALID_PARAMETER;
    if (s->Buffer == NULL && (s->Length != 0 || s->MaximumLength != 0))
        return STATUS_INVALID_PARAMETER;
    return STATUS_SUCCESS;
}

/* Stores count code units of src (counted: NULs are ordinary units) after the current text of
 * dest, or in its place when replace is set, as far as MaximumLength allows. */
static NTSTATUS unicode_string_store(PUNICODE_STRING dest, const WCHAR *src, size_t count, BOOLEAN replace)
{
    size_t capacity = dest->MaximumLength / sizeof(WCHAR);
    size_t start = replace ? 0 : dest->Length / sizeof(WCHAR);
    size_t room = capacity - start;
    size_t n = count < room ? count : room;

    if (count != 0 && room == 0)
        return STATUS_INVALID_PARAMETER;
    if (n != 0)
        memmove(dest->Buffer + start, src, n * sizeof(WCHAR));
    dest->Length = (USHORT)((start + n) * sizeof(WCHAR));
    return n < count ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

/* Length of a NUL-terminated source for the UNICODE_STRING routines, reading at most limit + 1
 * units: a result above limit only means "more than fits". */
static size_t wide_length_upto(PCWSTR s, size_t limit)
{
    size_t n = 0;

    while (n <= limit && s[n] != 0)
        n++;
    return n;
}

static NTSTATUS unicode_string_init(PUNICODE_STRING dest, PCWSTR src, ULONG flags)
{
    size_t length;

    if (dest == NULL)
        return (src == NULL && (flags & STRSAFE_IGNORE_NULLS)) ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
    dest->Length = 0;
    dest->MaximumLength = 0;
    dest->Buffer = NULL;
    if (src == NULL)
        return STATUS_SUCCESS;
    /* The text and its NUL must fit a MaximumLength: at most MAX_CCH - 1 characters. */
    if (!NT_SUCCESS(length_units(src, NTSTRSAFE_UNICODE_STRING_MAX_CCH, TRUE, &length)))
        return STATUS_INVALID_PARAMETER;
    dest->Length = (USHORT)(length * sizeof(WCHAR));
    dest->MaximumLength = (USHORT)((length + 1) * sizeof(WCHAR));
    dest->Buffer = (PWCH)src;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI RtlUnicodeStringInit(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc)
{
    return unicode_string_init(DestinationString, pszSrc, 0);
}

NTSTATUS NTAPI RtlUnicodeStringInitEx(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc, ULONG dwFlags)
{
    if ((dwFlags & ~(ULONG)STRSAFE_IGNORE_NULLS) != 0)
        return STATUS_INVALID_PARAMETER;
    return unicode_string_init(DestinationString, pszSrc, dwFlags);
}

NTSTATUS NTAPI RtlUnicodeStringValidate(PCUNICODE_STRING SourceString)
{
    return unicode_string_check(SourceString);
}

NTSTATUS NTAPI RtlUnicodeStringCopy(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString)
{
    if (!NT_SUCCESS(unicode_string_check(DestinationString)) || !NT_SUCCESS(unicode_string_check(SourceString)))
        return STATUS_INVALID_PARAMETER;
    return unicode_string_store(DestinationString, SourceString->Buffer, SourceString->Length / sizeof(WCHAR), TRUE);
}

NTSTATUS NTAPI RtlUnicodeStringCopyString(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc)
{
    if (!NT_SUCCESS(unicode_string_check(DestinationString)) || pszSrc == NULL)
        return STATUS_INVALID_PARAMETER;
    return unicode_string_store(DestinationString, pszSrc,
                                wide_length_upto(pszSrc, DestinationString->MaximumLength / sizeof(WCHAR)), TRUE);
}

NTSTATUS NTAPI RtlUnicodeStringCat(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString)
{
    if (!NT_SUCCESS(unicode_string_check(DestinationString)) || !NT_SUCCESS(unicode_string_check(SourceString)))
        return STATUS_INVALID_PARAMETER;
    return unicode_string_store(DestinationString, SourceString->Buffer, SourceString->Length / sizeof(WCHAR), FALSE);
}

NTSTATUS NTAPI RtlUnicodeStringCatString(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc)
{
    size_t room;

    if (!NT_SUCCESS(unicode_string_check(DestinationString)) || pszSrc == NULL)
        return STATUS_INVALID_PARAMETER;
    room = (DestinationString->MaximumLength - DestinationString->Length) / sizeof(WCHAR);
    return unicode_string_store(DestinationString, pszSrc, wide_length_upto(pszSrc, room), FALSE);
}

NTSTATUS NTAPI RtlUnicodeStringVPrintf(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszFormat, va_list argList)
{
    const uint16_t *format = (const uint16_t *)pszFormat;
    size_t capacity, needed, stored;
    uint16_t *scratch;
    va_list aq;

    if (!NT_SUCCESS(unicode_string_check(DestinationString)) || pszFormat == NULL)
        return STATUS_INVALID_PARAMETER;
    capacity = DestinationString->MaximumLength / sizeof(WCHAR);
    va_copy(aq, argList);
    needed = rtl_vformat_w(NULL, 0, format, aq);
    va_end(aq);
    if (capacity == 0) {
        if (needed != 0)
            return STATUS_INVALID_PARAMETER;
        DestinationString->Length = 0;
        return STATUS_SUCCESS;
    }
    va_copy(aq, argList);
    if (needed < capacity) {
        /* Fits with room to spare; the engine's NUL lands inside the buffer, after Length. */
        rtl_vformat_w((uint16_t *)DestinationString->Buffer, capacity, format, aq);
        stored = needed;
    } else {
        /* A counted string needs no NUL, so the text may fill every unit; the engine always
         * keeps one unit for a NUL, so it formats into a scratch buffer one unit larger. */
        scratch = malloc((capacity + 1) * sizeof(uint16_t));
        if (scratch != NULL) {
            rtl_vformat_w(scratch, capacity + 1, format, aq);
            memcpy(DestinationString->Buffer, scratch, capacity * sizeof(WCHAR));
            free(scratch);
            stored = capacity;
        } else {
            rtl_vformat_w((uint16_t *)DestinationString->Buffer, capacity, format, aq);
            stored = capacity - 1;
        }
    }
    va_end(aq);
    DestinationString->Length = (USHORT)(stored * sizeof(WCHAR));
    return stored < needed ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

NTSTATUS NTAPI RtlUnicodeStringPrintf(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszFormat, ...)
{
    NTSTATUS status;
    va_list ap;

    va_start(ap, pszFormat);
    status = RtlUnicodeStringVPrintf(DestinationString, pszFormat, ap);
    va_end(ap);
    return status;
}
