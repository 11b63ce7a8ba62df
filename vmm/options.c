/* options.c: command-line parsing for the openwhp tool (see options.h). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "machine.h"
#include "options.h"

int options_parse_u64(const char *s, uint64_t *v)
{
	unsigned long long x;
	char *end;

	/* strtoull accepts leading blanks and a minus sign; refuse both. */
	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*v = x;
	return 0;
}

int options_parse_size(const char *s, uint64_t *bytes)
{
	unsigned long long x;
	unsigned int shift = 20;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (!strcmp(end, "G") || !strcmp(end, "GiB") || !strcmp(end, "g"))
		shift = 30;
	else if (*end && strcmp(end, "M") && strcmp(end, "MiB") && strcmp(end, "m"))
		return -EINVAL;
	if (x > (UINT64_MAX >> shift))
		return -EINVAL;
	*bytes = (uint64_t)x << shift;
	return 0;
}

/*
 * options_value: the value of option (name) at argv[*i]: either after '='
 * in the same word or the next word (consumed). NULL with vmm_error() set
 * when it is missing.
 */
static const char *options_value(const char *name, int argc, char *const argv[], int *i)
{
	const char *arg = argv[*i];
	size_t n = strlen(name);

	if (arg[n] == '=')
		return arg + n + 1;
	if (*i + 1 >= argc) {
		vmm_error_set("option %s needs a value", name);
		return NULL;
	}
	(*i)++;
	return argv[*i];
}

/* options_is: does (arg) spell option (name), alone or as "name=value"? */
static bool options_is(const char *arg, const char *name)
{
	size_t n = strlen(name);

	return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static int options_parse_addr(const char *name, const char *s, uint64_t *v)
{
	if (options_parse_u64(s, v)) {
		vmm_error_set("%s: '%s' is not an address (use decimal or 0x-hex)", name, s);
		return -EINVAL;
	}
	return 0;
}

static int options_set_file(struct run_options *o, const char *f)
{
	if (o->file) {
		vmm_error_set("more than one FILE given ('%s' and '%s'; --kernel is "
			      "the same as FILE)",
			      o->file, f);
		return -EINVAL;
	}
	if (!f[0]) {
		vmm_error_set("the kernel file name is empty");
		return -EINVAL;
	}
	o->file = f;
	return 0;
}

/* One "--name[=value]" option at argv[*i]; returns 0, 1 for "--help", or -EINVAL. */
static int options_one(struct run_options *o, int argc, char *const argv[], int *i)
{
	const char *arg = argv[*i], *v;
	uint64_t n;

	if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
		return 1;
	if (options_is(arg, "--kernel")) {
		v = options_value("--kernel", argc, argv, i);
		return v ? options_set_file(o, v) : -EINVAL;
	}
	if (options_is(arg, "--initrd")) {
		v = options_value("--initrd", argc, argv, i);
		if (!v)
			return -EINVAL;
		if (o->ninitrd == OPTIONS_MAX_INITRD) {
			vmm_error_set("--initrd: at most %d files", OPTIONS_MAX_INITRD);
			return -EINVAL;
		}
		if (!v[0]) {
			vmm_error_set("--initrd: the file name is empty");
			return -EINVAL;
		}
		o->initrd[o->ninitrd++] = v;
		return 0;
	}
	if (options_is(arg, "--cmdline")) {
		v = options_value("--cmdline", argc, argv, i);
		if (!v)
			return -EINVAL;
		if (o->cmdline) {
			vmm_error_set("--cmdline given twice (put everything in one)");
			return -EINVAL;
		}
		o->cmdline = v;
		return 0;
	}
	if (options_is(arg, "--format")) {
		v = options_value("--format", argc, argv, i);
		if (!v)
			return -EINVAL;
		if (image_format_parse(v, &o->format)) {
			vmm_error_set("--format: '%s' is not one of auto, flat, elf, "
				      "multiboot, linux, pvh",
				      v);
			return -EINVAL;
		}
		return 0;
	}
	if (options_is(arg, "--load")) {
		v = options_value("--load", argc, argv, i);
		if (!v || options_parse_addr("--load", v, &o->load))
			return -EINVAL;
		o->load_set = true;
		return 0;
	}
	if (options_is(arg, "--entry")) {
		v = options_value("--entry", argc, argv, i);
		if (!v || options_parse_addr("--entry", v, &o->entry))
			return -EINVAL;
		o->entry_set = true;
		return 0;
	}
	if (options_is(arg, "--mode")) {
		v = options_value("--mode", argc, argv, i);
		if (!v)
			return -EINVAL;
		if (boot_mode_parse(v, &o->mode)) {
			vmm_error_set("--mode: '%s' is not one of real, protected, long", v);
			return -EINVAL;
		}
		o->mode_set = true;
		return 0;
	}
	if (options_is(arg, "--mem")) {
		v = options_value("--mem", argc, argv, i);
		if (!v)
			return -EINVAL;
		if (options_parse_size(v, &n) || n < MACHINE_MEM_MIN || n > MACHINE_MEM_MAX) {
			vmm_error_set("--mem: '%s' is not a size from %llu MiB to %llu "
				      "MiB (a number of MiB, or with an M or G suffix)",
				      v, MACHINE_MEM_MIN >> 20, MACHINE_MEM_MAX >> 20);
			return -EINVAL;
		}
		o->mem_size = n;
		o->mem_set = true;
		return 0;
	}
	if (options_is(arg, "--cpus")) {
		v = options_value("--cpus", argc, argv, i);
		if (!v)
			return -EINVAL;
		if (options_parse_u64(v, &n) || n < 1 || n > OPTIONS_MAX_CPUS) {
			vmm_error_set("--cpus: '%s' is not a processor count from 1 to %d", v,
				      OPTIONS_MAX_CPUS);
			return -EINVAL;
		}
		if (n > 1) {
			/* Application processors start through INIT/SIPI, which needs the LAPIC. */
			vmm_error_set("--cpus %llu: only 1 processor for now (more need "
				      "interrupt support, which is not there yet)",
				      (unsigned long long)n);
			return -EINVAL;
		}
		o->cpus = (unsigned int)n;
		return 0;
	}
	if (options_is(arg, "--trace")) {
		v = options_value("--trace", argc, argv, i);
		if (!v)
			return -EINVAL;
		if (strcmp(v, "exits") != 0) {
			vmm_error_set("--trace: '%s' is not something to trace (only "
				      "'exits')",
				      v);
			return -EINVAL;
		}
		o->trace_exits = true;
		return 0;
	}
	if (strcmp(arg, "--stats") == 0) {
		o->stats = true;
		return 0;
	}
	if (strcmp(arg, "--no-sandbox") == 0) {
		o->sandbox = false;
		return 0;
	}
	if (strcmp(arg, "--x-sandbox-selftest") == 0) {
		o->sandbox_selftest = true;
		return 0;
	}
	vmm_error_set("unknown option '%s'", arg);
	return -EINVAL;
}

static int options_parse_run(struct run_options *o, int argc, char *const argv[], int first)
{
	bool only_files = false;
	int i, rc;

	for (i = first; i < argc; i++) {
		const char *arg = argv[i];

		if (only_files || arg[0] != '-' || strcmp(arg, "-") == 0) {
			if (options_set_file(o, arg))
				return -EINVAL;
		} else if (strcmp(arg, "--") == 0) {
			only_files = true;
		} else {
			rc = options_one(o, argc, argv, &i);
			if (rc < 0)
				return rc;
			if (rc == 1) {
				o->action = OPTIONS_HELP;
				return 0;
			}
		}
	}

	if (!o->file && (o->load_set || o->entry_set || o->mode_set)) {
		vmm_error_set("--load, --entry and --mode need a FILE "
			      "(the built-in guest has a fixed layout)");
		return -EINVAL;
	}
	if (!o->file && (o->ninitrd || o->format != IMAGE_AUTO)) {
		vmm_error_set("--initrd and --format need a kernel FILE");
		return -EINVAL;
	}
	if (o->sandbox_selftest && !o->sandbox) {
		vmm_error_set("--x-sandbox-selftest needs the sandbox");
		return -EINVAL;
	}
	if (!o->load_set)
		o->load = flat_default_load(o->mode);
	if (!o->entry_set)
		o->entry = o->load;
	return 0;
}

int options_parse(struct run_options *o, int argc, char *const argv[])
{
	const char *cmd;

	memset(o, 0, sizeof(*o));
	o->action = OPTIONS_RUN;
	o->format = IMAGE_AUTO;
	o->mode = BOOT_MODE_LONG;
	o->mem_size = MACHINE_MEM_DEFAULT;
	o->cpus = 1;
	o->sandbox = true;
	if (argc < 2) {
		vmm_error_set("no command given");
		return -EINVAL;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		o->action = OPTIONS_HELP;
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		o->action = OPTIONS_VERSION;
		return 0;
	}
	if (strcmp(cmd, "run") != 0) {
		if (cmd[0] == '-')
			vmm_error_set("unknown option '%s' (options follow the "
				      "command: openwhp run ...)",
				      cmd);
		else
			vmm_error_set("unknown command '%s'", cmd);
		return -EINVAL;
	}
	return options_parse_run(o, argc, argv, 2);
}
