/* wdm/dbg.h: debugger output and assertions: DbgPrint and friends, KdPrint, DbgBreakPoint,
 * ASSERT/NT_ASSERT and PAGED_CODE.  wdmemu is a test environment, so DBG defaults to 1 (pass
 * -DDBG=0 to compile a driver as a free build). */
#ifndef WDMEMU_DDK_WDM_DBG_H
#define WDMEMU_DDK_WDM_DBG_H

#include <stdarg.h>

#ifndef DBG
#define DBG 1
#endif

WDMEMU_BEGIN_DECLS

#define DPFLTR_ERROR_LEVEL 0
#define DPFLTR_WARNING_LEVEL 1
#define DPFLTR_TRACE_LEVEL 2
#define DPFLTR_INFO_LEVEL 3
#define DPFLTR_MASK 0x80000000

#define DPFLTR_SYSTEM_ID 0
#define DPFLTR_SMSS_ID 1
#define DPFLTR_SETUP_ID 2
#define DPFLTR_NTFS_ID 3
#define DPFLTR_FSTUB_ID 4
#define DPFLTR_CRASHDUMP_ID 5
#define DPFLTR_CDAUDIO_ID 6
#define DPFLTR_CDROM_ID 7
#define DPFLTR_CLASSPNP_ID 8
#define DPFLTR_DISK_ID 9
#define DPFLTR_REDBOOK_ID 10
#define DPFLTR_STORPROP_ID 11
#define DPFLTR_SCSIPORT_ID 12
#define DPFLTR_SCSIMINIPORT_ID 13
#define DPFLTR_CONFIG_ID 14
#define DPFLTR_I8042PRT_ID 15
#define DPFLTR_SERMOUSE_ID 16
#define DPFLTR_LSERMOUS_ID 17
#define DPFLTR_KBDHID_ID 18
#define DPFLTR_MOUHID_ID 19
#define DPFLTR_KBDCLASS_ID 20
#define DPFLTR_MOUCLASS_ID 21
#define DPFLTR_TWOTRACK_ID 22
#define DPFLTR_WMILIB_ID 23
#define DPFLTR_ACPI_ID 24
#define DPFLTR_AMLI_ID 25
#define DPFLTR_HALIA64_ID 26
#define DPFLTR_VIDEO_ID 27
#define DPFLTR_SVCHOST_ID 28
#define DPFLTR_VIDEOPRT_ID 29
#define DPFLTR_TCPIP_ID 30
#define DPFLTR_DMSYNTH_ID 31
#define DPFLTR_NTOSPNP_ID 32
#define DPFLTR_FASTFAT_ID 33
#define DPFLTR_SAMSS_ID 34
#define DPFLTR_PNPMGR_ID 35
#define DPFLTR_NETAPI_ID 36
#define DPFLTR_SCSERVER_ID 37
#define DPFLTR_SCCLIENT_ID 38
#define DPFLTR_SERIAL_ID 39
#define DPFLTR_SERENUM_ID 40
#define DPFLTR_UHCD_ID 41
#define DPFLTR_IHVDRIVER_ID 77
#define DPFLTR_IHVVIDEO_ID 78
#define DPFLTR_IHVAUDIO_ID 79
#define DPFLTR_IHVNETWORK_ID 80
#define DPFLTR_IHVSTREAMING_ID 81
#define DPFLTR_IHVBUS_ID 82
#define DPFLTR_DEFAULT_ID 101

NTSYSAPI ULONG __cdecl DbgPrint(_In_z_ _Printf_format_string_ PCSTR Format, ...);
NTSYSAPI ULONG __cdecl DbgPrintEx(_In_ ULONG ComponentId, _In_ ULONG Level, _In_z_ _Printf_format_string_ PCSTR Format, ...);
NTSYSAPI ULONG NTAPI vDbgPrintEx(_In_ ULONG ComponentId, _In_ ULONG Level, _In_z_ PCCH Format, _In_ va_list arglist);
NTSYSAPI ULONG NTAPI vDbgPrintExWithPrefix(_In_z_ PCCH Prefix, _In_ ULONG ComponentId, _In_ ULONG Level,
                                           _In_z_ PCCH Format, _In_ va_list arglist);
NTSYSAPI ULONG __cdecl DbgPrintReturnControlC(_In_z_ _Printf_format_string_ PCCH Format, ...);
NTSYSAPI NTSTATUS NTAPI DbgQueryDebugFilterState(_In_ ULONG ComponentId, _In_ ULONG Level);
NTSYSAPI NTSTATUS NTAPI DbgSetDebugFilterState(_In_ ULONG ComponentId, _In_ ULONG Level, _In_ BOOLEAN State);
NTSYSAPI VOID NTAPI DbgBreakPoint(VOID);
NTSYSAPI VOID NTAPI DbgBreakPointWithStatus(_In_ ULONG Status);
NTSYSAPI VOID NTAPI RtlAssert(_In_ PVOID VoidFailedAssertion, _In_ PVOID VoidFileName, _In_ ULONG LineNumber,
                              _In_opt_ PSTR MutableMessage);
/* Reports PAGED_CODE() reached above APC_LEVEL, naming the file and line. */
WDMEMU_API VOID NTAPI WdmemuPagedCodeCheck(_In_z_ PCSTR File, _In_ ULONG Line);
WDMEMU_API VOID NTAPI WdmemuAssertFailed(_In_z_ PCSTR Expression, _In_z_ PCSTR File, _In_ ULONG Line,
                                         _In_opt_z_ PCSTR Message);

/* ASSERT and friends yield a BOOLEAN like the WDK's, through a call so that using them as a
 * statement does not trip -Wunused-value. */
FORCEINLINE BOOLEAN WdmemuAssertCheck(int Ok, PCSTR Expression, PCSTR File, ULONG Line, PCSTR Message)
{
    if (!Ok)
        WdmemuAssertFailed(Expression, File, Line, Message);
    return (BOOLEAN)(Ok != 0);
}

#define KdBreakPoint() DbgBreakPoint()
#define KdBreakPointWithStatus(s) DbgBreakPointWithStatus(s)
#define KdPrintEx(_x_) DbgPrintEx _x_
#define vKdPrintEx(_x_) vDbgPrintEx _x_
#define vKdPrintExWithPrefix(_x_) vDbgPrintExWithPrefix _x_

#if DBG
#define KdPrint(_x_) DbgPrint _x_
#define ASSERT(exp) WdmemuAssertCheck(!!(exp), #exp, __FILE__, __LINE__, NULL)
#define ASSERTMSG(msg, exp) WdmemuAssertCheck(!!(exp), #exp, __FILE__, __LINE__, msg)
#define RTL_SOFT_ASSERT(exp) ASSERT(exp)
#define RTL_SOFT_ASSERTMSG(msg, exp) ASSERTMSG(msg, exp)
#define RTL_VERIFY(exp) ASSERT(exp)
#define RTL_VERIFYMSG(msg, exp) ASSERTMSG(msg, exp)
#define PAGED_CODE() WdmemuPagedCodeCheck(__FILE__, __LINE__)
#define PAGED_ASSERT(exp) ASSERT(exp)
#else
#define KdPrint(_x_)
#define ASSERT(exp) ((void)0)
#define ASSERTMSG(msg, exp) ((void)0)
#define RTL_SOFT_ASSERT(exp) ((void)0)
#define RTL_SOFT_ASSERTMSG(msg, exp) ((void)0)
#define RTL_VERIFY(exp) ((exp) ? TRUE : FALSE)
#define RTL_VERIFYMSG(msg, exp) ((exp) ? TRUE : FALSE)
#define PAGED_CODE() WdmemuPagedCodeCheck(__FILE__, __LINE__)
#define PAGED_ASSERT(exp) ((void)0)
#endif

/* NT_ASSERT is active in free builds too (it raises an assertion failure on Windows). */
#define NT_ASSERT(exp) WdmemuAssertCheck(!!(exp), #exp, __FILE__, __LINE__, NULL)
#define NT_ASSERTMSG(msg, exp) WdmemuAssertCheck(!!(exp), #exp, __FILE__, __LINE__, msg)
#define NT_ASSERTMSGW(msg, exp) NT_ASSERT(exp)
#define NT_ASSERT_ACTION(exp) NT_ASSERT(exp)
#define NT_ASSERT_ASSUME(exp) NT_ASSERT(exp)
#define NT_ASSERT_NOASSUME(exp) NT_ASSERT(exp)
#define NT_VERIFY(exp) NT_ASSERT(exp)
#define NT_VERIFYMSG(msg, exp) NT_ASSERTMSG(msg, exp)
#define NT_FRE_ASSERT(exp) NT_ASSERT(exp)
#define NT_ANALYSIS_ASSUME(exp) ((void)0)
#define PAGED_CODE_LOCKED() ((void)0)

WDMEMU_END_DECLS

#endif /* WDMEMU_DDK_WDM_DBG_H */
