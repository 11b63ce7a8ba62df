/* fw_cfg.h: QEMU's firmware configuration device, x86 I/O-port interface (0x510, 0x511, 0x514). */
#ifndef VMM_DEVICES_FW_CFG_H
#define VMM_DEVICES_FW_CFG_H

#include <stdint.h>

#include "../bus.h"
#include "../ram.h"

/*
 * QEMU's docs/specs/fw_cfg.rst: a guest writes a 16-bit item key to the
 * selector port 0x510 (which resets the item offset to 0), then reads the
 * item byte by byte from the data port 0x511; past the end it reads 0.
 * Writes to the data port are ignored (as in QEMU since 2.4). The DMA
 * interface at 0x514-0x51B (a big-endian 64-bit register holding the
 * guest-physical address of a FWCfgDmaAccess structure; writing the low
 * half at 0x518 starts the transfer) supports select, read and skip;
 * writes are refused with the error bit. Reading 0x514-0x51B returns the
 * DMA signature "QEMU CFG".
 *
 * Items are added by the machine before the guest runs: the well-known
 * keys below, and named files (key FW_CFG_FILE_FIRST and up) listed in
 * the directory at FW_CFG_FILE_DIR (big-endian count, then 64-byte entries:
 * size, key, reserved, name), sorted by name as QEMU does.
 */
#define FW_CFG_PORT_SEL	  0x510
#define FW_CFG_PORT_DATA  0x511
#define FW_CFG_PORT_DMA	  0x514
#define FW_CFG_PORT_COUNT 12 /* 0x510-0x51B */

/* Item keys (QEMU's include/standard-headers/linux/qemu_fw_cfg.h values). */
#define FW_CFG_SIGNATURE      0x00
#define FW_CFG_ID	      0x01
#define FW_CFG_UUID	      0x02
#define FW_CFG_RAM_SIZE	      0x03
#define FW_CFG_NOGRAPHIC      0x04
#define FW_CFG_NB_CPUS	      0x05
#define FW_CFG_MACHINE_ID     0x06
#define FW_CFG_KERNEL_ADDR    0x07
#define FW_CFG_KERNEL_SIZE    0x08
#define FW_CFG_KERNEL_CMDLINE 0x09
#define FW_CFG_INITRD_ADDR    0x0a
#define FW_CFG_INITRD_SIZE    0x0b
#define FW_CFG_BOOT_DEVICE    0x0c
#define FW_CFG_NUMA	      0x0d
#define FW_CFG_BOOT_MENU      0x0e
#define FW_CFG_MAX_CPUS	      0x0f
#define FW_CFG_KERNEL_ENTRY   0x10
#define FW_CFG_CMDLINE_ADDR   0x13
#define FW_CFG_CMDLINE_SIZE   0x14
#define FW_CFG_CMDLINE_DATA   0x15
#define FW_CFG_FILE_DIR	      0x19
#define FW_CFG_FILE_FIRST     0x20
#define FW_CFG_ARCH_LOCAL     0x8000
#define FW_CFG_E820_TABLE     (FW_CFG_ARCH_LOCAL + 3)

#define FW_CFG_ID_TRADITIONAL 0x01
#define FW_CFG_ID_DMA	      0x02

/* FWCfgDmaAccess.control bits. */
#define FW_CFG_DMA_ERROR  0x01
#define FW_CFG_DMA_READ	  0x02
#define FW_CFG_DMA_SKIP	  0x04
#define FW_CFG_DMA_SELECT 0x08
#define FW_CFG_DMA_WRITE  0x10

#define FW_CFG_MAX_ITEMS 48
#define FW_CFG_NAME_LEN	 56

struct fw_cfg_item {
	uint16_t key;
	uint8_t *data; /* owned copy */
	uint32_t size;
	char name[FW_CFG_NAME_LEN]; /* files only; "" otherwise */
};

struct fw_cfg {
	const struct ram *ram; /* for DMA */
	struct fw_cfg_item items[FW_CFG_MAX_ITEMS];
	unsigned int count;
	uint16_t next_file_key;
	int cur;	   /* index of the selected item, -1 for none */
	uint32_t offset;   /* into the selected item */
	uint32_t dma_high; /* high half of the DMA address, as written */
	uint64_t dma_ops;  /* DMA transfers done (for tests) */
};

/*
 * fw_cfg_init: an empty device with the signature and ID items (DMA
 * through (ram)). Returns 0 or -ENOMEM.
 */
int fw_cfg_init(struct fw_cfg *fw, const struct ram *ram);

/* fw_cfg_destroy: free every item's copy. */
void fw_cfg_destroy(struct fw_cfg *fw);

/*
 * fw_cfg_add_bytes: add (or replace) item (key) holding a copy of
 * (data, size). Returns 0, -ENOSPC when full, -ENOMEM.
 */
int fw_cfg_add_bytes(struct fw_cfg *fw, uint16_t key, const void *data, uint32_t size);

/* Little-endian integers, as QEMU stores numeric items. */
int fw_cfg_add_u16(struct fw_cfg *fw, uint16_t key, uint16_t v);
int fw_cfg_add_u32(struct fw_cfg *fw, uint16_t key, uint32_t v);
int fw_cfg_add_u64(struct fw_cfg *fw, uint16_t key, uint64_t v);

/*
 * fw_cfg_add_file: add a named item at the next free key from
 * FW_CFG_FILE_FIRST and rebuild the file directory. (name) is at most
 * FW_CFG_NAME_LEN - 1 bytes. Returns 0, -EINVAL (name), -ENOSPC, -ENOMEM,
 * -EEXIST when the name is taken.
 */
int fw_cfg_add_file(struct fw_cfg *fw, const char *name, const void *data, uint32_t size);

/* fw_cfg_attach: register ports 0x510-0x51B on (bus). */
int fw_cfg_attach(struct fw_cfg *fw, struct bus *bus);

/* fw_cfg_io: the bus handler (exported for unit tests); offsets from 0x510. */
int fw_cfg_io(void *opaque, uint16_t offset, bool is_write, uint32_t *data, unsigned int size);

#endif /* VMM_DEVICES_FW_CFG_H */
