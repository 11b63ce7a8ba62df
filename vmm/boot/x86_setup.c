/* x86_setup.c: GDT encoding and identity-mapped 4-level page tables in guest RAM. */
#include <errno.h>
#include <string.h>

#include "x86_setup.h"

uint64_t x86_gdt_descriptor(uint32_t base, uint32_t limit, uint16_t attr)
{
	/* Intel SDM vol. 3A, figure 3-8 "Segment Descriptor". */
	uint64_t d = 0;

	d |= (uint64_t)(limit & 0xffff);
	d |= (uint64_t)(base & 0xffffff) << 16;
	d |= (uint64_t)(attr & 0xff) << 40; /* type, S, DPL, P */
	d |= (uint64_t)((limit >> 16) & 0xf) << 48;
	d |= (uint64_t)((attr >> 12) & 0xf) << 52; /* AVL, L, D/B, G */
	d |= (uint64_t)((base >> 24) & 0xff) << 56;
	return d;
}

int x86_gdt_write(const struct ram *ram, uint64_t gpa)
{
	const uint64_t gdt[X86_GDT_ENTRIES] = {
		0,
		/* 64-bit code: base and limit are ignored in 64-bit mode. */
		x86_gdt_descriptor(0, 0xfffff, X86_ATTR_CODE64),
		x86_gdt_descriptor(0, 0xfffff, X86_ATTR_CODE32),
		x86_gdt_descriptor(0, 0xfffff, X86_ATTR_DATA32),
	};

	if (ram_write(ram, gpa, gdt, sizeof(gdt)))
		return -EFAULT;
	return (int)sizeof(gdt) - 1;
}

uint64_t x86_identity_map_pds(uint64_t size)
{
	return size / X86_1G + (size % X86_1G != 0);
}

static int x86_put_entry(const struct ram *ram, uint64_t table, uint64_t index, uint64_t entry)
{
	return ram_write(ram, table + index * 8, &entry, sizeof(entry));
}

static int x86_zero_page(const struct ram *ram, uint64_t gpa)
{
	void *p = ram_ptr(ram, gpa, X86_PAGE_SIZE);

	if (!p)
		return -EFAULT;
	memset(p, 0, X86_PAGE_SIZE);
	return 0;
}

int x86_identity_map(const struct ram *ram, uint64_t pml4, uint64_t pdpt, uint64_t pd,
		     uint64_t size)
{
	uint64_t npd = x86_identity_map_pds(size);
	uint64_t n2m = size / X86_2M + (size % X86_2M != 0);
	uint64_t i;

	if (size == 0 || npd > 512 || (pml4 | pdpt | pd) & (X86_PAGE_SIZE - 1))
		return -EINVAL;
	/* Check that every table fits before writing anything. */
	if (!ram_ptr(ram, pml4, X86_PAGE_SIZE) || !ram_ptr(ram, pdpt, X86_PAGE_SIZE) ||
	    !ram_ptr(ram, pd, npd * X86_PAGE_SIZE))
		return -EFAULT;

	if (x86_zero_page(ram, pml4) || x86_zero_page(ram, pdpt))
		return -EFAULT;
	for (i = 0; i < npd; i++)
		if (x86_zero_page(ram, pd + i * X86_PAGE_SIZE))
			return -EFAULT;

	/* PML4[0] covers virtual 0-512 GiB through the single PDPT. */
	if (x86_put_entry(ram, pml4, 0, pdpt | X86_PTE_P | X86_PTE_RW))
		return -EFAULT;
	for (i = 0; i < npd; i++)
		if (x86_put_entry(ram, pdpt, i, (pd + i * X86_PAGE_SIZE) | X86_PTE_P | X86_PTE_RW))
			return -EFAULT;
	/*
	 * PD entries are contiguous across the consecutive PD pages, so entry i
	 * of the whole run maps the 2 MiB page at i * 2 MiB.
	 */
	for (i = 0; i < n2m; i++)
		if (x86_put_entry(ram, pd, i, (i * X86_2M) | X86_PTE_P | X86_PTE_RW | X86_PTE_PS))
			return -EFAULT;
	return 0;
}
