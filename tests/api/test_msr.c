/* test_msr.c: MSR exits (ExtendedVmExits.X64MsrExit, X64MsrExitBitmap) completed the Windows way. */
#include "whp_test.h"

WHPT_PAYLOAD(guest_msr64);

#define MSR_GP 0x6060

static void msr_vm(struct whpt_vm *vm, int exits, uint64_t bitmap)
{
	UINT32 one = 1;
	WHV_PARTITION_PROPERTY prop;

	memset(vm, 0, sizeof(*vm));
	WHPT_ASSERT_OK(WHvCreatePartition(&vm->part));
	WHPT_ASSERT_OK(WHvSetPartitionProperty(vm->part, WHvPartitionPropertyCodeProcessorCount,
					       &one, sizeof(one)));
	memset(&prop, 0, sizeof(prop));
	prop.ExtendedVmExits.X64MsrExit = exits;
	WHPT_ASSERT_OK(WHvSetPartitionProperty(vm->part, WHvPartitionPropertyCodeExtendedVmExits,
					       &prop, sizeof(prop)));
	memset(&prop, 0, sizeof(prop));
	prop.X64MsrExitBitmap.AsUINT64 = bitmap;
	WHPT_ASSERT_OK(WHvSetPartitionProperty(vm->part, WHvPartitionPropertyCodeX64MsrExitBitmap,
					       &prop, sizeof(prop)));
	WHPT_ASSERT_OK(WHvSetupPartition(vm->part));
	vm->ram_size = WHPT_RAM_SIZE;
	vm->ram = whpt_alloc(vm->ram_size);
	WHPT_ASSERT_OK(WHvMapGpaRange(vm->part, vm->ram, 0, vm->ram_size, WHPT_MAP_RWX));
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm->part, 0, 0));
	whpt_vm_load(vm, guest_msr64, guest_msr64_size);
	whpt_vm_set_mode(vm, WHPT_LONG64, vm->entry);
}

static const WHV_X64_MSR_ACCESS_CONTEXT *expect_msr(struct whpt_vm *vm, unsigned id, UINT32 msr,
						    int write)
{
	struct whpt_rec r = whpt_rec(vm, id);

	cr_assert_eq(whpt_run(vm), WHvRunVpExitReasonX64MsrAccess, "got %s", whpt_describe(vm));
	cr_assert_eq(vm->exit.MsrAccess.MsrNumber, msr);
	cr_assert_eq(vm->exit.MsrAccess.AccessInfo.IsWrite, (UINT32)write);
	cr_assert_eq(vm->exit.VpContext.Rip, r.addr, "RIP at the instruction");
	cr_assert_eq(vm->exit.VpContext.InstructionLength, 2);
	return &vm->exit.MsrAccess;
}

static uint64_t report(struct whpt_vm *vm)
{
	cr_assert_eq(whpt_run(vm), WHvRunVpExitReasonX64IoPortAccess, "got %s", whpt_describe(vm));
	whpt_advance(vm);
	return vm->exit.IoPortAccess.Rax & 0xFFFFFFFF;
}

/* The caller completes a read: EDX:EAX, RIP += 2 (QEMU's WHPX does exactly this). */
static void complete_read(struct whpt_vm *vm, uint64_t value)
{
	WHV_REGISTER_NAME n[3] = { WHvX64RegisterRax, WHvX64RegisterRdx, WHvX64RegisterRip };
	WHV_REGISTER_VALUE v[3];

	memset(v, 0, sizeof(v));
	v[0].Reg64 = (uint32_t)value;
	v[1].Reg64 = value >> 32;
	v[2].Reg64 = vm->exit.VpContext.Rip + vm->exit.VpContext.InstructionLength;
	WHPT_ASSERT_OK(WHvSetVirtualProcessorRegisters(vm->part, 0, n, 3, v));
}

Test(msr, capability_offers_msr_exits_and_no_cpuid_or_rdtsc_exits)
{
	WHV_CAPABILITY cap;

	WHPT_ASSERT_OK(WHvGetCapability(WHvCapabilityCodeExtendedVmExits, &cap, sizeof(cap), NULL));
	cr_assert(cap.ExtendedVmExits.X64MsrExit);
	cr_assert_not(cap.ExtendedVmExits.X64CpuidExit, "KVM cannot exit on CPUID");
	cr_assert_not(cap.ExtendedVmExits.X64RdtscExit, "KVM cannot exit on RDTSC");
	cr_assert_not(cap.ExtendedVmExits.HypercallExit, "no hypercall interception here");
}

Test(msr, unknown_msr_read_and_write_exit_and_complete_as_the_caller_says)
{
	struct whpt_vm vm;
	const WHV_X64_MSR_ACCESS_CONTEXT *m;

	msr_vm(&vm, 1, 1);
	expect_msr(&vm, MSR_RD_UNKNOWN, 0xDEAD0000, 0);
	complete_read(&vm, 0x0000567800001234ull);
	cr_assert_eq(report(&vm), 0x1234);
	cr_assert_eq(report(&vm), 0x5678);
	m = expect_msr(&vm, MSR_WR_UNKNOWN, 0xDEAD0001, 1);
	cr_assert_eq(m->Rax & 0xFFFFFFFF, 0xBBBB);
	cr_assert_eq(m->Rdx & 0xFFFFFFFF, 0xAAAA);
	whpt_advance(&vm);
	/* TSC reads are handled by KVM unless the bitmap asks for them. */
	cr_assert_neq(report(&vm), MSR_GP);
	cr_assert_eq(whpt_run(&vm), WHvRunVpExitReasonX64Halt);
	whpt_vm_destroy(&vm);
}

Test(msr, caller_not_advancing_rip_sees_the_instruction_again)
{
	struct whpt_vm vm;

	msr_vm(&vm, 1, 1);
	expect_msr(&vm, MSR_RD_UNKNOWN, 0xDEAD0000, 0);
	expect_msr(&vm, MSR_RD_UNKNOWN, 0xDEAD0000, 0);
	complete_read(&vm, 7);
	cr_assert_eq(report(&vm), 7);
	whpt_vm_destroy(&vm);
}

Test(msr, caller_can_answer_with_a_gp_through_pending_event)
{
	struct whpt_vm vm;
	WHV_REGISTER_VALUE v;

	msr_vm(&vm, 1, 1);
	expect_msr(&vm, MSR_RD_UNKNOWN, 0xDEAD0000, 0);
	memset(&v, 0, sizeof(v));
	v.ExceptionEvent.EventPending = 1;
	v.ExceptionEvent.EventType = WHvX64PendingEventException;
	v.ExceptionEvent.DeliverErrorCode = 1;
	v.ExceptionEvent.Vector = 13;
	whpt_set(&vm, WHvRegisterPendingEvent, v);
	cr_assert_eq(report(&vm), MSR_GP);
	whpt_vm_destroy(&vm);
}

Test(msr, tsc_read_exits_when_the_bitmap_asks_and_not_otherwise)
{
	struct whpt_vm vm;

	msr_vm(&vm, 1, 1 | (1 << 2));
	expect_msr(&vm, MSR_RD_UNKNOWN, 0xDEAD0000, 0);
	complete_read(&vm, 1);
	report(&vm);
	report(&vm);
	expect_msr(&vm, MSR_WR_UNKNOWN, 0xDEAD0001, 1);
	whpt_advance(&vm);
	expect_msr(&vm, MSR_RD_TSC, 0x10, 0);
	complete_read(&vm, 0x99);
	cr_assert_eq(report(&vm), 0x99);
	whpt_vm_destroy(&vm);
}

Test(msr, without_msr_exits_an_unknown_msr_raises_gp_in_the_guest)
{
	struct whpt_vm vm;

	msr_vm(&vm, 0, 0);
	cr_assert_eq(report(&vm), MSR_GP);
	whpt_vm_destroy(&vm);
}
