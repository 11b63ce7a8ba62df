/* insn.c: decodes the instruction behind an exit with Zydis (lengths, I/O forms, memory operands). */
#include <errno.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "insn.h"

static bool reg_is_vector(ZydisRegister r)
{
	ZydisRegisterClass c = ZydisRegisterGetClass(r);

	return c == ZYDIS_REGCLASS_X87 || c == ZYDIS_REGCLASS_MMX || c == ZYDIS_REGCLASS_XMM ||
	       c == ZYDIS_REGCLASS_YMM || c == ZYDIS_REGCLASS_ZMM;
}

int insn_decode(const uint8_t *bytes, uint32_t n, int mode_bits, struct insn *out)
{
	ZydisDecoder dec;
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisMachineMode mode;
	ZydisStackWidth sw;
	uint8_t i;

	memset(out, 0, sizeof(*out));
	switch (mode_bits) {
	case 16:
		mode = ZYDIS_MACHINE_MODE_LEGACY_16;
		sw = ZYDIS_STACK_WIDTH_16;
		break;
	case 32:
		mode = ZYDIS_MACHINE_MODE_LEGACY_32;
		sw = ZYDIS_STACK_WIDTH_32;
		break;
	default:
		mode = ZYDIS_MACHINE_MODE_LONG_64;
		sw = ZYDIS_STACK_WIDTH_64;
		break;
	}
	if (ZYAN_FAILED(ZydisDecoderInit(&dec, mode, sw)))
		return -EINVAL;
	if (ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, bytes, n, &in, ops)))
		return -EINVAL;
	out->len = in.length;
	out->addr_size = (uint8_t)(in.address_width / 8);
	out->op_size = (uint8_t)(in.operand_width / 8);
	switch (in.mnemonic) {
	case ZYDIS_MNEMONIC_IN: out->is_in = true; break;
	case ZYDIS_MNEMONIC_INSB:
	case ZYDIS_MNEMONIC_INSW:
	case ZYDIS_MNEMONIC_INSD: out->is_in = out->is_string = true; break;
	case ZYDIS_MNEMONIC_OUT: out->is_out = true; break;
	case ZYDIS_MNEMONIC_OUTSB:
	case ZYDIS_MNEMONIC_OUTSW:
	case ZYDIS_MNEMONIC_OUTSD: out->is_out = out->is_string = true; break;
	case ZYDIS_MNEMONIC_MOVSB:
	case ZYDIS_MNEMONIC_MOVSW:
	case ZYDIS_MNEMONIC_MOVSD:
	case ZYDIS_MNEMONIC_MOVSQ:
	case ZYDIS_MNEMONIC_STOSB:
	case ZYDIS_MNEMONIC_STOSW:
	case ZYDIS_MNEMONIC_STOSD:
	case ZYDIS_MNEMONIC_STOSQ:
	case ZYDIS_MNEMONIC_LODSB:
	case ZYDIS_MNEMONIC_LODSW:
	case ZYDIS_MNEMONIC_LODSD:
	case ZYDIS_MNEMONIC_LODSQ:
	case ZYDIS_MNEMONIC_CMPSB:
	case ZYDIS_MNEMONIC_CMPSW:
	case ZYDIS_MNEMONIC_CMPSD:
	case ZYDIS_MNEMONIC_CMPSQ:
	case ZYDIS_MNEMONIC_SCASB:
	case ZYDIS_MNEMONIC_SCASW:
	case ZYDIS_MNEMONIC_SCASD:
	case ZYDIS_MNEMONIC_SCASQ:
		/* MOVSD/CMPSD also name SSE instructions: those have a vector operand. */
		out->is_string = true;
		break;
	case ZYDIS_MNEMONIC_HLT: out->is_hlt = true; break;
	default: break;
	}
	if (out->is_string || out->is_in || out->is_out)
		out->rep = (in.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE |
					     ZYDIS_ATTRIB_HAS_REPNE)) != 0;
	for (i = 0; i < in.operand_count; i++) {
		const ZydisDecodedOperand *op = &ops[i];

		if (op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE && (out->is_in || out->is_out) &&
		    !out->is_string) {
			out->port_imm = true;
			out->port_imm8 = (uint8_t)op->imm.value.u;
		} else if (op->type == ZYDIS_OPERAND_TYPE_MEMORY &&
			   op->visibility != ZYDIS_OPERAND_VISIBILITY_HIDDEN) {
			if (op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)
				out->mem_write = true;
			if (op->actions & ZYDIS_OPERAND_ACTION_MASK_READ)
				out->mem_read = true;
			out->mem_size = (uint8_t)(op->size / 8);
		} else if (op->type == ZYDIS_OPERAND_TYPE_MEMORY && out->is_string) {
			/* String instructions' memory operands are implicit (hidden). */
			if (op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)
				out->mem_write = true;
			if (op->actions & ZYDIS_OPERAND_ACTION_MASK_READ)
				out->mem_read = true;
			out->mem_size = (uint8_t)(op->size / 8);
		} else if (op->type == ZYDIS_OPERAND_TYPE_REGISTER &&
			   reg_is_vector(op->reg.value)) {
			out->touches_vector = true;
		}
	}
	if (out->touches_vector && out->is_string)
		out->is_string = false; /* SSE MOVSD/CMPSD, not the string forms */
	if ((in.mnemonic == ZYDIS_MNEMONIC_MOV || in.mnemonic == ZYDIS_MNEMONIC_MOVZX ||
	     in.mnemonic == ZYDIS_MNEMONIC_MOVSX || in.mnemonic == ZYDIS_MNEMONIC_MOVSXD) &&
	    in.operand_count_visible == 2 && ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
	    ops[1].type == ZYDIS_OPERAND_TYPE_MEMORY) {
		ZydisRegisterClass c = ZydisRegisterGetClass(ops[0].reg.value);

		out->plain_load = c == ZYDIS_REGCLASS_GPR8 || c == ZYDIS_REGCLASS_GPR16 ||
				  c == ZYDIS_REGCLASS_GPR32 || c == ZYDIS_REGCLASS_GPR64;
	}
	return 0;
}

static ZydisRegister gpr64[16] = {
	ZYDIS_REGISTER_RAX, ZYDIS_REGISTER_RCX, ZYDIS_REGISTER_RDX, ZYDIS_REGISTER_RBX,
	ZYDIS_REGISTER_RSP, ZYDIS_REGISTER_RBP, ZYDIS_REGISTER_RSI, ZYDIS_REGISTER_RDI,
	ZYDIS_REGISTER_R8,  ZYDIS_REGISTER_R9,	ZYDIS_REGISTER_R10, ZYDIS_REGISTER_R11,
	ZYDIS_REGISTER_R12, ZYDIS_REGISTER_R13, ZYDIS_REGISTER_R14, ZYDIS_REGISTER_R15,
};

/* The value of a general register of any width, from the 64-bit file. */
static uint64_t reg_value(ZydisRegister r, const uint64_t gpr[16], uint64_t next_ip)
{
	ZydisRegister full;
	ZyanU16 width;
	int i;

	if (r == ZYDIS_REGISTER_NONE)
		return 0;
	if (r == ZYDIS_REGISTER_RIP || r == ZYDIS_REGISTER_EIP || r == ZYDIS_REGISTER_IP)
		return next_ip;
	full = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
	width = ZydisRegisterGetWidth(ZYDIS_MACHINE_MODE_LONG_64, r);
	for (i = 0; i < 16; i++) {
		if (gpr64[i] != full)
			continue;
		if (r >= ZYDIS_REGISTER_AH && r <= ZYDIS_REGISTER_BH)
			return (gpr[i] >> 8) & 0xFF;
		return width >= 64 ? gpr[i] : gpr[i] & ((1ull << width) - 1);
	}
	return 0;
}

int insn_mem_linear(const uint8_t *bytes, uint32_t n, int mode_bits, const uint64_t gpr[16],
		    uint64_t next_ip, const uint64_t seg_base[6], uint64_t *linear)
{
	ZydisDecoder dec;
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	uint8_t i;

	if (ZYAN_FAILED(ZydisDecoderInit(&dec,
					 mode_bits == 16   ? ZYDIS_MACHINE_MODE_LEGACY_16
					 : mode_bits == 32 ? ZYDIS_MACHINE_MODE_LEGACY_32
							   : ZYDIS_MACHINE_MODE_LONG_64,
					 mode_bits == 16   ? ZYDIS_STACK_WIDTH_16
					 : mode_bits == 32 ? ZYDIS_STACK_WIDTH_32
							   : ZYDIS_STACK_WIDTH_64)) ||
	    ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, bytes, n, &in, ops)))
		return -EINVAL;
	for (i = 0; i < in.operand_count; i++) {
		const ZydisDecodedOperand *op = &ops[i];
		uint64_t ea, mask, base;
		int seg;

		if (op->type != ZYDIS_OPERAND_TYPE_MEMORY ||
		    op->visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN ||
		    op->mem.type != ZYDIS_MEMOP_TYPE_MEM)
			continue;
		/* SDM Vol.1 3.7.5: base + index * scale + displacement, at the address size. */
		ea = reg_value(op->mem.base, gpr, next_ip) +
		     reg_value(op->mem.index, gpr, next_ip) * (op->mem.scale ? op->mem.scale : 1);
		if (op->mem.disp.has_displacement)
			ea += (uint64_t)op->mem.disp.value;
		mask = in.address_width >= 64 ? ~0ull : (1ull << in.address_width) - 1;
		ea &= mask;
		seg = op->mem.segment - ZYDIS_REGISTER_ES;
		base = (seg >= 0 && seg < 6) ? seg_base[seg] : 0;
		/* In 64-bit mode only FS and GS have a base (SDM Vol.3 3.4.4). */
		if (mode_bits == 64 && seg != 4 && seg != 5)
			base = 0;
		*linear = mode_bits == 64 ? ea + base : (ea + base) & 0xFFFFFFFFull;
		return 0;
	}
	return -EINVAL;
}
