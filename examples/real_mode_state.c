/* real_mode_state.c: VP guide "Setting Initial State (Real Mode)", run at 0xFFFFFFF0. */
#include "example.h"

#define TOP_PAGE_GPA 0xfffff000ull /* the last page below 4 GiB */

extern const unsigned char example_guest_reset_vector[];
extern const unsigned int example_guest_reset_vector_size;

static void set_real_mode_state(WHV_PARTITION_HANDLE partition, UINT32 vp_index)
{
	/* Set up for a real-mode boot like the x86 reset state. */
	static const WHV_REGISTER_NAME register_names[] = {
		WHvX64RegisterRip,
		WHvX64RegisterCs,
		WHvX64RegisterCr0,
		WHvX64RegisterRflags,
	};
	WHV_REGISTER_VALUE register_values[4];

	memset(register_values, 0, sizeof(register_values));
	register_values[0].Reg64 = 0xfff0; /* reset vector */
	register_values[1].Segment.Base = 0xffff0000;
	register_values[1].Segment.Limit = 0xffff;
	register_values[1].Segment.Selector = 0xf000;
	register_values[1].Segment.Attributes = 0x9b; /* present, code, readable */
	/* 0x60000010: ET=1 and, as after RESET, CD=1 and NW=1; PE=0. */
	register_values[2].Reg64 = 0x60000010;
	register_values[3].Reg64 = 0x2; /* reserved bit 1 */
	EXAMPLE_CHECK(WHvSetVirtualProcessorRegisters(partition, vp_index, register_names, 4,
						      register_values));
}

int main(void)
{
	static const WHV_REGISTER_NAME names[] = { WHvX64RegisterCs, WHvX64RegisterCr0 };
	WHV_REGISTER_VALUE values[2];
	WHV_RUN_VP_EXIT_CONTEXT exit_ctx;
	WHV_PARTITION_HANDLE partition;
	unsigned char *top;

	example_require_hypervisor();
	partition = example_create_partition(1);
	top = example_map_ram(partition, TOP_PAGE_GPA, 0x1000);
	memcpy(top + 0xff0, example_guest_reset_vector, example_guest_reset_vector_size);
	EXAMPLE_CHECK(WHvCreateVirtualProcessor(partition, 0, 0));

	set_real_mode_state(partition, 0);
	memset(values, 0, sizeof(values));
	EXAMPLE_CHECK(WHvGetVirtualProcessorRegisters(partition, 0, names, 2, values));
	printf("CS: selector 0x%04x base 0x%llx; CR0 0x%llx\n", values[0].Segment.Selector,
	       (unsigned long long)values[0].Segment.Base, (unsigned long long)values[1].Reg64);
	if (values[0].Segment.Base != 0xffff0000 || (values[1].Reg64 & 1)) {
		fprintf(stderr, "the real-mode state did not stick\n");
		return 1;
	}

	memset(&exit_ctx, 0, sizeof(exit_ctx));
	EXAMPLE_CHECK(WHvRunVirtualProcessor(partition, 0, &exit_ctx, sizeof(exit_ctx)));
	if (exit_ctx.ExitReason != WHvRunVpExitReasonX64IoPortAccess ||
	    exit_ctx.IoPortAccess.PortNumber != 0x80 ||
	    (exit_ctx.IoPortAccess.Rax & 0xff) != 0x5a) {
		fprintf(stderr, "expected OUT 0x5a to port 0x80, got exit 0x%x\n",
			(unsigned int)exit_ctx.ExitReason);
		return 1;
	}
	printf("reset vector code ran: OUT 0x%02x to port 0x80 at CS:IP %04x:%04llx\n",
	       (unsigned int)(exit_ctx.IoPortAccess.Rax & 0xff), exit_ctx.VpContext.Cs.Selector,
	       (unsigned long long)exit_ctx.VpContext.Rip);
	example_skip_instruction(partition, 0, &exit_ctx);
	memset(&exit_ctx, 0, sizeof(exit_ctx));
	EXAMPLE_CHECK(WHvRunVirtualProcessor(partition, 0, &exit_ctx, sizeof(exit_ctx)));
	if (exit_ctx.ExitReason != WHvRunVpExitReasonX64Halt) {
		fprintf(stderr, "expected HLT, got exit 0x%x\n", (unsigned int)exit_ctx.ExitReason);
		return 1;
	}
	printf("Guest halted\n");
	EXAMPLE_CHECK(WHvDeleteVirtualProcessor(partition, 0));
	EXAMPLE_CHECK(WHvDeletePartition(partition));
	free(top);
	return 0;
}
