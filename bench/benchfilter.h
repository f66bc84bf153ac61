/* bench/benchfilter.h: the filter driver of the filter-stack case, linked into the benchmark
 * program.  Its devices either skip their stack location or copy it and set a completion
 * routine; they forward with bench_filter_call, which is IoCallDriver when measuring wdmemu and
 * a bare call of the next dispatch routine when measuring the floor. */
#ifndef WDMEMU_BENCH_BENCHFILTER_H
#define WDMEMU_BENCH_BENCHFILTER_H

#include <wdm.h>

DRIVER_INITIALIZE BenchFilterDriverEntry;

typedef NTSTATUS (*bench_call_fn)(PDEVICE_OBJECT device, PIRP irp);
extern bench_call_fn bench_filter_call;

/* IoCallDriver through the I/O manager, and what IoCallDriver does at the least: next stack
 * location, its DeviceObject, the dispatch routine. */
NTSTATUS bench_io_call(PDEVICE_OBJECT device, PIRP irp);
NTSTATUS bench_direct_call(PDEVICE_OBJECT device, PIRP irp);

/* Attaches count filter devices of driver over base (copy: copy + completion routine, else
 * skip); devices[] receives them bottom first.  Returns the status of the first failure. */
NTSTATUS bench_filter_attach(PDRIVER_OBJECT driver, PDEVICE_OBJECT base, int count, BOOLEAN copy,
                             PDEVICE_OBJECT *devices);
/* Detaches and deletes them, top first. */
void bench_filter_detach(PDEVICE_OBJECT *devices, int count);

#endif /* WDMEMU_BENCH_BENCHFILTER_H */
