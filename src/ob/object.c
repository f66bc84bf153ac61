/* ob/object.c: object headers, reference counts, the live-object registry and the namespace
 * (one hash table keyed by the upcased full name; directories are objects whose names are
 * prefixes of their members' names). */
#include "ob/ob.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The live-object registry is keyed by pointers, looked up on every reference, dereference and
 * IoCallDriver: a multiplicative hash of the address instead of uthash's Jenkins hash for
 * pointer-sized keys (names keep Jenkins). */
#define HASH_FUNCTION(keyptr, keylen, hashv)                                                              \
    do {                                                                                                  \
        if ((keylen) == sizeof(uintptr_t)) {                                                              \
            uintptr_t key_;                                                                               \
            memcpy(&key_, (keyptr), sizeof(key_));                                                        \
            (hashv) = (unsigned)(((uint64_t)(key_ >> 4) * 0x9E3779B97F4A7C15ull) >> 32);                  \
        } else {                                                                                          \
            HASH_JEN(keyptr, keylen, hashv);                                                              \
        }                                                                                                 \
    } while (0)
#include <uthash.h>

#include "platform/atomic.h"
#include "platform/platform.h"
#include "ke/ke.h"
#include "rtl/rtl.h"

#define OB_MAGIC 0x4F626A21u /* "Obj!" */
#define OB_MAX_REPARSE 32

typedef struct ob_header {
    uint32_t magic;
    ob_type type;
    volatile LONG_PTR pointer_count;
    ob_delete_fn on_delete;
    ob_last_handle_fn on_last_handle;
    volatile LONG_PTR handle_count;
    WCHAR *name;       /* full name as inserted, NULL if unnamed */
    WCHAR *key;        /* upcased name: the hash key */
    size_t name_length;
    BOOLEAN in_namespace;
    void *body;
    struct ob_header *prev, *next; /* creation order */
    UT_hash_handle hh_live;
    UT_hash_handle hh_name;
} ob_header;

typedef struct ob_symlink {
    WCHAR *target;
    size_t target_length;
    void *owner;
} ob_symlink;

#define OB_HEADER_SIZE ((sizeof(ob_header) + 15) & ~(size_t)15)

static plat_mutex ob_lock;
static plat_once_flag ob_once = PLAT_ONCE_INIT;
/* ob_live changes under ob_lock and ob_live_lock together; ob_type_of, the hot reader, takes
 * only the spin lock, other readers hold ob_lock. */
static plat_spinlock ob_live_lock;
static ob_header *ob_live;     /* by body pointer */

/* ob_type_of answers from a small per-thread cache of lookups that found a live object.  Such
 * an answer holds until some object leaves the registry: every removal moves ob_generation on,
 * which invalidates every cached entry at once.  A request that creates and frees no object
 * then checks its device and file objects without any atomic instruction.  The calling
 * thread's cache (OB_TYPE_CACHE entries on the heap, freed at thread exit) is reached through
 * an initial-exec thread-local: one instruction instead of a __tls_get_addr call. */
uint64_t ob_generation = 1;
PLAT_THREAD_LOCAL_HOT ob_type_cached *ob_type_cache;

static void ob_type_cache_release(void *cache)
{
    if (ob_type_cache == cache)
        ob_type_cache = NULL;
    free(cache);
}

static plat_thread_blocks ob_type_caches = PLAT_THREAD_BLOCKS(ob_type_cache_release);

/* NULL when the thread can have no cache (out of memory): lookups then go to the registry. */
static ob_type_cached *ob_type_cache_create(void)
{
    ob_type_cached *cache = plat_thread_block_create(&ob_type_caches, OB_TYPE_CACHE * sizeof(*cache));
    ob_type_cache = cache;
    return cache;
}

/* Caller holds ob_live_lock. */
static void ob_live_removed(void)
{
    plat_atomic_add_fetch(&ob_generation, 1, PLAT_RELEASE);
}
static ob_header *ob_names;    /* by key */
static ob_header *ob_first, *ob_last;
static void *ob_root;
static BOOLEAN ob_ready;

static size_t ob_wlen(const WCHAR *s)
{
    size_t n = 0;
    while (s[n] != 0)
        n++;
    return n;
}

static void ob_lock_init(void)
{
    plat_mutex_init_recursive(&ob_lock);
}

static inline ob_header *ob_header_of(const void *body)
{
    return (ob_header *)((char *)body - OB_HEADER_SIZE);
}

/* Looks body up in the registry; caller holds ob_lock or ob_live_lock. */
static ob_header *ob_find_live(const void *body)
{
    ob_header *h = NULL;
    if (body == NULL)
        return NULL;
    HASH_FIND(hh_live, ob_live, &body, sizeof(void *), h);
    return h;
}

void *ob_create(ob_type type, size_t body_size, ob_delete_fn on_delete)
{
    plat_once(&ob_once, ob_lock_init);
    char *block = calloc(1, OB_HEADER_SIZE + body_size);
    if (block == NULL)
        return NULL;
    ob_header *h = (ob_header *)block;
    h->magic = OB_MAGIC;
    h->type = type;
    h->pointer_count = 1;
    h->on_delete = on_delete;
    h->body = block + OB_HEADER_SIZE;
    plat_mutex_lock(&ob_lock);
    plat_spin_lock(&ob_live_lock);
    HASH_ADD(hh_live, ob_live, body, sizeof(void *), h);
    plat_spin_unlock(&ob_live_lock);
    h->prev = ob_last;
    if (ob_last != NULL)
        ob_last->next = h;
    else
        ob_first = h;
    ob_last = h;
    plat_mutex_unlock(&ob_lock);
    return h->body;
}

uint64_t ob_registry_generation(void)
{
    return plat_atomic_load(&ob_generation, PLAT_ACQUIRE);
}

/* ob_type_of's cache miss: the registry, and the answer cached when it found a live object. */
ob_type ob_type_lookup(const void *body)
{
    if (body == NULL)
        return OB_TYPE_NONE;
    ob_type_cached *cache = ob_type_cache;
    if (PLAT_UNLIKELY(cache == NULL))
        cache = ob_type_cache_create();
    ob_type_cached none[OB_TYPE_CACHE_WAYS] = {{0}};
    ob_type_cached *set = cache != NULL ? &cache[ob_type_slot(body) * OB_TYPE_CACHE_WAYS] : none;
    ob_type type = OB_TYPE_NONE;
    plat_spin_lock(&ob_live_lock);
    ob_header *h = ob_find_live(body);
    if (h != NULL) {
        type = h->type;
        set[1] = set[0]; /* the set's other entry makes way */
        set[0].body = body;
        set[0].generation = ob_generation;
        set[0].type = type;
    }
    plat_spin_unlock(&ob_live_lock);
    return type;
}

/* Reference counts change with interlocked operations, except while ke_runs_alone() says the
 * calling thread is the only one running (deterministic mode): then a plain increment or
 * decrement does, without the locked instruction (two to four per request). */
static inline LONG_PTR ob_count_add(volatile LONG_PTR *count, LONG_PTR n)
{
    if (PLAT_LIKELY(ke_runs_alone())) {
        LONG_PTR value = plat_atomic_load(count, PLAT_RELAXED) + n;
        plat_atomic_store(count, value, PLAT_RELAXED);
        return value;
    }
    return plat_atomic_add_fetch(count, n, PLAT_ACQ_REL);
}

LONG_PTR ob_reference(void *body)
{
    return ob_count_add(&ob_header_of(body)->pointer_count, 1);
}

BOOLEAN ob_dereference_unless_last(void *body)
{
    volatile LONG_PTR *count = &ob_header_of(body)->pointer_count;
    if (PLAT_LIKELY(ke_runs_alone())) {
        LONG_PTR value = plat_atomic_load(count, PLAT_RELAXED);
        if (value <= 1)
            return FALSE;
        plat_atomic_store(count, value - 1, PLAT_RELAXED);
        return TRUE;
    }
    LONG_PTR value = plat_atomic_load(count, PLAT_RELAXED);
    while (value > 1) {
        if (plat_atomic_cas(count, &value, value - 1, 0, PLAT_ACQ_REL, PLAT_RELAXED))
            return TRUE;
    }
    return FALSE;
}

LONG_PTR ob_pointer_count(const void *body)
{
    /* other threads change it with interlocked operations: read it atomically too */
    return plat_atomic_load(&ob_header_of(body)->pointer_count, PLAT_ACQUIRE);
}

static void ob_unlink_name(ob_header *h)
{
    if (h->in_namespace) {
        HASH_DELETE(hh_name, ob_names, h);
        h->in_namespace = FALSE;
    }
}

static void ob_free(ob_header *h)
{
    if (h->type == OB_TYPE_SYMLINK)
        free(((ob_symlink *)h->body)->target);
    free(h->name);
    free(h->key);
    h->magic = 0;
    free(h);
}

LONG_PTR ob_dereference(void *body)
{
    ob_header *h = ob_header_of(body);
    LONG_PTR count = ob_count_add(&h->pointer_count, -1);
    if (count != 0)
        return count;
    if (h->on_delete != NULL)
        h->on_delete(body);
    plat_mutex_lock(&ob_lock);
    ob_unlink_name(h);
    plat_spin_lock(&ob_live_lock);
    HASH_DELETE(hh_live, ob_live, h);
    ob_live_removed();
    plat_spin_unlock(&ob_live_lock);
    if (h->prev != NULL)
        h->prev->next = h->next;
    else
        ob_first = h->next;
    if (h->next != NULL)
        h->next->prev = h->prev;
    else
        ob_last = h->prev;
    plat_mutex_unlock(&ob_lock);
    ob_free(h);
    return 0;
}

/* ---- names ---------------------------------------------------------------------------------- */

static WCHAR *ob_upcase_copy(const WCHAR *s, size_t n)
{
    WCHAR *copy = malloc((n + 1) * sizeof(WCHAR));
    if (copy == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        copy[i] = rtl_upcase(s[i]);
    copy[n] = 0;
    return copy;
}

BOOLEAN ob_equal_names(const WCHAR *a, size_t a_length, const WCHAR *b, size_t b_length)
{
    if (a_length != b_length)
        return FALSE;
    for (size_t i = 0; i < a_length; i++) {
        if (rtl_upcase(a[i]) != rtl_upcase(b[i]))
            return FALSE;
    }
    return TRUE;
}

static ob_header *ob_find_key(const WCHAR *key, size_t length)
{
    ob_header *h = NULL;
    HASH_FIND(hh_name, ob_names, key, length * sizeof(WCHAR), h);
    return h;
}

/* Gives h the name (already validated, canonical) and enters it; caller holds ob_lock. */
static NTSTATUS ob_enter_name(ob_header *h, const WCHAR *name, size_t length)
{
    WCHAR *key = ob_upcase_copy(name, length);
    WCHAR *copy = malloc((length + 1) * sizeof(WCHAR));
    if (key == NULL || copy == NULL) {
        free(key);
        free(copy);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if (ob_find_key(key, length) != NULL) {
        free(key);
        free(copy);
        return STATUS_OBJECT_NAME_COLLISION;
    }
    memcpy(copy, name, length * sizeof(WCHAR));
    copy[length] = 0;
    free(h->name);
    free(h->key);
    h->name = copy;
    h->key = key;
    h->name_length = length;
    HASH_ADD_KEYPTR(hh_name, ob_names, h->key, length * sizeof(WCHAR), h);
    h->in_namespace = TRUE;
    return STATUS_SUCCESS;
}

/* Checks the syntax of an absolute object name. */
static NTSTATUS ob_check_syntax(const WCHAR *path, size_t length)
{
    if (path == NULL || length == 0)
        return STATUS_OBJECT_NAME_INVALID;
    if (path[0] != L'\\')
        return STATUS_OBJECT_PATH_SYNTAX_BAD;
    if (length == 1)
        return STATUS_SUCCESS;
    for (size_t i = 0; i < length; i++) {
        if (path[i] == L'\\' && (i + 1 == length || path[i + 1] == L'\\'))
            return STATUS_OBJECT_NAME_INVALID;
        if (path[i] == 0)
            return STATUS_OBJECT_NAME_INVALID;
    }
    return STATUS_SUCCESS;
}

NTSTATUS ob_lookup(const WCHAR *path, size_t length, ULONG flags, ob_lookup_result *result)
{
    memset(result, 0, sizeof(*result));
    NTSTATUS status = ob_check_syntax(path, length);
    if (!NT_SUCCESS(status))
        return status;

    WCHAR *work = malloc((length + 1) * sizeof(WCHAR));
    if (work == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    memcpy(work, path, length * sizeof(WCHAR));
    size_t n = length;
    WCHAR *upper = NULL;
    ob_header *found = NULL;
    size_t rest = 0;

    plat_mutex_lock(&ob_lock);
    for (int reparse = 0;; reparse++) {
        free(upper);
        upper = ob_upcase_copy(work, n);
        if (upper == NULL) {
            status = STATUS_INSUFFICIENT_RESOURCES;
            break;
        }
        if (reparse > OB_MAX_REPARSE) {
            status = STATUS_OBJECT_PATH_NOT_FOUND;
            break;
        }
        if (n == 1) {
            found = ob_header_of(ob_root);
            rest = n;
            status = STATUS_SUCCESS;
            break;
        }
        size_t end = 1;
        BOOLEAN restart = FALSE;
        for (;;) {
            while (end < n && work[end] != L'\\')
                end++;
            BOOLEAN last = end == n;
            ob_header *h = ob_find_key(upper, end);
            if (h == NULL) {
                status = last ? STATUS_OBJECT_NAME_NOT_FOUND : STATUS_OBJECT_PATH_NOT_FOUND;
                break;
            }
            if (h->type == OB_TYPE_SYMLINK && !(last && (flags & OB_LOOKUP_NOFOLLOW_LAST))) {
                ob_symlink *link = h->body;
                size_t tail = n - end;
                WCHAR *next = malloc((link->target_length + tail + 1) * sizeof(WCHAR));
                if (next == NULL) {
                    status = STATUS_INSUFFICIENT_RESOURCES;
                    break;
                }
                memcpy(next, link->target, link->target_length * sizeof(WCHAR));
                memcpy(next + link->target_length, work + end, tail * sizeof(WCHAR));
                free(work);
                work = next;
                n = link->target_length + tail;
                status = ob_check_syntax(work, n);
                restart = NT_SUCCESS(status);
                if (!restart && status == STATUS_OBJECT_PATH_SYNTAX_BAD)
                    status = STATUS_OBJECT_PATH_NOT_FOUND;
                break;
            }
            if (h->type == OB_TYPE_DIRECTORY && !last) {
                end++;
                continue;
            }
            found = h;
            rest = end;
            status = STATUS_SUCCESS;
            break;
        }
        if (!restart)
            break;
    }
    if (found != NULL) {
        result->object = found->body;
        ob_reference(found->body);
    }
    plat_mutex_unlock(&ob_lock);
    free(upper);

    if (found != NULL && rest < n) {
        result->remainder_length = n - rest;
        result->remainder = malloc((result->remainder_length + 1) * sizeof(WCHAR));
        if (result->remainder == NULL) {
            ob_dereference(result->object);
            result->object = NULL;
            status = STATUS_INSUFFICIENT_RESOURCES;
        } else {
            memcpy(result->remainder, work + rest, result->remainder_length * sizeof(WCHAR));
            result->remainder[result->remainder_length] = 0;
        }
    }
    free(work);
    return status;
}

void ob_lookup_release(ob_lookup_result *result)
{
    if (result->object != NULL)
        ob_dereference(result->object);
    free(result->remainder);
    memset(result, 0, sizeof(*result));
}

NTSTATUS ob_insert_name(void *body, const WCHAR *path, size_t length)
{
    NTSTATUS status = ob_check_syntax(path, length);
    if (!NT_SUCCESS(status))
        return status;
    if (length == 1)
        return STATUS_OBJECT_NAME_COLLISION; /* the root exists */
    size_t slash = length - 1;
    while (path[slash] != L'\\')
        slash--;
    const WCHAR *leaf = path + slash + 1;
    size_t leaf_length = length - slash - 1;

    /* Resolve the parent directory (through links: \DosDevices\X lands in \??). */
    ob_lookup_result parent;
    status = ob_lookup(path, slash == 0 ? 1 : slash, OB_LOOKUP_FOLLOW_LAST, &parent);
    if (status == STATUS_OBJECT_NAME_NOT_FOUND)
        status = STATUS_OBJECT_PATH_NOT_FOUND;
    if (!NT_SUCCESS(status))
        return status;
    if (ob_header_of(parent.object)->type != OB_TYPE_DIRECTORY || parent.remainder != NULL) {
        ob_lookup_release(&parent);
        return STATUS_OBJECT_PATH_NOT_FOUND;
    }
    ob_header *dir = ob_header_of(parent.object);
    size_t dir_length = dir->name_length == 1 ? 0 : dir->name_length;
    size_t full_length = dir_length + 1 + leaf_length;
    WCHAR *full = malloc((full_length + 1) * sizeof(WCHAR));
    if (full == NULL) {
        ob_lookup_release(&parent);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    memcpy(full, dir->name, dir_length * sizeof(WCHAR));
    full[dir_length] = L'\\';
    memcpy(full + dir_length + 1, leaf, leaf_length * sizeof(WCHAR));
    plat_mutex_lock(&ob_lock);
    status = ob_enter_name(ob_header_of(body), full, full_length);
    plat_mutex_unlock(&ob_lock);
    free(full);
    ob_lookup_release(&parent);
    return status;
}

void ob_remove_name(void *body)
{
    plat_mutex_lock(&ob_lock);
    ob_unlink_name(ob_header_of(body));
    plat_mutex_unlock(&ob_lock);
}

void ob_set_last_handle_callback(void *body, ob_last_handle_fn fn)
{
    ob_header_of(body)->on_last_handle = fn;
}

void ob_handle_counted(void *body, int delta)
{
    ob_header *h = ob_header_of(body);
    LONG_PTR count = InterlockedAdd64((LONG64 volatile *)&h->handle_count, delta);
    if (count == 0 && delta < 0 && h->on_last_handle != NULL)
        h->on_last_handle(body);
}

const WCHAR *ob_name(const void *body, size_t *length)
{
    const ob_header *h = ob_header_of(body);
    *length = h->name != NULL ? h->name_length : 0;
    return h->name;
}

BOOLEAN ob_name_utf8(const void *body, char *buffer, size_t size)
{
    size_t length;
    const WCHAR *name = ob_name(body, &length);
    if (size == 0)
        return FALSE;
    buffer[0] = '\0';
    if (name == NULL)
        return FALSE;
    ULONG written = 0;
    if (!NT_SUCCESS(RtlUnicodeToUTF8N(buffer, (ULONG)(size - 1), &written, name, (ULONG)(length * sizeof(WCHAR))))) {
        /* truncated: keep what fits */
    }
    if (written > size - 1)
        written = (ULONG)(size - 1);
    buffer[written] = '\0';
    return TRUE;
}

/* ---- symbolic links --------------------------------------------------------------------- */

NTSTATUS ob_symlink_create(const WCHAR *name, size_t name_length, const WCHAR *target, size_t target_length,
                           void *owner, void **link_out)
{
    *link_out = NULL;
    NTSTATUS status = ob_check_syntax(name, name_length);
    if (!NT_SUCCESS(status))
        return status;
    if (target == NULL || target_length == 0)
        return STATUS_OBJECT_NAME_INVALID;
    ob_symlink *link = ob_create(OB_TYPE_SYMLINK, sizeof(ob_symlink), NULL);
    if (link == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    link->target = malloc((target_length + 1) * sizeof(WCHAR));
    if (link->target == NULL) {
        ob_dereference(link);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    memcpy(link->target, target, target_length * sizeof(WCHAR));
    link->target[target_length] = 0;
    link->target_length = target_length;
    link->owner = owner;
    status = ob_insert_name(link, name, name_length);
    if (!NT_SUCCESS(status)) {
        ob_dereference(link);
        return status;
    }
    *link_out = link;
    return STATUS_SUCCESS;
}

const WCHAR *ob_symlink_target(const void *link, size_t *length)
{
    const ob_symlink *l = link;
    *length = l->target_length;
    return l->target;
}

void *ob_symlink_owner(const void *link)
{
    return ((const ob_symlink *)link)->owner;
}

void ob_for_each(ob_type type, void (*fn)(void *body, void *context), void *context)
{
    plat_once(&ob_once, ob_lock_init);
    plat_mutex_lock(&ob_lock);
    for (ob_header *h = ob_first; h != NULL; h = h->next) {
        if (h->type == type)
            fn(h->body, context);
    }
    plat_mutex_unlock(&ob_lock);
}

/* ---- the standard namespace ------------------------------------------------------------- */

static void ob_make_directory(const WCHAR *name)
{
    void *dir = ob_create(OB_TYPE_DIRECTORY, 16, NULL);
    if (dir == NULL)
        abort();
    plat_mutex_lock(&ob_lock);
    NTSTATUS status = ob_enter_name(ob_header_of(dir), name, ob_wlen(name));
    plat_mutex_unlock(&ob_lock);
    if (!NT_SUCCESS(status))
        abort();
    if (name[1] == 0)
        ob_root = dir;
}

static void ob_make_link(const WCHAR *name, const WCHAR *target)
{
    void *link;
    if (!NT_SUCCESS(ob_symlink_create(name, ob_wlen(name), target, ob_wlen(target), NULL, &link)))
        abort();
}

void ob_init(void)
{
    plat_once(&ob_once, ob_lock_init);
    plat_mutex_lock(&ob_lock);
    if (ob_ready) {
        plat_mutex_unlock(&ob_lock);
        return;
    }
    ob_ready = TRUE;
    static const WCHAR *const directories[] = {
        L"\\", L"\\Device", L"\\Driver", L"\\FileSystem", L"\\??", L"\\Callback",
        L"\\KernelObjects", L"\\BaseNamedObjects", L"\\ObjectTypes",
    };
    for (size_t i = 0; i < RTL_NUMBER_OF(directories); i++)
        ob_make_directory(directories[i]);
    ob_make_link(L"\\DosDevices", L"\\??");
    ob_make_link(L"\\GLOBAL??", L"\\??");
    plat_mutex_unlock(&ob_lock);
}

void ob_shutdown(void)
{
    plat_once(&ob_once, ob_lock_init);
    plat_mutex_lock(&ob_lock);
    plat_spin_lock(&ob_live_lock);
    HASH_CLEAR(hh_live, ob_live);
    ob_live_removed();
    plat_spin_unlock(&ob_live_lock);
    HASH_CLEAR(hh_name, ob_names);
    ob_header *h = ob_first;
    while (h != NULL) {
        ob_header *next = h->next;
        ob_free(h);
        h = next;
    }
    ob_first = ob_last = NULL;
    ob_root = NULL;
    ob_ready = FALSE;
    plat_mutex_unlock(&ob_lock);
}
