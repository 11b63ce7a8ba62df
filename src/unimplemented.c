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

OPENWHP_API HRESULT WINAPI WHvAdviseGpaRange(WHV_PARTITION_HANDLE Partition,
					     const WHV_MEMORY_RANGE_ENTRY *GpaRanges,
					     UINT32 GpaRangesCount,
					     WHV_ADVISE_GPA_RANGE_CODE Advice,
					     const VOID *AdviceBuffer,
					     UINT32 AdviceBufferSizeInBytes)
{
	(void)Partition;
	(void)GpaRanges;
	(void)GpaRangesCount;
	(void)Advice;
	(void)AdviceBuffer;
	(void)AdviceBufferSizeInBytes;
	return not_yet("WHvAdviseGpaRange");
}

OPENWHP_API HRESULT WINAPI
WHvRegisterPartitionDoorbellEvent(WHV_PARTITION_HANDLE Partition,
				  const WHV_DOORBELL_MATCH_DATA *MatchData, HANDLE EventHandle)
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

OPENWHP_API HRESULT WINAPI WHvPostVirtualProcessorSynicMessage(WHV_PARTITION_HANDLE Partition,
							       UINT32 VpIndex, UINT32 SintIndex,
							       const VOID *Message,
							       UINT32 MessageSizeInBytes)
{
	(void)Partition;
	(void)VpIndex;
	(void)SintIndex;
	(void)Message;
	(void)MessageSizeInBytes;
	return not_yet("WHvPostVirtualProcessorSynicMessage");
}

OPENWHP_API HRESULT WINAPI WHvAllocateVpciResource(const GUID *ProviderId,
						   WHV_ALLOCATE_VPCI_RESOURCE_FLAGS Flags,
						   const VOID *ResourceDescriptor,
						   UINT32 ResourceDescriptorSizeInBytes,
						   HANDLE *VpciResource)
{
	(void)ProviderId;
	(void)Flags;
	(void)ResourceDescriptor;
	(void)ResourceDescriptorSizeInBytes;
	(void)VpciResource;
	return not_yet("WHvAllocateVpciResource");
}

OPENWHP_API HRESULT WINAPI WHvCreateVpciDevice(WHV_PARTITION_HANDLE Partition,
					       UINT64 LogicalDeviceId, HANDLE VpciResource,
					       WHV_CREATE_VPCI_DEVICE_FLAGS Flags,
					       HANDLE NotificationEventHandle)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)VpciResource;
	(void)Flags;
	(void)NotificationEventHandle;
	return not_yet("WHvCreateVpciDevice");
}

OPENWHP_API HRESULT WINAPI WHvDeleteVpciDevice(WHV_PARTITION_HANDLE Partition,
					       UINT64 LogicalDeviceId)
{
	(void)Partition;
	(void)LogicalDeviceId;
	return not_yet("WHvDeleteVpciDevice");
}

OPENWHP_API HRESULT WINAPI WHvGetVpciDeviceProperty(WHV_PARTITION_HANDLE Partition,
						    UINT64 LogicalDeviceId,
						    WHV_VPCI_DEVICE_PROPERTY_CODE PropertyCode,
						    VOID *PropertyBuffer,
						    UINT32 PropertyBufferSizeInBytes,
						    UINT32 *WrittenSizeInBytes)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)PropertyCode;
	(void)PropertyBuffer;
	(void)PropertyBufferSizeInBytes;
	(void)WrittenSizeInBytes;
	return not_yet("WHvGetVpciDeviceProperty");
}

OPENWHP_API HRESULT WINAPI WHvGetVpciDeviceNotification(WHV_PARTITION_HANDLE Partition,
							UINT64 LogicalDeviceId,
							WHV_VPCI_DEVICE_NOTIFICATION *Notification,
							UINT32 NotificationSizeInBytes)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)Notification;
	(void)NotificationSizeInBytes;
	return not_yet("WHvGetVpciDeviceNotification");
}

OPENWHP_API HRESULT WINAPI WHvMapVpciDeviceMmioRanges(WHV_PARTITION_HANDLE Partition,
						      UINT64 LogicalDeviceId, UINT32 *MappingCount,
						      WHV_VPCI_MMIO_MAPPING **Mappings)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)MappingCount;
	(void)Mappings;
	return not_yet("WHvMapVpciDeviceMmioRanges");
}

OPENWHP_API HRESULT WINAPI WHvUnmapVpciDeviceMmioRanges(WHV_PARTITION_HANDLE Partition,
							UINT64 LogicalDeviceId)
{
	(void)Partition;
	(void)LogicalDeviceId;
	return not_yet("WHvUnmapVpciDeviceMmioRanges");
}

OPENWHP_API HRESULT WINAPI WHvSetVpciDevicePowerState(WHV_PARTITION_HANDLE Partition,
						      UINT64 LogicalDeviceId,
						      DEVICE_POWER_STATE PowerState)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)PowerState;
	return not_yet("WHvSetVpciDevicePowerState");
}

OPENWHP_API HRESULT WINAPI WHvReadVpciDeviceRegister(WHV_PARTITION_HANDLE Partition,
						     UINT64 LogicalDeviceId,
						     const WHV_VPCI_DEVICE_REGISTER *Register,
						     VOID *Data)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)Register;
	(void)Data;
	return not_yet("WHvReadVpciDeviceRegister");
}

OPENWHP_API HRESULT WINAPI WHvWriteVpciDeviceRegister(WHV_PARTITION_HANDLE Partition,
						      UINT64 LogicalDeviceId,
						      const WHV_VPCI_DEVICE_REGISTER *Register,
						      const VOID *Data)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)Register;
	(void)Data;
	return not_yet("WHvWriteVpciDeviceRegister");
}

OPENWHP_API HRESULT WINAPI WHvMapVpciDeviceInterrupt(WHV_PARTITION_HANDLE Partition,
						     UINT64 LogicalDeviceId, UINT32 Index,
						     UINT32 MessageCount,
						     const WHV_VPCI_INTERRUPT_TARGET *Target,
						     UINT64 *MsiAddress, UINT32 *MsiData)
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

OPENWHP_API HRESULT WINAPI WHvUnmapVpciDeviceInterrupt(WHV_PARTITION_HANDLE Partition,
						       UINT64 LogicalDeviceId, UINT32 Index)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)Index;
	return not_yet("WHvUnmapVpciDeviceInterrupt");
}

OPENWHP_API HRESULT WINAPI WHvRetargetVpciDeviceInterrupt(WHV_PARTITION_HANDLE Partition,
							  UINT64 LogicalDeviceId, UINT64 MsiAddress,
							  UINT32 MsiData,
							  const WHV_VPCI_INTERRUPT_TARGET *Target)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)MsiAddress;
	(void)MsiData;
	(void)Target;
	return not_yet("WHvRetargetVpciDeviceInterrupt");
}

OPENWHP_API HRESULT WINAPI WHvRequestVpciDeviceInterrupt(WHV_PARTITION_HANDLE Partition,
							 UINT64 LogicalDeviceId, UINT64 MsiAddress,
							 UINT32 MsiData)
{
	(void)Partition;
	(void)LogicalDeviceId;
	(void)MsiAddress;
	(void)MsiData;
	return not_yet("WHvRequestVpciDeviceInterrupt");
}

OPENWHP_API HRESULT WINAPI WHvGetVpciDeviceInterruptTarget(WHV_PARTITION_HANDLE Partition,
							   UINT64 LogicalDeviceId, UINT32 Index,
							   UINT32 MultiMessageNumber,
							   WHV_VPCI_INTERRUPT_TARGET *Target,
							   UINT32 TargetSizeInBytes,
							   UINT32 *BytesWritten)
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

OPENWHP_API HRESULT WINAPI WHvCreateTrigger(WHV_PARTITION_HANDLE Partition,
					    const WHV_TRIGGER_PARAMETERS *Parameters,
					    WHV_TRIGGER_HANDLE *TriggerHandle, HANDLE *EventHandle)
{
	(void)Partition;
	(void)Parameters;
	(void)TriggerHandle;
	(void)EventHandle;
	return not_yet("WHvCreateTrigger");
}

OPENWHP_API HRESULT WINAPI WHvUpdateTriggerParameters(WHV_PARTITION_HANDLE Partition,
						      const WHV_TRIGGER_PARAMETERS *Parameters,
						      WHV_TRIGGER_HANDLE TriggerHandle)
{
	(void)Partition;
	(void)Parameters;
	(void)TriggerHandle;
	return not_yet("WHvUpdateTriggerParameters");
}

OPENWHP_API HRESULT WINAPI WHvDeleteTrigger(WHV_PARTITION_HANDLE Partition,
					    WHV_TRIGGER_HANDLE TriggerHandle)
{
	(void)Partition;
	(void)TriggerHandle;
	return not_yet("WHvDeleteTrigger");
}

OPENWHP_API HRESULT WINAPI WHvCreateNotificationPort(
	WHV_PARTITION_HANDLE Partition, const WHV_NOTIFICATION_PORT_PARAMETERS *Parameters,
	HANDLE EventHandle, WHV_NOTIFICATION_PORT_HANDLE *PortHandle)
{
	(void)Partition;
	(void)Parameters;
	(void)EventHandle;
	(void)PortHandle;
	return not_yet("WHvCreateNotificationPort");
}

OPENWHP_API HRESULT WINAPI WHvSetNotificationPortProperty(
	WHV_PARTITION_HANDLE Partition, WHV_NOTIFICATION_PORT_HANDLE PortHandle,
	WHV_NOTIFICATION_PORT_PROPERTY_CODE PropertyCode,
	WHV_NOTIFICATION_PORT_PROPERTY PropertyValue)
{
	(void)Partition;
	(void)PortHandle;
	(void)PropertyCode;
	(void)PropertyValue;
	return not_yet("WHvSetNotificationPortProperty");
}

OPENWHP_API HRESULT WINAPI WHvDeleteNotificationPort(WHV_PARTITION_HANDLE Partition,
						     WHV_NOTIFICATION_PORT_HANDLE PortHandle)
{
	(void)Partition;
	(void)PortHandle;
	return not_yet("WHvDeleteNotificationPort");
}

OPENWHP_API HRESULT WINAPI WHvStartPartitionMigration(WHV_PARTITION_HANDLE Partition,
						      HANDLE *MigrationHandle)
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

OPENWHP_API HRESULT WINAPI WHvAcceptPartitionMigration(HANDLE MigrationHandle,
						       WHV_PARTITION_HANDLE *Partition)
{
	(void)MigrationHandle;
	(void)Partition;
	return not_yet("WHvAcceptPartitionMigration");
}
