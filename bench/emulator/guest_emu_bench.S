/* guest_emu_bench.S: 64-bit guest loops for the emulator bench: one MMIO access each. */

/*
 * Linked at 0x1000 (BENCH_EMU_CODE_GPA). RBX holds the unmapped device
 * address; every iteration exits once. The host starts the guest at
 * read_loop (offset 0) or write_loop (offset 0x10).
 */
	.code64
	.section .text.entry, "ax"
read_loop:
	mov	(%rbx), %eax
	jmp	read_loop

	.org	0x10
write_loop:
	mov	%eax, (%rbx)
	jmp	write_loop
