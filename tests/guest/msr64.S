/* msr64.S: a long-mode guest reading and writing MSRs, with a #GP handler, for the MSR-exit tests. */
#define GUEST_BITS 64
	.code64
#include "guest.h"

/*
 * Reports (EAX on the report port): MSR_GP when the #GP handler ran; after
 * each RDMSR the EAX and then the EDX it produced.
 */
#define MSR_GP		0x6060

	GUEST_BEGIN
entry:
	lea	gp_handler(%rip), %rax
	mov	%rax, %rdx
	mov	$(WHPT_IDT_GPA + 13 * 16), %rcx
	mov	%ax, (%rcx)
	movw	$WHPT_SEL_CODE64, 2(%rcx)
	movw	$0x8E00, 4(%rcx)
	shr	$16, %rax
	mov	%ax, 6(%rcx)
	shr	$16, %rax
	mov	%eax, 8(%rcx)
	movl	$0, 12(%rcx)
	lidt	idtr(%rip)

	mov	$0xDEAD0000, %ecx
	REC MSR_RD_UNKNOWN, rdmsr
	REPORT(MSR_RD_EAX)
	mov	%edx, %eax
	REPORT(MSR_RD_EDX)

	mov	$0xDEAD0001, %ecx
	mov	$0xBBBB, %eax
	mov	$0xAAAA, %edx
	REC MSR_WR_UNKNOWN, wrmsr
	mov	$0x10, %ecx
	REC MSR_RD_TSC, rdmsr
	REPORT(MSR_TSC_EAX)
	REC MSR_END, hlt

/* #GP: report it and skip the 2-byte RDMSR/WRMSR that raised it. */
gp_handler:
	mov	$MSR_GP, %eax
	out	%eax, $WHPT_PORT_REPORT
	add	$8, %rsp            /* error code */
	addq	$2, (%rsp)          /* return RIP past the instruction */
	iretq

	.p2align 3
idtr:
	.word	0xFFF
	.quad	WHPT_IDT_GPA

	GUEST_END entry
