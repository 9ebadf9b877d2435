/* Replacement for getline(3) where the C library has none. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "compat.h"

#ifndef SSIZE_MAX
#define SSIZE_MAX	((ssize_t)(SIZE_MAX >> 1))
#endif

/* Size of the buffer allocated when the caller passes none. */
#define GETLINE_MIN	128

/*
 * Make *lineptr hold at least need bytes, doubling its size so that a long
 * line costs few reallocations. Return 0, or -1 with errno set.
 */
static int
getline_grow(char **lineptr, size_t *n, size_t need)
{
	char	*p;
	size_t	 size;

	if (*lineptr != NULL && *n >= need)
		return (0);
	size = (*lineptr == NULL || *n < GETLINE_MIN) ? GETLINE_MIN : *n;
	while (size < need) {
		if (size > SIZE_MAX / 2) {
			size = need;
			break;
		}
		size *= 2;
	}
	if ((p = realloc(*lineptr, size)) == NULL) {
		errno = ENOMEM;
		return (-1);
	}
	*lineptr = p;
	*n = size;
	return (0);
}

/*
 * Read one line of any length, newline included, into a buffer grown as
 * needed (POSIX.1-2008); the configuration parsers read with it. Return the
 * number of bytes read, or -1 at end of file with nothing read or on error.
 */
ssize_t
getline(char **lineptr, size_t *n, FILE *stream)
{
	size_t	len = 0;
	int	c;

	if (lineptr == NULL || n == NULL || stream == NULL) {
		errno = EINVAL;
		return (-1);
	}
	if (getline_grow(lineptr, n, 1) == -1)
		return (-1);
	while ((c = getc(stream)) != EOF) {
		if (len >= (size_t)SSIZE_MAX) {
			errno = EOVERFLOW;
			return (-1);
		}
		if (getline_grow(lineptr, n, len + 2) == -1)
			return (-1);
		(*lineptr)[len++] = (char)c;
		if (c == '\n')
			break;
	}
	(*lineptr)[len] = '\0';

	/* getc stopped short of end of file: a read error, errno is set. */
	if (c == EOF && ferror(stream) && !feof(stream))
		return (-1);
	if (len == 0)
		return (-1);
	return ((ssize_t)len);
}
