/* snapshot.c: how a VMM snapshots a VM through the public API, and makes the second snapshot incremental with dirty-page tracking. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS under -std=c11 */
#include <sys/mman.h>

#include "example.h"

extern const unsigned char example_guest_snapshot[];
extern const unsigned int example_guest_snapshot_size;

#define RAM_SIZE (1u << 20)
#define PAGES	 (RAM_SIZE / 4096)

/* The VP state a snapshot carries: registers (one call) and the XSAVE area. */
static const WHV_REGISTER_NAME names[] = {
	WHvX64RegisterRax,  WHvX64RegisterRcx,	  WHvX64RegisterRdx,  WHvX64RegisterRbx,
	WHvX64RegisterRsp,  WHvX64RegisterRbp,	  WHvX64RegisterRsi,  WHvX64RegisterRdi,
	WHvX64RegisterRip,  WHvX64RegisterRflags, WHvX64RegisterEs,   WHvX64RegisterCs,
	WHvX64RegisterSs,   WHvX64RegisterDs,	  WHvX64RegisterFs,   WHvX64RegisterGs,
	WHvX64RegisterLdtr, WHvX64RegisterTr,	  WHvX64RegisterIdtr, WHvX64RegisterGdtr,
	WHvX64RegisterCr0,  WHvX64RegisterCr3,	  WHvX64RegisterCr4,  WHvX64RegisterEfer,
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

struct snapshot {
	WHV_REGISTER_VALUE regs[NNAMES];
	unsigned char xsave[16384];
	UINT32 xsave_size;
	unsigned char *ram; /* a full copy of guest memory */
};

static void vp_save(WHV_PARTITION_HANDLE p, struct snapshot *s)
{
	EXAMPLE_CHECK(WHvGetVirtualProcessorRegisters(p, 0, names, NNAMES, s->regs));
	EXAMPLE_CHECK(
		WHvGetVirtualProcessorXsaveState(p, 0, s->xsave, sizeof(s->xsave), &s->xsave_size));
}

static void vp_restore(WHV_PARTITION_HANDLE p, const struct snapshot *s)
{
	EXAMPLE_CHECK(WHvSetVirtualProcessorXsaveState(p, 0, s->xsave, s->xsave_size));
	EXAMPLE_CHECK(WHvSetVirtualProcessorRegisters(p, 0, names, NNAMES, s->regs));
}

/* Run to the next I/O exit (completing it, as WHP callers do) or to HLT. */
static UINT32 run(WHV_PARTITION_HANDLE p, UINT16 *port, UINT64 *rax)
{
	WHV_RUN_VP_EXIT_CONTEXT x;
	WHV_REGISTER_NAME rip = WHvX64RegisterRip;
	WHV_REGISTER_VALUE v;

	EXAMPLE_CHECK(WHvRunVirtualProcessor(p, 0, &x, sizeof(x)));
	if (x.ExitReason == WHvRunVpExitReasonX64IoPortAccess) {
		*port = x.IoPortAccess.PortNumber;
		*rax = x.IoPortAccess.Rax;
		memset(&v, 0, sizeof(v));
		v.Reg64 = x.VpContext.Rip + x.VpContext.InstructionLength;
		EXAMPLE_CHECK(WHvSetVirtualProcessorRegisters(p, 0, &rip, 1, &v));
	}
	return x.ExitReason;
}

static WHV_PARTITION_HANDLE machine(unsigned char *ram)
{
	WHV_PARTITION_HANDLE p = example_create_partition(1);

	/* TrackDirtyPages: WHvQueryGpaRangeDirtyBitmap reports the pages written. */
	EXAMPLE_CHECK(WHvMapGpaRange(p, ram, 0, RAM_SIZE,
				     WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagWrite |
					     WHvMapGpaRangeFlagExecute |
					     WHvMapGpaRangeFlagTrackDirtyPages));
	EXAMPLE_CHECK(WHvCreateVirtualProcessor(p, 0, 0));
	return p;
}

int main(void)
{
	WHV_REGISTER_NAME setup[2] = { WHvX64RegisterCs, WHvX64RegisterRip };
	WHV_REGISTER_VALUE sv[2];
	UINT64 bitmap[PAGES / 64], rax_a = 0, rax_b = 0;
	struct snapshot snap;
	unsigned char *ram_a, *ram_b;
	WHV_PARTITION_HANDLE a, b;
	unsigned copied = 0, i;
	UINT16 port;

	example_require_hypervisor();
	ram_a = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ram_b = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	snap.ram = malloc(RAM_SIZE);
	if (ram_a == MAP_FAILED || ram_b == MAP_FAILED || !snap.ram)
		return 1;
	memcpy(ram_a + 0x1000, example_guest_snapshot, example_guest_snapshot_size);

	a = machine(ram_a);
	/* Real mode, CS base 0, the guest at 0x1000. */
	EXAMPLE_CHECK(WHvGetVirtualProcessorRegisters(a, 0, setup, 2, sv));
	sv[0].Segment.Base = 0;
	sv[0].Segment.Selector = 0;
	sv[1].Reg64 = 0x1000;
	EXAMPLE_CHECK(WHvSetVirtualProcessorRegisters(a, 0, setup, 2, sv));

	/* Checkpoint 1: a full snapshot, then start tracking from a clean bitmap. */
	if (run(a, &port, &rax_a) != WHvRunVpExitReasonX64IoPortAccess || port != 0x80)
		return 1;
	vp_save(a, &snap);
	memcpy(snap.ram, ram_a, RAM_SIZE);
	EXAMPLE_CHECK(WHvQueryGpaRangeDirtyBitmap(a, 0, RAM_SIZE, NULL, 0));
	printf("snapshot 1: %u pages (full)\n", PAGES);

	/* Checkpoint 2: only the pages written since snapshot 1 are copied. */
	if (run(a, &port, &rax_a) != WHvRunVpExitReasonX64IoPortAccess || port != 0x81)
		return 1;
	vp_save(a, &snap);
	EXAMPLE_CHECK(WHvQueryGpaRangeDirtyBitmap(a, 0, RAM_SIZE, bitmap, sizeof(bitmap)));
	for (i = 0; i < PAGES; i++) {
		if (bitmap[i / 64] & (1ull << (i % 64))) {
			memcpy(snap.ram + i * 4096, ram_a + i * 4096, 4096);
			copied++;
		}
	}
	printf("snapshot 2: %u of %u pages copied (incremental)\n", copied, PAGES);

	/* Restore into a brand-new partition and run both to the end. */
	memcpy(ram_b, snap.ram, RAM_SIZE);
	b = machine(ram_b);
	vp_restore(b, &snap);
	if (run(a, &port, &rax_a) != WHvRunVpExitReasonX64IoPortAccess ||
	    run(b, &port, &rax_b) != WHvRunVpExitReasonX64IoPortAccess)
		return 1;
	if (run(a, &port, &rax_a) != WHvRunVpExitReasonX64Halt ||
	    run(b, &port, &rax_b) != WHvRunVpExitReasonX64Halt)
		return 1;
	if ((rax_a & 0xFF) != 3 || (rax_b & 0xFF) != 3 || memcmp(ram_a, ram_b, RAM_SIZE) != 0) {
		printf("the restored copy differs\n");
		return 1;
	}
	printf("restored copy ran to the same end: memory identical, guest reported %u\n",
	       (unsigned)(rax_b & 0xFF));
	EXAMPLE_CHECK(WHvDeletePartition(a));
	EXAMPLE_CHECK(WHvDeletePartition(b));
	free(snap.ram);
	munmap(ram_a, RAM_SIZE);
	munmap(ram_b, RAM_SIZE);
	return 0;
}
