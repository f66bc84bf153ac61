/* ke/ke.h: per-thread kernel state the rest of wdmemu consults: the current IRQL and which
 * driver's code the thread is executing (so reports and events can name it). */
#ifndef WDMEMU_KE_KE_H
#define WDMEMU_KE_KE_H

#include <wdm.h>

/* Marks the start of a call into driver code; returns the previous driver for ke_leave_driver. */
PDRIVER_OBJECT ke_enter_driver(PDRIVER_OBJECT driver);
void ke_leave_driver(PDRIVER_OBJECT previous);
/* The driver whose code this thread is running, or NULL in host code. */
PDRIVER_OBJECT ke_current_driver(void);

/* Resets the calling thread's IRQL to PASSIVE_LEVEL (after a guard frame caught an exception
 * thrown at raised IRQL). */
void ke_reset_irql(void);

#endif /* WDMEMU_KE_KE_H */
