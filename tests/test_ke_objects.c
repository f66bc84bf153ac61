/* Dispatcher objects, threads, work items and spin locks in deterministic mode: event,
 * semaphore and mutex semantics, WaitAny/WaitAll consumption, system threads that wait and are
 * waited on, work items at PASSIVE_LEVEL keeping their device alive, and lock misuse findings. */
#include "test_support.h"

static void notification_and_synchronization_events(void **state)
{
    (void)state;
    KEVENT n, s;
    KeInitializeEvent(&n, NotificationEvent, FALSE);
    KeInitializeEvent(&s, SynchronizationEvent, TRUE);
    assert_int_equal(KeSetEvent(&n, IO_NO_INCREMENT, FALSE), 0);
    assert_int_equal(KeSetEvent(&n, IO_NO_INCREMENT, FALSE), 1);
    LARGE_INTEGER zero = {.QuadPart = 0};
    assert_status(STATUS_SUCCESS, KeWaitForSingleObject(&n, Executive, KernelMode, FALSE, &zero));
    assert_status(STATUS_SUCCESS, KeWaitForSingleObject(&n, Executive, KernelMode, FALSE, &zero));
    assert_int_equal(KeReadStateEvent(&n), 1);
    assert_status(STATUS_SUCCESS, KeWaitForSingleObject(&s, Executive, KernelMode, FALSE, &zero));
    assert_status(STATUS_TIMEOUT, KeWaitForSingleObject(&s, Executive, KernelMode, FALSE, &zero));
    assert_int_equal(KeResetEvent(&n), 1);
    assert_int_equal(KeReadStateEvent(&n), 0);
    KeSetEvent(&n, IO_NO_INCREMENT, FALSE);
    KeClearEvent(&n);
    assert_int_equal(KeReadStateEvent(&n), 0);
    assert_int_equal(KePulseEvent(&n, IO_NO_INCREMENT, FALSE), 0);
    assert_int_equal(KeReadStateEvent(&n), 0);
    assert_no_findings();
}

static void semaphore_counts_and_limit(void **state)
{
    (void)state;
    KSEMAPHORE sem;
    KeInitializeSemaphore(&sem, 1, 2);
    LARGE_INTEGER zero = {.QuadPart = 0};
    assert_status(STATUS_SUCCESS, KeWaitForSingleObject(&sem, Executive, KernelMode, FALSE, &zero));
    assert_status(STATUS_TIMEOUT, KeWaitForSingleObject(&sem, Executive, KernelMode, FALSE, &zero));
    assert_int_equal(KeReleaseSemaphore(&sem, 0, 2, FALSE), 0);
    assert_int_equal(KeReadStateSemaphore(&sem), 2);
    volatile NTSTATUS raised = 0;
    __try {
        KeReleaseSemaphore(&sem, 0, 1, FALSE);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        raised = GetExceptionCode();
    }
    assert_status(STATUS_SEMAPHORE_LIMIT_EXCEEDED, raised);
    assert_non_null(ts_finding("SEMAPHORE_LIMIT_EXCEEDED"));
}

static void mutex_is_recursive_and_owned(void **state)
{
    (void)state;
    KMUTEX mutex;
    KeInitializeMutex(&mutex, 0);
    assert_int_equal(KeReadStateMutex(&mutex), 1);
    assert_status(STATUS_SUCCESS, KeWaitForSingleObject(&mutex, Executive, KernelMode, FALSE, NULL));
    assert_status(STATUS_SUCCESS, KeWaitForSingleObject(&mutex, Executive, KernelMode, FALSE, NULL));
    assert_true(KeAreApcsDisabled());
    assert_ptr_equal(mutex.OwnerThread, KeGetCurrentThread());
    assert_int_equal(KeReleaseMutex(&mutex, FALSE), -1);
    assert_int_equal(KeReleaseMutex(&mutex, FALSE), 0);
    assert_null(mutex.OwnerThread);
    assert_false(KeAreApcsDisabled());
    volatile NTSTATUS raised = 0;
    __try {
        KeReleaseMutex(&mutex, FALSE);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        raised = GetExceptionCode();
    }
    assert_status(STATUS_MUTANT_NOT_OWNED, raised);
    assert_non_null(ts_finding("THREAD_NOT_MUTEX_OWNER"));
}

static void wait_any_consumes_one_and_wait_all_consumes_all(void **state)
{
    (void)state;
    KEVENT a, b;
    KeInitializeEvent(&a, SynchronizationEvent, FALSE);
    KeInitializeEvent(&b, SynchronizationEvent, TRUE);
    PVOID objects[2] = {&a, &b};
    KWAIT_BLOCK blocks[2];
    LARGE_INTEGER zero = {.QuadPart = 0};
    assert_status(STATUS_WAIT_1, KeWaitForMultipleObjects(2, objects, WaitAny, Executive, KernelMode, FALSE, &zero, blocks));
    assert_int_equal(KeReadStateEvent(&b), 0);
    KeSetEvent(&a, 0, FALSE);
    /* WaitAll with one signalled: times out and consumes nothing. */
    assert_status(STATUS_TIMEOUT, KeWaitForMultipleObjects(2, objects, WaitAll, Executive, KernelMode, FALSE, &zero, blocks));
    assert_int_equal(KeReadStateEvent(&a), 1);
    KeSetEvent(&b, 0, FALSE);
    assert_status(STATUS_SUCCESS, KeWaitForMultipleObjects(2, objects, WaitAll, Executive, KernelMode, FALSE, &zero, blocks));
    assert_int_equal(KeReadStateEvent(&a), 0);
    assert_int_equal(KeReadStateEvent(&b), 0);
    /* More than THREAD_WAIT_OBJECTS needs wait blocks; more than 64 is never allowed. */
    PVOID four[4] = {&a, &b, &a, &b};
    assert_status(STATUS_INVALID_PARAMETER, KeWaitForMultipleObjects(4, four, WaitAny, Executive, KernelMode, FALSE, &zero, NULL));
    assert_non_null(ts_finding("MAXIMUM_WAIT_OBJECTS_EXCEEDED"));
}

/* ---- system threads ------------------------------------------------------------------- */

typedef struct worker_ctx {
    KEVENT go;
    KEVENT done;
    int value;
    KIRQL irql;
} worker_ctx;

static VOID NTAPI thread_body(PVOID Context)
{
    worker_ctx *ctx = Context;
    ctx->irql = KeGetCurrentIrql();
    KeWaitForSingleObject(&ctx->go, Executive, KernelMode, FALSE, NULL);
    ctx->value = 42;
    KeSetEvent(&ctx->done, IO_NO_INCREMENT, FALSE);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static void system_thread_waits_and_is_waited_on(void **state)
{
    (void)state;
    worker_ctx ctx = {.value = 0};
    KeInitializeEvent(&ctx.go, NotificationEvent, FALSE);
    KeInitializeEvent(&ctx.done, NotificationEvent, FALSE);
    HANDLE handle;
    assert_status(STATUS_SUCCESS, PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, thread_body, &ctx));
    PETHREAD thread;
    assert_status(STATUS_SUCCESS, ObReferenceObjectByHandle(handle, SYNCHRONIZE, *PsThreadType, KernelMode, (PVOID *)&thread, NULL));
    assert_status(STATUS_SUCCESS, ZwClose(handle));
    /* The thread has not run yet: it runs at the next scheduling point. */
    assert_int_equal(ctx.value, 0);
    wdmemu_run_until_idle();
    assert_int_equal(ctx.value, 0); /* it waits for go */
    assert_int_equal(ctx.irql, PASSIVE_LEVEL);
    KeSetEvent(&ctx.go, IO_NO_INCREMENT, FALSE);
    assert_status(STATUS_SUCCESS, KeWaitForSingleObject(thread, Executive, KernelMode, FALSE, NULL));
    assert_int_equal(ctx.value, 42);
    assert_true(PsIsThreadTerminating(thread));
    assert_ptr_not_equal(PsGetThreadId(thread), PsGetCurrentThreadId());
    ObDereferenceObject(thread);
    assert_no_findings();
}

static VOID NTAPI blocked_forever(PVOID Context)
{
    KeWaitForSingleObject((PKEVENT)Context, Executive, KernelMode, FALSE, NULL);
}

static void shutdown_unwinds_a_thread_blocked_in_driver_code(void **state)
{
    (void)state;
    static KEVENT never;
    KeInitializeEvent(&never, NotificationEvent, FALSE);
    HANDLE handle;
    assert_status(STATUS_SUCCESS, PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, blocked_forever, &never));
    ZwClose(handle);
    wdmemu_run_until_idle();
    /* teardown calls wdmemu_shutdown, which must not hang */
}

static void handle_misuse_is_reported(void **state)
{
    (void)state;
    assert_status(STATUS_INVALID_HANDLE, ZwClose((HANDLE)(ULONG_PTR)0x1234));
    assert_non_null(ts_finding("INVALID_KERNEL_HANDLE"));
    PVOID object;
    assert_status(STATUS_INVALID_HANDLE, ObReferenceObjectByHandle((HANDLE)(ULONG_PTR)0x1234, 0, NULL, KernelMode, &object, NULL));
}

static VOID NTAPI close_handle_body(PVOID Context)
{
    assert_status(STATUS_SUCCESS, ZwClose((HANDLE)Context));
    PsTerminateSystemThread(STATUS_SUCCESS);
}

/* Repeated lookups of one handle (answered from the thread's handle cache after the first) give
 * the same answers as the first, and none once the handle is closed, here or by another thread. */
static void repeated_handle_lookups_check_type_access_and_close(void **state)
{
    (void)state;
    HANDLE event_handle;
    assert_status(STATUS_SUCCESS, wdmemu_event_create(FALSE, FALSE, &event_handle));
    PVOID event = NULL;
    assert_status(STATUS_SUCCESS, ObReferenceObjectByHandle(event_handle, 0, NULL, KernelMode, &event, NULL));
    ObDereferenceObject(event); /* event_handle keeps it */
    HANDLE handle;
    assert_status(STATUS_SUCCESS, wdmemu_handle_duplicate(event_handle, SYNCHRONIZE, &handle));
    for (int i = 0; i < 3; i++) {
        PVOID object = NULL;
        assert_status(STATUS_SUCCESS, ObReferenceObjectByHandle(handle, SYNCHRONIZE, *ExEventObjectType, KernelMode,
                                                                &object, NULL));
        assert_ptr_equal(object, event);
        ObDereferenceObject(object);
        assert_status(STATUS_ACCESS_DENIED, ObReferenceObjectByHandle(handle, EVENT_MODIFY_STATE, *ExEventObjectType,
                                                                      KernelMode, &object, NULL));
        assert_null(object);
        assert_status(STATUS_OBJECT_TYPE_MISMATCH, ObReferenceObjectByHandle(handle, SYNCHRONIZE, *PsThreadType,
                                                                             KernelMode, &object, NULL));
        assert_null(object);
    }
    assert_status(STATUS_SUCCESS, ZwClose(handle));
    PVOID object = NULL;
    assert_status(STATUS_INVALID_HANDLE, ObReferenceObjectByHandle(handle, SYNCHRONIZE, NULL, KernelMode, &object, NULL));
    /* Closed by another thread after this one looked it up. */
    assert_status(STATUS_SUCCESS, ObReferenceObjectByHandle(event_handle, 0, NULL, KernelMode, &object, NULL));
    ObDereferenceObject(object);
    HANDLE thread;
    assert_status(STATUS_SUCCESS, PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, NULL, NULL, NULL, close_handle_body,
                                                       event_handle));
    ZwClose(thread);
    wdmemu_run_until_idle();
    object = NULL;
    assert_status(STATUS_INVALID_HANDLE, ObReferenceObjectByHandle(event_handle, 0, NULL, KernelMode, &object, NULL));
    assert_null(object);
    assert_no_findings();
}

/* ---- work items --------------------------------------------------------------------------- */

static PDRIVER_OBJECT wi_driver;
static VOID NTAPI wi_unload(PDRIVER_OBJECT DriverObject)
{
    (void)DriverObject;
}
static NTSTATUS NTAPI wi_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    DriverObject->DriverUnload = wi_unload;
    wi_driver = DriverObject;
    return STATUS_SUCCESS;
}

static int wi_runs;
static KIRQL wi_irql;
static VOID NTAPI wi_routine(PDEVICE_OBJECT DeviceObject, PVOID Context)
{
    (void)DeviceObject;
    wi_irql = KeGetCurrentIrql();
    wi_runs++;
    IoFreeWorkItem((PIO_WORKITEM)Context);
}

static void work_item_runs_at_passive_and_keeps_the_device(void **state)
{
    (void)state;
    wdmemu_driver *drv;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(wi_entry, "wi", &drv));
    PDEVICE_OBJECT device;
    assert_status(STATUS_SUCCESS, IoCreateDevice(wi_driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &device));
    PIO_WORKITEM item = IoAllocateWorkItem(device);
    assert_non_null(item);
    wi_runs = 0;
    IoQueueWorkItem(item, wi_routine, DelayedWorkQueue, item);
    IoQueueWorkItem(item, wi_routine, DelayedWorkQueue, item);
    assert_non_null(ts_finding("WORK_ITEM_QUEUED_TWICE"));
    ts_findings_clear();
    /* Deleting the device while the item waits: the item still runs, then the device goes. */
    IoDeleteDevice(device);
    assert_int_equal(wi_runs, 0);
    wdmemu_run_until_idle();
    assert_int_equal(wi_runs, 1);
    assert_int_equal(wi_irql, PASSIVE_LEVEL);
    assert_null(wi_driver->DeviceObject);
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(drv));
    assert_no_findings();
}

static int ex_runs;
static VOID NTAPI ex_routine(PVOID Parameter)
{
    (void)Parameter;
    ex_runs++;
}

static void ex_work_item_runs(void **state)
{
    (void)state;
    WORK_QUEUE_ITEM item;
    ex_runs = 0;
    ExInitializeWorkItem(&item, ex_routine, NULL);
    ExQueueWorkItem(&item, DelayedWorkQueue);
    assert_int_equal(ex_runs, 0);
    wdmemu_run_until_idle();
    assert_int_equal(ex_runs, 1);
}

/* ---- spin locks and IRQL -------------------------------------------------------------------- */

static void spin_locks_raise_irql_and_misuse_is_reported(void **state)
{
    (void)state;
    KSPIN_LOCK lock;
    KIRQL old;
    KeInitializeSpinLock(&lock);
    KeAcquireSpinLock(&lock, &old);
    assert_int_equal(old, PASSIVE_LEVEL);
    assert_int_equal(KeGetCurrentIrql(), DISPATCH_LEVEL);
    assert_false(KeTestSpinLock(&lock));
    KeReleaseSpinLock(&lock, old);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    assert_no_findings();

    KeReleaseSpinLock(&lock, PASSIVE_LEVEL);
    assert_non_null(ts_finding("SPIN_LOCK_NOT_OWNED"));
    KeAcquireSpinLock(&lock, &old);
    KIRQL again;
    KeAcquireSpinLock(&lock, &again);
    assert_non_null(ts_finding("SPIN_LOCK_ALREADY_OWNED"));
    KeReleaseSpinLock(&lock, old);
    KLOCK_QUEUE_HANDLE handle;
    KeAcquireInStackQueuedSpinLock(&lock, &handle);
    assert_int_equal(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KeReleaseInStackQueuedSpinLock(&handle);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

static void waiting_at_dispatch_level_is_reported(void **state)
{
    (void)state;
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, TRUE);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    LARGE_INTEGER zero = {.QuadPart = 0};
    assert_status(STATUS_SUCCESS, KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &zero));
    assert_no_findings();
    KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
    KeLowerIrql(old);
    assert_non_null(ts_finding("IRQL_NOT_LESS_OR_EQUAL"));
}

static void threads_and_processors_report_one_cpu(void **state)
{
    (void)state;
    KAFFINITY affinity;
    assert_int_equal(KeQueryActiveProcessorCount(&affinity), 1);
    assert_int_equal(affinity, 1);
    assert_int_equal(KeGetCurrentProcessorNumber(), 0);
    assert_non_null(KeGetCurrentThread());
    assert_ptr_equal(PsGetCurrentThread(), KeGetCurrentThread());
    assert_false(PsIsSystemThread(PsGetCurrentThread()));
    KeEnterCriticalRegion();
    assert_true(KeAreApcsDisabled());
    KeLeaveCriticalRegion();
    assert_false(KeAreApcsDisabled());
    KeLeaveCriticalRegion();
    assert_non_null(ts_finding("CRITICAL_REGION_UNBALANCED"));
}

static KSPIN_LOCK leaked_lock;
static KIRQL leaked_irql;

static NTSTATUS NTAPI leaves_lock_held(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    KeAcquireSpinLock(&leaked_lock, &leaked_irql);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static void dispatch_returning_at_raised_irql_with_a_lock_is_reported(void **state)
{
    (void)state;
    wdmemu_driver *drv;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(wi_entry, "bad", &drv));
    wi_driver->MajorFunction[IRP_MJ_CREATE] = leaves_lock_held;
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\BadLock");
    PDEVICE_OBJECT device;
    assert_status(STATUS_SUCCESS, IoCreateDevice(wi_driver, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device));
    device->Flags &= ~DO_DEVICE_INITIALIZING;
    KeInitializeSpinLock(&leaked_lock);
    PFILE_OBJECT file;
    PDEVICE_OBJECT top;
    NTSTATUS status = IoGetDeviceObjectPointer(&name, FILE_READ_DATA, &file, &top);
    KeReleaseSpinLock(&leaked_lock, leaked_irql);
    assert_non_null(ts_finding("IRQL_CHANGED_ACROSS_DISPATCH"));
    const wdmemu_finding *f = ts_finding("SPIN_LOCK_HELD_AT_RETURN");
    assert_non_null(f);
    assert_string_equal(f->device, "\\Device\\BadLock");
    if (NT_SUCCESS(status))
        ObDereferenceObject(file);
    IoDeleteDevice(device);
}

static void named_events_and_host_events_work_through_handles(void **state)
{
    (void)state;
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"WdmemuTestEvent");
    HANDLE h1, h2;
    PKEVENT e1 = IoCreateNotificationEvent(&name, &h1);
    assert_non_null(e1);
    assert_int_equal(KeReadStateEvent(e1), 1); /* created signalled, as documented */
    KeClearEvent(e1);
    PKEVENT e2 = IoCreateNotificationEvent(&name, &h2);
    assert_ptr_equal(e1, e2); /* the same named event */
    LONG previous = -1;
    assert_status(STATUS_SUCCESS, ZwSetEvent(h2, &previous));
    assert_int_equal(previous, 0);
    LARGE_INTEGER zero = {.QuadPart = 0};
    assert_status(STATUS_SUCCESS, ZwWaitForSingleObject(h1, FALSE, &zero));
    ZwClose(h1);
    ZwClose(h2);

    HANDLE host;
    assert_status(STATUS_SUCCESS, wdmemu_event_create(FALSE, FALSE, &host));
    PKEVENT event;
    assert_status(STATUS_SUCCESS, ObReferenceObjectByHandle(host, EVENT_MODIFY_STATE, *ExEventObjectType, UserMode,
                                                            (PVOID *)&event, NULL));
    PVOID thread;
    assert_status(STATUS_OBJECT_TYPE_MISMATCH, ObReferenceObjectByHandle(host, 0, *PsThreadType, KernelMode, &thread, NULL));
    assert_int_equal(wdmemu_event_state(host), 0);
    KeSetEvent(event, IO_NO_INCREMENT, FALSE);
    assert_int_equal(wdmemu_event_state(host), 1);
    assert_status(STATUS_SUCCESS, wdmemu_event_wait(host, 0)); /* synchronization: consumed */
    assert_status(STATUS_TIMEOUT, wdmemu_event_wait(host, 100));
    ObDereferenceObject(event);
    assert_status(STATUS_SUCCESS, wdmemu_handle_close(host));
    assert_status(STATUS_INVALID_HANDLE, wdmemu_handle_close(host));
    assert_int_equal(wdmemu_event_state(host), -1);
}

static int io_timer_calls;
static KIRQL io_timer_irql;

static VOID NTAPI io_timer_routine(PDEVICE_OBJECT DeviceObject, PVOID Context)
{
    (void)DeviceObject;
    (void)Context;
    io_timer_irql = KeGetCurrentIrql();
    io_timer_calls++;
}

static void device_timer_ticks_once_a_second_while_started(void **state)
{
    (void)state;
    wdmemu_driver *drv;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(wi_entry, "iotimer", &drv));
    PDEVICE_OBJECT device;
    assert_status(STATUS_SUCCESS, IoCreateDevice(wi_driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &device));
    assert_status(STATUS_SUCCESS, IoInitializeTimer(device, io_timer_routine, NULL));
    io_timer_calls = 0;
    wdmemu_advance_time(3000);
    assert_int_equal(io_timer_calls, 0);
    IoStartTimer(device);
    wdmemu_advance_time(3500);
    assert_int_equal(io_timer_calls, 3);
    assert_int_equal(io_timer_irql, DISPATCH_LEVEL);
    IoStopTimer(device);
    wdmemu_advance_time(3000);
    assert_int_equal(io_timer_calls, 3);
    IoDeleteDevice(device);
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(drv));
    assert_no_findings();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ts_test(notification_and_synchronization_events),
        ts_test(semaphore_counts_and_limit),
        ts_test(mutex_is_recursive_and_owned),
        ts_test(wait_any_consumes_one_and_wait_all_consumes_all),
        ts_test(system_thread_waits_and_is_waited_on),
        ts_test(shutdown_unwinds_a_thread_blocked_in_driver_code),
        ts_test(handle_misuse_is_reported),
        ts_test(repeated_handle_lookups_check_type_access_and_close),
        ts_test(work_item_runs_at_passive_and_keeps_the_device),
        ts_test(ex_work_item_runs),
        ts_test(spin_locks_raise_irql_and_misuse_is_reported),
        ts_test(waiting_at_dispatch_level_is_reported),
        ts_test(threads_and_processors_report_one_cpu),
        ts_test(dispatch_returning_at_raised_irql_with_a_lock_is_reported),
        ts_test(named_events_and_host_events_work_through_handles),
        ts_test(device_timer_ticks_once_a_second_while_started),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
