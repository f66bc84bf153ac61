/* Lookaside lists: the GENERAL_LOOKASIDE fields a new list gets, the hit/miss counters kept as
 * Windows keeps them, the Depth limit past which freed entries go to the list's Free routine,
 * driver-supplied Allocate/Free(Ex) routines called with the list's pool type, size and tag,
 * delete and flush freeing the cached entries, the EX flags, and misuse reported as findings:
 * lists never initialised or already deleted, entries returned twice or freed behind the list's
 * back, paged lists used at DISPATCH_LEVEL. */
#include "test_support.h"
#include "test_threads.h"

#include <stdlib.h>

static wdmemu_pool_usage usage_of(ULONG tag)
{
    wdmemu_pool_usage usage;
    wdmemu_pool_usage_for_tag(tag, &usage);
    return usage;
}

/* ---- driver-supplied routines that record how they were called ---------------------------------- */

typedef struct call_log {
    int allocates;
    int frees;
    POOL_TYPE type;
    SIZE_T bytes;
    ULONG tag;
    PLOOKASIDE_LIST_EX list;
    PVOID last_freed;
    BOOLEAN fail;
} call_log;

static call_log calls;

/* These use the C heap, not pool, so a cached entry that delete forgot to free shows up as a
 * leak under AddressSanitizer and valgrind. */
static PVOID NTAPI custom_allocate(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    calls.allocates++;
    calls.type = PoolType;
    calls.bytes = NumberOfBytes;
    calls.tag = Tag;
    return calls.fail ? NULL : malloc(NumberOfBytes);
}

static VOID NTAPI custom_free(PVOID Buffer)
{
    calls.frees++;
    calls.last_freed = Buffer;
    free(Buffer);
}

static PVOID NTAPI custom_allocate_ex(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag, PLOOKASIDE_LIST_EX Lookaside)
{
    calls.list = Lookaside;
    return custom_allocate(PoolType, NumberOfBytes, Tag);
}

static VOID NTAPI custom_free_ex(PVOID Buffer, PLOOKASIDE_LIST_EX Lookaside)
{
    calls.list = Lookaside;
    custom_free(Buffer);
}

static int log_setup(void **state)
{
    memset(&calls, 0, sizeof(calls));
    return ts_setup(state);
}

#define la_test(f) cmocka_unit_test_setup_teardown(f, log_setup, ts_teardown)

/* ---- the classic lists --------------------------------------------------------------------------- */

static void new_list_has_windows_fields(void **state)
{
    (void)state;
    NPAGED_LOOKASIDE_LIST list;
    memset(&list, 0xCC, sizeof(list));
    ExInitializeNPagedLookasideList(&list, NULL, NULL, 0, 40, 'pNkL', 0);
    assert_int_equal(list.L.Type, NonPagedPool);
    assert_int_equal(list.L.Tag, 'pNkL');
    assert_int_equal(list.L.Size, 40);
    assert_ptr_equal(list.L.Allocate, ExAllocatePoolWithTag);
    assert_ptr_equal(list.L.Free, ExFreePool);
    assert_true(list.L.Depth > 0);
    assert_true(list.L.MaximumDepth >= list.L.Depth);
    assert_int_equal(list.L.TotalAllocates, 0);
    assert_int_equal(list.L.AllocateMisses, 0);
    assert_int_equal(list.L.TotalFrees, 0);
    assert_int_equal(list.L.FreeMisses, 0);
    ExDeleteNPagedLookasideList(&list);

    PAGED_LOOKASIDE_LIST paged;
    ExInitializePagedLookasideList(&paged, NULL, NULL, POOL_NX_ALLOCATION, 24, 'gPkL', 0);
    assert_int_equal(paged.L.Type, PagedPool); /* NX means nothing for paged pool */
    ExDeletePagedLookasideList(&paged);

    NPAGED_LOOKASIDE_LIST nx;
    ExInitializeNPagedLookasideList(&nx, NULL, NULL, POOL_NX_ALLOCATION | POOL_RAISE_IF_ALLOCATION_FAILURE, 24,
                                    'xNkL', 0);
    assert_int_equal(nx.L.Type, NonPagedPoolNx | POOL_RAISE_IF_ALLOCATION_FAILURE);
    ExDeleteNPagedLookasideList(&nx);
    assert_no_findings();
}

static void counters_follow_hits_and_misses(void **state)
{
    (void)state;
    NPAGED_LOOKASIDE_LIST list;
    ExInitializeNPagedLookasideList(&list, NULL, NULL, 0, 40, 'pNkL', 0);

    PVOID a = ExAllocateFromNPagedLookasideList(&list);
    assert_non_null(a);
    assert_int_equal(list.L.TotalAllocates, 1);
    assert_int_equal(list.L.AllocateMisses, 1); /* nothing cached yet: allocated from pool */
    wdmemu_pool_usage u = usage_of('pNkL');
    assert_int_equal(u.blocks, 1);
    assert_int_equal(u.bytes, 40);

    ExFreeToNPagedLookasideList(&list, a);
    assert_int_equal(list.L.TotalFrees, 1);
    assert_int_equal(list.L.FreeMisses, 0); /* cached, still a pool block */
    assert_int_equal(usage_of('pNkL').blocks, 1);

    PVOID b = ExAllocateFromNPagedLookasideList(&list);
    assert_ptr_equal(b, a); /* a hit */
    assert_int_equal(list.L.TotalAllocates, 2);
    assert_int_equal(list.L.AllocateMisses, 1);
    assert_int_equal(usage_of('pNkL').allocations, 1);

    ExFreeToNPagedLookasideList(&list, b);
    ExDeleteNPagedLookasideList(&list);
    assert_int_equal(usage_of('pNkL').blocks, 0); /* delete freed the cached entry */
    assert_no_findings();
}

static void entries_beyond_depth_go_to_the_free_routine(void **state)
{
    (void)state;
    PAGED_LOOKASIDE_LIST list;
    ExInitializePagedLookasideList(&list, custom_allocate, custom_free, 0, 32, 'pDkL', 0);
    const USHORT depth = list.L.Depth;
    const int n = depth + 3;
    PVOID *entries = calloc((size_t)n, sizeof(PVOID));
    for (int i = 0; i < n; i++)
        entries[i] = ExAllocateFromPagedLookasideList(&list);
    assert_int_equal(calls.allocates, n);
    assert_int_equal(list.L.AllocateMisses, n);

    for (int i = 0; i < n; i++)
        ExFreeToPagedLookasideList(&list, entries[i]);
    assert_int_equal(list.L.TotalFrees, n);
    assert_int_equal(list.L.FreeMisses, 3);
    assert_int_equal(calls.frees, 3);
    assert_ptr_equal(calls.last_freed, entries[n - 1]); /* the list was full when the last ones came */

    /* The cached entries come back, most recently cached first, without calling Allocate. */
    PVOID again = ExAllocateFromPagedLookasideList(&list);
    assert_ptr_equal(again, entries[depth - 1]);
    assert_int_equal(calls.allocates, n);
    ExFreeToPagedLookasideList(&list, again);

    ExDeletePagedLookasideList(&list);
    assert_int_equal(calls.frees, n); /* delete freed the depth cached entries */
    free(entries);
    assert_no_findings();
}

static void custom_routines_receive_type_size_and_tag(void **state)
{
    (void)state;
    NPAGED_LOOKASIDE_LIST list;
    ExInitializeNPagedLookasideList(&list, custom_allocate, custom_free, 0, 100, 'tsuC', 0);
    assert_ptr_equal(list.L.Allocate, custom_allocate);
    assert_ptr_equal(list.L.Free, custom_free);
    PVOID p = ExAllocateFromNPagedLookasideList(&list);
    assert_int_equal(calls.type, NonPagedPool);
    assert_int_equal(calls.bytes, 100);
    assert_int_equal(calls.tag, 'tsuC');
    ExFreeToNPagedLookasideList(&list, p);
    ExDeleteNPagedLookasideList(&list);
    assert_int_equal(calls.frees, 1);
    assert_ptr_equal(calls.last_freed, p);

    PAGED_LOOKASIDE_LIST paged;
    ExInitializePagedLookasideList(&paged, custom_allocate, custom_free, POOL_RAISE_IF_ALLOCATION_FAILURE, 12,
                                   'gaPC', 0);
    p = ExAllocateFromPagedLookasideList(&paged);
    assert_int_equal(calls.type, PagedPool | POOL_RAISE_IF_ALLOCATION_FAILURE);
    assert_int_equal(calls.bytes, 12);
    assert_int_equal(calls.tag, 'gaPC');
    ExFreeToPagedLookasideList(&paged, p);
    ExDeletePagedLookasideList(&paged);
    assert_no_findings();
}

static void small_sizes_are_rounded_up(void **state)
{
    (void)state;
    NPAGED_LOOKASIDE_LIST list;
    ExInitializeNPagedLookasideList(&list, custom_allocate, custom_free, 0, 1, 'llmS', 0);
    assert_int_equal(list.L.Size, LOOKASIDE_MINIMUM_BLOCK_SIZE);
    PVOID p = ExAllocateFromNPagedLookasideList(&list);
    assert_int_equal(calls.bytes, LOOKASIDE_MINIMUM_BLOCK_SIZE);
    ExFreeToNPagedLookasideList(&list, p);
    ExDeleteNPagedLookasideList(&list);
    assert_no_findings();
}

/* ---- LOOKASIDE_LIST_EX --------------------------------------------------------------------------- */

static void ex_routines_receive_flags_and_the_list(void **state)
{
    (void)state;
    LOOKASIDE_LIST_EX list;
    assert_status(STATUS_SUCCESS, ExInitializeLookasideListEx(&list, custom_allocate_ex, custom_free_ex, NonPagedPoolNx,
                                                              0, 64, 'xEkL', 0));
    PVOID p = ExAllocateFromLookasideListEx(&list);
    assert_int_equal(calls.type, NonPagedPoolNx);
    assert_int_equal(calls.bytes, 64);
    assert_int_equal(calls.tag, 'xEkL');
    assert_ptr_equal(calls.list, &list);
    ExFreeToLookasideListEx(&list, p);
    ExDeleteLookasideListEx(&list);
    assert_int_equal(calls.frees, 1);

    assert_status(STATUS_SUCCESS, ExInitializeLookasideListEx(&list, custom_allocate_ex, custom_free_ex, PagedPool,
                                                              EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL, 64, 'xEkL', 0));
    p = ExAllocateFromLookasideListEx(&list);
    assert_int_equal(calls.type, PagedPool | POOL_RAISE_IF_ALLOCATION_FAILURE);
    ExFreeToLookasideListEx(&list, p);
    ExDeleteLookasideListEx(&list);

    assert_status(STATUS_SUCCESS, ExInitializeLookasideListEx(&list, custom_allocate_ex, custom_free_ex, NonPagedPool,
                                                              EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE, 64, 'xEkL', 0));
    calls.fail = TRUE;
    assert_null(ExAllocateFromLookasideListEx(&list));
    assert_int_equal(calls.type, NonPagedPool | POOL_QUOTA_FAIL_INSTEAD_OF_RAISE);
    assert_int_equal(list.L.AllocateMisses, 1);
    ExDeleteLookasideListEx(&list);
    assert_no_findings();
}

static void ex_rejects_bad_pool_types_and_flags(void **state)
{
    (void)state;
    LOOKASIDE_LIST_EX list;
    assert_status(STATUS_INVALID_PARAMETER_4,
                  ExInitializeLookasideListEx(&list, NULL, NULL, DontUseThisType, 0, 16, 'daBL', 0));
    assert_status(STATUS_INVALID_PARAMETER_4,
                  ExInitializeLookasideListEx(&list, NULL, NULL, (POOL_TYPE)(PagedPool | POOL_NX_ALLOCATION), 0, 16,
                                              'daBL', 0));
    assert_status(STATUS_INVALID_PARAMETER_5,
                  ExInitializeLookasideListEx(&list, custom_allocate_ex, custom_free_ex, NonPagedPool,
                                              EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL |
                                                  EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE,
                                              16, 'daBL', 0));
    assert_status(STATUS_INVALID_PARAMETER_5,
                  ExInitializeLookasideListEx(&list, NULL, NULL, NonPagedPool, 0x10, 16, 'daBL', 0));
    assert_no_findings();
    /* A list whose initialisation failed is not a list. */
    assert_null(ExAllocateFromLookasideListEx(&list));
    assert_non_null(ts_finding("LOOKASIDE_LIST_NOT_INITIALIZED"));

    /* FAIL_NO_RAISE is meant for a driver's quota-charging Allocate routine, not the default. */
    assert_status(STATUS_SUCCESS, ExInitializeLookasideListEx(&list, NULL, NULL, NonPagedPool,
                                                              EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE, 16, 'daBL', 0));
    assert_non_null(ts_finding("LOOKASIDE_INVALID_PARAMETER"));
    ExDeleteLookasideListEx(&list);
}

static void ex_flush_and_delete_free_the_cached_entries(void **state)
{
    (void)state;
    LOOKASIDE_LIST_EX list;
    assert_status(STATUS_SUCCESS, ExInitializeLookasideListEx(&list, NULL, NULL, PagedPool, 0, 48, 'hsuF', 0));
    PVOID a = ExAllocateFromLookasideListEx(&list);
    PVOID b = ExAllocateFromLookasideListEx(&list);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(usage_of('hsuF').blocks, 2);
    ExFreeToLookasideListEx(&list, a);
    ExFreeToLookasideListEx(&list, b);
    assert_int_equal(usage_of('hsuF').blocks, 2);

    ExFlushLookasideListEx(&list);
    assert_int_equal(usage_of('hsuF').blocks, 0);
    assert_int_equal(list.L.TotalFrees, 2); /* flushing is not freeing to the list */

    PVOID c = ExAllocateFromLookasideListEx(&list); /* still usable, now a miss again */
    assert_non_null(c);
    assert_int_equal(list.L.AllocateMisses, 3);
    ExFreeToLookasideListEx(&list, c);
    ExDeleteLookasideListEx(&list);
    assert_int_equal(usage_of('hsuF').blocks, 0);

    /* Entries allocated with a driver's routine go back through its Free routine. */
    assert_status(STATUS_SUCCESS, ExInitializeLookasideListEx(&list, custom_allocate_ex, custom_free_ex, NonPagedPool,
                                                              0, 48, 'hsuF', 0));
    a = ExAllocateFromLookasideListEx(&list);
    b = ExAllocateFromLookasideListEx(&list);
    ExFreeToLookasideListEx(&list, a);
    ExFreeToLookasideListEx(&list, b);
    ExDeleteLookasideListEx(&list);
    assert_int_equal(calls.allocates, 2);
    assert_int_equal(calls.frees, 2);
    assert_ptr_equal(calls.list, &list);
    assert_no_findings();
}

static PLOOKASIDE_LIST_EX raising_list;

static NTSTATUS allocation_status(PVOID *entry)
{
    volatile NTSTATUS status = STATUS_SUCCESS;
    PVOID volatile result = NULL;
    __try {
        result = ExAllocateFromLookasideListEx(raising_list);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        status = GetExceptionCode();
    }
    *entry = result;
    return status;
}

static void raise_on_fail_raises_when_pool_runs_out(void **state)
{
    (void)state;
    LOOKASIDE_LIST_EX list;
    raising_list = &list;
    PVOID entry;
    assert_status(STATUS_SUCCESS, ExInitializeLookasideListEx(&list, NULL, NULL, NonPagedPoolNx,
                                                              EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL, 32, 'esiR', 0));
    wdmemu_pool_fail_tag('esiR', TRUE);
    assert_status(STATUS_INSUFFICIENT_RESOURCES, allocation_status(&entry));
    assert_null(entry);
    wdmemu_pool_fail_tag('esiR', FALSE);
    assert_status(STATUS_SUCCESS, allocation_status(&entry));
    assert_non_null(entry);
    ExFreeToLookasideListEx(&list, entry);
    ExDeleteLookasideListEx(&list);

    /* Without the flag the allocation just fails; a cached entry is still handed out. */
    assert_status(STATUS_SUCCESS, ExInitializeLookasideListEx(&list, NULL, NULL, NonPagedPoolNx, 0, 32, 'esiR', 0));
    PVOID cached = ExAllocateFromLookasideListEx(&list);
    ExFreeToLookasideListEx(&list, cached);
    wdmemu_pool_fail_after(0);
    assert_status(STATUS_SUCCESS, allocation_status(&entry));
    assert_ptr_equal(entry, cached);
    assert_status(STATUS_SUCCESS, allocation_status(&entry));
    assert_null(entry);
    wdmemu_pool_fail_after(-1);
    ExFreeToLookasideListEx(&list, cached);
    ExDeleteLookasideListEx(&list);

    /* The classic lists raise with POOL_RAISE_IF_ALLOCATION_FAILURE in Flags. */
    NPAGED_LOOKASIDE_LIST classic;
    ExInitializeNPagedLookasideList(&classic, NULL, NULL, POOL_RAISE_IF_ALLOCATION_FAILURE, 32, 'esiR', 0);
    wdmemu_pool_fail_after(0);
    volatile NTSTATUS status = STATUS_SUCCESS;
    __try {
        ExAllocateFromNPagedLookasideList(&classic);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        status = GetExceptionCode();
    }
    wdmemu_pool_fail_after(-1);
    assert_status(STATUS_INSUFFICIENT_RESOURCES, status);
    ExDeleteNPagedLookasideList(&classic);
    assert_no_findings();
}

/* ---- misuse ------------------------------------------------------------------------------------- */

static void uninitialised_lists_are_reported_not_used(void **state)
{
    (void)state;
    NPAGED_LOOKASIDE_LIST list;
    memset(&list, 0, sizeof(list));
    assert_null(ExAllocateFromNPagedLookasideList(&list));
    const wdmemu_finding *f = ts_finding("LOOKASIDE_LIST_NOT_INITIALIZED");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "ExAllocateFromNPagedLookasideList"));

    char buffer[16];
    ExFreeToNPagedLookasideList(&list, buffer);
    ExDeleteNPagedLookasideList(&list);
    LOOKASIDE_LIST_EX ex;
    memset(&ex, 0, sizeof(ex));
    ExFlushLookasideListEx(&ex);
    assert_null(ExAllocateFromLookasideListEx(&ex));
    assert_null(ExAllocateFromPagedLookasideList(NULL));
    assert_int_equal(ts_count_findings("LOOKASIDE_LIST_NOT_INITIALIZED"), 6);
    assert_int_equal(list.L.TotalAllocates, 0); /* the structure was not touched */
}

static void deleted_lists_are_reported_not_used(void **state)
{
    (void)state;
    PAGED_LOOKASIDE_LIST list;
    ExInitializePagedLookasideList(&list, NULL, NULL, 0, 32, 'leDL', 0);
    PVOID entry = ExAllocateFromPagedLookasideList(&list);
    ExDeletePagedLookasideList(&list);
    assert_no_findings();

    ExFreeToPagedLookasideList(&list, entry); /* returned after the delete */
    const wdmemu_finding *f = ts_finding("LOOKASIDE_LIST_DELETED");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "ExFreeToPagedLookasideList"));
    assert_null(ExAllocateFromPagedLookasideList(&list));
    ExDeletePagedLookasideList(&list); /* deleted twice */
    assert_int_equal(ts_count_findings("LOOKASIDE_LIST_DELETED"), 3);
    assert_int_equal(usage_of('leDL').blocks, 1); /* the entry is the driver's to free */
    ExFreePool(entry);

    /* Initialising again makes it a list again. */
    ExInitializePagedLookasideList(&list, NULL, NULL, 0, 32, 'leDL', 0);
    entry = ExAllocateFromPagedLookasideList(&list);
    assert_non_null(entry);
    ExFreeToPagedLookasideList(&list, entry);
    ExDeletePagedLookasideList(&list);
    assert_int_equal(wdmemu_finding_count(), 3);
}

static void entries_returned_twice_or_freed_behind_the_list_are_reported(void **state)
{
    (void)state;
    NPAGED_LOOKASIDE_LIST list;
    ExInitializeNPagedLookasideList(&list, NULL, NULL, 0, 32, 'ewTL', 0);
    PVOID a = ExAllocateFromNPagedLookasideList(&list);
    PVOID b = ExAllocateFromNPagedLookasideList(&list);
    ExFreeToNPagedLookasideList(&list, a);
    ExFreeToNPagedLookasideList(&list, a);
    assert_int_equal(ts_count_findings("BAD_POOL_CALLER"), 1);
    assert_non_null(strstr(ts_finding("BAD_POOL_CALLER")->message, "freed twice"));
    assert_int_equal(list.L.TotalFrees, 1);

    ExFreeToNPagedLookasideList(&list, NULL);
    assert_int_equal(ts_count_findings("BAD_POOL_CALLER"), 2);

    /* a is cached; freeing it to pool behind the list's back is caught when it would be reused. */
    ExFreePool(a);
    PVOID c = ExAllocateFromNPagedLookasideList(&list);
    assert_non_null(c);
    assert_int_equal(ts_count_findings("BAD_POOL_CALLER"), 3);
    ExFreeToNPagedLookasideList(&list, b);
    ExFreeToNPagedLookasideList(&list, c);
    ExDeleteNPagedLookasideList(&list);
    assert_int_equal(usage_of('ewTL').blocks, 0);
    assert_int_equal(ts_count_findings("BAD_POOL_CALLER"), 3);
}

static void initialising_a_live_list_again_is_reported(void **state)
{
    (void)state;
    LOOKASIDE_LIST_EX list;
    assert_status(STATUS_SUCCESS, ExInitializeLookasideListEx(&list, NULL, NULL, NonPagedPool, 0, 32, 'tinI', 0));
    PVOID entry = ExAllocateFromLookasideListEx(&list);
    ExFreeToLookasideListEx(&list, entry);
    assert_status(STATUS_SUCCESS, ExInitializeLookasideListEx(&list, NULL, NULL, NonPagedPool, 0, 32, 'tinI', 0));
    const wdmemu_finding *f = ts_finding("LOOKASIDE_LIST_REINITIALIZED");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "1 cached"));
    ExDeleteLookasideListEx(&list);
    assert_int_equal(usage_of('tinI').blocks, 1); /* the stranded entry is still allocated */
    ExFreePool(entry);
}

static void paged_lists_above_apc_level_are_reported(void **state)
{
    (void)state;
    PAGED_LOOKASIDE_LIST paged;
    NPAGED_LOOKASIDE_LIST nonpaged;
    ExInitializePagedLookasideList(&paged, NULL, NULL, 0, 32, 'lqrI', 0);
    ExInitializeNPagedLookasideList(&nonpaged, NULL, NULL, 0, 32, 'lqrI', 0);
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    PVOID n = ExAllocateFromNPagedLookasideList(&nonpaged);
    ExFreeToNPagedLookasideList(&nonpaged, n);
    assert_no_findings();
    PVOID p = ExAllocateFromPagedLookasideList(&paged);
    KeLowerIrql(old);
    /* Reported once, naming the lookaside routine (not again by the pool underneath). */
    assert_int_equal(ts_count_findings("IRQL_POOL_ACCESS"), 1);
    assert_non_null(strstr(ts_finding("IRQL_POOL_ACCESS")->message, "ExAllocateFromPagedLookasideList"));
    ExFreeToPagedLookasideList(&paged, p);
    ExDeletePagedLookasideList(&paged);
    ExDeleteNPagedLookasideList(&nonpaged);
    assert_int_equal(ts_count_findings("IRQL_POOL_ACCESS"), 1);
}

/* ---- threads ------------------------------------------------------------------------------------ */

#define THREADS 4
#define ROUNDS 2000

static void *hammer(void *context)
{
    PNPAGED_LOOKASIDE_LIST list = context;
    for (int i = 0; i < ROUNDS; i++) {
        PVOID a = ExAllocateFromNPagedLookasideList(list);
        PVOID b = ExAllocateFromNPagedLookasideList(list);
        memset(a, i & 0xFF, 64);
        memset(b, i & 0xFF, 64);
        ExFreeToNPagedLookasideList(list, b);
        ExFreeToNPagedLookasideList(list, a);
    }
    return NULL;
}

/* Several host threads at once need the threaded execution model. */
static int threaded_setup(void **state)
{
    log_setup(state);
    return NT_SUCCESS(wdmemu_set_mode(WDMEMU_MODE_THREADED)) ? 0 : -1;
}

static int threaded_teardown(void **state)
{
    int result = ts_teardown(state);
    return NT_SUCCESS(wdmemu_set_mode(WDMEMU_MODE_DETERMINISTIC)) ? result : -1;
}

static void concurrent_use_keeps_the_counters_exact(void **state)
{
    (void)state;
    static NPAGED_LOOKASIDE_LIST list;
    ExInitializeNPagedLookasideList(&list, NULL, NULL, 0, 64, 'rhTL', 0);
    tt_thread threads[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(tt_start(&threads[i], hammer, &list, 0), 0);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(tt_join(&threads[i]), 0);
    assert_int_equal(list.L.TotalAllocates, THREADS * ROUNDS * 2);
    assert_int_equal(list.L.TotalFrees, THREADS * ROUNDS * 2);
    wdmemu_pool_usage u = usage_of('rhTL');
    assert_int_equal(u.allocations, list.L.AllocateMisses);
    assert_int_equal(u.frees, list.L.FreeMisses);
    assert_true(u.blocks <= list.L.Depth);
    ExDeleteNPagedLookasideList(&list);
    assert_int_equal(usage_of('rhTL').blocks, 0);
    assert_no_findings();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        la_test(new_list_has_windows_fields),
        la_test(counters_follow_hits_and_misses),
        la_test(entries_beyond_depth_go_to_the_free_routine),
        la_test(custom_routines_receive_type_size_and_tag),
        la_test(small_sizes_are_rounded_up),
        la_test(ex_routines_receive_flags_and_the_list),
        la_test(ex_rejects_bad_pool_types_and_flags),
        la_test(ex_flush_and_delete_free_the_cached_entries),
        la_test(raise_on_fail_raises_when_pool_runs_out),
        la_test(uninitialised_lists_are_reported_not_used),
        la_test(deleted_lists_are_reported_not_used),
        la_test(entries_returned_twice_or_freed_behind_the_list_are_reported),
        la_test(initialising_a_live_list_again_is_reported),
        la_test(paged_lists_above_apc_level_are_reported),
        cmocka_unit_test_setup_teardown(concurrent_use_keeps_the_counters_exact, threaded_setup, threaded_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
