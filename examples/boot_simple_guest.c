/* boot_simple_guest.c: VP guide "Boot a Simple Guest": protected mode, COM1 output, HLT. */
#include "example.h"

#define ENTRY_POINT 0x1000 /* RIP, an offset in the reset CS segment */
#define STACK_TOP   0x8000
#define SEGMENT	    0x10000 /* a real-mode segment spans 64 KiB */

extern const unsigned char example_guest_boot_simple[];
extern const unsigned int example_guest_boot_simple_size;

static int boot_guest(WHV_PARTITION_HANDLE partition, UINT64 entry_point)
{
	static const WHV_REGISTER_NAME register_names[] = {
		WHvX64RegisterRip,
		WHvX64RegisterRsp,
		WHvX64RegisterRflags,
		WHvX64RegisterCr0,
	};
	WHV_REGISTER_VALUE register_values[4];
	WHV_RUN_VP_EXIT_CONTEXT exit_context;
	int exits = 0;

	/* 2. Set the initial state: protected mode, no GDT (see boot_simple.S). */
	memset(register_values, 0, sizeof(register_values));
	register_values[0].Reg64 = entry_point;
	register_values[1].Reg64 = STACK_TOP; /* stack at 32 KiB */
	register_values[2].Reg64 = 0x2;	      /* RFLAGS */
	register_values[3].Reg64 = 0x1;	      /* CR0.PE = 1 */
	EXAMPLE_CHECK(
		WHvSetVirtualProcessorRegisters(partition, 0, register_names, 4, register_values));

	/* 3. Run loop. */
	for (;;) {
		memset(&exit_context, 0, sizeof(exit_context));
		EXAMPLE_CHECK(
			WHvRunVirtualProcessor(partition, 0, &exit_context, sizeof(exit_context)));
		if (++exits > 10000) {
			fprintf(stderr, "too many exits\n");
			return 1;
		}
		switch (exit_context.ExitReason) {
		case WHvRunVpExitReasonX64Halt: printf("Guest halted\n"); return 0;
		case WHvRunVpExitReasonX64IoPortAccess: {
			const WHV_X64_IO_PORT_ACCESS_CONTEXT *ctx = &exit_context.IoPortAccess;

			if (ctx->PortNumber == 0x3f8 && ctx->AccessInfo.IsWrite) {
				/* Serial port output. */
				putchar((int)(ctx->Rax & 0xff));
			}
			/*
			 * WHP does not execute the OUT: move past it, or the
			 * guest repeats it forever (the guide's snippet leaves
			 * this step out).
			 */
			example_skip_instruction(partition, 0, &exit_context);
			break;
		}
		default:
			printf("Exit: 0x%x at RIP 0x%llx\n", (unsigned int)exit_context.ExitReason,
			       (unsigned long long)exit_context.VpContext.Rip);
			return 1;
		}
	}
}

int main(void)
{
	static const WHV_REGISTER_NAME cs_name = WHvX64RegisterCs;
	WHV_PARTITION_HANDLE partition;
	WHV_REGISTER_VALUE cs;
	unsigned char *low, *code;
	int rc;

	example_require_hypervisor();
	partition = example_create_partition(1);
	low = example_map_ram(partition, 0, SEGMENT); /* stack and data */

	/* 1. Create the VP. */
	EXAMPLE_CHECK(WHvCreateVirtualProcessor(partition, 0, 0));

	/*
	 * The code runs at CS.Base + RIP; CS is the reset one (base 0xF0000 on
	 * WHP), so back that 64 KiB segment with memory and load the guest there.
	 */
	EXAMPLE_CHECK(WHvGetVirtualProcessorRegisters(partition, 0, &cs_name, 1, &cs));
	if (cs.Segment.Base < SEGMENT || cs.Segment.Base % 4096) {
		fprintf(stderr, "unexpected reset CS.Base 0x%llx\n",
			(unsigned long long)cs.Segment.Base);
		return 1;
	}
	code = example_map_ram(partition, cs.Segment.Base, SEGMENT);
	memcpy(code + ENTRY_POINT, example_guest_boot_simple, example_guest_boot_simple_size);
	printf("guest loaded at 0x%llx (CS.Base 0x%llx + entry 0x%x)\n",
	       (unsigned long long)(cs.Segment.Base + ENTRY_POINT),
	       (unsigned long long)cs.Segment.Base, ENTRY_POINT);
	fflush(stdout);

	rc = boot_guest(partition, ENTRY_POINT);

	/* 4. Cleanup. */
	EXAMPLE_CHECK(WHvDeleteVirtualProcessor(partition, 0));
	EXAMPLE_CHECK(WHvDeletePartition(partition));
	free(code);
	free(low);
	return rc;
}
