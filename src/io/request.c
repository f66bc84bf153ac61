/* io/request.c: the I/O manager front end for the host: what an application's CreateFile,
 * ReadFile, WriteFile, DeviceIoControl, CancelIo and CloseHandle do on Windows.
 *
 * wdmemu_open resolves the name, opens a file object (IRP_MJ_CREATE with the create parameters,
 * RequestorMode UserMode) and returns a handle whose last close sends IRP_MJ_CLEANUP
 * (IRP_MJ_CLOSE follows when the last reference to the file object goes).  A transfer checks
 * the handle and its granted access, validates the caller's buffers as the system services do,
 * builds the IRP with the buffers placed per DO_BUFFERED_IO / DO_DIRECT_IO / neither or per
 * METHOD_* (the builders of io/build.c, in UserMode), and sends it to the top of the device
 * stack.  Every transfer is a request object (wdmemu_request) whose IO_STATUS_BLOCK and event
 * the final stage writes and signals by the NT rules (not when the request failed without
 * pending).  The synchronous calls wait for it and return what the NT call returns; the
 * asynchronous ones hand it to the caller, who waits, polls, cancels and frees it.  Outstanding
 * requests are listed so that wdmemu_cancel_io can cancel those of a handle.
 *
 * Fast I/O comes first, as on Windows: FastIoDeviceControl for device controls, FastIoRead /
 * FastIoWrite for reads and writes on synchronous files opened cached (without
 * FILE_NO_INTERMEDIATE_BUFFERING).  A routine that handles the request ends it without an IRP;
 * FALSE, no routine, or a FAST_IO_DISPATCH too short to hold it (SizeOfFastIoDispatch) falls
 * back to the IRP.  The front end emits EV_REQUEST_ISSUED, EV_FAST_IO and EV_REQUEST_COMPLETED
 * into the engine's event stream. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/report.h"
#include "io/irp_private.h"
#include "ke/ke.h"
#include "ob/ob.h"
#include "platform/atomic.h"

struct wdmemu_request {
    const char *api;
    PFILE_OBJECT file;          /* referenced by the API call while it runs and by the IRP */
    PDEVICE_OBJECT device;
    PIRP irp;                   /* while outstanding */
    IO_STATUS_BLOCK iosb;       /* written by the final stage (NT rules) */
    KEVENT done;                /* signalled with it */
    BOOLEAN finished;           /* the final stage ran */
    BOOLEAN written;            /* ... and wrote the IO_STATUS_BLOCK (not a failure without pending) */
    unsigned char handover;     /* atomic, IO_REQUEST_RELEASED | IO_REQUEST_FINAL_DONE: whoever sets
                                   the second bit frees the request */
    unsigned char signal;       /* atomic: IO_REQUEST_SIGNALLED, IO_REQUEST_WAITER or 0 */
    BOOLEAN cancel_sent;        /* wdmemu_cancel_io already cancelled it */
    UCHAR major;                /* (with the flags: 120 bytes, what 6a's memory per pending IRP allows) */
    ke_thread *issuer;          /* the thread that sent its IRP (NULL before), whose list holds it
                                   while it is outstanding */
    wdmemu_request_callback callback;
    void *context;
    struct wdmemu_request *prev, *next; /* the issuer's outstanding requests */
};

/* handover: the owner let go (the final stage frees it); the final stage (if any) no longer
 * touches the request.  Each side sets its bit with one atomic or: no lock. */
#define IO_REQUEST_RELEASED 1u
#define IO_REQUEST_FINAL_DONE 2u

/* signal: the event `done` is set only for a waiter.  Most requests complete before anybody
 * could wait (the driver completed in its dispatch routine), and setting a kernel event takes
 * the dispatcher lock.  The final stage marks the request signalled; a waiter first announces
 * itself, and whichever comes second knows: the final stage then sets the event, the waiter
 * does not wait. */
#define IO_REQUEST_SIGNALLED 1u
#define IO_REQUEST_WAITER 2u

/* The final result is in place: wakes the waiters, if any. */
static void io_request_signal(wdmemu_request *request)
{
    if (plat_atomic_exchange(&request->signal, IO_REQUEST_SIGNALLED, PLAT_ACQ_REL) == IO_REQUEST_WAITER)
        KeSetEvent(&request->done, IO_NO_INCREMENT, FALSE);
}

/* Waits for the final result: STATUS_SUCCESS at once when the request was signalled already
 * (nothing to wait for), else what the wait on `done` returns (timeout NULL: no limit). */
static NTSTATUS io_request_wait(wdmemu_request *request, PLARGE_INTEGER timeout)
{
    unsigned char expected = 0;
    if (!plat_atomic_cas(&request->signal, &expected, IO_REQUEST_WAITER, 0, PLAT_ACQ_REL, PLAT_ACQUIRE) &&
        expected != IO_REQUEST_WAITER)
        return STATUS_SUCCESS;
    return KeWaitForSingleObject(&request->done, Executive, KernelMode, FALSE, timeout);
}

/* Outstanding requests are listed per issuing thread, as Windows keeps a thread's IRPs on the
 * thread: the thread's lock (ke_thread.requests_lock) guards its list and each request's
 * finished flag, and is taken twice per request (listing in io_request_send, unlinking in the
 * final stage), nearly always by the thread itself.  It is recursive: a cancel routine may
 * complete the IRP (and so run the final stage) inside IoCancelIrp.  Cancelling holds
 * io_cancel_lock first, so that only one canceller at a time can hold a list lock while a
 * cancel routine completes other threads' IRPs (whose final stages take their own lists'
 * locks, one at a time). */
static plat_rspinlock io_cancel_lock;

static void io_list_lock(ke_thread *thread)
{
    plat_rspin_lock(&thread->requests_lock);
}

static void io_list_unlock(ke_thread *thread)
{
    plat_rspin_unlock(&thread->requests_lock);
}

/* Guards io_releases (file references handed to workers). */
static plat_spinlock io_releases_lock;

/* Request blocks come from a small per-thread cache of freed ones (calloc and free cost more
 * than the rest of the request's bookkeeping).  Under AddressSanitizer they go back to the heap,
 * so that a host touching a request after wdmemu_request_free is reported. */
#if defined(__SANITIZE_ADDRESS__)
#define IO_REQUEST_RECYCLE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IO_REQUEST_RECYCLE 0
#endif
#endif
#ifndef IO_REQUEST_RECYCLE
#define IO_REQUEST_RECYCLE 1
#endif
#define IO_REQUEST_SPARE 8

typedef struct io_request_cache {
    unsigned count;
    wdmemu_request *spare[IO_REQUEST_SPARE];
} io_request_cache;

static PLAT_THREAD_LOCAL_HOT io_request_cache *io_request_thread_cache;

static void io_request_cache_release(void *value) /* thread exit */
{
    io_request_cache *cache = value;
    if (io_request_thread_cache == cache)
        io_request_thread_cache = NULL;
    for (unsigned i = 0; i < cache->count; i++)
        free(cache->spare[i]);
    free(cache);
}

static plat_thread_blocks io_request_caches = PLAT_THREAD_BLOCKS(io_request_cache_release);

/* The calling thread's cache, created on first use; NULL without one (the heap serves). */
static io_request_cache *io_request_cache_get(void)
{
    io_request_cache *cache = io_request_thread_cache;
    if (PLAT_LIKELY(cache != NULL) || !IO_REQUEST_RECYCLE)
        return cache;
    cache = plat_thread_block_create(&io_request_caches, sizeof(*cache));
    io_request_thread_cache = cache;
    return cache;
}

static wdmemu_request *io_request_alloc(void)
{
    io_request_cache *cache = io_request_cache_get();
    if (cache != NULL && cache->count != 0) {
        return cache->spare[--cache->count]; /* io_request_create sets every field */
    }
    return malloc(sizeof(wdmemu_request));
}

static void io_request_destroy(wdmemu_request *request)
{
    io_request_cache *cache = io_request_cache_get();
    if (cache != NULL && cache->count < IO_REQUEST_SPARE)
        cache->spare[cache->count++] = request;
    else
        free(request);
}

/* A request that failed before its IRP was sent: drops the call's file reference too. */
static void io_request_abort(wdmemu_request *request)
{
    ObDereferenceObject(request->file);
    io_request_destroy(request);
}

static void io_request_completed_event(wdmemu_request *request)
{
    EV_EMIT(.kind = EV_REQUEST_COMPLETED, .device = request->device, .driver = request->device->DriverObject,
            .major = request->major, .status = request->iosb.Status, .information = request->iosb.Information,
            .text = request->api, .text_static = TRUE);
}

/* ---- open ----------------------------------------------------------------------------------- */

/* Generic rights as the I/O manager maps them for file objects. */
static ACCESS_MASK io_map_file_access(ACCESS_MASK access)
{
    ACCESS_MASK mapped = access & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL | MAXIMUM_ALLOWED);
    if (access & (GENERIC_ALL | MAXIMUM_ALLOWED))
        mapped |= FILE_ALL_ACCESS;
    if (access & GENERIC_READ)
        mapped |= FILE_GENERIC_READ;
    if (access & GENERIC_WRITE)
        mapped |= FILE_GENERIC_WRITE;
    if (access & GENERIC_EXECUTE)
        mapped |= FILE_GENERIC_EXECUTE;
    return mapped;
}

static void io_last_handle(void *body)
{
    io_file_cleanup(body);
}

WDMEMU_API NTSTATUS wdmemu_open(const char *name, ACCESS_MASK access, ULONG share_access, ULONG create_options,
                                HANDLE *handle)
{
    if (handle == NULL)
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_open(\"%s\"): no handle pointer", name ? name : "(null)");
    *handle = NULL;
    ob_lookup_result found;
    NTSTATUS status = io_host_lookup("wdmemu_open", name, OB_LOOKUP_FOLLOW_LAST, OB_TYPE_DEVICE, "a device", &found);
    if (!NT_SUCCESS(status))
        return status;
    ACCESS_MASK granted = io_map_file_access(access);
    PFILE_OBJECT file;
    status = io_open_device(found.object, found.remainder, found.remainder_length, granted, share_access,
                            create_options, UserMode, &file);
    ob_lookup_release(&found);
    if (!NT_SUCCESS(status)) {
        char st[RP_STATUS_LEN];
        return rp_fail(status, "wdmemu_open(\"%s\"): the open failed with %s", name, rp_status(status, st));
    }
    ob_set_last_handle_callback(file, io_last_handle);
    status = ob_handle_open(file, granted, handle);
    ObDereferenceObject(file); /* the handle holds the file object now */
    if (!NT_SUCCESS(status))
        return rp_error(status, "wdmemu_open(\"%s\"): no handle could be created", name);
    return STATUS_SUCCESS;
}

/* ---- requests ------------------------------------------------------------------------------ */

/* The last reference to a file object dropped above APC_LEVEL (a DPC completed the last
 * request after the handle was closed) is handed to a worker, so that IRP_MJ_CLOSE never
 * reaches the driver at DISPATCH_LEVEL.  Pending hand-overs are listed so that
 * wdmemu_shutdown can finish them if no worker ran. */
typedef struct io_file_release {
    WORK_QUEUE_ITEM item;
    PFILE_OBJECT file;
    struct io_file_release *next;
} io_file_release;

static io_file_release *io_releases;

static BOOLEAN io_release_unlink(io_file_release *release)
{
    BOOLEAN found = FALSE;
    plat_spin_lock(&io_releases_lock);
    for (io_file_release **link = &io_releases; *link != NULL; link = &(*link)->next) {
        if (*link == release) {
            *link = release->next;
            found = TRUE;
            break;
        }
    }
    plat_spin_unlock(&io_releases_lock);
    return found;
}

static VOID NTAPI io_file_release_worker(PVOID context)
{
    io_file_release *release = context;
    if (!io_release_unlink(release))
        return;
    ObDereferenceObject(release->file);
    free(release);
}

static void io_release_file_later(PFILE_OBJECT file)
{
    io_file_release *release = NULL;
    if (ke_self()->irql > APC_LEVEL && ob_pointer_count(file) == 1)
        release = malloc(sizeof(*release));
    if (release == NULL) {
        ob_dereference(file); /* the IRP's reference: a live file object, no check needed */
        return;
    }
    release->file = file;
    plat_spin_lock(&io_releases_lock);
    release->next = io_releases;
    io_releases = release;
    plat_spin_unlock(&io_releases_lock);
    ExInitializeWorkItem(&release->item, io_file_release_worker, release);
    ExQueueWorkItem(&release->item, DelayedWorkQueue);
}

void io_request_shutdown(void)
{
    for (;;) {
        plat_spin_lock(&io_releases_lock);
        io_file_release *release = io_releases;
        if (release != NULL)
            io_releases = release->next;
        plat_spin_unlock(&io_releases_lock);
        if (release == NULL)
            return;
        ObDereferenceObject(release->file);
        free(release);
    }
}

/* The final stage of a front-end request: the builders' final stage (copy back, IOSB and event
 * by the NT rules, buffers and IRP freed), then the requester's callback. */
static void io_request_final(PIRP irp, void *context)
{
    wdmemu_request *request = context;
    /* The event is signalled here, once the request is marked finished, so that a waiter that
     * wakes up finds everything in place. */
    irp->UserEvent = NULL;
    BOOLEAN written = !NT_ERROR(irp->IoStatus.Status) || irp->PendingReturned; /* io_build_final's rule */
    io_build_final(irp, io_irp_header_of(irp));
    ke_thread *issuer = request->issuer;
    io_list_lock(issuer);
    request->irp = NULL;
    request->written = written;
    request->finished = TRUE;
    if (request->prev != NULL)
        request->prev->next = request->next;
    else if (issuer->requests == request)
        issuer->requests = request->next;
    if (request->next != NULL)
        request->next->prev = request->prev;
    request->prev = request->next = NULL;
    io_list_unlock(issuer);
    /* The IRP's reference to the file.  Windows drops it in the requester's context before the
     * requester's wait ends; here, when it is not the last reference (the requester's call or
     * handle still holds the file), it goes now, before the waiter wakes, so that a requester
     * that closes the handle next finds no completed request still holding the file.  The last
     * reference goes at the end (IRP_MJ_CLOSE follows). */
    PFILE_OBJECT file = request->file;
    BOOLEAN file_released = ob_dereference_unless_last(file);
    BOOLEAN release = (plat_atomic_load(&request->handover, PLAT_ACQUIRE) & IO_REQUEST_RELEASED) != 0;
    /* Once the event is set, a waiting owner may release the request at any moment: it stays
     * allocated until IO_REQUEST_FINAL_DONE says this stage is through with it. */
    if (written) {
        io_request_completed_event(request);
        io_request_signal(request);
    }
    if (request->callback != NULL && !release && written)
        request->callback(request, request->iosb.Status, request->iosb.Information, request->context);
    release = (plat_atomic_fetch_or(&request->handover, IO_REQUEST_FINAL_DONE, PLAT_ACQ_REL) &
               IO_REQUEST_RELEASED) != 0;
    /* The IRP's reference if it was the last: the driver sees IRP_MJ_CLOSE once no request holds
     * the file.  Above APC_LEVEL (a DPC completed the IRP) a worker drops it, so that
     * IRP_MJ_CLOSE never reaches the driver at DISPATCH_LEVEL. */
    if (!file_released)
        io_release_file_later(file);
    if (release)
        io_request_destroy(request);
}

/* Looks the handle up for a transfer needing `desired` access and starts a request; *granted_out
 * (if not NULL) is the handle's granted access. */
static NTSTATUS io_request_create(const char *api, UCHAR major, HANDLE handle, ACCESS_MASK desired,
                                  wdmemu_request **out, ACCESS_MASK *granted_out)
{
    *out = NULL;
    void *object = NULL;
    ACCESS_MASK granted = 0;
    NTSTATUS status = ob_handle_reference(handle, OB_TYPE_FILE, desired, &object, &granted);
    if (status == STATUS_OBJECT_TYPE_MISMATCH)
        return rp_fail(status, "%s(%p): the handle is not a file handle", api, handle);
    if (status == STATUS_ACCESS_DENIED)
        return rp_fail(status, "%s(%p): the handle was not opened with the access this request needs (0x%08lX)",
                       api, handle, (unsigned long)desired);
    if (!NT_SUCCESS(status))
        return rp_fail(status, "%s(%p): not an open handle", api, handle);
    wdmemu_request *request = io_request_alloc();
    if (request == NULL) {
        ObDereferenceObject(object);
        return rp_error(STATUS_INSUFFICIENT_RESOURCES, "%s(%p): out of memory", api, handle);
    }
    /* Every field, one by one: cheaper than clearing the block first (a 120-byte memset). */
    request->api = api;
    request->file = object;
    request->device = IoGetRelatedDeviceObject(object);
    request->irp = NULL;
    request->iosb.Status = STATUS_PENDING;
    request->iosb.Information = 0;
    KeInitializeEvent(&request->done, NotificationEvent, FALSE);
    request->finished = FALSE;
    request->written = FALSE;
    request->handover = 0;
    request->signal = 0;
    request->cancel_sent = FALSE;
    request->major = major;
    request->issuer = NULL;
    if (granted_out != NULL)
        *granted_out = granted;
    request->callback = NULL;
    request->context = NULL;
    request->prev = request->next = NULL;
    *out = request;
    return STATUS_SUCCESS;
}

/* The request as the requester issued it, before the front end checks its buffers. */
static void io_request_issued(wdmemu_request *request, ULONG code, ULONG input_length, ULONG output_length,
                              LONGLONG offset)
{
    EV_EMIT(.kind = EV_REQUEST_ISSUED, .device = request->device, .driver = request->device->DriverObject,
            .major = request->major, .text = request->api, .text_static = TRUE, .file = request->file, .code = code,
            .input_length = input_length, .output_length = output_length, .offset = offset);
}

/* ---- fast I/O --------------------------------------------------------------------------------- */

/* The driver's fast I/O routine at this offset of FAST_IO_DISPATCH, if it has one and its
 * SizeOfFastIoDispatch says the table reaches that far. */
typedef void (*io_routine)(void);

static io_routine io_fast_routine(PDEVICE_OBJECT device, size_t offset)
{
    PFAST_IO_DISPATCH fast = device->DriverObject->FastIoDispatch;
    if (fast == NULL || fast->SizeOfFastIoDispatch < offset + sizeof(io_routine))
        return NULL;
    io_routine routine;
    memcpy(&routine, (char *)fast + offset, sizeof(routine));
    return routine;
}

/* A request the fast I/O routine finished: no IRP; the IO_STATUS_BLOCK it filled is the result. */
static NTSTATUS io_fast_finished(wdmemu_request *request, const IO_STATUS_BLOCK *iosb)
{
    request->iosb = *iosb;
    request->written = TRUE;
    request->finished = TRUE;
    plat_atomic_store(&request->handover, IO_REQUEST_FINAL_DONE, PLAT_RELEASE); /* no final stage follows */
    /* Signalled: nobody can be waiting yet (the request has not left the call that started it). */
    plat_atomic_store(&request->signal, IO_REQUEST_SIGNALLED, PLAT_RELEASE);
    io_request_completed_event(request);
    if (request->callback != NULL)
        request->callback(request, request->iosb.Status, request->iosb.Information, request->context);
    return iosb->Status;
}

static void io_fast_event(wdmemu_request *request, const char *routine, BOOLEAN handled, const IO_STATUS_BLOCK *iosb,
                          ULONG code, ULONG input_length, ULONG output_length, LONGLONG offset)
{
    EV_EMIT(.kind = EV_FAST_IO, .device = request->device, .driver = request->device->DriverObject,
            .major = request->major, .handled = handled, .status = handled ? iosb->Status : STATUS_SUCCESS,
            .information = handled ? iosb->Information : 0, .text = routine, .text_static = TRUE, .file = request->file, .code = code,
            .input_length = input_length, .output_length = output_length, .offset = offset);
}

/* FastIoRead / FastIoWrite, tried first on a synchronous, cached file object.  TRUE with
 * STATUS_SUCCESS, STATUS_BUFFER_OVERFLOW or STATUS_END_OF_FILE ends the request; anything else
 * goes on with an IRP. */
static BOOLEAN io_fast_transfer(wdmemu_request *request, PLARGE_INTEGER start, ULONG length, void *buffer)
{
    PFILE_OBJECT file = request->file;
    if ((file->Flags & (FO_SYNCHRONOUS_IO | FO_CACHE_SUPPORTED)) != (FO_SYNCHRONOUS_IO | FO_CACHE_SUPPORTED))
        return FALSE;
    BOOLEAN read = request->major == IRP_MJ_READ;
    io_routine routine = io_fast_routine(request->device, read ? offsetof(FAST_IO_DISPATCH, FastIoRead)
                                                               : offsetof(FAST_IO_DISPATCH, FastIoWrite));
    if (routine == NULL)
        return FALSE;
    IO_STATUS_BLOCK iosb = {0};
    PDRIVER_OBJECT previous = ke_enter_driver(request->device->DriverObject);
    BOOLEAN handled = read ? ((PFAST_IO_READ)routine)(file, start, length, TRUE, 0, buffer, &iosb, request->device)
                           : ((PFAST_IO_WRITE)routine)(file, start, length, TRUE, 0, buffer, &iosb, request->device);
    ke_leave_driver(previous);
    io_fast_event(request, read ? "FastIoRead" : "FastIoWrite", handled, &iosb, 0, 0, length, start->QuadPart);
    if (!handled || (iosb.Status != STATUS_SUCCESS && iosb.Status != STATUS_BUFFER_OVERFLOW &&
                     iosb.Status != STATUS_END_OF_FILE))
        return FALSE;
    io_fast_finished(request, &iosb);
    return TRUE;
}

/* FastIoDeviceControl, tried first for IRP_MJ_DEVICE_CONTROL: TRUE ends the request. */
static BOOLEAN io_fast_control(wdmemu_request *request, ULONG code, const void *input, ULONG input_length,
                               void *output, ULONG output_length)
{
    if (request->major != IRP_MJ_DEVICE_CONTROL)
        return FALSE;
    PFAST_IO_DEVICE_CONTROL routine =
        (PFAST_IO_DEVICE_CONTROL)io_fast_routine(request->device, offsetof(FAST_IO_DISPATCH, FastIoDeviceControl));
    if (routine == NULL)
        return FALSE;
    IO_STATUS_BLOCK iosb = {0};
    PDRIVER_OBJECT previous = ke_enter_driver(request->device->DriverObject);
    BOOLEAN handled = routine(request->file, TRUE, (PVOID)input, input_length, output, output_length, code, &iosb,
                              request->device);
    ke_leave_driver(previous);
    io_fast_event(request, "FastIoDeviceControl", handled, &iosb, code, input_length, output_length, 0);
    if (!handled)
        return FALSE;
    io_fast_finished(request, &iosb);
    return TRUE;
}

/* Sends the request's IRP.  Returns what NtXxxFile returns at once: STATUS_PENDING when the
 * driver pended, else the dispatch routine's status. */
static NTSTATUS io_request_send(wdmemu_request *request, PIRP irp)
{
    PFILE_OBJECT file = request->file;
    PIO_STACK_LOCATION stack = IoGetNextIrpStackLocation(irp);
    stack->FileObject = file;
    irp->Tail.Overlay.OriginalFileObject = file;
    if (file->Flags & FO_SYNCHRONOUS_IO)
        irp->Flags |= IRP_SYNCHRONOUS_API;
    request->irp = irp;
    ob_reference(file); /* held by the IRP until its final stage (the call holds one already) */
    io_irp_set_final(irp, io_request_final, request);
    ke_thread *self = ke_self();
    request->issuer = self;
    io_list_lock(self);
    wdmemu_request *first = self->requests;
    request->next = first;
    if (first != NULL)
        first->prev = request;
    self->requests = request;
    io_list_unlock(self);
    NTSTATUS status = IoCallDriver(request->device, irp);
    if (status != STATUS_PENDING && !request->finished) {
        char name[96];
        rp_finding("DISPATCH_RETURNED_WITHOUT_COMPLETING", status, io_driver_display(request->device->DriverObject),
                   io_device_display(request->device, name, sizeof(name)),
                   "%s: the dispatch routine for major 0x%02x of %s returned %08X without completing the IRP or "
                   "returning STATUS_PENDING (Driver Verifier 0xC9/0x226)",
                   request->api, request->major, name, (unsigned)status);
    }
    return status;
}

/* Waits for a request the driver pended.  Returns STATUS_SUCCESS, or the wait's failure (a
 * deadlock: nothing can complete it) after reporting a request that never completed. */
static NTSTATUS io_request_wait_done(wdmemu_request *request)
{
    NTSTATUS waited = io_request_wait(request, NULL);
    if (waited == STATUS_SUCCESS)
        return STATUS_SUCCESS;
    if (!request->finished) {
        char name[96];
        rp_finding("IRP_NEVER_COMPLETED", STATUS_PENDING, io_driver_display(request->device->DriverObject),
                   io_device_display(request->device, name, sizeof(name)),
                   "%s: the driver returned STATUS_PENDING for major 0x%02x on %s and never completed the IRP",
                   request->api, request->major, name);
    }
    /* Finished without an IO_STATUS_BLOCK (it failed, and nobody marked it pending): Windows
     * would wait forever; the deadlock was reported. */
    return waited;
}

/* Lets go of a request: freed now if its final stage is through with it, else by that stage. */
static void io_request_release(wdmemu_request *request)
{
    /* A final stage that is through never looks at the request again: no need to tell it. */
    BOOLEAN done = (plat_atomic_load(&request->handover, PLAT_ACQUIRE) & IO_REQUEST_FINAL_DONE) != 0 ||
                   (plat_atomic_fetch_or(&request->handover, IO_REQUEST_RELEASED, PLAT_ACQ_REL) &
                    IO_REQUEST_FINAL_DONE) != 0;
    if (done)
        io_request_destroy(request);
}

/* The end of a waiting call: drops the call's file reference and lets go of the request. */
static void io_request_end_call(wdmemu_request *request)
{
    ob_dereference(request->file); /* the reference io_request_create took through the handle */
    io_request_release(request);
}

/* Completes the synchronous form of a call: waits if the driver pended, reports the NT result. */
static NTSTATUS io_request_finish_sync(wdmemu_request *request, NTSTATUS status, ULONG_PTR *transferred)
{
    if (status == STATUS_PENDING) {
        NTSTATUS waited = io_request_wait_done(request);
        status = waited == STATUS_SUCCESS ? request->iosb.Status : waited;
    }
    /* The IO_STATUS_BLOCK is written unless the request failed without pending. */
    *transferred = request->finished && request->written ? request->iosb.Information : 0;
    return status;
}

/* The byte offset of a read or write: the given one, or the synchronous file's position. */
static NTSTATUS io_request_offset(wdmemu_request *request, const int64_t *offset, LARGE_INTEGER *start)
{
    if (offset == NULL && !(request->file->Flags & FO_SYNCHRONOUS_IO))
        return rp_fail(STATUS_INVALID_PARAMETER, "%s: a file opened for overlapped I/O has no current position; "
                       "give the byte offset", request->api);
    start->QuadPart = offset != NULL ? *offset : request->file->CurrentByteOffset.QuadPart;
    if (start->QuadPart < 0)
        return rp_fail(STATUS_INVALID_PARAMETER, "%s: negative byte offset %lld", request->api,
                       (long long)start->QuadPart);
    return STATUS_SUCCESS;
}

/* Builds and sends a read or write; *request is the started request or NULL. */
static NTSTATUS io_transfer_start(const char *api, UCHAR major, HANDLE handle, void *buffer, ULONG length,
                                  const int64_t *offset, wdmemu_request_callback callback, void *context,
                                  wdmemu_request **out, LARGE_INTEGER *start)
{
    wdmemu_request *request;
    NTSTATUS status = io_request_create(api, major, handle, major == IRP_MJ_READ ? FILE_READ_DATA : FILE_WRITE_DATA,
                                        &request, NULL);
    if (!NT_SUCCESS(status))
        return status;
    io_request_issued(request, 0, 0, length,
                      offset != NULL ? *offset : request->file->CurrentByteOffset.QuadPart);
    if (buffer == NULL && length != 0) {
        io_request_abort(request);
        return rp_fail(STATUS_ACCESS_VIOLATION, "%s(%p): NULL buffer with length %lu", api, handle,
                       (unsigned long)length);
    }
    status = io_request_offset(request, offset, start);
    if (!NT_SUCCESS(status)) {
        io_request_abort(request);
        return status;
    }
    request->callback = callback;
    request->context = context;
    *out = request;
    if (io_fast_transfer(request, start, length, buffer))
        return request->iosb.Status;
    PIRP irp = io_build_fsd(api, IO_BUILT_SYNCHRONOUS_FSD, major, request->device, buffer, length, start,
                            &request->done, &request->iosb, UserMode);
    if (irp == NULL) {
        *out = NULL;
        io_request_abort(request);
        return rp_fail(STATUS_INSUFFICIENT_RESOURCES, "%s(%p): the IRP could not be built (no memory, or the "
                       "buffer cannot be locked)", api, handle);
    }
    return io_request_send(request, irp);
}

static NTSTATUS io_transfer(const char *api, UCHAR major, HANDLE handle, void *buffer, ULONG length,
                            const int64_t *offset, ULONG_PTR *transferred)
{
    ULONG_PTR ignored;
    if (transferred == NULL)
        transferred = &ignored;
    *transferred = 0;
    wdmemu_request *request = NULL;
    LARGE_INTEGER start;
    NTSTATUS status = io_transfer_start(api, major, handle, buffer, length, offset, NULL, NULL, &request, &start);
    if (request == NULL)
        return status;
    status = io_request_finish_sync(request, status, transferred);
    if (NT_SUCCESS(status) && (request->file->Flags & FO_SYNCHRONOUS_IO))
        request->file->CurrentByteOffset.QuadPart = start.QuadPart + (LONGLONG)*transferred;
    io_request_end_call(request);
    return status;
}

WDMEMU_API NTSTATUS wdmemu_read(HANDLE handle, void *buffer, ULONG length, const int64_t *offset,
                                ULONG_PTR *transferred)
{
    return io_transfer("wdmemu_read", IRP_MJ_READ, handle, buffer, length, offset, transferred);
}

WDMEMU_API NTSTATUS wdmemu_write(HANDLE handle, const void *buffer, ULONG length, const int64_t *offset,
                                 ULONG_PTR *transferred)
{
    return io_transfer("wdmemu_write", IRP_MJ_WRITE, handle, (void *)buffer, length, offset, transferred);
}

/* IRP_MJ_DEVICE_CONTROL, IRP_MJ_INTERNAL_DEVICE_CONTROL or IRP_MJ_FILE_SYSTEM_CONTROL (user FS
 * request): the same parameter layout and buffer placement per METHOD_*. */
static NTSTATUS io_control_start(const char *api, UCHAR major, HANDLE handle, ULONG code, const void *input,
                                 ULONG input_length, void *output, ULONG output_length,
                                 wdmemu_request_callback callback, void *context, wdmemu_request **out)
{
    /* The access the code asks for ((code >> 14) & 3) must have been granted to the handle. */
    ULONG required = (code >> 14) & 3;
    ACCESS_MASK desired = ((required & FILE_READ_ACCESS) ? FILE_READ_DATA : 0) |
                          ((required & FILE_WRITE_ACCESS) ? FILE_WRITE_DATA : 0);
    wdmemu_request *request;
    NTSTATUS status = io_request_create(api, major, handle, desired, &request, NULL);
    if (!NT_SUCCESS(status))
        return status;
    io_request_issued(request, code, input_length, output_length, 0);
    if ((input == NULL && input_length != 0) || (output == NULL && output_length != 0)) {
        io_request_abort(request);
        return rp_fail(STATUS_ACCESS_VIOLATION, "%s(%p, 0x%08lX): NULL buffer with a non-zero length", api, handle,
                       (unsigned long)code);
    }
    request->callback = callback;
    request->context = context;
    *out = request;
    if (io_fast_control(request, code, input, input_length, output, output_length))
        return request->iosb.Status;
    PIRP irp = io_build_device_control(code, request->device, (PVOID)input, input_length, output, output_length,
                                       major == IRP_MJ_INTERNAL_DEVICE_CONTROL, &request->done, &request->iosb,
                                       UserMode);
    if (irp == NULL) {
        *out = NULL;
        io_request_abort(request);
        return rp_fail(STATUS_INSUFFICIENT_RESOURCES, "%s(%p, 0x%08lX): the IRP could not be built (no memory, or "
                       "the output buffer cannot be locked)", api, handle, (unsigned long)code);
    }
    if (major == IRP_MJ_FILE_SYSTEM_CONTROL) {
        PIO_STACK_LOCATION stack = IoGetNextIrpStackLocation(irp);
        stack->MajorFunction = IRP_MJ_FILE_SYSTEM_CONTROL;
        stack->MinorFunction = IRP_MN_USER_FS_REQUEST;
    }
    return io_request_send(request, irp);
}

static NTSTATUS io_control(const char *api, UCHAR major, HANDLE handle, ULONG code, const void *input,
                           ULONG input_length, void *output, ULONG output_length, ULONG_PTR *transferred)
{
    ULONG_PTR ignored;
    if (transferred == NULL)
        transferred = &ignored;
    *transferred = 0;
    wdmemu_request *request = NULL;
    NTSTATUS status = io_control_start(api, major, handle, code, input, input_length, output, output_length, NULL,
                                       NULL, &request);
    if (request == NULL)
        return status;
    status = io_request_finish_sync(request, status, transferred);
    io_request_end_call(request);
    return status;
}

WDMEMU_API NTSTATUS wdmemu_device_control(HANDLE handle, ULONG code, const void *input, ULONG input_length,
                                          void *output, ULONG output_length, ULONG_PTR *transferred)
{
    return io_control("wdmemu_device_control", IRP_MJ_DEVICE_CONTROL, handle, code, input, input_length, output, output_length,
                      transferred);
}

WDMEMU_API NTSTATUS wdmemu_internal_device_control(HANDLE handle, ULONG code, const void *input, ULONG input_length,
                                                   void *output, ULONG output_length, ULONG_PTR *transferred)
{
    return io_control("wdmemu_internal_device_control", IRP_MJ_INTERNAL_DEVICE_CONTROL, handle, code, input, input_length, output,
                      output_length, transferred);
}

/* ---- asynchronous requests ------------------------------------------------------------------- */

/* What the asynchronous calls hand back: the request when it is pending or completed with an
 * IO_STATUS_BLOCK; nothing when it failed at once.  On a synchronous file object the call
 * waits first, as NtXxxFile does. */
static NTSTATUS io_async_result(wdmemu_request *request, NTSTATUS status, wdmemu_request **out)
{
    *out = NULL;
    if (request == NULL)
        return status;
    if (status == STATUS_PENDING && (request->file->Flags & FO_SYNCHRONOUS_IO)) {
        ULONG_PTR ignored;
        status = io_request_finish_sync(request, status, &ignored);
    }
    ObDereferenceObject(request->file); /* the call's reference; the IRP holds its own */
    if (status != STATUS_PENDING && NT_ERROR(status) && request->finished && !request->written) {
        io_request_release(request); /* failed without pending: no IO_STATUS_BLOCK, no request */
        return status;
    }
    *out = request;
    return status;
}

WDMEMU_API NTSTATUS wdmemu_read_async(HANDLE handle, void *buffer, ULONG length, const int64_t *offset,
                                      wdmemu_request_callback callback, void *context, wdmemu_request **request)
{
    if (request == NULL)
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_read_async(%p): no request pointer", handle);
    wdmemu_request *started = NULL;
    LARGE_INTEGER start;
    NTSTATUS status = io_transfer_start("wdmemu_read_async", IRP_MJ_READ, handle, buffer, length, offset, callback,
                                        context, &started, &start);
    return io_async_result(started, status, request);
}

WDMEMU_API NTSTATUS wdmemu_write_async(HANDLE handle, const void *buffer, ULONG length, const int64_t *offset,
                                       wdmemu_request_callback callback, void *context, wdmemu_request **request)
{
    if (request == NULL)
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_write_async(%p): no request pointer", handle);
    wdmemu_request *started = NULL;
    LARGE_INTEGER start;
    NTSTATUS status = io_transfer_start("wdmemu_write_async", IRP_MJ_WRITE, handle, (void *)buffer, length, offset,
                                        callback, context, &started, &start);
    return io_async_result(started, status, request);
}

WDMEMU_API NTSTATUS wdmemu_device_control_async(HANDLE handle, ULONG code, const void *input, ULONG input_length,
                                                void *output, ULONG output_length, wdmemu_request_callback callback,
                                                void *context, wdmemu_request **request)
{
    if (request == NULL)
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_device_control_async(%p): no request pointer", handle);
    wdmemu_request *started = NULL;
    NTSTATUS status = io_control_start("wdmemu_device_control_async", IRP_MJ_DEVICE_CONTROL, handle, code, input, input_length, output,
                                       output_length, callback, context, &started);
    return io_async_result(started, status, request);
}

WDMEMU_API NTSTATUS wdmemu_request_wait(wdmemu_request *request, int64_t timeout_ms)
{
    if (request == NULL)
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_request_wait(NULL)");
    LARGE_INTEGER timeout;
    timeout.QuadPart = -timeout_ms * 10000;
    return io_request_wait(request, timeout_ms < 0 ? NULL : &timeout);
}

WDMEMU_API BOOLEAN wdmemu_request_result(const wdmemu_request *request, NTSTATUS *status, ULONG_PTR *information)
{
    if (request == NULL || !request->finished || !request->written)
        return FALSE;
    if (status != NULL)
        *status = request->iosb.Status;
    if (information != NULL)
        *information = request->iosb.Information;
    return TRUE;
}

WDMEMU_API NTSTATUS wdmemu_request_cancel(wdmemu_request *request)
{
    if (request == NULL)
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_request_cancel(NULL)");
    ke_thread *issuer = request->issuer; /* set before the request was handed out */
    if (issuer == NULL)
        return STATUS_NOT_FOUND; /* no IRP was sent (fast I/O ended it) */
    plat_rspin_lock(&io_cancel_lock);
    io_list_lock(issuer);
    NTSTATUS status = STATUS_NOT_FOUND;
    if (!request->finished && request->irp != NULL) {
        IoCancelIrp(request->irp);
        status = STATUS_SUCCESS;
    }
    io_list_unlock(issuer);
    plat_rspin_unlock(&io_cancel_lock);
    return status;
}

WDMEMU_API NTSTATUS wdmemu_cancel_io(HANDLE handle)
{
    void *object = NULL;
    NTSTATUS status = ob_handle_reference(handle, OB_TYPE_FILE, 0, &object, NULL);
    if (!NT_SUCCESS(status))
        return rp_fail(status, "wdmemu_cancel_io(%p): not an open file handle", handle);
    /* CancelIoEx: the handle's requests, whichever thread sent them. */
    plat_rspin_lock(&io_cancel_lock);
    for (ke_thread *t = ke_thread_after(NULL); t != NULL; t = ke_thread_after(t)) {
        io_list_lock(t);
        for (wdmemu_request *r = t->requests; r != NULL; r = r->next)
            r->cancel_sent = FALSE;
        for (;;) {
            wdmemu_request *next = t->requests;
            while (next != NULL && (next->file != object || next->cancel_sent))
                next = next->next;
            if (next == NULL)
                break;
            next->cancel_sent = TRUE;
            IoCancelIrp(next->irp); /* may complete it, and unlink it, right here */
        }
        io_list_unlock(t);
    }
    plat_rspin_unlock(&io_cancel_lock);
    ObDereferenceObject(object);
    return STATUS_SUCCESS;
}

WDMEMU_API void wdmemu_request_free(wdmemu_request *request)
{
    if (request != NULL)
        io_request_release(request);
}

/* ---- handles, flush, information, file-system controls -------------------------------------- */

WDMEMU_API NTSTATUS wdmemu_handle_duplicate(HANDLE source, ACCESS_MASK access, HANDLE *duplicate)
{
    if (duplicate == NULL)
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_handle_duplicate(%p): no handle pointer", source);
    *duplicate = NULL;
    void *object = NULL;
    ACCESS_MASK granted = 0;
    NTSTATUS status = ob_handle_reference(source, OB_TYPE_NONE, 0, &object, &granted);
    if (!NT_SUCCESS(status))
        return rp_fail(status, "wdmemu_handle_duplicate(%p): not an open handle", source);
    ACCESS_MASK wanted = access == 0 ? granted : (ob_type_of(object) == OB_TYPE_FILE ? io_map_file_access(access) : access);
    if ((wanted & ~granted) != 0) {
        ObDereferenceObject(object);
        return rp_fail(STATUS_ACCESS_DENIED, "wdmemu_handle_duplicate(%p): access 0x%08lX was not granted to the "
                       "source handle (0x%08lX)", source, (unsigned long)wanted, (unsigned long)granted);
    }
    /* A second handle to the same object: no new IRP_MJ_CREATE; IRP_MJ_CLEANUP waits for the
     * last of them. */
    status = ob_handle_open(object, wanted, duplicate);
    ObDereferenceObject(object);
    if (!NT_SUCCESS(status))
        return rp_error(status, "wdmemu_handle_duplicate(%p): no handle could be created", source);
    return STATUS_SUCCESS;
}

/* Sends a request without transfer buffers (flush) and waits for it. */
WDMEMU_API NTSTATUS wdmemu_flush(HANDLE handle)
{
    wdmemu_request *request;
    ACCESS_MASK granted = 0;
    NTSTATUS status = io_request_create("wdmemu_flush", IRP_MJ_FLUSH_BUFFERS, handle, 0, &request, &granted);
    if (!NT_SUCCESS(status))
        return status;
    io_request_issued(request, 0, 0, 0, 0);
    /* NtFlushBuffersFile wants write or append access. */
    if (!(granted & (FILE_WRITE_DATA | FILE_APPEND_DATA))) {
        io_request_abort(request);
        return rp_fail(STATUS_ACCESS_DENIED, "wdmemu_flush(%p): the handle has neither FILE_WRITE_DATA nor "
                       "FILE_APPEND_DATA", handle);
    }
    PIRP irp = io_build_fsd("wdmemu_flush", IO_BUILT_SYNCHRONOUS_FSD, IRP_MJ_FLUSH_BUFFERS, request->device, NULL, 0,
                            NULL, &request->done, &request->iosb, UserMode);
    if (irp == NULL) {
        io_request_abort(request);
        return rp_fail(STATUS_INSUFFICIENT_RESOURCES, "wdmemu_flush(%p): out of memory", handle);
    }
    status = io_request_send(request, irp);
    ULONG_PTR ignored;
    status = io_request_finish_sync(request, status, &ignored);
    io_request_end_call(request);
    return status;
}

/* Query (output in a system buffer copied back) or set (input copied into one) information. */
static NTSTATUS io_information(const char *api, BOOLEAN set, HANDLE handle, FILE_INFORMATION_CLASS info_class,
                               void *buffer, ULONG length, ULONG_PTR *transferred)
{
    ULONG_PTR ignored;
    if (transferred == NULL)
        transferred = &ignored;
    *transferred = 0;
    wdmemu_request *request;
    UCHAR major = set ? IRP_MJ_SET_INFORMATION : IRP_MJ_QUERY_INFORMATION;
    NTSTATUS status = io_request_create(api, major, handle, 0, &request, NULL);
    if (!NT_SUCCESS(status))
        return status;
    io_request_issued(request, 0, set ? length : 0, set ? 0 : length, 0);
    if (buffer == NULL || length == 0) {
        io_request_abort(request);
        return rp_fail(buffer == NULL ? STATUS_ACCESS_VIOLATION : STATUS_INFO_LENGTH_MISMATCH,
                       "%s(%p, class %d): a buffer is required", api, handle, (int)info_class);
    }
    PFILE_OBJECT file = request->file;
    if (info_class == FilePositionInformation && (file->Flags & FO_SYNCHRONOUS_IO)) {
        /* The I/O manager keeps the position of a synchronous file itself: no IRP. */
        status = STATUS_SUCCESS;
        if (length < sizeof(FILE_POSITION_INFORMATION))
            status = STATUS_INFO_LENGTH_MISMATCH;
        else if (set && ((PFILE_POSITION_INFORMATION)buffer)->CurrentByteOffset.QuadPart < 0)
            status = STATUS_INVALID_PARAMETER;
        else if (set)
            file->CurrentByteOffset = ((PFILE_POSITION_INFORMATION)buffer)->CurrentByteOffset;
        else
            ((PFILE_POSITION_INFORMATION)buffer)->CurrentByteOffset = file->CurrentByteOffset;
        if (NT_SUCCESS(status) && !set)
            *transferred = sizeof(FILE_POSITION_INFORMATION);
        io_request_abort(request);
        return status;
    }
    /* The builders' METHOD_BUFFERED device control gives exactly the buffer layout and final
     * stage Windows uses for information requests; only the stack location differs. */
    ULONG code = CTL_CODE(0, 0, METHOD_BUFFERED, FILE_ANY_ACCESS);
    PIRP irp = io_build_device_control(code, request->device, set ? buffer : NULL, set ? length : 0,
                                       set ? NULL : buffer, set ? 0 : length, FALSE, &request->done, &request->iosb,
                                       UserMode);
    if (irp == NULL) {
        io_request_abort(request);
        return rp_fail(STATUS_INSUFFICIENT_RESOURCES, "%s(%p): out of memory", api, handle);
    }
    PIO_STACK_LOCATION stack = IoGetNextIrpStackLocation(irp);
    memset(&stack->Parameters, 0, sizeof(stack->Parameters));
    stack->MajorFunction = major;
    if (set) {
        stack->Parameters.SetFile.Length = length;
        stack->Parameters.SetFile.FileInformationClass = info_class;
    } else {
        stack->Parameters.QueryFile.Length = length;
        stack->Parameters.QueryFile.FileInformationClass = info_class;
    }
    status = io_request_send(request, irp);
    status = io_request_finish_sync(request, status, transferred);
    io_request_end_call(request);
    return status;
}

WDMEMU_API NTSTATUS wdmemu_query_information(HANDLE handle, FILE_INFORMATION_CLASS info_class, void *buffer,
                                             ULONG length, ULONG_PTR *transferred)
{
    return io_information("wdmemu_query_information", FALSE, handle, info_class, buffer, length, transferred);
}

WDMEMU_API NTSTATUS wdmemu_set_information(HANDLE handle, FILE_INFORMATION_CLASS info_class, const void *buffer,
                                           ULONG length)
{
    return io_information("wdmemu_set_information", TRUE, handle, info_class, (void *)buffer, length, NULL);
}

/* FSCTLs: IRP_MJ_FILE_SYSTEM_CONTROL / IRP_MN_USER_FS_REQUEST, buffers per METHOD_* exactly
 * as for device controls (the parameter layout is the same). */
WDMEMU_API NTSTATUS wdmemu_fs_control(HANDLE handle, ULONG code, const void *input, ULONG input_length, void *output,
                                      ULONG output_length, ULONG_PTR *transferred)
{
    return io_control("wdmemu_fs_control", IRP_MJ_FILE_SYSTEM_CONTROL, handle, code, input, input_length, output,
                      output_length, transferred);
}
