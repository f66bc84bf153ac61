/* ke/dispatcher.c: initialising dispatcher objects and device queues to their documented
 * layouts (Header.Type, SignalState, empty wait and entry lists).  Signalling and waiting are
 * built on these layouts by the scheduler. */
#include <wdm.h>

/* DISPATCHER_HEADER.Type values. */
#define KE_EVENT_NOTIFICATION 0
#define KE_EVENT_SYNCHRONIZATION 1

NTKERNELAPI VOID NTAPI KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State)
{
    Event->Header.Lock = 0;
    Event->Header.Type = (UCHAR)(Type == NotificationEvent ? KE_EVENT_NOTIFICATION : KE_EVENT_SYNCHRONIZATION);
    Event->Header.Size = (UCHAR)(sizeof(KEVENT) / sizeof(LONG));
    Event->Header.SignalState = State ? 1 : 0;
    InitializeListHead(&Event->Header.WaitListHead);
}

NTKERNELAPI LONG NTAPI KeReadStateEvent(PRKEVENT Event)
{
    return Event->Header.SignalState;
}

NTKERNELAPI VOID NTAPI KeInitializeDeviceQueue(PKDEVICE_QUEUE DeviceQueue)
{
    DeviceQueue->Type = 20; /* DeviceQueueObject */
    DeviceQueue->Size = (CSHORT)sizeof(KDEVICE_QUEUE);
    InitializeListHead(&DeviceQueue->DeviceListHead);
    DeviceQueue->Lock = 0;
    DeviceQueue->Busy = FALSE;
}
