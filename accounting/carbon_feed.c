/*
 * carbon_feed.c: carbon.conf and forecast series for the scheduling
 * plugins, reloaded on change and judged for staleness, problems logged
 * on change only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "carbon.h"
#include "carbon_feed.h"

/* What identifies a file's content without reading it. */
struct file_id {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

enum series_state {
	SERIES_NONE,
	SERIES_OK,
	SERIES_BAD,
	SERIES_STALE,
	SERIES_ENDED
};

struct feed_region {
	struct intensity_series *series;
	struct file_id id;
	enum series_state state;
	char why[600]; /* the last problem logged, to log changes only */
};

struct carbon_feed {
	char *path;
	struct carbon_conf_options opts;
	carbon_feed_log_fn *log;
	void *arg;
	struct carbon_conf *conf;
	struct file_id conf_id;
	char conf_error[600]; /* the last configuration problem logged */
	struct feed_region *regions; /* parallel to conf->regions */
	time_t last_check;
	unsigned generation;
};

static void say(struct carbon_feed *f, enum carbon_feed_level level,
	const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(struct carbon_feed *f, enum carbon_feed_level level,
	const char *fmt, ...)
{
	char msg[800];
	va_list ap;

	if (!f->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->log(f->arg, level, msg);
}

static struct file_id file_id(const char *path)
{
	struct file_id id = {0};
	struct stat st;

	if (stat(path, &st) == 0) {
		id.exists = true;
		id.dev = st.st_dev;
		id.ino = st.st_ino;
		id.size = st.st_size;
		id.mtime = st.st_mtim;
	}
	return id;
}

static bool same_file(const struct file_id *a, const struct file_id *b)
{
	return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static void drop_regions(struct carbon_feed *f)
{
	size_t i;

	for (i = 0; f->conf && f->regions && i < f->conf->nregions; i++)
		intensity_series_destroy(f->regions[i].series);
	free(f->regions);
	f->regions = NULL;
}

static void load_conf(struct carbon_feed *f)
{
	struct carbon_conf_options o = f->opts;
	struct sc_error err = {{0}};
	struct carbon_conf *conf;

	o.flags &= ~CARBON_CONF_LOAD_SERIES;
	conf = carbon_conf_load(f->path, &o, &err);
	drop_regions(f);
	carbon_conf_destroy(f->conf);
	f->conf = conf;
	f->generation++;
	if (!conf) {
		if (strcmp(f->conf_error, err.text)) {
			say(f, CARBON_FEED_ERROR,
				"%s; carbon-aware scheduling is off until it "
				"is fixed (jobs pass through unchanged)",
				err.text);
			snprintf(f->conf_error, sizeof(f->conf_error), "%s",
				err.text);
		}
		return;
	}
	f->regions = calloc(conf->nregions ? conf->nregions : 1,
		sizeof(*f->regions));
	if (!f->regions) {
		carbon_conf_destroy(f->conf);
		f->conf = NULL;
		say(f, CARBON_FEED_ERROR, "%s: out of memory", f->path);
		return;
	}
	f->conf_error[0] = '\0';
	say(f, CARBON_FEED_INFO, "%s loaded: %zu region(s), %zu partition(s), "
				 "priority policy %s",
		f->path, conf->nregions, conf->npartitions,
		conf->priority_policy);
}

/* Log a region's problem when it differs from the last one logged. */
static void region_problem(struct carbon_feed *f, struct feed_region *fr,
	const struct carbon_region *r, enum series_state state, const char *why)
{
	fr->state = state;
	if (!strcmp(fr->why, why))
		return;
	snprintf(fr->why, sizeof(fr->why), "%s", why);
	say(f, CARBON_FEED_ERROR,
		"region %s: %s; jobs in its partitions are not shifted until "
		"a good forecast is there",
		r->name, why);
}

static void region_ok(struct carbon_feed *f, struct feed_region *fr,
	const struct carbon_region *r)
{
	if (fr->state != SERIES_OK)
		say(f, CARBON_FEED_INFO, "region %s: forecast %s loaded (%zu "
					 "samples)",
			r->name, r->path, intensity_series_count(fr->series));
	fr->state = SERIES_OK;
	fr->why[0] = '\0';
}

static void refresh_region(struct carbon_feed *f, size_t i, time_t now)
{
	const struct carbon_region *r = &f->conf->regions[i];
	struct feed_region *fr = &f->regions[i];
	struct file_id id = file_id(r->path);
	char why[600];

	if (!id.exists) {
		intensity_series_destroy(fr->series);
		fr->series = NULL;
		fr->id = id;
		snprintf(why, sizeof(why), "forecast %s: %s", r->path,
			strerror(ENOENT));
		region_problem(f, fr, r, SERIES_BAD, why);
		return;
	}
	if (!fr->series || !same_file(&id, &fr->id)) {
		struct intensity_options o = {.column = r->column};
		struct sc_error err = {{0}};

		intensity_series_destroy(fr->series);
		fr->series = intensity_series_load_opts(r->path, &o, &err);
		fr->id = id;
		if (!fr->series) {
			snprintf(why, sizeof(why), "forecast unreadable: %s",
				err.text);
			region_problem(f, fr, r, SERIES_BAD, why);
			return;
		}
	}
	if (now - id.mtime.tv_sec > f->conf->forecast_max_age) {
		/* logged when it became stale: the age in the text grows
		 * at every look and would log it again each time */
		if (fr->state == SERIES_STALE)
			return;
		snprintf(why, sizeof(why),
			"forecast %s is stale: last written %lld s ago, "
			"ForecastMaxAge is %lld s",
			r->path, (long long)(now - id.mtime.tv_sec),
			(long long)f->conf->forecast_max_age);
		region_problem(f, fr, r, SERIES_STALE, why);
		return;
	}
	/* a file rewritten with old data is fresh by its time, not by this */
	if (now >= intensity_series_end(fr->series)) {
		char at[32];

		carbon_format_utc(intensity_series_end(fr->series), at,
			sizeof(at));
		snprintf(why, sizeof(why), "forecast %s has ended: its last "
					   "interval ends at %s",
			r->path, at);
		region_problem(f, fr, r, SERIES_ENDED, why);
		return;
	}
	region_ok(f, fr, r);
}

void carbon_feed_refresh(struct carbon_feed *f, time_t now, bool force)
{
	struct file_id id;
	size_t i;

	if (!force && f->last_check &&
		now - f->last_check < CARBON_FEED_CHECK_S && now >= f->last_check)
		return;
	f->last_check = now;
	id = file_id(f->path);
	if (!f->generation || !same_file(&id, &f->conf_id)) {
		f->conf_id = id;
		load_conf(f);
	}
	for (i = 0; f->conf && i < f->conf->nregions; i++)
		if (f->conf->regions[i].path)
			refresh_region(f, i, now);
}

struct carbon_feed *carbon_feed_create(const char *path,
	const struct carbon_conf_options *opts, carbon_feed_log_fn *log,
	void *arg, time_t now)
{
	struct carbon_feed *f = calloc(1, sizeof(*f));

	if (!f || !(f->path = strdup(path))) {
		free(f);
		return NULL;
	}
	if (opts)
		f->opts = *opts;
	f->log = log;
	f->arg = arg;
	carbon_feed_refresh(f, now, true);
	return f;
}

void carbon_feed_destroy(struct carbon_feed *f)
{
	if (!f)
		return;
	drop_regions(f);
	carbon_conf_destroy(f->conf);
	free(f->path);
	free(f);
}

const struct carbon_conf *carbon_feed_conf(const struct carbon_feed *f)
{
	return f->conf;
}

unsigned carbon_feed_generation(const struct carbon_feed *f)
{
	return f->generation;
}

const struct intensity_series *carbon_feed_forecast(
	const struct carbon_feed *f, const struct carbon_region *r,
	const char **why)
{
	const struct feed_region *fr;
	const char *dummy;

	if (!why)
		why = &dummy;
	if (!f->conf || r < f->conf->regions ||
		r >= f->conf->regions + f->conf->nregions) {
		*why = "no configuration";
		return NULL;
	}
	if (!r->path) {
		*why = "the region's intensity is a constant";
		return NULL;
	}
	fr = &f->regions[r - f->conf->regions];
	switch (fr->state) {
	case SERIES_OK:
		return fr->series;
	case SERIES_STALE:
		*why = "the forecast is stale";
		return NULL;
	case SERIES_ENDED:
		*why = "the forecast has ended";
		return NULL;
	default:
		*why = "the forecast is missing or unreadable";
		return NULL;
	}
}
