/* elf.c: bounds-checked ELF32/ELF64 program-header and note reader, segment loader (see elf.h). */
#include <errno.h>
#include <string.h>

#include "../error.h"
#include "elf.h"
#include "le.h"

/* Numbers from the generic ABI (ELF header e_ident, e_type, e_machine, p_type). */
#define ELF_CLASS32   1
#define ELF_CLASS64   2
#define ELF_DATA_LSB  1
#define ELF_ET_EXEC   2
#define ELF_EM_386    3
#define ELF_EM_X86_64 62
#define ELF_PT_LOAD   1
#define ELF_PT_NOTE   4
/* Xen's public elfnote.h: the 32-bit PVH entry point, in a note named "Xen". */
#define ELF_XEN_PHYS32_ENTRY 18

bool elf_is_elf(const uint8_t *data, uint64_t size)
{
	return size >= 4 && data[0] == 0x7f && data[1] == 'E' && data[2] == 'L' && data[3] == 'F';
}

/* Is [off, off + len) inside a file of (size) bytes? No sum may wrap. */
static bool elf_in_file(uint64_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

/* Walk the notes of one PT_NOTE segment looking for Xen's PVH entry. */
static void elf_scan_notes(const uint8_t *data, uint64_t off, uint64_t len, struct elf_info *info)
{
	while (len >= 12) {
		uint32_t namesz = le32(data + off), descsz = le32(data + off + 4);
		uint32_t type = le32(data + off + 8);
		/* Name and descriptor are each padded to 4 bytes. */
		uint64_t name_len = ((uint64_t)namesz + 3) & ~3ull;
		uint64_t desc_len = ((uint64_t)descsz + 3) & ~3ull;
		uint64_t total = 12 + name_len + desc_len;

		if (total > len)
			return;
		if (namesz == 4 && memcmp(data + off + 12, "Xen", 4) == 0 &&
		    type == ELF_XEN_PHYS32_ENTRY && (descsz == 4 || descsz == 8)) {
			/* Linux writes it as a pointer-sized value; the entry is 32-bit. */
			info->has_pvh = true;
			info->pvh_entry = le32(data + off + 12 + name_len);
		}
		off += total;
		len -= total;
	}
}

int elf_parse(const uint8_t *data, uint64_t size, struct elf_info *info)
{
	uint64_t phoff, phentsize, phnum, i;
	uint16_t machine, type;
	bool is64;

	memset(info, 0, sizeof(*info));
	if (!elf_is_elf(data, size))
		return -ENOEXEC;
	if (size < 52) {
		vmm_error_set("ELF file too short for its header");
		return -EINVAL;
	}
	if (data[4] != ELF_CLASS32 && data[4] != ELF_CLASS64) {
		vmm_error_set("ELF class %u is neither 32- nor 64-bit", data[4]);
		return -EINVAL;
	}
	if (data[5] != ELF_DATA_LSB) {
		vmm_error_set("big-endian ELF files cannot run on x86");
		return -EINVAL;
	}
	is64 = data[4] == ELF_CLASS64;
	if (is64 && size < 64) {
		vmm_error_set("ELF file too short for its header");
		return -EINVAL;
	}
	type = le16(data + 16);
	machine = le16(data + 18);
	if (machine != ELF_EM_386 && machine != ELF_EM_X86_64) {
		vmm_error_set("ELF machine %u is not x86 (3) or x86-64 (62)", machine);
		return -EINVAL;
	}
	if (is64 && machine != ELF_EM_X86_64) {
		vmm_error_set("a 64-bit ELF file must be for x86-64");
		return -EINVAL;
	}
	if (type != ELF_ET_EXEC) {
		vmm_error_set("ELF type %u is not an executable (ET_EXEC); "
			      "relocatable and shared objects cannot be booted",
			      type);
		return -EINVAL;
	}
	info->bits = is64 ? 64 : 32;
	if (is64) {
		info->entry = le64(data + 24);
		phoff = le64(data + 32);
		phentsize = le16(data + 54);
		phnum = le16(data + 56);
	} else {
		info->entry = le32(data + 24);
		phoff = le32(data + 28);
		phentsize = le16(data + 42);
		phnum = le16(data + 44);
	}
	if (phentsize < (is64 ? 56u : 32u) || !elf_in_file(size, phoff, phnum * phentsize)) {
		vmm_error_set("ELF program headers lie outside the file");
		return -EINVAL;
	}
	info->lowest = UINT64_MAX;
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = data + phoff + i * phentsize;
		struct elf_segment s;
		uint32_t ptype = le32(ph);

		if (is64) {
			s.offset = le64(ph + 8);
			s.vaddr = le64(ph + 16);
			s.paddr = le64(ph + 24);
			s.filesz = le64(ph + 32);
			s.memsz = le64(ph + 40);
		} else {
			s.offset = le32(ph + 4);
			s.vaddr = le32(ph + 8);
			s.paddr = le32(ph + 12);
			s.filesz = le32(ph + 16);
			s.memsz = le32(ph + 20);
		}
		if (ptype == ELF_PT_NOTE) {
			if (elf_in_file(size, s.offset, s.filesz))
				elf_scan_notes(data, s.offset, s.filesz, info);
			continue;
		}
		if (ptype != ELF_PT_LOAD || s.memsz == 0)
			continue;
		if (!elf_in_file(size, s.offset, s.filesz) || s.memsz < s.filesz ||
		    s.paddr + s.memsz < s.paddr) {
			vmm_error_set("ELF segment %llu is malformed (file range "
				      "0x%llx+0x%llx, memsz 0x%llx at 0x%llx)",
				      (unsigned long long)i, (unsigned long long)s.offset,
				      (unsigned long long)s.filesz, (unsigned long long)s.memsz,
				      (unsigned long long)s.paddr);
			return -EINVAL;
		}
		if (info->nseg == ELF_MAX_SEGMENTS) {
			vmm_error_set("more than %d loadable ELF segments", ELF_MAX_SEGMENTS);
			return -EINVAL;
		}
		info->seg[info->nseg++] = s;
		if (s.paddr < info->lowest)
			info->lowest = s.paddr;
		if (s.paddr + s.memsz > info->highest)
			info->highest = s.paddr + s.memsz;
	}
	if (info->nseg == 0) {
		vmm_error_set("the ELF file has no loadable segment");
		return -EINVAL;
	}
	return 0;
}

uint64_t elf_phys_entry(const struct elf_info *info)
{
	unsigned int i;

	for (i = 0; i < info->nseg; i++) {
		const struct elf_segment *s = &info->seg[i];

		if (info->entry >= s->vaddr && info->entry - s->vaddr < s->memsz)
			return info->entry - s->vaddr + s->paddr;
	}
	return info->entry;
}

int elf_load(const struct ram *ram, const uint8_t *data, const struct elf_info *info,
	     uint64_t reserved_start, uint64_t reserved_end)
{
	unsigned int i;

	for (i = 0; i < info->nseg; i++) {
		const struct elf_segment *s = &info->seg[i];

		if (!ram_ptr(ram, s->paddr, s->memsz)) {
			vmm_error_set("ELF segment at 0x%llx-0x%llx does not fit in guest "
				      "RAM (%llu MiB)",
				      (unsigned long long)s->paddr,
				      (unsigned long long)(s->paddr + s->memsz - 1),
				      (unsigned long long)(ram->size >> 20));
			return -EINVAL;
		}
		if (s->paddr < reserved_end && reserved_start < s->paddr + s->memsz) {
			vmm_error_set("ELF segment at 0x%llx-0x%llx overlaps the boot "
				      "area 0x%llx-0x%llx",
				      (unsigned long long)s->paddr,
				      (unsigned long long)(s->paddr + s->memsz - 1),
				      (unsigned long long)reserved_start,
				      (unsigned long long)(reserved_end - 1));
			return -EINVAL;
		}
	}
	for (i = 0; i < info->nseg; i++) {
		const struct elf_segment *s = &info->seg[i];
		uint8_t *dst = ram_ptr(ram, s->paddr, s->memsz);

		memcpy(dst, data + s->offset, (size_t)s->filesz);
		memset(dst + s->filesz, 0, (size_t)(s->memsz - s->filesz));
	}
	return 0;
}
