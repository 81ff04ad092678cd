/*
 * replay.c: a main() for fuzz targets built without libFuzzer, so that
 * `make check` runs every committed corpus input through the target under
 * the ordinary (or sanitizer) build.
 *
 * With arguments it replays those files and folders; without, it replays
 * $NP_FUZZ_CORPUS/NAME where NAME is the program name less its "fuzz-"
 * prefix.  An empty or missing corpus is a failure: a replay of nothing
 * proves nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long size;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	/* An exact-size heap copy, so ASan sees any read past the input. */
	data = malloc(size > 0 ? (size_t)size : 1);
	if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "%s: cannot read\n", path);
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)size);
	free(data);
	return 0;
}

static long replay_path(const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *dir;
	long n = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path) < 0 ? -1 : 1;
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		char child[4096];

		if (de->d_name[0] == '.')
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
		if (replay_file(child) < 0) {
			closedir(dir);
			return -1;
		}
		n++;
	}
	closedir(dir);
	return n;
}

int main(int argc, char **argv)
{
	char self[4096], corpus[4096];
	const char *root = getenv("NP_FUZZ_CORPUS");
	const char *name;
	long total = 0;
	int i;

	if (argc > 1) {
		for (i = 1; i < argc; i++) {
			long n = replay_path(argv[i]);

			if (n < 0)
				return 1;
			total += n;
		}
	} else {
		snprintf(self, sizeof(self), "%s", argv[0]);
		name = basename(self);
		if (strncmp(name, "lt-", 3) == 0)
			name += 3;
		if (strncmp(name, "fuzz-", 5) == 0)
			name += 5;
		snprintf(corpus, sizeof(corpus), "%s/%s", root ? root : "tests/fuzz/corpus", name);
		total = replay_path(corpus);
		if (total < 0)
			return 1;
	}
	if (total == 0) {
		fprintf(stderr, "no corpus inputs found\n");
		return 1;
	}
	printf("replayed %ld inputs\n", total);
	return 0;
}
