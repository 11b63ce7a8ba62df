/* x86_io.h: pure helpers for completing IN/OUT/INS/OUTS exits (decoding, arithmetic). */
#ifndef VMM_X86_IO_H
#define VMM_X86_IO_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A WHP I/O exit reports the access (port, size, direction, string/REP) but
 * the VMM completes the instruction: it must know the address size (which
 * of SI/ESI/RSI, CX/ECX/RCX to use), any segment override of OUTS, and the
 * instruction length when the hypervisor gives none. These helpers work
 * only on the instruction bytes and mode bits, so they are unit-tested
 * without a hypervisor.
 */

/* Segment register numbers in x86 encoding order (ES, CS, SS, DS, FS, GS). */
enum x86_seg {
	X86_SEG_ES,
	X86_SEG_CS,
	X86_SEG_SS,
	X86_SEG_DS,
	X86_SEG_FS,
	X86_SEG_GS
};

/* Code-segment execution mode (Intel SDM vol. 3A, 5.2.1 and 3.4.5). */
enum x86_cpu_mode {
	X86_MODE_16, /* real mode, or protected mode with CS.D = 0 */
	X86_MODE_32, /* protected mode (or compatibility mode) with CS.D = 1 */
	X86_MODE_64, /* 64-bit mode: EFER.LMA and CS.L */
};

struct x86_io_prefixes {
	unsigned int length; /* bytes of prefixes (legacy and REX) */
	int seg;	     /* enum x86_seg of the last override, or -1 */
	bool addr_size;	     /* 0x67 present */
	bool op_size;	     /* 0x66 present */
	bool rep;	     /* 0xF3 or 0xF2 present */
};

/*
 * x86_io_mode: the execution mode from EFER.LMA (lma), CS.L (l) and
 * CS.D (d).
 */
enum x86_cpu_mode x86_io_mode(bool lma, bool l, bool d);

/*
 * x86_io_prefixes: scan the legacy prefixes (and, in 64-bit mode, a REX
 * prefix) at the start of (bytes, count) into (p). Returns 0, or -1 when the
 * bytes are all prefixes (no opcode within count).
 */
int x86_io_prefixes(const uint8_t *bytes, unsigned int count, enum x86_cpu_mode mode,
		    struct x86_io_prefixes *p);

/*
 * x86_io_address_size: 2, 4 or 8, the address size of a string instruction
 * in (mode) with or without an address-size prefix (Intel SDM vol. 1,
 * 3.6.1 and table 3-4).
 */
unsigned int x86_io_address_size(enum x86_cpu_mode mode, bool addr_prefix);

/*
 * x86_io_insn_length: the length of the IN/OUT/INS/OUTS instruction at the
 * start of (bytes, count): prefixes + 2 for IN/OUT imm8 (E4-E7), + 1 for the
 * DX forms (EC-EF) and the string forms (6C-6F). Returns 0 when the bytes
 * are not such an instruction, are cut short or would make it longer than
 * the 15 bytes an x86 instruction can have.
 */
unsigned int x86_io_insn_length(const uint8_t *bytes, unsigned int count, enum x86_cpu_mode mode);

/*
 * x86_io_reg_add: (reg) + (delta) as the CPU updates an index or count
 * register with address size (asize): for 2 only the low 16 bits change
 * (bits 63:16 are kept); for 4 the result is the low 32 bits, zero-extended
 * (what 64-bit mode does to a 32-bit register, and invisible elsewhere);
 * for 8 all 64 bits wrap.
 */
uint64_t x86_io_reg_add(uint64_t reg, int64_t delta, unsigned int asize);

/* x86_io_reg_value: (reg) truncated to (asize) bytes. */
uint64_t x86_io_reg_value(uint64_t reg, unsigned int asize);

/*
 * x86_io_merge_in: the value of RAX after IN of (size) bytes producing
 * (data): the low size*8 bits replaced; for size 4 the upper half is
 * cleared in 64-bit mode (a 32-bit destination is zero-extended) and kept
 * otherwise (bits 63:32 do not exist outside 64-bit mode, WHP still keeps
 * them).
 */
uint64_t x86_io_merge_in(uint64_t rax, uint32_t data, unsigned int size, enum x86_cpu_mode mode);

#endif /* VMM_X86_IO_H */
