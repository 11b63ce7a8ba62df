/* e2e_driver.c: runs the built openwhp command on one scenario; checks status and output. */
/*
 * Usage: e2e_driver OPENWHP MBTEST_KERNEL CASE
 *
 * Each case names a guest (an image assembled from guests/ at build time
 * and written to a temporary file, or the multiboot test kernel built from
 * guests/mbtest/), the command line, the standard input, the exit status
 * (or the signal) it must produce and texts that must appear on standard
 * output or standard error. In arguments and expected texts, @FILE@ is the
 * image, @MBK@ the test kernel, @MOD1@ and @MOD2@ two module files with
 * known text, @MISSING@ a file that does not exist. Cases that boot a
 * guest exit 77 (ctest: skipped) when /dev/kvm is unusable; the others
 * (bad options, unreadable files) need no hypervisor and always run.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SKIP	  77
#define MAX_ARGS  16
#define MAX_TEXTS 16
/* A guest that has not finished by then is killed (SIGKILL) and the case fails. */
#define CASE_TIMEOUT_MS 30000

#define PAYLOAD(name)                            \
	extern const unsigned char e2e_##name[]; \
	extern const unsigned int e2e_##name##_size;
PAYLOAD(real)
PAYLOAD(protected)
PAYLOAD(long)
PAYLOAD(entry)
PAYLOAD(unmapped)
PAYLOAD(triple_fault)
PAYLOAD(string_io)
PAYLOAD(long_string)

static const char mod1_text[] = "first module text\nsecond line\n";
static const char mod2_text[] = "the second module\n";

struct e2e_case {
	const char *name;
	const unsigned char *image; /* written to @FILE@, if any */
	const unsigned int *image_size;
	bool needs_kvm;
	const char *args[MAX_ARGS]; /* after "openwhp" */
	const char *input;	    /* standard input (default: empty) */
	int kill_after_ms;	    /* send SIGTERM after this long (0: never) */
	int status;		    /* expected exit status ... */
	int signal;		    /* ... or terminating signal, when not 0 */
	const char *out[MAX_TEXTS]; /* must appear on stdout */
	const char *err[MAX_TEXTS]; /* must appear on stderr */
	const char *not_out[4];	    /* must not appear on stdout */
};

/* The multiboot test kernel's report, shared by several cases. */
#define MB_REPORT_CHECKS                                                                           \
	"mbtest: hello\n", "fw_cfg: signature=QEMU\n", "fw_cfg: file etc/e820 size=80 key=0x20\n", \
		"fw_cfg: dma signature=QEMU CFG\n", "fw_cfg: dma etc/e820 entries=4\n",            \
		"address 0: RAM\n", "uart: iir=0xc1 loopback msr=0x90 lsr=0x61 byte=Z\n",          \
		"mbtest: checks failed=0\n"

static const struct e2e_case cases[] = {
	/* Flat binaries (the first-cut machine). */
	{ .name = "hello",
	  .needs_kvm = true,
	  .args = { "run" },
	  .status = 0,
	  .out = { "Hello from an openwhp guest\n" } },
	{ .name = "real",
	  .image = e2e_real,
	  .image_size = &e2e_real_size,
	  .needs_kvm = true,
	  .args = { "run", "@FILE@", "--mode", "real" },
	  .status = 85,
	  .out = { "openwhp e2e: real mode OK\n" } },
	{ .name = "protected",
	  .image = e2e_protected,
	  .image_size = &e2e_protected_size,
	  .needs_kvm = true,
	  .args = { "run", "--mode=protected", "@FILE@" },
	  .status = 15,
	  .out = { "openwhp e2e: protected mode OK\n" } },
	{ .name = "long",
	  .image = e2e_long,
	  .image_size = &e2e_long_size,
	  .needs_kvm = true,
	  .args = { "run", "@FILE@" },
	  .status = 7,
	  .out = { "openwhp e2e: long mode OK\n" } },
	{ .name = "string_io",
	  .image = e2e_string_io,
	  .image_size = &e2e_string_io_size,
	  .needs_kvm = true,
	  .args = { "run", "@FILE@", "--mode", "real" },
	  .status = 67,
	  .out = { "openwhp e2e: string I/O OK\n" } },
	{ .name = "long_string",
	  .image = e2e_long_string,
	  .image_size = &e2e_long_string_size,
	  .needs_kvm = true,
	  .args = { "run", "@FILE@" },
	  .status = 9,
	  .out = { "openwhp e2e: long-mode string I/O OK\n" } },
	{ .name = "entry",
	  .image = e2e_entry,
	  .image_size = &e2e_entry_size,
	  .needs_kvm = true,
	  .args = { "run", "@FILE@", "--load", "0x200000", "--entry=0x200010", "--mem", "8" },
	  .status = 11,
	  .out = { "openwhp e2e: entry point OK\n" } },
	{ .name = "unmapped",
	  .image = e2e_unmapped,
	  .image_size = &e2e_unmapped_size,
	  .needs_kvm = true,
	  .args = { "run", "@FILE@", "--mode", "protected" },
	  .status = 126,
	  .err = { "guest failure", "unmapped guest-physical address 0xe0000000" } },
	{ .name = "triple_fault",
	  .image = e2e_triple_fault,
	  .image_size = &e2e_triple_fault_size,
	  .needs_kvm = true,
	  .args = { "run", "@FILE@" },
	  .status = 126,
	  .err = { "guest failure", "unrecoverable exception" } },

	/* The multiboot test kernel: boot information, fw_cfg, UART, exits. */
	{ .name = "mb_info",
	  .needs_kvm = true,
	  .args = { "run", "--kernel", "@MBK@", "--mem", "48M", "--cmdline", "exit=debug",
		    "--initrd", "@MOD1@ arg1 arg2", "--initrd", "@MOD2@" },
	  .status = 1, /* (0 failed checks << 1) | 1 */
	  .out = { MB_REPORT_CHECKS, "boot: multiboot flags=0x24d\n",
		   "mem_lower=639 mem_upper=48128\n", "cmdline=@MBK@ exit=debug\n",
		   "loader=openwhp\n", "modules=2\n",
		   "module 0: size=30 string=@MOD1@ arg1 arg2 text=first module text\n",
		   "module 1: size=18 string=@MOD2@ text=the second module\n",
		   "mmap: base=0x0 length=0x9fc00 type=1\n" } },
	{ .name = "mb_memory_map",
	  .needs_kvm = true,
	  .args = { "run", "@MBK@", "--mem=1G", "--cmdline", "exit=debug" },
	  .status = 1,
	  .out = { "mem_lower=639 mem_upper=1047552\n", "mmap: base=0x0 length=0x9fc00 type=1\n",
		   "mmap: base=0x9fc00 length=0x400 type=2\n",
		   "mmap: base=0xf0000 length=0x10000 type=2\n",
		   "mmap: base=0x100000 length=0x3ff00000 type=1\n",
		   "fw_cfg: id=0x3 cpus=1 max_cpus=1 ram=0x40000000\n",
		   "mbtest: checks failed=0\n" } },
	{ .name = "mb_debug_exit",
	  .needs_kvm = true,
	  .args = { "run", "@MBK@", "--cmdline", "quick exit=debug:20" },
	  .status = 41,
	  .out = { "mbtest: exit via debug:20\n" } },
	{ .name = "mb_bochs_shutdown",
	  .needs_kvm = true,
	  .args = { "run", "@MBK@", "--cmdline", "quick exit=bochs" },
	  .status = 0,
	  .out = { "mbtest: exit via bochs\n" },
	  .not_out = { "still running" } },
	{ .name = "mb_reset_cf9",
	  .needs_kvm = true,
	  .args = { "run", "@MBK@", "--cmdline", "quick exit=cf9" },
	  .status = 0,
	  .out = { "mbtest: exit via cf9\n" },
	  .not_out = { "still running" } },
	{ .name = "mb_reset_kbd",
	  .needs_kvm = true,
	  .args = { "run", "@MBK@", "--cmdline", "quick exit=kbd" },
	  .status = 0,
	  .out = { "mbtest: exit via kbd\n" },
	  .not_out = { "still running" } },
	{ .name = "mb_serial_input",
	  .needs_kvm = true,
	  .args = { "run", "@MBK@", "--cmdline", "quick echo exit=debug:3" },
	  .input = "typed into the guest\nnot read\n",
	  .status = 7,
	  .out = { "echo: typed into the guest\n" } },
	{ .name = "pvh",
	  .needs_kvm = true,
	  .args = { "run", "@MBK@", "--format", "pvh", "--mem", "64", "--initrd", "@MOD2@ pvh-arg",
		    "--cmdline", "exit=debug" },
	  .status = 1,
	  .out = { MB_REPORT_CHECKS, "boot: pvh version=1\n",
		   "cmdline=console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1 "
		   "reboot=k nolapic noapic exit=debug\n",
		   "module 0: size=18 string=@MOD2@ pvh-arg text=the second module\n",
		   "memmap: base=0x100000 length=0x3f00000 type=1\n" } },
	{ .name = "elf32",
	  .needs_kvm = true,
	  .args = { "run", "@MBK@", "--format=elf", "--cmdline", "exit=debug" },
	  .status = 1,
	  .out = { MB_REPORT_CHECKS, "boot: bare eax=0x0\n", "cmdline (fw_cfg)=exit=debug\n" } },
	{ .name = "stats",
	  .needs_kvm = true,
	  .args = { "run", "@MBK@", "--stats", "--cmdline", "quick exit=bochs" },
	  .status = 0,
	  .err = { "exit statistics", "X64IoPortAccess", "serial", "bochs-shutdown", "wall time",
		   "WHP counters (WHvGetVirtualProcessorCounters)", "IoInstructions" } },
	{ .name = "trace",
	  .needs_kvm = true,
	  .args = { "run", "--trace", "exits" },
	  .status = 0,
	  .err = { "X64IoPortAccess rip=0x100012 port=0x3fd in size=1",
		   "port=0x3f8 out size=1 value=0x48", "X64Halt rip=0x100021" } },

	/* Stopping from outside: the escape key, a signal. */
	/* Without the escape the guest spins until the case's timeout kills it. */
	{ .name = "escape_quit",
	  .needs_kvm = true,
	  .args = { "run", "@MBK@", "--cmdline", "quick exit=spin" },
	  .input = "abc\001x",
	  .status = 0,
	  .not_out = { "still running" } },
	{ .name = "sigterm",
	  .needs_kvm = true,
	  .args = { "run", "@MBK@", "--cmdline", "quick exit=spin" },
	  .kill_after_ms = 300,
	  .status = 128 + SIGTERM,
	  .err = { "stopped by signal 15" } },

	/* The sandbox: on by default; a forbidden system call kills. */
	{ .name = "sandbox_kills",
	  .needs_kvm = true,
	  .args = { "run", "--x-sandbox-selftest" },
	  .signal = SIGSYS,
	  .err = { "openwhp: sandbox: system call 257 is not allowed" },
	  .not_out = { "Hello" } },
	{ .name = "no_sandbox",
	  .needs_kvm = true,
	  .args = { "run", "--no-sandbox" },
	  .status = 0,
	  .out = { "Hello from an openwhp guest\n" } },

	/* Refused before any guest runs. */
	{ .name = "bad_file",
	  .args = { "run", "@MISSING@" },
	  .status = 125,
	  .err = { "cannot read '", "missing.bin': No such file or directory" } },
	{ .name = "bad_initrd",
	  .args = { "run", "@MBK@", "--initrd", "@MISSING@" },
	  .status = 125,
	  .err = { "missing.bin': No such file or directory" } },
	{ .name = "bad_option",
	  .args = { "run", "--frobnicate" },
	  .status = 124,
	  .err = { "unknown option '--frobnicate'", "Try 'openwhp --help'" } },
	{ .name = "bad_mode",
	  .image = e2e_long,
	  .image_size = &e2e_long_size,
	  .args = { "run", "@FILE@", "--mode", "virtual8086" },
	  .status = 124,
	  .err = { "--mode: 'virtual8086' is not one of real, protected, long" } },
	{ .name = "bad_mem",
	  .args = { "run", "--mem", "5T" },
	  .status = 124,
	  .err = { "--mem: '5T' is not a size" } },
	{ .name = "bad_cpus",
	  .args = { "run", "--cpus", "2" },
	  .status = 124,
	  .err = { "--cpus 2: only 1 processor for now" } },
	{ .name = "flat_options_on_elf",
	  .args = { "run", "@MBK@", "--mode", "real" },
	  .status = 124,
	  .err = { "--load, --entry and --mode are for flat binaries; "
		   "this is a multiboot image" } },
	{ .name = "too_big",
	  .image = e2e_long,
	  .image_size = &e2e_long_size,
	  .args = { "run", "@FILE@", "--load", "0x3ffff0", "--mem", "4" },
	  .status = 124,
	  .err = { "does not fit in guest RAM" } },
	{ .name = "mb_too_small",
	  .needs_kvm = true,
	  .args = { "run", "@MBK@", "--mem", "1" },
	  .status = 124,
	  .err = { "does not fit in guest RAM" } },
	{ .name = "help",
	  .args = { "--help" },
	  .status = 0,
	  .out = { "Usage: openwhp run [FILE]", "--initrd FILE", "--trace exits",
		   "Exit status:", "124", "126", "Ctrl-A x" } },
};

struct paths {
	const char *openwhp, *mbk;
	char dir[96], image[128], missing[128], mod1[128], mod2[128];
	char in[128], out[128], err[128];
};

static const struct e2e_case *find_case(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(cases[i].name, name) == 0)
			return &cases[i];
	return NULL;
}

static int write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	if (size && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

/* Read a whole (small) file into a NUL-terminated malloc'd string. */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, len = 0, n;
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(cap);
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* (s) with the @NAME@ placeholders replaced, in a new string. */
static char *expand(const char *s, const struct paths *p)
{
	static const char *const keys[] = { "@FILE@", "@MBK@", "@MOD1@", "@MOD2@", "@MISSING@" };
	const char *vals[] = { p->image, p->mbk, p->mod1, p->mod2, p->missing };
	size_t cap = strlen(s) + 1, i;
	char *out;

	for (i = 0; i < 5; i++)
		cap += strlen(vals[i]) * 4;
	out = calloc(1, cap);
	if (!out)
		return NULL;
	while (*s) {
		for (i = 0; i < 5; i++) {
			size_t k = strlen(keys[i]);

			if (!strncmp(s, keys[i], k)) {
				strcat(out, vals[i]);
				s += k;
				break;
			}
		}
		if (i == 5)
			strncat(out, s++, 1);
	}
	return out;
}

static bool kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool check_texts(const char *stream, const char *got, const char *const *want,
			unsigned int n, bool present, const struct paths *p)
{
	bool ok = true;
	unsigned int i;

	for (i = 0; i < n && want[i]; i++) {
		char *w = expand(want[i], p);

		if (!w || !strstr(got, w) != !present) {
			fprintf(stderr, "FAIL: %s %s \"%s\"\n", stream, present ? "lacks" : "has",
				w ? w : want[i]);
			ok = false;
		}
		free(w);
	}
	return ok;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Wait for (pid), sending SIGTERM after (kill_ms) (0: never), SIGKILL at the timeout. */
static int wait_child(pid_t pid, int kill_ms, int *status)
{
	long start = now_ms();
	bool termed = false;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (kill_ms && !termed && now_ms() - start >= kill_ms) {
			kill(pid, SIGTERM);
			termed = true;
		}
		if (now_ms() - start >= CASE_TIMEOUT_MS) {
			fprintf(stderr, "FAIL: no exit after %d ms; killing it\n", CASE_TIMEOUT_MS);
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			return -1;
		}
		usleep(5000);
	}
}

static void cleanup(const struct paths *p)
{
	unlink(p->image);
	unlink(p->mod1);
	unlink(p->mod2);
	unlink(p->in);
	unlink(p->out);
	unlink(p->err);
	rmdir(p->dir);
}

int main(int argc, char **argv)
{
	const struct e2e_case *c;
	struct paths p;
	char *args[MAX_ARGS + 2] = { 0 };
	posix_spawn_file_actions_t fa;
	char *out = NULL, *err = NULL;
	int i, n = 0, status = 0, rc = 1;
	const char *tmp;
	pid_t pid;
	bool ok;

	if (argc != 4 || !(c = find_case(argv[3]))) {
		fprintf(stderr, "usage: %s OPENWHP MBTEST_KERNEL CASE\n", argv[0]);
		return 2;
	}
	if (c->needs_kvm && !kvm_usable()) {
		printf("SKIP: /dev/kvm is not usable on this host\n");
		return SKIP;
	}
	if (c->signal == SIGSYS && getenv("OPENWHP_E2E_UNSANDBOXED")) {
		printf("SKIP: a sanitizer build runs without the seccomp filter\n");
		return SKIP;
	}
	memset(&p, 0, sizeof(p));
	p.openwhp = argv[1];
	p.mbk = argv[2];
	/* A private directory under $TMPDIR (or the system's default). */
	tmp = getenv("TMPDIR");
	if (!tmp || !*tmp || strlen(tmp) > 64)
		tmp = P_tmpdir;
	snprintf(p.dir, sizeof(p.dir), "%s/openwhp-e2e-XXXXXX", tmp);
	if (!mkdtemp(p.dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(p.image, sizeof(p.image), "%s/guest.bin", p.dir);
	snprintf(p.missing, sizeof(p.missing), "%s/missing.bin", p.dir);
	snprintf(p.mod1, sizeof(p.mod1), "%s/module1.txt", p.dir);
	snprintf(p.mod2, sizeof(p.mod2), "%s/module2.txt", p.dir);
	snprintf(p.in, sizeof(p.in), "%s/stdin", p.dir);
	snprintf(p.out, sizeof(p.out), "%s/stdout", p.dir);
	snprintf(p.err, sizeof(p.err), "%s/stderr", p.dir);
	if ((c->image && write_file(p.image, c->image, *c->image_size)) ||
	    write_file(p.mod1, mod1_text, strlen(mod1_text)) ||
	    write_file(p.mod2, mod2_text, strlen(mod2_text)) ||
	    write_file(p.in, c->input ? c->input : "", c->input ? strlen(c->input) : 0)) {
		perror("writing the case's files");
		goto out;
	}

	args[n++] = (char *)(uintptr_t)p.openwhp;
	for (i = 0; i < MAX_ARGS && c->args[i]; i++)
		if (!(args[n++] = expand(c->args[i], &p)))
			goto out;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, p.in, O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, p.out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, p.err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	errno = posix_spawn(&pid, p.openwhp, &fa, NULL, args, NULL);
	posix_spawn_file_actions_destroy(&fa);
	if (errno) {
		perror(p.openwhp);
		goto out;
	}
	if (wait_child(pid, c->kill_after_ms, &status))
		goto out;
	out = read_file(p.out);
	err = read_file(p.err);
	if (!out || !err) {
		fprintf(stderr, "cannot read the captured output\n");
		goto out;
	}
	printf("--- openwhp stdout ---\n%s--- openwhp stderr ---\n%s---\n", out, err);

	ok = true;
	if (c->signal) {
		if (!WIFSIGNALED(status) || WTERMSIG(status) != c->signal) {
			fprintf(stderr, "FAIL: expected death by signal %d, wait status 0x%x\n",
				c->signal, status);
			ok = false;
		}
	} else if (!WIFEXITED(status)) {
		fprintf(stderr, "FAIL: openwhp did not exit normally (wait status 0x%x)\n", status);
		ok = false;
	} else if (WEXITSTATUS(status) != c->status) {
		fprintf(stderr, "FAIL: exit status %d, expected %d\n", WEXITSTATUS(status),
			c->status);
		ok = false;
	}
	ok &= check_texts("stdout", out, c->out, MAX_TEXTS, true, &p);
	ok &= check_texts("stderr", err, c->err, MAX_TEXTS, true, &p);
	ok &= check_texts("stdout", out, c->not_out, 4, false, &p);
	rc = ok ? 0 : 1;
	if (ok)
		printf("PASS: %s\n", c->name);
out:
	for (i = 1; i < n; i++)
		free(args[i]);
	free(out);
	free(err);
	cleanup(&p);
	return rc;
}
