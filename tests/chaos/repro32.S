/* repro32.S: 32-bit guest routines for the chaos reproducers: INS whose destination is not RAM. */
#include "guest.h"
#include "repro_ids.h"

/*
 * Found by the chaos test: a string IN whose ES:EDI points at unmapped
 * guest memory. The host points RIP at a record and sets EDI (and ECX for
 * the REP form) itself; the routines only hold the instructions.
 */
	.code32
	GUEST_BEGIN
entry:
	mov	$REPRO_PORT, %edx
	REC R_INSB_MMIO, insb
	REC R_INSB_MMIO_DONE, hlt

	mov	$REPRO_PORT, %edx
	REC R_REP_INSB_MMIO, rep insb
	REC R_REP_INSB_MMIO_DONE, hlt

	GUEST_END entry
