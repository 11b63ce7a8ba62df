/* test_gva_walk.c: the page walker behind WHvTranslateGva and instruction fetch, on fake memory. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "WinHvPlatform.h"
#include "gva.h"

/*
 * Guest memory: 4 MiB of bytes with per-page WHV_MAP_GPA_RANGE_FLAGS (-1 =
 * unmapped). Page tables are built by each test at fixed addresses:
 * level tables at 0x1000.. and data pages from 0x100000.
 */
#define MEM_SIZE (4u << 20)
#define NPAGES	 (MEM_SIZE / 4096)
static uint8_t mem[MEM_SIZE] __attribute__((aligned(4096)));
static int pflags[NPAGES];

#define RWX (WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagWrite | WHvMapGpaRangeFlagExecute)
#define RX  (WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagExecute)

static int fake_flags(void *owner, uint64_t gpa)
{
	(void)owner;
	return gpa < MEM_SIZE ? pflags[gpa / 4096] : -1;
}

static int fake_access(uint64_t gpa, uint32_t len, int need)
{
	uint64_t a;

	for (a = gpa; a < gpa + len; a++) {
		int f = fake_flags(NULL, a);

		if (f < 0 || (f & need) != need)
			return -EFAULT;
	}
	return 0;
}

static int fake_read(void *owner, uint64_t gpa, void *buf, uint32_t len)
{
	(void)owner;
	if (fake_access(gpa, len, WHvMapGpaRangeFlagRead))
		return -EFAULT;
	memcpy(buf, mem + gpa, len);
	return 0;
}

static int fake_write(void *owner, uint64_t gpa, const void *buf, uint32_t len)
{
	(void)owner;
	if (fake_access(gpa, len, WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagWrite))
		return -EFAULT;
	memcpy(mem + gpa, buf, len);
	return 0;
}

static const struct gva_mem fmem = { NULL, fake_read, fake_write, fake_flags };

static void setup(void)
{
	unsigned int i;

	memset(mem, 0, sizeof(mem));
	for (i = 0; i < NPAGES; i++)
		pflags[i] = RWX;
}

TestSuite(gva, .init = setup);

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(mem + gpa, &v, 8);
}

static void put32(uint64_t gpa, uint32_t v)
{
	memcpy(mem + gpa, &v, 4);
}

static uint64_t get64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, mem + gpa, 8);
	return v;
}

#define P  1ull
#define W  (1ull << 1)
#define U  (1ull << 2)
#define A  (1ull << 5)
#define D  (1ull << 6)
#define PS (1ull << 7)
#define XD (1ull << 63)

#define CR0_PE	  1ull
#define CR0_WP	  (1ull << 16)
#define CR0_PG	  (1ull << 31)
#define CR4_PSE	  (1ull << 4)
#define CR4_PAE	  (1ull << 5)
#define CR4_LA57  (1ull << 12)
#define CR4_SMEP  (1ull << 20)
#define CR4_SMAP  (1ull << 21)
#define EFER_LME  (1ull << 8)
#define EFER_LMA  (1ull << 10)
#define EFER_NXE  (1ull << 11)
#define RFLAGS_AC (1ull << 18)

/* 4-level tables: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000. */
#define PML4 0x1000ull
#define PDPT 0x2000ull
#define PD   0x3000ull
#define PT   0x4000ull
#define DATA 0x100000ull

static struct gva_cpu cpu64(void)
{
	struct gva_cpu c = {
		.ctl = { CR0_PE | CR0_PG | CR0_WP, PML4, CR4_PAE, EFER_LME | EFER_LMA | EFER_NXE },
		.rflags = 2,
		.cpl = 0,
		.maxphyaddr = 39,
		.gbpages = true,
	};
	return c;
}

/* GVA 0x0000_7F80_4020_3000 walks PML4[255] PDPT[1] PD[1] PT[3]. */
#define GVA64 ((255ull << 39) | (1ull << 30) | (1ull << 21) | (3ull << 12))

static void map64(uint64_t leaf_bits, uint64_t upper_bits)
{
	put64(PML4 + 255 * 8, PDPT | P | upper_bits);
	put64(PDPT + 1 * 8, PD | P | upper_bits);
	put64(PD + 1 * 8, PT | P | upper_bits);
	put64(PT + 3 * 8, DATA | P | leaf_bits);
}

static uint32_t xlate(const struct gva_cpu *c, uint64_t gva, uint32_t flags, uint64_t *gpa)
{
	return gva_translate(c, gva, flags, &fmem, gpa);
}

#define RD	WHvTranslateGvaFlagValidateRead
#define WR	WHvTranslateGvaFlagValidateWrite
#define EX	WHvTranslateGvaFlagValidateExecute
#define EXEMPT	WHvTranslateGvaFlagPrivilegeExempt
#define SETBITS WHvTranslateGvaFlagSetPageTableBits

Test(gva, paging_off_is_identity_truncated_outside_long_mode)
{
	struct gva_cpu c = cpu64();
	uint64_t gpa = 1;

	c.ctl.cr0 = CR0_PE;
	c.ctl.efer = 0;
	cr_assert_eq(xlate(&c, 0x123456789ull, RD | WR | EX, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(gpa, 0x23456789ull);
	/* Nothing is checked against the map without paging: GPA 0x3F000000 is unmapped. */
	cr_assert_eq(xlate(&c, 0x3F000000ull, RD, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(gpa, 0x3F000000ull);
}

Test(gva, four_level_4k_page)
{
	struct gva_cpu c = cpu64();
	uint64_t gpa = 0;

	map64(W | U, W | U);
	cr_assert_eq(xlate(&c, GVA64 + 0x123, RD | WR, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(gpa, DATA + 0x123);
	/* No SetPageTableBits: the tables are untouched. */
	cr_assert_eq(get64(PT + 3 * 8) & (A | D), 0);
}

Test(gva, not_present_at_each_level)
{
	struct gva_cpu c = cpu64();
	uint64_t addrs[4] = { PML4 + 255 * 8, PDPT + 8, PD + 8, PT + 3 * 8 };
	uint64_t gpa = 7;
	int i;

	for (i = 0; i < 4; i++) {
		map64(W, W);
		put64(addrs[i], get64(addrs[i]) & ~P);
		cr_assert_eq(xlate(&c, GVA64, RD, &gpa), WHvTranslateGvaResultPageNotPresent,
			     "level %d", 4 - i);
		cr_assert_eq(gpa, 0);
	}
}

Test(gva, large_pages_2m_and_1g)
{
	struct gva_cpu c = cpu64();
	uint64_t gpa = 0;

	map64(W, W);
	put64(PD + 8, 0x200000ull | P | W | PS);
	cr_assert_eq(xlate(&c, GVA64 + 0x45, RD, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(gpa, 0x200000ull + (3ull << 12) + 0x45);
	put64(PDPT + 8, 0x40000000ull | P | W | PS);
	cr_assert_eq(xlate(&c, GVA64 + 0x45, RD, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(gpa, 0x40000000ull + (1ull << 21) + (3ull << 12) + 0x45);
	/* Without 1 GiB pages in CPUID, PS in a PDPTE is a reserved bit. */
	c.gbpages = false;
	cr_assert_eq(xlate(&c, GVA64, RD, &gpa), WHvTranslateGvaResultInvalidPageTableFlags);
}

Test(gva, reserved_bits)
{
	struct gva_cpu c = cpu64();
	uint64_t gpa;

	/* An address bit above MAXPHYADDR (39) in the PTE. */
	map64(W, W);
	put64(PT + 3 * 8, get64(PT + 3 * 8) | (1ull << 40));
	cr_assert_eq(xlate(&c, GVA64, 0, &gpa), WHvTranslateGvaResultInvalidPageTableFlags);
	/* ...is a valid address bit with MAXPHYADDR 46. */
	c.maxphyaddr = 46;
	cr_assert_eq(xlate(&c, GVA64, 0, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(gpa, DATA | (1ull << 40));
	/* PS in a PML4E. */
	map64(W, W);
	put64(PML4 + 255 * 8, get64(PML4 + 255 * 8) | PS);
	cr_assert_eq(xlate(&c, GVA64, 0, &gpa), WHvTranslateGvaResultInvalidPageTableFlags);
	/* Bits 20:13 of a 2 MiB PDE. */
	map64(W, W);
	put64(PD + 8, 0x200000ull | P | PS | (1ull << 13));
	cr_assert_eq(xlate(&c, GVA64, 0, &gpa), WHvTranslateGvaResultInvalidPageTableFlags);
	/* XD without EFER.NXE. */
	map64(W | XD, W);
	c.ctl.efer &= ~EFER_NXE;
	cr_assert_eq(xlate(&c, GVA64, 0, &gpa), WHvTranslateGvaResultInvalidPageTableFlags);
	/* Not present wins over reserved bits (they are only checked with P=1). */
	map64(W, W);
	put64(PT + 3 * 8, (1ull << 40) | W);
	cr_assert_eq(xlate(&c, GVA64, 0, &gpa), WHvTranslateGvaResultPageNotPresent);
}

Test(gva, non_canonical_address)
{
	struct gva_cpu c = cpu64();
	uint64_t gpa;

	map64(W, W);
	cr_assert_eq(xlate(&c, 0x0000800000000000ull, 0, &gpa),
		     WHvTranslateGvaResultInvalidPageTableFlags);
	cr_assert_eq(xlate(&c, GVA64 | 0xFFFF000000000000ull, 0, &gpa),
		     WHvTranslateGvaResultInvalidPageTableFlags);
}

Test(gva, user_and_supervisor)
{
	struct gva_cpu c = cpu64();
	uint64_t gpa;

	map64(W, W | U); /* supervisor page */
	c.cpl = 3;
	cr_assert_eq(xlate(&c, GVA64, RD, &gpa), WHvTranslateGvaResultPrivilegeViolation);
	cr_assert_eq(xlate(&c, GVA64, 0, &gpa), WHvTranslateGvaResultPrivilegeViolation);
	cr_assert_eq(xlate(&c, GVA64, RD | EXEMPT, &gpa), WHvTranslateGvaResultSuccess);
	c.cpl = 0;
	cr_assert_eq(xlate(&c, GVA64, RD, &gpa), WHvTranslateGvaResultSuccess);
	/* U=0 at an upper level makes the whole page supervisor-only. */
	map64(W | U, W | U);
	put64(PDPT + 8, get64(PDPT + 8) & ~U);
	c.cpl = 3;
	cr_assert_eq(xlate(&c, GVA64, RD, &gpa), WHvTranslateGvaResultPrivilegeViolation);
	put64(PDPT + 8, get64(PDPT + 8) | U);
	cr_assert_eq(xlate(&c, GVA64, RD, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(gpa, DATA);
}

Test(gva, write_needs_rw_and_cr0_wp)
{
	struct gva_cpu c = cpu64();
	uint64_t gpa;

	map64(U, W | U); /* read-only user page */
	cr_assert_eq(xlate(&c, GVA64, RD, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(xlate(&c, GVA64, WR, &gpa), WHvTranslateGvaResultPrivilegeViolation);
	c.ctl.cr0 &= ~CR0_WP; /* supervisor writes ignore R/W without WP */
	cr_assert_eq(xlate(&c, GVA64, WR, &gpa), WHvTranslateGvaResultSuccess);
	c.cpl = 3; /* but user writes never do */
	cr_assert_eq(xlate(&c, GVA64, WR, &gpa), WHvTranslateGvaResultPrivilegeViolation);
	/* R/W=0 at an upper level counts as well. */
	map64(W | U, W | U);
	put64(PD + 8, get64(PD + 8) & ~W);
	cr_assert_eq(xlate(&c, GVA64, WR, &gpa), WHvTranslateGvaResultPrivilegeViolation);
}

Test(gva, execute_needs_no_xd)
{
	struct gva_cpu c = cpu64();
	uint64_t gpa;

	map64(W | XD, W);
	cr_assert_eq(xlate(&c, GVA64, RD, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(xlate(&c, GVA64, EX, &gpa), WHvTranslateGvaResultPrivilegeViolation);
	map64(W, W);
	put64(PML4 + 255 * 8, get64(PML4 + 255 * 8) | XD);
	cr_assert_eq(xlate(&c, GVA64, EX, &gpa), WHvTranslateGvaResultPrivilegeViolation);
	map64(W, W);
	cr_assert_eq(xlate(&c, GVA64, EX, &gpa), WHvTranslateGvaResultSuccess);
}

Test(gva, smep_and_smap)
{
	struct gva_cpu c = cpu64();
	uint64_t gpa;

	map64(W | U, W | U); /* user page, supervisor access (CPL 0) */
	cr_assert_eq(xlate(&c, GVA64, EX | RD, &gpa), WHvTranslateGvaResultSuccess);
	c.ctl.cr4 |= CR4_SMEP;
	cr_assert_eq(xlate(&c, GVA64, EX, &gpa), WHvTranslateGvaResultPrivilegeViolation);
	cr_assert_eq(xlate(&c, GVA64, RD, &gpa), WHvTranslateGvaResultSuccess);
	c.ctl.cr4 = CR4_PAE | CR4_SMAP;
	cr_assert_eq(xlate(&c, GVA64, RD, &gpa), WHvTranslateGvaResultPrivilegeViolation);
	cr_assert_eq(xlate(&c, GVA64, WR, &gpa), WHvTranslateGvaResultPrivilegeViolation);
	cr_assert_eq(xlate(&c, GVA64, EX, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(xlate(&c, GVA64, RD | WHvTranslateGvaFlagOverrideSmap, &gpa),
		     WHvTranslateGvaResultSuccess);
	c.rflags |= RFLAGS_AC; /* AC lifts SMAP for explicit accesses... */
	cr_assert_eq(xlate(&c, GVA64, RD, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(xlate(&c, GVA64, RD | WHvTranslateGvaFlagEnforceSmap, &gpa),
		     WHvTranslateGvaResultPrivilegeViolation);
	/* ...and a page that is supervisor at some level is no user page at all. */
	c.rflags &= ~RFLAGS_AC;
	put64(PD + 8, get64(PD + 8) & ~U);
	cr_assert_eq(xlate(&c, GVA64, RD, &gpa), WHvTranslateGvaResultSuccess);
}

Test(gva, paging_structures_outside_memory)
{
	struct gva_cpu c = cpu64();
	uint64_t gpa;

	map64(W, W);
	put64(PD + 8, 0x7000000ull | P | W); /* PT beyond the 4 MiB of memory */
	cr_assert_eq(xlate(&c, GVA64, RD, &gpa), WHvTranslateGvaResultGpaUnmapped);
	map64(W, W);
	pflags[PT / 4096] = WHvMapGpaRangeFlagExecute; /* mapped, but not readable */
	cr_assert_eq(xlate(&c, GVA64, RD, &gpa), WHvTranslateGvaResultGpaNoReadAccess);
	/* The final address is not checked: MMIO pages translate too. */
	pflags[PT / 4096] = RWX;
	put64(PT + 3 * 8, 0x7000000ull | P | W);
	cr_assert_eq(xlate(&c, GVA64, RD | WR, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(gpa, 0x7000000ull);
}

Test(gva, set_page_table_bits)
{
	struct gva_cpu c = cpu64();
	uint64_t gpa;

	map64(W, W);
	cr_assert_eq(xlate(&c, GVA64, RD | SETBITS, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(get64(PML4 + 255 * 8) & (A | D), A);
	cr_assert_eq(get64(PDPT + 8) & (A | D), A);
	cr_assert_eq(get64(PD + 8) & (A | D), A);
	cr_assert_eq(get64(PT + 3 * 8) & (A | D), A, "a read sets no Dirty bit");
	cr_assert_eq(xlate(&c, GVA64, WR | SETBITS, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(get64(PT + 3 * 8) & (A | D), A | D);
	cr_assert_eq(get64(PD + 8) & D, 0, "Dirty is set in the last entry only");
	/* A failed check sets nothing. */
	map64(0, W);
	cr_assert_eq(xlate(&c, GVA64, WR | SETBITS, &gpa), WHvTranslateGvaResultPrivilegeViolation);
	cr_assert_eq(get64(PML4 + 255 * 8) & A, 0);
	/* Tables that cannot be written: GpaNoWriteAccess. */
	map64(W, W);
	pflags[PD / 4096] = RX;
	cr_assert_eq(xlate(&c, GVA64, RD | SETBITS, &gpa), WHvTranslateGvaResultGpaNoWriteAccess);
}

Test(gva, five_level)
{
	struct gva_cpu c = cpu64();
	uint64_t gva = (3ull << 48) | GVA64, gpa;

	c.ctl.cr4 |= CR4_LA57;
	c.ctl.cr3 = 0x5000;
	map64(W, W);
	put64(0x5000 + 3 * 8, PML4 | P | W);
	cr_assert_eq(xlate(&c, gva + 9, RD, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(gpa, DATA + 9);
	/* 57-bit canonical: bit 56 sign-extends. */
	cr_assert_eq(xlate(&c, 1ull << 56, RD, &gpa), WHvTranslateGvaResultInvalidPageTableFlags);
}

Test(gva, pae_paging)
{
	struct gva_cpu c = cpu64();
	uint64_t gva = (2ull << 30) | (5ull << 21) | (7ull << 12) | 0x10, gpa;

	c.ctl.cr3 = PDPT + 0x20; /* PDPT at CR3[31:5] */
	c.ctl.efer = EFER_NXE;
	put64(PDPT + 0x20 + 2 * 8, PD | P);
	put64(PD + 5 * 8, PT | P | W | U);
	put64(PT + 7 * 8, DATA | P | W | U);
	cr_assert_eq(xlate(&c, gva, RD | WR | EX | SETBITS, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(gpa, DATA + 0x10);
	/* The PDPTE has no Accessed bit (bit 5 is reserved there). */
	cr_assert_eq(get64(PDPT + 0x20 + 2 * 8), PD | P);
	cr_assert_eq(get64(PD + 5 * 8) & A, A);
	/* Upper 32 bits of the GVA are dropped. */
	cr_assert_eq(xlate(&c, gva | (1ull << 40), RD, &gpa), WHvTranslateGvaResultSuccess);
	/* Reserved PDPTE bits 2:1 (R/W and U/S do not exist there). */
	put64(PDPT + 0x20 + 2 * 8, PD | P | W);
	cr_assert_eq(xlate(&c, gva, RD, &gpa), WHvTranslateGvaResultInvalidPageTableFlags);
	put64(PDPT + 0x20 + 2 * 8, PD | P);
	/* PAE entries reserve bits 62:MAXPHYADDR (IA-32e paging ignores 62:52). */
	put64(PT + 7 * 8, DATA | P | W | (1ull << 60));
	cr_assert_eq(xlate(&c, gva, RD, &gpa), WHvTranslateGvaResultInvalidPageTableFlags);
	/* XD: fetches fail with NXE, the bit is reserved without it. */
	put64(PT + 7 * 8, DATA | P | W | XD);
	cr_assert_eq(xlate(&c, gva, EX, &gpa), WHvTranslateGvaResultPrivilegeViolation);
	c.ctl.efer = 0;
	cr_assert_eq(xlate(&c, gva, RD, &gpa), WHvTranslateGvaResultInvalidPageTableFlags);
	/* A 2 MiB page. */
	put64(PD + 5 * 8, 0x200000ull | P | W | PS);
	cr_assert_eq(xlate(&c, gva, RD, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(gpa, 0x200000ull + (7ull << 12) + 0x10);
}

Test(gva, legacy_32bit_paging)
{
	struct gva_cpu c = cpu64();
	uint32_t gva = (3u << 22) | (9u << 12) | 0x44;
	uint64_t gpa;

	c.ctl.cr4 = 0;
	c.ctl.efer = 0;
	c.ctl.cr3 = PD;
	put32(PD + 3 * 4, (uint32_t)PT | P | W | U);
	put32(PT + 9 * 4, (uint32_t)DATA | P | U);
	cr_assert_eq(xlate(&c, gva, RD | SETBITS, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(gpa, DATA + 0x44);
	cr_assert_eq(mem[PT + 9 * 4] & A, A, "4-byte entries get their Accessed bit");
	c.cpl = 3;
	cr_assert_eq(xlate(&c, gva, WR, &gpa), WHvTranslateGvaResultPrivilegeViolation);
	/* PS without CR4.PSE: the PDE still points to a page table. */
	put32(PD + 3 * 4, (uint32_t)PT | P | W | U | PS);
	cr_assert_eq(xlate(&c, gva, RD, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(gpa, DATA + 0x44);
	/* With CR4.PSE a 4 MiB page, PSE-36 address bits 39:32 in PDE bits 20:13. */
	c.ctl.cr4 = CR4_PSE;
	put32(PD + 3 * 4, 0x00C00000u | (0x5u << 13) | P | W | U | PS);
	cr_assert_eq(xlate(&c, gva, RD, &gpa), WHvTranslateGvaResultSuccess);
	cr_assert_eq(gpa, 0x500C00000ull + (9u << 12) + 0x44);
	/* Bit 21 of a 4 MiB PDE is reserved. */
	put32(PD + 3 * 4, 0x00C00000u | (1u << 21) | P | W | U | PS);
	cr_assert_eq(xlate(&c, gva, RD, &gpa), WHvTranslateGvaResultInvalidPageTableFlags);
}

Test(gva, gva_walk_keeps_its_lenient_contract)
{
	struct gva_ctl ctl = { CR0_PE | CR0_PG, PML4, CR4_PAE, EFER_LME | EFER_LMA };
	uint64_t gpa = 0;

	/* Reserved bits, XD without NXE and PS in a PML4E do not stop the fetch walker. */
	map64(W | XD, W);
	put64(PT + 3 * 8, get64(PT + 3 * 8) | (1ull << 45));
	cr_assert_eq(gva_walk(&ctl, GVA64 + 1, fake_read, NULL, &gpa), GVA_OK);
	cr_assert_eq(gpa, (DATA | (1ull << 45)) + 1);
	put64(PT + 3 * 8, 0);
	cr_assert_eq(gva_walk(&ctl, GVA64, fake_read, NULL, &gpa), GVA_NOT_PRESENT);
	put64(PD + 8, 0x7000000ull | P);
	cr_assert_eq(gva_walk(&ctl, GVA64, fake_read, NULL, &gpa), GVA_GPA_UNMAPPED);
	cr_assert_eq(gva_walk(&ctl, 0x0000800000000000ull, fake_read, NULL, &gpa),
		     GVA_NONCANONICAL);
	ctl.cr0 = CR0_PE;
	cr_assert_eq(gva_walk(&ctl, 0x1234, fake_read, NULL, &gpa), GVA_OK);
	cr_assert_eq(gpa, 0x1234);
}
