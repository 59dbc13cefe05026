/*
 * sc_error.h: the one error type of slurm-carbon's libraries: a message
 * buffer the caller passes down, filled by the first failure (jansson's
 * json_error_t, flux's flux_error_t).
 *
 * The functions are static inline so that every library (libcarbon,
 * libenergy, the plugins that link only one of them) has them without a
 * library of their own that several others would each carry.
 */
#ifndef ACCOUNTING_SC_ERROR_H
#define ACCOUNTING_SC_ERROR_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

/*
 * The first error of an operation, as one line without a trailing newline,
 * typically "FILE:LINE: problem". An empty text means no error. Plain data:
 * zero-initialise it ({0}) or call sc_error_clear before use.
 */
struct sc_error {
	char text[512];
};

/* Empty err (may be NULL). */
static inline void sc_error_clear(struct sc_error *err)
{
	if (err)
		err->text[0] = '\0';
}

static inline int sc_verrprintf(struct sc_error *err, const char *fmt,
	va_list ap) __attribute__((format(printf, 2, 0)));

/* As sc_errprintf with a va_list. */
static inline int sc_verrprintf(struct sc_error *err, const char *fmt,
	va_list ap)
{
	int saved = errno;

	if (err && !err->text[0])
		vsnprintf(err->text, sizeof(err->text), fmt, ap);
	errno = saved;
	return -1;
}

static inline int sc_errprintf(struct sc_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Set err's text unless it already holds an error, so that the root cause
 * reaches the user. err may be NULL. Always returns -1, so that callers can
 * write `return sc_errprintf(err, ...)`. errno is preserved.
 */
static inline int sc_errprintf(struct sc_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sc_verrprintf(err, fmt, ap);
	va_end(ap);
	return -1;
}

/* True when err holds an error. */
static inline int sc_error_is_set(const struct sc_error *err)
{
	return err && err->text[0];
}

#endif
