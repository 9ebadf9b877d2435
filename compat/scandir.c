/* Replacement for scandir(3) and alphasort(3) where the C library has none. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"

/* Number of entries the list starts with; it doubles as it fills. */
#define SCANDIR_MIN	32

/*
 * Copy a directory entry into its own allocation. Only the fixed fields and
 * the name are read, since readdir(3) may hand out a record shorter than
 * struct dirent; the copy is never shorter, whatever d_name's declared size.
 */
static struct dirent *
scandir_copy(const struct dirent *de)
{
	struct dirent	*copy;
	size_t		 namelen, size;

	namelen = strlen(de->d_name);
	size = offsetof(struct dirent, d_name) + namelen + 1;
	if (size < sizeof(struct dirent))
		size = sizeof(struct dirent);
	if ((copy = calloc(1, size)) == NULL)
		return (NULL);
	memcpy(copy, de, offsetof(struct dirent, d_name));
	memcpy(copy->d_name, de->d_name, namelen + 1);
	return (copy);
}

/*
 * Read a directory into a malloc'd array of malloc'd entries, keeping those
 * sel accepts (all if sel is NULL) and sorting them with compar if it is not
 * NULL (POSIX.1-2008); used to read include directories in a stable order.
 * Return the number of entries, or -1 with errno set and nothing allocated.
 */
int
scandir(const char *dir, struct dirent ***namelist,
    int (*sel)(const struct dirent *),
    int (*compar)(const struct dirent **, const struct dirent **))
{
	DIR		 *d;
	struct dirent	 *de, *copy, **list, **p;
	size_t		  n = 0, size = SCANDIR_MIN, i;
	int		  saved;

	if ((d = opendir(dir)) == NULL)
		return (-1);
	if ((list = calloc(size, sizeof *list)) == NULL)
		goto fail;
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				goto fail;
			break;
		}
		if (sel != NULL && !sel(de))
			continue;
		if (n == (size_t)INT_MAX) {
			errno = EOVERFLOW;
			goto fail;
		}
		if (n == size) {
			if (size > SIZE_MAX / 2 / sizeof *list) {
				errno = ENOMEM;
				goto fail;
			}
			if ((p = realloc(list, size * 2 * sizeof *list)) == NULL)
				goto fail;
			list = p;
			size *= 2;
		}
		if ((copy = scandir_copy(de)) == NULL)
			goto fail;
		list[n++] = copy;
	}
	closedir(d);

	/*
	 * qsort(3) passes const void *; the comparison function takes pointers
	 * to elements of the array, which is what those are. The cast goes
	 * through void (*)(void) to say that it is meant.
	 */
	if (compar != NULL && n > 1) {
		qsort(list, n, sizeof *list, (int (*)(const void *,
		    const void *))(void (*)(void))compar);
	}
	*namelist = list;
	return ((int)n);

fail:
	saved = errno;
	if (list != NULL) {
		for (i = 0; i < n; i++)
			free(list[i]);
		free(list);
	}
	closedir(d);
	errno = saved;
	return (-1);
}

/*
 * Order entries for scandir by name. POSIX asks for strcoll(3); this compares
 * bytes with strcmp(3), the order of the C locale, so that the result does not
 * depend on the environment.
 */
int
alphasort(const struct dirent **a, const struct dirent **b)
{
	return (strcmp((*a)->d_name, (*b)->d_name));
}
