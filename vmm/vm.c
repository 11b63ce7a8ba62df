/* vm.c: assembles the openwhp machine from the options and runs it (see vm.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "boot/layout.h"
#include "boot/le.h"
#include "devices/console.h"
#include "devices/exit_port.h"
#include "devices/fw_cfg.h"
#include "devices/power.h"
#include "devices/serial.h"
#include "error.h"
#include "sandbox.h"
#include "vm.h"

/* Everything one run owns, torn down by vm_teardown() in reverse order. */
struct vm {
	const struct run_options *o;
	uint8_t *kernel; /* the file's bytes (NULL: built-in) */
	uint8_t *initrd_data[OPTIONS_MAX_INITRD];
	struct boot_module mods[OPTIONS_MAX_INITRD];
	char *cmdline;
	struct image_spec spec;
	struct machine *m;
	struct serial uart;
	bool uart_ready;
	struct console console;
	bool console_started;
	struct fw_cfg fw;
	bool fw_ready;
	struct exit_port exit_port;
	struct power power;
};

char *vm_cmdline(enum image_format format, const char *file, const char *extra, int *err)
{
	const char *base = NULL;
	size_t len;
	char *s;

	*err = 0;
	if (format == IMAGE_LINUX || format == IMAGE_PVH)
		base = VM_LINUX_CMDLINE;
	else if (format == IMAGE_MULTIBOOT)
		base = file;
	if (!base && !extra)
		return NULL;
	len = (base ? strlen(base) : 0) + (extra ? strlen(extra) : 0) + 2;
	s = malloc(len);
	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	s[0] = '\0';
	if (base)
		strcat(s, base);
	if (base && extra && extra[0])
		strcat(s, " ");
	if (extra)
		strcat(s, extra);
	return s;
}

static void vm_exit_port(void *ctx, uint8_t status)
{
	machine_request_stop(ctx, status, "the debug-exit port 0xf4");
}

static void vm_power(void *ctx, enum power_event ev, const char *how)
{
	(void)ev;
	/* Both a power-off and a reset end the run cleanly: there is no reboot. */
	machine_request_stop(ctx, 0, how);
}

static void vm_quit(void *ctx, int why)
{
	struct vm *vm = ctx;

	(void)why;
	/* From the console thread: WHvCancelRunVirtualProcessor is thread-safe. */
	(void)machine_cancel(vm->m);
}

static int vm_before_run(void *ctx)
{
	struct vm *vm = ctx;
	int rc;

	rc = sandbox_enter(console_restore_terminal);
	if (rc)
		return rc;
	if (vm->o->sandbox_selftest)
		sandbox_selftest_violate();
	return 0;
}

/* Read the initrd files; multiboot and PVH take "FILE ARGS" like QEMU's -initrd. */
static int vm_read_initrds(struct vm *vm, enum image_format format)
{
	const struct run_options *o = vm->o;
	unsigned int i;
	int rc;

	for (i = 0; i < o->ninitrd; i++) {
		const char *v = o->initrd[i];
		size_t plen = strlen(v);
		char path[PATH_MAX];

		if (format == IMAGE_MULTIBOOT || format == IMAGE_PVH)
			plen = strcspn(v, " ");
		if (plen >= sizeof(path)) {
			vmm_error_set("--initrd: the file name is too long");
			return -ENAMETOOLONG;
		}
		memcpy(path, v, plen);
		path[plen] = '\0';
		rc = flat_read_file(path, &vm->initrd_data[i], &vm->mods[i].size);
		if (rc)
			return rc;
		vm->mods[i].data = vm->initrd_data[i];
		vm->mods[i].string = v;
	}
	return 0;
}

/* The fw_cfg items a QEMU-targeted guest reads (fw_cfg.h). */
static int vm_fw_cfg(struct vm *vm, uint64_t mem, unsigned int cpus)
{
	struct e820_entry map[LAYOUT_E820_MAX];
	uint8_t e820[4 + LAYOUT_E820_MAX * 20], uuid[16] = { 0 };
	uint8_t numa[8 * (1 + OPTIONS_MAX_CPUS)] = { 0 };
	unsigned int i, n;
	int rc;

	rc = fw_cfg_init(&vm->fw, &vm->m->ram);
	if (rc)
		return rc;
	vm->fw_ready = true;
	rc = fw_cfg_add_bytes(&vm->fw, FW_CFG_UUID, uuid, sizeof(uuid));
	rc = rc ? rc : fw_cfg_add_u64(&vm->fw, FW_CFG_RAM_SIZE, mem);
	rc = rc ? rc : fw_cfg_add_u16(&vm->fw, FW_CFG_NOGRAPHIC, 1);
	rc = rc ? rc : fw_cfg_add_u16(&vm->fw, FW_CFG_NB_CPUS, (uint16_t)cpus);
	rc = rc ? rc : fw_cfg_add_u16(&vm->fw, FW_CFG_MAX_CPUS, (uint16_t)cpus);
	rc = rc ? rc : fw_cfg_add_u16(&vm->fw, FW_CFG_BOOT_MENU, 0);
	rc = rc ? rc : fw_cfg_add_u32(&vm->fw, FW_CFG_MACHINE_ID, 0);
	/* NUMA: the node count (0), then one u64 per CPU (QEMU's layout). */
	rc = rc ? rc : fw_cfg_add_bytes(&vm->fw, FW_CFG_NUMA, numa, 8 * (1 + cpus));
	if (!rc && vm->cmdline) {
		uint32_t len = (uint32_t)strlen(vm->cmdline) + 1;

		rc = fw_cfg_add_u32(&vm->fw, FW_CFG_CMDLINE_SIZE, len);
		rc = rc ? rc : fw_cfg_add_bytes(&vm->fw, FW_CFG_CMDLINE_DATA, vm->cmdline, len);
	}
	/* The e820 map twice: the legacy arch item (count first) and "etc/e820". */
	n = layout_e820(map, mem);
	put_le32(e820, n);
	for (i = 0; i < n; i++) {
		put_le64(e820 + 4 + 20 * i, map[i].addr);
		put_le64(e820 + 4 + 20 * i + 8, map[i].size);
		put_le32(e820 + 4 + 20 * i + 16, map[i].type);
	}
	rc = rc ? rc : fw_cfg_add_bytes(&vm->fw, FW_CFG_E820_TABLE, e820, 4 + 20 * n);
	rc = rc ? rc : fw_cfg_add_file(&vm->fw, "etc/e820", e820 + 4, 20 * n);
	if (rc)
		vmm_error_set("fw_cfg: cannot add an item (error %d)", rc);
	return rc;
}

static int vm_devices(struct vm *vm, const struct vm_io *io)
{
	struct console_config cc = {
		.in_fd = io->in_fd,
		.out_fd = io->out_fd,
		.quit = vm_quit,
		.quit_ctx = vm,
	};
	struct bus *bus = machine_bus(vm->m);
	int rc;

	rc = serial_init(&vm->uart, console_output, &vm->console);
	if (rc) {
		vmm_error_set("serial: cannot initialise (error %d)", rc);
		return rc;
	}
	vm->uart_ready = true;
	rc = serial_attach(&vm->uart, bus, SERIAL_COM1_BASE);
	rc = rc ? rc
		: exit_port_attach(&vm->exit_port, bus, EXIT_PORT_DEFAULT, vm_exit_port, vm->m);
	rc = rc ? rc : power_attach(&vm->power, bus, vm_power, vm->m);
	rc = rc ? rc : fw_cfg_attach(&vm->fw, bus);
	if (rc)
		return rc;
	rc = console_start(&vm->console, &vm->uart, &cc);
	if (rc)
		return rc;
	vm->console_started = true;
	return 0;
}

/*
 * The files are in guest RAM now: give their buffers back, so a large
 * kernel (a 50 MB vmlinux) is not held twice for the whole run.
 */
static void vm_free_files(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < OPTIONS_MAX_INITRD; i++) {
		free(vm->initrd_data[i]);
		vm->initrd_data[i] = NULL;
		vm->mods[i].data = NULL;
	}
	free(vm->kernel);
	vm->kernel = NULL;
	vm->spec.data = NULL;
	vm->spec.mods = NULL;
}

static void vm_teardown(struct vm *vm)
{
	unsigned int i;

	if (vm->console_started)
		console_stop(&vm->console);
	machine_destroy(vm->m);
	if (vm->fw_ready)
		fw_cfg_destroy(&vm->fw);
	if (vm->uart_ready)
		serial_destroy(&vm->uart);
	for (i = 0; i < OPTIONS_MAX_INITRD; i++) {
		free(vm->initrd_data[i]);
	}
	free(vm->cmdline);
	free(vm->kernel);
}

int vm_run(const struct run_options *o, const struct vm_builtin *builtin, const struct vm_io *io,
	   struct vm_result *res)
{
	struct machine_config mc = { .mem_size = o->mem_size };
	struct vm vm;
	struct boot_cpu cpu;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&vm, 0, sizeof(vm));
	vm.o = o;
	if (o->file) {
		rc = flat_read_file(o->file, &vm.kernel, &vm.spec.size);
		if (rc)
			goto out;
		vm.spec.data = vm.kernel;
		vm.spec.format = o->format != IMAGE_AUTO ? o->format
							 : image_detect(vm.kernel, vm.spec.size);
		vm.spec.mode = o->mode;
		vm.spec.load = o->load;
		vm.spec.entry = o->entry;
	} else {
		vm.spec.data = builtin->data;
		vm.spec.size = builtin->size;
		vm.spec.format = IMAGE_FLAT;
		vm.spec.mode = builtin->mode;
		vm.spec.load = builtin->load;
		vm.spec.entry = builtin->load;
	}
	res->format = vm.spec.format;
	rc = -EINVAL;
	if (vm.spec.format != IMAGE_FLAT && (o->load_set || o->entry_set || o->mode_set)) {
		vmm_error_set("--load, --entry and --mode are for flat binaries; this "
			      "is a %s image (use --format flat to load it as raw bytes)",
			      image_format_name(vm.spec.format));
		goto out;
	}
	if (vm.spec.format == IMAGE_FLAT) {
		struct flat_image img = {
			.data = vm.spec.data,
			.size = vm.spec.size,
			.load = vm.spec.load,
			.entry = vm.spec.entry,
			.mode = vm.spec.mode,
		};

		/* A bad layout is reported before any hypervisor work. */
		rc = flat_check(&img, o->mem_size);
		if (rc)
			goto out;
	}
	rc = vm_read_initrds(&vm, vm.spec.format);
	if (rc)
		goto out;
	vm.spec.mods = vm.mods;
	vm.spec.nmods = o->ninitrd;
	vm.cmdline = vm_cmdline(vm.spec.format, o->file, o->cmdline, &rc);
	if (rc) {
		vmm_error_set("out of memory");
		goto out;
	}
	vm.spec.cmdline = vm.cmdline;

	rc = machine_create(&vm.m, &mc);
	if (rc)
		goto out;
	rc = image_load(&vm.m->ram, &vm.spec, &cpu);
	if (rc)
		goto out;
	vm_free_files(&vm);
	rc = vm_fw_cfg(&vm, o->mem_size, o->cpus);
	if (rc)
		goto out;
	rc = vm_devices(&vm, io);
	if (rc)
		goto out;
	rc = boot_cpu_set(vm.m->partition, vm.m->vp_index, &cpu);
	if (rc)
		goto out;
	if (o->trace_exits)
		vm.m->trace = io->diag;
	if (o->sandbox) {
		vm.m->before_run = vm_before_run;
		vm.m->before_run_ctx = &vm;
	}
	rc = machine_run(vm.m, &res->m);
	if (vm.console_started) {
		console_flush(&vm.console);
		res->quit_why = vm.console.quit_why;
	}
	if (!rc && o->stats)
		machine_print_stats(vm.m, io->diag);
	/* A guest failure is a result, not an error of the run. */
	if (rc > 0)
		rc = 0;
out:
	vm_teardown(&vm);
	return rc;
}
