/* stress_concurrent.c: API calls from many threads on VPs of one partition and many partitions. */
#include "whp_test.h"
#include "stress_util.h"

/*
 * WHP allows each VP to be driven by its own thread, and partitions are
 * independent objects. Threads here run guests and read and write
 * registers at the same time; each checks that what it reads back is what
 * it (and its guest) wrote, never another thread's value: per-VP state must
 * not bleed across VPs or partitions under concurrency. The guest routine
 * is B_OUT_RBX (tests/guest/basic_body.S): it copies RBX to RAX, reports it
 * on the report port, and halts.
 */

TestSuite(stress_concurrent, .timeout = 300);

#define WORKERS 4

struct worker {
	WHV_PARTITION_HANDLE part;
	UINT32 vp;
	uint64_t out_rbx; /* guest address of B_OUT_RBX */
	long rounds;
	uint32_t seed;
	atomic_long *errors;
	char first_error[160];
	long done;
};

static void worker_fail(struct worker *w, const char *what, uint64_t a, uint64_t b)
{
	if (atomic_fetch_add(w->errors, 1) == 0 || !w->first_error[0])
		snprintf(w->first_error, sizeof(w->first_error), "VP %u: %s (0x%llx vs 0x%llx)",
			 w->vp, what, (unsigned long long)a, (unsigned long long)b);
}

/* One round: RBX := token, run B_OUT_RBX, the report must carry the token; then check RBX. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	long i;

	for (i = 0; i < w->rounds; i++) {
		WHV_REGISTER_NAME names[2] = { WHvX64RegisterRip, WHvX64RegisterRbx };
		WHV_REGISTER_VALUE v[2], back[2];
		WHV_RUN_VP_EXIT_CONTEXT x;
		uint64_t token = ((uint64_t)w->vp << 32) | stress_rand(&w->seed);
		HRESULT hr;
		int exits;

		memset(v, 0, sizeof(v));
		v[0].Reg64 = w->out_rbx;
		v[1].Reg64 = token & 0xFFFFFFFFull; /* the guest is 32-bit */
		hr = WHvSetVirtualProcessorRegisters(w->part, w->vp, names, 2, v);
		if (FAILED(hr)) {
			worker_fail(w, "set registers failed", (uint64_t)(uint32_t)hr, 0);
			continue;
		}
		hr = WHvGetVirtualProcessorRegisters(w->part, w->vp, names, 2, back);
		if (FAILED(hr) || back[1].Reg64 != v[1].Reg64)
			worker_fail(w, "RBX read back differs", back[1].Reg64, v[1].Reg64);
		for (exits = 0; exits < 4; exits++) {
			hr = WHvRunVirtualProcessor(w->part, w->vp, &x, sizeof(x));
			if (FAILED(hr)) {
				worker_fail(w, "run failed", (uint64_t)(uint32_t)hr, 0);
				break;
			}
			if (x.ExitReason == WHvRunVpExitReasonX64Halt)
				break;
			if (x.ExitReason != WHvRunVpExitReasonX64IoPortAccess) {
				worker_fail(w, "unexpected exit", x.ExitReason, 0);
				break;
			}
			if (x.IoPortAccess.PortNumber == WHPT_PORT_REPORT &&
			    (x.IoPortAccess.Rax & 0xFFFFFFFFull) != v[1].Reg64)
				worker_fail(w, "guest reported another VP's value",
					    x.IoPortAccess.Rax, v[1].Reg64);
			names[0] = WHvX64RegisterRip;
			v[0].Reg64 = x.VpContext.Rip + x.VpContext.InstructionLength;
			hr = WHvSetVirtualProcessorRegisters(w->part, w->vp, names, 1, v);
			if (FAILED(hr))
				worker_fail(w, "advancing RIP failed", (uint64_t)(uint32_t)hr, 0);
		}
		if (exits == 4)
			worker_fail(w, "no halt after 4 exits", 0, 0);
		w->done++;
	}
	return NULL;
}

static void start_workers(struct worker *w, pthread_t *t, int n)
{
	int i;

	for (i = 0; i < n; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
}

static void join_workers(struct worker *w, pthread_t *t, int n, atomic_long *errors)
{
	int i, hung = 0;
	long done = 0;

	for (i = 0; i < n; i++)
		hung |= stress_join_within(t[i], 240000);
	cr_assert(!hung, "a worker did not finish: hang");
	for (i = 0; i < n; i++)
		done += w[i].done;
	for (i = 0; i < n; i++)
		cr_assert(w[i].first_error[0] == 0 || atomic_load(errors) == 0,
			  "%ld errors; first: %s", atomic_load(errors), w[i].first_error);
	cr_assert_eq(atomic_load(errors), 0);
	printf("stress_concurrent: %d threads completed %ld rounds, 0 errors\n", n, done);
}

Test(stress_concurrent, four_threads_on_four_vps_of_one_partition)
{
	struct whpt_vm vm;
	struct worker w[WORKERS];
	pthread_t t[WORKERS];
	atomic_long errors;
	int i;

	atomic_init(&errors, 0);
	whpt_vm_init_cpus(&vm, WHPT_RAM_SIZE, WORKERS);
	whpt_vm_load(&vm, guest_basic32, guest_basic32_size);
	for (i = 0; i < WORKERS; i++) {
		WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, (UINT32)i, 0));
		vm.vp = (UINT32)i;
		whpt_vm_set_mode(&vm, WHPT_PROT32, vm.entry);
		memset(&w[i], 0, sizeof(w[i]));
		w[i].part = vm.part;
		w[i].vp = (UINT32)i;
		w[i].out_rbx = whpt_rec(&vm, B_OUT_RBX).addr;
		w[i].rounds = stress_scaled(5000);
		w[i].seed = 1000u + (uint32_t)i;
		w[i].errors = &errors;
	}
	start_workers(w, t, WORKERS);
	join_workers(w, t, WORKERS, &errors);
	whpt_vm_destroy(&vm);
}

Test(stress_concurrent, four_threads_on_four_partitions)
{
	struct whpt_vm vm[WORKERS];
	struct worker w[WORKERS];
	pthread_t t[WORKERS];
	atomic_long errors;
	int i;

	atomic_init(&errors, 0);
	for (i = 0; i < WORKERS; i++) {
		whpt_vm_start_kind(&vm[i], "basic", WHPT_PROT32);
		memset(&w[i], 0, sizeof(w[i]));
		w[i].part = vm[i].part;
		w[i].vp = 0;
		w[i].out_rbx = whpt_rec(&vm[i], B_OUT_RBX).addr;
		w[i].rounds = stress_scaled(5000);
		w[i].seed = 2000u + (uint32_t)i;
		w[i].errors = &errors;
	}
	start_workers(w, t, WORKERS);
	join_workers(w, t, WORKERS, &errors);
	for (i = 0; i < WORKERS; i++)
		whpt_vm_destroy(&vm[i]);
}

/*
 * Partition-wide calls from other threads while VPs run: property reads,
 * capability queries, map/unmap of memory the guests do not use, and
 * register calls on a running VP, which must be refused cleanly
 * (WHV_E_INVALID_VP_STATE), never block or corrupt the run.
 */
struct meddler {
	WHV_PARTITION_HANDLE part;
	uint8_t *extra;
	atomic_int *stop;
	atomic_long *errors;
	long calls;
};

static void *meddler_main(void *arg)
{
	struct meddler *m = arg;
	uint32_t seed = 77;

	while (!atomic_load(m->stop)) {
		UINT32 count = 0, written = 0;
		WHV_CAPABILITY cap;
		HRESULT hr;

		hr = WHvGetPartitionProperty(m->part, WHvPartitionPropertyCodeProcessorCount,
					     &count, sizeof(count), &written);
		if (hr != S_OK || count != WORKERS || written != sizeof(count))
			atomic_fetch_add(m->errors, 1);
		if (WHvGetCapability(WHvCapabilityCodeHypervisorPresent, &cap, sizeof(cap),
				     &written) != S_OK ||
		    !cap.HypervisorPresent)
			atomic_fetch_add(m->errors, 1);
		hr = WHvMapGpaRange(m->part, m->extra, 0x200000 + (stress_rand(&seed) % 8) * 4096,
				    4096, WHPT_MAP_RWX);
		if (hr != S_OK)
			atomic_fetch_add(m->errors, 1);
		hr = WHvUnmapGpaRange(m->part, 0x200000, 8 * 4096);
		if (hr != S_OK)
			atomic_fetch_add(m->errors, 1);
		m->calls += 4;
	}
	return NULL;
}

Test(stress_concurrent, partition_calls_from_another_thread_while_four_vps_run)
{
	struct whpt_vm vm;
	struct worker w[WORKERS];
	struct meddler m;
	pthread_t t[WORKERS], mt;
	atomic_long errors, merrors;
	atomic_int stop;
	int i;

	atomic_init(&errors, 0);
	atomic_init(&merrors, 0);
	atomic_init(&stop, 0);
	whpt_vm_init_cpus(&vm, WHPT_RAM_SIZE, WORKERS);
	whpt_vm_load(&vm, guest_basic32, guest_basic32_size);
	for (i = 0; i < WORKERS; i++) {
		WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, (UINT32)i, 0));
		vm.vp = (UINT32)i;
		whpt_vm_set_mode(&vm, WHPT_PROT32, vm.entry);
		memset(&w[i], 0, sizeof(w[i]));
		w[i].part = vm.part;
		w[i].vp = (UINT32)i;
		w[i].out_rbx = whpt_rec(&vm, B_OUT_RBX).addr;
		w[i].rounds = stress_scaled(3000);
		w[i].seed = 3000u + (uint32_t)i;
		w[i].errors = &errors;
	}
	m = (struct meddler){ vm.part, whpt_alloc(8 * 4096), &stop, &merrors, 0 };
	cr_assert_eq(pthread_create(&mt, NULL, meddler_main, &m), 0);
	start_workers(w, t, WORKERS);
	join_workers(w, t, WORKERS, &errors);
	atomic_store(&stop, 1);
	cr_assert(stress_join_within(mt, 10000) == 0, "the partition-call thread hung");
	cr_assert_eq(atomic_load(&merrors), 0, "%ld partition calls failed during the runs",
		     atomic_load(&merrors));
	printf("stress_concurrent: %ld partition-wide calls raced the runs\n", m.calls);
	whpt_vm_destroy(&vm);
	munmap(m.extra, 8 * 4096);
}
