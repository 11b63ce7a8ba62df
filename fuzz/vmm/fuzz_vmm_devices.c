/* fuzz_vmm_devices.c: libFuzzer target for the VMM's port-I/O bus and device models (guest-driven). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_vmm.h"
#include "vmm/bus.h"
#include "vmm/devices/exit_port.h"
#include "vmm/devices/fw_cfg.h"
#include "vmm/devices/power.h"
#include "vmm/devices/serial.h"
#include "vmm/ram.h"
#include "vmm/x86_io.h"

/*
 * One input is a guest's whole conversation with the machine's devices,
 * built fresh as vm.c builds it (COM1, the debug-exit port, fw_cfg with
 * the items `openwhp run` offers, the power ports) on one bus, with 1 MiB
 * of guest RAM for fw_cfg DMA. The input is a list of operations, each
 * one op byte and its operands (little-endian; missing bytes read as 0):
 *   op % 6 == 0  port access through bus_io: 2 bytes port (near a device
 *                most of the time), 1 byte size code, 4 bytes value; bit 7
 *                of op makes it a write
 *   op % 6 == 1  host input to the UART: 1 length byte + bytes
 *                (serial_receive, as the console thread feeds it)
 *   op % 6 == 2  guest writes RAM: 4 bytes address, 1 length byte + bytes
 *                (to plant fw_cfg DMA descriptors and buffers)
 *   op % 6 == 3  fw_cfg DMA: 4 bytes descriptor address, written to the DMA
 *                port as a guest driver does (high half, then low half)
 *   op % 6 == 4  the UART's receive space queried (the console's flow control)
 *   op % 6 == 5  the string-I/O helpers of the run loop on 16 instruction
 *                bytes and a mode (x86_io.c: prefixes, lengths, register arithmetic)
 * Checked: no crash or sanitizer report; bus_io returns 0 for every
 * well-sized access (devices never fail a guest access); reads of
 * unclaimed ports give all ones; the UART's FIFO never holds more than
 * its size; the string-I/O helpers keep their documented ranges. With
 * FUZZ_VMM_VERBOSE set, what each input made the devices do is printed.
 */

#define RAM_SIZE (1ull << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ram ram;
static uint64_t out_bytes, irq_edges, exits, power_events;

static void on_out(void *ctx, uint8_t byte)
{
	(void)ctx;
	(void)byte;
	out_bytes++;
}

static void on_irq(void *ctx, bool level)
{
	(void)ctx;
	irq_edges += level;
}

static void on_exit_port(void *ctx, uint8_t status)
{
	(void)ctx;
	(void)status;
	exits++;
}

static void on_power(void *ctx, enum power_event ev, const char *how)
{
	(void)ctx;
	(void)ev;
	if (!how)
		abort();
	power_events++;
}

static void fail(const char *what, unsigned long long a)
{
	fprintf(stderr, "fuzz_vmm_devices: %s (0x%llx)\n", what, a);
	abort();
}

/* Mostly ports some device owns (and their neighbours), sometimes any port. */
static uint16_t pick_port(uint16_t raw)
{
	static const uint16_t near[] = { SERIAL_COM1_BASE, FW_CFG_PORT_SEL, EXIT_PORT_DEFAULT,
					 POWER_BOCHS_PORT, POWER_CF9_PORT,  POWER_I8042_PORT };

	if ((raw >> 15) & 1)
		return raw;
	return (uint16_t)(near[(raw >> 4) % (sizeof(near) / sizeof(near[0]))] + (raw & 15) - 2);
}

static void string_helpers(struct cursor *c)
{
	uint8_t bytes[16];
	unsigned int i, count, len, asize;
	enum x86_cpu_mode mode;
	struct x86_io_prefixes pre;
	uint64_t reg, r;
	int64_t delta;

	mode = x86_io_mode(c->left && (c->p[0] & 1), c->left && (c->p[0] & 2),
			   c->left && (c->p[0] & 4));
	take_le(c, 1);
	count = (unsigned int)take_le(c, 1) % 17;
	for (i = 0; i < 16; i++)
		bytes[i] = (uint8_t)take_le(c, 1);
	reg = take_le(c, 8);
	delta = (int64_t)take_le(c, 8);
	if (x86_io_prefixes(bytes, count, mode, &pre) == 0 && pre.length >= count)
		fail("prefixes run past the bytes", pre.length);
	len = x86_io_insn_length(bytes, count, mode);
	if (len > count || len > 15)
		fail("instruction length past the bytes", len);
	asize = x86_io_address_size(mode, pre.addr_size);
	if (asize != 2 && asize != 4 && asize != 8)
		fail("address size", asize);
	r = x86_io_reg_add(reg, delta, asize);
	if (asize == 2 && (r >> 16) != (reg >> 16))
		fail("16-bit add changed the upper bits", r);
	if (asize == 4 && (r >> 32))
		fail("32-bit add left upper bits", r);
	if (x86_io_reg_value(reg, asize) != (asize == 8 ? reg : reg & ((1ull << (8 * asize)) - 1)))
		fail("register value", reg);
	(void)x86_io_merge_in(reg, (uint32_t)delta, 1u << (take_le(c, 1) % 3), mode);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sig[] = "QEMU";
	static const uint8_t e820[20] = { 0 };
	struct cursor c = { data, size };
	struct bus bus;
	struct serial uart;
	struct fw_cfg fw;
	struct exit_port ep;
	struct power pw;
	unsigned int steps = 0;

	guarded_ram(&ram, RAM_SIZE);
	bus_init(&bus);
	if (serial_init(&uart, on_out, NULL) || fw_cfg_init(&fw, &ram))
		fail("device init", 0);
	serial_set_irq(&uart, on_irq, NULL);
	if (fw_cfg_add_u64(&fw, FW_CFG_RAM_SIZE, RAM_SIZE) ||
	    fw_cfg_add_u16(&fw, FW_CFG_NB_CPUS, 1) ||
	    fw_cfg_add_u32(&fw, FW_CFG_CMDLINE_SIZE, sizeof(sig)) ||
	    fw_cfg_add_bytes(&fw, FW_CFG_CMDLINE_DATA, sig, sizeof(sig)) ||
	    fw_cfg_add_file(&fw, "etc/e820", e820, sizeof(e820)))
		fail("fw_cfg items", 0);
	if (serial_attach(&uart, &bus, SERIAL_COM1_BASE) || fw_cfg_attach(&fw, &bus) ||
	    exit_port_attach(&ep, &bus, EXIT_PORT_DEFAULT, on_exit_port, NULL) ||
	    power_attach(&pw, &bus, on_power, NULL))
		fail("attach", 0);

	while (c.left && steps++ < 4096) {
		unsigned int op = (unsigned int)take_le(&c, 1);

		switch (op % 6) {
		case 0: {
			uint16_t port = pick_port((uint16_t)take_le(&c, 2));
			unsigned int sz = 1u << (take_le(&c, 1) % 3);
			uint32_t v = (uint32_t)take_le(&c, 4);
			bool write = op & 0x80;
			const struct bus_range *r = bus_find(&bus, port);
			int rc = bus_io(&bus, port, write, &v, sz);

			if (rc)
				fail("bus_io failed a well-sized access", (unsigned)port);
			if (!r && !write &&
			    (v & (sz == 4 ? 0xFFFFFFFFu : (1u << (8 * sz)) - 1)) !=
				    (sz == 4 ? 0xFFFFFFFFu : (1u << (8 * sz)) - 1))
				fail("unclaimed read did not float high", (unsigned)port);
			break;
		}
		case 1: {
			uint8_t buf[255];
			unsigned int n = (unsigned int)take_le(&c, 1), i;

			for (i = 0; i < n; i++)
				buf[i] = (uint8_t)take_le(&c, 1);
			if (serial_receive(&uart, buf, n) > n)
				fail("serial took more than offered", n);
			break;
		}
		case 2: {
			uint64_t gpa = take_le(&c, 4) % (RAM_SIZE + 64);
			unsigned int n = (unsigned int)take_le(&c, 1), i;
			uint8_t buf[255];

			for (i = 0; i < n; i++)
				buf[i] = (uint8_t)take_le(&c, 1);
			/* the helper refuses what does not fit; that is part of the test */
			(void)ram_write(&ram, gpa, buf, n);
			break;
		}
		case 3: {
			uint32_t desc = (uint32_t)take_le(&c, 4), hi = 0;
			uint32_t lo = __builtin_bswap32(desc);

			/* the DMA address register is big-endian: high half at +0, low at +4 */
			if (bus_io(&bus, FW_CFG_PORT_DMA, true, &hi, 4) ||
			    bus_io(&bus, FW_CFG_PORT_DMA + 4, true, &lo, 4))
				fail("DMA port write failed", desc);
			break;
		}
		case 4:
			if (serial_rx_room(&uart) > SERIAL_FIFO_SIZE)
				fail("UART FIFO room", serial_rx_room(&uart));
			break;
		default: string_helpers(&c); break;
		}
		if (uart.rx_count > SERIAL_FIFO_SIZE)
			fail("UART FIFO overfull", uart.rx_count);
	}
	if (getenv("FUZZ_VMM_VERBOSE"))
		fprintf(stderr,
			"fuzz_vmm_devices: %u steps; totals: %llu UART bytes out, %llu IRQ "
			"raises, %llu exit-port writes, %llu power events; %llu DMA transfers\n",
			steps, (unsigned long long)out_bytes, (unsigned long long)irq_edges,
			(unsigned long long)exits, (unsigned long long)power_events,
			(unsigned long long)fw.dma_ops);
	fw_cfg_destroy(&fw);
	serial_destroy(&uart);
	return 0;
}
