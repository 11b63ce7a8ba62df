/* fuzz_exit_insn.c: libFuzzer target for the exit instruction path: insn_decode, insn_mem_linear */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insn.h"

/*
 * Input: mode byte (16/32/64), 16 GPRs, 6 segment bases and the next-IP
 * value (8 bytes each, little-endian; missing bytes are 0), then the
 * instruction bytes. These are exactly what the run loop hands the decoder
 * when it builds an exit context from guest memory, which a hostile guest
 * controls entirely.
 *
 * Besides crashes and sanitizer reports, abort() on a broken contract the
 * run loop relies on (src/kvm/kvm_run.c):
 *  - a decoded length is 1..15 and within the bytes given;
 *  - decoding exactly (len) bytes again gives the same instruction
 *    (find_backwards decodes candidate slices of exact length);
 *  - the flags are consistent (not both IN and OUT; REP and port-imm only
 *    on I/O and string forms; address size 2, 4 or 8);
 *  - outside 64-bit mode a memory operand's linear address fits 32 bits.
 */

#define HDR (1 + 8 * (16 + 6 + 1))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, unsigned a, unsigned b)
{
	fprintf(stderr, "fuzz_exit_insn: %s (%u, %u)\n", what, a, b);
	abort();
}

static uint64_t le64(const uint8_t *p, size_t avail)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8 && i < avail; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int modes[3] = { 16, 32, 64 };
	uint64_t gpr[16], seg[6], next_ip, linear = 0;
	const uint8_t *bytes;
	struct insn a, b;
	uint32_t n;
	int mode, rc, i;

	if (size < 1)
		return 0;
	mode = modes[data[0] % 3];
	for (i = 0; i < 16; i++)
		gpr[i] = size > 1 + 8u * i ? le64(data + 1 + 8 * i, size - 1 - 8u * i) : 0;
	for (i = 0; i < 6; i++) {
		size_t off = 1 + 8u * (16 + i);

		seg[i] = size > off ? le64(data + off, size - off) : 0;
	}
	next_ip = size > 1 + 8u * 22 ? le64(data + 1 + 8 * 22, size - 1 - 8 * 22) : 0;
	bytes = size > HDR ? data + HDR : data + size;
	n = size > HDR ? (uint32_t)(size - HDR) : 0;

	rc = insn_decode(bytes, n, mode, &a);
	if (rc == 0) {
		if (a.len < 1 || a.len > 15 || a.len > n)
			fail("decoded length out of range", a.len, n);
		if (a.addr_size != 2 && a.addr_size != 4 && a.addr_size != 8)
			fail("address size not 2, 4 or 8", a.addr_size, (unsigned)mode);
		if (a.is_in && a.is_out)
			fail("both IN and OUT", a.len, 0);
		if (a.rep && !a.is_string && !a.is_in && !a.is_out)
			fail("REP on a non-string, non-I/O instruction", a.len, 0);
		if (a.port_imm && (a.is_string || (!a.is_in && !a.is_out)))
			fail("an immediate port on something that is not IN/OUT imm8", a.len, 0);
		if (insn_decode(bytes, a.len, mode, &b) != 0 || memcmp(&a, &b, sizeof(a)) != 0)
			fail("decoding exactly the decoded length differs", a.len, n);
	} else if (n >= 1 && n <= 15) {
		/* no valid instruction in n bytes: none in fewer either */
		if (insn_decode(bytes, n - 1, mode, &b) == 0)
			fail("a prefix decodes where the whole does not", n - 1, n);
	}
	if (insn_decode(bytes, 0, mode, &b) == 0)
		fail("zero bytes decoded", 0, 0);

	rc = insn_mem_linear(bytes, n, mode, gpr, next_ip, seg, &linear);
	if (rc == 0 && mode != 64 && linear > 0xFFFFFFFFull)
		fail("a linear address over 32 bits outside long mode", (unsigned)mode, 0);
	return 0;
}
