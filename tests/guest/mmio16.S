/* mmio16.S: the MMIO sequence assembled for real mode. */
#define GUEST_BITS 16
	.code16
#include "mmio_body.S"
