/* test_interrupts.c: local APIC emulation, WHvRequestInterrupt, EOI exits, windows, APIC state, INIT/SIPI. */
#include <pthread.h>
#include <time.h>

#include "whp_test.h"

WHPT_PAYLOAD(guest_irq64);

#define IRQ_READY    0x5EAD
#define GUEST_APIC   1u
#define GUEST_WINDOW 2u
#define GUEST_IPI    4u

/* A long-mode VM running irq64.S with the given LAPIC mode and CPU count. */
static void irq_vm(struct whpt_vm *vm, UINT32 lapic_mode, UINT32 cpus, uint64_t rbx)
{
	uint64_t *pdpt, *pd;

	memset(vm, 0, sizeof(*vm));
	WHPT_ASSERT_OK(WHvCreatePartition(&vm->part));
	WHPT_ASSERT_OK(WHvSetPartitionProperty(vm->part, WHvPartitionPropertyCodeProcessorCount,
					       &cpus, sizeof(cpus)));
	WHPT_ASSERT_OK(WHvSetPartitionProperty(vm->part,
					       WHvPartitionPropertyCodeLocalApicEmulationMode,
					       &lapic_mode, sizeof(lapic_mode)));
	WHPT_ASSERT_OK(WHvSetupPartition(vm->part));
	vm->ram_size = WHPT_RAM_SIZE;
	vm->ram = whpt_alloc(vm->ram_size);
	WHPT_ASSERT_OK(WHvMapGpaRange(vm->part, vm->ram, 0, vm->ram_size, WHPT_MAP_RWX));
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm->part, 0, 0));
	whpt_vm_load(vm, guest_irq64, guest_irq64_size);
	whpt_vm_set_mode(vm, WHPT_LONG64, vm->entry);
	/* Map the xAPIC page at 0xFEE00000 (2 MiB page, uncached) into the identity map. */
	pdpt = (uint64_t *)(void *)(vm->ram + WHPT_PDPT_GPA);
	pd = (uint64_t *)(void *)(vm->ram + 0x23000);
	pdpt[3] = 0x23000 | 0x3;
	pd[(0xFEE00000u >> 21) & 511] = 0xFEE00000u | 0x83 | 0x10;
	whpt_set64(vm, WHvX64RegisterRbx, rbx);
}

/* Run until the guest reports; complete that OUT; return the value. */
static uint64_t next_report(struct whpt_vm *vm)
{
	UINT32 r = whpt_run(vm);

	cr_assert(r == WHvRunVpExitReasonX64IoPortAccess &&
			  vm->exit.IoPortAccess.PortNumber == WHPT_PORT_REPORT,
		  "expected a report, got %s", whpt_describe(vm));
	whpt_advance(vm);
	return vm->exit.IoPortAccess.Rax & 0xFFFFFFFF;
}

static HRESULT request(struct whpt_vm *vm, UINT32 type, UINT32 vector, UINT32 dest, int level)
{
	WHV_INTERRUPT_CONTROL c;

	memset(&c, 0, sizeof(c));
	c.Type = type;
	c.DestinationMode = WHvX64InterruptDestinationModePhysical;
	c.TriggerMode = level ? WHvX64InterruptTriggerModeLevel : WHvX64InterruptTriggerModeEdge;
	c.Destination = dest;
	c.Vector = vector;
	return WHvRequestInterrupt(vm->part, &c, sizeof(c));
}

Test(interrupts, capability_reports_local_apic_emulation)
{
	WHV_CAPABILITY cap;

	WHPT_ASSERT_OK(WHvGetCapability(WHvCapabilityCodeFeatures, &cap, sizeof(cap), NULL));
	cr_assert(cap.Features.LocalApicEmulation, "this host's KVM has the split irqchip");
}

Test(interrupts, fixed_interrupt_is_delivered_and_handler_runs)
{
	struct whpt_vm vm;

	irq_vm(&vm, WHvX64LocalApicEmulationModeXApic, 1, GUEST_APIC);
	cr_assert_eq(next_report(&vm), IRQ_READY);
	WHPT_ASSERT_OK(request(&vm, WHvX64InterruptTypeFixed, 0x40, 0, 0));
	cr_assert_eq(next_report(&vm), 0x40);
	/* Twice: the handler's EOI made room for the next one. */
	WHPT_ASSERT_OK(request(&vm, WHvX64InterruptTypeFixed, 0x40, 0, 0));
	cr_assert_eq(next_report(&vm), 0x40);
	whpt_vm_destroy(&vm);
}

struct later {
	struct whpt_vm *vm;
	unsigned ms;
	UINT32 type, vector;
};

static void *request_later(void *arg)
{
	struct later *l = arg;
	struct timespec ts = { 0, (long)l->ms * 1000000L };

	nanosleep(&ts, NULL);
	request(l->vm, l->type, l->vector, 0, 0);
	return NULL;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

Test(interrupts, hlt_waits_inside_run_until_an_interrupt_arrives)
{
	struct whpt_vm vm;
	struct later l = { &vm, 60, WHvX64InterruptTypeFixed, 0x40 };
	pthread_t t;
	double t0;

	irq_vm(&vm, WHvX64LocalApicEmulationModeXApic, 1, GUEST_APIC);
	cr_assert_eq(next_report(&vm), IRQ_READY);
	/* The guest halts with IF=1: with LAPIC emulation there is no X64Halt exit. */
	t0 = now_ms();
	cr_assert_eq(pthread_create(&t, NULL, request_later, &l), 0);
	cr_assert_eq(next_report(&vm), 0x40);
	cr_assert(now_ms() - t0 >= 50, "run returned after %.1f ms, before the interrupt",
		  now_ms() - t0);
	pthread_join(t, NULL);
	whpt_vm_destroy(&vm);
}

Test(interrupts, nmi_is_delivered_to_vector_2)
{
	struct whpt_vm vm;

	irq_vm(&vm, WHvX64LocalApicEmulationModeXApic, 1, GUEST_APIC);
	cr_assert_eq(next_report(&vm), IRQ_READY);
	WHPT_ASSERT_OK(request(&vm, WHvX64InterruptTypeNmi, 0, 0, 0));
	cr_assert_eq(next_report(&vm), 2);
	whpt_vm_destroy(&vm);
}

Test(interrupts, level_triggered_interrupt_gives_apic_eoi_exit_with_its_vector)
{
	struct whpt_vm vm;
	UINT32 r;

	irq_vm(&vm, WHvX64LocalApicEmulationModeXApic, 1, GUEST_APIC);
	cr_assert_eq(next_report(&vm), IRQ_READY);
	WHPT_ASSERT_OK(request(&vm, WHvX64InterruptTypeFixed, 0x41, 0, 1));
	cr_assert_eq(next_report(&vm), 0x41);
	r = whpt_run(&vm);
	cr_assert_eq(r, WHvRunVpExitReasonX64ApicEoi, "got %s", whpt_describe(&vm));
	cr_assert_eq(vm.exit.ApicEoi.InterruptVector, 0x41);
	/* An edge-triggered one EOIs without an exit. */
	WHPT_ASSERT_OK(request(&vm, WHvX64InterruptTypeFixed, 0x40, 0, 0));
	cr_assert_eq(next_report(&vm), 0x40);
	whpt_vm_destroy(&vm);
}

Test(interrupts, bad_requests_fail_cleanly)
{
	struct whpt_vm vm;
	WHV_INTERRUPT_CONTROL c;

	irq_vm(&vm, WHvX64LocalApicEmulationModeXApic, 1, GUEST_APIC);
	WHPT_ASSERT_HR(request(&vm, WHvX64InterruptTypeFixed, 3, 0, 0), E_INVALIDARG);
	WHPT_ASSERT_HR(request(&vm, 7, 0x40, 0, 0), E_INVALIDARG);
	WHPT_ASSERT_HR(request(&vm, WHvX64InterruptTypeFixed, 0x40, 0x100, 0), E_INVALIDARG);
	memset(&c, 0, sizeof(c));
	WHPT_ASSERT_HR(WHvRequestInterrupt(vm.part, &c, 8), E_INVALIDARG);
	WHPT_ASSERT_HR(WHvRequestInterrupt(vm.part, NULL, sizeof(c)), E_POINTER);
	WHPT_ASSERT_HR(WHvRequestInterrupt(NULL, &c, sizeof(c)), E_INVALIDARG);
	whpt_vm_destroy(&vm);
}

Test(interrupts, without_lapic_emulation_requests_are_denied_and_hlt_exits)
{
	struct whpt_vm vm;
	UINT32 targets[1], n = 0;

	irq_vm(&vm, WHvX64LocalApicEmulationModeNone, 1, 0);
	WHPT_ASSERT_HR(request(&vm, WHvX64InterruptTypeFixed, 0x40, 0, 0),
		       HRESULT_FROM_WIN32(ERROR_HV_OPERATION_DENIED));
	WHPT_ASSERT_HR(WHvGetInterruptTargetVpSet(vm.part, 0,
						  WHvX64InterruptDestinationModePhysical, targets,
						  1, &n),
		       HRESULT_FROM_WIN32(ERROR_HV_OPERATION_DENIED));
	cr_assert_eq(next_report(&vm), IRQ_READY);
	cr_assert_eq(whpt_run(&vm), WHvRunVpExitReasonX64Halt, "got %s", whpt_describe(&vm));
	whpt_vm_destroy(&vm);
}

Test(interrupts, interrupt_window_exit_then_injection_through_pending_interruption)
{
	struct whpt_vm vm;
	WHV_REGISTER_VALUE v;
	struct whpt_rec at;
	UINT32 r;

	irq_vm(&vm, WHvX64LocalApicEmulationModeNone, 1, GUEST_WINDOW);
	cr_assert_eq(next_report(&vm), IRQ_READY);
	cr_assert_eq(next_report(&vm), IRQ_READY); /* IRQ_WINDOW_READY, IF = 0 now */
	memset(&v, 0, sizeof(v));
	v.DeliverabilityNotifications.InterruptNotification = 1;
	whpt_set(&vm, WHvX64RegisterDeliverabilityNotifications, v);
	r = whpt_run(&vm);
	cr_assert_eq(r, WHvRunVpExitReasonX64InterruptWindow, "got %s", whpt_describe(&vm));
	cr_assert_eq(vm.exit.InterruptWindow.DeliverableType, WHvX64PendingInterrupt);
	/* The window opens after `sti; nop`: at the HLT, with IF = 1 and no shadow. */
	at = whpt_rec(&vm, IRQ_WINDOW_AT);
	cr_assert_eq(vm.exit.VpContext.Rip, at.addr, "window at 0x%llx, expected 0x%llx",
		     (unsigned long long)vm.exit.VpContext.Rip, (unsigned long long)at.addr);
	cr_assert(vm.exit.VpContext.Rflags & 0x200);
	cr_assert_eq(vm.exit.VpContext.ExecutionState.InterruptShadow, 0);
	/* One-shot: the notification is cleared by the exit. */
	cr_assert_eq(whpt_get64(&vm, WHvX64RegisterDeliverabilityNotifications), 0);
	/* Inject vector 0x40 the WHP way; the guest's handler reports it. */
	memset(&v, 0, sizeof(v));
	v.PendingInterruption.InterruptionPending = 1;
	v.PendingInterruption.InterruptionType = WHvX64PendingInterrupt;
	v.PendingInterruption.InterruptionVector = 0x40;
	whpt_set(&vm, WHvRegisterPendingInterruption, v);
	cr_assert_eq(next_report(&vm), 0x40);
	whpt_vm_destroy(&vm);
}

Test(interrupts, open_window_exits_at_once_without_running_the_guest)
{
	struct whpt_vm vm;
	WHV_REGISTER_VALUE v;
	uint64_t rip;

	irq_vm(&vm, WHvX64LocalApicEmulationModeNone, 1, 0);
	cr_assert_eq(next_report(&vm), IRQ_READY);
	rip = whpt_get64(&vm, WHvX64RegisterRip);
	whpt_set64(&vm, WHvX64RegisterRflags, 0x202);
	memset(&v, 0, sizeof(v));
	v.DeliverabilityNotifications.InterruptNotification = 1;
	whpt_set(&vm, WHvX64RegisterDeliverabilityNotifications, v);
	cr_assert_eq(whpt_run(&vm), WHvRunVpExitReasonX64InterruptWindow);
	cr_assert_eq(vm.exit.VpContext.Rip, rip);
	whpt_vm_destroy(&vm);
}

Test(interrupts, apic_state_and_apic_registers_round_trip)
{
	struct whpt_vm vm;
	uint8_t st[4096], st2[4096];
	UINT32 written = 0, svr;

	irq_vm(&vm, WHvX64LocalApicEmulationModeXApic, 1, GUEST_APIC);
	cr_assert_eq(next_report(&vm), IRQ_READY);
	/* A short buffer tells the size. */
	WHPT_ASSERT_HR(WHvGetVirtualProcessorInterruptControllerState2(vm.part, 0, st, 16,
								       &written),
		       WHV_E_INSUFFICIENT_BUFFER);
	cr_assert(written >= 0x400, "size %u", written);
	WHPT_ASSERT_OK(WHvGetVirtualProcessorInterruptControllerState2(vm.part, 0, st, sizeof(st),
								       &written));
	memcpy(&svr, st + 0xF0, 4);
	cr_assert_eq(svr & 0x1FF, 0x1FF, "the guest enabled its APIC: SVR 0x%x", svr);
	cr_assert_eq(whpt_get64(&vm, WHvX64RegisterApicSpurious) & 0x1FF, 0x1FF);
	/* TPR through the register name, then seen in the state page. */
	whpt_set64(&vm, WHvX64RegisterApicTpr, 0x20);
	WHPT_ASSERT_OK(WHvGetVirtualProcessorInterruptControllerState2(vm.part, 0, st2, sizeof(st2),
								       &written));
	cr_assert_eq(st2[0x80], 0x20);
	/* Setting the saved state back restores TPR 0. */
	WHPT_ASSERT_OK(WHvSetVirtualProcessorInterruptControllerState2(vm.part, 0, st, written));
	cr_assert_eq(whpt_get64(&vm, WHvX64RegisterApicTpr), 0);
	whpt_vm_destroy(&vm);
}

Test(interrupts, apic_state_needs_lapic_emulation)
{
	struct whpt_vm vm;
	uint8_t st[4096];
	UINT32 written;

	irq_vm(&vm, WHvX64LocalApicEmulationModeNone, 1, 0);
	WHPT_ASSERT_HR(WHvGetVirtualProcessorInterruptControllerState2(vm.part, 0, st, sizeof(st),
								       &written),
		       HRESULT_FROM_WIN32(ERROR_HV_OPERATION_DENIED));
	whpt_vm_destroy(&vm);
}

struct ap {
	WHV_PARTITION_HANDLE part;
	WHV_RUN_VP_EXIT_CONTEXT exit;
	HRESULT hr;
};

static void *run_ap(void *arg)
{
	struct ap *a = arg;

	a->hr = WHvRunVirtualProcessor(a->part, 1, &a->exit, sizeof(a->exit));
	return NULL;
}

Test(interrupts, init_sipi_starts_an_application_processor_blocked_in_run)
{
	struct whpt_vm vm;
	struct ap a;
	pthread_t t;
	UINT32 targets[2], n = 0;
	struct timespec ts = { 0, 50 * 1000000L };

	irq_vm(&vm, WHvX64LocalApicEmulationModeXApic, 2, GUEST_APIC);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, 1, 0));
	WHPT_ASSERT_OK(WHvGetInterruptTargetVpSet(vm.part, 1,
						  WHvX64InterruptDestinationModePhysical, targets,
						  2, &n));
	cr_assert(n == 1 && targets[0] == 1);
	WHPT_ASSERT_OK(WHvGetInterruptTargetVpSet(vm.part, 0xFF,
						  WHvX64InterruptDestinationModePhysical, targets,
						  2, &n));
	cr_assert_eq(n, 2);
	memset(&a, 0, sizeof(a));
	a.part = vm.part;
	/* The AP waits for INIT/SIPI inside its run (a thread blocked in KVM_RUN). */
	cr_assert_eq(pthread_create(&t, NULL, run_ap, &a), 0);
	nanosleep(&ts, NULL);
	/* As a BSP does it (SDM Vol.3 9.4.4.1): INIT, a pause, then the SIPI. */
	WHPT_ASSERT_OK(request(&vm, WHvX64InterruptTypeInit, 0, 1, 0));
	nanosleep(&ts, NULL);
	WHPT_ASSERT_OK(request(&vm, WHvX64InterruptTypeSipi, IRQ_AP_GPA >> 12, 1, 0));
	pthread_join(t, NULL);
	WHPT_ASSERT_OK(a.hr);
	cr_assert_eq(a.exit.ExitReason, WHvRunVpExitReasonX64IoPortAccess);
	cr_assert_eq(a.exit.IoPortAccess.PortNumber, WHPT_PORT_REPORT);
	cr_assert_eq(a.exit.IoPortAccess.Rax & 0xFF, IRQ_AP_VALUE);
	cr_assert_eq(a.exit.VpContext.Cs.Base, IRQ_AP_GPA, "AP CS.base 0x%llx",
		     (unsigned long long)a.exit.VpContext.Cs.Base);
	whpt_vm_destroy(&vm);
}

struct ap_loop {
	WHV_PARTITION_HANDLE part;
	uint32_t reports[4];
	int n;
	HRESULT hr;
};

/* The AP's run loop on its own thread: complete each report, stop after (want) of them. */
static void *ap_reports(void *arg)
{
	struct ap_loop *a = arg;
	WHV_RUN_VP_EXIT_CONTEXT x;
	WHV_REGISTER_NAME rip = WHvX64RegisterRip;
	WHV_REGISTER_VALUE v;

	while (a->n < 3) {
		a->hr = WHvRunVirtualProcessor(a->part, 1, &x, sizeof(x));
		if (FAILED(a->hr) || x.ExitReason != WHvRunVpExitReasonX64IoPortAccess)
			return NULL;
		a->reports[a->n++] = (uint32_t)x.IoPortAccess.Rax & 0xFF;
		memset(&v, 0, sizeof(v));
		v.Reg64 = x.VpContext.Rip + x.VpContext.InstructionLength;
		a->hr = WHvSetVirtualProcessorRegisters(a->part, 1, &rip, 1, &v);
		if (FAILED(a->hr))
			return NULL;
	}
	return NULL;
}

Test(interrupts, ipi_from_one_vp_reaches_the_other_running_on_its_own_thread)
{
	struct whpt_vm vm;
	struct ap_loop a;
	pthread_t t;
	struct timespec ts = { 0, 50 * 1000000L };
	int i;

	/* X2Apic mode: the AP turns x2APIC on (it runs in real mode, below the xAPIC page). */
	irq_vm(&vm, WHvX64LocalApicEmulationModeX2Apic, 2, GUEST_APIC | GUEST_IPI);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, 1, 0));
	cr_assert_eq(next_report(&vm), IRQ_READY);
	memset(&a, 0, sizeof(a));
	a.part = vm.part;
	cr_assert_eq(pthread_create(&t, NULL, ap_reports, &a), 0);
	nanosleep(&ts, NULL);
	WHPT_ASSERT_OK(request(&vm, WHvX64InterruptTypeInit, 0, 1, 0));
	nanosleep(&ts, NULL);
	WHPT_ASSERT_OK(request(&vm, WHvX64InterruptTypeSipi, IRQ_AP_GPA >> 12, 1, 0));
	/* Wait until the AP has its APIC on and halts, then let VP 0 send the IPI. */
	for (i = 0; i < 200 && a.n < 2; i++)
		nanosleep(&ts, NULL);
	cr_assert_eq(a.n, 2, "the AP did not come up (%d reports, hr 0x%08x)", a.n, (unsigned)a.hr);
	WHPT_ASSERT_OK(request(&vm, WHvX64InterruptTypeFixed, 0x40, 0, 0));
	cr_assert_eq(next_report(&vm), 0x40);
	pthread_join(t, NULL);
	WHPT_ASSERT_OK(a.hr);
	cr_assert_eq(a.reports[0], IRQ_AP_VALUE);
	cr_assert_eq(a.reports[1], IRQ_AP_READY);
	cr_assert_eq(a.reports[2], IRQ_AP_IPI, "the AP's IPI handler ran");
	whpt_vm_destroy(&vm);
}

Test(interrupts, logical_destinations_resolve_from_each_vps_ldr_and_dfr)
{
	struct whpt_vm vm;
	uint8_t st[1024];
	UINT32 written, targets[2], n = 9, ldr = 0x02000000, dfr = 0xFFFFFFFF;

	irq_vm(&vm, WHvX64LocalApicEmulationModeXApic, 2, 0);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm.part, 1, 0));
	/* VP 0: flat model, logical ID bit 1 (SDM Vol.3 11.6.2.2). */
	WHPT_ASSERT_OK(WHvGetVirtualProcessorInterruptControllerState2(vm.part, 0, st, sizeof(st),
								       &written));
	memcpy(st + 0xD0, &ldr, 4);
	memcpy(st + 0xE0, &dfr, 4);
	WHPT_ASSERT_OK(WHvSetVirtualProcessorInterruptControllerState2(vm.part, 0, st, written));
	WHPT_ASSERT_OK(WHvGetInterruptTargetVpSet(vm.part, 0x02,
						  WHvX64InterruptDestinationModeLogical, targets, 2,
						  &n));
	cr_assert(n == 1 && targets[0] == 0, "%u targets", n);
	WHPT_ASSERT_OK(WHvGetInterruptTargetVpSet(vm.part, 0x01,
						  WHvX64InterruptDestinationModeLogical, targets, 2,
						  &n));
	cr_assert_eq(n, 0);
	WHPT_ASSERT_HR(WHvGetInterruptTargetVpSet(vm.part, 0x01,
						  WHvX64InterruptDestinationModeLogical, targets, 1,
						  &n),
		       E_INVALIDARG);
	whpt_vm_destroy(&vm);
}
