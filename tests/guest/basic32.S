/* basic32.S: the basic routines assembled for 32-bit protected mode. */
#define GUEST_BITS 32
	.code32
#include "basic_body.S"
