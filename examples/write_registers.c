/* write_registers.c: VP guide "Writing Registers": set RIP/RSP, read back, run with them. */
#include "example.h"

#define NEW_RIP 0x2000 /* offset in the reset CS segment */
#define NEW_RSP 0x7000

extern const unsigned char example_guest_report_sp[];
extern const unsigned int example_guest_report_sp_size;

static void write_registers(WHV_PARTITION_HANDLE partition, UINT32 vp_index, UINT64 rip, UINT64 rsp)
{
	static const WHV_REGISTER_NAME register_names[] = {
		WHvX64RegisterRip,
		WHvX64RegisterRsp,
	};
	WHV_REGISTER_VALUE register_values[2];

	memset(register_values, 0, sizeof(register_values));
	register_values[0].Reg64 = rip;
	register_values[1].Reg64 = rsp;
	EXAMPLE_CHECK(WHvSetVirtualProcessorRegisters(partition, vp_index, register_names, 2,
						      register_values));
}

int main(void)
{
	static const WHV_REGISTER_NAME names[] = {
		WHvX64RegisterRip,
		WHvX64RegisterRsp,
		WHvX64RegisterCs,
	};
	WHV_REGISTER_VALUE values[3];
	WHV_RUN_VP_EXIT_CONTEXT exit_ctx;
	WHV_PARTITION_HANDLE partition;
	unsigned char *ram;
	UINT64 code;

	example_require_hypervisor();
	partition = example_create_partition(1);
	ram = example_map_ram(partition, 0, 0x100000); /* the first MiB */
	EXAMPLE_CHECK(WHvCreateVirtualProcessor(partition, 0, 0));

	write_registers(partition, 0, NEW_RIP, NEW_RSP);

	memset(values, 0, sizeof(values));
	EXAMPLE_CHECK(WHvGetVirtualProcessorRegisters(partition, 0, names, 3, values));
	printf("read back: RIP 0x%llx, RSP 0x%llx\n", (unsigned long long)values[0].Reg64,
	       (unsigned long long)values[1].Reg64);
	if (values[0].Reg64 != NEW_RIP || values[1].Reg64 != NEW_RSP) {
		fprintf(stderr, "the registers did not keep the written values\n");
		return 1;
	}

	/* Place the guest where CS.Base + the new RIP points and run it. */
	code = values[2].Segment.Base + NEW_RIP;
	if (code + example_guest_report_sp_size > 0x100000) {
		fprintf(stderr, "CS.Base 0x%llx is outside the first MiB\n",
			(unsigned long long)values[2].Segment.Base);
		return 1;
	}
	memcpy(ram + code, example_guest_report_sp, example_guest_report_sp_size);
	memset(&exit_ctx, 0, sizeof(exit_ctx));
	EXAMPLE_CHECK(WHvRunVirtualProcessor(partition, 0, &exit_ctx, sizeof(exit_ctx)));
	if (exit_ctx.ExitReason != WHvRunVpExitReasonX64IoPortAccess ||
	    exit_ctx.IoPortAccess.PortNumber != 0x80) {
		fprintf(stderr, "expected the guest's OUT to port 0x80, got exit 0x%x\n",
			(unsigned int)exit_ctx.ExitReason);
		return 1;
	}
	/* The OUT is the guest's second instruction, so its RIP is a bit past NEW_RIP. */
	printf("the guest started at RIP 0x%x, its OUT at RIP 0x%llx reported SP 0x%llx\n", NEW_RIP,
	       (unsigned long long)exit_ctx.VpContext.Rip,
	       (unsigned long long)(exit_ctx.IoPortAccess.Rax & 0xffff));
	if (exit_ctx.VpContext.Rip <= NEW_RIP ||
	    exit_ctx.VpContext.Rip >= NEW_RIP + example_guest_report_sp_size ||
	    (exit_ctx.IoPortAccess.Rax & 0xffff) != NEW_RSP) {
		fprintf(stderr, "the guest did not run with the written registers\n");
		return 1;
	}
	EXAMPLE_CHECK(WHvDeleteVirtualProcessor(partition, 0));
	EXAMPLE_CHECK(WHvDeletePartition(partition));
	free(ram);
	return 0;
}
