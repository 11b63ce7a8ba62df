/* vmm_bench.c: openwhp run against QEMU (microvm, KVM) on the same guest: start-up time and RSS. */
/*
 * For each round, in alternating order, both VMMs boot the same kernel
 * and are timed from just before posix_spawn() to (a) the first complete
 * line on the guest's serial console and (b) the process's exit; peak RSS
 * is the child's ru_maxrss from wait4(). Multiboot mode (default) boots
 * the multiboot test kernel with "quick exit=debug:0", which prints one
 * line and leaves through the debug-exit port (status 1 from both). Linux
 * mode (--linux) boots a bzImage to the "Linux version" banner and stops
 * there (SIGTERM); RSS is then VmHWM read from /proc just before.
 *
 * Usage: openwhp-vmm-bench [--rounds N] [--openwhp PATH] [--kernel PATH]
 *                          [--qemu PATH] [--linux BZIMAGE [--initrd FILE]]
 *                          [--timeout SEC]
 * Exit: 0 when every run behaved (targets are reported, not enforced), 1
 * when a run failed, 77 without /dev/kvm or QEMU.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SKIP	   77
#define MAX_ROUNDS 100

struct sample {
	double first_ms; /* spawn -> first guest line (or the banner) */
	double exit_ms;	 /* spawn -> exit (multiboot mode) */
	double rss_mib;	 /* peak resident set */
};

struct config {
	const char *openwhp, *kernel, *qemu, *linux_kernel, *initrd;
	int rounds, timeout_s;
};

/* posix_spawn() takes char *const argv[] but never writes to the strings. */
static char *arg(const char *s)
{
	return (char *)(uintptr_t)s;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* VmHWM of (pid) in MiB, or 0. */
static double vm_hwm_mib(pid_t pid)
{
	char path[64], line[256];
	double kib = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %lf kB", &kib) == 1)
			break;
	fclose(f);
	return kib / 1024;
}

/*
 * Run (argv), time it into (s). (marker): the line to wait for (NULL:
 * the first line); (stop_at_marker): SIGTERM once it is seen (Linux mode).
 * (want_status): the exit status a successful run has, -1 for any.
 */
static int run_one(char *const argv[], const char *marker, bool stop_at_marker, int want_status,
		   int timeout_s, struct sample *s)
{
	posix_spawn_file_actions_t fa;
	char buf[65536];
	size_t len = 0;
	int out[2], status = 0;
	bool seen = false;
	struct rusage ru;
	double t0, deadline;
	pid_t pid;

	memset(s, 0, sizeof(*s));
	if (pipe(out) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclose(&fa, out[0]);
	t0 = now_ms();
	errno = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	if (errno) {
		perror(argv[0]);
		close(out[0]);
		return -1;
	}
	deadline = t0 + timeout_s * 1e3;
	for (;;) {
		struct pollfd p = { .fd = out[0], .events = POLLIN };
		int left = (int)(deadline - now_ms());
		ssize_t n;

		if (left <= 0) {
			fprintf(stderr, "%s: no %s within %d s\n", argv[0],
				seen ? "exit" : "output", timeout_s);
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, left) <= 0)
			continue;
		n = read(out[0], buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break; /* the child closed its output: it is exiting */
		len += (size_t)n;
		buf[len] = '\0';
		if (!seen &&
		    ((!marker && memchr(buf, '\n', len)) || (marker && strstr(buf, marker)))) {
			seen = true;
			s->first_ms = now_ms() - t0;
			if (stop_at_marker) {
				s->rss_mib = vm_hwm_mib(pid);
				kill(pid, SIGTERM);
			}
		}
		if (len > sizeof(buf) / 2) {
			/* Keep the tail only; the marker has been looked for. */
			memmove(buf, buf + len - 1024, 1024);
			len = 1024;
		}
	}
	close(out[0]);
	if (wait4(pid, &status, 0, &ru) < 0)
		return -1;
	s->exit_ms = now_ms() - t0;
	if (!stop_at_marker)
		s->rss_mib = ru.ru_maxrss / 1024.0;
	if (!seen) {
		fprintf(stderr, "%s: the guest printed no %s\n", argv[0], marker ? marker : "line");
		return -1;
	}
	if (want_status >= 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != want_status)) {
		fprintf(stderr, "%s: wait status 0x%x, expected exit %d\n", argv[0], status,
			want_status);
		return -1;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void report(const char *what, struct sample *ow, struct sample *qe, int n, bool have_exit)
{
	double a[MAX_ROUNDS], b[MAX_ROUNDS], ma, mb;
	int i;

	printf("%-28s %12s %12s %8s\n", what, "openwhp", "qemu", "ratio");
	for (i = 0; i < n; i++) {
		a[i] = ow[i].first_ms;
		b[i] = qe[i].first_ms;
	}
	ma = median(a, n);
	mb = median(b, n);
	printf("%-28s %12.1f %12.1f %8.3f   (target <= 0.5)\n", "first guest line (ms)", ma, mb,
	       ma / mb);
	if (have_exit) {
		for (i = 0; i < n; i++) {
			a[i] = ow[i].exit_ms;
			b[i] = qe[i].exit_ms;
		}
		ma = median(a, n);
		mb = median(b, n);
		printf("%-28s %12.1f %12.1f %8.3f\n", "exit (ms)", ma, mb, ma / mb);
	}
	for (i = 0; i < n; i++) {
		a[i] = ow[i].rss_mib;
		b[i] = qe[i].rss_mib;
	}
	ma = median(a, n);
	mb = median(b, n);
	printf("%-28s %12.1f %12.1f %8.3f   (target <= 0.3)\n", "peak RSS (MiB)", ma, mb, ma / mb);
}

int main(int argc, char **argv)
{
	struct config c = {
		.openwhp = OPENWHP_PATH,
		.kernel = MBTEST_KERNEL,
		.qemu = "/usr/bin/qemu-system-x86_64",
		.rounds = 10,
		.timeout_s = 30,
	};
	static struct sample ow[MAX_ROUNDS], qe[MAX_ROUNDS];
	char append[512];
	int i, fd;

	for (i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--rounds") && v)
			c.rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--openwhp") && v)
			c.openwhp = argv[++i];
		else if (!strcmp(argv[i], "--kernel") && v)
			c.kernel = argv[++i];
		else if (!strcmp(argv[i], "--qemu") && v)
			c.qemu = argv[++i];
		else if (!strcmp(argv[i], "--linux") && v)
			c.linux_kernel = argv[++i];
		else if (!strcmp(argv[i], "--initrd") && v)
			c.initrd = argv[++i];
		else if (!strcmp(argv[i], "--timeout") && v)
			c.timeout_s = atoi(argv[++i]);
		else {
			fprintf(stderr,
				"usage: %s [--rounds N] [--openwhp PATH] [--kernel PATH] "
				"[--qemu PATH] [--linux BZIMAGE [--initrd FILE]] "
				"[--timeout SEC]\n",
				argv[0]);
			return 2;
		}
	}
	if (c.rounds < 1 || c.rounds > MAX_ROUNDS || c.timeout_s < 1) {
		fprintf(stderr, "--rounds must be 1 to %d, --timeout positive\n", MAX_ROUNDS);
		return 2;
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("SKIP: /dev/kvm is not usable\n");
		return SKIP;
	}
	close(fd);
	if (access(c.qemu, X_OK) != 0) {
		printf("SKIP: %s is missing (apt-get install qemu-system-x86)\n", c.qemu);
		return SKIP;
	}

	if (c.linux_kernel) {
		const char *cmd = "console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1";
		char *owv[] = { arg(c.openwhp),	  arg("run"), arg(c.linux_kernel),
				arg("--cmdline"), arg(""),    arg("--initrd"),
				arg(c.initrd),	  NULL };
		char *qev[] = { arg(c.qemu),
				arg("-M"),
				arg("microvm"),
				arg("-enable-kvm"),
				arg("-m"),
				arg("128"),
				arg("-nodefaults"),
				arg("-no-user-config"),
				arg("-nographic"),
				arg("-serial"),
				arg("stdio"),
				arg("-no-reboot"),
				arg("-kernel"),
				arg(c.linux_kernel),
				arg("-append"),
				arg(cmd),
				arg("-initrd"),
				arg(c.initrd),
				NULL };

		if (!c.initrd) {
			owv[5] = NULL;
			qev[16] = NULL;
		}
		printf("Linux to its banner: %s, %d round(s), timeout %d s\n", c.linux_kernel,
		       c.rounds, c.timeout_s);
		for (i = 0; i < c.rounds; i++) {
			if (run_one(owv, "Linux version", true, -1, c.timeout_s, &ow[i]) ||
			    run_one(qev, "Linux version", true, -1, c.timeout_s, &qe[i]))
				return 1;
		}
		report("Linux (to \"Linux version\")", ow, qe, c.rounds, false);
		return 0;
	}

	snprintf(append, sizeof(append), "quick exit=debug:0");
	{
		char *owv[] = { arg(c.openwhp),	  arg("run"), arg(c.kernel),
				arg("--cmdline"), append,     NULL };
		char *qev[] = { arg(c.qemu),
				arg("-M"),
				arg("microvm"),
				arg("-enable-kvm"),
				arg("-m"),
				arg("128"),
				arg("-nodefaults"),
				arg("-no-user-config"),
				arg("-nographic"),
				arg("-serial"),
				arg("stdio"),
				arg("-no-reboot"),
				arg("-device"),
				arg("isa-debug-exit,iobase=0xf4,iosize=4"),
				arg("-kernel"),
				arg(c.kernel),
				arg("-append"),
				append,
				NULL };

		printf("multiboot test kernel: %s, %d rounds\n", c.kernel, c.rounds);
		printf("openwhp: %s run K --cmdline '%s'\n", c.openwhp, append);
		printf("qemu:    %s -M microvm -enable-kvm -m 128 -nodefaults ... -kernel K\n",
		       c.qemu);
		for (i = 0; i < c.rounds; i++) {
			/* Alternate which goes first, so neither always meets a warm cache. */
			int r1, r2;

			if (i % 2) {
				r1 = run_one(qev, NULL, false, 1, c.timeout_s, &qe[i]);
				r2 = run_one(owv, NULL, false, 1, c.timeout_s, &ow[i]);
			} else {
				r1 = run_one(owv, NULL, false, 1, c.timeout_s, &ow[i]);
				r2 = run_one(qev, NULL, false, 1, c.timeout_s, &qe[i]);
			}
			if (r1 || r2)
				return 1;
		}
		report("multiboot (median)", ow, qe, c.rounds, true);
	}
	return 0;
}
