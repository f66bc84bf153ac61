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

/* ---- findings: driver bugs reported instead of crashing -------------------------------------- */

typedef struct wdmemu_finding {
    const char *rule;      /* Driver Verifier / SDV style name, e.g. "MULTIPLE_IRP_COMPLETE_REQUESTS" */
    NTSTATUS status;       /* the status involved, or STATUS_SUCCESS */
    const char *driver;    /* "\Driver\name" or "" */
    const char *device;    /* "\Device\name" or "" */
    const char *message;   /* one line, human readable, names the call and the objects */
} wdmemu_finding;

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

#ifdef __cplusplus
}
#endif

#endif /* WDMEMU_WDMEMU_H */
