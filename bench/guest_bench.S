/* guest_bench.S: the bench guest: five exit loops in 64-bit mode plus its GDT and page tables. */
#include "bench_layout.h"

/*
 * Loaded at BENCH_PAYLOAD_BASE and entered in long mode with CS = code64,
 * the data selector in DS/ES/SS/FS/GS, CR3 = BENCH_PML4_GPA. Each loop
 * sits at the .org its BENCH_OFF_* constant names; .org counts from the start
 * of this section, which the payload linker script places at the load base.
 * Every loop makes exactly one exit per iteration and never terminates:
 * the host decides how many iterations it runs.
 */
	.section .text.entry, "ax"
	.code64

	.org BENCH_OFF_OUT
out_loop:
	/* Port write: KVM_EXIT_IO / X64IoPortAccess, IsWrite = 1. */
1:	outb	%al, $BENCH_PORT
	jmp	1b

	.org BENCH_OFF_IN
in_loop:
	/* Port read: the host supplies AL. */
1:	inb	$BENCH_PORT, %al
	jmp	1b

	.org BENCH_OFF_MMIO_WRITE
mmio_write_loop:
	/* 32-bit store to a GPA with no memory slot: KVM_EXIT_MMIO write. */
	movl	$BENCH_MMIO_GPA, %ebx
1:	movl	%eax, (%rbx)
	jmp	1b

	.org BENCH_OFF_MMIO_READ
mmio_read_loop:
	/* 32-bit load from the same GPA: the host supplies EAX. */
	movl	$BENCH_MMIO_GPA, %ebx
1:	movl	(%rbx), %eax
	jmp	1b

	.org BENCH_OFF_HLT
hlt_loop:
	/* No interrupt controller in either half: every HLT exits. */
1:	hlt
	jmp	1b

	/* GDT: null, 64-bit code (L=1, D=0), flat 32-bit data (SDM Vol. 3A 3.4.5). */
	.org BENCH_GDT_GPA - BENCH_PAYLOAD_BASE
gdt:
	.quad	0
	.quad	0x00af9a000000ffff
	.quad	0x00cf92000000ffff

	/* 4-level paging: one PML4 entry, one PDPT entry, 512 2-MiB pages. */
	.org BENCH_PML4_GPA - BENCH_PAYLOAD_BASE
pml4:
	.quad	BENCH_PDPT_GPA | 0x3		/* present, writable */

	.org BENCH_PDPT_GPA - BENCH_PAYLOAD_BASE
pdpt:
	.quad	BENCH_PD_GPA | 0x3

	.org BENCH_PD_GPA - BENCH_PAYLOAD_BASE
pd:
	.set	page, 0
	.rept	512
	.quad	(page << 21) | 0x83		/* present, writable, PS (2 MiB) */
	.set	page, page + 1
	.endr
