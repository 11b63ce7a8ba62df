/* openwhp.c: the openwhp command: parse arguments, run a flat guest via vmm/, return its status. */
#include <stdio.h>
#include <stdlib.h>

#include <openwhp.h>

#include "vmm/boot/flat.h"
#include "vmm/error.h"
#include "vmm/options.h"
#include "vmm/vm.h"

/*
 * Exit codes. The guest's own status (0 after HLT, V & 0xFF after a write
 * of V to port 0xF4) is passed through unchanged, so a guest that wants
 * its status told apart from the tool's own failures keeps to 0-123.
 */
#define EXIT_USAGE         124	/* bad command line or image layout */
#define EXIT_HOST_ERROR    125	/* cannot read FILE, no hypervisor, WHv* failure */
#define EXIT_GUEST_FAILURE 126	/* unhandled exit, triple fault, bad memory access */

/* The built-in guest (tools/hello.S), assembled at build time for 1 MiB. */
extern const unsigned char openwhp_hello[];
extern const unsigned int openwhp_hello_size;
#define HELLO_LOAD 0x100000ull

static void usage(FILE *f)
{
	fprintf(f,
"Usage: openwhp run [FILE] [--load ADDR] [--entry ADDR]\n"
"                   [--mode real|protected|long] [--mem MIB]\n"
"       openwhp --help | --version\n"
"\n"
"Runs FILE, a flat binary (raw machine code, no headers), in a new virtual\n"
"machine with one processor, using the Windows Hypervisor Platform API on\n"
"KVM. Without FILE, runs a built-in long-mode guest that greets on the\n"
"serial port.\n"
"\n"
"Options:\n"
"  --load ADDR   guest-physical address FILE is copied to\n"
"                (default 0x7c00 in real mode, 0x100000 otherwise)\n"
"  --entry ADDR  where execution starts (default: the load address)\n"
"  --mode MODE   CPU mode at entry: real (16-bit), protected (32-bit, flat\n"
"                segments, no paging) or long (64-bit, RAM identity-mapped);\n"
"                default long\n"
"  --mem MIB     guest RAM in MiB at address 0, 1 to 4096 (default 64)\n"
"  --help        show this text\n"
"ADDR is decimal or 0x-prefixed hexadecimal.\n"
"\n"
"The guest sees a serial port (COM1, 0x3f8; what it writes appears on\n"
"standard output) and an exit port at 0xf4: writing a value V there stops\n"
"the machine with status V & 0xff. HLT stops it with status 0.\n"
"\n"
"Exit status:\n"
"  0-255  the guest's status (HLT: 0; exit port: V & 0xff)\n"
"  124    bad command line, or the image does not fit the chosen layout\n"
"  125    host error: FILE unreadable, no hypervisor (/dev/kvm), API failure\n"
"  126    guest failure: unhandled exit, triple fault, access to unmapped\n"
"         memory (a message on standard error says which)\n"
"Guests that want their status told apart from 124-126 should use 0-123.\n");
}

static void serial_to_stdout(void *ctx, uint8_t byte)
{
	(void)ctx;
	putchar(byte);
	if (byte == '\n')
		fflush(stdout);
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "openwhp: %s\nTry 'openwhp --help' for more information.\n",
		msg);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct run_options o;
	struct vm_config cfg = { 0 };
	struct machine_result res;
	uint8_t *file_data = NULL;
	int rc, code;

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

	cfg.mem_size = o.mem_size;
	cfg.serial_out = serial_to_stdout;
	if (o.file) {
		if (flat_read_file(o.file, &file_data, &cfg.image.size)) {
			fprintf(stderr, "openwhp: %s\n", vmm_error());
			return EXIT_HOST_ERROR;
		}
		cfg.image.data = file_data;
		cfg.image.mode = o.mode;
		cfg.image.load = o.load;
		cfg.image.entry = o.entry;
	} else {
		cfg.image.data = openwhp_hello;
		cfg.image.size = openwhp_hello_size;
		cfg.image.mode = BOOT_MODE_LONG;
		cfg.image.load = HELLO_LOAD;
		cfg.image.entry = HELLO_LOAD;
	}
	if (flat_check(&cfg.image, cfg.mem_size)) {
		free(file_data);
		return usage_error(vmm_error());
	}

	rc = vm_run_flat(&cfg, &res);
	free(file_data);
	fflush(stdout);
	if (rc) {
		fprintf(stderr, "openwhp: %s\n", vmm_error());
		return EXIT_HOST_ERROR;
	}
	switch (res.stop) {
	case MACHINE_STOP_HALT:
	case MACHINE_STOP_EXIT:
		code = res.status;
		break;
	case MACHINE_STOP_CANCELED:
		fprintf(stderr, "openwhp: the run was canceled\n");
		code = EXIT_GUEST_FAILURE;
		break;
	default:
		fprintf(stderr, "openwhp: guest failure: %s\n", res.message);
		code = EXIT_GUEST_FAILURE;
		break;
	}
	return code;
}
