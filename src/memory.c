/* memory.c: the guest-physical map: WHP's replace/split semantics on top of engine slots. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "internal.h"
#include "memory.h"

int gpa_map_init(struct gpa_map *m, uint32_t max_ids)
{
	memset(m, 0, sizeof(*m));
	m->id_used = calloc(max_ids ? max_ids : 1, 1);
	if (!m->id_used)
		return -ENOMEM;
	m->max_ids = max_ids;
	if (pthread_rwlock_init(&m->lock, NULL)) {
		free(m->id_used);
		return -ENOMEM;
	}
	return 0;
}

void gpa_map_destroy(struct gpa_map *m)
{
	uint32_t i;

	/* The engine VM goes away with its slots; only our bookkeeping is left. */
	for (i = 0; i < m->count; i++)
		free(m->r[i].dirty);
	free(m->r);
	free(m->id_used);
	pthread_rwlock_destroy(&m->lock);
	memset(m, 0, sizeof(*m));
}

int gpa_map_attach(struct gpa_map *m, const struct engine_ops *ops, struct engine_vm *vm)
{
	pthread_rwlock_wrlock(&m->lock);
	m->ops = ops;
	m->vm = vm;
	pthread_rwlock_unlock(&m->lock);
	return 0;
}

/* ---- dirty bitmaps: one bit per 4 KiB page, bit n of word k = page 64k+n ---- */

static uint64_t region_pages(const struct gpa_region *r)
{
	return r->size / PAGE_SIZE_4K;
}

static uint64_t bitmap_words(uint64_t pages)
{
	return (pages + 63) / 64;
}

static bool bit_test(const uint64_t *b, uint64_t i)
{
	return (b[i / 64] >> (i % 64)) & 1;
}

/* Copy (n) bits from (src) at bit (soff) to (dst) at bit (doff); whole words where aligned. */
static void bits_copy(uint64_t *dst, uint64_t doff, const uint64_t *src, uint64_t soff, uint64_t n)
{
	while (n) {
		if (doff % 64 == 0 && soff % 64 == 0 && n >= 64) {
			uint64_t w = n / 64;

			memcpy(dst + doff / 64, src + soff / 64, w * 8);
			doff += w * 64;
			soff += w * 64;
			n -= w * 64;
			continue;
		}
		if (bit_test(src, soff))
			dst[doff / 64] |= 1ull << (doff % 64);
		else
			dst[doff / 64] &= ~(1ull << (doff % 64));
		doff++;
		soff++;
		n--;
	}
}

static void bits_clear(uint64_t *b, uint64_t off, uint64_t n)
{
	while (n) {
		if (off % 64 == 0 && n >= 64) {
			uint64_t w = n / 64;

			memset(b + off / 64, 0, w * 8);
			off += w * 64;
			n -= w * 64;
			continue;
		}
		b[off / 64] &= ~(1ull << (off % 64));
		off++;
		n--;
	}
}

/* A new bitmap holding pages [first, first+pages) of (src), or zeros when (src) is NULL. */
static uint64_t *bits_slice(const uint64_t *src, uint64_t first, uint64_t pages)
{
	uint64_t *b = calloc(bitmap_words(pages) ? bitmap_words(pages) : 1, 8);

	if (b && src)
		bits_copy(b, 0, src, first, pages);
	return b;
}

/*
 * Drain the engine's dirty log of (r)'s slot into (r)->dirty (KVM_GET_DIRTY_LOG
 * is fetch-and-clear: api.rst, "KVM_GET_DIRTY_LOG"), so the bits survive the
 * slot being deleted or queried for only part of its pages.
 */
static int region_harvest(struct gpa_map *m, struct gpa_region *r)
{
	uint64_t words = bitmap_words(region_pages(r)), k, *log;
	int rc;

	if (r->id < 0 || !r->dirty || !m->ops->vm_dirty_log)
		return 0;
	log = calloc(words ? words : 1, 8);
	if (!log)
		return -ENOMEM;
	rc = m->ops->vm_dirty_log(m->vm, (uint32_t)r->id, log);
	for (k = 0; rc == 0 && k < words; k++)
		r->dirty[k] |= log[k];
	free(log);
	return rc;
}

/* Give (r) an engine slot, unless it has no Read access (see memory.h). */
static int region_give(struct gpa_map *m, struct gpa_region *r)
{
	uint32_t id;
	int rc;

	r->id = -1;
	if ((r->flags & WHvMapGpaRangeFlagTrackDirtyPages) && !r->dirty) {
		r->dirty = bits_slice(NULL, 0, region_pages(r));
		if (!r->dirty)
			return -ENOMEM;
	}
	if (!(r->flags & WHvMapGpaRangeFlagRead))
		return 0;
	for (id = 0; id < m->max_ids && m->id_used[id]; id++)
		;
	if (id == m->max_ids)
		return err_set(-ENOSPC, "all %u memory slots are in use", m->max_ids);
	rc = m->ops->vm_map(m->vm, id, r->gpa, r->size, r->hva, r->flags);
	if (rc)
		return rc;
	m->id_used[id] = 1;
	r->id = (int32_t)id;
	return 0;
}

/* Take (r)'s slot back from the engine, keeping its dirty pages in (r)->dirty. */
static int region_take(struct gpa_map *m, struct gpa_region *r)
{
	int rc;

	if (r->id < 0)
		return 0;
	rc = region_harvest(m, r);
	if (rc)
		return rc;
	m->ops->vm_unmap(m->vm, (uint32_t)r->id, r->gpa);
	m->id_used[r->id] = 0;
	r->id = -1;
	return 0;
}

static int regions_reserve(struct gpa_map *m, uint32_t extra)
{
	struct gpa_region *n;
	uint32_t cap;

	if (m->count + extra <= m->cap)
		return 0;
	cap = m->cap ? m->cap * 2 : 16;
	while (cap < m->count + extra)
		cap *= 2;
	n = realloc(m->r, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	m->r = n;
	m->cap = cap;
	return 0;
}

/* Insert (r) keeping the array sorted; space was reserved. Returns its index. */
static uint32_t regions_insert(struct gpa_map *m, const struct gpa_region *r)
{
	uint32_t i = 0;

	while (i < m->count && m->r[i].gpa < r->gpa)
		i++;
	memmove(&m->r[i + 1], &m->r[i], (m->count - i) * sizeof(*r));
	m->r[i] = *r;
	m->count++;
	return i;
}

static void regions_delete(struct gpa_map *m, uint32_t i)
{
	memmove(&m->r[i], &m->r[i + 1], (m->count - i - 1) * sizeof(m->r[0]));
	m->count--;
}

/*
 * Cut [gpa, end) out of every region, keeping the pieces outside it. Each
 * region touched loses its slot and each surviving piece gets a new one (KVM
 * cannot resize a memslot: api.rst, KVM_SET_USER_MEMORY_REGION). Sets
 * (*found) when any page was mapped.
 */
static int regions_cut(struct gpa_map *m, uint64_t gpa, uint64_t end, int *found)
{
	uint32_t i = 0;
	int rc;

	*found = 0;
	while (i < m->count) {
		struct gpa_region r = m->r[i];
		uint64_t rend = r.gpa + r.size;
		struct gpa_region left = r, right = r;

		if (rend <= gpa || r.gpa >= end) {
			i++;
			continue;
		}
		*found = 1;
		rc = region_take(m, &m->r[i]);
		if (rc)
			return rc;
		regions_delete(m, i);
		/* The pieces that stay keep their pages' dirty bits; the cut ones lose them. */
		left.dirty = right.dirty = NULL;
		rc = regions_reserve(m, 2);
		if (rc == 0 && r.gpa < gpa) {
			left.size = gpa - r.gpa;
			if (r.dirty) {
				left.dirty = bits_slice(r.dirty, 0, region_pages(&left));
				if (!left.dirty)
					rc = -ENOMEM;
			}
			if (rc == 0)
				rc = region_give(m, &left);
			if (rc == 0) {
				regions_insert(m, &left);
				left.dirty = NULL;
				i++;
			}
		}
		if (rc == 0 && rend > end) {
			right.gpa = end;
			right.size = rend - end;
			right.hva = r.hva + (end - r.gpa);
			if (r.dirty) {
				right.dirty = bits_slice(r.dirty, (end - r.gpa) / PAGE_SIZE_4K,
							 region_pages(&right));
				if (!right.dirty)
					rc = -ENOMEM;
			}
			if (rc == 0)
				rc = region_give(m, &right);
			if (rc == 0) {
				regions_insert(m, &right);
				right.dirty = NULL;
				i++;
			}
		}
		free(left.dirty);
		free(right.dirty);
		free(r.dirty);
		if (rc)
			return rc;
	}
	return 0;
}

/* Can (a) and the region after it be one slot? Same flags, contiguous on both sides. */
static int regions_joinable(const struct gpa_region *a, const struct gpa_region *b)
{
	return a->gpa + a->size == b->gpa && a->hva + a->size == b->hva && a->flags == b->flags;
}

/* Rejoin region (i) with contiguous neighbours so a split range becomes one slot again. */
static int regions_join(struct gpa_map *m, uint32_t i)
{
	struct gpa_region merged;
	uint32_t first = i, last = i, k;
	int rc;

	if (first > 0 && regions_joinable(&m->r[first - 1], &m->r[first]))
		first--;
	if (last + 1 < m->count && regions_joinable(&m->r[last], &m->r[last + 1]))
		last++;
	if (first == last)
		return 0;
	merged = m->r[first];
	merged.size = m->r[last].gpa + m->r[last].size - merged.gpa;
	merged.dirty = NULL;
	if (merged.flags & WHvMapGpaRangeFlagTrackDirtyPages) {
		merged.dirty = bits_slice(NULL, 0, region_pages(&merged));
		if (!merged.dirty)
			return -ENOMEM;
	}
	for (k = first; k <= last; k++) {
		rc = region_take(m, &m->r[k]);
		if (rc) {
			free(merged.dirty);
			return rc;
		}
	}
	for (k = first; k <= last; k++) {
		if (merged.dirty && m->r[first].dirty)
			bits_copy(merged.dirty, (m->r[first].gpa - merged.gpa) / PAGE_SIZE_4K,
				  m->r[first].dirty, 0, region_pages(&m->r[first]));
		free(m->r[first].dirty);
		regions_delete(m, first);
	}
	rc = region_give(m, &merged);
	if (rc) {
		free(merged.dirty);
		return rc;
	}
	regions_insert(m, &merged);
	return 0;
}

int gpa_map_add(struct gpa_map *m, uint64_t gpa, uint64_t size, uint8_t *hva, uint32_t flags)
{
	struct gpa_region r = { .gpa = gpa, .size = size, .hva = hva, .flags = flags, .id = -1 };
	int found, rc;

	pthread_rwlock_wrlock(&m->lock);
	rc = regions_cut(m, gpa, gpa + size, &found);
	if (rc)
		goto out;
	rc = regions_reserve(m, 1);
	if (rc)
		goto out;
	rc = region_give(m, &r);
	if (rc) {
		free(r.dirty);
		goto out;
	}
	rc = regions_join(m, regions_insert(m, &r));
out:
	pthread_rwlock_unlock(&m->lock);
	return rc;
}

int gpa_map_remove(struct gpa_map *m, uint64_t gpa, uint64_t size)
{
	int found, rc;

	pthread_rwlock_wrlock(&m->lock);
	rc = regions_cut(m, gpa, gpa + size, &found);
	pthread_rwlock_unlock(&m->lock);
	if (rc)
		return rc;
	if (!found)
		return err_set(OE_GPA_RANGE_NOT_FOUND, "no page of GPA 0x%llx+0x%llx is mapped",
			       (unsigned long long)gpa, (unsigned long long)size);
	return 0;
}

/* The region holding (gpa), or NULL; read lock held. Binary search. */
static struct gpa_region *region_find(struct gpa_map *m, uint64_t gpa)
{
	uint32_t lo = 0, hi = m->count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		struct gpa_region *r = &m->r[mid];

		if (gpa < r->gpa)
			hi = mid;
		else if (gpa - r->gpa >= r->size)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

/*
 * Mark the pages of [gpa, gpa+n) in (r) dirty. Callers hold the read lock
 * only, so several may do this at once: atomic OR. Queries, which clear bits,
 * hold the write lock.
 */
static void region_mark(const struct gpa_region *r, uint64_t gpa, uint64_t n)
{
	uint64_t pg = (gpa - r->gpa) / PAGE_SIZE_4K, last = (gpa + n - 1 - r->gpa) / PAGE_SIZE_4K;

	for (; pg <= last; pg++)
		__atomic_fetch_or(&r->dirty[pg / 64], 1ull << (pg % 64), __ATOMIC_RELAXED);
}

int gpa_map_access(struct gpa_map *m, uint64_t gpa, void *buf, uint32_t len, int write,
		   int check_write)
{
	uint8_t *p = buf;
	int rc = 0;

	pthread_rwlock_rdlock(&m->lock);
	while (len) {
		const struct gpa_region *r = region_find(m, gpa);
		uint64_t n;

		if (!r || !(r->flags & WHvMapGpaRangeFlagRead) ||
		    (write && check_write && !(r->flags & WHvMapGpaRangeFlagWrite))) {
			rc = -EFAULT;
			break;
		}
		n = r->gpa + r->size - gpa;
		if (n > len)
			n = len;
		if (write) {
			memcpy(r->hva + (gpa - r->gpa), p, n);
			if (r->dirty)
				region_mark(r, gpa, n);
		} else
			memcpy(p, r->hva + (gpa - r->gpa), n);
		p += n;
		gpa += n;
		len -= (uint32_t)n;
	}
	pthread_rwlock_unlock(&m->lock);
	return rc;
}

int gpa_map_flags(struct gpa_map *m, uint64_t gpa)
{
	const struct gpa_region *r;
	int flags;

	pthread_rwlock_rdlock(&m->lock);
	r = region_find(m, gpa);
	flags = r ? (int)r->flags : -1;
	pthread_rwlock_unlock(&m->lock);
	return flags;
}

int gpa_map_dirty(struct gpa_map *m, uint64_t gpa, uint64_t size, uint64_t *bitmap)
{
	uint64_t end = gpa + size, pos;
	int rc = 0;

	pthread_rwlock_wrlock(&m->lock);
	/* First the whole range must be tracked, so a refused query changes nothing. */
	for (pos = gpa; pos < end;) {
		const struct gpa_region *r = region_find(m, pos);

		if (!r || !(r->flags & WHvMapGpaRangeFlagTrackDirtyPages)) {
			rc = err_set(OE_GPA_RANGE_NOT_FOUND,
				     "GPA 0x%llx is not mapped with "
				     "dirty-page tracking",
				     (unsigned long long)pos);
			goto out;
		}
		pos = r->gpa + r->size;
	}
	if (bitmap)
		memset(bitmap, 0, bitmap_words(size / PAGE_SIZE_4K) * 8);
	for (pos = gpa; pos < end;) {
		struct gpa_region *r = region_find(m, pos);
		uint64_t first = (pos - r->gpa) / PAGE_SIZE_4K;
		uint64_t stop = r->gpa + r->size < end ? r->gpa + r->size : end;
		uint64_t pages = (stop - pos) / PAGE_SIZE_4K;

		rc = region_harvest(m, r);
		if (rc)
			goto out;
		if (bitmap)
			bits_copy(bitmap, (pos - gpa) / PAGE_SIZE_4K, r->dirty, first, pages);
		bits_clear(r->dirty, first, pages);
		pos = stop;
	}
out:
	pthread_rwlock_unlock(&m->lock);
	return rc;
}

/* Pages of [a, b) as (size)-byte pages, given a (size)-aligned guest-host offset. */
static uint64_t align_down(uint64_t x, uint64_t a)
{
	return x & ~(a - 1);
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

void gpa_map_page_counts(struct gpa_map *m, uint64_t *n4k, uint64_t *n2m, uint64_t *n1g)
{
	const uint64_t s2m = 2ull << 20, s1g = 1ull << 30;
	uint32_t i;

	*n4k = *n2m = *n1g = 0;
	pthread_rwlock_rdlock(&m->lock);
	for (i = 0; i < m->count; i++) {
		const struct gpa_region *r = &m->r[i];
		uint64_t off = r->gpa - (uint64_t)(uintptr_t)r->hva;
		uint64_t a, b, c, d, end = r->gpa + r->size;

		/* A large page needs guest and host address aligned alike. */
		a = align_up(r->gpa, s2m);
		b = align_down(end, s2m);
		if (off % s2m || a >= b) {
			*n4k += r->size / PAGE_SIZE_4K;
			continue;
		}
		*n4k += (a - r->gpa + end - b) / PAGE_SIZE_4K;
		c = align_up(a, s1g);
		d = align_down(b, s1g);
		if (off % s1g || c >= d) {
			*n2m += (b - a) / s2m;
			continue;
		}
		*n1g += (d - c) / s1g;
		*n2m += (c - a + b - d) / s2m;
	}
	pthread_rwlock_unlock(&m->lock);
}
