/* tools/script.c: wdmemu-run's request scripts (docs/scripts.md): one command per line (open,
 * read, write, ioctl, internal-ioctl, fsctl, cancel, wait, advance, close), each run through
 * the host API the way an application would, its result printed, its expectations checked.
 * Requests on overlapped handles are checked when they complete. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wdmemu/wdmemu.h>

#include "script.h"

#define SC_HANDLES 32
#define SC_PENDING 64
#define SC_MAX_DATA 65536

typedef struct sc_handle {
    char name[32];
    HANDLE handle;
    int overlapped;
} sc_handle;

/* What a request was expected to give, checked when its result is known. */
typedef struct sc_expect {
    int line;
    int has_status, has_info, has_data, want_pending;
    NTSTATUS status;
    unsigned long long info;
    unsigned char *data;
    size_t data_length;
} sc_expect;

typedef struct sc_pending {
    sc_expect expect;
    wdmemu_request *request;
    const sc_handle *handle;
    unsigned char *buffer; /* the output buffer, NULL for none */
    unsigned char *input;  /* the input, kept alive too (METHOD_NEITHER and direct I/O use it in place) */
    char what[96];
} sc_pending;

typedef struct sc_state {
    const char *file;
    sc_handle handles[SC_HANDLES];
    int handle_count;
    sc_pending pending[SC_PENDING];
    int pending_count;
    int failures;
} sc_state;

/* ---- parsing helpers --------------------------------------------------------------------------- */

/* mingw-w64's gcc takes plain "printf" for the Microsoft runtime's dialect (no %zu). */
#if defined(_WIN32) && defined(__GNUC__) && !defined(__clang__)
#define SC_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#elif defined(__GNUC__)
#define SC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SC_PRINTF(f, a)
#endif

static void sc_fail(sc_state *s, int line, const char *fmt, ...) SC_PRINTF(3, 4);
static void sc_fail(sc_state *s, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s:%d: FAILED: ", s->file, line);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    s->failures++;
}

static int sc_number(const char *text, unsigned long long *value)
{
    char *end;
    errno = 0;
    *value = strtoull(text, &end, 0);
    return errno == 0 && *text != '\0' && *end == '\0';
}

/* DATA: "text" (C escapes \n \t \\ \" \xHH) or hex bytes ("41 42", "4142", "0x41,0x42"). */
static int sc_data(const char *text, unsigned char *out, size_t size, size_t *length)
{
    size_t n = 0;
    if (text[0] == '"') {
        const char *p = text + 1;
        while (*p != '\0' && *p != '"') {
            int c = (unsigned char)*p++;
            if (c == '\\') {
                c = (unsigned char)*p++;
                if (c == 'n') c = '\n';
                else if (c == 't') c = '\t';
                else if (c == 'r') c = '\r';
                else if (c == '0') c = 0;
                else if (c == 'x' && isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1])) {
                    char hex[3] = {p[0], p[1], 0};
                    c = (int)strtoul(hex, NULL, 16);
                    p += 2;
                } else if (c == '\0')
                    return 0;
            }
            if (n == size)
                return 0;
            out[n++] = (unsigned char)c;
        }
        if (*p != '"' || p[1] != '\0')
            return 0;
        *length = n;
        return 1;
    }
    const char *p = text;
    while (*p != '\0') {
        if (*p == ',' || *p == ' ' || *p == ':' || *p == '-') {
            p++;
            continue;
        }
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
            p += 2;
        if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) || n == size)
            return 0;
        char hex[3] = {p[0], p[1], 0};
        out[n++] = (unsigned char)strtoul(hex, NULL, 16);
        p += 2;
    }
    *length = n;
    return 1;
}

/* CODE: a number or CTL_CODE(type, function, method, access), with METHOD_* / FILE_*_ACCESS names. */
static int sc_code(const char *text, ULONG *code)
{
    unsigned long long value;
    if (sc_number(text, &value) && value <= 0xFFFFFFFFull) {
        *code = (ULONG)value;
        return 1;
    }
    if (strncmp(text, "CTL_CODE(", 9) != 0 || text[strlen(text) - 1] != ')')
        return 0;
    char inner[256];
    snprintf(inner, sizeof(inner), "%.*s", (int)(strlen(text) - 10), text + 9);
    unsigned long parts[4];
    int count = 0;
    for (char *tok = strtok(inner, ","); tok != NULL && count < 4; tok = strtok(NULL, ",")) {
        while (*tok == ' ')
            tok++;
        char *end = tok + strlen(tok);
        while (end > tok && end[-1] == ' ')
            *--end = '\0';
        static const struct { const char *name; unsigned long value; } names[] = {
            {"METHOD_BUFFERED", 0}, {"METHOD_IN_DIRECT", 1}, {"METHOD_OUT_DIRECT", 2}, {"METHOD_NEITHER", 3},
            {"FILE_ANY_ACCESS", 0}, {"FILE_READ_ACCESS", 1}, {"FILE_WRITE_ACCESS", 2},
            {"FILE_READ_ACCESS|FILE_WRITE_ACCESS", 3}, {"FILE_DEVICE_UNKNOWN", 0x22},
        };
        int found = 0;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            if (strcmp(tok, names[i].name) == 0) {
                parts[count] = names[i].value;
                found = 1;
            }
        }
        if (!found) {
            if (!sc_number(tok, &value))
                return 0;
            parts[count] = (unsigned long)value;
        }
        count++;
    }
    if (count != 4 || parts[0] > 0xFFFF || parts[1] > 0xFFF || parts[2] > 3 || parts[3] > 3)
        return 0;
    *code = (ULONG)((parts[0] << 16) | (parts[3] << 14) | (parts[1] << 2) | parts[2]);
    return 1;
}

static sc_handle *sc_find(sc_state *s, const char *name)
{
    for (int i = 0; i < s->handle_count; i++) {
        if (strcmp(s->handles[i].name, name) == 0)
            return &s->handles[i];
    }
    return NULL;
}

/* ---- results ----------------------------------------------------------------------------------- */

static void sc_print_result(const char *what, NTSTATUS status, unsigned long long info, const unsigned char *data,
                            size_t data_length)
{
    char text[96];
    wdmemu_status_format(status, text, sizeof(text));
    printf("  %s -> %s info=%llu", what, text, info);
    if (data != NULL && data_length != 0) {
        printf(" data=");
        size_t shown = data_length < 64 ? data_length : 64;
        for (size_t i = 0; i < shown; i++)
            printf("%02x", data[i]);
        if (shown < data_length)
            printf("... (%zu bytes)", data_length);
    }
    printf("\n");
}

static void sc_check(sc_state *s, const sc_expect *e, NTSTATUS status, unsigned long long info,
                     const unsigned char *data, size_t data_length)
{
    char got[96], want[96];
    if (e->has_status && status != e->status) {
        wdmemu_status_format(status, got, sizeof(got));
        wdmemu_status_format(e->status, want, sizeof(want));
        sc_fail(s, e->line, "status %s, expected %s", got, want);
    }
    if (e->has_info && info != e->info)
        sc_fail(s, e->line, "information %llu, expected %llu", info, e->info);
    if (e->has_data) {
        size_t n = data_length < info ? data_length : (size_t)info;
        if (n != e->data_length || (n != 0 && memcmp(data, e->data, n) != 0))
            sc_fail(s, e->line, "data differs from expect-data (%zu bytes returned, %zu expected)", n, e->data_length);
    }
}

/* Checks the overlapped requests that have completed (all of those of h, or all when h NULL,
 * when `all` is set: waiting for them first). */
static void sc_collect(sc_state *s, const sc_handle *h, int wait)
{
    for (int i = 0; i < s->pending_count;) {
        sc_pending *p = &s->pending[i];
        if (h != NULL && p->handle != h) {
            i++;
            continue;
        }
        NTSTATUS status;
        ULONG_PTR info;
        if (wait && !wdmemu_request_result(p->request, NULL, NULL))
            wdmemu_request_wait(p->request, -1);
        if (!wdmemu_request_result(p->request, &status, &info)) {
            i++;
            continue;
        }
        printf("%s:%d: completed %s\n", s->file, p->expect.line, p->what);
        sc_print_result(p->what, status, info, p->buffer, p->buffer != NULL ? (size_t)info : 0);
        sc_check(s, &p->expect, status, info, p->buffer, p->buffer != NULL ? (size_t)info : 0);
        wdmemu_request_free(p->request);
        free(p->buffer);
        free(p->input);
        free(p->expect.data);
        *p = s->pending[--s->pending_count];
    }
}

/* ---- commands ---------------------------------------------------------------------------------- */

static int sc_split(char *line, char **words, int max)
{
    int n = 0;
    char *p = line;
    while (*p != '\0' && n < max) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#')
            break;
        words[n++] = p;
        int quoted = 0, parens = 0; /* "text with spaces" and CTL_CODE(a, b, c, d) are one word */
        while (*p != '\0' && (quoted || parens > 0 || (*p != ' ' && *p != '\t'))) {
            if (*p == '"' && (p == words[n - 1] || p[-1] != '\\'))
                quoted = !quoted;
            else if (!quoted && *p == '(')
                parens++;
            else if (!quoted && *p == ')' && parens > 0)
                parens--;
            p++;
        }
        if (*p != '\0')
            *p++ = '\0';
    }
    return n;
}

/* The key=value options and bare words after the positional arguments. */
typedef struct sc_options {
    sc_expect expect;
    unsigned long long offset;
    int has_offset;
    const char *in;
    unsigned long long out;
    const char *access, *share, *as;
    int overlapped, nocache;
} sc_options;

static int sc_parse_options(sc_state *s, int line, char **words, int count, sc_options *o)
{
    memset(o, 0, sizeof(*o));
    o->expect.line = line;
    for (int i = 0; i < count; i++) {
        char *w = words[i];
        char *eq = strchr(w, '=');
        if (strcmp(w, "pending") == 0) o->expect.want_pending = 1;
        else if (strcmp(w, "overlapped") == 0) o->overlapped = 1;
        else if (strcmp(w, "nocache") == 0) o->nocache = 1;
        else if (strcmp(w, "as") == 0 && i + 1 < count) o->as = words[++i];
        else if (eq == NULL) {
            sc_fail(s, line, "unknown word '%s'", w);
            return 0;
        } else {
            *eq = '\0';
            const char *v = eq + 1;
            unsigned long long n;
            if (strcmp(w, "expect") == 0) {
                if (!wdmemu_status_parse(v, &o->expect.status)) {
                    sc_fail(s, line, "expect=%s is not a status name or number", v);
                    return 0;
                }
                o->expect.has_status = 1;
            } else if (strcmp(w, "expect-info") == 0 && sc_number(v, &n)) {
                o->expect.info = n;
                o->expect.has_info = 1;
            } else if (strcmp(w, "expect-data") == 0) {
                o->expect.data = malloc(SC_MAX_DATA);
                if (o->expect.data == NULL || !sc_data(v, o->expect.data, SC_MAX_DATA, &o->expect.data_length)) {
                    sc_fail(s, line, "expect-data=%s is not hex bytes or a quoted string", v);
                    return 0;
                }
                o->expect.has_data = 1;
            } else if (strcmp(w, "offset") == 0 && sc_number(v, &n)) {
                o->offset = n;
                o->has_offset = 1;
            } else if (strcmp(w, "in") == 0) {
                o->in = v;
            } else if (strcmp(w, "out") == 0 && sc_number(v, &n) && n <= SC_MAX_DATA) {
                o->out = n;
            } else if (strcmp(w, "access") == 0) {
                o->access = v;
            } else if (strcmp(w, "share") == 0) {
                o->share = v;
            } else {
                sc_fail(s, line, "bad option %s=%s", w, v);
                return 0;
            }
        }
    }
    return 1;
}

static void sc_open(sc_state *s, int line, char **words, int count)
{
    sc_options o;
    if (count < 2) {
        sc_fail(s, line, "usage: open NAME [as H] [access=read|write|rw|none] [share=...] [overlapped] [nocache]");
        return;
    }
    if (!sc_parse_options(s, line, words + 2, count - 2, &o))
        return;
    ACCESS_MASK access = GENERIC_READ | GENERIC_WRITE;
    if (o.access != NULL) {
        if (strcmp(o.access, "read") == 0) access = GENERIC_READ;
        else if (strcmp(o.access, "write") == 0) access = GENERIC_WRITE;
        else if (strcmp(o.access, "rw") == 0) access = GENERIC_READ | GENERIC_WRITE;
        else if (strcmp(o.access, "none") == 0) access = 0;
        else {
            sc_fail(s, line, "access=%s: use read, write, rw or none", o.access);
            return;
        }
    }
    ULONG share = 0;
    if (o.share != NULL) {
        if (strchr(o.share, 'r') != NULL || strcmp(o.share, "all") == 0) share |= FILE_SHARE_READ;
        if (strchr(o.share, 'w') != NULL || strcmp(o.share, "all") == 0) share |= FILE_SHARE_WRITE;
        if (strchr(o.share, 'd') != NULL || strcmp(o.share, "all") == 0) share |= FILE_SHARE_DELETE;
    }
    ULONG options = FILE_NON_DIRECTORY_FILE | (o.overlapped ? 0 : FILE_SYNCHRONOUS_IO_NONALERT) |
                    (o.nocache ? FILE_NO_INTERMEDIATE_BUFFERING : 0);
    if (s->handle_count == SC_HANDLES) {
        sc_fail(s, line, "too many handles");
        return;
    }
    HANDLE handle = NULL;
    NTSTATUS status = wdmemu_open(words[1], access, share, options, &handle);
    char what[80];
    snprintf(what, sizeof(what), "open %s", words[1]);
    sc_print_result(what, status, 0, NULL, 0);
    if (o.expect.has_status)
        sc_check(s, &o.expect, status, 0, NULL, 0);
    else if (!NT_SUCCESS(status))
        sc_fail(s, line, "open %s failed", words[1]);
    free(o.expect.data);
    if (!NT_SUCCESS(status))
        return;
    sc_handle *h = &s->handles[s->handle_count++];
    snprintf(h->name, sizeof(h->name), "%s", o.as != NULL ? o.as : "h");
    if (o.as == NULL)
        snprintf(h->name, sizeof(h->name), "h%d", s->handle_count);
    h->handle = handle;
    h->overlapped = o.overlapped;
    printf("  handle %s\n", h->name);
}

/* read / write / ioctl / internal-ioctl / fsctl */
static void sc_transfer(sc_state *s, int line, const char *verb, char **words, int count)
{
    int is_read = strcmp(verb, "read") == 0, is_write = strcmp(verb, "write") == 0;
    if (count < 3) {
        sc_fail(s, line, "usage: %s H %s [options]", verb, is_read ? "LEN" : is_write ? "DATA" : "CODE");
        return;
    }
    sc_handle *h = sc_find(s, words[1]);
    if (h == NULL) {
        sc_fail(s, line, "no handle named %s", words[1]);
        return;
    }
    sc_options o;
    if (!sc_parse_options(s, line, words + 3, count - 3, &o))
        return;
    unsigned long long len = 0;
    ULONG code = 0;
    unsigned char *in = NULL, *out = NULL;
    size_t in_length = 0, out_length = 0;
    if (is_read && (!sc_number(words[2], &len) || len > SC_MAX_DATA)) {
        sc_fail(s, line, "read length %s is not a number up to %d", words[2], SC_MAX_DATA);
        goto done;
    }
    if (!is_read && !is_write && !sc_code(words[2], &code)) {
        sc_fail(s, line, "%s is not a number or CTL_CODE(type, function, method, access)", words[2]);
        goto done;
    }
    const char *data = is_write ? words[2] : o.in;
    if (data != NULL) {
        in = malloc(SC_MAX_DATA);
        if (in == NULL || !sc_data(data, in, SC_MAX_DATA, &in_length)) {
            sc_fail(s, line, "%s is not hex bytes or a quoted string", data);
            goto done;
        }
    }
    out_length = is_read ? (size_t)len : (size_t)o.out;
    if (out_length != 0 && (out = calloc(1, out_length)) == NULL)
        goto done;
    int64_t offset = (int64_t)o.offset;
    const int64_t *at = o.has_offset ? &offset : (h->overlapped ? &offset : NULL);
    char what[96];
    snprintf(what, sizeof(what), "%s %s %s", verb, words[1], words[2]);
    NTSTATUS status;
    ULONG_PTR info = 0;
    wdmemu_request *request = NULL;
    int async = h->overlapped && (is_read || is_write || strcmp(verb, "ioctl") == 0);
    if (async) {
        if (is_read)
            status = wdmemu_read_async(h->handle, out, (ULONG)out_length, at, NULL, NULL, &request);
        else if (is_write)
            status = wdmemu_write_async(h->handle, in, (ULONG)in_length, at, NULL, NULL, &request);
        else
            status = wdmemu_device_control_async(h->handle, code, in, (ULONG)in_length, out, (ULONG)out_length, NULL,
                                                 NULL, &request);
        if (status == STATUS_PENDING) {
            printf("  %s -> STATUS_PENDING\n", what);
            if (s->pending_count == SC_PENDING) {
                sc_fail(s, line, "too many pending requests");
                wdmemu_request_free(request);
                goto done;
            }
            sc_pending *p = &s->pending[s->pending_count++];
            p->expect = o.expect;
            o.expect.data = NULL;
            p->request = request;
            p->handle = h;
            p->buffer = out; /* both buffers live until the request completes */
            p->input = in;
            out = in = NULL;
            snprintf(p->what, sizeof(p->what), "%s", what);
            goto done;
        }
        if (o.expect.want_pending)
            sc_fail(s, line, "the request completed at once, expected it to be pending");
        if (request != NULL) {
            NTSTATUS final;
            if (wdmemu_request_result(request, &final, &info))
                status = final;
            wdmemu_request_free(request);
        }
    } else {
        if (o.expect.want_pending)
            sc_fail(s, line, "'pending' needs an overlapped handle");
        if (is_read)
            status = wdmemu_read(h->handle, out, (ULONG)out_length, at, &info);
        else if (is_write)
            status = wdmemu_write(h->handle, in, (ULONG)in_length, at, &info);
        else if (strcmp(verb, "ioctl") == 0)
            status = wdmemu_device_control(h->handle, code, in, (ULONG)in_length, out, (ULONG)out_length, &info);
        else if (strcmp(verb, "internal-ioctl") == 0)
            status = wdmemu_internal_device_control(h->handle, code, in, (ULONG)in_length, out, (ULONG)out_length,
                                                    &info);
        else
            status = wdmemu_fs_control(h->handle, code, in, (ULONG)in_length, out, (ULONG)out_length, &info);
    }
    sc_print_result(what, status, info, out, out != NULL && info <= out_length ? (size_t)info : 0);
    sc_check(s, &o.expect, status, info, out, out != NULL ? out_length : 0);
done:
    free(in);
    free(out);
    free(o.expect.data);
}

static void sc_close(sc_state *s, int line, char **words, int count)
{
    sc_handle *h = count == 2 ? sc_find(s, words[1]) : NULL;
    if (h == NULL) {
        sc_fail(s, line, "usage: close H (an open handle)");
        return;
    }
    NTSTATUS status = wdmemu_handle_close(h->handle);
    char what[64];
    snprintf(what, sizeof(what), "close %s", h->name);
    sc_print_result(what, status, 0, NULL, 0);
    sc_collect(s, h, 0); /* cleanup may have completed its requests */
    h->handle = NULL;
    h->name[0] = '\0';
}

int script_run(FILE *in, const char *file)
{
    sc_state *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return 1;
    s->file = file;
    char text[4096];
    int line = 0;
    while (fgets(text, sizeof(text), in) != NULL) {
        line++;
        text[strcspn(text, "\r\n")] = '\0';
        char copy[4096];
        snprintf(copy, sizeof(copy), "%s", text);
        char *words[64];
        int count = sc_split(copy, words, 64);
        if (count == 0)
            continue;
        printf("%s:%d: %s\n", file, line, text);
        const char *verb = words[0];
        if (strcmp(verb, "open") == 0) {
            sc_open(s, line, words, count);
        } else if (strcmp(verb, "read") == 0 || strcmp(verb, "write") == 0 || strcmp(verb, "ioctl") == 0 ||
                   strcmp(verb, "internal-ioctl") == 0 || strcmp(verb, "fsctl") == 0) {
            sc_transfer(s, line, verb, words, count);
        } else if (strcmp(verb, "close") == 0) {
            sc_close(s, line, words, count);
        } else if (strcmp(verb, "cancel") == 0) {
            sc_handle *h = count == 2 ? sc_find(s, words[1]) : NULL;
            if (h == NULL)
                sc_fail(s, line, "usage: cancel H (an open handle)");
            else
                wdmemu_cancel_io(h->handle);
            wdmemu_run_until_idle();
            sc_collect(s, h, 0);
        } else if (strcmp(verb, "wait") == 0) {
            sc_handle *h = count == 2 ? sc_find(s, words[1]) : NULL;
            if (count == 2 && h == NULL)
                sc_fail(s, line, "no handle named %s", words[1]);
            else if (count > 2)
                sc_fail(s, line, "usage: wait [H]");
            else {
                wdmemu_run_until_idle();
                sc_collect(s, h, 1);
            }
        } else if (strcmp(verb, "advance") == 0) {
            unsigned long long ms;
            if (count != 2 || !sc_number(words[1], &ms))
                sc_fail(s, line, "usage: advance MS");
            else {
                wdmemu_advance_time(ms);
                sc_collect(s, NULL, 0);
            }
        } else {
            sc_fail(s, line, "unknown command '%s' (open, read, write, ioctl, internal-ioctl, fsctl, cancel, "
                             "wait, advance, close)", verb);
        }
    }
    wdmemu_run_until_idle();
    sc_collect(s, NULL, 0);
    for (int i = 0; i < s->pending_count; i++)
        sc_fail(s, s->pending[i].expect.line, "%s was still pending at the end of the script", s->pending[i].what);
    for (int i = 0; i < s->handle_count; i++) {
        if (s->handles[i].handle != NULL)
            wdmemu_handle_close(s->handles[i].handle);
    }
    sc_collect(s, NULL, 0);
    for (int i = 0; i < s->pending_count; i++) {
        wdmemu_request_free(s->pending[i].request);
        free(s->pending[i].buffer);
        free(s->pending[i].input);
        free(s->pending[i].expect.data);
    }
    int failures = s->failures;
    free(s);
    return failures;
}
