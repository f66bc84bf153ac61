/* ex/pool.c: executive pool: the ExAllocatePool* family and ExFreePool*, with a registry of
 * live blocks so that a tag mismatch, a double free or a stray pointer is reported as
 * BAD_POOL_CALLER instead of corrupting the heap. */
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "core/report.h"
#include "ex/ex.h"
#include "platform/platform.h"

/* Every live block is registered by address, so a free of anything else (a second free, a
 * stack address, a pointer into the middle of a block) is recognised without touching it. */
typedef struct ex_pool_block {
    void *address;
    ULONG tag;
    SIZE_T size;
    UT_hash_handle hh;
} ex_pool_block;

static ex_pool_block *ex_blocks;
static uv_mutex_t ex_lock;
static uv_once_t ex_once = UV_ONCE_INIT;

static void ex_lock_init(void)
{
    uv_mutex_init(&ex_lock);
}

static const char *ex_tag_text(ULONG tag, char text[5])
{
    for (int i = 0; i < 4; i++) {
        char c = (char)((tag >> (8 * i)) & 0xFF);
        text[i] = (c >= 0x20 && c < 0x7F) ? c : '.';
    }
    text[4] = '\0';
    return text;
}

static PVOID ex_allocate(SIZE_T bytes, ULONG tag, BOOLEAN zero)
{
    if (bytes > ((SIZE_T)1 << 40))
        return NULL;
    ex_pool_block *block = malloc(sizeof(*block));
    void *memory = zero ? calloc(1, bytes ? bytes : 1) : malloc(bytes ? bytes : 1);
    if (block == NULL || memory == NULL) {
        free(block);
        free(memory);
        return NULL;
    }
    block->address = memory;
    block->tag = tag;
    block->size = bytes;
    uv_once(&ex_once, ex_lock_init);
    uv_mutex_lock(&ex_lock);
    HASH_ADD_PTR(ex_blocks, address, block);
    uv_mutex_unlock(&ex_lock);
    return memory;
}

static void ex_free(PVOID p, ULONG tag, BOOLEAN check_tag, const char *ddi)
{
    if (p == NULL) {
        rp_finding("BAD_POOL_CALLER", STATUS_INVALID_PARAMETER, NULL, NULL, "%s(NULL)", ddi);
        return;
    }
    ex_pool_block *block = NULL;
    uv_once(&ex_once, ex_lock_init);
    uv_mutex_lock(&ex_lock);
    HASH_FIND_PTR(ex_blocks, &p, block);
    if (block != NULL)
        HASH_DEL(ex_blocks, block);
    uv_mutex_unlock(&ex_lock);
    if (block == NULL) {
        rp_finding("BAD_POOL_CALLER", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p): not an allocated pool block (freed twice, or never allocated from pool)", ddi, p);
        return;
    }
    if (check_tag && block->tag != tag) {
        char want[5], have[5];
        rp_finding("BAD_POOL_CALLER", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p, '%s'): the block was allocated with tag '%s'", ddi, p, ex_tag_text(tag, want),
                   ex_tag_text(block->tag, have));
    }
    free(block->address);
    free(block);
}

NTKERNELAPI PVOID NTAPI ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    (void)PoolType;
    return ex_allocate(NumberOfBytes, Tag, FALSE);
}

NTKERNELAPI PVOID NTAPI ExAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes)
{
    return ExAllocatePoolWithTag(PoolType, NumberOfBytes, 'enoN');
}

NTKERNELAPI PVOID NTAPI ExAllocatePoolZero(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    (void)PoolType;
    return ex_allocate(NumberOfBytes, Tag, TRUE);
}

NTKERNELAPI PVOID NTAPI ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag)
{
    return ex_allocate(NumberOfBytes, Tag, (Flags & POOL_FLAG_UNINITIALIZED) == 0);
}

NTKERNELAPI VOID NTAPI ExFreePool(PVOID P)
{
    ex_free(P, 0, FALSE, "ExFreePool");
}

NTKERNELAPI VOID NTAPI ExFreePoolWithTag(PVOID P, ULONG Tag)
{
    ex_free(P, Tag, TRUE, "ExFreePoolWithTag");
}

/* Quota allocations raise STATUS_INSUFFICIENT_RESOURCES on failure unless the caller asked for
 * NULL with POOL_QUOTA_FAIL_INSTEAD_OF_RAISE. */
static PVOID ex_allocate_quota(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag, BOOLEAN zero)
{
    PVOID p = ex_allocate(NumberOfBytes, Tag, zero);
    if (p == NULL && !(PoolType & POOL_QUOTA_FAIL_INSTEAD_OF_RAISE))
        ExRaiseStatus(STATUS_INSUFFICIENT_RESOURCES);
    return p;
}

NTKERNELAPI PVOID NTAPI ExAllocatePoolWithQuotaTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    return ex_allocate_quota(PoolType, NumberOfBytes, Tag, FALSE);
}

NTKERNELAPI PVOID NTAPI ExAllocatePoolWithQuota(POOL_TYPE PoolType, SIZE_T NumberOfBytes)
{
    return ex_allocate_quota(PoolType, NumberOfBytes, 'enoN', FALSE);
}

NTKERNELAPI PVOID NTAPI ExAllocatePoolQuotaZero(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    return ex_allocate_quota(PoolType, NumberOfBytes, Tag, TRUE);
}

NTKERNELAPI PVOID NTAPI ExAllocatePoolQuotaUninitialized(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    return ex_allocate_quota(PoolType, NumberOfBytes, Tag, FALSE);
}

NTKERNELAPI PVOID NTAPI ExAllocatePoolUninitialized(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    (void)PoolType;
    return ex_allocate(NumberOfBytes, Tag, FALSE);
}

NTKERNELAPI PVOID NTAPI ExAllocatePoolWithTagPriority(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag,
                                                      EX_POOL_PRIORITY Priority)
{
    (void)PoolType;
    (void)Priority;
    return ex_allocate(NumberOfBytes, Tag, FALSE);
}

NTKERNELAPI PVOID NTAPI ExAllocatePool3(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag,
                                        PCPOOL_EXTENDED_PARAMETER ExtendedParameters, ULONG ExtendedParametersCount)
{
    (void)ExtendedParameters;
    (void)ExtendedParametersCount;
    return ExAllocatePool2(Flags, NumberOfBytes, Tag);
}

NTKERNELAPI VOID NTAPI ExFreePool2(PVOID P, ULONG Tag, PCPOOL_EXTENDED_PARAMETER ExtendedParameters,
                                   ULONG ExtendedParametersCount)
{
    (void)ExtendedParameters;
    (void)ExtendedParametersCount;
    ex_free(P, Tag, TRUE, "ExFreePool2");
}

/* ExInitializeDriverRuntime(DrvRtPoolNxOptIn) makes NonPagedPool mean NonPagedPoolNx.  Memory
 * here is never executable either way, so there is nothing to switch; the call is valid. */
NTKERNELAPI VOID NTAPI ExInitializeDriverRuntime(ULONG RuntimeFlags)
{
    (void)RuntimeFlags;
}

void ex_pool_shutdown(void)
{
    ex_pool_block *block, *next;
    uv_once(&ex_once, ex_lock_init);
    uv_mutex_lock(&ex_lock);
    HASH_ITER(hh, ex_blocks, block, next)
    {
        HASH_DEL(ex_blocks, block);
        free(block->address);
        free(block);
    }
    uv_mutex_unlock(&ex_lock);
}
