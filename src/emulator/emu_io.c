/* emu_io.c: semantics of IN, OUT, INS and OUTS for completing X64IoPortAccess exits. */
#include "emu.h"

/*
 * SDM Vol.2 "IN", "OUT", "INS", "OUTS", "REP". The port is the imm8 or DX;
 * the access is 1, 2 or 4 bytes (REX.W does not widen it). The I/O
 * permission checks (IOPL, TSS bitmap) have already been made by the
 * processor: they fault before the intercept (SDM Vol.3 26.1.1).
 */

/* INS and OUTS: elements between the port and ES:rDI / seg:rSI, REP-counted in rCX. */
static int io_string(struct emu *e, bool out, uint16_t port, unsigned int size)
{
	uint64_t amask = emu_addr_mask(e), count, done;
	unsigned int asize = e->in.address_width / 8;
	bool rep = emu_rep(e);
	int src = SEG_DS, rc = 0;

	/* OUTS reads DS:rSI unless a segment override names another; INS always writes ES:rDI. */
	for (unsigned int i = 0; i < e->in.operand_count && i < ZYDIS_MAX_OPERAND_COUNT; i++) {
		const ZydisDecodedOperand *op = &e->op[i];

		if (op->type == ZYDIS_OPERAND_TYPE_MEMORY && op->mem.segment >= ZYDIS_REGISTER_ES &&
		    op->mem.segment <= ZYDIS_REGISTER_GS)
			src = (int)(op->mem.segment - ZYDIS_REGISTER_ES);
	}
	count = rep ? (e->gpr[GPR_CX] & amask) : 1;
	for (done = 0; done < count && done < EMU_REP_MAX; done++) {
		uint8_t buf[4] = { 0 };
		uint32_t data = 0;
		uint64_t la;

		if (out) {
			rc = emu_string_linear(e, src, e->gpr[GPR_SI] & amask, size, false, &la);
			if (!rc)
				rc = emu_check_align(e, la, size);
			if (!rc)
				rc = emu_mem_read(e, la, buf, size);
			if (rc)
				break;
			for (unsigned int i = 0; i < size; i++)
				data |= (uint32_t)buf[i] << (8 * i);
			rc = emu_io(e, true, port, size, &data);
			if (rc)
				break;
			emu_string_step(e, GPR_SI, size);
		} else {
			/* Check and translate the destination before reading the port. */
			rc = emu_string_linear(e, SEG_ES, e->gpr[GPR_DI] & amask, size, true, &la);
			if (!rc)
				rc = emu_check_align(e, la, size);
			if (!rc)
				rc = emu_mem_prepare(e, la, size);
			if (!rc)
				rc = emu_io(e, false, port, size, &data);
			if (rc)
				break;
			for (unsigned int i = 0; i < size; i++)
				buf[i] = (uint8_t)(data >> (8 * i));
			rc = emu_mem_write(e, la, buf, size);
			if (rc)
				break;
			emu_string_step(e, GPR_DI, size);
		}
		if (rep)
			emu_gpr_write(e, GPR_CX, asize, false, (e->gpr[GPR_CX] - 1) & amask);
	}
	if (rc)
		return rc;
	if (rep && (e->gpr[GPR_CX] & amask) != 0)
		e->new_rip = e->vp->Rip;
	return 0;
}

int emu_exec_io(struct emu *e)
{
	uint8_t opc = e->in.opcode;
	unsigned int size;
	uint16_t port;
	uint32_t data;
	bool out;
	int rc;

	if (e->in.encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY ||
	    e->in.opcode_map != ZYDIS_OPCODE_MAP_DEFAULT)
		return EMU_E_UNSUPPORTED;
	switch (opc) {
	case 0xE4:
	case 0xE5:
	case 0xE6:
	case 0xE7: /* IN/OUT with imm8 */
	case 0xEC:
	case 0xED:
	case 0xEE:
	case 0xEF: /* IN/OUT with DX */
	case 0x6C:
	case 0x6D:
	case 0x6E:
	case 0x6F: /* INS/OUTS */ break;
	default: return EMU_E_UNSUPPORTED;
	}
	size = (opc & 1) ? e->in.operand_width / 8 : 1;
	if (size > 4)
		size = 4;
	if (size != 1 && size != 2 && size != 4)
		return EMU_E_UNSUPPORTED;
	out = opc == 0xE6 || opc == 0xE7 || opc == 0xEE || opc == 0xEF || opc == 0x6E ||
	      opc == 0x6F;
	if (opc == 0xE4 || opc == 0xE5 || opc == 0xE6 || opc == 0xE7) {
		const ZydisDecodedOperand *imm = NULL;

		for (unsigned int i = 0; i < e->in.operand_count && i < ZYDIS_MAX_OPERAND_COUNT;
		     i++)
			if (e->op[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
				imm = &e->op[i];
		if (!imm)
			return EMU_E_UNSUPPORTED;
		port = (uint16_t)(imm->imm.value.u & 0xFF);
	} else {
		if (!(e->have & EMU_R_GPR(GPR_DX)))
			return EMU_E_UNSUPPORTED;
		port = (uint16_t)emu_gpr_read(e, GPR_DX, 2, false);
	}
	if (opc >= 0x6C && opc <= 0x6F)
		return io_string(e, out, port, size);
	if (out) {
		data = (uint32_t)emu_gpr_read(e, GPR_AX, size, false);
		return emu_io(e, true, port, size, &data);
	}
	rc = emu_io(e, false, port, size, &data);
	if (rc)
		return rc;
	/* IN EAX zero-extends into RAX; IN AL/AX merge (emu_gpr_write). */
	emu_gpr_write(e, GPR_AX, size, false, data);
	return 0;
}
