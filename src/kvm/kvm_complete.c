/* kvm_complete.c: per-flavour exit rules and the resume planner that bridges KVM's and Windows' completion models. */
#include "kvm_complete.h"

/*
 * Windows never completes an intercepted I/O or MMIO instruction: RIP stays at
 * it and the caller writes the result and advances RIP (whp-reference §4.3).
 * KVM completes it itself on the next KVM_RUN (api.rst "KVM_RUN": operations
 * are complete only after userspace re-enters). Each row says where KVM's RIP
 * is at the exit and what the re-entry will do, per flavour:
 *  - kvm_intel/kvm_amd: x86.c (complete_fast_pio_out/in check the linear RIP;
 *    complete_emulated_pio/mmio always re-run the emulator; MMIO writes are
 *    written back, RIP advanced, before the exit; HLT skips first).
 *  - kvm_pvm: measured (kvm-platform-facts §2).
 * String I/O and string MMIO are completed eagerly at exit time on both: the
 * completion writes guest memory, which must happen before the caller's own
 * emulation writes it, not after.
 */
const struct kvm_exit_rule kvm_exit_rules[KVM_FLAVOUR_COUNT][PK_COUNT] = {
	[KVM_FLAVOUR_AT] = {
		[PK_NONE] = { false, KC_NONE, false },
		[PK_OUT] = { false, KC_SKIP_IF_RIP_SAME, false },
		[PK_IN] = { false, KC_SKIP_IF_RIP_SAME, false },
		[PK_STRING_IO] = { false, KC_ALWAYS, true },
		[PK_MMIO_READ] = { false, KC_ALWAYS, false },
		[PK_MMIO_WRITE] = { true, KC_NONE, false },
		[PK_MMIO_STRING] = { false, KC_ALWAYS, true },
		[PK_MSR] = { false, KC_DATA, false },
		[PK_MMIO_RMW] = { false, KC_ALWAYS, false },
	},
	[KVM_FLAVOUR_AFTER] = {
		[PK_NONE] = { false, KC_NONE, false },
		[PK_OUT] = { true, KC_NONE, false },
		[PK_IN] = { false, KC_FORCED, false },
		[PK_STRING_IO] = { false, KC_ALWAYS, true },
		[PK_MMIO_READ] = { false, KC_FORCED, false },
		[PK_MMIO_WRITE] = { true, KC_NONE, false },
		[PK_MMIO_STRING] = { false, KC_ALWAYS, true },
		[PK_MSR] = { false, KC_DATA, false },
		/*
		 * Measured: KVM still writes RFLAGS and performs the store half
		 * of a read-modify-write, and a 16-byte load exits per fragment,
		 * even after user space wrote the registers.
		 */
		[PK_MMIO_RMW] = { false, KC_ALWAYS, false },
	},
};

struct resume_plan kvm_plan_resume(enum kvm_flavour f, enum pend_kind k, uint64_t at, uint8_t len,
				   uint64_t view_rip, bool view_changed)
{
	const struct kvm_exit_rule *rule = &kvm_exit_rules[f][k];
	struct resume_plan plan = { .flush = false, .write_regs = view_changed };

	/* An eager kind was retired at exit time: nothing is pending any more. */
	if (rule->eager)
		return plan;
	switch (rule->completion) {
	case KC_NONE: break;
	case KC_SKIP_IF_RIP_SAME:
		/*
		 * A caller that moved RIP makes KVM drop the completion; one that
		 * left RIP at the instruction wants it executed again, which KVM's
		 * skip would prevent: retire the completion first.
		 */
		if (view_rip == at)
			plan.flush = true;
		plan.write_regs = true;
		break;
	case KC_FORCED:
		/*
		 * Writing the registers makes KVM leave the destination alone but
		 * it still puts RIP past the instruction: right exactly when the
		 * caller advanced RIP by the instruction length.
		 */
		if (view_rip != at + len)
			plan.flush = true;
		plan.write_regs = true;
		break;
	case KC_ALWAYS:
		plan.flush = true;
		plan.write_regs = true;
		break;
	case KC_DATA:
		/*
		 * KVM will complete the access with what it finds in kvm_run and
		 * skip the instruction whatever RIP says. When the caller did
		 * exactly that (result in RDX:RAX, RIP advanced), feed it the
		 * result; otherwise (retry, jump, an injected #GP) retire it first.
		 */
		if (view_rip == at + len) {
			plan.fill_data = true;
			plan.write_regs = true;
		} else {
			plan.flush = true;
			plan.write_regs = true;
		}
		break;
	}
	return plan;
}

const char *kvm_flavour_name(enum kvm_flavour f)
{
	return f == KVM_FLAVOUR_AFTER ? "after" : "at";
}
