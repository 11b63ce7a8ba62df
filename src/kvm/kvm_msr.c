/* kvm_msr.c: WHP's optional exits on KVM: MSR exits (user-space MSR exits and filters), exception-exit settings. */
#include <string.h>
#include <sys/ioctl.h>

#include "internal.h"
#include "kvm.h"

#define X64_MSR_EXIT (1ull << 1)

/* The MSRs X64MsrExitBitmap names one by one (Intel SDM Vol.4, table 2-2). */
#define MSR_IA32_TSC	      0x10
#define MSR_IA32_APICBASE     0x1B
#define MSR_IA32_BIOS_SIGN_ID 0x8B
#define MSR_IA32_MISC_ENABLE  0x1A0

/*
 * With X64MsrExit set, the MSRs the platform does not implement exit to the
 * caller instead of raising #GP in the guest (KVM_MSR_EXIT_REASON_UNKNOWN and
 * _INVAL). X64MsrExitBitmap adds named MSRs: those become "denied" by an MSR
 * filter, which KVM reports as a user-space exit too (KVM_MSR_EXIT_REASON_FILTER).
 * With X64MsrExit clear, nothing exits and no filter is installed.
 */
int kvm_vm_set_exits(struct engine_vm *vm, uint64_t extended_vm_exits, uint64_t msr_exit_bitmap,
		     uint64_t exception_exit_bitmap)
{
	struct kvm_enable_cap cap;
	struct kvm_msr_filter filter;
	static uint8_t deny[1] = { 0 }; /* one MSR, bit clear: denied -> exit */
	struct {
		uint32_t msr;
		uint32_t flags;
		uint64_t bit;
	} named[] = {
		{ MSR_IA32_TSC, KVM_MSR_FILTER_WRITE, 1ull << 1 },
		{ MSR_IA32_TSC, KVM_MSR_FILTER_READ, 1ull << 2 },
		{ MSR_IA32_APICBASE, KVM_MSR_FILTER_WRITE, 1ull << 3 },
		{ MSR_IA32_MISC_ENABLE, KVM_MSR_FILTER_READ, 1ull << 4 },
		{ MSR_IA32_BIOS_SIGN_ID, KVM_MSR_FILTER_READ, 1ull << 5 },
	};
	uint64_t reasons = 0, ex;
	unsigned i, n = 0;

	/* Exception exits are applied per vCPU at its next run (kvm_run.c, guest_debug_apply). */
	ex = (extended_vm_exits & (1ull << 2)) ? exception_exit_bitmap : 0;
	if (ex != vm->exception_exits) {
		vm->exception_exits = ex;
		atomic_fetch_add(&vm->debug_gen, 1);
	}
	if (extended_vm_exits & X64_MSR_EXIT)
		reasons = KVM_MSR_EXIT_REASON_UNKNOWN | KVM_MSR_EXIT_REASON_INVAL |
			  KVM_MSR_EXIT_REASON_FILTER;
	if (reasons || vm->msr_exits_on) {
		memset(&cap, 0, sizeof(cap));
		cap.cap = KVM_CAP_X86_USER_SPACE_MSR;
		cap.args[0] = reasons;
		if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap))
			return err_sys(-errno, "KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR)");
		vm->msr_exits_on = reasons;
	}
	/*
	 * Installing a filter makes KVM wait for an SRCU grace period
	 * (kvm_vm_ioctl_set_msr_filter): worth avoiding on every partition
	 * setup when none is wanted and none was installed.
	 */
	if (!reasons && !vm->msr_filter_on)
		return 0;
	memset(&filter, 0, sizeof(filter));
	filter.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	for (i = 0; reasons && i < sizeof(named) / sizeof(named[0]); i++) {
		if (!(msr_exit_bitmap & named[i].bit))
			continue;
		filter.ranges[n].flags = named[i].flags;
		filter.ranges[n].base = named[i].msr;
		filter.ranges[n].nmsrs = 1;
		filter.ranges[n].bitmap = deny;
		n++;
	}
	/* An empty filter with DEFAULT_ALLOW removes any earlier one (api.rst). */
	if (ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &filter))
		return err_sys(-errno, "KVM_X86_SET_MSR_FILTER");
	vm->msr_filter_on = n != 0;
	return 0;
}
