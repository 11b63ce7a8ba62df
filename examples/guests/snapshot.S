/* snapshot.S: a real-mode guest that writes a few pages between checkpoints, for the snapshot example. */
	.code16
	.text
	.globl start
start:
	mov	$0x1000, %ax          /* DS base 0x10000: the data pages */
	mov	%ax, %ds
	movb	$1, 0x0000
	movb	$2, 0x1000
	outb	%al, $0x80            /* checkpoint 1: the full snapshot */
	movb	$3, 0x3000
	movb	$4, 0x3001
	outb	%al, $0x81            /* checkpoint 2: the incremental one */
	movb	$5, 0x5000
	movb	0x3000, %al
	outb	%al, $0x82            /* reports 3: what it wrote before the snapshot */
	hlt
