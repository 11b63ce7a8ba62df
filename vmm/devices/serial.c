/* serial.c: minimal output-only 8250-style UART register model (see serial.h). */
#include <string.h>

#include "serial.h"

void serial_init(struct serial *s, serial_out_fn out, void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->out = out;
	s->out_ctx = ctx;
}

static void serial_write_reg(struct serial *s, unsigned int reg, uint8_t v)
{
	bool dlab = s->lcr & SERIAL_LCR_DLAB;

	switch (reg) {
	case SERIAL_THR:
		if (dlab)
			s->dll = v;
		else if (s->out)
			s->out(s->out_ctx, v);
		break;
	case SERIAL_IER:
		if (dlab)
			s->dlm = v;
		else
			s->ier = v & 0x0f;	/* bits 4-7 are always 0 */
		break;
	case SERIAL_LCR:
		s->lcr = v;
		break;
	case SERIAL_MCR:
		s->mcr = v & 0x1f;		/* bits 5-7 are always 0 */
		break;
	case SERIAL_SCR:
		s->scr = v;
		break;
	default:
		/* FCR (no FIFO modelled), LSR and MSR writes: ignored. */
		break;
	}
}

static uint8_t serial_read_reg(const struct serial *s, unsigned int reg)
{
	bool dlab = s->lcr & SERIAL_LCR_DLAB;

	switch (reg) {
	case SERIAL_THR:
		return dlab ? s->dll : 0;	/* RBR: nothing received */
	case SERIAL_IER:
		return dlab ? s->dlm : s->ier;
	case SERIAL_IIR:
		return 0x01;			/* bit 0 set: no interrupt pending */
	case SERIAL_LCR:
		return s->lcr;
	case SERIAL_MCR:
		return s->mcr;
	case SERIAL_LSR:
		/* Output is delivered synchronously, so the transmitter is always idle. */
		return SERIAL_LSR_THRE | SERIAL_LSR_TEMT;
	case SERIAL_SCR:
		return s->scr;
	default:
		return 0;			/* MSR: no modem lines */
	}
}

int serial_io(void *opaque, uint16_t offset, bool is_write, uint32_t *data,
	      unsigned int size)
{
	struct serial *s = opaque;
	uint32_t v = 0;
	unsigned int i;

	/*
	 * The UART is an 8-bit device: a 16- or 32-bit access is split into
	 * byte accesses at consecutive offsets, low byte first, as an ISA bus
	 * does for 8-bit peripherals.
	 */
	for (i = 0; i < size; i++) {
		unsigned int reg = (offset + i) % SERIAL_PORT_COUNT;

		if (is_write)
			serial_write_reg(s, reg, (uint8_t)(*data >> (8 * i)));
		else
			v |= (uint32_t)serial_read_reg(s, reg) << (8 * i);
	}
	if (!is_write)
		*data = v;
	return 0;
}

int serial_attach(struct serial *s, struct bus *bus, uint16_t base)
{
	return bus_register(bus, base, SERIAL_PORT_COUNT, serial_io, s, "serial");
}
