/* emu.h: internals of the WinHvEmulation instruction emulator, shared by src/emulator. */
#ifndef OPENWHP_EMU_H
#define OPENWHP_EMU_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <Zydis/Zydis.h>

#include "WinHvEmulation.h"

/*
 * One emulator (WHV_EMULATOR_HANDLE): the caller's callbacks and a Zydis
 * decoder per CPU mode, built once. Owned by the handle registry of
 * emu_api.c; (refs) counts the calls using it, so a destroy during a call
 * (from a callback, or another thread) frees it only when the call is done.
 */
/*
 * A VMM's MMIO and I/O exits come from a handful of instructions in loops:
 * the emulator keeps the last few decodes, keyed by CPU mode and the bytes
 * the decoder consumed (the decode depends on nothing else), so a repeated
 * exit costs a memcmp instead of a decode.
 */
#define EMU_DCACHE 4

struct emu_dcache_entry {
	uint8_t bits; /* 0: empty */
	uint8_t len;
	uint8_t bytes[15];
	ZydisDecodedInstruction in;
	ZydisDecodedOperand op[ZYDIS_MAX_OPERAND_COUNT];
};

/*
 * One emulator (WHV_EMULATOR_HANDLE): the caller's callbacks, a Zydis
 * decoder per CPU mode and the decode cache. Owned by the handle registry
 * of emu_api.c; (refs) counts the calls using it, so a destroy during a call
 * (from a callback, or another thread) frees it only when the call is done.
 * WHP allows one call at a time per emulator; (cache_busy) keeps a caller
 * that breaks that rule from tearing the cache (the second call decodes
 * without it).
 */
struct emulator {
	WHV_EMULATOR_CALLBACKS cb;
	ZydisDecoder dec16, dec32, dec64;
	unsigned int refs;
	bool dead;
	atomic_flag cache_busy;
	unsigned int cache_next;
	struct emu_dcache_entry cache[EMU_DCACHE];
};

/* Segment register indexes: x86 encoding order, the order of WHvX64RegisterEs.. too. */
enum {
	SEG_ES,
	SEG_CS,
	SEG_SS,
	SEG_DS,
	SEG_FS,
	SEG_GS,
	SEG_COUNT
};

/* Bits of the register cache masks (have, dirty, and what an instruction needs). */
#define EMU_R_GPR(i) (1u << (i))
#define EMU_R_GPRS   0xFFFFu
#define EMU_R_FLAGS  (1u << 16)
#define EMU_R_SEG(s) (1u << (17 + (s)))

/* RFLAGS bits (SDM Vol.1 3.4.3). */
#define EMU_CF		(1ull << 0)
#define EMU_PF		(1ull << 2)
#define EMU_AF		(1ull << 4)
#define EMU_ZF		(1ull << 6)
#define EMU_SF		(1ull << 7)
#define EMU_TF		(1ull << 8)
#define EMU_DF		(1ull << 10)
#define EMU_OF		(1ull << 11)
#define EMU_RF		(1ull << 16)
#define EMU_AC		(1ull << 18)
#define EMU_ARITH_FLAGS (EMU_CF | EMU_PF | EMU_AF | EMU_ZF | EMU_SF | EMU_OF)

/* GPR numbers (x86 encoding order = WHvX64RegisterRax + n). */
enum {
	GPR_AX,
	GPR_CX,
	GPR_DX,
	GPR_BX,
	GPR_SP,
	GPR_BP,
	GPR_SI,
	GPR_DI
};

/*
 * REP string instructions run at most this many elements per call; with
 * elements left, RIP stays at the instruction (as after an interrupt in the
 * middle of a REP, SDM Vol.1 7.3.9.2), so the guest resumes it and exits
 * again. Bounds the time a hostile guest can hold a caller's thread.
 */
#define EMU_REP_MAX 4096u

/* Translations kept for the duration of one call (string operations). */
#define EMU_TLB_SIZE 4

struct emu_tlb {
	uint64_t gva_page;
	uint64_t gpa_page;
	uint32_t flags; /* WHV_TRANSLATE_GVA_FLAGS validated for this page */
};

/*
 * One emulation call: the caller's context, what the VP looked like at the
 * exit, the registers fetched so far and the decoded instruction. Lives on
 * the stack of WHvEmulatorTry*Emulation.
 */
struct emu {
	struct emulator *em;
	void *ctx;
	WHV_EMULATOR_STATUS status;
	const WHV_VP_EXIT_CONTEXT *vp;
	int bits; /* code size: 16, 32 or 64 */

	uint64_t gpr[16];
	uint64_t rflags;
	WHV_X64_SEGMENT_REGISTER seg[SEG_COUNT];
	WHV_UINT128 xmm[16];
	uint32_t have, dirty; /* EMU_R_* bits */
	uint16_t have_xmm, dirty_xmm;
	uint64_t new_rip; /* RIP to write at commit */

	uint8_t bytes[16];
	uint8_t nbytes; /* instruction bytes known (<= 15 used) */
	ZydisDecodedInstruction in;
	ZydisDecodedOperand op[ZYDIS_MAX_OPERAND_COUNT];

	bool hint; /* the exit named the GPA of the access */
	uint64_t hint_gpa;
	struct emu_tlb tlb[EMU_TLB_SIZE];
	unsigned int ntlb, tlb_next;
};

/*
 * Internal statuses (0 or negative): a failing callback has already set its
 * bit in (e->status); anything else that stops the emulation ends as
 * InternalEmulationFailure (emu_finish).
 */
#define EMU_E_CALLBACK	  (-EIO)     /* a callback failed; its bit is set */
#define EMU_E_UNSUPPORTED (-ENOTSUP) /* not an instruction or form we emulate */
#define EMU_E_FAULT	  (-EFAULT)  /* the guest would take an exception we cannot inject */

/* ---- emu_ctx.c: callbacks, registers, addresses, memory, decoding ---- */

/* emu_begin: start a call on (em) for the VP state (vp); derives the CPU mode. */
void emu_begin(struct emu *e, struct emulator *em, void *ctx, const WHV_VP_EXIT_CONTEXT *vp);

/*
 * emu_decode: decode the instruction at CS:RIP from (bytes)/(count) (the
 * exit's InstructionBytes; count is clamped to 16), fetching further bytes
 * through the translate and memory callbacks when they end too early.
 */
int emu_decode(struct emu *e, const uint8_t *bytes, unsigned int count);

/*
 * emu_load_needed: one get-registers callback for every register the decoded
 * instruction reads or addresses with (explicit and implicit operands) plus
 * RFLAGS, and (extra) EMU_R_* bits.
 */
int emu_load_needed(struct emu *e, uint32_t extra);

/* Register access by GPR number at (size) bytes; (high8) selects AH..BH. */
uint64_t emu_gpr_read(const struct emu *e, int n, unsigned int size, bool high8);
void emu_gpr_write(struct emu *e, int n, unsigned int size, bool high8, uint64_t v);

/*
 * emu_reg_decode: a Zydis general register as GPR number, size and high8;
 * false for anything else.
 */
bool emu_reg_decode(ZydisRegister r, int *n, unsigned int *size, bool *high8);

/* emu_set_flags: replace the (mask) bits of RFLAGS with those of (v). */
void emu_set_flags(struct emu *e, uint64_t mask, uint64_t v);

/* XMM register (idx 0..15): read (loaded by emu_load_needed), write. */
WHV_UINT128 emu_xmm_read(const struct emu *e, int idx);
void emu_xmm_write(struct emu *e, int idx, WHV_UINT128 v);

/*
 * emu_mem_linear: the linear address of memory operand (op), with its
 * effective address moved by (adjust) bytes (bit-string BT forms), checked
 * for (size) bytes against the segment (limit, type) in 16/32-bit modes.
 */
int emu_mem_linear(struct emu *e, const ZydisDecodedOperand *op, int64_t adjust, unsigned int size,
		   bool write, uint64_t *la);

/*
 * emu_string_linear: linear address of a string element at segment (seg),
 * offset (off) (already masked to the address size), (size) bytes.
 */
int emu_string_linear(struct emu *e, int seg, uint64_t off, unsigned int size, bool write,
		      uint64_t *la);

/*
 * emu_mem_read / emu_mem_write: (size) (1..16) bytes at linear (la) through
 * the translate and memory callbacks, one memory callback per piece of at
 * most 8 bytes that does not cross a page. All pages are translated before
 * the first memory callback, so a translation failure touches nothing.
 */
int emu_mem_read(struct emu *e, uint64_t la, void *buf, unsigned int size);
int emu_mem_write(struct emu *e, uint64_t la, const void *buf, unsigned int size);

/*
 * emu_mem_prepare: translate the page(s) of a read-modify-write operand for
 * both reading and writing before the read, so that the write cannot fail on
 * translation after a device register has been read.
 */
int emu_mem_prepare(struct emu *e, uint64_t la, unsigned int size);

/* emu_check_align: #AC conditions (CR0.AM, RFLAGS.AC, CPL 3) for an access. */
int emu_check_align(struct emu *e, uint64_t la, unsigned int size);

/* emu_io: one I/O callback; (data) in/out, (size) 1, 2 or 4. */
int emu_io(struct emu *e, bool write, uint16_t port, unsigned int size, uint32_t *data);

/*
 * emu_commit: one set-registers callback with every register the instruction
 * changed, RFLAGS (RF cleared: the instruction completed, SDM Vol.3 18.3.1.1)
 * and RIP = (e->new_rip).
 */
int emu_commit(struct emu *e);

/* emu_finish: the WHV_EMULATOR_STATUS of a call that ended with status (rc). */
WHV_EMULATOR_STATUS emu_finish(struct emu *e, int rc);

/* emu_addr_mask: mask of an address or count register for the instruction's address size. */
uint64_t emu_addr_mask(const struct emu *e);

/* emu_ip_advance: RIP + (len), wrapped the way the code size wraps IP/EIP. */
uint64_t emu_ip_advance(const struct emu *e, uint64_t rip, unsigned int len);

/* ---- emu_alu.c: arithmetic with flags exactly as the CPU computes them ---- */

enum emu_alu_op {
	ALU_ADD,
	ALU_OR,
	ALU_ADC,
	ALU_SBB,
	ALU_AND,
	ALU_SUB,
	ALU_XOR,
	ALU_CMP,
	ALU_TEST,
};

/*
 * emu_alu: (a) op (b) at (size) bytes with the incoming RFLAGS (flags, for CF
 * of ADC/SBB). Returns the result (masked to size) and stores in (*out_flags)
 * the six arithmetic flags (SDM Vol.1 Appendix A; AF cleared for the logical
 * operations, as processors do where the SDM leaves it undefined).
 */
uint64_t emu_alu(enum emu_alu_op op, unsigned int size, uint64_t a, uint64_t b, uint64_t flags,
		 uint64_t *out_flags);

/* emu_size_mask: all ones in the low (size) bytes. */
static inline uint64_t emu_size_mask(unsigned int size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* emu_sign_extend: the low (size) bytes of (v) sign-extended to 64 bits. */
static inline uint64_t emu_sign_extend(uint64_t v, unsigned int size)
{
	unsigned int sh = 64 - size * 8;

	if (size >= 8)
		return v;
	return (uint64_t)((int64_t)(v << sh) >> sh);
}

/* ---- emu_mmio.c / emu_io.c: instruction semantics ---- */

/* emu_exec_mmio: execute the decoded instruction as an MMIO-completing one. */
int emu_exec_mmio(struct emu *e);

/* emu_exec_io: execute the decoded instruction as an I/O instruction. */
int emu_exec_io(struct emu *e);

/*
 * emu_string_op: the string instruction forms (opcode A4..AF, 6C..6F) and
 * their element size; 0 when the instruction is not one.
 */
unsigned int emu_string_elem(const struct emu *e);

/* emu_rep: the instruction repeats (REP/REPNE on a non-comparing string op). */
bool emu_rep(const struct emu *e);

/*
 * emu_string_step: after one element, move (n) = GPR_SI or GPR_DI by
 * (size) in the direction of RFLAGS.DF at the address size.
 */
void emu_string_step(struct emu *e, int n, unsigned int size);

#endif
