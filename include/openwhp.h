/* openwhp.h: Linux-only extensions to the WHP API (never WHv-prefixed names). */
#ifndef OPENWHP_H
#define OPENWHP_H

#include <stdint.h>

#if defined(__GNUC__)
#define OPENWHP_API __attribute__((visibility("default")))
#else
#define OPENWHP_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * openwhp_last_error: a human-readable account of the last failing WHv* call
 * made on this thread, naming what KVM answered where KVM was involved
 * ("KVM_SET_SREGS: Invalid argument"). The text stays valid until the next
 * WHv* call on the same thread; it is "" when that call succeeded. Never NULL.
 */
OPENWHP_API const char *openwhp_last_error(void);

/* openwhp_version: the library version as "MAJOR.MINOR.PATCH". */
OPENWHP_API const char *openwhp_version(void);

/*
 * openwhp_ioctl_count: number of ioctls this process has issued on KVM vCPU
 * file descriptors through openwhp since it started (every thread). Cheap;
 * meant for tests and benchmarks that prove a call costs no extra ioctl.
 */
OPENWHP_API uint64_t openwhp_ioctl_count(void);

/*
 * openwhp_kvm_flavour: what the run loop detected about this host's KVM:
 * "at" when KVM reports RIP at an OUT instruction on KVM_EXIT_IO (kvm_intel,
 * kvm_amd), "after" when it reports RIP past it (kvm_pvm); "none" when no
 * partition has been set up yet or /dev/kvm is missing.
 */
OPENWHP_API const char *openwhp_kvm_flavour(void);

#ifdef __cplusplus
}
#endif
#endif /* OPENWHP_H */
