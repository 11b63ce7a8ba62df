/* snap64.S: a long-mode guest with interrupts, XMM registers and paging state, for the snapshot test. */
#define GUEST_BITS 64
	.code64
#include "guest.h"

/*
 * It fills XMM0-XMM7 from memory (moves only: this machine's KVM cannot run
 * SSE arithmetic), enables its local APIC, mixes a running hash over a data
 * page with integer arithmetic, and reports SNAP_HALF halfway. The host takes
 * the snapshot there and sends vector 0x40 to both copies: the handler adds
 * to a counter in memory. The second half stores the XMM registers back,
 * folds everything into the hash and reports it; then HLT.
 */
#define SNAP_HALF	0x5AF0
#define DATA		WHPT_DATA_GPA
#define COUNTER		(WHPT_DATA_GPA + 0x800)

	GUEST_BEGIN
entry:
	lea	handler(%rip), %rax
	mov	$(WHPT_IDT_GPA + 0x40 * 16), %rcx
	mov	%ax, (%rcx)
	movw	$WHPT_SEL_CODE64, 2(%rcx)
	movw	$0x8E00, 4(%rcx)
	shr	$16, %rax
	mov	%ax, 6(%rcx)
	shr	$16, %rax
	mov	%eax, 8(%rcx)
	movl	$0, 12(%rcx)
	lidt	idtr(%rip)
	mov	$0xFEE000F0, %edx
	movl	$0x1FF, (%rdx)

	mov	$DATA, %rsi
	movdqu	0x00(%rsi), %xmm0
	movdqu	0x10(%rsi), %xmm1
	movdqu	0x20(%rsi), %xmm2
	movdqu	0x30(%rsi), %xmm3
	movdqu	0x40(%rsi), %xmm4
	movdqu	0x50(%rsi), %xmm5
	movdqu	0x60(%rsi), %xmm6
	movdqu	0x70(%rsi), %xmm7

	mov	$0x9E3779B97F4A7C15, %r8
	xor	%rbx, %rbx
	mov	$64, %ecx
1:	mov	(%rsi), %rax
	xor	%rax, %rbx
	imul	%r8, %rbx
	rol	$13, %rbx
	mov	%rbx, (%rsi)
	add	$8, %rsi
	loop	1b

	mov	$SNAP_HALF, %eax
	REC SNAP_HALF_REC, outl %eax, $WHPT_PORT_REPORT
	/*
	 * Wait for the interrupt the host sends after the snapshot. STI's
	 * shadow covers the HLT, so the interrupt is taken at the HLT (the
	 * frame on the stack holds the same RIP in both copies); with LAPIC
	 * emulation the HLT waits inside the run until it comes.
	 */
	sti
	hlt
2:	cmpl	$0, COUNTER
	je	2b
	cli

	mov	$(DATA + 0x400), %rdi
	movdqu	%xmm0, 0x00(%rdi)
	movdqu	%xmm1, 0x10(%rdi)
	movdqu	%xmm2, 0x20(%rdi)
	movdqu	%xmm3, 0x30(%rdi)
	movdqu	%xmm4, 0x40(%rdi)
	movdqu	%xmm5, 0x50(%rdi)
	movdqu	%xmm6, 0x60(%rdi)
	movdqu	%xmm7, 0x70(%rdi)
	mov	$(DATA + 0x400), %rsi
	mov	$16, %ecx
3:	mov	(%rsi), %rax
	xor	%rax, %rbx
	imul	%r8, %rbx
	add	$8, %rsi
	loop	3b
	add	COUNTER, %rbx
	mov	%ebx, %eax
	REC SNAP_END_REC, outl %eax, $WHPT_PORT_REPORT
	hlt

handler:
	push	%rax
	push	%rdx
	incl	COUNTER
	mov	$0xFEE000B0, %edx
	movl	$0, (%rdx)
	pop	%rdx
	pop	%rax
	iretq

	.p2align 3
idtr:
	.word	0xFFF
	.quad	WHPT_IDT_GPA

	GUEST_END entry
