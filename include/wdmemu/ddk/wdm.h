/* wdm.h: the umbrella DDK header for WDM drivers.  Pulls in the base types, status codes and
 * every component header in dependency order; driver code includes this (or ntddk.h/ntifs.h). */
#ifndef WDMEMU_DDK_WDM_H
#define WDMEMU_DDK_WDM_H

#include "ntdef.h"
#include "ntstatus.h"
#include "devioctl.h"
#include "guiddef.h"
#include "driverspecs.h"

#ifndef NTDDI_VERSION
#define NTDDI_VERSION 0x0A00000C
#endif
#define NTDDI_WIN7 0x06010000
#define NTDDI_WIN8 0x06020000
#define NTDDI_WINBLUE 0x06030000
#define NTDDI_WIN10 0x0A000000
#define NTDDI_WIN10_RS1 0x0A000002
#define NTDDI_WIN10_VB 0x0A000008
#define NTDDI_WIN10_CO 0x0A00000B
#define NTDDI_WIN10_NI 0x0A00000C
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0A00
#endif

#include "wdm/ke.h"
#include "wdm/interlocked.h"
#include "wdm/mm.h"
#include "wdm/ex.h"
#include "wdm/iotypes.h"
#include "wdm/io.h"
#include "wdm/rtl.h"
#include "wdm/obps.h"
#include "wdm/seh.h"
#include "wdm/dbg.h"

#endif /* WDMEMU_DDK_WDM_H */
