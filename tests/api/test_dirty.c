/* test_dirty.c: WHvQueryGpaRangeDirtyBitmap over TrackDirtyPages mappings a real guest writes. */
#include "whp_test.h"

#include "state_ids.h"

WHPT_PAYLOAD(guest_state64);

TestSuite(dirty, .timeout = 60);

/* A tracked range above the builder's RAM; the 64-bit guest's identity map covers it. */
#define T_GPA	0x100000ull
#define T_PAGES 16
#define T_SIZE	(T_PAGES * 4096ull)
#define TRACK	(WHPT_MAP_RWX | WHvMapGpaRangeFlagTrackDirtyPages)

struct dvm {
	struct whpt_vm vm;
	uint8_t *t;
};

static void dvm_start(struct dvm *d)
{
	whpt_vm_start(&d->vm, guest_state64, guest_state64_size, WHPT_LONG64);
	d->t = whpt_alloc(T_SIZE);
	WHPT_ASSERT_OK(WHvMapGpaRange(d->vm.part, d->t, T_GPA, T_SIZE, TRACK));
}

static void dvm_destroy(struct dvm *d)
{
	whpt_vm_destroy(&d->vm);
	munmap(d->t, T_SIZE);
}

/* The guest stores RAX to a, b and c (ST_STORE3) and halts. */
static void guest_writes(struct dvm *d, uint64_t a, uint64_t b, uint64_t c)
{
	whpt_set64(&d->vm, WHvX64RegisterRax, 0x0123456789ABCDEFull);
	whpt_set64(&d->vm, WHvX64RegisterRbx, a);
	whpt_set64(&d->vm, WHvX64RegisterRcx, b);
	whpt_set64(&d->vm, WHvX64RegisterRdx, c);
	whpt_goto(&d->vm, ST_STORE3);
	whpt_run_expect(&d->vm, WHvRunVpExitReasonX64Halt);
}

static uint64_t query(struct dvm *d, uint64_t gpa, uint64_t size)
{
	UINT64 bm[2] = { 0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFFFull };

	cr_assert(size / 4096 <= 64);
	WHPT_ASSERT_OK(WHvQueryGpaRangeDirtyBitmap(d->vm.part, gpa, size, bm, 8));
	cr_assert_eq(bm[1], 0xFFFFFFFFFFFFFFFFull, "the bitmap was written past its size");
	return bm[0];
}

#define PAGE(n) (T_GPA + (uint64_t)(n)*4096)

Test(dirty, exactly_the_written_pages_then_clear)
{
	struct dvm d;
	uint64_t b;

	dvm_start(&d);
	/* Nothing written yet (mapping is not writing). */
	cr_assert_eq(query(&d, T_GPA, T_SIZE), 0);
	guest_writes(&d, PAGE(0) + 8, PAGE(3) + 0x10, PAGE(15) + 0xFF8);
	b = query(&d, T_GPA, T_SIZE);
	cr_assert_eq(b, (1ull << 0) | (1ull << 3) | (1ull << 15), "bitmap 0x%" PRIx64, b);
	cr_assert_eq(query(&d, T_GPA, T_SIZE), 0, "a second query finds nothing new");
	/* The guest writes the same page again: dirty again. */
	guest_writes(&d, PAGE(3), PAGE(3) + 8, PAGE(3) + 16);
	cr_assert_eq(query(&d, T_GPA, T_SIZE), 1ull << 3);
	dvm_destroy(&d);
}

Test(dirty, a_null_zero_bitmap_only_clears)
{
	struct dvm d;

	dvm_start(&d);
	guest_writes(&d, PAGE(1), PAGE(2), PAGE(9));
	WHPT_ASSERT_OK(WHvQueryGpaRangeDirtyBitmap(d.vm.part, T_GPA, 4 * 4096, NULL, 0));
	cr_assert_eq(query(&d, T_GPA, T_SIZE), 1ull << 9,
		     "pages 1 and 2 were cleared, page 9 outside the cleared range was not");
	dvm_destroy(&d);
}

Test(dirty, a_query_of_part_of_a_mapping)
{
	struct dvm d;

	dvm_start(&d);
	guest_writes(&d, PAGE(2), PAGE(5), PAGE(12));
	cr_assert_eq(query(&d, PAGE(4), 4 * 4096), 1ull << 1, "page 5 is bit 1 from page 4");
	cr_assert_eq(query(&d, T_GPA, T_SIZE), (1ull << 2) | (1ull << 12));
	dvm_destroy(&d);
}

Test(dirty, a_range_across_two_mappings)
{
	struct dvm d;
	uint8_t *second = whpt_alloc(T_SIZE);

	dvm_start(&d);
	WHPT_ASSERT_OK(WHvMapGpaRange(d.vm.part, second, T_GPA + T_SIZE, T_SIZE, TRACK));
	guest_writes(&d, PAGE(15), PAGE(16), PAGE(31));
	cr_assert_eq(query(&d, PAGE(8), 16 * 4096), (1ull << 7) | (1ull << 8));
	cr_assert_eq(query(&d, PAGE(24), 8 * 4096), 1ull << 7);
	dvm_destroy(&d);
	munmap(second, T_SIZE);
}

Test(dirty, partial_unmap_keeps_the_dirty_pages_that_stay)
{
	struct dvm d;

	dvm_start(&d);
	guest_writes(&d, PAGE(1), PAGE(5), PAGE(10));
	/* Unmapping page 5 splits the KVM slot in two; the log must survive it. */
	WHPT_ASSERT_OK(WHvUnmapGpaRange(d.vm.part, PAGE(5), 4096));
	WHPT_ASSERT_HR(WHvQueryGpaRangeDirtyBitmap(d.vm.part, T_GPA, T_SIZE, (UINT64[1]){ 0 }, 8),
		       WHV_E_GPA_RANGE_NOT_FOUND);
	cr_assert_eq(query(&d, T_GPA, 5 * 4096), 1ull << 1);
	cr_assert_eq(query(&d, PAGE(6), 10 * 4096), 1ull << 4);
	/* Remapping the hole (same memory) rejoins the slot; the pieces stay clean. */
	WHPT_ASSERT_OK(WHvMapGpaRange(d.vm.part, d.t + 5 * 4096, PAGE(5), 4096, TRACK));
	cr_assert_eq(query(&d, T_GPA, T_SIZE), 0);
	guest_writes(&d, PAGE(5), PAGE(6), PAGE(6));
	cr_assert_eq(query(&d, T_GPA, T_SIZE), (1ull << 5) | (1ull << 6));
	dvm_destroy(&d);
}

Test(dirty, a_read_only_tracked_range_never_gets_dirty)
{
	struct dvm d;
	uint8_t *ro = whpt_alloc(4 * 4096);

	dvm_start(&d);
	WHPT_ASSERT_OK(WHvMapGpaRange(d.vm.part, ro, 0x200000, 4 * 4096,
				      WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagTrackDirtyPages));
	whpt_set64(&d.vm, WHvX64RegisterRbx, 0x201000);
	whpt_goto(&d.vm, ST_STORE3);
	whpt_run_expect(&d.vm, WHvRunVpExitReasonMemoryAccess);
	cr_assert_eq(d.vm.exit.MemoryAccess.AccessInfo.AccessType, WHvMemoryAccessWrite);
	cr_assert_eq(query(&d, 0x200000, 4 * 4096), 0);
	dvm_destroy(&d);
	munmap(ro, 4 * 4096);
}

Test(dirty, untracked_and_unmapped_ranges)
{
	struct dvm d;
	UINT64 bm[2];

	dvm_start(&d);
	/* The builder's RAM at 0 is mapped without tracking. */
	WHPT_ASSERT_HR(WHvQueryGpaRangeDirtyBitmap(d.vm.part, 0, 4096, bm, 8),
		       WHV_E_GPA_RANGE_NOT_FOUND);
	WHPT_ASSERT_HR(WHvQueryGpaRangeDirtyBitmap(d.vm.part, 0x80000000ull, 4096, bm, 8),
		       WHV_E_GPA_RANGE_NOT_FOUND);
	/* Tracked, then past its end. */
	WHPT_ASSERT_HR(WHvQueryGpaRangeDirtyBitmap(d.vm.part, T_GPA, T_SIZE + 4096, bm, 8),
		       WHV_E_GPA_RANGE_NOT_FOUND);
	WHPT_ASSERT_HR(WHvQueryGpaRangeDirtyBitmap(d.vm.part, T_GPA, 0, NULL, 0), E_INVALIDARG);
	dvm_destroy(&d);
}

Test(dirty, bitmap_argument_rules)
{
	struct dvm d;
	UINT64 bm[3] = { 0, 0, 0 };
	uint8_t *big = whpt_alloc(65 * 4096);

	dvm_start(&d);
	WHPT_ASSERT_HR(WHvQueryGpaRangeDirtyBitmap(d.vm.part, T_GPA + 1, 4096, bm, 8),
		       E_INVALIDARG);
	WHPT_ASSERT_HR(WHvQueryGpaRangeDirtyBitmap(d.vm.part, T_GPA, 100, bm, 8), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvQueryGpaRangeDirtyBitmap(d.vm.part, T_GPA, 4096, NULL, 8), E_POINTER);
	WHPT_ASSERT_HR(WHvQueryGpaRangeDirtyBitmap(d.vm.part, T_GPA, 4096,
						   (UINT64 *)(void *)((uint8_t *)bm + 4), 8),
		       E_INVALIDARG);
	WHPT_ASSERT_HR(WHvQueryGpaRangeDirtyBitmap(d.vm.part, T_GPA, 4096, bm, 4), E_INVALIDARG);
	/* 65 pages need two words: 8 bytes are too few, 16 enough. */
	WHPT_ASSERT_OK(WHvMapGpaRange(d.vm.part, big, 0x400000, 65 * 4096, TRACK));
	WHPT_ASSERT_HR(WHvQueryGpaRangeDirtyBitmap(d.vm.part, 0x400000, 65 * 4096, bm, 8),
		       E_INVALIDARG);
	guest_writes(&d, 0x400000 + 64 * 4096, 0x400000 + 63 * 4096, 0x400000);
	bm[2] = 0x77;
	WHPT_ASSERT_OK(WHvQueryGpaRangeDirtyBitmap(d.vm.part, 0x400000, 65 * 4096, bm, 24));
	WHPT_ASSERT_EQ64(bm[0], (1ull << 63) | 1, "word 0");
	WHPT_ASSERT_EQ64(bm[1], 1, "word 1: page 64, the unused bits zero");
	WHPT_ASSERT_EQ64(bm[2], 0x77, "a word past the range is left alone");
	dvm_destroy(&d);
	munmap(big, 65 * 4096);
}
