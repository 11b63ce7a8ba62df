/* read_registers.c: VP guide "Reading Registers": RIP, RSP, RFLAGS, CR0 and CR3 of a new VP. */
#include "example.h"

int main(void)
{
	static const WHV_REGISTER_NAME register_names[] = {
		WHvX64RegisterRip, WHvX64RegisterRsp, WHvX64RegisterRflags,
		WHvX64RegisterCr0, WHvX64RegisterCr3, WHvX64RegisterCs,
	};
	WHV_REGISTER_VALUE register_values[6];
	WHV_PARTITION_HANDLE partition;
	UINT64 rip, rsp, rflags, cr0, cr3;
	WHV_X64_SEGMENT_REGISTER cs;

	example_require_hypervisor();
	partition = example_create_partition(1);
	EXAMPLE_CHECK(WHvCreateVirtualProcessor(partition, 0, 0));

	memset(register_values, 0, sizeof(register_values));
	EXAMPLE_CHECK(
		WHvGetVirtualProcessorRegisters(partition, 0, register_names, 6, register_values));
	rip = register_values[0].Reg64;
	rsp = register_values[1].Reg64;
	rflags = register_values[2].Reg64;
	cr0 = register_values[3].Reg64;
	cr3 = register_values[4].Reg64;
	cs = register_values[5].Segment;

	printf("RIP: 0x%llx, RSP: 0x%llx\n", (unsigned long long)rip, (unsigned long long)rsp);
	printf("RFLAGS: 0x%llx, CR0: 0x%llx, CR3: 0x%llx\n", (unsigned long long)rflags,
	       (unsigned long long)cr0, (unsigned long long)cr3);
	printf("CS: selector 0x%04x base 0x%llx limit 0x%x attributes 0x%04x\n", cs.Selector,
	       (unsigned long long)cs.Base, (unsigned int)cs.Limit, cs.Attributes);

	/*
	 * A new WHP VP is in the x86 reset state, in real mode at F000:FFF0
	 * (Intel SDM vol. 3A, 10.1.1, table 10-1) with CS.Base 0xF0000 as on
	 * Windows: the first instruction is fetched from 0xFFFF0.
	 */
	if (rip != 0xfff0 || rflags != 0x2 || (cr0 & 1) || cs.Selector != 0xf000 ||
	    cs.Base + rip != 0xffff0) {
		fprintf(stderr, "not the reset state a new VP must have\n");
		return 1;
	}
	printf("reset state: first instruction at 0x%llx\n", (unsigned long long)(cs.Base + rip));
	EXAMPLE_CHECK(WHvDeleteVirtualProcessor(partition, 0));
	EXAMPLE_CHECK(WHvDeletePartition(partition));
	return 0;
}
