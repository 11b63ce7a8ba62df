/* reset16.S: real-mode code linked at physical 0xFFFF0, where a new VP starts (F000:FFF0). */
#include "guest.h"

	.code16
	GUEST_BEGIN
entry:
	mov	$V_RESET_VALUE, %al
	REC V_RESET_OUT, outb %al, $WHPT_PORT_REPORT
	hlt

	GUEST_END entry
