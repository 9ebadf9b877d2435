/*
 * When and how a server process is started for a service; the platform part
 * (spawn_start) does the starting itself.
 */

#include "pinetd.h"

#include <event2/util.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The same descriptor as a server's stdin, stdout and stderr. */
static int *
fds_of(int fd, int fds[3])
{
	fds[0] = fds[1] = fds[2] = fd;
	return (fds);
}

/* Who a connection came from, kept while a TLS handshake runs. */
struct spawn_peer {
	struct source		*sp_so;
	struct sockaddr_storage	 sp_peer;
	socklen_t		 sp_peerlen;
	struct sockaddr_storage	 sp_local;
	int			 sp_haslocal;
};

/* Start the server for an accepted (and, with TLS, decrypted) connection. */
static void
spawn_finish(struct service *se, int fd, struct spawn_peer *sp)
{
	const struct sockaddr	*peer = (const void *)&sp->sp_peer;
	char			 addr[256], **envp;
	int			 fds[3];
	pid_t			 pid;

	envp = env_connection(se, peer, sp->sp_haslocal ?
	    (const void *)&sp->sp_local : NULL);
	if (se->se_handoff != HANDOFF_SOCKET) {
		/* The hand-off owns fd from here, whatever happens. */
		if (handoff_start(se, fd, envp, &pid) != 0) {
			se->se_failed++;
			return;
		}
	} else {
		if (spawn_start(se, fds_of(fd, fds), se->se_argv, envp,
		    &pid) != 0) {
			se->se_failed++;
			evutil_closesocket(fd);
			return;
		}
		evutil_closesocket(fd);
	}
	se->se_accepted++;
	child_add(pid, se, sp->sp_so, 0);
	if (opts.log_conns || (se->se_log_success & (LOGF_HOST | LOGF_PID)))
		service_log(se, "%s: connection from %s, pid %ld", se->se_label,
		    listen_ntop(peer, sp->sp_peerlen, addr, sizeof addr),
		    (long)pid);
}

/*
 * The TLS handshake ended: start the server, or count the failure. The
 * handshake counted as a connection of the service and of its source (so
 * instances and per_source hold, and the source record stays) until now.
 * A reload during the handshake may have left the service with no program
 * to start for a connection (a built-in, a redirect or a wait server now):
 * then the connection fails.
 */
static void
spawn_tls_cb(struct service *se, int fd, void *arg)
{
	struct spawn_peer	*sp = arg;

	if (fd != -1 && (se->se_server == NULL || se->se_builtin != NULL ||
	    se->se_redirect != NULL || se->se_wait)) {
		evutil_closesocket(fd);
		fd = -1;
	}
	if (fd == -1)
		se->se_failed++;
	else
		spawn_finish(se, fd, sp);
	service_conn_end(se, sp->sp_so);
	free(sp);
}

/*
 * A connection was accepted for a nowait service: check its limits, then
 * start its server (after the TLS handshake, for a TLS service).
 */
void
spawn_connection(struct service *se, int fd, const struct sockaddr *sa,
    socklen_t len)
{
	struct spawn_peer	 peer, *sp = &peer;
	socklen_t		 sslen = sizeof sp->sp_local;

	memset(sp, 0, sizeof *sp);
	if (listen_admit(se, fd, sa, len, &sp->sp_so) != 0)
		return;
	conf_child_banner_send(se, BANNER_SUCCESS, fd);
	memcpy(&sp->sp_peer, sa, len);
	sp->sp_peerlen = len;
	if (listen_wildcard(se))
		sp->sp_haslocal = getsockname(fd, (void *)&sp->sp_local,
		    &sslen) == 0;
	else {
		memcpy(&sp->sp_local, &se->se_addr, se->se_addrlen);
		sp->sp_haslocal = 1;
	}
	if (se->se_tls == NULL) {
		spawn_finish(se, fd, sp);
		return;
	}
	sp = xmalloc(sizeof *sp);
	memcpy(sp, &peer, sizeof *sp);
	service_conn_begin(se, sp->sp_so);
	tls_accept(se, fd, sa, len, spawn_tls_cb, sp);
}

/*
 * Whether a datagram waits on a wait service's socket, which is blocking
 * (its server expects it so): without a per-call MSG_DONTWAIT (Winsock), a
 * zero-timeout select says.
 */
static int
spawn_wait_ready(struct service *se)
{
#ifdef MSG_DONTWAIT
	(void)se;
	return (1);
#else
	struct timeval	tv = { 0, 0 };
	fd_set		rfds;

	FD_ZERO(&rfds);
	FD_SET(se->se_fd, &rfds);
	return (select(se->se_fd + 1, &rfds, NULL, NULL, &tv) == 1);
#endif
}

/*
 * A wait datagram service's next datagram, looked at without taking it: as
 * xinetd does, one from an address the lists refuse, or outside
 * access_times, or over max_load, is read and dropped, counted, and starts
 * no server. A stream server accepts for itself, so it cannot be checked.
 * The socket's other holders (a server's leftover child) may take the
 * datagram first, so nothing here may block. Returns 1 if no server is to
 * start.
 */
static int
spawn_wait_refused(struct service *se)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 buf[65536];	/* Winsock fails a short peek */
	const char		*why;
	int			 tries, error;

	if (se->se_socktype != SOCK_DGRAM || (!se->se_only_from.al_set &&
	    se->se_no_access.al_n == 0 && se->se_ntimes == 0 &&
	    se->se_max_load == 0 && limit_none(se) == NULL))
		return (0);
	/* A reset a reply's ICMP error left (Winsock) is read, then again. */
	for (tries = 0; tries < 2; tries++) {
		if (!spawn_wait_ready(se))
			return (1);
		memset(&ss, 0, sizeof ss);
		len = sizeof ss;
		if (recvfrom(se->se_fd, buf, sizeof buf, MSG_PEEK |
		    PINETD_DONTWAIT, (void *)&ss, &len) != -1)
			break;
		error = PLATFORM_SOCK_ERRNO();
		if (error == EAGAIN || error == EWOULDBLOCK)
			return (1);	/* another holder took it */
		if (error != ECONNRESET)
			return (0);	/* the server will see what is wrong */
	}
	if (tries == 2)
		return (0);
	if ((why = listen_dgram_refused(se, (void *)&ss)) == NULL)
		return (0);
	(void)recv(se->se_fd, buf, sizeof buf, PINETD_DONTWAIT);
	listen_refuse_dgram(se, (void *)&ss, len, why);
	return (1);
}

/* A wait service's socket is readable: hand the socket itself to a server. */
void
spawn_wait(struct service *se)
{
	char	**envp;
	int	  fds[3];
	pid_t	  pid;

	if (spawn_wait_refused(se))
		return;
	if (!service_may_start(se)) {
		se->se_refused++;	/* what woke it goes with the socket */
		return;
	}
	envp = env_connection(se, NULL, listen_wildcard(se) ? NULL :
	    (const void *)&se->se_addr);
	if (spawn_start(se, fds_of(se->se_fd, fds), se->se_argv, envp,
	    &pid) != 0) {
		se->se_failed++;
		service_backoff(se);
		return;
	}
	service_busy(se);
	se->se_accepted++;
	child_add(pid, se, NULL, 1);
	if (opts.log_conns || (se->se_log_success & (LOGF_HOST | LOGF_PID)))
		service_log(se, "%s: started pid %ld", se->se_label, (long)pid);
}
