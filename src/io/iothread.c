/* io/iothread.c: the I/O state a thread carries and the questions drivers ask about the
 * thread and the system they run in: IoGetTopLevelIrp / IoSetTopLevelIrp (the file-system
 * recursion marker, per thread), IoGetDeviceToVerify / IoSetHardErrorOrVerifyDevice (no
 * removable media here: there is never a device to verify), IoGetRemainingStackSize and
 * IoGetStackLimits (the real stack of the thread running the driver), and
 * IoIsWdmVersionAvailable (the WDM version of Windows 10, 10.0). */
#include <stdint.h>

#include "io/io.h"
#include "ke/ke.h"
#include "platform/platform.h"

NTKERNELAPI PIRP NTAPI IoGetTopLevelIrp(VOID)
{
    return ke_self()->top_level_irp;
}

NTKERNELAPI VOID NTAPI IoSetTopLevelIrp(PIRP Irp)
{
    ke_self()->top_level_irp = Irp;
}

NTKERNELAPI PDEVICE_OBJECT NTAPI IoGetDeviceToVerify(PETHREAD Thread)
{
    (void)Thread;
    return NULL;
}

NTKERNELAPI VOID NTAPI IoSetHardErrorOrVerifyDevice(PIRP Irp, PDEVICE_OBJECT DeviceObject)
{
    (void)Irp;
    (void)DeviceObject;
}

NTKERNELAPI VOID NTAPI IoGetStackLimits(PULONG_PTR LowLimit, PULONG_PTR HighLimit)
{
    uintptr_t low = 0, high = 0;
    plat_stack_limits(&low, &high);
    *LowLimit = (ULONG_PTR)low;
    *HighLimit = (ULONG_PTR)high;
}

NTKERNELAPI ULONG_PTR NTAPI IoGetRemainingStackSize(VOID)
{
    uintptr_t low = 0, high = 0;
    plat_stack_limits(&low, &high);
    uintptr_t here = (uintptr_t)PLAT_FRAME_ADDRESS();
    return here > low ? (ULONG_PTR)(here - low) : 0;
}

/* Windows 10 reports WDM 10.0 (0x0A, 0x00); every earlier version is available too. */
NTKERNELAPI BOOLEAN NTAPI IoIsWdmVersionAvailable(UCHAR MajorVersion, UCHAR MinorVersion)
{
    return MajorVersion < 0x0A || (MajorVersion == 0x0A && MinorVersion == 0x00);
}
