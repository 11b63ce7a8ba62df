/* vm.h: the openwhp machine wired up: files, loaders, devices, console, sandbox, one run. */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <stdint.h>
#include <stdio.h>

#include "boot/image.h"
#include "machine.h"
#include "options.h"

/*
 * What the guest always gets in front of --cmdline (which is appended
 * after a space):
 *   Linux and PVH  VM_LINUX_CMDLINE: the console on COM1 from the first
 *                  message on, a power-off (not a reboot loop) on panic,
 *                  reboot through the keyboard controller (which ends the
 *                  run cleanly), and "nolapic noapic" for as long as the
 *                  machine has no interrupt controller: without them Linux
 *                  reads the local APIC at 0xfee00000 early in boot, which
 *                  is unmapped here and stops the run
 *   multiboot      the kernel's file name, as GRUB and QEMU pass it
 *   flat, ELF      nothing (the text is still offered through fw_cfg)
 */
#define VM_LINUX_CMDLINE \
	"console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1 reboot=k nolapic noapic"

/* The built-in guest: a flat image the tool links in. */
struct vm_builtin {
	const uint8_t *data;
	uint64_t size;
	uint64_t load;
	enum boot_mode mode;
};

/* Where the guest's console and the VMM's diagnostics go. */
struct vm_io {
	int in_fd;  /* console input, -1 for none */
	int out_fd; /* console output */
	FILE *diag; /* --trace exits and --stats */
};

struct vm_result {
	struct machine_result m;
	enum image_format format; /* what was booted */
	int quit_why;		  /* 0, CONSOLE_QUIT_USER or the signal that stopped it */
};

/*
 * vm_cmdline: the command line for a (format) kernel read from (file) with
 * the user's (extra) text (may be NULL), in a new malloc'd string; NULL
 * when there is none (flat and ELF without --cmdline) or memory ran out
 * (*err set to -ENOMEM then).
 */
char *vm_cmdline(enum image_format format, const char *file, const char *extra, int *err);

/*
 * vm_run: build the machine (o) describes, run it until the guest stops,
 * tear it down. Reads the kernel (or takes (builtin) when o->file is
 * NULL) and the initrd files, detects the format, composes the command
 * line, creates RAM and the partition, attaches COM1 (with the console),
 * the debug-exit port, fw_cfg and the power devices, loads the image, sets
 * the boot registers, enters the sandbox unless o->sandbox is false, and
 * runs. Returns 0 with (*res) filled; -EINVAL for a bad combination of
 * options or an image that cannot be booted (vmm_error() says which);
 * -ENODEV without a hypervisor; another negative errno for a host
 * failure (unreadable file, WHv* call failed, ...).
 */
int vm_run(const struct run_options *o, const struct vm_builtin *builtin, const struct vm_io *io,
	   struct vm_result *res);

#endif /* VMM_VM_H */
