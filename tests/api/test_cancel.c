/* test_cancel.c: WHvCancelRunVirtualProcessor from other threads, before runs, and racing. */
#include "whp_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

/*
 * Windows semantics (WHvCancelRunVirtualProcessor): callable from any
 * thread; a running VP returns S_OK with ExitReason Canceled and
 * CancelReason WHvRunVpCancelReasonUser; a cancel while the VP is not
 * running is remembered and makes the next run return Canceled at once; it
 * is a flag, not a counter.
 */

TestSuite(cancel, .timeout = 60);

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

static void assert_canceled_at(struct whpt_vm *vm, unsigned int id)
{
	WHPT_ASSERT_EXIT(vm, WHvRunVpExitReasonCanceled);
	cr_assert_eq(vm->exit.CancelReason.CancelReason, WHvRunVpCancelReasonUser,
		     "CancelReason %u", (unsigned int)vm->exit.CancelReason.CancelReason);
	whpt_assert_at(vm, id);
}

struct delayed_cancel {
	WHV_PARTITION_HANDLE part;
	unsigned int delay_ms;
	HRESULT hr;
};

static void *cancel_after_delay(void *arg)
{
	struct delayed_cancel *c = arg;
	struct timespec ts = { 0, (long)c->delay_ms * 1000000L };

	nanosleep(&ts, NULL);
	c->hr = WHvCancelRunVirtualProcessor(c->part, 0, 0);
	return NULL;
}

Test(cancel, cancel_from_another_thread_stops_a_spinning_guest)
{
	struct whpt_vm vm;
	struct delayed_cancel c;
	pthread_t t;
	uint64_t t0;

	whpt_vm_start_kind(&vm, "basic", WHPT_LONG64);
	whpt_goto(&vm, B_SPIN);
	c.part = vm.part;
	c.delay_ms = 50;
	c.hr = E_FAIL;
	cr_assert_eq(pthread_create(&t, NULL, cancel_after_delay, &c), 0);
	t0 = now_ns();
	whpt_run(&vm);
	pthread_join(t, NULL);
	WHPT_ASSERT_OK(c.hr);
	assert_canceled_at(&vm, B_SPIN);
	/* the guest really ran until the cancel: the run lasted about the delay */
	cr_assert(now_ns() - t0 >= 40000000ull, "run returned after %" PRIu64 " ns", now_ns() - t0);
	/* the cancel was consumed: the next run executes guest code */
	whpt_goto(&vm, B_OUT_THEN_SPIN);
	whpt_run_expect(&vm, WHvRunVpExitReasonX64IoPortAccess);
	whpt_assert_at(&vm, B_OUT_THEN_SPIN);
	whpt_vm_destroy(&vm);
}

Test(cancel, cancel_before_run_returns_canceled_without_running_guest_code)
{
	struct whpt_vm vm;

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	whpt_goto(&vm, B_OUT_THEN_SPIN);
	WHPT_ASSERT_OK(WHvCancelRunVirtualProcessor(vm.part, 0, 0));
	whpt_run(&vm);
	/* the guest's first instruction is an OUT: had it run, this would be an I/O exit */
	assert_canceled_at(&vm, B_OUT_THEN_SPIN);
	WHPT_ASSERT_EQ64(whpt_get64(&vm, WHvX64RegisterRip), whpt_rec(&vm, B_OUT_THEN_SPIN).addr,
			 "RIP after the canceled run");
	whpt_run_expect(&vm, WHvRunVpExitReasonX64IoPortAccess);
	whpt_assert_at(&vm, B_OUT_THEN_SPIN);
	whpt_vm_destroy(&vm);
}

Test(cancel, cancel_of_a_vp_that_never_ran_is_remembered)
{
	struct whpt_vm vm;

	whpt_vm_init(&vm, WHPT_RAM_SIZE);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, 0, 0));
	WHPT_ASSERT_OK(WHvCancelRunVirtualProcessor(vm.part, 0, 0));
	whpt_vm_load(&vm, guest_basic32, guest_basic32_size);
	whpt_vm_set_mode(&vm, WHPT_PROT32, 0);
	whpt_goto(&vm, B_OUT_THEN_SPIN);
	whpt_run(&vm);
	assert_canceled_at(&vm, B_OUT_THEN_SPIN);
	whpt_run_expect(&vm, WHvRunVpExitReasonX64IoPortAccess);
	whpt_vm_destroy(&vm);
}

Test(cancel, two_cancels_before_a_run_give_one_canceled_exit)
{
	struct whpt_vm vm;

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	whpt_goto(&vm, B_OUT_THEN_SPIN);
	WHPT_ASSERT_OK(WHvCancelRunVirtualProcessor(vm.part, 0, 0));
	WHPT_ASSERT_OK(WHvCancelRunVirtualProcessor(vm.part, 0, 0));
	whpt_run(&vm);
	assert_canceled_at(&vm, B_OUT_THEN_SPIN);
	whpt_run_expect(&vm, WHvRunVpExitReasonX64IoPortAccess);
	whpt_assert_at(&vm, B_OUT_THEN_SPIN);
	whpt_vm_destroy(&vm);
}

Test(cancel, cancel_after_an_exit_applies_to_the_next_run_only)
{
	struct whpt_vm vm;

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	whpt_goto(&vm, B_OUT_THEN_SPIN);
	whpt_run_expect(&vm, WHvRunVpExitReasonX64IoPortAccess);
	whpt_advance(&vm);
	WHPT_ASSERT_OK(WHvCancelRunVirtualProcessor(vm.part, 0, 0));
	whpt_run(&vm);
	assert_canceled_at(&vm, B_SPIN);
	/* and the completion the caller made before the cancel stuck */
	WHPT_ASSERT_EQ64(whpt_get64(&vm, WHvX64RegisterRip), whpt_rec(&vm, B_SPIN).addr,
			 "RIP after the canceled run");
	whpt_vm_destroy(&vm);
}

/* ---- run/cancel race ---------------------------------------------------- */

#define RACE_ITERATIONS 2000

struct race {
	WHV_PARTITION_HANDLE part;
	atomic_int go;	     /* iteration the canceller may cancel */
	atomic_int issued;   /* iteration whose cancel is being issued */
	atomic_int returned; /* iteration whose run has returned */
	atomic_int lost;     /* iterations whose cancel did not end the run */
	atomic_int failed_calls;
	atomic_int stop;
};

static void *race_canceller(void *arg)
{
	struct race *r = arg;
	uint32_t seed = 12345;
	int i;

	for (i = 1; i <= RACE_ITERATIONS; i++) {
		uint64_t deadline;

		while (atomic_load(&r->go) < i) {
			if (atomic_load(&r->stop))
				return NULL;
			sched_yield();
		}
		/* vary the moment: before the run starts, while entering, while in the guest */
		seed = seed * 1103515245u + 12345u;
		switch ((seed >> 16) % 4) {
		case 0: break;
		case 1: sched_yield(); break;
		default: spin_ns((seed >> 8) % 60000); break;
		}
		atomic_store(&r->issued, i);
		if (FAILED(WHvCancelRunVirtualProcessor(r->part, 0, 0)))
			atomic_fetch_add(&r->failed_calls, 1);
		/* a cancel that does not end the run within 2 s was lost */
		deadline = now_ns() + 2000000000ull;
		while (atomic_load(&r->returned) < i) {
			if (atomic_load(&r->stop))
				return NULL;
			if (now_ns() > deadline) {
				atomic_fetch_add(&r->lost, 1);
				WHvCancelRunVirtualProcessor(r->part, 0, 0);
				deadline = now_ns() + 100000000ull;
			}
			sched_yield();
		}
	}
	return NULL;
}

Test(cancel, run_cancel_race_2000_times_never_loses_or_doubles_a_cancel)
{
	struct whpt_vm vm;
	struct race r;
	pthread_t t;
	int i;

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	whpt_goto(&vm, B_SPIN);
	memset(&r, 0, sizeof(r));
	r.part = vm.part;
	atomic_init(&r.go, 0);
	atomic_init(&r.issued, 0);
	atomic_init(&r.returned, 0);
	atomic_init(&r.lost, 0);
	atomic_init(&r.failed_calls, 0);
	atomic_init(&r.stop, 0);
	cr_assert_eq(pthread_create(&t, NULL, race_canceller, &r), 0);
	for (i = 1; i <= RACE_ITERATIONS; i++) {
		HRESULT hr;
		int issued;

		atomic_store(&r.go, i);
		hr = whpt_try_run(&vm);
		issued = atomic_load(&r.issued);
		atomic_store(&r.returned, i);
		if (hr != S_OK || vm.exit.ExitReason != WHvRunVpExitReasonCanceled || issued != i) {
			atomic_store(&r.stop, 1);
			pthread_join(t, NULL);
			cr_assert_fail("iteration %d: run returned 0x%08" PRIX32 " exit %s "
				       "with the cancel of iteration %d issued (a Canceled "
				       "exit before its cancel means a stale, doubled cancel)",
				       i, (uint32_t)hr, whpt_describe(&vm), issued);
		}
		whpt_assert_at(&vm, B_SPIN);
	}
	pthread_join(t, NULL);
	cr_assert_eq(atomic_load(&r.lost), 0, "%d cancels did not end the run",
		     atomic_load(&r.lost));
	cr_assert_eq(atomic_load(&r.failed_calls), 0, "%d cancel calls failed",
		     atomic_load(&r.failed_calls));
	/* nothing left pending: the next run executes guest code */
	whpt_goto(&vm, B_OUT_THEN_SPIN);
	whpt_run_expect(&vm, WHvRunVpExitReasonX64IoPortAccess);
	whpt_assert_at(&vm, B_OUT_THEN_SPIN);
	whpt_vm_destroy(&vm);
}

/* ---- cancel vs delete ---------------------------------------------------- */

struct hammer {
	WHV_PARTITION_HANDLE part;
	atomic_int stop;
	atomic_int calls;
};

static void *cancel_hammer(void *arg)
{
	struct hammer *h = arg;

	while (!atomic_load(&h->stop)) {
		/* S_OK before the delete, a failing HRESULT after it; never a crash */
		(void)WHvCancelRunVirtualProcessor(h->part, 0, 0);
		atomic_fetch_add(&h->calls, 1);
	}
	return NULL;
}

Test(cancel, cancel_racing_with_partition_delete_does_not_crash)
{
	uint32_t seed = 777;
	int i;

	for (i = 0; i < 200; i++) {
		struct whpt_vm vm;
		struct hammer h;
		pthread_t t;

		whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
		h.part = vm.part;
		atomic_init(&h.stop, 0);
		atomic_init(&h.calls, 0);
		cr_assert_eq(pthread_create(&t, NULL, cancel_hammer, &h), 0);
		seed = seed * 1103515245u + 12345u;
		spin_ns((seed >> 8) % 200000);
		WHPT_ASSERT_OK(WHvDeletePartition(vm.part));
		/* keep cancelling the dead handle for a moment */
		spin_ns(20000);
		atomic_store(&h.stop, 1);
		pthread_join(t, NULL);
		munmap(vm.ram, vm.ram_size);
	}
}

Test(cancel, cancel_during_run_then_delete_repeated_50_times_stays_consistent)
{
	int i;

	for (i = 0; i < 50; i++) {
		struct whpt_vm vm;
		struct delayed_cancel c;
		pthread_t t;

		whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
		whpt_goto(&vm, B_SPIN);
		c.part = vm.part;
		c.delay_ms = (unsigned int)(i % 3);
		c.hr = E_FAIL;
		cr_assert_eq(pthread_create(&t, NULL, cancel_after_delay, &c), 0);
		whpt_run(&vm);
		assert_canceled_at(&vm, B_SPIN);
		pthread_join(t, NULL);
		WHPT_ASSERT_OK(c.hr);
		whpt_vm_destroy(&vm);
	}
}
