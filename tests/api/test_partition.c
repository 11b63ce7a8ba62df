/* test_partition.c: partition lifecycle, properties, bad handles and WHvResetPartition. */
#include "whp_test.h"

TestSuite(partition, .timeout = 30);

Test(partition, create_setup_delete_succeeds)
{
	WHV_PARTITION_HANDLE part = NULL;

	whpt_partition(&part, 1);
	cr_assert_not_null(part);
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(partition, created_but_never_set_up_partition_can_be_deleted)
{
	WHV_PARTITION_HANDLE part = NULL;

	WHPT_ASSERT_OK(WHvCreatePartition(&part));
	cr_assert_not_null(part);
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(partition, setup_without_processor_count_fails_invalid_partition_config)
{
	WHV_PARTITION_HANDLE part = NULL;
	UINT32 n = 1;

	WHPT_ASSERT_OK(WHvCreatePartition(&part));
	WHPT_ASSERT_HR(WHvSetupPartition(part), WHV_E_INVALID_PARTITION_CONFIG);
	/* the partition stays configurable: set the count and set up after all */
	WHPT_ASSERT_OK(WHvSetPartitionProperty(part, WHvPartitionPropertyCodeProcessorCount, &n,
					       sizeof(n)));
	WHPT_ASSERT_OK(WHvSetupPartition(part));
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(partition, setup_twice_fails)
{
	WHV_PARTITION_HANDLE part = NULL;

	whpt_partition(&part, 1);
	WHPT_ASSERT_FAILS(WHvSetupPartition(part));
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(partition, processor_count_round_trips_with_exact_member_size)
{
	WHV_PARTITION_HANDLE part = NULL;
	UINT32 n = 4, got = 0, written = 0;

	WHPT_ASSERT_OK(WHvCreatePartition(&part));
	WHPT_ASSERT_OK(WHvSetPartitionProperty(part, WHvPartitionPropertyCodeProcessorCount, &n,
					       sizeof(UINT32)));
	WHPT_ASSERT_OK(WHvGetPartitionProperty(part, WHvPartitionPropertyCodeProcessorCount, &got,
					       sizeof(UINT32), &written));
	cr_assert_eq(got, 4);
	cr_assert_eq(written, sizeof(UINT32), "WrittenSizeInBytes = %u", written);
	WHPT_ASSERT_OK(WHvSetupPartition(part));
	got = 0;
	WHPT_ASSERT_OK(WHvGetPartitionProperty(part, WHvPartitionPropertyCodeProcessorCount, &got,
					       sizeof(UINT32), NULL));
	cr_assert_eq(got, 4, "ProcessorCount after setup = %u", got);
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(partition, processor_count_round_trips_with_whole_property_union)
{
	WHV_PARTITION_HANDLE part = NULL;
	WHV_PARTITION_PROPERTY prop;
	UINT32 written = 0;

	WHPT_ASSERT_OK(WHvCreatePartition(&part));
	memset(&prop, 0, sizeof(prop));
	prop.ProcessorCount = 3;
	WHPT_ASSERT_OK(WHvSetPartitionProperty(part, WHvPartitionPropertyCodeProcessorCount, &prop,
					       sizeof(prop)));
	memset(&prop, 0, sizeof(prop));
	WHPT_ASSERT_OK(WHvGetPartitionProperty(part, WHvPartitionPropertyCodeProcessorCount, &prop,
					       sizeof(prop), &written));
	cr_assert_eq(prop.ProcessorCount, 3);
	cr_assert_eq(written, sizeof(UINT32), "WrittenSizeInBytes = %u", written);
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(partition, short_property_buffer_returns_insufficient_buffer)
{
	WHV_PARTITION_HANDLE part = NULL;
	UINT32 n = 1, written = 0;
	UINT16 small = 1;

	WHPT_ASSERT_OK(WHvCreatePartition(&part));
	WHPT_ASSERT_HR(WHvSetPartitionProperty(part, WHvPartitionPropertyCodeProcessorCount, &small,
					       sizeof(small)),
		       WHV_E_INSUFFICIENT_BUFFER);
	WHPT_ASSERT_OK(WHvSetPartitionProperty(part, WHvPartitionPropertyCodeProcessorCount, &n,
					       sizeof(n)));
	WHPT_ASSERT_HR(WHvGetPartitionProperty(part, WHvPartitionPropertyCodeProcessorCount, &small,
					       sizeof(small), &written),
		       WHV_E_INSUFFICIENT_BUFFER);
	cr_assert_eq(written, sizeof(UINT32), "required size reported as %u", written);
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(partition, unknown_property_returns_unknown_property)
{
	WHV_PARTITION_HANDLE part = NULL;
	WHV_PARTITION_PROPERTY prop;

	memset(&prop, 0, sizeof(prop));
	WHPT_ASSERT_OK(WHvCreatePartition(&part));
	WHPT_ASSERT_HR(WHvSetPartitionProperty(part, (WHV_PARTITION_PROPERTY_CODE)0x7777, &prop,
					       sizeof(prop)),
		       WHV_E_UNKNOWN_PROPERTY);
	WHPT_ASSERT_HR(WHvGetPartitionProperty(part, (WHV_PARTITION_PROPERTY_CODE)0x7777, &prop,
					       sizeof(prop), NULL),
		       WHV_E_UNKNOWN_PROPERTY);
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(partition, processor_count_cannot_change_after_setup)
{
	WHV_PARTITION_HANDLE part = NULL;
	UINT32 n = 2, got = 0;

	whpt_partition(&part, 1);
	WHPT_ASSERT_FAILS(WHvSetPartitionProperty(part, WHvPartitionPropertyCodeProcessorCount, &n,
						  sizeof(n)));
	WHPT_ASSERT_OK(WHvGetPartitionProperty(part, WHvPartitionPropertyCodeProcessorCount, &got,
					       sizeof(got), NULL));
	cr_assert_eq(got, 1);
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(partition, processor_feature_properties_cannot_be_set_after_setup)
{
	WHV_PARTITION_HANDLE part = NULL;
	WHV_PARTITION_PROPERTY prop;
	UINT32 written = 0;

	whpt_partition(&part, 1);
	/* reading them is fine; writing back even the same value is not */
	memset(&prop, 0, sizeof(prop));
	WHPT_ASSERT_OK(WHvGetPartitionProperty(part, WHvPartitionPropertyCodeProcessorFeatures,
					       &prop, sizeof(prop), &written));
	WHPT_ASSERT_FAILS(WHvSetPartitionProperty(part, WHvPartitionPropertyCodeProcessorFeatures,
						  &prop, sizeof(prop)));
	memset(&prop, 0, sizeof(prop));
	prop.LocalApicEmulationMode = WHvX64LocalApicEmulationModeNone;
	WHPT_ASSERT_FAILS(WHvSetPartitionProperty(part,
						  WHvPartitionPropertyCodeLocalApicEmulationMode,
						  &prop, sizeof(prop)));
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(partition, extended_vm_exits_stay_settable_after_setup)
{
	WHV_PARTITION_HANDLE part = NULL;
	WHV_PARTITION_PROPERTY prop;

	whpt_partition(&part, 1);
	memset(&prop, 0, sizeof(prop));
	WHPT_ASSERT_OK(WHvSetPartitionProperty(part, WHvPartitionPropertyCodeExtendedVmExits, &prop,
					       sizeof(prop.ExtendedVmExits)));
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(partition, delete_with_virtual_processors_present_succeeds)
{
	WHV_PARTITION_HANDLE part = NULL;

	whpt_partition(&part, 2);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(part, 0, 0));
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(part, 1, 0));
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(partition, delete_with_memory_mapped_and_vp_that_ran_succeeds)
{
	struct whpt_vm vm;

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	whpt_run_to_halt(&vm);
	whpt_vm_destroy(&vm);
}

Test(partition, null_handle_fails_without_crash)
{
	UINT32 n = 1;
	WHV_REGISTER_NAME name = WHvX64RegisterRax;
	WHV_REGISTER_VALUE v;
	WHV_RUN_VP_EXIT_CONTEXT exit;

	memset(&v, 0, sizeof(v));
	WHPT_ASSERT_FAILS(WHvSetupPartition(NULL));
	WHPT_ASSERT_FAILS(WHvDeletePartition(NULL));
	WHPT_ASSERT_FAILS(WHvResetPartition(NULL));
	WHPT_ASSERT_FAILS(WHvSetPartitionProperty(NULL, WHvPartitionPropertyCodeProcessorCount, &n,
						  sizeof(n)));
	WHPT_ASSERT_FAILS(WHvGetPartitionProperty(NULL, WHvPartitionPropertyCodeProcessorCount, &n,
						  sizeof(n), NULL));
	WHPT_ASSERT_FAILS(WHvCreateVirtualProcessor(NULL, 0, 0));
	WHPT_ASSERT_FAILS(WHvDeleteVirtualProcessor(NULL, 0));
	WHPT_ASSERT_FAILS(WHvRunVirtualProcessor(NULL, 0, &exit, sizeof(exit)));
	WHPT_ASSERT_FAILS(WHvCancelRunVirtualProcessor(NULL, 0, 0));
	WHPT_ASSERT_FAILS(WHvGetVirtualProcessorRegisters(NULL, 0, &name, 1, &v));
	WHPT_ASSERT_FAILS(WHvSetVirtualProcessorRegisters(NULL, 0, &name, 1, &v));
	WHPT_ASSERT_FAILS(WHvMapGpaRange(NULL, &v, 0, 0x1000, WHvMapGpaRangeFlagRead));
	WHPT_ASSERT_FAILS(WHvUnmapGpaRange(NULL, 0, 0x1000));
}

Test(partition, stale_handle_after_delete_fails_without_crash)
{
	WHV_PARTITION_HANDLE part = NULL;
	UINT32 n = 1;
	WHV_REGISTER_NAME name = WHvX64RegisterRax;
	WHV_REGISTER_VALUE v;
	WHV_RUN_VP_EXIT_CONTEXT exit;
	void *page = whpt_alloc(0x1000);

	whpt_partition(&part, 1);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(part, 0, 0));
	WHPT_ASSERT_OK(WHvDeletePartition(part));

	memset(&v, 0, sizeof(v));
	WHPT_ASSERT_FAILS(WHvSetupPartition(part));
	WHPT_ASSERT_FAILS(WHvGetPartitionProperty(part, WHvPartitionPropertyCodeProcessorCount, &n,
						  sizeof(n), NULL));
	WHPT_ASSERT_FAILS(WHvCreateVirtualProcessor(part, 0, 0));
	WHPT_ASSERT_FAILS(WHvRunVirtualProcessor(part, 0, &exit, sizeof(exit)));
	WHPT_ASSERT_FAILS(WHvCancelRunVirtualProcessor(part, 0, 0));
	WHPT_ASSERT_FAILS(WHvGetVirtualProcessorRegisters(part, 0, &name, 1, &v));
	WHPT_ASSERT_FAILS(WHvMapGpaRange(part, page, 0, 0x1000, WHvMapGpaRangeFlagRead));
	WHPT_ASSERT_FAILS(WHvDeletePartition(part));
	munmap(page, 0x1000);
}

Test(partition, handle_never_returned_by_create_fails_without_crash)
{
	/* readable memory that merely looks like a handle */
	static unsigned char fake[4096];
	WHV_PARTITION_HANDLE part = fake;
	UINT32 n = 1;
	WHV_RUN_VP_EXIT_CONTEXT exit;

	memset(fake, 0x5A, sizeof(fake));
	WHPT_ASSERT_FAILS(WHvSetPartitionProperty(part, WHvPartitionPropertyCodeProcessorCount, &n,
						  sizeof(n)));
	WHPT_ASSERT_FAILS(WHvSetupPartition(part));
	WHPT_ASSERT_FAILS(WHvRunVirtualProcessor(part, 0, &exit, sizeof(exit)));
	WHPT_ASSERT_FAILS(WHvDeletePartition(part));
}

Test(partition, reset_restores_initial_vp_state_and_keeps_memory)
{
	struct whpt_vm vm;
	WHV_REGISTER_VALUE cs;
	size_t len = strlen("hello from the guest\n");

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	/* the guest changes registers and memory: echo stores its GPRs */
	whpt_set64(&vm, WHvX64RegisterRbx, 0x5EED5EED);
	whpt_goto(&vm, B_ECHO);
	whpt_run_expect(&vm, WHvRunVpExitReasonX64Halt);
	cr_assert_eq(*(uint32_t *)(void *)(vm.ram + B_ECHO_GPA + 0x18), 0x5EED5EED);

	WHPT_ASSERT_OK(WHvResetPartition(vm.part));

	cs = whpt_get(&vm, WHvX64RegisterCs);
	WHPT_ASSERT_EQ64(cs.Segment.Selector, 0xF000, "CS.Selector after reset");
	WHPT_ASSERT_EQ64(cs.Segment.Base, 0xF0000, "CS.Base after reset");
	WHPT_ASSERT_EQ64(whpt_get64(&vm, WHvX64RegisterRip), 0xFFF0, "RIP after reset");
	WHPT_ASSERT_EQ64(whpt_get64(&vm, WHvX64RegisterCr0), 0x60000010, "CR0 after reset");
	WHPT_ASSERT_EQ64(whpt_get64(&vm, WHvX64RegisterRflags), 2, "RFLAGS after reset");
	WHPT_ASSERT_EQ64(whpt_get64(&vm, WHvX64RegisterEfer), 0, "EFER after reset");
	WHPT_ASSERT_EQ64(whpt_get64(&vm, WHvX64RegisterRbx), 0, "RBX after reset");

	/* memory and mappings survive: the host sees the data, the guest runs again */
	cr_assert_eq(*(uint32_t *)(void *)(vm.ram + B_ECHO_GPA + 0x18), 0x5EED5EED);
	whpt_vm_set_mode(&vm, WHPT_PROT32, vm.entry);
	whpt_run_to_halt(&vm);
	cr_assert_eq(vm.serial_len, len);
	cr_assert(memcmp(vm.serial, "hello from the guest\n", len) == 0,
		  "serial output after reset: %.*s", (int)vm.serial_len, vm.serial);
	whpt_vm_destroy(&vm);
}

Test(partition, reset_clears_a_pending_cancel)
{
	struct whpt_vm vm;

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	WHPT_ASSERT_OK(WHvCancelRunVirtualProcessor(vm.part, 0, 0));
	WHPT_ASSERT_OK(WHvResetPartition(vm.part));
	whpt_vm_set_mode(&vm, WHPT_PROT32, 0);
	whpt_goto(&vm, B_OUT_THEN_SPIN);
	whpt_run(&vm);
	WHPT_ASSERT_EXIT(&vm, WHvRunVpExitReasonX64IoPortAccess);
	whpt_assert_at(&vm, B_OUT_THEN_SPIN);
	whpt_vm_destroy(&vm);
}
