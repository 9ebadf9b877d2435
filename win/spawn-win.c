/*
 * Starting servers on Windows: CreateProcessW with the connection (a socket,
 * or a pipe or the null device in the hand-off modes) as the child's standard
 * handles, inheriting exactly those; process exits reach the event loop
 * through win_wake. Also the pipes of the "pipe" hand-off mode, whose
 * daemon end is a socket pumped by a thread, since the loop can only watch
 * sockets.
 */

#include "pinetd.h"

#include <event2/util.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* The C runtime's flags for a descriptor it is handed (lpReserved2). */
#define SPAWN_CRT_FOPEN	0x01
#define SPAWN_CRT_FPIPE	0x08

/* A running server. */
struct spawn_child {
	struct link	 sc_link;
	HANDLE		 sc_process;
	HANDLE		 sc_wait;
	DWORD		 sc_pid;
};

/* A thread copying between a pipe and the daemon's socket. */
struct spawn_pump {
	HANDLE		 sp_pipe;
	SOCKET		 sp_sock;
	int		 sp_to_pipe;	/* socket -> pipe (the child's stdin) */
};

static struct link	*spawn_children;

/* Nothing to set up: process exits are waited for one by one. */
void
spawn_init(void)
{
}

/* Forget every child at shutdown; they go on running, as on POSIX. */
void
spawn_done(void)
{
	struct spawn_child	*sc;

	while ((sc = (struct spawn_child *)spawn_children) != NULL) {
		UnregisterWaitEx(sc->sc_wait, INVALID_HANDLE_VALUE);
		CloseHandle(sc->sc_process);
		link_del(&spawn_children, &sc->sc_link);
		free(sc);
	}
}

/* Append one argument quoted the way CommandLineToArgvW and the CRT split. */
static void
spawn_quote(char **buf, size_t *len, size_t *size, const char *arg)
{
	size_t	need = 2 * strlen(arg) + 4, bs = 0;
	char	*p;
	int	 quote = *arg == '\0' || strpbrk(arg, " \t\"") != NULL;

	if (*len + need >= *size) {
		*size = (*len + need) * 2;
		*buf = xreallocarray(*buf, *size, 1);
	}
	p = *buf + *len;
	if (*len > 0)
		*p++ = ' ';
	if (quote)
		*p++ = '"';
	for (; *arg != '\0'; arg++) {
		if (*arg == '\\') {
			bs++;
			*p++ = '\\';
			continue;
		}
		if (*arg == '"') {
			while (bs-- > 0)
				*p++ = '\\';
			*p++ = '\\';
		}
		bs = 0;
		*p++ = *arg;
	}
	if (quote) {
		while (bs-- > 0)
			*p++ = '\\';
		*p++ = '"';
	}
	*p = '\0';
	*len = (size_t)(p - *buf);
}

/* The command line for argv. */
static wchar_t *
spawn_cmdline(char **argv)
{
	char	*buf = NULL;
	size_t	 len = 0, size = 0;
	wchar_t	*w;

	for (; *argv != NULL; argv++)
		spawn_quote(&buf, &len, &size, *argv);
	w = win_wide(buf != NULL ? buf : "");
	free(buf);
	return (w);
}

/*
 * The environment block for envp: NAME=value strings, each NUL-ended, and
 * one more NUL. SystemRoot is added from the daemon's own environment if
 * envp lacks it: without it Winsock cannot start in the child.
 */
static wchar_t *
spawn_envblock(char **envp)
{
	wchar_t	*block, *w;
	size_t	 len = 0, n;
	char	*root = NULL, **e;
	int	 hasroot = 0;

	for (e = envp; *e != NULL; e++) {
		if (_strnicmp(*e, "SystemRoot=", 11) == 0)
			hasroot = 1;
	}
	if (!hasroot && getenv("SystemRoot") != NULL)
		xasprintf(&root, "SystemRoot=%s", getenv("SystemRoot"));
	block = xcalloc(1, sizeof *block);
	for (e = envp; ; e++) {
		if (*e == NULL && root == NULL)
			break;
		w = win_wide(*e != NULL ? *e : root);
		n = wcslen(w) + 1;
		block = xreallocarray(block, len + n + 1, sizeof *block);
		memcpy(block + len, w, n * sizeof *w);
		len += n;
		free(w);
		if (*e == NULL) {
			free(root);
			root = NULL;
			break;
		}
	}
	block[len] = L'\0';
	return (block);
}

/* Open the console file of a service (the null device for /dev/null). */
static HANDLE
spawn_console(struct service *se)
{
	SECURITY_ATTRIBUTES	 sa = { sizeof sa, NULL, TRUE };
	const char		*path = se->se_console;
	wchar_t			*w;
	HANDLE			 h;

	if (strcmp(path, "/dev/null") == 0 || _stricmp(path, "NUL") == 0)
		path = "NUL";
	w = win_wide(path);
	h = CreateFileW(w, FILE_APPEND_DATA, FILE_SHARE_READ|FILE_SHARE_WRITE|
	    FILE_SHARE_DELETE, &sa, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	free(w);
	if (h == INVALID_HANDLE_VALUE)
		log_warnx("%s: console %s: %s", se->se_label,
		    se->se_console, win_syserror(GetLastError()));
	return (h);
}

/* A process finished: in a pool thread, so only tell the loop. */
static void CALLBACK
spawn_exit_cb(void *arg, UNUSED BOOLEAN timedout)
{
	win_wake(WAKE_CHILD, arg);
}

/* In the loop: a server process ended; report it like a reaped child. */
void
spawn_child_exited(void *arg)
{
	struct spawn_child	*sc = arg;
	DWORD			 code = 0;
	pid_t			 pid = (pid_t)sc->sc_pid;

	GetExitCodeProcess(sc->sc_process, &code);
	UnregisterWaitEx(sc->sc_wait, NULL);
	CloseHandle(sc->sc_process);
	link_del(&spawn_children, &sc->sc_link);
	free(sc);
	child_exited(pid, (int)code);
}

/* Pin a suspended process to the service's CPUs. */
static int
spawn_affinity(struct service *se, HANDLE process)
{
	DWORD_PTR	mask = 0;
	int		i;

	for (i = 0; i < se->se_ncpus; i++) {
		if (se->se_cpus[i] < (int)(8 * sizeof mask))
			mask |= (DWORD_PTR)1 << se->se_cpus[i];
	}
	if (mask == 0 || !SetProcessAffinityMask(process, mask)) {
		log_warnx("%s: cpu_affinity: error %lu", se->se_label,
		    GetLastError());
		return (-1);
	}
	return (0);
}

/*
 * Start a server with fds[0..2] (sockets or handles) as its standard input,
 * output and error. Inheritable duplicates of exactly those go to the child
 * through the handle list; the C runtime's descriptor block is filled too so
 * fds 0-2 of a C program are those handles, in binary mode.
 */
int
spawn_start(struct service *se, const int *fds, char **argv, char **envp,
    pid_t *ret)
{
	STARTUPINFOEXW		 si;
	PROCESS_INFORMATION	 pi;
	LPPROC_THREAD_ATTRIBUTE_LIST attrs = NULL;
	SIZE_T			 asize = 0;
	HANDLE			 self = GetCurrentProcess(), std[3], list[3];
	HANDLE			 console = INVALID_HANDLE_VALUE;
	unsigned char		 block[sizeof(int) + 3 * (1 + sizeof(HANDLE))];
	struct spawn_child	*sc;
	wchar_t			*app = NULL, *cmd = NULL, *env = NULL;
	DWORD			 flags;
	u_long			 blocking = 0;
	int			 i, j, n = 0, count = 3, rc = -1;

	memset(list, 0, sizeof list);
	if (se->se_console != NULL &&
	    (console = spawn_console(se)) == INVALID_HANDLE_VALUE)
		return (-1);
	if (console != INVALID_HANDLE_VALUE)
		list[n++] = console;	/* closed at out, whatever fails */
	for (i = 0; i < 3; i++) {
		if (i > 0 && console != INVALID_HANDLE_VALUE) {
			std[i] = console;
			continue;
		}
		for (j = 0; j < i; j++) {
			if (fds[j] == fds[i])
				break;
		}
		if (j < i) {
			std[i] = std[j];
			continue;
		}
		/* A socket child reads with ReadFile: blocking mode. */
		ioctlsocket(WIN_SOCKET(fds[i]), FIONBIO, &blocking);
		if (!DuplicateHandle(self, WIN_HANDLE(fds[i]), self, &std[i],
		    0, TRUE, DUPLICATE_SAME_ACCESS)) {
			log_warnx("%s: DuplicateHandle: error %lu",
			    se->se_label, GetLastError());
			goto out;
		}
		list[n++] = std[i];
	}

	InitializeProcThreadAttributeList(NULL, 1, 0, &asize);
	attrs = xmalloc(asize);
	if (!InitializeProcThreadAttributeList(attrs, 1, 0, &asize) ||
	    !UpdateProcThreadAttribute(attrs, 0,
	    PROC_THREAD_ATTRIBUTE_HANDLE_LIST, list, n * sizeof list[0], NULL,
	    NULL)) {
		log_warnx("%s: handle list: error %lu", se->se_label,
		    GetLastError());
		free(attrs);
		attrs = NULL;
		goto out;
	}

	memset(&si, 0, sizeof si);
	si.StartupInfo.cb = sizeof si;
	si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
	si.StartupInfo.hStdInput = std[0];
	si.StartupInfo.hStdOutput = std[1];
	si.StartupInfo.hStdError = std[2];
	si.lpAttributeList = attrs;
	memcpy(block, &count, sizeof count);
	for (i = 0; i < 3; i++) {
		block[sizeof count + i] = SPAWN_CRT_FOPEN | SPAWN_CRT_FPIPE;
		memcpy(block + sizeof count + 3 + i * sizeof(HANDLE), &std[i],
		    sizeof(HANDLE));
	}
	si.StartupInfo.cbReserved2 = (WORD)sizeof block;
	si.StartupInfo.lpReserved2 = block;

	app = win_wide(se->se_server);
	cmd = spawn_cmdline(argv);
	env = spawn_envblock(envp);
	flags = EXTENDED_STARTUPINFO_PRESENT | CREATE_UNICODE_ENVIRONMENT |
	    CREATE_NO_WINDOW;
	if (se->se_ncpus > 0)
		flags |= CREATE_SUSPENDED;
	memset(&pi, 0, sizeof pi);
	if (!CreateProcessW(app, cmd, NULL, NULL, TRUE, flags, env, NULL,
	    &si.StartupInfo, &pi)) {
		log_warnx("%s: exec %s: %s", se->se_label, se->se_server,
		    win_syserror(GetLastError()));
		goto out;
	}
	if (se->se_ncpus > 0) {
		if (spawn_affinity(se, pi.hProcess) != 0) {
			TerminateProcess(pi.hProcess, 126);
			CloseHandle(pi.hThread);
			CloseHandle(pi.hProcess);
			goto out;
		}
		ResumeThread(pi.hThread);
	}
	CloseHandle(pi.hThread);

	sc = xcalloc(1, sizeof *sc);
	sc->sc_process = pi.hProcess;
	sc->sc_pid = pi.dwProcessId;
	link_add(&spawn_children, &sc->sc_link);
	if (!RegisterWaitForSingleObject(&sc->sc_wait, pi.hProcess,
	    spawn_exit_cb, sc, INFINITE, WT_EXECUTEONLYONCE))
		fatalx("RegisterWaitForSingleObject: error %lu",
		    GetLastError());
	*ret = (pid_t)pi.dwProcessId;
	rc = 0;
out:
	if (attrs != NULL) {
		DeleteProcThreadAttributeList(attrs);
		free(attrs);
	}
	for (i = 0; i < n; i++)
		CloseHandle(list[i]);
	free(app);
	free(cmd);
	free(env);
	return (rc);
}

/* The null device, not inheritable, for a server's unused stdio; or -1. */
int
spawn_null(void)
{
	HANDLE	h;

	h = CreateFileW(L"NUL", GENERIC_READ|GENERIC_WRITE,
	    FILE_SHARE_READ|FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		errno = ENOENT;
		return (-1);
	}
	return ((int)(intptr_t)h);
}

/* Copy one way between a pipe and a socket until either side ends. */
static DWORD WINAPI
spawn_pump_cb(void *arg)
{
	struct spawn_pump	*sp = arg;
	char			 buf[65536];
	DWORD			 n, done;
	int			 r, off;

	for (;;) {
		if (sp->sp_to_pipe) {
			if ((r = recv(sp->sp_sock, buf, sizeof buf, 0)) <= 0)
				break;
			for (off = 0; off < r; off += (int)done) {
				if (!WriteFile(sp->sp_pipe, buf + off,
				    (DWORD)(r - off), &done, NULL))
					goto end;
			}
		} else {
			if (!ReadFile(sp->sp_pipe, buf, sizeof buf, &n, NULL) ||
			    n == 0)
				break;
			for (off = 0; off < (int)n; off += r) {
				r = send(sp->sp_sock, buf + off, (int)n - off,
				    0);
				if (r <= 0)
					goto end;
			}
		}
	}
end:
	if (!sp->sp_to_pipe)
		shutdown(sp->sp_sock, SD_SEND);
	closesocket(sp->sp_sock);
	CloseHandle(sp->sp_pipe);
	free(sp);
	return (0);
}

/*
 * A pipe for a hand-off server: fds[0] is read and fds[1] written. The
 * server's end is a real pipe; the daemon's end (fds[ours]) is a socket, and
 * a thread copies between it and the pipe, passing end of file on.
 */
int
spawn_pipe(int fds[2], int ours)
{
	struct spawn_pump	*sp;
	evutil_socket_t		 sv[2];
	HANDLE			 rd, wr, th;

	if (!CreatePipe(&rd, &wr, NULL, 0)) {
		errno = EMFILE;
		return (-1);
	}
	if (evutil_socketpair(AF_INET, SOCK_STREAM, 0, sv) == -1) {
		CloseHandle(rd);
		CloseHandle(wr);
		errno = EMFILE;
		return (-1);
	}
	sp = xcalloc(1, sizeof *sp);
	sp->sp_sock = (SOCKET)sv[1];
	sp->sp_to_pipe = ours == 1;
	if (sp->sp_to_pipe) {
		sp->sp_pipe = wr;
		fds[0] = (int)(intptr_t)rd;
		fds[1] = (int)sv[0];
	} else {
		sp->sp_pipe = rd;
		fds[0] = (int)sv[0];
		fds[1] = (int)(intptr_t)wr;
	}
	th = CreateThread(NULL, 0, spawn_pump_cb, sp, 0, NULL);
	if (th == NULL) {
		evutil_closesocket(sv[0]);
		evutil_closesocket(sv[1]);
		CloseHandle(rd);
		CloseHandle(wr);
		free(sp);
		errno = EAGAIN;
		return (-1);
	}
	CloseHandle(th);
	return (0);
}

/* Close a handle from spawn_null or the server's end of spawn_pipe. */
void
spawn_close(int fd)
{
	CloseHandle(WIN_HANDLE(fd));
}

/*
 * End a server whose client has gone: Windows has no SIGTERM, so the exit
 * status (143 or 137, as after SIGTERM or SIGKILL) is all that differs.
 */
void
spawn_kill(pid_t pid, int hard)
{
	struct link		*l;
	struct spawn_child	*sc;

	for (l = spawn_children; l != NULL; l = l->l_next) {
		sc = (struct spawn_child *)l;
		if (sc->sc_pid == (DWORD)pid) {
			TerminateProcess(sc->sc_process, hard ? 137 : 143);
			return;
		}
	}
}

/*
 * End servers at shutdown: without SIGTERM there is nothing to wait for,
 * so each is terminated at once (with SIGTERM's status, as before).
 */
void
spawn_end(pid_t *pids, int n, UNUSED int seconds)
{
	int	i;

	for (i = 0; i < n; i++)
		spawn_kill(pids[i], 0);
}
