/*
 * Unit tests of compat/: each replacement is compiled here under another name,
 * so it is tested even where the C library has its own.
 */

/* Build the replacements as if the C library had none of them. */
#undef HAVE_CONFIG_H

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define strlcpy		test_strlcpy
#define closefrom	test_closefrom
#define reallocarray	test_reallocarray
#define accept4		test_accept4
#define getline		test_getline
#define strsep		test_strsep
#define scandir		test_scandir
#define alphasort	test_alphasort
#include "../../compat/strlcpy.c"
#include "../../compat/closefrom.c"
#include "../../compat/reallocarray.c"
#include "../../compat/accept4.c"
#include "../../compat/getline.c"
#include "../../compat/strsep.c"
#include "../../compat/scandir.c"

#include "tap.h"

/* strlcpy truncates and returns the length it tried to make. */
static void
check_strings(void)
{
	char	buf[8];

	tap_ok(strlcpy(buf, "abcdefghij", sizeof buf) == 10 &&
	    strcmp(buf, "abcdefg") == 0, "strlcpy truncates, returns 10");
	tap_ok(strlcpy(buf, "ab", sizeof buf) == 2 && strcmp(buf, "ab") == 0,
	    "strlcpy copies");
}

/* reallocarray refuses a product that overflows. */
static void
check_reallocarray(void)
{
	volatile size_t	 big = SIZE_MAX / 2;
	void		*p;

	errno = 0;
	p = reallocarray(NULL, big, 4);
	tap_ok(p == NULL && errno == ENOMEM, "reallocarray overflow: ENOMEM");
	p = reallocarray(NULL, 16, 16);
	tap_ok(p != NULL, "reallocarray allocates");
	free(p);
}

/* closefrom closes everything from lowfd up and nothing below. */
static void
check_closefrom(void)
{
	int	low, high, keep;

	keep = dup(0);
	low = dup(0);
	high = fcntl(0, F_DUPFD, low + 40);
	closefrom(low);
	tap_ok(fcntl(keep, F_GETFD) != -1, "closefrom keeps lower fds");
	tap_ok(low != -1 && high != -1 && fcntl(low, F_GETFD) == -1 &&
	    fcntl(high, F_GETFD) == -1, "closefrom closes lowfd and above");
	close(keep);
}

/* accept4 sets close-on-exec and clears the listener's O_NONBLOCK. */
static void
check_accept4(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			l, c, a;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l == -1 || bind(l, (void *)&sin, sizeof sin) == -1 ||
	    listen(l, 1) == -1 || getsockname(l, (void *)&sin, &len) == -1) {
		tap_ok(0, "accept4: set up a listener");
		return;
	}
	fcntl(l, F_SETFL, fcntl(l, F_GETFL) | O_NONBLOCK);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (void *)&sin, sizeof sin) == -1) {
		tap_ok(0, "accept4: connect");
		return;
	}
	a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	tap_ok(a != -1, "accept4 accepts");
	tap_ok(a != -1 && (fcntl(a, F_GETFD) & FD_CLOEXEC) != 0,
	    "accept4 close-on-exec");
	tap_ok(a != -1 && (fcntl(a, F_GETFL) & O_NONBLOCK) == 0,
	    "accept4 blocking");
	close(a);
	close(c);
	close(l);
}

/* getline returns whole lines, newline included, of any length. */
static void
check_getline(void)
{
	FILE	*f;
	char	*buf = NULL, *small, longline[1000];
	size_t	 size = 0;
	ssize_t	 len;

	if ((f = tmpfile()) == NULL) {
		tap_ok(0, "getline: tmpfile");
		return;
	}
	memset(longline, 'x', sizeof longline - 1);
	longline[sizeof longline - 1] = '\0';
	fprintf(f, "one\n\n\n%s\nlast", longline);
	rewind(f);

	len = getline(&buf, &size, f);
	tap_ok(len == 4 && strcmp(buf, "one\n") == 0 && size >= 5,
	    "getline allocates, keeps the newline");
	len = getline(&buf, &size, f);
	tap_ok(len == 1 && strcmp(buf, "\n") == 0, "getline empty line");
	len = getline(&buf, &size, f);
	tap_ok(len == 1 && strcmp(buf, "\n") == 0, "getline second empty line");
	len = getline(&buf, &size, f);
	tap_ok(len == (ssize_t)sizeof longline &&
	    strncmp(buf, longline, sizeof longline - 1) == 0 &&
	    buf[sizeof longline - 1] == '\n' && buf[sizeof longline] == '\0' &&
	    size > sizeof longline, "getline grows for a long line");
	len = getline(&buf, &size, f);
	tap_ok(len == 4 && strcmp(buf, "last") == 0,
	    "getline last line without newline");
	len = getline(&buf, &size, f);
	tap_ok(len == -1, "getline at end of file: -1");
	free(buf);

	/* A caller's buffer that is too small is reallocated. */
	rewind(f);
	size = 2;
	if ((small = malloc(size)) == NULL) {
		tap_ok(0, "getline: malloc");
		fclose(f);
		return;
	}
	len = getline(&small, &size, f);
	tap_ok(len == 4 && strcmp(small, "one\n") == 0 && size >= 5,
	    "getline grows a caller's buffer");
	free(small);

	errno = 0;
	tap_ok(getline(NULL, &size, f) == -1 && errno == EINVAL,
	    "getline NULL lineptr: EINVAL");
	fclose(f);
}

/* strsep gives empty tokens between adjacent delimiters, then NULL. */
static void
check_strsep(void)
{
	char	 str[] = "a,,b c", *p = str, *t1, *t2, *t3, *t4, *t5;

	t1 = strsep(&p, ", ");
	t2 = strsep(&p, ", ");
	t3 = strsep(&p, ", ");
	t4 = strsep(&p, ", ");
	tap_ok(t1 != NULL && strcmp(t1, "a") == 0 &&
	    t2 != NULL && strcmp(t2, "") == 0 &&
	    t3 != NULL && strcmp(t3, "b") == 0 &&
	    t4 != NULL && strcmp(t4, "c") == 0, "strsep tokens, empty included");
	tap_ok(p == NULL, "strsep sets *stringp to NULL after the last token");
	t5 = strsep(&p, ", ");
	tap_ok(t5 == NULL, "strsep returns NULL at the end");
}

/* Skip ".", ".." and hidden files. */
static int
check_scandir_sel(const struct dirent *de)
{
	return (de->d_name[0] != '.');
}

/* scandir selects and sorts; a missing directory fails with ENOENT. */
static void
check_scandir(void)
{
	struct dirent	**names;
	char		  dir[] = "/tmp/test-compat.XXXXXX", path[64];
	const char	 *files[] = { "b", "a", "c", ".hidden" };
	size_t		  i;
	int		  n, fd;

	if (mkdtemp(dir) == NULL) {
		tap_ok(0, "scandir: mkdtemp");
		return;
	}
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		if ((fd = open(path, O_WRONLY | O_CREAT, 0600)) != -1)
			close(fd);
	}
	n = scandir(dir, &names, check_scandir_sel, alphasort);
	tap_ok(n == 3, "scandir selects 3 entries");
	if (n == 3) {
		tap_ok(strcmp(names[0]->d_name, "a") == 0 &&
		    strcmp(names[1]->d_name, "b") == 0 &&
		    strcmp(names[2]->d_name, "c") == 0,
		    "scandir sorts with alphasort");
	}
	for (i = 0; n > 0 && i < (size_t)n; i++)
		free(names[i]);
	if (n >= 0)
		free(names);

	n = scandir(dir, &names, NULL, NULL);
	tap_ok(n == 6, "scandir without selector keeps all, . and .. too");
	for (i = 0; n > 0 && i < (size_t)n; i++)
		free(names[i]);
	if (n >= 0)
		free(names);

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);

	errno = 0;
	n = scandir(dir, &names, NULL, alphasort);
	tap_ok(n == -1 && errno == ENOENT, "scandir missing directory: ENOENT");
}

int
main(void)
{
	check_strings();
	check_reallocarray();
	check_closefrom();
	check_accept4();
	check_getline();
	check_strsep();
	check_scandir();
	return (tap_done());
}
