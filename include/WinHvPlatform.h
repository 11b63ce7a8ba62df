/* WinHvPlatform.h: the WHP API functions (partitions, VPs, memory, interrupts) for Linux. */
#ifndef _WINHVAPI_H_
#define _WINHVAPI_H_

/*
 * Declarations of the Windows Hypervisor Platform functions with Microsoft's
 * names and parameter lists, implemented by libopenwhp on top of Linux KVM.
 * All functions return an HRESULT: S_OK or another success code, or a
 * failure code (E_INVALIDARG, WHV_E_*, ...). openwhp_last_error() in
 * openwhp.h describes the last failure of the calling thread in text.
 *
 * Linux deviations that apply everywhere: WINAPI is the native calling
 * convention, and HANDLE parameters (events, processes) cannot refer to
 * Windows objects.
 */

#include "WinHvPlatformDefs.h"

#ifndef OPENWHP_API
#if defined(__GNUC__)
#define OPENWHP_API __attribute__((visibility("default")))
#else
#define OPENWHP_API
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Platform capabilities.
 *
 * WHvGetCapability writes the value of (CapabilityCode) into
 * (CapabilityBuffer) of (CapabilityBufferSizeInBytes) bytes and, if
 * (WrittenSizeInBytes) is not NULL, the number of bytes written. Needs no
 * partition. Unknown code: WHV_E_UNKNOWN_CAPABILITY (treat as "absent").
 * The needed size depends on the code (up to sizeof(WHV_CAPABILITY) = 24).
 */
OPENWHP_API HRESULT WINAPI WHvGetCapability(WHV_CAPABILITY_CODE CapabilityCode,
					    VOID *CapabilityBuffer,
					    UINT32 CapabilityBufferSizeInBytes,
					    UINT32 *WrittenSizeInBytes);

/*
 * Partition lifecycle.
 *
 * WHvCreatePartition creates an unconfigured partition object in
 * (*Partition). Properties are then set with WHvSetPartitionProperty (at
 * least WHvPartitionPropertyCodeProcessorCount) and WHvSetupPartition makes
 * it usable; without ProcessorCount setup fails with
 * WHV_E_INVALID_PARTITION_CONFIG. Virtual processors and memory mappings
 * need a set-up partition. WHvResetPartition returns every VP to its
 * post-setup state, keeping properties and GPA mappings, and clears pending
 * cancels. WHvDeletePartition releases everything, including VPs that were
 * not deleted; the handle is invalid afterwards.
 */
OPENWHP_API HRESULT WINAPI WHvCreatePartition(WHV_PARTITION_HANDLE *Partition);
OPENWHP_API HRESULT WINAPI WHvSetupPartition(WHV_PARTITION_HANDLE Partition);
OPENWHP_API HRESULT WINAPI WHvResetPartition(WHV_PARTITION_HANDLE Partition);
OPENWHP_API HRESULT WINAPI WHvDeletePartition(WHV_PARTITION_HANDLE Partition);

/*
 * Partition properties.
 *
 * Get/Set the property (PropertyCode) through a buffer holding the
 * WHV_PARTITION_PROPERTY member of that name; any buffer at least that large
 * is accepted (lists: a multiple of the element size). Too small:
 * WHV_E_INSUFFICIENT_BUFFER. Unknown code: WHV_E_UNKNOWN_PROPERTY. Most
 * properties can only be set before WHvSetupPartition (else E_INVALIDARG);
 * ExtendedVmExits, ExceptionExitBitmap, X64MsrExitBitmap and CpuidExitList
 * may change afterwards while no VP runs.
 */
OPENWHP_API HRESULT WINAPI WHvGetPartitionProperty(WHV_PARTITION_HANDLE Partition,
						   WHV_PARTITION_PROPERTY_CODE PropertyCode,
						   VOID *PropertyBuffer,
						   UINT32 PropertyBufferSizeInBytes,
						   UINT32 *WrittenSizeInBytes);
OPENWHP_API HRESULT WINAPI WHvSetPartitionProperty(WHV_PARTITION_HANDLE Partition,
						   WHV_PARTITION_PROPERTY_CODE PropertyCode,
						   const VOID *PropertyBuffer,
						   UINT32 PropertyBufferSizeInBytes);

/*
 * Partition time.
 *
 * WHvSuspendPartitionTime freezes the guest's time sources (TSC, APIC timer)
 * while no VP runs; WHvResumePartitionTime, or the next
 * WHvRunVirtualProcessor, lets them run again.
 */
OPENWHP_API HRESULT WINAPI WHvSuspendPartitionTime(WHV_PARTITION_HANDLE Partition);
OPENWHP_API HRESULT WINAPI WHvResumePartitionTime(WHV_PARTITION_HANDLE Partition);

/*
 * Guest physical memory.
 *
 * WHvMapGpaRange maps (SizeInBytes) of the caller's page-aligned memory at
 * (SourceAddress) into the guest at (GuestAddress) with access (Flags); the
 * memory stays owned by the caller and must outlive the mapping. A new
 * mapping replaces earlier mappings of the same pages. Misaligned or zero
 * sizes, overflow or bad flags: E_INVALIDARG. WHvMapGpaRange2 also names
 * the (Process) owning (SourceAddress). WHvUnmapGpaRange removes mappings;
 * later guest accesses exit with WHvRunVpExitReasonMemoryAccess.
 * Linux: KVM memory slots are either read-write or read-only and always
 * executable, so finer access rights cannot be enforced exactly.
 */
OPENWHP_API HRESULT WINAPI WHvMapGpaRange(WHV_PARTITION_HANDLE Partition, VOID *SourceAddress,
					  WHV_GUEST_PHYSICAL_ADDRESS GuestAddress,
					  UINT64 SizeInBytes, WHV_MAP_GPA_RANGE_FLAGS Flags);
OPENWHP_API HRESULT WINAPI WHvMapGpaRange2(WHV_PARTITION_HANDLE Partition, HANDLE Process,
					   VOID *SourceAddress,
					   WHV_GUEST_PHYSICAL_ADDRESS GuestAddress,
					   UINT64 SizeInBytes, WHV_MAP_GPA_RANGE_FLAGS Flags);
OPENWHP_API HRESULT WINAPI WHvUnmapGpaRange(WHV_PARTITION_HANDLE Partition,
					    WHV_GUEST_PHYSICAL_ADDRESS GuestAddress,
					    UINT64 SizeInBytes);

/*
 * WHvTranslateGva walks VP (VpIndex)'s current page tables for (Gva) with
 * the checks in (TranslateFlags). It returns S_OK even when the translation
 * fails: the outcome is in (TranslationResult)->ResultCode and, on success,
 * the address in (*Gpa).
 */
OPENWHP_API HRESULT WINAPI WHvTranslateGva(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
					   WHV_GUEST_VIRTUAL_ADDRESS Gva,
					   WHV_TRANSLATE_GVA_FLAGS TranslateFlags,
					   WHV_TRANSLATE_GVA_RESULT *TranslationResult,
					   WHV_GUEST_PHYSICAL_ADDRESS *Gpa);

/*
 * WHvQueryGpaRangeDirtyBitmap reports, one bit per 4 KiB page packed into
 * UINT64 words, which pages of a range mapped with
 * WHvMapGpaRangeFlagTrackDirtyPages were written, and clears the state.
 * (Bitmap) NULL with (BitmapSizeInBytes) 0 only clears. Untracked range:
 * WHV_E_GPA_RANGE_NOT_FOUND.
 */
OPENWHP_API HRESULT WINAPI WHvQueryGpaRangeDirtyBitmap(WHV_PARTITION_HANDLE Partition,
						       WHV_GUEST_PHYSICAL_ADDRESS GuestAddress,
						       UINT64 RangeSizeInBytes, UINT64 *Bitmap,
						       UINT32 BitmapSizeInBytes);

/*
 * WHvAdviseGpaRange gives (Advice) (populate, pin, unpin) for (GpaRanges);
 * it does not change guest-visible state.
 */
OPENWHP_API HRESULT WINAPI WHvAdviseGpaRange(WHV_PARTITION_HANDLE Partition,
					     const WHV_MEMORY_RANGE_ENTRY *GpaRanges,
					     UINT32 GpaRangesCount,
					     WHV_ADVISE_GPA_RANGE_CODE Advice,
					     const VOID *AdviceBuffer,
					     UINT32 AdviceBufferSizeInBytes);

/*
 * WHvReadGpaRange / WHvWriteGpaRange copy 1..WHV_READ_WRITE_GPA_RANGE_MAX_SIZE
 * bytes of guest physical memory in the context of VP (VpIndex). Larger
 * sizes or reserved control bits: E_INVALIDARG; unmapped GPA:
 * E_ACCESSDENIED.
 */
OPENWHP_API HRESULT WINAPI WHvReadGpaRange(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
					   WHV_GUEST_PHYSICAL_ADDRESS GuestAddress,
					   WHV_ACCESS_GPA_CONTROLS Controls, PVOID Data,
					   UINT32 DataSizeInBytes);
OPENWHP_API HRESULT WINAPI WHvWriteGpaRange(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
					    WHV_GUEST_PHYSICAL_ADDRESS GuestAddress,
					    WHV_ACCESS_GPA_CONTROLS Controls, const VOID *Data,
					    UINT32 DataSizeInBytes);

/*
 * Virtual processors.
 *
 * WHvCreateVirtualProcessor(P, i, 0) is WHvCreateVirtualProcessor2(P, i,
 * NULL, 0): create VP (VpIndex) < ProcessorCount; its APIC ID is VpIndex.
 * It starts in real mode at CS:IP F000:FFF0 with CS.Base 0xF0000. (Flags)
 * must be 0. Existing VP: WHV_E_VP_ALREADY_EXISTS. WHvDeleteVirtualProcessor
 * deletes it (it must not be running).
 */
OPENWHP_API HRESULT WINAPI WHvCreateVirtualProcessor(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
						     UINT32 Flags);
OPENWHP_API HRESULT WINAPI
WHvCreateVirtualProcessor2(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
			   const WHV_VIRTUAL_PROCESSOR_PROPERTY *Properties, UINT32 PropertyCount);
OPENWHP_API HRESULT WINAPI WHvDeleteVirtualProcessor(WHV_PARTITION_HANDLE Partition,
						     UINT32 VpIndex);

/*
 * WHvRunVirtualProcessor runs VP (VpIndex) on the calling thread until an
 * exit the caller must handle, then writes a WHV_RUN_VP_EXIT_CONTEXT into
 * (ExitContext) (pass sizeof(WHV_RUN_VP_EXIT_CONTEXT)) and returns S_OK for
 * every exit reason, Canceled included. Intercepted instructions (I/O, MMIO,
 * MSR, CPUID) are not completed: the caller supplies results and advances
 * RIP itself (VpContext.Rip + VpContext.InstructionLength). A failure code
 * means the call itself failed.
 *
 * WHvCancelRunVirtualProcessor, callable from any thread, makes the current
 * or, if the VP is not running, the next run of VP (VpIndex) return with
 * WHvRunVpExitReasonCanceled; several cancels before one run give one
 * Canceled exit. (Flags) must be 0.
 */
OPENWHP_API HRESULT WINAPI WHvRunVirtualProcessor(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
						  VOID *ExitContext, UINT32 ExitContextSizeInBytes);
OPENWHP_API HRESULT WINAPI WHvCancelRunVirtualProcessor(WHV_PARTITION_HANDLE Partition,
							UINT32 VpIndex, UINT32 Flags);

/*
 * VP registers.
 *
 * Get/Set (RegisterCount) registers named in (RegisterNames) from/to
 * (RegisterValues), in order. The VP must not be running. The value array
 * need not be 16-byte aligned. Unknown name: WHV_E_INVALID_VP_REGISTER_NAME;
 * missing VP: WHV_E_VP_DOES_NOT_EXIST.
 */
OPENWHP_API HRESULT WINAPI WHvGetVirtualProcessorRegisters(WHV_PARTITION_HANDLE Partition,
							   UINT32 VpIndex,
							   const WHV_REGISTER_NAME *RegisterNames,
							   UINT32 RegisterCount,
							   WHV_REGISTER_VALUE *RegisterValues);
OPENWHP_API HRESULT WINAPI WHvSetVirtualProcessorRegisters(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, const WHV_REGISTER_NAME *RegisterNames,
	UINT32 RegisterCount, const WHV_REGISTER_VALUE *RegisterValues);

/*
 * Local APIC state (requires LocalApicEmulationMode XApic or X2Apic).
 *
 * The "2" functions use the xAPIC register page layout (each 32-bit register
 * at its MMIO offset); a too-small buffer gives WHV_E_INSUFFICIENT_BUFFER and
 * the needed size in (*WrittenSize). The versions without "2" use an older,
 * undocumented format and are deprecated.
 */
OPENWHP_API HRESULT WINAPI
WHvGetVirtualProcessorInterruptControllerState(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
					       VOID *State, UINT32 StateSize, UINT32 *WrittenSize);
OPENWHP_API HRESULT WINAPI WHvSetVirtualProcessorInterruptControllerState(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, const VOID *State, UINT32 StateSize);
OPENWHP_API HRESULT WINAPI
WHvGetVirtualProcessorInterruptControllerState2(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
						VOID *State, UINT32 StateSize, UINT32 *WrittenSize);
OPENWHP_API HRESULT WINAPI WHvSetVirtualProcessorInterruptControllerState2(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, const VOID *State, UINT32 StateSize);

/*
 * Interrupts (require LAPIC emulation).
 *
 * WHvRequestInterrupt delivers (Interrupt) (type, APIC destination, vector,
 * trigger mode; pass sizeof(WHV_INTERRUPT_CONTROL)) to the emulated local
 * APICs, from any thread, waking a halted VP. WHvGetInterruptTargetVpSet
 * resolves an APIC (Destination) to VP indices in (TargetVps).
 */
OPENWHP_API HRESULT WINAPI WHvRequestInterrupt(WHV_PARTITION_HANDLE Partition,
					       const WHV_INTERRUPT_CONTROL *Interrupt,
					       UINT32 InterruptControlSize);
OPENWHP_API HRESULT WINAPI
WHvGetInterruptTargetVpSet(WHV_PARTITION_HANDLE Partition, UINT64 Destination,
			   WHV_INTERRUPT_DESTINATION_MODE DestinationMode, UINT32 *TargetVps,
			   UINT32 VpCount, UINT32 *TargetVpCount);

/*
 * Extended VP state.
 *
 * XSAVE state is an x86 XSAVE area in compacted form; a too-small buffer
 * (even NULL with size 0) gives WHV_E_INSUFFICIENT_BUFFER and the needed size
 * in (*BytesWritten). WHvGet/SetVirtualProcessorState is the generic form
 * selected by (StateType); Set needs the exact size.
 * WHvGetVirtualProcessorCpuidOutput returns what CPUID(Eax, Ecx) gives the
 * guest on VP (VpIndex).
 */
OPENWHP_API HRESULT WINAPI WHvGetVirtualProcessorXsaveState(WHV_PARTITION_HANDLE Partition,
							    UINT32 VpIndex, VOID *Buffer,
							    UINT32 BufferSizeInBytes,
							    UINT32 *BytesWritten);
OPENWHP_API HRESULT WINAPI WHvSetVirtualProcessorXsaveState(WHV_PARTITION_HANDLE Partition,
							    UINT32 VpIndex, const VOID *Buffer,
							    UINT32 BufferSizeInBytes);
OPENWHP_API HRESULT WINAPI WHvGetVirtualProcessorState(WHV_PARTITION_HANDLE Partition,
						       UINT32 VpIndex,
						       WHV_VIRTUAL_PROCESSOR_STATE_TYPE StateType,
						       VOID *Buffer, UINT32 BufferSizeInBytes,
						       UINT32 *BytesWritten);
OPENWHP_API HRESULT WINAPI WHvSetVirtualProcessorState(WHV_PARTITION_HANDLE Partition,
						       UINT32 VpIndex,
						       WHV_VIRTUAL_PROCESSOR_STATE_TYPE StateType,
						       const VOID *Buffer,
						       UINT32 BufferSizeInBytes);
OPENWHP_API HRESULT WINAPI WHvGetVirtualProcessorCpuidOutput(WHV_PARTITION_HANDLE Partition,
							     UINT32 VpIndex, UINT32 Eax, UINT32 Ecx,
							     WHV_CPUID_OUTPUT *CpuidOutput);

/*
 * Counters: the structure for (CounterSet) (WHV_PARTITION_MEMORY_COUNTERS,
 * WHV_PROCESSOR_RUNTIME_COUNTERS, ...) is written to (Buffer).
 */
OPENWHP_API HRESULT WINAPI WHvGetPartitionCounters(WHV_PARTITION_HANDLE Partition,
						   WHV_PARTITION_COUNTER_SET CounterSet,
						   VOID *Buffer, UINT32 BufferSizeInBytes,
						   UINT32 *BytesWritten);
OPENWHP_API HRESULT WINAPI WHvGetVirtualProcessorCounters(WHV_PARTITION_HANDLE Partition,
							  UINT32 VpIndex,
							  WHV_PROCESSOR_COUNTER_SET CounterSet,
							  VOID *Buffer, UINT32 BufferSizeInBytes,
							  UINT32 *BytesWritten);

/*
 * Rarely used areas: doorbells, SynIC, virtual PCI devices, triggers,
 * notification ports and migration. Declared with Windows' signatures so
 * that programs using them compile; several have no KVM counterpart, so
 * check the HRESULT.
 */
OPENWHP_API HRESULT WINAPI
WHvRegisterPartitionDoorbellEvent(WHV_PARTITION_HANDLE Partition,
				  const WHV_DOORBELL_MATCH_DATA *MatchData, HANDLE EventHandle);
OPENWHP_API HRESULT WINAPI WHvUnregisterPartitionDoorbellEvent(
	WHV_PARTITION_HANDLE Partition, const WHV_DOORBELL_MATCH_DATA *MatchData);

OPENWHP_API HRESULT WINAPI WHvSignalVirtualProcessorSynicEvent(
	WHV_PARTITION_HANDLE Partition, WHV_SYNIC_EVENT_PARAMETERS SynicEvent, BOOL *NewlySignaled);
OPENWHP_API HRESULT WINAPI WHvPostVirtualProcessorSynicMessage(WHV_PARTITION_HANDLE Partition,
							       UINT32 VpIndex, UINT32 SintIndex,
							       const VOID *Message,
							       UINT32 MessageSizeInBytes);

OPENWHP_API HRESULT WINAPI WHvAllocateVpciResource(const GUID *ProviderId,
						   WHV_ALLOCATE_VPCI_RESOURCE_FLAGS Flags,
						   const VOID *ResourceDescriptor,
						   UINT32 ResourceDescriptorSizeInBytes,
						   HANDLE *VpciResource);
OPENWHP_API HRESULT WINAPI WHvCreateVpciDevice(WHV_PARTITION_HANDLE Partition,
					       UINT64 LogicalDeviceId, HANDLE VpciResource,
					       WHV_CREATE_VPCI_DEVICE_FLAGS Flags,
					       HANDLE NotificationEventHandle);
OPENWHP_API HRESULT WINAPI WHvDeleteVpciDevice(WHV_PARTITION_HANDLE Partition,
					       UINT64 LogicalDeviceId);
OPENWHP_API HRESULT WINAPI WHvGetVpciDeviceProperty(WHV_PARTITION_HANDLE Partition,
						    UINT64 LogicalDeviceId,
						    WHV_VPCI_DEVICE_PROPERTY_CODE PropertyCode,
						    VOID *PropertyBuffer,
						    UINT32 PropertyBufferSizeInBytes,
						    UINT32 *WrittenSizeInBytes);
OPENWHP_API HRESULT WINAPI WHvGetVpciDeviceNotification(WHV_PARTITION_HANDLE Partition,
							UINT64 LogicalDeviceId,
							WHV_VPCI_DEVICE_NOTIFICATION *Notification,
							UINT32 NotificationSizeInBytes);
OPENWHP_API HRESULT WINAPI WHvMapVpciDeviceMmioRanges(WHV_PARTITION_HANDLE Partition,
						      UINT64 LogicalDeviceId, UINT32 *MappingCount,
						      WHV_VPCI_MMIO_MAPPING **Mappings);
OPENWHP_API HRESULT WINAPI WHvUnmapVpciDeviceMmioRanges(WHV_PARTITION_HANDLE Partition,
							UINT64 LogicalDeviceId);
OPENWHP_API HRESULT WINAPI WHvSetVpciDevicePowerState(WHV_PARTITION_HANDLE Partition,
						      UINT64 LogicalDeviceId,
						      DEVICE_POWER_STATE PowerState);
OPENWHP_API HRESULT WINAPI WHvReadVpciDeviceRegister(WHV_PARTITION_HANDLE Partition,
						     UINT64 LogicalDeviceId,
						     const WHV_VPCI_DEVICE_REGISTER *Register,
						     VOID *Data);
OPENWHP_API HRESULT WINAPI WHvWriteVpciDeviceRegister(WHV_PARTITION_HANDLE Partition,
						      UINT64 LogicalDeviceId,
						      const WHV_VPCI_DEVICE_REGISTER *Register,
						      const VOID *Data);
OPENWHP_API HRESULT WINAPI WHvMapVpciDeviceInterrupt(WHV_PARTITION_HANDLE Partition,
						     UINT64 LogicalDeviceId, UINT32 Index,
						     UINT32 MessageCount,
						     const WHV_VPCI_INTERRUPT_TARGET *Target,
						     UINT64 *MsiAddress, UINT32 *MsiData);
OPENWHP_API HRESULT WINAPI WHvUnmapVpciDeviceInterrupt(WHV_PARTITION_HANDLE Partition,
						       UINT64 LogicalDeviceId, UINT32 Index);
OPENWHP_API HRESULT WINAPI WHvRetargetVpciDeviceInterrupt(WHV_PARTITION_HANDLE Partition,
							  UINT64 LogicalDeviceId, UINT64 MsiAddress,
							  UINT32 MsiData,
							  const WHV_VPCI_INTERRUPT_TARGET *Target);
OPENWHP_API HRESULT WINAPI WHvRequestVpciDeviceInterrupt(WHV_PARTITION_HANDLE Partition,
							 UINT64 LogicalDeviceId, UINT64 MsiAddress,
							 UINT32 MsiData);
OPENWHP_API HRESULT WINAPI WHvGetVpciDeviceInterruptTarget(WHV_PARTITION_HANDLE Partition,
							   UINT64 LogicalDeviceId, UINT32 Index,
							   UINT32 MultiMessageNumber,
							   WHV_VPCI_INTERRUPT_TARGET *Target,
							   UINT32 TargetSizeInBytes,
							   UINT32 *BytesWritten);

OPENWHP_API HRESULT WINAPI WHvCreateTrigger(WHV_PARTITION_HANDLE Partition,
					    const WHV_TRIGGER_PARAMETERS *Parameters,
					    WHV_TRIGGER_HANDLE *TriggerHandle, HANDLE *EventHandle);
OPENWHP_API HRESULT WINAPI WHvUpdateTriggerParameters(WHV_PARTITION_HANDLE Partition,
						      const WHV_TRIGGER_PARAMETERS *Parameters,
						      WHV_TRIGGER_HANDLE TriggerHandle);
OPENWHP_API HRESULT WINAPI WHvDeleteTrigger(WHV_PARTITION_HANDLE Partition,
					    WHV_TRIGGER_HANDLE TriggerHandle);

OPENWHP_API HRESULT WINAPI WHvCreateNotificationPort(
	WHV_PARTITION_HANDLE Partition, const WHV_NOTIFICATION_PORT_PARAMETERS *Parameters,
	HANDLE EventHandle, WHV_NOTIFICATION_PORT_HANDLE *PortHandle);
OPENWHP_API HRESULT WINAPI WHvSetNotificationPortProperty(
	WHV_PARTITION_HANDLE Partition, WHV_NOTIFICATION_PORT_HANDLE PortHandle,
	WHV_NOTIFICATION_PORT_PROPERTY_CODE PropertyCode,
	WHV_NOTIFICATION_PORT_PROPERTY PropertyValue);
OPENWHP_API HRESULT WINAPI WHvDeleteNotificationPort(WHV_PARTITION_HANDLE Partition,
						     WHV_NOTIFICATION_PORT_HANDLE PortHandle);

OPENWHP_API HRESULT WINAPI WHvStartPartitionMigration(WHV_PARTITION_HANDLE Partition,
						      HANDLE *MigrationHandle);
OPENWHP_API HRESULT WINAPI WHvCancelPartitionMigration(WHV_PARTITION_HANDLE Partition);
OPENWHP_API HRESULT WINAPI WHvCompletePartitionMigration(WHV_PARTITION_HANDLE Partition);
OPENWHP_API HRESULT WINAPI WHvAcceptPartitionMigration(HANDLE MigrationHandle,
						       WHV_PARTITION_HANDLE *Partition);

#ifdef __cplusplus
}
#endif

#endif /* _WINHVAPI_H_ */
