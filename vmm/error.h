/* error.h: the VMM's per-thread "last error" text, set where a vmm/ call fails. */
#ifndef VMM_ERROR_H
#define VMM_ERROR_H

/*
 * Every vmm/ function that can fail returns a negative value (usually a
 * negative errno) and, before returning, describes the failure with
 * vmm_error_set(). The caller (the openwhp tool) prints vmm_error(). This is
 * the same design as the library's openwhp_last_error(): a small return code
 * plus a thread-local human-readable detail.
 */

/*
 * vmm_error_set: format a message (printf-style) into this thread's error
 * buffer, replacing the previous one. Messages longer than the buffer
 * (256 bytes) are truncated.
 */
void vmm_error_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * vmm_error_hr: like vmm_error_set() for a failed WHv* call: "<what>: <hr>
 * (<library detail>)". (what) names the call; (hr) is the HRESULT it returned.
 * Returns -1 so callers can write "return vmm_error_hr(...)".
 */
int vmm_error_hr(const char *what, long hr);

/* vmm_error: the current message of this thread; "" if none. Never NULL. */
const char *vmm_error(void);

/* vmm_error_clear: reset this thread's message to "". */
void vmm_error_clear(void);

#endif /* VMM_ERROR_H */
