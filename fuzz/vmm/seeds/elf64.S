/* elf64.S: a minimal ELF64 executable with two segments (a fuzz seed; never run). */
	.text
	.globl	_start
_start:
	movq	$value, %rax
	hlt
	.data
value:
	.quad	0x1122334455667788
	.bss
	.skip	8192
