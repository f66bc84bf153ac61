/*
 * Human-readable rendering of NTSTATUS codes. The name lookup itself is the
 * generated table (see tools/gen-status-names.py); this file only formats.
 */
#include "rtl/status.h"

#include <stdint.h>
#include <stdio.h>

size_t rtl_status_format(NTSTATUS status, char *buf, size_t cap)
{
    const char *name;
    unsigned int raw;
    int n;

    if (buf == NULL || cap == 0)
        return 0;

    raw = (unsigned int)(uint32_t)status;
    name = rtl_status_name(status);
    if (name != NULL)
        n = snprintf(buf, cap, "%s (0x%08X)", name, raw);
    else
        n = snprintf(buf, cap, "0x%08X", raw);

    if (n < 0) {
        buf[0] = '\0';
        return 0;
    }
    if ((size_t)n >= cap)
        return cap - 1;     /* snprintf truncated and terminated for us */
    return (size_t)n;
}
