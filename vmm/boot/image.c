/* image.c: kernel image format detection and dispatch to the loaders (see image.h). */
#include <errno.h>
#include <string.h>

#include "../error.h"
#include "elf.h"
#include "image.h"
#include "linux.h"
#include "multiboot.h"
#include "pvh.h"

static const char *const image_format_names[] = {
	[IMAGE_AUTO] = "auto",		 [IMAGE_FLAT] = "flat",	  [IMAGE_ELF] = "elf",
	[IMAGE_MULTIBOOT] = "multiboot", [IMAGE_LINUX] = "linux", [IMAGE_PVH] = "pvh",
};
_Static_assert(sizeof(image_format_names) / sizeof(image_format_names[0]) == IMAGE_PVH + 1,
	       "a name for every image format");

const char *image_format_name(enum image_format f)
{
	if ((unsigned int)f > IMAGE_PVH)
		return "?";
	return image_format_names[f];
}

int image_format_parse(const char *s, enum image_format *f)
{
	unsigned int i;

	for (i = 0; i <= IMAGE_PVH; i++) {
		if (strcmp(s, image_format_names[i]) == 0) {
			*f = (enum image_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

enum image_format image_detect(const uint8_t *data, uint64_t size)
{
	struct multiboot_header mb;
	struct elf_info elf;

	if (linux_is_bzimage(data, size))
		return IMAGE_LINUX;
	/* A header with unsupported requirements is still multiboot: the loader says why. */
	if (multiboot_find(data, size, &mb) != -ENOENT)
		return IMAGE_MULTIBOOT;
	if (elf_is_elf(data, size)) {
		if (elf_parse(data, size, &elf) == 0 && elf.has_pvh)
			return IMAGE_PVH;
		return IMAGE_ELF;
	}
	return IMAGE_FLAT;
}

int image_load(const struct ram *ram, const struct image_spec *spec, struct boot_cpu *cpu)
{
	struct flat_image img;
	int rc;

	switch (spec->format) {
	case IMAGE_FLAT:
	case IMAGE_ELF:
		if (spec->nmods) {
			vmm_error_set("a %s image takes no --initrd",
				      image_format_name(spec->format));
			return -EINVAL;
		}
		if (spec->format == IMAGE_ELF)
			return elf_kernel_load(ram, spec->data, spec->size, cpu);
		img = (struct flat_image){
			.data = spec->data,
			.size = spec->size,
			.load = spec->load,
			.entry = spec->entry,
			.mode = spec->mode,
		};
		rc = flat_load(ram, &img);
		if (rc)
			return rc;
		memset(cpu, 0, sizeof(*cpu));
		cpu->mode = img.mode;
		cpu->rip = img.entry;
		cpu->rsp = BOOT_STACK_TOP;
		return 0;
	case IMAGE_MULTIBOOT:
		return multiboot_load(ram, spec->data, spec->size, spec->cmdline, spec->mods,
				      spec->nmods, cpu);
	case IMAGE_PVH:
		return pvh_load(ram, spec->data, spec->size, spec->cmdline, spec->mods, spec->nmods,
				cpu);
	case IMAGE_LINUX:
		if (spec->nmods > 1) {
			vmm_error_set("a Linux kernel takes one --initrd (got %u)", spec->nmods);
			return -EINVAL;
		}
		return linux_load(ram, spec->data, spec->size, spec->cmdline ? spec->cmdline : "",
				  spec->nmods ? &spec->mods[0] : NULL, cpu);
	default:
		vmm_error_set("no loader for image format '%s'", image_format_name(spec->format));
		return -EINVAL;
	}
}
