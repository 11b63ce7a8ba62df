/* test_vmm_bus.c: port-range registration and dispatch of the VMM's I/O bus. */
#include <errno.h>
#include <stdint.h>

#include <criterion/criterion.h>

#include "vmm/bus.h"

struct fake_dev {
	int calls;
	uint16_t last_offset;
	bool last_write;
	uint32_t last_data;
	unsigned int last_size;
	uint32_t read_value;
	int result;
};

static int fake_io(void *opaque, uint16_t offset, bool is_write, uint32_t *data, unsigned int size)
{
	struct fake_dev *d = opaque;

	d->calls++;
	d->last_offset = offset;
	d->last_write = is_write;
	d->last_size = size;
	if (is_write)
		d->last_data = *data;
	else
		*data = d->read_value;
	return d->result;
}

Test(vmm_bus, dispatches_to_the_owner_with_the_offset)
{
	struct bus bus;
	struct fake_dev a = { .read_value = 0x11 }, b = { .read_value = 0x22 };
	uint32_t v;

	bus_init(&bus);
	cr_assert_eq(bus_register(&bus, 0x3f8, 8, fake_io, &a, "a"), 0);
	cr_assert_eq(bus_register(&bus, 0x80, 1, fake_io, &b, "b"), 0);

	v = 0x41;
	cr_assert_eq(bus_io(&bus, 0x3f8, true, &v, 1), 0);
	cr_assert_eq(a.calls, 1);
	cr_assert_eq(a.last_offset, 0);
	cr_assert(a.last_write);
	cr_assert_eq(a.last_data, 0x41);
	cr_assert_eq(a.last_size, 1);

	v = 0;
	cr_assert_eq(bus_io(&bus, 0x3fd, false, &v, 1), 0);
	cr_assert_eq(a.last_offset, 5);
	cr_assert_eq(v, 0x11);

	cr_assert_eq(bus_io(&bus, 0x80, false, &v, 1), 0);
	cr_assert_eq(v, 0x22);
	cr_assert_eq(b.calls, 1);
	cr_assert_eq(a.calls, 2);
	cr_assert_eq(bus.unclaimed, 0);
}

Test(vmm_bus, overlapping_ranges_are_refused)
{
	struct bus bus;
	struct fake_dev d = { 0 };

	bus_init(&bus);
	cr_assert_eq(bus_register(&bus, 0x100, 0x10, fake_io, &d, "x"), 0);
	cr_assert_eq(bus_register(&bus, 0x10f, 1, fake_io, &d, "y"), -EEXIST);
	cr_assert_eq(bus_register(&bus, 0xf0, 0x11, fake_io, &d, "y"), -EEXIST);
	cr_assert_eq(bus_register(&bus, 0x0, 0x1000, fake_io, &d, "y"), -EEXIST);
	cr_assert_eq(bus_register(&bus, 0x104, 2, fake_io, &d, "y"), -EEXIST);
	/* Touching but not overlapping is fine on both sides. */
	cr_assert_eq(bus_register(&bus, 0xf0, 0x10, fake_io, &d, "below"), 0);
	cr_assert_eq(bus_register(&bus, 0x110, 0x10, fake_io, &d, "above"), 0);
	cr_assert_eq(bus.count, 3);
}

Test(vmm_bus, bad_ranges_are_refused)
{
	struct bus bus;
	struct fake_dev d = { 0 };

	bus_init(&bus);
	cr_assert_eq(bus_register(&bus, 0x10, 0, fake_io, &d, "empty"), -EINVAL);
	cr_assert_eq(bus_register(&bus, 0xfff0, 0x11, fake_io, &d, "past"), -EINVAL);
	cr_assert_eq(bus_register(&bus, 0x10, 1, NULL, &d, "nofn"), -EINVAL);
	cr_assert_eq(bus_register(&bus, 0xfff0, 0x10, fake_io, &d, "top"), 0);
	cr_assert_eq(bus_register(&bus, 0, 0x10000, fake_io, &d, "all"), -EEXIST);
	cr_assert_eq(bus.count, 1);
}

Test(vmm_bus, the_whole_port_space_can_be_one_range)
{
	struct bus bus;
	struct fake_dev d = { 0 };
	uint32_t v = 1;

	bus_init(&bus);
	cr_assert_eq(bus_register(&bus, 0, 0x10000, fake_io, &d, "all"), 0);
	cr_assert_eq(bus_io(&bus, 0xffff, true, &v, 1), 0);
	cr_assert_eq(d.last_offset, 0xffff);
}

Test(vmm_bus, full_bus_reports_no_space)
{
	struct bus bus;
	struct fake_dev d = { 0 };
	unsigned int i;

	bus_init(&bus);
	for (i = 0; i < BUS_MAX_RANGES; i++)
		cr_assert_eq(bus_register(&bus, (uint16_t)(i * 4), 2, fake_io, &d, "n"), 0);
	cr_assert_eq(bus_register(&bus, 0x8000, 1, fake_io, &d, "more"), -ENOSPC);
}

Test(vmm_bus, ranges_are_found_in_any_registration_order)
{
	struct bus bus;
	struct fake_dev d[5] = { 0 };
	static const uint16_t bases[5] = { 0x500, 0x10, 0xfff0, 0x3f8, 0x60 };
	unsigned int i;

	bus_init(&bus);
	for (i = 0; i < 5; i++)
		cr_assert_eq(bus_register(&bus, bases[i], 4, fake_io, &d[i], "d"), 0);
	for (i = 0; i + 1 < bus.count; i++)
		cr_assert_lt(bus.ranges[i].base, bus.ranges[i + 1].base);
	for (i = 0; i < 5; i++) {
		const struct bus_range *r = bus_find(&bus, (uint16_t)(bases[i] + 3));

		cr_assert_not_null(r);
		cr_assert_eq(r->opaque, &d[i]);
		cr_assert_null(bus_find(&bus, (uint16_t)(bases[i] + 4)));
	}
	cr_assert_null(bus_find(&bus, 0));
}

Test(vmm_bus, unclaimed_ports_float_high_and_are_counted)
{
	struct bus bus;
	struct fake_dev d = { .read_value = 0 };
	uint32_t v = 0;

	bus_init(&bus);
	cr_assert_eq(bus_register(&bus, 0x70, 2, fake_io, &d, "rtc"), 0);
	cr_assert_eq(bus_io(&bus, 0x20, false, &v, 1), 0);
	cr_assert_eq(v, 0xffffffffu);
	v = 5;
	cr_assert_eq(bus_io(&bus, 0x21, true, &v, 1), 0);
	/* A 4-byte access at 0x70 would cover 0x70-0x73: straddles the range end. */
	cr_assert_eq(bus_io(&bus, 0x70, false, &v, 4), 0);
	cr_assert_eq(v, 0xffffffffu);
	cr_assert_eq(d.calls, 0);
	cr_assert_eq(bus.unclaimed, 3);
	/* A 2-byte access that fits is delivered whole. */
	cr_assert_eq(bus_io(&bus, 0x70, false, &v, 2), 0);
	cr_assert_eq(d.calls, 1);
	cr_assert_eq(d.last_size, 2);
}

Test(vmm_bus, bad_sizes_and_device_errors_are_reported)
{
	struct bus bus;
	struct fake_dev d = { .result = -EIO };
	uint32_t v = 0;

	bus_init(&bus);
	cr_assert_eq(bus_register(&bus, 0x10, 8, fake_io, &d, "d"), 0);
	cr_assert_eq(bus_io(&bus, 0x10, true, &v, 3), -EINVAL);
	cr_assert_eq(bus_io(&bus, 0x10, true, &v, 8), -EINVAL);
	cr_assert_eq(d.calls, 0);
	cr_assert_eq(bus_io(&bus, 0x10, true, &v, 4), -EIO);
	cr_assert_eq(d.calls, 1);
}
