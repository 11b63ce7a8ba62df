/* options.h: parse the openwhp command line into a run configuration (no side effects). */
#ifndef VMM_OPTIONS_H
#define VMM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "boot/flat.h"

/*
 * Grammar:
 *   openwhp --help | -h | help
 *   openwhp --version
 *   openwhp run [FILE] [--load ADDR] [--entry ADDR]
 *               [--mode real|protected|long] [--mem MIB] [--help]
 * Options may come before or after FILE, as "--opt VALUE" or "--opt=VALUE";
 * "--" ends the options. ADDR is decimal, 0x-hex or 0-octal (strtoull base
 * 0). Without FILE the built-in guest runs and --load, --entry and --mode
 * are refused.
 */

enum options_action {
	OPTIONS_RUN,
	OPTIONS_HELP,
	OPTIONS_VERSION,
};

struct run_options {
	enum options_action action;
	const char *file;	/* argv string, or NULL for the built-in guest */
	enum boot_mode mode;	/* default BOOT_MODE_LONG */
	uint64_t load;		/* default flat_default_load(mode) */
	uint64_t entry;		/* default load */
	uint64_t mem_size;	/* bytes; default MACHINE_MEM_DEFAULT */
	bool load_set, entry_set, mode_set;
};

/*
 * options_parse: parse (argc, argv) (argv[0] is the program name) into (o),
 * applying the defaults above. Pure: no I/O, no globals besides
 * vmm_error(). Returns 0, or -EINVAL with vmm_error() set to a one-line
 * message for the user (the caller adds the usage hint).
 */
int options_parse(struct run_options *o, int argc, char *const argv[]);

/*
 * options_parse_u64: parse a whole string as an unsigned number
 * (strtoull base 0): no sign, no trailing characters, no overflow.
 * Returns 0 or -EINVAL.
 */
int options_parse_u64(const char *s, uint64_t *v);

#endif /* VMM_OPTIONS_H */
