/*
 * Unit tests of compat/: each replacement is compiled here under another name,
 * so it is tested even where the C library has its own.
 */

/* Build the replacements as if the C library had none of them. */
#undef HAVE_CONFIG_H

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define strlcpy		test_strlcpy
#define strlcat		test_strlcat
#define closefrom	test_closefrom
#define reallocarray	test_reallocarray
#define accept4		test_accept4
#include "../../compat/strlcpy.c"
#include "../../compat/strlcat.c"
#include "../../compat/closefrom.c"
#include "../../compat/reallocarray.c"
#include "../../compat/accept4.c"

#include "tap.h"

/* strlcpy and strlcat truncate and return the length they tried to make. */
static void
check_strings(void)
{
	char	buf[8];

	tap_ok(strlcpy(buf, "abcdefghij", sizeof buf) == 10 &&
	    strcmp(buf, "abcdefg") == 0, "strlcpy truncates, returns 10");
	tap_ok(strlcpy(buf, "ab", sizeof buf) == 2 && strcmp(buf, "ab") == 0,
	    "strlcpy copies");
	tap_ok(strlcat(buf, "cdefghij", sizeof buf) == 10 &&
	    strcmp(buf, "abcdefg") == 0, "strlcat truncates, returns 10");
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
	tap_ok(fcntl(low, F_GETFD) == -1 && fcntl(high, F_GETFD) == -1,
	    "closefrom closes lowfd and above");
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
	tap_ok((fcntl(a, F_GETFD) & FD_CLOEXEC) != 0, "accept4 close-on-exec");
	tap_ok((fcntl(a, F_GETFL) & O_NONBLOCK) == 0, "accept4 blocking");
	close(a);
	close(c);
	close(l);
}

int
main(void)
{
	check_strings();
	check_reallocarray();
	check_closefrom();
	check_accept4();
	return (tap_done());
}
