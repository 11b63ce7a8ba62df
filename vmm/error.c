/* error.c: the VMM's per-thread last-error text (see error.h). */
#include <stdarg.h>
#include <stdio.h>

#include <openwhp.h>

#include "error.h"

#define VMM_ERROR_LEN 256

static _Thread_local char vmm_error_buf[VMM_ERROR_LEN];

void vmm_error_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vmm_error_buf, sizeof(vmm_error_buf), fmt, ap);
	va_end(ap);
}

int vmm_error_hr(const char *what, long hr)
{
	const char *detail = openwhp_last_error();

	/* HRESULTs are printed as the 32-bit hex value Windows tools show. */
	if (detail[0])
		vmm_error_set("%s failed: HRESULT 0x%08lx (%s)", what,
			      (unsigned long)hr & 0xffffffffUL, detail);
	else
		vmm_error_set("%s failed: HRESULT 0x%08lx", what, (unsigned long)hr & 0xffffffffUL);
	return -1;
}

const char *vmm_error(void)
{
	return vmm_error_buf;
}

void vmm_error_clear(void)
{
	vmm_error_buf[0] = '\0';
}
