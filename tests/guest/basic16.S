/* basic16.S: the basic routines assembled for real mode. */
#define GUEST_BITS 16
	.code16
#include "basic_body.S"
