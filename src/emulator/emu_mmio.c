/* emu_mmio.c: semantics of the instructions the emulator completes after a MemoryAccess exit. */
#include <string.h>

#include "emu.h"

/*
 * Supported (docs/emulator.md has the table): MOV (r/m, r, imm, moffs),
 * MOVZX, MOVSX, MOVSXD, ADD, ADC, SUB, SBB, AND, OR, XOR, CMP, TEST, XCHG,
 * BT, BTS, BTR, BTC, CMPXCHG, MOVS, STOS, LODS (REP too), and the SSE moves
 * MOVD, MOVQ, MOVDQA, MOVDQU, MOVAPS, MOVUPS, MOVAPD, MOVUPD. Each needs a
 * memory operand: an instruction without one cannot have caused the exit.
 * Anything else returns EMU_E_UNSUPPORTED (InternalEmulationFailure).
 */

/* Where an operand lives. */
enum loc_kind {
	LOC_REG,
	LOC_MEM,
	LOC_IMM
};

struct loc {
	enum loc_kind kind;
	unsigned int size; /* bytes */
	int reg;	   /* LOC_REG: GPR number */
	bool high8;
	uint64_t la;  /* LOC_MEM: linear address */
	uint64_t imm; /* LOC_IMM: value, sign-extended by the decoder */
};

/* Resolve operand (op) of the instruction; memory operands are checked for (write). */
static int loc_of(struct emu *e, const ZydisDecodedOperand *op, bool write, struct loc *l)
{
	unsigned int size;
	int rc;

	memset(l, 0, sizeof(*l));
	switch (op->type) {
	case ZYDIS_OPERAND_TYPE_REGISTER:
		if (!emu_reg_decode(op->reg.value, &l->reg, &size, &l->high8))
			return EMU_E_UNSUPPORTED; /* segment, control, vector... */
		l->kind = LOC_REG;
		l->size = size;
		return 0;
	case ZYDIS_OPERAND_TYPE_MEMORY:
		l->kind = LOC_MEM;
		l->size = op->size / 8;
		if (l->size == 0 || l->size > 8)
			return EMU_E_UNSUPPORTED;
		rc = emu_mem_linear(e, op, 0, l->size, write, &l->la);
		if (rc)
			return rc;
		return emu_check_align(e, l->la, l->size);
	case ZYDIS_OPERAND_TYPE_IMMEDIATE:
		l->kind = LOC_IMM;
		l->size = op->size / 8;
		l->imm = op->imm.value.u;
		return 0;
	default: return EMU_E_UNSUPPORTED;
	}
}

static int loc_read(struct emu *e, const struct loc *l, uint64_t *v)
{
	uint8_t buf[8] = { 0 };
	int rc;

	switch (l->kind) {
	case LOC_REG: *v = emu_gpr_read(e, l->reg, l->size, l->high8); return 0;
	case LOC_IMM: *v = l->imm; return 0;
	case LOC_MEM:
	default:
		rc = emu_mem_read(e, l->la, buf, l->size);
		if (rc)
			return rc;
		*v = 0;
		for (unsigned int i = 0; i < l->size; i++)
			*v |= (uint64_t)buf[i] << (8 * i);
		return 0;
	}
}

static int loc_write(struct emu *e, const struct loc *l, uint64_t v)
{
	uint8_t buf[8];

	if (l->kind == LOC_REG) {
		emu_gpr_write(e, l->reg, l->size, l->high8, v);
		return 0;
	}
	if (l->kind != LOC_MEM)
		return EMU_E_UNSUPPORTED;
	for (unsigned int i = 0; i < l->size; i++)
		buf[i] = (uint8_t)(v >> (8 * i));
	return emu_mem_write(e, l->la, buf, l->size);
}

/* The two visible operands, exactly one of them in memory. */
static int two_operands(struct emu *e, bool dst_write, struct loc *dst, struct loc *src)
{
	int rc;

	if (e->in.operand_count_visible != 2)
		return EMU_E_UNSUPPORTED;
	rc = loc_of(e, &e->op[0], dst_write, dst);
	if (rc)
		return rc;
	rc = loc_of(e, &e->op[1], false, src);
	if (rc)
		return rc;
	if ((dst->kind == LOC_MEM) == (src->kind == LOC_MEM))
		return EMU_E_UNSUPPORTED;
	return 0;
}

/* MOV r/m,r; MOV r,r/m; MOV r/m,imm; MOV moffs forms (SDM Vol.2 "MOV"). */
static int mmio_mov(struct emu *e)
{
	struct loc d, s;
	uint64_t v;
	int rc;

	rc = two_operands(e, true, &d, &s);
	if (!rc)
		rc = loc_read(e, &s, &v);
	if (!rc)
		rc = loc_write(e, &d, v & emu_size_mask(d.size));
	return rc;
}

/* MOVZX, MOVSX, MOVSXD: a narrower source extended into a register. */
static int mmio_movx(struct emu *e)
{
	struct loc d, s;
	uint64_t v;
	int rc;

	rc = two_operands(e, true, &d, &s);
	if (rc)
		return rc;
	if (d.kind != LOC_REG)
		return EMU_E_UNSUPPORTED;
	rc = loc_read(e, &s, &v);
	if (rc)
		return rc;
	if (e->in.mnemonic != ZYDIS_MNEMONIC_MOVZX)
		v = emu_sign_extend(v, s.size);
	return loc_write(e, &d, v & emu_size_mask(d.size));
}

/* ADD ADC SUB SBB AND OR XOR CMP TEST, memory as either operand. */
static int mmio_alu(struct emu *e, enum emu_alu_op op)
{
	bool writes = op != ALU_CMP && op != ALU_TEST;
	struct loc d, s;
	uint64_t a, b, r, f;
	int rc;

	rc = two_operands(e, writes, &d, &s);
	if (rc)
		return rc;
	if (d.kind == LOC_MEM && writes) {
		rc = emu_mem_prepare(e, d.la, d.size);
		if (rc)
			return rc;
	}
	rc = loc_read(e, &d, &a);
	if (!rc)
		rc = loc_read(e, &s, &b);
	if (rc)
		return rc;
	r = emu_alu(op, d.size, a, b, e->rflags, &f);
	if (writes) {
		rc = loc_write(e, &d, r);
		if (rc)
			return rc;
	}
	emu_set_flags(e, EMU_ARITH_FLAGS, f);
	return 0;
}

/* XCHG r/m, r: swap a register with memory (SDM Vol.2 "XCHG"). */
static int mmio_xchg(struct emu *e)
{
	struct loc a, b;
	const struct loc *m, *r;
	uint64_t mv, rv;
	int rc;

	if (e->in.operand_count_visible != 2)
		return EMU_E_UNSUPPORTED;
	rc = loc_of(e, &e->op[0], true, &a);
	if (!rc)
		rc = loc_of(e, &e->op[1], true, &b);
	if (rc)
		return rc;
	if ((a.kind == LOC_MEM) == (b.kind == LOC_MEM) || a.kind == LOC_IMM || b.kind == LOC_IMM)
		return EMU_E_UNSUPPORTED;
	m = a.kind == LOC_MEM ? &a : &b;
	r = a.kind == LOC_MEM ? &b : &a;
	rc = emu_mem_prepare(e, m->la, m->size);
	if (!rc)
		rc = loc_read(e, m, &mv);
	if (!rc)
		rc = loc_read(e, r, &rv);
	if (!rc)
		rc = loc_write(e, m, rv);
	if (!rc)
		rc = loc_write(e, r, mv);
	return rc;
}

/*
 * BT BTS BTR BTC with a memory bit base (SDM Vol.2 "BT"): a register bit
 * offset is signed and selects the operand-sized unit at
 * EA + size * floor(offset / bits); an immediate offset is taken modulo the
 * operand size. CF gets the bit; the other flags are left as they were
 * (they are undefined in the SDM; processors leave them unchanged).
 */
static int mmio_bt(struct emu *e)
{
	const ZydisDecodedOperand *base = &e->op[0], *off = &e->op[1];
	ZydisMnemonic mn = e->in.mnemonic;
	unsigned int size = base->size / 8, bits, shift, bit;
	bool writes = mn != ZYDIS_MNEMONIC_BT;
	int64_t adjust = 0;
	uint64_t la, v;
	int rc;

	if (e->in.operand_count_visible != 2 || base->type != ZYDIS_OPERAND_TYPE_MEMORY)
		return EMU_E_UNSUPPORTED;
	if (size != 2 && size != 4 && size != 8)
		return EMU_E_UNSUPPORTED;
	bits = size * 8;
	shift = size == 2 ? 4 : size == 4 ? 5 : 6;
	if (off->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
		bit = (unsigned int)(off->imm.value.u & (bits - 1));
	} else {
		struct loc r;

		rc = loc_of(e, off, false, &r);
		if (rc)
			return rc;
		if (r.kind != LOC_REG)
			return EMU_E_UNSUPPORTED;
		int64_t o = (int64_t)emu_sign_extend(emu_gpr_read(e, r.reg, r.size, false), r.size);

		/* arithmetic shift: floor division, also for negative offsets */
		adjust = (o >> shift) * (int64_t)size;
		bit = (unsigned int)((uint64_t)o & (bits - 1));
	}
	rc = emu_mem_linear(e, base, adjust, size, writes, &la);
	if (!rc)
		rc = emu_check_align(e, la, size);
	if (!rc && writes)
		rc = emu_mem_prepare(e, la, size);
	if (rc)
		return rc;
	{
		struct loc m = { .kind = LOC_MEM, .size = size, .la = la };
		uint64_t old;

		rc = loc_read(e, &m, &v);
		if (rc)
			return rc;
		old = v;
		if (mn == ZYDIS_MNEMONIC_BTS)
			v |= 1ull << bit;
		else if (mn == ZYDIS_MNEMONIC_BTR)
			v &= ~(1ull << bit);
		else if (mn == ZYDIS_MNEMONIC_BTC)
			v ^= 1ull << bit;
		if (writes) {
			rc = loc_write(e, &m, v);
			if (rc)
				return rc;
		}
		emu_set_flags(e, EMU_CF, (old >> bit) & 1 ? EMU_CF : 0);
	}
	return 0;
}

/*
 * CMPXCHG r/m, r (SDM Vol.2 "CMPXCHG"): flags of CMP accumulator, dest; equal
 * stores the source, different loads the accumulator (a 32-bit load
 * zero-extends RAX; on equal RAX is not written). The CPU also writes the
 * old value back on a mismatch (a locked cycle); to a device that would be a
 * second, spurious register write, so that write is not repeated here.
 */
static int mmio_cmpxchg(struct emu *e)
{
	struct loc d, s;
	uint64_t acc, t, f;
	unsigned int size;
	int rc;

	rc = two_operands(e, true, &d, &s);
	if (rc)
		return rc;
	if (d.kind != LOC_MEM || s.kind != LOC_REG)
		return EMU_E_UNSUPPORTED;
	size = d.size;
	rc = emu_mem_prepare(e, d.la, size);
	if (!rc)
		rc = loc_read(e, &d, &t);
	if (rc)
		return rc;
	acc = emu_gpr_read(e, GPR_AX, size, false);
	emu_alu(ALU_CMP, size, acc, t, e->rflags, &f);
	if (acc == t) {
		uint64_t sv;

		rc = loc_read(e, &s, &sv);
		if (!rc)
			rc = loc_write(e, &d, sv);
		if (rc)
			return rc;
	} else {
		emu_gpr_write(e, GPR_AX, size, false, t);
	}
	emu_set_flags(e, EMU_ARITH_FLAGS, f);
	return 0;
}

/*
 * The SSE moves between an XMM register and memory (legacy SSE encodings):
 * MOVAPS MOVAPD MOVDQA (16 bytes, 16-aligned or #GP), MOVUPS MOVUPD MOVDQU
 * (16 bytes), MOVD/MOVQ (4/8 bytes; a load zeroes the rest of the register).
 */
static int mmio_sse(struct emu *e)
{
	const ZydisDecodedOperand *o0 = &e->op[0], *o1 = &e->op[1], *mem, *reg;
	ZydisMnemonic mn = e->in.mnemonic;
	bool store, aligned;
	unsigned int size;
	uint8_t buf[16];
	WHV_UINT128 x;
	uint64_t la;
	int idx, rc;

	if (e->in.operand_count_visible != 2)
		return EMU_E_UNSUPPORTED;
	store = o0->type == ZYDIS_OPERAND_TYPE_MEMORY;
	mem = store ? o0 : o1;
	reg = store ? o1 : o0;
	if (mem->type != ZYDIS_OPERAND_TYPE_MEMORY || reg->type != ZYDIS_OPERAND_TYPE_REGISTER ||
	    reg->reg.value < ZYDIS_REGISTER_XMM0 || reg->reg.value > ZYDIS_REGISTER_XMM15)
		return EMU_E_UNSUPPORTED; /* MMX forms, or no memory operand */
	idx = (int)(reg->reg.value - ZYDIS_REGISTER_XMM0);
	if (e->bits != 64 && idx > 7)
		return EMU_E_UNSUPPORTED;
	size = mem->size / 8;
	aligned = mn == ZYDIS_MNEMONIC_MOVAPS || mn == ZYDIS_MNEMONIC_MOVAPD ||
		  mn == ZYDIS_MNEMONIC_MOVDQA;
	if (mn == ZYDIS_MNEMONIC_MOVD || mn == ZYDIS_MNEMONIC_MOVQ) {
		if (size != 4 && size != 8)
			return EMU_E_UNSUPPORTED;
	} else if (size != 16) {
		return EMU_E_UNSUPPORTED;
	}
	rc = emu_mem_linear(e, mem, 0, size, store, &la);
	if (rc)
		return rc;
	/* MOVAPS and friends: #GP on a misaligned operand (SDM Vol.2 "MOVAPS"). */
	if (aligned && (la & 15))
		return EMU_E_FAULT;
	if (size < 16) {
		rc = emu_check_align(e, la, size);
		if (rc)
			return rc;
	}
	if (store) {
		x = emu_xmm_read(e, idx);
		memcpy(buf, &x.Low64, 8);
		memcpy(buf + 8, &x.High64, 8);
		return emu_mem_write(e, la, buf, size);
	}
	memset(buf, 0, sizeof(buf));
	rc = emu_mem_read(e, la, buf, size);
	if (rc)
		return rc;
	memset(&x, 0, sizeof(x));
	memcpy(&x.Low64, buf, 8);
	memcpy(&x.High64, buf + 8, 8);
	emu_xmm_write(e, idx, x);
	return 0;
}

unsigned int emu_string_elem(const struct emu *e)
{
	uint8_t op = e->in.opcode;

	if (e->in.opcode_map != ZYDIS_OPCODE_MAP_DEFAULT ||
	    e->in.encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		return 0;
	if (!((op >= 0xA4 && op <= 0xA7) || (op >= 0xAA && op <= 0xAF) ||
	      (op >= 0x6C && op <= 0x6F)))
		return 0;
	if (!(op & 1))
		return 1;
	return e->in.operand_width / 8;
}

bool emu_rep(const struct emu *e)
{
	/* F2 and F3 both repeat the non-comparing string instructions. */
	return (e->in.attributes &
		(ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE | ZYDIS_ATTRIB_HAS_REPNE)) != 0;
}

void emu_string_step(struct emu *e, int n, unsigned int size)
{
	uint64_t m = emu_addr_mask(e), v = e->gpr[n] & m;

	v = (e->rflags & EMU_DF) ? v - size : v + size;
	emu_gpr_write(e, n, e->in.address_width / 8, false, v & m);
}

/* The segment of a string instruction's source (DS unless overridden), from the decoder. */
static int string_src_seg(const struct emu *e)
{
	for (unsigned int i = 0; i < e->in.operand_count && i < ZYDIS_MAX_OPERAND_COUNT; i++) {
		const ZydisDecodedOperand *op = &e->op[i];
		unsigned int size;
		bool high8;
		int n;

		if (op->type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    emu_reg_decode(op->mem.base, &n, &size, &high8) && n == GPR_SI &&
		    op->mem.segment >= ZYDIS_REGISTER_ES && op->mem.segment <= ZYDIS_REGISTER_GS)
			return (int)(op->mem.segment - ZYDIS_REGISTER_ES);
	}
	return SEG_DS;
}

/*
 * MOVS, STOS, LODS with or without REP (SDM Vol.2 "MOVS", "REP"): elements
 * of (elem) bytes from DS:rSI (overridable) and to ES:rDI (not), rSI/rDI
 * stepped by DF, rCX counted down, all at the address size. At most
 * EMU_REP_MAX elements per call.
 */
static int mmio_string(struct emu *e, unsigned int elem)
{
	uint8_t op = e->in.opcode & 0xFE;
	bool rep = emu_rep(e);
	uint64_t amask = emu_addr_mask(e), count, done;
	unsigned int asize = e->in.address_width / 8;
	int src = string_src_seg(e), rc = 0;

	if (op != 0xA4 && op != 0xAA && op != 0xAC)
		return EMU_E_UNSUPPORTED; /* CMPS, SCAS */
	if (elem != 1 && elem != 2 && elem != 4 && elem != 8)
		return EMU_E_UNSUPPORTED;
	e->hint = false; /* two addresses per element: the exit's GPA names only one */
	count = rep ? (e->gpr[GPR_CX] & amask) : 1;
	for (done = 0; done < count && done < EMU_REP_MAX; done++) {
		uint64_t v = 0, sla = 0, dla = 0;
		uint8_t buf[8] = { 0 };

		if (op != 0xAA) {
			rc = emu_string_linear(e, src, e->gpr[GPR_SI] & amask, elem, false, &sla);
			if (!rc)
				rc = emu_check_align(e, sla, elem);
		}
		if (!rc && op != 0xAC) {
			rc = emu_string_linear(e, SEG_ES, e->gpr[GPR_DI] & amask, elem, true, &dla);
			if (!rc)
				rc = emu_check_align(e, dla, elem);
		}
		if (rc)
			break;
		if (op == 0xAA) {
			v = emu_gpr_read(e, GPR_AX, elem, false);
			for (unsigned int i = 0; i < elem; i++)
				buf[i] = (uint8_t)(v >> (8 * i));
		} else {
			rc = emu_mem_read(e, sla, buf, elem);
			if (rc)
				break;
		}
		if (op == 0xAC) {
			for (unsigned int i = 0; i < elem; i++)
				v |= (uint64_t)buf[i] << (8 * i);
			emu_gpr_write(e, GPR_AX, elem, false, v);
		} else {
			rc = emu_mem_write(e, dla, buf, elem);
			if (rc)
				break;
		}
		if (op != 0xAA)
			emu_string_step(e, GPR_SI, elem);
		if (op != 0xAC)
			emu_string_step(e, GPR_DI, elem);
		if (rep)
			emu_gpr_write(e, GPR_CX, asize, false, (e->gpr[GPR_CX] - 1) & amask);
	}
	if (rc)
		return rc;
	/* Elements left (the per-call bound): RIP stays, the guest resumes the REP. */
	if (rep && (e->gpr[GPR_CX] & amask) != 0)
		e->new_rip = e->vp->Rip;
	return 0;
}

int emu_exec_mmio(struct emu *e)
{
	unsigned int elem;

	if (e->in.encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		return EMU_E_UNSUPPORTED; /* VEX/EVEX/XOP: AVX and later */
	elem = emu_string_elem(e);
	if (elem)
		return mmio_string(e, elem);
	switch (e->in.mnemonic) {
	case ZYDIS_MNEMONIC_MOV: return mmio_mov(e);
	case ZYDIS_MNEMONIC_MOVZX:
	case ZYDIS_MNEMONIC_MOVSX:
	case ZYDIS_MNEMONIC_MOVSXD: return mmio_movx(e);
	case ZYDIS_MNEMONIC_ADD: return mmio_alu(e, ALU_ADD);
	case ZYDIS_MNEMONIC_OR: return mmio_alu(e, ALU_OR);
	case ZYDIS_MNEMONIC_ADC: return mmio_alu(e, ALU_ADC);
	case ZYDIS_MNEMONIC_SBB: return mmio_alu(e, ALU_SBB);
	case ZYDIS_MNEMONIC_AND: return mmio_alu(e, ALU_AND);
	case ZYDIS_MNEMONIC_SUB: return mmio_alu(e, ALU_SUB);
	case ZYDIS_MNEMONIC_XOR: return mmio_alu(e, ALU_XOR);
	case ZYDIS_MNEMONIC_CMP: return mmio_alu(e, ALU_CMP);
	case ZYDIS_MNEMONIC_TEST: return mmio_alu(e, ALU_TEST);
	case ZYDIS_MNEMONIC_XCHG: return mmio_xchg(e);
	case ZYDIS_MNEMONIC_BT:
	case ZYDIS_MNEMONIC_BTS:
	case ZYDIS_MNEMONIC_BTR:
	case ZYDIS_MNEMONIC_BTC: return mmio_bt(e);
	case ZYDIS_MNEMONIC_CMPXCHG: return mmio_cmpxchg(e);
	case ZYDIS_MNEMONIC_MOVD:
	case ZYDIS_MNEMONIC_MOVQ:
	case ZYDIS_MNEMONIC_MOVDQA:
	case ZYDIS_MNEMONIC_MOVDQU:
	case ZYDIS_MNEMONIC_MOVAPS:
	case ZYDIS_MNEMONIC_MOVUPS:
	case ZYDIS_MNEMONIC_MOVAPD:
	case ZYDIS_MNEMONIC_MOVUPD: return mmio_sse(e);
	default: return EMU_E_UNSUPPORTED;
	}
}
