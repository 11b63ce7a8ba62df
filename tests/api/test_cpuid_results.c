/* test_cpuid_results.c: CpuidResultList and CpuidResultList2 shape what the guest's CPUID returns. */
#include "whp_test.h"

WHPT_PAYLOAD(guest_cpuid16);

static void cpuid_vm(struct whpt_vm *vm, const void *l1, UINT32 s1, const void *l2, UINT32 s2)
{
	UINT32 one = 1;

	memset(vm, 0, sizeof(*vm));
	WHPT_ASSERT_OK(WHvCreatePartition(&vm->part));
	WHPT_ASSERT_OK(WHvSetPartitionProperty(vm->part, WHvPartitionPropertyCodeProcessorCount,
					       &one, sizeof(one)));
	if (l1)
		WHPT_ASSERT_OK(WHvSetPartitionProperty(vm->part,
						       WHvPartitionPropertyCodeCpuidResultList, l1,
						       s1));
	if (l2)
		WHPT_ASSERT_OK(WHvSetPartitionProperty(vm->part,
						       WHvPartitionPropertyCodeCpuidResultList2, l2,
						       s2));
	WHPT_ASSERT_OK(WHvSetupPartition(vm->part));
	vm->ram_size = WHPT_RAM_SIZE;
	vm->ram = whpt_alloc(vm->ram_size);
	WHPT_ASSERT_OK(WHvMapGpaRange(vm->part, vm->ram, 0, vm->ram_size, WHPT_MAP_RWX));
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm->part, 0, 0));
	whpt_vm_load(vm, guest_cpuid16, guest_cpuid16_size);
	whpt_vm_set_mode(vm, WHPT_REAL, vm->entry);
}

static uint32_t report(struct whpt_vm *vm)
{
	cr_assert_eq(whpt_run(vm), WHvRunVpExitReasonX64IoPortAccess, "got %s", whpt_describe(vm));
	whpt_advance(vm);
	return (uint32_t)vm->exit.IoPortAccess.Rax;
}

Test(cpuid_results, result_lists_are_what_the_guest_and_cpuid_output_see)
{
	struct whpt_vm vm;
	WHV_X64_CPUID_RESULT r1;
	WHV_X64_CPUID_RESULT2 r2;
	WHV_CPUID_OUTPUT out, before;
	struct whpt_vm plain;

	/* Leaf 1 ECX as the host gives it, to flip one bit relative to it. */
	cpuid_vm(&plain, NULL, 0, NULL, 0);
	WHPT_ASSERT_OK(WHvGetVirtualProcessorCpuidOutput(plain.part, 0, 1, 0, &before));
	whpt_vm_destroy(&plain);

	memset(&r1, 0, sizeof(r1));
	r1.Function = 0x40000000;
	r1.Eax = 0x40000001;
	r1.Ebx = 0x77686f70; /* "powh" */
	memset(&r2, 0, sizeof(r2));
	r2.Function = 1;
	r2.Flags = WHvX64CpuidResult2FlagSubleafSpecific;
	r2.Output.Ecx = ~before.Ecx & (1u << 31); /* the hypervisor-present bit, flipped */
	r2.Mask.Ecx = 1u << 31;
	cpuid_vm(&vm, &r1, sizeof(r1), &r2, sizeof(r2));

	WHPT_ASSERT_OK(WHvGetVirtualProcessorCpuidOutput(vm.part, 0, 0x40000000, 0, &out));
	cr_assert_eq(out.Eax, 0x40000001);
	cr_assert_eq(out.Ebx, 0x77686f70);
	WHPT_ASSERT_OK(WHvGetVirtualProcessorCpuidOutput(vm.part, 0, 1, 0, &out));
	cr_assert_eq(out.Ecx, before.Ecx ^ (1u << 31), "only the masked bit changes");

	cr_assert_eq(report(&vm), 0x40000001);
	cr_assert_eq(report(&vm), 0x77686f70);
	cr_assert_eq(report(&vm), before.Ecx ^ (1u << 31));
	whpt_vm_destroy(&vm);
}

Test(cpuid_results, list_rules)
{
	WHV_PARTITION_HANDLE p;
	WHV_X64_CPUID_RESULT2 r2[2];
	UINT32 one = 1;
	UINT8 buf[64];
	UINT32 written;

	WHPT_ASSERT_OK(WHvCreatePartition(&p));
	memset(r2, 0, sizeof(r2));
	WHPT_ASSERT_HR(WHvSetPartitionProperty(p, WHvPartitionPropertyCodeCpuidResultList2, r2,
					       sizeof(r2[0]) + 4),
		       E_INVALIDARG);
	r2[0].Flags = (WHV_X64_CPUID_RESULT2_FLAGS)8;
	WHPT_ASSERT_HR(WHvSetPartitionProperty(p, WHvPartitionPropertyCodeCpuidResultList2, r2,
					       sizeof(r2[0])),
		       E_INVALIDARG);
	/* Reading a result list back is not supported (WHvGetPartitionProperty docs). */
	WHPT_ASSERT_HR(WHvGetPartitionProperty(p, WHvPartitionPropertyCodeCpuidResultList, buf,
					       sizeof(buf), &written),
		       WHV_E_UNKNOWN_PROPERTY);
	WHPT_ASSERT_OK(WHvSetPartitionProperty(p, WHvPartitionPropertyCodeProcessorCount, &one,
					       sizeof(one)));
	WHPT_ASSERT_OK(WHvSetupPartition(p));
	memset(r2, 0, sizeof(r2));
	WHPT_ASSERT_HR(WHvSetPartitionProperty(p, WHvPartitionPropertyCodeCpuidResultList2, r2,
					       sizeof(r2[0])),
		       E_INVALIDARG);
	WHPT_ASSERT_OK(WHvDeletePartition(p));
}
