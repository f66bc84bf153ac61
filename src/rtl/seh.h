/* rtl/seh.h: the library side of structured exception handling: guarded calls into driver
 * code, so that an exception no __try handles becomes a finding instead of a crash. */
#ifndef WDMEMU_RTL_SEH_H
#define WDMEMU_RTL_SEH_H

#include <wdm.h>

/* Runs fn(context) inside a guard frame.  Returns TRUE if fn returned; FALSE if an exception
 * escaped it, with the exception code in *code.  The caller reports what it was doing. */
BOOLEAN seh_guarded_call(void (*fn)(void *context), void *context, NTSTATUS *code);

#endif /* WDMEMU_RTL_SEH_H */
