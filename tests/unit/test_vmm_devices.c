/* test_vmm_devices.c: the 16550A model, debug-exit, power ports and fw_cfg, through the bus. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vmm/boot/le.h"
#include "vmm/bus.h"
#include "vmm/devices/exit_port.h"
#include "vmm/devices/fw_cfg.h"
#include "vmm/devices/power.h"
#include "vmm/devices/serial.h"

struct capture {
	char text[64];
	unsigned int len;
	int irq_changes;
	bool irq;
	int rx_room_calls;
};

static void capture_byte(void *ctx, uint8_t byte)
{
	struct capture *c = ctx;

	if (c->len + 1 < sizeof(c->text))
		c->text[c->len++] = (char)byte;
}

static void capture_irq(void *ctx, bool level)
{
	struct capture *c = ctx;

	c->irq_changes++;
	c->irq = level;
}

static void capture_rx_room(void *ctx)
{
	((struct capture *)ctx)->rx_room_calls++;
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

static struct bus bus;
static struct serial uart;
static struct capture cap;

static void uart_setup(void)
{
	memset(&cap, 0, sizeof(cap));
	bus_init(&bus);
	cr_assert_eq(serial_init(&uart, capture_byte, &cap), 0);
	serial_set_irq(&uart, capture_irq, &cap);
	serial_set_rx_room(&uart, capture_rx_room, &cap);
	cr_assert_eq(serial_attach(&uart, &bus, SERIAL_COM1_BASE), 0);
}

static void uart_teardown(void)
{
	serial_destroy(&uart);
}

TestSuite(uart, .init = uart_setup, .fini = uart_teardown);

Test(uart, transmits_thr_writes_in_order)
{
	const char *msg = "Hi!\n";

	for (; *msg; msg++) {
		/* What a polling driver does: wait for THRE, then write. */
		cr_assert_eq(rd(&bus, 0x3fd, 1) & SERIAL_LSR_THRE, SERIAL_LSR_THRE);
		wr(&bus, 0x3f8, (uint8_t)*msg, 1);
	}
	cr_assert_str_eq(cap.text, "Hi!\n");
}

Test(uart, reset_state_and_plain_registers)
{
	cr_assert_eq(rd(&bus, 0x3fd, 1), 0x60); /* THRE | TEMT, no data */
	cr_assert_eq(rd(&bus, 0x3fa, 1), 0x01); /* IIR: nothing pending, no FIFO */
	cr_assert_eq(rd(&bus, 0x3f8, 1), 0);	/* RBR: no input */
	cr_assert_eq(rd(&bus, 0x3fe, 1), 0xb0); /* MSR: DCD, DSR, CTS */
	wr(&bus, 0x3ff, 0x5a, 1);
	cr_assert_eq(rd(&bus, 0x3ff, 1), 0x5a); /* scratch register */
	wr(&bus, 0x3f9, 0xf0, 1);
	cr_assert_eq(rd(&bus, 0x3f9, 1), 0x00); /* IER keeps 4 bits */
	wr(&bus, 0x3fc, 0xff, 1);
	cr_assert_eq(rd(&bus, 0x3fc, 1), 0x1f); /* MCR keeps 5 bits */
}

Test(uart, divisor_latch_does_not_transmit)
{
	wr(&bus, 0x3f9, 0x03, 1); /* IER before DLAB */
	wr(&bus, 0x3fb, 0x80, 1); /* LCR: DLAB = 1 */
	wr(&bus, 0x3f8, 0x01, 1); /* DLL: 115200 baud */
	wr(&bus, 0x3f9, 0x00, 1); /* DLM */
	cr_assert_eq(rd(&bus, 0x3f8, 1), 0x01);
	cr_assert_eq(rd(&bus, 0x3f9, 1), 0x00);
	wr(&bus, 0x3fb, 0x03, 1); /* 8N1, DLAB = 0 */
	cr_assert_eq(cap.len, 0, "divisor writes are not output");
	cr_assert_eq(rd(&bus, 0x3f9, 1), 0x03, "IER kept across DLAB");
	wr(&bus, 0x3f8, 'k', 1);
	cr_assert_str_eq(cap.text, "k");
}

Test(uart, wide_accesses_split_into_bytes)
{
	/* 16-bit write at THR: low byte is output, high byte goes to IER. */
	wr(&bus, 0x3f8, 0x0241, 2);
	cr_assert_str_eq(cap.text, "A");
	cr_assert_eq(rd(&bus, 0x3f9, 1), 0x02);
	/* 32-bit read at 0x3fc: MCR, LSR, MSR, SCR. */
	wr(&bus, 0x3ff, 0x77, 1);
	cr_assert_eq(rd(&bus, 0x3fc, 4), 0x77b06000u);
}

Test(uart, fifo_identifies_a_16550a)
{
	/* Linux's autoconfig: FCR enable, then IIR bits 7:6 must both be set. */
	wr(&bus, 0x3fa, SERIAL_FCR_ENABLE, 1);
	cr_assert_eq(rd(&bus, 0x3fa, 1) & 0xc0, 0xc0);
	wr(&bus, 0x3fa, 0, 1);
	cr_assert_eq(rd(&bus, 0x3fa, 1) & 0xc0, 0);
}

Test(uart, receive_without_fifo_holds_one_byte)
{
	const uint8_t in[] = "xy";

	cr_assert_eq(serial_rx_room(&uart), 1);
	cr_assert_eq(serial_receive(&uart, in, 2), 1, "only the holding register");
	cr_assert_eq(rd(&bus, 0x3fd, 1) & SERIAL_LSR_DR, SERIAL_LSR_DR);
	cr_assert_eq(rd(&bus, 0x3f8, 1), 'x');
	cr_assert_eq(rd(&bus, 0x3fd, 1) & SERIAL_LSR_DR, 0);
	cr_assert_eq(cap.rx_room_calls, 1, "taking a byte announces room");
}

Test(uart, receive_fifo_order_and_overrun)
{
	uint8_t in[20];
	unsigned int i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)('a' + i);
	wr(&bus, 0x3fa, SERIAL_FCR_ENABLE, 1);
	cr_assert_eq(serial_receive(&uart, in, sizeof(in)), SERIAL_FIFO_SIZE,
		     "the FIFO takes 16 and leaves the rest to the caller");
	cr_assert_eq(serial_rx_room(&uart), 0);
	for (i = 0; i < SERIAL_FIFO_SIZE; i++)
		cr_assert_eq(rd(&bus, 0x3f8, 1), 'a' + i);
	cr_assert_eq(rd(&bus, 0x3fd, 1) & (SERIAL_LSR_DR | SERIAL_LSR_OE), 0);
	/* Loopback into a full FIFO is an overrun; LSR reports it once. */
	wr(&bus, 0x3fc, SERIAL_MCR_LOOP, 1);
	for (i = 0; i < SERIAL_FIFO_SIZE + 1; i++)
		wr(&bus, 0x3f8, 'L', 1);
	cr_assert_eq(rd(&bus, 0x3fd, 1) & SERIAL_LSR_OE, SERIAL_LSR_OE);
	cr_assert_eq(rd(&bus, 0x3fd, 1) & SERIAL_LSR_OE, 0, "OE clears on read");
	cr_assert_eq(uart.rx_dropped, 1);
	cr_assert_eq(cap.len, 0, "loopback bytes never reach the output");
}

Test(uart, fcr_clears_the_receive_fifo)
{
	wr(&bus, 0x3fa, SERIAL_FCR_ENABLE, 1);
	cr_assert_eq(serial_receive(&uart, (const uint8_t *)"abc", 3), 3);
	wr(&bus, 0x3fa, SERIAL_FCR_ENABLE | SERIAL_FCR_CLEAR_RX, 1);
	cr_assert_eq(rd(&bus, 0x3fd, 1) & SERIAL_LSR_DR, 0);
	cr_assert_eq(serial_rx_room(&uart), SERIAL_FIFO_SIZE);
}

Test(uart, loopback_maps_modem_lines_and_deltas)
{
	cr_assert_eq(rd(&bus, 0x3fe, 1), 0xb0);
	/* Linux's loopback test: LOOP | OUT2 | RTS must read back DCD | CTS. */
	wr(&bus, 0x3fc, SERIAL_MCR_LOOP | SERIAL_MCR_OUT2 | SERIAL_MCR_RTS, 1);
	cr_assert_eq(rd(&bus, 0x3fe, 1) & 0xf0, 0x90);
	wr(&bus, 0x3fc, SERIAL_MCR_LOOP | SERIAL_MCR_DTR | SERIAL_MCR_OUT1, 1);
	/* DCD and CTS dropped, DSR and RI came up: DDCD, DCTS changed; no TERI. */
	cr_assert_eq(rd(&bus, 0x3fe, 1), SERIAL_MSR_DSR | SERIAL_MSR_RI | SERIAL_MSR_DDCD |
						 SERIAL_MSR_DCTS | SERIAL_MSR_DDSR);
	cr_assert_eq(rd(&bus, 0x3fe, 1) & 0x0f, 0, "deltas clear on read");
	wr(&bus, 0x3fc, SERIAL_MCR_LOOP | SERIAL_MCR_DTR, 1);
	cr_assert_eq(rd(&bus, 0x3fe, 1) & SERIAL_MSR_TERI, SERIAL_MSR_TERI,
		     "RI going inactive sets TERI");
	wr(&bus, 0x3f8, 'Q', 1);
	cr_assert_eq(rd(&bus, 0x3f8, 1), 'Q', "the byte comes back in loopback");
	wr(&bus, 0x3fc, 0, 1);
	cr_assert_eq(rd(&bus, 0x3fe, 1) & 0xf0, 0xb0, "out of loopback: connected");
}

Test(uart, interrupt_priorities_and_acknowledgement)
{
	wr(&bus, 0x3fc, SERIAL_MCR_OUT2, 1);
	/* Enabling THRI with THR empty raises the THRE interrupt at once. */
	wr(&bus, 0x3f9, SERIAL_IER_THRI | SERIAL_IER_RDI | SERIAL_IER_RLSI, 1);
	cr_assert(cap.irq);
	/* Received data outranks THRE; reading RBR leaves THRE pending. */
	cr_assert_eq(serial_receive(&uart, (const uint8_t *)"r", 1), 1);
	cr_assert_eq(rd(&bus, 0x3fa, 1), SERIAL_IIR_RDI);
	cr_assert_eq(rd(&bus, 0x3f8, 1), 'r');
	cr_assert_eq(rd(&bus, 0x3fa, 1), SERIAL_IIR_THRI);
	/* That IIR read acknowledged THRE: nothing left, the line drops. */
	cr_assert_eq(rd(&bus, 0x3fa, 1), SERIAL_IIR_NO_INT);
	cr_assert_not(cap.irq);
	/* A THR write makes THR empty again: a new THRE interrupt. */
	wr(&bus, 0x3f8, 'a', 1);
	cr_assert(cap.irq);
	cr_assert_eq(rd(&bus, 0x3fa, 1), SERIAL_IIR_THRI);
}

Test(uart, fifo_trigger_level_and_character_timeout)
{
	wr(&bus, 0x3fc, SERIAL_MCR_OUT2, 1);
	wr(&bus, 0x3fa, SERIAL_FCR_ENABLE | 0x40, 1); /* trigger at 4 bytes */
	wr(&bus, 0x3f9, SERIAL_IER_RDI, 1);
	cr_assert_eq(serial_receive(&uart, (const uint8_t *)"ab", 2), 2);
	cr_assert_eq(rd(&bus, 0x3fa, 1), SERIAL_IIR_FIFO | SERIAL_IIR_CTI,
		     "below the trigger level: character timeout");
	cr_assert_eq(serial_receive(&uart, (const uint8_t *)"cd", 2), 2);
	cr_assert_eq(rd(&bus, 0x3fa, 1), SERIAL_IIR_FIFO | SERIAL_IIR_RDI);
}

Test(uart, receiver_line_status_interrupt_on_overrun)
{
	wr(&bus, 0x3fc, SERIAL_MCR_OUT2, 1);
	wr(&bus, 0x3f9, SERIAL_IER_RLSI | SERIAL_IER_RDI, 1);
	cr_assert_eq(serial_receive(&uart, (const uint8_t *)"a", 1), 1);
	wr(&bus, 0x3fc, SERIAL_MCR_OUT2 | SERIAL_MCR_LOOP, 1);
	wr(&bus, 0x3f8, 'b', 1); /* no room: overrun */
	cr_assert_eq(rd(&bus, 0x3fa, 1), SERIAL_IIR_RLSI, "line status comes first");
	(void)rd(&bus, 0x3fd, 1); /* reading LSR clears OE */
	cr_assert_eq(rd(&bus, 0x3fa, 1), SERIAL_IIR_RDI);
}

Test(uart, out2_gates_the_irq_line)
{
	wr(&bus, 0x3f9, SERIAL_IER_THRI, 1);
	cr_assert_eq(rd(&bus, 0x3fa, 1) & 0x0f, SERIAL_IIR_THRI, "pending in IIR ...");
	cr_assert_not(cap.irq, "... but no IRQ without OUT2");
	cr_assert_eq(cap.irq_changes, 0);
	wr(&bus, 0x3f9, 0, 1);
	wr(&bus, 0x3fc, SERIAL_MCR_OUT2, 1);
	wr(&bus, 0x3f9, SERIAL_IER_THRI, 1);
	cr_assert(cap.irq);
	cr_assert_eq(cap.irq_changes, 1, "one call per change of level");
}

Test(uart, modem_status_interrupt)
{
	wr(&bus, 0x3fc, SERIAL_MCR_OUT2 | SERIAL_MCR_LOOP, 1);
	(void)rd(&bus, 0x3fe, 1); /* clear the deltas of entering loopback */
	wr(&bus, 0x3f9, SERIAL_IER_MSI, 1);
	cr_assert_eq(rd(&bus, 0x3fa, 1), SERIAL_IIR_NO_INT);
	wr(&bus, 0x3fc, SERIAL_MCR_OUT2 | SERIAL_MCR_LOOP | SERIAL_MCR_RTS, 1);
	cr_assert_eq(rd(&bus, 0x3fa, 1), SERIAL_IIR_MSI);
	(void)rd(&bus, 0x3fe, 1);
	cr_assert_eq(rd(&bus, 0x3fa, 1), SERIAL_IIR_NO_INT, "reading MSR acknowledges");
}

/* Debug-exit, QEMU's convention. */

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

Test(debug_exit, status_is_value_shifted_left_plus_one)
{
	struct exit_record rec = { 0 };
	struct exit_port ep;

	bus_init(&bus);
	cr_assert_eq(exit_port_attach(&ep, &bus, EXIT_PORT_DEFAULT, record_exit, &rec), 0);
	cr_assert_eq(rd(&bus, 0xf4, 1), 0);
	cr_assert_eq(rec.calls, 0, "reads do not stop the guest");
	wr(&bus, 0xf4, 0, 1);
	cr_assert_eq(rec.status, 1);
	wr(&bus, 0xf4, 42, 1);
	cr_assert_eq(rec.status, 85);
	wr(&bus, 0xf4, 0x1234, 2); /* (0x1234 << 1 | 1) & 0xff */
	cr_assert_eq(rec.status, 0x69);
	wr(&bus, 0xf4, 0x80, 1); /* bit 7 falls off: status 1 */
	cr_assert_eq(rec.status, 1);
	wr(&bus, 0xf4, 20, 4);
	cr_assert_eq(rec.status, 41);
	cr_assert_eq(rec.calls, 5);
	cr_assert_eq(exit_port_status(62), 125);
	/* It owns 0xf4-0xf7 and nothing beyond. */
	cr_assert_not_null(bus_find(&bus, 0xf7));
	cr_assert_null(bus_find(&bus, 0xf8));
	cr_assert_null(bus_find(&bus, 0xf3));
}

/* Power devices. */

struct power_record {
	int calls;
	enum power_event ev;
	const char *how;
};

static void record_power(void *ctx, enum power_event ev, const char *how)
{
	struct power_record *r = ctx;

	r->calls++;
	r->ev = ev;
	r->how = how;
}

Test(power, bochs_shutdown_needs_the_whole_string)
{
	struct power_record rec = { 0 };
	struct power p;
	const char *s;

	bus_init(&bus);
	cr_assert_eq(power_attach(&p, &bus, record_power, &rec), 0);
	for (s = "ShutShutdow"; *s; s++)
		wr(&bus, 0x8900, (uint8_t)*s, 1);
	cr_assert_eq(rec.calls, 0, "a restarted, unfinished string does nothing");
	wr(&bus, 0x8900, 'n', 1);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.ev, POWER_OFF);
	cr_assert(strstr(rec.how, "0x8900"));
	/* It is a one-byte port: a wider OUT straddles it and is not seen. */
	wr(&bus, 0x8900, 0x74756853, 4);
	cr_assert_eq(rec.calls, 1);
}

Test(power, reset_ports)
{
	struct power_record rec = { 0 };
	struct power p;

	bus_init(&bus);
	cr_assert_eq(power_attach(&p, &bus, record_power, &rec), 0);
	wr(&bus, 0xcf9, 0x02, 1); /* SYS_RST alone does not reset */
	wr(&bus, 0x64, 0xaa, 1);  /* an ordinary 8042 command */
	cr_assert_eq(rec.calls, 0);
	cr_assert_eq(rd(&bus, 0x64, 1), 0, "8042 status: buffers empty");
	wr(&bus, 0xcf9, 0x06, 1);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.ev, POWER_RESET);
	wr(&bus, 0x64, 0xfe, 1);
	cr_assert_eq(rec.calls, 2);
	cr_assert(strstr(rec.how, "0x64"));
	/* 0xcf8 (PCI CONFIG_ADDRESS) stays unclaimed. */
	cr_assert_eq(rd(&bus, 0xcf8, 4), 0xffffffffu);
}

/* fw_cfg. */

#define FW_RAM (64 * 1024)
static uint8_t *fw_mem;
static struct ram fw_ram;
static struct fw_cfg fw;

static void fw_setup(void)
{
	fw_mem = calloc(1, FW_RAM);
	cr_assert_not_null(fw_mem);
	ram_wrap(&fw_ram, fw_mem, FW_RAM);
	bus_init(&bus);
	cr_assert_eq(fw_cfg_init(&fw, &fw_ram), 0);
	cr_assert_eq(fw_cfg_attach(&fw, &bus), 0);
}

static void fw_teardown(void)
{
	fw_cfg_destroy(&fw);
	free(fw_mem);
}

TestSuite(fw_cfg, .init = fw_setup, .fini = fw_teardown);

static void fw_read(uint16_t key, uint8_t *buf, unsigned int n)
{
	unsigned int i;

	wr(&bus, 0x510, key, 2);
	for (i = 0; i < n; i++)
		buf[i] = (uint8_t)rd(&bus, 0x511, 1);
}

static uint32_t bswap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

/* Start a DMA transfer described at (gpa), the way a guest does it. */
static void fw_dma(uint32_t gpa)
{
	wr(&bus, 0x514, 0, 4);
	wr(&bus, 0x518, bswap32(gpa), 4);
}

Test(fw_cfg, signature_id_and_numbers)
{
	uint8_t b[8];

	fw_read(FW_CFG_SIGNATURE, b, 4);
	cr_assert_arr_eq(b, "QEMU", 4);
	fw_read(FW_CFG_ID, b, 4);
	cr_assert_eq(le32(b), FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA);
	cr_assert_eq(fw_cfg_add_u64(&fw, FW_CFG_RAM_SIZE, 0x123456789ull), 0);
	cr_assert_eq(fw_cfg_add_u16(&fw, FW_CFG_NB_CPUS, 3), 0);
	fw_read(FW_CFG_RAM_SIZE, b, 8);
	cr_assert_eq(le64(b), 0x123456789ull);
	fw_read(FW_CFG_NB_CPUS, b, 4);
	cr_assert_eq(le16(b), 3);
	cr_assert_eq(le16(b + 2), 0, "past the end the guest reads zeros");
	fw_read(0x7777, b, 2);
	cr_assert_eq(le16(b), 0, "an unknown key reads as zeros");
}

Test(fw_cfg, selecting_restarts_the_item_and_data_writes_are_ignored)
{
	uint8_t b[4];

	fw_read(FW_CFG_SIGNATURE, b, 2);
	wr(&bus, 0x511, 'X', 1); /* ignored, as in QEMU since 2.4 */
	b[2] = (uint8_t)rd(&bus, 0x511, 1);
	cr_assert_eq(b[2], 'M', "reads continue where they were");
	fw_read(FW_CFG_SIGNATURE, b, 4);
	cr_assert_arr_eq(b, "QEMU", 4, "a new selection starts at offset 0");
	/* Bit 14 (the old write channel) selects the same item. */
	fw_read(FW_CFG_SIGNATURE | 0x4000, b, 4);
	cr_assert_arr_eq(b, "QEMU", 4);
	/* A 16-bit data read returns the next two bytes. */
	wr(&bus, 0x510, FW_CFG_SIGNATURE, 2);
	cr_assert_eq(rd(&bus, 0x511, 2), 0x4551u); /* "QE" */
}

Test(fw_cfg, file_directory_is_sorted_big_endian)
{
	uint8_t dir[4 + 3 * 64], b[8];

	cr_assert_eq(fw_cfg_add_file(&fw, "opt/zeta", "zz", 2), 0);
	cr_assert_eq(fw_cfg_add_file(&fw, "etc/e820", "0123456789", 10), 0);
	cr_assert_eq(fw_cfg_add_file(&fw, "etc/e820", "x", 1), -EEXIST);
	cr_assert_eq(fw_cfg_add_file(&fw, "", "x", 1), -EINVAL);
	fw_read(FW_CFG_FILE_DIR, dir, sizeof(dir));
	cr_assert_eq(be32(dir), 2);
	/* Entry: be32 size, be16 key, u16 reserved, name[56]. */
	cr_assert_eq(be32(dir + 4), 10);
	cr_assert_eq(dir[8] << 8 | dir[9], FW_CFG_FILE_FIRST);
	cr_assert_str_eq((const char *)dir + 12, "etc/e820");
	cr_assert_eq(be32(dir + 68), 2);
	cr_assert_eq(dir[72] << 8 | dir[73], FW_CFG_FILE_FIRST + 1);
	cr_assert_str_eq((const char *)dir + 76, "opt/zeta");
	fw_read(FW_CFG_FILE_FIRST + 1, b, 2);
	cr_assert_arr_eq(b, "zz", 2);
}

Test(fw_cfg, dma_select_read_skip_and_signature)
{
	uint8_t *desc = fw_mem + 0x1000, *dst = fw_mem + 0x2000;
	uint32_t sig_hi, sig_lo;

	sig_hi = rd(&bus, 0x514, 4);
	sig_lo = rd(&bus, 0x518, 4);
	cr_assert_arr_eq(&sig_hi, "QEMU", 4);
	cr_assert_arr_eq(&sig_lo, " CFG", 4);

	/* Select the signature and read 6 bytes: 4 of data, then zeros. */
	memset(dst, 0xee, 8);
	put_be32(desc, (uint32_t)FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ);
	put_be32(desc + 4, 6);
	memset(desc + 8, 0, 8);
	put_be32(desc + 12, 0x2000);
	fw_dma(0x1000);
	cr_assert_eq(be32(desc), 0, "control reads 0 when done");
	cr_assert_arr_eq(dst, "QEMU\0\0", 6);
	cr_assert_eq(dst[6], 0xee, "nothing beyond the length");
	cr_assert_eq(fw.dma_ops, 1);

	/* Skip 2 bytes of the ID, then read the rest through the data port. */
	put_be32(desc, (uint32_t)FW_CFG_ID << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_SKIP);
	put_be32(desc + 4, 1);
	fw_dma(0x1000);
	cr_assert_eq(be32(desc), 0);
	cr_assert_eq(rd(&bus, 0x511, 1), 0, "second byte of ID 3");
}

Test(fw_cfg, dma_lengths_past_the_item_read_zeros_and_stop_at_its_end, .timeout = 5)
{
	uint8_t *desc = fw_mem + 0x1000, *dst = fw_mem + 0x2000;

	/* Skipping 4 GiB leaves the offset at the item's end: the data port reads zeros. */
	put_be32(desc, (uint32_t)FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_SKIP);
	put_be32(desc + 4, 0xFFFFFFFFu);
	fw_dma(0x1000);
	cr_assert_eq(be32(desc), 0);
	cr_assert_eq(rd(&bus, 0x511, 1), 0, "past the end after the skip");
	/* Skip 1, then a read as long as RAM allows: "EMU", then zeros to the end. */
	put_be32(desc, (uint32_t)FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_SKIP);
	put_be32(desc + 4, 1);
	fw_dma(0x1000);
	memset(dst, 0xee, FW_RAM - 0x2000);
	put_be32(desc, FW_CFG_DMA_READ);
	put_be32(desc + 4, FW_RAM - 0x2000);
	put_be32(desc + 12, 0x2000);
	fw_dma(0x1000);
	cr_assert_eq(be32(desc), 0);
	cr_assert_arr_eq(dst, "EMU\0", 4);
	cr_assert_eq(dst[FW_RAM - 0x2000 - 1], 0, "zeros to the end of the length");
	/* With no item selected every byte reads as zero. */
	wr(&bus, 0x510, 0x7777, 2);
	memset(dst, 0xee, 16);
	put_be32(desc, FW_CFG_DMA_READ); /* the device wrote the last status over it */
	put_be32(desc + 4, 16);
	fw_dma(0x1000);
	cr_assert_eq(dst[0] | dst[15], 0);
}

Test(fw_cfg, dma_errors_stay_inside_guest_ram)
{
	uint8_t *desc = fw_mem + 0x1000;

	/* A destination outside RAM: error bit, nothing written anywhere. */
	put_be32(desc, (uint32_t)FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ);
	put_be32(desc + 4, 16);
	put_be32(desc + 8, 0);
	put_be32(desc + 12, FW_RAM - 8); /* 8 bytes in, 8 out */
	fw_dma(0x1000);
	cr_assert_eq(be32(desc), FW_CFG_DMA_ERROR);
	/* Writes are refused: every item is read-only. */
	put_be32(desc, (uint32_t)FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_WRITE);
	put_be32(desc + 12, 0x2000);
	fw_dma(0x1000);
	cr_assert_eq(be32(desc), FW_CFG_DMA_ERROR);
	/* A descriptor outside RAM is ignored (it cannot even be answered). */
	fw_dma(FW_RAM - 4);
	cr_assert_eq(fw.dma_ops, 2);
}
