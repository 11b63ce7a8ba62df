/* layout.h: the machine's physical memory map (e820 form), shared by every loader and fw_cfg. */
#ifndef VMM_BOOT_LAYOUT_H
#define VMM_BOOT_LAYOUT_H

#include <stdint.h>

/*
 * RAM is one range from guest-physical 0 up. What the guest is told about
 * it follows the PC convention (the same map kvmtool and Firecracker give):
 *
 *   0x00000000 - 0x0009fbff  RAM         conventional memory (639 KiB)
 *   0x0009fc00 - 0x0009ffff  reserved    where a BIOS keeps its EBDA
 *   0x000f0000 - 0x000fffff  reserved    where the BIOS ROM would be
 *   0x00100000 - RAM end     RAM         extended memory
 *
 * 0xa0000-0xeffff (VGA and option ROMs on a PC) is left out of the map.
 * The reserved ranges are RAM here too; the guest is only asked not to use
 * them. Types are the ACPI address range types (ACPI 6.5, table 15.1).
 */
#define LAYOUT_EBDA_START 0x9fc00ull
#define LAYOUT_BIOS_START 0xf0000ull
#define LAYOUT_HIGH_START 0x100000ull

#define E820_TYPE_RAM	   1
#define E820_TYPE_RESERVED 2

#define LAYOUT_E820_MAX 4

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

/*
 * layout_e820: fill (map) (room for LAYOUT_E820_MAX entries) with the map
 * above for (ram_size) bytes of RAM, in address order. Ranges that would
 * lie beyond RAM are left out or cut at its end. Returns the entry count.
 */
unsigned int layout_e820(struct e820_entry *map, uint64_t ram_size);

#endif /* VMM_BOOT_LAYOUT_H */
