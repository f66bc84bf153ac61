/* io/irp.c: IRP memory: IoAllocateIrp, IoInitializeIrp, IoReuseIrp, IoFreeIrp, with the field
 * values Windows sets (Type, Size, StackCount, CurrentLocation = StackCount + 1, the current
 * stack location one past the last one, AllocationFlags), the state kept in the hidden header,
 * the quarantine that lets late use of a freed IRP be reported, and the per-stack-size free
 * lists that IRPs leaving the quarantine go back to (the I/O manager's IRP lookaside lists).
 *
 * Allocating and freeing an IRP takes no lock on the common path: each thread has a cache (its
 * own quarantine ring and free lists), and the only shared write is the atomic increment that
 * numbers IRPs.  A lock (io_irp_lock) guards what threads share: the list of every block held
 * (changed only when a block comes from or goes back to the heap), and the depot, a quarantine
 * and free lists for threads without a cache, for caches whose lists are full and for the
 * contents of the cache of a thread that exits.  Live IRPs (allocated, not freed) are the blocks
 * with the magic number whose state is not IO_IRP_FREED; IoInitializeIrp and the leak check at
 * unload walk the block list for them. */
#include <stdlib.h>
#include <string.h>

#include "core/report.h"
#include "io/irp_private.h"
#include "ke/ke.h"
#include "platform/platform.h"
#include "platform/atomic.h"

#define IO_QUARANTINE 128    /* freed IRPs each thread (and the depot) keeps out of use */
#define IO_FREE_MAX_STACK 64 /* IRPs with more stack locations are not recycled */
#define IO_FREE_MAX_DEPTH 256 /* per stack size, in each thread's cache and in the depot */
#define IO_FREE_LARGE_STACK 16 /* IRPs with more stack locations than this (over 1 KiB) ... */
#define IO_FREE_LARGE_DEPTH 16 /* ... are kept fewer at a time */

static inline unsigned io_free_depth_limit(unsigned stack_size)
{
    return stack_size > IO_FREE_LARGE_STACK ? IO_FREE_LARGE_DEPTH : IO_FREE_MAX_DEPTH;
}

/* Under AddressSanitizer freed IRPs go back to the C heap, so that ASan reports a driver that
 * touches one long after freeing it. */
#if defined(__SANITIZE_ADDRESS__)
#define IO_IRP_RECYCLE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IO_IRP_RECYCLE 0
#endif
#endif
#ifndef IO_IRP_RECYCLE
#define IO_IRP_RECYCLE 1
#endif

/* A quarantine ring and free lists: a thread's cache, or the depot. */
typedef struct io_irp_pool {
    io_irp_header *quarantine[IO_QUARANTINE];
    size_t quarantine_next;
    io_irp_header *free[IO_FREE_MAX_STACK + 1];
    unsigned free_depth[IO_FREE_MAX_STACK + 1];
} io_irp_pool;

typedef struct io_irp_cache {
    io_irp_pool pool;
    uint32_t generation; /* io_irp_generation when the cache was last emptied */
} io_irp_cache;

/* Guarded by io_irp_lock: held for a few instructions, and only when a block comes from or goes
 * to the heap, a cache is empty or full, or a thread exits. */
static plat_spinlock io_irp_lock;
static io_irp_header *io_irp_blocks; /* every block held, linked through prev/next */
static io_irp_pool io_depot;

/* atomic; written by every IoAllocateIrp: alone on its cache line */
static struct {
    PLAT_CACHE_ALIGNED uint32_t value;
} io_irp_next;
static uint32_t io_irp_generation;  /* atomic; wdmemu_shutdown (which frees every block) adds 1 */
static PLAT_THREAD_LOCAL_HOT io_irp_cache *io_irp_thread_cache;

static void io_irp_unlink_block(io_irp_header *header) /* lock held */
{
    if (header->prev != NULL)
        header->prev->next = header->next;
    else if (io_irp_blocks == header)
        io_irp_blocks = header->next;
    if (header->next != NULL)
        header->next->prev = header->prev;
    header->prev = header->next = NULL;
}

/* A block leaving a quarantine (its magic cleared: late use is no longer recognised) goes to the
 * pool's free list, or when that is full or blocks are not recycled, to `overflow` (the depot,
 * with the lock taken) or to the heap. */
static void io_irp_retire(io_irp_pool *pool, io_irp_header *block, BOOLEAN locked)
{
    plat_atomic_store(&block->magic, 0u, PLAT_RELAXED);
    unsigned stack_size = block->stack_size;
    BOOLEAN recyclable = IO_IRP_RECYCLE && stack_size <= IO_FREE_MAX_STACK;
    if (recyclable && pool->free_depth[stack_size] < io_free_depth_limit(stack_size)) {
        block->free_next = pool->free[stack_size];
        pool->free[stack_size] = block;
        pool->free_depth[stack_size]++;
        return;
    }
    if (!locked)
        plat_spin_lock(&io_irp_lock);
    if (recyclable && pool != &io_depot && io_depot.free_depth[stack_size] < io_free_depth_limit(stack_size)) {
        block->free_next = io_depot.free[stack_size];
        io_depot.free[stack_size] = block;
        io_depot.free_depth[stack_size]++;
        block = NULL;
    } else {
        io_irp_unlink_block(block);
    }
    if (!locked)
        plat_spin_unlock(&io_irp_lock);
    free(block);
}

/* Puts a freed block into the pool's quarantine; the oldest one there leaves it. */
static void io_irp_quarantine(io_irp_pool *pool, io_irp_header *block, BOOLEAN locked)
{
    io_irp_header *evicted = pool->quarantine[pool->quarantine_next];
    pool->quarantine[pool->quarantine_next] = block;
    pool->quarantine_next = (pool->quarantine_next + 1) % IO_QUARANTINE;
    if (evicted != NULL)
        io_irp_retire(pool, evicted, locked);
}

/* Thread exit: the cache's blocks go to the depot (quarantined ones to its quarantine). */
static void io_irp_cache_release(void *value)
{
    io_irp_cache *cache = value;
    if (io_irp_thread_cache == cache)
        io_irp_thread_cache = NULL;
    if (cache->generation == plat_atomic_load(&io_irp_generation, PLAT_ACQUIRE)) {
        plat_spin_lock(&io_irp_lock);
        for (size_t i = 0; i < IO_QUARANTINE; i++) {
            size_t at = (cache->pool.quarantine_next + i) % IO_QUARANTINE; /* oldest first */
            if (cache->pool.quarantine[at] != NULL)
                io_irp_quarantine(&io_depot, cache->pool.quarantine[at], TRUE);
        }
        for (size_t s = 0; s <= IO_FREE_MAX_STACK; s++) {
            while (cache->pool.free[s] != NULL) {
                io_irp_header *block = cache->pool.free[s];
                cache->pool.free[s] = block->free_next;
                io_irp_retire(&io_depot, block, TRUE);
            }
        }
        plat_spin_unlock(&io_irp_lock);
    }
    free(cache);
}

static plat_thread_blocks io_irp_caches = PLAT_THREAD_BLOCKS(io_irp_cache_release);

/* The calling thread's cache, emptied if wdmemu_shutdown freed its blocks; NULL when there is
 * none (out of memory): the depot serves then, under the lock. */
static io_irp_cache *io_irp_cache_slow(void);

static inline io_irp_cache *io_irp_cache_get(void)
{
    io_irp_cache *cache = io_irp_thread_cache;
    if (PLAT_LIKELY(cache != NULL && cache->generation == plat_atomic_load(&io_irp_generation, PLAT_ACQUIRE)))
        return cache;
    return io_irp_cache_slow();
}

static io_irp_cache *io_irp_cache_slow(void)
{
    uint32_t generation = plat_atomic_load(&io_irp_generation, PLAT_ACQUIRE);
    io_irp_cache *cache = io_irp_thread_cache;
    if (cache != NULL) {
        /* Its blocks were freed by wdmemu_shutdown: forget them. */
        memset(&cache->pool, 0, sizeof(cache->pool));
        cache->generation = generation;
        return cache;
    }
    cache = plat_thread_block_create(&io_irp_caches, sizeof(*cache));
    if (cache == NULL)
        return NULL;
    cache->generation = generation;
    io_irp_thread_cache = cache;
    return cache;
}

static io_irp_header *io_irp_pop(io_irp_pool *pool, unsigned stack_size)
{
    io_irp_header *header = pool->free[stack_size];
    if (header != NULL) {
        pool->free[stack_size] = header->free_next;
        pool->free_depth[stack_size]--;
    }
    return header;
}

/* Takes a block for an IRP with stack_size locations from the thread's free list, the depot or
 * the heap, with a fresh, numbered header in the idle state.  No lock on the common path. */
static io_irp_header *io_irp_take(unsigned stack_size, USHORT size, PDRIVER_OBJECT owner)
{
    io_irp_header *header = NULL;
    if (stack_size <= IO_FREE_MAX_STACK) {
        io_irp_cache *cache = io_irp_cache_get();
        if (cache != NULL)
            header = io_irp_pop(&cache->pool, stack_size);
        if (header == NULL) {
            plat_spin_lock(&io_irp_lock);
            header = io_irp_pop(&io_depot, stack_size);
            plat_spin_unlock(&io_irp_lock);
        }
    }
    if (header == NULL) {
        /* Only the header is zeroed here: IoAllocateIrp zeroes the packet itself. */
        header = malloc(IO_IRP_HEADER_SIZE + size);
        if (header == NULL)
            return NULL;
        memset(header, 0, IO_IRP_HEADER_SIZE);
        header->stack_size = (uint16_t)stack_size;
        header->state = IO_IRP_FREED;
        plat_spin_lock(&io_irp_lock);
        header->next = io_irp_blocks;
        if (io_irp_blocks != NULL)
            io_irp_blocks->prev = header;
        io_irp_blocks = header;
        plat_spin_unlock(&io_irp_lock);
    }
    header->builder = IO_BUILT_BY_DRIVER;
    /* Numbered in allocation order.  The atomic increment was most of IoAllocateIrp's time;
     * in deterministic mode one thread runs at a time and a plain one does. */
    if (PLAT_LIKELY(ke_runs_alone())) {
        uint32_t id = plat_atomic_load(&io_irp_next.value, PLAT_RELAXED) + 1;
        plat_atomic_store(&io_irp_next.value, id, PLAT_RELAXED);
        header->id = id;
    } else {
        header->id = plat_atomic_add_fetch(&io_irp_next.value, 1u, PLAT_RELAXED);
    }
    header->marked = 0;
    header->pending_unmarked = 0;
    header->final = NULL;
    header->final_context = NULL;
    header->user_output = NULL;
    header->user_output_length = 0;
    plat_atomic_store(&header->owner, owner, PLAT_RELAXED);
    header->free_next = NULL;
    plat_atomic_store(&header->magic, IO_IRP_MAGIC, PLAT_RELAXED);
    IO_IRP_SET_STATE(header, IO_IRP_IDLE);
    return header;
}

/* A live IoAllocateIrp IRP (lock held): allocated and not freed. */
static BOOLEAN io_irp_block_live(io_irp_header *h)
{
    return IO_IRP_STATE(h) != IO_IRP_FREED && plat_atomic_load(&h->magic, PLAT_RELAXED) == IO_IRP_MAGIC;
}

/* The header of a live IoAllocateIrp IRP at this address, found by address alone: the memory
 * handed to IoInitializeIrp is usually not initialised yet, so its fields mean nothing. */
static io_irp_header *io_irp_live_at(PIRP irp)
{
    io_irp_header *found = NULL;
    plat_spin_lock(&io_irp_lock);
    for (io_irp_header *h = io_irp_blocks; h != NULL; h = h->next) {
        if ((PIRP)((char *)h + IO_IRP_HEADER_SIZE) == irp) {
            if (io_irp_block_live(h))
                found = h;
            break;
        }
    }
    plat_spin_unlock(&io_irp_lock);
    return found;
}

/* The fields Windows sets in a new IRP (everything else zero). */
static void io_irp_init_fields(PIRP Irp, USHORT PacketSize, CCHAR StackSize)
{
    memset(Irp, 0, PacketSize);
    Irp->Type = IO_TYPE_IRP;
    Irp->Size = PacketSize;
    Irp->StackCount = StackSize;
    Irp->CurrentLocation = (CHAR)(StackSize + 1);
    Irp->ApcEnvironment = 0;
    InitializeListHead(&Irp->ThreadListEntry);
    Irp->Tail.Overlay.CurrentStackLocation = (PIO_STACK_LOCATION)(Irp + 1) + StackSize;
}

NTKERNELAPI VOID NTAPI IoInitializeIrp(PIRP Irp, USHORT PacketSize, CCHAR StackSize)
{
    io_irp_header *header = io_irp_live_at(Irp);
    if (header != NULL)
        rp_finding("INITIALIZE_ALLOCATED_IRP", STATUS_SUCCESS, NULL, NULL,
                   "IoInitializeIrp on IRP %u from IoAllocateIrp: use IoReuseIrp (Driver Verifier 0xC9/0x20D)",
                   (unsigned)header->id);
    io_irp_init_fields(Irp, PacketSize, StackSize);
}

static void io_irp_reset_header(io_irp_header *header)
{
    IO_IRP_SET_STATE(header, IO_IRP_IDLE);
    header->marked = 0;
    header->pending_unmarked = 0;
    header->final = NULL;
    header->final_context = NULL;
    header->user_output = NULL;
    header->user_output_length = 0;
}

NTKERNELAPI PIRP NTAPI IoAllocateIrp(CCHAR StackSize, BOOLEAN ChargeQuota)
{
    if (StackSize < 1) {
        rp_finding("IRP_BAD_STACK_SIZE", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoAllocateIrp(StackSize=%d): an IRP needs at least one stack location", StackSize);
        return NULL;
    }
    USHORT size = IoSizeOfIrp(StackSize);
    io_irp_header *header = io_irp_take((unsigned)StackSize, size, ke_current_driver());
    if (header == NULL)
        return NULL;
    PIRP irp = (PIRP)((char *)header + IO_IRP_HEADER_SIZE);
    io_irp_init_fields(irp, size, StackSize);
    irp->AllocationFlags = IRP_ALLOCATED_FIXED_SIZE;
    if (ChargeQuota)
        irp->AllocationFlags |= IRP_LOOKASIDE_ALLOCATION;
    irp->Tail.Overlay.Thread = ke_self();
    return irp;
}

NTKERNELAPI PIRP NTAPI IoAllocateIrpEx(PDEVICE_OBJECT DeviceObject, CCHAR StackSize, BOOLEAN ChargeQuota)
{
    (void)DeviceObject;
    return IoAllocateIrp(StackSize, ChargeQuota);
}

NTKERNELAPI VOID NTAPI IoReuseIrp(PIRP Irp, NTSTATUS Iostatus)
{
    io_irp_header *header = io_irp_header_of(Irp);
    if (header != NULL && IO_IRP_STATE(header) == IO_IRP_IN_FLIGHT)
        rp_finding("REUSE_IRP_IN_FLIGHT", STATUS_SUCCESS, NULL, NULL,
                   "IoReuseIrp on IRP %u while it is still being processed", (unsigned)header->id);
    UCHAR flags = Irp->AllocationFlags;
    PETHREAD thread = Irp->Tail.Overlay.Thread;
    io_irp_init_fields(Irp, Irp->Size, Irp->StackCount);
    Irp->AllocationFlags = flags;
    Irp->Tail.Overlay.Thread = thread;
    Irp->IoStatus.Status = Iostatus;
    if (header != NULL)
        io_irp_reset_header(header);
}

NTKERNELAPI VOID NTAPI IoFreeIrp(PIRP Irp)
{
    io_irp_header *header = io_irp_header_of(Irp);
    if (header != NULL && IO_IRP_STATE(header) == IO_IRP_FREED) {
        rp_finding("FREE_IRP_TWICE", STATUS_INVALID_PARAMETER, NULL, NULL, "IoFreeIrp on IRP %u, already freed",
                   (unsigned)header->id);
        return;
    }
    if (Irp == NULL || Irp->Type != IO_TYPE_IRP) {
        rp_finding("FREE_IRP_NOT_AN_IRP", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoFreeIrp(%p): not an IRP (Driver Verifier 0xC9/0x01)", (void *)Irp);
        return;
    }
    if (header == NULL) {
        rp_finding("FREE_IRP_NOT_ALLOCATED", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "IoFreeIrp(%p): the IRP was not allocated by IoAllocateIrp", (void *)Irp);
        return;
    }
    if (IO_IRP_STATE(header) == IO_IRP_IN_FLIGHT) {
        rp_finding("FREE_IRP_IN_FLIGHT", STATUS_SUCCESS, NULL, NULL,
                   "IoFreeIrp on IRP %u while a driver still holds it (sent and not completed; Driver Verifier "
                   "0xC9/0x20A); it is not freed", (unsigned)header->id);
        return;
    }
    IO_IRP_SET_STATE(header, IO_IRP_FREED);
    Irp->Type = 0;
    io_irp_cache *cache = io_irp_cache_get();
    if (PLAT_LIKELY(cache != NULL)) {
        io_irp_quarantine(&cache->pool, header, FALSE);
        return;
    }
    plat_spin_lock(&io_irp_lock);
    io_irp_quarantine(&io_depot, header, TRUE);
    plat_spin_unlock(&io_irp_lock);
}

size_t io_irp_reclaim_driver(PDRIVER_OBJECT driver, const char *display, const char *when)
{
    size_t leaked = 0;
    for (;;) {
        plat_spin_lock(&io_irp_lock);
        io_irp_header *h = io_irp_blocks;
        while (h != NULL && !(io_irp_block_live(h) && plat_atomic_load(&h->owner, PLAT_RELAXED) == driver))
            h = h->next;
        plat_spin_unlock(&io_irp_lock);
        if (h == NULL)
            return leaked;
        PIRP irp = (PIRP)((char *)h + IO_IRP_HEADER_SIZE);
        rp_finding("LEAKED_IRP", STATUS_SUCCESS, display, NULL,
                   "%s %s: IRP %u (major 0x%02x) it allocated was never freed%s", display, when, (unsigned)h->id,
                   (unsigned)((PIO_STACK_LOCATION)(irp + 1))[irp->StackCount - 1].MajorFunction,
                   IO_IRP_STATE(h) == IO_IRP_IN_FLIGHT ? " and is still pending in a driver (Driver Verifier 0xCE)" : "");
        plat_atomic_store(&h->owner, NULL, PLAT_RELAXED);
        IO_IRP_SET_STATE(h, IO_IRP_IDLE);
        irp->CancelRoutine = NULL;
        IoFreeIrp(irp);
        leaked++;
    }
}

/* Every block goes back to the heap, wherever it is; thread caches find out through the
 * generation and forget theirs. */
void io_irp_shutdown(void)
{
    plat_spin_lock(&io_irp_lock);
    while (io_irp_blocks != NULL) {
        io_irp_header *next = io_irp_blocks->next;
        io_irp_blocks->magic = 0;
        free(io_irp_blocks);
        io_irp_blocks = next;
    }
    memset(&io_depot, 0, sizeof(io_depot));
    plat_atomic_store(&io_irp_next.value, 0u, PLAT_RELAXED);
    plat_atomic_add_fetch(&io_irp_generation, 1u, PLAT_RELEASE);
    plat_spin_unlock(&io_irp_lock);
}
