/*
 * fuzz_intensity.c: libFuzzer target over the carbon-intensity parsers and
 * the series queries; without libFuzzer, a main() that replays a corpus.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intensity.h"
#include "shift.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The first byte picks the Electricity Maps column; the rest is the file.
 * A parsed series is queried the way the simulator does.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct intensity_options opts = {.column = INTENSITY_DIRECT};
	struct sc_error err;
	struct intensity_series *s;
	int64_t start, end, t;
	double sum;

	if (size > 0) {
		opts.column = data[0] & 1 ? INTENSITY_LCA : INTENSITY_DIRECT;
		data++;
		size--;
	}
	s = intensity_series_parse(
		"fuzz", (const char *)data, size, &opts, &err);
	if (!s) {
		/* Every failure explains itself as "fuzz...". */
		if (strncmp(err.text, "fuzz", 4) != 0)
			abort();
		return 0;
	}
	start = intensity_series_start(s);
	end = intensity_series_end(s);
	if (!(start < end) || intensity_series_count(s) == 0)
		abort();
	sum = intensity_series_integral(s, start, end);
	for (t = start - 86400; t < end + 86400 && t - start < 40 * 86400;
		t += 3571) {
		if (intensity_series_at(s, t) < 0.0 ||
			intensity_series_next_change(s, t) <= t)
			abort();
	}
	if (sum < 0.0 || intensity_series_integral(s, end, start) != 0.0)
		abort();
	(void)intensity_series_integral(s, INT64_MIN / 2, INT64_MAX / 2);
	(void)shift_best_start(s, FORECAST_PERSISTENCE, start + 86400,
		start + 86400, start + 2 * 86400, 4 * 3600);
	(void)shift_best_start(
		s, FORECAST_ORACLE, start, start, start + 86400, 3 * 3600);
	intensity_series_destroy(s);
	return 0;
}

#ifndef FUZZ_LIBFUZZER

/* Read a whole file; NULL on error. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *nb;
	size_t cap = 0, n;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (cap - *len < 4096) {
			cap = cap ? 2 * cap : 65536;
			nb = realloc(buf, cap);
			if (!nb)
				goto error;
			buf = nb;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
		if (n == 0)
			break;
	}
	if (ferror(f))
		goto error;
	fclose(f);
	return buf;
error:
	fclose(f);
	free(buf);
	return NULL;
}

/* Deterministic byte mutations of an input, as a tiny fuzzer would. */
static void mutate(uint8_t *buf, size_t len, uint32_t *seed)
{
	size_t i, n = 1 + *seed % 4;

	for (i = 0; i < n && len > 0; i++) {
		*seed = *seed * 1103515245u + 12345u;
		buf[(*seed >> 8) % len] = (uint8_t)(*seed >> 16);
	}
}

static int replay(const char *path, unsigned rounds)
{
	uint8_t *buf, *copy;
	uint32_t seed = 1;
	size_t len;
	unsigned r;

	buf = slurp(path, &len);
	if (!buf) {
		fprintf(stderr, "fuzz_intensity: %s: %s\n", path,
			strerror(errno ? errno : EIO));
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, len);
	copy = malloc(len ? len : 1);
	if (!copy) {
		free(buf);
		return -1;
	}
	for (r = 0; r < rounds; r++) {
		memcpy(copy, buf, len);
		mutate(copy, len, &seed);
		LLVMFuzzerTestOneInput(copy, len);
		/* Every prefix too: cut records, headers, escapes. */
		LLVMFuzzerTestOneInput(buf, (len * r) / rounds);
	}
	free(copy);
	free(buf);
	return 0;
}

/*
 * Replay each file of the corpus directories (default: the committed
 * corpus), each followed by 2000 deterministic mutations.
 */
int main(int argc, char **argv)
{
	static const char *dflt[] = {TOP_SRCDIR "/tests/fuzz/corpus/intensity"};
	const char **dirs = argc > 1 ? (const char **)argv + 1 : dflt;
	int ndirs = argc > 1 ? argc - 1 : 1, i, files = 0;

	for (i = 0; i < ndirs; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;
		char path[4096];

		if (!d) {
			fprintf(stderr, "fuzz_intensity: %s: %s\n", dirs[i],
				strerror(errno));
			return 1;
		}
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[i],
				e->d_name);
			if (replay(path, 2000)) {
				closedir(d);
				return 1;
			}
			files++;
		}
		closedir(d);
	}
	if (files == 0) {
		fprintf(stderr, "fuzz_intensity: empty corpus\n");
		return 1;
	}
	printf("fuzz_intensity: %d inputs replayed, with mutations\n", files);
	return 0;
}

#endif
