/* long_string.S: e2e guest printing with REP OUTSB in long mode (paging on); status 9. */
	.code64
	.section .text.entry, "ax"
	.globl _start
_start:
	lea	message(%rip), %rsi
	mov	$message_len, %ecx
	mov	$0x3f8, %dx
	cld
	rep outsb
	mov	$4, %al
	out	%al, $0xf4
	hlt

message:
	.ascii	"openwhp e2e: long-mode string I/O OK\n"
	.set	message_len, . - message
