/* image.h: kernel image formats: detection from the file's bytes, and one loader entry for all. */
#ifndef VMM_BOOT_IMAGE_H
#define VMM_BOOT_IMAGE_H

#include <stdint.h>

#include "../ram.h"
#include "flat.h"

enum image_format {
	IMAGE_AUTO,	 /* detect (image_detect) */
	IMAGE_FLAT,	 /* raw bytes at a load address */
	IMAGE_ELF,	 /* ELF32/ELF64 without a boot convention */
	IMAGE_MULTIBOOT, /* a multiboot v1 header in the first 8 KiB */
	IMAGE_LINUX,	 /* an x86 Linux bzImage */
	IMAGE_PVH,	 /* ELF with a PVH entry note */
};

/* image_format_name: "auto", "flat", "elf", "multiboot", "linux", "pvh". */
const char *image_format_name(enum image_format f);

/* image_format_parse: the inverse of image_format_name(); 0 or -EINVAL. */
int image_format_parse(const char *s, enum image_format *f);

/*
 * image_detect: the format of (data, size), checked in this order: a Linux
 * bzImage (boot flag and "HdrS"), a valid multiboot header (so a multiboot
 * kernel that is also ELF boots as multiboot, as GRUB and QEMU do), an ELF
 * file with a PVH note, any other ELF file, and otherwise flat.
 */
enum image_format image_detect(const uint8_t *data, uint64_t size);

/* What to boot and how. */
struct image_spec {
	enum image_format format; /* not IMAGE_AUTO */
	const uint8_t *data;
	uint64_t size;
	const char *cmdline;		/* multiboot, PVH, Linux; may be NULL except for Linux */
	const struct boot_module *mods; /* multiboot and PVH modules; Linux: the initrd */
	unsigned int nmods;
	enum boot_mode mode;  /* flat only */
	uint64_t load, entry; /* flat only */
};

/*
 * image_load: load (spec) into (ram) with the format's loader and fill
 * (cpu) with its entry state. Refuses modules for flat and ELF images and
 * more than one initrd for Linux. Returns 0 or a negative errno with
 * vmm_error() set.
 */
int image_load(const struct ram *ram, const struct image_spec *spec, struct boot_cpu *cpu);

#endif /* VMM_BOOT_IMAGE_H */
