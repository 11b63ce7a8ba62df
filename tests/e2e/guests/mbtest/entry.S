/* entry.S: 32-bit entry of the multiboot/PVH test kernel: headers, stack, call kmain. */
/*
 * One entry point serves both boot conventions: multiboot (EAX =
 * 0x2BADB002, EBX = multiboot_info) and PVH (EBX = hvm_start_info, EAX
 * undefined). kmain() tells them apart. The header asks for page-aligned
 * modules and memory information (Multiboot Specification 3.1.1).
 */
#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x00000003

	.section .multiboot, "a"
	.balign	4
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

/* Xen's PHYS32_ENTRY note: the PVH entry is the same _start. */
	.section .note.Xen, "a", @note
	.balign	4
	.long	4			/* name size, "Xen\0" */
	.long	4			/* descriptor size */
	.long	18			/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz	"Xen"
	.long	_start

	.code32
	.section .text
	.globl	_start
_start:
	cli
	cld
	mov	$stack_top, %esp
	push	%ebx			/* boot information */
	push	%eax			/* boot magic */
	call	kmain
halt:
	hlt
	jmp	halt

	.section .bss
	.balign	16
stack:
	.skip	16384
stack_top:
	.section .note.GNU-stack, "", @progbits
