/* test_kvm_complete.c: the per-flavour exit table and resume planner, against a model of each KVM flavour. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "kvm/kvm_complete.h"

/*
 * A model of what each KVM flavour does with a half-done instruction, written
 * from kvm-platform-facts §2 (kvm_pvm, measured) and x86.c (kvm_intel/amd).
 * The planner must make the guest's final state equal the caller's view, which
 * is what Windows gives: nothing completed behind the caller's back.
 */
struct model {
	enum kvm_flavour f;
	enum pend_kind k;
	uint64_t at, len;
	uint64_t rip, rax; /* KVM's registers */
	bool pending;
	uint64_t data; /* what KVM would complete an IN / MMIO read with */
};

static void model_exit(struct model *m, enum kvm_flavour f, enum pend_kind k)
{
	const struct kvm_exit_rule *r = &kvm_exit_rules[f][k];

	m->f = f;
	m->k = k;
	m->at = 0x1000;
	m->len = 2;
	m->rax = 0xAAAA;
	m->data = 0xDDDD;
	m->rip = r->rip_after ? m->at + m->len : m->at;
	m->pending = r->completion != KC_NONE;
}

static bool loads(enum pend_kind k)
{
	return k == PK_IN || k == PK_MMIO_READ || k == PK_MSR || k == PK_MMIO_RMW;
}

/* One KVM_RUN: sync regs first (if dirty), then the completion (x86.c, kvm_arch_vcpu_ioctl_run). */
static void model_run(struct model *m, bool dirty, uint64_t vrip, uint64_t vrax)
{
	const struct kvm_exit_rule *r = &kvm_exit_rules[m->f][m->k];

	if (dirty) {
		m->rip = vrip;
		m->rax = vrax;
	}
	if (!m->pending)
		return;
	m->pending = false;
	switch (r->completion) {
	case KC_NONE: break;
	case KC_SKIP_IF_RIP_SAME:
		if (m->rip == m->at) {
			if (loads(m->k))
				m->rax = m->data;
			m->rip = m->at + m->len;
		}
		break;
	case KC_FORCED:
		if (!dirty && loads(m->k))
			m->rax = m->data;
		m->rip = m->at + m->len;
		break;
	case KC_ALWAYS:
	case KC_DATA:
		if (loads(m->k))
			m->rax = m->data;
		m->rip = m->at + m->len;
		break;
	}
}

/* The run loop: show Windows' view, let the caller act, plan, resume. */
static void check(enum kvm_flavour f, enum pend_kind k, int action)
{
	struct model m;
	uint64_t vrip, vrax;
	bool changed;
	struct resume_plan plan;

	model_exit(&m, f, k);
	vrip = m.at; /* Windows: RIP at the instruction */
	vrax = m.rax;
	changed = m.rip != vrip; /* the run loop moved RIP back: the view differs */
	switch (action) {
	case 0: /* emulate: result in RAX (loads), RIP past the instruction */
		vrip = m.at + m.len;
		if (loads(k))
			vrax = 0x1234;
		changed = true;
		break;
	case 1: /* retry: touch nothing, the instruction must run again */ break;
	case 2: /* jump elsewhere */
		vrip = 0x5000;
		changed = true;
		break;
	case 3: /* skip without producing a value */
		vrip = m.at + m.len;
		changed = true;
		break;
	}
	plan = kvm_plan_resume(f, k, m.at, (uint8_t)m.len, vrip, changed);
	if (plan.flush)
		model_run(&m, false, 0, 0);
	if (plan.fill_data) {
		/* The run loop hands KVM the caller's result and RIP at the instruction. */
		m.data = vrax;
		model_run(&m, true, m.at, vrax);
		cr_assert_eq(m.rip, vrip);
		cr_assert_eq(m.rax, vrax);
		return;
	}
	/* write_regs false means the view equals KVM's registers already. */
	if (!plan.write_regs)
		cr_assert(m.rip == vrip && m.rax == vrax,
			  "flavour %d kind %d action %d: plan skips a needed write", f, k, action);
	model_run(&m, plan.write_regs, vrip, vrax);
	cr_assert_eq(m.rip, vrip, "flavour %s kind %d action %d: RIP 0x%llx, caller set 0x%llx",
		     kvm_flavour_name(f), k, action, (unsigned long long)m.rip,
		     (unsigned long long)vrip);
	cr_assert_eq(m.rax, vrax, "flavour %s kind %d action %d: RAX 0x%llx, caller set 0x%llx",
		     kvm_flavour_name(f), k, action, (unsigned long long)m.rax,
		     (unsigned long long)vrax);
}

Test(kvm_complete, every_flavour_kind_and_caller_action_ends_in_the_callers_view)
{
	static const enum pend_kind kinds[] = { PK_OUT,	       PK_IN,  PK_MMIO_READ,
						PK_MMIO_WRITE, PK_MSR, PK_MMIO_RMW };
	int f, k, a;

	for (f = 0; f < KVM_FLAVOUR_COUNT; f++)
		for (k = 0; k < 6; k++)
			for (a = 0; a < 4; a++)
				check((enum kvm_flavour)f, kinds[k], a);
}

Test(kvm_complete, common_exits_cost_no_extra_run)
{
	/* The caller's usual completion (result + RIP past it) needs no flush. */
	cr_assert_not(kvm_plan_resume(KVM_FLAVOUR_AFTER, PK_OUT, 0x1000, 2, 0x1002, true).flush);
	cr_assert_not(kvm_plan_resume(KVM_FLAVOUR_AT, PK_OUT, 0x1000, 2, 0x1002, true).flush);
	cr_assert_not(kvm_plan_resume(KVM_FLAVOUR_AFTER, PK_IN, 0x1000, 2, 0x1002, true).flush);
	cr_assert_not(kvm_plan_resume(KVM_FLAVOUR_AT, PK_IN, 0x1000, 2, 0x1002, true).flush);
	cr_assert_not(
		kvm_plan_resume(KVM_FLAVOUR_AFTER, PK_MMIO_READ, 0x1000, 3, 0x1003, true).flush);
	cr_assert_not(
		kvm_plan_resume(KVM_FLAVOUR_AFTER, PK_MMIO_WRITE, 0x1000, 3, 0x1003, true).flush);
	cr_assert_not(
		kvm_plan_resume(KVM_FLAVOUR_AT, PK_MMIO_WRITE, 0x1000, 3, 0x1003, true).flush);
}

Test(kvm_complete, retrying_an_instruction_retires_kvms_completion_first)
{
	cr_assert(kvm_plan_resume(KVM_FLAVOUR_AT, PK_OUT, 0x1000, 2, 0x1000, false).flush);
	cr_assert(kvm_plan_resume(KVM_FLAVOUR_AT, PK_IN, 0x1000, 2, 0x1000, false).flush);
	cr_assert(kvm_plan_resume(KVM_FLAVOUR_AFTER, PK_IN, 0x1000, 2, 0x1000, false).flush);
	cr_assert(kvm_plan_resume(KVM_FLAVOUR_AFTER, PK_MMIO_READ, 0x1000, 2, 0x1000, false).flush);
	/* An OUT that kvm_pvm finished already: writing RIP back is enough. */
	cr_assert_not(kvm_plan_resume(KVM_FLAVOUR_AFTER, PK_OUT, 0x1000, 2, 0x1000, true).flush);
}

Test(kvm_complete, table_rows_match_the_documented_behaviour)
{
	/* kvm_intel/kvm_amd (x86.c) */
	cr_assert_not(kvm_exit_rules[KVM_FLAVOUR_AT][PK_OUT].rip_after);
	cr_assert_eq(kvm_exit_rules[KVM_FLAVOUR_AT][PK_OUT].completion, KC_SKIP_IF_RIP_SAME);
	cr_assert_eq(kvm_exit_rules[KVM_FLAVOUR_AT][PK_IN].completion, KC_SKIP_IF_RIP_SAME);
	cr_assert_eq(kvm_exit_rules[KVM_FLAVOUR_AT][PK_MMIO_READ].completion, KC_ALWAYS);
	cr_assert(kvm_exit_rules[KVM_FLAVOUR_AT][PK_MMIO_WRITE].rip_after);
	/* kvm_pvm (measured) */
	cr_assert(kvm_exit_rules[KVM_FLAVOUR_AFTER][PK_OUT].rip_after);
	cr_assert_eq(kvm_exit_rules[KVM_FLAVOUR_AFTER][PK_OUT].completion, KC_NONE);
	cr_assert_eq(kvm_exit_rules[KVM_FLAVOUR_AFTER][PK_IN].completion, KC_FORCED);
	cr_assert_eq(kvm_exit_rules[KVM_FLAVOUR_AFTER][PK_MMIO_READ].completion, KC_FORCED);
	cr_assert(kvm_exit_rules[KVM_FLAVOUR_AFTER][PK_MMIO_WRITE].rip_after);
	/* String forms are retired at exit time on both. */
	cr_assert(kvm_exit_rules[KVM_FLAVOUR_AT][PK_STRING_IO].eager);
	cr_assert(kvm_exit_rules[KVM_FLAVOUR_AFTER][PK_STRING_IO].eager);
	cr_assert(kvm_exit_rules[KVM_FLAVOUR_AT][PK_MMIO_STRING].eager);
	cr_assert(kvm_exit_rules[KVM_FLAVOUR_AFTER][PK_MMIO_STRING].eager);
	/* MSR exits: RIP at, KVM completes from msr.data with no RIP check (both). */
	cr_assert_eq(kvm_exit_rules[KVM_FLAVOUR_AT][PK_MSR].completion, KC_DATA);
	cr_assert_eq(kvm_exit_rules[KVM_FLAVOUR_AFTER][PK_MSR].completion, KC_DATA);
	cr_assert_not(kvm_exit_rules[KVM_FLAVOUR_AFTER][PK_MSR].rip_after);
	/* Loads that are not plain MOVs into a GPR are always retired first. */
	cr_assert_eq(kvm_exit_rules[KVM_FLAVOUR_AT][PK_MMIO_RMW].completion, KC_ALWAYS);
	cr_assert_eq(kvm_exit_rules[KVM_FLAVOUR_AFTER][PK_MMIO_RMW].completion, KC_ALWAYS);
}
