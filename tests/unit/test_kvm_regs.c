/* test_kvm_regs.c: unit tests of the WHP register <-> KVM x86 state conversions (no /dev/kvm). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "kvm/kvm_regs.h"

/* Every KVM block the converters can touch, and a view over them. */
struct fixture {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_vcpu_events events;
	struct kvm_fpu fpu;
	struct kvm_debugregs dregs;
	struct kvm_xcrs xcrs;
	struct kvm_mp_state mp;
	__u64 msr;
	struct kvm_state_view view;
};

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->view.regs = &f->regs;
	f->view.sregs = &f->sregs;
	f->view.events = &f->events;
	f->view.fpu = &f->fpu;
	f->view.dregs = &f->dregs;
	f->view.xcrs = &f->xcrs;
	f->view.mp = &f->mp;
	f->view.msr = &f->msr;
	f->view.vp_index = 3;
	f->view.mxcsr_mask = 0xFFFF;
	f->xcrs.nr_xcrs = 1;
	f->xcrs.xcrs[0].xcr = 0;
	f->xcrs.xcrs[0].value = 1;
}

static WHV_REGISTER_VALUE val64(uint64_t v)
{
	WHV_REGISTER_VALUE r;

	memset(&r, 0, sizeof(r));
	r.Reg64 = v;
	return r;
}

static WHV_REGISTER_VALUE val128(uint64_t lo, uint64_t hi)
{
	WHV_REGISTER_VALUE r;

	memset(&r, 0, sizeof(r));
	r.Reg128.Low64 = lo;
	r.Reg128.High64 = hi;
	return r;
}

static WHV_REGISTER_VALUE rd(struct fixture *f, WHV_REGISTER_NAME n)
{
	WHV_REGISTER_VALUE v;

	memset(&v, 0xA5, sizeof(v));
	cr_assert_eq(kvm_reg_read(&f->view, n, &v), 0, "read of name %#x failed", (unsigned)n);
	return v;
}

static void wr(struct fixture *f, WHV_REGISTER_NAME n, WHV_REGISTER_VALUE v)
{
	cr_assert_eq(kvm_reg_write(&f->view, n, &v), 0, "write of name %#x failed", (unsigned)n);
}

static void wr64(struct fixture *f, WHV_REGISTER_NAME n, uint64_t v)
{
	wr(f, n, val64(v));
}

static uint64_t rd64(struct fixture *f, WHV_REGISTER_NAME n)
{
	return rd(f, n).Reg64;
}

/* A refused write returns -EINVAL and leaves every block exactly as it was. */
static void expect_refused(struct fixture *f, WHV_REGISTER_NAME n, WHV_REGISTER_VALUE v)
{
	struct fixture before;
	int ret;

	memcpy(&before, f, sizeof(before));
	ret = kvm_reg_write(&f->view, n, &v);

	cr_assert_eq(ret, -EINVAL, "write of %#llx:%#llx to name %#x returned %d, not -EINVAL",
		     (unsigned long long)v.Reg128.High64, (unsigned long long)v.Reg128.Low64,
		     (unsigned)n, ret);
	cr_assert(memcmp(&before, f, offsetof(struct fixture, view)) == 0,
		  "refused write to name %#x changed the state", (unsigned)n);
}

static void expect_refused64(struct fixture *f, WHV_REGISTER_NAME n, uint64_t v)
{
	expect_refused(f, n, val64(v));
}

/* ---- classification ---------------------------------------------------- */

/*
 * Every x64 name of the reference table, as plain numbers (so the library's
 * use of the header constants is checked too). For KB_MSR rows, the MSR index
 * of name lo + k is msr + k * step.
 */
struct class_row {
	uint32_t lo, hi;
	enum kvm_block block;
	uint32_t msr, step;
};

static const struct class_row class_rows[] = {
	{ 0x00, 0x11, KB_REGS, 0, 0 },
	{ 0x12, 0x20, KB_SREGS, 0, 0 },
	{ 0x21, 0x26, KB_DEBUGREGS, 0, 0 },
	{ 0x27, 0x27, KB_XCRS, 0, 0 },
	{ 0x28, 0x2B, KB_UNSUPPORTED, 0, 0 },
	{ 0x100, 0x100, KB_UNSUPPORTED, 0, 0 },
	{ 0x200, 0x205, KB_UNSUPPORTED, 0, 0 },
	{ 0x210, 0x215, KB_UNSUPPORTED, 0, 0 },
	{ 0x1000, 0x1019, KB_FPU, 0, 0 },
	{ 0x2000, 0x2000, KB_MSR, 0x10, 0 },
	{ 0x2001, 0x2001, KB_SREGS, 0, 0 },
	{ 0x2002, 0x2002, KB_MSR, 0xC0000102, 0 },
	{ 0x2003, 0x2003, KB_SREGS, 0, 0 },
	{ 0x2004, 0x2004, KB_MSR, 0x277, 0 },
	{ 0x2005, 0x2005, KB_MSR, 0x174, 0 },
	{ 0x2006, 0x2006, KB_MSR, 0x176, 0 },
	{ 0x2007, 0x2007, KB_MSR, 0x175, 0 },
	{ 0x2008, 0x200B, KB_MSR, 0xC0000081, 1 },
	{ 0x200C, 0x200C, KB_CONST, 0, 0 },
	{ 0x200D, 0x200D, KB_MSR, 0xFE, 0 },
	{ 0x200E, 0x200E, KB_MSR, 0x2FF, 0 },
	{ 0x2010, 0x201F, KB_MSR, 0x200, 2 },
	{ 0x2040, 0x204F, KB_MSR, 0x201, 2 },
	{ 0x2070, 0x2070, KB_MSR, 0x250, 0 },
	{ 0x2071, 0x2072, KB_MSR, 0x258, 1 },
	{ 0x2073, 0x207A, KB_MSR, 0x268, 1 },
	{ 0x207B, 0x207B, KB_MSR, 0xC0000103, 0 },
	{ 0x207C, 0x207C, KB_MSR, 0xD90, 0 },
	{ 0x207E, 0x207F, KB_MSR, 0xE7, 1 },
	{ 0x2084, 0x2085, KB_MSR, 0x48, 1 },
	{ 0x2087, 0x2087, KB_UNSUPPORTED, 0, 0 },
	{ 0x2088, 0x2088, KB_MSR, 0x122, 0 },
	{ 0x208B, 0x208B, KB_MSR, 0xDA0, 0 },
	{ 0x208C, 0x208C, KB_MSR, 0x6A0, 0 },
	{ 0x208D, 0x208D, KB_MSR, 0x6A2, 0 },
	{ 0x208E, 0x208E, KB_UNSUPPORTED, 0, 0 },
	{ 0x208F, 0x2093, KB_MSR, 0x6A4, 1 },
	{ 0x2095, 0x2095, KB_MSR, 0x6E0, 0 },
	{ 0x2096, 0x2096, KB_MSR, 0x3B, 0 },
	{ 0x2098, 0x2098, KB_MSR, 0xE1, 0 },
	{ 0x2099, 0x209A, KB_MSR, 0x1C4, 1 },
	{ 0x20A0, 0x20A0, KB_MSR, 0x1A0, 0 },
	{ 0x20A1, 0x20A1, KB_MSR, 0x3A, 0 },
	{ 0x20A2, 0x20B4, KB_UNSUPPORTED, 0, 0 },
	{ 0x3002, 0x3003, KB_UNSUPPORTED, 0, 0 },
	{ 0x3008, 0x3008, KB_UNSUPPORTED, 0, 0 },
	{ 0x300A, 0x300B, KB_UNSUPPORTED, 0, 0 },
	{ 0x300D, 0x300D, KB_UNSUPPORTED, 0, 0 },
	{ 0x300F, 0x3028, KB_UNSUPPORTED, 0, 0 },
	{ 0x3030, 0x3030, KB_UNSUPPORTED, 0, 0 },
	{ 0x3032, 0x3039, KB_UNSUPPORTED, 0, 0 },
	{ 0x303E, 0x303F, KB_UNSUPPORTED, 0, 0 },
	{ 0x4000, 0x4014, KB_UNSUPPORTED, 0, 0 },
	{ 0x5000, 0x5002, KB_UNSUPPORTED, 0, 0 },
	{ 0x5013, 0x5013, KB_UNSUPPORTED, 0, 0 },
	{ 0x5017, 0x5017, KB_UNSUPPORTED, 0, 0 },
	{ 0x501A, 0x501A, KB_UNSUPPORTED, 0, 0 },
	{ 0x5050, 0x5053, KB_UNSUPPORTED, 0, 0 },
	{ 0x80000000, 0x80000003, KB_EVENTS, 0, 0 },
	{ 0x80000004, 0x80000004, KB_CONST, 0, 0 },
	{ 0x80000005, 0x80000005, KB_MPSTATE, 0, 0 },
	{ 0x80000006, 0x80000008, KB_EVENTS, 0, 0 },
};

static enum kvm_block expected_block(uint32_t n, uint32_t *msr)
{
	size_t i;

	for (i = 0; i < sizeof(class_rows) / sizeof(class_rows[0]); i++) {
		const struct class_row *r = &class_rows[i];

		if (n >= r->lo && n <= r->hi) {
			*msr = r->msr + (n - r->lo) * r->step;
			return r->block;
		}
	}
	return KB_NONE;
}

static void check_name(uint32_t n)
{
	uint32_t want_msr = 0, got_msr = 0xDEADBEEF;
	enum kvm_block want = expected_block(n, &want_msr);
	enum kvm_block got = kvm_reg_block((WHV_REGISTER_NAME)n, &got_msr);

	cr_assert_eq(got, want, "name %#x: block %d, expected %d", n, got, want);
	if (want == KB_MSR)
		cr_assert_eq(got_msr, want_msr, "name %#x: MSR %#x, expected %#x", n, got_msr,
			     want_msr);
}

Test(kvm_regs_class, every_name_and_the_gaps_between)
{
	uint32_t n;

	/* every value up to past the Hyper-V range: names and the gaps (0x2C, 0x1FFF, 0x200F...) */
	for (n = 0; n < 0x6000; n++)
		check_name(n);
	for (n = 0x80000000; n < 0x80000100; n++)
		check_name(n);
	/* Arm64 numbers and other far values are unknown on x64 */
	check_name(0x00010004);
	check_name(0x00020000);
	check_name(0x00090000);
	check_name(0x000A0000);
	check_name(0x7FFFFFFF);
	check_name(0xFFFFFFFF);
}

Test(kvm_regs_class, spot_checks_of_named_gaps)
{
	uint32_t m;

	cr_assert_eq(kvm_reg_block((WHV_REGISTER_NAME)0x2C, &m), KB_NONE);
	cr_assert_eq(kvm_reg_block((WHV_REGISTER_NAME)0x1FFF, &m), KB_NONE);
	cr_assert_eq(kvm_reg_block((WHV_REGISTER_NAME)0x200F, &m), KB_NONE);
	cr_assert_eq(kvm_reg_block((WHV_REGISTER_NAME)0x207D, &m), KB_NONE);
	cr_assert_eq(kvm_reg_block((WHV_REGISTER_NAME)0x2086, &m), KB_NONE);
	cr_assert_eq(kvm_reg_block((WHV_REGISTER_NAME)0x2094, &m), KB_NONE);
	cr_assert_eq(kvm_reg_block((WHV_REGISTER_NAME)0x3000, &m), KB_NONE);
	cr_assert_eq(kvm_reg_block((WHV_REGISTER_NAME)0x3031, &m), KB_NONE);
	cr_assert_eq(kvm_reg_block((WHV_REGISTER_NAME)0x80000009, &m), KB_NONE);
	/* a NULL msr_index is allowed */
	cr_assert_eq(kvm_reg_block(WHvX64RegisterLstar, NULL), KB_MSR);
}

/* The MSR index of every MSR-backed name, spelt with the header's names. */
Test(kvm_regs_class, msr_index_of_every_msr_name)
{
	static const struct {
		WHV_REGISTER_NAME name;
		uint32_t msr;
	} t[] = {
		{ WHvX64RegisterTsc, 0x10 },
		{ WHvX64RegisterKernelGsBase, 0xC0000102 },
		{ WHvX64RegisterPat, 0x277 },
		{ WHvX64RegisterSysenterCs, 0x174 },
		{ WHvX64RegisterSysenterEsp, 0x175 },
		{ WHvX64RegisterSysenterEip, 0x176 },
		{ WHvX64RegisterStar, 0xC0000081 },
		{ WHvX64RegisterLstar, 0xC0000082 },
		{ WHvX64RegisterCstar, 0xC0000083 },
		{ WHvX64RegisterSfmask, 0xC0000084 },
		{ WHvX64RegisterMsrMtrrCap, 0xFE },
		{ WHvX64RegisterMsrMtrrDefType, 0x2FF },
		{ WHvX64RegisterMsrMtrrPhysBase0, 0x200 },
		{ WHvX64RegisterMsrMtrrPhysMask0, 0x201 },
		{ WHvX64RegisterMsrMtrrPhysBase1, 0x202 },
		{ WHvX64RegisterMsrMtrrPhysMask1, 0x203 },
		{ WHvX64RegisterMsrMtrrPhysBase9, 0x212 },
		{ WHvX64RegisterMsrMtrrPhysMask9, 0x213 },
		{ WHvX64RegisterMsrMtrrPhysBaseA, 0x214 },
		{ WHvX64RegisterMsrMtrrPhysMaskA, 0x215 },
		{ WHvX64RegisterMsrMtrrPhysBaseF, 0x21E },
		{ WHvX64RegisterMsrMtrrPhysMaskF, 0x21F },
		{ WHvX64RegisterMsrMtrrFix64k00000, 0x250 },
		{ WHvX64RegisterMsrMtrrFix16k80000, 0x258 },
		{ WHvX64RegisterMsrMtrrFix16kA0000, 0x259 },
		{ WHvX64RegisterMsrMtrrFix4kC0000, 0x268 },
		{ WHvX64RegisterMsrMtrrFix4kC8000, 0x269 },
		{ WHvX64RegisterMsrMtrrFix4kD0000, 0x26A },
		{ WHvX64RegisterMsrMtrrFix4kD8000, 0x26B },
		{ WHvX64RegisterMsrMtrrFix4kE0000, 0x26C },
		{ WHvX64RegisterMsrMtrrFix4kE8000, 0x26D },
		{ WHvX64RegisterMsrMtrrFix4kF0000, 0x26E },
		{ WHvX64RegisterMsrMtrrFix4kF8000, 0x26F },
		{ WHvX64RegisterTscAux, 0xC0000103 },
		{ WHvX64RegisterBndcfgs, 0xD90 },
		{ WHvX64RegisterMCount, 0xE7 },
		{ WHvX64RegisterACount, 0xE8 },
		{ WHvX64RegisterSpecCtrl, 0x48 },
		{ WHvX64RegisterPredCmd, 0x49 },
		{ WHvX64RegisterTsxCtrl, 0x122 },
		{ WHvX64RegisterXss, 0xDA0 },
		{ WHvX64RegisterUCet, 0x6A0 },
		{ WHvX64RegisterSCet, 0x6A2 },
		{ WHvX64RegisterPl0Ssp, 0x6A4 },
		{ WHvX64RegisterPl1Ssp, 0x6A5 },
		{ WHvX64RegisterPl2Ssp, 0x6A6 },
		{ WHvX64RegisterPl3Ssp, 0x6A7 },
		{ WHvX64RegisterInterruptSspTableAddr, 0x6A8 },
		{ WHvX64RegisterTscDeadline, 0x6E0 },
		{ WHvX64RegisterTscAdjust, 0x3B },
		{ WHvX64RegisterUmwaitControl, 0xE1 },
		{ WHvX64RegisterXfd, 0x1C4 },
		{ WHvX64RegisterXfdErr, 0x1C5 },
		{ WHvX64RegisterMsrIa32MiscEnable, 0x1A0 },
		{ WHvX64RegisterIa32FeatureControl, 0x3A },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint32_t m = 0;

		cr_assert_eq(kvm_reg_block(t[i].name, &m), KB_MSR, "name %#x", (unsigned)t[i].name);
		cr_assert_eq(m, t[i].msr, "name %#x: MSR %#x, expected %#x", (unsigned)t[i].name, m,
			     t[i].msr);
	}
}

Test(kvm_regs_class, named_non_msr_classes)
{
	uint32_t m;

	cr_assert_eq(kvm_reg_block(WHvX64RegisterEfer, &m), KB_SREGS);
	cr_assert_eq(kvm_reg_block(WHvX64RegisterApicBase, &m), KB_SREGS);
	cr_assert_eq(kvm_reg_block(WHvX64RegisterInitialApicId, &m), KB_CONST);
	cr_assert_eq(kvm_reg_block(WHvX64RegisterDeliverabilityNotifications, &m), KB_CONST);
	cr_assert_eq(kvm_reg_block(WHvRegisterInternalActivityState, &m), KB_MPSTATE);
	cr_assert_eq(kvm_reg_block(WHvRegisterPendingInterruption, &m), KB_EVENTS);
	cr_assert_eq(kvm_reg_block(WHvRegisterInterruptState, &m), KB_EVENTS);
	cr_assert_eq(kvm_reg_block(WHvRegisterPendingEvent, &m), KB_EVENTS);
	cr_assert_eq(kvm_reg_block(WHvX64RegisterPendingDebugException, &m), KB_EVENTS);
	cr_assert_eq(kvm_reg_block(WHvX64RegisterXCr0, &m), KB_XCRS);
	cr_assert_eq(kvm_reg_block(WHvX64RegisterVirtualCr0, &m), KB_UNSUPPORTED);
	cr_assert_eq(kvm_reg_block(WHvX64RegisterSsp, &m), KB_UNSUPPORTED);
	cr_assert_eq(kvm_reg_block(WHvX64RegisterTscVirtualOffset, &m), KB_UNSUPPORTED);
	cr_assert_eq(kvm_reg_block(WHvX64RegisterApicTpr, &m), KB_UNSUPPORTED);
	cr_assert_eq(kvm_reg_block(WHvX64RegisterApicSelfIpi, &m), KB_UNSUPPORTED);
	cr_assert_eq(kvm_reg_block(WHvRegisterSint0, &m), KB_UNSUPPORTED);
	cr_assert_eq(kvm_reg_block(WHvRegisterGuestOsId, &m), KB_UNSUPPORTED);
	cr_assert_eq(kvm_reg_block(WHvX64RegisterHypercall, &m), KB_UNSUPPORTED);
	cr_assert_eq(kvm_reg_block(WHvX64RegisterIa32VmxBasic, &m), KB_UNSUPPORTED);
	cr_assert_eq(kvm_reg_block(WHvX64RegisterAmdVmCr, &m), KB_UNSUPPORTED);
}

Test(kvm_regs_class, names_without_a_block_are_refused)
{
	static const uint32_t names[] = {
		0x2C,	    0x1FFF, 0x80000009,				/* unknown */
		0x28,	    0x208E, 0x20A2,	0x3008, 0x4000, 0x5002, /* unsupported */
		0x80000004, /* DeliverabilityNotifications */
	};
	struct fixture f;
	size_t i;

	fixture_init(&f);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		WHV_REGISTER_VALUE v;

		cr_assert_eq(kvm_reg_read(&f.view, (WHV_REGISTER_NAME)names[i], &v), -EINVAL,
			     "read of %#x", names[i]);
		expect_refused64(&f, (WHV_REGISTER_NAME)names[i], 0);
	}
}

Test(kvm_regs_class, missing_block_is_refused)
{
	struct fixture f;
	struct kvm_state_view empty;
	WHV_REGISTER_VALUE v = val64(1);
	static const WHV_REGISTER_NAME names[] = {
		WHvX64RegisterRax,
		WHvX64RegisterCs,
		WHvX64RegisterCr0,
		WHvRegisterPendingInterruption,
		WHvX64RegisterXmm0,
		WHvX64RegisterDr0,
		WHvX64RegisterXCr0,
		WHvX64RegisterTsc,
		WHvRegisterInternalActivityState,
	};
	size_t i;

	fixture_init(&f);
	memset(&empty, 0, sizeof(empty));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		cr_assert_eq(kvm_reg_read(&empty, names[i], &v), -EINVAL, "read %#x",
			     (unsigned)names[i]);
		cr_assert_eq(kvm_reg_write(&empty, names[i], &v), -EINVAL, "write %#x",
			     (unsigned)names[i]);
	}
}

/* ---- KB_REGS ----------------------------------------------------------- */

Test(kvm_regs_regs, every_gpr_round_trips_into_its_field)
{
	struct fixture f;
	const struct {
		WHV_REGISTER_NAME name;
		const __u64 *field;
	} t[] = {
		{ WHvX64RegisterRax, &f.regs.rax }, { WHvX64RegisterRcx, &f.regs.rcx },
		{ WHvX64RegisterRdx, &f.regs.rdx }, { WHvX64RegisterRbx, &f.regs.rbx },
		{ WHvX64RegisterRsp, &f.regs.rsp }, { WHvX64RegisterRbp, &f.regs.rbp },
		{ WHvX64RegisterRsi, &f.regs.rsi }, { WHvX64RegisterRdi, &f.regs.rdi },
		{ WHvX64RegisterR8, &f.regs.r8 },   { WHvX64RegisterR9, &f.regs.r9 },
		{ WHvX64RegisterR10, &f.regs.r10 }, { WHvX64RegisterR11, &f.regs.r11 },
		{ WHvX64RegisterR12, &f.regs.r12 }, { WHvX64RegisterR13, &f.regs.r13 },
		{ WHvX64RegisterR14, &f.regs.r14 }, { WHvX64RegisterR15, &f.regs.r15 },
		{ WHvX64RegisterRip, &f.regs.rip },
	};
	size_t i;

	fixture_init(&f);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		wr64(&f, t[i].name, 0x1111111111111111ULL * (i + 1) + 0x0123456789ULL);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t want = 0x1111111111111111ULL * (i + 1) + 0x0123456789ULL;
		WHV_REGISTER_VALUE v = rd(&f, t[i].name);

		cr_assert_eq(*t[i].field, want, "name %#x landed elsewhere", (unsigned)t[i].name);
		cr_assert_eq(v.Reg64, want, "name %#x read back %#llx", (unsigned)t[i].name,
			     (unsigned long long)v.Reg64);
		cr_assert_eq(v.Reg128.High64, 0, "upper half of the value not cleared");
	}
}

Test(kvm_regs_regs, rflags_bit1_forced_and_reserved_bits_refused)
{
	struct fixture f;

	fixture_init(&f);
	wr64(&f, WHvX64RegisterRflags, 0);
	cr_assert_eq(f.regs.rflags, 2);
	cr_assert_eq(rd64(&f, WHvX64RegisterRflags), 2);
	wr64(&f, WHvX64RegisterRflags, 0x3F7FD7); /* every defined bit */
	cr_assert_eq(rd64(&f, WHvX64RegisterRflags), 0x3F7FD7);
	wr64(&f, WHvX64RegisterRflags, 0x202);
	cr_assert_eq(f.regs.rflags, 0x202);
	expect_refused64(&f, WHvX64RegisterRflags, 0x202 | 1ULL << 3);
	expect_refused64(&f, WHvX64RegisterRflags, 0x202 | 1ULL << 5);
	expect_refused64(&f, WHvX64RegisterRflags, 0x202 | 1ULL << 15);
	expect_refused64(&f, WHvX64RegisterRflags, 0x202 | 1ULL << 22);
	expect_refused64(&f, WHvX64RegisterRflags, 0x202 | 1ULL << 63);
}

/* ---- segments ---------------------------------------------------------- */

static struct kvm_segment seg_from(uint16_t attributes)
{
	WHV_X64_SEGMENT_REGISTER w;
	struct kvm_segment k;

	memset(&w, 0, sizeof(w));
	w.Base = 0x12345000;
	w.Limit = 0xFFFFF;
	w.Selector = 0x18;
	w.Attributes = attributes;
	memset(&k, 0xEE, sizeof(k));
	kvm_seg_from_whv(&w, &k);
	cr_assert_eq(k.base, 0x12345000);
	cr_assert_eq(k.limit, 0xFFFFF);
	cr_assert_eq(k.selector, 0x18);
	cr_assert_eq(k.padding, 0);
	return k;
}

static void check_kseg(const struct kvm_segment *k, unsigned type, unsigned s, unsigned dpl,
		       unsigned p, unsigned avl, unsigned l, unsigned db, unsigned g)
{
	cr_assert_eq(k->type, type);
	cr_assert_eq(k->s, s);
	cr_assert_eq(k->dpl, dpl);
	cr_assert_eq(k->present, p);
	cr_assert_eq(k->avl, avl);
	cr_assert_eq(k->l, l);
	cr_assert_eq(k->db, db);
	cr_assert_eq(k->g, g);
	cr_assert_eq(k->unusable, !p);
}

static uint16_t attr_of(const struct kvm_segment *k)
{
	WHV_X64_SEGMENT_REGISTER w;

	memset(&w, 0xEE, sizeof(w));
	kvm_seg_to_whv(k, &w);
	cr_assert_eq(w.Base, k->base);
	cr_assert_eq(w.Limit, k->limit);
	cr_assert_eq(w.Selector, k->selector);
	return w.Attributes;
}

Test(kvm_regs_seg, long_mode_code_0xA09B)
{
	struct kvm_segment k = seg_from(0xA09B);
	WHV_X64_SEGMENT_REGISTER w;

	check_kseg(&k, 0xB, 1, 0, 1, 0, 1, 0, 1);
	cr_assert_eq(attr_of(&k), 0xA09B);
	kvm_seg_to_whv(&k, &w);
	cr_assert_eq(w.SegmentType, 0xB);
	cr_assert_eq(w.NonSystemSegment, 1);
	cr_assert_eq(w.DescriptorPrivilegeLevel, 0);
	cr_assert_eq(w.Present, 1);
	cr_assert_eq(w.Long, 1);
	cr_assert_eq(w.Default, 0);
	cr_assert_eq(w.Granularity, 1);
}

Test(kvm_regs_seg, flat_data_0xC093)
{
	struct kvm_segment k = seg_from(0xC093);

	check_kseg(&k, 0x3, 1, 0, 1, 0, 0, 1, 1);
	cr_assert_eq(attr_of(&k), 0xC093);
}

Test(kvm_regs_seg, real_mode_code_and_data)
{
	struct kvm_segment c = seg_from(0x9B);
	struct kvm_segment d = seg_from(0x93);

	check_kseg(&c, 0xB, 1, 0, 1, 0, 0, 0, 0);
	check_kseg(&d, 0x3, 1, 0, 1, 0, 0, 0, 0);
	cr_assert_eq(attr_of(&c), 0x9B);
	cr_assert_eq(attr_of(&d), 0x93);
}

Test(kvm_regs_seg, busy_tss_0x8B_and_user_data)
{
	struct kvm_segment t = seg_from(0x8B);
	struct kvm_segment u = seg_from(0xD0F3); /* DPL 3, AVL, D, G */

	check_kseg(&t, 0xB, 0, 0, 1, 0, 0, 0, 0);
	cr_assert_eq(attr_of(&t), 0x8B);
	check_kseg(&u, 0x3, 1, 3, 1, 1, 0, 1, 1);
	cr_assert_eq(attr_of(&u), 0xD0F3);
}

Test(kvm_regs_seg, unusable_both_ways)
{
	struct kvm_segment k = seg_from(0x0000);
	struct kvm_segment n = seg_from(0x0013); /* accessed data, not present */

	check_kseg(&k, 0, 0, 0, 0, 0, 0, 0, 0);
	check_kseg(&n, 0x3, 1, 0, 0, 0, 0, 0, 0);
	/* KVM's unusable wins over a stale present bit: WHP sees P = 0 */
	k = seg_from(0xC093);
	k.unusable = 1;
	cr_assert_eq(attr_of(&k), 0xC013);
}

Test(kvm_regs_seg, attribute_bits_8_to_11_ignored)
{
	/* QEMU-style attributes carry limit 19:16 in bits 8-11 */
	struct kvm_segment k = seg_from(0xCF9B);

	check_kseg(&k, 0xB, 1, 0, 1, 0, 0, 1, 1);
	cr_assert_eq(attr_of(&k), 0xC09B);
}

Test(kvm_regs_seg, every_segment_name_lands_in_its_field)
{
	struct fixture f;
	const struct {
		WHV_REGISTER_NAME name;
		const struct kvm_segment *field;
	} t[] = {
		{ WHvX64RegisterEs, &f.sregs.es },    { WHvX64RegisterCs, &f.sregs.cs },
		{ WHvX64RegisterSs, &f.sregs.ss },    { WHvX64RegisterDs, &f.sregs.ds },
		{ WHvX64RegisterFs, &f.sregs.fs },    { WHvX64RegisterGs, &f.sregs.gs },
		{ WHvX64RegisterLdtr, &f.sregs.ldt }, { WHvX64RegisterTr, &f.sregs.tr },
	};
	size_t i;

	fixture_init(&f);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		WHV_REGISTER_VALUE v;

		memset(&v, 0, sizeof(v));
		v.Segment.Base = 0x1000 * (i + 1);
		v.Segment.Limit = 0xFFFF + (uint32_t)i;
		v.Segment.Selector = (uint16_t)(8 * i);
		v.Segment.Attributes = i == 7 ? 0x8B : 0x93;
		wr(&f, t[i].name, v);
	}
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		WHV_REGISTER_VALUE v = rd(&f, t[i].name);

		cr_assert_eq(t[i].field->base, 0x1000 * (i + 1), "name %#x", (unsigned)t[i].name);
		cr_assert_eq(t[i].field->limit, 0xFFFF + i);
		cr_assert_eq(t[i].field->selector, 8 * i);
		cr_assert_eq(v.Segment.Base, 0x1000 * (i + 1));
		cr_assert_eq(v.Segment.Limit, 0xFFFF + i);
		cr_assert_eq(v.Segment.Selector, 8 * i);
		cr_assert_eq(v.Segment.Attributes, i == 7 ? 0x8B : 0x93);
	}
}

static WHV_REGISTER_VALUE seg_val(uint64_t base, uint16_t attributes)
{
	WHV_REGISTER_VALUE v;

	memset(&v, 0, sizeof(v));
	v.Segment.Base = base;
	v.Segment.Limit = 0xFFFFFFFF;
	v.Segment.Attributes = attributes;
	return v;
}

Test(kvm_regs_seg, non_canonical_bases_refused)
{
	static const WHV_REGISTER_NAME checked[] = {
		WHvX64RegisterFs,
		WHvX64RegisterGs,
		WHvX64RegisterLdtr,
		WHvX64RegisterTr,
	};
	struct fixture f;
	size_t i;

	fixture_init(&f);
	for (i = 0; i < sizeof(checked) / sizeof(checked[0]); i++) {
		expect_refused(&f, checked[i], seg_val(0x0000800000000000ULL, 0x93));
		expect_refused(&f, checked[i], seg_val(0x8000000000000000ULL, 0x93));
		wr(&f, checked[i], seg_val(0xFFFF800000000000ULL, 0x93));
		wr(&f, checked[i], seg_val(0x00007FFFFFFFF000ULL, 0x93));
	}
	/* ES/CS/SS/DS bases are not checked (32-bit outside 64-bit mode) */
	wr(&f, WHvX64RegisterDs, seg_val(0x0000800000000000ULL, 0x93));
	cr_assert_eq(f.sregs.ds.base, 0x0000800000000000ULL);
}

Test(kvm_regs_seg, la57_widens_canonical_check)
{
	struct fixture f;

	fixture_init(&f);
	wr64(&f, WHvX64RegisterCr4, 1ULL << 12 | 1ULL << 5); /* LA57 | PAE */
	wr(&f, WHvX64RegisterGs, seg_val(0x0000800000000000ULL, 0x93));
	cr_assert_eq(f.sregs.gs.base, 0x0000800000000000ULL);
	wr(&f, WHvX64RegisterGs, seg_val(0xFF00000000000000ULL, 0x93));
	expect_refused(&f, WHvX64RegisterGs, seg_val(0x0100000000000000ULL, 0x93));
}

/* ---- tables, control registers, EFER, APIC base ------------------------ */

static WHV_REGISTER_VALUE table_val(uint64_t base, uint16_t limit)
{
	WHV_REGISTER_VALUE v;

	memset(&v, 0, sizeof(v));
	v.Table.Base = base;
	v.Table.Limit = limit;
	return v;
}

Test(kvm_regs_sregs, gdtr_idtr_round_trip)
{
	struct fixture f;
	WHV_REGISTER_VALUE v;

	fixture_init(&f);
	wr(&f, WHvX64RegisterGdtr, table_val(0xFFFFF80000001000ULL, 0x37));
	wr(&f, WHvX64RegisterIdtr, table_val(0x2000, 0xFFF));
	cr_assert_eq(f.sregs.gdt.base, 0xFFFFF80000001000ULL);
	cr_assert_eq(f.sregs.gdt.limit, 0x37);
	cr_assert_eq(f.sregs.idt.base, 0x2000);
	cr_assert_eq(f.sregs.idt.limit, 0xFFF);
	v = rd(&f, WHvX64RegisterGdtr);
	cr_assert_eq(v.Table.Base, 0xFFFFF80000001000ULL);
	cr_assert_eq(v.Table.Limit, 0x37);
	cr_assert_eq(v.Table.Pad[0] | v.Table.Pad[1] | v.Table.Pad[2], 0);
	v = rd(&f, WHvX64RegisterIdtr);
	cr_assert_eq(v.Table.Base, 0x2000);
	cr_assert_eq(v.Table.Limit, 0xFFF);
	expect_refused(&f, WHvX64RegisterGdtr, table_val(0x0000800000000000ULL, 0x37));
	expect_refused(&f, WHvX64RegisterIdtr, table_val(0x7FFF000000000000ULL, 0xFFF));
}

Test(kvm_regs_sregs, control_registers_round_trip)
{
	struct fixture f;

	fixture_init(&f);
	wr64(&f, WHvX64RegisterCr0, 0x80050033);
	wr64(&f, WHvX64RegisterCr2, 0xFFFF888812345678ULL);
	wr64(&f, WHvX64RegisterCr3, 0x1000);
	wr64(&f, WHvX64RegisterCr4, 0x6F0);
	wr64(&f, WHvX64RegisterCr8, 15);
	wr64(&f, WHvX64RegisterEfer, 0xD01);
	wr64(&f, WHvX64RegisterApicBase, 0xFEE00900);
	cr_assert_eq(f.sregs.cr0, 0x80050033);
	cr_assert_eq(f.sregs.cr2, 0xFFFF888812345678ULL);
	cr_assert_eq(f.sregs.cr3, 0x1000);
	cr_assert_eq(f.sregs.cr4, 0x6F0);
	cr_assert_eq(f.sregs.cr8, 15);
	cr_assert_eq(f.sregs.efer, 0xD01);
	cr_assert_eq(f.sregs.apic_base, 0xFEE00900);
	cr_assert_eq(rd64(&f, WHvX64RegisterCr0), 0x80050033);
	cr_assert_eq(rd64(&f, WHvX64RegisterCr2), 0xFFFF888812345678ULL);
	cr_assert_eq(rd64(&f, WHvX64RegisterCr3), 0x1000);
	cr_assert_eq(rd64(&f, WHvX64RegisterCr4), 0x6F0);
	cr_assert_eq(rd64(&f, WHvX64RegisterCr8), 15);
	cr_assert_eq(rd64(&f, WHvX64RegisterEfer), 0xD01);
	cr_assert_eq(rd64(&f, WHvX64RegisterApicBase), 0xFEE00900);
}

Test(kvm_regs_sregs, cr0_checks)
{
	struct fixture f;

	fixture_init(&f);
	expect_refused64(&f, WHvX64RegisterCr0, 0x80000000);	    /* PG without PE */
	expect_refused64(&f, WHvX64RegisterCr0, 1ULL << 32 | 0x11); /* bits 63:32 */
	expect_refused64(&f, WHvX64RegisterCr0, 1ULL << 63 | 0x11);
	expect_refused64(&f, WHvX64RegisterCr0, 0x20000011); /* NW without CD */
	wr64(&f, WHvX64RegisterCr0, 0x60000010);	     /* reset value: CD|NW|ET */
	wr64(&f, WHvX64RegisterCr0, 0x80000011);
}

Test(kvm_regs_sregs, cr4_reserved_bits)
{
	static const unsigned reserved[] = { 15, 26, 29, 30, 31, 33, 40, 63 };
	static const unsigned defined[] = { 0, 5, 12, 14, 16, 19, 23, 24, 25, 27, 28, 32 };
	struct fixture f;
	size_t i;

	fixture_init(&f);
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		expect_refused64(&f, WHvX64RegisterCr4, 1ULL << reserved[i]);
	for (i = 0; i < sizeof(defined) / sizeof(defined[0]); i++) {
		wr64(&f, WHvX64RegisterCr4, 1ULL << defined[i]);
		cr_assert_eq(f.sregs.cr4, 1ULL << defined[i]);
	}
}

Test(kvm_regs_sregs, cr8_efer_apic_base_checks)
{
	static const unsigned efer_reserved[] = { 1, 7, 9, 16, 20, 63 };
	static const unsigned apic_reserved[] = { 0, 7, 9, 52, 63 };
	struct fixture f;
	size_t i;

	fixture_init(&f);
	expect_refused64(&f, WHvX64RegisterCr8, 16);
	expect_refused64(&f, WHvX64RegisterCr8, 1ULL << 63);
	for (i = 0; i < sizeof(efer_reserved) / sizeof(efer_reserved[0]); i++)
		expect_refused64(&f, WHvX64RegisterEfer, 1ULL << efer_reserved[i]);
	wr64(&f, WHvX64RegisterEfer, 0xFD01); /* every allowed bit */
	cr_assert_eq(f.sregs.efer, 0xFD01);
	for (i = 0; i < sizeof(apic_reserved) / sizeof(apic_reserved[0]); i++)
		expect_refused64(&f, WHvX64RegisterApicBase,
				 0xFEE00900ULL | 1ULL << apic_reserved[i]);
	expect_refused64(&f, WHvX64RegisterApicBase, 0xFEE00500); /* x2APIC without EN */
	wr64(&f, WHvX64RegisterApicBase, 0xFEE00D00);		  /* x2APIC, BSP */
	wr64(&f, WHvX64RegisterApicBase, 0x000FFFFFFFFFF000ULL);  /* 52-bit base */
	wr64(&f, WHvX64RegisterApicBase, 0);			  /* disabled */
}

/* ---- KB_EVENTS --------------------------------------------------------- */

static WHV_REGISTER_VALUE pi(unsigned type, unsigned vector, int ec_valid, uint32_t ec)
{
	WHV_REGISTER_VALUE v;

	memset(&v, 0, sizeof(v));
	v.PendingInterruption.InterruptionPending = 1;
	v.PendingInterruption.InterruptionType = type;
	v.PendingInterruption.InterruptionVector = vector;
	v.PendingInterruption.DeliverErrorCode = ec_valid;
	v.PendingInterruption.ErrorCode = ec;
	return v;
}

Test(kvm_regs_events, pending_interruption_exception)
{
	struct fixture f;
	WHV_REGISTER_VALUE v;

	fixture_init(&f);
	wr(&f, WHvRegisterPendingInterruption, pi(3, 13, 1, 0x18));
	cr_assert_eq(f.events.exception.injected, 1);
	cr_assert_eq(f.events.exception.pending, 0);
	cr_assert_eq(f.events.exception.nr, 13);
	cr_assert_eq(f.events.exception.has_error_code, 1);
	cr_assert_eq(f.events.exception.error_code, 0x18);
	v = rd(&f, WHvRegisterPendingInterruption);
	cr_assert_eq(v.PendingInterruption.InterruptionPending, 1);
	cr_assert_eq(v.PendingInterruption.InterruptionType, 3);
	cr_assert_eq(v.PendingInterruption.InterruptionVector, 13);
	cr_assert_eq(v.PendingInterruption.DeliverErrorCode, 1);
	cr_assert_eq(v.PendingInterruption.ErrorCode, 0x18);
	cr_assert_eq(v.Reg128.High64, 0);

	/* #UD: no error code, and the previous code does not leak */
	wr(&f, WHvRegisterPendingInterruption, pi(3, 6, 0, 0x1234));
	cr_assert_eq(f.events.exception.has_error_code, 0);
	v = rd(&f, WHvRegisterPendingInterruption);
	cr_assert_eq(v.PendingInterruption.InterruptionVector, 6);
	cr_assert_eq(v.PendingInterruption.DeliverErrorCode, 0);
	cr_assert_eq(v.PendingInterruption.ErrorCode, 0);
}

Test(kvm_regs_events, pending_interruption_interrupt_nmi_and_clear)
{
	struct fixture f;
	WHV_REGISTER_VALUE v;

	fixture_init(&f);
	wr(&f, WHvRegisterPendingInterruption, pi(0, 0x30, 0, 0));
	cr_assert_eq(f.events.interrupt.injected, 1);
	cr_assert_eq(f.events.interrupt.nr, 0x30);
	cr_assert_eq(f.events.interrupt.soft, 0);
	v = rd(&f, WHvRegisterPendingInterruption);
	cr_assert_eq(v.PendingInterruption.InterruptionPending, 1);
	cr_assert_eq(v.PendingInterruption.InterruptionType, 0);
	cr_assert_eq(v.PendingInterruption.InterruptionVector, 0x30);

	/* one slot: the NMI replaces the interrupt */
	wr(&f, WHvRegisterPendingInterruption, pi(2, 2, 0, 0));
	cr_assert_eq(f.events.nmi.injected, 1);
	cr_assert_eq(f.events.interrupt.injected, 0);
	v = rd(&f, WHvRegisterPendingInterruption);
	cr_assert_eq(v.PendingInterruption.InterruptionType, 2);
	cr_assert_eq(v.PendingInterruption.InterruptionVector, 2);

	/* software interrupt (INT n being delivered) */
	wr(&f, WHvRegisterPendingInterruption, pi(4, 0x80, 0, 0));
	cr_assert_eq(f.events.nmi.injected, 0);
	cr_assert_eq(f.events.interrupt.injected, 1);
	cr_assert_eq(f.events.interrupt.soft, 1);
	cr_assert_eq(rd(&f, WHvRegisterPendingInterruption).PendingInterruption.InterruptionType,
		     4);

	/* InstructionLength and NestedEvent are accepted and dropped */
	v = pi(0, 0x41, 0, 0);
	v.PendingInterruption.InstructionLength = 2;
	v.PendingInterruption.NestedEvent = 1;
	wr(&f, WHvRegisterPendingInterruption, v);
	v = rd(&f, WHvRegisterPendingInterruption);
	cr_assert_eq(v.PendingInterruption.InterruptionVector, 0x41);
	cr_assert_eq(v.PendingInterruption.InstructionLength, 0);
	cr_assert_eq(v.PendingInterruption.NestedEvent, 0);

	wr64(&f, WHvRegisterPendingInterruption, 0);
	cr_assert_eq(f.events.interrupt.injected, 0);
	cr_assert_eq(rd64(&f, WHvRegisterPendingInterruption), 0);
}

Test(kvm_regs_events, pending_interruption_refusals)
{
	struct fixture f;
	WHV_REGISTER_VALUE v;

	fixture_init(&f);
	expect_refused(&f, WHvRegisterPendingInterruption, pi(2, 3, 0, 0));  /* NMI not 2 */
	expect_refused(&f, WHvRegisterPendingInterruption, pi(2, 2, 1, 0));  /* NMI with EC */
	expect_refused(&f, WHvRegisterPendingInterruption, pi(3, 2, 0, 0));  /* exception 2 */
	expect_refused(&f, WHvRegisterPendingInterruption, pi(3, 32, 0, 0)); /* exception > 31 */
	expect_refused(&f, WHvRegisterPendingInterruption, pi(0, 0x100, 0, 0));
	expect_refused(&f, WHvRegisterPendingInterruption, pi(0, 0x30, 1, 5)); /* EC on interrupt */
	expect_refused(&f, WHvRegisterPendingInterruption, pi(1, 0x30, 0, 0)); /* reserved type */
	expect_refused(&f, WHvRegisterPendingInterruption, pi(5, 1, 0, 0));    /* priv. sw exc. */
	expect_refused(&f, WHvRegisterPendingInterruption, pi(6, 3, 0, 0));    /* sw exception */
	expect_refused(&f, WHvRegisterPendingInterruption, pi(7, 3, 0, 0));
	v = pi(0, 0x30, 0, 0);
	v.Reg64 |= 1ULL << 10; /* reserved bit */
	expect_refused(&f, WHvRegisterPendingInterruption, v);
}

Test(kvm_regs_events, interrupt_state)
{
	struct fixture f;
	WHV_REGISTER_VALUE v;

	fixture_init(&f);
	memset(&v, 0, sizeof(v));
	v.InterruptState.InterruptShadow = 1;
	v.InterruptState.NmiMasked = 1;
	wr(&f, WHvRegisterInterruptState, v);
	cr_assert_eq(f.events.interrupt.shadow, KVM_X86_SHADOW_INT_MOV_SS);
	cr_assert_eq(f.events.nmi.masked, 1);
	cr_assert(f.events.flags & KVM_VCPUEVENT_VALID_SHADOW);
	v = rd(&f, WHvRegisterInterruptState);
	cr_assert_eq(v.InterruptState.InterruptShadow, 1);
	cr_assert_eq(v.InterruptState.NmiMasked, 1);

	/* an STI shadow reported by KVM survives a write-back of the same value */
	f.events.interrupt.shadow = KVM_X86_SHADOW_INT_STI;
	wr(&f, WHvRegisterInterruptState, rd(&f, WHvRegisterInterruptState));
	cr_assert_eq(f.events.interrupt.shadow, KVM_X86_SHADOW_INT_STI);

	wr64(&f, WHvRegisterInterruptState, 0);
	cr_assert_eq(f.events.interrupt.shadow, 0);
	cr_assert_eq(f.events.nmi.masked, 0);
	cr_assert_eq(rd64(&f, WHvRegisterInterruptState), 0);
	expect_refused64(&f, WHvRegisterInterruptState, 1ULL << 2);
}

static WHV_REGISTER_VALUE exc_event(unsigned vector, int ec_valid, uint32_t ec, uint64_t param)
{
	WHV_REGISTER_VALUE v;

	memset(&v, 0, sizeof(v));
	v.ExceptionEvent.EventPending = 1;
	v.ExceptionEvent.EventType = 0;
	v.ExceptionEvent.Vector = vector;
	v.ExceptionEvent.DeliverErrorCode = ec_valid;
	v.ExceptionEvent.ErrorCode = ec;
	v.ExceptionEvent.ExceptionParameter = param;
	return v;
}

Test(kvm_regs_events, pending_event_page_fault_with_cr2_payload)
{
	struct fixture f;
	WHV_REGISTER_VALUE v;

	fixture_init(&f);
	wr(&f, WHvRegisterPendingEvent, exc_event(14, 1, 0x6, 0xDEADB000));
	cr_assert_eq(f.events.exception.pending, 1);
	cr_assert_eq(f.events.exception.injected, 0);
	cr_assert_eq(f.events.exception.nr, 14);
	cr_assert_eq(f.events.exception.has_error_code, 1);
	cr_assert_eq(f.events.exception.error_code, 6);
	cr_assert_eq(f.events.exception_has_payload, 1);
	cr_assert_eq(f.events.exception_payload, 0xDEADB000);
	cr_assert(f.events.flags & KVM_VCPUEVENT_VALID_PAYLOAD);
	v = rd(&f, WHvRegisterPendingEvent);
	cr_assert_eq(v.ExceptionEvent.EventPending, 1);
	cr_assert_eq(v.ExceptionEvent.EventType, 0);
	cr_assert_eq(v.ExceptionEvent.Vector, 14);
	cr_assert_eq(v.ExceptionEvent.DeliverErrorCode, 1);
	cr_assert_eq(v.ExceptionEvent.ErrorCode, 6);
	cr_assert_eq(v.ExceptionEvent.ExceptionParameter, 0xDEADB000);
	/* a pending exception is not an injected one */
	cr_assert_eq(rd64(&f, WHvRegisterPendingInterruption), 0);

	/* #GP: no payload kept */
	wr(&f, WHvRegisterPendingEvent, exc_event(13, 1, 0, 0x1234));
	cr_assert_eq(f.events.exception_has_payload, 0);
	v = rd(&f, WHvRegisterPendingEvent);
	cr_assert_eq(v.ExceptionEvent.Vector, 13);
	cr_assert_eq(v.ExceptionEvent.ExceptionParameter, 0);

	/* clearing */
	wr(&f, WHvRegisterPendingEvent, val128(0, 0));
	cr_assert_eq(f.events.exception.pending, 0);
	v = rd(&f, WHvRegisterPendingEvent);
	cr_assert_eq(v.Reg128.Low64, 0);
	cr_assert_eq(v.Reg128.High64, 0);
}

Test(kvm_regs_events, injected_and_pending_exception_share_a_slot)
{
	struct fixture f;

	fixture_init(&f);
	wr(&f, WHvRegisterPendingEvent, exc_event(14, 1, 2, 0x1000));
	wr(&f, WHvRegisterPendingInterruption, pi(3, 6, 0, 0));
	cr_assert_eq(f.events.exception.injected, 1);
	cr_assert_eq(f.events.exception.pending, 0);
	cr_assert_eq(f.events.exception_has_payload, 0);
	cr_assert_eq(rd(&f, WHvRegisterPendingEvent).Reg128.Low64, 0);
	wr(&f, WHvRegisterPendingEvent, exc_event(14, 1, 2, 0x1000));
	cr_assert_eq(f.events.exception.injected, 0);
	cr_assert_eq(f.events.exception.pending, 1);
	cr_assert_eq(rd64(&f, WHvRegisterPendingInterruption), 0);
	/* clearing PendingInterruption leaves the pending exception alone */
	wr64(&f, WHvRegisterPendingInterruption, 0);
	cr_assert_eq(f.events.exception.pending, 1);
}

Test(kvm_regs_events, pending_event_ext_int)
{
	struct fixture f;
	WHV_REGISTER_VALUE v;

	fixture_init(&f);
	memset(&v, 0, sizeof(v));
	v.ExtIntEvent.EventPending = 1;
	v.ExtIntEvent.EventType = 5;
	v.ExtIntEvent.Vector = 0x20;
	wr(&f, WHvRegisterPendingEvent, v);
	cr_assert_eq(f.events.interrupt.injected, 1);
	cr_assert_eq(f.events.interrupt.nr, 0x20);
	cr_assert_eq(f.events.interrupt.soft, 0);
	v = rd(&f, WHvRegisterPendingInterruption);
	cr_assert_eq(v.PendingInterruption.InterruptionPending, 1);
	cr_assert_eq(v.PendingInterruption.InterruptionType, 0);
	cr_assert_eq(v.PendingInterruption.InterruptionVector, 0x20);
}

Test(kvm_regs_events, pending_event_refusals)
{
	struct fixture f;
	WHV_REGISTER_VALUE v;

	fixture_init(&f);
	expect_refused(&f, WHvRegisterPendingEvent, exc_event(2, 0, 0, 0));
	expect_refused(&f, WHvRegisterPendingEvent, exc_event(32, 0, 0, 0));
	v = exc_event(6, 0, 0, 0);
	v.Reg128.Low64 |= 1ULL << 4; /* Reserved0 */
	expect_refused(&f, WHvRegisterPendingEvent, v);
	v = exc_event(6, 0, 0, 0);
	v.Reg128.Low64 |= 1ULL << 9; /* Reserved1 */
	expect_refused(&f, WHvRegisterPendingEvent, v);
	memset(&v, 0, sizeof(v));
	v.ExtIntEvent.EventPending = 1;
	v.ExtIntEvent.EventType = 5;
	v.ExtIntEvent.Vector = 0x20;
	v.Reg128.High64 = 1; /* Reserved2 */
	expect_refused(&f, WHvRegisterPendingEvent, v);
	memset(&v, 0, sizeof(v));
	v.SvmNestedExit0.EventPending = 1;
	v.SvmNestedExit0.EventType = WHvX64PendingEventSvmNestedExit;
	expect_refused(&f, WHvRegisterPendingEvent, v);
	memset(&v, 0, sizeof(v));
	v.VmxNestedExit0.EventPending = 1;
	v.VmxNestedExit0.EventType = WHvX64PendingEventVmxNestedExit;
	expect_refused(&f, WHvRegisterPendingEvent, v);
	memset(&v, 0, sizeof(v));
	v.ExceptionEvent.EventPending = 1;
	v.ExceptionEvent.EventType = 3; /* no such event type */
	expect_refused(&f, WHvRegisterPendingEvent, v);
}

Test(kvm_regs_events, extra_event_slots)
{
	static const WHV_REGISTER_NAME names[] = {
		WHvRegisterPendingEvent1,
		WHvRegisterPendingEvent2,
		WHvRegisterPendingEvent3,
	};
	struct fixture f;
	size_t i;

	fixture_init(&f);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		WHV_REGISTER_VALUE v = rd(&f, names[i]);

		cr_assert_eq(v.Reg128.Low64, 0);
		cr_assert_eq(v.Reg128.High64, 0);
		wr(&f, names[i], val128(0, 0));
		expect_refused(&f, names[i], exc_event(6, 0, 0, 0));
	}
}

Test(kvm_regs_events, pending_debug_exception)
{
	struct fixture f;
	WHV_REGISTER_VALUE v;

	fixture_init(&f);
	cr_assert_eq(rd64(&f, WHvX64RegisterPendingDebugException), 0);
	memset(&v, 0, sizeof(v));
	v.PendingDebugException.SingleStep = 1;
	v.PendingDebugException.Breakpoint2 = 1;
	wr(&f, WHvX64RegisterPendingDebugException, v);
	cr_assert_eq(f.events.exception.pending, 1);
	cr_assert_eq(f.events.exception.nr, 1);
	cr_assert_eq(f.events.exception_has_payload, 1);
	cr_assert_eq(f.events.exception_payload, 1ULL << 14 | 1ULL << 2);
	cr_assert(f.events.flags & KVM_VCPUEVENT_VALID_PAYLOAD);
	v = rd(&f, WHvX64RegisterPendingDebugException);
	cr_assert_eq(v.PendingDebugException.SingleStep, 1);
	cr_assert_eq(v.PendingDebugException.Breakpoint2, 1);
	cr_assert_eq(v.PendingDebugException.Breakpoint0, 0);
	/* the same #DB through PendingEvent */
	v = rd(&f, WHvRegisterPendingEvent);
	cr_assert_eq(v.ExceptionEvent.Vector, 1);
	cr_assert_eq(v.ExceptionEvent.ExceptionParameter, 1ULL << 14 | 1ULL << 2);

	/* writing 0 drops it */
	wr64(&f, WHvX64RegisterPendingDebugException, 0);
	cr_assert_eq(f.events.exception.pending, 0);

	/* another pending exception is not touched by 0 and blocks non-zero */
	wr(&f, WHvRegisterPendingEvent, exc_event(14, 1, 0, 0x5000));
	wr64(&f, WHvX64RegisterPendingDebugException, 0);
	cr_assert_eq(f.events.exception.pending, 1);
	cr_assert_eq(f.events.exception.nr, 14);
	expect_refused64(&f, WHvX64RegisterPendingDebugException, 1);
	expect_refused64(&f, WHvX64RegisterPendingDebugException, 1ULL << 5);
}

/* ---- KB_FPU ------------------------------------------------------------ */

Test(kvm_regs_fpu, xmm_round_trip)
{
	struct fixture f;
	unsigned i;

	fixture_init(&f);
	for (i = 0; i < 16; i++)
		wr(&f, (WHV_REGISTER_NAME)(WHvX64RegisterXmm0 + i),
		   val128(0x0706050403020100ULL + i, 0x0F0E0D0C0B0A0908ULL + ((uint64_t)i << 56)));
	for (i = 0; i < 16; i++) {
		WHV_REGISTER_VALUE v = rd(&f, (WHV_REGISTER_NAME)(WHvX64RegisterXmm0 + i));

		cr_assert_eq(f.fpu.xmm[i][0], (uint8_t)i, "xmm%u byte 0", i);
		cr_assert_eq(f.fpu.xmm[i][1], 1);
		cr_assert_eq(f.fpu.xmm[i][8], 8);
		cr_assert_eq(f.fpu.xmm[i][15], (uint8_t)(0x0F + i));
		cr_assert_eq(v.Reg128.Low64, 0x0706050403020100ULL + i);
		cr_assert_eq(v.Reg128.High64, 0x0F0E0D0C0B0A0908ULL + ((uint64_t)i << 56));
	}
}

Test(kvm_regs_fpu, fp_mmx_round_trip)
{
	struct fixture f;
	WHV_REGISTER_VALUE v;
	unsigned i;

	fixture_init(&f);
	memset(f.fpu.fpr, 0xCC, sizeof(f.fpu.fpr));
	for (i = 0; i < 8; i++) {
		memset(&v, 0, sizeof(v));
		v.Fp.Mantissa = 0x8000000000000000ULL | i; /* 1.0 * 2^(e - 16383) */
		v.Fp.BiasedExponent = 0x3FFF + i;
		v.Fp.Sign = i & 1;
		wr(&f, (WHV_REGISTER_NAME)(WHvX64RegisterFpMmx0 + i), v);
	}
	for (i = 0; i < 8; i++) {
		uint64_t mant;
		uint16_t se;
		unsigned b;

		memcpy(&mant, f.fpu.fpr[i], 8);
		memcpy(&se, f.fpu.fpr[i] + 8, 2);
		cr_assert_eq(mant, 0x8000000000000000ULL | i);
		cr_assert_eq(se, (0x3FFF + i) | (i & 1) << 15);
		for (b = 10; b < 16; b++)
			cr_assert_eq(f.fpu.fpr[i][b], 0, "fpr[%u][%u] not zeroed", i, b);
		v = rd(&f, (WHV_REGISTER_NAME)(WHvX64RegisterFpMmx0 + i));
		cr_assert_eq(v.Fp.Mantissa, 0x8000000000000000ULL | i);
		cr_assert_eq(v.Fp.BiasedExponent, 0x3FFF + i);
		cr_assert_eq(v.Fp.Sign, i & 1);
		cr_assert_eq(v.Reg128.High64 >> 16, 0);
	}
	/* bytes 10-15 of the WHP value are ignored */
	wr(&f, WHvX64RegisterFpMmx3, val128(0x1234, 0xFFFFFFFFFFFF0001ULL));
	cr_assert_eq(rd(&f, WHvX64RegisterFpMmx3).Reg128.High64, 1);
}

Test(kvm_regs_fpu, fp_control_status)
{
	struct fixture f;
	WHV_REGISTER_VALUE v;

	fixture_init(&f);
	memset(&v, 0, sizeof(v));
	v.FpControlStatus.FpControl = 0x037F;
	v.FpControlStatus.FpStatus = 0x3800;
	v.FpControlStatus.FpTag = 0x81;
	v.FpControlStatus.LastFpOp = 0x05D9;
	v.FpControlStatus.LastFpRip = 0xFFFFFFFF81001234ULL;
	wr(&f, WHvX64RegisterFpControlStatus, v);
	cr_assert_eq(f.fpu.fcw, 0x037F);
	cr_assert_eq(f.fpu.fsw, 0x3800);
	cr_assert_eq(f.fpu.ftwx, 0x81);
	cr_assert_eq(f.fpu.last_opcode, 0x05D9);
	cr_assert_eq(f.fpu.last_ip, 0xFFFFFFFF81001234ULL);
	v = rd(&f, WHvX64RegisterFpControlStatus);
	cr_assert_eq(v.FpControlStatus.FpControl, 0x037F);
	cr_assert_eq(v.FpControlStatus.FpStatus, 0x3800);
	cr_assert_eq(v.FpControlStatus.FpTag, 0x81);
	cr_assert_eq(v.FpControlStatus.Reserved, 0);
	cr_assert_eq(v.FpControlStatus.LastFpOp, 0x05D9);
	cr_assert_eq(v.FpControlStatus.LastFpRip, 0xFFFFFFFF81001234ULL);

	/* the 32-bit view (EIP + CS) shares the same 64 bits */
	memset(&v, 0, sizeof(v));
	v.FpControlStatus.LastFpEip = 0x1234;
	v.FpControlStatus.LastFpCs = 0x08;
	wr(&f, WHvX64RegisterFpControlStatus, v);
	v = rd(&f, WHvX64RegisterFpControlStatus);
	cr_assert_eq(v.FpControlStatus.LastFpEip, 0x1234);
	cr_assert_eq(v.FpControlStatus.LastFpCs, 0x08);
}

Test(kvm_regs_fpu, xmm_control_status_and_mxcsr_mask)
{
	struct fixture f;
	WHV_REGISTER_VALUE v;

	fixture_init(&f);
	memset(&v, 0, sizeof(v));
	v.XmmControlStatus.LastFpRdp = 0x7FFF0000ABCDULL;
	v.XmmControlStatus.XmmStatusControl = 0x1FC0;  /* DAZ set: needs mask bit 6 */
	v.XmmControlStatus.XmmStatusControlMask = 0x1; /* ignored on write */
	wr(&f, WHvX64RegisterXmmControlStatus, v);
	cr_assert_eq(f.fpu.last_dp, 0x7FFF0000ABCDULL);
	cr_assert_eq(f.fpu.mxcsr, 0x1FC0);
	v = rd(&f, WHvX64RegisterXmmControlStatus);
	cr_assert_eq(v.XmmControlStatus.LastFpRdp, 0x7FFF0000ABCDULL);
	cr_assert_eq(v.XmmControlStatus.XmmStatusControl, 0x1FC0);
	cr_assert_eq(v.XmmControlStatus.XmmStatusControlMask, 0xFFFF);

	/* bit 16 is outside every mask */
	v.XmmControlStatus.XmmStatusControl = 0x11F80;
	expect_refused(&f, WHvX64RegisterXmmControlStatus, v);

	/* without DAZ in the host mask (0xFFBF), DAZ is refused */
	f.view.mxcsr_mask = 0xFFBF;
	v.XmmControlStatus.XmmStatusControl = 0x1FC0;
	expect_refused(&f, WHvX64RegisterXmmControlStatus, v);
	v.XmmControlStatus.XmmStatusControl = 0x1F80;
	wr(&f, WHvX64RegisterXmmControlStatus, v);

	/* a mask of 0 means the default 0xFFBF */
	f.view.mxcsr_mask = 0;
	cr_assert_eq(rd(&f, WHvX64RegisterXmmControlStatus).XmmControlStatus.XmmStatusControlMask,
		     0xFFBF);
	v.XmmControlStatus.XmmStatusControl = 0x1FC0;
	expect_refused(&f, WHvX64RegisterXmmControlStatus, v);
}

/* ---- KB_DEBUGREGS ------------------------------------------------------ */

Test(kvm_regs_dregs, round_trip_and_checks)
{
	struct fixture f;
	const struct {
		WHV_REGISTER_NAME name;
		const __u64 *field;
		uint64_t value;
	} t[] = {
		{ WHvX64RegisterDr0, &f.dregs.db[0], 0xFFFFFFFF81000000ULL },
		{ WHvX64RegisterDr1, &f.dregs.db[1], 0x1000 },
		{ WHvX64RegisterDr2, &f.dregs.db[2], 0x2000 },
		{ WHvX64RegisterDr3, &f.dregs.db[3], 0x3000 },
		{ WHvX64RegisterDr6, &f.dregs.dr6, 0xFFFF4FF0 },
		{ WHvX64RegisterDr7, &f.dregs.dr7, 0x401 },
	};
	size_t i;

	fixture_init(&f);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		wr64(&f, t[i].name, t[i].value);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cr_assert_eq(*t[i].field, t[i].value, "name %#x", (unsigned)t[i].name);
		cr_assert_eq(rd64(&f, t[i].name), t[i].value);
	}
	expect_refused64(&f, WHvX64RegisterDr7, 1ULL << 32 | 0x400);
	expect_refused64(&f, WHvX64RegisterDr6, 1ULL << 63 | 0xFFFF0FF0);
}

/* ---- KB_XCRS ----------------------------------------------------------- */

Test(kvm_regs_xcrs, update_existing_and_create_missing)
{
	struct fixture f;

	fixture_init(&f);
	wr64(&f, WHvX64RegisterXCr0, 7);
	cr_assert_eq(f.xcrs.nr_xcrs, 1);
	cr_assert_eq(f.xcrs.xcrs[0].value, 7);
	cr_assert_eq(rd64(&f, WHvX64RegisterXCr0), 7);

	/* XCR0 not listed: created */
	memset(&f.xcrs, 0, sizeof(f.xcrs));
	cr_assert_eq(rd64(&f, WHvX64RegisterXCr0), 1); /* the reset value */
	wr64(&f, WHvX64RegisterXCr0, 3);
	cr_assert_eq(f.xcrs.nr_xcrs, 1);
	cr_assert_eq(f.xcrs.xcrs[0].xcr, 0);
	cr_assert_eq(f.xcrs.xcrs[0].value, 3);

	/* found when it is not the first entry */
	memset(&f.xcrs, 0, sizeof(f.xcrs));
	f.xcrs.nr_xcrs = 2;
	f.xcrs.xcrs[0].xcr = 1;
	f.xcrs.xcrs[0].value = 0x55;
	f.xcrs.xcrs[1].xcr = 0;
	f.xcrs.xcrs[1].value = 1;
	wr64(&f, WHvX64RegisterXCr0, 0xE7);
	cr_assert_eq(f.xcrs.nr_xcrs, 2);
	cr_assert_eq(f.xcrs.xcrs[0].value, 0x55);
	cr_assert_eq(f.xcrs.xcrs[1].value, 0xE7);
	cr_assert_eq(rd64(&f, WHvX64RegisterXCr0), 0xE7);
}

Test(kvm_regs_xcrs, architectural_checks)
{
	static const uint64_t bad[] = {
		0,
		2,
		6, /* x87 missing */
		5, /* AVX without SSE */
		0x0B,
		0x13, /* BNDREGS/BNDCSR alone */
		0x27,
		0x67, /* part of AVX-512 */
		0xE3, /* AVX-512 without AVX */
		0x20003,
		0x40003,	/* one AMX bit */
		1ULL << 63 | 1, /* reserved */
	};
	static const uint64_t good[] = { 1, 3, 7, 0x1B, 0xE7, 0x60003, 0x602E7 };
	struct fixture f;
	size_t i;

	fixture_init(&f);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused64(&f, WHvX64RegisterXCr0, bad[i]);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		wr64(&f, WHvX64RegisterXCr0, good[i]);
		cr_assert_eq(f.xcrs.xcrs[0].value, good[i]);
	}
}

/* ---- KB_MSR ------------------------------------------------------------ */

Test(kvm_regs_msr, value_is_copied)
{
	struct fixture f;

	fixture_init(&f);
	wr64(&f, WHvX64RegisterLstar, 0xFFFFFFFF81800000ULL);
	cr_assert_eq(f.msr, 0xFFFFFFFF81800000ULL);
	f.msr = 0x0007040600070406ULL;
	cr_assert_eq(rd64(&f, WHvX64RegisterPat), 0x0007040600070406ULL);
	cr_assert_eq(rd(&f, WHvX64RegisterTsc).Reg128.High64, 0);
}

/* ---- KB_MPSTATE -------------------------------------------------------- */

Test(kvm_regs_mpstate, internal_activity_state)
{
	struct fixture f;
	WHV_REGISTER_VALUE v;

	fixture_init(&f);
	f.mp.mp_state = KVM_MP_STATE_RUNNABLE;
	cr_assert_eq(rd64(&f, WHvRegisterInternalActivityState), 0);
	f.mp.mp_state = KVM_MP_STATE_UNINITIALIZED;
	cr_assert_eq(rd(&f, WHvRegisterInternalActivityState).InternalActivity.StartupSuspend, 1);
	f.mp.mp_state = KVM_MP_STATE_INIT_RECEIVED;
	cr_assert_eq(rd64(&f, WHvRegisterInternalActivityState), 1);
	f.mp.mp_state = KVM_MP_STATE_HALTED;
	v = rd(&f, WHvRegisterInternalActivityState);
	cr_assert_eq(v.InternalActivity.HaltSuspend, 1);
	cr_assert_eq(v.InternalActivity.StartupSuspend, 0);
	f.mp.mp_state = KVM_MP_STATE_SIPI_RECEIVED;
	cr_assert_eq(rd64(&f, WHvRegisterInternalActivityState), 0);

	memset(&v, 0, sizeof(v));
	v.InternalActivity.StartupSuspend = 1;
	wr(&f, WHvRegisterInternalActivityState, v);
	cr_assert_eq(f.mp.mp_state, KVM_MP_STATE_INIT_RECEIVED);
	f.mp.mp_state = KVM_MP_STATE_UNINITIALIZED; /* kept when already waiting */
	wr(&f, WHvRegisterInternalActivityState, v);
	cr_assert_eq(f.mp.mp_state, KVM_MP_STATE_UNINITIALIZED);
	memset(&v, 0, sizeof(v));
	v.InternalActivity.HaltSuspend = 1;
	wr(&f, WHvRegisterInternalActivityState, v);
	cr_assert_eq(f.mp.mp_state, KVM_MP_STATE_HALTED);
	wr64(&f, WHvRegisterInternalActivityState, 0);
	cr_assert_eq(f.mp.mp_state, KVM_MP_STATE_RUNNABLE);

	memset(&v, 0, sizeof(v));
	v.InternalActivity.IdleSuspend = 1;
	expect_refused(&f, WHvRegisterInternalActivityState, v);
	expect_refused64(&f, WHvRegisterInternalActivityState, 3);
	expect_refused64(&f, WHvRegisterInternalActivityState, 1ULL << 3);
}

/* ---- KB_CONST ---------------------------------------------------------- */

Test(kvm_regs_const, initial_apic_id_is_the_vp_index_and_read_only)
{
	struct fixture f;
	WHV_REGISTER_VALUE v;

	fixture_init(&f);
	v = rd(&f, WHvX64RegisterInitialApicId);
	cr_assert_eq(v.Reg64, 3);
	cr_assert_eq(v.Reg128.High64, 0);
	expect_refused64(&f, WHvX64RegisterInitialApicId, 3);
	cr_assert_eq(kvm_reg_read(&f.view, WHvX64RegisterDeliverabilityNotifications, &v), -EINVAL);
	expect_refused64(&f, WHvX64RegisterDeliverabilityNotifications, 0);
}
