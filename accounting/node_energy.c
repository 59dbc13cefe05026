/*
 * node_energy.c: epochs of continuous energy readings, records that know
 * whether their interval is continuous, and the retry backoff.
 */
#include "node_energy.h"

void node_energy_init(struct node_energy *n)
{
	*n = (struct node_energy){.up = false};
}

uint64_t node_energy_split_total(const struct node_energy_split *s)
{
	return s->package_uj + s->dram_uj + s->gpu_uj;
}

void node_energy_begin_split(struct node_energy *n,
	const struct node_energy_split *s, int64_t now_ns)
{
	n->epoch++;
	n->up = true;
	n->failures = 0;
	n->retry_ns = 0;
	n->split = n->prev_split = *s;
	rapl_meter_start(&n->meter, node_energy_split_total(s), now_ns);
}

void node_energy_update_split(struct node_energy *n,
	const struct node_energy_split *s, int64_t now_ns)
{
	/* The meter's rule for starting a new interval (rapl.c). */
	if (now_ns - n->meter.last_ns >= RAPL_METER_MIN_NS)
		n->prev_split = n->split;
	n->split = *s;
	rapl_meter_update(&n->meter, node_energy_split_total(s), now_ns);
}

void node_energy_begin(struct node_energy *n, uint64_t total_uj, int64_t now_ns)
{
	struct node_energy_split s = {.package_uj = total_uj};

	node_energy_begin_split(n, &s, now_ns);
}

void node_energy_update(
	struct node_energy *n, uint64_t total_uj, int64_t now_ns)
{
	struct node_energy_split s = {.package_uj = total_uj};

	node_energy_update_split(n, &s, now_ns);
}

int64_t node_energy_backoff_s(unsigned failures)
{
	int64_t s = NODE_ENERGY_RETRY_FIRST_S;

	/* Doubling stops at the cap, so no shift ever overflows. */
	while (failures > 1 && s < NODE_ENERGY_RETRY_MAX_S) {
		s *= 2;
		failures--;
	}
	return s < NODE_ENERGY_RETRY_MAX_S ? s : NODE_ENERGY_RETRY_MAX_S;
}

int64_t node_energy_fail(struct node_energy *n, int64_t now_ns)
{
	int64_t s;

	if (n->up || n->failures == 0)
		n->down_ns = now_ns;
	n->up = false;
	if (n->failures < UINT32_MAX)
		n->failures++;
	s = node_energy_backoff_s(n->failures);
	n->retry_ns = now_ns + s * RAPL_NS_PER_S;
	return s;
}

bool node_energy_retry_due(const struct node_energy *n, int64_t now_ns)
{
	return !n->up && now_ns >= n->retry_ns;
}

void node_energy_record_start(
	struct node_energy_record *r, const struct node_energy *n)
{
	r->epoch = n->up ? n->epoch : 0;
	r->start_uj = n->meter.last_uj;
	r->start_ns = n->meter.last_ns;
	r->start_split = n->split;
}

static bool continuous(
	const struct node_energy_record *r, const struct node_energy *n)
{
	return n->up && r->epoch != 0 && r->epoch == n->epoch;
}

int node_energy_record_uj(const struct node_energy_record *r,
	const struct node_energy *n, uint64_t *uj)
{
	if (!continuous(r, n))
		return -1;
	*uj = n->meter.last_uj - r->start_uj;
	return 0;
}

int node_energy_record_split(const struct node_energy_record *r,
	const struct node_energy *n, struct node_energy_split *split)
{
	if (!continuous(r, n))
		return -1;
	split->package_uj = n->split.package_uj - r->start_split.package_uj;
	split->dram_uj = n->split.dram_uj - r->start_split.dram_uj;
	split->gpu_uj = n->split.gpu_uj - r->start_split.gpu_uj;
	return 0;
}

/* Watts from microjoules over nanoseconds; 0 when no time passed. */
static double watts(uint64_t uj, int64_t ns)
{
	if (ns <= 0)
		return 0;
	/* uJ / ns = kW: scale by 1000 for watts. */
	return (double)uj * 1000.0 / (double)ns;
}

int node_energy_record_watts(const struct node_energy_record *r,
	const struct node_energy *n, double *w)
{
	if (!continuous(r, n))
		return -1;
	*w = watts(
		n->meter.last_uj - r->start_uj, n->meter.last_ns - r->start_ns);
	return 0;
}

int node_energy_current_watts(const struct node_energy *n, double *w)
{
	if (!n->up || n->meter.last_ns == n->meter.start_ns)
		return -1;
	*w = rapl_meter_current_watts(&n->meter);
	return 0;
}

int node_energy_current_split_watts(const struct node_energy *n,
	double *package_w, double *dram_w, double *gpu_w)
{
	int64_t ns = n->meter.last_ns - n->meter.prev_ns;

	if (!n->up || n->meter.last_ns == n->meter.start_ns)
		return -1;
	*package_w = watts(n->split.package_uj - n->prev_split.package_uj, ns);
	*dram_w = watts(n->split.dram_uj - n->prev_split.dram_uj, ns);
	*gpu_w = watts(n->split.gpu_uj - n->prev_split.gpu_uj, ns);
	return 0;
}

int node_energy_epoch_watts(const struct node_energy *n, double *w)
{
	if (!n->up || n->meter.last_ns == n->meter.start_ns)
		return -1;
	*w = rapl_meter_average_watts(&n->meter);
	return 0;
}
