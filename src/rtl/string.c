/*
 * src/rtl/string.c - the counted-string part of the Rtl run-time library.
 *
 * Owns the UNICODE_STRING / ANSI_STRING / UTF8_STRING DDIs declared in
 * ddk/wdm/rtl.h: initialisation, copy, append, comparison, case mapping,
 * ANSI and UTF-8 conversion, integer <-> text, x65599 hashing, GUID <-> text,
 * RtlCompareMemory and RtlCompareMemoryUlong; plus the internal case-mapping
 * helpers rtl_upcase()/rtl_downcase() declared in rtl/rtl.h.
 *
 * Rules every routine here follows:
 *  - Length and MaximumLength are byte counts. Nothing is read past a source's
 *    Length and nothing is written past a destination's MaximumLength; a
 *    terminating NUL is stored only by routines documented to store one, and
 *    only when it fits.
 *  - The "ANSI" (and OEM) code page is ISO-8859-1: bytes 0x00-0xFF are
 *    U+0000-U+00FF, and UTF-16 code units above U+00FF become '?'. One byte is
 *    always one code unit, so sizes are Length / 2 + 1 and Length * 2 + 2.
 *  - The UTF-8 routines are real UTF-8 <-> UTF-16. Malformed input becomes
 *    U+FFFD and is reported with STATUS_SOME_NOT_MAPPED (a success code).
 *  - Case mapping is the table described in rtl/rtl.h.
 *  - Buffers are allocated with ExAllocatePoolWithTag(PagedPool, n,
 *    RTL_STRING_POOL_TAG) and released with ExFreePool(); malloc is never used.
 */
#include "rtl/rtl.h"

/* Largest even byte count a UNICODE_STRING can describe (the WDK's MAX_USTRING). */
#define RTL_MAX_USTRING ((SIZE_T)(MAXUSHORT & ~1u))
/* Length limits of the Init routines: the NUL must still fit in MaximumLength. */
#define RTL_MAX_INIT_UNICODE_CHARS ((RTL_MAX_USTRING - sizeof(WCHAR)) / sizeof(WCHAR))
#define RTL_MAX_INIT_ANSI_CHARS ((SIZE_T)MAXUSHORT - 1)

#define RTL_GUID_STRING_CHARS 38 /* {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX} */

/* ---- small helpers ------------------------------------------------------------------------ */

static PVOID rtl_string_alloc(SIZE_T bytes)
{
    /* A zero-byte request still returns a real buffer, so an empty result string has a
     * Buffer the caller can free like any other. */
    if (bytes == 0)
        bytes = sizeof(WCHAR);
    return ExAllocatePoolWithTag(PagedPool, bytes, RTL_STRING_POOL_TAG);
}

static VOID rtl_string_free(PVOID buffer)
{
    ExFreePool(buffer);
}

/* Number of code units before the first NUL, looking at no more than limit + 1 units:
 * a result greater than limit only means "longer than limit". */
static SIZE_T wide_length_upto(PCWSTR s, SIZE_T limit)
{
    SIZE_T n = 0;

    while (n <= limit && s[n] != UNICODE_NULL)
        n++;
    return n;
}

static SIZE_T narrow_length_upto(PCSZ s, SIZE_T limit)
{
    SIZE_T n = 0;

    while (n <= limit && s[n] != '\0')
        n++;
    return n;
}

static UCHAR unicode_to_latin1(WCHAR c)
{
    return c <= 0xFF ? (UCHAR)c : (UCHAR)'?';
}

/* ---- case mapping ------------------------------------------------------------------------- */

/* Latin Extended-A: which code units are the capital member of a case pair. */
static BOOLEAN latin_ext_a_is_upper(ULONG c)
{
    if ((c >= 0x0100 && c <= 0x012F) || (c >= 0x0132 && c <= 0x0137) || (c >= 0x014A && c <= 0x0177))
        return (c & 1) == 0;
    if ((c >= 0x0139 && c <= 0x0148) || (c >= 0x0179 && c <= 0x017E))
        return (c & 1) == 1;
    return FALSE;
}

static BOOLEAN latin_ext_a_is_lower(ULONG c)
{
    if ((c >= 0x0100 && c <= 0x012F) || (c >= 0x0132 && c <= 0x0137) || (c >= 0x014A && c <= 0x0177))
        return (c & 1) == 1;
    if ((c >= 0x0139 && c <= 0x0148) || (c >= 0x0179 && c <= 0x017E))
        return (c & 1) == 0;
    return FALSE;
}

WCHAR rtl_upcase(WCHAR c)
{
    ULONG u = c;

    if (u < 0x80)
        return (u >= 'a' && u <= 'z') ? (WCHAR)(u - 0x20) : c;
    if (u < 0xE0)
        return c; /* U+00B5 MICRO SIGN keeps its code point, as on Windows */
    if (u <= 0xFE)
        return u == 0xF7 ? c : (WCHAR)(u - 0x20);
    if (u == 0xFF)
        return (WCHAR)0x0178;
    if (u <= 0x017F)
        return latin_ext_a_is_lower(u) ? (WCHAR)(u - 1) : c;
    if (u >= 0x03AC && u <= 0x03CE) {
        if (u == 0x03AC)
            return (WCHAR)0x0386;
        if (u <= 0x03AF)
            return (WCHAR)(u - 0x25); /* U+03AD-U+03AF -> U+0388-U+038A */
        if (u >= 0x03B1 && u <= 0x03CB && u != 0x03C2)
            return (WCHAR)(u - 0x20);
        if (u == 0x03CC)
            return (WCHAR)0x038C;
        if (u == 0x03CD)
            return (WCHAR)0x038E;
        if (u == 0x03CE)
            return (WCHAR)0x038F;
        return c;
    }
    if (u >= 0x0430 && u <= 0x044F)
        return (WCHAR)(u - 0x20);
    if (u >= 0x0450 && u <= 0x045F)
        return (WCHAR)(u - 0x50);
    if (u >= 0xFF41 && u <= 0xFF5A)
        return (WCHAR)(u - 0x20);
    return c;
}

WCHAR rtl_downcase(WCHAR c)
{
    ULONG u = c;

    if (u < 0x80)
        return (u >= 'A' && u <= 'Z') ? (WCHAR)(u + 0x20) : c;
    if (u < 0xC0)
        return c;
    if (u <= 0xDE)
        return u == 0xD7 ? c : (WCHAR)(u + 0x20);
    if (u < 0x0100)
        return c;
    if (u == 0x0178)
        return (WCHAR)0x00FF;
    if (u <= 0x017F)
        return latin_ext_a_is_upper(u) ? (WCHAR)(u + 1) : c;
    if (u >= 0x0386 && u <= 0x03AB) {
        if (u == 0x0386)
            return (WCHAR)0x03AC;
        if (u >= 0x0388 && u <= 0x038A)
            return (WCHAR)(u + 0x25);
        if (u == 0x038C)
            return (WCHAR)0x03CC;
        if (u == 0x038E)
            return (WCHAR)0x03CD;
        if (u == 0x038F)
            return (WCHAR)0x03CE;
        if (u >= 0x0391 && u != 0x03A2)
            return (WCHAR)(u + 0x20);
        return c;
    }
    if (u >= 0x0400 && u <= 0x040F)
        return (WCHAR)(u + 0x50);
    if (u >= 0x0410 && u <= 0x042F)
        return (WCHAR)(u + 0x20);
    if (u >= 0xFF21 && u <= 0xFF3A)
        return (WCHAR)(u + 0x20);
    return c;
}

WCHAR NTAPI RtlUpcaseUnicodeChar(_In_ WCHAR SourceCharacter)
{
    return rtl_upcase(SourceCharacter);
}

WCHAR NTAPI RtlDowncaseUnicodeChar(_In_ WCHAR SourceCharacter)
{
    return rtl_downcase(SourceCharacter);
}

/* Documented as meant for the ASCII letters; like Windows it changes nothing else. */
CHAR NTAPI RtlUpperChar(_In_ CHAR Character)
{
    if (Character >= 'a' && Character <= 'z')
        return (CHAR)(Character - ('a' - 'A'));
    return Character;
}

/* ---- initialisation ----------------------------------------------------------------------- */

VOID NTAPI RtlInitUnicodeString(_Out_ PUNICODE_STRING DestinationString, _In_opt_z_ PCWSTR SourceString)
{
    SIZE_T chars = 0;

    if (SourceString != NULL) {
        chars = wide_length_upto(SourceString, RTL_MAX_INIT_UNICODE_CHARS);
        if (chars > RTL_MAX_INIT_UNICODE_CHARS)
            chars = RTL_MAX_INIT_UNICODE_CHARS; /* Length 0xFFFC, MaximumLength 0xFFFE */
        DestinationString->Length = (USHORT)(chars * sizeof(WCHAR));
        DestinationString->MaximumLength = (USHORT)(chars * sizeof(WCHAR) + sizeof(WCHAR));
    } else {
        DestinationString->Length = 0;
        DestinationString->MaximumLength = 0;
    }
    DestinationString->Buffer = (PWCH)SourceString;
}

NTSTATUS NTAPI RtlInitUnicodeStringEx(_Out_ PUNICODE_STRING DestinationString, _In_opt_z_ PCWSTR SourceString)
{
    if (SourceString != NULL) {
        SIZE_T chars = wide_length_upto(SourceString, RTL_MAX_INIT_UNICODE_CHARS);

        if (chars > RTL_MAX_INIT_UNICODE_CHARS)
            return STATUS_NAME_TOO_LONG; /* destination left as it was */
        DestinationString->Length = (USHORT)(chars * sizeof(WCHAR));
        DestinationString->MaximumLength = (USHORT)(chars * sizeof(WCHAR) + sizeof(WCHAR));
    } else {
        DestinationString->Length = 0;
        DestinationString->MaximumLength = 0;
    }
    DestinationString->Buffer = (PWCH)SourceString;
    return STATUS_SUCCESS;
}

static VOID init_narrow(PSTRING destination, PCSZ source)
{
    SIZE_T chars = 0;

    if (source != NULL) {
        chars = narrow_length_upto(source, RTL_MAX_INIT_ANSI_CHARS);
        if (chars > RTL_MAX_INIT_ANSI_CHARS)
            chars = RTL_MAX_INIT_ANSI_CHARS; /* Length MAXUSHORT - 1, MaximumLength MAXUSHORT */
        destination->Length = (USHORT)chars;
        destination->MaximumLength = (USHORT)(chars + 1);
    } else {
        destination->Length = 0;
        destination->MaximumLength = 0;
    }
    destination->Buffer = (PCHAR)source;
}

VOID NTAPI RtlInitString(_Out_ PSTRING DestinationString, _In_opt_z_ PCSZ SourceString)
{
    init_narrow(DestinationString, SourceString);
}

VOID NTAPI RtlInitAnsiString(_Out_ PANSI_STRING DestinationString, _In_opt_z_ PCSZ SourceString)
{
    init_narrow(DestinationString, SourceString);
}

VOID NTAPI RtlInitUTF8String(_Out_ PUTF8_STRING DestinationString, _In_opt_z_ PCSZ SourceString)
{
    init_narrow(DestinationString, SourceString);
}

NTSTATUS NTAPI RtlInitAnsiStringEx(_Out_ PANSI_STRING DestinationString, _In_opt_z_ PCSZ SourceString)
{
    if (SourceString != NULL && narrow_length_upto(SourceString, RTL_MAX_INIT_ANSI_CHARS) > RTL_MAX_INIT_ANSI_CHARS)
        return STATUS_NAME_TOO_LONG; /* destination left as it was */
    init_narrow(DestinationString, SourceString);
    return STATUS_SUCCESS;
}

/* ---- copy and append ---------------------------------------------------------------------- */

VOID NTAPI RtlCopyUnicodeString(_Inout_ PUNICODE_STRING DestinationString, _In_opt_ PCUNICODE_STRING SourceString)
{
    USHORT bytes;

    if (SourceString == NULL) {
        DestinationString->Length = 0;
        return;
    }
    bytes = SourceString->Length < DestinationString->MaximumLength ? SourceString->Length
                                                                      : DestinationString->MaximumLength;
    bytes = (USHORT)(bytes & ~1u); /* whole characters only */
    if (bytes != 0)
        memmove(DestinationString->Buffer, SourceString->Buffer, bytes);
    DestinationString->Length = bytes;
    if ((ULONG)bytes + sizeof(WCHAR) <= DestinationString->MaximumLength)
        memset((PCHAR)DestinationString->Buffer + bytes, 0, sizeof(WCHAR));
}

VOID NTAPI RtlCopyString(_Out_ PSTRING DestinationString, _In_opt_ const STRING *SourceString)
{
    USHORT bytes;

    if (SourceString == NULL) {
        DestinationString->Length = 0;
        return;
    }
    bytes = SourceString->Length < DestinationString->MaximumLength ? SourceString->Length
                                                                      : DestinationString->MaximumLength;
    if (bytes != 0)
        memmove(DestinationString->Buffer, SourceString->Buffer, bytes);
    DestinationString->Length = bytes;
}

/* Appends bytes to a UNICODE_STRING, NUL-terminating when the NUL fits. */
static NTSTATUS append_unicode_bytes(PUNICODE_STRING destination, const VOID *source, SIZE_T bytes)
{
    SIZE_T total;

    if (bytes == 0)
        return STATUS_SUCCESS;
    total = (SIZE_T)destination->Length + bytes;
    if (total > destination->MaximumLength)
        return STATUS_BUFFER_TOO_SMALL;
    memmove((PCHAR)destination->Buffer + destination->Length, source, bytes);
    destination->Length = (USHORT)total;
    if (total + sizeof(WCHAR) <= destination->MaximumLength)
        memset((PCHAR)destination->Buffer + total, 0, sizeof(WCHAR));
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI RtlAppendUnicodeToString(_Inout_ PUNICODE_STRING Destination, _In_opt_z_ PCWSTR Source)
{
    SIZE_T chars;

    if (Source == NULL)
        return STATUS_SUCCESS;
    /* Anything longer than MAXUSHORT bytes cannot fit, so the scan can stop there. */
    chars = wide_length_upto(Source, MAXUSHORT / sizeof(WCHAR) + 1);
    return append_unicode_bytes(Destination, Source, chars * sizeof(WCHAR));
}

NTSTATUS NTAPI RtlAppendUnicodeStringToString(_Inout_ PUNICODE_STRING Destination, _In_ PCUNICODE_STRING Source)
{
    return append_unicode_bytes(Destination, Source->Buffer, Source->Length);
}

NTSTATUS NTAPI RtlAppendStringToString(_Inout_ PSTRING Destination, _In_ const STRING *Source)
{
    SIZE_T total;

    if (Source->Length == 0)
        return STATUS_SUCCESS;
    total = (SIZE_T)Destination->Length + Source->Length;
    if (total > Destination->MaximumLength)
        return STATUS_BUFFER_TOO_SMALL;
    memmove(Destination->Buffer + Destination->Length, Source->Buffer, Source->Length);
    Destination->Length = (USHORT)total; /* never NUL-terminated */
    return STATUS_SUCCESS;
}

/* ---- comparison --------------------------------------------------------------------------- */

static LONG length_difference(SIZE_T a, SIZE_T b)
{
    SIZE_T d;

    if (a == b)
        return 0;
    d = a > b ? a - b : b - a;
    if (d > (SIZE_T)MAXLONG)
        d = (SIZE_T)MAXLONG;
    return a > b ? (LONG)d : -(LONG)d;
}

LONG NTAPI RtlCompareUnicodeStrings(_In_reads_(String1Length) PCWCH String1, _In_ SIZE_T String1Length,
                                    _In_reads_(String2Length) PCWCH String2, _In_ SIZE_T String2Length,
                                    _In_ BOOLEAN CaseInSensitive)
{
    SIZE_T n = String1Length < String2Length ? String1Length : String2Length;
    SIZE_T i;

    for (i = 0; i < n; i++) {
        WCHAR c1 = String1[i];
        WCHAR c2 = String2[i];

        if (CaseInSensitive) {
            c1 = rtl_upcase(c1);
            c2 = rtl_upcase(c2);
        }
        if (c1 != c2)
            return (LONG)c1 - (LONG)c2;
    }
    return length_difference(String1Length, String2Length);
}

LONG NTAPI RtlCompareUnicodeString(_In_ PCUNICODE_STRING String1, _In_ PCUNICODE_STRING String2,
                                   _In_ BOOLEAN CaseInSensitive)
{
    return RtlCompareUnicodeStrings(String1->Buffer, String1->Length / sizeof(WCHAR), String2->Buffer,
                                    String2->Length / sizeof(WCHAR), CaseInSensitive);
}

/* Bytes compare as unsigned values, so 0x80-0xFF sort after ASCII. */
LONG NTAPI RtlCompareString(_In_ const STRING *String1, _In_ const STRING *String2, _In_ BOOLEAN CaseInSensitive)
{
    USHORT n = String1->Length < String2->Length ? String1->Length : String2->Length;
    USHORT i;

    for (i = 0; i < n; i++) {
        CHAR c1 = String1->Buffer[i];
        CHAR c2 = String2->Buffer[i];

        if (CaseInSensitive) {
            c1 = RtlUpperChar(c1);
            c2 = RtlUpperChar(c2);
        }
        if (c1 != c2)
            return (LONG)(UCHAR)c1 - (LONG)(UCHAR)c2;
    }
    return (LONG)String1->Length - (LONG)String2->Length;
}

BOOLEAN NTAPI RtlEqualUnicodeString(_In_ PCUNICODE_STRING String1, _In_ PCUNICODE_STRING String2,
                                    _In_ BOOLEAN CaseInSensitive)
{
    if (String1->Length != String2->Length)
        return FALSE;
    return (BOOLEAN)(RtlCompareUnicodeString(String1, String2, CaseInSensitive) == 0);
}

BOOLEAN NTAPI RtlEqualString(_In_ const STRING *String1, _In_ const STRING *String2, _In_ BOOLEAN CaseInSensitive)
{
    if (String1->Length != String2->Length)
        return FALSE;
    return (BOOLEAN)(RtlCompareString(String1, String2, CaseInSensitive) == 0);
}

BOOLEAN NTAPI RtlPrefixUnicodeString(_In_ PCUNICODE_STRING String1, _In_ PCUNICODE_STRING String2,
                                     _In_ BOOLEAN CaseInSensitive)
{
    SIZE_T n = String1->Length / sizeof(WCHAR);
    SIZE_T i;

    if (n > String2->Length / sizeof(WCHAR))
        return FALSE;
    for (i = 0; i < n; i++) {
        WCHAR c1 = String1->Buffer[i];
        WCHAR c2 = String2->Buffer[i];

        if (CaseInSensitive) {
            c1 = rtl_upcase(c1);
            c2 = rtl_upcase(c2);
        }
        if (c1 != c2)
            return FALSE;
    }
    return TRUE;
}

/* ---- case conversion of whole strings ------------------------------------------------------ */

/* Shared by RtlUpcaseUnicodeString and RtlDowncaseUnicodeString. The destination may be
 * the source itself; it is never NUL-terminated (the source need not be either). */
static NTSTATUS map_unicode_string(PUNICODE_STRING destination, PCUNICODE_STRING source, BOOLEAN allocate,
                                   WCHAR (*map)(WCHAR))
{
    USHORT bytes = source->Length;
    SIZE_T i;

    if (allocate) {
        PWCH buffer = rtl_string_alloc(bytes);

        if (buffer == NULL)
            return STATUS_NO_MEMORY;
        destination->Buffer = buffer;
        destination->MaximumLength = bytes;
    } else if (bytes > destination->MaximumLength) {
        return STATUS_BUFFER_OVERFLOW;
    }
    for (i = 0; i < bytes / sizeof(WCHAR); i++)
        destination->Buffer[i] = map(source->Buffer[i]);
    destination->Length = (USHORT)(bytes & ~1u);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI RtlUpcaseUnicodeString(_Inout_ PUNICODE_STRING DestinationString, _In_ PCUNICODE_STRING SourceString,
                                      _In_ BOOLEAN AllocateDestinationString)
{
    return map_unicode_string(DestinationString, SourceString, AllocateDestinationString, rtl_upcase);
}

NTSTATUS NTAPI RtlDowncaseUnicodeString(_Inout_ PUNICODE_STRING DestinationString, _In_ PCUNICODE_STRING SourceString,
                                        _In_ BOOLEAN AllocateDestinationString)
{
    return map_unicode_string(DestinationString, SourceString, AllocateDestinationString, rtl_downcase);
}

VOID NTAPI RtlUpperString(_Inout_ PSTRING DestinationString, _In_ const STRING *SourceString)
{
    USHORT n = SourceString->Length < DestinationString->MaximumLength ? SourceString->Length
                                                                         : DestinationString->MaximumLength;
    USHORT i;

    for (i = 0; i < n; i++)
        DestinationString->Buffer[i] = RtlUpperChar(SourceString->Buffer[i]);
    DestinationString->Length = n;
}

/* ---- ANSI (ISO-8859-1) conversion ----------------------------------------------------------- */

NTSTATUS NTAPI RtlUnicodeToMultiByteN(_Out_writes_bytes_to_(MaxBytesInMultiByteString, *BytesInMultiByteString) PCHAR MultiByteString,
                                      _In_ ULONG MaxBytesInMultiByteString, _Out_opt_ PULONG BytesInMultiByteString,
                                      _In_reads_bytes_(BytesInUnicodeString) PCWCH UnicodeString,
                                      _In_ ULONG BytesInUnicodeString)
{
    ULONG n = BytesInUnicodeString / sizeof(WCHAR);
    ULONG i;

    if (n > MaxBytesInMultiByteString)
        n = MaxBytesInMultiByteString; /* truncation is not an error */
    for (i = 0; i < n; i++)
        MultiByteString[i] = (CHAR)unicode_to_latin1(UnicodeString[i]);
    if (BytesInMultiByteString != NULL)
        *BytesInMultiByteString = n;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI RtlMultiByteToUnicodeN(_Out_writes_bytes_to_(MaxBytesInUnicodeString, *BytesInUnicodeString) PWCH UnicodeString,
                                      _In_ ULONG MaxBytesInUnicodeString, _Out_opt_ PULONG BytesInUnicodeString,
                                      _In_reads_bytes_(BytesInMultiByteString) const CHAR *MultiByteString,
                                      _In_ ULONG BytesInMultiByteString)
{
    ULONG n = MaxBytesInUnicodeString / sizeof(WCHAR);
    ULONG i;

    if (n > BytesInMultiByteString)
        n = BytesInMultiByteString;
    /* Back to front, so UnicodeString may be the same buffer as MultiByteString. */
    for (i = n; i > 0; i--)
        UnicodeString[i - 1] = (WCHAR)(UCHAR)MultiByteString[i - 1];
    if (BytesInUnicodeString != NULL)
        *BytesInUnicodeString = n * sizeof(WCHAR);
    return STATUS_SUCCESS; /* never NUL-terminated */
}

ULONG NTAPI RtlxUnicodeStringToAnsiSize(_In_ PCUNICODE_STRING UnicodeString)
{
    return UnicodeString->Length / sizeof(WCHAR) + sizeof(CHAR);
}

ULONG NTAPI RtlxAnsiStringToUnicodeSize(_In_ PCANSI_STRING AnsiString)
{
    return (ULONG)(AnsiString->Length * sizeof(WCHAR) + sizeof(WCHAR));
}

/* Prepares the narrow destination of a Unicode-to-ANSI/UTF-8 conversion that needs `needed`
 * bytes including the NUL: allocates it, or checks the caller's buffer.  On TRUE, *capacity is
 * the number of characters to write before the NUL and *status is STATUS_SUCCESS or
 * STATUS_BUFFER_OVERFLOW (partial result); on FALSE the caller returns *status untouched. */
static BOOLEAN rtl_narrow_destination(PSTRING destination, SIZE_T needed, BOOLEAN allocate, SIZE_T *capacity,
                                      NTSTATUS *status)
{
    *status = STATUS_SUCCESS;
    if (allocate) {
        PCHAR buffer = rtl_string_alloc(needed);

        if (buffer == NULL) {
            *status = STATUS_NO_MEMORY;
            return FALSE;
        }
        destination->Buffer = buffer;
        destination->MaximumLength = (USHORT)needed;
        *capacity = needed - 1;
    } else if (needed > destination->MaximumLength) {
        *status = STATUS_BUFFER_OVERFLOW;
        if (destination->MaximumLength == 0)
            return FALSE;
        *capacity = destination->MaximumLength - 1u;
    } else {
        *capacity = needed - 1;
    }
    return TRUE;
}

/*
 * Not allocating and too small: the part that fits is converted and terminated and
 * STATUS_BUFFER_OVERFLOW returned; with MaximumLength 0 nothing is touched.
 */
NTSTATUS NTAPI RtlUnicodeStringToAnsiString(_When_(AllocateDestinationString, _Out_) _When_(!AllocateDestinationString, _Inout_) PANSI_STRING DestinationString, _In_ PCUNICODE_STRING SourceString,
                                            _In_ BOOLEAN AllocateDestinationString)
{
    ULONG needed = RtlxUnicodeStringToAnsiSize(SourceString);
    NTSTATUS status = STATUS_SUCCESS;
    ULONG chars;

    if (needed > MAXUSHORT)
        return STATUS_INVALID_PARAMETER_2;
    SIZE_T capacity;
    if (!rtl_narrow_destination(DestinationString, needed, AllocateDestinationString, &capacity, &status))
        return status;
    chars = (ULONG)capacity;
    RtlUnicodeToMultiByteN(DestinationString->Buffer, chars, &chars, SourceString->Buffer, SourceString->Length);
    DestinationString->Buffer[chars] = '\0';
    DestinationString->Length = (USHORT)chars;
    return status;
}

/* Not allocating and too small: STATUS_BUFFER_OVERFLOW, destination untouched. */
NTSTATUS NTAPI RtlAnsiStringToUnicodeString(_When_(AllocateDestinationString, _Out_) _When_(!AllocateDestinationString, _Inout_) PUNICODE_STRING DestinationString, _In_ PCANSI_STRING SourceString,
                                            _In_ BOOLEAN AllocateDestinationString)
{
    ULONG needed = RtlxAnsiStringToUnicodeSize(SourceString);
    ULONG bytes;

    if (needed > MAXUSHORT)
        return STATUS_INVALID_PARAMETER_2;
    if (AllocateDestinationString) {
        PWCH buffer = rtl_string_alloc(needed);

        if (buffer == NULL)
            return STATUS_NO_MEMORY;
        DestinationString->Buffer = buffer;
        DestinationString->MaximumLength = (USHORT)needed;
    } else if (needed > DestinationString->MaximumLength) {
        return STATUS_BUFFER_OVERFLOW;
    }
    RtlMultiByteToUnicodeN(DestinationString->Buffer, needed - (ULONG)sizeof(WCHAR), &bytes, SourceString->Buffer,
                           SourceString->Length);
    DestinationString->Buffer[bytes / sizeof(WCHAR)] = UNICODE_NULL;
    DestinationString->Length = (USHORT)bytes;
    return STATUS_SUCCESS;
}

/* ---- UTF-8 ------------------------------------------------------------------------------- */

static BOOLEAN is_continuation(UCHAR b)
{
    return (b & 0xC0) == 0x80;
}

/*
 * Decodes one sequence from s (avail > 0 bytes). Returns the bytes consumed and the code
 * point, or U+FFFD with *bad set. A lead byte followed by a continuation byte outside its
 * allowed range (overlongs, surrogates, above U+10FFFF) is replaced together with that
 * byte; a sequence cut short is replaced as one unit; stray bytes one by one.
 */
static SIZE_T utf8_decode(const UCHAR *s, SIZE_T avail, ULONG *code_point, BOOLEAN *bad)
{
    UCHAR lead = s[0];
    UCHAR low = 0x80, high = 0xBF;
    SIZE_T trail, k;
    ULONG value;

    if (lead < 0x80) {
        *code_point = lead;
        return 1;
    }
    if (lead >= 0xC2 && lead <= 0xDF) {
        trail = 1;
        value = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        trail = 2;
        value = lead & 0x0Fu;
        if (lead == 0xE0)
            low = 0xA0;
        else if (lead == 0xED)
            high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        trail = 3;
        value = lead & 0x07u;
        if (lead == 0xF0)
            low = 0x90;
        else if (lead == 0xF4)
            high = 0x8F;
    } else {
        *code_point = 0xFFFD;
        *bad = TRUE;
        return 1;
    }
    *code_point = 0xFFFD;
    if (avail < 2 || !is_continuation(s[1])) {
        *bad = TRUE;
        return 1;
    }
    if (s[1] < low || s[1] > high) {
        *bad = TRUE;
        return 2;
    }
    value = (value << 6) | (s[1] & 0x3Fu);
    for (k = 2; k <= trail; k++) {
        if (k >= avail || !is_continuation(s[k])) {
            *bad = TRUE;
            return k;
        }
        value = (value << 6) | (s[k] & 0x3Fu);
    }
    *code_point = value;
    return trail + 1;
}

static ULONG utf8_encode(ULONG cp, UCHAR out[4])
{
    if (cp < 0x80) {
        out[0] = (UCHAR)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (UCHAR)(0xC0 | (cp >> 6));
        out[1] = (UCHAR)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (UCHAR)(0xE0 | (cp >> 12));
        out[1] = (UCHAR)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (UCHAR)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (UCHAR)(0xF0 | (cp >> 18));
    out[1] = (UCHAR)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (UCHAR)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (UCHAR)(0x80 | (cp & 0x3F));
    return 4;
}

/*
 * UTF-16 -> UTF-8. With dst NULL only counts. Otherwise stops before the first character
 * that does not fit whole and clears *complete. Unpaired surrogates become U+FFFD.
 */
static SIZE_T utf16_to_utf8(PCHAR dst, SIZE_T dst_max, PCWCH src, SIZE_T units, BOOLEAN *complete, BOOLEAN *bad)
{
    SIZE_T in = 0, out = 0;

    *complete = TRUE;
    *bad = FALSE;
    while (in < units) {
        ULONG cp = src[in];
        SIZE_T used = 1;
        UCHAR bytes[4];
        ULONG n;

        if (cp >= 0xD800 && cp <= 0xDBFF && in + 1 < units && src[in + 1] >= 0xDC00 && src[in + 1] <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + ((ULONG)src[in + 1] - 0xDC00);
            used = 2;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;
            *bad = TRUE;
        }
        n = utf8_encode(cp, bytes);
        if (dst != NULL) {
            if (dst_max - out < n) {
                *complete = FALSE;
                break;
            }
            memcpy(dst + out, bytes, n);
        }
        out += n;
        in += used;
    }
    return out;
}

/*
 * UTF-8 -> UTF-16. With dst NULL only counts (in code units). Otherwise writes as many
 * units as fit (a surrogate pair may be split, as Windows does) and clears *complete.
 */
static SIZE_T utf8_to_utf16(PWCH dst, SIZE_T dst_units, const UCHAR *src, SIZE_T bytes, BOOLEAN *complete,
                            BOOLEAN *bad)
{
    SIZE_T in = 0, out = 0;

    *complete = TRUE;
    *bad = FALSE;
    while (in < bytes) {
        ULONG cp;
        SIZE_T used = utf8_decode(src + in, bytes - in, &cp, bad);
        WCHAR units[2];
        SIZE_T count = 1, k;

        if (cp >= 0x10000) {
            units[0] = (WCHAR)(0xD800 + ((cp - 0x10000) >> 10));
            units[1] = (WCHAR)(0xDC00 + ((cp - 0x10000) & 0x3FF));
            count = 2;
        } else {
            units[0] = (WCHAR)cp;
        }
        for (k = 0; k < count; k++) {
            if (dst != NULL) {
                if (out == dst_units) {
                    *complete = FALSE;
                    return out;
                }
                dst[out] = units[k];
            }
            out++;
        }
        in += used;
    }
    return out;
}

NTSTATUS NTAPI RtlUnicodeToUTF8N(_Out_writes_bytes_to_(UTF8StringMaxByteCount, *UTF8StringActualByteCount) PCHAR UTF8StringDestination,
                                 _In_ ULONG UTF8StringMaxByteCount, _Out_ PULONG UTF8StringActualByteCount,
                                 _In_reads_bytes_(UnicodeStringByteCount) PCWCH UnicodeStringSource,
                                 _In_ ULONG UnicodeStringByteCount)
{
    BOOLEAN complete, bad;
    SIZE_T written;

    if (UnicodeStringSource == NULL)
        return STATUS_INVALID_PARAMETER_4;
    if (UTF8StringDestination == NULL && UTF8StringActualByteCount == NULL)
        return STATUS_INVALID_PARAMETER;
    if (UTF8StringDestination != NULL && (UnicodeStringByteCount % sizeof(WCHAR)) != 0)
        return STATUS_INVALID_PARAMETER_5;
    written = utf16_to_utf8(UTF8StringDestination, UTF8StringMaxByteCount, UnicodeStringSource,
                            UnicodeStringByteCount / sizeof(WCHAR), &complete, &bad);
    if (UTF8StringActualByteCount != NULL)
        *UTF8StringActualByteCount = (ULONG)written;
    if (!complete)
        return STATUS_BUFFER_TOO_SMALL;
    return bad ? STATUS_SOME_NOT_MAPPED : STATUS_SUCCESS;
}

NTSTATUS NTAPI RtlUTF8ToUnicodeN(_Out_writes_bytes_to_opt_(UnicodeStringMaxByteCount, *UnicodeStringActualByteCount) PWSTR UnicodeStringDestination,
                                 _In_ ULONG UnicodeStringMaxByteCount, _Out_ PULONG UnicodeStringActualByteCount,
                                 _In_reads_bytes_(UTF8StringByteCount) PCCH UTF8StringSource,
                                 _In_ ULONG UTF8StringByteCount)
{
    BOOLEAN complete, bad;
    SIZE_T units;

    if (UTF8StringSource == NULL)
        return STATUS_INVALID_PARAMETER_4;
    if (UnicodeStringDestination == NULL && UnicodeStringActualByteCount == NULL)
        return STATUS_INVALID_PARAMETER;
    units = utf8_to_utf16(UnicodeStringDestination, UnicodeStringMaxByteCount / sizeof(WCHAR),
                          (const UCHAR *)UTF8StringSource, UTF8StringByteCount, &complete, &bad);
    if (UnicodeStringActualByteCount != NULL)
        *UnicodeStringActualByteCount = (ULONG)(units * sizeof(WCHAR));
    if (!complete)
        return STATUS_BUFFER_TOO_SMALL;
    return bad ? STATUS_SOME_NOT_MAPPED : STATUS_SUCCESS;
}

/* Same contract as RtlUnicodeStringToAnsiString (partial copy on overflow), in UTF-8. */
NTSTATUS NTAPI RtlUnicodeStringToUTF8String(_Inout_ PUTF8_STRING DestinationString, _In_ PCUNICODE_STRING SourceString,
                                            _In_ BOOLEAN AllocateDestinationString)
{
    SIZE_T units = SourceString->Length / sizeof(WCHAR);
    BOOLEAN complete, bad;
    NTSTATUS status = STATUS_SUCCESS;
    SIZE_T needed, capacity, written;

    needed = utf16_to_utf8(NULL, 0, SourceString->Buffer, units, &complete, &bad) + 1;
    if (needed > MAXUSHORT)
        return STATUS_INVALID_PARAMETER_2;
    if (!rtl_narrow_destination(DestinationString, needed, AllocateDestinationString, &capacity, &status))
        return status;
    written = utf16_to_utf8(DestinationString->Buffer, capacity, SourceString->Buffer, units, &complete, &bad);
    DestinationString->Buffer[written] = '\0';
    DestinationString->Length = (USHORT)written;
    if (status == STATUS_SUCCESS && bad)
        status = STATUS_SOME_NOT_MAPPED;
    return status;
}

/* Same contract as RtlAnsiStringToUnicodeString (no partial copy), from UTF-8. */
NTSTATUS NTAPI RtlUTF8StringToUnicodeString(_Inout_ PUNICODE_STRING DestinationString, _In_ PUTF8_STRING SourceString,
                                            _In_ BOOLEAN AllocateDestinationString)
{
    const UCHAR *source = (const UCHAR *)SourceString->Buffer;
    BOOLEAN complete, bad;
    SIZE_T units, needed;

    units = utf8_to_utf16(NULL, 0, source, SourceString->Length, &complete, &bad);
    needed = (units + 1) * sizeof(WCHAR);
    if (needed > MAXUSHORT)
        return STATUS_INVALID_PARAMETER_2;
    if (AllocateDestinationString) {
        PWCH buffer = rtl_string_alloc(needed);

        if (buffer == NULL)
            return STATUS_NO_MEMORY;
        DestinationString->Buffer = buffer;
        DestinationString->MaximumLength = (USHORT)needed;
    } else if (needed > DestinationString->MaximumLength) {
        return STATUS_BUFFER_OVERFLOW;
    }
    units = utf8_to_utf16(DestinationString->Buffer, units, source, SourceString->Length, &complete, &bad);
    DestinationString->Buffer[units] = UNICODE_NULL;
    DestinationString->Length = (USHORT)(units * sizeof(WCHAR));
    return bad ? STATUS_SOME_NOT_MAPPED : STATUS_SUCCESS;
}

/* ---- allocation and release --------------------------------------------------------------- */

VOID NTAPI RtlFreeUnicodeString(_Inout_ PUNICODE_STRING UnicodeString)
{
    if (UnicodeString->Buffer != NULL) {
        rtl_string_free(UnicodeString->Buffer);
        UnicodeString->Buffer = NULL;
        UnicodeString->Length = 0;
        UnicodeString->MaximumLength = 0;
    }
}

VOID NTAPI RtlFreeAnsiString(_Inout_ PANSI_STRING AnsiString)
{
    if (AnsiString->Buffer != NULL) {
        rtl_string_free(AnsiString->Buffer);
        AnsiString->Buffer = NULL;
        AnsiString->Length = 0;
        AnsiString->MaximumLength = 0;
    }
}

VOID NTAPI RtlFreeUTF8String(_Inout_opt_ PUTF8_STRING Utf8String)
{
    if (Utf8String != NULL)
        RtlFreeAnsiString(Utf8String);
}

BOOLEAN NTAPI RtlCreateUnicodeString(_Out_ PUNICODE_STRING DestinationString, _In_z_ PCWSTR SourceString)
{
    SIZE_T chars, bytes;
    PWCH buffer;

    if (SourceString == NULL)
        return FALSE;
    chars = wide_length_upto(SourceString, MAXUSHORT / sizeof(WCHAR));
    bytes = (chars + 1) * sizeof(WCHAR);
    if (bytes > MAXUSHORT)
        return FALSE;
    buffer = rtl_string_alloc(bytes);
    if (buffer == NULL)
        return FALSE;
    memcpy(buffer, SourceString, bytes); /* the characters and their NUL */
    DestinationString->Buffer = buffer;
    DestinationString->Length = (USHORT)(bytes - sizeof(WCHAR));
    DestinationString->MaximumLength = (USHORT)bytes;
    return TRUE;
}

/*
 * Flags: 0, RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE (1), or 1|ALLOCATE_NULL_STRING (3);
 * ALLOCATE_NULL_STRING alone and anything else are invalid. An empty source gives an
 * empty string without a buffer unless flags is 3.
 */
NTSTATUS NTAPI RtlDuplicateUnicodeString(_In_ ULONG Flags, _In_ PCUNICODE_STRING StringIn, _Out_ PUNICODE_STRING StringOut)
{
    BOOLEAN terminate = (BOOLEAN)((Flags & RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE) != 0);
    SIZE_T bytes;
    PWCH buffer;

    if (StringIn == NULL || StringOut == NULL || Flags == RTL_DUPLICATE_UNICODE_STRING_ALLOCATE_NULL_STRING ||
        Flags > (RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE | RTL_DUPLICATE_UNICODE_STRING_ALLOCATE_NULL_STRING))
        return STATUS_INVALID_PARAMETER;
    if (StringIn->Length > StringIn->MaximumLength || (StringIn->Buffer == NULL && StringIn->MaximumLength != 0))
        return STATUS_INVALID_PARAMETER;
    if (StringIn->Length == 0 && (Flags & RTL_DUPLICATE_UNICODE_STRING_ALLOCATE_NULL_STRING) == 0) {
        StringOut->Length = 0;
        StringOut->MaximumLength = 0;
        StringOut->Buffer = NULL;
        return STATUS_SUCCESS;
    }
    bytes = (SIZE_T)StringIn->Length + (terminate ? sizeof(WCHAR) : 0);
    if (bytes > MAXUSHORT)
        return STATUS_INVALID_PARAMETER;
    buffer = rtl_string_alloc(bytes);
    if (buffer == NULL)
        return STATUS_NO_MEMORY;
    if (StringIn->Length != 0)
        memcpy(buffer, StringIn->Buffer, StringIn->Length);
    if (terminate)
        memset((PCHAR)buffer + StringIn->Length, 0, sizeof(WCHAR));
    StringOut->Buffer = buffer;
    StringOut->Length = StringIn->Length;
    StringOut->MaximumLength = (USHORT)bytes;
    return STATUS_SUCCESS;
}

/* ---- integers ---------------------------------------------------------------------------- */

/* Base 0 means 10 for output; the only bases accepted are 2, 8, 10 and 16. */
static BOOLEAN output_base(ULONG *base)
{
    if (*base == 0)
        *base = 10;
    return (BOOLEAN)(*base == 2 || *base == 8 || *base == 10 || *base == 16);
}

/* Digits of value, most significant first, upper-case hex. Returns their count. */
static ULONG format_digits(ULONGLONG value, ULONG base, CHAR out[64])
{
    CHAR reversed[64];
    ULONG n = 0, i;

    do {
        ULONG digit = (ULONG)(value % base);

        reversed[n++] = (CHAR)(digit < 10 ? '0' + digit : 'A' + (digit - 10));
        value /= base;
    } while (value != 0);
    for (i = 0; i < n; i++)
        out[i] = reversed[n - 1 - i];
    return n;
}

/*
 * Writes the digits at the start of String->Buffer, replacing its contents. A result that
 * fits exactly is not NUL-terminated; one that does not fit at all leaves String untouched.
 */
static NTSTATUS integer_to_unicode_string(ULONGLONG value, ULONG base, PUNICODE_STRING string)
{
    CHAR digits[64];
    ULONG n, i;

    if (!output_base(&base))
        return STATUS_INVALID_PARAMETER;
    n = format_digits(value, base, digits);
    if (n * sizeof(WCHAR) > string->MaximumLength)
        return STATUS_BUFFER_OVERFLOW;
    for (i = 0; i < n; i++)
        string->Buffer[i] = (WCHAR)digits[i];
    string->Length = (USHORT)(n * sizeof(WCHAR));
    if ((n + 1) * sizeof(WCHAR) <= string->MaximumLength)
        string->Buffer[n] = UNICODE_NULL;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI RtlIntegerToUnicodeString(_In_ ULONG Value, _In_opt_ ULONG Base, _Inout_ PUNICODE_STRING String)
{
    return integer_to_unicode_string(Value, Base, String);
}

NTSTATUS NTAPI RtlInt64ToUnicodeString(_In_ ULONGLONG Value, _In_opt_ ULONG Base, _Inout_ PUNICODE_STRING String)
{
    return integer_to_unicode_string(Value, Base, String);
}

/* OutputLength is the buffer size in bytes; a negative one is treated as no room at all. */
NTSTATUS NTAPI RtlIntegerToChar(_In_ ULONG Value, _In_opt_ ULONG Base, _In_ LONG OutputLength, _Out_ PSZ String)
{
    CHAR digits[64];
    ULONG n;

    if (!output_base(&Base))
        return STATUS_INVALID_PARAMETER;
    n = format_digits(Value, Base, digits);
    if (OutputLength < 0 || n > (ULONG)OutputLength)
        return STATUS_BUFFER_OVERFLOW;
    if (String == NULL)
        return STATUS_ACCESS_VIOLATION;
    memcpy(String, digits, n);
    if (n < (ULONG)OutputLength)
        String[n] = '\0';
    return STATUS_SUCCESS;
}

typedef struct {
    ULONGLONG magnitude; /* modulo 2^64 */
    BOOLEAN negative;
    BOOLEAN wrapped;     /* magnitude exceeded 64 bits */
    BOOLEAN any_digit;
    SIZE_T end;          /* index just past the last digit */
} PARSED_INTEGER;

static ULONG text_unit(const VOID *text, BOOLEAN wide, SIZE_T i)
{
    return wide ? (ULONG)((PCWCH)text)[i] : (ULONG)((const UCHAR *)text)[i];
}

/*
 * The number syntax shared by RtlUnicodeStringToInteger, RtlUnicodeStringToInt64 and
 * RtlCharToInteger: any characters up to ' ' (whitespace and controls) are skipped, then
 * one optional '+' or '-', then with Base 0 an optional "0x", "0o" or "0b" prefix (else
 * decimal), then digits until the first character that is not a digit of the base.
 */
static NTSTATUS parse_integer(const VOID *text, BOOLEAN wide, SIZE_T count, ULONG base, PARSED_INTEGER *out)
{
    SIZE_T i = 0;

    out->magnitude = 0;
    out->negative = FALSE;
    out->wrapped = FALSE;
    out->any_digit = FALSE;
    while (i < count && text_unit(text, wide, i) <= ' ')
        i++;
    if (i < count && (text_unit(text, wide, i) == '+' || text_unit(text, wide, i) == '-')) {
        out->negative = (BOOLEAN)(text_unit(text, wide, i) == '-');
        i++;
    }
    if (base == 0) {
        base = 10;
        if (count - i >= 2 && text_unit(text, wide, i) == '0') {
            ULONG marker = text_unit(text, wide, i + 1);

            if (marker == 'x')
                base = 16;
            else if (marker == 'o')
                base = 8;
            else if (marker == 'b')
                base = 2;
            if (base != 10)
                i += 2;
        }
    } else if (base != 2 && base != 8 && base != 10 && base != 16) {
        return STATUS_INVALID_PARAMETER;
    }
    for (; i < count; i++) {
        ULONG c = text_unit(text, wide, i);
        ULONG digit;

        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'z')
            digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'Z')
            digit = c - 'A' + 10;
        else
            break;
        if (digit >= base)
            break;
        if (out->magnitude > (~0ULL - digit) / base)
            out->wrapped = TRUE;
        out->magnitude = out->magnitude * base + digit;
        out->any_digit = TRUE;
    }
    out->end = i;
    return STATUS_SUCCESS;
}

/* Wraps modulo 2^32 like Windows ("4294967296" gives 0). An empty string (Length 0) is
 * STATUS_INVALID_PARAMETER as documented; text without a number gives 0. */
NTSTATUS NTAPI RtlUnicodeStringToInteger(_In_ PCUNICODE_STRING String, _In_opt_ ULONG Base, _Out_ PULONG Value)
{
    SIZE_T count = String->Length / sizeof(WCHAR);
    PARSED_INTEGER parsed;
    NTSTATUS status;
    ULONG result;

    if (Base != 0 && Base != 2 && Base != 8 && Base != 10 && Base != 16)
        return STATUS_INVALID_PARAMETER;
    if (count == 0)
        return STATUS_INVALID_PARAMETER;
    if (Value == NULL)
        return STATUS_ACCESS_VIOLATION; /* what Windows reports instead of faulting */
    status = parse_integer(String->Buffer, TRUE, count, Base, &parsed);
    if (!NT_SUCCESS(status))
        return status;
    result = (ULONG)parsed.magnitude;
    *Value = parsed.negative ? 0u - result : result;
    return STATUS_SUCCESS;
}

/*
 * 64-bit sibling of RtlUnicodeStringToInteger with the same syntax and errors, except that
 * a value outside the LONG64 range is STATUS_INTEGER_OVERFLOW (Number untouched). On
 * success *EndPointer, when asked for, is the character after the last digit, or the
 * start of the string when no digit was found.
 */
NTSTATUS NTAPI RtlUnicodeStringToInt64(_In_ PCUNICODE_STRING String, _In_opt_ ULONG Base, _Out_ PLONG64 Number,
                                       _Out_opt_ PWSTR *EndPointer)
{
    const ULONGLONG limit = 0x8000000000000000ULL; /* magnitude of the smallest LONG64 */
    SIZE_T count;
    PARSED_INTEGER parsed;
    NTSTATUS status;

    if (String == NULL)
        return STATUS_INVALID_PARAMETER;
    if (Base != 0 && Base != 2 && Base != 8 && Base != 10 && Base != 16)
        return STATUS_INVALID_PARAMETER;
    count = String->Length / sizeof(WCHAR);
    if (count == 0)
        return STATUS_INVALID_PARAMETER;
    if (Number == NULL)
        return STATUS_ACCESS_VIOLATION;
    status = parse_integer(String->Buffer, TRUE, count, Base, &parsed);
    if (!NT_SUCCESS(status))
        return status;
    if (parsed.wrapped || parsed.magnitude > limit || (!parsed.negative && parsed.magnitude == limit))
        return STATUS_INTEGER_OVERFLOW;
    if (!parsed.negative)
        *Number = (LONG64)parsed.magnitude;
    else if (parsed.magnitude == limit)
        *Number = -(LONG64)(limit - 1) - 1;
    else
        *Number = -(LONG64)parsed.magnitude;
    if (EndPointer != NULL)
        *EndPointer = String->Buffer + (parsed.any_digit ? parsed.end : 0);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI RtlCharToInteger(_In_z_ PCSZ String, _In_opt_ ULONG Base, _Out_ PULONG Value)
{
    PARSED_INTEGER parsed;
    NTSTATUS status;
    SIZE_T count = 0;
    ULONG result;

    if (Base != 0 && Base != 2 && Base != 8 && Base != 10 && Base != 16)
        return STATUS_INVALID_PARAMETER;
    if (String == NULL)
        return STATUS_INVALID_PARAMETER;
    if (Value == NULL)
        return STATUS_ACCESS_VIOLATION;
    while (String[count] != '\0')
        count++;
    status = parse_integer(String, FALSE, count, Base, &parsed);
    if (!NT_SUCCESS(status))
        return status;
    result = (ULONG)parsed.magnitude;
    *Value = parsed.negative ? 0u - result : result;
    return STATUS_SUCCESS;
}

/* ---- hashing ----------------------------------------------------------------------------- */

NTSTATUS NTAPI RtlHashUnicodeString(_In_ PCUNICODE_STRING String, _In_ BOOLEAN CaseInSensitive,
                                    _In_ ULONG HashAlgorithm, _Out_ PULONG HashValue)
{
    ULONG hash = 0;
    SIZE_T i;

    if (String == NULL || HashValue == NULL)
        return STATUS_INVALID_PARAMETER;
    if (HashAlgorithm != HASH_STRING_ALGORITHM_DEFAULT && HashAlgorithm != HASH_STRING_ALGORITHM_X65599)
        return STATUS_INVALID_PARAMETER;
    for (i = 0; i < String->Length / sizeof(WCHAR); i++) {
        WCHAR c = CaseInSensitive ? rtl_upcase(String->Buffer[i]) : String->Buffer[i];

        hash = hash * 65599u + c;
    }
    *HashValue = hash;
    return STATUS_SUCCESS;
}

/* ---- GUIDs ------------------------------------------------------------------------------- */

static BOOLEAN hex_field(PCWCH text, ULONG digits, ULONG *value)
{
    ULONG v = 0, i;

    for (i = 0; i < digits; i++) {
        ULONG c = text[i];

        if (c >= '0' && c <= '9')
            v = (v << 4) | (c - '0');
        else if (c >= 'a' && c <= 'f')
            v = (v << 4) | (c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v = (v << 4) | (c - 'A' + 10);
        else
            return FALSE;
    }
    *value = v;
    return TRUE;
}

/* Accepts exactly "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" (Length 76 bytes), hex digits
 * in either case; anything else is STATUS_INVALID_PARAMETER and *Guid is not written. */
NTSTATUS NTAPI RtlGUIDFromString(_In_ PCUNICODE_STRING GuidString, _Out_ struct _GUID *Guid)
{
    static const UCHAR byte_at[8] = { 20, 22, 25, 27, 29, 31, 33, 35 };
    PCWCH s;
    GUID parsed;
    ULONG value, i;

    if (GuidString == NULL || Guid == NULL || GuidString->Buffer == NULL ||
        GuidString->Length != RTL_GUID_STRING_CHARS * sizeof(WCHAR))
        return STATUS_INVALID_PARAMETER;
    s = GuidString->Buffer;
    if (s[0] != L'{' || s[9] != L'-' || s[14] != L'-' || s[19] != L'-' || s[24] != L'-' || s[37] != L'}')
        return STATUS_INVALID_PARAMETER;
    if (!hex_field(s + 1, 8, &value))
        return STATUS_INVALID_PARAMETER;
    parsed.Data1 = value;
    if (!hex_field(s + 10, 4, &value))
        return STATUS_INVALID_PARAMETER;
    parsed.Data2 = (USHORT)value;
    if (!hex_field(s + 15, 4, &value))
        return STATUS_INVALID_PARAMETER;
    parsed.Data3 = (USHORT)value;
    for (i = 0; i < 8; i++) {
        if (!hex_field(s + byte_at[i], 2, &value))
            return STATUS_INVALID_PARAMETER;
        parsed.Data4[i] = (UCHAR)value;
    }
    *Guid = parsed;
    return STATUS_SUCCESS;
}

static PWCH put_hex(PWCH out, ULONG value, ULONG digits)
{
    static const char hex[] = "0123456789ABCDEF";

    while (digits-- > 0)
        *out++ = (WCHAR)hex[(value >> (digits * 4)) & 0xF];
    return out;
}

NTSTATUS NTAPI RtlStringFromGUID(_In_ const struct _GUID *Guid, _Out_ PUNICODE_STRING GuidString)
{
    const SIZE_T bytes = (RTL_GUID_STRING_CHARS + 1) * sizeof(WCHAR);
    PWCH buffer = rtl_string_alloc(bytes);
    PWCH p;
    ULONG i;

    if (buffer == NULL) {
        GuidString->Length = 0;
        GuidString->MaximumLength = 0;
        GuidString->Buffer = NULL;
        return STATUS_NO_MEMORY;
    }
    p = buffer;
    *p++ = L'{';
    p = put_hex(p, Guid->Data1, 8);
    *p++ = L'-';
    p = put_hex(p, Guid->Data2, 4);
    *p++ = L'-';
    p = put_hex(p, Guid->Data3, 4);
    *p++ = L'-';
    for (i = 0; i < 8; i++) {
        if (i == 2)
            *p++ = L'-';
        p = put_hex(p, Guid->Data4[i], 2);
    }
    *p++ = L'}';
    *p = UNICODE_NULL;
    GuidString->Buffer = buffer;
    GuidString->Length = RTL_GUID_STRING_CHARS * sizeof(WCHAR);
    GuidString->MaximumLength = (USHORT)bytes;
    return STATUS_SUCCESS;
}

/* ---- memory ------------------------------------------------------------------------------- */

SIZE_T NTAPI RtlCompareMemory(_In_ const VOID *Source1, _In_ const VOID *Source2, _In_ SIZE_T Length)
{
    const UCHAR *a = Source1;
    const UCHAR *b = Source2;
    SIZE_T i = 0;

    while (i < Length && a[i] == b[i])
        i++;
    return i;
}

/*
 * Compares whole ULONGs against Pattern and returns the bytes covered by the ULONGs that
 * matched before the first one that does not. As documented, 0 when Source is not
 * ULONG-aligned or Length is not a multiple of sizeof(ULONG).
 */
SIZE_T NTAPI RtlCompareMemoryUlong(_In_ PVOID Source, _In_ SIZE_T Length, _In_ ULONG Pattern)
{
    const UCHAR *p = Source;
    SIZE_T done = 0;

    if (((ULONG_PTR)Source % sizeof(ULONG)) != 0 || (Length % sizeof(ULONG)) != 0)
        return 0;
    while (done < Length) {
        ULONG word;

        memcpy(&word, p + done, sizeof(word));
        if (word != Pattern)
            break;
        done += sizeof(ULONG);
    }
    return done;
}
