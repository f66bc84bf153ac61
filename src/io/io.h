/* io/io.h: the I/O manager's private structures and the functions its files share: the
 * private parts of driver, device and file objects, IRP allocation headers and the final
 * stage hook that the requester side (the front end) attaches to the IRPs it builds. */
#ifndef WDMEMU_IO_IO_H
#define WDMEMU_IO_IO_H

#include <wdmemu/wdmemu.h>

#include "ob/ob.h"
#include "platform/platform.h"

/* Device object extension flags (the kernel-private DOE_* bits). */
#define DOE_UNLOAD_PENDING 0x00000001
#define DOE_DELETE_PENDING 0x00000002
#define DOE_REMOVE_PENDING 0x00000004
#define DOE_REMOVE_PROCESSED 0x00000008
#define DOE_START_PENDING 0x00000010

/* ---- drivers ------------------------------------------------------------------------------ */

/* The body of a driver object: DRIVER_OBJECT, DRIVER_EXTENSION right after it (as on Windows),
 * then wdmemu's bookkeeping.  wdmemu_driver handles are pointers to this. */
typedef struct io_driver {
    DRIVER_OBJECT object;
    DRIVER_EXTENSION extension;
    plat_lib lib;
    BOOLEAN has_lib;
    BOOLEAN started;      /* DriverEntry succeeded */
    BOOLEAN unloaded;     /* DriverUnload ran or the driver was torn down */
    BOOLEAN builtin;      /* one of wdmemu's own drivers (io_driver_load_builtin) */
    char name[128];       /* short name, UTF-8 */
    char display[160];    /* "\Driver\name" */
    WCHAR *name_buffer;   /* DriverName.Buffer */
    WCHAR *service_buffer;
    struct io_client_extension *client_extensions; /* IoAllocateDriverObjectExtension */
    struct io_reinit *reinit_first, *reinit_last;   /* IoRegisterDriverReinitialization, FIFO */
} io_driver;

static inline io_driver *io_driver_of(PDRIVER_OBJECT object)
{
    return (io_driver *)object;
}

/* The default MajorFunction entry: completes with STATUS_INVALID_DEVICE_REQUEST. */
DRIVER_DISPATCH io_invalid_device_request;

/* "\Driver\name" of the driver, or "" for NULL. */
const char *io_driver_display(PDRIVER_OBJECT driver);

/* Runs fn(context) as code of driver inside a guard frame (what = "AddDevice", ...): FALSE with
 * *code the exception's status if an exception escaped it (reported as a finding). */
BOOLEAN io_driver_call_guarded(PDRIVER_OBJECT driver, const char *what, void (*fn)(void *), void *context,
                               NTSTATUS *code);
/* wdmemu's own drivers (the PnP manager's root bus): loaded like any driver but not a test's,
 * so never reported as left loaded; unloaded with io_driver_unload_builtin. */
NTSTATUS io_driver_load_builtin(PDRIVER_INITIALIZE entry, const char *name, PDRIVER_OBJECT *driver);
void io_driver_unload_builtin(PDRIVER_OBJECT driver);

/* ---- Plug and Play (pnp.c) ---- */
NTSTATUS io_pnp_remove(PDEVICE_OBJECT pdo);
void io_pnp_remove_driver_devices(PDRIVER_OBJECT driver);
void io_pnp_shutdown(void);

/* ---- devices -------------------------------------------------------------------------------- */

typedef struct io_device_ext {
    DEVOBJ_EXTENSION pub;        /* Type, Size, DeviceObject: the public part */
    ULONG ExtensionFlags;        /* DOE_* */
    PDEVICE_OBJECT AttachedTo;   /* the device this one is attached over */
    ULONG serial;                /* 1, 2, ... in creation order, for display */
    BOOLEAN deleted;             /* IoDeleteDevice was called */
    BOOLEAN unlinked;            /* removed from the driver's device list */
    /* io_device_display's UTF-8 copy of the name (traces show it in every record), made once:
     * display_state 0 none, 1 being written, 2 ready (atomic); display_of is the UTF-16 name
     * it was converted from (NULL: the unnamed form), so a changed name is not shown stale. */
    int display_state;
    const WCHAR *display_of;
    char display[96];
} io_device_ext;

/* The body of a device object: DEVICE_OBJECT, then the private extension, then the driver's
 * device extension (last, so that AddressSanitizer sees overruns of it). */
typedef struct io_device {
    DEVICE_OBJECT object;
    io_device_ext ext;
} io_device;

static inline io_device_ext *io_device_ext_of(PDEVICE_OBJECT device)
{
    return &((io_device *)device)->ext;
}

/* TRUE if device is a live device object. */
static inline BOOLEAN io_is_device(PDEVICE_OBJECT device)
{
    return ob_type_of(device) == OB_TYPE_DEVICE;
}
/* io_is_device, or an INVALID_DEVICE_OBJECT finding naming ddi (and FALSE). */
BOOLEAN io_check_device(PDEVICE_OBJECT device, const char *ddi);

/* Shutdown notification (shutdown.c): IoDeleteDevice unregisters; wdmemu_shutdown resets. */
void io_shutdown_forget(PDEVICE_OBJECT device);
void io_shutdown_reset(void);

/* Front-end requests (request.c): finishes deferred file releases at wdmemu_shutdown. */
void io_request_shutdown(void);

/* Writes the device's display name: "\Device\Zero" or "\Device\<unnamed #3>". */
const char *io_device_display(PDEVICE_OBJECT device, char *buffer, size_t size);

/* Called when a file object on device goes away (ReferenceCount reached 0): finishes a
 * deferred IoDeleteDevice. */
void io_device_last_close(PDEVICE_OBJECT device);

/* Removes every device and symbolic link the driver still owns, reporting each as a finding
 * with the given circumstance ("after DriverUnload", "after DriverEntry failed").  Returns the
 * number of leftovers. */
size_t io_driver_reclaim(io_driver *driver, const char *when);
/* Ends a device's attachment to the one below it (dropping the reference the attachment held). */
void io_device_cut_attachment(PDEVICE_OBJECT upper);
/* Autogenerated device names start again from \Device\00000001 (wdmemu_shutdown). */
void io_device_reset_names(void);

/* ---- IRPs ------------------------------------------------------------------------------------ */

/* Called when the completion walk of an IRP ends without a STATUS_MORE_PROCESSING_REQUIRED:
 * the requester's side of IoCompleteRequest (copy back, IOSB, event, free). */
typedef void (*io_final_fn)(PIRP irp, void *context);

/* Attaches the final stage to an IRP allocated with IoAllocateIrp. */
void io_irp_set_final(PIRP irp, io_final_fn fn, void *context);

/* Sends irp to the top of device's stack and waits until its final stage has run; returns
 * what a synchronous requester sees (IoStatus.Status when the driver pended, else the dispatch
 * return value).  The IRP is freed; *information receives IoStatus.Information. */
NTSTATUS io_call_and_wait(PDEVICE_OBJECT device, PIRP irp, ULONG_PTR *information);

/* ---- files ---------------------------------------------------------------------------------- */

/* Opens device (resolved by the caller) for a requester of the given mode: allocates the file
 * object, sends IRP_MJ_CREATE, and on success returns the referenced file object. */
NTSTATUS io_open_device(PDEVICE_OBJECT device, const WCHAR *remainder, size_t remainder_length,
                        ACCESS_MASK access, ULONG share, ULONG options, KPROCESSOR_MODE mode, PFILE_OBJECT *file);
/* The handle count of a file object reached zero: sends IRP_MJ_CLEANUP. */
void io_file_cleanup(PFILE_OBJECT file);
/* A file object as the I/O manager keeps it (file.c owns it). */
typedef struct io_file {
    FILE_OBJECT object;
    BOOLEAN opened;      /* IRP_MJ_CREATE succeeded: IRP_MJ_CLOSE is owed */
    BOOLEAN cleaned_up;  /* IRP_MJ_CLEANUP was sent */
    WCHAR *name_buffer;
    ULONG serial;        /* 1, 2, ... in opening order since wdmemu_init (traces name files by it) */
} io_file;

/* The file object's opening number (1, 2, ... since wdmemu_init), 0 if it is not one (asked for
 * most trace records: inline). */
static inline ULONG io_file_serial(PFILE_OBJECT file)
{
    return file != NULL && ob_type_of(file) == OB_TYPE_FILE ? ((io_file *)file)->serial : 0;
}
void io_file_reset_serials(void);

/* ---- host helpers --------------------------------------------------------------------------- */

/* UTF-8 name from the host -> NT name in UTF-16 ("\\.\X" and "\\?\X" become "\??\X").
 * Returns a malloc'd buffer or NULL on bad input. */
WCHAR *io_host_name(const char *utf8, size_t *length);

/* Resolves a name handed to host function `api` to a live object of type `expected`, with the
 * errors and messages the host API promises.  Release *found with ob_lookup_release. */
NTSTATUS io_host_lookup(const char *api, const char *name, ULONG flags, ob_type expected, const char *what,
                        ob_lookup_result *found);

/* The I/O manager's part of wdmemu_init / wdmemu_shutdown. */
void io_init(void);
void io_shutdown(void);

#endif /* WDMEMU_IO_IO_H */
