/*
 * Listening sockets: opening them, and what happens when one is readable.
 */

#include "pinetd.h"

#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <event2/event.h>
#include <event2/util.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LISTEN_DRAIN_MAX	4096	/* queued connections refused at a pause */

/* Set a socket's close-on-exec flag and, if asked, make it non-blocking. */
static int
listen_flags(int fd, int nonblock)
{
	if (evutil_make_socket_closeonexec(fd) == -1)
		return (-1);
	if (nonblock)
		return (evutil_make_socket_nonblocking(fd));
	return (0);
}

/* Make a socket non-blocking, for a wait service that became nowait. */
void
listen_nonblocking(int fd)
{
	if (listen_flags(fd, 1) == -1)
		log_warn("%s", "non-blocking");
}

/* Whether a service listens on every address (so the local one varies). */
int
listen_wildcard(const struct service *se)
{
	const struct sockaddr_in	*sin = (const void *)&se->se_addr;
	const struct sockaddr_in6	*sin6 = (const void *)&se->se_addr;

	if (se->se_family == AF_INET)
		return (sin->sin_addr.s_addr == htonl(INADDR_ANY));
	if (se->se_family == AF_INET6)
		return (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr));
	return (0);
}

/* Whether this is a unix socket with a name in the file system. */
static int
listen_unix_file(const struct service *se)
{
	const struct sockaddr_un *sun = (const void *)&se->se_addr;

	return (se->se_family == AF_UNIX && sun->sun_path[0] != '\0');
}

/*
 * Bind a socket. A unix socket's file is made mode 0666, so any local user
 * may connect, as with openbsd-inetd and systemd's sockets (a directory's
 * permissions can narrow that), or the mode FreeBSD's :user:group:mode:
 * prefix gave: by binding under the umask that leaves it, not by a chmod
 * after it, which follows a symbolic link a user who can write to the
 * directory may have put there in the meantime (lchown, for the owner,
 * changes a link, not what it names). The umask is the process's, so this
 * runs on the main thread only (listen-many.c leaves unix sockets to it).
 */
static int
listen_bind(struct service *se, int fd)
{
	const struct sockaddr_un	*sun = (const void *)&se->se_addr;
	mode_t				 old;
	int				 rc, saved;

	if (!listen_unix_file(se))
		return (bind(fd, (struct sockaddr *)&se->se_addr,
		    se->se_addrlen));
	old = umask(~se->se_sockmode & 0777);
	rc = bind(fd, (struct sockaddr *)&se->se_addr, se->se_addrlen);
	saved = errno;
	umask(old);
#ifdef HAVE_LCHOWN
	if (rc == 0 && se->se_sockown &&
	    lchown(sun->sun_path, se->se_sockuid, se->se_sockgid) == -1) {
		saved = errno;
		(void)unlink(sun->sun_path);
		rc = -1;
	}
#else
	(void)sun;
#endif
	errno = saved;
	return (rc);
}

/*
 * Lowest descriptor a listening socket may not have, or -1 for no cap: set
 * when the descriptor limit is too low for every service, so that listening
 * sockets cannot take the descriptors connections need.
 */
int	listen_fdcap = -1;

/* Remember which file a unix socket was bound to, for listen_unlink. */
static void
listen_unix_identity(struct service *se)
{
	const struct sockaddr_un *sun = (const void *)&se->se_addr;
	struct stat	sb;

	se->se_unixdev = 0;
	se->se_unixino = 0;
	if (listen_unix_file(se) && stat(sun->sun_path, &sb) == 0) {
		se->se_unixdev = sb.st_dev;
		se->se_unixino = sb.st_ino;
	}
}

/*
 * Create, bind and (for streams) listen on a service's socket; on failure
 * se_openstep names the call that failed. The daemon only
 * makes it non-blocking if it reads the socket itself; a wait service's child
 * gets it exactly as a server expects.
 */
int
listen_open(struct service *se)
{
	const struct sockaddr_un *sun = (const void *)&se->se_addr;
	int		 fd, on = 1, saved, nonblock;

	nonblock = service_nonblocking(se);
	se->se_openstep = "socket";
#if HAVE_DECL_SOCK_CLOEXEC && HAVE_DECL_SOCK_NONBLOCK
	/* One system call instead of four, for start-up with many services. */
	if ((fd = socket(se->se_family, se->se_socktype | SOCK_CLOEXEC |
	    (nonblock ? SOCK_NONBLOCK : 0), 0)) == -1)
		return (-1);
#else
	if ((fd = socket(se->se_family, se->se_socktype, 0)) == -1)
		return (-1);
	if (listen_flags(fd, nonblock) == -1)
		goto fail;
#endif
	if (listen_fdcap != -1 && fd >= listen_fdcap) {
		evutil_closesocket(fd);
		errno = EMFILE;
		return (-1);
	}
	se->se_openstep = "setsockopt";
	if (listen_unix_file(se)) {
#ifdef S_ISSOCK
		struct stat	sb;

		if (lstat(sun->sun_path, &sb) == 0 && S_ISSOCK(sb.st_mode) &&
		    !child_holds_file(sb.st_dev, sb.st_ino))
			unlink(sun->sun_path);
#endif
	} else if (se->se_family != AF_UNIX) {
		if ((se->se_socktype == SOCK_STREAM || PLATFORM_REUSE_DGRAM) &&
		    setsockopt(fd, SOL_SOCKET, PLATFORM_SO_REUSE, &on,
		    sizeof on) == -1)
			goto fail;
#if HAVE_DECL_SO_REUSEPORT
		if (se->se_reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT,
		    &on, sizeof on) == -1)
			goto fail;
#endif
	}
#if HAVE_DECL_IPV6_V6ONLY
	/*
	 * Where IPv6 sockets cannot take IPv4 clients (OpenBSD refuses to
	 * turn IPV6_V6ONLY off), the socket serves IPv6 alone.
	 */
	if (se->se_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &se->se_v6only, sizeof se->se_v6only) == -1) {
		if (se->se_v6only)
			goto fail;
		log_debug("%s: IPv4 clients cannot use this IPv6 socket here",
		    se->se_label);
	}
#endif
	if (se->se_sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF,
	    &se->se_sndbuf, sizeof se->se_sndbuf) == -1)
		goto fail;
	if (se->se_rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF,
	    &se->se_rcvbuf, sizeof se->se_rcvbuf) == -1)
		goto fail;
	se->se_openstep = "bind";
	if (listen_bind(se, fd) == -1)
		goto fail;
	if (se->se_socktype == SOCK_DGRAM && se->se_builtin != NULL)
		dgram_setup(se, fd);
	se->se_openstep = "listen";
	if (se->se_socktype != SOCK_DGRAM && listen(fd, opts.backlog) == -1) {
		saved = errno;
		if (listen_unix_file(se))
			unlink(sun->sun_path);
		errno = saved;
		goto fail;
	}
	se->se_fd = fd;
	listen_unix_identity(se);
	return (0);

fail:
	saved = EVUTIL_SOCKET_ERROR();
	evutil_closesocket(fd);
	errno = saved;
	return (-1);
}

/*
 * Split an internet address into its text and port; an IPv4 client of a
 * dual-stack socket (tcp46, the xinetd default) as the IPv4 address it is,
 * for the log and the environment alike. -1 for another family.
 */
int
listen_addr(const struct sockaddr *sa, char *host, size_t size,
    unsigned *port)
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;

	switch (sa->sa_family) {
	case AF_INET:
		inet_ntop(AF_INET, &sin->sin_addr, host, size);
		*port = ntohs(sin->sin_port);
		return (0);
	case AF_INET6:
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], host,
			    size);
		else
			inet_ntop(AF_INET6, &sin6->sin6_addr, host, size);
		*port = ntohs(sin6->sin6_port);
		return (0);
	}
	return (-1);
}

/*
 * Close a service's socket, removing a unix socket's file. While a wait
 * server holds the socket (it accepts on it) the file stays until that
 * server exits, as a TCP port stays open to it.
 */
void
listen_close(struct service *se)
{
	const struct sockaddr_un *sun = (const void *)&se->se_addr;

	evutil_closesocket(se->se_fd);
	se->se_fd = -1;
	if (!listen_unix_file(se))
		return;
	if (se->se_state == SE_BUSY && se->se_unixino != 0 &&
	    child_unlink_later(se, sun->sun_path, se->se_unixdev,
	    se->se_unixino))
		return;
	listen_unlink(sun->sun_path, se->se_unixdev, se->se_unixino);
}

/*
 * Remove a unix socket file the daemon bound, unless another has replaced
 * it since (a service that took the path over): the identity must match
 * where the system has one.
 */
void
listen_unlink(const char *path, dev_t dev, ino_t ino)
{
	struct stat	sb;

	if (ino != 0 && (stat(path, &sb) == -1 || sb.st_dev != dev ||
	    sb.st_ino != ino))
		return;
	unlink(path);
}

/* Format an address as "addr:port", "[v6]:port", a socket path or "unix". */
const char *
listen_ntop(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	const struct sockaddr_un	*sun;
	char				 host[INET6_ADDRSTRLEN];
	size_t				 plen;
	unsigned			 port;

	switch (sa->sa_family) {
	case AF_INET:
	case AF_INET6:
		(void)listen_addr(sa, host, sizeof host, &port);
		if (strchr(host, ':') != NULL)
			snprintf(buf, size, "[%s]:%u", host, port);
		else
			snprintf(buf, size, "%s:%u", host, port);
		break;
	case AF_UNIX:
		sun = (const void *)sa;
		plen = (size_t)len > offsetof(struct sockaddr_un, sun_path) ?
		    (size_t)len - offsetof(struct sockaddr_un, sun_path) : 0;
		if (plen > sizeof sun->sun_path)
			plen = sizeof sun->sun_path;
		if (plen == 0 || (sun->sun_path[0] == '\0' && plen == 1))
			snprintf(buf, size, "unix");
		else if (sun->sun_path[0] == '\0')
			snprintf(buf, size, "@%.*s", (int)plen - 1,
			    sun->sun_path + 1);
		else
			snprintf(buf, size, "%.*s", (int)strnlen(sun->sun_path,
			    plen), sun->sun_path);
		break;
	default:
		snprintf(buf, size, "family %d", sa->sa_family);
		break;
	}
	return (buf);
}

/* Log a refused connection or datagram, with -l or log_on_failure. */
static void
listen_refused_log(struct service *se, const char *what,
    const struct sockaddr *sa, socklen_t len, const char *why)
{
	char	addr[256];

	if (opts.log_conns ||
	    (se->se_log_failure & (LOGF_HOST | LOGF_ATTEMPT)))
		service_log(se, "%s: %s from %s refused: %s%s", se->se_label,
		    what, listen_ntop(sa, len, addr, sizeof addr), why,
		    strcmp(why, "access") == 0 ||
		    strcmp(why, "access_times") == 0 ||
		    strcmp(why, BUILTIN_BOUNCE) == 0 ? "" : " limit");
}

/*
 * A connection refused by the access lists or a limit: closed at once,
 * counted, and logged with -l or log_on_failure.
 */
void
listen_refuse(struct service *se, int fd, const struct sockaddr *sa,
    socklen_t len, const char *why)
{
	conf_child_banner_send(se, BANNER_FAIL, fd);
	evutil_closesocket(fd);
	se->se_refused++;
	listen_refused_log(se, "connection", sa, len, why);
}

/*
 * A service about to close for a pause: the connections already queued on
 * its socket are taken and refused, counted and logged as over the start
 * limit, where the close would have had the kernel reset them unseen. Only
 * a socket the daemon accepts from without blocking (nowait stream), and
 * at most a backlog's worth, so a flood cannot hold the loop.
 */
void
listen_drain(struct service *se)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	int			fd, n;

	if (se->se_fd == -1 || se->se_socktype != SOCK_STREAM ||
	    !service_nonblocking(se))
		return;
	for (n = 0; n < LISTEN_DRAIN_MAX; n++) {
		len = sizeof ss;
		if ((fd = accept4(se->se_fd, (void *)&ss, &len,
		    SOCK_CLOEXEC)) == -1)
			break;
		listen_refuse(se, fd, (void *)&ss, len, "start");
	}
}

/*
 * Why a datagram from sa may not be answered or start a server: the access
 * lists ("access"; they pass any unix peer), a limit of 0 in xinetd's
 * sense, access_times or max_load; NULL if it may.
 */
const char *
listen_dgram_refused(struct service *se, const struct sockaddr *sa)
{
	const char	*why;

	if (!acl_allowed(se, sa))
		return ("access");
	if ((why = limit_none(se)) != NULL)
		return (why);
	return (conf_child_refuse(se));
}

/*
 * A datagram refused by the access lists, access_times or max_load: it
 * was read and dropped; counted, and logged as a refused connection is,
 * but at most once a second for a service, as a client repeats itself
 * and a flood of refused datagrams would fill the log.
 */
void
listen_refuse_dgram(struct service *se, const struct sockaddr *sa,
    socklen_t len, const char *why)
{
	time_t	now = time(NULL);

	se->se_refused++;
	if (now == se->se_refusedlog)
		return;
	se->se_refusedlog = now;
	listen_refused_log(se, "datagram", sa, len, why);
}

/*
 * What every accepted stream connection passes before it is served: the
 * limits and the start rates (.max, cps), refused, counted and logged. 0
 * when it may go on, with its per-address record in *so.
 */
int
listen_admit(struct service *se, int fd, const struct sockaddr *sa,
    socklen_t len, struct source **so)
{
	const char	*why;

	*so = limit_check(se, sa, &why);
	if (why != NULL) {
		listen_refuse(se, fd, sa, len, why);
		return (-1);
	}
	if (!service_may_start(se)) {
		listen_refuse(se, fd, sa, len, "start");
		return (-1);
	}
	return (0);
}

/*
 * The TLS handshake of a redirected connection ended: relay its plain side.
 * Until now the handshake itself counted as the connection. A reload during
 * the handshake may have made the service something else than a redirect:
 * then the connection fails, as there is no address to relay to.
 */
static void
listen_tls_cb(struct service *se, int fd, void *arg)
{
	if (fd != -1 && se->se_redirect == NULL) {
		evutil_closesocket(fd);
		fd = -1;
	}
	if (fd == -1)
		service_start_failed(se);	/* listen_inside counted it */
	else
		relay_start(se, fd, arg);
	service_conn_end(se, arg);
}

/*
 * A stream connection served inside the daemon (a built-in, or a redirect):
 * the same limits as for a program, then hand it over.
 */
static void
listen_inside(struct service *se, int fd, struct sockaddr *sa,
    socklen_t len)
{
	struct source	*so;
	char		 addr[256];

	if (se->se_builtin != NULL && builtin_bounced(sa)) {
		listen_refuse(se, fd, sa, len, BUILTIN_BOUNCE);
		return;
	}
	if (listen_admit(se, fd, sa, len, &so) != 0)
		return;
	se->se_accepted++;
	conf_child_banner_send(se, BANNER_SUCCESS, fd);
	if (opts.log_conns || (se->se_log_success & LOGF_HOST))
		service_log(se, "%s: connection from %s, %s", se->se_label,
		    listen_ntop(sa, len, addr, sizeof addr),
		    se->se_builtin != NULL ? "built-in" : "redirected");
	if (se->se_builtin != NULL)
		se->se_builtin->bi_stream(se, fd, so);
	else if (se->se_tls != NULL) {
		service_conn_begin(se, so);
		tls_accept(se, fd, sa, len, listen_tls_cb, so);
	} else
		relay_start(se, fd, so);
}

/* A listening socket is readable: accept, read a datagram or start a server. */
void
listen_ready_cb(evutil_socket_t fd, UNUSED short events, void *arg)
{
	struct service		*se = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*why;
	int			 i, cfd, on = 1;

	if (se->se_socktype == SOCK_DGRAM && se->se_builtin != NULL) {
		se->se_builtin->bi_dgram(se);
		return;
	}
	if (se->se_wait && se->se_builtin == NULL && se->se_redirectlen == 0) {
		spawn_wait(se);
		return;
	}
	for (i = 0; i < PINETD_ACCEPTS && se->se_state == SE_LISTEN; i++) {
		len = sizeof ss;
		if ((cfd = accept4(fd, (void *)&ss, &len, SOCK_CLOEXEC)) == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				log_warn("%s: accept", se->se_label);
				service_backoff(se);
			}
			return;
		}
		conf_child_banner_send(se, BANNER_ANY, cfd);
		if (!acl_allowed(se, (void *)&ss)) {
			listen_refuse(se, cfd, (void *)&ss, len, "access");
			continue;
		}
		if ((why = conf_child_refuse(se)) != NULL) {
			listen_refuse(se, cfd, (void *)&ss, len, why);
			continue;
		}
		if (se->se_nodelay)
			setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
		if (se->se_keepalive)
			setsockopt(cfd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
		if (se->se_builtin != NULL || se->se_redirectlen > 0)
			listen_inside(se, cfd, (void *)&ss, len);
		else
			spawn_connection(se, cfd, (void *)&ss, len);
	}
}
