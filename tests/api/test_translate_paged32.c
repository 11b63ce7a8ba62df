/* test_translate_paged32.c: 32-bit and PAE guest stores land where WHvTranslateGva says. */
#include "whp_test.h"

#include "state_ids.h"

WHPT_PAYLOAD(guest_state32);

/*
 * A 32-bit guest with paging on needs a KVM that runs one: this machine's
 * kvm_pvm shuts such a guest down at its first instruction (raw KVM_RUN
 * gives KVM_EXIT_SHUTDOWN too), so the executable skips (77) there, before
 * Criterion starts, saying why. The translations themselves are checked
 * without running in test_translate.c.
 */
#define EXTRA_GPA  0x100000ull
#define EXTRA_SIZE 0x100000ull
#define P	   1ull
#define W	   (1ull << 1)
#define U	   (1ull << 2)
#define PS	   (1ull << 7)
#define XD	   (1ull << 63)

struct pvm {
	struct whpt_vm vm;
	uint8_t *extra;
};

static void put64(struct pvm *t, uint64_t gpa, uint64_t v)
{
	memcpy(t->extra + (gpa - EXTRA_GPA), &v, 8);
}

static void put32(struct pvm *t, uint64_t gpa, uint32_t v)
{
	memcpy(t->extra + (gpa - EXTRA_GPA), &v, 4);
}

/* Paging registers: CR3, CR4, EFER, CR0. */
static HRESULT set_paging(WHV_PARTITION_HANDLE part, uint64_t cr3, uint64_t cr4, uint64_t efer)
{
	WHV_REGISTER_NAME names[] = { WHvX64RegisterCr3, WHvX64RegisterCr4, WHvX64RegisterEfer,
				      WHvX64RegisterCr0 };
	WHV_REGISTER_VALUE v[4];

	memset(v, 0, sizeof(v));
	v[0].Reg64 = cr3;
	v[1].Reg64 = cr4;
	v[2].Reg64 = efer;
	v[3].Reg64 = 0x80010033; /* PG, WP, NE, ET, MP, PE */
	return WHvSetVirtualProcessorRegisters(part, 0, names, 4, v);
}

/*
 * Does a 32-bit guest run with PAE paging here? The payload's HLT under an
 * identity 2 MiB page, set up through the API alone (no Criterion yet).
 */
__attribute__((constructor)) static void require_paged32(void)
{
	WHV_PARTITION_HANDLE part = NULL;
	WHV_RUN_VP_EXIT_CONTEXT x;
	UINT32 count = 1;
	uint64_t *mem =
		mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	WHV_REGISTER_NAME names[] = { WHvX64RegisterCs, WHvX64RegisterRip };
	WHV_REGISTER_VALUE v[2];
	bool ok;

	if (mem == MAP_FAILED || FAILED(WHvCreatePartition(&part)) ||
	    FAILED(WHvSetPartitionProperty(part, WHvPartitionPropertyCodeProcessorCount, &count,
					   sizeof(count))) ||
	    FAILED(WHvSetupPartition(part)) || FAILED(WHvCreateVirtualProcessor(part, 0, 0)) ||
	    FAILED(WHvMapGpaRange(part, mem, 0, 0x10000, WHPT_MAP_RWX))) {
		fprintf(stderr, "SKIP: cannot set up a partition: %s\n", openwhp_last_error());
		_exit(77);
	}
	mem[0x8000 / 8] = 0x9000 | P;	  /* PDPT[0] */
	mem[0x9000 / 8] = 0 | P | W | PS; /* PD[0]: 2 MiB identity */
	/* The payload's entry is a HLT (state_body.S); its trailer names it. */
	memcpy((uint8_t *)mem + WHPT_CODE_GPA, guest_state32, guest_state32_size);
	memset(v, 0, sizeof(v));
	v[0].Segment.Limit = 0xFFFFFFFF;
	v[0].Segment.Selector = WHPT_SEL_CODE32;
	v[0].Segment.Attributes = WHPT_ATTR_CODE32;
	v[1].Reg64 = whpt_le32(guest_state32 + guest_state32_size - 8);
	ok = SUCCEEDED(WHvSetVirtualProcessorRegisters(part, 0, names, 2, v)) &&
	     SUCCEEDED(set_paging(part, 0x8000, 0x20, 0)) &&
	     SUCCEEDED(WHvRunVirtualProcessor(part, 0, &x, sizeof(x))) &&
	     x.ExitReason == WHvRunVpExitReasonX64Halt;
	WHvDeletePartition(part);
	munmap(mem, 0x10000);
	if (!ok) {
		fprintf(stderr, "SKIP: this host's KVM cannot run a 32-bit guest with paging "
				"(kvm-platform-facts: kvm_pvm shuts it down)\n");
		_exit(77);
	}
}

TestSuite(paged32, .timeout = 60);

static void pvm_start(struct pvm *t)
{
	whpt_vm_start(&t->vm, guest_state32, guest_state32_size, WHPT_PROT32);
	t->extra = whpt_alloc(EXTRA_SIZE);
	WHPT_ASSERT_OK(WHvMapGpaRange(t->vm.part, t->extra, EXTRA_GPA, EXTRA_SIZE, WHPT_MAP_RWX));
}

static uint64_t translated(struct pvm *t, uint64_t gva)
{
	WHV_TRANSLATE_GVA_RESULT r;
	WHV_GUEST_PHYSICAL_ADDRESS gpa = 0;

	WHPT_ASSERT_OK(
		WHvTranslateGva(t->vm.part, 0, gva, WHvTranslateGvaFlagValidateWrite, &r, &gpa));
	cr_assert_eq(r.ResultCode, WHvTranslateGvaResultSuccess, "GVA 0x%llx: result %u",
		     (unsigned long long)gva, r.ResultCode);
	return gpa;
}

/* The guest stores (value) to a, b, c; each lands at its translated GPA. */
static void stores_land(struct pvm *t, uint32_t a, uint32_t b, uint32_t c, uint32_t value)
{
	uint64_t ga = translated(t, a), gb = translated(t, b), gc = translated(t, c);
	uint32_t got;

	whpt_set64(&t->vm, WHvX64RegisterRax, value);
	whpt_set64(&t->vm, WHvX64RegisterRbx, a);
	whpt_set64(&t->vm, WHvX64RegisterRcx, b);
	whpt_set64(&t->vm, WHvX64RegisterRdx, c);
	whpt_goto(&t->vm, ST_STORE3);
	whpt_run_expect(&t->vm, WHvRunVpExitReasonX64Halt);
	memcpy(&got, t->extra + (ga - EXTRA_GPA), 4);
	cr_assert_eq(got, value, "store to GVA 0x%x (GPA 0x%llx)", a, (unsigned long long)ga);
	memcpy(&got, t->extra + (gb - EXTRA_GPA), 4);
	cr_assert_eq(got, value, "store to GVA 0x%x (GPA 0x%llx)", b, (unsigned long long)gb);
	memcpy(&got, t->extra + (gc - EXTRA_GPA), 4);
	cr_assert_eq(got, value, "store to GVA 0x%x (GPA 0x%llx)", c, (unsigned long long)gc);
}

Test(paged32, legacy_32bit_paging)
{
	struct pvm t;

	pvm_start(&t);
	put32(&t, 0x105000, 0 | P | W | PS);
	put32(&t, 0x105004, 0x106000u | P | W | U);
	put32(&t, 0x106000, 0x114000u | P | W | U);
	put32(&t, 0x106004, 0x119000u | P | W);
	WHPT_ASSERT_OK(set_paging(t.vm.part, 0x105000, 0x610, 0));
	stores_land(&t, 0x400020, 0x400FFC, 0x401010, 0xC0FFEE11);
	whpt_vm_destroy(&t.vm);
	munmap(t.extra, EXTRA_SIZE);
}

Test(paged32, pae_paging)
{
	struct pvm t;

	pvm_start(&t);
	put64(&t, 0x107000, 0x108000ull | P);
	put64(&t, 0x108000, 0 | P | W | PS);
	put64(&t, 0x108010, 0x109000ull | P | W);
	put64(&t, 0x109000, 0x117000ull | P | W);
	put64(&t, 0x109008, 0x118000ull | P | W | XD);
	WHPT_ASSERT_OK(set_paging(t.vm.part, 0x107000, 0x620, 0x800));
	stores_land(&t, 0x400100, 0x401200, 0x401FFC, 0x600DF00D);
	whpt_vm_destroy(&t.vm);
	munmap(t.extra, EXTRA_SIZE);
}
