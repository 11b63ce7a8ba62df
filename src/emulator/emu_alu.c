/* emu_alu.c: the emulator's integer arithmetic, RFLAGS as the CPU sets them (SDM Vol.1 A). */
#include "emu.h"

/* PF: set when the low byte of the result has an even number of one bits (SDM Vol.1 3.4.3.1). */
static uint64_t parity_flag(uint64_t r)
{
	unsigned int b = (unsigned int)(r & 0xFF);

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return (b & 1) ? 0 : EMU_PF;
}

/* ZF, SF, PF of a result of (size) bytes. */
static uint64_t szp(uint64_t r, unsigned int size)
{
	uint64_t f = parity_flag(r);

	if ((r & emu_size_mask(size)) == 0)
		f |= EMU_ZF;
	if ((r >> (size * 8 - 1)) & 1)
		f |= EMU_SF;
	return f;
}

uint64_t emu_alu(enum emu_alu_op op, unsigned int size, uint64_t a, uint64_t b, uint64_t flags,
		 uint64_t *out_flags)
{
	uint64_t m = emu_size_mask(size), r, f = 0, c = flags & EMU_CF ? 1 : 0;
	unsigned int sign = size * 8 - 1;
	bool cf = false, of = false;

	a &= m;
	b &= m;
	switch (op) {
	case ALU_ADD:
	case ALU_ADC:
		if (op == ALU_ADD)
			c = 0;
		r = (a + b + c) & m;
		/* carry out of the top bit: the full sum exceeds the mask */
		cf = r < a || (c && r == a);
		/* both inputs of one sign, result of the other */
		of = (((a ^ r) & (b ^ r)) >> sign) & 1;
		if ((a ^ b ^ r) & 0x10)
			f |= EMU_AF;
		break;
	case ALU_SUB:
	case ALU_CMP:
	case ALU_SBB:
		if (op != ALU_SBB)
			c = 0;
		r = (a - b - c) & m;
		/* borrow: b + c exceeds a */
		cf = a < b || (c && a == b);
		/* inputs of different signs, result's sign differs from a's */
		of = (((a ^ b) & (a ^ r)) >> sign) & 1;
		if ((a ^ b ^ r) & 0x10)
			f |= EMU_AF;
		break;
	case ALU_AND:
	case ALU_TEST: r = a & b; break;
	case ALU_OR: r = a | b; break;
	case ALU_XOR:
	default: r = a ^ b; break;
	}
	f |= szp(r, size);
	if (cf)
		f |= EMU_CF;
	if (of)
		f |= EMU_OF;
	*out_flags = f;
	return r;
}
