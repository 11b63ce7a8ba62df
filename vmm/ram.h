/* ram.h: guest RAM (one anonymous host mapping at GPA 0) and the one bounds-checked accessor. */
#ifndef VMM_RAM_H
#define VMM_RAM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Guest RAM is a single contiguous range of guest-physical addresses
 * [0, size) backed by host memory starting at (host). Every access the VMM
 * makes to guest memory goes through ram_ptr(); nothing else computes
 * "host + gpa" (the rule Solo5's hvt_checked_gpa_p() follows).
 */
struct ram {
	uint8_t *host; /* host address of GPA 0; NULL when not created */
	uint64_t size; /* bytes, a multiple of the 4 KiB page size */
	int owned;     /* 1 when ram_create() mapped it (ram_destroy unmaps) */
};

/*
 * ram_create: map (size) bytes of zeroed anonymous host memory for guest RAM.
 * (size) must be a non-zero multiple of 4096. Returns 0, or a negative errno
 * with vmm_error() set. The pages are allocated lazily by the host kernel.
 */
int ram_create(struct ram *ram, uint64_t size);

/*
 * ram_wrap: describe caller-owned memory (host, size) as guest RAM without
 * taking ownership (ram_destroy() will not free it). For unit tests and for
 * embedding. No alignment requirement.
 */
void ram_wrap(struct ram *ram, void *host, uint64_t size);

/* ram_destroy: unmap RAM made by ram_create(); accepts a zeroed struct. */
void ram_destroy(struct ram *ram);

/*
 * ram_ptr: the host pointer for guest-physical range [gpa, gpa + len), or
 * NULL when any byte of it lies outside guest RAM, when gpa + len overflows,
 * or when RAM is absent. len == 0 is allowed for any gpa <= size (an empty
 * range at the end is still "inside"). The pointer stays valid until
 * ram_destroy().
 */
void *ram_ptr(const struct ram *ram, uint64_t gpa, uint64_t len);

/*
 * ram_write / ram_read: copy between host buffers and guest RAM through
 * ram_ptr(). Return 0, or -EFAULT when the range is not entirely inside RAM
 * (nothing is copied then).
 */
int ram_write(const struct ram *ram, uint64_t gpa, const void *src, uint64_t len);
int ram_read(const struct ram *ram, uint64_t gpa, void *dst, uint64_t len);

#endif /* VMM_RAM_H */
