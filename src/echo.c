/*
 * The echo built-in's fast path: bytes are read into one buffer shared by
 * every connection and written straight back, with no bufferevent between.
 * Only a client too slow to take its bytes gets a buffer of its own. One
 * edge-triggered event per connection drives it, so a connection costs no
 * epoll_ctl/kevent change after it starts. Loops without edge triggering
 * use builtin.c's bufferevent echo.
 *
 * splice(2) through a pipe was measured twice (the second time in 748e50e,
 * reverted): it cuts the daemon's CPU per byte by 10-30 %, but the client
 * then receives page fragments and pays more than the daemon saves; with 4
 * clients on 2 CPUs throughput fell by a quarter, with 1 it moved within
 * the noise. It also stalls at urgent data, which splice never reads past.
 */

#include "pinetd.h"

#include <event2/event.h>
#include <event2/util.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * Most bytes read per call: the larger, the less CPU per byte echoed (fewer
 * calls and wake-ups), from 94.5 ticks per GB at 64 kB to 59 at 1 MB, 52 at
 * 2 MB and 50.5 at 4 MB. 2 MB, since a client too slow to read costs up to
 * this much, and the shared buffer stays resident once used.
 */
#define ECHO_CHUNK	(2 * 1024 * 1024)

/* One echo connection on the fast path. */
struct echo {
	struct link		 ec_link;	/* every open connection */
	struct service		*ec_se;
	struct source		*ec_so;
	evutil_socket_t		 ec_fd;
	struct event		*ec_ev;
	char			*ec_buf;	/* bytes the client was slow to take */
	size_t			 ec_size;	/* ec_buf's size */
	size_t			 ec_off;	/* first of them */
	size_t			 ec_held;	/* how many */
};

static struct link	*echo_conns;
static char		 echo_shared[ECHO_CHUNK];

/* Close a connection and release what it held. */
static void
echo_close(struct echo *ec)
{
	event_free(ec->ec_ev);
	evutil_closesocket(ec->ec_fd);
	free(ec->ec_buf);
	link_del(&echo_conns, &ec->ec_link);
	service_conn_end(ec->ec_se, ec->ec_so);
	free(ec);
}

/*
 * Read into the shared buffer and write straight back; keep what the client
 * could not take yet in the connection's own buffer, made (or made larger)
 * as that needs, so a slow client costs what it left, not a whole chunk.
 * Returns what recv returned.
 */
static ssize_t
echo_fill(struct echo *ec)
{
	ssize_t	n, w;

	if ((n = recv(ec->ec_fd, echo_shared, ECHO_CHUNK, 0)) <= 0)
		return (n);
	if ((w = send(ec->ec_fd, echo_shared, (size_t)n, 0)) == n)
		return (n);
	if (w == -1)
		w = 0;		/* an error shows again at the next send */
	if (ec->ec_size < (size_t)(n - w)) {
		free(ec->ec_buf);	/* it holds nothing now */
		ec->ec_size = (size_t)(n - w);
		ec->ec_buf = xmalloc(ec->ec_size);
	}
	memcpy(ec->ec_buf, echo_shared + w, (size_t)(n - w));
	ec->ec_off = 0;
	ec->ec_held = (size_t)(n - w);
	return (n);
}

/* Write held bytes back to the client. */
static ssize_t
echo_drain(struct echo *ec)
{
	ssize_t	n;

	n = send(ec->ec_fd, ec->ec_buf + ec->ec_off, ec->ec_held, 0);
	if (n > 0) {
		ec->ec_off += (size_t)n;
		ec->ec_held -= (size_t)n;
	}
	return (n);
}

/*
 * The socket became readable or writable: move bytes until the kernel says
 * wait. With edge triggering that is the only way to be woken again.
 */
static void
echo_cb(UNUSED evutil_socket_t fd, UNUSED short what, void *arg)
{
	struct echo	*ec = arg;
	ssize_t		 n;
	int		 error;

	for (;;) {
		if (ec->ec_held != 0) {
			if ((n = echo_drain(ec)) > 0)
				continue;
		} else {
			if ((n = echo_fill(ec)) > 0)
				continue;
			if (n == 0) {		/* EOF, everything written */
				echo_close(ec);
				return;
			}
		}
		error = EVUTIL_SOCKET_ERROR();
		if (n == -1 && error == EINTR)
			continue;
		if (n == -1 && (error == EAGAIN || error == EWOULDBLOCK))
			return;		/* the next edge wakes us */
		log_debug("%s: echo: %s", ec->ec_se->se_label,
		    evutil_socket_error_to_string(error));
		echo_close(ec);
		return;
	}
}

/*
 * Start echo on an accepted socket if this loop can edge-trigger; 0 when it
 * cannot, and the caller uses the bufferevent echo.
 */
int
echo_start(struct service *se, evutil_socket_t fd, struct source *so)
{
	static int	 can_et = -1;	/* the loop does not change */
	struct echo	*ec;

	if (can_et == -1)
		can_et = (event_base_get_features(ev_base) & EV_FEATURE_ET) != 0;
	if (!can_et)
		return (0);
	ec = xcalloc(1, sizeof *ec);
	evutil_make_socket_nonblocking(fd);
	ec->ec_se = se;
	ec->ec_so = so;
	ec->ec_fd = fd;
	ec->ec_ev = event_new(ev_base, fd, EV_READ|EV_WRITE|EV_PERSIST|EV_ET,
	    echo_cb, ec);
	if (ec->ec_ev == NULL)
		fatalx("event_new failed");
	link_add(&echo_conns, &ec->ec_link);
	service_conn_begin(se, so);
	event_add(ec->ec_ev, NULL);
	return (1);
}

/* Close every fast-path echo connection, at shutdown. */
void
echo_shutdown(void)
{
	while (echo_conns != NULL)
		echo_close((struct echo *)echo_conns);
}
