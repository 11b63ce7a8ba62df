/* fuzz_vmm_image.c: libFuzzer target for the VMM's loaders: hostile kernel images, command lines and modules. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_vmm.h"
#include "vmm/boot/flat.h"
#include "vmm/boot/image.h"
#include "vmm/error.h"
#include "vmm/ram.h"

/*
 * Input layout (little-endian; missing bytes read as 0):
 *   byte 0      format: 0 = detect as `openwhp run` does (image_detect),
 *               1..5 = forced IMAGE_FLAT, ELF, MULTIBOOT, LINUX, PVH
 *               (--format); the flat mode is bits 4-5 (real, protected, long)
 *   byte 1      bit 0: a command line follows; bits 1-2: modules (0..3)
 *   then        command line: 1 length byte + that many bytes (NUL-terminated
 *               here; an embedded NUL just shortens it, as from argv)
 *   then        per module: 2 length bytes + that many bytes
 *   byte        flat only: 4 bytes load address, 4 bytes entry
 *   rest        the kernel image
 * Everything after byte 1 is what a user (or whoever hands the user an
 * image) controls completely. Each input is loaded into the same 32 MiB
 * guest RAM (a fresh one per input would dominate the time; loaders must
 * not depend on what RAM held). A loader may refuse the input: what is
 * checked is that every outcome is a clean status, every byte written lies
 * inside RAM (ASan watches the guard pages around it) and that an accepted
 * image gives boot registers boot_cpu_state can build. With FUZZ_VMM_VERBOSE
 * set in the environment, each input's format and outcome are printed (to
 * see which seeds a loader accepts).
 */

#define RAM_SIZE  (32ull << 20)
#define MAX_MODS  3
#define MAX_IMAGE (RAM_SIZE + 4096)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ram ram;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum image_format forced[] = { IMAGE_AUTO,	     IMAGE_FLAT,  IMAGE_ELF,
						    IMAGE_MULTIBOOT, IMAGE_LINUX, IMAGE_PVH };
	struct cursor c = { data, size };
	char cmdline[256], modstr[MAX_MODS][16];
	struct boot_module mods[MAX_MODS];
	struct image_spec spec;
	struct boot_cpu cpu;
	struct flat_regs regs;
	unsigned int fmt, flags, i;
	size_t n;
	int rc;

	guarded_ram(&ram, RAM_SIZE);
	if (size < 2 || size > MAX_IMAGE)
		return 0;
	fmt = (unsigned int)take_le(&c, 1);
	flags = (unsigned int)take_le(&c, 1);
	memset(&spec, 0, sizeof(spec));
	if (flags & 1) {
		const uint8_t *s = take_bytes(&c, take_le(&c, 1), &n);

		memcpy(cmdline, s, n);
		cmdline[n] = '\0';
		spec.cmdline = cmdline;
	}
	spec.nmods = (flags >> 1) & 3;
	for (i = 0; i < spec.nmods; i++) {
		mods[i].data = take_bytes(&c, take_le(&c, 2), &n);
		mods[i].size = n;
		snprintf(modstr[i], sizeof(modstr[i]), "mod%u", i);
		mods[i].string = (fmt & 8) ? NULL : modstr[i];
	}
	spec.mods = spec.nmods ? mods : NULL;
	spec.format = forced[(fmt & 7) % 6];
	spec.mode = (enum boot_mode)(((fmt >> 4) & 3) % 3);
	if (spec.format == IMAGE_FLAT) {
		spec.load = take_le(&c, 4);
		spec.entry = take_le(&c, 4);
	}
	spec.data = c.p;
	spec.size = c.left;
	if (spec.format == IMAGE_AUTO)
		spec.format = image_detect(spec.data, spec.size);
	/* as vm.c: a Linux kernel needs a command line; flat images are checked first */
	if (spec.format == IMAGE_LINUX && !spec.cmdline)
		spec.cmdline = "console=ttyS0";
	if (spec.format == IMAGE_FLAT) {
		struct flat_image img = { spec.data, spec.size, spec.load, spec.entry, spec.mode };

		if (flat_check(&img, ram.size))
			return 0;
	}
	memset(&cpu, 0, sizeof(cpu));
	rc = image_load(&ram, &spec, &cpu);
	if (getenv("FUZZ_VMM_VERBOSE"))
		fprintf(stderr, "fuzz_vmm_image: %s, %zu bytes: %d %s\n",
			image_format_name(spec.format), (size_t)spec.size, rc,
			rc ? vmm_error() : "");
	if (rc > 0) {
		fprintf(stderr, "fuzz_vmm_image: image_load returned %d (not 0 or -errno)\n", rc);
		abort();
	}
	if (rc == 0) {
		if (cpu.mode > BOOT_MODE_LONG) {
			fprintf(stderr, "fuzz_vmm_image: accepted image with boot mode %d\n",
				(int)cpu.mode);
			abort();
		}
		boot_cpu_state(&regs, &cpu);
		if (regs.count == 0 || regs.count > FLAT_MAX_REGS) {
			fprintf(stderr, "fuzz_vmm_image: %u boot registers\n", regs.count);
			abort();
		}
	}
	return 0;
}
