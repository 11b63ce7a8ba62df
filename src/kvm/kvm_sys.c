/* kvm_sys.c: /dev/kvm once per process: API version, capabilities, supported CPUID, flavour probe. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "kvm.h"

extern const unsigned char kvm_probe_guest[];
extern const unsigned int kvm_probe_guest_size;

static struct kvm_host host = { .sys_fd = -1 };
static pthread_once_t host_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t flavour_lock = PTHREAD_MUTEX_INITIALIZER;
static int host_status;
static char host_error[160];

static int check_ext(int fd, long cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

static struct kvm_cpuid2 *supported_cpuid(int fd)
{
	int n = 64;

	for (;;) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			return NULL;
		c->nent = (uint32_t)n;
		if (ioctl(fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG || n > 4096)
			return NULL;
		n *= 2;
	}
}

static const struct kvm_cpuid_entry2 *cpuid_find(const struct kvm_cpuid2 *c, uint32_t fn,
						 uint32_t idx)
{
	uint32_t i;

	for (i = 0; c && i < c->nent; i++)
		if (c->entries[i].function == fn &&
		    (!(c->entries[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		     c->entries[i].index == idx))
			return &c->entries[i];
	return NULL;
}

/* MXCSR_MASK from the host's FXSAVE image (SDM Vol.1 10.5.1.2); 0 there means 0xFFBF. */
static uint64_t host_mxcsr_mask(void)
{
	uint8_t area[512] __attribute__((aligned(16)));
	uint32_t mask;

	memset(area, 0, sizeof(area));
	__asm__ volatile("fxsave %0" : "=m"(area));
	memcpy(&mask, area + 28, 4);
	return mask ? mask : 0xFFBF;
}

static void host_probe(void)
{
	struct engine_caps *c = &host.caps;
	const struct kvm_cpuid_entry2 *e;
	int fd;

	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(host_error, sizeof(host_error), "/dev/kvm: %s", strerror(errno));
		host_status = 1; /* not present: capabilities say so, not an error */
		return;
	}
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		snprintf(host_error, sizeof(host_error), "/dev/kvm: unexpected API version");
		goto fail;
	}
	/* The run loop stands on these (api.rst: KVM_CAP_SYNC_REGS, KVM_CAP_IMMEDIATE_EXIT). */
	if ((check_ext(fd, KVM_CAP_SYNC_REGS) &
	     (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)) !=
		    (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS) ||
	    !check_ext(fd, KVM_CAP_IMMEDIATE_EXIT)) {
		snprintf(host_error, sizeof(host_error),
			 "/dev/kvm lacks KVM_CAP_SYNC_REGS or KVM_CAP_IMMEDIATE_EXIT");
		goto fail;
	}
	host.run_size = ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	host.cpuid = supported_cpuid(fd);
	if (host.run_size <= 0 || !host.cpuid) {
		snprintf(host_error, sizeof(host_error),
			 "/dev/kvm: KVM_GET_SUPPORTED_CPUID failed");
		goto fail;
	}
	host.sys_fd = fd;
	host.mxcsr_mask = host_mxcsr_mask();

	c->present = true;
	/*
	 * Features: PartialUnmap (bit 0); LocalApicEmulation (bit 1) on KVM's
	 * split irqchip. The rest come with later work.
	 */
	c->features = 1ull << 0;
	if (check_ext(fd, KVM_CAP_SPLIT_IRQCHIP) && check_ext(fd, KVM_CAP_SIGNAL_MSI) &&
	    check_ext(fd, KVM_CAP_IRQ_ROUTING))
		c->features |= 1ull << 1;
	/*
	 * X64MsrExit (bit 1): KVM's user-space MSR exits and MSR filters
	 * (api.rst, KVM_CAP_X86_USER_SPACE_MSR, KVM_X86_SET_MSR_FILTER).
	 * CPUID and RDTSC exits cannot exist on KVM: those bits stay 0.
	 */
	c->extended_vm_exits = 0;
	if (check_ext(fd, KVM_CAP_X86_USER_SPACE_MSR) && check_ext(fd, KVM_CAP_X86_MSR_FILTER))
		c->extended_vm_exits |= 1ull << 1;
	/*
	 * Exception exits: KVM can hand user space #DB (KVM_GUESTDBG_USE_HW_BP
	 * intercepts every debug exception) and #BP (KVM_GUESTDBG_USE_SW_BP),
	 * nothing else (api.rst, KVM_SET_GUEST_DEBUG). #BP is built from the
	 * documentation: INT3 outside real mode fails on kvm_pvm, so it is not
	 * verified there.
	 */
	c->exception_exit_bitmap = 0;
	if (check_ext(fd, KVM_CAP_SET_GUEST_DEBUG)) {
		c->extended_vm_exits |= 1ull << 2;
		c->exception_exit_bitmap = (1ull << 1) | (1ull << 3);
	}
	c->max_vcpus = (uint32_t)check_ext(fd, KVM_CAP_MAX_VCPUS);
	if (!c->max_vcpus)
		c->max_vcpus = (uint32_t)check_ext(fd, KVM_CAP_NR_VCPUS);
	if (!c->max_vcpus)
		c->max_vcpus = 4;
	c->max_regions = (uint32_t)check_ext(fd, KVM_CAP_NR_MEMSLOTS);
	if (!c->max_regions)
		c->max_regions = 32;
	e = cpuid_find(host.cpuid, 0, 0);
	if (e && e->ebx == 0x756e6547) /* "Genu" */
		c->processor_vendor = WHvProcessorVendorIntel;
	else if (e && e->ebx == 0x68747541) /* "Auth" */
		c->processor_vendor = WHvProcessorVendorAmd;
	else
		c->processor_vendor = WHvProcessorVendorHygon;
	e = cpuid_find(host.cpuid, 1, 0);
	c->clflush_size = e ? (uint8_t)((e->ebx >> 8) & 0xFF) : 8;
	e = cpuid_find(host.cpuid, 0x80000008, 0);
	c->physical_address_width = e ? (e->eax & 0xFF) : 36;
	/* KVM's in-kernel LAPIC timer counts at 1 GHz (lapic.c, APIC_BUS_CYCLE_NS = 1). */
	c->interrupt_clock_hz = 1000000000ull;
	return;
fail:
	close(fd);
	free(host.cpuid);
	host.cpuid = NULL;
	host_status = -ENODEV;
}

struct kvm_host *kvm_host_get(void)
{
	pthread_once(&host_once, host_probe);
	if (host_status) {
		(void)err_set(host_status < 0 ? host_status : -ENODEV, "%s", host_error);
		return NULL;
	}
	return &host;
}

/*
 * Run the probe guest once: OUT, then a byte store to an unmapped page, then
 * HLT, in real mode at GPA 0. Where RIP stands at KVM_EXIT_IO tells the
 * flavour (kvm-platform-facts §2); the TSC frequency comes along.
 */
static int flavour_probe(struct kvm_host *h)
{
	struct kvm_userspace_memory_region slot = { 0 };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run = MAP_FAILED;
	uint8_t *mem = MAP_FAILED;
	int vm = -1, cpu = -1, rc = -EIO, khz;

	vm = ioctl(h->sys_fd, KVM_CREATE_VM, 0);
	if (vm < 0) {
		rc = err_sys(-errno, "KVM_CREATE_VM");
		goto out;
	}
	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(mem, kvm_probe_guest, kvm_probe_guest_size);
	slot.memory_size = 4096;
	slot.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot)) {
		rc = err_sys(-errno, "KVM_SET_USER_MEMORY_REGION");
		goto out;
	}
	cpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (cpu < 0) {
		rc = err_sys(-errno, "KVM_CREATE_VCPU");
		goto out;
	}
	run = mmap(NULL, (size_t)h->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu, 0);
	if (run == MAP_FAILED) {
		rc = -ENOMEM;
		goto out;
	}
	if (ioctl(cpu, KVM_GET_SREGS, &sregs) || ioctl(cpu, KVM_GET_REGS, &regs)) {
		rc = err_sys(-errno, "KVM_GET_SREGS");
		goto out;
	}
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	memset(&regs, 0, sizeof(regs));
	regs.rflags = 2;
	if (ioctl(cpu, KVM_SET_SREGS, &sregs) || ioctl(cpu, KVM_SET_REGS, &regs)) {
		rc = err_sys(-errno, "KVM_SET_SREGS");
		goto out;
	}
	if (ioctl(cpu, KVM_RUN, 0) || run->exit_reason != KVM_EXIT_IO ||
	    ioctl(cpu, KVM_GET_REGS, &regs)) {
		rc = err_set(-EIO, "flavour probe: no KVM_EXIT_IO for OUT (exit %u)",
			     run->exit_reason);
		goto out;
	}
	if (regs.rip == 0)
		h->flavour = KVM_FLAVOUR_AT;
	else if (regs.rip == 2)
		h->flavour = KVM_FLAVOUR_AFTER;
	else {
		rc = err_set(-EIO, "flavour probe: RIP %llu after OUT",
			     (unsigned long long)regs.rip);
		goto out;
	}
	khz = ioctl(cpu, KVM_GET_TSC_KHZ, 0);
	if (khz > 0)
		h->caps.processor_clock_hz = (uint64_t)khz * 1000;
	h->flavour_known = true;
	rc = 0;
out:
	if (run != MAP_FAILED)
		munmap(run, (size_t)h->run_size);
	if (cpu >= 0)
		close(cpu);
	if (vm >= 0)
		close(vm);
	if (mem != MAP_FAILED)
		munmap(mem, 4096);
	return rc;
}

int kvm_host_flavour(struct kvm_host *h, enum kvm_flavour *out)
{
	int rc = 0;

	pthread_mutex_lock(&flavour_lock);
	if (!h->flavour_known)
		rc = flavour_probe(h);
	*out = h->flavour;
	pthread_mutex_unlock(&flavour_lock);
	return rc;
}

static int kvm_host_caps(struct engine_caps *caps)
{
	struct kvm_host *h = kvm_host_get();
	enum kvm_flavour f;
	int rc;

	memset(caps, 0, sizeof(*caps));
	if (!h) {
		err_clear();
		return 0; /* no /dev/kvm: HypervisorPresent = FALSE, not a failure */
	}
	rc = kvm_host_flavour(h, &f); /* also learns the TSC frequency */
	if (rc)
		return rc;
	*caps = h->caps;
	return 0;
}

OPENWHP_API const char *openwhp_kvm_flavour(void)
{
	const char *name = "none";

	pthread_mutex_lock(&flavour_lock);
	if (host.flavour_known)
		name = kvm_flavour_name(host.flavour);
	pthread_mutex_unlock(&flavour_lock);
	return name;
}

/* The engine table; VM and vCPU operations live in kvm_vm.c, kvm_vcpu.c, kvm_run.c. */
const struct engine_ops kvm_engine_ops = {
	.name = "kvm",
	.host_caps = kvm_host_caps,
	.vm_create = kvm_vm_create,
	.vm_destroy = kvm_vm_destroy,
	.vm_map = kvm_vm_map,
	.vm_unmap = kvm_vm_unmap,
	.vcpu_create = kvm_vcpu_create,
	.vcpu_destroy = kvm_vcpu_destroy,
	.vcpu_reset = kvm_vcpu_reset,
	.vcpu_get_regs = kvm_vcpu_get_regs,
	.vcpu_set_regs = kvm_vcpu_set_regs,
	.vcpu_run = kvm_vcpu_run,
	.vcpu_cancel = kvm_vcpu_cancel,
	.vcpu_get_xsave = kvm_vcpu_get_xsave,
	.vcpu_set_xsave = kvm_vcpu_set_xsave,
	.vcpu_get_lapic = kvm_vcpu_get_lapic,
	.vcpu_set_lapic = kvm_vcpu_set_lapic,
	.vcpu_get_cpuid = kvm_vcpu_get_cpuid,
	.vcpu_get_counters = kvm_vcpu_get_counters,
	.vcpu_translate_gva = kvm_vcpu_translate_gva,
	.vm_request_interrupt = kvm_vm_request_interrupt,
	.vm_set_exits = kvm_vm_set_exits,
	.vm_suspend_time = kvm_vm_suspend_time,
	.vm_resume_time = kvm_vm_resume_time,
	.vm_dirty_log = kvm_vm_dirty_log,
};
