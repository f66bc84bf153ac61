/* rtl/format.h - printf engines with the Windows kernel's format extensions
 * (%Z, %wZ, %ws, %S, I64, ...), used by DbgPrint/KdPrint and the
 * RtlStringCch*Printf* family. Narrow output is UTF-8, wide output is UTF-16. */
#ifndef WDMEMU_RTL_FORMAT_H
#define WDMEMU_RTL_FORMAT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Semantics follow the Microsoft CRT/kernel, not glibc:
 *  - flags "- + space # 0", width and precision (digits or '*'; a negative
 *    '*' width left-justifies, a negative '*' precision means "none");
 *  - size prefixes hh h l ll L j z t I I32 I64 w.  'l' on integers is 32 bits
 *    (LLP64 long); 'I' is pointer sized; 'L' is ignored on integers and on
 *    floating conversions reads a long double which is then formatted as a
 *    double (long double is double on Windows);
 *  - %s/%c take the engine's own character width, %S/%C the other one;
 *    'h' forces narrow, 'l' and 'w' force UTF-16 (%hs %ls %ws %hc %lc %wc);
 *  - %Z prints a counted ANSI_STRING, %wZ (or %lZ) a counted UNICODE_STRING;
 *    exactly Length bytes (Length/2 code units) are read, never more;
 *  - a NULL string pointer, or a NULL Buffer in a counted string, prints
 *    "(null)";
 *  - %p prints uppercase hex zero-padded to the pointer width, no prefix;
 *  - %n prints nothing and never writes: its pointer argument is consumed and
 *    ignored;
 *  - an unknown conversion, or a format ending inside a specification, is
 *    copied to the output literally and consumes no argument;
 *  - precision on strings counts source units read (bytes or UTF-16 units);
 *    width counts output units (bytes for the narrow engine, UTF-16 units for
 *    the wide engine); the '0' flag pads with zeros only for numbers;
 *  - text crossing encodings is converted: UTF-16 to UTF-8 combines surrogate
 *    pairs and turns lone surrogates into U+FFFD; UTF-8 to UTF-16 turns each
 *    invalid sequence into U+FFFD.  Same-encoding text is copied unchanged.
 */

/* Narrow engine: DbgPrint, RtlStringCchPrintfA. Like vsnprintf: writes at most
   cap bytes including the NUL (always NUL-terminates when cap > 0) and returns
   the length the complete output would have (excluding NUL). */
size_t rtl_vformat(char *buf, size_t cap, const char *fmt, va_list ap);
size_t rtl_format(char *buf, size_t cap, const char *fmt, ...);

/* Wide engine: RtlStringCchPrintfW, RtlUnicodeStringPrintf. Format and output
   are UTF-16 code units; same return convention, counted in code units. */
size_t rtl_vformat_w(uint16_t *buf, size_t cap, const uint16_t *fmt, va_list ap);
size_t rtl_format_w(uint16_t *buf, size_t cap, const uint16_t *fmt, ...);

#endif /* WDMEMU_RTL_FORMAT_H */
