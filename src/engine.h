/* engine.h: the internal execution-engine contract that src/kvm/ implements (one day a software CPU too). */
#ifndef OPENWHP_ENGINE_H
#define OPENWHP_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "WinHvPlatform.h"

struct engine_vm;
struct engine_vcpu;

/*
 * Guest memory as the engine may see it outside the hardware path: for
 * instruction fetch and page walks while it builds an exit context. Both
 * callbacks take the partition's memory lock themselves.
 *  read_gpa(owner, gpa, buf, len): copy guest-physical bytes; 0, or -EFAULT
 *      when any byte is not mapped readable.
 *  gpa_flags(owner, gpa): the WHV_MAP_GPA_RANGE_FLAGS the page is mapped
 *      with, or -1 when it is not mapped at all.
 */
struct engine_vm_config {
	uint32_t processor_count;
	uint32_t lapic_mode; /* WHV_X64_LOCAL_APIC_EMULATION_MODE */
	void *owner;
	int (*read_gpa)(void *owner, uint64_t gpa, void *buf, uint32_t len);
	int (*gpa_flags)(void *owner, uint64_t gpa);
	/*
	 * CPUID results the partition asked for (CpuidResultList and
	 * CpuidResultList2, the first kind as entries with an all-ones mask);
	 * the engine copies them at vm_create.
	 */
	const WHV_X64_CPUID_RESULT2 *cpuid;
	uint32_t ncpuid;
};

/* What the engine can do on this host; WHvGetCapability reports it as is. */
struct engine_caps {
	bool present;
	uint64_t features;	    /* WHV_CAPABILITY_FEATURES.AsUINT64 */
	uint64_t extended_vm_exits; /* WHV_EXTENDED_VM_EXITS.AsUINT64 */
	uint64_t exception_exit_bitmap;
	uint64_t processor_features[2]; /* banks 0 and 1 */
	uint64_t xsave_features;
	uint32_t processor_vendor; /* WHV_PROCESSOR_VENDOR */
	uint8_t clflush_size;	   /* in 8-byte units, as CPUID.1:EBX[15:8] */
	uint64_t processor_clock_hz;
	uint64_t interrupt_clock_hz;
	uint32_t max_vcpus;
	uint32_t max_regions;
	uint32_t physical_address_width;
};

/*
 * The engine operations. Unless said otherwise every int-returning operation
 * returns 0 or a negative status (internal.h) and has set the last-error text
 * on failure. Threading: a vcpu's operations are called by one thread at a
 * time (src/vp.c serialises them), except vcpu_cancel, which any thread may
 * call at any time while the vcpu exists.
 */
struct engine_ops {
	const char *name;
	/* host_caps: fill (caps); present=false (and 0 returned) without /dev/kvm. */
	int (*host_caps)(struct engine_caps *caps);
	/* vm_create: a new VM for a partition being set up. */
	int (*vm_create)(const struct engine_vm_config *cfg, struct engine_vm **out);
	/* vm_destroy: free (vm); its vcpus are already destroyed. */
	void (*vm_destroy)(struct engine_vm *vm);
	/*
	 * vm_map: make region (id) map guest-physical [gpa, gpa+size) to host
	 * (hva) with (flags) (WHV_MAP_GPA_RANGE_FLAGS; never without Read).
	 * Region ids are small integers below caps.max_regions chosen by the
	 * caller; vm_unmap frees one again.
	 */
	int (*vm_map)(struct engine_vm *vm, uint32_t id, uint64_t gpa, uint64_t size, void *hva,
		      uint32_t flags);
	int (*vm_unmap)(struct engine_vm *vm, uint32_t id, uint64_t gpa);
	/* vcpu_create: VP (index) in the state Windows gives a new VP. */
	int (*vcpu_create)(struct engine_vm *vm, uint32_t index, struct engine_vcpu **out);
	void (*vcpu_destroy)(struct engine_vcpu *vcpu);
	/* vcpu_reset: back to the state of a new VP; clears a pending cancel. */
	int (*vcpu_reset)(struct engine_vcpu *vcpu);
	/*
	 * vcpu_get_regs / vcpu_set_regs: WHvGet/SetVirtualProcessorRegisters
	 * on a VP that is not running. Set is all-or-nothing: on failure no
	 * register has changed. Returns OE_INVALID_VP_REGISTER_NAME for an
	 * unknown name, -EINVAL for an invalid value.
	 */
	int (*vcpu_get_regs)(struct engine_vcpu *vcpu, const WHV_REGISTER_NAME *names,
			     uint32_t count, WHV_REGISTER_VALUE *values);
	int (*vcpu_set_regs)(struct engine_vcpu *vcpu, const WHV_REGISTER_NAME *names,
			     uint32_t count, const WHV_REGISTER_VALUE *values);
	/* vcpu_run: run until an exit WHP reports; fill the whole (exit). */
	int (*vcpu_run)(struct engine_vcpu *vcpu, WHV_RUN_VP_EXIT_CONTEXT *exit);
	/*
	 * vcpu_cancel: WHvCancelRunVirtualProcessor: sticky and single-shot:
	 * the current or next vcpu_run returns Canceled. Called from any thread
	 * with the partition lock held (which keeps a running VP's thread inside
	 * its WHvRunVirtualProcessor); never blocks on the running vcpu.
	 */
	void (*vcpu_cancel)(struct engine_vcpu *vcpu);

	/*
	 * VP state beyond registers (src/state.c is the WHP side; kvm_state.c
	 * the engine side). Buffer rules are WHP's: a short buffer gives
	 * OE_INSUFFICIENT_BUFFER with *written set to the size needed.
	 */
	int (*vcpu_get_xsave)(struct engine_vcpu *vcpu, void *buf, uint32_t size,
			      uint32_t *written);
	int (*vcpu_set_xsave)(struct engine_vcpu *vcpu, const void *buf, uint32_t size);
	int (*vcpu_get_lapic)(struct engine_vcpu *vcpu, void *buf, uint32_t size,
			      uint32_t *written);
	int (*vcpu_set_lapic)(struct engine_vcpu *vcpu, const void *buf, uint32_t size);
	int (*vcpu_get_cpuid)(struct engine_vcpu *vcpu, uint32_t eax, uint32_t ecx,
			      WHV_CPUID_OUTPUT *out);
	int (*vcpu_get_counters)(struct engine_vcpu *vcpu, WHV_PROCESSOR_COUNTER_SET set, void *buf,
				 uint32_t size, uint32_t *written);
	int (*vcpu_translate_gva)(struct engine_vcpu *vcpu, uint64_t gva, uint32_t flags,
				  WHV_TRANSLATE_GVA_RESULT *result, uint64_t *gpa);
	/* WHvRequestInterrupt: deliver (ctl) to the partition's local APICs. */
	int (*vm_request_interrupt)(struct engine_vm *vm, const WHV_INTERRUPT_CONTROL *ctl);
	/*
	 * vm_set_exits: the optional exits the partition asks for now
	 * (ExtendedVmExits, X64MsrExitBitmap, ExceptionExitBitmap), at setup and
	 * whenever one of those properties changes; only bits host_caps offers.
	 */
	int (*vm_set_exits)(struct engine_vm *vm, uint64_t extended_vm_exits,
			    uint64_t msr_exit_bitmap, uint64_t exception_exit_bitmap);
	/* WHvSuspend/ResumePartitionTime: freeze and thaw every VP's TSC. */
	int (*vm_suspend_time)(struct engine_vm *vm);
	int (*vm_resume_time)(struct engine_vm *vm);
	/*
	 * vm_dirty_log: fetch-and-clear the dirty bitmap of region (id) into
	 * (bitmap), one bit per 4 KiB page, bit n of word k = page 64k + n.
	 */
	int (*vm_dirty_log)(struct engine_vm *vm, uint32_t id, uint64_t *bitmap);
};

extern const struct engine_ops kvm_engine_ops;

#endif
