/* shim_main.c: the runner behind the TSan build's Criterion stand-in (shim/criterion/criterion.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

#include "criterion/criterion.h"

#define SHIM_MAX_TESTS 64

static struct {
	const char *suite, *name;
	shim_test_fn fn;
} tests[SHIM_MAX_TESTS];
static int ntests;

void shim_register(const char *suite, const char *name, shim_test_fn fn)
{
	if (ntests == SHIM_MAX_TESTS) {
		fprintf(stderr, "shim: more than %d tests\n", SHIM_MAX_TESTS);
		exit(2);
	}
	tests[ntests].suite = suite;
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

void shim_fail(const char *file, int line, const char *expr, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "[----] %s:%d: Assertion Failed: %s\n[----]   ", file, line, expr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n[====] Synthesis: failed\n");
	fflush(NULL);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Arguments (Criterion's --jobs and the like) are accepted and ignored. */
int main(int argc, char **argv)
{
	int i;

	(void)argc;
	(void)argv;
	for (i = 0; i < ntests; i++) {
		double t0 = now_s();

		tests[i].fn();
		printf("[PASS] %s::%s: (%.2fs)\n", tests[i].suite, tests[i].name, now_s() - t0);
		fflush(stdout);
	}
	printf("[====] Synthesis: Tested: %d | Passing: %d | Failing: 0 | Crashing: 0\n", ntests,
	       ntests);
	return 0;
}
