/* bzimage.S: the smallest bzImage the Linux loader accepts (a fuzz seed; never run). */
/*
 * The real-mode setup is one sector plus the boot sector; the fields are
 * the Linux x86 boot protocol's setup header (Documentation/arch/x86/boot.rst),
 * version 2.15, with a 64-bit entry (xloadflags bit 0) and a tiny
 * protected-mode part. Assembled and flattened by make-seeds.sh.
 */
	.code16
	.section .text
	.globl	_start
_start:
	.org	0x1f1
	.byte	1			/* setup_sects */
	.word	0			/* root_flags */
	.long	(payload_end - payload) / 16 + 1 /* syssize */
	.word	0, 0xffff, 0		/* ram_size, vid_mode, root_dev */
	.word	0xaa55			/* boot_flag */
	.org	0x200
	jmp	1f			/* jump */
	.ascii	"HdrS"			/* header */
	.word	0x020f			/* version */
	.long	0			/* realmode_swtch */
	.word	0, 0			/* start_sys_seg, kernel_version */
	.byte	0, 1			/* type_of_loader, loadflags: LOADED_HIGH */
	.word	0			/* setup_move_size */
	.long	0x100000		/* code32_start */
	.long	0, 0, 0			/* ramdisk_image, ramdisk_size, bootsect_kludge */
	.word	0			/* heap_end_ptr */
	.byte	0, 0			/* ext_loader_ver, ext_loader_type */
	.long	0			/* cmd_line_ptr */
	.long	0x37ffffff		/* initrd_addr_max */
	.long	0x200000		/* kernel_alignment */
	.byte	1, 21			/* relocatable_kernel, min_alignment */
	.word	1			/* xloadflags: XLF_KERNEL_64 */
	.long	2047			/* cmdline_size */
	.long	0, 0, 0		/* hardware_subarch, hardware_subarch_data */
	.long	0, 0			/* payload_offset, payload_length */
	.quad	0			/* setup_data */
	.quad	0x1000000		/* pref_address */
	.long	0x10000			/* init_size */
	.long	0, 0			/* handover_offset, kernel_info_offset */
1:	hlt
	.org	0x400
	.code64
payload:
	hlt
	jmp	payload
	.balign	16
payload_end:
