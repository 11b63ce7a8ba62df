/* fuzz_emulator.c: libFuzzer entry point: arbitrary instructions and VP state, emulated. */
#include <WinHvEmulation.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_vp.h"
#include "fuzz_emulator.h"

/*
 * One input is one emulation call against a fake VP (tests/emulator/
 * fake_vp.h). Layout, every field little-endian, missing bytes read as 0:
 *
 *   0      control: bits 0-1 mode (0 real, 1 protected 32, 2/3 long 64),
 *          bit 2 I/O exit (else MMIO), bits 3-4 AccessType, bit 5
 *          InterruptionPending, bit 6 CPL 3 with CR0.AM, bit 7 virtual-8086
 *   1      InstructionByteCount, passed unclamped (the field is a UINT8)
 *   2-17   InstructionBytes
 *   18     failing callback (0-4 = enum fake_cb, else none); 19 its call number
 *   20     translation: 0 identity into the fake RAM, 1 page not present,
 *          2 GPA off the page, 3 scattered pages, 4 GPA unmapped result
 *   21-28  exit GPA
 *   29..   16 GPRs, RIP, RFLAGS (8 bytes each), 6 segments (base 8, limit 4,
 *          attributes 2, selector 2), 16 XMM registers (16 bytes each)
 *
 * Guest memory is 64 KiB of RAM at GPA 0 filled from the input's hash; the
 * translate callback folds every page into it, so most addresses resolve.
 * The checks: no crash or out-of-bounds access (sanitizers), every
 * callback used within its contract (fake_vp.h), a well-formed status for
 * every call, and bounded work per call. A failed check aborts.
 */

#define FUZZ_RAM 0x10000

static uint8_t fuzz_ram[FUZZ_RAM];

struct cursor {
	const uint8_t *p;
	size_t n, at;
};

static uint64_t take(struct cursor *c, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++, c->at++)
		if (c->at < c->n)
			v |= (uint64_t)c->p[c->at] << (8 * i);
	return v;
}

static int xlate_kind;

static WHV_TRANSLATE_GVA_RESULT_CODE fuzz_xlate(struct fake_vp *vp, uint64_t gva, uint64_t *gpa)
{
	(void)vp;
	switch (xlate_kind) {
	case 1: *gpa = 0; return WHvTranslateGvaResultPageNotPresent;
	case 3:
		*gpa = ((gva >> 12) * 0x7000) & (FUZZ_RAM - 1) & ~0xFFFull;
		return WHvTranslateGvaResultSuccess;
	case 4: *gpa = gva & (FUZZ_RAM - 1) & ~0xFFFull; return WHvTranslateGvaResultGpaUnmapped;
	default: *gpa = gva & (FUZZ_RAM - 1) & ~0xFFFull; return WHvTranslateGvaResultSuccess;
	}
}

static void check(int ok, const char *what, const uint8_t *data, size_t size)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_emulator: %s (input of %zu bytes)\n", what, size);
	(void)data;
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static WHV_EMULATOR_HANDLE emu;
	struct cursor c = { data, size, 0 };
	WHV_VP_EXIT_CONTEXT ctx;
	WHV_MEMORY_ACCESS_CONTEXT mmio;
	WHV_X64_IO_PORT_ACCESS_CONTEXT io;
	WHV_EMULATOR_STATUS st;
	struct fake_vp vp;
	uint8_t ctl, count, bytes[16];
	uint64_t h = 1469598103934665603ull, gpa;
	unsigned int fail_cb, fail_at, total;
	uint32_t known;
	HRESULT hr;

	if (!emu) {
		WHV_EMULATOR_CALLBACKS cb = fake_callbacks();

		check(WHvEmulatorCreateEmulator(&cb, &emu) == S_OK, "create", data, size);
	}
	ctl = (uint8_t)take(&c, 1);
	count = (uint8_t)take(&c, 1);
	for (int i = 0; i < 16; i++)
		bytes[i] = (uint8_t)take(&c, 1);
	fail_cb = (unsigned int)take(&c, 1);
	fail_at = (unsigned int)take(&c, 1);
	xlate_kind = (int)(take(&c, 1) % 5);
	gpa = take(&c, 8);

	fake_vp_init(&vp);
	for (int i = 0; i < 16; i++)
		vp.gpr[i] = take(&c, 8);
	vp.rip = take(&c, 8);
	vp.rflags = take(&c, 8);
	for (int i = 0; i < 6; i++) {
		vp.seg[i].Base = take(&c, 8);
		vp.seg[i].Limit = (UINT32)take(&c, 4);
		vp.seg[i].Attributes = (UINT16)take(&c, 2);
		vp.seg[i].Selector = (UINT16)take(&c, 2);
	}
	for (int i = 0; i < 16; i++) {
		vp.xmm[i].Low64 = take(&c, 8);
		vp.xmm[i].High64 = take(&c, 8);
	}
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211ull;
	for (size_t i = 0; i < FUZZ_RAM; i += 8) {
		h ^= h >> 29;
		h *= 0xBF58476D1CE4E5B9ull;
		memcpy(fuzz_ram + i, &h, 8);
	}
	/* the instruction is in memory too, for fetches past the given bytes */
	memcpy(fuzz_ram + (vp.rip & (FUZZ_RAM - 1) & ~15ull), bytes, 16);
	fake_add_region(&vp, 0, fuzz_ram, FUZZ_RAM);
	vp.xlate_fn = fuzz_xlate;
	vp.xlate_misalign = xlate_kind == 2;
	vp.io_seed = (uint32_t)h;
	if (fail_cb < FAKE_CB_COUNT) {
		vp.fail_cb = (int)fail_cb;
		vp.fail_at = fail_at;
	}

	memset(&ctx, 0, sizeof(ctx));
	ctx.ExecutionState.Cr0Pe = (ctl & 3) != 0;
	ctx.ExecutionState.EferLma = (ctl & 2) != 0;
	ctx.ExecutionState.InterruptionPending = (ctl >> 5) & 1;
	ctx.ExecutionState.Cpl = (ctl & 0x40) ? 3 : 0;
	ctx.ExecutionState.Cr0Am = (ctl >> 6) & 1;
	if ((ctl & 3) >= 2)
		vp.seg[1].Long = 1;
	if (ctl & 0x80)
		vp.rflags |= 1ull << 17;
	ctx.Cs = vp.seg[1];
	ctx.Rip = vp.rip;
	ctx.Rflags = vp.rflags;

	st.AsUINT32 = 0xFFFFFFFF;
	if (ctl & 4) {
		memset(&io, 0, sizeof(io));
		io.InstructionByteCount = count;
		memcpy(io.InstructionBytes, bytes, 16);
		io.PortNumber = (UINT16)gpa;
		hr = WHvEmulatorTryIoEmulation(emu, &vp, &ctx, &io, &st);
	} else {
		memset(&mmio, 0, sizeof(mmio));
		mmio.InstructionByteCount = count;
		memcpy(mmio.InstructionBytes, bytes, 16);
		mmio.AccessInfo.AccessType = (ctl >> 3) & 3;
		mmio.Gpa = gpa;
		hr = WHvEmulatorTryMmioEmulation(emu, &vp, &ctx, &mmio, &st);
	}

	check(hr == S_OK, "a valid call did not return S_OK", data, size);
	check(vp.violation[0] == '\0', vp.violation, data, size);
	known = 0x3FFu;
	check((st.AsUINT32 & ~known) == 0, "reserved status bits set", data, size);
	check(st.EmulationSuccessful ? st.AsUINT32 == 1 : st.AsUINT32 != 0,
	      "status neither success nor a reason", data, size);
	if (vp.fail_cb >= 0 && vp.calls[vp.fail_cb] >= vp.fail_at && vp.fail_at > 0) {
		static const uint32_t bit[FAKE_CB_COUNT] = { 1u << 2, 1u << 3, 1u << 4, 1u << 6,
							     1u << 7 };

		check((st.AsUINT32 & bit[vp.fail_cb]) != 0, "a failed callback left no status bit",
		      data, size);
	}
	if (st.EmulationSuccessful)
		check(vp.set_calls == 1 && vp.rip_set, "success without writing RIP", data, size);
	total = 0;
	for (int i = 0; i < FAKE_CB_COUNT; i++)
		total += vp.calls[i];
	check(total <= FUZZ_MAX_CALLBACKS, "unbounded work in one call", data, size);
	return 0;
}
