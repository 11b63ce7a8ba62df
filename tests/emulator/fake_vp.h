/* fake_vp.h: a VP of plain memory behind the five WinHvEmulation callbacks (tests, fuzzer). */
#ifndef FAKE_VP_H
#define FAKE_VP_H

/*
 * The emulator's unit tests, the native differential test and the fuzzer
 * drive WHvEmulatorTry*Emulation against this instead of a VM: registers
 * are fields, guest memory is a list of host buffers at guest-physical
 * addresses, ports are a small deterministic model. Every callback also
 * checks what the emulator asks of it (sizes, alignment, register names)
 * and records the first contract violation in (violation), which the
 * callers assert is empty. Header-only; everything is static.
 */

#include <WinHvEmulation.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum fake_cb {
	FAKE_CB_IO,
	FAKE_CB_MEM,
	FAKE_CB_XLATE,
	FAKE_CB_GET,
	FAKE_CB_SET,
	FAKE_CB_COUNT
};

#define FAKE_MAX_REGIONS 8
#define FAKE_IO_LOG	 64

struct fake_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *mem;
	bool no_write; /* a write here fails the memory callback */
};

struct fake_io {
	bool write;
	uint16_t port;
	uint16_t size;
	uint32_t data;
};

struct fake_vp {
	/* register file */
	uint64_t gpr[16];
	uint64_t rip;
	uint64_t rflags;
	WHV_X64_SEGMENT_REGISTER seg[6]; /* ES CS SS DS FS GS */
	WHV_UINT128 xmm[16];

	/* guest-physical memory; translation is identity (gva page = gpa page) unless xlate_fn */
	struct fake_region region[FAKE_MAX_REGIONS];
	unsigned int nregion;
	WHV_TRANSLATE_GVA_RESULT_CODE(*xlate_fn)
	(struct fake_vp *vp, uint64_t gva_page, uint64_t *gpa_page);

	/* ports: IN returns in_value(port, n) = seed-mixed, OUT is logged */
	uint32_t io_seed;
	unsigned int io_count;
	struct fake_io io_log[FAKE_IO_LOG];

	/* failure injection: callback (fail_cb) fails on its (fail_at)-th call (1-based) */
	int fail_cb;
	unsigned int fail_at;
	bool xlate_misalign; /* the translate callback returns a GPA off by 8 */

	/* what happened */
	unsigned int calls[FAKE_CB_COUNT];
	unsigned int set_calls;
	bool rip_set;
	/* the names the last set-registers call wrote, in order */
	unsigned int nset;
	WHV_REGISTER_NAME set_names[64];
	char violation[256];
};

static inline void fake_violation(struct fake_vp *vp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void fake_violation(struct fake_vp *vp, const char *fmt, ...)
{
	va_list ap;

	if (vp->violation[0])
		return;
	va_start(ap, fmt);
	vsnprintf(vp->violation, sizeof(vp->violation), fmt, ap);
	va_end(ap);
}

static inline void fake_vp_init(struct fake_vp *vp)
{
	memset(vp, 0, sizeof(*vp));
	vp->fail_cb = -1;
}

static inline void fake_add_region(struct fake_vp *vp, uint64_t gpa, void *mem, uint64_t size)
{
	if (vp->nregion < FAKE_MAX_REGIONS) {
		vp->region[vp->nregion].gpa = gpa;
		vp->region[vp->nregion].size = size;
		vp->region[vp->nregion].mem = mem;
		vp->region[vp->nregion].no_write = false;
		vp->nregion++;
	}
}

/* A 64-bit segment register value with the given base, limit and access rights. */
static inline WHV_X64_SEGMENT_REGISTER fake_segment(uint64_t base, uint32_t limit,
						    uint16_t selector, uint16_t attr)
{
	WHV_X64_SEGMENT_REGISTER s;

	memset(&s, 0, sizeof(s));
	s.Base = base;
	s.Limit = limit;
	s.Selector = selector;
	s.Attributes = attr;
	return s;
}

/* The value port (port) returns on its (n)-th access: deterministic, seed-dependent. */
static inline uint32_t fake_in_value(uint32_t seed, uint16_t port, unsigned int n)
{
	uint32_t x = seed ^ (port * 0x9E3779B1u) ^ (n * 0x85EBCA77u);

	x ^= x >> 15;
	x *= 0x2C1B3C6Du;
	x ^= x >> 12;
	return x;
}

/* True when the callback (cb) must fail now (counts the call). */
static inline bool fake_should_fail(struct fake_vp *vp, enum fake_cb cb)
{
	vp->calls[cb]++;
	return vp->fail_cb == (int)cb && vp->calls[cb] == vp->fail_at;
}

static inline HRESULT CALLBACK fake_io_cb(VOID *ctx, WHV_EMULATOR_IO_ACCESS_INFO *io)
{
	struct fake_vp *vp = ctx;

	if (fake_should_fail(vp, FAKE_CB_IO))
		return E_FAIL;
	if (io->AccessSize != 1 && io->AccessSize != 2 && io->AccessSize != 4)
		fake_violation(vp, "I/O callback: AccessSize %u", io->AccessSize);
	if (io->Direction > 1)
		fake_violation(vp, "I/O callback: Direction %u", io->Direction);
	if (io->Direction == 1 && io->AccessSize < 4 && (io->Data >> (io->AccessSize * 8)))
		fake_violation(vp, "I/O callback: OUT data 0x%x wider than %u bytes", io->Data,
			       io->AccessSize);
	if (vp->io_count < FAKE_IO_LOG) {
		struct fake_io *l = &vp->io_log[vp->io_count];

		l->write = io->Direction == 1;
		l->port = io->Port;
		l->size = io->AccessSize;
		l->data = io->Data;
	}
	if (io->Direction == 0) {
		uint32_t v = fake_in_value(vp->io_seed, io->Port, vp->io_count);

		/* Junk above the access size: the emulator must ignore it. */
		io->Data = v;
		if (vp->io_count < FAKE_IO_LOG)
			vp->io_log[vp->io_count].data =
				io->AccessSize >= 4 ? v : v & ((1u << (io->AccessSize * 8)) - 1);
	}
	vp->io_count++;
	return S_OK;
}

static inline struct fake_region *fake_find(struct fake_vp *vp, uint64_t gpa, unsigned int n)
{
	for (unsigned int i = 0; i < vp->nregion; i++) {
		struct fake_region *r = &vp->region[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size && n <= r->size - (gpa - r->gpa))
			return r;
	}
	return NULL;
}

static inline HRESULT CALLBACK fake_mem_cb(VOID *ctx, WHV_EMULATOR_MEMORY_ACCESS_INFO *m)
{
	struct fake_vp *vp = ctx;
	struct fake_region *r;

	if (fake_should_fail(vp, FAKE_CB_MEM))
		return E_FAIL;
	if (m->AccessSize < 1 || m->AccessSize > 8) {
		fake_violation(vp, "memory callback: AccessSize %u", m->AccessSize);
		return E_FAIL;
	}
	if ((m->GpaAddress & 4095) + m->AccessSize > 4096)
		fake_violation(vp, "memory callback: %u bytes at 0x%llx cross a page",
			       m->AccessSize, (unsigned long long)m->GpaAddress);
	if (m->Direction > 1)
		fake_violation(vp, "memory callback: Direction %u", m->Direction);
	r = fake_find(vp, m->GpaAddress, m->AccessSize);
	if (!r)
		return E_FAIL; /* nothing there: a legitimate callback failure */
	if (m->Direction == 1) {
		if (r->no_write)
			return E_FAIL;
		memcpy(r->mem + (m->GpaAddress - r->gpa), m->Data, m->AccessSize);
	} else {
		memset(m->Data, 0xEE, sizeof(m->Data)); /* junk beyond AccessSize */
		memcpy(m->Data, r->mem + (m->GpaAddress - r->gpa), m->AccessSize);
	}
	return S_OK;
}

static inline HRESULT CALLBACK fake_xlate_cb(VOID *ctx, WHV_GUEST_VIRTUAL_ADDRESS gva,
					     WHV_TRANSLATE_GVA_FLAGS flags,
					     WHV_TRANSLATE_GVA_RESULT_CODE *res,
					     WHV_GUEST_PHYSICAL_ADDRESS *gpa)
{
	struct fake_vp *vp = ctx;
	uint32_t known = WHvTranslateGvaFlagValidateRead | WHvTranslateGvaFlagValidateWrite |
			 WHvTranslateGvaFlagValidateExecute;

	if (fake_should_fail(vp, FAKE_CB_XLATE))
		return E_FAIL;
	if (gva & 4095)
		fake_violation(vp, "translate callback: GVA 0x%llx not page aligned",
			       (unsigned long long)gva);
	if ((uint32_t)flags & ~known)
		fake_violation(vp, "translate callback: flags 0x%x", (unsigned int)flags);
	if (vp->xlate_fn) {
		*res = vp->xlate_fn(vp, gva, gpa);
	} else {
		*res = WHvTranslateGvaResultSuccess;
		*gpa = gva;
	}
	if (vp->xlate_misalign)
		*gpa += 8;
	return S_OK;
}

/* Where register (name) lives in the fake; NULL for a name the emulator has no business with. */
static inline void *fake_reg_slot(struct fake_vp *vp, WHV_REGISTER_NAME name, unsigned int *size)
{
	uint32_t n = (uint32_t)name;

	*size = 8;
	if (n <= (uint32_t)WHvX64RegisterR15)
		return &vp->gpr[n];
	if (name == WHvX64RegisterRip)
		return &vp->rip;
	if (name == WHvX64RegisterRflags)
		return &vp->rflags;
	if (n >= (uint32_t)WHvX64RegisterEs && n <= (uint32_t)WHvX64RegisterGs) {
		*size = sizeof(WHV_X64_SEGMENT_REGISTER);
		return &vp->seg[n - (uint32_t)WHvX64RegisterEs];
	}
	if (n >= (uint32_t)WHvX64RegisterXmm0 && n <= (uint32_t)WHvX64RegisterXmm15) {
		*size = 16;
		return &vp->xmm[n - (uint32_t)WHvX64RegisterXmm0];
	}
	return NULL;
}

static inline HRESULT CALLBACK fake_get_cb(VOID *ctx, const WHV_REGISTER_NAME *names, UINT32 count,
					   WHV_REGISTER_VALUE *vals)
{
	struct fake_vp *vp = ctx;

	if (fake_should_fail(vp, FAKE_CB_GET))
		return E_FAIL;
	if (count == 0 || count > 64)
		fake_violation(vp, "get-registers callback: count %u", count);
	for (UINT32 i = 0; i < count && i < 64; i++) {
		unsigned int size;
		void *slot = fake_reg_slot(vp, names[i], &size);

		memset(&vals[i], 0, sizeof(vals[i]));
		if (!slot) {
			fake_violation(vp, "get-registers callback: register 0x%x", names[i]);
			return E_INVALIDARG;
		}
		memcpy(&vals[i], slot, size);
	}
	return S_OK;
}

static inline HRESULT CALLBACK fake_set_cb(VOID *ctx, const WHV_REGISTER_NAME *names, UINT32 count,
					   const WHV_REGISTER_VALUE *vals)
{
	struct fake_vp *vp = ctx;

	if (fake_should_fail(vp, FAKE_CB_SET))
		return E_FAIL;
	vp->set_calls++;
	vp->nset = 0;
	if (count == 0 || count > 64)
		fake_violation(vp, "set-registers callback: count %u", count);
	for (UINT32 i = 0; i < count && i < 64; i++) {
		unsigned int size;
		void *slot = fake_reg_slot(vp, names[i], &size);

		if (!slot || (names[i] >= WHvX64RegisterEs && names[i] <= WHvX64RegisterGs)) {
			fake_violation(vp, "set-registers callback: register 0x%x", names[i]);
			return E_INVALIDARG;
		}
		if (names[i] == WHvX64RegisterRip)
			vp->rip_set = true;
		vp->set_names[vp->nset++] = names[i];
		memcpy(slot, &vals[i], size);
	}
	return S_OK;
}

static inline WHV_EMULATOR_CALLBACKS fake_callbacks(void)
{
	WHV_EMULATOR_CALLBACKS cb;

	memset(&cb, 0, sizeof(cb));
	cb.Size = sizeof(cb);
	cb.WHvEmulatorIoPortCallback = fake_io_cb;
	cb.WHvEmulatorMemoryCallback = fake_mem_cb;
	cb.WHvEmulatorGetVirtualProcessorRegisters = fake_get_cb;
	cb.WHvEmulatorSetVirtualProcessorRegisters = fake_set_cb;
	cb.WHvEmulatorTranslateGvaPage = fake_xlate_cb;
	return cb;
}

/* Segment access rights (WHV Attributes layout). */
#define FAKE_ATTR_CODE64 0xA09B
#define FAKE_ATTR_CODE32 0xC09B
#define FAKE_ATTR_CODE16 0x009B
#define FAKE_ATTR_DATA32 0xC093
#define FAKE_ATTR_DATA16 0x0093

enum fake_mode {
	FAKE_REAL = 16,
	FAKE_PROT32 = 32,
	FAKE_LONG64 = 64
};

/*
 * fake_vp_mode(vp, ctx, mode): flat segments for (mode) in the fake and the
 * matching exit VpContext (CPL 0, RIP and RFLAGS from the fake).
 */
static inline void fake_vp_mode(struct fake_vp *vp, WHV_VP_EXIT_CONTEXT *ctx, enum fake_mode mode)
{
	uint16_t code = mode == FAKE_LONG64   ? FAKE_ATTR_CODE64
			: mode == FAKE_PROT32 ? FAKE_ATTR_CODE32
					      : FAKE_ATTR_CODE16;
	uint16_t data = mode == FAKE_REAL ? FAKE_ATTR_DATA16 : FAKE_ATTR_DATA32;
	uint32_t limit = mode == FAKE_REAL ? 0xFFFF : 0xFFFFFFFF;

	for (int i = 0; i < 6; i++)
		vp->seg[i] = fake_segment(0, limit, 0, data);
	vp->seg[1] = fake_segment(0, limit, 0, code);
	memset(ctx, 0, sizeof(*ctx));
	ctx->ExecutionState.Cr0Pe = mode != FAKE_REAL;
	ctx->ExecutionState.EferLma = mode == FAKE_LONG64;
	ctx->Cs = vp->seg[1];
	ctx->Rip = vp->rip;
	ctx->Rflags = vp->rflags;
}

#endif /* FAKE_VP_H */
