/* kvm_state.c: VP state on KVM: compacted XSAVE, CPUID output, counters, translation, time. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "gva.h"
#include "internal.h"
#include "kvm.h"
#include "kvm_state.h"

/* ------------------------------------------------------------------------ */
/* XSAVE                                                                     */
/* ------------------------------------------------------------------------ */

/*
 * WHP's XSAVE buffer is the compacted form of the XSAVE area (whp-reference
 * §4.2), KVM's KVM_GET/SET_XSAVE(2) buffer the standard form (api.rst,
 * KVM_GET_XSAVE). Both share the 512-byte legacy region and the 64-byte
 * header at 512; they differ in where component i >= 2 lives (SDM Vol.1
 * 13.4.3): at CPUID.(EAX=0DH,ECX=i):EBX in the standard form; in the
 * compacted form right after the previous component present in XCOMP_BV,
 * starting at 576, rounded up to 64 when CPUID.(EAX=0DH,ECX=i):ECX[1] is set.
 *
 * The components in our buffer are the user state components KVM supports
 * (KVM_GET_SUPPORTED_CPUID leaf 0DH), whatever the guest's XCR0: Windows
 * sizes the buffer by the partition's XSAVE features too.
 */
#define XSAVE_LEGACY  512u
#define XSAVE_HDR     512u
#define XSAVE_EXT     576u
#define XCOMP_COMPACT (1ull << 63)

struct xsave_layout {
	bool present;	   /* the host has XSAVE (KVM_CAP_XSAVE) */
	uint64_t mask;	   /* components in the buffer, bits 0 and 1 always */
	uint32_t kvm_size; /* KVM's buffer: KVM_CAP_XSAVE2, at least 4096 */
	uint32_t whp_size; /* the compacted buffer */
	uint32_t std_off[63], size[63];
	bool align64[63];
};

static struct xsave_layout layout;
static pthread_once_t layout_once = PTHREAD_ONCE_INIT;

static const struct kvm_cpuid_entry2 *cpuid_find(const struct kvm_cpuid2 *c, uint32_t fn,
						 uint32_t idx)
{
	uint32_t i;

	for (i = 0; c && i < c->nent; i++)
		if (c->entries[i].function == fn &&
		    (!(c->entries[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		     c->entries[i].index == idx))
			return &c->entries[i];
	return NULL;
}

/* The layout from the host's KVM, once per process (the host is probed once too). */
static void layout_probe(void)
{
	const struct kvm_host *h = kvm_host_get();
	const struct kvm_cpuid_entry2 *e;
	struct xsave_layout *l = &layout;
	uint32_t off = XSAVE_EXT, i;
	int n;

	if (!h)
		return; /* present stays false: no XSAVE without a host */
	e = cpuid_find(h->cpuid, 0xD, 0);

	l->present = ioctl(h->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) > 0;
	n = ioctl(h->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	l->kvm_size = n > (int)sizeof(struct kvm_xsave) ? (uint32_t)n : sizeof(struct kvm_xsave);
	l->mask = 3;
	if (e)
		l->mask |= (e->eax | ((uint64_t)e->edx << 32)) & ~XCOMP_COMPACT;
	for (i = 2; i < 63; i++) {
		if (!(l->mask & (1ull << i)))
			continue;
		e = cpuid_find(h->cpuid, 0xD, i);
		/* Supervisor components (ECX[0]) are not in KVM's buffer, nor what does not fit. */
		if (!e || !e->eax || (e->ecx & 1) || e->ebx + e->eax > l->kvm_size) {
			l->mask &= ~(1ull << i);
			continue;
		}
		l->size[i] = e->eax;
		l->std_off[i] = e->ebx;
		l->align64[i] = (e->ecx & 2) != 0;
		if (l->align64[i])
			off = (off + 63) & ~63u;
		off += e->eax;
	}
	l->whp_size = off;
}

static const struct xsave_layout *layout_get(void)
{
	pthread_once(&layout_once, layout_probe);
	return &layout;
}

/* Compacted offset of each component of (xcomp) (bits 2..62); 0 for absent ones. */
static uint32_t compact_offsets(const struct xsave_layout *l, uint64_t xcomp, uint32_t off[63])
{
	uint32_t pos = XSAVE_EXT, i;

	for (i = 2; i < 63; i++) {
		off[i] = 0;
		if (!(xcomp & (1ull << i)))
			continue;
		if (l->align64[i])
			pos = (pos + 63) & ~63u;
		off[i] = pos;
		pos += l->size[i];
	}
	return pos;
}

/* KVM's XSAVE buffer of this vCPU (KVM_GET_XSAVE2 when KVM has it); free() it. */
static int kvm_xsave_read(struct engine_vcpu *v, const struct xsave_layout *l, uint8_t **out)
{
	uint8_t *k = calloc(1, l->kvm_size);
	int rc;

	if (!k)
		return -ENOMEM;
	if (l->kvm_size > sizeof(struct kvm_xsave))
		rc = kvm_vcpu_ioctl(v, KVM_GET_XSAVE2, k, "KVM_GET_XSAVE2");
	else
		rc = kvm_vcpu_ioctl(v, KVM_GET_XSAVE, k, "KVM_GET_XSAVE");
	if (rc) {
		free(k);
		return rc;
	}
	*out = k;
	return 0;
}

/*
 * kvm_vcpu_fpu_write: store the x87/SSE state (struct kvm_fpu) through the
 * XSAVE area with XSTATE_BV bits 0 and 1 set. KVM_SET_FPU leaves XSTATE_BV as
 * it was, and a component whose bit is clear is loaded in its init state, so
 * XMM values written with it can reach the guest as zeros (seen on kvm_pvm;
 * kvm-platform-facts §6). The legacy region's layout: SDM Vol.1 10.5.1.
 */
int kvm_vcpu_fpu_write(struct engine_vcpu *v, const struct kvm_fpu *f)
{
	const struct xsave_layout *l = layout_get();
	uint64_t bv;
	uint8_t *k;
	int rc, i;

	if (!l->kvm_size)
		return kvm_vcpu_ioctl(v, KVM_SET_FPU, (void *)(uintptr_t)f, "KVM_SET_FPU");
	rc = kvm_xsave_read(v, l, &k);
	if (rc)
		return rc;
	memcpy(k + 0, &f->fcw, 2);
	memcpy(k + 2, &f->fsw, 2);
	k[4] = f->ftwx;
	memcpy(k + 6, &f->last_opcode, 2);
	memcpy(k + 8, &f->last_ip, 8);
	memcpy(k + 16, &f->last_dp, 8);
	memcpy(k + 24, &f->mxcsr, 4);
	for (i = 0; i < 8; i++)
		memcpy(k + 32 + 16 * i, f->fpr[i], 16);
	for (i = 0; i < 16; i++)
		memcpy(k + 160 + 16 * i, f->xmm[i], 16);
	memcpy(&bv, k + XSAVE_HDR, 8);
	bv |= 3;
	memcpy(k + XSAVE_HDR, &bv, 8);
	rc = kvm_vcpu_ioctl(v, KVM_SET_XSAVE, k, "KVM_SET_XSAVE");
	free(k);
	return rc;
}

int kvm_vcpu_get_xsave(struct engine_vcpu *v, void *buf, uint32_t size, uint32_t *written)
{
	const struct xsave_layout *l = layout_get();
	uint32_t off[63], i;
	uint64_t xstate_bv, xcomp_bv;
	uint8_t *k, *out = buf;
	int rc;

	if (!l->present)
		return err_set(OE_NOT_SUPPORTED, "this host's KVM has no XSAVE state");
	*written = l->whp_size;
	if (!buf || size < l->whp_size)
		return err_set(OE_INSUFFICIENT_BUFFER, "the XSAVE state needs %u bytes, got %u",
			       l->whp_size, size);
	rc = kvm_xsave_read(v, l, &k);
	if (rc)
		return rc;
	xcomp_bv = XCOMP_COMPACT | l->mask;
	compact_offsets(l, l->mask, off);
	memset(out, 0, l->whp_size);
	memcpy(out, k, XSAVE_LEGACY);
	memcpy(&xstate_bv, k + XSAVE_HDR, 8);
	xstate_bv &= l->mask;
	memcpy(out + XSAVE_HDR, &xstate_bv, 8);
	memcpy(out + XSAVE_HDR + 8, &xcomp_bv, 8);
	/* A component in its initial state (XSTATE_BV clear) is left zero, as XSAVEC leaves it. */
	for (i = 2; i < 63; i++)
		if (xstate_bv & (1ull << i))
			memcpy(out + off[i], k + l->std_off[i], l->size[i]);
	free(k);
	return 0;
}

int kvm_vcpu_set_xsave(struct engine_vcpu *v, const void *buf, uint32_t size)
{
	const struct xsave_layout *l = layout_get();
	const uint8_t *in = buf;
	uint64_t xstate_bv, xcomp_bv, zero = 0;
	uint32_t off[63], need, i;
	uint8_t *k;
	int rc;

	if (!l->present)
		return err_set(OE_NOT_SUPPORTED, "this host's KVM has no XSAVE state");
	if (size < XSAVE_EXT)
		return err_set(-EINVAL, "an XSAVE area has at least %u bytes, got %u", XSAVE_EXT,
			       size);
	memcpy(&xstate_bv, in + XSAVE_HDR, 8);
	memcpy(&xcomp_bv, in + XSAVE_HDR + 8, 8);
	/* The rules XRSTORS checks on a compacted area (SDM Vol.1 13.8.2). */
	if (!(xcomp_bv & XCOMP_COMPACT))
		return err_set(-EINVAL, "XCOMP_BV 0x%llx: the buffer is not in compacted form",
			       (unsigned long long)xcomp_bv);
	if ((xcomp_bv & ~XCOMP_COMPACT) & ~l->mask)
		return err_set(-EINVAL,
			       "XCOMP_BV 0x%llx names components this host has not "
			       "(0x%llx)",
			       (unsigned long long)xcomp_bv, (unsigned long long)l->mask);
	if (xstate_bv & ~(xcomp_bv & ~XCOMP_COMPACT) & ~3ull)
		return err_set(-EINVAL, "XSTATE_BV 0x%llx has components XCOMP_BV 0x%llx lacks",
			       (unsigned long long)xstate_bv, (unsigned long long)xcomp_bv);
	for (i = XSAVE_HDR + 16; i < XSAVE_EXT; i += 8)
		if (memcmp(in + i, &zero, 8))
			return err_set(-EINVAL, "reserved bytes of the XSAVE header are not zero");
	need = compact_offsets(l, xcomp_bv, off);
	if (size < need)
		return err_set(-EINVAL, "XCOMP_BV 0x%llx needs %u bytes, got %u",
			       (unsigned long long)xcomp_bv, need, size);
	k = calloc(1, l->kvm_size);
	if (!k)
		return -ENOMEM;
	memcpy(k, in, XSAVE_LEGACY);
	/* KVM takes the standard form only: XCOMP_BV 0 (api.rst, KVM_SET_XSAVE). */
	memcpy(k + XSAVE_HDR, &xstate_bv, 8);
	for (i = 2; i < 63; i++)
		if (xstate_bv & (1ull << i))
			memcpy(k + l->std_off[i], in + off[i], l->size[i]);
	/* KVM_SET_XSAVE reads KVM_CAP_XSAVE2 bytes when that is larger (api.rst). */
	rc = kvm_vcpu_ioctl(v, KVM_SET_XSAVE, k, "KVM_SET_XSAVE");
	free(k);
	/* The cached FPU block (x87, XMM, MXCSR) is stale now. */
	v->valid &= ~(unsigned)KS_FPU;
	return rc;
}

/* ------------------------------------------------------------------------ */
/* CPUID output                                                              */
/* ------------------------------------------------------------------------ */

/* The vCPU's CPUID table as KVM holds it, runtime bits included (KVM_GET_CPUID2). */
static int vcpu_cpuid_table(struct engine_vcpu *v, struct kvm_cpuid2 **out)
{
	uint32_t n = v->vm->host->cpuid->nent + 16;

	for (;;) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		int rc;

		if (!c)
			return -ENOMEM;
		c->nent = n;
		ioctl_count_add();
		if (ioctl(v->fd, KVM_GET_CPUID2, c) == 0) {
			*out = c;
			return 0;
		}
		rc = -errno;
		free(c);
		if (rc != -E2BIG || n > 4096)
			return err_sys(rc, "KVM_GET_CPUID2");
		n *= 2;
	}
}

/*
 * A leaf the table lacks, as KVM answers it (arch/x86/kvm/cpuid.c,
 * kvm_cpuid): on Intel-compatible guests a leaf above its range's maximum
 * reads as the highest basic leaf (SDM Vol.2A CPUID, "If a value entered for
 * CPUID.EAX is higher than the maximum input value..."); AMD-compatible
 * guests read zeros. (*fn) becomes the leaf actually used.
 */
static const struct kvm_cpuid_entry2 *cpuid_out_of_range(const struct kvm_cpuid2 *t, uint32_t *fn,
							 uint32_t idx)
{
	const struct kvm_cpuid_entry2 *basic = cpuid_find(t, 0, 0), *cls;
	uint32_t f = *fn;

	if (!basic || basic->ebx == 0x68747541 /* "Auth" */ ||
	    basic->ebx == 0x6f677948 /* "Hygo" */)
		return NULL;
	if (f >= 0x40000000 && f <= 0x4FFFFFFF)
		cls = cpuid_find(t, f & 0xFFFFFF00, 0);
	else if (f >= 0xC0000000)
		cls = cpuid_find(t, 0xC0000000, 0);
	else
		cls = cpuid_find(t, f & 0x80000000, 0);
	if (cls && f <= cls->eax)
		return NULL;
	*fn = basic->eax;
	return cpuid_find(t, basic->eax, idx);
}

int kvm_vcpu_get_cpuid(struct engine_vcpu *v, uint32_t eax, uint32_t ecx, WHV_CPUID_OUTPUT *out)
{
	const struct kvm_cpuid_entry2 *e;
	struct kvm_cpuid2 *t = NULL;
	uint32_t fn = eax;
	int rc;

	rc = vcpu_cpuid_table(v, &t);
	if (rc)
		return rc;
	memset(out, 0, sizeof(*out));
	e = cpuid_find(t, fn, ecx);
	if (!e)
		e = cpuid_out_of_range(t, &fn, ecx);
	if (e) {
		out->Eax = e->eax;
		out->Ebx = e->ebx;
		out->Ecx = e->ecx;
		out->Edx = e->edx;
	} else if (fn == 0xB || fn == 0x1F) {
		/*
		 * Topology leaves: an undefined sub-leaf still echoes ECX[7:0]
		 * and gives the x2APIC ID in EDX (SDM Vol.2A CPUID leaf 0BH).
		 */
		e = cpuid_find(t, fn, 1);
		if (e) {
			out->Ecx = ecx & 0xFF;
			out->Edx = e->edx;
		}
	}
	free(t);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Counters                                                                  */
/* ------------------------------------------------------------------------ */

/* Where an exit kind the run loop counts goes in WHV_PROCESSOR_ACTIVITY_COUNTERS; NULL: nowhere. */
static WHV_PROCESSOR_INTERCEPT_COUNTER *intercept_of(WHV_PROCESSOR_ACTIVITY_COUNTERS *c,
						     enum kvm_stat_kind k)
{
	switch (k) {
	case KST_IO: return &c->IoInstructions;
	case KST_HALT: return &c->HaltInstructions;
	case KST_MSR: return &c->MsrAccesses;
	/* A GPA without (suitable) memory is a nested (second-level) page fault. */
	case KST_MMIO: return &c->NestedPageFaultIntercepts;
	case KST_INTERRUPT_WINDOW: return &c->PendingInterrupts;
	/* A cancel is the caller's doing, not a guest intercept. */
	case KST_CANCELED: return NULL;
	default: return &c->OtherIntercepts;
	}
}

int kvm_vcpu_get_counters(struct engine_vcpu *v, WHV_PROCESSOR_COUNTER_SET set, void *buf,
			  uint32_t size, uint32_t *written)
{
	union {
		WHV_PROCESSOR_RUNTIME_COUNTERS runtime;
		WHV_PROCESSOR_ACTIVITY_COUNTERS intercepts;
		WHV_PROCESSOR_GUEST_EVENT_COUNTERS events;
		WHV_PROCESSOR_APIC_COUNTERS apic;
		WHV_PROCESSOR_SYNTHETIC_FEATURES_COUNTERS synthetic;
	} u;
	const struct kvm_vcpu_stats *s = &v->stats;
	uint32_t need;
	int k;

	memset(&u, 0, sizeof(u));
	switch (set) {
	case WHvProcessorCounterSetRuntime:
		/*
		 * Total: wall time inside WHvRunVirtualProcessor. Hypervisor: the
		 * part of it not spent in KVM_RUN, i.e. building exits and
		 * completing instructions on the guest's behalf.
		 */
		need = sizeof(u.runtime);
		u.runtime.TotalRuntime100ns = s->run_ns / 100;
		u.runtime.HypervisorRuntime100ns =
			(s->run_ns > s->guest_ns ? s->run_ns - s->guest_ns : 0) / 100;
		break;
	case WHvProcessorCounterSetIntercepts:
		need = sizeof(u.intercepts);
		for (k = 0; k < KST_COUNT; k++) {
			WHV_PROCESSOR_INTERCEPT_COUNTER *c = intercept_of(&u.intercepts, k);

			if (c) {
				c->Count += s->count[k];
				c->Time100ns += s->ns[k] / 100;
			}
		}
		break;
	/*
	 * Guest events, APIC accesses and hypercalls happen inside KVM, which
	 * counts none of them per vCPU in a way this host keeps (its binary
	 * stats stay 0 here: kvm-platform-facts §9): the sets are all zero.
	 */
	case WHvProcessorCounterSetEvents: need = sizeof(u.events); break;
	case WHvProcessorCounterSetApic: need = sizeof(u.apic); break;
	case WHvProcessorCounterSetSyntheticFeatures: need = sizeof(u.synthetic); break;
	default: return err_set(-EINVAL, "unknown processor counter set %d", (int)set);
	}
	*written = need;
	if (!buf || size < need)
		return err_set(OE_INSUFFICIENT_BUFFER, "counter set %d needs %u bytes, got %u",
			       (int)set, need, size);
	memcpy(buf, &u, need);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* GVA translation                                                           */
/* ------------------------------------------------------------------------ */

/*
 * The engine's side of WHvTranslateGva: the walk over the VP's current
 * control registers (sync regs: no ioctl) and the guest CPUID limits, through
 * the engine's read-only view of guest memory. SetPageTableBits needs to
 * write guest memory, which the engine cannot: that flag is refused here, and
 * the public function walks with the partition's own map instead.
 */
int kvm_vcpu_translate_gva(struct engine_vcpu *v, uint64_t gva, uint32_t flags,
			   WHV_TRANSLATE_GVA_RESULT *result, uint64_t *gpa)
{
	const struct kvm_sregs *s = &v->run->s.regs.sregs;
	const struct kvm_cpuid_entry2 *e;
	struct gva_cpu cpu = {
		.ctl = { s->cr0, s->cr3, s->cr4, s->efer },
		.rflags = v->run->s.regs.regs.rflags,
		.cpl = s->ss.dpl & 3,
		.maxphyaddr = 36,
	};
	struct gva_mem mem = {
		.owner = v->vm->cfg.owner,
		.read = v->vm->cfg.read_gpa,
		.flags = v->vm->cfg.gpa_flags,
	};

	if (flags & WHvTranslateGvaFlagSetPageTableBits)
		return err_set(OE_NOT_SUPPORTED, "the engine cannot set page-table bits");
	e = cpuid_find(v->vm->host->cpuid, 0x80000008, 0);
	if (e && (e->eax & 0xFF))
		cpu.maxphyaddr = e->eax & 0xFF;
	e = cpuid_find(v->vm->host->cpuid, 0x80000001, 0);
	cpu.gbpages = e && (e->edx & (1u << 26));
	memset(result, 0, sizeof(*result));
	result->ResultCode = gva_translate(&cpu, gva, flags, &mem, gpa);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Partition time                                                            */
/* ------------------------------------------------------------------------ */

/*
 * WHvSuspendPartitionTime freezes every VP's TSC until WHvResumePartitionTime
 * or the next WHvRunVirtualProcessor of any VP (whp-reference §4.2). KVM has no
 * such switch: at suspend each vCPU's TSC is read; at resume each vCPU's TSC
 * offset (api.rst, KVM_VCPU_TSC_CTRL / KVM_VCPU_TSC_OFFSET) is moved back by
 * what its TSC advanced meanwhile, so it continues from the value it had.
 * Without that attribute the TSC is written back through MSR_IA32_TSC, which
 * KVM may round to a neighbouring vCPU's TSC when they are within a second
 * (arch/x86/kvm/x86.c, kvm_synchronize_tsc).
 *
 * The frozen VMs live here, keyed by the VM; `frozen_count` keeps the check
 * at every run to one atomic load while nothing is frozen.
 */
#define MSR_IA32_TSC 0x10

struct time_freeze {
	struct engine_vm *vm;
	uint32_t n;
	uint64_t *tsc; /* by VP index */
	bool *have;
};

static pthread_mutex_t freeze_lock = PTHREAD_MUTEX_INITIALIZER;
static struct time_freeze *frozen;
static uint32_t nfrozen;
static atomic_uint frozen_count;

static int tsc_read(struct engine_vcpu *v, uint64_t *tsc)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[1];
	} req;
	int got;

	memset(&req, 0, sizeof(req));
	req.hdr.nmsrs = 1;
	req.e[0].index = MSR_IA32_TSC;
	ioctl_count_add();
	got = ioctl(v->fd, KVM_GET_MSRS, &req);
	if (got < 0)
		return err_sys(-errno, "KVM_GET_MSRS (TSC)");
	if (got != 1)
		return err_set(-EIO, "KVM_GET_MSRS: no TSC");
	*tsc = req.e[0].data;
	return 0;
}

/* Put the TSC of (v) back to (want), which it had when time was suspended. */
static int tsc_restore(struct engine_vcpu *v, uint64_t want)
{
	struct kvm_device_attr attr = {
		.group = KVM_VCPU_TSC_CTRL,
		.attr = KVM_VCPU_TSC_OFFSET,
	};
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[1];
	} req;
	uint64_t now = 0, offset = 0;
	int rc;

	ioctl_count_add();
	if (ioctl(v->fd, KVM_HAS_DEVICE_ATTR, &attr) == 0) {
		attr.addr = (uint64_t)(uintptr_t)&offset;
		rc = kvm_vcpu_ioctl(v, KVM_GET_DEVICE_ATTR, &attr, "KVM_GET_DEVICE_ATTR (TSC)");
		if (!rc)
			rc = tsc_read(v, &now);
		if (rc)
			return rc;
		offset -= now - want;
		return kvm_vcpu_ioctl(v, KVM_SET_DEVICE_ATTR, &attr, "KVM_SET_DEVICE_ATTR (TSC)");
	}
	memset(&req, 0, sizeof(req));
	req.hdr.nmsrs = 1;
	req.e[0].index = MSR_IA32_TSC;
	req.e[0].data = want;
	ioctl_count_add();
	rc = ioctl(v->fd, KVM_SET_MSRS, &req);
	if (rc < 0)
		return err_sys(-errno, "KVM_SET_MSRS (TSC)");
	return rc == 1 ? 0 : err_set(-EIO, "KVM_SET_MSRS: TSC refused");
}

static struct time_freeze *freeze_find(struct engine_vm *vm)
{
	uint32_t i;

	for (i = 0; i < nfrozen; i++)
		if (frozen[i].vm == vm)
			return &frozen[i];
	return NULL;
}

static void freeze_drop(struct time_freeze *f)
{
	free(f->tsc);
	free(f->have);
	*f = frozen[--nfrozen];
	atomic_fetch_sub(&frozen_count, 1);
}

int kvm_vm_suspend_time(struct engine_vm *vm)
{
	struct time_freeze f = { .vm = vm, .n = vm->cfg.processor_count };
	struct time_freeze *grown;
	uint32_t i;
	int rc = 0;

	pthread_mutex_lock(&freeze_lock);
	if (freeze_find(vm))
		goto out; /* already suspended: time stays where it stopped */
	f.tsc = calloc(f.n, sizeof(*f.tsc));
	f.have = calloc(f.n, sizeof(*f.have));
	grown = realloc(frozen, (nfrozen + 1) * sizeof(*frozen));
	if (!f.tsc || !f.have || !grown) {
		if (grown)
			frozen = grown;
		rc = -ENOMEM;
		goto fail;
	}
	frozen = grown;
	for (i = 0; i < f.n; i++) {
		struct engine_vcpu *v = vm->vcpus[i];

		if (!v || !v->in_use)
			continue;
		rc = tsc_read(v, &f.tsc[i]);
		if (rc)
			goto fail;
		f.have[i] = true;
	}
	frozen[nfrozen++] = f;
	atomic_fetch_add(&frozen_count, 1);
	goto out;
fail:
	free(f.tsc);
	free(f.have);
out:
	pthread_mutex_unlock(&freeze_lock);
	return rc;
}

int kvm_vm_time_thaw(struct engine_vm *vm, struct engine_vcpu *self)
{
	struct time_freeze *f;
	uint32_t i;
	int rc = 0;

	if (atomic_load(&frozen_count) == 0)
		return 0;
	pthread_mutex_lock(&freeze_lock);
	f = freeze_find(vm);
	for (i = 0; f && i < f->n && rc == 0; i++) {
		struct engine_vcpu *v = vm->vcpus[i];

		if (!f->have[i] || !v || !v->in_use)
			continue;
		rc = tsc_restore(v, f->tsc[i]);
		/* The MSR cache may hold a TSC read before the suspend. */
		if (!self || v == self)
			v->msr_count = 0;
	}
	if (f)
		freeze_drop(f);
	pthread_mutex_unlock(&freeze_lock);
	return rc;
}

int kvm_vm_resume_time(struct engine_vm *vm)
{
	return kvm_vm_time_thaw(vm, NULL);
}

void kvm_vm_time_forget(struct engine_vm *vm)
{
	struct time_freeze *f;

	if (atomic_load(&frozen_count) == 0)
		return;
	pthread_mutex_lock(&freeze_lock);
	f = freeze_find(vm);
	if (f)
		freeze_drop(f);
	pthread_mutex_unlock(&freeze_lock);
}

/* ------------------------------------------------------------------------ */
/* Dirty pages                                                               */
/* ------------------------------------------------------------------------ */

int kvm_vm_dirty_log(struct engine_vm *vm, uint32_t id, uint64_t *bitmap)
{
	struct kvm_dirty_log log = { .slot = id, .dirty_bitmap = bitmap };

	/*
	 * Without KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 enabled (we never enable it)
	 * this fetches and clears the slot's log in one call (api.rst).
	 */
	if (ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log))
		return err_sys(-errno, "KVM_GET_DIRTY_LOG");
	return 0;
}
