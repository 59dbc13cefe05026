/*
 * policy.c: queue orders as scores (smaller runs first): FCFS, SPF, SAF,
 * WFP3, UNICEF, the SC17 learned functions F1..F4, and learned policy files.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "learn/formula.h"
#include "policy.h"

#define LEARNED_PREFIX "learned:"

/*
 * Loaded policy files. An entry is written once, before count makes it
 * visible (release), and never changed or freed: a scorer reads it
 * without a lock. Loads take the lock.
 */
struct learned {
	struct formula_policy pol;
	char *path;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	bool dynamic, carbon;
};

static struct {
	pthread_mutex_t lock;
	atomic_size_t count;
	struct learned *entry[POLICY_LEARNED_MAX];
} learned = {.lock = PTHREAD_MUTEX_INITIALIZER};

static const struct learned *learned_get(enum policy_kind kind)
{
	size_t i = (size_t)kind - POLICY_LEARNED;

	if ((unsigned)kind < POLICY_LEARNED ||
		i >= atomic_load_explicit(&learned.count, memory_order_acquire))
		return NULL;
	return learned.entry[i];
}

#define POLICY_UNICEF_SERIAL_LOG2 0.01

static const char *const policy_names[POLICY_COUNT] = {
	[POLICY_FCFS] = "fcfs",
	[POLICY_SPF] = "spf",
	[POLICY_SAF] = "saf",
	[POLICY_WFP3] = "wfp3",
	[POLICY_UNICEF] = "unicef",
	[POLICY_F1] = "f1",
	[POLICY_F2] = "f2",
	[POLICY_F3] = "f3",
	[POLICY_F4] = "f4",
};

static double at_least(double v, double floor)
{
	/* NaN compares false: it becomes the floor too. */
	return v >= floor ? v : floor;
}

static double unicef_scale(double p, double q)
{
	return (q >= 2.0 ? log2(q) : POLICY_UNICEF_SERIAL_LOG2) * p;
}

double policy_score(enum policy_kind kind, const struct policy_job *job)
{
	double p = at_least(job->p, 1.0);
	double q = at_least(job->q, 1.0);
	double r = at_least(job->r, 1.0);
	double w = at_least(job->w, 0.0);

	switch (kind) {
	case POLICY_FCFS:
		return at_least(job->r, 0.0);
	case POLICY_SPF:
		return p;
	case POLICY_SAF:
		return p * q;
	case POLICY_WFP3:
		return policy_wfp3_score(w, p, q);
	case POLICY_UNICEF:
		return policy_unicef_score(w, unicef_scale(p, q));
	case POLICY_F1:
		return log10(p) * q + 870.0 * log10(r);
	case POLICY_F2:
		return sqrt(p) * q + 25600.0 * log10(r);
	case POLICY_F3:
		return p * q + 6860000.0 * log10(r);
	case POLICY_F4:
		return p * sqrt(q) + 530000.0 * log10(r);
	case POLICY_COUNT:
	case POLICY_LEARNED:
		break;
	}
	if ((unsigned)kind >= POLICY_LEARNED) {
		const struct learned *lp = learned_get(kind);
		double x[FORMULA_NVARS] = {p, q, r, w, at_least(job->c, 0.0)};
		double v;

		if (!lp)
			return at_least(job->r, 0.0);
		v = formula_eval(&lp->pol.f, x);
		/* a division by 0 or a NaN runs last, never NaN */
		if (isnan(v) || v > DBL_MAX)
			return DBL_MAX;
		return v < -DBL_MAX ? -DBL_MAX : v;
	}
	return at_least(job->r, 0.0);
}

bool policy_is_linear(enum policy_kind kind)
{
	return kind == POLICY_WFP3 || kind == POLICY_UNICEF;
}

bool policy_linear_form(enum policy_kind kind, const struct policy_job *job,
	struct policy_linear *lin)
{
	double p = at_least(job->p, 1.0);
	double q = at_least(job->q, 1.0);

	if (kind == POLICY_WFP3) {
		/* (w / p)^3 q grows as its cube root, w cbrt(q) / p */
		*lin = (struct policy_linear){.kind = kind,
			.scale = p,
			.weight = q,
			.rate = cbrt(q) / p};
		return true;
	}
	if (kind == POLICY_UNICEF) {
		double scale = unicef_scale(p, q);

		*lin = (struct policy_linear){.kind = kind,
			.scale = scale,
			.rate = 1.0 / scale,
			.offset = POLICY_UNICEF_EPS / scale};
		return true;
	}
	return false;
}

bool policy_is_dynamic(enum policy_kind kind)
{
	const struct learned *l = learned_get(kind);

	if (l)
		return l->dynamic;
	return kind == POLICY_WFP3 || kind == POLICY_UNICEF;
}

bool policy_is_known(enum policy_kind kind)
{
	return (unsigned)kind < POLICY_COUNT || learned_get(kind) != NULL;
}

bool policy_uses_carbon(enum policy_kind kind)
{
	const struct learned *l = learned_get(kind);

	return l && l->carbon;
}

const char *policy_name(enum policy_kind kind)
{
	const struct learned *l = learned_get(kind);

	if (l)
		return l->pol.name;
	if ((unsigned)kind >= POLICY_COUNT)
		return "unknown";
	return policy_names[kind];
}

int policy_learn_cost(
	enum policy_kind kind, double *cpu_s, double *wall_s, double *energy_j)
{
	const struct learned *l = learned_get(kind);

	*cpu_s = l ? l->pol.cpu_s : NAN;
	*wall_s = l ? l->pol.wall_s : NAN;
	*energy_j = l ? l->pol.energy_j : NAN;
	return l ? 0 : -1;
}

static bool same_file(
	const struct learned *l, const char *path, const struct stat *st)
{
	return strcmp(l->path, path) == 0 && l->dev == st->st_dev &&
	       l->ino == st->st_ino && l->size == st->st_size &&
	       l->mtime.tv_sec == st->st_mtim.tv_sec &&
	       l->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* Load path (or find it loaded): its kind, or -1 with err. */
static int load_learned(
	const char *path, enum policy_kind *kind, struct sc_error *err)
{
	struct learned *l = NULL;
	struct stat st;
	size_t n, i;
	int rc = -1;

	if (!*path)
		return sc_errprintf(err, "learned: needs a file name");
	pthread_mutex_lock(&learned.lock);
	if (stat(path, &st) < 0) {
		sc_errprintf(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	n = atomic_load_explicit(&learned.count, memory_order_relaxed);
	for (i = 0; i < n; i++)
		if (same_file(learned.entry[i], path, &st)) {
			*kind = (enum policy_kind)(POLICY_LEARNED + i);
			rc = 0;
			goto out;
		}
	if (n == POLICY_LEARNED_MAX) {
		sc_errprintf(err,
			"%s: more than %d learned policy files "
			"loaded",
			path, POLICY_LEARNED_MAX);
		goto out;
	}
	if (!(l = calloc(1, sizeof(*l))) || !(l->path = strdup(path))) {
		sc_errprintf(err, "out of memory");
		goto out;
	}
	if (formula_policy_load(path, &l->pol, err) < 0)
		goto out;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	l->size = st.st_size;
	l->mtime = st.st_mtim;
	l->carbon = formula_uses(&l->pol.f, FORMULA_C);
	l->dynamic = l->carbon || formula_uses(&l->pol.f, FORMULA_W);
	learned.entry[n] = l;
	l = NULL;
	atomic_store_explicit(&learned.count, n + 1, memory_order_release);
	*kind = (enum policy_kind)(POLICY_LEARNED + n);
	rc = 0;
out:
	pthread_mutex_unlock(&learned.lock);
	if (l)
		free(l->path);
	free(l);
	return rc;
}

int policy_load(const char *name, enum policy_kind *kind, struct sc_error *err)
{
	int i;

	if (!name)
		return sc_errprintf(err, "no policy");
	if (strncasecmp(name, LEARNED_PREFIX, strlen(LEARNED_PREFIX)) == 0)
		return load_learned(name + strlen(LEARNED_PREFIX), kind, err);
	for (i = 0; i < POLICY_COUNT; i++) {
		if (strcasecmp(name, policy_names[i]) == 0) {
			*kind = (enum policy_kind)i;
			return 0;
		}
	}
	return sc_errprintf(err,
		"unknown policy '%s' (fcfs, spf, saf, wfp3, "
		"unicef, f1, f2, f3, f4, learned:FILE)",
		name);
}

int policy_parse(const char *name, enum policy_kind *kind)
{
	return policy_load(name, kind, NULL);
}
