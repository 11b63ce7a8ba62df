/* example.h: scaffolding shared by the examples: KVM skip, HRESULT checks, partitions. */
#ifndef OPENWHP_EXAMPLE_H
#define OPENWHP_EXAMPLE_H

/*
 * The VP guide's snippets take a partition handle as given; these helpers
 * make one the usual way (create, set ProcessorCount, set up) so that every
 * example is a complete program. Only standard C and the public headers are
 * used, so each example builds as a Windows program would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <WinHvPlatform.h>
#include <openwhp.h>

/* ctest's SKIP_RETURN_CODE: the host cannot run guests. */
#define EXAMPLE_SKIP 77

/* Print a failed call with its HRESULT and the library's detail, then stop. */
#define EXAMPLE_CHECK(call)                                                        \
	do {                                                                       \
		HRESULT example_hr_ = (call);                                      \
		if (FAILED(example_hr_)) {                                         \
			fprintf(stderr, "%s failed: HRESULT 0x%08x (%s)\n", #call, \
				(unsigned int)example_hr_, openwhp_last_error());  \
			exit(1);                                                   \
		}                                                                  \
	} while (0)

/*
 * example_require_hypervisor: exit with EXAMPLE_SKIP when this host has no
 * usable hypervisor device (on Linux, /dev/kvm); exit with 1 when the device
 * is there but WHvGetCapability does not report a hypervisor, which would
 * be a bug rather than a reason to skip.
 */
static inline void example_require_hypervisor(void)
{
	WHV_CAPABILITY cap;
	UINT32 written = 0;
	FILE *dev = fopen("/dev/kvm", "r+");

	if (!dev) {
		printf("SKIP: no usable /dev/kvm on this host\n");
		exit(EXAMPLE_SKIP);
	}
	fclose(dev);
	memset(&cap, 0, sizeof(cap));
	EXAMPLE_CHECK(
		WHvGetCapability(WHvCapabilityCodeHypervisorPresent, &cap, sizeof(cap), &written));
	if (!cap.HypervisorPresent) {
		fprintf(stderr, "/dev/kvm exists but WHvGetCapability says no "
				"hypervisor is present\n");
		exit(1);
	}
}

/* example_create_partition: a set-up partition for (processors) VPs. */
static inline WHV_PARTITION_HANDLE example_create_partition(UINT32 processors)
{
	WHV_PARTITION_HANDLE partition;
	WHV_PARTITION_PROPERTY prop;

	EXAMPLE_CHECK(WHvCreatePartition(&partition));
	memset(&prop, 0, sizeof(prop));
	prop.ProcessorCount = processors;
	EXAMPLE_CHECK(WHvSetPartitionProperty(partition, WHvPartitionPropertyCodeProcessorCount,
					      &prop, sizeof(prop)));
	EXAMPLE_CHECK(WHvSetupPartition(partition));
	return partition;
}

/*
 * example_map_ram: allocate (size) bytes of zeroed, page-aligned host memory
 * and map it at guest-physical (gpa), readable, writable and executable.
 * The memory is returned so the host can load code and inspect results.
 */
static inline unsigned char *example_map_ram(WHV_PARTITION_HANDLE partition, UINT64 gpa,
					     size_t size)
{
	unsigned char *mem = aligned_alloc(4096, size);

	if (!mem) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	memset(mem, 0, size);
	EXAMPLE_CHECK(WHvMapGpaRange(partition, mem, gpa, size,
				     WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagWrite |
					     WHvMapGpaRangeFlagExecute));
	return mem;
}

/*
 * example_set_real_mode_cs: put VP (vp) in real mode at CS = 0 (base 0) and
 * IP = (ip), so code loaded at guest-physical (ip) runs.
 */
static inline void example_set_real_mode_cs(WHV_PARTITION_HANDLE partition, UINT32 vp, UINT64 ip)
{
	const WHV_REGISTER_NAME names[2] = { WHvX64RegisterCs, WHvX64RegisterRip };
	WHV_REGISTER_VALUE values[2];

	memset(values, 0, sizeof(values));
	values[0].Segment.Base = 0;
	values[0].Segment.Limit = 0xffff;
	values[0].Segment.Selector = 0;
	values[0].Segment.Attributes = 0x9b; /* present, code, readable */
	values[1].Reg64 = ip;
	EXAMPLE_CHECK(WHvSetVirtualProcessorRegisters(partition, vp, names, 2, values));
}

/*
 * example_skip_instruction: the Windows completion rule for an intercepted
 * instruction: RIP = VpContext.Rip + VpContext.InstructionLength.
 */
static inline void example_skip_instruction(WHV_PARTITION_HANDLE partition, UINT32 vp,
					    const WHV_RUN_VP_EXIT_CONTEXT *exit_ctx)
{
	const WHV_REGISTER_NAME name = WHvX64RegisterRip;
	WHV_REGISTER_VALUE value;

	memset(&value, 0, sizeof(value));
	value.Reg64 = exit_ctx->VpContext.Rip + exit_ctx->VpContext.InstructionLength;
	EXAMPLE_CHECK(WHvSetVirtualProcessorRegisters(partition, vp, &name, 1, &value));
}

#endif /* OPENWHP_EXAMPLE_H */
