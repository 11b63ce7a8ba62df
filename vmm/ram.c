/* ram.c: guest RAM mapping and the bounds-checked guest-physical accessor. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "error.h"
#include "ram.h"

#define RAM_PAGE_SIZE 4096u
#define RAM_HUGE_PAGE (2ull << 20)

int ram_create(struct ram *ram, uint64_t size)
{
	uint64_t slack = RAM_HUGE_PAGE;
	uint8_t *p, *aligned;

	memset(ram, 0, sizeof(*ram));
	if (size == 0 || size % RAM_PAGE_SIZE) {
		vmm_error_set("guest RAM size %llu is not a non-zero multiple of %u",
			      (unsigned long long)size, RAM_PAGE_SIZE);
		return -EINVAL;
	}
	/*
	 * MAP_NORESERVE: a large guest that touches little memory costs little;
	 * anonymous pages read as zero, which is the state guests expect. The
	 * mapping is over-allocated by 2 MiB and trimmed so that it starts on a
	 * 2 MiB boundary, like guest physical 0, and can be backed by
	 * transparent huge pages.
	 */
	p = mmap(NULL, (size_t)(size + slack), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		int e = errno;

		vmm_error_set("cannot map %llu bytes of guest RAM: %s", (unsigned long long)size,
			      strerror(e));
		return -e;
	}
	aligned = (uint8_t *)(((uintptr_t)p + slack - 1) & ~(uintptr_t)(slack - 1));
	if (aligned > p)
		munmap(p, (size_t)(aligned - p));
	if (aligned + size < p + size + slack)
		munmap(aligned + size, (size_t)(p + size + slack - (aligned + size)));
	/*
	 * Huge pages matter for a guest that touches much memory (Linux): each
	 * 4 KiB host page it touches first costs a host page fault plus the
	 * hypervisor's own fault handling. THP in "madvise" mode (Debian's
	 * default) needs this call; failure only costs speed.
	 */
	(void)madvise(aligned, (size_t)size, MADV_HUGEPAGE);
	ram->host = aligned;
	ram->size = size;
	ram->owned = 1;
	return 0;
}

void ram_wrap(struct ram *ram, void *host, uint64_t size)
{
	ram->host = host;
	ram->size = host ? size : 0;
	ram->owned = 0;
}

void ram_destroy(struct ram *ram)
{
	if (ram->host && ram->owned)
		munmap(ram->host, (size_t)ram->size);
	ram->host = NULL;
	ram->size = 0;
	ram->owned = 0;
}

void *ram_ptr(const struct ram *ram, uint64_t gpa, uint64_t len)
{
	if (!ram->host)
		return NULL;
	/*
	 * Written so that no sum can wrap: gpa <= size first, then len must fit
	 * in what is left above gpa.
	 */
	if (gpa > ram->size || len > ram->size - gpa)
		return NULL;
	return ram->host + gpa;
}

int ram_write(const struct ram *ram, uint64_t gpa, const void *src, uint64_t len)
{
	void *p = ram_ptr(ram, gpa, len);

	if (!p)
		return -EFAULT;
	if (len)
		memcpy(p, src, (size_t)len);
	return 0;
}

int ram_read(const struct ram *ram, uint64_t gpa, void *dst, uint64_t len)
{
	const void *p = ram_ptr(ram, gpa, len);

	if (!p)
		return -EFAULT;
	if (len)
		memcpy(dst, p, (size_t)len);
	return 0;
}
