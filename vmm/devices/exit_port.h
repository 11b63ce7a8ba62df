/* exit_port.h: the guest's "power off with a status" port (0xF4 by default). */
#ifndef VMM_DEVICES_EXIT_PORT_H
#define VMM_DEVICES_EXIT_PORT_H

#include <stdint.h>

#include "../bus.h"

#define EXIT_PORT_DEFAULT 0xf4
#define EXIT_PORT_COUNT 4

/*
 * The device claims 4 ports (0xF4-0xF7 by default), like QEMU's
 * isa-debug-exit with iosize=4, so OUT of any width at the base port
 * reaches it. Convention (openwhp's, not QEMU's): a write of value V (1, 2
 * or 4 bytes) anywhere in the range ends the run with status V & 0xFF,
 * unchanged. QEMU's isa-debug-exit reports (V << 1) | 1 instead; a guest
 * written for QEMU therefore gets a different status here, which
 * docs/vmm.md points out. Reads return 0.
 */

/* exit_port_fn: called on the vCPU thread with the status the guest chose. */
typedef void (*exit_port_fn)(void *ctx, uint8_t status);

struct exit_port {
	exit_port_fn fn;
	void *ctx;
};

/*
 * exit_port_attach: make (ep) call (fn, ctx) on a guest write and register
 * it on (bus) at ports [port, port + EXIT_PORT_COUNT). Returns
 * bus_register()'s result.
 */
int exit_port_attach(struct exit_port *ep, struct bus *bus, uint16_t port,
		     exit_port_fn fn, void *ctx);

/* exit_port_io: the bus handler (exported for unit tests); see bus_io_fn. */
int exit_port_io(void *opaque, uint16_t offset, bool is_write, uint32_t *data,
		 unsigned int size);

#endif /* VMM_DEVICES_EXIT_PORT_H */
