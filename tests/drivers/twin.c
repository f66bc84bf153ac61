/* twin: built twice (twin_a, twin_b) to show that two drivers defining the same global names
 * (DriverEntry, TwinCounter, TwinName) each get their own when loaded into one process. */
#include <ntddk.h>

#ifndef TWIN_TAG
#error "build with -DTWIN_TAG=..."
#endif

LONG TwinCounter;
const char *TwinName = TWIN_TAG;

static VOID NTAPI TwinUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("twin %s: counter %d\n", TwinName, (int)TwinCounter);
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    InterlockedIncrement(&TwinCounter);
    DriverObject->DriverUnload = TwinUnload;
    /* Each module sees its own counter: 1 on first load, whatever the other module did. */
    return TwinCounter == 1 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}
