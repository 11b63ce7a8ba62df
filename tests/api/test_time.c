/* test_time.c: WHvSuspend/ResumePartitionTime freeze the TSC the guest reads. */
#include "whp_test.h"

#include <time.h>

#include "state_ids.h"

WHPT_PAYLOAD(guest_state64);

/*
 * Freezing time means moving each vCPU's TSC, which this machine's kvm_pvm
 * does not allow: its guests read the host's TSC and a TSC written through
 * KVM_SET_MSRS or the TSC-offset attribute is ignored
 * (kvm-platform-facts §6, "TSC: set then keeps counting"). Where a written
 * TSC does not show, the executable skips (77) before Criterion starts. The
 * calls' rules are tested everywhere in test_counters.c.
 */
__attribute__((constructor)) static void require_settable_tsc(void)
{
	WHV_PARTITION_HANDLE part = NULL;
	WHV_RUN_VP_EXIT_CONTEXT x;
	WHV_REGISTER_NAME names[] = { WHvX64RegisterCs, WHvX64RegisterRip, WHvX64RegisterTsc };
	WHV_REGISTER_VALUE v[3];
	UINT32 count = 1;
	uint8_t *mem =
		mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool ok;

	if (mem == MAP_FAILED || FAILED(WHvCreatePartition(&part)) ||
	    FAILED(WHvSetPartitionProperty(part, WHvPartitionPropertyCodeProcessorCount, &count,
					   sizeof(count))) ||
	    FAILED(WHvSetupPartition(part)) || FAILED(WHvCreateVirtualProcessor(part, 0, 0)) ||
	    FAILED(WHvMapGpaRange(part, mem, 0, 0x10000, WHPT_MAP_RWX))) {
		fprintf(stderr, "SKIP: cannot set up a partition: %s\n", openwhp_last_error());
		_exit(77);
	}
	/* Real mode at CS 0: the payload's entry is a HLT; run it with TSC = 1000. */
	memcpy(mem + WHPT_CODE_GPA, guest_state64, guest_state64_size);
	memset(v, 0, sizeof(v));
	v[0].Segment.Limit = 0xFFFF;
	v[0].Segment.Attributes = WHPT_ATTR_CODE16;
	v[1].Reg64 = whpt_le32(guest_state64 + guest_state64_size - 8);
	v[2].Reg64 = 1000;
	ok = SUCCEEDED(WHvSetVirtualProcessorRegisters(part, 0, names, 3, v)) &&
	     SUCCEEDED(WHvRunVirtualProcessor(part, 0, &x, sizeof(x))) &&
	     x.ExitReason == WHvRunVpExitReasonX64Halt &&
	     SUCCEEDED(WHvGetVirtualProcessorRegisters(part, 0, &names[2], 1, &v[2])) &&
	     v[2].Reg64 < 1000 + 10000000000ull;
	WHvDeletePartition(part);
	munmap(mem, 0x10000);
	if (!ok) {
		fprintf(stderr, "SKIP: this host's KVM ignores a written TSC, so partition "
				"time cannot be frozen here\n");
		_exit(77);
	}
}

TestSuite(time, .timeout = 60);

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static uint64_t tsc_hz(void)
{
	WHV_CAPABILITY c;
	UINT32 n;

	WHPT_ASSERT_OK(
		WHvGetCapability(WHvCapabilityCodeProcessorClockFrequency, &c, sizeof(c), &n));
	cr_assert(c.ProcessorClockFrequency > 0);
	return c.ProcessorClockFrequency;
}

/* The TSC as the guest on VP vm->vp reads it with RDTSC. */
static uint64_t guest_tsc(struct whpt_vm *vm)
{
	uint64_t t;

	whpt_goto(vm, ST_RDTSC);
	whpt_run_expect(vm, WHvRunVpExitReasonX64Halt);
	memcpy(&t, vm->ram + ST_TSC_OUT, 8);
	return t;
}

static uint64_t ms_of(uint64_t ticks, uint64_t hz)
{
	return ticks * 1000 / hz;
}

Test(time, the_tsc_runs_while_time_is_not_suspended)
{
	struct whpt_vm vm;
	uint64_t hz = tsc_hz(), a, b;

	whpt_vm_start(&vm, guest_state64, guest_state64_size, WHPT_LONG64);
	a = guest_tsc(&vm);
	sleep_ms(100);
	b = guest_tsc(&vm);
	cr_assert(ms_of(b - a, hz) >= 90, "the TSC advanced %" PRIu64 " ms in 100 ms",
		  ms_of(b - a, hz));
	whpt_vm_destroy(&vm);
}

Test(time, suspend_freezes_the_tsc_until_resume)
{
	struct whpt_vm vm;
	uint64_t hz = tsc_hz(), a, b, c;

	whpt_vm_start(&vm, guest_state64, guest_state64_size, WHPT_LONG64);
	a = guest_tsc(&vm);
	WHPT_ASSERT_OK(WHvSuspendPartitionTime(vm.part));
	sleep_ms(200);
	WHPT_ASSERT_OK(WHvResumePartitionTime(vm.part));
	b = guest_tsc(&vm);
	cr_assert(b > a, "the TSC went back");
	cr_assert(ms_of(b - a, hz) < 50, "the TSC advanced %" PRIu64 " ms over a 200 ms suspend",
		  ms_of(b - a, hz));
	/* And it runs again afterwards. */
	sleep_ms(100);
	c = guest_tsc(&vm);
	cr_assert(ms_of(c - b, hz) >= 90, "after resume: %" PRIu64 " ms in 100 ms",
		  ms_of(c - b, hz));
	/* A second cycle, shorter than a second: still frozen. */
	WHPT_ASSERT_OK(WHvSuspendPartitionTime(vm.part));
	sleep_ms(200);
	WHPT_ASSERT_OK(WHvResumePartitionTime(vm.part));
	a = guest_tsc(&vm);
	cr_assert(ms_of(a - c, hz) < 50, "second cycle: %" PRIu64 " ms", ms_of(a - c, hz));
	whpt_vm_destroy(&vm);
}

Test(time, the_first_run_after_suspend_resumes_time)
{
	struct whpt_vm vm;
	uint64_t hz = tsc_hz(), a, b, c;

	whpt_vm_start(&vm, guest_state64, guest_state64_size, WHPT_LONG64);
	a = guest_tsc(&vm);
	WHPT_ASSERT_OK(WHvSuspendPartitionTime(vm.part));
	sleep_ms(200);
	b = guest_tsc(&vm); /* no explicit resume */
	cr_assert(ms_of(b - a, hz) < 50, "%" PRIu64 " ms", ms_of(b - a, hz));
	sleep_ms(100);
	c = guest_tsc(&vm);
	cr_assert(ms_of(c - b, hz) >= 90, "time runs again after that run");
	WHPT_ASSERT_OK(WHvResumePartitionTime(vm.part)); /* nothing left to resume */
	whpt_vm_destroy(&vm);
}

Test(time, two_vps_stay_together)
{
	struct whpt_vm vm;
	uint64_t hz = tsc_hz(), t0, t1;

	whpt_vm_init_cpus(&vm, WHPT_RAM_SIZE, 2);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, 0, 0));
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, 1, 0));
	whpt_vm_load(&vm, guest_state64, guest_state64_size);
	whpt_vm_set_mode(&vm, WHPT_LONG64, vm.entry);
	vm.vp = 1;
	whpt_vm_set_mode(&vm, WHPT_LONG64, vm.entry);
	WHPT_ASSERT_OK(WHvSuspendPartitionTime(vm.part));
	sleep_ms(200);
	WHPT_ASSERT_OK(WHvResumePartitionTime(vm.part));
	vm.vp = 0;
	t0 = guest_tsc(&vm);
	vm.vp = 1;
	t1 = guest_tsc(&vm);
	cr_assert(t1 > t0 && ms_of(t1 - t0, hz) < 50, "VP0 %" PRIu64 ", VP1 %" PRIu64, t0, t1);
	whpt_vm_destroy(&vm);
}
