/* multiboot.c: Multiboot v1 loader and boot information writer (see multiboot.h). */
#include <errno.h>
#include <string.h>

#include "../error.h"
#include "elf.h"
#include "layout.h"
#include "le.h"
#include "multiboot.h"
#include "x86_setup.h"

/* Header flag bits this loader honours; any other bit in 0-15 is refused. */
#define MB_HF_KNOWN (MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO | MB_HF_VIDEO_MODE)

/* The boot area no image may overlap: GDT, stack, boot information. */
#define MB_AREA_START BOOT_AREA_START
#define MB_AREA_END   LAYOUT_EBDA_START

#define MB_PAGE 4096ull

int multiboot_find(const uint8_t *data, uint64_t size, struct multiboot_header *h)
{
	uint64_t limit = size < MB_SEARCH_LEN ? size : MB_SEARCH_LEN;
	uint64_t off;

	memset(h, 0, sizeof(*h));
	for (off = 0; off + 12 <= limit; off += 4) {
		uint32_t magic = le32(data + off), flags = le32(data + off + 4);
		uint32_t sum = le32(data + off + 8);

		if (magic != MB_HEADER_MAGIC || (uint32_t)(magic + flags + sum) != 0)
			continue;
		h->offset = (uint32_t)off;
		h->flags = flags;
		if (flags & 0xffffu & ~MB_HF_KNOWN) {
			vmm_error_set("the multiboot header requires features 0x%x "
				      "that openwhp does not provide",
				      flags & 0xffffu & ~MB_HF_KNOWN);
			return -EINVAL;
		}
		if (flags & MB_HF_AOUT_KLUDGE) {
			if (off + 32 > size) {
				vmm_error_set("the multiboot header's address fields "
					      "are cut off by the end of the file");
				return -EINVAL;
			}
			h->header_addr = le32(data + off + 12);
			h->load_addr = le32(data + off + 16);
			h->load_end_addr = le32(data + off + 20);
			h->bss_end_addr = le32(data + off + 24);
			h->entry_addr = le32(data + off + 28);
		}
		return 0;
	}
	return -ENOENT;
}

static int multiboot_area_check(uint64_t start, uint64_t end, const char *what)
{
	if (start < MB_AREA_END && MB_AREA_START < end) {
		vmm_error_set("the %s (0x%llx-0x%llx) overlaps the multiboot boot "
			      "area 0x%llx-0x%llx",
			      what, (unsigned long long)start, (unsigned long long)(end - 1),
			      MB_AREA_START, MB_AREA_END - 1);
		return -EINVAL;
	}
	return 0;
}

/*
 * The a.out kludge (spec 3.1.3): the text starts at file offset
 * header_offset - (header_addr - load_addr) and is loaded at load_addr up
 * to load_end_addr (0: the end of the file); bss up to bss_end_addr is
 * zeroed.
 */
static int multiboot_load_aout(const struct ram *ram, const uint8_t *data, uint64_t size,
			       const struct multiboot_header *h, uint64_t *end, uint64_t *entry)
{
	uint64_t file_off, load_len, mem_end;
	uint8_t *dst;

	if (h->header_addr < h->load_addr || h->header_addr - h->load_addr > h->offset) {
		vmm_error_set("multiboot header: header_addr 0x%x and load_addr "
			      "0x%x do not match its file offset 0x%x",
			      h->header_addr, h->load_addr, h->offset);
		return -EINVAL;
	}
	file_off = h->offset - (h->header_addr - h->load_addr);
	if (h->load_end_addr) {
		if (h->load_end_addr < h->load_addr) {
			vmm_error_set("multiboot header: load_end_addr is below "
				      "load_addr");
			return -EINVAL;
		}
		load_len = (uint64_t)h->load_end_addr - h->load_addr;
	} else {
		load_len = size - file_off;
	}
	if (load_len > size - file_off) {
		vmm_error_set("multiboot header: the text (0x%llx bytes) runs past "
			      "the end of the file",
			      (unsigned long long)load_len);
		return -EINVAL;
	}
	mem_end = h->load_addr + load_len;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < mem_end) {
			vmm_error_set("multiboot header: bss_end_addr is below the "
				      "end of the loaded text");
			return -EINVAL;
		}
		mem_end = h->bss_end_addr;
	}
	if (mem_end == h->load_addr) {
		vmm_error_set("the multiboot image is empty");
		return -EINVAL;
	}
	if (multiboot_area_check(h->load_addr, mem_end, "kernel"))
		return -EINVAL;
	dst = ram_ptr(ram, h->load_addr, mem_end - h->load_addr);
	if (!dst) {
		vmm_error_set("the kernel (0x%x-0x%llx) does not fit in guest RAM "
			      "(%llu MiB)",
			      h->load_addr, (unsigned long long)(mem_end - 1),
			      (unsigned long long)(ram->size >> 20));
		return -EINVAL;
	}
	memcpy(dst, data + file_off, (size_t)load_len);
	memset(dst + load_len, 0, (size_t)(mem_end - h->load_addr - load_len));
	*end = mem_end;
	*entry = h->entry_addr;
	return 0;
}

/* Strings go one after the other from MB_STRINGS_GPA; returns the GPA or 0. */
static uint64_t multiboot_put_string(const struct ram *ram, uint64_t *next, const char *s)
{
	uint64_t len = strlen(s) + 1, at = *next;

	if (len > MB_AREA_END - at || ram_write(ram, at, s, len)) {
		vmm_error_set("the multiboot command line and module strings do not "
			      "fit in the %llu bytes at 0x%llx",
			      MB_AREA_END - MB_STRINGS_GPA, MB_STRINGS_GPA);
		return 0;
	}
	*next = at + len;
	return at;
}

int multiboot_load(const struct ram *ram, const uint8_t *data, uint64_t size, const char *cmdline,
		   const struct boot_module *mods, unsigned int nmods, struct boot_cpu *cpu)
{
	struct e820_entry map[LAYOUT_E820_MAX];
	struct multiboot_header h;
	uint8_t info[MB_INFO_SIZE];
	uint64_t end = 0, entry = 0, strings = MB_STRINGS_GPA, at;
	uint32_t flags;
	unsigned int i, n;
	int rc;

	rc = multiboot_find(data, size, &h);
	if (rc == -ENOENT)
		vmm_error_set("no multiboot header in the first %d bytes", MB_SEARCH_LEN);
	if (rc)
		return -EINVAL;
	if (nmods > MB_MAX_MODULES) {
		vmm_error_set("at most %d multiboot modules (got %u)", MB_MAX_MODULES, nmods);
		return -EINVAL;
	}
	if (ram->size < LAYOUT_HIGH_START) {
		vmm_error_set("a multiboot kernel needs more than 1 MiB of RAM");
		return -EINVAL;
	}

	if (h.flags & MB_HF_AOUT_KLUDGE) {
		rc = multiboot_load_aout(ram, data, size, &h, &end, &entry);
		if (rc)
			return rc;
	} else {
		struct elf_info elf;

		rc = elf_parse(data, size, &elf);
		if (rc == -ENOEXEC)
			vmm_error_set("a multiboot kernel without the a.out kludge "
				      "flag (bit 16) must be an ELF file");
		if (rc)
			return -EINVAL;
		rc = elf_load(ram, data, &elf, MB_AREA_START, MB_AREA_END);
		if (rc)
			return rc;
		end = elf.highest;
		entry = elf_phys_entry(&elf);
	}
	if (entry >= ram->size || entry > 0xffffffffull) {
		vmm_error_set("the multiboot entry point 0x%llx is outside guest RAM "
			      "(or above 4 GiB)",
			      (unsigned long long)entry);
		return -EINVAL;
	}

	/* The boot information; fields of absent features stay zero. */
	memset(info, 0, sizeof(info));
	flags = MB_IF_MEMORY | MB_IF_MMAP | MB_IF_LOADER | MB_IF_MODS;

	/*
	 * mem_lower: KiB of conventional memory from 0 (at most 640);
	 * mem_upper: KiB from 1 MiB to the first hole (spec 3.3).
	 */
	put_le32(info + MB_INFO_MEM_LOWER, (uint32_t)(LAYOUT_EBDA_START >> 10));
	put_le32(info + MB_INFO_MEM_UPPER, (uint32_t)((ram->size - LAYOUT_HIGH_START) >> 10));

	/* Memory map entries: size (of the rest, 20), base, length, type. */
	n = layout_e820(map, ram->size);
	for (i = 0; i < n; i++) {
		uint8_t e[24];

		put_le32(e, 20);
		put_le64(e + 4, map[i].addr);
		put_le64(e + 12, map[i].size);
		put_le32(e + 20, map[i].type);
		if (ram_write(ram, MB_MMAP_GPA + i * 24ull, e, sizeof(e)))
			return -EINVAL;
	}
	put_le32(info + MB_INFO_MMAP_LENGTH, n * 24);
	put_le32(info + MB_INFO_MMAP_ADDR, (uint32_t)MB_MMAP_GPA);

	if (cmdline) {
		at = multiboot_put_string(ram, &strings, cmdline);
		if (!at)
			return -EINVAL;
		flags |= MB_IF_CMDLINE;
		put_le32(info + MB_INFO_CMDLINE, (uint32_t)at);
	}

	/* Modules: page-aligned, after the kernel (spec 3.1.2, bit 0). */
	at = (end + MB_PAGE - 1) & ~(MB_PAGE - 1);
	if (at < LAYOUT_HIGH_START)
		at = LAYOUT_HIGH_START;
	for (i = 0; i < nmods; i++) {
		uint8_t m[16];
		uint64_t str = 0;

		if (at > 0xffffffffull || !ram_ptr(ram, at, mods[i].size) ||
		    mods[i].size > 0xffffffffull - at) {
			vmm_error_set("multiboot module %u (%llu bytes) does not fit "
				      "in guest RAM after 0x%llx",
				      i, (unsigned long long)mods[i].size, (unsigned long long)at);
			return -EINVAL;
		}
		if (ram_write(ram, at, mods[i].data, mods[i].size))
			return -EINVAL;
		if (mods[i].string) {
			str = multiboot_put_string(ram, &strings, mods[i].string);
			if (!str)
				return -EINVAL;
		}
		/* mod_start, mod_end (exclusive), string, reserved. */
		put_le32(m, (uint32_t)at);
		put_le32(m + 4, (uint32_t)(at + mods[i].size));
		put_le32(m + 8, (uint32_t)str);
		put_le32(m + 12, 0);
		if (ram_write(ram, MB_MODS_GPA + i * 16ull, m, sizeof(m)))
			return -EINVAL;
		at = (at + mods[i].size + MB_PAGE - 1) & ~(MB_PAGE - 1);
	}
	put_le32(info + MB_INFO_MODS_COUNT, nmods);
	put_le32(info + MB_INFO_MODS_ADDR, (uint32_t)MB_MODS_GPA);

	if (ram_write(ram, MB_NAME_GPA, "openwhp", 8))
		return -EINVAL;
	put_le32(info + MB_INFO_LOADER_NAME, (uint32_t)MB_NAME_GPA);
	put_le32(info + MB_INFO_FLAGS, flags);
	if (ram_write(ram, MB_INFO_GPA, info, sizeof(info)))
		return -EINVAL;

	/* A GDT whose selectors match the segment caches, for a reload. */
	if (x86_gdt_write(ram, BOOT_GDT_GPA) < 0)
		return -EINVAL;
	memset(cpu, 0, sizeof(*cpu));
	cpu->mode = BOOT_MODE_PROTECTED;
	cpu->rip = entry;
	cpu->rsp = BOOT_STACK_TOP; /* the spec leaves ESP undefined */
	cpu->rax = MB_BOOTLOADER_MAGIC;
	cpu->rbx = MB_INFO_GPA;
	return 0;
}
