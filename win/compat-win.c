/*
 * Small stand-ins that let the portable code use Winsock as if it were BSD
 * sockets: sockets and socket pairs made the way a child can use them,
 * accept4, and error texts for Winsock's error numbers.
 */

#include "pinetd.h"

#include <mstcpip.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#undef socket
#undef evutil_socketpair
#undef strerror

/* errno values for the Winsock errors the portable code tests by name. */
static const struct {
	int	we_wsa;
	int	we_errno;
} win_errors[] = {
	{ WSAEWOULDBLOCK,	EWOULDBLOCK },
	{ WSAEINTR,		EINTR },
	{ WSAEMFILE,		EMFILE },
	{ WSAENOBUFS,		ENOBUFS },
	{ WSAEADDRINUSE,	EADDRINUSE },
	{ WSAEADDRNOTAVAIL,	EADDRNOTAVAIL },
	{ WSAEACCES,		EACCES },
	{ WSAEINVAL,		EINVAL },
	{ WSAEAFNOSUPPORT,	EAFNOSUPPORT },
	{ WSAECONNRESET,	ECONNRESET },
	{ WSAECONNREFUSED,	ECONNREFUSED },
	{ WSAENOTSOCK,		ENOTSOCK },
};

/*
 * A connect to a loopback port nothing listens on yet fails at once, not
 * after about two seconds: Windows resends a SYN that was answered with a
 * reset, and a port-mode hand-off tries every 20 ms until its server
 * listens. Older systems (before Windows 8) and Wine keep their default.
 */
void
win_loopback_connect(int fd)
{
	TCP_INITIAL_RTO_PARAMETERS	p;
	DWORD				n;

	p.Rtt = TCP_INITIAL_RTO_UNSPECIFIED_RTT;
	p.MaxSynRetransmissions = TCP_INITIAL_RTO_NO_SYN_RETRANSMISSIONS;
	(void)WSAIoctl(WIN_SOCKET(fd), SIO_TCP_INITIAL_RTO, &p, sizeof p, NULL,
	    0, &n, NULL, NULL);
}

/* Copy the last Winsock error to errno, as a POSIX value where one fits. */
void
win_sock_errno(void)
{
	int	e = WSAGetLastError();
	size_t	i;

	for (i = 0; i < sizeof win_errors / sizeof win_errors[0]; i++) {
		if (win_errors[i].we_wsa == e) {
			errno = win_errors[i].we_errno;
			return;
		}
	}
	errno = e;
}

/*
 * A socket as a server can use it for stdio: not overlapped (so ReadFile and
 * WriteFile on it are plain synchronous calls in the child) and not
 * inheritable (only the handle picked for a child ever reaches one).
 */
int
win_socket(int domain, int type, int protocol)
{
	SOCKET	s;

	s = WSASocketW(domain, type, protocol, NULL, 0,
	    WSA_FLAG_NO_HANDLE_INHERIT);
	if (s == INVALID_SOCKET) {
		win_sock_errno();
		return (-1);
	}
	return ((int)s);
}

/*
 * socketpair for Windows, which has none: a loopback TCP connection made
 * through a listener that lives only for this call. Both ends are sockets
 * from win_socket, so either can be a server's standard handles like an
 * accepted connection. The accepted end must be the one this call
 * connected, not another local program that was quicker.
 */
int
win_socketpair(int family, int type, int protocol, evutil_socket_t sv[2])
{
	struct sockaddr_in	sin, mine, peer;
	int			len, lfd, cfd = -1;
	SOCKET			afd = INVALID_SOCKET;

	if (family != AF_INET || type != SOCK_STREAM || protocol != 0) {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	if ((lfd = win_socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	len = sizeof sin;
	if (bind(WIN_SOCKET(lfd), (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(WIN_SOCKET(lfd), 1) != 0 ||
	    getsockname(WIN_SOCKET(lfd), (struct sockaddr *)&sin, &len) != 0)
		goto fail;
	if ((cfd = win_socket(AF_INET, SOCK_STREAM, 0)) == -1)
		goto fail;
	if (connect(WIN_SOCKET(cfd), (struct sockaddr *)&sin, sizeof sin) != 0)
		goto fail;
	len = sizeof peer;
	afd = accept(WIN_SOCKET(lfd), (struct sockaddr *)&peer, &len);
	if (afd == INVALID_SOCKET)
		goto fail;
	SetHandleInformation((HANDLE)afd, HANDLE_FLAG_INHERIT, 0);
	len = sizeof mine;
	if (getsockname(WIN_SOCKET(cfd), (struct sockaddr *)&mine, &len) != 0)
		goto fail;
	if (mine.sin_port != peer.sin_port ||
	    mine.sin_addr.s_addr != peer.sin_addr.s_addr) {
		WSASetLastError(WSAECONNABORTED);
		goto fail;
	}
	closesocket(WIN_SOCKET(lfd));
	sv[0] = (evutil_socket_t)cfd;
	sv[1] = (evutil_socket_t)afd;
	return (0);
fail:
	win_sock_errno();
	if (afd != INVALID_SOCKET)
		closesocket(afd);
	if (cfd != -1)
		closesocket(WIN_SOCKET(cfd));
	closesocket(WIN_SOCKET(lfd));
	return (-1);
}

/*
 * accept4 for Windows: the new socket is taken out of inheritance at once,
 * and made blocking or not as asked (it starts as its listener is).
 */
int
accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	SOCKET		s;
	u_long		nb = (flags & SOCK_NONBLOCK) ? 1 : 0;

	s = accept(WIN_SOCKET(fd), sa, len);
	if (s == INVALID_SOCKET) {
		win_sock_errno();
		return (-1);
	}
	SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
	if (ioctlsocket(s, FIONBIO, &nb) == SOCKET_ERROR) {
		win_sock_errno();
		closesocket(s);
		return (-1);
	}
	return ((int)s);
}

/*
 * The system's text for a Windows error code (GetLastError, WSAGetLastError),
 * without the trailing newline and full stop. Those codes are not errno
 * values: ERROR_ACCESS_DENIED is 5, which strerror calls EIO.
 */
const char *
win_syserror(unsigned long code)
{
	static char	buf[512];
	DWORD		n;

	n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM |
	    FORMAT_MESSAGE_IGNORE_INSERTS, NULL, (DWORD)code,
	    MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), buf, sizeof buf, NULL);
	while (n > 0 && strchr("\r\n .", buf[n - 1]) != NULL)
		buf[--n] = '\0';
	if (n == 0)
		snprintf(buf, sizeof buf, "error %lu", code);
	return (buf);
}

/* strerror that also knows Winsock's numbers (10000 and up). */
char *
win_strerror(int e)
{
	if (e < WSABASEERR)
		return (strerror(e));
	return ((char *)win_syserror((unsigned long)e));
}

/* A new UTF-16 copy of a string in a code page; dies if it is not valid. */
wchar_t *
win_wide_cp(const char *s, UINT cp)
{
	wchar_t	*w;
	int	 n;

	n = MultiByteToWideChar(cp, 0, s, -1, NULL, 0);
	if (n <= 0)
		fatalx("cannot convert \"%s\" to UTF-16", s);
	w = xcalloc((size_t)n, sizeof *w);
	MultiByteToWideChar(cp, 0, s, -1, w, n);
	return (w);
}
