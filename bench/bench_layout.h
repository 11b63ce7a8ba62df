/* bench_layout.h: guest physical layout shared by the bench guest (.S) and the host code. */
#ifndef BENCH_LAYOUT_H
#define BENCH_LAYOUT_H

/*
 * Both halves of the bench (the WHP API and raw KVM) run the same flat image
 * in 64-bit long mode: it is copied to guest physical BENCH_PAYLOAD_BASE of a
 * 2 MiB RAM block mapped at GPA 0. The image carries its own GDT and an
 * identity map of the first 1 GiB in 2 MiB pages (Intel SDM Vol. 3A 4.5), so
 * the host only has to load CR0/CR3/CR4/EFER, the segment registers and GDTR.
 * Everything here is a plain number so that the assembler can use it too.
 */
#define BENCH_RAM_SIZE	   0x200000 /* 2 MiB of guest RAM at GPA 0 */
#define BENCH_PAYLOAD_BASE 0x1000   /* where the image is loaded */
#define BENCH_GDT_GPA	   0x2000
#define BENCH_PML4_GPA	   0x3000
#define BENCH_PDPT_GPA	   0x4000
#define BENCH_PD_GPA	   0x5000
#define BENCH_STACK_TOP	   0x8000
#define BENCH_GDT_LIMIT	   23 /* null, code64, data: 3 x 8 bytes - 1 */
#define BENCH_SEL_CODE	   0x08
#define BENCH_SEL_DATA	   0x10

/* An address inside the identity map with no memory behind it: MMIO exits. */
#define BENCH_MMIO_GPA 0x10000000

/* The port the I/O loops use (the traditional POST/delay port). */
#define BENCH_PORT 0x80

/*
 * Entry points, as offsets from BENCH_PAYLOAD_BASE: each loop starts at a
 * fixed .org in the image so that the host can point RIP at it.
 */
#define BENCH_OFF_OUT	     0x000 /* 1: out %al,$0x80; jmp 1b */
#define BENCH_OFF_IN	     0x040 /* 1: in $0x80,%al; jmp 1b */
#define BENCH_OFF_MMIO_WRITE 0x080 /* 1: mov %eax,(%rbx); jmp 1b */
#define BENCH_OFF_MMIO_READ  0x0c0 /* 1: mov (%rbx),%eax; jmp 1b */
#define BENCH_OFF_HLT	     0x100 /* 1: hlt; jmp 1b */

/* Control register and EFER values for long mode with paging. */
#define BENCH_CR0  0x80050033 /* PG WP AM NE ET MP PE */
#define BENCH_CR4  0x00000620 /* PAE OSFXSR OSXMMEXCPT */
#define BENCH_EFER 0x00000500 /* LME LMA */

#endif /* BENCH_LAYOUT_H */
