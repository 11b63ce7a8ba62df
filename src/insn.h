/* insn.h: x86 instruction decoding for exit contexts (Zydis underneath). */
#ifndef OPENWHP_INSN_H
#define OPENWHP_INSN_H

#include <stdbool.h>
#include <stdint.h>

/* What the run loop needs to know about one decoded instruction. */
struct insn {
	uint8_t len;	   /* 1..15 */
	uint8_t addr_size; /* address size in bytes: 2, 4 or 8 */
	uint8_t op_size;   /* operand size in bytes of the main operand */
	bool is_in;	   /* IN / INS */
	bool is_out;	   /* OUT / OUTS */
	bool is_string;	   /* INS, OUTS, MOVS, STOS, LODS, CMPS, SCAS */
	bool rep;	   /* REP/REPE/REPNE prefix on a string instruction */
	bool port_imm;	   /* I/O port given as imm8 */
	uint8_t port_imm8;
	bool mem_write;	     /* writes a memory operand */
	bool mem_read;	     /* reads a memory operand */
	uint8_t mem_size;    /* size of that memory operand in bytes */
	bool touches_vector; /* has an XMM/YMM/MMX/x87 register operand */
	bool is_hlt;
	bool plain_load; /* MOV/MOVZX/MOVSX(D) from memory into a general register */
};

/*
 * insn_decode: decode the instruction at (bytes) (up to (n) bytes available)
 * for a CPU in (mode_bits) = 16, 32 or 64. Returns 0 or -EINVAL when the
 * bytes are not one valid instruction.
 */
int insn_decode(const uint8_t *bytes, uint32_t n, int mode_bits, struct insn *out);

/*
 * insn_mem_linear: the linear address of the first explicit memory operand
 * of the instruction at (bytes), with the general registers (gpr, in x86
 * encoding order RAX..R15), the address of the next instruction (next_ip, for
 * RIP-relative forms) and the segment bases (seg_base, ES CS SS DS FS GS).
 * Returns 0, or -EINVAL when there is no such operand.
 */
int insn_mem_linear(const uint8_t *bytes, uint32_t n, int mode_bits, const uint64_t gpr[16],
		    uint64_t next_ip, const uint64_t seg_base[6], uint64_t *linear);

#endif
