/* fuzz_exit_gva.c: libFuzzer target for the guest page-table walker over fake, hostile memory. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gva.h"

/*
 * The walker reads paging structures the guest wrote, at addresses the
 * guest chose, to fetch the bytes of an exiting instruction: all of it is
 * guest-controlled. Input: CR0, CR3, CR4, EFER and the linear address (8
 * bytes each), a page count, then per page its guest-physical address (8
 * bytes) and a 64-byte pattern repeated over the page (so entry i of a
 * table is entry i % 8 of the pattern: every index a walk takes hits data
 * the input chose). Everything else is unmapped.
 *
 * abort() on a broken contract: a read that is not 4 or 8 bytes, not
 * naturally aligned, or more than 5 per walk (one per level); a result
 * outside enum gva_result; a translation that changes the page offset; with
 * paging off, any read at all or an address other than the linear one.
 * With gva_translate (OPENWHP_HAVE_GVA_TRANSLATE): the same for its reads,
 * and writes (Accessed/Dirty updates) only to entries the walk read.
 */

#define MAX_PAGES 8

struct fake {
	uint64_t gpa[MAX_PAGES];
	uint8_t pat[MAX_PAGES][64];
	int n;
	int reads, writes;
	uint64_t read_at[16];
	bool bad;
	const char *why;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t take64(const uint8_t **p, size_t *n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		if (*n) {
			v |= (uint64_t) * *p << (8 * i);
			(*p)++;
			(*n)--;
		}
	}
	return v;
}

static int fake_page(const struct fake *f, uint64_t gpa)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (f->gpa[i] == (gpa & ~4095ull))
			return i;
	return -1;
}

static void note(struct fake *f, const char *why)
{
	if (!f->bad) {
		f->bad = true;
		f->why = why;
	}
}

static int fake_access(struct fake *f, uint64_t gpa, uint32_t len)
{
	uint32_t i;

	if (len != 4 && len != 8)
		note(f, "an access that is not 4 or 8 bytes");
	else if (gpa % len)
		note(f, "a paging-entry access that is not naturally aligned");
	for (i = 0; i < len; i++)
		if (fake_page(f, gpa + i) < 0)
			return -EFAULT;
	return 0;
}

static int fake_read(void *owner, uint64_t gpa, void *buf, uint32_t len)
{
	struct fake *f = owner;
	uint8_t *b = buf;
	uint32_t i;

	if (f->reads < 16)
		f->read_at[f->reads] = gpa;
	if (++f->reads > 5)
		note(f, "more than 5 paging-structure reads in one walk");
	if (fake_access(f, gpa, len))
		return -EFAULT;
	for (i = 0; i < len; i++) {
		uint64_t a = gpa + i;

		b[i] = f->pat[fake_page(f, a)][a % 64];
	}
	return 0;
}

#ifdef OPENWHP_HAVE_GVA_TRANSLATE
static int fake_write(void *owner, uint64_t gpa, const void *buf, uint32_t len)
{
	struct fake *f = owner;
	int i, seen = 0;

	(void)buf;
	f->writes++;
	for (i = 0; i < f->reads && i < 16; i++)
		if (f->read_at[i] == gpa)
			seen = 1;
	if (!seen)
		note(f, "a write to an address the walk did not read");
	return fake_access(f, gpa, len);
}

static int fake_flags(void *owner, uint64_t gpa)
{
	struct fake *f = owner;
	int i = fake_page(f, gpa);

	/* pages with an odd pattern byte 0 are read-only */
	return i < 0 ? -1 : (f->pat[i][0] & 1) ? 1 : 3;
}
#endif

static void fail(const char *what, uint64_t gva, uint64_t gpa)
{
	fprintf(stderr, "fuzz_exit_gva: %s (gva 0x%llx, gpa 0x%llx)\n", what,
		(unsigned long long)gva, (unsigned long long)gpa);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake f;
	struct gva_ctl ctl;
	uint64_t gva, gpa = 0;
	enum gva_result r;
	int i;

	memset(&f, 0, sizeof(f));
	ctl.cr0 = take64(&data, &size);
	ctl.cr3 = take64(&data, &size);
	ctl.cr4 = take64(&data, &size);
	ctl.efer = take64(&data, &size);
	gva = take64(&data, &size);
	f.n = size ? (*data % (MAX_PAGES + 1)) : 0;
	if (size) {
		data++;
		size--;
	}
	for (i = 0; i < f.n; i++) {
		size_t k;

		f.gpa[i] = take64(&data, &size) & 0x000FFFFFFFFFF000ull;
		for (k = 0; k < 64; k++)
			f.pat[i][k] = size ? (size--, *data++) : 0;
	}

	r = gva_walk(&ctl, gva, fake_read, &f, &gpa);
	if (f.bad)
		fail(f.why, gva, gpa);
	if ((unsigned)r > GVA_NONCANONICAL)
		fail("result outside enum gva_result", gva, (uint64_t)r);
	if (r == GVA_OK && (gpa & 4095) != (gva & 4095))
		fail("the page offset changed", gva, gpa);
	if (!(ctl.cr0 & (1ull << 31))) {
		if (r != GVA_OK || f.reads)
			fail("paging off, yet the walk read memory or failed", gva, gpa);
		if (gpa != gva && gpa != (gva & 0xFFFFFFFFull))
			fail("paging off, yet the address changed", gva, gpa);
	}

#ifdef OPENWHP_HAVE_GVA_TRANSLATE
	{
		struct gva_cpu cpu;
		struct gva_mem mem = { &f, fake_read, fake_write, fake_flags };
		uint32_t flags = (uint32_t)(gva >> 56) | ((uint32_t)(ctl.efer >> 32) & 0xFF) << 8;
		uint32_t code;

		memset(&cpu, 0, sizeof(cpu));
		cpu.ctl = ctl;
		cpu.rflags = ctl.cr4 >> 32;
		cpu.cpl = (unsigned int)(ctl.cr0 >> 32) & 3;
		cpu.maxphyaddr = 36 + (unsigned int)((ctl.cr3 >> 52) % 17);
		cpu.gbpages = (ctl.cr3 >> 63) & 1;
		f.reads = f.writes = 0;
		gpa = 0;
		code = gva_translate(&cpu, gva, flags, &mem, &gpa);
		if (f.bad)
			fail(f.why, gva, gpa);
		if (code > 0x20)
			fail("gva_translate result code out of range", gva, code);
		if (code == 0 && (gpa & 4095) != (gva & 4095))
			fail("gva_translate changed the page offset", gva, gpa);
	}
#endif
	return 0;
}
