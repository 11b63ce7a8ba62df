/* serial.c: 16550A UART register model: FIFO, loopback, interrupt identification (see serial.h). */
#include <errno.h>
#include <string.h>

#include "serial.h"

/* What MSR shows with a terminal attached: carrier, data set ready, clear to send. */
#define SERIAL_MSR_CONNECTED (SERIAL_MSR_DCD | SERIAL_MSR_DSR | SERIAL_MSR_CTS)

int serial_init(struct serial *s, serial_out_fn out, void *ctx)
{
	int rc;

	memset(s, 0, sizeof(*s));
	rc = pthread_mutex_init(&s->lock, NULL);
	if (rc)
		return -rc;
	s->out = out;
	s->out_ctx = ctx;
	/* Reset values, PC16550D table "UART Reset Configuration". */
	s->lsr = SERIAL_LSR_THRE | SERIAL_LSR_TEMT;
	s->msr = SERIAL_MSR_CONNECTED;
	return 0;
}

void serial_destroy(struct serial *s)
{
	pthread_mutex_destroy(&s->lock);
}

void serial_set_irq(struct serial *s, serial_irq_fn fn, void *ctx)
{
	pthread_mutex_lock(&s->lock);
	s->irq = fn;
	s->irq_ctx = ctx;
	pthread_mutex_unlock(&s->lock);
}

void serial_set_rx_room(struct serial *s, serial_rx_fn fn, void *ctx)
{
	pthread_mutex_lock(&s->lock);
	s->rx_room = fn;
	s->rx_ctx = ctx;
	pthread_mutex_unlock(&s->lock);
}

static unsigned int serial_capacity(const struct serial *s)
{
	return (s->fcr & SERIAL_FCR_ENABLE) ? SERIAL_FIFO_SIZE : 1;
}

/* The receive trigger level of FCR bits 7:6 (data sheet, FCR description). */
static unsigned int serial_trigger(const struct serial *s)
{
	static const unsigned int levels[4] = { 1, 4, 8, 14 };

	if (!(s->fcr & SERIAL_FCR_ENABLE))
		return 1;
	return levels[s->fcr >> 6];
}

/* The interrupt identification, highest priority first (data sheet table 4). */
static uint8_t serial_iir(const struct serial *s)
{
	uint8_t fifo = (s->fcr & SERIAL_FCR_ENABLE) ? SERIAL_IIR_FIFO : 0;

	if ((s->ier & SERIAL_IER_RLSI) && (s->lsr & (SERIAL_LSR_OE | SERIAL_LSR_BI)))
		return fifo | SERIAL_IIR_RLSI;
	if ((s->ier & SERIAL_IER_RDI) && s->rx_count)
		return fifo | (s->rx_count >= serial_trigger(s) ? SERIAL_IIR_RDI : SERIAL_IIR_CTI);
	if ((s->ier & SERIAL_IER_THRI) && s->thr_pending)
		return fifo | SERIAL_IIR_THRI;
	if ((s->ier & SERIAL_IER_MSI) && (s->msr & 0x0f))
		return fifo | SERIAL_IIR_MSI;
	return fifo | SERIAL_IIR_NO_INT;
}

/* Report the IRQ output if it changed: INTRPT gated by OUT2, as on a PC. */
static void serial_update_irq(struct serial *s)
{
	bool level = !(serial_iir(s) & SERIAL_IIR_NO_INT) && (s->mcr & SERIAL_MCR_OUT2);

	if (level != s->irq_level) {
		s->irq_level = level;
		if (s->irq)
			s->irq(s->irq_ctx, level);
	}
}

static void serial_rx_clear(struct serial *s)
{
	s->rx_head = 0;
	s->rx_count = 0;
	s->lsr &= (uint8_t)~SERIAL_LSR_DR;
}

/* One byte into the receive FIFO; a full FIFO drops it and flags an overrun. */
static bool serial_rx_push(struct serial *s, uint8_t byte)
{
	if (s->rx_count >= serial_capacity(s)) {
		s->lsr |= SERIAL_LSR_OE;
		s->rx_dropped++;
		return false;
	}
	s->rx[(s->rx_head + s->rx_count) % SERIAL_FIFO_SIZE] = byte;
	s->rx_count++;
	s->lsr |= SERIAL_LSR_DR;
	return true;
}

/*
 * Modem status from the modem control lines: in loopback the outputs feed
 * the inputs (RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD); otherwise a
 * connected terminal. Delta bits record changes until MSR is read; TERI
 * only for RI going inactive.
 */
static void serial_update_msr(struct serial *s)
{
	uint8_t old = s->msr & 0xf0, now;

	if (s->mcr & SERIAL_MCR_LOOP)
		now = (uint8_t)(((s->mcr & SERIAL_MCR_RTS) ? SERIAL_MSR_CTS : 0) |
				((s->mcr & SERIAL_MCR_DTR) ? SERIAL_MSR_DSR : 0) |
				((s->mcr & SERIAL_MCR_OUT1) ? SERIAL_MSR_RI : 0) |
				((s->mcr & SERIAL_MCR_OUT2) ? SERIAL_MSR_DCD : 0));
	else
		now = SERIAL_MSR_CONNECTED;
	if ((old ^ now) & SERIAL_MSR_CTS)
		s->msr |= SERIAL_MSR_DCTS;
	if ((old ^ now) & SERIAL_MSR_DSR)
		s->msr |= SERIAL_MSR_DDSR;
	if ((old & SERIAL_MSR_RI) && !(now & SERIAL_MSR_RI))
		s->msr |= SERIAL_MSR_TERI;
	if ((old ^ now) & SERIAL_MSR_DCD)
		s->msr |= SERIAL_MSR_DDCD;
	s->msr = (uint8_t)((s->msr & 0x0f) | now);
}

static void serial_write_reg(struct serial *s, unsigned int reg, uint8_t v)
{
	bool dlab = s->lcr & SERIAL_LCR_DLAB;

	switch (reg) {
	case SERIAL_THR:
		if (dlab) {
			s->dll = v;
			break;
		}
		if (s->mcr & SERIAL_MCR_LOOP)
			(void)serial_rx_push(s, v);
		else if (s->out)
			s->out(s->out_ctx, v);
		/* Sent at once: THR is empty again, which is an interrupt event. */
		s->thr_pending = true;
		break;
	case SERIAL_IER:
		if (dlab) {
			s->dlm = v;
			break;
		}
		/* Enabling THRI with THR empty raises the interrupt at once. */
		if ((v & SERIAL_IER_THRI) && !(s->ier & SERIAL_IER_THRI))
			s->thr_pending = true;
		s->ier = v & 0x0f; /* bits 4-7 are always 0 */
		break;
	case SERIAL_FCR:
		/* Changing the FIFO enable bit clears both FIFOs. */
		if ((v ^ s->fcr) & SERIAL_FCR_ENABLE)
			serial_rx_clear(s);
		if (v & SERIAL_FCR_CLEAR_RX)
			serial_rx_clear(s);
		/* Bits 1-2 self-clear; 4-5 are reserved on the 16550A. */
		s->fcr = v & 0xc9;
		if (!(s->fcr & SERIAL_FCR_ENABLE))
			s->fcr = 0;
		break;
	case SERIAL_LCR: s->lcr = v; break;
	case SERIAL_MCR:
		s->mcr = v & 0x1f;    /* bits 5-7 are always 0 */
		serial_update_msr(s); /* deltas only where a line changed */
		break;
	case SERIAL_SCR: s->scr = v; break;
	default:
		/* LSR and MSR are read-only (factory test use only). */
		break;
	}
}

static uint8_t serial_read_reg(struct serial *s, unsigned int reg, bool *took)
{
	bool dlab = s->lcr & SERIAL_LCR_DLAB;
	uint8_t v;

	switch (reg) {
	case SERIAL_RBR:
		if (dlab)
			return s->dll;
		if (!s->rx_count)
			return 0;
		v = s->rx[s->rx_head];
		s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_SIZE;
		s->rx_count--;
		if (!s->rx_count)
			s->lsr &= (uint8_t)~SERIAL_LSR_DR;
		*took = true;
		return v;
	case SERIAL_IER: return dlab ? s->dlm : s->ier;
	case SERIAL_IIR:
		v = serial_iir(s);
		/* Reading IIR acknowledges a THRE interrupt it reports. */
		if ((v & 0x0f) == SERIAL_IIR_THRI)
			s->thr_pending = false;
		return v;
	case SERIAL_LCR: return s->lcr;
	case SERIAL_MCR: return s->mcr;
	case SERIAL_LSR:
		v = s->lsr | SERIAL_LSR_THRE | SERIAL_LSR_TEMT;
		/* Error bits clear when read. */
		s->lsr &= (uint8_t) ~(SERIAL_LSR_OE | SERIAL_LSR_BI);
		return v;
	case SERIAL_MSR:
		v = s->msr;
		s->msr &= 0xf0; /* delta bits clear when read */
		return v;
	default: return s->scr;
	}
}

int serial_io(void *opaque, uint16_t offset, bool is_write, uint32_t *data, unsigned int size)
{
	struct serial *s = opaque;
	bool took = false;
	uint32_t v = 0;
	unsigned int i;

	pthread_mutex_lock(&s->lock);
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
			v |= (uint32_t)serial_read_reg(s, reg, &took) << (8 * i);
	}
	serial_update_irq(s);
	if (took && s->rx_room && !(s->mcr & SERIAL_MCR_LOOP))
		s->rx_room(s->rx_ctx);
	pthread_mutex_unlock(&s->lock);
	if (!is_write)
		*data = v;
	return 0;
}

unsigned int serial_receive(struct serial *s, const uint8_t *buf, unsigned int n)
{
	unsigned int i = 0;

	pthread_mutex_lock(&s->lock);
	if (s->mcr & SERIAL_MCR_LOOP) {
		/* The line is disconnected in loopback: the bytes are lost. */
		i = n;
	} else {
		while (i < n && s->rx_count < serial_capacity(s))
			(void)serial_rx_push(s, buf[i++]);
		serial_update_irq(s);
	}
	pthread_mutex_unlock(&s->lock);
	return i;
}

unsigned int serial_rx_room(struct serial *s)
{
	unsigned int room;

	pthread_mutex_lock(&s->lock);
	room = serial_capacity(s) - s->rx_count;
	pthread_mutex_unlock(&s->lock);
	return room;
}

int serial_attach(struct serial *s, struct bus *bus, uint16_t base)
{
	return bus_register(bus, base, SERIAL_PORT_COUNT, serial_io, s, "serial");
}
