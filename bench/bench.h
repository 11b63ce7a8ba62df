/* bench.h: the contract between the bench driver and its two halves (WHP API, raw KVM). */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>

/*
 * The cases. Each half implements every case the same way from the guest's
 * point of view: same image, same loop, same number of exits per operation.
 */
enum bench_case {
	BENCH_OUT,	  /* OUT exit, caller advances RIP */
	BENCH_OUT_SYNC,	  /* the same; raw KVM also syncs registers (diagnostic) */
	BENCH_IN,	  /* IN exit, caller supplies AL */
	BENCH_MMIO_WRITE, /* store to an unbacked GPA */
	BENCH_MMIO_READ,  /* load from an unbacked GPA, caller supplies EAX */
	BENCH_HLT,	  /* HLT exit, plain re-entry */
	BENCH_REGS,	  /* OUT exit + read 24 registers + write RIP, RAX */
	BENCH_LIFECYCLE,  /* create, map, VP, registers, run to first OUT, delete */
	BENCH_CASE_COUNT
};

/* The value the host hands the guest for IN (AL) and MMIO reads (EAX). */
#define BENCH_IN_VALUE	 0x5a
#define BENCH_MMIO_VALUE 0x1234abcdu

/*
 * What one block of operations produced. (ns) gets one sample per operation:
 * the wall time of the whole operation (exit round trip, or whole lifecycle).
 * (sub_ns), when not NULL, gets the part spent in register access (BENCH_REGS
 * only). (ioctls) is the number of vCPU ioctls the block issued and
 * (sub_ioctls) those issued inside the register-access part.
 */
struct bench_block {
	uint64_t *ns;
	uint64_t *sub_ns;
	uint64_t ioctls;
	uint64_t sub_ioctls;
};

/*
 * One half of the bench. (begin) prepares a case (for exit cases: one VM with
 * one vCPU sitting in the case's loop, already warmed up) and returns an
 * opaque state in (*state); (block) runs (n) operations and fills (blk);
 * (end) checks that the guest really saw the values the host supplied and
 * releases everything. All return 0 or a negative errno and print their own
 * diagnostic on failure. (end) accepts a state whose (block) failed.
 */
struct bench_half {
	const char *name;
	int (*begin)(enum bench_case c, void **state);
	int (*block)(void *state, unsigned int n, struct bench_block *blk);
	int (*end)(void *state);
};

/* The raw-KVM half (bench_raw.c) and the WHP half (bench_whp.c). */
extern const struct bench_half bench_raw_half;
extern const struct bench_half bench_whp_half;

/* The guest image (guest_bench.S, assembled at build time). */
extern const unsigned char bench_guest[];
extern const unsigned int bench_guest_size;

/* bench_now_ns: CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/*
 * bench_guest_ram: a fresh, page-aligned BENCH_RAM_SIZE block holding the
 * guest image at BENCH_PAYLOAD_BASE, or NULL (errno set). Free it with
 * bench_guest_ram_free.
 */
void *bench_guest_ram(void);
void bench_guest_ram_free(void *ram);

/* bench_entry_rip: guest RIP of the loop a case runs. */
uint64_t bench_entry_rip(enum bench_case c);

/*
 * bench_whp_flavour, bench_whp_version: openwhp_kvm_flavour() and
 * openwhp_version(), for the report (the driver itself stays off the
 * library's headers).
 */
const char *bench_whp_flavour(void);
const char *bench_whp_version(void);

#endif /* BENCH_H */
