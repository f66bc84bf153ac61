/* ntddk.h: what legacy (non-PnP) kernel drivers include; everything they need is in wdm.h. */
#ifndef WDMEMU_DDK_NTDDK_H
#define WDMEMU_DDK_NTDDK_H
#include "wdm.h"
#endif
