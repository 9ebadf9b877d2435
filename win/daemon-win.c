/*
 * The Windows side of being a daemon (src/daemon-posix.c is the POSIX one):
 * Winsock start-up, Ctrl-C in the console, the named events that --reload
 * and --dump set,
 * the service manager, and a socket pair through which other threads (the
 * console handler, the service handler, process waits) wake the event loop.
 */

#include "pinetd.h"

#include <event2/event.h>
#include <event2/util.h>

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdlib.h>

/* One message through the wake socket. */
struct daemon_wake {
	int	 dw_type;	/* WAKE_* */
	void	*dw_arg;
};

static evutil_socket_t	 daemon_sv[2] = { -1, -1 };
static struct event	*daemon_wake_ev;
static CRITICAL_SECTION	 daemon_wake_lock;
/* A named event another process sets to ask for something (WAKE_*). */
struct daemon_ask {
	const wchar_t	*da_kind;
	int		 da_wake;
	HANDLE		 da_ev;
	HANDLE		 da_wait;
};
static struct daemon_ask daemon_asks[] = {
	{ L"reload", WAKE_RELOAD, NULL, NULL },
	{ L"dump", WAKE_DUMP, NULL, NULL },
};
static volatile LONG	 daemon_stop_early;
static HANDLE		 daemon_done;	/* set once shutdown has finished */

/*
 * Ask the loop thread to do something; safe from any thread. The lock keeps
 * each message whole on the stream socket.
 */
void
win_wake(int type, void *arg)
{
	struct daemon_wake	 dw = { type, arg };
	const char		*p = (const char *)&dw;
	int			 n, left = (int)sizeof dw;

	/*
	 * Looked at under the lock: daemon_events_done closes the pair under
	 * it, and a closed socket's handle value may be another socket's.
	 */
	EnterCriticalSection(&daemon_wake_lock);
	if (daemon_sv[1] == -1) {
		LeaveCriticalSection(&daemon_wake_lock);
		if (type == WAKE_STOP)
			InterlockedExchange(&daemon_stop_early, 1);
		return;
	}
	while (left > 0 && (n = send(daemon_sv[1], p, left, 0)) > 0) {
		p += n;
		left -= n;
	}
	LeaveCriticalSection(&daemon_wake_lock);
}

/* Messages from other threads: act on each whole one, in the loop thread. */
static void
daemon_wake_cb(evutil_socket_t fd, UNUSED short events, UNUSED void *arg)
{
	static char		 buf[sizeof(struct daemon_wake) * 64];
	static size_t		 have;
	struct daemon_wake	 dw;
	size_t			 off;
	int			 n;

	n = recv(fd, buf + have, (int)(sizeof buf - have), 0);
	if (n <= 0)
		return;
	have += (size_t)n;
	for (off = 0; have - off >= sizeof dw; off += sizeof dw) {
		memcpy(&dw, buf + off, sizeof dw);
		switch (dw.dw_type) {
		case WAKE_STOP:
			log_info("terminating on request");
			pinetd_stop();
			break;
		case WAKE_RELOAD:
			pinetd_reload();
			break;
		case WAKE_DUMP:
			pinetd_dump();
			break;
		case WAKE_CHILD:
			spawn_child_exited(dw.dw_arg);
			break;
		}
	}
	memmove(buf, buf + off, have - off);
	have -= off;
}

/*
 * Ctrl-C, Ctrl-Break, closing the console, logging off or shutting down:
 * stop cleanly. For the last three Windows ends the process as soon as this
 * returns, so wait (within the ~5 s it allows) until the loop thread has
 * finished the shutdown: services closed, pid file removed.
 */
static BOOL WINAPI
daemon_console_cb(DWORD type)
{
	switch (type) {
	case CTRL_C_EVENT:
	case CTRL_BREAK_EVENT:
		win_wake(WAKE_STOP, NULL);
		return (TRUE);
	case CTRL_CLOSE_EVENT:
	case CTRL_LOGOFF_EVENT:
	case CTRL_SHUTDOWN_EVENT:
		win_wake(WAKE_STOP, NULL);
		if (daemon_done != NULL)
			WaitForSingleObject(daemon_done, 4500);
		return (TRUE);
	}
	return (FALSE);
}

/* pinetd --reload or --dump set a named event. */
static void CALLBACK
daemon_ask_cb(void *arg, UNUSED BOOLEAN timedout)
{
	struct daemon_ask	*da = arg;

	win_wake(da->da_wake, NULL);
}

/* Winsock (for -n too: names are looked up), and no error dialog boxes. */
void
daemon_prepare(void)
{
	WSADATA	wsa;

	SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
	_setmode(2, _O_BINARY);		/* log lines end in \n, not \r\n */
	if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
		fatalx("WSAStartup failed");
	InitializeCriticalSection(&daemon_wake_lock);
}

/* --install, --uninstall and --reload are commands, not a daemon. */
int
daemon_command(int *argc, char ***argv)
{
	win_utf8_args(argc, argv);
	return (svc_command(argc, argv));
}

/*
 * Run under the service manager with --service, else in the console. An
 * unreadable configuration is a fatal error inside run, so a service
 * reports it to the Event Log and the service manager (exit code 1).
 */
int
daemon_run(int (*run)(void))
{
	if (svc_service_mode())
		return (svc_run(run));
	return (run());
}

/* Watch the console, the reload and dump events and the wake socket. */
void
daemon_events(void)
{
	struct daemon_ask	*da;
	wchar_t			 name[256];
	size_t			 i;

	if (evutil_socketpair(AF_INET, SOCK_STREAM, 0, daemon_sv) == -1)
		fatalx("cannot make the wake socket pair");
	evutil_make_socket_nonblocking(daemon_sv[0]);
	daemon_wake_ev = event_new(ev_base, daemon_sv[0], EV_READ|EV_PERSIST,
	    daemon_wake_cb, NULL);
	if (daemon_wake_ev == NULL || event_add(daemon_wake_ev, NULL) == -1)
		fatalx("cannot watch the wake socket");
	if (!svc_service_mode()) {
		daemon_done = CreateEventW(NULL, TRUE, FALSE, NULL);
		SetConsoleCtrlHandler(daemon_console_cb, TRUE);
	}
	for (i = 0; i < sizeof daemon_asks / sizeof daemon_asks[0]; i++) {
		da = &daemon_asks[i];
		svc_event_name(da->da_kind, name, sizeof name / sizeof name[0]);
		if ((da->da_ev = CreateEventW(NULL, FALSE, FALSE, name)) ==
		    NULL)
			log_warnx("cannot create the %ls event: error %lu",
			    da->da_kind, GetLastError());
		else if (!RegisterWaitForSingleObject(&da->da_wait, da->da_ev,
		    daemon_ask_cb, da, INFINITE, WT_EXECUTEDEFAULT))
			log_warnx("cannot wait for the %ls event: error %lu",
			    da->da_kind, GetLastError());
	}
	if (daemon_stop_early)
		win_wake(WAKE_STOP, NULL);
}

/* Stop watching, at shutdown. */
void
daemon_events_done(void)
{
	struct daemon_ask	*da;
	size_t			 i;

	for (i = 0; i < sizeof daemon_asks / sizeof daemon_asks[0]; i++) {
		da = &daemon_asks[i];
		if (da->da_wait != NULL)
			UnregisterWaitEx(da->da_wait, INVALID_HANDLE_VALUE);
		if (da->da_ev != NULL)
			CloseHandle(da->da_ev);
		da->da_wait = da->da_ev = NULL;
	}
	if (!svc_service_mode())
		SetConsoleCtrlHandler(daemon_console_cb, FALSE);
	event_free(daemon_wake_ev);
	EnterCriticalSection(&daemon_wake_lock);
	evutil_closesocket(daemon_sv[0]);
	evutil_closesocket(daemon_sv[1]);
	daemon_sv[0] = daemon_sv[1] = -1;
	LeaveCriticalSection(&daemon_wake_lock);
	if (daemon_done != NULL)
		SetEvent(daemon_done);	/* a console handler may be waiting */
}
