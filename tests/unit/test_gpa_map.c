/* test_gpa_map.c: the guest-physical map: replace, split, rejoin and slot use, over a recording fake engine. */
#include <criterion/criterion.h>
#include <string.h>

#include "engine.h"
#include "internal.h"
#include "memory.h"

/* A fake engine that keeps the slot table KVM would have and rejects overlaps as KVM does. */
#define SLOTS 8
static struct {
	bool used;
	uint64_t gpa, size;
	void *hva;
	uint32_t flags;
} slot[SLOTS];
static int maps, unmaps;

static int fake_map(struct engine_vm *vm, uint32_t id, uint64_t gpa, uint64_t size, void *hva,
		    uint32_t flags)
{
	int i;

	(void)vm;
	cr_assert(id < SLOTS && !slot[id].used, "slot %u reused while live", id);
	for (i = 0; i < SLOTS; i++)
		cr_assert(!slot[i].used || gpa + size <= slot[i].gpa ||
				  gpa >= slot[i].gpa + slot[i].size,
			  "overlapping memslots");
	slot[id].used = true;
	slot[id].gpa = gpa;
	slot[id].size = size;
	slot[id].hva = hva;
	slot[id].flags = flags;
	maps++;
	return 0;
}

static int fake_unmap(struct engine_vm *vm, uint32_t id, uint64_t gpa)
{
	(void)vm;
	cr_assert(slot[id].used && slot[id].gpa == gpa);
	slot[id].used = false;
	unmaps++;
	return 0;
}

static const struct engine_ops fake = { .name = "fake",
					.vm_map = fake_map,
					.vm_unmap = fake_unmap };
static struct gpa_map m;
static uint8_t host[16 * 4096] __attribute__((aligned(4096)));
#define RW (WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagWrite)

static void setup(void)
{
	memset(slot, 0, sizeof(slot));
	maps = unmaps = 0;
	cr_assert_eq(gpa_map_init(&m, SLOTS), 0);
	gpa_map_attach(&m, &fake, (struct engine_vm *)1);
}

static void teardown(void)
{
	gpa_map_destroy(&m);
}

static int live_slots(void)
{
	int i, n = 0;

	for (i = 0; i < SLOTS; i++)
		n += slot[i].used;
	return n;
}

TestSuite(gpa_map, .init = setup, .fini = teardown);

Test(gpa_map, a_map_is_one_slot_and_reads_through)
{
	uint32_t v = 0xCAFEF00D, r = 0;

	cr_assert_eq(gpa_map_add(&m, 0x10000, 4 * 4096, host, RW), 0);
	cr_assert_eq(live_slots(), 1);
	cr_assert_eq(gpa_map_access(&m, 0x10000 + 4096 - 2, &v, 4, 1, 1), 0); /* crosses a page */
	memcpy(&r, host + 4096 - 2, 4);
	cr_assert_eq(r, v);
	cr_assert_eq(gpa_map_access(&m, 0x14000 - 2, &v, 4, 0, 0), -EFAULT); /* runs off the end */
	cr_assert_eq(gpa_map_flags(&m, 0x13FFF), (int)RW);
	cr_assert_eq(gpa_map_flags(&m, 0x14000), -1);
}

Test(gpa_map, partial_unmap_splits_and_remap_rejoins)
{
	cr_assert_eq(gpa_map_add(&m, 0, 8 * 4096, host, RW), 0);
	cr_assert_eq(gpa_map_remove(&m, 3 * 4096, 2 * 4096), 0);
	cr_assert_eq(live_slots(), 2);
	cr_assert_eq(gpa_map_flags(&m, 3 * 4096), -1);
	cr_assert_eq(gpa_map_flags(&m, 5 * 4096), (int)RW);
	/* Re-mapping the hole with the same host pages and flags rejoins one slot. */
	cr_assert_eq(gpa_map_add(&m, 3 * 4096, 2 * 4096, host + 3 * 4096, RW), 0);
	cr_assert_eq(live_slots(), 1);
	cr_assert_eq(m.count, 1u);
	cr_assert_eq(m.r[0].size, 8 * 4096ull);
}

Test(gpa_map, overlapping_map_replaces_what_was_there)
{
	uint8_t b = 0;

	host[2 * 4096] = 0x11;
	host[10 * 4096] = 0x22;
	cr_assert_eq(gpa_map_add(&m, 0, 4 * 4096, host, RW), 0);
	cr_assert_eq(gpa_map_add(&m, 2 * 4096, 4096, host + 10 * 4096, WHvMapGpaRangeFlagRead), 0);
	cr_assert_eq(gpa_map_access(&m, 2 * 4096, &b, 1, 0, 0), 0);
	cr_assert_eq(b, 0x22);
	cr_assert_eq(gpa_map_flags(&m, 2 * 4096), (int)WHvMapGpaRangeFlagRead);
	cr_assert_eq(gpa_map_flags(&m, 3 * 4096), (int)RW);
	cr_assert_eq(live_slots(), 3);
	/* A read-only page refuses a checked write. */
	cr_assert_eq(gpa_map_access(&m, 2 * 4096, &b, 1, 1, 1), -EFAULT);
}

Test(gpa_map, unmapping_nothing_is_not_found)
{
	cr_assert_eq(gpa_map_remove(&m, 0x100000, 4096), OE_GPA_RANGE_NOT_FOUND);
}

Test(gpa_map, no_read_access_is_recorded_but_not_given_to_the_engine)
{
	cr_assert_eq(gpa_map_add(&m, 0, 4096, host, WHvMapGpaRangeFlagNone), 0);
	cr_assert_eq(live_slots(), 0);
	cr_assert_eq(gpa_map_flags(&m, 0), (int)WHvMapGpaRangeFlagNone);
}

Test(gpa_map, running_out_of_slots_fails_cleanly)
{
	int i, rc = 0;

	for (i = 0; i < SLOTS + 1 && rc == 0; i++)
		rc = gpa_map_add(&m, (uint64_t)i * 2 * 4096, 4096, host + i * 4096, RW);
	cr_assert_eq(rc, -ENOSPC);
	cr_assert_eq(live_slots(), SLOTS);
}
