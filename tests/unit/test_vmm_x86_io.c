/* test_vmm_x86_io.c: prefix decoding, lengths and register arithmetic of I/O completion. */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vmm/x86_io.h"

Test(vmm_x86_io, execution_mode_from_lma_and_cs)
{
	cr_assert_eq(x86_io_mode(true, true, false), X86_MODE_64);
	cr_assert_eq(x86_io_mode(true, false, true), X86_MODE_32); /* compat */
	cr_assert_eq(x86_io_mode(false, true, true), X86_MODE_32); /* L ignored */
	cr_assert_eq(x86_io_mode(false, false, false), X86_MODE_16);
}

Test(vmm_x86_io, prefixes_are_collected)
{
	static const uint8_t rep_outsb[] = { 0xf3, 0x6e };
	static const uint8_t cs_outsw[] = { 0x66, 0x2e, 0x67, 0x6f };
	static const uint8_t fs_gs[] = { 0x64, 0x65, 0x6e };
	static const uint8_t all_prefixes[] = { 0xf3, 0x66 };
	struct x86_io_prefixes p;

	cr_assert_eq(x86_io_prefixes(rep_outsb, 2, X86_MODE_16, &p), 0);
	cr_assert_eq(p.length, 1);
	cr_assert(p.rep);
	cr_assert_eq(p.seg, -1);

	cr_assert_eq(x86_io_prefixes(cs_outsw, 4, X86_MODE_32, &p), 0);
	cr_assert_eq(p.length, 3);
	cr_assert(p.op_size && p.addr_size);
	cr_assert_eq(p.seg, X86_SEG_CS);

	cr_assert_eq(x86_io_prefixes(fs_gs, 3, X86_MODE_64, &p), 0);
	cr_assert_eq(p.seg, X86_SEG_GS, "the last segment prefix wins");

	cr_assert_eq(x86_io_prefixes(all_prefixes, 2, X86_MODE_16, &p), -1);
	cr_assert_eq(x86_io_prefixes(all_prefixes, 0, X86_MODE_16, &p), -1);
}

Test(vmm_x86_io, rex_is_a_prefix_only_in_64_bit_mode)
{
	static const uint8_t rex_outsb[] = { 0xf3, 0x48, 0x6e };
	struct x86_io_prefixes p;

	cr_assert_eq(x86_io_prefixes(rex_outsb, 3, X86_MODE_64, &p), 0);
	cr_assert_eq(p.length, 2);
	cr_assert_eq(x86_io_insn_length(rex_outsb, 3, X86_MODE_64), 3);
	/* In 32-bit mode 0x48 is DEC EAX, not an I/O instruction. */
	cr_assert_eq(x86_io_insn_length(rex_outsb, 3, X86_MODE_32), 0);
}

Test(vmm_x86_io, instruction_lengths)
{
	static const uint8_t out_imm[] = { 0xe6, 0xf4 };
	static const uint8_t in_imm16[] = { 0x66, 0xe5, 0x80 };
	static const uint8_t out_dx[] = { 0xee };
	static const uint8_t in_dx32[] = { 0xed };
	static const uint8_t rep_insd[] = { 0xf3, 0x6d };
	static const uint8_t cut[] = { 0xe6 };
	static const uint8_t mov[] = { 0x89, 0xc0 };

	cr_assert_eq(x86_io_insn_length(out_imm, 2, X86_MODE_16), 2);
	cr_assert_eq(x86_io_insn_length(in_imm16, 3, X86_MODE_32), 3);
	cr_assert_eq(x86_io_insn_length(out_dx, 1, X86_MODE_64), 1);
	cr_assert_eq(x86_io_insn_length(in_dx32, 1, X86_MODE_16), 1);
	cr_assert_eq(x86_io_insn_length(rep_insd, 2, X86_MODE_64), 2);
	cr_assert_eq(x86_io_insn_length(cut, 1, X86_MODE_16), 0, "imm8 missing");
	cr_assert_eq(x86_io_insn_length(mov, 2, X86_MODE_16), 0);
	cr_assert_eq(x86_io_insn_length(out_dx, 0, X86_MODE_16), 0);

	/* 13 prefixes + IN imm8 is 15 bytes, the most there can be; 14 prefixes are too many */
	uint8_t long_in[16];

	memset(long_in, 0x67, sizeof(long_in));
	long_in[13] = 0xe5;
	long_in[14] = 0x80;
	cr_assert_eq(x86_io_insn_length(long_in, 15, X86_MODE_32), 15);
	memset(long_in, 0x67, sizeof(long_in));
	long_in[14] = 0xe5;
	long_in[15] = 0x80;
	cr_assert_eq(x86_io_insn_length(long_in, 16, X86_MODE_32), 0, "16 bytes cannot be");
}

Test(vmm_x86_io, address_sizes)
{
	cr_assert_eq(x86_io_address_size(X86_MODE_16, false), 2);
	cr_assert_eq(x86_io_address_size(X86_MODE_16, true), 4);
	cr_assert_eq(x86_io_address_size(X86_MODE_32, false), 4);
	cr_assert_eq(x86_io_address_size(X86_MODE_32, true), 2);
	cr_assert_eq(x86_io_address_size(X86_MODE_64, false), 8);
	cr_assert_eq(x86_io_address_size(X86_MODE_64, true), 4);
}

Test(vmm_x86_io, index_registers_wrap_in_their_width)
{
	/* 16-bit: only SI changes, the upper bits survive. */
	cr_assert_eq(x86_io_reg_add(0x1234ffffull, 1, 2), 0x12340000ull);
	cr_assert_eq(x86_io_reg_add(0xabcd0000ull, -1, 2), 0xabcdffffull);
	/* 32-bit: the result is zero-extended. */
	cr_assert_eq(x86_io_reg_add(0xffffffffffffffffull, 1, 4), 0);
	cr_assert_eq(x86_io_reg_add(0x100000000ull, -4, 4), 0xfffffffcull);
	/* 64-bit: plain modular arithmetic. */
	cr_assert_eq(x86_io_reg_add(UINT64_MAX, 1, 8), 0);
	cr_assert_eq(x86_io_reg_add(0x1000, -2, 8), 0xffe);

	cr_assert_eq(x86_io_reg_value(0x12345678abcdull, 2), 0xabcd);
	cr_assert_eq(x86_io_reg_value(0x12345678abcdull, 4), 0x5678abcd);
	cr_assert_eq(x86_io_reg_value(0x12345678abcdull, 8), 0x12345678abcdull);
}

Test(vmm_x86_io, in_results_merge_into_rax)
{
	const uint64_t rax = 0x1122334455667788ull;

	cr_assert_eq(x86_io_merge_in(rax, 0xaabbccdd, 1, X86_MODE_64), 0x11223344556677ddull);
	cr_assert_eq(x86_io_merge_in(rax, 0xaabbccdd, 2, X86_MODE_16), 0x112233445566ccddull);
	/* IN EAX zero-extends in 64-bit mode only. */
	cr_assert_eq(x86_io_merge_in(rax, 0xaabbccdd, 4, X86_MODE_64), 0xaabbccddull);
	cr_assert_eq(x86_io_merge_in(rax, 0xaabbccdd, 4, X86_MODE_32), 0x11223344aabbccddull);
}
