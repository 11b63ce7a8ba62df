/* chaos.c: thousands of random guest programs in real, protected and long mode under a watchdog. */
#include "whp_test.h"
#include "stress_util.h"

#include <Zydis/Zydis.h>

/*
 * A hypervisor library's host process must survive whatever its guest
 * executes. Each test here runs PROGRAMS random programs in one CPU mode:
 * either raw random bytes, or random instruction streams made of random
 * bytes that Zydis decodes as one instruction each in that mode (no
 * assembler at test time; undecodable bytes are dropped, so every program
 * is a sequence of real instructions, privileged ones included). Each
 * program starts with random general registers and flags, and one in
 * sixteen also gets a random control or segment register value.
 *
 * The host side completes I/O and MMIO exits the Windows way (advance RIP
 * by InstructionLength, random data for reads) for up to MAX_EXITS exits
 * per program; a watchdog thread cancels any run that lasts over
 * WATCHDOG_MS. Checked for every run:
 *  - it ends in S_OK with a well-formed exit context (a known exit reason,
 *    I/O sizes 1/2/4, at most 16 instruction bytes, a valid access type),
 *    or in a failing HRESULT: a clean error, after which the partition is
 *    replaced;
 *  - it ends: a run that outlives its cancel by 5 s aborts the test (hang);
 *  - no leak: open fds equal and RSS flat across the programs (LSan instead
 *    of the RSS check under ASan);
 *  - afterwards a fresh partition runs the hello guest correctly.
 */

TestSuite(chaos, .timeout = 600);

#define PROGRAMS       1000
#define PROGRAM_BYTES  512
#define MAX_EXITS      32
#define WATCHDOG_MS    10
#define RECREATE_EVERY 200

/* ---- the watchdog ---- */

static _Atomic(WHV_PARTITION_HANDLE) wd_part;
static atomic_ullong wd_deadline; /* 0: no run in progress */
static atomic_ullong wd_started;
static atomic_long wd_cancels;
static pthread_once_t wd_once = PTHREAD_ONCE_INIT;

static void *watchdog_main(void *arg)
{
	struct timespec tick = { 0, 1000000 };

	(void)arg;
	for (;;) {
		unsigned long long d = atomic_load(&wd_deadline), now;

		nanosleep(&tick, NULL);
		now = stress_now_ns();
		if (!d || now < d || atomic_load(&wd_deadline) != d)
			continue;
		if (now - atomic_load(&wd_started) > 5000000000ull) {
			/* cancelled long ago and still inside the run: a hang */
			fprintf(stderr, "chaos: a run did not end 5 s after being cancelled\n");
			abort();
		}
		WHvCancelRunVirtualProcessor(atomic_load(&wd_part), 0, 0);
		atomic_fetch_add(&wd_cancels, 1);
		atomic_compare_exchange_strong(&wd_deadline, &d,
					       now + (unsigned long long)WATCHDOG_MS * 1000000ull);
	}
	return NULL;
}

static void watchdog_start(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, watchdog_main, NULL) == 0)
		pthread_detach(t);
}

/* ---- programs ---- */

enum kind {
	RANDOM_BYTES,
	DECODED_STREAM
};

/* Random bytes that decode, one instruction at a time, in (mode). */
static uint32_t make_stream(uint8_t *out, uint32_t cap, enum whpt_mode mode, uint32_t *seed)
{
	ZydisDecoder dec;
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	uint32_t n = 0, tries = 0;

	ZydisDecoderInit(&dec,
			 mode == WHPT_REAL     ? ZYDIS_MACHINE_MODE_REAL_16
			 : mode == WHPT_PROT32 ? ZYDIS_MACHINE_MODE_LEGACY_32
					       : ZYDIS_MACHINE_MODE_LONG_64,
			 mode == WHPT_REAL     ? ZYDIS_STACK_WIDTH_16
			 : mode == WHPT_PROT32 ? ZYDIS_STACK_WIDTH_32
					       : ZYDIS_STACK_WIDTH_64);
	while (n + 15 <= cap && tries++ < 10000) {
		uint8_t cand[15];
		int i;

		for (i = 0; i < 15; i++)
			cand[i] = (uint8_t)stress_rand(seed);
		if (ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, cand, sizeof(cand), &in, ops)))
			continue;
		memcpy(out + n, cand, in.length);
		n += in.length;
	}
	return n;
}

struct stats {
	long programs, runs, clean_errors, refused_regs, recreated;
	long exits[8]; /* io, mmio, halt, canceled, unrecoverable, invalid-reg, unsupported, other */
};

static void count_exit(struct stats *st, UINT32 reason)
{
	switch (reason) {
	case WHvRunVpExitReasonX64IoPortAccess: st->exits[0]++; break;
	case WHvRunVpExitReasonMemoryAccess: st->exits[1]++; break;
	case WHvRunVpExitReasonX64Halt: st->exits[2]++; break;
	case WHvRunVpExitReasonCanceled: st->exits[3]++; break;
	case WHvRunVpExitReasonUnrecoverableException: st->exits[4]++; break;
	case WHvRunVpExitReasonInvalidVpRegisterValue: st->exits[5]++; break;
	case WHvRunVpExitReasonUnsupportedFeature: st->exits[6]++; break;
	default: st->exits[7]++; break;
	}
}

/* A well-formed exit context, or the test fails. */
static void assert_exit_sane(const WHV_RUN_VP_EXIT_CONTEXT *x, long program)
{
	switch (x->ExitReason) {
	case WHvRunVpExitReasonMemoryAccess:
		cr_assert(x->MemoryAccess.InstructionByteCount <= 16 &&
				  x->MemoryAccess.AccessInfo.AccessType <= WHvMemoryAccessExecute,
			  "program %ld: malformed MemoryAccess exit (bytes %u, type %u)", program,
			  x->MemoryAccess.InstructionByteCount,
			  x->MemoryAccess.AccessInfo.AccessType);
		break;
	case WHvRunVpExitReasonX64IoPortAccess: {
		UINT32 sz = x->IoPortAccess.AccessInfo.AccessSize;

		const UINT8 *b = x->IoPortAccess.InstructionBytes;

		cr_assert((sz == 1 || sz == 2 || sz == 4) &&
				  x->IoPortAccess.InstructionByteCount <= 16,
			  "program %ld: malformed I/O exit: AccessSize %u, %u instruction bytes "
			  "%02x %02x %02x %02x, port 0x%x, %s%s%s, RIP 0x%llx length %u",
			  program, sz, x->IoPortAccess.InstructionByteCount, b[0], b[1], b[2], b[3],
			  x->IoPortAccess.PortNumber,
			  x->IoPortAccess.AccessInfo.IsWrite ? "OUT" : "IN",
			  x->IoPortAccess.AccessInfo.StringOp ? " string" : "",
			  x->IoPortAccess.AccessInfo.RepPrefix ? " rep" : "",
			  (unsigned long long)x->VpContext.Rip, x->VpContext.InstructionLength);
		break;
	}
	case WHvRunVpExitReasonUnrecoverableException:
	case WHvRunVpExitReasonInvalidVpRegisterValue:
	case WHvRunVpExitReasonUnsupportedFeature:
	case WHvRunVpExitReasonX64InterruptWindow:
	case WHvRunVpExitReasonX64Halt:
	case WHvRunVpExitReasonX64ApicEoi:
	case WHvRunVpExitReasonX64MsrAccess:
	case WHvRunVpExitReasonX64Cpuid:
	case WHvRunVpExitReasonException:
	case WHvRunVpExitReasonX64Rdtsc:
	case WHvRunVpExitReasonHypercall: break;
	case WHvRunVpExitReasonCanceled:
		cr_assert_eq(x->CancelReason.CancelReason, WHvRunVpCancelReasonUser);
		break;
	default: cr_assert_fail("program %ld: unknown exit reason 0x%x", program, x->ExitReason);
	}
}

/* Random GPRs and flags; one program in 16 also gets a random control or segment value. */
static void randomize_registers(struct whpt_vm *vm, uint32_t *seed, struct stats *st)
{
	WHV_REGISTER_NAME names[17];
	WHV_REGISTER_VALUE v[17];
	uint32_t i, n = 0, r;
	uint64_t fl;
	static const WHV_REGISTER_NAME wild[] = {
		WHvX64RegisterCr0,  WHvX64RegisterCr4, WHvX64RegisterEfer, WHvX64RegisterCs,
		WHvX64RegisterSs,   WHvX64RegisterDs,  WHvX64RegisterTr,   WHvX64RegisterGdtr,
		WHvX64RegisterIdtr, WHvX64RegisterCr3, WHvX64RegisterDr7,  WHvX64RegisterXCr0,
	};

	memset(v, 0, sizeof(v));
	for (i = 0; i < 16; i++) {
		if (i == 4)
			continue; /* keep RSP on the stack page: pushes then land in RAM */
		names[n] = (WHV_REGISTER_NAME)(WHvX64RegisterRax + i);
		v[n].Reg64 = ((uint64_t)stress_rand(seed) << 32) | stress_rand(seed);
		if (stress_rand(seed) % 4 == 0)
			v[n].Reg64 &= 0xFFFF; /* small values address RAM more often */
		n++;
	}
	/* arithmetic flags, DF, and sometimes TF, IF, IOPL, NT, AC; bit 1 is always 1 */
	fl = 2 | (stress_rand(seed) & 0x8D5) | (stress_rand(seed) & 0x400);
	r = stress_rand(seed) % 16;
	if (r == 0)
		fl |= 0x100;
	if (r == 1)
		fl |= 0x200;
	if (r == 2)
		fl |= (uint64_t)(stress_rand(seed) & 3) << 12 | 0x4000 | 0x40000;
	names[n] = WHvX64RegisterRflags;
	v[n++].Reg64 = fl;
	WHPT_ASSERT_OK(WHvSetVirtualProcessorRegisters(vm->part, 0, names, n, v));
	if (stress_rand(seed) % 16 == 0) {
		WHV_REGISTER_NAME w = wild[stress_rand(seed) % (sizeof(wild) / sizeof(wild[0]))];
		WHV_REGISTER_VALUE x;
		HRESULT hr;

		memset(&x, 0, sizeof(x));
		for (i = 0; i < sizeof(x); i++)
			((uint8_t *)&x)[i] = (uint8_t)stress_rand(seed);
		hr = WHvSetVirtualProcessorRegisters(vm->part, 0, &w, 1, &x);
		if (FAILED(hr))
			st->refused_regs++;
	}
}

static void fresh_partition(struct whpt_vm *vm)
{
	whpt_vm_start(vm, guest_basic32, guest_basic32_size, WHPT_PROT32);
	atomic_store(&wd_part, vm->part);
}

/* One program: load, randomize, run up to MAX_EXITS exits. Returns false after a clean error. */
static bool run_program(struct whpt_vm *vm, enum whpt_mode mode, enum kind kind, uint32_t *seed,
			struct stats *st, long program)
{
	uint8_t prog[PROGRAM_BYTES];
	uint32_t n, i;
	int exits;

	memset(vm->ram, 0, vm->ram_size);
	whpt_vm_set_mode(vm, mode, WHPT_CODE_GPA);
	if (kind == RANDOM_BYTES) {
		n = PROGRAM_BYTES;
		for (i = 0; i < n; i++)
			prog[i] = (uint8_t)stress_rand(seed);
	} else {
		n = make_stream(prog, PROGRAM_BYTES, mode, seed);
	}
	memcpy(vm->ram + WHPT_CODE_GPA, prog, n);
	randomize_registers(vm, seed, st);
	st->programs++;
	for (exits = 0; exits < MAX_EXITS; exits++) {
		WHV_RUN_VP_EXIT_CONTEXT *x = &vm->exit;
		HRESULT hr;
		uint64_t now = stress_now_ns();

		atomic_store(&wd_started, now);
		atomic_store(&wd_deadline, now + (unsigned long long)WATCHDOG_MS * 1000000ull);
		hr = whpt_try_run(vm);
		atomic_store(&wd_deadline, 0);
		st->runs++;
		if (FAILED(hr)) {
			st->clean_errors++;
			return false;
		}
		assert_exit_sane(x, program);
		count_exit(st, x->ExitReason);
		if (x->ExitReason == WHvRunVpExitReasonX64Halt)
			continue; /* RIP is past the HLT: the program goes on */
		if (x->ExitReason != WHvRunVpExitReasonX64IoPortAccess &&
		    x->ExitReason != WHvRunVpExitReasonMemoryAccess)
			break;
		if (x->VpContext.InstructionLength == 0)
			break;
		if (x->ExitReason == WHvRunVpExitReasonX64IoPortAccess &&
		    !x->IoPortAccess.AccessInfo.IsWrite)
			whpt_set64(vm, WHvX64RegisterRax,
				   ((uint64_t)stress_rand(seed) << 32) | stress_rand(seed));
		whpt_set_rip(vm, x->VpContext.Rip + x->VpContext.InstructionLength);
	}
	return true;
}

static void chaos_run(enum whpt_mode mode, enum kind kind, uint32_t seed)
{
	struct whpt_vm vm;
	struct stats st;
	struct usage {
		int fds;
		long rss;
	} before = { 0, 0 };
	long programs = stress_scaled(PROGRAMS), p;
	uint64_t t0 = stress_now_ns();

	pthread_once(&wd_once, watchdog_start);
	memset(&st, 0, sizeof(st));
	atomic_store(&wd_cancels, 0);
	fresh_partition(&vm);
	for (p = 0; p < programs; p++) {
		if (p == 50 || (programs <= 50 && p == 0)) {
			before.fds = stress_open_fds();
			before.rss = stress_rss_kib();
		}
		if (!run_program(&vm, mode, kind, &seed, &st, p) || (p + 1) % RECREATE_EVERY == 0) {
			/* after a clean error, and now and then anyway: a new partition */
			whpt_vm_destroy(&vm);
			fresh_partition(&vm);
			st.recreated++;
		}
	}
	{
		/* measured as before: with one partition alive */
		int fds = stress_open_fds();
		long rss = stress_rss_kib();

		cr_assert_eq(fds, before.fds, "%d file descriptors leaked", fds - before.fds);
		if (!STRESS_ASAN)
			cr_assert(rss - before.rss < 4096, "RSS grew by %ld KiB", rss - before.rss);
	}
	whpt_vm_destroy(&vm);
	/* the host is intact: a fresh partition runs the hello guest correctly */
	whpt_vm_start_kind(&vm, "basic", WHPT_PROT32);
	whpt_run_to_halt(&vm);
	cr_assert_eq(vm.nreports, 1);
	WHPT_ASSERT_EQ64(vm.reports[0], B_HELLO_VALUE, "hello report after chaos");
	cr_assert_str_eq(vm.serial, "hello from the guest\n");
	whpt_vm_destroy(&vm);
	printf("chaos: %s, %s: %ld programs, %ld runs; exits io %ld mmio %ld halt %ld "
	       "canceled %ld (watchdog %ld) unrecoverable %ld invalid-reg %ld unsupported %ld "
	       "other %ld; %ld clean errors, %ld register values refused, %ld partitions "
	       "replaced; %.1f s\n",
	       whpt_mode_name(mode),
	       kind == RANDOM_BYTES ? "random bytes" : "decoded instruction streams", st.programs,
	       st.runs, st.exits[0], st.exits[1], st.exits[2], st.exits[3],
	       atomic_load(&wd_cancels), st.exits[4], st.exits[5], st.exits[6], st.exits[7],
	       st.clean_errors, st.refused_regs, st.recreated,
	       (double)(stress_now_ns() - t0) / 1e9);
}

Test(chaos, random_bytes_in_real_mode)
{
	chaos_run(WHPT_REAL, RANDOM_BYTES, 0x1001);
}

Test(chaos, random_bytes_in_protected_mode)
{
	chaos_run(WHPT_PROT32, RANDOM_BYTES, 0x2002);
}

Test(chaos, random_bytes_in_long_mode)
{
	chaos_run(WHPT_LONG64, RANDOM_BYTES, 0x3003);
}

Test(chaos, decoded_streams_in_real_mode)
{
	chaos_run(WHPT_REAL, DECODED_STREAM, 0x4004);
}

Test(chaos, decoded_streams_in_protected_mode)
{
	chaos_run(WHPT_PROT32, DECODED_STREAM, 0x5005);
}

Test(chaos, decoded_streams_in_long_mode)
{
	chaos_run(WHPT_LONG64, DECODED_STREAM, 0x6006);
}
