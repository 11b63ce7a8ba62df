/* serial.h: a 16550A UART register model (COM1 at 0x3F8 by default) with input and an IRQ line. */
#ifndef VMM_DEVICES_SERIAL_H
#define VMM_DEVICES_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../bus.h"

#define SERIAL_COM1_BASE  0x3f8
#define SERIAL_COM1_IRQ	  4
#define SERIAL_PORT_COUNT 8
#define SERIAL_FIFO_SIZE  16

/*
 * The register model of the National Semiconductor PC16550D data sheet
 * (section 8, "Registers"): RBR/THR, IER, IIR/FCR, LCR (with the DLAB
 * divisor latch), MCR (with loopback), LSR, MSR and SCR; a 16-byte receive
 * FIFO (one byte when FCR.0 is clear); interrupt identification in the
 * data sheet's priority order. Transmission is instantaneous: every byte
 * written to THR goes to the output callback at once, so THRE and TEMT are
 * always set and a THRE interrupt is pending again right after each write.
 *
 * There is no clock, so the character-timeout interrupt (IIR 0xC) is
 * reported as soon as the receive FIFO holds fewer bytes than the trigger
 * level: what a guest sees after the timeout anyway.
 *
 * The interrupt output is the data sheet's INTRPT gated by MCR.OUT2, as on
 * PC serial cards; every change of that level is reported through one call
 * of the irq callback, so wiring it to an interrupt controller is one line.
 *
 * Threads: the vCPU thread calls serial_io(); another thread (the console)
 * may call serial_receive() and serial_rx_room() at the same time. A mutex
 * inside the device serialises them. Callbacks run with it held and must
 * not call back into the device.
 */

/* serial_out_fn: every byte the guest transmits (not in loopback), in order. */
typedef void (*serial_out_fn)(void *ctx, uint8_t byte);
/* serial_irq_fn: the interrupt line changed to (level). */
typedef void (*serial_irq_fn)(void *ctx, bool level);
/* serial_rx_fn: the guest read a byte, so the receive FIFO has room again. */
typedef void (*serial_rx_fn)(void *ctx);

/* Register offsets from the base port. */
#define SERIAL_RBR 0 /* read; THR on write; DLL when LCR.DLAB */
#define SERIAL_THR 0
#define SERIAL_IER 1 /* DLM when LCR.DLAB */
#define SERIAL_IIR 2 /* read; FCR on write */
#define SERIAL_FCR 2
#define SERIAL_LCR 3
#define SERIAL_MCR 4
#define SERIAL_LSR 5
#define SERIAL_MSR 6
#define SERIAL_SCR 7

#define SERIAL_IER_RDI	0x01 /* received data available */
#define SERIAL_IER_THRI 0x02 /* THR empty */
#define SERIAL_IER_RLSI 0x04 /* receiver line status */
#define SERIAL_IER_MSI	0x08 /* modem status */

#define SERIAL_IIR_NO_INT 0x01
#define SERIAL_IIR_MSI	  0x00
#define SERIAL_IIR_THRI	  0x02
#define SERIAL_IIR_RDI	  0x04
#define SERIAL_IIR_RLSI	  0x06
#define SERIAL_IIR_CTI	  0x0c
#define SERIAL_IIR_FIFO	  0xc0 /* both bits set: FIFOs enabled (16550A) */

#define SERIAL_FCR_ENABLE   0x01
#define SERIAL_FCR_CLEAR_RX 0x02
#define SERIAL_FCR_CLEAR_TX 0x04

#define SERIAL_LCR_DLAB 0x80

#define SERIAL_MCR_DTR	0x01
#define SERIAL_MCR_RTS	0x02
#define SERIAL_MCR_OUT1 0x04
#define SERIAL_MCR_OUT2 0x08
#define SERIAL_MCR_LOOP 0x10

#define SERIAL_LSR_DR	0x01
#define SERIAL_LSR_OE	0x02
#define SERIAL_LSR_BI	0x10
#define SERIAL_LSR_THRE 0x20
#define SERIAL_LSR_TEMT 0x40

#define SERIAL_MSR_DCTS 0x01
#define SERIAL_MSR_DDSR 0x02
#define SERIAL_MSR_TERI 0x04
#define SERIAL_MSR_DDCD 0x08
#define SERIAL_MSR_CTS	0x10
#define SERIAL_MSR_DSR	0x20
#define SERIAL_MSR_RI	0x40
#define SERIAL_MSR_DCD	0x80

struct serial {
	pthread_mutex_t lock;
	serial_out_fn out;
	void *out_ctx;
	serial_irq_fn irq;
	void *irq_ctx;
	serial_rx_fn rx_room;
	void *rx_ctx;

	uint8_t ier, fcr, lcr, mcr, lsr, msr, scr, dll, dlm;
	bool thr_pending; /* THRE interrupt not yet acknowledged */
	bool irq_level;	  /* last level given to the irq callback */
	uint8_t rx[SERIAL_FIFO_SIZE];
	unsigned int rx_head, rx_count;
	uint64_t rx_dropped; /* bytes lost to overrun */
};

/*
 * serial_init: reset (s) (the data sheet's reset values; MSR shows a
 * connected terminal: DCD, DSR, CTS) and make it deliver transmitted bytes
 * to (out, ctx); out may be NULL to discard them. No IRQ callback.
 * Returns 0 or a negative errno (mutex creation).
 */
int serial_init(struct serial *s, serial_out_fn out, void *ctx);

/* serial_destroy: release what serial_init() created. */
void serial_destroy(struct serial *s);

/* serial_set_irq: report the interrupt line through (fn, ctx) from now on. */
void serial_set_irq(struct serial *s, serial_irq_fn fn, void *ctx);

/* serial_set_rx_room: call (fn, ctx) whenever the guest takes a byte from the FIFO. */
void serial_set_rx_room(struct serial *s, serial_rx_fn fn, void *ctx);

/*
 * serial_attach: register (s) on (bus) at ports [base, base + 8).
 * Returns bus_register()'s result.
 */
int serial_attach(struct serial *s, struct bus *bus, uint16_t base);

/*
 * serial_receive: bytes arriving on the line (from the host's keyboard).
 * Takes as many as fit in the receive FIFO (16 with FIFOs on, 1 without)
 * and returns that count; the caller keeps the rest and retries when the
 * rx-room callback fires. Ignored (returns n) in loopback mode, where the
 * line is disconnected.
 */
unsigned int serial_receive(struct serial *s, const uint8_t *buf, unsigned int n);

/* serial_rx_room: how many bytes serial_receive() would take now. */
unsigned int serial_rx_room(struct serial *s);

/* serial_io: the bus handler (exported for unit tests); see bus_io_fn. */
int serial_io(void *opaque, uint16_t offset, bool is_write, uint32_t *data, unsigned int size);

#endif /* VMM_DEVICES_SERIAL_H */
