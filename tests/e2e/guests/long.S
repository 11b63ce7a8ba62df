/* long.S: e2e guest for "--mode long": prints a marker with OUT; debug-exit 3 (status 7). */
	.code64
	.section .text.entry, "ax"
	.globl _start
_start:
	lea	message(%rip), %rsi
	mov	$0x3f8, %dx
next:
	lodsb
	test	%al, %al
	jz	done
	out	%al, %dx
	jmp	next
done:
	mov	$3, %al
	out	%al, $0xf4		/* debug-exit: status (3 << 1) | 1 = 7 */
	hlt

message:
	.asciz	"openwhp e2e: long mode OK\n"
