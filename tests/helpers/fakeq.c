/*
 * fakeq: a stand-in for kdb+ q started by inetd, for the regression tests.
 *
 * The connection is on descriptors 0, 1 and 2.  fakeq reads the kdb+ IPC
 * handshake ("user:password", a capability byte, NUL) from fd 0, answers it
 * with one capability byte, then answers synchronous messages whose payload
 * is a char vector: "A+B" (two integers) gives a long atom, ".z.i" an int
 * atom (its pid), "getenv`NAME" a char vector, anything else the error 'nyi.
 * A handshake without the capability byte counts as capability 0 (a 0 byte
 * itself would read as the terminating NUL, so 0 is sent that way).
 * Replies are written to fd 0, as q does, so a wrapper may send 1 and 2
 * elsewhere.  Options (all other arguments are ignored, as q's would be):
 *   -u FILE  accept only the user:password lines of FILE; others are closed
 *   -e       write "q console noise" to fds 1 and 2 after the handshake
 *   -p PORT  listen on 127.0.0.1:PORT as "q -p PORT" does and serve one
 *            client after another until killed (for port hand-off)
 *   -q       print nothing (the default)
 * Exit status: 0 when the client closes, 1 on a protocol error or refusal.
 *
 * Windows (mingw-w64, run under Wine by tests/wine/kdb.py): pinetd makes the
 * socket the child's standard handles and fills the C runtime's descriptor
 * block, so the socket mode reads and writes fds 0 and 1 through the CRT
 * (binary mode) and never calls Winsock on them: under Wine a child cannot
 * use Winsock on a socket it inherited.  With -p, fakeq owns its listening
 * socket and serves each client over Winsock (recv/send) instead of moving
 * it to fd 0.
 */

#ifdef _WIN32
#include <winsock2.h>
#include <windows.h>

#include <fcntl.h>
#include <io.h>
#else
#if !defined(_XOPEN_SOURCE) && !defined(_GNU_SOURCE)
#define _XOPEN_SOURCE 700
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <signal.h>
#include <unistd.h>
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAKEQ_CREDMAX	1024		/* longest handshake accepted */
#define FAKEQ_MSGMAX	(1 << 20)	/* longest message read into memory */
#define FAKEQ_HDRLEN	8
#define FAKEQ_NOISE	"q console noise\n"

/* kdb+ type bytes used here. */
#define KT_INT		((unsigned char)-6)
#define KT_LONG		((unsigned char)-7)
#define KT_CHARS	10
#define KT_ERROR	((unsigned char)-128)

#ifdef _WIN32
/* -p mode: the client being served, read and written in place of fd 0. */
static SOCKET	fakeq_client = INVALID_SOCKET;

/* The largest single transfer handed to _read/_write or recv/send. */
#define FAKEQ_IOMAX	(1 << 30)
#endif

/*
 * One read(2) from fd; on Windows fd 0 is the -p client when there is one,
 * and the CRT's descriptor otherwise (the inherited socket in socket mode).
 */
static long
fakeq_io_read(int fd, void *buf, size_t len)
{
#ifdef _WIN32
	int	n;

	if (len > FAKEQ_IOMAX)
		len = FAKEQ_IOMAX;
	if (fd == 0 && fakeq_client != INVALID_SOCKET) {
		if ((n = recv(fakeq_client, buf, (int)len, 0)) == SOCKET_ERROR) {
			errno = EIO;
			return (-1);
		}
		return (n);
	}
	return (_read(fd, buf, (unsigned int)len));
#else
	return ((long)read(fd, buf, len));
#endif
}

/* One write(2) to fd, with the same choice of channel as fakeq_io_read. */
static long
fakeq_io_write(int fd, const void *buf, size_t len)
{
#ifdef _WIN32
	int	n;

	if (len > FAKEQ_IOMAX)
		len = FAKEQ_IOMAX;
	if (fd == 0 && fakeq_client != INVALID_SOCKET) {
		if ((n = send(fakeq_client, buf, (int)len, 0)) == SOCKET_ERROR) {
			errno = EIO;
			return (-1);
		}
		return (n);
	}
	return (_write(fd, buf, (unsigned int)len));
#else
	return ((long)write(fd, buf, len));
#endif
}

/* The process id q reports as .z.i. */
static uint32_t
fakeq_pid(void)
{
#ifdef _WIN32
	return ((uint32_t)GetCurrentProcessId());
#else
	return ((uint32_t)getpid());
#endif
}

/* Read exactly len bytes from fd: 1 done, 0 EOF before any byte, -1 else. */
static int
fakeq_read_full(int fd, unsigned char *buf, size_t len)
{
	size_t	got = 0;
	long	n;

	while (got < len) {
		n = fakeq_io_read(fd, buf + got, len - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (n == 0 && got == 0 ? 0 : -1);
		got += (size_t)n;
	}
	return (1);
}

/* Write all of buf to fd, retrying on short writes; 0 on success. */
static int
fakeq_write_all(int fd, const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	long			 n;

	while (len > 0) {
		n = fakeq_io_write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (-1);
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/* Decode a 4-byte unsigned integer, little- or big-endian. */
static uint32_t
fakeq_get32(const unsigned char *p, int little)
{
	if (little)
		return ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
	return ((uint32_t)p[3] | (uint32_t)p[2] << 8 |
	    (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24);
}

/* Encode the low n bytes of v little-endian at p. */
static void
fakeq_put_le(unsigned char *p, uint64_t v, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* True if the credentials cred appear as a whole line of the users file. */
static int
fakeq_user_ok(const char *file, const char *cred)
{
	FILE	*fp;
	char	 line[FAKEQ_CREDMAX + 2];
	size_t	 len;
	int	 ok = 0;

	if ((fp = fopen(file, "r")) == NULL)
		return (0);
	while (!ok && fgets(line, sizeof line, fp) != NULL) {
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		ok = len > 0 && strcmp(line, cred) == 0;
	}
	fclose(fp);
	return (ok);
}

/*
 * Read the handshake and answer it with one capability byte; with users
 * set, unknown credentials get no answer.  Returns 0 to go on, 1 if the
 * client closed before sending anything, -1 to stop on an error or refusal.
 */
static int
fakeq_handshake(const char *users, int noise)
{
	char		cred[FAKEQ_CREDMAX + 1];
	unsigned char	c, cap = 0;
	size_t		len = 0;
	int		r;

	for (;;) {
		if ((r = fakeq_read_full(0, &c, 1)) != 1)
			return (r == 0 && len == 0 ? 1 : -1);
		if (len == FAKEQ_CREDMAX)
			return (-1);
		if (c == '\0')
			break;
		cred[len++] = (char)c;
	}
	/* A trailing control byte is the capability; old clients send none. */
	if (len > 0 && (unsigned char)cred[len - 1] < 0x20)
		cap = (unsigned char)cred[--len];
	cred[len] = '\0';
	if (users != NULL && !fakeq_user_ok(users, cred))
		return (-1);
	c = cap < 3 ? cap : 3;
	if (fakeq_write_all(0, &c, 1) != 0)
		return (-1);
	if (noise) {
		(void)fakeq_write_all(1, FAKEQ_NOISE, strlen(FAKEQ_NOISE));
		(void)fakeq_write_all(2, FAKEQ_NOISE, strlen(FAKEQ_NOISE));
	}
	return (0);
}

/* Send one little-endian response message holding payload. */
static int
fakeq_send(const unsigned char *payload, size_t len)
{
	unsigned char	hdr[FAKEQ_HDRLEN] = { 1, 2, 0, 0 };

	fakeq_put_le(hdr + 4, (uint64_t)(len + FAKEQ_HDRLEN), 4);
	if (fakeq_write_all(0, hdr, sizeof hdr) != 0)
		return (-1);
	return (fakeq_write_all(0, payload, len));
}

/* Send the error 'text. */
static int
fakeq_send_error(const char *text)
{
	unsigned char	buf[64];
	size_t		len = strlen(text) + 1;

	if (len > sizeof buf - 1)
		len = sizeof buf - 1;
	buf[0] = KT_ERROR;
	memcpy(buf + 1, text, len - 1);
	buf[len] = '\0';
	return (fakeq_send(buf, len + 1));
}

/* Parse "A+B" (optional blanks, signed decimal integers) into their sum. */
static int
fakeq_parse_sum(const char *q, int64_t *sum)
{
	long long	a, b;
	char		*end;

	errno = 0;
	a = strtoll(q, &end, 10);
	if (end == q || errno != 0)
		return (-1);
	while (*end == ' ')
		end++;
	if (*end++ != '+')
		return (-1);
	q = end;
	while (*q == ' ')
		q++;
	if (*q != '-' && (*q < '0' || *q > '9'))
		return (-1);
	b = strtoll(q, &end, 10);
	if (end == q || errno != 0)
		return (-1);
	while (*end == ' ')
		end++;
	if (*end != '\0')
		return (-1);
	/* q's longs wrap around; do the same without signed overflow. */
	*sum = (int64_t)((uint64_t)a + (uint64_t)b);
	return (0);
}

/* Evaluate the query q and send the result or error. */
static int
fakeq_answer(const char *q)
{
	unsigned char	 buf[FAKEQ_HDRLEN + 4096];
	const char	*val;
	int64_t		 sum;
	size_t		 len;

	while (*q == ' ')
		q++;
	if (fakeq_parse_sum(q, &sum) == 0) {
		buf[0] = KT_LONG;
		fakeq_put_le(buf + 1, (uint64_t)sum, 8);
		return (fakeq_send(buf, 9));
	}
	if (strcmp(q, ".z.i") == 0) {
		buf[0] = KT_INT;
		fakeq_put_le(buf + 1, fakeq_pid(), 4);
		return (fakeq_send(buf, 5));
	}
	if (strncmp(q, "getenv`", 7) == 0 && q[7] != '\0') {
		if ((val = getenv(q + 7)) == NULL)
			val = "";
		len = strlen(val);
		if (len > sizeof buf - 6)
			return (fakeq_send_error("limit"));
		buf[0] = KT_CHARS;
		buf[1] = 0;
		fakeq_put_le(buf + 2, len, 4);
		memcpy(buf + 6, val, len);
		return (fakeq_send(buf, len + 6));
	}
	return (fakeq_send_error("nyi"));
}

/* Answer one synchronous message body of len bytes (msg has len + 1). */
static int
fakeq_sync(const unsigned char *hdr, unsigned char *msg, size_t len)
{
	if (hdr[2] != 0)
		return (fakeq_send_error("nyi"));	/* compressed */
	if (len < 6 || msg[0] != KT_CHARS ||
	    fakeq_get32(msg + 2, hdr[0] == 1) != len - 6)
		return (fakeq_send_error("type"));
	msg[len] = '\0';
	/* A NUL inside the text would cut the query short. */
	if (memchr(msg + 6, '\0', len - 6) != NULL)
		return (fakeq_send_error("char"));
	return (fakeq_answer((char *)msg + 6));
}

/*
 * Serve messages until the client closes (0) or breaks the protocol (-1).
 * Only a synchronous message is answered; async and response ones are not.
 */
static int
fakeq_serve(void)
{
	unsigned char	 hdr[FAKEQ_HDRLEN];
	unsigned char	*msg;
	uint32_t	 total;
	size_t		 len;
	int		 r;

	for (;;) {
		if ((r = fakeq_read_full(0, hdr, sizeof hdr)) != 1)
			return (r == 0 ? 0 : -1);
		total = fakeq_get32(hdr + 4, hdr[0] == 1);
		if (total < FAKEQ_HDRLEN || total > FAKEQ_MSGMAX)
			return (-1);
		len = total - FAKEQ_HDRLEN;
		if ((msg = malloc(len + 1)) == NULL)
			return (-1);
		r = 0;
		if (len > 0 && fakeq_read_full(0, msg, len) != 1)
			r = -1;
		else if (hdr[1] == 1)
			r = fakeq_sync(hdr, msg, len);
		free(msg);
		if (r != 0)
			return (-1);
	}
}

/*
 * -p PORT: listen on 127.0.0.1:PORT as "q -p PORT" does and serve one client
 * after another, each as if it were on fd 0, until killed.
 */
#ifdef _WIN32
static int
fakeq_listen(int port, const char *users, int noise)
{
	struct sockaddr_in	sin;
	WSADATA			wsa;
	SOCKET			l, c;

	if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
		fprintf(stderr, "fakeq: WSAStartup failed\n");
		return (1);
	}
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* No SO_REUSEADDR: on Windows it would let two servers share a port. */
	if ((l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)) == INVALID_SOCKET ||
	    bind(l, (struct sockaddr *)&sin, sizeof sin) == SOCKET_ERROR ||
	    listen(l, 16) == SOCKET_ERROR) {
		fprintf(stderr, "fakeq: listen: error %d\n", WSAGetLastError());
		return (1);
	}
	for (;;) {
		if ((c = accept(l, NULL, NULL)) == INVALID_SOCKET) {
			Sleep(20);
			continue;
		}
		fakeq_client = c;
		if (fakeq_handshake(users, noise) == 0)
			(void)fakeq_serve();
		fakeq_client = INVALID_SOCKET;
		closesocket(c);
	}
}
#else
static int
fakeq_listen(int port, const char *users, int noise)
{
	struct sockaddr_in	sin;
	int			l, c, on = 1;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1 ||
	    bind(l, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(l, 16) == -1) {
		perror("fakeq: listen");
		return (1);
	}
	for (;;) {
		if ((c = accept(l, NULL, NULL)) == -1)
			continue;
		if (c != 0) {		/* fd 0 is free between clients */
			dup2(c, 0);
			close(c);
		}
		if (fakeq_handshake(users, noise) == 0)
			fakeq_serve();
		close(0);
	}
}
#endif

/* Parse the options, do the handshake, serve; see the top of the file. */
int
main(int argc, char **argv)
{
	const char	*users = NULL;
	int		 i, noise = 0, port = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-u") == 0 && i + 1 < argc)
			users = argv[++i];
		else if (strcmp(argv[i], "-e") == 0)
			noise = 1;
		else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc)
			port = atoi(argv[++i]);
	}
#ifdef _WIN32
	/* The IPC stream is binary: no CR/LF or ^Z translation on 0, 1, 2. */
	(void)_setmode(0, _O_BINARY);
	(void)_setmode(1, _O_BINARY);
	(void)_setmode(2, _O_BINARY);
#else
	/* A client gone while we answer is an error, not a signal death. */
	signal(SIGPIPE, SIG_IGN);
#endif
	if (port > 0)
		return (fakeq_listen(port, users, noise));
	if ((i = fakeq_handshake(users, noise)) != 0)
		return (i > 0 ? 0 : 1);
	return (fakeq_serve() == 0 ? 0 : 1);
}
