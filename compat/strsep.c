/* Replacement for strsep(3) where the C library has none. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "compat.h"

/*
 * Cut the next token off *stringp at the first byte found in delim, which is
 * overwritten by a NUL, and advance *stringp past it (BSD semantics). Unlike
 * strtok(3), adjacent delimiters give empty tokens. Return the token, or NULL
 * once *stringp is NULL; *stringp becomes NULL after the last token.
 */
char *
strsep(char **stringp, const char *delim)
{
	char	*tok, *end;

	if ((tok = *stringp) == NULL)
		return (NULL);
	end = tok + strcspn(tok, delim);
	if (*end == '\0')
		*stringp = NULL;
	else {
		*end = '\0';
		*stringp = end + 1;
	}
	return (tok);
}
