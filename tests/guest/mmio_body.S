/* mmio_body.S: loads, stores and a jump to the unmapped MMIO page, for 16-, 32- and 64-bit mode. */

/*
 * Included by mmio16.S, mmio32.S and mmio64.S. Every access below targets
 * WHPT_MMIO_GPA, which the builder never maps, so each one exits as
 * MemoryAccess. Real mode reaches it through DS = WHPT_MMIO_SEG; the other
 * modes use flat absolute addresses. After each completed load the guest
 * reports the destination register.
 */
#include "guest.h"

#if GUEST_BITS == 16
#define MMIO(off)	off
#else
#define MMIO(off)	WHPT_MMIO_GPA + off
#endif

	GUEST_BEGIN
entry:
#if GUEST_BITS == 16
	mov	$WHPT_MMIO_SEG, %ax
	mov	%ax, %ds
#endif
	mov	$MM_RBX_INIT, %ebx
	REC MM_READ32, mov MMIO(MM_READ32_OFF), %ebx
	mov	%ebx, %eax
	REPORT(MM_READ32_REPORT)
	REC MM_READ8, movb MMIO(MM_READ8_OFF), %bl
	mov	%ebx, %eax
	REPORT(MM_READ8_REPORT)
	REC MM_WRITE32, movl $MM_WRITE32_VALUE, MMIO(MM_WRITE32_OFF)
	REC MM_WRITE8, movb $MM_WRITE8_VALUE, MMIO(MM_WRITE8_OFF)
	REPORT(MM_WRITE_REPORT)

	/* jump into the unmapped page: an instruction fetch there exits */
#if GUEST_BITS == 16
	REC MM_EXEC_SETUP, nop
	REC MM_EXEC, ljmp $WHPT_MMIO_SEG, $MM_EXEC_OFF
#elif GUEST_BITS == 32
	REC MM_EXEC_SETUP, mov $(WHPT_MMIO_GPA + MM_EXEC_OFF), %ebx
	REC MM_EXEC, jmp *%ebx
#else
	REC MM_EXEC_SETUP, mov $(WHPT_MMIO_GPA + MM_EXEC_OFF), %ebx
	REC MM_EXEC, jmp *%rbx
#endif

	/* never run here: the host copies it to WHPT_MMIO_GPA + MM_EXEC_OFF */
	REPORT(MM_LANDING)
	hlt

	GUEST_END entry
