/*
 * loadgen: the benchmark's load generator. One process, non-blocking sockets
 * and poll(2), no threads and no libevent, so that it measures the daemon
 * under test and not itself.
 *
 *   loadgen conn [-n N | -D secs] [-c C] [-T secs] host port
 *	N connections, C at a time: connect, read to EOF, close. Reports
 *	connections/s, p50/p99/max connect-to-EOF latency and every error.
 *   loadgen echo [-b bytes] [-c C] [-T secs] host port
 *	Stream bytes through an echo service (C connections share them).
 *   loadgen chargen [-b bytes] [-c C] [-T secs] host port
 *	Read bytes from a chargen service.
 *   loadgen wait [-t ms] [-k pid [-s sig]] host port
 *	Poll until a connection succeeds (optionally after sending pid a
 *	signal, SIGHUP by default) and print how long it took.
 *
 * Standard output gets one line of key=value pairs; standard error a line
 * for people. The exit status is 0 when no connection failed.
 */

#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * One read or write: large enough that an echo run measures the daemon, not
 * this client (at 64 KB the client's own system time was the whole run).
 */
#define LOADGEN_BUFSIZE	(256 * 1024)

enum loadgen_mode { LG_CONN, LG_ECHO, LG_CHARGEN, LG_WAIT };

/* The ways a connection can fail, each counted. */
enum loadgen_err {
	ERR_REFUSED,	/* connect: ECONNREFUSED */
	ERR_RESET,	/* ECONNRESET or EPIPE, on read or write */
	ERR_TIMEOUT,	/* no EOF (or not all bytes) within -T */
	ERR_SHORT,	/* EOF before the expected bytes (echo, chargen) */
	ERR_ADDR,	/* EADDRNOTAVAIL/EADDRINUSE: out of local ports */
	ERR_FD,		/* socket(): EMFILE, ENFILE, ENOBUFS */
	ERR_OTHER,	/* anything else */
	ERR_NKINDS
};

static const char *loadgen_errname[ERR_NKINDS] = {
	"refused", "reset", "timeout", "short", "addr", "fd", "other"
};

/* One connection slot. */
struct conn {
	int	 fd;		/* -1 when the slot is free */
	int	 connected;
	double	 start;		/* when connect was called, seconds */
	size_t	 want_out;	/* bytes still to write (echo) */
	size_t	 want_in;	/* bytes still to read (echo, chargen) */
	size_t	 got;		/* bytes read */
};

/* Everything a run counts. */
struct run {
	enum loadgen_mode mode;
	long		 n;		/* connections to make (conn) */
	double		 duration;	/* or run this long (conn -D) */
	int		 c;		/* at a time */
	double		 timeout;	/* per connection, seconds */
	size_t		 bytes;		/* echo, chargen */
	struct addrinfo	*ai;
	long		 started, done, ok, empty;
	long		 err[ERR_NKINDS];
	int		 last_errno;
	double		*lat;		/* latencies of successful conns, ms */
	size_t		 nlat, lat_cap;
	unsigned long long total_bytes;
};

static char loadgen_buf[LOADGEN_BUFSIZE];

/* Print usage and exit 2. */
static void
loadgen_usage(void)
{
	fprintf(stderr,
	    "usage: loadgen conn [-n N | -D secs] [-c C] [-T secs] host port\n"
	    "       loadgen echo [-b bytes] [-c C] [-T secs] host port\n"
	    "       loadgen chargen [-b bytes] [-c C] [-T secs] host port\n"
	    "       loadgen wait [-t ms] [-k pid [-s sig]] host port\n");
	exit(2);
}

/* Print a message with the program name and exit 2. */
static void
loadgen_die(const char *what, const char *detail)
{
	fprintf(stderr, "loadgen: %s%s%s\n", what, detail ? ": " : "",
	    detail ? detail : "");
	exit(2);
}

/* The monotonic clock in seconds. */
static double
loadgen_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Parse a non-negative number with an optional k/m/g suffix (powers of 2). */
static double
loadgen_number(const char *s)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || v < 0)
		loadgen_die("bad number", s);
	switch (*end) {
	case 'k': case 'K': v *= 1024; end++; break;
	case 'm': case 'M': v *= 1024 * 1024; end++; break;
	case 'g': case 'G': v *= 1024.0 * 1024 * 1024; end++; break;
	}
	if (*end != '\0')
		loadgen_die("bad number", s);
	return (v);
}

/* Classify an errno into an error kind. */
static enum loadgen_err
loadgen_kind(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return (ERR_REFUSED);
	case ECONNRESET:
	case EPIPE:
		return (ERR_RESET);
	case ETIMEDOUT:
		return (ERR_TIMEOUT);
	case EADDRNOTAVAIL:
	case EADDRINUSE:
		return (ERR_ADDR);
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
		return (ERR_FD);
	}
	return (ERR_OTHER);
}

/* Count a failed connection and free its slot. */
static void
loadgen_fail(struct run *r, struct conn *cn, enum loadgen_err kind, int e)
{
	r->err[kind]++;
	if (e != 0)
		r->last_errno = e;
	if (cn->fd != -1)
		close(cn->fd);
	cn->fd = -1;
	r->done++;
}

/*
 * Read what came back. Echo and chargen bytes are only counted, so on Linux
 * they are dropped in the kernel (MSG_TRUNC) rather than copied out: that
 * copy made this client, not the daemon, the bound of an echo run.
 */
static ssize_t
loadgen_read(const struct run *r, int fd, size_t chunk)
{
#if defined(__linux__) && defined(MSG_TRUNC)
	if (r->mode != LG_CONN)
		return (recv(fd, NULL, chunk, MSG_TRUNC));
#endif
	return (read(fd, loadgen_buf, chunk));
}

/* Record a finished connection's latency and free its slot. */
static void
loadgen_finish(struct run *r, struct conn *cn, double now)
{
	close(cn->fd);
	cn->fd = -1;
	r->done++;
	if (r->mode == LG_CONN && cn->got == 0) {
		r->empty++;	/* closed without a byte: a limit, say */
		return;
	}
	r->ok++;
	if (r->nlat == r->lat_cap) {
		r->lat_cap = r->lat_cap ? r->lat_cap * 2 : 1024;
		r->lat = realloc(r->lat, r->lat_cap * sizeof(*r->lat));
		if (r->lat == NULL)
			loadgen_die("out of memory", NULL);
	}
	r->lat[r->nlat++] = (now - cn->start) * 1000.0;
}

/* Start a non-blocking connect in a free slot; 0 if it could not start. */
static int
loadgen_start(struct run *r, struct conn *cn, size_t share)
{
	int	 fd, on = 1;

	cn->start = loadgen_now();
	cn->connected = 0;
	cn->got = 0;
	cn->want_out = r->mode == LG_ECHO ? share : 0;
	cn->want_in = r->mode == LG_CONN ? 0 : share;
	r->started++;
	if ((fd = socket(r->ai->ai_family, SOCK_STREAM, 0)) == -1) {
		cn->fd = -1;
		loadgen_fail(r, cn, loadgen_kind(errno), errno);
		return (0);
	}
	cn->fd = fd;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		loadgen_fail(r, cn, ERR_OTHER, errno);
		return (0);
	}
	if (r->mode == LG_ECHO)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on));
	if (connect(fd, r->ai->ai_addr, r->ai->ai_addrlen) == 0)
		cn->connected = 1;
	else if (errno != EINPROGRESS) {
		loadgen_fail(r, cn, loadgen_kind(errno), errno);
		return (0);
	}
	return (1);
}

/* The events a slot waits for. */
static short
loadgen_events(const struct conn *cn)
{
	if (!cn->connected)
		return (POLLOUT);
	if (cn->want_out > 0)
		return (POLLIN | POLLOUT);
	return (POLLIN);
}

/* Whether the slot has everything it came for. */
static int
loadgen_complete(const struct run *r, const struct conn *cn)
{
	return (r->mode != LG_CONN && cn->want_out == 0 && cn->want_in == 0);
}

/* Move a slot on after poll said it is ready. */
static void
loadgen_step(struct run *r, struct conn *cn, short revents, double now)
{
	socklen_t	 len;
	ssize_t		 n;
	size_t		 chunk;
	int		 e = 0;

	if (!cn->connected) {
		len = sizeof(e);
		if (getsockopt(cn->fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
			e = errno;
		if (e != 0) {
			loadgen_fail(r, cn, loadgen_kind(e), e);
			return;
		}
		if ((revents & (POLLOUT | POLLERR | POLLHUP)) == 0)
			return;
		cn->connected = 1;
		return;
	}
	if ((revents & POLLOUT) && cn->want_out > 0) {
		chunk = cn->want_out < sizeof(loadgen_buf) ?
		    cn->want_out : sizeof(loadgen_buf);
		n = write(cn->fd, loadgen_buf, chunk);
		if (n == -1 && errno != EAGAIN && errno != EINTR) {
			loadgen_fail(r, cn, loadgen_kind(errno), errno);
			return;
		}
		if (n > 0) {
			cn->want_out -= n;
			if (cn->want_out == 0)
				(void)shutdown(cn->fd, SHUT_WR);
		}
	}
	if (revents & (POLLIN | POLLERR | POLLHUP)) {
		chunk = sizeof(loadgen_buf);
		if (r->mode != LG_CONN && cn->want_in < chunk)
			chunk = cn->want_in;
		if (chunk == 0)
			chunk = 1;	/* only an error or EOF is left */
		n = loadgen_read(r, cn->fd, chunk);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				loadgen_fail(r, cn, loadgen_kind(errno), errno);
			return;
		}
		if (n == 0) {
			if (r->mode == LG_CONN)
				loadgen_finish(r, cn, now);
			else
				loadgen_fail(r, cn, ERR_SHORT, 0);
			return;
		}
		cn->got += n;
		r->total_bytes += n;
		if (r->mode != LG_CONN)
			cn->want_in -= n;
	}
	if (loadgen_complete(r, cn))
		loadgen_finish(r, cn, loadgen_now());
}

/* Whether another connection should be started now. */
static int
loadgen_more(const struct run *r, double t0, double now)
{
	if (r->duration > 0)
		return (now - t0 < r->duration);
	return (r->started < r->n);
}

/* Run conn, echo or chargen: keep c slots busy until all are done. */
static double
loadgen_run(struct run *r)
{
	struct conn	*slots;
	struct pollfd	*pfd;
	int		*map;
	double		 t0, now;
	size_t		 share;
	int		 i, np, rc;

	if ((slots = calloc(r->c, sizeof(*slots))) == NULL ||
	    (pfd = calloc(r->c, sizeof(*pfd))) == NULL ||
	    (map = calloc(r->c, sizeof(*map))) == NULL)
		loadgen_die("out of memory", NULL);
	for (i = 0; i < r->c; i++)
		slots[i].fd = -1;
	share = r->mode == LG_CONN ? 0 : r->bytes / (size_t)r->c;
	t0 = now = loadgen_now();
	for (;;) {
		for (i = 0; i < r->c; i++)
			if (slots[i].fd == -1 && loadgen_more(r, t0, now))
				(void)loadgen_start(r, &slots[i], share);
		for (i = 0, np = 0; i < r->c; i++) {
			if (slots[i].fd == -1)
				continue;
			if (now - slots[i].start > r->timeout) {
				loadgen_fail(r, &slots[i], ERR_TIMEOUT, 0);
				continue;
			}
			pfd[np].fd = slots[i].fd;
			pfd[np].events = loadgen_events(&slots[i]);
			pfd[np].revents = 0;
			map[np++] = i;
		}
		if (np == 0) {
			if (!loadgen_more(r, t0, now))
				break;
			now = loadgen_now();
			continue;	/* every start failed at once: retry */
		}
		rc = poll(pfd, np, 100);
		if (rc == -1 && errno != EINTR)
			loadgen_die("poll", strerror(errno));
		now = loadgen_now();
		for (i = 0; rc > 0 && i < np; i++)
			if (pfd[i].revents != 0)
				loadgen_step(r, &slots[map[i]], pfd[i].revents,
				    now);
	}
	free(slots);
	free(pfd);
	free(map);
	return (now - t0);
}

/* Compare two doubles for qsort. */
static int
loadgen_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

/* The nearest-rank percentile p of sorted v (0 when empty). */
static double
loadgen_pct(const double *v, size_t n, double p)
{
	size_t	i;

	if (n == 0)
		return (0);
	i = (size_t)(p / 100.0 * n + 0.999999);
	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return (v[i - 1]);
}

/* Print the errors as key=value pairs, and their total. */
static long
loadgen_print_errors(const struct run *r, FILE *fp)
{
	long	total = 0;
	int	k;

	for (k = 0; k < ERR_NKINDS; k++) {
		fprintf(fp, " err_%s=%ld", loadgen_errname[k], r->err[k]);
		total += r->err[k];
	}
	fprintf(fp, " errors=%ld", total);
	return (total);
}

/* Print the human line's list of errors, or "no errors". */
static void
loadgen_human_errors(const struct run *r)
{
	int	k, any = 0;

	for (k = 0; k < ERR_NKINDS; k++) {
		if (r->err[k] == 0)
			continue;
		fprintf(stderr, "%s%ld %s", any ? ", " : "", r->err[k],
		    loadgen_errname[k]);
		any = 1;
	}
	if (!any)
		fprintf(stderr, "no errors");
	else if (r->last_errno != 0)
		fprintf(stderr, " (last: %s)", strerror(r->last_errno));
	fputc('\n', stderr);
}

/* Report a conn run. */
static long
loadgen_report_conn(struct run *r, double elapsed)
{
	double	p50, p99, max, rate;
	long	errors;

	qsort(r->lat, r->nlat, sizeof(*r->lat), loadgen_cmp);
	p50 = loadgen_pct(r->lat, r->nlat, 50);
	p99 = loadgen_pct(r->lat, r->nlat, 99);
	max = r->nlat ? r->lat[r->nlat - 1] : 0;
	rate = elapsed > 0 ? r->ok / elapsed : 0;
	printf("mode=conn n=%ld c=%d ok=%ld empty=%ld conns_per_s=%.1f "
	    "p50_ms=%.3f p99_ms=%.3f max_ms=%.3f elapsed_s=%.3f",
	    r->done, r->c, r->ok, r->empty, rate, p50, p99, max, elapsed);
	errors = loadgen_print_errors(r, stdout);
	putchar('\n');
	fprintf(stderr, "conn: %ld of %ld served in %.2f s at %d at a time: "
	    "%.1f conn/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms; "
	    "%ld closed without data; ", r->ok, r->done, elapsed, r->c, rate,
	    p50, p99, max, r->empty);
	loadgen_human_errors(r);
	return (errors);
}

/* Report an echo or chargen run. */
static long
loadgen_report_stream(struct run *r, double elapsed)
{
	const char	*name = r->mode == LG_ECHO ? "echo" : "chargen";
	double		 mbs;
	long		 errors;

	mbs = elapsed > 0 ? r->total_bytes / elapsed / 1e6 : 0;
	printf("mode=%s bytes=%llu c=%d mb_per_s=%.1f elapsed_s=%.3f", name,
	    r->total_bytes, r->c, mbs, elapsed);
	errors = loadgen_print_errors(r, stdout);
	putchar('\n');
	fprintf(stderr, "%s: %llu bytes back in %.3f s over %d connection%s: "
	    "%.1f MB/s; ", name, r->total_bytes, elapsed, r->c,
	    r->c == 1 ? "" : "s", mbs);
	loadgen_human_errors(r);
	return (errors);
}

/* Try one connect, waiting at most ms; 1 if it was accepted. */
static int
loadgen_try(const struct addrinfo *ai, int ms, int *err)
{
	struct pollfd	pfd;
	socklen_t	len;
	int		fd, e = 0, ok = 0;

	if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) == -1) {
		*err = errno;
		return (0);
	}
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		ok = 1;
	else if (errno == EINPROGRESS) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, ms) == 1) {
			len = sizeof(e);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
				e = errno;
			ok = e == 0;
		} else
			e = ETIMEDOUT;
	} else
		e = errno;
	*err = e;
	close(fd);
	return (ok);
}

/* wait mode: signal pid if asked, then connect until it works. */
static int
loadgen_wait(const struct addrinfo *ai, double timeout_ms, pid_t pid, int sig)
{
	struct timespec	 pause = { 0, 1000000 };	/* 1 ms */
	double		 t0, ms;
	long		 tries = 0;
	int		 e = 0, ok = 0;

	t0 = loadgen_now();
	if (pid > 0 && kill(pid, sig) == -1)
		loadgen_die("kill", strerror(errno));
	for (;;) {
		tries++;
		if (loadgen_try(ai, 100, &e)) {
			ok = 1;
			break;
		}
		if ((loadgen_now() - t0) * 1000.0 >= timeout_ms)
			break;
		nanosleep(&pause, NULL);
	}
	ms = (loadgen_now() - t0) * 1000.0;
	printf("mode=wait ok=%d ms=%.3f tries=%ld\n", ok, ms, tries);
	if (ok)
		fprintf(stderr, "wait: answered after %.1f ms (%ld tries)\n",
		    ms, tries);
	else
		fprintf(stderr, "wait: no answer in %.0f ms (%ld tries; "
		    "last: %s)\n", ms, tries, strerror(e));
	return (ok ? 0 : 1);
}

/* Resolve host and port to the first stream address. */
static struct addrinfo *
loadgen_resolve(const char *host, const char *port)
{
	struct addrinfo	 hints, *ai;
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0)
		loadgen_die(host, gai_strerror(rc));
	return (ai);
}

/* Parse the mode and options, run, report. */
int
main(int argc, char *argv[])
{
	struct run	 r;
	double		 elapsed, wait_ms = 10000;
	pid_t		 pid = 0;
	int		 ch, sig = SIGHUP;
	long		 errors;

	if (argc < 2)
		loadgen_usage();
	memset(&r, 0, sizeof(r));
	if (strcmp(argv[1], "conn") == 0)
		r.mode = LG_CONN;
	else if (strcmp(argv[1], "echo") == 0)
		r.mode = LG_ECHO;
	else if (strcmp(argv[1], "chargen") == 0)
		r.mode = LG_CHARGEN;
	else if (strcmp(argv[1], "wait") == 0)
		r.mode = LG_WAIT;
	else
		loadgen_usage();
	r.n = 1000;
	r.c = 1;
	r.timeout = 10;
	r.bytes = 64 * 1024 * 1024;
	argc--;
	argv++;
	while ((ch = getopt(argc, argv, "b:c:D:k:n:s:T:t:")) != -1) {
		switch (ch) {
		case 'b':
			r.bytes = (size_t)loadgen_number(optarg);
			break;
		case 'c':
			r.c = (int)loadgen_number(optarg);
			break;
		case 'D':
			r.duration = loadgen_number(optarg);
			break;
		case 'k':
			pid = (pid_t)loadgen_number(optarg);
			break;
		case 'n':
			r.n = (long)loadgen_number(optarg);
			break;
		case 's':
			sig = (int)loadgen_number(optarg);
			break;
		case 'T':
			r.timeout = loadgen_number(optarg);
			break;
		case 't':
			wait_ms = loadgen_number(optarg);
			break;
		default:
			loadgen_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2 || r.c < 1)
		loadgen_usage();
	signal(SIGPIPE, SIG_IGN);
	r.ai = loadgen_resolve(argv[0], argv[1]);
	if (r.mode == LG_WAIT)
		return (loadgen_wait(r.ai, wait_ms, pid, sig));
	if (r.mode != LG_CONN) {
		r.n = r.c;	/* one connection per slot, bytes shared */
		r.duration = 0;
		if (r.bytes < (size_t)r.c)
			r.bytes = r.c;
	}
	memset(loadgen_buf, 'x', sizeof(loadgen_buf));
	elapsed = loadgen_run(&r);
	if (r.mode == LG_CONN)
		errors = loadgen_report_conn(&r, elapsed);
	else
		errors = loadgen_report_stream(&r, elapsed);
	free(r.lat);
	freeaddrinfo(r.ai);
	return (errors == 0 ? 0 : 1);
}
