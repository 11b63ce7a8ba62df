/* protected.S: e2e guest for "--mode protected": polls LSR, REP OUTSB; debug-exit 7 (status 15). */
	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	mov	$0x3fd, %dx
1:	in	%dx, %al
	test	$0x20, %al
	jz	1b
	mov	$message, %esi
	mov	$message_len, %ecx
	mov	$0x3f8, %dx
	cld
	rep outsb
	mov	$7, %al
	out	%al, $0xf4		/* debug-exit: status (7 << 1) | 1 = 15 */
	hlt

message:
	.ascii	"openwhp e2e: protected mode OK\n"
	.set	message_len, . - message
