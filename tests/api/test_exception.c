/* test_exception.c: exception exits (ExtendedVmExits.ExceptionExit, ExceptionExitBitmap) for #DB. */
#include "whp_test.h"

WHPT_PAYLOAD(guest_dbg64);

static void dbg_vm(struct whpt_vm *vm, int exits)
{
	UINT32 one = 1;
	WHV_PARTITION_PROPERTY prop;

	memset(vm, 0, sizeof(*vm));
	WHPT_ASSERT_OK(WHvCreatePartition(&vm->part));
	WHPT_ASSERT_OK(WHvSetPartitionProperty(vm->part, WHvPartitionPropertyCodeProcessorCount,
					       &one, sizeof(one)));
	if (exits) {
		memset(&prop, 0, sizeof(prop));
		prop.ExtendedVmExits.ExceptionExit = 1;
		WHPT_ASSERT_OK(WHvSetPartitionProperty(vm->part,
						       WHvPartitionPropertyCodeExtendedVmExits,
						       &prop, sizeof(prop)));
		memset(&prop, 0, sizeof(prop));
		prop.ExceptionExitBitmap = 1ull << WHvX64ExceptionTypeDebugTrapOrFault;
		WHPT_ASSERT_OK(WHvSetPartitionProperty(vm->part,
						       WHvPartitionPropertyCodeExceptionExitBitmap,
						       &prop, sizeof(prop)));
	}
	WHPT_ASSERT_OK(WHvSetupPartition(vm->part));
	vm->ram_size = WHPT_RAM_SIZE;
	vm->ram = whpt_alloc(vm->ram_size);
	WHPT_ASSERT_OK(WHvMapGpaRange(vm->part, vm->ram, 0, vm->ram_size, WHPT_MAP_RWX));
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm->part, 0, 0));
	whpt_vm_load(vm, guest_dbg64, guest_dbg64_size);
	whpt_vm_set_mode(vm, WHPT_LONG64, vm->entry);
}

Test(exception, capability_offers_db_and_bp_only)
{
	WHV_CAPABILITY cap;
	WHV_PARTITION_HANDLE p;
	UINT64 gp = 1ull << WHvX64ExceptionTypeGeneralProtectionFault;

	WHPT_ASSERT_OK(WHvGetCapability(WHvCapabilityCodeExtendedVmExits, &cap, sizeof(cap), NULL));
	cr_assert(cap.ExtendedVmExits.ExceptionExit);
	WHPT_ASSERT_OK(
		WHvGetCapability(WHvCapabilityCodeExceptionExitBitmap, &cap, sizeof(cap), NULL));
	cr_assert_eq(cap.ExceptionExitBitmap, (1ull << 1) | (1ull << 3));
	/* KVM cannot intercept #GP for user space: the property refuses it. */
	WHPT_ASSERT_OK(WHvCreatePartition(&p));
	WHPT_ASSERT_HR(WHvSetPartitionProperty(p, WHvPartitionPropertyCodeExceptionExitBitmap, &gp,
					       sizeof(gp)),
		       E_INVALIDARG);
	WHPT_ASSERT_OK(WHvDeletePartition(p));
}

/*
 * Verified on kvm_pvm: instruction breakpoints (DR0-3/DR7) exit as #DB. A #DB
 * the guest raises itself with RFLAGS.TF exits on kvm_intel (VMX intercepts
 * every #DB under KVM_GUESTDBG_USE_HW_BP) but is delivered to the guest on
 * kvm_pvm, so this test does not use TF (docs/api-coverage.md says so).
 */
Test(exception, hardware_breakpoint_exits_as_db_fault_until_removed)
{
	struct whpt_vm vm;
	struct whpt_rec bp, end;
	WHV_REGISTER_NAME dn[2] = { WHvX64RegisterDr0, WHvX64RegisterDr7 };
	WHV_REGISTER_VALUE dv[2];
	UINT32 r;

	dbg_vm(&vm, 1);
	bp = whpt_rec(&vm, DBG_BP);
	end = whpt_rec(&vm, DBG_END);
	/* An execute breakpoint on DBG_BP (DR7.L0, R/W0 = 00, LEN0 = 00: SDM Vol.3 18.2.4). */
	memset(dv, 0, sizeof(dv));
	dv[0].Reg64 = bp.addr;
	dv[1].Reg64 = 0x401;
	WHPT_ASSERT_OK(WHvSetVirtualProcessorRegisters(vm.part, 0, dn, 2, dv));
	r = whpt_run(&vm);
	cr_assert_eq(r, WHvRunVpExitReasonException, "got %s", whpt_describe(&vm));
	cr_assert_eq(vm.exit.VpException.ExceptionType, WHvX64ExceptionTypeDebugTrapOrFault);
	cr_assert(vm.exit.VpException.ExceptionParameter & 1, "DR6.B0: 0x%llx",
		  (unsigned long long)vm.exit.VpException.ExceptionParameter);
	cr_assert_eq(vm.exit.VpContext.Rip, bp.addr, "a fault: RIP at the instruction");
	cr_assert_eq(vm.exit.VpException.InstructionBytes[0], 0x90);
	/*
	 * The exit is intercepted, not delivered: re-running hits it again. A
	 * debugger steps over by removing the breakpoint (RFLAGS.RF would do on
	 * hardware; kvm_pvm does not honour it, so it is not what this asserts).
	 */
	cr_assert_eq(whpt_run(&vm), WHvRunVpExitReasonException, "got %s", whpt_describe(&vm));
	cr_assert_eq(vm.exit.VpContext.Rip, bp.addr);
	whpt_set64(&vm, WHvX64RegisterDr7, 0x400);
	r = whpt_run(&vm);
	cr_assert_eq(r, WHvRunVpExitReasonX64IoPortAccess, "got %s", whpt_describe(&vm));
	cr_assert_eq(vm.exit.VpContext.Rip, end.addr);
	whpt_vm_destroy(&vm);
}

Test(exception, without_exception_exits_the_guest_gets_its_db)
{
	struct whpt_vm vm;
	WHV_REGISTER_NAME dn[2] = { WHvX64RegisterDr0, WHvX64RegisterDr7 };
	WHV_REGISTER_VALUE dv[2];

	/* IDT limit 0: the delivered #DB becomes a triple fault, which proves delivery. */
	dbg_vm(&vm, 0);
	memset(dv, 0, sizeof(dv));
	dv[0].Reg64 = whpt_rec(&vm, DBG_BP).addr;
	dv[1].Reg64 = 0x401;
	WHPT_ASSERT_OK(WHvSetVirtualProcessorRegisters(vm.part, 0, dn, 2, dv));
	cr_assert_eq(whpt_run(&vm), WHvRunVpExitReasonUnrecoverableException, "got %s",
		     whpt_describe(&vm));
	whpt_vm_destroy(&vm);
}
