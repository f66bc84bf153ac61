/* ob/ref.c: the object-manager DDIs drivers call on object pointers: ObReferenceObject,
 * ObDereferenceObject (with and without tags), ObGetObjectPointerCount, ObQueryNameString and
 * ObMakeTemporaryObject (the name leaves the namespace at once, not at the last handle close).  A pointer that is not
 * a live object is reported instead of corrupting memory. */
#include <string.h>

#include "core/report.h"
#include "ob/ob.h"

static BOOLEAN ob_check(PVOID Object, const char *ddi)
{
    if (ob_type_of(Object) != OB_TYPE_NONE)
        return TRUE;
    rp_finding("INVALID_OBJECT_REFERENCE", STATUS_INVALID_PARAMETER, NULL, NULL,
               "%s(%p): not a live object (already freed, or never an object); an unbalanced "
               "ObDereferenceObject is the usual cause", ddi, Object);
    return FALSE;
}

NTKERNELAPI LONG_PTR FASTCALL ObfReferenceObject(PVOID Object)
{
    return ob_check(Object, "ObReferenceObject") ? ob_reference(Object) : 0;
}

NTKERNELAPI LONG_PTR FASTCALL ObfDereferenceObject(PVOID Object)
{
    return ob_check(Object, "ObDereferenceObject") ? ob_dereference(Object) : 0;
}

NTKERNELAPI LONG_PTR FASTCALL ObfReferenceObjectWithTag(PVOID Object, ULONG Tag)
{
    (void)Tag;
    return ob_check(Object, "ObReferenceObjectWithTag") ? ob_reference(Object) : 0;
}

NTKERNELAPI LONG_PTR FASTCALL ObfDereferenceObjectWithTag(PVOID Object, ULONG Tag)
{
    (void)Tag;
    return ob_check(Object, "ObDereferenceObjectWithTag") ? ob_dereference(Object) : 0;
}

NTKERNELAPI VOID NTAPI ObDereferenceObjectDeferDelete(PVOID Object)
{
    if (ob_check(Object, "ObDereferenceObjectDeferDelete"))
        ob_dereference(Object);
}

NTKERNELAPI VOID NTAPI ObDereferenceObjectDeferDeleteWithTag(PVOID Object, ULONG Tag)
{
    (void)Tag;
    if (ob_check(Object, "ObDereferenceObjectDeferDeleteWithTag"))
        ob_dereference(Object);
}

NTKERNELAPI LONG_PTR NTAPI ObGetObjectPointerCount(PVOID Object)
{
    return ob_check(Object, "ObGetObjectPointerCount") ? ob_pointer_count(Object) : 0;
}

/* The object's full name ("\Device\Zero"), an empty name for an unnamed object.  The buffer
 * holds the OBJECT_NAME_INFORMATION followed by the name and a terminating NUL, as Windows
 * lays it out; too small a buffer gives STATUS_INFO_LENGTH_MISMATCH and the size needed. */
NTKERNELAPI NTSTATUS NTAPI ObQueryNameString(PVOID Object, POBJECT_NAME_INFORMATION ObjectNameInfo, ULONG Length,
                                             PULONG ReturnLength)
{
    if (!ob_check(Object, "ObQueryNameString"))
        return STATUS_INVALID_PARAMETER;
    size_t chars = 0;
    const WCHAR *name = ob_name(Object, &chars);
    if (name == NULL)
        chars = 0;
    ULONG needed = (ULONG)(sizeof(OBJECT_NAME_INFORMATION) + (name != NULL ? (chars + 1) * sizeof(WCHAR) : 0));
    if (ReturnLength != NULL)
        *ReturnLength = needed;
    if (ObjectNameInfo == NULL || Length < needed)
        return STATUS_INFO_LENGTH_MISMATCH;
    if (name == NULL) {
        ObjectNameInfo->Name.Length = ObjectNameInfo->Name.MaximumLength = 0;
        ObjectNameInfo->Name.Buffer = NULL;
        return STATUS_SUCCESS;
    }
    PWCH buffer = (PWCH)(ObjectNameInfo + 1);
    memcpy(buffer, name, chars * sizeof(WCHAR));
    buffer[chars] = 0;
    ObjectNameInfo->Name.Buffer = buffer;
    ObjectNameInfo->Name.Length = (USHORT)(chars * sizeof(WCHAR));
    ObjectNameInfo->Name.MaximumLength = (USHORT)((chars + 1) * sizeof(WCHAR));
    return STATUS_SUCCESS;
}

/* The name leaves the namespace now; the object itself lives on while referenced. */
NTKERNELAPI VOID NTAPI ObMakeTemporaryObject(PVOID Object)
{
    if (ob_check(Object, "ObMakeTemporaryObject"))
        ob_remove_name(Object);
}
