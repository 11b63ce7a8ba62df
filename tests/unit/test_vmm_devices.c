/* test_vmm_devices.c: the serial port register model and the exit port, through the bus. */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vmm/bus.h"
#include "vmm/devices/exit_port.h"
#include "vmm/devices/serial.h"

struct capture {
	char text[64];
	unsigned int len;
};

static void capture_byte(void *ctx, uint8_t byte)
{
	struct capture *c = ctx;

	if (c->len + 1 < sizeof(c->text))
		c->text[c->len++] = (char)byte;
}

static uint32_t rd(struct bus *bus, uint16_t port, unsigned int size)
{
	uint32_t v = 0xdeadbeef;

	cr_assert_eq(bus_io(bus, port, false, &v, size), 0);
	return v;
}

static void wr(struct bus *bus, uint16_t port, uint32_t v, unsigned int size)
{
	cr_assert_eq(bus_io(bus, port, true, &v, size), 0);
}

Test(vmm_devices, serial_transmits_thr_writes_in_order)
{
	struct capture cap = { 0 };
	struct serial s;
	struct bus bus;
	const char *msg = "Hi!\n";

	bus_init(&bus);
	serial_init(&s, capture_byte, &cap);
	cr_assert_eq(serial_attach(&s, &bus, SERIAL_COM1_BASE), 0);
	for (; *msg; msg++) {
		/* What a polling driver does: wait for THRE, then write. */
		cr_assert_eq(rd(&bus, 0x3fd, 1) & SERIAL_LSR_THRE, SERIAL_LSR_THRE);
		wr(&bus, 0x3f8, (uint8_t)*msg, 1);
	}
	cr_assert_str_eq(cap.text, "Hi!\n");
}

Test(vmm_devices, serial_status_registers)
{
	struct serial s;
	struct bus bus;

	bus_init(&bus);
	serial_init(&s, NULL, NULL);
	cr_assert_eq(serial_attach(&s, &bus, SERIAL_COM1_BASE), 0);
	cr_assert_eq(rd(&bus, 0x3fd, 1), 0x60);	/* THRE | TEMT, no data */
	cr_assert_eq(rd(&bus, 0x3fa, 1), 0x01);	/* IIR: nothing pending */
	cr_assert_eq(rd(&bus, 0x3f8, 1), 0);	/* RBR: no input */
	wr(&bus, 0x3ff, 0x5a, 1);
	cr_assert_eq(rd(&bus, 0x3ff, 1), 0x5a);	/* scratch register */
	wr(&bus, 0x3f9, 0xff, 1);
	cr_assert_eq(rd(&bus, 0x3f9, 1), 0x0f);	/* IER keeps 4 bits */
	wr(&bus, 0x3fc, 0xff, 1);
	cr_assert_eq(rd(&bus, 0x3fc, 1), 0x1f);	/* MCR keeps 5 bits */
	wr(&bus, 0x3f8, 'x', 1);		/* no sink: dropped, no crash */
}

Test(vmm_devices, serial_divisor_latch_does_not_transmit)
{
	struct capture cap = { 0 };
	struct serial s;
	struct bus bus;

	bus_init(&bus);
	serial_init(&s, capture_byte, &cap);
	cr_assert_eq(serial_attach(&s, &bus, SERIAL_COM1_BASE), 0);
	wr(&bus, 0x3f9, 0x03, 1);		/* IER before DLAB */
	wr(&bus, 0x3fb, 0x80, 1);		/* LCR: DLAB = 1 */
	wr(&bus, 0x3f8, 0x01, 1);		/* DLL: 115200 baud */
	wr(&bus, 0x3f9, 0x00, 1);		/* DLM */
	cr_assert_eq(rd(&bus, 0x3f8, 1), 0x01);
	cr_assert_eq(rd(&bus, 0x3f9, 1), 0x00);
	wr(&bus, 0x3fb, 0x03, 1);		/* 8N1, DLAB = 0 */
	cr_assert_eq(cap.len, 0, "divisor writes are not output");
	cr_assert_eq(rd(&bus, 0x3f9, 1), 0x03, "IER kept across DLAB");
	wr(&bus, 0x3f8, 'k', 1);
	cr_assert_str_eq(cap.text, "k");
}

Test(vmm_devices, serial_wide_accesses_split_into_bytes)
{
	struct capture cap = { 0 };
	struct serial s;
	struct bus bus;

	bus_init(&bus);
	serial_init(&s, capture_byte, &cap);
	cr_assert_eq(serial_attach(&s, &bus, SERIAL_COM1_BASE), 0);
	/* 16-bit write at THR: low byte is output, high byte goes to IER. */
	wr(&bus, 0x3f8, 0x0241, 2);
	cr_assert_str_eq(cap.text, "A");
	cr_assert_eq(rd(&bus, 0x3f9, 1), 0x02);
	/* 32-bit read at 0x3fc: MCR, LSR, MSR, SCR. */
	wr(&bus, 0x3ff, 0x77, 1);
	cr_assert_eq(rd(&bus, 0x3fc, 4), 0x77006000u);
}

struct exit_record {
	int calls;
	uint8_t status;
};

static void record_exit(void *ctx, uint8_t status)
{
	struct exit_record *r = ctx;

	r->calls++;
	r->status = status;
}

Test(vmm_devices, exit_port_reports_the_low_byte)
{
	struct exit_record rec = { 0 };
	struct exit_port ep;
	struct bus bus;

	bus_init(&bus);
	cr_assert_eq(exit_port_attach(&ep, &bus, EXIT_PORT_DEFAULT, record_exit, &rec), 0);
	cr_assert_eq(rd(&bus, 0xf4, 1), 0);
	cr_assert_eq(rec.calls, 0, "reads do not stop the guest");
	wr(&bus, 0xf4, 42, 1);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, 42);
	wr(&bus, 0xf4, 0x1234, 2);		/* wider writes keep the low byte */
	cr_assert_eq(rec.status, 0x34);
	wr(&bus, 0xf4, 0xabcdef01, 4);
	cr_assert_eq(rec.status, 0x01);
	cr_assert_eq(rec.calls, 3);
	/* It owns 0xf4-0xf7 and nothing beyond. */
	cr_assert_not_null(bus_find(&bus, 0xf7));
	cr_assert_null(bus_find(&bus, 0xf8));
	cr_assert_null(bus_find(&bus, 0xf3));
}
