/* zero_ioctl.h: the interface of the Zero sample driver, shared by the driver, its client, its
 * tests and the filter sample: device names, control codes and their buffers.
 *
 * Include <wdm.h>/<ntddk.h> (driver) or <wdmemu/wdmemu.h> (host) first: CTL_CODE and the
 * integer types come from there. */
#ifndef ZERO_IOCTL_H
#define ZERO_IOCTL_H

#define ZERO_DEVICE_NAME L"\\Device\\Zero"
#define ZERO_LINK_NAME L"\\??\\Zero"
/* What an application passes to CreateFile. */
#define ZERO_USER_NAME "\\\\.\\Zero"

/* Output: ZERO_STATS (METHOD_BUFFERED).  A shorter output buffer fails with
 * STATUS_BUFFER_TOO_SMALL and nothing transferred. */
#define IOCTL_ZERO_GET_STATS CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
/* No buffers (METHOD_NEITHER): sets both totals back to zero.  Needs a handle with write access. */
#define IOCTL_ZERO_RESET_STATS CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_NEITHER, FILE_WRITE_ACCESS)
/* Input: a ULONG of ZERO_PEND_* flags (METHOD_BUFFERED).  While ZERO_PEND_READS is set, reads
 * are queued and completed later from a DPC (and FastIoRead declines, so every read takes the
 * IRP path); ZERO_PEND_WRITES does the same for writes.  0 switches back to completing at once.
 * Requests already queued are not affected.  A short input gives STATUS_BUFFER_TOO_SMALL,
 * unknown flags STATUS_INVALID_PARAMETER. */
#define IOCTL_ZERO_SET_PENDING CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_BUFFERED, FILE_ANY_ACCESS)

#define ZERO_PEND_READS 0x1u
#define ZERO_PEND_WRITES 0x2u

/* Totals since the driver loaded or the last reset, for the device as a whole (every handle),
 * counting the bytes of requests that completed successfully, fast I/O included. */
typedef struct ZERO_STATS {
    LONG64 TotalRead;
    LONG64 TotalWritten;
} ZERO_STATS;

#endif /* ZERO_IOCTL_H */
