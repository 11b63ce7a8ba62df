/* power.c: Bochs shutdown port, reset control register, 8042 reset command (see power.h). */
#include <string.h>

#include "power.h"

static const char power_bochs_string[] = "Shutdown";

static void power_event(struct power *p, enum power_event ev, const char *how)
{
	if (p->fn)
		p->fn(p->ctx, ev, how);
}

int power_bochs_io(void *opaque, uint16_t offset, bool is_write, uint32_t *data, unsigned int size)
{
	struct power *p = opaque;
	unsigned int i;

	(void)offset;
	if (!is_write) {
		*data = 0;
		return 0;
	}
	/* The port is one byte wide, so the bus only hands it byte writes. */
	for (i = 0; i < size; i++) {
		char c = (char)(*data >> (8 * i));

		if (c == power_bochs_string[p->bochs_matched])
			p->bochs_matched++;
		else
			p->bochs_matched = c == power_bochs_string[0] ? 1 : 0;
		if (p->bochs_matched == sizeof(power_bochs_string) - 1) {
			p->bochs_matched = 0;
			power_event(p, POWER_OFF, "Bochs shutdown port 0x8900");
			return 0;
		}
	}
	return 0;
}

int power_cf9_io(void *opaque, uint16_t offset, bool is_write, uint32_t *data, unsigned int size)
{
	struct power *p = opaque;

	(void)offset;
	(void)size;
	if (!is_write) {
		*data = 0;
		return 0;
	}
	if (*data & 0x04) /* RST_CPU */
		power_event(p, POWER_RESET, "reset control register 0xcf9");
	return 0;
}

int power_i8042_io(void *opaque, uint16_t offset, bool is_write, uint32_t *data, unsigned int size)
{
	struct power *p = opaque;

	(void)offset;
	(void)size;
	if (!is_write) {
		*data = 0; /* status: output and input buffers empty */
		return 0;
	}
	if ((*data & 0xff) == 0xfe)
		power_event(p, POWER_RESET, "keyboard controller reset (0x64 <- 0xfe)");
	return 0;
}

int power_attach(struct power *p, struct bus *bus, power_fn fn, void *ctx)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->fn = fn;
	p->ctx = ctx;
	rc = bus_register(bus, POWER_BOCHS_PORT, 1, power_bochs_io, p, "bochs-shutdown");
	if (!rc)
		rc = bus_register(bus, POWER_CF9_PORT, 1, power_cf9_io, p, "reset-control");
	if (!rc)
		rc = bus_register(bus, POWER_I8042_PORT, 1, power_i8042_io, p, "i8042-reset");
	return rc;
}
