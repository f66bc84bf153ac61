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

#include <uthash.h>

#include "core/event.h"
#include "core/report.h"
#include "io/io.h"
#include "io/irp_private.h"
#include "ke/ke.h"
#include "ob/ob.h"
#include "trace/trace.h"

/* A kept record holds only what the event had, packed (about two thirds of a
 * wdmemu_trace_record: every request writes several), with pointers to interned strings.
 * wdmemu_trace_get builds the public record from it on first use, into storage that stays put
 * until the records are cleared. */
#define TR_HAVE_MAJOR 1u
#define TR_PENDING_RETURNED 2u
#define TR_IOSB_WRITTEN 4u
typedef struct tr_stored {
    uint64_t seq, time;
    ULONG_PTR information;
    LONGLONG offset;
    const char *driver, *device, *text;
    unsigned char *data; /* malloc'd for a kept record */
    uint32_t irp, file;
    ULONG thread, ioctl, input_length, output_length, irp_flags;
    NTSTATUS status;
    uint16_t data_length; /* at most 4096 (wdmemu_trace_data_limit) */
    int16_t depth;
    UCHAR kind; /* ev_kind */
    KIRQL irql;
    UCHAR major, minor;
    CHAR stack_location;
    UCHAR flags; /* TR_HAVE_MAJOR, TR_PENDING_RETURNED, TR_IOSB_WRITTEN */
} tr_stored;

/* Public records are built in chunks of this many, allocated on first use. */
#define TR_PUBLIC_CHUNK 256

/* Every string a record points to (driver and device names, DDI and routine names, finding and
 * DbgPrint text) is kept once in the intern table, which lives as long as the records: a record
 * stores pointers, never copies, and wdmemu_trace_clear frees the table with the records.  Small
 * caches in front of it spare the table lookup: one by device object (its name and its driver's;
 * a device's name is set before its first event and never changes, and the entry is dropped at
 * EV_DEVICE_FREED and whenever tracing starts, so a device allocated at a freed one's address
 * is never named by it), and one by the address of the text, each hit confirmed by comparing
 * the text itself unless the emitter said the text is a literal (ev_record.text_static). */
typedef struct tr_interned {
    UT_hash_handle hh;
    size_t length;
    char text[];
} tr_interned;

#define TR_DEVICE_CACHE 64
typedef struct tr_device_names {
    const void *device;
    const void *driver;  /* its driver object (freed only after its devices) */
    const char *device_name, *driver_name;
} tr_device_names;

/* A driver object's interned "\\Driver\\name", by object; valid while no object has left the
 * registry since (a freed driver's address may be reused by the next one). */
#define TR_DRIVER_CACHE 16
typedef struct tr_driver_name {
    const void *driver;
    uint64_t generation;
    const char *name;
} tr_driver_name;

#define TR_TEXT_CACHE 128
typedef struct tr_text_cached {
    const char *source;   /* a literal's address (tr_intern_static), else NULL */
    const char *interned;
} tr_text_cached;

/* The longest driver and device name a record keeps (longer ones are cut, as before). */
#define TR_NAME_MAX 160

static struct {
    int subscription;            /* -1: not subscribed */
    BOOLEAN memory;
    FILE *text, *jsonl, *chrome;
    BOOLEAN close_text, close_jsonl, close_chrome;
    wdmemu_chrome_writer *chrome_writer;
    BOOLEAN writing;             /* text, jsonl or chrome_writer is set (tr_settings_changed) */
    unsigned char data[4096];    /* the record being built: its data bytes (lock held) */
    tr_stored *records;
    size_t count, capacity;
    wdmemu_trace_record **public_chunks; /* by index / TR_PUBLIC_CHUNK; NULL until asked for */
    size_t public_chunk_count;
    int depth;                   /* dispatch nesting, for indentation */
    tr_interned *interned;       /* by content */
    tr_device_names devices[TR_DEVICE_CACHE];
    tr_text_cached texts[TR_TEXT_CACHE];
    tr_driver_name drivers[TR_DRIVER_CACHE];
    char filter_driver[128], filter_device[256];
    int filter_major;            /* -1: any */
    BOOLEAN filtering;           /* any of the three filters is set (tr_settings_changed) */
    BOOLEAN memory_only;         /* memory, no writer, no filter, no data bytes (tr_settings_changed) */
    size_t data_limit;
} tr = {.subscription = -1, .filter_major = -1};
static BOOLEAN tr_env_opened;    /* WDMEMU_TRACE files are truncated once, then appended to */

/* Lock held: the sinks, the filters or the data limit changed.  Works out the flags tr_observe
 * tests on every record from them. */
static void tr_settings_changed(void)
{
    tr.writing = tr.text != NULL || tr.jsonl != NULL || tr.chrome_writer != NULL;
    tr.filtering = tr.filter_driver[0] != '\0' || tr.filter_device[0] != '\0' || tr.filter_major >= 0;
    tr.memory_only = tr.memory && !tr.writing && !tr.filtering && tr.data_limit == 0;
}

/* The tracer's state is guarded by the event stream's (recursive) lock, which delivery already
 * holds when it calls tr_observe: one lock round trip per record, not two. */
static void tr_lock(void)
{
    ev_stream_lock();
}

static void tr_unlock(void)
{
    ev_stream_unlock();
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

/* ---- interned strings ------------------------------------------------------------------------- */

/* Lock held.  The interned copy of the first length bytes of text, or "" without memory. */
static const char *tr_intern_n(const char *text, size_t length)
{
    tr_interned *found = NULL;
    HASH_FIND(hh, tr.interned, text, length, found);
    if (found != NULL)
        return found->text;
    found = malloc(sizeof(*found) + length + 1);
    if (found == NULL)
        return "";
    found->length = length;
    memcpy(found->text, text, length);
    found->text[length] = '\0';
    HASH_ADD_KEYPTR(hh, tr.interned, found->text, length, found);
    return found->text;
}

static inline size_t tr_text_slot(const char *text)
{
    return (size_t)((((uint64_t)(uintptr_t)text >> 3) * 0x9E3779B97F4A7C15ull) >> 57); /* 7 bits */
}

/* Lock held.  The interned copy of text cut to limit - 1 bytes, and the cache slot's update. */
static const char *tr_intern_slow(tr_text_cached *cached, const char *text, size_t limit)
{
    size_t length = strlen(text);
    if (length >= limit)
        length = limit - 1;
    const char *interned = tr_intern_n(text, length);
    cached->source = NULL;
    cached->interned = interned;
    return interned;
}

/* Lock held.  The interned copy of text cut to limit - 1 bytes. */
static inline const char *tr_intern(const char *text, size_t limit)
{
    tr_text_cached *cached = &tr.texts[tr_text_slot(text)];
    if (PLAT_LIKELY(cached->interned != NULL && strcmp(cached->interned, text) == 0))
        return cached->interned;
    return tr_intern_slow(cached, text, limit);
}

/* Lock held.  The interned copy of a string literal (ev_record.text_static): found by its
 * address alone, since the text there never changes. */
static inline const char *tr_intern_static(const char *text)
{
    tr_text_cached *cached = &tr.texts[tr_text_slot(text)];
    if (PLAT_LIKELY(cached->source == text && cached->interned != NULL))
        return cached->interned;
    const char *interned = tr_intern_slow(cached, text, SIZE_MAX);
    cached->source = text;
    return interned;
}

static inline size_t tr_device_slot(const void *device)
{
    return (size_t)((((uint64_t)(uintptr_t)device >> 4) * 0x9E3779B97F4A7C15ull) >> 58); /* 6 bits */
}

/* Lock held.  Fills the cache slot for a device object, or answers NULL when dev is not one. */
static const tr_device_names *tr_device_slow(PDEVICE_OBJECT dev, tr_device_names *cached)
{
    if (!io_is_device(dev))
        return NULL;
    char name[TR_NAME_MAX];
    io_device_display(dev, name, sizeof(name));
    cached->device = dev;
    cached->device_name = tr_intern(name, TR_NAME_MAX);
    cached->driver = dev->DriverObject;
    cached->driver_name = tr_intern(io_driver_display(dev->DriverObject), TR_NAME_MAX);
    return cached;
}

/* Lock held.  The names of a device object (NULL when dev is not one), from the cache. */
static inline const tr_device_names *tr_device(PDEVICE_OBJECT dev)
{
    if (dev == NULL)
        return NULL;
    tr_device_names *cached = &tr.devices[tr_device_slot(dev)];
    if (PLAT_LIKELY(cached->device == dev))
        return cached;
    return tr_device_slow(dev, cached);
}

/* Lock held: the caches' entries no longer hold (the table was freed, or objects may have been
 * freed and reallocated while nobody listened). */
static void tr_forget_caches(void)
{
    memset(tr.devices, 0, sizeof(tr.devices));
    memset(tr.texts, 0, sizeof(tr.texts));
    memset(tr.drivers, 0, sizeof(tr.drivers));
}

/* Lock held.  The interned name of a driver object, from the cache. */
static inline const char *tr_driver_name_of(PDRIVER_OBJECT driver)
{
    tr_driver_name *cached = &tr.drivers[((uintptr_t)driver >> 4) % TR_DRIVER_CACHE];
    uint64_t generation = plat_atomic_load(&ob_generation, PLAT_ACQUIRE);
    if (PLAT_LIKELY(cached->driver == driver && cached->generation == generation))
        return cached->name;
    cached->driver = driver;
    cached->generation = generation;
    cached->name = tr_intern(io_driver_display(driver), TR_NAME_MAX);
    return cached->name;
}

/* ---- building a record ------------------------------------------------------------------------ */

/* What tr_build needs to know of each kind of event, looked up once per record. */
#define TR_K_IRP_READABLE 1u  /* the IRP may be looked at (it is alive and being processed) */
#define TR_K_HAS_MAJOR 2u     /* the event carries the major function itself */
#define TR_K_REQUEST_ARGS 4u  /* the requester's file, code, lengths and offset */
static const unsigned char tr_kind_traits[EV_ADD_DEVICE_RETURNED + 1] = {
    [EV_IRP_DISPATCH] = TR_K_IRP_READABLE,
    [EV_IRP_COMPLETE] = TR_K_IRP_READABLE,
    [EV_IRP_COMPLETION_ROUTINE] = TR_K_IRP_READABLE,
    [EV_IRP_FINAL] = TR_K_IRP_READABLE,
    [EV_IRP_MARK_PENDING] = TR_K_IRP_READABLE,
    [EV_START_IO] = TR_K_IRP_READABLE,
    [EV_IRP_QUEUED] = TR_K_IRP_READABLE,
    [EV_IRP_CANCEL] = TR_K_IRP_READABLE,
    [EV_IRP_DISPATCH_RETURNED] = TR_K_HAS_MAJOR,
    [EV_REQUEST_COMPLETED] = TR_K_HAS_MAJOR,
    [EV_REQUEST_ISSUED] = TR_K_HAS_MAJOR | TR_K_REQUEST_ARGS,
    [EV_FAST_IO] = TR_K_HAS_MAJOR | TR_K_REQUEST_ARGS,
};

static unsigned tr_traits(ev_kind kind)
{
    return (unsigned)kind < sizeof(tr_kind_traits) ? tr_kind_traits[kind] : 0;
}

/* Whether the record passes the filters (findings always do). */
static BOOLEAN tr_passes(const tr_stored *c)
{
    if (c->kind == EV_FINDING)
        return TRUE;
    if (tr.filter_driver[0] != '\0' && strcasecmp(c->driver, tr.filter_driver) != 0)
        return FALSE;
    if (tr.filter_device[0] != '\0' && strcasecmp(c->device, tr.filter_device) != 0)
        return FALSE;
    if (tr.filter_major >= 0 && (!(c->flags & TR_HAVE_MAJOR) || c->major > IRP_MJ_MAXIMUM_FUNCTION ||
                                 c->major != tr.filter_major))
        return FALSE;
    return TRUE;
}

/* The public form of a stored record. */
static void tr_public(const tr_stored *c, wdmemu_trace_record *r)
{
    memset(r, 0, sizeof(*r));
    r->seq = c->seq;
    r->time = c->time;
    r->thread = c->thread;
    r->irql = c->irql;
    r->kind = tr_kind_name((ev_kind)c->kind);
    r->driver = c->driver;
    r->device = c->device;
    r->irp = c->irp;
    r->file = c->file;
    r->depth = c->depth;
    r->stack_location = c->stack_location;
    r->major = c->major;
    r->minor = c->minor;
    r->major_name = (c->flags & TR_HAVE_MAJOR) && c->major <= IRP_MJ_MAXIMUM_FUNCTION ? tr_major_names[c->major] : NULL;
    r->ioctl = c->ioctl;
    r->input_length = c->input_length;
    r->output_length = c->output_length;
    r->offset = c->offset;
    r->irp_flags = c->irp_flags;
    r->status = c->status;
    r->information = c->information;
    r->pending_returned = (c->flags & TR_PENDING_RETURNED) != 0;
    r->iosb_written = (c->flags & TR_IOSB_WRITTEN) != 0;
    r->text = c->text;
    r->data = c->data_length != 0 ? c->data : NULL;
    r->data_length = c->data_length;
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

/* Lock held.  Fills r from the event (its driver and device names interned; not its text); the
 * data bytes, if any, go to data. */
static PLAT_ALWAYS_INLINE void tr_build(const ev_record *ev, tr_stored *r, unsigned char *data, size_t *data_length)
{
    *data_length = 0;
    /* Every field is stored below; these only on some paths, so they start at zero. */
    r->irp = r->file = 0;
    r->ioctl = r->input_length = r->output_length = r->irp_flags = 0;
    r->offset = 0;
    r->text = NULL;
    r->data = NULL;
    r->data_length = 0;
    r->seq = ev->seq;
    r->time = ke_interrupt_time_now();
    ke_thread *self = ke_peek();
    r->thread = self != NULL ? self->id : 0;
    r->irql = self != NULL ? self->irql : PASSIVE_LEVEL;
    r->kind = (UCHAR)ev->kind;
    r->status = ev->status;
    r->information = ev->information;
    r->flags = (ev->pending_returned | ev->handled) ? TR_PENDING_RETURNED : 0;
    r->stack_location = ev->stack_location;
    r->major = ev->major;
    r->minor = ev->minor;
    PDEVICE_OBJECT dev = ev->device;
    PIRP irp = ev->irp;
    if (irp != NULL) {
        io_irp_header *header = io_irp_header_of(irp);
        r->irp = header != NULL ? header->id : 0;
    }
    unsigned traits = tr_traits(ev->kind);
    if (traits & TR_K_REQUEST_ARGS) {
        /* the requester's parameters, as NtXxxFile / the FastIoXxx routine received them */
        r->file = io_file_serial(ev->file);
        r->ioctl = ev->code;
        r->input_length = ev->input_length;
        r->output_length = ev->output_length;
        r->offset = ev->offset;
    }
    BOOLEAN have_major = (traits & TR_K_HAS_MAJOR) != 0;
    BOOLEAN readable = irp != NULL && (traits & TR_K_IRP_READABLE) != 0;
    if (readable && irp->StackCount > 0 && irp->CurrentLocation > irp->StackCount) {
        /* past the top (the final stage): the top location still names the request */
        PIO_STACK_LOCATION top = (PIO_STACK_LOCATION)(irp + 1) + irp->StackCount - 1;
        r->major = top->MajorFunction;
        r->irp_flags = irp->Flags;
        r->information = irp->IoStatus.Information;
        have_major = TRUE;
        /* the top location's parameters survive the walk (only the first three words of lower
         * ones are cleared), so the output can still be described */
        if (ev->kind == EV_IRP_FINAL && irp->UserIosb != NULL &&
            (!NT_ERROR(irp->IoStatus.Status) || irp->PendingReturned))
            r->flags |= TR_IOSB_WRITTEN;
        PIO_STACK_LOCATION view = top;
        if (tr.data_limit != 0)
            *data_length = tr_data(ev, irp, view, data, tr.data_limit);
        if (dev == NULL && tr_device(top->DeviceObject) != NULL)
            dev = top->DeviceObject; /* the device the request was sent to */
    }
    if (readable && irp->CurrentLocation >= 1 && irp->CurrentLocation <= irp->StackCount) {
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
        if (tr.data_limit != 0)
            *data_length = tr_data(ev, irp, stack, data, tr.data_limit);
    }
    const tr_device_names *names = tr_device(dev);
    r->device = names != NULL ? names->device_name : "";
    /* The event's driver, usually the device's: then its name comes with the device's. */
    if (names != NULL && (ev->driver == NULL || ev->driver == names->driver))
        r->driver = names->driver_name;
    else
        r->driver = ev->driver != NULL ? tr_driver_name_of(ev->driver) : "";
    if (have_major)
        r->flags |= TR_HAVE_MAJOR;
    if (ev->kind == EV_IRP_DISPATCH)
        r->depth = (int16_t)tr.depth++;
    else if (ev->kind == EV_IRP_DISPATCH_RETURNED)
        r->depth = (int16_t)(tr.depth > 0 ? --tr.depth : 0);
    else
        r->depth = (int16_t)tr.depth;
}

/* ---- sinks ------------------------------------------------------------------------------------ */

/* Lock held.  The text a kept record points to: a finding's message (it starts with its rule,
 * "[RULE] ..."), else the event's DDI, routine name or DbgPrint text, interned (a literal by its
 * address alone); NULL for none. */
static inline const char *tr_kept_text(const ev_record *ev)
{
    if (ev->text != NULL)
        return ev->text_static ? tr_intern_static(ev->text) : tr_intern(ev->text, SIZE_MAX);
    return ev->rule != NULL ? tr_intern(ev->rule, SIZE_MAX) : NULL;
}

/* Every case of tr_observe: growing the array, writer sinks, filters, data bytes. */
static PLAT_NOINLINE void tr_observe_any(const ev_record *ev)
{
    /* Kept records are built in place at the end of the array (no copy); others on the stack. */
    if (tr.memory && tr.count == tr.capacity) {
        size_t capacity = tr.capacity ? tr.capacity * 2 : 256;
        tr_stored *grown = realloc(tr.records, capacity * sizeof(*grown));
        if (grown != NULL) {
            tr.records = grown;
            tr.capacity = capacity;
        }
    }
    BOOLEAN keep = tr.memory && tr.count < tr.capacity;
    tr_stored local;
    tr_stored *r = keep ? &tr.records[tr.count] : &local;
    unsigned char *data = tr.data;
    size_t data_length = 0;
    tr_build(ev, r, data, &data_length);
    /* The freed device's address may be reused: it is named again from the new object. */
    if (ev->kind == EV_DEVICE_FREED && ev->device != NULL) {
        tr_device_names *cached = &tr.devices[tr_device_slot(ev->device)];
        if (cached->device == ev->device)
            memset(cached, 0, sizeof(*cached));
    }
    if (tr.filtering && !tr_passes(r))
        return;
    /* Text that is written out and not kept is not interned. */
    r->text = keep ? tr_kept_text(ev) : ev->text != NULL ? ev->text : ev->rule;
    if (data_length != 0 && keep) {
        r->data = malloc(data_length);
        if (r->data != NULL) {
            memcpy(r->data, data, data_length);
            r->data_length = (uint16_t)data_length;
        }
    } else if (data_length != 0) {
        r->data = data;
        r->data_length = (uint16_t)data_length;
    }
    if (tr.writing) {
        wdmemu_trace_record written;
        tr_public(r, &written);
        if (tr.text != NULL)
            wdmemu_trace_write_text(tr.text, &written);
        if (tr.jsonl != NULL)
            wdmemu_trace_write_jsonl(tr.jsonl, &written);
        if (tr.chrome_writer != NULL)
            wdmemu_chrome_writer_write(tr.chrome_writer, &written);
    }
    if (keep)
        tr.count++;
}

/* Called by ev_deliver with the event stream's lock held (the tracer's lock).  The common case,
 * the memory sink alone with room for the record, no filter and no data bytes, is kept short. */
static void tr_observe(const ev_record *ev, void *context)
{
    (void)context;
    if (PLAT_UNLIKELY(!tr.memory_only || tr.count == tr.capacity || ev->kind == EV_DEVICE_FREED)) {
        tr_observe_any(ev);
        return;
    }
    tr_stored *r = &tr.records[tr.count];
    size_t data_length;
    tr_build(ev, r, NULL, &data_length); /* no data bytes: data_limit is 0 */
    r->text = tr_kept_text(ev);
    tr.count++;
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
    tr_lock();
    /* Objects may have been freed and others allocated at their addresses while nobody listened. */
    memset(tr.devices, 0, sizeof(tr.devices));
    memset(tr.drivers, 0, sizeof(tr.drivers));
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
    tr_settings_changed();
    BOOLEAN subscribe = NT_SUCCESS(status) && tr.subscription < 0;
    tr_unlock();
    if (subscribe) {
        int id = ev_subscribe(tr_observe, NULL);
        tr_lock();
        BOOLEAN duplicate = tr.subscription >= 0;
        if (!duplicate)
            tr.subscription = id;
        tr_unlock();
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
        free(tr.records[i].data);
    tr.count = 0;
    for (size_t i = 0; i < tr.public_chunk_count; i++)
        free(tr.public_chunks[i]);
    free(tr.public_chunks);
    tr.public_chunks = NULL;
    tr.public_chunk_count = 0;
    tr_interned *entry, *next;
    HASH_ITER(hh, tr.interned, entry, next)
    {
        HASH_DEL(tr.interned, entry);
        free(entry);
    }
    tr_forget_caches();
}

WDMEMU_API void wdmemu_trace_stop(void)
{
    tr_lock();
    int subscription = tr.subscription;
    tr.subscription = -1;
    tr_unlock();
    if (subscription >= 0)
        ev_unsubscribe(subscription);
    tr_lock();
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
    tr_settings_changed();
    tr_unlock();
}

WDMEMU_API size_t wdmemu_trace_count(void)
{
    tr_lock();
    size_t n = tr.count;
    tr_unlock();
    return n;
}

/* Lock held.  The public form of record index, built on first use; NULL without memory. */
static const wdmemu_trace_record *tr_public_record(size_t index)
{
    size_t chunk = index / TR_PUBLIC_CHUNK;
    if (chunk >= tr.public_chunk_count) {
        size_t count = (tr.count + TR_PUBLIC_CHUNK - 1) / TR_PUBLIC_CHUNK;
        wdmemu_trace_record **grown = realloc(tr.public_chunks, count * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        memset(grown + tr.public_chunk_count, 0, (count - tr.public_chunk_count) * sizeof(*grown));
        tr.public_chunks = grown;
        tr.public_chunk_count = count;
    }
    if (tr.public_chunks[chunk] == NULL) {
        tr.public_chunks[chunk] = calloc(TR_PUBLIC_CHUNK, sizeof(wdmemu_trace_record));
        if (tr.public_chunks[chunk] == NULL)
            return NULL;
    }
    wdmemu_trace_record *r = &tr.public_chunks[chunk][index % TR_PUBLIC_CHUNK];
    if (r->kind == NULL) /* not built yet */
        tr_public(&tr.records[index], r);
    return r;
}

WDMEMU_API const wdmemu_trace_record *wdmemu_trace_get(size_t index)
{
    tr_lock();
    const wdmemu_trace_record *r = index < tr.count ? tr_public_record(index) : NULL;
    tr_unlock();
    return r;
}

WDMEMU_API size_t wdmemu_trace_find(size_t from, const char *kind, uint32_t irp, const char *device)
{
    tr_lock();
    size_t found = (size_t)-1;
    for (size_t i = from; i < tr.count; i++) {
        const tr_stored *r = &tr.records[i];
        if ((kind == NULL || strcmp(tr_kind_name((ev_kind)r->kind), kind) == 0) && (irp == 0 || r->irp == irp) &&
            (device == NULL || strcasecmp(r->device, device) == 0)) {
            found = i;
            break;
        }
    }
    tr_unlock();
    return found;
}

WDMEMU_API void wdmemu_trace_clear(void)
{
    tr_lock();
    tr_forget_records();
    tr_unlock();
}

WDMEMU_API NTSTATUS wdmemu_trace_filter(const char *driver, const char *device, int major)
{
    if (major > IRP_MJ_MAXIMUM_FUNCTION)
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_trace_filter: major function %d is beyond IRP_MJ_PNP", major);
    tr_lock();
    tr.filter_driver[0] = tr.filter_device[0] = '\0';
    if (driver != NULL && driver[0] != '\0')
        snprintf(tr.filter_driver, sizeof(tr.filter_driver), "%s%s", driver[0] == '\\' ? "" : "\\Driver\\", driver);
    if (device != NULL)
        snprintf(tr.filter_device, sizeof(tr.filter_device), "%s", device);
    tr.filter_major = major < 0 ? -1 : major;
    tr_settings_changed();
    tr_unlock();
    return STATUS_SUCCESS;
}

WDMEMU_API void wdmemu_trace_data_limit(size_t limit)
{
    tr_lock();
    tr.data_limit = limit < 4096 ? limit : 4096;
    tr_settings_changed();
    tr_unlock();
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
    tr_lock();
    tr_forget_records();
    free(tr.records);
    tr.records = NULL;
    tr.capacity = 0;
    tr.depth = 0;
    tr.filter_driver[0] = tr.filter_device[0] = '\0';
    tr.filter_major = -1;
    tr.data_limit = 0;
    tr_settings_changed();
    tr_unlock();
}
