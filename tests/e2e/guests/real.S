/* real.S: e2e guest for "--mode real": polls THRE, REP OUTSB; debug-exit 42 (status 85). */
/* Loaded at 0x7c00 with CS = DS = 0, so the linked addresses are offsets in DS. */
	.code16
	.section .text.entry, "ax"
	.globl _start
_start:
	mov	$0x3fd, %dx
1:	in	%dx, %al		/* line status: wait for THR empty */
	test	$0x20, %al
	jz	1b
	mov	$message, %si
	mov	$message_len, %cx
	mov	$0x3f8, %dx
	cld
	rep outsb			/* the whole line in one string instruction */
	mov	$42, %al
	out	%al, $0xf4		/* debug-exit: status (42 << 1) | 1 = 85 */
	hlt				/* not reached: would give status 0 */

message:
	.ascii	"openwhp e2e: real mode OK\n"
	.set	message_len, . - message
