/* memory.c: the guest-physical map: WHP's replace/split semantics on top of engine slots. */
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
	/* The engine VM goes away with its slots; only our bookkeeping is left. */
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

/* Give (r) an engine slot, unless it has no Read access (see memory.h). */
static int region_give(struct gpa_map *m, struct gpa_region *r)
{
	uint32_t id;
	int rc;

	r->id = -1;
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

static void region_take(struct gpa_map *m, struct gpa_region *r)
{
	if (r->id < 0)
		return;
	m->ops->vm_unmap(m->vm, (uint32_t)r->id, r->gpa);
	m->id_used[r->id] = 0;
	r->id = -1;
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
		region_take(m, &m->r[i]);
		regions_delete(m, i);
		if (regions_reserve(m, 2))
			return -ENOMEM;
		if (r.gpa < gpa) {
			left.size = gpa - r.gpa;
			rc = region_give(m, &left);
			if (rc)
				return rc;
			regions_insert(m, &left);
			i++;
		}
		if (rend > end) {
			right.gpa = end;
			right.size = rend - end;
			right.hva = r.hva + (end - r.gpa);
			rc = region_give(m, &right);
			if (rc)
				return rc;
			regions_insert(m, &right);
			i++;
		}
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
	struct gpa_region merged = m->r[i];
	uint32_t first = i, last = i, k;

	if (first > 0 && regions_joinable(&m->r[first - 1], &m->r[first]))
		first--;
	if (last + 1 < m->count && regions_joinable(&m->r[last], &m->r[last + 1]))
		last++;
	if (first == last)
		return 0;
	merged = m->r[first];
	merged.size = m->r[last].gpa + m->r[last].size - merged.gpa;
	for (k = first; k <= last; k++)
		region_take(m, &m->r[k]);
	for (k = first; k <= last; k++)
		regions_delete(m, first);
	if (region_give(m, &merged))
		return -ENOSPC;
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
	if (rc)
		goto out;
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
static const struct gpa_region *region_find(const struct gpa_map *m, uint64_t gpa)
{
	uint32_t lo = 0, hi = m->count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct gpa_region *r = &m->r[mid];

		if (gpa < r->gpa)
			hi = mid;
		else if (gpa - r->gpa >= r->size)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
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
		if (write)
			memcpy(r->hva + (gpa - r->gpa), p, n);
		else
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
