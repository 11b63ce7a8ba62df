/* elf.h: a bounds-checked reader for x86 ELF32/ELF64 executables: loadable segments and notes. */
#ifndef VMM_BOOT_ELF_H
#define VMM_BOOT_ELF_H

#include <stdbool.h>
#include <stdint.h>

#include "../ram.h"

/*
 * The file is untrusted input: every offset, size and count read from it
 * is checked against the file size before use, and sums are computed so
 * they cannot wrap. Layouts: the System V ABI, "ELF header", "Program
 * header" and "Note section" (the generic ABI, chapters 4 and 5).
 */

#define ELF_MAX_SEGMENTS 32

/* One PT_LOAD program header. */
struct elf_segment {
	uint64_t offset; /* in the file */
	uint64_t filesz;
	uint64_t paddr; /* where it goes in guest-physical memory */
	uint64_t vaddr;
	uint64_t memsz; /* >= filesz; the rest is zeroed */
};

struct elf_info {
	unsigned int bits; /* 32 or 64 */
	uint64_t entry;	   /* e_entry, as in the file (a virtual address) */
	unsigned int nseg;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	bool has_pvh;		  /* a Xen PHYS32_ENTRY note was found */
	uint32_t pvh_entry;	  /* its value: the 32-bit PVH entry point */
	uint64_t lowest, highest; /* physical span of the segments, [lowest, highest) */
};

/* elf_is_elf: does (data, size) start with the ELF magic? */
bool elf_is_elf(const uint8_t *data, uint64_t size);

/*
 * elf_parse: read the ELF header, the PT_LOAD program headers and the
 * PT_NOTE segments of (data, size) into (info). Accepts little-endian
 * executables for x86 (EM_386 as ELF32, EM_X86_64 as ELF32 or ELF64).
 * Returns 0; -ENOEXEC when the data is not ELF at all; -EINVAL (with
 * vmm_error() set) when it is ELF but unusable: wrong class, machine or
 * type, a header or segment outside the file, memsz < filesz, a segment
 * wrapping around, no PT_LOAD or more than ELF_MAX_SEGMENTS of them.
 */
int elf_parse(const uint8_t *data, uint64_t size, struct elf_info *info);

/*
 * elf_phys_entry: e_entry as a physical address: when it lies inside a
 * segment's virtual range, translated to that segment's physical range
 * (kernels linked high but loaded low, like Linux's vmlinux); otherwise
 * unchanged.
 */
uint64_t elf_phys_entry(const struct elf_info *info);

/*
 * elf_load: copy every PT_LOAD segment of (data) to its physical address
 * in (ram) and zero the bytes from filesz to memsz. Fails with -EINVAL and
 * vmm_error() naming the segment when one does not fit in RAM, or when it
 * overlaps [reserved_start, reserved_end) (the caller's boot structures;
 * pass 0, 0 for none). Nothing is written unless every segment fits.
 */
int elf_load(const struct ram *ram, const uint8_t *data, const struct elf_info *info,
	     uint64_t reserved_start, uint64_t reserved_end);

#endif /* VMM_BOOT_ELF_H */
