/* pvh.c: PVH-entry and plain ELF kernel loading (see pvh.h). */
#include <errno.h>
#include <string.h>

#include "../error.h"
#include "elf.h"
#include "layout.h"
#include "le.h"
#include "pvh.h"
#include "x86_setup.h"

#define PVH_PAGE     4096ull
#define PVH_AREA_END LAYOUT_EBDA_START

static uint64_t pvh_put_string(const struct ram *ram, uint64_t *next, const char *s)
{
	uint64_t len = strlen(s) + 1, at = *next;

	if (len > PVH_AREA_END - at || ram_write(ram, at, s, len)) {
		vmm_error_set("the PVH command line and module strings do not fit in "
			      "the %llu bytes at 0x%llx",
			      PVH_AREA_END - PVH_STRINGS_GPA, PVH_STRINGS_GPA);
		return 0;
	}
	*next = at + len;
	return at;
}

int pvh_load(const struct ram *ram, const uint8_t *data, uint64_t size, const char *cmdline,
	     const struct boot_module *mods, unsigned int nmods, struct boot_cpu *cpu)
{
	struct e820_entry map[LAYOUT_E820_MAX];
	struct elf_info elf;
	uint8_t si[56];
	uint64_t strings = PVH_STRINGS_GPA, at;
	unsigned int i, n;
	int rc;

	rc = elf_parse(data, size, &elf);
	if (rc == -ENOEXEC)
		vmm_error_set("a PVH kernel must be an ELF file");
	if (rc)
		return -EINVAL;
	if (!elf.has_pvh) {
		vmm_error_set("the ELF file has no PVH entry note (Xen "
			      "PHYS32_ENTRY)");
		return -EINVAL;
	}
	if (nmods > PVH_MAX_MODULES) {
		vmm_error_set("at most %d PVH modules (got %u)", PVH_MAX_MODULES, nmods);
		return -EINVAL;
	}
	if (elf.pvh_entry >= ram->size) {
		vmm_error_set("the PVH entry point 0x%x is outside guest RAM", elf.pvh_entry);
		return -EINVAL;
	}
	rc = elf_load(ram, data, &elf, BOOT_AREA_START, PVH_AREA_END);
	if (rc)
		return rc;

	memset(si, 0, sizeof(si));
	put_le32(si, PVH_START_MAGIC);
	put_le32(si + 4, 1); /* version 1: has the memory map */
	if (cmdline) {
		at = pvh_put_string(ram, &strings, cmdline);
		if (!at)
			return -EINVAL;
		put_le64(si + 24, at);
	}
	at = (elf.highest + PVH_PAGE - 1) & ~(PVH_PAGE - 1);
	for (i = 0; i < nmods; i++) {
		uint8_t m[32];
		uint64_t str = 0;

		if (!ram_ptr(ram, at, mods[i].size)) {
			vmm_error_set("PVH module %u (%llu bytes) does not fit in guest "
				      "RAM after 0x%llx",
				      i, (unsigned long long)mods[i].size, (unsigned long long)at);
			return -EINVAL;
		}
		if (ram_write(ram, at, mods[i].data, mods[i].size))
			return -EINVAL;
		if (mods[i].string && !(str = pvh_put_string(ram, &strings, mods[i].string)))
			return -EINVAL;
		memset(m, 0, sizeof(m));
		put_le64(m, at);
		put_le64(m + 8, mods[i].size);
		put_le64(m + 16, str);
		if (ram_write(ram, PVH_MODLIST_GPA + i * 32ull, m, sizeof(m)))
			return -EINVAL;
		at = (at + mods[i].size + PVH_PAGE - 1) & ~(PVH_PAGE - 1);
	}
	put_le32(si + 12, nmods);
	put_le64(si + 16, nmods ? PVH_MODLIST_GPA : 0);

	n = layout_e820(map, ram->size);
	for (i = 0; i < n; i++) {
		uint8_t e[24];

		memset(e, 0, sizeof(e));
		put_le64(e, map[i].addr);
		put_le64(e + 8, map[i].size);
		put_le32(e + 16, map[i].type);
		if (ram_write(ram, PVH_MEMMAP_GPA + i * 24ull, e, sizeof(e)))
			return -EINVAL;
	}
	put_le64(si + 40, PVH_MEMMAP_GPA);
	put_le32(si + 48, n);
	if (ram_write(ram, PVH_START_INFO_GPA, si, sizeof(si)) ||
	    x86_gdt_write(ram, BOOT_GDT_GPA) < 0)
		return -EINVAL;

	memset(cpu, 0, sizeof(*cpu));
	cpu->mode = BOOT_MODE_PROTECTED;
	cpu->rip = elf.pvh_entry;
	cpu->rsp = BOOT_STACK_TOP;
	cpu->rbx = PVH_START_INFO_GPA;
	return 0;
}

int elf_kernel_load(const struct ram *ram, const uint8_t *data, uint64_t size, struct boot_cpu *cpu)
{
	struct elf_info elf;
	uint64_t entry;
	int rc;

	rc = elf_parse(data, size, &elf);
	if (rc == -ENOEXEC)
		vmm_error_set("not an ELF file");
	if (rc)
		return -EINVAL;
	if (elf.bits == 64 && ram->size > BOOT_RAM_MAX) {
		vmm_error_set("long mode maps at most %llu MiB of RAM", BOOT_RAM_MAX >> 20);
		return -EINVAL;
	}
	entry = elf_phys_entry(&elf);
	if (entry >= ram->size) {
		vmm_error_set("the ELF entry point 0x%llx is outside guest RAM",
			      (unsigned long long)entry);
		return -EINVAL;
	}
	rc = elf_load(ram, data, &elf, BOOT_AREA_START, BOOT_AREA_END);
	if (rc)
		return rc;
	if (x86_gdt_write(ram, BOOT_GDT_GPA) < 0)
		return -EINVAL;
	memset(cpu, 0, sizeof(*cpu));
	cpu->rip = entry;
	cpu->rsp = BOOT_STACK_TOP;
	if (elf.bits == 64) {
		cpu->mode = BOOT_MODE_LONG;
		rc = x86_identity_map(ram, BOOT_PML4_GPA, BOOT_PDPT_GPA, BOOT_PD_GPA, ram->size);
		if (rc) {
			vmm_error_set("cannot build the long-mode page tables (error %d)", rc);
			return -EINVAL;
		}
	} else {
		cpu->mode = BOOT_MODE_PROTECTED;
	}
	return 0;
}
