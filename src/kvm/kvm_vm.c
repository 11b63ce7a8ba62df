/* kvm_vm.c: one KVM VM per set-up partition: creation, memory slots, teardown. */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"
#include "kvm.h"
#include "kvm_state.h"

/*
 * Where KVM may put the three pages it needs for real-mode emulation on Intel
 * hosts without unrestricted guest (api.rst, KVM_SET_TSS_ADDR): just below the
 * 4 GiB BIOS area, where guests rarely map RAM (the same place other VMMs use).
 */
#define KVM_TSS_ADDR 0xFFFBD000ull

int kvm_vm_create(const struct engine_vm_config *cfg, struct engine_vm **out)
{
	struct kvm_host *h = kvm_host_get();
	struct engine_vm *vm;
	int rc;

	if (!h)
		return -ENODEV;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->fd = -1;
	vm->host = h;
	pthread_mutex_init(&vm->irq_lock, NULL);
	vm->cfg = *cfg;
	/* The caller's CPUID list lives only for this call: keep a copy. */
	vm->cfg.cpuid = NULL;
	if (cfg->ncpuid) {
		WHV_X64_CPUID_RESULT2 *c = malloc(cfg->ncpuid * sizeof(*c));

		if (!c) {
			rc = -ENOMEM;
			goto fail;
		}
		memcpy(c, cfg->cpuid, cfg->ncpuid * sizeof(*c));
		vm->cfg.cpuid = c;
	}
	vm->vcpus = calloc(cfg->processor_count, sizeof(*vm->vcpus));
	if (!vm->vcpus) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = kvm_host_flavour(h, &vm->flavour);
	if (rc)
		goto fail;
	/* The flavour probe measured the TSC rate; without it count in ticks of 1 ns. */
	vm->tsc_ns_mult = h->caps.processor_clock_hz
				  ? (uint64_t)((1000000000ull << 32) / h->caps.processor_clock_hz)
				  : 1ull << 32;
	vm->fd = ioctl(h->sys_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		rc = err_sys(-errno, "KVM_CREATE_VM");
		goto fail;
	}
	/* Not every flavour needs (or accepts) it; a failure here is not fatal. */
	(void)ioctl(vm->fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR);
	/*
	 * Pending exceptions with their payload (CR2 for #PF, DR6 for #DB) are
	 * how WHvRegisterPendingEvent's ExceptionParameter reaches KVM (api.rst,
	 * KVM_CAP_EXCEPTION_PAYLOAD); without it such a write is refused.
	 */
	{
		struct kvm_enable_cap cap = { .cap = KVM_CAP_EXCEPTION_PAYLOAD, .args = { 1 } };

		(void)ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
	}
	/* The local APIC lives in KVM when the partition asks for its emulation. */
	rc = kvm_vm_irq_setup(vm);
	if (rc)
		goto fail;
	*out = vm;
	return 0;
fail:
	kvm_vm_destroy(vm);
	return rc;
}

void kvm_vm_destroy(struct engine_vm *vm)
{
	uint32_t i;

	if (!vm)
		return;
	/* Parked vCPUs (deleted VPs) are still ours: KVM frees them with the VM. */
	for (i = 0; vm->vcpus && i < vm->cfg.processor_count; i++) {
		if (vm->vcpus[i]) {
			vm->vcpus[i]->in_use = false;
			kvm_vcpu_destroy(vm->vcpus[i]);
		}
	}
	free(vm->vcpus);
	free((void *)(uintptr_t)vm->cfg.cpuid);
	kvm_vm_time_forget(vm);
	if (vm->fd >= 0)
		close(vm->fd);
	pthread_mutex_destroy(&vm->irq_lock);
	free(vm);
}

int kvm_vm_map(struct engine_vm *vm, uint32_t id, uint64_t gpa, uint64_t size, void *hva,
	       uint32_t flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = id,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
		/* No Write: KVM_MEM_READONLY turns guest writes into MMIO exits (api.rst). */
		.flags = (flags & WHvMapGpaRangeFlagWrite) ? 0 : KVM_MEM_READONLY,
	};

	/*
	 * TrackDirtyPages: KVM logs guest writes per slot, read and reset by
	 * KVM_GET_DIRTY_LOG (api.rst, KVM_MEM_LOG_DIRTY_PAGES); kvm_vm_dirty_log.
	 */
	if (flags & WHvMapGpaRangeFlagTrackDirtyPages)
		r.flags |= KVM_MEM_LOG_DIRTY_PAGES;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r))
		return err_sys(-errno, "KVM_SET_USER_MEMORY_REGION");
	return 0;
}

int kvm_vm_unmap(struct engine_vm *vm, uint32_t id, uint64_t gpa)
{
	/* A zero-sized region deletes the slot (api.rst, KVM_SET_USER_MEMORY_REGION). */
	struct kvm_userspace_memory_region r = { .slot = id, .guest_phys_addr = gpa };

	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r))
		return err_sys(-errno, "KVM_SET_USER_MEMORY_REGION (delete)");
	return 0;
}
