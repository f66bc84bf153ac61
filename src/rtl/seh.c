/* rtl/seh.c: the runtime behind __try/__except/__finally (see wdm/seh.h): the per-thread frame
 * chain, raising (ExRaiseStatus, ProbeForRead/Write), filters and guard frames. */
#include "rtl/seh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/report.h"
#include "platform/platform.h"

static PLAT_THREAD_LOCAL WDMEMU_SEH_FRAME *seh_top;
static PLAT_THREAD_LOCAL int seh_last_state;
static PLAT_THREAD_LOCAL EXCEPTION_RECORD seh_record;
static PLAT_THREAD_LOCAL EXCEPTION_POINTERS seh_pointers;

WDMEMU_API int WdmemuSehStep(WDMEMU_SEH_FRAME *frame)
{
    switch (frame->State) {
    case WDMEMU_SEH_INIT:
        frame->Previous = seh_top;
        frame->Code = STATUS_SUCCESS;
        frame->State = WDMEMU_SEH_RUNNING;
        seh_top = frame;
        return 1;
    case WDMEMU_SEH_RUNNING:
        frame->State = WDMEMU_SEH_DONE;
        return 0;
    default:
        return 0;
    }
}

WDMEMU_API void WdmemuSehUnlink(WDMEMU_SEH_FRAME *frame)
{
    if (seh_top == frame) {
        seh_top = frame->Previous;
    } else {
        for (WDMEMU_SEH_FRAME *f = seh_top; f != NULL; f = f->Previous) {
            if (f->Previous == frame) {
                f->Previous = frame->Previous;
                break;
            }
        }
    }
    seh_last_state = frame->State;
}

/* The block just left by a `break`/`continue` inside a __try body: the jump went to the end of
 * the __try instead of the enclosing loop or switch. */
static void seh_report_jump_out(void)
{
    rp_finding("SEH_JUMP_OUT_OF_TRY", STATUS_SUCCESS, NULL, NULL,
               "a __try body was left with break or continue; wdmemu's SEH emulation ends the __try "
               "there instead of leaving the enclosing loop or switch (use a flag or goto)");
}

WDMEMU_API int WdmemuSehCaught(void)
{
    int state = seh_last_state;
    seh_last_state = WDMEMU_SEH_INIT;
    if (state == WDMEMU_SEH_RUNNING)
        seh_report_jump_out();
    return state == WDMEMU_SEH_CAUGHT;
}

WDMEMU_API int WdmemuSehFilter(int disposition)
{
    if (disposition > 0)
        return 1;
    if (disposition == EXCEPTION_CONTINUE_SEARCH)
        WdmemuSehRaise(seh_record.ExceptionCode, seh_record.ExceptionAddress);
    rp_finding("SEH_CONTINUE_EXECUTION", seh_record.ExceptionCode, NULL, NULL,
               "an __except filter returned EXCEPTION_CONTINUE_EXECUTION, which wdmemu cannot honour "
               "(execution resumes in the handler instead)");
    return 1;
}

WDMEMU_API NTSTATUS WdmemuSehCode(void)
{
    return seh_record.ExceptionCode;
}

WDMEMU_API PEXCEPTION_POINTERS WdmemuSehInformation(void)
{
    seh_pointers.ExceptionRecord = &seh_record;
    seh_pointers.ContextRecord = NULL;
    return &seh_pointers;
}

WDMEMU_API WDMEMU_SEH_FINALLY WdmemuSehFinallyEnter(void)
{
    WDMEMU_SEH_FINALLY fin = {1, 0, STATUS_SUCCESS};
    int state = seh_last_state;
    seh_last_state = WDMEMU_SEH_INIT;
    if (state == WDMEMU_SEH_CAUGHT) {
        fin.Abnormal = 1;
        fin.Code = seh_record.ExceptionCode;
    } else if (state == WDMEMU_SEH_RUNNING) {
        fin.Abnormal = 1;
        seh_report_jump_out();
    }
    return fin;
}

WDMEMU_API void WdmemuSehFinallyLeave(WDMEMU_SEH_FINALLY *fin)
{
    fin->Pass = 0;
    if (fin->Code != STATUS_SUCCESS)
        WdmemuSehRaise(fin->Code, seh_record.ExceptionAddress);
}

WDMEMU_API void WdmemuSehRaise(NTSTATUS code, PVOID address)
{
    WDMEMU_SEH_FRAME *frame = seh_top;
    memset(&seh_record, 0, sizeof(seh_record));
    seh_record.ExceptionCode = code;
    seh_record.ExceptionAddress = address;
    if (frame == NULL) {
        char st[RP_STATUS_LEN];
        fprintf(stderr, "wdmemu: fatal: exception %s raised outside any __try and outside driver code\n",
                rp_status(code, st));
        abort();
    }
    frame->Code = code;
    frame->State = WDMEMU_SEH_CAUGHT;
    longjmp(frame->Jump, 1);
}

BOOLEAN seh_guarded_call(void (*fn)(void *context), void *context, NTSTATUS *code)
{
    WDMEMU_SEH_FRAME guard;
    memset(&guard, 0, sizeof(guard));
    guard.Guard = 1;
    WdmemuSehStep(&guard);
    if (setjmp(guard.Jump) == 0) {
        fn(context);
        WdmemuSehUnlink(&guard);
        seh_last_state = WDMEMU_SEH_INIT;
        return TRUE;
    }
    WdmemuSehUnlink(&guard);
    seh_last_state = WDMEMU_SEH_INIT;
    *code = guard.Code;
    return FALSE;
}

/* ---- raising ------------------------------------------------------------------------------ */

NTKERNELAPI VOID NTAPI ExRaiseStatus(NTSTATUS Status)
{
    WdmemuSehRaise(Status, __builtin_return_address(0));
}

NTKERNELAPI VOID NTAPI ExRaiseAccessViolation(VOID)
{
    WdmemuSehRaise(STATUS_ACCESS_VIOLATION, __builtin_return_address(0));
}

NTKERNELAPI VOID NTAPI ExRaiseDatatypeMisalignment(VOID)
{
    WdmemuSehRaise(STATUS_DATATYPE_MISALIGNMENT, __builtin_return_address(0));
}

/* The highest user-mode address a probe accepts (MM_USER_PROBE_ADDRESS on x64 Windows). */
#define SEH_USER_PROBE_LIMIT ((ULONG_PTR)0x7FFFFFFF0000ULL)

static void seh_probe(const volatile void *address, SIZE_T length, ULONG alignment, const char *who)
{
    if (length == 0)
        return;
    if (alignment != 1 && alignment != 2 && alignment != 4 && alignment != 8 && alignment != 16)
        rp_finding("PROBE_BAD_ALIGNMENT", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s called with Alignment %u (must be 1, 2, 4, 8 or 16)", who, (unsigned)alignment);
    ULONG_PTR start = (ULONG_PTR)address;
    if (alignment != 0 && (start & (alignment - 1)) != 0)
        WdmemuSehRaise(STATUS_DATATYPE_MISALIGNMENT, (PVOID)start);
    ULONG_PTR end = start + length;
    if (end < start || end > SEH_USER_PROBE_LIMIT)
        WdmemuSehRaise(STATUS_ACCESS_VIOLATION, (PVOID)start);
}

NTKERNELAPI VOID NTAPI ProbeForRead(volatile VOID *Address, SIZE_T Length, ULONG Alignment)
{
    seh_probe(Address, Length, Alignment, "ProbeForRead");
}

NTKERNELAPI VOID NTAPI ProbeForWrite(volatile VOID *Address, SIZE_T Length, ULONG Alignment)
{
    seh_probe(Address, Length, Alignment, "ProbeForWrite");
}
