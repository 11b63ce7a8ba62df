/* test_vmm_loaders.c: ELF, multiboot, PVH and Linux loaders, format detection, the e820 layout. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vmm/boot/elf.h"
#include "vmm/boot/image.h"
#include "vmm/boot/layout.h"
#include "vmm/boot/le.h"
#include "vmm/boot/linux.h"
#include "vmm/boot/multiboot.h"
#include "vmm/boot/pvh.h"
#include "vmm/boot/x86_setup.h"
#include "vmm/error.h"
#include "vmm/vm.h"

#define RAM_SIZE (8u << 20)

static uint8_t *mem;
static struct ram ram;

static void setup(void)
{
	mem = aligned_alloc(4096, RAM_SIZE);
	cr_assert_not_null(mem);
	memset(mem, 0xcc, RAM_SIZE); /* garbage the loaders must not rely on */
	ram_wrap(&ram, mem, RAM_SIZE);
}

static void teardown(void)
{
	free(mem);
}

TestSuite(loaders, .init = setup, .fini = teardown);

/*
 * A small ELF32 executable: one PT_LOAD of (text) at (paddr) (vaddr the
 * same plus vdelta) with (bss) zero bytes after it, and optionally a
 * PT_NOTE with Xen's PVH entry. File layout: header 0, phdrs 52, note 116,
 * text 0x100.
 */
static size_t make_elf32(uint8_t *f, uint32_t paddr, uint32_t vdelta, const char *text,
			 uint32_t bss, uint32_t entry, bool pvh_note, uint32_t pvh_entry)
{
	uint32_t tlen = (uint32_t)strlen(text);
	uint8_t *ph;

	memset(f, 0, 0x100 + tlen);
	memcpy(f,
	       "\x7f"
	       "ELF",
	       4);
	f[4] = 1; /* ELFCLASS32 */
	f[5] = 1; /* little-endian */
	f[6] = 1;
	put_le16(f + 16, 2); /* ET_EXEC */
	put_le16(f + 18, 3); /* EM_386 */
	put_le32(f + 20, 1);
	put_le32(f + 24, entry);
	put_le32(f + 28, 52); /* e_phoff */
	put_le16(f + 40, 52);
	put_le16(f + 42, 32); /* e_phentsize */
	put_le16(f + 44, pvh_note ? 2 : 1);
	ph = f + 52;
	put_le32(ph, 1); /* PT_LOAD */
	put_le32(ph + 4, 0x100);
	put_le32(ph + 8, paddr + vdelta);
	put_le32(ph + 12, paddr);
	put_le32(ph + 16, tlen);
	put_le32(ph + 20, tlen + bss);
	if (pvh_note) {
		ph += 32;
		put_le32(ph, 4); /* PT_NOTE */
		put_le32(ph + 4, 116);
		put_le32(ph + 16, 20);
		put_le32(f + 116, 4);  /* namesz */
		put_le32(f + 120, 4);  /* descsz */
		put_le32(f + 124, 18); /* XEN_ELFNOTE_PHYS32_ENTRY */
		memcpy(f + 128, "Xen", 4);
		put_le32(f + 132, pvh_entry);
	}
	memcpy(f + 0x100, text, tlen);
	return 0x100 + tlen;
}

Test(loaders, elf_parse_and_load)
{
	uint8_t f[512];
	size_t n = make_elf32(f, 0x200000, 0, "kernel text", 100, 0x200004, false, 0);
	struct elf_info e;
	const uint8_t zero[100] = { 0 };

	cr_assert_eq(elf_parse(f, n, &e), 0, "%s", vmm_error());
	cr_assert_eq(e.bits, 32);
	cr_assert_eq(e.nseg, 1);
	cr_assert_eq(e.lowest, 0x200000);
	cr_assert_eq(e.highest, 0x200000 + 11 + 100);
	cr_assert_not(e.has_pvh);
	cr_assert_eq(elf_phys_entry(&e), 0x200004);
	cr_assert_eq(elf_load(&ram, f, &e, 0, 0), 0);
	cr_assert_arr_eq(mem + 0x200000, "kernel text", 11);
	cr_assert_arr_eq(mem + 0x200000 + 11, zero, 100, "bss is zeroed");
}

Test(loaders, elf_entry_translated_from_virtual)
{
	uint8_t f[512];
	/* Linked at 3 GiB + 2 MiB, loaded at 2 MiB: the entry is virtual. */
	size_t n = make_elf32(f, 0x200000, 0xc0000000u, "x", 0, 0xc0200000u, false, 0);
	struct elf_info e;

	cr_assert_eq(elf_parse(f, n, &e), 0);
	cr_assert_eq(e.entry, 0xc0200000u);
	cr_assert_eq(elf_phys_entry(&e), 0x200000);
}

Test(loaders, elf_rejects_malformed_files)
{
	uint8_t f[512], g[512];
	size_t n = make_elf32(f, 0x200000, 0, "text", 0, 0x200000, false, 0);
	struct elf_info e;

	cr_assert_eq(elf_parse((const uint8_t *)"MZ", 2, &e), -ENOEXEC);
	memcpy(g, f, n);
	put_le32(g + 52 + 4, 0x10000); /* segment data past the end */
	cr_assert_eq(elf_parse(g, n, &e), -EINVAL);
	memcpy(g, f, n);
	put_le32(g + 52 + 20, 1); /* memsz < filesz */
	cr_assert_eq(elf_parse(g, n, &e), -EINVAL);
	memcpy(g, f, n);
	put_le16(g + 44, 200); /* program headers past the end */
	cr_assert_eq(elf_parse(g, n, &e), -EINVAL);
	memcpy(g, f, n);
	put_le16(g + 16, 3); /* ET_DYN */
	cr_assert_eq(elf_parse(g, n, &e), -EINVAL);
	cr_assert(strstr(vmm_error(), "ET_EXEC"));
	memcpy(g, f, n);
	put_le16(g + 18, 40); /* EM_ARM */
	cr_assert_eq(elf_parse(g, n, &e), -EINVAL);
	memcpy(g, f, n);
	put_le32(g + 52 + 12, 0xfffffff0u); /* paddr + memsz wraps (32-bit fields) */
	put_le32(g + 52 + 20, 0x20);
	cr_assert_eq(elf_parse(g, n, &e), 0, "fits in 64-bit arithmetic");
	cr_assert_eq(elf_load(&ram, g, &e, 0, 0), -EINVAL, "but not in RAM");
	cr_assert_eq(elf_parse(f, n, &e), 0);
	cr_assert_eq(elf_load(&ram, f, &e, 0x1ff000, 0x200001), -EINVAL,
		     "overlap with a reserved range");
	cr_assert(strstr(vmm_error(), "overlaps"));
}

Test(loaders, elf_pvh_note)
{
	uint8_t f[512];
	size_t n = make_elf32(f, 0x200000, 0, "t", 0, 0x200000, true, 0x200010);
	struct elf_info e;

	cr_assert_eq(elf_parse(f, n, &e), 0);
	cr_assert(e.has_pvh);
	cr_assert_eq(e.pvh_entry, 0x200010);
}

/* A multiboot header at (off) in (f) with (flags) and a correct checksum. */
static void put_mb_header(uint8_t *f, size_t off, uint32_t flags)
{
	put_le32(f + off, MB_HEADER_MAGIC);
	put_le32(f + off + 4, flags);
	put_le32(f + off + 8, (uint32_t) - (MB_HEADER_MAGIC + flags));
}

Test(loaders, multiboot_header_search)
{
	static uint8_t f[16384];
	struct multiboot_header h;

	memset(f, 0, sizeof(f));
	cr_assert_eq(multiboot_find(f, sizeof(f), &h), -ENOENT);
	put_mb_header(f, 8188, 3); /* the last word of the first 8 KiB ... */
	cr_assert_eq(multiboot_find(f, sizeof(f), &h), -ENOENT, "... cannot hold 12 bytes");
	memset(f, 0, sizeof(f));
	put_mb_header(f, 8192, 3);
	cr_assert_eq(multiboot_find(f, sizeof(f), &h), -ENOENT, "beyond 8 KiB");
	memset(f, 0, sizeof(f));
	put_mb_header(f, 4098, 3);
	cr_assert_eq(multiboot_find(f, sizeof(f), &h), -ENOENT, "not 4-byte aligned");
	put_mb_header(f, 4096, 3);
	put_le32(f + 4104, 0); /* bad checksum */
	cr_assert_eq(multiboot_find(f, sizeof(f), &h), -ENOENT);
	put_mb_header(f, 4096, 3);
	cr_assert_eq(multiboot_find(f, sizeof(f), &h), 0);
	cr_assert_eq(h.offset, 4096);
	cr_assert_eq(h.flags, 3);
	put_mb_header(f, 4096, 3 | (1u << 5)); /* an unknown requirement */
	cr_assert_eq(multiboot_find(f, sizeof(f), &h), -EINVAL);
	cr_assert(strstr(vmm_error(), "0x20"));
	put_mb_header(f, 4096, 3 | (1u << 20)); /* unknown optional bits are fine */
	cr_assert_eq(multiboot_find(f, sizeof(f), &h), 0);
}

Test(loaders, multiboot_elf_boot_information)
{
	static uint8_t f[8192];
	const struct boot_module mods[2] = {
		{ (const uint8_t *)"first", 5, "m1 arg" },
		{ (const uint8_t *)"second!", 7, NULL },
	};
	size_t n = make_elf32(f, 0x200000, 0, "multiboot kernel", 0x1000, 0x200000, false, 0);
	struct boot_cpu cpu;
	const uint8_t *info = mem + MB_INFO_GPA, *m;
	uint32_t mmap_len;

	put_mb_header(f, 0x100 + 0, MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO);
	cr_assert_eq(multiboot_load(&ram, f, n, "/k.elf a=b", mods, 2, &cpu), 0, "%s", vmm_error());
	cr_assert_eq(cpu.mode, BOOT_MODE_PROTECTED);
	cr_assert_eq(cpu.rip, 0x200000);
	cr_assert_eq(cpu.rax, MB_BOOTLOADER_MAGIC);
	cr_assert_eq(cpu.rbx, MB_INFO_GPA);
	cr_assert_eq(le32(info + MB_INFO_FLAGS),
		     MB_IF_MEMORY | MB_IF_CMDLINE | MB_IF_MODS | MB_IF_MMAP | MB_IF_LOADER);
	cr_assert_eq(le32(info + MB_INFO_MEM_LOWER), 639);
	cr_assert_eq(le32(info + MB_INFO_MEM_UPPER), (RAM_SIZE >> 10) - 1024);
	cr_assert_str_eq((const char *)mem + le32(info + MB_INFO_CMDLINE), "/k.elf a=b");
	cr_assert_str_eq((const char *)mem + le32(info + MB_INFO_LOADER_NAME), "openwhp");
	cr_assert_eq(le32(info + MB_INFO_MODS_COUNT), 2);
	m = mem + le32(info + MB_INFO_MODS_ADDR);
	/* After the kernel (0x200000 + 16 + 0x1000 bss), page-aligned. */
	cr_assert_eq(le32(m), 0x202000);
	cr_assert_eq(le32(m + 4), 0x202005, "mod_end is exclusive");
	cr_assert_arr_eq(mem + 0x202000, "first", 5);
	cr_assert_str_eq((const char *)mem + le32(m + 8), "m1 arg");
	cr_assert_eq(le32(m + 16), 0x203000);
	cr_assert_eq(le32(m + 24), 0, "no string");
	mmap_len = le32(info + MB_INFO_MMAP_LENGTH);
	cr_assert_eq(mmap_len, 4 * 24);
	m = mem + le32(info + MB_INFO_MMAP_ADDR);
	cr_assert_eq(le32(m), 20, "size excludes itself");
	cr_assert_eq(le64(m + 4), 0);
	cr_assert_eq(le64(m + 12), 0x9fc00);
	cr_assert_eq(le32(m + 20), 1);
	m += 3 * 24;
	cr_assert_eq(le64(m + 4), 0x100000);
	cr_assert_eq(le64(m + 12), RAM_SIZE - 0x100000);
	cr_assert_eq(le32(m + 20), 1);
	/* The boot GDT, for a guest that reloads its selectors. */
	cr_assert_eq(le64(mem + BOOT_GDT_GPA + X86_GDT_SEL_CODE32), 0x00cf9b000000ffffull);
}

Test(loaders, multiboot_aout_kludge)
{
	static uint8_t f[4096];
	struct boot_cpu cpu;
	size_t i;

	memset(f, 0x11, sizeof(f));
	/* Header at file offset 64, describing text from file offset 0 at 0x300000. */
	put_mb_header(f, 64, MB_HF_AOUT_KLUDGE);
	put_le32(f + 64 + 12, 0x300040); /* header_addr */
	put_le32(f + 64 + 16, 0x300000); /* load_addr */
	put_le32(f + 64 + 20, 0x300100); /* load_end_addr: 256 bytes */
	put_le32(f + 64 + 24, 0x300200); /* bss_end_addr */
	put_le32(f + 64 + 28, 0x300080); /* entry_addr */
	cr_assert_eq(multiboot_load(&ram, f, sizeof(f), NULL, NULL, 0, &cpu), 0, "%s", vmm_error());
	cr_assert_eq(cpu.rip, 0x300080);
	cr_assert_arr_eq(mem + 0x300000, f, 256);
	for (i = 0x300100; i < 0x300200; i++)
		cr_assert_eq(mem[i], 0, "bss at 0x%zx", i);
	cr_assert_eq(mem[0x300200], 0xcc, "nothing past bss_end_addr");
	cr_assert_eq(le32(mem + MB_INFO_GPA) & MB_IF_CMDLINE, 0, "no command line given");
	/* A header_addr that does not match its file offset is refused. */
	put_le32(f + 64 + 12, 0x300100);
	cr_assert_eq(multiboot_load(&ram, f, sizeof(f), NULL, NULL, 0, &cpu), -EINVAL);
	/* Text running into the boot area is refused. */
	put_le32(f + 64 + 12, 0x8040);
	put_le32(f + 64 + 16, 0x8000);
	put_le32(f + 64 + 20, 0x8100);
	put_le32(f + 64 + 24, 0);
	put_le32(f + 64 + 28, 0x8000);
	cr_assert_eq(multiboot_load(&ram, f, sizeof(f), NULL, NULL, 0, &cpu), -EINVAL);
	cr_assert(strstr(vmm_error(), "boot area"));
}

Test(loaders, multiboot_refuses_what_does_not_fit)
{
	static uint8_t f[8192];
	size_t n = make_elf32(f, 0x200000, 0, "room for a header", 0, 0x200000, false, 0);
	struct boot_module big = { mem, RAM_SIZE, NULL };
	struct boot_module many[MB_MAX_MODULES + 1];
	struct boot_cpu cpu;

	put_mb_header(f, 0x100, 0);
	cr_assert_eq(multiboot_load(&ram, f, n, NULL, &big, 1, &cpu), -EINVAL);
	cr_assert(strstr(vmm_error(), "module 0"));
	memset(many, 0, sizeof(many));
	cr_assert_eq(multiboot_load(&ram, f, n, NULL, many, MB_MAX_MODULES + 1, &cpu), -EINVAL);
	/* No header at all. */
	memset(f + 0x100, 0, 12);
	cr_assert_eq(multiboot_load(&ram, f, n, NULL, NULL, 0, &cpu), -EINVAL);
	cr_assert(strstr(vmm_error(), "no multiboot header"));
}

Test(loaders, pvh_start_info)
{
	static uint8_t f[512];
	const struct boot_module mod = { (const uint8_t *)"initrd", 6, "mod-args" };
	size_t n = make_elf32(f, 0x200000, 0, "pvh kernel", 0, 0x200000, true, 0x200004);
	const uint8_t *si = mem + PVH_START_INFO_GPA, *m;
	struct boot_cpu cpu;

	cr_assert_eq(pvh_load(&ram, f, n, "console=ttyS0", &mod, 1, &cpu), 0, "%s", vmm_error());
	cr_assert_eq(cpu.mode, BOOT_MODE_PROTECTED);
	cr_assert_eq(cpu.rip, 0x200004, "the note's entry, not e_entry");
	cr_assert_eq(cpu.rbx, PVH_START_INFO_GPA);
	cr_assert_eq(le32(si), PVH_START_MAGIC);
	cr_assert_eq(le32(si + 4), 1);
	cr_assert_eq(le32(si + 12), 1);
	cr_assert_str_eq((const char *)mem + le64(si + 24), "console=ttyS0");
	m = mem + le64(si + 16);
	cr_assert_eq(le64(m), 0x201000);
	cr_assert_eq(le64(m + 8), 6);
	cr_assert_str_eq((const char *)mem + le64(m + 16), "mod-args");
	cr_assert_eq(le32(si + 48), 4, "memory map entries");
	m = mem + le64(si + 40);
	cr_assert_eq(le64(m + 3 * 24), 0x100000);
	cr_assert_eq(le32(m + 3 * 24 + 16), 1);
	/* Without the note: refused. */
	n = make_elf32(f, 0x200000, 0, "t", 0, 0x200000, false, 0);
	cr_assert_eq(pvh_load(&ram, f, n, NULL, NULL, 0, &cpu), -EINVAL);
}

Test(loaders, plain_elf_entry_modes)
{
	static uint8_t f[512];
	size_t n = make_elf32(f, 0x200000, 0, "t", 0, 0x200000, false, 0);
	struct boot_cpu cpu;

	cr_assert_eq(elf_kernel_load(&ram, f, n, &cpu), 0, "%s", vmm_error());
	cr_assert_eq(cpu.mode, BOOT_MODE_PROTECTED);
	cr_assert_eq(cpu.rip, 0x200000);
	/* The same file as ELF64: long mode with page tables. */
	memset(f, 0, sizeof(f));
	memcpy(f,
	       "\x7f"
	       "ELF",
	       4);
	f[4] = 2;
	f[5] = 1;
	put_le16(f + 16, 2);
	put_le16(f + 18, 62);
	put_le64(f + 24, 0x300000);
	put_le64(f + 32, 64); /* e_phoff */
	put_le16(f + 54, 56);
	put_le16(f + 56, 1);
	put_le32(f + 64, 1);			      /* PT_LOAD */
	put_le64(f + 64 + 8, 0x100);		      /* offset */
	put_le64(f + 64 + 16, 0xffffffff80300000ull); /* vaddr */
	put_le64(f + 64 + 24, 0x300000);	      /* paddr */
	put_le64(f + 64 + 32, 4);
	put_le64(f + 64 + 40, 4);
	memcpy(f + 0x100, "ELF!", 4);
	cr_assert_eq(elf_kernel_load(&ram, f, 0x104, &cpu), 0, "%s", vmm_error());
	cr_assert_eq(cpu.mode, BOOT_MODE_LONG);
	cr_assert_eq(cpu.rip, 0x300000);
	cr_assert_arr_eq(mem + 0x300000, "ELF!", 4);
	cr_assert_eq(le64(mem + BOOT_PML4_GPA) & ~0xfffull, BOOT_PDPT_GPA);
}

/*
 * A minimal bzImage: 1 setup sector after the boot sector (setup is 1 KiB),
 * protocol 2.15, a 64-bit entry, then (payload) bytes.
 */
static size_t make_bzimage(uint8_t *f, size_t payload, uint32_t init_size)
{
	size_t i;

	memset(f, 0, 1024 + payload);
	f[LH_SETUP_SECTS] = 1;
	put_le16(f + LH_BOOT_FLAG, 0xaa55);
	f[LH_JUMP] = 0xeb;
	f[LH_JUMP + 1] = 0x6a; /* header ends at 0x202 + 0x6a = 0x26c */
	put_le32(f + LH_HEADER, LINUX_HDRS_MAGIC);
	put_le16(f + LH_VERSION, 0x020f);
	f[LH_TYPE_OF_LOADER] = 0;
	f[LH_LOADFLAGS] = 0x01;
	put_le32(f + LH_INITRD_ADDR_MAX, 0x7fffffff);
	put_le32(f + LH_KERNEL_ALIGNMENT, 0x200000);
	f[LH_RELOCATABLE] = 1;
	put_le16(f + LH_XLOADFLAGS, LINUX_XLF_KERNEL_64);
	put_le32(f + LH_CMDLINE_SIZE, 64);
	put_le64(f + LH_PREF_ADDRESS, 0x100000);
	put_le32(f + LH_INIT_SIZE, init_size);
	for (i = 0; i < payload; i++)
		f[1024 + i] = (uint8_t)(i * 7);
	return 1024 + payload;
}

Test(loaders, linux_boot_params_and_layout)
{
	static uint8_t f[1024 + 4096];
	static uint8_t initrd[10000];
	const struct boot_module rd = { initrd, sizeof(initrd), NULL };
	size_t n = make_bzimage(f, 4096, 0x200000);
	const uint8_t *bp = mem + LINUX_ZERO_PAGE;
	struct boot_cpu cpu;
	uint32_t rd_at;

	memset(initrd, 0x42, sizeof(initrd));
	cr_assert_eq(linux_load(&ram, f, n, "console=ttyS0 quiet", &rd, &cpu), 0, "%s",
		     vmm_error());
	cr_assert_eq(cpu.mode, BOOT_MODE_LONG);
	cr_assert_eq(cpu.rip, LINUX_KERNEL_GPA + 0x200);
	cr_assert_eq(cpu.rsi, LINUX_ZERO_PAGE);
	cr_assert_eq(cpu.code_sel, 0x10, "__BOOT_CS");
	cr_assert_arr_eq(mem + LINUX_KERNEL_GPA, f + 1024, 4096, "the protected-mode part");
	/* The setup header copied, then the loader's fields. */
	cr_assert_eq(le32(bp + LH_HEADER), LINUX_HDRS_MAGIC);
	cr_assert_eq(le16(bp + LH_VERSION), 0x020f);
	cr_assert_eq(le32(bp + LH_INIT_SIZE), 0x200000);
	cr_assert_eq(bp[LH_TYPE_OF_LOADER], 0xff);
	cr_assert_eq(bp[LH_LOADFLAGS], LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP);
	cr_assert_eq(le16(bp + LH_VID_MODE), 0xffff);
	cr_assert_eq(le32(bp + LH_CMD_LINE_PTR), LINUX_CMDLINE_GPA);
	cr_assert_str_eq((const char *)mem + LINUX_CMDLINE_GPA, "console=ttyS0 quiet");
	cr_assert_eq(bp[0x26c], 0, "nothing copied past the header's end");
	/* The initrd: page-aligned, as high as RAM allows. */
	rd_at = le32(bp + LH_RAMDISK_IMAGE);
	cr_assert_eq(le32(bp + LH_RAMDISK_SIZE), sizeof(initrd));
	cr_assert_eq(rd_at % 4096, 0);
	cr_assert_eq(rd_at, (RAM_SIZE - sizeof(initrd)) & ~4095u);
	cr_assert_arr_eq(mem + rd_at, initrd, sizeof(initrd));
	/* e820: four entries of 20 bytes. */
	cr_assert_eq(bp[BP_E820_ENTRIES], 4);
	cr_assert_eq(le64(bp + BP_E820_TABLE + 3 * 20), 0x100000);
	cr_assert_eq(le64(bp + BP_E820_TABLE + 3 * 20 + 8), RAM_SIZE - 0x100000);
	cr_assert_eq(le32(bp + BP_E820_TABLE + 3 * 20 + 16), E820_TYPE_RAM);
	cr_assert_eq(le32(bp + BP_E820_TABLE + 20 + 16), E820_TYPE_RESERVED);
	/* The 64-bit protocol's GDT: code64 at 0x10, data at 0x18. */
	cr_assert_eq(le64(mem + BOOT_GDT_GPA + 0x10), 0x00af9b000000ffffull);
	cr_assert_eq(le64(mem + BOOT_GDT_GPA + 0x18), 0x00cf93000000ffffull);
	/* Identity paging covers the initrd. */
	cr_assert_eq(le64(mem + BOOT_PD_GPA + 8 * (rd_at >> 21)) & ~0xfffull, rd_at & ~0x1fffffull);
}

Test(loaders, linux_refusals)
{
	static uint8_t f[1024 + 4096];
	static uint8_t big[RAM_SIZE];
	const struct boot_module rd = { big, sizeof(big) - 0x100000, NULL };
	char longline[100];
	struct boot_cpu cpu;
	size_t n = make_bzimage(f, 4096, 0x200000);

	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	cr_assert_eq(linux_load(&ram, f, n, longline, NULL, &cpu), -EINVAL);
	cr_assert(strstr(vmm_error(), "at most 64"));
	cr_assert_eq(linux_load(&ram, f, n, "", &rd, &cpu), -EINVAL);
	cr_assert(strstr(vmm_error(), "initrd"));
	put_le32(f + LH_INIT_SIZE, RAM_SIZE);
	cr_assert_eq(linux_load(&ram, f, n, "", NULL, &cpu), -EINVAL);
	cr_assert(strstr(vmm_error(), "at least 9 MiB"), "%s", vmm_error());
	put_le32(f + LH_INIT_SIZE, 0x200000);
	put_le16(f + LH_XLOADFLAGS, 0);
	cr_assert_eq(linux_load(&ram, f, n, "", NULL, &cpu), -EINVAL);
	cr_assert(strstr(vmm_error(), "64-bit entry"));
	put_le16(f + LH_XLOADFLAGS, 1);
	put_le16(f + LH_VERSION, 0x020a);
	cr_assert_eq(linux_load(&ram, f, n, "", NULL, &cpu), -EINVAL);
	cr_assert(strstr(vmm_error(), "2.10 is too old"), "%s", vmm_error());
	cr_assert_eq(linux_load(&ram, f, 600, "", NULL, &cpu), -EINVAL, "truncated");
}

Test(loaders, format_detection)
{
	static uint8_t f[16384];
	size_t n;

	memset(f, 0x90, sizeof(f));
	cr_assert_eq(image_detect(f, sizeof(f)), IMAGE_FLAT);
	n = make_bzimage(f, 4096, 0x200000);
	cr_assert_eq(image_detect(f, n), IMAGE_LINUX);
	n = make_elf32(f, 0x200000, 0, "t", 0, 0x200000, false, 0);
	cr_assert_eq(image_detect(f, n), IMAGE_ELF);
	n = make_elf32(f, 0x200000, 0, "room for a header", 0, 0x200000, true, 0x200000);
	cr_assert_eq(image_detect(f, n), IMAGE_PVH);
	put_mb_header(f, 0x100, 3);
	cr_assert_eq(image_detect(f, n), IMAGE_MULTIBOOT, "multiboot wins over PVH");
	cr_assert_eq(image_detect(f, 3), IMAGE_FLAT, "too short for anything");
}

Test(loaders, format_names_round_trip)
{
	enum image_format fmt;
	unsigned int i;

	for (i = IMAGE_AUTO; i <= IMAGE_PVH; i++) {
		cr_assert_eq(image_format_parse(image_format_name(i), &fmt), 0);
		cr_assert_eq(fmt, i);
	}
	cr_assert_eq(image_format_parse("bzimage", &fmt), -EINVAL);
}

Test(loaders, e820_layout)
{
	struct e820_entry m[LAYOUT_E820_MAX];

	cr_assert_eq(layout_e820(m, 1u << 20), 3, "exactly 1 MiB: no extended memory");
	cr_assert_eq(m[2].addr + m[2].size, 0x100000);
	cr_assert_eq(layout_e820(m, 0x80000), 1, "512 KiB: conventional memory only");
	cr_assert_eq(m[0].size, 0x80000, "cut at the end of RAM");
	cr_assert_eq(layout_e820(m, 64u << 20), 4);
	cr_assert_eq(m[0].type, E820_TYPE_RAM);
	cr_assert_eq(m[1].addr, LAYOUT_EBDA_START);
	cr_assert_eq(m[1].type, E820_TYPE_RESERVED);
	cr_assert_eq(m[3].addr, 0x100000);
	cr_assert_eq(m[3].size, (64u << 20) - 0x100000);
}

Test(loaders, default_command_lines)
{
	char *s;
	int err;

	s = vm_cmdline(IMAGE_LINUX, "/boot/vmlinuz", "root=/dev/vda", &err);
	cr_assert_str_eq(s, VM_LINUX_CMDLINE " root=/dev/vda");
	free(s);
	s = vm_cmdline(IMAGE_MULTIBOOT, "k.elf", NULL, &err);
	cr_assert_str_eq(s, "k.elf");
	free(s);
	s = vm_cmdline(IMAGE_MULTIBOOT, "k.elf", "a b", &err);
	cr_assert_str_eq(s, "k.elf a b");
	free(s);
	cr_assert_null(vm_cmdline(IMAGE_FLAT, "f.bin", NULL, &err));
	cr_assert_eq(err, 0);
	s = vm_cmdline(IMAGE_FLAT, "f.bin", "x", &err);
	cr_assert_str_eq(s, "x");
	free(s);
}
