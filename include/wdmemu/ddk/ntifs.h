/* ntifs.h: the file-system and filter driver superset of ntddk.h. */
#ifndef WDMEMU_DDK_NTIFS_H
#define WDMEMU_DDK_NTIFS_H
#include "ntddk.h"
#endif
