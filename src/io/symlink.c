/* io/symlink.c: symbolic links in the object namespace (IoCreateSymbolicLink,
 * IoCreateUnprotectedSymbolicLink, IoDeleteSymbolicLink), remembering which driver made each
 * link so that a link left behind at unload can be reported. */
#include <stdlib.h>

#include "core/event.h"
#include "core/report.h"
#include "io/io.h"
#include "ke/ke.h"
#include "rtl/format.h"

static NTSTATUS io_check_string(PUNICODE_STRING s)
{
    if (s == NULL || s->Buffer == NULL || s->Length == 0 || (s->Length & 1) != 0 || s->Length > s->MaximumLength)
        return STATUS_OBJECT_NAME_INVALID;
    return STATUS_SUCCESS;
}

static NTSTATUS io_create_link(PUNICODE_STRING SymbolicLinkName, PUNICODE_STRING DeviceName)
{
    NTSTATUS status = io_check_string(SymbolicLinkName);
    if (NT_SUCCESS(status))
        status = io_check_string(DeviceName);
    if (!NT_SUCCESS(status))
        return status;
    void *link = NULL;
    status = ob_symlink_create(SymbolicLinkName->Buffer, SymbolicLinkName->Length / sizeof(WCHAR), DeviceName->Buffer,
                               DeviceName->Length / sizeof(WCHAR), ke_current_driver(), &link);
    if (NT_SUCCESS(status)) {
        EV_EMIT(.kind = EV_SYMLINK_CREATED, .driver = ke_current_driver());
    }
    return status;
}

NTKERNELAPI NTSTATUS NTAPI IoCreateSymbolicLink(PUNICODE_STRING SymbolicLinkName, PUNICODE_STRING DeviceName)
{
    return io_create_link(SymbolicLinkName, DeviceName);
}

NTKERNELAPI NTSTATUS NTAPI IoCreateUnprotectedSymbolicLink(PUNICODE_STRING SymbolicLinkName, PUNICODE_STRING DeviceName)
{
    return io_create_link(SymbolicLinkName, DeviceName);
}

NTKERNELAPI NTSTATUS NTAPI IoDeleteSymbolicLink(PUNICODE_STRING SymbolicLinkName)
{
    NTSTATUS status = io_check_string(SymbolicLinkName);
    if (!NT_SUCCESS(status))
        return status;
    ob_lookup_result found;
    status = ob_lookup(SymbolicLinkName->Buffer, SymbolicLinkName->Length / sizeof(WCHAR), OB_LOOKUP_NOFOLLOW_LAST,
                       &found);
    if (!NT_SUCCESS(status))
        return status;
    if (ob_type_of(found.object) != OB_TYPE_SYMLINK || found.remainder != NULL) {
        ob_lookup_release(&found);
        return STATUS_OBJECT_TYPE_MISMATCH;
    }
    void *link = found.object;
    ob_remove_name(link);
    EV_EMIT(.kind = EV_SYMLINK_DELETED, .driver = ke_current_driver());
    ob_lookup_release(&found);
    ob_dereference(link); /* the permanent reference taken at creation */
    return STATUS_SUCCESS;
}

WDMEMU_API NTSTATUS wdmemu_symlink_target(const char *link_name, char *buffer, size_t size)
{
    if (buffer != NULL && size != 0)
        buffer[0] = '\0';
    ob_lookup_result found;
    NTSTATUS status = io_host_lookup("wdmemu_symlink_target", link_name, OB_LOOKUP_NOFOLLOW_LAST, OB_TYPE_SYMLINK,
                                     "a symbolic link", &found);
    if (!NT_SUCCESS(status))
        return status;
    size_t target_length;
    const WCHAR *target = ob_symlink_target(found.object, &target_length);
    UNICODE_STRING t = {(USHORT)(target_length * sizeof(WCHAR)), (USHORT)(target_length * sizeof(WCHAR)), (PWCH)target};
    if (buffer != NULL && size != 0)
        rtl_format(buffer, size, "%wZ", &t);
    ob_lookup_release(&found);
    return STATUS_SUCCESS;
}
