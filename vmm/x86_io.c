/* x86_io.c: decoding and register arithmetic for port-I/O instruction completion. */
#include "x86_io.h"

enum x86_cpu_mode x86_io_mode(bool lma, bool l, bool d)
{
	if (lma && l)
		return X86_MODE_64;
	return d ? X86_MODE_32 : X86_MODE_16;
}

int x86_io_prefixes(const uint8_t *bytes, unsigned int count, enum x86_cpu_mode mode,
		    struct x86_io_prefixes *p)
{
	unsigned int i;

	p->length = 0;
	p->seg = -1;
	p->addr_size = p->op_size = p->rep = false;
	/* Intel SDM vol. 2A, 2.1.1 "Instruction Prefixes". */
	for (i = 0; i < count; i++) {
		switch (bytes[i]) {
		case 0x26: p->seg = X86_SEG_ES; break;
		case 0x2e: p->seg = X86_SEG_CS; break;
		case 0x36: p->seg = X86_SEG_SS; break;
		case 0x3e: p->seg = X86_SEG_DS; break;
		case 0x64: p->seg = X86_SEG_FS; break;
		case 0x65: p->seg = X86_SEG_GS; break;
		case 0x66: p->op_size = true; break;
		case 0x67: p->addr_size = true; break;
		case 0xf0: break; /* LOCK (would #UD) */
		case 0xf2:
		case 0xf3: p->rep = true; break;
		default:
			/* REX (40-4F) is a prefix only in 64-bit mode, and last. */
			if (mode == X86_MODE_64 && (bytes[i] & 0xf0) == 0x40) {
				if (i + 1 >= count)
					return -1;
				p->length = i + 1;
				return 0;
			}
			p->length = i;
			return 0;
		}
	}
	return -1;
}

unsigned int x86_io_address_size(enum x86_cpu_mode mode, bool addr_prefix)
{
	switch (mode) {
	case X86_MODE_64: return addr_prefix ? 4 : 8;
	case X86_MODE_32: return addr_prefix ? 2 : 4;
	default: return addr_prefix ? 4 : 2;
	}
}

unsigned int x86_io_insn_length(const uint8_t *bytes, unsigned int count, enum x86_cpu_mode mode)
{
	struct x86_io_prefixes p;
	unsigned int len = 0;
	uint8_t op;

	if (x86_io_prefixes(bytes, count, mode, &p))
		return 0;
	op = bytes[p.length];
	if (op >= 0xe4 && op <= 0xe7) /* IN/OUT with imm8 port */
		len = p.length + 2 <= count ? p.length + 2 : 0;
	else if ((op >= 0xec && op <= 0xef) || (op >= 0x6c && op <= 0x6f))
		len = p.length + 1; /* DX port, INS, OUTS */
	/* No instruction is longer than 15 bytes (SDM vol. 2A, 2.3.11): the CPU faults first. */
	return len <= 15 ? len : 0;
}

uint64_t x86_io_reg_value(uint64_t reg, unsigned int asize)
{
	if (asize == 2)
		return reg & 0xffff;
	if (asize == 4)
		return reg & 0xffffffffull;
	return reg;
}

uint64_t x86_io_reg_add(uint64_t reg, int64_t delta, unsigned int asize)
{
	uint64_t sum = reg + (uint64_t)delta; /* modular, no overflow UB */

	if (asize == 2)
		return (reg & ~0xffffull) | (sum & 0xffff);
	if (asize == 4)
		return sum & 0xffffffffull;
	return sum;
}

uint64_t x86_io_merge_in(uint64_t rax, uint32_t data, unsigned int size, enum x86_cpu_mode mode)
{
	switch (size) {
	case 1: return (rax & ~0xffull) | (data & 0xff);
	case 2: return (rax & ~0xffffull) | (data & 0xffff);
	default:
		if (mode == X86_MODE_64)
			return data;
		return (rax & ~0xffffffffull) | data;
	}
}
