/* kvm_complete.h: the per-flavour table of where KVM leaves RIP and what it completes on re-entry. */
#ifndef OPENWHP_KVM_COMPLETE_H
#define OPENWHP_KVM_COMPLETE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * KVM flavours, told apart by one probe per process (kvm_sys.c): where KVM
 * leaves RIP on KVM_EXIT_IO for an OUT. kvm_intel and kvm_amd report it at the
 * instruction (x86.c, kvm_fast_pio_out); kvm_pvm reports it after.
 */
enum kvm_flavour {
	KVM_FLAVOUR_AT = 0,    /* kvm_intel, kvm_amd */
	KVM_FLAVOUR_AFTER = 1, /* kvm_pvm */
	KVM_FLAVOUR_COUNT
};

/* The kinds of exit that leave KVM with an instruction half done. */
enum pend_kind {
	PK_NONE = 0,	/* nothing pending (HLT, cancel, first run, ...) */
	PK_OUT,		/* OUT, non-string */
	PK_IN,		/* IN, non-string */
	PK_STRING_IO,	/* INS/OUTS, with or without REP */
	PK_MMIO_READ,	/* a load from an unmapped GPA */
	PK_MMIO_WRITE,	/* a store to an unmapped or read-only GPA */
	PK_MMIO_STRING, /* MOVS/STOS/LODS/CMPS/SCAS touching MMIO */
	PK_MSR,		/* RDMSR/WRMSR exited to user space */
	PK_MMIO_RMW,	/* any other MMIO read: ALU/compare/exchange with memory, vector loads */
	PK_COUNT
};

/* What KVM does with the pending instruction on the next KVM_RUN. */
enum kvm_completion {
	KC_NONE,	     /* nothing: the instruction is finished */
	KC_SKIP_IF_RIP_SAME, /* completes (RAX for IN) and skips it only when the linear RIP is
				unchanged, else drops it (x86.c complete_fast_pio_in/out) */
	KC_FORCED,	     /* completes and forces RIP past it; when userspace wrote the
				registers it leaves the destination alone but still forces
				RIP (measured on kvm_pvm: kvm-platform-facts §2) */
	KC_ALWAYS,	     /* always completes, overriding what userspace wrote (emulator
				path: complete_emulated_pio/mmio re-run the emulator) */
	KC_DATA,	     /* always completes with the data userspace leaves in kvm_run
				(RDMSR: EDX:EAX from msr.data) and skips, with no RIP check
				(x86.c complete_fast_msr_access, complete_fast_rdmsr) */
};

struct kvm_exit_rule {
	bool rip_after; /* KVM's RIP at the exit is past the instruction */
	enum kvm_completion completion;
	bool eager; /* complete it at exit time, before the caller acts */
};

/* kvm_exit_rules[flavour][kind]: the one table; tests/unit/test_kvm_complete.c pins it. */
extern const struct kvm_exit_rule kvm_exit_rules[KVM_FLAVOUR_COUNT][PK_COUNT];

/* What to do before the next KVM_RUN so that KVM's end state equals the caller's view. */
struct resume_plan {
	bool flush;	 /* run once with immediate_exit=1 to retire KVM's completion first */
	bool write_regs; /* then write the caller's view of REGS through sync regs */
	bool fill_data;	 /* KC_DATA: hand KVM the caller's result and put RIP back at the
			     instruction, so KVM's own skip lands where the caller put it */
};

/*
 * kvm_plan_resume: the caller saw the instruction at linear address (at),
 * (len) bytes long, not executed (Windows' model); its view now has linear
 * RIP (view_rip) and (view_changed) says whether any register of the view
 * differs from what KVM holds. Pure function.
 */
struct resume_plan kvm_plan_resume(enum kvm_flavour f, enum pend_kind k, uint64_t at, uint8_t len,
				   uint64_t view_rip, bool view_changed);

const char *kvm_flavour_name(enum kvm_flavour f);

#endif
