/* Replacement for strlcat(3) where the C library has none. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "compat.h"

/*
 * Append to a string in a fixed buffer, always terminating it; return the
 * length of the string it tried to create (BSD semantics).
 */
size_t
strlcat(char *dst, const char *src, size_t size)
{
	size_t	dlen, slen, n;

	slen = strlen(src);
	dlen = 0;
	while (dlen < size && dst[dlen] != '\0')
		dlen++;
	if (dlen == size)		/* dst not terminated within size */
		return (size + slen);

	n = size - dlen - 1;
	if (slen < n)
		n = slen;
	memcpy(dst + dlen, src, n);
	dst[dlen + n] = '\0';
	return (dlen + slen);
}
