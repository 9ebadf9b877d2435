/* Replacement for closefrom(2) where the C library has none. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

/* dirfd(3) is POSIX.1-2008; ask for it when the build set no feature macro. */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "compat.h"

/* Descriptors collected per directory pass; more means another pass. */
#define CLOSEFROM_CHUNK		256

/* Highest descriptor count tried when no listing is available. */
#define CLOSEFROM_MAXFD		65536

static int	closefrom_list(const char *, int);

/*
 * Turn a directory entry name into a descriptor number, or -1 if it is not a
 * plain non-negative decimal number.
 */
static int
closefrom_fdname(const char *name)
{
	char	*end;
	long	 fd;

	if (*name < '0' || *name > '9')
		return (-1);
	errno = 0;
	fd = strtol(name, &end, 10);
	if (errno != 0 || *end != '\0' || fd < 0 || fd > INT_MAX)
		return (-1);
	return ((int)fd);
}

/*
 * Close descriptors >= lowfd named in a directory of open descriptors. Nothing
 * is closed while the directory is being read; the listing is trusted only if
 * it shows the descriptor used to read it (a static /dev/fd does not). Return
 * 0 when done, -1 if the listing cannot be used.
 */
static int
closefrom_list(const char *path, int lowfd)
{
	DIR		*d;
	struct dirent	*de;
	int		 fds[CLOSEFROM_CHUNK];
	int		 dfd, fd, i, n, seen, full;

	do {
		if ((d = opendir(path)) == NULL)
			return (-1);
		dfd = dirfd(d);
		n = seen = full = 0;
		while ((de = readdir(d)) != NULL) {
			if ((fd = closefrom_fdname(de->d_name)) == -1)
				continue;
			if (fd == dfd) {
				seen = 1;
				continue;
			}
			if (fd < lowfd)
				continue;
			if (n == CLOSEFROM_CHUNK) {
				full = 1;
				continue;
			}
			fds[n++] = fd;
		}
		closedir(d);
		if (!seen)
			return (-1);
		for (i = 0; i < n; i++)
			(void)close(fds[i]);
	} while (full);
	return (0);
}

/*
 * Close every descriptor from lowfd upwards, so that a child inherits only
 * what it was given; POSIX has no call for this.
 */
void
closefrom(int lowfd)
{
	long	maxfd;
	int	fd;

	if (lowfd < 0)
		lowfd = 0;
	if (closefrom_list("/proc/self/fd", lowfd) == 0)
		return;
	if (closefrom_list("/dev/fd", lowfd) == 0)
		return;

	maxfd = sysconf(_SC_OPEN_MAX);
	if (maxfd < 0 || maxfd > CLOSEFROM_MAXFD)
		maxfd = CLOSEFROM_MAXFD;
	for (fd = lowfd; fd < maxfd; fd++)
		(void)close(fd);
}
