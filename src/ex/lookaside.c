/* ex/lookaside.c: lookaside lists: the NPAGED_LOOKASIDE_LIST, PAGED_LOOKASIDE_LIST and
 * LOOKASIDE_LIST_EX routines.
 *
 * The driver's structure carries what Windows keeps there and what drivers and debuggers read:
 * Type, Tag, Size, the Allocate/Free (or AllocateEx/FreeEx) routines, Depth and MaximumDepth, and
 * the TotalAllocates/AllocateMisses/TotalFrees/FreeMisses counters, kept the way Windows keeps
 * them: every allocation counts in TotalAllocates and, when nothing is cached, in AllocateMisses
 * (the list's Allocate routine is then called with Type, Size and Tag); every free counts in
 * TotalFrees and, when Depth entries are already cached, in FreeMisses (the entry goes to the
 * list's Free routine).
 *
 * The cached entries themselves live here, in a registry keyed by the structure's address and
 * guarded by one lock, not in the structure's list head.  That is what lets misuse be reported
 * instead of corrupting memory: using a list that was never initialised or was deleted, caching
 * the same entry twice, freeing a cached entry behind the list's back.  Allocate and Free
 * routines are always called without the lock held, so they may raise or use lookaside lists
 * themselves. */
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "core/report.h"
#include "ex/ex.h"
#include "ke/ke.h"
#include "platform/platform.h"

/* The depth Windows gives a new list.  Windows later moves Depth between this and MaximumDepth
 * as the list's miss rate changes; wdmemu keeps it where it starts, which any correct driver
 * must be prepared for. */
#define EX_LA_INITIAL_DEPTH 4

typedef enum ex_la_variant {
    EX_LA_NPAGED, /* ExInitializeNPagedLookasideList */
    EX_LA_PAGED,  /* ExInitializePagedLookasideList */
    EX_LA_EX      /* ExInitializeLookasideListEx */
} ex_la_variant;

typedef enum ex_la_state {
    EX_LA_UNKNOWN,  /* never initialised (no record) */
    EX_LA_LIVE,
    EX_LA_DELETED,  /* ExDelete*LookasideList* was called */
    EX_LA_ORPHANED  /* its driver was unloaded without deleting it */
} ex_la_state;

typedef struct ex_lookaside {
    void *key; /* the driver's NPAGED_LOOKASIDE_LIST / PAGED_LOOKASIDE_LIST / LOOKASIDE_LIST_EX */
    ex_la_variant variant;
    ex_la_state state;
    PDRIVER_OBJECT owner; /* the driver that initialised it, NULL for host code */
    PVOID *cache;         /* cached entries; the most recently freed is last */
    size_t count;
    size_t capacity;
    UT_hash_handle hh;
} ex_lookaside;

static ex_lookaside *ex_lists;
static plat_mutex ex_la_lock;
static plat_once_flag ex_la_once = PLAT_ONCE_INIT;

static void ex_la_lock_init(void)
{
    plat_mutex_init(&ex_la_lock);
}

static void ex_la_enter(void)
{
    plat_once(&ex_la_once, ex_la_lock_init);
    plat_mutex_lock(&ex_la_lock);
}

static void ex_la_leave(void)
{
    plat_mutex_unlock(&ex_la_lock);
}

static PVOID NTAPI ex_la_default_allocate_ex(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag,
                                             PLOOKASIDE_LIST_EX Lookaside)
{
    (void)Lookaside;
    return ex_pool_allocate_for("ExAllocateFromLookasideListEx", PoolType, NumberOfBytes, Tag);
}

static VOID NTAPI ex_la_default_free_ex(PVOID Buffer, PLOOKASIDE_LIST_EX Lookaside)
{
    (void)Lookaside;
    ex_pool_free_for("ExFreeToLookasideListEx", Buffer);
}

/* The routines a list uses, taken from its structure while the lock is held. */
typedef struct ex_la_routines {
    ex_la_variant variant;
    PGENERAL_LOOKASIDE_POOL list;
    POOL_TYPE type;
    ULONG size;
    ULONG tag;
    PALLOCATE_FUNCTION allocate;
    PFREE_FUNCTION free;
    PALLOCATE_FUNCTION_EX allocate_ex;
    PFREE_FUNCTION_EX free_ex;
} ex_la_routines;

static ex_la_routines ex_la_snapshot(ex_la_variant variant, PGENERAL_LOOKASIDE_POOL l)
{
    ex_la_routines r = {.variant = variant, .list = l, .type = l->Type, .size = l->Size, .tag = l->Tag};
    if (variant == EX_LA_EX) {
        r.allocate_ex = l->AllocateEx;
        r.free_ex = l->FreeEx;
    } else {
        r.allocate = l->Allocate;
        r.free = l->Free;
    }
    return r;
}

/* Whether the list allocates with the default routine, so that its entries are pool blocks. */
static BOOLEAN ex_la_default_routines(const ex_la_routines *r)
{
    if (r->variant == EX_LA_EX)
        return r->allocate_ex == ex_la_default_allocate_ex;
    return r->allocate == ExAllocatePoolWithTag;
}

/* The list's Allocate routine.  The defaults go straight to the pool (named after ddi, with the
 * IRQL already checked); a driver's routine gets exactly Type, Size and Tag (and the list). */
static PVOID ex_la_call_allocate(const ex_la_routines *r, const char *ddi)
{
    if (r->variant == EX_LA_EX) {
        if (r->allocate_ex == ex_la_default_allocate_ex)
            return ex_pool_allocate_for(ddi, r->type, r->size, r->tag);
        return r->allocate_ex(r->type, r->size, r->tag, (PLOOKASIDE_LIST_EX)(void *)r->list);
    }
    if (r->allocate == ExAllocatePoolWithTag)
        return ex_pool_allocate_for(ddi, r->type, r->size, r->tag);
    return r->allocate(r->type, r->size, r->tag);
}

static void ex_la_call_free(const ex_la_routines *r, const char *ddi, PVOID entry)
{
    if (r->variant == EX_LA_EX) {
        if (r->free_ex == ex_la_default_free_ex)
            ex_pool_free_for(ddi, entry);
        else
            r->free_ex(entry, (PLOOKASIDE_LIST_EX)(void *)r->list);
        return;
    }
    if (r->free == ExFreePool)
        ex_pool_free_for(ddi, entry);
    else
        r->free(entry);
}

/* ---- the registry ---------------------------------------------------------------------------- */

/* Enters the lock and finds the list's record; returns its state (EX_LA_UNKNOWN without one).
 * The caller leaves the lock. */
static ex_la_state ex_la_find(void *key, ex_lookaside **record)
{
    ex_la_enter();
    ex_lookaside *found = NULL;
    HASH_FIND_PTR(ex_lists, &key, found);
    *record = found;
    return found != NULL ? found->state : EX_LA_UNKNOWN;
}

/* Reports the use of a list that cannot be used; called outside the lock. */
static void ex_la_report_unusable(ex_la_state state, const char *ddi, void *key, const char *consequence)
{
    switch (state) {
    case EX_LA_DELETED:
        rp_finding("LOOKASIDE_LIST_DELETED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p): the lookaside list was already deleted; %s", ddi, key, consequence);
        break;
    case EX_LA_ORPHANED:
        rp_finding("LOOKASIDE_LIST_DELETED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p): the lookaside list belonged to a driver that was unloaded without deleting it; %s",
                   ddi, key, consequence);
        break;
    default:
        rp_finding("LOOKASIDE_LIST_NOT_INITIALIZED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p): not an initialised lookaside list; %s", ddi, key, consequence);
        break;
    }
}

/* Fills the structure the way a new, empty list looks and registers it as live. */
static void ex_la_initialize(void *key, PGENERAL_LOOKASIDE_POOL l, ex_la_variant variant, const char *ddi,
                             POOL_TYPE type, SIZE_T size, ULONG tag)
{
    memset(l, 0, sizeof(*l));
    l->Depth = EX_LA_INITIAL_DEPTH;
    l->MaximumDepth = EX_MAXIMUM_LOOKASIDE_DEPTH_BASE;
    l->Type = type;
    l->Tag = tag;
    /* Every entry must be able to hold the link of a cached entry. */
    l->Size = (ULONG)(size < LOOKASIDE_MINIMUM_BLOCK_SIZE ? LOOKASIDE_MINIMUM_BLOCK_SIZE : size);
    InitializeListHead(&l->ListEntry);

    size_t stranded = 0;
    BOOLEAN was_live = FALSE, registered = TRUE;
    ex_lookaside *record = NULL;
    ex_la_state state = ex_la_find(key, &record);
    if (record == NULL) {
        record = calloc(1, sizeof(*record));
        if (record != NULL) {
            record->key = key;
            HASH_ADD_PTR(ex_lists, key, record);
        } else {
            registered = FALSE;
        }
    } else if (state == EX_LA_LIVE) {
        was_live = TRUE;
        stranded = record->count;
    }
    if (record != NULL) {
        free(record->cache);
        record->cache = NULL;
        record->count = record->capacity = 0;
        record->variant = variant;
        record->state = EX_LA_LIVE;
        record->owner = ke_current_driver();
    }
    ex_la_leave();

    if (!registered)
        rp_error(STATUS_INSUFFICIENT_RESOURCES, "%s(%p): out of memory registering the lookaside list", ddi, key);
    if (was_live)
        rp_finding("LOOKASIDE_LIST_REINITIALIZED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p): the lookaside list is already initialised and was never deleted; its %zu cached "
                   "entries are lost",
                   ddi, key, stranded);
}

/* ---- the operations shared by the three kinds of list ----------------------------------------- */

static PVOID ex_la_allocate(void *key, PGENERAL_LOOKASIDE_POOL l, ex_la_variant variant, const char *ddi)
{
    ex_lookaside *record;
    ex_la_state state = ex_la_find(key, &record);
    if (state != EX_LA_LIVE) {
        ex_la_leave();
        ex_la_report_unusable(state, ddi, key, "no entry is returned");
        return NULL;
    }
    ex_la_routines r = ex_la_snapshot(variant, l);
    BOOLEAN pool_entries = ex_la_default_routines(&r);
    PVOID entry = NULL, stale = NULL;
    size_t stale_count = 0;
    l->TotalAllocates++;
    while (entry == NULL && record->count > 0) {
        PVOID candidate = record->cache[--record->count];
        /* A default list caches pool blocks; one that is no longer a block was freed by the
         * driver while the list still held it. */
        if (pool_entries && !ex_pool_is_block(candidate)) {
            stale = candidate;
            stale_count++;
            continue;
        }
        entry = candidate;
    }
    if (entry == NULL)
        l->AllocateMisses++;
    ex_la_leave();

    if (stale_count != 0)
        rp_finding("BAD_POOL_CALLER", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p): %zu cached entries (last %p) were freed to pool while the lookaside list held them; "
                   "they are dropped",
                   ddi, key, stale_count, stale);
    ex_pool_check_irql(ddi, ex_pool_kind_of_type(r.type), r.tag, FALSE);
    if (entry == NULL)
        entry = ex_la_call_allocate(&r, ddi);
    return entry;
}

static void ex_la_free(void *key, PGENERAL_LOOKASIDE_POOL l, ex_la_variant variant, const char *ddi, PVOID entry)
{
    if (entry == NULL) {
        rp_finding("BAD_POOL_CALLER", STATUS_INVALID_PARAMETER, NULL, NULL, "%s(%p, NULL)", ddi, key);
        return;
    }
    ex_lookaside *record;
    ex_la_state state = ex_la_find(key, &record);
    if (state != EX_LA_LIVE) {
        ex_la_leave();
        ex_la_report_unusable(state, ddi, key, "the entry is not freed");
        return;
    }
    for (size_t i = 0; i < record->count; i++) {
        if (record->cache[i] == entry) {
            ex_la_leave();
            rp_finding("BAD_POOL_CALLER", STATUS_INVALID_PARAMETER, NULL, NULL,
                       "%s(%p, %p): the entry is already on the lookaside list (freed twice)", ddi, key, entry);
            return;
        }
    }
    ex_la_routines r = ex_la_snapshot(variant, l);
    BOOLEAN cached = FALSE;
    l->TotalFrees++;
    if (record->count < l->Depth) {
        if (record->count == record->capacity) {
            size_t capacity = record->capacity ? record->capacity * 2 : 8;
            PVOID *grown = realloc(record->cache, capacity * sizeof(*grown));
            if (grown != NULL) {
                record->cache = grown;
                record->capacity = capacity;
            }
        }
        if (record->count < record->capacity) {
            record->cache[record->count++] = entry;
            cached = TRUE;
        }
    }
    if (!cached)
        l->FreeMisses++;
    ex_la_leave();

    ex_pool_check_irql(ddi, ex_pool_kind_of_type(r.type), r.tag, TRUE);
    if (!cached)
        ex_la_call_free(&r, ddi, entry);
}

/* Frees every cached entry with the list's Free routine; delete also ends the list. */
static void ex_la_drain(void *key, PGENERAL_LOOKASIDE_POOL l, ex_la_variant variant, const char *ddi, BOOLEAN delete)
{
    ex_lookaside *record;
    ex_la_state state = ex_la_find(key, &record);
    if (state != EX_LA_LIVE) {
        ex_la_leave();
        ex_la_report_unusable(state, ddi, key, delete ? "nothing is deleted" : "nothing is flushed");
        return;
    }
    ex_la_routines r = ex_la_snapshot(variant, l);
    PVOID *entries = record->cache;
    size_t count = record->count;
    record->cache = NULL;
    record->count = record->capacity = 0;
    if (delete)
        record->state = EX_LA_DELETED;
    ex_la_leave();

    ex_pool_check_irql(ddi, ex_pool_kind_of_type(r.type), r.tag, TRUE);
    for (size_t i = count; i > 0; i--)
        ex_la_call_free(&r, ddi, entries[i - 1]);
    free(entries);
}

static PGENERAL_LOOKASIDE_POOL ex_la_fields(void *general)
{
    return (PGENERAL_LOOKASIDE_POOL)general;
}

/* ---- NPAGED_LOOKASIDE_LIST and PAGED_LOOKASIDE_LIST ------------------------------------------- */

/* Flags (since Windows 8) may add POOL_RAISE_IF_ALLOCATION_FAILURE and, for nonpaged lists,
 * POOL_NX_ALLOCATION to the pool type the entries are allocated with; Depth is reserved. */
static void ex_la_initialize_classic(void *key, PGENERAL_LOOKASIDE_POOL l, ex_la_variant variant, const char *ddi,
                                     PALLOCATE_FUNCTION Allocate, PFREE_FUNCTION Free, ULONG Flags, SIZE_T Size,
                                     ULONG Tag)
{
    if (key == NULL) {
        rp_finding("LOOKASIDE_INVALID_PARAMETER", STATUS_INVALID_PARAMETER, NULL, NULL, "%s(NULL)", ddi);
        return;
    }
    ULONG known = POOL_RAISE_IF_ALLOCATION_FAILURE | POOL_NX_ALLOCATION;
    if ((Flags & ~known) != 0)
        rp_finding("LOOKASIDE_INVALID_PARAMETER", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p): Flags 0x%08x has bits other than POOL_RAISE_IF_ALLOCATION_FAILURE and "
                   "POOL_NX_ALLOCATION (0x%08x); they are ignored",
                   ddi, key, (unsigned)Flags, (unsigned)(Flags & ~known));
    ULONG type = variant == EX_LA_PAGED ? PagedPool : NonPagedPool;
    if (variant == EX_LA_NPAGED && (Flags & POOL_NX_ALLOCATION) != 0)
        type = NonPagedPoolNx;
    type |= Flags & POOL_RAISE_IF_ALLOCATION_FAILURE;
    ex_la_initialize(key, l, variant, ddi, (POOL_TYPE)type, Size, Tag);
    l->Allocate = Allocate != NULL ? Allocate : ExAllocatePoolWithTag;
    l->Free = Free != NULL ? Free : ExFreePool;
}

NTKERNELAPI VOID NTAPI ExInitializeNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside, PALLOCATE_FUNCTION Allocate,
                                                       PFREE_FUNCTION Free, ULONG Flags, SIZE_T Size, ULONG Tag,
                                                       USHORT Depth)
{
    (void)Depth;
    ex_la_initialize_classic(Lookaside, Lookaside != NULL ? ex_la_fields(&Lookaside->L) : NULL, EX_LA_NPAGED,
                             "ExInitializeNPagedLookasideList", Allocate, Free, Flags, Size, Tag);
}

NTKERNELAPI VOID NTAPI ExDeleteNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside)
{
    ex_la_drain(Lookaside, ex_la_fields(Lookaside), EX_LA_NPAGED, "ExDeleteNPagedLookasideList", TRUE);
}

NTKERNELAPI PVOID NTAPI ExAllocateFromNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside)
{
    return ex_la_allocate(Lookaside, ex_la_fields(Lookaside), EX_LA_NPAGED, "ExAllocateFromNPagedLookasideList");
}

NTKERNELAPI VOID NTAPI ExFreeToNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside, PVOID Entry)
{
    ex_la_free(Lookaside, ex_la_fields(Lookaside), EX_LA_NPAGED, "ExFreeToNPagedLookasideList", Entry);
}

NTKERNELAPI VOID NTAPI ExInitializePagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside, PALLOCATE_FUNCTION Allocate,
                                                      PFREE_FUNCTION Free, ULONG Flags, SIZE_T Size, ULONG Tag,
                                                      USHORT Depth)
{
    (void)Depth;
    ex_la_initialize_classic(Lookaside, Lookaside != NULL ? ex_la_fields(&Lookaside->L) : NULL, EX_LA_PAGED,
                             "ExInitializePagedLookasideList", Allocate, Free, Flags, Size, Tag);
}

NTKERNELAPI VOID NTAPI ExDeletePagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside)
{
    ex_la_drain(Lookaside, ex_la_fields(Lookaside), EX_LA_PAGED, "ExDeletePagedLookasideList", TRUE);
}

NTKERNELAPI PVOID NTAPI ExAllocateFromPagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside)
{
    return ex_la_allocate(Lookaside, ex_la_fields(Lookaside), EX_LA_PAGED, "ExAllocateFromPagedLookasideList");
}

NTKERNELAPI VOID NTAPI ExFreeToPagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside, PVOID Entry)
{
    ex_la_free(Lookaside, ex_la_fields(Lookaside), EX_LA_PAGED, "ExFreeToPagedLookasideList", Entry);
}

/* ---- LOOKASIDE_LIST_EX ------------------------------------------------------------------------ */

/* The POOL_TYPE values a list's entries can be allocated from. */
static BOOLEAN ex_la_pool_type_valid(POOL_TYPE type)
{
    switch (type) {
    case NonPagedPool:
    case PagedPool:
    case NonPagedPoolCacheAligned:
    case PagedPoolCacheAligned:
    case NonPagedPoolSession:
    case PagedPoolSession:
    case NonPagedPoolCacheAlignedSession:
    case PagedPoolCacheAlignedSession:
    case NonPagedPoolNx:
    case NonPagedPoolNxCacheAligned:
    case NonPagedPoolSessionNx:
        return TRUE;
    default:
        return FALSE;
    }
}

/* RAISE_ON_FAIL adds POOL_RAISE_IF_ALLOCATION_FAILURE and FAIL_NO_RAISE adds
 * POOL_QUOTA_FAIL_INSTEAD_OF_RAISE to the pool type the Allocate routine receives. */
NTKERNELAPI NTSTATUS NTAPI ExInitializeLookasideListEx(PLOOKASIDE_LIST_EX Lookaside, PALLOCATE_FUNCTION_EX Allocate,
                                                       PFREE_FUNCTION_EX Free, POOL_TYPE PoolType, ULONG Flags,
                                                       SIZE_T Size, ULONG Tag, USHORT Depth)
{
    static const char ddi[] = "ExInitializeLookasideListEx";
    (void)Depth;
    if (Lookaside == NULL) {
        rp_finding("LOOKASIDE_INVALID_PARAMETER", STATUS_INVALID_PARAMETER, NULL, NULL, "%s(NULL)", ddi);
        return STATUS_INVALID_PARAMETER;
    }
    if (!ex_la_pool_type_valid(PoolType))
        return rp_fail(STATUS_INVALID_PARAMETER_4, "%s(%p): %d is not a pool type", ddi, (void *)Lookaside,
                       (int)PoolType);
    const ULONG both = EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL | EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE;
    if ((Flags & ~both) != 0 || (Flags & both) == both)
        return rp_fail(STATUS_INVALID_PARAMETER_5, "%s(%p): Flags 0x%08x is not valid", ddi, (void *)Lookaside,
                       (unsigned)Flags);
    if (Allocate == NULL && (Flags & EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE) != 0)
        rp_finding("LOOKASIDE_INVALID_PARAMETER", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p): EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE without an Allocate routine; the default "
                   "routine's behaviour is undefined with it",
                   ddi, (void *)Lookaside);
    ULONG type = (ULONG)PoolType;
    if (Flags & EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL)
        type |= POOL_RAISE_IF_ALLOCATION_FAILURE;
    if (Flags & EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE)
        type |= POOL_QUOTA_FAIL_INSTEAD_OF_RAISE;
    PGENERAL_LOOKASIDE_POOL l = &Lookaside->L;
    ex_la_initialize(Lookaside, l, EX_LA_EX, ddi, (POOL_TYPE)type, Size, Tag);
    l->AllocateEx = Allocate != NULL ? Allocate : ex_la_default_allocate_ex;
    l->FreeEx = Free != NULL ? Free : ex_la_default_free_ex;
    return STATUS_SUCCESS;
}

NTKERNELAPI VOID NTAPI ExDeleteLookasideListEx(PLOOKASIDE_LIST_EX Lookaside)
{
    ex_la_drain(Lookaside, ex_la_fields(Lookaside), EX_LA_EX, "ExDeleteLookasideListEx", TRUE);
}

NTKERNELAPI VOID NTAPI ExFlushLookasideListEx(PLOOKASIDE_LIST_EX Lookaside)
{
    ex_la_drain(Lookaside, ex_la_fields(Lookaside), EX_LA_EX, "ExFlushLookasideListEx", FALSE);
}

NTKERNELAPI PVOID NTAPI ExAllocateFromLookasideListEx(PLOOKASIDE_LIST_EX Lookaside)
{
    return ex_la_allocate(Lookaside, ex_la_fields(Lookaside), EX_LA_EX, "ExAllocateFromLookasideListEx");
}

NTKERNELAPI VOID NTAPI ExFreeToLookasideListEx(PLOOKASIDE_LIST_EX Lookaside, PVOID Entry)
{
    ex_la_free(Lookaside, ex_la_fields(Lookaside), EX_LA_EX, "ExFreeToLookasideListEx", Entry);
}

/* ---- unload and shutdown ---------------------------------------------------------------------- */

void ex_lookaside_forget_driver(PDRIVER_OBJECT driver)
{
    ex_lookaside *record, *next;
    ex_la_enter();
    HASH_ITER(hh, ex_lists, record, next)
    {
        if (record->owner != driver || record->state != EX_LA_LIVE)
            continue;
        record->state = EX_LA_ORPHANED;
        free(record->cache);
        record->cache = NULL;
        record->count = record->capacity = 0;
    }
    ex_la_leave();
}

void ex_lookaside_shutdown(void)
{
    ex_lookaside *record, *next;
    ex_la_enter();
    HASH_ITER(hh, ex_lists, record, next)
    {
        HASH_DEL(ex_lists, record);
        free(record->cache);
        free(record);
    }
    ex_la_leave();
}
