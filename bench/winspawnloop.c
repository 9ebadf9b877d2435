/*
 * winspawnloop: the Windows baseline for the benchmark, the least a
 * super-server can do there. Listen on one TCP port; for each connection
 * accept it and start the program with CreateProcessW, the connection as its
 * standard handles, the same way pinetd does (a not-overlapped socket, an
 * inheritable duplicate passed through the handle list, the C runtime's
 * descriptor block); close the process handle at once. No event loop, no
 * configuration, no limits, no exit tracking.
 *
 *   winspawnloop port program [argument ...]      (listens on 127.0.0.1)
 */

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Print a message with the program name and the error, and exit 1. */
static void
winspawnloop_die(const char *what, unsigned long err)
{
	fprintf(stderr, "winspawnloop: %s: error %lu\n", what, err);
	exit(1);
}

/* The command line: each argument in double quotes (no quotes inside). */
static wchar_t *
winspawnloop_cmdline(int argc, char **argv)
{
	static wchar_t	cmd[8192];
	size_t		len = 0;
	int		i;

	for (i = 0; i < argc && len < sizeof cmd / sizeof cmd[0] - 512; i++)
		len += (size_t)_snwprintf(cmd + len,
		    sizeof cmd / sizeof cmd[0] - len, L"%s\"%hs\"",
		    i > 0 ? L" " : L"", argv[i]);
	return (cmd);
}

/* Start the program with the socket as its stdin, stdout and stderr. */
static void
winspawnloop_spawn(SOCKET s, const wchar_t *app, wchar_t *cmd)
{
	STARTUPINFOEXW		 si;
	PROCESS_INFORMATION	 pi;
	static unsigned char	 attrbuf[256];
	LPPROC_THREAD_ATTRIBUTE_LIST attrs = (void *)attrbuf;
	SIZE_T			 asize = sizeof attrbuf;
	HANDLE			 self = GetCurrentProcess(), h;
	unsigned char		 block[sizeof(int) + 3 * (1 + sizeof(HANDLE))];
	u_long			 blocking = 0;
	int			 i, count = 3;

	ioctlsocket(s, FIONBIO, &blocking);
	if (!DuplicateHandle(self, (HANDLE)s, self, &h, 0, TRUE,
	    DUPLICATE_SAME_ACCESS))
		winspawnloop_die("DuplicateHandle", GetLastError());
	if (!InitializeProcThreadAttributeList(attrs, 1, 0, &asize) ||
	    !UpdateProcThreadAttribute(attrs, 0,
	    PROC_THREAD_ATTRIBUTE_HANDLE_LIST, &h, sizeof h, NULL, NULL))
		winspawnloop_die("handle list", GetLastError());
	memset(&si, 0, sizeof si);
	si.StartupInfo.cb = sizeof si;
	si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
	si.StartupInfo.hStdInput = si.StartupInfo.hStdOutput =
	    si.StartupInfo.hStdError = h;
	si.lpAttributeList = attrs;
	memcpy(block, &count, sizeof count);
	for (i = 0; i < 3; i++) {
		block[sizeof count + i] = 0x01 | 0x08;	/* FOPEN | FPIPE */
		memcpy(block + sizeof count + 3 + i * sizeof h, &h, sizeof h);
	}
	si.StartupInfo.cbReserved2 = (WORD)sizeof block;
	si.StartupInfo.lpReserved2 = block;
	if (CreateProcessW(app, cmd, NULL, NULL, TRUE,
	    EXTENDED_STARTUPINFO_PRESENT | CREATE_NO_WINDOW, NULL, NULL,
	    &si.StartupInfo, &pi)) {
		CloseHandle(pi.hThread);
		CloseHandle(pi.hProcess);
	} else
		fprintf(stderr, "winspawnloop: CreateProcessW: error %lu\n",
		    GetLastError());
	DeleteProcThreadAttributeList(attrs);
	CloseHandle(h);
}

/* Listen, then accept and start the program for ever. */
int
main(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	WSADATA			 wsa;
	SOCKET			 l, s;
	wchar_t			 app[MAX_PATH], *cmd;
	int			 on = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: winspawnloop port program "
		    "[argument ...]\n");
		return (1);
	}
	if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
		winspawnloop_die("WSAStartup", 0);
	_snwprintf(app, MAX_PATH, L"%hs", argv[2]);
	app[MAX_PATH - 1] = L'\0';
	cmd = winspawnloop_cmdline(argc - 2, argv + 2);
	l = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 0,
	    WSA_FLAG_NO_HANDLE_INHERIT);
	if (l == INVALID_SOCKET)
		winspawnloop_die("socket", WSAGetLastError());
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, (const char *)&on, sizeof on);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((u_short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&sin, sizeof sin) == SOCKET_ERROR ||
	    listen(l, 128) == SOCKET_ERROR)
		winspawnloop_die("bind/listen", WSAGetLastError());
	fprintf(stderr, "winspawnloop: ready\n");
	for (;;) {
		if ((s = accept(l, NULL, NULL)) == INVALID_SOCKET)
			continue;
		SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
		winspawnloop_spawn(s, app, cmd);
		closesocket(s);
	}
}
