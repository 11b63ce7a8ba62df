/* gva.c: the guest page-table walker (SDM Vol.3 ch.4) for instruction fetch and WHvTranslateGva. */
#include <errno.h>
#include <string.h>

#include "WinHvPlatform.h"
#include "gva.h"

#define CR0_WP	  (1ull << 16)
#define CR0_PG	  (1ull << 31)
#define CR4_PSE	  (1ull << 4)
#define CR4_PAE	  (1ull << 5)
#define CR4_LA57  (1ull << 12)
#define CR4_SMEP  (1ull << 20)
#define CR4_SMAP  (1ull << 21)
#define EFER_LMA  (1ull << 10)
#define EFER_NXE  (1ull << 11)
#define RFLAGS_AC (1ull << 18)
#define PTE_P	  1ull
#define PTE_RW	  (1ull << 1)
#define PTE_US	  (1ull << 2)
#define PTE_A	  (1ull << 5)
#define PTE_D	  (1ull << 6)
#define PTE_PS	  (1ull << 7)
#define PTE_XD	  (1ull << 63)
#define ADDR_MASK 0x000FFFFFFFFFF000ull

/* What the walk itself finds; gva_walk and gva_translate name it their way. */
enum walk_status {
	W_OK,
	W_NOT_PRESENT,
	W_RESERVED,
	W_UNMAPPED,
	W_NO_READ,
	W_NONCANONICAL,
};

struct walk_entry {
	uint64_t gpa;
	uint64_t val;
	uint8_t size;
	bool has_a; /* the entry has an Accessed bit (not a PAE PDPTE) */
};

struct walk {
	bool paging;
	uint64_t gpa;
	struct walk_entry e[5];
	unsigned int n;
	/* rights over every level that has them (SDM Vol.3 4.6.1) */
	bool user, write, xd;
};

struct walk_opts {
	bool check_rsvd;
	unsigned int maxphyaddr;
	bool gbpages;
};

/* Bits (hi):(maxphyaddr) of an entry: the address bits the CPU does not have. */
static uint64_t bits_above(unsigned int maxphyaddr, unsigned int hi)
{
	uint64_t top = (hi >= 63) ? ~0ull : ((1ull << (hi + 1)) - 1);

	return top & ~((1ull << maxphyaddr) - 1);
}

/*
 * Read the entry at (gpa), require P=1, record it. A read that fails is an
 * unmapped paging structure, or one mapped without Read access.
 */
static enum walk_status entry_take(struct walk *w, const struct gva_mem *m, uint64_t gpa,
				   uint8_t size, bool has_a, uint64_t *val)
{
	uint32_t v32 = 0;
	int rc;

	if (size == 4) {
		rc = m->read(m->owner, gpa, &v32, 4);
		*val = v32;
	} else {
		rc = m->read(m->owner, gpa, val, 8);
	}
	if (rc)
		return (m->flags && m->flags(m->owner, gpa) >= 0) ? W_NO_READ : W_UNMAPPED;
	if (!(*val & PTE_P))
		return W_NOT_PRESENT;
	w->e[w->n++] = (struct walk_entry){ gpa, *val, size, has_a };
	return W_OK;
}

/* Fold an entry's U/S, R/W and XD into the walk's rights. */
static void rights_add(struct walk *w, uint64_t val, bool nxe)
{
	w->user = w->user && (val & PTE_US);
	w->write = w->write && (val & PTE_RW);
	w->xd = w->xd || (nxe && (val & PTE_XD));
}

/* 32-bit paging (SDM Vol.3 4.3): two levels of 4-byte entries, 4 MiB pages with CR4.PSE. */
static enum walk_status walk_32(const struct gva_ctl *c, const struct walk_opts *o, uint64_t gva,
				const struct gva_mem *m, struct walk *w)
{
	uint64_t e;
	enum walk_status st;

	st = entry_take(w, m, (c->cr3 & 0xFFFFF000ull) + ((gva >> 22) & 0x3FF) * 4, 4, true, &e);
	if (st)
		return st;
	rights_add(w, e, false);
	if ((e & PTE_PS) && (c->cr4 & CR4_PSE)) {
		/*
		 * PDE bits 20:13 hold physical address bits 39:32 (PSE-36); bit 21
		 * and the bits beyond MAXPHYADDR (at most 40 here) are reserved.
		 */
		unsigned int m40 = o->maxphyaddr < 32	? 32
				   : o->maxphyaddr > 40 ? 40
							: o->maxphyaddr;
		uint64_t rsvd = (1ull << 21) | ((0xFFull & ~((1ull << (m40 - 32)) - 1)) << 13);

		if (o->check_rsvd && (e & rsvd))
			return W_RESERVED;
		w->gpa = (e & 0xFFC00000ull) | (((e >> 13) & 0xFFull) << 32) | (gva & 0x3FFFFFull);
		return W_OK;
	}
	st = entry_take(w, m, (e & 0xFFFFF000ull) + ((gva >> 12) & 0x3FF) * 4, 4, true, &e);
	if (st)
		return st;
	rights_add(w, e, false);
	w->gpa = (e & 0xFFFFF000ull) | (gva & 0xFFF);
	return W_OK;
}

/*
 * The levels of 8-byte entries shared by PAE and 4/5-level paging (SDM Vol.3
 * 4.4, 4.5), from (level) down to 1, starting at (table). (pae): entries of
 * legacy PAE paging, where bits 62:MAXPHYADDR are reserved; in IA-32e paging
 * only 51:MAXPHYADDR are (62:52 are ignored).
 */
static enum walk_status walk_levels(const struct gva_ctl *c, const struct walk_opts *o,
				    uint64_t gva, const struct gva_mem *m, struct walk *w,
				    uint64_t table, int level, bool pae)
{
	bool nxe = (c->efer & EFER_NXE) != 0;
	uint64_t base_rsvd = bits_above(o->maxphyaddr, pae ? 62 : 51) | (nxe ? 0 : PTE_XD);
	enum walk_status st;
	uint64_t e;

	for (; level >= 1; level--) {
		int shift = 12 + 9 * (level - 1);
		bool large = false;
		uint64_t rsvd = base_rsvd;

		st = entry_take(w, m, table + ((gva >> shift) & 0x1FF) * 8, 8, true, &e);
		if (st)
			return st;
		if (e & PTE_PS) {
			if (level == 2 || (level == 3 && (o->gbpages || !o->check_rsvd)))
				large = true;
			else if (level != 1)
				rsvd |= PTE_PS; /* PS in a PML5E/PML4E, or 1 GiB pages absent */
		}
		if (large) /* bits 12 (PAT) .. shift-1 hold no address: reserved above bit 12 */
			rsvd |= ((1ull << shift) - 1) & ~((1ull << 13) - 1);
		if (o->check_rsvd && (e & rsvd))
			return W_RESERVED;
		rights_add(w, e, nxe);
		if (level == 1 || large) {
			uint64_t mask = (1ull << shift) - 1;

			w->gpa = (e & ADDR_MASK & ~mask) | (gva & mask);
			return W_OK;
		}
		table = e & ADDR_MASK;
	}
	return W_RESERVED;
}

static enum walk_status walk(const struct gva_ctl *c, const struct walk_opts *o, uint64_t gva,
			     const struct gva_mem *m, struct walk *w)
{
	enum walk_status st;
	uint64_t e;
	int levels, bits;

	memset(w, 0, sizeof(*w));
	w->user = w->write = true;
	if (!(c->cr0 & CR0_PG)) {
		w->gpa = (c->efer & EFER_LMA) ? gva : (gva & 0xFFFFFFFFull);
		return W_OK;
	}
	w->paging = true;
	if (!(c->cr4 & CR4_PAE))
		return walk_32(c, o, gva & 0xFFFFFFFFull, m, w);
	if (!(c->efer & EFER_LMA)) {
		/*
		 * PAE: a 4-entry PDPT at CR3[31:5]. Its entries carry no access
		 * rights and no Accessed bit; bits 2:1, 8:5 and 63:MAXPHYADDR are
		 * reserved (SDM Vol.3 Table 4-8).
		 */
		gva &= 0xFFFFFFFFull;
		st = entry_take(w, m, (c->cr3 & 0xFFFFFFE0ull) + ((gva >> 30) & 3) * 8, 8, false,
				&e);
		if (st)
			return st;
		if (o->check_rsvd && (e & (0x1E6ull | bits_above(o->maxphyaddr, 63))))
			return W_RESERVED;
		return walk_levels(c, o, gva, m, w, e & ADDR_MASK, 2, true);
	}
	levels = (c->cr4 & CR4_LA57) ? 5 : 4;
	bits = levels == 5 ? 57 : 48;
	/* Canonical: bits 63..bits-1 all equal (SDM Vol.1 3.3.7.1). */
	if ((uint64_t)((int64_t)(gva << (64 - bits)) >> (64 - bits)) != gva)
		return W_NONCANONICAL;
	return walk_levels(c, o, gva, m, w, c->cr3 & ADDR_MASK, levels, false);
}

enum gva_result gva_walk(const struct gva_ctl *ctl, uint64_t gva, gva_read_fn read, void *owner,
			 uint64_t *gpa)
{
	/* The guest ran this code: be as lenient as the CPU was, check no bit. */
	const struct walk_opts o = { .check_rsvd = false, .maxphyaddr = 52, .gbpages = true };
	const struct gva_mem m = { .owner = owner, .read = read };
	struct walk w;

	switch (walk(ctl, &o, gva, &m, &w)) {
	case W_OK: *gpa = w.gpa; return GVA_OK;
	case W_NOT_PRESENT: return GVA_NOT_PRESENT;
	case W_UNMAPPED:
	case W_NO_READ: return GVA_GPA_UNMAPPED;
	case W_NONCANONICAL: return GVA_NONCANONICAL;
	case W_RESERVED:
	default: return GVA_RESERVED;
	}
}

/* The access-rights checks of SDM Vol.3 4.6 for a completed walk; true when allowed. */
static bool rights_ok(const struct gva_cpu *cpu, const struct walk *w, uint32_t flags)
{
	const struct gva_ctl *c = &cpu->ctl;
	bool exempt = (flags & WHvTranslateGvaFlagPrivilegeExempt) != 0;
	bool user = !exempt && cpu->cpl == 3;
	bool data =
		(flags & (WHvTranslateGvaFlagValidateRead | WHvTranslateGvaFlagValidateWrite)) != 0;

	/* User accesses need U/S=1 at every level. */
	if (user && !w->user)
		return false;
	/* Writes need R/W=1 at every level, for supervisor accesses only with CR0.WP. */
	if ((flags & WHvTranslateGvaFlagValidateWrite) && !w->write && (user || (c->cr0 & CR0_WP)))
		return false;
	/* Fetches need XD=0 at every level (XD exists only with EFER.NXE). */
	if ((flags & WHvTranslateGvaFlagValidateExecute) && w->xd)
		return false;
	if (exempt || user || !w->user)
		return true;
	/* Supervisor access to a user page: SMEP for fetches, SMAP for data. */
	if ((flags & WHvTranslateGvaFlagValidateExecute) && (c->cr4 & CR4_SMEP))
		return false;
	if (data && (c->cr4 & CR4_SMAP) && !(flags & WHvTranslateGvaFlagOverrideSmap) &&
	    ((flags & WHvTranslateGvaFlagEnforceSmap) || !(cpu->rflags & RFLAGS_AC)))
		return false;
	return true;
}

/* SetPageTableBits: Accessed in every entry used, Dirty in the last for a write. */
static uint32_t set_table_bits(const struct walk *w, uint32_t flags, const struct gva_mem *m)
{
	unsigned int i;

	if (!m->write)
		return WHvTranslateGvaResultSuccess;
	for (i = 0; i < w->n; i++) {
		const struct walk_entry *e = &w->e[i];
		uint64_t val = e->val;
		uint32_t v32;
		int rc;

		if (e->has_a)
			val |= PTE_A;
		if (i == w->n - 1 && (flags & WHvTranslateGvaFlagValidateWrite))
			val |= PTE_D;
		if (val == e->val)
			continue;
		if (e->size == 4) {
			v32 = (uint32_t)val;
			rc = m->write(m->owner, e->gpa, &v32, 4);
		} else {
			rc = m->write(m->owner, e->gpa, &val, 8);
		}
		if (rc)
			return WHvTranslateGvaResultGpaNoWriteAccess;
	}
	return WHvTranslateGvaResultSuccess;
}

uint32_t gva_translate(const struct gva_cpu *cpu, uint64_t gva, uint32_t flags,
		       const struct gva_mem *mem, uint64_t *gpa)
{
	const struct walk_opts o = {
		.check_rsvd = true,
		.maxphyaddr = cpu->maxphyaddr ? cpu->maxphyaddr : 36,
		.gbpages = cpu->gbpages,
	};
	struct walk w;
	uint32_t r;

	*gpa = 0;
	switch (walk(&cpu->ctl, &o, gva, mem, &w)) {
	case W_OK: break;
	case W_NOT_PRESENT: return WHvTranslateGvaResultPageNotPresent;
	case W_UNMAPPED: return WHvTranslateGvaResultGpaUnmapped;
	case W_NO_READ: return WHvTranslateGvaResultGpaNoReadAccess;
	case W_RESERVED:
	case W_NONCANONICAL:
	default: return WHvTranslateGvaResultInvalidPageTableFlags;
	}
	if (w.paging) {
		if (!rights_ok(cpu, &w, flags))
			return WHvTranslateGvaResultPrivilegeViolation;
		if (flags & WHvTranslateGvaFlagSetPageTableBits) {
			r = set_table_bits(&w, flags, mem);
			if (r != WHvTranslateGvaResultSuccess)
				return r;
		}
	}
	*gpa = w.gpa;
	return WHvTranslateGvaResultSuccess;
}
