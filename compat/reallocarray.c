/* Replacement for reallocarray(3) where the C library has none. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "compat.h"

/*
 * Resize an array of nmemb elements of size bytes, failing with ENOMEM
 * instead of wrapping when nmemb * size does not fit in a size_t.
 */
void *
reallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size) {
		errno = ENOMEM;
		return (NULL);
	}
	return (realloc(ptr, nmemb * size));
}
