/* gva.c: the guest page-table walker (SDM Vol.3 ch.4) used to fetch instruction bytes at CS:RIP. */
#include <errno.h>

#include "gva.h"

#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)
#define PTE_P 1ull
#define PTE_PS (1ull << 7)
#define ADDR_MASK 0x000FFFFFFFFFF000ull

static enum gva_result read_entry(gva_read_fn read, void *owner, uint64_t gpa, uint64_t *e,
				  int size)
{
	uint32_t e32 = 0;

	if (size == 4) {
		if (read(owner, gpa, &e32, 4))
			return GVA_GPA_UNMAPPED;
		*e = e32;
		return GVA_OK;
	}
	if (read(owner, gpa, e, 8))
		return GVA_GPA_UNMAPPED;
	return GVA_OK;
}

enum gva_result gva_walk(const struct gva_ctl *ctl, uint64_t gva, gva_read_fn read, void *owner,
			 uint64_t *gpa)
{
	uint64_t e, table;
	enum gva_result r;
	int level, levels, shift;

	if (!(ctl->cr0 & CR0_PG)) {
		*gpa = (ctl->efer & EFER_LMA) ? gva : (gva & 0xFFFFFFFFull);
		return GVA_OK;
	}
	if (!(ctl->cr4 & CR4_PAE)) {
		/* 32-bit paging: 2 levels of 4-byte entries; PSE gives 4 MiB pages. */
		gva &= 0xFFFFFFFFull;
		r = read_entry(read, owner, (ctl->cr3 & 0xFFFFF000ull) + ((gva >> 22) & 0x3FF) * 4,
			       &e, 4);
		if (r)
			return r;
		if (!(e & PTE_P))
			return GVA_NOT_PRESENT;
		if ((e & PTE_PS) && (ctl->cr4 & CR4_PSE)) {
			/* PDE bits 20:13 hold physical address bits 39:32 (PSE-36). */
			*gpa = (e & 0xFFC00000ull) | (((e >> 13) & 0xFFull) << 32) |
			       (gva & 0x3FFFFFull);
			return GVA_OK;
		}
		r = read_entry(read, owner, (e & 0xFFFFF000ull) + ((gva >> 12) & 0x3FF) * 4, &e, 4);
		if (r)
			return r;
		if (!(e & PTE_P))
			return GVA_NOT_PRESENT;
		*gpa = (e & 0xFFFFF000ull) | (gva & 0xFFF);
		return GVA_OK;
	}
	if (!(ctl->efer & EFER_LMA)) {
		/* PAE: a 4-entry PDPT at CR3[31:5], then 2 levels of 8-byte entries. */
		gva &= 0xFFFFFFFFull;
		r = read_entry(read, owner, (ctl->cr3 & 0xFFFFFFE0ull) + ((gva >> 30) & 3) * 8, &e, 8);
		if (r)
			return r;
		if (!(e & PTE_P))
			return GVA_NOT_PRESENT;
		table = e & ADDR_MASK;
		levels = 2;
	} else {
		levels = (ctl->cr4 & CR4_LA57) ? 5 : 4;
		shift = levels == 5 ? 57 : 48;
		/* Canonical: bits 63..shift-1 all equal. */
		if ((uint64_t)((int64_t)(gva << (64 - shift)) >> (64 - shift)) != gva)
			return GVA_NONCANONICAL;
		table = ctl->cr3 & ADDR_MASK;
	}
	for (level = levels; level >= 1; level--) {
		shift = 12 + 9 * (level - 1);
		r = read_entry(read, owner, table + ((gva >> shift) & 0x1FF) * 8, &e, 8);
		if (r)
			return r;
		if (!(e & PTE_P))
			return GVA_NOT_PRESENT;
		if (level == 1 || ((e & PTE_PS) && (level == 2 || level == 3))) {
			uint64_t mask = (1ull << shift) - 1;

			*gpa = (e & ADDR_MASK & ~mask) | (gva & mask);
			return GVA_OK;
		}
		table = e & ADDR_MASK;
	}
	return GVA_RESERVED;
}
