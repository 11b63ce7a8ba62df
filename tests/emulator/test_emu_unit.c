/* test_emu_unit.c: unit tests of WinHvEmulation with fake callbacks: contract, status bits. */
#include <WinHvEmulation.h>
#include <openwhp.h>

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "fake_vp.h"

/*
 * No VM here: the VP is a struct (fake_vp.h) and guest memory a buffer at
 * GPA 0. Instruction bytes come from unit_insns.S. Each test checks one
 * rule of the callback contract or one status bit exactly.
 */

#define DECL(name) extern const uint8_t name[], name##_end[]
DECL(u64_mov_load);
DECL(u64_mov_store8);
DECL(u64_mov_disp32);
DECL(u64_add_mem);
DECL(u64_inc_mem);
DECL(u64_push_mem);
DECL(u64_cmpsb);
DECL(u64_rep_stosb);
DECL(u64_rep_movsb);
DECL(u64_movaps_load);
DECL(u64_movdqu_store);
DECL(u64_movd_load);
DECL(u64_movq_rex_load);
DECL(u64_movd_mmx);
DECL(u64_vmovdqu);
DECL(u64_mov_cr);
DECL(u64_in_dx_eax);
DECL(u64_in_imm_al);
DECL(u64_out_imm_ax);
DECL(u64_rep_outsw_gs);
DECL(u64_insb);
DECL(u64_ud2);
DECL(u64_nop);
DECL(u64_cmpxchg);
DECL(u64_bt_neg);
DECL(u64_mov_fs);
DECL(u64_hlt);
DECL(u32_mov_load);
DECL(u32_mov_store);
DECL(u32_mov_cs_load);
DECL(u32_mov_es_store);
DECL(u16_mov_load);
DECL(u16_mov_bp);
DECL(u16_in_dx_al);
DECL(u16_rep_insw);
#define INSN(name) name, (unsigned int)(name##_end - name)

#define RAM_SIZE 0x40000
#define CODE_GPA 0x1000
#define DATA_GPA 0x8000

static uint8_t ram[RAM_SIZE];

struct ut {
	struct fake_vp vp;
	WHV_VP_EXIT_CONTEXT ctx;
	WHV_EMULATOR_HANDLE h;
	WHV_EMULATOR_STATUS st;
	WHV_MEMORY_ACCESS_CONTEXT mmio;
	WHV_X64_IO_PORT_ACCESS_CONTEXT io;
};

/* A VP in (mode) at RIP = CODE_GPA with the instruction there and in the exit's bytes. */
static void ut_setup(struct ut *t, enum fake_mode mode, const uint8_t *insn, unsigned int n)
{
	WHV_EMULATOR_CALLBACKS cb = fake_callbacks();

	memset(t, 0, sizeof(*t));
	memset(ram, 0x5A, sizeof(ram));
	fake_vp_init(&t->vp);
	for (int i = 0; i < 16; i++)
		t->vp.gpr[i] = 0x1111111111111111ull * (uint64_t)(i + 1);
	t->vp.gpr[3] = DATA_GPA; /* rbx: the usual base */
	t->vp.gpr[0] = DATA_GPA; /* rax: base of u64_mov_load */
	t->vp.rip = CODE_GPA;
	t->vp.rflags = 2;
	fake_vp_mode(&t->vp, &t->ctx, mode);
	fake_add_region(&t->vp, 0, ram, RAM_SIZE);
	memcpy(ram + CODE_GPA, insn, n);
	memcpy(t->mmio.InstructionBytes, insn, n < 16 ? n : 16);
	t->mmio.InstructionByteCount = (UINT8)(n < 16 ? n : 16);
	t->mmio.AccessInfo.AccessType = WHvMemoryAccessRead;
	t->mmio.AccessInfo.GpaUnmapped = 1;
	t->mmio.Gpa = DATA_GPA;
	memcpy(t->io.InstructionBytes, insn, n < 16 ? n : 16);
	t->io.InstructionByteCount = (UINT8)(n < 16 ? n : 16);
	cr_assert_eq(WHvEmulatorCreateEmulator(&cb, &t->h), S_OK);
}

static void ut_sync_ctx(struct ut *t)
{
	t->ctx.Rip = t->vp.rip;
	t->ctx.Rflags = t->vp.rflags;
	t->ctx.Cs = t->vp.seg[1];
}

static HRESULT ut_mmio(struct ut *t)
{
	HRESULT hr;

	ut_sync_ctx(t);
	t->st.AsUINT32 = 0xFFFFFFFF;
	hr = WHvEmulatorTryMmioEmulation(t->h, &t->vp, &t->ctx, &t->mmio, &t->st);
	cr_expect(t->vp.violation[0] == '\0', "callback contract: %s", t->vp.violation);
	return hr;
}

static HRESULT ut_io(struct ut *t)
{
	HRESULT hr;

	ut_sync_ctx(t);
	t->st.AsUINT32 = 0xFFFFFFFF;
	hr = WHvEmulatorTryIoEmulation(t->h, &t->vp, &t->ctx, &t->io, &t->st);
	cr_expect(t->vp.violation[0] == '\0', "callback contract: %s", t->vp.violation);
	return hr;
}

static void ut_done(struct ut *t)
{
	cr_assert_eq(WHvEmulatorDestroyEmulator(t->h), S_OK);
}

/* Exactly these status bits. */
#define EXPECT_STATUS(t, want)                                                             \
	cr_expect((t)->st.AsUINT32 == (uint32_t)(want), "status 0x%x, expected 0x%x (%s)", \
		  (t)->st.AsUINT32, (uint32_t)(want), openwhp_last_error())

#define ST_OK	       0x001u
#define ST_INTERNAL    0x002u
#define ST_IO	       0x004u
#define ST_MEMORY      0x008u
#define ST_XLATE       0x010u
#define ST_XLATE_ALIGN 0x020u
#define ST_GET	       0x040u
#define ST_SET	       0x080u
#define ST_INTERRUPT   0x100u

/* ---- the API surface ---- */

Test(emulator_api, status_bit_positions)
{
	WHV_EMULATOR_STATUS s;

	/* WHV_EMULATOR_STATUS bit order (whp-reference §1b); the tests below rely on it. */
	s.AsUINT32 = 0;
	s.MemoryCallbackFailed = 1;
	cr_expect_eq(s.AsUINT32, ST_MEMORY);
	s.AsUINT32 = 0;
	s.GuestCannotBeFaulted = 1;
	cr_expect_eq(s.AsUINT32, 0x200u);
	cr_expect_eq(sizeof(WHV_EMULATOR_CALLBACKS), 48);
	cr_expect_eq(sizeof(WHV_EMULATOR_STATUS), 4);
}

Test(emulator_api, create_checks_its_arguments)
{
	WHV_EMULATOR_CALLBACKS cb = fake_callbacks();
	WHV_EMULATOR_HANDLE h = NULL;

	cr_expect_eq(WHvEmulatorCreateEmulator(NULL, &h), E_INVALIDARG);
	cr_expect_eq(WHvEmulatorCreateEmulator(&cb, NULL), E_INVALIDARG);
	for (UINT32 size = 0; size < 64; size += 8) {
		cb.Size = size;
		if (size != 48)
			cr_expect_eq(WHvEmulatorCreateEmulator(&cb, &h), E_INVALIDARG,
				     "Size %u accepted", size);
	}
	cb.Size = 47;
	cr_expect_eq(WHvEmulatorCreateEmulator(&cb, &h), E_INVALIDARG);
	cb = fake_callbacks();
	cb.Reserved = 1;
	cr_expect_eq(WHvEmulatorCreateEmulator(&cb, &h), E_INVALIDARG);
	for (int k = 0; k < 5; k++) {
		cb = fake_callbacks();
		if (k == 0)
			cb.WHvEmulatorIoPortCallback = NULL;
		if (k == 1)
			cb.WHvEmulatorMemoryCallback = NULL;
		if (k == 2)
			cb.WHvEmulatorGetVirtualProcessorRegisters = NULL;
		if (k == 3)
			cb.WHvEmulatorSetVirtualProcessorRegisters = NULL;
		if (k == 4)
			cb.WHvEmulatorTranslateGvaPage = NULL;
		cr_expect_eq(WHvEmulatorCreateEmulator(&cb, &h), E_INVALIDARG, "callback %d NULL",
			     k);
	}
	cb = fake_callbacks();
	cr_assert_eq(WHvEmulatorCreateEmulator(&cb, &h), S_OK);
	cr_expect(h != NULL);
	cr_expect_eq(WHvEmulatorDestroyEmulator(h), S_OK);
}

Test(emulator_api, stale_and_invented_handles_are_refused)
{
	WHV_EMULATOR_CALLBACKS cb = fake_callbacks();
	WHV_EMULATOR_HANDLE h;
	struct ut t;
	int junk;

	cr_assert_eq(WHvEmulatorCreateEmulator(&cb, &h), S_OK);
	cr_expect_eq(WHvEmulatorDestroyEmulator(h), S_OK);
	cr_expect_eq(WHvEmulatorDestroyEmulator(h), E_INVALIDARG);
	cr_expect_eq(WHvEmulatorDestroyEmulator(NULL), E_INVALIDARG);
	cr_expect_eq(WHvEmulatorDestroyEmulator(&junk), E_INVALIDARG);
	ut_setup(&t, FAKE_LONG64, INSN(u64_mov_load));
	cr_expect_eq(WHvEmulatorTryMmioEmulation(h, &t.vp, &t.ctx, &t.mmio, &t.st), E_INVALIDARG);
	cr_expect_eq(WHvEmulatorTryIoEmulation(&junk, &t.vp, &t.ctx, &t.io, &t.st), E_INVALIDARG);
	cr_expect_eq(WHvEmulatorTryMmioEmulation(t.h, &t.vp, NULL, &t.mmio, &t.st), E_INVALIDARG);
	cr_expect_eq(WHvEmulatorTryMmioEmulation(t.h, &t.vp, &t.ctx, NULL, &t.st), E_INVALIDARG);
	cr_expect_eq(WHvEmulatorTryMmioEmulation(t.h, &t.vp, &t.ctx, &t.mmio, NULL), E_INVALIDARG);
	cr_expect_eq(WHvEmulatorTryIoEmulation(t.h, &t.vp, &t.ctx, NULL, &t.st), E_INVALIDARG);
	cr_expect_eq(t.vp.calls[FAKE_CB_GET] + t.vp.calls[FAKE_CB_SET], 0,
		     "a refused call must not touch the VP");
	ut_done(&t);
}

Test(emulator_api, many_emulators_live_together)
{
	WHV_EMULATOR_CALLBACKS cb = fake_callbacks();
	WHV_EMULATOR_HANDLE h[100];

	for (int i = 0; i < 100; i++)
		cr_assert_eq(WHvEmulatorCreateEmulator(&cb, &h[i]), S_OK);
	for (int i = 0; i < 100; i += 2)
		cr_expect_eq(WHvEmulatorDestroyEmulator(h[i]), S_OK);
	for (int i = 1; i < 100; i += 2) {
		struct ut t;

		ut_setup(&t, FAKE_LONG64, INSN(u64_mov_load));
		cr_expect_eq(WHvEmulatorTryMmioEmulation(h[i], &t.vp, &t.ctx, &t.mmio, &t.st),
			     S_OK);
		cr_expect_eq(t.st.AsUINT32, ST_OK);
		ut_done(&t);
		cr_expect_eq(WHvEmulatorDestroyEmulator(h[i]), S_OK);
	}
}

/* A set callback that destroys the emulator running it. */
static WHV_EMULATOR_HANDLE destroy_me;

static HRESULT CALLBACK set_and_destroy(VOID *ctx, const WHV_REGISTER_NAME *n, UINT32 c,
					const WHV_REGISTER_VALUE *v)
{
	cr_expect_eq(WHvEmulatorDestroyEmulator(destroy_me), S_OK);
	return fake_set_cb(ctx, n, c, v);
}

Test(emulator_api, destroy_from_a_callback)
{
	WHV_EMULATOR_CALLBACKS cb = fake_callbacks();
	struct ut t;

	ut_setup(&t, FAKE_LONG64, INSN(u64_mov_load));
	cb.WHvEmulatorSetVirtualProcessorRegisters = set_and_destroy;
	cr_assert_eq(WHvEmulatorCreateEmulator(&cb, &destroy_me), S_OK);
	cr_expect_eq(WHvEmulatorTryMmioEmulation(destroy_me, &t.vp, &t.ctx, &t.mmio, &t.st), S_OK);
	cr_expect_eq(t.st.AsUINT32, ST_OK);
	cr_expect_eq(WHvEmulatorTryMmioEmulation(destroy_me, &t.vp, &t.ctx, &t.mmio, &t.st),
		     E_INVALIDARG);
	ut_done(&t);
}

/* ---- status bits ---- */

Test(emulator_status, success_is_exactly_one_bit)
{
	struct ut t;

	ut_setup(&t, FAKE_LONG64, INSN(u64_mov_load));
	*(uint32_t *)(void *)(ram + DATA_GPA) = 0xCAFEF00D;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	cr_expect_eq(t.vp.gpr[1], 0xCAFEF00Dull, "32-bit load zero-extends RCX");
	cr_expect_eq(t.vp.rip, CODE_GPA + 2);
	/* written: RCX and RIP only (RFLAGS unchanged, RF clear) */
	cr_expect_eq(t.vp.nset, 2);
	cr_expect_eq(t.vp.set_names[0], WHvX64RegisterRcx);
	cr_expect_eq(t.vp.set_names[1], WHvX64RegisterRip);
	cr_expect_eq(t.vp.set_calls, 1);
	cr_expect_eq(t.vp.calls[FAKE_CB_GET], 1, "one get-registers call");
	cr_expect_eq(t.vp.calls[FAKE_CB_XLATE], 0, "the exit's GPA needs no translation");
	ut_done(&t);
}

Test(emulator_status, each_failing_callback_sets_its_bit)
{
	static const struct {
		int cb;
		uint32_t bit;
	} cases[] = {
		{ FAKE_CB_GET, ST_GET },
		{ FAKE_CB_SET, ST_SET },
		{ FAKE_CB_MEM, ST_MEMORY },
	};

	for (unsigned int k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct ut t;
		uint64_t rcx;

		ut_setup(&t, FAKE_LONG64, INSN(u64_mov_load));
		rcx = t.vp.gpr[1];
		t.vp.fail_cb = cases[k].cb;
		t.vp.fail_at = 1;
		cr_expect_eq(ut_mmio(&t), S_OK, "a failed emulation is still S_OK");
		EXPECT_STATUS(&t, cases[k].bit);
		if (cases[k].cb != FAKE_CB_SET) {
			cr_expect_eq(t.vp.rip, CODE_GPA, "nothing written after a failure");
			cr_expect_eq(t.vp.gpr[1], rcx);
		}
		ut_done(&t);
	}
}

Test(emulator_status, failing_io_callback)
{
	struct ut t;

	ut_setup(&t, FAKE_LONG64, INSN(u64_in_imm_al));
	t.vp.fail_cb = FAKE_CB_IO;
	t.vp.fail_at = 1;
	cr_expect_eq(ut_io(&t), S_OK);
	EXPECT_STATUS(&t, ST_IO);
	cr_expect_eq(t.vp.set_calls, 0);
	ut_done(&t);
}

Test(emulator_status, translation_failures)
{
	struct ut t;

	/* protected mode, no GPA in the exit: the operand must be translated */
	ut_setup(&t, FAKE_PROT32, INSN(u32_mov_load));
	t.mmio.AccessInfo.AccessType = WHvMemoryAccessExecute;
	t.vp.fail_cb = FAKE_CB_XLATE;
	t.vp.fail_at = 1;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_XLATE);
	ut_done(&t);

	ut_setup(&t, FAKE_PROT32, INSN(u32_mov_load));
	t.mmio.AccessInfo.AccessType = WHvMemoryAccessExecute;
	t.vp.xlate_misalign = true;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_XLATE_ALIGN);
	cr_expect_eq(t.vp.calls[FAKE_CB_MEM], 0);
	ut_done(&t);
}

static WHV_TRANSLATE_GVA_RESULT_CODE xlate_not_present(struct fake_vp *vp, uint64_t gva,
						       uint64_t *gpa)
{
	(void)vp;
	*gpa = gva;
	return WHvTranslateGvaResultPageNotPresent;
}

Test(emulator_status, a_page_fault_is_not_delivered)
{
	struct ut t;

	ut_setup(&t, FAKE_PROT32, INSN(u32_mov_load));
	t.mmio.AccessInfo.AccessType = WHvMemoryAccessExecute;
	t.vp.xlate_fn = xlate_not_present;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_INTERNAL);
	cr_expect_eq(t.vp.calls[FAKE_CB_MEM], 0);
	cr_expect_eq(t.vp.set_calls, 0);
	ut_done(&t);
}

Test(emulator_status, pending_interruption)
{
	struct ut t;

	ut_setup(&t, FAKE_LONG64, INSN(u64_mov_load));
	t.ctx.ExecutionState.InterruptionPending = 1;
	t.st.AsUINT32 = 0;
	cr_expect_eq(WHvEmulatorTryMmioEmulation(t.h, &t.vp, &t.ctx, &t.mmio, &t.st), S_OK);
	EXPECT_STATUS(&t, ST_INTERRUPT);
	cr_expect_eq(t.vp.calls[FAKE_CB_GET] + t.vp.calls[FAKE_CB_SET], 0);
	ut_done(&t);
}

Test(emulator_status, unsupported_and_invalid_instructions)
{
	static const struct {
		const uint8_t *b, *e;
		const char *what;
	} cases[] = {
		{ u64_inc_mem, u64_inc_mem_end, "INC m32" },
		{ u64_push_mem, u64_push_mem_end, "PUSH m64" },
		{ u64_cmpsb, u64_cmpsb_end, "CMPSB" },
		{ u64_movd_mmx, u64_movd_mmx_end, "MOVD to MMX" },
		{ u64_vmovdqu, u64_vmovdqu_end, "VMOVDQU (VEX)" },
		{ u64_mov_cr, u64_mov_cr_end, "MOV from CR0" },
		{ u64_ud2, u64_ud2_end, "UD2" },
		{ u64_nop, u64_nop_end, "NOP (no memory operand)" },
		{ u64_hlt, u64_hlt_end, "HLT" },
	};

	for (unsigned int k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct ut t;

		ut_setup(&t, FAKE_LONG64, cases[k].b, (unsigned int)(cases[k].e - cases[k].b));
		cr_expect_eq(ut_mmio(&t), S_OK, "%s", cases[k].what);
		EXPECT_STATUS(&t, ST_INTERNAL);
		cr_expect_eq(t.vp.set_calls, 0, "%s: nothing written", cases[k].what);
		ut_done(&t);
	}
}

Test(emulator_status, io_exit_with_a_non_io_instruction)
{
	struct ut t;

	ut_setup(&t, FAKE_LONG64, INSN(u64_mov_load));
	cr_expect_eq(ut_io(&t), S_OK);
	EXPECT_STATUS(&t, ST_INTERNAL);
	ut_done(&t);
}

/* ---- instruction bytes ---- */

Test(emulator_fetch, no_bytes_in_the_exit)
{
	struct ut t;

	ut_setup(&t, FAKE_LONG64, INSN(u64_mov_disp32));
	t.mmio.InstructionByteCount = 0;
	t.vp.gpr[3] = DATA_GPA - 0x12345678ull;
	*(uint32_t *)(void *)(ram + DATA_GPA) = 0x600DD00D;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	cr_expect_eq(t.vp.gpr[1], 0x600DD00Dull);
	cr_expect_eq(t.vp.rip, CODE_GPA + 6);
	ut_done(&t);
}

Test(emulator_fetch, a_few_bytes_then_the_rest)
{
	for (unsigned int have = 1; have < 6; have++) {
		struct ut t;

		ut_setup(&t, FAKE_LONG64, INSN(u64_mov_disp32));
		t.mmio.InstructionByteCount = (UINT8)have;
		memset(t.mmio.InstructionBytes + have, 0xCC, 16 - have); /* not to be used */
		t.vp.gpr[3] = DATA_GPA - 0x12345678ull;
		cr_expect_eq(ut_mmio(&t), S_OK);
		EXPECT_STATUS(&t, ST_OK);
		cr_expect_eq(t.vp.rip, CODE_GPA + 6, "%u bytes given", have);
		ut_done(&t);
	}
}

/* Page 0x2000 of linear space maps to GPA 0x9000 (not contiguous with page 0x1000). */
static WHV_TRANSLATE_GVA_RESULT_CODE xlate_scatter(struct fake_vp *vp, uint64_t gva, uint64_t *gpa)
{
	(void)vp;
	*gpa = gva == 0x2000 ? 0x9000 : gva;
	return WHvTranslateGvaResultSuccess;
}

Test(emulator_fetch, an_instruction_across_a_page)
{
	struct ut t;
	const unsigned int n = (unsigned int)(u32_mov_store_end - u32_mov_store);

	/* mov %ecx,(%ebx) split as 1 byte at 0x1FFF and the rest at linear 0x2000 (GPA 0x9000) */
	ut_setup(&t, FAKE_PROT32, INSN(u32_mov_store));
	t.vp.rip = 0x1FFF;
	ram[0x1FFF] = u32_mov_store[0];
	memcpy(ram + 0x9000, u32_mov_store + 1, n - 1);
	t.vp.xlate_fn = xlate_scatter;
	t.mmio.InstructionByteCount = 1;
	t.mmio.AccessInfo.AccessType = WHvMemoryAccessWrite;
	t.vp.gpr[1] = 0xA1B2C3D4;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	cr_expect_eq(*(uint32_t *)(void *)(ram + DATA_GPA), 0xA1B2C3D4u);
	cr_expect_eq(t.vp.rip, 0x1FFF + n);
	ut_done(&t);
}

Test(emulator_fetch, failing_fetch)
{
	struct ut t;

	ut_setup(&t, FAKE_LONG64, INSN(u64_mov_disp32));
	t.mmio.InstructionByteCount = 2;
	t.vp.fail_cb = FAKE_CB_MEM;
	t.vp.fail_at = 1;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_MEMORY);
	ut_done(&t);
}

/* ---- memory accesses ---- */

Test(emulator_memory, a_store_across_a_page_is_two_callbacks)
{
	struct ut t;

	/* mov %rdx,(%rbx) at linear 0x1FFC: 4 bytes at GPA 0x1FFC, 4 at GPA 0x9000 */
	ut_setup(&t, FAKE_LONG64, INSN(u64_mov_store8));
	t.vp.gpr[3] = 0x1FFC;
	t.vp.gpr[2] = 0x8877665544332211ull;
	t.vp.xlate_fn = xlate_scatter;
	t.mmio.AccessInfo.AccessType = WHvMemoryAccessWrite;
	t.mmio.Gpa = 0x1FFC;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	cr_expect_eq(t.vp.calls[FAKE_CB_MEM], 2);
	cr_expect_eq(*(uint32_t *)(void *)(ram + 0x1FFC), 0x44332211u);
	cr_expect_eq(*(uint32_t *)(void *)(ram + 0x9000), 0x88776655u);
	ut_done(&t);
}

Test(emulator_memory, read_data_above_the_access_size_is_ignored)
{
	struct ut t;

	ut_setup(&t, FAKE_LONG64, INSN(u64_mov_load));
	ram[DATA_GPA] = 0x11;
	ram[DATA_GPA + 1] = 0x22;
	ram[DATA_GPA + 2] = 0x33;
	ram[DATA_GPA + 3] = 0x44;
	/* the fake fills Data[] with 0xEE beyond AccessSize */
	cr_expect_eq(ut_mmio(&t), S_OK);
	cr_expect_eq(t.vp.gpr[1], 0x44332211ull);
	ut_done(&t);
}

Test(emulator_memory, translate_when_the_exit_has_no_gpa)
{
	struct ut t;

	ut_setup(&t, FAKE_PROT32, INSN(u32_mov_load));
	t.mmio.AccessInfo.AccessType = WHvMemoryAccessExecute;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	cr_expect_eq(t.vp.calls[FAKE_CB_XLATE], 1);
	ut_done(&t);

	/* real mode: linear is physical, nothing to translate */
	ut_setup(&t, FAKE_REAL, INSN(u16_mov_load));
	t.mmio.AccessInfo.AccessType = WHvMemoryAccessExecute;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	cr_expect_eq(t.vp.calls[FAKE_CB_XLATE], 0);
	ut_done(&t);
}

Test(emulator_memory, rep_is_bounded_per_call)
{
	struct ut t;

	ut_setup(&t, FAKE_LONG64, INSN(u64_rep_stosb));
	t.vp.gpr[7] = 0x10000; /* rdi */
	t.vp.gpr[1] = 10000;   /* rcx */
	t.vp.gpr[0] = 0x77;
	t.mmio.AccessInfo.AccessType = WHvMemoryAccessWrite;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	cr_expect_eq(t.vp.rip, CODE_GPA, "elements left: RIP stays at the REP");
	cr_expect_eq(t.vp.gpr[1], 10000 - 4096);
	cr_expect_eq(t.vp.gpr[7], 0x10000 + 4096);
	cr_expect_eq(ut_mmio(&t), S_OK);
	cr_expect_eq(ut_mmio(&t), S_OK);
	cr_expect_eq(t.vp.gpr[1], 0);
	cr_expect_eq(t.vp.rip, CODE_GPA + (unsigned int)(u64_rep_stosb_end - u64_rep_stosb));
	for (int i = 0; i < 10000; i++)
		cr_assert_eq(ram[0x10000 + i], 0x77);
	cr_expect_eq(ram[0x10000 + 10000], 0x5A);
	ut_done(&t);
}

Test(emulator_memory, rf_is_cleared)
{
	struct ut t;

	ut_setup(&t, FAKE_LONG64, INSN(u64_mov_load));
	t.vp.rflags = 0x10002 | 0x400;
	cr_expect_eq(ut_mmio(&t), S_OK);
	cr_expect_eq(t.vp.rflags, 0x402ull);
	ut_done(&t);
}

/* ---- segments, alignment ---- */

Test(emulator_segments, limit_and_type_checks)
{
	struct ut t;

	/* DS limit 0xFFF: a dword at 0xFFE runs over it */
	ut_setup(&t, FAKE_PROT32, INSN(u32_mov_load));
	t.vp.seg[3].Limit = 0xFFF;
	t.vp.gpr[3] = 0xFFE;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_INTERNAL);
	cr_expect_eq(t.vp.calls[FAKE_CB_MEM], 0);
	ut_done(&t);

	/* expand-down, limit 0x7FFF: offsets 0x8000.. are valid, 0x7FFC is not */
	ut_setup(&t, FAKE_PROT32, INSN(u32_mov_load));
	t.vp.seg[3].SegmentType = 0x7; /* data, expand-down, read/write, accessed */
	t.vp.seg[3].Limit = 0x7FFF;
	t.vp.gpr[3] = 0x7FFC;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_INTERNAL);
	ut_done(&t);
	ut_setup(&t, FAKE_PROT32, INSN(u32_mov_load));
	t.vp.seg[3].SegmentType = 0x7;
	t.vp.seg[3].Limit = 0x7FFF;
	t.vp.gpr[3] = DATA_GPA;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	ut_done(&t);

	/* not present */
	ut_setup(&t, FAKE_PROT32, INSN(u32_mov_load));
	t.vp.seg[3].Present = 0;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_INTERNAL);
	ut_done(&t);

	/* a store through a read-only data segment */
	ut_setup(&t, FAKE_PROT32, INSN(u32_mov_es_store));
	t.vp.seg[0].SegmentType = 0x1;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_INTERNAL);
	ut_done(&t);

	/* reading through CS: fine when readable, refused when execute-only */
	ut_setup(&t, FAKE_PROT32, INSN(u32_mov_cs_load));
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	ut_done(&t);
	ut_setup(&t, FAKE_PROT32, INSN(u32_mov_cs_load));
	t.vp.seg[1].SegmentType = 0x9;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_INTERNAL);
	ut_done(&t);
}

Test(emulator_segments, real_mode_addresses)
{
	struct ut t;

	/* mov 2(%bp,%si),%ax: SS:(BP+SI+2), 16-bit wrap of the offset */
	ut_setup(&t, FAKE_REAL, INSN(u16_mov_bp));
	t.vp.seg[2].Base = 0x20000;
	t.vp.gpr[5] = 0xFFFF; /* bp */
	t.vp.gpr[6] = 0x0001; /* si: 0xFFFF + 1 + 2 wraps to 2 */
	ram[0x20002] = 0xBE;
	ram[0x20003] = 0xBA;
	t.mmio.AccessInfo.AccessType = WHvMemoryAccessExecute;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	cr_expect_eq(t.vp.gpr[0] & 0xFFFF, 0xBABE);
	cr_expect_eq(t.vp.gpr[0] >> 16, (uint64_t)DATA_GPA >> 16, "AX merges");
	ut_done(&t);

	/* IP wraps at 64 KiB in 16-bit code */
	ut_setup(&t, FAKE_REAL, INSN(u16_mov_load));
	t.vp.rip = 0xFFFE;
	memcpy(ram + 0xFFFE, u16_mov_load, 2);
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	cr_expect_eq(t.vp.rip, 0);
	ut_done(&t);
}

Test(emulator_segments, fs_base_in_long_mode)
{
	struct ut t;

	ut_setup(&t, FAKE_LONG64, INSN(u64_mov_fs));
	t.vp.seg[4].Base = 0x30000;
	t.vp.gpr[3] = 0x10;
	*(uint32_t *)(void *)(ram + 0x30010) = 0x12345678;
	t.mmio.AccessInfo.AccessType = WHvMemoryAccessExecute;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	cr_expect_eq(t.vp.gpr[0], 0x12345678ull);
	ut_done(&t);
}

Test(emulator_alignment, movaps_and_ac)
{
	struct ut t;

	ut_setup(&t, FAKE_LONG64, INSN(u64_movaps_load));
	t.vp.gpr[3] = DATA_GPA + 8;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_INTERNAL);
	cr_expect_eq(t.vp.calls[FAKE_CB_MEM], 0);
	ut_done(&t);

	/* #AC: CPL 3, CR0.AM, RFLAGS.AC and a misaligned dword */
	ut_setup(&t, FAKE_LONG64, INSN(u64_mov_load));
	t.vp.gpr[0] = DATA_GPA + 1;
	t.vp.rflags = 0x40002;
	t.ctx.ExecutionState.Cr0Am = 1;
	t.ctx.ExecutionState.Cpl = 3;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_INTERNAL);
	ut_done(&t);
	/* the same at CPL 0 is fine */
	ut_setup(&t, FAKE_LONG64, INSN(u64_mov_load));
	t.vp.gpr[0] = DATA_GPA + 1;
	t.vp.rflags = 0x40002;
	t.ctx.ExecutionState.Cr0Am = 1;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	ut_done(&t);
}

/* ---- SSE and the rest ---- */

Test(emulator_sse, loads_and_stores)
{
	struct ut t;

	ut_setup(&t, FAKE_LONG64, INSN(u64_movd_load));
	t.vp.xmm[2].Low64 = t.vp.xmm[2].High64 = ~0ull;
	*(uint32_t *)(void *)(ram + DATA_GPA) = 0xDEADBEEF;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	cr_expect_eq(t.vp.xmm[2].Low64, 0xDEADBEEFull, "MOVD zero-extends into the register");
	cr_expect_eq(t.vp.xmm[2].High64, 0);
	ut_done(&t);

	ut_setup(&t, FAKE_LONG64, INSN(u64_movdqu_store));
	t.vp.gpr[3] = DATA_GPA + 3;
	t.vp.xmm[5].Low64 = 0x0706050403020100ull;
	t.vp.xmm[5].High64 = 0x0F0E0D0C0B0A0908ull;
	t.mmio.Gpa = DATA_GPA + 3;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	for (int i = 0; i < 16; i++)
		cr_expect_eq(ram[DATA_GPA + 3 + i], i);
	cr_expect_eq(t.vp.calls[FAKE_CB_MEM], 2, "16 bytes = two 8-byte callbacks");
	ut_done(&t);
}

Test(emulator_misc, cmpxchg_and_negative_bit_offsets)
{
	struct ut t;

	ut_setup(&t, FAKE_LONG64, INSN(u64_cmpxchg));
	t.vp.gpr[0] = 0xFFFFFFFF00000005ull;
	t.vp.gpr[1] = 7;
	*(uint32_t *)(void *)(ram + DATA_GPA) = 5;
	cr_expect_eq(ut_mmio(&t), S_OK);
	cr_expect_eq(*(uint32_t *)(void *)(ram + DATA_GPA), 7u);
	cr_expect_eq(t.vp.gpr[0], 0xFFFFFFFF00000005ull, "equal: RAX not written");
	cr_expect(t.vp.rflags & 0x40, "ZF");
	ut_done(&t);

	/* btl %ecx,(%rbx) with ECX = -1: bit 31 of the dword below */
	ut_setup(&t, FAKE_LONG64, INSN(u64_bt_neg));
	t.vp.gpr[1] = 0xFFFFFFFFull;
	ram[DATA_GPA - 1] = 0x80;
	t.mmio.Gpa = DATA_GPA - 4;
	cr_expect_eq(ut_mmio(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	cr_expect(t.vp.rflags & 1, "CF = bit 31 of the dword at -4");
	ut_done(&t);
}

Test(emulator_io, in_out_and_strings)
{
	struct ut t;

	/* in (%dx),%eax in 64-bit mode: zero-extends RAX; the port is DX */
	ut_setup(&t, FAKE_LONG64, INSN(u64_in_dx_eax));
	t.vp.gpr[2] = 0xABCD0CFC;
	cr_expect_eq(ut_io(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	cr_expect_eq(t.vp.io_count, 1);
	cr_expect_eq(t.vp.io_log[0].port, 0x0CFC);
	cr_expect_eq(t.vp.io_log[0].size, 4);
	cr_expect_eq(t.vp.gpr[0], (uint64_t)fake_in_value(0, 0x0CFC, 0));
	ut_done(&t);

	/* in $0x71,%al merges AL */
	ut_setup(&t, FAKE_LONG64, INSN(u64_in_imm_al));
	cr_expect_eq(ut_io(&t), S_OK);
	cr_expect_eq(t.vp.gpr[0], (DATA_GPA & ~0xFFull) | (fake_in_value(0, 0x71, 0) & 0xFF));
	ut_done(&t);

	/* out %ax,$0x80 */
	ut_setup(&t, FAKE_LONG64, INSN(u64_out_imm_ax));
	t.vp.gpr[0] = 0x123456789ABCull;
	cr_expect_eq(ut_io(&t), S_OK);
	cr_expect(t.vp.io_log[0].write && t.vp.io_log[0].port == 0x80 && t.vp.io_log[0].size == 2 &&
		  t.vp.io_log[0].data == 0x9ABC);
	cr_expect_eq(t.vp.rip, CODE_GPA + (unsigned int)(u64_out_imm_ax_end - u64_out_imm_ax));
	ut_done(&t);

	/* rep outsw %gs:(%rsi),(%dx) with DF=1: three words from GS:RSI downwards */
	ut_setup(&t, FAKE_LONG64, INSN(u64_rep_outsw_gs));
	t.vp.seg[5].Base = 0x20000;
	t.vp.gpr[6] = 0x104;
	t.vp.gpr[1] = 3;
	t.vp.gpr[2] = 0x3F8;
	t.vp.rflags = 0x402;
	for (int i = 0; i < 8; i++)
		ram[0x20100 + i] = (uint8_t)(0x10 + i);
	cr_expect_eq(ut_io(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	cr_expect_eq(t.vp.io_count, 3);
	cr_expect_eq(t.vp.io_log[0].data, 0x1514);
	cr_expect_eq(t.vp.io_log[1].data, 0x1312);
	cr_expect_eq(t.vp.io_log[2].data, 0x1110);
	cr_expect_eq(t.vp.gpr[6], 0xFE);
	cr_expect_eq(t.vp.gpr[1], 0);
	ut_done(&t);

	/* rep insw in real mode: ES:DI, 16-bit CX and DI */
	ut_setup(&t, FAKE_REAL, INSN(u16_rep_insw));
	t.vp.seg[0].Base = 0x30000;
	t.vp.gpr[7] = 0xABCD0010;
	t.vp.gpr[1] = 0x55550002;
	t.vp.gpr[2] = 0x1F0;
	cr_expect_eq(ut_io(&t), S_OK);
	EXPECT_STATUS(&t, ST_OK);
	cr_expect_eq(t.vp.gpr[7], 0xABCD0014ull, "DI steps, the rest of EDI is kept");
	cr_expect_eq(t.vp.gpr[1], 0x55550000ull);
	cr_expect_eq(*(uint16_t *)(void *)(ram + 0x30010), (uint16_t)fake_in_value(0, 0x1F0, 0));
	ut_done(&t);

	/*
	 * INS into memory the memory callback refuses: the port has been read
	 * (the destination cannot be probed without a write), nothing else is.
	 */
	ut_setup(&t, FAKE_LONG64, INSN(u64_insb));
	t.vp.gpr[7] = RAM_SIZE + 0x1000; /* nothing there */
	cr_expect_eq(ut_io(&t), S_OK);
	EXPECT_STATUS(&t, ST_MEMORY);
	cr_expect_eq(t.vp.io_count, 1);
	cr_expect_eq(t.vp.set_calls, 0);
	ut_done(&t);
}
