/* run_loop.S: guest of the run-loop example: an OUT, an IN, a store to unmapped memory, HLT. */
/*
 * Real mode, loaded and started at 0x1000 with CS = 0. Each instruction
 * below causes one kind of exit the example's loop handles.
 */
	.code16
	.section .text.entry, "ax"
	.globl _start
_start:
	mov	$0x3f8, %dx
	mov	$'W', %al
	out	%al, %dx		/* X64IoPortAccess, write */
	mov	$0x3fd, %dx
	in	%dx, %al		/* X64IoPortAccess, read: host supplies AL */
	mov	$0x2000, %bx
	mov	%bx, %es
	mov	%al, %es:0		/* MemoryAccess: GPA 0x20000 is unmapped */
	hlt				/* X64Halt */
