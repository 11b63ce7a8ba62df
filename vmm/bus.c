/* bus.c: port-I/O range registry and dispatch (see bus.h). */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "bus.h"
#include "error.h"

void bus_init(struct bus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

int bus_register(struct bus *bus, uint16_t base, uint32_t len, bus_io_fn fn, void *opaque,
		 const char *name)
{
	uint32_t end = (uint32_t)base + len; /* exclusive; fits: <= 0x1FFFF */
	unsigned int i, pos;

	if (!name)
		name = "device";
	if (!fn || len == 0 || len > 0x10000u || end > 0x10000u) {
		vmm_error_set("%s: bad port range 0x%x+%u", name, base, len);
		return -EINVAL;
	}
	pos = bus->count;
	for (i = 0; i < bus->count; i++) {
		const struct bus_range *r = &bus->ranges[i];

		if (base < r->base + r->len && r->base < end) {
			vmm_error_set("%s: ports 0x%x-0x%x overlap %s at 0x%x-0x%x", name, base,
				      end - 1, r->name, r->base, r->base + r->len - 1);
			return -EEXIST;
		}
		if (pos == bus->count && base < r->base)
			pos = i;
	}
	if (bus->count == BUS_MAX_RANGES) {
		vmm_error_set("%s: the I/O bus is full (%d ranges)", name, BUS_MAX_RANGES);
		return -ENOSPC;
	}
	memmove(&bus->ranges[pos + 1], &bus->ranges[pos],
		(bus->count - pos) * sizeof(bus->ranges[0]));
	bus->ranges[pos] = (struct bus_range){
		.base = base,
		.len = len,
		.fn = fn,
		.opaque = opaque,
		.name = name,
	};
	bus->count++;
	return 0;
}

const struct bus_range *bus_find(const struct bus *bus, uint16_t port)
{
	unsigned int lo = 0, hi = bus->count;

	/* Binary search over the sorted, disjoint ranges. */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct bus_range *r = &bus->ranges[mid];

		if (port < r->base)
			hi = mid;
		else if (port >= r->base + r->len)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

int bus_io(struct bus *bus, uint16_t port, bool is_write, uint32_t *data, unsigned int size)
{
	const struct bus_range *r;

	if (size != 1 && size != 2 && size != 4)
		return -EINVAL;
	r = bus_find(bus, port);
	if (!r || (uint32_t)port + size > r->base + r->len) {
		/* Nobody drives the data lines: reads float high (all ones). */
		bus->unclaimed++;
		if (!is_write)
			*data = 0xffffffffu;
		return 0;
	}
	/* The registry owns the ranges; bus_find() hands out const views only. */
	bus->ranges[r - bus->ranges].accesses++;
	return r->fn(r->opaque, (uint16_t)(port - r->base), is_write, data, size);
}
