/* capability.c: WHvGetCapability, answered from what the engine reports about this host. */
#include <string.h>

#include "engine.h"
#include "internal.h"

/* Size of each capability's value; 0 for codes this build does not know. */
static uint32_t capability_size(WHV_CAPABILITY_CODE code)
{
	switch (code) {
	case WHvCapabilityCodeHypervisorPresent: return sizeof(BOOL);
	case WHvCapabilityCodeFeatures: return sizeof(UINT64);
	case WHvCapabilityCodeExtendedVmExits: return sizeof(UINT64);
	case WHvCapabilityCodeExceptionExitBitmap: return sizeof(UINT64);
	case WHvCapabilityCodeX64MsrExitBitmap: return sizeof(UINT64);
	case WHvCapabilityCodeGpaRangePopulateFlags: return sizeof(UINT32);
	case WHvCapabilityCodeSchedulerFeatures: return sizeof(UINT64);
	case WHvCapabilityCodeProcessorVendor: return sizeof(UINT32);
	case WHvCapabilityCodeProcessorFeatures: return sizeof(UINT64);
	case WHvCapabilityCodeProcessorClFlushSize: return sizeof(UINT8);
	case WHvCapabilityCodeProcessorXsaveFeatures: return sizeof(UINT64);
	case WHvCapabilityCodeProcessorClockFrequency: return sizeof(UINT64);
	case WHvCapabilityCodeInterruptClockFrequency: return sizeof(UINT64);
	case WHvCapabilityCodeProcessorFeaturesBanks: return sizeof(WHV_PROCESSOR_FEATURES_BANKS);
	case WHvCapabilityCodeProcessorFrequencyCap:
		return sizeof(WHV_CAPABILITY_PROCESSOR_FREQUENCY_CAP);
	case WHvCapabilityCodeSyntheticProcessorFeaturesBanks:
		return sizeof(WHV_SYNTHETIC_PROCESSOR_FEATURES_BANKS);
	case WHvCapabilityCodeProcessorPerfmonFeatures: return sizeof(UINT64);
	case WHvCapabilityCodePhysicalAddressWidth: return sizeof(UINT32);
	default: return 0;
	}
}

static void capability_fill(WHV_CAPABILITY_CODE code, const struct engine_caps *c,
			    WHV_CAPABILITY *v)
{
	switch (code) {
	case WHvCapabilityCodeHypervisorPresent:
		v->HypervisorPresent = c->present ? TRUE : FALSE;
		break;
	case WHvCapabilityCodeFeatures: v->Features.AsUINT64 = c->features; break;
	case WHvCapabilityCodeExtendedVmExits:
		v->ExtendedVmExits.AsUINT64 = c->extended_vm_exits;
		break;
	case WHvCapabilityCodeExceptionExitBitmap:
		v->ExceptionExitBitmap = c->exception_exit_bitmap;
		break;
	case WHvCapabilityCodeProcessorVendor:
		v->ProcessorVendor = (WHV_PROCESSOR_VENDOR)c->processor_vendor;
		break;
	case WHvCapabilityCodeProcessorFeatures:
		v->ProcessorFeatures.AsUINT64 = c->processor_features[0];
		break;
	case WHvCapabilityCodeProcessorClFlushSize:
		v->ProcessorClFlushSize = c->clflush_size;
		break;
	case WHvCapabilityCodeProcessorXsaveFeatures:
		v->ProcessorXsaveFeatures.AsUINT64 = c->xsave_features;
		break;
	case WHvCapabilityCodeProcessorClockFrequency:
		v->ProcessorClockFrequency = c->processor_clock_hz;
		break;
	case WHvCapabilityCodeInterruptClockFrequency:
		v->InterruptClockFrequency = c->interrupt_clock_hz;
		break;
	case WHvCapabilityCodeProcessorFeaturesBanks:
		v->ProcessorFeaturesBanks.BanksCount = 2;
		v->ProcessorFeaturesBanks.Bank0.AsUINT64 = c->processor_features[0];
		v->ProcessorFeaturesBanks.Bank1.AsUINT64 = c->processor_features[1];
		break;
	case WHvCapabilityCodeSyntheticProcessorFeaturesBanks:
		/* No Hyper-V enlightenments are offered: one bank, all zero. */
		v->SyntheticProcessorFeaturesBanks.BanksCount = 1;
		break;
	case WHvCapabilityCodePhysicalAddressWidth:
		v->PhysicalAddressWidth = c->physical_address_width;
		break;
	default:
		/* MSR exit bitmap, populate flags, scheduler, frequency cap, perfmon: none. */
		break;
	}
}

OPENWHP_API HRESULT WINAPI WHvGetCapability(WHV_CAPABILITY_CODE CapabilityCode,
					    VOID *CapabilityBuffer,
					    UINT32 CapabilityBufferSizeInBytes,
					    UINT32 *WrittenSizeInBytes)
{
	struct engine_caps caps;
	WHV_CAPABILITY v;
	uint32_t size;
	int rc;

	err_clear();
	size = capability_size(CapabilityCode);
	if (!size)
		return api_return(err_set(OE_UNKNOWN_CAPABILITY, "unknown capability 0x%x",
					  (unsigned)CapabilityCode));
	if (WrittenSizeInBytes)
		*WrittenSizeInBytes = size;
	if (CapabilityBufferSizeInBytes < size)
		return api_return(
			err_set(OE_INSUFFICIENT_BUFFER, "capability 0x%x needs %u bytes, got %u",
				(unsigned)CapabilityCode, size, CapabilityBufferSizeInBytes));
	if (!CapabilityBuffer)
		return api_return(err_set(OE_POINTER, "CapabilityBuffer is NULL"));
	rc = kvm_engine_ops.host_caps(&caps);
	if (rc)
		return api_return(rc);
	memset(&v, 0, sizeof(v));
	capability_fill(CapabilityCode, &caps, &v);
	memcpy(CapabilityBuffer, &v, size);
	return S_OK;
}
