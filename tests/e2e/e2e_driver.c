/* e2e_driver.c: runs the built openwhp command on one scenario; checks status and output. */
/*
 * Usage: e2e_driver OPENWHP CASE
 *
 * Each case names a guest image (assembled from guests/ at build time and
 * written to a temporary file here), the command line, the exit status it
 * must produce and texts that must appear on standard output or standard
 * error. Cases that boot a guest exit 77 (ctest: skipped) when /dev/kvm is
 * unusable; the others (bad options, unreadable files) need no hypervisor
 * and always run.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SKIP 77
#define MAX_ARGS 12
#define MAX_TEXTS 4

#define PAYLOAD(name)							\
	extern const unsigned char e2e_##name[];			\
	extern const unsigned int e2e_##name##_size;
PAYLOAD(real)
PAYLOAD(protected)
PAYLOAD(long)
PAYLOAD(entry)
PAYLOAD(unmapped)
PAYLOAD(triple_fault)
PAYLOAD(string_io)
PAYLOAD(long_string)

struct e2e_case {
	const char *name;
	const unsigned char *image;	/* written to @FILE@, if any */
	const unsigned int *image_size;
	bool needs_kvm;
	const char *args[MAX_ARGS];	/* after "openwhp"; "@FILE@", "@MISSING@" */
	int status;
	const char *out[MAX_TEXTS];	/* must appear on stdout */
	const char *err[MAX_TEXTS];	/* must appear on stderr */
};

static const struct e2e_case cases[] = {
	{ .name = "hello", .needs_kvm = true, .args = { "run" }, .status = 0,
	  .out = { "Hello from an openwhp guest\n" } },
	{ .name = "real", .image = e2e_real, .image_size = &e2e_real_size,
	  .needs_kvm = true, .args = { "run", "@FILE@", "--mode", "real" },
	  .status = 42, .out = { "openwhp e2e: real mode OK\n" } },
	{ .name = "protected", .image = e2e_protected,
	  .image_size = &e2e_protected_size, .needs_kvm = true,
	  .args = { "run", "--mode=protected", "@FILE@" }, .status = 7,
	  .out = { "openwhp e2e: protected mode OK\n" } },
	{ .name = "long", .image = e2e_long, .image_size = &e2e_long_size,
	  .needs_kvm = true, .args = { "run", "@FILE@" }, .status = 3,
	  .out = { "openwhp e2e: long mode OK\n" } },
	{ .name = "string_io", .image = e2e_string_io,
	  .image_size = &e2e_string_io_size, .needs_kvm = true,
	  .args = { "run", "@FILE@", "--mode", "real" }, .status = 33,
	  .out = { "openwhp e2e: string I/O OK\n" } },
	{ .name = "long_string", .image = e2e_long_string,
	  .image_size = &e2e_long_string_size, .needs_kvm = true,
	  .args = { "run", "@FILE@" }, .status = 4,
	  .out = { "openwhp e2e: long-mode string I/O OK\n" } },
	{ .name = "entry", .image = e2e_entry, .image_size = &e2e_entry_size,
	  .needs_kvm = true,
	  .args = { "run", "@FILE@", "--load", "0x200000", "--entry=0x200010",
		    "--mem", "8" },
	  .status = 5, .out = { "openwhp e2e: entry point OK\n" } },
	{ .name = "unmapped", .image = e2e_unmapped, .image_size = &e2e_unmapped_size,
	  .needs_kvm = true, .args = { "run", "@FILE@", "--mode", "protected" },
	  .status = 126,
	  .err = { "guest failure", "unmapped guest-physical address 0xe0000000" } },
	{ .name = "triple_fault", .image = e2e_triple_fault,
	  .image_size = &e2e_triple_fault_size, .needs_kvm = true,
	  .args = { "run", "@FILE@" }, .status = 126,
	  .err = { "guest failure", "unrecoverable exception" } },
	{ .name = "bad_file", .args = { "run", "@MISSING@" }, .status = 125,
	  .err = { "cannot read '", "missing.bin': No such file or directory" } },
	{ .name = "bad_option", .args = { "run", "--frobnicate" }, .status = 124,
	  .err = { "unknown option '--frobnicate'", "Try 'openwhp --help'" } },
	{ .name = "bad_mode", .image = e2e_long, .image_size = &e2e_long_size,
	  .args = { "run", "@FILE@", "--mode", "virtual8086" }, .status = 124,
	  .err = { "--mode: 'virtual8086' is not one of real, protected, long" } },
	{ .name = "too_big", .image = e2e_long, .image_size = &e2e_long_size,
	  .args = { "run", "@FILE@", "--load", "0x3ffff0", "--mem", "4" },
	  .status = 124, .err = { "does not fit in guest RAM" } },
	{ .name = "help", .args = { "--help" }, .status = 0,
	  .out = { "Usage: openwhp run [FILE]", "Exit status:", "124", "126" } },
};

static const struct e2e_case *find_case(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(cases[i].name, name) == 0)
			return &cases[i];
	return NULL;
}

static int write_file(const char *path, const unsigned char *data, unsigned int size)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	if (fwrite(data, 1, size, f) != size) {
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

static bool kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool check_texts(const char *stream, const char *got,
			const char *const want[MAX_TEXTS])
{
	bool ok = true;
	int i;

	for (i = 0; i < MAX_TEXTS && want[i]; i++) {
		if (!strstr(got, want[i])) {
			fprintf(stderr, "FAIL: %s lacks \"%s\"\n", stream, want[i]);
			ok = false;
		}
	}
	return ok;
}

int main(int argc, char **argv)
{
	const struct e2e_case *c;
	char dir[96];
	char image[128], missing[128], out_path[128], err_path[128];
	char *args[MAX_ARGS + 2];
	posix_spawn_file_actions_t fa;
	char *out = NULL, *err = NULL;
	int i, n = 0, status, rc = 1;
	const char *tmp;
	pid_t pid;
	bool ok;

	if (argc != 3 || !(c = find_case(argv[2]))) {
		fprintf(stderr, "usage: %s OPENWHP CASE\n", argv[0]);
		return 2;
	}
	if (c->needs_kvm && !kvm_usable()) {
		printf("SKIP: /dev/kvm is not usable on this host\n");
		return SKIP;
	}
	/* A private directory under $TMPDIR (or the system's default). */
	tmp = getenv("TMPDIR");
	if (!tmp || !*tmp || strlen(tmp) > 64)
		tmp = P_tmpdir;
	snprintf(dir, sizeof(dir), "%s/openwhp-e2e-XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(image, sizeof(image), "%s/guest.bin", dir);
	snprintf(missing, sizeof(missing), "%s/missing.bin", dir);
	snprintf(out_path, sizeof(out_path), "%s/stdout", dir);
	snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
	if (c->image && write_file(image, c->image, *c->image_size)) {
		perror(image);
		goto cleanup;
	}

	args[n++] = argv[1];
	for (i = 0; i < MAX_ARGS && c->args[i]; i++) {
		if (!strcmp(c->args[i], "@FILE@"))
			args[n++] = image;
		else if (!strcmp(c->args[i], "@MISSING@"))
			args[n++] = missing;
		else
			args[n++] = (char *)(uintptr_t)c->args[i];
	}
	args[n] = NULL;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	errno = posix_spawn(&pid, argv[1], &fa, NULL, args, NULL);
	posix_spawn_file_actions_destroy(&fa);
	if (errno) {
		perror(argv[1]);
		goto cleanup;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("waitpid");
			goto cleanup;
		}
	}
	out = read_file(out_path);
	err = read_file(err_path);
	if (!out || !err) {
		fprintf(stderr, "cannot read the captured output\n");
		goto cleanup;
	}
	printf("--- openwhp stdout ---\n%s--- openwhp stderr ---\n%s---\n", out, err);

	ok = true;
	if (!WIFEXITED(status)) {
		fprintf(stderr, "FAIL: openwhp did not exit normally (wait status 0x%x)\n",
			status);
		ok = false;
	} else if (WEXITSTATUS(status) != c->status) {
		fprintf(stderr, "FAIL: exit status %d, expected %d\n",
			WEXITSTATUS(status), c->status);
		ok = false;
	}
	ok &= check_texts("stdout", out, c->out);
	ok &= check_texts("stderr", err, c->err);
	rc = ok ? 0 : 1;
	if (ok)
		printf("PASS: %s\n", c->name);
cleanup:
	free(out);
	free(err);
	unlink(image);
	unlink(out_path);
	unlink(err_path);
	rmdir(dir);
	return rc;
}
