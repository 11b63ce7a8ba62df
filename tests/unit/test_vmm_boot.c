/* test_vmm_boot.c: GDT encoding, identity page tables, flat-image checks and initial CPU state. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vmm/boot/flat.h"
#include "vmm/boot/x86_setup.h"
#include "vmm/error.h"

#define TEST_RAM (64 * 1024)

static uint8_t *test_mem;
static struct ram test_ram;

static void setup(void)
{
	test_mem = aligned_alloc(4096, TEST_RAM);
	cr_assert_not_null(test_mem);
	memset(test_mem, 0xcc, TEST_RAM); /* garbage the builder must clear */
	ram_wrap(&test_ram, test_mem, TEST_RAM);
}

static void teardown(void)
{
	free(test_mem);
}

static uint64_t rd64(uint64_t gpa)
{
	uint64_t v = 0;

	cr_assert_eq(ram_read(&test_ram, gpa, &v, 8), 0, "read at 0x%llx", (unsigned long long)gpa);
	return v;
}

/*
 * Independent 4-level walk (Intel SDM vol. 3A, 4.5): returns 1 and the
 * physical address when (va) is mapped by a 2 MiB page, 0 otherwise.
 */
static int walk(uint64_t cr3, uint64_t va, uint64_t *pa)
{
	const uint64_t addr = 0x000ffffffffff000ull;
	uint64_t e;

	e = rd64((cr3 & addr) + ((va >> 39) & 511) * 8);
	if (!(e & X86_PTE_P))
		return 0;
	cr_assert(e & X86_PTE_RW);
	e = rd64((e & addr) + ((va >> 30) & 511) * 8);
	if (!(e & X86_PTE_P))
		return 0;
	cr_assert(!(e & X86_PTE_PS), "no 1 GiB pages expected");
	e = rd64((e & addr) + ((va >> 21) & 511) * 8);
	if (!(e & X86_PTE_P))
		return 0;
	cr_assert(e & X86_PTE_PS, "PDE must map a 2 MiB page");
	cr_assert(e & X86_PTE_RW);
	*pa = (e & 0x000fffffffe00000ull) | (va & (X86_2M - 1));
	return 1;
}

Test(vmm_boot, gdt_descriptors_match_the_well_known_encodings)
{
	/* The flat descriptors every x86 boot loader uses. */
	cr_assert_eq(x86_gdt_descriptor(0, 0xfffff, X86_ATTR_CODE64), 0x00af9b000000ffffull);
	cr_assert_eq(x86_gdt_descriptor(0, 0xfffff, X86_ATTR_CODE32), 0x00cf9b000000ffffull);
	cr_assert_eq(x86_gdt_descriptor(0, 0xfffff, X86_ATTR_DATA32), 0x00cf93000000ffffull);
	/* Base and limit are split across the descriptor. */
	cr_assert_eq(x86_gdt_descriptor(0x12345678, 0xabcde, 0x93), 0x120a93345678bcdeull);
}

Test(vmm_boot, gdt_is_written_with_its_selectors, .init = setup, .fini = teardown)
{
	cr_assert_eq(x86_gdt_write(&test_ram, BOOT_GDT_GPA), X86_GDT_ENTRIES * 8 - 1);
	cr_assert_eq(rd64(BOOT_GDT_GPA), 0);
	cr_assert_eq(rd64(BOOT_GDT_GPA + X86_GDT_SEL_CODE64), 0x00af9b000000ffffull);
	cr_assert_eq(rd64(BOOT_GDT_GPA + X86_GDT_SEL_CODE32), 0x00cf9b000000ffffull);
	cr_assert_eq(rd64(BOOT_GDT_GPA + X86_GDT_SEL_DATA), 0x00cf93000000ffffull);
	cr_assert_eq(x86_gdt_write(&test_ram, TEST_RAM - 8), -EFAULT);
}

Test(vmm_boot, identity_map_covers_exactly_the_rounded_size, .init = setup, .fini = teardown)
{
	const uint64_t size = 3 * X86_1G + 5 * X86_2M + 1; /* -> 3 GiB + 12 MiB */
	const uint64_t end = 3 * X86_1G + 6 * X86_2M;
	static const uint64_t probes[] = {
		0,	    0x1000,  0x1fffff,
		0x200000,   0x7c00,  0x100000,
		X86_1G - 1, X86_1G,  2 * X86_1G + 0x12345,
		3 * X86_1G, end - 1,
	};
	uint64_t pa, i;

	cr_assert_eq(x86_identity_map_pds(size), 4);
	cr_assert_eq(x86_identity_map(&test_ram, 0x1000, 0x2000, 0x3000, size), 0);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		cr_assert(walk(0x1000, probes[i], &pa), "0x%llx unmapped",
			  (unsigned long long)probes[i]);
		cr_assert_eq(pa, probes[i]);
	}
	cr_assert_not(walk(0x1000, end, &pa));		/* next 2 MiB page */
	cr_assert_not(walk(0x1000, 4 * X86_1G, &pa));	/* next PDPT entry */
	cr_assert_not(walk(0x1000, 512 * X86_1G, &pa)); /* next PML4 entry */
	/* Nothing was written past the last page directory. */
	cr_assert_eq(test_mem[0x7000], 0xcc);
	cr_assert_eq(test_mem[0xfff], 0xcc);
}

Test(vmm_boot, identity_map_of_a_small_guest, .init = setup, .fini = teardown)
{
	uint64_t pa;

	cr_assert_eq(x86_identity_map_pds(1), 1);
	cr_assert_eq(x86_identity_map(&test_ram, 0x1000, 0x2000, 0x3000, 1), 0);
	cr_assert(walk(0x1000, 0x1fffff, &pa));
	cr_assert_eq(pa, 0x1fffff);
	cr_assert_not(walk(0x1000, 0x200000, &pa));
	cr_assert_eq(test_mem[0x4000], 0xcc); /* only one PD page touched */
}

Test(vmm_boot, identity_map_rejects_bad_arguments, .init = setup, .fini = teardown)
{
	cr_assert_eq(x86_identity_map(&test_ram, 0x1000, 0x2000, 0x3000, 0), -EINVAL);
	cr_assert_eq(x86_identity_map(&test_ram, 0x1001, 0x2000, 0x3000, X86_2M), -EINVAL);
	cr_assert_eq(x86_identity_map(&test_ram, 0x1000, 0x2000, 0x3000, 513 * X86_1G), -EINVAL);
	/* 16 PDs at 0x3000 would end at 0x13000, past the 64 KiB of RAM. */
	cr_assert_eq(x86_identity_map(&test_ram, 0x1000, 0x2000, 0x3000, 16 * X86_1G), -EFAULT);
	cr_assert_eq(test_mem[0x1000], 0xcc, "nothing written on failure");
	cr_assert_eq(x86_identity_map(&test_ram, TEST_RAM, 0x2000, 0x3000, X86_2M), -EFAULT);
}

static const WHV_REGISTER_VALUE *find_reg(const struct flat_regs *r, WHV_REGISTER_NAME name)
{
	unsigned int i;

	for (i = 0; i < r->count; i++)
		if (r->names[i] == name)
			return &r->values[i];
	cr_assert_fail("register 0x%x not in the list", (unsigned int)name);
	return NULL;
}

Test(vmm_boot, long_mode_state)
{
	struct flat_image img = { .mode = BOOT_MODE_LONG, .entry = 0x100000 };
	struct flat_regs r;
	const WHV_REGISTER_VALUE *cs, *ss;

	flat_cpu_state(&r, &img);
	cs = find_reg(&r, WHvX64RegisterCs);
	cr_assert_eq(cs->Segment.Selector, X86_GDT_SEL_CODE64);
	cr_assert_eq(cs->Segment.Long, 1);
	cr_assert_eq(cs->Segment.Default, 0); /* L=1 requires D=0 */
	cr_assert_eq(cs->Segment.Present, 1);
	ss = find_reg(&r, WHvX64RegisterSs);
	cr_assert_eq(ss->Segment.Selector, X86_GDT_SEL_DATA);
	cr_assert_eq(find_reg(&r, WHvX64RegisterRip)->Reg64, 0x100000);
	cr_assert_eq(find_reg(&r, WHvX64RegisterRsp)->Reg64, BOOT_STACK_TOP);
	cr_assert_eq(find_reg(&r, WHvX64RegisterRflags)->Reg64, 2);
	cr_assert_eq(find_reg(&r, WHvX64RegisterCr3)->Reg64, BOOT_PML4_GPA);
	cr_assert_eq(find_reg(&r, WHvX64RegisterCr4)->Reg64 & X86_CR4_PAE, X86_CR4_PAE);
	cr_assert_eq(find_reg(&r, WHvX64RegisterEfer)->Reg64, X86_EFER_LME | X86_EFER_LMA);
	cr_assert_eq(find_reg(&r, WHvX64RegisterCr0)->Reg64 & (X86_CR0_PE | X86_CR0_PG),
		     X86_CR0_PE | X86_CR0_PG);
	cr_assert_eq(find_reg(&r, WHvX64RegisterGdtr)->Table.Base, BOOT_GDT_GPA);
	cr_assert_eq(find_reg(&r, WHvX64RegisterGdtr)->Table.Limit, X86_GDT_ENTRIES * 8 - 1);
	cr_assert_eq(find_reg(&r, WHvX64RegisterIdtr)->Table.Limit, 0);
}

Test(vmm_boot, protected_mode_state)
{
	struct flat_image img = { .mode = BOOT_MODE_PROTECTED, .entry = 0x200010 };
	struct flat_regs r;
	const WHV_REGISTER_VALUE *cs, *ds;

	flat_cpu_state(&r, &img);
	cs = find_reg(&r, WHvX64RegisterCs);
	cr_assert_eq(cs->Segment.Selector, X86_GDT_SEL_CODE32);
	cr_assert_eq(cs->Segment.Default, 1);
	cr_assert_eq(cs->Segment.Long, 0);
	cr_assert_eq(cs->Segment.Limit, 0xffffffffu);
	ds = find_reg(&r, WHvX64RegisterDs);
	cr_assert_eq(ds->Segment.Attributes, X86_ATTR_DATA32);
	cr_assert_eq(find_reg(&r, WHvX64RegisterRip)->Reg64, 0x200010);
	cr_assert_eq(find_reg(&r, WHvX64RegisterCr0)->Reg64 & (X86_CR0_PE | X86_CR0_PG),
		     X86_CR0_PE);
	cr_assert_eq(find_reg(&r, WHvX64RegisterEfer)->Reg64, 0);
}

Test(vmm_boot, real_mode_state_reaches_any_entry_below_1m)
{
	struct flat_image img = { .mode = BOOT_MODE_REAL, .entry = 0x12345 };
	struct flat_regs r;
	const WHV_REGISTER_VALUE *cs, *es, *ss;

	flat_cpu_state(&r, &img);
	cs = find_reg(&r, WHvX64RegisterCs);
	cr_assert_eq(cs->Segment.Selector, 0x1000);
	cr_assert_eq(cs->Segment.Base, 0x10000);
	cr_assert_eq(cs->Segment.Limit, 0xffff);
	cr_assert_eq(cs->Segment.Default, 0);
	cr_assert_eq(find_reg(&r, WHvX64RegisterRip)->Reg64, 0x2345);
	cr_assert_eq(cs->Segment.Base + find_reg(&r, WHvX64RegisterRip)->Reg64, 0x12345);
	es = find_reg(&r, WHvX64RegisterEs);
	cr_assert_eq(es->Segment.Selector, 0x1000);
	ss = find_reg(&r, WHvX64RegisterSs);
	cr_assert_eq(ss->Segment.Base, 0);
	cr_assert_eq(find_reg(&r, WHvX64RegisterCr0)->Reg64 & X86_CR0_PE, 0);
	cr_assert_eq(find_reg(&r, WHvX64RegisterIdtr)->Table.Limit, 0x3ff);
}

Test(vmm_boot, flat_check_names_layout_problems)
{
	static const uint8_t code[16];
	struct flat_image img = { .data = code,
				  .size = sizeof(code),
				  .mode = BOOT_MODE_LONG,
				  .load = 0x100000,
				  .entry = 0x100000 };
	const uint64_t mem = 2 << 20;

	cr_assert_eq(flat_check(&img, mem), 0);

	img.load = mem - 8; /* runs off the end of RAM */
	cr_assert_eq(flat_check(&img, mem), -EINVAL);
	cr_assert(strstr(vmm_error(), "does not fit"), "%s", vmm_error());

	img.load = UINT64_MAX - 4; /* load + size overflows */
	cr_assert_eq(flat_check(&img, mem), -EINVAL);

	img.load = 0x1000; /* on the page tables */
	cr_assert_eq(flat_check(&img, mem), -EINVAL);
	cr_assert(strstr(vmm_error(), "boot area"), "%s", vmm_error());
	img.mode = BOOT_MODE_REAL; /* real mode has no boot area */
	img.entry = 0x1000;
	cr_assert_eq(flat_check(&img, mem), 0);

	img.load = BOOT_AREA_END;
	img.mode = BOOT_MODE_PROTECTED;
	img.entry = mem; /* entry just past RAM */
	cr_assert_eq(flat_check(&img, mem), -EINVAL);
	cr_assert(strstr(vmm_error(), "entry point"), "%s", vmm_error());

	img.mode = BOOT_MODE_REAL;
	img.entry = 0x100000;
	cr_assert_eq(flat_check(&img, mem), -EINVAL);
	cr_assert(strstr(vmm_error(), "below 1 MiB"), "%s", vmm_error());

	img.size = 0;
	img.entry = 0x7c00;
	cr_assert_eq(flat_check(&img, mem), -EINVAL);
}

Test(vmm_boot, flat_load_writes_image_and_boot_structures, .init = setup, .fini = teardown)
{
	static const uint8_t code[4] = { 0xf4, 0xeb, 0xfd, 0x90 };
	struct flat_image img = { .data = code,
				  .size = sizeof(code),
				  .mode = BOOT_MODE_LONG,
				  .load = 0x8000,
				  .entry = 0x8000 };
	uint64_t pa;

	cr_assert_eq(flat_load(&test_ram, &img), 0, "%s", vmm_error());
	cr_assert_eq(memcmp(test_mem + 0x8000, code, sizeof(code)), 0);
	cr_assert_eq(rd64(BOOT_GDT_GPA + X86_GDT_SEL_CODE64), 0x00af9b000000ffffull);
	cr_assert(walk(BOOT_PML4_GPA, 0x8000, &pa));
	cr_assert_eq(pa, 0x8000);

	/* Real mode touches nothing but the image. */
	memset(test_mem, 0xcc, TEST_RAM);
	img.mode = BOOT_MODE_REAL;
	cr_assert_eq(flat_load(&test_ram, &img), 0, "%s", vmm_error());
	cr_assert_eq(test_mem[BOOT_GDT_GPA], 0xcc);
	cr_assert_eq(test_mem[BOOT_PML4_GPA], 0xcc);
}

Test(vmm_boot, mode_names_round_trip)
{
	enum boot_mode m;

	cr_assert_eq(boot_mode_parse("real", &m), 0);
	cr_assert_eq(m, BOOT_MODE_REAL);
	cr_assert_eq(boot_mode_parse("protected", &m), 0);
	cr_assert_eq(m, BOOT_MODE_PROTECTED);
	cr_assert_eq(boot_mode_parse("long", &m), 0);
	cr_assert_str_eq(boot_mode_name(m), "long");
	cr_assert_eq(boot_mode_parse("Long", &m), -EINVAL);
	cr_assert_eq(boot_mode_parse("", &m), -EINVAL);
	cr_assert_eq(flat_default_load(BOOT_MODE_REAL), 0x7c00);
	cr_assert_eq(flat_default_load(BOOT_MODE_LONG), 0x100000);
}
