/* interrupt.c: WHvRequestInterrupt, WHvGetInterruptTargetVpSet and the interrupt-controller state calls. */
#include <string.h>

#include "internal.h"
#include "partition.h"

OPENWHP_API HRESULT WINAPI WHvRequestInterrupt(WHV_PARTITION_HANDLE Partition,
					       const WHV_INTERRUPT_CONTROL *Interrupt,
					       UINT32 InterruptControlSize)
{
	struct whp_partition *p = partition_get(Partition);
	WHV_INTERRUPT_CONTROL ctl;
	int rc;

	err_clear();
	if (!p)
		return partition_bad_handle(Partition);
	if (!Interrupt) {
		rc = err_set(OE_POINTER, "Interrupt is NULL");
		goto out;
	}
	if (InterruptControlSize < sizeof(ctl)) {
		rc = err_set(-EINVAL, "InterruptControlSize %u is below %zu", InterruptControlSize,
			     sizeof(ctl));
		goto out;
	}
	memcpy(&ctl, Interrupt, sizeof(ctl));
	/*
	 * The partition lock is held across the request: it keeps every VP's
	 * run thread inside its WHvRunVirtualProcessor while the engine may kick
	 * it (engine.h). Any thread may call this while VPs run.
	 */
	pthread_mutex_lock(&p->lock);
	if (!p->setup)
		rc = err_set(OE_INVALID_STATE, "the partition is not set up");
	else
		rc = p->ops->vm_request_interrupt(p->vm, &ctl);
	pthread_mutex_unlock(&p->lock);
out:
	partition_put(p);
	return api_return(rc);
}

/*
 * Does a VP whose APIC holds (ldr, dfr) accept logical destination (dest)?
 * SDM Vol.3 11.6.2.2: xAPIC flat model (DFR[31:28] = 1111b) matches when
 * LDR[31:24] and the 8-bit destination share a bit; cluster model (0000b)
 * when the cluster (high nibble) is equal and the low nibbles share a bit.
 * x2APIC (destinations above 0xFF here): cluster in bits 31:16, members in
 * 15:0 (SDM Vol.3 11.12.10.2).
 */
static bool logical_match(uint32_t ldr, uint32_t dfr, uint64_t dest)
{
	if (dest > 0xFF)
		return (ldr >> 16) == (dest >> 16) && (ldr & dest & 0xFFFF) != 0;
	if ((dfr >> 28) == 0xF)
		return ((ldr >> 24) & dest) != 0;
	return ((ldr >> 28) & 0xF) == ((dest >> 4) & 0xF) && ((ldr >> 24) & dest & 0xF) != 0;
}

/*
 * The VPs an interrupt to (Destination, DestinationMode) reaches. The APIC ID
 * of a VP is its index and the guest cannot change it (whp-reference §4.6),
 * so physical destinations resolve without asking the APICs; 0xFF (xAPIC) and
 * 0xFFFFFFFF (x2APIC) are the broadcast. Logical destinations depend on each
 * VP's guest-programmed LDR and DFR, read from its APIC state: a VP inside its
 * run cannot be asked (KVM would block until the run ends), so the call then
 * fails with WHV_E_INVALID_VP_STATE instead of waiting.
 */
OPENWHP_API HRESULT WINAPI
WHvGetInterruptTargetVpSet(WHV_PARTITION_HANDLE Partition, UINT64 Destination,
			   WHV_INTERRUPT_DESTINATION_MODE DestinationMode, UINT32 *TargetVps,
			   UINT32 VpCount, UINT32 *TargetVpCount)
{
	struct whp_partition *p = partition_get(Partition);
	uint32_t i, n = 0;
	int rc = 0;

	err_clear();
	if (!p)
		return partition_bad_handle(Partition);
	if (!TargetVps || !TargetVpCount) {
		rc = err_set(OE_POINTER, "TargetVps or TargetVpCount is NULL");
		goto out;
	}
	pthread_mutex_lock(&p->lock);
	if (!p->setup)
		rc = err_set(OE_INVALID_STATE, "the partition is not set up");
	else if (p->lapic_mode == WHvX64LocalApicEmulationModeNone)
		rc = err_set(OE_OPERATION_DENIED, "needs local APIC emulation");
	else if (VpCount < p->processor_count)
		rc = err_set(-EINVAL, "VpCount %u is below the processor count %u", VpCount,
			     p->processor_count);
	else if (DestinationMode != WHvX64InterruptDestinationModePhysical &&
		 DestinationMode != WHvX64InterruptDestinationModeLogical)
		rc = err_set(-EINVAL, "unknown destination mode %u", (unsigned)DestinationMode);
	for (i = 0; rc == 0 && i < p->processor_count; i++) {
		struct whp_vp *vp = &p->vps[i];
		bool all = Destination == 0xFF ||
			   (p->lapic_mode == WHvX64LocalApicEmulationModeX2Apic &&
			    Destination == 0xFFFFFFFFull);
		uint8_t page[1024];
		uint32_t ldr, dfr, written;

		if (!vp->exists)
			continue;
		if (all || (DestinationMode == WHvX64InterruptDestinationModePhysical &&
			    Destination == i)) {
			TargetVps[n++] = i;
			continue;
		}
		if (DestinationMode != WHvX64InterruptDestinationModeLogical)
			continue;
		if (vp->running) {
			rc = err_set(OE_INVALID_VP_STATE,
				     "VP %u is running: its logical APIC "
				     "destination cannot be read now",
				     i);
			break;
		}
		pthread_mutex_lock(&vp->op_lock);
		rc = p->ops->vcpu_get_lapic(vp->vcpu, page, sizeof(page), &written);
		pthread_mutex_unlock(&vp->op_lock);
		if (rc)
			break;
		memcpy(&ldr, page + 0xD0, 4);
		memcpy(&dfr, page + 0xE0, 4);
		if (logical_match(ldr, dfr, Destination))
			TargetVps[n++] = i;
	}
	pthread_mutex_unlock(&p->lock);
	if (rc == 0)
		*TargetVpCount = n;
out:
	partition_put(p);
	return api_return(rc);
}

/* Shared by the legacy and the "2" calls: both use the xAPIC page layout here. */
static int lapic_call(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, void *out, const void *in,
		      UINT32 size, UINT32 *written)
{
	struct whp_partition *p = partition_get(Partition);
	struct whp_vp *vp;
	int rc;

	if (!p)
		return OE_HANDLE;
	rc = partition_vp_enter(p, VpIndex, &vp);
	if (rc == 0) {
		if (in)
			rc = p->ops->vcpu_set_lapic(vp->vcpu, in, size);
		else
			rc = p->ops->vcpu_get_lapic(vp->vcpu, out, size, written);
		partition_vp_leave(vp);
	}
	partition_put(p);
	return rc;
}

OPENWHP_API HRESULT WINAPI
WHvGetVirtualProcessorInterruptControllerState2(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
						VOID *State, UINT32 StateSize, UINT32 *WrittenSize)
{
	err_clear();
	return api_return(lapic_call(Partition, VpIndex, State, NULL, StateSize, WrittenSize));
}

OPENWHP_API HRESULT WINAPI WHvSetVirtualProcessorInterruptControllerState2(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, const VOID *State, UINT32 StateSize)
{
	err_clear();
	if (!State)
		return api_return(err_set(OE_POINTER, "State is NULL"));
	return api_return(lapic_call(Partition, VpIndex, NULL, State, StateSize, NULL));
}

OPENWHP_API HRESULT WINAPI
WHvGetVirtualProcessorInterruptControllerState(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
					       VOID *State, UINT32 StateSize, UINT32 *WrittenSize)
{
	return WHvGetVirtualProcessorInterruptControllerState2(Partition, VpIndex, State, StateSize,
							       WrittenSize);
}

OPENWHP_API HRESULT WINAPI WHvSetVirtualProcessorInterruptControllerState(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, const VOID *State, UINT32 StateSize)
{
	return WHvSetVirtualProcessorInterruptControllerState2(Partition, VpIndex, State,
							       StateSize);
}
