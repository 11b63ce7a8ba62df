/* bench_emulator.c: MMIO exit + WHvEmulatorTryMmioEmulation against raw KVM's MMIO exit. */
#include <WinHvEmulation.h>
#include <WinHvPlatform.h>
#include <openwhp.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/*
 * One 64-bit guest loop (guest_emu_bench.S) that exits on every iteration
 * with an MMIO load (or store) to an unbacked GPA, run three ways in
 * alternating blocks of the same process:
 *
 *   raw KVM      <linux/kvm.h> only: KVM completes the access from
 *                kvm_run->mmio.data on the next KVM_RUN (api.rst
 *                "KVM_EXIT_MMIO"): one ioctl per exit, the floor;
 *   WHP+emulator WHvRunVirtualProcessor, then WHvEmulatorTryMmioEmulation
 *                with the callbacks a VMM writes (WHvGet/Set registers,
 *                a device value, identity translation) - what is measured;
 *   WHP manual   the same exit completed by hand (RAX, RIP += length), to
 *                tell the emulator's share from the run loop's.
 *
 * Reported: the median time per exit over the rounds, and the ratio of the
 * WHP+emulator round trip to raw KVM (target: at most 1.3). Absolute times
 * on a nested KVM are large; only the ratio within one run means anything.
 * Exits 77 without /dev/kvm.
 */

#define RAM_SIZE   0x40000ull
#define CODE_GPA   0x1000ull
#define GDT_GPA	   0x6000ull
#define STACK_TOP  0x7FF0ull
#define PML4_GPA   0x20000ull
#define PDPT_GPA   0x21000ull
#define PD_GPA	   0x22000ull
#define DEV_GPA	   0x100000ull
#define READ_RIP   (CODE_GPA + 0x00)
#define WRITE_RIP  (CODE_GPA + 0x10)
#define DEV_VALUE  0x1234ABCDu
#define SEL_CODE   0x08
#define SEL_DATA   0x10
#define CR0_VALUE  0x80050033ull /* PG, AM, WP, NE, ET, MP, PE */
#define CR4_VALUE  0x620ull	 /* OSXMMEXCPT, OSFXSR, PAE */
#define EFER_VALUE 0x500ull	 /* LMA, LME */

#define BLOCK  2000
#define ROUNDS 9

extern const unsigned char emu_bench_guest[];
extern const unsigned int emu_bench_guest_size;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Guest RAM: the loops at CODE_GPA, a flat GDT, an identity map of the first GiB. */
static void *ram_new(void)
{
	uint8_t *ram =
		mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t gdt[3] = { 0, 0x00AF9B000000FFFFull, 0x00CF93000000FFFFull };
	uint64_t *pml4, *pdpt, *pd;

	if (ram == MAP_FAILED)
		return NULL;
	memcpy(ram + CODE_GPA, emu_bench_guest, emu_bench_guest_size);
	memcpy(ram + GDT_GPA, gdt, sizeof(gdt));
	pml4 = (uint64_t *)(void *)(ram + PML4_GPA);
	pdpt = (uint64_t *)(void *)(ram + PDPT_GPA);
	pd = (uint64_t *)(void *)(ram + PD_GPA);
	pml4[0] = PDPT_GPA | 3;
	pdpt[0] = PD_GPA | 3;
	for (int i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;
	return ram;
}

/* ---- raw KVM ---- */

struct raw {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
	void *ram;
};

static int raw_fail(const char *what)
{
	fprintf(stderr, "raw KVM: %s: %s\n", what, strerror(errno));
	return -1;
}

static void raw_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, uint8_t l, uint8_t db)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xFFFFFFFF;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->l = l;
	s->db = db;
	s->g = 1;
}

static int raw_open(struct raw *r)
{
	struct kvm_userspace_memory_region slot;
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sr;
	int size;

	memset(r, 0, sizeof(*r));
	r->ram = ram_new();
	r->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (!r->ram || r->kvm < 0)
		return raw_fail("open /dev/kvm");
	r->vm = ioctl(r->kvm, KVM_CREATE_VM, 0);
	if (r->vm < 0)
		return raw_fail("KVM_CREATE_VM");
	memset(&slot, 0, sizeof(slot));
	slot.memory_size = RAM_SIZE;
	slot.userspace_addr = (uint64_t)(uintptr_t)r->ram;
	if (ioctl(r->vm, KVM_SET_USER_MEMORY_REGION, &slot))
		return raw_fail("KVM_SET_USER_MEMORY_REGION");
	r->vcpu = ioctl(r->vm, KVM_CREATE_VCPU, 0);
	if (r->vcpu < 0)
		return raw_fail("KVM_CREATE_VCPU");
	cpuid = calloc(1, sizeof(*cpuid) + 256 * sizeof(cpuid->entries[0]));
	if (!cpuid)
		return -1;
	cpuid->nent = 256;
	if (ioctl(r->kvm, KVM_GET_SUPPORTED_CPUID, cpuid) ||
	    ioctl(r->vcpu, KVM_SET_CPUID2, cpuid)) {
		free(cpuid);
		return raw_fail("CPUID");
	}
	free(cpuid);
	size = ioctl(r->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return raw_fail("KVM_GET_VCPU_MMAP_SIZE");
	r->run_size = (size_t)size;
	r->run = mmap(NULL, r->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, r->vcpu, 0);
	if (r->run == MAP_FAILED)
		return raw_fail("mmap kvm_run");
	if (ioctl(r->vcpu, KVM_GET_SREGS, &sr))
		return raw_fail("KVM_GET_SREGS");
	raw_seg(&sr.cs, SEL_CODE, 11, 1, 0);
	raw_seg(&sr.ds, SEL_DATA, 3, 0, 1);
	sr.es = sr.ss = sr.fs = sr.gs = sr.ds;
	memset(&sr.tr, 0, sizeof(sr.tr));
	sr.tr.limit = 0xFFFF;
	sr.tr.type = 11;
	sr.tr.present = 1;
	sr.gdt.base = GDT_GPA;
	sr.gdt.limit = 0x17;
	sr.cr0 = CR0_VALUE;
	sr.cr3 = PML4_GPA;
	sr.cr4 = CR4_VALUE;
	sr.efer = EFER_VALUE;
	if (ioctl(r->vcpu, KVM_SET_SREGS, &sr))
		return raw_fail("KVM_SET_SREGS");
	return 0;
}

static int raw_start(struct raw *r, uint64_t rip)
{
	struct kvm_regs g;

	memset(&g, 0, sizeof(g));
	g.rip = rip;
	g.rsp = STACK_TOP;
	g.rflags = 2;
	g.rbx = DEV_GPA;
	g.rax = DEV_VALUE;
	return ioctl(r->vcpu, KVM_SET_REGS, &g) ? raw_fail("KVM_SET_REGS") : 0;
}

/* (n) MMIO exits answered the way KVM wants: data for loads, nothing for stores. */
static int raw_block(struct raw *r, unsigned int n, uint64_t *ns)
{
	uint64_t t0 = now_ns();

	for (unsigned int i = 0; i < n; i++) {
		if (ioctl(r->vcpu, KVM_RUN, 0))
			return raw_fail("KVM_RUN");
		if (r->run->exit_reason != KVM_EXIT_MMIO || r->run->mmio.phys_addr != DEV_GPA) {
			fprintf(stderr, "raw KVM: unexpected exit %u\n", r->run->exit_reason);
			return -1;
		}
		if (!r->run->mmio.is_write) {
			uint32_t v = DEV_VALUE;

			memcpy(r->run->mmio.data, &v, 4);
		}
	}
	*ns = now_ns() - t0;
	return 0;
}

static void raw_close(struct raw *r)
{
	if (r->run && r->run != MAP_FAILED)
		munmap(r->run, r->run_size);
	close(r->vcpu);
	close(r->vm);
	close(r->kvm);
	munmap(r->ram, RAM_SIZE);
}

/* ---- WHP + emulator ---- */

struct whp {
	WHV_PARTITION_HANDLE part;
	WHV_EMULATOR_HANDLE emu;
	void *ram;
	uint64_t emu_ns;     /* time inside WHvEmulatorTryMmioEmulation */
	uint32_t last_write; /* what the device saw */
	WHV_RUN_VP_EXIT_CONTEXT exit;
};

static HRESULT CALLBACK cb_io(VOID *ctx, WHV_EMULATOR_IO_ACCESS_INFO *io)
{
	(void)ctx;
	(void)io;
	return E_FAIL;
}

static HRESULT CALLBACK cb_memory(VOID *ctx, WHV_EMULATOR_MEMORY_ACCESS_INFO *m)
{
	struct whp *w = ctx;
	uint32_t v = DEV_VALUE;

	if (m->GpaAddress != DEV_GPA || m->AccessSize > 4)
		return E_FAIL;
	if (m->Direction)
		memcpy(&w->last_write, m->Data, m->AccessSize);
	else
		memcpy(m->Data, &v, m->AccessSize);
	return S_OK;
}

static HRESULT CALLBACK cb_get(VOID *ctx, const WHV_REGISTER_NAME *n, UINT32 c,
			       WHV_REGISTER_VALUE *v)
{
	return WHvGetVirtualProcessorRegisters(((struct whp *)ctx)->part, 0, n, c, v);
}

static HRESULT CALLBACK cb_set(VOID *ctx, const WHV_REGISTER_NAME *n, UINT32 c,
			       const WHV_REGISTER_VALUE *v)
{
	return WHvSetVirtualProcessorRegisters(((struct whp *)ctx)->part, 0, n, c, v);
}

static HRESULT CALLBACK cb_translate(VOID *ctx, WHV_GUEST_VIRTUAL_ADDRESS gva,
				     WHV_TRANSLATE_GVA_FLAGS f, WHV_TRANSLATE_GVA_RESULT_CODE *res,
				     WHV_GUEST_PHYSICAL_ADDRESS *gpa)
{
	(void)ctx;
	(void)f;
	*gpa = gva; /* identity map (ram_new) */
	*res = WHvTranslateGvaResultSuccess;
	return S_OK;
}

static int whp_fail(const char *what, HRESULT hr)
{
	fprintf(stderr, "WHP: %s: 0x%08x (%s)\n", what, (unsigned int)hr, openwhp_last_error());
	return -1;
}

static WHV_REGISTER_VALUE seg_value(uint16_t sel, uint16_t attr)
{
	WHV_REGISTER_VALUE v;

	memset(&v, 0, sizeof(v));
	v.Segment.Limit = 0xFFFFFFFF;
	v.Segment.Selector = sel;
	v.Segment.Attributes = attr;
	return v;
}

static int whp_open(struct whp *w)
{
	static const WHV_REGISTER_NAME names[] = {
		WHvX64RegisterCs,  WHvX64RegisterDs,  WHvX64RegisterEs,	 WHvX64RegisterSs,
		WHvX64RegisterFs,  WHvX64RegisterGs,  WHvX64RegisterTr,	 WHvX64RegisterGdtr,
		WHvX64RegisterCr0, WHvX64RegisterCr3, WHvX64RegisterCr4, WHvX64RegisterEfer,
	};
	WHV_REGISTER_VALUE v[sizeof(names) / sizeof(names[0])];
	WHV_EMULATOR_CALLBACKS cb;
	UINT32 one = 1;
	HRESULT hr;

	memset(w, 0, sizeof(*w));
	w->ram = ram_new();
	if (!w->ram)
		return -1;
	if (FAILED(hr = WHvCreatePartition(&w->part)) ||
	    FAILED(hr = WHvSetPartitionProperty(w->part, WHvPartitionPropertyCodeProcessorCount,
						&one, sizeof(one))) ||
	    FAILED(hr = WHvSetupPartition(w->part)) ||
	    FAILED(hr = WHvMapGpaRange(w->part, w->ram, 0, RAM_SIZE,
				       WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagWrite |
					       WHvMapGpaRangeFlagExecute)) ||
	    FAILED(hr = WHvCreateVirtualProcessor(w->part, 0, 0)))
		return whp_fail("partition setup", hr);
	memset(v, 0, sizeof(v));
	v[0] = seg_value(SEL_CODE, 0xA09B);
	v[1] = v[2] = v[3] = v[4] = v[5] = seg_value(SEL_DATA, 0xC093);
	v[6] = seg_value(0, 0x008B);
	v[6].Segment.Limit = 0xFFFF;
	v[7].Table.Base = GDT_GPA;
	v[7].Table.Limit = 0x17;
	v[8].Reg64 = CR0_VALUE;
	v[9].Reg64 = PML4_GPA;
	v[10].Reg64 = CR4_VALUE;
	v[11].Reg64 = EFER_VALUE;
	hr = WHvSetVirtualProcessorRegisters(w->part, 0, names, sizeof(names) / sizeof(names[0]),
					     v);
	if (FAILED(hr))
		return whp_fail("long-mode registers", hr);
	memset(&cb, 0, sizeof(cb));
	cb.Size = sizeof(cb);
	cb.WHvEmulatorIoPortCallback = cb_io;
	cb.WHvEmulatorMemoryCallback = cb_memory;
	cb.WHvEmulatorGetVirtualProcessorRegisters = cb_get;
	cb.WHvEmulatorSetVirtualProcessorRegisters = cb_set;
	cb.WHvEmulatorTranslateGvaPage = cb_translate;
	hr = WHvEmulatorCreateEmulator(&cb, &w->emu);
	return FAILED(hr) ? whp_fail("WHvEmulatorCreateEmulator", hr) : 0;
}

static int whp_start(struct whp *w, uint64_t rip)
{
	static const WHV_REGISTER_NAME names[] = {
		WHvX64RegisterRip, WHvX64RegisterRsp, WHvX64RegisterRflags,
		WHvX64RegisterRbx, WHvX64RegisterRax,
	};
	WHV_REGISTER_VALUE v[5];
	HRESULT hr;

	memset(v, 0, sizeof(v));
	v[0].Reg64 = rip;
	v[1].Reg64 = STACK_TOP;
	v[2].Reg64 = 2;
	v[3].Reg64 = DEV_GPA;
	v[4].Reg64 = DEV_VALUE;
	hr = WHvSetVirtualProcessorRegisters(w->part, 0, names, 5, v);
	return FAILED(hr) ? whp_fail("start registers", hr) : 0;
}

/* (n) exits: each completed by the emulator, or (manual) by hand. */
static int whp_block(struct whp *w, unsigned int n, bool manual, uint64_t *ns)
{
	uint64_t t0 = now_ns(), e_ns = 0;
	HRESULT hr;

	for (unsigned int i = 0; i < n; i++) {
		hr = WHvRunVirtualProcessor(w->part, 0, &w->exit, sizeof(w->exit));
		if (FAILED(hr))
			return whp_fail("WHvRunVirtualProcessor", hr);
		if (w->exit.ExitReason != WHvRunVpExitReasonMemoryAccess ||
		    w->exit.MemoryAccess.Gpa != DEV_GPA) {
			fprintf(stderr, "WHP: unexpected exit %u\n", w->exit.ExitReason);
			return -1;
		}
		if (manual) {
			WHV_REGISTER_NAME names[2] = { WHvX64RegisterRip, WHvX64RegisterRax };
			WHV_REGISTER_VALUE v[2];

			memset(v, 0, sizeof(v));
			v[0].Reg64 = w->exit.VpContext.Rip + w->exit.VpContext.InstructionLength;
			v[1].Reg64 = DEV_VALUE;
			hr = WHvSetVirtualProcessorRegisters(w->part, 0, names,
							     w->exit.MemoryAccess.AccessInfo
										     .AccessType ==
									     WHvMemoryAccessRead
								     ? 2
								     : 1,
							     v);
			if (FAILED(hr))
				return whp_fail("complete by hand", hr);
		} else {
			WHV_EMULATOR_STATUS st;
			uint64_t e0 = now_ns();

			hr = WHvEmulatorTryMmioEmulation(w->emu, w, &w->exit.VpContext,
							 &w->exit.MemoryAccess, &st);
			e_ns += now_ns() - e0;
			if (FAILED(hr) || !st.EmulationSuccessful) {
				fprintf(stderr, "WHP: emulation failed: 0x%x status 0x%x\n",
					(unsigned int)hr, st.AsUINT32);
				return -1;
			}
		}
	}
	*ns = now_ns() - t0;
	w->emu_ns += e_ns;
	return 0;
}

static void whp_close(struct whp *w)
{
	WHvEmulatorDestroyEmulator(w->emu);
	WHvDeletePartition(w->part);
	munmap(w->ram, RAM_SIZE);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double median_per_exit(uint64_t *v, unsigned int n)
{
	qsort(v, n, sizeof(v[0]), cmp_u64);
	return (double)v[n / 2] / BLOCK;
}

/* One access kind: ROUNDS rounds of raw, WHP+emulator, WHP manual blocks. */
static int bench_kind(const char *name, uint64_t rip, double *ratio)
{
	uint64_t raw_ns[ROUNDS], emu_ns[ROUNDS], man_ns[ROUNDS], ioc0, ioc_emu = 0;
	struct raw r;
	struct whp w;
	double raw_us, emu_us, man_us;
	int rc = -1;

	if (raw_open(&r) || raw_start(&r, rip) || whp_open(&w) || whp_start(&w, rip))
		return -1;
	/* warm up: the first exits pay for faulting in pages and caches */
	if (raw_block(&r, 200, &raw_ns[0]) || whp_block(&w, 200, false, &emu_ns[0]) ||
	    whp_block(&w, 200, true, &man_ns[0]))
		goto out;
	w.emu_ns = 0;
	for (unsigned int k = 0; k < ROUNDS; k++) {
		if (raw_block(&r, BLOCK, &raw_ns[k]))
			goto out;
		ioc0 = openwhp_ioctl_count();
		if (whp_block(&w, BLOCK, false, &emu_ns[k]))
			goto out;
		ioc_emu += openwhp_ioctl_count() - ioc0;
		if (whp_block(&w, BLOCK, true, &man_ns[k]))
			goto out;
	}
	raw_us = median_per_exit(raw_ns, ROUNDS) / 1000.0;
	emu_us = median_per_exit(emu_ns, ROUNDS) / 1000.0;
	man_us = median_per_exit(man_ns, ROUNDS) / 1000.0;
	*ratio = emu_us / raw_us;
	printf("%-11s raw KVM %7.2f us | WHP + emulator %7.2f us (emulator %5.2f us, %.2f "
	       "ioctl/exit) | WHP by hand %7.2f us | ratio %.3f\n",
	       name, raw_us, emu_us, (double)w.emu_ns / (ROUNDS * (double)BLOCK) / 1000.0,
	       (double)ioc_emu / (ROUNDS * (double)BLOCK), man_us, *ratio);
	if (rip == WRITE_RIP && w.last_write != DEV_VALUE) {
		fprintf(stderr, "the device saw 0x%x, the guest stored 0x%x\n", w.last_write,
			DEV_VALUE);
		goto out;
	}
	rc = 0;
out:
	raw_close(&r);
	whp_close(&w);
	return rc;
}

int main(void)
{
	double rd = 0, wr = 0;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "SKIP: /dev/kvm: %s\n", strerror(errno));
		return 77;
	}
	close(fd);
	printf("openwhp %s; per exit, median of %d blocks of %d MMIO exits\n", openwhp_version(),
	       ROUNDS, BLOCK);
	if (bench_kind("MMIO load", READ_RIP, &rd) || bench_kind("MMIO store", WRITE_RIP, &wr))
		return 1;
	printf("KVM flavour %s. WHP+emulator / raw KVM: load %.3fx, store %.3fx (target <= 1.3x: "
	       "%s)\n",
	       openwhp_kvm_flavour(), rd, wr, rd <= 1.3 && wr <= 1.3 ? "met" : "NOT met");
	return 0;
}
