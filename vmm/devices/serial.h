/* serial.h: a minimal output-only 8250-style serial port (COM1 at 0x3F8 by default). */
#ifndef VMM_DEVICES_SERIAL_H
#define VMM_DEVICES_SERIAL_H

#include <stdint.h>

#include "../bus.h"

#define SERIAL_COM1_BASE 0x3f8
#define SERIAL_PORT_COUNT 8

/*
 * serial_out_fn: receives every byte the guest transmits (a write to THR
 * with DLAB clear), in order. Called on the vCPU thread.
 */
typedef void (*serial_out_fn)(void *ctx, uint8_t byte);

/*
 * The register model is just enough for a polling guest to print: THR
 * writes go to the output callback; LSR always reads 0x60 (THR empty and
 * transmitter empty, no data ready), so "wait until THRE" loops finish at
 * once; IER, LCR, MCR, SCR and the divisor latch hold what is written;
 * IIR reads 0x01 (no interrupt pending); RBR and MSR read 0. No input, no
 * interrupts, no FIFO. Register offsets and bits: the 16550A data sheet
 * (National Semiconductor PC16550D), section 8.
 */
struct serial {
	serial_out_fn out;
	void *out_ctx;
	uint8_t ier, lcr, mcr, scr, dll, dlm;
};

/* Offsets from the base port. */
#define SERIAL_THR 0	/* write: transmit holding; read: RBR; DLAB: DLL */
#define SERIAL_IER 1	/* DLAB: DLM */
#define SERIAL_IIR 2	/* read: IIR; write: FCR */
#define SERIAL_LCR 3
#define SERIAL_MCR 4
#define SERIAL_LSR 5
#define SERIAL_MSR 6
#define SERIAL_SCR 7

#define SERIAL_LCR_DLAB 0x80
#define SERIAL_LSR_THRE 0x20
#define SERIAL_LSR_TEMT 0x40

/*
 * serial_init: reset (s) and make it deliver output to (out, ctx); out may
 * be NULL to discard output.
 */
void serial_init(struct serial *s, serial_out_fn out, void *ctx);

/*
 * serial_attach: register (s) on (bus) at ports [base, base + 8).
 * Returns bus_register()'s result.
 */
int serial_attach(struct serial *s, struct bus *bus, uint16_t base);

/* serial_io: the bus handler (exported for unit tests); see bus_io_fn. */
int serial_io(void *opaque, uint16_t offset, bool is_write, uint32_t *data,
	      unsigned int size);

#endif /* VMM_DEVICES_SERIAL_H */
