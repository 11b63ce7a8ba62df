/* repro_exit.c: minimal reproducers of exit-context bugs the chaos test found. */
#include "whp_test.h"
#include "repro_ids.h"

/*
 * INS into unmapped memory (chaos: "malformed I/O exit: AccessSize 5").
 * WHP reports a string IN as an X64IoPortAccess exit before anything is
 * written (whp-reference §4.3): port, access size and direction are the
 * instruction's, whatever ES:EDI points at. On KVM the eager completion of
 * the string element writes the destination; when that is not RAM the
 * completion itself exits to user space with KVM_EXIT_MMIO, which reuses
 * the kvm_run area the I/O exit's port, size and count were read from.
 */

TestSuite(repro_exit, .timeout = 30);

extern const unsigned char repro32[];
extern const unsigned int repro32_size;

static void start_at(struct whpt_vm *vm, unsigned int id, uint64_t edi, uint64_t ecx)
{
	whpt_vm_start(vm, repro32, repro32_size, WHPT_PROT32);
	whpt_set64(vm, WHvX64RegisterRdx, REPRO_PORT);
	whpt_set64(vm, WHvX64RegisterRdi, edi);
	whpt_set64(vm, WHvX64RegisterRcx, ecx);
	whpt_goto(vm, id);
}

static void assert_ins_exit(struct whpt_vm *vm, unsigned int id, int rep)
{
	const WHV_X64_IO_PORT_ACCESS_CONTEXT *io = &vm->exit.IoPortAccess;

	whpt_run_expect(vm, WHvRunVpExitReasonX64IoPortAccess);
	WHPT_ASSERT_EQ64(io->PortNumber, REPRO_PORT, "PortNumber");
	WHPT_ASSERT_EQ64(io->AccessInfo.AccessSize, 1, "AccessSize");
	WHPT_ASSERT_EQ64(io->AccessInfo.IsWrite, 0, "IsWrite");
	WHPT_ASSERT_EQ64(io->AccessInfo.StringOp, 1, "StringOp");
	WHPT_ASSERT_EQ64(io->AccessInfo.RepPrefix, rep, "RepPrefix");
	whpt_assert_at(vm, id);
}

Test(repro_exit, insb_into_ram_is_a_well_formed_io_exit)
{
	struct whpt_vm vm;

	/* the control case: the same instruction with a RAM destination */
	start_at(&vm, R_INSB_MMIO, WHPT_DATA_GPA, 0);
	assert_ins_exit(&vm, R_INSB_MMIO, 0);
	whpt_vm_destroy(&vm);
}

Test(repro_exit, insb_into_unmapped_memory_is_a_well_formed_io_exit)
{
	struct whpt_vm vm;

	start_at(&vm, R_INSB_MMIO, WHPT_MMIO_GPA, 0);
	assert_ins_exit(&vm, R_INSB_MMIO, 0);
	whpt_vm_destroy(&vm);
}

Test(repro_exit, rep_insb_into_unmapped_memory_is_a_well_formed_io_exit)
{
	struct whpt_vm vm;

	start_at(&vm, R_REP_INSB_MMIO, WHPT_MMIO_GPA, 3);
	assert_ins_exit(&vm, R_REP_INSB_MMIO, 1);
	whpt_vm_destroy(&vm);
}
