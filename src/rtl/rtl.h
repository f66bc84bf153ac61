/*
 * rtl/rtl.h - internal run-time-library helpers shared by src/rtl/string.c and
 * the rest of the library (the object manager compares names through
 * rtl_upcase(), other components allocate strings that drivers later release
 * with RtlFreeUnicodeString()). Nothing here is part of the DDK surface.
 */
#ifndef WDMEMU_RTL_RTL_H
#define WDMEMU_RTL_RTL_H

#include <wdm.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Pool tag of every buffer the Rtl string routines allocate (RtlCreateUnicodeString,
 * RtlDuplicateUnicodeString, RtlStringFromGUID and the AllocateDestinationString
 * variants). Its value is what the WDK spelling 'GrtS' gives; it is written with
 * shifts because multi-character constants draw a warning from GCC.
 * RtlFreeUnicodeString/RtlFreeAnsiString/RtlFreeUTF8String release buffers with
 * ExFreePool(), so a component may hand a driver a string allocated from the pool
 * under any tag and the driver can still free it the documented way.
 */
#define RTL_STRING_POOL_TAG \
    ((ULONG)(((ULONG)'G' << 24) | ((ULONG)'r' << 16) | ((ULONG)'t' << 8) | (ULONG)'S'))

/*
 * Simple (one code unit to one code unit) case mapping used by RtlUpcaseUnicodeChar,
 * RtlDowncaseUnicodeChar, every case-insensitive comparison and the x65599 hash.
 * Covered: ASCII; Latin-1 (U+00E0-U+00FE except U+00F7, and U+00FF <-> U+0178);
 * Latin Extended-A pairs U+0100-U+017F (U+0130, U+0131, U+0138, U+0149 and U+017F
 * map to themselves); Greek U+0386-U+03CE (final sigma U+03C2 maps to itself);
 * Cyrillic U+0400-U+045F; fullwidth Latin letters U+FF21-U+FF3A <-> U+FF41-U+FF5A.
 * Every other code unit, surrogates included, maps to itself. downcase(upcase(c))
 * gives back c for every c that upcase changes, and the other way round.
 */
WCHAR rtl_upcase(WCHAR c);
WCHAR rtl_downcase(WCHAR c);

#ifdef __cplusplus
}
#endif

#endif /* WDMEMU_RTL_RTL_H */
