/* run_loop.c: VP guide "Basic Run Loop": run to HLT, handling port I/O and memory exits. */
#include "example.h"

#define RAM_SIZE  0x10000 /* GPA 0-64 KiB; the guest also touches 0x20000 */
#define CODE_GPA  0x1000
#define LAZY_GPA  0x20000
#define PORT_COM1 0x3f8
#define PORT_LSR  0x3fd

extern const unsigned char example_guest_run_loop[];
extern const unsigned int example_guest_run_loop_size;

static WHV_PARTITION_HANDLE partition;
static unsigned char *lazy_page; /* mapped on the first access */

/*
 * Port I/O: the hypervisor did not execute the instruction. Emulate it and
 * advance RIP. An IN also needs its result merged into RAX.
 */
static void handle_io_port(const WHV_RUN_VP_EXIT_CONTEXT *exit_ctx)
{
	const WHV_X64_IO_PORT_ACCESS_CONTEXT *io = &exit_ctx->IoPortAccess;

	if (io->AccessInfo.IsWrite) {
		printf("OUT port 0x%x value 0x%02x ('%c')\n", io->PortNumber,
		       (unsigned int)(io->Rax & 0xff), (int)(io->Rax & 0xff));
	} else {
		const WHV_REGISTER_NAME name = WHvX64RegisterRax;
		WHV_REGISTER_VALUE value;
		UINT8 data = io->PortNumber == PORT_LSR ? 0x60 : 0xff;

		printf("IN port 0x%x -> 0x%02x\n", io->PortNumber, data);
		memset(&value, 0, sizeof(value));
		value.Reg64 = (io->Rax & ~0xffull) | data; /* 1-byte IN: AL only */
		EXAMPLE_CHECK(WHvSetVirtualProcessorRegisters(partition, 0, &name, 1, &value));
	}
	example_skip_instruction(partition, 0, exit_ctx);
}

/*
 * Memory access: here the "device" is RAM backed on demand: map a page
 * at the faulting address and run again without touching RIP, so the
 * instruction is retried and now succeeds.
 */
static int handle_mmio(const WHV_MEMORY_ACCESS_CONTEXT *mem)
{
	UINT64 page = mem->Gpa & ~0xfffull;

	printf("MemoryAccess %s at GPA 0x%llx\n",
	       mem->AccessInfo.AccessType == WHvMemoryAccessWrite ? "write" : "read",
	       (unsigned long long)mem->Gpa);
	if (page != LAZY_GPA || lazy_page)
		return -1;
	lazy_page = example_map_ram(partition, page, 0x1000);
	printf("mapped a page at GPA 0x%llx, retrying\n", (unsigned long long)page);
	return 0;
}

int main(void)
{
	WHV_RUN_VP_EXIT_CONTEXT exit_ctx;
	unsigned char *ram;
	int exits = 0;

	example_require_hypervisor();
	partition = example_create_partition(1);
	ram = example_map_ram(partition, 0, RAM_SIZE);
	memcpy(ram + CODE_GPA, example_guest_run_loop, example_guest_run_loop_size);
	EXAMPLE_CHECK(WHvCreateVirtualProcessor(partition, 0, 0));
	example_set_real_mode_cs(partition, 0, CODE_GPA);

	for (;;) {
		memset(&exit_ctx, 0, sizeof(exit_ctx));
		EXAMPLE_CHECK(WHvRunVirtualProcessor(partition, 0, &exit_ctx, sizeof(exit_ctx)));
		if (++exits > 100) {
			fprintf(stderr, "too many exits: the guest is not progressing\n");
			return 1;
		}
		switch (exit_ctx.ExitReason) {
		case WHvRunVpExitReasonNone:
			fprintf(stderr, "exit reason None: should not happen\n");
			return 1;
		case WHvRunVpExitReasonMemoryAccess:
			if (handle_mmio(&exit_ctx.MemoryAccess)) {
				fprintf(stderr, "unexpected memory access\n");
				return 1;
			}
			continue;
		case WHvRunVpExitReasonX64IoPortAccess: handle_io_port(&exit_ctx); continue;
		case WHvRunVpExitReasonX64Halt:
			printf("HLT at RIP 0x%llx\n", (unsigned long long)exit_ctx.VpContext.Rip);
			break;
		case WHvRunVpExitReasonCanceled: printf("canceled\n"); break;
		default:
			fprintf(stderr, "Unhandled exit: 0x%x\n",
				(unsigned int)exit_ctx.ExitReason);
			return 1;
		}
		break;
	}

	/* The retried store wrote what the IN returned. */
	if (!lazy_page || lazy_page[0] != 0x60) {
		fprintf(stderr, "the guest's store did not land in the new page\n");
		return 1;
	}
	printf("the guest stored 0x%02x at GPA 0x%x; %d exits\n", lazy_page[0], LAZY_GPA, exits);
	EXAMPLE_CHECK(WHvDeleteVirtualProcessor(partition, 0));
	EXAMPLE_CHECK(WHvDeletePartition(partition));
	free(lazy_page);
	free(ram);
	return exit_ctx.ExitReason == WHvRunVpExitReasonX64Halt ? 0 : 1;
}
