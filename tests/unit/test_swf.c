/*
 * test_swf.c: the SWF reader: fields, header, gzip, -1 fields, filtering,
 * fall-backs, capping, malformed lines (file:line errors), lenient counts.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swf.h"

#define SWF_DIR TEST_DATA_DIR "/swf/"

struct job_expect {
	int64_t id, submit, runtime, estimate;
	int32_t procs, user;
};

/*
 * test_swf-fields.swf (MaxProcs 64): job 1 requests 8 procs (allocated 4)
 * and 200 s; job 2 has no request (-1): allocated 16 procs, estimate =
 * runtime; jobs 3 (runtime 0), 4 (no procs) and 7 (runtime -1) are
 * dropped; job 5 asks 100 procs, capped at 64; job 6 requests 50 s < its
 * 80 s runtime, so its estimate falls back to 80.
 */
static const struct job_expect fields_actual[] = {
	{1, 0, 100, 100, 8, 7},
	{2, 10, 50, 50, 16, 3},
	{5, 40, 300, 300, 64, -1},
	{6, 50, 80, 80, 2, 4},
};

static const struct job_expect fields_requested[] = {
	{1, 0, 100, 200, 8, 7},
	{2, 10, 50, 50, 16, 3},
	{5, 40, 300, 600, 64, -1},
	{6, 50, 80, 80, 2, 4},
};

static const struct load_case {
	const char *file;
	enum swf_runtime_mode mode;
	const struct job_expect *jobs;
} load_cases[] = {
	{"test_swf-fields.swf", SWF_RUNTIME_ACTUAL, fields_actual},
	{"test_swf-fields.swf", SWF_RUNTIME_REQUESTED, fields_requested},
	{"test_swf-fields.swf.gz", SWF_RUNTIME_ACTUAL, fields_actual},
	{"test_swf-fields.swf.gz", SWF_RUNTIME_REQUESTED, fields_requested},
};

START_TEST(test_fields)
{
	size_t i, k;

	for (i = 0; i < sizeof(load_cases) / sizeof(load_cases[0]); i++) {
		const struct load_case *c = &load_cases[i];
		struct swf_options opt = {.runtime_mode = c->mode};
		struct workload w;
		struct sc_error err;
		char path[512];

		snprintf(path, sizeof(path), "%s%s", SWF_DIR, c->file);
		ck_assert_msg(
			swf_load(path, &opt, &w, &err) == 0, "%s", err.text);
		ck_assert_int_eq(w.njobs, 4);
		ck_assert_int_eq(w.dropped, 3);
		ck_assert_int_eq(w.capped, 1);
		ck_assert_int_eq(w.malformed, 0);
		ck_assert_int_eq(w.machine_procs, 64);
		ck_assert_int_eq(w.header.max_procs, 64);
		ck_assert_int_eq(w.header.max_nodes, 32);
		ck_assert_int_eq(w.header.unix_start_time, 1000000000);
		ck_assert_str_eq(w.header.time_zone_string, "Europe/Berlin");
		for (k = 0; k < 4; k++) {
			const struct job_expect *e = &c->jobs[k];
			const struct swf_job *j = &w.jobs[k];

			ck_assert_msg(j->id == e->id &&
					      j->submit == e->submit &&
					      j->runtime == e->runtime &&
					      j->estimate == e->estimate &&
					      j->procs == e->procs &&
					      j->user == e->user,
				"%s case %zu job %zu: got id %lld submit %lld "
				"runtime %lld estimate %lld procs %d user %d",
				c->file, i, k, (long long)j->id,
				(long long)j->submit, (long long)j->runtime,
				(long long)j->estimate, j->procs, j->user);
		}
		workload_free(&w);
	}
}
END_TEST

/* Machine size: --procs overrides the header; MaxNodes when no MaxProcs. */
static const struct size_case {
	const char *text;
	int procs_opt;
	int rc;
	int32_t machine;
	int32_t first_procs;
} size_cases[] = {
	{"; MaxNodes: 32\n1 0 0 10 40 -1 -1 -1 -1 -1 1 1 -1 -1 1 -1 -1 -1\n", 0,
		0, 32, 32},
	{"; MaxProcs: 16\n; MaxNodes: 8\n"
	 "1 0 0 10 12 -1 -1 -1 -1 -1 1 1 -1 -1 1 -1 -1 -1\n",
		0, 0, 16, 12},
	{"; MaxProcs: 16\n1 0 0 10 12 -1 -1 -1 -1 -1 1 1 -1 -1 1 -1 -1 -1\n", 4,
		0, 4, 4},
	{"1 0 0 10 12 -1 -1 -1 -1 -1 1 1 -1 -1 1 -1 -1 -1\n", 0, -1, 0, 0},
	{"1 0 0 10 12 -1 -1 -1 -1 -1 1 1 -1 -1 1 -1 -1 -1\n", 20, 0, 20, 12},
	/* CRLF line ends, no final newline, a decimal runtime (rounded) */
	{"; MaxProcs: 8\r\n1 0 0 9.6 2 -1 -1 -1 -1 -1 1 1 -1 -1 1 -1 -1 -1", 0,
		0, 8, 2},
};

/*
 * The reader's own number parser against llround(strtod()), which it
 * replaces for the plain forms: the job number (field 1) of a line holding
 * the token, for hand-picked forms and 20,000 random ones (signs, leading
 * zeros, up to 17 digits, a point anywhere, exponents, junk).
 */
static const char *const number_forms[] = {
	"0", "-0", "+0", "7", "+7", "-7", "007", "9.6", "9.5", "-9.5", "2.5",
	"-0.5", "0.5", "0.49", ".5", "5.", "-.5", "1e3", "1E3", "0x1A", "1.5e2",
	"123456789012345", "1234567890123456", "999999999999999",
	"12345678.9012345", "0.000000000000005", "1.999999999999999",
	"9007199254740992", "9007199254740993", "1e16", "inf", "nan", "-",
	"+", ".", "1.2.3", "1-2", "--1", "1x", "12345678", "123456789",
};

/* The job number read from token; *ok 0 when the line is refused. */
static int64_t read_id(const char *token, int *ok)
{
	char line[160];
	struct swf_options opt = {.procs = 4};
	struct workload w;
	struct sc_error err;
	int64_t id = 0;

	snprintf(line, sizeof(line),
		"%s 0 -1 10 1 -1 -1 1 10 -1 1 1 -1 -1 -1 -1 -1 -1\n", token);
	*ok = swf_parse_buffer("t", line, strlen(line), &opt, &w, &err) == 0;
	if (*ok)
		id = w.jobs[0].id;
	workload_free(&w);
	return id;
}

/* What the reader must make of token: llround(strtod()), or refuse. */
static int64_t expect_id(const char *token, int *ok)
{
	char *end;
	double d = strtod(token, &end);

	*ok = end != token && *end == '\0' && isfinite(d) &&
	      fabs(d) <= 9007199254740992.0;
	return *ok ? (int64_t)llround(d) : 0;
}

START_TEST(test_number_forms)
{
	static const char alphabet[] = "0123456789000.-+e";
	unsigned seed = 12345;
	char token[32];

	for (size_t i = 0; i < 20000 + sizeof(number_forms) /
					     sizeof(*number_forms);
		i++) {
		int ok, want_ok;
		int64_t got, want;

		if (i < sizeof(number_forms) / sizeof(*number_forms)) {
			snprintf(token, sizeof(token), "%s", number_forms[i]);
		} else {
			size_t len = 1 + rand_r(&seed) % 18;

			for (size_t k = 0; k < len; k++)
				token[k] = alphabet[rand_r(&seed) %
						    (sizeof(alphabet) - 1)];
			token[len] = '\0';
		}
		got = read_id(token, &ok);
		want = expect_id(token, &want_ok);
		ck_assert_msg(ok == want_ok && got == want,
			"'%s': read %lld (%s), strtod %lld (%s)", token,
			(long long)got, ok ? "accepted" : "refused",
			(long long)want, want_ok ? "accepted" : "refused");
	}
}
END_TEST

/*
 * The same forms where a field ends otherwise: before a tab (field 1, its
 * value), and as the last field before CR LF or at the very end of a
 * buffer allocated to its size (accepted or refused; ASan catches a read
 * past it).
 */
static int accepts_last(const char *token, const char *eol)
{
	char line[160], *buf;
	struct swf_options opt = {.procs = 4};
	struct workload w;
	struct sc_error err;
	size_t len;
	int ok;

	len = (size_t)snprintf(line, sizeof(line),
		"1 0 -1 10 1 -1 -1 1 10 -1 1 1 -1 -1 -1 -1 -1 %s%s", token,
		eol);
	buf = malloc(len);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, line, len);
	ok = swf_parse_buffer("t", buf, len, &opt, &w, &err) == 0;
	workload_free(&w);
	free(buf);
	return ok;
}

START_TEST(test_number_edges)
{
	static const char *const forms[] = {"0", "7", "-1", "-", "-1x", "-10",
		"-1.5", "5.", "5x", "+7", "-1e0", "12", "1e3"};

	for (size_t i = 0; i < sizeof(forms) / sizeof(*forms); i++) {
		char line[160];
		struct swf_options opt = {.procs = 4};
		struct workload w;
		struct sc_error err;
		int ok, want_ok;
		int64_t want = expect_id(forms[i], &want_ok);

		snprintf(line, sizeof(line),
			"%s\t0 -1 10 1 -1 -1 1 10 -1 1 1 -1 -1 -1 -1 -1 -1\n",
			forms[i]);
		ok = swf_parse_buffer("t", line, strlen(line), &opt, &w,
			     &err) == 0;
		ck_assert_msg(ok == want_ok && (!ok || w.jobs[0].id == want),
			"'%s' before a tab", forms[i]);
		workload_free(&w);
		ck_assert_msg(accepts_last(forms[i], "\r\n") == want_ok,
			"'%s' before CR LF", forms[i]);
		ck_assert_msg(accepts_last(forms[i], "") == want_ok,
			"'%s' at the buffer's end", forms[i]);
	}
}
END_TEST

START_TEST(test_machine_size)
{
	size_t i;

	for (i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]); i++) {
		const struct size_case *c = &size_cases[i];
		struct swf_options opt = {.procs = c->procs_opt};
		struct workload w;
		struct sc_error err;
		int rc = swf_parse_buffer(
			"mem", c->text, strlen(c->text), &opt, &w, &err);

		ck_assert_msg(
			rc == c->rc, "case %zu: rc %d (%s)", i, rc, err.text);
		if (rc == 0) {
			ck_assert_int_eq(w.machine_procs, c->machine);
			ck_assert_int_eq(w.njobs, 1);
			ck_assert_int_eq(w.jobs[0].procs, c->first_procs);
		} else {
			ck_assert_ptr_null(w.jobs);
			ck_assert_int_eq(w.njobs, 0);
			ck_assert_msg(strstr(err.text, "mem: no machine size"),
				"%s", err.text);
		}
		workload_free(&w);
	}
	/* Decimal runtime 9.6 rounds to 10. */
	{
		struct swf_options opt = {0};
		struct workload w;
		struct sc_error err;
		const char *t = size_cases[5].text;

		ck_assert_int_eq(
			swf_parse_buffer("mem", t, strlen(t), &opt, &w, &err),
			0);
		ck_assert_int_eq(w.jobs[0].runtime, 10);
		workload_free(&w);
	}
}
END_TEST

/* Malformed lines: strict mode names file and line; lenient counts. */
static const struct bad_case {
	const char *text;
	long line;
	const char *problem;
} bad_cases[] = {
	{"; MaxProcs: 4\n1 0 0 10 1 -1 -1 -1 -1 -1 1 1 -1 -1 1 -1 -1\n", 2,
		"17 fields, SWF has 18"},
	{"; MaxProcs: 4\n\n1 0 0 10 1 -1 -1 -1 -1 -1 1 1 -1 -1 1 -1 -1 -1 7\n",
		3, "more than 18 fields"},
	{"1 0 0 1x 1 -1 -1 -1 -1 -1 1 1 -1 -1 1 -1 -1 -1\n", 1,
		"field 4 is not a number: '1x'"},
	{"1 0 0 nan 1 -1 -1 -1 -1 -1 1 1 -1 -1 1 -1 -1 -1\n", 1,
		"field 4 is not a number: 'nan'"},
	{"1 0 0 1e300 1 -1 -1 -1 -1 -1 1 1 -1 -1 1 -1 -1 -1\n", 1,
		"field 4 is not a number: '1e300'"},
	{"1 0 0 10 1 -1 -1 -1 -1 -1 1 1 -1 -1 1 -1 -1 x\n", 1,
		"field 18 is not a number: 'x'"},
};

START_TEST(test_malformed_buffers)
{
	size_t i;
	char want[128];

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct swf_options opt = {.procs = 4};
		struct workload w;
		struct sc_error err;

		ck_assert_int_eq(swf_parse_buffer("t.swf", c->text,
					 strlen(c->text), &opt, &w, &err),
			-1);
		snprintf(want, sizeof(want), "t.swf:%ld: %s", c->line,
			c->problem);
		ck_assert_str_eq(err.text, want);
		ck_assert_ptr_null(w.jobs);
		opt.lenient = true;
		ck_assert_int_eq(swf_parse_buffer("t.swf", c->text,
					 strlen(c->text), &opt, &w, &err),
			0);
		ck_assert_int_eq(w.malformed, 1);
		ck_assert_int_eq(w.njobs, 0);
		ck_assert_str_eq(err.text, "");
		workload_free(&w);
	}
}
END_TEST

START_TEST(test_malformed_file)
{
	struct swf_options opt = {0};
	struct workload w;
	struct sc_error err;
	static const int64_t ids[] = {1, 3, 5};
	size_t k;

	ck_assert_int_eq(
		swf_load(SWF_DIR "test_swf-malformed.swf", &opt, &w, &err), -1);
	ck_assert_str_eq(err.text,
		SWF_DIR "test_swf-malformed.swf:3: 17 fields, SWF has 18");
	ck_assert_int_eq(w.njobs, 0);

	opt.lenient = true;
	ck_assert_int_eq(
		swf_load(SWF_DIR "test_swf-malformed.swf", &opt, &w, &err), 0);
	ck_assert_int_eq(w.malformed, 2);
	ck_assert_int_eq(w.njobs, 3);
	for (k = 0; k < 3; k++)
		ck_assert_int_eq(w.jobs[k].id, ids[k]);
	workload_free(&w);
}
END_TEST

START_TEST(test_no_size_file)
{
	struct swf_options opt = {0};
	struct workload w;
	struct sc_error err;

	ck_assert_int_eq(
		swf_load(SWF_DIR "test_swf-nosize.swf", &opt, &w, &err), -1);
	ck_assert_msg(strstr(err.text, "test_swf-nosize.swf: no machine size"),
		"%s", err.text);
	opt.procs = 8;
	ck_assert_int_eq(
		swf_load(SWF_DIR "test_swf-nosize.swf", &opt, &w, &err), 0);
	ck_assert_int_eq(w.machine_procs, 8);
	ck_assert_int_eq(w.njobs, 2);
	workload_free(&w);
}
END_TEST

START_TEST(test_missing_file)
{
	struct swf_options opt = {.procs = 4};
	struct workload w;
	struct sc_error err;

	ck_assert_int_eq(swf_load(SWF_DIR "no-such.swf", &opt, &w, &err), -1);
	ck_assert_str_eq(err.text,
		SWF_DIR "no-such.swf: cannot open: No such file or directory");
	ck_assert_ptr_null(w.jobs);
}
END_TEST

/* A NUL byte or an empty buffer never crashes; NUL is malformed. */
START_TEST(test_odd_bytes)
{
	static const char nul[] =
		"1 0 0 10 1 -1 -1 -1 -1 -1 1 1 -1 -1 1 -1 -1 -1\n"
		"2 0 0 1\0 1 -1 -1 -1 -1 -1 1 1 -1 -1 1 -1 -1 -1\n";
	struct swf_options opt = {.procs = 4, .lenient = true};
	struct workload w;
	struct sc_error err;

	ck_assert_int_eq(
		swf_parse_buffer("nul", nul, sizeof(nul) - 1, &opt, &w, &err),
		0);
	ck_assert_int_eq(w.njobs, 1);
	ck_assert_int_eq(w.malformed, 1);
	workload_free(&w);
	ck_assert_int_eq(swf_parse_buffer("empty", "", 0, &opt, &w, &err), 0);
	ck_assert_int_eq(w.njobs, 0);
	workload_free(&w);
	workload_free(NULL);
}
END_TEST

static Suite *swf_suite(void)
{
	Suite *s = suite_create("swf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_number_forms);
	tcase_add_test(tc, test_number_edges);
	tcase_add_test(tc, test_machine_size);
	tcase_add_test(tc, test_malformed_buffers);
	tcase_add_test(tc, test_malformed_file);
	tcase_add_test(tc, test_no_size_file);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_odd_bytes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(swf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
