/* ob/handle.c: the kernel handle table (the System process's handles): opening, referencing by
 * handle with type and access checks (answered from a per-thread cache while no handle closes),
 * closing (ZwClose), and the object types drivers pass to ObReferenceObjectByHandle
 * (*ExEventObjectType, *PsThreadType, *IoFileObjectType ...). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "core/report.h"
#include "ob/ob.h"
#include "platform/atomic.h"
#include "platform/platform.h"

/* Maintained by object.c: handle counts and the last-handle callback. */
void ob_handle_counted(void *body, int delta);

struct _OBJECT_TYPE {
    ob_type type;
    const char *name;
};

static struct _OBJECT_TYPE ob_types[OB_TYPE_COUNT] = {
    [OB_TYPE_NONE] = {OB_TYPE_NONE, "(none)"},
    [OB_TYPE_DIRECTORY] = {OB_TYPE_DIRECTORY, "Directory"},
    [OB_TYPE_SYMLINK] = {OB_TYPE_SYMLINK, "SymbolicLink"},
    [OB_TYPE_DEVICE] = {OB_TYPE_DEVICE, "Device"},
    [OB_TYPE_DRIVER] = {OB_TYPE_DRIVER, "Driver"},
    [OB_TYPE_FILE] = {OB_TYPE_FILE, "File"},
    [OB_TYPE_EVENT] = {OB_TYPE_EVENT, "Event"},
    [OB_TYPE_THREAD] = {OB_TYPE_THREAD, "Thread"},
    [OB_TYPE_PROCESS] = {OB_TYPE_PROCESS, "Process"},
    [OB_TYPE_KEY] = {OB_TYPE_KEY, "Key"},
};

static POBJECT_TYPE ob_event_type = &ob_types[OB_TYPE_EVENT];
static POBJECT_TYPE ob_file_type = &ob_types[OB_TYPE_FILE];
static POBJECT_TYPE ob_device_type = &ob_types[OB_TYPE_DEVICE];
static POBJECT_TYPE ob_driver_type = &ob_types[OB_TYPE_DRIVER];
static POBJECT_TYPE ob_thread_type = &ob_types[OB_TYPE_THREAD];
static POBJECT_TYPE ob_process_type = &ob_types[OB_TYPE_PROCESS];

WDMEMU_API POBJECT_TYPE *ExEventObjectType = &ob_event_type;
WDMEMU_API POBJECT_TYPE *IoFileObjectType = &ob_file_type;
WDMEMU_API POBJECT_TYPE *IoDeviceObjectType = &ob_device_type;
WDMEMU_API POBJECT_TYPE *IoDriverObjectType = &ob_driver_type;
WDMEMU_API POBJECT_TYPE *PsThreadType = &ob_thread_type;
WDMEMU_API POBJECT_TYPE *PsProcessType = &ob_process_type;

POBJECT_TYPE ob_object_type(ob_type type)
{
    return (type > OB_TYPE_NONE && type < OB_TYPE_COUNT) ? &ob_types[type] : NULL;
}

ob_type ob_type_from_object_type(POBJECT_TYPE type)
{
    if (type >= &ob_types[0] && type < &ob_types[OB_TYPE_COUNT])
        return type->type;
    return OB_TYPE_COUNT; /* not one of ours */
}

typedef struct ob_handle_entry {
    ULONG_PTR value;
    void *object;
    ACCESS_MASK granted;
    UT_hash_handle hh;
} ob_handle_entry;

/* Kernel handles have the top bit set, as on Windows, and are multiples of four. */
#define OB_KERNEL_HANDLE_BIT ((ULONG_PTR)1 << (sizeof(ULONG_PTR) * 8 - 1))

static ob_handle_entry *ob_handles;
static ULONG_PTR ob_next_handle = 4;
static plat_mutex ob_handle_lock;
static plat_once_flag ob_handle_once = PLAT_ONCE_INIT;

/* ob_handle_reference answers from a small per-thread cache of the handles the thread looked up
 * last, without the table's lock.  An entry holds while no handle has been closed since it was
 * filled: every close (and ob_handles_shutdown, after which values are handed out again) moves
 * ob_handle_generation on under the lock, before it drops the handle's reference, which
 * invalidates every cached entry at once.  The cached reference is taken first and the
 * generation read again after it: unchanged, the handle was still open (and held the object)
 * when the reference was taken. */
#define OB_HANDLE_CACHE 4
typedef struct ob_handle_cached {
    ULONG_PTR value; /* 0: empty */
    void *object;
    ACCESS_MASK granted;
    ob_type type;
} ob_handle_cached;
typedef struct ob_handle_cache {
    uint64_t generation; /* ob_handle_generation when the entries were filled */
    ob_handle_cached entry[OB_HANDLE_CACHE];
} ob_handle_cache;
static uint64_t ob_handle_generation = 1; /* atomic; changed with ob_handle_lock held */
static PLAT_THREAD_LOCAL_HOT ob_handle_cache ob_handle_thread_cache;

static ob_handle_cached *ob_handle_slot(ob_handle_cache *cache, ULONG_PTR value)
{
    return &cache->entry[(value >> 2) & (OB_HANDLE_CACHE - 1)];
}

/* Lock held: a close makes every thread's cached entries stale. */
static void ob_handle_invalidate(void)
{
    plat_atomic_add_fetch(&ob_handle_generation, 1, PLAT_SEQ_CST);
}

static void ob_handle_lock_init(void)
{
    plat_mutex_init(&ob_handle_lock);
}

NTSTATUS ob_handle_open(void *object, ACCESS_MASK granted, HANDLE *handle)
{
    ob_handle_entry *entry = malloc(sizeof(*entry));
    if (entry == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    ob_reference(object);
    ob_handle_counted(object, 1);
    entry->object = object;
    entry->granted = granted;
    plat_once(&ob_handle_once, ob_handle_lock_init);
    plat_mutex_lock(&ob_handle_lock);
    entry->value = OB_KERNEL_HANDLE_BIT | ob_next_handle;
    ob_next_handle += 4;
    HASH_ADD(hh, ob_handles, value, sizeof(ULONG_PTR), entry);
    plat_mutex_unlock(&ob_handle_lock);
    *handle = (HANDLE)entry->value;
    return STATUS_SUCCESS;
}

NTSTATUS ob_handle_reference(HANDLE handle, ob_type type, ACCESS_MASK desired, void **object, ACCESS_MASK *granted)
{
    ULONG_PTR value = (ULONG_PTR)handle;
    *object = NULL;
    ob_handle_cache *cache = &ob_handle_thread_cache;
    uint64_t generation = plat_atomic_load(&ob_handle_generation, PLAT_SEQ_CST);
    ob_handle_cached *cached = ob_handle_slot(cache, value);
    if (PLAT_LIKELY(cache->generation == generation && cached->value == value && value != 0)) {
        if (type != OB_TYPE_NONE && cached->type != type)
            return STATUS_OBJECT_TYPE_MISMATCH;
        if ((desired & ~cached->granted & ~MAXIMUM_ALLOWED) != 0)
            return STATUS_ACCESS_DENIED;
        void *body = cached->object;
        ob_reference(body);
        if (PLAT_LIKELY(plat_atomic_load(&ob_handle_generation, PLAT_SEQ_CST) == generation)) {
            *object = body;
            if (granted != NULL)
                *granted = cached->granted;
            return STATUS_SUCCESS;
        }
        ob_dereference(body); /* a handle was closed meanwhile, maybe this one: ask the table */
    }

    ob_handle_entry *entry = NULL;
    NTSTATUS status = STATUS_SUCCESS;
    plat_once(&ob_handle_once, ob_handle_lock_init);
    plat_mutex_lock(&ob_handle_lock);
    HASH_FIND(hh, ob_handles, &value, sizeof(ULONG_PTR), entry);
    ob_type actual = entry != NULL ? ob_type_of(entry->object) : OB_TYPE_NONE;
    if (entry == NULL)
        status = STATUS_INVALID_HANDLE;
    else if (type != OB_TYPE_NONE && actual != type)
        status = STATUS_OBJECT_TYPE_MISMATCH;
    else if ((desired & ~entry->granted & ~MAXIMUM_ALLOWED) != 0)
        status = STATUS_ACCESS_DENIED;
    else {
        ob_reference(entry->object);
        *object = entry->object;
        if (granted != NULL)
            *granted = entry->granted;
    }
    if (entry != NULL) {
        generation = plat_atomic_load(&ob_handle_generation, PLAT_RELAXED); /* stable: lock held */
        if (cache->generation != generation) {
            memset(cache->entry, 0, sizeof(cache->entry));
            cache->generation = generation;
        }
        cached->value = value;
        cached->object = entry->object;
        cached->granted = entry->granted;
        cached->type = actual;
    }
    plat_mutex_unlock(&ob_handle_lock);
    return status;
}

NTSTATUS ob_handle_close(HANDLE handle)
{
    ULONG_PTR value = (ULONG_PTR)handle;
    ob_handle_entry *entry = NULL;
    plat_once(&ob_handle_once, ob_handle_lock_init);
    plat_mutex_lock(&ob_handle_lock);
    HASH_FIND(hh, ob_handles, &value, sizeof(ULONG_PTR), entry);
    if (entry != NULL) {
        HASH_DEL(ob_handles, entry);
        ob_handle_invalidate();
    }
    plat_mutex_unlock(&ob_handle_lock);
    if (entry == NULL)
        return STATUS_INVALID_HANDLE;
    void *object = entry->object;
    free(entry);
    ob_handle_counted(object, -1);
    ob_dereference(object);
    return STATUS_SUCCESS;
}

/* Closes every handle still open (wdmemu_shutdown, after objects were freed). */
void ob_handles_shutdown(void)
{
    ob_handle_entry *entry, *next;
    plat_once(&ob_handle_once, ob_handle_lock_init);
    plat_mutex_lock(&ob_handle_lock);
    HASH_ITER(hh, ob_handles, entry, next)
    {
        HASH_DEL(ob_handles, entry);
        free(entry);
    }
    ob_next_handle = 4;
    ob_handle_invalidate();
    plat_mutex_unlock(&ob_handle_lock);
}

/* ---- DDIs -------------------------------------------------------------------------------- */

NTSYSAPI NTSTATUS NTAPI ZwClose(HANDLE Handle)
{
    NTSTATUS status = ob_handle_close(Handle);
    if (status == STATUS_INVALID_HANDLE)
        rp_finding("INVALID_KERNEL_HANDLE", status, NULL, NULL,
                   "ZwClose(%p): not an open kernel handle (closed twice, or never opened)", Handle);
    return status;
}

NTKERNELAPI NTSTATUS NTAPI ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                                     KPROCESSOR_MODE AccessMode, PVOID *Object,
                                                     POBJECT_HANDLE_INFORMATION HandleInformation)
{
    ob_type type = OB_TYPE_NONE;
    (void)AccessMode;
    if (Object == NULL)
        return STATUS_INVALID_PARAMETER;
    *Object = NULL;
    if (ObjectType != NULL) {
        type = ob_type_from_object_type(ObjectType);
        if (type == OB_TYPE_COUNT)
            return STATUS_OBJECT_TYPE_MISMATCH;
    }
    ACCESS_MASK granted = 0;
    NTSTATUS status = ob_handle_reference(Handle, type, DesiredAccess, Object, &granted);
    if (NT_SUCCESS(status) && HandleInformation != NULL) {
        HandleInformation->GrantedAccess = granted;
        HandleInformation->HandleAttributes = 0;
    }
    return status;
}

NTKERNELAPI NTSTATUS NTAPI ObReferenceObjectByHandleWithTag(HANDLE Handle, ACCESS_MASK DesiredAccess,
                                                            POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode,
                                                            ULONG Tag, PVOID *Object,
                                                            POBJECT_HANDLE_INFORMATION HandleInformation)
{
    (void)Tag;
    return ObReferenceObjectByHandle(Handle, DesiredAccess, ObjectType, AccessMode, Object, HandleInformation);
}

NTKERNELAPI NTSTATUS NTAPI ObReferenceObjectByPointer(PVOID Object, ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                                      KPROCESSOR_MODE AccessMode)
{
    (void)DesiredAccess;
    (void)AccessMode;
    ob_type actual = ob_type_of(Object);
    if (actual == OB_TYPE_NONE)
        return STATUS_INVALID_PARAMETER;
    if (ObjectType != NULL && ob_type_from_object_type(ObjectType) != actual)
        return STATUS_OBJECT_TYPE_MISMATCH;
    ob_reference(Object);
    return STATUS_SUCCESS;
}
