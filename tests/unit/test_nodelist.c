/*
 * test_nodelist.c: Slurm hostlist expressions: expansion, zero padding,
 * duplicates, lookups, and every malformed form refused with EINVAL.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodelist.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* An expression and its names, in order (at most 12 listed). */
static const struct expand_case {
	const char *expr;
	size_t count;
	const char *names[12];
} expand_cases[] = {
	{"cn1", 1, {"cn1"}},
	{"cn[1-3]", 3, {"cn1", "cn2", "cn3"}},
	{"gpu[01-10]", 10,
		{"gpu01", "gpu02", "gpu03", "gpu04", "gpu05", "gpu06", "gpu07",
			"gpu08", "gpu09", "gpu10"}},
	/* Bracket groups multiply, the first one outermost. */
	{"a[1-2]b[3-4]", 4, {"a1b3", "a1b4", "a2b3", "a2b4"}},
	{"rack[1-2]-n[1-2]", 4,
		{"rack1-n1", "rack1-n2", "rack2-n1", "rack2-n2"}},
	/* Duplicates removed, the first occurrence keeps its place. */
	{"n1,n[3-4],n1", 3, {"n1", "n3", "n4"}},
	{"n[2,1,2]", 2, {"n2", "n1"}},
	/* The first number's width: 08 is two digits wide, up to 11. */
	{"x[08-11]", 4, {"x08", "x09", "x10", "x11"}},
	{"n[000-001]", 2, {"n000", "n001"}},
	/* No leading zero, no padding: 9 then 10. A single 0 is width 1. */
	{"n[9-11]", 3, {"n9", "n10", "n11"}},
	{"n[0-2]", 3, {"n0", "n1", "n2"}},
	/* Each entry of a bracket has its own width. */
	{"gpu[01-02,7],login1", 4, {"gpu01", "gpu02", "gpu7", "login1"}},
	{"cn[1-2,5]", 3, {"cn1", "cn2", "cn5"}},
	{"n[1-1]", 1, {"n1"}},
	/* A bracket alone, and a bracket in the middle of a name. */
	{"[1-2]", 2, {"1", "2"}},
	{"r[1-2]x", 2, {"r1x", "r2x"}},
	{"a-b_c.d", 1, {"a-b_c.d"}},
	/* Nine digits is the most a number may have. */
	{"n[999999999]", 1, {"n999999999"}},
};

START_TEST(test_expand)
{
	size_t i, j;

	for (i = 0; i < NELEM(expand_cases); i++) {
		const struct expand_case *c = &expand_cases[i];
		struct sc_error err = {{0}};
		struct nodelist *nl = nodelist_parse(c->expr, &err);

		ck_assert_msg(nl != NULL, "%s: %s", c->expr, err.text);
		ck_assert_msg(!sc_error_is_set(&err), "%s", c->expr);
		ck_assert_msg(nodelist_count(nl) == c->count,
			"%s: %zu names, expected %zu", c->expr,
			nodelist_count(nl), c->count);
		for (j = 0; j < c->count && j < NELEM(c->names); j++) {
			ck_assert_str_eq(nodelist_name(nl, j), c->names[j]);
			/* nodelist_index gives back the index of every name */
			ck_assert_int_eq(
				nodelist_index(nl, c->names[j]), (long)j);
		}
		nodelist_destroy(nl);
	}
}
END_TEST

/* Names that are not in a list, beside names that are. */
static const struct lookup_case {
	const char *name;
	long index;
} lookup_cases[] = {
	{"cn1", 0},
	{"cn3", 2},
	{"gpu01", 3},
	{"cn4", -1},
	{"cn", -1},
	{"", -1},
	{"cn01", -1}, /* no padding in cn[1-3] */
	{"gpu1", -1}, /* padding in gpu[01-02] */
	{"CN1", -1},  /* case-sensitive, as Slurm */
	{"cn1 ", -1},
};

START_TEST(test_find)
{
	struct sc_error err = {{0}};
	struct nodelist *nl = nodelist_parse("cn[1-3],gpu[01-02]", &err);
	size_t i;

	ck_assert_ptr_nonnull(nl);
	for (i = 0; i < NELEM(lookup_cases); i++) {
		const struct lookup_case *c = &lookup_cases[i];
		long got = nodelist_index(nl, c->name);

		ck_assert_msg(got == c->index, "'%s': %ld", c->name, got);
	}
	nodelist_destroy(nl);
}
END_TEST

/* A large list: the hash index grows and keeps every name findable. */
START_TEST(test_find_large)
{
	struct sc_error err = {{0}};
	struct nodelist *nl = nodelist_parse("n[1-5000],m[0001-0100]", &err);
	char name[16];
	size_t i;

	ck_assert_ptr_nonnull(nl);
	ck_assert_uint_eq(nodelist_count(nl), 5100);
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "n%zu", i + 1);
		ck_assert_str_eq(nodelist_name(nl, i), name);
		ck_assert_int_eq(nodelist_index(nl, name), (long)i);
	}
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "m%04zu", i + 1);
		ck_assert_int_eq(nodelist_index(nl, name), (long)(5000 + i));
	}
	ck_assert_int_eq(nodelist_index(nl, "n5001"), -1);
	ck_assert_int_eq(nodelist_index(nl, "m101"), -1);
	nodelist_destroy(nl);
}
END_TEST

/* Every malformed form: NULL, errno EINVAL and this exact message. */
static const struct error_case {
	const char *expr;
	const char *error;
} error_cases[] = {
	{"", "nodelist '': empty"},
	{"[", "nodelist '[': '[' without ']'"},
	{"]", "nodelist ']': ']' without '['"},
	{"cn]1", "nodelist 'cn]1': ']' without '['"},
	{"cn[1-", "nodelist 'cn[1-': '[' without ']'"},
	{"cn[1-2", "nodelist 'cn[1-2': '[' without ']'"},
	{"cn[1-2]]", "nodelist 'cn[1-2]]': ']' without '['"},
	{"cn[3-1]", "nodelist 'cn[3-1]': bad range in brackets"},
	{"cn[1-]", "nodelist 'cn[1-]': bad range in brackets"},
	{"cn[1-a]", "nodelist 'cn[1-a]': bad range in brackets"},
	{"cn[a]", "nodelist 'cn[a]': a bracket must hold numbers and "
		  "ranges such as [1-4,7]"},
	{"cn[-1]", "nodelist 'cn[-1]': a bracket must hold numbers and "
		   "ranges such as [1-4,7]"},
	{"cn[,1]", "nodelist 'cn[,1]': a bracket must hold numbers and "
		   "ranges such as [1-4,7]"},
	/* Ten digits: more than a node number can be. */
	{"cn[1234567890]", "nodelist 'cn[1234567890]': a bracket must hold "
			   "numbers and ranges such as [1-4,7]"},
	{"cn[1,]", "nodelist 'cn[1,]': empty entry in brackets"},
	{"cn[1-2x]", "nodelist 'cn[1-2x]': bad character in brackets"},
	{"cn[1[2]]", "nodelist 'cn[1[2]]': bad character in brackets"},
	{"cn[1-2-3]", "nodelist 'cn[1-2-3]': bad character in brackets"},
	{"cn[]", "nodelist 'cn[]': empty brackets"},
	{"cn[]x", "nodelist 'cn[]x': empty brackets"},
	{"cn[1, 2]", "nodelist 'cn[1, 2]': blanks, '=' and '#' are not "
		     "allowed"},
	{" cn1", "nodelist ' cn1': blanks, '=' and '#' are not allowed"},
	{"cn1 ", "nodelist 'cn1 ': blanks, '=' and '#' are not allowed"},
	{"cn1,\tcn2", "nodelist 'cn1,\tcn2': blanks, '=' and '#' are not "
		      "allowed"},
	{"cn1\n", "nodelist 'cn1\n': blanks, '=' and '#' are not allowed"},
	{"cn=1", "nodelist 'cn=1': blanks, '=' and '#' are not allowed"},
	{"cn#1", "nodelist 'cn#1': blanks, '=' and '#' are not allowed"},
	{"cn1,,cn2", "nodelist 'cn1,,cn2': empty entry"},
	{",cn1", "nodelist ',cn1': empty entry"},
	{"cn1,", "nodelist 'cn1,': empty entry"},
	{",", "nodelist ',': empty entry"},
	/* 2^18 + 1 numbers in one range: refused before expanding. */
	{"n[0-262144]", "nodelist 'n[0-262144]': expands to too many names"},
	/* 512 x 513 > 2^18 names: refused when the limit is reached. */
	{"a[1-512]b[1-513]", "nodelist 'a[1-512]b[1-513]': expands to "
			     "too many names"},
};

START_TEST(test_errors)
{
	size_t i;

	for (i = 0; i < NELEM(error_cases); i++) {
		const struct error_case *c = &error_cases[i];
		struct sc_error err = {{0}};

		errno = 0;
		ck_assert_msg(
			nodelist_parse(c->expr, &err) == NULL, "'%s'", c->expr);
		ck_assert_msg(
			errno == EINVAL, "'%s': errno %d", c->expr, errno);
		ck_assert_str_eq(err.text, c->error);
		/* err may be NULL: the same refusal, no message */
		errno = 0;
		ck_assert_ptr_null(nodelist_parse(c->expr, NULL));
		ck_assert_int_eq(errno, EINVAL);
	}
}
END_TEST

/* NULL is the empty expression. */
START_TEST(test_null)
{
	struct sc_error err = {{0}};

	errno = 0;
	ck_assert_ptr_null(nodelist_parse(NULL, &err));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(err.text, "nodelist '': empty");
	nodelist_destroy(NULL);
}
END_TEST

/* Names of 255 bytes are the longest: at 256 the list is refused. */
START_TEST(test_name_length)
{
	char expr[NODELIST_NAME_MAX + 16], want[600];
	struct sc_error err = {{0}};
	struct nodelist *nl;

	memset(expr, 'a', NODELIST_NAME_MAX);
	expr[NODELIST_NAME_MAX] = '\0';
	nl = nodelist_parse(expr, &err);
	ck_assert_ptr_nonnull(nl);
	ck_assert_uint_eq(strlen(nodelist_name(nl, 0)), NODELIST_NAME_MAX);
	nodelist_destroy(nl);

	/* 254 letters and a two-digit number: 256 bytes */
	memset(expr, 'a', NODELIST_NAME_MAX - 1);
	strcpy(expr + NODELIST_NAME_MAX - 1, "[9-10]");
	errno = 0;
	ck_assert_ptr_null(nodelist_parse(expr, &err));
	ck_assert_int_eq(errno, EINVAL);
	snprintf(want, sizeof(want), "nodelist '%s': a name is too long", expr);
	ck_assert_str_eq(err.text, want);

	/* 256 letters */
	sc_error_clear(&err);
	memset(expr, 'a', NODELIST_NAME_MAX + 1);
	expr[NODELIST_NAME_MAX + 1] = '\0';
	ck_assert_ptr_null(nodelist_parse(expr, &err));
	snprintf(want, sizeof(want), "nodelist '%s': a name is too long", expr);
	ck_assert_str_eq(err.text, want);
}
END_TEST

/* The largest list allowed: 2^18 names, 512 x 512. */
START_TEST(test_max_names)
{
	struct nodelist *nl = nodelist_parse("a[1-512]b[1-512]", NULL);

	ck_assert_ptr_nonnull(nl);
	ck_assert_uint_eq(nodelist_count(nl), NODELIST_MAX_NAMES);
	ck_assert_str_eq(nodelist_name(nl, 0), "a1b1");
	ck_assert_str_eq(nodelist_name(nl, 512), "a2b1");
	ck_assert_str_eq(
		nodelist_name(nl, NODELIST_MAX_NAMES - 1), "a512b512");
	ck_assert_int_eq(nodelist_index(nl, "a256b3"), 255 * 512 + 2);
	nodelist_destroy(nl);
}
END_TEST

/* The first error wins: a message already there is kept. */
START_TEST(test_first_error)
{
	struct sc_error err = {{0}};

	sc_errprintf(&err, "earlier");
	ck_assert_ptr_null(nodelist_parse("cn[", &err));
	ck_assert_str_eq(err.text, "earlier");
}
END_TEST

static Suite *nodelist_suite(void)
{
	Suite *s = suite_create("nodelist");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_expand);
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_find_large);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_null);
	tcase_add_test(tc, test_name_length);
	tcase_add_test(tc, test_max_names);
	tcase_add_test(tc, test_first_error);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(nodelist_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
