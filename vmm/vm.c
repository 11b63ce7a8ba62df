/* vm.c: wires the first-cut machine (RAM, serial, exit port, flat image) and runs it. */
#include <string.h>

#include "devices/exit_port.h"
#include "error.h"
#include "vm.h"

static void vm_exit_port(void *ctx, uint8_t status)
{
	machine_request_stop(ctx, status);
}

int vm_run_flat(const struct vm_config *cfg, struct machine_result *res)
{
	struct machine_config mc = { .mem_size = cfg->mem_size };
	struct exit_port exit_port;
	struct serial serial;
	struct machine *m;
	int rc;

	memset(res, 0, sizeof(*res));
	/* Check the image first: a bad layout is reported before any KVM work. */
	rc = flat_check(&cfg->image, cfg->mem_size);
	if (rc)
		return rc;
	rc = machine_create(&m, &mc);
	if (rc)
		return rc;
	serial_init(&serial, cfg->serial_out, cfg->serial_ctx);
	rc = serial_attach(&serial, machine_bus(m), SERIAL_COM1_BASE);
	if (!rc)
		rc = exit_port_attach(&exit_port, machine_bus(m), EXIT_PORT_DEFAULT,
				      vm_exit_port, m);
	if (!rc)
		rc = flat_boot(m->partition, m->vp_index, &m->ram, &cfg->image);
	if (!rc)
		rc = machine_run(m, res);
	machine_destroy(m);
	return rc;
}
