/* triple_fault.S: e2e guest that raises #UD with an empty IDT, which ends in a triple fault. */
	.code64
	.section .text.entry, "ax"
	.globl _start
_start:
	ud2
	hlt
