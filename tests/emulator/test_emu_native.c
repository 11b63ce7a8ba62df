/* test_emu_native.c: differential test of the MMIO emulator against this CPU (user space). */
#include <WinHvEmulation.h>

#include <criterion/criterion.h>

#include <asm/prctl.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "emu_test_util.h"
#include "fake_vp.h"

/*
 * Every case of native_cases.S (64-bit code) runs on the host CPU against a
 * window of ordinary memory at NATIVE_BASE, and through
 * WHvEmulatorTryMmioEmulation with fake callbacks that serve a copy of that
 * window; registers, flags (but those the SDM leaves undefined), XMM
 * registers and memory must be identical. Operands are random; the
 * registers an address is made of are chosen so that the access lands in
 * the window (sometimes across a page boundary). No KVM needed.
 */

#define NATIVE_BASE    0x40000000ull
#define NATIVE_SIZE    0x3000ull
#define NATIVE_P0      (NATIVE_BASE + 0x1000) /* the "device" page */
#define NATIVE_SCRATCH NATIVE_BASE	      /* the other side of string moves */
#define NATIVE_GS_BASE NATIVE_P0
#define ITERATIONS     48

struct native_state {
	uint64_t gpr[16];
	uint64_t rflags;
	uint64_t pad;
	uint8_t xmm[16][16];
};
_Static_assert(offsetof(struct native_state, rflags) == 128, "native_cases.S ST_RFLAGS");
_Static_assert(offsetof(struct native_state, xmm) == 144, "native_cases.S ST_XMM");

extern void emu_native_run(struct native_state *st, const void *code);
extern const uint64_t native_case_table[];
extern const uint64_t native_case_table_end[];
extern uint8_t native_ripdata[64];

static uint8_t *window;		    /* NATIVE_BASE, what the CPU runs against */
static uint8_t shadow[NATIVE_SIZE]; /* what the emulator runs against */
static uint8_t rip_shadow[64];
static uint64_t rng;

struct ncase {
	const uint8_t *code;
	unsigned int len;
	ZydisDecodedInstruction in;
	ZydisDecodedOperand op[ZYDIS_MAX_OPERAND_COUNT];
	char text[128];
};

static void setup_window(void)
{
	void *p = mmap((void *)NATIVE_BASE, NATIVE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	cr_assert(p == (void *)NATIVE_BASE, "cannot map the test window at 0x%llx: %s", NATIVE_BASE,
		  strerror(errno));
	window = p;
	cr_assert(syscall(SYS_arch_prctl, ARCH_SET_GS, NATIVE_GS_BASE) == 0,
		  "arch_prctl(ARCH_SET_GS): %s", strerror(errno));
}

static void set_reg(struct native_state *st, int n, unsigned int aw, uint64_t v)
{
	/* Above the address size the CPU ignores the register: fill it with noise. */
	if (aw == 4)
		v = (etu_rand(&rng) << 32) | (v & 0xFFFFFFFFull);
	st->gpr[n] = v;
}

static uint64_t seg_base(ZydisRegister seg)
{
	return seg == ZYDIS_REGISTER_GS ? NATIVE_GS_BASE : 0;
}

/*
 * Make memory operand (op) address (target): pick an index, derive the base.
 * Forms without base and index (absolute, moffs) and RIP-relative ones have
 * a fixed address; returns it.
 */
static uint64_t solve(const struct ncase *c, const ZydisDecodedOperand *op, struct native_state *st,
		      uint64_t target)
{
	unsigned int aw = c->in.address_width / 8, size;
	uint64_t mask = aw == 8 ? ~0ull : 0xFFFFFFFFull, ea, idx = 0;
	int b, x, h;

	if (op->mem.base == ZYDIS_REGISTER_RIP)
		return (uint64_t)(uintptr_t)c->code + c->len + (uint64_t)op->mem.disp.value;
	b = etu_gpr(op->mem.base, &size, &h);
	x = etu_gpr(op->mem.index, &size, &h);
	if (b < 0 && x < 0)
		return ((uint64_t)op->mem.disp.value & mask) + seg_base(op->mem.segment);
	ea = target - seg_base(op->mem.segment);
	if (b < 0) {
		/* index only: move the target so that (ea - disp) divides by the scale */
		uint64_t rel = ea - (uint64_t)op->mem.disp.value;

		rel -= rel % op->mem.scale;
		set_reg(st, x, aw, (rel / op->mem.scale) & mask);
		return rel + (uint64_t)op->mem.disp.value + seg_base(op->mem.segment);
	}
	if (x >= 0) {
		idx = etu_below(&rng, 32);
		set_reg(st, x, aw, idx);
	}
	if (b >= 0)
		set_reg(st, b, aw,
			(ea - idx * op->mem.scale - (uint64_t)op->mem.disp.value) & mask);
	return target;
}

/* A random offset for (size) bytes in a page, now and then across its end. */
static uint64_t pick_offset(unsigned int size, unsigned int align)
{
	if (align > 1)
		return etu_below(&rng, 4096 / align) * align;
	if (size > 1 && etu_below(&rng, 8) == 0)
		return 4096 - 1 - etu_below(&rng, size - 1);
	return etu_below(&rng, 4096 - size + 1);
}

static const ZydisDecodedOperand *mem_operand(const struct ncase *c, int base_gpr)
{
	for (unsigned int i = 0; i < c->in.operand_count; i++) {
		const ZydisDecodedOperand *op = &c->op[i];
		unsigned int size;
		int h;

		if (op->type != ZYDIS_OPERAND_TYPE_MEMORY || op->mem.type != ZYDIS_MEMOP_TYPE_MEM)
			continue;
		if (base_gpr < 0 || etu_gpr(op->mem.base, &size, &h) == base_gpr)
			return op;
	}
	return NULL;
}

/* Random registers, flags and XMM; then the addresses. Returns the exit's GPA. */
static uint64_t prepare(const struct ncase *c, struct native_state *st)
{
	const ZydisDecodedOperand *m;
	ZydisMnemonic mn = c->in.mnemonic;
	uint64_t target = 0;
	unsigned int size;

	for (int i = 0; i < 16; i++)
		st->gpr[i] = etu_rand(&rng);
	st->rflags = 2 | (etu_rand(&rng) & (ETU_ARITH | ETU_DF));
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 16; j++)
			st->xmm[i][j] = (uint8_t)etu_rand(&rng);

	if (etu_is_string(&c->in)) {
		const ZydisDecodedOperand *src = mem_operand(c, 6), *dst = mem_operand(c, 7);
		unsigned int elem = (c->in.opcode & 1) ? c->in.operand_width / 8 : 1;
		unsigned int aw = c->in.address_width / 8;
		bool rep = (c->in.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPNE)) !=
			   0;
		uint64_t count = rep ? etu_below(&rng, 9) : 1, span = count * elem;
		bool down = (st->rflags & ETU_DF) != 0;
		int which = (int)etu_below(&rng, 3);
		uint64_t off_dev = 256 + etu_below(&rng, 1024),
			 off_scr = 256 + etu_below(&rng, 1024);

		if (etu_below(&rng, 6) == 0) /* run across the device page's edge */
			/* the first element still touches the device page */
			off_dev = down ? etu_below(&rng, span + 1)
				       : 4095 - etu_below(&rng, span ? span : 1);
		if (rep)
			set_reg(st, 1, aw, count);
		/* 0: device -> scratch, 1: scratch -> device, 2: device -> device (no overlap) */
		if (src) {
			uint64_t t = which == 0 || !dst ? NATIVE_P0 + off_dev
				     : which == 1	? NATIVE_SCRATCH + off_scr
							: NATIVE_P0 + 2048 + (off_dev & 1023);

			set_reg(st, 6, aw, t - seg_base(src->mem.segment));
			target = t;
		}
		if (dst) {
			uint64_t t = which == 0 && src ? NATIVE_SCRATCH + off_scr
						       : NATIVE_P0 + off_dev;

			set_reg(st, 7, aw, t);
			if (!src || which != 0)
				target = t;
		}
		return target;
	}
	m = mem_operand(c, -1);
	if (!m)
		return 0;
	size = m->size / 8;
	if (mn == ZYDIS_MNEMONIC_BT || mn == ZYDIS_MNEMONIC_BTS || mn == ZYDIS_MNEMONIC_BTR ||
	    mn == ZYDIS_MNEMONIC_BTC) {
		const ZydisDecodedOperand *o = &c->op[1];
		int64_t adjust = 0;

		target = NATIVE_P0 + 512 + etu_below(&rng, 3000);
		if (o->type == ZYDIS_OPERAND_TYPE_REGISTER) {
			unsigned int bits = size * 8, rs = 8;
			int h, r = etu_gpr(o->reg.value, &rs, &h);
			int64_t bit = (int64_t)etu_below(&rng, 2048) - 1024;
			uint64_t rmask = rs >= 8 ? ~0ull : (1ull << (rs * 8)) - 1;

			/* the register holds a signed bit offset; noise above its size */
			st->gpr[r] = (etu_rand(&rng) & ~rmask) | ((uint64_t)bit & rmask);
			/* floor(bit / bits) units of the operand size */
			adjust = (bit >= 0 ? bit / (int64_t)bits
					   : -((-bit + (int64_t)bits - 1) / (int64_t)bits)) *
				 (int64_t)size;
		}
		solve(c, m, st, target - (uint64_t)adjust);
		return target;
	}
	{
		unsigned int align = (mn == ZYDIS_MNEMONIC_MOVAPS || mn == ZYDIS_MNEMONIC_MOVAPD ||
				      mn == ZYDIS_MNEMONIC_MOVDQA)
					     ? 16
					     : 1;

		target = solve(c, m, st, NATIVE_P0 + pick_offset(size, align));
	}
	if (mn == ZYDIS_MNEMONIC_CMPXCHG && etu_below(&rng, 2) == 0 && target >= NATIVE_BASE &&
	    target + size <= NATIVE_BASE + NATIVE_SIZE) {
		/* make the compare succeed half of the time */
		memcpy(window + (target - NATIVE_BASE), &st->gpr[0], size);
	}
	return target;
}

static const char *reg_names[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};

/* One case, one random state: CPU and emulator, then compare. Returns mismatches. */
static int run_one(const struct ncase *c, unsigned int iter)
{
	struct native_state st, cpu;
	WHV_EMULATOR_CALLBACKS cb = fake_callbacks();
	WHV_EMULATOR_HANDLE emu;
	WHV_VP_EXIT_CONTEXT vpc;
	WHV_MEMORY_ACCESS_CONTEXT mmio;
	WHV_EMULATOR_STATUS status;
	struct fake_vp vp;
	uint64_t undef = etu_undefined_flags(c->in.mnemonic), gpa;
	uint8_t code_copy[32];
	int bad = 0;
	HRESULT hr;

	for (uint64_t i = 0; i < NATIVE_SIZE; i++)
		window[i] = (uint8_t)etu_rand(&rng);
	for (int i = 0; i < 64; i++)
		native_ripdata[i] = (uint8_t)etu_rand(&rng);
	gpa = prepare(c, &st);
	memcpy(shadow, window, NATIVE_SIZE);
	memcpy(rip_shadow, native_ripdata, 64);

	cpu = st;
	if (getenv("EMU_TEST_TRACE"))
		fprintf(stderr,
			"  %s [%u]: rsi 0x%" PRIx64 " rdi 0x%" PRIx64 " rcx 0x%" PRIx64
			" rbx 0x%" PRIx64 " rflags 0x%" PRIx64 "\n",
			c->text, iter, st.gpr[6], st.gpr[7], st.gpr[1], st.gpr[3], st.rflags);
	emu_native_run(&cpu, c->code);

	fake_vp_init(&vp);
	memcpy(vp.gpr, st.gpr, sizeof(vp.gpr));
	vp.rflags = st.rflags;
	memcpy(vp.xmm, st.xmm, sizeof(vp.xmm));
	vp.rip = (uint64_t)(uintptr_t)c->code;
	fake_vp_mode(&vp, &vpc, FAKE_LONG64);
	vp.seg[5].Base = NATIVE_GS_BASE;
	fake_add_region(&vp, NATIVE_BASE, shadow, NATIVE_SIZE);
	fake_add_region(&vp, (uint64_t)(uintptr_t)native_ripdata, rip_shadow, 64);
	memcpy(code_copy, c->code, sizeof(code_copy));
	fake_add_region(&vp, (uint64_t)(uintptr_t)c->code, code_copy, sizeof(code_copy));
	vp.region[2].no_write = true;

	memset(&mmio, 0, sizeof(mmio));
	/* Mostly all 16 bytes, sometimes fewer (or none): the rest is fetched. */
	mmio.InstructionByteCount = (UINT8)(etu_below(&rng, 4) ? 16 : etu_below(&rng, 16));
	memcpy(mmio.InstructionBytes, c->code, 16);
	mmio.AccessInfo.AccessType = etu_below(&rng, 4)
					     ? WHvMemoryAccessRead
					     : WHvMemoryAccessExecute; /* Execute: no GPA hint */
	mmio.AccessInfo.GpaUnmapped = 1;
	mmio.Gpa = gpa;

	cr_assert_eq(WHvEmulatorCreateEmulator(&cb, &emu), S_OK);
	hr = WHvEmulatorTryMmioEmulation(emu, &vp, &vpc, &mmio, &status);
	WHvEmulatorDestroyEmulator(emu);

	if (hr != S_OK || !status.EmulationSuccessful || vp.violation[0]) {
		cr_log_error("%s [iteration %u]: HRESULT 0x%x status 0x%x %s", c->text, iter,
			     (unsigned int)hr, status.AsUINT32, vp.violation);
		return 1;
	}
	for (int i = 0; i < 16; i++) {
		if (i == 4 || vp.gpr[i] == cpu.gpr[i])
			continue;
		cr_log_error("%s [iteration %u]: %s = 0x%" PRIx64 ", CPU 0x%" PRIx64
			     " (before 0x%" PRIx64 ")",
			     c->text, iter, reg_names[i], vp.gpr[i], cpu.gpr[i], st.gpr[i]);
		bad++;
	}
	{
		uint64_t mask = (ETU_ARITH | ETU_DF) & ~undef;

		if ((vp.rflags & mask) != (cpu.rflags & mask)) {
			cr_log_error("%s [iteration %u]: RFLAGS 0x%" PRIx64 ", CPU 0x%" PRIx64
				     " (before 0x%" PRIx64 ", compared 0x%" PRIx64 ")",
				     c->text, iter, vp.rflags, cpu.rflags, st.rflags, mask);
			bad++;
		}
	}
	if (memcmp(vp.xmm, cpu.xmm, sizeof(cpu.xmm))) {
		cr_log_error("%s [iteration %u]: XMM registers differ", c->text, iter);
		bad++;
	}
	if (vp.rip != (uint64_t)(uintptr_t)c->code + c->len) {
		cr_log_error("%s [iteration %u]: RIP +%" PRId64 ", expected +%u", c->text, iter,
			     (int64_t)(vp.rip - (uint64_t)(uintptr_t)c->code), c->len);
		bad++;
	}
	for (uint64_t i = 0; i < NATIVE_SIZE; i++) {
		if (shadow[i] != window[i]) {
			cr_log_error("%s [iteration %u]: memory at 0x%" PRIx64
				     " = 0x%02x, CPU 0x%02x",
				     c->text, iter, (uint64_t)(NATIVE_BASE + i), shadow[i],
				     window[i]);
			bad++;
			break;
		}
	}
	if (memcmp(rip_shadow, native_ripdata, 64)) {
		cr_log_error("%s [iteration %u]: RIP-relative data differs", c->text, iter);
		bad++;
	}
	return bad;
}

Test(emulator_native, every_case_against_the_cpu, .timeout = 120)
{
	unsigned int ncases = (unsigned int)((native_case_table_end - native_case_table) / 2);
	unsigned int failed_cases = 0;

	rng = etu_seed("emulator_native");
	setup_window();
	cr_assert(ncases > 100, "only %u native cases", ncases);
	for (unsigned int k = 0; k < ncases; k++) {
		struct ncase c;
		int bad = 0;

		memset(&c, 0, sizeof(c));
		c.code = (const uint8_t *)(uintptr_t)native_case_table[2 * k];
		c.len = (unsigned int)native_case_table[2 * k + 1];
		cr_assert(etu_decode(c.code, c.len, 64, &c.in, c.op) == 0 && c.in.length == c.len,
			  "case %u does not decode to one instruction", k);
		etu_format(&c.in, c.op, (uint64_t)(uintptr_t)c.code, c.text, sizeof(c.text));
		for (unsigned int it = 0; it < ITERATIONS && bad < 4; it++)
			bad += run_one(&c, it);
		if (bad)
			failed_cases++;
	}
	cr_assert(failed_cases == 0, "%u of %u instructions differ from the CPU (see log)",
		  failed_cases, ncases);
}
