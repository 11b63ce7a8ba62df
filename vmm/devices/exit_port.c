/* exit_port.c: a port write ends the run with the written status (see exit_port.h). */
#include "exit_port.h"

int exit_port_io(void *opaque, uint16_t offset, bool is_write, uint32_t *data,
		 unsigned int size)
{
	struct exit_port *ep = opaque;

	(void)offset;
	(void)size;
	if (!is_write) {
		*data = 0;
		return 0;
	}
	if (ep->fn)
		ep->fn(ep->ctx, (uint8_t)(*data & 0xff));
	return 0;
}

int exit_port_attach(struct exit_port *ep, struct bus *bus, uint16_t port,
		     exit_port_fn fn, void *ctx)
{
	ep->fn = fn;
	ep->ctx = ctx;
	return bus_register(bus, port, EXIT_PORT_COUNT, exit_port_io, ep, "exit-port");
}
