/* state_ids.h: record ids and scratch addresses of the VP-state guests and their tests. */
#ifndef STATE_IDS_H
#define STATE_IDS_H

/*
 * Plain #defines, read by C (tests/api/test_state.c and friends) and by GNU as.
 * Scratch addresses sit in the builder's data page (WHPT_DATA_GPA).
 */
#define ST_XMM_STORE	  500
#define ST_XMM_STORE_DONE 501
#define ST_XMM_LOAD	  502
#define ST_XMM_LOAD_DONE  503
#define ST_CPUID	  504
#define ST_CPUID_DONE	  505
#define ST_STORE3	  506
#define ST_STORE3_DONE	  507
#define ST_OUTS		  508
#define ST_OUTS_DONE	  509
#define ST_MMIO_READ	  510
#define ST_MMIO_READ_DONE 511
#define ST_SPIN		  512
#define ST_RDTSC	  513
#define ST_RDTSC_DONE	  514

/* ST_XMM_STORE writes XMM0..7 (64-bit: ..15) here, 16 bytes each */
#define ST_XMM_OUT 0x8000
/* ST_XMM_LOAD reads XMM0..7 (64-bit: ..15) from here */
#define ST_XMM_IN 0x8100
/* ST_CPUID stores EAX, EBX, ECX, EDX here */
#define ST_CPUID_OUT 0x8200
/* ST_RDTSC stores the 64-bit TSC here */
#define ST_TSC_OUT 0x8300

#endif /* STATE_IDS_H */
