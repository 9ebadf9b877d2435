/*
 * Allocation wrappers that never return NULL: running out of memory is fatal.
 */

#include "pinetd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Allocate or die. */
void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		fatal("malloc %zu", size);
	return (p);
}

/* Allocate zeroed memory or die. */
void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		fatal("calloc %zu*%zu", n, size);
	return (p);
}

/* Resize an array with an overflow check, or die. */
void *
xreallocarray(void *old, size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = reallocarray(old, n, size)) == NULL)
		fatal("reallocarray %zu*%zu", n, size);
	return (p);
}

/* Copy a string or die. */
char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("strdup");
	return (p);
}

/* Format into a new string or die. */
int
xvasprintf(char **ret, const char *fmt, va_list ap)
{
	va_list	ap2;
	int	len;

	va_copy(ap2, ap);
	len = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (len < 0)
		fatalx("xvasprintf: bad format");
	*ret = xmalloc((size_t)len + 1);
	vsnprintf(*ret, (size_t)len + 1, fmt, ap);
	return (len);
}

/* Format into a new string or die. */
int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	ap;
	int	len;

	va_start(ap, fmt);
	len = xvasprintf(ret, fmt, ap);
	va_end(ap);
	return (len);
}
