/* console.h: the host side of the serial console: stdout, stdin in raw mode, Ctrl-A x, signals. */
#ifndef VMM_DEVICES_CONSOLE_H
#define VMM_DEVICES_CONSOLE_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "serial.h"

/*
 * Output: console_output() is the UART's output callback (vCPU thread). It
 * appends to a buffer written to the output descriptor at every newline,
 * when 4 KiB are waiting, and at most 20 ms after the first byte of a
 * partial line (a prompt), by the console thread. One lock orders every
 * write, so nothing is lost or reordered; console_stop() flushes the rest.
 *
 * Input: a console thread reads the input descriptor and hands bytes to
 * the UART (serial_receive), waiting for room when its FIFO is full.
 * When the input is a terminal it is put in raw mode (no echo, no line
 * editing, no signals from Ctrl-C: those keys go to the guest; output
 * processing is kept so "\n" still returns the carriage) and restored by
 * console_stop(), at exit(), on a fatal signal and on a sandbox violation
 * (console_restore_terminal()).
 *
 * Escape: Ctrl-A x quits (the quit callback runs with CONSOLE_QUIT_USER),
 * Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A h prints the keys on stderr; any
 * other key after Ctrl-A is sent as typed, with the Ctrl-A.
 *
 * Signals: SIGINT, SIGTERM and SIGHUP are blocked in the calling thread
 * (call console_start() before creating other threads, so they inherit
 * the mask) and received by the console thread, which calls the quit
 * callback with the signal number.
 */

#define CONSOLE_ESCAPE	  0x01 /* Ctrl-A */
#define CONSOLE_QUIT_USER (-1)

/* console_quit_fn: the user or a signal asks to stop; (why) is CONSOLE_QUIT_USER or a signal. */
typedef void (*console_quit_fn)(void *ctx, int why);

struct console_config {
	int in_fd; /* -1: no input */
	int out_fd;
	console_quit_fn quit;
	void *quit_ctx;
};

#define CONSOLE_OUT_BUF 4096
#define CONSOLE_IN_BUF	256

struct console {
	struct console_config cfg;
	struct serial *uart;
	pthread_t thread;
	bool thread_running;
	pthread_mutex_t start_lock; /* console_start() waits for the thread to run */
	pthread_cond_t start_cond;
	bool started;
	int wake[2]; /* pipe: "output waiting", "rx room", "stop" */
	int sig_fd;  /* signalfd, or -1 */
	sigset_t sigs, old_mask;
	bool mask_set;

	bool tty_raw; /* the input terminal is in raw mode */
	struct termios saved;

	pthread_mutex_t out_lock;
	uint8_t out_buf[CONSOLE_OUT_BUF];
	size_t out_len;

	uint8_t in_buf[CONSOLE_IN_BUF];
	size_t in_len, in_off; /* bytes read, not yet taken by the UART */
	bool in_eof, escape;
	volatile sig_atomic_t stopping;
	int quit_why; /* 0, CONSOLE_QUIT_USER or a signal number */
};

/*
 * console_start: set up (c) for (uart) with (cfg): make the input terminal
 * raw, block the quit signals, start the console thread and register as
 * the UART's rx-room callback. The UART's output callback must be
 * console_output with (c) as context (set it with serial_init). Returns 0
 * or a negative errno with vmm_error() set; on failure nothing is left
 * changed.
 */
int console_start(struct console *c, struct serial *uart, const struct console_config *cfg);

/*
 * console_stop: stop the thread, flush the output, restore the terminal
 * and the signal mask. Safe on a console that failed to start or was
 * stopped already.
 */
void console_stop(struct console *c);

/* console_output: the UART's output callback (serial_out_fn); (ctx) is the console. */
void console_output(void *ctx, uint8_t byte);

/* console_flush: write out everything buffered (any thread). */
void console_flush(struct console *c);

/*
 * console_restore_terminal: put the terminal of the running console back
 * as it was, using only async-signal-safe calls (for signal handlers).
 */
void console_restore_terminal(void);

#endif /* VMM_DEVICES_CONSOLE_H */
