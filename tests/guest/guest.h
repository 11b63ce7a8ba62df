/* guest.h: GNU as macros shared by the guest payloads (record table, image trailer). */
/* GNU as macro syntax, which clang-format would break: */
/* clang-format off */
#ifndef GUEST_H
#define GUEST_H

#ifndef __ASSEMBLER__
#error "guest.h is for the guest payload sources (.S) only"
#endif

#include "whp_test_layout.h"
#include "guest_ids.h"

/*
 * Image format (read by whpt_vm_load in tests/harness/whp_test.h):
 *
 *   code and read-only data          .text.entry, .text*, .rodata*
 *   record table                     .data.whpt subsection 0, 8 bytes each:
 *                                      u16 id, u16 length, u32 address
 *   trailer, the last 16 bytes       .data.whpt subsection 1:
 *                                      u32 WHPT_IMAGE_MAGIC, u32 image base,
 *                                      u32 entry address, u32 table address
 *
 * Records give the host the address and the assembled length of the
 * instructions a test looks at, so exits are checked against what the
 * assembler produced rather than against what the library decoded. The
 * payloads must not use .data or .bss themselves: the trailer has to stay
 * last. Scratch memory lives at fixed addresses (whp_test_layout.h).
 */

/* REC id, instruction: emit the instruction and record where it is. */
.macro REC id:req, insn:vararg
.Lrec_begin_\@:
	\insn
.Lrec_end_\@:
	.pushsection .data.whpt, "aw"
	.subsection 0
	.word	\id
	.word	.Lrec_end_\@ - .Lrec_begin_\@
	.long	.Lrec_begin_\@
	.popsection
.endm

/* GUEST_BEGIN: first thing in a payload; the image starts here. */
.macro GUEST_BEGIN
	.section .text.entry, "ax"
whpt_image_base:
	.pushsection .data.whpt, "aw"
	.subsection 0
whpt_rec_table:
	.popsection
.endm

/* GUEST_END entry: last thing in a payload; writes the trailer. */
.macro GUEST_END entry:req
	.pushsection .data.whpt, "aw"
	.subsection 1
	.long	WHPT_IMAGE_MAGIC
	.long	whpt_image_base
	.long	\entry
	.long	whpt_rec_table
	.popsection
.endm

/* REPORT id: send EAX to the report port (the host reads the exit's Rax). */
#define REPORT(id)	REC id, outl %eax, $WHPT_PORT_REPORT

#endif /* GUEST_H */
