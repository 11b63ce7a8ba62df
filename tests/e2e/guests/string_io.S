/* string_io.S: e2e guest checking IN, INS and OUTS completion in real mode; status 67. */
/*
 * Loaded at 0x7c00 with CS = DS = ES = 0. Every check jumps to "fail"
 * (prints "!" and writes 99: status 199) when a register or memory result differs from
 * what the CPU would produce. The serial port's registers give known
 * input: LSR (0x3fd) reads 0x60 and MCR (0x3fc) reads 0 after reset.
 */
	.code16
	.section .text.entry, "ax"
	.globl _start
_start:
	/* IN AL merges into EAX: the upper 24 bits are kept. */
	mov	$0xffffffff, %eax
	mov	$0x3fd, %dx
	in	%dx, %al
	cmp	$0xffffff60, %eax
	jne	fail

	/* 16-bit IN at 0x3fc reads MCR (low byte) and LSR (high byte). */
	mov	$0x3fc, %dx
	in	%dx, %ax
	cmp	$0xffff6000, %eax
	jne	fail

	/* REP INSB: 4 bytes to ES:DI, CX counts down to 0, DI moves up by 4. */
	mov	$buf, %di
	mov	$4, %cx
	mov	$0x3fd, %dx
	cld
	rep insb
	test	%cx, %cx
	jnz	fail
	cmp	$buf + 4, %di
	jne	fail
	cmpl	$0x60606060, buf
	jne	fail

	/* INSW without REP: one element, CX untouched. */
	mov	$buf, %di
	mov	$0x3fc, %dx
	mov	$7, %cx
	insw
	cmpw	$0x6000, buf
	jne	fail
	cmp	$buf + 2, %di
	jne	fail
	cmp	$7, %cx
	jne	fail

	/* REP OUTSB with a CS override while DS points elsewhere. */
	mov	$0x1000, %ax
	mov	%ax, %ds		/* DS base 0x10000: the wrong place */
	mov	$prefix, %si
	mov	$prefix_len, %cx
	mov	$0x3f8, %dx
	cs rep outsb
	xor	%ax, %ax
	mov	%ax, %ds
	cmp	$prefix + prefix_len, %si
	jne	fail

	/* REP OUTSB backwards (DF = 1): "\nKO" read from its end prints "OK\n". */
	mov	$reversed + reversed_len - 1, %si
	mov	$reversed_len, %cx
	std
	rep outsb
	cld
	cmp	$reversed - 1, %si
	jne	fail

	mov	$33, %al
	out	%al, $0xf4
	hlt

fail:
	mov	$0x3f8, %dx
	mov	$'!', %al
	out	%al, %dx
	mov	$99, %al
	out	%al, $0xf4
	hlt

prefix:
	.ascii	"openwhp e2e: string I/O "
	.set	prefix_len, . - prefix
reversed:
	.ascii	"\nKO"
	.set	reversed_len, . - reversed
	.balign	4
buf:
	.long	0
