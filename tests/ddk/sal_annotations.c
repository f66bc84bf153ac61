/*
 * Compile test for ddk/sal.h, ddk/driverspecs.h and ddk/specstrings.h.
 *
 * The body is shaped like a small WDM driver: annotated typedefs, structures,
 * prototypes, callback types, dispatch routines and statements. It has to
 * build warning-free as C (gnu11) and as C++ (c++17, via -x c++) with gcc and
 * clang, and pass x86_64-w64-mingw32-gcc -fsyntax-only. Nothing here checks
 * behaviour: if it compiles and main() returns 0, every annotation vanished.
 *
 *   cc -std=gnu11 -Wall -Wextra -Wpedantic -Werror -Iinclude/wdmemu/ddk
 *      tests/ddk/sal_annotations.c
 *   c++ -x c++ -std=c++17 -Wall -Wextra -Wpedantic -Werror -Iinclude/wdmemu/ddk
 *      tests/ddk/sal_annotations.c
 * Add -DWDMEMU_NO_SAL1 to check the build without the SAL 1 spellings.
 */

/*
 * A definition that exists before the headers are read: sal.h must keep it
 * and must not redefine it (a redefinition with a different parameter list
 * would be diagnosed, and -Werror turns that into a failure).
 */
#define _In_reads_(count)

#include <specstrings.h>
#include <sal.h>
#include <driverspecs.h>
#include <specstrings.h> /* second inclusion: the guards must make it a no-op */

/* The runtime headers are read after the annotations on purpose: none of the
 * names defined above may break them. */
#ifdef __cplusplus
#include <string>
#include <vector>
#include <map>
#include <algorithm>
#include <memory>
#include <functional>
#include <atomic>
#include <mutex>
#include <cstring>
#include <cstdio>
#include <cstddef>
#else
#include <string.h>
#include <stdio.h>
#include <setjmp.h>
#if !defined(__STDC_NO_ATOMICS__) /* the Microsoft compiler has <stdatomic.h> only on request */
#include <stdatomic.h>
#endif
#include <stddef.h>
#endif

/* ---- what the headers must and must not define -------------------------- */

#if !defined(_SAL_VERSION) || _SAL_VERSION < 20
#error "_SAL_VERSION should announce SAL 2"
#endif

#if defined(WDMEMU_NO_SAL1)
#if defined(__in_bcount) || defined(__drv_maxIRQL) || defined(__checkReturn)
#error "WDMEMU_NO_SAL1 must suppress the SAL 1 names"
#endif
#else
#if !defined(__in_bcount) || !defined(__drv_maxIRQL) || !defined(__checkReturn)
#error "SAL 1 names are missing"
#endif
#if defined(__cplusplus) && !defined(WDMEMU_SAL1_UNSAFE) && (defined(__in) || defined(__out))
#error "__in/__out collide with libstdc++ and must stay undefined in C++"
#endif
#if !defined(__cplusplus) && (!defined(__in) || !defined(__out))
#error "__in/__out should be available to C drivers"
#endif
#if !defined(WDMEMU_SAL1_UNSAFE) && defined(__reserved)
#error "__reserved must stay undefined unless explicitly requested"
#endif
#endif

#if defined(__null) || defined(__volatile)
#error "compiler keywords must never be redefined"
#endif

/* ---- local stand-ins for the DDK types (the real headers are elsewhere) --- */

typedef unsigned char UCHAR;
typedef unsigned short USHORT;
typedef unsigned long ULONG;
typedef long LONG;
typedef void VOID;
typedef void *PVOID;
typedef char CHAR;
typedef UCHAR KIRQL;
typedef KIRQL *PKIRQL;
typedef ULONG SIZE_T_;
typedef unsigned char BOOLEAN;

typedef _Return_type_success_(return >= 0) LONG NTSTATUS;

#define PASSIVE_LEVEL_ 0
#define APC_LEVEL_ 1
#define DISPATCH_LEVEL_ 2
#define STATUS_SUCCESS_ ((NTSTATUS)0)
#define STATUS_INVALID_PARAMETER_ ((NTSTATUS)0xC000000DL)
#define NT_SUCCESS_(s) ((NTSTATUS)(s) >= 0)

#define IRP_MJ_CREATE 0
#define IRP_MJ_CLOSE 2
#define IRP_MJ_READ 3
#define IRP_MJ_DEVICE_CONTROL 14

#define CONTAINING_RECORD(address, type, field) \
    ((type *)((char *)(address) - offsetof(type, field)))

typedef _Null_terminated_ CHAR *PSZ_;
typedef _NullNull_terminated_ const CHAR *PCZZSTR_;

typedef struct _KSPIN_LOCK_ {
    _Interlocked_ volatile ULONG Value;
} KSPIN_LOCK_, *PKSPIN_LOCK_;

typedef struct _UNICODE_STRING_ {
    USHORT Length;
    USHORT MaximumLength;
    _Field_size_bytes_part_opt_(MaximumLength, Length) unsigned short *Buffer;
} UNICODE_STRING_, *PUNICODE_STRING_;

typedef _Struct_size_bytes_(Size) struct _REQUEST_BLOCK_ {
    _Field_range_(sizeof(struct _REQUEST_BLOCK_), 4096) ULONG Size;
    _Field_z_ const CHAR *Name;
    _Field_size_bytes_(DataLength) UCHAR *Data;
    ULONG DataLength;
    _Field_size_(EntryCount) ULONG *Entries;
    _Field_size_part_(EntryCapacity, EntryCount) ULONG *Active;
    ULONG EntryCount;
    ULONG EntryCapacity;
} REQUEST_BLOCK_, *PREQUEST_BLOCK_;

typedef struct _DEVICE_EXTENSION_ {
    KSPIN_LOCK_ Lock;
    _Guarded_by_(Lock) ULONG OpenCount;
    _Write_guarded_by_(Lock) ULONG Generation;
    _Has_lock_kind_(_Lock_kind_spin_lock_) PVOID Spare;
    UNICODE_STRING_ Name;
} DEVICE_EXTENSION_, *PDEVICE_EXTENSION_;

typedef struct _DEVICE_OBJECT_ {
    PVOID DeviceExtension;
    ULONG Flags;
} DEVICE_OBJECT_, *PDEVICE_OBJECT_;

typedef struct _IRP_ {
    NTSTATUS Status;
    ULONG Information;
    _Field_size_bytes_opt_(Length) PVOID SystemBuffer;
    ULONG Length;
    UCHAR MajorFunction;
} IRP_, *PIRP_;

typedef struct _SAMPLE_CALLBACKS_ {
    _Field_range_(sizeof(struct _SAMPLE_CALLBACKS_), sizeof(struct _SAMPLE_CALLBACKS_)) ULONG Size;
    _IRQL_requires_max_(DISPATCH_LEVEL_) VOID (*Notify)(_In_opt_ PVOID Context, _In_ ULONG Event);
    _Must_inspect_result_ _Ret_range_(0, 1)
    LONG (*Probe)(_In_reads_bytes_opt_(Length) const VOID *Data, _In_ ULONG Length);
    _Interlocked_ LONG volatile Pending;
} SAMPLE_CALLBACKS_;

/* ---- callback types, WDM style ------------------------------------------ */

typedef
_Function_class_(DRIVER_DISPATCH_)
_IRQL_requires_max_(DISPATCH_LEVEL_)
_IRQL_requires_same_
NTSTATUS
DRIVER_DISPATCH_(
    _In_ PDEVICE_OBJECT_ DeviceObject,
    _Inout_ PIRP_ Irp);
typedef DRIVER_DISPATCH_ *PDRIVER_DISPATCH_;

typedef
_Function_class_(DRIVER_CANCEL_)
_Requires_lock_held_(_Global_cancel_spin_lock_)
_Releases_lock_(_Global_cancel_spin_lock_)
_IRQL_requires_min_(DISPATCH_LEVEL_)
_IRQL_requires_(DISPATCH_LEVEL_)
VOID
DRIVER_CANCEL_(
    _Inout_ PDEVICE_OBJECT_ DeviceObject,
    _Inout_ _IRQL_uses_cancel_ PIRP_ Irp);

typedef
_Function_class_(KDEFERRED_ROUTINE_)
_IRQL_requires_(DISPATCH_LEVEL_)
_IRQL_requires_same_
VOID
KDEFERRED_ROUTINE_(
    _In_ PVOID Dpc,
    _In_opt_ PVOID DeferredContext,
    _In_opt_ PVOID SystemArgument1,
    _In_opt_ PVOID SystemArgument2);

/* ---- prototypes ----------------------------------------------------------- */

_Dispatch_type_(IRP_MJ_CREATE)
_Dispatch_type_(IRP_MJ_CLOSE)
DRIVER_DISPATCH_ SampleCreateClose;

_Dispatch_type_(IRP_MJ_READ)
DRIVER_DISPATCH_ SampleRead;

_Dispatch_type_(IRP_MJ_DEVICE_CONTROL)
_IRQL_requires_max_(PASSIVE_LEVEL_)
NTSTATUS SampleDeviceControl(
    _In_ PDEVICE_OBJECT_ DeviceObject,
    _Inout_ PIRP_ Irp);

_IRQL_requires_max_(DISPATCH_LEVEL_)
_IRQL_raises_(DISPATCH_LEVEL_)
_IRQL_saves_
_Acquires_lock_(CONTAINING_RECORD(Extension, DEVICE_EXTENSION_, Lock)->Lock)
_Post_same_lock_(Extension->Lock, CONTAINING_RECORD(Extension, DEVICE_EXTENSION_, Lock)->Lock)
KIRQL SampleLockExtension(_Inout_ PDEVICE_EXTENSION_ Extension);

_IRQL_requires_(DISPATCH_LEVEL_)
_Requires_lock_held_(Extension->Lock)
_Releases_lock_(Extension->Lock)
VOID SampleUnlockExtension(
    _Inout_ PDEVICE_EXTENSION_ Extension,
    _In_ _IRQL_restores_ KIRQL OldIrql);

_Must_inspect_result_
_Success_(return >= 0)
_IRQL_requires_max_(APC_LEVEL_)
NTSTATUS SampleCopyName(
    _In_reads_bytes_(SourceBytes) const UCHAR *Source,
    _In_ ULONG SourceBytes,
    _Out_writes_bytes_to_(DestinationBytes, *Copied) UCHAR *Destination,
    _In_ ULONG DestinationBytes,
    _Out_ _Deref_out_range_(0, DestinationBytes) ULONG *Copied);

_Check_return_
_Ret_maybenull_
_Post_writable_byte_size_(Bytes)
_When_(Flags == 1, _Ret_notnull_)
_Kernel_requires_resource_not_held_(PoolLock)
PVOID SampleAllocate(
    _In_range_(1, 65536) SIZE_T_ Bytes,
    _In_ ULONG Flags);

_IRQL_requires_max_(DISPATCH_LEVEL_)
VOID SampleFree(_Frees_ptr_opt_ PVOID Block);

_Success_(return != 0)
BOOLEAN SampleLookup(
    _In_z_ const CHAR *Key,
    _Outptr_result_maybenull_ PVOID *Value,
    _Outptr_opt_result_buffer_(*Count) ULONG **Items,
    _Out_opt_ _Out_range_(0, 16) ULONG *Count);

_At_(Buffer, _Pre_notnull_ _Pre_writable_byte_size_(Length))
_At_(*Used, _Post_equal_to_(0))
_Ret_range_(0, Length)
ULONG SampleFill(
    _Inout_updates_(Length) UCHAR *Buffer,
    _In_ ULONG Length,
    _Out_ ULONG *Used);

int SampleLog(
    _In_ int Level,
    _In_ _Printf_format_string_ const char *Format,
    ...);

_Analysis_noreturn_
_Raises_SEH_exception_
VOID SampleBugCheck(_In_ ULONG Code);

_Kernel_float_saved_
_At_(*State, _Kernel_requires_resource_not_held_(FloatState) _Kernel_acquires_resource_(FloatState))
_Kernel_clear_do_init_(__no)
NTSTATUS SampleSaveFloat(_Out_ PVOID *State);

_Kernel_float_restored_
VOID SampleRestoreFloat(
    _In_ _Kernel_requires_resource_held_(FloatState) _Kernel_releases_resource_(FloatState)
    PVOID State);

_IRQL_requires_max_(PASSIVE_LEVEL_)
_When_(Wait != 0, _IRQL_requires_max_(APC_LEVEL_))
_When_(Wait == 0, _IRQL_requires_max_(DISPATCH_LEVEL_))
LONG SampleWait(_In_ BOOLEAN Wait, _In_opt_ _Points_to_data_ PVOID Object);

LONG SampleInterlockedIncrement(_Inout_ _Interlocked_operand_ LONG volatile *Addend);

_Kernel_entry_
_Maybe_raises_SEH_exception_
_Kernel_IoGetDmaAdapter_
_Kernel_float_used_
_IRQL_always_function_max_(DISPATCH_LEVEL_)
_IRQL_always_function_min_(PASSIVE_LEVEL_)
_IRQL_saves_global_(OldIrql, Device)
_When_(_Called_from_function_class_(DRIVER_DISPATCH_), _IRQL_requires_(PASSIVE_LEVEL_))
_Success_(return == 0)
NTSTATUS SampleQueryInformation(
    _In_ _Literal_ ULONG InfoClass,
    _In_ _Notliteral_ _Strict_type_match_ ULONG Kind,
    _Reserved_ PVOID Reserved,
    _In_ _Const_ const UCHAR *Table,
    _Pre_equal_to_(16) _Post_equal_to_(16) ULONG Sixteen,
    _Inout_ _Unchanged_(*Sticky) ULONG *Sticky,
    _Notref_ _Out_ ULONG *Plain,
    _COM_Outptr_ PVOID *Object,
    _COM_Outptr_opt_result_maybenull_ PVOID *OptionalObject,
    _Outptr_result_bytebuffer_(*Size) PVOID *View,
    _Out_ _Deref_out_range_(1, 4096) ULONG *Size,
    _Out_writes_(Capacity) _Post_count_(*Returned) ULONG *Values,
    _In_ ULONG Capacity,
    _Out_ _Out_range_(<=, Capacity) ULONG *Returned,
    _Pre_ _Notnull_ _Post_ _Valid_ _Writable_elements_(Capacity) ULONG *Scratch,
    _Pre_ _Readable_bytes_(8) _Post_ _Maybenull_ const UCHAR *Header,
    _Deref_pre_z_ _Deref_post_null_ const CHAR **Cursor,
    _Frees_ptr_ PVOID Retired,
    _In_reads_(Capacity) const ULONG *Seed,
    _Inout_updates_bytes_(Capacity) UCHAR *Bytes,
    _Out_writes_to_opt_(Capacity, *Returned) ULONG *Shadow,
    _When_(InfoClass == 1, _Out_) _When_(InfoClass != 1, _Out_opt_) ULONG *Depends,
    _At_(*Cursor, _Pre_notnull_)
    _At_buffer_(Values, Index, Capacity, _Post_satisfies_(Values[Index] != 0)) PVOID Unused);

_Ret_z_ const CHAR *SampleName(void);
_Ret_writes_bytes_maybenull_(Size) PVOID SampleView(_In_ SIZE_T_ Size);
_Ret_notnull_ _Post_satisfies_(return != 0)
PDEVICE_EXTENSION_ SampleExtension(_In_ PDEVICE_OBJECT_ Device);

#ifndef WDMEMU_NO_SAL1
/* SAL 1 spellings, as found in WDK 7 era drivers. Only names that are
 * defined in both languages are used here; __in/__out follow below. */
__drv_maxIRQL(DISPATCH_LEVEL_)
__drv_sameIRQL
__checkReturn
__success(return >= 0)
NTSTATUS SampleOldStyle(
    __in_bcount(Length) const UCHAR *Input,
    __out_bcount_part(Length, *Written) UCHAR *Output,
    __inout_opt PVOID Context,
    __deref_out_opt PVOID *Result,
    __drv_in(__drv_valueIs(>0)) ULONG Length,
    __out_opt ULONG *Written);

__drv_allocatesMem(Mem)
__drv_when(Flags == 0, __drv_reportError("Flags must be set"))
__drv_preferredFunction("SampleAllocate", "the newer allocator checks the size")
__bcount_opt(Bytes) PVOID SampleOldAllocate(__in_opt SIZE_T_ Bytes, __in_opt ULONG Flags);

__drv_releasesCancelSpinLock
__drv_at(Irql, __drv_restoresIRQL __drv_useCancelIRQL)
__drv_mustHold(CancelSpinLock)
VOID SampleOldReleaseCancel(__in_opt KIRQL Irql);

__drv_acquiresResource(ExResourceType)
__drv_neverHold(ExResourceType)
__drv_savesIRQLGlobal(OldIrql, Lock)
__drv_raisesIRQL(DISPATCH_LEVEL_)
__drv_setsIRQL(DISPATCH_LEVEL_)
__drv_when(__drv_holdsCancelSpinLock(), __drv_isCancelIRQL)
VOID SampleOldAcquire(__inout __drv_out(__drv_isObjectPointer) PKSPIN_LOCK_ Lock,
                      __out_ecount(1) __drv_out_deref(__drv_savesIRQL) PKIRQL OldIrql,
                      __in_opt __drv_strictTypeMatch(__drv_typeConst) ULONG Mode,
                      __in_opt __drv_strictType(KPROCESSOR_MODE, __drv_typeConst) ULONG Mode2,
                      __in_z __drv_formatString(printf) const CHAR *Format,
                      __in_opt __drv_aliasesMem PVOID Keep,
                      __in_opt __drv_freesMem(Mem) __drv_inTry PVOID Gone);

#if !defined(__cplusplus) || defined(WDMEMU_SAL1_UNSAFE)
/* The plain __in / __out forms: C only by default (libstdc++ uses the words). */
__drv_dispatchType(IRP_MJ_CREATE)
__drv_dispatchType_other
__drv_functionClass(DRIVER_DISPATCH_)
__drv_requiresIRQL(PASSIVE_LEVEL_)
NTSTATUS SampleOldDispatch(__in PDEVICE_OBJECT_ Device, __inout PIRP_ Irp);

VOID SampleOldQuery(__in ULONG Index, __out ULONG *Value, __deref __in_opt PVOID *Slot);
#endif
#endif /* !WDMEMU_NO_SAL1 */

/* ---- definitions ---------------------------------------------------------- */

static DEVICE_EXTENSION_ g_extension;
static DEVICE_OBJECT_ g_device = { &g_extension, 0 };
static UCHAR g_pool[256];
static _Guarded_by_(g_extension.Lock) ULONG g_requests;

_Use_decl_annotations_
KIRQL SampleLockExtension(PDEVICE_EXTENSION_ Extension)
{
    KIRQL old = PASSIVE_LEVEL_;
    _Analysis_assume_lock_acquired_(Extension->Lock);
    Extension->Lock.Value = 1;
    return old;
}

_Use_decl_annotations_
VOID SampleUnlockExtension(PDEVICE_EXTENSION_ Extension, KIRQL OldIrql)
{
    PDEVICE_EXTENSION_ self = CONTAINING_RECORD(&Extension->Lock, DEVICE_EXTENSION_, Lock);
    (void)OldIrql;
    self->Lock.Value = 0;
    _Analysis_assume_lock_released_(Extension->Lock);
}

_Use_decl_annotations_
NTSTATUS SampleCopyName(const UCHAR *Source, ULONG SourceBytes,
                        UCHAR *Destination, ULONG DestinationBytes,
                        ULONG *Copied)
{
    ULONG n = SourceBytes < DestinationBytes ? SourceBytes : DestinationBytes;
    _Analysis_assume_(Source != 0);
    _Analysis_assume_(Destination != 0 && Copied != 0);
    memcpy(Destination, Source, n);
    *Copied = n;
    return STATUS_SUCCESS_;
}

_Use_decl_annotations_
PVOID SampleAllocate(SIZE_T_ Bytes, ULONG Flags)
{
    (void)Flags;
    return Bytes <= sizeof(g_pool) ? (PVOID)g_pool : (PVOID)0;
}

_Use_decl_annotations_
VOID SampleFree(PVOID Block)
{
    (void)Block;
}

_Use_decl_annotations_
BOOLEAN SampleLookup(const CHAR *Key, PVOID *Value, ULONG **Items, ULONG *Count)
{
    *Value = (PVOID)0;
    if (Items != 0) {
        *Items = (ULONG *)0;
    }
    if (Count != 0) {
        *Count = 0;
    }
    return (BOOLEAN)(Key[0] != '\0');
}

_Use_decl_annotations_
ULONG SampleFill(UCHAR *Buffer, ULONG Length, ULONG *Used)
{
    ULONG i;
    _Analysis_assume_(Buffer != 0);
    for (i = 0; i < Length; ++i) {
        Buffer[i] = (UCHAR)i;
    }
    *Used = 0;
    return Length;
}

_Use_decl_annotations_
int SampleLog(int Level, const char *Format, ...)
{
    return Level + (Format != 0 ? 0 : 1);
}

_Use_decl_annotations_
LONG SampleWait(BOOLEAN Wait, PVOID Object)
{
    return (LONG)Wait + (Object != 0 ? 1 : 0);
}

_Use_decl_annotations_
LONG SampleInterlockedIncrement(LONG volatile *Addend)
{
    LONG next = *Addend + 1;
    *Addend = next;
    return next;
}

_Use_decl_annotations_
const CHAR *SampleName(void)
{
    return "sample";
}

_Use_decl_annotations_
PDEVICE_EXTENSION_ SampleExtension(PDEVICE_OBJECT_ Device)
{
    return (PDEVICE_EXTENSION_)Device->DeviceExtension;
}

_Use_decl_annotations_
NTSTATUS SampleCreateClose(PDEVICE_OBJECT_ DeviceObject, PIRP_ Irp)
{
    PDEVICE_EXTENSION_ ext = SampleExtension(DeviceObject);
    KIRQL irql;

    _Analysis_assume_(ext != 0);
    irql = SampleLockExtension(ext);
    switch (Irp->MajorFunction) {
    case IRP_MJ_CREATE:
        ext->OpenCount++;
        ext->Generation++;
#ifndef WDMEMU_NO_SAL1
        __fallthrough;
#else
        break;
#endif
    case IRP_MJ_CLOSE:
        g_requests++;
        break;
    default:
        break;
    }
    SampleUnlockExtension(ext, irql);

    Irp->Status = STATUS_SUCCESS_;
    Irp->Information = 0;
    return Irp->Status;
}

_Use_decl_annotations_
NTSTATUS SampleRead(PDEVICE_OBJECT_ DeviceObject, PIRP_ Irp)
{
    ULONG used = 0;
    (void)DeviceObject;
    if (Irp->SystemBuffer == 0) {
        return STATUS_INVALID_PARAMETER_;
    }
    Irp->Information = SampleFill((UCHAR *)Irp->SystemBuffer, Irp->Length, &used);
    return STATUS_SUCCESS_;
}

_Use_decl_annotations_
NTSTATUS SampleDeviceControl(PDEVICE_OBJECT_ DeviceObject, PIRP_ Irp)
{
    static const UCHAR name[] = { 's', 'a', 'l' };
    UCHAR out[8];
    ULONG copied = 0;
    NTSTATUS status;
    _Benign_race_begin_
    (void)DeviceObject;
    _Benign_race_end_

    status = SampleCopyName(name, (ULONG)sizeof(name), out, (ULONG)sizeof(out), &copied);
    if (!NT_SUCCESS_(status)) {
        return status;
    }
    Irp->Information = copied;
    return status;
}

#ifndef WDMEMU_NO_SAL1
#if !defined(__cplusplus) || defined(WDMEMU_SAL1_UNSAFE)
__drv_functionClass(DRIVER_DISPATCH_)
NTSTATUS SampleOldDispatch(__in PDEVICE_OBJECT_ Device, __inout PIRP_ Irp)
{
    __analysis_assume(Device != 0);
    (void)Device;
    return Irp->Status;
}
#endif

NTSTATUS SampleOldStyle(__in_bcount(Length) const UCHAR *Input,
                        __out_bcount_part(Length, *Written) UCHAR *Output,
                        __inout_opt PVOID Context,
                        __deref_out_opt PVOID *Result,
                        ULONG Length,
                        __out_opt ULONG *Written)
{
    __analysis_assume(Input != 0 && Output != 0);
    memcpy(Output, Input, Length);
    *Result = Context;
    if (Written != 0) {
        *Written = Length;
    }
    return STATUS_SUCCESS_;
}
#endif

/* A driver-entry-like routine touching the remaining positions: annotated
 * locals, annotated function pointers, annotated casts inside expressions. */
static _Ret_range_(==, 0) int SampleDriverEntry(_In_ PDEVICE_OBJECT_ Device)
{
    _Field_range_(0, 4) ULONG depth = 0;
    PDRIVER_DISPATCH_ table[IRP_MJ_DEVICE_CONTROL + 1];
    IRP_ irp;
    UCHAR buffer[16];
    ULONG i;
    PVOID block;
    _Null_terminated_ const CHAR *label = SampleName();
    _Notnull_ const CHAR *alias = label;

    for (i = 0; i <= IRP_MJ_DEVICE_CONTROL; ++i) {
        table[i] = (PDRIVER_DISPATCH_)0;
    }
    table[IRP_MJ_CREATE] = SampleCreateClose;
    table[IRP_MJ_CLOSE] = SampleCreateClose;
    table[IRP_MJ_READ] = SampleRead;
    table[IRP_MJ_DEVICE_CONTROL] = SampleDeviceControl;

    memset(&irp, 0, sizeof(irp));
    irp.MajorFunction = IRP_MJ_CREATE;
    irp.SystemBuffer = buffer;
    irp.Length = (ULONG)sizeof(buffer);
    for (i = 0; i <= IRP_MJ_DEVICE_CONTROL; ++i) {
        if (table[i] != 0) {
            irp.MajorFunction = (UCHAR)i;
            if (!NT_SUCCESS_(table[i](Device, &irp))) {
                return 1;
            }
        }
    }

    block = SampleAllocate(32, 1);
    _Analysis_assume_(block != 0);
    SampleFree(block);
    _Analysis_assume_nullterminated_(alias);
    (void)SampleLog(depth, "%s %lu\n", alias, (unsigned long)g_requests);
    (void)SampleWait(0, (PVOID)0);
    {
        LONG volatile counter = 0;
        (void)SampleInterlockedIncrement(&counter);
    }
    return irp.Status == STATUS_SUCCESS_ ? 0 : 1;
}

/* Touch a few runtime facilities so the late includes above are really used. */
#ifdef __cplusplus
static int SampleRuntime(void)
{
    std::vector<std::string> names{ "create", "close" };
    std::map<std::string, int> index;
    std::mutex guard;
    std::atomic<int> hits{ 0 };
    std::function<void(const std::string &)> add = [&](const std::string &n) {
        std::lock_guard<std::mutex> hold(guard);
        index[n] = ++hits;
    };
    std::for_each(names.begin(), names.end(), add);
    std::unique_ptr<int> one(new int(1));
    return static_cast<int>(index.size()) == 2 && *one == 1 ? 0 : 1;
}
#else
static int SampleRuntime(void)
{
    jmp_buf env;
    char text[8];
#if !defined(__STDC_NO_ATOMICS__)
    atomic_int hits;
    atomic_init(&hits, 0);
#else
    volatile int hits = 0;
#endif
    if (setjmp(env) != 0) {
        return 1;
    }
#if !defined(__STDC_NO_ATOMICS__)
    atomic_fetch_add(&hits, 1);
    snprintf(text, sizeof(text), "%d", atomic_load(&hits));
#else
    hits++;
    snprintf(text, sizeof(text), "%d", hits);
#endif
    return strcmp(text, "1") == 0 ? 0 : 1;
}
#endif

int main(void)
{
    g_extension.Name.Length = 0;
    g_extension.Name.MaximumLength = 0;
    g_extension.Name.Buffer = 0;
    if (SampleDriverEntry(&g_device) != 0) {
        return 1;
    }
    return SampleRuntime();
}
