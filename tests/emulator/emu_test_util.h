/* emu_test_util.h: emulator test helpers: seeded random numbers, flags, instruction text. */
#ifndef EMU_TEST_UTIL_H
#define EMU_TEST_UTIL_H

#include <Zydis/Zydis.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* splitmix64: small, fast, and reproducible from one printed seed. */
static inline uint64_t etu_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* A value below (n) (n > 0). */
static inline uint64_t etu_below(uint64_t *s, uint64_t n)
{
	return etu_rand(s) % n;
}

/*
 * etu_seed(name): the seed of a randomised test: EMU_TEST_SEED from the
 * environment when set (to replay a failure), else the clock. Printed, so
 * every run can be repeated.
 */
static inline uint64_t etu_seed(const char *name)
{
	const char *env = getenv("EMU_TEST_SEED");
	uint64_t seed;

	if (env && *env)
		seed = strtoull(env, NULL, 0);
	else
		seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
	fprintf(stderr, "%s: seed 0x%" PRIx64 " (set EMU_TEST_SEED to replay)\n", name, seed);
	return seed;
}

#define ETU_CF	  0x001ull
#define ETU_PF	  0x004ull
#define ETU_AF	  0x010ull
#define ETU_ZF	  0x040ull
#define ETU_SF	  0x080ull
#define ETU_DF	  0x400ull
#define ETU_OF	  0x800ull
#define ETU_ARITH (ETU_CF | ETU_PF | ETU_AF | ETU_ZF | ETU_SF | ETU_OF)

/*
 * etu_undefined_flags: the flags the SDM leaves undefined after (mn), which
 * a differential test does not compare (other processors may differ).
 */
static inline uint64_t etu_undefined_flags(ZydisMnemonic mn)
{
	switch (mn) {
	case ZYDIS_MNEMONIC_AND:
	case ZYDIS_MNEMONIC_OR:
	case ZYDIS_MNEMONIC_XOR:
	case ZYDIS_MNEMONIC_TEST: return ETU_AF;
	case ZYDIS_MNEMONIC_BT:
	case ZYDIS_MNEMONIC_BTS:
	case ZYDIS_MNEMONIC_BTR:
	case ZYDIS_MNEMONIC_BTC: return ETU_OF | ETU_SF | ETU_AF | ETU_PF;
	default: return 0;
	}
}

/* etu_format: AT&T text of a decoded instruction, for messages. */
static inline const char *etu_format(const ZydisDecodedInstruction *in,
				     const ZydisDecodedOperand *ops, uint64_t addr, char *buf,
				     size_t n)
{
	ZydisFormatter f;

	if (ZYAN_FAILED(ZydisFormatterInit(&f, ZYDIS_FORMATTER_STYLE_ATT)) ||
	    ZYAN_FAILED(ZydisFormatterFormatInstruction(&f, in, ops, in->operand_count_visible, buf,
							n, addr, NULL)))
		snprintf(buf, n, "(unformattable)");
	return buf;
}

/* etu_decode: decode (bytes) for (bits) = 16, 32 or 64; 0 on success. */
static inline int etu_decode(const uint8_t *bytes, unsigned int n, int bits,
			     ZydisDecodedInstruction *in, ZydisDecodedOperand *ops)
{
	ZydisDecoder d;

	if (ZYAN_FAILED(ZydisDecoderInit(&d,
					 bits == 64   ? ZYDIS_MACHINE_MODE_LONG_64
					 : bits == 32 ? ZYDIS_MACHINE_MODE_LEGACY_32
						      : ZYDIS_MACHINE_MODE_LEGACY_16,
					 bits == 64   ? ZYDIS_STACK_WIDTH_64
					 : bits == 32 ? ZYDIS_STACK_WIDTH_32
						      : ZYDIS_STACK_WIDTH_16)))
		return -1;
	return ZYAN_SUCCESS(ZydisDecoderDecodeFull(&d, bytes, n, in, ops)) ? 0 : -1;
}

/* etu_gpr: a general register as (number, size in bytes, high8); -1 when not one. */
static inline int etu_gpr(ZydisRegister r, unsigned int *size, int *high8)
{
	*high8 = 0;
	if (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_R15B) {
		int i = (int)(r - ZYDIS_REGISTER_AL);

		*size = 1;
		if (i >= 4 && i < 8) {
			*high8 = 1;
			return i - 4;
		}
		return i < 4 ? i : i - 4;
	}
	if (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_R15W) {
		*size = 2;
		return (int)(r - ZYDIS_REGISTER_AX);
	}
	if (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_R15D) {
		*size = 4;
		return (int)(r - ZYDIS_REGISTER_EAX);
	}
	if (r >= ZYDIS_REGISTER_RAX && r <= ZYDIS_REGISTER_R15) {
		*size = 8;
		return (int)(r - ZYDIS_REGISTER_RAX);
	}
	return -1;
}

/* The string instruction opcodes (A4..AF, 6C..6F) in the one-byte map. */
static inline int etu_is_string(const ZydisDecodedInstruction *in)
{
	uint8_t op = in->opcode;

	return in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT &&
	       ((op >= 0xA4 && op <= 0xAF) || (op >= 0x6C && op <= 0x6F));
}

#endif /* EMU_TEST_UTIL_H */
