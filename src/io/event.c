/* io/event.c: event objects reached through handles: IoCreateNotificationEvent and
 * IoCreateSynchronizationEvent (named events in \BaseNamedObjects), ZwSetEvent,
 * ZwWaitForSingleObject, and the host's side: creating an event a test passes to a driver by
 * handle (as an application passes one in an IOCTL) and waiting on it. */
#include <stdlib.h>
#include <string.h>

#include "core/report.h"
#include "io/io.h"
#include "ke/ke.h"

static PKEVENT io_event_new(EVENT_TYPE type, BOOLEAN state)
{
    PKEVENT event = ob_create(OB_TYPE_EVENT, sizeof(KEVENT), NULL);
    if (event != NULL)
        KeInitializeEvent(event, type, state);
    return event;
}

/* Opens the named event in \BaseNamedObjects, creating it (signalled, as documented) first. */
static PKEVENT io_create_named_event(PUNICODE_STRING EventName, PHANDLE EventHandle, EVENT_TYPE type)
{
    if (EventName == NULL || EventName->Buffer == NULL || EventHandle == NULL || EventName->Length == 0)
        return NULL;
    static const WCHAR prefix[] = L"\\BaseNamedObjects\\";
    const WCHAR *name = EventName->Buffer;
    size_t length = EventName->Length / sizeof(WCHAR);
    WCHAR *full = NULL;
    if (name[0] != L'\\') {
        size_t p = RTL_NUMBER_OF(prefix) - 1;
        full = malloc((p + length) * sizeof(WCHAR));
        if (full == NULL)
            return NULL;
        memcpy(full, prefix, p * sizeof(WCHAR));
        memcpy(full + p, name, length * sizeof(WCHAR));
        name = full;
        length += p;
    }
    PKEVENT event = NULL;
    ob_lookup_result found;
    if (NT_SUCCESS(ob_lookup(name, length, OB_LOOKUP_FOLLOW_LAST, &found))) {
        if (ob_type_of(found.object) == OB_TYPE_EVENT && found.remainder == NULL) {
            event = found.object;
            ob_reference(event);
        }
        ob_lookup_release(&found);
    } else {
        event = io_event_new(type, TRUE);
        if (event != NULL && !NT_SUCCESS(ob_insert_name(event, name, length))) {
            ob_dereference(event);
            event = NULL;
        }
        /* A named event lives while it has a name: keep the creation reference as the name's. */
        if (event != NULL)
            ob_reference(event);
    }
    free(full);
    if (event == NULL)
        return NULL;
    if (!NT_SUCCESS(ob_handle_open(event, EVENT_ALL_ACCESS, EventHandle))) {
        ob_dereference(event);
        return NULL;
    }
    ob_dereference(event); /* the handle holds it now */
    return event;
}

NTKERNELAPI PKEVENT NTAPI IoCreateNotificationEvent(PUNICODE_STRING EventName, PHANDLE EventHandle)
{
    return io_create_named_event(EventName, EventHandle, NotificationEvent);
}

NTKERNELAPI PKEVENT NTAPI IoCreateSynchronizationEvent(PUNICODE_STRING EventName, PHANDLE EventHandle)
{
    return io_create_named_event(EventName, EventHandle, SynchronizationEvent);
}

NTSYSAPI NTSTATUS NTAPI ZwSetEvent(HANDLE EventHandle, PLONG PreviousState)
{
    PKEVENT event;
    NTSTATUS status = ob_handle_reference(EventHandle, OB_TYPE_EVENT, EVENT_MODIFY_STATE, (void **)&event, NULL);
    if (!NT_SUCCESS(status))
        return status;
    LONG previous = KeSetEvent(event, IO_NO_INCREMENT, FALSE);
    if (PreviousState != NULL)
        *PreviousState = previous;
    ob_dereference(event);
    return STATUS_SUCCESS;
}

NTSYSAPI NTSTATUS NTAPI ZwWaitForSingleObject(HANDLE Handle, BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    void *object;
    NTSTATUS status = ob_handle_reference(Handle, OB_TYPE_NONE, SYNCHRONIZE, &object, NULL);
    if (!NT_SUCCESS(status))
        return status;
    ob_type type = ob_type_of(object);
    if (type != OB_TYPE_EVENT && type != OB_TYPE_THREAD) {
        ob_dereference(object);
        return STATUS_OBJECT_TYPE_MISMATCH;
    }
    status = KeWaitForSingleObject(object, Executive, KernelMode, Alertable, Timeout);
    ob_dereference(object);
    return status;
}

/* ---- host API ------------------------------------------------------------------------------ */

WDMEMU_API NTSTATUS wdmemu_event_create(BOOLEAN notification, BOOLEAN signalled, HANDLE *handle)
{
    if (handle == NULL)
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_event_create: the handle pointer is required");
    wdmemu_init();
    PKEVENT event = io_event_new(notification ? NotificationEvent : SynchronizationEvent, signalled);
    if (event == NULL)
        return rp_error(STATUS_INSUFFICIENT_RESOURCES, "wdmemu_event_create");
    NTSTATUS status = ob_handle_open(event, EVENT_ALL_ACCESS, handle);
    ob_dereference(event);
    return status;
}

WDMEMU_API NTSTATUS wdmemu_event_wait(HANDLE handle, int64_t timeout_ms)
{
    LARGE_INTEGER timeout = {.QuadPart = -timeout_ms * 10000LL};
    NTSTATUS status = ZwWaitForSingleObject(handle, FALSE, timeout_ms < 0 ? NULL : &timeout);
    if (status == STATUS_INVALID_HANDLE || status == STATUS_OBJECT_TYPE_MISMATCH)
        return rp_error(status, "wdmemu_event_wait(%p)", handle);
    return status;
}

WDMEMU_API LONG wdmemu_event_state(HANDLE handle)
{
    PKEVENT event;
    if (!NT_SUCCESS(ob_handle_reference(handle, OB_TYPE_EVENT, 0, (void **)&event, NULL)))
        return -1;
    LONG state = KeReadStateEvent(event);
    ob_dereference(event);
    return state;
}

WDMEMU_API NTSTATUS wdmemu_handle_close(HANDLE handle)
{
    NTSTATUS status = ob_handle_close(handle);
    if (!NT_SUCCESS(status))
        return rp_error(status, "wdmemu_handle_close(%p): not an open handle", handle);
    return status;
}
