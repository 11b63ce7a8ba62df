/* whp_test.h: harness for the WHP API tests: KVM skip, HRESULT/exit assertions, guest builder. */
#ifndef WHP_TEST_H
#define WHP_TEST_H

/*
 * Included by exactly one test file per executable (each tests/api/test_*.c
 * is its own program). Everything here is static, so the header is the whole
 * harness; tests use only the public WHP API plus openwhp.h, as a Windows
 * program would.
 *
 * Pieces:
 *  - A constructor that exits 77 (ctest SKIP_RETURN_CODE) before Criterion
 *    starts when /dev/kvm is missing or cannot be opened.
 *  - WHPT_ASSERT_* macros that print HRESULTs in hex with their names, exit
 *    reasons by name, and openwhp_last_error().
 *  - A guest builder (struct whpt_vm): partition with one VP, RAM at GPA 0,
 *    a payload image from tests/guest, and the register setup for real mode,
 *    32-bit protected mode and 64-bit long mode (GDT and identity page tables
 *    written by the host into guest memory; layout in whp_test_layout.h).
 *  - Run functions in pairs: whpt_try_run() returns the HRESULT, whpt_run()
 *    asserts S_OK; whpt_run_to() and whpt_run_to_halt() loop over the
 *    exits a test is not about, completing them the Windows way (the
 *    caller advances RIP).
 */

#include <WinHvPlatform.h>
#include <openwhp.h>

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "whp_test_layout.h"
#include "guest_ids.h"

/* ------------------------------------------------------------------------ */
/* Skip without /dev/kvm                                                     */
/* ------------------------------------------------------------------------ */

/*
 * Runs before Criterion's main: a host without a usable /dev/kvm cannot run
 * any of these tests, which is a skip (exit 77), not a failure.
 */
__attribute__((constructor)) static void whpt_require_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "SKIP: cannot open /dev/kvm: %s\n", strerror(errno));
		_exit(77);
	}
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* Names                                                                     */
/* ------------------------------------------------------------------------ */

static inline const char *whpt_hr_name(HRESULT hr)
{
	switch ((uint32_t)hr) {
	case 0x00000000u: return "S_OK";
	case 0x00000001u: return "S_FALSE";
	case 0x80004001u: return "E_NOTIMPL";
	case 0x80004003u: return "E_POINTER";
	case 0x80004005u: return "E_FAIL";
	case 0x8000FFFFu: return "E_UNEXPECTED";
	case 0x80070005u: return "E_ACCESSDENIED";
	case 0x80070006u: return "E_HANDLE";
	case 0x8007000Eu: return "E_OUTOFMEMORY";
	case 0x80070032u: return "HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED)";
	case 0x80070057u: return "E_INVALIDARG";
	case 0x8007139Fu: return "HRESULT_FROM_WIN32(ERROR_INVALID_STATE)";
	case 0x80370300u: return "WHV_E_UNKNOWN_CAPABILITY";
	case 0x80370301u: return "WHV_E_INSUFFICIENT_BUFFER";
	case 0x80370302u: return "WHV_E_UNKNOWN_PROPERTY";
	case 0x80370303u: return "WHV_E_UNSUPPORTED_HYPERVISOR_CONFIG";
	case 0x80370304u: return "WHV_E_INVALID_PARTITION_CONFIG";
	case 0x80370305u: return "WHV_E_GPA_RANGE_NOT_FOUND";
	case 0x80370306u: return "WHV_E_VP_ALREADY_EXISTS";
	case 0x80370307u: return "WHV_E_VP_DOES_NOT_EXIST";
	case 0x80370308u: return "WHV_E_INVALID_VP_STATE";
	case 0x80370309u: return "WHV_E_INVALID_VP_REGISTER_NAME";
	case 0x80370310u: return "WHV_E_UNSUPPORTED_PROCESSOR_CONFIG";
	case 0xC0350008u: return "ERROR_HV_OPERATION_DENIED";
	}
	return "unknown HRESULT";
}

static inline const char *whpt_exit_name(UINT32 reason)
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
	case WHvRunVpExitReasonSynicSintDeliverable: return "SynicSintDeliverable";
	case WHvRunVpExitReasonX64MsrAccess: return "X64MsrAccess";
	case WHvRunVpExitReasonX64Cpuid: return "X64Cpuid";
	case WHvRunVpExitReasonException: return "Exception";
	case WHvRunVpExitReasonX64Rdtsc: return "X64Rdtsc";
	case WHvRunVpExitReasonX64ApicSmiTrap: return "X64ApicSmiTrap";
	case WHvRunVpExitReasonHypercall: return "Hypercall";
	case WHvRunVpExitReasonX64ApicInitSipiTrap: return "X64ApicInitSipiTrap";
	case WHvRunVpExitReasonX64ApicWriteTrap: return "X64ApicWriteTrap";
	case WHvRunVpExitReasonCanceled: return "Canceled";
	}
	return "unknown exit reason";
}

static inline const char *whpt_access_name(UINT32 type)
{
	switch (type) {
	case WHvMemoryAccessRead: return "Read";
	case WHvMemoryAccessWrite: return "Write";
	case WHvMemoryAccessExecute: return "Execute";
	}
	return "unknown access type";
}

/* ------------------------------------------------------------------------ */
/* Assertions                                                                */
/* ------------------------------------------------------------------------ */

/* WHPT_ASSERT_HR(call, want): the call returns exactly the HRESULT want. */
#define WHPT_ASSERT_HR(call, want)                                                                 \
	do {                                                                                       \
		HRESULT whpt_hr_ = (call);                                                         \
		HRESULT whpt_want_ = (want);                                                       \
		cr_assert(whpt_hr_ == whpt_want_,                                                  \
			  "%s\n  returned 0x%08" PRIX32 " (%s), expected "                         \
			  "0x%08" PRIX32 " (%s)\n  openwhp_last_error: %s",                        \
			  #call, (uint32_t)whpt_hr_, whpt_hr_name(whpt_hr_), (uint32_t)whpt_want_, \
			  whpt_hr_name(whpt_want_), openwhp_last_error());                         \
	} while (0)

#define WHPT_ASSERT_OK(call) WHPT_ASSERT_HR(call, S_OK)

/* WHPT_ASSERT_FAILS(call): the call returns a failing HRESULT (any). */
#define WHPT_ASSERT_FAILS(call)                                               \
	do {                                                                  \
		HRESULT whpt_hr_ = (call);                                    \
		cr_assert(FAILED(whpt_hr_),                                   \
			  "%s\n  returned 0x%08" PRIX32 " (%s), expected a "  \
			  "failing HRESULT",                                  \
			  #call, (uint32_t)whpt_hr_, whpt_hr_name(whpt_hr_)); \
	} while (0)

/* WHPT_ASSERT_EQ64(a, b, what): two 64-bit values are equal, printed in hex. */
#define WHPT_ASSERT_EQ64(a, b, what)                                                        \
	do {                                                                                \
		uint64_t whpt_a_ = (uint64_t)(a), whpt_b_ = (uint64_t)(b);                  \
		cr_assert(whpt_a_ == whpt_b_, "%s: got 0x%" PRIx64 ", expected 0x%" PRIx64, \
			  (what), whpt_a_, whpt_b_);                                        \
	} while (0)

/* ------------------------------------------------------------------------ */
/* Guest builder                                                             */
/* ------------------------------------------------------------------------ */

enum whpt_mode {
	WHPT_REAL = 16,
	WHPT_PROT32 = 32,
	WHPT_LONG64 = 64,
};

static inline const char *whpt_mode_name(enum whpt_mode mode)
{
	return mode == WHPT_REAL     ? "real mode"
	       : mode == WHPT_PROT32 ? "32-bit protected mode"
				     : "64-bit long mode";
}

/* One record of a payload's table (see tests/guest/guest.h). */
struct whpt_rec {
	uint16_t id;
	uint16_t len;
	uint32_t addr;
};

struct whpt_vm {
	WHV_PARTITION_HANDLE part;
	/* the VP the register and run functions act on (0 unless a test shares a partition) */
	UINT32 vp;
	/* host mapping of guest RAM at GPA 0 */
	uint8_t *ram;
	size_t ram_size;
	enum whpt_mode mode;
	/* CS.base the builder set: record addresses are CS.base + RIP */
	uint64_t cs_base;
	/* the payload image (from the payload's static library) */
	const unsigned char *image;
	uint32_t image_size;
	uint32_t base;
	uint32_t entry;
	const unsigned char *recs;
	uint32_t nrec;
	/* last exit */
	WHV_RUN_VP_EXIT_CONTEXT exit;
	/* what whpt_run_to()/whpt_run_to_halt() collected */
	char serial[512];
	size_t serial_len;
	uint64_t reports[64];
	unsigned int nreports;
};

/* Payload images built from tests/guest (defined by their static libraries). */
#define WHPT_PAYLOAD(name)                 \
	extern const unsigned char name[]; \
	extern const unsigned int name##_size
WHPT_PAYLOAD(guest_basic16);
WHPT_PAYLOAD(guest_basic32);
WHPT_PAYLOAD(guest_basic64);
WHPT_PAYLOAD(guest_io16);
WHPT_PAYLOAD(guest_io32);
WHPT_PAYLOAD(guest_io64);
WHPT_PAYLOAD(guest_mmio16);
WHPT_PAYLOAD(guest_mmio32);
WHPT_PAYLOAD(guest_mmio64);
WHPT_PAYLOAD(guest_reset16);

#define WHPT_MAP_RWX (WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagWrite | WHvMapGpaRangeFlagExecute)

static inline uint32_t whpt_le32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* whpt_alloc(size): page-aligned zeroed anonymous memory for guest RAM. */
static inline void *whpt_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert(p != MAP_FAILED, "mmap of %zu bytes: %s", size, strerror(errno));
	return p;
}

/*
 * whpt_partition(part, cpus): create a partition with ProcessorCount = cpus
 * and set it up.
 */
static inline void whpt_partition(WHV_PARTITION_HANDLE *part, UINT32 cpus)
{
	WHPT_ASSERT_OK(WHvCreatePartition(part));
	WHPT_ASSERT_OK(WHvSetPartitionProperty(*part, WHvPartitionPropertyCodeProcessorCount, &cpus,
					       sizeof(cpus)));
	WHPT_ASSERT_OK(WHvSetupPartition(*part));
}

/*
 * whpt_vm_init_cpus(vm, ram_size, cpus): a set-up partition with
 * ProcessorCount = cpus (no VP yet) and ram_size bytes of anonymous memory
 * mapped R|W|X at GPA 0.
 */
static inline void whpt_vm_init_cpus(struct whpt_vm *vm, size_t ram_size, UINT32 cpus)
{
	memset(vm, 0, sizeof(*vm));
	whpt_partition(&vm->part, cpus);
	vm->ram_size = ram_size;
	vm->ram = whpt_alloc(ram_size);
	WHPT_ASSERT_OK(WHvMapGpaRange(vm->part, vm->ram, 0, ram_size, WHPT_MAP_RWX));
}

/* whpt_vm_init(vm, ram_size): whpt_vm_init_cpus with one processor. */
static inline void whpt_vm_init(struct whpt_vm *vm, size_t ram_size)
{
	whpt_vm_init_cpus(vm, ram_size, 1);
}

static inline void whpt_vm_destroy(struct whpt_vm *vm)
{
	WHPT_ASSERT_OK(WHvDeletePartition(vm->part));
	munmap(vm->ram, vm->ram_size);
	vm->part = NULL;
	vm->ram = NULL;
}

/*
 * whpt_image_parse(vm, image, size): read the trailer and record table of a
 * payload image without copying it anywhere.
 */
static inline void whpt_image_parse(struct whpt_vm *vm, const unsigned char *image, uint32_t size)
{
	const unsigned char *trailer;
	uint32_t table;

	cr_assert(size >= 16, "payload image of %" PRIu32 " bytes has no trailer", size);
	trailer = image + size - 16;
	cr_assert(whpt_le32(trailer) == WHPT_IMAGE_MAGIC,
		  "payload image has no trailer (magic 0x%08" PRIx32 ")", whpt_le32(trailer));
	vm->image = image;
	vm->image_size = size;
	vm->base = whpt_le32(trailer + 4);
	vm->entry = whpt_le32(trailer + 8);
	table = whpt_le32(trailer + 12);
	cr_assert(table >= vm->base && table <= vm->base + size - 16,
		  "payload record table outside the image");
	vm->recs = image + (table - vm->base);
	vm->nrec = (vm->base + size - 16 - table) / 8;
}

/* whpt_vm_load(vm, image, size): parse a payload and copy it to its base in RAM. */
static inline void whpt_vm_load(struct whpt_vm *vm, const unsigned char *image, uint32_t size)
{
	whpt_image_parse(vm, image, size);
	cr_assert(vm->base >= WHPT_CODE_GPA && vm->base + size <= WHPT_CODE_END,
		  "payload [0x%" PRIx32 ", +0x%" PRIx32 ") does not fit the code area", vm->base,
		  size);
	memcpy(vm->ram + vm->base, image, size);
}

/* whpt_rec(vm, id): the record with this id; the test fails if there is none. */
static inline struct whpt_rec whpt_rec(const struct whpt_vm *vm, unsigned int id)
{
	struct whpt_rec r;
	uint32_t i;

	for (i = 0; i < vm->nrec; i++) {
		const unsigned char *p = vm->recs + 8 * i;

		r.id = (uint16_t)(p[0] | p[1] << 8);
		r.len = (uint16_t)(p[2] | p[3] << 8);
		r.addr = whpt_le32(p + 4);
		if (r.id == id)
			return r;
	}
	cr_assert_fail("payload has no record %u", id);
	return r;
}

/* whpt_rec_bytes(vm, r): the assembled bytes of a record, from the image. */
static inline const unsigned char *whpt_rec_bytes(const struct whpt_vm *vm, struct whpt_rec r)
{
	cr_assert(r.addr >= vm->base && r.addr + r.len <= vm->base + vm->image_size);
	return vm->image + (r.addr - vm->base);
}

/* ------------------------------------------------------------------------ */
/* Registers                                                                 */
/* ------------------------------------------------------------------------ */

static inline WHV_REGISTER_VALUE whpt_get(struct whpt_vm *vm, WHV_REGISTER_NAME name)
{
	WHV_REGISTER_VALUE v;

	memset(&v, 0, sizeof(v));
	WHPT_ASSERT_OK(WHvGetVirtualProcessorRegisters(vm->part, vm->vp, &name, 1, &v));
	return v;
}

static inline void whpt_set(struct whpt_vm *vm, WHV_REGISTER_NAME name, WHV_REGISTER_VALUE v)
{
	WHPT_ASSERT_OK(WHvSetVirtualProcessorRegisters(vm->part, vm->vp, &name, 1, &v));
}

static inline uint64_t whpt_get64(struct whpt_vm *vm, WHV_REGISTER_NAME name)
{
	return whpt_get(vm, name).Reg64;
}

static inline void whpt_set64(struct whpt_vm *vm, WHV_REGISTER_NAME name, uint64_t value)
{
	WHV_REGISTER_VALUE v;

	memset(&v, 0, sizeof(v));
	v.Reg64 = value;
	whpt_set(vm, name, v);
}

static inline WHV_REGISTER_VALUE whpt_segment(uint64_t base, uint32_t limit, uint16_t selector,
					      uint16_t attributes)
{
	WHV_REGISTER_VALUE v;

	memset(&v, 0, sizeof(v));
	v.Segment.Base = base;
	v.Segment.Limit = limit;
	v.Segment.Selector = selector;
	v.Segment.Attributes = attributes;
	return v;
}

static inline WHV_REGISTER_VALUE whpt_table(uint64_t base, uint16_t limit)
{
	WHV_REGISTER_VALUE v;

	memset(&v, 0, sizeof(v));
	v.Table.Base = base;
	v.Table.Limit = limit;
	return v;
}

static inline WHV_REGISTER_VALUE whpt_reg64(uint64_t value)
{
	WHV_REGISTER_VALUE v;

	memset(&v, 0, sizeof(v));
	v.Reg64 = value;
	return v;
}

/* Segment access rights (descriptor bits 40..55, WHV Attributes layout). */
#define WHPT_ATTR_CODE16 0x009B /* P, S, execute/read, accessed */
#define WHPT_ATTR_DATA16 0x0093 /* P, S, read/write, accessed */
#define WHPT_ATTR_CODE32 0xC09B /* + G, D */
#define WHPT_ATTR_DATA32 0xC093
#define WHPT_ATTR_CODE64 0xA09B /* + G, L */
#define WHPT_ATTR_TSS	 0x008B /* P, busy 32/64-bit TSS */
#define WHPT_ATTR_LDT	 0x0082 /* P, LDT */

/* GDT descriptors matching the selectors of whp_test_layout.h. */
static inline void whpt_write_gdt(struct whpt_vm *vm)
{
	uint64_t gdt[8] = {
		0, 0x00CF9B000000FFFFull, /* WHPT_SEL_CODE32 */
		0x00CF93000000FFFFull,	  /* WHPT_SEL_DATA */
		0x00AF9B000000FFFFull,	  /* WHPT_SEL_CODE64 */
		0x00009B000000FFFFull,	  /* WHPT_SEL_CODE16 */
		0x000093000000FFFFull,	  /* WHPT_SEL_DATA16 */
		/* WHPT_SEL_TSS: base WHPT_TSS_GPA, limit 0x67, busy TSS */
		0x0000008B00000067ull | ((uint64_t)WHPT_TSS_GPA << 16),
		0, /* high half of the 64-bit TSS descriptor */
	};

	memcpy(vm->ram + WHPT_GDT_GPA, gdt, sizeof(gdt));
}

/* Identity map of the first GiB with 2 MiB pages (PML4 -> PDPT -> PD). */
static inline void whpt_write_page_tables(struct whpt_vm *vm)
{
	uint64_t *pml4 = (uint64_t *)(void *)(vm->ram + WHPT_PML4_GPA);
	uint64_t *pdpt = (uint64_t *)(void *)(vm->ram + WHPT_PDPT_GPA);
	uint64_t *pd = (uint64_t *)(void *)(vm->ram + WHPT_PD_GPA);
	int i;

	pml4[0] = WHPT_PDPT_GPA | 0x3; /* present, writable */
	pdpt[0] = WHPT_PD_GPA | 0x3;
	for (i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83; /* present, writable, 2 MiB */
}

/*
 * whpt_vm_set_mode(vm, mode, rip): put VP vm->vp into the given CPU mode with
 * flat segments (base 0), RSP = WHPT_STACK_TOP, RFLAGS = 2 and RIP = rip.
 * Outside real mode IDTR.limit is 0, so any exception triple-faults.
 */
static inline void whpt_vm_set_mode(struct whpt_vm *vm, enum whpt_mode mode, uint64_t rip)
{
	WHV_REGISTER_NAME names[] = {
		WHvX64RegisterCs,     WHvX64RegisterDs,	  WHvX64RegisterEs,  WHvX64RegisterFs,
		WHvX64RegisterGs,     WHvX64RegisterSs,	  WHvX64RegisterTr,  WHvX64RegisterLdtr,
		WHvX64RegisterGdtr,   WHvX64RegisterIdtr, WHvX64RegisterCr4, WHvX64RegisterCr3,
		WHvX64RegisterEfer,   WHvX64RegisterCr0,  WHvX64RegisterRip, WHvX64RegisterRsp,
		WHvX64RegisterRflags,
	};
	WHV_REGISTER_VALUE v[sizeof(names) / sizeof(names[0])];
	WHV_REGISTER_VALUE data;

	whpt_write_gdt(vm);
	switch (mode) {
	case WHPT_REAL:
		data = whpt_segment(0, 0xFFFF, 0, WHPT_ATTR_DATA16);
		v[0] = whpt_segment(0, 0xFFFF, 0, WHPT_ATTR_CODE16);
		v[6] = whpt_segment(0, 0xFFFF, 0, WHPT_ATTR_TSS);
		v[7] = whpt_segment(0, 0xFFFF, 0, WHPT_ATTR_LDT);
		v[9] = whpt_table(0, 0x3FF);
		v[10] = whpt_reg64(0);
		v[11] = whpt_reg64(0);
		v[12] = whpt_reg64(0);
		v[13] = whpt_reg64(0x10); /* ET */
		break;
	case WHPT_PROT32:
		data = whpt_segment(0, 0xFFFFFFFF, WHPT_SEL_DATA, WHPT_ATTR_DATA32);
		v[0] = whpt_segment(0, 0xFFFFFFFF, WHPT_SEL_CODE32, WHPT_ATTR_CODE32);
		v[6] = whpt_segment(WHPT_TSS_GPA, 0x67, WHPT_SEL_TSS, WHPT_ATTR_TSS);
		v[7] = whpt_segment(0, 0, 0, WHPT_ATTR_LDT);
		v[9] = whpt_table(WHPT_IDT_GPA, 0);
		v[10] = whpt_reg64(0x600); /* OSFXSR, OSXMMEXCPT */
		v[11] = whpt_reg64(0);
		v[12] = whpt_reg64(0);
		v[13] = whpt_reg64(0x33); /* NE, ET, MP, PE */
		break;
	case WHPT_LONG64:
	default:
		whpt_write_page_tables(vm);
		data = whpt_segment(0, 0xFFFFFFFF, WHPT_SEL_DATA, WHPT_ATTR_DATA32);
		v[0] = whpt_segment(0, 0xFFFFFFFF, WHPT_SEL_CODE64, WHPT_ATTR_CODE64);
		v[6] = whpt_segment(WHPT_TSS_GPA, 0x67, WHPT_SEL_TSS, WHPT_ATTR_TSS);
		v[7] = whpt_segment(0, 0, 0, WHPT_ATTR_LDT);
		v[9] = whpt_table(WHPT_IDT_GPA, 0);
		v[10] = whpt_reg64(0x620); /* PAE, OSFXSR, OSXMMEXCPT */
		v[11] = whpt_reg64(WHPT_PML4_GPA);
		v[12] = whpt_reg64(0x500);	/* LME, LMA */
		v[13] = whpt_reg64(0x80050033); /* PG, AM, WP, NE, ET, MP, PE */
		break;
	}
	v[1] = v[2] = v[3] = v[4] = v[5] = data;
	v[8] = whpt_table(WHPT_GDT_GPA, WHPT_GDT_LIMIT);
	v[14] = whpt_reg64(rip);
	v[15] = whpt_reg64(WHPT_STACK_TOP);
	v[16] = whpt_reg64(2);
	WHPT_ASSERT_OK(WHvSetVirtualProcessorRegisters(vm->part, vm->vp, names,
						       sizeof(names) / sizeof(names[0]), v));
	vm->mode = mode;
	vm->cs_base = 0;
}

/*
 * whpt_vm_start(vm, image, size, mode): the usual setup in one call:
 * RAM, VP 0, the payload loaded at its base, the mode set, RIP at its entry.
 */
static inline void whpt_vm_start(struct whpt_vm *vm, const unsigned char *image, uint32_t size,
				 enum whpt_mode mode)
{
	whpt_vm_init(vm, WHPT_RAM_SIZE);
	WHPT_ASSERT_OK(WHvCreateVirtualProcessor(vm->part, 0, 0));
	whpt_vm_load(vm, image, size);
	whpt_vm_set_mode(vm, mode, vm->entry);
}

/* The basic/io/mmio payload for a mode. */
static inline void whpt_payload(const char *kind, enum whpt_mode mode, const unsigned char **image,
				uint32_t *size)
{
#define WHPT_PICK(k, bits)                                   \
	do {                                                 \
		if (strcmp(kind, #k) == 0 && mode == bits) { \
			*image = guest_##k##bits;            \
			*size = guest_##k##bits##_size;      \
			return;                              \
		}                                            \
	} while (0)
	WHPT_PICK(basic, 16);
	WHPT_PICK(basic, 32);
	WHPT_PICK(basic, 64);
	WHPT_PICK(io, 16);
	WHPT_PICK(io, 32);
	WHPT_PICK(io, 64);
	WHPT_PICK(mmio, 16);
	WHPT_PICK(mmio, 32);
	WHPT_PICK(mmio, 64);
#undef WHPT_PICK
	cr_assert_fail("no payload %s for mode %d", kind, (int)mode);
}

/* whpt_vm_start_kind(vm, "io", mode): whpt_vm_start with the payload for mode. */
static inline void whpt_vm_start_kind(struct whpt_vm *vm, const char *kind, enum whpt_mode mode)
{
	const unsigned char *image = NULL;
	uint32_t size = 0;

	whpt_payload(kind, mode, &image, &size);
	whpt_vm_start(vm, image, size, mode);
}

/* ------------------------------------------------------------------------ */
/* Running                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * whpt_try_run(vm): one WHvRunVirtualProcessor call into vm->exit. The exit
 * context is filled with 0xCC first, so a field the library forgets to
 * write cannot pass by accident.
 */
static inline HRESULT whpt_try_run(struct whpt_vm *vm)
{
	memset(&vm->exit, 0xCC, sizeof(vm->exit));
	return WHvRunVirtualProcessor(vm->part, vm->vp, &vm->exit, sizeof(vm->exit));
}

/* whpt_describe(vm): a one-line account of the last exit, for messages. */
static inline const char *whpt_describe(struct whpt_vm *vm)
{
	static char buf[256];
	const WHV_RUN_VP_EXIT_CONTEXT *e = &vm->exit;

	switch (e->ExitReason) {
	case WHvRunVpExitReasonX64IoPortAccess:
		snprintf(buf, sizeof(buf),
			 "X64IoPortAccess port 0x%x %s size %u "
			 "at CS.base 0x%" PRIx64 " RIP 0x%" PRIx64 " RAX 0x%" PRIx64,
			 e->IoPortAccess.PortNumber,
			 e->IoPortAccess.AccessInfo.IsWrite ? "OUT" : "IN",
			 e->IoPortAccess.AccessInfo.AccessSize, e->VpContext.Cs.Base,
			 e->VpContext.Rip, e->IoPortAccess.Rax);
		break;
	case WHvRunVpExitReasonMemoryAccess:
		snprintf(buf, sizeof(buf),
			 "MemoryAccess %s GPA 0x%" PRIx64 " GpaUnmapped %u at CS.base 0x%" PRIx64
			 " RIP 0x%" PRIx64,
			 whpt_access_name(e->MemoryAccess.AccessInfo.AccessType),
			 e->MemoryAccess.Gpa, e->MemoryAccess.AccessInfo.GpaUnmapped,
			 e->VpContext.Cs.Base, e->VpContext.Rip);
		break;
	default:
		snprintf(buf, sizeof(buf), "%s (0x%x) at CS.base 0x%" PRIx64 " RIP 0x%" PRIx64,
			 whpt_exit_name(e->ExitReason), (unsigned int)e->ExitReason,
			 e->VpContext.Cs.Base, e->VpContext.Rip);
		break;
	}
	return buf;
}

/* whpt_run(vm): run VP vm->vp; the call must succeed. Returns the exit reason. */
static inline UINT32 whpt_run(struct whpt_vm *vm)
{
	WHPT_ASSERT_OK(whpt_try_run(vm));
	return vm->exit.ExitReason;
}

/* WHPT_ASSERT_EXIT(vm, reason): the last exit has this reason. */
#define WHPT_ASSERT_EXIT(vm, reason)                                                              \
	cr_assert((vm)->exit.ExitReason == (UINT32)(reason),                                      \
		  "exit reason %s, expected %s; exit: %s", whpt_exit_name((vm)->exit.ExitReason), \
		  whpt_exit_name((UINT32)(reason)), whpt_describe(vm))

/* whpt_run_expect(vm, reason): run and assert the exit reason. */
static inline void whpt_run_expect(struct whpt_vm *vm, UINT32 reason)
{
	whpt_run(vm);
	WHPT_ASSERT_EXIT(vm, reason);
}

/* whpt_exit_at(vm): the linear address the last exit reports (CS.base + RIP). */
static inline uint64_t whpt_exit_at(const struct whpt_vm *vm)
{
	return vm->exit.VpContext.Cs.Base + vm->exit.VpContext.Rip;
}

/* whpt_exit_is_at(vm, id): the last exit's RIP is the start of record id. */
static inline int whpt_exit_is_at(struct whpt_vm *vm, unsigned int id)
{
	return whpt_exit_at(vm) == whpt_rec(vm, id).addr;
}

/*
 * whpt_assert_at(vm, id): the exit reports VpContext.Cs.Base = the builder's
 * CS base and VpContext.Rip = the address of the recorded instruction.
 */
static inline void whpt_assert_at(struct whpt_vm *vm, unsigned int id)
{
	struct whpt_rec r = whpt_rec(vm, id);

	WHPT_ASSERT_EQ64(vm->exit.VpContext.Cs.Base, vm->cs_base, "VpContext.Cs.Base");
	cr_assert(vm->exit.VpContext.Rip == r.addr - vm->cs_base,
		  "VpContext.Rip 0x%" PRIx64 ", expected 0x%" PRIx64 " (record %u); exit: %s",
		  vm->exit.VpContext.Rip, (uint64_t)(r.addr - vm->cs_base), id, whpt_describe(vm));
}

/*
 * whpt_assert_insn_bytes(vm, id, count, bytes): the exit's instruction bytes
 * start with the assembled bytes of record id.
 */
static inline void whpt_assert_insn_bytes(struct whpt_vm *vm, unsigned int id, unsigned int count,
					  const UINT8 *bytes)
{
	struct whpt_rec r = whpt_rec(vm, id);
	const unsigned char *want = whpt_rec_bytes(vm, r);
	unsigned int i;

	cr_assert(count >= r.len && count <= 16,
		  "InstructionByteCount %u, expected %u..16 (record %u)", count, r.len, id);
	for (i = 0; i < r.len; i++)
		cr_assert(bytes[i] == want[i],
			  "InstructionBytes[%u] = 0x%02x, assembled 0x%02x (record %u)", i,
			  bytes[i], want[i], id);
}

/* whpt_set_rip(vm, rip) and friends: the caller's side of completing an exit. */
static inline void whpt_set_rip(struct whpt_vm *vm, uint64_t rip)
{
	whpt_set64(vm, WHvX64RegisterRip, rip);
}

/* whpt_advance(vm): RIP = exit Rip + VpContext.InstructionLength (I/O exits). */
static inline void whpt_advance(struct whpt_vm *vm)
{
	cr_assert(vm->exit.VpContext.InstructionLength != 0,
		  "VpContext.InstructionLength is 0; exit: %s", whpt_describe(vm));
	whpt_set_rip(vm, vm->exit.VpContext.Rip + vm->exit.VpContext.InstructionLength);
}

/* whpt_goto(vm, id): point RIP at record id (CS base as the builder set it). */
static inline void whpt_goto(struct whpt_vm *vm, unsigned int id)
{
	whpt_set_rip(vm, whpt_rec(vm, id).addr - vm->cs_base);
}

/*
 * whpt_complete_io(vm): complete the current I/O exit the simplest Windows
 * way: an OUT is collected (serial text, report values) and skipped; an IN
 * gets 0xFFFFFFFF merged into RAX for its size. String forms are not
 * handled here (tests emulate them explicitly).
 */
static inline void whpt_complete_io(struct whpt_vm *vm)
{
	const WHV_X64_IO_PORT_ACCESS_CONTEXT *io = &vm->exit.IoPortAccess;

	cr_assert(!io->AccessInfo.StringOp, "unexpected string I/O: %s", whpt_describe(vm));
	if (io->AccessInfo.IsWrite) {
		if (io->PortNumber == WHPT_PORT_SERIAL && vm->serial_len + 1 < sizeof(vm->serial))
			vm->serial[vm->serial_len++] = (char)io->Rax;
		if (io->PortNumber == WHPT_PORT_REPORT &&
		    vm->nreports < sizeof(vm->reports) / sizeof(vm->reports[0]))
			vm->reports[vm->nreports++] = io->Rax;
	} else {
		uint64_t mask = io->AccessInfo.AccessSize == 4	 ? 0xFFFFFFFFull
				: io->AccessInfo.AccessSize == 2 ? 0xFFFFull
								 : 0xFFull;

		whpt_set64(vm, WHvX64RegisterRax, io->Rax | mask);
	}
	whpt_advance(vm);
}

/*
 * whpt_run_to(vm, id): run, completing the I/O exits before it, until an
 * exit reports RIP at record id. Any other exit fails the test.
 */
static inline void whpt_run_to(struct whpt_vm *vm, unsigned int id)
{
	int i;

	for (i = 0; i < 1000; i++) {
		whpt_run(vm);
		if (whpt_exit_is_at(vm, id))
			return;
		WHPT_ASSERT_EXIT(vm, WHvRunVpExitReasonX64IoPortAccess);
		whpt_complete_io(vm);
	}
	cr_assert_fail("record %u not reached after 1000 exits", id);
}

/*
 * whpt_run_to_halt(vm): run, completing I/O exits, until X64Halt; any other
 * exit fails the test. Serial text and reports are collected in vm.
 */
static inline void whpt_run_to_halt(struct whpt_vm *vm)
{
	int i;

	for (i = 0; i < 1000; i++) {
		whpt_run(vm);
		if (vm->exit.ExitReason == WHvRunVpExitReasonX64Halt)
			return;
		WHPT_ASSERT_EXIT(vm, WHvRunVpExitReasonX64IoPortAccess);
		whpt_complete_io(vm);
	}
	cr_assert_fail("no halt after 1000 exits");
}

#endif /* WHP_TEST_H */
