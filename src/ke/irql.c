/* ke/irql.c: the interrupt request level of each thread (KeGetCurrentIrql, KfRaiseIrql,
 * KeLowerIrql), the driver a thread is executing, and the PAGED_CODE() check. */
#include "ke/ke.h"

#include "core/report.h"
#include "platform/platform.h"

static PLAT_THREAD_LOCAL KIRQL ke_irql;
static PLAT_THREAD_LOCAL PDRIVER_OBJECT ke_driver;

PDRIVER_OBJECT ke_enter_driver(PDRIVER_OBJECT driver)
{
    PDRIVER_OBJECT previous = ke_driver;
    ke_driver = driver;
    return previous;
}

void ke_leave_driver(PDRIVER_OBJECT previous)
{
    ke_driver = previous;
}

PDRIVER_OBJECT ke_current_driver(void)
{
    return ke_driver;
}

void ke_reset_irql(void)
{
    ke_irql = PASSIVE_LEVEL;
}

static const char *ke_irql_name(KIRQL irql)
{
    switch (irql) {
    case PASSIVE_LEVEL:
        return "PASSIVE_LEVEL";
    case APC_LEVEL:
        return "APC_LEVEL";
    case DISPATCH_LEVEL:
        return "DISPATCH_LEVEL";
    case HIGH_LEVEL:
        return "HIGH_LEVEL";
    default:
        return "device IRQL";
    }
}

NTKERNELAPI KIRQL NTAPI KeGetCurrentIrql(VOID)
{
    return ke_irql;
}

NTKERNELAPI KIRQL NTAPI KfRaiseIrql(KIRQL NewIrql)
{
    KIRQL old = ke_irql;
    if (NewIrql < old) {
        rp_finding("IRQL_NOT_GREATER_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
                   "KeRaiseIrql to %s (%u) while at %s (%u): raising must not lower the IRQL",
                   ke_irql_name(NewIrql), NewIrql, ke_irql_name(old), old);
    }
    if (NewIrql > HIGH_LEVEL) {
        rp_finding("IRQL_NOT_GREATER_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
                   "KeRaiseIrql to %u, above HIGH_LEVEL", NewIrql);
        NewIrql = HIGH_LEVEL;
    }
    ke_irql = NewIrql;
    return old;
}

NTKERNELAPI KIRQL NTAPI KeRaiseIrqlToDpcLevel(VOID)
{
    return KfRaiseIrql(DISPATCH_LEVEL);
}

NTKERNELAPI KIRQL NTAPI KeRaiseIrqlToSynchLevel(VOID)
{
    return KfRaiseIrql(SYNCH_LEVEL);
}

NTKERNELAPI VOID NTAPI KeLowerIrql(KIRQL NewIrql)
{
    if (NewIrql > ke_irql) {
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
                   "KeLowerIrql to %s (%u) while at %s (%u): lowering must not raise the IRQL",
                   ke_irql_name(NewIrql), NewIrql, ke_irql_name(ke_irql), ke_irql);
        return;
    }
    ke_irql = NewIrql;
}

WDMEMU_API VOID NTAPI WdmemuPagedCodeCheck(PCSTR File, ULONG Line)
{
    if (ke_irql > APC_LEVEL) {
        rp_finding("PAGED_CODE", STATUS_SUCCESS, NULL, NULL,
                   "PAGED_CODE() reached at %s (%u) at %s:%u; pageable code must run at or below APC_LEVEL",
                   ke_irql_name(ke_irql), ke_irql, File, (unsigned)Line);
    }
}
