/* interrupt.c: WHvRequestInterrupt, WHvGetInterruptTargetVpSet and the interrupt-controller state calls. */
#include <string.h>

#include "internal.h"
#include "partition.h"

OPENWHP_API HRESULT WINAPI WHvRequestInterrupt(WHV_PARTITION_HANDLE Partition,
	const WHV_INTERRUPT_CONTROL *Interrupt, UINT32 InterruptControlSize)
{
	struct whp_partition *p = partition_get(Partition);
	WHV_INTERRUPT_CONTROL ctl;
	int rc;

	err_clear();
	if (!p)
		return api_return(OE_HANDLE);
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
 * The VPs an interrupt to (Destination, DestinationMode) reaches. The APIC ID
 * of a VP is its index and the guest cannot change it (whp-reference §4.6),
 * so physical destinations resolve without asking the APICs; 0xFF (xAPIC) and
 * 0xFFFFFFFF (x2APIC) are the broadcast. Logical destinations depend on each
 * guest-programmed LDR/DFR, which would have to be read from running VPs:
 * not available yet.
 */
OPENWHP_API HRESULT WINAPI WHvGetInterruptTargetVpSet(WHV_PARTITION_HANDLE Partition,
	UINT64 Destination, WHV_INTERRUPT_DESTINATION_MODE DestinationMode, UINT32 *TargetVps,
	UINT32 VpCount, UINT32 *TargetVpCount)
{
	struct whp_partition *p = partition_get(Partition);
	uint32_t i, n = 0;
	int rc = 0;

	err_clear();
	if (!p)
		return api_return(OE_HANDLE);
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
	else if (DestinationMode != WHvX64InterruptDestinationModePhysical)
		rc = err_set(OE_NOT_IMPLEMENTED, "logical destinations are not resolved yet");
	for (i = 0; rc == 0 && i < p->processor_count; i++) {
		bool all = Destination == 0xFF ||
			   (p->lapic_mode == WHvX64LocalApicEmulationModeX2Apic &&
			    Destination == 0xFFFFFFFFull);

		if (p->vps[i].exists && (all || Destination == i))
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
static int lapic_call(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, void *out,
		      const void *in, UINT32 size, UINT32 *written)
{
	struct whp_partition *p = partition_get(Partition);
	struct whp_vp *vp;
	int rc;

	if (!p)
		return OE_HANDLE;
	pthread_mutex_lock(&p->lock);
	rc = partition_vp(p, VpIndex, &vp);
	if (rc == 0 && vp->running)
		rc = err_set(OE_INVALID_VP_STATE, "VP %u is running", VpIndex);
	if (rc == 0)
		pthread_mutex_lock(&vp->op_lock);
	pthread_mutex_unlock(&p->lock);
	if (rc == 0) {
		if (in)
			rc = p->ops->vcpu_set_lapic(vp->vcpu, in, size);
		else
			rc = p->ops->vcpu_get_lapic(vp->vcpu, out, size, written);
		pthread_mutex_unlock(&vp->op_lock);
	}
	partition_put(p);
	return rc;
}

OPENWHP_API HRESULT WINAPI WHvGetVirtualProcessorInterruptControllerState2(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, VOID *State, UINT32 StateSize,
	UINT32 *WrittenSize)
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

OPENWHP_API HRESULT WINAPI WHvGetVirtualProcessorInterruptControllerState(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, VOID *State, UINT32 StateSize,
	UINT32 *WrittenSize)
{
	return WHvGetVirtualProcessorInterruptControllerState2(Partition, VpIndex, State,
							       StateSize, WrittenSize);
}

OPENWHP_API HRESULT WINAPI WHvSetVirtualProcessorInterruptControllerState(
	WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, const VOID *State, UINT32 StateSize)
{
	return WHvSetVirtualProcessorInterruptControllerState2(Partition, VpIndex, State,
							       StateSize);
}
