/* kvm_regs.h: WHP register names <-> KVM x86 state blocks (pure conversions, no ioctls). */
#ifndef OPENWHP_KVM_REGS_H
#define OPENWHP_KVM_REGS_H

#include <linux/kvm.h>
#include <stdint.h>

#include "WinHvPlatformDefs.h"

/*
 * The KVM state block that backs a WHP register. One WHvGet/Set call touches
 * each block at most once, so one WHP call costs at most one ioctl per block;
 * REGS, SREGS and EVENTS are shared with KVM through kvm_run's sync-regs area
 * and cost no ioctl at all after an exit (api.rst, KVM_CAP_SYNC_REGS).
 */
enum kvm_block {
	KB_NONE = 0,	/* unknown name: WHV_E_INVALID_VP_REGISTER_NAME */
	KB_REGS,	/* struct kvm_regs: GPRs, RIP, RFLAGS */
	KB_SREGS,	/* struct kvm_sregs: segments, tables, CRs, EFER, ApicBase */
	KB_EVENTS,	/* struct kvm_vcpu_events: pending interruption/event, interrupt state */
	KB_FPU,		/* struct kvm_fpu: XMM, FpMmx, FP/XMM control-status */
	KB_DEBUGREGS,	/* struct kvm_debugregs: DR0-3, DR6, DR7 */
	KB_XCRS,	/* struct kvm_xcrs: XCR0 */
	KB_MSR,		/* one MSR through KVM_GET/SET_MSRS (index from kvm_reg_msr_index) */
	KB_MPSTATE,	/* struct kvm_mp_state: InternalActivityState */
	KB_CONST,	/* computed from the VP itself (InitialApicId, ...) */
	KB_UNSUPPORTED, /* a real WHP name this host/KVM cannot provide: E_NOTIMPL-style refusal */
	KB_COUNT
};

/*
 * The state of one vCPU as the converters see it. Members may be NULL when the
 * caller has not loaded that block; the converters touch only the block that
 * kvm_reg_block() named for the register.
 */
struct kvm_state_view {
	struct kvm_regs *regs;
	struct kvm_sregs *sregs;
	struct kvm_vcpu_events *events;
	struct kvm_fpu *fpu;
	struct kvm_debugregs *dregs;
	struct kvm_xcrs *xcrs;
	struct kvm_mp_state *mp;
	__u64 *msr;	     /* value of the one MSR named (KB_MSR only) */
	uint32_t vp_index;   /* for KB_CONST */
	uint64_t mxcsr_mask; /* host MXCSR_MASK, reported in XmmControlStatus */
};

/* kvm_reg_block: which block backs (name); for KB_MSR also sets *(msr_index). */
enum kvm_block kvm_reg_block(WHV_REGISTER_NAME name, uint32_t *msr_index);

/*
 * kvm_reg_read: convert register (name) out of the block in (st) into (out).
 * Returns 0, or -EINVAL for a name kvm_reg_block() does not back with a block.
 * The whole 16-byte (out) is written (unused bytes zero).
 */
int kvm_reg_read(const struct kvm_state_view *st, WHV_REGISTER_NAME name, WHV_REGISTER_VALUE *out);

/*
 * kvm_reg_write: store (in) into the block in (st) that backs (name).
 * Validates the value as the architecture requires (reserved bits, canonical
 * addresses, CR0.PG without CR0.PE, segment attributes, a pending-event type
 * KVM cannot express, read-only registers) and returns -EINVAL without
 * touching (st) when it is invalid; 0 on success.
 */
int kvm_reg_write(struct kvm_state_view *st, WHV_REGISTER_NAME name, const WHV_REGISTER_VALUE *in);

/* Segment conversions, exported for the exit-context builder. */
void kvm_seg_to_whv(const struct kvm_segment *k, WHV_X64_SEGMENT_REGISTER *w);
void kvm_seg_from_whv(const WHV_X64_SEGMENT_REGISTER *w, struct kvm_segment *k);

#endif
