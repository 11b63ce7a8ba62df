/* irq64.S: a long-mode guest that takes interrupts: IDT, optional local APIC, HLT loop, EOI. */
#define GUEST_BITS 64
	.code64
#include "guest.h"

/*
 * EBX from the host says what to do:
 *   bit 0: there is a local APIC (LocalApicEmulationMode XApic): enable it
 *          (SVR = 0x1FF) and EOI in the handlers
 *   bit 1: interrupt-window test: report IRQ_WINDOW_READY with IF = 0, then
 *          run nop, nop, sti, nop and halt; the window opens at IRQ_WINDOW_AT
 *   bit 2: the vector 0x40 handler also sends an IPI, vector 0x41, to APIC 1
 *          (xAPIC ICR, SDM Vol.3 11.6.1)
 * Every handler reports its vector on the report port, EOIs when there is
 * an APIC, and returns with IRETQ (which this machine's KVM runs in 64-bit
 * mode). Reports: IRQ_READY once the IDT is loaded, then vectors.
 */
#define IRQ_READY	0x5EAD
#define APIC_SVR	0xFEE000F0
#define APIC_EOI	0xFEE000B0

	GUEST_BEGIN
entry:
	lea	nmi_handler(%rip), %rax
	mov	$2, %ecx
	call	set_gate
	lea	fixed_handler(%rip), %rax
	mov	$0x40, %ecx
	call	set_gate
	lea	level_handler(%rip), %rax
	mov	$0x41, %ecx
	call	set_gate
	lidt	idtr(%rip)
	test	$1, %ebx
	jz	1f
	/* a 32-bit absolute address would sign-extend: go through a register */
	mov	$APIC_SVR, %edx
	movl	$0x1FF, (%rdx)
1:	mov	$IRQ_READY, %eax
	REPORT(IRQ_READY_REC)
	test	$2, %ebx
	jnz	window
	sti
2:	hlt
	jmp	2b

window:
	cli
	mov	$IRQ_READY, %eax
	REPORT(IRQ_WINDOW_READY)
	nop
	nop
	sti
	nop
	REC IRQ_WINDOW_AT, hlt
3:	hlt
	jmp	3b

/* set_gate: IDT entry (ECX) -> handler (RAX), 64-bit interrupt gate (SDM Vol.3 6.14.1). */
set_gate:
	shl	$4, %rcx
	add	$WHPT_IDT_GPA, %rcx
	mov	%ax, (%rcx)
	movw	$WHPT_SEL_CODE64, 2(%rcx)
	movw	$0x8E00, 4(%rcx)
	shr	$16, %rax
	mov	%ax, 6(%rcx)
	shr	$16, %rax
	mov	%eax, 8(%rcx)
	movl	$0, 12(%rcx)
	ret

eoi:
	test	$1, %ebx
	jz	1f
	mov	$APIC_EOI, %edx
	movl	$0, (%rdx)
1:	ret

fixed_handler:
	push	%rax
	push	%rdx
	test	$4, %ebx
	jz	1f
	mov	$0xFEE00310, %edx      /* ICR high: destination APIC ID 1 */
	movl	$0x01000000, (%rdx)
	mov	$0xFEE00300, %edx      /* ICR low: fixed, physical, vector 0x41: sends it */
	movl	$0x41, (%rdx)
1:	mov	$0x40, %eax
	out	%eax, $WHPT_PORT_REPORT
	call	eoi
	pop	%rdx
	pop	%rax
	iretq

level_handler:
	push	%rax
	push	%rdx
	mov	$0x41, %eax
	out	%eax, $WHPT_PORT_REPORT
	call	eoi
	pop	%rdx
	pop	%rax
	iretq

nmi_handler:
	push	%rax
	mov	$2, %eax
	out	%eax, $WHPT_PORT_REPORT
	pop	%rax
	iretq

	.p2align 3
idtr:
	.word	0xFFF
	.quad	WHPT_IDT_GPA

/* An application processor's first code, started by INIT + SIPI in real mode. */
	.org	IRQ_AP_GPA - WHPT_CODE_GPA
	.code16
ap_entry:
	mov	$IRQ_AP_VALUE, %al
	REC IRQ_AP_REPORT, outb %al, $WHPT_PORT_REPORT
	/* Take vector 0x41 (IVT entry 0x104) in real mode, with the x2APIC on (MSRs). */
	movw	$(ap_handler - ap_entry), 0x104
	movw	$(IRQ_AP_GPA >> 4), 0x106
	mov	$0x1B, %ecx
	rdmsr
	or	$0xC00, %eax
	wrmsr
	mov	$0x80F, %ecx
	mov	$0x1FF, %eax
	xor	%edx, %edx
	wrmsr
	mov	$IRQ_AP_READY, %al
	outb	%al, $WHPT_PORT_REPORT
	sti
1:	hlt
	jmp	1b
ap_handler:
	mov	$IRQ_AP_IPI, %al
	outb	%al, $WHPT_PORT_REPORT
	mov	$0x80B, %ecx           /* x2APIC EOI */
	xor	%eax, %eax
	xor	%edx, %edx
	wrmsr
	iret
	.code64

	GUEST_END entry
