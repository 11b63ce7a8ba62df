/* test_memory.c: WHvMapGpaRange/WHvUnmapGpaRange/WHvRead/WriteGpaRange as a guest sees them. */
#include "whp_test.h"

TestSuite(memory, .timeout = 30);

/* Extra ranges live above the builder's RAM, in 32-bit flat address space. */
#define EXTRA_GPA 0x100000ull

/*
 * probe_read(vm, gpa, value): the 32-bit guest loads a dword from gpa.
 * Returns the exit reason: X64IoPortAccess (the load completed, *value is
 * what the guest read) or whatever the load itself produced.
 */
static UINT32 probe_read(struct whpt_vm *vm, uint64_t gpa, uint32_t *value)
{
	whpt_set64(vm, WHvX64RegisterRdi, gpa);
	whpt_goto(vm, B_READ);
	whpt_run(vm);
	if (vm->exit.ExitReason == WHvRunVpExitReasonX64IoPortAccess) {
		whpt_assert_at(vm, B_READ_DONE);
		*value = (uint32_t)vm->exit.IoPortAccess.Rax;
	}
	return vm->exit.ExitReason;
}

/* probe_write(vm, gpa, value): the 32-bit guest stores a dword to gpa. */
static UINT32 probe_write(struct whpt_vm *vm, uint64_t gpa, uint32_t value)
{
	whpt_set64(vm, WHvX64RegisterRdi, gpa);
	whpt_set64(vm, WHvX64RegisterRsi, value);
	whpt_goto(vm, B_WRITE);
	whpt_run(vm);
	if (vm->exit.ExitReason == WHvRunVpExitReasonX64IoPortAccess)
		whpt_assert_at(vm, B_WRITE_DONE);
	return vm->exit.ExitReason;
}

/* the guest reads value at gpa */
static void assert_guest_reads(struct whpt_vm *vm, uint64_t gpa, uint32_t want)
{
	uint32_t got = 0;
	UINT32 reason = probe_read(vm, gpa, &got);

	cr_assert(reason == WHvRunVpExitReasonX64IoPortAccess,
		  "guest read of GPA 0x%" PRIx64 " exited %s", gpa, whpt_describe(vm));
	cr_assert(got == want,
		  "guest read 0x%08" PRIx32 " at GPA 0x%" PRIx64 ", expected 0x%08" PRIx32, got,
		  gpa, want);
}

/* the guest's read of gpa exits as MemoryAccess Read on an unmapped GPA */
static void assert_guest_read_exits(struct whpt_vm *vm, uint64_t gpa)
{
	uint32_t got = 0;

	probe_read(vm, gpa, &got);
	WHPT_ASSERT_EXIT(vm, WHvRunVpExitReasonMemoryAccess);
	cr_assert_eq(vm->exit.MemoryAccess.AccessInfo.AccessType, WHvMemoryAccessRead,
		     "AccessType %s",
		     whpt_access_name(vm->exit.MemoryAccess.AccessInfo.AccessType));
	cr_assert_eq(vm->exit.MemoryAccess.AccessInfo.GpaUnmapped, 1);
	WHPT_ASSERT_EQ64(vm->exit.MemoryAccess.Gpa, gpa, "MemoryAccess.Gpa");
	whpt_assert_at(vm, B_READ);
}

static void *page_with(size_t pages, uint32_t first_value)
{
	uint8_t *p = whpt_alloc(pages * 0x1000);
	size_t i;

	for (i = 0; i < pages; i++)
		*(uint32_t *)(void *)(p + i * 0x1000) = first_value + (uint32_t)i;
	return p;
}

Test(memory, mapped_range_is_guest_memory_and_unmapped_range_exits)
{
	struct whpt_vm vm;
	uint32_t *page = page_with(1, 0x600DF00D);

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	WHPT_ASSERT_OK(WHvMapGpaRange(vm.part, page, EXTRA_GPA, 0x1000, WHPT_MAP_RWX));
	assert_guest_reads(&vm, EXTRA_GPA, 0x600DF00D);

	/* shared both ways: a host write is seen by the guest, a guest write by the host */
	page[1] = 0x12345678;
	assert_guest_reads(&vm, EXTRA_GPA + 4, 0x12345678);
	cr_assert_eq(probe_write(&vm, EXTRA_GPA + 8, 0xABCDEF01), WHvRunVpExitReasonX64IoPortAccess,
		     "write exited %s", whpt_describe(&vm));
	cr_assert_eq(page[2], 0xABCDEF01);

	WHPT_ASSERT_OK(WHvUnmapGpaRange(vm.part, EXTRA_GPA, 0x1000));
	assert_guest_read_exits(&vm, EXTRA_GPA);
	whpt_vm_destroy(&vm);
}

Test(memory, remap_after_unmap_shows_the_new_memory)
{
	struct whpt_vm vm;
	void *a = page_with(1, 0xAAAA0000), *b = page_with(1, 0xBBBB0000);

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	WHPT_ASSERT_OK(WHvMapGpaRange(vm.part, a, EXTRA_GPA, 0x1000, WHPT_MAP_RWX));
	assert_guest_reads(&vm, EXTRA_GPA, 0xAAAA0000);
	WHPT_ASSERT_OK(WHvUnmapGpaRange(vm.part, EXTRA_GPA, 0x1000));
	WHPT_ASSERT_OK(WHvMapGpaRange(vm.part, b, EXTRA_GPA, 0x1000, WHPT_MAP_RWX));
	assert_guest_reads(&vm, EXTRA_GPA, 0xBBBB0000);
	whpt_vm_destroy(&vm);
}

Test(memory, unaligned_address_size_or_source_returns_invalidarg)
{
	WHV_PARTITION_HANDLE part = NULL;
	uint8_t *mem = whpt_alloc(0x3000);

	whpt_partition(&part, 1);
	WHPT_ASSERT_HR(WHvMapGpaRange(part, mem, 0x800, 0x1000, WHPT_MAP_RWX), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvMapGpaRange(part, mem, 0, 0x800, WHPT_MAP_RWX), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvMapGpaRange(part, mem, 0, 0x1400, WHPT_MAP_RWX), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvMapGpaRange(part, mem + 0x10, 0, 0x1000, WHPT_MAP_RWX), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvMapGpaRange(part, mem, 0, 0, WHPT_MAP_RWX), E_INVALIDARG);

	WHPT_ASSERT_OK(WHvMapGpaRange(part, mem, 0, 0x2000, WHPT_MAP_RWX));
	WHPT_ASSERT_HR(WHvUnmapGpaRange(part, 0x800, 0x1000), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvUnmapGpaRange(part, 0, 0x800), E_INVALIDARG);
	/* the failed calls changed nothing: the aligned unmap still works */
	WHPT_ASSERT_OK(WHvUnmapGpaRange(part, 0, 0x2000));
	WHPT_ASSERT_OK(WHvDeletePartition(part));
	munmap(mem, 0x3000);
}

Test(memory, map_over_an_existing_mapping_replaces_it)
{
	struct whpt_vm vm;
	void *a = page_with(2, 0xAAAA0000), *b = page_with(1, 0xBBBB0000);
	void *c = page_with(1, 0xCCCC0000);

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	WHPT_ASSERT_OK(WHvMapGpaRange(vm.part, a, EXTRA_GPA, 0x2000, WHPT_MAP_RWX));
	assert_guest_reads(&vm, EXTRA_GPA, 0xAAAA0000);
	assert_guest_reads(&vm, EXTRA_GPA + 0x1000, 0xAAAA0001);

	/* same range: b replaces the first page of a */
	WHPT_ASSERT_OK(WHvMapGpaRange(vm.part, b, EXTRA_GPA, 0x1000, WHPT_MAP_RWX));
	assert_guest_reads(&vm, EXTRA_GPA, 0xBBBB0000);
	assert_guest_reads(&vm, EXTRA_GPA + 0x1000, 0xAAAA0001);

	/* overlapping the second page only: c replaces it, the first page stays b */
	WHPT_ASSERT_OK(WHvMapGpaRange(vm.part, c, EXTRA_GPA + 0x1000, 0x1000, WHPT_MAP_RWX));
	assert_guest_reads(&vm, EXTRA_GPA, 0xBBBB0000);
	assert_guest_reads(&vm, EXTRA_GPA + 0x1000, 0xCCCC0000);
	whpt_vm_destroy(&vm);
}

Test(memory, partial_unmap_leaves_a_hole_with_ram_on_both_sides)
{
	struct whpt_vm vm;
	void *three = page_with(3, 0x70000000);

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	WHPT_ASSERT_OK(WHvMapGpaRange(vm.part, three, EXTRA_GPA, 0x3000, WHPT_MAP_RWX));
	WHPT_ASSERT_OK(WHvUnmapGpaRange(vm.part, EXTRA_GPA + 0x1000, 0x1000));
	assert_guest_reads(&vm, EXTRA_GPA, 0x70000000);
	assert_guest_read_exits(&vm, EXTRA_GPA + 0x1000);
	/* the page after the hole still maps the third host page, not the second */
	assert_guest_reads(&vm, EXTRA_GPA + 0x2000, 0x70000002);
	/* the two remaining pieces unmap independently */
	WHPT_ASSERT_OK(WHvUnmapGpaRange(vm.part, EXTRA_GPA + 0x2000, 0x1000));
	assert_guest_read_exits(&vm, EXTRA_GPA + 0x2000);
	assert_guest_reads(&vm, EXTRA_GPA, 0x70000000);
	whpt_vm_destroy(&vm);
}

Test(memory, unmap_of_unmapped_range_returns_gpa_range_not_found)
{
	WHV_PARTITION_HANDLE part = NULL;
	uint8_t *mem = whpt_alloc(0x1000);

	whpt_partition(&part, 1);
	WHPT_ASSERT_HR(WHvUnmapGpaRange(part, 0x200000, 0x1000), WHV_E_GPA_RANGE_NOT_FOUND);
	WHPT_ASSERT_OK(WHvMapGpaRange(part, mem, 0, 0x1000, WHPT_MAP_RWX));
	WHPT_ASSERT_OK(WHvUnmapGpaRange(part, 0, 0x1000));
	/* unmapping it a second time finds nothing */
	WHPT_ASSERT_HR(WHvUnmapGpaRange(part, 0, 0x1000), WHV_E_GPA_RANGE_NOT_FOUND);
	WHPT_ASSERT_OK(WHvDeletePartition(part));
	munmap(mem, 0x1000);
}

Test(memory, read_only_mapping_reads_but_write_exits_without_changing_memory)
{
	struct whpt_vm vm;
	uint32_t *page = page_with(1, 0x0DDBA11);
	struct whpt_rec w;

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	WHPT_ASSERT_OK(WHvMapGpaRange(vm.part, page, EXTRA_GPA, 0x1000,
				      WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagExecute));
	assert_guest_reads(&vm, EXTRA_GPA, 0x0DDBA11);

	probe_write(&vm, EXTRA_GPA + 0x10, 0xBAD0BAD0);
	WHPT_ASSERT_EXIT(&vm, WHvRunVpExitReasonMemoryAccess);
	cr_assert_eq(vm.exit.MemoryAccess.AccessInfo.AccessType, WHvMemoryAccessWrite,
		     "AccessType %s", whpt_access_name(vm.exit.MemoryAccess.AccessInfo.AccessType));
	cr_assert_eq(vm.exit.MemoryAccess.AccessInfo.GpaUnmapped, 0,
		     "a mapped read-only page is not unmapped");
	WHPT_ASSERT_EQ64(vm.exit.MemoryAccess.Gpa, EXTRA_GPA + 0x10, "MemoryAccess.Gpa");
	whpt_assert_at(&vm, B_WRITE);
	whpt_assert_insn_bytes(&vm, B_WRITE, vm.exit.MemoryAccess.InstructionByteCount,
			       vm.exit.MemoryAccess.InstructionBytes);
	cr_assert_eq(page[4], 0, "the write reached read-only memory: 0x%08" PRIx32, page[4]);

	/* the caller skips the store: the guest goes on and the page is unchanged */
	w = whpt_rec(&vm, B_WRITE);
	whpt_set_rip(&vm, vm.exit.VpContext.Rip + w.len);
	whpt_run(&vm);
	WHPT_ASSERT_EXIT(&vm, WHvRunVpExitReasonX64IoPortAccess);
	whpt_assert_at(&vm, B_WRITE_DONE);
	cr_assert_eq(page[4], 0);
	whpt_vm_destroy(&vm);
}

Test(memory, write_gpa_range_and_read_gpa_range_access_guest_memory)
{
	struct whpt_vm vm;
	WHV_ACCESS_GPA_CONTROLS ctl;
	UINT8 in[16], out[16];
	int i;

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	memset(&ctl, 0, sizeof(ctl));
	ctl.CacheType = WHvCacheTypeWriteBack;
	for (i = 0; i < 16; i++)
		in[i] = (UINT8)(0xA0 + i);
	WHPT_ASSERT_OK(WHvWriteGpaRange(vm.part, 0, WHPT_DATA_GPA + 0x40, ctl, in, sizeof(in)));
	cr_assert(memcmp(vm.ram + WHPT_DATA_GPA + 0x40, in, sizeof(in)) == 0,
		  "WHvWriteGpaRange did not reach guest memory");
	assert_guest_reads(&vm, WHPT_DATA_GPA + 0x40, 0xA3A2A1A0);

	memset(vm.ram + WHPT_DATA_GPA + 0x80, 0x3C, 16);
	memset(out, 0, sizeof(out));
	WHPT_ASSERT_OK(WHvReadGpaRange(vm.part, 0, WHPT_DATA_GPA + 0x80, ctl, out, sizeof(out)));
	for (i = 0; i < 16; i++)
		cr_assert_eq(out[i], 0x3C, "byte %d read as 0x%02x", i, out[i]);
	/* a partial read */
	memset(out, 0, sizeof(out));
	WHPT_ASSERT_OK(WHvReadGpaRange(vm.part, 0, WHPT_DATA_GPA + 0x40, ctl, out, 3));
	cr_assert(out[0] == 0xA0 && out[1] == 0xA1 && out[2] == 0xA2 && out[3] == 0);
	whpt_vm_destroy(&vm);
}

Test(memory, read_gpa_range_rejects_oversize_and_unmapped)
{
	struct whpt_vm vm;
	WHV_ACCESS_GPA_CONTROLS ctl;
	UINT8 buf[32];

	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	memset(&ctl, 0, sizeof(ctl));
	ctl.CacheType = WHvCacheTypeWriteBack;
	WHPT_ASSERT_HR(WHvReadGpaRange(vm.part, 0, WHPT_DATA_GPA, ctl, buf, 17), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvWriteGpaRange(vm.part, 0, WHPT_DATA_GPA, ctl, buf, 17), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvReadGpaRange(vm.part, 0, WHPT_MMIO_GPA, ctl, buf, 4), E_ACCESSDENIED);
	WHPT_ASSERT_HR(WHvWriteGpaRange(vm.part, 0, WHPT_MMIO_GPA, ctl, buf, 4), E_ACCESSDENIED);
	whpt_vm_destroy(&vm);
}
