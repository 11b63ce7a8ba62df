/* x86_setup.h: GDT descriptors and identity page tables written into guest RAM. */
#ifndef VMM_BOOT_X86_SETUP_H
#define VMM_BOOT_X86_SETUP_H

#include <stdint.h>

#include "../ram.h"

/*
 * Segment attribute words in the layout WHP uses for
 * WHV_X64_SEGMENT_REGISTER.Attributes (the VMX access-rights layout without
 * the "unusable" bit): type 0-3, S 4, DPL 5-6, P 7, AVL 12, L 13, D/B 14,
 * G 15. The same bits sit at 40-55 of a GDT descriptor (Intel SDM vol. 3A,
 * 3.4.5 "Segment Descriptors"), with bits 8-11 of the word replaced by
 * limit 19:16.
 */
#define X86_SEG_CODE_RX_ACCESSED 0x0b /* execute/read, accessed */
#define X86_SEG_DATA_RW_ACCESSED 0x03 /* read/write, accessed */
#define X86_SEG_S		 (1u << 4)
#define X86_SEG_P		 (1u << 7)
#define X86_SEG_L		 (1u << 13)
#define X86_SEG_DB		 (1u << 14)
#define X86_SEG_G		 (1u << 15)

/* The attribute words of the segments openwhp boots with. */
#define X86_ATTR_CODE16 (X86_SEG_CODE_RX_ACCESSED | X86_SEG_S | X86_SEG_P)
#define X86_ATTR_DATA16 (X86_SEG_DATA_RW_ACCESSED | X86_SEG_S | X86_SEG_P)
#define X86_ATTR_CODE32 (X86_ATTR_CODE16 | X86_SEG_DB | X86_SEG_G)
#define X86_ATTR_DATA32 (X86_ATTR_DATA16 | X86_SEG_DB | X86_SEG_G)
#define X86_ATTR_CODE64 (X86_ATTR_CODE16 | X86_SEG_L | X86_SEG_G)

/* GDT written for protected and long mode: selectors and entry count. */
#define X86_GDT_SEL_CODE64 0x08
#define X86_GDT_SEL_CODE32 0x10
#define X86_GDT_SEL_DATA   0x18
#define X86_GDT_ENTRIES	   4

/* Control-register and EFER bits (Intel SDM vol. 3A, 2.5 and 2.2.1). */
#define X86_CR0_PE   (1ull << 0)
#define X86_CR0_ET   (1ull << 4)
#define X86_CR0_PG   (1ull << 31)
#define X86_CR4_PAE  (1ull << 5)
#define X86_EFER_LME (1ull << 8)
#define X86_EFER_LMA (1ull << 10)

/* Page-table entry bits (Intel SDM vol. 3A, 4.5 "4-level paging"). */
#define X86_PTE_P  (1ull << 0)
#define X86_PTE_RW (1ull << 1)
#define X86_PTE_PS (1ull << 7) /* in a PDE: maps a 2 MiB page */

#define X86_PAGE_SIZE 4096ull
#define X86_2M	      (2ull << 20)
#define X86_1G	      (1ull << 30)

/*
 * x86_gdt_descriptor: encode a code/data segment descriptor from (base),
 * (limit) as stored in the descriptor (20 bits; in 4 KiB units when G is
 * set) and the attribute word (attr) described above.
 */
uint64_t x86_gdt_descriptor(uint32_t base, uint32_t limit, uint16_t attr);

/*
 * x86_gdt_write: write openwhp's boot GDT (null, 64-bit code at 0x08, 32-bit
 * code at 0x10, flat 4 GiB data at 0x18) at (gpa). Returns the GDT limit
 * (size - 1) or -EFAULT when it does not fit in RAM.
 */
int x86_gdt_write(const struct ram *ram, uint64_t gpa);

/*
 * x86_identity_map_pds: how many page directories x86_identity_map() needs to
 * cover (size) bytes: one per GiB, rounded up; 0 when size is 0.
 */
uint64_t x86_identity_map_pds(uint64_t size);

/*
 * x86_identity_map: build 4-level page tables mapping virtual [0, size)
 * to the same physical addresses with 2 MiB pages (present, writable,
 * supervisor), rounding size up to 2 MiB. Tables are written into guest RAM:
 * one PML4 page at (pml4), one PDPT page at (pdpt), and
 * x86_identity_map_pds(size) consecutive PD pages starting at (pd). All three
 * addresses must be 4 KiB aligned and every table must lie in RAM; size must
 * be 1 byte to 512 GiB. Table pages are zeroed first. Returns 0 (CR3 is then
 * pml4), -EINVAL for bad arguments, -EFAULT when a table is outside RAM.
 */
int x86_identity_map(const struct ram *ram, uint64_t pml4, uint64_t pdpt, uint64_t pd,
		     uint64_t size);

#endif /* VMM_BOOT_X86_SETUP_H */
