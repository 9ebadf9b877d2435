/*
 * The built-in services (RFC 862, 863, 864, 867, 868), run inside the daemon:
 * streams on bufferevents with back-pressure, datagrams answered directly.
 */

#include "pinetd.h"

#include <sys/un.h>

#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BUILTIN_HIGH		(256 * 1024)	/* most bytes queued per client */
#define BUILTIN_LOW		(64 * 1024)	/* refill / resume below this */
#define BUILTIN_DGRAMS		16		/* datagrams per wake-up */
#define BUILTIN_LOWPORTS	1024		/* UDP sources below: no answer */
#define BUILTIN_NFSPORT		2049		/* nor from NFS */
#define BUILTIN_FTPDATA		20		/* TCP source: an FTP bounce */
#define BUILTIN_CHARGEN_LINE	74		/* 72 characters and CRLF */
#define BUILTIN_1900		2208988800UL	/* 1900-01-01 to 1970-01-01 */

/* One whole chargen cycle: 95 lines, each starting one character later. */
static char	builtin_cycle[95 * BUILTIN_CHARGEN_LINE];
static int	builtin_cycle_ready;

static void	builtin_event_cb(struct bufferevent *, short, void *);
static void	builtin_echo_stream(struct service *, int, struct source *);
static void	builtin_discard_stream(struct service *, int, struct source *);
static void	builtin_chargen_stream(struct service *, int, struct source *);
static void	builtin_daytime_stream(struct service *, int, struct source *);
static void	builtin_time_stream(struct service *, int, struct source *);
static void	builtin_echo_dgram(struct service *);
static void	builtin_discard_dgram(struct service *);
static void	builtin_chargen_dgram(struct service *);
static void	builtin_daytime_dgram(struct service *);
static void	builtin_time_dgram(struct service *);

static const struct builtin builtins[] = {
	{ "echo",    builtin_echo_stream,    builtin_echo_dgram },
	{ "discard", builtin_discard_stream, builtin_discard_dgram },
	{ "daytime", builtin_daytime_stream, builtin_daytime_dgram },
	{ "chargen", builtin_chargen_stream, builtin_chargen_dgram },
	{ "time",    builtin_time_stream,    builtin_time_dgram },
	{ NULL,      NULL,                   NULL }
};

/* Look up a built-in by name. */
const struct builtin *
builtin_find(const char *name)
{
	const struct builtin	*bi;

	for (bi = builtins; bi->bi_name != NULL; bi++) {
		if (strcmp(bi->bi_name, name) == 0)
			return (bi);
	}
	return (NULL);
}

static unsigned char	builtin_udp_ports[65536 / 8];

/* The port of an internet service's address; 0 for a unix one. */
static int
builtin_service_port(const struct service *se)
{
	const struct sockaddr_in	*sin = (const void *)&se->se_addr;
	const struct sockaddr_in6	*sin6 = (const void *)&se->se_addr;

	switch (se->se_addr.ss_family) {
	case AF_INET:
		return (ntohs(sin->sin_port));
	case AF_INET6:
		return (ntohs(sin6->sin6_port));
	}
	return (0);
}

/*
 * Note the ports of the UDP built-ins configured, after a load or reload,
 * so the loop guard below costs one bit test per datagram, not a walk of
 * the service table.
 */
void
builtin_ports_update(void)
{
	const struct service	*se;

	memset(builtin_udp_ports, 0, sizeof builtin_udp_ports);
	for (se = services; se != NULL; se = se->se_next) {
		if (se->se_builtin != NULL && se->se_socktype == SOCK_DGRAM)
			builtin_udp_ports[builtin_service_port(se) / 8] |=
			    1 << (builtin_service_port(se) % 8);
	}
}

/*
 * Whether a UDP source port must never be answered (loop protection): every
 * port below 1024, where services that answer anything live (qotd on 17
 * bounced one spoofed datagram off echo for ever), NFS's 2049, as the BSD
 * inetds refuse them, and the port of every UDP built-in configured here, so
 * echo moved to 7007 cannot be bounced off another echo on 7007.
 */
int
builtin_port_reserved(int port)
{
	if (port < BUILTIN_LOWPORTS || port > 65535 || port == BUILTIN_NFSPORT)
		return (1);
	return ((builtin_udp_ports[port / 8] >> (port % 8)) & 1);
}

/*
 * Whether a TCP client comes from port 20, the FTP data port: an FTP server
 * told by a third party to send a file (PORT) to chargen or echo would be
 * fed, or would feed, for ever. openbsd-inetd refuses these too.
 */
int
builtin_bounced(const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;

	switch (sa->sa_family) {
	case AF_INET:
		return (ntohs(sin->sin_port) == BUILTIN_FTPDATA);
	case AF_INET6:
		return (ntohs(sin6->sin6_port) == BUILTIN_FTPDATA);
	}
	return (0);
}

/* Build the chargen cycle once. */
static void
builtin_chargen_init(void)
{
	int	line, i;
	char	*p = builtin_cycle;

	if (builtin_cycle_ready)
		return;
	for (line = 0; line < 95; line++) {
		for (i = 0; i < 72; i++)
			*p++ = (char)(' ' + (line + i) % 95);
		*p++ = '\r';
		*p++ = '\n';
	}
	builtin_cycle_ready = 1;
}

/* One stream connection to a built-in: it holds the service and its limits. */
struct builtin_conn {
	struct link		 bc_link;	/* every open connection */
	struct service		*bc_se;
	struct source		*bc_so;
	struct bufferevent	*bc_bev;
};

static struct link	*builtin_conns;

/*
 * Wrap an accepted socket in a bufferevent whose callback argument is the
 * connection record; NULL (and closed) on failure.
 */
static struct bufferevent *
builtin_bev(struct service *se, int fd, struct source *so,
    struct builtin_conn **ret)
{
	struct bufferevent	*bev;
	struct builtin_conn	*bc;

	evutil_make_socket_nonblocking(fd);
	bev = bufferevent_socket_new(ev_base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		log_warnx("bufferevent_socket_new failed");
		evutil_closesocket(fd);
		return (NULL);
	}
	/* Large reads and writes: fewer system calls per megabyte. */
	bufferevent_set_max_single_read(bev, BUILTIN_HIGH);
	bufferevent_set_max_single_write(bev, BUILTIN_HIGH);
	bc = xcalloc(1, sizeof *bc);
	bc->bc_se = se;
	bc->bc_so = so;
	bc->bc_bev = bev;
	link_add(&builtin_conns, &bc->bc_link);
	service_conn_begin(se, so);
	*ret = bc;
	return (bev);
}

/* The connection record a bufferevent carries. */
static struct builtin_conn *
builtin_conn(struct bufferevent *bev)
{
	void	*arg;

	bufferevent_getcb(bev, NULL, NULL, NULL, &arg);
	return (arg);
}

/* Close a connection and release what it held. */
static void
builtin_close(struct bufferevent *bev)
{
	struct builtin_conn	*bc = builtin_conn(bev);

	bufferevent_free(bev);
	link_del(&builtin_conns, &bc->bc_link);
	service_conn_end(bc->bc_se, bc->bc_so);
	free(bc);
}

/* Free a connection once everything queued has been written. */
static void
builtin_drained_cb(struct bufferevent *bev, UNUSED void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		builtin_close(bev);
}

/* Close after the output drains: stop reading and wait for the last write. */
static void
builtin_finish(struct bufferevent *bev)
{
	bufferevent_disable(bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
		builtin_close(bev);
		return;
	}
	bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
	bufferevent_setcb(bev, NULL, builtin_drained_cb, builtin_event_cb,
	    builtin_conn(bev));
}

/* End of stream or error: finish politely on EOF, at once on error. */
static void
builtin_event_cb(struct bufferevent *bev, short what, UNUSED void *arg)
{
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR))
		builtin_finish(bev);
	else
		builtin_close(bev);
}

/* Echo: send back what arrives, pausing reads while the client lags. */
static void
builtin_echo_read_cb(struct bufferevent *bev, UNUSED void *arg)
{
	struct evbuffer	*out = bufferevent_get_output(bev);

	evbuffer_add_buffer(out, bufferevent_get_input(bev));
	if (evbuffer_get_length(out) >= BUILTIN_HIGH)
		bufferevent_disable(bev, EV_READ);
}

/* Echo: the client caught up, so read again. */
static void
builtin_echo_write_cb(struct bufferevent *bev, UNUSED void *arg)
{
	bufferevent_enable(bev, EV_READ);
}

/* Start an echo connection: echo.c's fast path where the loop allows. */
static void
builtin_echo_stream(struct service *se, int fd, struct source *so)
{
	struct builtin_conn	*bc;
	struct bufferevent	*bev;

	if (echo_start(se, fd, so))
		return;
	if ((bev = builtin_bev(se, fd, so, &bc)) == NULL)
		return;
	bufferevent_setcb(bev, builtin_echo_read_cb, builtin_echo_write_cb,
	    builtin_event_cb, bc);
	bufferevent_setwatermark(bev, EV_READ, 0, BUILTIN_HIGH);
	bufferevent_setwatermark(bev, EV_WRITE, BUILTIN_LOW, 0);
	bufferevent_enable(bev, EV_READ);
}

/* Discard: drop whatever arrives. */
static void
builtin_discard_read_cb(struct bufferevent *bev, UNUSED void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);

	evbuffer_drain(in, evbuffer_get_length(in));
}

/* Start a discard connection. */
static void
builtin_discard_stream(struct service *se, int fd, struct source *so)
{
	struct builtin_conn	*bc;
	struct bufferevent	*bev;

	if ((bev = builtin_bev(se, fd, so, &bc)) == NULL)
		return;
	bufferevent_setcb(bev, builtin_discard_read_cb, NULL,
	    builtin_event_cb, bc);
	bufferevent_enable(bev, EV_READ);
}

/* Chargen: queue whole cycles by reference, never a line per write. */
static void
builtin_chargen_write_cb(struct bufferevent *bev, UNUSED void *arg)
{
	struct evbuffer	*out = bufferevent_get_output(bev);

	while (evbuffer_get_length(out) < BUILTIN_HIGH)
		evbuffer_add_reference(out, builtin_cycle,
		    sizeof builtin_cycle, NULL, NULL);
}

/* Chargen: a client closing its side ends the stream at once. */
static void
builtin_chargen_event_cb(struct bufferevent *bev, UNUSED short what,
    UNUSED void *arg)
{
	builtin_close(bev);
}

/* Start a chargen connection. */
static void
builtin_chargen_stream(struct service *se, int fd, struct source *so)
{
	struct builtin_conn	*bc;
	struct bufferevent	*bev;

	builtin_chargen_init();
	if ((bev = builtin_bev(se, fd, so, &bc)) == NULL)
		return;
	bufferevent_setcb(bev, builtin_discard_read_cb,
	    builtin_chargen_write_cb, builtin_chargen_event_cb, bc);
	bufferevent_setwatermark(bev, EV_WRITE, BUILTIN_LOW, 0);
	builtin_chargen_write_cb(bev, NULL);
	bufferevent_enable(bev, EV_READ|EV_WRITE);
}

/*
 * The human-readable time of RFC 867, as BSD inetd writes it (ctime's
 * format, in English whatever the locale; not strftime, as %e is not
 * everywhere).
 */
static size_t
builtin_daytime_text(char *buf, size_t size)
{
	static const char days[] = "SunMonTueWedThuFriSat";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	time_t		 now = time(NULL);
	struct tm	*tm = localtime(&now);
	int		 n;

	if (tm == NULL || tm->tm_wday < 0 || tm->tm_wday > 6 ||
	    tm->tm_mon < 0 || tm->tm_mon > 11)
		return (0);
	n = snprintf(buf, size, "%.3s %.3s %2d %02d:%02d:%02d %d\r\n",
	    days + 3 * tm->tm_wday, months + 3 * tm->tm_mon, tm->tm_mday,
	    tm->tm_hour, tm->tm_min, tm->tm_sec, tm->tm_year + 1900);
	if (n < 0 || (size_t)n >= size)
		return (0);
	return ((size_t)n);
}

/* The machine-readable time of RFC 868: seconds since 1900, big-endian. */
static void
builtin_time_bytes(unsigned char out[4])
{
	unsigned long	t = (unsigned long)time(NULL) + BUILTIN_1900;

	out[0] = (t >> 24) & 0xff;
	out[1] = (t >> 16) & 0xff;
	out[2] = (t >> 8) & 0xff;
	out[3] = t & 0xff;
}

/* Start a daytime connection: one line, then close. */
static void
builtin_daytime_stream(struct service *se, int fd, struct source *so)
{
	struct builtin_conn	*bc;
	struct bufferevent	*bev;
	char			 buf[128];
	size_t			 len;

	if ((bev = builtin_bev(se, fd, so, &bc)) == NULL)
		return;
	len = builtin_daytime_text(buf, sizeof buf);
	bufferevent_setcb(bev, NULL, NULL, builtin_event_cb, bc);
	bufferevent_write(bev, buf, len);
	bufferevent_enable(bev, EV_WRITE);
	builtin_finish(bev);
}

/* Start a time connection: four bytes, then close. */
static void
builtin_time_stream(struct service *se, int fd, struct source *so)
{
	struct builtin_conn	*bc;
	struct bufferevent	*bev;
	unsigned char		 t[4];

	if ((bev = builtin_bev(se, fd, so, &bc)) == NULL)
		return;
	builtin_time_bytes(t);
	bufferevent_setcb(bev, NULL, NULL, builtin_event_cb, bc);
	bufferevent_write(bev, t, sizeof t);
	bufferevent_enable(bev, EV_WRITE);
	builtin_finish(bev);
}

/* Whether a datagram's sender may be answered at all. */
static int
builtin_dgram_ok(const struct sockaddr_storage *ss, socklen_t len)
{
	const struct sockaddr_in	*sin = (const void *)ss;
	const struct sockaddr_in6	*sin6 = (const void *)ss;

	switch (ss->ss_family) {
	case AF_INET:
		return (!builtin_port_reserved(ntohs(sin->sin_port)));
	case AF_INET6:
		return (!builtin_port_reserved(ntohs(sin6->sin6_port)));
	case AF_UNIX:
		return ((size_t)len > offsetof(struct sockaddr_un, sun_path));
	}
	return (0);
}

/*
 * Read the waiting datagrams, calling a reply function for each one whose
 * sender may be answered.
 */
static void
builtin_dgram_each(struct service *se, void (*reply)(struct service *,
    const char *, size_t, const struct sockaddr *, socklen_t,
    const struct dgram_dst *))
{
	struct sockaddr_storage	 ss;
	struct dgram_dst	 dst;
	socklen_t		 len;
	char			 buf[65536];
	const char		*why;
	ssize_t			 n;
	int			 i;

	for (i = 0; i < BUILTIN_DGRAMS; i++) {
		len = sizeof ss;
		n = dgram_recv(se->se_fd, buf, sizeof buf, &ss, &len, &dst);
		if (n == -1)
			return;
		if ((why = listen_dgram_refused(se, (void *)&ss)) != NULL) {
			listen_refuse_dgram(se, (void *)&ss, len, why);
			continue;
		}
		if (!builtin_dgram_ok(&ss, len)) {
			se->se_refused++;	/* counted, not logged: a loop */
			log_debug("%s: datagram from a reserved port ignored",
			    se->se_label);
			continue;
		}
		se->se_accepted++;
		if (reply != NULL)
			reply(se, buf, (size_t)n, (void *)&ss, len, &dst);
	}
}

/* Echo one datagram. */
static void
builtin_echo_reply_cb(struct service *se, const char *buf, size_t len,
    const struct sockaddr *sa, socklen_t salen, const struct dgram_dst *dst)
{
	dgram_send(se->se_fd, buf, len, sa, salen, dst);
}

/*
 * Answer one datagram with one chargen line, the next each time, as the
 * BSDs do: a spoofed one-byte datagram then draws 74 bytes, not the 512
 * RFC 864 allows (a smaller lever for an amplification attack).
 */
static void
builtin_chargen_reply_cb(struct service *se, UNUSED const char *buf,
    UNUSED size_t len, const struct sockaddr *sa, socklen_t salen,
    const struct dgram_dst *dst)
{
	static unsigned int	line;

	builtin_chargen_init();
	dgram_send(se->se_fd, builtin_cycle + (line++ % 95) *
	    BUILTIN_CHARGEN_LINE, BUILTIN_CHARGEN_LINE, sa, salen, dst);
}

/* Answer one datagram with the daytime text. */
static void
builtin_daytime_reply_cb(struct service *se, UNUSED const char *buf,
    size_t len, const struct sockaddr *sa, socklen_t salen,
    const struct dgram_dst *dst)
{
	char	text[128];

	len = builtin_daytime_text(text, sizeof text);
	dgram_send(se->se_fd, text, len, sa, salen, dst);
}

/* Answer one datagram with the binary time. */
static void
builtin_time_reply_cb(struct service *se, UNUSED const char *buf,
    UNUSED size_t len, const struct sockaddr *sa, socklen_t salen,
    const struct dgram_dst *dst)
{
	unsigned char	t[4];

	builtin_time_bytes(t);
	dgram_send(se->se_fd, t, sizeof t, sa, salen, dst);
}

/* UDP echo. */
static void
builtin_echo_dgram(struct service *se)
{
	builtin_dgram_each(se, builtin_echo_reply_cb);
}

/* UDP discard. */
static void
builtin_discard_dgram(struct service *se)
{
	builtin_dgram_each(se, NULL);
}

/* UDP chargen. */
static void
builtin_chargen_dgram(struct service *se)
{
	builtin_dgram_each(se, builtin_chargen_reply_cb);
}

/* UDP daytime. */
static void
builtin_daytime_dgram(struct service *se)
{
	builtin_dgram_each(se, builtin_daytime_reply_cb);
}

/* UDP time. */
static void
builtin_time_dgram(struct service *se)
{
	builtin_dgram_each(se, builtin_time_reply_cb);
}

/* Close every built-in stream connection, at shutdown. */
void
builtin_shutdown(void)
{
	while (builtin_conns != NULL)
		builtin_close(((struct builtin_conn *)builtin_conns)->bc_bev);
	echo_shutdown();
}
