/* io16.S: the port I/O sequence assembled for real mode. */
#define GUEST_BITS 16
	.code16
#include "io_body.S"
