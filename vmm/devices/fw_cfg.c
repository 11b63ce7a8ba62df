/* fw_cfg.c: QEMU fw_cfg device: selector, data port, DMA, file directory (see fw_cfg.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../boot/le.h"
#include "fw_cfg.h"

static const char fw_cfg_dma_signature[8] = { 'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G' };

static int fw_cfg_find(const struct fw_cfg *fw, uint16_t key)
{
	unsigned int i;

	for (i = 0; i < fw->count; i++)
		if (fw->items[i].key == key)
			return (int)i;
	return -1;
}

int fw_cfg_add_bytes(struct fw_cfg *fw, uint16_t key, const void *data, uint32_t size)
{
	int i = fw_cfg_find(fw, key);
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return -ENOMEM;
	if (size)
		memcpy(copy, data, size);
	if (i < 0) {
		if (fw->count == FW_CFG_MAX_ITEMS) {
			free(copy);
			return -ENOSPC;
		}
		i = (int)fw->count++;
		memset(&fw->items[i], 0, sizeof(fw->items[i]));
		fw->items[i].key = key;
	}
	free(fw->items[i].data);
	fw->items[i].data = copy;
	fw->items[i].size = size;
	return 0;
}

int fw_cfg_add_u16(struct fw_cfg *fw, uint16_t key, uint16_t v)
{
	uint8_t b[2];

	put_le16(b, v);
	return fw_cfg_add_bytes(fw, key, b, sizeof(b));
}

int fw_cfg_add_u32(struct fw_cfg *fw, uint16_t key, uint32_t v)
{
	uint8_t b[4];

	put_le32(b, v);
	return fw_cfg_add_bytes(fw, key, b, sizeof(b));
}

int fw_cfg_add_u64(struct fw_cfg *fw, uint16_t key, uint64_t v)
{
	uint8_t b[8];

	put_le64(b, v);
	return fw_cfg_add_bytes(fw, key, b, sizeof(b));
}

static int fw_cfg_cmp_name(const void *a, const void *b)
{
	const struct fw_cfg_item *x = *(const struct fw_cfg_item *const *)a;
	const struct fw_cfg_item *y = *(const struct fw_cfg_item *const *)b;

	return strcmp(x->name, y->name);
}

/*
 * Give the files keys FW_CFG_FILE_FIRST.. in name order and rebuild the
 * directory item: big-endian count, then per file big-endian size, key,
 * a reserved u16 and the NUL-padded name.
 */
static int fw_cfg_rebuild_dir(struct fw_cfg *fw)
{
	struct fw_cfg_item *files[FW_CFG_MAX_ITEMS];
	unsigned int i, n = 0;
	uint8_t *dir;
	uint32_t size;
	int rc;

	for (i = 0; i < fw->count; i++)
		if (fw->items[i].name[0])
			files[n++] = &fw->items[i];
	qsort(files, n, sizeof(files[0]), fw_cfg_cmp_name);
	size = 4 + 64 * n;
	dir = calloc(1, size);
	if (!dir)
		return -ENOMEM;
	put_be32(dir, n);
	for (i = 0; i < n; i++) {
		uint8_t *e = dir + 4 + 64 * i;

		files[i]->key = (uint16_t)(FW_CFG_FILE_FIRST + i);
		put_be32(e, files[i]->size);
		put_be16(e + 4, files[i]->key);
		memcpy(e + 8, files[i]->name, strlen(files[i]->name));
	}
	rc = fw_cfg_add_bytes(fw, FW_CFG_FILE_DIR, dir, size);
	free(dir);
	return rc;
}

int fw_cfg_add_file(struct fw_cfg *fw, const char *name, const void *data, uint32_t size)
{
	unsigned int i;
	int rc;

	if (!name[0] || strlen(name) >= FW_CFG_NAME_LEN)
		return -EINVAL;
	for (i = 0; i < fw->count; i++)
		if (!strcmp(fw->items[i].name, name))
			return -EEXIST;
	/* Leave room for the directory item itself. */
	if (fw->count + (fw_cfg_find(fw, FW_CFG_FILE_DIR) < 0) >= FW_CFG_MAX_ITEMS)
		return -ENOSPC;
	/* A temporary key outside the file range; fw_cfg_rebuild_dir() assigns the real one. */
	rc = fw_cfg_add_bytes(fw, (uint16_t)(0x3fff - fw->count), data, size);
	if (rc)
		return rc;
	strcpy(fw->items[fw->count - 1].name, name);
	return fw_cfg_rebuild_dir(fw);
}

int fw_cfg_init(struct fw_cfg *fw, const struct ram *ram)
{
	int rc;

	memset(fw, 0, sizeof(*fw));
	fw->ram = ram;
	fw->cur = -1;
	rc = fw_cfg_add_bytes(fw, FW_CFG_SIGNATURE, "QEMU", 4);
	if (!rc)
		rc = fw_cfg_add_u32(fw, FW_CFG_ID, FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA);
	if (!rc)
		rc = fw_cfg_rebuild_dir(fw); /* an empty directory */
	if (rc)
		fw_cfg_destroy(fw);
	return rc;
}

void fw_cfg_destroy(struct fw_cfg *fw)
{
	unsigned int i;

	for (i = 0; i < fw->count; i++)
		free(fw->items[i].data);
	fw->count = 0;
	fw->cur = -1;
}

static void fw_cfg_select(struct fw_cfg *fw, uint16_t key)
{
	/* Bit 14 (write channel) is ignored, as in QEMU since 2.4. */
	fw->cur = fw_cfg_find(fw, key & (uint16_t)~0x4000);
	fw->offset = 0;
}

static uint8_t fw_cfg_next_byte(struct fw_cfg *fw)
{
	const struct fw_cfg_item *it;

	if (fw->cur < 0)
		return 0;
	it = &fw->items[fw->cur];
	if (fw->offset >= it->size)
		return 0;
	return it->data[fw->offset++];
}

/*
 * Move (length) bytes of the selected item to (dst), or skip them when dst
 * is NULL. Past the item's end the guest reads zeros and the offset stays
 * at the end. The work is bounded by the item's size, not by the length the
 * guest asks for: a SKIP of 4 GiB costs no more than a SKIP of the item
 * (the devices fuzz target found the byte loop this replaces spinning for
 * minutes on one exit).
 */
static void fw_cfg_transfer(struct fw_cfg *fw, uint8_t *dst, uint32_t length)
{
	const struct fw_cfg_item *it = fw->cur >= 0 ? &fw->items[fw->cur] : NULL;
	uint32_t avail = it && fw->offset < it->size ? it->size - fw->offset : 0;
	uint32_t n = length < avail ? length : avail;

	if (dst) {
		if (n)
			memcpy(dst, it->data + fw->offset, n);
		memset(dst + n, 0, length - n);
	}
	fw->offset += n;
}

/*
 * One DMA transfer (fw_cfg.rst, "Guest-side DMA Interface"): the
 * FWCfgDmaAccess at (gpa) is big-endian { u32 control, u32 length,
 * u64 address }. All guest memory goes through ram_ptr(); a descriptor
 * outside RAM is ignored, a data range outside RAM sets the error bit.
 */
static void fw_cfg_dma(struct fw_cfg *fw, uint64_t gpa)
{
	uint8_t d[16], out[4];
	uint32_t control, length;
	uint64_t address;
	bool error = false;

	if (!fw->ram || ram_read(fw->ram, gpa, d, sizeof(d)))
		return;
	fw->dma_ops++;
	control = be32(d);
	length = be32(d + 4);
	address = be64(d + 8);
	if (control & FW_CFG_DMA_SELECT)
		fw_cfg_select(fw, (uint16_t)(control >> 16));
	if (control & FW_CFG_DMA_READ) {
		uint8_t *dst = ram_ptr(fw->ram, address, length);

		if (!dst)
			error = true;
		else
			fw_cfg_transfer(fw, dst, length);
	} else if (control & FW_CFG_DMA_WRITE) {
		error = true; /* every item is read-only */
	} else if (control & FW_CFG_DMA_SKIP) {
		fw_cfg_transfer(fw, NULL, length);
	}
	put_be32(out, error ? FW_CFG_DMA_ERROR : 0);
	(void)ram_write(fw->ram, gpa, out, sizeof(out));
}

static uint32_t fw_cfg_bswap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

int fw_cfg_io(void *opaque, uint16_t offset, bool is_write, uint32_t *data, unsigned int size)
{
	struct fw_cfg *fw = opaque;
	uint32_t v = 0;
	unsigned int i;

	if (offset == 0) { /* selector (write only) */
		if (is_write)
			fw_cfg_select(fw, (uint16_t)*data);
		else
			*data = 0;
		return 0;
	}
	if (offset < 4) { /* data port at 1; 2-3 unused */
		if (is_write)
			return 0; /* writes are ignored */
		for (i = 0; i < size && offset == 1; i++)
			v |= (uint32_t)fw_cfg_next_byte(fw) << (8 * i);
		*data = v;
		return 0;
	}
	if (!is_write) {
		for (i = 0; i < size && offset - 4 + i < sizeof(fw_cfg_dma_signature); i++)
			v |= (uint32_t)(uint8_t)fw_cfg_dma_signature[offset - 4 + i] << (8 * i);
		*data = v;
		return 0;
	}
	/*
	 * The DMA address register is big-endian: the byte at the lower port
	 * is the more significant, so a 32-bit OUT's value is byte-swapped.
	 */
	if (size != 4)
		return 0;
	if (offset == 4) {
		fw->dma_high = fw_cfg_bswap32(*data);
	} else if (offset == 8) {
		uint64_t gpa = (uint64_t)fw->dma_high << 32 | fw_cfg_bswap32(*data);

		fw->dma_high = 0;
		fw_cfg_dma(fw, gpa);
	}
	return 0;
}

int fw_cfg_attach(struct fw_cfg *fw, struct bus *bus)
{
	return bus_register(bus, FW_CFG_PORT_SEL, FW_CFG_PORT_COUNT, fw_cfg_io, fw, "fw_cfg");
}
