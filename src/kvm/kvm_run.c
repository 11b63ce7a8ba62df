/* kvm_run.c: WHvRunVirtualProcessor on KVM_RUN: the resume plan, exits -> WHV_RUN_VP_EXIT_CONTEXT, cancel. */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>

#include "gva.h"
#include "insn.h"
#include "internal.h"
#include "kvm.h"
#include "kvm_regs.h"
#include "kvm_state.h"

#define EFER_LMA  (1ull << 10)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_VM (1ull << 17)
#define SYNC_ALL  (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)

/*
 * Cancel. WHvCancelRunVirtualProcessor sets cancel_pending, then
 * kvm_run->immediate_exit, then (if the VP is inside KVM_RUN) sends the kick
 * signal to its thread. KVM checks immediate_exit on entry and a pending
 * signal while the guest runs, so a cancel is never lost between our check and
 * the guest entering (api.rst, "immediate_exit"; KVM_CAP_IMMEDIATE_EXIT). The
 * flag is consumed exactly once, by the Canceled exit: sticky, single-shot,
 * several cancels collapse into one, as on Windows (whp-reference §4.4).
 * The handler does nothing; SA_RESTART keeps the caller's own system calls
 * from seeing EINTR if a kick lands after KVM_RUN returned.
 */
#define KICK_SIGNAL KVM_KICK_SIGNAL

static pthread_once_t kick_once = PTHREAD_ONCE_INIT;
static _Thread_local bool kick_unblocked __attribute__((tls_model("initial-exec")));

static void kick_handler(int sig)
{
	(void)sig;
}

static void kick_install(void)
{
	struct sigaction sa, old;

	if (sigaction(KICK_SIGNAL, NULL, &old) == 0 && old.sa_handler != SIG_DFL &&
	    old.sa_handler != SIG_IGN)
		return; /* the program handles it already: any handler interrupts KVM_RUN */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);
}

void kvm_kick_install(void)
{
	pthread_once(&kick_once, kick_install);
}

static void kick_prepare_thread(void)
{
	sigset_t set;

	kvm_kick_install();
	if (kick_unblocked)
		return;
	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	kick_unblocked = true;
}

/*
 * The caller holds the partition lock (engine.h), and a VP's run cannot return
 * from WHvRunVirtualProcessor without taking it: so when in_run is seen set,
 * the thread it names is alive and inside the run, and signalling it is safe.
 */
void kvm_vcpu_cancel(struct engine_vcpu *v)
{
	atomic_store(&v->cancel_pending, 1);
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (atomic_load(&v->in_run))
		pthread_kill(v->thread, KICK_SIGNAL);
}

/* Clear immediate_exit, unless a cancel is (or just became) pending. */
static void immediate_exit_rearm(struct engine_vcpu *v)
{
	__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	if (atomic_load(&v->cancel_pending))
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

/* One KVM_RUN, counted; returns 0 or -errno (EINTR included). */
static int vcpu_kvm_run(struct engine_vcpu *v)
{
	ioctl_count_add();
	if (ioctl(v->fd, KVM_RUN, 0) < 0)
		return -errno;
	return 0;
}

/*
 * Retire what KVM holds pending from the last exit without running guest
 * code: KVM_RUN with immediate_exit=1 completes pending I/O and MMIO and
 * returns EINTR (api.rst, "KVM_RUN"). KVM applies dirty sync regs before the
 * completion, so none may be marked then; the caller restores its view after.
 */
static int vcpu_flush(struct engine_vcpu *v)
{
	uint32_t dirty = v->run->kvm_dirty_regs;
	int rc, tries;

	v->run->kvm_dirty_regs = 0;
	/* A pending MSR access completes without #GP; its result is overwritten after. */
	if (v->run->exit_reason == KVM_EXIT_X86_RDMSR || v->run->exit_reason == KVM_EXIT_X86_WRMSR)
		v->run->msr.error = 0;
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	for (tries = 0; tries < 16; tries++) {
		rc = vcpu_kvm_run(v);
		if (rc == -EINTR)
			break;
		if (rc)
			goto out;
		/* A multi-fragment MMIO access exits again: feed it zeros. */
		if (v->run->exit_reason == KVM_EXIT_MMIO)
			memset(v->run->mmio.data, 0, sizeof(v->run->mmio.data));
	}
	rc = 0;
out:
	if (rc == 0)
		v->kvm_regs = v->run->s.regs.regs;
	else
		memset(&v->kvm_regs, 0xFF, sizeof(v->kvm_regs));
	immediate_exit_rearm(v);
	v->run->kvm_dirty_regs = dirty;
	v->valid = 0;
	v->msr_count = 0;
	return rc ? err_sys(rc, "KVM_RUN (completing the previous exit)") : 0;
}

int kvm_vcpu_retire_pending(struct engine_vcpu *v)
{
	struct kvm_sync_regs view;
	int rc;

	if (v->pend.kind == PK_NONE)
		return 0;
	view = v->run->s.regs;
	rc = vcpu_flush(v);
	v->run->s.regs = view;
	v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
	v->pend.kind = PK_NONE;
	return rc;
}

/* ---- CPU mode, linear addresses and instruction bytes ---- */

static int mode_bits(const struct kvm_sregs *s, uint64_t rflags)
{
	if (!(s->cr0 & 1) || (rflags & RFLAGS_VM))
		return 16;
	if ((s->efer & EFER_LMA) && s->cs.l)
		return 64;
	return s->cs.db ? 32 : 16;
}

static uint64_t linear_of(uint64_t base, uint64_t off, int bits)
{
	if (bits == 64)
		return off;
	return (base + off) & 0xFFFFFFFFull;
}

/*
 * Linear -> guest-physical page for the exit being handled. The guest is
 * stopped while its exit is built, so a translation stays good until the next
 * KVM_RUN (tlb_clear); a handful of fetches then costs one page walk.
 */
static void tlb_clear(struct engine_vcpu *v)
{
	v->tlb_n = 0;
}

static bool tlb_translate(struct engine_vcpu *v, uint64_t la, uint64_t *gpa)
{
	const struct kvm_sregs *s = &v->run->s.regs.sregs;
	struct gva_ctl ctl = { s->cr0, s->cr3, s->cr4, s->efer };
	uint64_t page = la & ~4095ull, g;
	unsigned i;

	for (i = 0; i < v->tlb_n; i++) {
		if (v->tlb[i].la == page) {
			*gpa = v->tlb[i].gpa | (la & 4095);
			return true;
		}
	}
	if (gva_walk(&ctl, page, v->vm->cfg.read_gpa, v->vm->cfg.owner, &g) != GVA_OK)
		return false;
	i = v->tlb_n < KVM_EXIT_TLB ? v->tlb_n++ : 0;
	v->tlb[i].la = page;
	v->tlb[i].gpa = g & ~4095ull;
	*gpa = v->tlb[i].gpa | (la & 4095);
	return true;
}

/* Copy up to (n) bytes at linear (la); returns how many could be read (stops at a hole). */
static uint32_t fetch_linear(struct engine_vcpu *v, uint64_t la, uint8_t *buf, uint32_t n)
{
	uint32_t got = 0;

	while (got < n) {
		uint64_t gpa;
		uint32_t chunk = (uint32_t)(4096 - ((la + got) & 4095));

		if (chunk > n - got)
			chunk = n - got;
		if (!tlb_translate(v, la + got, &gpa))
			break;
		if (v->vm->cfg.read_gpa(v->vm->cfg.owner, gpa, buf + got, chunk))
			break;
		got += chunk;
	}
	return got;
}

/*
 * Decoding is a pure function of the bytes and the mode, and a guest that
 * exits in a loop exits on the same few instructions: remember the last few
 * results (failures too) so a hot exit costs a memcmp, not a decode.
 */
static int decode_cached(struct engine_vcpu *v, const uint8_t *buf, uint32_t n, int bits,
			 struct insn *out)
{
	/* Direct-mapped on the first byte, the length and the mode: one compare a lookup. */
	struct kvm_decode_entry *e =
		&v->dcache[(buf[0] ^ (n << 4) ^ (uint32_t)bits) % KVM_DECODE_CACHE];
	int rc;

	if (e->n == n && e->bits == bits && memcmp(e->bytes, buf, n) == 0) {
		*out = e->insn;
		return e->rc;
	}
	rc = insn_decode(buf, n, bits, out);
	e->n = (uint8_t)n;
	e->bits = (uint8_t)bits;
	memcpy(e->bytes, buf, n);
	e->insn = *out;
	e->rc = rc;
	return rc;
}

/*
 * The bytes around the exit's RIP, read once per exit: up to 15 before it
 * (where an instruction KVM reported RIP after starts) and 16 from it.
 * b[15] is the byte at (la); [15 - before, 15 + after) are valid.
 */
static void win_load(struct engine_vcpu *v, uint64_t la)
{
	struct kvm_exit_window *w = &v->win;
	uint32_t near = (uint32_t)(la & 4095);

	w->la = la;
	/* Usually all 31 bytes sit in one page: one read. */
	if (near >= 15 && (la & 4095) + 16 <= 4096 && fetch_linear(v, la - 15, w->b, 31) == 31) {
		w->before = 15;
		w->after = 16;
		return;
	}
	w->after = fetch_linear(v, la, w->b + 15, 16);
	w->before = 0;
	if (near > 15)
		near = 15;
	if (fetch_linear(v, la - near, w->b + 15 - near, near) != near)
		return;
	w->before = near;
	if (near < 15 && la >= 15 && fetch_linear(v, la - 15, w->b, 15 - near) == 15 - near)
		w->before = 15;
}

/* Bytes of the window from linear (from) on: a pointer and how many are valid (0 if outside). */
static const uint8_t *win_at(const struct engine_vcpu *v, uint64_t from, uint32_t *n)
{
	const struct kvm_exit_window *w = &v->win;
	int64_t off = (int64_t)(from - w->la);

	if (off < -(int64_t)w->before || off >= (int64_t)w->after) {
		*n = 0;
		return w->b;
	}
	*n = (uint32_t)((int64_t)w->after - off);
	return w->b + 15 + off;
}

/* The port an I/O instruction names: imm8, or DX. */
static bool insn_port_matches(const struct insn *in, uint16_t port, const struct kvm_regs *r)
{
	return in->port_imm ? in->port_imm8 == port : (uint16_t)r->rdx == port;
}

/*
 * KVM reported RIP after the instruction (kvm_exit_rules): find where it
 * started by decoding backwards from (end) for an instruction of exactly the
 * right length that fits (match). The shortest fit wins; a redundant prefix
 * before it is then reported as part of the previous instruction, which
 * changes nothing for a caller that emulates and advances RIP.
 */
static bool find_backwards(struct engine_vcpu *v, uint64_t end_la, int bits,
			   bool (*match)(const struct insn *, void *), void *arg, struct insn *out,
			   uint8_t *len)
{
	uint32_t k, avail = end_la == v->win.la ? v->win.before : 0;
	const uint8_t *end = v->win.b + 15;

	/*
	 * First the instruction the guest was resumed at: when it ends exactly
	 * here, it is the one (a REP element loop, a retried instruction), and
	 * its prefixes are known for certain.
	 */
	k = (uint32_t)(end_la - v->resume_la);
	if (v->resume_valid && end_la > v->resume_la && k <= avail &&
	    decode_cached(v, end - k, k, bits, out) == 0 && out->len == k && match(out, arg)) {
		*len = (uint8_t)k;
		return true;
	}
	for (k = 1; k <= avail; k++) {
		if (decode_cached(v, end - k, k, bits, out) == 0 && out->len == k &&
		    match(out, arg)) {
			*len = (uint8_t)k;
			return true;
		}
	}
	return false;
}

struct io_match {
	uint16_t port;
	uint8_t size;
	bool rip_after; /* this flavour reports a plain OUT with RIP after it */
	const struct kvm_regs *regs;
};

/* Mask of an index/count register at (addr_size) bytes. */
static uint64_t addr_mask(uint8_t addr_size)
{
	return addr_size >= 8 ? ~0ull : (1ull << (addr_size * 8)) - 1;
}

/*
 * An OUT that ends where RIP stands: a plain OUT on a flavour that reports
 * RIP after it, or an OUTS without REP. KVM finishes each OUTS element before
 * the exit; with REP it leaves RIP at the instruction after every element,
 * the last one too (x86 emulator: the restart sees RCX = 0 and only then moves
 * RIP; measured the same on kvm_pvm), without REP it moves RIP past it.
 */
static bool match_out(const struct insn *in, void *arg)
{
	const struct io_match *m = arg;

	if (!in->is_out)
		return false;
	if (in->is_string)
		return in->mem_size == m->size && !in->rep;
	return m->rip_after && in->op_size == m->size && insn_port_matches(in, m->port, m->regs);
}

struct store_match {
	struct engine_vcpu *v;
	uint8_t size;
	uint64_t gpa;
	uint64_t end_la;
	int bits;
};

/*
 * A store candidate must write at least the size KVM reported and its memory
 * operand must translate to the GPA KVM reported (the registers have not
 * moved: a plain store changes none of those it addresses with).
 */
static bool match_store(const struct insn *in, void *arg)
{
	const struct store_match *m = arg;
	const struct kvm_sync_regs *s = &m->v->run->s.regs;
	const struct kvm_regs *r = &s->regs;
	uint64_t gpr[16] = { r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
			     r->r8,  r->r9,  r->r10, r->r11, r->r12, r->r13, r->r14, r->r15 };
	uint64_t seg[6] = { s->sregs.es.base, s->sregs.cs.base, s->sregs.ss.base,
			    s->sregs.ds.base, s->sregs.fs.base, s->sregs.gs.base };
	uint64_t la, gpa;

	if (!in->mem_write || in->mem_size < m->size)
		return false;
	/* A STOS/MOVS without REP (with REP, RIP stays at it): its target is ES:RDI. */
	if (in->is_string)
		return !in->rep && in->mem_size == m->size;
	if (insn_mem_linear(m->v->win.b + 15 - in->len, in->len, m->bits, gpr, r->rip, seg, &la) ||
	    !tlb_translate(m->v, la, &gpa))
		return false;
	/* The access may be a later fragment of a wider or page-crossing store. */
	return m->gpa >= gpa && m->gpa < gpa + in->mem_size;
}

/* ---- filling the exit context ---- */

static void fill_vp_context(struct engine_vcpu *v, WHV_VP_EXIT_CONTEXT *c, uint8_t len)
{
	const struct kvm_sync_regs *s = &v->run->s.regs;
	const struct kvm_vcpu_events *e = &s->events;

	memset(c, 0, sizeof(*c));
	c->ExecutionState.Cpl =
		(s->sregs.cr0 & 1) ? (s->regs.rflags & RFLAGS_VM ? 3 : s->sregs.ss.dpl & 3) : 0;
	c->ExecutionState.Cr0Pe = s->sregs.cr0 & 1;
	c->ExecutionState.Cr0Am = (s->sregs.cr0 >> 18) & 1;
	c->ExecutionState.EferLma = (s->sregs.efer & EFER_LMA) ? 1 : 0;
	c->ExecutionState.DebugActive = (v->dr7_shadow & 0xFF) ? 1 : 0;
	c->ExecutionState.InterruptionPending =
		(e->exception.injected || e->interrupt.injected || e->nmi.injected) ? 1 : 0;
	c->ExecutionState.InterruptShadow = e->interrupt.shadow ? 1 : 0;
	c->InstructionLength = len & 0xF;
	c->Cr8 = s->sregs.cr8 & 0xF;
	kvm_seg_to_whv(&s->sregs.cs, &c->Cs);
	c->Rip = s->regs.rip;
	c->Rflags = s->regs.rflags;
}

/* InstructionBytes: the 16 bytes at (la), from the exit's window (fewer at a hole). */
static uint32_t fill_bytes(struct engine_vcpu *v, uint64_t la, UINT8 bytes[16])
{
	uint32_t n;
	const uint8_t *p = win_at(v, la, &n);

	if (n > 16)
		n = 16;
	memset(bytes, 0, 16);
	memcpy(bytes, p, n);
	return n;
}

/* Step an index register back by (delta) bytes (forward when DF=1), wrapping at the address size. */
static uint64_t string_back(uint64_t val, uint64_t delta, uint8_t addr_size, bool df)
{
	uint64_t mask = addr_mask(addr_size);
	uint64_t nv = df ? val + delta : val - delta;

	return (val & ~mask) | (nv & mask);
}

/*
 * Complete a string instruction's pending element(s) now (eager rule) and
 * rebuild Windows' view: RIP at the instruction, RSI/RDI/RCX as before the
 * element(s) KVM has just retired. (uses_si/uses_di): which index registers.
 */
static void string_view_back(struct engine_vcpu *v, uint64_t rip, const struct insn *in,
			     uint32_t count, uint8_t elem, bool uses_si, bool uses_di)
{
	struct kvm_regs *r = &v->run->s.regs.regs;
	uint64_t delta = (uint64_t)count * elem;
	bool df = (r->rflags & RFLAGS_DF) != 0;

	r->rip = rip;
	if (uses_si)
		r->rsi = string_back(r->rsi, delta, in->addr_size, df);
	if (uses_di)
		r->rdi = string_back(r->rdi, delta, in->addr_size, df);
	if (in->rep)
		r->rcx = string_back(r->rcx, count, in->addr_size, true);
	v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
}

static int string_eager(struct engine_vcpu *v, uint64_t rip, const struct insn *in, uint32_t count,
			uint8_t elem, bool uses_si, bool uses_di)
{
	int rc = vcpu_flush(v);

	if (rc)
		return rc;
	string_view_back(v, rip, in, count, elem, uses_si, uses_di);
	return 0;
}

/*
 * Windows' view of a string OUT whose element(s) KVM has already sent: RIP at
 * the instruction, RSI and RCX as before those elements.
 */
static void string_out_view(struct engine_vcpu *v, uint64_t rip, const struct insn *in,
			    uint32_t count, uint8_t elem)
{
	struct kvm_regs *r = &v->run->s.regs.regs;

	r->rip = rip;
	r->rsi = string_back(r->rsi, (uint64_t)count * elem, in->addr_size,
			     (r->rflags & RFLAGS_DF) != 0);
	if (in->rep)
		r->rcx = string_back(r->rcx, count, in->addr_size, true);
	v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
}

static int exit_io(struct engine_vcpu *v, WHV_RUN_VP_EXIT_CONTEXT *x)
{
	struct kvm_run *run = v->run;
	struct kvm_sync_regs *s = &run->s.regs;
	bool out_after = kvm_exit_rules[v->vm->flavour][PK_OUT].rip_after;
	WHV_X64_IO_PORT_ACCESS_CONTEXT *io = &x->IoPortAccess;
	/*
	 * kvm_run's exit fields are a union: completing a string element below
	 * may exit again (an INS into MMIO) and overwrite them. Keep them.
	 */
	const uint16_t port = run->io.port;
	const uint8_t size = run->io.size;
	const uint32_t count = run->io.count;
	struct io_match m = { port, size, out_after, &s->regs };
	bool is_out = run->io.direction == KVM_EXIT_IO_OUT;
	int bits = mode_bits(&s->sregs, s->regs.rflags);
	uint64_t la = linear_of(s->sregs.cs.base, s->regs.rip, bits);
	uint8_t len = 0;
	struct insn fwd, in;
	bool fwd_ok, found;
	int rc;

	x->ExitReason = WHvRunVpExitReasonX64IoPortAccess;
	memset(&in, 0, sizeof(in));
	uint32_t n;
	const uint8_t *at;

	win_load(v, la);
	at = win_at(v, la, &n);
	fwd_ok = decode_cached(v, at, n < 15 ? n : 15, bits, &fwd) == 0;
	if (!is_out) {
		/* IN and INS: KVM reports RIP at the instruction on every flavour. */
		if (!fwd_ok || !fwd.is_in)
			return err_set(-EIO, "no IN instruction at 0x%llx", (unsigned long long)la);
		in = fwd;
		len = in.len;
		if (in.is_string) {
			rc = string_eager(v, s->regs.rip, &in, count, size, false, true);
			if (rc)
				return rc;
			v->pend = (struct kvm_pending){ PK_NONE, la, len, false };
		} else {
			v->pend = (struct kvm_pending){ PK_IN, la, len, false };
		}
	} else if (fwd_ok && fwd.is_out && !fwd.is_string && !out_after) {
		in = fwd;
		len = in.len;
		v->pend = (struct kvm_pending){ PK_OUT, la, len, false };
	} else if (fwd_ok && fwd.is_out && fwd.is_string && fwd.rep && fwd.mem_size == size) {
		in = fwd;
		len = in.len;
		string_out_view(v, s->regs.rip, &in, count, size);
		v->pend = (struct kvm_pending){ PK_NONE, la, len, false };
	} else {
		found = find_backwards(v, la, bits, match_out, &m, &in, &len);
		if (found) {
			/* Windows reports the OUT itself, not yet done: RIP back at it. */
			la -= len;
			if (in.is_string) {
				string_out_view(v, s->regs.rip - len, &in, count, size);
				v->pend = (struct kvm_pending){ PK_NONE, la, len, false };
			} else {
				s->regs.rip -= len;
				run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
				v->pend = (struct kvm_pending){ PK_OUT, la, len, false };
			}
		} else {
			/*
			 * No OUT found behind RIP: report RIP where KVM has it, with
			 * length 0, so that a re-run simply continues.
			 */
			memset(&in, 0, sizeof(in));
			len = 0;
			v->pend = (struct kvm_pending){ PK_NONE, la, 0, false };
		}
	}
	fill_vp_context(v, &x->VpContext, len);
	io->InstructionByteCount = fill_bytes(v, la, io->InstructionBytes);
	io->AccessInfo.AsUINT32 = 0;
	io->AccessInfo.IsWrite = is_out;
	io->AccessInfo.AccessSize = size;
	io->AccessInfo.StringOp = in.is_string;
	io->AccessInfo.RepPrefix = in.rep;
	io->PortNumber = port;
	io->Rax = s->regs.rax;
	io->Rcx = s->regs.rcx;
	io->Rsi = s->regs.rsi;
	io->Rdi = s->regs.rdi;
	kvm_seg_to_whv(&s->sregs.ds, &io->Ds);
	kvm_seg_to_whv(&s->sregs.es, &io->Es);
	return 0;
}

static int exit_mmio(struct engine_vcpu *v, WHV_RUN_VP_EXIT_CONTEXT *x)
{
	struct kvm_run *run = v->run;
	struct kvm_sync_regs *s = &run->s.regs;
	const struct kvm_exit_rule *wr = &kvm_exit_rules[v->vm->flavour][PK_MMIO_WRITE];
	WHV_MEMORY_ACCESS_CONTEXT *ma = &x->MemoryAccess;
	int bits = mode_bits(&s->sregs, s->regs.rflags);
	uint64_t la = linear_of(s->sregs.cs.base, s->regs.rip, bits);
	/* Kept: retiring KVM's completion below may exit again and reuse kvm_run. */
	uint8_t len = 0, size = (uint8_t)run->mmio.len;
	const uint64_t gpa = run->mmio.phys_addr;
	const bool is_write = run->mmio.is_write;
	struct insn in;
	bool decoded;
	uint32_t n;
	int rc;

	x->ExitReason = WHvRunVpExitReasonMemoryAccess;
	const uint8_t *at;

	win_load(v, la);
	at = win_at(v, la, &n);
	decoded = decode_cached(v, at, n < 15 ? n : 15, bits, &in) == 0;
	if (decoded && in.is_string && (!is_write || in.rep)) {
		/*
		 * String MMIO with RIP at the instruction: a read, or a REP store
		 * (KVM restarts REP string instructions after every element, the
		 * last one included). A read is retired now (its completion
		 * writes guest memory); a store is already done. Either way the
		 * caller sees the registers from before this element.
		 */
		bool si = in.mem_read || !in.mem_write, di = in.mem_write || !in.mem_read;
		uint8_t elem = in.mem_size ? in.mem_size : size;

		len = in.len;
		if (is_write)
			string_view_back(v, s->regs.rip, &in, 1, elem, si, di);
		else {
			rc = string_eager(v, s->regs.rip, &in, 1, elem, si, di);
			if (rc)
				return rc;
		}
		v->pend = (struct kvm_pending){ PK_NONE, la, len, false };
	} else if (is_write && wr->rip_after) {
		struct store_match sm = { v, size, gpa, la, bits };

		if (find_backwards(v, la, bits, match_store, &sm, &in, &len)) {
			/*
			 * A store wider than one MMIO fragment (16-byte SSE moves,
			 * page-crossing stores) would exit again for the rest on the
			 * next entry: retire those fragments now, the caller emulates
			 * the whole store from this one exit.
			 */
			if (in.mem_size > size) {
				rc = vcpu_flush(v);
				if (rc)
					return rc;
			}
			if (in.is_string) {
				/* A store without REP: done, registers stepped past it. */
				string_view_back(v, s->regs.rip - len, &in, 1, in.mem_size,
						 in.mem_read, true);
			} else {
				s->regs.rip -= len;
				run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
			}
			la -= len;
		}
		/* Not found: leave RIP where KVM has it, length 0; a re-run continues. */
		v->pend = (struct kvm_pending){ PK_MMIO_WRITE, la, len, false };
	} else {
		enum pend_kind k = is_write ? PK_MMIO_WRITE : PK_MMIO_READ;

		if (decoded)
			len = in.len;
		/*
		 * Only a plain load into a general register is finished by KVM the
		 * way the caller finishes it (destination and RIP); an ALU, compare,
		 * bit-test or exchange with memory also writes flags or memory, and
		 * a vector load arrives in 8-byte fragments: KVM's own completion of
		 * those must be retired before the caller's result goes in.
		 */
		if (k == PK_MMIO_READ && (!decoded || !in.plain_load))
			k = PK_MMIO_RMW;
		v->pend = (struct kvm_pending){ k, la, len, decoded && in.touches_vector };
	}
	fill_vp_context(v, &x->VpContext, len);
	ma->InstructionByteCount = (UINT8)fill_bytes(v, la, ma->InstructionBytes);
	ma->AccessInfo.AsUINT32 = 0;
	ma->AccessInfo.AccessType = is_write ? WHvMemoryAccessWrite : WHvMemoryAccessRead;
	ma->AccessInfo.GpaUnmapped = v->vm->cfg.gpa_flags(v->vm->cfg.owner, gpa) < 0;
	ma->Gpa = gpa;
	return 0;
}

/*
 * When the instruction at CS:RIP sits in unmapped guest memory, WHP reports a
 * MemoryAccess exit with AccessType Execute; KVM reports an emulation failure
 * (or, on some flavours, fails KVM_RUN) instead. Fills (x) and returns true then.
 */
static bool exit_fetch_fault(struct engine_vcpu *v, WHV_RUN_VP_EXIT_CONTEXT *x)
{
	struct kvm_sync_regs *s = &v->run->s.regs;
	int bits = mode_bits(&s->sregs, s->regs.rflags);
	uint64_t la = linear_of(s->sregs.cs.base, s->regs.rip, bits);
	struct gva_ctl ctl = { s->sregs.cr0, s->sregs.cr3, s->sregs.cr4, s->sregs.efer };
	uint64_t gpa = la;

	if (gva_walk(&ctl, la, v->vm->cfg.read_gpa, v->vm->cfg.owner, &gpa) != GVA_OK ||
	    v->vm->cfg.gpa_flags(v->vm->cfg.owner, gpa) >= 0)
		return false;
	x->ExitReason = WHvRunVpExitReasonMemoryAccess;
	fill_vp_context(v, &x->VpContext, 0);
	x->MemoryAccess.AccessInfo.AccessType = WHvMemoryAccessExecute;
	x->MemoryAccess.AccessInfo.GpaUnmapped = 1;
	x->MemoryAccess.AccessInfo.GvaValid = 1;
	x->MemoryAccess.Gpa = gpa;
	x->MemoryAccess.Gva = la;
	return true;
}

/* KVM could not emulate: a fetch from a hole, or an instruction its emulator lacks. */
static int exit_internal(struct engine_vcpu *v, WHV_RUN_VP_EXIT_CONTEXT *x)
{
	v->pend.kind = PK_NONE;
	fill_vp_context(v, &x->VpContext, 0);
	if (v->run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION) {
		x->ExitReason = WHvRunVpExitReasonUnrecoverableException;
		return 0;
	}
	if (exit_fetch_fault(v, x))
		return 0;
	/* Something KVM's emulator cannot do (kvm-platform-facts §5): say so. */
	x->ExitReason = WHvRunVpExitReasonUnsupportedFeature;
	x->UnsupportedFeature.FeatureCode = WHvUnsupportedFeatureIntercept;
	x->UnsupportedFeature.FeatureParameter = v->run->internal.suberror;
	return 0;
}

static int exit_translate(struct engine_vcpu *v, WHV_RUN_VP_EXIT_CONTEXT *x)
{
	v->pend.kind = PK_NONE;
	tlb_clear(v);
	switch (v->run->exit_reason) {
	case KVM_EXIT_IO: return exit_io(v, x);
	case KVM_EXIT_MMIO: return exit_mmio(v, x);
	case KVM_EXIT_HLT:
		/* RIP is already past HLT, as WHP reports it (whp-reference §4.3). */
		x->ExitReason = WHvRunVpExitReasonX64Halt;
		fill_vp_context(v, &x->VpContext, 1);
		return 0;
	case KVM_EXIT_SHUTDOWN:
	case KVM_EXIT_SYSTEM_EVENT:
		x->ExitReason = WHvRunVpExitReasonUnrecoverableException;
		fill_vp_context(v, &x->VpContext, 0);
		return 0;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR: {
		/*
		 * RDMSR/WRMSR are 2 bytes (0F 32 / 0F 30) and KVM reports RIP at
		 * them (kvm-platform-facts §4). WRMSR's value is EDX:EAX.
		 */
		struct kvm_sync_regs *s = &v->run->s.regs;
		int bits = mode_bits(&s->sregs, s->regs.rflags);
		bool wr = v->run->exit_reason == KVM_EXIT_X86_WRMSR;

		x->ExitReason = WHvRunVpExitReasonX64MsrAccess;
		fill_vp_context(v, &x->VpContext, 2);
		x->MsrAccess.AccessInfo.AsUINT32 = 0;
		x->MsrAccess.AccessInfo.IsWrite = wr;
		x->MsrAccess.MsrNumber = v->run->msr.index;
		x->MsrAccess.Rax = s->regs.rax;
		x->MsrAccess.Rdx = s->regs.rdx;
		v->pend = (struct kvm_pending){ PK_MSR,
						linear_of(s->sregs.cs.base, s->regs.rip, bits), 2,
						false };
		v->pend_rip = s->regs.rip;
		return 0;
	}
	case KVM_EXIT_IOAPIC_EOI:
		/* The guest's EOI of a level-triggered interrupt (kvm_irq.c routes). */
		x->ExitReason = WHvRunVpExitReasonX64ApicEoi;
		fill_vp_context(v, &x->VpContext, 0);
		x->ApicEoi.InterruptVector = v->run->eoi.vector;
		return 0;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		/* Only requested while watching for a window: handled in the loop. */
		x->ExitReason = WHvRunVpExitReasonX64InterruptWindow;
		fill_vp_context(v, &x->VpContext, 0);
		return 0;
	case KVM_EXIT_FAIL_ENTRY:
		x->ExitReason = WHvRunVpExitReasonInvalidVpRegisterValue;
		fill_vp_context(v, &x->VpContext, 0);
		return 0;
	case KVM_EXIT_INTERNAL_ERROR: return exit_internal(v, x);
	default:
		x->ExitReason = WHvRunVpExitReasonUnsupportedFeature;
		fill_vp_context(v, &x->VpContext, 0);
		x->UnsupportedFeature.FeatureCode = WHvUnsupportedFeatureIntercept;
		x->UnsupportedFeature.FeatureParameter = v->run->exit_reason;
		return 0;
	}
}

static void exit_canceled(struct engine_vcpu *v, WHV_RUN_VP_EXIT_CONTEXT *x)
{
	x->ExitReason = WHvRunVpExitReasonCanceled;
	fill_vp_context(v, &x->VpContext, 0);
	x->CancelReason.CancelReason = WHvRunVpCancelReasonUser;
}

/* Bring KVM's state to the caller's view before entering the guest (kvm_complete.c). */
static int resume_prepare(struct engine_vcpu *v)
{
	struct kvm_sync_regs *s = &v->run->s.regs;
	struct resume_plan plan;
	struct kvm_sync_regs view;
	struct kvm_fpu fpu;
	bool restore_fpu = false;
	int bits, rc;

	if (v->pend.kind == PK_NONE)
		return 0;
	bits = mode_bits(&s->sregs, s->regs.rflags);
	plan = kvm_plan_resume(v->vm->flavour, v->pend.kind, v->pend.at, v->pend.len,
			       linear_of(s->sregs.cs.base, s->regs.rip, bits),
			       (v->run->kvm_dirty_regs & SYNC_ALL) != 0);
	v->pend.kind = PK_NONE;
	if (plan.flush) {
		/* The completion may write a vector register: keep the caller's. */
		if (v->pend.touches_vector) {
			rc = kvm_vcpu_load_fpu(v);
			if (rc)
				return rc;
			fpu = v->fpu;
			restore_fpu = true;
		}
		view = *s;
		rc = vcpu_flush(v);
		*s = view;
		if (rc)
			return rc;
		if (restore_fpu) {
			rc = kvm_vcpu_fpu_write(v, &fpu);
			if (rc)
				return rc;
		}
	}
	if (plan.fill_data) {
		/*
		 * MSR exit completed by the caller: KVM writes EDX:EAX from
		 * msr.data (reads) and skips the instruction itself, so RIP goes
		 * back to it for the entry (x86.c complete_fast_msr_access).
		 */
		v->run->msr.error = 0;
		v->run->msr.data = (s->regs.rdx << 32) | (uint32_t)s->regs.rax;
		s->regs.rip = v->pend_rip;
	}
	if (plan.write_regs)
		v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
	return 0;
}

static int vcpu_run_once(struct engine_vcpu *v, WHV_RUN_VP_EXIT_CONTEXT *x, uint64_t *t_exit);

/*
 * Time stamps for the counters: the TSC, scaled to ns with the rate KVM
 * reports (KVM_GET_TSC_KHZ), because four clock_gettime calls per exit cost
 * about 1% of an exit here while RDTSC costs a third of that.
 */
static uint64_t now_ns(const struct engine_vcpu *v)
{
	return (uint64_t)(((unsigned __int128)__builtin_ia32_rdtsc() * v->vm->tsc_ns_mult) >> 32);
}

static enum kvm_stat_kind stat_kind(WHV_RUN_VP_EXIT_REASON r)
{
	switch (r) {
	case WHvRunVpExitReasonX64IoPortAccess: return KST_IO;
	case WHvRunVpExitReasonMemoryAccess: return KST_MMIO;
	case WHvRunVpExitReasonX64Halt: return KST_HALT;
	case WHvRunVpExitReasonX64MsrAccess: return KST_MSR;
	case WHvRunVpExitReasonException: return KST_EXCEPTION;
	case WHvRunVpExitReasonX64InterruptWindow: return KST_INTERRUPT_WINDOW;
	case WHvRunVpExitReasonX64ApicEoi: return KST_APIC_EOI;
	case WHvRunVpExitReasonCanceled: return KST_CANCELED;
	default: return KST_OTHER;
	}
}

static void run_enter(struct engine_vcpu *v)
{
	v->thread = pthread_self();
	atomic_store(&v->in_run, true);
}

static void run_leave(struct engine_vcpu *v)
{
	atomic_store(&v->in_run, false);
}

int kvm_vcpu_run(struct engine_vcpu *v, WHV_RUN_VP_EXIT_CONTEXT *x)
{
	uint64_t t0 = now_ns(v), t_exit = t0;
	int rc;

	/* The first run after WHvSuspendPartitionTime resumes time (WHP docs). */
	rc = kvm_vm_time_thaw(v->vm, v);
	if (rc)
		return rc;
	rc = vcpu_run_once(v, x, &t_exit);
	if (rc == 0) {
		uint64_t t1 = now_ns(v);
		enum kvm_stat_kind k = stat_kind(x->ExitReason);

		v->stats.count[k]++;
		v->stats.ns[k] += t1 - t_exit;
		v->stats.run_ns += t1 - t0;
	}
	return rc;
}

/*
 * Interrupt and NMI windows (WHvX64RegisterDeliverabilityNotifications). KVM
 * reports an interrupt window only on some flavours (KVM_EXIT_IRQ_WINDOW_OPEN
 * never comes on kvm_pvm: kvm-platform-facts §3) and never an NMI window. So
 * openwhp watches for the window itself: if it is open at entry, the exit
 * comes at once; otherwise the guest runs single-stepped (KVM_SET_GUEST_DEBUG,
 * invisible to it) and the first step after which the window is open ends
 * the run with X64InterruptWindow. The notification is one-shot, as on WHP:
 * delivering the exit clears it.
 */
#define NOTIFY_NMI	 1ull
#define NOTIFY_INTERRUPT 2ull

static bool irq_window_open(const struct kvm_sync_regs *s)
{
	return (s->regs.rflags & (1ull << 9)) && !s->events.interrupt.shadow &&
	       !s->events.interrupt.injected && !s->events.nmi.injected &&
	       !s->events.exception.injected;
}

static bool nmi_window_open(const struct kvm_sync_regs *s)
{
	return !s->events.nmi.masked && !s->events.nmi.injected && !s->events.nmi.pending &&
	       !s->events.interrupt.shadow;
}

/* The window the caller asked for, if it is open now: fills (x) and returns true. */
static bool window_check(struct engine_vcpu *v, WHV_RUN_VP_EXIT_CONTEXT *x)
{
	const struct kvm_sync_regs *s = &v->run->s.regs;
	uint64_t want = v->deliverability;

	if ((want & NOTIFY_NMI) && nmi_window_open(s)) {
		v->deliverability &= ~NOTIFY_NMI;
		x->InterruptWindow.DeliverableType = WHvX64PendingNmi;
	} else if ((want & NOTIFY_INTERRUPT) && irq_window_open(s)) {
		v->deliverability &= ~NOTIFY_INTERRUPT;
		x->InterruptWindow.DeliverableType = WHvX64PendingInterrupt;
	} else {
		return false;
	}
	x->ExitReason = WHvRunVpExitReasonX64InterruptWindow;
	fill_vp_context(v, &x->VpContext, 0);
	return true;
}

/*
 * KVM_SET_GUEST_DEBUG carries two users: exception exits (#DB through
 * USE_HW_BP, which intercepts every debug exception and takes the breakpoint
 * registers from the call, so they are the VP's own DR0-3/DR7; #BP through
 * USE_SW_BP) and the window watch (SINGLESTEP). Rebuilt whenever either
 * changes; one ioctl then, none on ordinary runs.
 */
static int guest_debug_apply(struct engine_vcpu *v)
{
	uint64_t ex = v->vm->exception_exits;
	struct kvm_guest_debug dbg;
	int rc;

	memset(&dbg, 0, sizeof(dbg));
	if (ex & (1ull << 1)) {
		rc = kvm_vcpu_load_dregs(v);
		if (rc)
			return rc;
		dbg.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
		dbg.arch.debugreg[0] = v->dregs.db[0];
		dbg.arch.debugreg[1] = v->dregs.db[1];
		dbg.arch.debugreg[2] = v->dregs.db[2];
		dbg.arch.debugreg[3] = v->dregs.db[3];
		dbg.arch.debugreg[7] = v->dregs.dr7;
	}
	if (ex & (1ull << 3))
		dbg.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP;
	if (v->stepping)
		dbg.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
	v->debug_gen = atomic_load(&v->vm->debug_gen);
	v->debug_dirty = false;
	return kvm_vcpu_ioctl(v, KVM_SET_GUEST_DEBUG, &dbg, "KVM_SET_GUEST_DEBUG");
}

static int single_step(struct engine_vcpu *v, bool on)
{
	if (v->stepping == on)
		return 0;
	v->stepping = on;
	return guest_debug_apply(v);
}

/* An intercepted #DB or #BP (KVM_EXIT_DEBUG): WHP's Exception exit, not delivered. */
static bool exit_exception(struct engine_vcpu *v, WHV_RUN_VP_EXIT_CONTEXT *x)
{
	struct kvm_sync_regs *s = &v->run->s.regs;
	uint32_t vec = v->run->debug.arch.exception;
	int bits = mode_bits(&s->sregs, s->regs.rflags);
	uint64_t la = linear_of(s->sregs.cs.base, s->regs.rip, bits);
	WHV_VP_EXCEPTION_CONTEXT *e = &x->VpException;

	if (vec > 63 || !(v->vm->exception_exits & (1ull << vec)))
		return false;
	x->ExitReason = WHvRunVpExitReasonException;
	fill_vp_context(v, &x->VpContext, 0);
	win_load(v, la);
	e->InstructionByteCount = (UINT8)fill_bytes(v, la, e->InstructionBytes);
	e->ExceptionInfo.AsUINT32 = 0;
	e->ExceptionInfo.SoftwareException = vec == 3;
	e->ExceptionType = (UINT8)vec;
	e->ErrorCode = 0;
	/* #DB: DR6 says why (SDM Vol.3 18.2.3); #BP: nothing. */
	e->ExceptionParameter = vec == 1 ? v->run->debug.arch.dr6 : 0;
	v->pend.kind = PK_NONE;
	return true;
}

static int vcpu_run_once(struct engine_vcpu *v, WHV_RUN_VP_EXIT_CONTEXT *x, uint64_t *t_exit)
{
	uint64_t t_enter;
	int rc = 0;

	memset(x, 0, sizeof(*x));
	kick_prepare_thread();
	/* A cancel that came before this run ends it at once, no guest code run. */
	if (atomic_exchange(&v->cancel_pending, 0)) {
		immediate_exit_rearm(v);
		exit_canceled(v, x);
		return 0;
	}
	rc = resume_prepare(v);
	if (rc)
		return rc;
	if (v->debug_gen != atomic_load(&v->vm->debug_gen) ||
	    (v->debug_dirty && (v->vm->exception_exits & 2))) {
		rc = guest_debug_apply(v);
		if (rc)
			return rc;
	}
	if (v->deliverability & (NOTIFY_NMI | NOTIFY_INTERRUPT)) {
		if (window_check(v, x))
			return 0;
		rc = single_step(v, true);
		if (rc)
			return rc;
	}
	{
		struct kvm_sync_regs *s = &v->run->s.regs;

		v->resume_la = linear_of(s->sregs.cs.base, s->regs.rip,
					 mode_bits(&s->sregs, s->regs.rflags));
		v->resume_valid = true;
	}
	run_enter(v);
	for (;;) {
		uint32_t dirty = v->run->kvm_dirty_regs;

		/*
		 * KVM applies dirty sync regs at entry and, when it refuses them,
		 * overwrites the area with its own state on the way out. Keep the
		 * caller's dirty blocks so a refusal leaves them as the caller set
		 * them (Windows: nothing ran, the registers are what was written).
		 */
		if (dirty & KVM_SYNC_X86_REGS)
			v->saved.regs = v->run->s.regs.regs;
		if (dirty & KVM_SYNC_X86_SREGS)
			v->saved.sregs = v->run->s.regs.sregs;
		if (dirty & KVM_SYNC_X86_EVENTS)
			v->saved.events = v->run->s.regs.events;
		/*
		 * A REGS write that would give KVM what it has already costs a
		 * reload at entry for nothing: the common case on flavours that
		 * report RIP after an OUT, where the caller's advance puts RIP
		 * back where KVM has it.
		 */
		if ((dirty & KVM_SYNC_X86_REGS) &&
		    memcmp(&v->run->s.regs.regs, &v->kvm_regs, sizeof(v->kvm_regs)) == 0)
			v->run->kvm_dirty_regs &= ~KVM_SYNC_X86_REGS;
		v->valid = 0;
		v->msr_count = 0;
		t_enter = now_ns(v);
		rc = vcpu_kvm_run(v);
		*t_exit = now_ns(v);
		if (rc == 0 || rc == -EINTR)
			v->kvm_regs = v->run->s.regs.regs;
		else
			memset(&v->kvm_regs, 0xFF, sizeof(v->kvm_regs));
		v->stats.guest_ns += *t_exit - t_enter;
		if (rc == -EINTR) {
			if (atomic_exchange(&v->cancel_pending, 0)) {
				immediate_exit_rearm(v);
				exit_canceled(v, x);
				rc = 0;
				break;
			}
			immediate_exit_rearm(v);
			continue; /* a stray signal: the caller asked for nothing */
		}
		if (rc == -EAGAIN)
			continue;
		tlb_clear(v);
		if (rc == -EINVAL) {
			/*
			 * KVM refused the register state at entry (sync_regs, KVM_SET_SREGS
			 * checks): the VP cannot run as set. Put the caller's registers
			 * back, still marked for the next entry.
			 */
			if (dirty & KVM_SYNC_X86_REGS)
				v->run->s.regs.regs = v->saved.regs;
			if (dirty & KVM_SYNC_X86_SREGS)
				v->run->s.regs.sregs = v->saved.sregs;
			if (dirty & KVM_SYNC_X86_EVENTS)
				v->run->s.regs.events = v->saved.events;
			v->run->kvm_dirty_regs = dirty;
			x->ExitReason = WHvRunVpExitReasonInvalidVpRegisterValue;
			fill_vp_context(v, &x->VpContext, 0);
			err_sys(rc, "KVM_RUN");
			v->pend.kind = PK_NONE;
			rc = 0;
			break;
		}
		if (rc && exit_fetch_fault(v, x)) {
			/* kvm_pvm fails KVM_RUN (ENOSPC) when CS:RIP has no memory at all. */
			v->pend.kind = PK_NONE;
			rc = 0;
			break;
		}
		if (rc) {
			rc = err_sys(rc, "KVM_RUN");
			break;
		}
		if (v->run->exit_reason == KVM_EXIT_INTR)
			continue;
		/*
		 * An EOI exit is reported once per delivery of a level-triggered
		 * interrupt WHvRequestInterrupt sent. Under load kvm_pvm was seen
		 * to report one EOI twice; an EOI nothing is owed for is no news
		 * for the caller's IOAPIC (it would re-deliver a line twice).
		 */
		if (v->run->exit_reason == KVM_EXIT_IOAPIC_EOI) {
			atomic_uint *owed = &v->vm->level_owed[v->run->eoi.vector & 0xFF];
			unsigned n = atomic_load(owed);

			while (n && !atomic_compare_exchange_weak(owed, &n, n - 1))
				;
			if (!n)
				continue;
		}
		if (v->run->exit_reason == KVM_EXIT_DEBUG) {
			/*
			 * A #DB or #BP the caller asked to see comes first, except
			 * the plain single steps of our own window watch (no
			 * breakpoint bit in DR6); a guest's own TF step taken while
			 * the watch runs cannot be told apart and is not reported.
			 */
			bool ours = v->stepping && !(v->run->debug.arch.dr6 & 0xF);

			tlb_clear(v);
			if (!ours && exit_exception(v, x))
				break;
			/* One watched step: is the window open now? */
			if (v->stepping) {
				if (window_check(v, x))
					break;
				continue;
			}
		}
		rc = exit_translate(v, x);
		break;
	}
	run_leave(v);
	/* Never leave the guest stepped while the caller handles an exit. */
	if (v->stepping) {
		int rc2 = single_step(v, false);

		if (!rc)
			rc = rc2;
	}
	return rc;
}
