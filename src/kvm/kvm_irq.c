/* kvm_irq.c: local APIC emulation on KVM's split irqchip, WHvRequestInterrupt, APIC state. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "internal.h"
#include "kvm.h"

/*
 * LocalApicEmulationMode XApic/X2Apic: KVM's split irqchip (api.rst,
 * KVM_CAP_SPLIT_IRQCHIP) puts each vCPU's local APIC in the kernel and leaves
 * the IOAPIC and PIC to user space, which is WHP's division too: the platform
 * emulates the LAPIC (timer, IPIs, HLT waiting for an interrupt), the VMM
 * everything else. The 24 reserved GSIs carry level-triggered routes, the only
 * way KVM reports an EOI to user space (KVM_EXIT_IOAPIC_EOI).
 */
#define IOAPIC_PINS 24

int kvm_vm_irq_setup(struct engine_vm *vm)
{
	struct kvm_enable_cap cap;

	if (vm->cfg.lapic_mode == WHvX64LocalApicEmulationModeNone)
		return 0;
	memset(&cap, 0, sizeof(cap));
	cap.cap = KVM_CAP_SPLIT_IRQCHIP;
	cap.args[0] = IOAPIC_PINS;
	if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap))
		return err_sys(-errno, "KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)");
	if (vm->cfg.lapic_mode == WHvX64LocalApicEmulationModeX2Apic) {
		/* 32-bit x2APIC IDs in MSI routes and LAPIC state (api.rst, KVM_CAP_X2APIC_API). */
		int have = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_X2APIC_API);

		memset(&cap, 0, sizeof(cap));
		cap.cap = KVM_CAP_X2APIC_API;
		cap.args[0] = (uint64_t)have & (KVM_X2APIC_API_USE_32BIT_IDS |
						KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK);
		if (have > 0 && ioctl(vm->fd, KVM_ENABLE_CAP, &cap))
			return err_sys(-errno, "KVM_ENABLE_CAP(KVM_CAP_X2APIC_API)");
	}
	return 0;
}

/*
 * An interrupt as the MSI KVM delivers to the local APICs (Intel SDM Vol.3
 * 11.11, "Message Signalled Interrupts"): address 0xFEE00000 with the
 * destination in bits 19:12 (x2APIC: the upper 24 bits in address_hi),
 * destination mode in bit 2, redirection hint in bit 3 for lowest priority;
 * data carries the vector, the delivery mode in bits 10:8, assert in bit 14
 * and the trigger mode in bit 15.
 */
static int msi_of(const struct engine_vm *vm, const WHV_INTERRUPT_CONTROL *c, struct kvm_msi *m)
{
	uint32_t mode;

	switch (c->Type) {
	case WHvX64InterruptTypeFixed: mode = 0; break;
	case WHvX64InterruptTypeLowestPriority: mode = 1; break;
	case WHvX64InterruptTypeNmi: mode = 4; break;
	case WHvX64InterruptTypeInit: mode = 5; break;
	case WHvX64InterruptTypeSipi: mode = 6; break;
	default:
		return err_set(-EINVAL, "interrupt type %u cannot be sent as a message",
			       (unsigned)c->Type);
	}
	if (c->DestinationMode > WHvX64InterruptDestinationModeLogical ||
	    c->TriggerMode > WHvX64InterruptTriggerModeLevel)
		return err_set(-EINVAL, "invalid destination or trigger mode");
	if ((mode == 0 || mode == 1) && (c->Vector < 16 || c->Vector > 255))
		return err_set(-EINVAL, "vector %u is not 16..255", c->Vector);
	if (c->Vector > 255)
		return err_set(-EINVAL, "vector %u is not 0..255", c->Vector);
	if (vm->cfg.lapic_mode != WHvX64LocalApicEmulationModeX2Apic && c->Destination > 0xFF)
		return err_set(-EINVAL, "destination 0x%x needs x2APIC mode", c->Destination);
	memset(m, 0, sizeof(*m));
	m->address_lo =
		0xFEE00000u | ((c->Destination & 0xFFu) << 12) |
		(c->DestinationMode == WHvX64InterruptDestinationModeLogical ? 1u << 2 : 0) |
		(mode == 1 ? 1u << 3 : 0);
	m->address_hi = c->Destination & 0xFFFFFF00u;
	m->data = (c->Vector & 0xFF) | (mode << 8) | (1u << 14) |
		  (c->TriggerMode == WHvX64InterruptTriggerModeLevel ? 1u << 15 : 0);
	return 0;
}

/*
 * Level-triggered interrupts need a matching MSI route on one of the reserved
 * IOAPIC GSIs: KVM builds each vCPU's EOI-exit bitmap from those routes
 * (kvm_scan_ioapic_routes) and then reports the guest's EOI of that vector
 * as KVM_EXIT_IOAPIC_EOI, WHP's X64ApicEoi exit.
 */
static int level_route(struct engine_vm *vm, const struct kvm_msi *m)
{
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[IOAPIC_PINS];
	} table;
	uint32_t i;
	int rc = 0;

	pthread_mutex_lock(&vm->irq_lock);
	for (i = 0; i < vm->nlevel; i++)
		if (vm->level[i].address_lo == m->address_lo &&
		    vm->level[i].address_hi == m->address_hi && vm->level[i].data == m->data)
			goto out;
	if (vm->nlevel == IOAPIC_PINS) {
		/* Recycle the oldest route: its EOIs stop being reported. */
		memmove(&vm->level[0], &vm->level[1], (IOAPIC_PINS - 1) * sizeof(vm->level[0]));
		vm->nlevel--;
	}
	vm->level[vm->nlevel++] = *m;
	memset(&table, 0, sizeof(table));
	table.hdr.nr = vm->nlevel;
	for (i = 0; i < vm->nlevel; i++) {
		table.e[i].gsi = i;
		table.e[i].type = KVM_IRQ_ROUTING_MSI;
		table.e[i].u.msi.address_lo = vm->level[i].address_lo;
		table.e[i].u.msi.address_hi = vm->level[i].address_hi;
		table.e[i].u.msi.data = vm->level[i].data;
	}
	if (ioctl(vm->fd, KVM_SET_GSI_ROUTING, &table))
		rc = err_sys(-errno, "KVM_SET_GSI_ROUTING");
out:
	pthread_mutex_unlock(&vm->irq_lock);
	return rc;
}

int kvm_vm_request_interrupt(struct engine_vm *vm, const WHV_INTERRUPT_CONTROL *ctl)
{
	struct kvm_msi msi;
	uint32_t i;
	int rc;

	if (vm->cfg.lapic_mode == WHvX64LocalApicEmulationModeNone)
		return err_set(OE_OPERATION_DENIED, "WHvRequestInterrupt needs local APIC "
						    "emulation (LocalApicEmulationMode)");
	rc = msi_of(vm, ctl, &msi);
	if (rc)
		return rc;
	if (ctl->TriggerMode == WHvX64InterruptTriggerModeLevel && ctl->Type <= 1) {
		rc = level_route(vm, &msi);
		if (rc)
			return rc;
	}
	rc = ioctl(vm->fd, KVM_SIGNAL_MSI, &msi);
	if (rc < 0)
		return err_sys(-errno, "KVM_SIGNAL_MSI");
	/* Each APIC it reached owes one EOI of that vector (kvm_run.c counts them). */
	if (ctl->TriggerMode == WHvX64InterruptTriggerModeLevel && ctl->Type <= 1)
		atomic_fetch_add(&vm->level_owed[ctl->Vector & 0xFF], (unsigned)rc);
	/*
	 * INIT and SIPI change a vCPU's MP state, but on some KVMs (kvm_pvm:
	 * kvm-platform-facts §3) a vCPU thread already blocked in KVM_RUN is not
	 * woken by it. Kick the running VPs: the run loop treats the signal as
	 * spurious and re-enters, and the re-entry sees the new state. The
	 * caller holds the partition lock, which keeps those threads alive.
	 */
	if (ctl->Type == WHvX64InterruptTypeInit || ctl->Type == WHvX64InterruptTypeSipi) {
		for (i = 0; i < vm->cfg.processor_count; i++) {
			struct engine_vcpu *v = vm->vcpus[i];

			if (v && v->in_use && atomic_load(&v->in_run))
				pthread_kill(v->thread, KVM_KICK_SIGNAL);
		}
	}
	return 0;
}

/*
 * A new vCPU's local APIC joins KVM's APIC map (the table MSIs and IPIs are
 * routed by) only when the map is next recalculated, which creating the vCPU
 * does not do on every KVM: until then nothing can reach it (KVM_SIGNAL_MSI
 * delivers to no one, so INIT/SIPI to an AP are lost). Writing the APIC state
 * back (KVM_SET_LAPIC, api.rst) recalculates it, as VMMs do at reset.
 */
int kvm_vcpu_lapic_init(struct engine_vcpu *v)
{
	struct kvm_lapic_state st;
	int rc;

	if (v->vm->cfg.lapic_mode == WHvX64LocalApicEmulationModeNone)
		return 0;
	rc = kvm_vcpu_ioctl(v, KVM_GET_LAPIC, &st, "KVM_GET_LAPIC");
	if (!rc)
		rc = kvm_vcpu_ioctl(v, KVM_SET_LAPIC, &st, "KVM_SET_LAPIC");
	if (rc)
		return rc;
	/* Kept for WHvResetPartition, which puts the APIC back too. */
	v->init_lapic = malloc(sizeof(st));
	if (!v->init_lapic)
		return -ENOMEM;
	memcpy(v->init_lapic, &st, sizeof(st));
	return 0;
}

/*
 * APIC state in WHP's format is the xAPIC register page: each 32-bit register
 * at its MMIO offset (whp-reference §4.6; QEMU's and hyperlight's buffers use
 * that layout). KVM's struct kvm_lapic_state is the first 1 KiB of that page,
 * which holds every architectural register, so that is the size reported.
 */
#define LAPIC_STATE_SIZE ((uint32_t)sizeof(struct kvm_lapic_state))

static int lapic_check(struct engine_vcpu *v)
{
	if (v->vm->cfg.lapic_mode == WHvX64LocalApicEmulationModeNone)
		return err_set(OE_OPERATION_DENIED,
			       "APIC state needs local APIC emulation (LocalApicEmulationMode)");
	return 0;
}

int kvm_vcpu_get_lapic(struct engine_vcpu *v, void *buf, uint32_t size, uint32_t *written)
{
	struct kvm_lapic_state st;
	int rc = lapic_check(v);

	if (rc)
		return rc;
	if (written)
		*written = LAPIC_STATE_SIZE;
	if (size < LAPIC_STATE_SIZE || !buf)
		return err_set(OE_INSUFFICIENT_BUFFER, "APIC state needs %u bytes",
			       LAPIC_STATE_SIZE);
	rc = kvm_vcpu_ioctl(v, KVM_GET_LAPIC, &st, "KVM_GET_LAPIC");
	if (rc)
		return rc;
	memcpy(buf, st.regs, LAPIC_STATE_SIZE);
	return 0;
}

int kvm_vcpu_set_lapic(struct engine_vcpu *v, const void *buf, uint32_t size)
{
	struct kvm_lapic_state st;
	int rc = lapic_check(v);

	if (rc)
		return rc;
	if (!buf)
		return err_set(OE_POINTER, "State is NULL");
	if (size < LAPIC_STATE_SIZE)
		return err_set(OE_INSUFFICIENT_BUFFER, "APIC state needs %u bytes",
			       LAPIC_STATE_SIZE);
	memcpy(st.regs, buf, LAPIC_STATE_SIZE);
	return kvm_vcpu_ioctl(v, KVM_SET_LAPIC, &st, "KVM_SET_LAPIC");
}

/*
 * The Apic* register names (0x3000 + xAPIC offset / 16) read and write the
 * same page. One KVM_GET_LAPIC serves every APIC name of one call.
 */
bool kvm_reg_is_apic(WHV_REGISTER_NAME name)
{
	uint32_t n = (uint32_t)name;

	return n >= 0x3000 && n <= 0x303F;
}

int kvm_apic_regs(struct engine_vcpu *v, const WHV_REGISTER_NAME *names, uint32_t count,
		  WHV_REGISTER_VALUE *out, const WHV_REGISTER_VALUE *in)
{
	struct kvm_lapic_state st;
	uint32_t i;
	int rc = lapic_check(v);

	if (rc)
		return rc;
	rc = kvm_vcpu_ioctl(v, KVM_GET_LAPIC, &st, "KVM_GET_LAPIC");
	if (rc)
		return rc;
	for (i = 0; i < count; i++) {
		uint32_t off;

		if (!kvm_reg_is_apic(names[i]))
			continue;
		off = ((uint32_t)names[i] - 0x3000) * 16;
		if (out) {
			uint32_t val;

			memcpy(&val, st.regs + off, 4);
			memset(&out[i], 0, sizeof(out[i]));
			out[i].Reg64 = val;
			/* ICR is 64 bits: ICR_HI (0x310) holds the destination. */
			if (off == 0x300) {
				memcpy(&val, st.regs + 0x310, 4);
				out[i].Reg64 |= (uint64_t)val << 32;
			}
		} else {
			uint32_t lo = (uint32_t)in[i].Reg64, hi = (uint32_t)(in[i].Reg64 >> 32);

			memcpy(st.regs + off, &lo, 4);
			if (off == 0x300)
				memcpy(st.regs + 0x310, &hi, 4);
		}
	}
	if (in)
		rc = kvm_vcpu_ioctl(v, KVM_SET_LAPIC, &st, "KVM_SET_LAPIC");
	return rc;
}
