/* Replacement for accept4(2), for systems (such as macOS) that lack it. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "compat.h"

/*
 * Accept, then set exactly the flags asked for: some systems make the new
 * socket inherit O_NONBLOCK from the listener, so it is cleared if not asked.
 */
int
accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	int	cfd, fl, saved;

	if ((cfd = accept(fd, sa, len)) == -1)
		return (-1);
	if ((flags & SOCK_CLOEXEC) && fcntl(cfd, F_SETFD, FD_CLOEXEC) == -1)
		goto fail;
	if ((fl = fcntl(cfd, F_GETFL)) == -1)
		goto fail;
	fl = (flags & SOCK_NONBLOCK) ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	if (fcntl(cfd, F_SETFL, fl) == -1)
		goto fail;
	return (cfd);

fail:
	saved = errno;
	close(cfd);
	errno = saved;
	return (-1);
}
