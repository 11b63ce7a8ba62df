/* vp.c: WHvCreate/DeleteVirtualProcessor, run, cancel, and register access: checks, locking, dispatch. */
#include <string.h>

#include "internal.h"
#include "partition.h"

static int vp_create(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
		     const WHV_VIRTUAL_PROCESSOR_PROPERTY *props, UINT32 count)
{
	struct whp_partition *p = partition_get(Partition);
	struct whp_vp *vp;
	UINT32 i;
	int rc = 0;

	if (!p)
		return OE_HANDLE;
	if (count && !props) {
		rc = err_set(OE_POINTER, "Properties is NULL");
		goto out_put;
	}
	for (i = 0; i < count; i++) {
		/* NUMA node: a placement hint; this host is one node, so any node is honoured. */
		if (props[i].PropertyCode != WHvVirtualProcessorPropertyCodeNumaNode) {
			rc = err_set(-EINVAL, "unknown VP property 0x%x",
				     (unsigned)props[i].PropertyCode);
			goto out_put;
		}
	}
	pthread_mutex_lock(&p->lock);
	if (!p->setup) {
		rc = err_set(OE_INVALID_STATE, "the partition is not set up");
		goto out;
	}
	if (VpIndex >= p->processor_count) {
		rc = err_set(-EINVAL, "VP index %u is not below the processor count %u", VpIndex,
			     p->processor_count);
		goto out;
	}
	vp = &p->vps[VpIndex];
	if (vp->exists) {
		rc = err_set(OE_VP_ALREADY_EXISTS, "VP %u already exists", VpIndex);
		goto out;
	}
	/* op_lock: the register path reads `exists` under it, not under p->lock. */
	pthread_mutex_lock(&vp->op_lock);
	rc = p->ops->vcpu_create(p->vm, VpIndex, &vp->vcpu);
	if (rc == 0)
		vp->exists = true;
	pthread_mutex_unlock(&vp->op_lock);
out:
	pthread_mutex_unlock(&p->lock);
out_put:
	partition_put(p);
	return rc;
}

OPENWHP_API HRESULT WINAPI WHvCreateVirtualProcessor(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
						     UINT32 Flags)
{
	err_clear();
	if (Flags)
		return api_return(err_set(-EINVAL, "Flags must be 0"));
	return api_return(vp_create(Partition, VpIndex, NULL, 0));
}

OPENWHP_API HRESULT WINAPI
WHvCreateVirtualProcessor2(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
			   const WHV_VIRTUAL_PROCESSOR_PROPERTY *Properties, UINT32 PropertyCount)
{
	err_clear();
	return api_return(vp_create(Partition, VpIndex, Properties, PropertyCount));
}

OPENWHP_API HRESULT WINAPI WHvDeleteVirtualProcessor(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex)
{
	struct whp_partition *p = partition_get(Partition);
	struct whp_vp *vp;
	int rc;

	err_clear();
	if (!p)
		return partition_bad_handle(Partition);
	pthread_mutex_lock(&p->lock);
	rc = partition_vp(p, VpIndex, &vp);
	if (rc == 0 && vp->running)
		rc = err_set(OE_INVALID_VP_STATE, "VP %u is running", VpIndex);
	if (rc == 0) {
		/* op_lock: a register call that passed its check may still be in flight. */
		pthread_mutex_lock(&vp->op_lock);
		p->ops->vcpu_destroy(vp->vcpu);
		vp->vcpu = NULL;
		vp->exists = false;
		pthread_mutex_unlock(&vp->op_lock);
	}
	pthread_mutex_unlock(&p->lock);
	partition_put(p);
	return api_return(rc);
}

OPENWHP_API HRESULT WINAPI WHvRunVirtualProcessor(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
						  VOID *ExitContext, UINT32 ExitContextSizeInBytes)
{
	struct whp_partition *p = partition_get(Partition);
	struct whp_vp *vp;
	int rc;

	err_clear();
	if (!p)
		return partition_bad_handle(Partition);
	if (!ExitContext) {
		rc = err_set(OE_POINTER, "ExitContext is NULL");
		goto out_put;
	}
	if (ExitContextSizeInBytes < sizeof(WHV_RUN_VP_EXIT_CONTEXT)) {
		/* Every exit writes the whole context (whp-reference §4.3). */
		rc = err_set(OE_INSUFFICIENT_BUFFER, "ExitContext needs %zu bytes, got %u",
			     sizeof(WHV_RUN_VP_EXIT_CONTEXT), ExitContextSizeInBytes);
		goto out_put;
	}
	pthread_mutex_lock(&p->lock);
	rc = p->dying ? err_set(OE_HANDLE, "the partition is being deleted")
		      : partition_vp(p, VpIndex, &vp);
	if (rc == 0 && vp->running)
		rc = err_set(OE_INVALID_VP_STATE, "VP %u is already running", VpIndex);
	if (rc == 0)
		__atomic_store_n(&vp->running, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&p->lock);
	if (rc)
		goto out_put;

	pthread_mutex_lock(&vp->op_lock);
	rc = p->ops->vcpu_run(vp->vcpu, ExitContext);
	pthread_mutex_unlock(&vp->op_lock);

	pthread_mutex_lock(&p->lock);
	__atomic_store_n(&vp->running, false, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&p->lock);
out_put:
	partition_put(p);
	return api_return(rc);
}

OPENWHP_API HRESULT WINAPI WHvCancelRunVirtualProcessor(WHV_PARTITION_HANDLE Partition,
							UINT32 VpIndex, UINT32 Flags)
{
	struct whp_partition *p = partition_get(Partition);
	struct whp_vp *vp;
	int rc;

	err_clear();
	if (!p)
		return partition_bad_handle(Partition);
	if (Flags) {
		rc = err_set(-EINVAL, "Flags must be 0");
		goto out;
	}
	/* The partition lock keeps the VP from being deleted while we poke it. */
	pthread_mutex_lock(&p->lock);
	rc = partition_vp(p, VpIndex, &vp);
	if (rc == 0)
		p->ops->vcpu_cancel(vp->vcpu);
	pthread_mutex_unlock(&p->lock);
out:
	partition_put(p);
	return api_return(rc);
}

static int regs_call(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, const WHV_REGISTER_NAME *names,
		     UINT32 count, WHV_REGISTER_VALUE *out, const WHV_REGISTER_VALUE *in)
{
	struct whp_partition *p = partition_get(Partition);
	struct whp_vp *vp = NULL;
	int rc;

	if (!p)
		return OE_HANDLE;
	if (count && (!names || (!out && !in))) {
		rc = err_set(OE_POINTER, "RegisterNames or RegisterValues is NULL");
		goto out;
	}
	rc = partition_vp_enter(p, VpIndex, &vp);
	if (rc)
		goto out;
	if (out)
		rc = p->ops->vcpu_get_regs(vp->vcpu, names, count, out);
	else
		rc = p->ops->vcpu_set_regs(vp->vcpu, names, count, in);
	partition_vp_leave(vp);
out:
	partition_put(p);
	return rc;
}

OPENWHP_API HRESULT WINAPI WHvGetVirtualProcessorRegisters(WHV_PARTITION_HANDLE Partition,
							   UINT32 VpIndex,
							   const WHV_REGISTER_NAME *RegisterNames,
							   UINT32 RegisterCount,
							   WHV_REGISTER_VALUE *RegisterValues)
{
	err_clear();
	if (RegisterCount && !RegisterValues)
		return api_return(err_set(OE_POINTER, "RegisterValues is NULL"));
	return api_return(
		regs_call(Partition, VpIndex, RegisterNames, RegisterCount, RegisterValues, NULL));
}

OPENWHP_API HRESULT WINAPI WHvSetVirtualProcessorRegisters(WHV_PARTITION_HANDLE Partition,
							   UINT32 VpIndex,
							   const WHV_REGISTER_NAME *RegisterNames,
							   UINT32 RegisterCount,
							   const WHV_REGISTER_VALUE *RegisterValues)
{
	err_clear();
	if (RegisterCount && !RegisterValues)
		return api_return(err_set(OE_POINTER, "RegisterValues is NULL"));
	return api_return(
		regs_call(Partition, VpIndex, RegisterNames, RegisterCount, NULL, RegisterValues));
}
