/* kvm_regs_x86.c: WHP x64 register names <-> KVM x86 state blocks (pure conversions, no ioctls). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "kvm_regs.h"

/*
 * Bit layouts of the packed WHP registers are spelt out here as shifts and
 * masks on Reg64 / Reg128 rather than through the header's bitfields: the
 * positions are the ABI (WinHvPlatformDefs.h, measured layouts), and the unit
 * tests build their values through the bitfields, so the two are checked
 * against each other.
 */

/* RFLAGS (SDM Vol.1 3.4.3): defined bits 0-2, 4, 6-14, 16-21; bit 1 reads as 1. */
#define RFLAGS_FIXED1  (1ULL << 1)
#define RFLAGS_DEFINED 0x3F7FD7ULL

/* CR0 (SDM Vol.3 2.5): bits 63:32 are reserved and MOV CR0 faults on them. */
#define CR0_PE		  (1ULL << 0)
#define CR0_NW		  (1ULL << 29)
#define CR0_CD		  (1ULL << 30)
#define CR0_PG		  (1ULL << 31)
#define CR0_RESERVED_HIGH 0xFFFFFFFF00000000ULL

/*
 * CR4 (SDM Vol.3 2.5, Figure 2-7): defined bits are 0-14 (VME..SMXE), 16-25
 * (FSGSBASE, PCIDE, OSXSAVE, KL, SMEP, SMAP, PKE, CET, PKS, UINTR), 27 (LASS),
 * 28 (LAM_SUP) and 32 (FRED); every other bit is reserved.
 */
#define CR4_LA57    (1ULL << 12)
#define CR4_DEFINED (0x1BFF7FFFULL | (1ULL << 32))

/* CR8 holds TPR[7:4] only (SDM Vol.3 10.8.6.1). */
#define CR8_MAX 15

/*
 * EFER (SDM Vol.3 2.2.1, AMD APM Vol.2 3.1.7): SCE 0, LME 8, LMA 10, NXE 11,
 * SVME 12, LMSLE 13, FFXSR 14, TCE 15.
 */
#define EFER_DEFINED 0xFD01ULL

/*
 * IA32_APIC_BASE (SDM Vol.3 10.4.4, 10.12.1): BSP 8, EXTD 10, EN 11, base
 * 12..MAXPHYADDR-1. MAXPHYADDR is at most 52, which is the bound used here;
 * KVM applies the guest's real MAXPHYADDR when the block is set.
 */
#define APIC_BASE_EXTD	  (1ULL << 10)
#define APIC_BASE_EN	  (1ULL << 11)
#define APIC_BASE_DEFINED 0x000FFFFFFFFFFD00ULL

/* DR6/DR7: bits 63:32 must be zero (SDM Vol.3 17.2.4/17.2.5; KVM_SET_DEBUGREGS checks it). */
#define DR_RESERVED_HIGH 0xFFFFFFFF00000000ULL

/*
 * XCR0 (SDM Vol.1 13.3, XSETBV): bit 0 (x87) must be 1; AVX (2) needs SSE (1);
 * BNDREGS (3) and BNDCSR (4) come together; the AVX-512 bits 5-7 come all
 * together and need AVX; the AMX bits 17-18 come together; bit 63 is reserved.
 */
#define XCR0_X87      (1ULL << 0)
#define XCR0_SSE      (1ULL << 1)
#define XCR0_AVX      (1ULL << 2)
#define XCR0_MPX      (3ULL << 3)
#define XCR0_AVX512   (7ULL << 5)
#define XCR0_AMX      (3ULL << 17)
#define XCR0_RESERVED (1ULL << 63)

/* MXCSR_MASK 0 in an FXSAVE image means the default mask 0xFFBF (SDM Vol.1 11.6.6). */
#define MXCSR_DEFAULT_MASK 0xFFBFU

/*
 * WHV_X64_PENDING_INTERRUPTION_REGISTER (Reg64): pending 0, type 1-3, deliver
 * error code 4, instruction length 5-8, nested event 9, reserved 10-15,
 * vector 16-31, error code 32-63.
 */
#define PI_PENDING	(1ULL << 0)
#define PI_TYPE_SHIFT	1
#define PI_DELIVER_EC	(1ULL << 4)
#define PI_RESERVED	(0x3FULL << 10)
#define PI_VECTOR_SHIFT 16
#define PI_EC_SHIFT	32

/* WHV_X64_PENDING_INTERRUPTION_TYPE, plus Hyper-V's software-interrupt type 4. */
#define PI_TYPE_INTERRUPT      0
#define PI_TYPE_NMI	       2
#define PI_TYPE_EXCEPTION      3
#define PI_TYPE_SOFT_INTERRUPT 4

/* WHV_X64_INTERRUPT_STATE_REGISTER (Reg64). */
#define IS_SHADOW     (1ULL << 0)
#define IS_NMI_MASKED (1ULL << 1)
#define IS_DEFINED    0x3ULL

/*
 * WHV_X64_PENDING_EXCEPTION_EVENT / WHV_X64_PENDING_EXT_INT_EVENT (Reg128.Low64).
 * The event type is decoded from bits 1-4: the nested-exit event layouts give
 * it four bits (VmxNestedExit = 8), the exception and ExtInt layouts three
 * plus a reserved bit 4.
 */
#define PE_PENDING	    (1ULL << 0)
#define PE_TYPE_SHIFT	    1
#define PE_TYPE_MASK	    0xFU
#define PE_TYPE_EXCEPTION   0
#define PE_TYPE_EXT_INT	    5
#define PE_EXC_DELIVER_EC   (1ULL << 8)
#define PE_EXC_VECTOR_SHIFT 16
#define PE_EXC_EC_SHIFT	    32
#define PE_EXC_DEFINED	    (0xFFFFFFFFFFFF010FULL)
#define PE_EXT_VECTOR_SHIFT 8
#define PE_EXT_DEFINED	    0xFF0FULL

/* WHV_X64_PENDING_DEBUG_EXCEPTION (Reg64): Breakpoint0-3 bits 0-3, SingleStep bit 4. */
#define PDE_BREAKPOINTS 0xFULL
#define PDE_SINGLE_STEP (1ULL << 4)
#define PDE_DEFINED	0x1FULL

/* KVM's #DB payload: the DR6 bits to raise, active high (api.rst KVM_CAP_EXCEPTION_PAYLOAD). */
#define DR6_BS (1ULL << 14)

/* WHV_INTERNAL_ACTIVITY_REGISTER (Reg64). */
#define IA_STARTUP_SUSPEND (1ULL << 0)
#define IA_HALT_SUSPEND	   (1ULL << 1)
#define IA_IDLE_SUSPEND	   (1ULL << 2)
#define IA_DEFINED	   0x7ULL

/* Exception vectors KVM gives a payload to, and the NMI vector. */
#define VEC_DB	1
#define VEC_NMI 2
#define VEC_PF	14

/*
 * WHP name -> MSR index for the names backed by KVM_GET/SET_MSRS. Indices
 * from the Intel SDM Vol.4 (Table 2-2, architectural MSRs) and the AMD APM
 * Vol.2 (STAR/LSTAR/CSTAR/SFMASK, TSC_AUX, KERNEL_GS_BASE).
 */
struct msr_map {
	uint32_t name;
	uint32_t index;
};

static const struct msr_map msr_table[] = {
	{ WHvX64RegisterTsc, 0x10 },		     /* IA32_TIME_STAMP_COUNTER */
	{ WHvX64RegisterKernelGsBase, 0xC0000102 },  /* IA32_KERNEL_GS_BASE */
	{ WHvX64RegisterPat, 0x277 },		     /* IA32_PAT */
	{ WHvX64RegisterSysenterCs, 0x174 },	     /* IA32_SYSENTER_CS */
	{ WHvX64RegisterSysenterEip, 0x176 },	     /* IA32_SYSENTER_EIP */
	{ WHvX64RegisterSysenterEsp, 0x175 },	     /* IA32_SYSENTER_ESP */
	{ WHvX64RegisterStar, 0xC0000081 },	     /* IA32_STAR */
	{ WHvX64RegisterLstar, 0xC0000082 },	     /* IA32_LSTAR */
	{ WHvX64RegisterCstar, 0xC0000083 },	     /* IA32_CSTAR */
	{ WHvX64RegisterSfmask, 0xC0000084 },	     /* IA32_FMASK */
	{ WHvX64RegisterMsrMtrrCap, 0xFE },	     /* IA32_MTRRCAP */
	{ WHvX64RegisterMsrMtrrDefType, 0x2FF },     /* IA32_MTRR_DEF_TYPE */
	{ WHvX64RegisterMsrMtrrFix64k00000, 0x250 }, /* IA32_MTRR_FIX64K_00000 */
	{ WHvX64RegisterMsrMtrrFix16k80000, 0x258 }, /* IA32_MTRR_FIX16K_80000 */
	{ WHvX64RegisterMsrMtrrFix16kA0000, 0x259 }, /* IA32_MTRR_FIX16K_A0000 */
	{ WHvX64RegisterMsrMtrrFix4kC0000, 0x268 },  /* IA32_MTRR_FIX4K_C0000 */
	{ WHvX64RegisterMsrMtrrFix4kC8000, 0x269 },
	{ WHvX64RegisterMsrMtrrFix4kD0000, 0x26A },
	{ WHvX64RegisterMsrMtrrFix4kD8000, 0x26B },
	{ WHvX64RegisterMsrMtrrFix4kE0000, 0x26C },
	{ WHvX64RegisterMsrMtrrFix4kE8000, 0x26D },
	{ WHvX64RegisterMsrMtrrFix4kF0000, 0x26E },
	{ WHvX64RegisterMsrMtrrFix4kF8000, 0x26F }, /* IA32_MTRR_FIX4K_F8000 */
	{ WHvX64RegisterTscAux, 0xC0000103 },	    /* IA32_TSC_AUX */
	{ WHvX64RegisterBndcfgs, 0xD90 },	    /* IA32_BNDCFGS */
	{ WHvX64RegisterMCount, 0xE7 },		    /* IA32_MPERF */
	{ WHvX64RegisterACount, 0xE8 },		    /* IA32_APERF */
	{ WHvX64RegisterSpecCtrl, 0x48 },	    /* IA32_SPEC_CTRL */
	{ WHvX64RegisterPredCmd, 0x49 },	    /* IA32_PRED_CMD */
	{ WHvX64RegisterTsxCtrl, 0x122 },	    /* IA32_TSX_CTRL */
	{ WHvX64RegisterXss, 0xDA0 },		    /* IA32_XSS */
	{ WHvX64RegisterUCet, 0x6A0 },		    /* IA32_U_CET */
	{ WHvX64RegisterSCet, 0x6A2 },		    /* IA32_S_CET */
	{ WHvX64RegisterPl0Ssp, 0x6A4 },	    /* IA32_PL0_SSP */
	{ WHvX64RegisterPl1Ssp, 0x6A5 },
	{ WHvX64RegisterPl2Ssp, 0x6A6 },
	{ WHvX64RegisterPl3Ssp, 0x6A7 },		/* IA32_PL3_SSP */
	{ WHvX64RegisterInterruptSspTableAddr, 0x6A8 }, /* IA32_INTERRUPT_SSP_TABLE_ADDR */
	{ WHvX64RegisterTscDeadline, 0x6E0 },		/* IA32_TSC_DEADLINE */
	{ WHvX64RegisterTscAdjust, 0x3B },		/* IA32_TSC_ADJUST */
	{ WHvX64RegisterUmwaitControl, 0xE1 },		/* IA32_UMWAIT_CONTROL */
	{ WHvX64RegisterXfd, 0x1C4 },			/* IA32_XFD */
	{ WHvX64RegisterXfdErr, 0x1C5 },		/* IA32_XFD_ERR */
	{ WHvX64RegisterMsrIa32MiscEnable, 0x1A0 },	/* IA32_MISC_ENABLE */
	{ WHvX64RegisterIa32FeatureControl, 0x3A },	/* IA32_FEATURE_CONTROL */
};

/* The variable-range MTRR pairs: PhysBase n at 0x200 + 2n, PhysMask n at 0x201 + 2n. */
#define MTRR_PHYS_COUNT	   16
#define MTRR_PHYS_BASE_MSR 0x200

static bool in_range(uint32_t n, uint32_t lo, uint32_t hi)
{
	return n >= lo && n <= hi;
}

static bool msr_lookup(uint32_t n, uint32_t *index)
{
	size_t i;

	if (in_range(n, WHvX64RegisterMsrMtrrPhysBase0,
		     WHvX64RegisterMsrMtrrPhysBase0 + MTRR_PHYS_COUNT - 1)) {
		*index = MTRR_PHYS_BASE_MSR + 2 * (n - WHvX64RegisterMsrMtrrPhysBase0);
		return true;
	}
	if (in_range(n, WHvX64RegisterMsrMtrrPhysMask0,
		     WHvX64RegisterMsrMtrrPhysMask0 + MTRR_PHYS_COUNT - 1)) {
		*index = MTRR_PHYS_BASE_MSR + 1 + 2 * (n - WHvX64RegisterMsrMtrrPhysMask0);
		return true;
	}
	for (i = 0; i < sizeof(msr_table) / sizeof(msr_table[0]); i++) {
		if (msr_table[i].name == n) {
			*index = msr_table[i].index;
			return true;
		}
	}
	return false;
}

/*
 * The real x64 WHP names nothing in KVM's vCPU state can back (yet):
 * - VirtualCr0/3/4/8: nested-virtualisation shadows;
 * - Ssp (reachable only through KVM_GET_ONE_REG on CET hosts), TscVirtualOffset;
 * - the nested VMX capability MSRs and AMD VM_HSAVE_PA / VM_CR;
 * - the LAPIC registers 0x3000 + (xAPIC offset / 16): they belong to the
 *   LAPIC state (KVM_GET/SET_LAPIC), which is not a block of this view;
 * - SynIC and Hyper-V enlightenment registers, hypervisor information and
 *   guest-crash registers (KVM's Hyper-V emulation is not exposed this way).
 */
static bool is_unsupported(uint32_t n)
{
	switch (n) {
	case WHvX64RegisterVirtualCr0:
	case WHvX64RegisterVirtualCr3:
	case WHvX64RegisterVirtualCr4:
	case WHvX64RegisterVirtualCr8:
	case WHvX64RegisterSsp:
	case WHvX64RegisterTscVirtualOffset:
	/* LAPIC (x2APIC MSR 0x800 + k <-> name 0x3000 + k) */
	case WHvX64RegisterApicId:
	case WHvX64RegisterApicVersion:
	case WHvX64RegisterApicTpr:
	case WHvX64RegisterApicPpr:
	case WHvX64RegisterApicEoi:
	case WHvX64RegisterApicLdr:
	case WHvX64RegisterApicSpurious:
	case WHvX64RegisterApicEse:
	case WHvX64RegisterApicIcr:
	case WHvX64RegisterApicLvtTimer:
	case WHvX64RegisterApicLvtThermal:
	case WHvX64RegisterApicLvtPerfmon:
	case WHvX64RegisterApicLvtLint0:
	case WHvX64RegisterApicLvtLint1:
	case WHvX64RegisterApicLvtError:
	case WHvX64RegisterApicInitCount:
	case WHvX64RegisterApicCurrentCount:
	case WHvX64RegisterApicDivide:
	case WHvX64RegisterApicSelfIpi:
	/* SynIC and Hyper-V */
	case WHvRegisterScontrol:
	case WHvRegisterSversion:
	case WHvRegisterSiefp:
	case WHvRegisterSimp:
	case WHvRegisterEom:
	case WHvRegisterVpRuntime:
	case WHvX64RegisterHypercall:
	case WHvRegisterGuestOsId:
	case WHvRegisterVpAssistPage:
	case WHvRegisterReferenceTsc:
	case WHvRegisterReferenceTscSequence: return true;
	default: break;
	}
	return in_range(n, WHvX64RegisterIa32VmxBasic, WHvX64RegisterAmdVmCr) ||
	       in_range(n, WHvX64RegisterApicIsr0, WHvX64RegisterApicIrr7) ||
	       in_range(n, WHvRegisterSint0, WHvRegisterSint15) ||
	       in_range(n, WHvX64RegisterNestedGuestState, WHvX64RegisterNestedVmxInvVpid) ||
	       n == WHvRegisterHypervisorVersion ||
	       in_range(n, WHvRegisterPrivilegesAndFeaturesInfo, WHvRegisterPasidFeaturesInfo) ||
	       in_range(n, WHvRegisterGuestCrashP0, WHvRegisterGuestCrashCtl);
}

enum kvm_block kvm_reg_block(WHV_REGISTER_NAME name, uint32_t *msr_index)
{
	uint32_t n = (uint32_t)name;
	uint32_t index;

	if (n <= WHvX64RegisterRflags)
		return KB_REGS;
	if (in_range(n, WHvX64RegisterEs, WHvX64RegisterCr8))
		return KB_SREGS;
	if (in_range(n, WHvX64RegisterDr0, WHvX64RegisterDr7))
		return KB_DEBUGREGS;
	if (n == WHvX64RegisterXCr0)
		return KB_XCRS;
	if (in_range(n, WHvX64RegisterXmm0, WHvX64RegisterXmmControlStatus))
		return KB_FPU;
	if (n == WHvX64RegisterEfer || n == WHvX64RegisterApicBase)
		return KB_SREGS;
	if (n == WHvX64RegisterInitialApicId)
		return KB_CONST;
	if (msr_lookup(n, &index)) {
		if (msr_index)
			*msr_index = index;
		return KB_MSR;
	}
	/*
	 * The header spells the names from 0x80000000 up as negative ints (the
	 * ISO C enumerator range); the casts give the documented numbers.
	 */
	switch (n) {
	case (uint32_t)WHvRegisterPendingInterruption:
	case (uint32_t)WHvRegisterInterruptState:
	case (uint32_t)WHvRegisterPendingEvent:
	case (uint32_t)WHvRegisterPendingEvent1:
	case (uint32_t)WHvRegisterPendingEvent2:
	case (uint32_t)WHvRegisterPendingEvent3:
	case (uint32_t)WHvX64RegisterPendingDebugException: return KB_EVENTS;
	case (uint32_t)WHvX64RegisterDeliverabilityNotifications:
		/* A software register of the run loop (interrupt-window requests). */
		return KB_CONST;
	case (uint32_t)WHvRegisterInternalActivityState: return KB_MPSTATE;
	default: break;
	}
	if (is_unsupported(n))
		return KB_UNSUPPORTED;
	return KB_NONE;
}

/* ---- helpers ---------------------------------------------------------- */

/* is_canonical: bits 63..(bits-1) of (va) are all equal (SDM Vol.1 3.3.7.1). */
static bool is_canonical(uint64_t va, unsigned int bits)
{
	uint64_t top = va >> (bits - 1);

	return top == 0 || top == (~0ULL >> (bits - 1));
}

/*
 * Linear-address width a base is checked against: 57 bits when CR4.LA57 is
 * set in the state being written, else 48. The check uses the CR4 already in
 * (s), so a caller moving to 5-level paging sets CR4 before the bases.
 */
static unsigned int va_bits(const struct kvm_sregs *s)
{
	return (s->cr4 & CR4_LA57) ? 57 : 48;
}

static void set_u128(WHV_REGISTER_VALUE *v, uint64_t lo, uint64_t hi)
{
	v->Reg128.Low64 = lo;
	v->Reg128.High64 = hi;
}

/* ---- KB_REGS ---------------------------------------------------------- */

/*
 * struct kvm_regs orders the GPRs rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
 * WHP numbers them in the ModRM encoding order (rax, rcx, rdx, rbx, ...).
 */
static __u64 *regs_slot(struct kvm_regs *r, uint32_t name)
{
	switch (name) {
	case WHvX64RegisterRax: return &r->rax;
	case WHvX64RegisterRcx: return &r->rcx;
	case WHvX64RegisterRdx: return &r->rdx;
	case WHvX64RegisterRbx: return &r->rbx;
	case WHvX64RegisterRsp: return &r->rsp;
	case WHvX64RegisterRbp: return &r->rbp;
	case WHvX64RegisterRsi: return &r->rsi;
	case WHvX64RegisterRdi: return &r->rdi;
	case WHvX64RegisterR8: return &r->r8;
	case WHvX64RegisterR9: return &r->r9;
	case WHvX64RegisterR10: return &r->r10;
	case WHvX64RegisterR11: return &r->r11;
	case WHvX64RegisterR12: return &r->r12;
	case WHvX64RegisterR13: return &r->r13;
	case WHvX64RegisterR14: return &r->r14;
	case WHvX64RegisterR15: return &r->r15;
	case WHvX64RegisterRip: return &r->rip;
	case WHvX64RegisterRflags: return &r->rflags;
	default: return NULL;
	}
}

static int regs_read(struct kvm_regs *r, uint32_t name, WHV_REGISTER_VALUE *out)
{
	__u64 *slot = regs_slot(r, name);

	if (!slot)
		return -EINVAL;
	out->Reg64 = *slot;
	return 0;
}

/*
 * RFLAGS: bit 1 is forced to 1, as the CPU and KVM_SET_REGS do, so writing 0
 * reads back 2. Setting a reserved bit (3, 5, 15, 22-63) is refused: KVM would
 * store it and the next VM entry would fail on it (SDM Vol.3 26.3.1.4).
 */
static int regs_write(struct kvm_regs *r, uint32_t name, const WHV_REGISTER_VALUE *in)
{
	__u64 *slot = regs_slot(r, name);
	uint64_t v = in->Reg64;

	if (!slot)
		return -EINVAL;
	if (name == WHvX64RegisterRflags) {
		if (v & ~RFLAGS_DEFINED)
			return -EINVAL;
		v |= RFLAGS_FIXED1;
	}
	*slot = v;
	return 0;
}

/* ---- KB_SREGS --------------------------------------------------------- */

/*
 * WHV_X64_SEGMENT_REGISTER.Attributes is the VMX access-rights word without
 * its "unusable" bit (SDM Vol.3 24.4.1): type 0-3, S 4, DPL 5-6, P 7,
 * reserved 8-11, AVL 12, L 13, D/B 14, G 15.
 */
void kvm_seg_to_whv(const struct kvm_segment *k, WHV_X64_SEGMENT_REGISTER *w)
{
	/* KVM marks a null/unloaded segment "unusable"; WHP says that with P = 0. */
	unsigned int present = k->present && !k->unusable;

	w->Base = k->base;
	w->Limit = k->limit;
	w->Selector = k->selector;
	w->Attributes = (uint16_t)((k->type & 0xFU) | (k->s & 1U) << 4 | (k->dpl & 3U) << 5 |
				   present << 7 | (k->avl & 1U) << 12 | (k->l & 1U) << 13 |
				   (k->db & 1U) << 14 | (k->g & 1U) << 15);
}

/*
 * Bits 8-11 of Attributes are ignored: clients derive Attributes from
 * descriptor bits 40-55 (QEMU shifts its descriptor flags right by 8), which
 * carries limit bits 19:16 there, and KVM has no place for them.
 */
void kvm_seg_from_whv(const WHV_X64_SEGMENT_REGISTER *w, struct kvm_segment *k)
{
	unsigned int a = w->Attributes;

	memset(k, 0, sizeof(*k));
	k->base = w->Base;
	k->limit = w->Limit;
	k->selector = w->Selector;
	k->type = a & 0xF;
	k->s = (a >> 4) & 1;
	k->dpl = (a >> 5) & 3;
	k->present = (a >> 7) & 1;
	k->avl = (a >> 12) & 1;
	k->l = (a >> 13) & 1;
	k->db = (a >> 14) & 1;
	k->g = (a >> 15) & 1;
	k->unusable = !k->present;
}

static struct kvm_segment *sregs_seg(struct kvm_sregs *s, uint32_t name)
{
	switch (name) {
	case WHvX64RegisterEs: return &s->es;
	case WHvX64RegisterCs: return &s->cs;
	case WHvX64RegisterSs: return &s->ss;
	case WHvX64RegisterDs: return &s->ds;
	case WHvX64RegisterFs: return &s->fs;
	case WHvX64RegisterGs: return &s->gs;
	case WHvX64RegisterLdtr: return &s->ldt;
	case WHvX64RegisterTr: return &s->tr;
	default: return NULL;
	}
}

static struct kvm_dtable *sregs_table(struct kvm_sregs *s, uint32_t name)
{
	if (name == WHvX64RegisterIdtr)
		return &s->idt;
	if (name == WHvX64RegisterGdtr)
		return &s->gdt;
	return NULL;
}

static __u64 *sregs_u64(struct kvm_sregs *s, uint32_t name)
{
	switch (name) {
	case WHvX64RegisterCr0: return &s->cr0;
	case WHvX64RegisterCr2: return &s->cr2;
	case WHvX64RegisterCr3: return &s->cr3;
	case WHvX64RegisterCr4: return &s->cr4;
	case WHvX64RegisterCr8: return &s->cr8;
	case WHvX64RegisterEfer: return &s->efer;
	case WHvX64RegisterApicBase: return &s->apic_base;
	default: return NULL;
	}
}

static int sregs_read(struct kvm_sregs *s, uint32_t name, WHV_REGISTER_VALUE *out)
{
	struct kvm_segment *seg = sregs_seg(s, name);
	struct kvm_dtable *dt = sregs_table(s, name);
	__u64 *v = sregs_u64(s, name);

	if (seg) {
		kvm_seg_to_whv(seg, &out->Segment);
	} else if (dt) {
		out->Table.Limit = dt->limit;
		out->Table.Base = dt->base;
	} else if (v) {
		out->Reg64 = *v;
	} else {
		return -EINVAL;
	}
	return 0;
}

/*
 * Single-register architectural checks (SDM Vol.3 2.5 for the CRs, 2.2.1 for
 * EFER, 10.4.4 for APIC_BASE). Checks that combine several registers (EFER.LMA
 * against CR0.PG, CR4.PAE in long mode, CS.L with CS.D) are left to
 * KVM_SET_SREGS, because a WHP call may write them in any order.
 */
static int sregs_check_u64(uint32_t name, uint64_t v)
{
	switch (name) {
	case WHvX64RegisterCr0:
		if (v & CR0_RESERVED_HIGH)
			return -EINVAL;
		if ((v & CR0_PG) && !(v & CR0_PE))
			return -EINVAL;
		if ((v & CR0_NW) && !(v & CR0_CD))
			return -EINVAL;
		return 0;
	case WHvX64RegisterCr4: return (v & ~CR4_DEFINED) ? -EINVAL : 0;
	case WHvX64RegisterCr8: return v > CR8_MAX ? -EINVAL : 0;
	case WHvX64RegisterEfer: return (v & ~EFER_DEFINED) ? -EINVAL : 0;
	case WHvX64RegisterApicBase:
		if (v & ~APIC_BASE_DEFINED)
			return -EINVAL;
		/* x2APIC enabled with the APIC disabled is the invalid state (10.12.5). */
		if ((v & APIC_BASE_EXTD) && !(v & APIC_BASE_EN))
			return -EINVAL;
		return 0;
	default: return 0; /* CR2 and CR3 take any value here */
	}
}

/*
 * Segment bases that VM entry requires canonical: FS, GS, LDTR, TR (SDM Vol.3
 * 26.3.1.2); ES/CS/SS/DS bases are only 32 bits wide outside 64-bit mode.
 */
static bool seg_base_checked(uint32_t name)
{
	return name == WHvX64RegisterFs || name == WHvX64RegisterGs || name == WHvX64RegisterLdtr ||
	       name == WHvX64RegisterTr;
}

static int sregs_write(struct kvm_sregs *s, uint32_t name, const WHV_REGISTER_VALUE *in)
{
	struct kvm_segment *seg = sregs_seg(s, name);
	struct kvm_dtable *dt = sregs_table(s, name);
	__u64 *v = sregs_u64(s, name);
	int ret;

	if (seg) {
		if (seg_base_checked(name) && !is_canonical(in->Segment.Base, va_bits(s)))
			return -EINVAL;
		kvm_seg_from_whv(&in->Segment, seg);
	} else if (dt) {
		/* GDTR/IDTR bases must be canonical (SDM Vol.3 26.3.1.3). */
		if (!is_canonical(in->Table.Base, va_bits(s)))
			return -EINVAL;
		dt->base = in->Table.Base;
		dt->limit = in->Table.Limit;
		memset(dt->padding, 0, sizeof(dt->padding));
	} else if (v) {
		ret = sregs_check_u64(name, in->Reg64);
		if (ret)
			return ret;
		*v = in->Reg64;
	} else {
		return -EINVAL;
	}
	return 0;
}

/* ---- KB_EVENTS -------------------------------------------------------- */

/*
 * KVM keeps one exception slot (nr, error code) with two states: "injected"
 * (delivery already started: the VMX IDT-vectoring / VM-entry interruption
 * information) and "pending" (queued, side effects such as CR2/DR6 not yet
 * applied; needs KVM_CAP_EXCEPTION_PAYLOAD). WHvRegisterPendingInterruption is
 * the former, WHvRegisterPendingEvent the latter, so they share the slot and
 * the later write wins (api.rst, KVM_GET_VCPU_EVENTS / KVM_SET_VCPU_EVENTS).
 */

static uint64_t pending_interruption_get(const struct kvm_vcpu_events *e)
{
	uint64_t v;

	if (e->exception.injected) {
		v = PI_PENDING | (uint64_t)PI_TYPE_EXCEPTION << PI_TYPE_SHIFT |
		    (uint64_t)e->exception.nr << PI_VECTOR_SHIFT;
		if (e->exception.has_error_code)
			v |= PI_DELIVER_EC | (uint64_t)e->exception.error_code << PI_EC_SHIFT;
		return v;
	}
	if (e->nmi.injected)
		return PI_PENDING | (uint64_t)PI_TYPE_NMI << PI_TYPE_SHIFT |
		       (uint64_t)VEC_NMI << PI_VECTOR_SHIFT;
	if (e->interrupt.injected)
		return PI_PENDING |
		       (uint64_t)(e->interrupt.soft ? PI_TYPE_SOFT_INTERRUPT : PI_TYPE_INTERRUPT)
			       << PI_TYPE_SHIFT |
		       (uint64_t)e->interrupt.nr << PI_VECTOR_SHIFT;
	return 0;
}

/*
 * PendingInterruption write. WHP has one pending-interruption slot, so the
 * event written replaces whichever of exception/NMI/interrupt was injected.
 * InstructionLength and NestedEvent have no KVM field: they are accepted and
 * dropped (they read back as 0). Vectors: NMI must be 2, an exception 0-31
 * other than 2 (KVM_SET_VCPU_EVENTS refuses the rest), an interrupt 0-255.
 * Only exceptions carry an error code.
 */
static int pending_interruption_set(struct kvm_vcpu_events *e, uint64_t v)
{
	unsigned int type = (v >> PI_TYPE_SHIFT) & 7;
	unsigned int vector = (v >> PI_VECTOR_SHIFT) & 0xFFFF;
	bool ec = v & PI_DELIVER_EC;

	if (v & PI_RESERVED)
		return -EINVAL;
	if (!(v & PI_PENDING)) {
		e->exception.injected = 0;
		e->nmi.injected = 0;
		e->interrupt.injected = 0;
		return 0;
	}
	if (vector > 0xFF)
		return -EINVAL;
	switch (type) {
	case PI_TYPE_EXCEPTION:
		if (vector > 31 || vector == VEC_NMI)
			return -EINVAL;
		break;
	case PI_TYPE_NMI:
		if (vector != VEC_NMI || ec)
			return -EINVAL;
		break;
	case PI_TYPE_INTERRUPT:
	case PI_TYPE_SOFT_INTERRUPT:
		if (ec)
			return -EINVAL;
		break;
	default:
		/* reserved type 1, software exceptions 5/6: nothing in KVM expresses them */
		return -EINVAL;
	}

	e->exception.injected = 0;
	e->nmi.injected = 0;
	e->interrupt.injected = 0;
	switch (type) {
	case PI_TYPE_EXCEPTION:
		e->exception.injected = 1;
		e->exception.pending = 0;
		e->exception.nr = (uint8_t)vector;
		e->exception.has_error_code = ec;
		e->exception.error_code = ec ? (uint32_t)(v >> PI_EC_SHIFT) : 0;
		e->exception_has_payload = 0;
		e->exception_payload = 0;
		break;
	case PI_TYPE_NMI: e->nmi.injected = 1; break;
	default:
		e->interrupt.injected = 1;
		e->interrupt.nr = (uint8_t)vector;
		e->interrupt.soft = type == PI_TYPE_SOFT_INTERRUPT;
		break;
	}
	return 0;
}

static uint64_t interrupt_state_get(const struct kvm_vcpu_events *e)
{
	return (e->interrupt.shadow ? IS_SHADOW : 0) | (e->nmi.masked ? IS_NMI_MASKED : 0);
}

/*
 * InterruptShadow is one bit in WHP and two kinds in KVM (blocking by STI or
 * by MOV SS). A shadow KVM already reports is kept as it is; a new one is
 * written as MOV-SS blocking, the kind VM entry accepts whatever RFLAGS.IF is
 * (STI blocking requires IF = 1, SDM Vol.3 26.3.1.5).
 */
static int interrupt_state_set(struct kvm_vcpu_events *e, uint64_t v)
{
	if (v & ~IS_DEFINED)
		return -EINVAL;
	if (!(v & IS_SHADOW))
		e->interrupt.shadow = 0;
	else if (!e->interrupt.shadow)
		e->interrupt.shadow = KVM_X86_SHADOW_INT_MOV_SS;
	e->nmi.masked = !!(v & IS_NMI_MASKED);
	e->flags |= KVM_VCPUEVENT_VALID_SHADOW;
	return 0;
}

/*
 * PendingEvent read: the pending (not yet delivered) exception with its CR2
 * or DR6 payload in ExceptionParameter. An ExtInt event written here lands in
 * KVM's injected-interrupt slot and reads back through PendingInterruption.
 */
static void pending_event_get(const struct kvm_vcpu_events *e, WHV_REGISTER_VALUE *out)
{
	uint64_t lo;

	if (!e->exception.pending)
		return;
	lo = PE_PENDING | (uint64_t)PE_TYPE_EXCEPTION << PE_TYPE_SHIFT |
	     (uint64_t)e->exception.nr << PE_EXC_VECTOR_SHIFT;
	if (e->exception.has_error_code)
		lo |= PE_EXC_DELIVER_EC | (uint64_t)e->exception.error_code << PE_EXC_EC_SHIFT;
	set_u128(out, lo, e->exception_has_payload ? e->exception_payload : 0);
}

/*
 * PendingEvent write.
 * - EventPending = 0: drops the pending exception (not an injected one).
 * - Exception: becomes KVM's pending exception. ExceptionParameter becomes
 *   the payload for #PF (CR2) and #DB (DR6 bits, active high as in the VMX
 *   pending-debug-exceptions field); the two vectors KVM defines a payload
 *   for. For other vectors it is dropped. KVM_VCPUEVENT_VALID_PAYLOAD is set,
 *   so the VM must have KVM_CAP_EXCEPTION_PAYLOAD enabled.
 * - ExtInt: becomes KVM's injected external interrupt with that vector. KVM
 *   delivers it at the next entry; waiting for IF = 1 is the caller's job, as
 *   for PendingInterruption.
 * Nested-exit event types (7, 8) and reserved bits give -EINVAL.
 */
static int pending_event_set(struct kvm_vcpu_events *e, const WHV_REGISTER_VALUE *in)
{
	uint64_t lo = in->Reg128.Low64;
	uint64_t hi = in->Reg128.High64;
	unsigned int type = (lo >> PE_TYPE_SHIFT) & PE_TYPE_MASK;
	unsigned int vector;

	if (!(lo & PE_PENDING)) {
		e->exception.pending = 0;
		e->exception_has_payload = 0;
		e->exception_payload = 0;
		return 0;
	}
	if (type == PE_TYPE_EXCEPTION) {
		if (lo & ~PE_EXC_DEFINED)
			return -EINVAL;
		vector = (lo >> PE_EXC_VECTOR_SHIFT) & 0xFFFF;
		if (vector > 31 || vector == VEC_NMI)
			return -EINVAL;
		e->exception.injected = 0;
		e->exception.pending = 1;
		e->exception.nr = (uint8_t)vector;
		e->exception.has_error_code = !!(lo & PE_EXC_DELIVER_EC);
		e->exception.error_code =
			e->exception.has_error_code ? (uint32_t)(lo >> PE_EXC_EC_SHIFT) : 0;
		e->exception_has_payload = vector == VEC_PF || vector == VEC_DB;
		e->exception_payload = e->exception_has_payload ? hi : 0;
		e->flags |= KVM_VCPUEVENT_VALID_PAYLOAD;
		return 0;
	}
	if (type == PE_TYPE_EXT_INT) {
		if ((lo & ~PE_EXT_DEFINED) || hi)
			return -EINVAL;
		e->interrupt.injected = 1;
		e->interrupt.nr = (uint8_t)(lo >> PE_EXT_VECTOR_SHIFT);
		e->interrupt.soft = 0;
		return 0;
	}
	return -EINVAL;
}

/*
 * PendingDebugException reads the #DB KVM has pending with a DR6 payload
 * (B0-B3 -> Breakpoint0-3, BS -> SingleStep); with none it reads 0. Writing 0
 * drops such a pending #DB (how QEMU hides a single-step trap from the guest);
 * writing breakpoint/single-step bits queues a #DB with that payload, unless
 * another exception already occupies KVM's exception slot.
 */
static bool pending_db(const struct kvm_vcpu_events *e)
{
	return e->exception.pending && e->exception.nr == VEC_DB && e->exception_has_payload;
}

static uint64_t pending_debug_get(const struct kvm_vcpu_events *e)
{
	if (!pending_db(e))
		return 0;
	return (e->exception_payload & PDE_BREAKPOINTS) |
	       ((e->exception_payload & DR6_BS) ? PDE_SINGLE_STEP : 0);
}

static int pending_debug_set(struct kvm_vcpu_events *e, uint64_t v)
{
	if (v & ~PDE_DEFINED)
		return -EINVAL;
	if (!v) {
		if (pending_db(e)) {
			e->exception.pending = 0;
			e->exception_has_payload = 0;
			e->exception_payload = 0;
		}
		return 0;
	}
	if ((e->exception.pending || e->exception.injected) && !pending_db(e))
		return -EINVAL;
	e->exception.injected = 0;
	e->exception.pending = 1;
	e->exception.nr = VEC_DB;
	e->exception.has_error_code = 0;
	e->exception.error_code = 0;
	e->exception_has_payload = 1;
	e->exception_payload = (v & PDE_BREAKPOINTS) | ((v & PDE_SINGLE_STEP) ? DR6_BS : 0);
	e->flags |= KVM_VCPUEVENT_VALID_PAYLOAD;
	return 0;
}

static int events_read(struct kvm_vcpu_events *e, uint32_t name, WHV_REGISTER_VALUE *out)
{
	switch (name) {
	case (uint32_t)WHvRegisterPendingInterruption:
		out->Reg64 = pending_interruption_get(e);
		return 0;
	case (uint32_t)WHvRegisterInterruptState: out->Reg64 = interrupt_state_get(e); return 0;
	case (uint32_t)WHvRegisterPendingEvent: pending_event_get(e, out); return 0;
	case (uint32_t)WHvX64RegisterPendingDebugException:
		out->Reg64 = pending_debug_get(e);
		return 0;
	default: return -EINVAL;
	}
}

/* Each setter validates the whole value before it changes a field. */
static int events_write(struct kvm_vcpu_events *e, uint32_t name, const WHV_REGISTER_VALUE *in)
{
	switch (name) {
	case (uint32_t)WHvRegisterPendingInterruption:
		return pending_interruption_set(e, in->Reg64);
	case (uint32_t)WHvRegisterInterruptState: return interrupt_state_set(e, in->Reg64);
	case (uint32_t)WHvRegisterPendingEvent: return pending_event_set(e, in);
	case (uint32_t)WHvX64RegisterPendingDebugException: return pending_debug_set(e, in->Reg64);
	default: return -EINVAL;
	}
}

/*
 * PendingEvent1-3 are extra event slots KVM does not have: they always read
 * as "no event"; writing "no event" is accepted, writing a pending event is
 * refused.
 */
static bool is_extra_event(uint32_t name)
{
	return name == (uint32_t)WHvRegisterPendingEvent1 ||
	       name == (uint32_t)WHvRegisterPendingEvent2 ||
	       name == (uint32_t)WHvRegisterPendingEvent3;
}

/* ---- KB_FPU ----------------------------------------------------------- */

/*
 * FpMmx: the 80-bit x87 value (mantissa, then exponent and sign) in bytes 0-9
 * of the FXSAVE slot; bytes 10-15 are reserved, written as zero, and the
 * matching upper bytes of the WHP value are ignored on write.
 */
static uint64_t mxcsr_mask_of(const struct kvm_state_view *st)
{
	return st->mxcsr_mask ? st->mxcsr_mask : MXCSR_DEFAULT_MASK;
}

static int fpu_read(const struct kvm_state_view *st, uint32_t name, WHV_REGISTER_VALUE *out)
{
	const struct kvm_fpu *f = st->fpu;
	uint64_t lo, hi;
	uint16_t se;

	if (in_range(name, WHvX64RegisterXmm0, WHvX64RegisterXmm15)) {
		const uint8_t *x = f->xmm[name - WHvX64RegisterXmm0];

		memcpy(&lo, x, 8);
		memcpy(&hi, x + 8, 8);
		set_u128(out, lo, hi);
		return 0;
	}
	if (in_range(name, WHvX64RegisterFpMmx0, WHvX64RegisterFpMmx7)) {
		const uint8_t *r = f->fpr[name - WHvX64RegisterFpMmx0];

		memcpy(&lo, r, 8);
		memcpy(&se, r + 8, 2);
		set_u128(out, lo, se);
		return 0;
	}
	if (name == WHvX64RegisterFpControlStatus) {
		/*
		 * FpControl, FpStatus, FpTag (abridged, as in FXSAVE), a reserved
		 * byte, LastFpOp; then the 64-bit last instruction pointer. KVM keeps
		 * no separate FP CS: the 32-bit LastFpEip/LastFpCs view shares the
		 * same 64 bits and round-trips unchanged.
		 */
		lo = (uint64_t)f->fcw | (uint64_t)f->fsw << 16 | (uint64_t)f->ftwx << 32 |
		     (uint64_t)f->last_opcode << 48;
		set_u128(out, lo, f->last_ip);
		return 0;
	}
	if (name == WHvX64RegisterXmmControlStatus) {
		hi = (uint64_t)f->mxcsr | (mxcsr_mask_of(st) & 0xFFFFFFFFULL) << 32;
		set_u128(out, f->last_dp, hi);
		return 0;
	}
	return -EINVAL;
}

static int fpu_write(const struct kvm_state_view *st, uint32_t name, const WHV_REGISTER_VALUE *in)
{
	struct kvm_fpu *f = st->fpu;
	uint64_t lo = in->Reg128.Low64;
	uint64_t hi = in->Reg128.High64;
	uint16_t se = (uint16_t)hi;
	uint32_t mxcsr;

	if (in_range(name, WHvX64RegisterXmm0, WHvX64RegisterXmm15)) {
		uint8_t *x = f->xmm[name - WHvX64RegisterXmm0];

		memcpy(x, &lo, 8);
		memcpy(x + 8, &hi, 8);
		return 0;
	}
	if (in_range(name, WHvX64RegisterFpMmx0, WHvX64RegisterFpMmx7)) {
		uint8_t *r = f->fpr[name - WHvX64RegisterFpMmx0];

		memset(r, 0, sizeof(f->fpr[0]));
		memcpy(r, &lo, 8);
		memcpy(r + 8, &se, 2);
		return 0;
	}
	if (name == WHvX64RegisterFpControlStatus) {
		f->fcw = (uint16_t)lo;
		f->fsw = (uint16_t)(lo >> 16);
		f->ftwx = (uint8_t)(lo >> 32);
		f->last_opcode = (uint16_t)(lo >> 48);
		f->last_ip = hi;
		return 0;
	}
	if (name == WHvX64RegisterXmmControlStatus) {
		/*
		 * FXRSTOR faults on MXCSR bits outside MXCSR_MASK (SDM Vol.1
		 * 11.6.6), and KVM_SET_FPU does not check them: refuse here. The
		 * mask half of the value describes the CPU and is not written.
		 */
		mxcsr = (uint32_t)hi;
		if (mxcsr & ~mxcsr_mask_of(st))
			return -EINVAL;
		f->last_dp = lo;
		f->mxcsr = mxcsr;
		return 0;
	}
	return -EINVAL;
}

/* ---- KB_DEBUGREGS ----------------------------------------------------- */

static __u64 *dregs_slot(struct kvm_debugregs *d, uint32_t name)
{
	switch (name) {
	case WHvX64RegisterDr0: return &d->db[0];
	case WHvX64RegisterDr1: return &d->db[1];
	case WHvX64RegisterDr2: return &d->db[2];
	case WHvX64RegisterDr3: return &d->db[3];
	case WHvX64RegisterDr6: return &d->dr6;
	case WHvX64RegisterDr7: return &d->dr7;
	default: return NULL;
	}
}

/* ---- KB_XCRS ---------------------------------------------------------- */

/* XCR0 at reset: x87 only (SDM Vol.1 13.3). Read when KVM listed no XCR0. */
#define XCR0_RESET XCR0_X87

static struct kvm_xcr *xcrs_find(struct kvm_xcrs *x, uint32_t xcr)
{
	uint32_t i, n = x->nr_xcrs < KVM_MAX_XCRS ? x->nr_xcrs : KVM_MAX_XCRS;

	for (i = 0; i < n; i++) {
		if (x->xcrs[i].xcr == xcr)
			return &x->xcrs[i];
	}
	return NULL;
}

static int xcr0_check(uint64_t v)
{
	if (!(v & XCR0_X87) || (v & XCR0_RESERVED))
		return -EINVAL;
	if ((v & XCR0_AVX) && !(v & XCR0_SSE))
		return -EINVAL;
	if ((v & XCR0_MPX) && (v & XCR0_MPX) != XCR0_MPX)
		return -EINVAL;
	if ((v & XCR0_AVX512) && ((v & XCR0_AVX512) != XCR0_AVX512 || !(v & XCR0_AVX)))
		return -EINVAL;
	if ((v & XCR0_AMX) && (v & XCR0_AMX) != XCR0_AMX)
		return -EINVAL;
	return 0;
}

static int xcrs_write(struct kvm_xcrs *x, uint64_t v)
{
	struct kvm_xcr *e;

	if (xcr0_check(v))
		return -EINVAL;
	e = xcrs_find(x, 0);
	if (!e) {
		if (x->nr_xcrs >= KVM_MAX_XCRS)
			return -EINVAL;
		e = &x->xcrs[x->nr_xcrs++];
		e->xcr = 0;
		e->reserved = 0;
	}
	e->value = v;
	return 0;
}

/* ---- KB_MPSTATE ------------------------------------------------------- */

/*
 * InternalActivityState <-> kvm_mp_state (api.rst KVM_GET_MP_STATE):
 * StartupSuspend (waiting for SIPI) is UNINITIALIZED or INIT_RECEIVED (and
 * SEV-ES's AP_RESET_HOLD), HaltSuspend is HALTED; everything else reads as
 * running. Writing StartupSuspend keeps an UNINITIALIZED vCPU as it is and
 * otherwise sets INIT_RECEIVED. IdleSuspend has no KVM state and both
 * suspends at once is not a state: both give -EINVAL.
 */
static uint64_t mpstate_get(const struct kvm_mp_state *m)
{
	switch (m->mp_state) {
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_INIT_RECEIVED:
	case KVM_MP_STATE_AP_RESET_HOLD: return IA_STARTUP_SUSPEND;
	case KVM_MP_STATE_HALTED: return IA_HALT_SUSPEND;
	default: return 0;
	}
}

static int mpstate_set(struct kvm_mp_state *m, uint64_t v)
{
	if ((v & ~IA_DEFINED) || (v & IA_IDLE_SUSPEND))
		return -EINVAL;
	if ((v & IA_STARTUP_SUSPEND) && (v & IA_HALT_SUSPEND))
		return -EINVAL;
	if (v & IA_STARTUP_SUSPEND) {
		if (mpstate_get(m) != IA_STARTUP_SUSPEND)
			m->mp_state = KVM_MP_STATE_INIT_RECEIVED;
	} else if (v & IA_HALT_SUSPEND) {
		m->mp_state = KVM_MP_STATE_HALTED;
	} else {
		m->mp_state = KVM_MP_STATE_RUNNABLE;
	}
	return 0;
}

/* ---- entry points ----------------------------------------------------- */

int kvm_reg_read(const struct kvm_state_view *st, WHV_REGISTER_NAME name, WHV_REGISTER_VALUE *out)
{
	uint32_t n = (uint32_t)name;
	__u64 *slot;
	struct kvm_xcr *xcr;

	memset(out, 0, sizeof(*out));
	switch (kvm_reg_block(name, NULL)) {
	case KB_REGS: return st->regs ? regs_read(st->regs, n, out) : -EINVAL;
	case KB_SREGS: return st->sregs ? sregs_read(st->sregs, n, out) : -EINVAL;
	case KB_EVENTS:
		if (is_extra_event(n))
			return 0;
		return st->events ? events_read(st->events, n, out) : -EINVAL;
	case KB_FPU: return st->fpu ? fpu_read(st, n, out) : -EINVAL;
	case KB_DEBUGREGS:
		if (!st->dregs)
			return -EINVAL;
		slot = dregs_slot(st->dregs, n);
		if (!slot)
			return -EINVAL;
		out->Reg64 = *slot;
		return 0;
	case KB_XCRS:
		if (!st->xcrs)
			return -EINVAL;
		xcr = xcrs_find(st->xcrs, 0);
		out->Reg64 = xcr ? xcr->value : XCR0_RESET;
		return 0;
	case KB_MSR:
		if (!st->msr)
			return -EINVAL;
		out->Reg64 = *st->msr;
		return 0;
	case KB_MPSTATE:
		if (!st->mp)
			return -EINVAL;
		out->Reg64 = mpstate_get(st->mp);
		return 0;
	case KB_CONST:
		/* InitialApicId: WHP makes the APIC ID the VP index. */
		if (n == WHvX64RegisterInitialApicId) {
			out->Reg64 = st->vp_index;
			return 0;
		}
		return -EINVAL;
	default: return -EINVAL;
	}
}

int kvm_reg_write(struct kvm_state_view *st, WHV_REGISTER_NAME name, const WHV_REGISTER_VALUE *in)
{
	uint32_t n = (uint32_t)name;
	__u64 *slot;

	switch (kvm_reg_block(name, NULL)) {
	case KB_REGS: return st->regs ? regs_write(st->regs, n, in) : -EINVAL;
	case KB_SREGS: return st->sregs ? sregs_write(st->sregs, n, in) : -EINVAL;
	case KB_EVENTS:
		if (is_extra_event(n))
			return (in->Reg128.Low64 & PE_PENDING) ? -EINVAL : 0;
		return st->events ? events_write(st->events, n, in) : -EINVAL;
	case KB_FPU: return st->fpu ? fpu_write(st, n, in) : -EINVAL;
	case KB_DEBUGREGS:
		if (!st->dregs)
			return -EINVAL;
		slot = dregs_slot(st->dregs, n);
		if (!slot)
			return -EINVAL;
		if ((n == WHvX64RegisterDr6 || n == WHvX64RegisterDr7) &&
		    (in->Reg64 & DR_RESERVED_HIGH))
			return -EINVAL;
		*slot = in->Reg64;
		return 0;
	case KB_XCRS: return st->xcrs ? xcrs_write(st->xcrs, in->Reg64) : -EINVAL;
	case KB_MSR:
		if (!st->msr)
			return -EINVAL;
		*st->msr = in->Reg64;
		return 0;
	case KB_MPSTATE: return st->mp ? mpstate_set(st->mp, in->Reg64) : -EINVAL;
	default:
		/* KB_CONST (InitialApicId is read-only), KB_UNSUPPORTED, KB_NONE */
		return -EINVAL;
	}
}
