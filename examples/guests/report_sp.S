/* report_sp.S: guest of the write-registers example: sends SP to port 0x80, halts. */
/*
 * Runs at whatever RIP the host wrote, in the reset CS segment (real mode),
 * so it uses no absolute addresses.
 */
	.code16
	.section .text.entry, "ax"
	.globl _start
_start:
	mov	%sp, %ax
	out	%ax, $0x80		/* 16-bit OUT: the host reads AX */
	hlt
