/* kvm_irq.c: local APIC emulation on KVM's split irqchip, WHvRequestInterrupt, APIC state. */
#include <string.h>
#include <sys/ioctl.h>

#include "internal.h"
#include "kvm.h"

int kvm_vm_irq_setup(struct engine_vm *vm)
{
	(void)vm;
	return 0;
}

int kvm_vm_request_interrupt(struct engine_vm *vm, const WHV_INTERRUPT_CONTROL *ctl)
{
	(void)vm; (void)ctl;
	return err_set(OE_NOT_IMPLEMENTED, "interrupts are not implemented yet");
}

int kvm_vcpu_get_lapic(struct engine_vcpu *v, void *buf, uint32_t size, uint32_t *written)
{
	(void)v; (void)buf; (void)size; (void)written;
	return err_set(OE_NOT_IMPLEMENTED, "APIC state is not implemented yet");
}

int kvm_vcpu_set_lapic(struct engine_vcpu *v, const void *buf, uint32_t size)
{
	(void)v; (void)buf; (void)size;
	return err_set(OE_NOT_IMPLEMENTED, "APIC state is not implemented yet");
}
