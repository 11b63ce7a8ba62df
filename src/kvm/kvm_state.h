/* kvm_state.h: hooks of kvm_state.c that the VM lifecycle and the run loop call. */
#ifndef OPENWHP_KVM_STATE_H
#define OPENWHP_KVM_STATE_H

#include "kvm.h"

/*
 * kvm_vm_time_thaw: resume partition time if WHvSuspendPartitionTime froze it
 * (WHP: the first WHvRunVirtualProcessor after a suspend resumes time).
 * Called by the run loop of (self) before it enters the guest; costs one
 * atomic load while no partition is suspended. Sets the TSC of every vCPU of
 * (vm), none of which may be inside KVM_RUN (a suspended partition has no
 * running VP); invalidates the MSR cache of (self) only, or of every vCPU
 * when (self) is NULL (the caller then holds every VP's lock: this is
 * kvm_vm_resume_time). Returns 0 or a negative status.
 */
int kvm_vm_time_thaw(struct engine_vm *vm, struct engine_vcpu *self);

/* kvm_vm_time_forget: drop (vm)'s suspended time; kvm_vm_destroy calls it. */
void kvm_vm_time_forget(struct engine_vm *vm);

#endif
