/* wdm/io.h: the I/O manager routines (Io*) and the WDK's inline helpers for walking IRP stack
 * locations, setting completion and cancel routines and marking IRPs pending. */
#ifndef WDMEMU_DDK_WDM_IO_H
#define WDMEMU_DDK_WDM_IO_H

WDMEMU_BEGIN_DECLS

/* ---- objects: devices, links, drivers -------------------------------------------------------- */
NTKERNELAPI NTSTATUS NTAPI IoCreateDevice(_In_ PDRIVER_OBJECT DriverObject, _In_ ULONG DeviceExtensionSize,
                                          _In_opt_ PUNICODE_STRING DeviceName, _In_ DEVICE_TYPE DeviceType,
                                          _In_ ULONG DeviceCharacteristics, _In_ BOOLEAN Exclusive,
                                          _Outptr_result_nullonfailure_ PDEVICE_OBJECT *DeviceObject);
NTKERNELAPI VOID NTAPI IoDeleteDevice(_In_ PDEVICE_OBJECT DeviceObject);
NTKERNELAPI NTSTATUS NTAPI IoCreateSymbolicLink(_In_ PUNICODE_STRING SymbolicLinkName, _In_ PUNICODE_STRING DeviceName);
NTKERNELAPI NTSTATUS NTAPI IoCreateUnprotectedSymbolicLink(_In_ PUNICODE_STRING SymbolicLinkName,
                                                           _In_ PUNICODE_STRING DeviceName);
NTKERNELAPI NTSTATUS NTAPI IoDeleteSymbolicLink(_In_ PUNICODE_STRING SymbolicLinkName);
NTKERNELAPI NTSTATUS NTAPI IoGetDeviceObjectPointer(_In_ PUNICODE_STRING ObjectName, _In_ ACCESS_MASK DesiredAccess,
                                                    _Out_ PFILE_OBJECT *FileObject, _Out_ PDEVICE_OBJECT *DeviceObject);
NTKERNELAPI PDEVICE_OBJECT NTAPI IoAttachDeviceToDeviceStack(_In_ PDEVICE_OBJECT SourceDevice,
                                                             _In_ PDEVICE_OBJECT TargetDevice);
NTKERNELAPI NTSTATUS NTAPI IoAttachDeviceToDeviceStackSafe(_In_ PDEVICE_OBJECT SourceDevice,
                                                           _In_ PDEVICE_OBJECT TargetDevice,
                                                           _Outptr_ PDEVICE_OBJECT *AttachedToDeviceObject);
NTKERNELAPI NTSTATUS NTAPI IoAttachDevice(_In_ PDEVICE_OBJECT SourceDevice, _In_ PUNICODE_STRING TargetDevice,
                                          _Out_ PDEVICE_OBJECT *AttachedDevice);
NTKERNELAPI VOID NTAPI IoDetachDevice(_Inout_ PDEVICE_OBJECT TargetDevice);
NTKERNELAPI PDEVICE_OBJECT NTAPI IoGetAttachedDevice(_In_ PDEVICE_OBJECT DeviceObject);
NTKERNELAPI PDEVICE_OBJECT NTAPI IoGetAttachedDeviceReference(_In_ PDEVICE_OBJECT DeviceObject);
NTKERNELAPI PDEVICE_OBJECT NTAPI IoGetLowerDeviceObject(_In_ PDEVICE_OBJECT DeviceObject);
NTKERNELAPI PDEVICE_OBJECT NTAPI IoGetRelatedDeviceObject(_In_ PFILE_OBJECT FileObject);
NTKERNELAPI PDEVICE_OBJECT NTAPI IoGetDeviceAttachmentBaseRef(_In_ PDEVICE_OBJECT DeviceObject);
NTKERNELAPI NTSTATUS NTAPI IoEnumerateDeviceObjectList(_In_ PDRIVER_OBJECT DriverObject,
                                                       _Out_writes_bytes_to_opt_(DeviceObjectListSize, (*ActualNumberDeviceObjects) * sizeof(PDEVICE_OBJECT)) PDEVICE_OBJECT *DeviceObjectList,
                                                       _In_ ULONG DeviceObjectListSize,
                                                       _Out_ PULONG ActualNumberDeviceObjects);
NTKERNELAPI NTSTATUS NTAPI IoAllocateDriverObjectExtension(_In_ PDRIVER_OBJECT DriverObject,
                                                           _In_ PVOID ClientIdentificationAddress,
                                                           _In_ ULONG DriverObjectExtensionSize,
                                                           _Post_ _At_(*DriverObjectExtension, _When_(return == 0, __drv_aliasesMem _Post_notnull_ _Post_writable_byte_size_(DriverObjectExtensionSize))) PVOID *DriverObjectExtension);
NTKERNELAPI PVOID NTAPI IoGetDriverObjectExtension(_In_ PDRIVER_OBJECT DriverObject, _In_ PVOID ClientIdentificationAddress);
NTKERNELAPI VOID NTAPI IoRegisterDriverReinitialization(_In_ PDRIVER_OBJECT DriverObject,
                                                        _In_ PDRIVER_REINITIALIZE DriverReinitializationRoutine,
                                                        _In_opt_ PVOID Context);
NTKERNELAPI VOID NTAPI IoRegisterBootDriverReinitialization(_In_ PDRIVER_OBJECT DriverObject,
                                                        _In_ PDRIVER_REINITIALIZE DriverReinitializationRoutine,
                                                        _In_opt_ PVOID Context);
NTKERNELAPI NTSTATUS NTAPI IoRegisterShutdownNotification(_In_ PDEVICE_OBJECT DeviceObject);
NTKERNELAPI NTSTATUS NTAPI IoRegisterLastChanceShutdownNotification(_In_ PDEVICE_OBJECT DeviceObject);
NTKERNELAPI VOID NTAPI IoUnregisterShutdownNotification(_In_ PDEVICE_OBJECT DeviceObject);
NTKERNELAPI NTSTATUS NTAPI IoCreateFile(_Out_ PHANDLE FileHandle, _In_ ACCESS_MASK DesiredAccess,
                                        _In_ POBJECT_ATTRIBUTES ObjectAttributes, _Out_ PIO_STATUS_BLOCK IoStatusBlock,
                                        _In_opt_ PLARGE_INTEGER AllocationSize, _In_ ULONG FileAttributes,
                                        _In_ ULONG ShareAccess, _In_ ULONG Disposition, _In_ ULONG CreateOptions,
                                        _In_opt_ PVOID EaBuffer, _In_ ULONG EaLength, _In_ ULONG CreateFileType,
                                        _In_opt_ PVOID InternalParameters, _In_ ULONG Options);
NTKERNELAPI PEPROCESS NTAPI IoGetCurrentProcess(VOID);
NTKERNELAPI PEPROCESS NTAPI IoGetRequestorProcess(_In_ PIRP Irp);
NTKERNELAPI ULONG NTAPI IoGetRequestorProcessId(_In_ PIRP Irp);
NTKERNELAPI BOOLEAN NTAPI IoIsSystemThread(_In_ PETHREAD Thread);
NTKERNELAPI PIRP NTAPI IoGetTopLevelIrp(VOID);
NTKERNELAPI VOID NTAPI IoSetTopLevelIrp(_In_opt_ PIRP Irp);
NTKERNELAPI PDEVICE_OBJECT NTAPI IoGetDeviceToVerify(_In_ PETHREAD Thread);
NTKERNELAPI VOID NTAPI IoSetHardErrorOrVerifyDevice(_In_ PIRP Irp, _In_ PDEVICE_OBJECT DeviceObject);
NTKERNELAPI VOID NTAPI IoGetStackLimits(_Out_ PULONG_PTR LowLimit, _Out_ PULONG_PTR HighLimit);
NTKERNELAPI ULONG_PTR NTAPI IoGetRemainingStackSize(VOID);
NTKERNELAPI BOOLEAN NTAPI IoIsWdmVersionAvailable(_In_ UCHAR MajorVersion, _In_ UCHAR MinorVersion);

/* ---- IRPs ---------------------------------------------------------------------------------- */
#define IoSizeOfIrp(StackSize) ((USHORT)(sizeof(IRP) + ((StackSize) * (sizeof(IO_STACK_LOCATION)))))
NTKERNELAPI PIRP NTAPI IoAllocateIrp(_In_ CCHAR StackSize, _In_ BOOLEAN ChargeQuota);
NTKERNELAPI PIRP NTAPI IoAllocateIrpEx(_In_opt_ PDEVICE_OBJECT DeviceObject, _In_ CCHAR StackSize, _In_ BOOLEAN ChargeQuota);
NTKERNELAPI VOID NTAPI IoInitializeIrp(_Inout_updates_bytes_(PacketSize) PIRP Irp, _In_ USHORT PacketSize, _In_ CCHAR StackSize);
NTKERNELAPI VOID NTAPI IoReuseIrp(_Inout_ PIRP Irp, _In_ NTSTATUS Iostatus);
NTKERNELAPI VOID NTAPI IoFreeIrp(_In_ PIRP Irp);
NTKERNELAPI PIRP NTAPI IoMakeAssociatedIrp(_In_ PIRP Irp, _In_ CCHAR StackSize);
NTKERNELAPI NTSTATUS FASTCALL IofCallDriver(_In_ PDEVICE_OBJECT DeviceObject, _Inout_ PIRP Irp);
NTKERNELAPI VOID FASTCALL IofCompleteRequest(_In_ PIRP Irp, _In_ CCHAR PriorityBoost);
#define IoCallDriver(a, b) IofCallDriver(a, b)
#define IoCompleteRequest(a, b) IofCompleteRequest(a, b)
NTKERNELAPI NTSTATUS NTAPI PoCallDriver(_In_ PDEVICE_OBJECT DeviceObject, _Inout_ PIRP Irp);
NTKERNELAPI VOID NTAPI PoStartNextPowerIrp(_Inout_ PIRP Irp);
NTKERNELAPI BOOLEAN NTAPI IoCancelIrp(_In_ PIRP Irp);
NTKERNELAPI VOID NTAPI IoAcquireCancelSpinLock(_Out_ PKIRQL Irql);
NTKERNELAPI VOID NTAPI IoReleaseCancelSpinLock(_In_ KIRQL Irql);
NTKERNELAPI NTSTATUS NTAPI IoSetCompletionRoutineEx(_In_ PDEVICE_OBJECT DeviceObject, _In_ PIRP Irp,
                                                    _In_ PIO_COMPLETION_ROUTINE CompletionRoutine, _In_opt_ PVOID Context,
                                                    _In_ BOOLEAN InvokeOnSuccess, _In_ BOOLEAN InvokeOnError,
                                                    _In_ BOOLEAN InvokeOnCancel);
NTKERNELAPI BOOLEAN NTAPI IoForwardIrpSynchronously(_In_ PDEVICE_OBJECT DeviceObject, _In_ PIRP Irp);
#define IoForwardAndCatchIrp IoForwardIrpSynchronously
NTKERNELAPI NTSTATUS NTAPI IoSynchronousCallDriver(_In_ PDEVICE_OBJECT DeviceObject, _In_ PIRP Irp);
NTKERNELAPI BOOLEAN NTAPI IoIsOperationSynchronous(_In_ PIRP Irp);
NTKERNELAPI PIRP NTAPI IoBuildDeviceIoControlRequest(_In_ ULONG IoControlCode, _In_ PDEVICE_OBJECT DeviceObject,
                                                     _In_opt_ PVOID InputBuffer, _In_ ULONG InputBufferLength,
                                                     _Out_opt_ PVOID OutputBuffer, _In_ ULONG OutputBufferLength,
                                                     _In_ BOOLEAN InternalDeviceIoControl, _In_opt_ PKEVENT Event,
                                                     _Out_ PIO_STATUS_BLOCK IoStatusBlock);
NTKERNELAPI PIRP NTAPI IoBuildSynchronousFsdRequest(_In_ ULONG MajorFunction, _In_ PDEVICE_OBJECT DeviceObject,
                                                    _Inout_opt_ PVOID Buffer, _In_opt_ ULONG Length,
                                                    _In_opt_ PLARGE_INTEGER StartingOffset, _In_ PKEVENT Event,
                                                    _Out_ PIO_STATUS_BLOCK IoStatusBlock);
NTKERNELAPI PIRP NTAPI IoBuildAsynchronousFsdRequest(_In_ ULONG MajorFunction, _In_ PDEVICE_OBJECT DeviceObject,
                                                     _Inout_opt_ PVOID Buffer, _In_opt_ ULONG Length,
                                                     _In_opt_ PLARGE_INTEGER StartingOffset,
                                                     _In_opt_ PIO_STATUS_BLOCK IoStatusBlock);

/* ---- MDLs ----------------------------------------------------------------------------------- */
NTKERNELAPI PMDL NTAPI IoAllocateMdl(_In_opt_ PVOID VirtualAddress, _In_ ULONG Length, _In_ BOOLEAN SecondaryBuffer,
                                     _In_ BOOLEAN ChargeQuota, _Inout_opt_ PIRP Irp);
NTKERNELAPI VOID NTAPI IoFreeMdl(PMDL Mdl);
NTKERNELAPI VOID NTAPI IoBuildPartialMdl(_In_ PMDL SourceMdl, _Inout_ PMDL TargetMdl, _In_ PVOID VirtualAddress,
                                         _In_ ULONG Length);

/* ---- StartIo, device queues, timers, DPCs, work items -------------------------------------- */
NTKERNELAPI VOID NTAPI IoStartPacket(_In_ PDEVICE_OBJECT DeviceObject, _In_ PIRP Irp, _In_opt_ PULONG Key,
                                     _In_opt_ PDRIVER_CANCEL CancelFunction);
NTKERNELAPI VOID NTAPI IoStartNextPacket(_In_ PDEVICE_OBJECT DeviceObject, _In_ BOOLEAN Cancelable);
NTKERNELAPI VOID NTAPI IoStartNextPacketByKey(_In_ PDEVICE_OBJECT DeviceObject, _In_ BOOLEAN Cancelable, _In_ ULONG Key);
NTKERNELAPI VOID NTAPI IoSetStartIoAttributes(_In_ PDEVICE_OBJECT DeviceObject, _In_ BOOLEAN DeferredStartIo,
                                              _In_ BOOLEAN NonCancelable);
NTKERNELAPI NTSTATUS NTAPI IoInitializeTimer(_In_ PDEVICE_OBJECT DeviceObject, _In_ PIO_TIMER_ROUTINE TimerRoutine,
                                             _In_opt_ PVOID Context);
NTKERNELAPI VOID NTAPI IoStartTimer(_In_ PDEVICE_OBJECT DeviceObject);
NTKERNELAPI VOID NTAPI IoStopTimer(_In_ PDEVICE_OBJECT DeviceObject);
NTKERNELAPI PIO_WORKITEM NTAPI IoAllocateWorkItem(_In_ PDEVICE_OBJECT DeviceObject);
NTKERNELAPI VOID NTAPI IoFreeWorkItem(_In_ PIO_WORKITEM IoWorkItem);
NTKERNELAPI VOID NTAPI IoQueueWorkItem(_Inout_ PIO_WORKITEM IoWorkItem, _In_ PIO_WORKITEM_ROUTINE WorkerRoutine,
                                       _In_ WORK_QUEUE_TYPE QueueType, _In_opt_ PVOID Context);
NTKERNELAPI VOID NTAPI IoQueueWorkItemEx(_Inout_ PIO_WORKITEM IoWorkItem, _In_ PIO_WORKITEM_ROUTINE_EX WorkerRoutine,
                                         _In_ WORK_QUEUE_TYPE QueueType, _In_opt_ PVOID Context);
NTKERNELAPI ULONG NTAPI IoSizeofWorkItem(VOID);
NTKERNELAPI VOID NTAPI IoInitializeWorkItem(_In_ PVOID IoObject, _Out_ PIO_WORKITEM IoWorkItem);
NTKERNELAPI VOID NTAPI IoUninitializeWorkItem(_Inout_ PIO_WORKITEM IoWorkItem);
NTKERNELAPI PKEVENT NTAPI IoCreateNotificationEvent(_In_ PUNICODE_STRING EventName, _Out_ PHANDLE EventHandle);
NTKERNELAPI PKEVENT NTAPI IoCreateSynchronizationEvent(_In_ PUNICODE_STRING EventName, _Out_ PHANDLE EventHandle);
NTKERNELAPI NTSTATUS NTAPI IoCreateSystemThread(_Inout_ PVOID IoObject, _Out_ PHANDLE ThreadHandle,
                                                _In_ ULONG DesiredAccess, _In_opt_ POBJECT_ATTRIBUTES ObjectAttributes,
                                                _In_opt_ HANDLE ProcessHandle, _Out_opt_ PCLIENT_ID ClientId,
                                                _In_ PKSTART_ROUTINE StartRoutine, _In_opt_ PVOID StartContext);

/* ---- remove locks and cancel-safe queues ------------------------------------------------------ */
NTKERNELAPI VOID NTAPI IoInitializeRemoveLockEx(_Out_ PIO_REMOVE_LOCK Lock, _In_ ULONG AllocateTag, _In_ ULONG MaxLockedMinutes,
                                                _In_ ULONG HighWatermark, _In_ ULONG RemlockSize);
NTKERNELAPI NTSTATUS NTAPI IoAcquireRemoveLockEx(_Inout_ PIO_REMOVE_LOCK RemoveLock, _In_opt_ PVOID Tag, _In_ PCSTR File,
                                                 _In_ ULONG Line, _In_ ULONG RemlockSize);
NTKERNELAPI VOID NTAPI IoReleaseRemoveLockEx(_Inout_ PIO_REMOVE_LOCK RemoveLock, _In_opt_ PVOID Tag, _In_ ULONG RemlockSize);
NTKERNELAPI VOID NTAPI IoReleaseRemoveLockAndWaitEx(_Inout_ PIO_REMOVE_LOCK RemoveLock, _In_opt_ PVOID Tag,
                                                    _In_ ULONG RemlockSize);
#define IoInitializeRemoveLock(Lock, Tag, Maxmin, HighWater) \
    IoInitializeRemoveLockEx(Lock, Tag, Maxmin, HighWater, sizeof(IO_REMOVE_LOCK))
#define IoAcquireRemoveLock(RemoveLock, Tag) \
    IoAcquireRemoveLockEx(RemoveLock, Tag, __FILE__, __LINE__, sizeof(IO_REMOVE_LOCK))
#define IoReleaseRemoveLock(RemoveLock, Tag) IoReleaseRemoveLockEx(RemoveLock, Tag, sizeof(IO_REMOVE_LOCK))
#define IoReleaseRemoveLockAndWait(RemoveLock, Tag) IoReleaseRemoveLockAndWaitEx(RemoveLock, Tag, sizeof(IO_REMOVE_LOCK))

NTKERNELAPI NTSTATUS NTAPI IoCsqInitialize(_Out_ PIO_CSQ Csq, _In_ PIO_CSQ_INSERT_IRP CsqInsertIrp,
                                           _In_ PIO_CSQ_REMOVE_IRP CsqRemoveIrp, _In_ PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp,
                                           _In_ PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock, _In_ PIO_CSQ_RELEASE_LOCK CsqReleaseLock,
                                           _In_ PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp);
NTKERNELAPI NTSTATUS NTAPI IoCsqInitializeEx(_Out_ PIO_CSQ Csq, _In_ PIO_CSQ_INSERT_IRP_EX CsqInsertIrp,
                                             _In_ PIO_CSQ_REMOVE_IRP CsqRemoveIrp, _In_ PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp,
                                             _In_ PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock,
                                             _In_ PIO_CSQ_RELEASE_LOCK CsqReleaseLock,
                                             _In_ PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp);
NTKERNELAPI VOID NTAPI IoCsqInsertIrp(_Inout_ PIO_CSQ Csq, _Inout_ PIRP Irp, _Out_opt_ PIO_CSQ_IRP_CONTEXT Context);
NTKERNELAPI NTSTATUS NTAPI IoCsqInsertIrpEx(_Inout_ PIO_CSQ Csq, _Inout_ PIRP Irp, _Out_opt_ PIO_CSQ_IRP_CONTEXT Context,
                                            _In_opt_ PVOID InsertContext);
NTKERNELAPI PIRP NTAPI IoCsqRemoveIrp(_Inout_ PIO_CSQ Csq, _Inout_ PIO_CSQ_IRP_CONTEXT Context);
NTKERNELAPI PIRP NTAPI IoCsqRemoveNextIrp(_Inout_ PIO_CSQ Csq, _In_opt_ PVOID PeekContext);

/* ---- inline helpers, exactly as the WDK defines them ------------------------------------------ */
FORCEINLINE PIO_STACK_LOCATION IoGetCurrentIrpStackLocation(_In_ PIRP Irp)
{
    return Irp->Tail.Overlay.CurrentStackLocation;
}

/* Reports NO_MORE_IRP_STACK_LOCATIONS for Irp and returns a scratch location that absorbs the
 * writes (on Windows they would overwrite the IRP itself). */
WDMEMU_API PIO_STACK_LOCATION NTAPI WdmemuNoNextStackLocation(_In_ PIRP Irp);

/* As in the WDK, except that an IRP without a next location is reported instead of having the
 * IRP header overwritten through location -1. */
FORCEINLINE PIO_STACK_LOCATION IoGetNextIrpStackLocation(_In_ PIRP Irp)
{
    if (Irp->CurrentLocation <= 1)
        return WdmemuNoNextStackLocation(Irp);
    return Irp->Tail.Overlay.CurrentStackLocation - 1;
}

FORCEINLINE VOID IoSkipCurrentIrpStackLocation(_Inout_ PIRP Irp)
{
    Irp->CurrentLocation++;
    Irp->Tail.Overlay.CurrentStackLocation++;
}

FORCEINLINE VOID IoSetNextIrpStackLocation(_Inout_ PIRP Irp)
{
    if (Irp->CurrentLocation <= 1) {
        WdmemuNoNextStackLocation(Irp);
        return;
    }
    Irp->CurrentLocation--;
    Irp->Tail.Overlay.CurrentStackLocation--;
}

FORCEINLINE VOID IoCopyCurrentIrpStackLocationToNext(_Inout_ PIRP Irp)
{
    PIO_STACK_LOCATION current = IoGetCurrentIrpStackLocation(Irp);
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(Irp);
    memcpy(next, current, FIELD_OFFSET(IO_STACK_LOCATION, CompletionRoutine));
    next->Control = 0;
}

FORCEINLINE VOID IoSetCompletionRoutine(_In_ PIRP Irp, _In_opt_ PIO_COMPLETION_ROUTINE CompletionRoutine,
                                        _In_opt_ PVOID Context, _In_ BOOLEAN InvokeOnSuccess,
                                        _In_ BOOLEAN InvokeOnError, _In_ BOOLEAN InvokeOnCancel)
{
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(Irp);
    next->CompletionRoutine = CompletionRoutine;
    next->Context = Context;
    next->Control = 0;
    if (InvokeOnSuccess)
        next->Control = SL_INVOKE_ON_SUCCESS;
    if (InvokeOnError)
        next->Control |= SL_INVOKE_ON_ERROR;
    if (InvokeOnCancel)
        next->Control |= SL_INVOKE_ON_CANCEL;
}

FORCEINLINE VOID IoMarkIrpPending(_Inout_ PIRP Irp)
{
    IoGetCurrentIrpStackLocation(Irp)->Control |= SL_PENDING_RETURNED;
}

FORCEINLINE PDRIVER_CANCEL IoSetCancelRoutine(_Inout_ PIRP Irp, _In_opt_ PDRIVER_CANCEL CancelRoutine)
{
    return (PDRIVER_CANCEL)(ULONG_PTR)InterlockedExchangePointer((PVOID volatile *)&Irp->CancelRoutine,
                                                                 (PVOID)(ULONG_PTR)CancelRoutine);
}

FORCEINLINE BOOLEAN IoIsErrorUserInduced(_In_ NTSTATUS Status)
{
    return (BOOLEAN)(Status == STATUS_DEVICE_NOT_READY || Status == STATUS_IO_TIMEOUT ||
                     Status == STATUS_MEDIA_WRITE_PROTECTED || Status == STATUS_NO_MEDIA_IN_DEVICE ||
                     Status == STATUS_UNRECOGNIZED_MEDIA || Status == STATUS_VERIFY_REQUIRED ||
                     Status == STATUS_WRONG_VOLUME);
}

FORCEINLINE VOID IoInitializeDpcRequest(_In_ PDEVICE_OBJECT DeviceObject, _In_ PIO_DPC_ROUTINE DpcRoutine)
{
    KeInitializeDpc(&DeviceObject->Dpc, (PKDEFERRED_ROUTINE)(ULONG_PTR)DpcRoutine, DeviceObject);
}

FORCEINLINE VOID IoRequestDpc(_Inout_ PDEVICE_OBJECT DeviceObject, _In_opt_ PIRP Irp, _In_opt_ PVOID Context)
{
    KeInsertQueueDpc(&DeviceObject->Dpc, Irp, Context);
}

WDMEMU_END_DECLS

#endif /* WDMEMU_DDK_WDM_IO_H */
