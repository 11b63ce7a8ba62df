/* kvm.h: the KVM engine's private objects (host, VM, vCPU with its state cache and pending exit). */
#ifndef OPENWHP_KVM_H
#define OPENWHP_KVM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "insn.h"
#include "kvm_complete.h"

/* Process-wide facts about /dev/kvm, probed once (kvm_sys.c). */
struct kvm_host {
	int sys_fd;
	int run_size;
	struct engine_caps caps;
	struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID */
	uint64_t mxcsr_mask;
	bool flavour_known;
	enum kvm_flavour flavour;
};

/* kvm_host_get: the probed host, or NULL (last error set) when /dev/kvm is unusable. */
struct kvm_host *kvm_host_get(void);

/* kvm_host_flavour: probe the OUT/MMIO RIP rule once per process (needs a working host). */
int kvm_host_flavour(struct kvm_host *h, enum kvm_flavour *out);

/* Non-sync state blocks cached per exit (bits of kvm_vcpu.valid). */
enum {
	KS_FPU = 1u << 0,
	KS_DREGS = 1u << 1,
	KS_XCRS = 1u << 2,
	KS_MP = 1u << 3,
	KS_APIC = 1u << 4, /* not cached: one KVM_GET_LAPIC per call */
	KS_CACHED = KS_FPU | KS_DREGS | KS_XCRS | KS_MP,
	/* not cached (always in kvm_run): only name which sync blocks a call touches */
	KS_SYNC_REGS = 1u << 8,
	KS_SYNC_SREGS = 1u << 9,
	KS_SYNC_EVENTS = 1u << 10,
	KS_SYNC_ALL = KS_SYNC_REGS | KS_SYNC_SREGS | KS_SYNC_EVENTS,
};

#define KVM_MSR_CACHE 32

/* The instruction an exit left half done, as the caller was shown it. */
struct kvm_pending {
	enum pend_kind kind;
	uint64_t at; /* linear address of the instruction */
	uint8_t len;
	bool touches_vector; /* restore FPU state around a flush */
};

#define KVM_EXIT_TLB	 4
#define KVM_DECODE_CACHE 16

struct kvm_decode_entry {
	uint8_t n, bits;
	uint8_t bytes[15];
	int rc;
	struct insn insn;
};

/* What the run loop counts: exits by kind, with the time spent in the guest before each. */
enum kvm_stat_kind {
	KST_IO,
	KST_MMIO,
	KST_HALT,
	KST_MSR,
	KST_EXCEPTION,
	KST_INTERRUPT_WINDOW,
	KST_APIC_EOI,
	KST_CANCELED,
	KST_OTHER,
	KST_COUNT
};

struct kvm_vcpu_stats {
	uint64_t run_ns;   /* wall time inside WHvRunVirtualProcessor */
	uint64_t guest_ns; /* wall time inside KVM_RUN */
	uint64_t count[KST_COUNT];
	uint64_t ns[KST_COUNT]; /* time handling exits of that kind in user space */
};

struct kvm_exit_window {
	uint64_t la;
	uint8_t b[31];
	uint32_t before, after;
};

struct engine_vm {
	int fd;
	pthread_mutex_t irq_lock; /* level-triggered routes */
	uint64_t tsc_ns_mult;	  /* ns per TSC tick, 32.32 fixed point */
	uint64_t msr_exits_on;	  /* user-space MSR exit reasons enabled (kvm_msr.c) */
	bool msr_filter_on;	  /* an MSR filter with ranges is installed */
	uint64_t exception_exits; /* vectors that exit (#DB, #BP), 0 when ExceptionExit is off */
	atomic_uint debug_gen;	  /* bumped when exception exits change */
	struct kvm_msi level[24];
	uint32_t nlevel;
	atomic_uint level_owed[256]; /* EOIs still owed per level-triggered vector */
	struct kvm_host *host;
	struct engine_vm_config cfg;
	enum kvm_flavour flavour;
	struct engine_vcpu **vcpus; /* by index; KVM never frees a vCPU before its VM */
};

struct engine_vcpu {
	struct engine_vm *vm;
	uint32_t index;
	int fd;
	struct kvm_run *run;
	bool in_use; /* false: parked after WHvDeleteVirtualProcessor */

	/* Cancel (WHvCancelRunVirtualProcessor): see kvm_run.c. */
	atomic_int cancel_pending;
	atomic_bool in_run; /* inside kvm_vcpu_run, on (thread) */
	pthread_t thread;

	/* Cache of non-sync state, valid until the next KVM_RUN. */
	unsigned valid;
	struct kvm_fpu fpu;
	struct kvm_debugregs dregs;
	struct kvm_xcrs xcrs;
	struct kvm_mp_state mp;
	uint32_t msr_count;
	struct kvm_msr_entry msrs[KVM_MSR_CACHE];

	/* WHvX64RegisterDeliverabilityNotifications, owned by the run loop. */
	uint64_t deliverability;
	bool stepping;	     /* single-stepped to watch for a window */
	unsigned debug_gen;  /* vm->debug_gen the guest-debug state was set for */
	bool debug_dirty;    /* DRs written: guest debug must carry them again */
	uint64_t dr7_shadow; /* last known DR7, for VpContext.DebugActive */

	struct kvm_pending pend;
	uint64_t pend_rip;  /* RIP (not linear) of a pending MSR access */
	uint64_t resume_la; /* linear RIP the guest was last resumed at */
	struct {
		uint64_t la, gpa;
	} tlb[KVM_EXIT_TLB]; /* kvm_run.c, per exit */
	unsigned tlb_n;
	struct kvm_decode_entry dcache[KVM_DECODE_CACHE];
	struct kvm_exit_window win; /* kvm_run.c, per exit */
	struct kvm_sync_regs saved; /* dirty blocks at the last entry, for a refusal */
	struct kvm_regs kvm_regs;   /* what KVM holds (stored at the last exit); 0xFF: unknown */

	/* Counters (WHvGetVirtualProcessorCounters), kept by kvm_run.c. */
	struct kvm_vcpu_stats stats;
	bool resume_valid;

	/* The state a new VP starts in, for WHvResetPartition and re-creation. */
	struct kvm_regs init_regs;
	struct kvm_sregs init_sregs;
	struct kvm_fpu init_fpu;
	struct kvm_lapic_state *init_lapic; /* with LAPIC emulation */
};

/* kvm_vcpu_ioctl: a counted vCPU ioctl (openwhp_ioctl_count); returns 0 or -errno. */
int kvm_vcpu_ioctl(struct engine_vcpu *v, unsigned long req, void *arg, const char *what);

/* Register access (kvm_vcpu.c). */
int kvm_vcpu_get_regs(struct engine_vcpu *v, const WHV_REGISTER_NAME *names, uint32_t count,
		      WHV_REGISTER_VALUE *values);
int kvm_vcpu_set_regs(struct engine_vcpu *v, const WHV_REGISTER_NAME *names, uint32_t count,
		      const WHV_REGISTER_VALUE *values);
int kvm_vcpu_load_fpu(struct engine_vcpu *v);
int kvm_vcpu_load_dregs(struct engine_vcpu *v);

/* VM and vCPU lifecycle (kvm_vm.c, kvm_vcpu.c). */
int kvm_vm_create(const struct engine_vm_config *cfg, struct engine_vm **out);
void kvm_vm_destroy(struct engine_vm *vm);
int kvm_vm_map(struct engine_vm *vm, uint32_t id, uint64_t gpa, uint64_t size, void *hva,
	       uint32_t flags);
int kvm_vm_unmap(struct engine_vm *vm, uint32_t id, uint64_t gpa);
int kvm_vcpu_create(struct engine_vm *vm, uint32_t index, struct engine_vcpu **out);
void kvm_vcpu_destroy(struct engine_vcpu *v);
int kvm_vcpu_reset(struct engine_vcpu *v);

/* VP state beyond registers (kvm_state.c). */
int kvm_vcpu_get_xsave(struct engine_vcpu *v, void *buf, uint32_t size, uint32_t *written);
int kvm_vcpu_set_xsave(struct engine_vcpu *v, const void *buf, uint32_t size);
int kvm_vcpu_fpu_write(struct engine_vcpu *v, const struct kvm_fpu *f);
int kvm_vcpu_get_cpuid(struct engine_vcpu *v, uint32_t eax, uint32_t ecx, WHV_CPUID_OUTPUT *out);
int kvm_vcpu_get_counters(struct engine_vcpu *v, WHV_PROCESSOR_COUNTER_SET set, void *buf,
			  uint32_t size, uint32_t *written);
int kvm_vcpu_translate_gva(struct engine_vcpu *v, uint64_t gva, uint32_t flags,
			   WHV_TRANSLATE_GVA_RESULT *result, uint64_t *gpa);
int kvm_vm_suspend_time(struct engine_vm *vm);
int kvm_vm_resume_time(struct engine_vm *vm);
int kvm_vm_dirty_log(struct engine_vm *vm, uint32_t id, uint64_t *bitmap);

/* Interrupts and the local APIC (kvm_irq.c). */
int kvm_vm_irq_setup(struct engine_vm *vm);
int kvm_vm_request_interrupt(struct engine_vm *vm, const WHV_INTERRUPT_CONTROL *ctl);
int kvm_vcpu_get_lapic(struct engine_vcpu *v, void *buf, uint32_t size, uint32_t *written);
int kvm_vcpu_set_lapic(struct engine_vcpu *v, const void *buf, uint32_t size);
bool kvm_reg_is_apic(WHV_REGISTER_NAME name);
int kvm_vcpu_lapic_init(struct engine_vcpu *v);
int kvm_apic_regs(struct engine_vcpu *v, const WHV_REGISTER_NAME *names, uint32_t count,
		  WHV_REGISTER_VALUE *out, const WHV_REGISTER_VALUE *in);

/* kvm_kick_install: install the kick signal's handler once per process (kvm_run.c). */
void kvm_kick_install(void);

/* The signal that kicks a vCPU thread out of KVM_RUN (kvm_run.c). */
#define KVM_KICK_SIGNAL (SIGRTMAX - 5)

/* Optional exits: MSR exits and filters (kvm_msr.c). */
int kvm_vm_set_exits(struct engine_vm *vm, uint64_t extended_vm_exits, uint64_t msr_exit_bitmap,
		     uint64_t exception_exit_bitmap);

/* Run loop (kvm_run.c). */
int kvm_vcpu_run(struct engine_vcpu *v, WHV_RUN_VP_EXIT_CONTEXT *exit);
void kvm_vcpu_cancel(struct engine_vcpu *v);
int kvm_vcpu_retire_pending(struct engine_vcpu *v);

#endif
