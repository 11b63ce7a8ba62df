/* gva.h: guest page-table walker (linear -> guest-physical) over guest memory, no ioctls. */
#ifndef OPENWHP_GVA_H
#define OPENWHP_GVA_H

#include <stdint.h>

/* The control state a walk depends on (SDM Vol.3 4.1, "Paging modes"). */
struct gva_ctl {
	uint64_t cr0, cr3, cr4, efer;
};

/* Reads (len) bytes of guest-physical memory; 0 or -EFAULT. */
typedef int (*gva_read_fn)(void *owner, uint64_t gpa, void *buf, uint32_t len);

enum gva_result {
	GVA_OK = 0,
	GVA_NOT_PRESENT,     /* a paging entry has P=0 */
	GVA_RESERVED,        /* reserved bits set in an entry */
	GVA_GPA_UNMAPPED,    /* a paging structure is not in mapped memory */
	GVA_NONCANONICAL,
};

/*
 * gva_walk: translate linear address (gva) under (ctl) using (read). No
 * paging (CR0.PG=0): the linear address is the physical one (truncated to 32
 * bits outside long mode). Handles 32-bit (with 4 MiB pages), PAE, 4-level and
 * 5-level paging. No permission checks and no accessed/dirty updates: this is
 * for fetching instruction bytes. Fills (*gpa) on GVA_OK.
 */
enum gva_result gva_walk(const struct gva_ctl *ctl, uint64_t gva, gva_read_fn read, void *owner,
			 uint64_t *gpa);

#endif
