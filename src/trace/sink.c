/* trace/sink.c: the text, JSON Lines and Chrome Trace Event forms of trace records (public:
 * wdmemu-trace converts recorded traces with them).  Text is for people: one line,
 * indented by dispatch depth, names instead of numbers.  JSON Lines is for tools: one object
 * per line, the fields of docs/trace-format.md, strings escaped so every line is valid JSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "rtl/status.h"
#include "trace/trace.h"

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if the bytes there are not one. */
static size_t tr_utf8_length(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    size_t n = (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || (n == 2 && p[0] < 0xC2) || (n == 4 && p[0] > 0xF4))
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    }
    if (n == 3 && ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0)))
        return 0; /* overlong, or a UTF-16 surrogate */
    if (n == 4 && ((p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90)))
        return 0;
    return n;
}

/* 1 for the bytes that end a run of plain printable ASCII: controls, '"', '\\', DEL and
 * everything from 0x80 (UTF-8, checked one sequence at a time). */
static const unsigned char tr_json_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

size_t trace_json_escape(const char *text, char *out, size_t size)
{
    size_t used = 0, written = 0;
    int full = 0;
    /* Items (an escape, a character) are copied whole or not at all, so the output is valid
     * JSON string content even when cut short. */
#define TR_PUT(str, len)                                                                                    \
    do {                                                                                                    \
        size_t l_ = (len);                                                                                  \
        if (!full && written + l_ < size) {                                                                 \
            memcpy(out + written, (str), l_);                                                               \
            written += l_;                                                                                  \
        } else {                                                                                            \
            full = 1;                                                                                       \
        }                                                                                                   \
        used += l_;                                                                                         \
    } while (0)
    const unsigned char *p = (const unsigned char *)(text != NULL ? text : "");
    while (*p != 0) {
        char escaped[8];
        /* A run of printable ASCII needing no escape: one copy (each of its characters is an
         * item of its own, so a run that does not fit is cut where the room ends). */
        const unsigned char *run = p;
        while (!tr_json_special[*p])
            p++;
        if (p != run) {
            size_t length = (size_t)(p - run);
            if (!full) {
                size_t room = written + 1 < size ? size - written - 1 : 0;
                size_t take = length <= room ? length : room;
                memcpy(out + written, run, take);
                written += take;
                if (take < length)
                    full = 1;
            }
            used += length;
            continue;
        }
        if (*p == '"' || *p == '\\') {
            escaped[0] = '\\';
            escaped[1] = (char)*p;
            TR_PUT(escaped, 2);
            p++;
        } else if (*p < 0x20 || *p == 0x7F) {
            static const char *const short_forms[0x20] = {[8] = "\\b", [9] = "\\t", [10] = "\\n", [12] = "\\f",
                                                          [13] = "\\r"};
            if (*p < 0x20 && short_forms[*p] != NULL) {
                TR_PUT(short_forms[*p], 2);
            } else {
                snprintf(escaped, sizeof(escaped), "\\u%04x", *p);
                TR_PUT(escaped, 6);
            }
            p++;
        } else {
            size_t n = tr_utf8_length(p);
            if (n == 0) {
                TR_PUT("\\ufffd", 6);
                p++;
            } else {
                TR_PUT((const char *)p, n);
                p += n;
            }
        }
    }
    if (size != 0)
        out[written] = '\0';
#undef TR_PUT
    return used;
}

static void tr_status(NTSTATUS status, char *buffer, size_t size)
{
    const char *name = rtl_status_name(status);
    if (name == NULL) {
        snprintf(buffer, size, "0x%08X", (unsigned)status);
        return;
    }
    size_t n = strlen(name);
    if (n >= size)
        n = size - 1;
    memcpy(buffer, name, n);
    buffer[n] = '\0';
}

static const char *const tr_methods[4] = {"METHOD_BUFFERED", "METHOD_IN_DIRECT", "METHOD_OUT_DIRECT", "METHOD_NEITHER"};
static const char *const tr_access[4] = {"FILE_ANY_ACCESS", "FILE_READ_ACCESS", "FILE_WRITE_ACCESS",
                                         "FILE_READ_ACCESS|FILE_WRITE_ACCESS"};

/* Whether the record concerns one request (and so has request fields worth printing). */
static int tr_has_request(const wdmemu_trace_record *r)
{
    return r->irp != 0 || strcmp(r->kind, "REQUEST_ISSUED") == 0 || strcmp(r->kind, "REQUEST_COMPLETED") == 0 ||
           strcmp(r->kind, "FAST_IO") == 0;
}

/* Whether the record's status means something (a result, a return value, a completion). */
static int tr_has_status(const wdmemu_trace_record *r)
{
    static const char *const kinds[] = {"DRIVER_ENTRY_RETURNED", "IRP_DISPATCH_RETURNED", "IRP_COMPLETE",
                                        "COMPLETION_ROUTINE", "COMPLETION_ROUTINE_RETURNED", "IRP_FINAL",
                                        "IRP_CANCEL", "FAST_IO", "REQUEST_COMPLETED", "IRP_DEQUEUED", "FINDING"};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(r->kind, kinds[i]) == 0)
            return 1;
    }
    return 0;
}

WDMEMU_API void wdmemu_trace_write_text(FILE *out, const wdmemu_trace_record *r)
{
    char status[64];
    tr_status(r->status, status, sizeof(status));
    fprintf(out, "%6llu %4llu.%04llu ms T%u L%u %*s%s", (unsigned long long)r->seq,
            (unsigned long long)(r->time / 10000), (unsigned long long)(r->time % 10000), (unsigned)r->thread,
            (unsigned)r->irql, r->depth * 2, "", r->kind);
    if (r->irp != 0)
        fprintf(out, " IRP %u", (unsigned)r->irp);
    if (r->device[0] != '\0')
        fprintf(out, " %s", r->device);
    else if (r->driver[0] != '\0')
        fprintf(out, " %s", r->driver);
    if (tr_has_request(r) && r->major_name != NULL) {
        fprintf(out, " %s", r->major_name);
        if (r->ioctl != 0)
            fprintf(out, " CTL_CODE(0x%X, 0x%X, %s, %s)", (unsigned)((r->ioctl >> 16) & 0xFFFF),
                    (unsigned)((r->ioctl >> 2) & 0xFFF), tr_methods[r->ioctl & 3], tr_access[(r->ioctl >> 14) & 3]);
        if (r->input_length != 0 || r->output_length != 0)
            fprintf(out, " in=%lu out=%lu", (unsigned long)r->input_length, (unsigned long)r->output_length);
        if (r->offset != 0)
            fprintf(out, " offset=%lld", (long long)r->offset);
        if (r->file != 0)
            fprintf(out, " file=%u", (unsigned)r->file);
    }
    if (tr_has_status(r))
        fprintf(out, " -> %s", status);
    if (r->information != 0)
        fprintf(out, " info=%llu", (unsigned long long)r->information);
    if (r->pending_returned)
        fprintf(out, strcmp(r->kind, "FAST_IO") == 0 ? " handled" : " pending-returned");
    if (r->iosb_written)
        fputs(" iosb-written", out);
    if (r->data_length != 0) {
        fputs(" data=", out);
        size_t shown = r->data_length < 32 ? r->data_length : 32;
        for (size_t i = 0; i < shown; i++)
            fprintf(out, "%02x", r->data[i]);
        if (shown < r->data_length)
            fprintf(out, "...(%zu bytes)", r->data_length);
    }
    if (r->text != NULL) {
        /* Free text (DbgPrint output, finding messages, DDI names) on one line. */
        char line[512];
        size_t n = 0;
        for (const char *t = r->text; *t != 0 && n + 1 < sizeof(line); t++)
            line[n++] = (*t == '\n' || *t == '\r') ? ' ' : *t;
        while (n > 0 && line[n - 1] == ' ')
            n--;
        line[n] = '\0';
        fprintf(out, " \"%s\"", line);
    }
    fputc('\n', out);
}

/* A line assembled in a stack buffer and written with one fwrite (flushed early only when it
 * would overflow): JSON Lines records are mostly integers and known strings, for which
 * fprintf's format parsing cost more than the rest of the record. */
typedef struct tr_line {
    FILE *out;
    size_t used;
    char buffer[4096];
} tr_line;

static void tr_put(tr_line *line, const char *text, size_t length)
{
    if (line->used + length > sizeof(line->buffer)) {
        fwrite(line->buffer, 1, line->used, line->out);
        line->used = 0;
        if (length > sizeof(line->buffer)) {
            fwrite(text, 1, length, line->out);
            return;
        }
    }
    memcpy(line->buffer + line->used, text, length);
    line->used += length;
}

static void tr_put_str(tr_line *line, const char *text)
{
    tr_put(line, text, strlen(text));
}

static void tr_put_u64(tr_line *line, unsigned long long value)
{
    char digits[24];
    size_t at = sizeof(digits);
    do {
        digits[--at] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    tr_put(line, digits + at, sizeof(digits) - at);
}

static void tr_put_i64(tr_line *line, long long value)
{
    if (value < 0) {
        tr_put(line, "-", 1);
        tr_put_u64(line, 0ULL - (unsigned long long)value);
    } else {
        tr_put_u64(line, (unsigned long long)value);
    }
}

WDMEMU_API void wdmemu_trace_write_jsonl(FILE *out, const wdmemu_trace_record *r)
{
    char status[64], driver[512], device[512], text[2048];
    tr_line line;
    line.out = out;
    line.used = 0;
    tr_status(r->status, status, sizeof(status));
    trace_json_escape(r->driver, driver, sizeof(driver));
    trace_json_escape(r->device, device, sizeof(device));
    tr_put_str(&line, "{\"v\":1,\"seq\":");
    tr_put_u64(&line, (unsigned long long)r->seq);
    tr_put_str(&line, ",\"time\":");
    tr_put_u64(&line, (unsigned long long)r->time);
    tr_put_str(&line, ",\"thread\":");
    tr_put_u64(&line, (unsigned)r->thread);
    tr_put_str(&line, ",\"irql\":");
    tr_put_u64(&line, (unsigned)r->irql);
    tr_put_str(&line, ",\"kind\":\"");
    tr_put_str(&line, r->kind);
    tr_put_str(&line, "\",\"driver\":\"");
    tr_put_str(&line, driver);
    tr_put_str(&line, "\",\"device\":\"");
    tr_put_str(&line, device);
    tr_put_str(&line, "\",\"depth\":");
    tr_put_i64(&line, r->depth);
    if (r->irp != 0) {
        tr_put_str(&line, ",\"irp\":");
        tr_put_u64(&line, (unsigned)r->irp);
        tr_put_str(&line, ",\"stack_location\":");
        tr_put_i64(&line, (int)r->stack_location);
        tr_put_str(&line, ",\"irp_flags\":");
        tr_put_u64(&line, (unsigned long)r->irp_flags);
    }
    if (r->file != 0) {
        tr_put_str(&line, ",\"file\":");
        tr_put_u64(&line, (unsigned)r->file);
    }
    if (tr_has_request(r) && r->major_name != NULL) {
        tr_put_str(&line, ",\"major\":");
        tr_put_u64(&line, (unsigned)r->major);
        tr_put_str(&line, ",\"major_name\":\"");
        tr_put_str(&line, r->major_name);
        tr_put_str(&line, "\",\"minor\":");
        tr_put_u64(&line, (unsigned)r->minor);
    }
    if (r->ioctl != 0) {
        tr_put_str(&line, ",\"ioctl\":{\"code\":");
        tr_put_u64(&line, (unsigned long)r->ioctl);
        tr_put_str(&line, ",\"device_type\":");
        tr_put_u64(&line, (unsigned)((r->ioctl >> 16) & 0xFFFF));
        tr_put_str(&line, ",\"function\":");
        tr_put_u64(&line, (unsigned)((r->ioctl >> 2) & 0xFFF));
        tr_put_str(&line, ",\"method\":\"");
        tr_put_str(&line, tr_methods[r->ioctl & 3]);
        tr_put_str(&line, "\",\"access\":\"");
        tr_put_str(&line, tr_access[(r->ioctl >> 14) & 3]);
        tr_put_str(&line, "\"}");
    }
    if (r->input_length != 0 || r->output_length != 0) {
        tr_put_str(&line, ",\"input_length\":");
        tr_put_u64(&line, (unsigned long)r->input_length);
        tr_put_str(&line, ",\"output_length\":");
        tr_put_u64(&line, (unsigned long)r->output_length);
    }
    if (r->offset != 0) {
        tr_put_str(&line, ",\"offset\":");
        tr_put_i64(&line, (long long)r->offset);
    }
    tr_put_str(&line, ",\"status\":");
    tr_put_u64(&line, (unsigned long)(ULONG)r->status);
    tr_put_str(&line, ",\"status_name\":\"");
    tr_put_str(&line, status);
    tr_put_str(&line, "\",\"information\":");
    tr_put_u64(&line, (unsigned long long)r->information);
    tr_put_str(&line, r->pending_returned ? ",\"flag\":true" : ",\"flag\":false");
    if (r->iosb_written)
        tr_put_str(&line, ",\"iosb_written\":true");
    if (r->text != NULL) {
        trace_json_escape(r->text, text, sizeof(text));
        tr_put_str(&line, ",\"text\":\"");
        tr_put_str(&line, text);
        tr_put_str(&line, "\"");
    }
    if (r->data_length != 0) {
        static const char hex[] = "0123456789abcdef";
        tr_put_str(&line, ",\"data\":\"");
        for (size_t i = 0; i < r->data_length; i++) {
            char pair[2] = {hex[r->data[i] >> 4], hex[r->data[i] & 15]};
            tr_put(&line, pair, 2);
        }
        tr_put_str(&line, "\"");
    }
    tr_put_str(&line, "}\n");
    fwrite(line.buffer, 1, line.used, out);
}

/* ---- Chrome Trace Event format ---------------------------------------------------------------- */

/* Timestamps are microseconds of interrupt time plus 1 ns per sequence number, so that events
 * at the same virtual instant keep their order and spans their width. */
static double tr_chrome_ts(const wdmemu_trace_record *r)
{
    return (double)r->time / 10.0 + (double)r->seq / 1000.0;
}

static void tr_chrome_args(FILE *out, const wdmemu_trace_record *r)
{
    char status[64], device[512], text[1024];
    tr_status(r->status, status, sizeof(status));
    trace_json_escape(r->device, device, sizeof(device));
    fprintf(out, "\"args\":{\"seq\":%llu,\"device\":\"%s\",\"status\":\"%s\",\"information\":%llu",
            (unsigned long long)r->seq, device, status, (unsigned long long)r->information);
    if (r->irp != 0)
        fprintf(out, ",\"irp\":%u,\"stack_location\":%d", (unsigned)r->irp, r->stack_location);
    if (r->ioctl != 0)
        fprintf(out, ",\"ioctl\":\"0x%08lX\"", (unsigned long)r->ioctl);
    if (r->text != NULL) {
        trace_json_escape(r->text, text, sizeof(text));
        fprintf(out, ",\"text\":\"%s\"", text);
    }
    fputc('}', out);
}

static void tr_chrome_event(FILE *out, const wdmemu_trace_record *r, const char *ph, const char *cat, const char *name,
                            BOOLEAN async, BOOLEAN args)
{
    char escaped[512];
    trace_json_escape(name, escaped, sizeof(escaped));
    fprintf(out, ",\n{\"ph\":\"%s\",\"cat\":\"%s\",\"name\":\"%s\",\"ts\":%.3f,\"pid\":1,\"tid\":%u", ph, cat,
            escaped, tr_chrome_ts(r), (unsigned)r->thread);
    if (async)
        fprintf(out, ",\"id\":\"irp%u\"", (unsigned)r->irp);
    if (ph[0] == 'i')
        fputs(",\"s\":\"t\"", out);
    if (args) {
        fputc(',', out);
        tr_chrome_args(out, r);
    }
    fputc('}', out);
}

static void tr_chrome_begin(FILE *out)
{
    /* A metadata event first, so that every later event can start with a comma. */
    fputs("[{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\"wdmemu\"}}", out);
}

static void tr_chrome_end(FILE *out)
{
    fputs("\n]\n", out);
}

static void tr_chrome_record(FILE *out, const wdmemu_trace_record *r, const char *span_open,
                             const char *const *spans_close, size_t spans_closed)
{
    char name[320];
    const char *major = r->major_name != NULL ? r->major_name : "";
    if (strcmp(r->kind, "IRP_DISPATCH") == 0) {
        /* the IRP's span at this device level (asynchronous: it lasts until the final stage) */
        tr_chrome_event(out, r, "b", "irp", span_open, TRUE, TRUE);
        snprintf(name, sizeof(name), "dispatch %s %s", r->driver, major);
        tr_chrome_event(out, r, "B", "dispatch", name, FALSE, TRUE);
    } else if (strcmp(r->kind, "IRP_DISPATCH_RETURNED") == 0) {
        tr_chrome_event(out, r, "E", "dispatch", "dispatch", FALSE, TRUE);
    } else if (strcmp(r->kind, "COMPLETION_ROUTINE") == 0) {
        snprintf(name, sizeof(name), "completion routine %s", r->driver);
        tr_chrome_event(out, r, "B", "completion", name, FALSE, TRUE);
    } else if (strcmp(r->kind, "COMPLETION_ROUTINE_RETURNED") == 0) {
        tr_chrome_event(out, r, "E", "completion", "completion routine", FALSE, TRUE);
    } else {
        snprintf(name, sizeof(name), "%s%s%s", r->kind, major[0] ? " " : "", major);
        tr_chrome_event(out, r, "i", "event", name, FALSE, TRUE);
    }
    /* IRP_FINAL (or the IRP's end) closes its open levels, innermost first. */
    for (size_t i = 0; i < spans_closed; i++)
        tr_chrome_event(out, r, "e", "irp", spans_close[i], TRUE, FALSE);
}

/* The writer keeps, per IRP, the spans it opened (one per device level), to close them at the
 * IRP's final stage, innermost first. */
#define TR_SPAN_LEVELS 16

typedef struct tr_spans {
    uint32_t irp;
    int count;
    char *names[TR_SPAN_LEVELS];
    UT_hash_handle hh;
} tr_spans;

struct wdmemu_chrome_writer {
    FILE *out;
    tr_spans *spans;
};

static void tr_spans_free(tr_spans *spans)
{
    for (int i = 0; i < spans->count; i++)
        free(spans->names[i]);
    free(spans);
}

WDMEMU_API wdmemu_chrome_writer *wdmemu_chrome_writer_open(FILE *out)
{
    wdmemu_chrome_writer *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->out = out;
    tr_chrome_begin(out);
    return w;
}

WDMEMU_API void wdmemu_chrome_writer_write(wdmemu_chrome_writer *w, const wdmemu_trace_record *r)
{
    tr_spans *spans = NULL;
    if (r->irp != 0)
        HASH_FIND(hh, w->spans, &r->irp, sizeof(r->irp), spans);
    char *open = NULL;
    if (strcmp(r->kind, "IRP_DISPATCH") == 0 && r->irp != 0) {
        if (spans == NULL && (spans = calloc(1, sizeof(*spans))) != NULL) {
            spans->irp = r->irp;
            HASH_ADD(hh, w->spans, irp, sizeof(spans->irp), spans);
        }
        char name[320];
        snprintf(name, sizeof(name), "IRP %u %s %s", (unsigned)r->irp, r->major_name != NULL ? r->major_name : "",
                 r->device);
        open = strdup(name);
        if (spans != NULL && open != NULL && spans->count < TR_SPAN_LEVELS) {
            spans->names[spans->count++] = open;
        } else {
            free(open);
            open = NULL;
        }
    }
    const char *closing[TR_SPAN_LEVELS];
    size_t closed = 0;
    if (strcmp(r->kind, "IRP_FINAL") == 0 && spans != NULL) {
        for (int i = spans->count - 1; i >= 0; i--)
            closing[closed++] = spans->names[i];
    }
    if (strcmp(r->kind, "IRP_DISPATCH") != 0 || open != NULL)
        tr_chrome_record(w->out, r, open, closing, closed);
    if (closed != 0) {
        HASH_DEL(w->spans, spans);
        tr_spans_free(spans);
    }
}

WDMEMU_API void wdmemu_chrome_writer_close(wdmemu_chrome_writer *w)
{
    if (w == NULL)
        return;
    tr_chrome_end(w->out);
    tr_spans *spans, *next;
    HASH_ITER(hh, w->spans, spans, next)
    {
        HASH_DEL(w->spans, spans);
        tr_spans_free(spans);
    }
    free(w);
}
