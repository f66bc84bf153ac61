/* bench/benchdrv.h: what the benchmark program and its drivers agree on: device names, IOCTL
 * codes, and the device extension through which the program reaches the driver's routines to
 * measure the floors (the same work without the I/O manager in between). */
#ifndef WDMEMU_BENCH_BENCHDRV_H
#define WDMEMU_BENCH_BENCHDRV_H

#include <wdm.h>

/* 16 bytes in, 16 out: the driver copies the input and writes it back, completes at once. */
#define BENCH_IOCTL_ECHO CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
/* Marks the IRP pending and queues it; BENCH_IOCTL_DRAIN completes every queued IRP from a DPC
 * that completes up to BENCH_DRAIN_BATCH of them per run and queues itself again. */
#define BENCH_IOCTL_PEND CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define BENCH_IOCTL_DRAIN CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define BENCH_DRAIN_BATCH 64

#define BENCH_ECHO_SIZE 16
#define BENCH_FILL_BYTE 0x5A

/* Devices: buffered I/O (two, for the two-thread case), direct I/O, and the base of the filter
 * stacks.  Reads fill the buffer with BENCH_FILL_BYTE.  FastIoRead handles reads at even byte
 * offsets and declines odd ones. */
#define BENCH_DEVICE L"\\Device\\WdmemuBench"
#define BENCH_DEVICE2 L"\\Device\\WdmemuBench2"
#define BENCH_DEVICE_DIRECT L"\\Device\\WdmemuBenchDirect"
#define BENCH_DEVICE_STACK L"\\Device\\WdmemuBenchStack"
#define BENCH_LINK L"\\??\\WdmemuBench"

#define BENCH_EXTENSION_MAGIC 0x68636E42u /* "Bnch" */

typedef struct BENCH_EXTENSION {
    ULONG Magic;
    KSPIN_LOCK Lock;
    LIST_ENTRY Pending; /* pended IRPs, linked through Tail.Overlay.ListEntry */
    ULONG PendingCount;
    KDPC DrainDpc;
    /* Completes every queued IRP at once, without a DPC (the floor of the pending case). */
    VOID (*DrainAll)(struct BENCH_EXTENSION *Extension);
} BENCH_EXTENSION;

#endif /* WDMEMU_BENCH_BENCHDRV_H */
