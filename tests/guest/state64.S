/* state64.S: the VP-state routines assembled for 64-bit mode. */
#define GUEST_BITS 64
	.code64
#include "state_body.S"
