/* whp_test_layout.h: guest memory layout and port numbers shared by the test harness and guests. */
#ifndef WHP_TEST_LAYOUT_H
#define WHP_TEST_LAYOUT_H

/*
 * This header is included both by C (the harness) and by GNU as through the C
 * preprocessor (the guest payloads), so it holds plain #defines only, written
 * without parentheses or C suffixes so that gas accepts them too.
 *
 * Guest physical layout built by whpt_vm_init() and whpt_vm_set_mode():
 *
 *   0x00000-0x00FFF  real-mode IVT area (unused by the payloads)
 *   0x01000-0x05FFF  payload image (every payload is linked at WHPT_CODE_GPA)
 *   0x06000-0x067FF  GDT written by the host (selectors below)
 *   0x06800-0x06FFF  TSS (the task register needs one for VM entry)
 *   0x07000-0x07FFF  stack, RSP starts at WHPT_STACK_TOP
 *   0x08000-0x08FFF  scratch data the guests read and write
 *   0x09000-0x09FFF  IDT area; IDTR.limit is 0 outside real mode, so any
 *                    exception becomes a triple fault instead of a hang
 *   0x20000-0x22FFF  long-mode page tables: identity map of the first GiB
 *                    with 2 MiB pages
 *   0x00000-0x3FFFF  is all RAM (WHPT_RAM_SIZE); WHPT_MMIO_GPA is never
 *                    mapped by the builder, so accesses there exit.
 */
#define WHPT_RAM_SIZE  0x40000
#define WHPT_CODE_GPA  0x1000
#define WHPT_CODE_END  0x6000
#define WHPT_GDT_GPA   0x6000
#define WHPT_TSS_GPA   0x6800
#define WHPT_STACK_TOP 0x7FF0
#define WHPT_DATA_GPA  0x8000
#define WHPT_IDT_GPA   0x9000
#define WHPT_PML4_GPA  0x20000
#define WHPT_PDPT_GPA  0x21000
#define WHPT_PD_GPA    0x22000
#define WHPT_MMIO_GPA  0x50000
/* real-mode segment whose base is WHPT_MMIO_GPA */
#define WHPT_MMIO_SEG 0x5000

/* GDT selectors (descriptors written by whpt_vm_set_mode) */
#define WHPT_SEL_CODE32 0x08
#define WHPT_SEL_DATA	0x10
#define WHPT_SEL_CODE64 0x18
#define WHPT_SEL_CODE16 0x20
#define WHPT_SEL_DATA16 0x28
#define WHPT_SEL_TSS	0x30
/* GDTR.limit: 8 descriptors (the 64-bit TSS descriptor takes two) */
#define WHPT_GDT_LIMIT 0x3F
/* a selector past the GDT limit: loading it raises #GP */
#define WHPT_SEL_BAD 0x80

/* Guest report protocol: text bytes to the serial port, values to the report port. */
#define WHPT_PORT_SERIAL 0x3F8
#define WHPT_PORT_REPORT 0xE9

/* Payload trailer: the last 16 bytes of every image (see tests/guest/guest.h). */
#define WHPT_IMAGE_MAGIC 0x47504857

#endif /* WHP_TEST_LAYOUT_H */
