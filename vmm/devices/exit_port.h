/* exit_port.h: QEMU's isa-debug-exit device: a port write ends the run with status (V << 1) | 1. */
#ifndef VMM_DEVICES_EXIT_PORT_H
#define VMM_DEVICES_EXIT_PORT_H

#include <stdint.h>

#include "../bus.h"

#define EXIT_PORT_DEFAULT 0xf4
#define EXIT_PORT_COUNT	  4

/*
 * The convention of QEMU's isa-debug-exit device as guest test suites use
 * it ("-device isa-debug-exit,iobase=0xf4,iosize=4"): a write of value V,
 * 1, 2 or 4 bytes wide, anywhere in the 4 ports, ends the run and QEMU
 * exits with exit((V << 1) | 1), so the process status is
 * ((V << 1) | 1) & 0xFF: always odd, and a guest cannot produce 0 this way
 * (0 stays "HLT" or "powered off"). Reads return 0.
 */

/* exit_port_status: the status a write of (value) produces. */
uint8_t exit_port_status(uint32_t value);

/* exit_port_fn: called on the vCPU thread with the status of the write. */
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
int exit_port_attach(struct exit_port *ep, struct bus *bus, uint16_t port, exit_port_fn fn,
		     void *ctx);

/* exit_port_io: the bus handler (exported for unit tests); see bus_io_fn. */
int exit_port_io(void *opaque, uint16_t offset, bool is_write, uint32_t *data, unsigned int size);

#endif /* VMM_DEVICES_EXIT_PORT_H */
