/* sandbox.h: confine the VMM after setup: no_new_privs and a seccomp filter of its run loop. */
#ifndef VMM_SANDBOX_H
#define VMM_SANDBOX_H

#include <stdbool.h>

/*
 * Once the machine is built (RAM mapped, partition and VP created,
 * kernel loaded, console thread started), the VMM needs few system calls:
 * vCPU and terminal ioctls, read/write on descriptors it already holds,
 * memory management without PROT_EXEC, futexes, poll, clocks, signals to
 * its own threads and exit. sandbox_enter() sets PR_SET_NO_NEW_PRIVS and
 * installs a seccomp BPF filter (Linux's Documentation/userspace-api/
 * seccomp_filter.rst) on every thread of the process (TSYNC) that allows
 * exactly those, with these argument checks:
 *   ioctl         only KVM's ioctl type (0xAE) and the terminal's
 *                 TCGETS/TCSETS/TCSETSW/TCSETSF/TIOCGWINSZ
 *   mmap/mprotect never with PROT_EXEC
 *   tgkill        only within this process
 *   rt_sigaction  never for SIGSYS
 * Everything else (open, execve, socket, fork, ptrace, kill, ...) traps:
 * the SIGSYS handler runs (on_violation) (to give the terminal back),
 * writes "openwhp: sandbox: system call N is not allowed" to stderr and
 * repeats the call with SIGSYS blocked, which makes the kernel kill the
 * process with SIGSYS. A call from a non-x86-64 ABI (int 0x80, x32) kills
 * at once.
 */

/* sandbox_violation_fn: async-signal-safe clean-up before the process dies. */
typedef void (*sandbox_violation_fn)(void);

/*
 * sandbox_enter: confine the whole process as above. Returns 0, or a
 * negative errno with vmm_error() set (the kernel has no seccomp, or
 * refused the filter); the process is then unchanged except possibly for
 * no_new_privs.
 */
int sandbox_enter(sandbox_violation_fn on_violation);

/*
 * sandbox_selftest_violate: make a system call the filter forbids
 * (openat of /proc/self/status). Under the sandbox it does not return;
 * without it, returns normally.
 */
void sandbox_selftest_violate(void);

#endif /* VMM_SANDBOX_H */
