/* partition.h: the partition and VP objects behind WHP handles, and the handle registry. */
#ifndef OPENWHP_PARTITION_H
#define OPENWHP_PARTITION_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "memory.h"

struct whp_vp {
	bool exists;
	bool running;		 /* inside WHvRunVirtualProcessor (partition lock) */
	pthread_mutex_t op_lock; /* serialises engine calls on this VP */
	struct engine_vcpu *vcpu;
};

struct whp_partition {
	pthread_mutex_t lock;	 /* everything below but memory */
	pthread_cond_t released; /* refs dropped to zero while deleting */
	unsigned refs;		 /* API calls in flight (registry lock) */
	bool deleting;
	bool dying; /* delete swept the VPs: no new run (partition lock) */
	bool setup;

	/* Properties (WHV_PARTITION_PROPERTY_CODE). */
	uint32_t processor_count; /* 0 = not set */
	uint32_t lapic_mode;
	uint64_t extended_vm_exits;
	uint64_t exception_exit_bitmap;
	uint64_t msr_exit_bitmap;
	uint16_t numa_node;
	WHV_X64_CPUID_RESULT2 *cpuid_v1, *cpuid_v2; /* CpuidResultList(2), normalised */
	uint32_t ncpuid_v1, ncpuid_v2;

	struct gpa_map mem; /* guest-physical map, own rwlock */

	const struct engine_ops *ops;
	struct engine_caps caps;
	struct engine_vm *vm; /* after setup */
	struct whp_vp *vps;   /* processor_count entries after setup */
};

/*
 * partition_get: validate (handle) and take a reference that keeps the
 * partition alive until partition_put. Returns NULL for NULL, stale or
 * deleted handles (never dereferences an unknown pointer).
 */
struct whp_partition *partition_get(WHV_PARTITION_HANDLE handle);
void partition_put(struct whp_partition *p);

/* partition_bad_handle: the failure of a call given a dead handle, with its text. */
HRESULT partition_bad_handle(WHV_PARTITION_HANDLE handle);

/*
 * partition_vp: the VP (index) of a set-up partition, with the partition lock
 * held by the caller. Returns a status: -EINVAL-style OE codes when the
 * partition is not set up, the index is out of range or no VP exists there.
 */
int partition_vp(struct whp_partition *p, uint32_t index, struct whp_vp **out);

/*
 * partition_vp_enter: (p) referenced, VP (index) existing and not inside its
 * run: returns 0 with the VP's op_lock held (partition_vp_leave releases it)
 * and the VP in (*out); OE_INVALID_VP_STATE while it runs (KVM would block
 * the call until the run ends), other OE codes for a bad index or VP. Takes
 * no partition lock: the register path after every exit uses it.
 */
int partition_vp_enter(struct whp_partition *p, UINT32 index, struct whp_vp **out);
void partition_vp_leave(struct whp_vp *vp);

#endif
