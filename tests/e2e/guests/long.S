/* long.S: e2e guest for "--mode long": prints a marker byte by byte with OUT, exits 3. */
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
	out	%al, $0xf4		/* exit port: status 3 */
	hlt

message:
	.asciz	"openwhp e2e: long mode OK\n"
