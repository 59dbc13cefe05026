/*
 * carbon_feed.h: carbon.conf and its regions' forecast series as a
 * long-running daemon sees them: reloaded when their files change
 * (checked at most once a minute), every problem logged once when it
 * appears and once when it is gone, never per job.
 */
#ifndef ACCOUNTING_CARBON_FEED_H
#define ACCOUNTING_CARBON_FEED_H

#include <stdbool.h>
#include <time.h>

#include "carbon_conf.h"

/* Files are looked at no more often than this, in seconds. */
#define CARBON_FEED_CHECK_S 60

enum carbon_feed_level { CARBON_FEED_INFO, CARBON_FEED_ERROR };

/* Where messages go (the plugin's info() / error()). */
typedef void carbon_feed_log_fn(
	void *arg, enum carbon_feed_level level, const char *msg);

struct carbon_feed;

/*
 * A feed for the carbon.conf at path, read now. log may be NULL. opts may
 * be NULL (series loading is the feed's own business; flags are ignored).
 * Returns NULL only on ENOMEM; a broken carbon.conf gives a feed whose
 * carbon_feed_conf is NULL until the file is fixed.
 */
struct carbon_feed *carbon_feed_create(const char *path,
	const struct carbon_conf_options *opts, carbon_feed_log_fn *log,
	void *arg, time_t now);

void carbon_feed_destroy(struct carbon_feed *f);

/*
 * Look at the files again if CARBON_FEED_CHECK_S passed since the last
 * look (or force): a changed carbon.conf is reloaded (a broken one leaves
 * no configuration: plugins then pass jobs through), a changed series is
 * reloaded, and each series' age is checked against ForecastMaxAge and
 * its last interval's end against now.
 */
void carbon_feed_refresh(struct carbon_feed *f, time_t now, bool force);

/* The configuration in force, or NULL when carbon.conf is broken. */
const struct carbon_conf *carbon_feed_conf(const struct carbon_feed *f);

/* Bumped whenever the configuration is reloaded. */
unsigned carbon_feed_generation(const struct carbon_feed *f);

/*
 * The forecast of region r (of carbon_feed_conf), or NULL when it is a
 * constant, missing, unreadable, older than ForecastMaxAge or ended (at the
 * last look); why (may be NULL) then gets a static reason.
 */
const struct intensity_series *carbon_feed_forecast(
	const struct carbon_feed *f, const struct carbon_region *r,
	const char **why);

#endif
