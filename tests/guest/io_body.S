/* io_body.S: every port I/O form the tests check, assembled for 16-, 32- and 64-bit mode. */

/*
 * Included by io16.S, io32.S and io64.S. The host runs it from `entry` and
 * completes each exit itself (Windows model): it advances RIP past each OUT,
 * writes RAX and advances RIP for each IN, and emulates the string forms.
 * After every IN (and after the string forms) the guest reports the
 * register the instruction changed, so the host sees what the guest saw.
 */
#include "guest.h"

	GUEST_BEGIN
entry:
	mov	$IO_RAX_INIT, %eax
	mov	$IO_DX_PORT, %edx
	REC IO_OUTB_IMM, outb %al, $IO_PORT_B
	REC IO_OUTW_IMM, outw %ax, $IO_PORT_W
	REC IO_OUTL_IMM, outl %eax, $IO_PORT_L
	REC IO_OUTB_DX, outb %al, %dx
	REC IO_OUTW_DX, outw %ax, %dx
	REC IO_OUTL_DX, outl %eax, %dx

	REC IO_INB_IMM, inb $IO_PORT_INB, %al
	REPORT(IO_INB_IMM_REPORT)
	REC IO_INW_IMM, inw $IO_PORT_INW, %ax
	REPORT(IO_INW_IMM_REPORT)
	REC IO_INL_IMM, inl $IO_PORT_INL, %eax
	REPORT(IO_INL_IMM_REPORT)
	REC IO_INB_DX, inb %dx, %al
	REPORT(IO_INB_DX_REPORT)
	REC IO_INW_DX, inw %dx, %ax
	REPORT(IO_INW_DX_REPORT)
	REC IO_INL_DX, inl %dx, %eax
	REPORT(IO_INL_DX_REPORT)

	/* string forms, port in DX; the host emulates them */
	mov	$IO_STR_SRC, %esi
	mov	$IO_STR_COUNT, %ecx
	REC IO_REP_OUTSB, rep outsb
	mov	%ecx, %eax
	REPORT(IO_REP_OUTSB_RCX)
	mov	%esi, %eax
	REPORT(IO_REP_OUTSB_RSI)

	mov	$IO_STR_DST, %edi
	mov	$IO_STR_COUNT, %ecx
	REC IO_REP_INSB, rep insb
	mov	%ecx, %eax
	REPORT(IO_REP_INSB_RCX)
	mov	%edi, %eax
	REPORT(IO_REP_INSB_RDI)

	mov	$(IO_STR_SRC + 0x10), %esi
	REC IO_OUTSB, outsb
	mov	%esi, %eax
	REPORT(IO_OUTSB_RSI)
	REC IO_END, hlt

	GUEST_END entry
