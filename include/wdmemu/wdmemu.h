/* wdmemu.h: the host-side API of wdmemu, the library that runs Windows WDM driver code in an
 * ordinary process.  A test (the "host") loads drivers, looks at the objects they create,
 * collects findings (driver bugs reported the way Driver Verifier names them) and receives the
 * drivers' debug output.  Every function here starts with wdmemu_; everything a driver calls
 * is in the DDK headers (<wdm.h>, <ntddk.h>, ...) under include/wdmemu/ddk.
 *
 * Conventions: functions that can fail return an NTSTATUS and, on failure, leave a message
 * naming the call and the object on this thread (wdmemu_last_error()).  Strings are UTF-8. */
#ifndef WDMEMU_WDMEMU_H
#define WDMEMU_WDMEMU_H

#include <stdio.h>

#include "ddk/wdm.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WDMEMU_VERSION_MAJOR 0
#define WDMEMU_VERSION_MINOR 1
#define WDMEMU_VERSION_PATCH 0

/* ---- library lifetime ---------------------------------------------------------------------- */

/* Initialises the emulated kernel (object namespace, standard directories).  Called implicitly
 * by every other entry point; calling it again is harmless. */
WDMEMU_API NTSTATUS wdmemu_init(void);

/* Tears everything down: drivers still loaded are unloaded without calling their code (each is
 * reported as a finding), all objects are freed, findings are cleared.  The next call to any
 * entry point starts a fresh kernel, so tests can call this between cases. */
WDMEMU_API void wdmemu_shutdown(void);

/* ---- execution model ------------------------------------------------------------------------ */

typedef enum wdmemu_mode {
    /* One emulated processor.  Deferred work (DPCs, expired timers, work items) and other
     * emulated threads run only at scheduling points: when the calling thread waits (a
     * synchronous request, KeWaitForSingleObject ...), in wdmemu_run_until_idle / wdmemu_run_one,
     * and in wdmemu_advance_time.  Where several items could run, the order is drawn from the
     * seeded generator: the same seed gives the same interleaving.  Time is virtual.  A wait that
     * can never end is reported as a DEADLOCK finding and ends with STATUS_POSSIBLE_DEADLOCK.
     * The default, and what WDMEMU_MODE=deterministic selects. */
    WDMEMU_MODE_DETERMINISTIC,
    /* Real concurrency and real time: DPCs and timers on a DPC thread, work items on worker
     * threads, system threads run freely.  For stress tests and ThreadSanitizer.
     * WDMEMU_MODE=threaded selects it. */
    WDMEMU_MODE_THREADED
} wdmemu_mode;

/* Selects the mode; only while no system or worker thread exists (before loading drivers, or
 * after wdmemu_shutdown).  STATUS_INVALID_DEVICE_STATE otherwise. */
WDMEMU_API NTSTATUS wdmemu_set_mode(wdmemu_mode mode);
WDMEMU_API wdmemu_mode wdmemu_get_mode(void);

/* The seed of the scheduling order (deterministic mode); WDMEMU_SEED sets the initial one.
 * wdmemu_shutdown restarts the generator from the current seed. */
WDMEMU_API void wdmemu_set_seed(uint64_t seed);
WDMEMU_API uint64_t wdmemu_get_seed(void);

/* Runs deferred work and ready threads until nothing is runnable at the current time; returns
 * how many items ran.  Time does not move. */
WDMEMU_API size_t wdmemu_run_until_idle(void);
/* Runs at most one item (one DPC, one work item, or one thread until it waits); TRUE if one ran. */
WDMEMU_API BOOLEAN wdmemu_run_one(void);
/* Moves virtual time forward, firing each timer when its due time is reached (in order) and
 * running what becomes runnable at every step.  In threaded mode: sleeps. */
WDMEMU_API void wdmemu_advance_time(uint64_t milliseconds);
/* Interrupt time (KeQueryInterruptTime) in 100 ns units. */
WDMEMU_API uint64_t wdmemu_time_now(void);

/* ---- drivers ------------------------------------------------------------------------------- */

typedef struct wdmemu_driver wdmemu_driver;

/* Loads a driver module (a shared object / DLL built from the driver's sources and linked with
 * libwdmemu) with local symbol binding, so several drivers that define the same global names
 * can live in one process; resolves DriverEntry and calls it with a DRIVER_OBJECT named
 * \Driver\<name> and the registry path ...\Services\<name>.  name may be NULL: it is then the
 * module's file name without directory, extension and a leading "lib".
 * Returns DriverEntry's status.  If DriverEntry fails the driver is unloaded again (without
 * calling DriverUnload, as Windows does) and *driver is NULL. */
WDMEMU_API NTSTATUS wdmemu_driver_load(const char *module_path, const char *name, wdmemu_driver **driver);

/* Same for a driver linked into the calling program: entry is its DriverEntry. */
WDMEMU_API NTSTATUS wdmemu_driver_load_entry(PDRIVER_INITIALIZE entry, const char *name, wdmemu_driver **driver);

/* Calls DriverUnload, then reports as findings every device and symbolic link the driver left
 * behind, frees them and unloads the module.  Returns STATUS_SUCCESS when nothing was left,
 * STATUS_UNSUCCESSFUL when something was (the findings name it), and
 * STATUS_INVALID_DEVICE_REQUEST if the driver has no DriverUnload (it stays loaded, as on
 * Windows; wdmemu_shutdown() removes it). */
WDMEMU_API NTSTATUS wdmemu_driver_unload(wdmemu_driver *driver);

/* Plays the system shutdown for the devices registered with IoRegisterShutdownNotification
 * (then IoRegisterLastChanceShutdownNotification): each gets a synchronous IRP_MJ_SHUTDOWN,
 * the most recently registered first, and is unregistered.  Drivers stay loaded.  Returns
 * STATUS_SUCCESS, or the first failure status a driver completed its IRP with. */
WDMEMU_API NTSTATUS wdmemu_system_shutdown(void);

/* ---- Plug and Play: what the PnP manager does for a WDM driver's devices ---------------------- */

/* Calls the driver's AddDevice (DriverObject->DriverExtension->AddDevice, set in DriverEntry)
 * for a physical device object, as the PnP manager does when a device appears.  With *pdo NULL,
 * a new PDO is created first, owned by the root bus driver \Driver\PnpManager and named
 * \Device\00000001, ... (*pdo receives it); with an existing PDO, the driver is added on top of
 * its stack (a filter, or the function driver after a lower filter).  Afterwards every device
 * the driver attached must have DO_DEVICE_INITIALIZING cleared (finding
 * DEVICE_INITIALIZING_NOT_CLEARED otherwise).  Returns AddDevice's status; when it fails, a PDO
 * created here is deleted again (if nothing stayed attached) and *pdo is NULL. */
WDMEMU_API NTSTATUS wdmemu_pnp_add_device(wdmemu_driver *driver, PDEVICE_OBJECT *pdo);
/* Sends IRP_MN_START_DEVICE (without hardware resources) to the top of the PDO's stack and
 * waits for it; the root bus driver succeeds it at the bottom.  Returns the IRP's status. */
WDMEMU_API NTSTATUS wdmemu_pnp_start_device(PDEVICE_OBJECT pdo);
/* Orderly removal: IRP_MN_QUERY_REMOVE_DEVICE (a failure vetoes it: IRP_MN_CANCEL_REMOVE_DEVICE
 * follows and its status is returned), then IRP_MN_REMOVE_DEVICE, after which the drivers
 * above must have detached and deleted their devices (finding REMOVE_DEVICE_LEFT_ATTACHED
 * otherwise, STATUS_UNSUCCESSFUL); the PDO is then deleted.  Every PnP IRP starts with
 * IoStatus.Status = STATUS_NOT_SUPPORTED, as Windows sends them.  wdmemu_driver_unload removes
 * the driver's remaining PnP devices this way before calling DriverUnload. */
WDMEMU_API NTSTATUS wdmemu_pnp_remove_device(PDEVICE_OBJECT pdo);

WDMEMU_API PDRIVER_OBJECT wdmemu_driver_object(const wdmemu_driver *driver);
/* The driver's short name (UTF-8), e.g. "zero" for \Driver\zero. */
WDMEMU_API const char *wdmemu_driver_name(const wdmemu_driver *driver);

/* ---- the object namespace ---------------------------------------------------------------- */

/* Resolves a name the way a requester's CreateFile does: "\\.\Zero", "\??\Zero",
 * "\DosDevices\Zero", "\Device\Zero" (case-insensitive, through symbolic links).  On success
 * *device is the named device (not the top of its stack) with a reference the caller releases
 * with ObDereferenceObject, and remainder (if not NULL) receives what followed the device name
 * ("" or "\sub\path").  STATUS_OBJECT_NAME_NOT_FOUND / STATUS_OBJECT_PATH_NOT_FOUND /
 * STATUS_OBJECT_TYPE_MISMATCH (the name is not a device) as Windows reports them. */
WDMEMU_API NTSTATUS wdmemu_device_lookup(const char *name, PDEVICE_OBJECT *device, char *remainder,
                                         size_t remainder_size);

/* Writes the object name of a device ("\Device\Zero"), or "\Device\<unnamed #n>" for an
 * unnamed one, as UTF-8.  Returns the length it needed (like snprintf). */
WDMEMU_API size_t wdmemu_device_name(PDEVICE_OBJECT device, char *buffer, size_t size);

/* Resolves a symbolic link's target without following further links. */
WDMEMU_API NTSTATUS wdmemu_symlink_target(const char *link_name, char *buffer, size_t size);

/* ---- events and handles ------------------------------------------------------------------------ */

/* Creates an event (notification or synchronization) and a kernel handle to it, as an
 * application creates one to pass to a driver; the driver reaches it with
 * ObReferenceObjectByHandle(handle, ..., *ExEventObjectType, ...). */
WDMEMU_API NTSTATUS wdmemu_event_create(BOOLEAN notification, BOOLEAN signalled, HANDLE *handle);
/* Waits for it (timeout_ms < 0: no timeout); in deterministic mode deferred work runs meanwhile.
 * STATUS_SUCCESS, STATUS_TIMEOUT, or STATUS_POSSIBLE_DEADLOCK (reported) if it can never be set. */
WDMEMU_API NTSTATUS wdmemu_event_wait(HANDLE handle, int64_t timeout_ms);
/* 1 if signalled, 0 if not, -1 for a bad handle. */
WDMEMU_API LONG wdmemu_event_state(HANDLE handle);
/* Closes a handle from wdmemu_event_create (or any kernel handle the test holds). */
WDMEMU_API NTSTATUS wdmemu_handle_close(HANDLE handle);

/* ---- requests: what an application's CreateFile/ReadFile/DeviceIoControl do ------------------- */

/* Every byte of a buffered output (METHOD_BUFFERED, DO_BUFFERED_IO reads) holds this value
 * until the driver writes it: a caller that receives it got memory the driver never wrote
 * (Information larger than what the driver produced). */
#define WDMEMU_UNWRITTEN_BYTE 0xCD

/* Opens a device the way CreateFile does: name as for wdmemu_device_lookup (the part after the
 * device name reaches the driver as FileObject->FileName); access (GENERIC_* mapped to the
 * FILE_* rights), share_access (FILE_SHARE_*) and create_options (FILE_* create options) are
 * what the driver's IRP_MJ_CREATE sees, with RequestorMode UserMode.  With
 * FILE_SYNCHRONOUS_IO_NONALERT (or _ALERT) the file object is synchronous (FO_SYNCHRONOUS_IO,
 * a current byte position); without, it is opened for overlapped I/O.  Returns the driver's
 * create status, or the name errors of wdmemu_device_lookup, STATUS_ACCESS_DENIED for a second
 * open of an exclusive device, STATUS_NO_SUCH_DEVICE for a device being deleted.  Close the
 * handle with wdmemu_handle_close: the last close sends IRP_MJ_CLEANUP, IRP_MJ_CLOSE follows. */
WDMEMU_API NTSTATUS wdmemu_open(const char *name, ACCESS_MASK access, ULONG share_access, ULONG create_options,
                                HANDLE *handle);

/* ReadFile / WriteFile, waiting for the result: offset NULL means the file's current position
 * (synchronous files only; it advances by the bytes transferred).  Returns what NtReadFile/NtWriteFile return: the
 * dispatch routine's status, or the IO_STATUS_BLOCK status when the driver pended (the call
 * waits, running DPCs, timers and threads meanwhile); *transferred (may be NULL) receives
 * IoStatus.Information, or 0 when the request failed without pending.  STATUS_INVALID_HANDLE,
 * STATUS_OBJECT_TYPE_MISMATCH, STATUS_ACCESS_DENIED (the handle lacks FILE_READ_DATA /
 * FILE_WRITE_DATA), STATUS_ACCESS_VIOLATION (NULL buffer with a length) never reach the driver. */
WDMEMU_API NTSTATUS wdmemu_read(HANDLE handle, void *buffer, ULONG length, const int64_t *offset,
                                ULONG_PTR *transferred);
WDMEMU_API NTSTATUS wdmemu_write(HANDLE handle, const void *buffer, ULONG length, const int64_t *offset,
                                 ULONG_PTR *transferred);

/* DeviceIoControl (IRP_MJ_DEVICE_CONTROL) and its internal variant
 * (IRP_MJ_INTERNAL_DEVICE_CONTROL): buffers placed per the code's METHOD_*, the code's required
 * access checked against the handle (STATUS_ACCESS_DENIED), results as for wdmemu_read. */
WDMEMU_API NTSTATUS wdmemu_device_control(HANDLE handle, ULONG code, const void *input, ULONG input_length,
                                          void *output, ULONG output_length, ULONG_PTR *transferred);
WDMEMU_API NTSTATUS wdmemu_internal_device_control(HANDLE handle, ULONG code, const void *input, ULONG input_length,
                                                   void *output, ULONG output_length, ULONG_PTR *transferred);

/* Overlapped requests.  The _async calls return at once with what NtXxxFile returns:
 * STATUS_PENDING (the driver pended: *request is outstanding), another success or warning
 * status (*request has completed), or an error without pending (*request is NULL: no
 * IO_STATUS_BLOCK was written, as on Windows).  On a synchronous handle they wait first.  The
 * callback (may be NULL) runs once the final stage has written the IO_STATUS_BLOCK, from
 * whatever context completed the IRP (a DPC, a system thread, the test itself): it must not
 * block.  The caller's buffers must stay valid until the request has completed. */
typedef struct wdmemu_request wdmemu_request;
typedef void (*wdmemu_request_callback)(wdmemu_request *request, NTSTATUS status, ULONG_PTR information,
                                        void *context);
WDMEMU_API NTSTATUS wdmemu_read_async(HANDLE handle, void *buffer, ULONG length, const int64_t *offset,
                                      wdmemu_request_callback callback, void *context, wdmemu_request **request);
WDMEMU_API NTSTATUS wdmemu_write_async(HANDLE handle, const void *buffer, ULONG length, const int64_t *offset,
                                       wdmemu_request_callback callback, void *context, wdmemu_request **request);
WDMEMU_API NTSTATUS wdmemu_device_control_async(HANDLE handle, ULONG code, const void *input, ULONG input_length,
                                                void *output, ULONG output_length, wdmemu_request_callback callback,
                                                void *context, wdmemu_request **request);
/* Waits until the request has completed (its IO_STATUS_BLOCK written): STATUS_SUCCESS, or
 * STATUS_TIMEOUT after timeout_ms (virtual time in deterministic mode; negative: no limit). */
WDMEMU_API NTSTATUS wdmemu_request_wait(wdmemu_request *request, int64_t timeout_ms);
/* TRUE once the request has completed, with its IO_STATUS_BLOCK (GetOverlappedResult). */
WDMEMU_API BOOLEAN wdmemu_request_result(const wdmemu_request *request, NTSTATUS *status, ULONG_PTR *information);
/* CancelIoEx for one request: IoCancelIrp on its IRP.  STATUS_NOT_FOUND once it has completed. */
WDMEMU_API NTSTATUS wdmemu_request_cancel(wdmemu_request *request);
/* DuplicateHandle: another handle to the same object (no new IRP_MJ_CREATE; IRP_MJ_CLEANUP
 * comes with the last close).  access 0 keeps the source's access; otherwise it must be
 * within it (STATUS_ACCESS_DENIED). */
WDMEMU_API NTSTATUS wdmemu_handle_duplicate(HANDLE source, ACCESS_MASK access, HANDLE *duplicate);
/* FlushFileBuffers: IRP_MJ_FLUSH_BUFFERS; the handle needs FILE_WRITE_DATA or FILE_APPEND_DATA. */
WDMEMU_API NTSTATUS wdmemu_flush(HANDLE handle);
/* NtQueryInformationFile / NtSetInformationFile: IRP_MJ_QUERY_INFORMATION (output through a
 * system buffer, Information bytes copied back) / IRP_MJ_SET_INFORMATION (input copied into
 * one).  FilePositionInformation of a synchronous file is answered by the I/O manager itself,
 * as on Windows.  Access rights per information class are not checked. */
WDMEMU_API NTSTATUS wdmemu_query_information(HANDLE handle, FILE_INFORMATION_CLASS info_class, void *buffer,
                                             ULONG length, ULONG_PTR *transferred);
WDMEMU_API NTSTATUS wdmemu_set_information(HANDLE handle, FILE_INFORMATION_CLASS info_class, const void *buffer,
                                           ULONG length);
/* NtFsControlFile: IRP_MJ_FILE_SYSTEM_CONTROL, IRP_MN_USER_FS_REQUEST, buffers per METHOD_*. */
WDMEMU_API NTSTATUS wdmemu_fs_control(HANDLE handle, ULONG code, const void *input, ULONG input_length, void *output,
                                      ULONG output_length, ULONG_PTR *transferred);

/* CancelIo: cancels every outstanding request of the handle's file object. */
WDMEMU_API NTSTATUS wdmemu_cancel_io(HANDLE handle);
/* Releases a request; one still outstanding is freed when it completes (its callback no longer
 * runs). */
WDMEMU_API void wdmemu_request_free(wdmemu_request *request);

/* ---- tracing ---------------------------------------------------------------------------------- */

/* One trace record: what happened to a request (or to a driver, device, DPC ...), the way
 * IRPMon records it.  Strings are UTF-8 and live as long as the record. */
typedef struct wdmemu_trace_record {
    uint64_t seq;              /* the event's sequence number */
    uint64_t time;             /* interrupt time, 100 ns units (virtual in deterministic mode) */
    ULONG thread;              /* emulated thread, 1, 2, ... (0: none) */
    KIRQL irql;
    const char *kind;          /* "IRP_DISPATCH", "IRP_COMPLETE", "COMPLETION_ROUTINE", "IRP_FINAL",
                                  "REQUEST_ISSUED", "FAST_IO", "DPC", "FINDING", ... */
    const char *driver;        /* "\Driver\name" or "" */
    const char *device;        /* "\Device\name" or "\Device\<unnamed #n>" or "" */
    uint32_t irp;              /* IRP number (1, 2, ... since wdmemu_init), 0 for none */
    uint32_t file;             /* file object number (1, 2, ... in opening order since wdmemu_init), 0 for none */
    int depth;                 /* dispatch nesting depth (0 at the top) */
    int stack_location;        /* the IRP's CurrentLocation at the event */
    UCHAR major, minor;
    const char *major_name;    /* "IRP_MJ_DEVICE_CONTROL", or NULL */
    ULONG ioctl;               /* IOCTL / FSCTL code, 0 for other requests */
    ULONG input_length, output_length; /* device controls; output_length is the length of reads/writes */
    LONGLONG offset;           /* reads and writes */
    ULONG irp_flags;
    NTSTATUS status;           /* returned, completed with, or result */
    ULONG_PTR information;
    BOOLEAN pending_returned;  /* PendingReturned seen by a completion routine; for FAST_IO: handled */
    BOOLEAN iosb_written;      /* IRP_FINAL: the requester's IO_STATUS_BLOCK and event were written
                                  (not for a request that failed without pending) */
    const char *text;          /* DDI or routine name, finding ("[RULE] message"), DbgPrint text, or NULL */
    const unsigned char *data; /* with wdmemu_trace_data_limit: the request's input bytes at
                                  IRP_DISPATCH, its output bytes at IRP_FINAL (buffered I/O and
                                  mapped MDLs only); NULL otherwise */
    size_t data_length;
} wdmemu_trace_record;

/* Turns a sink on: "memory" (records kept for wdmemu_trace_get), "text[:path]", "jsonl[:path]"
 * or "chrome[:path]" (Chrome Trace Event format; path "-", "stderr", "stdout" or a file,
 * truncated).  Any program can also set
 * WDMEMU_TRACE=format[:path][,format[:path]] for wdmemu_init to do it (files are then appended
 * to across wdmemu_shutdown/wdmemu_init).  STATUS_INVALID_PARAMETER for an unknown format. */
WDMEMU_API NTSTATUS wdmemu_trace_start(const char *spec);
/* Turns every sink off (files flushed and closed); recorded records stay until cleared. */
WDMEMU_API void wdmemu_trace_stop(void);
/* Keeps only the records of one driver ("name" or "\\Driver\\name"), one device
 * ("\\Device\\name") and/or one major function (-1: any); NULL/-1 lift a filter.  Findings are
 * always kept.  Also WDMEMU_TRACE_FILTER=driver=X,device=Y,major=IRP_MJ_READ. */
WDMEMU_API NTSTATUS wdmemu_trace_filter(const char *driver, const char *device, int major);
/* Records up to limit bytes of request data (0, the default: none).  Also WDMEMU_TRACE_DATA=N. */
WDMEMU_API void wdmemu_trace_data_limit(size_t limit);
WDMEMU_API size_t wdmemu_trace_count(void);
/* The index of the first record at or after `from` of this kind (NULL: any) for this IRP (0:
 * any) at this device (NULL: any), or (size_t)-1: e.g. the IRP_DISPATCH records that reached a
 * device, or the COMPLETION_ROUTINE records of IRP n. */
WDMEMU_API size_t wdmemu_trace_find(size_t from, const char *kind, uint32_t irp, const char *device);
WDMEMU_API const wdmemu_trace_record *wdmemu_trace_get(size_t index);
WDMEMU_API void wdmemu_trace_clear(void);
/* The sinks' formats, for tools that convert recorded traces (wdmemu-trace): one text line,
 * one JSON line (docs/trace-format.md), and a Chrome Trace Event writer that pairs each IRP's
 * spans (open writes the array's start, close its end). */
WDMEMU_API void wdmemu_trace_write_text(FILE *out, const wdmemu_trace_record *record);
WDMEMU_API void wdmemu_trace_write_jsonl(FILE *out, const wdmemu_trace_record *record);
typedef struct wdmemu_chrome_writer wdmemu_chrome_writer;
WDMEMU_API wdmemu_chrome_writer *wdmemu_chrome_writer_open(FILE *out);
WDMEMU_API void wdmemu_chrome_writer_write(wdmemu_chrome_writer *writer, const wdmemu_trace_record *record);
WDMEMU_API void wdmemu_chrome_writer_close(wdmemu_chrome_writer *writer);

/* "IRP_MJ_READ" for IRP_MJ_READ, NULL beyond IRP_MJ_MAXIMUM_FUNCTION. */
WDMEMU_API const char *wdmemu_major_name(UCHAR major);
/* The major function named "IRP_MJ_READ" ..., or -1 for a name that is not one. */
WDMEMU_API int wdmemu_major_parse(const char *name);

/* ---- findings: driver bugs reported instead of crashing -------------------------------------- */

typedef struct wdmemu_finding {
    const char *rule;      /* Driver Verifier / SDV style name, e.g. "MULTIPLE_IRP_COMPLETE_REQUESTS" */
    NTSTATUS status;       /* the status involved, or STATUS_SUCCESS */
    const char *driver;    /* "\Driver\name" or "" */
    const char *device;    /* "\Device\name" or "" */
    const char *message;   /* one line, human readable, names the call and the objects */
    int fails;             /* 1: it fails the test (the policy in force when it was reported) */
} wdmemu_finding;

/* Whether a finding fails the test or is only recorded.  Every finding fails by default; a
 * test that provokes a driver bug on purpose, or tolerates one, records it instead.  rule NULL
 * sets the policy of every rule (and forgets per-rule choices); otherwise only that rule's.
 * wdmemu_shutdown() returns to the default.  The library never aborts a test itself: a test
 * kit asks wdmemu_failing_finding_count() at the end of the test. */
typedef enum wdmemu_finding_policy { WDMEMU_FINDING_FAILS, WDMEMU_FINDING_RECORDED } wdmemu_finding_policy;
WDMEMU_API NTSTATUS wdmemu_finding_policy_set(const char *rule, wdmemu_finding_policy policy);
/* The findings since the last clear whose policy is WDMEMU_FINDING_FAILS. */
WDMEMU_API size_t wdmemu_failing_finding_count(void);

WDMEMU_API size_t wdmemu_finding_count(void);
/* The i-th finding since the last clear (valid until the next clear or shutdown). */
WDMEMU_API const wdmemu_finding *wdmemu_finding_get(size_t index);
WDMEMU_API void wdmemu_findings_clear(void);

/* ---- messages: DbgPrint output, findings, errors ---------------------------------------------- */

typedef enum wdmemu_message_kind {
    WDMEMU_MSG_DEBUG_PRINT, /* DbgPrint/KdPrint/DbgPrintEx output of a driver, as formatted */
    WDMEMU_MSG_BREAKPOINT,  /* DbgBreakPoint reached (reported, not a trap) */
    WDMEMU_MSG_FINDING,     /* a finding, as also recorded by wdmemu_finding_get */
    WDMEMU_MSG_ERROR,       /* a host call failed, or a driver failed to load or unload */
    WDMEMU_MSG_INFO         /* progress (driver loaded, DriverEntry returned ...) */
} wdmemu_message_kind;

/* Receives every message.  text is NUL-terminated; DbgPrint text is passed as the driver
 * formatted it (usually ending in a newline), other kinds are one line without newline. */
typedef void (*wdmemu_message_fn)(wdmemu_message_kind kind, const char *text, void *context);

/* Replaces the default handler, which writes DEBUG_PRINT, BREAKPOINT, FINDING and ERROR to
 * stderr (INFO only when the environment variable WDMEMU_VERBOSE is set).  NULL restores it. */
WDMEMU_API void wdmemu_set_message_handler(wdmemu_message_fn fn, void *context);

/* The message of the last failed wdmemu_ call on this thread ("" if none). */
WDMEMU_API const char *wdmemu_last_error(void);

/* ---- status codes ---------------------------------------------------------------------------- */

/* "STATUS_BUFFER_TOO_SMALL", or NULL for a value wdmemu does not know. */
WDMEMU_API const char *wdmemu_status_name(NTSTATUS status);
/* Parses a name ("STATUS_SUCCESS") or a number ("0xC0000023", "-1073741789"); TRUE on success. */
WDMEMU_API BOOLEAN wdmemu_status_parse(const char *text, NTSTATUS *status);
/* Writes "STATUS_BUFFER_TOO_SMALL (0xC0000023)" or "0xE0001234"; returns the length written. */
WDMEMU_API size_t wdmemu_status_format(NTSTATUS status, char *buffer, size_t size);

/* ---- pool ---- */

/* Pool usage, as poolmon shows it per tag.  blocks and bytes are what is allocated now,
 * peak_bytes the most that ever was at once; allocations and frees count successful
 * ExAllocatePool* and ExFreePool* calls (a block reclaimed from an unloaded driver leaves
 * blocks/bytes without counting as a free).  Lookaside lists allocate from pool, so their
 * cached entries count as allocated blocks. */
typedef struct wdmemu_pool_usage {
    size_t blocks, bytes, peak_bytes;
    uint64_t allocations, frees;
} wdmemu_pool_usage;

/* Usage of one tag (all zero for a tag never used), and of all pool together.  Counters start
 * from zero after wdmemu_shutdown(). */
WDMEMU_API void wdmemu_pool_usage_for_tag(ULONG tag, wdmemu_pool_usage *usage);
WDMEMU_API void wdmemu_pool_usage_total(wdmemu_pool_usage *usage);

/* Low-resources simulation, as Driver Verifier does it: pool allocations fail (return NULL, or
 * raise STATUS_INSUFFICIENT_RESOURCES where the routine or its flags say so: quota allocations,
 * POOL_FLAG_RAISE_ON_FAILURE, POOL_RAISE_IF_ALLOCATION_FAILURE).  wdmemu_pool_fail_after(n) lets
 * the next n allocations succeed and fails every one after them (0: fail from the next one on;
 * -1: off).  wdmemu_pool_fail_tag(tag, TRUE) fails every allocation with that tag until it is
 * called with FALSE.  Both apply to every caller of the pool routines, host code included, and
 * are switched off by wdmemu_shutdown(). */
WDMEMU_API void wdmemu_pool_fail_after(int64_t allocations);
WDMEMU_API void wdmemu_pool_fail_tag(ULONG tag, BOOLEAN fail);

/* ---- registry ---- */

/* An in-memory registry that drivers read and write through ZwOpenKey, ZwQueryValueKey,
 * RtlQueryRegistryValues and the rest; tests set it up (typically a driver's service key,
 * \Registry\Machine\System\CurrentControlSet\Services\<name>, and its Parameters subkey)
 * before loading the driver.  wdmemu_shutdown() empties it.
 *
 * Key names are UTF-8, absolute ("\\Registry\\Machine\\System\\...") or in the short forms
 * "HKLM\\..." / "HKEY_LOCAL_MACHINE\\..." (for \Registry\Machine\...) and "HKU\\..." /
 * "HKEY_USERS\\..." (for \Registry\User\...).  Names are case-insensitive.  A value_name of NULL
 * or "" is the key's default (unnamed) value.  Strings are stored as UTF-16 with their
 * terminating NUL, as Windows stores them.  Failures return the NTSTATUS a driver would see
 * (STATUS_OBJECT_NAME_NOT_FOUND for a missing key or value, ...) and leave a message in
 * wdmemu_last_error(). */

/* Creates the key and every missing key above it; an existing key is left as it is. */
WDMEMU_API NTSTATUS wdmemu_registry_create_key(const char *key);

/* Creates or replaces a value of any REG_ type with size bytes of data (the key and the keys
 * above it are created as needed). */
WDMEMU_API NTSTATUS wdmemu_registry_set_value(const char *key, const char *value_name, ULONG type, const void *data,
                                              size_t size);

/* A REG_DWORD value. */
WDMEMU_API NTSTATUS wdmemu_registry_set_dword(const char *key, const char *value_name, ULONG value);

/* A REG_SZ value from a UTF-8 string (stored as UTF-16 including the terminating NUL). */
WDMEMU_API NTSTATUS wdmemu_registry_set_string(const char *key, const char *value_name, const char *value);

/* A REG_MULTI_SZ value from count non-empty UTF-8 strings: each stored with its NUL, then one
 * more NUL ending the list (count 0 gives a single NUL). */
WDMEMU_API NTSTATUS wdmemu_registry_set_multi_string(const char *key, const char *value_name,
                                                     const char *const *strings, size_t count);

/* Reads a value: *type (if not NULL) gets its REG_ type, *needed (if not NULL) its size in
 * bytes, and buffer its data.  STATUS_BUFFER_TOO_SMALL, with nothing copied, when size is less
 * than the data (pass NULL and 0 to ask for the size). */
WDMEMU_API NTSTATUS wdmemu_registry_get_value(const char *key, const char *value_name, ULONG *type, void *buffer,
                                              size_t size, size_t *needed);

/* Deletes the key with all its subkeys and values (unlike ZwDeleteKey, which refuses a key that
 * has subkeys).  Handles drivers still hold to deleted keys stay valid, and every operation on
 * them fails with STATUS_KEY_DELETED.  Hive roots (\Registry, MACHINE, USER, MACHINE\SYSTEM,
 * SOFTWARE, HARDWARE, USER\.DEFAULT) cannot be deleted (STATUS_CANNOT_DELETE). */
WDMEMU_API NTSTATUS wdmemu_registry_delete_key(const char *key);

#ifdef __cplusplus
}
#endif

#endif /* WDMEMU_WDMEMU_H */
