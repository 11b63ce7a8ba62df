/* kvm_vcpu.c: vCPU creation, reset and WHP register access through sync regs and a per-exit cache. */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "kvm.h"
#include "kvm_regs.h"

#define SYNC_ALL	   (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)
#define DR6_INIT	   0xFFFF0FF0ull
#define DR7_INIT	   0x400ull
#define MSR_IA32_TSC_INDEX 0x10

int kvm_vcpu_ioctl(struct engine_vcpu *v, unsigned long req, void *arg, const char *what)
{
	ioctl_count_add();
	if (ioctl(v->fd, req, arg) < 0)
		return err_sys(-errno, what);
	return 0;
}

/*
 * The guest's CPUID: what KVM supports, with this VP's APIC ID in it
 * (CPUID.1:EBX[31:24], CPUID.0BH/1FH:EDX; SDM Vol.2A CPUID). Without LAPIC
 * emulation, or with xAPIC emulation, there is no x2APIC to offer (its MSRs
 * would #GP), so CPUID.1:ECX bit 21 is cleared unless the mode is X2Apic. KVM needs the table before the first KVM_RUN, e.g. to
 * allow EFER.LME (api.rst, KVM_SET_CPUID2).
 */
/*
 * The partition's CPUID result lists (CpuidResultList, CpuidResultList2) on
 * top of KVM's table: the bits a Mask selects come from the list. An entry
 * for a leaf KVM does not list is added (the table was allocated with room
 * for every list entry).
 */
static void cpuid_apply(struct engine_vcpu *v, struct kvm_cpuid2 *c)
{
	const struct engine_vm_config *cfg = &v->vm->cfg;
	uint32_t i, k;

	for (k = 0; k < cfg->ncpuid; k++) {
		const WHV_X64_CPUID_RESULT2 *r = &cfg->cpuid[k];
		bool sub = (r->Flags & WHvX64CpuidResult2FlagSubleafSpecific) != 0;
		bool hit = false;

		if ((r->Flags & WHvX64CpuidResult2FlagVpSpecific) && r->VpIndex != v->index)
			continue;
		for (i = 0; i < c->nent; i++) {
			struct kvm_cpuid_entry2 *e = &c->entries[i];

			if (e->function != r->Function || (sub && e->index != r->Index))
				continue;
			e->eax = (e->eax & ~r->Mask.Eax) | (r->Output.Eax & r->Mask.Eax);
			e->ebx = (e->ebx & ~r->Mask.Ebx) | (r->Output.Ebx & r->Mask.Ebx);
			e->ecx = (e->ecx & ~r->Mask.Ecx) | (r->Output.Ecx & r->Mask.Ecx);
			e->edx = (e->edx & ~r->Mask.Edx) | (r->Output.Edx & r->Mask.Edx);
			hit = true;
		}
		if (!hit) {
			struct kvm_cpuid_entry2 *e = &c->entries[c->nent++];

			memset(e, 0, sizeof(*e));
			e->function = r->Function;
			e->index = sub ? r->Index : 0;
			e->flags = sub ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
			e->eax = r->Output.Eax & r->Mask.Eax;
			e->ebx = r->Output.Ebx & r->Mask.Ebx;
			e->ecx = r->Output.Ecx & r->Mask.Ecx;
			e->edx = r->Output.Edx & r->Mask.Edx;
		}
	}
}

static int vcpu_set_cpuid(struct engine_vcpu *v)
{
	const struct kvm_cpuid2 *sup = v->vm->host->cpuid;
	size_t bytes = sizeof(*sup) + sup->nent * sizeof(sup->entries[0]);
	struct kvm_cpuid2 *c = malloc(bytes + v->vm->cfg.ncpuid * sizeof(sup->entries[0]));
	uint32_t i;
	int rc;

	if (!c)
		return -ENOMEM;
	memcpy(c, sup, bytes);
	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1) {
			e->ebx = (e->ebx & 0x00FFFFFF) | (v->index << 24);
			if (v->vm->cfg.lapic_mode != WHvX64LocalApicEmulationModeX2Apic)
				e->ecx &= ~(1u << 21);
			/* The TSC-deadline timer is a LAPIC timer mode (SDM Vol.3 11.5.4.1). */
			if (v->vm->cfg.lapic_mode == WHvX64LocalApicEmulationModeNone)
				e->ecx &= ~(1u << 24);
		} else if (e->function == 0x40000001 &&
			   v->vm->cfg.lapic_mode == WHvX64LocalApicEmulationModeNone) {
			/*
			 * KVM's paravirtual features that need its in-kernel LAPIC
			 * (Documentation/virt/kvm/x86/cpuid.rst): ASYNC_PF (4),
			 * PV_EOI (6), PV_UNHALT (7), ASYNC_PF_VMEXIT (10),
			 * PV_SEND_IPI (11), POLL_CONTROL (12), ASYNC_PF_INT (14).
			 * Offered without one, a guest's MSR writes for them fail.
			 */
			e->eax &= ~((1u << 4) | (1u << 6) | (1u << 7) | (1u << 10) | (1u << 11) |
				    (1u << 12) | (1u << 14));
		} else if (e->function == 0xB || e->function == 0x1F) {
			e->edx = v->index;
		}
	}
	cpuid_apply(v, c);
	rc = kvm_vcpu_ioctl(v, KVM_SET_CPUID2, c, "KVM_SET_CPUID2");
	free(c);
	return rc;
}

static void vcpu_free(struct engine_vcpu *v)
{
	if (v->run && v->run != MAP_FAILED)
		munmap(v->run, (size_t)v->vm->host->run_size);
	if (v->fd >= 0)
		close(v->fd);
	free(v->init_lapic);
	free(v);
}

/* Forget every cached block: the guest is about to run. */
static void vcpu_invalidate(struct engine_vcpu *v)
{
	v->valid = 0;
	v->msr_count = 0;
}

int kvm_vcpu_reset(struct engine_vcpu *v)
{
	struct kvm_debugregs d;
	struct kvm_xcrs x;
	/* With an in-kernel LAPIC, APs wait for INIT/SIPI, as KVM creates them. */
	struct kvm_mp_state mp = {
		.mp_state = (v->index && v->vm->cfg.lapic_mode != WHvX64LocalApicEmulationModeNone)
				    ? KVM_MP_STATE_UNINITIALIZED
				    : KVM_MP_STATE_RUNNABLE,
	};
	int rc;

	/* A completion KVM still holds would land on top of the reset state. */
	rc = kvm_vcpu_retire_pending(v);
	if (rc)
		return rc;
	vcpu_invalidate(v);
	memset(&d, 0, sizeof(d));
	d.dr6 = DR6_INIT;
	d.dr7 = DR7_INIT;
	memset(&x, 0, sizeof(x));
	x.nr_xcrs = 1;
	x.xcrs[0].xcr = 0;
	x.xcrs[0].value = 1;
	rc = kvm_vcpu_fpu_write(v, &v->init_fpu);
	if (!rc)
		rc = kvm_vcpu_ioctl(v, KVM_SET_DEBUGREGS, &d, "KVM_SET_DEBUGREGS");
	if (!rc && v->vm->host->caps.features)
		(void)kvm_vcpu_ioctl(v, KVM_SET_XCRS, &x, "KVM_SET_XCRS");
	if (!rc && v->init_lapic)
		rc = kvm_vcpu_ioctl(v, KVM_SET_LAPIC, v->init_lapic, "KVM_SET_LAPIC");
	if (!rc)
		rc = kvm_vcpu_ioctl(v, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE");
	if (rc)
		return rc;
	v->run->s.regs.regs = v->init_regs;
	memset(&v->kvm_regs, 0xFF, sizeof(v->kvm_regs));
	v->run->s.regs.sregs = v->init_sregs;
	memset(&v->run->s.regs.events, 0, sizeof(v->run->s.regs.events));
	v->run->s.regs.events.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
	v->run->kvm_dirty_regs = SYNC_ALL;
	v->deliverability = 0;
	v->dr7_shadow = DR7_INIT;
	atomic_store(&v->cancel_pending, 0);
	__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	return 0;
}

int kvm_vcpu_create(struct engine_vm *vm, uint32_t index, struct engine_vcpu **out)
{
	struct kvm_host *h = vm->host;
	struct engine_vcpu *v = vm->vcpus[index];
	int rc;

	if (v) {
		/* A VP deleted earlier: KVM kept the vCPU, so reuse it from a clean state. */
		rc = kvm_vcpu_reset(v);
		if (rc)
			return rc;
		v->in_use = true;
		*out = v;
		return 0;
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	/* The kick signal's handler, before any run (a sandboxed VMM forbids it later). */
	kvm_kick_install();
	v->vm = vm;
	v->index = index;
	v->run = MAP_FAILED;
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (v->fd < 0) {
		rc = err_sys(-errno, "KVM_CREATE_VCPU");
		goto fail;
	}
	v->run = mmap(NULL, (size_t)h->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		rc = err_sys(-errno, "mmap kvm_run");
		goto fail;
	}
	rc = vcpu_set_cpuid(v);
	if (!rc)
		rc = kvm_vcpu_lapic_init(v);
	if (rc)
		goto fail;
	/*
	 * From here on KVM stores REGS, SREGS and EVENTS into kvm_run at every
	 * exit and loads the ones marked dirty at every entry (api.rst,
	 * KVM_CAP_SYNC_REGS): register access after an exit costs no ioctl.
	 * Before the first run the area is empty, so fill it once.
	 */
	v->run->kvm_valid_regs = SYNC_ALL;
	rc = kvm_vcpu_ioctl(v, KVM_GET_REGS, &v->run->s.regs.regs, "KVM_GET_REGS");
	if (!rc)
		rc = kvm_vcpu_ioctl(v, KVM_GET_SREGS, &v->run->s.regs.sregs, "KVM_GET_SREGS");
	if (!rc)
		rc = kvm_vcpu_ioctl(v, KVM_GET_VCPU_EVENTS, &v->run->s.regs.events,
				    "KVM_GET_VCPU_EVENTS");
	if (rc)
		goto fail;
	/*
	 * Windows starts a VP at F000:FFF0 with CS.base 0x000F0000, i.e. at
	 * physical 0xFFFF0 where WHP programs put their ROM (whp-reference §4.2);
	 * KVM's reset state has the architectural base 0xFFFF0000.
	 */
	v->run->s.regs.sregs.cs.base = 0xF0000;
	v->run->kvm_dirty_regs = KVM_SYNC_X86_SREGS;
	v->init_regs = v->run->s.regs.regs;
	v->kvm_regs = v->init_regs;
	v->init_sregs = v->run->s.regs.sregs;
	/* The FNINIT/reset FPU state: FCW 0x37F, MXCSR 0x1F80 (SDM Vol.3 9.1.1). */
	memset(&v->init_fpu, 0, sizeof(v->init_fpu));
	v->init_fpu.fcw = 0x37F;
	v->init_fpu.mxcsr = 0x1F80;
	v->dr7_shadow = DR7_INIT;
	/* KVM's guest-debug state is clear for a new vCPU: in step unless exceptions exit. */
	v->debug_gen = vm->exception_exits ? 0 : atomic_load(&vm->debug_gen);
	v->in_use = true;
	vm->vcpus[index] = v;
	*out = v;
	return 0;
fail:
	vcpu_free(v);
	return rc;
}

void kvm_vcpu_destroy(struct engine_vcpu *v)
{
	/*
	 * WHvDeleteVirtualProcessor: KVM cannot destroy one vCPU of a live VM,
	 * so a deleted VP is parked and reused if the index is created again.
	 * Only the VM's teardown (vm->vcpus cleared) really frees it.
	 */
	if (v->in_use) {
		v->in_use = false;
		return;
	}
	vcpu_free(v);
}

/* Load the non-sync blocks in (need) that are not cached yet: one ioctl per block. */
static int vcpu_load(struct engine_vcpu *v, unsigned need)
{
	int rc = 0;

	/*
	 * MP state is never taken from the cache: an INIT or SIPI from
	 * WHvRequestInterrupt changes it between runs (KVM_GET_MP_STATE also
	 * makes KVM accept such pending events: api.rst).
	 */
	need &= ~(v->valid & ~KS_MP);
	if (need & KS_FPU) {
		rc = kvm_vcpu_ioctl(v, KVM_GET_FPU, &v->fpu, "KVM_GET_FPU");
		if (rc)
			return rc;
	}
	if (need & KS_DREGS) {
		rc = kvm_vcpu_ioctl(v, KVM_GET_DEBUGREGS, &v->dregs, "KVM_GET_DEBUGREGS");
		if (rc)
			return rc;
		v->dr7_shadow = v->dregs.dr7;
	}
	if (need & KS_XCRS) {
		rc = kvm_vcpu_ioctl(v, KVM_GET_XCRS, &v->xcrs, "KVM_GET_XCRS");
		if (rc)
			return rc;
	}
	if (need & KS_MP) {
		rc = kvm_vcpu_ioctl(v, KVM_GET_MP_STATE, &v->mp, "KVM_GET_MP_STATE");
		if (rc)
			return rc;
	}
	v->valid |= need;
	return 0;
}

int kvm_vcpu_load_fpu(struct engine_vcpu *v)
{
	return vcpu_load(v, KS_FPU);
}

int kvm_vcpu_load_dregs(struct engine_vcpu *v)
{
	return vcpu_load(v, KS_DREGS);
}

static struct kvm_msr_entry *msr_cached(struct engine_vcpu *v, uint32_t index)
{
	uint32_t i;

	for (i = 0; i < v->msr_count; i++)
		if (v->msrs[i].index == index)
			return &v->msrs[i];
	return NULL;
}

/* Load every MSR named in (names) that is not cached, in one KVM_GET_MSRS. */
static int vcpu_load_msrs(struct engine_vcpu *v, const WHV_REGISTER_NAME *names, uint32_t count)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[KVM_MSR_CACHE];
	} req;
	uint32_t i, n = 0, idx;
	int got;

	memset(&req, 0, sizeof(req));
	for (i = 0; i < count; i++) {
		uint32_t k;
		int dup = 0;

		/* The TSC moves on its own: never answered from the cache. */
		if (kvm_reg_block(names[i], &idx) != KB_MSR ||
		    (msr_cached(v, idx) && idx != MSR_IA32_TSC_INDEX))
			continue;
		for (k = 0; k < n; k++)
			dup |= req.e[k].index == idx;
		if (dup)
			continue;
		if (n == KVM_MSR_CACHE || v->msr_count + n >= KVM_MSR_CACHE)
			return err_set(-E2BIG, "too many MSR registers in one call");
		req.e[n++].index = idx;
	}
	if (!n)
		return 0;
	req.hdr.nmsrs = n;
	ioctl_count_add();
	got = ioctl(v->fd, KVM_GET_MSRS, &req);
	if (got < 0)
		return err_sys(-errno, "KVM_GET_MSRS");
	if ((uint32_t)got < n)
		return err_set(-EINVAL, "KVM_GET_MSRS: KVM does not provide MSR 0x%x",
			       req.e[got].index);
	for (i = 0; i < n; i++) {
		struct kvm_msr_entry *e = msr_cached(v, req.e[i].index);

		if (e)
			*e = req.e[i];
		else
			v->msrs[v->msr_count++] = req.e[i];
	}
	return 0;
}

/* Which non-sync blocks a list of names needs; OE_* status for bad names. */
static int names_scan(const WHV_REGISTER_NAME *names, uint32_t count, unsigned *need, bool *msrs)
{
	uint32_t i, idx;

	*need = 0;
	*msrs = false;
	for (i = 0; i < count; i++) {
		if (kvm_reg_is_apic(names[i])) {
			*need |= KS_APIC;
			continue;
		}
		switch (kvm_reg_block(names[i], &idx)) {
		case KB_NONE:
			return err_set(OE_INVALID_VP_REGISTER_NAME, "unknown register name 0x%x",
				       (unsigned)names[i]);
		case KB_UNSUPPORTED:
			return err_set(OE_INVALID_VP_REGISTER_NAME,
				       "register 0x%x is not available on this host yet",
				       (unsigned)names[i]);
		case KB_REGS: *need |= KS_SYNC_REGS; break;
		case KB_SREGS: *need |= KS_SYNC_SREGS; break;
		case KB_EVENTS: *need |= KS_SYNC_EVENTS; break;
		case KB_FPU: *need |= KS_FPU; break;
		case KB_DEBUGREGS: *need |= KS_DREGS; break;
		case KB_XCRS: *need |= KS_XCRS; break;
		case KB_MPSTATE: *need |= KS_MP; break;
		case KB_MSR: *msrs = true; break;
		default: break;
		}
	}
	return 0;
}

/* A view of the vCPU over (sync) and the cache (or over copies of them, for set). */
static struct kvm_state_view vcpu_view(struct engine_vcpu *v, struct kvm_sync_regs *sync,
				       struct kvm_fpu *fpu, struct kvm_debugregs *d,
				       struct kvm_xcrs *x, struct kvm_mp_state *mp)
{
	struct kvm_state_view st = {
		.regs = &sync->regs,
		.sregs = &sync->sregs,
		.events = &sync->events,
		.fpu = fpu,
		.dregs = d,
		.xcrs = x,
		.mp = mp,
		.vp_index = v->index,
		.mxcsr_mask = v->vm->host->mxcsr_mask,
	};
	return st;
}

int kvm_vcpu_get_regs(struct engine_vcpu *v, const WHV_REGISTER_NAME *names, uint32_t count,
		      WHV_REGISTER_VALUE *values)
{
	struct kvm_state_view st;
	unsigned need;
	bool msrs;
	uint32_t i, idx;
	int rc;

	rc = names_scan(names, count, &need, &msrs);
	if (!rc)
		rc = vcpu_load(v, need & KS_CACHED);
	if (!rc && msrs)
		rc = vcpu_load_msrs(v, names, count);
	if (rc)
		return rc;
	st = vcpu_view(v, &v->run->s.regs, &v->fpu, &v->dregs, &v->xcrs, &v->mp);
	if (need & KS_APIC) {
		rc = kvm_apic_regs(v, names, count, values, NULL);
		if (rc)
			return rc;
	}
	for (i = 0; i < count; i++) {
		WHV_REGISTER_VALUE val;
		enum kvm_block b;

		if (kvm_reg_is_apic(names[i]))
			continue;
		b = kvm_reg_block(names[i], &idx);

		memset(&val, 0, sizeof(val));
		if (b == KB_CONST) {
			if (names[i] == WHvX64RegisterInitialApicId)
				val.Reg64 = v->index;
			else if (names[i] == WHvX64RegisterDeliverabilityNotifications)
				val.Reg64 = v->deliverability;
		} else {
			if (b == KB_MSR)
				st.msr = &msr_cached(v, idx)->data;
			rc = kvm_reg_read(&st, names[i], &val);
			if (rc)
				return err_set(rc, "register 0x%x cannot be read",
					       (unsigned)names[i]);
		}
		/* Callers' arrays need not be 16-byte aligned (whp-reference §3 notes). */
		memcpy(&values[i], &val, sizeof(val));
	}
	return 0;
}

int kvm_vcpu_set_regs(struct engine_vcpu *v, const WHV_REGISTER_NAME *names, uint32_t count,
		      const WHV_REGISTER_VALUE *values)
{
	struct kvm_sync_regs sync;
	struct kvm_fpu fpu;
	struct kvm_debugregs dregs;
	struct kvm_xcrs xcrs;
	struct kvm_mp_state mp;
	struct kvm_msr_entry msrs[KVM_MSR_CACHE];
	struct kvm_state_view st;
	unsigned need, touched = 0, sync_dirty = 0;
	uint64_t deliverability = v->deliverability;
	bool have_msrs;
	uint32_t i, idx;
	int rc;

	rc = names_scan(names, count, &need, &have_msrs);
	if (!rc)
		rc = vcpu_load(v, need & KS_CACHED);
	if (!rc && have_msrs)
		rc = vcpu_load_msrs(v, names, count);
	if (rc)
		return rc;

	/*
	 * All-or-nothing: convert into copies, commit only when every value is
	 * valid. Only the blocks this call names are copied: this is the hot
	 * path of a VMM advancing RIP after every exit.
	 */
	if (need & KS_SYNC_REGS)
		sync.regs = v->run->s.regs.regs;
	if (need & KS_SYNC_SREGS)
		sync.sregs = v->run->s.regs.sregs;
	if (need & KS_SYNC_EVENTS)
		sync.events = v->run->s.regs.events;
	if (need & KS_FPU)
		fpu = v->fpu;
	if (need & KS_DREGS)
		dregs = v->dregs;
	if (need & KS_XCRS)
		xcrs = v->xcrs;
	if (need & KS_MP)
		mp = v->mp;
	if (have_msrs)
		memcpy(msrs, v->msrs, v->msr_count * sizeof(msrs[0]));
	st = vcpu_view(v, &sync, &fpu, &dregs, &xcrs, &mp);
	for (i = 0; i < count; i++) {
		WHV_REGISTER_VALUE val;
		enum kvm_block b;

		if (kvm_reg_is_apic(names[i]))
			continue;
		b = kvm_reg_block(names[i], &idx);
		memcpy(&val, &values[i], sizeof(val));
		switch (b) {
		case KB_CONST:
			/*
			 * Deliverability notifications: the NMI and interrupt windows
			 * (bits 0 and 1) are served by the run loop; priority-based
			 * and SynIC notifications have no KVM counterpart.
			 */
			if (names[i] == WHvX64RegisterDeliverabilityNotifications &&
			    !(val.Reg64 & ~3ull)) {
				deliverability = val.Reg64;
				continue;
			}
			return err_set(-EINVAL, "register 0x%x cannot be written here%s",
				       (unsigned)names[i],
				       names[i] == WHvX64RegisterDeliverabilityNotifications
					       ? " (only NMI and interrupt notifications are "
						 "available)"
					       : " (read-only)");
		case KB_MSR: {
			uint32_t k;

			/* names_scan classified the same names: only msrs[] copied above is read */
			if (!have_msrs)
				return err_set(-EINVAL, "register 0x%x: MSR list not loaded",
					       (unsigned)names[i]);
			for (k = 0; k < v->msr_count && msrs[k].index != idx; k++)
				;
			st.msr = &msrs[k].data;
			break;
		}
		case KB_REGS: sync_dirty |= KVM_SYNC_X86_REGS; break;
		case KB_SREGS: sync_dirty |= KVM_SYNC_X86_SREGS; break;
		case KB_EVENTS: sync_dirty |= KVM_SYNC_X86_EVENTS; break;
		case KB_FPU: touched |= KS_FPU; break;
		case KB_DEBUGREGS: touched |= KS_DREGS; break;
		case KB_XCRS: touched |= KS_XCRS; break;
		case KB_MPSTATE: touched |= KS_MP; break;
		default: break;
		}
		rc = kvm_reg_write(&st, names[i], &val);
		if (rc)
			return err_set(rc, "invalid value 0x%016llx:%016llx for register 0x%x",
				       (unsigned long long)val.Reg128.High64,
				       (unsigned long long)val.Reg128.Low64, (unsigned)names[i]);
	}

	/* Non-sync blocks go to KVM now, so KVM's refusals surface here. */
	if (need & KS_APIC)
		rc = kvm_apic_regs(v, names, count, NULL, values);
	if (!rc && (touched & KS_FPU))
		rc = kvm_vcpu_fpu_write(v, &fpu);
	if (!rc && (touched & KS_DREGS))
		rc = kvm_vcpu_ioctl(v, KVM_SET_DEBUGREGS, &dregs, "KVM_SET_DEBUGREGS");
	if (!rc && (touched & KS_XCRS))
		rc = kvm_vcpu_ioctl(v, KVM_SET_XCRS, &xcrs, "KVM_SET_XCRS");
	if (!rc && (touched & KS_MP))
		rc = kvm_vcpu_ioctl(v, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE");
	if (!rc && have_msrs) {
		struct {
			struct kvm_msrs hdr;
			struct kvm_msr_entry e[KVM_MSR_CACHE];
		} req;
		uint32_t n = 0;
		int put;

		memset(&req, 0, sizeof(req));
		for (i = 0; i < v->msr_count; i++)
			if (msrs[i].data != v->msrs[i].data)
				req.e[n++] = msrs[i];
		if (n) {
			req.hdr.nmsrs = n;
			ioctl_count_add();
			put = ioctl(v->fd, KVM_SET_MSRS, &req);
			if (put < 0)
				rc = err_sys(-errno, "KVM_SET_MSRS");
			else if ((uint32_t)put < n)
				rc = err_set(-EINVAL, "KVM_SET_MSRS: KVM refused MSR 0x%x",
					     req.e[put].index);
		}
	}
	if (rc) {
		vcpu_invalidate(v);
		return rc;
	}
	if (touched & KS_FPU)
		v->fpu = fpu;
	if (touched & KS_DREGS)
		v->dregs = dregs;
	if (touched & KS_XCRS)
		v->xcrs = xcrs;
	if (touched & KS_MP)
		v->mp = mp;
	if (have_msrs)
		memcpy(v->msrs, msrs, v->msr_count * sizeof(msrs[0]));
	if (touched & KS_DREGS)
		v->dr7_shadow = dregs.dr7;
	if (touched & KS_DREGS)
		v->debug_dirty = true;
	v->deliverability = deliverability;
	/* Sync blocks: KVM loads them at the next KVM_RUN (kvm_dirty_regs). */
	if (sync_dirty & KVM_SYNC_X86_REGS)
		v->run->s.regs.regs = sync.regs;
	if (sync_dirty & KVM_SYNC_X86_SREGS)
		v->run->s.regs.sregs = sync.sregs;
	if (sync_dirty & KVM_SYNC_X86_EVENTS)
		v->run->s.regs.events = sync.events;
	v->run->kvm_dirty_regs |= sync_dirty;
	return 0;
}
