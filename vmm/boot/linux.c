/* linux.c: bzImage loader for the Linux x86 64-bit boot protocol (see linux.h). */
#include <errno.h>
#include <string.h>

#include "../error.h"
#include "layout.h"
#include "le.h"
#include "linux.h"
#include "x86_setup.h"

#define LINUX_PAGE 4096ull
/* The oldest protocol with xloadflags (2.12), which says whether +0x200 is 64-bit. */
#define LINUX_MIN_VERSION 0x020c
/* Before 2.06 there is no cmdline_size field and the limit is 255. */
#define LINUX_OLD_CMDLINE_SIZE 255
/* The selectors the 64-bit protocol requires: __BOOT_CS and __BOOT_DS. */
#define LINUX_BOOT_CS 0x10
#define LINUX_BOOT_DS 0x18

bool linux_is_bzimage(const uint8_t *data, uint64_t size)
{
	return size >= LH_HEADER + 4 && le16(data + LH_BOOT_FLAG) == 0xaa55 &&
	       le32(data + LH_HEADER) == LINUX_HDRS_MAGIC;
}

int linux_parse(const uint8_t *data, uint64_t size, struct linux_kernel_info *info)
{
	unsigned int sects;
	uint16_t xlf;

	memset(info, 0, sizeof(*info));
	if (!linux_is_bzimage(data, size) || size < LH_INIT_SIZE + 4) {
		vmm_error_set("not a Linux bzImage (no boot flag 0xAA55 and \"HdrS\" "
			      "header)");
		return -EINVAL;
	}
	info->version = le16(data + LH_VERSION);
	if (info->version < LINUX_MIN_VERSION) {
		vmm_error_set("Linux boot protocol %u.%02u is too old: openwhp uses "
			      "the 64-bit entry point, which needs 2.12 or later",
			      info->version >> 8, info->version & 0xff);
		return -EINVAL;
	}
	xlf = le16(data + LH_XLOADFLAGS);
	if (!(xlf & LINUX_XLF_KERNEL_64)) {
		vmm_error_set("this kernel has no 64-bit entry point (xloadflags bit 0 "
			      "clear): a 32-bit kernel?");
		return -EINVAL;
	}
	/* setup_sects 0 means 4, for compatibility with ancient images. */
	sects = data[LH_SETUP_SECTS] ? data[LH_SETUP_SECTS] : 4;
	info->setup_size = (sects + 1) * 512ull;
	if (info->setup_size >= size) {
		vmm_error_set("the bzImage is truncated: no protected-mode kernel after "
			      "its %llu-byte setup",
			      (unsigned long long)info->setup_size);
		return -EINVAL;
	}
	info->payload_size = size - info->setup_size;
	info->init_size = le32(data + LH_INIT_SIZE);
	info->pref_address = le64(data + LH_PREF_ADDRESS);
	info->initrd_addr_max = le32(data + LH_INITRD_ADDR_MAX);
	info->cmdline_size = info->version >= 0x0206 ? le32(data + LH_CMDLINE_SIZE)
						     : LINUX_OLD_CMDLINE_SIZE;
	info->relocatable = data[LH_RELOCATABLE] != 0;
	if (info->init_size < info->payload_size)
		info->init_size = info->payload_size;
	return 0;
}

uint64_t linux_minimum_ram(const struct linux_kernel_info *info)
{
	uint64_t base = LINUX_KERNEL_GPA;

	if (info->pref_address > base)
		base = info->pref_address;
	return base + info->init_size;
}

/* The GDT of the 64-bit protocol: 4 GiB flat code (64-bit) at 0x10, data at 0x18. */
static int linux_write_gdt(const struct ram *ram)
{
	const uint64_t gdt[X86_GDT_ENTRIES] = {
		0,
		0,
		x86_gdt_descriptor(0, 0xfffff, X86_ATTR_CODE64),
		x86_gdt_descriptor(0, 0xfffff, X86_ATTR_DATA32),
	};

	_Static_assert(LINUX_BOOT_CS == 2 * 8 && LINUX_BOOT_DS == X86_GDT_SEL_DATA,
		       "the boot GDT's data selector is __BOOT_DS");
	return ram_write(ram, BOOT_GDT_GPA, gdt, sizeof(gdt));
}

int linux_load(const struct ram *ram, const uint8_t *data, uint64_t size, const char *cmdline,
	       const struct boot_module *initrd, struct boot_cpu *cpu)
{
	struct e820_entry map[LAYOUT_E820_MAX];
	struct linux_kernel_info k;
	uint8_t *bp;
	uint64_t need, cmdlen, hdr_end;
	unsigned int i, n;
	int rc;

	rc = linux_parse(data, size, &k);
	if (rc)
		return rc;
	need = linux_minimum_ram(&k);
	if (need > ram->size) {
		vmm_error_set("this kernel needs at least %llu MiB of RAM (init_size "
			      "%llu KiB from 0x%llx); give more with --mem",
			      (unsigned long long)((need + (1 << 20) - 1) >> 20),
			      (unsigned long long)(k.init_size >> 10),
			      (unsigned long long)(need - k.init_size));
		return -EINVAL;
	}
	if (ram->size > BOOT_RAM_MAX) {
		vmm_error_set("the Linux loader maps at most %llu MiB of RAM", BOOT_RAM_MAX >> 20);
		return -EINVAL;
	}
	cmdlen = strlen(cmdline);
	if (cmdlen > k.cmdline_size || cmdlen + 1 > LINUX_CMDLINE_MAX) {
		vmm_error_set("the kernel command line is %llu bytes; this kernel "
			      "takes at most %u",
			      (unsigned long long)cmdlen, k.cmdline_size);
		return -EINVAL;
	}

	/* The protected-mode kernel, then the command line. */
	if (ram_write(ram, LINUX_KERNEL_GPA, data + k.setup_size, k.payload_size) ||
	    ram_write(ram, LINUX_CMDLINE_GPA, cmdline, cmdlen + 1)) {
		vmm_error_set("the kernel does not fit in guest RAM");
		return -EINVAL;
	}

	/*
	 * boot_params: zeroed, then the setup header copied from the image
	 * (0x1f1 up to 0x202 + the byte at 0x201), then the loader's fields
	 * (boot.rst, "64-bit Boot Protocol").
	 */
	bp = ram_ptr(ram, LINUX_ZERO_PAGE, BP_SIZE);
	if (!bp)
		return -EINVAL;
	memset(bp, 0, BP_SIZE);
	hdr_end = LH_HEADER + (uint64_t)data[LH_JUMP + 1];
	if (hdr_end > size || hdr_end > BP_E820_TABLE) {
		vmm_error_set("the bzImage setup header is truncated");
		return -EINVAL;
	}
	memcpy(bp + LH_SETUP_SECTS, data + LH_SETUP_SECTS, hdr_end - LH_SETUP_SECTS);
	put_le16(bp + LH_VID_MODE, 0xffff); /* "normal" text mode */
	bp[LH_TYPE_OF_LOADER] = 0xff;	    /* undefined loader ID */
	bp[LH_LOADFLAGS] |= LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP;
	put_le32(bp + LH_CODE32_START, (uint32_t)LINUX_KERNEL_GPA);
	put_le16(bp + LH_HEAP_END_PTR, 0xfe00); /* unused by the 64-bit entry */
	put_le32(bp + LH_CMD_LINE_PTR, (uint32_t)LINUX_CMDLINE_GPA);
	put_le32(bp + BP_EXT_CMD_LINE_PTR, 0);

	if (initrd && initrd->size) {
		/*
		 * As high as possible: below the end of RAM and below
		 * initrd_addr_max + 1 (boot.rst, "initrd_addr_max"), above the
		 * area the kernel decompresses into.
		 */
		uint64_t top = ram->size, at;

		if (k.initrd_addr_max && (uint64_t)k.initrd_addr_max + 1 < top)
			top = (uint64_t)k.initrd_addr_max + 1;
		if (initrd->size > top || (at = (top - initrd->size) & ~(LINUX_PAGE - 1)) < need) {
			vmm_error_set("the initrd (%llu KiB) does not fit between the "
				      "kernel (up to 0x%llx) and the end of usable RAM "
				      "(0x%llx); give more with --mem",
				      (unsigned long long)(initrd->size >> 10),
				      (unsigned long long)need, (unsigned long long)top);
			return -EINVAL;
		}
		if (ram_write(ram, at, initrd->data, initrd->size))
			return -EINVAL;
		put_le32(bp + LH_RAMDISK_IMAGE, (uint32_t)at);
		put_le32(bp + LH_RAMDISK_SIZE, (uint32_t)initrd->size);
		put_le32(bp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(at >> 32));
		put_le32(bp + BP_EXT_RAMDISK_SIZE, (uint32_t)(initrd->size >> 32));
	}

	/* The e820 map: 20-byte entries (u64 address, u64 size, u32 type). */
	n = layout_e820(map, ram->size);
	for (i = 0; i < n; i++) {
		uint8_t *e = bp + BP_E820_TABLE + i * 20;

		put_le64(e, map[i].addr);
		put_le64(e + 8, map[i].size);
		put_le32(e + 16, map[i].type);
	}
	bp[BP_E820_ENTRIES] = (uint8_t)n;

	if (linux_write_gdt(ram))
		return -EINVAL;
	rc = x86_identity_map(ram, BOOT_PML4_GPA, BOOT_PDPT_GPA, BOOT_PD_GPA, ram->size);
	if (rc) {
		vmm_error_set("cannot build the identity page tables (error %d)", rc);
		return -EINVAL;
	}
	memset(cpu, 0, sizeof(*cpu));
	cpu->mode = BOOT_MODE_LONG;
	cpu->rip = LINUX_KERNEL_GPA + 0x200;
	cpu->rsp = LINUX_STACK_TOP;
	cpu->rsi = LINUX_ZERO_PAGE;
	cpu->code_sel = LINUX_BOOT_CS;
	return 0;
}
