/*
 * carbon_conf_lex.c: carbon.conf(5)'s lines and values: logical lines
 * (joined at a trailing backslash), Key=Value tokens, numbers, booleans,
 * durations, percentages, lists and names, each refusal naming the line.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "carbon_conf_parser.h"

/* Each function's contract is in carbon_conf_parser.h. */

int conf_error(struct conf_parser *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sc_errprintf(p->err, "%s:%d: %s", p->name, p->line, msg);
	errno = EINVAL;
	return -1;
}

/* ---- values ---- */

int conf_double(struct conf_parser *p, const struct conf_token *t, double lo,
	double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(t->value, &end);
	if (!*t->value || *end || errno || !isfinite(v) ||
		isspace((unsigned char)*t->value))
		return conf_error(p, "%s=%s: not a number", t->key, t->value);
	if (v < lo || v > hi)
		return conf_error(p, "%s=%s: must be between %g and %g", t->key,
			t->value, lo, hi);
	*out = v;
	return 0;
}

int conf_bool(struct conf_parser *p, const struct conf_token *t, bool *out)
{
	static const char *const yes[] = {"yes", "true", "1", "on"};
	static const char *const no[] = {"no", "false", "0", "off"};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(t->value, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(t->value, no[i])) {
			*out = false;
			return 0;
		}
	}
	return conf_error(p, "%s=%s: expected yes or no", t->key, t->value);
}

int carbon_parse_duration(const char *s, int64_t *seconds)
{
	static const struct {
		const char *unit;
		int64_t mult;
	} units[] = {{"s", 1}, {"sec", 1}, {"m", 60}, {"min", 60}, {"h", 3600},
		{"hour", 3600}, {"hours", 3600}, {"d", 86400}, {"day", 86400},
		{"days", 86400}};
	char *end;
	double v;
	size_t i;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || !isfinite(v) || v < 0 || end == s ||
		strspn(s, "0123456789.") != (size_t)(end - s))
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcasecmp(end, units[i].unit)) {
			double secs = v * (double)units[i].mult;

			/* a hundred years is already absurd for a delay */
			if (secs > 100.0 * 366 * 86400)
				return -1;
			*seconds = (int64_t)llround(secs);
			return 0;
		}
	}
	return -1;
}

int conf_duration(
	struct conf_parser *p, const struct conf_token *t, int64_t *out)
{
	if (carbon_parse_duration(t->value, out) < 0)
		return conf_error(p,
			"%s=%s: expected a duration with a unit "
			"(90s, 15min, 12h, 2d)",
			t->key, t->value);
	return 0;
}

int conf_percent(struct conf_parser *p, const struct conf_token *t, double *out)
{
	char buf[64];
	struct conf_token num = *t;
	size_t n = strlen(t->value);
	double v;

	if (n && n < sizeof(buf) && t->value[n - 1] == '%') {
		memcpy(buf, t->value, n - 1);
		buf[n - 1] = '\0';
		num.value = buf;
	}
	if (conf_double(p, &num, 0, 99.999, &v) < 0)
		return -1;
	*out = v / 100.0;
	return 0;
}

int conf_list(struct conf_parser *p, const struct conf_token *t, char ***out)
{
	char **list = NULL, *copy, *save = NULL, *s;
	size_t n = 0;

	if (*out)
		return conf_error(p, "%s is set twice", t->key);
	copy = strdup(t->value);
	if (!copy)
		return conf_error(p, "out of memory");
	for (s = strtok_r(copy, ",", &save); s;
		s = strtok_r(NULL, ",", &save)) {
		char **grown = realloc(list, (n + 2) * sizeof(*list));

		if (!grown || !(grown[n] = strdup(s))) {
			list = grown ? grown : list;
			if (list)
				list[n] = NULL;
			*out = list;
			free(copy);
			return conf_error(p, "out of memory");
		}
		list = grown;
		list[++n] = NULL;
	}
	free(copy);
	if (!n)
		return conf_error(p, "%s=: empty list", t->key);
	*out = list;
	return 0;
}

int conf_name(struct conf_parser *p, const struct conf_token *t)
{
	const char *s;

	for (s = t->value; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return conf_error(p,
				"%s=%s: a name may hold letters, "
				"digits, '-', '_' and '.'",
				t->key, t->value);
	if (!*t->value)
		return conf_error(p, "%s=: empty name", t->key);
	return 0;
}

/* ---- lines ---- */

int conf_tokenize(struct conf_parser *p, char *s, struct conf_line *ln)
{
	ln->ntok = 0;
	for (;;) {
		char *key, *eq;

		while (isspace((unsigned char)*s))
			s++;
		if (!*s || *s == '#')
			return 0;
		if (ln->ntok == CONF_MAX_TOKENS)
			return conf_error(p, "too many settings on one line");
		key = s;
		while (*s && *s != '=' && !isspace((unsigned char)*s) &&
			*s != '#')
			s++;
		if (*s != '=') {
			*s = '\0';
			return conf_error(
				p, "expected Key=Value, found '%s'", key);
		}
		eq = s++;
		*eq = '\0';
		if (!*key)
			return conf_error(p, "'=' without a key");
		if (*s == '"') {
			char *close = strchr(++s, '"');

			if (!close)
				return conf_error(
					p, "%s: unterminated quote", key);
			*close = '\0';
			ln->tok[ln->ntok].value = s;
			s = close + 1;
			if (*s && !isspace((unsigned char)*s) && *s != '#')
				return conf_error(p,
					"%s: text after the closing "
					"quote",
					key);
		} else {
			ln->tok[ln->ntok].value = s;
			while (*s && !isspace((unsigned char)*s) && *s != '#')
				s++;
			if (*s == '#') {
				*s = '\0';
				if (!*ln->tok[ln->ntok].value)
					return conf_error(p,
						"%s has an empty value", key);
				ln->tok[ln->ntok].key = key;
				ln->ntok++;
				return 0;
			}
			if (*s)
				*s++ = '\0';
		}
		if (!*ln->tok[ln->ntok].value)
			return conf_error(p, "%s has an empty value", key);
		ln->tok[ln->ntok].key = key;
		ln->ntok++;
	}
}

int conf_repeats(struct conf_parser *p, const struct conf_line *ln)
{
	int i, j;

	for (i = 0; i < ln->ntok; i++)
		for (j = 0; j < i; j++)
			if (!strcasecmp(ln->tok[i].key, ln->tok[j].key))
				return conf_error(p,
					"%s is given twice on the line",
					ln->tok[i].key);
	return 0;
}

char *conf_next_line(const char *buf, size_t len, size_t *pos, int *lineno,
	int *first, int *oom)
{
	char *out = NULL;
	size_t n = 0;

	*oom = 0;
	if (*pos >= len)
		return NULL;
	*first = *lineno + 1;
	while (*pos < len) {
		const char *s = buf + *pos, *nl = memchr(s, '\n', len - *pos);
		size_t l = nl ? (size_t)(nl - s) : len - *pos;
		bool cont;
		char *grown;

		*pos += l + (nl ? 1 : 0);
		(*lineno)++;
		/* cppcheck-suppress knownConditionTrueFalse ; l is 0 on an
		 * empty line */
		if (l && s[l - 1] == '\r')
			l--;
		cont = l && s[l - 1] == '\\';
		if (cont)
			l--;
		grown = realloc(out, n + l + 2);
		if (!grown) {
			free(out);
			*oom = 1;
			return NULL;
		}
		out = grown;
		memcpy(out + n, s, l);
		n += l;
		out[n++] = ' ';
		out[n] = '\0';
		if (!cont)
			break;
	}
	return out;
}

int conf_check_text(struct conf_parser *p, const char *line)
{
	const unsigned char *s;

	for (s = (const unsigned char *)line; *s; s++)
		if (*s < ' ' && *s != '\t')
			return conf_error(p, "control character 0x%02x", *s);
	return 0;
}
