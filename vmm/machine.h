/* machine.h: one guest machine: RAM, a WHP partition with one VP, the I/O bus and the run loop. */
#ifndef VMM_MACHINE_H
#define VMM_MACHINE_H

#include <stdint.h>
#include <stdio.h>

#include <WinHvPlatform.h>

#include "bus.h"
#include "ram.h"

/*
 * The machine is a client of the public WHP API only (WinHvPlatform.h), as
 * a Windows VMM would be. Typical use:
 *
 *	machine_create(&m, &cfg);         RAM + partition + VP 0
 *	serial_attach(..., machine_bus(m), ...);   devices claim ports
 *	flat_boot(m->partition, 0, &m->ram, &img); load + initial registers
 *	machine_run(m, &result);          until HLT, exit port or failure
 *	machine_destroy(m);
 *
 * All calls except machine_cancel() must come from one thread.
 */

#define MACHINE_MEM_DEFAULT (128ull << 20)
#define MACHINE_MEM_MIN	    (1ull << 20)
#define MACHINE_MEM_MAX	    (4ull << 30)

struct machine_config {
	uint64_t mem_size; /* bytes of RAM at GPA 0; multiple of 4 KiB */
};

/* Why machine_run() returned (when it returned 0). */
enum machine_stop {
	MACHINE_STOP_HALT,     /* the guest executed HLT; status 0 */
	MACHINE_STOP_EXIT,     /* machine_request_stop(), e.g. the exit port */
	MACHINE_STOP_CANCELED, /* machine_cancel() */
	MACHINE_STOP_FAILURE,  /* the guest did something the machine cannot handle */
};

struct machine_result {
	enum machine_stop stop;
	uint8_t status;	    /* guest status for HALT (0) and EXIT */
	const char *reason; /* EXIT: what stopped it ("debug-exit port"); static */
	UINT32 exit_reason; /* WHV_RUN_VP_EXIT_REASON of the last exit */
	uint64_t rip;	    /* VpContext.Rip of the last exit */
	char message[200];  /* FAILURE: what happened, for the user */
};

/*
 * Exit statistics kept by the run loop itself (the library's
 * WHvGetVirtualProcessorCounters is not there yet): for each exit reason
 * seen, how many exits, the time spent inside WHvRunVirtualProcessor
 * before them (guest time plus the hypervisor's round trip) and the time
 * the VMM took to handle them. Times from CLOCK_MONOTONIC.
 */
#define MACHINE_STATS_SLOTS 24
struct machine_stats_slot {
	UINT32 reason;
	uint64_t count;
	uint64_t run_ns;
	uint64_t handle_ns;
};

struct machine_stats {
	struct machine_stats_slot slot[MACHINE_STATS_SLOTS];
	unsigned int nslots;
	uint64_t exits;
	uint64_t start_ns, end_ns; /* first run call, return of machine_run() */
};

struct machine {
	WHV_PARTITION_HANDLE partition; /* NULL until created */
	UINT32 vp_index;
	int vp_created;
	int ram_mapped;
	struct ram ram;
	struct bus bus;
	int stop_requested; /* set by machine_request_stop() */
	uint8_t stop_status;
	const char *stop_reason;
	uint64_t exits; /* exits handled by machine_run() */
	FILE *trace;	/* when set, one line per exit (--trace exits) */
	struct machine_stats stats;
	/* Called once, on the run thread, just before the first run (the sandbox). */
	int (*before_run)(void *ctx);
	void *before_run_ctx;
};

/*
 * machine_create: allocate RAM (cfg->mem_size bytes, MACHINE_MEM_MIN to
 * MACHINE_MEM_MAX, 4 KiB multiple), create and set up a one-processor
 * partition, map RAM at GPA 0 readable, writable and executable, create VP 0
 * and an empty I/O bus. On success *out owns everything; free it with
 * machine_destroy(). Returns 0; -ENODEV when no hypervisor is present;
 * another negative value on failure. vmm_error() says why.
 */
int machine_create(struct machine **out, const struct machine_config *cfg);

/* machine_destroy: delete the VP and partition, unmap RAM, free (m). NULL is fine. */
void machine_destroy(struct machine *m);

/* machine_bus: the bus devices register on. */
struct bus *machine_bus(struct machine *m);

/*
 * machine_request_stop: end the current machine_run() after the exit being
 * handled, with MACHINE_STOP_EXIT, (status) and (reason), a static string
 * naming the device for messages. Called from device handlers on the run
 * thread (the exit port, the power devices).
 */
void machine_request_stop(struct machine *m, uint8_t status, const char *reason);

/*
 * machine_print_stats: the statistics of the last machine_run() and the
 * bus's per-device access counts, as a table on (f).
 */
void machine_print_stats(const struct machine *m, FILE *f);

/*
 * machine_cancel: make a machine_run() in progress (or the next one) return
 * MACHINE_STOP_CANCELED. Safe from any thread (WHvCancelRunVirtualProcessor).
 * Returns 0 or -1 with vmm_error() set.
 */
int machine_cancel(struct machine *m);

/*
 * machine_run: run VP 0 and handle its exits until it stops.
 * Port I/O (IN, OUT, INS, OUTS with or without REP) is dispatched to the bus
 * and completed here: results are written to RAX / guest memory, RSI, RDI
 * and RCX are advanced for string forms, and RIP is moved to
 * VpContext.Rip + InstructionLength, as on Windows. String I/O with paging
 * on translates guest addresses with WHvTranslateGva. HLT stops the run
 * with status 0. Every other exit stops it with MACHINE_STOP_FAILURE and a
 * message. Returns 0 with (*res) filled, or -1 for a host failure (a WHv*
 * call failed), with vmm_error() set.
 */
int machine_run(struct machine *m, struct machine_result *res);

/* machine_exit_reason_name: "X64IoPortAccess", ... or "unknown". */
const char *machine_exit_reason_name(UINT32 reason);

#endif /* VMM_MACHINE_H */
