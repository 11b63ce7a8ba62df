/* unit_insns.S: instructions the emulator unit tests feed it, assembled (not hand-encoded). */

/*
 * Each U name, insn emits the bytes of one instruction as read-only data
 * between the symbols name and name_end; test_emu_unit.c takes them as an
 * exit's InstructionBytes. The code size is set per block (.code16/32/64).
 */
.macro U name:req, insn:vararg
	.globl \name, \name\()_end
\name:
	\insn
\name\()_end:
.endm

	.section .rodata.unit_insns, "a"

	.code64
	U u64_mov_load, mov (%rax), %ecx
	U u64_mov_store8, mov %rdx, (%rbx)
	U u64_mov_disp32, mov 0x12345678(%rbx), %ecx
	U u64_add_mem, add %ecx, (%rbx)
	U u64_inc_mem, incl (%rbx)
	U u64_push_mem, pushq (%rbx)
	U u64_cmpsb, cmpsb
	U u64_rep_stosb, rep stosb
	U u64_rep_movsb, rep movsb
	U u64_movaps_load, movaps (%rbx), %xmm3
	U u64_movdqu_store, movdqu %xmm5, (%rbx)
	U u64_movd_load, movd (%rbx), %xmm2
	U u64_movq_rex_load, movq (%rbx), %xmm4
	U u64_movd_mmx, movd (%rbx), %mm1
	U u64_vmovdqu, vmovdqu (%rbx), %ymm1
	U u64_mov_cr, mov %cr0, %rax
	U u64_in_dx_eax, in (%dx), %eax
	U u64_in_imm_al, in $0x71, %al
	U u64_out_imm_ax, out %ax, $0x80
	U u64_rep_outsw_gs, rep outsw %gs:(%rsi), (%dx)
	U u64_insb, insb (%dx), %es:(%rdi)
	U u64_ud2, ud2
	U u64_nop, nop
	U u64_cmpxchg, lock cmpxchg %ecx, (%rbx)
	U u64_bt_neg, btl %ecx, (%rbx)
	U u64_mov_fs, mov %fs:(%rbx), %eax
	U u64_hlt, hlt

	.code32
	U u32_mov_load, mov (%ebx), %eax
	U u32_mov_store, mov %ecx, (%ebx)
	U u32_mov_cs_load, mov %cs:(%ebx), %eax
	U u32_mov_es_store, mov %ecx, %es:(%ebx)

	.code16
	U u16_mov_load, mov (%bx), %ax
	U u16_mov_bp, mov 2(%bp,%si), %ax
	U u16_in_dx_al, in (%dx), %al
	U u16_rep_insw, rep insw (%dx), %es:(%di)

	.section .note.GNU-stack, "", @progbits
