/* rtl/seh.h: the library side of structured exception handling: guarded calls into driver
 * code, so that an exception no __try handles becomes a finding instead of a crash. */
#ifndef WDMEMU_RTL_SEH_H
#define WDMEMU_RTL_SEH_H

#include <wdm.h>

/* Runs fn(context) inside a guard frame.  Returns TRUE if fn returned; FALSE if an exception
 * escaped it, with the exception code in *code.  The caller reports what it was doing. */
BOOLEAN seh_guarded_call(void (*fn)(void *context), void *context, NTSTATUS *code);

/* A bug check: abandons the driver code on this thread up to the innermost guard frame (no
 * __except or __finally runs, as on Windows, where nothing runs after a bug check), which then
 * returns FALSE with *code = code.  Returns FALSE at once when the thread has no guard frame. */
BOOLEAN seh_unwind_to_guard(NTSTATUS code);

#if defined(_MSC_VER)
/* Raises code as a noncontinuable structured exception (RaiseException); address is ignored.
 * The DDK header declares it for the emulation of gcc builds; with the Microsoft compiler it
 * is the library's own. */
DECLSPEC_NORETURN void WdmemuSehRaise(NTSTATUS Code, PVOID Address);
#endif

/* TRUE when the last guarded call on this thread ended through seh_unwind_to_guard (its caller
 * then reports nothing more: the bug check was reported already). */
BOOLEAN seh_guard_ended_by_bugcheck(void);

#endif /* WDMEMU_RTL_SEH_H */
