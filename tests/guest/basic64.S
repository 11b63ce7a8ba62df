/* basic64.S: the basic routines assembled for 64-bit long mode. */
#define GUEST_BITS 64
	.code64
#include "basic_body.S"
