/* core/report.h: how wdmemu tells the host what happened: findings (driver bugs named after
 * the Driver Verifier / SDV rule they break), host-call errors with a per-thread "last error",
 * informational messages and the drivers' debug output, all through one message handler. */
#ifndef WDMEMU_CORE_REPORT_H
#define WDMEMU_CORE_REPORT_H

#include <wdmemu/wdmemu.h>

#include "platform/platform.h"

/* Records a finding and emits it as an EV_FINDING event and a WDMEMU_MSG_FINDING message.
 * driver/device are display names ("\Driver\x", "\Device\y"); a NULL driver means "the driver
 * this thread is executing", as told by the context provider. */
void rp_finding(const char *rule, NTSTATUS status, const char *driver, const char *device, const char *fmt, ...)
    PLAT_PRINTF(5, 6);

/* A host call failed: sets the thread's last error and emits WDMEMU_MSG_ERROR.  Returns status
 * so callers can write `return rp_error(STATUS_X, "...")`. */
NTSTATUS rp_error(NTSTATUS status, const char *fmt, ...) PLAT_PRINTF(2, 3);

/* Sets the thread's last error without emitting anything (expected failures of DDIs). */
NTSTATUS rp_fail(NTSTATUS status, const char *fmt, ...) PLAT_PRINTF(2, 3);

void rp_info(const char *fmt, ...) PLAT_PRINTF(1, 2);

/* Passes text of the given kind to the message handler as is. */
void rp_message(wdmemu_message_kind kind, const char *text);

/* The I/O manager registers this so that reports made from deep inside kernel services can
 * name the driver the current thread is running; it writes "" when no driver is running. */
typedef void (*rp_context_fn)(char *driver_name, size_t size);
void rp_set_context_provider(rp_context_fn fn);

/* Forgets all findings. */
void rp_reset(void);

/* Back to every finding failing the test (wdmemu_shutdown). */
void rp_reset_policies(void);

/* Appends "STATUS_NAME (0x...)" for status to a small static-per-call buffer owner:
 * use as rp_status(st, buf) with char buf[RP_STATUS_LEN]. */
#define RP_STATUS_LEN 96
const char *rp_status(NTSTATUS status, char buffer[RP_STATUS_LEN]);

#endif /* WDMEMU_CORE_REPORT_H */
