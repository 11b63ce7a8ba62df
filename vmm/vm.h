/* vm.h: the first-cut machine wired up: RAM, COM1, exit port, a flat image, run to the end. */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <stdint.h>

#include "boot/flat.h"
#include "devices/serial.h"
#include "machine.h"

struct vm_config {
	uint64_t mem_size;		/* bytes of guest RAM */
	struct flat_image image;	/* what to load and where to start */
	serial_out_fn serial_out;	/* bytes the guest writes to COM1 */
	void *serial_ctx;
};

/*
 * vm_run_flat: build a machine with (cfg->mem_size) bytes of RAM, a serial
 * port at 0x3F8 (output to cfg->serial_out) and the exit port at 0xF4, load
 * cfg->image, start it in its mode, run until it stops, tear everything
 * down. Returns 0 with (*res) describing how the guest stopped; -ENODEV when
 * no hypervisor is available; another negative value for any other host
 * failure or a bad image (vmm_error() says which).
 */
int vm_run_flat(const struct vm_config *cfg, struct machine_result *res);

#endif /* VMM_VM_H */
