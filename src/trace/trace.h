/* trace/trace.h: the tracer's lifetime hooks and its two text writers (the record type and
 * the host API are in <wdmemu/wdmemu.h>). */
#ifndef WDMEMU_TRACE_TRACE_H
#define WDMEMU_TRACE_TRACE_H

#include <stdio.h>

#include <wdmemu/wdmemu.h>

/* WDMEMU_TRACE at wdmemu_init; flush, close and forget at wdmemu_shutdown. */
void trace_init(void);
void trace_shutdown(void);

/* One line per record (sink.c). */
void trace_write_text(FILE *out, const wdmemu_trace_record *record);
void trace_write_jsonl(FILE *out, const wdmemu_trace_record *record);

/* Chrome Trace Event format (sink.c): the opening and closing of the event array, and the
 * events of one record.  spans_open / spans_close name the asynchronous spans (one per device
 * level of an IRP) the record opens or closes. */
void trace_write_chrome_begin(FILE *out);
void trace_write_chrome(FILE *out, const wdmemu_trace_record *record, const char *span_open,
                        const char *const *spans_close, size_t spans_closed);
void trace_write_chrome_end(FILE *out);

/* JSON string escaping of UTF-8 text (quotes, backslash, control characters as \uXXXX; valid
 * UTF-8 passes through, invalid bytes become U+FFFD).  Writes at most size-1 bytes and a NUL;
 * returns the length it needed. */
size_t trace_json_escape(const char *text, char *out, size_t size);

#endif /* WDMEMU_TRACE_TRACE_H */
