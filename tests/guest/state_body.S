/* state_body.S: routines the VP-state, translation, dirty-page and counter tests point RIP at. */

/*
 * Included by state32.S and state64.S after they define GUEST_BITS and the
 * assembler mode. Every routine ends in HLT; the host sets the registers a
 * routine reads and points RIP at its record. Vector registers are only
 * moved (MOVDQU), never computed with: this machine's KVM cannot run SSE
 * arithmetic in a guest.
 */
#include "guest.h"
#include "state_ids.h"

#if GUEST_BITS == 64
#define RB	%rbx
#define RC	%rcx
#define RD	%rdx
#define RA	%rax
#else
#define RB	%ebx
#define RC	%ecx
#define RD	%edx
#define RA	%eax
#endif

	GUEST_BEGIN
entry:
	hlt

	/* xmm store: XMM0..7 (64-bit: XMM0..15) to ST_XMM_OUT */
	REC ST_XMM_STORE, movdqu %xmm0, ST_XMM_OUT + 0x00
	movdqu	%xmm1, ST_XMM_OUT + 0x10
	movdqu	%xmm2, ST_XMM_OUT + 0x20
	movdqu	%xmm3, ST_XMM_OUT + 0x30
	movdqu	%xmm4, ST_XMM_OUT + 0x40
	movdqu	%xmm5, ST_XMM_OUT + 0x50
	movdqu	%xmm6, ST_XMM_OUT + 0x60
	movdqu	%xmm7, ST_XMM_OUT + 0x70
#if GUEST_BITS == 64
	movdqu	%xmm8, ST_XMM_OUT + 0x80
	movdqu	%xmm9, ST_XMM_OUT + 0x90
	movdqu	%xmm10, ST_XMM_OUT + 0xA0
	movdqu	%xmm11, ST_XMM_OUT + 0xB0
	movdqu	%xmm12, ST_XMM_OUT + 0xC0
	movdqu	%xmm13, ST_XMM_OUT + 0xD0
	movdqu	%xmm14, ST_XMM_OUT + 0xE0
	movdqu	%xmm15, ST_XMM_OUT + 0xF0
#endif
	REC ST_XMM_STORE_DONE, hlt

	/* xmm load: XMM0..7 (64-bit: XMM0..15) from ST_XMM_IN */
	REC ST_XMM_LOAD, movdqu ST_XMM_IN + 0x00, %xmm0
	movdqu	ST_XMM_IN + 0x10, %xmm1
	movdqu	ST_XMM_IN + 0x20, %xmm2
	movdqu	ST_XMM_IN + 0x30, %xmm3
	movdqu	ST_XMM_IN + 0x40, %xmm4
	movdqu	ST_XMM_IN + 0x50, %xmm5
	movdqu	ST_XMM_IN + 0x60, %xmm6
	movdqu	ST_XMM_IN + 0x70, %xmm7
#if GUEST_BITS == 64
	movdqu	ST_XMM_IN + 0x80, %xmm8
	movdqu	ST_XMM_IN + 0x90, %xmm9
	movdqu	ST_XMM_IN + 0xA0, %xmm10
	movdqu	ST_XMM_IN + 0xB0, %xmm11
	movdqu	ST_XMM_IN + 0xC0, %xmm12
	movdqu	ST_XMM_IN + 0xD0, %xmm13
	movdqu	ST_XMM_IN + 0xE0, %xmm14
	movdqu	ST_XMM_IN + 0xF0, %xmm15
#endif
	REC ST_XMM_LOAD_DONE, hlt

	/* cpuid: leaf EAX, sub-leaf ECX as the host set them; the result to ST_CPUID_OUT */
	REC ST_CPUID, cpuid
	mov	%eax, ST_CPUID_OUT + 0
	mov	%ebx, ST_CPUID_OUT + 4
	mov	%ecx, ST_CPUID_OUT + 8
	mov	%edx, ST_CPUID_OUT + 12
	REC ST_CPUID_DONE, hlt

	/* three stores of RAX (EAX) to the addresses in RBX, RCX, RDX */
	REC ST_STORE3, mov RA, (RB)
	mov	RA, (RC)
	mov	RA, (RD)
	REC ST_STORE3_DONE, hlt

	/* ECX OUTs of AL to the report port, then halt */
	REC ST_OUTS, outb %al, $WHPT_PORT_REPORT
	loop	. - 2
	REC ST_OUTS_DONE, hlt

	/* a dword load from the unmapped MMIO page */
	REC ST_MMIO_READ, mov WHPT_MMIO_GPA, %eax
	REC ST_MMIO_READ_DONE, hlt

	/* the TSC as the guest reads it, to ST_TSC_OUT */
	REC ST_RDTSC, rdtsc
	mov	%eax, ST_TSC_OUT
	mov	%edx, ST_TSC_OUT + 4
	REC ST_RDTSC_DONE, hlt

	/* spin without exiting until the host cancels */
	REC ST_SPIN, jmp .

	GUEST_END entry
