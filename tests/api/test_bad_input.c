/* test_bad_input.c: misuse of the API fails with an HRESULT, never crashes, and harms nothing. */
#include "whp_test.h"

TestSuite(bad_input, .timeout = 30);

/* the partition still works: the hello guest runs to its halt */
static void assert_still_usable(struct whpt_vm *vm)
{
	whpt_vm_set_mode(vm, WHPT_PROT32, vm->entry);
	vm->serial_len = 0;
	vm->nreports = 0;
	whpt_run_to_halt(vm);
	cr_assert_eq(vm->nreports, 1);
	WHPT_ASSERT_EQ64(vm->reports[0], B_HELLO_VALUE, "hello report");
}

Test(bad_input, create_partition_with_null_out_pointer_fails)
{
	WHPT_ASSERT_FAILS(WHvCreatePartition(NULL));
}

Test(bad_input, run_with_null_or_short_exit_context_fails_and_vp_stays_usable)
{
	struct whpt_vm vm;
	WHV_RUN_VP_EXIT_CONTEXT exit;

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	WHPT_ASSERT_FAILS(WHvRunVirtualProcessor(vm.part, 0, NULL, sizeof(exit)));
	WHPT_ASSERT_FAILS(WHvRunVirtualProcessor(vm.part, 0, &exit, 0));
	WHPT_ASSERT_FAILS(WHvRunVirtualProcessor(vm.part, 0, &exit, 16));
	WHPT_ASSERT_FAILS(WHvRunVirtualProcessor(vm.part, 0, &exit, sizeof(exit) - 1));
	/* none of these ran the guest: the first exit is still the first serial byte */
	whpt_run_expect(&vm, WHvRunVpExitReasonX64IoPortAccess);
	WHPT_ASSERT_EQ64(vm.exit.IoPortAccess.PortNumber, WHPT_PORT_SERIAL, "first exit's port");
	WHPT_ASSERT_EQ64(vm.exit.IoPortAccess.Rax & 0xFF, 'h', "first serial byte");
	assert_still_usable(&vm);
	whpt_vm_destroy(&vm);
}

Test(bad_input, out_of_range_vp_index_fails_everywhere)
{
	struct whpt_vm vm;
	WHV_RUN_VP_EXIT_CONTEXT exit;
	WHV_REGISTER_NAME name = WHvX64RegisterRax;
	WHV_REGISTER_VALUE v;
	UINT32 bad[] = { 1, 2, 1000, 0xFFFFFFFFu };
	size_t i;

	memset(&v, 0, sizeof(v));
	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		WHPT_ASSERT_FAILS(WHvRunVirtualProcessor(vm.part, bad[i], &exit, sizeof(exit)));
		WHPT_ASSERT_FAILS(WHvGetVirtualProcessorRegisters(vm.part, bad[i], &name, 1, &v));
		WHPT_ASSERT_FAILS(WHvSetVirtualProcessorRegisters(vm.part, bad[i], &name, 1, &v));
		WHPT_ASSERT_FAILS(WHvCancelRunVirtualProcessor(vm.part, bad[i], 0));
		WHPT_ASSERT_FAILS(WHvDeleteVirtualProcessor(vm.part, bad[i]));
	}
	assert_still_usable(&vm);
	whpt_vm_destroy(&vm);
}

Test(bad_input, nonzero_flags_on_create_vp_and_cancel_fail)
{
	struct whpt_vm vm;

	whpt_vm_init(&vm, WHPT_RAM_SIZE);
	WHPT_ASSERT_FAILS(WHvCreateVirtualProcessor(vm.part, 0, 1));
	WHPT_ASSERT_FAILS(WHvCreateVirtualProcessor(vm.part, 0, 0x80000000u));
	/* the failed create left no VP behind */
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, 0, 0));
	WHPT_ASSERT_FAILS(WHvCancelRunVirtualProcessor(vm.part, 0, 1));
	whpt_vm_load(&vm, guest_basic32, guest_basic32_size);
	/* and the failed cancel left no cancel pending */
	assert_still_usable(&vm);
	whpt_vm_destroy(&vm);
}

Test(bad_input, calls_before_setup_fail_and_setup_still_works)
{
	WHV_PARTITION_HANDLE part = NULL;
	WHV_RUN_VP_EXIT_CONTEXT exit;
	WHV_REGISTER_NAME name = WHvX64RegisterRax;
	WHV_REGISTER_VALUE v;
	uint8_t *mem = whpt_alloc(0x1000);
	UINT32 n = 1;

	memset(&v, 0, sizeof(v));
	WHPT_ASSERT_OK(WHvCreatePartition(&part));
	WHPT_ASSERT_FAILS(WHvCreateVirtualProcessor(part, 0, 0));
	WHPT_ASSERT_FAILS(WHvMapGpaRange(part, mem, 0, 0x1000, WHPT_MAP_RWX));
	WHPT_ASSERT_FAILS(WHvRunVirtualProcessor(part, 0, &exit, sizeof(exit)));
	WHPT_ASSERT_FAILS(WHvGetVirtualProcessorRegisters(part, 0, &name, 1, &v));
	WHPT_ASSERT_FAILS(WHvCancelRunVirtualProcessor(part, 0, 0));
	WHPT_ASSERT_FAILS(WHvResetPartition(part));
	WHPT_ASSERT_OK(WHvSetPartitionProperty(part, WHvPartitionPropertyCodeProcessorCount, &n,
					       sizeof(n)));
	WHPT_ASSERT_OK(WHvSetupPartition(part));
	WHPT_ASSERT_OK(WHvMapGpaRange(part, mem, 0, 0x1000, WHPT_MAP_RWX));
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(part, 0, 0));
	WHPT_ASSERT_OK(WHvDeletePartition(part));
	munmap(mem, 0x1000);
}

Test(bad_input, null_register_arrays_fail)
{
	struct whpt_vm vm;
	WHV_REGISTER_NAME name = WHvX64RegisterRax;
	WHV_REGISTER_VALUE v;

	memset(&v, 0, sizeof(v));
	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	WHPT_ASSERT_FAILS(WHvGetVirtualProcessorRegisters(vm.part, 0, NULL, 1, &v));
	WHPT_ASSERT_FAILS(WHvGetVirtualProcessorRegisters(vm.part, 0, &name, 1, NULL));
	WHPT_ASSERT_FAILS(WHvSetVirtualProcessorRegisters(vm.part, 0, NULL, 1, &v));
	WHPT_ASSERT_FAILS(WHvSetVirtualProcessorRegisters(vm.part, 0, &name, 1, NULL));
	assert_still_usable(&vm);
	whpt_vm_destroy(&vm);
}

Test(bad_input, null_or_bad_property_and_map_arguments_fail)
{
	struct whpt_vm vm;
	WHV_ACCESS_GPA_CONTROLS ctl;
	uint8_t *mem = whpt_alloc(0x1000);

	memset(&ctl, 0, sizeof(ctl));
	ctl.CacheType = WHvCacheTypeWriteBack;
	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	WHPT_ASSERT_FAILS(WHvSetPartitionProperty(vm.part, WHvPartitionPropertyCodeExtendedVmExits,
						  NULL, sizeof(UINT64)));
	WHPT_ASSERT_FAILS(WHvGetPartitionProperty(vm.part, WHvPartitionPropertyCodeProcessorCount,
						  NULL, sizeof(UINT32), NULL));
	WHPT_ASSERT_FAILS(WHvMapGpaRange(vm.part, NULL, 0x100000, 0x1000, WHPT_MAP_RWX));
	WHPT_ASSERT_HR(WHvMapGpaRange(vm.part, mem, 0x100000, 0x1000,
				      (WHV_MAP_GPA_RANGE_FLAGS)0x100),
		       E_INVALIDARG);
	/* past any physical address width */
	WHPT_ASSERT_FAILS(WHvMapGpaRange(vm.part, mem, 1ull << 60, 0x1000, WHPT_MAP_RWX));
	/* a range that wraps around */
	WHPT_ASSERT_FAILS(
		WHvMapGpaRange(vm.part, mem, 0xFFFFFFFFFFFFF000ull, 0x2000, WHPT_MAP_RWX));
	WHPT_ASSERT_FAILS(WHvReadGpaRange(vm.part, 0, WHPT_DATA_GPA, ctl, NULL, 4));
	WHPT_ASSERT_FAILS(WHvWriteGpaRange(vm.part, 0, WHPT_DATA_GPA, ctl, NULL, 4));
	WHPT_ASSERT_FAILS(WHvCreateVirtualProcessor2(vm.part, 0, NULL, 1));
	/* the failed maps left the real RAM alone */
	assert_still_usable(&vm);
	whpt_vm_destroy(&vm);
	munmap(mem, 0x1000);
}
