/* test_io.c: X64IoPortAccess exits in all three CPU modes and the Windows completion model. */
#include "whp_test.h"

/*
 * WHP reports a port access *before* the instruction completes: RIP is at
 * the instruction, and the caller writes RAX (for IN) and advances RIP by
 * VpContext.InstructionLength itself. Everything below is asserted from what
 * the guest does after the resume (its next exit and what it reports), not
 * from what the platform underneath reports.
 */

TestSuite(io, .timeout = 30);

static uint16_t data_selector(enum whpt_mode mode)
{
	return mode == WHPT_REAL ? 0 : WHPT_SEL_DATA;
}

/* check that the last exit is an I/O exit at record id with these decoded fields */
static const WHV_X64_IO_PORT_ACCESS_CONTEXT *check_io(struct whpt_vm *vm, unsigned int id,
						      uint16_t port, unsigned int is_write,
						      unsigned int size, unsigned int string,
						      unsigned int rep)
{
	const WHV_X64_IO_PORT_ACCESS_CONTEXT *io = &vm->exit.IoPortAccess;
	struct whpt_rec r = whpt_rec(vm, id);

	WHPT_ASSERT_EXIT(vm, WHvRunVpExitReasonX64IoPortAccess);
	whpt_assert_at(vm, id);
	cr_assert_eq(vm->exit.VpContext.InstructionLength, r.len,
		     "%s record %u: InstructionLength %u, assembled length %u",
		     whpt_mode_name(vm->mode), id, vm->exit.VpContext.InstructionLength, r.len);
	whpt_assert_insn_bytes(vm, id, io->InstructionByteCount, io->InstructionBytes);
	cr_assert_eq(io->PortNumber, port, "record %u: PortNumber 0x%x, expected 0x%x", id,
		     io->PortNumber, port);
	cr_assert_eq(io->AccessInfo.IsWrite, is_write, "record %u: IsWrite", id);
	cr_assert_eq(io->AccessInfo.AccessSize, size, "record %u: AccessSize %u, expected %u", id,
		     io->AccessInfo.AccessSize, size);
	cr_assert_eq(io->AccessInfo.StringOp, string, "record %u: StringOp", id);
	cr_assert_eq(io->AccessInfo.RepPrefix, rep, "record %u: RepPrefix", id);
	cr_assert_eq(vm->exit.VpContext.ExecutionState.Cr0Pe, vm->mode != WHPT_REAL,
		     "record %u: ExecutionState.Cr0Pe", id);
	cr_assert_eq(vm->exit.VpContext.ExecutionState.EferLma, vm->mode == WHPT_LONG64,
		     "record %u: ExecutionState.EferLma", id);
	cr_assert_eq(vm->exit.VpContext.ExecutionState.Cpl, 0, "record %u: Cpl", id);
	cr_assert(vm->exit.VpContext.Rflags & 2, "record %u: VpContext.Rflags 0x%" PRIx64, id,
		  vm->exit.VpContext.Rflags);
	return io;
}

/* run, then check_io */
static const WHV_X64_IO_PORT_ACCESS_CONTEXT *expect_io(struct whpt_vm *vm, unsigned int id,
						       uint16_t port, unsigned int is_write,
						       unsigned int size, unsigned int string,
						       unsigned int rep)
{
	whpt_run(vm);
	return check_io(vm, id, port, is_write, size, string, rep);
}

/* the guest's next exit is the report at record id carrying value */
static void expect_report(struct whpt_vm *vm, unsigned int id, uint64_t value)
{
	const WHV_X64_IO_PORT_ACCESS_CONTEXT *io = expect_io(vm, id, WHPT_PORT_REPORT, 1, 4, 0, 0);

	cr_assert(io->Rax == value,
		  "%s: guest reported 0x%" PRIx64 " at record %u, expected 0x%" PRIx64,
		  whpt_mode_name(vm->mode), io->Rax, id, value);
	whpt_advance(vm);
}

static uint64_t merge(uint64_t old, uint64_t value, unsigned int size)
{
	uint64_t mask = size == 4 ? 0xFFFFFFFFull : size == 2 ? 0xFFFFull : 0xFFull;

	/* a 32-bit IN zero-extends into RAX, narrower ones merge (Intel SDM, IN) */
	return size == 4 ? (value & mask) : ((old & ~mask) | (value & mask));
}

static void io_forms(enum whpt_mode mode)
{
	static const struct {
		unsigned int id, report;
		uint16_t port;
		unsigned int size;
	} outs[] = {
		{ IO_OUTB_IMM, 0, IO_PORT_B, 1 }, { IO_OUTW_IMM, 0, IO_PORT_W, 2 },
		{ IO_OUTL_IMM, 0, IO_PORT_L, 4 }, { IO_OUTB_DX, 0, IO_DX_PORT, 1 },
		{ IO_OUTW_DX, 0, IO_DX_PORT, 2 }, { IO_OUTL_DX, 0, IO_DX_PORT, 4 },
	}, ins[] = {
		{ IO_INB_IMM, IO_INB_IMM_REPORT, IO_PORT_INB, 1 },
		{ IO_INW_IMM, IO_INW_IMM_REPORT, IO_PORT_INW, 2 },
		{ IO_INL_IMM, IO_INL_IMM_REPORT, IO_PORT_INL, 4 },
		{ IO_INB_DX, IO_INB_DX_REPORT, IO_DX_PORT, 1 },
		{ IO_INW_DX, IO_INW_DX_REPORT, IO_DX_PORT, 2 },
		{ IO_INL_DX, IO_INL_DX_REPORT, IO_DX_PORT, 4 },
	};
	struct whpt_vm vm;
	const WHV_X64_IO_PORT_ACCESS_CONTEXT *io;
	uint64_t rax = IO_RAX_INIT;
	size_t i;

	whpt_vm_start_kind(&vm, "io", mode);
	memcpy(vm.ram + IO_STR_SRC, "abc", 3);
	vm.ram[IO_STR_SRC + 0x10] = 'z';

	for (i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		io = expect_io(&vm, outs[i].id, outs[i].port, 1, outs[i].size, 0, 0);
		WHPT_ASSERT_EQ64(io->Rax, IO_RAX_INIT, "Rax of an OUT");
		whpt_advance(&vm);
	}
	for (i = 0; i < sizeof(ins) / sizeof(ins[0]); i++) {
		io = expect_io(&vm, ins[i].id, ins[i].port, 0, ins[i].size, 0, 0);
		WHPT_ASSERT_EQ64(io->Rax, rax, "Rax before the IN completes");
		rax = merge(rax, 0xC3C2C1C0u + (uint32_t)i, ins[i].size);
		whpt_set64(&vm, WHvX64RegisterRax, rax);
		whpt_advance(&vm);
		expect_report(&vm, ins[i].report, rax);
	}

	/* REP OUTSB: the caller emulates all three elements in one go */
	io = expect_io(&vm, IO_REP_OUTSB, IO_DX_PORT, 1, 1, 1, 1);
	WHPT_ASSERT_EQ64(io->Rcx, IO_STR_COUNT, "Rcx of REP OUTSB");
	WHPT_ASSERT_EQ64(io->Rsi, IO_STR_SRC, "Rsi of REP OUTSB");
	WHPT_ASSERT_EQ64(io->Ds.Selector, data_selector(mode), "Ds.Selector of REP OUTSB");
	WHPT_ASSERT_EQ64(io->Ds.Base, 0, "Ds.Base of REP OUTSB");
	cr_assert(memcmp(vm.ram + io->Ds.Base + io->Rsi, "abc", 3) == 0);
	whpt_set64(&vm, WHvX64RegisterRsi, io->Rsi + IO_STR_COUNT);
	whpt_set64(&vm, WHvX64RegisterRcx, 0);
	whpt_advance(&vm);
	expect_report(&vm, IO_REP_OUTSB_RCX, 0);
	expect_report(&vm, IO_REP_OUTSB_RSI, IO_STR_SRC + IO_STR_COUNT);

	/* REP INSB: the caller stores the data and updates RDI/RCX/RIP */
	io = expect_io(&vm, IO_REP_INSB, IO_DX_PORT, 0, 1, 1, 1);
	WHPT_ASSERT_EQ64(io->Rcx, IO_STR_COUNT, "Rcx of REP INSB");
	WHPT_ASSERT_EQ64(io->Rdi, IO_STR_DST, "Rdi of REP INSB");
	WHPT_ASSERT_EQ64(io->Es.Selector, data_selector(mode), "Es.Selector of REP INSB");
	WHPT_ASSERT_EQ64(io->Es.Base, 0, "Es.Base of REP INSB");
	memcpy(vm.ram + io->Es.Base + io->Rdi, "xyz", 3);
	whpt_set64(&vm, WHvX64RegisterRdi, io->Rdi + IO_STR_COUNT);
	whpt_set64(&vm, WHvX64RegisterRcx, 0);
	whpt_advance(&vm);
	expect_report(&vm, IO_REP_INSB_RCX, 0);
	expect_report(&vm, IO_REP_INSB_RDI, IO_STR_DST + IO_STR_COUNT);

	/* OUTSB without REP */
	io = expect_io(&vm, IO_OUTSB, IO_DX_PORT, 1, 1, 1, 0);
	WHPT_ASSERT_EQ64(io->Rsi, IO_STR_SRC + 0x10, "Rsi of OUTSB");
	cr_assert_eq(vm.ram[io->Ds.Base + io->Rsi], 'z');
	whpt_set64(&vm, WHvX64RegisterRsi, io->Rsi + 1);
	whpt_advance(&vm);
	expect_report(&vm, IO_OUTSB_RSI, IO_STR_SRC + 0x11);

	whpt_run_expect(&vm, WHvRunVpExitReasonX64Halt);
	/* the INSB data is what the caller stored: nothing overwrote it on resume */
	cr_assert(memcmp(vm.ram + IO_STR_DST, "xyz", 3) == 0,
		  "%s: REP INSB buffer holds %02x %02x %02x", whpt_mode_name(mode),
		  vm.ram[IO_STR_DST], vm.ram[IO_STR_DST + 1], vm.ram[IO_STR_DST + 2]);
	whpt_vm_destroy(&vm);
}

Test(io, every_port_form_reports_exact_context_and_completes_real_mode)
{
	io_forms(WHPT_REAL);
}

Test(io, every_port_form_reports_exact_context_and_completes_protected_mode)
{
	io_forms(WHPT_PROT32);
}

Test(io, every_port_form_reports_exact_context_and_completes_long_mode)
{
	io_forms(WHPT_LONG64);
}

/* OUT, RIP left alone: the same OUT exits again, then advancing moves on */
static void out_not_advanced(enum whpt_mode mode)
{
	struct whpt_vm vm;
	int i;

	whpt_vm_start_kind(&vm, "io", mode);
	for (i = 0; i < 3; i++) {
		const WHV_X64_IO_PORT_ACCESS_CONTEXT *io =
			expect_io(&vm, IO_OUTB_IMM, IO_PORT_B, 1, 1, 0, 0);

		WHPT_ASSERT_EQ64(io->Rax, IO_RAX_INIT, "Rax of the repeated OUT");
	}
	whpt_advance(&vm);
	expect_io(&vm, IO_OUTW_IMM, IO_PORT_W, 1, 2, 0, 0);
	/* and once more after a different instruction */
	expect_io(&vm, IO_OUTW_IMM, IO_PORT_W, 1, 2, 0, 0);
	whpt_vm_destroy(&vm);
}

Test(io, out_without_rip_advance_exits_again_at_same_rip_real_mode)
{
	out_not_advanced(WHPT_REAL);
}

Test(io, out_without_rip_advance_exits_again_at_same_rip_protected_mode)
{
	out_not_advanced(WHPT_PROT32);
}

Test(io, out_without_rip_advance_exits_again_at_same_rip_long_mode)
{
	out_not_advanced(WHPT_LONG64);
}

/*
 * IN, RIP left alone: the same IN exits again and the guest's RAX is still
 * untouched; a RAX write without a RIP change is seen by the repeated exit;
 * finally RAX + RIP complete it.
 */
static void in_not_advanced(enum whpt_mode mode)
{
	struct whpt_vm vm;
	const WHV_X64_IO_PORT_ACCESS_CONTEXT *io;

	whpt_vm_start_kind(&vm, "io", mode);
	whpt_run_to(&vm, IO_INW_IMM);
	check_io(&vm, IO_INW_IMM, IO_PORT_INW, 0, 2, 0, 0);
	/* whpt_run_to completed the IN before this one with 0xFF in AL */
	io = expect_io(&vm, IO_INW_IMM, IO_PORT_INW, 0, 2, 0, 0);
	WHPT_ASSERT_EQ64(io->Rax, IO_RAX_INIT | 0xFF, "Rax at the repeated IN");
	io = expect_io(&vm, IO_INW_IMM, IO_PORT_INW, 0, 2, 0, 0);
	WHPT_ASSERT_EQ64(io->Rax, IO_RAX_INIT | 0xFF, "Rax at the repeated IN");
	whpt_set64(&vm, WHvX64RegisterRax, 0x99);
	io = expect_io(&vm, IO_INW_IMM, IO_PORT_INW, 0, 2, 0, 0);
	WHPT_ASSERT_EQ64(io->Rax, 0x99, "Rax at the repeated IN after a RAX write");
	whpt_set64(&vm, WHvX64RegisterRax, 0xBEEF);
	whpt_advance(&vm);
	expect_report(&vm, IO_INW_IMM_REPORT, 0xBEEF);
	whpt_vm_destroy(&vm);
}

Test(io, in_without_rip_advance_exits_again_at_same_rip_real_mode)
{
	in_not_advanced(WHPT_REAL);
}

Test(io, in_without_rip_advance_exits_again_at_same_rip_protected_mode)
{
	in_not_advanced(WHPT_PROT32);
}

Test(io, in_without_rip_advance_exits_again_at_same_rip_long_mode)
{
	in_not_advanced(WHPT_LONG64);
}

/* IN completed by advancing RIP only: the guest's RAX is what it was */
static void in_advanced_without_rax(enum whpt_mode mode)
{
	struct whpt_vm vm;
	const WHV_X64_IO_PORT_ACCESS_CONTEXT *io;

	whpt_vm_start_kind(&vm, "io", mode);
	whpt_run_to(&vm, IO_INB_IMM);
	io = check_io(&vm, IO_INB_IMM, IO_PORT_INB, 0, 1, 0, 0);
	WHPT_ASSERT_EQ64(io->Rax, IO_RAX_INIT, "Rax at the IN");
	whpt_advance(&vm);
	expect_report(&vm, IO_INB_IMM_REPORT, IO_RAX_INIT);
	/* the same for a 32-bit IN */
	whpt_run_to(&vm, IO_INL_IMM);
	check_io(&vm, IO_INL_IMM, IO_PORT_INL, 0, 4, 0, 0);
	whpt_set64(&vm, WHvX64RegisterRax, 0x0F0E0D0C);
	whpt_advance(&vm);
	expect_report(&vm, IO_INL_IMM_REPORT, 0x0F0E0D0C);
	whpt_run_to(&vm, IO_INB_DX);
	check_io(&vm, IO_INB_DX, IO_DX_PORT, 0, 1, 0, 0);
	whpt_advance(&vm);
	expect_report(&vm, IO_INB_DX_REPORT, 0x0F0E0D0C);
	whpt_vm_destroy(&vm);
}

Test(io, in_completed_by_rip_only_leaves_guest_rax_unchanged_real_mode)
{
	in_advanced_without_rax(WHPT_REAL);
}

Test(io, in_completed_by_rip_only_leaves_guest_rax_unchanged_protected_mode)
{
	in_advanced_without_rax(WHPT_PROT32);
}

Test(io, in_completed_by_rip_only_leaves_guest_rax_unchanged_long_mode)
{
	in_advanced_without_rax(WHPT_LONG64);
}

/*
 * REP OUTSB emulated one element per exit, RIP left alone: the instruction
 * exits again with the caller's RCX/RSI, and with RCX = 0 it finishes
 * without exiting (a REP with count 0 does nothing).
 */
static void rep_outsb_one_element_per_exit(enum whpt_mode mode)
{
	struct whpt_vm vm;
	const WHV_X64_IO_PORT_ACCESS_CONTEXT *io;
	int i;

	whpt_vm_start_kind(&vm, "io", mode);
	memcpy(vm.ram + IO_STR_SRC, "abc", 3);
	whpt_run_to(&vm, IO_REP_OUTSB);
	for (i = 0; i < IO_STR_COUNT; i++) {
		if (i > 0)
			whpt_run(&vm);
		cr_log_info("%s: REP OUTSB element %d: %s, InstructionLength %u, "
			    "InstructionByteCount %u, Rcx %" PRIu64 ", Rsi 0x%" PRIx64,
			    whpt_mode_name(mode), i, whpt_describe(&vm),
			    vm.exit.VpContext.InstructionLength,
			    vm.exit.IoPortAccess.InstructionByteCount, vm.exit.IoPortAccess.Rcx,
			    vm.exit.IoPortAccess.Rsi);
		io = check_io(&vm, IO_REP_OUTSB, IO_DX_PORT, 1, 1, 1, 1);
		WHPT_ASSERT_EQ64(io->Rcx, (uint64_t)(IO_STR_COUNT - i), "Rcx of element");
		WHPT_ASSERT_EQ64(io->Rsi, (uint64_t)(IO_STR_SRC + i), "Rsi of element");
		cr_assert_eq(vm.ram[io->Ds.Base + io->Rsi], "abc"[i]);
		whpt_set64(&vm, WHvX64RegisterRsi, io->Rsi + 1);
		whpt_set64(&vm, WHvX64RegisterRcx, io->Rcx - 1);
	}
	expect_report(&vm, IO_REP_OUTSB_RCX, 0);
	expect_report(&vm, IO_REP_OUTSB_RSI, IO_STR_SRC + IO_STR_COUNT);
	whpt_vm_destroy(&vm);
}

Test(io, rep_outsb_emulated_one_element_per_exit_resumes_with_callers_rcx_real_mode)
{
	rep_outsb_one_element_per_exit(WHPT_REAL);
}

Test(io, rep_outsb_emulated_one_element_per_exit_resumes_with_callers_rcx_protected_mode)
{
	rep_outsb_one_element_per_exit(WHPT_PROT32);
}

Test(io, rep_outsb_emulated_one_element_per_exit_resumes_with_callers_rcx_long_mode)
{
	rep_outsb_one_element_per_exit(WHPT_LONG64);
}

Test(io, guest_prints_banner_on_serial_port_in_every_mode)
{
	static const enum whpt_mode modes[] = { WHPT_REAL, WHPT_PROT32, WHPT_LONG64 };
	const char *want = "hello from the guest\n";
	size_t m;

	for (m = 0; m < 3; m++) {
		struct whpt_vm vm;

		whpt_vm_start_kind(&vm, "basic", modes[m]);
		whpt_run_to_halt(&vm);
		cr_assert(vm.serial_len == strlen(want) &&
				  memcmp(vm.serial, want, vm.serial_len) == 0,
			  "%s: serial output \"%.*s\"", whpt_mode_name(modes[m]),
			  (int)vm.serial_len, vm.serial);
		cr_assert(vm.nreports == 1 && vm.reports[0] == B_HELLO_VALUE,
			  "%s: %u reports, first 0x%" PRIx64, whpt_mode_name(modes[m]), vm.nreports,
			  vm.reports[0]);
		whpt_vm_destroy(&vm);
	}
}
