/* options.h: parse the openwhp command line into a run configuration (no side effects). */
#ifndef VMM_OPTIONS_H
#define VMM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "boot/flat.h"
#include "boot/image.h"

/*
 * Grammar:
 *   openwhp --help | -h | help
 *   openwhp --version
 *   openwhp run [FILE] [--kernel FILE] [--format FMT] [--initrd FILE]...
 *               [--cmdline TEXT] [--mem SIZE] [--cpus N]
 *               [--load ADDR] [--entry ADDR] [--mode real|protected|long]
 *               [--trace exits] [--stats] [--no-sandbox] [--help]
 * Options may come before or after FILE, as "--opt VALUE" or "--opt=VALUE";
 * "--" ends the options. FILE and --kernel are the same thing (give one).
 * ADDR is decimal, 0x-hex or 0-octal (strtoull base 0). SIZE is MiB, or a
 * number with an M or G suffix. Without a kernel the built-in guest runs,
 * and --load, --entry, --mode, --initrd and --format are refused.
 * --x-sandbox-selftest (not in --help) makes a forbidden system call once
 * the sandbox is on, for the test that proves the sandbox kills.
 */

#define OPTIONS_MAX_INITRD 16
#define OPTIONS_MAX_CPUS   64

enum options_action {
	OPTIONS_RUN,
	OPTIONS_HELP,
	OPTIONS_VERSION,
};

struct run_options {
	enum options_action action;
	const char *file;			/* argv string, or NULL for the built-in guest */
	enum image_format format;		/* default IMAGE_AUTO */
	const char *initrd[OPTIONS_MAX_INITRD]; /* argv strings, in order */
	unsigned int ninitrd;
	const char *cmdline; /* --cmdline, or NULL */
	enum boot_mode mode; /* default BOOT_MODE_LONG */
	uint64_t load;	     /* default flat_default_load(mode) */
	uint64_t entry;	     /* default load */
	uint64_t mem_size;   /* bytes; default MACHINE_MEM_DEFAULT */
	unsigned int cpus;   /* default 1 */
	bool load_set, entry_set, mode_set, mem_set;
	bool trace_exits;      /* --trace exits */
	bool stats;	       /* --stats */
	bool sandbox;	       /* default true; --no-sandbox */
	bool sandbox_selftest; /* --x-sandbox-selftest */
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

/*
 * options_parse_size: "N" (MiB), "NM" / "NMiB" (MiB) or "NG" / "NGiB"
 * (GiB) into bytes; no overflow. Returns 0 or -EINVAL.
 */
int options_parse_size(const char *s, uint64_t *bytes);

#endif /* VMM_OPTIONS_H */
