/* io/driver.c: driver objects and the loader: loading a driver module with local symbol
 * binding, building the DRIVER_OBJECT as Windows does, calling DriverEntry and DriverUnload
 * inside guard frames, and reclaiming (and reporting) what a driver leaves behind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "cm/cm.h"
#include "core/report.h"
#include "ex/ex.h"
#include "io/irp_private.h"
#include "ke/ke.h"
#include "rtl/format.h"
#include "rtl/seh.h"

static const WCHAR io_hardware_database_text[] = L"\\REGISTRY\\MACHINE\\HARDWARE\\DESCRIPTION\\SYSTEM";
static UNICODE_STRING io_hardware_database = {
    sizeof(io_hardware_database_text) - sizeof(WCHAR), sizeof(io_hardware_database_text),
    (PWCH)io_hardware_database_text};

const char *io_driver_display(PDRIVER_OBJECT driver)
{
    return driver != NULL ? io_driver_of(driver)->display : "";
}

NTSTATUS NTAPI io_invalid_device_request(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    Irp->IoStatus.Status = STATUS_INVALID_DEVICE_REQUEST;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_INVALID_DEVICE_REQUEST;
}

/* Makes a UTF-16 copy of prefix + name (ASCII prefix, UTF-8 name). */
static WCHAR *io_join_name(const char *prefix, const char *name, USHORT *bytes)
{
    size_t prefix_length = strlen(prefix);
    size_t name_length = strlen(name);
    WCHAR *buffer = malloc((prefix_length + name_length + 1) * sizeof(WCHAR));
    if (buffer == NULL)
        return NULL;
    for (size_t i = 0; i < prefix_length; i++)
        buffer[i] = (WCHAR)(unsigned char)prefix[i];
    ULONG written = 0;
    if (!NT_SUCCESS(RtlUTF8ToUnicodeN(buffer + prefix_length, (ULONG)(name_length * sizeof(WCHAR)), &written, name,
                                      (ULONG)name_length))) {
        free(buffer);
        return NULL;
    }
    size_t total = prefix_length + written / sizeof(WCHAR);
    buffer[total] = 0;
    *bytes = (USHORT)(total * sizeof(WCHAR));
    return buffer;
}

static void io_driver_delete(void *body)
{
    io_driver *driver = body;
    free(driver->name_buffer);
    free(driver->service_buffer);
}

static void io_report_context(char *name, size_t size)
{
    PDRIVER_OBJECT current = ke_current_driver();
    snprintf(name, size, "%s", current != NULL ? io_driver_display(current) : "");
}

/* ---- calling into the driver ------------------------------------------------------------- */

typedef struct io_entry_call {
    PDRIVER_INITIALIZE entry;
    PDRIVER_OBJECT driver;
    PUNICODE_STRING registry_path;
    NTSTATUS status;
} io_entry_call;

static void io_run_entry(void *context)
{
    io_entry_call *call = context;
    call->status = call->entry(call->driver, call->registry_path);
}

static void io_run_unload(void *context)
{
    PDRIVER_OBJECT driver = context;
    driver->DriverUnload(driver);
}

/* Runs fn inside a guard frame as driver code; reports an exception that escaped it. */
BOOLEAN io_driver_call_guarded(PDRIVER_OBJECT driver, const char *what, void (*fn)(void *), void *context,
                          NTSTATUS *code)
{
    PDRIVER_OBJECT previous = ke_enter_driver(driver);
    KIRQL irql = KeGetCurrentIrql();
    BOOLEAN ok = seh_guarded_call(fn, context, code);
    if (!ok && seh_guard_ended_by_bugcheck()) {
        ke_reset_irql(); /* KeBugCheckEx reported it */
    } else if (!ok) {
        char st[RP_STATUS_LEN];
        rp_finding("KMODE_EXCEPTION_NOT_HANDLED", *code, io_driver_display(driver), NULL,
                   "%s of %s raised exception %s and no __except handled it", what, io_driver_display(driver),
                   rp_status(*code, st));
        ke_reset_irql();
    } else if (KeGetCurrentIrql() != irql) {
        rp_finding("IRQL_MISMATCH", STATUS_SUCCESS, io_driver_display(driver), NULL,
                   "%s of %s returned at IRQL %u, entered at %u", what, io_driver_display(driver),
                   KeGetCurrentIrql(), irql);
        ke_reset_irql();
    }
    ke_leave_driver(previous);
    return ok;
}

/* ---- loading ---------------------------------------------------------------------------- */

static NTSTATUS io_check_driver_name(const char *name)
{
    size_t length = strlen(name);
    if (length == 0 || length >= sizeof(((io_driver *)0)->name))
        return STATUS_OBJECT_NAME_INVALID;
    if (strchr(name, '\\') != NULL || strchr(name, '/') != NULL)
        return STATUS_OBJECT_NAME_INVALID;
    return STATUS_SUCCESS;
}

/* ---- driver object extensions and reinitialization -------------------------------------- */

typedef struct io_client_extension {
    struct io_client_extension *next;
    PVOID client;   /* ClientIdentificationAddress */
    ULONG size;
    /* the extension follows, 16-byte aligned */
} io_client_extension;

#define IO_CLIENT_EXTENSION_HEADER ((sizeof(io_client_extension) + 15) & ~(size_t)15)

typedef struct io_reinit {
    struct io_reinit *next;
    PDRIVER_REINITIALIZE routine;
    PVOID context;
} io_reinit;

static BOOLEAN io_driver_arg(PDRIVER_OBJECT driver, const char *ddi)
{
    if (ob_type_of(driver) == OB_TYPE_DRIVER)
        return TRUE;
    rp_finding("INVALID_DRIVER_OBJECT", STATUS_INVALID_PARAMETER, NULL, NULL, "%s(%p): not a driver object", ddi,
               (void *)driver);
    return FALSE;
}

/* Extensions live as long as the driver object and are freed with it (never counted as the
 * driver's pool leaks: the I/O manager frees them). */
NTKERNELAPI NTSTATUS NTAPI IoAllocateDriverObjectExtension(PDRIVER_OBJECT DriverObject, PVOID ClientIdentificationAddress,
                                                           ULONG DriverObjectExtensionSize,
                                                           PVOID *DriverObjectExtension)
{
    if (DriverObjectExtension != NULL)
        *DriverObjectExtension = NULL;
    if (!io_driver_arg(DriverObject, "IoAllocateDriverObjectExtension") || DriverObjectExtension == NULL)
        return STATUS_INVALID_PARAMETER;
    io_driver *driver = io_driver_of(DriverObject);
    for (io_client_extension *e = driver->client_extensions; e != NULL; e = e->next) {
        if (e->client == ClientIdentificationAddress)
            return STATUS_OBJECT_NAME_COLLISION;
    }
    io_client_extension *e = calloc(1, IO_CLIENT_EXTENSION_HEADER + DriverObjectExtensionSize);
    if (e == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    e->client = ClientIdentificationAddress;
    e->size = DriverObjectExtensionSize;
    e->next = driver->client_extensions;
    driver->client_extensions = e;
    *DriverObjectExtension = (char *)e + IO_CLIENT_EXTENSION_HEADER;
    return STATUS_SUCCESS;
}

NTKERNELAPI PVOID NTAPI IoGetDriverObjectExtension(PDRIVER_OBJECT DriverObject, PVOID ClientIdentificationAddress)
{
    if (!io_driver_arg(DriverObject, "IoGetDriverObjectExtension"))
        return NULL;
    for (io_client_extension *e = io_driver_of(DriverObject)->client_extensions; e != NULL; e = e->next) {
        if (e->client == ClientIdentificationAddress)
            return (char *)e + IO_CLIENT_EXTENSION_HEADER;
    }
    return NULL;
}

/* The routine runs once DriverEntry has returned successfully (Windows: once every driver of
 * the boot phase has initialised), and again each time it registers itself again, with
 * DriverExtension->Count counting the calls. */
NTKERNELAPI VOID NTAPI IoRegisterDriverReinitialization(PDRIVER_OBJECT DriverObject,
                                                        PDRIVER_REINITIALIZE DriverReinitializationRoutine, PVOID Context)
{
    if (!io_driver_arg(DriverObject, "IoRegisterDriverReinitialization"))
        return;
    if (DriverReinitializationRoutine == NULL) {
        rp_finding("INVALID_PARAMETER", STATUS_INVALID_PARAMETER, io_driver_display(DriverObject), NULL,
                   "IoRegisterDriverReinitialization with a NULL routine");
        return;
    }
    io_reinit *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return;
    r->routine = DriverReinitializationRoutine;
    r->context = Context;
    io_driver *driver = io_driver_of(DriverObject);
    if (driver->reinit_last != NULL)
        driver->reinit_last->next = r;
    else
        driver->reinit_first = r;
    driver->reinit_last = r;
    DriverObject->Flags |= DRVO_REINIT_REGISTERED;
}

NTKERNELAPI VOID NTAPI IoRegisterBootDriverReinitialization(PDRIVER_OBJECT DriverObject,
                                                            PDRIVER_REINITIALIZE DriverReinitializationRoutine,
                                                            PVOID Context)
{
    IoRegisterDriverReinitialization(DriverObject, DriverReinitializationRoutine, Context);
}

typedef struct io_reinit_call {
    PDRIVER_OBJECT driver;
    io_reinit *reinit;
} io_reinit_call;

static void io_run_reinit(void *context)
{
    io_reinit_call *call = context;
    call->reinit->routine(call->driver, call->reinit->context, call->driver->DriverExtension->Count);
}

/* Runs the registered routines in order, including those they register; a driver that keeps
 * re-registering is stopped after 64 calls (Windows would call it at every later driver load). */
static void io_run_reinitialization(io_driver *driver)
{
    PDRIVER_OBJECT object = &driver->object;
    unsigned calls = 0;
    while (driver->reinit_first != NULL) {
        io_reinit *r = driver->reinit_first;
        driver->reinit_first = r->next;
        if (driver->reinit_first == NULL)
            driver->reinit_last = NULL;
        if (driver->reinit_first == NULL)
            object->Flags &= ~DRVO_REINIT_REGISTERED;
        if (++calls > 64) {
            rp_error(STATUS_UNSUCCESSFUL, "%s keeps registering its reinitialization routine; stopped after 64 calls",
                     driver->display);
            free(r);
            continue;
        }
        object->DriverExtension->Count++;
        io_reinit_call call = {object, r};
        NTSTATUS code;
        io_driver_call_guarded(object, "the reinitialization routine", io_run_reinit, &call, &code);
        free(r);
    }
}

static void io_free_driver(io_driver *driver)
{
    while (driver->client_extensions != NULL) {
        io_client_extension *next = driver->client_extensions->next;
        free(driver->client_extensions);
        driver->client_extensions = next;
    }
    while (driver->reinit_first != NULL) {
        io_reinit *next = driver->reinit_first->next;
        free(driver->reinit_first);
        driver->reinit_first = next;
    }
    driver->reinit_last = NULL;
    ob_remove_name(driver);
    if (driver->has_lib) {
        plat_dlclose(&driver->lib);
        driver->has_lib = FALSE;
    }
    ob_dereference(driver);
}

static void io_clear_initializing(PDRIVER_OBJECT driver)
{
    for (PDEVICE_OBJECT device = driver->DeviceObject; device != NULL; device = device->NextDevice)
        device->Flags &= ~DO_DEVICE_INITIALIZING;
}

static NTSTATUS io_start_driver(PDRIVER_INITIALIZE entry, const char *name, plat_lib *lib, wdmemu_driver **out)
{
    char st[RP_STATUS_LEN];
    NTSTATUS status = io_check_driver_name(name);
    if (!NT_SUCCESS(status) && lib != NULL)
        plat_dlclose(lib);
    if (!NT_SUCCESS(status))
        return rp_error(status, "loading driver \"%s\": a driver name must be 1-127 characters without '\\' or '/'",
                        name);

    io_driver *driver = ob_create(OB_TYPE_DRIVER, sizeof(io_driver), io_driver_delete);
    if (driver == NULL) {
        if (lib != NULL)
            plat_dlclose(lib);
        return rp_error(STATUS_INSUFFICIENT_RESOURCES, "loading driver %s", name);
    }
    if (lib != NULL) {
        driver->lib = *lib;
        driver->has_lib = TRUE;
    }
    snprintf(driver->name, sizeof(driver->name), "%s", name);
    snprintf(driver->display, sizeof(driver->display), "\\Driver\\%s", name);

    PDRIVER_OBJECT object = &driver->object;
    object->Type = IO_TYPE_DRIVER;
    object->Size = sizeof(DRIVER_OBJECT);
    object->Flags = DRVO_LEGACY_DRIVER;
    object->DriverExtension = &driver->extension;
    object->DriverInit = entry;
    object->DriverStart = (PVOID)(ULONG_PTR)entry;
    object->HardwareDatabase = &io_hardware_database;
    driver->extension.DriverObject = object;
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        object->MajorFunction[i] = io_invalid_device_request;

    USHORT bytes = 0;
    driver->name_buffer = io_join_name("\\Driver\\", name, &bytes);
    driver->service_buffer = io_join_name("", name, &bytes);
    USHORT registry_bytes = 0;
    WCHAR *registry = io_join_name("\\Registry\\Machine\\System\\CurrentControlSet\\Services\\", name, &registry_bytes);
    if (driver->name_buffer == NULL || driver->service_buffer == NULL || registry == NULL) {
        free(registry);
        io_free_driver(driver);
        return rp_error(STATUS_INSUFFICIENT_RESOURCES, "loading driver %s", name);
    }
    RtlInitUnicodeString(&object->DriverName, driver->name_buffer);
    RtlInitUnicodeString(&driver->extension.ServiceKeyName, driver->service_buffer);

    status = ob_insert_name(driver, object->DriverName.Buffer, object->DriverName.Length / sizeof(WCHAR));
    if (!NT_SUCCESS(status)) {
        free(registry);
        if (status == STATUS_OBJECT_NAME_COLLISION)
            status = STATUS_IMAGE_ALREADY_LOADED;
        rp_error(status, "loading driver %s: a driver named %s is already loaded", name, driver->display);
        io_free_driver(driver);
        return status;
    }

    /* The service key exists before DriverEntry, as on Windows (tests may already have put
     * values under it). */
    cm_create_key_path(registry, registry_bytes / sizeof(WCHAR));

    /* RegistryPath is valid only during DriverEntry, as on Windows: it is freed afterwards so
     * that a driver keeping the pointer is caught by AddressSanitizer. */
    UNICODE_STRING registry_path = {registry_bytes, (USHORT)(registry_bytes + sizeof(WCHAR)), registry};
    io_entry_call call = {entry, object, &registry_path, STATUS_SUCCESS};
    EV_EMIT(.kind = EV_DRIVER_ENTRY, .driver = object);
    rp_info("calling DriverEntry of %s", driver->display);
    NTSTATUS code;
    if (!io_driver_call_guarded(object, "DriverEntry", io_run_entry, &call, &code))
        call.status = code;
    free(registry);
    EV_EMIT(.kind = EV_DRIVER_ENTRY_RETURNED, .driver = object, .status = call.status);

    if (!NT_SUCCESS(call.status)) {
        rp_error(call.status, "DriverEntry of %s failed with %s; the driver is unloaded", driver->display,
                 rp_status(call.status, st));
        io_driver_reclaim(driver, "after its DriverEntry failed");
        io_irp_reclaim_driver(object, driver->display, "after its DriverEntry failed");
        ex_pool_reclaim_driver(object, driver->display, "after its DriverEntry failed");
        io_free_driver(driver);
        return call.status;
    }
    rp_info("DriverEntry of %s returned %s", driver->display, rp_status(call.status, st));
    /* Legacy drivers get DO_DEVICE_INITIALIZING cleared for them once DriverEntry returns. */
    io_clear_initializing(object);
    driver->started = TRUE;
    object->Flags |= DRVO_INITIALIZED;
    io_run_reinitialization(driver);
    *out = (wdmemu_driver *)driver;
    return call.status;
}

/* The default driver name: file name without directory, extension and (on ELF/Mach-O) "lib". */
static void io_name_from_path(const char *path, char *name, size_t size)
{
    const char *base = path;
    for (const char *p = path; *p != '\0'; p++) {
        if (*p == '/' || *p == '\\')
            base = p + 1;
    }
    snprintf(name, size, "%s", base);
    char *dot = strrchr(name, '.');
    BOOLEAN elf_style = FALSE;
    if (dot != NULL && dot != name) {
        elf_style = strcmp(dot, ".so") == 0 || strcmp(dot, ".dylib") == 0;
        *dot = '\0';
    }
    if (elf_style && strncmp(name, "lib", 3) == 0 && name[3] != '\0')
        memmove(name, name + 3, strlen(name + 3) + 1);
}

WDMEMU_API NTSTATUS wdmemu_driver_load(const char *module_path, const char *name, wdmemu_driver **out)
{
    if (out == NULL || module_path == NULL)
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_driver_load: module path and result pointer are required");
    *out = NULL;
    wdmemu_init();

    int rc = plat_path_exists(module_path);
    if (rc != 0)
        return rp_error(STATUS_DLL_NOT_FOUND, "wdmemu_driver_load: cannot find driver module %s (%s)", module_path,
                        plat_strerror(rc));

    plat_lib lib;
    if (plat_dlopen(module_path, &lib) != 0) {
        NTSTATUS status = rp_error(STATUS_INVALID_IMAGE_FORMAT, "wdmemu_driver_load: cannot load %s: %s",
                                   module_path, plat_dlerror(&lib));
        plat_dlclose(&lib);
        return status;
    }
    void *symbol = NULL;
    if (plat_dlsym(&lib, "DriverEntry", &symbol) != 0 || symbol == NULL) {
        plat_dlclose(&lib);
        return rp_error(STATUS_ENTRYPOINT_NOT_FOUND,
                        "wdmemu_driver_load: %s exports no DriverEntry (a C++ driver must declare it extern \"C\")",
                        module_path);
    }
    char derived[128];
    if (name == NULL) {
        io_name_from_path(module_path, derived, sizeof(derived));
        name = derived;
    }
    PDRIVER_INITIALIZE entry;
    memcpy(&entry, &symbol, sizeof(entry));
    return io_start_driver(entry, name, &lib, out);
}

WDMEMU_API NTSTATUS wdmemu_driver_load_entry(PDRIVER_INITIALIZE entry, const char *name, wdmemu_driver **out)
{
    if (out == NULL || entry == NULL || name == NULL)
        return rp_error(STATUS_INVALID_PARAMETER,
                        "wdmemu_driver_load_entry: entry point, name and result pointer are required");
    *out = NULL;
    wdmemu_init();
    return io_start_driver(entry, name, NULL, out);
}

static io_driver *io_host_driver(const wdmemu_driver *handle)
{
    io_driver *driver = (io_driver *)handle;
    if (handle == NULL || ob_type_of(handle) != OB_TYPE_DRIVER || !driver->started || driver->unloaded)
        return NULL;
    return driver;
}

WDMEMU_API NTSTATUS wdmemu_driver_unload(wdmemu_driver *handle)
{
    io_driver *driver = io_host_driver(handle);
    if (driver == NULL)
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_driver_unload: %p is not a loaded driver", (void *)handle);
    PDRIVER_OBJECT object = &driver->object;
    if (object->DriverUnload == NULL)
        return rp_error(STATUS_INVALID_DEVICE_REQUEST,
                        "cannot unload %s: it has no DriverUnload routine (as on Windows, it stays loaded)",
                        driver->display);
    /* A PnP driver is unloaded once its devices are removed: the PnP manager removes them first. */
    io_pnp_remove_driver_devices(object);
    object->Flags |= DRVO_UNLOAD_INVOKED;
    EV_EMIT(.kind = EV_DRIVER_UNLOAD, .driver = object);
    rp_info("calling DriverUnload of %s", driver->display);
    NTSTATUS code;
    io_driver_call_guarded(object, "DriverUnload", io_run_unload, object, &code);
    /* Devices first: freeing a device frees pool it owns (its IO_TIMER). */
    size_t leftovers = io_driver_reclaim(driver, "after DriverUnload");
    leftovers += io_irp_reclaim_driver(object, driver->display, "after DriverUnload");
    leftovers += ex_pool_reclaim_driver(object, driver->display, "after DriverUnload");
    driver->unloaded = TRUE;
    EV_EMIT(.kind = EV_DRIVER_UNLOADED, .driver = object);
    io_free_driver(driver);
    return leftovers == 0 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

WDMEMU_API PDRIVER_OBJECT wdmemu_driver_object(const wdmemu_driver *handle)
{
    io_driver *driver = io_host_driver(handle);
    return driver != NULL ? &driver->object : NULL;
}

WDMEMU_API const char *wdmemu_driver_name(const wdmemu_driver *handle)
{
    io_driver *driver = io_host_driver(handle);
    return driver != NULL ? driver->name : "";
}

/* ---- teardown ---------------------------------------------------------------------------- */

static void io_collect(void *body, void *context)
{
    void ***cursor = context;
    **cursor = body;
    (*cursor)++;
}

static void io_count(void *body, void *context)
{
    (void)body;
    (*(size_t *)context)++;
}

/* Removes the drivers that are still loaded without calling their code. */
static void io_force_unload_all(void)
{
    size_t count = 0;
    ob_for_each(OB_TYPE_DRIVER, io_count, &count);
    if (count == 0)
        return;
    void **drivers = calloc(count, sizeof(void *));
    void **cursor = drivers;
    ob_for_each(OB_TYPE_DRIVER, io_collect, &cursor);
    for (size_t i = 0; i < count; i++) {
        io_driver *driver = drivers[i];
        if (!driver->started || driver->unloaded || driver->builtin)
            continue;
        rp_finding("DRIVER_NOT_UNLOADED", STATUS_SUCCESS, driver->display, NULL,
                   "%s was still loaded at shutdown; its objects are freed without calling DriverUnload",
                   driver->display);
        io_driver_reclaim(driver, "at shutdown");
        io_irp_reclaim_driver(&driver->object, driver->display, "at shutdown");
        ex_pool_reclaim_driver(&driver->object, driver->display, "at shutdown");
        driver->unloaded = TRUE;
        io_free_driver(driver);
    }
    free(drivers);
}

NTSTATUS io_driver_load_builtin(PDRIVER_INITIALIZE entry, const char *name, PDRIVER_OBJECT *out)
{
    wdmemu_driver *handle = NULL;
    NTSTATUS status = io_start_driver(entry, name, NULL, &handle);
    if (!NT_SUCCESS(status))
        return status;
    io_driver *driver = (io_driver *)handle;
    driver->builtin = TRUE;
    *out = &driver->object;
    return STATUS_SUCCESS;
}

void io_driver_unload_builtin(PDRIVER_OBJECT object)
{
    io_driver *driver = io_driver_of(object);
    if (driver->unloaded)
        return;
    object->DriverUnload(object);
    io_driver_reclaim(driver, "at shutdown");
    driver->unloaded = TRUE;
    io_free_driver(driver);
}

void io_init(void)
{
    rp_set_context_provider(io_report_context);
}

void io_shutdown(void)
{
    io_request_shutdown();
    io_force_unload_all();
    io_pnp_shutdown();
    io_device_reset_names();
    io_shutdown_reset();
    io_file_reset_serials();
    io_irp_shutdown();
}
