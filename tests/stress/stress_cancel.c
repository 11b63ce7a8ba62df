/* stress_cancel.c: cancel/run races across threads, many cancellers, and deletes racing runs. */
#include "whp_test.h"
#include "stress_util.h"

/*
 * WHvCancelRunVirtualProcessor is sticky and single-shot (whp-reference
 * §4.4): a cancel ends the current run, or the next one if none is in
 * progress, with ExitReason Canceled; several cancels before that exit
 * collapse into one. So across any interleaving:
 *  - no lost cancel: a run of a guest that only spins always ends once a
 *    cancel was issued (bounded here by a 2 s deadline);
 *  - no doubled cancel: a Canceled exit never comes before a cancel was
 *    issued, and never more Canceled exits than cancels;
 *  - deleting the partition while VPs run and other threads cancel ends
 *    every call: nothing hangs, nothing crashes.
 * The guests run B_SPIN (`jmp .`) from tests/guest/basic_body.S, which never
 * exits by itself, so every exit counted here is a cancel's.
 */

TestSuite(stress_cancel, .timeout = 560);

/* ---- 100 000 handshaken cancel/run iterations across threads ---------- */

#define RACE_TOTAL 100000
#define RACE_VPS   2

struct race_vp {
	struct whpt_vm vm; /* a copy of the test's vm with .vp set */
	long iterations;
	atomic_long go;	      /* iteration the canceller may cancel */
	atomic_long issued;   /* iteration whose cancel has been issued */
	atomic_long returned; /* iteration whose run has returned */
	atomic_long lost;     /* cancels that did not end the run within 2 s */
	atomic_long early;    /* Canceled exits before their cancel was issued */
	atomic_long other;    /* runs that failed or ended for another reason */
	atomic_long failed_calls;
	atomic_long canceled; /* Canceled exits seen */
	atomic_int stop;
	uint32_t seed;
};

static void *race_canceller(void *arg)
{
	struct race_vp *r = arg;
	uint32_t seed = r->seed;
	long i;

	for (i = 1; i <= r->iterations; i++) {
		uint64_t deadline;

		while (atomic_load(&r->go) < i) {
			if (atomic_load(&r->stop))
				return NULL;
			sched_yield();
		}
		/* vary the moment: before the run enters, while entering, in the guest */
		switch (stress_rand(&seed) % 4) {
		case 0: break;
		case 1: sched_yield(); break;
		default: stress_spin_ns(stress_rand(&seed) % 40000); break;
		}
		atomic_store(&r->issued, i);
		if (FAILED(WHvCancelRunVirtualProcessor(r->vm.part, r->vm.vp, 0)))
			atomic_fetch_add(&r->failed_calls, 1);
		deadline = stress_now_ns() + 2000000000ull;
		while (atomic_load(&r->returned) < i) {
			if (atomic_load(&r->stop))
				return NULL;
			if (stress_now_ns() > deadline) {
				/* lost: count it and cancel again so the test can go on */
				atomic_fetch_add(&r->lost, 1);
				WHvCancelRunVirtualProcessor(r->vm.part, r->vm.vp, 0);
				deadline = stress_now_ns() + 100000000ull;
			}
			sched_yield();
		}
	}
	return NULL;
}

static void *race_runner(void *arg)
{
	struct race_vp *r = arg;
	long i;

	for (i = 1; i <= r->iterations; i++) {
		WHV_RUN_VP_EXIT_CONTEXT x;
		HRESULT hr;
		long issued;

		atomic_store(&r->go, i);
		memset(&x, 0xCC, sizeof(x));
		hr = WHvRunVirtualProcessor(r->vm.part, r->vm.vp, &x, sizeof(x));
		issued = atomic_load(&r->issued);
		atomic_store(&r->returned, i);
		if (hr != S_OK || x.ExitReason != WHvRunVpExitReasonCanceled ||
		    x.CancelReason.CancelReason != WHvRunVpCancelReasonUser) {
			atomic_fetch_add(&r->other, 1);
			continue;
		}
		atomic_fetch_add(&r->canceled, 1);
		if (issued != i)
			atomic_fetch_add(&r->early, 1);
	}
	return NULL;
}

Test(stress_cancel, run_cancel_race_100000_iterations_across_threads)
{
	static struct race_vp r[RACE_VPS];
	struct whpt_vm vm;
	pthread_t runner[RACE_VPS], canceller[RACE_VPS];
	long total = stress_scaled(RACE_TOTAL), sum = 0;
	uint64_t t0;
	int i, hung = 0;

	whpt_vm_init_cpus(&vm, WHPT_RAM_SIZE, RACE_VPS);
	whpt_vm_load(&vm, guest_basic32, guest_basic32_size);
	for (i = 0; i < RACE_VPS; i++) {
		WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, (UINT32)i, 0));
		vm.vp = (UINT32)i;
		whpt_vm_set_mode(&vm, WHPT_PROT32, whpt_rec(&vm, B_SPIN).addr);
	}
	t0 = stress_now_ns();
	for (i = 0; i < RACE_VPS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].vm = vm;
		r[i].vm.vp = (UINT32)i;
		r[i].iterations = total / RACE_VPS;
		r[i].seed = 0x1234567u + (uint32_t)i * 7919u;
		cr_assert_eq(pthread_create(&canceller[i], NULL, race_canceller, &r[i]), 0);
		cr_assert_eq(pthread_create(&runner[i], NULL, race_runner, &r[i]), 0);
	}
	for (i = 0; i < RACE_VPS; i++) {
		if (stress_join_within(runner[i], 500000) || stress_join_within(canceller[i], 5000))
			hung = 1;
	}
	cr_assert(!hung, "a runner or canceller did not finish: hang");
	for (i = 0; i < RACE_VPS; i++) {
		cr_assert_eq(atomic_load(&r[i].lost), 0, "VP %d: %ld cancels lost", i,
			     atomic_load(&r[i].lost));
		cr_assert_eq(atomic_load(&r[i].early), 0,
			     "VP %d: %ld Canceled exits came before their cancel (doubled)", i,
			     atomic_load(&r[i].early));
		cr_assert_eq(atomic_load(&r[i].other), 0,
			     "VP %d: %ld runs failed or ended without a cancel", i,
			     atomic_load(&r[i].other));
		cr_assert_eq(atomic_load(&r[i].failed_calls), 0, "VP %d: %ld cancel calls failed",
			     i, atomic_load(&r[i].failed_calls));
		cr_assert_eq(atomic_load(&r[i].canceled), r[i].iterations,
			     "VP %d: %ld Canceled exits for %ld cancels", i,
			     atomic_load(&r[i].canceled), r[i].iterations);
		sum += atomic_load(&r[i].canceled);
	}
	printf("stress_cancel: %ld cancel/run iterations on %d VPs (2 threads each), "
	       "%ld Canceled exits, 0 lost, 0 doubled, %.1f s\n",
	       sum, RACE_VPS, sum, (double)(stress_now_ns() - t0) / 1e9);
	/* nothing is left pending on either VP: the next run executes guest code */
	for (i = 0; i < RACE_VPS; i++) {
		vm.vp = (UINT32)i;
		whpt_goto(&vm, B_OUT_THEN_SPIN);
		whpt_run_expect(&vm, WHvRunVpExitReasonX64IoPortAccess);
		whpt_assert_at(&vm, B_OUT_THEN_SPIN);
	}
	whpt_vm_destroy(&vm);
}

/* ---- many cancellers, no handshake: cancels collapse, none is lost ----- */

#define BLAST_RUNS	 5000
#define BLAST_CANCELLERS 3

struct blast {
	WHV_PARTITION_HANDLE part;
	long runs;
	atomic_int stop;
	atomic_long cancels_ok;
	atomic_long cancels_failed;
	atomic_long canceled;
	atomic_long other;
	atomic_ullong max_run_ns;
	uint32_t seed[BLAST_CANCELLERS];
	int next;
};

static void *blast_canceller(void *arg)
{
	struct blast *b = arg;
	uint32_t seed;
	int me;

	me = __atomic_fetch_add(&b->next, 1, __ATOMIC_SEQ_CST);
	seed = b->seed[me];
	while (!atomic_load(&b->stop)) {
		if (SUCCEEDED(WHvCancelRunVirtualProcessor(b->part, 0, 0)))
			atomic_fetch_add(&b->cancels_ok, 1);
		else
			atomic_fetch_add(&b->cancels_failed, 1);
		if (stress_rand(&seed) % 2)
			stress_spin_ns(stress_rand(&seed) % 50000);
		else
			sched_yield();
	}
	return NULL;
}

static void *blast_runner(void *arg)
{
	struct blast *b = arg;
	long i;

	for (i = 0; i < b->runs; i++) {
		WHV_RUN_VP_EXIT_CONTEXT x;
		uint64_t t0 = stress_now_ns(), dt;
		HRESULT hr = WHvRunVirtualProcessor(b->part, 0, &x, sizeof(x));

		dt = stress_now_ns() - t0;
		if (dt > atomic_load(&b->max_run_ns))
			atomic_store(&b->max_run_ns, dt);
		if (hr == S_OK && x.ExitReason == WHvRunVpExitReasonCanceled)
			atomic_fetch_add(&b->canceled, 1);
		else
			atomic_fetch_add(&b->other, 1);
	}
	return NULL;
}

Test(stress_cancel, cancels_from_three_threads_collapse_and_none_is_lost)
{
	static struct blast b;
	struct whpt_vm vm;
	pthread_t runner, c[BLAST_CANCELLERS];
	int i, hung;

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	whpt_goto(&vm, B_SPIN);
	memset(&b, 0, sizeof(b));
	b.part = vm.part;
	b.runs = stress_scaled(BLAST_RUNS);
	for (i = 0; i < BLAST_CANCELLERS; i++)
		b.seed[i] = 0xC0FFEEu + (uint32_t)i;
	for (i = 0; i < BLAST_CANCELLERS; i++)
		cr_assert_eq(pthread_create(&c[i], NULL, blast_canceller, &b), 0);
	cr_assert_eq(pthread_create(&runner, NULL, blast_runner, &b), 0);
	hung = stress_join_within(runner, 240000);
	atomic_store(&b.stop, 1);
	for (i = 0; i < BLAST_CANCELLERS; i++)
		hung |= stress_join_within(c[i], 5000);
	cr_assert(!hung, "the runner or a canceller did not finish: hang");
	cr_assert_eq(atomic_load(&b.other), 0, "%ld runs failed or ended without a cancel",
		     atomic_load(&b.other));
	cr_assert_eq(atomic_load(&b.cancels_failed), 0, "%ld cancel calls failed",
		     atomic_load(&b.cancels_failed));
	/* every run ended by a cancel, and never more exits than cancels (no doubling) */
	cr_assert_eq(atomic_load(&b.canceled), b.runs);
	cr_assert(atomic_load(&b.cancels_ok) >= atomic_load(&b.canceled),
		  "%ld Canceled exits for only %ld cancels", atomic_load(&b.canceled),
		  atomic_load(&b.cancels_ok));
	/* a run waited for the next cancel at most; 2 s would mean one was lost */
	cr_assert(atomic_load(&b.max_run_ns) < 2000000000ull, "a run lasted %llu ns",
		  (unsigned long long)atomic_load(&b.max_run_ns));
	printf("stress_cancel: %ld cancels from %d threads ended %ld runs (collapsed %ld), "
	       "longest run %.2f ms\n",
	       atomic_load(&b.cancels_ok), BLAST_CANCELLERS, atomic_load(&b.canceled),
	       atomic_load(&b.cancels_ok) - atomic_load(&b.canceled),
	       (double)atomic_load(&b.max_run_ns) / 1e6);
	/* at most one cancel is left pending (sticky, single-shot): then guest code runs */
	whpt_goto(&vm, B_OUT_THEN_SPIN);
	whpt_run(&vm);
	if (vm.exit.ExitReason == WHvRunVpExitReasonCanceled)
		whpt_run(&vm);
	WHPT_ASSERT_EXIT(&vm, WHvRunVpExitReasonX64IoPortAccess);
	whpt_assert_at(&vm, B_OUT_THEN_SPIN);
	whpt_vm_destroy(&vm);
}

/* ---- deletes racing runs and cancels ------------------------------------ */

#define DELETE_ROUNDS 300

struct doomed {
	WHV_PARTITION_HANDLE part;
	UINT32 vp;
	atomic_int *stop;
	atomic_long *bad; /* an HRESULT or exit the contract does not allow */
	atomic_long *runs;
};

/* Run until the handle dies: Canceled exits (S_OK) before, E_INVALIDARG after. */
static void *doomed_runner(void *arg)
{
	struct doomed *d = arg;

	for (;;) {
		WHV_RUN_VP_EXIT_CONTEXT x;
		HRESULT hr = WHvRunVirtualProcessor(d->part, d->vp, &x, sizeof(x));

		atomic_fetch_add(d->runs, 1);
		if (hr == E_INVALIDARG)
			return NULL;
		if (hr != S_OK || x.ExitReason != WHvRunVpExitReasonCanceled)
			atomic_fetch_add(d->bad, 1);
		if (hr != S_OK)
			return NULL;
	}
}

static void *doomed_canceller(void *arg)
{
	struct doomed *d = arg;
	uint32_t seed = (uint32_t)(uintptr_t)d->part;

	while (!atomic_load(d->stop)) {
		HRESULT hr = WHvCancelRunVirtualProcessor(d->part, stress_rand(&seed) % 2, 0);

		if (hr != S_OK && hr != E_INVALIDARG)
			atomic_fetch_add(d->bad, 1);
		stress_spin_ns(stress_rand(&seed) % 100000);
	}
	return NULL;
}

struct deleter {
	WHV_PARTITION_HANDLE part;
	HRESULT hr;
};

static void *do_delete(void *arg)
{
	struct deleter *d = arg;

	d->hr = WHvDeletePartition(d->part);
	return NULL;
}

Test(stress_cancel, delete_racing_two_runners_and_a_canceller_never_hangs)
{
	long rounds = stress_scaled(DELETE_ROUNDS), round;
	atomic_long bad, runs;
	uint32_t seed = 4242;
	uint64_t t0 = stress_now_ns();

	atomic_init(&bad, 0);
	atomic_init(&runs, 0);
	for (round = 0; round < rounds; round++) {
		struct whpt_vm vm;
		struct doomed d[2];
		struct deleter del;
		atomic_int stop;
		pthread_t r[2], c, dt;
		int i;

		whpt_vm_init_cpus(&vm, WHPT_RAM_SIZE, 2);
		whpt_vm_load(&vm, guest_basic32, guest_basic32_size);
		for (i = 0; i < 2; i++) {
			WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, (UINT32)i, 0));
			vm.vp = (UINT32)i;
			whpt_vm_set_mode(&vm, WHPT_PROT32, whpt_rec(&vm, B_SPIN).addr);
		}
		atomic_init(&stop, 0);
		for (i = 0; i < 2; i++) {
			d[i] = (struct doomed){ vm.part, (UINT32)i, &stop, &bad, &runs };
			cr_assert_eq(pthread_create(&r[i], NULL, doomed_runner, &d[i]), 0);
		}
		cr_assert_eq(pthread_create(&c, NULL, doomed_canceller, &d[0]), 0);
		/* delete at a random moment: before the runs enter, while they spin */
		stress_spin_ns(stress_rand(&seed) % 3000000);
		del.part = vm.part;
		del.hr = E_FAIL;
		cr_assert_eq(pthread_create(&dt, NULL, do_delete, &del), 0);
		cr_assert(stress_join_within(dt, 5000) == 0,
			  "round %ld: WHvDeletePartition did not return within 5 s with two VPs "
			  "running and a thread cancelling (hang)",
			  round);
		WHPT_ASSERT_OK(del.hr);
		for (i = 0; i < 2; i++)
			cr_assert(stress_join_within(r[i], 5000) == 0,
				  "round %ld: a run on VP %d did not return after the delete",
				  round, i);
		atomic_store(&stop, 1);
		cr_assert(stress_join_within(c, 5000) == 0, "round %ld: canceller hung", round);
		munmap(vm.ram, vm.ram_size);
	}
	cr_assert_eq(atomic_load(&bad), 0, "%ld calls returned what the contract does not allow",
		     atomic_load(&bad));
	printf("stress_cancel: %ld deletes raced %ld runs on 2 VPs and a canceller, %.1f s\n",
	       rounds, atomic_load(&runs), (double)(stress_now_ns() - t0) / 1e9);
}

/*
 * The minimal form of the race above (one VP, one runner, one canceller):
 * WHvDeletePartition cancels the VPs it sees running, then waits for every
 * API call in flight to return. A run that took its partition reference
 * before the delete but marks itself running only after that sweep enters
 * the guest with no cancel coming, and the delete then waits for it forever.
 * The canceller only makes the runner re-enter often, widening the window.
 */
#define ENTER_ROUNDS 1000

Test(stress_cancel, delete_while_a_run_is_entering_never_hangs)
{
	long rounds = stress_scaled(ENTER_ROUNDS), round;
	atomic_long bad, runs;
	uint32_t seed = 99;

	atomic_init(&bad, 0);
	atomic_init(&runs, 0);
	for (round = 0; round < rounds; round++) {
		struct whpt_vm vm;
		struct doomed d;
		struct deleter del;
		atomic_int stop;
		pthread_t r, c, dt;

		whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
		whpt_goto(&vm, B_SPIN);
		atomic_init(&stop, 0);
		d = (struct doomed){ vm.part, 0, &stop, &bad, &runs };
		cr_assert_eq(pthread_create(&r, NULL, doomed_runner, &d), 0);
		cr_assert_eq(pthread_create(&c, NULL, doomed_canceller, &d), 0);
		stress_spin_ns(stress_rand(&seed) % 2000000);
		del.part = vm.part;
		del.hr = E_FAIL;
		cr_assert_eq(pthread_create(&dt, NULL, do_delete, &del), 0);
		cr_assert(stress_join_within(dt, 5000) == 0,
			  "round %ld: WHvDeletePartition hung: a run entered the guest after the "
			  "delete had cancelled the running VPs, and nothing ends it",
			  round);
		WHPT_ASSERT_OK(del.hr);
		cr_assert(stress_join_within(r, 5000) == 0, "round %ld: the run never returned",
			  round);
		atomic_store(&stop, 1);
		cr_assert(stress_join_within(c, 5000) == 0, "round %ld: canceller hung", round);
		munmap(vm.ram, vm.ram_size);
	}
	cr_assert_eq(atomic_load(&bad), 0, "%ld calls returned what the contract does not allow",
		     atomic_load(&bad));
}
