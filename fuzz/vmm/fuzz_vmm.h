/* fuzz_vmm.h: what the VMM fuzz targets share: an input cursor and guest RAM between guard pages. */
#ifndef FUZZ_VMM_H
#define FUZZ_VMM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "vmm/ram.h"

/* Reads an input front to back; past its end every byte reads as 0. */
struct cursor {
	const uint8_t *p;
	size_t left;
};

/* take_le: the next (n) bytes (at most 8) as a little-endian number. */
static inline uint64_t take_le(struct cursor *c, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n && c->left; i++, c->p++, c->left--)
		v |= (uint64_t)c->p[0] << (8 * i);
	return v;
}

/* take_bytes: the next (n) bytes or as many as are left (*got says how many), in place. */
static inline const uint8_t *take_bytes(struct cursor *c, size_t n, size_t *got)
{
	const uint8_t *p = c->p;

	*got = n < c->left ? n : c->left;
	c->p += *got;
	c->left -= *got;
	return p;
}

/*
 * guarded_ram: once per process, (size) bytes of guest RAM between two
 * 64 KiB regions with no access, so a write that misses RAM faults at
 * once (ASan does not watch mmap'd memory itself).
 */
static inline void guarded_ram(struct ram *ram, uint64_t size)
{
	const uint64_t guard = 64ull << 10;
	uint8_t *base;

	if (ram->host)
		return;
	base = mmap(NULL, size + 2 * guard, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED || mprotect(base + guard, size, PROT_READ | PROT_WRITE)) {
		perror("fuzz: guest RAM");
		abort();
	}
	ram_wrap(ram, base + guard, size);
}

#endif /* FUZZ_VMM_H */
