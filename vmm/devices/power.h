/* power.h: the ways a PC guest turns itself off or resets: Bochs shutdown port, 0xCF9, i8042. */
#ifndef VMM_DEVICES_POWER_H
#define VMM_DEVICES_POWER_H

#include <stdint.h>

#include "../bus.h"

/*
 * Three legacy mechanisms, each ending the run cleanly (the machine has
 * no reset, so a reset request is treated as the end of the guest):
 *
 *  - the Bochs/QEMU shutdown port 0x8900: writing the bytes of the string
 *    "Shutdown" one after the other powers off (Bochs' "shutdown port";
 *    test kernels and older BIOSes use it). Any other byte restarts the
 *    match.
 *  - the reset control register at 0xCF9 (Intel PCH datasheets, "Reset
 *    Control Register"): a write with bit 2 (RST_CPU) set resets.
 *  - the 8042 keyboard controller command port 0x64: command 0xFE pulses
 *    the reset line (Linux's reboot=k). Reads return 0 (both buffers
 *    empty) so a driver waiting for the input buffer moves on at once.
 */
#define POWER_BOCHS_PORT 0x8900
#define POWER_CF9_PORT	 0xcf9
#define POWER_I8042_PORT 0x64

enum power_event {
	POWER_OFF,   /* Bochs shutdown string */
	POWER_RESET, /* 0xCF9 or the 8042 reset command */
};

/* power_fn: called on the vCPU thread; (how) names the mechanism for messages. */
typedef void (*power_fn)(void *ctx, enum power_event ev, const char *how);

struct power {
	power_fn fn;
	void *ctx;
	unsigned int bochs_matched; /* bytes of "Shutdown" seen so far */
};

/* power_attach: register the three ports on (bus). Returns 0 or bus_register()'s error. */
int power_attach(struct power *p, struct bus *bus, power_fn fn, void *ctx);

/* The bus handlers (exported for unit tests); see bus_io_fn. */
int power_bochs_io(void *opaque, uint16_t offset, bool is_write, uint32_t *data, unsigned int size);
int power_cf9_io(void *opaque, uint16_t offset, bool is_write, uint32_t *data, unsigned int size);
int power_i8042_io(void *opaque, uint16_t offset, bool is_write, uint32_t *data, unsigned int size);

#endif /* VMM_DEVICES_POWER_H */
