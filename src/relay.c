/*
 * Relaying a connection to another address inside the daemon (xinetd's
 * redirect): two bufferevents, bytes moved both ways with back-pressure, and
 * a half-close passed on once what came before it is delivered.
 */

#include "pinetd.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>
#ifdef HAVE_OPENSSL
#include <event2/bufferevent_ssl.h>
#endif

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RELAY_HIGH	(256 * 1024)	/* stop reading a side past this */
#define RELAY_LOW	(64 * 1024)	/* resume reading below this */

/* One relayed connection: side 0 the client, side 1 the target. */
struct relay {
	struct bufferevent	*rl_bev[2];
	int			 rl_eof[2];	/* side sent EOF */
	int			 rl_shut[2];	/* side's output shut down */
	int			 rl_tls[2];	/* side is a TLS bufferevent */
	int			 rl_counted;	/* counts toward instances */
	struct service		*rl_se;
	struct source		*rl_so;
	struct relay		*rl_prev;	/* every open relay */
	struct relay		*rl_next;
};

static struct relay	*relays;

static void	relay_read_cb(struct bufferevent *, void *);
static void	relay_write_cb(struct bufferevent *, void *);
static void	relay_event_cb(struct bufferevent *, short, void *);

/* Which side a bufferevent is. */
static int
relay_side(struct relay *rl, struct bufferevent *bev)
{
	return (rl->rl_bev[1] == bev);
}

/* Close both sides and release the service. */
static void
relay_free(struct relay *rl)
{
	int	i;

	for (i = 0; i < 2; i++) {
		if (rl->rl_bev[i] != NULL)
			bufferevent_free(rl->rl_bev[i]);
	}
	if (rl->rl_prev != NULL)
		rl->rl_prev->rl_next = rl->rl_next;
	else
		relays = rl->rl_next;
	if (rl->rl_next != NULL)
		rl->rl_next->rl_prev = rl->rl_prev;
	if (rl->rl_counted) {
		limit_exited(rl->rl_so);
		rl->rl_se->se_active--;
	}
	service_unref(rl->rl_se);
	free(rl);
}

/* Shut down a side's output if its peer has ended and all is delivered. */
static void
relay_maybe_shut(struct relay *rl, int side)
{
	struct bufferevent	*bev = rl->rl_bev[side];

	if (!rl->rl_eof[!side] || rl->rl_shut[side] ||
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	if (rl->rl_tls[side]) {
		relay_free(rl);		/* TLS has no half-close: end it */
		return;
	}
	shutdown(bufferevent_getfd(bev), SHUT_WR);
	rl->rl_shut[side] = 1;
	if (rl->rl_shut[0] && rl->rl_shut[1])
		relay_free(rl);
}

/* Data arrived on one side: queue it for the other, pausing if it lags. */
static void
relay_read_cb(struct bufferevent *bev, void *arg)
{
	struct relay		*rl = arg;
	int			 side = relay_side(rl, bev);
	struct evbuffer		*out;

	out = bufferevent_get_output(rl->rl_bev[!side]);
	evbuffer_add_buffer(out, bufferevent_get_input(bev));
	if (evbuffer_get_length(out) >= RELAY_HIGH)
		bufferevent_disable(bev, EV_READ);
}

/* One side's output drained: read the other again; pass a pending EOF. */
static void
relay_write_cb(struct bufferevent *bev, void *arg)
{
	struct relay	*rl = arg;
	int		 side = relay_side(rl, bev);

	if (!rl->rl_eof[!side])
		bufferevent_enable(rl->rl_bev[!side], EV_READ);
	relay_maybe_shut(rl, side);
}

/* Connected, end of stream, or an error on one side. */
static void
relay_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct relay	*rl = arg;
	int		 side = relay_side(rl, bev);

	if (what & BEV_EVENT_CONNECTED) {
		bufferevent_enable(rl->rl_bev[0], EV_READ);
		bufferevent_enable(bev, EV_READ);
		return;
	}
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		relay_read_cb(bev, rl);		/* anything still buffered */
		rl->rl_eof[side] = 1;
		bufferevent_disable(bev, EV_READ);
		relay_maybe_shut(rl, !side);
		return;
	}
	if ((what & BEV_EVENT_ERROR) && side == 1)
		log_warnx("%s: redirect: %s", rl->rl_se->se_label,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	relay_free(rl);
}

/* Set up a relay between two bufferevents; side 0 is the client. */
static struct relay *
relay_new(struct service *se, struct bufferevent *client,
    struct bufferevent *target, struct source *so, int counted)
{
	struct relay	*rl;
	int		 i;

	rl = xcalloc(1, sizeof *rl);
	rl->rl_next = relays;
	if (relays != NULL)
		relays->rl_prev = rl;
	relays = rl;
	rl->rl_se = se;
	rl->rl_so = so;
	rl->rl_counted = counted;
	service_ref(se);
	if (counted) {
		se->se_active++;
		limit_started(so);
	}
	rl->rl_bev[0] = client;
	rl->rl_bev[1] = target;
	for (i = 0; i < 2; i++) {
		if (rl->rl_bev[i] == NULL)
			continue;
		bufferevent_setcb(rl->rl_bev[i], relay_read_cb, relay_write_cb,
		    relay_event_cb, rl);
		bufferevent_setwatermark(rl->rl_bev[i], EV_WRITE, RELAY_LOW, 0);
	}
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

	rl = relay_new(se, tls, plain, so, 0);
	rl->rl_tls[0] = 1;
#ifdef HAVE_OPENSSL
	bufferevent_openssl_set_allow_dirty_shutdown(tls, 1);
#endif
	bufferevent_enable(tls, EV_READ);
	bufferevent_enable(plain, EV_READ);
}

/* Relay an accepted connection to the service's redirect address. */
void
relay_start(struct service *se, int fd, struct source *so)
{
	struct bufferevent	*client, *target;
	struct relay		*rl;

	evutil_make_socket_nonblocking(fd);
	client = bufferevent_socket_new(ev_base, fd, BEV_OPT_CLOSE_ON_FREE);
	target = bufferevent_socket_new(ev_base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (client == NULL)
		close(fd);
	rl = relay_new(se, client, target, so, 1);
	if (client == NULL || target == NULL) {
		log_warnx("%s: relay: bufferevent_socket_new failed",
		    se->se_label);
		relay_free(rl);
		return;
	}
	if (bufferevent_socket_connect(target,
	    (struct sockaddr *)&se->se_redirect, se->se_redirectlen) != 0) {
		log_warn("%s: relay: connect", se->se_label);
		se->se_failed++;
		relay_free(rl);
	}
}

/* Close every relayed connection, at shutdown. */
void
relay_shutdown(void)
{
	while (relays != NULL)
		relay_free(relays);
}
