/* ke/bugcheck.c: KeBugCheck and KeBugCheckEx.  Windows stops the machine; wdmemu reports a
 * BUGCHECK finding with the code's name and its four parameters, then abandons the driver code
 * on the calling thread up to the frame wdmemu put around it (DriverEntry, DriverUnload, a
 * system thread, a request sent through the front end) without running any __except or
 * __finally of the driver.  A thread with no such frame (a dispatch routine a test reached by
 * calling IoCallDriver itself) cannot be resumed anywhere sensible: the process stops, after
 * the report has been delivered. */
#include <stdio.h>
#include <stdlib.h>

#include "core/report.h"
#include "ke/ke.h"
#include "rtl/seh.h"

static const struct {
    ULONG code;
    const char *name;
} ke_bugcheck_names[] = {
    {0x01, "APC_INDEX_MISMATCH"},
    {0x02, "DEVICE_QUEUE_NOT_BUSY"},
    {0x04, "INVALID_DATA_ACCESS_TRAP"},
    {0x0A, "IRQL_NOT_LESS_OR_EQUAL"},
    {0x09, "IRQL_NOT_GREATER_OR_EQUAL"},
    {0x13, "EMPTY_THREAD_REAPER_LIST"},
    {0x1E, "KMODE_EXCEPTION_NOT_HANDLED"},
    {0x35, "NO_MORE_IRP_STACK_LOCATIONS"},
    {0x3B, "SYSTEM_SERVICE_EXCEPTION"},
    {0x44, "MULTIPLE_IRP_COMPLETE_REQUESTS"},
    {0x4E, "PFN_LIST_CORRUPT"},
    {0x50, "PAGE_FAULT_IN_NONPAGED_AREA"},
    {0x7E, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED"},
    {0x9F, "DRIVER_POWER_STATE_FAILURE"},
    {0xA0, "INTERNAL_POWER_ERROR"},
    {0xC2, "BAD_POOL_CALLER"},
    {0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION"},
    {0xC5, "DRIVER_CORRUPTED_EXPOOL"},
    {0xC9, "DRIVER_VERIFIER_IOMANAGER_VIOLATION"},
    {0xCE, "DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS"},
    {0xD1, "DRIVER_IRQL_NOT_LESS_OR_EQUAL"},
    {0xE2, "MANUALLY_INITIATED_CRASH"},
    {0xF7, "DRIVER_OVERRAN_STACK_BUFFER"},
    {0x139, "KERNEL_SECURITY_CHECK_FAILURE"},
    {0x13A, "KERNEL_MODE_HEAP_CORRUPTION"},
    {0x1E0, "FATAL_ABNORMAL_RESET_ERROR"},
};

static const char *ke_bugcheck_name(ULONG code)
{
    for (size_t i = 0; i < sizeof(ke_bugcheck_names) / sizeof(ke_bugcheck_names[0]); i++) {
        if (ke_bugcheck_names[i].code == code)
            return ke_bugcheck_names[i].name;
    }
    return "a driver-defined bug check";
}

NTKERNELAPI DECLSPEC_NORETURN VOID NTAPI KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR BugCheckParameter1,
                                                      ULONG_PTR BugCheckParameter2, ULONG_PTR BugCheckParameter3,
                                                      ULONG_PTR BugCheckParameter4)
{
    rp_finding("BUGCHECK", STATUS_DRIVER_INTERNAL_ERROR, NULL, NULL,
               "KeBugCheckEx(0x%08lX %s, 0x%llX, 0x%llX, 0x%llX, 0x%llX): Windows would stop here",
               (unsigned long)BugCheckCode, ke_bugcheck_name(BugCheckCode),
               (unsigned long long)BugCheckParameter1, (unsigned long long)BugCheckParameter2,
               (unsigned long long)BugCheckParameter3, (unsigned long long)BugCheckParameter4);
    seh_unwind_to_guard(STATUS_DRIVER_INTERNAL_ERROR);
    /* No frame to return to: stop, as the machine would. */
    fprintf(stderr,
            "wdmemu: fatal: bug check 0x%08lX (%s) outside any guarded driver call; the process stops\n",
            (unsigned long)BugCheckCode, ke_bugcheck_name(BugCheckCode));
    fflush(NULL);
    abort();
}

NTKERNELAPI DECLSPEC_NORETURN VOID NTAPI KeBugCheck(ULONG BugCheckCode)
{
    KeBugCheckEx(BugCheckCode, 0, 0, 0, 0);
}
