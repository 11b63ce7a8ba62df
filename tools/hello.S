/* hello.S: the built-in guest of "openwhp run": 64-bit code that greets on COM1 and halts. */
/*
 * Loaded at 1 MiB and started in long mode by the flat loader (identity
 * paging, flat segments). It polls the line status register before every
 * byte, as a driver for a real 16550 must, so both IN and OUT exits are
 * exercised, then halts: "openwhp run" exits with status 0.
 */
#define COM1     0x3f8
#define COM1_LSR (COM1 + 5)
#define LSR_THRE 0x20

	.code64
	.section .text.entry, "ax"
	.globl _start
_start:
	lea	message(%rip), %rsi
next:
	lodsb				/* al = *rsi++ */
	test	%al, %al
	jz	done
	mov	%al, %bl
	mov	$COM1_LSR, %dx
wait:
	in	%dx, %al
	test	$LSR_THRE, %al
	jz	wait
	mov	$COM1, %dx
	mov	%bl, %al
	out	%al, %dx
	jmp	next
done:
	hlt
	jmp	done			/* never resumed: HLT ends the run */

	.section .rodata
message:
	.asciz	"Hello from an openwhp guest\n"
