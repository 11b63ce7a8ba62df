/* machine.c: guest RAM + WHP partition/VP setup and the exit-dispatch run loop (see machine.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "machine.h"
#include "x86_io.h"

#define MACHINE_RFLAGS_DF (1ull << 10) /* direction flag */
#define MACHINE_CR0_PG	  (1ull << 31)

const char *machine_exit_reason_name(UINT32 reason)
{
	switch (reason) {
	case WHvRunVpExitReasonNone: return "None";
	case WHvRunVpExitReasonMemoryAccess: return "MemoryAccess";
	case WHvRunVpExitReasonX64IoPortAccess: return "X64IoPortAccess";
	case WHvRunVpExitReasonUnrecoverableException: return "UnrecoverableException";
	case WHvRunVpExitReasonInvalidVpRegisterValue: return "InvalidVpRegisterValue";
	case WHvRunVpExitReasonUnsupportedFeature: return "UnsupportedFeature";
	case WHvRunVpExitReasonX64InterruptWindow: return "X64InterruptWindow";
	case WHvRunVpExitReasonX64Halt: return "X64Halt";
	case WHvRunVpExitReasonX64ApicEoi: return "X64ApicEoi";
	case WHvRunVpExitReasonX64MsrAccess: return "X64MsrAccess";
	case WHvRunVpExitReasonX64Cpuid: return "X64Cpuid";
	case WHvRunVpExitReasonException: return "Exception";
	case WHvRunVpExitReasonX64Rdtsc: return "X64Rdtsc";
	case WHvRunVpExitReasonCanceled: return "Canceled";
	default: return "unknown";
	}
}

struct bus *machine_bus(struct machine *m)
{
	return &m->bus;
}

void machine_request_stop(struct machine *m, uint8_t status, const char *reason)
{
	m->stop_requested = 1;
	m->stop_status = status;
	m->stop_reason = reason;
}

static uint64_t machine_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct machine_stats_slot *machine_stats_slot(struct machine_stats *st, UINT32 reason)
{
	unsigned int i;

	for (i = 0; i < st->nslots; i++)
		if (st->slot[i].reason == reason)
			return &st->slot[i];
	if (st->nslots == MACHINE_STATS_SLOTS)
		return NULL; /* more kinds than WHP has: not possible */
	st->slot[st->nslots].reason = reason;
	return &st->slot[st->nslots++];
}

/* The library's own counters (WHvGetVirtualProcessorCounters), beside the VMM's figures. */
static void machine_print_whp_counters(const struct machine *m, FILE *f)
{
	static const struct {
		const char *name;
		size_t offset;
	} kinds[] = {
		{ "IoInstructions", offsetof(WHV_PROCESSOR_ACTIVITY_COUNTERS, IoInstructions) },
		{ "HaltInstructions", offsetof(WHV_PROCESSOR_ACTIVITY_COUNTERS, HaltInstructions) },
		{ "MsrAccesses", offsetof(WHV_PROCESSOR_ACTIVITY_COUNTERS, MsrAccesses) },
		{ "NestedPageFaultIntercepts",
		  offsetof(WHV_PROCESSOR_ACTIVITY_COUNTERS, NestedPageFaultIntercepts) },
		{ "PendingInterrupts",
		  offsetof(WHV_PROCESSOR_ACTIVITY_COUNTERS, PendingInterrupts) },
		{ "OtherIntercepts", offsetof(WHV_PROCESSOR_ACTIVITY_COUNTERS, OtherIntercepts) },
	};
	WHV_PROCESSOR_RUNTIME_COUNTERS rt;
	WHV_PROCESSOR_ACTIVITY_COUNTERS ic;
	UINT32 written = 0;
	unsigned int i;
	HRESULT hr;

	memset(&rt, 0, sizeof(rt));
	memset(&ic, 0, sizeof(ic));
	hr = WHvGetVirtualProcessorCounters(m->partition, m->vp_index,
					    WHvProcessorCounterSetRuntime, &rt, sizeof(rt),
					    &written);
	if (SUCCEEDED(hr))
		hr = WHvGetVirtualProcessorCounters(m->partition, m->vp_index,
						    WHvProcessorCounterSetIntercepts, &ic,
						    sizeof(ic), &written);
	if (FAILED(hr)) {
		fprintf(f, "  WHP counters: not available (HRESULT 0x%08lx)\n",
			(unsigned long)hr & 0xffffffffUL);
		return;
	}
	fprintf(f, "  WHP counters (WHvGetVirtualProcessorCounters):\n");
	fprintf(f, "    %-26s %10s %12.3f ms (of which hypervisor %.3f ms)\n", "TotalRuntime", "",
		rt.TotalRuntime100ns / 1e4, rt.HypervisorRuntime100ns / 1e4);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const WHV_PROCESSOR_INTERCEPT_COUNTER *c =
			(const void *)((const uint8_t *)&ic + kinds[i].offset);

		if (c->Count)
			fprintf(f, "    %-26s %10llu %12.3f ms\n", kinds[i].name,
				(unsigned long long)c->Count, c->Time100ns / 1e4);
	}
}

void machine_print_stats(const struct machine *m, FILE *f)
{
	const struct machine_stats *st = &m->stats;
	uint64_t run = 0, handle = 0;
	unsigned int i;

	fprintf(f, "openwhp: exit statistics (measured by the VMM)\n");
	fprintf(f, "  %-26s %10s %12s %10s %12s %10s\n", "exit reason", "count", "in run (ms)",
		"avg (us)", "handling(ms)", "avg (us)");
	for (i = 0; i < st->nslots; i++) {
		const struct machine_stats_slot *s = &st->slot[i];

		run += s->run_ns;
		handle += s->handle_ns;
		fprintf(f, "  %-26s %10llu %12.3f %10.2f %12.3f %10.2f\n",
			machine_exit_reason_name(s->reason), (unsigned long long)s->count,
			s->run_ns / 1e6, s->count ? s->run_ns / 1e3 / s->count : 0.0,
			s->handle_ns / 1e6, s->count ? s->handle_ns / 1e3 / s->count : 0.0);
	}
	fprintf(f, "  %-26s %10llu %12.3f %10s %12.3f\n", "total", (unsigned long long)st->exits,
		run / 1e6, "", handle / 1e6);
	if (st->end_ns > st->start_ns)
		fprintf(f, "  wall time of the run: %.3f ms\n", (st->end_ns - st->start_ns) / 1e6);
	machine_print_whp_counters(m, f);
	fprintf(f, "  port I/O by device:\n");
	for (i = 0; i < m->bus.count; i++)
		fprintf(f, "    %-16s 0x%04x-0x%04x %10llu\n", m->bus.ranges[i].name,
			m->bus.ranges[i].base, m->bus.ranges[i].base + m->bus.ranges[i].len - 1,
			(unsigned long long)m->bus.ranges[i].accesses);
	fprintf(f, "    %-16s %13s %10llu\n", "(no device)", "",
		(unsigned long long)m->bus.unclaimed);
}

/* One line per exit for --trace exits: what happened and where. */
static void machine_trace(struct machine *m, const WHV_RUN_VP_EXIT_CONTEXT *ex)
{
	fprintf(m->trace, "exit %llu: %s rip=0x%llx", (unsigned long long)m->exits,
		machine_exit_reason_name(ex->ExitReason), (unsigned long long)ex->VpContext.Rip);
	switch (ex->ExitReason) {
	case WHvRunVpExitReasonX64IoPortAccess:
		fprintf(m->trace, " port=0x%x %s size=%u%s%s", ex->IoPortAccess.PortNumber,
			ex->IoPortAccess.AccessInfo.IsWrite ? "out" : "in",
			(unsigned int)ex->IoPortAccess.AccessInfo.AccessSize,
			ex->IoPortAccess.AccessInfo.StringOp ? " string" : "",
			ex->IoPortAccess.AccessInfo.RepPrefix ? " rep" : "");
		if (ex->IoPortAccess.AccessInfo.IsWrite && !ex->IoPortAccess.AccessInfo.StringOp)
			fprintf(m->trace, " value=0x%llx",
				(unsigned long long)ex->IoPortAccess.Rax &
					((1ull << (8 * ex->IoPortAccess.AccessInfo.AccessSize)) -
					 1));
		break;
	case WHvRunVpExitReasonMemoryAccess:
		fprintf(m->trace, " gpa=0x%llx access=%u", (unsigned long long)ex->MemoryAccess.Gpa,
			(unsigned int)ex->MemoryAccess.AccessInfo.AccessType);
		break;
	default: break;
	}
	fputc('\n', m->trace);
}

int machine_cancel(struct machine *m)
{
	HRESULT hr = WHvCancelRunVirtualProcessor(m->partition, m->vp_index, 0);

	if (FAILED(hr))
		return vmm_error_hr("WHvCancelRunVirtualProcessor", hr);
	return 0;
}

void machine_destroy(struct machine *m)
{
	if (!m)
		return;
	/*
	 * Deleting the partition releases its VPs and mappings too; deleting
	 * them first keeps the order symmetric with creation. Failures here
	 * cannot be acted on and leave nothing behind in this process.
	 */
	if (m->vp_created)
		(void)WHvDeleteVirtualProcessor(m->partition, m->vp_index);
	if (m->ram_mapped)
		(void)WHvUnmapGpaRange(m->partition, 0, m->ram.size);
	if (m->partition)
		(void)WHvDeletePartition(m->partition);
	ram_destroy(&m->ram);
	free(m);
}

static int machine_check_hypervisor(void)
{
	WHV_CAPABILITY cap;
	UINT32 written = 0;
	HRESULT hr;

	memset(&cap, 0, sizeof(cap));
	hr = WHvGetCapability(WHvCapabilityCodeHypervisorPresent, &cap, sizeof(cap), &written);
	if (FAILED(hr))
		return vmm_error_hr("WHvGetCapability(HypervisorPresent)", hr);
	if (!cap.HypervisorPresent) {
		vmm_error_set("no hypervisor is available (on Linux: /dev/kvm "
			      "must exist and be readable and writable)");
		return -ENODEV;
	}
	return 0;
}

int machine_create(struct machine **out, const struct machine_config *cfg)
{
	WHV_PARTITION_PROPERTY prop;
	struct machine *m;
	HRESULT hr;
	int rc;

	*out = NULL;
	if (cfg->mem_size < MACHINE_MEM_MIN || cfg->mem_size > MACHINE_MEM_MAX ||
	    cfg->mem_size % 4096) {
		vmm_error_set("guest RAM must be %llu MiB to %llu MiB (got %llu bytes)",
			      MACHINE_MEM_MIN >> 20, MACHINE_MEM_MAX >> 20,
			      (unsigned long long)cfg->mem_size);
		return -EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		vmm_error_set("out of memory");
		return -ENOMEM;
	}
	bus_init(&m->bus);
	m->vp_index = 0;

	rc = machine_check_hypervisor();
	if (rc)
		goto fail;
	rc = ram_create(&m->ram, cfg->mem_size);
	if (rc)
		goto fail;

	rc = -1;
	hr = WHvCreatePartition(&m->partition);
	if (FAILED(hr)) {
		m->partition = NULL;
		vmm_error_hr("WHvCreatePartition", hr);
		goto fail;
	}
	memset(&prop, 0, sizeof(prop));
	prop.ProcessorCount = 1;
	hr = WHvSetPartitionProperty(m->partition, WHvPartitionPropertyCodeProcessorCount, &prop,
				     sizeof(prop));
	if (FAILED(hr)) {
		vmm_error_hr("WHvSetPartitionProperty(ProcessorCount)", hr);
		goto fail;
	}
	hr = WHvSetupPartition(m->partition);
	if (FAILED(hr)) {
		vmm_error_hr("WHvSetupPartition", hr);
		goto fail;
	}
	hr = WHvMapGpaRange(m->partition, m->ram.host, 0, m->ram.size,
			    WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagWrite |
				    WHvMapGpaRangeFlagExecute);
	if (FAILED(hr)) {
		vmm_error_hr("WHvMapGpaRange(guest RAM)", hr);
		goto fail;
	}
	m->ram_mapped = 1;
	hr = WHvCreateVirtualProcessor(m->partition, m->vp_index, 0);
	if (FAILED(hr)) {
		vmm_error_hr("WHvCreateVirtualProcessor", hr);
		goto fail;
	}
	m->vp_created = 1;
	*out = m;
	return 0;
fail:
	machine_destroy(m);
	return rc;
}

/* Fill (res) for a guest failure; returns 1 ("stop") for the exit handlers. */
__attribute__((format(printf, 2, 3))) static int machine_fail(struct machine_result *res,
							      const char *fmt, ...)
{
	va_list ap;

	res->stop = MACHINE_STOP_FAILURE;
	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
	return 1;
}

static enum x86_cpu_mode machine_exit_mode(const WHV_VP_EXIT_CONTEXT *vp)
{
	return x86_io_mode(vp->ExecutionState.EferLma, vp->Cs.Long, vp->Cs.Default);
}

static unsigned int machine_ip_size(enum x86_cpu_mode mode)
{
	return mode == X86_MODE_64 ? 8 : mode == X86_MODE_32 ? 4 : 2;
}

/*
 * State of one string I/O instruction being completed: which guest linear
 * addresses it touches and how they become guest-physical addresses.
 */
struct machine_string {
	bool paging;	   /* CR0.PG: translate through WHvTranslateGva */
	uint64_t page_gva; /* one-entry translation cache */
	uint64_t page_gpa;
	bool page_valid;
};

/*
 * machine_linear_byte: host pointer for the guest byte at linear address
 * (gva), translated through the guest page tables when paging is on.
 * Returns NULL when the byte is not in RAM or not mapped, with (*why)
 * saying so; or NULL with (*why) NULL when WHvTranslateGva itself failed
 * (a host failure; vmm_error() is set).
 */
static uint8_t *machine_linear_byte(struct machine *m, struct machine_string *s, uint64_t gva,
				    bool write, const char **why)
{
	uint64_t page = gva & ~0xfffull;
	WHV_TRANSLATE_GVA_RESULT tr;
	WHV_GUEST_PHYSICAL_ADDRESS gpa;
	HRESULT hr;
	uint8_t *p;

	if (!s->paging) {
		p = ram_ptr(&m->ram, gva, 1);
		if (!p)
			*why = "outside guest RAM";
		return p;
	}
	if (!s->page_valid || s->page_gva != page) {
		memset(&tr, 0, sizeof(tr));
		hr = WHvTranslateGva(m->partition, m->vp_index, page,
				     write ? WHvTranslateGvaFlagValidateWrite
					   : WHvTranslateGvaFlagValidateRead,
				     &tr, &gpa);
		if (FAILED(hr)) {
			vmm_error_hr("WHvTranslateGva (string I/O with paging on)", hr);
			*why = NULL;
			return NULL;
		}
		if (tr.ResultCode != WHvTranslateGvaResultSuccess) {
			*why = "not mapped by the guest page tables";
			return NULL;
		}
		s->page_gva = page;
		s->page_gpa = gpa & ~0xfffull;
		s->page_valid = true;
	}
	p = ram_ptr(&m->ram, s->page_gpa | (gva & 0xfff), 1);
	if (!p)
		*why = "outside guest RAM";
	return p;
}

static int machine_set_regs(struct machine *m, const WHV_REGISTER_NAME *names,
			    const WHV_REGISTER_VALUE *values, UINT32 count)
{
	HRESULT hr =
		WHvSetVirtualProcessorRegisters(m->partition, m->vp_index, names, count, values);

	if (FAILED(hr))
		return vmm_error_hr("WHvSetVirtualProcessorRegisters", hr);
	return 0;
}

static const WHV_REGISTER_NAME machine_seg_names[] = {
	[X86_SEG_ES] = WHvX64RegisterEs, [X86_SEG_CS] = WHvX64RegisterCs,
	[X86_SEG_SS] = WHvX64RegisterSs, [X86_SEG_DS] = WHvX64RegisterDs,
	[X86_SEG_FS] = WHvX64RegisterFs, [X86_SEG_GS] = WHvX64RegisterGs,
};

/*
 * machine_string_io: complete INS/OUTS (with or without REP) in one go:
 * every element goes through the bus and guest memory, then RSI or RDI,
 * RCX and RIP are written back (Intel SDM vol. 2B, "OUTS", "INS", "REP").
 * If the exit port asks to stop in the middle of a REP, the registers
 * describe the elements done so far and RIP stays at the instruction, as
 * for an interrupted REP string instruction.
 */
static int machine_string_io(struct machine *m, const WHV_RUN_VP_EXIT_CONTEXT *ex,
			     enum x86_cpu_mode mode, uint64_t next_rip,
			     const struct x86_io_prefixes *pfx, struct machine_result *res)
{
	const WHV_X64_IO_PORT_ACCESS_CONTEXT *io = &ex->IoPortAccess;
	bool is_write = io->AccessInfo.IsWrite; /* OUTS */
	unsigned int size = io->AccessInfo.AccessSize;
	unsigned int asize = x86_io_address_size(mode, pfx->addr_size);
	bool rep = io->AccessInfo.RepPrefix;
	uint64_t index = is_write ? io->Rsi : io->Rdi;
	uint64_t rcx = io->Rcx, count, done, seg_base;
	int64_t step = (ex->VpContext.Rflags & MACHINE_RFLAGS_DF) ? -(int64_t)size : (int64_t)size;
	struct machine_string s = { 0 };
	WHV_REGISTER_NAME names[4];
	WHV_REGISTER_VALUE values[4];
	UINT32 n = 0;
	HRESULT hr;

	/* CR0 (paging?) and, for an OUTS segment override, that segment. */
	names[n++] = WHvX64RegisterCr0;
	if (is_write && pfx->seg >= 0 && pfx->seg != X86_SEG_DS)
		names[n++] = machine_seg_names[pfx->seg];
	memset(values, 0, sizeof(values));
	hr = WHvGetVirtualProcessorRegisters(m->partition, m->vp_index, names, n, values);
	if (FAILED(hr))
		return vmm_error_hr("WHvGetVirtualProcessorRegisters", hr);
	s.paging = values[0].Reg64 & MACHINE_CR0_PG;
	/*
	 * OUTS reads DS:rSI (segment overridable); INS writes ES:rDI (never
	 * overridable). In 64-bit mode only FS and GS bases apply (Intel SDM
	 * vol. 3A, 3.4.4).
	 */
	if (!is_write)
		seg_base = io->Es.Base;
	else if (n == 2)
		seg_base = values[1].Segment.Base;
	else
		seg_base = io->Ds.Base;
	if (mode == X86_MODE_64 &&
	    !(is_write && (pfx->seg == X86_SEG_FS || pfx->seg == X86_SEG_GS)))
		seg_base = 0;

	count = rep ? x86_io_reg_value(rcx, asize) : 1;
	for (done = 0; done < count && !m->stop_requested; done++) {
		uint64_t lin = seg_base + x86_io_reg_value(index, asize);
		uint32_t data = 0;
		unsigned int i;
		int rc;

		if (mode != X86_MODE_64)
			lin &= 0xffffffffull; /* linear addresses are 32-bit */
		for (i = 0; is_write && i < size; i++) {
			const char *why = "";
			uint8_t *p = machine_linear_byte(m, &s, lin + i, false, &why);

			if (!p && !why)
				return -1;
			if (!p)
				return machine_fail(res,
						    "OUTS at RIP 0x%llx reads "
						    "linear address 0x%llx, %s",
						    (unsigned long long)ex->VpContext.Rip,
						    (unsigned long long)(lin + i), why);
			data |= (uint32_t)*p << (8 * i);
		}
		rc = bus_io(&m->bus, io->PortNumber, is_write, &data, size);
		if (rc < 0)
			return machine_fail(res,
					    "the device at port 0x%x failed "
					    "(error %d)",
					    io->PortNumber, rc);
		for (i = 0; !is_write && i < size; i++) {
			const char *why = "";
			uint8_t *p = machine_linear_byte(m, &s, lin + i, true, &why);

			if (!p && !why)
				return -1;
			if (!p)
				return machine_fail(res,
						    "INS at RIP 0x%llx writes "
						    "linear address 0x%llx, %s",
						    (unsigned long long)ex->VpContext.Rip,
						    (unsigned long long)(lin + i), why);
			*p = (uint8_t)(data >> (8 * i));
		}
		index = x86_io_reg_add(index, step, asize);
		if (rep)
			rcx = x86_io_reg_add(rcx, -1, asize);
	}

	n = 0;
	names[n] = is_write ? WHvX64RegisterRsi : WHvX64RegisterRdi;
	memset(values, 0, sizeof(values));
	values[n++].Reg64 = index;
	if (rep) {
		names[n] = WHvX64RegisterRcx;
		values[n++].Reg64 = rcx;
	}
	if (done == count) {
		names[n] = WHvX64RegisterRip;
		values[n++].Reg64 = next_rip;
	}
	return machine_set_regs(m, names, values, n);
}

/*
 * machine_io: complete one port-I/O exit the way a Windows VMM must: WHP
 * never executes the intercepted instruction, so the result (RAX for IN,
 * memory for INS) and the new RIP = VpContext.Rip + InstructionLength are
 * written here. Returns 0 to keep running, 1 when (res) says the run
 * stops, -1 on a host failure.
 */
static int machine_io(struct machine *m, const WHV_RUN_VP_EXIT_CONTEXT *ex,
		      struct machine_result *res)
{
	const WHV_X64_IO_PORT_ACCESS_CONTEXT *io = &ex->IoPortAccess;
	enum x86_cpu_mode mode = machine_exit_mode(&ex->VpContext);
	unsigned int size = io->AccessInfo.AccessSize;
	unsigned int count = io->InstructionByteCount;
	unsigned int len = ex->VpContext.InstructionLength;
	struct x86_io_prefixes pfx = { .seg = -1 };
	WHV_REGISTER_NAME names[2];
	WHV_REGISTER_VALUE values[2];
	uint64_t next_rip;
	uint32_t data;
	int rc;

	if (size != 1 && size != 2 && size != 4)
		return machine_fail(res, "I/O exit with access size %u at RIP 0x%llx", size,
				    (unsigned long long)ex->VpContext.Rip);
	if (count > sizeof(io->InstructionBytes))
		count = sizeof(io->InstructionBytes);
	if (count)
		(void)x86_io_prefixes(io->InstructionBytes, count, mode, &pfx);
	/* Older hypervisor builds may leave the length out; decode it then. */
	if (len == 0)
		len = x86_io_insn_length(io->InstructionBytes, count, mode);
	if (len == 0)
		return machine_fail(res,
				    "cannot tell the length of the I/O "
				    "instruction at RIP 0x%llx",
				    (unsigned long long)ex->VpContext.Rip);
	/* IP/EIP wrap within their width outside 64-bit mode. */
	next_rip = x86_io_reg_add(ex->VpContext.Rip, len, machine_ip_size(mode));

	if (io->AccessInfo.StringOp)
		return machine_string_io(m, ex, mode, next_rip, &pfx, res);

	data = (uint32_t)io->Rax;
	if (size < 4)
		data &= (1u << (8 * size)) - 1;
	rc = bus_io(&m->bus, io->PortNumber, io->AccessInfo.IsWrite, &data, size);
	if (rc < 0)
		return machine_fail(res, "the device at port 0x%x failed (error %d)",
				    io->PortNumber, rc);
	memset(values, 0, sizeof(values));
	names[0] = WHvX64RegisterRip;
	values[0].Reg64 = next_rip;
	if (io->AccessInfo.IsWrite)
		return machine_set_regs(m, names, values, 1);
	names[1] = WHvX64RegisterRax;
	values[1].Reg64 = x86_io_merge_in(io->Rax, data, size, mode);
	return machine_set_regs(m, names, values, 2);
}

static const char *machine_access_name(UINT32 type)
{
	switch (type) {
	case WHvMemoryAccessRead: return "read";
	case WHvMemoryAccessWrite: return "write";
	case WHvMemoryAccessExecute: return "instruction fetch";
	default: return "access";
	}
}

static int machine_loop(struct machine *m, struct machine_result *res);

int machine_run(struct machine *m, struct machine_result *res)
{
	int rc;

	memset(res, 0, sizeof(*res));
	m->stop_requested = 0;
	if (m->before_run) {
		rc = m->before_run(m->before_run_ctx);
		m->before_run = NULL;
		if (rc)
			return -1;
	}
	m->stats.start_ns = machine_now_ns();
	rc = machine_loop(m, res);
	m->stats.end_ns = machine_now_ns();
	return rc;
}

/* The exit loop of machine_run(); see there. */
static int machine_loop(struct machine *m, struct machine_result *res)
{
	WHV_RUN_VP_EXIT_CONTEXT ex;
	uint64_t t0, t1 = 0;
	HRESULT hr;
	int rc;

	for (;;) {
		struct machine_stats_slot *slot;

		memset(&ex, 0, sizeof(ex));
		t0 = machine_now_ns();
		if (t1) {
			/* The previous exit's handling ends where this run starts. */
			slot = machine_stats_slot(&m->stats, res->exit_reason);
			if (slot)
				slot->handle_ns += t0 - t1;
		}
		hr = WHvRunVirtualProcessor(m->partition, m->vp_index, &ex, sizeof(ex));
		if (FAILED(hr))
			return vmm_error_hr("WHvRunVirtualProcessor", hr);
		t1 = machine_now_ns();
		m->exits++;
		m->stats.exits++;
		slot = machine_stats_slot(&m->stats, ex.ExitReason);
		if (slot) {
			slot->count++;
			slot->run_ns += t1 - t0;
		}
		res->exit_reason = ex.ExitReason;
		res->rip = ex.VpContext.Rip;
		if (m->trace)
			machine_trace(m, &ex);

		switch (ex.ExitReason) {
		case WHvRunVpExitReasonX64IoPortAccess:
			rc = machine_io(m, &ex, res);
			if (rc)
				return rc < 0 ? -1 : 0;
			break;
		case WHvRunVpExitReasonX64Halt:
			/* No interrupt sources exist yet, so HLT is the end. */
			res->stop = MACHINE_STOP_HALT;
			res->status = 0;
			return 0;
		case WHvRunVpExitReasonCanceled: res->stop = MACHINE_STOP_CANCELED; return 0;
		case WHvRunVpExitReasonMemoryAccess:
			machine_fail(res,
				     "guest %s at unmapped guest-physical address "
				     "0x%llx (RIP 0x%llx)",
				     machine_access_name(ex.MemoryAccess.AccessInfo.AccessType),
				     (unsigned long long)ex.MemoryAccess.Gpa,
				     (unsigned long long)ex.VpContext.Rip);
			return 0;
		case WHvRunVpExitReasonUnrecoverableException:
			machine_fail(res,
				     "the guest hit an unrecoverable exception "
				     "(triple fault) near RIP 0x%llx",
				     (unsigned long long)ex.VpContext.Rip);
			return 0;
		case WHvRunVpExitReasonInvalidVpRegisterValue:
			machine_fail(res,
				     "the hypervisor refused the VP's register "
				     "state (InvalidVpRegisterValue) at RIP 0x%llx",
				     (unsigned long long)ex.VpContext.Rip);
			return 0;
		case WHvRunVpExitReasonUnsupportedFeature:
			machine_fail(res,
				     "the guest used an unsupported feature "
				     "(code %u, parameter 0x%llx) at RIP 0x%llx",
				     (unsigned int)ex.UnsupportedFeature.FeatureCode,
				     (unsigned long long)ex.UnsupportedFeature.FeatureParameter,
				     (unsigned long long)ex.VpContext.Rip);
			return 0;
		default:
			machine_fail(res, "unhandled exit %s (0x%x) at RIP 0x%llx",
				     machine_exit_reason_name(ex.ExitReason),
				     (unsigned int)ex.ExitReason,
				     (unsigned long long)ex.VpContext.Rip);
			return 0;
		}
		if (m->stop_requested) {
			res->stop = MACHINE_STOP_EXIT;
			res->status = m->stop_status;
			res->reason = m->stop_reason;
			return 0;
		}
	}
}
