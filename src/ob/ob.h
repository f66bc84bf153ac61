/* ob/ob.h: the object manager: reference-counted object headers in front of every kernel
 * object wdmemu allocates (drivers, devices, files, symbolic links, directories), the registry
 * of live objects that lets a DDI tell a real object from a stray pointer, and the object
 * namespace (\Device, \Driver, \??, symbolic links, case-insensitive lookup). */
#ifndef WDMEMU_OB_OB_H
#define WDMEMU_OB_OB_H

#include <wdm.h>

#include "platform/platform.h"

typedef enum ob_type {
    OB_TYPE_NONE = 0,
    OB_TYPE_DIRECTORY,
    OB_TYPE_SYMLINK,
    OB_TYPE_DEVICE,
    OB_TYPE_DRIVER,
    OB_TYPE_FILE,
    OB_TYPE_EVENT,   /* body is a KEVENT */
    OB_TYPE_THREAD,  /* body starts with the kernel's thread record */
    OB_TYPE_PROCESS,
    OB_TYPE_KEY,     /* registry key */
    OB_TYPE_COUNT
} ob_type;

/* Called when the last reference goes, before the memory is freed.  Runs without any object
 * manager lock held, so it may send IRPs (IRP_MJ_CLOSE) or release other objects. */
typedef void (*ob_delete_fn)(void *body);

/* Allocates a zeroed object body of body_size bytes (16-byte aligned) with one reference. */
void *ob_create(ob_type type, size_t body_size, ob_delete_fn on_delete);

/* The type of a live object, OB_TYPE_NONE for anything else (freed memory, stack addresses,
 * NULL).  Never dereferences body.  Asked several times per request, so the answer comes from
 * a per-thread cache of lookups that found a live object, valid while no object has left the
 * registry since (ob_generation); the cache hit is inlined here, the rest is ob_type_lookup. */
typedef struct ob_type_cached {
    const void *body;
    uint64_t generation;
    ob_type type;
} ob_type_cached;
#define OB_TYPE_CACHE_SETS 256 /* ob_type_slot gives 8 bits */
#define OB_TYPE_CACHE_WAYS 2    /* entries per set, most recently found first */
#define OB_TYPE_CACHE (OB_TYPE_CACHE_SETS * OB_TYPE_CACHE_WAYS)
extern PLAT_THREAD_LOCAL_HOT ob_type_cached *ob_type_cache;
extern uint64_t ob_generation; /* atomic */

ob_type ob_type_lookup(const void *body);

static inline size_t ob_type_slot(const void *body)
{
    return (size_t)((((uint64_t)(uintptr_t)body >> 4) * 0x9E3779B97F4A7C15ull) >> 56);
}

static inline ob_type ob_type_of(const void *body)
{
    ob_type_cached *cache = ob_type_cache;
    if (PLAT_LIKELY(cache != NULL && body != NULL)) {
        /* Two ways per set: the devices of a deep filter stack do not evict each other. */
        const ob_type_cached *set = &cache[ob_type_slot(body) * OB_TYPE_CACHE_WAYS];
        uint64_t generation = plat_atomic_load(&ob_generation, PLAT_ACQUIRE);
        if (set[0].body == body && set[0].generation == generation)
            return set[0].type;
        if (set[1].body == body && set[1].generation == generation)
            return set[1].type;
    }
    return ob_type_lookup(body);
}
/* Moves on whenever an object leaves the registry: an answer cached about an object (keyed by
 * its address) still holds while this has not changed. */
uint64_t ob_registry_generation(void);

LONG_PTR ob_reference(void *body);
LONG_PTR ob_dereference(void *body);
/* Drops a reference if it is not the last one (nothing is deleted): TRUE if it did. */
BOOLEAN ob_dereference_unless_last(void *body);
LONG_PTR ob_pointer_count(const void *body);

/* ---- namespace ---------------------------------------------------------------------------- */

/* Builds the standard directories (\, \Device, \Driver, \??, ...) and links (\DosDevices,
 * \GLOBAL??).  ob_shutdown frees every object that is still alive, without delete callbacks. */
void ob_init(void);
void ob_shutdown(void);

/* Gives body the name path (length in WCHARs), resolving the parent directory through symbolic
 * links.  STATUS_OBJECT_NAME_COLLISION, STATUS_OBJECT_NAME_INVALID,
 * STATUS_OBJECT_PATH_NOT_FOUND, STATUS_OBJECT_PATH_SYNTAX_BAD as Windows reports them. */
NTSTATUS ob_insert_name(void *body, const WCHAR *path, size_t length);

/* Removes body's name from the namespace (the object keeps its name for display). */
void ob_remove_name(void *body);

/* The object's full name ("\Device\Zero") in WCHARs, or NULL with *length 0 if unnamed. */
const WCHAR *ob_name(const void *body, size_t *length);
/* The name as UTF-8 into buffer; returns FALSE (and "") if the object has no name. */
BOOLEAN ob_name_utf8(const void *body, char *buffer, size_t size);

#define OB_LOOKUP_FOLLOW_LAST 0x0
#define OB_LOOKUP_NOFOLLOW_LAST 0x1 /* return a symbolic link itself when it is the last component */

typedef struct ob_lookup_result {
    void *object;        /* referenced; release with ob_dereference */
    WCHAR *remainder;    /* what followed the object's name ("\sub\path"), NULL if nothing */
    size_t remainder_length;
} ob_lookup_result;

/* Resolves path the way the object manager parses a name: case-insensitively, following
 * symbolic links (at most 32 reparses), stopping at the first object that is not a directory.
 * STATUS_OBJECT_NAME_NOT_FOUND when the last component is missing, STATUS_OBJECT_PATH_NOT_FOUND
 * when an earlier one is. */
NTSTATUS ob_lookup(const WCHAR *path, size_t length, ULONG flags, ob_lookup_result *result);
void ob_lookup_release(ob_lookup_result *result);

/* Symbolic links: target is copied. */
NTSTATUS ob_symlink_create(const WCHAR *name, size_t name_length, const WCHAR *target, size_t target_length,
                           void *owner, void **link);
const WCHAR *ob_symlink_target(const void *link, size_t *length);
void *ob_symlink_owner(const void *link);

/* Calls fn for every live object of the given type (under the lock: fn must not create or free
 * objects).  Order is creation order. */
void ob_for_each(ob_type type, void (*fn)(void *body, void *context), void *context);

/* ---- handles ---------------------------------------------------------------------------- */

/* Called when the last handle to an object is closed (file objects send IRP_MJ_CLEANUP). */
typedef void (*ob_last_handle_fn)(void *body);
void ob_set_last_handle_callback(void *body, ob_last_handle_fn fn);

/* Opens a kernel handle to object (taking a reference) with the granted access. */
NTSTATUS ob_handle_open(void *object, ACCESS_MASK granted, HANDLE *handle);

/* Looks a handle up: STATUS_INVALID_HANDLE, STATUS_OBJECT_TYPE_MISMATCH (type is not
 * OB_TYPE_NONE and differs), STATUS_ACCESS_DENIED (desired not within the granted access).
 * On success *object is referenced. */
NTSTATUS ob_handle_reference(HANDLE handle, ob_type type, ACCESS_MASK desired, void **object, ACCESS_MASK *granted);

/* Closes a handle: drops its reference, calls the last-handle callback when it was the last. */
NTSTATUS ob_handle_close(HANDLE handle);

/* Forgets every handle (wdmemu_shutdown). */
void ob_handles_shutdown(void);

/* The OBJECT_TYPE the DDK exports for an ob_type (for ObReferenceObjectByHandle), and back. */
POBJECT_TYPE ob_object_type(ob_type type);
ob_type ob_type_from_object_type(POBJECT_TYPE type);

/* Compares two WCHAR strings case-insensitively (the namespace's rules). */
BOOLEAN ob_equal_names(const WCHAR *a, size_t a_length, const WCHAR *b, size_t b_length);

#endif /* WDMEMU_OB_OB_H */
