/* ke/irql.c: the interrupt request level of each emulated thread (KeGetCurrentIrql,
 * KfRaiseIrql, KeLowerIrql, KeRaiseIrqlToDpcLevel) and the PAGED_CODE() check. */
#include "core/report.h"
#include "ke/ke.h"

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
    return ke_self()->irql;
}

NTKERNELAPI KIRQL NTAPI KfRaiseIrql(KIRQL NewIrql)
{
    ke_thread *self = ke_self();
    KIRQL old = self->irql;
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
    self->irql = NewIrql;
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

void ke_check_irql_at_most(const char *ddi, KIRQL max)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql > max)
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL, "%s called at %s (%u); its maximum is %s (%u)",
                   ddi, ke_irql_name(irql), irql, ke_irql_name(max), max);
}

/* There are no interrupt objects (IoConnectInterrupt is not emulated), so the routine runs at
 * a device IRQL above DISPATCH_LEVEL, which is what it may rely on: no DPC, no thread switch. */
NTKERNELAPI BOOLEAN NTAPI KeSynchronizeExecution(PKINTERRUPT Interrupt, PKSYNCHRONIZE_ROUTINE SynchronizeRoutine,
                                                 PVOID SynchronizeContext)
{
    (void)Interrupt;
    if (SynchronizeRoutine == NULL) {
        rp_finding("INVALID_PARAMETER", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "KeSynchronizeExecution called with a NULL SynchronizeRoutine");
        return FALSE;
    }
    ke_check_irql_at_most("KeSynchronizeExecution", DISPATCH_LEVEL + 1);
    KIRQL previous = KfRaiseIrql(KeGetCurrentIrql() > DISPATCH_LEVEL + 1 ? KeGetCurrentIrql() : DISPATCH_LEVEL + 1);
    BOOLEAN result = SynchronizeRoutine(SynchronizeContext);
    KeLowerIrql(previous);
    return result;
}

NTKERNELAPI VOID NTAPI KeLowerIrql(KIRQL NewIrql)
{
    ke_thread *self = ke_self();
    if (NewIrql > self->irql) {
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
                   "KeLowerIrql to %s (%u) while at %s (%u): lowering must not raise the IRQL",
                   ke_irql_name(NewIrql), NewIrql, ke_irql_name(self->irql), self->irql);
        return;
    }
    self->irql = NewIrql;
}

WDMEMU_API VOID NTAPI WdmemuPagedCodeCheck(PCSTR File, ULONG Line)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql > APC_LEVEL) {
        rp_finding("PAGED_CODE", STATUS_SUCCESS, NULL, NULL,
                   "PAGED_CODE() reached at %s (%u) at %s:%u; pageable code must run at or below APC_LEVEL",
                   ke_irql_name(irql), irql, File, (unsigned)Line);
    }
}
