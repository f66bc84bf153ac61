/* trace/trace.h: the tracer's lifetime hooks and its two text writers (the record type and
 * the host API are in <wdmemu/wdmemu.h>). */
#ifndef WDMEMU_TRACE_TRACE_H
#define WDMEMU_TRACE_TRACE_H

#include <stdio.h>

#include <wdmemu/wdmemu.h>

/* WDMEMU_TRACE at wdmemu_init; flush, close and forget at wdmemu_shutdown. */
void trace_init(void);
void trace_shutdown(void);

/* JSON string escaping of UTF-8 text (quotes, backslash, control characters as \uXXXX; valid
 * UTF-8 passes through, invalid bytes become U+FFFD).  Writes at most size-1 bytes and a NUL;
 * returns the length it needed. */
size_t trace_json_escape(const char *text, char *out, size_t size);

#endif /* WDMEMU_TRACE_TRACE_H */
