/* boot_simple.S: guest of the "Boot a Simple Guest" example: prints a line on COM1, then HLT. */
/*
 * The example sets CR0.PE = 1 and RIP = the entry point but loads no GDT
 * and no segment register, so the VP enters protected mode with the
 * segment caches of the reset state: CS = F000 with base 0xF0000, limit
 * 0xFFFF and D = 0. D = 0 means 16-bit default operand and address size
 * (Intel SDM vol. 3A, 3.4.5), hence .code16. The host copies this image to
 * CS.Base + entry, and it is linked at BASE = entry, so its own addresses
 * are offsets in CS. DS keeps base 0, so the text is read through CS.
 */
	.code16
	.section .text.entry, "ax"
	.globl _start
_start:
	mov	$message, %si
	mov	$0x3f8, %dx
next:
	lodsb	%cs:(%si), %al
	test	%al, %al
	jz	done
	out	%al, %dx
	jmp	next
done:
	hlt

message:
	.asciz	"Hello from a simple protected-mode guest\n"
