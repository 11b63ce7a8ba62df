/* pvh.S: a minimal ELF kernel with Xen's PVH entry note (a fuzz seed; never run). */
/* The note is Xen's XEN_ELFNOTE_PHYS32_ENTRY (type 18): name "Xen", a 32-bit entry address. */
	.section .note.Xen, "a", @note
	.balign	4
	.long	4			/* namesz */
	.long	4			/* descsz */
	.long	18			/* type: PHYS32_ENTRY */
	.asciz	"Xen"
	.long	pvh_start
	.text
	.code32
	.globl	_start
_start:
pvh_start:
	hlt
	jmp	pvh_start
