/* exit_port.c: QEMU-compatible debug-exit port (see exit_port.h). */
#include "exit_port.h"

uint8_t exit_port_status(uint32_t value)
{
	return (uint8_t)((value << 1) | 1);
}

int exit_port_io(void *opaque, uint16_t offset, bool is_write, uint32_t *data, unsigned int size)
{
	struct exit_port *ep = opaque;
	uint32_t v = *data;

	(void)offset;
	if (!is_write) {
		*data = 0;
		return 0;
	}
	/* Only the bytes written count: an 8-bit OUT of 0x81 is 0x81, not more. */
	if (size < 4)
		v &= (1u << (8 * size)) - 1;
	if (ep->fn)
		ep->fn(ep->ctx, exit_port_status(v));
	return 0;
}

int exit_port_attach(struct exit_port *ep, struct bus *bus, uint16_t port, exit_port_fn fn,
		     void *ctx)
{
	ep->fn = fn;
	ep->ctx = ctx;
	return bus_register(bus, port, EXIT_PORT_COUNT, exit_port_io, ep, "debug-exit");
}
