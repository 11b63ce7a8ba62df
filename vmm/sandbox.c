/* sandbox.c: seccomp BPF filter of the run-loop system calls, written by hand (see sandbox.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "error.h"
#include "sandbox.h"

#define SANDBOX_MAX_INSNS 160

/* Offsets in struct seccomp_data (linux/seccomp.h); args are 64-bit, little-endian. */
#define SD_NR	     offsetof(struct seccomp_data, nr)
#define SD_ARCH	     offsetof(struct seccomp_data, arch)
#define SD_ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))

/* x32 system calls have this bit set in nr (arch/x86/include/uapi/asm/unistd.h). */
#define SANDBOX_X32_BIT 0x40000000u

/* KVM's ioctl type byte (linux/kvm.h: KVMIO). */
#define SANDBOX_KVMIO 0xae

/* System calls allowed with any arguments. */
static const unsigned int sandbox_plain[] = {
	SYS_read,
	SYS_write,
	SYS_close,
	SYS_fstat,
	SYS_newfstatat,
	SYS_lseek,
	SYS_poll,
	SYS_ppoll,
	SYS_munmap,
	SYS_mremap,
	SYS_brk,
	SYS_madvise,
	SYS_rt_sigprocmask,
	SYS_rt_sigreturn,
	SYS_sched_yield,
	SYS_nanosleep,
	SYS_clock_nanosleep,
	SYS_clock_gettime,
	SYS_getpid,
	SYS_gettid,
	SYS_futex,
	SYS_exit,
	SYS_exit_group,
	SYS_restart_syscall,
	SYS_rseq,
};

/* Terminal ioctls the console uses (restoring the terminal, window size). */
static const unsigned int sandbox_tty_ioctls[] = {
	TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ,
};

struct sandbox_prog {
	struct sock_filter insn[SANDBOX_MAX_INSNS];
	unsigned int n;
};

static sandbox_violation_fn sandbox_hook;

static void sandbox_emit(struct sandbox_prog *p, struct sock_filter f)
{
	if (p->n < SANDBOX_MAX_INSNS)
		p->insn[p->n] = f;
	p->n++; /* counted past the end so sandbox_build() can detect overflow */
}

static void sandbox_load(struct sandbox_prog *p, unsigned int off)
{
	sandbox_emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, off));
}

static void sandbox_ret(struct sandbox_prog *p, unsigned int action)
{
	sandbox_emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, action));
}

/* "if (A == k) return ALLOW;" in two instructions. */
static void sandbox_allow_if(struct sandbox_prog *p, unsigned int k)
{
	sandbox_emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 1));
	sandbox_ret(p, SECCOMP_RET_ALLOW);
}

/*
 * Start a block checked only for system call (nr): "if (A != nr) skip the
 * block". Returns the jump's index for sandbox_block_end(). A block must
 * end in a return, so the skipped-to code still sees nr in A.
 */
static unsigned int sandbox_block(struct sandbox_prog *p, unsigned int nr)
{
	unsigned int at = p->n;

	sandbox_emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 0));
	return at;
}

static void sandbox_block_end(struct sandbox_prog *p, unsigned int at)
{
	if (at < SANDBOX_MAX_INSNS)
		p->insn[at].jf = (uint8_t)(p->n - at - 1);
}

static int sandbox_build(struct sandbox_prog *p)
{
	unsigned int i, at;

	p->n = 0;
	/* Only the x86-64 ABI: int 0x80 (i386) and x32 calls have other numbers. */
	sandbox_load(p, SD_ARCH);
	sandbox_emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64,
						     1, 0));
	sandbox_ret(p, SECCOMP_RET_KILL_PROCESS);
	sandbox_load(p, SD_NR);
	sandbox_emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, SANDBOX_X32_BIT, 0,
						     1));
	sandbox_ret(p, SECCOMP_RET_KILL_PROCESS);

	for (i = 0; i < sizeof(sandbox_plain) / sizeof(sandbox_plain[0]); i++)
		sandbox_allow_if(p, sandbox_plain[i]);

	/* ioctl: KVM's type byte (bits 15:8 of the 32-bit request), or a terminal request. */
	at = sandbox_block(p, SYS_ioctl);
	sandbox_load(p, SD_ARG_LO(1));
	sandbox_emit(p, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff00));
	sandbox_allow_if(p, SANDBOX_KVMIO << 8);
	sandbox_load(p, SD_ARG_LO(1));
	for (i = 0; i < sizeof(sandbox_tty_ioctls) / sizeof(sandbox_tty_ioctls[0]); i++)
		sandbox_allow_if(p, sandbox_tty_ioctls[i]);
	sandbox_ret(p, SECCOMP_RET_TRAP);
	sandbox_block_end(p, at);

	/* mmap and mprotect: never executable memory (prot is argument 2 of both). */
	at = sandbox_block(p, SYS_mmap);
	sandbox_load(p, SD_ARG_LO(2));
	sandbox_emit(p, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, PROT_EXEC));
	sandbox_allow_if(p, 0);
	sandbox_ret(p, SECCOMP_RET_TRAP);
	sandbox_block_end(p, at);
	at = sandbox_block(p, SYS_mprotect);
	sandbox_load(p, SD_ARG_LO(2));
	sandbox_emit(p, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, PROT_EXEC));
	sandbox_allow_if(p, 0);
	sandbox_ret(p, SECCOMP_RET_TRAP);
	sandbox_block_end(p, at);

	/* tgkill: threads of this process only (the library's vCPU kick). */
	at = sandbox_block(p, SYS_tgkill);
	sandbox_load(p, SD_ARG_LO(0));
	sandbox_allow_if(p, (unsigned int)getpid());
	sandbox_ret(p, SECCOMP_RET_TRAP);
	sandbox_block_end(p, at);

	/*
	 * rt_sigaction: the library installs its vCPU-kick handler on the
	 * first run, after the sandbox is on; SIGSYS stays ours so that a
	 * violation always ends the process.
	 */
	at = sandbox_block(p, SYS_rt_sigaction);
	sandbox_load(p, SD_ARG_LO(0));
	sandbox_emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SIGSYS, 0, 1));
	sandbox_ret(p, SECCOMP_RET_TRAP);
	sandbox_ret(p, SECCOMP_RET_ALLOW);
	sandbox_block_end(p, at);

	sandbox_ret(p, SECCOMP_RET_TRAP);
	if (p->n > SANDBOX_MAX_INSNS) {
		vmm_error_set("sandbox: the filter needs %u instructions (room for %d)", p->n,
			      SANDBOX_MAX_INSNS);
		return -E2BIG;
	}
	return 0;
}

/* Decimal digits of (v) into (buf); returns the length. Async-signal-safe. */
static size_t sandbox_utoa(char *buf, unsigned long v)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

static void sandbox_sigsys(int sig, siginfo_t *si, void *uc)
{
	static const char head[] = "openwhp: sandbox: system call ";
	static const char tail[] = " is not allowed; stopping\n";
	char msg[96];
	size_t n = 0;
	ssize_t w;

	(void)sig;
	(void)uc;
	if (sandbox_hook)
		sandbox_hook();
	memcpy(msg, head, sizeof(head) - 1);
	n += sizeof(head) - 1;
	n += sandbox_utoa(msg + n, (unsigned long)si->si_syscall);
	memcpy(msg + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;
	w = write(STDERR_FILENO, msg, n);
	(void)w;
	/*
	 * SIGSYS is blocked while this handler runs, so trapping again makes
	 * the kernel kill the process with SIGSYS (force_sig_seccomp() resets
	 * a blocked signal to its default action).
	 */
	syscall(si->si_syscall, 0, 0, 0, 0, 0, 0);
	_exit(128 + SIGSYS); /* not reached */
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
/*
 * Sanitizer runtimes make system calls of their own that the run loop never
 * makes (sigaltstack, LeakSanitizer's stop-the-world tracer at exit): a build
 * with them runs unconfined, and its e2e test of the filter reports a skip.
 */
#define SANDBOX_UNDER_SANITIZER 1
#endif

int sandbox_enter(sandbox_violation_fn on_violation)
{
	struct sandbox_prog p;
	struct sock_fprog prog;
	struct sigaction sa;
	int rc;

#ifdef SANDBOX_UNDER_SANITIZER
	return 0;
#endif
	rc = sandbox_build(&p);
	if (rc)
		return rc;
	sandbox_hook = on_violation;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sandbox_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		rc = -errno;
		vmm_error_set("sandbox: sigaction(SIGSYS): %s", strerror(errno));
		return rc;
	}
	/* seccomp_filter.rst: an unprivileged filter requires no_new_privs. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		rc = -errno;
		vmm_error_set("sandbox: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return rc;
	}
	prog.len = (unsigned short)p.n;
	prog.filter = p.insn;
	/* TSYNC: the console thread, already running, is confined as well. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0) {
		rc = -errno;
		vmm_error_set("sandbox: installing the seccomp filter failed: %s "
			      "(run with --no-sandbox on a kernel without seccomp)",
			      strerror(errno));
		return rc;
	}
	return 0;
}

void sandbox_selftest_violate(void)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
}
