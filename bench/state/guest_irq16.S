/* guest_irq16.S: real-mode guest for the interrupt benchmark: x2APIC, an IVT handler that reports and EOIs. */
	.code16
	.text
	.globl start
start:
	/* Vector 0x40 -> handler (IVT entry at 0x100: offset, segment 0). */
	movw	$handler, 0x100
	movw	$0, 0x102
	/* x2APIC on (IA32_APIC_BASE bits 11 and 10), SVR = 0x1FF (MSR 0x80F). */
	mov	$0x1B, %ecx
	rdmsr
	or	$0xC00, %eax
	wrmsr
	mov	$0x80F, %ecx
	mov	$0x1FF, %eax
	xor	%edx, %edx
	wrmsr
	outb	%al, $0xE8          /* ready: the host may send interrupts now */
	sti
1:	hlt
	jmp	1b

handler:
	outb	%al, $0xE9
	/* EOI: write 0 to the x2APIC EOI MSR (0x80B). */
	push	%eax
	push	%ecx
	push	%edx
	mov	$0x80B, %ecx
	xor	%eax, %eax
	xor	%edx, %edx
	wrmsr
	pop	%edx
	pop	%ecx
	pop	%eax
	iret
