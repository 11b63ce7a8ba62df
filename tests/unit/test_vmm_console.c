/* test_vmm_console.c: the console's output buffering, input path into the UART and escape keys. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "vmm/bus.h"
#include "vmm/devices/console.h"
#include "vmm/devices/serial.h"

static struct serial uart;
static struct bus bus;
static struct console con;
static int in_pipe[2], out_pipe[2];
static volatile int quit_calls, quit_why;

static void on_quit(void *ctx, int why)
{
	(void)ctx;
	quit_calls++;
	quit_why = why;
}

static void setup(void)
{
	struct console_config cfg;

	cr_assert_eq(pipe(in_pipe), 0);
	cr_assert_eq(pipe(out_pipe), 0);
	cr_assert_eq(fcntl(out_pipe[0], F_SETFL, O_NONBLOCK), 0);
	bus_init(&bus);
	cr_assert_eq(serial_init(&uart, console_output, &con), 0);
	cr_assert_eq(serial_attach(&uart, &bus, SERIAL_COM1_BASE), 0);
	cfg = (struct console_config){
		.in_fd = in_pipe[0], .out_fd = out_pipe[1], .quit = on_quit, .quit_ctx = NULL
	};
	quit_calls = 0;
	quit_why = 0;
	cr_assert_eq(console_start(&con, &uart, &cfg), 0);
}

static void teardown(void)
{
	console_stop(&con);
	serial_destroy(&uart);
	close(in_pipe[0]);
	close(in_pipe[1]);
	close(out_pipe[0]);
	close(out_pipe[1]);
}

TestSuite(console, .init = setup, .fini = teardown, .timeout = 20);

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Read what the console wrote, waiting up to (ms) for (want) bytes. */
static size_t read_out(char *buf, size_t want, int ms)
{
	size_t got = 0;
	long end = now_ms() + ms;

	while (got < want && now_ms() < end) {
		ssize_t n = read(out_pipe[0], buf + got, want - got);

		if (n > 0)
			got += (size_t)n;
		else
			usleep(2000);
	}
	buf[got] = '\0';
	return got;
}

static void guest_puts(const char *s)
{
	for (; *s; s++) {
		uint32_t v = (uint8_t)*s;

		cr_assert_eq(bus_io(&bus, SERIAL_COM1_BASE, true, &v, 1), 0);
	}
}

/* Wait until the UART has a byte and take it as the guest does; -1 on timeout. */
static int guest_getc(int ms)
{
	long end = now_ms() + ms;
	uint32_t v;

	while (now_ms() < end) {
		cr_assert_eq(bus_io(&bus, SERIAL_COM1_BASE + 5, false, &v, 1), 0);
		if (v & SERIAL_LSR_DR) {
			cr_assert_eq(bus_io(&bus, SERIAL_COM1_BASE, false, &v, 1), 0);
			return (int)(v & 0xff);
		}
		usleep(1000);
	}
	return -1;
}

Test(console, lines_go_out_at_once_and_partial_lines_soon)
{
	char buf[64];
	long t0;

	guest_puts("a line\n");
	/* Written by the vCPU thread itself at the newline: no waiting. */
	cr_assert_eq(read(out_pipe[0], buf, sizeof(buf)), 7);
	cr_assert_arr_eq(buf, "a line\n", 7);
	t0 = now_ms();
	guest_puts("login: ");
	cr_assert_eq(read_out(buf, 7, 2000), 7, "a prompt is not held back");
	cr_assert_str_eq(buf, "login: ");
	cr_assert_lt(now_ms() - t0, 1000);
}

Test(console, output_keeps_order_across_flushes)
{
	char buf[128];

	guest_puts("one ");
	usleep(50000); /* the thread flushes this part */
	guest_puts("two\nthree ");
	console_flush(&con);
	cr_assert_eq(read_out(buf, 14, 2000), 14);
	cr_assert_str_eq(buf, "one two\nthree ");
}

Test(console, input_reaches_the_guest_in_order_with_backpressure)
{
	const char *text = "typed text that is longer than the FIFO\n";
	size_t i;

	/* No FIFO: one byte at a time, so the console must wait for room. */
	cr_assert_eq(write(in_pipe[1], text, strlen(text)), (ssize_t)strlen(text));
	for (i = 0; i < strlen(text); i++)
		cr_assert_eq(guest_getc(2000), text[i], "byte %zu", i);
	cr_assert_eq(guest_getc(50), -1, "nothing more");
	cr_assert_eq(quit_calls, 0);
}

Test(console, escape_keys)
{
	/* Ctrl-A Ctrl-A is one Ctrl-A; Ctrl-A y is sent as typed; Ctrl-A x quits. */
	cr_assert_eq(write(in_pipe[1], "a\001\001b\001yc\001x", 10), 10);
	cr_assert_eq(guest_getc(2000), 'a');
	cr_assert_eq(guest_getc(2000), 0x01);
	cr_assert_eq(guest_getc(2000), 'b');
	cr_assert_eq(guest_getc(2000), 0x01);
	cr_assert_eq(guest_getc(2000), 'y');
	cr_assert_eq(guest_getc(2000), 'c');
	cr_assert_eq(guest_getc(100), -1, "the x after Ctrl-A is not input");
	cr_assert_eq(quit_calls, 1);
	cr_assert_eq(quit_why, CONSOLE_QUIT_USER);
	cr_assert_eq(con.quit_why, CONSOLE_QUIT_USER);
}

Test(console, end_of_input_is_not_a_quit)
{
	close(in_pipe[1]);
	in_pipe[1] = open("/dev/null", O_WRONLY); /* keep teardown's close valid */
	usleep(50000);
	cr_assert_eq(quit_calls, 0);
	guest_puts("still here\n");
	{
		char buf[32];

		cr_assert_eq(read_out(buf, 11, 2000), 11);
		cr_assert_str_eq(buf, "still here\n");
	}
}
