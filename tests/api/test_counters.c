/* test_counters.c: VP and partition counters and the partition-time calls, with real guests. */
#include "whp_test.h"

#include <pthread.h>
#include <time.h>

#include "state_ids.h"

WHPT_PAYLOAD(guest_state64);

TestSuite(counters, .timeout = 60);

static void start(struct whpt_vm *vm)
{
	whpt_vm_start(vm, guest_state64, guest_state64_size, WHPT_LONG64);
}

static WHV_PROCESSOR_ACTIVITY_COUNTERS intercepts(struct whpt_vm *vm)
{
	WHV_PROCESSOR_ACTIVITY_COUNTERS c;
	UINT32 n = 0;

	memset(&c, 0xCC, sizeof(c));
	WHPT_ASSERT_OK(WHvGetVirtualProcessorCounters(vm->part, vm->vp,
						      WHvProcessorCounterSetIntercepts, &c,
						      sizeof(c), &n));
	cr_assert_eq(n, sizeof(c));
	return c;
}

static WHV_PROCESSOR_RUNTIME_COUNTERS runtime(struct whpt_vm *vm)
{
	WHV_PROCESSOR_RUNTIME_COUNTERS c;
	UINT32 n = 0;

	memset(&c, 0xCC, sizeof(c));
	WHPT_ASSERT_OK(WHvGetVirtualProcessorCounters(vm->part, vm->vp,
						      WHvProcessorCounterSetRuntime, &c, sizeof(c),
						      &n));
	cr_assert_eq(n, sizeof(c));
	return c;
}

/* Every counter of the set except (skip) (in units of counters) is zero. */
static void assert_other_zero(const WHV_PROCESSOR_ACTIVITY_COUNTERS *c, const void *keep1,
			      const void *keep2)
{
	const WHV_PROCESSOR_INTERCEPT_COUNTER *e = &c->PageInvalidations;
	size_t i, n = sizeof(*c) / sizeof(*e);

	for (i = 0; i < n; i++) {
		if ((const void *)&e[i] == keep1 || (const void *)&e[i] == keep2)
			continue;
		cr_assert(e[i].Count == 0 && e[i].Time100ns == 0,
			  "intercept counter %zu: %" PRIu64 " / %" PRIu64, i, e[i].Count,
			  e[i].Time100ns);
	}
}

Test(counters, a_new_vp_counts_nothing)
{
	struct whpt_vm vm;
	WHV_PROCESSOR_ACTIVITY_COUNTERS c;
	WHV_PROCESSOR_RUNTIME_COUNTERS r;

	start(&vm);
	c = intercepts(&vm);
	assert_other_zero(&c, NULL, NULL);
	r = runtime(&vm);
	cr_assert_eq(r.TotalRuntime100ns, 0);
	cr_assert_eq(r.HypervisorRuntime100ns, 0);
	whpt_vm_destroy(&vm);
}

Test(counters, io_halt_and_mmio_exits_are_counted_by_kind)
{
	struct whpt_vm vm;
	WHV_PROCESSOR_ACTIVITY_COUNTERS c;
	WHV_PROCESSOR_RUNTIME_COUNTERS r;
	int i;

	start(&vm);
	/* Five OUTs, each one exit completed by the host, then HLT. */
	whpt_set64(&vm, WHvX64RegisterRcx, 5);
	whpt_goto(&vm, ST_OUTS);
	for (i = 0; i < 5; i++) {
		whpt_run_expect(&vm, WHvRunVpExitReasonX64IoPortAccess);
		whpt_complete_io(&vm);
	}
	whpt_run_expect(&vm, WHvRunVpExitReasonX64Halt);
	c = intercepts(&vm);
	cr_assert_eq(c.IoInstructions.Count, 5);
	cr_assert_eq(c.HaltInstructions.Count, 1);
	cr_assert(c.IoInstructions.Time100ns > 0, "5 I/O exits took no time at all");
	assert_other_zero(&c, &c.IoInstructions, &c.HaltInstructions);
	/* A load from unmapped memory: a nested page fault (MMIO). */
	whpt_goto(&vm, ST_MMIO_READ);
	whpt_run_expect(&vm, WHvRunVpExitReasonMemoryAccess);
	whpt_set64(&vm, WHvX64RegisterRax, 0);
	whpt_advance(&vm);
	whpt_run_expect(&vm, WHvRunVpExitReasonX64Halt);
	c = intercepts(&vm);
	cr_assert_eq(c.NestedPageFaultIntercepts.Count, 1);
	cr_assert_eq(c.IoInstructions.Count, 5);
	cr_assert_eq(c.HaltInstructions.Count, 2);
	r = runtime(&vm);
	cr_assert(r.TotalRuntime100ns > 0);
	cr_assert(r.HypervisorRuntime100ns <= r.TotalRuntime100ns);
	whpt_vm_destroy(&vm);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *cancel_later(void *arg)
{
	struct whpt_vm *vm = arg;
	struct timespec ts = { 0, 40 * 1000000L };

	nanosleep(&ts, NULL);
	WHvCancelRunVirtualProcessor(vm->part, 0, 0);
	return NULL;
}

Test(counters, runtime_covers_the_time_the_guest_ran)
{
	struct whpt_vm vm;
	WHV_PROCESSOR_ACTIVITY_COUNTERS c;
	WHV_PROCESSOR_RUNTIME_COUNTERS r;
	pthread_t t;
	uint64_t t0, ran;

	start(&vm);
	whpt_goto(&vm, ST_SPIN);
	cr_assert_eq(pthread_create(&t, NULL, cancel_later, &vm), 0);
	t0 = now_ns();
	whpt_run_expect(&vm, WHvRunVpExitReasonCanceled);
	ran = now_ns() - t0;
	pthread_join(t, NULL);
	r = runtime(&vm);
	/* The run lasted at least 40 ms; the counter may not exceed the call either. */
	cr_assert(r.TotalRuntime100ns >= 40 * 10000 - 1, "TotalRuntime %" PRIu64 " x 100 ns",
		  r.TotalRuntime100ns);
	cr_assert(r.TotalRuntime100ns <= ran / 100 + 1, "TotalRuntime %" PRIu64 " > %" PRIu64,
		  r.TotalRuntime100ns, ran / 100);
	cr_assert(r.HypervisorRuntime100ns < r.TotalRuntime100ns / 2,
		  "the guest spun: most of the time is the guest's");
	/* A cancel is not a guest intercept. */
	c = intercepts(&vm);
	assert_other_zero(&c, NULL, NULL);
	whpt_vm_destroy(&vm);
}

Test(counters, buffer_rules_and_the_other_sets)
{
	static const struct {
		WHV_PROCESSOR_COUNTER_SET set;
		UINT32 size;
	} sets[] = {
		{ WHvProcessorCounterSetRuntime, sizeof(WHV_PROCESSOR_RUNTIME_COUNTERS) },
		{ WHvProcessorCounterSetIntercepts, sizeof(WHV_PROCESSOR_ACTIVITY_COUNTERS) },
		{ WHvProcessorCounterSetEvents, sizeof(WHV_PROCESSOR_GUEST_EVENT_COUNTERS) },
		{ WHvProcessorCounterSetApic, sizeof(WHV_PROCESSOR_APIC_COUNTERS) },
		{ WHvProcessorCounterSetSyntheticFeatures,
		  sizeof(WHV_PROCESSOR_SYNTHETIC_FEATURES_COUNTERS) },
	};
	struct whpt_vm vm;
	uint8_t buf[512];
	UINT32 n;
	size_t i;

	start(&vm);
	whpt_run_to_halt(&vm);
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		n = 0;
		WHPT_ASSERT_HR(WHvGetVirtualProcessorCounters(vm.part, 0, sets[i].set, NULL, 0, &n),
			       WHV_E_INSUFFICIENT_BUFFER);
		cr_assert_eq(n, sets[i].size, "set %d needs %u bytes, said %u", (int)sets[i].set,
			     sets[i].size, n);
		WHPT_ASSERT_HR(WHvGetVirtualProcessorCounters(vm.part, 0, sets[i].set, buf,
							      sets[i].size - 1, &n),
			       WHV_E_INSUFFICIENT_BUFFER);
		n = 0;
		memset(buf, 0xCC, sizeof(buf));
		WHPT_ASSERT_OK(WHvGetVirtualProcessorCounters(vm.part, 0, sets[i].set, buf,
							      sizeof(buf), &n));
		cr_assert_eq(n, sets[i].size);
		cr_assert_eq(buf[n], 0xCC, "written past the set's size");
		/* BytesWritten is optional. */
		WHPT_ASSERT_OK(WHvGetVirtualProcessorCounters(vm.part, 0, sets[i].set, buf,
							      sizeof(buf), NULL));
	}
	/* KVM counts no guest events, APIC accesses or hypercalls: all zero. */
	WHPT_ASSERT_OK(WHvGetVirtualProcessorCounters(vm.part, 0, WHvProcessorCounterSetEvents, buf,
						      sizeof(buf), &n));
	for (i = 0; i < n; i++)
		cr_assert_eq(buf[i], 0);
	WHPT_ASSERT_HR(WHvGetVirtualProcessorCounters(vm.part, 0, (WHV_PROCESSOR_COUNTER_SET)9, buf,
						      sizeof(buf), &n),
		       E_INVALIDARG);
	WHPT_ASSERT_HR(WHvGetVirtualProcessorCounters(vm.part, 0, WHvProcessorCounterSetRuntime,
						      NULL, 16, &n),
		       E_POINTER);
	WHPT_ASSERT_HR(WHvGetVirtualProcessorCounters(vm.part, 3, WHvProcessorCounterSetRuntime,
						      buf, sizeof(buf), &n),
		       E_INVALIDARG);
	whpt_vm_destroy(&vm);
}

Test(counters, partition_memory_counters)
{
	WHV_PARTITION_MEMORY_COUNTERS m;
	WHV_PARTITION_HANDLE part;
	uint8_t *ram = whpt_alloc(64 * 4096), *raw, *big;
	UINT32 n = 0;

	whpt_partition(&part, 1);
	WHPT_ASSERT_HR(WHvGetPartitionCounters(part, WHvPartitionCounterSetMemory, NULL, 0, &n),
		       WHV_E_INSUFFICIENT_BUFFER);
	cr_assert_eq(n, sizeof(m));
	WHPT_ASSERT_OK(
		WHvGetPartitionCounters(part, WHvPartitionCounterSetMemory, &m, sizeof(m), &n));
	cr_assert(m.Mapped4KPageCount == 0 && m.Mapped2MPageCount == 0 && m.Mapped1GPageCount == 0);
	/* 64 pages at GPA 0. */
	WHPT_ASSERT_OK(WHvMapGpaRange(part, ram, 0, 64 * 4096, WHPT_MAP_RWX));
	/* 4 MiB + 3 pages at 2 MiB-aligned guest and host addresses: 2 large pages. */
	raw = whpt_alloc((8u << 20));
	big = (uint8_t *)(((uintptr_t)raw + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1));
	WHPT_ASSERT_OK(WHvMapGpaRange(part, big, 0x400000, (4u << 20) + 3 * 4096, WHPT_MAP_RWX));
	WHPT_ASSERT_OK(
		WHvGetPartitionCounters(part, WHvPartitionCounterSetMemory, &m, sizeof(m), &n));
	cr_assert_eq(m.Mapped4KPageCount, 64 + 3);
	cr_assert_eq(m.Mapped2MPageCount, 2);
	cr_assert_eq(m.Mapped1GPageCount, 0);
	/* Unmapping one page in the middle leaves no whole 2 MiB block there. */
	WHPT_ASSERT_OK(WHvUnmapGpaRange(part, 0x500000, 4096));
	WHPT_ASSERT_OK(
		WHvGetPartitionCounters(part, WHvPartitionCounterSetMemory, &m, sizeof(m), NULL));
	cr_assert_eq(m.Mapped2MPageCount, 1);
	cr_assert_eq(m.Mapped4KPageCount, 64 + 3 + 511);
	WHPT_ASSERT_HR(WHvGetPartitionCounters(part, (WHV_PARTITION_COUNTER_SET)1, &m, sizeof(m),
					       &n),
		       E_INVALIDARG);
	WHPT_ASSERT_OK(WHvDeletePartition(part));
	munmap(ram, 64 * 4096);
	munmap(raw, 8u << 20);
}

struct spinner {
	struct whpt_vm *vm;
	HRESULT hr;
};

static void *spin_run(void *arg)
{
	struct spinner *s = arg;

	s->hr = whpt_try_run(s->vm);
	return NULL;
}

Test(counters, partition_time_call_rules)
{
	WHV_PARTITION_HANDLE fresh;
	struct whpt_vm vm;
	struct spinner s = { &vm, E_FAIL };
	WHV_PROCESSOR_RUNTIME_COUNTERS r;
	HRESULT hr = S_OK;
	pthread_t t;
	UINT32 n;
	int i;

	/* Not set up: no VPs, no time to suspend. */
	WHPT_ASSERT_OK(WHvCreatePartition(&fresh));
	WHPT_ASSERT_HR(WHvSuspendPartitionTime(fresh), HRESULT_FROM_WIN32(ERROR_INVALID_STATE));
	WHPT_ASSERT_HR(WHvResumePartitionTime(fresh), HRESULT_FROM_WIN32(ERROR_INVALID_STATE));
	WHPT_ASSERT_OK(WHvDeletePartition(fresh));
	WHPT_ASSERT_HR(WHvSuspendPartitionTime(NULL), E_INVALIDARG);

	start(&vm);
	WHPT_ASSERT_OK(WHvResumePartitionTime(vm.part)); /* not suspended: nothing to do */
	WHPT_ASSERT_OK(WHvSuspendPartitionTime(vm.part));
	WHPT_ASSERT_OK(WHvSuspendPartitionTime(vm.part)); /* twice: still suspended */
	WHPT_ASSERT_OK(WHvResumePartitionTime(vm.part));
	/* A suspended partition runs: the run resumes time. */
	WHPT_ASSERT_OK(WHvSuspendPartitionTime(vm.part));
	whpt_run_to_halt(&vm);
	WHPT_ASSERT_OK(WHvResumePartitionTime(vm.part));
	/* No VP may be running while time is suspended. */
	whpt_goto(&vm, ST_SPIN);
	cr_assert_eq(pthread_create(&t, NULL, spin_run, &s), 0);
	for (i = 0; i < 5000; i++) {
		hr = WHvSuspendPartitionTime(vm.part);
		if (hr == WHV_E_INVALID_VP_STATE)
			break;
		WHPT_ASSERT_OK(hr);
		WHPT_ASSERT_OK(WHvResumePartitionTime(vm.part));
		usleep(1000);
	}
	WHPT_ASSERT_HR(hr, WHV_E_INVALID_VP_STATE);
	/* Counters too are refused while the VP runs. */
	WHPT_ASSERT_HR(WHvGetVirtualProcessorCounters(vm.part, 0, WHvProcessorCounterSetRuntime, &r,
						      sizeof(r), &n),
		       WHV_E_INVALID_VP_STATE);
	WHPT_ASSERT_OK(WHvCancelRunVirtualProcessor(vm.part, 0, 0));
	pthread_join(t, NULL);
	WHPT_ASSERT_OK(s.hr);
	whpt_vm_destroy(&vm);
}
