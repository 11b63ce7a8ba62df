/* kvm_state.c: VP state beyond registers on KVM: XSAVE (compacted), CPUID output, counters, GVA translation, time. */
#include "internal.h"
#include "kvm.h"

int kvm_vcpu_get_xsave(struct engine_vcpu *v, void *buf, uint32_t size, uint32_t *written)
{
	(void)v; (void)buf; (void)size; (void)written;
	return err_set(OE_NOT_IMPLEMENTED, "XSAVE state is not implemented yet");
}

int kvm_vcpu_set_xsave(struct engine_vcpu *v, const void *buf, uint32_t size)
{
	(void)v; (void)buf; (void)size;
	return err_set(OE_NOT_IMPLEMENTED, "XSAVE state is not implemented yet");
}

int kvm_vcpu_get_cpuid(struct engine_vcpu *v, uint32_t eax, uint32_t ecx, WHV_CPUID_OUTPUT *out)
{
	(void)v; (void)eax; (void)ecx; (void)out;
	return err_set(OE_NOT_IMPLEMENTED, "CPUID output is not implemented yet");
}

int kvm_vcpu_get_counters(struct engine_vcpu *v, WHV_PROCESSOR_COUNTER_SET set, void *buf,
			  uint32_t size, uint32_t *written)
{
	(void)v; (void)set; (void)buf; (void)size; (void)written;
	return err_set(OE_NOT_IMPLEMENTED, "VP counters are not implemented yet");
}

int kvm_vcpu_translate_gva(struct engine_vcpu *v, uint64_t gva, uint32_t flags,
			   WHV_TRANSLATE_GVA_RESULT *result, uint64_t *gpa)
{
	(void)v; (void)gva; (void)flags; (void)result; (void)gpa;
	return err_set(OE_NOT_IMPLEMENTED, "GVA translation is not implemented yet");
}

int kvm_vm_suspend_time(struct engine_vm *vm)
{
	(void)vm;
	return err_set(OE_NOT_IMPLEMENTED, "partition time is not implemented yet");
}

int kvm_vm_resume_time(struct engine_vm *vm)
{
	(void)vm;
	return err_set(OE_NOT_IMPLEMENTED, "partition time is not implemented yet");
}

int kvm_vm_dirty_log(struct engine_vm *vm, uint32_t id, uint64_t *bitmap)
{
	(void)vm; (void)id; (void)bitmap;
	return err_set(OE_NOT_IMPLEMENTED, "dirty-page tracking is not implemented yet");
}
