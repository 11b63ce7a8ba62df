/* mmio32.S: the MMIO sequence assembled for 32-bit protected mode. */
#define GUEST_BITS 32
	.code32
#include "mmio_body.S"
