/* basic_body.S: hello/halt/fault/echo/spin/probe routines for 16-, 32- and 64-bit mode. */

/*
 * Included by basic16.S, basic32.S and basic64.S after they define
 * GUEST_BITS and switch the assembler mode. The host starts the guest at
 * `entry` (hello) or points RIP at one of the recorded routines below.
 * Real mode runs with every segment base 0, so a record's address is both
 * its linear address and its IP.
 */
#include "guest.h"

	GUEST_BEGIN
entry:
	/* hello: print the banner on the serial port, report a value, halt */
	mov	$banner, %esi
	mov	$WHPT_PORT_SERIAL, %edx
1:	lodsb
	test	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	mov	$B_HELLO_VALUE, %eax
	REPORT(B_HELLO_REPORT)
	REC B_HALT, hlt
	REPORT(B_AFTER_HALT)
	hlt

#if GUEST_BITS != 16
	/*
	 * Faults for the triple-fault tests: the host leaves IDTR.limit at 0,
	 * so the exception cannot be delivered. UD2 is not used in real mode
	 * (the platform cannot emulate it there).
	 */
	REC B_UD2, ud2
	/* the host puts WHPT_SEL_BAD (beyond the GDT limit) in AX: #GP */
	REC B_BAD_SEG, mov %ax, %ds
	hlt
#endif

	/* echo: store the GPRs the host set, in encoding order, then halt */
#if GUEST_BITS == 64
	REC B_ECHO, mov %rax, B_ECHO_GPA + 0x00
	mov	%rcx, B_ECHO_GPA + 0x08
	mov	%rdx, B_ECHO_GPA + 0x10
	mov	%rbx, B_ECHO_GPA + 0x18
	mov	%rsp, B_ECHO_GPA + 0x20
	mov	%rbp, B_ECHO_GPA + 0x28
	mov	%rsi, B_ECHO_GPA + 0x30
	mov	%rdi, B_ECHO_GPA + 0x38
	mov	%r8, B_ECHO_GPA + 0x40
	mov	%r9, B_ECHO_GPA + 0x48
	mov	%r10, B_ECHO_GPA + 0x50
	mov	%r11, B_ECHO_GPA + 0x58
	mov	%r12, B_ECHO_GPA + 0x60
	mov	%r13, B_ECHO_GPA + 0x68
	mov	%r14, B_ECHO_GPA + 0x70
	mov	%r15, B_ECHO_GPA + 0x78
#else
	REC B_ECHO, mov %eax, B_ECHO_GPA + 0x00
	mov	%ecx, B_ECHO_GPA + 0x08
	mov	%edx, B_ECHO_GPA + 0x10
	mov	%ebx, B_ECHO_GPA + 0x18
	mov	%esp, B_ECHO_GPA + 0x20
	mov	%ebp, B_ECHO_GPA + 0x28
	mov	%esi, B_ECHO_GPA + 0x30
	mov	%edi, B_ECHO_GPA + 0x38
#endif
	REC B_ECHO_DONE, hlt

	/* setregs: load known values the host then reads back, then halt */
#if GUEST_BITS == 64
	REC B_SETREGS, movabs $B_SET_RAX, %rax
	movabs	$B_SET_RBX, %rbx
	movabs	$B_SET_RCX, %rcx
	movabs	$B_SET_RDX, %rdx
	movabs	$B_SET_RSI, %rsi
	movabs	$B_SET_RDI, %rdi
	movabs	$B_SET_R8, %r8
	movabs	$B_SET_R15, %r15
#else
	REC B_SETREGS, mov $(B_SET_RAX & 0xFFFFFFFF), %eax
	mov	$(B_SET_RBX & 0xFFFFFFFF), %ebx
	mov	$(B_SET_RCX & 0xFFFFFFFF), %ecx
	mov	$(B_SET_RDX & 0xFFFFFFFF), %edx
	mov	$(B_SET_RSI & 0xFFFFFFFF), %esi
	mov	$(B_SET_RDI & 0xFFFFFFFF), %edi
#endif
	REC B_SETREGS_DONE, hlt

	/* out-then-spin: the OUT proves guest code ran; the spin never exits */
	REC B_OUT_THEN_SPIN, outb %al, $WHPT_PORT_REPORT
	REC B_SPIN, jmp .

	/* RBX to the report port (host sets RBX, guest shows it) */
#if GUEST_BITS == 64
	REC B_OUT_RBX, mov %rbx, %rax
#else
	REC B_OUT_RBX, mov %ebx, %eax
#endif
	REPORT(B_OUT_RBX_REPORT)
	hlt

#if GUEST_BITS == 32
	/* probes: the host sets EDI (address) and ESI (value) */
	REC B_READ, mov (%edi), %eax
	REPORT(B_READ_DONE)
	hlt
	REC B_WRITE, mov %esi, (%edi)
	REPORT(B_WRITE_DONE)
	hlt
	REC B_EXEC, jmp *%edi
#endif

	.section .rodata
banner:
	.asciz	"hello from the guest\n"

	GUEST_END entry
