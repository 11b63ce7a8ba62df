/* mmio64.S: the MMIO sequence assembled for 64-bit long mode. */
#define GUEST_BITS 64
	.code64
#include "mmio_body.S"
