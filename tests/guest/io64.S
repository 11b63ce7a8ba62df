/* io64.S: the port I/O sequence assembled for 64-bit long mode. */
#define GUEST_BITS 64
	.code64
#include "io_body.S"
