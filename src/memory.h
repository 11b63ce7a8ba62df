/* memory.h: the guest-physical address map (WHvMapGpaRange) kept as sorted regions over engine slots. */
#ifndef OPENWHP_MEMORY_H
#define OPENWHP_MEMORY_H

#include <pthread.h>
#include <stdint.h>

struct engine_vm;
struct engine_ops;

/* One mapped run of guest-physical pages, contiguous in host memory. */
struct gpa_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
	uint32_t flags; /* WHV_MAP_GPA_RANGE_FLAGS */
	int32_t id;	/* engine region id; -1 when not given to the engine */
	/*
	 * TrackDirtyPages only: pages written and not yet queried, one bit per
	 * page. The engine's log is drained into it whenever the region's slot
	 * is queried, split, joined or removed, so no dirty page is lost when
	 * another mapping reshapes the slots. NULL for untracked regions.
	 */
	uint64_t *dirty;
};

/*
 * The map. Regions are sorted by gpa and never overlap. A region mapped
 * without Read access is recorded (so an access is a permission fault, not an
 * unmapped GPA) but not given to the engine: KVM memslots are always readable.
 */
struct gpa_map {
	pthread_rwlock_t lock;
	struct gpa_region *r;
	uint32_t count, cap;
	uint8_t *id_used; /* max_ids entries */
	uint32_t max_ids;
	/* The engine side; NULL until the partition is set up (maps then wait). */
	const struct engine_ops *ops;
	struct engine_vm *vm;
};

int gpa_map_init(struct gpa_map *m, uint32_t max_ids);
void gpa_map_destroy(struct gpa_map *m);

/* gpa_map_attach: give all recorded regions to a newly created engine VM. */
int gpa_map_attach(struct gpa_map *m, const struct engine_ops *ops, struct engine_vm *vm);

/*
 * gpa_map_add: map [gpa, gpa+size) to (hva) with (flags), replacing whatever
 * mapped any of those pages before (WHP semantics), splitting and rejoining
 * regions (and so engine slots) as needed. gpa_map_remove: unmap the pages
 * of [gpa, gpa+size) that are mapped; OE_GPA_RANGE_NOT_FOUND when none is.
 * Arguments are validated by the caller (page alignment, overflow, flags).
 */
int gpa_map_add(struct gpa_map *m, uint64_t gpa, uint64_t size, uint8_t *hva, uint32_t flags);
int gpa_map_remove(struct gpa_map *m, uint64_t gpa, uint64_t size);

/*
 * gpa_map_access: copy (len) bytes between guest-physical (gpa) and (buf);
 * (write) selects the direction. Needs every byte mapped (with Write for a
 * write when (check_write)); 0 or -EFAULT. A write marks the pages it
 * touches dirty in regions that track dirty pages: it changed guest memory
 * as a guest store would.
 */
int gpa_map_access(struct gpa_map *m, uint64_t gpa, void *buf, uint32_t len, int write,
		   int check_write);

/* gpa_map_flags: flags of the page holding (gpa), or -1 when unmapped. */
int gpa_map_flags(struct gpa_map *m, uint64_t gpa);

/*
 * gpa_map_dirty: WHvQueryGpaRangeDirtyBitmap over the pages of [gpa,
 * gpa+size) (page-aligned, validated by the caller). Every page must be
 * mapped with WHvMapGpaRangeFlagTrackDirtyPages, across any number of
 * regions; otherwise OE_GPA_RANGE_NOT_FOUND and nothing changes. Writes one
 * bit per page into (bitmap) (bit n of word k = page 64k+n; the words the
 * range needs, the unused high bits of the last one zero) unless it is NULL,
 * then clears those pages' dirty state.
 */
int gpa_map_dirty(struct gpa_map *m, uint64_t gpa, uint64_t size, uint64_t *bitmap);

/*
 * gpa_map_page_counts: the map as the largest pages that could back it: a
 * 1 GiB or 2 MiB page wherever a whole aligned block is mapped from an
 * equally aligned host address, 4 KiB pages elsewhere
 * (WHV_PARTITION_MEMORY_COUNTERS).
 */
void gpa_map_page_counts(struct gpa_map *m, uint64_t *n4k, uint64_t *n2m, uint64_t *n1g);

#endif
