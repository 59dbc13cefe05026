/*
 * sc_error.c: first-error-wins message buffers shared by every library of
 * the project.
 */
#include <errno.h>
#include <stdio.h>

#include "sc_error.h"

void sc_error_clear(struct sc_error *err)
{
	if (err)
		err->text[0] = '\0';
}

int sc_verrprintf(struct sc_error *err, const char *fmt, va_list ap)
{
	int saved = errno;

	if (err && !err->text[0])
		vsnprintf(err->text, sizeof(err->text), fmt, ap);
	errno = saved;
	return -1;
}

int sc_errprintf(struct sc_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sc_verrprintf(err, fmt, ap);
	va_end(ap);
	return -1;
}

int sc_error_is_set(const struct sc_error *err)
{
	return err && err->text[0];
}
