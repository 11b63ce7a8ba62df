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

/*
 * options_value: the value of option (name) at argv[*i]: either after '='
 * in the same word or the next word (consumed). NULL with vmm_error() set
 * when it is missing.
 */
static const char *options_value(const char *name, int argc, char *const argv[],
				 int *i)
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
		vmm_error_set("%s: '%s' is not an address (use decimal or 0x-hex)",
			      name, s);
		return -EINVAL;
	}
	return 0;
}

static int options_parse_run(struct run_options *o, int argc, char *const argv[],
			     int first)
{
	bool only_files = false;
	const char *v;
	uint64_t mib;
	int i;

	for (i = first; i < argc; i++) {
		const char *arg = argv[i];

		if (only_files || arg[0] != '-' || strcmp(arg, "-") == 0) {
			if (o->file) {
				vmm_error_set("more than one FILE given ('%s' and '%s')",
					      o->file, arg);
				return -EINVAL;
			}
			o->file = arg;
		} else if (strcmp(arg, "--") == 0) {
			only_files = true;
		} else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			o->action = OPTIONS_HELP;
			return 0;
		} else if (options_is(arg, "--load")) {
			v = options_value("--load", argc, argv, &i);
			if (!v || options_parse_addr("--load", v, &o->load))
				return -EINVAL;
			o->load_set = true;
		} else if (options_is(arg, "--entry")) {
			v = options_value("--entry", argc, argv, &i);
			if (!v || options_parse_addr("--entry", v, &o->entry))
				return -EINVAL;
			o->entry_set = true;
		} else if (options_is(arg, "--mode")) {
			v = options_value("--mode", argc, argv, &i);
			if (!v)
				return -EINVAL;
			if (boot_mode_parse(v, &o->mode)) {
				vmm_error_set("--mode: '%s' is not one of real, "
					      "protected, long", v);
				return -EINVAL;
			}
			o->mode_set = true;
		} else if (options_is(arg, "--mem")) {
			v = options_value("--mem", argc, argv, &i);
			if (!v)
				return -EINVAL;
			if (options_parse_u64(v, &mib) ||
			    mib < (MACHINE_MEM_MIN >> 20) ||
			    mib > (MACHINE_MEM_MAX >> 20)) {
				vmm_error_set("--mem: '%s' is not a size in MiB "
					      "from %llu to %llu", v,
					      MACHINE_MEM_MIN >> 20,
					      MACHINE_MEM_MAX >> 20);
				return -EINVAL;
			}
			o->mem_size = mib << 20;
		} else {
			vmm_error_set("unknown option '%s'", arg);
			return -EINVAL;
		}
	}

	if (!o->file && (o->load_set || o->entry_set || o->mode_set)) {
		vmm_error_set("--load, --entry and --mode need a FILE "
			      "(the built-in guest has a fixed layout)");
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
	o->mode = BOOT_MODE_LONG;
	o->mem_size = MACHINE_MEM_DEFAULT;
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
				      "command: openwhp run ...)", cmd);
		else
			vmm_error_set("unknown command '%s'", cmd);
		return -EINVAL;
	}
	return options_parse_run(o, argc, argv, 2);
}
