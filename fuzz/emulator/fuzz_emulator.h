/* fuzz_emulator.h: the emulator fuzz target's entry point and bounds (shared with replay). */
#ifndef FUZZ_EMULATOR_H
#define FUZZ_EMULATOR_H

#include <stddef.h>
#include <stdint.h>

/*
 * Most callbacks one emulation call may make: a REP string instruction runs
 * at most 4096 elements per call (src/emulator/emu.h, EMU_REP_MAX), each
 * with at most two translations and four memory callbacks, plus the
 * instruction fetch and the two register calls.
 */
#define FUZZ_MAX_CALLBACKS (4096u * 6u + 64u)

/* LLVMFuzzerTestOneInput: one emulation call built from (data); aborts on a broken rule. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
