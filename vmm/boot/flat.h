/* flat.h: load a flat binary into guest RAM and give the VP its initial state for a CPU mode. */
#ifndef VMM_BOOT_FLAT_H
#define VMM_BOOT_FLAT_H

#include <stdint.h>

#include <WinHvPlatform.h>

#include "../ram.h"

/*
 * Guest memory layout used when booting a flat binary (docs/vmm.md has the
 * full table). Protected and long mode need boot structures in RAM; they sit
 * in the "boot area" [BOOT_AREA_START, BOOT_AREA_END), which an image may
 * not overlap in those modes. Real mode writes nothing besides the image.
 */
#define BOOT_GDT_GPA	0x500ull  /* GDT, X86_GDT_ENTRIES descriptors */
#define BOOT_PML4_GPA	0x1000ull /* long mode only */
#define BOOT_PDPT_GPA	0x2000ull
#define BOOT_PD_GPA	0x3000ull /* up to 4 page directories */
#define BOOT_AREA_START 0x500ull
#define BOOT_AREA_END	0x7000ull
#define BOOT_STACK_TOP	0x7c00ull    /* initial RSP (linear), every mode */
#define BOOT_RAM_MAX	(4ull << 30) /* what the 4 page directories map */

#define FLAT_LOAD_REAL_DEFAULT 0x7c00ull   /* the PC boot-sector address */
#define FLAT_LOAD_DEFAULT      0x100000ull /* 1 MiB, protected and long */

enum boot_mode {
	BOOT_MODE_REAL,	     /* 16-bit real mode */
	BOOT_MODE_PROTECTED, /* 32-bit protected mode, flat segments, no paging */
	BOOT_MODE_LONG,	     /* 64-bit mode, identity paging of RAM */
};

/* A flat image: raw bytes placed at (load), started at (entry). */
struct flat_image {
	const uint8_t *data;
	uint64_t size;
	uint64_t load;
	uint64_t entry;
	enum boot_mode mode;
};

/*
 * The initial processor state a loader asks for. Every loader (flat,
 * ELF, multiboot, PVH, Linux) reduces its entry convention to this; the
 * segment, table and control registers follow from the mode (docs/vmm.md).
 */
struct boot_cpu {
	enum boot_mode mode;
	uint64_t rip; /* real mode: a linear address below 1 MiB */
	uint64_t rsp;
	uint64_t rax, rbx, rsi; /* entry arguments (multiboot: EAX, EBX; Linux: RSI) */
	uint16_t code_sel;	/* protected/long mode CS selector; 0 = the boot GDT's */
};

/* A file handed to the guest: a multiboot module, the Linux initrd. */
struct boot_module {
	const uint8_t *data;
	uint64_t size;
	const char *string; /* multiboot: the module's string; may be NULL */
};

/* The registers boot_cpu_state() produces, ready for one Set call. */
#define FLAT_MAX_REGS 24
struct flat_regs {
	WHV_REGISTER_NAME names[FLAT_MAX_REGS];
	WHV_REGISTER_VALUE values[FLAT_MAX_REGS];
	unsigned int count;
};

/* boot_mode_name: "real", "protected" or "long". */
const char *boot_mode_name(enum boot_mode mode);

/* boot_mode_parse: the inverse of boot_mode_name(); 0, or -EINVAL. */
int boot_mode_parse(const char *s, enum boot_mode *mode);

/* flat_default_load: where an image goes when no address is given. */
uint64_t flat_default_load(enum boot_mode mode);

/*
 * flat_check: validate (img) against a guest with (ram_size) bytes of RAM:
 * non-empty image entirely inside RAM, not overlapping the boot area in
 * protected and long mode, entry inside RAM (and below 1 MiB in real mode),
 * RAM no larger than BOOT_RAM_MAX in long mode. Returns 0 or -EINVAL with
 * vmm_error() set to a message naming the problem.
 */
int flat_check(const struct flat_image *img, uint64_t ram_size);

/*
 * flat_load: flat_check(), then copy the image into RAM and write the boot
 * structures of its mode (GDT for protected and long mode, identity page
 * tables covering all of RAM for long mode). Returns 0 or a negative errno
 * with vmm_error() set.
 */
int flat_load(const struct ram *ram, const struct flat_image *img);

/*
 * flat_cpu_state: fill (regs) with the initial register state of img->mode
 * for entry img->entry (pure; no hypervisor call). Every mode sets RIP,
 * RSP = BOOT_STACK_TOP, RFLAGS = 0x2, all six segment registers, GDTR,
 * IDTR, CR0, CR3, CR4 and EFER; docs/vmm.md lists the values.
 */
void flat_cpu_state(struct flat_regs *regs, const struct flat_image *img);

/*
 * boot_cpu_state: fill (regs) with the complete initial state for (cpu)
 * (pure; no hypervisor call): RIP, RSP, RFLAGS = 0x2, RAX, RBX, RSI, all
 * six segment registers, GDTR (the boot GDT at BOOT_GDT_GPA), IDTR, CR0,
 * CR3, CR4 and EFER.
 */
void boot_cpu_state(struct flat_regs *regs, const struct boot_cpu *cpu);

/*
 * boot_cpu_set: boot_cpu_state(), then one WHvSetVirtualProcessorRegisters
 * call. Returns 0 or -1 with vmm_error() set.
 */
int boot_cpu_set(WHV_PARTITION_HANDLE partition, UINT32 vp_index, const struct boot_cpu *cpu);

/*
 * flat_boot: flat_load() into (ram), then set the VP's registers from
 * flat_cpu_state() in one WHvSetVirtualProcessorRegisters call. The VP must
 * exist and not be running. Returns 0 or -1 with vmm_error() set.
 */
int flat_boot(WHV_PARTITION_HANDLE partition, UINT32 vp_index, const struct ram *ram,
	      const struct flat_image *img);

/*
 * flat_read_file: read the regular file at (path) into a new malloc'd buffer
 * (*data, *size); the caller frees *data. Files larger than BOOT_RAM_MAX are
 * refused. Returns 0 or a negative errno with vmm_error() set to
 * "cannot read 'PATH': REASON".
 */
int flat_read_file(const char *path, uint8_t **data, uint64_t *size);

#endif /* VMM_BOOT_FLAT_H */
