/* Compile check: every DDK header a driver may include, in the orders real drivers use, plus
 * the host API, compile cleanly as C11 (and, through all_headers.cpp, as C++17). */
#include <ntddk.h>
#include <ntifs.h>
#include <wdm.h>
#include <ntstrsafe.h>
#include <wdmsec.h>
#include <initguid.h>
#include <devioctl.h>
#include <dontuse.h>
#include <specstrings.h>
#include <wdmemu/wdmemu.h>

/* A driver may define the architecture macro itself before including the headers. */
#ifndef _AMD64_
#error "_AMD64_ should be defined on x86-64"
#endif

DEFINE_GUID(GUID_WDMEMU_COMPILE_CHECK, 0x12345678, 0x1234, 0x5678, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78);

#define IOCTL_CHECK CTL_CODE(0x8000 | FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

#ifdef ALLOC_PRAGMA
#pragma alloc_text(PAGE, CheckDispatch)
#endif
#pragma warning(disable : 4201)

_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH CheckDispatch;

_Use_decl_annotations_ NTSTATUS CheckDispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status = STATUS_SUCCESS;
    UNREFERENCED_PARAMETER(DeviceObject);
    PAGED_CODE();
    switch (stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_CHECK:
        __try {
            ProbeForRead(stack->Parameters.DeviceIoControl.Type3InputBuffer, 4, 1);
        } __except (EXCEPTION_EXECUTE_HANDLER) {
            status = GetExceptionCode();
            break;
        }
        break;
    default:
        status = STATUS_INVALID_DEVICE_REQUEST;
        break;
    }
    _Analysis_assume_(status != 0);
    Irp->IoStatus.Status = status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

int main(void)
{
    ULONG tag = 'oreZ';
    PDRIVER_DISPATCH dispatch = CheckDispatch;
    return (int)(tag == 0) + (int)(sizeof(GUID_WDMEMU_COMPILE_CHECK) != 16) + (int)(dispatch == NULL);
}
