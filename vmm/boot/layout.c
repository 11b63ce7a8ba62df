/* layout.c: the e820 memory map of the machine (see layout.h). */
#include "layout.h"

/* Append [addr, addr + size) cut at ram_size; skip it when nothing is left. */
static unsigned int layout_add(struct e820_entry *map, unsigned int n, uint64_t ram_size,
			       uint64_t addr, uint64_t size, uint32_t type)
{
	if (addr >= ram_size || n >= LAYOUT_E820_MAX)
		return n;
	if (size > ram_size - addr)
		size = ram_size - addr;
	map[n].addr = addr;
	map[n].size = size;
	map[n].type = type;
	return n + 1;
}

unsigned int layout_e820(struct e820_entry *map, uint64_t ram_size)
{
	unsigned int n = 0;

	n = layout_add(map, n, ram_size, 0, LAYOUT_EBDA_START, E820_TYPE_RAM);
	n = layout_add(map, n, ram_size, LAYOUT_EBDA_START, 0xa0000 - LAYOUT_EBDA_START,
		       E820_TYPE_RESERVED);
	n = layout_add(map, n, ram_size, LAYOUT_BIOS_START, LAYOUT_HIGH_START - LAYOUT_BIOS_START,
		       E820_TYPE_RESERVED);
	if (ram_size > LAYOUT_HIGH_START)
		n = layout_add(map, n, ram_size, LAYOUT_HIGH_START, ram_size - LAYOUT_HIGH_START,
			       E820_TYPE_RAM);
	return n;
}
