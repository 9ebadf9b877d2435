/*
 * server.c: the Windows smoke test of pinetd's central claim: an unmodified
 * stdio program, started per connection, gets the TCP connection as its
 * standard input, output and error, as under inetd on POSIX.
 *
 * It listens on 127.0.0.1:PORT with a Winsock socket made by WSASocketW
 * (not inheritable; not overlapped unless -o), runs a libevent loop that
 * accepts one connection, makes that connection blocking, gives the child
 * an inheritable duplicate as its three standard handles (STARTF_USESTDHANDLES)
 * and lets it inherit that one handle only (PROC_THREAD_ATTRIBUTE_HANDLE_LIST),
 * then waits for the child and reports its exit status.
 *
 *   server [-b] [-k] [-n] [-o] PORT [CHILD-ARG]
 *
 *   -b  also pass the C runtime's descriptor block (STARTUPINFO lpReserved2)
 *       naming the handle as fds 0, 1 and 2, opened in binary mode
 *   -k  keep the accepted socket non-blocking (as libevent left the
 *       listener, whose mode accepted sockets inherit): a probe
 *   -n  no PROC_THREAD_ATTRIBUTE_HANDLE_LIST: every inheritable handle is
 *       inherited (the control for the leak probe below)
 *   -o  create the listening socket with WSA_FLAG_OVERLAPPED (what socket()
 *       gives); accepted sockets inherit the listener's attributes
 *
 * Leak probe: the accepted socket itself is made inheritable but is not in
 * the handle list; its value goes to the child in SMOKE_PROBE_HANDLE, and
 * the child logs whether it holds that handle.
 *
 * The child is child.exe from the directory of server.exe, started with
 * CHILD-ARG (e.g. "raw") as its only argument. Exit status: 0 when the
 * child exited 0, 1 otherwise.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <event2/event.h>
#include <event2/util.h>

#ifndef WSA_FLAG_NO_HANDLE_INHERIT
#define WSA_FLAG_NO_HANDLE_INHERIT 0x80
#endif

/* The C runtime's per-descriptor flags in the lpReserved2 block. */
#define CRT_FOPEN 0x01
#define CRT_FPIPE 0x08

static int opt_block;		/* -b */
static int opt_nonblocking;	/* -k */
static int opt_nolist;		/* -n */
static int opt_overlapped;	/* -o */
static const char *child_arg;	/* argument for child.exe, or NULL */
static HANDLE child_process;	/* set once a child has been started */

static void
die(const char *what, unsigned long err)
{
	fprintf(stderr, "server: %s failed: error %lu\n", what, err);
	exit(1);
}

static int
inheritable(HANDLE h)
{
	DWORD flags = 0;

	if (!GetHandleInformation(h, &flags))
		return -1;
	return (flags & HANDLE_FLAG_INHERIT) != 0;
}

/*
 * The block the C runtime reads at start-up to rebuild its descriptor table
 * (msvcrt and the UCRT use the same layout): an int count, then count flag
 * bytes, then count HANDLEs, packed with no padding.
 */
static void
crt_block(unsigned char *buf, size_t *len, HANDLE h)
{
	const int count = 3;
	int i;

	memcpy(buf, &count, sizeof count);
	for (i = 0; i < count; i++) {
		buf[sizeof count + i] = CRT_FOPEN | CRT_FPIPE;	/* binary */
		memcpy(buf + sizeof count + count + i * sizeof h, &h, sizeof h);
	}
	*len = sizeof count + count * (1 + sizeof h);
}

/* Start child.exe with the connection as its stdin, stdout and stderr. */
static HANDLE
spawn_child(SOCKET c)
{
	wchar_t exe[MAX_PATH], cmd[2 * MAX_PATH], *slash;
	unsigned char block[sizeof(int) + 3 * (1 + sizeof(HANDLE))];
	size_t blen = 0;
	STARTUPINFOEXW si;
	PROCESS_INFORMATION pi;
	LPPROC_THREAD_ATTRIBUTE_LIST attrs;
	SIZE_T asize = 0;
	HANDLE h = NULL, self = GetCurrentProcess();
	u_long blocking = 0;
	char probe[32];
	DWORD n;

	/* The child uses plain ReadFile/WriteFile: no non-blocking mode. */
	if (!opt_nonblocking && ioctlsocket(c, FIONBIO, &blocking) != 0)
		die("ioctlsocket(FIONBIO, 0)", WSAGetLastError());
	fprintf(stderr, "server: accepted socket %s, inheritable: %d\n",
	    opt_nonblocking ? "non-blocking" : "blocking",
	    inheritable((HANDLE)c));
	if (!DuplicateHandle(self, (HANDLE)c, self, &h, 0, TRUE,
	    DUPLICATE_SAME_ACCESS)) {
		fprintf(stderr, "server: DuplicateHandle failed: error %lu; "
		    "using SetHandleInformation\n", GetLastError());
		if (!SetHandleInformation((HANDLE)c, HANDLE_FLAG_INHERIT,
		    HANDLE_FLAG_INHERIT))
			die("SetHandleInformation", GetLastError());
		h = (HANDLE)c;
	}
	fprintf(stderr, "server: handle for the child %p inheritable: %d\n",
	    (void *)h, inheritable(h));
	/* The leak probe: an inheritable handle that is not on the list. */
	if (h != (HANDLE)c) {
		SetHandleInformation((HANDLE)c, HANDLE_FLAG_INHERIT,
		    HANDLE_FLAG_INHERIT);
		snprintf(probe, sizeof probe, "%llu",
		    (unsigned long long)(ULONG_PTR)c);
		SetEnvironmentVariableA("SMOKE_PROBE_HANDLE", probe);
	}

	n = GetModuleFileNameW(NULL, exe, MAX_PATH);
	if (n == 0 || n >= MAX_PATH)
		die("GetModuleFileNameW", GetLastError());
	slash = wcsrchr(exe, L'\\');
	if (slash == NULL)
		die("finding server.exe's directory", 0);
	wcscpy(slash + 1, L"child.exe");
	if (child_arg != NULL)
		_snwprintf(cmd, sizeof cmd / sizeof cmd[0], L"\"%ls\" %hs",
		    exe, child_arg);
	else
		_snwprintf(cmd, sizeof cmd / sizeof cmd[0], L"\"%ls\"", exe);
	cmd[sizeof cmd / sizeof cmd[0] - 1] = L'\0';

	/* Inherit exactly one handle, whatever else is inheritable. */
	InitializeProcThreadAttributeList(NULL, 1, 0, &asize);
	attrs = HeapAlloc(GetProcessHeap(), 0, asize);
	if (attrs == NULL)
		die("HeapAlloc", GetLastError());
	if (!InitializeProcThreadAttributeList(attrs, 1, 0, &asize))
		die("InitializeProcThreadAttributeList", GetLastError());
	if (!UpdateProcThreadAttribute(attrs, 0,
	    PROC_THREAD_ATTRIBUTE_HANDLE_LIST, &h, sizeof h, NULL, NULL))
		die("UpdateProcThreadAttribute(HANDLE_LIST)", GetLastError());

	memset(&si, 0, sizeof si);
	si.StartupInfo.cb = sizeof si;
	si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
	si.StartupInfo.hStdInput = h;
	si.StartupInfo.hStdOutput = h;
	si.StartupInfo.hStdError = h;
	si.lpAttributeList = opt_nolist ? NULL : attrs;
	if (opt_block) {
		crt_block(block, &blen, h);
		si.StartupInfo.cbReserved2 = (WORD)blen;
		si.StartupInfo.lpReserved2 = block;
	}

	memset(&pi, 0, sizeof pi);
	if (!CreateProcessW(exe, cmd, NULL, NULL, TRUE,
	    EXTENDED_STARTUPINFO_PRESENT | CREATE_NO_WINDOW, NULL, NULL,
	    &si.StartupInfo, &pi))
		die("CreateProcessW", GetLastError());
	fprintf(stderr, "server: started %ls (pid %lu)%s%s\n", cmd,
	    (unsigned long)pi.dwProcessId,
	    opt_block ? ", with the CRT descriptor block" : "",
	    opt_nolist ? ", without a handle list" : "");
	SetEnvironmentVariableA("SMOKE_PROBE_HANDLE", NULL);

	DeleteProcThreadAttributeList(attrs);
	HeapFree(GetProcessHeap(), 0, attrs);
	CloseHandle(pi.hThread);
	/* The parent keeps no copy of the connection. */
	if (h != (HANDLE)c)
		CloseHandle(h);
	closesocket(c);
	return pi.hProcess;
}

static void
accept_cb(evutil_socket_t fd, __attribute__((__unused__)) short what,
    void *arg)
{
	struct event_base *base = arg;
	struct sockaddr_in peer;
	int plen = sizeof peer;
	SOCKET c;

	c = accept((SOCKET)fd, (struct sockaddr *)&peer, &plen);
	if (c == INVALID_SOCKET) {
		int err = WSAGetLastError();

		if (err == WSAEWOULDBLOCK)
			return;
		die("accept", err);
	}
	fprintf(stderr, "server: connection from %s:%u\n",
	    inet_ntoa(peer.sin_addr), ntohs(peer.sin_port));
	child_process = spawn_child(c);
	event_base_loopbreak(base);
}

static SOCKET
listen_on(unsigned short port)
{
	DWORD flags = WSA_FLAG_NO_HANDLE_INHERIT;
	struct sockaddr_in sin;
	SOCKET s;

	if (opt_overlapped)
		flags |= WSA_FLAG_OVERLAPPED;
	s = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, flags);
	if (s == INVALID_SOCKET) {
		int err = WSAGetLastError();

		/* Windows before 7 SP1 does not know the flag. */
		fprintf(stderr, "server: WSASocketW(WSA_FLAG_NO_HANDLE_INHERIT) "
		    "failed: error %d; retrying without it\n", err);
		s = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0,
		    flags & ~(DWORD)WSA_FLAG_NO_HANDLE_INHERIT);
		if (s == INVALID_SOCKET)
			die("WSASocketW", WSAGetLastError());
		SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
	}
	fprintf(stderr, "server: listening socket %s, inheritable: %d\n",
	    opt_overlapped ? "overlapped" : "not overlapped",
	    inheritable((HANDLE)s));

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof sin) != 0)
		die("bind", WSAGetLastError());
	if (listen(s, 16) != 0)
		die("listen", WSAGetLastError());
	if (evutil_make_socket_nonblocking(s) != 0)
		die("evutil_make_socket_nonblocking", WSAGetLastError());
	return s;
}

int
main(int argc, char **argv)
{
	struct timeval limit = { 60, 0 };
	struct event_base *base;
	struct event *ev;
	WSADATA wsa;
	DWORD code = 1;
	SOCKET s;
	int i = 1, port;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-b") == 0)
			opt_block = 1;
		else if (strcmp(argv[i], "-k") == 0)
			opt_nonblocking = 1;
		else if (strcmp(argv[i], "-n") == 0)
			opt_nolist = 1;
		else if (strcmp(argv[i], "-o") == 0)
			opt_overlapped = 1;
		else
			break;
	}
	if (i >= argc || (port = atoi(argv[i])) <= 0 || port > 65535) {
		fprintf(stderr,
		    "usage: server [-b] [-k] [-n] [-o] PORT [CHILD-ARG]\n");
		return 2;
	}
	if (i + 1 < argc)
		child_arg = argv[i + 1];
	setvbuf(stderr, NULL, _IONBF, 0);

	if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
		die("WSAStartup", WSAGetLastError());
	s = listen_on((unsigned short)port);

	base = event_base_new();
	if (base == NULL)
		die("event_base_new", 0);
	fprintf(stderr, "server: libevent %s, method %s\n",
	    event_get_version(), event_base_get_method(base));
	ev = event_new(base, s, EV_READ | EV_PERSIST, accept_cb, base);
	if (ev == NULL || event_add(ev, NULL) != 0)
		die("event_add", 0);
	event_base_loopexit(base, &limit);
	fprintf(stderr, "server: ready on 127.0.0.1:%d\n", port);
	event_base_dispatch(base);
	event_free(ev);
	closesocket(s);
	event_base_free(base);

	if (child_process == NULL) {
		fprintf(stderr, "server: no connection within %ld s\n",
		    (long)limit.tv_sec);
		return 1;
	}
	if (WaitForSingleObject(child_process, 30000) != WAIT_OBJECT_0) {
		fprintf(stderr, "server: child still running; killing it\n");
		TerminateProcess(child_process, 99);
		WaitForSingleObject(child_process, 5000);
	}
	GetExitCodeProcess(child_process, &code);
	CloseHandle(child_process);
	fprintf(stderr, "server: child exited with status %lu\n",
	    (unsigned long)code);
	WSACleanup();
	return code == 0 ? 0 : 1;
}
