/* ntdef.h: the NT base types, calling-convention keywords, counted strings, list heads and the
 * small helper macros every other DDK header builds on.  Sized like the WDK on every target:
 * ULONG is 32-bit on LP64 Linux and LLP64 Windows alike, WCHAR is a 2-byte wchar_t. */
#ifndef WDMEMU_DDK_NTDEF_H
#define WDMEMU_DDK_NTDEF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sal.h"

#if !defined(_WIN32) && !defined(__SIZEOF_WCHAR_T__)
#error "wdmemu: cannot tell the size of wchar_t"
#endif
#if !defined(_WIN32) && __SIZEOF_WCHAR_T__ != 2
#error "wdmemu: driver code must be compiled with -fshort-wchar (take the flags from pkg-config wdmemu)"
#endif

/* ---- language glue ---------------------------------------------------------------------- */
#ifdef __cplusplus
#define EXTERN_C extern "C"
#define WDMEMU_BEGIN_DECLS extern "C" {
#define WDMEMU_END_DECLS }
#else
#define EXTERN_C extern
#define WDMEMU_BEGIN_DECLS
#define WDMEMU_END_DECLS
#endif

/* Compiler tests in these headers: __GNUC__ means gcc and clang in their GNU mode (clang defines
 * it); _MSC_VER without __GNUC__ means cl.exe and clang-cl, which take the Microsoft spellings.
 *
 * Anonymous structs and unions inside unions are part of the WDK layouts (LARGE_INTEGER.LowPart,
 * IRP.Tail.Overlay.CurrentStackLocation); __extension__ keeps -Wpedantic quiet about them. */
#if defined(__GNUC__)
#define WDMEMU_ANON __extension__
#else
#define WDMEMU_ANON
#endif
#define DUMMYSTRUCTNAME
#define DUMMYSTRUCTNAME2
#define DUMMYSTRUCTNAME3
#define DUMMYSTRUCTNAME4
#define DUMMYSTRUCTNAME5
#define DUMMYUNIONNAME
#define DUMMYUNIONNAME2
#define DUMMYUNIONNAME3
#define DUMMYUNIONNAME4
#define DUMMYUNIONNAME5

#if defined(_MSC_VER)
#define WDMEMU_ALIGN(n) __declspec(align(n))
#define WDMEMU_INLINE static __inline
#else
#define WDMEMU_ALIGN(n) __attribute__((aligned(n)))
#define WDMEMU_INLINE static inline __attribute__((unused))
#endif

/* Export/import marker for DDIs and host functions defined in libwdmemu. */
#if defined(_WIN32)
#if defined(WDMEMU_BUILDING_LIBRARY)
#define WDMEMU_API __declspec(dllexport)
#elif defined(WDMEMU_STATIC)
#define WDMEMU_API
#else
#define WDMEMU_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define WDMEMU_API __attribute__((visibility("default")))
#else
#define WDMEMU_API
#endif

/* Calling conventions are meaningless on x64 and on Linux: they compile away. */
#if !defined(_WIN32)
#ifndef __stdcall
#define __stdcall
#endif
#ifndef __cdecl
#define __cdecl
#endif
#ifndef __fastcall
#define __fastcall
#endif
#ifndef __declspec
#define __declspec(x)
#endif
#ifndef __forceinline
#define __forceinline inline __attribute__((always_inline))
#endif
#ifndef __inline
#define __inline inline
#endif
#ifndef __unaligned
#define __unaligned
#endif
#ifndef __ptr64
#define __ptr64
#endif
#ifndef __ptr32
#define __ptr32
#endif
#endif
#ifndef __unaligned
#define __unaligned
#endif

#define NTAPI __stdcall
#define NTAPI_INLINE NTAPI
#define WINAPI __stdcall
#define STDAPICALLTYPE __stdcall
#define FASTCALL __fastcall
#define FORCEINLINE WDMEMU_INLINE
#define NTSYSAPI WDMEMU_API
#define NTSYSCALLAPI WDMEMU_API
#define NTKERNELAPI WDMEMU_API
#define NTHALAPI WDMEMU_API
#define NTSTRSAFEDDI NTSYSAPI NTSTATUS NTAPI
#define DECLSPEC_IMPORT
#define DECLSPEC_EXPORT
#if defined(__GNUC__)
#define DECLSPEC_NORETURN __attribute__((noreturn))
#else
#define DECLSPEC_NORETURN __declspec(noreturn)
#endif
#define DECLSPEC_NOINLINE
#define DECLSPEC_DEPRECATED_DDK
#define DECLSPEC_DEPRECATED_DDK_WIN2K
#define DECLSPEC_ALIGN(x) WDMEMU_ALIGN(x)
#define DECLSPEC_CACHEALIGN WDMEMU_ALIGN(64)
#define DECLSPEC_NOTHROW
#define DECLSPEC_SELECTANY
#define DECLSPEC_GUARDNOCF
#define DECLSPEC_RESTRICT
#define DECLSPEC_ADDRSAFE
#define DECLSPEC_NOALIAS
#define NOP_FUNCTION (void)0
#define RESTRICTED_POINTER
#ifndef UNALIGNED
#define UNALIGNED
#endif
#ifndef UNALIGNED64
#define UNALIGNED64
#endif
#define CONST const
#define VOLATILE volatile
#define IN
#define OUT
#define OPTIONAL
#define CRITICAL
#define ANYSIZE_ARRAY 1
#define MEMORY_ALLOCATION_ALIGNMENT 16
#define SYSTEM_CACHE_ALIGNMENT_SIZE 64
#if defined(_WIN64) || defined(__LP64__) || defined(_LP64)
#define POINTER_ALIGNMENT DECLSPEC_ALIGN(8)
#else
#define POINTER_ALIGNMENT
#endif
#define ALLOC_PRAGMA_ADVISORY 0

/* Architecture macros a driver may also define itself (#define _AMD64_): only set if absent. */
#if defined(__x86_64__) || defined(_M_X64) || defined(_M_AMD64)
#ifndef _AMD64_
#define _AMD64_
#endif
#ifndef _WIN64
#define _WIN64
#define WDMEMU_DEFINED_WIN64 1
#endif
#elif defined(__aarch64__) || defined(_M_ARM64)
#ifndef _ARM64_
#define _ARM64_
#endif
#ifndef _WIN64
#define _WIN64
#define WDMEMU_DEFINED_WIN64 1
#endif
#endif

/* ---- base types ------------------------------------------------------------------------- */
typedef void VOID, *PVOID, *LPVOID;
typedef const void *PCVOID, *LPCVOID;
typedef char CHAR, *PCHAR, *PSTR, *LPSTR, *PSZ;
typedef const char *PCSTR, *LPCSTR, *PCSZ;
typedef unsigned char UCHAR, *PUCHAR, BYTE, *PBYTE, *LPBYTE;
typedef short SHORT, *PSHORT;
typedef unsigned short USHORT, *PUSHORT, WORD, *PWORD;
typedef int INT, *PINT;
typedef unsigned int UINT, *PUINT;
#if defined(_WIN32)
typedef long LONG, *PLONG;
typedef unsigned long ULONG, *PULONG, DWORD, *PDWORD;
#else
typedef int LONG, *PLONG;
typedef unsigned int ULONG, *PULONG, DWORD, *PDWORD;
#endif
typedef const ULONG *PCULONG;
typedef long long LONGLONG, *PLONGLONG, LONG64, *PLONG64, INT64, *PINT64, __wdmemu_int64;
typedef unsigned long long ULONGLONG, *PULONGLONG, ULONG64, *PULONG64, DWORD64, *PDWORD64,
    UINT64, *PUINT64, DWORDLONG, *PDWORDLONG;
typedef signed char INT8, *PINT8;
typedef unsigned char UINT8, *PUINT8;
typedef short INT16, *PINT16;
typedef unsigned short UINT16, *PUINT16;
typedef int INT32, *PINT32, LONG32, *PLONG32;
typedef unsigned int UINT32, *PUINT32, ULONG32, *PULONG32, DWORD32, *PDWORD32;
typedef float FLOAT, *PFLOAT;
typedef double DOUBLE;
typedef char CCHAR, *PCCHAR;
typedef short CSHORT, *PCSHORT;
typedef ULONG CLONG, *PCLONG;
typedef UCHAR BOOLEAN, *PBOOLEAN;
typedef int BOOL, *PBOOL;
typedef ULONG LOGICAL, *PLOGICAL;

typedef intptr_t LONG_PTR, *PLONG_PTR, INT_PTR, *PINT_PTR, SSIZE_T, *PSSIZE_T;
typedef uintptr_t ULONG_PTR, *PULONG_PTR, UINT_PTR, *PUINT_PTR, DWORD_PTR, *PDWORD_PTR;
typedef ULONG_PTR SIZE_T, *PSIZE_T;
typedef ULONG_PTR KAFFINITY, *PKAFFINITY;

typedef wchar_t WCHAR, *PWCHAR, *PWCH, *PWSTR, *LPWSTR, *NWPSTR, *PZZWSTR;
typedef const WCHAR *PCWCH, *PCWSTR, *LPCWSTR, *PCZZWSTR;
typedef CHAR *PCH, *PZZSTR;
typedef const CHAR *PCCH, *PCZZSTR;

typedef LONG NTSTATUS, *PNTSTATUS;
typedef void *HANDLE, **PHANDLE;
typedef ULONG ACCESS_MASK, *PACCESS_MASK;
typedef UCHAR KIRQL, *PKIRQL;
typedef CCHAR KPROCESSOR_MODE;
typedef LONG KPRIORITY;
typedef ULONG LCID, *PLCID;
typedef USHORT LANGID;
typedef ULONG EXECUTION_STATE;
typedef ULONG SECURITY_INFORMATION, *PSECURITY_INFORMATION;
typedef PVOID PSECURITY_DESCRIPTOR;
typedef PVOID PSID;
typedef ULONG_PTR ERESOURCE_THREAD, *PERESOURCE_THREAD;
typedef ULONG_PTR KSPIN_LOCK, *PKSPIN_LOCK;
typedef LONGLONG USN;
typedef ULONG DEVICE_TYPE;
typedef ULONG_PTR PFN_NUMBER, *PPFN_NUMBER;
typedef LONG_PTR SPFN_NUMBER;

#ifdef __cplusplus
#define WDMEMU_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define WDMEMU_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif
WDMEMU_STATIC_ASSERT(sizeof(ULONG) == 4, "ULONG must be 32 bits");
WDMEMU_STATIC_ASSERT(sizeof(WCHAR) == 2, "WCHAR must be 16 bits (-fshort-wchar)");
WDMEMU_STATIC_ASSERT(sizeof(ULONG_PTR) == sizeof(void *), "ULONG_PTR is pointer-sized");
WDMEMU_STATIC_ASSERT(sizeof(SIZE_T) == sizeof(size_t), "SIZE_T is size_t-sized");

#if defined(__GNUC__)
#define WDMEMU_UNUSED_TYPEDEF __attribute__((unused))
#else
#define WDMEMU_UNUSED_TYPEDEF
#endif
#define C_ASSERT(e) typedef char WDMEMU_CAT(__C_ASSERT__, __LINE__)[(e) ? 1 : -1] WDMEMU_UNUSED_TYPEDEF
#define WDMEMU_CAT_(a, b) a##b
#define WDMEMU_CAT(a, b) WDMEMU_CAT_(a, b)

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#ifndef NULL
#define NULL ((void *)0)
#endif

#define MINCHAR 0x80
#define MAXCHAR 0x7f
#define MINSHORT 0x8000
#define MAXSHORT 0x7fff
#define MINLONG 0x80000000
#define MAXLONG 0x7fffffff
#define MAXUCHAR 0xff
#define MAXUSHORT 0xffff
#define MAXULONG 0xffffffff
#define MAXLONGLONG (0x7fffffffffffffffLL)
#define MAXULONGLONG (0xffffffffffffffffULL)
#define MAXULONG_PTR (~((ULONG_PTR)0))
#define MAXLONG_PTR ((LONG_PTR)(MAXULONG_PTR >> 1))
#define MAXSIZE_T ((SIZE_T)~((SIZE_T)0))
#define MAXSSIZE_T ((SSIZE_T)(MAXSIZE_T >> 1))
#define MAXUINT32 ((UINT32)~((UINT32)0))
#define MAXINT32 ((INT32)(MAXUINT32 >> 1))
#define MAXUINT64 ((UINT64)~((UINT64)0))
#define MAXINT64 ((INT64)(MAXUINT64 >> 1))
#define MAXUINT ((UINT)~((UINT)0))
#define MAXINT ((INT)(MAXUINT >> 1))

/* ---- 64-bit integers --------------------------------------------------------------------- */
typedef union _LARGE_INTEGER {
    WDMEMU_ANON struct {
        ULONG LowPart;
        LONG HighPart;
    } DUMMYSTRUCTNAME;
    struct {
        ULONG LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
    WDMEMU_ANON struct {
        ULONG LowPart;
        ULONG HighPart;
    } DUMMYSTRUCTNAME;
    struct {
        ULONG LowPart;
        ULONG HighPart;
    } u;
    ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

typedef LARGE_INTEGER PHYSICAL_ADDRESS, *PPHYSICAL_ADDRESS;

typedef struct _LUID {
    ULONG LowPart;
    LONG HighPart;
} LUID, *PLUID;

#define Int32x32To64(a, b) ((LONGLONG)((LONG)(a)) * (LONGLONG)((LONG)(b)))
#define UInt32x32To64(a, b) ((ULONGLONG)((ULONG)(a)) * (ULONGLONG)((ULONG)(b)))
#define Int64ShllMod32(a, b) ((ULONGLONG)(a) << (b))
#define Int64ShraMod32(a, b) ((LONGLONG)(a) >> (b))
#define Int64ShrlMod32(a, b) ((ULONGLONG)(a) >> (b))

/* ---- status helpers ---------------------------------------------------------------------- */
#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)
#define NT_INFORMATION(Status) ((((ULONG)(Status)) >> 30) == 1)
#define NT_WARNING(Status) ((((ULONG)(Status)) >> 30) == 2)
#define NT_ERROR(Status) ((((ULONG)(Status)) >> 30) == 3)

#define APPLICATION_ERROR_MASK 0x20000000
#define ERROR_SEVERITY_SUCCESS 0x00000000
#define ERROR_SEVERITY_INFORMATIONAL 0x40000000
#define ERROR_SEVERITY_WARNING 0x80000000
#define ERROR_SEVERITY_ERROR 0xC0000000

/* ---- counted strings --------------------------------------------------------------------- */
typedef struct _UNICODE_STRING {
    USHORT Length;        /* bytes, without a terminating NUL */
    USHORT MaximumLength; /* bytes */
    PWCH Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
typedef const UNICODE_STRING *PCUNICODE_STRING;

typedef struct _STRING {
    USHORT Length;
    USHORT MaximumLength;
    PCHAR Buffer;
} STRING, *PSTRING, ANSI_STRING, *PANSI_STRING, OEM_STRING, *POEM_STRING;
typedef const STRING *PCANSI_STRING, *PCOEM_STRING;
typedef STRING CSTRING, *PCSTRING;
typedef STRING UTF8_STRING, *PUTF8_STRING;

#define UNICODE_NULL ((WCHAR)0)
#define ANSI_NULL ((CHAR)0)
#define UNICODE_STRING_MAX_BYTES ((USHORT)65534)
#define UNICODE_STRING_MAX_CHARS (32767)

#ifdef __cplusplus
/* In C++ a string literal is const; the WDK's RTL_CONSTANT_STRING casts the const away too. */
template <typename T> inline T *WdmemuRemoveConst(const T *p)
{
    return const_cast<T *>(p);
}
#define RTL_CONSTANT_STRING(s) \
    { (USHORT)(sizeof(s) - sizeof((s)[0])), (USHORT)sizeof(s), WdmemuRemoveConst(s) }
#else
#define RTL_CONSTANT_STRING(s) \
    { (USHORT)(sizeof(s) - sizeof((s)[0])), (USHORT)sizeof(s), (s) }
#endif
#define DECLARE_CONST_UNICODE_STRING(name, text) \
    const WCHAR name##_buffer[] = text;          \
    UNICODE_STRING const name = { sizeof(name##_buffer) - sizeof(WCHAR), sizeof(name##_buffer), (PWCH)name##_buffer }
#define DECLARE_UNICODE_STRING_SIZE(name, size) \
    WCHAR name##_buffer[size];                  \
    UNICODE_STRING name = { 0, (USHORT)((size) * sizeof(WCHAR)), name##_buffer }
#define DECLARE_GLOBAL_CONST_UNICODE_STRING(name, text) DECLARE_CONST_UNICODE_STRING(name, text)

/* ---- lists --------------------------------------------------------------------------------- */
typedef struct _LIST_ENTRY {
    struct _LIST_ENTRY *Flink;
    struct _LIST_ENTRY *Blink;
} LIST_ENTRY, *PLIST_ENTRY, *RESTRICTED_POINTER PRLIST_ENTRY;

typedef struct _SINGLE_LIST_ENTRY {
    struct _SINGLE_LIST_ENTRY *Next;
} SINGLE_LIST_ENTRY, *PSINGLE_LIST_ENTRY;

typedef struct LIST_ENTRY32 {
    ULONG Flink;
    ULONG Blink;
} LIST_ENTRY32, *PLIST_ENTRY32;

typedef struct LIST_ENTRY64 {
    ULONGLONG Flink;
    ULONGLONG Blink;
} LIST_ENTRY64, *PLIST_ENTRY64;

/* ---- structure helpers --------------------------------------------------------------------- */
#define FIELD_OFFSET(type, field) ((LONG)offsetof(type, field))
#define UFIELD_OFFSET(type, field) ((ULONG)offsetof(type, field))
#define RTL_FIELD_SIZE(type, field) (sizeof(((type *)0)->field))
#define RTL_SIZEOF_THROUGH_FIELD(type, field) (FIELD_OFFSET(type, field) + RTL_FIELD_SIZE(type, field))
#define RTL_CONTAINS_FIELD(Struct, Size, Field) \
    ((((PCHAR)(&(Struct)->Field)) + sizeof((Struct)->Field)) <= (((PCHAR)(Struct)) + (Size)))
#define RTL_NUMBER_OF_V1(A) (sizeof(A) / sizeof((A)[0]))
#define RTL_NUMBER_OF_V2(A) RTL_NUMBER_OF_V1(A)
#define RTL_NUMBER_OF(A) RTL_NUMBER_OF_V1(A)
#define ARRAYSIZE(A) RTL_NUMBER_OF_V2(A)
#define _ARRAYSIZE(A) RTL_NUMBER_OF_V1(A)
#define RTL_NUMBER_OF_FIELD(type, field) (RTL_NUMBER_OF(RTL_FIELD_TYPE(type, field)))
#define RTL_FIELD_TYPE(type, field) (((type *)0)->field)
#define RTL_PADDING_BETWEEN_FIELDS(T, F1, F2)                                             \
    ((FIELD_OFFSET(T, F2) > FIELD_OFFSET(T, F1))                                          \
         ? (FIELD_OFFSET(T, F2) - FIELD_OFFSET(T, F1) - RTL_FIELD_SIZE(T, F1))            \
         : (FIELD_OFFSET(T, F1) - FIELD_OFFSET(T, F2) - RTL_FIELD_SIZE(T, F2)))
#define CONTAINING_RECORD(address, type, field) \
    ((type *)((PCHAR)(address) - (ULONG_PTR)(&((type *)0)->field)))
#define ARGUMENT_PRESENT(ArgumentPointer) ((CHAR *)((ULONG_PTR)(ArgumentPointer)) != (CHAR *)NULL)
#define ALIGN_DOWN_BY(length, alignment) ((ULONG_PTR)(length) & ~((ULONG_PTR)(alignment) - 1))
#define ALIGN_UP_BY(length, alignment) (ALIGN_DOWN_BY(((ULONG_PTR)(length) + (alignment) - 1), alignment))
#define ALIGN_DOWN_POINTER_BY(address, alignment) ((PVOID)((ULONG_PTR)(address) & ~((ULONG_PTR)(alignment) - 1)))
#define ALIGN_UP_POINTER_BY(address, alignment) \
    (ALIGN_DOWN_POINTER_BY(((ULONG_PTR)(address) + (alignment) - 1), alignment))
#define ALIGN_DOWN(length, type) ALIGN_DOWN_BY(length, sizeof(type))
#define ALIGN_UP(length, type) ALIGN_UP_BY(length, sizeof(type))
#define ALIGN_DOWN_POINTER(address, type) ALIGN_DOWN_POINTER_BY(address, sizeof(type))
#define ALIGN_UP_POINTER(address, type) ALIGN_UP_POINTER_BY(address, sizeof(type))
#define POINTER_IS_ALIGNED(Pointer, Alignment) ((((ULONG_PTR)(Pointer)) & (((Alignment)) - 1)) == 0)
#define IS_ALIGNED(_pointer, _alignment) ((((ULONG_PTR)(_pointer)) & ((_alignment) - 1)) == 0)
#define FlagOn(_F, _SF) ((_F) & (_SF))
#define BooleanFlagOn(F, SF) ((BOOLEAN)(((F) & (SF)) != 0))
#define SetFlag(_F, _SF) ((_F) |= (_SF))
#define ClearFlag(_F, _SF) ((_F) &= ~(_SF))
#if !defined(NOMINMAX)
#ifndef min
#define min(a, b) (((a) < (b)) ? (a) : (b))
#endif
#ifndef max
#define max(a, b) (((a) > (b)) ? (a) : (b))
#endif
#endif
#define MAKELONG(a, b) ((LONG)(((USHORT)(((ULONG_PTR)(a)) & 0xffff)) | ((ULONG)((USHORT)(((ULONG_PTR)(b)) & 0xffff))) << 16))
#define LOWORD(l) ((USHORT)(((ULONG_PTR)(l)) & 0xffff))
#define HIWORD(l) ((USHORT)((((ULONG_PTR)(l)) >> 16) & 0xffff))
#define LOBYTE(w) ((UCHAR)(((ULONG_PTR)(w)) & 0xff))
#define HIBYTE(w) ((UCHAR)((((ULONG_PTR)(w)) >> 8) & 0xff))

#define UNREFERENCED_PARAMETER(P) ((void)(P))
#define DBG_UNREFERENCED_PARAMETER(P) ((void)(P))
#define DBG_UNREFERENCED_LOCAL_VARIABLE(V) ((void)(V))
#define UNREFERENCED_LOCAL_VARIABLE(V) ((void)(V))

#define PAGE_SIZE 0x1000
#define PAGE_SHIFT 12L
#define BYTE_OFFSET(Va) ((ULONG)((LONG_PTR)(Va) & (PAGE_SIZE - 1)))
#define PAGE_ALIGN(Va) ((PVOID)((ULONG_PTR)(Va) & ~((ULONG_PTR)PAGE_SIZE - 1)))
#define ROUND_TO_PAGES(Size) (((ULONG_PTR)(Size) + PAGE_SIZE - 1) & ~((ULONG_PTR)PAGE_SIZE - 1))
#define BYTES_TO_PAGES(Size) (((Size) >> PAGE_SHIFT) + (((Size) & (PAGE_SIZE - 1)) != 0))
#define ADDRESS_AND_SIZE_TO_SPAN_PAGES(Va, Size) \
    ((BYTE_OFFSET(Va) + ((SIZE_T)(Size)) + (PAGE_SIZE - 1)) >> PAGE_SHIFT)
#define COMPUTE_PAGES_SPANNED(Va, Size) ADDRESS_AND_SIZE_TO_SPAN_PAGES(Va, Size)

/* ---- object attributes --------------------------------------------------------------------- */
typedef struct _OBJECT_ATTRIBUTES {
    ULONG Length;
    HANDLE RootDirectory;
    PUNICODE_STRING ObjectName;
    ULONG Attributes;
    PVOID SecurityDescriptor;
    PVOID SecurityQualityOfService;
} OBJECT_ATTRIBUTES, *POBJECT_ATTRIBUTES;
typedef const OBJECT_ATTRIBUTES *PCOBJECT_ATTRIBUTES;

#define OBJ_INHERIT 0x00000002L
#define OBJ_PERMANENT 0x00000010L
#define OBJ_EXCLUSIVE 0x00000020L
#define OBJ_CASE_INSENSITIVE 0x00000040L
#define OBJ_OPENIF 0x00000080L
#define OBJ_OPENLINK 0x00000100L
#define OBJ_KERNEL_HANDLE 0x00000200L
#define OBJ_FORCE_ACCESS_CHECK 0x00000400L
#define OBJ_IGNORE_IMPERSONATED_DEVICEMAP 0x00000800L
#define OBJ_DONT_REPARSE 0x00001000L
#define OBJ_VALID_ATTRIBUTES 0x00001FF2L

#define InitializeObjectAttributes(p, n, a, r, s) \
    do {                                          \
        (p)->Length = sizeof(OBJECT_ATTRIBUTES);  \
        (p)->RootDirectory = (r);                 \
        (p)->Attributes = (a);                    \
        (p)->ObjectName = (n);                    \
        (p)->SecurityDescriptor = (s);            \
        (p)->SecurityQualityOfService = NULL;     \
    } while (0)
#define RTL_CONSTANT_OBJECT_ATTRIBUTES(n, a) \
    { sizeof(OBJECT_ATTRIBUTES), NULL, RTL_CONST_CAST(PUNICODE_STRING)(n), a, NULL, NULL }
#define RTL_INIT_OBJECT_ATTRIBUTES(n, a) RTL_CONSTANT_OBJECT_ATTRIBUTES(n, a)
#define RTL_CONST_CAST(type) (type)

typedef struct _CLIENT_ID {
    HANDLE UniqueProcess;
    HANDLE UniqueThread;
} CLIENT_ID, *PCLIENT_ID;

typedef struct _GROUP_AFFINITY {
    KAFFINITY Mask;
    USHORT Group;
    USHORT Reserved[3];
} GROUP_AFFINITY, *PGROUP_AFFINITY;

typedef struct _PROCESSOR_NUMBER {
    USHORT Group;
    UCHAR Number;
    UCHAR Reserved;
} PROCESSOR_NUMBER, *PPROCESSOR_NUMBER;

typedef enum _EVENT_TYPE { NotificationEvent, SynchronizationEvent } EVENT_TYPE;
typedef enum _TIMER_TYPE { NotificationTimer, SynchronizationTimer } TIMER_TYPE;
typedef enum _WAIT_TYPE { WaitAll, WaitAny, WaitNotification, WaitDequeue, WaitDpc } WAIT_TYPE;
typedef enum _NT_PRODUCT_TYPE { NtProductWinNt = 1, NtProductLanManNt, NtProductServer } NT_PRODUCT_TYPE;

typedef struct _QUAD {
    union {
        LONGLONG UseThisFieldToCopy;
        double DoNotUseThisField;
    } u;
} QUAD, *PQUAD, UQUAD, *PUQUAD;

#endif /* WDMEMU_DDK_NTDEF_H */
