/* test_capability.c: WHvGetCapability codes, sizes and error returns. */
#include "whp_test.h"

#include <cpuid.h>

TestSuite(capability, .timeout = 30);

Test(capability, hypervisor_present_is_true_with_bool_sized_buffer)
{
	BOOL present = FALSE;
	UINT32 written = 0;

	WHPT_ASSERT_OK(WHvGetCapability(WHvCapabilityCodeHypervisorPresent, &present,
					sizeof(present), &written));
	cr_assert_eq(present, TRUE, "HypervisorPresent = %d with /dev/kvm usable", present);
	cr_assert_eq(written, sizeof(BOOL), "WrittenSizeInBytes = %u", written);
}

Test(capability, whole_union_buffer_is_accepted_and_written_size_is_member_size)
{
	WHV_CAPABILITY cap;
	UINT32 written = 0;

	memset(&cap, 0, sizeof(cap));
	WHPT_ASSERT_OK(
		WHvGetCapability(WHvCapabilityCodeHypervisorPresent, &cap, sizeof(cap), &written));
	cr_assert_eq(cap.HypervisorPresent, TRUE);
	cr_assert_eq(written, sizeof(BOOL), "WrittenSizeInBytes = %u", written);
}

Test(capability, written_size_pointer_is_optional)
{
	BOOL present = FALSE;

	WHPT_ASSERT_OK(WHvGetCapability(WHvCapabilityCodeHypervisorPresent, &present,
					sizeof(present), NULL));
	cr_assert_eq(present, TRUE);
}

Test(capability, features_fill_eight_bytes)
{
	WHV_CAPABILITY_FEATURES f;
	UINT32 written = 0;

	memset(&f, 0xA5, sizeof(f));
	WHPT_ASSERT_OK(WHvGetCapability(WHvCapabilityCodeFeatures, &f, sizeof(f), &written));
	cr_assert_eq(written, sizeof(UINT64));
	cr_assert_eq(f.Reserved, 0, "reserved feature bits set: 0x%" PRIx64, f.AsUINT64);
}

Test(capability, extended_vm_exits_reports_no_rdtsc_exit_kvm_cannot_deliver)
{
	WHV_EXTENDED_VM_EXITS x;
	UINT32 written = 0;

	memset(&x, 0xA5, sizeof(x));
	WHPT_ASSERT_OK(WHvGetCapability(WHvCapabilityCodeExtendedVmExits, &x, sizeof(x), &written));
	cr_assert_eq(written, sizeof(UINT64));
	cr_assert_eq(x.Reserved, 0, "reserved exit bits set: 0x%" PRIx64, x.AsUINT64);
	/* KVM never hands RDTSC to user space (no exit exists to map it to). */
	cr_assert_eq(x.X64RdtscExit, 0, "X64RdtscExit claimed but KVM cannot deliver it");
}

Test(capability, processor_vendor_matches_host_cpuid)
{
	WHV_PROCESSOR_VENDOR vendor = (WHV_PROCESSOR_VENDOR)0x7777;
	UINT32 written = 0;
	unsigned int eax, ebx, ecx, edx;
	char id[13];
	WHV_PROCESSOR_VENDOR want = WHvProcessorVendorIntel;

	WHPT_ASSERT_OK(WHvGetCapability(WHvCapabilityCodeProcessorVendor, &vendor, sizeof(vendor),
					&written));
	cr_assert_eq(written, sizeof(WHV_PROCESSOR_VENDOR));
	__cpuid(0, eax, ebx, ecx, edx);
	(void)eax;
	memcpy(id, &ebx, 4);
	memcpy(id + 4, &edx, 4);
	memcpy(id + 8, &ecx, 4);
	id[12] = 0;
	if (strcmp(id, "GenuineIntel") == 0)
		want = WHvProcessorVendorIntel;
	else if (strcmp(id, "AuthenticAMD") == 0)
		want = WHvProcessorVendorAmd;
	else if (strcmp(id, "HygonGenuine") == 0)
		want = WHvProcessorVendorHygon;
	else
		cr_skip_test("host vendor %s has no WHV_PROCESSOR_VENDOR value", id);
	cr_assert_eq(vendor, want, "ProcessorVendor %d on a %s host", vendor, id);
}

Test(capability, processor_clock_frequency_is_nonzero)
{
	UINT64 hz = 0;
	UINT32 written = 0;

	WHPT_ASSERT_OK(WHvGetCapability(WHvCapabilityCodeProcessorClockFrequency, &hz, sizeof(hz),
					&written));
	cr_assert_eq(written, sizeof(UINT64));
	/* any real x86 clock is above 100 MHz and below 100 GHz */
	cr_assert(hz > 100000000ull && hz < 100000000000ull,
		  "ProcessorClockFrequency = %" PRIu64 " Hz", hz);
}

Test(capability, unknown_code_returns_unknown_capability)
{
	WHV_CAPABILITY cap;
	UINT32 written = 0;

	WHPT_ASSERT_HR(WHvGetCapability((WHV_CAPABILITY_CODE)0x7777, &cap, sizeof(cap), &written),
		       WHV_E_UNKNOWN_CAPABILITY);
	WHPT_ASSERT_HR(WHvGetCapability((WHV_CAPABILITY_CODE)0xFFFFFFF, &cap, sizeof(cap),
					&written),
		       WHV_E_UNKNOWN_CAPABILITY);
}

Test(capability, short_buffer_returns_insufficient_buffer_and_required_size)
{
	UINT8 small[4];
	UINT32 written = 0;

	memset(small, 0, sizeof(small));
	WHPT_ASSERT_HR(WHvGetCapability(WHvCapabilityCodeHypervisorPresent, small, 1, &written),
		       WHV_E_INSUFFICIENT_BUFFER);
	cr_assert_eq(written, sizeof(BOOL), "required size reported as %u", written);

	written = 0;
	WHPT_ASSERT_HR(WHvGetCapability(WHvCapabilityCodeProcessorClockFrequency, small,
					sizeof(small), &written),
		       WHV_E_INSUFFICIENT_BUFFER);
	cr_assert_eq(written, sizeof(UINT64), "required size reported as %u", written);

	written = 0;
	WHPT_ASSERT_HR(WHvGetCapability(WHvCapabilityCodeFeatures, small, sizeof(small), &written),
		       WHV_E_INSUFFICIENT_BUFFER);
	cr_assert_eq(written, sizeof(UINT64), "required size reported as %u", written);
}

Test(capability, zero_size_null_buffer_reports_required_size)
{
	UINT32 written = 0;

	WHPT_ASSERT_HR(WHvGetCapability(WHvCapabilityCodeProcessorVendor, NULL, 0, &written),
		       WHV_E_INSUFFICIENT_BUFFER);
	cr_assert_eq(written, sizeof(WHV_PROCESSOR_VENDOR));
}

Test(capability, null_buffer_with_nonzero_size_fails_without_crash)
{
	UINT32 written = 0;

	WHPT_ASSERT_FAILS(
		WHvGetCapability(WHvCapabilityCodeHypervisorPresent, NULL, sizeof(BOOL), &written));
	WHPT_ASSERT_FAILS(
		WHvGetCapability(WHvCapabilityCodeFeatures, NULL, sizeof(WHV_CAPABILITY), NULL));
}

Test(capability, capability_needs_no_partition_and_is_stable)
{
	UINT64 a = 0, b = 0;

	/* called twice with no partition in between: same answer */
	WHPT_ASSERT_OK(WHvGetCapability(WHvCapabilityCodeFeatures, &a, sizeof(a), NULL));
	WHPT_ASSERT_OK(WHvGetCapability(WHvCapabilityCodeFeatures, &b, sizeof(b), NULL));
	cr_assert_eq(a, b);
}
