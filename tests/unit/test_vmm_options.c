/* test_vmm_options.c: the openwhp command-line parser (defaults, forms, errors). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vmm/error.h"
#include "vmm/machine.h"
#include "vmm/options.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int parse(struct run_options *o, int argc, const char *const *argv)
{
	/* The parser never writes to argv; the cast only adapts main()'s type. */
	return options_parse(o, argc, (char *const *)(uintptr_t)argv);
}

Test(vmm_options, run_without_file_uses_the_builtin_guest_defaults)
{
	const char *argv[] = { "openwhp", "run" };
	struct run_options o;

	cr_assert_eq(parse(&o, ARGC(argv), argv), 0, "%s", vmm_error());
	cr_assert_eq(o.action, OPTIONS_RUN);
	cr_assert_null(o.file);
	cr_assert_eq(o.mode, BOOT_MODE_LONG);
	cr_assert_eq(o.mem_size, MACHINE_MEM_DEFAULT);
	cr_assert_not(o.load_set || o.entry_set || o.mode_set);
}

Test(vmm_options, all_options_in_both_spellings)
{
	const char *argv[] = { "openwhp",	  "run",     "--mode",	"protected", "g.bin",
			       "--load=0x200000", "--entry", "2097168", "--mem=8" };
	struct run_options o;

	cr_assert_eq(parse(&o, ARGC(argv), argv), 0, "%s", vmm_error());
	cr_assert_str_eq(o.file, "g.bin");
	cr_assert_eq(o.mode, BOOT_MODE_PROTECTED);
	cr_assert_eq(o.load, 0x200000);
	cr_assert_eq(o.entry, 2097168);
	cr_assert_eq(o.mem_size, 8ull << 20);
}

Test(vmm_options, defaults_follow_the_mode)
{
	const char *real[] = { "openwhp", "run", "boot.bin", "--mode=real" };
	const char *lng[] = { "openwhp", "run", "k.bin", "--load", "0x300000" };
	struct run_options o;

	cr_assert_eq(parse(&o, ARGC(real), real), 0, "%s", vmm_error());
	cr_assert_eq(o.load, 0x7c00);
	cr_assert_eq(o.entry, 0x7c00);
	cr_assert_eq(parse(&o, ARGC(lng), lng), 0, "%s", vmm_error());
	cr_assert_eq(o.mode, BOOT_MODE_LONG);
	cr_assert_eq(o.entry, 0x300000, "entry defaults to the load address");
}

Test(vmm_options, double_dash_ends_options)
{
	const char *argv[] = { "openwhp", "run", "--", "--weird-name.bin" };
	struct run_options o;

	cr_assert_eq(parse(&o, ARGC(argv), argv), 0, "%s", vmm_error());
	cr_assert_str_eq(o.file, "--weird-name.bin");
}

Test(vmm_options, help_and_version)
{
	const char *a[] = { "openwhp", "--help" };
	const char *b[] = { "openwhp", "run", "x.bin", "-h" };
	const char *c[] = { "openwhp", "--version" };
	const char *d[] = { "openwhp", "help" };
	struct run_options o;

	cr_assert_eq(parse(&o, ARGC(a), a), 0);
	cr_assert_eq(o.action, OPTIONS_HELP);
	cr_assert_eq(parse(&o, ARGC(b), b), 0);
	cr_assert_eq(o.action, OPTIONS_HELP);
	cr_assert_eq(parse(&o, ARGC(c), c), 0);
	cr_assert_eq(o.action, OPTIONS_VERSION);
	cr_assert_eq(parse(&o, ARGC(d), d), 0);
	cr_assert_eq(o.action, OPTIONS_HELP);
}

Test(vmm_options, kernel_options)
{
	const char *argv[] = { "openwhp",
			       "run",
			       "--kernel=vmlinuz",
			       "--initrd",
			       "a.img",
			       "--initrd=b.img x",
			       "--cmdline",
			       "root=/dev/vda quiet",
			       "--mem",
			       "2G",
			       "--cpus",
			       "1",
			       "--format",
			       "linux",
			       "--trace",
			       "exits",
			       "--stats",
			       "--no-sandbox" };
	struct run_options o;

	cr_assert_eq(parse(&o, ARGC(argv), argv), 0, "%s", vmm_error());
	cr_assert_str_eq(o.file, "vmlinuz");
	cr_assert_eq(o.ninitrd, 2);
	cr_assert_str_eq(o.initrd[0], "a.img");
	cr_assert_str_eq(o.initrd[1], "b.img x");
	cr_assert_str_eq(o.cmdline, "root=/dev/vda quiet");
	cr_assert_eq(o.mem_size, 2ull << 30);
	cr_assert(o.mem_set);
	cr_assert_eq(o.cpus, 1);
	cr_assert_eq(o.format, IMAGE_LINUX);
	cr_assert(o.trace_exits && o.stats);
	cr_assert_not(o.sandbox);
	cr_assert_not(o.sandbox_selftest);
}

Test(vmm_options, run_defaults_for_kernels)
{
	const char *argv[] = { "openwhp", "run", "k.elf" };
	struct run_options o;

	cr_assert_eq(parse(&o, ARGC(argv), argv), 0, "%s", vmm_error());
	cr_assert_eq(o.format, IMAGE_AUTO);
	cr_assert_eq(o.cpus, 1);
	cr_assert(o.sandbox, "the sandbox is on unless asked otherwise");
	cr_assert_not(o.trace_exits || o.stats || o.mem_set);
	cr_assert_null(o.cmdline);
	cr_assert_eq(o.ninitrd, 0);
}

Test(vmm_options, sizes)
{
	uint64_t b;

	cr_assert_eq(options_parse_size("64", &b), 0);
	cr_assert_eq(b, 64ull << 20, "a bare number is MiB");
	cr_assert_eq(options_parse_size("512M", &b), 0);
	cr_assert_eq(b, 512ull << 20);
	cr_assert_eq(options_parse_size("3GiB", &b), 0);
	cr_assert_eq(b, 3ull << 30);
	cr_assert_eq(options_parse_size("1g", &b), 0);
	cr_assert_eq(b, 1ull << 30);
	cr_assert_eq(options_parse_size("1T", &b), -EINVAL);
	cr_assert_eq(options_parse_size("0x10", &b), -EINVAL, "decimal only");
	cr_assert_eq(options_parse_size("M", &b), -EINVAL);
	cr_assert_eq(options_parse_size("99999999999999999999G", &b), -EINVAL);
	cr_assert_eq(options_parse_size("17179869184G", &b), -EINVAL, "overflows");
}

struct bad_case {
	const char *argv[6];
	int argc;
	const char *message; /* expected fragment of vmm_error() */
};

Test(vmm_options, errors_are_refused_with_a_message)
{
	static const struct bad_case cases[] = {
		{ { "openwhp" }, 1, "no command" },
		{ { "openwhp", "walk" }, 2, "unknown command 'walk'" },
		{ { "openwhp", "--bogus" }, 2, "unknown option '--bogus'" },
		{ { "openwhp", "run", "--bogus" }, 3, "unknown option '--bogus'" },
		{ { "openwhp", "run", "--loadx=1", "f" }, 4, "unknown option" },
		{ { "openwhp", "run", "a", "b" }, 4, "more than one FILE" },
		{ { "openwhp", "run", "f", "--load" }, 4, "needs a value" },
		{ { "openwhp", "run", "f", "--load", "12k" }, 5, "not an address" },
		{ { "openwhp", "run", "f", "--load=-1" }, 4, "not an address" },
		{ { "openwhp", "run", "f", "--entry", "" }, 5, "not an address" },
		{ { "openwhp", "run", "f", "--entry=0x1ffffffffffffffff" }, 4, "not an address" },
		{ { "openwhp", "run", "f", "--mode", "virtual" }, 5, "not one of" },
		{ { "openwhp", "run", "f", "--mem", "0" }, 5, "--mem" },
		{ { "openwhp", "run", "f", "--mem=4097" }, 4, "--mem" },
		{ { "openwhp", "run", "f", "--mem= 8" }, 4, "--mem" },
		{ { "openwhp", "run", "--mode=real" }, 3, "need a FILE" },
		{ { "openwhp", "run", "--load=0x1000" }, 3, "need a FILE" },
		{ { "openwhp", "run", "--initrd", "x" }, 4, "need a kernel FILE" },
		{ { "openwhp", "run", "--format=elf" }, 3, "need a kernel FILE" },
		{ { "openwhp", "run", "k", "--kernel", "j" }, 5, "more than one FILE" },
		{ { "openwhp", "run", "k", "--format", "coff" }, 5, "not one of auto" },
		{ { "openwhp", "run", "k", "--cpus", "0" }, 5, "--cpus: '0'" },
		{ { "openwhp", "run", "k", "--cpus", "65" }, 5, "from 1 to 64" },
		{ { "openwhp", "run", "k", "--cpus", "4" }, 5, "only 1 processor" },
		{ { "openwhp", "run", "k", "--trace", "mmio" }, 5, "only 'exits'" },
		{ { "openwhp", "run", "k", "--cmdline=a", "--cmdline=b" }, 5, "twice" },
		{ { "openwhp", "run", "k", "--initrd", "" }, 5, "empty" },
		{ { "openwhp", "run", "--no-sandbox", "--x-sandbox-selftest" },
		  4,
		  "needs the sandbox" },
	};
	struct run_options o;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vmm_error_clear();
		cr_assert_eq(parse(&o, cases[i].argc, cases[i].argv), -EINVAL, "case %u accepted",
			     i);
		cr_assert(strstr(vmm_error(), cases[i].message), "case %u: '%s' lacks '%s'", i,
			  vmm_error(), cases[i].message);
	}
}

Test(vmm_options, number_parser)
{
	uint64_t v;

	cr_assert_eq(options_parse_u64("0", &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(options_parse_u64("0x7C00", &v), 0);
	cr_assert_eq(v, 0x7c00);
	cr_assert_eq(options_parse_u64("18446744073709551615", &v), 0);
	cr_assert_eq(v, UINT64_MAX);
	cr_assert_eq(options_parse_u64("18446744073709551616", &v), -EINVAL);
	cr_assert_eq(options_parse_u64("+5", &v), -EINVAL);
	cr_assert_eq(options_parse_u64("5 ", &v), -EINVAL);
	cr_assert_eq(options_parse_u64("0x", &v), -EINVAL);
	cr_assert_eq(options_parse_u64(NULL, &v), -EINVAL);
}
