/* console.c: the serial console host side: output, raw-mode input thread, escape keys, signals. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../error.h"
#include "console.h"

/* How long a partial line may wait before the console thread writes it. */
#define CONSOLE_FLUSH_MS 20

/*
 * The terminal state to restore from signal handlers and at exit. Only
 * one console runs per process; these are written before the handlers are
 * installed and cleared when the terminal is restored.
 */
static volatile sig_atomic_t console_tty_saved;
static int console_tty_fd = -1;
static struct termios console_tty_termios;
static bool console_atexit_done;

void console_restore_terminal(void)
{
	/* tcsetattr is async-signal-safe (POSIX.1-2008, 2.4.3). */
	if (console_tty_saved) {
		(void)tcsetattr(console_tty_fd, TCSANOW, &console_tty_termios);
		console_tty_saved = 0;
	}
}

static void console_atexit(void)
{
	console_restore_terminal();
}

/* Fatal signals: give the terminal back, then die of the same signal (SA_RESETHAND). */
static void console_fatal(int sig)
{
	console_restore_terminal();
	raise(sig);
}

static const int console_fatal_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };

static void console_wake(struct console *c, char why)
{
	ssize_t n;

	do {
		n = write(c->wake[1], &why, 1);
	} while (n < 0 && errno == EINTR);
	/* A full pipe already holds a wake-up: nothing is lost. */
}

/* Write everything in (buf, len) to (fd); gives up on a closed or broken output. */
static void console_write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			(void)poll(&p, 1, 100);
			continue;
		}
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static void console_flush_locked(struct console *c)
{
	console_write_all(c->cfg.out_fd, c->out_buf, c->out_len);
	c->out_len = 0;
}

void console_flush(struct console *c)
{
	pthread_mutex_lock(&c->out_lock);
	console_flush_locked(c);
	pthread_mutex_unlock(&c->out_lock);
}

void console_output(void *ctx, uint8_t byte)
{
	struct console *c = ctx;
	bool first;

	pthread_mutex_lock(&c->out_lock);
	first = c->out_len == 0;
	c->out_buf[c->out_len++] = byte;
	if (byte == '\n' || c->out_len == sizeof(c->out_buf)) {
		console_flush_locked(c);
		first = false;
	}
	pthread_mutex_unlock(&c->out_lock);
	/* A partial line: let the console thread write it after a short wait. */
	if (first && c->thread_running)
		console_wake(c, 'o');
}

static void console_rx_room(void *ctx)
{
	struct console *c = ctx;

	/* Only worth a wake-up when bytes are waiting for the FIFO. */
	if (c->in_off < c->in_len)
		console_wake(c, 'r');
}

static void console_quit(struct console *c, int why)
{
	if (!c->quit_why)
		c->quit_why = why;
	if (c->cfg.quit)
		c->cfg.quit(c->cfg.quit_ctx, why);
}

static void console_help(void)
{
	static const char text[] = "\r\nC-a x    quit openwhp\r\n"
				   "C-a C-a  send C-a to the guest\r\n"
				   "C-a h    this help\r\n";

	console_write_all(STDERR_FILENO, (const uint8_t *)text, sizeof(text) - 1);
}

/*
 * Take the escape sequences out of the bytes just read (in place), so
 * in_buf holds only what goes to the guest. Returns false on Ctrl-A x.
 */
static bool console_filter_input(struct console *c)
{
	size_t i, out = 0;

	for (i = 0; i < c->in_len; i++) {
		uint8_t b = c->in_buf[i];

		if (c->escape) {
			c->escape = false;
			if (b == 'x' || b == 'X') {
				c->in_len = out;
				return false;
			}
			if (b == 'h' || b == 'H' || b == '?') {
				console_help();
				continue;
			}
			/* Ctrl-A Ctrl-A sends one; anything else goes with its Ctrl-A. */
			if (b != CONSOLE_ESCAPE)
				c->in_buf[out++] = CONSOLE_ESCAPE;
			c->in_buf[out++] = b;
			continue;
		}
		if (b == CONSOLE_ESCAPE) {
			c->escape = true;
			continue;
		}
		c->in_buf[out++] = b;
	}
	c->in_len = out;
	return true;
}

static void console_read_input(struct console *c)
{
	ssize_t n = read(c->cfg.in_fd, c->in_buf, sizeof(c->in_buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* End of input (or a broken one): the guest just gets no more. */
		c->in_eof = true;
		return;
	}
	c->in_len = (size_t)n;
	c->in_off = 0;
	if (!console_filter_input(c))
		console_quit(c, CONSOLE_QUIT_USER);
}

static void *console_thread(void *arg)
{
	struct console *c = arg;

	/*
	 * Tell console_start() this thread runs: its start-up system calls
	 * (rseq, set_robust_list) are then behind it when the sandbox comes.
	 */
	pthread_mutex_lock(&c->start_lock);
	c->started = true;
	pthread_cond_signal(&c->start_cond);
	pthread_mutex_unlock(&c->start_lock);

	while (!c->stopping) {
		struct pollfd p[3];
		int np = 0, in_idx = -1, sig_idx = -1, timeout = -1;
		bool out_waiting;

		/* Bytes still waiting for FIFO room go first. */
		if (c->in_off < c->in_len)
			c->in_off += serial_receive(c->uart, c->in_buf + c->in_off,
						    (unsigned int)(c->in_len - c->in_off));
		p[np].fd = c->wake[0];
		p[np++].events = POLLIN;
		if (c->cfg.in_fd >= 0 && !c->in_eof && c->in_off >= c->in_len) {
			in_idx = np;
			p[np].fd = c->cfg.in_fd;
			p[np++].events = POLLIN;
		}
		if (c->sig_fd >= 0) {
			sig_idx = np;
			p[np].fd = c->sig_fd;
			p[np++].events = POLLIN;
		}
		pthread_mutex_lock(&c->out_lock);
		out_waiting = c->out_len != 0;
		pthread_mutex_unlock(&c->out_lock);
		if (out_waiting)
			timeout = CONSOLE_FLUSH_MS;
		if (poll(p, (nfds_t)np, timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents & POLLIN) {
			char drain[64];
			/* only emptying the wake pipe: what it held does not matter */
			ssize_t n = read(c->wake[0], drain, sizeof(drain));

			(void)n;
		}
		if (out_waiting)
			console_flush(c);
		if (sig_idx >= 0 && (p[sig_idx].revents & POLLIN)) {
			struct signalfd_siginfo si;

			if (read(c->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				console_quit(c, (int)si.ssi_signo);
		}
		if (in_idx >= 0 && (p[in_idx].revents & POLLNVAL))
			c->in_eof = true; /* standard input is not open at all */
		else if (in_idx >= 0 && (p[in_idx].revents & (POLLIN | POLLHUP | POLLERR)))
			console_read_input(c);
	}
	return NULL;
}

static int console_make_raw(struct console *c)
{
	struct termios t;
	size_t i;

	if (c->cfg.in_fd < 0 || !isatty(c->cfg.in_fd))
		return 0;
	if (tcgetattr(c->cfg.in_fd, &c->saved) < 0)
		return 0; /* not a usable terminal: leave it alone */
	t = c->saved;
	/*
	 * Raw input (termios(3), cfmakeraw) but output processing kept, as
	 * QEMU's stdio backend does, so a guest's "\n" starts a new line.
	 */
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	console_tty_fd = c->cfg.in_fd;
	console_tty_termios = c->saved;
	console_tty_saved = 1;
	if (!console_atexit_done) {
		console_atexit_done = true;
		atexit(console_atexit);
	}
	for (i = 0; i < sizeof(console_fatal_signals) / sizeof(console_fatal_signals[0]); i++) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = console_fatal;
		sa.sa_flags = (int)SA_RESETHAND;
		sigemptyset(&sa.sa_mask);
		(void)sigaction(console_fatal_signals[i], &sa, NULL);
	}
	if (tcsetattr(c->cfg.in_fd, TCSAFLUSH, &t) < 0) {
		console_tty_saved = 0;
		return 0;
	}
	c->tty_raw = true;
	return 0;
}

int console_start(struct console *c, struct serial *uart, const struct console_config *cfg)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->cfg = *cfg;
	c->uart = uart;
	c->wake[0] = c->wake[1] = -1;
	c->sig_fd = -1;
	rc = pthread_mutex_init(&c->out_lock, NULL);
	if (rc) {
		vmm_error_set("console: cannot create a mutex: %s", strerror(rc));
		return -rc;
	}
	if (pipe2(c->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		rc = -errno;
		vmm_error_set("console: pipe: %s", strerror(errno));
		goto fail;
	}
	sigemptyset(&c->sigs);
	sigaddset(&c->sigs, SIGINT);
	sigaddset(&c->sigs, SIGTERM);
	sigaddset(&c->sigs, SIGHUP);
	rc = pthread_sigmask(SIG_BLOCK, &c->sigs, &c->old_mask);
	if (rc) {
		rc = -rc;
		vmm_error_set("console: cannot block signals");
		goto fail;
	}
	c->mask_set = true;
	c->sig_fd = signalfd(-1, &c->sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (c->sig_fd < 0) {
		rc = -errno;
		vmm_error_set("console: signalfd: %s", strerror(errno));
		goto fail;
	}
	(void)console_make_raw(c);
	serial_set_rx_room(uart, console_rx_room, c);
	pthread_mutex_init(&c->start_lock, NULL);
	pthread_cond_init(&c->start_cond, NULL);
	c->thread_running = true;
	rc = pthread_create(&c->thread, NULL, console_thread, c);
	if (rc) {
		c->thread_running = false;
		vmm_error_set("console: cannot start its thread: %s", strerror(rc));
		rc = -rc;
		goto fail;
	}
	pthread_mutex_lock(&c->start_lock);
	while (!c->started)
		pthread_cond_wait(&c->start_cond, &c->start_lock);
	pthread_mutex_unlock(&c->start_lock);
	return 0;
fail:
	console_stop(c);
	return rc;
}

void console_stop(struct console *c)
{
	if (c->thread_running) {
		c->stopping = 1;
		console_wake(c, 's');
		pthread_join(c->thread, NULL);
		c->thread_running = false;
	}
	if (c->uart)
		serial_set_rx_room(c->uart, NULL, NULL);
	console_flush(c);
	if (c->tty_raw) {
		(void)tcsetattr(c->cfg.in_fd, TCSAFLUSH, &c->saved);
		console_tty_saved = 0;
		c->tty_raw = false;
	}
	if (c->sig_fd >= 0)
		close(c->sig_fd);
	c->sig_fd = -1;
	if (c->mask_set)
		(void)pthread_sigmask(SIG_SETMASK, &c->old_mask, NULL);
	c->mask_set = false;
	if (c->wake[0] >= 0)
		close(c->wake[0]);
	if (c->wake[1] >= 0)
		close(c->wake[1]);
	c->wake[0] = c->wake[1] = -1;
	c->uart = NULL;
}
