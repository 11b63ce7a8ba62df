/* linux.h: the x86 Linux 64-bit boot protocol: bzImage, boot_params (zero page), e820, initrd. */
#ifndef VMM_BOOT_LINUX_H
#define VMM_BOOT_LINUX_H

#include <stdbool.h>
#include <stdint.h>

#include "../ram.h"
#include "flat.h"

/*
 * Linux's Documentation/arch/x86/boot.rst ("The Linux/x86 Boot Protocol",
 * sections "The real-mode kernel header", "Details of header fields" and
 * "64-bit Boot Protocol") and zero-page.rst. The protected-mode part of
 * the bzImage is loaded at LINUX_KERNEL_GPA and entered at its 64-bit
 * entry point, LINUX_KERNEL_GPA + 0x200, in 64-bit mode with RAM
 * identity-mapped, CS = __BOOT_CS (0x10), DS/ES/SS = __BOOT_DS (0x18),
 * interrupts off and RSI = the address of boot_params.
 *
 * Guest-physical layout:
 *   BOOT_GDT_GPA       GDT: 0x10 64-bit code, 0x18 data
 *   BOOT_PML4_GPA...   identity page tables (as for a long-mode flat image)
 *   LINUX_ZERO_PAGE    boot_params (4 KiB)
 *   LINUX_STACK_TOP    initial RSP (the kernel sets its own at once)
 *   LINUX_CMDLINE_GPA  the command line (up to the kernel's cmdline_size)
 *   LINUX_KERNEL_GPA   the kernel (1 MiB)
 *   initrd             as high as RAM and initrd_addr_max allow, 4 KiB
 *                      aligned, above the kernel's init_size area
 */
#define LINUX_ZERO_PAGE	  0x7000ull
#define LINUX_STACK_TOP	  0x8ff0ull
#define LINUX_CMDLINE_GPA 0x20000ull
#define LINUX_CMDLINE_MAX 0x10000ull /* what the layout leaves room for */
#define LINUX_KERNEL_GPA  0x100000ull

/* Setup-header offsets (boot.rst, "The real-mode kernel header"). */
#define LH_SETUP_SECTS	    0x1f1
#define LH_VID_MODE	    0x1fa
#define LH_BOOT_FLAG	    0x1fe
#define LH_JUMP		    0x200
#define LH_HEADER	    0x202
#define LH_VERSION	    0x206
#define LH_TYPE_OF_LOADER   0x210
#define LH_LOADFLAGS	    0x211
#define LH_CODE32_START	    0x214
#define LH_RAMDISK_IMAGE    0x218
#define LH_RAMDISK_SIZE	    0x21c
#define LH_HEAP_END_PTR	    0x224
#define LH_CMD_LINE_PTR	    0x228
#define LH_INITRD_ADDR_MAX  0x22c
#define LH_KERNEL_ALIGNMENT 0x230
#define LH_RELOCATABLE	    0x234
#define LH_XLOADFLAGS	    0x236
#define LH_CMDLINE_SIZE	    0x238
#define LH_PREF_ADDRESS	    0x258
#define LH_INIT_SIZE	    0x260

/* boot_params offsets outside the setup header (zero-page.rst). */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES	     0x1e8
#define BP_E820_TABLE	     0x2d0
#define BP_SIZE		     4096

#define LINUX_HDRS_MAGIC    0x53726448u /* "HdrS" */
#define LINUX_XLF_KERNEL_64 (1u << 0)	/* 64-bit entry at +0x200 */
#define LINUX_LOADED_HIGH   0x01
#define LINUX_CAN_USE_HEAP  0x80

struct linux_kernel_info {
	uint16_t version;      /* boot protocol, e.g. 0x020f */
	uint64_t setup_size;   /* bytes of the real-mode part, (setup_sects + 1) * 512 */
	uint64_t payload_size; /* bytes of the protected-mode part */
	uint64_t init_size;    /* memory the kernel needs from its load address */
	uint64_t pref_address;
	uint32_t initrd_addr_max;
	uint32_t cmdline_size; /* longest command line, without the NUL */
	bool relocatable;
};

/* linux_is_bzimage: does (data, size) carry the boot sector flag and "HdrS"? */
bool linux_is_bzimage(const uint8_t *data, uint64_t size);

/*
 * linux_parse: read the setup header of a bzImage. Returns 0; -EINVAL with
 * vmm_error() set when it is not a bzImage openwhp can boot (protocol
 * older than 2.12, no 64-bit entry point, truncated file).
 */
int linux_parse(const uint8_t *data, uint64_t size, struct linux_kernel_info *info);

/*
 * linux_minimum_ram: the RAM (bytes) the kernel needs: its init_size from
 * the larger of its load address and pref_address (a relocatable kernel
 * decompresses itself there).
 */
uint64_t linux_minimum_ram(const struct linux_kernel_info *info);

/*
 * linux_load: load the bzImage (data, size) into (ram) with the command
 * line (cmdline, not NULL) and an optional initrd (NULL for none), write
 * the GDT, identity page tables, boot_params and e820 map, and fill (cpu)
 * for the 64-bit entry. Returns 0, or -EINVAL with vmm_error() set (not
 * bootable, not enough RAM, command line too long, initrd does not fit).
 */
int linux_load(const struct ram *ram, const uint8_t *data, uint64_t size, const char *cmdline,
	       const struct boot_module *initrd, struct boot_cpu *cpu);

#endif /* VMM_BOOT_LINUX_H */
