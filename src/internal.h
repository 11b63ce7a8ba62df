/* internal.h: declarations shared inside the library: status codes, last error, helpers. */
#ifndef OPENWHP_INTERNAL_H
#define OPENWHP_INTERNAL_H

#include <errno.h>
#include <stdint.h>
#include <stddef.h>

#include "WinHvPlatform.h"
#include "openwhp.h"

/*
 * Status convention inside src/: 0 on success, a negative errno, or one of
 * the negative OE_* codes below for outcomes WHP names precisely and errno
 * does not. status_to_hresult() is the only place a status becomes an
 * HRESULT (error.c), so every public function ends in the same way.
 */
#define OE_BASE 0x10000
enum {
	OE_UNKNOWN_CAPABILITY = -(OE_BASE + 0),	 /* WHV_E_UNKNOWN_CAPABILITY */
	OE_INSUFFICIENT_BUFFER = -(OE_BASE + 1), /* WHV_E_INSUFFICIENT_BUFFER */
	OE_UNKNOWN_PROPERTY = -(OE_BASE + 2),	 /* WHV_E_UNKNOWN_PROPERTY */
	OE_UNSUPPORTED_CONFIG = -(OE_BASE + 3),	 /* WHV_E_UNSUPPORTED_HYPERVISOR_CONFIG */
	OE_INVALID_PARTITION_CONFIG = -(OE_BASE + 4),
	OE_GPA_RANGE_NOT_FOUND = -(OE_BASE + 5),
	OE_VP_ALREADY_EXISTS = -(OE_BASE + 6),
	OE_VP_DOES_NOT_EXIST = -(OE_BASE + 7),
	OE_INVALID_VP_STATE = -(OE_BASE + 8),
	OE_INVALID_VP_REGISTER_NAME = -(OE_BASE + 9),
	OE_UNSUPPORTED_PROCESSOR_CONFIG = -(OE_BASE + 16),
	OE_POINTER = -(OE_BASE + 32),	       /* E_POINTER */
	OE_NOT_SUPPORTED = -(OE_BASE + 33),    /* HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED) */
	OE_INVALID_STATE = -(OE_BASE + 34),    /* HRESULT_FROM_WIN32(ERROR_INVALID_STATE) */
	OE_OPERATION_DENIED = -(OE_BASE + 35), /* ERROR_HV_OPERATION_DENIED */
	OE_NOT_IMPLEMENTED = -(OE_BASE + 36),  /* E_NOTIMPL: not built yet */
	OE_HANDLE = -(OE_BASE + 37),	       /* bad partition handle: E_INVALIDARG */
};

/* status_to_hresult: the one mapping from an internal status to an HRESULT. */
HRESULT status_to_hresult(int status);

/*
 * err_set: record the last-error text of this thread (printf-style) and
 * yield (status) unchanged, so callers can write `return err_set(-EINVAL,
 * "...")`. A macro, so that the compiler and static analysers see the
 * status that comes back (a failing one stays failing on every path);
 * (status) is evaluated once, after the text is recorded. err_sys does the
 * same for a failed system call, appending strerror(-status). err_clear
 * empties the text at the start of a call.
 */
void err_record(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define err_set(status, ...) (err_record(__VA_ARGS__), (int)(status))
int err_sys(int status, const char *what);
void err_clear(void);

/*
 * api_return: end of every public function: on failure keep (or create) the
 * last-error text, and translate the status.
 */
HRESULT api_return(int status);

/* ioctl_count_add: count one vCPU ioctl (openwhp_ioctl_count). */
void ioctl_count_add(void);

#define ARRAY_SIZE(a)	   (sizeof(a) / sizeof((a)[0]))
#define PAGE_SIZE_4K	   4096ull
#define IS_PAGE_ALIGNED(x) (((x) & (PAGE_SIZE_4K - 1)) == 0)

#endif
