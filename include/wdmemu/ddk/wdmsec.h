/* wdmsec.h: IoCreateDeviceSecure and the SDDL strings for device objects.  wdmemu creates the
 * device exactly as IoCreateDevice does; the security descriptor is validated for presence but
 * not enforced (there are no user accounts in a test process). */
#ifndef WDMEMU_DDK_WDMSEC_H
#define WDMEMU_DDK_WDMSEC_H

#include "wdm.h"

WDMEMU_BEGIN_DECLS

NTKERNELAPI NTSTATUS NTAPI IoCreateDeviceSecure(_In_ PDRIVER_OBJECT DriverObject, _In_ ULONG DeviceExtensionSize,
                                                _In_opt_ PUNICODE_STRING DeviceName, _In_ DEVICE_TYPE DeviceType,
                                                _In_ ULONG DeviceCharacteristics, _In_ BOOLEAN Exclusive,
                                                _In_ PCUNICODE_STRING DefaultSDDLString, _In_opt_ LPCGUID DeviceClassGuid,
                                                _Out_ PDEVICE_OBJECT *DeviceObject);

extern WDMEMU_API const UNICODE_STRING SDDL_DEVOBJ_KERNEL_ONLY;
extern WDMEMU_API const UNICODE_STRING SDDL_DEVOBJ_INF_SUPPLIED;
extern WDMEMU_API const UNICODE_STRING SDDL_DEVOBJ_SYS_ALL;
extern WDMEMU_API const UNICODE_STRING SDDL_DEVOBJ_SYS_ALL_ADM_ALL;
extern WDMEMU_API const UNICODE_STRING SDDL_DEVOBJ_SYS_ALL_ADM_RX;
extern WDMEMU_API const UNICODE_STRING SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_R;
extern WDMEMU_API const UNICODE_STRING SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RW_RES_R;
extern WDMEMU_API const UNICODE_STRING SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RWX_RES_RWX;

WDMEMU_END_DECLS

#endif /* WDMEMU_DDK_WDMSEC_H */
