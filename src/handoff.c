/*
 * Hand-off modes for programs that cannot take a socket as their stdio:
 * "pipe" gives the server anonymous pipes and relays them to the client;
 * "port" starts the server on a free loopback port (%PORT% in its arguments),
 * waits until it accepts, and relays the client to it. A server still
 * running two seconds after its client has gone is ended.
 */

#include "pinetd.h"

#include <netinet/in.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HANDOFF_WAIT	10	/* seconds a port server has to accept */
#define HANDOFF_RETRY	20	/* milliseconds between connection tries */

/* A client waiting for its port-mode server to accept. */
struct handoff {
	struct link		 ho_link;	/* every waiting hand-off */
	struct service		*ho_se;
	pid_t			 ho_pid;
	int			 ho_reaped;	/* ho_pid may be another's now */
	int			 ho_failed;	/* its start is counted failed */
	struct sockaddr_in	 ho_addr;
	struct bufferevent	*ho_client;
	struct bufferevent	*ho_target;
	struct event		*ho_timer;
	time_t			 ho_deadline;
};

static struct link	*handoffs;

static void	handoff_try_cb(evutil_socket_t, short, void *);

/* A bufferevent on a descriptor the daemon reads or writes itself. */
static struct bufferevent *
handoff_bev(int fd)
{
	evutil_make_socket_nonblocking(fd);
	return (bufferevent_socket_new(ev_base, fd, BEV_OPT_CLOSE_ON_FREE));
}

/* Pipe mode: the server's stdin and stdout/stderr are pipes we relay. */
static int
handoff_pipe(struct service *se, int fd, char **envp, pid_t *pid)
{
	struct bufferevent	*client, *rd, *wr;
	int			 in[2], out[2], fds[3];

	if (spawn_pipe(in, 1) == -1) {
		log_warn("%s: pipe", se->se_label);
		evutil_closesocket(fd);
		return (-1);
	}
	if (spawn_pipe(out, 0) == -1) {
		log_warn("%s: pipe", se->se_label);
		spawn_close(in[0]);
		evutil_closesocket(in[1]);
		evutil_closesocket(fd);
		return (-1);
	}
	fds[0] = in[0];
	fds[1] = fds[2] = out[1];
	if (spawn_start(se, fds, se->se_argv, envp, pid) != 0) {
		spawn_close(in[0]);
		evutil_closesocket(in[1]);
		evutil_closesocket(out[0]);
		spawn_close(out[1]);
		evutil_closesocket(fd);
		return (-1);
	}
	spawn_close(in[0]);
	spawn_close(out[1]);
	client = handoff_bev(fd);
	rd = handoff_bev(out[0]);
	wr = handoff_bev(in[1]);
	if (client == NULL || rd == NULL || wr == NULL)
		fatalx("bufferevent_socket_new failed");
	relay_server(se, client, rd, wr, *pid);
	return (0);
}

/* A loopback port nothing listens on now, for the server to take. */
static int
handoff_free_port(struct sockaddr_in *sin)
{
	socklen_t	len = sizeof *sin;
	int		s;

	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	if (bind(s, (struct sockaddr *)sin, sizeof *sin) == -1 ||
	    getsockname(s, (struct sockaddr *)sin, &len) == -1) {
		evutil_closesocket(s);
		return (-1);
	}
	evutil_closesocket(s);
	return (0);
}

/* One argument with every %PORT% replaced by num. */
static char *
handoff_subst(const char *arg, const char *num)
{
	const char	*p;
	char		*out, *next;

	out = xstrdup("");
	while ((p = strstr(arg, "%PORT%")) != NULL) {
		xasprintf(&next, "%s%.*s%s", out, (int)(p - arg), arg, num);
		free(out);
		out = next;
		arg = p + 6;
	}
	xasprintf(&next, "%s%s", out, arg);
	free(out);
	return (next);
}

/* The service's argv with each %PORT% replaced by the chosen port. */
static char **
handoff_argv(struct service *se, int port)
{
	char	**argv, num[16];
	int	  i;

	snprintf(num, sizeof num, "%d", port);
	argv = xcalloc(se->se_argc + 1, sizeof *argv);
	for (i = 0; i < se->se_argc; i++)
		argv[i] = handoff_subst(se->se_argv[i], num);
	return (argv);
}

/* Forget a waiting hand-off; with fail, also close the client and server. */
static void
handoff_free(struct handoff *ho, int fail)
{
	link_del(&handoffs, &ho->ho_link);
	event_free(ho->ho_timer);
	if (fail) {
		if (ho->ho_target != NULL)
			bufferevent_free(ho->ho_target);
		bufferevent_free(ho->ho_client);
		if (!ho->ho_reaped)
			relay_end_server(ho->ho_se, ho->ho_pid, 1);
	}
	service_unref(ho->ho_se);
	free(ho);
}

/*
 * Whether a connect to a loopback port reached itself: with nothing
 * listening yet, the kernel may pick that very port as the source and join
 * the socket to itself (a TCP self-connection), which is not the server.
 */
static int
handoff_self(struct bufferevent *bev)
{
	struct sockaddr_in	me, peer;
	socklen_t		mlen = sizeof me, plen = sizeof peer;
	evutil_socket_t		fd = bufferevent_getfd(bev);

	return (getsockname(fd, (struct sockaddr *)&me, &mlen) == 0 &&
	    getpeername(fd, (struct sockaddr *)&peer, &plen) == 0 &&
	    me.sin_port == peer.sin_port &&
	    me.sin_addr.s_addr == peer.sin_addr.s_addr);
}

/*
 * Whether what accepted on the port is the server, where the system tells
 * (portowner_check): a local user quicker than the server could have bound
 * the port, and would receive the client (a q login included).
 */
static int
handoff_owned(struct handoff *ho, struct bufferevent *bev)
{
	char	who[128];

	if (portowner_check(ho->ho_se, ho->ho_pid, bufferevent_getfd(bev), who,
	    sizeof who) != 0)
		return (1);
	log_warnx("%s: port %d is held by %s; client of pid %ld closed",
	    ho->ho_se->se_label, ntohs(ho->ho_addr.sin_port), who,
	    (long)ho->ho_pid);
	return (0);
}

/*
 * Give up on a hand-off: its start counts as failed (unless the server's
 * own report already counted it), the client is closed, the server ended.
 */
static void
handoff_fail(struct handoff *ho)
{
	if (!ho->ho_failed)
		service_start_failed(ho->ho_se);
	handoff_free(ho, 1);
}

/* The server accepted, or refused this try. */
static void
handoff_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct handoff	*ho = arg;
	struct timeval	 tv = { 0, HANDOFF_RETRY * 1000 };
	int		 connected;

	connected = (what & BEV_EVENT_CONNECTED) && !handoff_self(bev);
	if (connected && handoff_owned(ho, bev)) {
		relay_server(ho->ho_se, ho->ho_client, bev, bev,
		    ho->ho_reaped ? -1 : ho->ho_pid);
		handoff_free(ho, 0);
		return;
	}
	bufferevent_free(bev);
	ho->ho_target = NULL;
	if (connected)			/* to another user's socket; logged */
		handoff_fail(ho);
	else if (ho->ho_reaped || !child_alive(ho->ho_pid) ||
	    time(NULL) > ho->ho_deadline) {
		log_warnx("%s: pid %ld never accepted on port %d",
		    ho->ho_se->se_label, (long)ho->ho_pid,
		    ntohs(ho->ho_addr.sin_port));
		handoff_fail(ho);
	} else
		evtimer_add(ho->ho_timer, &tv);
}

/* Try to connect to the port-mode server once more. */
static void
handoff_try_cb(UNUSED evutil_socket_t fd, UNUSED short events, void *arg)
{
	struct handoff	*ho = arg;

	if ((ho->ho_target = relay_connector(AF_INET)) == NULL) {
		log_warn("%s: hand-off: socket", ho->ho_se->se_label);
		handoff_fail(ho);
		return;
	}
	PLATFORM_LOOPBACK_CONNECT(bufferevent_getfd(ho->ho_target));
	bufferevent_setcb(ho->ho_target, NULL, NULL, handoff_event_cb, ho);
	if (bufferevent_socket_connect(ho->ho_target,
	    (struct sockaddr *)&ho->ho_addr, sizeof ho->ho_addr) != 0)
		handoff_event_cb(ho->ho_target, BEV_EVENT_ERROR, ho);
}

/* Port mode: start the server on a free port and connect once it listens. */
static int
handoff_port(struct service *se, int fd, char **envp, pid_t *pid)
{
	struct timeval	  now = { 0, 0 };
	struct handoff	*ho;
	char		**argv;
	int		  null, fds[3], i, error;

	if ((null = spawn_null()) == -1) {
		log_warn("%s: null device", se->se_label);
		evutil_closesocket(fd);
		return (-1);
	}
	ho = xcalloc(1, sizeof *ho);
	if (handoff_free_port(&ho->ho_addr) == -1) {
		log_warn("%s: no free loopback port", se->se_label);
		spawn_close(null);
		evutil_closesocket(fd);
		free(ho);
		return (-1);
	}
	argv = handoff_argv(se, ntohs(ho->ho_addr.sin_port));
	fds[0] = fds[1] = fds[2] = null;
	error = spawn_start(se, fds, argv, envp, pid);
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
	spawn_close(null);
	if (error != 0) {
		evutil_closesocket(fd);
		free(ho);
		return (-1);
	}
	ho->ho_se = se;
	service_ref(se);
	ho->ho_pid = *pid;
	ho->ho_deadline = time(NULL) + HANDOFF_WAIT;
	if ((ho->ho_client = handoff_bev(fd)) == NULL)
		fatalx("bufferevent_socket_new failed");
	ho->ho_timer = evtimer_new(ev_base, handoff_try_cb, ho);
	link_add(&handoffs, &ho->ho_link);
	/*
	 * The first try from the loop, not from here: the caller records the
	 * server as a child only after this returns, and a try failing at
	 * once must find it recorded, to end it.
	 */
	evtimer_add(ho->ho_timer, &now);
	return (0);
}

/* Start a server in the service's hand-off mode; fd belongs to us now. */
int
handoff_start(struct service *se, int fd, char **envp, pid_t *pid)
{
	if (se->se_handoff == HANDOFF_PIPE)
		return (handoff_pipe(se, fd, envp, pid));
	return (handoff_port(se, fd, envp, pid));
}

/*
 * A port-mode server's start failed and was counted so (its exec report):
 * the hand-off that waits for it must not count it again when it gives up.
 */
void
handoff_start_failed(pid_t pid)
{
	struct link	*l;
	struct handoff	*ho;

	for (l = handoffs; l != NULL; l = l->l_next) {
		ho = (struct handoff *)l;
		if (ho->ho_pid == pid && !ho->ho_reaped)
			ho->ho_failed = 1;
	}
}

/*
 * A hand-off server was reaped: a port-mode hand-off still waiting for it
 * must neither kill nor wait for that pid again, which the system may give
 * to another process.
 */
void
handoff_forget(pid_t pid)
{
	struct link	*l;
	struct handoff	*ho;

	for (l = handoffs; l != NULL; l = l->l_next) {
		ho = (struct handoff *)l;
		if (ho->ho_pid == pid)
			ho->ho_reaped = 1;
	}
}

/* Drop every client still waiting for its server, at shutdown. */
void
handoff_shutdown(void)
{
	while (handoffs != NULL)
		handoff_free((struct handoff *)handoffs, 1);
}
