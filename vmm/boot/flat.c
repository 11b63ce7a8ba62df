/* flat.c: flat-binary loader and per-mode initial CPU state (see flat.h and docs/vmm.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../error.h"
#include "flat.h"
#include "x86_setup.h"

static const char *const boot_mode_names[] = {
	[BOOT_MODE_REAL] = "real",
	[BOOT_MODE_PROTECTED] = "protected",
	[BOOT_MODE_LONG] = "long",
};
_Static_assert(sizeof(boot_mode_names) / sizeof(boot_mode_names[0]) == BOOT_MODE_LONG + 1,
	       "a name for every boot mode");

const char *boot_mode_name(enum boot_mode mode)
{
	if ((unsigned int)mode > BOOT_MODE_LONG)
		return "?";
	return boot_mode_names[mode];
}

int boot_mode_parse(const char *s, enum boot_mode *mode)
{
	unsigned int i;

	for (i = 0; i <= BOOT_MODE_LONG; i++) {
		if (strcmp(s, boot_mode_names[i]) == 0) {
			*mode = (enum boot_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

uint64_t flat_default_load(enum boot_mode mode)
{
	return mode == BOOT_MODE_REAL ? FLAT_LOAD_REAL_DEFAULT : FLAT_LOAD_DEFAULT;
}

int flat_check(const struct flat_image *img, uint64_t ram_size)
{
	const char *mode = boot_mode_name(img->mode);

	if ((unsigned int)img->mode > BOOT_MODE_LONG) {
		vmm_error_set("unknown boot mode %d", (int)img->mode);
		return -EINVAL;
	}
	if (img->size == 0) {
		vmm_error_set("the image is empty");
		return -EINVAL;
	}
	if (img->load > ram_size || img->size > ram_size - img->load) {
		vmm_error_set("the image (%llu bytes at 0x%llx) does not fit in "
			      "guest RAM (%llu MiB, ending at 0x%llx)",
			      (unsigned long long)img->size, (unsigned long long)img->load,
			      (unsigned long long)(ram_size >> 20), (unsigned long long)ram_size);
		return -EINVAL;
	}
	if (img->mode != BOOT_MODE_REAL && img->load < BOOT_AREA_END &&
	    img->load + img->size > BOOT_AREA_START) {
		vmm_error_set("the image (0x%llx-0x%llx) overlaps the %s-mode boot "
			      "area 0x%llx-0x%llx (GDT and page tables)",
			      (unsigned long long)img->load,
			      (unsigned long long)(img->load + img->size - 1), mode,
			      BOOT_AREA_START, BOOT_AREA_END - 1);
		return -EINVAL;
	}
	if (img->entry >= ram_size) {
		vmm_error_set("the entry point 0x%llx is outside guest RAM "
			      "(which ends at 0x%llx)",
			      (unsigned long long)img->entry, (unsigned long long)ram_size);
		return -EINVAL;
	}
	if (img->mode == BOOT_MODE_REAL && img->entry >= 0x100000) {
		vmm_error_set("a real-mode entry point must be below 1 MiB "
			      "(got 0x%llx)",
			      (unsigned long long)img->entry);
		return -EINVAL;
	}
	if (img->mode == BOOT_MODE_LONG && ram_size > BOOT_RAM_MAX) {
		vmm_error_set("long mode maps at most %llu MiB of RAM", BOOT_RAM_MAX >> 20);
		return -EINVAL;
	}
	return 0;
}

int flat_load(const struct ram *ram, const struct flat_image *img)
{
	int rc = flat_check(img, ram->size);

	if (rc)
		return rc;
	if (ram_write(ram, img->load, img->data, img->size)) {
		vmm_error_set("cannot copy the image into guest RAM");
		return -EFAULT;
	}
	if (img->mode == BOOT_MODE_REAL)
		return 0;
	if (x86_gdt_write(ram, BOOT_GDT_GPA) < 0) {
		vmm_error_set("guest RAM is too small for the GDT at 0x%llx", BOOT_GDT_GPA);
		return -EFAULT;
	}
	if (img->mode == BOOT_MODE_LONG) {
		rc = x86_identity_map(ram, BOOT_PML4_GPA, BOOT_PDPT_GPA, BOOT_PD_GPA, ram->size);
		if (rc) {
			vmm_error_set("cannot build the long-mode page tables "
				      "(error %d)",
				      rc);
			return rc;
		}
	}
	return 0;
}

static void flat_push(struct flat_regs *regs, WHV_REGISTER_NAME name, WHV_REGISTER_VALUE value)
{
	/* The caller's list is fixed; FLAT_MAX_REGS is sized for it. */
	if (regs->count < FLAT_MAX_REGS) {
		regs->names[regs->count] = name;
		regs->values[regs->count] = value;
		regs->count++;
	}
}

static void flat_push64(struct flat_regs *regs, WHV_REGISTER_NAME name, uint64_t v)
{
	WHV_REGISTER_VALUE value;

	memset(&value, 0, sizeof(value));
	value.Reg64 = v;
	flat_push(regs, name, value);
}

static void flat_push_seg(struct flat_regs *regs, WHV_REGISTER_NAME name, uint64_t base,
			  uint32_t limit, uint16_t selector, uint16_t attributes)
{
	WHV_REGISTER_VALUE value;

	memset(&value, 0, sizeof(value));
	value.Segment.Base = base;
	value.Segment.Limit = limit;
	value.Segment.Selector = selector;
	value.Segment.Attributes = attributes;
	flat_push(regs, name, value);
}

static void flat_push_table(struct flat_regs *regs, WHV_REGISTER_NAME name, uint64_t base,
			    uint16_t limit)
{
	WHV_REGISTER_VALUE value;

	memset(&value, 0, sizeof(value));
	value.Table.Base = base;
	value.Table.Limit = limit;
	flat_push(regs, name, value);
}

/* The data segment registers, all loaded alike. */
static const WHV_REGISTER_NAME flat_data_segs[] = {
	WHvX64RegisterDs,
	WHvX64RegisterEs,
	WHvX64RegisterFs,
	WHvX64RegisterGs,
};

void boot_cpu_state(struct flat_regs *regs, const struct boot_cpu *cpu)
{
	unsigned int i;

	regs->count = 0;
	flat_push64(regs, WHvX64RegisterRflags, 0x2); /* bit 1 is always 1 */
	flat_push64(regs, WHvX64RegisterRsp, cpu->rsp);
	flat_push64(regs, WHvX64RegisterRax, cpu->rax);
	flat_push64(regs, WHvX64RegisterRbx, cpu->rbx);
	flat_push64(regs, WHvX64RegisterRsi, cpu->rsi);

	switch (cpu->mode) {
	case BOOT_MODE_REAL: {
		/*
		 * CS:IP = (entry >> 4) & 0xF000 : entry & 0xFFFF, so any entry
		 * below 1 MiB is reachable. DS, ES, FS and GS equal CS (as for a
		 * DOS .COM program); SS is 0 so the stack is at linear
		 * BOOT_STACK_TOP as in the other modes. Real-mode segment
		 * caches: base = selector * 16, limit 0xFFFF (Intel SDM vol. 3A,
		 * 20.1.1).
		 */
		uint16_t sel = (uint16_t)((cpu->rip >> 4) & 0xf000);
		uint64_t base = (uint64_t)sel << 4;

		flat_push64(regs, WHvX64RegisterRip, cpu->rip & 0xffff);
		flat_push_seg(regs, WHvX64RegisterCs, base, 0xffff, sel, X86_ATTR_CODE16);
		for (i = 0; i < 4; i++)
			flat_push_seg(regs, flat_data_segs[i], base, 0xffff, sel, X86_ATTR_DATA16);
		flat_push_seg(regs, WHvX64RegisterSs, 0, 0xffff, 0, X86_ATTR_DATA16);
		flat_push_table(regs, WHvX64RegisterIdtr, 0, 0x3ff); /* IVT */
		flat_push_table(regs, WHvX64RegisterGdtr, 0, 0xffff);
		flat_push64(regs, WHvX64RegisterCr0, X86_CR0_ET);
		flat_push64(regs, WHvX64RegisterCr3, 0);
		flat_push64(regs, WHvX64RegisterCr4, 0);
		flat_push64(regs, WHvX64RegisterEfer, 0);
		break;
	}
	case BOOT_MODE_PROTECTED:
	case BOOT_MODE_LONG: {
		bool lm = cpu->mode == BOOT_MODE_LONG;
		uint16_t cs = cpu->code_sel ? cpu->code_sel
			      : lm	    ? X86_GDT_SEL_CODE64
					    : X86_GDT_SEL_CODE32;

		flat_push64(regs, WHvX64RegisterRip, cpu->rip);
		/*
		 * Segment registers hold what loading the GDT selectors would
		 * put in their caches: flat 4 GiB, byte limit 0xFFFFFFFF.
		 */
		flat_push_seg(regs, WHvX64RegisterCs, 0, 0xffffffff, cs,
			      lm ? X86_ATTR_CODE64 : X86_ATTR_CODE32);
		for (i = 0; i < 4; i++)
			flat_push_seg(regs, flat_data_segs[i], 0, 0xffffffff, X86_GDT_SEL_DATA,
				      X86_ATTR_DATA32);
		flat_push_seg(regs, WHvX64RegisterSs, 0, 0xffffffff, X86_GDT_SEL_DATA,
			      X86_ATTR_DATA32);
		flat_push_table(regs, WHvX64RegisterGdtr, BOOT_GDT_GPA, X86_GDT_ENTRIES * 8 - 1);
		/*
		 * Empty IDT: any exception becomes a triple fault, which the run
		 * loop reports, instead of running from a garbage vector.
		 */
		flat_push_table(regs, WHvX64RegisterIdtr, 0, 0);
		if (lm) {
			/*
			 * IA-32e mode needs PAE, LME+LMA and paging together
			 * (Intel SDM vol. 3A, 10.8.5 "Initializing IA-32e Mode").
			 */
			flat_push64(regs, WHvX64RegisterCr3, BOOT_PML4_GPA);
			flat_push64(regs, WHvX64RegisterCr4, X86_CR4_PAE);
			flat_push64(regs, WHvX64RegisterEfer, X86_EFER_LME | X86_EFER_LMA);
			flat_push64(regs, WHvX64RegisterCr0, X86_CR0_PE | X86_CR0_ET | X86_CR0_PG);
		} else {
			flat_push64(regs, WHvX64RegisterCr3, 0);
			flat_push64(regs, WHvX64RegisterCr4, 0);
			flat_push64(regs, WHvX64RegisterEfer, 0);
			flat_push64(regs, WHvX64RegisterCr0, X86_CR0_PE | X86_CR0_ET);
		}
		break;
	}
	}
}

void flat_cpu_state(struct flat_regs *regs, const struct flat_image *img)
{
	struct boot_cpu cpu = {
		.mode = img->mode,
		.rip = img->entry,
		.rsp = BOOT_STACK_TOP,
	};

	boot_cpu_state(regs, &cpu);
}

int boot_cpu_set(WHV_PARTITION_HANDLE partition, UINT32 vp_index, const struct boot_cpu *cpu)
{
	struct flat_regs regs;
	HRESULT hr;

	boot_cpu_state(&regs, cpu);
	hr = WHvSetVirtualProcessorRegisters(partition, vp_index, regs.names, regs.count,
					     regs.values);
	if (FAILED(hr))
		return vmm_error_hr("WHvSetVirtualProcessorRegisters (initial state)", hr);
	return 0;
}

int flat_boot(WHV_PARTITION_HANDLE partition, UINT32 vp_index, const struct ram *ram,
	      const struct flat_image *img)
{
	struct boot_cpu cpu = {
		.mode = img->mode,
		.rip = img->entry,
		.rsp = BOOT_STACK_TOP,
	};
	int rc;

	rc = flat_load(ram, img);
	if (rc)
		return rc;
	return boot_cpu_set(partition, vp_index, &cpu);
}

int flat_read_file(const char *path, uint8_t **data, uint64_t *size)
{
	struct stat st;
	uint8_t *buf = NULL;
	uint64_t done = 0;
	int fd, e;

	*data = NULL;
	*size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		e = EISDIR;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		vmm_error_set("cannot read '%s': not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > BOOT_RAM_MAX) {
		e = EFBIG;
		goto fail;
	}
	/* malloc(0) may return NULL; keep one byte so an empty file succeeds. */
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		e = ENOMEM;
		goto fail;
	}
	while (done < (uint64_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)((uint64_t)st.st_size - done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			goto fail;
		}
		if (n == 0)
			break; /* the file shrank under us: take what is there */
		done += (uint64_t)n;
	}
	close(fd);
	*data = buf;
	*size = done;
	return 0;
fail:
	free(buf);
	if (fd >= 0)
		close(fd);
	vmm_error_set("cannot read '%s': %s", path, strerror(e));
	return -e;
}
