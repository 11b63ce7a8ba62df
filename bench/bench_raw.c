/* bench_raw.c: the raw-KVM half of the bench: what a careful VMM does with <linux/kvm.h> alone. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"
#include "bench_layout.h"

/*
 * Baseline rules: per exit, exactly what the kernel needs and nothing more.
 * KVM completes OUT, MMIO writes and HLT by itself on the next KVM_RUN, and
 * completes IN and MMIO reads from kvm_run->io data / kvm_run->mmio.data
 * (Documentation/virt/kvm/api.rst, "KVM_EXIT_IO", "KVM_EXIT_MMIO"), so those
 * loops are one KVM_RUN per exit. Register access after an exit goes through
 * the synchronized register area (KVM_CAP_SYNC_REGS, api.rst "kvm_valid_regs,
 * kvm_dirty_regs"), which costs no ioctl.
 */

/* /dev/kvm, the kvm_run mapping size and the host's CPUID table, once per process. */
static int raw_kvm_fd = -1;
static size_t raw_run_size;
static struct kvm_cpuid2 *raw_cpuid;

struct raw_vm {
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	uint64_t ioctls; /* vCPU-fd ioctls issued, like openwhp_ioctl_count() */
};

struct raw_state {
	enum bench_case c;
	struct raw_vm vm;
	void *ram;
	unsigned int runs; /* exits taken so far (exit cases) */
	uint64_t sink;	   /* consumes register reads so they are not optimised away */
};

/* raw_vcpu_ioctl: an ioctl on the vCPU fd, counted. */
static int raw_vcpu_ioctl(struct raw_vm *vm, unsigned long req, void *arg)
{
	vm->ioctls++;
	return ioctl(vm->vcpu_fd, req, arg);
}

static int raw_fail(const char *what)
{
	int err = errno ? errno : EIO;

	fprintf(stderr, "raw kvm: %s: %s\n", what, strerror(err));
	return -err;
}

/*
 * raw_cpuid_load: KVM_GET_SUPPORTED_CPUID, growing the buffer on E2BIG
 * (api.rst, KVM_GET_SUPPORTED_CPUID). Every VMM gives its vCPUs a CPUID table
 * before the first KVM_RUN (api.rst, KVM_SET_CPUID2); the WHP half's library
 * does the same, so both sides pay that ioctl.
 */
static int raw_cpuid_load(void)
{
	unsigned int n;

	for (n = 64; n <= 4096; n *= 2) {
		raw_cpuid = calloc(1, sizeof(*raw_cpuid) + n * sizeof(raw_cpuid->entries[0]));
		if (!raw_cpuid)
			return -ENOMEM;
		raw_cpuid->nent = n;
		if (ioctl(raw_kvm_fd, KVM_GET_SUPPORTED_CPUID, raw_cpuid) == 0)
			return 0;
		free(raw_cpuid);
		raw_cpuid = NULL;
		if (errno != E2BIG)
			break;
	}
	return raw_fail("KVM_GET_SUPPORTED_CPUID");
}

static int raw_sys_open(void)
{
	int size;

	if (raw_kvm_fd >= 0 && raw_cpuid)
		return 0;
	if (raw_kvm_fd >= 0)
		close(raw_kvm_fd);
	raw_kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (raw_kvm_fd < 0)
		return raw_fail("open /dev/kvm");
	if (ioctl(raw_kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return raw_fail("KVM_GET_API_VERSION");
	if (ioctl(raw_kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) <= 0) {
		errno = ENOTSUP;
		return raw_fail("KVM_CAP_SYNC_REGS");
	}
	size = ioctl(raw_kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return raw_fail("KVM_GET_VCPU_MMAP_SIZE");
	raw_run_size = (size_t)size;
	return raw_cpuid_load();
}

static void raw_segment(struct kvm_segment *s, uint16_t sel, int type, int l, int db)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = 0;
	s->limit = 0xffffffff;
	s->type = (uint8_t)type;
	s->present = 1;
	s->s = 1;
	s->l = (uint8_t)l;
	s->db = (uint8_t)db;
	s->g = 1;
}

/*
 * raw_set_long_mode: load the long-mode state bench_layout.h describes and
 * point RIP at (rip). KVM_GET_SREGS first so that everything we do not touch
 * (LDTR, IDT, APIC base) keeps KVM's reset values.
 */
static int raw_set_long_mode(struct raw_vm *vm, uint64_t rip)
{
	struct kvm_sregs sr;
	struct kvm_regs r;

	if (raw_vcpu_ioctl(vm, KVM_GET_SREGS, &sr))
		return raw_fail("KVM_GET_SREGS");
	raw_segment(&sr.cs, BENCH_SEL_CODE, 11, 1, 0);
	raw_segment(&sr.ds, BENCH_SEL_DATA, 3, 0, 1);
	sr.es = sr.ds;
	sr.ss = sr.ds;
	sr.fs = sr.ds;
	sr.gs = sr.ds;
	/* TR: a present busy 64-bit TSS, as long mode requires (SDM Vol. 3C 26.3.1.2). */
	memset(&sr.tr, 0, sizeof(sr.tr));
	sr.tr.limit = 0xffff;
	sr.tr.type = 11;
	sr.tr.present = 1;
	sr.gdt.base = BENCH_GDT_GPA;
	sr.gdt.limit = BENCH_GDT_LIMIT;
	sr.cr0 = BENCH_CR0;
	sr.cr3 = BENCH_PML4_GPA;
	sr.cr4 = BENCH_CR4;
	sr.efer = BENCH_EFER;
	if (raw_vcpu_ioctl(vm, KVM_SET_SREGS, &sr))
		return raw_fail("KVM_SET_SREGS");
	memset(&r, 0, sizeof(r));
	r.rip = rip;
	r.rsp = BENCH_STACK_TOP;
	r.rflags = 2;
	if (raw_vcpu_ioctl(vm, KVM_SET_REGS, &r))
		return raw_fail("KVM_SET_REGS");
	return 0;
}

static void raw_vm_close(struct raw_vm *vm)
{
	if (vm->run)
		munmap(vm->run, raw_run_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	vm->run = NULL;
	vm->vcpu_fd = -1;
	vm->vm_fd = -1;
}

/*
 * raw_vm_open: VM, one memory slot with (ram) at GPA 0, vCPU 0, its CPUID
 * table, kvm_run mapping, long-mode registers with RIP = (rip). The order is
 * the one api.rst gives: KVM_CREATE_VM, KVM_SET_USER_MEMORY_REGION,
 * KVM_CREATE_VCPU, KVM_SET_CPUID2, mmap.
 */
static int raw_vm_open(struct raw_vm *vm, void *ram, uint64_t rip)
{
	struct kvm_userspace_memory_region slot = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = BENCH_RAM_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)ram,
	};
	void *run;
	int err;

	vm->vm_fd = ioctl(raw_kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		err = raw_fail("KVM_CREATE_VM");
		goto fail;
	}
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot)) {
		err = raw_fail("KVM_SET_USER_MEMORY_REGION");
		goto fail;
	}
	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0) {
		err = raw_fail("KVM_CREATE_VCPU");
		goto fail;
	}
	if (raw_vcpu_ioctl(vm, KVM_SET_CPUID2, raw_cpuid)) {
		err = raw_fail("KVM_SET_CPUID2");
		goto fail;
	}
	run = mmap(NULL, raw_run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	if (run == MAP_FAILED) {
		err = raw_fail("mmap kvm_run");
		goto fail;
	}
	vm->run = run;
	err = raw_set_long_mode(vm, rip);
	if (err)
		goto fail;
	return 0;
fail:
	raw_vm_close(vm);
	return err;
}

/* raw_run: one KVM_RUN; retries only a stray signal (no exit was taken). */
static int raw_run(struct raw_vm *vm)
{
	for (;;) {
		if (raw_vcpu_ioctl(vm, KVM_RUN, NULL) == 0)
			return 0;
		if (errno != EINTR)
			return raw_fail("KVM_RUN");
	}
}

/* raw_check_exit: is this the exit the loop of case (c) makes? */
static int raw_check_exit(const struct kvm_run *run, enum bench_case c)
{
	int ok;

	switch (c) {
	case BENCH_OUT:
	case BENCH_OUT_SYNC:
	case BENCH_REGS:
	case BENCH_LIFECYCLE:
	case BENCH_IN:
		ok = run->exit_reason == KVM_EXIT_IO && run->io.port == BENCH_PORT &&
		     run->io.size == 1 && run->io.count == 1 &&
		     run->io.direction == (c == BENCH_IN ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT);
		break;
	case BENCH_MMIO_WRITE:
	case BENCH_MMIO_READ:
		ok = run->exit_reason == KVM_EXIT_MMIO && run->mmio.phys_addr == BENCH_MMIO_GPA &&
		     run->mmio.len == 4 && run->mmio.is_write == (c == BENCH_MMIO_WRITE);
		break;
	case BENCH_HLT: ok = run->exit_reason == KVM_EXIT_HLT; break;
	default: ok = 0; break;
	}
	if (ok)
		return 0;
	fprintf(stderr, "raw kvm: case %d: unexpected exit reason %u\n", (int)c, run->exit_reason);
	return -EIO;
}

static int raw_begin(enum bench_case c, void **out)
{
	struct raw_state *st;
	int err;

	*out = NULL;
	err = raw_sys_open();
	if (err)
		return err;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->c = c;
	st->vm.vm_fd = -1;
	st->vm.vcpu_fd = -1;
	st->ram = bench_guest_ram();
	if (!st->ram) {
		err = raw_fail("guest RAM");
		free(st);
		return err;
	}
	*out = st;
	if (c == BENCH_LIFECYCLE)
		return 0;
	err = raw_vm_open(&st->vm, st->ram, bench_entry_rip(c));
	if (err)
		return err;
	if (c == BENCH_REGS) {
		/* Ask KVM to publish REGS and SREGS in kvm_run on every exit. */
		st->vm.run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
	} else if (c == BENCH_OUT_SYNC) {
		/* Diagnostic: the kernel-side price of publishing all of the state. */
		st->vm.run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS |
					     KVM_SYNC_X86_EVENTS;
	}
	return 0;
}

/*
 * raw_supply: the host's part of an exit: the value an IN or MMIO read asked
 * for; for the diagnostic case, the REGS write-back the WHP half's sync-regs
 * use implies (same values, marked dirty).
 */
static void raw_supply(struct kvm_run *run, enum bench_case c)
{
	uint32_t v = BENCH_MMIO_VALUE;

	if (c == BENCH_IN)
		*((uint8_t *)run + run->io.data_offset) = BENCH_IN_VALUE;
	else if (c == BENCH_MMIO_READ)
		memcpy(run->mmio.data, &v, sizeof(v));
	else if (c == BENCH_OUT_SYNC)
		run->kvm_dirty_regs |= KVM_SYNC_X86_REGS; /* "RIP written" */
}

/*
 * raw_regs_access: what a raw KVM user does for "read RAX..R15, RIP, RFLAGS
 * and the segments, then write RIP and RAX": read the sync area, write its
 * REGS part back and mark it dirty. RIP is written back unchanged: KVM already
 * completes the OUT itself, and on kvm_intel an unchanged RIP is what lets it
 * do so (x86.c, complete_fast_pio_out).
 */
static void raw_regs_access(struct raw_state *st)
{
	struct kvm_run *run = st->vm.run;
	struct kvm_regs r = run->s.regs.regs;
	const struct kvm_sregs *sr = &run->s.regs.sregs;
	uint64_t sum;

	sum = r.rax ^ r.rbx ^ r.rcx ^ r.rdx ^ r.rsi ^ r.rdi ^ r.rsp ^ r.rbp ^ r.r8 ^ r.r9 ^ r.r10 ^
	      r.r11 ^ r.r12 ^ r.r13 ^ r.r14 ^ r.r15 ^ r.rip ^ r.rflags;
	sum ^= sr->cs.base ^ sr->cs.selector ^ sr->ds.selector ^ sr->es.selector ^ sr->ss.selector ^
	       sr->fs.base ^ sr->gs.base;
	st->sink += sum;
	run->s.regs.regs.rax = st->runs;
	run->s.regs.regs.rip = r.rip;
	run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
}

static int raw_block_exits(struct raw_state *st, unsigned int n, struct bench_block *blk)
{
	struct kvm_run *run = st->vm.run;
	uint64_t before = st->vm.ioctls;
	uint64_t t0, t1, t2;
	unsigned int i;
	int err;

	t0 = bench_now_ns();
	for (i = 0; i < n; i++) {
		err = raw_run(&st->vm);
		if (err)
			return err;
		err = raw_check_exit(run, st->c);
		if (err)
			return err;
		st->runs++;
		if (st->c == BENCH_REGS) {
			t1 = bench_now_ns();
			raw_regs_access(st);
			t2 = bench_now_ns();
			if (blk->sub_ns)
				blk->sub_ns[i] = t2 - t1;
		} else {
			raw_supply(run, st->c);
			t2 = bench_now_ns();
		}
		blk->ns[i] = t2 - t0;
		t0 = t2;
	}
	blk->ioctls = st->vm.ioctls - before;
	blk->sub_ioctls = 0;
	return 0;
}

/* One whole lifecycle: the raw equivalent of create ... run ... delete. */
static int raw_lifecycle_once(struct raw_state *st)
{
	int err;

	err = raw_vm_open(&st->vm, st->ram, bench_entry_rip(BENCH_OUT));
	if (err)
		return err;
	err = raw_run(&st->vm);
	if (!err)
		err = raw_check_exit(st->vm.run, BENCH_LIFECYCLE);
	raw_vm_close(&st->vm);
	return err;
}

static int raw_block_lifecycle(struct raw_state *st, unsigned int n, struct bench_block *blk)
{
	uint64_t before = st->vm.ioctls;
	uint64_t t0, t1;
	unsigned int i;
	int err;

	t0 = bench_now_ns();
	for (i = 0; i < n; i++) {
		err = raw_lifecycle_once(st);
		if (err)
			return err;
		t1 = bench_now_ns();
		blk->ns[i] = t1 - t0;
		t0 = t1;
	}
	blk->ioctls = st->vm.ioctls - before;
	blk->sub_ioctls = 0;
	return 0;
}

static int raw_block(void *state, unsigned int n, struct bench_block *blk)
{
	struct raw_state *st = state;

	if (st->c == BENCH_LIFECYCLE)
		return raw_block_lifecycle(st, n, blk);
	return raw_block_exits(st, n, blk);
}

/*
 * raw_verify: for IN and MMIO reads, the register the guest loaded must hold
 * what the host supplied. At an exit (after the first) it holds the value of
 * the previous completion, so one KVM_GET_REGS, outside any timing, tells.
 */
static int raw_verify(struct raw_state *st)
{
	struct kvm_regs r;

	if (st->c != BENCH_IN && st->c != BENCH_MMIO_READ)
		return 0;
	if (st->runs < 2)
		return 0;
	if (raw_vcpu_ioctl(&st->vm, KVM_GET_REGS, &r))
		return raw_fail("KVM_GET_REGS");
	if (st->c == BENCH_IN && (r.rax & 0xff) == BENCH_IN_VALUE)
		return 0;
	if (st->c == BENCH_MMIO_READ && (uint32_t)r.rax == BENCH_MMIO_VALUE)
		return 0;
	fprintf(stderr, "raw kvm: case %d: guest RAX 0x%llx lacks the supplied value\n", (int)st->c,
		(unsigned long long)r.rax);
	return -EIO;
}

static int raw_end(void *state)
{
	struct raw_state *st = state;
	int err = 0;

	if (!st)
		return 0;
	if (st->vm.vcpu_fd >= 0)
		err = raw_verify(st);
	raw_vm_close(&st->vm);
	bench_guest_ram_free(st->ram);
	free(st);
	return err;
}

const struct bench_half bench_raw_half = {
	.name = "raw KVM",
	.begin = raw_begin,
	.block = raw_block,
	.end = raw_end,
};
