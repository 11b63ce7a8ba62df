/* hresult_table.c: each class of bad API input gets its exact HRESULT (docs/robustness.md). */
#include "whp_test.h"

#include <pthread.h>

/*
 * One Test per group of rows of the bad-input table in docs/robustness.md;
 * each assertion is a row, with the exact HRESULT the library returns (the
 * API tests check many of these too; here they are all in one place, next
 * to the document that lists them). Every group ends by showing the
 * partition still works: a refused call changes nothing.
 */

TestSuite(hresult_table, .timeout = 60);

/* The partition is intact: the hello guest runs to its halt and reports. */
static void assert_still_usable(struct whpt_vm *vm)
{
	whpt_vm_load(vm, guest_basic32, guest_basic32_size);
	whpt_vm_set_mode(vm, WHPT_PROT32, vm->entry);
	vm->serial_len = 0;
	vm->nreports = 0;
	whpt_run_to_halt(vm);
	cr_assert_eq(vm->nreports, 1);
	WHPT_ASSERT_EQ64(vm->reports[0], B_HELLO_VALUE, "hello report");
}

Test(hresult_table, bad_partition_handles_get_e_invalidarg)
{
	struct whpt_vm vm;
	WHV_PARTITION_HANDLE dead, handles[3];
	WHV_RUN_VP_EXIT_CONTEXT x;
	WHV_REGISTER_NAME name = WHvX64RegisterRax;
	WHV_REGISTER_VALUE v;
	WHV_ACCESS_GPA_CONTROLS ctl;
	UINT32 count = 1, written;
	uint8_t buf[16];
	int made_up;
	size_t i;

	memset(&v, 0, sizeof(v));
	memset(&ctl, 0, sizeof(ctl));
	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	whpt_partition(&dead, 1);
	WHPT_ASSERT_OK(WHvDeletePartition(dead));
	handles[0] = NULL;
	handles[1] = dead;			     /* deleted */
	handles[2] = (WHV_PARTITION_HANDLE)&made_up; /* never a partition */
	for (i = 0; i < 3; i++) {
		WHV_PARTITION_HANDLE h = handles[i];

		WHPT_ASSERT_HR(WHvSetupPartition(h), E_INVALIDARG);
		WHPT_ASSERT_HR(WHvResetPartition(h), E_INVALIDARG);
		WHPT_ASSERT_HR(WHvDeletePartition(h), E_INVALIDARG);
		WHPT_ASSERT_HR(WHvSetPartitionProperty(h, WHvPartitionPropertyCodeProcessorCount,
						       &count, sizeof(count)),
			       E_INVALIDARG);
		WHPT_ASSERT_HR(WHvGetPartitionProperty(h, WHvPartitionPropertyCodeProcessorCount,
						       &count, sizeof(count), &written),
			       E_INVALIDARG);
		WHPT_ASSERT_HR(WHvMapGpaRange(h, vm.ram, 0x100000, 0x1000, WHPT_MAP_RWX),
			       E_INVALIDARG);
		WHPT_ASSERT_HR(WHvUnmapGpaRange(h, 0, 0x1000), E_INVALIDARG);
		WHPT_ASSERT_HR(WHvReadGpaRange(h, 0, 0, ctl, buf, 4), E_INVALIDARG);
		WHPT_ASSERT_HR(WHvWriteGpaRange(h, 0, 0, ctl, buf, 4), E_INVALIDARG);
		WHPT_ASSERT_HR(WHvCreateVirtualProcessor(h, 0, 0), E_INVALIDARG);
		WHPT_ASSERT_HR(WHvDeleteVirtualProcessor(h, 0), E_INVALIDARG);
		WHPT_ASSERT_HR(WHvRunVirtualProcessor(h, 0, &x, sizeof(x)), E_INVALIDARG);
		WHPT_ASSERT_HR(WHvCancelRunVirtualProcessor(h, 0, 0), E_INVALIDARG);
		WHPT_ASSERT_HR(WHvGetVirtualProcessorRegisters(h, 0, &name, 1, &v), E_INVALIDARG);
		WHPT_ASSERT_HR(WHvSetVirtualProcessorRegisters(h, 0, &name, 1, &v), E_INVALIDARG);
	}
	assert_still_usable(&vm);
	whpt_vm_destroy(&vm);
}

Test(hresult_table, null_pointers_get_e_pointer)
{
	struct whpt_vm vm;
	WHV_REGISTER_NAME name = WHvX64RegisterRax;
	WHV_REGISTER_VALUE v;
	WHV_ACCESS_GPA_CONTROLS ctl;
	UINT64 exits = 0;
	UINT32 written;

	memset(&v, 0, sizeof(v));
	memset(&ctl, 0, sizeof(ctl));
	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	WHPT_ASSERT_HR(WHvCreatePartition(NULL), E_POINTER);
	WHPT_ASSERT_HR(WHvRunVirtualProcessor(vm.part, 0, NULL, sizeof(WHV_RUN_VP_EXIT_CONTEXT)),
		       E_POINTER);
	WHPT_ASSERT_HR(WHvGetVirtualProcessorRegisters(vm.part, 0, NULL, 1, &v), E_POINTER);
	WHPT_ASSERT_HR(WHvGetVirtualProcessorRegisters(vm.part, 0, &name, 1, NULL), E_POINTER);
	WHPT_ASSERT_HR(WHvSetVirtualProcessorRegisters(vm.part, 0, NULL, 1, &v), E_POINTER);
	WHPT_ASSERT_HR(WHvSetVirtualProcessorRegisters(vm.part, 0, &name, 1, NULL), E_POINTER);
	WHPT_ASSERT_HR(WHvSetPartitionProperty(vm.part, WHvPartitionPropertyCodeExtendedVmExits,
					       NULL, sizeof(exits)),
		       E_POINTER);
	WHPT_ASSERT_HR(WHvGetPartitionProperty(vm.part, WHvPartitionPropertyCodeExtendedVmExits,
					       NULL, sizeof(exits), &written),
		       E_POINTER);
	WHPT_ASSERT_HR(WHvGetCapability(WHvCapabilityCodeFeatures, NULL, sizeof(UINT64), &written),
		       E_POINTER);
	WHPT_ASSERT_HR(WHvReadGpaRange(vm.part, 0, WHPT_DATA_GPA, ctl, NULL, 4), E_POINTER);
	WHPT_ASSERT_HR(WHvWriteGpaRange(vm.part, 0, WHPT_DATA_GPA, ctl, NULL, 4), E_POINTER);
	WHPT_ASSERT_HR(WHvCreateVirtualProcessor2(vm.part, 0, NULL, 1), E_POINTER);
	assert_still_usable(&vm);
	whpt_vm_destroy(&vm);
}

Test(hresult_table, short_buffers_get_insufficient_buffer)
{
	struct whpt_vm vm;
	WHV_RUN_VP_EXIT_CONTEXT x;
	WHV_CAPABILITY cap;
	uint8_t small[2] = { 0, 0 };
	UINT32 written = 0;

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	WHPT_ASSERT_HR(WHvRunVirtualProcessor(vm.part, 0, &x, sizeof(x) - 1),
		       WHV_E_INSUFFICIENT_BUFFER);
	WHPT_ASSERT_HR(WHvRunVirtualProcessor(vm.part, 0, &x, 0), WHV_E_INSUFFICIENT_BUFFER);
	WHPT_ASSERT_HR(WHvSetPartitionProperty(vm.part, WHvPartitionPropertyCodeExtendedVmExits,
					       small, sizeof(small)),
		       WHV_E_INSUFFICIENT_BUFFER);
	WHPT_ASSERT_HR(WHvGetPartitionProperty(vm.part, WHvPartitionPropertyCodeProcessorCount,
					       small, sizeof(small), &written),
		       WHV_E_INSUFFICIENT_BUFFER);
	/* the size needed is still reported */
	WHPT_ASSERT_EQ64(written, sizeof(UINT32), "WrittenSizeInBytes of a refused read");
	WHPT_ASSERT_HR(WHvGetCapability(WHvCapabilityCodeFeatures, &cap, 4, &written),
		       WHV_E_INSUFFICIENT_BUFFER);
	WHPT_ASSERT_EQ64(written, sizeof(UINT64), "WrittenSizeInBytes of a refused capability");
	assert_still_usable(&vm);
	whpt_vm_destroy(&vm);
}

Test(hresult_table, unknown_codes_names_and_flags_are_refused)
{
	struct whpt_vm vm;
	WHV_REGISTER_NAME names[3] = { WHvX64RegisterRbx, (WHV_REGISTER_NAME)0x7777,
				       WHvX64RegisterRcx };
	WHV_REGISTER_VALUE v[3];
	WHV_VIRTUAL_PROCESSOR_PROPERTY prop;
	WHV_CAPABILITY cap;
	WHV_ACCESS_GPA_CONTROLS ctl;
	UINT8 data[4] = { 0 };
	UINT64 value = 0;
	UINT32 written;

	memset(v, 0, sizeof(v));
	memset(&prop, 0, sizeof(prop));
	whpt_vm_init_cpus(&vm, WHPT_RAM_SIZE, 2);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, 0, 0));
	WHPT_ASSERT_HR(WHvSetPartitionProperty(vm.part, (WHV_PARTITION_PROPERTY_CODE)0x7777, &value,
					       sizeof(value)),
		       WHV_E_UNKNOWN_PROPERTY);
	WHPT_ASSERT_HR(WHvGetPartitionProperty(vm.part, (WHV_PARTITION_PROPERTY_CODE)0x7777, &value,
					       sizeof(value), &written),
		       WHV_E_UNKNOWN_PROPERTY);
	WHPT_ASSERT_HR(WHvGetCapability((WHV_CAPABILITY_CODE)0x7777, &cap, sizeof(cap), &written),
		       WHV_E_UNKNOWN_CAPABILITY);
	/* one bad name refuses the whole call, and a refused set writes nothing */
	v[0].Reg64 = 0x1111;
	WHPT_ASSERT_OK(WHvSetVirtualProcessorRegisters(vm.part, 0, names, 1, v));
	v[0].Reg64 = 0x2222;
	WHPT_ASSERT_HR(WHvSetVirtualProcessorRegisters(vm.part, 0, names, 3, v),
		       WHV_E_INVALID_VP_REGISTER_NAME);
	WHPT_ASSERT_HR(WHvGetVirtualProcessorRegisters(vm.part, 0, names, 3, v),
		       WHV_E_INVALID_VP_REGISTER_NAME);
	WHPT_ASSERT_OK(WHvGetVirtualProcessorRegisters(vm.part, 0, names, 1, v));
	WHPT_ASSERT_EQ64(v[0].Reg64, 0x1111, "RBX after a refused set");
	WHPT_ASSERT_HR(WHvMapGpaRange(vm.part, vm.ram, 0x100000, 0x1000,
				      (WHV_MAP_GPA_RANGE_FLAGS)0x100),
		       E_INVALIDARG);
	WHPT_ASSERT_HR(WHvCreateVirtualProcessor(vm.part, 1, 1), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvCancelRunVirtualProcessor(vm.part, 0, 1), E_INVALIDARG);
	prop.PropertyCode = (WHV_VIRTUAL_PROCESSOR_PROPERTY_CODE)0x7777;
	WHPT_ASSERT_HR(WHvCreateVirtualProcessor2(vm.part, 1, &prop, 1), E_INVALIDARG);
	memset(&ctl, 0, sizeof(ctl));
	ctl.AsUINT64 = 1ull << 40;
	WHPT_ASSERT_HR(WHvReadGpaRange(vm.part, 0, WHPT_DATA_GPA, ctl, data, 4), E_INVALIDARG);
	/* the refused creates left VP 1 free */
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, 1, 0));
	assert_still_usable(&vm);
	whpt_vm_destroy(&vm);
}

Test(hresult_table, bad_sizes_and_ranges_get_e_invalidarg)
{
	struct whpt_vm vm;
	WHV_ACCESS_GPA_CONTROLS ctl;
	UINT8 data[32] = { 0 };
	UINT32 zero = 0, huge = 0x7FFFFFFF;
	WHV_PARTITION_HANDLE fresh;

	memset(&ctl, 0, sizeof(ctl));
	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	WHPT_ASSERT_HR(WHvMapGpaRange(vm.part, vm.ram, 0x100800, 0x1000, WHPT_MAP_RWX),
		       E_INVALIDARG);
	WHPT_ASSERT_HR(WHvMapGpaRange(vm.part, vm.ram, 0x100000, 0x800, WHPT_MAP_RWX),
		       E_INVALIDARG);
	WHPT_ASSERT_HR(WHvMapGpaRange(vm.part, vm.ram, 0x100000, 0, WHPT_MAP_RWX), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvMapGpaRange(vm.part, vm.ram + 16, 0x100000, 0x1000, WHPT_MAP_RWX),
		       E_INVALIDARG);
	WHPT_ASSERT_HR(WHvMapGpaRange(vm.part, NULL, 0x100000, 0x1000, WHPT_MAP_RWX), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvMapGpaRange(vm.part, vm.ram, 0xFFFFFFFFFFFFF000ull, 0x2000, WHPT_MAP_RWX),
		       E_INVALIDARG);
	WHPT_ASSERT_HR(WHvUnmapGpaRange(vm.part, 0x800, 0x1000), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvUnmapGpaRange(vm.part, 0xFFFFFFFFFFFFF000ull, 0x2000), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvReadGpaRange(vm.part, 0, WHPT_DATA_GPA, ctl, data, 0), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvReadGpaRange(vm.part, 0, WHPT_DATA_GPA, ctl, data, 17), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvWriteGpaRange(vm.part, 0, WHPT_DATA_GPA, ctl, data, 32), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvCreatePartition(&fresh), S_OK);
	WHPT_ASSERT_HR(WHvSetPartitionProperty(fresh, WHvPartitionPropertyCodeProcessorCount, &zero,
					       sizeof(zero)),
		       E_INVALIDARG);
	WHPT_ASSERT_HR(WHvSetPartitionProperty(fresh, WHvPartitionPropertyCodeProcessorCount, &huge,
					       sizeof(huge)),
		       E_INVALIDARG);
	WHPT_ASSERT_OK(WHvDeletePartition(fresh));
	assert_still_usable(&vm);
	whpt_vm_destroy(&vm);
}

Test(hresult_table, vp_indexes_and_state_get_their_own_errors)
{
	struct whpt_vm vm;
	WHV_PARTITION_HANDLE part;
	WHV_RUN_VP_EXIT_CONTEXT x;
	WHV_REGISTER_NAME name = WHvX64RegisterRax;
	WHV_REGISTER_VALUE v;
	WHV_ACCESS_GPA_CONTROLS ctl;
	UINT8 data[4] = { 0 };
	UINT32 one = 1;
	uint8_t *page = whpt_alloc(0x1000);

	memset(&v, 0, sizeof(v));
	memset(&ctl, 0, sizeof(ctl));
	/* before WHvSetupPartition */
	WHPT_ASSERT_OK(WHvCreatePartition(&part));
	WHPT_ASSERT_HR(WHvSetupPartition(part), WHV_E_INVALID_PARTITION_CONFIG);
	WHPT_ASSERT_HR(WHvCreateVirtualProcessor(part, 0, 0),
		       HRESULT_FROM_WIN32(ERROR_INVALID_STATE));
	WHPT_ASSERT_HR(WHvMapGpaRange(part, page, 0, 0x1000, WHPT_MAP_RWX),
		       HRESULT_FROM_WIN32(ERROR_INVALID_STATE));
	WHPT_ASSERT_HR(WHvRunVirtualProcessor(part, 0, &x, sizeof(x)),
		       HRESULT_FROM_WIN32(ERROR_INVALID_STATE));
	WHPT_ASSERT_HR(WHvCancelRunVirtualProcessor(part, 0, 0),
		       HRESULT_FROM_WIN32(ERROR_INVALID_STATE));
	WHPT_ASSERT_HR(WHvResetPartition(part), HRESULT_FROM_WIN32(ERROR_INVALID_STATE));
	WHPT_ASSERT_OK(WHvSetPartitionProperty(part, WHvPartitionPropertyCodeProcessorCount, &one,
					       sizeof(one)));
	WHPT_ASSERT_OK(WHvSetupPartition(part));
	WHPT_ASSERT_HR(WHvSetupPartition(part), HRESULT_FROM_WIN32(ERROR_INVALID_STATE));
	/* a property that only exists before setup */
	WHPT_ASSERT_HR(WHvSetPartitionProperty(part, WHvPartitionPropertyCodeProcessorCount, &one,
					       sizeof(one)),
		       E_INVALIDARG);
	/* VP 0 is in range but not created; VP 1 is out of range */
	WHPT_ASSERT_HR(WHvRunVirtualProcessor(part, 0, &x, sizeof(x)), WHV_E_VP_DOES_NOT_EXIST);
	WHPT_ASSERT_HR(WHvGetVirtualProcessorRegisters(part, 0, &name, 1, &v),
		       WHV_E_VP_DOES_NOT_EXIST);
	WHPT_ASSERT_HR(WHvDeleteVirtualProcessor(part, 0), WHV_E_VP_DOES_NOT_EXIST);
	WHPT_ASSERT_HR(WHvCreateVirtualProcessor(part, 1, 0), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvRunVirtualProcessor(part, 1, &x, sizeof(x)), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvCancelRunVirtualProcessor(part, 0xFFFFFFFFu, 0), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvSetVirtualProcessorRegisters(part, 1, &name, 1, &v), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvReadGpaRange(part, 1, 0, ctl, data, 4), E_INVALIDARG);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(part, 0, 0));
	WHPT_ASSERT_HR(WHvCreateVirtualProcessor(part, 0, 0), WHV_E_VP_ALREADY_EXISTS);
	/* memory that is not mapped */
	WHPT_ASSERT_HR(WHvUnmapGpaRange(part, 0x100000, 0x1000), WHV_E_GPA_RANGE_NOT_FOUND);
	WHPT_ASSERT_HR(WHvReadGpaRange(part, 0, 0x100000, ctl, data, 4), E_ACCESSDENIED);
	WHPT_ASSERT_HR(WHvWriteGpaRange(part, 0, 0x100000, ctl, data, 4), E_ACCESSDENIED);
	WHPT_ASSERT_OK(WHvDeletePartition(part));
	munmap(page, 0x1000);

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	assert_still_usable(&vm);
	whpt_vm_destroy(&vm);
}

/* Calls on a VP while another thread runs it. */
struct spinner {
	struct whpt_vm *vm;
	HRESULT hr;
	UINT32 reason;
};

static void *spin_run(void *arg)
{
	struct spinner *s = arg;
	WHV_RUN_VP_EXIT_CONTEXT x;

	s->hr = WHvRunVirtualProcessor(s->vm->part, 0, &x, sizeof(x));
	s->reason = x.ExitReason;
	return NULL;
}

Test(hresult_table, calls_on_a_running_vp_get_invalid_vp_state)
{
	struct whpt_vm vm;
	struct spinner s;
	WHV_RUN_VP_EXIT_CONTEXT x;
	WHV_REGISTER_NAME name = WHvX64RegisterRip;
	WHV_REGISTER_VALUE v;
	pthread_t t;
	HRESULT hr = S_OK;
	int i;

	memset(&v, 0, sizeof(v));
	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	whpt_goto(&vm, B_SPIN);
	s.vm = &vm;
	s.hr = E_FAIL;
	cr_assert_eq(pthread_create(&t, NULL, spin_run, &s), 0);
	/* wait until the run has started: then register calls are refused */
	for (i = 0; i < 2000; i++) {
		hr = WHvGetVirtualProcessorRegisters(vm.part, 0, &name, 1, &v);
		if (hr == WHV_E_INVALID_VP_STATE)
			break;
		usleep(1000);
	}
	WHPT_ASSERT_HR(hr, WHV_E_INVALID_VP_STATE);
	WHPT_ASSERT_HR(WHvSetVirtualProcessorRegisters(vm.part, 0, &name, 1, &v),
		       WHV_E_INVALID_VP_STATE);
	WHPT_ASSERT_HR(WHvRunVirtualProcessor(vm.part, 0, &x, sizeof(x)), WHV_E_INVALID_VP_STATE);
	WHPT_ASSERT_HR(WHvDeleteVirtualProcessor(vm.part, 0), WHV_E_INVALID_VP_STATE);
	WHPT_ASSERT_HR(WHvResetPartition(vm.part), HRESULT_FROM_WIN32(ERROR_INVALID_STATE));
	WHPT_ASSERT_OK(WHvCancelRunVirtualProcessor(vm.part, 0, 0));
	pthread_join(t, NULL);
	WHPT_ASSERT_OK(s.hr);
	cr_assert_eq(s.reason, WHvRunVpExitReasonCanceled);
	assert_still_usable(&vm);
	whpt_vm_destroy(&vm);
}
