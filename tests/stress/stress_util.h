/* stress_util.h: clocks, iteration scaling, open-fd and RSS probes shared by the stress tests. */
#ifndef STRESS_UTIL_H
#define STRESS_UTIL_H

/*
 * Included after whp_test.h by each tests/stress/stress_*.c (one program
 * each), so everything is static. Worker threads never call cr_assert (a
 * Criterion assertion from a thread other than the test's own is undefined):
 * they count what went wrong and the test thread asserts on the counts.
 */

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* ASan keeps freed memory in a quarantine by design: RSS is not flat there. */
#if defined(__SANITIZE_ADDRESS__)
#define STRESS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STRESS_ASAN 1
#endif
#endif
#ifndef STRESS_ASAN
#define STRESS_ASAN 0
#endif

static inline uint64_t stress_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void stress_spin_ns(uint64_t ns)
{
	uint64_t end = stress_now_ns() + ns;

	while (stress_now_ns() < end)
		;
}

/* A small xorshift generator: each thread has its own state, seeded by the test. */
static inline uint32_t stress_rand(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9E3779B9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

/*
 * stress_scaled(n): n scaled by OPENWHP_STRESS_SCALE percent (default 100),
 * at least 1. The sanitizer and valgrind passes run fewer iterations of the
 * same code; the default run does the full count.
 */
static inline long stress_scaled(long n)
{
	const char *s = getenv("OPENWHP_STRESS_SCALE");
	long pct = s ? strtol(s, NULL, 10) : 100;

	if (pct <= 0 || pct > 100)
		pct = 100;
	n = n * pct / 100;
	return n > 0 ? n : 1;
}

/* stress_open_fds(): how many file descriptors this process has open. */
static inline int stress_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

/* stress_rss_kib(): resident set size in KiB (/proc/self/statm, field 2). */
static inline long stress_rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, rss = 0;

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss < 0 ? -1 : rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/*
 * A run bounded by a watchdog from the test thread: stress_join_within(t, ms)
 * joins (t) if it finishes within (ms) milliseconds and returns 0, or returns
 * -1 leaving it running (the test then fails: a hang).
 */
static inline int stress_join_within(pthread_t t, unsigned int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_timedjoin_np(t, NULL, &ts) == 0 ? 0 : -1;
}

#endif /* STRESS_UTIL_H */
