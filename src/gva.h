/* gva.h: guest page-table walker (linear -> guest-physical) over guest memory, no ioctls. */
#ifndef OPENWHP_GVA_H
#define OPENWHP_GVA_H

#include <stdbool.h>
#include <stdint.h>

/* The control state a walk depends on (SDM Vol.3 4.1, "Paging modes"). */
struct gva_ctl {
	uint64_t cr0, cr3, cr4, efer;
};

/* Reads (len) bytes of guest-physical memory; 0 or -EFAULT. */
typedef int (*gva_read_fn)(void *owner, uint64_t gpa, void *buf, uint32_t len);

enum gva_result {
	GVA_OK = 0,
	GVA_NOT_PRESENT,  /* a paging entry has P=0 */
	GVA_RESERVED,	  /* reserved bits set in an entry */
	GVA_GPA_UNMAPPED, /* a paging structure is not in mapped memory */
	GVA_NONCANONICAL,
};

/*
 * gva_walk: translate linear address (gva) under (ctl) using (read). No
 * paging (CR0.PG=0): the linear address is the physical one (truncated to 32
 * bits outside long mode). Handles 32-bit (with 4 MiB pages), PAE, 4-level and
 * 5-level paging. No permission checks, no reserved-bit checks and no
 * accessed/dirty updates: this is for fetching instruction bytes the guest
 * has just executed. Fills (*gpa) on GVA_OK.
 */
enum gva_result gva_walk(const struct gva_ctl *ctl, uint64_t gva, gva_read_fn read, void *owner,
			 uint64_t *gpa);

/*
 * What a checked translation (WHvTranslateGva) needs beyond the control
 * registers: the privilege level the VP runs at, RFLAGS.AC for SMAP, and the
 * guest's CPUID limits that decide which entry bits are reserved.
 */
struct gva_cpu {
	struct gva_ctl ctl;
	uint64_t rflags;
	unsigned int cpl;	 /* SS.DPL (SDM Vol.3 5.5) */
	unsigned int maxphyaddr; /* CPUID.80000008H:EAX[7:0]; 36 when absent */
	bool gbpages;		 /* CPUID.80000001H:EDX[26]: 1 GiB pages exist */
};

/*
 * Guest memory for gva_translate. read and write move (len) bytes at (gpa)
 * and return 0, or -EFAULT when a byte is not mapped with that access; flags
 * gives the WHV_MAP_GPA_RANGE_FLAGS of the page holding (gpa), or -1 when it
 * is not mapped at all. write may be NULL when no caller sets page-table bits.
 */
struct gva_mem {
	void *owner;
	int (*read)(void *owner, uint64_t gpa, void *buf, uint32_t len);
	int (*write)(void *owner, uint64_t gpa, const void *buf, uint32_t len);
	int (*flags)(void *owner, uint64_t gpa);
};

/*
 * gva_translate: WHvTranslateGva's walk of (gva) for (cpu) with the
 * WHV_TRANSLATE_GVA_FLAGS in (flags). Returns a WHV_TRANSLATE_GVA_RESULT_CODE
 * and fills (*gpa) on Success (0 otherwise). The outcomes, in the order the
 * walk finds them (SDM Vol.3 4.3-4.7):
 *  - paging off: Success with the linear address, no memory touched;
 *  - a non-canonical address (4/5-level paging): InvalidPageTableFlags;
 *  - a paging structure outside mapped memory: GpaUnmapped, or
 *    GpaNoReadAccess when it is mapped without Read;
 *  - an entry with P=0: PageNotPresent; one with reserved bits set (above
 *    MAXPHYADDR, XD without EFER.NXE, PS where it cannot be, the reserved
 *    bits of large-page and PAE PDPT entries): InvalidPageTableFlags;
 *  - access rights (unless PrivilegeExempt, the user/supervisor rule at CPL
 *    3; ValidateWrite: R/W at every level for user accesses and, with CR0.WP,
 *    supervisor ones; ValidateExecute with EFER.NXE: no XD at any level, and
 *    SMEP; ValidateRead/Write: SMAP unless OverrideSmap, even with RFLAGS.AC
 *    under EnforceSmap): PrivilegeViolation.
 * The final guest-physical address is not checked against the map: callers
 * translate MMIO addresses too. SetPageTableBits on Success sets Accessed in
 * every entry used and Dirty in the last one for ValidateWrite; a paging
 * structure mapped without Write then gives GpaNoWriteAccess.
 */
uint32_t gva_translate(const struct gva_cpu *cpu, uint64_t gva, uint32_t flags,
		       const struct gva_mem *mem, uint64_t *gpa);

#endif
