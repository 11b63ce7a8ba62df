/* test_state.c: XSAVE state, the generic VP state calls and CPUID output, against real guests. */
#include "whp_test.h"

#include <pthread.h>
#include <time.h>

#include "state_ids.h"

WHPT_PAYLOAD(guest_state32);
WHPT_PAYLOAD(guest_state64);

TestSuite(state, .timeout = 60);

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Offsets in an XSAVE area (SDM Vol.1 10.5.1, 13.4). */
#define X_FCW	      0
#define X_MXCSR	      24
#define X_MXCSR_MASK  28
#define X_XMM	      160
#define X_XSTATE_BV   512
#define X_XCOMP_BV    520
#define X_EXT	      576
#define XCOMP_COMPACT (1ull << 63)

/* Run to the HLT recorded as (id); WHP reports a halt with RIP after the HLT. */
static void run_to_halt_at(struct whpt_vm *vm, unsigned int id)
{
	struct whpt_rec r = whpt_rec(vm, id);

	whpt_run_to_halt(vm);
	cr_assert_eq(whpt_exit_at(vm), r.addr + r.len, "halted at 0x%" PRIx64 ", not at record %u",
		     whpt_exit_at(vm), id);
}

static void start(struct whpt_vm *vm, enum whpt_mode mode)
{
	if (mode == WHPT_LONG64)
		whpt_vm_start(vm, guest_state64, guest_state64_size, mode);
	else
		whpt_vm_start(vm, guest_state32, guest_state32_size, mode);
}

static unsigned int xmm_count(enum whpt_mode mode)
{
	return mode == WHPT_LONG64 ? 16 : 8;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void wr64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static WHV_CPUID_OUTPUT cpuid_of(struct whpt_vm *vm, UINT32 leaf, UINT32 sub)
{
	WHV_CPUID_OUTPUT o;

	memset(&o, 0xCC, sizeof(o));
	WHPT_ASSERT_OK(WHvGetVirtualProcessorCpuidOutput(vm->part, vm->vp, leaf, sub, &o));
	return o;
}

/* The user state components the VP's CPUID leaf 0DH lists, with x87 and SSE. */
static uint64_t xsave_components(struct whpt_vm *vm)
{
	WHV_CPUID_OUTPUT d = cpuid_of(vm, 0xD, 0);

	return (d.Eax | ((uint64_t)d.Edx << 32) | 3) & ~XCOMP_COMPACT;
}

/* Compacted offsets from CPUID (SDM Vol.1 13.4.3); returns the area's size. */
static uint32_t compact_layout(struct whpt_vm *vm, uint64_t comps, uint32_t off[64],
			       uint32_t size[64])
{
	uint32_t pos = X_EXT;
	unsigned int i;

	for (i = 2; i < 63; i++) {
		WHV_CPUID_OUTPUT c;

		off[i] = size[i] = 0;
		if (!(comps & (1ull << i)))
			continue;
		c = cpuid_of(vm, 0xD, i);
		if (c.Ecx & 2)
			pos = (pos + 63) & ~63u;
		off[i] = pos;
		size[i] = c.Eax;
		pos += c.Eax;
	}
	return pos;
}

/* The XSAVE state of vm->vp, sized by a first NULL/0 call; free() it. */
static uint8_t *xsave_get(struct whpt_vm *vm, UINT32 *size)
{
	UINT32 need = 0, written = 0;
	uint8_t *buf;

	WHPT_ASSERT_HR(WHvGetVirtualProcessorXsaveState(vm->part, vm->vp, NULL, 0, &need),
		       WHV_E_INSUFFICIENT_BUFFER);
	cr_assert(need >= X_EXT, "XSAVE size %u", need);
	buf = malloc(need);
	cr_assert(buf);
	memset(buf, 0xA5, need);
	WHPT_ASSERT_OK(WHvGetVirtualProcessorXsaveState(vm->part, vm->vp, buf, need, &written));
	cr_assert_eq(written, need);
	*size = need;
	return buf;
}

/* A recognisable 16-byte value for XMM register i. */
static void xmm_pattern(unsigned int i, uint8_t out[16], uint8_t seed)
{
	unsigned int k;

	for (k = 0; k < 16; k++)
		out[k] = (uint8_t)(seed + i * 17 + k * 3 + (k == 15 ? 0x80 : 0));
}

Test(state, xsave_size_follows_the_buffer_rules_and_cpuid)
{
	struct whpt_vm vm;
	uint32_t off[64], size[64];
	UINT32 need = 0, written = 0, want;
	uint8_t *buf;

	start(&vm, WHPT_LONG64);
	want = compact_layout(&vm, xsave_components(&vm), off, size);
	WHPT_ASSERT_HR(WHvGetVirtualProcessorXsaveState(vm.part, 0, NULL, 0, &need),
		       WHV_E_INSUFFICIENT_BUFFER);
	cr_assert_eq(need, want, "size %u, the compacted size of CPUID's components is %u", need,
		     want);
	buf = malloc(need + 512);
	written = 0;
	WHPT_ASSERT_HR(WHvGetVirtualProcessorXsaveState(vm.part, 0, buf, need - 1, &written),
		       WHV_E_INSUFFICIENT_BUFFER);
	cr_assert_eq(written, need);
	written = 0;
	WHPT_ASSERT_OK(WHvGetVirtualProcessorXsaveState(vm.part, 0, buf, need + 512, &written));
	cr_assert_eq(written, need, "a larger buffer still gets the size written");
	WHPT_ASSERT_HR(WHvGetVirtualProcessorXsaveState(vm.part, 0, buf, need, NULL), E_POINTER);
	WHPT_ASSERT_HR(WHvGetVirtualProcessorXsaveState(vm.part, 0, NULL, need, &written),
		       E_POINTER);
	WHPT_ASSERT_HR(WHvGetVirtualProcessorXsaveState(vm.part, 1, buf, need, &written),
		       E_INVALIDARG);
	/* The set side takes what get gave, and a larger buffer too. */
	WHPT_ASSERT_OK(WHvSetVirtualProcessorXsaveState(vm.part, 0, buf, need));
	WHPT_ASSERT_OK(WHvSetVirtualProcessorXsaveState(vm.part, 0, buf, need + 512));
	free(buf);
	whpt_vm_destroy(&vm);
}

Test(state, a_new_vp_has_the_reset_fpu_in_compacted_form)
{
	struct whpt_vm vm;
	UINT32 size;
	uint8_t *x;
	uint16_t fcw;
	uint32_t mxcsr, mask;
	unsigned int i;

	whpt_vm_init(&vm, WHPT_RAM_SIZE);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, 0, 0));
	x = xsave_get(&vm, &size);
	memcpy(&fcw, x + X_FCW, 2);
	memcpy(&mxcsr, x + X_MXCSR, 4);
	memcpy(&mask, x + X_MXCSR_MASK, 4);
	cr_assert_eq(fcw, 0x37F, "FCW 0x%x", fcw);
	cr_assert_eq(mxcsr, 0x1F80, "MXCSR 0x%x", mxcsr);
	cr_assert(mask != 0, "MXCSR_MASK is the host's, never 0");
	WHPT_ASSERT_EQ64(rd64(x + X_XCOMP_BV), XCOMP_COMPACT | xsave_components(&vm), "XCOMP_BV");
	cr_assert_eq(rd64(x + X_XSTATE_BV) & ~xsave_components(&vm), 0);
	for (i = X_XCOMP_BV + 8; i < X_EXT; i++)
		cr_assert_eq(x[i], 0, "reserved header byte %u", i);
	free(x);
	whpt_vm_destroy(&vm);
}

/* XMM values written into the XSAVE state are what the guest stores with MOVDQU. */
static void xmm_set_seen_by_guest(enum whpt_mode mode)
{
	struct whpt_vm vm;
	WHV_REGISTER_VALUE r;
	UINT32 size;
	uint8_t *x, want[16];
	unsigned int i;

	start(&vm, mode);
	x = xsave_get(&vm, &size);
	for (i = 0; i < xmm_count(mode); i++)
		xmm_pattern(i, x + X_XMM + 16 * i, 0x21);
	wr64(x + X_XSTATE_BV, rd64(x + X_XSTATE_BV) | 2); /* SSE state is not initial */
	WHPT_ASSERT_OK(WHvSetVirtualProcessorXsaveState(vm.part, 0, x, size));
	/* The register view agrees before the guest runs. */
	r = whpt_get(&vm, WHvX64RegisterXmm5);
	xmm_pattern(5, want, 0x21);
	cr_assert_eq(memcmp(&r, want, 16), 0, "XMM5 through the register API");
	whpt_goto(&vm, ST_XMM_STORE);
	run_to_halt_at(&vm, ST_XMM_STORE_DONE);
	for (i = 0; i < xmm_count(mode); i++) {
		xmm_pattern(i, want, 0x21);
		cr_assert_eq(memcmp(vm.ram + ST_XMM_OUT + 16 * i, want, 16), 0,
			     "XMM%u as the guest stored it (%s)", i, whpt_mode_name(mode));
	}
	free(x);
	whpt_vm_destroy(&vm);
}

Test(state, xmm_set_through_xsave_is_seen_by_a_64bit_guest)
{
	xmm_set_seen_by_guest(WHPT_LONG64);
}

Test(state, xmm_set_through_xsave_is_seen_by_a_32bit_guest)
{
	xmm_set_seen_by_guest(WHPT_PROT32);
}

/* What the guest loads into XMM registers shows in the XSAVE state. */
static void guest_xmm_seen_in_xsave(enum whpt_mode mode)
{
	struct whpt_vm vm;
	UINT32 size;
	uint8_t *x, want[16];
	unsigned int i;

	start(&vm, mode);
	for (i = 0; i < xmm_count(mode); i++)
		xmm_pattern(i, vm.ram + ST_XMM_IN + 16 * i, 0x5C);
	whpt_goto(&vm, ST_XMM_LOAD);
	run_to_halt_at(&vm, ST_XMM_LOAD_DONE);
	x = xsave_get(&vm, &size);
	cr_assert(rd64(x + X_XSTATE_BV) & 2, "XSTATE_BV 0x%" PRIx64 " lacks SSE",
		  rd64(x + X_XSTATE_BV));
	for (i = 0; i < xmm_count(mode); i++) {
		xmm_pattern(i, want, 0x5C);
		cr_assert_eq(memcmp(x + X_XMM + 16 * i, want, 16), 0, "XMM%u in the XSAVE area", i);
	}
	free(x);
	whpt_vm_destroy(&vm);
}

Test(state, xmm_loaded_by_a_64bit_guest_is_in_xsave)
{
	guest_xmm_seen_in_xsave(WHPT_LONG64);
}

Test(state, xmm_loaded_by_a_32bit_guest_is_in_xsave)
{
	guest_xmm_seen_in_xsave(WHPT_PROT32);
}

Test(state, xsave_round_trips_exactly_with_every_component)
{
	struct whpt_vm vm, copy;
	uint32_t off[64], csize[64];
	uint64_t comps;
	UINT32 size, size2;
	uint8_t *a, *b, want[16];
	unsigned int i, k;

	start(&vm, WHPT_LONG64);
	for (i = 0; i < 16; i++)
		xmm_pattern(i, vm.ram + ST_XMM_IN + 16 * i, 0x33);
	whpt_goto(&vm, ST_XMM_LOAD);
	run_to_halt_at(&vm, ST_XMM_LOAD_DONE);
	a = xsave_get(&vm, &size);
	/* Every extended component the host has, filled with its own pattern. */
	comps = xsave_components(&vm);
	compact_layout(&vm, comps, off, csize);
	for (i = 2; i < 63; i++) {
		if (!(comps & (1ull << i)))
			continue;
		for (k = 0; k < csize[i]; k++)
			a[off[i] + k] = (uint8_t)(i * 29 + k);
	}
	wr64(a + X_XSTATE_BV, comps);
	WHPT_ASSERT_OK(WHvSetVirtualProcessorXsaveState(vm.part, 0, a, size));
	b = xsave_get(&vm, &size2);
	cr_assert_eq(size2, size);
	for (k = 0; k < size; k++)
		cr_assert_eq(a[k], b[k], "byte %u: set 0x%02x, got 0x%02x back", k, a[k], b[k]);
	free(b);

	/* Into a brand-new partition: same bytes, and its guest has the registers. */
	start(&copy, WHPT_LONG64);
	WHPT_ASSERT_OK(WHvSetVirtualProcessorXsaveState(copy.part, 0, a, size));
	b = xsave_get(&copy, &size2);
	cr_assert_eq(memcmp(a, b, size), 0, "XSAVE state restored into a new partition");
	whpt_goto(&copy, ST_XMM_STORE);
	run_to_halt_at(&copy, ST_XMM_STORE_DONE);
	for (i = 0; i < 16; i++) {
		xmm_pattern(i, want, 0x33);
		cr_assert_eq(memcmp(copy.ram + ST_XMM_OUT + 16 * i, want, 16), 0,
			     "XMM%u in the restored guest", i);
	}
	free(a);
	free(b);
	whpt_vm_destroy(&copy);
	whpt_vm_destroy(&vm);
}

Test(state, xsave_set_refuses_malformed_areas_and_changes_nothing)
{
	struct whpt_vm vm;
	uint64_t comps;
	UINT32 size, size2;
	uint8_t *good, *bad, *after;
	uint32_t mxcsr = 0xFFFFFFFF;
	int bit;

	start(&vm, WHPT_LONG64);
	good = xsave_get(&vm, &size);
	comps = xsave_components(&vm);
	bad = malloc(size);
	/* standard form (XCOMP_BV bit 63 clear) */
	memcpy(bad, good, size);
	wr64(bad + X_XCOMP_BV, comps);
	WHPT_ASSERT_HR(WHvSetVirtualProcessorXsaveState(vm.part, 0, bad, size), E_INVALIDARG);
	/* a component the host does not have in XCOMP_BV */
	for (bit = 62; bit > 1 && (comps & (1ull << bit)); bit--)
		;
	memcpy(bad, good, size);
	wr64(bad + X_XCOMP_BV, rd64(good + X_XCOMP_BV) | (1ull << bit));
	WHPT_ASSERT_HR(WHvSetVirtualProcessorXsaveState(vm.part, 0, bad, size), E_INVALIDARG);
	/* XSTATE_BV naming a component XCOMP_BV lacks */
	memcpy(bad, good, size);
	wr64(bad + X_XSTATE_BV, 3 | (1ull << bit));
	WHPT_ASSERT_HR(WHvSetVirtualProcessorXsaveState(vm.part, 0, bad, size), E_INVALIDARG);
	/* reserved header bytes */
	memcpy(bad, good, size);
	bad[X_XCOMP_BV + 20] = 1;
	WHPT_ASSERT_HR(WHvSetVirtualProcessorXsaveState(vm.part, 0, bad, size), E_INVALIDARG);
	/* MXCSR with reserved bits: KVM refuses it, so does the call */
	memcpy(bad, good, size);
	memcpy(bad + X_MXCSR, &mxcsr, 4);
	wr64(bad + X_XSTATE_BV, rd64(bad + X_XSTATE_BV) | 2);
	WHPT_ASSERT_HR(WHvSetVirtualProcessorXsaveState(vm.part, 0, bad, size), E_INVALIDARG);
	/* too short for its XCOMP_BV, NULL */
	WHPT_ASSERT_HR(WHvSetVirtualProcessorXsaveState(vm.part, 0, good, 100), E_INVALIDARG);
	if (size > X_EXT)
		WHPT_ASSERT_HR(WHvSetVirtualProcessorXsaveState(vm.part, 0, good, size - 1),
			       E_INVALIDARG);
	WHPT_ASSERT_HR(WHvSetVirtualProcessorXsaveState(vm.part, 0, NULL, size), E_POINTER);
	after = xsave_get(&vm, &size2);
	cr_assert_eq(memcmp(good, after, size), 0, "a refused set changed the state");
	free(good);
	free(bad);
	free(after);
	whpt_vm_destroy(&vm);
}

Test(state, the_generic_state_calls)
{
	static const WHV_VIRTUAL_PROCESSOR_STATE_TYPE refused[] = {
		WHvVirtualProcessorStateTypeSynicMessagePage,
		WHvVirtualProcessorStateTypeSynicEventFlagPage,
		WHvVirtualProcessorStateTypeSynicTimerState,
		WHvVirtualProcessorStateTypeNestedState,
	};
	struct whpt_vm vm;
	UINT32 size, n1 = 0, n2 = 0;
	uint8_t *x, *g, l1[4096], l2[4096];
	HRESULT h1, h2;
	unsigned int i;

	start(&vm, WHPT_LONG64);
	x = xsave_get(&vm, &size);
	g = malloc(size);
	WHPT_ASSERT_HR(WHvGetVirtualProcessorState(vm.part, 0,
						   WHvVirtualProcessorStateTypeXsaveState, NULL, 0,
						   &n1),
		       WHV_E_INSUFFICIENT_BUFFER);
	cr_assert_eq(n1, size);
	WHPT_ASSERT_OK(WHvGetVirtualProcessorState(vm.part, 0,
						   WHvVirtualProcessorStateTypeXsaveState, g, size,
						   &n1));
	cr_assert_eq(memcmp(x, g, size), 0, "generic and specific XSAVE state differ");
	xmm_pattern(2, g + X_XMM + 32, 0x77);
	wr64(g + X_XSTATE_BV, rd64(g + X_XSTATE_BV) | 2);
	WHPT_ASSERT_OK(WHvSetVirtualProcessorState(vm.part, 0,
						   WHvVirtualProcessorStateTypeXsaveState, g,
						   size));
	free(x);
	x = xsave_get(&vm, &size);
	cr_assert_eq(memcmp(x, g, size), 0, "set through the generic call");
	/* The interrupt controller type is WHvGet...InterruptControllerState2. */
	h1 = WHvGetVirtualProcessorInterruptControllerState2(vm.part, 0, l1, sizeof(l1), &n1);
	h2 = WHvGetVirtualProcessorState(vm.part, 0,
					 WHvVirtualProcessorStateTypeInterruptControllerState2, l2,
					 sizeof(l2), &n2);
	cr_assert_eq(h1, h2, "0x%08x vs 0x%08x", (unsigned)h1, (unsigned)h2);
	if (SUCCEEDED(h1)) {
		cr_assert_eq(n1, n2);
		cr_assert_eq(memcmp(l1, l2, n1), 0);
	}
	for (i = 0; i < N_OF(refused); i++) {
		WHPT_ASSERT_HR(WHvGetVirtualProcessorState(vm.part, 0, refused[i], l1, sizeof(l1),
							   &n1),
			       HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED));
		WHPT_ASSERT_HR(WHvSetVirtualProcessorState(vm.part, 0, refused[i], l1, sizeof(l1)),
			       HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED));
	}
	WHPT_ASSERT_HR(WHvGetVirtualProcessorState(vm.part, 0,
						   (WHV_VIRTUAL_PROCESSOR_STATE_TYPE)0x1234, l1,
						   sizeof(l1), &n1),
		       E_INVALIDARG);
	WHPT_ASSERT_HR(WHvSetVirtualProcessorState(vm.part, 0,
						   (WHV_VIRTUAL_PROCESSOR_STATE_TYPE)0x1234, l1,
						   sizeof(l1)),
		       E_INVALIDARG);
	free(x);
	free(g);
	whpt_vm_destroy(&vm);
}

struct spinner {
	struct whpt_vm *vm;
	HRESULT hr;
};

static void *spin_run(void *arg)
{
	struct spinner *s = arg;

	s->hr = whpt_try_run(s->vm);
	return NULL;
}

Test(state, state_calls_refuse_a_running_vp)
{
	struct whpt_vm vm;
	struct spinner s = { &vm, E_FAIL };
	WHV_CPUID_OUTPUT c;
	uint8_t buf[8192];
	UINT32 n;
	HRESULT hr = S_OK;
	pthread_t t;
	int i;

	start(&vm, WHPT_LONG64);
	whpt_goto(&vm, ST_SPIN);
	cr_assert_eq(pthread_create(&t, NULL, spin_run, &s), 0);
	/* Until the run has begun the calls succeed; then they must refuse. */
	for (i = 0; i < 5000; i++) {
		hr = WHvGetVirtualProcessorXsaveState(vm.part, 0, buf, sizeof(buf), &n);
		if (hr == WHV_E_INVALID_VP_STATE)
			break;
		WHPT_ASSERT_OK(hr);
		usleep(1000);
	}
	WHPT_ASSERT_HR(hr, WHV_E_INVALID_VP_STATE);
	WHPT_ASSERT_HR(WHvSetVirtualProcessorXsaveState(vm.part, 0, buf, n),
		       WHV_E_INVALID_VP_STATE);
	WHPT_ASSERT_HR(WHvGetVirtualProcessorCpuidOutput(vm.part, 0, 0, 0, &c),
		       WHV_E_INVALID_VP_STATE);
	WHPT_ASSERT_OK(WHvCancelRunVirtualProcessor(vm.part, 0, 0));
	pthread_join(t, NULL);
	WHPT_ASSERT_OK(s.hr);
	WHPT_ASSERT_EXIT(&vm, WHvRunVpExitReasonCanceled);
	whpt_vm_destroy(&vm);
}

/* CPUID(leaf, sub) as the guest executes it on VP vm->vp. */
static WHV_CPUID_OUTPUT guest_cpuid(struct whpt_vm *vm, UINT32 leaf, UINT32 sub)
{
	WHV_CPUID_OUTPUT o;

	whpt_set64(vm, WHvX64RegisterRax, leaf);
	whpt_set64(vm, WHvX64RegisterRcx, sub);
	whpt_goto(vm, ST_CPUID);
	run_to_halt_at(vm, ST_CPUID_DONE);
	memcpy(&o, vm->ram + ST_CPUID_OUT, sizeof(o));
	return o;
}

Test(state, cpuid_output_is_what_the_guest_sees)
{
	static const UINT32 leaves[][2] = {
		{ 0, 0 },
		{ 1, 0 },
		{ 7, 0 },
		{ 7, 1 },
		{ 0xB, 0 },
		{ 0xB, 1 },
		{ 0xB, 9 },
		{ 0xD, 0 },
		{ 0xD, 1 },
		{ 0xD, 2 },
		{ 0x40000000, 0 },
		{ 0x40000001, 0 },
		{ 0x80000000, 0 },
		{ 0x80000001, 0 },
		{ 0x80000008, 0 },
		/* beyond each range's maximum */
		{ 0x7FFFFFF0, 0 },
		{ 0x8FFFFFFF, 0 },
		{ 0x4FFFFFFF, 0 },
		{ 0xC0000123, 0 },
	};
	struct whpt_vm vm;
	WHV_CPUID_OUTPUT g, h;
	unsigned int i;

	/* VP 1 of 2, so that the APIC ID in leaves 1 and 0BH is not 0. */
	whpt_vm_init_cpus(&vm, WHPT_RAM_SIZE, 2);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, 1, 0));
	vm.vp = 1;
	whpt_vm_load(&vm, guest_state64, guest_state64_size);
	whpt_vm_set_mode(&vm, WHPT_LONG64, vm.entry);
	for (i = 0; i < N_OF(leaves); i++) {
		g = guest_cpuid(&vm, leaves[i][0], leaves[i][1]);
		h = cpuid_of(&vm, leaves[i][0], leaves[i][1]);
		cr_assert(memcmp(&g, &h, sizeof(g)) == 0,
			  "CPUID(0x%x, %u): guest %08x %08x %08x %08x, "
			  "WHvGetVirtualProcessorCpuidOutput %08x %08x %08x %08x",
			  leaves[i][0], leaves[i][1], g.Eax, g.Ebx, g.Ecx, g.Edx, h.Eax, h.Ebx,
			  h.Ecx, h.Edx);
	}
	h = cpuid_of(&vm, 1, 0);
	cr_assert_eq(h.Ebx >> 24, 1, "initial APIC ID of VP 1: %u", h.Ebx >> 24);
	WHPT_ASSERT_HR(WHvGetVirtualProcessorCpuidOutput(vm.part, 1, 0, 0, NULL), E_POINTER);
	WHPT_ASSERT_HR(WHvGetVirtualProcessorCpuidOutput(vm.part, 0, 0, 0, &h),
		       WHV_E_VP_DOES_NOT_EXIST);
	whpt_vm_destroy(&vm);
}
