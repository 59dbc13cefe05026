/*
 * slurmdb_jobs.c: jobs and steps read from slurmdbd with libslurm's slurmdb
 * calls (not sacct's text), turned into plain job_record values.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>
#include <slurm/slurmdb.h>

#include "slurmdb_jobs.h"

/*
 * Slurm 23.02 named its list types list_t and list_itr_t, and 24.05 dropped
 * the old names List and ListIterator, and slurm_get_errno (22.05's returned
 * errno, which libslurm sets). The new names and errno serve both.
 */
#if SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(23, 2, 0)
typedef struct xlist list_t;
typedef struct listIterator list_itr_t;
#endif

/* TRES ids fixed by Slurm (src/common/slurmdb_defs.h TRES_*). */
#define TRES_ID_CPU 1
#define TRES_ID_MEM 2
#define TRES_ID_ENERGY 3


struct slurmdb_source {
	void *db;
	char *cluster;	    /* this cluster's name */
	char *slurm_user;   /* SlurmUser */
	bool contain;	    /* PrologFlags=Contain */
	uint32_t gpu_tres;  /* id of gres/gpu, 0 if none */
	node_info_msg_t *nodes; /* loaded on first use */
	bool nodes_tried;
};

/* ---- connection ---- */

/*
 * A key's value in slurm.conf, when slurmctld cannot be asked (it may be
 * the caller: EpilogSlurmctld). The last setting wins, as in Slurm.
 */
static char *slurm_conf_value(const char *key)
{
	const char *path = getenv("SLURM_CONF");
	char line[1024], *value = NULL;
	size_t klen = strlen(key);
	FILE *f = fopen(path ? path : "/etc/slurm/slurm.conf", "r");

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		char *s = line + strspn(line, " \t");

		if (!strncasecmp(s, key, klen) && s[klen] == '=') {
			s += klen + 1;
			s[strcspn(s, " \t\r\n#")] = '\0';
			free(value);
			value = strdup(s);
		}
	}
	fclose(f);
	return value;
}

static void load_ctl_conf(struct slurmdb_source *src)
{
	slurm_conf_t *conf = NULL;
	char *flags;

	if (slurm_load_ctl_conf((time_t)0, &conf) == SLURM_SUCCESS && conf) {
		if (conf->cluster_name)
			src->cluster = strdup(conf->cluster_name);
		if (conf->slurm_user_name)
			src->slurm_user = strdup(conf->slurm_user_name);
		src->contain = conf->prolog_flags & PROLOG_FLAG_CONTAIN;
		slurm_free_ctl_conf(conf);
		return;
	}
	src->cluster = slurm_conf_value("ClusterName");
	src->slurm_user = slurm_conf_value("SlurmUser");
	if ((flags = slurm_conf_value("PrologFlags"))) {
		src->contain = strcasestr(flags, "contain") != NULL;
		free(flags);
	}
}

static void find_gpu_tres(struct slurmdb_source *src)
{
	slurmdb_tres_cond_t cond;
	slurmdb_tres_rec_t *t;
	list_t *list;
	list_itr_t *it;

	slurmdb_init_tres_cond(&cond, 0);
	list = slurmdb_tres_get(src->db, &cond);
	if (!list)
		return;
	it = slurm_list_iterator_create(list);
	while ((t = slurm_list_next(it)))
		if (t->type && t->name && !strcmp(t->type, "gres") &&
			!strcmp(t->name, "gpu"))
			src->gpu_tres = t->id;
	slurm_list_iterator_destroy(it);
	slurm_list_destroy(list);
}

struct slurmdb_source *slurmdb_source_open(struct sc_error *err)
{
	struct slurmdb_source *src = calloc(1, sizeof(*src));
	uint16_t flags = 0;

	if (!src) {
		sc_errprintf(err, "out of memory");
		return NULL;
	}
	slurm_init(NULL);
	src->db = slurmdb_connection_get(&flags);
	if (!src->db) {
		sc_errprintf(err, "cannot connect to slurmdbd: %s",
			slurm_strerror(errno));
		free(src);
		return NULL;
	}
	load_ctl_conf(src);
	find_gpu_tres(src);
	return src;
}

void slurmdb_source_close(struct slurmdb_source *src)
{
	if (!src)
		return;
	if (src->db)
		slurmdb_connection_close(&src->db);
	if (src->nodes)
		slurm_free_node_info_msg(src->nodes);
	free(src->cluster);
	free(src->slurm_user);
	free(src);
}

/* ---- the query ---- */

static list_t *string_list(char **items)
{
	list_t *l = slurm_list_create(free);
	char **s;

	for (s = items; s && *s; s++)
		slurm_list_append(l, strdup(*s));
	return l;
}

/* "123", "123_4", "123+1", optionally ".batch"/".N": one selection. */
static int add_step_selection(list_t *l, const char *arg, struct sc_error *err)
{
	slurm_selected_step_t *sel = calloc(1, sizeof(*sel));
	char *end;
	unsigned long id;

	if (!sel)
		return sc_errprintf(err, "out of memory");
	sel->step_id.step_het_comp = NO_VAL;
	sel->step_id.step_id = NO_VAL;
	sel->array_task_id = NO_VAL;
	sel->het_job_offset = NO_VAL;
	errno = 0;
	id = strtoul(arg, &end, 10);
	if (errno || end == arg || id == 0 || id >= NO_VAL)
		goto bad;
	sel->step_id.job_id = (uint32_t)id;
	if (*end == '_' || *end == '+') {
		char sep = *end, *e2;
		unsigned long v = strtoul(end + 1, &e2, 10);

		if (e2 == end + 1 || *e2)
			goto bad;
		if (sep == '_')
			sel->array_task_id = (uint32_t)v;
		else
			sel->het_job_offset = (uint32_t)v;
	} else if (*end) {
		goto bad;
	}
	slurm_list_append(l, sel);
	return 0;
bad:
	free(sel);
	return sc_errprintf(err, "-j '%s': expected a job id (123, 123_4 or "
				 "123+1)",
		arg);
}

/* User names or uids into a list of uid strings. */
static int add_users(list_t *l, char **users, struct sc_error *err)
{
	char **u, buf[32];

	for (u = users; u && *u; u++) {
		struct passwd *pw = getpwnam(*u);
		char *end;

		if (pw) {
			snprintf(buf, sizeof(buf), "%u", (unsigned)pw->pw_uid);
		} else {
			unsigned long uid;

			errno = 0;
			uid = strtoul(*u, &end, 10);
			if (errno || *end || end == *u)
				return sc_errprintf(err, "-u '%s': no such user",
					*u);
			snprintf(buf, sizeof(buf), "%lu", uid);
		}
		slurm_list_append(l, strdup(buf));
	}
	return 0;
}

static const struct {
	const char *name, *abbrev;
	uint32_t state;
} job_states[] = {
	{"PENDING", "PD", JOB_PENDING},
	{"RUNNING", "R", JOB_RUNNING},
	{"SUSPENDED", "S", JOB_SUSPENDED},
	{"COMPLETED", "CD", JOB_COMPLETE},
	{"CANCELLED", "CA", JOB_CANCELLED},
	{"FAILED", "F", JOB_FAILED},
	{"TIMEOUT", "TO", JOB_TIMEOUT},
	{"NODE_FAIL", "NF", JOB_NODE_FAIL},
	{"PREEMPTED", "PR", JOB_PREEMPTED},
	{"BOOT_FAIL", "BF", JOB_BOOT_FAIL},
	{"DEADLINE", "DL", JOB_DEADLINE},
	{"OUT_OF_MEMORY", "OOM", JOB_OOM},
};

#define NSTATES (sizeof(job_states) / sizeof(job_states[0]))

static const char *state_name(uint32_t state)
{
	size_t i;

	for (i = 0; i < NSTATES; i++)
		if (job_states[i].state == (state & JOB_STATE_BASE))
			return job_states[i].name;
	return "UNKNOWN";
}

static int add_states(list_t *l, char **states, struct sc_error *err)
{
	char **s, buf[16];
	size_t i;

	for (s = states; s && *s; s++) {
		for (i = 0; i < NSTATES; i++)
			if (!strcasecmp(*s, job_states[i].name) ||
				!strcasecmp(*s, job_states[i].abbrev))
				break;
		if (i == NSTATES)
			return sc_errprintf(err, "-s '%s': not a job state "
						 "(CD, F, CA, TO, R, PD, ...)",
				*s);
		snprintf(buf, sizeof(buf), "%u", (unsigned)job_states[i].state);
		slurm_list_append(l, strdup(buf));
	}
	return 0;
}

static void drop_list(list_t *l)
{
	if (l)
		slurm_list_destroy(l);
}

/* The lists build_cond made (the others stay NULL). */
static void free_cond(slurmdb_job_cond_t *c)
{
	drop_list(c->acct_list);
	drop_list(c->cluster_list);
	drop_list(c->partition_list);
	drop_list(c->state_list);
	drop_list(c->step_list);
	drop_list(c->userid_list);
	memset(c, 0, sizeof(*c));
}

static int build_cond(struct slurmdb_source *src, const struct scarbon_opts *o,
	time_t start, time_t end, slurmdb_job_cond_t *c, struct sc_error *err)
{
	memset(c, 0, sizeof(*c));
	c->db_flags = SLURMDB_JOB_FLAG_NOTSET;
	c->usage_start = start;
	c->usage_end = end;
	if (!o->all_clusters) {
		if (o->clusters)
			c->cluster_list = string_list(o->clusters);
		else if (src->cluster) {
			char *one[] = {src->cluster, NULL};

			c->cluster_list = string_list(one);
		}
	}
	if (o->accounts)
		c->acct_list = string_list(o->accounts);
	if (o->partitions)
		c->partition_list = string_list(o->partitions);
	if (o->jobs) {
		char **j;

		c->step_list = slurm_list_create(free);
		for (j = o->jobs; *j; j++)
			if (add_step_selection(c->step_list, *j, err) < 0)
				return -1;
	}
	if (o->states) {
		c->state_list = slurm_list_create(free);
		if (add_states(c->state_list, o->states, err) < 0)
			return -1;
	}
	if (o->users) {
		c->userid_list = slurm_list_create(free);
		if (add_users(c->userid_list, o->users, err) < 0)
			return -1;
	} else if (!o->all_users && o->cmd != SCARBON_STAMP && getuid() != 0) {
		/* only one's own jobs; stamp looks at every user's */
		char buf[32];

		snprintf(buf, sizeof(buf), "%u", (unsigned)getuid());
		c->userid_list = slurm_list_create(free);
		slurm_list_append(c->userid_list, strdup(buf));
	}
	return 0;
}

/* ---- records ---- */

/* The value of TRES id in "1=2,3=4500,...", or -1 when absent. */
static int tres_value(const char *s, uint32_t id, uint64_t *v)
{
	while (s && *s) {
		char *end;
		unsigned long long k = strtoull(s, &end, 10);

		if (*end != '=')
			return -1;
		if (k == id) {
			*v = strtoull(end + 1, &end, 10);
			return 0;
		}
		s = strchr(end, ',');
		if (s)
			s++;
	}
	return -1;
}

static double tres_or(const char *s, uint32_t id, double dflt)
{
	uint64_t v;

	if (!id || tres_value(s, id, &v) < 0 || v == NO_VAL64 ||
		v == INFINITE64)
		return dflt;
	return (double)v;
}

static void step_name(const slurmdb_step_rec_t *st, char *buf, size_t size,
	enum job_step_kind *kind)
{
	uint32_t id = st->step_id.step_id;

	*kind = JOB_STEP_NORMAL;
	if (id == SLURM_BATCH_SCRIPT) {
		*kind = JOB_STEP_BATCH;
		snprintf(buf, size, "batch");
	} else if (id == SLURM_EXTERN_CONT) {
		*kind = JOB_STEP_EXTERN;
		snprintf(buf, size, "extern");
	} else if (id == SLURM_INTERACTIVE_STEP) {
		*kind = JOB_STEP_INTERACTIVE;
		snprintf(buf, size, "interactive");
	} else {
		snprintf(buf, size, "%u", (unsigned)id);
	}
	if (st->step_id.step_het_comp != NO_VAL) {
		size_t n = strlen(buf);

		snprintf(buf + n, size - n, "+%u",
			(unsigned)st->step_id.step_het_comp);
	}
}

/* The energy Slurm kept for one node of a step (TRESUsageIn max/min). */
static void node_extreme(const char *usage, const char *nodeid, long *node,
	double *joules)
{
	uint64_t v, idx;

	*node = -1;
	*joules = NAN;
	if (tres_value(usage, TRES_ID_ENERGY, &v) < 0 ||
		tres_value(nodeid, TRES_ID_ENERGY, &idx) < 0 ||
		v == NO_VAL64 || v == INFINITE64)
		return;
	*node = (long)idx;
	*joules = (double)v;
}

static int fill_step(struct job_set *set, const slurmdb_step_rec_t *st,
	struct job_step_record *s, struct sc_error *err)
{
	uint64_t e = st->stats.consumed_energy;

	step_name(st, s->name, sizeof(s->name), &s->kind);
	s->start = st->start;
	s->end = st->end;
	s->nodes = NULL;
	if (st->nodes && strcmp(st->nodes, "None assigned")) {
		s->nodes_expr = job_set_strdup(set, st->nodes);
		if (!(s->nodes = job_set_nodelist(set, st->nodes, err)))
			return -1;
	}
	/*
	 * Slurm records 0 J for every step when no energy plugin gathers
	 * energy (acct_gather_energy/none), and a real node never draws
	 * exactly 0 J: 0 is "not measured".
	 */
	s->energy_j = (double)e;
	if (e == NO_VAL64 || e == INFINITE64 || e == 0)
		s->energy_j = NAN;
	node_extreme(st->stats.tres_usage_in_max,
		st->stats.tres_usage_in_max_nodeid, &s->max_node,
		&s->max_node_j);
	node_extreme(st->stats.tres_usage_in_min,
		st->stats.tres_usage_in_min_nodeid, &s->min_node,
		&s->min_node_j);
	if (s->nodes && ((s->max_node >= 0 &&
			 (size_t)s->max_node >= nodelist_count(s->nodes)) ||
			(s->min_node >= 0 &&
				(size_t)s->min_node >= nodelist_count(s->nodes))))
		s->max_node = s->min_node = -1;
	return 0;
}

static void job_id(const slurmdb_job_rec_t *j, char *buf, size_t size)
{
	if (j->array_task_id != NO_VAL && j->array_job_id)
		snprintf(buf, size, "%u_%u", (unsigned)j->array_job_id,
			(unsigned)j->array_task_id);
	else if (j->het_job_id && j->het_job_offset != NO_VAL)
		snprintf(buf, size, "%u+%u", (unsigned)j->het_job_id,
			(unsigned)j->het_job_offset);
	else
		snprintf(buf, size, "%u", (unsigned)j->jobid);
}

static bool final_state(uint32_t state)
{
	uint32_t base = state & JOB_STATE_BASE;

	return base != JOB_PENDING && base != JOB_RUNNING &&
	       base != JOB_SUSPENDED && !(state & JOB_REQUEUE);
}

static const char *user_name(struct job_set *set, const slurmdb_job_rec_t *j)
{
	struct passwd *pw;
	char buf[32];

	if (j->user && *j->user)
		return job_set_strdup(set, j->user);
	if ((pw = getpwuid(j->uid)))
		return job_set_strdup(set, pw->pw_name);
	snprintf(buf, sizeof(buf), "%u", (unsigned)j->uid);
	return job_set_strdup(set, buf);
}

static int fill_job(struct slurmdb_source *src, struct job_set *set,
	const slurmdb_job_rec_t *j, struct sc_error *err)
{
	struct job_record *r = job_set_add(set);
	slurmdb_step_rec_t *st;
	list_itr_t *it;
	size_t n = 0;

	if (!r)
		return sc_errprintf(err, "out of memory");
	job_id(j, r->id, sizeof(r->id));
	r->jobid = j->jobid;
	r->user = user_name(set, j);
	r->account = job_set_strdup(set, j->account);
	r->partition = job_set_strdup(set, j->partition);
	r->state = state_name(j->state);
	r->admin_comment = job_set_strdup(set, j->admin_comment);
	r->submit = j->submit;
	r->start = j->start;
	r->end = j->end;
	r->finished = final_state(j->state);
	if (j->nodes && strcmp(j->nodes, "None assigned")) {
		r->nodes_expr = job_set_strdup(set, j->nodes);
		if (!(r->nodes = job_set_nodelist(set, j->nodes, err)))
			return -1;
	}
	r->alloc_cpus = tres_or(j->tres_alloc_str, TRES_ID_CPU, 0);
	r->alloc_mem_gb = tres_or(j->tres_alloc_str, TRES_ID_MEM, 0) / 1024.0;
	r->alloc_gpus = tres_or(j->tres_alloc_str, src->gpu_tres, 0);
	r->nsteps = j->steps ? (size_t)slurm_list_count(j->steps) : 0;
	if (!r->nsteps)
		return 0;
	if (!(r->steps = job_set_steps(set, r->nsteps)))
		return sc_errprintf(err, "out of memory");
	/*
	 * slurmdbd leaves the job's own CPU times at 0; sacct sums the
	 * steps' (src/sacct/options.c): so do we, for TotalCPU.
	 */
	it = slurm_list_iterator_create(j->steps);
	while ((st = slurm_list_next(it)) && n < r->nsteps) {
		r->cpu_time_s += (double)st->tot_cpu_sec +
				 (double)st->tot_cpu_usec / 1e6;
		if (fill_step(set, st, &r->steps[n++], err) < 0)
			break;
	}
	slurm_list_iterator_destroy(it);
	return sc_error_is_set(err) ? -1 : 0;
}

int slurmdb_source_jobs(struct slurmdb_source *src,
	const struct scarbon_opts *o, time_t start, time_t end,
	struct job_set *set, struct sc_error *err)
{
	slurmdb_job_cond_t cond;
	slurmdb_job_rec_t *j;
	list_itr_t *it;
	list_t *jobs;
	int rc = 0;

	if (build_cond(src, o, start, end, &cond, err) < 0) {
		free_cond(&cond);
		return -1;
	}
	errno = 0;
	jobs = slurmdb_jobs_get(src->db, &cond);
	free_cond(&cond);
	if (!jobs)
		return sc_errprintf(err, "slurmdbd did not return the jobs: %s",
			slurm_strerror(errno));
	it = slurm_list_iterator_create(jobs);
	while (!rc && (j = slurm_list_next(it)))
		rc = fill_job(src, set, j, err);
	slurm_list_iterator_destroy(it);
	slurm_list_destroy(jobs);
	return rc;
}

/* ---- node sizes ---- */

/* GPUs in a gres string such as "gpu:4,gpu:a100:2(S:0)". */
static double gres_gpus(const char *gres)
{
	double n = 0;
	const char *s = gres;

	while (s && (s = strstr(s, "gpu"))) {
		const char *colon = strrchr(s, ':'), *next = strchr(s, ',');

		if (colon && (!next || colon < next))
			n += strtod(colon + 1, NULL);
		s = next;
	}
	return n;
}

int slurmdb_source_node_size(void *arg, const char *node, struct node_size *out)
{
	struct slurmdb_source *src = arg;
	uint32_t i;

	if (!src->nodes_tried) {
		src->nodes_tried = true;
		if (slurm_load_node((time_t)0, &src->nodes, SHOW_ALL) !=
			SLURM_SUCCESS)
			src->nodes = NULL;
	}
	if (!src->nodes)
		return -1;
	for (i = 0; i < src->nodes->record_count; i++) {
		const node_info_t *n = &src->nodes->node_array[i];

		if (n->name && !strcmp(n->name, node)) {
			out->cpus = n->cpus;
			out->memory_gb = (double)n->real_memory / 1024.0;
			out->gpus = gres_gpus(n->gres);
			return 0;
		}
	}
	return -1;
}

/* ---- stamping ---- */

bool slurmdb_source_contain(const struct slurmdb_source *src)
{
	return src->contain;
}

int slurmdb_source_may_stamp(struct slurmdb_source *src, char *who,
	size_t who_size, char *why, size_t why_size, struct sc_error *err)
{
	struct passwd *pw = getpwuid(getuid());
	slurmdb_user_cond_t ucond;
	slurmdb_assoc_cond_t acond;
	slurmdb_user_rec_t *u;
	uint16_t level = SLURMDB_ADMIN_NOTSET;
	list_t *users;

	snprintf(who, who_size, "%s", pw ? pw->pw_name : "?");
	if (getuid() == 0 ||
		(src->slurm_user && pw && !strcmp(pw->pw_name, src->slurm_user)))
		return 1;
	if (!pw)
		return sc_errprintf(err, "uid %u has no user name",
			(unsigned)getuid());
	memset(&ucond, 0, sizeof(ucond));
	memset(&acond, 0, sizeof(acond));
	acond.user_list = slurm_list_create(free);
	slurm_list_append(acond.user_list, strdup(pw->pw_name));
	ucond.assoc_cond = &acond;
	users = slurmdb_users_get(src->db, &ucond);
	slurm_list_destroy(acond.user_list);
	if (users) {
		list_itr_t *it = slurm_list_iterator_create(users);

		if ((u = slurm_list_next(it)))
			level = u->admin_level;
		slurm_list_iterator_destroy(it);
		slurm_list_destroy(users);
	}
	if (level >= SLURMDB_ADMIN_OPERATOR)
		return 1;
	snprintf(why, why_size,
		"user %s is not a Slurm administrator (AdminLevel %s); only "
		"root, the SlurmUser or users with AdminLevel Operator or "
		"Administrator may store carbon in slurmdbd "
		"(sacctmgr modify user %s set adminlevel=Operator)",
		pw->pw_name,
		level == SLURMDB_ADMIN_NONE || level == SLURMDB_ADMIN_NOTSET
			? "None"
			: "?",
		pw->pw_name);
	return 0;
}

int slurmdb_source_set_admin_comment(struct slurmdb_source *src,
	const struct job_record *job, const char *comment,
	struct sc_error *err)
{
	slurmdb_job_cond_t cond;
	slurmdb_job_rec_t rec;
	list_t *done;
	int rc = 0;

	memset(&cond, 0, sizeof(cond));
	memset(&rec, 0, sizeof(rec));
	cond.db_flags = SLURMDB_JOB_FLAG_NOTSET;
	cond.flags = JOBCOND_FLAG_NO_DEFAULT_USAGE;
	if (src->cluster) {
		char *one[] = {src->cluster, NULL};

		cond.cluster_list = string_list(one);
	}
	cond.step_list = slurm_list_create(free);
	if (add_step_selection(cond.step_list, job->id, err) < 0) {
		free_cond(&cond);
		return -1;
	}
	rec.derived_ec = NO_VAL;
	rec.admin_comment = (char *)comment;
	errno = 0;
	done = slurmdb_job_modify(src->db, &cond, &rec);
	free_cond(&cond);
	if (!done || !slurm_list_count(done)) {
		int e = errno;

		rc = sc_errprintf(err, "job %s: slurmdbd refused the change: %s",
			job->id,
			e == ESLURM_ACCESS_DENIED
				? "access denied (not a Slurm administrator)"
				: slurm_strerror(e));
	} else if (slurmdb_connection_commit(src->db, 1) != SLURM_SUCCESS) {
		rc = sc_errprintf(err, "job %s: slurmdbd did not commit the "
				       "change",
			job->id);
	}
	if (done)
		slurm_list_destroy(done);
	return rc;
}
