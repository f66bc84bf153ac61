/* ex/ex.h: the executive's part of wdmemu_shutdown. */
#ifndef WDMEMU_EX_EX_H
#define WDMEMU_EX_EX_H

/* Frees every pool block still allocated. */
void ex_pool_shutdown(void);

#endif /* WDMEMU_EX_EX_H */
