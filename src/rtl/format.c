/* rtl/format.c - owns the narrow (UTF-8) and wide (UTF-16) printf engines that
 * implement the Windows kernel's format semantics for DbgPrint and the
 * RtlStringCch*Printf* family.  Integers, characters and strings (including
 * counted ANSI_STRING/UNICODE_STRING) are formatted here; a single floating
 * conversion is delegated to the C library's snprintf.  No heap allocation;
 * every write is bounded by the caller's capacity. */

#include "rtl/format.h"

#include <limits.h>
#include <stdio.h>

/* Private mirrors of the WDK counted-string layouts. */
struct fmt_unicode_string {
    uint16_t Length;        /* bytes, not counting any NUL */
    uint16_t MaximumLength;
    uint16_t *Buffer;
};

struct fmt_ansi_string {
    uint16_t Length;        /* bytes, not counting any NUL */
    uint16_t MaximumLength;
    char *Buffer;
};

_Static_assert(offsetof(struct fmt_unicode_string, Buffer) == sizeof(void *),
               "UNICODE_STRING.Buffer must follow the two USHORTs at pointer alignment");
_Static_assert(offsetof(struct fmt_ansi_string, Buffer) == sizeof(void *),
               "ANSI_STRING.Buffer must follow the two USHORTs at pointer alignment");
_Static_assert(sizeof(uintmax_t) <= sizeof(uint64_t), "intmax_t wider than 64 bits");

#define REPLACEMENT_CHAR 0xFFFDu

/* Floating conversions: precision handed to snprintf is capped so that the
   text always fits FLOAT_BUF_SIZE.  A double has at most 767 significant
   decimal digits and 1074 fractional ones, so every digit past the cap is a
   zero and is appended by hand, keeping the output exact. */
#define FLOAT_PREC_MAX 1100
#define FLOAT_BUF_SIZE 1536

/* ---- output sink ------------------------------------------------------- */

struct sink {
    char *nbuf;      /* narrow destination (narrow engine) */
    uint16_t *wbuf;  /* wide destination (wide engine) */
    size_t cap;      /* units available, including the terminating NUL */
    size_t len;      /* units the full output needs so far */
    int wide;
};

static void sink_add_len(struct sink *s, size_t n)
{
    s->len = (SIZE_MAX - s->len < n) ? SIZE_MAX : s->len + n;
}

static void sink_unit(struct sink *s, uint32_t u)
{
    if (s->cap > 0 && s->len < s->cap - 1) {
        if (s->wide)
            s->wbuf[s->len] = (uint16_t)u;
        else
            s->nbuf[s->len] = (char)(unsigned char)u;
    }
    sink_add_len(s, 1);
}

static void sink_repeat(struct sink *s, uint32_t u, size_t n)
{
    size_t room = (s->cap > 0 && s->len < s->cap - 1) ? s->cap - 1 - s->len : 0;
    size_t k = n < room ? n : room;
    size_t i;

    for (i = 0; i < k; i++) {
        if (s->wide)
            s->wbuf[s->len + i] = (uint16_t)u;
        else
            s->nbuf[s->len + i] = (char)(unsigned char)u;
    }
    sink_add_len(s, n);
}

static void sink_ascii(struct sink *s, const char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        sink_unit(s, (unsigned char)p[i]);
}

/* Emits one Unicode scalar value in the sink's encoding. */
static void sink_codepoint(struct sink *s, uint32_t cp)
{
    if (cp > 0x10FFFFu || (cp >= 0xD800u && cp <= 0xDFFFu))
        cp = REPLACEMENT_CHAR;
    if (s->wide) {
        if (cp >= 0x10000u) {
            cp -= 0x10000u;
            sink_unit(s, 0xD800u + (cp >> 10));
            sink_unit(s, 0xDC00u + (cp & 0x3FFu));
        } else {
            sink_unit(s, cp);
        }
    } else if (cp < 0x80u) {
        sink_unit(s, cp);
    } else if (cp < 0x800u) {
        sink_unit(s, 0xC0u | (cp >> 6));
        sink_unit(s, 0x80u | (cp & 0x3Fu));
    } else if (cp < 0x10000u) {
        sink_unit(s, 0xE0u | (cp >> 12));
        sink_unit(s, 0x80u | ((cp >> 6) & 0x3Fu));
        sink_unit(s, 0x80u | (cp & 0x3Fu));
    } else {
        sink_unit(s, 0xF0u | (cp >> 18));
        sink_unit(s, 0x80u | ((cp >> 12) & 0x3Fu));
        sink_unit(s, 0x80u | ((cp >> 6) & 0x3Fu));
        sink_unit(s, 0x80u | (cp & 0x3Fu));
    }
}

/* ---- source text ------------------------------------------------------- */

/* A run of characters to print: NUL-terminated (bounded by limit) or counted
   (exactly limit units, embedded NULs included). */
struct text {
    const void *p;
    size_t limit;
    int wide;      /* units are uint16_t rather than bytes */
    int counted;
};

/* Fetches unit i, or returns 0 when i is past the end of the text.  Units are
   only read below limit, and for NUL-terminated text only up to the NUL,
   since callers walk the text in order. */
static int text_unit(const struct text *t, size_t i, uint32_t *u)
{
    uint32_t v;

    if (i >= t->limit)
        return 0;
    v = t->wide ? ((const uint16_t *)t->p)[i] : ((const unsigned char *)t->p)[i];
    if (v == 0 && !t->counted)
        return 0;
    *u = v;
    return 1;
}

/* Decodes one code point of UTF-16 text at i; returns the units consumed,
   0 at the end. */
static size_t utf16_next(const struct text *t, size_t i, uint32_t *cp)
{
    uint32_t hi, lo;

    if (!text_unit(t, i, &hi))
        return 0;
    if (hi >= 0xD800u && hi <= 0xDBFFu && text_unit(t, i + 1, &lo) &&
        lo >= 0xDC00u && lo <= 0xDFFFu) {
        *cp = 0x10000u + ((hi - 0xD800u) << 10) + (lo - 0xDC00u);
        return 2;
    }
    *cp = (hi >= 0xD800u && hi <= 0xDFFFu) ? REPLACEMENT_CHAR : hi;
    return 1;
}

/* Decodes one code point of UTF-8 text at i; returns the bytes consumed,
   0 at the end.  A malformed sequence yields U+FFFD for its longest valid
   prefix, and decoding resumes at the offending byte. */
static size_t utf8_next(const struct text *t, size_t i, uint32_t *cp)
{
    uint32_t lead, c, v, lo = 0x80u, hi = 0xBFu;
    size_t need, k;

    if (!text_unit(t, i, &lead))
        return 0;
    if (lead < 0x80u) {
        *cp = lead;
        return 1;
    }
    if (lead >= 0xC2u && lead <= 0xDFu) {
        need = 1;
        v = lead & 0x1Fu;
    } else if (lead >= 0xE0u && lead <= 0xEFu) {
        need = 2;
        v = lead & 0x0Fu;
        if (lead == 0xE0u)
            lo = 0xA0u;       /* reject overlong forms */
        else if (lead == 0xEDu)
            hi = 0x9Fu;       /* reject encoded surrogates */
    } else if (lead >= 0xF0u && lead <= 0xF4u) {
        need = 3;
        v = lead & 0x07u;
        if (lead == 0xF0u)
            lo = 0x90u;       /* reject overlong forms */
        else if (lead == 0xF4u)
            hi = 0x8Fu;       /* stay below U+110000 */
    } else {
        *cp = REPLACEMENT_CHAR;
        return 1;
    }
    for (k = 1; k <= need; k++) {
        if (!text_unit(t, i + k, &c) || c < lo || c > hi) {
            *cp = REPLACEMENT_CHAR;
            return k;
        }
        v = (v << 6) | (c & 0x3Fu);
        lo = 0x80u;
        hi = 0xBFu;
    }
    *cp = v;
    return need + 1;
}

/* Writes t into s, converting between UTF-8 and UTF-16 when the encodings
   differ and copying units unchanged when they match. */
static void emit_text(struct sink *s, const struct text *t)
{
    size_t i = 0, n;
    uint32_t v;

    if (t->wide == s->wide) {
        while (text_unit(t, i, &v)) {
            sink_unit(s, v);
            i++;
        }
        return;
    }
    for (;;) {
        n = t->wide ? utf16_next(t, i, &v) : utf8_next(t, i, &v);
        if (n == 0)
            break;
        sink_codepoint(s, v);
        i += n;
    }
}

/* ---- format specifications --------------------------------------------- */

enum size_mod {
    SZ_NONE, SZ_HH, SZ_H, SZ_L, SZ_LL, SZ_LD, SZ_J, SZ_Z, SZ_T,
    SZ_I, SZ_I32, SZ_I64, SZ_W
};

#define FL_LEFT  0x01u
#define FL_PLUS  0x02u
#define FL_SPACE 0x04u
#define FL_ALT   0x08u
#define FL_ZERO  0x10u

struct spec {
    unsigned flags;
    int width;          /* 0 when absent */
    int prec;           /* -1 when absent */
    int width_star;
    int prec_star;
    enum size_mod size;
    uint32_t conv;      /* 0 when the format ended inside the spec */
};

/* The format string, narrow or wide; exactly one pointer is set. */
struct fmt_src {
    const char *n;
    const uint16_t *w;
};

static uint32_t fmt_at(const struct fmt_src *f, size_t i)
{
    return f->w ? f->w[i] : (unsigned char)f->n[i];
}

static int is_digit(uint32_t c)
{
    return c >= '0' && c <= '9';
}

/* Parses a decimal number at i, saturating at INT_MAX; returns the index
   past it. */
static size_t parse_number(const struct fmt_src *f, size_t i, int *out)
{
    int v = 0;
    uint32_t c;

    while (is_digit(c = fmt_at(f, i))) {
        int d = (int)(c - '0');
        v = (v > (INT_MAX - d) / 10) ? INT_MAX : v * 10 + d;
        i++;
    }
    *out = v;
    return i;
}

/* Parses the specification that starts just after a '%' at index i.  Returns
   the index just past the conversion character, or the index of the
   terminating NUL when the format ends first (sp->conv is then 0). */
static size_t parse_spec(const struct fmt_src *f, size_t i, struct spec *sp)
{
    uint32_t c;

    sp->flags = 0;
    sp->width = 0;
    sp->prec = -1;
    sp->width_star = 0;
    sp->prec_star = 0;
    sp->size = SZ_NONE;
    sp->conv = 0;

    for (;; i++) {
        c = fmt_at(f, i);
        if (c == '-')
            sp->flags |= FL_LEFT;
        else if (c == '+')
            sp->flags |= FL_PLUS;
        else if (c == ' ')
            sp->flags |= FL_SPACE;
        else if (c == '#')
            sp->flags |= FL_ALT;
        else if (c == '0')
            sp->flags |= FL_ZERO;
        else
            break;
    }

    if (fmt_at(f, i) == '*') {
        sp->width_star = 1;
        i++;
    } else {
        i = parse_number(f, i, &sp->width);
    }

    if (fmt_at(f, i) == '.') {
        i++;
        if (fmt_at(f, i) == '*') {
            sp->prec_star = 1;
            i++;
        } else {
            i = parse_number(f, i, &sp->prec);
        }
    }

    c = fmt_at(f, i);
    switch (c) {
    case 'h':
        i++;
        if (fmt_at(f, i) == 'h') {
            sp->size = SZ_HH;
            i++;
        } else {
            sp->size = SZ_H;
        }
        break;
    case 'l':
        i++;
        if (fmt_at(f, i) == 'l') {
            sp->size = SZ_LL;
            i++;
        } else {
            sp->size = SZ_L;
        }
        break;
    case 'L': sp->size = SZ_LD; i++; break;
    case 'j': sp->size = SZ_J; i++; break;
    case 'z': sp->size = SZ_Z; i++; break;
    case 't': sp->size = SZ_T; i++; break;
    case 'w': sp->size = SZ_W; i++; break;
    case 'I':
        i++;
        if (fmt_at(f, i) == '3' && fmt_at(f, i + 1) == '2') {
            sp->size = SZ_I32;
            i += 2;
        } else if (fmt_at(f, i) == '6' && fmt_at(f, i + 1) == '4') {
            sp->size = SZ_I64;
            i += 2;
        } else {
            sp->size = SZ_I;
        }
        break;
    default:
        break;
    }

    c = fmt_at(f, i);
    if (c == 0)
        return i;
    sp->conv = c;
    return i + 1;
}

static int is_known_conv(uint32_t c)
{
    switch (c) {
    case 'd': case 'i': case 'u': case 'o': case 'x': case 'X':
    case 'c': case 'C': case 's': case 'S': case 'Z': case 'p': case 'n':
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
    case 'a': case 'A': case '%':
        return 1;
    default:
        return 0;
    }
}

static size_t width_pad(const struct spec *sp, size_t used)
{
    size_t w = (size_t)sp->width;

    return w > used ? w - used : 0;
}

/* ---- integers ----------------------------------------------------------- */

static uint64_t fetch_unsigned(va_list *ap, enum size_mod size)
{
    switch (size) {
    case SZ_HH:  return (unsigned char)va_arg(*ap, int);
    case SZ_H:   return (unsigned short)va_arg(*ap, int);
    case SZ_LL:
    case SZ_I64: return va_arg(*ap, unsigned long long);
    case SZ_J:   return va_arg(*ap, uintmax_t);
    case SZ_Z:   return va_arg(*ap, size_t);
    case SZ_T:   return (size_t)va_arg(*ap, ptrdiff_t);
    case SZ_I:   return va_arg(*ap, uintptr_t);
    default:     return va_arg(*ap, unsigned int);   /* none, l, I32, L, w */
    }
}

static int64_t fetch_signed(va_list *ap, enum size_mod size)
{
    switch (size) {
    case SZ_HH:  return (signed char)va_arg(*ap, int);
    case SZ_H:   return (short)va_arg(*ap, int);
    case SZ_LL:
    case SZ_I64: return va_arg(*ap, long long);
    case SZ_J:   return va_arg(*ap, intmax_t);
    case SZ_Z:   return (ptrdiff_t)va_arg(*ap, size_t);
    case SZ_T:   return va_arg(*ap, ptrdiff_t);
    case SZ_I:   return va_arg(*ap, intptr_t);
    default:     return va_arg(*ap, int);            /* none, l, I32, L, w */
    }
}

/* Formats an integer magnitude; conv is one of d i u o x X (p is passed
   as X with the precision already set). */
static void emit_integer(struct sink *s, const struct spec *sp, uint32_t conv,
                         uint64_t mag, int negative)
{
    char digits[24];          /* 22 octal digits cover 64 bits */
    char prefix[2];
    size_t nd = 0, np = 0, zeros = 0, used, pad;
    unsigned base = 10;
    const char *set = "0123456789ABCDEF";
    uint64_t v = mag;

    if (conv == 'o')
        base = 8;
    else if (conv == 'x' || conv == 'X')
        base = 16;
    if (conv == 'x')
        set = "0123456789abcdef";

    if (!(v == 0 && sp->prec == 0)) {
        do {
            digits[nd++] = set[v % base];
            v /= base;
        } while (v != 0);
    }
    if (sp->prec > 0 && (size_t)sp->prec > nd)
        zeros = (size_t)sp->prec - nd;
    if (conv == 'o' && (sp->flags & FL_ALT) && zeros == 0 &&
        (nd == 0 || digits[nd - 1] != '0'))
        zeros = 1;

    if (conv == 'd' || conv == 'i') {
        if (negative)
            prefix[np++] = '-';
        else if (sp->flags & FL_PLUS)
            prefix[np++] = '+';
        else if (sp->flags & FL_SPACE)
            prefix[np++] = ' ';
    } else if ((conv == 'x' || conv == 'X') && (sp->flags & FL_ALT) && mag != 0) {
        prefix[np++] = '0';
        prefix[np++] = (char)conv;
    }

    used = np + zeros + nd;
    pad = width_pad(sp, used);
    if (sp->flags & FL_LEFT) {
        sink_ascii(s, prefix, np);
        sink_repeat(s, '0', zeros);
        while (nd > 0)
            sink_unit(s, (unsigned char)digits[--nd]);
        sink_repeat(s, ' ', pad);
    } else if ((sp->flags & FL_ZERO) && sp->prec < 0) {
        sink_ascii(s, prefix, np);
        sink_repeat(s, '0', zeros + pad);
        while (nd > 0)
            sink_unit(s, (unsigned char)digits[--nd]);
    } else {
        sink_repeat(s, ' ', pad);
        sink_ascii(s, prefix, np);
        sink_repeat(s, '0', zeros);
        while (nd > 0)
            sink_unit(s, (unsigned char)digits[--nd]);
    }
}

static void format_integer(struct sink *s, const struct spec *sp, va_list *ap)
{
    if (sp->conv == 'd' || sp->conv == 'i') {
        int64_t v = fetch_signed(ap, sp->size);
        uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

        emit_integer(s, sp, sp->conv, mag, v < 0);
    } else {
        emit_integer(s, sp, sp->conv, fetch_unsigned(ap, sp->size), 0);
    }
}

/* %p: uppercase hex, zero-padded to the pointer width, no prefix. */
static void format_pointer(struct sink *s, const struct spec *sp, va_list *ap)
{
    struct spec p = *sp;
    const int digits = (int)(2 * sizeof(void *));

    p.flags &= FL_LEFT;
    if (p.prec < digits)
        p.prec = digits;
    emit_integer(s, &p, 'X', (uint64_t)(uintptr_t)va_arg(*ap, void *), 0);
}

/* ---- floating point ----------------------------------------------------- */

static void format_float(struct sink *s, const struct spec *sp, va_list *ap)
{
    char spec[8];
    char body[FLOAT_BUF_SIZE];
    size_t k = 0, blen, extra = 0, ins, lead = 0, pad, i;
    int prec = sp->prec, r, finite = 0;
    uint32_t conv = sp->conv;
    double v;

    /* On Windows long double is double: read what the caller passed, then
       format it as a double. */
    if (sp->size == SZ_LD)
        v = (double)va_arg(*ap, long double);
    else
        v = va_arg(*ap, double);

    spec[k++] = '%';
    if (sp->flags & FL_PLUS)
        spec[k++] = '+';
    if (sp->flags & FL_SPACE)
        spec[k++] = ' ';
    if (sp->flags & FL_ALT)
        spec[k++] = '#';
    spec[k++] = '.';
    spec[k++] = '*';
    spec[k++] = (char)conv;
    spec[k] = '\0';

    if (prec > FLOAT_PREC_MAX) {
        /* %g without '#' drops trailing zeros, so nothing is appended. */
        if (!((conv == 'g' || conv == 'G') && !(sp->flags & FL_ALT)))
            extra = (size_t)(prec - FLOAT_PREC_MAX);
        prec = FLOAT_PREC_MAX;
    }

    /* spec is built above from a fixed alphabet, so a non-literal format is
       intended here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    r = snprintf(body, sizeof body, spec, prec, v);
#pragma GCC diagnostic pop
    if (r < 0)
        r = 0;
    blen = (size_t)r < sizeof body ? (size_t)r : sizeof body - 1;

    for (i = 0; i < blen; i++) {
        if (is_digit((unsigned char)body[i])) {
            finite = 1;
            break;
        }
    }
    if (!finite)
        extra = 0;

    /* Where hand-made zeros go: before the exponent, if there is one. */
    ins = blen;
    if (extra > 0) {
        for (i = blen; i > 0; i--) {
            char ch = body[i - 1];
            int is_exp = (conv == 'a' || conv == 'A') ? (ch == 'p' || ch == 'P')
                                                      : (ch == 'e' || ch == 'E');
            if (is_exp) {
                ins = i - 1;
                break;
            }
        }
    }

    /* Zero padding goes after the sign and any 0x prefix. */
    if (blen > 0 && (body[0] == '-' || body[0] == '+' || body[0] == ' '))
        lead = 1;
    if ((conv == 'a' || conv == 'A') && lead + 1 < blen && body[lead] == '0' &&
        (body[lead + 1] == 'x' || body[lead + 1] == 'X'))
        lead += 2;

    pad = width_pad(sp, blen + extra);
    if (!(sp->flags & FL_LEFT) && (sp->flags & FL_ZERO) && finite) {
        sink_ascii(s, body, lead);
        sink_repeat(s, '0', pad);
        sink_ascii(s, body + lead, ins - lead);
        sink_repeat(s, '0', extra);
        sink_ascii(s, body + ins, blen - ins);
        return;
    }
    if (!(sp->flags & FL_LEFT))
        sink_repeat(s, ' ', pad);
    sink_ascii(s, body, ins);
    sink_repeat(s, '0', extra);
    sink_ascii(s, body + ins, blen - ins);
    if (sp->flags & FL_LEFT)
        sink_repeat(s, ' ', pad);
}

/* ---- characters and strings --------------------------------------------- */

/* Whether a c/C/s/S/Z argument is UTF-16 in this engine. */
static int arg_is_wide(const struct sink *s, const struct spec *sp)
{
    int other;

    if (sp->size == SZ_H || sp->size == SZ_HH)
        return 0;
    if (sp->size == SZ_L || sp->size == SZ_W)
        return 1;
    if (sp->conv == 'Z')
        return 0;
    other = (sp->conv == 'C' || sp->conv == 'S');
    return s->wide ? !other : other;
}

static void emit_padded_text(struct sink *s, const struct spec *sp, const struct text *t)
{
    struct sink counter = { NULL, NULL, 0, 0, s->wide };
    size_t pad;

    emit_text(&counter, t);
    pad = width_pad(sp, counter.len);
    if (!(sp->flags & FL_LEFT))
        sink_repeat(s, ' ', pad);
    emit_text(s, t);
    if (sp->flags & FL_LEFT)
        sink_repeat(s, ' ', pad);
}

static void format_char(struct sink *s, const struct spec *sp, va_list *ap)
{
    int v = va_arg(*ap, int);
    unsigned char narrow = (unsigned char)v;
    uint16_t wide = (uint16_t)v;
    struct text t;

    t.limit = 1;
    t.counted = 1;
    t.wide = arg_is_wide(s, sp);
    t.p = t.wide ? (const void *)&wide : (const void *)&narrow;
    emit_padded_text(s, sp, &t);
}

static void set_null_text(struct text *t, size_t limit)
{
    t->p = "(null)";
    t->wide = 0;
    t->counted = 0;
    t->limit = limit;
}

static void format_string(struct sink *s, const struct spec *sp, va_list *ap)
{
    const void *arg = va_arg(*ap, const void *);
    size_t limit = sp->prec >= 0 ? (size_t)sp->prec : SIZE_MAX;
    struct text t;

    if (arg == NULL) {
        set_null_text(&t, limit);
    } else {
        t.p = arg;
        t.limit = limit;
        t.wide = arg_is_wide(s, sp);
        t.counted = 0;
    }
    emit_padded_text(s, sp, &t);
}

static void format_counted(struct sink *s, const struct spec *sp, va_list *ap)
{
    const void *arg = va_arg(*ap, const void *);
    size_t limit = sp->prec >= 0 ? (size_t)sp->prec : SIZE_MAX;
    struct text t;

    if (arg_is_wide(s, sp)) {
        const struct fmt_unicode_string *us = arg;

        if (us == NULL || us->Buffer == NULL) {
            set_null_text(&t, limit);
        } else {
            t.p = us->Buffer;
            t.wide = 1;
            t.counted = 1;
            t.limit = us->Length / 2u;
        }
    } else {
        const struct fmt_ansi_string *as = arg;

        if (as == NULL || as->Buffer == NULL) {
            set_null_text(&t, limit);
        } else {
            t.p = as->Buffer;
            t.wide = 0;
            t.counted = 1;
            t.limit = as->Length;
        }
    }
    if (t.limit > limit)
        t.limit = limit;
    emit_padded_text(s, sp, &t);
}

/* ---- driver loop -------------------------------------------------------- */

static void run(struct sink *s, const struct fmt_src *f, va_list *ap)
{
    size_t i = 0, end, j;
    uint32_t c;
    struct spec sp;

    while ((c = fmt_at(f, i)) != 0) {
        if (c != '%') {
            sink_unit(s, c);
            i++;
            continue;
        }
        end = parse_spec(f, i + 1, &sp);
        if (!is_known_conv(sp.conv)) {
            /* Copy the unusable spec verbatim; no argument is consumed. */
            for (j = i; j < end; j++)
                sink_unit(s, fmt_at(f, j));
            i = end;
            continue;
        }
        i = end;

        if (sp.width_star) {
            int w = va_arg(*ap, int);

            if (w < 0) {
                sp.flags |= FL_LEFT;
                sp.width = (w == INT_MIN) ? INT_MAX : -w;
            } else {
                sp.width = w;
            }
        }
        if (sp.prec_star) {
            int p = va_arg(*ap, int);

            sp.prec = p < 0 ? -1 : p;
        }
        if (sp.flags & FL_LEFT)
            sp.flags &= ~FL_ZERO;
        if (sp.flags & FL_PLUS)
            sp.flags &= ~FL_SPACE;

        switch (sp.conv) {
        case '%':
            sink_unit(s, '%');
            break;
        case 'd': case 'i': case 'u': case 'o': case 'x': case 'X':
            format_integer(s, &sp, ap);
            break;
        case 'p':
            format_pointer(s, &sp, ap);
            break;
        case 'n':
            /* Deliberately never written through (a classic exploit
               vector); the pointer is consumed so later arguments line up. */
            (void)va_arg(*ap, void *);
            break;
        case 'c': case 'C':
            format_char(s, &sp, ap);
            break;
        case 's': case 'S':
            format_string(s, &sp, ap);
            break;
        case 'Z':
            format_counted(s, &sp, ap);
            break;
        default:
            format_float(s, &sp, ap);
            break;
        }
    }
}

/* ---- public API --------------------------------------------------------- */

size_t rtl_vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
    struct sink s = { buf, NULL, buf != NULL ? cap : 0, 0, 0 };
    struct fmt_src f = { fmt != NULL ? fmt : "", NULL };
    va_list aq;

    va_copy(aq, ap);
    run(&s, &f, &aq);
    va_end(aq);
    if (s.cap > 0)
        buf[s.len < s.cap ? s.len : s.cap - 1] = '\0';
    return s.len;
}

size_t rtl_format(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    n = rtl_vformat(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

size_t rtl_vformat_w(uint16_t *buf, size_t cap, const uint16_t *fmt, va_list ap)
{
    static const uint16_t empty[1] = { 0 };
    struct sink s = { NULL, buf, buf != NULL ? cap : 0, 0, 1 };
    struct fmt_src f = { NULL, fmt != NULL ? fmt : empty };
    va_list aq;

    va_copy(aq, ap);
    run(&s, &f, &aq);
    va_end(aq);
    if (s.cap > 0)
        buf[s.len < s.cap ? s.len : s.cap - 1] = 0;
    return s.len;
}

size_t rtl_format_w(uint16_t *buf, size_t cap, const uint16_t *fmt, ...)
{
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    n = rtl_vformat_w(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}
