/* ex/pool.c: executive pool.  Every block carries a header with its tag, size and pool type,
 * so ExFreePoolWithTag can check the tag and a stray pointer is reported, not freed. */
#include <stdlib.h>
#include <string.h>

#include "core/report.h"
#include "platform/platform.h"

#define EX_POOL_MAGIC 0x506F6F6Cu /* "Pool" */

typedef struct ex_pool_header {
    uint32_t magic;
    ULONG tag;
    SIZE_T size;
} ex_pool_header;

#define EX_POOL_HEADER_SIZE ((sizeof(ex_pool_header) + 15) & ~(size_t)15)

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
    char *block = zero ? calloc(1, EX_POOL_HEADER_SIZE + bytes) : malloc(EX_POOL_HEADER_SIZE + bytes);
    if (block == NULL)
        return NULL;
    ex_pool_header *header = (ex_pool_header *)block;
    header->magic = EX_POOL_MAGIC;
    header->tag = tag;
    header->size = bytes;
    return block + EX_POOL_HEADER_SIZE;
}

static ex_pool_header *ex_header(PVOID p, const char *ddi)
{
    ex_pool_header *header = (ex_pool_header *)((char *)p - EX_POOL_HEADER_SIZE);
    if (header->magic != EX_POOL_MAGIC) {
        rp_finding("BAD_POOL_CALLER", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p): not a pool block (freed twice, or never allocated from pool)", ddi, p);
        return NULL;
    }
    return header;
}

static void ex_free(PVOID p, ULONG tag, BOOLEAN check_tag, const char *ddi)
{
    if (p == NULL) {
        rp_finding("BAD_POOL_CALLER", STATUS_INVALID_PARAMETER, NULL, NULL, "%s(NULL)", ddi);
        return;
    }
    ex_pool_header *header = ex_header(p, ddi);
    if (header == NULL)
        return;
    if (check_tag && header->tag != tag) {
        char want[5], have[5];
        rp_finding("BAD_POOL_CALLER", STATUS_INVALID_PARAMETER, NULL, NULL,
                   "%s(%p, '%s'): the block was allocated with tag '%s'", ddi, p, ex_tag_text(tag, want),
                   ex_tag_text(header->tag, have));
    }
    header->magic = 0;
    free(header);
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
