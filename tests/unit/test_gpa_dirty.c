/* test_gpa_dirty.c: dirty-page tracking and page counts of the guest-physical map, fake engine. */
#include <criterion/criterion.h>
#include <string.h>

#include "engine.h"
#include "internal.h"
#include "memory.h"

/*
 * A fake engine keeping a slot table with a per-slot dirty log, as KVM does
 * with KVM_MEM_LOG_DIRTY_PAGES: guest_store() dirties a page in whichever
 * slot holds it, vm_dirty_log() hands the log over and clears it, deleting a
 * slot forgets its log.
 */
#define SLOTS 16
#define MAXPG 64
static struct {
	bool used;
	uint64_t gpa, size;
	uint32_t flags;
	uint64_t log; /* one bit per page, MAXPG pages at most */
} slot[SLOTS];

static int fake_map(struct engine_vm *vm, uint32_t id, uint64_t gpa, uint64_t size, void *hva,
		    uint32_t flags)
{
	(void)vm;
	(void)hva;
	cr_assert(id < SLOTS && !slot[id].used);
	cr_assert(size / 4096 <= MAXPG);
	slot[id].used = true;
	slot[id].gpa = gpa;
	slot[id].size = size;
	slot[id].flags = flags;
	slot[id].log = 0;
	return 0;
}

static int fake_unmap(struct engine_vm *vm, uint32_t id, uint64_t gpa)
{
	(void)vm;
	cr_assert(slot[id].used && slot[id].gpa == gpa);
	slot[id].used = false;
	return 0;
}

static int fake_dirty_log(struct engine_vm *vm, uint32_t id, uint64_t *bitmap)
{
	(void)vm;
	cr_assert(slot[id].used);
	cr_assert(slot[id].flags & WHvMapGpaRangeFlagTrackDirtyPages,
		  "dirty log of an untracked slot");
	bitmap[0] = slot[id].log;
	slot[id].log = 0;
	return 0;
}

/* A guest store to (gpa): KVM logs it in a tracked slot. */
static void guest_store(uint64_t gpa)
{
	int i;

	for (i = 0; i < SLOTS; i++) {
		if (slot[i].used && gpa >= slot[i].gpa && gpa < slot[i].gpa + slot[i].size) {
			if (slot[i].flags & WHvMapGpaRangeFlagTrackDirtyPages)
				slot[i].log |= 1ull << ((gpa - slot[i].gpa) / 4096);
			return;
		}
	}
	cr_assert_fail("store to unmapped GPA 0x%llx", (unsigned long long)gpa);
}

static const struct engine_ops fake = {
	.name = "fake", .vm_map = fake_map, .vm_unmap = fake_unmap, .vm_dirty_log = fake_dirty_log
};
static struct gpa_map m;
static uint8_t host[80 * 4096] __attribute__((aligned(4096)));
#define RW    (WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagWrite)
#define RWT   (RW | WHvMapGpaRangeFlagTrackDirtyPages)
#define BASE  0x100000ull
#define PG(n) (BASE + (uint64_t)(n)*4096)

static void setup(void)
{
	memset(slot, 0, sizeof(slot));
	cr_assert_eq(gpa_map_init(&m, SLOTS), 0);
	gpa_map_attach(&m, &fake, (struct engine_vm *)1);
}

static void teardown(void)
{
	gpa_map_destroy(&m);
}

TestSuite(gpa_dirty, .init = setup, .fini = teardown);

Test(gpa_dirty, written_pages_and_nothing_else_then_clear)
{
	uint64_t b[2] = { ~0ull, ~0ull };

	cr_assert_eq(gpa_map_add(&m, BASE, 16 * 4096, host, RWT), 0);
	guest_store(PG(0));
	guest_store(PG(5) + 100);
	guest_store(PG(15) + 4095);
	cr_assert_eq(gpa_map_dirty(&m, BASE, 16 * 4096, b), 0);
	cr_assert_eq(b[0], (1ull << 0) | (1ull << 5) | (1ull << 15));
	cr_assert_eq(b[1], ~0ull, "only the words the range needs are written");
	cr_assert_eq(gpa_map_dirty(&m, BASE, 16 * 4096, b), 0);
	cr_assert_eq(b[0], 0, "a query clears what it reported");
}

Test(gpa_dirty, a_partial_query_keeps_the_other_pages)
{
	uint64_t b = 0;

	cr_assert_eq(gpa_map_add(&m, BASE, 16 * 4096, host, RWT), 0);
	guest_store(PG(2));
	guest_store(PG(9));
	cr_assert_eq(gpa_map_dirty(&m, PG(8), 4 * 4096, &b), 0);
	cr_assert_eq(b, 1ull << 1); /* page 9 is bit 1 of a query starting at page 8 */
	cr_assert_eq(gpa_map_dirty(&m, BASE, 16 * 4096, &b), 0);
	cr_assert_eq(b, 1ull << 2, "page 2 was not queried, so still dirty; page 9 was");
}

Test(gpa_dirty, clear_only)
{
	uint64_t b = 0;

	cr_assert_eq(gpa_map_add(&m, BASE, 8 * 4096, host, RWT), 0);
	guest_store(PG(1));
	guest_store(PG(3));
	cr_assert_eq(gpa_map_dirty(&m, BASE, 2 * 4096, NULL), 0);
	cr_assert_eq(gpa_map_dirty(&m, BASE, 8 * 4096, &b), 0);
	cr_assert_eq(b, 1ull << 3);
}

Test(gpa_dirty, untracked_or_unmapped_pages_refuse_the_whole_query)
{
	uint64_t b = 0;

	cr_assert_eq(gpa_map_add(&m, BASE, 4 * 4096, host, RWT), 0);
	cr_assert_eq(gpa_map_add(&m, PG(4), 4 * 4096, host + 4 * 4096, RW), 0);
	guest_store(PG(1));
	cr_assert_eq(gpa_map_dirty(&m, BASE, 8 * 4096, &b), OE_GPA_RANGE_NOT_FOUND);
	cr_assert_eq(gpa_map_dirty(&m, PG(2), 4 * 4096, &b), OE_GPA_RANGE_NOT_FOUND);
	cr_assert_eq(gpa_map_dirty(&m, PG(20), 4096, &b), OE_GPA_RANGE_NOT_FOUND);
	/* The refused queries cleared nothing. */
	cr_assert_eq(gpa_map_dirty(&m, BASE, 4 * 4096, &b), 0);
	cr_assert_eq(b, 1ull << 1);
}

Test(gpa_dirty, a_range_over_several_regions)
{
	uint64_t b = 0;

	/* Two tracked mappings with different host memory: two slots, one query. */
	cr_assert_eq(gpa_map_add(&m, BASE, 4 * 4096, host, RWT), 0);
	cr_assert_eq(gpa_map_add(&m, PG(4), 4 * 4096, host + 40 * 4096, RWT), 0);
	guest_store(PG(3));
	guest_store(PG(4));
	guest_store(PG(7));
	cr_assert_eq(gpa_map_dirty(&m, PG(2), 6 * 4096, &b), 0);
	cr_assert_eq(b, (1ull << 1) | (1ull << 2) | (1ull << 5));
}

Test(gpa_dirty, splitting_a_slot_keeps_the_dirty_pages_that_stay)
{
	uint64_t b = 0;

	cr_assert_eq(gpa_map_add(&m, BASE, 16 * 4096, host, RWT), 0);
	guest_store(PG(1));
	guest_store(PG(6));
	guest_store(PG(12));
	/* Remapping pages 5..7 elsewhere splits the slot in three. */
	cr_assert_eq(gpa_map_add(&m, PG(5), 3 * 4096, host + 40 * 4096, RWT), 0);
	guest_store(PG(13));
	cr_assert_eq(gpa_map_dirty(&m, BASE, 16 * 4096, &b), 0);
	cr_assert_eq(b, (1ull << 1) | (1ull << 12) | (1ull << 13),
		     "page 6 was remapped (new memory, clean); the others stay dirty");
}

Test(gpa_dirty, rejoining_slots_keeps_the_dirty_pages)
{
	uint64_t b = 0;
	int i, live = 0;

	cr_assert_eq(gpa_map_add(&m, BASE, 4 * 4096, host, RWT), 0);
	guest_store(PG(2));
	/* The same host memory right after: the two become one slot again. */
	cr_assert_eq(gpa_map_add(&m, PG(4), 4 * 4096, host + 4 * 4096, RWT), 0);
	for (i = 0; i < SLOTS; i++)
		live += slot[i].used;
	cr_assert_eq(live, 1);
	guest_store(PG(6));
	cr_assert_eq(gpa_map_dirty(&m, BASE, 8 * 4096, &b), 0);
	cr_assert_eq(b, (1ull << 2) | (1ull << 6));
}

Test(gpa_dirty, host_writes_through_the_map_are_dirty_too)
{
	uint64_t b = 0;
	uint32_t v = 0x12345678;

	cr_assert_eq(gpa_map_add(&m, BASE, 8 * 4096, host, RWT), 0);
	cr_assert_eq(gpa_map_access(&m, PG(3) + 4094, &v, 4, 1, 1), 0); /* crosses a page */
	cr_assert_eq(gpa_map_access(&m, PG(6), &v, 4, 0, 0), 0);	/* a read */
	cr_assert_eq(gpa_map_dirty(&m, BASE, 8 * 4096, &b), 0);
	cr_assert_eq(b, (1ull << 3) | (1ull << 4));
}

Test(gpa_dirty, page_counts)
{
	uint64_t n4k, n2m, n1g;

	gpa_map_page_counts(&m, &n4k, &n2m, &n1g);
	cr_assert(n4k == 0 && n2m == 0 && n1g == 0);
	cr_assert_eq(gpa_map_add(&m, BASE, 3 * 4096, host, RW), 0);
	cr_assert_eq(gpa_map_add(&m, PG(10), 4096, host + 10 * 4096, WHvMapGpaRangeFlagRead), 0);
	gpa_map_page_counts(&m, &n4k, &n2m, &n1g);
	cr_assert_eq(n4k, 4);
	cr_assert_eq(n2m, 0);
	cr_assert_eq(n1g, 0);
}

Test(gpa_dirty, page_counts_large_pages)
{
	struct gpa_map big;
	uint64_t n4k, n2m, n1g;
	/* Never dereferenced: the count looks at addresses only (no engine attached). */
	uint8_t *hva = (uint8_t *)(uintptr_t)0x7f0000000000ull;

	cr_assert_eq(gpa_map_init(&big, 4), 0);
	/* Records without an engine: no Read access, so no slot is made. */
	cr_assert_eq(gpa_map_add(&big, 0x40000000ull - 0x1000, 0x40000000ull + 0x202000ull,
				 hva - 0x1000, WHvMapGpaRangeFlagNone),
		     0);
	gpa_map_page_counts(&big, &n4k, &n2m, &n1g);
	/* 4 KiB below 1 GiB, then 1 GiB, then 2 MiB, then 4 KiB. */
	cr_assert_eq(n1g, 1);
	cr_assert_eq(n2m, 1);
	cr_assert_eq(n4k, 2);
	gpa_map_destroy(&big);
	/* A guest-host offset that is not 2 MiB aligned allows no large page. */
	cr_assert_eq(gpa_map_init(&big, 4), 0);
	cr_assert_eq(gpa_map_add(&big, 0, 4ull << 20, hva + 0x1000, WHvMapGpaRangeFlagNone), 0);
	gpa_map_page_counts(&big, &n4k, &n2m, &n1g);
	cr_assert_eq(n4k, 1024);
	cr_assert_eq(n2m + n1g, 0);
	gpa_map_destroy(&big);
}
