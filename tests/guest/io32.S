/* io32.S: the port I/O sequence assembled for 32-bit protected mode. */
#define GUEST_BITS 32
	.code32
#include "io_body.S"
