/* ex/pool.c: executive pool: the ExAllocatePool* family and ExFreePool*, with a registry of
 * live blocks so that a tag mismatch, a double free or a stray pointer is reported as
 * BAD_POOL_CALLER instead of corrupting the heap.
 *
 * On top of the registry sits what Driver Verifier's pool tracking does on Windows: every block
 * remembers its tag, size, kind of pool and the driver that allocated it; usage is counted per
 * tag; allocating or freeing at an IRQL the pool does not allow is reported (IRQL_POOL_ACCESS);
 * ExAllocatePool2/3 flags are validated (BAD_POOL_FLAGS); blocks a driver still owns when it is
 * unloaded are reported and reclaimed (POOL_LEAK_AT_UNLOAD); and the host can make allocations
 * fail on purpose, like the verifier's low-resources simulation. */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Blocks are registered by address: a multiplicative hash of the pointer spreads them over the
 * buckets for a fraction of the generic hash's cost (other keys keep uthash's own). */
#define EX_HASH_POINTER(keyptr, hashv)                                                           \
    do {                                                                                         \
        uint64_t ex_key_;                                                                        \
        memcpy(&ex_key_, (keyptr), sizeof(ex_key_));                                             \
        (hashv) = (unsigned)(((ex_key_ >> 4) * 0x9E3779B97F4A7C15ull) >> 32);                    \
    } while (0)
#define HASH_FUNCTION(keyptr, keylen, hashv)                                                     \
    do {                                                                                         \
        if ((keylen) == sizeof(uint64_t) && sizeof(void *) == sizeof(uint64_t))                  \
            EX_HASH_POINTER(keyptr, hashv);                                                      \
        else                                                                                     \
            HASH_JEN(keyptr, keylen, hashv);                                                     \
    } while (0)
#include <uthash.h>

#include "core/report.h"
#include "ex/ex.h"
#include "ke/ke.h"
#include "platform/platform.h"
#include "platform/atomic.h"

/* Larger requests fail as if the pool were exhausted (and keep malloc away from sizes that
 * are certainly a driver's arithmetic error). */
#define EX_POOL_LARGEST ((SIZE_T)1 << 40)

/* How many leaked blocks ex_pool_reclaim_driver names one by one before it summarises. */
#define EX_POOL_LEAKS_LISTED 20

/* The required POOL_FLAGS bits a driver may pass.  The RESERVED bits belong to the system and
 * everything else in the low 32 bits is undefined: an allocation asking for a required
 * property the pool does not know must fail.  The high 32 bits are optional and ignored. */
#define EX_POOL_FLAGS_REQUIRED_MASK 0x00000000FFFFFFFFULL
#define EX_POOL_FLAGS_TYPE_MASK (POOL_FLAG_NON_PAGED | POOL_FLAG_NON_PAGED_EXECUTE | POOL_FLAG_PAGED)
#define EX_POOL_FLAGS_ALLOWED                                                                  \
    (POOL_FLAG_USE_QUOTA | POOL_FLAG_UNINITIALIZED | POOL_FLAG_SESSION | POOL_FLAG_CACHE_ALIGNED | \
     POOL_FLAG_RAISE_ON_FAILURE | EX_POOL_FLAGS_TYPE_MASK)

/* Every live block is registered by address, so a free of anything else (a second free, a
 * stack address, a pointer into the middle of a block) is recognised without touching it.
 * The hash keeps insertion order, so walking it visits blocks in allocation order. */
typedef struct ex_pool_block {
    void *address;
    ULONG tag;
    SIZE_T size;
    ex_pool_kind kind;
    PDRIVER_OBJECT owner; /* the driver running when it was allocated, NULL for host code */
    const char *ddi;      /* the routine that allocated it */
    struct ex_pool_block *next_reclaimed;
    BOOLEAN recycled;     /* an ex_pool_allocate_buffer block: kept by the freeing thread */
    BOOLEAN spare;        /* ... and freed, waiting in that thread's cache: not a live block */
    UT_hash_handle hh;
} ex_pool_block;

/* Usage of one tag (and, in ex_total, of all of them).  fail marks a tag the host wants every
 * allocation of to fail. */
typedef struct ex_tag_usage {
    ULONG tag;
    size_t blocks;
    size_t bytes;
    size_t peak_bytes;
    uint64_t allocations;
    uint64_t frees;
    BOOLEAN fail;
    UT_hash_handle hh;
} ex_tag_usage;

/* A block's record and its memory are one allocation (the record first, the memory at
 * MEMORY_ALLOCATION_ALIGNMENT after it): one malloc and one free per block.  Under
 * AddressSanitizer they stay two, so that a driver writing in front of its block is reported
 * rather than overwriting the record. */
#if defined(__SANITIZE_ADDRESS__)
#define EX_POOL_ONE_BLOCK 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EX_POOL_ONE_BLOCK 0
#endif
#endif
#ifndef EX_POOL_ONE_BLOCK
#define EX_POOL_ONE_BLOCK 1
#endif
#define EX_POOL_HEADER_SIZE ((sizeof(ex_pool_block) + 15) & ~(size_t)15)

/* Gives a block's record and memory back to the C heap. */
static void ex_block_free(ex_pool_block *block, void *memory)
{
#if EX_POOL_ONE_BLOCK
    (void)memory;
#else
    free(memory);
#endif
    free(block);
}

static ex_pool_block *ex_blocks;
/* Always in ex_blocks while the lock is not held (added back by the first allocation after
 * ex_pool_shutdown), never a block: uthash frees its table when the last entry goes and builds
 * it again (two mallocs) for the next one, which with one system buffer live at a time is every
 * request.  Its address is its own, so no pointer a caller frees can match it. */
static ex_pool_block ex_anchor;
static ex_tag_usage *ex_tags;
static ex_tag_usage ex_total;
/* Low-resources simulation: allocations still allowed to succeed before all of them fail, or
 * -1 when counting is off. */
static int64_t ex_fail_after = -1;
/* Atomic: set once the host asked for failures (wdmemu_pool_fail_after, wdmemu_pool_fail_tag),
 * cleared at shutdown.  While it is clear no allocation can be failed on purpose, so
 * ex_allocate skips asking. */
static BOOLEAN ex_injection_armed;
/* Lock held: the usage record found last (most allocations in a row use one tag). */
static ex_tag_usage *ex_tag_last;
/* Held for a hash insertion or removal and a few counters (longer only to walk the blocks at
 * unload and shutdown): a spin lock. */
static struct {
    PLAT_CACHE_ALIGNED plat_spinlock lock; /* taken twice per buffered request: its own cache line */
} ex_lock;

static void ex_pool_lock(void)
{
    plat_spin_lock(&ex_lock.lock);
}

static void ex_pool_unlock(void)
{
    plat_spin_unlock(&ex_lock.lock);
}

/* ---- spare buffers (ex_pool_allocate_buffer) ---------------------------------------------------
 * Each thread keeps a few freed buffers, registered but marked spare, for its next allocations
 * of the same size.  ex_epoch moves on at every ex_pool_shutdown, which frees spares with every
 * other block: a thread's cache from an older epoch holds nothing.  A thread that exits gives
 * its spares back to the C heap. */
#define EX_SPARES 4
#define EX_SPARE_LARGEST 4096
#if !EX_POOL_ONE_BLOCK
#define EX_RECYCLE 0
#else
#define EX_RECYCLE 1
#endif

typedef struct ex_spare_cache {
    uint64_t epoch;
    unsigned count;
    ex_pool_block *block[EX_SPARES];
} ex_spare_cache;

static uint64_t ex_epoch = 1; /* atomic */
static PLAT_THREAD_LOCAL_HOT ex_spare_cache *ex_thread_spares;

static void ex_spare_cache_release(void *value) /* thread exit */
{
    ex_spare_cache *cache = value;
    if (ex_thread_spares == cache)
        ex_thread_spares = NULL;
    ex_pool_block *freed[EX_SPARES];
    unsigned count = 0;
    ex_pool_lock();
    if (cache->epoch == plat_atomic_load(&ex_epoch, PLAT_RELAXED)) {
        for (unsigned i = 0; i < cache->count; i++) {
            HASH_DEL(ex_blocks, cache->block[i]);
            freed[count++] = cache->block[i];
        }
    }
    ex_pool_unlock();
    for (unsigned i = 0; i < count; i++)
        ex_block_free(freed[i], freed[i]->address);
    free(cache);
}

static plat_thread_blocks ex_spare_caches = PLAT_THREAD_BLOCKS(ex_spare_cache_release);

/* The calling thread's cache, emptied if a shutdown freed its blocks; NULL without one. */
static ex_spare_cache *ex_spare_cache_get(void)
{
    ex_spare_cache *cache = ex_thread_spares;
    if (PLAT_UNLIKELY(cache == NULL)) {
        if ((cache = plat_thread_block_create(&ex_spare_caches, sizeof(*cache))) == NULL)
            return NULL;
        ex_thread_spares = cache;
    }
    uint64_t epoch = plat_atomic_load(&ex_epoch, PLAT_RELAXED);
    if (PLAT_UNLIKELY(cache->epoch != epoch)) {
        cache->epoch = epoch;
        cache->count = 0;
    }
    return cache;
}

/* A spare block of exactly this size, taken out of the cache (still marked spare), or NULL. */
static ex_pool_block *ex_spare_take(SIZE_T bytes)
{
    ex_spare_cache *cache = ex_spare_cache_get();
    if (cache == NULL)
        return NULL;
    for (unsigned i = cache->count; i-- > 0;) {
        ex_pool_block *block = cache->block[i];
        if (block->size == bytes) {
            cache->block[i] = cache->block[--cache->count];
            return block;
        }
    }
    return NULL;
}

const char *ex_tag_text(ULONG tag, char text[5])
{
    for (int i = 0; i < 4; i++) {
        char c = (char)((tag >> (8 * i)) & 0xFF);
        text[i] = (c >= 0x20 && c < 0x7F) ? c : '.';
    }
    text[4] = '\0';
    return text;
}

const char *ex_pool_kind_name(ex_pool_kind kind)
{
    switch (kind) {
    case EX_POOL_PAGED:
        return "paged";
    case EX_POOL_NONPAGED_NX:
        return "nonpaged NX";
    default:
        return "nonpaged";
    }
}

/* POOL_TYPE values keep the paged/nonpaged choice in bit 0 (PagedPool, PagedPoolCacheAligned,
 * PagedPoolSession ... are odd) and no-execute in POOL_NX_ALLOCATION; the other bits are
 * alignment, session and the allocation modifiers. */
ex_pool_kind ex_pool_kind_of_type(POOL_TYPE type)
{
    if (((ULONG)type & 1) != 0)
        return EX_POOL_PAGED;
    if (((ULONG)type & POOL_NX_ALLOCATION) != 0)
        return EX_POOL_NONPAGED_NX;
    return EX_POOL_NONPAGED;
}

static const char *ex_irql_name(KIRQL irql)
{
    switch (irql) {
    case PASSIVE_LEVEL:
        return "PASSIVE_LEVEL";
    case APC_LEVEL:
        return "APC_LEVEL";
    case DISPATCH_LEVEL:
        return "DISPATCH_LEVEL";
    case HIGH_LEVEL:
        return "HIGH_LEVEL";
    default:
        return "device IRQL";
    }
}

/* The verifier's rule: paged pool only at or below APC_LEVEL, any pool only at or below
 * DISPATCH_LEVEL (bug check 0xC4 with 0x01/0x02 for allocations, 0x11/0x12 for frees). */
/* ex_pool_check_irql's slow path: the finding (FALSE), or TRUE if the IRQL was allowed after all. */
BOOLEAN ex_pool_irql_violation(const char *ddi, ex_pool_kind kind, ULONG tag, BOOLEAN freeing)
{
    KIRQL irql = ke_self()->irql;
    KIRQL limit = kind == EX_POOL_PAGED ? APC_LEVEL : DISPATCH_LEVEL;
    if (irql <= limit)
        return TRUE;
    char text[5];
    rp_finding("IRQL_POOL_ACCESS", STATUS_SUCCESS, NULL, NULL,
               "%s at %s (%u) %s %s pool (tag '%s'); %s pool may only be %s at or below %s", ddi,
               ex_irql_name(irql), irql, freeing ? "frees" : "allocates", ex_pool_kind_name(kind),
               ex_tag_text(tag, text), kind == EX_POOL_PAGED ? "paged" : "any",
               freeing ? "freed" : "allocated", ex_irql_name(limit));
    return FALSE;
}

/* Lock held.  The usage record of a tag, or NULL. */
static ex_tag_usage *ex_tag_find(ULONG tag)
{
    if (ex_tag_last != NULL && ex_tag_last->tag == tag)
        return ex_tag_last;
    ex_tag_usage *usage = NULL;
    HASH_FIND(hh, ex_tags, &tag, sizeof(tag), usage);
    if (usage != NULL)
        ex_tag_last = usage;
    return usage;
}

/* Lock held.  The usage record of a tag, created on first use. */
static ex_tag_usage *ex_tag_record(ULONG tag)
{
    ex_tag_usage *usage = ex_tag_find(tag);
    if (usage == NULL) {
        usage = calloc(1, sizeof(*usage));
        if (usage == NULL)
            return NULL;
        usage->tag = tag;
        HASH_ADD(hh, ex_tags, tag, sizeof(usage->tag), usage);
    }
    return usage;
}

static void ex_usage_add(ex_tag_usage *usage, SIZE_T size)
{
    usage->blocks++;
    usage->bytes += size;
    usage->allocations++;
    if (usage->bytes > usage->peak_bytes)
        usage->peak_bytes = usage->bytes;
}

static void ex_usage_remove(ex_tag_usage *usage, SIZE_T size, BOOLEAN freed)
{
    usage->blocks--;
    usage->bytes -= size;
    if (freed)
        usage->frees++;
}

/* Lock held.  Whether the low-resources simulation fails this allocation.  Every attempt
 * counts against wdmemu_pool_fail_after, including attempts failed for their tag. */
static BOOLEAN ex_injected_failure(ULONG tag)
{
    BOOLEAN fail = FALSE;
    if (ex_fail_after == 0)
        fail = TRUE;
    else if (ex_fail_after > 0)
        ex_fail_after--;
    ex_tag_usage *usage = ex_tag_find(tag);
    if (usage != NULL && usage->fail)
        fail = TRUE;
    return fail;
}

/* One allocation as the DDIs describe it. */
typedef struct ex_pool_request {
    const char *ddi;
    ex_pool_kind kind;
    SIZE_T bytes;
    ULONG tag;
    BOOLEAN zero;       /* zero the memory */
    BOOLEAN raise;      /* raise STATUS_INSUFFICIENT_RESOURCES on failure instead of returning NULL */
    BOOLEAN check_irql; /* FALSE when the calling DDI (a lookaside list) already checked */
    BOOLEAN recycle;    /* ex_pool_allocate_buffer */
} ex_pool_request;

static PVOID ex_allocate(const ex_pool_request *rq)
{
    if (rq->check_irql)
        ex_pool_check_irql(rq->ddi, rq->kind, rq->tag, FALSE);

    /* One lock round trip unless the host asked for failures. */
    BOOLEAN injected = FALSE;
    if (plat_atomic_load(&ex_injection_armed, PLAT_RELAXED)) {
        ex_pool_lock();
        injected = ex_injected_failure(rq->tag);
        ex_pool_unlock();
    }

    ex_pool_block *block = NULL;
    void *memory = NULL;
    /* A spare of this size (ex_pool_allocate_buffer) is registered already: it only comes back to
     * life. */
    BOOLEAN registered = EX_RECYCLE && rq->recycle && !injected && (block = ex_spare_take(rq->bytes)) != NULL;
    if (registered) {
        memory = block->address;
        if (rq->zero)
            memset(memory, 0, rq->bytes);
    } else if (!injected && rq->bytes <= EX_POOL_LARGEST) {
        SIZE_T bytes = rq->bytes ? rq->bytes : 1;
#if EX_POOL_ONE_BLOCK
        block = malloc(EX_POOL_HEADER_SIZE + bytes);
        if (block != NULL) {
            memory = (char *)block + EX_POOL_HEADER_SIZE;
            if (rq->zero)
                memset(memory, 0, bytes);
        }
#else
        block = malloc(sizeof(*block));
        memory = rq->zero ? calloc(1, bytes) : malloc(bytes);
#endif
    }
    if (block == NULL || memory == NULL) {
        ex_block_free(block, memory);
        char text[5];
        rp_info("%s(%zu bytes, '%s') failed%s", rq->ddi, (size_t)rq->bytes, ex_tag_text(rq->tag, text),
                injected ? " (low-resources simulation)" : "");
        if (rq->raise)
            ExRaiseStatus(STATUS_INSUFFICIENT_RESOURCES);
        return NULL;
    }
    PDRIVER_OBJECT owner = ke_current_driver();

    /* Under the lock: a registered block's record is read by whoever frees or reclaims blocks. */
    ex_pool_lock();
    block->address = memory;
    block->tag = rq->tag;
    block->size = rq->bytes;
    block->kind = rq->kind;
    block->owner = owner;
    block->ddi = rq->ddi;
    block->next_reclaimed = NULL;
    block->recycled = EX_RECYCLE && rq->recycle && rq->bytes != 0 && rq->bytes <= EX_SPARE_LARGEST;
    block->spare = FALSE;
    if (!registered) {
        if (PLAT_UNLIKELY(ex_blocks == NULL)) {
            ex_anchor.address = &ex_anchor;
            HASH_ADD_PTR(ex_blocks, address, &ex_anchor);
        }
        HASH_ADD_PTR(ex_blocks, address, block);
    }
    ex_tag_usage *usage = ex_tag_record(rq->tag);
    if (usage != NULL)
        ex_usage_add(usage, rq->bytes);
    ex_usage_add(&ex_total, rq->bytes);
    ex_pool_unlock();
    return memory;
}

static void ex_free(PVOID p, ULONG tag, BOOLEAN check_tag, BOOLEAN check_irql, const char *ddi)
{
    if (p == NULL) {
        rp_finding("BAD_POOL_CALLER", STATUS_INVALID_PARAMETER, NULL, NULL, "%s(NULL)", ddi);
        return;
    }
    ex_pool_block *block = NULL;
    /* A recycled block goes to the freeing thread's spares when there is room (it then stays
     * registered, marked spare, so that freeing it again is still reported). */
    ex_spare_cache *spares = NULL;
    ex_pool_lock();
    HASH_FIND_PTR(ex_blocks, &p, block);
    if (block == &ex_anchor || (block != NULL && block->spare))
        block = NULL;
    if (block != NULL) {
        if (block->recycled && (spares = ex_spare_cache_get()) != NULL && spares->count < EX_SPARES)
            block->spare = TRUE;
        else
            HASH_DEL(ex_blocks, block);
        ex_tag_usage *usage = ex_tag_find(block->tag);
        if (usage != NULL)
            ex_usage_remove(usage, block->size, TRUE);
        ex_usage_remove(&ex_total, block->size, TRUE);
    }
    ex_pool_unlock();
    if (block == NULL) {
        rp_finding("BAD_POOL_CALLER", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p): not an allocated pool block (freed twice, or never allocated from pool)", ddi, p);
        return;
    }
    if (check_irql)
        ex_pool_check_irql(ddi, block->kind, block->tag, TRUE);
    if (check_tag && block->tag != tag) {
        char want[5], have[5];
        rp_finding("BAD_POOL_CALLER", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p, '%s'): the block was allocated with tag '%s'", ddi, p, ex_tag_text(tag, want),
                   ex_tag_text(block->tag, have));
    }
    if (block->spare && spares->count < EX_SPARES) {
        spares->block[spares->count++] = block;
        return;
    }
    if (block->spare) { /* the findings' message handler filled the cache meanwhile */
        ex_pool_lock();
        HASH_DEL(ex_blocks, block);
        ex_pool_unlock();
    }
    ex_block_free(block, block->address);
}

/* ---- the POOL_TYPE family ------------------------------------------------------------------- */

/* ExAllocatePoolWithTag and its relatives return NULL on failure unless the pool type carries
 * POOL_RAISE_IF_ALLOCATION_FAILURE; the quota variants raise unless it carries
 * POOL_QUOTA_FAIL_INSTEAD_OF_RAISE.  POOL_ZERO_ALLOCATION asks for zeroed memory. */
static PVOID ex_allocate_typed(const char *ddi, POOL_TYPE type, SIZE_T bytes, ULONG tag, BOOLEAN zero,
                               BOOLEAN quota)
{
    ULONG bits = (ULONG)type;
    ex_pool_request rq = {
        .ddi = ddi,
        .kind = ex_pool_kind_of_type(type),
        .bytes = bytes,
        .tag = tag,
        .zero = zero || (bits & POOL_ZERO_ALLOCATION) != 0,
        .raise = (bits & POOL_RAISE_IF_ALLOCATION_FAILURE) != 0 ||
                 (quota && (bits & POOL_QUOTA_FAIL_INSTEAD_OF_RAISE) == 0),
        .check_irql = TRUE,
    };
    return ex_allocate(&rq);
}

PVOID ex_pool_allocate_for(const char *ddi, POOL_TYPE type, SIZE_T bytes, ULONG tag)
{
    ULONG bits = (ULONG)type;
    ex_pool_request rq = {
        .ddi = ddi,
        .kind = ex_pool_kind_of_type(type),
        .bytes = bytes,
        .tag = tag,
        .zero = (bits & POOL_ZERO_ALLOCATION) != 0,
        .raise = (bits & POOL_RAISE_IF_ALLOCATION_FAILURE) != 0,
        .check_irql = FALSE,
    };
    return ex_allocate(&rq);
}

PVOID ex_pool_allocate_buffer(const char *ddi, SIZE_T bytes, ULONG tag)
{
    ex_pool_request rq = {
        .ddi = ddi,
        .kind = EX_POOL_NONPAGED_NX,
        .bytes = bytes,
        .tag = tag,
        .check_irql = TRUE,
        .recycle = TRUE,
    };
    return ex_allocate(&rq);
}

void ex_pool_free_for(const char *ddi, PVOID p)
{
    ex_free(p, 0, FALSE, FALSE, ddi);
}

BOOLEAN ex_pool_is_block(PVOID p)
{
    ex_pool_block *block = NULL;
    ex_pool_lock();
    HASH_FIND_PTR(ex_blocks, &p, block);
    BOOLEAN live = block != NULL && block != &ex_anchor && !block->spare;
    ex_pool_unlock();
    return live;
}

NTKERNELAPI PVOID NTAPI ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    return ex_allocate_typed("ExAllocatePoolWithTag", PoolType, NumberOfBytes, Tag, FALSE, FALSE);
}

NTKERNELAPI PVOID NTAPI ExAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes)
{
    return ex_allocate_typed("ExAllocatePool", PoolType, NumberOfBytes, 'enoN', FALSE, FALSE);
}

NTKERNELAPI PVOID NTAPI ExAllocatePoolZero(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    return ex_allocate_typed("ExAllocatePoolZero", PoolType, NumberOfBytes, Tag, TRUE, FALSE);
}

NTKERNELAPI PVOID NTAPI ExAllocatePoolUninitialized(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    return ex_allocate_typed("ExAllocatePoolUninitialized", PoolType, NumberOfBytes, Tag, FALSE, FALSE);
}

NTKERNELAPI PVOID NTAPI ExAllocatePoolWithTagPriority(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag,
                                                      EX_POOL_PRIORITY Priority)
{
    (void)Priority;
    return ex_allocate_typed("ExAllocatePoolWithTagPriority", PoolType, NumberOfBytes, Tag, FALSE, FALSE);
}

NTKERNELAPI PVOID NTAPI ExAllocatePoolWithQuotaTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    return ex_allocate_typed("ExAllocatePoolWithQuotaTag", PoolType, NumberOfBytes, Tag, FALSE, TRUE);
}

NTKERNELAPI PVOID NTAPI ExAllocatePoolWithQuota(POOL_TYPE PoolType, SIZE_T NumberOfBytes)
{
    return ex_allocate_typed("ExAllocatePoolWithQuota", PoolType, NumberOfBytes, 'enoN', FALSE, TRUE);
}

NTKERNELAPI PVOID NTAPI ExAllocatePoolQuotaZero(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    return ex_allocate_typed("ExAllocatePoolQuotaZero", PoolType, NumberOfBytes, Tag, TRUE, TRUE);
}

NTKERNELAPI PVOID NTAPI ExAllocatePoolQuotaUninitialized(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    return ex_allocate_typed("ExAllocatePoolQuotaUninitialized", PoolType, NumberOfBytes, Tag, FALSE, TRUE);
}

/* ---- the POOL_FLAGS family ------------------------------------------------------------------ */

static int ex_bit_count(ULONG64 bits)
{
    int n = 0;
    for (; bits != 0; bits &= bits - 1)
        n++;
    return n;
}

/* ExAllocatePool2/3: exactly one of the three pool kinds, no required flag outside the ones a
 * driver may use; otherwise the allocation fails (NULL, or an exception with
 * POOL_FLAG_RAISE_ON_FAILURE).  Unknown optional flags are ignored.  Memory is zeroed unless
 * POOL_FLAG_UNINITIALIZED is given; the quota flag does not make these routines raise. */
static PVOID ex_allocate_flags(const char *ddi, POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag)
{
    char text[5];
    BOOLEAN raise = (Flags & POOL_FLAG_RAISE_ON_FAILURE) != 0;
    int kinds = ex_bit_count(Flags & EX_POOL_FLAGS_TYPE_MASK);
    ULONG64 unknown = Flags & EX_POOL_FLAGS_REQUIRED_MASK & ~(ULONG64)EX_POOL_FLAGS_ALLOWED;
    BOOLEAN valid = TRUE;
    if (kinds != 1) {
        rp_finding("BAD_POOL_FLAGS", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(0x%016" PRIx64 ", %zu, '%s'): %s of POOL_FLAG_NON_PAGED, POOL_FLAG_NON_PAGED_EXECUTE and "
                   "POOL_FLAG_PAGED given; exactly one is required",
                   ddi, (uint64_t)Flags, (size_t)NumberOfBytes, ex_tag_text(Tag, text),
                   kinds == 0 ? "none" : "more than one");
        valid = FALSE;
    }
    if (unknown != 0) {
        rp_finding("BAD_POOL_FLAGS", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(0x%016" PRIx64 ", %zu, '%s'): required flag bits 0x%" PRIx64
                   " are reserved for the system or undefined; an allocation with required flags the pool "
                   "cannot satisfy fails",
                   ddi, (uint64_t)Flags, (size_t)NumberOfBytes, ex_tag_text(Tag, text), (uint64_t)unknown);
        valid = FALSE;
    }
    if (!valid) {
        if (raise)
            ExRaiseStatus(STATUS_INSUFFICIENT_RESOURCES);
        return NULL;
    }
    ex_pool_kind kind = EX_POOL_NONPAGED_NX;
    if (Flags & POOL_FLAG_PAGED)
        kind = EX_POOL_PAGED;
    else if (Flags & POOL_FLAG_NON_PAGED_EXECUTE)
        kind = EX_POOL_NONPAGED;
    ex_pool_request rq = {
        .ddi = ddi,
        .kind = kind,
        .bytes = NumberOfBytes,
        .tag = Tag,
        .zero = (Flags & POOL_FLAG_UNINITIALIZED) == 0,
        .raise = raise,
        .check_irql = TRUE,
    };
    return ex_allocate(&rq);
}

NTKERNELAPI PVOID NTAPI ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag)
{
    return ex_allocate_flags("ExAllocatePool2", Flags, NumberOfBytes, Tag);
}

NTKERNELAPI PVOID NTAPI ExAllocatePool3(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag,
                                        PCPOOL_EXTENDED_PARAMETER ExtendedParameters, ULONG ExtendedParametersCount)
{
    (void)ExtendedParameters;
    (void)ExtendedParametersCount;
    return ex_allocate_flags("ExAllocatePool3", Flags, NumberOfBytes, Tag);
}

/* ---- freeing ---------------------------------------------------------------------------------- */

NTKERNELAPI VOID NTAPI ExFreePool(PVOID P)
{
    ex_free(P, 0, FALSE, TRUE, "ExFreePool");
}

NTKERNELAPI VOID NTAPI ExFreePoolWithTag(PVOID P, ULONG Tag)
{
    ex_free(P, Tag, TRUE, TRUE, "ExFreePoolWithTag");
}

NTKERNELAPI VOID NTAPI ExFreePool2(PVOID P, ULONG Tag, PCPOOL_EXTENDED_PARAMETER ExtendedParameters,
                                   ULONG ExtendedParametersCount)
{
    (void)ExtendedParameters;
    (void)ExtendedParametersCount;
    ex_free(P, Tag, TRUE, TRUE, "ExFreePool2");
}

/* ExInitializeDriverRuntime(DrvRtPoolNxOptIn) makes NonPagedPool mean NonPagedPoolNx.  Memory
 * here is never executable either way, so there is nothing to switch; the call is valid. */
NTKERNELAPI VOID NTAPI ExInitializeDriverRuntime(ULONG RuntimeFlags)
{
    (void)RuntimeFlags;
}

/* ---- unload and shutdown ---------------------------------------------------------------------- */

size_t ex_pool_reclaim_driver(PDRIVER_OBJECT driver, const char *display, const char *when)
{
    if (driver == NULL)
        return 0;
    /* Lookaside lists the driver never deleted cache blocks that are about to be freed. */
    ex_lookaside_forget_driver(driver);

    ex_pool_block *reclaimed = NULL, **tail = &reclaimed;
    ex_pool_block *block, *next;
    ex_pool_lock();
    HASH_ITER(hh, ex_blocks, block, next)
    {
        if (block->owner != driver || block == &ex_anchor || block->spare)
            continue;
        HASH_DEL(ex_blocks, block);
        ex_tag_usage *usage = NULL;
        HASH_FIND(hh, ex_tags, &block->tag, sizeof(block->tag), usage);
        if (usage != NULL)
            ex_usage_remove(usage, block->size, FALSE);
        ex_usage_remove(&ex_total, block->size, FALSE);
        block->next_reclaimed = NULL;
        *tail = block;
        tail = &block->next_reclaimed;
    }
    ex_pool_unlock();

    /* Reported outside the lock: the host's message handler may look at pool usage. */
    const char *who = display != NULL ? display : "the driver";
    when = when != NULL ? when : "at unload";
    size_t count = 0, bytes = 0;
    for (block = reclaimed; block != NULL; block = next) {
        next = block->next_reclaimed;
        count++;
        bytes += block->size;
        if (count <= EX_POOL_LEAKS_LISTED) {
            char text[5];
            rp_finding("POOL_LEAK_AT_UNLOAD", STATUS_SUCCESS, display, NULL,
                       "%s %s: %zu-byte %s pool block tagged '%s' at %p (from %s) was never freed", who, when,
                       (size_t)block->size, ex_pool_kind_name(block->kind), ex_tag_text(block->tag, text),
                       block->address, block->ddi);
        }
        ex_block_free(block, block->address);
    }
    if (count > EX_POOL_LEAKS_LISTED) {
        rp_finding("POOL_LEAK_AT_UNLOAD", STATUS_SUCCESS, display, NULL,
                   "%s %s: %zu pool blocks (%zu bytes) were never freed in all; %zu more beyond the %d listed",
                   who, when, count, bytes, count - EX_POOL_LEAKS_LISTED, EX_POOL_LEAKS_LISTED);
    }
    return count;
}

void ex_pool_shutdown(void)
{
    ex_lookaside_shutdown();
    ex_pool_block *block, *next;
    ex_tag_usage *usage, *next_usage;
    ex_pool_lock();
    HASH_ITER(hh, ex_blocks, block, next)
    {
        HASH_DEL(ex_blocks, block);
        if (block == &ex_anchor)
            continue;
        ex_block_free(block, block->address);
    }
    HASH_ITER(hh, ex_tags, usage, next_usage)
    {
        HASH_DEL(ex_tags, usage);
        free(usage);
    }
    ex_tag_last = NULL;
    plat_atomic_add_fetch(&ex_epoch, 1, PLAT_RELAXED); /* every thread's spares were just freed */
    memset(&ex_total, 0, sizeof(ex_total));
    ex_fail_after = -1;
    plat_atomic_store(&ex_injection_armed, FALSE, PLAT_RELAXED);
    ex_pool_unlock();
}

/* ---- host API ------------------------------------------------------------------------------ */

static void ex_usage_copy(const ex_tag_usage *from, wdmemu_pool_usage *to)
{
    to->blocks = from->blocks;
    to->bytes = from->bytes;
    to->peak_bytes = from->peak_bytes;
    to->allocations = from->allocations;
    to->frees = from->frees;
}

WDMEMU_API void wdmemu_pool_usage_for_tag(ULONG tag, wdmemu_pool_usage *usage)
{
    if (usage == NULL)
        return;
    memset(usage, 0, sizeof(*usage));
    ex_tag_usage *record = NULL;
    ex_pool_lock();
    HASH_FIND(hh, ex_tags, &tag, sizeof(tag), record);
    if (record != NULL)
        ex_usage_copy(record, usage);
    ex_pool_unlock();
}

WDMEMU_API void wdmemu_pool_usage_total(wdmemu_pool_usage *usage)
{
    if (usage == NULL)
        return;
    ex_pool_lock();
    ex_usage_copy(&ex_total, usage);
    ex_pool_unlock();
}

WDMEMU_API void wdmemu_pool_fail_after(int64_t allocations)
{
    /* Brought up first, so that wdmemu_shutdown() (which only tears down a kernel that is up)
     * is sure to switch the simulation off again. */
    wdmemu_init();
    ex_pool_lock();
    ex_fail_after = allocations < 0 ? -1 : allocations;
    if (allocations >= 0)
        plat_atomic_store(&ex_injection_armed, TRUE, PLAT_RELAXED);
    ex_pool_unlock();
}

WDMEMU_API void wdmemu_pool_fail_tag(ULONG tag, BOOLEAN fail)
{
    wdmemu_init();
    ex_pool_lock();
    ex_tag_usage *usage = fail ? ex_tag_record(tag) : NULL;
    if (!fail)
        HASH_FIND(hh, ex_tags, &tag, sizeof(tag), usage);
    if (usage != NULL)
        usage->fail = fail;
    if (fail)
        plat_atomic_store(&ex_injection_armed, TRUE, PLAT_RELAXED);
    ex_pool_unlock();
}
