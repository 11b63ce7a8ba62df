/* error.c: status -> HRESULT translation, the thread-local last error, version and counters. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* initial-exec: every API call touches it; no __tls_get_addr on the exit path. */
static _Thread_local char last_error[256] __attribute__((tls_model("initial-exec")));
static atomic_uint_fast64_t vcpu_ioctls;

HRESULT status_to_hresult(int status)
{
	switch (status) {
	case 0: return S_OK;
	case OE_UNKNOWN_CAPABILITY: return WHV_E_UNKNOWN_CAPABILITY;
	case OE_INSUFFICIENT_BUFFER: return WHV_E_INSUFFICIENT_BUFFER;
	case OE_UNKNOWN_PROPERTY: return WHV_E_UNKNOWN_PROPERTY;
	case OE_UNSUPPORTED_CONFIG: return WHV_E_UNSUPPORTED_HYPERVISOR_CONFIG;
	case OE_INVALID_PARTITION_CONFIG: return WHV_E_INVALID_PARTITION_CONFIG;
	case OE_GPA_RANGE_NOT_FOUND: return WHV_E_GPA_RANGE_NOT_FOUND;
	case OE_VP_ALREADY_EXISTS: return WHV_E_VP_ALREADY_EXISTS;
	case OE_VP_DOES_NOT_EXIST: return WHV_E_VP_DOES_NOT_EXIST;
	case OE_INVALID_VP_STATE: return WHV_E_INVALID_VP_STATE;
	case OE_INVALID_VP_REGISTER_NAME: return WHV_E_INVALID_VP_REGISTER_NAME;
	case OE_UNSUPPORTED_PROCESSOR_CONFIG: return WHV_E_UNSUPPORTED_PROCESSOR_CONFIG;
	case OE_POINTER: return E_POINTER;
	case OE_NOT_SUPPORTED: return HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED);
	case OE_INVALID_STATE: return HRESULT_FROM_WIN32(ERROR_INVALID_STATE);
	case OE_OPERATION_DENIED: return HRESULT_FROM_WIN32(ERROR_HV_OPERATION_DENIED);
	case OE_NOT_IMPLEMENTED: return E_NOTIMPL;
	case OE_HANDLE: return E_INVALIDARG;
	case -ENOMEM: return E_OUTOFMEMORY;
	case -EACCES:
	case -EPERM: return E_ACCESSDENIED;
	case -ENOSYS:
	case -EOPNOTSUPP: return E_NOTIMPL;
	case -EINVAL:
	case -ERANGE:
	case -E2BIG:
	case -EEXIST:
	case -ENOENT: return E_INVALIDARG;
	default: return E_FAIL;
	}
}

void err_record(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

int err_sys(int status, const char *what)
{
	return err_set(status, "%s: %s", what, strerror(-status));
}

void err_clear(void)
{
	last_error[0] = '\0';
}

HRESULT api_return(int status)
{
	if (status != 0 && last_error[0] == '\0')
		snprintf(last_error, sizeof(last_error), "failed with status %d", status);
	return status_to_hresult(status);
}

void ioctl_count_add(void)
{
	atomic_fetch_add_explicit(&vcpu_ioctls, 1, memory_order_relaxed);
}

OPENWHP_API const char *openwhp_last_error(void)
{
	return last_error;
}

OPENWHP_API const char *openwhp_version(void)
{
	return OPENWHP_VERSION_STRING;
}

OPENWHP_API uint64_t openwhp_ioctl_count(void)
{
	return atomic_load_explicit(&vcpu_ioctls, memory_order_relaxed);
}
