/* Replacement for strlcpy(3) where the C library has none. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "compat.h"

/*
 * Copy a string into a fixed buffer, always terminating it; return strlen(src)
 * so that truncation can be detected (BSD semantics).
 */
size_t
strlcpy(char *dst, const char *src, size_t size)
{
	size_t	len = strlen(src);

	if (size != 0) {
		size_t	n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return (len);
}
