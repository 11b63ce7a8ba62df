/* replay_main.c: runs a fuzz target without libFuzzer: its seed corpus, then seeded mutations. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/*
 * Linked with one fuzz target's LLVMFuzzerTestOneInput (and, if it has one,
 * LLVMFuzzerInitialize) by openwhp_fuzz_target (fuzz/common/fuzz.cmake), so
 * every build, with any compiler, runs the target in ctest:
 *
 *   <name>_replay [-random=N] [-max_len=L] [-seed=S] PATH...
 *
 * Each PATH is a file or a directory of files (the committed seed corpus),
 * run in name order. Then N inputs are made from them: three in four are a
 * corpus input with 1 to 8 mutations (bit flips, random or boundary bytes,
 * inserted, deleted or repeated bytes), one in four is fresh random bytes.
 * The seed is fixed (default 1), so a failure replays the same way; a target
 * reports a bug by crashing or aborting, as under libFuzzer. Exit status: 0,
 * or 77 (skip) when the target's initialisation says it cannot run here.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

struct input {
	uint8_t *data;
	size_t size;
};

static struct input *inputs;
static size_t ninputs, cap;

static uint64_t rng_state = 1;

static uint64_t rng(void)
{
	/* splitmix64: small, and good enough to spread mutations */
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void add_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct input in = { NULL, 0 };
	long n;

	if (!f) {
		perror(path);
		exit(2);
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		perror(path);
		exit(2);
	}
	in.size = (size_t)n;
	in.data = malloc(in.size ? in.size : 1);
	if (!in.data || fread(in.data, 1, in.size, f) != in.size) {
		perror(path);
		exit(2);
	}
	fclose(f);
	if (ninputs == cap) {
		cap = cap ? cap * 2 : 64;
		inputs = realloc(inputs, cap * sizeof(*inputs));
		if (!inputs) {
			perror("realloc");
			exit(2);
		}
	}
	inputs[ninputs++] = in;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;

	if (stat(path, &st)) {
		perror(path);
		exit(2);
	}
	if (!S_ISDIR(st.st_mode)) {
		add_file(path);
		return;
	}
	d = opendir(path);
	if (!d) {
		perror(path);
		exit(2);
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (!names || asprintf(&names[n], "%s/%s", path, e->d_name) < 0) {
			perror("alloc");
			exit(2);
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		add_file(names[i]);
		free(names[i]);
	}
	free(names);
}

/* One mutated input into (buf), at most (max_len) bytes; returns its size. */
static size_t mutate(uint8_t *buf, size_t max_len)
{
	static const uint8_t special[] = { 0x00, 0x01, 0x7F, 0x80, 0xFF, 0x0F, 0xF0, 0x10 };
	size_t size, k, muts;

	if (ninputs == 0 || rng() % 4 == 0) {
		size = (size_t)(rng() % (max_len / 8 + 1));
		for (k = 0; k < size; k++)
			buf[k] = (uint8_t)rng();
		return size;
	}
	{
		const struct input *in = &inputs[rng() % ninputs];

		size = in->size < max_len ? in->size : max_len;
		memcpy(buf, in->data, size);
	}
	muts = 1 + rng() % 8;
	for (k = 0; k < muts; k++) {
		size_t at = size ? (size_t)(rng() % size) : 0;

		switch (rng() % 6) {
		case 0:
			if (size)
				buf[at] ^= (uint8_t)(1u << (rng() % 8));
			break;
		case 1:
			if (size)
				buf[at] = (uint8_t)rng();
			break;
		case 2:
			if (size)
				buf[at] = special[rng() % sizeof(special)];
			break;
		case 3:
			if (size < max_len) {
				memmove(buf + at + 1, buf + at, size - at);
				buf[at] = (uint8_t)rng();
				size++;
			}
			break;
		case 4:
			if (size) {
				memmove(buf + at, buf + at + 1, size - at - 1);
				size--;
			}
			break;
		default:
			/* repeat a chunk: grows sequences of operations */
			if (size) {
				size_t len = 1 + (size_t)(rng() % 16);

				if (at + len > size)
					len = size - at;
				if (size + len <= max_len) {
					memmove(buf + at + len, buf + at, size - at);
					size += len;
				}
			}
			break;
		}
	}
	return size;
}

int main(int argc, char **argv)
{
	long random_n = 0;
	size_t max_len = 4096, i;
	uint8_t *buf;
	int a;

	for (a = 1; a < argc; a++) {
		if (strncmp(argv[a], "-random=", 8) == 0)
			random_n = strtol(argv[a] + 8, NULL, 10);
		else if (strncmp(argv[a], "-max_len=", 9) == 0)
			max_len = (size_t)strtoul(argv[a] + 9, NULL, 10);
		else if (strncmp(argv[a], "-seed=", 6) == 0)
			rng_state = strtoull(argv[a] + 6, NULL, 0);
		else
			add_path(argv[a]);
	}
	if (max_len < 16)
		max_len = 16;
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 0; i < ninputs; i++)
		LLVMFuzzerTestOneInput(inputs[i].data, inputs[i].size);
	buf = malloc(max_len);
	if (!buf)
		return 2;
	for (a = 0; a < random_n; a++) {
		size_t size = mutate(buf, max_len);
		/* an exact-size copy, so ASan sees any read past the input */
		uint8_t *copy = malloc(size ? size : 1);

		if (!copy)
			return 2;
		memcpy(copy, buf, size);
		LLVMFuzzerTestOneInput(copy, size);
		free(copy);
	}
	free(buf);
	for (i = 0; i < ninputs; i++)
		free(inputs[i].data);
	free(inputs);
	printf("%s: %zu corpus inputs and %ld mutated inputs ran, none failed\n", argv[0], ninputs,
	       random_n);
	return 0;
}
