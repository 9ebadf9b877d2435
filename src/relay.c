/*
 * Relaying bytes inside the daemon: a client connection on one side and, on
 * the other, a redirect target, the plain end of a TLS socket pair, a
 * server's loopback port, or a server's pipes. Bytes move both ways with
 * back-pressure; a half-close is passed on once what came before it is
 * delivered.
 */

#include "pinetd.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>
#ifdef HAVE_OPENSSL
#include <event2/bufferevent_ssl.h>
#endif

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RELAY_HIGH	(256 * 1024)	/* stop reading a side past this */
#define RELAY_LOW	(64 * 1024)	/* resume reading below this */
#define RELAY_GRACE	2		/* seconds before a server is ended */
#define RELAY_TERM_WAIT	5		/* then seconds before it is killed */

/*
 * One side of a relay: where its bytes come from and where bytes for it go.
 * A socket is both; a server's pipes are two.
 */
struct relay_side {
	struct bufferevent	*rs_in;
	struct bufferevent	*rs_out;
	int			 rs_eof;	/* rs_in ended */
	int			 rs_shut;	/* rs_out shut down */
	int			 rs_tls;	/* a TLS bufferevent */
};

/* One relayed connection: side 0 the client, side 1 the other end. */
struct relay {
	struct link		 rl_link;	/* every open relay */
	struct relay_side	 rl_side[2];
	int			 rl_counted;	/* counts toward instances */
	int			 rl_redirect;	/* side 1 is a redirect target */
	int			 rl_connected;	/* and it connected */
	pid_t			 rl_kill;	/* server to end with the relay;
						   -1 once it has exited */
	struct service		*rl_se;
	struct source		*rl_so;
};

/* A hand-off server to end when its grace period is over. */
struct relay_kill {
	struct link		 rk_link;	/* every pending end */
	pid_t			 rk_pid;
	struct service		*rk_se;		/* its service (a reference) */
	int			 rk_termed;	/* asked to end: kill next */
	struct event		*rk_timer;
};

static struct link	*relays;
static pid_t		*relay_ending;	/* servers to end at shutdown */
static int		 relay_nending;
static struct link	*relay_kills;
static int		 relay_stopping;	/* shutdown: end servers now */

static void	relay_read_cb(struct bufferevent *, void *);
static void	relay_write_cb(struct bufferevent *, void *);
static void	relay_event_cb(struct bufferevent *, short, void *);

/* Which side reads from, or writes to, a bufferevent. */
static int
relay_side(struct relay *rl, struct bufferevent *bev)
{
	return (rl->rl_side[1].rs_in == bev || rl->rl_side[1].rs_out == bev);
}

/* Forget a pending end. */
static void
relay_kill_free(struct relay_kill *rk)
{
	link_del(&relay_kills, &rk->rk_link);
	event_free(rk->rk_timer);
	service_unref(rk->rk_se);
	free(rk);
}

/*
 * The grace period is over: ask the server to end (SIGTERM), and if it is
 * still there RELAY_TERM_WAIT seconds later, kill it, so a server that
 * ignores SIGTERM cannot hold its instance slot for ever.
 */
static void
relay_kill_cb(UNUSED evutil_socket_t fd, UNUSED short events, void *arg)
{
	struct relay_kill	*rk = arg;
	struct timeval		 tv = { RELAY_TERM_WAIT, 0 };

	if (!child_alive(rk->rk_pid)) {
		relay_kill_free(rk);
		return;
	}
	if (!rk->rk_termed) {
		spawn_kill(rk->rk_pid, 0);
		rk->rk_termed = 1;
		evtimer_add(rk->rk_timer, &tv);
		return;
	}
	log_warnx("%s: hand-off server pid %ld still running %d s after "
	    "SIGTERM; killed", rk->rk_se->se_label, (long)rk->rk_pid,
	    RELAY_TERM_WAIT);
	spawn_kill(rk->rk_pid, 1);
	relay_kill_free(rk);
}

/*
 * A bufferevent for a connection the daemon makes itself (to a redirect
 * target, to a port-mode server), on a close-on-exec socket: the one
 * libevent makes for fd -1 is not, and every server started while it is
 * open would inherit another client's connection. NULL on failure (errno).
 */
struct bufferevent *
relay_connector(int family)
{
	struct bufferevent	*bev;
	evutil_socket_t		 fd;

	if ((fd = socket(family, SOCK_STREAM, 0)) == -1)
		return (NULL);
	if (evutil_make_socket_closeonexec(fd) == -1 ||
	    evutil_make_socket_nonblocking(fd) == -1 ||
	    (bev = bufferevent_socket_new(ev_base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		evutil_closesocket(fd);
		return (NULL);
	}
	return (bev);
}

/*
 * A server was reaped: drop a pending kill of it, and forget it in a relay
 * still draining its output. Its pid is free again, and Windows soon gives
 * it to a new server, which must not be ended in its place. That relay now
 * counts against instances and per_source (from so, the server's source) in
 * the server's place: a client that never reads would otherwise keep any
 * number of them, and their descriptors, past every limit.
 */
void
relay_forget(pid_t pid, struct source *so)
{
	struct link		*l, *next;
	struct relay_kill	*rk;
	struct relay		*rl;

	for (l = relays; l != NULL; l = l->l_next) {
		rl = (struct relay *)l;
		if (rl->rl_kill != pid)
			continue;
		rl->rl_kill = -1;
		if (!rl->rl_counted) {
			service_conn_begin(rl->rl_se, so);
			service_unref(rl->rl_se);	/* relay_new's own */
			rl->rl_so = so;
			rl->rl_counted = 1;
		}
	}
	for (l = relay_kills; l != NULL; l = next) {
		next = l->l_next;
		rk = (struct relay_kill *)l;
		if (rk->rk_pid == pid)
			relay_kill_free(rk);
	}
}

/*
 * A hand-off server's client has gone: give the server a moment to finish
 * on its own (it may be exiting already), then end it; with now, it is
 * asked at once (it never got its client). At shutdown it is put on the
 * list relay_shutdown ends (asked, waited for, killed if it stays).
 */
void
relay_end_server(struct service *se, pid_t pid, int now)
{
	struct timeval		 tv = { now ? RELAY_TERM_WAIT : RELAY_GRACE, 0 };
	struct relay_kill	*rk;

	if (!child_alive(pid))
		return;
	if (relay_stopping) {		/* ended by relay_shutdown */
		relay_ending = xreallocarray(relay_ending, relay_nending + 1,
		    sizeof *relay_ending);
		relay_ending[relay_nending++] = pid;
		return;
	}
	if (now)
		spawn_kill(pid, 0);
	rk = xcalloc(1, sizeof *rk);
	rk->rk_pid = pid;
	rk->rk_se = se;
	service_ref(se);
	rk->rk_termed = now;
	if ((rk->rk_timer = evtimer_new(ev_base, relay_kill_cb, rk)) == NULL)
		fatalx("evtimer_new failed");
	link_add(&relay_kills, &rk->rk_link);
	evtimer_add(rk->rk_timer, &tv);
}

/* Close everything, end the server if asked, release the service. */
static void
relay_free(struct relay *rl)
{
	struct relay_side	*rs;
	int			 i;

	for (i = 0; i < 2; i++) {
		rs = &rl->rl_side[i];
		if (rs->rs_out != NULL && rs->rs_out != rs->rs_in)
			bufferevent_free(rs->rs_out);
		if (rs->rs_in != NULL)
			bufferevent_free(rs->rs_in);
	}
	if (rl->rl_kill > 0)
		relay_end_server(rl->rl_se, rl->rl_kill, 0);
	link_del(&relays, &rl->rl_link);
	if (rl->rl_counted)
		service_conn_end(rl->rl_se, rl->rl_so);
	else
		service_unref(rl->rl_se);
	free(rl);
}

/* A side can take no more bytes; free the relay once both are done. */
static int
relay_done(struct relay *rl, int side)
{
	rl->rl_side[side].rs_shut = 1;
	if (rl->rl_side[0].rs_shut && rl->rl_side[1].rs_shut) {
		relay_free(rl);
		return (1);
	}
	return (0);
}

/*
 * Shut down a side's output if the other side has ended and everything
 * before the end is delivered: shutdown() for a socket, closing for a pipe,
 * the end of everything for TLS (which has no half-close). Returns 1 if the
 * relay was freed.
 */
static int
relay_maybe_shut(struct relay *rl, int side)
{
	struct relay_side	*rs = &rl->rl_side[side];

	if (!rl->rl_side[!side].rs_eof || rs->rs_shut || (rs->rs_out != NULL &&
	    evbuffer_get_length(bufferevent_get_output(rs->rs_out)) > 0))
		return (0);
	if (rs->rs_tls) {
		tls_close_notify(rs->rs_out);
		relay_free(rl);
		return (1);
	}
	if (rs->rs_out != NULL && rs->rs_out != rs->rs_in) {
		bufferevent_free(rs->rs_out);
		rs->rs_out = NULL;
	} else if (rs->rs_out != NULL)
		shutdown(bufferevent_getfd(rs->rs_out), SHUT_WR);
	return (relay_done(rl, side));
}

/* Data arrived on one side: queue it for the other, pausing if it lags. */
static void
relay_read_cb(struct bufferevent *bev, void *arg)
{
	struct relay		*rl = arg;
	int			 side = relay_side(rl, bev);
	struct bufferevent	*to = rl->rl_side[!side].rs_out;
	struct evbuffer		*in = bufferevent_get_input(bev);

	if (to == NULL) {		/* the other side takes no more */
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	evbuffer_add_buffer(bufferevent_get_output(to), in);
	if (evbuffer_get_length(bufferevent_get_output(to)) >= RELAY_HIGH)
		bufferevent_disable(bev, EV_READ);
}

/* One side's output drained: read the other again; pass a pending EOF. */
static void
relay_write_cb(struct bufferevent *bev, void *arg)
{
	struct relay	*rl = arg;
	int		 side = relay_side(rl, bev);

	if (!rl->rl_side[!side].rs_eof && rl->rl_side[!side].rs_in != NULL)
		bufferevent_enable(rl->rl_side[!side].rs_in, EV_READ);
	relay_maybe_shut(rl, side);
}

/* Connected, end of stream, or an error on one side. */
static void
relay_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct relay		*rl = arg;
	int			 side = relay_side(rl, bev);
	struct relay_side	*rs = &rl->rl_side[side];

	if (what & BEV_EVENT_CONNECTED) {
		rl->rl_connected = 1;
		bufferevent_enable(rl->rl_side[0].rs_in, EV_READ);
		bufferevent_enable(bev, EV_READ);
		return;
	}
	if (bev != rs->rs_in) {
		/* A write-only pipe failed: the server closed its input. */
		bufferevent_free(rs->rs_out);
		rs->rs_out = NULL;
		relay_done(rl, side);
		return;
	}
	if (rs->rs_tls && (what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		/*
		 * A TLS bufferevent stops writing as well as reading at any
		 * end (close_notify, a bare FIN, a reset while writing, which
		 * a dirty shutdown allowed reports as EOF): nothing reaches
		 * this client any more. What it sent still goes on, then the
		 * end; what comes for it is dropped, so the server is never
		 * left writing into a relay that cannot deliver.
		 */
		relay_read_cb(bev, rl);
		rs->rs_eof = 1;
		rs->rs_out = NULL;		/* rs_in is freed with the relay */
		bufferevent_disable(bev, EV_READ|EV_WRITE);
		if (!relay_done(rl, side))
			relay_maybe_shut(rl, !side);
		return;
	}
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		relay_read_cb(bev, rl);		/* anything still buffered */
		rs->rs_eof = 1;
		bufferevent_disable(bev, EV_READ);
		relay_maybe_shut(rl, !side);
		return;
	}
	if ((what & BEV_EVENT_ERROR) && side == 1 && rl->rl_redirect) {
		log_warnx("%s: redirect: %s", rl->rl_se->se_label,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		if (!rl->rl_connected)
			service_start_failed(rl->rl_se);
	}
	relay_free(rl);
}

/* Attach callbacks and watermarks to a bufferevent of a relay. */
static void
relay_watch(struct relay *rl, struct bufferevent *bev)
{
	if (bev == NULL)
		return;
	bufferevent_setcb(bev, relay_read_cb, relay_write_cb, relay_event_cb,
	    rl);
	bufferevent_setwatermark(bev, EV_WRITE, RELAY_LOW, 0);
}

/*
 * Set up a relay. Side 0 is the client (one bufferevent); side 1 reads from
 * in and writes to out (the same bufferevent for a socket).
 */
static struct relay *
relay_new(struct service *se, struct bufferevent *client,
    struct bufferevent *in, struct bufferevent *out, struct source *so,
    int counted)
{
	struct relay	*rl;

	rl = xcalloc(1, sizeof *rl);
	link_add(&relays, &rl->rl_link);
	rl->rl_se = se;
	rl->rl_so = so;
	rl->rl_counted = counted;
	if (counted)
		service_conn_begin(se, so);
	else
		service_ref(se);
	rl->rl_side[0].rs_in = rl->rl_side[0].rs_out = client;
	rl->rl_side[1].rs_in = in;
	rl->rl_side[1].rs_out = out;
	relay_watch(rl, client);
	relay_watch(rl, in);
	if (out != in)
		relay_watch(rl, out);
	return (rl);
}

/*
 * Relay between a TLS client and the plain end of the socket pair its
 * server holds; the server, not the relay, counts toward the limits.
 */
void
relay_pair(struct service *se, struct bufferevent *tls,
    struct bufferevent *plain, struct source *so)
{
	struct relay	*rl;

	rl = relay_new(se, tls, plain, plain, so, 0);
	rl->rl_side[0].rs_tls = 1;
#ifdef HAVE_OPENSSL
	bufferevent_openssl_set_allow_dirty_shutdown(tls, 1);
#endif
	bufferevent_enable(tls, EV_READ);
	bufferevent_enable(plain, EV_READ);
}

/*
 * Relay a client to a server started for it (pipe or port hand-off): the
 * server's output is read from in, its input written to out, and the
 * server is ended when the relay is.
 */
void
relay_server(struct service *se, struct bufferevent *client,
    struct bufferevent *in, struct bufferevent *out, pid_t pid)
{
	struct relay	*rl;

	rl = relay_new(se, client, in, out, NULL, 0);
	rl->rl_kill = pid;
	bufferevent_enable(client, EV_READ);
	bufferevent_enable(in, EV_READ);
	if (out != in)
		bufferevent_enable(out, EV_WRITE);
}

/* Relay an accepted connection to the service's redirect address. */
void
relay_start(struct service *se, int fd, struct source *so)
{
	struct bufferevent	*client, *target;
	struct relay		*rl;

	evutil_make_socket_nonblocking(fd);
	client = bufferevent_socket_new(ev_base, fd, BEV_OPT_CLOSE_ON_FREE);
	target = relay_connector(se->se_redirect->ss_family);
	if (client == NULL)
		evutil_closesocket(fd);
	rl = relay_new(se, client, target, target, so, 1);
	rl->rl_redirect = 1;
	if (client == NULL || target == NULL) {
		log_warn("%s: relay: socket", se->se_label);
		service_start_failed(se);
		relay_free(rl);
		return;
	}
	if (bufferevent_socket_connect(target,
	    (struct sockaddr *)se->se_redirect, se->se_redirectlen) != 0) {
		log_warn("%s: relay: connect", se->se_label);
		service_start_failed(se);
		relay_free(rl);
	}
}

/*
 * Close every relayed connection at shutdown, and end the hand-off servers
 * they fed, and those still in their grace period.
 */
void
relay_shutdown(void)
{
	struct relay_kill	*rk;

	relay_stopping = 1;
	while (relays != NULL)
		relay_free((struct relay *)relays);
	while (relay_kills != NULL) {
		rk = (struct relay_kill *)relay_kills;
		relay_end_server(rk->rk_se, rk->rk_pid, 0);
		relay_kill_free(rk);
	}
	spawn_end(relay_ending, relay_nending, RELAY_TERM_WAIT);
	free(relay_ending);
	relay_ending = NULL;
	relay_nending = 0;
}
