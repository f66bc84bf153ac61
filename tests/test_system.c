/* What drivers ask of the system around their requests: bug checks, reinitialization routines,
 * driver object extensions, shutdown notification, the per-thread top-level IRP and stack
 * limits, processor features, previous mode and time zone, object names, thread priorities,
 * KeSynchronizeExecution and I/O-space mapping. */
#include <ntifs.h>

#include "test_support.h"

/* ---- bug checks ------------------------------------------------------------------------------ */

static int bc_finally_ran, bc_after_bugcheck;

static NTSTATUS NTAPI bc_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)DriverObject;
    (void)RegistryPath;
    __try {
        KeBugCheckEx(0xE2, 1, 2, 3, 4);
    } __finally {
        bc_finally_ran = 1;
    }
    bc_after_bugcheck = 1;
    return STATUS_SUCCESS;
}

static void bug_check_in_driver_entry_is_reported_and_the_driver_is_not_loaded(void **state)
{
    (void)state;
    bc_finally_ran = bc_after_bugcheck = 0;
    wdmemu_driver *driver = NULL;
    assert_status(STATUS_DRIVER_INTERNAL_ERROR, wdmemu_driver_load_entry(bc_entry, "bugcheck", &driver));
    assert_null(driver);
    assert_int_equal(bc_finally_ran, 0); /* nothing of the driver runs after a bug check */
    assert_int_equal(bc_after_bugcheck, 0);
    const wdmemu_finding *finding = ts_finding("BUGCHECK");
    assert_non_null(finding);
    assert_non_null(strstr(finding->message, "0x000000E2 MANUALLY_INITIATED_CRASH"));
    assert_non_null(strstr(finding->message, "0x1, 0x2, 0x3, 0x4"));
    assert_string_equal(finding->driver, "\\Driver\\bugcheck");
    assert_int_equal(ts_count_findings("KMODE_EXCEPTION_NOT_HANDLED"), 0);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

static VOID NTAPI bc_thread(PVOID Context)
{
    int *reached = Context;
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    KeBugCheck(0x1234);
    *reached = 1;
}

static void bug_check_in_a_system_thread_ends_the_thread(void **state)
{
    (void)state;
    int reached = 0;
    HANDLE handle;
    assert_status(STATUS_SUCCESS, PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, bc_thread, &reached));
    PETHREAD thread;
    assert_status(STATUS_SUCCESS, ObReferenceObjectByHandle(handle, SYNCHRONIZE, *PsThreadType, KernelMode, (PVOID *)&thread, NULL));
    ZwClose(handle);
    assert_status(STATUS_SUCCESS, KeWaitForSingleObject(thread, Executive, KernelMode, FALSE, NULL));
    ObDereferenceObject(thread);
    assert_int_equal(reached, 0);
    const wdmemu_finding *finding = ts_finding("BUGCHECK");
    assert_non_null(finding);
    assert_non_null(strstr(finding->message, "0x00001234 a driver-defined bug check"));
    assert_int_equal(ts_count_findings("BUGCHECK"), 1);
    assert_int_equal(ts_count_findings("KMODE_EXCEPTION_NOT_HANDLED"), 0);
}

/* ---- reinitialization and driver object extensions ------------------------------------------- */

static int ri_calls, ri_entry_returned;
static ULONG ri_counts[4];
static PVOID ri_context_seen;
static ULONG ri_flags_in_entry;
static int ri_client; /* its address identifies the extension */
static NTSTATUS ri_collision;

static VOID NTAPI ri_routine(PDRIVER_OBJECT DriverObject, PVOID Context, ULONG Count)
{
    assert_true(ri_entry_returned);
    if (ri_calls < 4)
        ri_counts[ri_calls] = Count;
    ri_calls++;
    ri_context_seen = Context;
    if (Count == 1)
        IoRegisterDriverReinitialization(DriverObject, ri_routine, (PVOID)(ULONG_PTR)2);
}

static VOID NTAPI ri_unload(PDRIVER_OBJECT DriverObject)
{
    (void)DriverObject;
}

static NTSTATUS NTAPI ri_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    DriverObject->DriverUnload = ri_unload;
    IoRegisterDriverReinitialization(DriverObject, ri_routine, (PVOID)(ULONG_PTR)1);
    ri_flags_in_entry = DriverObject->Flags;
    PVOID extension = NULL, again = NULL;
    NTSTATUS status = IoAllocateDriverObjectExtension(DriverObject, &ri_client, 64, &extension);
    if (!NT_SUCCESS(status))
        return status;
    memset(extension, 0x5A, 64);
    ri_collision = IoAllocateDriverObjectExtension(DriverObject, &ri_client, 8, &again);
    if (again != NULL)
        return STATUS_UNSUCCESSFUL;
    ri_entry_returned = 1;
    return STATUS_SUCCESS;
}

static void reinitialization_routines_run_after_driver_entry_and_can_register_again(void **state)
{
    (void)state;
    ri_calls = ri_entry_returned = 0;
    memset(ri_counts, 0, sizeof(ri_counts));
    wdmemu_driver *driver;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(ri_entry, "reinit", &driver));
    assert_true(ri_flags_in_entry & DRVO_REINIT_REGISTERED);
    assert_int_equal(ri_calls, 2);
    assert_int_equal(ri_counts[0], 1);
    assert_int_equal(ri_counts[1], 2);
    assert_ptr_equal(ri_context_seen, (PVOID)(ULONG_PTR)2);
    PDRIVER_OBJECT object = wdmemu_driver_object(driver);
    assert_false(object->Flags & DRVO_REINIT_REGISTERED);
    assert_true(object->Flags & DRVO_INITIALIZED);

    /* The extension: found by its client address, unique per client, zeroed when allocated. */
    assert_status(STATUS_OBJECT_NAME_COLLISION, ri_collision);
    PUCHAR extension = IoGetDriverObjectExtension(object, &ri_client);
    assert_non_null(extension);
    assert_int_equal(extension[0], 0x5A);
    assert_int_equal(extension[63], 0x5A);
    assert_null(IoGetDriverObjectExtension(object, &ri_calls));
    PVOID other = NULL;
    assert_status(STATUS_SUCCESS, IoAllocateDriverObjectExtension(object, &ri_calls, 16, &other));
    assert_non_null(other);
    assert_int_equal(((PUCHAR)other)[15], 0);
    /* Freed with the driver object: nothing is reported as leaked. */
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
    assert_no_findings();
}

/* ---- shutdown notification ------------------------------------------------------------------ */

static PDEVICE_OBJECT sd_order[4];
static int sd_count;

static NTSTATUS NTAPI sd_shutdown(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    assert_int_equal(IoGetCurrentIrpStackLocation(Irp)->MajorFunction, IRP_MJ_SHUTDOWN);
    if (sd_count < 4)
        sd_order[sd_count] = DeviceObject;
    sd_count++;
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static VOID NTAPI sd_unload(PDRIVER_OBJECT DriverObject)
{
    while (DriverObject->DeviceObject != NULL)
        IoDeleteDevice(DriverObject->DeviceObject);
}

static PDRIVER_OBJECT sd_driver;

static NTSTATUS NTAPI sd_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    DriverObject->DriverUnload = sd_unload;
    DriverObject->MajorFunction[IRP_MJ_SHUTDOWN] = sd_shutdown;
    sd_driver = DriverObject;
    return STATUS_SUCCESS;
}

static void shutdown_notification_reaches_registered_devices_newest_first(void **state)
{
    (void)state;
    sd_count = 0;
    wdmemu_driver *driver;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(sd_entry, "shutdown", &driver));
    PDEVICE_OBJECT a, b, c, last;
    assert_status(STATUS_SUCCESS, IoCreateDevice(sd_driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &a));
    assert_status(STATUS_SUCCESS, IoCreateDevice(sd_driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &b));
    assert_status(STATUS_SUCCESS, IoCreateDevice(sd_driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &c));
    assert_status(STATUS_SUCCESS, IoCreateDevice(sd_driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &last));
    assert_status(STATUS_SUCCESS, IoRegisterLastChanceShutdownNotification(last));
    assert_status(STATUS_SUCCESS, IoRegisterShutdownNotification(a));
    assert_status(STATUS_SUCCESS, IoRegisterShutdownNotification(b));
    assert_status(STATUS_SUCCESS, IoRegisterShutdownNotification(c));
    assert_true(a->Flags & DO_SHUTDOWN_REGISTERED);
    IoUnregisterShutdownNotification(b);
    assert_false(b->Flags & DO_SHUTDOWN_REGISTERED);
    IoDeleteDevice(c); /* deleting unregisters */
    assert_status(STATUS_SUCCESS, wdmemu_system_shutdown());
    assert_int_equal(sd_count, 2);
    assert_ptr_equal(sd_order[0], a);
    assert_ptr_equal(sd_order[1], last); /* last-chance devices come after the others */
    assert_false(a->Flags & DO_SHUTDOWN_REGISTERED);
    assert_status(STATUS_SUCCESS, wdmemu_system_shutdown());
    assert_int_equal(sd_count, 2); /* each registration is notified once */
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
    assert_no_findings();
}

/* ---- thread and system queries -------------------------------------------------------------- */

static void top_level_irp_and_stack_limits_belong_to_the_thread(void **state)
{
    (void)state;
    assert_null(IoGetTopLevelIrp());
    IoSetTopLevelIrp((PIRP)FSRTL_FSP_TOP_LEVEL_IRP);
    assert_ptr_equal(IoGetTopLevelIrp(), (PIRP)FSRTL_FSP_TOP_LEVEL_IRP);
    IoSetTopLevelIrp(NULL);
    assert_null(IoGetTopLevelIrp());
    assert_null(IoGetDeviceToVerify(PsGetCurrentThread()));

    ULONG_PTR low = 0, high = 0;
    IoGetStackLimits(&low, &high);
    int local = 0;
    assert_true(low < (ULONG_PTR)&local);
    assert_true((ULONG_PTR)&local < high);
    ULONG_PTR remaining = IoGetRemainingStackSize();
    assert_true(remaining > 0);
    assert_true(remaining < high - low);
    assert_true(IoIsWdmVersionAvailable(6, 3));
    assert_true(IoIsWdmVersionAvailable(10, 0));
    assert_false(IoIsWdmVersionAvailable(10, 1));
    assert_false(IoIsWdmVersionAvailable(11, 0));
}

#if defined(_MSC_VER)
#include <intrin.h>
/* AVX2 usable: the processor has it (CPUID 7.EBX bit 5) and the system saves the YMM state
 * (CPUID 1.ECX OSXSAVE and AVX, XCR0 bits 1 and 2), what __builtin_cpu_supports checks. */
static int tst_cpu_has_avx2(void)
{
    int regs[4];
    __cpuid(regs, 1);
    if ((regs[2] & (1 << 27)) == 0 || (regs[2] & (1 << 28)) == 0 || (_xgetbv(0) & 6) != 6)
        return 0;
    __cpuidex(regs, 7, 0);
    return (regs[1] >> 5) & 1;
}
#define TST_CPU_HAS_AVX2() tst_cpu_has_avx2()
#else
#define TST_CPU_HAS_AVX2() __builtin_cpu_supports("avx2")
#endif

static void processor_features_previous_mode_and_local_time(void **state)
{
    (void)state;
    assert_true(ExIsProcessorFeaturePresent(PF_XMMI64_INSTRUCTIONS_AVAILABLE));
    assert_true(ExIsProcessorFeaturePresent(PF_COMPARE_EXCHANGE128));
    assert_false(ExIsProcessorFeaturePresent(PF_3DNOW_INSTRUCTIONS_AVAILABLE));
    assert_false(ExIsProcessorFeaturePresent(999));
    assert_int_equal(ExIsProcessorFeaturePresent(PF_AVX2_INSTRUCTIONS_AVAILABLE),
                     TST_CPU_HAS_AVX2() ? TRUE : FALSE);
    assert_int_equal(ExGetPreviousMode(), KernelMode);
    LARGE_INTEGER system, local, back;
    KeQuerySystemTime(&system);
    ExSystemTimeToLocalTime(&system, &local);
    ExLocalTimeToSystemTime(&local, &back);
    assert_true(local.QuadPart == system.QuadPart); /* the emulated machine keeps UTC */
    assert_true(back.QuadPart == system.QuadPart);
}

static VOID NTAPI on_unload(PDRIVER_OBJECT DriverObject)
{
    while (DriverObject->DeviceObject != NULL)
        IoDeleteDevice(DriverObject->DeviceObject);
}

static PDRIVER_OBJECT on_driver;

static NTSTATUS NTAPI on_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    DriverObject->DriverUnload = on_unload;
    on_driver = DriverObject;
    return STATUS_SUCCESS;
}

static void object_names_are_queried_and_made_temporary(void **state)
{
    (void)state;
    wdmemu_driver *driver;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(on_entry, "names", &driver));
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\NamedOne");
    PDEVICE_OBJECT named, unnamed;
    assert_status(STATUS_SUCCESS, IoCreateDevice(on_driver, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &named));
    assert_status(STATUS_SUCCESS, IoCreateDevice(on_driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &unnamed));

    union {
        OBJECT_NAME_INFORMATION info;
        UCHAR bytes[256];
    } buffer;
    ULONG needed = 0;
    ULONG expected = (ULONG)(sizeof(OBJECT_NAME_INFORMATION) + sizeof(L"\\Device\\NamedOne"));
    assert_status(STATUS_INFO_LENGTH_MISMATCH, ObQueryNameString(named, &buffer.info, 8, &needed));
    assert_int_equal(needed, expected);
    assert_status(STATUS_SUCCESS, ObQueryNameString(named, &buffer.info, sizeof(buffer), &needed));
    assert_true(RtlEqualUnicodeString(&buffer.info.Name, &name, FALSE));
    assert_int_equal(buffer.info.Name.Buffer[buffer.info.Name.Length / sizeof(WCHAR)], 0);
    assert_status(STATUS_SUCCESS, ObQueryNameString(unnamed, &buffer.info, sizeof(buffer), &needed));
    assert_int_equal(buffer.info.Name.Length, 0);
    assert_int_equal(needed, sizeof(OBJECT_NAME_INFORMATION));

    /* A temporary object's name leaves the namespace. */
    PDEVICE_OBJECT found = NULL;
    assert_status(STATUS_SUCCESS, wdmemu_device_lookup("\\Device\\NamedOne", &found, NULL, 0));
    assert_ptr_equal(found, named);
    ObDereferenceObject(found);
    ObMakeTemporaryObject(named);
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_device_lookup("\\Device\\NamedOne", &found, NULL, 0));
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
    assert_no_findings();
}

static int sync_irql_seen;

static BOOLEAN NTAPI sync_routine(PVOID Context)
{
    sync_irql_seen = KeGetCurrentIrql();
    return Context == (PVOID)1;
}

static void priorities_synchronize_execution_and_io_space(void **state)
{
    (void)state;
    PKTHREAD self = KeGetCurrentThread();
    KPRIORITY start = KeQueryPriorityThread(self);
    assert_int_equal(start, 8);
    assert_int_equal(KeSetPriorityThread(self, LOW_REALTIME_PRIORITY), start);
    assert_int_equal(KeQueryPriorityThread(self), LOW_REALTIME_PRIORITY);
    assert_int_equal(KeSetPriorityThread(self, start), LOW_REALTIME_PRIORITY);
    assert_no_findings();
    KeSetPriorityThread(self, 40);
    assert_non_null(ts_finding("INVALID_PARAMETER"));
    assert_int_equal(KeQueryPriorityThread(self), start);
    ts_findings_clear();

    assert_true(KeSynchronizeExecution(NULL, sync_routine, (PVOID)1));
    assert_true(sync_irql_seen > DISPATCH_LEVEL);
    assert_false(KeSynchronizeExecution(NULL, sync_routine, NULL));
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);

    KFLOATING_SAVE save;
    assert_status(STATUS_SUCCESS, KeSaveFloatingPointState(&save));
    assert_status(STATUS_SUCCESS, KeRestoreFloatingPointState(&save));

    PHYSICAL_ADDRESS physical;
    physical.QuadPart = 0xFED00000;
    assert_null(MmMapIoSpace(physical, 4096, MmNonCached));
    assert_non_null(strstr(wdmemu_last_error(), "MmMapIoSpace"));
    assert_no_findings();
}

/* ---- finding policies ------------------------------------------------------------------------ */

static void finding_policy_chooses_between_failing_and_recording(void **state)
{
    (void)state;
    IoDeleteDevice(NULL); /* INVALID_DEVICE_OBJECT: fails by default */
    assert_int_equal(wdmemu_failing_finding_count(), 1);
    assert_int_equal(wdmemu_finding_get(0)->fails, 1);
    assert_status(STATUS_SUCCESS, wdmemu_finding_policy_set("INVALID_DEVICE_OBJECT", WDMEMU_FINDING_RECORDED));
    IoDeleteDevice(NULL);
    assert_int_equal(wdmemu_finding_count(), 2);
    assert_int_equal(wdmemu_finding_get(1)->fails, 0); /* recorded only */
    assert_int_equal(wdmemu_failing_finding_count(), 1);
    /* Other rules still fail; NULL sets every rule and forgets the per-rule choice. */
    KeSetPriorityThread(KeGetCurrentThread(), 99);
    assert_int_equal(wdmemu_failing_finding_count(), 2);
    assert_status(STATUS_SUCCESS, wdmemu_finding_policy_set(NULL, WDMEMU_FINDING_RECORDED));
    KeSetPriorityThread(KeGetCurrentThread(), 99);
    IoDeleteDevice(NULL);
    assert_int_equal(wdmemu_failing_finding_count(), 2);
    assert_status(STATUS_SUCCESS, wdmemu_finding_policy_set(NULL, WDMEMU_FINDING_FAILS));
    IoDeleteDevice(NULL);
    assert_int_equal(wdmemu_failing_finding_count(), 3);
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_finding_policy_set("", WDMEMU_FINDING_RECORDED));
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_finding_policy_set("X", (wdmemu_finding_policy)7));
    ts_findings_clear();
    /* A recorded finding does not fail the test even if the test never looks at it. */
    assert_status(STATUS_SUCCESS, wdmemu_finding_policy_set("INVALID_DEVICE_OBJECT", WDMEMU_FINDING_RECORDED));
    IoDeleteDevice(NULL);
    assert_int_equal(wdmemu_failing_finding_count(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ts_test(bug_check_in_driver_entry_is_reported_and_the_driver_is_not_loaded),
        ts_test(bug_check_in_a_system_thread_ends_the_thread),
        ts_test(reinitialization_routines_run_after_driver_entry_and_can_register_again),
        ts_test(shutdown_notification_reaches_registered_devices_newest_first),
        ts_test(top_level_irp_and_stack_limits_belong_to_the_thread),
        ts_test(processor_features_previous_mode_and_local_time),
        ts_test(object_names_are_queried_and_made_temporary),
        ts_test(priorities_synchronize_execution_and_io_space),
        ts_test(finding_policy_chooses_between_failing_and_recording),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
