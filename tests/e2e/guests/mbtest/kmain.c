/* kmain.c: freestanding test kernel: reports multiboot/PVH boot info, fw_cfg, UART, then exits. */
/*
 * Built with -m32 -ffreestanding -mgeneral-regs-only (no x87/SSE, which
 * kvm_pvm cannot run) and no interrupts (32-bit IRET fails there too).
 * Everything it learns is printed on COM1 as "key: value" lines that the
 * e2e tests match; consistency checks it can make on its own (the memory
 * map against fw_cfg's RAM size, the DMA copy of etc/e820 against the
 * map, the command line through fw_cfg against the boot loader's) count
 * as failures, printed as "FAIL: ...". (Under QEMU the etc/e820 checks fail by
 * design: QEMU's etc/e820 lists only what QEMU itself reserves.) The command
 * line picks the end:
 *   exit=debug      write the failure count to the debug-exit port 0xF4
 *   exit=debug:N    write N (32-bit OUT) to 0xF4
 *   exit=bochs      write "Shutdown" to port 0x8900
 *   exit=cf9        reset through 0xCF9
 *   exit=kbd        reset through the keyboard controller
 *   exit=spin       loop forever without exits (for signal tests)
 *   exit=hlt        (default) HLT with interrupts off
 * and "echo" reads one line from COM1 and prints it back; "quick" skips
 * the checks (for the benchmark).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COM1	      0x3f8
#define MB_BOOT_MAGIC 0x2badb002u
#define PVH_MAGIC     0x336ec578u

#define FW_SEL	0x510
#define FW_DATA 0x511
#define FW_DMA	0x514

static unsigned int failures;
static const char *cmdline = "";

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void putc_serial(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (uint8_t)c);
}

static void puts_serial(const char *s)
{
	while (*s)
		putc_serial(*s++);
}

static void put_unsigned(uint32_t v, unsigned int base)
{
	char buf[12];
	int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n)
		putc_serial(buf[--n]);
}

static void put_hex64(uint64_t v)
{
	if (v >> 32) {
		put_unsigned((uint32_t)(v >> 32), 16);
		for (int shift = 28; shift >= 0; shift -= 4)
			putc_serial("0123456789abcdef"[((uint32_t)v >> shift) & 0xf]);
	} else {
		put_unsigned((uint32_t)v, 16);
	}
}

/* %s %c %u %x (32-bit) and %X (64-bit hex): all the kernel needs. */
static void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			putc_serial(*fmt);
			continue;
		}
		switch (*++fmt) {
		case 's': puts_serial(va_arg(ap, const char *)); break;
		case 'c': putc_serial((char)va_arg(ap, int)); break;
		case 'u': put_unsigned(va_arg(ap, uint32_t), 10); break;
		case 'x': put_unsigned(va_arg(ap, uint32_t), 16); break;
		case 'X': put_hex64(va_arg(ap, uint64_t)); break;
		default:
			putc_serial('%');
			putc_serial(*fmt);
			break;
		}
	}
	va_end(ap);
}

/* The compiler may call these even in freestanding code (struct copies, zeroing). */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;

	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

static void check(bool ok, const char *what)
{
	if (!ok) {
		failures++;
		kprintf("FAIL: %s\n", what);
	}
}

static size_t kstrlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static bool kstreq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* The value of "key=" in the command line (up to a blank), or NULL; "" for a bare word. */
static const char *cmdline_get(const char *key, char *buf, size_t len)
{
	size_t klen = kstrlen(key);
	const char *p = cmdline;

	while (*p) {
		while (*p == ' ')
			p++;
		const char *w = p;
		size_t i = 0;

		while (*p && *p != ' ')
			p++;
		if ((size_t)(p - w) >= klen && !memcmp(w, key, klen) &&
		    (w[klen] == '=' || w + klen == p)) {
			const char *v = w[klen] == '=' ? w + klen + 1 : w + klen;

			while (v < p && i + 1 < len)
				buf[i++] = *v++;
			buf[i] = '\0';
			return buf;
		}
	}
	return NULL;
}

static uint32_t parse_u32(const char *s)
{
	uint32_t v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint32_t)(*s++ - '0');
	return v;
}

/* Print a module's first line (its text), at most 60 bytes. */
static void print_text(const uint8_t *p, uint32_t size)
{
	for (uint32_t i = 0; i < size && i < 60 && p[i] != '\n'; i++)
		putc_serial(p[i] >= ' ' && p[i] < 127 ? (char)p[i] : '.');
}

struct map_summary {
	unsigned int count;
	uint64_t ram_top; /* end of the highest type-1 range */
	uint64_t first_len;
};

static void note_range(struct map_summary *m, uint64_t base, uint64_t len, uint32_t type)
{
	if (m->count == 0)
		m->first_len = len;
	m->count++;
	if (type == 1 && base + len > m->ram_top)
		m->ram_top = base + len;
}

static struct map_summary boot_map;
static uint64_t boot_ram_bytes; /* from mem_upper, 0 when unknown */

static void report_multiboot(uint32_t info_addr)
{
	const uint32_t *mbi = (const uint32_t *)(uintptr_t)info_addr;
	uint32_t flags = mbi[0];

	kprintf("boot: multiboot flags=0x%x\n", flags);
	if (flags & 1) {
		kprintf("mem_lower=%u mem_upper=%u\n", mbi[1], mbi[2]);
		boot_ram_bytes = ((uint64_t)mbi[2] << 10) + 0x100000;
	}
	if (flags & (1u << 2)) {
		cmdline = (const char *)(uintptr_t)mbi[4];
		kprintf("cmdline=%s\n", cmdline);
	}
	if (flags & (1u << 9))
		kprintf("loader=%s\n", (const char *)(uintptr_t)mbi[16]);
	if (flags & (1u << 3)) {
		const uint32_t *mods = (const uint32_t *)(uintptr_t)mbi[6];

		kprintf("modules=%u\n", mbi[5]);
		for (uint32_t i = 0; i < mbi[5]; i++) {
			const uint32_t *m = mods + 4 * i;

			kprintf("module %u: size=%u string=%s text=", i, m[1] - m[0],
				m[2] ? (const char *)(uintptr_t)m[2] : "(none)");
			print_text((const uint8_t *)(uintptr_t)m[0], m[1] - m[0]);
			kprintf("\n");
			check((m[0] & 0xfff) == 0, "module is page-aligned");
		}
	}
	if (flags & (1u << 6)) {
		uint32_t addr = mbi[12], end = mbi[12] + mbi[11];

		while (addr < end) {
			const uint8_t *e = (const uint8_t *)(uintptr_t)addr;
			uint32_t size = *(const uint32_t *)e;
			uint64_t base = *(const uint64_t *)(e + 4),
				 len = *(const uint64_t *)(e + 12);
			uint32_t type = *(const uint32_t *)(e + 20);

			kprintf("mmap: base=0x%X length=0x%X type=%u\n", base, len, type);
			note_range(&boot_map, base, len, type);
			addr += size + 4;
		}
		check(boot_ram_bytes == 0 || boot_map.ram_top == boot_ram_bytes,
		      "the memory map ends where mem_upper says");
	}
}

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

static void report_pvh(const struct hvm_start_info *si)
{
	kprintf("boot: pvh version=%u\n", si->version);
	if (si->cmdline_paddr) {
		cmdline = (const char *)(uintptr_t)si->cmdline_paddr;
		kprintf("cmdline=%s\n", cmdline);
	}
	kprintf("modules=%u\n", si->nr_modules);
	for (uint32_t i = 0; i < si->nr_modules; i++) {
		const uint64_t *m = (const uint64_t *)(uintptr_t)si->modlist_paddr + 4 * i;

		kprintf("module %u: size=%u string=%s text=", i, (uint32_t)m[1],
			m[2] ? (const char *)(uintptr_t)m[2] : "(none)");
		print_text((const uint8_t *)(uintptr_t)m[0], (uint32_t)m[1]);
		kprintf("\n");
	}
	for (uint32_t i = 0; i < si->memmap_entries; i++) {
		const uint8_t *e = (const uint8_t *)(uintptr_t)si->memmap_paddr + 24 * i;
		uint64_t base = *(const uint64_t *)e, len = *(const uint64_t *)(e + 8);
		uint32_t type = *(const uint32_t *)(e + 16);

		kprintf("memmap: base=0x%X length=0x%X type=%u\n", base, len, type);
		note_range(&boot_map, base, len, type);
	}
}

static void fw_select(uint16_t key)
{
	outw(FW_SEL, key);
}

static void fw_read(void *buf, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		((uint8_t *)buf)[i] = inb(FW_DATA);
}

static uint32_t bswap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

static struct {
	uint32_t control, length;
	uint64_t address;
} __attribute__((aligned(16))) dma;
static uint8_t dma_buf[256];
static char fw_cmdline[1024];

static void report_fw_cfg(void)
{
	char sig[5] = { 0 }, dsig[9] = { 0 };
	uint32_t id = 0, count = 0, e820_size = 0, size = 0;
	uint16_t cpus = 0, max_cpus = 0, e820_key = 0;
	uint64_t ram = 0;

	fw_select(0x00);
	fw_read(sig, 4);
	kprintf("fw_cfg: signature=%s\n", sig);
	check(kstreq(sig, "QEMU"), "fw_cfg signature");
	fw_select(0x01);
	fw_read(&id, 4);
	fw_select(0x05);
	fw_read(&cpus, 2);
	fw_select(0x0f);
	fw_read(&max_cpus, 2);
	fw_select(0x03);
	fw_read(&ram, 8);
	kprintf("fw_cfg: id=0x%x cpus=%u max_cpus=%u ram=0x%X\n", id, cpus, max_cpus, ram);
	check(boot_ram_bytes == 0 || ram == boot_ram_bytes, "fw_cfg RAM size = boot info");
	check(boot_map.ram_top == 0 || ram == boot_map.ram_top, "fw_cfg RAM size = memory map");

	fw_select(0x14);
	fw_read(&size, 4);
	if (size && size <= sizeof(fw_cmdline)) {
		fw_select(0x15);
		fw_read(fw_cmdline, size);
		kprintf("fw_cfg: cmdline=%s\n", fw_cmdline);
		check(!cmdline[0] || kstreq(fw_cmdline, cmdline), "fw_cfg command line = boot's");
	}

	/* The file directory: big-endian count, 64-byte entries. */
	fw_select(0x19);
	fw_read(&count, 4);
	count = bswap32(count);
	for (uint32_t i = 0; i < count; i++) {
		uint8_t e[64];

		fw_read(e, 64);
		uint32_t fsize = bswap32(*(uint32_t *)e);
		uint16_t key = (uint16_t)(e[4] << 8 | e[5]);

		kprintf("fw_cfg: file %s size=%u key=0x%x\n", (const char *)e + 8, fsize, key);
		if (kstreq((const char *)e + 8, "etc/e820")) {
			e820_key = key;
			e820_size = fsize;
		}
	}
	check(e820_key != 0, "fw_cfg has etc/e820");

	if (!(id & 2) || !e820_key || e820_size > sizeof(dma_buf))
		return;
	/* DMA: the signature, then etc/e820 read in one transfer. */
	*(uint32_t *)dsig = inl(FW_DMA);
	*(uint32_t *)(dsig + 4) = inl(FW_DMA + 4);
	kprintf("fw_cfg: dma signature=%s\n", dsig);
	dma.control = bswap32((uint32_t)e820_key << 16 | 0x08 | 0x02);
	dma.length = bswap32(e820_size);
	dma.address = (uint64_t)bswap32((uint32_t)(uintptr_t)dma_buf) << 32;
	outl(FW_DMA, 0);
	outl(FW_DMA + 4, bswap32((uint32_t)(uintptr_t)&dma));
	check(dma.control == 0, "fw_cfg DMA transfer succeeded");
	kprintf("fw_cfg: dma etc/e820 entries=%u\n", e820_size / 20);
	check(!boot_map.count || e820_size / 20 == boot_map.count,
	      "etc/e820 has as many entries as the boot memory map");
	check(!boot_map.count || *(uint64_t *)(dma_buf + 8) == boot_map.first_len,
	      "etc/e820 starts like the boot memory map");
}

/* Physical address 0 is RAM: a write there reads back (no paging, so linear = physical). */
static void report_low_memory(void)
{
	uint32_t old, got;

	__asm__ volatile("movl 0, %0" : "=r"(old));
	__asm__ volatile("movl %0, 0" : : "r"(0xa5c3e1f0u) : "memory");
	__asm__ volatile("movl 0, %0" : "=r"(got) : : "memory");
	__asm__ volatile("movl %0, 0" : : "r"(old) : "memory");
	kprintf("address 0: %s\n", got == 0xa5c3e1f0u ? "RAM" : "not RAM");
	check(got == 0xa5c3e1f0u, "address 0 is RAM");
}

/* What Linux's 8250 driver checks to call a UART a 16550A, and loopback. */
static void report_uart(void)
{
	uint8_t iir, msr, c, lsr;

	outb(COM1 + 2, 0xc7); /* FIFO on, both cleared, trigger 14 */
	iir = inb(COM1 + 2);
	outb(COM1 + 7, 0x5a);
	check(inb(COM1 + 7) == 0x5a, "scratch register");
	outb(COM1 + 3, 0x83); /* DLAB: divisor 1 = 115200 baud */
	outb(COM1, 0x01);
	outb(COM1 + 1, 0x00);
	check(inb(COM1) == 0x01, "divisor latch");
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 4, 0x1a); /* loopback, RTS, OUT2 */
	msr = inb(COM1 + 6) & 0xf0;
	outb(COM1, 'Z');
	lsr = inb(COM1 + 5);
	c = inb(COM1);
	outb(COM1 + 4, 0x0b); /* DTR, RTS, OUT2: back to normal */
	(void)inb(COM1 + 6);
	kprintf("uart: iir=0x%x loopback msr=0x%x lsr=0x%x byte=%c\n", iir, msr, lsr, c);
	check((iir & 0xc0) == 0xc0, "16550A FIFO bits in IIR");
	check(msr == 0x90, "loopback MSR reflects RTS and OUT2");
	check((lsr & 1) && c == 'Z', "loopback returns the byte");
}

static void echo_line(void)
{
	char line[128];
	unsigned int n = 0;
	uint32_t polls = 0;

	/* Bounded: about 400000 LSR reads, a few seconds with an exit each. */
	while (n + 1 < sizeof(line) && polls < 400000) {
		if (!(inb(COM1 + 5) & 1)) {
			polls++;
			continue;
		}
		char ch = (char)inb(COM1);

		if (ch == '\n' || ch == '\r')
			break;
		line[n++] = ch;
	}
	line[n] = '\0';
	kprintf("echo: %s\n", line);
}

void kmain(uint32_t magic, uint32_t info);

void kmain(uint32_t magic, uint32_t info)
{
	char v[32];
	const char *exit;

	kprintf("mbtest: hello\n");
	if (magic == MB_BOOT_MAGIC) {
		report_multiboot(info);
	} else if (info && ((const struct hvm_start_info *)(uintptr_t)info)->magic == PVH_MAGIC) {
		report_pvh((const struct hvm_start_info *)(uintptr_t)info);
	} else {
		kprintf("boot: bare eax=0x%x\n", magic);
	}
	if (!cmdline[0]) {
		/* No boot loader: take the command line from fw_cfg. */
		uint32_t size = 0;

		fw_select(0x14);
		fw_read(&size, 4);
		if (size && size <= sizeof(fw_cmdline)) {
			fw_select(0x15);
			fw_read(fw_cmdline, size);
			cmdline = fw_cmdline;
			kprintf("cmdline (fw_cfg)=%s\n", cmdline);
		}
	}
	if (!cmdline_get("quick", v, sizeof(v))) {
		report_fw_cfg();
		report_low_memory();
		report_uart();
		kprintf("mbtest: checks failed=%u\n", failures);
	}
	if (cmdline_get("echo", v, sizeof(v)))
		echo_line();

	exit = cmdline_get("exit", v, sizeof(v));
	if (!exit)
		exit = "hlt";
	kprintf("mbtest: exit via %s\n", exit);
	if (kstreq(exit, "debug")) {
		outb(0xf4, (uint8_t)failures);
	} else if (exit[0] == 'd' && kstrlen(exit) > 6 && exit[5] == ':') {
		outl(0xf4, parse_u32(exit + 6));
	} else if (kstreq(exit, "bochs")) {
		for (const char *s = "Shutdown"; *s; s++)
			outb(0x8900, (uint8_t)*s);
	} else if (kstreq(exit, "cf9")) {
		outb(0xcf9, 0x06);
	} else if (kstreq(exit, "kbd")) {
		outb(0x64, 0xfe);
	} else if (kstreq(exit, "spin")) {
		for (;;)
			__asm__ volatile("pause");
	}
	/* exit=hlt, or a device that did not stop the machine: HLT in entry.S. */
	if (!kstreq(exit, "hlt"))
		kprintf("mbtest: still running after exit=%s\n", exit);
}
