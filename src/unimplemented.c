/* unimplemented.c: the WHP functions openwhp does not provide yet: each fails with E_NOTIMPL, never crashes. */
#include "internal.h"
#include "WinHvEmulation.h"

/*
 * These are exported so that a program written for Windows links and runs;
 * a call reports E_NOTIMPL and says which function in openwhp_last_error().
 * docs/api-coverage.md lists them with the work that will bring each one.
 */
static HRESULT not_yet(const char *fn)
{
	err_clear();
	return api_return(err_set(OE_NOT_IMPLEMENTED, "%s is not implemented yet", fn));
}

OPENWHP_API HRESULT WINAPI WHvSuspendPartitionTime(WHV_PARTITION_HANDLE Partition)
{
	(void)Partition;
	return not_yet("WHvSuspendPartitionTime");
}

OPENWHP_API HRESULT WINAPI WHvResumePartitionTime(WHV_PARTITION_HANDLE Partition)
{
	(void)Partition;
	return not_yet("WHvResumePartitionTime");
}

OPENWHP_API HRESULT WINAPI WHvTranslateGva(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, WHV_GUEST_VIRTUAL_ADDRESS Gva,
	WHV_TRANSLATE_GVA_FLAGS TranslateFlags, WHV_TRANSLATE_GVA_RESULT *TranslationResult,
	WHV_GUEST_PHYSICAL_ADDRESS *Gpa)
{
	(void)Partition;
	(void)VpIndex;
	(void)Gva;
	(void)TranslateFlags;
	(void)TranslationResult;
	(void)Gpa;
	return not_yet("WHvTranslateGva");
}

OPENWHP_API HRESULT WINAPI WHvQueryGpaRangeDirtyBitmap(
	WHV_PARTITION_HANDLE Partition, WHV_GUEST_PHYSICAL_ADDRESS GuestAddress, UINT64
	RangeSizeInBytes, UINT64 *Bitmap, UINT32 BitmapSizeInBytes)
{
	(void)Partition;
	(void)GuestAddress;
	(void)RangeSizeInBytes;
	(void)Bitmap;
	(void)BitmapSizeInBytes;
	return not_yet("WHvQueryGpaRangeDirtyBitmap");
}

OPENWHP_API HRESULT WINAPI WHvAdviseGpaRange(
	WHV_PARTITION_HANDLE Partition, const WHV_MEMORY_RANGE_ENTRY *GpaRanges, UINT32
	GpaRangesCount, WHV_ADVISE_GPA_RANGE_CODE Advice, const VOID *AdviceBuffer, UINT32
	AdviceBufferSizeInBytes)
{
	(void)Partition;
	(void)GpaRanges;
	(void)GpaRangesCount;
	(void)Advice;
	(void)AdviceBuffer;
	(void)AdviceBufferSizeInBytes;
	return not_yet("WHvAdviseGpaRange");
}

OPENWHP_API HRESULT WINAPI WHvGetVirtualProcessorInterruptControllerState(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, VOID *State, UINT32 StateSize, UINT32
	*WrittenSize)
{
	(void)Partition;
	(void)VpIndex;
	(void)State;
	(void)StateSize;
	(void)WrittenSize;
	return not_yet("WHvGetVirtualProcessorInterruptControllerState");
}

OPENWHP_API HRESULT WINAPI WHvSetVirtualProcessorInterruptControllerState(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, const VOID *State, UINT32 StateSize)
{
	(void)Partition;
	(void)VpIndex;
	(void)State;
	(void)StateSize;
	return not_yet("WHvSetVirtualProcessorInterruptControllerState");
}

OPENWHP_API HRESULT WINAPI WHvGetVirtualProcessorInterruptControllerState2(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, VOID *State, UINT32 StateSize, UINT32
	*WrittenSize)
{
	(void)Partition;
	(void)VpIndex;
	(void)State;
	(void)StateSize;
	(void)WrittenSize;
	return not_yet("WHvGetVirtualProcessorInterruptControllerState2");
}

OPENWHP_API HRESULT WINAPI WHvSetVirtualProcessorInterruptControllerState2(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, const VOID *State, UINT32 StateSize)
{
	(void)Partition;
	(void)VpIndex;
	(void)State;
	(void)StateSize;
	return not_yet("WHvSetVirtualProcessorInterruptControllerState2");
}

OPENWHP_API HRESULT WINAPI WHvRequestInterrupt(
	WHV_PARTITION_HANDLE Partition, const WHV_INTERRUPT_CONTROL *Interrupt, UINT32
	InterruptControlSize)
{
	(void)Partition;
	(void)Interrupt;
	(void)InterruptControlSize;
	return not_yet("WHvRequestInterrupt");
}

OPENWHP_API HRESULT WINAPI WHvGetInterruptTargetVpSet(
	WHV_PARTITION_HANDLE Partition, UINT64 Destination, WHV_INTERRUPT_DESTINATION_MODE
	DestinationMode, UINT32 *TargetVps, UINT32 VpCount, UINT32 *TargetVpCount)
{
	(void)Partition;
	(void)Destination;
	(void)DestinationMode;
	(void)TargetVps;
	(void)VpCount;
	(void)TargetVpCount;
	return not_yet("WHvGetInterruptTargetVpSet");
}

OPENWHP_API HRESULT WINAPI WHvGetVirtualProcessorXsaveState(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, VOID *Buffer, UINT32 BufferSizeInBytes,
	UINT32 *BytesWritten)
{
	(void)Partition;
	(void)VpIndex;
	(void)Buffer;
	(void)BufferSizeInBytes;
	(void)BytesWritten;
	return not_yet("WHvGetVirtualProcessorXsaveState");
}

OPENWHP_API HRESULT WINAPI WHvSetVirtualProcessorXsaveState(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, const VOID *Buffer, UINT32
	BufferSizeInBytes)
{
	(void)Partition;
	(void)VpIndex;
	(void)Buffer;
	(void)BufferSizeInBytes;
	return not_yet("WHvSetVirtualProcessorXsaveState");
}

OPENWHP_API HRESULT WINAPI WHvGetVirtualProcessorState(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, WHV_VIRTUAL_PROCESSOR_STATE_TYPE StateType,
	VOID *Buffer, UINT32 BufferSizeInBytes, UINT32 *BytesWritten)
{
	(void)Partition;
	(void)VpIndex;
	(void)StateType;
	(void)Buffer;
	(void)BufferSizeInBytes;
	(void)BytesWritten;
	return not_yet("WHvGetVirtualProcessorState");
}

OPENWHP_API HRESULT WINAPI WHvSetVirtualProcessorState(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, WHV_VIRTUAL_PROCESSOR_STATE_TYPE StateType,
	const VOID *Buffer, UINT32 BufferSizeInBytes)
{
	(void)Partition;
	(void)VpIndex;
	(void)StateType;
	(void)Buffer;
	(void)BufferSizeInBytes;
	return not_yet("WHvSetVirtualProcessorState");
}

OPENWHP_API HRESULT WINAPI WHvGetVirtualProcessorCpuidOutput(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, UINT32 Eax, UINT32 Ecx, WHV_CPUID_OUTPUT
	*CpuidOutput)
{
	(void)Partition;
	(void)VpIndex;
	(void)Eax;
	(void)Ecx;
	(void)CpuidOutput;
	return not_yet("WHvGetVirtualProcessorCpuidOutput");
}

OPENWHP_API HRESULT WINAPI WHvGetPartitionCounters(
	WHV_PARTITION_HANDLE Partition, WHV_PARTITION_COUNTER_SET CounterSet, VOID *Buffer, UINT32
	BufferSizeInBytes, UINT32 *BytesWritten)
{
	(void)Partition;
	(void)CounterSet;
	(void)Buffer;
	(void)BufferSizeInBytes;
	(void)BytesWritten;
	return not_yet("WHvGetPartitionCounters");
}

OPENWHP_API HRESULT WINAPI WHvGetVirtualProcessorCounters(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, WHV_PROCESSOR_COUNTER_SET CounterSet, VOID
	*Buffer, UINT32 BufferSizeInBytes, UINT32 *BytesWritten)
{
	(void)Partition;
	(void)VpIndex;
	(void)CounterSet;
	(void)Buffer;
	(void)BufferSizeInBytes;
	(void)BytesWritten;
	return not_yet("WHvGetVirtualProcessorCounters");
}

OPENWHP_API HRESULT WINAPI WHvRegisterPartitionDoorbellEvent(
	WHV_PARTITION_HANDLE Partition, const WHV_DOORBELL_MATCH_DATA *MatchData, HANDLE
	EventHandle)
{
	(void)Partition;
	(void)MatchData;
	(void)EventHandle;
	return not_yet("WHvRegisterPartitionDoorbellEvent");
}

OPENWHP_API HRESULT WINAPI WHvUnregisterPartitionDoorbellEvent(
	WHV_PARTITION_HANDLE Partition, const WHV_DOORBELL_MATCH_DATA *MatchData)
{
	(void)Partition;
	(void)MatchData;
	return not_yet("WHvUnregisterPartitionDoorbellEvent");
}

OPENWHP_API HRESULT WINAPI WHvSignalVirtualProcessorSynicEvent(
	WHV_PARTITION_HANDLE Partition, WHV_SYNIC_EVENT_PARAMETERS SynicEvent, BOOL *NewlySignaled)
{
	(void)Partition;
	(void)SynicEvent;
	(void)NewlySignaled;
	return not_yet("WHvSignalVirtualProcessorSynicEvent");
}

OPENWHP_API HRESULT WINAPI WHvPostVirtualProcessorSynicMessage(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, UINT32 SintIndex, const VOID *Message,
	UINT32 MessageSizeInBytes)
{
	(void)Partition;
	(void)VpIndex;
	(void)SintIndex;
	(void)Message;
	(void)MessageSizeInBytes;
	return not_yet("WHvPostVirtualProcessorSynicMessage");
}

OPENWHP_API HRESULT WINAPI WHvAllocateVpciResource(
	const GUID *ProviderId, WHV_ALLOCATE_VPCI_RESOURCE_FLAGS Flags, const VOID
	*ResourceDescriptor, UINT32 ResourceDescriptorSizeInBytes, HANDLE *VpciResource)
{
	(void)ProviderId;
	(void)Flags;
	(void)ResourceDescriptor;
	(void)ResourceDescriptorSizeInBytes;
	(void)VpciResource;
	return not_yet("WHvAllocateVpciResource");
}

OPENWHP_API HRESULT WINAPI WHvCreateVpciDevice(
	WHV_PARTITION_HANDLE Partition, UINT64 LogicalDeviceId, HANDLE VpciResource,
	WHV_CREATE_VPCI_DEVICE_FLAGS Flags, HANDLE NotificationEventHandle)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)VpciResource;
	(void)Flags;
	(void)NotificationEventHandle;
	return not_yet("WHvCreateVpciDevice");
}

OPENWHP_API HRESULT WINAPI WHvDeleteVpciDevice(
	WHV_PARTITION_HANDLE Partition, UINT64 LogicalDeviceId)
{
	(void)Partition;
	(void)LogicalDeviceId;
	return not_yet("WHvDeleteVpciDevice");
}

OPENWHP_API HRESULT WINAPI WHvGetVpciDeviceProperty(
	WHV_PARTITION_HANDLE Partition, UINT64 LogicalDeviceId, WHV_VPCI_DEVICE_PROPERTY_CODE
	PropertyCode, VOID *PropertyBuffer, UINT32 PropertyBufferSizeInBytes, UINT32
	*WrittenSizeInBytes)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)PropertyCode;
	(void)PropertyBuffer;
	(void)PropertyBufferSizeInBytes;
	(void)WrittenSizeInBytes;
	return not_yet("WHvGetVpciDeviceProperty");
}

OPENWHP_API HRESULT WINAPI WHvGetVpciDeviceNotification(
	WHV_PARTITION_HANDLE Partition, UINT64 LogicalDeviceId, WHV_VPCI_DEVICE_NOTIFICATION
	*Notification, UINT32 NotificationSizeInBytes)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)Notification;
	(void)NotificationSizeInBytes;
	return not_yet("WHvGetVpciDeviceNotification");
}

OPENWHP_API HRESULT WINAPI WHvMapVpciDeviceMmioRanges(
	WHV_PARTITION_HANDLE Partition, UINT64 LogicalDeviceId, UINT32 *MappingCount,
	WHV_VPCI_MMIO_MAPPING **Mappings)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)MappingCount;
	(void)Mappings;
	return not_yet("WHvMapVpciDeviceMmioRanges");
}

OPENWHP_API HRESULT WINAPI WHvUnmapVpciDeviceMmioRanges(
	WHV_PARTITION_HANDLE Partition, UINT64 LogicalDeviceId)
{
	(void)Partition;
	(void)LogicalDeviceId;
	return not_yet("WHvUnmapVpciDeviceMmioRanges");
}

OPENWHP_API HRESULT WINAPI WHvSetVpciDevicePowerState(
	WHV_PARTITION_HANDLE Partition, UINT64 LogicalDeviceId, DEVICE_POWER_STATE PowerState)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)PowerState;
	return not_yet("WHvSetVpciDevicePowerState");
}

OPENWHP_API HRESULT WINAPI WHvReadVpciDeviceRegister(
	WHV_PARTITION_HANDLE Partition, UINT64 LogicalDeviceId, const WHV_VPCI_DEVICE_REGISTER
	*Register, VOID *Data)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)Register;
	(void)Data;
	return not_yet("WHvReadVpciDeviceRegister");
}

OPENWHP_API HRESULT WINAPI WHvWriteVpciDeviceRegister(
	WHV_PARTITION_HANDLE Partition, UINT64 LogicalDeviceId, const WHV_VPCI_DEVICE_REGISTER
	*Register, const VOID *Data)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)Register;
	(void)Data;
	return not_yet("WHvWriteVpciDeviceRegister");
}

OPENWHP_API HRESULT WINAPI WHvMapVpciDeviceInterrupt(
	WHV_PARTITION_HANDLE Partition, UINT64 LogicalDeviceId, UINT32 Index, UINT32 MessageCount,
	const WHV_VPCI_INTERRUPT_TARGET *Target, UINT64 *MsiAddress, UINT32 *MsiData)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)Index;
	(void)MessageCount;
	(void)Target;
	(void)MsiAddress;
	(void)MsiData;
	return not_yet("WHvMapVpciDeviceInterrupt");
}

OPENWHP_API HRESULT WINAPI WHvUnmapVpciDeviceInterrupt(
	WHV_PARTITION_HANDLE Partition, UINT64 LogicalDeviceId, UINT32 Index)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)Index;
	return not_yet("WHvUnmapVpciDeviceInterrupt");
}

OPENWHP_API HRESULT WINAPI WHvRetargetVpciDeviceInterrupt(
	WHV_PARTITION_HANDLE Partition, UINT64 LogicalDeviceId, UINT64 MsiAddress, UINT32 MsiData,
	const WHV_VPCI_INTERRUPT_TARGET *Target)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)MsiAddress;
	(void)MsiData;
	(void)Target;
	return not_yet("WHvRetargetVpciDeviceInterrupt");
}

OPENWHP_API HRESULT WINAPI WHvRequestVpciDeviceInterrupt(
	WHV_PARTITION_HANDLE Partition, UINT64 LogicalDeviceId, UINT64 MsiAddress, UINT32 MsiData)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)MsiAddress;
	(void)MsiData;
	return not_yet("WHvRequestVpciDeviceInterrupt");
}

OPENWHP_API HRESULT WINAPI WHvGetVpciDeviceInterruptTarget(
	WHV_PARTITION_HANDLE Partition, UINT64 LogicalDeviceId, UINT32 Index, UINT32
	MultiMessageNumber, WHV_VPCI_INTERRUPT_TARGET *Target, UINT32 TargetSizeInBytes, UINT32
	*BytesWritten)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)Index;
	(void)MultiMessageNumber;
	(void)Target;
	(void)TargetSizeInBytes;
	(void)BytesWritten;
	return not_yet("WHvGetVpciDeviceInterruptTarget");
}

OPENWHP_API HRESULT WINAPI WHvCreateTrigger(
	WHV_PARTITION_HANDLE Partition, const WHV_TRIGGER_PARAMETERS *Parameters, WHV_TRIGGER_HANDLE
	*TriggerHandle, HANDLE *EventHandle)
{
	(void)Partition;
	(void)Parameters;
	(void)TriggerHandle;
	(void)EventHandle;
	return not_yet("WHvCreateTrigger");
}

OPENWHP_API HRESULT WINAPI WHvUpdateTriggerParameters(
	WHV_PARTITION_HANDLE Partition, const WHV_TRIGGER_PARAMETERS *Parameters, WHV_TRIGGER_HANDLE
	TriggerHandle)
{
	(void)Partition;
	(void)Parameters;
	(void)TriggerHandle;
	return not_yet("WHvUpdateTriggerParameters");
}

OPENWHP_API HRESULT WINAPI WHvDeleteTrigger(
	WHV_PARTITION_HANDLE Partition, WHV_TRIGGER_HANDLE TriggerHandle)
{
	(void)Partition;
	(void)TriggerHandle;
	return not_yet("WHvDeleteTrigger");
}

OPENWHP_API HRESULT WINAPI WHvCreateNotificationPort(
	WHV_PARTITION_HANDLE Partition, const WHV_NOTIFICATION_PORT_PARAMETERS *Parameters, HANDLE
	EventHandle, WHV_NOTIFICATION_PORT_HANDLE *PortHandle)
{
	(void)Partition;
	(void)Parameters;
	(void)EventHandle;
	(void)PortHandle;
	return not_yet("WHvCreateNotificationPort");
}

OPENWHP_API HRESULT WINAPI WHvSetNotificationPortProperty(
	WHV_PARTITION_HANDLE Partition, WHV_NOTIFICATION_PORT_HANDLE PortHandle,
	WHV_NOTIFICATION_PORT_PROPERTY_CODE PropertyCode, WHV_NOTIFICATION_PORT_PROPERTY
	PropertyValue)
{
	(void)Partition;
	(void)PortHandle;
	(void)PropertyCode;
	(void)PropertyValue;
	return not_yet("WHvSetNotificationPortProperty");
}

OPENWHP_API HRESULT WINAPI WHvDeleteNotificationPort(
	WHV_PARTITION_HANDLE Partition, WHV_NOTIFICATION_PORT_HANDLE PortHandle)
{
	(void)Partition;
	(void)PortHandle;
	return not_yet("WHvDeleteNotificationPort");
}

OPENWHP_API HRESULT WINAPI WHvStartPartitionMigration(
	WHV_PARTITION_HANDLE Partition, HANDLE *MigrationHandle)
{
	(void)Partition;
	(void)MigrationHandle;
	return not_yet("WHvStartPartitionMigration");
}

OPENWHP_API HRESULT WINAPI WHvCancelPartitionMigration(WHV_PARTITION_HANDLE Partition)
{
	(void)Partition;
	return not_yet("WHvCancelPartitionMigration");
}

OPENWHP_API HRESULT WINAPI WHvCompletePartitionMigration(WHV_PARTITION_HANDLE Partition)
{
	(void)Partition;
	return not_yet("WHvCompletePartitionMigration");
}

OPENWHP_API HRESULT WINAPI WHvAcceptPartitionMigration(
	HANDLE MigrationHandle, WHV_PARTITION_HANDLE *Partition)
{
	(void)MigrationHandle;
	(void)Partition;
	return not_yet("WHvAcceptPartitionMigration");
}

OPENWHP_API HRESULT WINAPI WHvEmulatorCreateEmulator(
	const WHV_EMULATOR_CALLBACKS *Callbacks, WHV_EMULATOR_HANDLE *Emulator)
{
	(void)Callbacks;
	(void)Emulator;
	return not_yet("WHvEmulatorCreateEmulator");
}

OPENWHP_API HRESULT WINAPI WHvEmulatorDestroyEmulator(WHV_EMULATOR_HANDLE Emulator)
{
	(void)Emulator;
	return not_yet("WHvEmulatorDestroyEmulator");
}

OPENWHP_API HRESULT WINAPI WHvEmulatorTryIoEmulation(
	WHV_EMULATOR_HANDLE Emulator, VOID *Context, const WHV_VP_EXIT_CONTEXT *VpContext, const
	WHV_X64_IO_PORT_ACCESS_CONTEXT *IoInstructionContext, WHV_EMULATOR_STATUS
	*EmulatorReturnStatus)
{
	(void)Emulator;
	(void)Context;
	(void)VpContext;
	(void)IoInstructionContext;
	(void)EmulatorReturnStatus;
	return not_yet("WHvEmulatorTryIoEmulation");
}

OPENWHP_API HRESULT WINAPI WHvEmulatorTryMmioEmulation(
	WHV_EMULATOR_HANDLE Emulator, VOID *Context, const WHV_VP_EXIT_CONTEXT *VpContext, const
	WHV_MEMORY_ACCESS_CONTEXT *MmioInstructionContext, WHV_EMULATOR_STATUS
	*EmulatorReturnStatus)
{
	(void)Emulator;
	(void)Context;
	(void)VpContext;
	(void)MmioInstructionContext;
	(void)EmulatorReturnStatus;
	return not_yet("WHvEmulatorTryMmioEmulation");
}
