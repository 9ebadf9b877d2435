/*
 * The Windows service: --install, --uninstall and --reload commands, and
 * running the daemon under the Service Control Manager (--service).
 *
 * Besides the functions declared in win.h, this file exports:
 *
 *	void	svc_event_name(const wchar_t *, wchar_t *, size_t);
 *
 * which formats the name of the event a console instance waits on for a
 * reload ("Local\pinetd-reload-NAME").
 */

#include "pinetd.h"

#include <winsvc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define SVC_DEFAULT_NAME	"pinetd"
#define SVC_NAME_MAX		200	/* so the reload event name fits */
#define SVC_EVENT_MAX		256	/* its buffer, as in daemon-win.c */
#define SVC_STOP_WAIT		10000	/* ms to wait for a stop */
#define SVC_POLL		100	/* ms between status queries */

#define SVC_NONE	0
#define SVC_INSTALL	1
#define SVC_UNINSTALL	2
#define SVC_RELOAD	3
#define SVC_DUMP	4

/* The user-defined control that asks a service for its counters. */
#define SVC_CONTROL_DUMP	128

#define SVC_EVENTLOG_KEY \
	L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\"
#define SVC_EVENT_PREFIX	L"Local\\pinetd-"

/* A growing wide string, for the service's command line. */
struct svc_buf {
	wchar_t	*sb_p;
	size_t	 sb_len;
	size_t	 sb_size;
};

static const char		*svc_name_arg = SVC_DEFAULT_NAME;
static int			 svc_named;	/* --name given */
static int			 svc_service;	/* --service given */

static SRWLOCK			 svc_lock = SRWLOCK_INIT;
static SERVICE_STATUS_HANDLE	 svc_handle;	/* under svc_lock */
static SERVICE_STATUS		 svc_status;	/* under svc_lock */
static int			 svc_exit;	/* under svc_lock */
static int			(*svc_main_run)(void);
static wchar_t			*svc_wname;

static void	svc_warn(DWORD, const char *, ...)
		    __attribute__((format(PLATFORM_PRINTF, 2, 3)));
static int	svc_fail(DWORD, const char *, ...)
		    __attribute__((format(PLATFORM_PRINTF, 2, 3)));

/* Print a message and the Windows error text to stderr. */
static void
svc_vprint(DWORD code, const char *fmt, va_list ap)
{
	char	msg[1024];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (code != ERROR_SUCCESS)
		fprintf(stderr, "pinetd: %s: %s (%lu)\n", msg,
		    win_syserror(code), (unsigned long)code);
	else
		fprintf(stderr, "pinetd: %s\n", msg);
}

/* Report a problem that does not stop the command. */
static void
svc_warn(DWORD code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	svc_vprint(code, fmt, ap);
	va_end(ap);
}

/* Report why a command failed; returns its exit code. */
static int
svc_fail(DWORD code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	svc_vprint(code, fmt, ap);
	va_end(ap);
	return (1);
}

/* Append a wide string to a buffer, growing it as needed. */
static void
svc_buf_add(struct svc_buf *b, const wchar_t *s, size_t len)
{
	size_t	need;

	need = b->sb_len + len + 1;
	if (need > b->sb_size) {
		b->sb_size = need < 256 ? 256 : need * 2;
		b->sb_p = xreallocarray(b->sb_p, b->sb_size, sizeof *b->sb_p);
	}
	wmemcpy(b->sb_p + b->sb_len, s, len);
	b->sb_len += len;
	b->sb_p[b->sb_len] = L'\0';
}

/* Append a string to a buffer. */
static void
svc_buf_str(struct svc_buf *b, const wchar_t *s)
{
	svc_buf_add(b, s, wcslen(s));
}

/* Append one character, n times. */
static void
svc_buf_chars(struct svc_buf *b, wchar_t c, size_t n)
{
	while (n-- > 0)
		svc_buf_add(b, &c, 1);
}

/*
 * Append a space and one argument, quoted so that the C runtime's parser
 * (CommandLineToArgvW rules) gives it back unchanged.
 */
static void
svc_buf_arg(struct svc_buf *b, const wchar_t *arg)
{
	const wchar_t	*p;
	size_t		 slashes;

	svc_buf_str(b, L" ");
	if (*arg != L'\0' && wcspbrk(arg, L" \t\n\v\"") == NULL) {
		svc_buf_str(b, arg);
		return;
	}
	svc_buf_str(b, L"\"");
	for (p = arg;; p++) {
		slashes = 0;
		while (*p == L'\\') {
			slashes++;
			p++;
		}
		if (*p == L'\0') {
			svc_buf_chars(b, L'\\', slashes * 2);
			break;
		}
		if (*p == L'"') {
			svc_buf_chars(b, L'\\', slashes * 2 + 1);
			svc_buf_str(b, L"\"");
		} else {
			svc_buf_chars(b, L'\\', slashes);
			svc_buf_add(b, p, 1);
		}
	}
	svc_buf_str(b, L"\"");
}

/* The full path of this program. */
static wchar_t *
svc_module_path(void)
{
	wchar_t	*path;
	DWORD	 size, n;

	for (size = MAX_PATH;; size *= 2) {
		path = xcalloc(size, sizeof *path);
		n = GetModuleFileNameW(NULL, path, size);
		if (n == 0)
			fatalx("GetModuleFileNameW: %s",
			    win_syserror(GetLastError()));
		if (n < size)
			return (path);
		free(path);
		if (size >= 32768)
			fatalx("GetModuleFileNameW: path too long");
	}
}

/* A path made absolute, since a service starts in the system directory. */
static wchar_t *
svc_full_path(const wchar_t *path)
{
	wchar_t	*full;
	DWORD	 size, n;

	if ((size = GetFullPathNameW(path, 0, NULL, NULL)) == 0)
		return (NULL);
	full = xcalloc(size, sizeof *full);
	n = GetFullPathNameW(path, size, full, NULL);
	if (n == 0 || n >= size) {
		free(full);
		return (NULL);
	}
	return (full);
}

/*
 * Which argument is the configuration file: the last one that is neither an
 * option nor the value of -P, -p, -q or -T. Returns -1 if there is none.
 */
static int
svc_conf_index(int argc, char **argv)
{
	const char	*p;
	int		 i, found = -1, dashdash = 0;

	for (i = 1; i < argc; i++) {
		if (dashdash || argv[i][0] != '-') {
			found = i;
			continue;
		}
		if (strcmp(argv[i], "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (argv[i][1] == '-')
			continue;
		for (p = argv[i] + 1; *p != '\0'; p++) {
			if (strchr("PpqT", *p) != NULL) {
				if (p[1] == '\0')
					i++;
				break;
			}
		}
	}
	return (found);
}

/* The command line the service manager starts the service with. */
static wchar_t *
svc_command_line(const wchar_t *exe, int argc, char **argv)
{
	struct svc_buf	 b;
	wchar_t		*w, *full;
	int		 i, conf;

	memset(&b, 0, sizeof b);
	svc_buf_str(&b, L"\"");
	svc_buf_str(&b, exe);
	svc_buf_str(&b, L"\" --service --name");
	svc_buf_arg(&b, svc_wname);

	conf = svc_conf_index(argc, argv);
	for (i = 1; i < argc; i++) {
		w = win_wide(argv[i]);
		if (i == conf && (full = svc_full_path(w)) != NULL) {
			free(w);
			w = full;
		}
		svc_buf_arg(&b, w);
		free(w);
	}
	return (b.sb_p);
}

/* Register the service as an event log source, so its messages show. */
static int
svc_eventlog_add(const wchar_t *exe)
{
	struct svc_buf	 b;
	HKEY		 key;
	DWORD		 types = 7, size;
	LONG		 rc;

	memset(&b, 0, sizeof b);
	svc_buf_str(&b, SVC_EVENTLOG_KEY);
	svc_buf_str(&b, svc_wname);
	rc = RegCreateKeyExW(HKEY_LOCAL_MACHINE, b.sb_p, 0, NULL, 0,
	    KEY_SET_VALUE, NULL, &key, NULL);
	free(b.sb_p);
	if (rc != ERROR_SUCCESS) {
		SetLastError((DWORD)rc);
		return (-1);
	}
	size = (DWORD)((wcslen(exe) + 1) * sizeof *exe);
	rc = RegSetValueExW(key, L"EventMessageFile", 0, REG_EXPAND_SZ,
	    (const BYTE *)exe, size);
	if (rc == ERROR_SUCCESS)
		rc = RegSetValueExW(key, L"TypesSupported", 0, REG_DWORD,
		    (const BYTE *)&types, sizeof types);
	RegCloseKey(key);
	if (rc != ERROR_SUCCESS) {
		SetLastError((DWORD)rc);
		return (-1);
	}
	return (0);
}

/*
 * Whether an event log source is pinetd's: its message file is a pinetd
 * executable. A mistyped --uninstall name must not remove another
 * program's source.
 */
static int
svc_eventlog_ours(const wchar_t *path)
{
	wchar_t		 file[1024], *base;
	DWORD		 size = sizeof file - sizeof file[0];
	HKEY		 key;
	LONG		 rc;
	size_t		 len;

	if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, path, 0, KEY_QUERY_VALUE,
	    &key) != ERROR_SUCCESS)
		return (0);
	rc = RegQueryValueExW(key, L"EventMessageFile", NULL, NULL,
	    (BYTE *)file, &size);
	RegCloseKey(key);
	if (rc != ERROR_SUCCESS)
		return (0);
	file[size / sizeof file[0]] = L'\0';
	base = wcsrchr(file, L'\\');
	base = base != NULL ? base + 1 : file;
	len = wcslen(base);
	return (_wcsnicmp(base, L"pinetd", 6) == 0 && len > 4 &&
	    _wcsicmp(base + len - 4, L".exe") == 0);
}

/* Remove pinetd's event log source; it may never have been there. */
static void
svc_eventlog_remove(void)
{
	struct svc_buf	b;

	memset(&b, 0, sizeof b);
	svc_buf_str(&b, SVC_EVENTLOG_KEY);
	svc_buf_str(&b, svc_wname);
	if (svc_eventlog_ours(b.sb_p))
		RegDeleteKeyW(HKEY_LOCAL_MACHINE, b.sb_p);
	free(b.sb_p);
}

/* Open the service manager, explaining the usual failure. */
static SC_HANDLE
svc_open_scm(DWORD access)
{
	SC_HANDLE	scm;
	DWORD		err;

	if ((scm = OpenSCManagerW(NULL, NULL, access)) != NULL)
		return (scm);
	err = GetLastError();
	if (err == ERROR_ACCESS_DENIED)
		svc_fail(err, "cannot open the service manager "
		    "(run as Administrator)");
	else
		svc_fail(err, "cannot open the service manager");
	return (NULL);
}

/* --install: create the service and its event log source. */
static int
svc_install(int argc, char **argv)
{
	SC_HANDLE		 scm, svc;
	SERVICE_DESCRIPTIONW	 sd;
	struct svc_buf		 display;
	wchar_t			*exe, *cmd;
	wchar_t			 desc[] = L"Listens on the configured ports "
				    L"and starts a server for each connection "
				    L"(pinetd, a portable inetd).";
	DWORD			 err;

	exe = svc_module_path();
	cmd = svc_command_line(exe, argc, argv);
	memset(&display, 0, sizeof display);
	if (svc_named && strcmp(svc_name_arg, SVC_DEFAULT_NAME) != 0) {
		svc_buf_str(&display, L"pinetd ");
		svc_buf_str(&display, svc_wname);
	} else
		svc_buf_str(&display, L"pinetd super-server");

	if ((scm = svc_open_scm(SC_MANAGER_CREATE_SERVICE)) == NULL)
		return (1);
	svc = CreateServiceW(scm, svc_wname, display.sb_p,
	    SERVICE_CHANGE_CONFIG, SERVICE_WIN32_OWN_PROCESS,
	    SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, cmd, NULL, NULL, NULL,
	    NULL, NULL);
	if (svc == NULL) {
		err = GetLastError();
		CloseServiceHandle(scm);
		return (svc_fail(err, "cannot install service %s",
		    svc_name_arg));
	}
	sd.lpDescription = desc;
	if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_DESCRIPTION, &sd))
		svc_warn(GetLastError(), "cannot set the description of %s",
		    svc_name_arg);
	CloseServiceHandle(svc);
	CloseServiceHandle(scm);

	if (svc_eventlog_add(exe) == -1)
		svc_warn(GetLastError(), "warning: cannot register event log "
		    "source %s", svc_name_arg);
	printf("pinetd: installed service %s; start it with: sc start %s\n",
	    svc_name_arg, svc_name_arg);
	free(display.sb_p);
	free(cmd);
	free(exe);
	return (0);
}

/* Wait for a service to stop; returns 0 once it has, -1 if not in time. */
static int
svc_wait_stopped(SC_HANDLE svc)
{
	SERVICE_STATUS	st;
	DWORD		waited;

	for (waited = 0; waited <= SVC_STOP_WAIT; waited += SVC_POLL) {
		if (!QueryServiceStatus(svc, &st))
			return (-1);
		if (st.dwCurrentState == SERVICE_STOPPED)
			return (0);
		Sleep(SVC_POLL);
	}
	return (-1);
}

/* --uninstall: stop the service if it runs, then delete it. */
static int
svc_uninstall(void)
{
	SC_HANDLE	scm, svc;
	SERVICE_STATUS	st;
	DWORD		err;
	int		rc = 0;

	if ((scm = svc_open_scm(SC_MANAGER_CONNECT)) == NULL)
		return (1);
	svc = OpenServiceW(scm, svc_wname,
	    SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE);
	if (svc == NULL) {
		err = GetLastError();
		CloseServiceHandle(scm);
		svc_eventlog_remove();
		if (err == ERROR_SERVICE_DOES_NOT_EXIST)
			return (svc_fail(ERROR_SUCCESS, "no service named %s",
			    svc_name_arg));
		return (svc_fail(err, "cannot open service %s",
		    svc_name_arg));
	}

	if (ControlService(svc, SERVICE_CONTROL_STOP, &st) ||
	    (err = GetLastError()) != ERROR_SERVICE_NOT_ACTIVE) {
		if (svc_wait_stopped(svc) == -1)
			svc_warn(ERROR_SUCCESS, "warning: service %s has not "
			    "stopped; it is removed once it does",
			    svc_name_arg);
	}
	if (!DeleteService(svc)) {
		err = GetLastError();
		rc = svc_fail(err, "cannot delete service %s", svc_name_arg);
	}
	CloseServiceHandle(svc);
	CloseServiceHandle(scm);
	svc_eventlog_remove();
	if (rc == 0)
		printf("pinetd: removed service %s\n", svc_name_arg);
	return (rc);
}

/*
 * Send a running service a control (reload or dump) through the SCM.
 * Returns 0 if sent, -1 if there is no such service running (*err is set
 * if the SCM refused).
 */
static int
svc_control_service(DWORD control, DWORD *err)
{
	SC_HANDLE	scm, svc;
	SERVICE_STATUS	st;
	int		rc = -1;

	*err = ERROR_SUCCESS;
	if ((scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT)) == NULL)
		return (-1);
	/*
	 * Only the right the control needs: a user-defined one (the dump)
	 * is open to every user by the default DACL, PARAMCHANGE (reload)
	 * needs PAUSE_CONTINUE, which only administrators have.
	 */
	svc = OpenServiceW(scm, svc_wname, SERVICE_QUERY_STATUS |
	    (control == SERVICE_CONTROL_PARAMCHANGE ? SERVICE_PAUSE_CONTINUE :
	    SERVICE_USER_DEFINED_CONTROL));
	if (svc == NULL) {
		if (GetLastError() != ERROR_SERVICE_DOES_NOT_EXIST)
			*err = GetLastError();
		CloseServiceHandle(scm);
		return (-1);
	}
	if (QueryServiceStatus(svc, &st) &&
	    st.dwCurrentState == SERVICE_RUNNING) {
		if (ControlService(svc, control, &st))
			rc = 0;
		else
			*err = GetLastError();
	}
	CloseServiceHandle(svc);
	CloseServiceHandle(scm);
	return (rc);
}

/* Ask a console instance to reload or dump by setting its event. */
static int
svc_signal_console(const wchar_t *kind)
{
	wchar_t	name[SVC_EVENT_MAX];
	HANDLE	ev;
	int	rc;

	svc_event_name(kind, name, sizeof name / sizeof name[0]);
	if ((ev = OpenEventW(EVENT_MODIFY_STATE, FALSE, name)) == NULL)
		return (-1);
	rc = SetEvent(ev) ? 0 : -1;
	CloseHandle(ev);
	return (rc);
}

/*
 * --reload and --dump: the service of that name if running, else a console
 * instance.
 */
static int
svc_ask(int cmd)
{
	const char	*what = cmd == SVC_DUMP ? "dump" : "reload";
	DWORD		 err;

	if (svc_control_service(cmd == SVC_DUMP ? SVC_CONTROL_DUMP :
	    SERVICE_CONTROL_PARAMCHANGE, &err) == 0) {
		printf("pinetd: asked service %s to %s\n", svc_name_arg, what);
		return (0);
	}
	if (svc_signal_console(cmd == SVC_DUMP ? L"dump" : L"reload") == 0) {
		printf("pinetd: asked instance %s to %s\n", svc_name_arg,
		    what);
		return (0);
	}
	if (err != ERROR_SUCCESS)
		return (svc_fail(err, "cannot ask service %s to %s",
		    svc_name_arg, what));
	return (svc_fail(ERROR_SUCCESS, "no running pinetd instance named %s",
	    svc_name_arg));
}

/* Remember a command, refusing a second one. */
static int
svc_set_command(int *cmd, int which)
{
	if (*cmd != SVC_NONE && *cmd != which) {
		fprintf(stderr, "pinetd: only one of --install, --uninstall, "
		    "--reload and --dump may be given\n");
		return (-1);
	}
	*cmd = which;
	return (0);
}

/* Check a service name: the SCM and the event name both need it sane. */
static int
svc_check_name(const char *name)
{
	if (*name == '\0' || strlen(name) > SVC_NAME_MAX ||
	    strpbrk(name, "/\\") != NULL) {
		fprintf(stderr, "pinetd: bad service name \"%s\"\n", name);
		return (-1);
	}
	return (0);
}

/*
 * Take the service options out of the command line before getopt sees it,
 * and run --install, --uninstall or --reload. Returns -1 to carry on.
 */
int
svc_command(int *argc, char ***argv)
{
	char	**av = *argv, **nav;
	int	  ac = *argc, nac = 0, i, cmd = SVC_NONE, dashdash = 0;

	nav = xcalloc((size_t)ac + 1, sizeof *nav);
	if (ac > 0)
		nav[nac++] = av[0];
	for (i = 1; i < ac; i++) {
		if (dashdash)
			nav[nac++] = av[i];
		else if (strcmp(av[i], "--") == 0) {
			dashdash = 1;
			nav[nac++] = av[i];
		} else if (strcmp(av[i], "--install") == 0) {
			if (svc_set_command(&cmd, SVC_INSTALL) == -1)
				return (1);
		} else if (strcmp(av[i], "--uninstall") == 0) {
			if (svc_set_command(&cmd, SVC_UNINSTALL) == -1)
				return (1);
		} else if (strcmp(av[i], "--reload") == 0) {
			if (svc_set_command(&cmd, SVC_RELOAD) == -1)
				return (1);
		} else if (strcmp(av[i], "--dump") == 0) {
			if (svc_set_command(&cmd, SVC_DUMP) == -1)
				return (1);
		} else if (strcmp(av[i], "--service") == 0)
			svc_service = 1;
		else if (strcmp(av[i], "--name") == 0) {
			if (i + 1 >= ac) {
				fprintf(stderr, "pinetd: --name needs a "
				    "service name\n");
				return (1);
			}
			svc_name_arg = av[++i];
			svc_named = 1;
		} else if (strncmp(av[i], "--name=", 7) == 0) {
			svc_name_arg = av[i] + 7;
			svc_named = 1;
		} else
			nav[nac++] = av[i];
	}
	nav[nac] = NULL;
	*argc = nac;
	*argv = nav;

	if (svc_check_name(svc_name_arg) == -1)
		return (1);
	svc_wname = win_wide(svc_name_arg);
	switch (cmd) {
	case SVC_INSTALL:
		return (svc_install(nac, nav));
	case SVC_UNINSTALL:
		return (svc_uninstall());
	case SVC_RELOAD:
	case SVC_DUMP:
		return (svc_ask(cmd));
	}
	return (-1);
}

/* Whether the service manager started us (--service). */
int
svc_service_mode(void)
{
	return (svc_service);
}

/* The service name, for the event log source and the reload event. */
const char *
svc_name(void)
{
	return (svc_name_arg);
}

/*
 * The name of the event that makes a console instance reload or dump:
 * "Local\pinetd-KIND-NAME".
 */
void
svc_event_name(const wchar_t *kind, wchar_t *buf, size_t n)
{
	wchar_t	*w;
	size_t	 len, wlen;

	if (n == 0)
		return;
	len = (size_t)_snwprintf(buf, n, L"%ls%ls-", SVC_EVENT_PREFIX, kind);
	if (len > n - 1)
		len = n - 1;
	w = win_wide(svc_name());
	wlen = wcslen(w);
	if (wlen > n - 1 - len)
		wlen = n - 1 - len;
	wmemcpy(buf + len, w, wlen);
	buf[len + wlen] = L'\0';
	free(w);
}

/* Tell the service manager our state; the caller holds svc_lock. */
static void
svc_report(DWORD state, DWORD wait)
{
	svc_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
	svc_status.dwCurrentState = state;
	svc_status.dwWaitHint = wait;
	if (state == SERVICE_RUNNING)
		svc_status.dwControlsAccepted = SERVICE_ACCEPT_STOP |
		    SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_PARAMCHANGE;
	else
		svc_status.dwControlsAccepted = 0;
	if (state == SERVICE_RUNNING || state == SERVICE_STOPPED)
		svc_status.dwCheckPoint = 0;
	else
		svc_status.dwCheckPoint++;
	SetServiceStatus(svc_handle, &svc_status);
}

/* Set the exit code and report STOPPED; the caller holds svc_lock. */
static void
svc_report_stopped(int rc)
{
	svc_exit = rc;
	if (rc == 0) {
		svc_status.dwWin32ExitCode = NO_ERROR;
		svc_status.dwServiceSpecificExitCode = 0;
	} else {
		svc_status.dwWin32ExitCode = ERROR_SERVICE_SPECIFIC_ERROR;
		svc_status.dwServiceSpecificExitCode = (DWORD)rc;
	}
	svc_report(SERVICE_STOPPED, 0);
}

/* Controls from the service manager, on the dispatcher thread. */
static DWORD WINAPI
svc_handler_cb(DWORD control, UNUSED DWORD type, UNUSED LPVOID data,
    UNUSED LPVOID context)
{
	switch (control) {
	case SERVICE_CONTROL_STOP:
	case SERVICE_CONTROL_SHUTDOWN:
		AcquireSRWLockExclusive(&svc_lock);
		if (svc_status.dwCurrentState != SERVICE_STOPPED)
			svc_report(SERVICE_STOP_PENDING, SVC_STOP_WAIT);
		ReleaseSRWLockExclusive(&svc_lock);
		win_wake(WAKE_STOP, NULL);
		return (NO_ERROR);
	case SERVICE_CONTROL_PARAMCHANGE:
		win_wake(WAKE_RELOAD, NULL);
		return (NO_ERROR);
	case SVC_CONTROL_DUMP:
		win_wake(WAKE_DUMP, NULL);
		return (NO_ERROR);
	case SERVICE_CONTROL_INTERROGATE:
		return (NO_ERROR);
	}
	return (ERROR_CALL_NOT_IMPLEMENTED);
}

/* The service's main thread: report running, run the daemon, report done. */
static void WINAPI
svc_main_cb(UNUSED DWORD argc, UNUSED LPWSTR *argv)
{
	SERVICE_STATUS_HANDLE	h;
	int			rc;

	h = RegisterServiceCtrlHandlerExW(svc_wname, svc_handler_cb, NULL);
	if (h == NULL) {
		AcquireSRWLockExclusive(&svc_lock);
		svc_exit = 1;
		ReleaseSRWLockExclusive(&svc_lock);
		return;
	}
	AcquireSRWLockExclusive(&svc_lock);
	svc_handle = h;
	svc_report(SERVICE_START_PENDING, SVC_STOP_WAIT);
	ReleaseSRWLockExclusive(&svc_lock);

	rc = svc_main_run();

	AcquireSRWLockExclusive(&svc_lock);
	svc_report_stopped(rc);
	ReleaseSRWLockExclusive(&svc_lock);
}

/* If the daemon exits on its own (fatal), still tell the manager it failed. */
static void
svc_atexit_cb(void)
{
	AcquireSRWLockExclusive(&svc_lock);
	if (svc_handle != NULL &&
	    svc_status.dwCurrentState != SERVICE_STOPPED)
		svc_report_stopped(1);
	ReleaseSRWLockExclusive(&svc_lock);
}

/* Run the daemon under the service manager; returns its exit code. */
int
svc_run(int (*run)(void))
{
	SERVICE_TABLE_ENTRYW	table[2];
	DWORD			err;
	int			rc;

	if (svc_wname == NULL)
		svc_wname = win_wide(svc_name_arg);
	svc_main_run = run;
	memset(table, 0, sizeof table);
	table[0].lpServiceName = svc_wname;
	table[0].lpServiceProc = svc_main_cb;
	atexit(svc_atexit_cb);
	if (!StartServiceCtrlDispatcherW(table)) {
		err = GetLastError();
		if (err == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
			fprintf(stderr, "pinetd: --service is for the service "
			    "manager; run without it in a console\n");
			return (1);
		}
		return (svc_fail(err, "StartServiceCtrlDispatcher"));
	}
	AcquireSRWLockExclusive(&svc_lock);
	rc = svc_exit;
	ReleaseSRWLockExclusive(&svc_lock);
	return (rc);
}

/* Every service is open: now the service is running (notify_ready). */
void
svc_ready(void)
{
	AcquireSRWLockExclusive(&svc_lock);
	if (svc_handle != NULL &&
	    svc_status.dwCurrentState == SERVICE_START_PENDING)
		svc_report(SERVICE_RUNNING, 0);
	ReleaseSRWLockExclusive(&svc_lock);
}

/* The loop is told to stop: tell the manager the stop is under way. */
void
svc_stopped(void)
{
	AcquireSRWLockExclusive(&svc_lock);
	if (svc_handle != NULL &&
	    svc_status.dwCurrentState != SERVICE_STOPPED)
		svc_report(SERVICE_STOP_PENDING, SVC_STOP_WAIT);
	ReleaseSRWLockExclusive(&svc_lock);
}
