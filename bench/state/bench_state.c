/* bench_state.c: interrupt request -> guest handler -> EOI round trip and 64 MiB snapshot/restore, WHP API vs raw KVM. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <WinHvPlatform.h>
#include <openwhp.h>

/*
 * Both halves run the same real-mode guest (guest_irq16.S): it turns on its
 * x2APIC, reports "ready" on port 0xE8 and halts; each interrupt (vector
 * 0x40) runs a handler that reports on port 0xE9, EOIs and returns to the
 * HLT. One round trip = request the interrupt, run until the handler's
 * report. The raw half does what a careful KVM user does: split irqchip,
 * KVM_SIGNAL_MSI, KVM_RUN. Snapshot/restore = save the VP's state and the
 * 64 MiB of memory, then build a new VM and load both into it, and prove it
 * alive with one interrupt (its deletion is not timed). Single operations
 * alternate between the halves; medians are compared.
 */
extern const unsigned char bench_irq_guest[];
extern const unsigned int bench_irq_guest_size;

#define RAM_SIZE    (64ull << 20)
#define GUEST_GPA   0x1000
#define IRQ_SAMPLES 2000
#define SNAPS	    7

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

static uint8_t *ram_new(void)
{
	uint8_t *m = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (m == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return m;
}

#define FAIL(...)                             \
	do {                                  \
		fprintf(stderr, __VA_ARGS__); \
		fprintf(stderr, "\n");        \
		exit(1);                      \
	} while (0)

/* ---------------------------------------------------------------- ours */

static const WHV_REGISTER_NAME snap_names[] = {
	WHvX64RegisterRax,
	WHvX64RegisterRcx,
	WHvX64RegisterRdx,
	WHvX64RegisterRbx,
	WHvX64RegisterRsp,
	WHvX64RegisterRbp,
	WHvX64RegisterRsi,
	WHvX64RegisterRdi,
	WHvX64RegisterR8,
	WHvX64RegisterR9,
	WHvX64RegisterR10,
	WHvX64RegisterR11,
	WHvX64RegisterR12,
	WHvX64RegisterR13,
	WHvX64RegisterR14,
	WHvX64RegisterR15,
	WHvX64RegisterRip,
	WHvX64RegisterRflags,
	WHvX64RegisterEs,
	WHvX64RegisterCs,
	WHvX64RegisterSs,
	WHvX64RegisterDs,
	WHvX64RegisterFs,
	WHvX64RegisterGs,
	WHvX64RegisterLdtr,
	WHvX64RegisterTr,
	WHvX64RegisterIdtr,
	WHvX64RegisterGdtr,
	WHvX64RegisterCr0,
	WHvX64RegisterCr2,
	WHvX64RegisterCr3,
	WHvX64RegisterCr4,
	WHvX64RegisterCr8,
	WHvX64RegisterEfer,
	WHvX64RegisterApicBase,
	WHvX64RegisterDr0,
	WHvX64RegisterDr1,
	WHvX64RegisterDr2,
	WHvX64RegisterDr3,
	WHvX64RegisterDr6,
	WHvX64RegisterDr7,
	WHvX64RegisterXCr0,
	WHvX64RegisterKernelGsBase,
	WHvX64RegisterPat,
	WHvX64RegisterStar,
	WHvX64RegisterLstar,
	WHvX64RegisterCstar,
	WHvX64RegisterSfmask,
	WHvRegisterPendingInterruption,
	WHvRegisterInterruptState,
	WHvRegisterPendingEvent,
};
#define NSNAP (sizeof(snap_names) / sizeof(snap_names[0]))

struct whp {
	WHV_PARTITION_HANDLE p;
	uint8_t *ram;
};

#define CK(call)                                                                           \
	do {                                                                               \
		HRESULT hr_ = (call);                                                      \
		if (FAILED(hr_))                                                           \
			FAIL("%s: 0x%08x %s", #call, (unsigned)hr_, openwhp_last_error()); \
	} while (0)

static void whp_run_io(struct whp *w, UINT16 port)
{
	WHV_RUN_VP_EXIT_CONTEXT x;
	WHV_REGISTER_NAME rip = WHvX64RegisterRip;
	WHV_REGISTER_VALUE v;

	CK(WHvRunVirtualProcessor(w->p, 0, &x, sizeof(x)));
	if (x.ExitReason != WHvRunVpExitReasonX64IoPortAccess || x.IoPortAccess.PortNumber != port)
		FAIL("ours: exit 0x%x port 0x%x, expected port 0x%x", x.ExitReason,
		     x.IoPortAccess.PortNumber, port);
	memset(&v, 0, sizeof(v));
	v.Reg64 = x.VpContext.Rip + x.VpContext.InstructionLength;
	CK(WHvSetVirtualProcessorRegisters(w->p, 0, &rip, 1, &v));
}

static void whp_make(struct whp *w, uint8_t *ram, int fresh)
{
	UINT32 one = 1, x2 = WHvX64LocalApicEmulationModeX2Apic;
	WHV_REGISTER_NAME n[2] = { WHvX64RegisterCs, WHvX64RegisterRip };
	WHV_REGISTER_VALUE v[2];

	w->ram = ram;
	CK(WHvCreatePartition(&w->p));
	CK(WHvSetPartitionProperty(w->p, WHvPartitionPropertyCodeProcessorCount, &one, 4));
	CK(WHvSetPartitionProperty(w->p, WHvPartitionPropertyCodeLocalApicEmulationMode, &x2, 4));
	CK(WHvSetupPartition(w->p));
	CK(WHvMapGpaRange(w->p, ram, 0, RAM_SIZE,
			  WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagWrite |
				  WHvMapGpaRangeFlagExecute));
	CK(WHvCreateVirtualProcessor(w->p, 0, 0));
	if (!fresh)
		return;
	memcpy(ram + GUEST_GPA, bench_irq_guest, bench_irq_guest_size);
	CK(WHvGetVirtualProcessorRegisters(w->p, 0, n, 2, v));
	v[0].Segment.Base = 0;
	v[0].Segment.Selector = 0;
	v[1].Reg64 = GUEST_GPA;
	CK(WHvSetVirtualProcessorRegisters(w->p, 0, n, 2, v));
	whp_run_io(w, 0xE8);
}

static void whp_irq(struct whp *w)
{
	WHV_INTERRUPT_CONTROL c;

	memset(&c, 0, sizeof(c));
	c.Type = WHvX64InterruptTypeFixed;
	c.Vector = 0x40;
	CK(WHvRequestInterrupt(w->p, &c, sizeof(c)));
	whp_run_io(w, 0xE9);
}

static void whp_snapshot(struct whp *w, uint8_t *save_ram, uint8_t *new_ram)
{
	static WHV_REGISTER_VALUE regs[NSNAP];
	static uint8_t xsave[16384], apic[4096];
	UINT32 xs, as;
	struct whp n;

	CK(WHvGetVirtualProcessorRegisters(w->p, 0, snap_names, NSNAP, regs));
	CK(WHvGetVirtualProcessorXsaveState(w->p, 0, xsave, sizeof(xsave), &xs));
	CK(WHvGetVirtualProcessorInterruptControllerState2(w->p, 0, apic, sizeof(apic), &as));
	memcpy(save_ram, w->ram, RAM_SIZE);
	whp_make(&n, new_ram, 0);
	CK(WHvSetVirtualProcessorInterruptControllerState2(n.p, 0, apic, as));
	CK(WHvSetVirtualProcessorXsaveState(n.p, 0, xsave, xs));
	CK(WHvSetVirtualProcessorRegisters(n.p, 0, snap_names, NSNAP, regs));
	memcpy(new_ram, save_ram, RAM_SIZE);
	/* Prove the copy is alive: it takes an interrupt like the original. */
	whp_irq(&n);
	CK(WHvDeletePartition(n.p));
}

/* ---------------------------------------------------------------- raw KVM */

static int kvm_fd = -1, run_size;
static struct kvm_cpuid2 *cpuid;

struct raw {
	int vm, cpu;
	struct kvm_run *run;
	uint8_t *ram;
};

#define X(call, what)                                          \
	do {                                                   \
		if ((call) < 0)                                \
			FAIL("%s: %s", what, strerror(errno)); \
	} while (0)

static void raw_run_io(struct raw *r, uint16_t port)
{
	X(ioctl(r->cpu, KVM_RUN, 0), "KVM_RUN");
	if (r->run->exit_reason != KVM_EXIT_IO || r->run->io.port != port)
		FAIL("raw: exit %u port 0x%x, expected port 0x%x", r->run->exit_reason,
		     r->run->io.port, port);
}

static void raw_make(struct raw *r, uint8_t *ram, int fresh)
{
	struct kvm_enable_cap cap;
	struct kvm_userspace_memory_region slot = { 0 };
	struct kvm_lapic_state lapic;
	struct kvm_sregs s;
	struct kvm_regs g;

	r->ram = ram;
	X(r->vm = ioctl(kvm_fd, KVM_CREATE_VM, 0), "KVM_CREATE_VM");
	memset(&cap, 0, sizeof(cap));
	cap.cap = KVM_CAP_SPLIT_IRQCHIP;
	cap.args[0] = 24;
	X(ioctl(r->vm, KVM_ENABLE_CAP, &cap), "SPLIT_IRQCHIP");
	memset(&cap, 0, sizeof(cap));
	cap.cap = KVM_CAP_X2APIC_API;
	cap.args[0] = KVM_X2APIC_API_USE_32BIT_IDS | KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK;
	X(ioctl(r->vm, KVM_ENABLE_CAP, &cap), "X2APIC_API");
	slot.memory_size = RAM_SIZE;
	slot.userspace_addr = (uintptr_t)ram;
	X(ioctl(r->vm, KVM_SET_USER_MEMORY_REGION, &slot), "SET_USER_MEMORY_REGION");
	X(r->cpu = ioctl(r->vm, KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");
	r->run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, r->cpu, 0);
	if (r->run == MAP_FAILED)
		FAIL("mmap kvm_run");
	X(ioctl(r->cpu, KVM_SET_CPUID2, cpuid), "SET_CPUID2");
	/* A VMM writes the APIC state at reset: it also puts the vCPU in KVM's APIC map. */
	X(ioctl(r->cpu, KVM_GET_LAPIC, &lapic), "GET_LAPIC");
	X(ioctl(r->cpu, KVM_SET_LAPIC, &lapic), "SET_LAPIC");
	if (!fresh)
		return;
	memcpy(ram + GUEST_GPA, bench_irq_guest, bench_irq_guest_size);
	X(ioctl(r->cpu, KVM_GET_SREGS, &s), "GET_SREGS");
	s.cs.base = 0;
	s.cs.selector = 0;
	X(ioctl(r->cpu, KVM_SET_SREGS, &s), "SET_SREGS");
	memset(&g, 0, sizeof(g));
	g.rip = GUEST_GPA;
	g.rflags = 2;
	X(ioctl(r->cpu, KVM_SET_REGS, &g), "SET_REGS");
	raw_run_io(r, 0xE8);
}

static void raw_irq(struct raw *r)
{
	struct kvm_msi msi = { .address_lo = 0xFEE00000, .data = 0x4040 };

	X(ioctl(r->vm, KVM_SIGNAL_MSI, &msi), "KVM_SIGNAL_MSI");
	raw_run_io(r, 0xE9);
}

static void raw_destroy(struct raw *r)
{
	munmap(r->run, (size_t)run_size);
	close(r->cpu);
	close(r->vm);
}

static void raw_snapshot(struct raw *r, uint8_t *save_ram, uint8_t *new_ram)
{
	static struct kvm_regs g;
	static struct kvm_sregs s;
	static struct kvm_xsave xs;
	static struct kvm_lapic_state lapic;
	static struct kvm_vcpu_events ev;
	static struct kvm_debugregs dr;
	static struct kvm_xcrs xcrs;
	static struct kvm_mp_state mp;
	static struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[6];
	} msrs = {
		.h = { .nmsrs = 6 },
		.e = { { .index = 0xC0000102 },
		       { .index = 0x277 },
		       { .index = 0xC0000081 },
		       { .index = 0xC0000082 },
		       { .index = 0xC0000083 },
		       { .index = 0xC0000084 } },
	};
	struct raw n;

	X(ioctl(r->cpu, KVM_GET_REGS, &g), "GET_REGS");
	X(ioctl(r->cpu, KVM_GET_SREGS, &s), "GET_SREGS");
	X(ioctl(r->cpu, KVM_GET_XSAVE, &xs), "GET_XSAVE");
	X(ioctl(r->cpu, KVM_GET_LAPIC, &lapic), "GET_LAPIC");
	X(ioctl(r->cpu, KVM_GET_VCPU_EVENTS, &ev), "GET_VCPU_EVENTS");
	X(ioctl(r->cpu, KVM_GET_DEBUGREGS, &dr), "GET_DEBUGREGS");
	X(ioctl(r->cpu, KVM_GET_XCRS, &xcrs), "GET_XCRS");
	X(ioctl(r->cpu, KVM_GET_MSRS, &msrs), "GET_MSRS");
	X(ioctl(r->cpu, KVM_GET_MP_STATE, &mp), "GET_MP_STATE");
	memcpy(save_ram, r->ram, RAM_SIZE);
	raw_make(&n, new_ram, 0);
	/* The restore order KVM wants (kvm-platform-facts §6). */
	X(ioctl(n.cpu, KVM_SET_SREGS, &s), "SET_SREGS");
	X(ioctl(n.cpu, KVM_SET_MSRS, &msrs), "SET_MSRS");
	X(ioctl(n.cpu, KVM_SET_XCRS, &xcrs), "SET_XCRS");
	X(ioctl(n.cpu, KVM_SET_XSAVE, &xs), "SET_XSAVE");
	X(ioctl(n.cpu, KVM_SET_LAPIC, &lapic), "SET_LAPIC");
	X(ioctl(n.cpu, KVM_SET_REGS, &g), "SET_REGS");
	X(ioctl(n.cpu, KVM_SET_VCPU_EVENTS, &ev), "SET_VCPU_EVENTS");
	X(ioctl(n.cpu, KVM_SET_DEBUGREGS, &dr), "SET_DEBUGREGS");
	X(ioctl(n.cpu, KVM_SET_MP_STATE, &mp), "SET_MP_STATE");
	memcpy(new_ram, save_ram, RAM_SIZE);
	raw_irq(&n);
	raw_destroy(&n);
}

/* ---------------------------------------------------------------- driver */

int main(void)
{
	static uint64_t irq_ours[IRQ_SAMPLES], irq_raw[IRQ_SAMPLES];
	double ioctls;
	uint64_t snap_ours[SNAPS], snap_raw[SNAPS], m_io, m_ir, m_so, m_sr;
	uint8_t *save = ram_new(), *scratch = ram_new();
	struct whp w;
	struct raw r;
	int i, n = 64;

	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0) {
		printf("SKIP: no usable /dev/kvm\n");
		return 77;
	}
	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	for (;;) {
		cpuid = calloc(1, sizeof(*cpuid) + (size_t)n * sizeof(cpuid->entries[0]));
		cpuid->nent = (uint32_t)n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			break;
		free(cpuid);
		n *= 2;
	}
	whp_make(&w, ram_new(), 1);
	raw_make(&r, ram_new(), 1);
	for (i = 0; i < 50; i++) { /* warm-up */
		whp_irq(&w);
		raw_irq(&r);
	}
	/*
	 * This machine switches between a fast and a slow regime for seconds
	 * at a time, for raw KVM as much as for us; alternating single round
	 * trips puts both halves in the same regime, sample by sample.
	 */
	for (i = 0; i < IRQ_SAMPLES; i++) {
		uint64_t t0 = now_ns(), t1, t2;

		if (i % 2) {
			whp_irq(&w);
			t1 = now_ns();
			raw_irq(&r);
			t2 = now_ns();
			irq_ours[i] = t1 - t0;
			irq_raw[i] = t2 - t1;
		} else {
			raw_irq(&r);
			t1 = now_ns();
			whp_irq(&w);
			t2 = now_ns();
			irq_raw[i] = t1 - t0;
			irq_ours[i] = t2 - t1;
		}
	}
	{
		uint64_t c0 = openwhp_ioctl_count();

		for (i = 0; i < 100; i++)
			whp_irq(&w);
		ioctls = (double)(openwhp_ioctl_count() - c0) / 100;
	}
	for (i = 0; i < SNAPS; i++) {
		uint64_t t0 = now_ns();

		if (i % 2 == 0) {
			whp_snapshot(&w, save, scratch);
			snap_ours[i] = now_ns() - t0;
			t0 = now_ns();
			raw_snapshot(&r, save, scratch);
			snap_raw[i] = now_ns() - t0;
		} else {
			raw_snapshot(&r, save, scratch);
			snap_raw[i] = now_ns() - t0;
			t0 = now_ns();
			whp_snapshot(&w, save, scratch);
			snap_ours[i] = now_ns() - t0;
		}
	}
	m_io = median(irq_ours, IRQ_SAMPLES);
	m_ir = median(irq_raw, IRQ_SAMPLES);
	m_so = median(snap_ours, SNAPS);
	m_sr = median(snap_raw, SNAPS);
	printf("KVM flavour (openwhp_kvm_flavour): %s\n\n", openwhp_kvm_flavour());
	printf("case                                          ours p50     raw p50   ratio\n");
	printf("interrupt request -> handler -> EOI (us)    %10.2f  %10.2f  %6.3f\n", m_io / 1e3,
	       m_ir / 1e3, (double)m_io / (double)m_ir);
	printf("snapshot + restore of a 64 MiB guest (ms)   %10.2f  %10.2f  %6.3f\n", m_so / 1e6,
	       m_sr / 1e6, (double)m_so / (double)m_sr);
	printf("vCPU ioctls per interrupt round trip (ours, raw): %.2f, 1.00\n\n", ioctls);
	printf("target: interrupt round trip ratio %.3f (limit 1.200) -> target %s\n",
	       (double)m_io / (double)m_ir, (double)m_io <= 1.2 * (double)m_ir ? "met" : "missed");
	printf("target: snapshot/restore ratio %.3f (limit 1.200) -> target %s\n",
	       (double)m_so / (double)m_sr, (double)m_so <= 1.2 * (double)m_sr ? "met" : "missed");
	CK(WHvDeletePartition(w.p));
	raw_destroy(&r);
	return 0;
}
