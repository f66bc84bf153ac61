/* testkit/mock.c: mock devices for driver tests.  One kit driver (\Driver\wdmemu_mock) owns
 * them; its dispatch routine records each request and carries out the next action the test
 * queued for that mock on CMocka's will_return queue (keyed by the mock's own name): complete,
 * complete with data, pend and complete from a timer DPC, hold until released, or pass down.
 * Pended and held IRPs are cancelable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testkit.h"

typedef struct tk_action {
    wdmemu_mock_action_kind kind;
    NTSTATUS status;
    ULONG_PTR information;
    const void *data;
    size_t length;
    uint64_t delay_ms;
    struct tk_action *next_allocated; /* every action, freed after the test */
} tk_action;

/* A pended or held IRP. */
typedef struct tk_pending {
    LIST_ENTRY link;           /* in the mock's outstanding list while the IRP waits */
    PIRP irp;                  /* NULL once completed or cancelled */
    struct wdmemu_mock *mock;
    NTSTATUS status;
    ULONG_PTR information;
    BOOLEAN timed;
    KTIMER timer;
    KDPC dpc;
    struct tk_pending *next_allocated;
} tk_pending;

struct wdmemu_mock {
    char key[48];              /* the will_return key: "wdmemu_mock#n" */
    char name[128];
    PDEVICE_OBJECT device;
    PDEVICE_OBJECT lower;      /* attached mocks: the device below */
    BOOLEAN above;
    size_t queued;             /* actions queued and not consumed */
    size_t checks;             /* requests still to pass through wdmemu_mock_check */
    size_t unexpected;         /* requests that arrived with no action queued */
    size_t pass_down_errors;
    tk_action *last_queued;
    wdmemu_mock_request *requests;
    size_t request_count, request_capacity;
    KSPIN_LOCK lock;           /* guards outstanding */
    LIST_ENTRY outstanding;
    size_t outstanding_count;
    struct wdmemu_mock *next;
};

typedef struct tk_mock_ext {
    struct wdmemu_mock *mock;
} tk_mock_ext;

static struct {
    wdmemu_driver *driver;
    struct wdmemu_mock *mocks;
    tk_action *actions;
    tk_pending *pendings;
    unsigned serial;
} tkm;

/* ---- the mock driver ------------------------------------------------------------------------ */

static void tk_record(struct wdmemu_mock *mock, PDEVICE_OBJECT device, PIRP irp, PIO_STACK_LOCATION stack)
{
    if (mock->request_count == mock->request_capacity) {
        size_t capacity = mock->request_capacity != 0 ? mock->request_capacity * 2 : 16;
        wdmemu_mock_request *grown = realloc(mock->requests, capacity * sizeof(*grown));
        if (grown == NULL)
            return;
        mock->requests = grown;
        mock->request_capacity = capacity;
    }
    wdmemu_mock_request *r = &mock->requests[mock->request_count++];
    memset(r, 0, sizeof(*r));
    r->major = stack->MajorFunction;
    r->minor = stack->MinorFunction;
    r->requestor_mode = irp->RequestorMode;
    r->file = stack->FileObject;
    const void *input = NULL;
    switch (stack->MajorFunction) {
    case IRP_MJ_READ:
        r->output_length = stack->Parameters.Read.Length;
        r->offset = stack->Parameters.Read.ByteOffset.QuadPart;
        break;
    case IRP_MJ_WRITE:
        r->input_length = stack->Parameters.Write.Length;
        r->offset = stack->Parameters.Write.ByteOffset.QuadPart;
        if (device->Flags & DO_BUFFERED_IO)
            input = irp->AssociatedIrp.SystemBuffer;
        else if (device->Flags & DO_DIRECT_IO)
            input = irp->MdlAddress != NULL ? MmGetSystemAddressForMdlSafe(irp->MdlAddress, NormalPagePriority) : NULL;
        else
            input = irp->UserBuffer;
        break;
    case IRP_MJ_DEVICE_CONTROL:
    case IRP_MJ_INTERNAL_DEVICE_CONTROL:
    case IRP_MJ_FILE_SYSTEM_CONTROL:
        r->code = stack->Parameters.DeviceIoControl.IoControlCode;
        r->input_length = stack->Parameters.DeviceIoControl.InputBufferLength;
        r->output_length = stack->Parameters.DeviceIoControl.OutputBufferLength;
        input = METHOD_FROM_CTL_CODE(r->code) == METHOD_NEITHER ? stack->Parameters.DeviceIoControl.Type3InputBuffer
                                                                : irp->AssociatedIrp.SystemBuffer;
        break;
    case IRP_MJ_SET_INFORMATION:
        r->input_length = stack->Parameters.SetFile.Length;
        input = irp->AssociatedIrp.SystemBuffer;
        break;
    case IRP_MJ_QUERY_INFORMATION:
        r->output_length = stack->Parameters.QueryFile.Length;
        break;
    default:
        break;
    }
    if (input != NULL && r->input_length != 0) {
        r->input_captured = r->input_length < sizeof(r->input) ? r->input_length : (ULONG)sizeof(r->input);
        memcpy(r->input, input, r->input_captured);
    }
}

/* Where a request's output goes, and how much of it there is. */
static void *tk_output(PDEVICE_OBJECT device, PIRP irp, PIO_STACK_LOCATION stack, ULONG *length)
{
    *length = 0;
    switch (stack->MajorFunction) {
    case IRP_MJ_READ:
        *length = stack->Parameters.Read.Length;
        if (device->Flags & DO_BUFFERED_IO)
            return irp->AssociatedIrp.SystemBuffer;
        if (device->Flags & DO_DIRECT_IO)
            return irp->MdlAddress != NULL ? MmGetSystemAddressForMdlSafe(irp->MdlAddress, NormalPagePriority) : NULL;
        return irp->UserBuffer;
    case IRP_MJ_DEVICE_CONTROL:
    case IRP_MJ_INTERNAL_DEVICE_CONTROL:
    case IRP_MJ_FILE_SYSTEM_CONTROL:
        *length = stack->Parameters.DeviceIoControl.OutputBufferLength;
        switch (METHOD_FROM_CTL_CODE(stack->Parameters.DeviceIoControl.IoControlCode)) {
        case METHOD_BUFFERED:
            return irp->AssociatedIrp.SystemBuffer;
        case METHOD_NEITHER:
            return irp->UserBuffer;
        default:
            return irp->MdlAddress != NULL ? MmGetSystemAddressForMdlSafe(irp->MdlAddress, NormalPagePriority) : NULL;
        }
    case IRP_MJ_QUERY_INFORMATION:
        *length = stack->Parameters.QueryFile.Length;
        return irp->AssociatedIrp.SystemBuffer;
    default:
        return NULL;
    }
}

static void tk_complete(PIRP irp, NTSTATUS status, ULONG_PTR information)
{
    irp->IoStatus.Status = status;
    irp->IoStatus.Information = information;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
}

/* Takes the IRP of a pending entry off the outstanding list; NULL if someone else did. */
static PIRP tk_take(tk_pending *entry)
{
    struct wdmemu_mock *mock = entry->mock;
    KIRQL old;
    KeAcquireSpinLock(&mock->lock, &old);
    PIRP irp = entry->irp;
    if (irp != NULL) {
        RemoveEntryList(&entry->link);
        entry->irp = NULL;
        mock->outstanding_count--;
    }
    KeReleaseSpinLock(&mock->lock, old);
    return irp;
}

/* Completes an IRP taken off the outstanding list.  If IoCancelIrp already claimed its cancel
 * routine, that routine finds nothing to do: the IRP ends cancelled here, once the routine has
 * let go of the cancel spin lock (it reads Irp->CancelIrql under it). */
static void tk_finish(PIRP irp, NTSTATUS status, ULONG_PTR information)
{
    if (IoSetCancelRoutine(irp, NULL) != NULL) {
        tk_complete(irp, status, information);
        return;
    }
    KIRQL irql;
    IoAcquireCancelSpinLock(&irql);
    IoReleaseCancelSpinLock(irql);
    tk_complete(irp, STATUS_CANCELLED, 0);
}

static VOID NTAPI tk_cancel(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    struct wdmemu_mock *mock = ((tk_mock_ext *)DeviceObject->DeviceExtension)->mock;
    tk_pending *found = NULL;
    KIRQL old;
    KeAcquireSpinLock(&mock->lock, &old);
    for (PLIST_ENTRY e = mock->outstanding.Flink; e != &mock->outstanding; e = e->Flink) {
        tk_pending *entry = CONTAINING_RECORD(e, tk_pending, link);
        if (entry->irp == Irp) {
            RemoveEntryList(&entry->link);
            entry->irp = NULL;
            mock->outstanding_count--;
            found = entry;
            break;
        }
    }
    KeReleaseSpinLock(&mock->lock, old);
    if (found != NULL) /* else the timer or wdmemu_mock_release took it and completes it */
        tk_complete(Irp, STATUS_CANCELLED, 0);
}

static VOID NTAPI tk_timer_dpc(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    (void)Dpc;
    (void)SystemArgument1;
    (void)SystemArgument2;
    tk_pending *entry = DeferredContext;
    PIRP irp = tk_take(entry);
    if (irp != NULL)
        tk_finish(irp, entry->status, entry->information);
}

static NTSTATUS tk_pend(struct wdmemu_mock *mock, PIRP irp, const tk_action *action)
{
    tk_pending *entry = calloc(1, sizeof(*entry));
    if (entry == NULL) {
        tk_complete(irp, STATUS_INSUFFICIENT_RESOURCES, 0);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    entry->next_allocated = tkm.pendings;
    tkm.pendings = entry;
    entry->mock = mock;
    entry->irp = irp;
    entry->status = action->status;
    entry->information = action->information;
    entry->timed = action->kind == WDMEMU_MOCK_PEND;
    IoMarkIrpPending(irp);
    KIRQL old;
    KeAcquireSpinLock(&mock->lock, &old);
    InsertTailList(&mock->outstanding, &entry->link);
    mock->outstanding_count++;
    KeReleaseSpinLock(&mock->lock, old);
    IoSetCancelRoutine(irp, tk_cancel);
    if (irp->Cancel && IoSetCancelRoutine(irp, NULL) != NULL) {
        /* cancelled before the routine was set: nobody else will complete it */
        if (tk_take(entry) != NULL)
            tk_complete(irp, STATUS_CANCELLED, 0);
        return STATUS_PENDING;
    }
    if (entry->timed) {
        KeInitializeDpc(&entry->dpc, tk_timer_dpc, entry);
        KeInitializeTimer(&entry->timer);
        LARGE_INTEGER due;
        due.QuadPart = -(LONGLONG)(action->delay_ms * 10000);
        KeSetTimer(&entry->timer, due, &entry->dpc);
    }
    return STATUS_PENDING;
}

static NTSTATUS NTAPI tk_dispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    struct wdmemu_mock *mock = ((tk_mock_ext *)DeviceObject->DeviceExtension)->mock;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    tk_record(mock, DeviceObject, Irp, stack);
    const wdmemu_mock_request *r = &mock->requests[mock->request_count - 1];
    if (mock->checks > 0) {
        mock->checks--;
        wdmemu_mock_check(r->major, r->minor, r->code, r->input_length, r->output_length);
    }
    if (mock->queued == 0) {
        mock->unexpected++;
        const char *major = wdmemu_major_name(stack->MajorFunction);
        print_error("wdmemu mock %s: unexpected %s (no action queued): completed with "
                    "STATUS_INVALID_DEVICE_REQUEST\n", mock->name, major != NULL ? major : "request");
        tk_complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    mock->queued--;
    const tk_action *action = (const tk_action *)(uintptr_t)_mock(mock->key, __FILE__, __LINE__);
    switch (action->kind) {
    case WDMEMU_MOCK_COMPLETE: {
        ULONG_PTR information = action->information;
        if (action->data != NULL) {
            ULONG room;
            void *out = tk_output(DeviceObject, Irp, stack, &room);
            size_t n = action->length < room ? action->length : room;
            if (out != NULL && n != 0)
                memcpy(out, action->data, n);
            information = out != NULL ? n : 0;
        }
        tk_complete(Irp, action->status, information);
        return action->status;
    }
    case WDMEMU_MOCK_PEND:
    case WDMEMU_MOCK_HOLD:
        return tk_pend(mock, Irp, action);
    case WDMEMU_MOCK_PASS_DOWN:
        if (mock->lower == NULL) {
            mock->pass_down_errors++;
            print_error("wdmemu mock %s: wdmemu_mock_will_pass_down on a mock with no device below it\n", mock->name);
            tk_complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
            return STATUS_INVALID_DEVICE_REQUEST;
        }
        IoSkipCurrentIrpStackLocation(Irp);
        return IoCallDriver(mock->lower, Irp);
    }
    tk_complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    return STATUS_INVALID_DEVICE_REQUEST;
}

static VOID NTAPI tk_unload(PDRIVER_OBJECT DriverObject)
{
    /* A deleted device still open (a test that ended abruptly) stays on the list: walk it once. */
    PDEVICE_OBJECT next;
    for (PDEVICE_OBJECT device = DriverObject->DeviceObject; device != NULL; device = next) {
        next = device->NextDevice;
        struct wdmemu_mock *mock = ((tk_mock_ext *)device->DeviceExtension)->mock;
        if (mock->device == NULL)
            continue; /* already deleted */
        if (mock->lower != NULL)
            IoDetachDevice(mock->lower);
        mock->lower = NULL;
        mock->device = NULL;
        IoDeleteDevice(device);
    }
}

static NTSTATUS NTAPI tk_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = tk_dispatch;
    DriverObject->DriverUnload = tk_unload;
    return STATUS_SUCCESS;
}

/* ---- creating mocks ------------------------------------------------------------------------- */

static struct wdmemu_mock *tk_new_mock(const char *name)
{
    if (tkm.driver == NULL && !NT_SUCCESS(wdmemu_driver_load_entry(tk_entry, "wdmemu_mock", &tkm.driver))) {
        print_error("wdmemu mock: the mock driver could not be loaded: %s\n", wdmemu_last_error());
        return NULL;
    }
    struct wdmemu_mock *mock = calloc(1, sizeof(*mock));
    if (mock == NULL)
        return NULL;
    snprintf(mock->key, sizeof(mock->key), "wdmemu_mock#%u", ++tkm.serial);
    snprintf(mock->name, sizeof(mock->name), "%s", name);
    KeInitializeSpinLock(&mock->lock);
    InitializeListHead(&mock->outstanding);
    mock->next = tkm.mocks;
    tkm.mocks = mock;
    return mock;
}

static BOOLEAN tk_utf16(const char *name, WCHAR *buffer, size_t capacity, UNICODE_STRING *out)
{
    size_t n = strlen(name);
    if (n + 1 > capacity)
        return FALSE;
    for (size_t i = 0; i <= n; i++)
        buffer[i] = (WCHAR)(unsigned char)name[i];
    out->Buffer = buffer;
    out->Length = (USHORT)(n * sizeof(WCHAR));
    out->MaximumLength = (USHORT)((n + 1) * sizeof(WCHAR));
    return TRUE;
}

wdmemu_mock *wdmemu_mock_create(const char *device_name, DEVICE_TYPE type, ULONG flags)
{
    WCHAR buffer[128];
    UNICODE_STRING name;
    if (device_name == NULL || !tk_utf16(device_name, buffer, 128, &name)) {
        print_error("wdmemu_mock_create: a device name (ASCII, under 128 characters) is required\n");
        _fail(__FILE__, __LINE__);
        return NULL;
    }
    struct wdmemu_mock *mock = tk_new_mock(device_name);
    if (mock == NULL) {
        _fail(__FILE__, __LINE__);
        return NULL;
    }
    PDEVICE_OBJECT device;
    NTSTATUS status = IoCreateDevice(wdmemu_driver_object(tkm.driver), sizeof(tk_mock_ext), &name, type, 0, FALSE,
                                     &device);
    if (!NT_SUCCESS(status)) {
        char text[96];
        wdmemu_status_format(status, text, sizeof(text));
        print_error("wdmemu_mock_create(\"%s\"): IoCreateDevice failed with %s\n", device_name, text);
        _fail(__FILE__, __LINE__);
        return NULL;
    }
    ((tk_mock_ext *)device->DeviceExtension)->mock = mock;
    device->Flags |= flags & (DO_BUFFERED_IO | DO_DIRECT_IO);
    device->Flags &= ~DO_DEVICE_INITIALIZING;
    mock->device = device;
    return mock;
}

wdmemu_mock *wdmemu_mock_attach(const char *target_name)
{
    PDEVICE_OBJECT target = NULL;
    NTSTATUS status = target_name != NULL ? wdmemu_device_lookup(target_name, &target, NULL, 0)
                                          : STATUS_OBJECT_NAME_INVALID;
    if (!NT_SUCCESS(status)) {
        char text[96];
        wdmemu_status_format(status, text, sizeof(text));
        print_error("wdmemu_mock_attach(\"%s\"): no such device (%s)\n", target_name ? target_name : "(null)", text);
        _fail(__FILE__, __LINE__);
        return NULL;
    }
    char name[160];
    snprintf(name, sizeof(name), "mock over %s", target_name);
    struct wdmemu_mock *mock = tk_new_mock(name);
    PDEVICE_OBJECT device = NULL;
    if (mock != NULL)
        status = IoCreateDevice(wdmemu_driver_object(tkm.driver), sizeof(tk_mock_ext), NULL, target->DeviceType, 0,
                                FALSE, &device);
    if (mock == NULL || !NT_SUCCESS(status)) {
        ObDereferenceObject(target);
        print_error("wdmemu_mock_attach(\"%s\"): the mock device could not be created\n", target_name);
        _fail(__FILE__, __LINE__);
        return NULL;
    }
    ((tk_mock_ext *)device->DeviceExtension)->mock = mock;
    mock->lower = IoAttachDeviceToDeviceStack(device, target);
    ObDereferenceObject(target);
    if (mock->lower == NULL) {
        IoDeleteDevice(device);
        print_error("wdmemu_mock_attach(\"%s\"): IoAttachDeviceToDeviceStack failed\n", target_name);
        _fail(__FILE__, __LINE__);
        return NULL;
    }
    device->Flags |= mock->lower->Flags & (DO_BUFFERED_IO | DO_DIRECT_IO | DO_POWER_PAGABLE);
    device->Flags &= ~DO_DEVICE_INITIALIZING;
    mock->device = device;
    mock->above = TRUE;
    return mock;
}

PDEVICE_OBJECT wdmemu_mock_device(const wdmemu_mock *mock)
{
    return mock != NULL ? mock->device : NULL;
}

size_t wdmemu_mock_request_count(const wdmemu_mock *mock)
{
    return mock != NULL ? mock->request_count : 0;
}

const wdmemu_mock_request *wdmemu_mock_request_at(const wdmemu_mock *mock, size_t index)
{
    return mock != NULL && index < mock->request_count ? &mock->requests[index] : NULL;
}

/* ---- scripting -------------------------------------------------------------------------------- */

void wdmemu_mock_queue(wdmemu_mock *mock, wdmemu_mock_action_kind kind, NTSTATUS status, ULONG_PTR information,
                       const void *data, size_t length, uint64_t delay_ms, const char *file, int line)
{
    if (mock == NULL) {
        print_error("wdmemu_mock_will_*: the mock is NULL\n");
        _fail(file, line);
        return;
    }
    tk_action *action = calloc(1, sizeof(*action));
    if (action == NULL) {
        _fail(file, line);
        return;
    }
    action->kind = kind;
    action->status = status;
    action->information = information;
    action->data = data;
    action->length = length;
    action->delay_ms = delay_ms;
    action->next_allocated = tkm.actions;
    tkm.actions = action;
    mock->last_queued = action;
    mock->queued++;
    _will_return(mock->key, file, line, (LargestIntegralType)(uintptr_t)action, 1);
}

void wdmemu_mock_repeat(wdmemu_mock *mock, size_t count)
{
    if (mock == NULL || mock->last_queued == NULL) {
        print_error("wdmemu_mock_repeat: nothing was queued to repeat\n");
        _fail(__FILE__, __LINE__);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        mock->queued++;
        _will_return(mock->key, __FILE__, __LINE__, (LargestIntegralType)(uintptr_t)mock->last_queued, 1);
    }
}

void wdmemu_mock_check_next(wdmemu_mock *mock)
{
    if (mock != NULL)
        mock->checks++;
}

void wdmemu_mock_check(ULONG major, ULONG minor, ULONG code, ULONG input_length, ULONG output_length)
{
    check_expected(major);
    check_expected(minor);
    check_expected(code);
    check_expected(input_length);
    check_expected(output_length);
}

size_t wdmemu_mock_release(wdmemu_mock *mock)
{
    size_t released = 0;
    for (;;) {
        tk_pending *entry = NULL;
        KIRQL old;
        KeAcquireSpinLock(&mock->lock, &old);
        for (PLIST_ENTRY e = mock->outstanding.Flink; e != &mock->outstanding; e = e->Flink) {
            tk_pending *candidate = CONTAINING_RECORD(e, tk_pending, link);
            if (!candidate->timed) {
                entry = candidate;
                break;
            }
        }
        KeReleaseSpinLock(&mock->lock, old);
        if (entry == NULL)
            return released;
        NTSTATUS status = entry->status;
        ULONG_PTR information = entry->information;
        PIRP irp = tk_take(entry);
        if (irp != NULL) {
            tk_finish(irp, status, information);
            released++;
        }
    }
}

size_t wdmemu_mock_outstanding(const wdmemu_mock *mock)
{
    return mock != NULL ? mock->outstanding_count : 0;
}

/* ---- the fixture's teardown ----------------------------------------------------------------- */

static int tk_mock_problems(struct wdmemu_mock *mock)
{
    int problems = 0;
    if (mock->unexpected != 0) {
        print_error("wdmemu mock %s: %lu request(s) arrived with no action queued\n", mock->name,
                    (unsigned long)mock->unexpected);
        problems++;
    }
    if (mock->pass_down_errors != 0)
        problems++;
    if (mock->outstanding_count != 0) {
        print_error("wdmemu mock %s: %lu request(s) still pending at the end of the test; they are cancelled\n",
                    mock->name, (unsigned long)mock->outstanding_count);
        problems++;
        /* cancel them so the drivers above see their requests end */
        for (;;) {
            PIRP irp = NULL;
            KIRQL old;
            KeAcquireSpinLock(&mock->lock, &old);
            if (!IsListEmpty(&mock->outstanding))
                irp = CONTAINING_RECORD(mock->outstanding.Flink, tk_pending, link)->irp;
            KeReleaseSpinLock(&mock->lock, old);
            if (irp == NULL || !IoCancelIrp(irp))
                break;
        }
        wdmemu_run_until_idle();
    }
    return problems;
}

int tk_mocks_finish_above(void)
{
    int problems = 0;
    for (struct wdmemu_mock *mock = tkm.mocks; mock != NULL; mock = mock->next)
        problems += tk_mock_problems(mock);
    for (struct wdmemu_mock *mock = tkm.mocks; mock != NULL; mock = mock->next) {
        if (mock->above && mock->device != NULL) {
            IoDetachDevice(mock->lower);
            IoDeleteDevice(mock->device);
            mock->lower = NULL;
            mock->device = NULL;
        }
    }
    return problems;
}

int tk_mocks_finish_below(void)
{
    int problems = 0;
    if (tkm.driver != NULL) {
        NTSTATUS status = wdmemu_driver_unload(tkm.driver);
        tkm.driver = NULL;
        if (status != STATUS_SUCCESS) {
            print_error("wdmemu mock: the mock driver did not unload cleanly (a driver under test may still hold "
                        "one of its devices)\n");
            problems++;
        }
    }
    return problems;
}

void tk_mocks_free(void)
{
    while (tkm.mocks != NULL) {
        struct wdmemu_mock *next = tkm.mocks->next;
        free(tkm.mocks->requests);
        free(tkm.mocks);
        tkm.mocks = next;
    }
    while (tkm.actions != NULL) {
        tk_action *next = tkm.actions->next_allocated;
        free(tkm.actions);
        tkm.actions = next;
    }
    while (tkm.pendings != NULL) {
        tk_pending *next = tkm.pendings->next_allocated;
        free(tkm.pendings);
        tkm.pendings = next;
    }
    tkm.driver = NULL;
    tkm.serial = 0;
}
