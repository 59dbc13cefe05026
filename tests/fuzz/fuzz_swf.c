/*
 * fuzz_swf.c: fuzz target for the SWF reader (and a short replay of what it
 * accepts); with gcc, main() replays a corpus directory instead.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim.h"
#include "swf.h"

/* Replays stay short: larger accepted traces are only parsed. */
#define FUZZ_MAX_REPLAY_JOBS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void replay(const struct workload *w, enum policy_kind policy,
	enum backfill_kind backfill)
{
	struct sim_site site = {.name = "fuzz", .procs = w->machine_procs};
	struct sim_config cfg = {.policy = policy,
		.backfill = backfill,
		.sites = &site,
		.nsites = 1,
		.power = {.watts_busy = 100, .watts_idle = 10, .pue = 1.2}};
	struct sim_result res;
	struct sc_error err;

	if (sim_run(w, &cfg, &res, &err) == 0)
		sim_result_free(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct swf_options opt = {0};
	struct workload w;
	struct sc_error err;
	int mode;

	/* Every combination of runtime mode and strictness. */
	for (mode = 0; mode < 4; mode++) {
		opt.runtime_mode =
			mode & 1 ? SWF_RUNTIME_REQUESTED : SWF_RUNTIME_ACTUAL;
		opt.lenient = (mode & 2) != 0;
		if (swf_parse_buffer("fuzz", (const char *)data, size, &opt, &w,
			    &err) < 0)
			continue;
		if (w.njobs <= FUZZ_MAX_REPLAY_JOBS) {
			replay(&w, mode & 1 ? POLICY_F1 : POLICY_WFP3,
				BACKFILL_EASY);
			replay(&w, POLICY_FCFS, BACKFILL_CONSERVATIVE);
		}
		workload_free(&w);
	}
	return 0;
}

#ifndef FUZZ_LIBFUZZER
/* Run one file through the target. 0, or -1 if it cannot be read. */
static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;
	int rc = -1;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
		fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)len + 1);
		if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len) {
			LLVMFuzzerTestOneInput(buf, (size_t)len);
			rc = 0;
		}
	}
	free(buf);
	fclose(f);
	return rc;
}

/* Every regular file of dir (or dir itself if it is a file). */
static int run_path(const char *dir, size_t *count)
{
	char path[4096];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc = 0;

	if (stat(dir, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(dir);
	}
	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		(*count)++;
		if (run_file(path) < 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	const char *dflt = TOP_SRCDIR "/tests/fuzz/corpus/swf";
	size_t count = 0;
	int i;

	if (argc < 2) {
		if (run_path(dflt, &count) < 0 || count == 0) {
			fprintf(stderr, "fuzz_swf: cannot replay %s\n", dflt);
			return 1;
		}
	}
	for (i = 1; i < argc; i++) {
		if (run_path(argv[i], &count) < 0) {
			fprintf(stderr, "fuzz_swf: cannot replay %s\n",
				argv[i]);
			return 1;
		}
	}
	printf("fuzz_swf: %zu inputs replayed\n", count);
	return 0;
}
#endif
