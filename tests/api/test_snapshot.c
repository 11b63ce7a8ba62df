/* test_snapshot.c: save every bit of a running VM through the public API, restore it into a new partition, run both. */
#include "whp_test.h"

WHPT_PAYLOAD(guest_snap64);

#define SNAP_HALF 0x5AF0

/* Everything a VP's architectural state is made of, as WHP names it. */
static const WHV_REGISTER_NAME snap_regs[] = {
	WHvX64RegisterRax,	   WHvX64RegisterRcx,
	WHvX64RegisterRdx,	   WHvX64RegisterRbx,
	WHvX64RegisterRsp,	   WHvX64RegisterRbp,
	WHvX64RegisterRsi,	   WHvX64RegisterRdi,
	WHvX64RegisterR8,	   WHvX64RegisterR9,
	WHvX64RegisterR10,	   WHvX64RegisterR11,
	WHvX64RegisterR12,	   WHvX64RegisterR13,
	WHvX64RegisterR14,	   WHvX64RegisterR15,
	WHvX64RegisterRip,	   WHvX64RegisterRflags,
	WHvX64RegisterEs,	   WHvX64RegisterCs,
	WHvX64RegisterSs,	   WHvX64RegisterDs,
	WHvX64RegisterFs,	   WHvX64RegisterGs,
	WHvX64RegisterLdtr,	   WHvX64RegisterTr,
	WHvX64RegisterIdtr,	   WHvX64RegisterGdtr,
	WHvX64RegisterCr0,	   WHvX64RegisterCr2,
	WHvX64RegisterCr3,	   WHvX64RegisterCr4,
	WHvX64RegisterCr8,	   WHvX64RegisterEfer,
	WHvX64RegisterApicBase,	   WHvX64RegisterDr0,
	WHvX64RegisterDr1,	   WHvX64RegisterDr2,
	WHvX64RegisterDr3,	   WHvX64RegisterDr6,
	WHvX64RegisterDr7,	   WHvX64RegisterKernelGsBase,
	WHvX64RegisterPat,	   WHvX64RegisterSysenterCs,
	WHvX64RegisterSysenterEip, WHvX64RegisterSysenterEsp,
	WHvX64RegisterStar,	   WHvX64RegisterLstar,
	WHvX64RegisterCstar,	   WHvX64RegisterSfmask,
	WHvX64RegisterTscAux,	   WHvRegisterPendingInterruption,
	WHvRegisterInterruptState, WHvRegisterPendingEvent,
};
#define NREGS (sizeof(snap_regs) / sizeof(snap_regs[0]))

struct snapshot {
	WHV_REGISTER_VALUE regs[NREGS];
	uint8_t xsave[16384];
	UINT32 xsave_size;
	uint8_t apic[4096];
	UINT32 apic_size;
	uint8_t *ram;
};

static void snap_vm(struct whpt_vm *vm, uint8_t *ram)
{
	UINT32 one = 1, xapic = WHvX64LocalApicEmulationModeXApic;
	uint64_t *pdpt, *pd;

	memset(vm, 0, sizeof(*vm));
	WHPT_ASSERT_OK(WHvCreatePartition(&vm->part));
	WHPT_ASSERT_OK(WHvSetPartitionProperty(vm->part, WHvPartitionPropertyCodeProcessorCount,
					       &one, sizeof(one)));
	WHPT_ASSERT_OK(WHvSetPartitionProperty(vm->part,
					       WHvPartitionPropertyCodeLocalApicEmulationMode,
					       &xapic, sizeof(xapic)));
	WHPT_ASSERT_OK(WHvSetupPartition(vm->part));
	vm->ram_size = WHPT_RAM_SIZE;
	vm->ram = ram ? ram : whpt_alloc(vm->ram_size);
	WHPT_ASSERT_OK(WHvMapGpaRange(vm->part, vm->ram, 0, vm->ram_size, WHPT_MAP_RWX));
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm->part, 0, 0));
	if (ram) {
		whpt_image_parse(vm, guest_snap64, guest_snap64_size);
		return;
	}
	whpt_vm_load(vm, guest_snap64, guest_snap64_size);
	whpt_vm_set_mode(vm, WHPT_LONG64, vm->entry);
	pdpt = (uint64_t *)(void *)(vm->ram + WHPT_PDPT_GPA);
	pd = (uint64_t *)(void *)(vm->ram + 0x23000);
	pdpt[3] = 0x23000 | 0x3;
	pd[(0xFEE00000u >> 21) & 511] = 0xFEE00000u | 0x83 | 0x10;
	for (unsigned i = 0; i < 0x100; i++)
		vm->ram[WHPT_DATA_GPA + i] = (uint8_t)(i * 37 + 11);
}

static void snapshot_save(struct whpt_vm *vm, struct snapshot *s)
{
	WHPT_ASSERT_OK(WHvGetVirtualProcessorRegisters(vm->part, 0, snap_regs, NREGS, s->regs));
	WHPT_ASSERT_OK(WHvGetVirtualProcessorXsaveState(vm->part, 0, s->xsave, sizeof(s->xsave),
							&s->xsave_size));
	WHPT_ASSERT_OK(WHvGetVirtualProcessorInterruptControllerState2(vm->part, 0, s->apic,
								       sizeof(s->apic),
								       &s->apic_size));
	s->ram = whpt_alloc(vm->ram_size);
	memcpy(s->ram, vm->ram, vm->ram_size);
}

static void snapshot_restore(struct whpt_vm *vm, const struct snapshot *s)
{
	WHPT_ASSERT_OK(WHvSetVirtualProcessorInterruptControllerState2(vm->part, 0, s->apic,
								       s->apic_size));
	WHPT_ASSERT_OK(WHvSetVirtualProcessorXsaveState(vm->part, 0, s->xsave, s->xsave_size));
	WHPT_ASSERT_OK(WHvSetVirtualProcessorRegisters(vm->part, 0, snap_regs, NREGS, s->regs));
}

static uint64_t report(struct whpt_vm *vm)
{
	cr_assert_eq(whpt_run(vm), WHvRunVpExitReasonX64IoPortAccess, "got %s", whpt_describe(vm));
	whpt_advance(vm);
	return vm->exit.IoPortAccess.Rax & 0xFFFFFFFF;
}

static void interrupt(struct whpt_vm *vm)
{
	WHV_INTERRUPT_CONTROL c;

	memset(&c, 0, sizeof(c));
	c.Type = WHvX64InterruptTypeFixed;
	c.Vector = 0x40;
	WHPT_ASSERT_OK(WHvRequestInterrupt(vm->part, &c, sizeof(c)));
}

Test(snapshot, restored_copy_runs_to_the_same_output_registers_and_memory)
{
	struct whpt_vm a, b;
	struct snapshot s;
	WHV_REGISTER_VALUE ra[NREGS], rb[NREGS];
	uint64_t end_a, end_b;
	unsigned i;

	snap_vm(&a, NULL);
	cr_assert_eq(report(&a), SNAP_HALF);
	/* Halfway, the exit completed (RIP advanced): take everything. */
	snapshot_save(&a, &s);
	snap_vm(&b, s.ram);
	snapshot_restore(&b, &s);

	interrupt(&a);
	interrupt(&b);
	end_a = report(&a);
	end_b = report(&b);
	cr_assert_eq(end_a, end_b, "final hash 0x%llx vs 0x%llx", (unsigned long long)end_a,
		     (unsigned long long)end_b);
	/* (Both now sit before a HLT, which with LAPIC emulation waits inside the run.) */
	WHPT_ASSERT_OK(WHvGetVirtualProcessorRegisters(a.part, 0, snap_regs, NREGS, ra));
	WHPT_ASSERT_OK(WHvGetVirtualProcessorRegisters(b.part, 0, snap_regs, NREGS, rb));
	for (i = 0; i < NREGS; i++)
		cr_assert(memcmp(&ra[i], &rb[i], sizeof(ra[i])) == 0,
			  "register 0x%x differs: 0x%llx vs 0x%llx", (unsigned)snap_regs[i],
			  (unsigned long long)ra[i].Reg64, (unsigned long long)rb[i].Reg64);
	cr_assert(memcmp(a.ram, b.ram, a.ram_size) == 0, "memory differs");
	/* The XMM values came through XSAVE: the guest stored them back identically. */
	cr_assert(memcmp(a.ram + WHPT_DATA_GPA + 0x400, b.ram + WHPT_DATA_GPA + 0x400, 0x80) == 0);
	whpt_vm_destroy(&a);
	whpt_vm_destroy(&b);
}
