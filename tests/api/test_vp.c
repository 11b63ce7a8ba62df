/* test_vp.c: virtual processor create/delete/run rules and the architectural start state. */
#include "whp_test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

TestSuite(vp, .timeout = 30);

Test(vp, create_succeeds_and_second_create_returns_vp_already_exists)
{
	WHV_PARTITION_HANDLE part = NULL;

	whpt_partition(&part, 2);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(part, 0, 0));
	WHPT_ASSERT_HR(WHvCreateVirtualProcessor(part, 0, 0), WHV_E_VP_ALREADY_EXISTS);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(part, 1, 0));
	WHPT_ASSERT_HR(WHvCreateVirtualProcessor(part, 1, 0), WHV_E_VP_ALREADY_EXISTS);
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(vp, index_at_or_beyond_processor_count_returns_invalidarg)
{
	WHV_PARTITION_HANDLE part = NULL;

	whpt_partition(&part, 2);
	WHPT_ASSERT_HR(WHvCreateVirtualProcessor(part, 2, 0), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvCreateVirtualProcessor(part, 64, 0), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvCreateVirtualProcessor(part, 0xFFFFFFFFu, 0), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvCreateVirtualProcessor2(part, 2, NULL, 0), E_INVALIDARG);
	/* the failures did not use up the valid indexes */
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(part, 1, 0));
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(vp, create2_with_numa_node_property_succeeds)
{
	WHV_PARTITION_HANDLE part = NULL;
	WHV_VIRTUAL_PROCESSOR_PROPERTY prop;

	whpt_partition(&part, 2);
	memset(&prop, 0, sizeof(prop));
	prop.PropertyCode = WHvVirtualProcessorPropertyCodeNumaNode;
	prop.NumaNode = 0;
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor2(part, 0, &prop, 1));
	WHPT_ASSERT_HR(WHvCreateVirtualProcessor2(part, 0, &prop, 1), WHV_E_VP_ALREADY_EXISTS);
	/* no properties at all is the same as WHvCreateVirtualProcessor */
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor2(part, 1, NULL, 0));
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(vp, create2_with_unknown_property_code_returns_invalidarg)
{
	WHV_PARTITION_HANDLE part = NULL;
	WHV_VIRTUAL_PROCESSOR_PROPERTY prop;

	whpt_partition(&part, 1);
	memset(&prop, 0, sizeof(prop));
	prop.PropertyCode = (WHV_VIRTUAL_PROCESSOR_PROPERTY_CODE)0x77;
	WHPT_ASSERT_HR(WHvCreateVirtualProcessor2(part, 0, &prop, 1), E_INVALIDARG);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(part, 0, 0));
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(vp, deleted_vp_cannot_run_and_can_be_created_again)
{
	WHV_PARTITION_HANDLE part = NULL;
	WHV_RUN_VP_EXIT_CONTEXT exit;

	whpt_partition(&part, 1);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(part, 0, 0));
	WHPT_ASSERT_OK(WHvDeleteVirtualProcessor(part, 0));
	WHPT_ASSERT_HR(WHvRunVirtualProcessor(part, 0, &exit, sizeof(exit)),
		       WHV_E_VP_DOES_NOT_EXIST);
	WHPT_ASSERT_HR(WHvDeleteVirtualProcessor(part, 0), WHV_E_VP_DOES_NOT_EXIST);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(part, 0, 0));
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(vp, run_of_never_created_vp_returns_vp_does_not_exist)
{
	WHV_PARTITION_HANDLE part = NULL;
	WHV_RUN_VP_EXIT_CONTEXT exit;
	WHV_REGISTER_NAME name = WHvX64RegisterRip;
	WHV_REGISTER_VALUE v;

	whpt_partition(&part, 2);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(part, 0, 0));
	WHPT_ASSERT_HR(WHvRunVirtualProcessor(part, 1, &exit, sizeof(exit)),
		       WHV_E_VP_DOES_NOT_EXIST);
	WHPT_ASSERT_HR(WHvGetVirtualProcessorRegisters(part, 1, &name, 1, &v),
		       WHV_E_VP_DOES_NOT_EXIST);
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(vp, new_vp_starts_in_real_mode_at_f000_fff0_with_cs_base_f0000)
{
	struct whpt_vm vm;
	WHV_REGISTER_VALUE v;

	whpt_vm_init(&vm, 0x1000);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, 0, 0));
	v = whpt_get(&vm, WHvX64RegisterCs);
	WHPT_ASSERT_EQ64(v.Segment.Selector, 0xF000, "CS.Selector");
	WHPT_ASSERT_EQ64(v.Segment.Base, 0x000F0000, "CS.Base");
	WHPT_ASSERT_EQ64(v.Segment.Limit, 0xFFFF, "CS.Limit");
	WHPT_ASSERT_EQ64(whpt_get64(&vm, WHvX64RegisterRip), 0xFFF0, "RIP");
	WHPT_ASSERT_EQ64(whpt_get64(&vm, WHvX64RegisterCr0), 0x60000010, "CR0");
	WHPT_ASSERT_EQ64(whpt_get64(&vm, WHvX64RegisterRflags), 2, "RFLAGS");
	WHPT_ASSERT_EQ64(whpt_get64(&vm, WHvX64RegisterEfer), 0, "EFER");
	WHPT_ASSERT_EQ64(whpt_get64(&vm, WHvX64RegisterCr4), 0, "CR4");
	v = whpt_get(&vm, WHvX64RegisterDs);
	WHPT_ASSERT_EQ64(v.Segment.Selector, 0, "DS.Selector");
	WHPT_ASSERT_EQ64(v.Segment.Base, 0, "DS.Base");
	WHPT_ASSERT_EQ64(v.Segment.Limit, 0xFFFF, "DS.Limit");
	v = whpt_get(&vm, WHvX64RegisterIdtr);
	WHPT_ASSERT_EQ64(v.Table.Base, 0, "IDTR.Base");
	WHPT_ASSERT_EQ64(v.Table.Limit, 0xFFFF, "IDTR.Limit");
	whpt_vm_destroy(&vm);
}

Test(vp, initial_apic_id_equals_vp_index)
{
	WHV_PARTITION_HANDLE part = NULL;
	WHV_REGISTER_NAME name = WHvX64RegisterInitialApicId;
	WHV_REGISTER_VALUE v;

	whpt_partition(&part, 2);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(part, 0, 0));
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(part, 1, 0));
	memset(&v, 0xFF, sizeof(v));
	WHPT_ASSERT_OK(WHvGetVirtualProcessorRegisters(part, 0, &name, 1, &v));
	WHPT_ASSERT_EQ64(v.Reg64, 0, "InitialApicId of VP 0");
	memset(&v, 0xFF, sizeof(v));
	WHPT_ASSERT_OK(WHvGetVirtualProcessorRegisters(part, 1, &name, 1, &v));
	WHPT_ASSERT_EQ64(v.Reg64, 1, "InitialApicId of VP 1");
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

Test(vp, new_vp_runs_code_placed_at_physical_0xffff0)
{
	struct whpt_vm vm;
	uint8_t *page = whpt_alloc(0x1000);
	uint32_t n;

	memset(&vm, 0, sizeof(vm));
	whpt_partition(&vm.part, 1);
	whpt_image_parse(&vm, guest_reset16, guest_reset16_size);
	cr_assert_eq(vm.base, 0xFFFF0);
	/* only the code goes in: it must fit below 1 MiB, the table stays host-side */
	n = whpt_rec(&vm, V_RESET_OUT).addr + whpt_rec(&vm, V_RESET_OUT).len + 1 - vm.base;
	cr_assert(n <= 16, "reset code is %u bytes", n);
	memcpy(page + 0xFF0, guest_reset16, n);
	WHPT_ASSERT_OK(WHvMapGpaRange(vm.part, page, 0xFF000, 0x1000, WHPT_MAP_RWX));
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, 0, 0));

	vm.cs_base = 0xF0000;
	whpt_run_expect(&vm, WHvRunVpExitReasonX64IoPortAccess);
	whpt_assert_at(&vm, V_RESET_OUT);
	WHPT_ASSERT_EQ64(vm.exit.IoPortAccess.PortNumber, WHPT_PORT_REPORT, "PortNumber");
	WHPT_ASSERT_EQ64(vm.exit.IoPortAccess.Rax & 0xFF, V_RESET_VALUE, "AL");
	WHPT_ASSERT_EQ64(vm.exit.VpContext.Cs.Selector, 0xF000, "VpContext.Cs.Selector");
	cr_assert_eq(vm.exit.VpContext.ExecutionState.Cr0Pe, 0, "real mode expected");
	whpt_advance(&vm);
	whpt_run_expect(&vm, WHvRunVpExitReasonX64Halt);
	WHPT_ASSERT_OK(WHvDeletePartition(vm.part));
	munmap(page, 0x1000);
}

Test(vp, new_vp_without_memory_exits_memory_access_execute_at_0xffff0)
{
	struct whpt_vm vm;

	memset(&vm, 0, sizeof(vm));
	whpt_partition(&vm.part, 1);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, 0, 0));
	whpt_run_expect(&vm, WHvRunVpExitReasonMemoryAccess);
	cr_assert_eq(vm.exit.MemoryAccess.AccessInfo.AccessType, WHvMemoryAccessExecute,
		     "AccessType %s", whpt_access_name(vm.exit.MemoryAccess.AccessInfo.AccessType));
	cr_assert_eq(vm.exit.MemoryAccess.AccessInfo.GpaUnmapped, 1);
	WHPT_ASSERT_EQ64(vm.exit.MemoryAccess.Gpa, 0xFFFF0, "MemoryAccess.Gpa");
	WHPT_ASSERT_EQ64(vm.exit.VpContext.Rip, 0xFFF0, "VpContext.Rip");
	WHPT_ASSERT_EQ64(vm.exit.VpContext.Cs.Base, 0xF0000, "VpContext.Cs.Base");
	WHPT_ASSERT_OK(WHvDeletePartition(vm.part));
}

Test(vp, two_vps_keep_separate_register_state)
{
	WHV_PARTITION_HANDLE part = NULL;
	WHV_REGISTER_NAME name = WHvX64RegisterRbx;
	WHV_REGISTER_VALUE a, b;

	whpt_partition(&part, 2);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(part, 0, 0));
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(part, 1, 0));
	a = whpt_reg64(0xAAAA);
	b = whpt_reg64(0xBBBB);
	WHPT_ASSERT_OK(WHvSetVirtualProcessorRegisters(part, 0, &name, 1, &a));
	WHPT_ASSERT_OK(WHvSetVirtualProcessorRegisters(part, 1, &name, 1, &b));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	WHPT_ASSERT_OK(WHvGetVirtualProcessorRegisters(part, 0, &name, 1, &a));
	WHPT_ASSERT_OK(WHvGetVirtualProcessorRegisters(part, 1, &name, 1, &b));
	WHPT_ASSERT_EQ64(a.Reg64, 0xAAAA, "VP 0 RBX");
	WHPT_ASSERT_EQ64(b.Reg64, 0xBBBB, "VP 1 RBX");
	WHPT_ASSERT_OK(WHvDeletePartition(part));
}

/* ---- two VPs running at once, each on its own thread ------------------- */

/*
 * The thread side uses no Criterion assertions (they may only fail on the
 * test's own thread); it records what happened and the test checks it.
 */
struct vp_runner {
	struct whpt_vm vm;
	HRESULT hr;
	UINT32 last_exit;
	atomic_int returned;
};

/* run the hello guest to its halt, completing OUTs; stop on anything else */
static void *run_hello(void *arg)
{
	struct vp_runner *r = arg;
	WHV_REGISTER_NAME rip = WHvX64RegisterRip;
	int i;

	for (i = 0; i < 1000; i++) {
		const WHV_X64_IO_PORT_ACCESS_CONTEXT *io = &r->vm.exit.IoPortAccess;
		WHV_REGISTER_VALUE v;

		r->hr = whpt_try_run(&r->vm);
		r->last_exit = r->vm.exit.ExitReason;
		if (FAILED(r->hr) || r->last_exit != WHvRunVpExitReasonX64IoPortAccess ||
		    !io->AccessInfo.IsWrite)
			break;
		if (io->PortNumber == WHPT_PORT_SERIAL &&
		    r->vm.serial_len + 1 < sizeof(r->vm.serial))
			r->vm.serial[r->vm.serial_len++] = (char)io->Rax;
		if (io->PortNumber == WHPT_PORT_REPORT && r->vm.nreports < 64)
			r->vm.reports[r->vm.nreports++] = io->Rax;
		memset(&v, 0, sizeof(v));
		v.Reg64 = r->vm.exit.VpContext.Rip + r->vm.exit.VpContext.InstructionLength;
		r->hr = WHvSetVirtualProcessorRegisters(r->vm.part, r->vm.vp, &rip, 1, &v);
		if (FAILED(r->hr))
			break;
	}
	atomic_store(&r->returned, 1);
	return NULL;
}

/* one run only (the spin tests) */
static void *run_once(void *arg)
{
	struct vp_runner *r = arg;

	r->hr = whpt_try_run(&r->vm);
	r->last_exit = r->vm.exit.ExitReason;
	atomic_store(&r->returned, 1);
	return NULL;
}

/* two views of one partition: r[0] drives VP 0, r[1] drives VP 1 */
static void two_vp_setup(struct vp_runner r[2], unsigned int start)
{
	int i;

	whpt_vm_init_cpus(&r[0].vm, WHPT_RAM_SIZE, 2);
	whpt_vm_load(&r[0].vm, guest_basic32, guest_basic32_size);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(r[0].vm.part, 0, 0));
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(r[0].vm.part, 1, 0));
	r[1].vm = r[0].vm;
	r[1].vm.vp = 1;
	for (i = 0; i < 2; i++) {
		r[i].hr = E_FAIL;
		r[i].last_exit = WHvRunVpExitReasonNone;
		atomic_init(&r[i].returned, 0);
		whpt_vm_set_mode(&r[i].vm, WHPT_PROT32, r[i].vm.entry);
		if (start)
			whpt_goto(&r[i].vm, start);
	}
}

Test(vp, two_vps_run_the_guest_at_the_same_time_on_two_threads)
{
	struct vp_runner r[2];
	pthread_t t[2];
	const char *want = "hello from the guest\n";
	int i;

	two_vp_setup(r, 0);
	for (i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, run_hello, &r[i]), 0);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 2; i++) {
		cr_assert(SUCCEEDED(r[i].hr), "VP %d: 0x%08" PRIX32 " (%s)", i, (uint32_t)r[i].hr,
			  whpt_hr_name(r[i].hr));
		cr_assert(r[i].last_exit == WHvRunVpExitReasonX64Halt, "VP %d stopped at %s", i,
			  whpt_describe(&r[i].vm));
		cr_assert(r[i].vm.serial_len == strlen(want) &&
				  memcmp(r[i].vm.serial, want, r[i].vm.serial_len) == 0,
			  "VP %d printed \"%.*s\"", i, (int)r[i].vm.serial_len, r[i].vm.serial);
		cr_assert(r[i].vm.nreports == 1 && r[i].vm.reports[0] == B_HELLO_VALUE,
			  "VP %d reports", i);
	}
	WHPT_ASSERT_OK(WHvDeletePartition(r[0].vm.part));
}

Test(vp, cancel_of_one_vp_leaves_the_other_running)
{
	struct vp_runner r[2];
	pthread_t t[2];
	struct timespec ts = { 0, 50000000L };
	int i;

	two_vp_setup(r, B_SPIN);
	for (i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, run_once, &r[i]), 0);
	nanosleep(&ts, NULL);
	WHPT_ASSERT_OK(WHvCancelRunVirtualProcessor(r[0].vm.part, 1, 0));
	pthread_join(t[1], NULL);
	nanosleep(&ts, NULL);
	cr_assert_eq(atomic_load(&r[0].returned), 0, "canceling VP 1 also stopped VP 0 (%s)",
		     whpt_exit_name(r[0].last_exit));
	WHPT_ASSERT_OK(WHvCancelRunVirtualProcessor(r[0].vm.part, 0, 0));
	pthread_join(t[0], NULL);
	for (i = 0; i < 2; i++) {
		WHPT_ASSERT_OK(r[i].hr);
		cr_assert(r[i].last_exit == WHvRunVpExitReasonCanceled, "VP %d: %s", i,
			  whpt_describe(&r[i].vm));
		whpt_assert_at(&r[i].vm, B_SPIN);
	}
	WHPT_ASSERT_OK(WHvDeletePartition(r[0].vm.part));
}
