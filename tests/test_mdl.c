/* Memory descriptor lists: the layout IoAllocateMdl gives (offsets, spans, the fixed-size flag,
 * the 4 GB limit), IRP attachment and chains, nonpaged-pool MDLs mapped without locking,
 * MmProbeAndLockPages over heap, stack and mmap'd memory (a PROT_NONE, unmapped, read-only or
 * unbacked page raises STATUS_ACCESS_VIOLATION into __except; a UserMode probe of kernel
 * addresses too), system-space mapping through MmGetSystemAddressForMdlSafe and its release,
 * partial MDLs, and the findings for misuse: double lock, unlocking or mapping unlocked pages,
 * freeing locked pages, unmapping at the wrong address, out-of-range or too-small partial MDLs.
 * Then the smaller Mm routines: address validity, physical addresses, system routine lookup,
 * contiguous and non-cached memory. */
#include "test_support.h"

#include <stdint.h>
#include <stdlib.h>
#include "test_pages.h"

#if !defined(_WIN32)
#include <sys/mman.h>
#include <unistd.h>
#endif

#define MDL_TAG ' ldM'

/* Page-aligned heap memory of `pages` pages. */
#if defined(_WIN32)
#include <malloc.h>
#define heap_pages_free _aligned_free
#else
#define heap_pages_free free
#endif

static UCHAR *heap_pages(size_t pages)
{
#if defined(_WIN32)
    UCHAR *p = _aligned_malloc(pages * PAGE_SIZE, PAGE_SIZE); /* no aligned_alloc in the Windows runtimes */
#else
    UCHAR *p = aligned_alloc(PAGE_SIZE, pages * PAGE_SIZE);
#endif
    assert_non_null(p);
    memset(p, 0x5A, pages * PAGE_SIZE);
    return p;
}

/* Fresh anonymous pages with the given protection. */
static UCHAR *mapped_pages(size_t pages, int protection)
{
    void *p = tp_map(pages, protection);
    assert_non_null(p);
    return p;
}

/* MmProbeAndLockPages inside __try: the exception code, or STATUS_SUCCESS. */
static NTSTATUS probe(PMDL mdl, KPROCESSOR_MODE mode, LOCK_OPERATION operation)
{
    volatile NTSTATUS status = STATUS_SUCCESS;
    __try {
        MmProbeAndLockPages(mdl, mode, operation);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        status = GetExceptionCode();
    }
    return status;
}

static void assert_pfns_follow_pages(PMDL mdl)
{
    PPFN_NUMBER pfns = MmGetMdlPfnArray(mdl);
    size_t pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(mdl), MmGetMdlByteCount(mdl));
    for (size_t i = 0; i < pages; i++)
        assert_int_equal(pfns[i], ((ULONG_PTR)mdl->StartVa >> PAGE_SHIFT) + i);
}

/* ---- layout ---------------------------------------------------------------------------------------- */

static void fresh_mdl_for_aligned_buffer_has_windows_layout(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(2);
    PMDL mdl = IoAllocateMdl(buffer, PAGE_SIZE, FALSE, FALSE, NULL);
    assert_non_null(mdl);
    assert_null(mdl->Next);
    assert_int_equal(mdl->Size, sizeof(MDL) + sizeof(PFN_NUMBER));
    assert_int_equal(mdl->MdlFlags, MDL_ALLOCATED_FIXED_SIZE);
    assert_ptr_equal(mdl->StartVa, buffer);
    assert_int_equal(mdl->ByteOffset, 0);
    assert_int_equal(mdl->ByteCount, PAGE_SIZE);
    assert_null(mdl->MappedSystemVa);
    assert_null(mdl->Process);
    assert_ptr_equal(MmGetMdlVirtualAddress(mdl), buffer);
    assert_int_equal(MmGetMdlByteCount(mdl), PAGE_SIZE);
    assert_int_equal(MmGetMdlByteOffset(mdl), 0);
    IoFreeMdl(mdl);
    heap_pages_free(buffer);
    assert_no_findings();
}

static void unaligned_buffer_records_offset_and_spanned_pages(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(4);
    PMDL mdl = IoAllocateMdl(buffer + 100, 2 * PAGE_SIZE, FALSE, FALSE, NULL);
    assert_non_null(mdl);
    assert_ptr_equal(mdl->StartVa, buffer);
    assert_int_equal(mdl->ByteOffset, 100);
    assert_int_equal(mdl->ByteCount, 2 * PAGE_SIZE);
    /* 100 bytes into the first page, 2 pages long: three pages are touched. */
    assert_int_equal(mdl->Size, sizeof(MDL) + 3 * sizeof(PFN_NUMBER));
    assert_int_equal(MmSizeOfMdl(buffer + 100, 2 * PAGE_SIZE), sizeof(MDL) + 3 * sizeof(PFN_NUMBER));
    assert_ptr_equal(MmGetMdlVirtualAddress(mdl), buffer + 100);
    IoFreeMdl(mdl);
    /* The last byte of a page and the first of the next: two pages for two bytes. */
    mdl = IoAllocateMdl(buffer + PAGE_SIZE - 1, 2, FALSE, FALSE, NULL);
    assert_int_equal(mdl->Size, sizeof(MDL) + 2 * sizeof(PFN_NUMBER));
    assert_int_equal(mdl->ByteOffset, PAGE_SIZE - 1);
    IoFreeMdl(mdl);
    heap_pages_free(buffer);
    assert_no_findings();
}

static void large_mdls_are_not_fixed_size_and_sized_exactly(void **state)
{
    (void)state;
    PVOID va = (PVOID)(ULONG_PTR)0x10000000;
    PMDL small = IoAllocateMdl(va, 23 * PAGE_SIZE, FALSE, FALSE, NULL);
    PMDL large = IoAllocateMdl(va, 24 * PAGE_SIZE, FALSE, FALSE, NULL);
    assert_int_equal(small->MdlFlags, MDL_ALLOCATED_FIXED_SIZE);
    assert_int_equal(large->MdlFlags, 0);
    assert_int_equal(large->Size, sizeof(MDL) + 24 * sizeof(PFN_NUMBER));
    wdmemu_pool_usage usage;
    wdmemu_pool_usage_for_tag(MDL_TAG, &usage);
    assert_int_equal(usage.blocks, 2);
    assert_int_equal(usage.bytes, 2 * sizeof(MDL) + (23 + 24) * sizeof(PFN_NUMBER));
    IoFreeMdl(small);
    IoFreeMdl(large);
    wdmemu_pool_usage_for_tag(MDL_TAG, &usage);
    assert_int_equal(usage.blocks, 0);
    assert_no_findings();
}

static void length_limit_is_four_gigabytes_minus_a_page(void **state)
{
    (void)state;
    PVOID va = (PVOID)(ULONG_PTR)0x100000000ULL;
    PMDL largest = IoAllocateMdl(va, 0xFFFFF000u, FALSE, FALSE, NULL);
    assert_non_null(largest);
    assert_int_equal(largest->ByteCount, 0xFFFFF000u);
    IoFreeMdl(largest);
    assert_null(IoAllocateMdl(va, 0xFFFFF001u, FALSE, FALSE, NULL));
    assert_null(IoAllocateMdl(va, 0xFFFFFFFFu, FALSE, FALSE, NULL));
    assert_no_findings();
}

static void create_mdl_initialises_caller_storage_or_allocates(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(2);
    union {
        MDL mdl;
        UCHAR bytes[sizeof(MDL) + 3 * sizeof(PFN_NUMBER)];
    } storage;
    memset(&storage, 0xCC, sizeof(storage));
    PMDL mdl = MmCreateMdl(&storage.mdl, buffer + 8, PAGE_SIZE);
    assert_ptr_equal(mdl, &storage.mdl);
    assert_null(mdl->Next);
    assert_int_equal(mdl->MdlFlags, 0);
    assert_int_equal(mdl->Size, MmSizeOfMdl(buffer + 8, PAGE_SIZE));
    PMDL pooled = MmCreateMdl(NULL, buffer, 2 * PAGE_SIZE);
    assert_non_null(pooled);
    assert_int_equal(pooled->ByteCount, 2 * PAGE_SIZE);
    ExFreePool(pooled);
    heap_pages_free(buffer);
    assert_no_findings();
}

static void low_resources_make_allocation_fail(void **state)
{
    (void)state;
    wdmemu_pool_fail_tag(MDL_TAG, TRUE);
    assert_null(IoAllocateMdl((PVOID)(ULONG_PTR)0x10000, 16, FALSE, FALSE, NULL));
    wdmemu_pool_fail_tag(MDL_TAG, FALSE);
    PMDL mdl = IoAllocateMdl((PVOID)(ULONG_PTR)0x10000, 16, FALSE, FALSE, NULL);
    assert_non_null(mdl);
    IoFreeMdl(mdl);
    assert_no_findings();
}

/* ---- IRPs and chains ------------------------------------------------------------------------------- */

static void primary_mdl_becomes_irp_mdl_address(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(1);
    PIRP irp = IoAllocateIrp(1, FALSE);
    assert_non_null(irp);
    PMDL mdl = IoAllocateMdl(buffer, 64, FALSE, FALSE, irp);
    assert_ptr_equal(irp->MdlAddress, mdl);
    /* A second primary MDL replaces the first, as documented. */
    PMDL other = IoAllocateMdl(buffer, 32, FALSE, FALSE, irp);
    assert_ptr_equal(irp->MdlAddress, other);
    assert_null(other->Next);
    irp->MdlAddress = NULL;
    IoFreeMdl(mdl);
    IoFreeMdl(other);
    IoFreeIrp(irp);
    heap_pages_free(buffer);
    assert_no_findings();
}

static void secondary_buffers_are_appended_to_the_chain(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(3);
    PIRP irp = IoAllocateIrp(1, FALSE);
    PMDL first = IoAllocateMdl(buffer, 16, FALSE, FALSE, irp);
    PMDL second = IoAllocateMdl(buffer + PAGE_SIZE, 16, TRUE, FALSE, irp);
    PMDL third = IoAllocateMdl(buffer + 2 * PAGE_SIZE, 16, TRUE, FALSE, irp);
    assert_ptr_equal(irp->MdlAddress, first);
    assert_ptr_equal(first->Next, second);
    assert_ptr_equal(second->Next, third);
    assert_null(third->Next);
    /* Locking works per MDL of the chain. */
    for (PMDL m = irp->MdlAddress; m != NULL; m = m->Next)
        assert_status(STATUS_SUCCESS, probe(m, KernelMode, IoWriteAccess));
    for (PMDL m = irp->MdlAddress; m != NULL; m = m->Next) {
        assert_true(m->MdlFlags & MDL_PAGES_LOCKED);
        assert_ptr_equal(MmGetSystemAddressForMdlSafe(m, NormalPagePriority), MmGetMdlVirtualAddress(m));
    }
    while (irp->MdlAddress != NULL) {
        PMDL m = irp->MdlAddress;
        irp->MdlAddress = m->Next;
        MmUnlockPages(m);
        IoFreeMdl(m);
    }
    IoFreeIrp(irp);
    heap_pages_free(buffer);
    assert_no_findings();
}

static void secondary_buffer_without_primary_or_irp_is_reported(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(1);
    PIRP irp = IoAllocateIrp(1, FALSE);
    PMDL mdl = IoAllocateMdl(buffer, 16, TRUE, FALSE, irp);
    assert_ptr_equal(irp->MdlAddress, mdl);
    PMDL loose = IoAllocateMdl(buffer, 16, TRUE, FALSE, NULL);
    assert_non_null(loose);
    assert_int_equal(ts_count_findings("MDL_BAD_SECONDARY_BUFFER"), 2);
    irp->MdlAddress = NULL;
    IoFreeMdl(mdl);
    IoFreeMdl(loose);
    IoFreeIrp(irp);
    heap_pages_free(buffer);
}

/* ---- nonpaged pool --------------------------------------------------------------------------------- */

static void nonpaged_pool_mdl_is_mapped_without_locking(void **state)
{
    (void)state;
    UCHAR *pool = ExAllocatePoolWithTag(NonPagedPoolNx, 3 * PAGE_SIZE, 'tseT');
    PMDL mdl = IoAllocateMdl(pool + 10, 2 * PAGE_SIZE, FALSE, FALSE, NULL);
    MmBuildMdlForNonPagedPool(mdl);
    assert_int_equal(mdl->MdlFlags, MDL_ALLOCATED_FIXED_SIZE | MDL_SOURCE_IS_NONPAGED_POOL);
    assert_ptr_equal(mdl->MappedSystemVa, pool + 10);
    assert_null(mdl->Process);
    assert_pfns_follow_pages(mdl);
    assert_ptr_equal(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority | MdlMappingNoExecute), pool + 10);
    assert_ptr_equal(MmGetSystemAddressForMdl(mdl), pool + 10);
    /* A user-space view is allowed for such MDLs; here it is the same address. */
    assert_ptr_equal(MmMapLockedPagesSpecifyCache(mdl, UserMode, MmCached, NULL, FALSE, NormalPagePriority),
                     pool + 10);
    MmUnmapLockedPages(pool + 10, mdl);
    IoFreeMdl(mdl);
    ExFreePoolWithTag(pool, 'tseT');
    assert_no_findings();
}

static void building_a_locked_or_built_mdl_again_is_reported(void **state)
{
    (void)state;
    UCHAR *pool = ExAllocatePoolWithTag(NonPagedPoolNx, 64, 'tseT');
    PMDL mdl = IoAllocateMdl(pool, 64, FALSE, FALSE, NULL);
    MmBuildMdlForNonPagedPool(mdl);
    MmBuildMdlForNonPagedPool(mdl);
    assert_int_equal(ts_count_findings("MDL_ALREADY_LOCKED"), 1);
    /* Nor may such an MDL be locked, unlocked or mapped to system space again. */
    assert_status(STATUS_SUCCESS, probe(mdl, KernelMode, IoReadAccess));
    assert_int_equal(ts_count_findings("MDL_ALREADY_LOCKED"), 2);
    MmUnlockPages(mdl);
    assert_non_null(ts_finding("MDL_NOT_LOCKED"));
    assert_ptr_equal(MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, NormalPagePriority), pool);
    assert_non_null(ts_finding("MDL_ALREADY_MAPPED"));
    assert_int_equal(mdl->MdlFlags, MDL_ALLOCATED_FIXED_SIZE | MDL_SOURCE_IS_NONPAGED_POOL);
    IoFreeMdl(mdl);
    ExFreePoolWithTag(pool, 'tseT');
}

/* ---- probing and locking --------------------------------------------------------------------------- */

static void heap_buffer_locks_for_write_in_user_mode(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(3);
    PMDL mdl = IoAllocateMdl(buffer + 300, 2 * PAGE_SIZE, FALSE, FALSE, NULL);
    assert_status(STATUS_SUCCESS, probe(mdl, UserMode, IoWriteAccess));
    assert_int_equal(mdl->MdlFlags, MDL_ALLOCATED_FIXED_SIZE | MDL_PAGES_LOCKED | MDL_WRITE_OPERATION);
    assert_ptr_equal(mdl->Process, IoGetCurrentProcess());
    assert_pfns_follow_pages(mdl);
    MmUnlockPages(mdl);
    assert_int_equal(mdl->MdlFlags & MDL_PAGES_LOCKED, 0);
    /* Locked again for reading: the write flag goes away. */
    assert_status(STATUS_SUCCESS, probe(mdl, UserMode, IoReadAccess));
    assert_int_equal(mdl->MdlFlags, MDL_ALLOCATED_FIXED_SIZE | MDL_PAGES_LOCKED);
    MmUnlockPages(mdl);
    IoFreeMdl(mdl);
    heap_pages_free(buffer);
    assert_no_findings();
}

static void stack_buffer_locks_for_read_and_modify_in_kernel_mode(void **state)
{
    (void)state;
    char local[3 * PAGE_SIZE];
    memset(local, 1, sizeof(local));
    PMDL mdl = IoAllocateMdl(local + 1, sizeof(local) - 2, FALSE, FALSE, NULL);
    assert_status(STATUS_SUCCESS, probe(mdl, KernelMode, IoReadAccess));
    assert_true(mdl->MdlFlags & MDL_PAGES_LOCKED);
    assert_null(mdl->Process);
    assert_pfns_follow_pages(mdl);
    MmUnlockPages(mdl);
    assert_status(STATUS_SUCCESS, probe(mdl, KernelMode, IoModifyAccess));
    assert_true(mdl->MdlFlags & MDL_WRITE_OPERATION);
    char *system = MmGetSystemAddressForMdlSafe(mdl, HighPagePriority);
    assert_ptr_equal(system, local + 1);
    system[0] = 42;
    assert_int_equal(local[1], 42);
    MmUnlockPages(mdl);
    IoFreeMdl(mdl);
    assert_no_findings();
}

static void prot_none_page_raises_access_violation(void **state)
{
    (void)state;
    UCHAR *pages = mapped_pages(2, TP_READ_WRITE);
    assert_int_equal(tp_protect(pages + PAGE_SIZE, PAGE_SIZE, TP_NONE), 0);
    PMDL mdl = IoAllocateMdl(pages + PAGE_SIZE - 16, 32, FALSE, FALSE, NULL);
    assert_status(STATUS_ACCESS_VIOLATION, probe(mdl, UserMode, IoReadAccess));
    assert_status(STATUS_ACCESS_VIOLATION, probe(mdl, KernelMode, IoReadAccess));
    assert_int_equal(mdl->MdlFlags, MDL_ALLOCATED_FIXED_SIZE); /* not locked */
    /* The readable first page alone locks. */
    PMDL head = IoAllocateMdl(pages, PAGE_SIZE, FALSE, FALSE, NULL);
    assert_status(STATUS_SUCCESS, probe(head, UserMode, IoWriteAccess));
    MmUnlockPages(head);
    IoFreeMdl(head);
    IoFreeMdl(mdl);
    tp_unmap(pages, 2 * PAGE_SIZE);
    assert_no_findings();
}

static void unmapped_page_raises_access_violation(void **state)
{
    (void)state;
    UCHAR *pages = mapped_pages(3, TP_READ_WRITE);
    assert_int_equal(tp_unmap(pages + PAGE_SIZE, PAGE_SIZE), 0);
    PMDL mdl = IoAllocateMdl(pages, 3 * PAGE_SIZE, FALSE, FALSE, NULL);
    assert_status(STATUS_ACCESS_VIOLATION, probe(mdl, KernelMode, IoReadAccess));
    assert_int_equal(mdl->MdlFlags & MDL_PAGES_LOCKED, 0);
    IoFreeMdl(mdl);
    tp_unmap(pages, PAGE_SIZE);
    tp_unmap(pages + 2 * PAGE_SIZE, PAGE_SIZE);
    assert_no_findings();
}

static void read_only_page_locks_for_read_but_not_for_write(void **state)
{
    (void)state;
    UCHAR *page = mapped_pages(1, TP_READ);
    PMDL mdl = IoAllocateMdl(page, PAGE_SIZE, FALSE, FALSE, NULL);
    assert_status(STATUS_ACCESS_VIOLATION, probe(mdl, UserMode, IoWriteAccess));
    assert_status(STATUS_ACCESS_VIOLATION, probe(mdl, KernelMode, IoModifyAccess));
    assert_int_equal(mdl->MdlFlags & MDL_PAGES_LOCKED, 0);
    assert_status(STATUS_SUCCESS, probe(mdl, UserMode, IoReadAccess));
    assert_int_equal(mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_WRITE_OPERATION), MDL_PAGES_LOCKED);
    MmUnlockPages(mdl);
    IoFreeMdl(mdl);
    tp_unmap(page, PAGE_SIZE);
    assert_no_findings();
}

/* A probe answers for the pages as they are at the time of the probe, however often the same
 * range was probed before: protections taken away, pages unmapped, and pages mapped again
 * read-only at the same address. */
static void probe_sees_protections_changed_since_an_earlier_probe(void **state)
{
    (void)state;
    UCHAR *pages = mapped_pages(2, TP_READ_WRITE);
    PMDL mdl = IoAllocateMdl(pages, 2 * PAGE_SIZE, FALSE, FALSE, NULL);
    for (int round = 0; round < 2; round++) {
        assert_status(STATUS_SUCCESS, probe(mdl, UserMode, IoWriteAccess));
        MmUnlockPages(mdl);
    }
    /* Read-only now: reading still locks, writing raises. */
    assert_int_equal(tp_protect(pages + PAGE_SIZE, PAGE_SIZE, TP_READ), 0);
    assert_status(STATUS_ACCESS_VIOLATION, probe(mdl, UserMode, IoWriteAccess));
    assert_status(STATUS_ACCESS_VIOLATION, probe(mdl, KernelMode, IoModifyAccess));
    assert_status(STATUS_SUCCESS, probe(mdl, UserMode, IoReadAccess));
    MmUnlockPages(mdl);
    /* Writable again. */
    assert_int_equal(tp_protect(pages + PAGE_SIZE, PAGE_SIZE, TP_READ_WRITE), 0);
    assert_status(STATUS_SUCCESS, probe(mdl, UserMode, IoWriteAccess));
    MmUnlockPages(mdl);
    /* No access. */
    assert_int_equal(tp_protect(pages, PAGE_SIZE, TP_NONE), 0);
    assert_status(STATUS_ACCESS_VIOLATION, probe(mdl, UserMode, IoReadAccess));
    assert_int_equal(tp_protect(pages, PAGE_SIZE, TP_READ_WRITE), 0);
    assert_status(STATUS_SUCCESS, probe(mdl, UserMode, IoReadAccess));
    MmUnlockPages(mdl);
    /* Unmapped, then mapped again read-only at the same address. */
    assert_int_equal(tp_unmap(pages, 2 * PAGE_SIZE), 0);
    assert_status(STATUS_ACCESS_VIOLATION, probe(mdl, UserMode, IoReadAccess));
    UCHAR *again = tp_map_at(pages, 2, TP_READ);
    if (again != NULL) { /* the place may have been taken meanwhile; then this part is moot */
        assert_status(STATUS_ACCESS_VIOLATION, probe(mdl, UserMode, IoWriteAccess));
        assert_status(STATUS_SUCCESS, probe(mdl, UserMode, IoReadAccess));
        MmUnlockPages(mdl);
        tp_unmap(again, 2 * PAGE_SIZE);
    }
    assert_int_equal(mdl->MdlFlags & MDL_PAGES_LOCKED, 0);
    IoFreeMdl(mdl);
    assert_no_findings();
}

static void file_mapping_past_its_end_raises_access_violation(void **state)
{
    (void)state;
    /* Mapped and readable as far as the protections go, but the second page has no backing
     * store: touching it would be SIGBUS, probing it is an access violation. */
#if defined(_WIN32)
    skip(); /* not on Windows: a view cannot reach past the end of its file there */
#else
    FILE *file = tmpfile();
    assert_non_null(file);
    assert_int_equal(ftruncate(fileno(file), PAGE_SIZE), 0);
    UCHAR *pages = mmap(NULL, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fileno(file), 0);
    assert_true(pages != MAP_FAILED);
    PMDL mdl = IoAllocateMdl(pages, 2 * PAGE_SIZE, FALSE, FALSE, NULL);
    assert_status(STATUS_ACCESS_VIOLATION, probe(mdl, UserMode, IoReadAccess));
    assert_false(MmIsAddressValid(pages + PAGE_SIZE));
    IoFreeMdl(mdl);
    mdl = IoAllocateMdl(pages, PAGE_SIZE, FALSE, FALSE, NULL);
    assert_status(STATUS_SUCCESS, probe(mdl, UserMode, IoWriteAccess));
    MmUnlockPages(mdl);
    IoFreeMdl(mdl);
    munmap(pages, 2 * PAGE_SIZE);
    fclose(file);
    assert_no_findings();
#endif
}

static void user_mode_probe_of_kernel_range_raises(void **state)
{
    (void)state;
    PMDL kernel = IoAllocateMdl((PVOID)(ULONG_PTR)0xFFFFF80000001000ULL, 64, FALSE, FALSE, NULL);
    assert_status(STATUS_ACCESS_VIOLATION, probe(kernel, UserMode, IoReadAccess));
    /* Straddling the user probe limit: MM_USER_PROBE_ADDRESS (0x7FFFFFFF0000) on Windows, the
     * end of user space (0x7FFFFFFFF000) on Linux, where a test's stack may lie above the former. */
#if defined(_WIN32)
    const ULONG_PTR limit = 0x7FFFFFFF0000ULL;
#else
    const ULONG_PTR limit = 0x7FFFFFFFF000ULL;
#endif
    PMDL straddling = IoAllocateMdl((PVOID)(limit - 0x80), 0x100, FALSE, FALSE, NULL);
    assert_status(STATUS_ACCESS_VIOLATION, probe(straddling, UserMode, IoWriteAccess));
    /* An empty UserMode range is refused as well. */
    UCHAR *buffer = heap_pages(1);
    PMDL empty = IoAllocateMdl(buffer, 0, FALSE, FALSE, NULL);
    assert_status(STATUS_ACCESS_VIOLATION, probe(empty, UserMode, IoReadAccess));
    assert_int_equal(kernel->MdlFlags | straddling->MdlFlags | empty->MdlFlags, MDL_ALLOCATED_FIXED_SIZE);
    IoFreeMdl(kernel);
    IoFreeMdl(straddling);
    IoFreeMdl(empty);
    heap_pages_free(buffer);
    assert_no_findings();
}

static void locking_twice_is_reported(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(1);
    PMDL mdl = IoAllocateMdl(buffer, 128, FALSE, FALSE, NULL);
    assert_status(STATUS_SUCCESS, probe(mdl, KernelMode, IoReadAccess));
    assert_status(STATUS_SUCCESS, probe(mdl, KernelMode, IoWriteAccess));
    const wdmemu_finding *f = ts_finding("MDL_ALREADY_LOCKED");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "MmProbeAndLockPages"));
    /* The first lock stands: still a read lock. */
    assert_int_equal(mdl->MdlFlags & MDL_WRITE_OPERATION, 0);
    MmUnlockPages(mdl);
    IoFreeMdl(mdl);
    heap_pages_free(buffer);
    assert_int_equal(wdmemu_finding_count(), 1);
}

static void unlocking_unlocked_pages_is_reported(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(1);
    PMDL mdl = IoAllocateMdl(buffer, 128, FALSE, FALSE, NULL);
    MmUnlockPages(mdl);
    assert_int_equal(ts_count_findings("MDL_NOT_LOCKED"), 1);
    assert_status(STATUS_SUCCESS, probe(mdl, KernelMode, IoReadAccess));
    MmUnlockPages(mdl);
    MmUnlockPages(mdl);
    assert_int_equal(ts_count_findings("MDL_NOT_LOCKED"), 2);
    IoFreeMdl(mdl);
    heap_pages_free(buffer);
    assert_int_equal(wdmemu_finding_count(), 2);
}

static void freeing_locked_pages_is_reported(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(2);
    PMDL mdl = IoAllocateMdl(buffer, 2 * PAGE_SIZE, FALSE, FALSE, NULL);
    assert_status(STATUS_SUCCESS, probe(mdl, UserMode, IoReadAccess));
    IoFreeMdl(mdl);
    const wdmemu_finding *f = ts_finding("MDL_FREED_WHILE_LOCKED");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "2 page(s)"));
    wdmemu_pool_usage usage;
    wdmemu_pool_usage_for_tag(MDL_TAG, &usage);
    assert_int_equal(usage.blocks, 0); /* freed all the same */
    heap_pages_free(buffer);
}

static void probe_above_apc_level_for_user_buffer_is_reported(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(1);
    PMDL mdl = IoAllocateMdl(buffer, 64, FALSE, FALSE, NULL);
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    assert_status(STATUS_SUCCESS, probe(mdl, KernelMode, IoReadAccess)); /* nonpageable: allowed */
    MmUnlockPages(mdl);
    assert_no_findings();
    assert_status(STATUS_SUCCESS, probe(mdl, UserMode, IoReadAccess));
    KeLowerIrql(old);
    assert_non_null(ts_finding("IRQL_NOT_LESS_OR_EQUAL"));
    MmUnlockPages(mdl);
    IoFreeMdl(mdl);
    heap_pages_free(buffer);
    assert_int_equal(wdmemu_finding_count(), 1);
}

/* ---- mapping --------------------------------------------------------------------------------------- */

static void system_address_of_locked_mdl_is_the_buffer_until_unlock(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(2);
    PMDL mdl = IoAllocateMdl(buffer + 5, PAGE_SIZE, FALSE, FALSE, NULL);
    assert_status(STATUS_SUCCESS, probe(mdl, UserMode, IoWriteAccess));
    PVOID system = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority | MdlMappingNoWrite | MdlMappingNoExecute);
    assert_ptr_equal(system, buffer + 5);
    assert_true(mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);
    assert_ptr_equal(mdl->MappedSystemVa, buffer + 5);
    /* Again: the existing mapping, no second one. */
    assert_ptr_equal(MmGetSystemAddressForMdlSafe(mdl, LowPagePriority), system);
    /* Unlocking releases the mapping. */
    MmUnlockPages(mdl);
    assert_int_equal(mdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_PAGES_LOCKED), 0);
    IoFreeMdl(mdl);
    heap_pages_free(buffer);
    assert_no_findings();
}

static void mapping_unlocked_pages_is_reported_and_fails(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(1);
    PMDL mdl = IoAllocateMdl(buffer, 64, FALSE, FALSE, NULL);
    assert_null(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority));
    assert_null(MmMapLockedPagesSpecifyCache(mdl, UserMode, MmCached, NULL, FALSE, NormalPagePriority));
    assert_null(MmMapLockedPages(mdl, KernelMode));
    assert_int_equal(ts_count_findings("MDL_NOT_LOCKED"), 3);
    assert_int_equal(mdl->MdlFlags, MDL_ALLOCATED_FIXED_SIZE);
    IoFreeMdl(mdl);
    heap_pages_free(buffer);
}

static void explicit_mapping_unmaps_at_its_address_only(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(1);
    PMDL mdl = IoAllocateMdl(buffer + 8, 64, FALSE, FALSE, NULL);
    assert_status(STATUS_SUCCESS, probe(mdl, KernelMode, IoReadAccess));
    PVOID system = MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmNonCached, NULL, FALSE, HighPagePriority);
    assert_ptr_equal(system, buffer + 8);
    MmUnmapLockedPages(buffer, mdl);
    const wdmemu_finding *f = ts_finding("MDL_UNMAP_MISMATCH");
    assert_non_null(f);
    assert_true(mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA); /* still mapped */
    MmUnmapLockedPages(system, mdl);
    assert_int_equal(mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA, 0);
    assert_true(mdl->MdlFlags & MDL_PAGES_LOCKED);
    /* Mapped no more: another unmap at some other address is reported again. */
    MmUnmapLockedPages(buffer + 100, mdl);
    assert_int_equal(ts_count_findings("MDL_UNMAP_MISMATCH"), 2);
    MmUnlockPages(mdl);
    IoFreeMdl(mdl);
    heap_pages_free(buffer);
    assert_int_equal(wdmemu_finding_count(), 2);
}

static void second_system_mapping_is_reported(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(1);
    PMDL mdl = IoAllocateMdl(buffer, 64, FALSE, FALSE, NULL);
    assert_status(STATUS_SUCCESS, probe(mdl, KernelMode, IoReadAccess));
    PVOID first = MmMapLockedPages(mdl, KernelMode);
    PVOID second = MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, NormalPagePriority);
    assert_ptr_equal(first, buffer);
    assert_ptr_equal(second, first);
    assert_int_equal(ts_count_findings("MDL_ALREADY_MAPPED"), 1);
    MmUnlockPages(mdl);
    IoFreeMdl(mdl);
    heap_pages_free(buffer);
}

static void user_mode_mapping_returns_the_buffer_and_leaves_no_system_mapping(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(1);
    PMDL mdl = IoAllocateMdl(buffer + 16, 64, FALSE, FALSE, NULL);
    assert_status(STATUS_SUCCESS, probe(mdl, KernelMode, IoWriteAccess));
    PVOID user = MmMapLockedPagesSpecifyCache(mdl, UserMode, MmCached, (PVOID)(ULONG_PTR)0x50000, FALSE,
                                              NormalPagePriority | MdlMappingNoWrite);
    assert_ptr_equal(user, buffer + 16);
    assert_int_equal(mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA, 0);
    MmUnmapLockedPages(user, mdl);
    MmUnlockPages(mdl);
    IoFreeMdl(mdl);
    heap_pages_free(buffer);
    assert_no_findings();
}

/* ---- partial MDLs ---------------------------------------------------------------------------------- */

static void partial_mdl_describes_the_subrange_with_source_pfns(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(5);
    PMDL source = IoAllocateMdl(buffer + 100, 4 * PAGE_SIZE, FALSE, FALSE, NULL);
    assert_status(STATUS_SUCCESS, probe(source, UserMode, IoWriteAccess));
    UCHAR *sub = buffer + PAGE_SIZE + 10;
    PMDL target = IoAllocateMdl(sub, 2 * PAGE_SIZE, FALSE, FALSE, NULL);
    IoBuildPartialMdl(source, target, sub, 2 * PAGE_SIZE);
    assert_ptr_equal(target->StartVa, buffer + PAGE_SIZE);
    assert_int_equal(target->ByteOffset, 10);
    assert_int_equal(target->ByteCount, 2 * PAGE_SIZE);
    assert_int_equal(target->MdlFlags, MDL_ALLOCATED_FIXED_SIZE | MDL_PARTIAL);
    assert_ptr_equal(target->Process, source->Process);
    assert_null(target->MappedSystemVa);
    assert_int_equal(MmGetMdlPfnArray(target)[0], MmGetMdlPfnArray(source)[1]);
    assert_int_equal(MmGetMdlPfnArray(target)[2], MmGetMdlPfnArray(source)[3]);
    assert_pfns_follow_pages(target);
    /* Partial MDLs are neither locked nor unlocked themselves. */
    MmUnlockPages(target);
    assert_int_equal(ts_count_findings("MDL_NOT_LOCKED"), 1);
    IoFreeMdl(target);
    MmUnlockPages(source);
    IoFreeMdl(source);
    heap_pages_free(buffer);
    assert_int_equal(wdmemu_finding_count(), 1);
}

static void partial_length_zero_means_the_rest_of_the_source(void **state)
{
    (void)state;
    UCHAR *pool = ExAllocatePoolWithTag(NonPagedPoolNx, 3 * PAGE_SIZE, 'tseT');
    PMDL source = IoAllocateMdl(pool, 3 * PAGE_SIZE, FALSE, FALSE, NULL);
    MmBuildMdlForNonPagedPool(source);
    PMDL target = IoAllocateMdl(NULL, 3 * PAGE_SIZE, FALSE, FALSE, NULL);
    IoBuildPartialMdl(source, target, pool + PAGE_SIZE + 1, 0);
    assert_int_equal(target->ByteCount, 2 * PAGE_SIZE - 1);
    assert_ptr_equal(MmGetMdlVirtualAddress(target), pool + PAGE_SIZE + 1);
    /* Nonpaged source: the partial shares its system address without a mapping of its own. */
    assert_int_equal(target->MdlFlags, MDL_ALLOCATED_FIXED_SIZE | MDL_PARTIAL | MDL_SOURCE_IS_NONPAGED_POOL);
    assert_ptr_equal(target->MappedSystemVa, pool + PAGE_SIZE + 1);
    assert_ptr_equal(MmGetSystemAddressForMdlSafe(target, NormalPagePriority), pool + PAGE_SIZE + 1);
    IoFreeMdl(target);
    IoFreeMdl(source);
    ExFreePoolWithTag(pool, 'tseT');
    assert_no_findings();
}

static void partial_outside_the_source_is_reported_and_changes_nothing(void **state)
{
    (void)state;
    UCHAR *pool = ExAllocatePoolWithTag(NonPagedPoolNx, 2 * PAGE_SIZE, 'tseT');
    PMDL source = IoAllocateMdl(pool + 100, PAGE_SIZE, FALSE, FALSE, NULL);
    MmBuildMdlForNonPagedPool(source);
    PMDL target = IoAllocateMdl(pool, 64, FALSE, FALSE, NULL);
    MDL before = *target;
    IoBuildPartialMdl(source, target, pool + 50, 16);              /* starts before the source */
    IoBuildPartialMdl(source, target, pool + 100 + PAGE_SIZE, 0);  /* starts at its end */
    IoBuildPartialMdl(source, target, pool + 200, PAGE_SIZE);      /* runs past its end */
    assert_int_equal(ts_count_findings("MDL_PARTIAL_OUT_OF_RANGE"), 3);
    assert_memory_equal(&before, target, sizeof(MDL));
    IoFreeMdl(target);
    IoFreeMdl(source);
    ExFreePoolWithTag(pool, 'tseT');
    assert_int_equal(wdmemu_finding_count(), 3);
}

static void partial_of_mapped_source_shares_its_mapping(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(3);
    PMDL source = IoAllocateMdl(buffer, 3 * PAGE_SIZE, FALSE, FALSE, NULL);
    assert_status(STATUS_SUCCESS, probe(source, KernelMode, IoReadAccess));
    UCHAR *system = MmGetSystemAddressForMdlSafe(source, NormalPagePriority);
    assert_ptr_equal(system, buffer);
    PMDL target = IoAllocateMdl(NULL, 2 * PAGE_SIZE, FALSE, FALSE, NULL);
    IoBuildPartialMdl(source, target, buffer + PAGE_SIZE, PAGE_SIZE);
    assert_int_equal(target->MdlFlags, MDL_ALLOCATED_FIXED_SIZE | MDL_PARTIAL | MDL_MAPPED_TO_SYSTEM_VA);
    assert_ptr_equal(target->MappedSystemVa, system + PAGE_SIZE);
    assert_ptr_equal(MmGetSystemAddressForMdlSafe(target, NormalPagePriority), system + PAGE_SIZE);
    /* Nothing of the partial MDL's own to release: reuse keeps the shared mapping alone. */
    MmPrepareMdlForReuse(target);
    assert_true(target->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);
    /* Releasing it through the partial MDL would release the source's mapping. */
    MmUnmapLockedPages(system + PAGE_SIZE, target);
    assert_int_equal(ts_count_findings("MDL_UNMAP_MISMATCH"), 1);
    IoFreeMdl(target);
    MmUnlockPages(source);
    IoFreeMdl(source);
    heap_pages_free(buffer);
    assert_int_equal(wdmemu_finding_count(), 1);
}

static void partial_of_unmapped_source_maps_itself_until_reuse(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(4);
    PMDL source = IoAllocateMdl(buffer, 4 * PAGE_SIZE, FALSE, FALSE, NULL);
    assert_status(STATUS_SUCCESS, probe(source, KernelMode, IoWriteAccess));
    PMDL target = IoAllocateMdl(NULL, 2 * PAGE_SIZE, FALSE, FALSE, NULL);
    for (int chunk = 0; chunk < 4; chunk++) {
        UCHAR *va = buffer + chunk * PAGE_SIZE;
        IoBuildPartialMdl(source, target, va, PAGE_SIZE);
        assert_int_equal(target->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA, 0);
        UCHAR *system = MmGetSystemAddressForMdlSafe(target, NormalPagePriority | MdlMappingNoExecute);
        assert_ptr_equal(system, va);
        assert_int_equal(target->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED),
                         MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED);
        system[0] = (UCHAR)chunk;
        MmPrepareMdlForReuse(target);
        assert_int_equal(target->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED), 0);
    }
    assert_int_equal(buffer[3 * PAGE_SIZE], 3);
    /* The source itself was never mapped. */
    assert_int_equal(source->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA, 0);
    /* IoFreeMdl releases a partial MDL's own mapping itself. */
    IoBuildPartialMdl(source, target, buffer, 16);
    assert_non_null(MmGetSystemAddressForMdlSafe(target, NormalPagePriority));
    IoFreeMdl(target);
    MmUnlockPages(source);
    IoFreeMdl(source);
    heap_pages_free(buffer);
    assert_no_findings();
}

static void reusing_a_mapped_partial_without_prepare_is_reported(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(2);
    PMDL source = IoAllocateMdl(buffer, 2 * PAGE_SIZE, FALSE, FALSE, NULL);
    assert_status(STATUS_SUCCESS, probe(source, KernelMode, IoReadAccess));
    PMDL target = IoAllocateMdl(NULL, PAGE_SIZE, FALSE, FALSE, NULL);
    IoBuildPartialMdl(source, target, buffer, PAGE_SIZE);
    assert_non_null(MmGetSystemAddressForMdlSafe(target, NormalPagePriority));
    IoBuildPartialMdl(source, target, buffer + PAGE_SIZE, PAGE_SIZE);
    assert_non_null(ts_finding("MDL_PARTIAL_MAPPING_LEAKED"));
    assert_ptr_equal(MmGetMdlVirtualAddress(target), buffer + PAGE_SIZE);
    IoFreeMdl(target);
    MmUnlockPages(source);
    IoFreeMdl(source);
    heap_pages_free(buffer);
    assert_int_equal(wdmemu_finding_count(), 1);
}

static void partial_into_too_small_target_is_reported(void **state)
{
    (void)state;
    /* Non-cached memory: nonpaged and page aligned, so the page counts below are exact. */
    UCHAR *pool = MmAllocateNonCachedMemory(40 * PAGE_SIZE);
    PMDL source = IoAllocateMdl(pool, 40 * PAGE_SIZE, FALSE, FALSE, NULL);
    MmBuildMdlForNonPagedPool(source);
    /* A caller-built MDL with room for one page. */
    union {
        MDL mdl;
        UCHAR bytes[sizeof(MDL) + sizeof(PFN_NUMBER)];
    } small;
    MmInitializeMdl(&small.mdl, pool, PAGE_SIZE);
    IoBuildPartialMdl(source, &small.mdl, pool + PAGE_SIZE, 5 * PAGE_SIZE);
    assert_int_equal(ts_count_findings("MDL_TOO_SMALL"), 1);
    assert_ptr_equal(small.mdl.StartVa, pool); /* unchanged */
    IoBuildPartialMdl(source, &small.mdl, pool + PAGE_SIZE, PAGE_SIZE);
    assert_int_equal(small.mdl.ByteCount, PAGE_SIZE);
    /* A fixed-size MDL from IoAllocateMdl holds 23 pages whatever it first described; a bigger
     * one holds what it was sized for. */
    PMDL fixed = IoAllocateMdl(pool, 16, FALSE, FALSE, NULL);
    IoBuildPartialMdl(source, fixed, pool + 100, 22 * PAGE_SIZE);
    assert_int_equal(fixed->ByteCount, 22 * PAGE_SIZE);
    IoBuildPartialMdl(source, fixed, pool + 100, 30 * PAGE_SIZE);
    assert_int_equal(ts_count_findings("MDL_TOO_SMALL"), 2);
    IoFreeMdl(fixed);
    IoFreeMdl(source);
    MmFreeNonCachedMemory(pool, 40 * PAGE_SIZE);
    assert_int_equal(wdmemu_finding_count(), 2);
}

static void partial_of_unlocked_source_is_reported(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(1);
    PMDL source = IoAllocateMdl(buffer, PAGE_SIZE, FALSE, FALSE, NULL);
    PMDL target = IoAllocateMdl(NULL, PAGE_SIZE, FALSE, FALSE, NULL);
    IoBuildPartialMdl(source, target, buffer + 16, 16);
    assert_non_null(ts_finding("MDL_NOT_LOCKED"));
    IoFreeMdl(target);
    IoFreeMdl(source);
    heap_pages_free(buffer);
}

/* ---- the other Mm routines ------------------------------------------------------------------------- */

static void address_validity_follows_the_mappings(void **state)
{
    (void)state;
    UCHAR *pages = mapped_pages(2, TP_READ);
    char local = 1;
    UCHAR *heap = malloc(8);
    assert_true(MmIsAddressValid(pages));
    assert_true(MmIsAddressValid((PVOID)&local));
    assert_true(MmIsAddressValid(heap));
    assert_true(MmIsAddressValid((PVOID)(ULONG_PTR)MmIsAddressValid)); /* code */
    assert_int_equal(tp_protect(pages + PAGE_SIZE, PAGE_SIZE, TP_NONE), 0);
    assert_false(MmIsAddressValid(pages + PAGE_SIZE));
    tp_unmap(pages, 2 * PAGE_SIZE);
    assert_false(MmIsAddressValid(pages));
    assert_false(MmIsAddressValid(NULL));
    assert_false(MmIsAddressValid((PVOID)(ULONG_PTR)0xFFFFF80000000000ULL));
    free(heap);
    assert_no_findings();
}

static void physical_address_is_the_virtual_one(void **state)
{
    (void)state;
    UCHAR *buffer = heap_pages(1);
    PHYSICAL_ADDRESS physical = MmGetPhysicalAddress(buffer + 123);
    assert_int_equal(physical.QuadPart, (LONGLONG)(ULONG_PTR)(buffer + 123));
    PMDL mdl = IoAllocateMdl(buffer + 123, 8, FALSE, FALSE, NULL);
    assert_status(STATUS_SUCCESS, probe(mdl, KernelMode, IoReadAccess));
    assert_int_equal(MmGetMdlPfnArray(mdl)[0], (ULONG_PTR)physical.QuadPart >> PAGE_SHIFT);
    MmUnlockPages(mdl);
    IoFreeMdl(mdl);
    heap_pages_free(buffer);
    assert_int_equal(MmQuerySystemSize(), MmLargeSystem);
    assert_false(MmIsThisAnNtAsSystem());
    assert_no_findings();
}

static void system_routine_lookup_knows_a_small_table(void **state)
{
    (void)state;
    UNICODE_STRING name;
    RtlInitUnicodeString(&name, L"ExAllocatePool2");
    assert_ptr_equal(MmGetSystemRoutineAddress(&name), (PVOID)(ULONG_PTR)ExAllocatePool2);
    RtlInitUnicodeString(&name, L"ExFreePoolWithTag");
    assert_ptr_equal(MmGetSystemRoutineAddress(&name), (PVOID)(ULONG_PTR)ExFreePoolWithTag);
    RtlInitUnicodeString(&name, L"RtlGetVersion");
    assert_ptr_equal(MmGetSystemRoutineAddress(&name), (PVOID)(ULONG_PTR)RtlGetVersion);
    RtlInitUnicodeString(&name, L"MmGetSystemRoutineAddress");
    assert_ptr_equal(MmGetSystemRoutineAddress(&name), (PVOID)(ULONG_PTR)MmGetSystemRoutineAddress);
    /* Case matters, prefixes are not names, and anything else is unknown. */
    RtlInitUnicodeString(&name, L"exallocatepool2");
    assert_null(MmGetSystemRoutineAddress(&name));
    RtlInitUnicodeString(&name, L"ExAllocatePool");
    assert_null(MmGetSystemRoutineAddress(&name));
    RtlInitUnicodeString(&name, L"ZwQueryInformationProcess");
    assert_null(MmGetSystemRoutineAddress(&name));
    /* PASSIVE_LEVEL only. */
    KIRQL old;
    KeRaiseIrql(APC_LEVEL, &old);
    RtlInitUnicodeString(&name, L"RtlGetVersion");
    assert_non_null(MmGetSystemRoutineAddress(&name));
    KeLowerIrql(old);
    assert_int_equal(ts_count_findings("IRQL_NOT_LESS_OR_EQUAL"), 1);
}

static void contiguous_memory_is_page_aligned_pool(void **state)
{
    (void)state;
    PHYSICAL_ADDRESS highest;
    highest.QuadPart = 0xFFFFFFFF;
    UCHAR *p = MmAllocateContiguousMemory(3 * PAGE_SIZE + 5, highest);
    assert_non_null(p);
    assert_int_equal((ULONG_PTR)p & (PAGE_SIZE - 1), 0);
    memset(p, 0xAB, 3 * PAGE_SIZE + 5);
    wdmemu_pool_usage usage;
    wdmemu_pool_usage_for_tag('mCmM', &usage);
    assert_int_equal(usage.blocks, 1);
    /* An MDL over it builds for nonpaged pool. */
    PMDL mdl = IoAllocateMdl(p, 3 * PAGE_SIZE + 5, FALSE, FALSE, NULL);
    MmBuildMdlForNonPagedPool(mdl);
    assert_ptr_equal(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority), p);
    IoFreeMdl(mdl);
    MmFreeContiguousMemory(p);
    wdmemu_pool_usage_for_tag('mCmM', &usage);
    assert_int_equal(usage.blocks, 0);
    assert_no_findings();
    MmFreeContiguousMemory(p);
    char local[16];
    MmFreeContiguousMemory(local);
    assert_int_equal(ts_count_findings("BAD_POOL_CALLER"), 2);
    assert_null(MmAllocateContiguousMemory(0, highest));
}

static void noncached_memory_is_whole_pages_freed_with_its_size(void **state)
{
    (void)state;
    UCHAR *p = MmAllocateNonCachedMemory(100);
    assert_non_null(p);
    assert_int_equal((ULONG_PTR)p & (PAGE_SIZE - 1), 0);
    memset(p, 0, PAGE_SIZE); /* a whole page, whatever was asked for */
    MmFreeNonCachedMemory(p, 100);
    assert_no_findings();
    p = MmAllocateNonCachedMemory(2 * PAGE_SIZE);
    MmFreeNonCachedMemory(p, PAGE_SIZE);
    assert_int_equal(ts_count_findings("NONCACHED_MEMORY_SIZE_MISMATCH"), 1);
    /* The two families do not mix. */
    PHYSICAL_ADDRESS highest;
    highest.QuadPart = -1;
    PVOID contiguous = MmAllocateContiguousMemory(64, highest);
    MmFreeNonCachedMemory(contiguous, 64);
    assert_int_equal(ts_count_findings("BAD_POOL_CALLER"), 1);
    wdmemu_pool_usage usage;
    wdmemu_pool_usage_for_tag('cNmM', &usage);
    assert_int_equal(usage.blocks, 0);
    wdmemu_pool_usage_for_tag('mCmM', &usage);
    assert_int_equal(usage.blocks, 0);
}

static void null_mdl_is_reported_not_dereferenced(void **state)
{
    (void)state;
    IoFreeMdl(NULL);
    MmUnlockPages(NULL);
    MmBuildMdlForNonPagedPool(NULL);
    assert_null(MmMapLockedPages(NULL, KernelMode));
    assert_int_equal(ts_count_findings("INVALID_PARAMETER"), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ts_test(fresh_mdl_for_aligned_buffer_has_windows_layout),
        ts_test(unaligned_buffer_records_offset_and_spanned_pages),
        ts_test(large_mdls_are_not_fixed_size_and_sized_exactly),
        ts_test(length_limit_is_four_gigabytes_minus_a_page),
        ts_test(create_mdl_initialises_caller_storage_or_allocates),
        ts_test(low_resources_make_allocation_fail),
        ts_test(primary_mdl_becomes_irp_mdl_address),
        ts_test(secondary_buffers_are_appended_to_the_chain),
        ts_test(secondary_buffer_without_primary_or_irp_is_reported),
        ts_test(nonpaged_pool_mdl_is_mapped_without_locking),
        ts_test(building_a_locked_or_built_mdl_again_is_reported),
        ts_test(heap_buffer_locks_for_write_in_user_mode),
        ts_test(stack_buffer_locks_for_read_and_modify_in_kernel_mode),
        ts_test(prot_none_page_raises_access_violation),
        ts_test(unmapped_page_raises_access_violation),
        ts_test(read_only_page_locks_for_read_but_not_for_write),
        ts_test(probe_sees_protections_changed_since_an_earlier_probe),
        ts_test(file_mapping_past_its_end_raises_access_violation),
        ts_test(user_mode_probe_of_kernel_range_raises),
        ts_test(locking_twice_is_reported),
        ts_test(unlocking_unlocked_pages_is_reported),
        ts_test(freeing_locked_pages_is_reported),
        ts_test(probe_above_apc_level_for_user_buffer_is_reported),
        ts_test(system_address_of_locked_mdl_is_the_buffer_until_unlock),
        ts_test(mapping_unlocked_pages_is_reported_and_fails),
        ts_test(explicit_mapping_unmaps_at_its_address_only),
        ts_test(second_system_mapping_is_reported),
        ts_test(user_mode_mapping_returns_the_buffer_and_leaves_no_system_mapping),
        ts_test(partial_mdl_describes_the_subrange_with_source_pfns),
        ts_test(partial_length_zero_means_the_rest_of_the_source),
        ts_test(partial_outside_the_source_is_reported_and_changes_nothing),
        ts_test(partial_of_mapped_source_shares_its_mapping),
        ts_test(partial_of_unmapped_source_maps_itself_until_reuse),
        ts_test(reusing_a_mapped_partial_without_prepare_is_reported),
        ts_test(partial_into_too_small_target_is_reported),
        ts_test(partial_of_unlocked_source_is_reported),
        ts_test(address_validity_follows_the_mappings),
        ts_test(physical_address_is_the_virtual_one),
        ts_test(system_routine_lookup_knows_a_small_table),
        ts_test(contiguous_memory_is_page_aligned_pool),
        ts_test(noncached_memory_is_whole_pages_freed_with_its_size),
        ts_test(null_mdl_is_reported_not_dereferenced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
