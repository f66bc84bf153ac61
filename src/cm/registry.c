/* cm/registry.c: the configuration manager, as much of it as a driver needs to read (and
 * write) its configuration: an in-memory registry rooted at \Registry, the Zw*Key system
 * services on kernel handles, the Rtl registry helpers (RtlQueryRegistryValues and friends),
 * and the host API that lets a test set values up before a driver reads them.
 *
 * Model.  A tree of key nodes; names are compared case-insensitively and kept in the case
 * they were created with; subkeys are kept sorted (case-insensitively, as a hive keeps them)
 * and values in creation order.  The default value is the one with the empty name.  A handle
 * refers to an OB_TYPE_KEY object whose body points at the node; the node counts those
 * objects.  ZwDeleteKey unlinks the node at once (it disappears from lookups and enumeration)
 * but the node lives on, in a "limbo" list, until the last object referring to it goes; every
 * operation through such a handle fails with STATUS_KEY_DELETED.  One mutex guards it all;
 * driver callbacks (RtlQueryRegistryValues' QueryRoutine) run without it.
 *
 * At first use the tree holds \Registry, \Registry\MACHINE, \Registry\USER and the keys the
 * RTL_REGISTRY_ relative paths start from: MACHINE\SYSTEM\CurrentControlSet\{Services,
 * Control}, MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion, MACHINE\HARDWARE\DEVICEMAP
 * (volatile, as on Windows) and USER\.DEFAULT (RTL_REGISTRY_USER for a system thread).
 * CurrentControlSet is an ordinary key here, not a link to ControlSet001.  The hive roots
 * (\Registry, MACHINE, USER, SYSTEM, SOFTWARE, HARDWARE, .DEFAULT) cannot be deleted.
 *
 * REG_EXPAND_SZ expansion (RtlQueryRegistryValues without RTL_QUERY_REGISTRY_NOEXPAND) uses
 * the caller's Environment block when one is given, and otherwise knows exactly two variables
 * of the System process: %SystemRoot% = C:\Windows and %SystemDrive% = C:.  Unknown
 * references are left as written. */
#include <stdlib.h>
#include <string.h>

#include "cm/cm.h"
#include "core/report.h"
#include "ob/ob.h"
#include "platform/platform.h"
#include "rtl/rtl.h"

/* CreateOptions bits beyond the two obps.h spells. */
#define CM_OPTION_CREATE_LINK 0x00000002UL
#define CM_OPTION_BACKUP_RESTORE 0x00000004UL
#define CM_OPTION_OPEN_LINK 0x00000008UL
#define CM_OPTION_DONT_VIRTUALIZE 0x00000010UL
#define CM_KNOWN_OPTIONS                                                                                        \
    (REG_OPTION_VOLATILE | CM_OPTION_CREATE_LINK | CM_OPTION_BACKUP_RESTORE | CM_OPTION_OPEN_LINK |            \
     CM_OPTION_DONT_VIRTUALIZE)

/* Fixed parts of the information structures (the offset of their variable member). */
#define CM_VALUE_BASIC_FIXED 12U   /* KEY_VALUE_BASIC_INFORMATION.Name */
#define CM_VALUE_FULL_FIXED 20U    /* KEY_VALUE_FULL_INFORMATION.Name */
#define CM_VALUE_PARTIAL_FIXED 12U /* KEY_VALUE_PARTIAL_INFORMATION.Data */
#define CM_VALUE_PARTIAL64_FIXED 8U /* KEY_VALUE_PARTIAL_INFORMATION_ALIGN64: Type, DataLength, Data */
#define CM_KEY_BASIC_FIXED 16U     /* KEY_BASIC_INFORMATION.Name */
#define CM_KEY_NODE_FIXED 24U      /* KEY_NODE_INFORMATION.Name */
#define CM_KEY_FULL_FIXED 44U      /* KEY_FULL_INFORMATION.Class */

#define CM_ALIGN(x, a) (((x) + ((a)-1U)) & ~((a)-1U))

/* Keep every size comfortably inside a ULONG, offsets and headers included. */
#define CM_MAX_DATA (MAXULONG / 2)

typedef struct cm_value {
    struct cm_value *next;
    WCHAR *name;          /* original case, not terminated; NULL for the default value */
    ULONG name_length;    /* WCHARs */
    ULONG type;
    ULONG size;
    UCHAR *data;          /* NULL when size is 0 */
} cm_value;

typedef struct cm_node {
    struct cm_node *parent;   /* NULL for \Registry and for deleted keys */
    struct cm_node *children; /* subkeys, sorted case-insensitively */
    struct cm_node *next;     /* next sibling; the limbo list once deleted */
    cm_value *values;         /* creation order */
    WCHAR *name;
    ULONG name_length;
    WCHAR *class_name;        /* ZwCreateKey's Class, NULL if none */
    ULONG class_length;
    LONG refs;                /* key objects and temporary references */
    BOOLEAN deleted;
    BOOLEAN is_volatile;
    BOOLEAN hive_root;
    LONGLONG last_write;      /* 100 ns since 1601, host wall clock */
} cm_node;

/* The body of an OB_TYPE_KEY object. */
typedef struct cm_key {
    cm_node *node;
    ULONG generation; /* cm_generation when made: a key object never outlives its registry */
} cm_key;

static plat_mutex cm_lock;
static plat_once_flag cm_once = PLAT_ONCE_INIT;
static cm_node *cm_root;  /* \Registry */
static cm_node *cm_limbo; /* deleted keys still referred to */
static ULONG cm_generation;

static void cm_lock_init(void)
{
    plat_mutex_init(&cm_lock);
}

static void cm_enter(void)
{
    plat_once(&cm_once, cm_lock_init);
    plat_mutex_lock(&cm_lock);
}

static void cm_leave(void)
{
    plat_mutex_unlock(&cm_lock);
}

static LONGLONG cm_now(void)
{
    int64_t seconds;
    int32_t microseconds;
    if (plat_time_of_day(&seconds, &microseconds) != 0)
        return 0;
    return ((LONGLONG)seconds + 11644473600LL) * 10000000LL + (LONGLONG)microseconds * 10;
}

static void cm_check_irql(const char *ddi)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql > PASSIVE_LEVEL)
        rp_finding("IRQL_NOT_LESS_OR_EQUAL", STATUS_SUCCESS, NULL, NULL,
                   "%s called at IRQL %u; it must be called at PASSIVE_LEVEL", ddi, irql);
}

/* ---- strings ---------------------------------------------------------------------------- */

static ULONG cm_wcslen(const WCHAR *s)
{
    ULONG n = 0;
    while (s[n] != 0)
        n++;
    return n;
}

static ULONG cm_wcsnlen(const WCHAR *s, ULONG max)
{
    ULONG n = 0;
    while (n < max && s[n] != 0)
        n++;
    return n;
}

/* Case-insensitive order of two names (the order subkeys are kept in); 0 when equal. */
static int cm_compare(const WCHAR *a, ULONG a_length, const WCHAR *b, ULONG b_length)
{
    ULONG n = a_length < b_length ? a_length : b_length;
    for (ULONG i = 0; i < n; i++) {
        WCHAR ca = rtl_upcase(a[i]), cb = rtl_upcase(b[i]);
        if (ca != cb)
            return ca < cb ? -1 : 1;
    }
    if (a_length == b_length)
        return 0;
    return a_length < b_length ? -1 : 1;
}

static WCHAR *cm_wdup(const WCHAR *s, ULONG length)
{
    WCHAR *copy = malloc(((size_t)length + 1) * sizeof(WCHAR));
    if (copy == NULL)
        return NULL;
    if (length != 0)
        memcpy(copy, s, (size_t)length * sizeof(WCHAR));
    copy[length] = 0;
    return copy;
}

/* A copy of size bytes followed by two zero WCHARs, so that string data without its
 * terminator can still be scanned safely. */
static UCHAR *cm_padded_copy(const void *data, ULONG size)
{
    UCHAR *copy = calloc(1, (size_t)size + 2 * sizeof(WCHAR));
    if (copy != NULL && size != 0)
        memcpy(copy, data, size);
    return copy;
}

/* A growing WCHAR buffer for expansions. */
typedef struct cm_wbuf {
    WCHAR *data;
    ULONG length;
    ULONG capacity;
    BOOLEAN failed;
} cm_wbuf;

static void cm_wbuf_add(cm_wbuf *b, const WCHAR *s, ULONG n)
{
    if (b->failed)
        return;
    if ((size_t)b->length + n + 1 > b->capacity) {
        size_t capacity = b->capacity != 0 ? b->capacity : 64;
        while (capacity < (size_t)b->length + n + 1)
            capacity *= 2;
        WCHAR *grown = capacity <= MAXUSHORT ? realloc(b->data, capacity * sizeof(WCHAR)) : NULL;
        if (grown == NULL) {
            b->failed = TRUE;
            return;
        }
        b->data = grown;
        b->capacity = (ULONG)capacity;
    }
    if (n != 0)
        memcpy(b->data + b->length, s, (size_t)n * sizeof(WCHAR));
    b->length += n;
    b->data[b->length] = 0;
}

/* ---- nodes and values (all under cm_lock) ------------------------------------------------- */

static void cm_values_free(cm_value *v)
{
    while (v != NULL) {
        cm_value *next = v->next;
        free(v->name);
        free(v->data);
        free(v);
        v = next;
    }
}

static void cm_node_free(cm_node *n)
{
    cm_values_free(n->values);
    free(n->name);
    free(n->class_name);
    free(n);
}

static void cm_tree_free(cm_node *n)
{
    while (n != NULL) {
        cm_node *next = n->next;
        cm_tree_free(n->children);
        cm_node_free(n);
        n = next;
    }
}

static void cm_link_child(cm_node *parent, cm_node *child)
{
    cm_node **p = &parent->children;
    while (*p != NULL && cm_compare((*p)->name, (*p)->name_length, child->name, child->name_length) < 0)
        p = &(*p)->next;
    child->next = *p;
    *p = child;
    child->parent = parent;
}

static void cm_unlink_child(cm_node *child)
{
    cm_node **p = &child->parent->children;
    while (*p != child)
        p = &(*p)->next;
    *p = child->next;
    child->next = NULL;
    child->parent = NULL;
}

static cm_node *cm_find_child(const cm_node *parent, const WCHAR *name, ULONG length)
{
    for (cm_node *c = parent->children; c != NULL; c = c->next) {
        if (cm_compare(c->name, c->name_length, name, length) == 0)
            return c;
    }
    return NULL;
}

static cm_node *cm_node_new(cm_node *parent, const WCHAR *name, ULONG length, BOOLEAN is_volatile)
{
    cm_node *n = calloc(1, sizeof(*n));
    if (n == NULL)
        return NULL;
    n->name = cm_wdup(name, length);
    if (n->name == NULL) {
        free(n);
        return NULL;
    }
    n->name_length = length;
    n->is_volatile = is_volatile;
    n->last_write = cm_now();
    if (parent != NULL) {
        cm_link_child(parent, n);
        parent->last_write = n->last_write;
    }
    return n;
}

static void cm_release_locked(cm_node *n)
{
    if (n == NULL)
        return;
    if (--n->refs == 0 && n->deleted) {
        cm_node **p = &cm_limbo;
        while (*p != NULL && *p != n)
            p = &(*p)->next;
        if (*p == n)
            *p = n->next;
        cm_node_free(n);
    }
}

static void cm_release(cm_node *n)
{
    if (n == NULL)
        return;
    cm_enter();
    cm_release_locked(n);
    cm_leave();
}

/* Unlinks a key without live subkeys: it disappears from the tree at once and is freed when
 * nothing refers to it any more. */
static void cm_node_delete_locked(cm_node *n)
{
    cm_node *parent = n->parent;
    cm_unlink_child(n);
    parent->last_write = cm_now();
    n->deleted = TRUE;
    cm_values_free(n->values);
    n->values = NULL;
    if (n->refs == 0) {
        cm_node_free(n);
    } else {
        n->next = cm_limbo;
        cm_limbo = n;
    }
}

static void cm_delete_tree_locked(cm_node *n)
{
    while (n->children != NULL)
        cm_delete_tree_locked(n->children);
    cm_node_delete_locked(n);
}

static cm_value *cm_find_value(const cm_node *n, const WCHAR *name, ULONG length)
{
    for (cm_value *v = n->values; v != NULL; v = v->next) {
        if (cm_compare(v->name, v->name_length, name, length) == 0)
            return v;
    }
    return NULL;
}

static NTSTATUS cm_set_value_locked(cm_node *n, const WCHAR *name, ULONG name_length, ULONG type, const void *data,
                                    ULONG size)
{
    if (n->deleted)
        return STATUS_KEY_DELETED;
    if (size > CM_MAX_DATA)
        return STATUS_INSUFFICIENT_RESOURCES;
    UCHAR *copy = NULL;
    if (size != 0) {
        copy = malloc(size);
        if (copy == NULL)
            return STATUS_INSUFFICIENT_RESOURCES;
        memcpy(copy, data, size);
    }
    cm_value *v = cm_find_value(n, name, name_length);
    if (v == NULL) {
        v = calloc(1, sizeof(*v));
        WCHAR *stored = name_length != 0 ? cm_wdup(name, name_length) : NULL;
        if (v == NULL || (name_length != 0 && stored == NULL)) {
            free(v);
            free(stored);
            free(copy);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        v->name = stored;
        v->name_length = name_length;
        cm_value **tail = &n->values;
        while (*tail != NULL)
            tail = &(*tail)->next;
        *tail = v;
    } else {
        free(v->data);
    }
    v->type = type;
    v->size = size;
    v->data = copy;
    n->last_write = cm_now();
    return STATUS_SUCCESS;
}

static NTSTATUS cm_delete_value_locked(cm_node *n, const WCHAR *name, ULONG name_length)
{
    if (n->deleted)
        return STATUS_KEY_DELETED;
    for (cm_value **p = &n->values; *p != NULL; p = &(*p)->next) {
        cm_value *v = *p;
        if (cm_compare(v->name, v->name_length, name, name_length) == 0) {
            *p = v->next;
            v->next = NULL;
            cm_values_free(v);
            n->last_write = cm_now();
            return STATUS_SUCCESS;
        }
    }
    return STATUS_OBJECT_NAME_NOT_FOUND;
}

/* ---- paths ---------------------------------------------------------------------------------- */

typedef enum cm_create {
    CM_OPEN_ONLY,   /* every component must exist */
    CM_CREATE_LAST, /* ZwCreateKey: only the last component may be missing */
    CM_CREATE_ALL   /* the host: missing keys are created all the way down */
} cm_create;

typedef struct cm_walk {
    cm_create create;
    BOOLEAN is_volatile;      /* REG_OPTION_VOLATILE for a key the walk creates */
    ACCESS_MASK start_access; /* access to the start key: creating directly under it needs KEY_CREATE_SUB_KEY */
    const WCHAR *class_name;  /* class of a created key */
    ULONG class_length;
    BOOLEAN created;          /* out: the last component was created */
} cm_walk;

/* Walks a relative path ("a\b", an empty path is the start key itself, one trailing '\' is
 * allowed) from start. */
static NTSTATUS cm_walk_locked(cm_node *start, const WCHAR *path, ULONG length, cm_walk *walk, cm_node **result)
{
    *result = NULL;
    walk->created = FALSE;
    if (start->deleted)
        return STATUS_KEY_DELETED;
    if (length != 0 && path[length - 1] == L'\\')
        length--;
    for (ULONG i = 0; i < length; i++) {
        /* an empty component is a malformed name, whether or not the keys before it exist */
        if (path[i] == L'\\' && (i == 0 || path[i - 1] == L'\\' || i + 1 == length))
            return STATUS_OBJECT_NAME_INVALID;
    }
    cm_node *node = start;
    ULONG pos = 0;
    while (pos < length) {
        ULONG end = pos;
        while (end < length && path[end] != L'\\')
            end++;
        if (end == pos)
            return STATUS_OBJECT_NAME_INVALID;
        BOOLEAN last = end == length;
        cm_node *child = cm_find_child(node, path + pos, end - pos);
        if (child == NULL) {
            if (walk->create == CM_OPEN_ONLY || (walk->create == CM_CREATE_LAST && !last))
                return STATUS_OBJECT_NAME_NOT_FOUND;
            if (node == start && (walk->start_access & KEY_CREATE_SUB_KEY) == 0)
                return STATUS_ACCESS_DENIED;
            BOOLEAN is_volatile = walk->is_volatile;
            if (walk->create == CM_CREATE_ALL)
                is_volatile = (BOOLEAN)(is_volatile || node->is_volatile);
            else if (!is_volatile && node->is_volatile)
                return STATUS_CHILD_MUST_BE_VOLATILE;
            child = cm_node_new(node, path + pos, end - pos, is_volatile);
            if (child == NULL)
                return STATUS_INSUFFICIENT_RESOURCES;
            if (last && walk->class_length != 0) {
                child->class_name = cm_wdup(walk->class_name, walk->class_length);
                if (child->class_name != NULL)
                    child->class_length = walk->class_length;
            }
            if (last)
                walk->created = TRUE;
        }
        node = child;
        pos = end + 1;
    }
    *result = node;
    return STATUS_SUCCESS;
}

typedef struct cm_standard_key {
    const WCHAR *path; /* below \Registry */
    BOOLEAN hive_root;
    BOOLEAN is_volatile;
} cm_standard_key;

static const cm_standard_key cm_standard_keys[] = {
    {L"MACHINE", TRUE, FALSE},
    {L"USER", TRUE, FALSE},
    {L"MACHINE\\SYSTEM", TRUE, FALSE},
    {L"MACHINE\\SYSTEM\\CurrentControlSet", FALSE, FALSE},
    {L"MACHINE\\SYSTEM\\CurrentControlSet\\Control", FALSE, FALSE},
    {L"MACHINE\\SYSTEM\\CurrentControlSet\\Services", FALSE, FALSE},
    {L"MACHINE\\SOFTWARE", TRUE, FALSE},
    {L"MACHINE\\SOFTWARE\\Microsoft", FALSE, FALSE},
    {L"MACHINE\\SOFTWARE\\Microsoft\\Windows NT", FALSE, FALSE},
    {L"MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", FALSE, FALSE},
    {L"MACHINE\\HARDWARE", TRUE, TRUE},
    {L"MACHINE\\HARDWARE\\DEVICEMAP", FALSE, TRUE},
    {L"USER\\.DEFAULT", TRUE, FALSE},
};

/* \Registry with its standard keys, built at first use (NULL if memory ran out). */
static cm_node *cm_root_locked(void)
{
    if (cm_root != NULL)
        return cm_root;
    cm_node *root = cm_node_new(NULL, L"REGISTRY", 8, FALSE);
    if (root == NULL)
        return NULL;
    root->hive_root = TRUE;
    for (size_t i = 0; i < sizeof(cm_standard_keys) / sizeof(cm_standard_keys[0]); i++) {
        const cm_standard_key *k = &cm_standard_keys[i];
        cm_walk walk = {.create = CM_CREATE_LAST, .is_volatile = k->is_volatile, .start_access = KEY_ALL_ACCESS};
        cm_node *n;
        if (!NT_SUCCESS(cm_walk_locked(root, k->path, cm_wcslen(k->path), &walk, &n))) {
            cm_tree_free(root);
            return NULL;
        }
        n->hive_root = k->hive_root;
    }
    cm_root = root;
    return root;
}

/* Checks an absolute name and finds where the part below \Registry starts.  Names outside
 * \Registry are looked up in the object namespace: an object there is not a key
 * (STATUS_OBJECT_TYPE_MISMATCH), a missing one gives the namespace's own status. */
static NTSTATUS cm_split_absolute(const WCHAR *path, ULONG length, ULONG *rest)
{
    if (length == 0 || path[0] != L'\\')
        return STATUS_OBJECT_PATH_SYNTAX_BAD;
    ULONG end = 1;
    while (end < length && path[end] != L'\\')
        end++;
    if (end == 1)
        return length == 1 ? STATUS_OBJECT_TYPE_MISMATCH : STATUS_OBJECT_NAME_INVALID;
    if (cm_compare(path + 1, end - 1, L"REGISTRY", 8) == 0) {
        *rest = end < length ? end + 1 : length;
        return STATUS_SUCCESS;
    }
    ob_lookup_result found;
    NTSTATUS status = ob_lookup(path, length, OB_LOOKUP_FOLLOW_LAST, &found);
    if (NT_SUCCESS(status)) {
        ob_lookup_release(&found);
        return STATUS_OBJECT_TYPE_MISMATCH;
    }
    return status;
}

/* Resolves an absolute name to a referenced node. */
static NTSTATUS cm_open_absolute(const WCHAR *path, ULONG length, cm_walk *walk, cm_node **result)
{
    *result = NULL;
    ULONG rest = 0;
    NTSTATUS status = cm_split_absolute(path, length, &rest);
    if (!NT_SUCCESS(status))
        return status;
    walk->start_access = KEY_ALL_ACCESS;
    cm_enter();
    cm_node *root = cm_root_locked();
    if (root == NULL) {
        status = STATUS_INSUFFICIENT_RESOURCES;
    } else {
        status = cm_walk_locked(root, path + rest, length - rest, walk, result);
        if (NT_SUCCESS(status))
            (*result)->refs++;
    }
    cm_leave();
    return status;
}

/* ---- key objects and handles ------------------------------------------------------------ */

static void cm_key_delete(void *body)
{
    cm_key *key = body;
    cm_enter();
    if (key->node != NULL && key->generation == cm_generation)
        cm_release_locked(key->node);
    cm_leave();
}

/* The node behind a key object, or NULL with the status an operation on it returns. */
static cm_node *cm_key_node_locked(const cm_key *key, NTSTATUS *status)
{
    if (key->node == NULL || key->generation != cm_generation) {
        *status = STATUS_INVALID_HANDLE;
        return NULL;
    }
    if (key->node->deleted) {
        *status = STATUS_KEY_DELETED;
        return NULL;
    }
    *status = STATUS_SUCCESS;
    return key->node;
}

static NTSTATUS cm_reference_handle(HANDLE handle, ACCESS_MASK access, cm_key **key, ACCESS_MASK *granted)
{
    void *object = NULL;
    ACCESS_MASK g = 0;
    NTSTATUS status = ob_handle_reference(handle, OB_TYPE_KEY, access, &object, &g);
    *key = object;
    if (granted != NULL)
        *granted = g;
    return status;
}

/* The access a key handle gets for DesiredAccess: generic rights mapped to the key rights,
 * MAXIMUM_ALLOWED giving everything (kernel callers pass every security check). */
static ACCESS_MASK cm_map_access(ACCESS_MASK desired)
{
    ACCESS_MASK granted = desired & ~(ACCESS_MASK)(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL |
                                                   MAXIMUM_ALLOWED | KEY_WOW64_64KEY | KEY_WOW64_32KEY);
    if (desired & GENERIC_READ)
        granted |= KEY_READ;
    if (desired & GENERIC_WRITE)
        granted |= KEY_WRITE;
    if (desired & GENERIC_EXECUTE)
        granted |= KEY_EXECUTE;
    if (desired & (GENERIC_ALL | MAXIMUM_ALLOWED))
        granted |= KEY_ALL_ACCESS;
    return granted;
}

/* Makes a handle for a referenced node (the reference passes to the key object). */
static NTSTATUS cm_open_handle(cm_node *node, ACCESS_MASK granted, HANDLE *handle)
{
    cm_key *key = ob_create(OB_TYPE_KEY, sizeof(cm_key), cm_key_delete);
    if (key == NULL) {
        cm_release(node);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    cm_enter();
    key->node = node;
    key->generation = cm_generation;
    cm_leave();
    NTSTATUS status = ob_handle_open(key, granted, handle);
    ob_dereference(key); /* the handle holds the object now; on failure this frees it */
    if (!NT_SUCCESS(status))
        *handle = NULL;
    return status;
}

/* Resolves OBJECT_ATTRIBUTES (an absolute name, or RootDirectory plus a relative one) to a
 * referenced node. */
static NTSTATUS cm_open_attributes(POBJECT_ATTRIBUTES attributes, cm_walk *walk, cm_node **result)
{
    *result = NULL;
    if (attributes == NULL)
        return STATUS_ACCESS_VIOLATION;
    if (attributes->Length != sizeof(OBJECT_ATTRIBUTES))
        return STATUS_INVALID_PARAMETER;
    const WCHAR *name = NULL;
    ULONG length = 0;
    PUNICODE_STRING s = attributes->ObjectName;
    if (s != NULL) {
        if ((s->Length & 1) != 0 || s->Length > s->MaximumLength || (s->Buffer == NULL && s->Length != 0))
            return STATUS_OBJECT_NAME_INVALID;
        name = s->Buffer;
        length = s->Length / sizeof(WCHAR);
    }
    if (attributes->RootDirectory == NULL)
        return cm_open_absolute(name, length, walk, result);
    if (length != 0 && name[0] == L'\\')
        return STATUS_OBJECT_PATH_SYNTAX_BAD;
    cm_key *root;
    NTSTATUS status = cm_reference_handle(attributes->RootDirectory, 0, &root, &walk->start_access);
    if (!NT_SUCCESS(status))
        return status;
    cm_enter();
    cm_node *start = cm_key_node_locked(root, &status);
    if (start != NULL) {
        status = cm_walk_locked(start, name, length, walk, result);
        if (NT_SUCCESS(status))
            (*result)->refs++;
    }
    cm_leave();
    ob_dereference(root);
    return status;
}

/* ---- information classes ---------------------------------------------------------------- */

static void cm_store32(UCHAR *at, ULONG value)
{
    memcpy(at, &value, sizeof(value));
}

/* Copies as much of src as fits below length, starting at offset. */
static void cm_copy_part(UCHAR *buffer, ULONG length, ULONG offset, const void *src, ULONG size)
{
    if (offset >= length || size == 0)
        return;
    ULONG room = length - offset;
    memcpy(buffer + offset, src, size < room ? size : room);
}

static BOOLEAN cm_value_class_valid(KEY_VALUE_INFORMATION_CLASS c)
{
    return c == KeyValueBasicInformation || c == KeyValueFullInformation || c == KeyValuePartialInformation ||
           c == KeyValueFullInformationAlign64 || c == KeyValuePartialInformationAlign64;
}

/* Fills a KEY_VALUE_*_INFORMATION: the exact size needed goes to *result; the fixed part must
 * fit (else STATUS_BUFFER_TOO_SMALL, nothing written); a variable part that does not fit is
 * copied as far as it goes (STATUS_BUFFER_OVERFLOW).  KeyValueFullInformation puts the data
 * at a 4-byte aligned DataOffset (0xFFFFFFFF when there is no data); the Align64 classes need
 * an 8-byte aligned buffer and align the data to 8. */
static NTSTATUS cm_value_information(const cm_value *v, KEY_VALUE_INFORMATION_CLASS c, PVOID information,
                                     ULONG length, PULONG result)
{
    UCHAR *out = information;
    ULONG name_bytes = v->name_length * (ULONG)sizeof(WCHAR);
    ULONG fixed = 0, total = 0, data_offset = MAXULONG;
    switch (c) {
    case KeyValueBasicInformation:
        fixed = CM_VALUE_BASIC_FIXED;
        total = fixed + name_bytes;
        break;
    case KeyValueFullInformation:
    case KeyValueFullInformationAlign64:
        fixed = CM_VALUE_FULL_FIXED;
        if (v->size != 0) {
            data_offset = CM_ALIGN(fixed + name_bytes, c == KeyValueFullInformation ? 4U : 8U);
            total = data_offset + v->size;
        } else {
            total = fixed + name_bytes;
        }
        break;
    case KeyValuePartialInformation:
        fixed = CM_VALUE_PARTIAL_FIXED;
        total = fixed + v->size;
        break;
    case KeyValuePartialInformationAlign64:
        fixed = CM_VALUE_PARTIAL64_FIXED;
        total = fixed + v->size;
        break;
    default:
        return STATUS_INVALID_PARAMETER;
    }
    if ((c == KeyValueFullInformationAlign64 || c == KeyValuePartialInformationAlign64) &&
        ((ULONG_PTR)information & 7) != 0)
        return STATUS_DATATYPE_MISALIGNMENT;
    *result = total;
    if (length < fixed)
        return STATUS_BUFFER_TOO_SMALL;
    switch (c) {
    case KeyValueBasicInformation:
        cm_store32(out + 0, 0);
        cm_store32(out + 4, v->type);
        cm_store32(out + 8, name_bytes);
        cm_copy_part(out, length, fixed, v->name, name_bytes);
        break;
    case KeyValueFullInformation:
    case KeyValueFullInformationAlign64:
        cm_store32(out + 0, 0);
        cm_store32(out + 4, v->type);
        cm_store32(out + 8, data_offset);
        cm_store32(out + 12, v->size);
        cm_store32(out + 16, name_bytes);
        cm_copy_part(out, length, fixed, v->name, name_bytes);
        if (v->size != 0)
            cm_copy_part(out, length, data_offset, v->data, v->size);
        break;
    case KeyValuePartialInformation:
        cm_store32(out + 0, 0);
        cm_store32(out + 4, v->type);
        cm_store32(out + 8, v->size);
        cm_copy_part(out, length, fixed, v->data, v->size);
        break;
    default: /* KeyValuePartialInformationAlign64 */
        cm_store32(out + 0, v->type);
        cm_store32(out + 4, v->size);
        cm_copy_part(out, length, fixed, v->data, v->size);
        break;
    }
    return length < total ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

/* KEY_BASIC_INFORMATION, KEY_NODE_INFORMATION and KEY_FULL_INFORMATION for one key, with the
 * same size rules.  A key without a class has ClassOffset 0xFFFFFFFF. */
static NTSTATUS cm_key_information(const cm_node *n, KEY_INFORMATION_CLASS c, PVOID information, ULONG length,
                                   PULONG result)
{
    UCHAR *out = information;
    ULONG name_bytes = n->name_length * (ULONG)sizeof(WCHAR);
    ULONG class_bytes = n->class_length * (ULONG)sizeof(WCHAR);
    ULONG fixed, total;
    switch (c) {
    case KeyBasicInformation:
        fixed = CM_KEY_BASIC_FIXED;
        total = fixed + name_bytes;
        break;
    case KeyNodeInformation:
        fixed = CM_KEY_NODE_FIXED;
        total = fixed + name_bytes + class_bytes;
        break;
    case KeyFullInformation:
        fixed = CM_KEY_FULL_FIXED;
        total = fixed + class_bytes;
        break;
    default:
        return STATUS_INVALID_PARAMETER;
    }
    *result = total;
    if (length < fixed)
        return STATUS_BUFFER_TOO_SMALL;
    memcpy(out, &n->last_write, sizeof(n->last_write));
    cm_store32(out + 8, 0); /* TitleIndex */
    switch (c) {
    case KeyBasicInformation:
        cm_store32(out + 12, name_bytes);
        cm_copy_part(out, length, fixed, n->name, name_bytes);
        break;
    case KeyNodeInformation:
        cm_store32(out + 12, class_bytes != 0 ? fixed + name_bytes : MAXULONG);
        cm_store32(out + 16, class_bytes);
        cm_store32(out + 20, name_bytes);
        cm_copy_part(out, length, fixed, n->name, name_bytes);
        cm_copy_part(out, length, fixed + name_bytes, n->class_name, class_bytes);
        break;
    default: { /* KeyFullInformation */
        ULONG subkeys = 0, max_name = 0, max_class = 0, values = 0, max_value_name = 0, max_data = 0;
        for (const cm_node *k = n->children; k != NULL; k = k->next) {
            subkeys++;
            if (k->name_length * sizeof(WCHAR) > max_name)
                max_name = k->name_length * (ULONG)sizeof(WCHAR);
            if (k->class_length * sizeof(WCHAR) > max_class)
                max_class = k->class_length * (ULONG)sizeof(WCHAR);
        }
        for (const cm_value *v = n->values; v != NULL; v = v->next) {
            values++;
            if (v->name_length * sizeof(WCHAR) > max_value_name)
                max_value_name = v->name_length * (ULONG)sizeof(WCHAR);
            if (v->size > max_data)
                max_data = v->size;
        }
        cm_store32(out + 12, class_bytes != 0 ? fixed : MAXULONG);
        cm_store32(out + 16, class_bytes);
        cm_store32(out + 20, subkeys);
        cm_store32(out + 24, max_name);
        cm_store32(out + 28, max_class);
        cm_store32(out + 32, values);
        cm_store32(out + 36, max_value_name);
        cm_store32(out + 40, max_data);
        cm_copy_part(out, length, fixed, n->class_name, class_bytes);
        break;
    }
    }
    return length < total ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

/* A value name argument: NULL is the default value; an odd length is invalid. */
static NTSTATUS cm_value_name(PCUNICODE_STRING s, const WCHAR **name, ULONG *length)
{
    *name = NULL;
    *length = 0;
    if (s == NULL)
        return STATUS_SUCCESS;
    if ((s->Length & 1) != 0 || (s->Buffer == NULL && s->Length != 0))
        return STATUS_INVALID_PARAMETER;
    *name = s->Buffer;
    *length = s->Length / sizeof(WCHAR);
    return STATUS_SUCCESS;
}

/* ---- the Zw services -------------------------------------------------------------------- */

NTSYSAPI NTSTATUS NTAPI ZwOpenKey(PHANDLE KeyHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes)
{
    cm_check_irql("ZwOpenKey");
    if (KeyHandle == NULL)
        return STATUS_ACCESS_VIOLATION;
    *KeyHandle = NULL;
    cm_walk walk = {.create = CM_OPEN_ONLY};
    cm_node *node;
    NTSTATUS status = cm_open_attributes(ObjectAttributes, &walk, &node);
    if (!NT_SUCCESS(status))
        return status;
    ACCESS_MASK granted = cm_map_access(DesiredAccess);
    if (granted == 0) {
        cm_release(node);
        return STATUS_ACCESS_DENIED;
    }
    return cm_open_handle(node, granted, KeyHandle);
}

NTSYSAPI NTSTATUS NTAPI ZwCreateKey(PHANDLE KeyHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                                    ULONG TitleIndex, PUNICODE_STRING Class, ULONG CreateOptions, PULONG Disposition)
{
    (void)TitleIndex;
    cm_check_irql("ZwCreateKey");
    if (KeyHandle == NULL)
        return STATUS_ACCESS_VIOLATION;
    *KeyHandle = NULL;
    if ((CreateOptions & ~CM_KNOWN_OPTIONS) != 0)
        return STATUS_INVALID_PARAMETER;
    if (CreateOptions & CM_OPTION_CREATE_LINK)
        return rp_fail(STATUS_NOT_SUPPORTED, "ZwCreateKey: REG_OPTION_CREATE_LINK (registry links) is not emulated");
    cm_walk walk = {.create = CM_CREATE_LAST, .is_volatile = (CreateOptions & REG_OPTION_VOLATILE) != 0};
    if (Class != NULL && Class->Length != 0) {
        if ((Class->Length & 1) != 0 || Class->Buffer == NULL)
            return STATUS_INVALID_PARAMETER;
        walk.class_name = Class->Buffer;
        walk.class_length = Class->Length / sizeof(WCHAR);
    }
    ACCESS_MASK granted = cm_map_access(DesiredAccess);
    if (granted == 0)
        return STATUS_ACCESS_DENIED;
    cm_node *node;
    NTSTATUS status = cm_open_attributes(ObjectAttributes, &walk, &node);
    if (!NT_SUCCESS(status))
        return status;
    status = cm_open_handle(node, granted, KeyHandle);
    if (NT_SUCCESS(status) && Disposition != NULL)
        *Disposition = walk.created ? REG_CREATED_NEW_KEY : REG_OPENED_EXISTING_KEY;
    return status;
}

NTSYSAPI NTSTATUS NTAPI ZwQueryValueKey(HANDLE KeyHandle, PUNICODE_STRING ValueName,
                                        KEY_VALUE_INFORMATION_CLASS KeyValueInformationClass, PVOID KeyValueInformation,
                                        ULONG Length, PULONG ResultLength)
{
    cm_check_irql("ZwQueryValueKey");
    if (ResultLength == NULL || (KeyValueInformation == NULL && Length != 0))
        return STATUS_ACCESS_VIOLATION;
    cm_key *key;
    NTSTATUS status = cm_reference_handle(KeyHandle, KEY_QUERY_VALUE, &key, NULL);
    if (!NT_SUCCESS(status))
        return status;
    const WCHAR *name = NULL;
    ULONG name_length = 0;
    if (!cm_value_class_valid(KeyValueInformationClass))
        status = STATUS_INVALID_PARAMETER;
    else
        status = cm_value_name(ValueName, &name, &name_length);
    if (NT_SUCCESS(status)) {
        cm_enter();
        cm_node *node = cm_key_node_locked(key, &status);
        if (node != NULL) {
            const cm_value *v = cm_find_value(node, name, name_length);
            if (v == NULL)
                status = STATUS_OBJECT_NAME_NOT_FOUND;
            else
                status = cm_value_information(v, KeyValueInformationClass, KeyValueInformation, Length, ResultLength);
        }
        cm_leave();
    }
    ob_dereference(key);
    return status;
}

NTSYSAPI NTSTATUS NTAPI ZwEnumerateValueKey(HANDLE KeyHandle, ULONG Index,
                                            KEY_VALUE_INFORMATION_CLASS KeyValueInformationClass,
                                            PVOID KeyValueInformation, ULONG Length, PULONG ResultLength)
{
    cm_check_irql("ZwEnumerateValueKey");
    if (ResultLength == NULL || (KeyValueInformation == NULL && Length != 0))
        return STATUS_ACCESS_VIOLATION;
    cm_key *key;
    NTSTATUS status = cm_reference_handle(KeyHandle, KEY_QUERY_VALUE, &key, NULL);
    if (!NT_SUCCESS(status))
        return status;
    if (!cm_value_class_valid(KeyValueInformationClass)) {
        status = STATUS_INVALID_PARAMETER;
    } else {
        cm_enter();
        cm_node *node = cm_key_node_locked(key, &status);
        if (node != NULL) {
            const cm_value *v = node->values;
            for (ULONG i = 0; v != NULL && i < Index; i++)
                v = v->next;
            if (v == NULL)
                status = STATUS_NO_MORE_ENTRIES;
            else
                status = cm_value_information(v, KeyValueInformationClass, KeyValueInformation, Length, ResultLength);
        }
        cm_leave();
    }
    ob_dereference(key);
    return status;
}

NTSYSAPI NTSTATUS NTAPI ZwEnumerateKey(HANDLE KeyHandle, ULONG Index, KEY_INFORMATION_CLASS KeyInformationClass,
                                       PVOID KeyInformation, ULONG Length, PULONG ResultLength)
{
    cm_check_irql("ZwEnumerateKey");
    if (ResultLength == NULL || (KeyInformation == NULL && Length != 0))
        return STATUS_ACCESS_VIOLATION;
    cm_key *key;
    NTSTATUS status = cm_reference_handle(KeyHandle, KEY_ENUMERATE_SUB_KEYS, &key, NULL);
    if (!NT_SUCCESS(status))
        return status;
    if (KeyInformationClass != KeyBasicInformation && KeyInformationClass != KeyNodeInformation &&
        KeyInformationClass != KeyFullInformation) {
        status = STATUS_INVALID_PARAMETER;
    } else {
        cm_enter();
        cm_node *node = cm_key_node_locked(key, &status);
        if (node != NULL) {
            const cm_node *child = node->children;
            for (ULONG i = 0; child != NULL && i < Index; i++)
                child = child->next;
            if (child == NULL)
                status = STATUS_NO_MORE_ENTRIES;
            else
                status = cm_key_information(child, KeyInformationClass, KeyInformation, Length, ResultLength);
        }
        cm_leave();
    }
    ob_dereference(key);
    return status;
}

NTSYSAPI NTSTATUS NTAPI ZwSetValueKey(HANDLE KeyHandle, PUNICODE_STRING ValueName, ULONG TitleIndex, ULONG Type,
                                      PVOID Data, ULONG DataSize)
{
    (void)TitleIndex;
    cm_check_irql("ZwSetValueKey");
    if (Data == NULL && DataSize != 0)
        return STATUS_ACCESS_VIOLATION;
    cm_key *key;
    NTSTATUS status = cm_reference_handle(KeyHandle, KEY_SET_VALUE, &key, NULL);
    if (!NT_SUCCESS(status))
        return status;
    const WCHAR *name;
    ULONG name_length;
    status = cm_value_name(ValueName, &name, &name_length);
    if (NT_SUCCESS(status)) {
        cm_enter();
        cm_node *node = cm_key_node_locked(key, &status);
        if (node != NULL)
            status = cm_set_value_locked(node, name, name_length, Type, Data, DataSize);
        cm_leave();
    }
    ob_dereference(key);
    return status;
}

NTSYSAPI NTSTATUS NTAPI ZwDeleteValueKey(HANDLE KeyHandle, PUNICODE_STRING ValueName)
{
    cm_check_irql("ZwDeleteValueKey");
    cm_key *key;
    NTSTATUS status = cm_reference_handle(KeyHandle, KEY_SET_VALUE, &key, NULL);
    if (!NT_SUCCESS(status))
        return status;
    const WCHAR *name;
    ULONG name_length;
    status = cm_value_name(ValueName, &name, &name_length);
    if (NT_SUCCESS(status)) {
        cm_enter();
        cm_node *node = cm_key_node_locked(key, &status);
        if (node != NULL)
            status = cm_delete_value_locked(node, name, name_length);
        cm_leave();
    }
    ob_dereference(key);
    return status;
}

NTSYSAPI NTSTATUS NTAPI ZwDeleteKey(HANDLE KeyHandle)
{
    cm_check_irql("ZwDeleteKey");
    cm_key *key;
    NTSTATUS status = cm_reference_handle(KeyHandle, DELETE, &key, NULL);
    if (!NT_SUCCESS(status))
        return status;
    cm_enter();
    cm_node *node = cm_key_node_locked(key, &status);
    if (node != NULL) {
        if (node->hive_root || node->children != NULL)
            status = STATUS_CANNOT_DELETE;
        else
            cm_node_delete_locked(node);
    }
    cm_leave();
    ob_dereference(key);
    return status;
}

NTSYSAPI NTSTATUS NTAPI ZwFlushKey(HANDLE KeyHandle)
{
    cm_check_irql("ZwFlushKey");
    cm_key *key;
    NTSTATUS status = cm_reference_handle(KeyHandle, 0, &key, NULL);
    if (!NT_SUCCESS(status))
        return status;
    cm_enter();
    (void)cm_key_node_locked(key, &status); /* nothing to write back: the registry is memory */
    cm_leave();
    ob_dereference(key);
    return status;
}

/* ---- the Rtl registry routines ------------------------------------------------------------ */

static const WCHAR *cm_rtl_base(ULONG relative)
{
    switch (relative) {
    case RTL_REGISTRY_SERVICES:
        return L"\\Registry\\Machine\\System\\CurrentControlSet\\Services";
    case RTL_REGISTRY_CONTROL:
        return L"\\Registry\\Machine\\System\\CurrentControlSet\\Control";
    case RTL_REGISTRY_WINDOWS_NT:
        return L"\\Registry\\Machine\\Software\\Microsoft\\Windows NT\\CurrentVersion";
    case RTL_REGISTRY_DEVICEMAP:
        return L"\\Registry\\Machine\\Hardware\\DeviceMap";
    case RTL_REGISTRY_USER:
        return L"\\Registry\\User\\.Default"; /* the System process has no user of its own */
    default:
        return NULL;
    }
}

/* Opens the key an Rtl routine names: a handle (RTL_REGISTRY_HANDLE; it must carry
 * handle_access), an absolute path, or a path below one of the RTL_REGISTRY_ bases (an empty
 * path is the base itself).  *granted is what the caller may do with the key. */
static NTSTATUS cm_rtl_open(ULONG relative_to, PCWSTR path, cm_create create, ACCESS_MASK handle_access,
                            cm_node **result, ACCESS_MASK *granted)
{
    *result = NULL;
    *granted = 0;
    NTSTATUS status;
    if (relative_to & RTL_REGISTRY_HANDLE) {
        cm_key *key;
        status = cm_reference_handle((HANDLE)path, handle_access, &key, granted);
        if (!NT_SUCCESS(status))
            return status;
        cm_enter();
        cm_node *node = cm_key_node_locked(key, &status);
        if (node != NULL) {
            node->refs++;
            *result = node;
        }
        cm_leave();
        ob_dereference(key);
        return status;
    }
    ULONG relative = relative_to & ~(ULONG)RTL_REGISTRY_OPTIONAL;
    if (relative >= RTL_REGISTRY_MAXIMUM)
        return STATUS_INVALID_PARAMETER;
    ULONG path_length = path != NULL ? cm_wcslen(path) : 0;
    cm_walk walk = {.create = create};
    if (relative == RTL_REGISTRY_ABSOLUTE) {
        if (path_length == 0)
            return STATUS_OBJECT_PATH_SYNTAX_BAD;
        status = cm_open_absolute(path, path_length, &walk, result);
    } else {
        const WCHAR *base = cm_rtl_base(relative);
        ULONG base_length = cm_wcslen(base);
        WCHAR *full = malloc(((size_t)base_length + 1 + path_length) * sizeof(WCHAR));
        if (full == NULL)
            return STATUS_INSUFFICIENT_RESOURCES;
        memcpy(full, base, (size_t)base_length * sizeof(WCHAR));
        ULONG length = base_length;
        if (path_length != 0) {
            full[length++] = L'\\';
            memcpy(full + length, path, (size_t)path_length * sizeof(WCHAR));
            length += path_length;
        }
        status = cm_open_absolute(full, length, &walk, result);
        free(full);
    }
    if (NT_SUCCESS(status))
        *granted = KEY_ALL_ACCESS;
    return status;
}

/* A value copied out of the registry so that callbacks run without the lock. */
typedef struct cm_snapshot {
    WCHAR *name; /* NUL-terminated */
    ULONG type;
    ULONG size;
    UCHAR *data; /* padded with two zero WCHARs */
} cm_snapshot;

static void cm_snapshots_free(cm_snapshot *s, ULONG count)
{
    for (ULONG i = 0; i < count; i++) {
        free(s[i].name);
        free(s[i].data);
    }
    free(s);
}

static BOOLEAN cm_snapshot_take(const cm_value *v, cm_snapshot *s)
{
    s->name = cm_wdup(v->name, v->name_length);
    s->data = cm_padded_copy(v->data, v->size);
    s->type = v->type;
    s->size = v->size;
    return s->name != NULL && s->data != NULL;
}

/* Copies one value (or all values: name == NULL) of a key. */
static NTSTATUS cm_snapshot_values(cm_node *node, const WCHAR *name, ULONG name_length, BOOLEAN all,
                                   cm_snapshot **result, ULONG *count)
{
    *result = NULL;
    *count = 0;
    NTSTATUS status = STATUS_SUCCESS;
    cm_enter();
    if (node->deleted) {
        status = STATUS_KEY_DELETED;
    } else {
        ULONG n = 0;
        if (all) {
            for (const cm_value *v = node->values; v != NULL; v = v->next)
                n++;
        } else {
            n = cm_find_value(node, name, name_length) != NULL ? 1 : 0;
            if (n == 0)
                status = STATUS_OBJECT_NAME_NOT_FOUND;
        }
        cm_snapshot *s = n != 0 ? calloc(n, sizeof(*s)) : NULL;
        if (n != 0 && s == NULL)
            status = STATUS_INSUFFICIENT_RESOURCES;
        if (s != NULL) {
            ULONG i = 0;
            for (const cm_value *v = node->values; v != NULL && i < n; v = v->next) {
                if (!all && cm_compare(v->name, v->name_length, name, name_length) != 0)
                    continue;
                if (!cm_snapshot_take(v, &s[i++]))
                    status = STATUS_INSUFFICIENT_RESOURCES;
            }
            if (NT_SUCCESS(status)) {
                *result = s;
                *count = n;
            } else {
                cm_snapshots_free(s, n);
            }
        }
    }
    cm_leave();
    return status;
}

/* Looks a variable up: in the caller's environment block ("NAME=value\0...\0\0") when there
 * is one, otherwise among the two the System process is documented to have here. */
static BOOLEAN cm_lookup_variable(const WCHAR *environment, const WCHAR *name, ULONG length, const WCHAR **value,
                                  ULONG *value_length)
{
    if (environment != NULL) {
        for (const WCHAR *entry = environment; *entry != 0;) {
            ULONG entry_length = cm_wcslen(entry);
            ULONG eq = 1; /* a leading '=' belongs to the name ("=C:=C:\") */
            while (eq < entry_length && entry[eq] != L'=')
                eq++;
            if (eq < entry_length && cm_compare(entry, eq, name, length) == 0) {
                *value = entry + eq + 1;
                *value_length = entry_length - eq - 1;
                return TRUE;
            }
            entry += entry_length + 1;
        }
        return FALSE;
    }
    static const struct {
        const WCHAR *name;
        const WCHAR *value;
    } builtins[] = {{L"SystemRoot", L"C:\\Windows"}, {L"SystemDrive", L"C:"}};
    for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
        if (cm_compare(builtins[i].name, cm_wcslen(builtins[i].name), name, length) == 0) {
            *value = builtins[i].value;
            *value_length = cm_wcslen(builtins[i].value);
            return TRUE;
        }
    }
    return FALSE;
}

/* Expands %NAME% references in the first chars WCHARs of s (up to a NUL); NULL if memory or
 * the 32767-character limit of a UNICODE_STRING ran out. */
static WCHAR *cm_expand(const WCHAR *s, ULONG chars, const WCHAR *environment, ULONG *out_chars)
{
    cm_wbuf b = {0};
    chars = cm_wcsnlen(s, chars);
    ULONG i = 0;
    while (i < chars) {
        if (s[i] == L'%') {
            ULONG j = i + 1;
            while (j < chars && s[j] != L'%')
                j++;
            if (j < chars && j > i + 1) {
                const WCHAR *value;
                ULONG value_length;
                if (cm_lookup_variable(environment, s + i + 1, j - i - 1, &value, &value_length))
                    cm_wbuf_add(&b, value, value_length);
                else
                    cm_wbuf_add(&b, s + i, j - i + 1);
                i = j + 1;
                continue;
            }
        }
        cm_wbuf_add(&b, s + i, 1);
        i++;
    }
    cm_wbuf_add(&b, NULL, 0);
    if (b.failed) {
        free(b.data);
        return NULL;
    }
    *out_chars = b.length;
    return b.data;
}

/* RTL_QUERY_REGISTRY_DIRECT into a UNICODE_STRING: allocated (from pool, for
 * RtlFreeUnicodeString) when Buffer is NULL, else it must hold the string and its NUL. */
static NTSTATUS cm_direct_string(PUNICODE_STRING s, const WCHAR *src, ULONG chars)
{
    size_t bytes = (size_t)chars * sizeof(WCHAR);
    if (bytes + sizeof(WCHAR) > MAXUSHORT)
        return STATUS_BUFFER_TOO_SMALL;
    if (s->Buffer == NULL) {
        s->Buffer = ExAllocatePoolWithTag(PagedPool, bytes + sizeof(WCHAR), RTL_STRING_POOL_TAG);
        if (s->Buffer == NULL)
            return STATUS_INSUFFICIENT_RESOURCES;
        s->MaximumLength = (USHORT)(bytes + sizeof(WCHAR));
    } else if (s->MaximumLength < bytes + sizeof(WCHAR)) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    if (bytes != 0)
        memcpy(s->Buffer, src, bytes);
    s->Buffer[chars] = 0;
    s->Length = (USHORT)bytes;
    return STATUS_SUCCESS;
}

/* RTL_QUERY_REGISTRY_DIRECT: strings into a UNICODE_STRING, data up to a ULONG in place, larger
 * data into a buffer whose first LONG gives its size (negative: data only; positive: length,
 * type, then the data). */
static NTSTATUS cm_direct(PRTL_QUERY_REGISTRY_TABLE e, ULONG type, const UCHAR *data, ULONG size, const WCHAR *env)
{
    const WCHAR *text = (const WCHAR *)data;
    ULONG chars = size / sizeof(WCHAR);
    switch (type) {
    case REG_EXPAND_SZ:
        if (!(e->Flags & RTL_QUERY_REGISTRY_NOEXPAND)) {
            ULONG expanded_chars;
            WCHAR *expanded = cm_expand(text, chars, env, &expanded_chars);
            if (expanded == NULL)
                return STATUS_INSUFFICIENT_RESOURCES;
            NTSTATUS status = cm_direct_string(e->EntryContext, expanded, expanded_chars);
            free(expanded);
            return status;
        }
        return cm_direct_string(e->EntryContext, text, cm_wcsnlen(text, chars));
    case REG_SZ:
    case REG_LINK:
        return cm_direct_string(e->EntryContext, text, cm_wcsnlen(text, chars));
    case REG_MULTI_SZ:
        if (!(e->Flags & RTL_QUERY_REGISTRY_NOEXPAND))
            return STATUS_INVALID_PARAMETER; /* the documentation requires NOEXPAND here */
        if (chars != 0 && text[chars - 1] == 0)
            chars--;
        return cm_direct_string(e->EntryContext, text, chars);
    default:
        break;
    }
    if (size <= sizeof(ULONG)) {
        if (size != 0)
            memcpy(e->EntryContext, data, size);
        return STATUS_SUCCESS;
    }
    LONG header;
    memcpy(&header, e->EntryContext, sizeof(header));
    UCHAR *out = e->EntryContext;
    if (header < 0) {
        if ((ULONGLONG)size > (ULONGLONG)(-(LONGLONG)header))
            return STATUS_BUFFER_TOO_SMALL;
        memcpy(out, data, size);
    } else {
        if ((ULONGLONG)size + 2 * sizeof(ULONG) > (ULONGLONG)header)
            return STATUS_BUFFER_TOO_SMALL;
        cm_store32(out, size);
        cm_store32(out + sizeof(ULONG), type);
        memcpy(out + 2 * sizeof(ULONG), data, size);
    }
    return STATUS_SUCCESS;
}

/* A QueryRoutine's status as RtlQueryRegistryValues treats it: STATUS_BUFFER_TOO_SMALL is
 * ignored. */
static NTSTATUS cm_call(PRTL_QUERY_REGISTRY_TABLE e, PWSTR name, ULONG type, PVOID data, ULONG size, PVOID context)
{
    NTSTATUS status = e->QueryRoutine(name, type, data, size, context, e->EntryContext);
    return status == STATUS_BUFFER_TOO_SMALL ? STATUS_SUCCESS : status;
}

/* Hands one value (data padded with zero WCHARs) to a table entry: DIRECT storage, or the
 * QueryRoutine with REG_EXPAND_SZ expanded and REG_MULTI_SZ split into REG_SZ strings unless
 * NOEXPAND. */
static NTSTATUS cm_deliver(PRTL_QUERY_REGISTRY_TABLE e, PWSTR name, ULONG type, UCHAR *data, ULONG size, PVOID context,
                           const WCHAR *env)
{
    if (e->Flags & RTL_QUERY_REGISTRY_DIRECT)
        return cm_direct(e, type, data, size, env);
    if ((e->Flags & RTL_QUERY_REGISTRY_NOEXPAND) || (type != REG_EXPAND_SZ && type != REG_MULTI_SZ))
        return cm_call(e, name, type, data, size, context);
    const WCHAR *text = (const WCHAR *)data;
    ULONG chars = size / sizeof(WCHAR);
    if (type == REG_EXPAND_SZ) {
        ULONG expanded_chars;
        WCHAR *expanded = cm_expand(text, chars, env, &expanded_chars);
        if (expanded == NULL)
            return STATUS_INSUFFICIENT_RESOURCES;
        NTSTATUS status = cm_call(e, name, REG_SZ, expanded, (expanded_chars + 1) * (ULONG)sizeof(WCHAR), context);
        free(expanded);
        return status;
    }
    for (ULONG pos = 0; pos < chars;) {
        ULONG length = cm_wcsnlen(text + pos, chars - pos);
        if (length == 0)
            break;
        /* the padding guarantees a NUL after the last string even when the data has none */
        NTSTATUS status = cm_call(e, name, REG_SZ, (PVOID)(text + pos), (length + 1) * (ULONG)sizeof(WCHAR), context);
        if (!NT_SUCCESS(status))
            return status;
        pos += length + 1;
    }
    return STATUS_SUCCESS;
}

/* The length of a default whose DefaultLength is 0. */
static ULONG cm_default_length(ULONG type, const WCHAR *data)
{
    switch (type) {
    case REG_SZ:
    case REG_EXPAND_SZ:
    case REG_LINK:
        return (cm_wcslen(data) + 1) * (ULONG)sizeof(WCHAR);
    case REG_MULTI_SZ: {
        ULONG n = 0;
        for (;;) {
            ULONG length = cm_wcslen(data + n);
            n += length + 1;
            if (length == 0)
                break;
        }
        return n * (ULONG)sizeof(WCHAR);
    }
    default:
        return 0;
    }
}

static NTSTATUS cm_delete_value_of(cm_node *node, ACCESS_MASK granted, const WCHAR *name)
{
    if ((granted & KEY_SET_VALUE) == 0)
        return STATUS_ACCESS_DENIED;
    cm_enter();
    NTSTATUS status = cm_delete_value_locked(node, name, cm_wcslen(name));
    cm_leave();
    return status;
}

/* One table entry on the current key (NULL: the key is missing and optional, so it has no
 * values). */
static NTSTATUS cm_query_entry(PRTL_QUERY_REGISTRY_TABLE e, cm_node *key, ACCESS_MASK granted, PVOID context,
                               const WCHAR *env)
{
    ULONG flags = e->Flags;
    BOOLEAN all = e->Name == NULL || (flags & RTL_QUERY_REGISTRY_SUBKEY) != 0;
    if (flags & RTL_QUERY_REGISTRY_DIRECT) {
        if (e->QueryRoutine != NULL || all || e->EntryContext == NULL)
            return STATUS_INVALID_PARAMETER;
    } else if (e->QueryRoutine == NULL) {
        return STATUS_INVALID_PARAMETER;
    }
    if ((flags & RTL_QUERY_REGISTRY_NOVALUE) && all && !(flags & RTL_QUERY_REGISTRY_DIRECT))
        return cm_call(e, e->Name, REG_NONE, NULL, 0, context);

    cm_snapshot *values = NULL;
    ULONG count = 0;
    NTSTATUS status = STATUS_OBJECT_NAME_NOT_FOUND;
    if (key != NULL)
        status = cm_snapshot_values(key, e->Name, e->Name != NULL ? cm_wcslen(e->Name) : 0, all, &values, &count);
    if (all) {
        if (status == STATUS_OBJECT_NAME_NOT_FOUND)
            status = STATUS_SUCCESS;
        if (!NT_SUCCESS(status))
            return status;
        if (count == 0 && (flags & RTL_QUERY_REGISTRY_REQUIRED))
            return STATUS_OBJECT_NAME_NOT_FOUND;
        for (ULONG i = 0; i < count && NT_SUCCESS(status); i++) {
            status = cm_deliver(e, values[i].name, values[i].type, values[i].data, values[i].size, context, env);
            if (NT_SUCCESS(status) && (flags & RTL_QUERY_REGISTRY_DELETE))
                status = cm_delete_value_of(key, granted, values[i].name);
        }
        cm_snapshots_free(values, count);
        return status;
    }

    if (NT_SUCCESS(status)) {
        if ((flags & (RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_TYPECHECK)) ==
                (RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_TYPECHECK) &&
            values[0].type != ((e->DefaultType >> RTL_QUERY_REGISTRY_TYPECHECK_SHIFT) & 0xFF))
            status = STATUS_OBJECT_TYPE_MISMATCH;
        else
            status = cm_deliver(e, e->Name, values[0].type, values[0].data, values[0].size, context, env);
        if (NT_SUCCESS(status) && (flags & RTL_QUERY_REGISTRY_DELETE))
            status = cm_delete_value_of(key, granted, e->Name);
        cm_snapshots_free(values, count);
        return status;
    }
    if (status != STATUS_OBJECT_NAME_NOT_FOUND)
        return status;

    /* The value is missing: its default, if it has one. */
    ULONG type = (flags & RTL_QUERY_REGISTRY_TYPECHECK) ? (e->DefaultType & 0xFF) : e->DefaultType;
    if (type == REG_NONE)
        return (flags & RTL_QUERY_REGISTRY_REQUIRED) ? STATUS_OBJECT_NAME_NOT_FOUND : STATUS_SUCCESS;
    ULONG size = e->DefaultLength;
    if (e->DefaultData == NULL) {
        if (size != 0)
            return STATUS_INVALID_PARAMETER;
    } else if (size == 0) {
        size = cm_default_length(type, e->DefaultData);
    }
    UCHAR *copy = cm_padded_copy(e->DefaultData, size);
    if (copy == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    status = cm_deliver(e, e->Name, type, copy, size, context, env);
    free(copy);
    return status;
}

/* The table is processed in order until an entry with neither QueryRoutine nor Name.  Choices
 * where the documentation leaves room:
 *  - RTL_REGISTRY_OPTIONAL: a missing key behaves as a key without values (entries get their
 *    defaults, REQUIRED entries fail); RTL_QUERY_REGISTRY_SUBKEY naming a missing subkey does
 *    the same unless the SUBKEY entry itself is REQUIRED (STATUS_OBJECT_NAME_NOT_FOUND);
 *  - a SUBKEY entry with a QueryRoutine reports every value of that subkey, as a NULL Name does
 *    for the current key; NOVALUE applies to such entries (one REG_NONE callback);
 *  - DIRECT storage that does not fit fails with STATUS_BUFFER_TOO_SMALL (the documented
 *    return); a QueryRoutine's own STATUS_BUFFER_TOO_SMALL is ignored, as documented;
 *  - DIRECT REG_MULTI_SZ without NOEXPAND is STATUS_INVALID_PARAMETER (NOEXPAND is required);
 *  - TYPECHECK compares the stored value's type; defaults are not checked;
 *  - an empty REG_MULTI_SZ gives no QueryRoutine call (it holds no string). */
NTSYSAPI NTSTATUS NTAPI RtlQueryRegistryValues(ULONG RelativeTo, PCWSTR Path, PRTL_QUERY_REGISTRY_TABLE QueryTable,
                                               PVOID Context, PVOID Environment)
{
    cm_check_irql("RtlQueryRegistryValues");
    if (QueryTable == NULL)
        return STATUS_INVALID_PARAMETER;
    cm_node *top = NULL;
    ACCESS_MASK top_granted = 0;
    NTSTATUS status = cm_rtl_open(RelativeTo, Path, CM_OPEN_ONLY, KEY_QUERY_VALUE, &top, &top_granted);
    if (!NT_SUCCESS(status)) {
        /* RTL_REGISTRY_OPTIONAL: a missing key is a key without values */
        if (!(RelativeTo & RTL_REGISTRY_OPTIONAL) || (RelativeTo & RTL_REGISTRY_HANDLE) ||
            (status != STATUS_OBJECT_NAME_NOT_FOUND && status != STATUS_OBJECT_PATH_NOT_FOUND))
            return status;
        status = STATUS_SUCCESS;
    }
    const WCHAR *env = Environment;
    cm_node *current = top;
    ACCESS_MASK granted = top_granted;
    for (PRTL_QUERY_REGISTRY_TABLE e = QueryTable; e->QueryRoutine != NULL || e->Name != NULL; e++) {
        if (e->Flags & (RTL_QUERY_REGISTRY_SUBKEY | RTL_QUERY_REGISTRY_TOPKEY)) {
            if (current != top)
                cm_release(current);
            current = top;
            granted = top_granted;
            if (e->Flags & RTL_QUERY_REGISTRY_SUBKEY) {
                current = NULL;
                if (e->Name == NULL) {
                    status = STATUS_INVALID_PARAMETER;
                    break;
                }
                if (top != NULL) {
                    cm_walk walk = {.create = CM_OPEN_ONLY};
                    cm_enter();
                    status = top->deleted ? STATUS_KEY_DELETED
                                          : cm_walk_locked(top, e->Name, cm_wcslen(e->Name), &walk, &current);
                    if (NT_SUCCESS(status))
                        current->refs++;
                    cm_leave();
                    granted = KEY_ALL_ACCESS;
                    if (status == STATUS_OBJECT_NAME_NOT_FOUND)
                        status = STATUS_SUCCESS; /* a missing subkey has no values */
                    if (!NT_SUCCESS(status))
                        break;
                }
                if (current == NULL && (e->Flags & RTL_QUERY_REGISTRY_REQUIRED)) {
                    status = STATUS_OBJECT_NAME_NOT_FOUND;
                    break;
                }
            }
            if (e->QueryRoutine == NULL)
                continue;
        }
        status = cm_query_entry(e, current, granted, Context, env);
        if (!NT_SUCCESS(status))
            break;
    }
    if (current != top)
        cm_release(current);
    cm_release(top);
    return status;
}

/* As documented, a missing last key of the path is created (non-volatile); the keys above it
 * must exist. */
NTSYSAPI NTSTATUS NTAPI RtlWriteRegistryValue(ULONG RelativeTo, PCWSTR Path, PCWSTR ValueName, ULONG ValueType,
                                              PVOID ValueData, ULONG ValueLength)
{
    cm_check_irql("RtlWriteRegistryValue");
    if (ValueData == NULL && ValueLength != 0)
        return STATUS_INVALID_PARAMETER;
    cm_node *node;
    ACCESS_MASK granted;
    NTSTATUS status = cm_rtl_open(RelativeTo, Path, CM_CREATE_LAST, KEY_SET_VALUE, &node, &granted);
    if (!NT_SUCCESS(status))
        return status;
    cm_enter();
    status = cm_set_value_locked(node, ValueName, ValueName != NULL ? cm_wcslen(ValueName) : 0, ValueType, ValueData,
                                 ValueLength);
    cm_release_locked(node);
    cm_leave();
    return status;
}

NTSYSAPI NTSTATUS NTAPI RtlDeleteRegistryValue(ULONG RelativeTo, PCWSTR Path, PCWSTR ValueName)
{
    cm_check_irql("RtlDeleteRegistryValue");
    cm_node *node;
    ACCESS_MASK granted;
    NTSTATUS status = cm_rtl_open(RelativeTo, Path, CM_OPEN_ONLY, KEY_SET_VALUE, &node, &granted);
    if (!NT_SUCCESS(status))
        return status;
    cm_enter();
    status = cm_delete_value_locked(node, ValueName, ValueName != NULL ? cm_wcslen(ValueName) : 0);
    cm_release_locked(node);
    cm_leave();
    return status;
}

/* Creates the last key of the path only (every key above it must exist). */
NTSYSAPI NTSTATUS NTAPI RtlCreateRegistryKey(ULONG RelativeTo, PWSTR Path)
{
    cm_check_irql("RtlCreateRegistryKey");
    cm_node *node;
    ACCESS_MASK granted;
    NTSTATUS status =
        cm_rtl_open(RelativeTo & ~(ULONG)RTL_REGISTRY_OPTIONAL, Path, CM_CREATE_LAST, 0, &node, &granted);
    cm_release(node);
    return status;
}

/* RTL_REGISTRY_HANDLE is documented as a misuse with the side effect of closing the handle;
 * that is what happens here too. */
NTSYSAPI NTSTATUS NTAPI RtlCheckRegistryKey(ULONG RelativeTo, PWSTR Path)
{
    cm_check_irql("RtlCheckRegistryKey");
    cm_node *node;
    ACCESS_MASK granted;
    NTSTATUS status = cm_rtl_open(RelativeTo, Path, CM_OPEN_ONLY, 0, &node, &granted);
    cm_release(node);
    if (NT_SUCCESS(status) && (RelativeTo & RTL_REGISTRY_HANDLE))
        (void)ob_handle_close((HANDLE)Path);
    return status;
}

/* ---- library lifetime ------------------------------------------------------------------ */

void cm_shutdown(void)
{
    cm_enter();
    cm_tree_free(cm_root);
    cm_root = NULL;
    while (cm_limbo != NULL) {
        cm_node *n = cm_limbo;
        cm_limbo = n->next;
        cm_node_free(n);
    }
    cm_generation++;
    cm_leave();
}

NTSTATUS cm_create_key_path(const WCHAR *path, size_t length)
{
    if (length > MAXUSHORT)
        return STATUS_OBJECT_NAME_INVALID;
    cm_walk walk = {.create = CM_CREATE_ALL};
    cm_node *node;
    NTSTATUS status = cm_open_absolute(path, (ULONG)length, &walk, &node);
    cm_release(node);
    return status;
}

/* ---- host API ---------------------------------------------------------------------------- */

static BOOLEAN cm_ascii_prefix(const char *text, const char *prefix)
{
    for (; *prefix != '\0'; text++, prefix++) {
        char a = *text, b = *prefix;
        if (a >= 'a' && a <= 'z')
            a = (char)(a - 'a' + 'A');
        if (a != b)
            return FALSE;
    }
    return *text == '\0' || *text == '\\';
}

/* UTF-8 to a NUL-terminated WCHAR string; NULL on invalid UTF-8 or no memory. */
static WCHAR *cm_from_utf8(const char *text, ULONG *length)
{
    size_t bytes = strlen(text);
    if (bytes > MAXUSHORT)
        return NULL;
    WCHAR *buffer = malloc((bytes + 1) * sizeof(WCHAR));
    if (buffer == NULL)
        return NULL;
    ULONG written = 0;
    if (RtlUTF8ToUnicodeN(buffer, (ULONG)(bytes * sizeof(WCHAR)), &written, text, (ULONG)bytes) != STATUS_SUCCESS) {
        free(buffer);
        return NULL;
    }
    *length = written / sizeof(WCHAR);
    buffer[*length] = 0;
    return buffer;
}

/* A host key name ("\Registry\...", "HKLM\..." or "HKU\...") as an absolute registry path. */
static NTSTATUS cm_host_key(const char *api, const char *key, WCHAR **path, ULONG *length)
{
    static const struct {
        const char *alias;
        const char *target;
    } aliases[] = {
        {"HKEY_LOCAL_MACHINE", "\\Registry\\Machine"},
        {"HKLM", "\\Registry\\Machine"},
        {"HKEY_USERS", "\\Registry\\User"},
        {"HKU", "\\Registry\\User"},
    };
    *path = NULL;
    if (key == NULL)
        return rp_error(STATUS_INVALID_PARAMETER, "%s: a key name is required", api);
    const char *target = NULL;
    const char *rest = key;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
        if (cm_ascii_prefix(key, aliases[i].alias)) {
            target = aliases[i].target;
            rest = key + strlen(aliases[i].alias);
            break;
        }
    }
    if (target == NULL && key[0] != '\\')
        return rp_error(STATUS_OBJECT_PATH_SYNTAX_BAD,
                        "%s(\"%s\"): a key name starts with \\Registry\\, HKLM\\ or HKU\\", api, key);
    size_t size = (target != NULL ? strlen(target) : 0) + strlen(rest) + 1;
    char *joined = malloc(size);
    if (joined == NULL)
        return rp_error(STATUS_INSUFFICIENT_RESOURCES, "%s(\"%s\")", api, key);
    snprintf(joined, size, "%s%s", target != NULL ? target : "", rest);
    *path = cm_from_utf8(joined, length);
    free(joined);
    if (*path == NULL)
        return rp_error(STATUS_OBJECT_NAME_INVALID, "%s(\"%s\"): not a valid key name", api, key);
    return STATUS_SUCCESS;
}

/* Opens (or creates, with every missing key above it) a key named by the host. */
static NTSTATUS cm_host_open(const char *api, const char *key, cm_create create, cm_node **node)
{
    *node = NULL;
    wdmemu_init();
    WCHAR *path;
    ULONG length = 0; /* set by cm_host_key on success; gcc -O3 cannot tell */
    NTSTATUS status = cm_host_key(api, key, &path, &length);
    if (!NT_SUCCESS(status))
        return status;
    cm_walk walk = {.create = create};
    status = cm_open_absolute(path, length, &walk, node);
    free(path);
    if (status == STATUS_OBJECT_NAME_NOT_FOUND || status == STATUS_OBJECT_PATH_NOT_FOUND)
        return rp_fail(status, "%s(\"%s\"): no such key", api, key);
    if (!NT_SUCCESS(status))
        return rp_error(status, "%s(\"%s\")", api, key);
    return STATUS_SUCCESS;
}

WDMEMU_API NTSTATUS wdmemu_registry_create_key(const char *key)
{
    cm_node *node;
    NTSTATUS status = cm_host_open("wdmemu_registry_create_key", key, CM_CREATE_ALL, &node);
    cm_release(node);
    return status;
}

WDMEMU_API NTSTATUS wdmemu_registry_set_value(const char *key, const char *value_name, ULONG type, const void *data,
                                              size_t size)
{
    static const char api[] = "wdmemu_registry_set_value";
    if (data == NULL && size != 0)
        return rp_error(STATUS_INVALID_PARAMETER, "%s: data is required for %zu bytes", api, size);
    if (size > CM_MAX_DATA)
        return rp_error(STATUS_INVALID_PARAMETER, "%s: %zu bytes is too large for a registry value", api, size);
    ULONG name_length = 0;
    WCHAR *name = cm_from_utf8(value_name != NULL ? value_name : "", &name_length);
    if (name == NULL)
        return rp_error(STATUS_OBJECT_NAME_INVALID, "%s: value name \"%s\" is not valid UTF-8", api, value_name);
    cm_node *node;
    NTSTATUS status = cm_host_open(api, key, CM_CREATE_ALL, &node);
    if (NT_SUCCESS(status)) {
        cm_enter();
        status = cm_set_value_locked(node, name, name_length, type, data, (ULONG)size);
        cm_release_locked(node);
        cm_leave();
        if (!NT_SUCCESS(status))
            rp_error(status, "%s(\"%s\", \"%s\")", api, key, value_name != NULL ? value_name : "");
    }
    free(name);
    return status;
}

WDMEMU_API NTSTATUS wdmemu_registry_set_dword(const char *key, const char *value_name, ULONG value)
{
    return wdmemu_registry_set_value(key, value_name, REG_DWORD, &value, sizeof(value));
}

WDMEMU_API NTSTATUS wdmemu_registry_set_string(const char *key, const char *value_name, const char *value)
{
    if (value == NULL)
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_registry_set_string: a string is required");
    ULONG length = 0;
    WCHAR *text = cm_from_utf8(value, &length);
    if (text == NULL)
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_registry_set_string: the string is not valid UTF-8");
    NTSTATUS status = wdmemu_registry_set_value(key, value_name, REG_SZ, text, ((size_t)length + 1) * sizeof(WCHAR));
    free(text);
    return status;
}

WDMEMU_API NTSTATUS wdmemu_registry_set_multi_string(const char *key, const char *value_name,
                                                     const char *const *strings, size_t count)
{
    static const char api[] = "wdmemu_registry_set_multi_string";
    if (strings == NULL && count != 0)
        return rp_error(STATUS_INVALID_PARAMETER, "%s: the strings are required", api);
    cm_wbuf b = {0};
    for (size_t i = 0; i < count; i++) {
        ULONG length = 0;
        WCHAR *text = strings[i] != NULL ? cm_from_utf8(strings[i], &length) : NULL;
        if (text == NULL || length == 0) {
            free(text);
            free(b.data);
            return rp_error(STATUS_INVALID_PARAMETER,
                            "%s: string %zu is missing, empty (it would end the list) or not valid UTF-8", api, i);
        }
        cm_wbuf_add(&b, text, length + 1); /* with its NUL */
        free(text);
    }
    cm_wbuf_add(&b, L"", 1); /* the NUL that ends the list */
    if (b.failed) {
        free(b.data);
        return rp_error(STATUS_INSUFFICIENT_RESOURCES, "%s: the strings are too long", api);
    }
    NTSTATUS status = wdmemu_registry_set_value(key, value_name, REG_MULTI_SZ, b.data, (size_t)b.length * sizeof(WCHAR));
    free(b.data);
    return status;
}

WDMEMU_API NTSTATUS wdmemu_registry_get_value(const char *key, const char *value_name, ULONG *type, void *buffer,
                                              size_t size, size_t *needed)
{
    static const char api[] = "wdmemu_registry_get_value";
    if (needed != NULL)
        *needed = 0;
    if (buffer == NULL && size != 0)
        return rp_error(STATUS_INVALID_PARAMETER, "%s: a buffer is required for %zu bytes", api, size);
    ULONG name_length = 0;
    WCHAR *name = cm_from_utf8(value_name != NULL ? value_name : "", &name_length);
    if (name == NULL)
        return rp_error(STATUS_OBJECT_NAME_INVALID, "%s: value name \"%s\" is not valid UTF-8", api, value_name);
    cm_node *node;
    NTSTATUS status = cm_host_open(api, key, CM_OPEN_ONLY, &node);
    if (NT_SUCCESS(status)) {
        cm_enter();
        const cm_value *v = cm_find_value(node, name, name_length);
        if (v == NULL) {
            status = STATUS_OBJECT_NAME_NOT_FOUND;
        } else {
            if (type != NULL)
                *type = v->type;
            if (needed != NULL)
                *needed = v->size;
            if (size < v->size)
                status = STATUS_BUFFER_TOO_SMALL;
            else if (v->size != 0)
                memcpy(buffer, v->data, v->size);
        }
        cm_release_locked(node);
        cm_leave();
        if (!NT_SUCCESS(status))
            rp_fail(status, "%s(\"%s\", \"%s\")", api, key, value_name != NULL ? value_name : "");
    }
    free(name);
    return status;
}

WDMEMU_API NTSTATUS wdmemu_registry_delete_key(const char *key)
{
    static const char api[] = "wdmemu_registry_delete_key";
    cm_node *node;
    NTSTATUS status = cm_host_open(api, key, CM_OPEN_ONLY, &node);
    if (!NT_SUCCESS(status))
        return status;
    cm_enter();
    /* every key above a hive root is a hive root itself, so checking this one is enough */
    if (node->hive_root)
        status = STATUS_CANNOT_DELETE;
    else
        cm_delete_tree_locked(node);
    cm_release_locked(node);
    cm_leave();
    if (!NT_SUCCESS(status))
        return rp_error(status,
                        "%s(\"%s\"): a hive root (\\Registry, MACHINE, USER, SYSTEM, SOFTWARE, HARDWARE, .DEFAULT) "
                        "cannot be deleted",
                        api, key);
    return STATUS_SUCCESS;
}
