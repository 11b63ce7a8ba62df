/* probe_guest.S: real-mode guest run once per process to learn where KVM leaves RIP on OUT and MMIO writes. */
	.code16
	.text
	.globl probe_start
probe_start:
	/* KVM_EXIT_IO: RIP is 0 (at) or 2 (after) */
	outb	%al, $0x80
	/* KVM_EXIT_MMIO write to the unmapped page at 0x2000: RIP 2 (at) or 5 (after) */
	movb	%al, 0x2000
	hlt
