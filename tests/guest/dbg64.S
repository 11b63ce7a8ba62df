/* dbg64.S: a long-mode guest that runs over a hardware breakpoint the host sets in DR0/DR7. */
#define GUEST_BITS 64
	.code64
#include "guest.h"

	GUEST_BEGIN
entry:
	REC DBG_STEP1, nop
	REC DBG_STEP2, nop
	/* DR0 (set by the host) points here: an instruction breakpoint. */
	REC DBG_BP, nop
	mov	$0xD0E, %eax
	REC DBG_END, outl %eax, $WHPT_PORT_REPORT
	hlt
	GUEST_END entry
