/* state32.S: the VP-state routines assembled for 32-bit mode. */
#define GUEST_BITS 32
	.code32
#include "state_body.S"
