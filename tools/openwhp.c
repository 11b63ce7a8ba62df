/* openwhp.c: the openwhp command: parse arguments, run the machine via vmm/, return its status. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openwhp.h>

#include "vmm/devices/console.h"
#include "vmm/error.h"
#include "vmm/options.h"
#include "vmm/vm.h"

/*
 * Exit codes. The guest's own status (0 after HLT or a power-off, and
 * (V << 1) | 1 after a write of V to the debug-exit port 0xF4) is passed
 * through unchanged.
 */
#define EXIT_USAGE	   124 /* bad command line, or an image that cannot boot */
#define EXIT_HOST_ERROR	   125 /* cannot read a file, no hypervisor, WHv* failure */
#define EXIT_GUEST_FAILURE 126 /* unhandled exit, triple fault, bad memory access */

/* The built-in guest (tools/hello.S), assembled at build time for 1 MiB. */
extern const unsigned char openwhp_hello[];
extern const unsigned int openwhp_hello_size;
#define HELLO_LOAD 0x100000ull

static void usage(FILE *f)
{
	fprintf(f, "Usage: openwhp run [FILE] [options]\n"
		   "       openwhp --help | --version\n"
		   "\n"
		   "Boots FILE in a new virtual machine, using the Windows Hypervisor Platform\n"
		   "API on KVM. The format is detected: a Linux bzImage, a multiboot (v1)\n"
		   "kernel, an ELF file with a PVH entry note, any other ELF executable, or a\n"
		   "flat binary (raw machine code). Without FILE, a built-in guest greets on\n"
		   "the serial port.\n"
		   "\n"
		   "Options:\n"
		   "  --kernel FILE   the same as FILE\n"
		   "  --format FMT    do not detect: auto, flat, elf, multiboot, linux or pvh\n"
		   "  --initrd FILE   Linux: the initial ramdisk. Multiboot and PVH: a module\n"
		   "                  (repeatable); \"FILE ARGS\" gives it a command line\n"
		   "  --cmdline TEXT  appended to the kernel command line (Linux starts from\n"
		   "                  \"" VM_LINUX_CMDLINE "\",\n"
		   "                  multiboot from the kernel's file name)\n"
		   "  --mem SIZE      RAM at address 0: MiB, or with an M or G suffix, 1M to 4G\n"
		   "                  (default 128)\n"
		   "  --cpus N        virtual processors (only 1 for now)\n"
		   "  --load ADDR     flat binaries: where FILE is copied (default 0x7c00 in\n"
		   "                  real mode, 0x100000 otherwise)\n"
		   "  --entry ADDR    flat binaries: where execution starts (default: --load)\n"
		   "  --mode MODE     flat binaries: real (16-bit), protected (32-bit, no\n"
		   "                  paging) or long (64-bit, RAM identity-mapped); default long\n"
		   "  --trace exits   print every exit of the virtual processor on stderr\n"
		   "  --stats         print exit counts and times (the VMM's and WHP's counters)\n"
		   "                  on stderr at the end\n"
		   "  --no-sandbox    do not confine the process with seccomp once running\n"
		   "  --help          show this text\n"
		   "ADDR is decimal or 0x-prefixed hexadecimal.\n"
		   "\n"
		   "Devices: COM1 (16550A at 0x3f8; standard input and output, the terminal\n"
		   "in raw mode; Ctrl-A x quits), QEMU's debug-exit port at 0xf4, fw_cfg at\n"
		   "0x510, the Bochs shutdown port 0x8900, reset through 0xcf9 or 0x64.\n"
		   "\n"
		   "Exit status:\n"
		   "  0      the guest halted, powered off or reset itself, or Ctrl-A x\n"
		   "  odd    (V << 1) | 1: the guest wrote V to the debug-exit port 0xf4\n"
		   "  124    bad command line, or an image that cannot be booted\n"
		   "  125    host error: unreadable file, no hypervisor (/dev/kvm), API failure\n"
		   "  126    guest failure: unhandled exit, triple fault, access to unmapped\n"
		   "         memory (a message on standard error says which)\n"
		   "  128+N  stopped by signal N (SIGINT, SIGTERM, SIGHUP)\n");
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "openwhp: %s\nTry 'openwhp --help' for more information.\n", msg);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	const struct vm_builtin builtin = {
		.data = openwhp_hello,
		.size = openwhp_hello_size,
		.load = HELLO_LOAD,
		.mode = BOOT_MODE_LONG,
	};
	const struct vm_io io = {
		.in_fd = STDIN_FILENO,
		.out_fd = STDOUT_FILENO,
		.diag = stderr,
	};
	struct run_options o;
	struct vm_result res;
	int rc;

	if (options_parse(&o, argc, argv))
		return usage_error(vmm_error());
	if (o.action == OPTIONS_HELP) {
		usage(stdout);
		return 0;
	}
	if (o.action == OPTIONS_VERSION) {
		printf("openwhp %s\n", openwhp_version());
		return 0;
	}

	/* A closed output pipe must not kill the process before the terminal is restored. */
	signal(SIGPIPE, SIG_IGN);
	rc = vm_run(&o, &builtin, &io, &res);
	if (rc == -EINVAL)
		return usage_error(vmm_error());
	if (rc) {
		fprintf(stderr, "openwhp: %s\n", vmm_error());
		return EXIT_HOST_ERROR;
	}
	switch (res.m.stop) {
	case MACHINE_STOP_HALT: return 0;
	case MACHINE_STOP_EXIT: return res.m.status;
	case MACHINE_STOP_CANCELED:
		if (res.quit_why == CONSOLE_QUIT_USER)
			return 0; /* Ctrl-A x, as in QEMU */
		if (res.quit_why > 0) {
			fprintf(stderr, "openwhp: stopped by signal %d\n", res.quit_why);
			return 128 + res.quit_why;
		}
		fprintf(stderr, "openwhp: the run was canceled\n");
		return EXIT_GUEST_FAILURE;
	default:
		fprintf(stderr, "openwhp: guest failure: %s\n", res.m.message);
		return EXIT_GUEST_FAILURE;
	}
}
