/* rtl/dbgprint.c: the debugger interface a driver sees: DbgPrint, DbgPrintEx and their va_list
 * forms with the kernel's format extensions (%wZ, %Z, %ws, %I64d ...), the component filter
 * (DbgPrintEx at levels other than DPFLTR_ERROR_LEVEL is suppressed until enabled, as on
 * Windows), DbgBreakPoint (reported, never a trap) and assertion failures (findings). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/report.h"
#include "ke/ke.h"
#include "platform/platform.h"
#include "rtl/format.h"

#define DBG_COMPONENTS 160

static ULONG dbg_filter[DBG_COMPONENTS]; /* extra enabled level bits per component */

static BOOLEAN dbg_enabled(ULONG component, ULONG level)
{
    ULONG mask = level > 31 ? level : (1u << level);
    if (mask & (1u << DPFLTR_ERROR_LEVEL))
        return TRUE;
    if (plat_getenv("WDMEMU_DBGPRINT_ALL") != NULL)
        return TRUE;
    if (component < DBG_COMPONENTS && (dbg_filter[component] & mask) != 0)
        return TRUE;
    return FALSE;
}

static ULONG dbg_emit(PCCH prefix, PCCH format, va_list ap)
{
    char small[512];
    char *text = small;
    size_t prefix_length = prefix != NULL ? strlen(prefix) : 0;
    va_list copy;
    va_copy(copy, ap);
    size_t needed = rtl_vformat(NULL, 0, format, copy);
    va_end(copy);
    if (prefix_length + needed + 1 > sizeof(small)) {
        text = malloc(prefix_length + needed + 1);
        if (text == NULL)
            return (ULONG)STATUS_NO_MEMORY;
    }
    if (prefix_length != 0)
        memcpy(text, prefix, prefix_length);
    rtl_vformat(text + prefix_length, needed + 1, format, ap);

    EV_EMIT(.kind = EV_DEBUG_PRINT, .driver = ke_current_driver(), .text = text);
    rp_message(WDMEMU_MSG_DEBUG_PRINT, text);
    if (text != small)
        free(text);
    return STATUS_SUCCESS;
}

NTSYSAPI ULONG __cdecl DbgPrint(PCSTR Format, ...)
{
    va_list ap;
    va_start(ap, Format);
    ULONG status = dbg_emit(NULL, Format, ap);
    va_end(ap);
    return status;
}

NTSYSAPI ULONG __cdecl DbgPrintReturnControlC(PCCH Format, ...)
{
    va_list ap;
    va_start(ap, Format);
    ULONG status = dbg_emit(NULL, Format, ap);
    va_end(ap);
    return status;
}

NTSYSAPI ULONG NTAPI vDbgPrintExWithPrefix(PCCH Prefix, ULONG ComponentId, ULONG Level, PCCH Format, va_list arglist)
{
    if (!dbg_enabled(ComponentId, Level))
        return STATUS_SUCCESS;
    return dbg_emit(Prefix, Format, arglist);
}

NTSYSAPI ULONG NTAPI vDbgPrintEx(ULONG ComponentId, ULONG Level, PCCH Format, va_list arglist)
{
    return vDbgPrintExWithPrefix(NULL, ComponentId, Level, Format, arglist);
}

NTSYSAPI ULONG __cdecl DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...)
{
    va_list ap;
    va_start(ap, Format);
    ULONG status = vDbgPrintExWithPrefix(NULL, ComponentId, Level, Format, ap);
    va_end(ap);
    return status;
}

NTSYSAPI NTSTATUS NTAPI DbgQueryDebugFilterState(ULONG ComponentId, ULONG Level)
{
    if (ComponentId >= DBG_COMPONENTS)
        return STATUS_INVALID_PARAMETER_1;
    return dbg_enabled(ComponentId, Level) ? (NTSTATUS)TRUE : (NTSTATUS)FALSE;
}

NTSYSAPI NTSTATUS NTAPI DbgSetDebugFilterState(ULONG ComponentId, ULONG Level, BOOLEAN State)
{
    if (ComponentId >= DBG_COMPONENTS)
        return STATUS_INVALID_PARAMETER_1;
    ULONG mask = Level > 31 ? Level : (1u << Level);
    if (State)
        dbg_filter[ComponentId] |= mask;
    else
        dbg_filter[ComponentId] &= ~mask;
    return STATUS_SUCCESS;
}

static void dbg_break(ULONG status)
{
    char driver[160] = "host code";
    PDRIVER_OBJECT current = ke_current_driver();
    if (current != NULL && current->DriverName.Buffer != NULL)
        rtl_format(driver, sizeof(driver), "%wZ", &current->DriverName);
    char text[256];
    rtl_format(text, sizeof(text), "DbgBreakPoint reached in %s (status 0x%08X)", driver, status);
    EV_EMIT(.kind = EV_DEBUG_BREAK, .driver = current, .status = (NTSTATUS)status, .text = text);
    rp_message(WDMEMU_MSG_BREAKPOINT, text);
}

NTSYSAPI VOID NTAPI DbgBreakPoint(VOID)
{
    dbg_break(0);
}

NTSYSAPI VOID NTAPI DbgBreakPointWithStatus(ULONG Status)
{
    dbg_break(Status);
}

WDMEMU_API VOID NTAPI WdmemuAssertFailed(PCSTR Expression, PCSTR File, ULONG Line, PCSTR Message)
{
    rp_finding("ASSERTION_FAILURE", STATUS_ASSERTION_FAILURE, NULL, NULL, "ASSERT(%s) failed at %s:%u%s%s",
               Expression, File, (unsigned)Line, Message != NULL ? ": " : "", Message != NULL ? Message : "");
}

NTSYSAPI VOID NTAPI RtlAssert(PVOID VoidFailedAssertion, PVOID VoidFileName, ULONG LineNumber, PSTR MutableMessage)
{
    WdmemuAssertFailed((PCSTR)VoidFailedAssertion, (PCSTR)VoidFileName, LineNumber, MutableMessage);
}
