/* fuzz_exit_resume.c: libFuzzer target for kvm_plan_resume, the exit path completion planner. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "kvm/kvm_complete.h"

/*
 * Input: flavour, pending kind, the instruction's linear address (8 bytes)
 * and length, the caller's linear RIP (8 bytes) and whether the caller
 * changed registers. The flavour and kind are reduced into their ranges:
 * kvm_plan_resume indexes its table with them and the run loop only ever
 * passes values it produced itself.
 *
 * The plan must follow the rule table (kvm_exit_rules) for every value of
 * the addresses, including wrap-around at 2^64:
 *  - a register change the caller made is never dropped (write_regs);
 *  - an eager kind, or one KVM does not complete, never flushes;
 *  - a kind KVM always completes always flushes;
 *  - KC_SKIP_IF_RIP_SAME flushes exactly when the caller left RIP at the
 *    instruction; KC_FORCED exactly when it did not advance RIP by its length.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void fail(const char *what, int f, int k)
{
	fprintf(stderr, "fuzz_exit_resume: %s (flavour %d, kind %d)\n", what, f, k);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[20] = { 0 };
	const struct kvm_exit_rule *rule;
	struct resume_plan plan;
	enum kvm_flavour f;
	enum pend_kind k;
	uint64_t at, rip;
	uint8_t len;
	bool changed;
	size_t i;

	for (i = 0; i < size && i < sizeof(buf); i++)
		buf[i] = data[i];
	f = (enum kvm_flavour)(buf[0] % KVM_FLAVOUR_COUNT);
	k = (enum pend_kind)(buf[1] % PK_COUNT);
	at = le64(buf + 2);
	len = buf[10];
	rip = le64(buf + 11);
	changed = buf[19] & 1;
	if (buf[19] & 2)
		rip = at + (buf[19] & 4 ? len : 0); /* the two RIPs the rules care about */

	plan = kvm_plan_resume(f, k, at, len, rip, changed);
	rule = &kvm_exit_rules[f][k];
	if (changed && !plan.write_regs)
		fail("the caller's register change was dropped", f, k);
	if ((rule->eager || rule->completion == KC_NONE) && plan.flush)
		fail("flush where nothing is pending", f, k);
	if (rule->eager && plan.write_regs != changed)
		fail("an eager kind wrote registers the caller did not change", f, k);
	if (!rule->eager && rule->completion == KC_ALWAYS && !(plan.flush && plan.write_regs))
		fail("an always-completed kind was not flushed", f, k);
	if (!rule->eager && rule->completion == KC_SKIP_IF_RIP_SAME && plan.flush != (rip == at))
		fail("skip-if-same flushed on the wrong RIP", f, k);
	if (!rule->eager && rule->completion == KC_FORCED && plan.flush != (rip != at + len))
		fail("forced completion flushed on the wrong RIP", f, k);
	return 0;
}
