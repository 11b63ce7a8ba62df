/* bus.h: the port-I/O bus: devices register port ranges, the run loop dispatches accesses. */
#ifndef VMM_BUS_H
#define VMM_BUS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A device claims a range of I/O ports [base, base + len) with a handler.
 * The run loop hands every port access to bus_io() and never looks at port
 * numbers itself (kvmtool's ioport.c and kvm-host's bus.c follow the same
 * idea). Ranges never overlap.
 */

#define BUS_MAX_RANGES 32

/*
 * bus_io_fn: handle one access of (size) bytes (1, 2 or 4) at (port), which
 * lies in the range registered with (opaque). (offset) is port - base. For a
 * write, *data holds the value (only the low size*8 bits are meaningful).
 * For a read, the handler stores the value in *data; bits above size*8 are
 * ignored. Return 0, or a negative errno when the device cannot complete
 * the access (the run stops with a guest failure then).
 */
typedef int (*bus_io_fn)(void *opaque, uint16_t offset, bool is_write, uint32_t *data,
			 unsigned int size);

struct bus_range {
	uint16_t base;
	uint32_t len; /* 1..65536 - base */
	bus_io_fn fn;
	void *opaque;
	const char *name;  /* for messages; not copied */
	uint64_t accesses; /* bus_io() calls dispatched here (--stats) */
};

struct bus {
	struct bus_range ranges[BUS_MAX_RANGES]; /* sorted by base */
	unsigned int count;
	uint64_t unclaimed; /* accesses no device claimed (see bus_io) */
};

/* bus_init: an empty bus. */
void bus_init(struct bus *bus);

/*
 * bus_register: claim ports [base, base + len) for (fn, opaque). (name) must
 * outlive the bus. Returns 0; -EINVAL when len is 0 or the range runs past
 * port 0xFFFF or fn is NULL; -EEXIST when it overlaps a registered range;
 * -ENOSPC when BUS_MAX_RANGES ranges exist. vmm_error() is set on failure.
 */
int bus_register(struct bus *bus, uint16_t base, uint32_t len, bus_io_fn fn, void *opaque,
		 const char *name);

/* bus_find: the range containing (port), or NULL. */
const struct bus_range *bus_find(const struct bus *bus, uint16_t port);

/*
 * bus_io: dispatch one access of (size) bytes at (port). Every byte of the
 * access must fall in the same registered range; accesses that straddle
 * ranges or hit no range are "unclaimed": as on a PC's ISA bus, writes are
 * dropped and reads return all ones, and bus->unclaimed is incremented.
 * Returns 0 (handled or unclaimed), -EINVAL for a size other than 1, 2, 4,
 * or the handler's negative errno.
 */
int bus_io(struct bus *bus, uint16_t port, bool is_write, uint32_t *data, unsigned int size);

#endif /* VMM_BUS_H */
