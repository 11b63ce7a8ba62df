/* emu_ctx.c: emulator plumbing: callbacks, register cache, addresses, memory, decoding. */
#include <string.h>

#include "emu.h"

/*
 * Everything the emulator learns about the guest comes through the caller's
 * callbacks (WinHvEmulation contract, whp-reference §4.7); everything here
 * treats what they return as untrusted: sizes are clamped, results checked,
 * and no value from the guest indexes an array without a bound.
 */

#define RFLAGS_VM    (1ull << 17)
#define PAGE_MASK_4K 4095ull

/* WHV_TRANSLATE_GVA_FLAGS for the three kinds of access. */
#define XLATE_READ  ((uint32_t)WHvTranslateGvaFlagValidateRead)
#define XLATE_WRITE ((uint32_t)WHvTranslateGvaFlagValidateWrite)
#define XLATE_EXEC  ((uint32_t)WHvTranslateGvaFlagValidateExecute)

void emu_begin(struct emu *e, struct emulator *em, void *ctx, const WHV_VP_EXIT_CONTEXT *vp)
{
	/* Only the bookkeeping needs zeroing; values are read before use. */
	e->em = em;
	e->ctx = ctx;
	e->status.AsUINT32 = 0;
	e->vp = vp;
	e->have = 0;
	e->dirty = 0;
	e->have_xmm = 0;
	e->dirty_xmm = 0;
	e->nbytes = 0;
	e->hint = false;
	e->ntlb = 0;
	e->tlb_next = 0;
	e->rflags = vp->Rflags;
	/*
	 * Code size (SDM Vol.3 2.2, 5.2.1): real mode and virtual-8086 mode run
	 * 16-bit code; in protected mode CS.L (with EFER.LMA) and CS.D decide.
	 */
	if (!vp->ExecutionState.Cr0Pe || (vp->Rflags & RFLAGS_VM))
		e->bits = 16;
	else if (vp->ExecutionState.EferLma && vp->Cs.Long)
		e->bits = 64;
	else
		e->bits = vp->Cs.Default ? 32 : 16;
	e->seg[SEG_CS] = vp->Cs;
	e->have |= EMU_R_SEG(SEG_CS);
	e->new_rip = vp->Rip;
}

uint64_t emu_ip_advance(const struct emu *e, uint64_t rip, unsigned int len)
{
	if (e->bits == 64)
		return rip + len;
	if (e->bits == 32)
		return (rip + len) & 0xFFFFFFFFull;
	return (rip + len) & 0xFFFFull;
}

uint64_t emu_addr_mask(const struct emu *e)
{
	return e->in.address_width >= 64 ? ~0ull : (1ull << e->in.address_width) - 1;
}

static int cb_failed(struct emu *e, int which)
{
	switch (which) {
	case 0: e->status.IoPortCallbackFailed = 1; break;
	case 1: e->status.MemoryCallbackFailed = 1; break;
	case 2: e->status.TranslateGvaPageCallbackFailed = 1; break;
	case 3: e->status.GetVirtualProcessorRegistersCallbackFailed = 1; break;
	default: e->status.SetVirtualProcessorRegistersCallbackFailed = 1; break;
	}
	return EMU_E_CALLBACK;
}

/* ---- address translation ---- */

/*
 * Translate the page of (gva_page) checking (flags), through the one-call
 * TLB, the exit's own GPA, or the translate callback (which takes and must
 * return page-aligned addresses: WHV_EMULATOR_TRANSLATE_GVA_PAGE_CALLBACK).
 */
static int emu_translate(struct emu *e, uint64_t gva_page, uint32_t flags, uint64_t *gpa_page)
{
	WHV_TRANSLATE_GVA_RESULT_CODE res;
	WHV_GUEST_PHYSICAL_ADDRESS gpa;
	unsigned int i;
	HRESULT hr;

	for (i = 0; i < e->ntlb; i++) {
		if (e->tlb[i].gva_page == gva_page && (e->tlb[i].flags & flags) == flags) {
			*gpa_page = e->tlb[i].gpa_page;
			return 0;
		}
	}
	/* Paging needs CR0.PE: in real mode a linear address is physical (SDM Vol.3 20.1.1). */
	if (!e->vp->ExecutionState.Cr0Pe) {
		gpa = gva_page;
	} else {
		res = WHvTranslateGvaResultSuccess;
		gpa = 0;
		hr = e->em->cb.WHvEmulatorTranslateGvaPage(e->ctx, gva_page,
							   (WHV_TRANSLATE_GVA_FLAGS)flags, &res,
							   &gpa);
		if (FAILED(hr))
			return cb_failed(e, 2);
		switch (res) {
		case WHvTranslateGvaResultSuccess:
		case WHvTranslateGvaResultGpaUnmapped: /* device memory: what we are here for */
		case WHvTranslateGvaResultGpaNoReadAccess:
		case WHvTranslateGvaResultGpaNoWriteAccess:
		case WHvTranslateGvaResultGpaIllegalOverlayAccess: break;
		default:
			/* #PF (or an intercept) the guest would take: not ours to deliver. */
			return EMU_E_FAULT;
		}
		if (gpa & PAGE_MASK_4K) {
			e->status.TranslateGvaPageCallbackGpaIsNotAligned = 1;
			return EMU_E_CALLBACK;
		}
	}
	i = e->ntlb < EMU_TLB_SIZE ? e->ntlb++ : (e->tlb_next++ % EMU_TLB_SIZE);
	e->tlb[i].gva_page = gva_page;
	e->tlb[i].gpa_page = gpa;
	e->tlb[i].flags = flags;
	*gpa_page = gpa;
	return 0;
}

/* The linear address (la) + (n), wrapped at 4 GiB outside 64-bit mode. */
static uint64_t la_add(const struct emu *e, uint64_t la, uint64_t n)
{
	return e->bits == 64 ? la + n : (la + n) & 0xFFFFFFFFull;
}

/* One memory callback of at most 8 bytes within one page. */
static int mem_callback(struct emu *e, uint64_t gpa, uint8_t *buf, unsigned int n, bool write)
{
	WHV_EMULATOR_MEMORY_ACCESS_INFO mi;
	HRESULT hr;

	memset(&mi, 0, sizeof(mi));
	mi.GpaAddress = gpa;
	mi.Direction = write ? 1 : 0;
	mi.AccessSize = (UINT8)n;
	if (write)
		memcpy(mi.Data, buf, n);
	hr = e->em->cb.WHvEmulatorMemoryCallback(e->ctx, &mi);
	if (FAILED(hr))
		return cb_failed(e, 1);
	if (!write)
		memcpy(buf, mi.Data, n);
	return 0;
}

/*
 * (size) <= 16 bytes at linear (la): translate the (at most two) pages first,
 * then one callback per piece of at most 8 bytes inside a page (a page-
 * crossing access gives one callback per page, as the WHP documentation
 * describes for WHV_EMULATOR_MEMORY_CALLBACK).
 */
static int emu_access(struct emu *e, uint64_t la, uint8_t *buf, unsigned int size, uint32_t flags)
{
	uint64_t gpa[2], la2 = 0;
	unsigned int first, off, n, piece;
	bool write = (flags & XLATE_WRITE) != 0 && (flags & XLATE_READ) == 0;
	int rc;

	if (size == 0 || size > 16)
		return EMU_E_UNSUPPORTED;
	first = (unsigned int)(4096 - (la & PAGE_MASK_4K));
	if (first > size)
		first = size;
	if (e->hint && flags != XLATE_EXEC && first == size &&
	    (la & PAGE_MASK_4K) == (e->hint_gpa & PAGE_MASK_4K)) {
		/*
		 * The exit reported the GPA of this very access (the instruction
		 * has one memory operand): the CPU has already walked the page
		 * tables for it, so no translate callback is needed.
		 */
		gpa[0] = e->hint_gpa & ~PAGE_MASK_4K;
		e->hint = false;
		if (e->ntlb < EMU_TLB_SIZE) {
			e->tlb[e->ntlb].gva_page = la & ~PAGE_MASK_4K;
			e->tlb[e->ntlb].gpa_page = gpa[0];
			e->tlb[e->ntlb].flags = XLATE_READ | XLATE_WRITE;
			e->ntlb++;
		}
	} else {
		rc = emu_translate(e, la & ~PAGE_MASK_4K, flags, &gpa[0]);
		if (rc)
			return rc;
	}
	if (first < size) {
		la2 = la_add(e, la, first);
		rc = emu_translate(e, la2 & ~PAGE_MASK_4K, flags, &gpa[1]);
		if (rc)
			return rc;
	}
	if (flags == (XLATE_READ | XLATE_WRITE))
		return 0; /* emu_mem_prepare: translations only */
	for (piece = 0, off = 0; off < size; piece = 1) {
		uint64_t base = piece == 0 ? gpa[0] | (la & PAGE_MASK_4K) : gpa[1];
		unsigned int end = piece == 0 ? first : size;
		unsigned int done = 0;

		while (off < end) {
			n = end - off < 8 ? end - off : 8;
			rc = mem_callback(e, base + done, buf + off, n, write);
			if (rc)
				return rc;
			off += n;
			done += n;
		}
	}
	return 0;
}

int emu_mem_read(struct emu *e, uint64_t la, void *buf, unsigned int size)
{
	return emu_access(e, la, buf, size, XLATE_READ);
}

int emu_mem_write(struct emu *e, uint64_t la, const void *buf, unsigned int size)
{
	uint8_t tmp[16];

	if (size > sizeof(tmp))
		return EMU_E_UNSUPPORTED;
	memcpy(tmp, buf, size);
	return emu_access(e, la, tmp, size, XLATE_WRITE);
}

int emu_mem_prepare(struct emu *e, uint64_t la, unsigned int size)
{
	return emu_access(e, la, NULL, size, XLATE_READ | XLATE_WRITE);
}

int emu_check_align(struct emu *e, uint64_t la, unsigned int size)
{
	/* #AC: CR0.AM, RFLAGS.AC, CPL 3 and a misaligned 2/4/8-byte operand (SDM Vol.3 6.15). */
	if (e->vp->ExecutionState.Cr0Am && (e->rflags & EMU_AC) && e->vp->ExecutionState.Cpl == 3 &&
	    (size == 2 || size == 4 || size == 8) && (la & (size - 1)))
		return EMU_E_FAULT;
	return 0;
}

/* ---- instruction bytes and decoding ---- */

/* Fetch up to 8 more instruction bytes after those known, within one page. */
static int emu_fetch_more(struct emu *e)
{
	uint64_t ipmask = e->bits == 64 ? ~0ull : e->bits == 32 ? 0xFFFFFFFFull : 0xFFFFull;
	uint64_t ip = (e->vp->Rip + e->nbytes) & ipmask;
	uint64_t la = la_add(e, e->seg[SEG_CS].Base, ip);
	unsigned int n = 15 - e->nbytes;

	if (e->bits != 64)
		la &= 0xFFFFFFFFull;
	if (n > 8)
		n = 8;
	if (n > 4096 - (la & PAGE_MASK_4K))
		n = (unsigned int)(4096 - (la & PAGE_MASK_4K));
	/* IP wraps inside the code segment (16-bit code: at 64 KiB). */
	if (e->bits != 64 && ipmask - ip + 1 < n)
		n = (unsigned int)(ipmask - ip + 1);
	if (n == 0)
		return EMU_E_UNSUPPORTED;
	{
		int rc = emu_access(e, la, e->bytes + e->nbytes, n, XLATE_EXEC);

		if (rc)
			return rc;
	}
	e->nbytes = (uint8_t)(e->nbytes + n);
	return 0;
}

/* A cached decode of the instruction at the start of e->bytes, if there is one. */
static bool dcache_lookup(struct emu *e)
{
	struct emulator *em = e->em;
	bool hit = false;

	if (atomic_flag_test_and_set_explicit(&em->cache_busy, memory_order_acquire))
		return false;
	for (unsigned int i = 0; i < EMU_DCACHE; i++) {
		const struct emu_dcache_entry *c = &em->cache[i];

		if (c->bits == e->bits && c->len <= e->nbytes &&
		    memcmp(c->bytes, e->bytes, c->len) == 0) {
			e->in = c->in;
			memcpy(e->op, c->op, sizeof(e->op));
			hit = true;
			break;
		}
	}
	atomic_flag_clear_explicit(&em->cache_busy, memory_order_release);
	return hit;
}

static void dcache_store(struct emu *e)
{
	struct emulator *em = e->em;
	struct emu_dcache_entry *c;

	if (e->in.length == 0 || e->in.length > 15 ||
	    atomic_flag_test_and_set_explicit(&em->cache_busy, memory_order_acquire))
		return;
	c = &em->cache[em->cache_next++ % EMU_DCACHE];
	c->bits = (uint8_t)e->bits;
	c->len = e->in.length;
	memcpy(c->bytes, e->bytes, c->len);
	c->in = e->in;
	memcpy(c->op, e->op, sizeof(c->op));
	atomic_flag_clear_explicit(&em->cache_busy, memory_order_release);
}

int emu_decode(struct emu *e, const uint8_t *bytes, unsigned int count)
{
	const ZydisDecoder *dec = e->bits == 64	  ? &e->em->dec64
				  : e->bits == 32 ? &e->em->dec32
						  : &e->em->dec16;
	ZyanStatus st;
	int rc;

	if (count > 15)
		count = 15; /* no instruction is longer (SDM Vol.2 2.3.11) */
	if (bytes && count)
		memcpy(e->bytes, bytes, count);
	e->nbytes = (uint8_t)count;
	if (dcache_lookup(e)) {
		e->new_rip = emu_ip_advance(e, e->vp->Rip, e->in.length);
		return 0;
	}
	for (;;) {
		if (e->nbytes) {
			st = ZydisDecoderDecodeFull(dec, e->bytes, e->nbytes, &e->in, e->op);
			if (ZYAN_SUCCESS(st))
				break;
			if (st != ZYDIS_STATUS_NO_MORE_DATA || e->nbytes >= 15)
				return EMU_E_UNSUPPORTED; /* #UD on the CPU */
		}
		rc = emu_fetch_more(e);
		if (rc)
			return rc;
	}
	if (e->in.operand_count > ZYDIS_MAX_OPERAND_COUNT)
		return EMU_E_UNSUPPORTED;
	dcache_store(e);
	e->new_rip = emu_ip_advance(e, e->vp->Rip, e->in.length);
	return 0;
}

/* ---- registers ---- */

bool emu_reg_decode(ZydisRegister r, int *n, unsigned int *size, bool *high8)
{
	*high8 = false;
	if (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_R15B) {
		int i = (int)(r - ZYDIS_REGISTER_AL);

		/* AL CL DL BL AH CH DH BH SPL BPL SIL DIL R8B..R15B */
		if (i >= 4 && i < 8) {
			*high8 = true;
			*n = i - 4;
		} else {
			*n = i < 4 ? i : i - 4;
		}
		*size = 1;
		return true;
	}
	if (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_R15W) {
		*n = (int)(r - ZYDIS_REGISTER_AX);
		*size = 2;
		return true;
	}
	if (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_R15D) {
		*n = (int)(r - ZYDIS_REGISTER_EAX);
		*size = 4;
		return true;
	}
	if (r >= ZYDIS_REGISTER_RAX && r <= ZYDIS_REGISTER_R15) {
		*n = (int)(r - ZYDIS_REGISTER_RAX);
		*size = 8;
		return true;
	}
	return false;
}

/* The cache bits a Zydis register operand needs (GPR, RFLAGS, segment), XMM in (*xmm). */
static uint32_t reg_need(const struct emu *e, ZydisRegister r, uint32_t *xmm)
{
	unsigned int size;
	bool high8;
	int n;

	if (emu_reg_decode(r, &n, &size, &high8))
		return EMU_R_GPR(n);
	if (r >= ZYDIS_REGISTER_XMM0 && r <= ZYDIS_REGISTER_XMM15) {
		*xmm |= 1u << (r - ZYDIS_REGISTER_XMM0);
		return 0;
	}
	if (r == ZYDIS_REGISTER_FLAGS || r == ZYDIS_REGISTER_EFLAGS || r == ZYDIS_REGISTER_RFLAGS)
		return EMU_R_FLAGS;
	if (r >= ZYDIS_REGISTER_ES && r <= ZYDIS_REGISTER_GS) {
		int s = (int)(r - ZYDIS_REGISTER_ES);

		/* 64-bit mode: only FS and GS have a base, none has a limit (SDM Vol.3 3.4.4). */
		if (e->bits == 64 && s != SEG_FS && s != SEG_GS)
			return 0;
		return EMU_R_SEG(s);
	}
	return 0;
}

int emu_load_needed(struct emu *e, uint32_t extra)
{
	WHV_REGISTER_NAME names[16 + 1 + SEG_COUNT + 16];
	WHV_REGISTER_VALUE vals[16 + 1 + SEG_COUNT + 16];
	uint32_t need = EMU_R_FLAGS | extra, xmm = 0, miss, xmiss;
	unsigned int i, k = 0;
	HRESULT hr;

	for (i = 0; i < e->in.operand_count && i < ZYDIS_MAX_OPERAND_COUNT; i++) {
		const ZydisDecodedOperand *op = &e->op[i];

		if (op->type == ZYDIS_OPERAND_TYPE_REGISTER) {
			need |= reg_need(e, op->reg.value, &xmm);
		} else if (op->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			need |= reg_need(e, op->mem.base, &xmm);
			need |= reg_need(e, op->mem.index, &xmm);
			need |= reg_need(e, op->mem.segment, &xmm);
		}
	}
	miss = need & ~e->have;
	xmiss = xmm & ~(uint32_t)e->have_xmm & 0xFFFFu;
	for (i = 0; i < 16; i++)
		if (miss & EMU_R_GPR(i))
			names[k++] = (WHV_REGISTER_NAME)(WHvX64RegisterRax + i);
	if (miss & EMU_R_FLAGS)
		names[k++] = WHvX64RegisterRflags;
	for (i = 0; i < SEG_COUNT; i++)
		if (miss & EMU_R_SEG(i))
			names[k++] = (WHV_REGISTER_NAME)(WHvX64RegisterEs + i);
	for (i = 0; i < 16; i++)
		if (xmiss & (1u << i))
			names[k++] = (WHV_REGISTER_NAME)(WHvX64RegisterXmm0 + i);
	if (k == 0)
		return 0;
	memset(vals, 0, sizeof(vals[0]) * k);
	hr = e->em->cb.WHvEmulatorGetVirtualProcessorRegisters(e->ctx, names, k, vals);
	if (FAILED(hr))
		return cb_failed(e, 3);
	k = 0;
	for (i = 0; i < 16; i++)
		if (miss & EMU_R_GPR(i))
			e->gpr[i] = vals[k++].Reg64;
	if (miss & EMU_R_FLAGS)
		e->rflags = vals[k++].Reg64;
	for (i = 0; i < SEG_COUNT; i++)
		if (miss & EMU_R_SEG(i))
			e->seg[i] = vals[k++].Segment;
	for (i = 0; i < 16; i++)
		if (xmiss & (1u << i))
			e->xmm[i] = vals[k++].Reg128;
	e->have |= miss;
	e->have_xmm = (uint16_t)(e->have_xmm | xmiss);
	return 0;
}

uint64_t emu_gpr_read(const struct emu *e, int n, unsigned int size, bool high8)
{
	uint64_t v = e->gpr[n & 15];

	if (high8)
		return (v >> 8) & 0xFF;
	return v & emu_size_mask(size);
}

void emu_gpr_write(struct emu *e, int n, unsigned int size, bool high8, uint64_t v)
{
	uint64_t *r = &e->gpr[n & 15];

	/*
	 * 8- and 16-bit writes merge; a 32-bit write zero-extends to 64 bits
	 * (SDM Vol.1 3.4.1.1), which is also what the upper half holds after
	 * it outside 64-bit mode, where it is not visible.
	 */
	if (high8)
		*r = (*r & ~0xFF00ull) | ((v & 0xFF) << 8);
	else if (size == 1)
		*r = (*r & ~0xFFull) | (v & 0xFF);
	else if (size == 2)
		*r = (*r & ~0xFFFFull) | (v & 0xFFFF);
	else if (size == 4)
		*r = v & 0xFFFFFFFFull;
	else
		*r = v;
	e->dirty |= EMU_R_GPR(n & 15);
}

void emu_set_flags(struct emu *e, uint64_t mask, uint64_t v)
{
	e->rflags = (e->rflags & ~mask) | (v & mask);
	e->dirty |= EMU_R_FLAGS;
}

WHV_UINT128 emu_xmm_read(const struct emu *e, int idx)
{
	return e->xmm[idx & 15];
}

void emu_xmm_write(struct emu *e, int idx, WHV_UINT128 v)
{
	e->xmm[idx & 15] = v;
	e->dirty_xmm = (uint16_t)(e->dirty_xmm | (1u << (idx & 15)));
}

/* ---- segments and linear addresses ---- */

/*
 * Linear address of offset (ea) in segment (s) for (size) bytes, with the
 * protected-mode checks (SDM Vol.3 5.3, 5.4.1) outside 64-bit mode: a
 * present segment, readable or writable as needed, offset within the limit
 * (expand-down: above it). A failed check is a #GP/#SS we cannot deliver.
 */
static int seg_linear(struct emu *e, int s, uint64_t ea, unsigned int size, bool write,
		      uint64_t *la)
{
	const WHV_X64_SEGMENT_REGISTER *sr;
	uint64_t last = ea + size - 1;

	if (s < 0 || s >= SEG_COUNT)
		return EMU_E_UNSUPPORTED;
	sr = &e->seg[s];
	/* Every segment that matters here was loaded by emu_load_needed. */
	if ((e->bits != 64 || s == SEG_FS || s == SEG_GS) && !(e->have & EMU_R_SEG(s)))
		return EMU_E_UNSUPPORTED;
	if (e->bits == 64) {
		*la = (s == SEG_FS || s == SEG_GS) ? sr->Base + ea : ea;
		return 0;
	}
	if (e->vp->ExecutionState.Cr0Pe && !(e->rflags & RFLAGS_VM)) {
		unsigned int type = sr->SegmentType;

		if (!sr->Present || !sr->NonSystemSegment)
			return EMU_E_FAULT;
		if (type & 8) {
			/* code: never writable, readable only with the R bit */
			if (write || !(type & 2))
				return EMU_E_FAULT;
		} else if (write && !(type & 2)) {
			return EMU_E_FAULT;
		}
		if (!(type & 8) && (type & 4)) {
			uint64_t upper = sr->Default ? 0xFFFFFFFFull : 0xFFFFull;

			if (ea <= sr->Limit || last > upper)
				return EMU_E_FAULT;
			*la = (sr->Base + ea) & 0xFFFFFFFFull;
			return 0;
		}
	}
	if (last > sr->Limit)
		return EMU_E_FAULT;
	*la = (sr->Base + ea) & 0xFFFFFFFFull;
	return 0;
}

/* Value of a register used in an address: a GPR at its width, or RIP/EIP (the next instruction). */
static int addr_reg(const struct emu *e, ZydisRegister r, uint64_t *v)
{
	unsigned int size;
	bool high8;
	int n;

	if (r == ZYDIS_REGISTER_NONE) {
		*v = 0;
		return 0;
	}
	if (r == ZYDIS_REGISTER_RIP || r == ZYDIS_REGISTER_EIP) {
		*v = e->new_rip;
		return 0;
	}
	if (!emu_reg_decode(r, &n, &size, &high8) || high8 || !(e->have & EMU_R_GPR(n)))
		return EMU_E_UNSUPPORTED;
	*v = emu_gpr_read(e, n, size, false);
	return 0;
}

int emu_mem_linear(struct emu *e, const ZydisDecodedOperand *op, int64_t adjust, unsigned int size,
		   bool write, uint64_t *la)
{
	uint64_t base, index, ea;
	int rc;

	if (op->type != ZYDIS_OPERAND_TYPE_MEMORY || op->mem.type != ZYDIS_MEMOP_TYPE_MEM)
		return EMU_E_UNSUPPORTED;
	rc = addr_reg(e, op->mem.base, &base);
	if (rc)
		return rc;
	rc = addr_reg(e, op->mem.index, &index);
	if (rc)
		return rc;
	/* SDM Vol.1 3.7.5: base + index * scale + displacement, at the address size. */
	ea = base + index * (op->mem.scale ? op->mem.scale : 1);
	if (op->mem.disp.has_displacement)
		ea += (uint64_t)op->mem.disp.value;
	ea = (ea + (uint64_t)adjust) & emu_addr_mask(e);
	if (op->mem.segment < ZYDIS_REGISTER_ES || op->mem.segment > ZYDIS_REGISTER_GS)
		return EMU_E_UNSUPPORTED;
	return seg_linear(e, (int)(op->mem.segment - ZYDIS_REGISTER_ES), ea, size, write, la);
}

int emu_string_linear(struct emu *e, int seg, uint64_t off, unsigned int size, bool write,
		      uint64_t *la)
{
	return seg_linear(e, seg, off, size, write, la);
}

/* ---- I/O ---- */

int emu_io(struct emu *e, bool write, uint16_t port, unsigned int size, uint32_t *data)
{
	WHV_EMULATOR_IO_ACCESS_INFO io;
	uint32_t mask = size >= 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
	HRESULT hr;

	memset(&io, 0, sizeof(io));
	io.Direction = write ? 1 : 0;
	io.Port = port;
	io.AccessSize = (UINT16)size;
	io.Data = write ? (*data & mask) : 0;
	hr = e->em->cb.WHvEmulatorIoPortCallback(e->ctx, &io);
	if (FAILED(hr))
		return cb_failed(e, 0);
	if (!write)
		*data = io.Data & mask;
	return 0;
}

/* ---- the end of a call ---- */

int emu_commit(struct emu *e)
{
	WHV_REGISTER_NAME names[16 + 2 + 16];
	WHV_REGISTER_VALUE vals[16 + 2 + 16];
	unsigned int i, k = 0;
	HRESULT hr;

	for (i = 0; i < 16; i++) {
		if (e->dirty & EMU_R_GPR(i)) {
			names[k] = (WHV_REGISTER_NAME)(WHvX64RegisterRax + i);
			memset(&vals[k], 0, sizeof(vals[k]));
			vals[k++].Reg64 = e->gpr[i];
		}
	}
	names[k] = WHvX64RegisterRip;
	memset(&vals[k], 0, sizeof(vals[k]));
	vals[k++].Reg64 = e->new_rip;
	if ((e->dirty & EMU_R_FLAGS) || ((e->have & EMU_R_FLAGS) && (e->rflags & EMU_RF))) {
		names[k] = WHvX64RegisterRflags;
		memset(&vals[k], 0, sizeof(vals[k]));
		vals[k++].Reg64 = e->rflags & ~EMU_RF;
	}
	for (i = 0; i < 16; i++) {
		if (e->dirty_xmm & (1u << i)) {
			names[k] = (WHV_REGISTER_NAME)(WHvX64RegisterXmm0 + i);
			memset(&vals[k], 0, sizeof(vals[k]));
			vals[k++].Reg128 = e->xmm[i];
		}
	}
	hr = e->em->cb.WHvEmulatorSetVirtualProcessorRegisters(e->ctx, names, k, vals);
	if (FAILED(hr))
		return cb_failed(e, 4);
	return 0;
}

WHV_EMULATOR_STATUS emu_finish(struct emu *e, int rc)
{
	WHV_EMULATOR_STATUS st = e->status;

	if (rc == 0) {
		st.AsUINT32 = 0;
		st.EmulationSuccessful = 1;
		return st;
	}
	st.EmulationSuccessful = 0;
	/* No callback or translation bit says why: the emulator itself could not go on. */
	if ((st.AsUINT32 & ~1u) == 0)
		st.InternalEmulationFailure = 1;
	return st;
}
