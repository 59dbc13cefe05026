/*
 * policy.c: queue orders as scores (smaller runs first): FCFS, SPF, SAF,
 * WFP3, UNICEF and the SC17 learned functions F1..F4.
 */
#include <math.h>
#include <stddef.h>
#include <strings.h>

#include "policy.h"

#define POLICY_UNICEF_EPS 1e-6
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

double policy_score(enum policy_kind kind, const struct policy_job *job)
{
	double p = at_least(job->p, 1.0);
	double q = at_least(job->q, 1.0);
	double r = at_least(job->r, 1.0);
	double w = at_least(job->w, 0.0);
	double l;

	switch (kind) {
	case POLICY_FCFS:
		return at_least(job->r, 0.0);
	case POLICY_SPF:
		return p;
	case POLICY_SAF:
		return p * q;
	case POLICY_WFP3:
		return -(pow(w / p, 3.0) * q);
	case POLICY_UNICEF:
		l = q >= 2.0 ? log2(q) : POLICY_UNICEF_SERIAL_LOG2;
		return -((w + POLICY_UNICEF_EPS) / (l * p));
	case POLICY_F1:
		return log10(p) * q + 870.0 * log10(r);
	case POLICY_F2:
		return sqrt(p) * q + 25600.0 * log10(r);
	case POLICY_F3:
		return p * q + 6860000.0 * log10(r);
	case POLICY_F4:
		return p * sqrt(q) + 530000.0 * log10(r);
	case POLICY_COUNT:
		break;
	}
	return at_least(job->r, 0.0);
}

bool policy_is_dynamic(enum policy_kind kind)
{
	return kind == POLICY_WFP3 || kind == POLICY_UNICEF;
}

const char *policy_name(enum policy_kind kind)
{
	if ((unsigned)kind >= POLICY_COUNT)
		return "unknown";
	return policy_names[kind];
}

int policy_parse(const char *name, enum policy_kind *kind)
{
	int i;

	if (!name)
		return -1;
	for (i = 0; i < POLICY_COUNT; i++) {
		if (strcasecmp(name, policy_names[i]) == 0) {
			*kind = (enum policy_kind)i;
			return 0;
		}
	}
	return -1;
}
