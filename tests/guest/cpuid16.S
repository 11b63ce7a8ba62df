/* cpuid16.S: a real-mode guest that reports what CPUID returns for two leaves. */
#define GUEST_BITS 16
	.code16
#include "guest.h"

	GUEST_BEGIN
entry:
	mov	$0x40000000, %eax
	xor	%ecx, %ecx
	cpuid
	outl	%eax, $WHPT_PORT_REPORT
	mov	%ebx, %eax
	outl	%eax, $WHPT_PORT_REPORT
	mov	$1, %eax
	xor	%ecx, %ecx
	cpuid
	mov	%ecx, %eax
	outl	%eax, $WHPT_PORT_REPORT
	hlt
	GUEST_END entry
