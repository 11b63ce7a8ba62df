/* entry.S: e2e guest for --load/--entry: real entry 16 bytes in; debug-exit 5 (status 11). */
/*
 * Loaded at 0x200000 and started at 0x200010 in long mode. Starting at the
 * load address instead would halt at once with status 0.
 */
	.code64
	.section .text.entry, "ax"
	.globl _start
_start:
	hlt
	.org	0x10
entry:
	lea	message(%rip), %rsi
	mov	$0x3f8, %dx
next:
	lodsb
	test	%al, %al
	jz	done
	out	%al, %dx
	jmp	next
done:
	mov	$5, %al
	out	%al, $0xf4
	hlt

message:
	.asciz	"openwhp e2e: entry point OK\n"
