/* ob/ref.c: the object-manager DDIs drivers call on object pointers: ObReferenceObject,
 * ObDereferenceObject (with and without tags), ObGetObjectPointerCount.  A pointer that is not
 * a live object is reported instead of corrupting memory. */
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
