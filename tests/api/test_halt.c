/* test_halt.c: X64Halt and UnrecoverableException (triple fault) exits. */
#include "whp_test.h"

TestSuite(halt, .timeout = 30);

/*
 * HLT without LAPIC emulation exits as X64Halt. RIP is reported after the
 * HLT (the project's documented choice, matching KVM and the VMMs that
 * resume without touching RIP); resuming continues with the next
 * instruction.
 */
static void halt_then_resume(enum whpt_mode mode)
{
	struct whpt_vm vm;
	struct whpt_rec h;

	whpt_vm_start_kind(&vm, "basic", mode);
	whpt_run_to_halt(&vm);
	h = whpt_rec(&vm, B_HALT);
	WHPT_ASSERT_EQ64(whpt_exit_at(&vm), h.addr + h.len, "CS.base + RIP at X64Halt");
	WHPT_ASSERT_EQ64(whpt_get64(&vm, WHvX64RegisterRip), h.addr + h.len - vm.cs_base,
			 "RIP register at X64Halt");
	cr_assert_eq(vm.nreports, 1);
	WHPT_ASSERT_EQ64(vm.reports[0], B_HELLO_VALUE, "report before the HLT");

	whpt_run_expect(&vm, WHvRunVpExitReasonX64IoPortAccess);
	whpt_assert_at(&vm, B_AFTER_HALT);
	WHPT_ASSERT_EQ64(vm.exit.IoPortAccess.Rax, B_HELLO_VALUE, "guest RAX after the HLT");
	whpt_vm_destroy(&vm);
}

Test(halt, hlt_exits_x64_halt_and_resume_continues_after_it_real_mode)
{
	halt_then_resume(WHPT_REAL);
}

Test(halt, hlt_exits_x64_halt_and_resume_continues_after_it_protected_mode)
{
	halt_then_resume(WHPT_PROT32);
}

Test(halt, hlt_exits_x64_halt_and_resume_continues_after_it_long_mode)
{
	halt_then_resume(WHPT_LONG64);
}

/* an exception with IDTR.limit = 0 cannot be delivered: #DF, then shutdown */
static void triple_fault(enum whpt_mode mode, unsigned int id)
{
	struct whpt_vm vm;

	whpt_vm_start_kind(&vm, "basic", mode);
	whpt_set64(&vm, WHvX64RegisterRax, WHPT_SEL_BAD);
	whpt_goto(&vm, id);
	whpt_run_expect(&vm, WHvRunVpExitReasonUnrecoverableException);
	/* the partition survives its guest's crash: the VP can be reset and rerun */
	whpt_vm_set_mode(&vm, mode, vm.entry);
	whpt_run_to_halt(&vm);
	cr_assert_eq(vm.nreports, 1);
	whpt_vm_destroy(&vm);
}

Test(halt, ud2_with_empty_idt_triple_faults_to_unrecoverable_exception_protected_mode)
{
	triple_fault(WHPT_PROT32, B_UD2);
}

Test(halt, ud2_with_empty_idt_triple_faults_to_unrecoverable_exception_long_mode)
{
	triple_fault(WHPT_LONG64, B_UD2);
}

Test(halt, gp_from_bad_selector_triple_faults_to_unrecoverable_exception_protected_mode)
{
	triple_fault(WHPT_PROT32, B_BAD_SEG);
}

Test(halt, gp_from_bad_selector_triple_faults_to_unrecoverable_exception_long_mode)
{
	triple_fault(WHPT_LONG64, B_BAD_SEG);
}

/*
 * A register state the processor cannot enter must never run: either the
 * set is refused (and changes nothing) or the run exits
 * InvalidVpRegisterValue. Running guest code with some other state (such
 * as the reset state) is wrong either way.
 */
static void invalid_state_is_refused(const char *what, WHV_REGISTER_NAME name,
				     WHV_REGISTER_VALUE bad)
{
	struct whpt_vm vm;
	WHV_REGISTER_VALUE before;
	HRESULT hr;

	whpt_vm_start_kind(&vm, "basic", WHPT_LONG64);
	before = whpt_get(&vm, name);
	hr = WHvSetVirtualProcessorRegisters(vm.part, 0, &name, 1, &bad);
	if (SUCCEEDED(hr)) {
		whpt_run(&vm);
		cr_assert(vm.exit.ExitReason == WHvRunVpExitReasonInvalidVpRegisterValue,
			  "%s was accepted, then the run gave %s instead of "
			  "InvalidVpRegisterValue",
			  what, whpt_describe(&vm));
		/* nothing ran: the VP still holds the state the caller gave it */
		WHPT_ASSERT_EQ64(whpt_get(&vm, name).Reg64, bad.Reg64,
				 "the invalid register after InvalidVpRegisterValue");
		WHPT_ASSERT_EQ64(whpt_get64(&vm, WHvX64RegisterRip), vm.entry,
				 "RIP after InvalidVpRegisterValue");
		WHPT_ASSERT_EQ64(whpt_get(&vm, WHvX64RegisterCs).Segment.Selector, WHPT_SEL_CODE64,
				 "CS.Selector after InvalidVpRegisterValue");
		WHPT_ASSERT_EQ64(whpt_get64(&vm, WHvX64RegisterCr0), 0x80050033,
				 "CR0 after InvalidVpRegisterValue");
	} else {
		WHV_REGISTER_VALUE after = whpt_get(&vm, name);

		cr_assert(before.Reg64 == after.Reg64, "refused %s still changed the register",
			  what);
	}
	/* with a valid state again the VP runs the guest */
	whpt_vm_set_mode(&vm, WHPT_LONG64, vm.entry);
	whpt_set64(&vm, WHvX64RegisterEfer, 0x500);
	whpt_run_to_halt(&vm);
	cr_assert_eq(vm.nreports, 1);
	WHPT_ASSERT_EQ64(vm.reports[0], B_HELLO_VALUE, "hello report");
	whpt_vm_destroy(&vm);
}

Test(halt, long_mode_with_efer_lma_clear_is_refused_or_exits_invalid_vp_register_value)
{
	/* CR0.PG = 1 and EFER.LME = 1 require EFER.LMA = 1 (Intel SDM 9.8.5) */
	invalid_state_is_refused("EFER.LME without LMA under paging", WHvX64RegisterEfer,
				 whpt_reg64(0x100));
}

Test(halt, long_mode_without_cr4_pae_is_refused_or_exits_invalid_vp_register_value)
{
	/* IA-32e paging requires CR4.PAE (Intel SDM 4.1.1) */
	invalid_state_is_refused("CR4.PAE clear in long mode", WHvX64RegisterCr4,
				 whpt_reg64(0x600));
}
