/* test_mmio.c: MemoryAccess exits for loads, stores and fetches on unmapped GPAs, in every mode. */
#include "whp_test.h"

/*
 * As for port I/O, WHP reports an MMIO access before the instruction
 * completes: RIP is at the instruction, and the caller writes the
 * destination register and advances RIP past it (decoding InstructionBytes;
 * the test takes the length from the assembler's record instead). A store
 * has no data field: the caller decodes it from the instruction, here an
 * immediate. This platform's KVM reports RIP after a store; the library has
 * to hide that.
 */

TestSuite(mmio, .timeout = 30);

/* check a MemoryAccess exit at record id for access type at GPA gpa */
static void check_mem(struct whpt_vm *vm, unsigned int id, UINT32 type, uint64_t gpa)
{
	const WHV_MEMORY_ACCESS_CONTEXT *m = &vm->exit.MemoryAccess;

	WHPT_ASSERT_EXIT(vm, WHvRunVpExitReasonMemoryAccess);
	cr_assert(m->AccessInfo.AccessType == type, "%s record %u: AccessType %s, expected %s",
		  whpt_mode_name(vm->mode), id, whpt_access_name(m->AccessInfo.AccessType),
		  whpt_access_name(type));
	cr_assert_eq(m->AccessInfo.GpaUnmapped, 1, "record %u: GpaUnmapped", id);
	WHPT_ASSERT_EQ64(m->Gpa, gpa, "MemoryAccess.Gpa");
	if (m->AccessInfo.GvaValid)
		WHPT_ASSERT_EQ64(m->Gva, gpa, "MemoryAccess.Gva (identity mapped)");
	whpt_assert_at(vm, id);
	whpt_assert_insn_bytes(vm, id, m->InstructionByteCount, m->InstructionBytes);
}

static void expect_mem(struct whpt_vm *vm, unsigned int id, UINT32 type, uint64_t gpa)
{
	whpt_run(vm);
	check_mem(vm, id, type, gpa);
}

/* complete an MMIO exit: RIP past the recorded instruction */
static void skip_insn(struct whpt_vm *vm, unsigned int id)
{
	whpt_set_rip(vm, vm->exit.VpContext.Rip + whpt_rec(vm, id).len);
}

static void expect_report(struct whpt_vm *vm, unsigned int id, uint64_t value)
{
	whpt_run_expect(vm, WHvRunVpExitReasonX64IoPortAccess);
	whpt_assert_at(vm, id);
	cr_assert(vm->exit.IoPortAccess.Rax == value,
		  "%s: guest reported 0x%" PRIx64 " at record %u, expected 0x%" PRIx64,
		  whpt_mode_name(vm->mode), vm->exit.IoPortAccess.Rax, id, value);
	whpt_advance(vm);
}

static void mmio_sequence(enum whpt_mode mode)
{
	struct whpt_vm vm;
	const UINT8 *b;
	struct whpt_rec r;
	uint32_t imm;

	whpt_vm_start_kind(&vm, "mmio", mode);

	expect_mem(&vm, MM_READ32, WHvMemoryAccessRead, WHPT_MMIO_GPA + MM_READ32_OFF);
	WHPT_ASSERT_EQ64(whpt_get64(&vm, WHvX64RegisterRbx), MM_RBX_INIT, "RBX before the load");
	whpt_set64(&vm, WHvX64RegisterRbx, 0xD00DFEED);
	skip_insn(&vm, MM_READ32);
	expect_report(&vm, MM_READ32_REPORT, 0xD00DFEED);

	expect_mem(&vm, MM_READ8, WHvMemoryAccessRead, WHPT_MMIO_GPA + MM_READ8_OFF);
	whpt_set64(&vm, WHvX64RegisterRbx, 0xD00DFE42);
	skip_insn(&vm, MM_READ8);
	expect_report(&vm, MM_READ8_REPORT, 0xD00DFE42);

	expect_mem(&vm, MM_WRITE32, WHvMemoryAccessWrite, WHPT_MMIO_GPA + MM_WRITE32_OFF);
	/* the stored value is the instruction's last four bytes (imm32) */
	r = whpt_rec(&vm, MM_WRITE32);
	b = vm.exit.MemoryAccess.InstructionBytes;
	memcpy(&imm, b + r.len - 4, 4);
	WHPT_ASSERT_EQ64(imm, MM_WRITE32_VALUE, "imm32 decoded from InstructionBytes");
	skip_insn(&vm, MM_WRITE32);

	expect_mem(&vm, MM_WRITE8, WHvMemoryAccessWrite, WHPT_MMIO_GPA + MM_WRITE8_OFF);
	r = whpt_rec(&vm, MM_WRITE8);
	WHPT_ASSERT_EQ64(vm.exit.MemoryAccess.InstructionBytes[r.len - 1], MM_WRITE8_VALUE,
			 "imm8 decoded from InstructionBytes");
	skip_insn(&vm, MM_WRITE8);
	expect_report(&vm, MM_WRITE_REPORT, 0xD00DFE42);
	whpt_vm_destroy(&vm);
}

Test(mmio, load_and_store_exits_report_context_and_complete_real_mode)
{
	mmio_sequence(WHPT_REAL);
}

Test(mmio, load_and_store_exits_report_context_and_complete_protected_mode)
{
	mmio_sequence(WHPT_PROT32);
}

Test(mmio, load_and_store_exits_report_context_and_complete_long_mode)
{
	mmio_sequence(WHPT_LONG64);
}

/* load, RIP left alone: the load exits again and the destination is untouched */
static void load_not_advanced(enum whpt_mode mode)
{
	struct whpt_vm vm;

	whpt_vm_start_kind(&vm, "mmio", mode);
	expect_mem(&vm, MM_READ32, WHvMemoryAccessRead, WHPT_MMIO_GPA + MM_READ32_OFF);
	expect_mem(&vm, MM_READ32, WHvMemoryAccessRead, WHPT_MMIO_GPA + MM_READ32_OFF);
	WHPT_ASSERT_EQ64(whpt_get64(&vm, WHvX64RegisterRbx), MM_RBX_INIT,
			 "RBX after a load that was not completed");
	/* a register write without a RIP change: still the same load */
	whpt_set64(&vm, WHvX64RegisterRbx, 0x77);
	expect_mem(&vm, MM_READ32, WHvMemoryAccessRead, WHPT_MMIO_GPA + MM_READ32_OFF);
	WHPT_ASSERT_EQ64(whpt_get64(&vm, WHvX64RegisterRbx), 0x77, "RBX the caller wrote");
	whpt_set64(&vm, WHvX64RegisterRbx, 0x12345678);
	skip_insn(&vm, MM_READ32);
	expect_report(&vm, MM_READ32_REPORT, 0x12345678);
	whpt_vm_destroy(&vm);
}

Test(mmio, load_without_rip_advance_exits_again_real_mode)
{
	load_not_advanced(WHPT_REAL);
}

Test(mmio, load_without_rip_advance_exits_again_protected_mode)
{
	load_not_advanced(WHPT_PROT32);
}

Test(mmio, load_without_rip_advance_exits_again_long_mode)
{
	load_not_advanced(WHPT_LONG64);
}

/* store, RIP left alone: the store exits again (RIP was reported at it) */
static void store_not_advanced(enum whpt_mode mode)
{
	struct whpt_vm vm;

	whpt_vm_start_kind(&vm, "mmio", mode);
	expect_mem(&vm, MM_READ32, WHvMemoryAccessRead, WHPT_MMIO_GPA + MM_READ32_OFF);
	skip_insn(&vm, MM_READ32);
	expect_report(&vm, MM_READ32_REPORT, MM_RBX_INIT);
	expect_mem(&vm, MM_READ8, WHvMemoryAccessRead, WHPT_MMIO_GPA + MM_READ8_OFF);
	skip_insn(&vm, MM_READ8);
	expect_report(&vm, MM_READ8_REPORT, MM_RBX_INIT);

	expect_mem(&vm, MM_WRITE32, WHvMemoryAccessWrite, WHPT_MMIO_GPA + MM_WRITE32_OFF);
	expect_mem(&vm, MM_WRITE32, WHvMemoryAccessWrite, WHPT_MMIO_GPA + MM_WRITE32_OFF);
	expect_mem(&vm, MM_WRITE32, WHvMemoryAccessWrite, WHPT_MMIO_GPA + MM_WRITE32_OFF);
	skip_insn(&vm, MM_WRITE32);
	expect_mem(&vm, MM_WRITE8, WHvMemoryAccessWrite, WHPT_MMIO_GPA + MM_WRITE8_OFF);
	expect_mem(&vm, MM_WRITE8, WHvMemoryAccessWrite, WHPT_MMIO_GPA + MM_WRITE8_OFF);
	skip_insn(&vm, MM_WRITE8);
	expect_report(&vm, MM_WRITE_REPORT, MM_RBX_INIT);
	whpt_vm_destroy(&vm);
}

Test(mmio, store_without_rip_advance_exits_again_real_mode)
{
	store_not_advanced(WHPT_REAL);
}

Test(mmio, store_without_rip_advance_exits_again_protected_mode)
{
	store_not_advanced(WHPT_PROT32);
}

Test(mmio, store_without_rip_advance_exits_again_long_mode)
{
	store_not_advanced(WHPT_LONG64);
}

/*
 * A jump into the unmapped page: MemoryAccess Execute at the target. Once
 * the caller maps memory holding code there, re-running without touching
 * RIP executes it (lazily backed memory).
 */
static void fetch_from_unmapped(enum whpt_mode mode)
{
	struct whpt_vm vm;
	const WHV_MEMORY_ACCESS_CONTEXT *m = &vm.exit.MemoryAccess;
	uint64_t target = WHPT_MMIO_GPA + MM_EXEC_OFF;
	struct whpt_rec landing;
	uint8_t *page = whpt_alloc(0x1000);

	whpt_vm_start_kind(&vm, "mmio", mode);
	whpt_goto(&vm, MM_EXEC_SETUP);
	whpt_run_expect(&vm, WHvRunVpExitReasonMemoryAccess);
	cr_assert(m->AccessInfo.AccessType == WHvMemoryAccessExecute, "%s: AccessType %s",
		  whpt_mode_name(mode), whpt_access_name(m->AccessInfo.AccessType));
	cr_assert_eq(m->AccessInfo.GpaUnmapped, 1);
	WHPT_ASSERT_EQ64(m->Gpa, target, "MemoryAccess.Gpa of the fetch");
	WHPT_ASSERT_EQ64(whpt_exit_at(&vm), target, "CS.base + RIP of the fetch");

	landing = whpt_rec(&vm, MM_LANDING);
	memcpy(page + MM_EXEC_OFF, whpt_rec_bytes(&vm, landing), landing.len + 1u);
	WHPT_ASSERT_OK(WHvMapGpaRange(vm.part, page, WHPT_MMIO_GPA, 0x1000, WHPT_MAP_RWX));
	whpt_run_expect(&vm, WHvRunVpExitReasonX64IoPortAccess);
	WHPT_ASSERT_EQ64(whpt_exit_at(&vm), target, "CS.base + RIP of the landing code");
	WHPT_ASSERT_EQ64(vm.exit.IoPortAccess.PortNumber, WHPT_PORT_REPORT, "PortNumber");
	cr_assert_eq(vm.exit.VpContext.InstructionLength, landing.len);
	whpt_vm_destroy(&vm);
}

Test(mmio, fetch_from_unmapped_gpa_exits_execute_and_restarts_once_mapped_real_mode)
{
	fetch_from_unmapped(WHPT_REAL);
}

Test(mmio, fetch_from_unmapped_gpa_exits_execute_and_restarts_once_mapped_protected_mode)
{
	fetch_from_unmapped(WHPT_PROT32);
}

Test(mmio, fetch_from_unmapped_gpa_exits_execute_and_restarts_once_mapped_long_mode)
{
	fetch_from_unmapped(WHPT_LONG64);
}
