/* trace/trace.c: tracing, the way IRPMon records requests on a live kernel.  The tracer is one
 * observer of the engine event stream (core/event.h): it turns each event into a trace record
 * (sequence number, virtual time, thread, IRQL, driver, device, IRP and file object as small
 * stable numbers, the stack location's major/minor function, IOCTL code, lengths and offset, IRP
 * flags, status and information, nesting depth) and hands the record to the sinks that are on:
 * memory (queried by tests through wdmemu_trace_get), text (one indented line per record),
 * JSON Lines (docs/trace-format.md) and Chrome Trace Event format (each IRP one span per device
 * level, from its dispatch to its final stage).  Nothing else in the library knows about tracing.
 * Selected with wdmemu_trace_start or, for any program, WDMEMU_TRACE=format[:path]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(_MSC_VER)
#define strcasecmp _stricmp /* the Microsoft C runtime's name for it */
#else
#include <strings.h>
#endif


#include "core/event.h"
#include "core/report.h"
#include "io/io.h"
#include "io/irp_private.h"
#include "ke/ke.h"
#include "trace/trace.h"

typedef struct tr_stored {
    wdmemu_trace_record pub;
    char *storage; /* the strings of pub */
} tr_stored;

static struct {
    plat_mutex lock;
    int subscription;            /* -1: not subscribed */
    BOOLEAN memory;
    FILE *text, *jsonl, *chrome;
    BOOLEAN close_text, close_jsonl, close_chrome;
    wdmemu_chrome_writer *chrome_writer;
    tr_stored *records;
    size_t count, capacity;
    int depth;                   /* dispatch nesting, for indentation */
    char filter_driver[128], filter_device[256];
    int filter_major;            /* -1: any */
    size_t data_limit;
} tr = {.subscription = -1, .filter_major = -1};
static plat_once_flag tr_once = PLAT_ONCE_INIT;
static BOOLEAN tr_env_opened;    /* WDMEMU_TRACE files are truncated once, then appended to */

static void tr_init_lock(void)
{
    plat_mutex_init_recursive(&tr.lock);
}

/* ---- names --------------------------------------------------------------------------------- */

static const char *const tr_major_names[IRP_MJ_MAXIMUM_FUNCTION + 1] = {
    "IRP_MJ_CREATE", "IRP_MJ_CREATE_NAMED_PIPE", "IRP_MJ_CLOSE", "IRP_MJ_READ", "IRP_MJ_WRITE",
    "IRP_MJ_QUERY_INFORMATION", "IRP_MJ_SET_INFORMATION", "IRP_MJ_QUERY_EA", "IRP_MJ_SET_EA",
    "IRP_MJ_FLUSH_BUFFERS", "IRP_MJ_QUERY_VOLUME_INFORMATION", "IRP_MJ_SET_VOLUME_INFORMATION",
    "IRP_MJ_DIRECTORY_CONTROL", "IRP_MJ_FILE_SYSTEM_CONTROL", "IRP_MJ_DEVICE_CONTROL",
    "IRP_MJ_INTERNAL_DEVICE_CONTROL", "IRP_MJ_SHUTDOWN", "IRP_MJ_LOCK_CONTROL", "IRP_MJ_CLEANUP",
    "IRP_MJ_CREATE_MAILSLOT", "IRP_MJ_QUERY_SECURITY", "IRP_MJ_SET_SECURITY", "IRP_MJ_POWER",
    "IRP_MJ_SYSTEM_CONTROL", "IRP_MJ_DEVICE_CHANGE", "IRP_MJ_QUERY_QUOTA", "IRP_MJ_SET_QUOTA", "IRP_MJ_PNP",
};

WDMEMU_API const char *wdmemu_major_name(UCHAR major)
{
    return major <= IRP_MJ_MAXIMUM_FUNCTION ? tr_major_names[major] : NULL;
}

WDMEMU_API int wdmemu_major_parse(const char *name)
{
    for (int m = 0; name != NULL && m <= IRP_MJ_MAXIMUM_FUNCTION; m++) {
        if (strcmp(name, tr_major_names[m]) == 0)
            return m;
    }
    return -1;
}

static const char *tr_kind_name(ev_kind kind)
{
    switch (kind) {
    case EV_DRIVER_ENTRY: return "DRIVER_ENTRY";
    case EV_DRIVER_ENTRY_RETURNED: return "DRIVER_ENTRY_RETURNED";
    case EV_DRIVER_UNLOAD: return "DRIVER_UNLOAD";
    case EV_DRIVER_UNLOADED: return "DRIVER_UNLOADED";
    case EV_DEVICE_CREATED: return "DEVICE_CREATED";
    case EV_DEVICE_DELETED: return "DEVICE_DELETED";
    case EV_DEVICE_FREED: return "DEVICE_FREED";
    case EV_DEVICE_ATTACHED: return "DEVICE_ATTACHED";
    case EV_DEVICE_DETACHED: return "DEVICE_DETACHED";
    case EV_SYMLINK_CREATED: return "SYMLINK_CREATED";
    case EV_SYMLINK_DELETED: return "SYMLINK_DELETED";
    case EV_IRP_DISPATCH: return "IRP_DISPATCH";
    case EV_IRP_DISPATCH_RETURNED: return "IRP_DISPATCH_RETURNED";
    case EV_IRP_COMPLETE: return "IRP_COMPLETE";
    case EV_IRP_COMPLETION_ROUTINE: return "COMPLETION_ROUTINE";
    case EV_IRP_COMPLETION_ROUTINE_RETURNED: return "COMPLETION_ROUTINE_RETURNED";
    case EV_IRP_FINAL: return "IRP_FINAL";
    case EV_FINDING: return "FINDING";
    case EV_DEBUG_PRINT: return "DEBUG_PRINT";
    case EV_DEBUG_BREAK: return "DEBUG_BREAK";
    case EV_DPC: return "DPC";
    case EV_TIMER: return "TIMER";
    case EV_WORK_ITEM: return "WORK_ITEM";
    case EV_THREAD_CREATED: return "THREAD_CREATED";
    case EV_THREAD_EXITED: return "THREAD_EXITED";
    case EV_IRP_CANCEL: return "IRP_CANCEL";
    case EV_IRP_MARK_PENDING: return "IRP_MARK_PENDING";
    case EV_START_IO: return "START_IO";
    case EV_DEVICE_QUEUE_INSERT: return "DEVICE_QUEUE_INSERT";
    case EV_DEVICE_QUEUE_REMOVE: return "DEVICE_QUEUE_REMOVE";
    case EV_IRP_QUEUED: return "IRP_QUEUED";
    case EV_IRP_DEQUEUED: return "IRP_DEQUEUED";
    case EV_REQUEST_ISSUED: return "REQUEST_ISSUED";
    case EV_FAST_IO: return "FAST_IO";
    case EV_REQUEST_COMPLETED: return "REQUEST_COMPLETED";
    case EV_ADD_DEVICE: return "ADD_DEVICE";
    case EV_ADD_DEVICE_RETURNED: return "ADD_DEVICE_RETURNED";
    }
    return "UNKNOWN";
}

/* ---- building a record ------------------------------------------------------------------------ */

/* Whether the IRP may be looked at for this kind of event (it is alive and being processed). */
static BOOLEAN tr_irp_readable(ev_kind kind)
{
    switch (kind) {
    case EV_IRP_DISPATCH:
    case EV_IRP_COMPLETE:
    case EV_IRP_COMPLETION_ROUTINE:
    case EV_IRP_FINAL:
    case EV_IRP_MARK_PENDING:
    case EV_START_IO:
    case EV_IRP_QUEUED:
    case EV_IRP_CANCEL:
        return TRUE;
    default:
        return FALSE;
    }
}

/* Copies the strings into one block owned by the stored record. */
static void tr_store_strings(tr_stored *slot, const char *driver, const char *device, const char *text,
                             const unsigned char *data, size_t data_length)
{
    size_t a = strlen(driver) + 1, b = strlen(device) + 1, c = text != NULL ? strlen(text) + 1 : 0;
    slot->storage = malloc(a + b + c + data_length);
    slot->pub.data = NULL;
    slot->pub.data_length = 0;
    if (slot->storage == NULL) {
        slot->pub.driver = slot->pub.device = "";
        slot->pub.text = NULL;
        return;
    }
    memcpy(slot->storage, driver, a);
    memcpy(slot->storage + a, device, b);
    if (c != 0)
        memcpy(slot->storage + a + b, text, c);
    slot->pub.driver = slot->storage;
    slot->pub.device = slot->storage + a;
    slot->pub.text = c != 0 ? slot->storage + a + b : NULL;
    if (data_length != 0) {
        memcpy(slot->storage + a + b + c, data, data_length);
        slot->pub.data = (const unsigned char *)slot->storage + a + b + c;
        slot->pub.data_length = data_length;
    }
}

/* Points the record at the caller's strings and bytes (a record that is written out and not kept). */
static void tr_borrow_strings(tr_stored *slot, const char *driver, const char *device, const char *text,
                              const unsigned char *data, size_t data_length)
{
    slot->storage = NULL;
    slot->pub.driver = driver;
    slot->pub.device = device;
    slot->pub.text = text;
    slot->pub.data = data_length != 0 ? data : NULL;
    slot->pub.data_length = data_length;
}

/* strlcpy: the longest prefix of from that fits, always terminated. */
static void tr_copy(char *to, size_t size, const char *from)
{
    size_t n = strlen(from);
    if (n >= size)
        n = size - 1;
    memcpy(to, from, n);
    to[n] = '\0';
}

/* Whether the record passes the filters (findings always do). */
static BOOLEAN tr_passes(const wdmemu_trace_record *r, const char *driver, const char *device)
{
    if (strcmp(r->kind, "FINDING") == 0)
        return TRUE;
    if (tr.filter_driver[0] != '\0' && strcasecmp(driver, tr.filter_driver) != 0)
        return FALSE;
    if (tr.filter_device[0] != '\0' && strcasecmp(device, tr.filter_device) != 0)
        return FALSE;
    if (tr.filter_major >= 0 && (r->major_name == NULL || r->major != tr.filter_major))
        return FALSE;
    return TRUE;
}

/* The bytes a record shows: what the driver was given (IRP_DISPATCH) or gave back (IRP_FINAL),
 * from the system buffer or a mapped MDL only: the requester's own memory is not read. */
static size_t tr_data(const ev_record *ev, PIRP irp, const PIO_STACK_LOCATION stack, unsigned char *out, size_t limit)
{
    if (limit == 0 || irp == NULL || (ev->kind != EV_IRP_DISPATCH && ev->kind != EV_IRP_FINAL))
        return 0;
    BOOLEAN input = ev->kind == EV_IRP_DISPATCH;
    UCHAR major = stack->MajorFunction;
    ULONG length;
    BOOLEAN buffered; /* in the system buffer, else behind the MDL */
    if (major == IRP_MJ_WRITE && input) {
        length = stack->Parameters.Write.Length;
        buffered = (irp->Flags & IRP_BUFFERED_IO) != 0;
    } else if (major == IRP_MJ_READ && !input) {
        length = (ULONG)irp->IoStatus.Information;
        buffered = (irp->Flags & IRP_BUFFERED_IO) != 0;
    } else if (major == IRP_MJ_DEVICE_CONTROL || major == IRP_MJ_INTERNAL_DEVICE_CONTROL ||
               major == IRP_MJ_FILE_SYSTEM_CONTROL) {
        ULONG method = stack->Parameters.DeviceIoControl.IoControlCode & 3;
        if (method == METHOD_NEITHER)
            return 0; /* the requester's own memory: not read */
        length = input ? stack->Parameters.DeviceIoControl.InputBufferLength : (ULONG)irp->IoStatus.Information;
        buffered = input || method == METHOD_BUFFERED;
    } else {
        return 0;
    }
    const void *from = NULL;
    if (buffered)
        from = (irp->Flags & IRP_BUFFERED_IO) ? irp->AssociatedIrp.SystemBuffer : NULL;
    else if (irp->MdlAddress != NULL &&
             (irp->MdlAddress->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL)))
        from = irp->MdlAddress->MappedSystemVa;
    if (from == NULL)
        return 0;
    size_t n = length < limit ? length : limit;
    memcpy(out, from, n);
    return n;
}

static void tr_build(const ev_record *ev, wdmemu_trace_record *r, char *driver, size_t driver_size, char *device,
                     size_t device_size, unsigned char *data, size_t *data_length)
{
    *data_length = 0;
    memset(r, 0, sizeof(*r));
    r->seq = ev->seq;
    r->time = KeQueryInterruptTime();
    ke_thread *self = ke_peek();
    r->thread = self != NULL ? self->id : 0;
    r->irql = self != NULL ? self->irql : PASSIVE_LEVEL;
    r->kind = tr_kind_name(ev->kind);
    r->status = ev->status;
    r->information = ev->information;
    r->pending_returned = ev->pending_returned || ev->handled;
    r->stack_location = ev->stack_location;
    r->major = ev->major;
    r->minor = ev->minor;
    tr_copy(driver, driver_size, ev->driver != NULL ? io_driver_display(ev->driver) : "");
    device[0] = '\0';
    PDEVICE_OBJECT dev = ev->device;
    PIRP irp = ev->irp;
    if (irp != NULL) {
        io_irp_header *header = io_irp_header_of(irp);
        r->irp = header != NULL ? header->id : 0;
    }
    if (ev->kind == EV_REQUEST_ISSUED || ev->kind == EV_FAST_IO) {
        /* the requester's parameters, as NtXxxFile / the FastIoXxx routine received them */
        r->file = io_file_serial(ev->file);
        r->ioctl = ev->code;
        r->input_length = ev->input_length;
        r->output_length = ev->output_length;
        r->offset = ev->offset;
    }
    BOOLEAN have_major = ev->kind == EV_REQUEST_ISSUED || ev->kind == EV_REQUEST_COMPLETED || ev->kind == EV_FAST_IO ||
                         ev->kind == EV_IRP_DISPATCH_RETURNED; /* these carry the major function themselves */
    if (irp != NULL && tr_irp_readable(ev->kind) && irp->StackCount > 0 && irp->CurrentLocation > irp->StackCount) {
        /* past the top (the final stage): the top location still names the request */
        PIO_STACK_LOCATION top = (PIO_STACK_LOCATION)(irp + 1) + irp->StackCount - 1;
        r->major = top->MajorFunction;
        r->irp_flags = irp->Flags;
        r->information = irp->IoStatus.Information;
        have_major = TRUE;
        /* the top location's parameters survive the walk (only the first three words of lower
         * ones are cleared), so the output can still be described */
        r->iosb_written = ev->kind == EV_IRP_FINAL && irp->UserIosb != NULL &&
                          (!NT_ERROR(irp->IoStatus.Status) || irp->PendingReturned);
        PIO_STACK_LOCATION view = top;
        *data_length = tr_data(ev, irp, view, data, tr.data_limit);
        if (dev == NULL && io_is_device(top->DeviceObject))
            dev = top->DeviceObject; /* the device the request was sent to */
    }
    if (irp != NULL && tr_irp_readable(ev->kind) && irp->CurrentLocation >= 1 && irp->CurrentLocation <= irp->StackCount) {
        have_major = TRUE;
        PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(irp);
        r->major = stack->MajorFunction;
        r->minor = stack->MinorFunction;
        r->stack_location = irp->CurrentLocation;
        r->irp_flags = irp->Flags;
        r->file = io_file_serial(stack->FileObject);
        if (dev == NULL)
            dev = stack->DeviceObject;
        switch (stack->MajorFunction) {
        case IRP_MJ_READ:
        case IRP_MJ_WRITE:
            r->output_length = stack->Parameters.Read.Length;
            r->offset = stack->Parameters.Read.ByteOffset.QuadPart;
            break;
        case IRP_MJ_DEVICE_CONTROL:
        case IRP_MJ_INTERNAL_DEVICE_CONTROL:
        case IRP_MJ_FILE_SYSTEM_CONTROL:
            r->ioctl = stack->Parameters.DeviceIoControl.IoControlCode;
            r->input_length = stack->Parameters.DeviceIoControl.InputBufferLength;
            r->output_length = stack->Parameters.DeviceIoControl.OutputBufferLength;
            break;
        default:
            break;
        }
        if (ev->kind == EV_IRP_COMPLETE || ev->kind == EV_IRP_FINAL || ev->kind == EV_IRP_COMPLETION_ROUTINE)
            r->information = irp->IoStatus.Information; /* what the routine (or the final stage) sees */
        *data_length = tr_data(ev, irp, stack, data, tr.data_limit);
    }
    if (dev != NULL && io_is_device(dev))
        io_device_display(dev, device, device_size);
    if (driver[0] == '\0' && dev != NULL && io_is_device(dev))
        tr_copy(driver, driver_size, io_driver_display(dev->DriverObject));
    r->major_name = have_major ? wdmemu_major_name(r->major) : NULL;
    if (ev->kind == EV_IRP_DISPATCH)
        r->depth = tr.depth++;
    else if (ev->kind == EV_IRP_DISPATCH_RETURNED)
        r->depth = tr.depth > 0 ? --tr.depth : 0;
    else
        r->depth = tr.depth;
}

/* ---- sinks ------------------------------------------------------------------------------------ */

static void tr_observe(const ev_record *ev, void *context)
{
    (void)context;
    plat_mutex_lock(&tr.lock);
    char driver[160], device[160];
    tr_stored slot;
    unsigned char data[4096];
    size_t data_length = 0;
    tr_build(ev, &slot.pub, driver, sizeof(driver), device, sizeof(device), data, &data_length);
    if (!tr_passes(&slot.pub, driver, device)) {
        plat_mutex_unlock(&tr.lock);
        return;
    }
    /* A finding's message starts with its rule ("[RULE] ..."); other records carry their DDI,
     * routine name or DbgPrint text. */
    const char *text = ev->text != NULL ? ev->text : ev->rule;
    if (tr.memory)
        tr_store_strings(&slot, driver, device, text, data, data_length);
    else
        tr_borrow_strings(&slot, driver, device, text, data, data_length);
    if (tr.text != NULL)
        wdmemu_trace_write_text(tr.text, &slot.pub);
    if (tr.jsonl != NULL)
        wdmemu_trace_write_jsonl(tr.jsonl, &slot.pub);
    if (tr.chrome_writer != NULL)
        wdmemu_chrome_writer_write(tr.chrome_writer, &slot.pub);
    if (tr.memory) {
        if (tr.count == tr.capacity) {
            size_t capacity = tr.capacity ? tr.capacity * 2 : 256;
            tr_stored *grown = realloc(tr.records, capacity * sizeof(*grown));
            if (grown == NULL) {
                free(slot.storage);
                plat_mutex_unlock(&tr.lock);
                return;
            }
            tr.records = grown;
            tr.capacity = capacity;
        }
        tr.records[tr.count++] = slot;
    }
    plat_mutex_unlock(&tr.lock);
}

static FILE *tr_open(const char *path, BOOLEAN append, BOOLEAN *close_it)
{
    *close_it = FALSE;
    if (path == NULL || path[0] == '\0' || strcmp(path, "-") == 0 || strcmp(path, "stderr") == 0)
        return stderr;
    if (strcmp(path, "stdout") == 0)
        return stdout;
    FILE *f = fopen(path, append ? "a" : "w");
    if (f != NULL)
        *close_it = TRUE;
    return f;
}

static NTSTATUS tr_start(const char *spec, BOOLEAN append)
{
    if (spec == NULL || spec[0] == '\0')
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_trace_start: no trace format (memory, text[:path], jsonl[:path], chrome[:path])");
    char format[16];
    const char *colon = strchr(spec, ':');
    size_t n = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
    if (n >= sizeof(format))
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_trace_start(\"%s\"): unknown trace format", spec);
    memcpy(format, spec, n);
    format[n] = '\0';
    const char *path = colon != NULL ? colon + 1 : NULL;
    plat_once(&tr_once, tr_init_lock);
    plat_mutex_lock(&tr.lock);
    NTSTATUS status = STATUS_SUCCESS;
    if (strcmp(format, "memory") == 0) {
        tr.memory = TRUE;
    } else if (strcmp(format, "text") == 0 || strcmp(format, "jsonl") == 0 || strcmp(format, "chrome") == 0) {
        FILE **slot = format[0] == 't' ? &tr.text : format[0] == 'j' ? &tr.jsonl : &tr.chrome;
        BOOLEAN *close_slot = format[0] == 't' ? &tr.close_text : format[0] == 'j' ? &tr.close_jsonl : &tr.close_chrome;
        if (*slot != NULL && slot == &tr.chrome) {
            wdmemu_chrome_writer_close(tr.chrome_writer);
            tr.chrome_writer = NULL;
        }
        if (*slot != NULL && *close_slot)
            fclose(*slot);
        /* A Chrome trace is one JSON array: never appended to. */
        *slot = tr_open(path, append && slot != &tr.chrome, close_slot);
        if (*slot == NULL)
            status = rp_error(STATUS_OBJECT_PATH_NOT_FOUND, "wdmemu_trace_start(\"%s\"): cannot open %s", spec, path);
        else if (slot == &tr.chrome && (tr.chrome_writer = wdmemu_chrome_writer_open(*slot)) == NULL)
            status = rp_error(STATUS_INSUFFICIENT_RESOURCES, "wdmemu_trace_start(\"%s\"): out of memory", spec);
    } else {
        status = rp_error(STATUS_INVALID_PARAMETER,
                          "wdmemu_trace_start(\"%s\"): unknown trace format (memory, text[:path], jsonl[:path], chrome[:path])", spec);
    }
    BOOLEAN subscribe = NT_SUCCESS(status) && tr.subscription < 0;
    plat_mutex_unlock(&tr.lock);
    /* The event stream's lock is taken outside the tracer's: delivery takes them the other way. */
    if (subscribe) {
        int id = ev_subscribe(tr_observe, NULL);
        plat_mutex_lock(&tr.lock);
        BOOLEAN duplicate = tr.subscription >= 0;
        if (!duplicate)
            tr.subscription = id;
        plat_mutex_unlock(&tr.lock);
        if (duplicate && id >= 0)
            ev_unsubscribe(id);
    }
    return status;
}

WDMEMU_API NTSTATUS wdmemu_trace_start(const char *spec)
{
    wdmemu_init();
    return tr_start(spec, FALSE);
}

static void tr_forget_records(void)
{
    for (size_t i = 0; i < tr.count; i++)
        free(tr.records[i].storage);
    tr.count = 0;
}

WDMEMU_API void wdmemu_trace_stop(void)
{
    plat_once(&tr_once, tr_init_lock);
    plat_mutex_lock(&tr.lock);
    int subscription = tr.subscription;
    tr.subscription = -1;
    plat_mutex_unlock(&tr.lock);
    if (subscription >= 0)
        ev_unsubscribe(subscription);
    plat_mutex_lock(&tr.lock);
    if (tr.text != NULL) {
        fflush(tr.text);
        if (tr.close_text)
            fclose(tr.text);
    }
    if (tr.jsonl != NULL) {
        fflush(tr.jsonl);
        if (tr.close_jsonl)
            fclose(tr.jsonl);
    }
    if (tr.chrome != NULL) {
        wdmemu_chrome_writer_close(tr.chrome_writer);
        tr.chrome_writer = NULL;
        fflush(tr.chrome);
        if (tr.close_chrome)
            fclose(tr.chrome);
    }
    tr.text = tr.jsonl = tr.chrome = NULL;
    tr.memory = FALSE;
    plat_mutex_unlock(&tr.lock);
}

WDMEMU_API size_t wdmemu_trace_count(void)
{
    plat_once(&tr_once, tr_init_lock);
    plat_mutex_lock(&tr.lock);
    size_t n = tr.count;
    plat_mutex_unlock(&tr.lock);
    return n;
}

WDMEMU_API const wdmemu_trace_record *wdmemu_trace_get(size_t index)
{
    plat_once(&tr_once, tr_init_lock);
    plat_mutex_lock(&tr.lock);
    const wdmemu_trace_record *r = index < tr.count ? &tr.records[index].pub : NULL;
    plat_mutex_unlock(&tr.lock);
    return r;
}

WDMEMU_API size_t wdmemu_trace_find(size_t from, const char *kind, uint32_t irp, const char *device)
{
    plat_once(&tr_once, tr_init_lock);
    plat_mutex_lock(&tr.lock);
    size_t found = (size_t)-1;
    for (size_t i = from; i < tr.count; i++) {
        const wdmemu_trace_record *r = &tr.records[i].pub;
        if ((kind == NULL || strcmp(r->kind, kind) == 0) && (irp == 0 || r->irp == irp) &&
            (device == NULL || strcasecmp(r->device, device) == 0)) {
            found = i;
            break;
        }
    }
    plat_mutex_unlock(&tr.lock);
    return found;
}

WDMEMU_API void wdmemu_trace_clear(void)
{
    plat_once(&tr_once, tr_init_lock);
    plat_mutex_lock(&tr.lock);
    tr_forget_records();
    plat_mutex_unlock(&tr.lock);
}

WDMEMU_API NTSTATUS wdmemu_trace_filter(const char *driver, const char *device, int major)
{
    if (major > IRP_MJ_MAXIMUM_FUNCTION)
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_trace_filter: major function %d is beyond IRP_MJ_PNP", major);
    plat_once(&tr_once, tr_init_lock);
    plat_mutex_lock(&tr.lock);
    tr.filter_driver[0] = tr.filter_device[0] = '\0';
    if (driver != NULL && driver[0] != '\0')
        snprintf(tr.filter_driver, sizeof(tr.filter_driver), "%s%s", driver[0] == '\\' ? "" : "\\Driver\\", driver);
    if (device != NULL)
        snprintf(tr.filter_device, sizeof(tr.filter_device), "%s", device);
    tr.filter_major = major < 0 ? -1 : major;
    plat_mutex_unlock(&tr.lock);
    return STATUS_SUCCESS;
}

WDMEMU_API void wdmemu_trace_data_limit(size_t limit)
{
    plat_once(&tr_once, tr_init_lock);
    plat_mutex_lock(&tr.lock);
    tr.data_limit = limit < 4096 ? limit : 4096;
    plat_mutex_unlock(&tr.lock);
}

/* WDMEMU_TRACE_FILTER=driver=X,device=Y,major=IRP_MJ_READ */
static void tr_env_filter(const char *spec)
{
    char copy[512], driver[128] = "", device[256] = "";
    int major = -1;
    snprintf(copy, sizeof(copy), "%s", spec);
    for (char *part = strtok(copy, ","); part != NULL; part = strtok(NULL, ",")) {
        if (strncmp(part, "driver=", 7) == 0)
            snprintf(driver, sizeof(driver), "%s", part + 7);
        else if (strncmp(part, "device=", 7) == 0)
            snprintf(device, sizeof(device), "%s", part + 7);
        else if (strncmp(part, "major=", 6) == 0) {
            major = wdmemu_major_parse(part + 6);
            if (major < 0)
                rp_error(STATUS_INVALID_PARAMETER, "WDMEMU_TRACE_FILTER: unknown major function %s", part + 6);
        } else {
            rp_error(STATUS_INVALID_PARAMETER, "WDMEMU_TRACE_FILTER: unknown filter %s (driver=, device=, major=)", part);
        }
    }
    wdmemu_trace_filter(driver, device[0] ? device : NULL, major);
}

/* wdmemu_init: WDMEMU_TRACE=format[:path][,format[:path]...] turns tracing on for any program. */
void trace_init(void)
{
    const char *filter = plat_getenv("WDMEMU_TRACE_FILTER");
    if (filter != NULL)
        tr_env_filter(filter);
    const char *data = plat_getenv("WDMEMU_TRACE_DATA");
    if (data != NULL)
        wdmemu_trace_data_limit((size_t)strtoul(data, NULL, 0));
    const char *spec = plat_getenv("WDMEMU_TRACE");
    if (spec == NULL)
        return;
    char copy[512];
    snprintf(copy, sizeof(copy), "%s", spec);
    for (char *part = strtok(copy, ","); part != NULL; part = strtok(NULL, ","))
        tr_start(part, tr_env_opened);
    tr_env_opened = TRUE;
}

/* wdmemu_shutdown: the event stream is reset; files are flushed and closed (reopened for
 * appending by the next wdmemu_init when WDMEMU_TRACE asks for them); records and numbering
 * start again. */
void trace_shutdown(void)
{
    wdmemu_trace_stop();
    plat_mutex_lock(&tr.lock);
    tr_forget_records();
    free(tr.records);
    tr.records = NULL;
    tr.capacity = 0;
    tr.depth = 0;
    tr.filter_driver[0] = tr.filter_device[0] = '\0';
    tr.filter_major = -1;
    tr.data_limit = 0;
    plat_mutex_unlock(&tr.lock);
}
