/* native_cases.S: host x86-64 code for the native differential test: the cases, a runner. */

/*
 * test_emu_native.c runs every case below twice: once on this CPU, here, in
 * user space, against ordinary memory, and once through the emulator with
 * fake callbacks serving a copy of that memory; the results must match.
 *
 * emu_native_run(state, code): load RAX..R15 (not RSP), RFLAGS and
 * XMM0..XMM15 from (state) (layout: struct native_state in
 * test_emu_native.c), call (code), store them back into (state).
 *
 * NC insn: one case: the instruction followed by RET, listed in the table
 * native_case_table .. native_case_table_end as (address, length) pairs.
 * Absolute addresses 0x4000xxxx are inside the window the test maps at
 * NATIVE_BASE; native_ripdata is the target of the RIP-relative cases.
 */

#define ST_RFLAGS	128
#define ST_XMM		144

	.section .data.native_cases, "aw"
	.balign 8
	.globl native_case_table
native_case_table:

.macro NC insn:vararg
	.pushsection .data.native_cases, "aw"
	.quad	1001f
	.quad	1002f - 1001f
	.popsection
1001:	\insn
1002:	ret
.endm

	.data
	.balign 16
	.globl native_ripdata
native_ripdata:
	.zero	64
native_state_ptr:
	.quad	0
native_target:
	.quad	0

	.text
	.globl emu_native_run
	.type emu_native_run, @function
emu_native_run:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rdi, native_state_ptr(%rip)
	mov	%rsi, native_target(%rip)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	movdqu	ST_XMM+16*\n(%rdi), %xmm\n
	.endr
	pushq	ST_RFLAGS(%rdi)
	popfq
	mov	0(%rdi), %rax
	mov	8(%rdi), %rcx
	mov	16(%rdi), %rdx
	mov	24(%rdi), %rbx
	mov	40(%rdi), %rbp
	mov	48(%rdi), %rsi
	mov	64(%rdi), %r8
	mov	72(%rdi), %r9
	mov	80(%rdi), %r10
	mov	88(%rdi), %r11
	mov	96(%rdi), %r12
	mov	104(%rdi), %r13
	mov	112(%rdi), %r14
	mov	120(%rdi), %r15
	mov	56(%rdi), %rdi
	call	*native_target(%rip)
	pushfq
	push	%rax
	mov	native_state_ptr(%rip), %rax
	popq	0(%rax)
	popq	ST_RFLAGS(%rax)
	mov	%rcx, 8(%rax)
	mov	%rdx, 16(%rax)
	mov	%rbx, 24(%rax)
	mov	%rbp, 40(%rax)
	mov	%rsi, 48(%rax)
	mov	%rdi, 56(%rax)
	mov	%r8, 64(%rax)
	mov	%r9, 72(%rax)
	mov	%r10, 80(%rax)
	mov	%r11, 88(%rax)
	mov	%r12, 96(%rax)
	mov	%r13, 104(%rax)
	mov	%r14, 112(%rax)
	mov	%r15, 120(%rax)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	movdqu	%xmm\n, ST_XMM+16*\n(%rax)
	.endr
	cld
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret
	.size emu_native_run, . - emu_native_run

	.globl native_cases_code
native_cases_code:
	/* MOV: every size, high-byte and REX byte registers, SIB, disp8/disp32 */
	NC mov (%rbx), %al
	NC mov (%rbx), %ah
	NC mov (%rbx), %sil
	NC mov (%rbx), %r9b
	NC mov (%rbx), %ax
	NC mov (%rbx), %r8w
	NC mov (%rbx), %eax
	NC mov (%rbx), %rax
	NC mov %cl, (%rbx)
	NC mov %bh, (%rsi)
	NC mov %dil, (%rbx)
	NC mov %cx, (%rbx)
	NC mov %r9w, (%rbx)
	NC mov %ecx, (%rbx)
	NC mov %rcx, (%rbx)
	NC mov 0x7f(%rbx,%rsi,4), %edx
	NC mov -0x80(%rbx,%rdi,8), %r10
	NC mov 0x12345(%r12), %r11d
	NC mov (%r13), %r14
	NC mov %r15, 0x10(%rbp,%r8,2)
	NC mov 0x40(,%rsi,8), %rdx
	NC movb $0x12, (%rbx)
	NC movw $0x1234, (%rbx)
	NC movl $0x12345678, (%rbx)
	NC movq $-5, (%rbx)
	NC movq $0x7fffffff, 8(%rbx,%rcx)
	/* absolute (disp32), moffs (movabs), RIP-relative, GS-relative */
	NC mov 0x40001100, %eax
	NC movl $0xa5a5a5a5, 0x40001ffe
	NC movabs 0x40001108, %rax
	NC movabs 0x40001ff9, %ax
	NC movabs %al, 0x40001110
	NC movabs %rax, 0x40001118
	NC movabs %eax, 0x40001ffd
	NC mov native_ripdata(%rip), %ecx
	NC mov %edx, native_ripdata+8(%rip)
	NC movb $5, native_ripdata+3(%rip)
	NC movq $-1, native_ripdata+16(%rip)
	NC mov %gs:0x30, %eax
	NC mov %gs:0x20(%rbx), %r12
	NC mov %rdx, %gs:(%rbx,%rsi,2)
	/* 32-bit addressing (0x67) */
	NC mov (%ebx), %eax
	NC mov 0x10(%ebx,%esi,2), %cx
	NC movl $1, (%edi)
	NC mov %r8, -8(%eax,%ecx,4)
	/* MOVZX, MOVSX, MOVSXD */
	NC movzbl (%rbx), %eax
	NC movzwl (%rbx), %ecx
	NC movzbq (%rbx), %r8
	NC movzwq (%rbx), %r9
	NC movzbw (%rbx), %dx
	NC movzbl (%rbx), %esi
	NC movsbl (%rbx), %eax
	NC movswl (%rbx), %ecx
	NC movsbq (%rbx), %r8
	NC movswq (%rbx), %r9
	NC movslq (%rbx), %rax
	NC movsbw (%rbx), %dx
	NC movsbl 3(%rbx,%rdi,1), %ebp

	/* ALU: each operation in each form */
	.irp op, add, adc, sub, sbb, and, or, xor, cmp
	NC \op %ecx, (%rbx)
	NC \op (%rbx), %edx
	NC \op\()b %cl, (%rbx)
	NC \op\()b (%rbx), %ah
	NC \op\()w %cx, (%rbx)
	NC \op\()w (%rbx), %r9w
	NC \op %rcx, (%rbx)
	NC \op (%rbx), %r10
	NC \op\()b $0x80, (%rbx)
	NC \op\()w $0x7fff, (%rbx)
	NC \op\()w $-3, (%rbx)
	NC \op\()l $0x12345678, (%rbx)
	NC \op\()l $-1, (%rbx)
	NC \op\()q $-3, (%rbx)
	NC \op\()q $0x40000000, 4(%rbx)
	.endr
	.irp op, add, adc, sub, sbb, and, or, xor
	NC lock \op %ecx, (%rbx)
	NC lock \op\()q $1, (%rbx)
	.endr
	NC test %ecx, (%rbx)
	NC testb %cl, (%rbx)
	NC testb %ch, (%rbx)
	NC testw %cx, (%rbx)
	NC test %rcx, (%rbx)
	NC testb $0x81, (%rbx)
	NC testw $0x8001, (%rbx)
	NC testl $0x80000001, (%rbx)
	NC testq $-1, (%rbx)

	/* XCHG */
	NC xchg %al, (%rbx)
	NC xchg %cx, (%rbx)
	NC xchg %edx, (%rbx)
	NC xchg %r8, (%rbx)
	NC xchg (%rbx), %esi
	NC lock xchg %ah, (%rbx)

	/* BT family: register offsets (signed, reach outside the operand) and immediates */
	.irp op, bt, bts, btr, btc
	NC \op\()w %cx, (%rbx)
	NC \op\()l %ecx, (%rbx)
	NC \op\()q %rcx, (%rbx)
	NC \op\()w $17, (%rbx)
	NC \op\()l $5, (%rbx)
	NC \op\()q $63, (%rbx)
	.endr
	NC lock btsl %ecx, (%rbx)
	NC lock btrq $3, (%rbx)
	NC lock btcw %dx, 2(%rbx,%rsi,4)

	/* CMPXCHG */
	NC cmpxchg %cl, (%rbx)
	NC cmpxchg %cx, (%rbx)
	NC cmpxchg %ecx, (%rbx)
	NC cmpxchg %rcx, (%rbx)
	NC lock cmpxchg %r9d, (%rbx)
	NC lock cmpxchg %ah, (%rbx)

	/* MOVS, STOS, LODS: every size, REP (F3 and F2), 32-bit addressing, GS source */
	.irp s, b, w, l, q
	NC movs\s
	NC rep movs\s
	NC stos\s
	NC rep stos\s
	NC lods\s
	NC rep lods\s
	.endr
	NC repne movsb
	NC repne stosl
	NC addr32 rep movsb
	NC addr32 rep movsq
	NC addr32 stosw
	NC addr32 rep stosl
	NC movsb %gs:(%rsi), %es:(%rdi)
	NC rep movsl %gs:(%rsi), %es:(%rdi)
	NC lods %gs:(%rsi), %ax

	/* SSE moves */
	NC movd (%rbx), %xmm1
	NC movd %xmm2, (%rbx)
	NC movq (%rbx), %xmm3
	NC movq %xmm4, (%rbx)
	NC movd (%rbx), %xmm12
	NC movq %xmm13, 8(%rbx,%rsi,8)
	NC movdqa (%rbx), %xmm6
	NC movdqa %xmm7, (%rbx)
	NC movdqu (%rbx), %xmm8
	NC movdqu %xmm9, (%rbx)
	NC movaps (%rbx), %xmm10
	NC movaps %xmm11, (%rbx)
	NC movups (%rbx), %xmm0
	NC movups %xmm15, (%rbx)
	NC movapd (%rbx), %xmm14
	NC movupd %xmm5, (%rbx)
	NC movdqu native_ripdata+16(%rip), %xmm1
	NC movups %xmm2, %gs:0x100

	.section .data.native_cases, "aw"
	.globl native_case_table_end
native_case_table_end:
	.section .note.GNU-stack, "", @progbits
