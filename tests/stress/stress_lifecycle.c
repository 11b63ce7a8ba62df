/* stress_lifecycle.c: thousands of partition, VP and map create/delete cycles; fds and RSS flat. */
#include "whp_test.h"
#include "stress_util.h"

/*
 * A long-lived host process creates and deletes partitions, VPs and
 * mappings for as long as it runs: every cycle must give back what it took.
 * Each test warms up first (the library probes /dev/kvm once per process,
 * the C library grows its arenas), takes the open-fd count and RSS, runs the
 * cycles, and checks that the fd count is exactly the same and RSS grew by
 * less than RSS_SLACK_KIB (a leak of even 1 KiB per cycle would be several
 * MiB). Under ASan the allocator's quarantine keeps freed memory on purpose,
 * so there the RSS check is replaced by LeakSanitizer's exit check.
 */

TestSuite(stress_lifecycle, .timeout = 300);

#define RSS_SLACK_KIB 2048

struct usage {
	int fds;
	long rss;
};

static struct usage usage_now(void)
{
	struct usage u = { stress_open_fds(), stress_rss_kib() };

	cr_assert(u.fds > 0 && u.rss > 0, "cannot read /proc/self");
	return u;
}

static void usage_assert_flat(struct usage before, const char *what, long cycles)
{
	struct usage after = usage_now();

	printf("stress_lifecycle: %ld %s: fds %d -> %d, RSS %ld -> %ld KiB%s\n", cycles, what,
	       before.fds, after.fds, before.rss, after.rss,
	       STRESS_ASAN ? " (RSS not checked under ASan)" : "");
	cr_assert_eq(after.fds, before.fds, "%s leaked %d file descriptors over %ld cycles", what,
		     after.fds - before.fds, cycles);
	if (!STRESS_ASAN)
		cr_assert(after.rss - before.rss < RSS_SLACK_KIB,
			  "%s: RSS grew by %ld KiB over %ld cycles", what, after.rss - before.rss,
			  cycles);
}

/* One full partition life: create, set up, map, VP, run to HLT, delete. */
static void partition_cycle(uint8_t *ram, int run)
{
	struct whpt_vm vm;

	memset(&vm, 0, sizeof(vm));
	whpt_partition(&vm.part, 1);
	vm.ram = ram;
	vm.ram_size = WHPT_RAM_SIZE;
	WHPT_ASSERT_OK(WHvMapGpaRange(vm.part, ram, 0, WHPT_RAM_SIZE, WHPT_MAP_RWX));
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, 0, 0));
	if (run) {
		whpt_image_parse(&vm, guest_basic32, guest_basic32_size);
		whpt_vm_set_mode(&vm, WHPT_PROT32, whpt_rec(&vm, B_HALT).addr);
		whpt_run_expect(&vm, WHvRunVpExitReasonX64Halt);
	}
	WHPT_ASSERT_OK(WHvDeletePartition(vm.part));
}

Test(stress_lifecycle, two_thousand_partition_cycles_keep_fds_and_rss_flat)
{
	long cycles = stress_scaled(2000), i;
	uint8_t *ram = whpt_alloc(WHPT_RAM_SIZE);
	struct usage before;
	uint64_t t0;

	memcpy(ram + WHPT_CODE_GPA, guest_basic32, guest_basic32_size);
	for (i = 0; i < 50; i++)
		partition_cycle(ram, 1);
	before = usage_now();
	t0 = stress_now_ns();
	for (i = 0; i < cycles; i++)
		partition_cycle(ram, (int)(i % 2));
	usage_assert_flat(before, "partition create/setup/map/VP/run/delete cycles", cycles);
	printf("stress_lifecycle: %.0f us per partition cycle\n",
	       (double)(stress_now_ns() - t0) / 1e3 / (double)cycles);
	munmap(ram, WHPT_RAM_SIZE);
}

Test(stress_lifecycle, five_thousand_vp_cycles_in_one_partition_keep_fds_and_rss_flat)
{
	long cycles = stress_scaled(5000), i;
	struct whpt_vm vm;
	struct usage before;

	whpt_vm_init_cpus(&vm, WHPT_RAM_SIZE, 4);
	whpt_vm_load(&vm, guest_basic32, guest_basic32_size);
	for (i = 0; i < 20 + cycles; i++) {
		UINT32 vp = (UINT32)(i % 4);

		if (i == 20)
			before = usage_now();
		WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, vp, 0));
		if (i % 4 == 0) {
			/* a re-created VP starts fresh and runs */
			vm.vp = vp;
			whpt_vm_set_mode(&vm, WHPT_PROT32, whpt_rec(&vm, B_HALT).addr);
			whpt_run_expect(&vm, WHvRunVpExitReasonX64Halt);
		}
		WHPT_ASSERT_HR(WHvCreateVirtualProcessor(vm.part, vp, 0), WHV_E_VP_ALREADY_EXISTS);
		WHPT_ASSERT_OK(WHvDeleteVirtualProcessor(vm.part, vp));
		WHPT_ASSERT_FAILS(WHvDeleteVirtualProcessor(vm.part, vp));
	}
	usage_assert_flat(before, "VP create/run/delete cycles", cycles);
	whpt_vm_destroy(&vm);
}

Test(stress_lifecycle, ten_thousand_map_unmap_cycles_keep_fds_and_rss_flat)
{
	long cycles = stress_scaled(10000), i;
	struct whpt_vm vm;
	struct usage before;
	uint8_t *extra = whpt_alloc(64 * 4096);
	uint32_t seed = 31337;

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	for (i = 0; i < 50 + cycles; i++) {
		/* random page ranges above RAM, overlapping each other: splits and joins */
		uint64_t first = stress_rand(&seed) % 48, pages = 1 + stress_rand(&seed) % 16;
		uint64_t gpa = 0x100000 + first * 4096;

		if (i == 50)
			before = usage_now();
		WHPT_ASSERT_OK(WHvMapGpaRange(vm.part, extra + first * 4096, gpa, pages * 4096,
					      (stress_rand(&seed) % 2) ? WHPT_MAP_RWX
								       : WHvMapGpaRangeFlagRead));
		if (stress_rand(&seed) % 3 == 0)
			WHPT_ASSERT_OK(WHvUnmapGpaRange(vm.part, 0x100000, 64 * 4096));
	}
	usage_assert_flat(before, "GPA map/unmap cycles", cycles);
	WHPT_ASSERT_OK(WHvMapGpaRange(vm.part, extra, 0x100000, 4096, WHPT_MAP_RWX));
	WHPT_ASSERT_OK(WHvUnmapGpaRange(vm.part, 0x100000, 64 * 4096));
	WHPT_ASSERT_HR(WHvUnmapGpaRange(vm.part, 0x100000, 64 * 4096), WHV_E_GPA_RANGE_NOT_FOUND);
	/* the RAM mapping was never disturbed: the guest still runs */
	whpt_vm_set_mode(&vm, WHPT_PROT32, vm.entry);
	whpt_run_to_halt(&vm);
	cr_assert_eq(vm.nreports, 1);
	whpt_vm_destroy(&vm);
	munmap(extra, 64 * 4096);
}
