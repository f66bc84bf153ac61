/*
 * Internal RTL helpers that turn NTSTATUS codes into readable names and back,
 * for logs, traces and tests. Lookups are generated from ddk/ntstatus.h by
 * tools/gen-status-names.py; rtl_status_format() is in status.c.
 */
#ifndef WDMEMU_RTL_STATUS_H
#define WDMEMU_RTL_STATUS_H

#include <stddef.h>

#include <wdm.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Canonical name of a code ("STATUS_SUCCESS" for 0, never an alias such as
 * STATUS_WAIT_0), or NULL when the value is not in ntstatus.h.
 * The string is static; do not free it.
 */
const char *rtl_status_name(NTSTATUS status);

/*
 * Exact, case-sensitive lookup of any name defined in ntstatus.h, aliases
 * included. On success stores the value in *out (when out is not NULL) and
 * returns TRUE; otherwise returns FALSE and leaves *out untouched.
 */
BOOLEAN rtl_status_from_name(const char *name, NTSTATUS *out);

/*
 * Writes "STATUS_NAME (0xC0000023)" for a known code or just "0xE0001234"
 * for an unknown one. Output is cut to fit and always NUL-terminated when
 * cap > 0 (buf may be NULL only when cap is 0). Returns the number of
 * characters stored, not counting the NUL.
 */
size_t rtl_status_format(NTSTATUS status, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* WDMEMU_RTL_STATUS_H */
