/* multiboot.h: Multiboot v1 loader: header, ELF or a.out-kludge image, boot information. */
#ifndef VMM_BOOT_MULTIBOOT_H
#define VMM_BOOT_MULTIBOOT_H

#include <stdint.h>

#include "../ram.h"
#include "flat.h"

/*
 * The Multiboot Specification version 0.6.96 (GNU GRUB), sections 3.1
 * (header), 3.2 (machine state) and 3.3 (boot information). The kernel is
 * entered in 32-bit protected mode without paging: EAX = 0x2BADB002,
 * EBX = physical address of the boot information, CS a flat 32-bit code
 * segment, DS/ES/FS/GS/SS flat data segments, interrupts off.
 *
 * Where openwhp puts things (all in RAM below 640 KiB, docs/vmm.md):
 *   MB_INFO_GPA     the multiboot_info structure
 *   MB_MMAP_GPA     the memory map (the machine's e820 map, layout.h)
 *   MB_MODS_GPA     the module list (MB_MAX_MODULES entries at most)
 *   MB_NAME_GPA     the boot loader name, "openwhp"
 *   MB_STRINGS_GPA  the command line and the module strings, up to
 *                   LAYOUT_EBDA_START
 * Modules are placed after the kernel, each on a 4 KiB boundary.
 */
#define MB_HEADER_MAGIC	    0x1badb002u
#define MB_BOOTLOADER_MAGIC 0x2badb002u
#define MB_SEARCH_LEN	    8192 /* the header lies in the first 8 KiB */

/* Header flags (spec 3.1.2). Bits 0-15 are requirements. */
#define MB_HF_PAGE_ALIGN  (1u << 0)  /* modules on 4 KiB boundaries */
#define MB_HF_MEMORY_INFO (1u << 1)  /* mem_lower/mem_upper (and mmap) */
#define MB_HF_VIDEO_MODE  (1u << 2)  /* a video mode is wanted (none here) */
#define MB_HF_AOUT_KLUDGE (1u << 16) /* address fields are valid */

/* Info flags (spec 3.3). */
#define MB_IF_MEMORY  (1u << 0)
#define MB_IF_CMDLINE (1u << 2)
#define MB_IF_MODS    (1u << 3)
#define MB_IF_MMAP    (1u << 6)
#define MB_IF_LOADER  (1u << 9)

#define MB_INFO_GPA    0x9000ull
#define MB_MMAP_GPA    0x9100ull
#define MB_MODS_GPA    0x9200ull
#define MB_NAME_GPA    0x9300ull
#define MB_STRINGS_GPA 0x9400ull
#define MB_MAX_MODULES 16

/* Offsets in the multiboot_info structure (spec 3.3). */
#define MB_INFO_FLAGS	    0
#define MB_INFO_MEM_LOWER   4
#define MB_INFO_MEM_UPPER   8
#define MB_INFO_CMDLINE	    16
#define MB_INFO_MODS_COUNT  20
#define MB_INFO_MODS_ADDR   24
#define MB_INFO_MMAP_LENGTH 44
#define MB_INFO_MMAP_ADDR   48
#define MB_INFO_LOADER_NAME 64
#define MB_INFO_SIZE	    120

/* The multiboot header, as found in the image. */
struct multiboot_header {
	uint32_t offset; /* of the magic in the file */
	uint32_t flags;
	/* Valid with MB_HF_AOUT_KLUDGE. */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

/*
 * multiboot_find: look for a valid header (magic, flags and checksum
 * summing to 0) on a 4-byte boundary in the first MB_SEARCH_LEN bytes.
 * Returns 0 with (*h) filled; -ENOENT when there is none; -EINVAL with
 * vmm_error() set when the header asks for something openwhp cannot give
 * (an unknown requirement bit among 3-15, or address fields cut off by
 * the end of the file).
 */
int multiboot_find(const uint8_t *data, uint64_t size, struct multiboot_header *h);

/*
 * multiboot_load: load the kernel (data, size) into (ram) and write the
 * boot information: memory sizes, the command line (cmdline, may be NULL),
 * the (nmods) modules in (mods), the memory map and the loader name. With
 * the a.out kludge the image is placed by the header's address fields;
 * otherwise it must be an ELF file (32- or 64-bit) whose PT_LOAD segments
 * go to their physical addresses. Fills (cpu) with the entry state.
 * Returns 0, or -EINVAL with vmm_error() set (no header, bad ELF, image or
 * modules not fitting in RAM or overlapping the boot area below 640 KiB,
 * too many modules, strings too long).
 */
int multiboot_load(const struct ram *ram, const uint8_t *data, uint64_t size, const char *cmdline,
		   const struct boot_module *mods, unsigned int nmods, struct boot_cpu *cpu);

#endif /* VMM_BOOT_MULTIBOOT_H */
