/* test_vmm_ram.c: the bounds-checked guest-memory accessor, including overflow cases. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vmm/ram.h"

static uint8_t backing[64 * 1024];

Test(vmm_ram, inside_ranges_map_to_host_offsets)
{
	struct ram ram;

	ram_wrap(&ram, backing, sizeof(backing));
	cr_assert_eq(ram_ptr(&ram, 0, 1), backing);
	cr_assert_eq(ram_ptr(&ram, 0x1234, 16), backing + 0x1234);
	cr_assert_eq(ram_ptr(&ram, 0, sizeof(backing)), backing);
	cr_assert_eq(ram_ptr(&ram, sizeof(backing) - 4, 4), backing + sizeof(backing) - 4);
	/* An empty range ending exactly at the end of RAM is inside. */
	cr_assert_eq(ram_ptr(&ram, sizeof(backing), 0), backing + sizeof(backing));
}

Test(vmm_ram, ranges_past_the_end_are_refused)
{
	struct ram ram;

	ram_wrap(&ram, backing, sizeof(backing));
	cr_assert_null(ram_ptr(&ram, sizeof(backing), 1));
	cr_assert_null(ram_ptr(&ram, sizeof(backing) - 3, 4));
	cr_assert_null(ram_ptr(&ram, 0, sizeof(backing) + 1));
	cr_assert_null(ram_ptr(&ram, sizeof(backing) + 1, 0));
}

Test(vmm_ram, overflowing_sums_are_refused)
{
	struct ram ram;

	ram_wrap(&ram, backing, sizeof(backing));
	/* gpa + len wraps to a small number: must not look "inside". */
	cr_assert_null(ram_ptr(&ram, UINT64_MAX, 2));
	cr_assert_null(ram_ptr(&ram, UINT64_MAX - 0xff, 0x1000));
	cr_assert_null(ram_ptr(&ram, 1, UINT64_MAX));
	cr_assert_null(ram_ptr(&ram, 0x10, UINT64_MAX - 0xf));
	cr_assert_null(ram_ptr(&ram, UINT64_MAX, UINT64_MAX));
}

Test(vmm_ram, absent_ram_gives_null)
{
	struct ram ram;

	ram_wrap(&ram, NULL, 4096);
	cr_assert_eq(ram.size, 0);
	cr_assert_null(ram_ptr(&ram, 0, 0));
	cr_assert_null(ram_ptr(&ram, 0, 1));
}

Test(vmm_ram, read_write_copy_or_refuse_whole)
{
	struct ram ram;
	uint8_t out[8], in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	memset(backing, 0xaa, sizeof(backing));
	ram_wrap(&ram, backing, sizeof(backing));
	cr_assert_eq(ram_write(&ram, 0x100, in, sizeof(in)), 0);
	cr_assert_eq(memcmp(backing + 0x100, in, sizeof(in)), 0);
	cr_assert_eq(ram_read(&ram, 0x100, out, sizeof(out)), 0);
	cr_assert_eq(memcmp(out, in, sizeof(in)), 0);

	/* A range running off the end copies nothing at all. */
	cr_assert_eq(ram_write(&ram, sizeof(backing) - 4, in, sizeof(in)), -EFAULT);
	cr_assert_eq(backing[sizeof(backing) - 4], 0xaa);
	cr_assert_eq(ram_read(&ram, UINT64_MAX - 2, out, sizeof(out)), -EFAULT);
}

Test(vmm_ram, create_rejects_bad_sizes_and_maps_zeroed_memory)
{
	struct ram ram;
	uint8_t *p;

	cr_assert_eq(ram_create(&ram, 0), -EINVAL);
	cr_assert_eq(ram_create(&ram, 4097), -EINVAL);
	cr_assert_eq(ram_create(&ram, 2 << 20), 0);
	cr_assert_eq(ram.size, 2u << 20);
	p = ram_ptr(&ram, (2 << 20) - 1, 1);
	cr_assert_not_null(p);
	cr_assert_eq(*p, 0);
	*p = 0x5a; /* writable */
	cr_assert_eq(*(uint8_t *)ram_ptr(&ram, (2 << 20) - 1, 1), 0x5a);
	ram_destroy(&ram);
	cr_assert_null(ram.host);
	cr_assert_null(ram_ptr(&ram, 0, 1));
}
