/* state.c: XSAVE and VP state, CPUID output, counters, partition time, translation, dirty pages. */
#include <string.h>

#include "gva.h"
#include "internal.h"
#include "partition.h"

/* ------------------------------------------------------------------------ */
/* XSAVE and the generic VP state                                            */
/* ------------------------------------------------------------------------ */

/* What each WHV_VIRTUAL_PROCESSOR_STATE_TYPE is, on this platform. */
enum state_kind {
	SK_XSAVE,
	SK_LAPIC,
	SK_REFUSED,
	SK_UNKNOWN
};

static enum state_kind state_kind_of(WHV_VIRTUAL_PROCESSOR_STATE_TYPE type)
{
	switch (type) {
	case WHvVirtualProcessorStateTypeXsaveState: return SK_XSAVE;
	case WHvVirtualProcessorStateTypeInterruptControllerState2: return SK_LAPIC;
	case WHvVirtualProcessorStateTypeSynicMessagePage:
	case WHvVirtualProcessorStateTypeSynicEventFlagPage:
	case WHvVirtualProcessorStateTypeSynicTimerState:
	case WHvVirtualProcessorStateTypeNestedState: return SK_REFUSED;
	default: return SK_UNKNOWN;
	}
}

/*
 * The SynIC pages and timers exist only in partitions with the synthetic
 * interrupt controller, which needs KVM's Hyper-V emulation (absent on this
 * host: kvm-platform-facts §0); nested state needs nested virtualization,
 * which openwhp does not offer (the NestedVirtualization property is FALSE).
 */
static int state_refused(WHV_VIRTUAL_PROCESSOR_STATE_TYPE type)
{
	return err_set(OE_NOT_SUPPORTED, "VP state type 0x%x: %s", (unsigned)type,
		       type == WHvVirtualProcessorStateTypeNestedState
			       ? "nested virtualization is not available"
			       : "the synthetic interrupt controller is not available");
}

static int state_get(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
		     WHV_VIRTUAL_PROCESSOR_STATE_TYPE type, VOID *Buffer, UINT32 size,
		     UINT32 *written)
{
	struct whp_partition *p = partition_get(Partition);
	enum state_kind k = state_kind_of(type);
	struct whp_vp *vp;
	int rc;

	if (!p)
		return OE_HANDLE;
	if (k == SK_UNKNOWN) {
		rc = err_set(-EINVAL, "unknown VP state type 0x%x", (unsigned)type);
		goto out;
	}
	if (!written || (size && !Buffer)) {
		rc = err_set(OE_POINTER, "Buffer or BytesWritten is NULL");
		goto out;
	}
	if (k == SK_REFUSED) {
		rc = state_refused(type);
		goto out;
	}
	rc = partition_vp_enter(p, VpIndex, &vp);
	if (rc)
		goto out;
	if (k == SK_XSAVE)
		rc = p->ops->vcpu_get_xsave(vp->vcpu, Buffer, size, written);
	else
		rc = p->ops->vcpu_get_lapic(vp->vcpu, Buffer, size, written);
	partition_vp_leave(vp);
out:
	partition_put(p);
	return rc;
}

static int state_set(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
		     WHV_VIRTUAL_PROCESSOR_STATE_TYPE type, const VOID *Buffer, UINT32 size)
{
	struct whp_partition *p = partition_get(Partition);
	enum state_kind k = state_kind_of(type);
	struct whp_vp *vp;
	int rc;

	if (!p)
		return OE_HANDLE;
	if (k == SK_UNKNOWN) {
		rc = err_set(-EINVAL, "unknown VP state type 0x%x", (unsigned)type);
		goto out;
	}
	if (!Buffer) {
		rc = err_set(OE_POINTER, "Buffer is NULL");
		goto out;
	}
	if (k == SK_REFUSED) {
		rc = state_refused(type);
		goto out;
	}
	rc = partition_vp_enter(p, VpIndex, &vp);
	if (rc)
		goto out;
	if (k == SK_XSAVE)
		rc = p->ops->vcpu_set_xsave(vp->vcpu, Buffer, size);
	else
		rc = p->ops->vcpu_set_lapic(vp->vcpu, Buffer, size);
	partition_vp_leave(vp);
out:
	partition_put(p);
	return rc;
}

OPENWHP_API HRESULT WINAPI WHvGetVirtualProcessorXsaveState(WHV_PARTITION_HANDLE Partition,
							    UINT32 VpIndex, VOID *Buffer,
							    UINT32 BufferSizeInBytes,
							    UINT32 *BytesWritten)
{
	err_clear();
	return api_return(state_get(Partition, VpIndex, WHvVirtualProcessorStateTypeXsaveState,
				    Buffer, BufferSizeInBytes, BytesWritten));
}

OPENWHP_API HRESULT WINAPI WHvSetVirtualProcessorXsaveState(WHV_PARTITION_HANDLE Partition,
							    UINT32 VpIndex, const VOID *Buffer,
							    UINT32 BufferSizeInBytes)
{
	err_clear();
	return api_return(state_set(Partition, VpIndex, WHvVirtualProcessorStateTypeXsaveState,
				    Buffer, BufferSizeInBytes));
}

OPENWHP_API HRESULT WINAPI WHvGetVirtualProcessorState(WHV_PARTITION_HANDLE Partition,
						       UINT32 VpIndex,
						       WHV_VIRTUAL_PROCESSOR_STATE_TYPE StateType,
						       VOID *Buffer, UINT32 BufferSizeInBytes,
						       UINT32 *BytesWritten)
{
	err_clear();
	return api_return(
		state_get(Partition, VpIndex, StateType, Buffer, BufferSizeInBytes, BytesWritten));
}

OPENWHP_API HRESULT WINAPI WHvSetVirtualProcessorState(WHV_PARTITION_HANDLE Partition,
						       UINT32 VpIndex,
						       WHV_VIRTUAL_PROCESSOR_STATE_TYPE StateType,
						       const VOID *Buffer, UINT32 BufferSizeInBytes)
{
	err_clear();
	return api_return(state_set(Partition, VpIndex, StateType, Buffer, BufferSizeInBytes));
}

/* ------------------------------------------------------------------------ */
/* CPUID output                                                              */
/* ------------------------------------------------------------------------ */

OPENWHP_API HRESULT WINAPI WHvGetVirtualProcessorCpuidOutput(WHV_PARTITION_HANDLE Partition,
							     UINT32 VpIndex, UINT32 Eax, UINT32 Ecx,
							     WHV_CPUID_OUTPUT *CpuidOutput)
{
	struct whp_partition *p;
	struct whp_vp *vp;
	int rc;

	err_clear();
	p = partition_get(Partition);
	if (!p)
		return partition_bad_handle(Partition);
	if (!CpuidOutput) {
		rc = err_set(OE_POINTER, "CpuidOutput is NULL");
		goto out;
	}
	rc = partition_vp_enter(p, VpIndex, &vp);
	if (rc)
		goto out;
	rc = p->ops->vcpu_get_cpuid(vp->vcpu, Eax, Ecx, CpuidOutput);
	partition_vp_leave(vp);
out:
	partition_put(p);
	return api_return(rc);
}

/* ------------------------------------------------------------------------ */
/* Counters                                                                  */
/* ------------------------------------------------------------------------ */

OPENWHP_API HRESULT WINAPI WHvGetVirtualProcessorCounters(WHV_PARTITION_HANDLE Partition,
							  UINT32 VpIndex,
							  WHV_PROCESSOR_COUNTER_SET CounterSet,
							  VOID *Buffer, UINT32 BufferSizeInBytes,
							  UINT32 *BytesWritten)
{
	struct whp_partition *p;
	struct whp_vp *vp;
	UINT32 written = 0;
	int rc;

	err_clear();
	p = partition_get(Partition);
	if (!p)
		return partition_bad_handle(Partition);
	if (BufferSizeInBytes && !Buffer) {
		rc = err_set(OE_POINTER, "Buffer is NULL");
		goto out;
	}
	rc = partition_vp_enter(p, VpIndex, &vp);
	if (rc)
		goto out;
	rc = p->ops->vcpu_get_counters(vp->vcpu, CounterSet, Buffer, BufferSizeInBytes, &written);
	partition_vp_leave(vp);
	/* BytesWritten is optional; on a short buffer it tells the size needed. */
	if (BytesWritten && (rc == 0 || rc == OE_INSUFFICIENT_BUFFER))
		*BytesWritten = written;
out:
	partition_put(p);
	return api_return(rc);
}

OPENWHP_API HRESULT WINAPI WHvGetPartitionCounters(WHV_PARTITION_HANDLE Partition,
						   WHV_PARTITION_COUNTER_SET CounterSet,
						   VOID *Buffer, UINT32 BufferSizeInBytes,
						   UINT32 *BytesWritten)
{
	struct whp_partition *p;
	WHV_PARTITION_MEMORY_COUNTERS mem;
	int rc = 0;

	err_clear();
	p = partition_get(Partition);
	if (!p)
		return partition_bad_handle(Partition);
	if (CounterSet != WHvPartitionCounterSetMemory) {
		rc = err_set(-EINVAL, "unknown partition counter set %d", (int)CounterSet);
		goto out;
	}
	if (BufferSizeInBytes && !Buffer) {
		rc = err_set(OE_POINTER, "Buffer is NULL");
		goto out;
	}
	if (BytesWritten)
		*BytesWritten = sizeof(mem);
	if (BufferSizeInBytes < sizeof(mem)) {
		rc = err_set(OE_INSUFFICIENT_BUFFER, "the memory counters need %zu bytes, got %u",
			     sizeof(mem), BufferSizeInBytes);
		goto out;
	}
	/* What the guest-physical map could be backed with: see gpa_map_page_counts. */
	gpa_map_page_counts(&p->mem, &mem.Mapped4KPageCount, &mem.Mapped2MPageCount,
			    &mem.Mapped1GPageCount);
	memcpy(Buffer, &mem, sizeof(mem));
out:
	partition_put(p);
	return api_return(rc);
}

/* ------------------------------------------------------------------------ */
/* Partition time                                                            */
/* ------------------------------------------------------------------------ */

/* The index of a VP inside WHvRunVirtualProcessor, or -1; partition lock held. */
static int64_t vp_running(const struct whp_partition *p)
{
	uint32_t i;

	for (i = 0; i < p->processor_count; i++)
		if (p->vps[i].exists && p->vps[i].running)
			return i;
	return -1;
}

OPENWHP_API HRESULT WINAPI WHvSuspendPartitionTime(WHV_PARTITION_HANDLE Partition)
{
	struct whp_partition *p;
	int64_t busy;
	int rc;

	err_clear();
	p = partition_get(Partition);
	if (!p)
		return partition_bad_handle(Partition);
	/*
	 * No VP may be running (WHvSuspendPartitionTime docs). The partition
	 * lock keeps any VP from starting a run until the TSCs are saved; a run
	 * that starts afterwards resumes time first (kvm_vm_time_thaw).
	 */
	pthread_mutex_lock(&p->lock);
	if (!p->setup)
		rc = err_set(OE_INVALID_STATE, "the partition is not set up");
	else if ((busy = vp_running(p)) >= 0)
		rc = err_set(OE_INVALID_VP_STATE, "VP %lld is running", (long long)busy);
	else
		rc = p->ops->vm_suspend_time(p->vm);
	pthread_mutex_unlock(&p->lock);
	partition_put(p);
	return api_return(rc);
}

OPENWHP_API HRESULT WINAPI WHvResumePartitionTime(WHV_PARTITION_HANDLE Partition)
{
	struct whp_partition *p;
	uint32_t i;
	int rc = 0;

	err_clear();
	p = partition_get(Partition);
	if (!p)
		return partition_bad_handle(Partition);
	pthread_mutex_lock(&p->lock);
	if (!p->setup) {
		rc = err_set(OE_INVALID_STATE, "the partition is not set up");
	} else if (vp_running(p) < 0) {
		/*
		 * Every VP's lock: resuming sets each vCPU's TSC and drops its
		 * register cache. A VP that is running has resumed time already
		 * when it entered its run.
		 */
		for (i = 0; i < p->processor_count; i++)
			if (p->vps[i].exists)
				pthread_mutex_lock(&p->vps[i].op_lock);
		rc = p->ops->vm_resume_time(p->vm);
		for (i = p->processor_count; i-- > 0;)
			if (p->vps[i].exists)
				pthread_mutex_unlock(&p->vps[i].op_lock);
	}
	pthread_mutex_unlock(&p->lock);
	partition_put(p);
	return api_return(rc);
}

/* ------------------------------------------------------------------------ */
/* GVA translation                                                           */
/* ------------------------------------------------------------------------ */

#define TRANSLATE_FLAGS_KNOWN                                                      \
	(WHvTranslateGvaFlagValidateRead | WHvTranslateGvaFlagValidateWrite |      \
	 WHvTranslateGvaFlagValidateExecute | WHvTranslateGvaFlagPrivilegeExempt | \
	 WHvTranslateGvaFlagSetPageTableBits | WHvTranslateGvaFlagEnforceSmap |    \
	 WHvTranslateGvaFlagOverrideSmap)

/* Guest memory for the walker: the partition's map, as the VP's accesses see it. */
static int walk_read(void *owner, uint64_t gpa, void *buf, uint32_t len)
{
	return gpa_map_access(&((struct whp_partition *)owner)->mem, gpa, buf, len, 0, 0);
}

static int walk_write(void *owner, uint64_t gpa, const void *buf, uint32_t len)
{
	/* gpa_map_access takes one buffer for both directions; a write only reads it. */
	return gpa_map_access(&((struct whp_partition *)owner)->mem, gpa, (void *)(uintptr_t)buf,
			      len, 1, 1);
}

static int walk_flags(void *owner, uint64_t gpa)
{
	return gpa_map_flags(&((struct whp_partition *)owner)->mem, gpa);
}

/*
 * The walk runs here rather than in the engine because SetPageTableBits
 * writes guest memory through the partition's map. The VP's state comes from
 * the engine: control registers, SS (CPL = SS.DPL, SDM Vol.3 5.5) and
 * RFLAGS.AC; the 1 GiB-page feature from its CPUID; MAXPHYADDR is the
 * partition's physical address width (the same CPUID leaf 80000008H).
 */
static int translate(struct whp_partition *p, struct whp_vp *vp, uint64_t gva, uint32_t flags,
		     WHV_TRANSLATE_GVA_RESULT *result, uint64_t *gpa)
{
	static const WHV_REGISTER_NAME names[] = {
		WHvX64RegisterCr0,  WHvX64RegisterCr3, WHvX64RegisterCr4,
		WHvX64RegisterEfer, WHvX64RegisterSs,  WHvX64RegisterRflags,
	};
	WHV_REGISTER_VALUE v[ARRAY_SIZE(names)];
	struct gva_cpu cpu;
	struct gva_mem mem = { p, walk_read, walk_write, walk_flags };
	WHV_CPUID_OUTPUT ext;
	int rc;

	rc = p->ops->vcpu_get_regs(vp->vcpu, names, ARRAY_SIZE(names), v);
	if (rc)
		return rc;
	memset(&cpu, 0, sizeof(cpu));
	cpu.ctl.cr0 = v[0].Reg64;
	cpu.ctl.cr3 = v[1].Reg64;
	cpu.ctl.cr4 = v[2].Reg64;
	cpu.ctl.efer = v[3].Reg64;
	cpu.cpl = v[4].Segment.DescriptorPrivilegeLevel;
	cpu.rflags = v[5].Reg64;
	cpu.maxphyaddr = p->caps.physical_address_width;
	if ((cpu.ctl.cr0 & (1ull << 31)) && (cpu.ctl.efer & (1ull << 10))) {
		/* 1 GiB pages exist only in IA-32e paging: CPUID.80000001H:EDX[26]. */
		rc = p->ops->vcpu_get_cpuid(vp->vcpu, 0x80000001, 0, &ext);
		if (rc)
			return rc;
		cpu.gbpages = (ext.Edx >> 26) & 1;
	}
	memset(result, 0, sizeof(*result));
	result->ResultCode = gva_translate(&cpu, gva, flags, &mem, gpa);
	return 0;
}

OPENWHP_API HRESULT WINAPI WHvTranslateGva(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
					   WHV_GUEST_VIRTUAL_ADDRESS Gva,
					   WHV_TRANSLATE_GVA_FLAGS TranslateFlags,
					   WHV_TRANSLATE_GVA_RESULT *TranslationResult,
					   WHV_GUEST_PHYSICAL_ADDRESS *Gpa)
{
	struct whp_partition *p;
	uint64_t flags = (uint64_t)TranslateFlags, gpa = 0;
	WHV_TRANSLATE_GVA_RESULT result;
	struct whp_vp *vp;
	int rc;

	err_clear();
	p = partition_get(Partition);
	if (!p)
		return partition_bad_handle(Partition);
	if (!TranslationResult || !Gpa) {
		rc = err_set(OE_POINTER, "TranslationResult or Gpa is NULL");
		goto out;
	}
	if (flags & ~(uint64_t)TRANSLATE_FLAGS_KNOWN) {
		rc = err_set(-EINVAL, "unknown translate flags 0x%llx", (unsigned long long)flags);
		goto out;
	}
	rc = partition_vp_enter(p, VpIndex, &vp);
	if (rc)
		goto out;
	rc = translate(p, vp, Gva, (uint32_t)flags, &result, &gpa);
	partition_vp_leave(vp);
	/* A failed translation is still S_OK: the outcome is the ResultCode (WHP docs). */
	if (rc == 0) {
		*TranslationResult = result;
		*Gpa = gpa;
	}
out:
	partition_put(p);
	return api_return(rc);
}

/* ------------------------------------------------------------------------ */
/* Dirty pages                                                               */
/* ------------------------------------------------------------------------ */

OPENWHP_API HRESULT WINAPI WHvQueryGpaRangeDirtyBitmap(WHV_PARTITION_HANDLE Partition,
						       WHV_GUEST_PHYSICAL_ADDRESS GuestAddress,
						       UINT64 RangeSizeInBytes, UINT64 *Bitmap,
						       UINT32 BitmapSizeInBytes)
{
	struct whp_partition *p;
	uint64_t need;
	int rc;

	err_clear();
	p = partition_get(Partition);
	if (!p)
		return partition_bad_handle(Partition);
	if (!IS_PAGE_ALIGNED(GuestAddress) || !RangeSizeInBytes ||
	    !IS_PAGE_ALIGNED(RangeSizeInBytes) || GuestAddress + RangeSizeInBytes < GuestAddress) {
		rc = err_set(-EINVAL, "GPA 0x%llx size 0x%llx: not whole 4 KiB pages",
			     (unsigned long long)GuestAddress,
			     (unsigned long long)RangeSizeInBytes);
		goto out;
	}
	/* One bit per page, rounded up to whole UINT64 words (WHP docs). */
	need = (RangeSizeInBytes / PAGE_SIZE_4K + 63) / 64 * 8;
	if (BitmapSizeInBytes == 0) {
		/* Size 0: clear the range's dirty state without reporting it. */
		Bitmap = NULL;
	} else if (!Bitmap) {
		rc = err_set(OE_POINTER, "Bitmap is NULL");
		goto out;
	} else if ((uintptr_t)Bitmap % 8) {
		rc = err_set(-EINVAL, "Bitmap %p is not 8-byte aligned", (void *)Bitmap);
		goto out;
	} else if (BitmapSizeInBytes < need) {
		rc = err_set(-EINVAL, "the bitmap needs %llu bytes, got %u",
			     (unsigned long long)need, BitmapSizeInBytes);
		goto out;
	}
	rc = gpa_map_dirty(&p->mem, GuestAddress, RangeSizeInBytes, Bitmap);
out:
	partition_put(p);
	return api_return(rc);
}
