/* partition.c: WHvCreate/Setup/Reset/DeletePartition, partition properties and the handle registry. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "partition.h"

/*
 * The registry of live partitions. A handle is the object's address, but it
 * is looked up here before it is ever dereferenced, so a NULL, stale or made-up
 * handle fails with E_INVALIDARG instead of crashing. Each API call holds a
 * reference; WHvDeletePartition unregisters first, cancels running VPs, then
 * waits for the references to drain before freeing (cancel-vs-delete safety).
 */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct whp_partition **registry;
static size_t registry_count, registry_cap;

static int registry_add(struct whp_partition *p)
{
	int rc = 0;

	pthread_mutex_lock(&registry_lock);
	if (registry_count == registry_cap) {
		size_t cap = registry_cap ? registry_cap * 2 : 16;
		struct whp_partition **n = realloc(registry, cap * sizeof(*n));

		if (!n) {
			rc = -ENOMEM;
			goto out;
		}
		registry = n;
		registry_cap = cap;
	}
	registry[registry_count++] = p;
out:
	pthread_mutex_unlock(&registry_lock);
	return rc;
}

static size_t registry_find(const void *handle)
{
	size_t i;

	for (i = 0; i < registry_count; i++)
		if (registry[i] == handle)
			return i;
	return SIZE_MAX;
}

struct whp_partition *partition_get(WHV_PARTITION_HANDLE handle)
{
	struct whp_partition *p = NULL;
	size_t i;

	pthread_mutex_lock(&registry_lock);
	i = registry_find(handle);
	if (i != SIZE_MAX) {
		p = registry[i];
		p->refs++;
	}
	pthread_mutex_unlock(&registry_lock);
	if (!p)
		(void)err_set(OE_HANDLE, "not a live partition handle: %p", (void *)handle);
	return p;
}

HRESULT partition_bad_handle(WHV_PARTITION_HANDLE handle)
{
	return api_return(err_set(OE_HANDLE, "not a live partition handle: %p", (void *)handle));
}

void partition_put(struct whp_partition *p)
{
	pthread_mutex_lock(&registry_lock);
	if (--p->refs == 0 && p->deleting)
		pthread_cond_broadcast(&p->released);
	pthread_mutex_unlock(&registry_lock);
}

int partition_vp(struct whp_partition *p, uint32_t index, struct whp_vp **out)
{
	if (!p->setup)
		return err_set(OE_INVALID_STATE, "the partition is not set up");
	if (index >= p->processor_count)
		return err_set(-EINVAL, "VP index %u is not below the processor count %u", index,
			       p->processor_count);
	if (!p->vps[index].exists)
		return err_set(OE_VP_DOES_NOT_EXIST, "VP %u does not exist", index);
	*out = &p->vps[index];
	return 0;
}

/*
 * Enter a VP for an engine call: look it up and refuse it while it runs
 * (WHV_E_INVALID_VP_STATE, as WHP documents for state calls on a running VP).
 * On success the VP's op_lock is held; partition_vp_leave releases it.
 */
int partition_vp_enter(struct whp_partition *p, UINT32 VpIndex, struct whp_vp **out)
{
	struct whp_vp *vp;

	/*
	 * No partition lock on this path (the register calls a VMM makes after
	 * every exit): our reference keeps the partition and its VP array alive,
	 * setup never reverts, and a VP's existence changes only under its
	 * op_lock. A running VP is refused at once rather than waited for.
	 */
	if (!__atomic_load_n(&p->setup, __ATOMIC_ACQUIRE))
		return err_set(OE_INVALID_STATE, "the partition is not set up");
	if (VpIndex >= p->processor_count)
		return err_set(-EINVAL, "VP index %u is not below the processor count %u", VpIndex,
			       p->processor_count);
	vp = &p->vps[VpIndex];
	if (__atomic_load_n(&vp->running, __ATOMIC_ACQUIRE))
		return err_set(OE_INVALID_VP_STATE, "VP %u is running", VpIndex);
	pthread_mutex_lock(&vp->op_lock);
	if (!vp->exists) {
		pthread_mutex_unlock(&vp->op_lock);
		return err_set(OE_VP_DOES_NOT_EXIST, "VP %u does not exist", VpIndex);
	}
	*out = vp;
	return 0;
}

void partition_vp_leave(struct whp_vp *vp)
{
	pthread_mutex_unlock(&vp->op_lock);
}

static void partition_free(struct whp_partition *p)
{
	uint32_t i;

	if (p->vps) {
		for (i = 0; i < p->processor_count; i++) {
			if (p->vps[i].exists)
				p->ops->vcpu_destroy(p->vps[i].vcpu);
			pthread_mutex_destroy(&p->vps[i].op_lock);
		}
		free(p->vps);
	}
	if (p->vm)
		p->ops->vm_destroy(p->vm);
	gpa_map_destroy(&p->mem);
	free(p->cpuid_v1);
	free(p->cpuid_v2);
	pthread_cond_destroy(&p->released);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

OPENWHP_API HRESULT WINAPI WHvCreatePartition(WHV_PARTITION_HANDLE *Partition)
{
	struct whp_partition *p = NULL;
	int rc;

	err_clear();
	if (!Partition)
		return api_return(err_set(OE_POINTER, "Partition is NULL"));
	*Partition = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return api_return(-ENOMEM);
	p->ops = &kvm_engine_ops;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->released, NULL);
	rc = p->ops->host_caps(&p->caps);
	if (rc == 0 && !p->caps.present)
		rc = err_set(OE_UNSUPPORTED_CONFIG, "no usable /dev/kvm on this host");
	if (rc == 0)
		rc = gpa_map_init(&p->mem, p->caps.max_regions);
	if (rc == 0)
		rc = registry_add(p);
	if (rc) {
		if (p->mem.id_used)
			gpa_map_destroy(&p->mem);
		pthread_cond_destroy(&p->released);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return api_return(rc);
	}
	*Partition = p;
	return S_OK;
}

/* Read guest memory for the engine (instruction fetch, page walks). */
static int partition_read_gpa(void *owner, uint64_t gpa, void *buf, uint32_t len)
{
	struct whp_partition *p = owner;

	return gpa_map_access(&p->mem, gpa, buf, len, 0, 0);
}

static int partition_gpa_flags(void *owner, uint64_t gpa)
{
	struct whp_partition *p = owner;

	return gpa_map_flags(&p->mem, gpa);
}

OPENWHP_API HRESULT WINAPI WHvSetupPartition(WHV_PARTITION_HANDLE Partition)
{
	struct whp_partition *p = partition_get(Partition);
	struct engine_vm_config cfg;
	WHV_X64_CPUID_RESULT2 *cpuid;
	uint32_t i;
	int rc = 0;

	err_clear();
	if (!p)
		return partition_bad_handle(Partition);
	pthread_mutex_lock(&p->lock);
	if (p->setup) {
		rc = err_set(OE_INVALID_STATE, "the partition is already set up");
		goto out;
	}
	/* The one property Windows insists on (whp-reference §4.1). */
	if (!p->processor_count) {
		rc = err_set(OE_INVALID_PARTITION_CONFIG, "ProcessorCount was not set");
		goto out;
	}
	p->vps = calloc(p->processor_count, sizeof(*p->vps));
	if (!p->vps) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < p->processor_count; i++)
		pthread_mutex_init(&p->vps[i].op_lock, NULL);
	cfg = (struct engine_vm_config){
		.processor_count = p->processor_count,
		.lapic_mode = p->lapic_mode,
		.owner = p,
		.read_gpa = partition_read_gpa,
		.gpa_flags = partition_gpa_flags,
	};
	/* Both CPUID result lists, the second applied after the first. */
	cpuid = calloc(p->ncpuid_v1 + p->ncpuid_v2 + 1, sizeof(*cpuid));
	if (!cpuid) {
		rc = -ENOMEM;
		goto out;
	}
	if (p->ncpuid_v1)
		memcpy(cpuid, p->cpuid_v1, p->ncpuid_v1 * sizeof(*cpuid));
	if (p->ncpuid_v2)
		memcpy(cpuid + p->ncpuid_v1, p->cpuid_v2, p->ncpuid_v2 * sizeof(*cpuid));
	cfg.cpuid = cpuid;
	cfg.ncpuid = p->ncpuid_v1 + p->ncpuid_v2;
	rc = p->ops->vm_create(&cfg, &p->vm);
	free(cpuid);
	if (rc) {
		for (i = 0; i < p->processor_count; i++)
			pthread_mutex_destroy(&p->vps[i].op_lock);
		free(p->vps);
		p->vps = NULL;
		goto out;
	}
	rc = p->ops->vm_set_exits(p->vm, p->extended_vm_exits, p->msr_exit_bitmap,
				  p->exception_exit_bitmap);
	if (rc) {
		p->ops->vm_destroy(p->vm);
		p->vm = NULL;
		for (i = 0; i < p->processor_count; i++)
			pthread_mutex_destroy(&p->vps[i].op_lock);
		free(p->vps);
		p->vps = NULL;
		goto out;
	}
	gpa_map_attach(&p->mem, p->ops, p->vm);
	__atomic_store_n(&p->setup, true, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&p->lock);
	partition_put(p);
	return api_return(rc);
}

OPENWHP_API HRESULT WINAPI WHvResetPartition(WHV_PARTITION_HANDLE Partition)
{
	struct whp_partition *p = partition_get(Partition);
	uint32_t i;
	int rc = 0;

	err_clear();
	if (!p)
		return partition_bad_handle(Partition);
	pthread_mutex_lock(&p->lock);
	if (!p->setup) {
		rc = err_set(OE_INVALID_STATE, "the partition is not set up");
		goto out;
	}
	for (i = 0; i < p->processor_count; i++) {
		if (p->vps[i].exists && p->vps[i].running) {
			rc = err_set(OE_INVALID_STATE, "VP %u is running", i);
			goto out;
		}
	}
	/* Properties, VPs and memory stay; each VP returns to its post-setup state. */
	for (i = 0; i < p->processor_count && rc == 0; i++) {
		if (!p->vps[i].exists)
			continue;
		pthread_mutex_lock(&p->vps[i].op_lock);
		rc = p->ops->vcpu_reset(p->vps[i].vcpu);
		pthread_mutex_unlock(&p->vps[i].op_lock);
	}
out:
	pthread_mutex_unlock(&p->lock);
	partition_put(p);
	return api_return(rc);
}

OPENWHP_API HRESULT WINAPI WHvDeletePartition(WHV_PARTITION_HANDLE Partition)
{
	struct whp_partition *p = NULL;
	size_t i;
	uint32_t v;

	err_clear();
	pthread_mutex_lock(&registry_lock);
	i = registry_find(Partition);
	if (i != SIZE_MAX) {
		p = registry[i];
		registry[i] = registry[--registry_count];
		p->deleting = true;
	}
	pthread_mutex_unlock(&registry_lock);
	if (!p)
		return api_return(
			err_set(OE_HANDLE, "not a live partition handle: %p", (void *)Partition));

	/*
	 * Kick every running VP out of its run so its API call can return, and
	 * let no run start after this sweep: a run that took its reference
	 * before the delete but reaches the partition lock after it would enter
	 * the guest with no cancel coming, and the wait below would never end.
	 */
	pthread_mutex_lock(&p->lock);
	p->dying = true;
	for (v = 0; p->vps && v < p->processor_count; v++)
		if (p->vps[v].exists && p->vps[v].running)
			p->ops->vcpu_cancel(p->vps[v].vcpu);
	pthread_mutex_unlock(&p->lock);

	pthread_mutex_lock(&registry_lock);
	while (p->refs)
		pthread_cond_wait(&p->released, &registry_lock);
	pthread_mutex_unlock(&registry_lock);
	partition_free(p);
	return S_OK;
}

/*
 * Partition properties. Each code has a member size; buffers of at least that
 * size are accepted (callers pass the member or the whole 48-byte union:
 * whp-reference §4.1). Codes openwhp does not implement are refused with
 * WHV_E_UNKNOWN_PROPERTY, never accepted and ignored.
 */
static uint32_t property_size(WHV_PARTITION_PROPERTY_CODE code)
{
	switch (code) {
	case WHvPartitionPropertyCodeProcessorCount: return sizeof(UINT32);
	case WHvPartitionPropertyCodeExtendedVmExits: return sizeof(UINT64);
	case WHvPartitionPropertyCodeExceptionExitBitmap: return sizeof(UINT64);
	case WHvPartitionPropertyCodeX64MsrExitBitmap: return sizeof(UINT64);
	case WHvPartitionPropertyCodeLocalApicEmulationMode: return sizeof(UINT32);
	case WHvPartitionPropertyCodePrimaryNumaNode: return sizeof(UINT16);
	case WHvPartitionPropertyCodeSeparateSecurityDomain: return sizeof(BOOL);
	case WHvPartitionPropertyCodeNestedVirtualization: return sizeof(BOOL);
	case WHvPartitionPropertyCodeProcessorFeatures: return sizeof(UINT64);
	case WHvPartitionPropertyCodeProcessorFeaturesBanks:
		return sizeof(WHV_PROCESSOR_FEATURES_BANKS);
	case WHvPartitionPropertyCodeProcessorXsaveFeatures: return sizeof(UINT64);
	case WHvPartitionPropertyCodeProcessorClFlushSize: return sizeof(UINT8);
	case WHvPartitionPropertyCodeProcessorClockFrequency: return sizeof(UINT64);
	case WHvPartitionPropertyCodeInterruptClockFrequency: return sizeof(UINT64);
	case WHvPartitionPropertyCodePhysicalAddressWidth: return sizeof(UINT32);
	case WHvPartitionPropertyCodeCpuidExitList: return 0;	 /* a list: n * 4 */
	case WHvPartitionPropertyCodeCpuidResultList: return 0;	 /* n * 32 */
	case WHvPartitionPropertyCodeCpuidResultList2: return 0; /* n * 48 */
	default: return UINT32_MAX;
	}
}

OPENWHP_API HRESULT WINAPI WHvGetPartitionProperty(WHV_PARTITION_HANDLE Partition,
						   WHV_PARTITION_PROPERTY_CODE PropertyCode,
						   VOID *PropertyBuffer,
						   UINT32 PropertyBufferSizeInBytes,
						   UINT32 *WrittenSizeInBytes)
{
	struct whp_partition *p = partition_get(Partition);
	WHV_PARTITION_PROPERTY v;
	uint32_t size;
	int rc = 0;

	err_clear();
	if (!p)
		return partition_bad_handle(Partition);
	memset(&v, 0, sizeof(v));
	size = property_size(PropertyCode);
	if (size == UINT32_MAX || PropertyCode == WHvPartitionPropertyCodeCpuidExitList ||
	    PropertyCode == WHvPartitionPropertyCodeCpuidResultList ||
	    PropertyCode == WHvPartitionPropertyCodeCpuidResultList2) {
		rc = err_set(OE_UNKNOWN_PROPERTY, "property 0x%x cannot be read here",
			     (unsigned)PropertyCode);
		goto out;
	}
	if (WrittenSizeInBytes)
		*WrittenSizeInBytes = size;
	if (PropertyBufferSizeInBytes < size) {
		rc = err_set(OE_INSUFFICIENT_BUFFER, "property 0x%x needs %u bytes",
			     (unsigned)PropertyCode, size);
		goto out;
	}
	if (!PropertyBuffer) {
		rc = err_set(OE_POINTER, "PropertyBuffer is NULL");
		goto out;
	}
	pthread_mutex_lock(&p->lock);
	switch (PropertyCode) {
	case WHvPartitionPropertyCodeProcessorCount: v.ProcessorCount = p->processor_count; break;
	case WHvPartitionPropertyCodeExtendedVmExits:
		v.ExtendedVmExits.AsUINT64 = p->extended_vm_exits;
		break;
	case WHvPartitionPropertyCodeExceptionExitBitmap:
		v.ExceptionExitBitmap = p->exception_exit_bitmap;
		break;
	case WHvPartitionPropertyCodeX64MsrExitBitmap:
		v.X64MsrExitBitmap.AsUINT64 = p->msr_exit_bitmap;
		break;
	case WHvPartitionPropertyCodeLocalApicEmulationMode:
		v.LocalApicEmulationMode = (WHV_X64_LOCAL_APIC_EMULATION_MODE)p->lapic_mode;
		break;
	case WHvPartitionPropertyCodePrimaryNumaNode: v.PrimaryNumaNode = p->numa_node; break;
	case WHvPartitionPropertyCodeSeparateSecurityDomain:
	case WHvPartitionPropertyCodeNestedVirtualization: v.NestedVirtualization = FALSE; break;
	case WHvPartitionPropertyCodeProcessorFeatures:
		v.ProcessorFeatures.AsUINT64 = p->caps.processor_features[0];
		break;
	case WHvPartitionPropertyCodeProcessorFeaturesBanks:
		v.ProcessorFeaturesBanks.BanksCount = 2;
		v.ProcessorFeaturesBanks.Bank0.AsUINT64 = p->caps.processor_features[0];
		v.ProcessorFeaturesBanks.Bank1.AsUINT64 = p->caps.processor_features[1];
		break;
	case WHvPartitionPropertyCodeProcessorXsaveFeatures:
		v.ProcessorXsaveFeatures.AsUINT64 = p->caps.xsave_features;
		break;
	case WHvPartitionPropertyCodeProcessorClFlushSize:
		v.ProcessorClFlushSize = p->caps.clflush_size;
		break;
	case WHvPartitionPropertyCodeProcessorClockFrequency:
		v.ProcessorClockFrequency = p->caps.processor_clock_hz;
		break;
	case WHvPartitionPropertyCodeInterruptClockFrequency:
		v.InterruptClockFrequency = p->caps.interrupt_clock_hz;
		break;
	case WHvPartitionPropertyCodePhysicalAddressWidth:
		v.PhysicalAddressWidth = p->caps.physical_address_width;
		break;
	default: break;
	}
	pthread_mutex_unlock(&p->lock);
	memcpy(PropertyBuffer, &v, size);
out:
	partition_put(p);
	return api_return(rc);
}

/* Properties that only make sense before WHvSetupPartition (WHvSetPartitionProperty docs). */
static int property_before_setup_only(WHV_PARTITION_PROPERTY_CODE code)
{
	return code != WHvPartitionPropertyCodeExtendedVmExits &&
	       code != WHvPartitionPropertyCodeExceptionExitBitmap &&
	       code != WHvPartitionPropertyCodeX64MsrExitBitmap &&
	       code != WHvPartitionPropertyCodeCpuidExitList;
}

/*
 * CpuidResultList / CpuidResultList2: results the guest's CPUID returns,
 * applied to the CPUID table every VP gets (KVM answers CPUID in the kernel
 * from that table: api.rst, KVM_SET_CPUID2). A list replaces the previous one
 * of its kind; an empty buffer clears it. The first kind overrides a whole
 * leaf (all subleaves); the second only the bits of its Mask, of one subleaf
 * when SubleafSpecific and of one VP when VpSpecific.
 */
static int cpuid_list_set(struct whp_partition *p, WHV_PARTITION_PROPERTY_CODE code,
			  const void *buf, uint32_t bytes)
{
	bool v2 = code == WHvPartitionPropertyCodeCpuidResultList2;
	uint32_t esize = v2 ? sizeof(WHV_X64_CPUID_RESULT2) : sizeof(WHV_X64_CPUID_RESULT);
	uint32_t n = bytes / esize, i;
	WHV_X64_CPUID_RESULT2 *list = NULL;

	if (bytes % esize)
		return err_set(-EINVAL, "CPUID result list size %u is not a multiple of %u", bytes,
			       esize);
	if (n) {
		list = calloc(n, sizeof(*list));
		if (!list)
			return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (v2) {
			memcpy(&list[i], (const uint8_t *)buf + i * esize, esize);
			unsigned flags = (unsigned)list[i].Flags, vp = list[i].VpIndex;

			if (flags & ~3u) {
				free(list);
				return err_set(-EINVAL, "unknown CPUID result flags 0x%x", flags);
			}
			if ((flags & WHvX64CpuidResult2FlagVpSpecific) && p->processor_count &&
			    vp >= p->processor_count) {
				free(list);
				return err_set(-EINVAL, "CPUID result for VP %u", vp);
			}
		} else {
			WHV_X64_CPUID_RESULT r;

			memcpy(&r, (const uint8_t *)buf + i * esize, esize);
			list[i].Function = r.Function;
			list[i].Output.Eax = r.Eax;
			list[i].Output.Ebx = r.Ebx;
			list[i].Output.Ecx = r.Ecx;
			list[i].Output.Edx = r.Edx;
			list[i].Mask.Eax = list[i].Mask.Ebx = list[i].Mask.Ecx = list[i].Mask.Edx =
				0xFFFFFFFF;
		}
	}
	if (v2) {
		free(p->cpuid_v2);
		p->cpuid_v2 = list;
		p->ncpuid_v2 = n;
	} else {
		free(p->cpuid_v1);
		p->cpuid_v1 = list;
		p->ncpuid_v1 = n;
	}
	return 0;
}

static int property_set(struct whp_partition *p, WHV_PARTITION_PROPERTY_CODE code,
			const WHV_PARTITION_PROPERTY *v, const void *buf, uint32_t bytes)
{
	switch (code) {
	case WHvPartitionPropertyCodeProcessorCount:
		if (v->ProcessorCount == 0 || v->ProcessorCount > p->caps.max_vcpus)
			return err_set(-EINVAL, "ProcessorCount %u is not in 1..%u",
				       v->ProcessorCount, p->caps.max_vcpus);
		p->processor_count = v->ProcessorCount;
		return 0;
	case WHvPartitionPropertyCodeExtendedVmExits:
		if (v->ExtendedVmExits.AsUINT64 & ~p->caps.extended_vm_exits)
			return err_set(-EINVAL,
				       "extended VM exits 0x%llx are not available "
				       "(WHvCapabilityCodeExtendedVmExits = 0x%llx)",
				       (unsigned long long)v->ExtendedVmExits.AsUINT64,
				       (unsigned long long)p->caps.extended_vm_exits);
		p->extended_vm_exits = v->ExtendedVmExits.AsUINT64;
		return 0;
	case WHvPartitionPropertyCodeExceptionExitBitmap:
		if (v->ExceptionExitBitmap & ~p->caps.exception_exit_bitmap)
			return err_set(-EINVAL, "exception exits 0x%llx are not available",
				       (unsigned long long)v->ExceptionExitBitmap);
		p->exception_exit_bitmap = v->ExceptionExitBitmap;
		return 0;
	case WHvPartitionPropertyCodeX64MsrExitBitmap:
		/* UnhandledMsrs, Tsc write/read, ApicBase write, MiscEnable and patch-level reads. */
		if (v->X64MsrExitBitmap.AsUINT64 & ~0x3Full)
			return err_set(-EINVAL, "unknown MSR exit bits 0x%llx",
				       (unsigned long long)v->X64MsrExitBitmap.AsUINT64);
		if (v->X64MsrExitBitmap.AsUINT64 && !(p->caps.extended_vm_exits & (1ull << 1)))
			return err_set(-EINVAL, "MSR exits are not available on this host");
		p->msr_exit_bitmap = v->X64MsrExitBitmap.AsUINT64;
		return 0;
	case WHvPartitionPropertyCodeLocalApicEmulationMode:
		if ((uint32_t)v->LocalApicEmulationMode > WHvX64LocalApicEmulationModeX2Apic)
			return err_set(-EINVAL, "unknown LocalApicEmulationMode %u",
				       (unsigned)v->LocalApicEmulationMode);
		if (v->LocalApicEmulationMode != WHvX64LocalApicEmulationModeNone &&
		    !(p->caps.features & (1ull << 1)))
			return err_set(-EINVAL, "local APIC emulation is not available on this "
						"host (Features.LocalApicEmulation = 0)");
		p->lapic_mode = (uint32_t)v->LocalApicEmulationMode;
		return 0;
	case WHvPartitionPropertyCodePrimaryNumaNode:
		/* A placement hint; one host node here, any value is kept and reported. */
		p->numa_node = v->PrimaryNumaNode;
		return 0;
	case WHvPartitionPropertyCodeSeparateSecurityDomain:
	case WHvPartitionPropertyCodeNestedVirtualization:
		if (v->NestedVirtualization)
			return err_set(-EINVAL, "property 0x%x can only be FALSE here",
				       (unsigned)code);
		return 0;
	case WHvPartitionPropertyCodeCpuidExitList:
		/* KVM answers CPUID in the kernel: no CPUID exit can be delivered. */
		if (bytes % sizeof(UINT32))
			return err_set(-EINVAL, "CpuidExitList size %u is not a multiple of 4",
				       bytes);
		if (bytes)
			return err_set(-EINVAL, "CPUID exits are impossible on KVM "
						"(ExtendedVmExits.X64CpuidExit = 0)");
		return 0;
	case WHvPartitionPropertyCodeCpuidResultList:
	case WHvPartitionPropertyCodeCpuidResultList2: return cpuid_list_set(p, code, buf, bytes);
	case WHvPartitionPropertyCodeProcessorFeatures:
	case WHvPartitionPropertyCodeProcessorFeaturesBanks:
	case WHvPartitionPropertyCodeProcessorXsaveFeatures:
	case WHvPartitionPropertyCodeProcessorClFlushSize:
	case WHvPartitionPropertyCodeProcessorClockFrequency:
	case WHvPartitionPropertyCodeInterruptClockFrequency:
	case WHvPartitionPropertyCodePhysicalAddressWidth:
		return err_set(OE_UNKNOWN_PROPERTY,
			       "changing processor property 0x%x is not implemented yet",
			       (unsigned)code);
	default:
		return err_set(OE_UNKNOWN_PROPERTY, "property 0x%x is not supported",
			       (unsigned)code);
	}
}

OPENWHP_API HRESULT WINAPI WHvSetPartitionProperty(WHV_PARTITION_HANDLE Partition,
						   WHV_PARTITION_PROPERTY_CODE PropertyCode,
						   const VOID *PropertyBuffer,
						   UINT32 PropertyBufferSizeInBytes)
{
	struct whp_partition *p = partition_get(Partition);
	WHV_PARTITION_PROPERTY v;
	uint32_t size;
	int rc;

	err_clear();
	if (!p)
		return partition_bad_handle(Partition);
	size = property_size(PropertyCode);
	if (size == UINT32_MAX) {
		rc = err_set(OE_UNKNOWN_PROPERTY, "property 0x%x is not supported",
			     (unsigned)PropertyCode);
		goto out;
	}
	if (PropertyBufferSizeInBytes < size) {
		rc = err_set(OE_INSUFFICIENT_BUFFER, "property 0x%x needs %u bytes, got %u",
			     (unsigned)PropertyCode, size, PropertyBufferSizeInBytes);
		goto out;
	}
	if (!PropertyBuffer && (size || PropertyBufferSizeInBytes)) {
		rc = err_set(OE_POINTER, "PropertyBuffer is NULL");
		goto out;
	}
	memset(&v, 0, sizeof(v));
	if (size)
		memcpy(&v, PropertyBuffer, size);
	pthread_mutex_lock(&p->lock);
	if (p->setup && property_before_setup_only(PropertyCode))
		rc = err_set(-EINVAL, "property 0x%x can only be set before WHvSetupPartition",
			     (unsigned)PropertyCode);
	else
		rc = property_set(p, PropertyCode, &v, PropertyBuffer, PropertyBufferSizeInBytes);
	/* The exit properties may change on a running partition: tell the engine. */
	if (rc == 0 && p->setup && !property_before_setup_only(PropertyCode))
		rc = p->ops->vm_set_exits(p->vm, p->extended_vm_exits, p->msr_exit_bitmap,
					  p->exception_exit_bitmap);
	pthread_mutex_unlock(&p->lock);
out:
	partition_put(p);
	return api_return(rc);
}
