/* unmapped.S: e2e guest that stores to a guest-physical address with no RAM (a guest failure). */
	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	movl	$1, 0xe0000000		/* far above the guest's RAM, no paging */
	mov	$9, %al
	out	%al, $0xf4		/* not reached */
	hlt
