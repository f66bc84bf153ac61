/* rtl/seh.c: the runtime behind __try/__except/__finally (see wdm/seh.h): the per-thread frame
 * chain, raising (ExRaiseStatus, ProbeForRead/Write), filters, guard frames, and hardware faults
 * (a real bad pointer) turned into exceptions for the innermost frame (platform/fault.c).
 *
 * Built with the Microsoft compiler, whose __try/__except are native structured exception
 * handling (in driver code and here alike), there is no emulation: raising is RaiseException,
 * noncontinuable, as ExRaiseStatus is on Windows; a guard frame is this file's own __try around
 * the driver call, catching whatever escapes the driver (a raise or a real fault); a bug check
 * leaves the driver code with a longjmp that unwinds nothing, so no driver __except or
 * __finally runs, as with the emulation and on Windows. */
#include "rtl/seh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/report.h"
#include "platform/platform.h"

static PLAT_THREAD_LOCAL BOOLEAN seh_bugcheck;

#if !defined(_MSC_VER) /* ---- the emulation (gcc, clang) ------------------------------------ */

static PLAT_THREAD_LOCAL WDMEMU_SEH_FRAME *seh_top;
static PLAT_THREAD_LOCAL int seh_last_state;
static PLAT_THREAD_LOCAL EXCEPTION_RECORD seh_record;
static PLAT_THREAD_LOCAL EXCEPTION_POINTERS seh_pointers;

static DECLSPEC_NORETURN void seh_dispatch(void);

/* Called by the fault signal handler on the faulting thread (see platform/platform.h): the
 * fault becomes an exception for the innermost frame, a driver's own __try or the guard frame
 * around driver code (whose caller reports KMODE_EXCEPTION_NOT_HANDLED).  With no frame the
 * fault is not wdmemu's to handle.  Async-signal-safe: it writes this thread's exception
 * record and frame only. */
static jmp_buf *seh_catch_fault(const plat_fault *fault)
{
    WDMEMU_SEH_FRAME *frame = seh_top;
    if (frame == NULL)
        return NULL;
    NTSTATUS code;
    ULONG parameters = 2; /* [0] read/write/execute, [1] the address, as Windows gives them */
    switch (fault->kind) {
    case PLAT_FAULT_STACK_OVERFLOW:
        code = STATUS_STACK_OVERFLOW;
        break;
    case PLAT_FAULT_MISALIGNED:
        code = STATUS_DATATYPE_MISALIGNMENT;
        break;
    case PLAT_FAULT_IN_PAGE:
        code = STATUS_IN_PAGE_ERROR;
        parameters = 3; /* [2] the I/O status behind it */
        break;
    default:
        code = STATUS_ACCESS_VIOLATION;
        break;
    }
    memset(&seh_record, 0, sizeof(seh_record));
    seh_record.ExceptionCode = code;
    seh_record.ExceptionAddress = fault->pc;
    seh_record.NumberParameters = parameters;
    seh_record.ExceptionInformation[0] = (ULONG_PTR)fault->access;
    seh_record.ExceptionInformation[1] = (ULONG_PTR)fault->address;
    if (parameters > 2)
        seh_record.ExceptionInformation[2] = (ULONG_PTR)(ULONG)STATUS_UNEXPECTED_IO_ERROR;
    frame->Code = code;
    frame->State = WDMEMU_SEH_CAUGHT;
    return &frame->Jump;
}

WDMEMU_API int WdmemuSehStep(WDMEMU_SEH_FRAME *frame)
{
    switch (frame->State) {
    case WDMEMU_SEH_INIT:
        /* The outermost frame of this thread: make sure a hardware fault reaches the chain (one
         * sigaction query; nested __try blocks pay nothing). */
        if (PLAT_UNLIKELY(seh_top == NULL))
            plat_fault_thread_ready(seh_catch_fault);
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
        seh_dispatch(); /* the same exception record, to the next frame out */
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
    if (fin->Code == STATUS_SUCCESS)
        return;
    /* The exception goes on outwards with its record (ExceptionInformation included), unless
     * the __finally block raised and handled another one meanwhile. */
    if (seh_record.ExceptionCode == fin->Code)
        seh_dispatch();
    WdmemuSehRaise(fin->Code, seh_record.ExceptionAddress);
}

/* Delivers the exception in seh_record to the innermost frame. */
static DECLSPEC_NORETURN void seh_dispatch(void)
{
    WDMEMU_SEH_FRAME *frame = seh_top;
    if (frame == NULL) {
        char st[RP_STATUS_LEN];
        fprintf(stderr, "wdmemu: fatal: exception %s raised outside any __try and outside driver code\n",
                rp_status(seh_record.ExceptionCode, st));
        abort();
    }
    frame->Code = seh_record.ExceptionCode;
    frame->State = WDMEMU_SEH_CAUGHT;
    longjmp(frame->Jump, 1);
}

WDMEMU_API void WdmemuSehRaise(NTSTATUS code, PVOID address)
{
    memset(&seh_record, 0, sizeof(seh_record));
    seh_record.ExceptionCode = code;
    seh_record.ExceptionAddress = address;
    seh_dispatch();
}

BOOLEAN seh_guarded_call(void (*fn)(void *context), void *context, NTSTATUS *code)
{
    WDMEMU_SEH_FRAME guard;
    memset(&guard, 0, sizeof(guard));
    guard.Guard = 1;
    seh_bugcheck = FALSE;
    WdmemuSehStep(&guard);
    if (WDMEMU_SEH_SETJMP(guard.Jump) == 0) {
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

BOOLEAN seh_unwind_to_guard(NTSTATUS code)
{
    WDMEMU_SEH_FRAME *frame = seh_top;
    while (frame != NULL && !frame->Guard)
        frame = frame->Previous;
    if (frame == NULL)
        return FALSE;
    seh_top = frame; /* the driver's own frames inside it are abandoned */
    seh_bugcheck = TRUE;
    frame->Code = code;
    frame->State = WDMEMU_SEH_CAUGHT;
    longjmp(frame->Jump, 1);
}

#else /* ---- _MSC_VER: native structured exception handling --------------------------------- */

/* One guarded call; the innermost is the head of the thread's list. */
typedef struct seh_guard {
    jmp_buf jump; /* where a bug check lands */
    struct seh_guard *previous;
    NTSTATUS code;
} seh_guard;

static PLAT_THREAD_LOCAL seh_guard *seh_guards;

void WdmemuSehRaise(NTSTATUS code, PVOID address)
{
    (void)address; /* the system records where RaiseException was called */
    plat_raise_exception((uint32_t)code, EXCEPTION_NONCONTINUABLE, 0, NULL);
}

static int seh_guard_filter(PEXCEPTION_POINTERS information, seh_guard *guard)
{
    guard->code = information->ExceptionRecord->ExceptionCode;
    return EXCEPTION_EXECUTE_HANDLER;
}

/* The __try, in a function of its own: the setjmp a bug check lands at is its caller's. */
static PLAT_NOINLINE BOOLEAN seh_guard_try(void (*fn)(void *context), void *context, seh_guard *guard)
{
    __try {
        fn(context);
    } __except (seh_guard_filter(GetExceptionInformation(), guard)) {
        return FALSE;
    }
    return TRUE;
}

BOOLEAN seh_guarded_call(void (*fn)(void *context), void *context, NTSTATUS *code)
{
    seh_guard guard;
    memset(&guard, 0, sizeof(guard));
    guard.previous = seh_guards;
    seh_guards = &guard;
    seh_bugcheck = FALSE;
    volatile BOOLEAN ok = FALSE;
    if (setjmp(guard.jump) == 0) {
        PLAT_JMP_NO_UNWIND(guard.jump);
        ok = seh_guard_try(fn, context, &guard);
    } /* else seh_unwind_to_guard jumped here */
    seh_guards = guard.previous;
    if (!ok)
        *code = guard.code;
    return ok;
}

BOOLEAN seh_unwind_to_guard(NTSTATUS code)
{
    seh_guard *guard = seh_guards;
    if (guard == NULL)
        return FALSE;
    seh_bugcheck = TRUE;
    guard->code = code;
    longjmp(guard->jump, 1);
}

#endif /* _MSC_VER */

BOOLEAN seh_guard_ended_by_bugcheck(void)
{
    return seh_bugcheck;
}

/* ---- raising ------------------------------------------------------------------------------ */

NTKERNELAPI VOID NTAPI ExRaiseStatus(NTSTATUS Status)
{
    WdmemuSehRaise(Status, PLAT_RETURN_ADDRESS());
}

NTKERNELAPI VOID NTAPI ExRaiseAccessViolation(VOID)
{
    WdmemuSehRaise(STATUS_ACCESS_VIOLATION, PLAT_RETURN_ADDRESS());
}

NTKERNELAPI VOID NTAPI ExRaiseDatatypeMisalignment(VOID)
{
    WdmemuSehRaise(STATUS_DATATYPE_MISALIGNMENT, PLAT_RETURN_ADDRESS());
}

/* The highest user-mode address a probe accepts (MM_USER_PROBE_ADDRESS on x64 Windows; see
 * platform.h for the host's). */
#define SEH_USER_PROBE_LIMIT ((ULONG_PTR)PLAT_USER_PROBE_LIMIT)

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
