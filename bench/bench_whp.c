/* bench_whp.c: the WHP half of the bench: the same guest work through the public WHP API only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <WinHvPlatform.h>
#include <openwhp.h>

#include "bench.h"
#include "bench_layout.h"

/*
 * Written the way a Windows VMM uses WHP (WHvRunVirtualProcessor docs, "exit
 * context"): on every instruction exit the caller does the instruction's work
 * and moves RIP to VpContext.Rip + VpContext.InstructionLength itself with
 * WHvSetVirtualProcessorRegisters; for IN and MMIO reads it writes the
 * destination register in the same call. Nothing here knows about KVM.
 */

struct whp_state {
	enum bench_case c;
	WHV_PARTITION_HANDLE part;
	int vp_created;
	void *ram;
	unsigned int runs;	   /* exits taken so far (exit cases) */
	unsigned int rip_mismatch; /* BENCH_REGS: RIP read != VpContext.Rip */
	uint64_t sink;		   /* consumes register reads */
};

static int whp_fail(const char *what, HRESULT hr)
{
	fprintf(stderr, "whp: %s: HRESULT 0x%08x (%s)\n", what, (unsigned int)hr,
		openwhp_last_error());
	return -EIO;
}

/* The registers of case 5: RAX..R15, RIP, RFLAGS and the six segments. */
static const WHV_REGISTER_NAME whp_regs_read[] = {
	WHvX64RegisterRax, WHvX64RegisterRcx,	 WHvX64RegisterRdx, WHvX64RegisterRbx,
	WHvX64RegisterRsp, WHvX64RegisterRbp,	 WHvX64RegisterRsi, WHvX64RegisterRdi,
	WHvX64RegisterR8,  WHvX64RegisterR9,	 WHvX64RegisterR10, WHvX64RegisterR11,
	WHvX64RegisterR12, WHvX64RegisterR13,	 WHvX64RegisterR14, WHvX64RegisterR15,
	WHvX64RegisterRip, WHvX64RegisterRflags, WHvX64RegisterEs,  WHvX64RegisterCs,
	WHvX64RegisterSs,  WHvX64RegisterDs,	 WHvX64RegisterFs,  WHvX64RegisterGs,
};

#define WHP_NREGS_READ (sizeof(whp_regs_read) / sizeof(whp_regs_read[0]))
#define WHP_IDX_RIP    16

_Static_assert(WHP_NREGS_READ == 24, "case 5 reads 24 registers");

/* Flat segment with the VMX-style attribute word WHP uses (SDM Vol. 3C 24.4.1). */
static void whp_segment(WHV_REGISTER_VALUE *v, UINT16 sel, UINT16 type, int code64)
{
	memset(v, 0, sizeof(*v));
	v->Segment.Base = 0;
	v->Segment.Limit = 0xffffffff;
	v->Segment.Selector = sel;
	v->Segment.SegmentType = type;
	v->Segment.NonSystemSegment = 1;
	v->Segment.Present = 1;
	v->Segment.Long = code64 ? 1 : 0;
	v->Segment.Default = code64 ? 0 : 1;
	v->Segment.Granularity = 1;
}

/*
 * whp_set_long_mode: the same state raw_set_long_mode loads, in one
 * WHvSetVirtualProcessorRegisters call.
 */
static int whp_set_long_mode(struct whp_state *st, uint64_t rip)
{
	static const WHV_REGISTER_NAME names[] = {
		WHvX64RegisterCr0, WHvX64RegisterCr3, WHvX64RegisterCr4,    WHvX64RegisterEfer,
		WHvX64RegisterCs,  WHvX64RegisterDs,  WHvX64RegisterEs,	    WHvX64RegisterSs,
		WHvX64RegisterFs,  WHvX64RegisterGs,  WHvX64RegisterTr,	    WHvX64RegisterGdtr,
		WHvX64RegisterRip, WHvX64RegisterRsp, WHvX64RegisterRflags,
	};
	WHV_REGISTER_VALUE v[sizeof(names) / sizeof(names[0])];
	unsigned int i;
	HRESULT hr;

	memset(v, 0, sizeof(v));
	v[0].Reg64 = BENCH_CR0;
	v[1].Reg64 = BENCH_PML4_GPA;
	v[2].Reg64 = BENCH_CR4;
	v[3].Reg64 = BENCH_EFER;
	whp_segment(&v[4], BENCH_SEL_CODE, 11, 1);
	for (i = 5; i <= 9; i++)
		whp_segment(&v[i], BENCH_SEL_DATA, 3, 0);
	/* TR: a present busy 64-bit TSS, as long mode requires (SDM Vol. 3C 26.3.1.2). */
	v[10].Segment.Limit = 0xffff;
	v[10].Segment.SegmentType = 11;
	v[10].Segment.Present = 1;
	v[11].Table.Base = BENCH_GDT_GPA;
	v[11].Table.Limit = BENCH_GDT_LIMIT;
	v[12].Reg64 = rip;
	v[13].Reg64 = BENCH_STACK_TOP;
	v[14].Reg64 = 2;
	hr = WHvSetVirtualProcessorRegisters(st->part, 0, names, sizeof(names) / sizeof(names[0]),
					     v);
	if (FAILED(hr))
		return whp_fail("WHvSetVirtualProcessorRegisters (long mode)", hr);
	return 0;
}

static void whp_partition_close(struct whp_state *st)
{
	if (st->vp_created)
		WHvDeleteVirtualProcessor(st->part, 0);
	if (st->part)
		WHvDeletePartition(st->part);
	st->vp_created = 0;
	st->part = NULL;
}

/*
 * whp_partition_open: what every WHP client does: create, ProcessorCount,
 * setup, map the RAM, create VP 0, load its registers with RIP = (rip).
 */
static int whp_partition_open(struct whp_state *st, uint64_t rip)
{
	WHV_PARTITION_PROPERTY prop;
	HRESULT hr;
	int err;

	hr = WHvCreatePartition(&st->part);
	if (FAILED(hr)) {
		st->part = NULL;
		return whp_fail("WHvCreatePartition", hr);
	}
	memset(&prop, 0, sizeof(prop));
	prop.ProcessorCount = 1;
	hr = WHvSetPartitionProperty(st->part, WHvPartitionPropertyCodeProcessorCount, &prop,
				     sizeof(prop));
	if (FAILED(hr)) {
		err = whp_fail("WHvSetPartitionProperty(ProcessorCount)", hr);
		goto fail;
	}
	hr = WHvSetupPartition(st->part);
	if (FAILED(hr)) {
		err = whp_fail("WHvSetupPartition", hr);
		goto fail;
	}
	hr = WHvMapGpaRange(st->part, st->ram, 0, BENCH_RAM_SIZE,
			    WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagWrite |
				    WHvMapGpaRangeFlagExecute);
	if (FAILED(hr)) {
		err = whp_fail("WHvMapGpaRange", hr);
		goto fail;
	}
	hr = WHvCreateVirtualProcessor(st->part, 0, 0);
	if (FAILED(hr)) {
		err = whp_fail("WHvCreateVirtualProcessor", hr);
		goto fail;
	}
	st->vp_created = 1;
	err = whp_set_long_mode(st, rip);
	if (err)
		goto fail;
	return 0;
fail:
	whp_partition_close(st);
	return err;
}

/* whp_check_exit: is this the exit the loop of case (c) makes? */
static int whp_check_exit(const WHV_RUN_VP_EXIT_CONTEXT *x, enum bench_case c)
{
	const WHV_X64_IO_PORT_ACCESS_CONTEXT *io = &x->IoPortAccess;
	const WHV_MEMORY_ACCESS_CONTEXT *mem = &x->MemoryAccess;
	int ok;

	switch (c) {
	case BENCH_OUT:
	case BENCH_OUT_SYNC:
	case BENCH_REGS:
	case BENCH_LIFECYCLE:
	case BENCH_IN:
		ok = x->ExitReason == WHvRunVpExitReasonX64IoPortAccess &&
		     io->PortNumber == BENCH_PORT && io->AccessInfo.AccessSize == 1 &&
		     !io->AccessInfo.StringOp && io->AccessInfo.IsWrite == (c != BENCH_IN);
		break;
	case BENCH_MMIO_WRITE:
	case BENCH_MMIO_READ:
		ok = x->ExitReason == WHvRunVpExitReasonMemoryAccess &&
		     mem->Gpa == BENCH_MMIO_GPA &&
		     mem->AccessInfo.AccessType ==
			     (c == BENCH_MMIO_WRITE ? WHvMemoryAccessWrite : WHvMemoryAccessRead);
		break;
	case BENCH_HLT: ok = x->ExitReason == WHvRunVpExitReasonX64Halt; break;
	default: ok = 0; break;
	}
	if (!ok) {
		fprintf(stderr, "whp: case %d: unexpected exit reason 0x%x\n", (int)c,
			(unsigned int)x->ExitReason);
		return -EIO;
	}
	/* Every exit of these loops is an instruction the caller steps over. */
	if (c != BENCH_HLT && x->VpContext.InstructionLength == 0) {
		fprintf(stderr, "whp: case %d: VpContext.InstructionLength is 0\n", (int)c);
		return -EIO;
	}
	return 0;
}

static int whp_begin(enum bench_case c, void **out)
{
	struct whp_state *st;
	int err;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->c = c;
	st->ram = bench_guest_ram();
	if (!st->ram) {
		free(st);
		return -ENOMEM;
	}
	*out = st;
	if (c == BENCH_LIFECYCLE)
		return 0;
	err = whp_partition_open(st, bench_entry_rip(c));
	return err;
}

/*
 * whp_complete: the caller's side of one exit: step over the instruction and,
 * for IN and MMIO reads, deliver the value, in one register call.
 */
static int whp_complete(struct whp_state *st, const WHV_RUN_VP_EXIT_CONTEXT *x)
{
	WHV_REGISTER_NAME names[2] = { WHvX64RegisterRip, WHvX64RegisterRax };
	WHV_REGISTER_VALUE v[2];
	UINT32 n = 1;
	HRESULT hr;

	memset(v, 0, sizeof(v));
	v[0].Reg64 = x->VpContext.Rip + x->VpContext.InstructionLength;
	if (st->c == BENCH_IN) {
		/* IN AL: only AL changes (SDM Vol. 2A, IN). */
		v[1].Reg64 = (x->IoPortAccess.Rax & ~(UINT64)0xff) | BENCH_IN_VALUE;
		n = 2;
	} else if (st->c == BENCH_MMIO_READ) {
		/* MOV to a 32-bit register zero-extends into the 64-bit one. */
		v[1].Reg64 = BENCH_MMIO_VALUE;
		n = 2;
	}
	hr = WHvSetVirtualProcessorRegisters(st->part, 0, names, n, v);
	if (FAILED(hr))
		return whp_fail("WHvSetVirtualProcessorRegisters", hr);
	return 0;
}

/*
 * whp_regs_access: case 5: read 24 registers in one call, write RIP (past
 * the OUT) and RAX in another. The RIP read must be the exit's VpContext.Rip.
 */
static int whp_regs_access(struct whp_state *st, const WHV_RUN_VP_EXIT_CONTEXT *x)
{
	WHV_REGISTER_NAME wn[2] = { WHvX64RegisterRip, WHvX64RegisterRax };
	WHV_REGISTER_VALUE r[WHP_NREGS_READ];
	WHV_REGISTER_VALUE w[2];
	uint64_t sum = 0;
	unsigned int i;
	HRESULT hr;

	hr = WHvGetVirtualProcessorRegisters(st->part, 0, whp_regs_read, WHP_NREGS_READ, r);
	if (FAILED(hr))
		return whp_fail("WHvGetVirtualProcessorRegisters", hr);
	for (i = 0; i < WHP_NREGS_READ; i++)
		sum ^= r[i].Reg128.Low64;
	st->sink += sum;
	if (r[WHP_IDX_RIP].Reg64 != x->VpContext.Rip)
		st->rip_mismatch++;
	memset(w, 0, sizeof(w));
	w[0].Reg64 = x->VpContext.Rip + x->VpContext.InstructionLength;
	w[1].Reg64 = st->runs;
	hr = WHvSetVirtualProcessorRegisters(st->part, 0, wn, 2, w);
	if (FAILED(hr))
		return whp_fail("WHvSetVirtualProcessorRegisters", hr);
	return 0;
}

static int whp_run(struct whp_state *st, WHV_RUN_VP_EXIT_CONTEXT *x)
{
	HRESULT hr = WHvRunVirtualProcessor(st->part, 0, x, sizeof(*x));

	if (FAILED(hr))
		return whp_fail("WHvRunVirtualProcessor", hr);
	return 0;
}

static int whp_block_exits(struct whp_state *st, unsigned int n, struct bench_block *blk)
{
	uint64_t before = openwhp_ioctl_count();
	WHV_RUN_VP_EXIT_CONTEXT x;
	uint64_t t0, t1, t2, c1;
	unsigned int i;
	int err;

	blk->sub_ioctls = 0;
	t0 = bench_now_ns();
	for (i = 0; i < n; i++) {
		err = whp_run(st, &x);
		if (!err)
			err = whp_check_exit(&x, st->c);
		if (err)
			return err;
		st->runs++;
		if (st->c == BENCH_REGS) {
			t1 = bench_now_ns();
			c1 = openwhp_ioctl_count();
			err = whp_regs_access(st, &x);
			blk->sub_ioctls += openwhp_ioctl_count() - c1;
			t2 = bench_now_ns();
			if (blk->sub_ns)
				blk->sub_ns[i] = t2 - t1;
		} else if (st->c == BENCH_HLT) {
			/* X64Halt: nothing to complete, just run again. */
			t2 = bench_now_ns();
		} else {
			err = whp_complete(st, &x);
			t2 = bench_now_ns();
		}
		if (err)
			return err;
		blk->ns[i] = t2 - t0;
		t0 = t2;
	}
	blk->ioctls = openwhp_ioctl_count() - before;
	return 0;
}

/* One whole lifecycle through the API, ending at the first OUT exit. */
static int whp_lifecycle_once(struct whp_state *st)
{
	WHV_RUN_VP_EXIT_CONTEXT x;
	int err;

	err = whp_partition_open(st, bench_entry_rip(BENCH_OUT));
	if (err)
		return err;
	err = whp_run(st, &x);
	if (!err)
		err = whp_check_exit(&x, BENCH_LIFECYCLE);
	whp_partition_close(st);
	return err;
}

static int whp_block_lifecycle(struct whp_state *st, unsigned int n, struct bench_block *blk)
{
	uint64_t before = openwhp_ioctl_count();
	uint64_t t0, t1;
	unsigned int i;
	int err;

	t0 = bench_now_ns();
	for (i = 0; i < n; i++) {
		err = whp_lifecycle_once(st);
		if (err)
			return err;
		t1 = bench_now_ns();
		blk->ns[i] = t1 - t0;
		t0 = t1;
	}
	blk->ioctls = openwhp_ioctl_count() - before;
	blk->sub_ioctls = 0;
	return 0;
}

static int whp_block(void *state, unsigned int n, struct bench_block *blk)
{
	struct whp_state *st = state;

	if (st->c == BENCH_LIFECYCLE)
		return whp_block_lifecycle(st, n, blk);
	return whp_block_exits(st, n, blk);
}

/*
 * whp_verify: the guest must have seen what the caller wrote. The last exit's
 * values are only pending, so run to one more exit: RAX there still holds
 * what the previous completion delivered (the loops do not touch RAX
 * otherwise). For case 5, the RIP read back must always have matched the
 * exit context.
 */
static int whp_verify(struct whp_state *st)
{
	WHV_REGISTER_NAME name = WHvX64RegisterRax;
	WHV_RUN_VP_EXIT_CONTEXT x;
	WHV_REGISTER_VALUE v;
	HRESULT hr;
	int err;

	if (st->c == BENCH_REGS && st->rip_mismatch) {
		fprintf(stderr, "whp: case 5: RIP read back differed from VpContext.Rip %u times\n",
			st->rip_mismatch);
		return -EIO;
	}
	if ((st->c != BENCH_IN && st->c != BENCH_MMIO_READ) || st->runs < 1)
		return 0;
	err = whp_run(st, &x);
	if (!err)
		err = whp_check_exit(&x, st->c);
	if (err)
		return err;
	hr = WHvGetVirtualProcessorRegisters(st->part, 0, &name, 1, &v);
	if (FAILED(hr))
		return whp_fail("WHvGetVirtualProcessorRegisters (verify)", hr);
	if (st->c == BENCH_IN && (v.Reg64 & 0xff) == BENCH_IN_VALUE)
		return 0;
	if (st->c == BENCH_MMIO_READ && v.Reg64 == BENCH_MMIO_VALUE)
		return 0;
	fprintf(stderr, "whp: case %d: guest RAX 0x%llx lacks the supplied value\n", (int)st->c,
		(unsigned long long)v.Reg64);
	return -EIO;
}

static int whp_end(void *state)
{
	struct whp_state *st = state;
	int err = 0;

	if (!st)
		return 0;
	if (st->part)
		err = whp_verify(st);
	whp_partition_close(st);
	bench_guest_ram_free(st->ram);
	free(st);
	return err;
}

const char *bench_whp_flavour(void)
{
	return openwhp_kvm_flavour();
}

const char *bench_whp_version(void)
{
	return openwhp_version();
}

const struct bench_half bench_whp_half = {
	.name = "WHP API",
	.begin = whp_begin,
	.block = whp_block,
	.end = whp_end,
};
