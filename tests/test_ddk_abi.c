/* The ABI facts a driver compiled against the DDK headers relies on: basic type sizes, the x64
 * WDK offsets of the IRP, IO_STACK_LOCATION, DEVICE_OBJECT, DRIVER_OBJECT and FILE_OBJECT
 * fields drivers touch, CTL_CODE values, and 2-byte wide literals. */
#include <wdm.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#define assert_offset(type, field, value) assert_int_equal(offsetof(type, field), (value))

static void basic_types_have_wdk_sizes(void **state)
{
    (void)state;
    assert_int_equal(sizeof(CHAR), 1);
    assert_int_equal(sizeof(UCHAR), 1);
    assert_int_equal(sizeof(BOOLEAN), 1);
    assert_int_equal(sizeof(SHORT), 2);
    assert_int_equal(sizeof(USHORT), 2);
    assert_int_equal(sizeof(WCHAR), 2);
    assert_int_equal(sizeof(LONG), 4);
    assert_int_equal(sizeof(ULONG), 4);
    assert_int_equal(sizeof(NTSTATUS), 4);
    assert_int_equal(sizeof(LONGLONG), 8);
    assert_int_equal(sizeof(ULONG64), 8);
    assert_int_equal(sizeof(LARGE_INTEGER), 8);
    assert_int_equal(sizeof(ULONG_PTR), sizeof(void *));
    assert_int_equal(sizeof(SIZE_T), sizeof(void *));
    assert_int_equal(sizeof(HANDLE), sizeof(void *));
    assert_int_equal(sizeof(KIRQL), 1);
    assert_int_equal(sizeof(KSPIN_LOCK), sizeof(void *));
    assert_int_equal(sizeof(UNICODE_STRING), 16);
    assert_int_equal(offsetof(UNICODE_STRING, Buffer), 8);
    assert_int_equal(sizeof(LIST_ENTRY), 16);
    assert_int_equal(sizeof(IO_STATUS_BLOCK), 16);
    assert_int_equal(sizeof(GUID), 16);
}

static void wide_literals_are_utf16(void **state)
{
    (void)state;
    assert_int_equal(sizeof(L"ab"), 6);
    const WCHAR *s = L"\x00e9\x20ac";
    assert_int_equal(s[0], 0x00E9);
    assert_int_equal(s[1], 0x20AC);
    UNICODE_STRING u = RTL_CONSTANT_STRING(L"\\Device\\Zero");
    assert_int_equal(u.Length, 24);
    assert_int_equal(u.MaximumLength, 26);
}

static void dispatcher_objects_have_wdk_sizes(void **state)
{
    (void)state;
    assert_int_equal(sizeof(KEVENT), 24);
    assert_int_equal(sizeof(KSEMAPHORE), 32);
    assert_int_equal(sizeof(KMUTEX), 56);
    assert_int_equal(sizeof(KTIMER), 64);
    assert_int_equal(sizeof(KDPC), 64);
    assert_int_equal(sizeof(KAPC), 88);
    assert_int_equal(sizeof(KDEVICE_QUEUE), 40);
    assert_int_equal(sizeof(KDEVICE_QUEUE_ENTRY), 24);
    assert_int_equal(sizeof(FAST_MUTEX), 56);
    assert_int_equal(sizeof(ERESOURCE), 104);
    assert_int_equal(sizeof(IO_REMOVE_LOCK), 32);
    assert_int_equal(sizeof(NPAGED_LOOKASIDE_LIST), 128);
    assert_int_equal(sizeof(MDL), 48);
}

static void irp_layout_matches_x64_wdk(void **state)
{
    (void)state;
    assert_int_equal(sizeof(IRP), 0xd0);
    assert_offset(IRP, Type, 0x00);
    assert_offset(IRP, Size, 0x02);
    assert_offset(IRP, MdlAddress, 0x08);
    assert_offset(IRP, Flags, 0x10);
    assert_offset(IRP, AssociatedIrp.SystemBuffer, 0x18);
    assert_offset(IRP, ThreadListEntry, 0x20);
    assert_offset(IRP, IoStatus, 0x30);
    assert_offset(IRP, IoStatus.Information, 0x38);
    assert_offset(IRP, RequestorMode, 0x40);
    assert_offset(IRP, PendingReturned, 0x41);
    assert_offset(IRP, StackCount, 0x42);
    assert_offset(IRP, CurrentLocation, 0x43);
    assert_offset(IRP, Cancel, 0x44);
    assert_offset(IRP, CancelIrql, 0x45);
    assert_offset(IRP, AllocationFlags, 0x47);
    assert_offset(IRP, UserIosb, 0x48);
    assert_offset(IRP, UserEvent, 0x50);
    assert_offset(IRP, Overlay, 0x58);
    assert_offset(IRP, CancelRoutine, 0x68);
    assert_offset(IRP, UserBuffer, 0x70);
    assert_offset(IRP, Tail.Overlay.DeviceQueueEntry, 0x78);
    assert_offset(IRP, Tail.Overlay.DriverContext, 0x78);
    assert_offset(IRP, Tail.Overlay.Thread, 0x98);
    assert_offset(IRP, Tail.Overlay.ListEntry, 0xa8);
    assert_offset(IRP, Tail.Overlay.CurrentStackLocation, 0xb8);
    assert_offset(IRP, Tail.Overlay.OriginalFileObject, 0xc0);
    assert_offset(IRP, Tail.Apc, 0x78);
}

static void stack_location_layout_matches_x64_wdk(void **state)
{
    (void)state;
    assert_int_equal(sizeof(IO_STACK_LOCATION), 0x48);
    assert_offset(IO_STACK_LOCATION, MajorFunction, 0);
    assert_offset(IO_STACK_LOCATION, MinorFunction, 1);
    assert_offset(IO_STACK_LOCATION, Flags, 2);
    assert_offset(IO_STACK_LOCATION, Control, 3);
    assert_offset(IO_STACK_LOCATION, Parameters, 8);
    assert_offset(IO_STACK_LOCATION, Parameters.Create.SecurityContext, 0x08);
    assert_offset(IO_STACK_LOCATION, Parameters.Create.Options, 0x10);
    assert_offset(IO_STACK_LOCATION, Parameters.Create.FileAttributes, 0x18);
    assert_offset(IO_STACK_LOCATION, Parameters.Create.ShareAccess, 0x1a);
    assert_offset(IO_STACK_LOCATION, Parameters.Create.EaLength, 0x20);
    assert_offset(IO_STACK_LOCATION, Parameters.Read.Length, 0x08);
    assert_offset(IO_STACK_LOCATION, Parameters.Read.Key, 0x10);
    assert_offset(IO_STACK_LOCATION, Parameters.Read.ByteOffset, 0x18);
    assert_offset(IO_STACK_LOCATION, Parameters.Write.ByteOffset, 0x18);
    assert_offset(IO_STACK_LOCATION, Parameters.DeviceIoControl.OutputBufferLength, 0x08);
    assert_offset(IO_STACK_LOCATION, Parameters.DeviceIoControl.InputBufferLength, 0x10);
    assert_offset(IO_STACK_LOCATION, Parameters.DeviceIoControl.IoControlCode, 0x18);
    assert_offset(IO_STACK_LOCATION, Parameters.DeviceIoControl.Type3InputBuffer, 0x20);
    assert_offset(IO_STACK_LOCATION, Parameters.FileSystemControl.FsControlCode, 0x18);
    assert_offset(IO_STACK_LOCATION, Parameters.QueryFile.FileInformationClass, 0x10);
    assert_offset(IO_STACK_LOCATION, Parameters.SetFile.FileObject, 0x18);
    assert_offset(IO_STACK_LOCATION, Parameters.QueryVolume.FsInformationClass, 0x10);
    assert_offset(IO_STACK_LOCATION, Parameters.LockControl.ByteOffset, 0x18);
    assert_offset(IO_STACK_LOCATION, Parameters.Power.Type, 0x10);
    assert_offset(IO_STACK_LOCATION, Parameters.Power.State, 0x18);
    assert_offset(IO_STACK_LOCATION, Parameters.Power.ShutdownType, 0x20);
    assert_offset(IO_STACK_LOCATION, Parameters.StartDevice.AllocatedResourcesTranslated, 0x10);
    assert_offset(IO_STACK_LOCATION, Parameters.QueryInterface.Interface, 0x18);
    assert_offset(IO_STACK_LOCATION, Parameters.Others.Argument4, 0x20);
    assert_offset(IO_STACK_LOCATION, DeviceObject, 0x28);
    assert_offset(IO_STACK_LOCATION, FileObject, 0x30);
    assert_offset(IO_STACK_LOCATION, CompletionRoutine, 0x38);
    assert_offset(IO_STACK_LOCATION, Context, 0x40);
}

static void objects_layout_matches_x64_wdk(void **state)
{
    (void)state;
    assert_int_equal(sizeof(DEVICE_OBJECT), 0x150);
    assert_offset(DEVICE_OBJECT, ReferenceCount, 0x04);
    assert_offset(DEVICE_OBJECT, DriverObject, 0x08);
    assert_offset(DEVICE_OBJECT, NextDevice, 0x10);
    assert_offset(DEVICE_OBJECT, AttachedDevice, 0x18);
    assert_offset(DEVICE_OBJECT, CurrentIrp, 0x20);
    assert_offset(DEVICE_OBJECT, Flags, 0x30);
    assert_offset(DEVICE_OBJECT, Characteristics, 0x34);
    assert_offset(DEVICE_OBJECT, DeviceExtension, 0x40);
    assert_offset(DEVICE_OBJECT, DeviceType, 0x48);
    assert_offset(DEVICE_OBJECT, StackSize, 0x4c);
    assert_offset(DEVICE_OBJECT, AlignmentRequirement, 0x98);
    assert_offset(DEVICE_OBJECT, DeviceQueue, 0xa0);
    assert_offset(DEVICE_OBJECT, Dpc, 0xc8);
    assert_offset(DEVICE_OBJECT, DeviceLock, 0x118);
    assert_offset(DEVICE_OBJECT, SectorSize, 0x130);
    assert_offset(DEVICE_OBJECT, DeviceObjectExtension, 0x138);

    assert_int_equal(sizeof(DRIVER_OBJECT), 0x150);
    assert_offset(DRIVER_OBJECT, DeviceObject, 0x08);
    assert_offset(DRIVER_OBJECT, DriverExtension, 0x30);
    assert_offset(DRIVER_OBJECT, DriverName, 0x38);
    assert_offset(DRIVER_OBJECT, FastIoDispatch, 0x50);
    assert_offset(DRIVER_OBJECT, DriverStartIo, 0x60);
    assert_offset(DRIVER_OBJECT, DriverUnload, 0x68);
    assert_offset(DRIVER_OBJECT, MajorFunction, 0x70);

    assert_int_equal(sizeof(FILE_OBJECT), 0xd8);
    assert_offset(FILE_OBJECT, DeviceObject, 0x08);
    assert_offset(FILE_OBJECT, FsContext, 0x18);
    assert_offset(FILE_OBJECT, FsContext2, 0x20);
    assert_offset(FILE_OBJECT, Flags, 0x50);
    assert_offset(FILE_OBJECT, FileName, 0x58);
    assert_offset(FILE_OBJECT, CurrentByteOffset, 0x68);
    assert_offset(FILE_OBJECT, Event, 0x98);
    assert_offset(FILE_OBJECT, FileObjectExtension, 0xd0);

    assert_int_equal(sizeof(FAST_IO_DISPATCH), 28 * sizeof(void *));
    assert_offset(FAST_IO_DISPATCH, FastIoRead, 0x10);
    assert_offset(FAST_IO_DISPATCH, FastIoDeviceControl, 0x50);
}

static void ctl_code_values_match_wdk(void **state)
{
    (void)state;
    assert_int_equal(CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS), 0x00222000);
    assert_int_equal(CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_NEITHER, FILE_ANY_ACCESS), 0x00222007);
    assert_int_equal(CTL_CODE(FILE_DEVICE_DISK, 0x1, METHOD_OUT_DIRECT, FILE_READ_ACCESS), 0x00074006);
    assert_int_equal(CTL_CODE(0x8022, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS), 0x80222000u);
    assert_int_equal(CTL_CODE(40000, 0x900, METHOD_IN_DIRECT, FILE_ANY_ACCESS), 0x9C402401u);
    assert_int_equal(CTL_CODE(0xFFFF, 0xFFF, METHOD_NEITHER, FILE_READ_ACCESS | FILE_WRITE_ACCESS), 0xFFFFFFFFu);
    ULONG code = CTL_CODE(0x8022, 0x801, METHOD_NEITHER, FILE_WRITE_ACCESS);
    assert_int_equal(DEVICE_TYPE_FROM_CTL_CODE(code), 0x8022);
    assert_int_equal(METHOD_FROM_CTL_CODE(code), METHOD_NEITHER);
    /* A CTL_CODE with a device type >= 0x8000 is an unsigned constant expression. */
    switch (code) {
    case CTL_CODE(0x8022, 0x801, METHOD_NEITHER, FILE_WRITE_ACCESS):
        break;
    default:
        fail();
    }
}

static void constants_match_wdk(void **state)
{
    (void)state;
    assert_int_equal(IRP_MJ_CREATE, 0);
    assert_int_equal(IRP_MJ_READ, 3);
    assert_int_equal(IRP_MJ_DEVICE_CONTROL, 0x0e);
    assert_int_equal(IRP_MJ_CLEANUP, 0x12);
    assert_int_equal(IRP_MJ_PNP, 0x1b);
    assert_int_equal(IRP_MJ_MAXIMUM_FUNCTION, 0x1b);
    assert_int_equal(IO_TYPE_DRIVER, 4);
    assert_int_equal(IO_TYPE_DEVICE, 3);
    assert_int_equal(IO_TYPE_IRP, 6);
    assert_int_equal(DO_BUFFERED_IO, 0x4);
    assert_int_equal(DO_DIRECT_IO, 0x10);
    assert_int_equal(DO_DEVICE_INITIALIZING, 0x80);
    assert_int_equal(SL_PENDING_RETURNED, 0x01);
    assert_int_equal(SL_INVOKE_ON_CANCEL, 0x20);
    assert_int_equal(SL_INVOKE_ON_SUCCESS, 0x40);
    assert_int_equal(SL_INVOKE_ON_ERROR, 0x80);
    assert_int_equal(IRP_BUFFERED_IO, 0x10);
    assert_int_equal(IRP_DEALLOCATE_BUFFER, 0x20);
    assert_int_equal(IRP_INPUT_OPERATION, 0x40);
    assert_int_equal(FO_SYNCHRONOUS_IO, 0x2);
    assert_int_equal(STATUS_PENDING, 0x103);
    assert_int_equal((ULONG)STATUS_MORE_PROCESSING_REQUIRED, 0xC0000016u);
    assert_int_equal(STATUS_CONTINUE_COMPLETION, STATUS_SUCCESS);
    assert_true(NT_SUCCESS(STATUS_PENDING));
    assert_true(NT_WARNING(STATUS_BUFFER_OVERFLOW));
    assert_true(NT_ERROR(STATUS_BUFFER_TOO_SMALL));
    assert_false(NT_ERROR(STATUS_BUFFER_OVERFLOW));
}

static void list_helpers_behave_like_wdk(void **state)
{
    (void)state;
    LIST_ENTRY head, a, b, c;
    InitializeListHead(&head);
    assert_true(IsListEmpty(&head));
    InsertTailList(&head, &a);
    InsertTailList(&head, &b);
    InsertHeadList(&head, &c);
    assert_ptr_equal(head.Flink, &c);
    assert_ptr_equal(head.Blink, &b);
    assert_ptr_equal(RemoveHeadList(&head), &c);
    assert_ptr_equal(RemoveTailList(&head), &b);
    assert_true(RemoveEntryList(&a));
    assert_true(IsListEmpty(&head));
    SINGLE_LIST_ENTRY sh = {NULL}, s1, s2;
    PushEntryList(&sh, &s1);
    PushEntryList(&sh, &s2);
    assert_ptr_equal(PopEntryList(&sh), &s2);
    assert_ptr_equal(PopEntryList(&sh), &s1);
    assert_null(PopEntryList(&sh));
}

static void interlocked_return_values_match_wdk(void **state)
{
    (void)state;
    volatile LONG v = 5;
    assert_int_equal(InterlockedIncrement(&v), 6);
    assert_int_equal(InterlockedDecrement(&v), 5);
    assert_int_equal(InterlockedExchange(&v, 9), 5);
    assert_int_equal(InterlockedExchangeAdd(&v, 2), 9);
    assert_int_equal(InterlockedAdd(&v, 2), 13);
    assert_int_equal(InterlockedCompareExchange(&v, 1, 13), 13);
    assert_int_equal(v, 1);
    assert_int_equal(InterlockedCompareExchange(&v, 7, 13), 1);
    long long total = 0;
    assert_int_equal(InterlockedAdd64(&total, 40), 40);
    PVOID p = NULL;
    assert_null(InterlockedCompareExchangePointer(&p, &total, NULL));
    assert_ptr_equal(p, &total);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(basic_types_have_wdk_sizes),
        cmocka_unit_test(wide_literals_are_utf16),
        cmocka_unit_test(dispatcher_objects_have_wdk_sizes),
        cmocka_unit_test(irp_layout_matches_x64_wdk),
        cmocka_unit_test(stack_location_layout_matches_x64_wdk),
        cmocka_unit_test(objects_layout_matches_x64_wdk),
        cmocka_unit_test(ctl_code_values_match_wdk),
        cmocka_unit_test(constants_match_wdk),
        cmocka_unit_test(list_helpers_behave_like_wdk),
        cmocka_unit_test(interlocked_return_values_match_wdk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
