/* reset_vector.S: guest of the real-mode-state example: the 16 bytes at the x86 reset vector. */
/*
 * The host copies this to guest-physical 0xFFFFFFF0 (CS.Base 0xFFFF0000 +
 * IP 0xFFF0). It reports 0x5A on port 0x80 and halts; it must fit in the
 * 16 bytes below 4 GiB.
 */
	.code16
	.section .text.entry, "ax"
	.globl _start
_start:
	mov	$0x5a, %al
	out	%al, $0x80
	hlt
	.if	. - _start > 16
	.error	"the reset-vector code must fit in 16 bytes"
	.endif
