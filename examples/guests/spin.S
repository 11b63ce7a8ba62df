/* spin.S: guest of the cancel example: loops forever, so only a cancel ends the run. */
	.code16
	.section .text.entry, "ax"
	.globl _start
_start:
	jmp	_start
