/* pvh.h: ELF kernels: the PVH entry (Xen's hvm_start_info convention) and plain ELF entry. */
#ifndef VMM_BOOT_PVH_H
#define VMM_BOOT_PVH_H

#include <stdint.h>

#include "../ram.h"
#include "flat.h"

/*
 * PVH boot (Xen's public arch-x86/hvm/start_info.h and docs/misc/pvh.pandoc,
 * which Linux, FreeBSD and QEMU's PVH loader follow): an ELF kernel names a
 * 32-bit entry point in an ELF note ("Xen", type 18, PHYS32_ENTRY). It is
 * entered in 32-bit protected mode, paging off, flat CS/DS/ES/SS,
 * EBX = the physical address of a struct hvm_start_info:
 *
 *   0  magic 0x336ec578     4  version (1)         8  flags
 *   12 nr_modules           16 modlist_paddr (u64) 24 cmdline_paddr (u64)
 *   32 rsdp_paddr (u64)     40 memmap_paddr (u64)  48 memmap_entries
 *   module entries (32 bytes): paddr, size, cmdline_paddr, reserved (u64 each)
 *   memory map entries (24 bytes): addr (u64), size (u64), type, reserved
 *
 * openwhp writes them at:
 */
#define PVH_START_INFO_GPA 0x9000ull
#define PVH_MODLIST_GPA	   0x9100ull
#define PVH_MEMMAP_GPA	   0x9300ull
#define PVH_STRINGS_GPA	   0x9400ull
#define PVH_START_MAGIC	   0x336ec578u
#define PVH_MAX_MODULES	   8

/*
 * pvh_load: load the ELF file (data, size), which must carry the PVH note,
 * write hvm_start_info with the command line (may be NULL), the (nmods)
 * modules (placed page-aligned after the kernel) and the memory map, and
 * fill (cpu) for the PVH entry. Returns 0 or -EINVAL with vmm_error() set.
 */
int pvh_load(const struct ram *ram, const uint8_t *data, uint64_t size, const char *cmdline,
	     const struct boot_module *mods, unsigned int nmods, struct boot_cpu *cpu);

/*
 * elf_kernel_load: load a plain ELF executable (no multiboot header, no
 * PVH note) at its physical addresses and fill (cpu): an ELF64 file starts
 * in 64-bit mode with RAM identity-mapped (as a long-mode flat image), an
 * ELF32 file in 32-bit protected mode, both at the physical entry point
 * with RSP = BOOT_STACK_TOP. Segments may not overlap the boot area
 * (BOOT_AREA_START-BOOT_AREA_END). Returns 0 or -EINVAL with vmm_error().
 */
int elf_kernel_load(const struct ram *ram, const uint8_t *data, uint64_t size,
		    struct boot_cpu *cpu);

#endif /* VMM_BOOT_PVH_H */
