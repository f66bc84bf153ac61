/* wdm/seh.h: structured exception handling for gcc and clang.  __try/__except/__finally and the
 * lowercase try/except/finally/leave spellings of C drivers, GetExceptionCode(), and the frame
 * protocol that ExRaiseStatus, ProbeForRead/Write and MmProbeAndLockPages raise into.
 *
 * How it works: __try opens a for statement whose only job is to scope a frame variable; the
 * frame is linked into a per-thread chain and unlinked by a cleanup attribute however the block
 * is left (end, return, goto).  A raise longjmps to the innermost frame.  The __except filter
 * and handler come after that for statement, so a `break` in the handler leaves the enclosing
 * switch or loop exactly as with the Microsoft compiler.
 *
 * Limits (reported, never silent): `break`/`continue` directly inside a __try body leave the
 * __try rather than an enclosing loop (wdmemu reports it as a finding when it happens); locals
 * changed inside a __try body and read in the handler should be volatile (as with any setjmp);
 * `return` out of a __try body that has a __finally skips the __finally block. */
#ifndef WDMEMU_DDK_WDM_SEH_H
#define WDMEMU_DDK_WDM_SEH_H

#include <setjmp.h>

/* Every __try is a setjmp: gcc's -Wclobbered (part of -Wextra) then fires on ordinary driver
 * code.  The hazard it describes is listed in the limits above. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wclobbered"
#endif

WDMEMU_BEGIN_DECLS

#define EXCEPTION_EXECUTE_HANDLER 1
#define EXCEPTION_CONTINUE_SEARCH 0
#define EXCEPTION_CONTINUE_EXECUTION (-1)

#define EXCEPTION_NONCONTINUABLE 0x1
#define EXCEPTION_MAXIMUM_PARAMETERS 15

typedef struct _EXCEPTION_RECORD {
    NTSTATUS ExceptionCode;
    ULONG ExceptionFlags;
    struct _EXCEPTION_RECORD *ExceptionRecord;
    PVOID ExceptionAddress;
    ULONG NumberParameters;
    ULONG_PTR ExceptionInformation[EXCEPTION_MAXIMUM_PARAMETERS];
} EXCEPTION_RECORD, *PEXCEPTION_RECORD;

typedef struct _CONTEXT *PCONTEXT;

typedef struct _EXCEPTION_POINTERS {
    PEXCEPTION_RECORD ExceptionRecord;
    PCONTEXT ContextRecord;
} EXCEPTION_POINTERS, *PEXCEPTION_POINTERS;

#if !defined(_MSC_VER)

/* One __try block.  State moves RUNNING -> DONE (left normally), CAUGHT (an exception landed
 * here) or LEFT (__leave). */
typedef struct _WDMEMU_SEH_FRAME {
    jmp_buf Jump;
    struct _WDMEMU_SEH_FRAME *Previous;
    volatile NTSTATUS Code;
    volatile int State;
    int Guard; /* set for the frames wdmemu puts around calls into driver code */
} WDMEMU_SEH_FRAME;

typedef struct _WDMEMU_SEH_FINALLY {
    int Pass;
    int Abnormal;
    NTSTATUS Code;
} WDMEMU_SEH_FINALLY;

#define WDMEMU_SEH_INIT 0
#define WDMEMU_SEH_RUNNING 1
#define WDMEMU_SEH_DONE 2
#define WDMEMU_SEH_CAUGHT 3
#define WDMEMU_SEH_LEFT 4

WDMEMU_API int WdmemuSehStep(WDMEMU_SEH_FRAME *Frame);
WDMEMU_API void WdmemuSehUnlink(WDMEMU_SEH_FRAME *Frame);
WDMEMU_API int WdmemuSehCaught(void);
WDMEMU_API int WdmemuSehFilter(int Disposition);
WDMEMU_API NTSTATUS WdmemuSehCode(void);
WDMEMU_API PEXCEPTION_POINTERS WdmemuSehInformation(void);
WDMEMU_API WDMEMU_SEH_FINALLY WdmemuSehFinallyEnter(void);
WDMEMU_API void WdmemuSehFinallyLeave(WDMEMU_SEH_FINALLY *Finally);
WDMEMU_API DECLSPEC_NORETURN void WdmemuSehRaise(NTSTATUS Code, PVOID Address);

#ifdef __cplusplus
#define WDMEMU_SEH_FRAME_VALUE {}
#else
#define WDMEMU_SEH_FRAME_VALUE {.State = WDMEMU_SEH_INIT}
#endif

/* The jump back to a __try.  mingw-w64's setjmp records the frame so that longjmp unwinds the
 * stack the Windows way (RtlUnwindEx), which refuses a jump from a fault handler's resumption
 * and costs a walk of every frame; with no frame recorded longjmp just restores the registers,
 * as it does elsewhere. */
#if defined(_WIN32) && defined(__GNUC__) && !defined(__clang__) && defined(_WIN64)
#define WDMEMU_SEH_SETJMP(buffer) _setjmp((buffer), NULL)
#else
#define WDMEMU_SEH_SETJMP(buffer) setjmp(buffer)
#endif

#define __try                                                                                      \
    for (WDMEMU_SEH_FRAME __wdmemu_seh __attribute__((cleanup(WdmemuSehUnlink))) = WDMEMU_SEH_FRAME_VALUE; \
         WdmemuSehStep(&__wdmemu_seh);)                                                            \
        if (WDMEMU_SEH_SETJMP(__wdmemu_seh.Jump) == 0)

#define __except(...) if (WdmemuSehCaught() && WdmemuSehFilter((int)(__VA_ARGS__)))

#define __finally                                                                     \
    for (WDMEMU_SEH_FINALLY __wdmemu_fin = WdmemuSehFinallyEnter(); __wdmemu_fin.Pass; \
         WdmemuSehFinallyLeave(&__wdmemu_fin))

#define __leave                                      \
    {                                                \
        __wdmemu_seh.State = WDMEMU_SEH_LEFT;        \
        break;                                       \
    }

#define GetExceptionCode() WdmemuSehCode()
#define _exception_code() WdmemuSehCode()
#define GetExceptionInformation() WdmemuSehInformation()
#define _exception_info() WdmemuSehInformation()
#define AbnormalTermination() (__wdmemu_fin.Abnormal)
#define _abnormal_termination() (__wdmemu_fin.Abnormal)

#if !defined(__cplusplus)
#define try __try
#define except __except
#define finally __finally
#define leave __leave
#endif

#else /* _MSC_VER: the compiler's own structured exception handling */

/* What <excpt.h> declares for the Microsoft compiler (the WDK's wdm.h brings it in): the
 * intrinsics behind the filter and handler helpers, and the lowercase spellings for C. */
unsigned long __cdecl _exception_code(void);
void *__cdecl _exception_info(void);
int __cdecl _abnormal_termination(void);

#ifndef GetExceptionCode
#define GetExceptionCode _exception_code
#define exception_code _exception_code
#define GetExceptionInformation() ((PEXCEPTION_POINTERS)_exception_info())
#define exception_info() ((PEXCEPTION_POINTERS)_exception_info())
#define AbnormalTermination _abnormal_termination
#define abnormal_termination _abnormal_termination
#endif

#if !defined(__cplusplus) && !defined(try)
#define try __try
#define except __except
#define finally __finally
#define leave __leave
#endif

#endif /* _MSC_VER */

WDMEMU_END_DECLS

#endif /* WDMEMU_DDK_WDM_SEH_H */
