/* criterion.h: a minimal in-process stand-in for Criterion, for the ThreadSanitizer build. */
#ifndef STRESS_SHIM_CRITERION_H
#define STRESS_SHIM_CRITERION_H

/*
 * Criterion cannot start under ThreadSanitizer: its sandbox maps an
 * inheritable arena at an address TSan's memory layout does not allow, and
 * it aborts before any test runs. The TSan build of the stress tests
 * (tests/stress/CMakeLists.txt) puts this directory first on the include
 * path instead of linking Criterion, so the same sources compile unchanged
 * against the subset of the API they use: Test, TestSuite, cr_assert,
 * cr_assert_eq, cr_assert_str_eq and cr_assert_fail. Tests run one after
 * the other in the one process (no fork); the first failed assertion prints
 * where and why and ends the process with status 1. shim_main.c holds the
 * runner and main().
 */

#include <stdio.h>
#include <string.h>

typedef void (*shim_test_fn)(void);

void shim_register(const char *suite, const char *name, shim_test_fn fn);
void shim_fail(const char *file, int line, const char *expr, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 4, 5)));

#define TestSuite(suite, ...) extern int shim_suite_##suite
#define Test(suite, name, ...)                                                   \
	static void suite##_##name(void);                                        \
	__attribute__((constructor)) static void shim_reg_##suite##_##name(void) \
	{                                                                        \
		shim_register(#suite, #name, suite##_##name);                    \
	}                                                                        \
	static void suite##_##name(void)

#define cr_assert(cond, ...)                                                   \
	do {                                                                   \
		if (!(cond))                                                   \
			shim_fail(__FILE__, __LINE__, #cond, " " __VA_ARGS__); \
	} while (0)
#define cr_assert_eq(a, b, ...)	    cr_assert((a) == (b), __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) cr_assert(strcmp((a), (b)) == 0, __VA_ARGS__)
#define cr_assert_fail(...)	    shim_fail(__FILE__, __LINE__, "failure", " " __VA_ARGS__)

#endif
