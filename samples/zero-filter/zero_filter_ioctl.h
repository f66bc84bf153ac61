/* zero_filter_ioctl.h: the one control code the zero-filter sample answers itself (every other
 * request goes down to \Device\Zero), and the counters it returns. */
#ifndef ZERO_FILTER_IOCTL_H
#define ZERO_FILTER_IOCTL_H

/* Output: ZERO_FILTER_COUNTERS (METHOD_BUFFERED); a shorter buffer gives STATUS_BUFFER_TOO_SMALL. */
#define IOCTL_ZERO_FILTER_GET_COUNTERS CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS)

/* What the filter saw since it was loaded, per forwarding style. */
typedef struct ZERO_FILTER_COUNTERS {
    /* Skipped (IoSkipCurrentIrpStackLocation): create, cleanup, close and everything else. */
    LONG Skipped;
    /* Writes, forwarded synchronously: sent down, waited for (when IoCallDriver returned
     * STATUS_PENDING), completed again by the filter. */
    LONG WritesForwarded;
    LONG WritesWaited;             /* IoCallDriver returned STATUS_PENDING */
    LONG WritesPendingReturned;    /* the completion routine saw Irp->PendingReturned */
    LONG WritesFailed;             /* the lower driver's status was an error */
    /* Reads, forwarded asynchronously with a completion routine. */
    LONG ReadsForwarded;
    LONG ReadsLowerPending;        /* IoCallDriver returned STATUS_PENDING */
    LONG ReadsCompleted;           /* the completion routine ran */
    LONG ReadsPendingReturned;     /* ... and saw Irp->PendingReturned (and marked the IRP pending) */
    LONG ReadsFailed;              /* ... with an error status (STATUS_CANCELLED, ...) */
    LONG64 ReadBytes;              /* IoStatus.Information of the successful reads */
    LONG64 WriteBytes;             /* IoStatus.Information of the successful writes */
} ZERO_FILTER_COUNTERS;

#endif /* ZERO_FILTER_IOCTL_H */
