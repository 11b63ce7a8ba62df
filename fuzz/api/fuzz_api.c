/* fuzz_api.c: libFuzzer target for the WHP API surface: call sequences decoded from the input. */
#include <WinHvPlatform.h>
#include <openwhp.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/*
 * Each input is one short program against one partition, run on the real
 * /dev/kvm: a sequence of operations, each an opcode byte followed by the
 * bytes its arguments are decoded from (missing bytes read as 0). The
 * arguments mix valid and invalid values on purpose: live, NULL, deleted
 * and made-up partition handles; VP indexes in and out of range; sizes
 * around the right one; real and random register names, property and
 * capability codes; NULL and real buffers. The partition is deleted at the
 * end of every input, so inputs are independent and nothing accumulates.
 *
 * A bug is anything that crashes or trips a sanitizer, plus what abort()s
 * here: an HRESULT that is not one the library documents, a call with a
 * bad handle that succeeds, an exit context with impossible fields, or a
 * property that reads back differently from what was set. Guest code can
 * run (RAM is filled with HLT, and inputs may write guest memory and
 * registers), so a watchdog thread cancels any run that lasts over 20 ms.
 *
 * The caller's side of the contract is kept: every buffer passed is at least
 * as large as the size passed with it, and host memory given to
 * WHvMapGpaRange is real memory of the size given (the library cannot check
 * either; Windows cannot either).
 */

#define RAM_PAGES    16
#define RAM_SIZE     (RAM_PAGES * 4096)
#define SCRATCH_SIZE 8192
#define MAX_OPS	     64
#define MAX_REGS     48

static uint8_t *ram;
static uint8_t scratch[SCRATCH_SIZE] __attribute__((aligned(4096)));

/* ---- input decoding ---- */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t get8(struct in *in)
{
	uint8_t v = 0;

	if (in->n) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static uint32_t get32(struct in *in)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++)
		v |= (uint32_t)get8(in) << (8 * i);
	return v;
}

static uint64_t get64(struct in *in)
{
	uint64_t lo = get32(in);

	return lo | ((uint64_t)get32(in) << 32);
}

static void getbytes(struct in *in, void *dst, size_t n)
{
	uint8_t *d = dst;
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = get8(in);
}

/* ---- what a result may be ---- */

static void fail(const char *what, uint32_t a, uint32_t b)
{
	fprintf(stderr, "fuzz_api: %s (0x%08x, 0x%08x); last error: %s\n", what, a, b,
		openwhp_last_error());
	abort();
}

/* OPENWHP_FUZZ_TRACE=1 prints every call's HRESULT (for writing seed inputs). */
static int trace = -1;

/* Every HRESULT the library documents; anything else is a bug. */
static void check_hr(HRESULT hr, const char *call)
{
	if (trace < 0)
		trace = getenv("OPENWHP_FUZZ_TRACE") != NULL;
	if (trace)
		fprintf(stderr, "  %s -> 0x%08x %s\n", call, (unsigned)hr,
			FAILED(hr) ? openwhp_last_error() : "");
	switch ((uint32_t)hr) {
	case 0x00000000u: /* S_OK */
	case 0x80004001u: /* E_NOTIMPL */
	case 0x80004003u: /* E_POINTER */
	case 0x80004005u: /* E_FAIL */
	case 0x80070005u: /* E_ACCESSDENIED */
	case 0x80070006u: /* E_HANDLE */
	case 0x8007000Eu: /* E_OUTOFMEMORY */
	case 0x80070032u: /* ERROR_NOT_SUPPORTED */
	case 0x80070057u: /* E_INVALIDARG */
	case 0x8007139Fu: /* ERROR_INVALID_STATE */
	case 0x80370300u:
	case 0x80370301u:
	case 0x80370302u:
	case 0x80370303u:
	case 0x80370304u:
	case 0x80370305u:
	case 0x80370306u:
	case 0x80370307u:
	case 0x80370308u:
	case 0x80370309u:
	case 0x80370310u: /* WHV_E_* */
	case 0xC0350008u: /* ERROR_HV_OPERATION_DENIED */ return;
	}
	fprintf(stderr, "fuzz_api: %s: ", call);
	fail("undocumented HRESULT", (uint32_t)hr, 0);
}

/* ---- the watchdog: no input may hang the process ---- */

static _Atomic(WHV_PARTITION_HANDLE) wd_part;
static atomic_uint wd_vp;
static atomic_ullong wd_deadline;
static atomic_ulong runs, canceled_by_watchdog;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *watchdog(void *arg)
{
	struct timespec tick = { 0, 2000000 };

	(void)arg;
	for (;;) {
		unsigned long long d = atomic_load(&wd_deadline);

		nanosleep(&tick, NULL);
		if (d && now_ns() > d && atomic_load(&wd_deadline) == d) {
			/* a handle that died meanwhile just gets E_INVALIDARG */
			WHvCancelRunVirtualProcessor(atomic_load(&wd_part), atomic_load(&wd_vp), 0);
			atomic_fetch_add(&canceled_by_watchdog, 1);
			atomic_compare_exchange_strong(&wd_deadline, &d, now_ns() + 20000000ull);
		}
	}
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static atomic_ulong inputs, guest_exits[4];

/* The figures docs/robustness.md quotes, printed when the process ends. */
static void print_stats(void)
{
	fprintf(stderr,
		"fuzz_api: %lu inputs, %lu runs: %lu exits (%lu halt, %lu canceled), "
		"%lu failed cleanly; %lu runs ended by the watchdog\n",
		atomic_load(&inputs), atomic_load(&runs), atomic_load(&guest_exits[0]),
		atomic_load(&guest_exits[1]), atomic_load(&guest_exits[2]),
		atomic_load(&guest_exits[3]), atomic_load(&canceled_by_watchdog));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	pthread_t t;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	(void)argc;
	(void)argv;
	if (fd < 0) {
		fprintf(stderr, "SKIP: cannot open /dev/kvm: %s\n", strerror(errno));
		exit(77);
	}
	close(fd);
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		abort();
	if (pthread_create(&t, NULL, watchdog, NULL))
		abort();
	pthread_detach(t);
	atexit(print_stats);
	return 0;
}

/* ---- one input ---- */

struct state {
	WHV_PARTITION_HANDLE live;  /* NULL once deleted */
	WHV_PARTITION_HANDLE stale; /* a handle deleted earlier in this input */
	bool count_set;
	UINT32 count; /* ProcessorCount last set successfully */
};

/* A partition handle: mostly the live one, sometimes NULL, stale or made up. */
static WHV_PARTITION_HANDLE pick_handle(struct in *in, struct state *s, bool *bad)
{
	uint8_t k = get8(in) % 16;

	*bad = true;
	if (k < 12 && s->live) {
		*bad = false;
		return s->live;
	}
	switch (k % 4) {
	case 0: return NULL;
	case 1:
		if (s->stale)
			return s->stale;
		return (WHV_PARTITION_HANDLE)scratch;
	case 2: return (WHV_PARTITION_HANDLE)scratch;
	default: return (WHV_PARTITION_HANDLE)(uintptr_t)(0xDEAD0000u | get8(in));
	}
}

static UINT32 pick_vp(struct in *in)
{
	uint8_t k = get8(in);

	if (k < 0xF0)
		return k % 4;
	if (k < 0xF8)
		return k;
	return get32(in);
}

/* A register name: one from each block WHP defines, or anything. */
static WHV_REGISTER_NAME pick_reg(struct in *in)
{
	static const uint32_t base[] = { 0x00000000, 0x00001000, 0x00002000, 0x00002080,
					 0x00003000, 0x00004000, 0x80000000, 0x90000000 };
	uint8_t k = get8(in);

	if (k == 0xFF)
		return (WHV_REGISTER_NAME)get32(in);
	return (WHV_REGISTER_NAME)(base[k % 8] + get8(in) % 0x40);
}

static uint32_t pick_code(struct in *in, uint32_t hi)
{
	uint8_t k = get8(in);

	if (k == 0xFF)
		return get32(in);
	return (k & 0x80) ? hi + (k & 0x1F) : (uint32_t)(k & 0x1F);
}

/* A buffer and its size: NULL, or scratch with a size near (want). */
static void *pick_buf(struct in *in, uint32_t want, uint32_t *size)
{
	uint8_t k = get8(in);
	uint32_t sz;

	switch (k % 8) {
	case 0: sz = 0; break;
	case 1: sz = want ? want - 1 : 0; break;
	case 2: sz = want + 1; break;
	case 3: sz = get8(in); break;
	case 4: sz = get32(in) % SCRATCH_SIZE; break;
	default: sz = want; break;
	}
	if (sz > SCRATCH_SIZE)
		sz = SCRATCH_SIZE;
	*size = sz;
	if (k & 0x80)
		return NULL;
	getbytes(in, scratch, sz < 64 ? sz : 64);
	return scratch;
}

static uint64_t pick_gpa(struct in *in)
{
	uint8_t k = get8(in);

	switch (k % 8) {
	case 0: return (uint64_t)(get8(in) % 64) * 4096;
	case 1: return 0x100000 + (uint64_t)(get8(in) % 16) * 4096;
	case 2: return get64(in);
	case 3: return 1ull << 60;
	case 4: return 0xFFFFFFFFFFFFF000ull;
	case 5: {
		uint64_t page = get8(in) % 64;

		return page * 4096 + 1 + get8(in);
	}
	default: return (uint64_t)(k >> 3) * 4096;
	}
}

static void check_exit(const WHV_RUN_VP_EXIT_CONTEXT *x)
{
	switch (x->ExitReason) {
	case WHvRunVpExitReasonNone:
	case WHvRunVpExitReasonMemoryAccess:
	case WHvRunVpExitReasonX64IoPortAccess:
	case WHvRunVpExitReasonUnrecoverableException:
	case WHvRunVpExitReasonInvalidVpRegisterValue:
	case WHvRunVpExitReasonUnsupportedFeature:
	case WHvRunVpExitReasonX64InterruptWindow:
	case WHvRunVpExitReasonX64Halt:
	case WHvRunVpExitReasonX64ApicEoi:
	case WHvRunVpExitReasonSynicSintDeliverable:
	case WHvRunVpExitReasonX64ApicSmiTrap:
	case WHvRunVpExitReasonX64ApicInitSipiTrap:
	case WHvRunVpExitReasonX64ApicWriteTrap:
	case WHvRunVpExitReasonX64MsrAccess:
	case WHvRunVpExitReasonX64Cpuid:
	case WHvRunVpExitReasonException:
	case WHvRunVpExitReasonX64Rdtsc:
	case WHvRunVpExitReasonHypercall:
	case WHvRunVpExitReasonCanceled: break;
	default: fail("exit reason out of range", x->ExitReason, 0);
	}
	if (x->ExitReason == WHvRunVpExitReasonX64IoPortAccess) {
		uint32_t sz = x->IoPortAccess.AccessInfo.AccessSize;

		if (sz != 1 && sz != 2 && sz != 4)
			fail("I/O AccessSize not 1, 2 or 4", sz, 0);
		if (x->IoPortAccess.InstructionByteCount > 16)
			fail("I/O InstructionByteCount over 16",
			     x->IoPortAccess.InstructionByteCount, 0);
	}
	if (x->ExitReason == WHvRunVpExitReasonMemoryAccess) {
		if (x->MemoryAccess.InstructionByteCount > 16)
			fail("MMIO InstructionByteCount over 16",
			     x->MemoryAccess.InstructionByteCount, 0);
		if (x->MemoryAccess.AccessInfo.AccessType > WHvMemoryAccessExecute)
			fail("MMIO AccessType out of range", x->MemoryAccess.AccessInfo.AccessType,
			     0);
	}
}

/* A call with a handle known to be bad must fail. */
static void check_bad(HRESULT hr, bool bad, const char *call)
{
	check_hr(hr, call);
	if (bad && SUCCEEDED(hr)) {
		fprintf(stderr, "fuzz_api: %s: ", call);
		fail("succeeded with a NULL, deleted or made-up partition handle", (uint32_t)hr, 0);
	}
}

static void op_run(struct in *in, struct state *s)
{
	WHV_RUN_VP_EXIT_CONTEXT x;
	bool bad;
	WHV_PARTITION_HANDLE h = pick_handle(in, s, &bad);
	UINT32 vp = pick_vp(in);
	uint8_t k = get8(in);
	UINT32 size = (k & 3) == 0 ? (UINT32)(get8(in) % (sizeof(x) + 1)) : (UINT32)sizeof(x);
	HRESULT hr;

	if (k & 4)
		WHvCancelRunVirtualProcessor(h, vp, 0);
	memset(&x, 0xCC, sizeof(x));
	atomic_store(&wd_part, h);
	atomic_store(&wd_vp, vp);
	atomic_store(&wd_deadline, now_ns() + 20000000ull);
	hr = WHvRunVirtualProcessor(h, vp, (k & 8) ? NULL : &x, size);
	atomic_store(&wd_deadline, 0);
	atomic_fetch_add(&runs, 1);
	check_bad(hr, bad, "WHvRunVirtualProcessor");
	if (SUCCEEDED(hr)) {
		check_exit(&x);
		atomic_fetch_add(&guest_exits[0], 1);
		if (x.ExitReason == WHvRunVpExitReasonX64Halt)
			atomic_fetch_add(&guest_exits[1], 1);
		if (x.ExitReason == WHvRunVpExitReasonCanceled)
			atomic_fetch_add(&guest_exits[2], 1);
	} else {
		atomic_fetch_add(&guest_exits[3], 1);
	}
}

static void op_registers(struct in *in, struct state *s, bool set)
{
	WHV_REGISTER_NAME names[MAX_REGS];
	WHV_REGISTER_VALUE values[MAX_REGS];
	bool bad;
	WHV_PARTITION_HANDLE h = pick_handle(in, s, &bad);
	UINT32 vp = pick_vp(in), n = get8(in) % (MAX_REGS + 1), i;
	uint8_t k = get8(in);
	HRESULT hr;

	for (i = 0; i < n; i++) {
		names[i] = pick_reg(in);
		memset(&values[i], 0, sizeof(values[i]));
		if (set)
			getbytes(in, &values[i], (get8(in) & 1) ? 16 : 8);
	}
	if (set)
		hr = WHvSetVirtualProcessorRegisters(h, vp, (k & 1) ? NULL : names, n,
						     (k & 2) ? NULL : values);
	else
		hr = WHvGetVirtualProcessorRegisters(h, vp, (k & 1) ? NULL : names, n,
						     (k & 2) ? NULL : values);
	check_bad(hr, bad,
		  set ? "WHvSetVirtualProcessorRegisters" : "WHvGetVirtualProcessorRegisters");
}

static void op_property(struct in *in, struct state *s, bool set)
{
	bool bad;
	WHV_PARTITION_HANDLE h = pick_handle(in, s, &bad);
	WHV_PARTITION_PROPERTY_CODE code = (WHV_PARTITION_PROPERTY_CODE)pick_code(in, 0x1000);
	UINT32 size, written = 0xFFFFFFFFu;
	void *buf;
	HRESULT hr;

	if (get8(in) % 4 == 0)
		code = WHvPartitionPropertyCodeProcessorCount;
	buf = pick_buf(in, sizeof(WHV_PARTITION_PROPERTY), &size);
	if (set) {
		hr = WHvSetPartitionProperty(h, code, buf, size);
		check_bad(hr, bad, "WHvSetPartitionProperty");
		if (hr == S_OK && !bad && code == WHvPartitionPropertyCodeProcessorCount) {
			memcpy(&s->count, buf, sizeof(s->count));
			s->count_set = true;
		}
		return;
	}
	hr = WHvGetPartitionProperty(h, code, buf, size, (get8(in) & 1) ? NULL : &written);
	check_bad(hr, bad, "WHvGetPartitionProperty");
	if (hr == S_OK && !bad && code == WHvPartitionPropertyCodeProcessorCount && s->count_set) {
		UINT32 got;

		memcpy(&got, buf, sizeof(got));
		if (got != s->count)
			fail("ProcessorCount reads back differently", got, s->count);
	}
}

static void op_map(struct in *in, struct state *s)
{
	bool bad;
	WHV_PARTITION_HANDLE h = pick_handle(in, s, &bad);
	uint8_t k = get8(in);
	uint32_t first = get8(in) % RAM_PAGES;
	uint64_t gpa = pick_gpa(in), size;
	WHV_MAP_GPA_RANGE_FLAGS flags;
	void *src;
	HRESULT hr;

	flags = (k & 0x80) ? (WHV_MAP_GPA_RANGE_FLAGS)get32(in)
			   : (WHV_MAP_GPA_RANGE_FLAGS)(k & 0xF);
	switch (get8(in) % 4) {
	case 0:
		/* not host memory: the library must refuse before touching it */
		src = (get8(in) & 1) ? NULL : ram + 1;
		size = get64(in);
		break;
	default:
		src = ram + (size_t)first * 4096;
		size = (uint64_t)(1 + get8(in) % (RAM_PAGES - first)) * 4096;
		if (get8(in) % 8 == 0)
			size -= 1 + get8(in) % 4095; /* not whole pages */
		break;
	}
	hr = WHvMapGpaRange(h, src, gpa, size, flags);
	check_bad(hr, bad, "WHvMapGpaRange");
}

static void op_unmap(struct in *in, struct state *s)
{
	bool bad;
	WHV_PARTITION_HANDLE h = pick_handle(in, s, &bad);
	uint64_t gpa = pick_gpa(in);
	uint64_t size = (get8(in) & 1) ? get64(in) : (uint64_t)(get8(in) % 65) * 4096;

	check_bad(WHvUnmapGpaRange(h, gpa, size), bad, "WHvUnmapGpaRange");
}

static void op_gpa_rw(struct in *in, struct state *s, bool write)
{
	bool bad;
	WHV_PARTITION_HANDLE h = pick_handle(in, s, &bad);
	UINT32 vp = pick_vp(in);
	uint64_t gpa = pick_gpa(in) + (get8(in) % 16);
	WHV_ACCESS_GPA_CONTROLS ctl;
	UINT32 size = get8(in) % 40;
	uint8_t k = get8(in);
	HRESULT hr;

	ctl.AsUINT64 = (k & 0x80) ? get64(in) : (uint64_t)(k & 7);
	getbytes(in, scratch, size);
	if (write)
		hr = WHvWriteGpaRange(h, vp, gpa, ctl, (k & 0x40) ? NULL : scratch, size);
	else
		hr = WHvReadGpaRange(h, vp, gpa, ctl, (k & 0x40) ? NULL : scratch, size);
	check_bad(hr, bad, write ? "WHvWriteGpaRange" : "WHvReadGpaRange");
}

static void op_capability(struct in *in)
{
	WHV_CAPABILITY_CODE code = (WHV_CAPABILITY_CODE)pick_code(in, 0x1000);
	UINT32 size, written = 0;
	void *buf = pick_buf(in, sizeof(WHV_CAPABILITY), &size);

	check_hr(WHvGetCapability(code, buf, size, (get8(in) & 1) ? NULL : &written),
		 "WHvGetCapability");
}

/* VP state calls that take buffers, implemented or not: they must never crash. */
static void op_vp_misc(struct in *in, struct state *s)
{
	bool bad;
	WHV_PARTITION_HANDLE h = pick_handle(in, s, &bad);
	UINT32 vp = pick_vp(in), size, written = 0;
	uint8_t which = get8(in);
	void *buf = pick_buf(in, 4096, &size);
	UINT32 *wp = (get8(in) & 1) ? NULL : &written;
	HRESULT hr;

	switch (which % 10) {
	case 0: hr = WHvGetVirtualProcessorXsaveState(h, vp, buf, size, wp); break;
	case 1: hr = WHvSetVirtualProcessorXsaveState(h, vp, buf, size); break;
	case 2:
		hr = WHvGetVirtualProcessorState(h, vp,
						 (WHV_VIRTUAL_PROCESSOR_STATE_TYPE)
							 pick_code(in, 0x1000),
						 buf, size, wp);
		break;
	case 3:
		hr = WHvSetVirtualProcessorState(h, vp,
						 (WHV_VIRTUAL_PROCESSOR_STATE_TYPE)
							 pick_code(in, 0x1000),
						 buf, size);
		break;
	case 4: hr = WHvGetVirtualProcessorInterruptControllerState(h, vp, buf, size, wp); break;
	case 5:
		hr = WHvGetVirtualProcessorCounters(h, vp,
						    (WHV_PROCESSOR_COUNTER_SET)(get8(in) % 8), buf,
						    size, wp);
		break;
	case 6:
		hr = WHvGetPartitionCounters(h, (WHV_PARTITION_COUNTER_SET)(get8(in) % 4), buf,
					     size, wp);
		break;
	case 7: {
		WHV_TRANSLATE_GVA_RESULT res;
		WHV_GUEST_PHYSICAL_ADDRESS gpa;
		uint64_t gva = get64(in);
		WHV_TRANSLATE_GVA_FLAGS tf = (WHV_TRANSLATE_GVA_FLAGS)get32(in);
		uint8_t nul = get8(in);

		hr = WHvTranslateGva(h, vp, gva, tf, (nul & 1) ? NULL : &res,
				     (nul & 2) ? NULL : &gpa);
		break;
	}
	case 8: {
		WHV_INTERRUPT_CONTROL ic;

		uint8_t nul;
		UINT32 isz;

		memset(&ic, 0, sizeof(ic));
		getbytes(in, &ic, sizeof(ic));
		nul = get8(in);
		isz = (nul & 2) ? get8(in) : (UINT32)sizeof(ic);
		hr = WHvRequestInterrupt(h, (nul & 1) ? NULL : &ic, isz);
		break;
	}
	default: {
		/* a dirty bitmap of at most the scratch size */
		uint64_t gpa = pick_gpa(in);
		uint64_t range = (uint64_t)(get8(in) % 64) * 4096;

		hr = WHvQueryGpaRangeDirtyBitmap(h, gpa, range, (UINT64 *)buf, size & ~7u);
		break;
	}
	}
	/* handle checks come after E_NOTIMPL in functions not built yet */
	check_hr(hr, "a VP state call");
	if (bad && SUCCEEDED(hr))
		fail("a VP state call succeeded with a bad handle", which % 10, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct state s;
	int ops = 0;
	HRESULT hr;

	if (!ram)
		LLVMFuzzerInitialize(NULL, NULL);
	atomic_fetch_add(&inputs, 1);
	memset(&s, 0, sizeof(s));
	memset(ram, 0xF4, RAM_SIZE); /* HLT everywhere: runs end quickly */
	hr = WHvCreatePartition(&s.live);
	check_hr(hr, "WHvCreatePartition");
	if (FAILED(hr))
		fail("WHvCreatePartition failed on a usable /dev/kvm", (uint32_t)hr, 0);
	while (in.n && ops++ < MAX_OPS) {
		uint8_t op = get8(&in);
		bool bad;
		WHV_PARTITION_HANDLE h;
		UINT32 vp, flags;

		switch (op % 20) {
		case 0:
		case 1: op_property(&in, &s, true); break;
		case 2: op_property(&in, &s, false); break;
		case 3:
			h = pick_handle(&in, &s, &bad);
			check_bad(WHvSetupPartition(h), bad, "WHvSetupPartition");
			break;
		case 4:
			h = pick_handle(&in, &s, &bad);
			vp = pick_vp(&in);
			flags = (get8(&in) % 8 == 0) ? get32(&in) : 0;
			hr = WHvCreateVirtualProcessor(h, vp, flags);
			check_bad(hr, bad, "WHvCreateVirtualProcessor");
			break;
		case 5:
			h = pick_handle(&in, &s, &bad);
			check_bad(WHvDeleteVirtualProcessor(h, pick_vp(&in)), bad,
				  "WHvDeleteVirtualProcessor");
			break;
		case 6:
		case 7: op_map(&in, &s); break;
		case 8: op_unmap(&in, &s); break;
		case 9: op_registers(&in, &s, false); break;
		case 10:
		case 11: op_registers(&in, &s, true); break;
		case 12:
		case 13: op_run(&in, &s); break;
		case 14:
			h = pick_handle(&in, &s, &bad);
			vp = pick_vp(&in);
			flags = (get8(&in) % 8 == 0) ? get32(&in) : 0;
			hr = WHvCancelRunVirtualProcessor(h, vp, flags);
			check_bad(hr, bad, "WHvCancelRunVirtualProcessor");
			break;
		case 15: op_gpa_rw(&in, &s, get8(&in) & 1); break;
		case 16: op_capability(&in); break;
		case 17:
			h = pick_handle(&in, &s, &bad);
			check_bad(WHvResetPartition(h), bad, "WHvResetPartition");
			break;
		case 18: op_vp_misc(&in, &s); break;
		default:
			/* delete: later calls get a deleted handle */
			h = pick_handle(&in, &s, &bad);
			hr = WHvDeletePartition(h);
			check_bad(hr, bad, "WHvDeletePartition");
			if (hr == S_OK) {
				s.stale = s.live;
				s.live = NULL;
				hr = WHvSetupPartition(s.stale);
				check_bad(hr, true, "WHvSetupPartition after delete");
			}
			break;
		}
	}
	if (s.live) {
		hr = WHvDeletePartition(s.live);
		if (hr != S_OK)
			fail("deleting the live partition failed", (uint32_t)hr, 0);
	}
	return 0;
}
