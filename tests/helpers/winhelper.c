/*
 * winhelper: the Windows test server the Wine suite (tests/wine/) starts
 * through pinetd. Like tests/helpers/testhelper on POSIX, but it reads and
 * writes its standard handles with ReadFile/WriteFile or C stdio only: under
 * Wine a child cannot call Winsock functions on a socket it inherited.
 *
 *   winhelper echo           copy stdin to stdout with ReadFile/WriteFile
 *   winhelper stdio          the same with fread/fwrite (the CRT's fds 0, 1)
 *   winhelper pid            write "pid N\n", then wait for end of input
 *   winhelper env NAME       write "NAME=value\n" (or "NAME unset\n")
 *   winhelper wenv NAME      the same from the UTF-16 environment, the
 *                            value written as UTF-8
 *   winhelper args ...       write each argument between < and >, a line each
 *   winhelper exit N         exit with status N at once
 *   winhelper handles        write "handles: N" and the values of every
 *                            socket or pipe handle it holds that is not one
 *                            of its standard handles, then wait for input end
 *   winhelper affinity       write "affinity 0x..." (the process mask)
 *   winhelper dgram FILE     read one datagram from stdin (a wait service's
 *                            socket) and write it to FILE
 *   winhelper stderr TEXT    write TEXT to stderr and "out\n" to stdout
 *   winhelper sockecho       copy stdin to stdout with recv/send on the
 *                            inherited socket (real Windows only: Wine
 *                            answers WSAENOTSOCK); "sockecho: error N" and
 *                            status 3 when Winsock refuses the handle
 *   winhelper listen PORT    listen on 127.0.0.1:PORT (a port hand-off
 *                            server), accept one connection and echo it
 *                            with recv/send until its end
 */

#include <winsock2.h>
#include <windows.h>

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Write all of buf to a handle. */
static void
put(HANDLE h, const void *buf, DWORD len)
{
	const char	*p = buf;
	DWORD		 n;

	while (len > 0 && WriteFile(h, p, len, &n, NULL) && n > 0) {
		p += n;
		len -= n;
	}
}

/* Write a formatted line to stdout. */
static void
say(const char *fmt, ...)
{
	char	buf[4096];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		put(GetStdHandle(STD_OUTPUT_HANDLE), buf, (DWORD)n);
}

/* Read stdin until its end (or an error). */
static void
drain(void)
{
	char	buf[4096];
	DWORD	n;

	while (ReadFile(GetStdHandle(STD_INPUT_HANDLE), buf, sizeof buf, &n,
	    NULL) && n > 0)
		;
}

/* Copy stdin to stdout with the Win32 calls. */
static int
mode_echo(void)
{
	HANDLE	in = GetStdHandle(STD_INPUT_HANDLE);
	HANDLE	out = GetStdHandle(STD_OUTPUT_HANDLE);
	char	buf[65536];
	DWORD	n;

	while (ReadFile(in, buf, sizeof buf, &n, NULL) && n > 0)
		put(out, buf, n);
	return (0);
}

/* Copy stdin to stdout through the C runtime's descriptors 0 and 1. */
static int
mode_stdio(void)
{
	char	buf[65536];
	size_t	n;

	_setmode(0, _O_BINARY);
	_setmode(1, _O_BINARY);
	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
		if (fwrite(buf, 1, n, stdout) != n)
			return (1);
		fflush(stdout);
	}
	return (0);
}

/* Every socket or pipe handle held besides the standard ones. */
static int
mode_handles(void)
{
	HANDLE	 std[3], h;
	DWORD	 flags;
	char	 list[4096] = "";
	size_t	 len = 0;
	int	 i, v, count = 0, mine;

	std[0] = GetStdHandle(STD_INPUT_HANDLE);
	std[1] = GetStdHandle(STD_OUTPUT_HANDLE);
	std[2] = GetStdHandle(STD_ERROR_HANDLE);
	for (v = 4; v < 65536; v += 4) {
		h = (HANDLE)(INT_PTR)v;
		if (!GetHandleInformation(h, &flags))
			continue;
		for (mine = 0, i = 0; i < 3; i++)
			mine |= h == std[i];
		if (mine || GetFileType(h) != FILE_TYPE_PIPE)
			continue;
		count++;
		if (len < sizeof list - 16)
			len += (size_t)snprintf(list + len, sizeof list - len,
			    " %d", v);
	}
	say("handles: %d%s\n", count, list);
	drain();
	return (0);
}

/* Read one datagram from the inherited socket and keep it in a file. */
static int
mode_dgram(const char *path)
{
	char	 buf[2048];
	DWORD	 n;
	FILE	*f;

	if (!ReadFile(GetStdHandle(STD_INPUT_HANDLE), buf, sizeof buf, &n,
	    NULL))
		return (2);
	if ((f = fopen(path, "ab")) == NULL)
		return (3);
	fwrite(buf, 1, n, f);
	fputc('\n', f);
	fclose(f);
	return (0);
}

/* Listen on a loopback port, accept one client and echo it until EOF. */
static int
mode_listen(const char *port)
{
	struct sockaddr_in	 sin;
	WSADATA			 wsa;
	SOCKET			 s, c;
	char			 buf[65536];
	int			 n, off, w;

	if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
		return (2);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((u_short)atoi(port));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == INVALID_SOCKET)
		return (3);
	if (bind(s, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(s, 1) != 0)
		return (4);
	if ((c = accept(s, NULL, NULL)) == INVALID_SOCKET)
		return (5);
	closesocket(s);
	while ((n = recv(c, buf, sizeof buf, 0)) > 0) {
		for (off = 0; off < n; off += w) {
			if ((w = send(c, buf + off, n - off, 0)) <= 0)
				return (6);
		}
	}
	shutdown(c, SD_SEND);
	closesocket(c);
	WSACleanup();
	return (n == 0 ? 0 : 7);
}

/* Echo through Winsock calls on the socket handed over as stdin. */
static int
mode_sockecho(void)
{
	WSADATA	 wsa;
	SOCKET	 s = (SOCKET)GetStdHandle(STD_INPUT_HANDLE);
	char	 buf[65536];
	int	 n, off, w;

	if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
		return (2);
	while ((n = recv(s, buf, sizeof buf, 0)) > 0) {
		for (off = 0; off < n; off += w) {
			if ((w = send(s, buf + off, n - off, 0)) <= 0)
				return (1);
		}
	}
	if (n == SOCKET_ERROR) {
		say("sockecho: error %d\n", WSAGetLastError());
		return (3);
	}
	shutdown(s, SD_SEND);
	return (0);
}

/* "NAME=value\n" from the wide environment, in UTF-8 whatever the code page. */
static int
mode_wenv(const char *name)
{
	wchar_t	 wname[256], *w;
	char	 value[1024];
	int	 n;

	n = MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, 256);
	if (n <= 0 || (w = _wgetenv(wname)) == NULL) {
		say("%s unset\n", name);
		return (0);
	}
	if (WideCharToMultiByte(CP_UTF8, 0, w, -1, value, sizeof value, NULL,
	    NULL) <= 0)
		return (1);
	say("%s=%s\n", name, value);
	return (0);
}

int
main(int argc, char **argv)
{
	DWORD_PTR	 pmask, smask;
	const char	*v;
	int		 i;

	if (argc < 2)
		return (64);
	if (strcmp(argv[1], "echo") == 0)
		return (mode_echo());
	if (strcmp(argv[1], "stdio") == 0)
		return (mode_stdio());
	if (strcmp(argv[1], "pid") == 0) {
		say("pid %lu\n", (unsigned long)GetCurrentProcessId());
		drain();
		return (0);
	}
	if (strcmp(argv[1], "wenv") == 0 && argc > 2)
		return (mode_wenv(argv[2]));
	if (strcmp(argv[1], "env") == 0 && argc > 2) {
		if ((v = getenv(argv[2])) == NULL)
			say("%s unset\n", argv[2]);
		else
			say("%s=%s\n", argv[2], v);
		return (0);
	}
	if (strcmp(argv[1], "args") == 0) {
		for (i = 0; i < argc; i++)
			say("<%s>\n", argv[i]);
		return (0);
	}
	if (strcmp(argv[1], "exit") == 0 && argc > 2)
		return (atoi(argv[2]));
	if (strcmp(argv[1], "handles") == 0)
		return (mode_handles());
	if (strcmp(argv[1], "affinity") == 0) {
		if (!GetProcessAffinityMask(GetCurrentProcess(), &pmask,
		    &smask))
			return (1);
		say("affinity 0x%llx\n", (unsigned long long)pmask);
		return (0);
	}
	if (strcmp(argv[1], "dgram") == 0 && argc > 2)
		return (mode_dgram(argv[2]));
	if (strcmp(argv[1], "stderr") == 0 && argc > 2) {
		put(GetStdHandle(STD_ERROR_HANDLE), argv[2],
		    (DWORD)strlen(argv[2]));
		say("out\n");
		return (0);
	}
	if (strcmp(argv[1], "sockecho") == 0)
		return (mode_sockecho());
	if (strcmp(argv[1], "listen") == 0 && argc > 2)
		return (mode_listen(argv[2]));
	return (64);
}
