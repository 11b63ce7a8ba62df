/* test_translate.c: WHvTranslateGva over page tables of a real guest: 4-level, PAE, 32-bit. */
#include "whp_test.h"

#include <pthread.h>

#include "state_ids.h"

WHPT_PAYLOAD(guest_state32);
WHPT_PAYLOAD(guest_state64);

TestSuite(translate, .timeout = 60);

/*
 * Extra RAM at EXTRA_GPA holds the page tables each test builds and the data
 * pages they map; everything outside RAM and EXTRA is unmapped.
 */
#define EXTRA_GPA  0x100000ull
#define EXTRA_SIZE 0x100000ull

#define P  1ull
#define W  (1ull << 1)
#define U  (1ull << 2)
#define A  (1ull << 5)
#define D  (1ull << 6)
#define PS (1ull << 7)
#define XD (1ull << 63)

#define RD	WHvTranslateGvaFlagValidateRead
#define WR	WHvTranslateGvaFlagValidateWrite
#define EX	WHvTranslateGvaFlagValidateExecute
#define EXEMPT	WHvTranslateGvaFlagPrivilegeExempt
#define SETBITS WHvTranslateGvaFlagSetPageTableBits

struct tvm {
	struct whpt_vm vm;
	uint8_t *extra;
};

static void put64(struct tvm *t, uint64_t gpa, uint64_t v)
{
	cr_assert(gpa >= EXTRA_GPA && gpa + 8 <= EXTRA_GPA + EXTRA_SIZE);
	memcpy(t->extra + (gpa - EXTRA_GPA), &v, 8);
}

static uint64_t get64(struct tvm *t, uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, t->extra + (gpa - EXTRA_GPA), 8);
	return v;
}

static void put32(struct tvm *t, uint64_t gpa, uint32_t v)
{
	memcpy(t->extra + (gpa - EXTRA_GPA), &v, 4);
}

static uint32_t get32(struct tvm *t, uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, t->extra + (gpa - EXTRA_GPA), 4);
	return v;
}

static void tvm_start(struct tvm *t, enum whpt_mode mode)
{
	if (mode == WHPT_LONG64)
		whpt_vm_start(&t->vm, guest_state64, guest_state64_size, mode);
	else
		whpt_vm_start(&t->vm, guest_state32, guest_state32_size, mode);
	t->extra = whpt_alloc(EXTRA_SIZE);
	WHPT_ASSERT_OK(WHvMapGpaRange(t->vm.part, t->extra, EXTRA_GPA, EXTRA_SIZE, WHPT_MAP_RWX));
}

static void tvm_destroy(struct tvm *t)
{
	whpt_vm_destroy(&t->vm);
	munmap(t->extra, EXTRA_SIZE);
}

/* Translate and return the result code; (*gpa) gets the address. */
static UINT32 xlate(struct tvm *t, uint64_t gva, UINT32 flags, uint64_t *gpa)
{
	WHV_TRANSLATE_GVA_RESULT r;
	WHV_GUEST_PHYSICAL_ADDRESS g = 0xDEAD;

	memset(&r, 0xCC, sizeof(r));
	WHPT_ASSERT_OK(
		WHvTranslateGva(t->vm.part, t->vm.vp, gva, (WHV_TRANSLATE_GVA_FLAGS)flags, &r, &g));
	cr_assert_eq(r.Reserved, 0);
	*gpa = g;
	return r.ResultCode;
}

#define ASSERT_XLATE(t, gva, flags, code, want_gpa)                                               \
	do {                                                                                      \
		uint64_t g_;                                                                      \
		UINT32 c_ = xlate((t), (gva), (flags), &g_);                                      \
		cr_assert_eq(c_, (UINT32)(code),                                                  \
			     "GVA 0x%llx flags 0x%x: result %u, "                                 \
			     "expected %u",                                                       \
			     (unsigned long long)(gva), (unsigned)(flags), c_, (unsigned)(code)); \
		if ((code) == WHvTranslateGvaResultSuccess)                                       \
			WHPT_ASSERT_EQ64(g_, (want_gpa), "translated GPA");                       \
	} while (0)

/* CPL 3 for the translation: SS.DPL (the guest is not run like this). */
static void set_cpl(struct tvm *t, unsigned int cpl)
{
	WHV_REGISTER_VALUE ss = whpt_get(&t->vm, WHvX64RegisterSs);

	ss.Segment.DescriptorPrivilegeLevel = cpl & 3;
	ss.Segment.Selector = (UINT16)((ss.Segment.Selector & ~3) | cpl);
	whpt_set(&t->vm, WHvX64RegisterSs, ss);
}

/* Run ST_STORE3: RAX is stored to RBX, RCX and RDX; the guest must reach its HLT. */
static void guest_store3(struct tvm *t, uint64_t a, uint64_t b, uint64_t c, uint64_t value)
{
	struct whpt_rec r = whpt_rec(&t->vm, ST_STORE3_DONE);

	whpt_set64(&t->vm, WHvX64RegisterRax, value);
	whpt_set64(&t->vm, WHvX64RegisterRbx, a);
	whpt_set64(&t->vm, WHvX64RegisterRcx, b);
	whpt_set64(&t->vm, WHvX64RegisterRdx, c);
	whpt_goto(&t->vm, ST_STORE3);
	whpt_run(&t->vm);
	WHPT_ASSERT_EXIT(&t->vm, WHvRunVpExitReasonX64Halt);
	cr_assert_eq(whpt_exit_at(&t->vm), r.addr + r.len);
}

/*
 * 4-level tables: PML4 0x100000, PDPT 0x101000, PD 0x102000, PT 0x103000.
 * PD[0]: 2 MiB identity page (code, GDT, stack, the tables themselves).
 * PD[1] -> PT: GVA 0x200000 + n*4K, page n:
 *   0 user RW -> 0x110000, 1 supervisor RW -> 0x111000, 2 user read-only ->
 *   0x112000, 3 user RW XD -> 0x113000, 4 not present, 5 -> 0x500000 (no
 *   memory there: MMIO), 6 reserved bit 51 -> 0x116000.
 * PD[2] -> a page table at 0x900000, outside memory.
 * PD[3]: 2 MiB page -> 0x1200000.
 * PML4[1]: PS set (reserved in a PML4E).
 */
#define L_PML4	    0x100000ull
#define L_PDPT	    0x101000ull
#define L_PD	    0x102000ull
#define L_PT	    0x103000ull
#define GVA_PAGE(n) (0x200000ull + (uint64_t)(n)*0x1000)

static void build_long(struct tvm *t)
{
	put64(t, L_PML4, L_PDPT | P | W | U);
	put64(t, L_PML4 + 8, 0x104000ull | P | W | PS);
	put64(t, L_PDPT, L_PD | P | W | U);
	put64(t, L_PD, 0 | P | W | PS);
	put64(t, L_PD + 8, L_PT | P | W | U);
	put64(t, L_PD + 16, 0x900000ull | P | W | U);
	put64(t, L_PD + 24, 0x1200000ull | P | W | PS);
	put64(t, L_PT + 0 * 8, 0x110000ull | P | W | U);
	put64(t, L_PT + 1 * 8, 0x111000ull | P | W);
	put64(t, L_PT + 2 * 8, 0x112000ull | P | U);
	put64(t, L_PT + 3 * 8, 0x113000ull | P | W | U | XD);
	put64(t, L_PT + 4 * 8, 0);
	put64(t, L_PT + 5 * 8, 0x500000ull | P | W);
	put64(t, L_PT + 6 * 8, 0x116000ull | P | W | (1ull << 51));
	whpt_set64(&t->vm, WHvX64RegisterCr3, L_PML4);
	/* EFER.NXE, so that XD means no-execute (LME, LMA as the builder set). */
	whpt_set64(&t->vm, WHvX64RegisterEfer, 0xD00);
}

Test(translate, long_mode_result_codes)
{
	struct tvm t;

	tvm_start(&t, WHPT_LONG64);
	build_long(&t);
	ASSERT_XLATE(&t, GVA_PAGE(0) + 0x123, RD | WR, WHvTranslateGvaResultSuccess, 0x110123ull);
	ASSERT_XLATE(&t, GVA_PAGE(1) + 8, RD | WR, WHvTranslateGvaResultSuccess, 0x111008ull);
	ASSERT_XLATE(&t, GVA_PAGE(2), RD, WHvTranslateGvaResultSuccess, 0x112000ull);
	/* CR0.WP is set by the builder: supervisor writes obey R/W. */
	ASSERT_XLATE(&t, GVA_PAGE(2), WR, WHvTranslateGvaResultPrivilegeViolation, 0);
	ASSERT_XLATE(&t, GVA_PAGE(3), RD | WR, WHvTranslateGvaResultSuccess, 0x113000ull);
	ASSERT_XLATE(&t, GVA_PAGE(3), EX, WHvTranslateGvaResultPrivilegeViolation, 0);
	ASSERT_XLATE(&t, GVA_PAGE(0), EX, WHvTranslateGvaResultSuccess, 0x110000ull);
	ASSERT_XLATE(&t, GVA_PAGE(4), RD, WHvTranslateGvaResultPageNotPresent, 0);
	ASSERT_XLATE(&t, GVA_PAGE(4), 0, WHvTranslateGvaResultPageNotPresent, 0);
	/* The final GPA need not be memory: MMIO addresses translate. */
	ASSERT_XLATE(&t, GVA_PAGE(5) + 4, RD | WR, WHvTranslateGvaResultSuccess, 0x500004ull);
	ASSERT_XLATE(&t, GVA_PAGE(6), RD, WHvTranslateGvaResultInvalidPageTableFlags, 0);
	ASSERT_XLATE(&t, 0x400000ull, RD, WHvTranslateGvaResultGpaUnmapped, 0);
	ASSERT_XLATE(&t, 0x600000ull + 0x1234, RD, WHvTranslateGvaResultSuccess, 0x1201234ull);
	ASSERT_XLATE(&t, 0x8000000000ull, RD, WHvTranslateGvaResultInvalidPageTableFlags, 0);
	ASSERT_XLATE(&t, 0x0000800000000000ull, RD, WHvTranslateGvaResultInvalidPageTableFlags, 0);
	/* At CPL 3 the supervisor pages are out of reach, unless exempt. */
	set_cpl(&t, 3);
	ASSERT_XLATE(&t, GVA_PAGE(0), RD | WR, WHvTranslateGvaResultSuccess, 0x110000ull);
	ASSERT_XLATE(&t, GVA_PAGE(1), RD, WHvTranslateGvaResultPrivilegeViolation, 0);
	ASSERT_XLATE(&t, GVA_PAGE(1), 0, WHvTranslateGvaResultPrivilegeViolation, 0);
	ASSERT_XLATE(&t, GVA_PAGE(1), RD | EXEMPT, WHvTranslateGvaResultSuccess, 0x111000ull);
	ASSERT_XLATE(&t, 0x1000, RD, WHvTranslateGvaResultPrivilegeViolation, 0);
	ASSERT_XLATE(&t, GVA_PAGE(2), WR, WHvTranslateGvaResultPrivilegeViolation, 0);
	/* Without CR0.WP a supervisor may write a read-only page, a user may not. */
	whpt_set64(&t.vm, WHvX64RegisterCr0, 0x80000033);
	ASSERT_XLATE(&t, GVA_PAGE(2), WR, WHvTranslateGvaResultPrivilegeViolation, 0);
	set_cpl(&t, 0);
	ASSERT_XLATE(&t, GVA_PAGE(2), WR, WHvTranslateGvaResultSuccess, 0x112000ull);
	tvm_destroy(&t);
}

Test(translate, guest_stores_land_where_the_translation_says)
{
	struct tvm t;
	uint64_t g1, g2, g3;
	uint32_t v;

	tvm_start(&t, WHPT_LONG64);
	build_long(&t);
	cr_assert_eq(xlate(&t, GVA_PAGE(0) + 0x10, WR, &g1), WHvTranslateGvaResultSuccess);
	cr_assert_eq(xlate(&t, GVA_PAGE(1) + 0x20, WR, &g2), WHvTranslateGvaResultSuccess);
	cr_assert_eq(xlate(&t, GVA_PAGE(3) + 0xFF8, WR, &g3), WHvTranslateGvaResultSuccess);
	guest_store3(&t, GVA_PAGE(0) + 0x10, GVA_PAGE(1) + 0x20, GVA_PAGE(3) + 0xFF8, 0x5A5A1234);
	memcpy(&v, t.extra + (g1 - EXTRA_GPA), 4);
	cr_assert_eq(v, 0x5A5A1234);
	memcpy(&v, t.extra + (g2 - EXTRA_GPA), 4);
	cr_assert_eq(v, 0x5A5A1234);
	memcpy(&v, t.extra + (g3 - EXTRA_GPA), 4);
	cr_assert_eq(v, 0x5A5A1234);
	tvm_destroy(&t);
}

Test(translate, set_page_table_bits)
{
	struct tvm t;
	uint64_t gpa;

	tvm_start(&t, WHPT_LONG64);
	build_long(&t);
	ASSERT_XLATE(&t, GVA_PAGE(2), RD, WHvTranslateGvaResultSuccess, 0x112000ull);
	cr_assert_eq(get64(&t, L_PT + 2 * 8) & (A | D), 0, "no bits without SetPageTableBits");
	ASSERT_XLATE(&t, GVA_PAGE(2), RD | SETBITS, WHvTranslateGvaResultSuccess, 0x112000ull);
	cr_assert_eq(get64(&t, L_PML4) & (A | D), A);
	cr_assert_eq(get64(&t, L_PDPT) & (A | D), A);
	cr_assert_eq(get64(&t, L_PD + 8) & (A | D), A);
	cr_assert_eq(get64(&t, L_PT + 2 * 8) & (A | D), A, "a read sets Accessed only");
	ASSERT_XLATE(&t, GVA_PAGE(0), WR | SETBITS, WHvTranslateGvaResultSuccess, 0x110000ull);
	cr_assert_eq(get64(&t, L_PT) & (A | D), A | D);
	cr_assert_eq(get64(&t, L_PD + 8) & D, 0, "Dirty only in the last entry");
	/* A refused translation sets nothing. */
	ASSERT_XLATE(&t, GVA_PAGE(3), EX | SETBITS, WHvTranslateGvaResultPrivilegeViolation, 0);
	cr_assert_eq(get64(&t, L_PT + 3 * 8) & A, 0);
	/* A large page: Accessed and Dirty in the PDE that maps it. */
	cr_assert_eq(xlate(&t, 0x600000, WR | SETBITS, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(get64(&t, L_PD + 24) & (A | D), A | D);
	tvm_destroy(&t);
}

Test(translate, a_new_vp_without_paging_or_memory)
{
	WHV_PARTITION_HANDLE part;
	WHV_TRANSLATE_GVA_RESULT r;
	WHV_GUEST_PHYSICAL_ADDRESS gpa = 99;

	/* libwhp: current Windows builds return Success with GPA = GVA here. */
	whpt_partition(&part, 1);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(part, 0, 0));
	WHPT_ASSERT_OK(WHvTranslateGva(part, 0, 0, WHvTranslateGvaFlagValidateRead, &r, &gpa));
	cr_assert_eq(r.ResultCode, WHvTranslateGvaResultSuccess);
	cr_assert_eq(gpa, 0);
	WHPT_ASSERT_OK(WHvTranslateGva(part, 0, 0x12345, WHvTranslateGvaFlagNone, &r, &gpa));
	cr_assert_eq(r.ResultCode, WHvTranslateGvaResultSuccess);
	cr_assert_eq(gpa, 0x12345);
	WHPT_ASSERT_HR(WHvTranslateGva(part, 0, 0, WHvTranslateGvaFlagNone, NULL, &gpa), E_POINTER);
	WHPT_ASSERT_HR(WHvTranslateGva(part, 0, 0, WHvTranslateGvaFlagNone, &r, NULL), E_POINTER);
	WHPT_ASSERT_HR(WHvTranslateGva(part, 0, 0, (WHV_TRANSLATE_GVA_FLAGS)0x40, &r, &gpa),
		       E_INVALIDARG);
	WHPT_ASSERT_HR(WHvTranslateGva(part, 1, 0, WHvTranslateGvaFlagNone, &r, &gpa),
		       E_INVALIDARG);
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

/*
 * The legacy paging modes are checked without running the guest: this
 * machine's KVM cannot run a 32-bit guest with paging on (it shuts down at
 * the first instruction; raw KVM does the same). test_translate_paged32.c
 * runs them where the host can.
 *
 * 32-bit paging: PD at 0x105000 with a 4 MiB identity page at 0 (PSE) and
 * PD[1] -> PT 0x106000: GVA 0x400000 -> 0x114000 (user RW), 0x401000 ->
 * 0x115000 (supervisor read-only).
 */
Test(translate, legacy_32bit_paging)
{
	struct tvm t;
	WHV_REGISTER_NAME names[] = { WHvX64RegisterCr3, WHvX64RegisterCr4, WHvX64RegisterCr0 };
	WHV_REGISTER_VALUE vals[3];

	tvm_start(&t, WHPT_PROT32);
	put32(&t, 0x105000, 0 | P | W | PS);
	put32(&t, 0x105004, 0x106000u | P | W | U);
	put32(&t, 0x106000, 0x114000u | P | W | U);
	put32(&t, 0x106004, 0x115000u | P);
	vals[0] = whpt_reg64(0x105000);
	vals[1] = whpt_reg64(0x610);	  /* PSE, OSFXSR, OSXMMEXCPT */
	vals[2] = whpt_reg64(0x80010033); /* PG, WP, NE, ET, MP, PE */
	WHPT_ASSERT_OK(WHvSetVirtualProcessorRegisters(t.vm.part, 0, names, 3, vals));
	ASSERT_XLATE(&t, 0x400010, RD | WR | SETBITS, WHvTranslateGvaResultSuccess, 0x114010ull);
	cr_assert_eq(get32(&t, 0x106000) & (A | D), A | D, "4-byte entries get A and D");
	ASSERT_XLATE(&t, 0x401000, RD, WHvTranslateGvaResultSuccess, 0x115000ull);
	ASSERT_XLATE(&t, 0x401000, WR, WHvTranslateGvaResultPrivilegeViolation, 0);
	ASSERT_XLATE(&t, 0x402000, RD, WHvTranslateGvaResultPageNotPresent, 0);
	ASSERT_XLATE(&t, 0x1234, RD, WHvTranslateGvaResultSuccess, 0x1234ull);
	/* The upper half of a 64-bit GVA is not part of a 32-bit address. */
	ASSERT_XLATE(&t, 0xFFFFFFFF00400010ull, RD, WHvTranslateGvaResultSuccess, 0x114010ull);
	set_cpl(&t, 3);
	ASSERT_XLATE(&t, 0x401000, RD, WHvTranslateGvaResultPrivilegeViolation, 0);
	tvm_destroy(&t);
}

/*
 * PAE paging: PDPT at 0x107000, PDPT[0] -> PD 0x108000 with a 2 MiB identity
 * page at 0 and PD[2] -> PT 0x109000: GVA 0x400000 -> 0x117000 (RW),
 * 0x401000 -> 0x118000 (RW, XD).
 */
Test(translate, pae_paging)
{
	struct tvm t;
	WHV_REGISTER_NAME names[] = { WHvX64RegisterCr3, WHvX64RegisterCr4, WHvX64RegisterEfer,
				      WHvX64RegisterCr0 };
	WHV_REGISTER_VALUE vals[4];

	tvm_start(&t, WHPT_PROT32);
	put64(&t, 0x107000, 0x108000ull | P);
	put64(&t, 0x108000, 0 | P | W | PS);
	put64(&t, 0x108010, 0x109000ull | P | W);
	put64(&t, 0x109000, 0x117000ull | P | W);
	put64(&t, 0x109008, 0x118000ull | P | W | XD);
	vals[0] = whpt_reg64(0x107000);
	vals[1] = whpt_reg64(0x620); /* PAE, OSFXSR, OSXMMEXCPT */
	vals[2] = whpt_reg64(0x800); /* NXE */
	vals[3] = whpt_reg64(0x80010033);
	WHPT_ASSERT_OK(WHvSetVirtualProcessorRegisters(t.vm.part, 0, names, 4, vals));
	ASSERT_XLATE(&t, 0x400008, RD | WR, WHvTranslateGvaResultSuccess, 0x117008ull);
	ASSERT_XLATE(&t, 0x401008, RD | WR, WHvTranslateGvaResultSuccess, 0x118008ull);
	ASSERT_XLATE(&t, 0x401008, EX, WHvTranslateGvaResultPrivilegeViolation, 0);
	ASSERT_XLATE(&t, 0x40000000, RD, WHvTranslateGvaResultPageNotPresent, 0);
	ASSERT_XLATE(&t, 0x2000, RD | SETBITS, WHvTranslateGvaResultSuccess, 0x2000ull);
	cr_assert_eq(get64(&t, 0x107000), 0x108000ull | P, "a PAE PDPTE has no Accessed bit");
	cr_assert_eq(get64(&t, 0x108000) & A, A);
	/* R/W in a PAE PDPTE is a reserved bit. */
	put64(&t, 0x107000, 0x108000ull | P | W);
	ASSERT_XLATE(&t, 0x400008, RD, WHvTranslateGvaResultInvalidPageTableFlags, 0);
	tvm_destroy(&t);
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

Test(translate, a_running_vp_cannot_be_translated_for)
{
	struct tvm t;
	struct spinner s = { &t.vm, E_FAIL };
	WHV_TRANSLATE_GVA_RESULT r;
	WHV_GUEST_PHYSICAL_ADDRESS gpa;
	HRESULT hr = S_OK;
	pthread_t th;
	int i;

	tvm_start(&t, WHPT_LONG64);
	whpt_goto(&t.vm, ST_SPIN);
	cr_assert_eq(pthread_create(&th, NULL, spin_run, &s), 0);
	for (i = 0; i < 5000; i++) {
		hr = WHvTranslateGva(t.vm.part, 0, 0x1000, WHvTranslateGvaFlagNone, &r, &gpa);
		if (hr == WHV_E_INVALID_VP_STATE)
			break;
		WHPT_ASSERT_OK(hr);
		usleep(1000);
	}
	WHPT_ASSERT_HR(hr, WHV_E_INVALID_VP_STATE);
	WHPT_ASSERT_OK(WHvCancelRunVirtualProcessor(t.vm.part, 0, 0));
	pthread_join(th, NULL);
	WHPT_ASSERT_OK(s.hr);
	tvm_destroy(&t);
}
