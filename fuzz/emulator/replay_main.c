/* replay_main.c: the emulator fuzz entry point without libFuzzer: corpus, random inputs. */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz_emulator.h"

/*
 * usage: emu_fuzz_replay <corpus-dir> <random-inputs> [seed]
 *
 * The default (gcc) build has no libFuzzer, so this replays every file of
 * the committed corpus through LLVMFuzzerTestOneInput and then feeds it
 * (random-inputs) inputs: random bytes, and corpus files with random bytes
 * changed. A broken rule aborts (the test fails); the seed is printed.
 */

#define REPLAY_MAX_INPUT 1024
#define REPLAY_MAX_FILES 4096

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

int main(int argc, char **argv)
{
	static uint8_t corpus[REPLAY_MAX_FILES][REPLAY_MAX_INPUT];
	static size_t corpus_len[REPLAY_MAX_FILES];
	unsigned int nfiles = 0;
	unsigned long n;
	uint64_t seed;
	DIR *dir;
	struct dirent *de;

	if (argc < 3) {
		fprintf(stderr, "usage: %s <corpus-dir> <random-inputs> [seed]\n", argv[0]);
		return 2;
	}
	n = strtoul(argv[2], NULL, 0);
	seed = argc > 3 ? strtoull(argv[3], NULL, 0)
			: (uint64_t)time(NULL) ^ ((uint64_t)clock() << 20);
	dir = opendir(argv[1]);
	if (!dir) {
		perror(argv[1]);
		return 1;
	}
	while ((de = readdir(dir)) != NULL && nfiles < REPLAY_MAX_FILES) {
		char path[4096];
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", argv[1], de->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		corpus_len[nfiles] = fread(corpus[nfiles], 1, REPLAY_MAX_INPUT, f);
		fclose(f);
		LLVMFuzzerTestOneInput(corpus[nfiles], corpus_len[nfiles]);
		nfiles++;
	}
	closedir(dir);
	if (nfiles == 0) {
		fprintf(stderr, "%s: empty corpus\n", argv[1]);
		return 1;
	}
	printf("replayed %u corpus inputs; %lu random inputs, seed 0x%" PRIx64 "\n", nfiles, n,
	       seed);
	for (unsigned long k = 0; k < n; k++) {
		uint8_t buf[REPLAY_MAX_INPUT];
		size_t len;

		if (k & 1) {
			/* a corpus input with a few bytes changed */
			unsigned int f = (unsigned int)(rnd(&seed) % nfiles);

			len = corpus_len[f];
			memcpy(buf, corpus[f], len);
			for (int j = (int)(rnd(&seed) % 8); j >= 0 && len; j--)
				buf[rnd(&seed) % len] = (uint8_t)rnd(&seed);
		} else {
			len = (size_t)(rnd(&seed) % 600);
			for (size_t i = 0; i < len; i++)
				buf[i] = (uint8_t)rnd(&seed);
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("done\n");
	return 0;
}
