/*
 * Starting servers on POSIX systems: fork, set up the child, exec; and
 * reaping children when SIGCHLD arrives.
 */

#include "pinetd.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <event2/event.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static struct event	*spawn_sigchld;
#if PLATFORM_VFORK
static int		 spawn_use_vfork = 1;	/* PINETD_SPAWN=posix_spawn: 0 */
#endif

#ifndef NSIG
#define NSIG	65	/* above every signal number of the systems we know */
#endif

/* The signals the daemon handles or ignores; children get them back. */
static const int spawn_signals[] = {
	SIGCHLD, SIGHUP, SIGINT, SIGTERM, SIGPIPE, SIGUSR1, SIGUSR2
};

/*
 * What a child resets to the default: spawn_signals, and every signal the
 * daemon was started with ignored (a shell's background job ignores SIGINT
 * and SIGQUIT, nohup SIGHUP), since an ignored signal stays ignored across
 * execve and the server would inherit it.
 */
static sigset_t		 spawn_sigdef;

/*
 * A forked child's report: a close-on-exec pipe on which the child writes
 * errno if it cannot set itself up or exec, and which simply closes if the
 * exec works. Read from the loop, so the daemon never waits for a child.
 */
struct spawn_report {
	struct link	 sr_link;
	struct service	*sr_se;
	struct event	*sr_ev;
	int		 sr_fd;
	pid_t		 sr_pid;
};

static struct link	*spawn_reports;

/* Reap every child that has exited. */
static void
spawn_sigchld_cb(UNUSED evutil_socket_t sig, UNUSED short events,
    UNUSED void *arg)
{
	pid_t	pid;
	int	status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		child_exited(pid, status);
}

/*
 * Find what spawn_sigdef holds, once: the daemon's dispositions do not
 * change after start-up, and a child must not make 64 sigaction calls per
 * connection while a vfork parent waits for it (it tests bits instead).
 */
static void
spawn_init_signals(void)
{
	struct sigaction	sa;
	size_t			i;
	int			sig;

	sigemptyset(&spawn_sigdef);
	for (i = 0; i < sizeof spawn_signals / sizeof spawn_signals[0]; i++)
		sigaddset(&spawn_sigdef, spawn_signals[i]);
	for (sig = 1; sig < NSIG; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP &&
		    sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL)
			sigaddset(&spawn_sigdef, sig);
	}
}

/*
 * Watch for children exiting (with SIGCHLD unblocked: a parent may have
 * started the daemon with it blocked, and no child would be reaped);
 * choose how servers are started.
 */
void
spawn_init(void)
{
	sigset_t	 set;
#if PLATFORM_VFORK
	const char	*how;
#endif

	spawn_sigchld = evsignal_new(ev_base, SIGCHLD, spawn_sigchld_cb, NULL);
	if (spawn_sigchld == NULL || evsignal_add(spawn_sigchld, NULL) == -1)
		fatalx("cannot watch SIGCHLD");
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	spawn_init_signals();
#if PLATFORM_VFORK
	/* The posix_spawn path of macOS and Cygwin, for testing it here. */
	if ((how = getenv("PINETD_SPAWN")) != NULL &&
	    strcmp(how, "posix_spawn") == 0) {
		spawn_use_vfork = 0;
		log_info("servers are started with posix_spawn (PINETD_SPAWN)");
	}
#endif
}

/* Forget a report: the child has exec'd or failed, or the daemon stops. */
static void
spawn_report_free(struct spawn_report *sr)
{
	link_del(&spawn_reports, &sr->sr_link);
	event_free(sr->sr_ev);
	close(sr->sr_fd);
	service_unref(sr->sr_se);
	free(sr);
}

/*
 * A forked child wrote why it failed, or its report pipe closed at exec. A
 * failure counts as the vfork path's does: failed, not accepted, and a
 * wait service backs off before starting another. Either way the child no
 * longer holds the daemon's listening sockets (they are close-on-exec),
 * so a bind that failed on one of them is tried again.
 */
static void
spawn_report_cb(evutil_socket_t fd, UNUSED short events, void *arg)
{
	struct spawn_report	*sr = arg;
	struct service		*se = sr->sr_se;
	int			 error;
	ssize_t			 n;

	if ((n = read(fd, &error, sizeof error)) == -1 && errno == EINTR)
		return;		/* still readable: called again */
	if (n == (ssize_t)sizeof error) {
		service_start_failed(se);
		handoff_start_failed(sr->sr_pid);
		child_start_failed(sr->sr_pid, se);
	}
	spawn_report_free(sr);
	service_retry_soon();
}

/* Watch a forked child's report pipe; without one, nothing is counted. */
static void
spawn_report_watch(struct service *se, int fd, pid_t pid)
{
	struct spawn_report	*sr;

	sr = xcalloc(1, sizeof *sr);
	sr->sr_se = se;
	sr->sr_fd = fd;
	sr->sr_pid = pid;
	sr->sr_ev = event_new(ev_base, fd, EV_READ|EV_PERSIST,
	    spawn_report_cb, sr);
	if (sr->sr_ev == NULL)
		fatalx("event_new failed");
	service_ref(se);
	link_add(&spawn_reports, &sr->sr_link);
	event_add(sr->sr_ev, NULL);
}

/* Stop watching for children, at shutdown. */
void
spawn_done(void)
{
	while (spawn_reports != NULL)
		spawn_report_free((struct spawn_report *)spawn_reports);
	if (spawn_sigchld != NULL)
		event_free(spawn_sigchld);
	spawn_sigchld = NULL;
}

/* A forked child failed: say why on its report pipe, and exit. */
static void
spawn_child_exit(int report, int status)
{
	int	error = errno;

	if (report != -1)
		(void)write(report, &error, sizeof error);
	_exit(status);
}

/* Give the child default signal handling and an empty signal mask. */
static void
spawn_child_signals(void)
{
	struct sigaction	sa;
	sigset_t		set;
	int			sig;

	sa.sa_handler = SIG_DFL;
	sa.sa_flags = 0;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++) {
		if (sigismember(&spawn_sigdef, sig) == 1)
			sigaction(sig, &sa, NULL);
	}
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
}

/*
 * Take the service's group and supplementary groups; only called when
 * running as root. The user follows in spawn_child_setuid, last.
 */
static int
spawn_child_groups(struct service *se)
{
	if (setgid(se->se_gid) == -1) {
		log_warn("%s: setgid %ld", se->se_label, (long)se->se_gid);
		return (-1);
	}
	if (se->se_nogroups) {
		if (setgroups(1, &se->se_gid) == -1) {
			log_warn("%s: setgroups", se->se_label);
			return (-1);
		}
	} else if (se->se_groups != NULL) {
		if (setgroups(se->se_ngroups, se->se_groups) == -1) {
			log_warn("%s: setgroups", se->se_label);
			return (-1);
		}
	} else {
#ifdef HAVE_INITGROUPS
		if (initgroups(se->se_user, se->se_gid) == -1) {
			log_warn("%s: initgroups %s", se->se_label,
			    se->se_user);
			return (-1);
		}
#else
		if (setgroups(1, &se->se_gid) == -1) {
			log_warn("%s: setgroups", se->se_label);
			return (-1);
		}
#endif
	}
	return (0);
}

/*
 * In the child: the connection (or, for 1 and 2, the console file) becomes
 * fds 0, 1 and 2. System calls only, so a vfork child may use it; -1 with
 * errno set on failure, and *console set when opening the console failed.
 */
static int
spawn_child_stdio(struct service *se, const int *fds, int *console)
{
	int	i, out, flags;

	*console = 0;
	for (i = 0; i < 3; i++) {
		if (i == 1 && se->se_console != NULL) {
			*console = 1;
			/*
			 * Never waiting in open: a FIFO with no reader fails
			 * (ENXIO) instead of holding a vfork parent, and with
			 * it the daemon. Writes block again afterwards.
			 */
			if ((out = open(se->se_console, O_WRONLY|O_CREAT|
			    O_APPEND|O_NONBLOCK, 0644)) == -1 ||
			    (flags = fcntl(out, F_GETFL)) == -1 ||
			    fcntl(out, F_SETFL, flags & ~O_NONBLOCK) == -1 ||
			    dup2(out, 1) == -1 || dup2(out, 2) == -1)
				return (-1);
			if (out > 2)
				close(out);
			*console = 0;
			break;
		}
		if (fds[i] != i && dup2(fds[i], i) == -1)
			return (-1);
	}
	return (0);
}

/* Whether a server of se changes its user: the daemon's own uid otherwise. */
static int
spawn_changes_user(const struct service *se)
{
	return (se->se_setuser || (se->se_nogroups && geteuid() == 0));
}

/* The uid a server of se runs as (portowner.c compares listeners with it). */
uid_t
spawn_uid(const struct service *se)
{
	return (spawn_changes_user(se) ? se->se_uid : geteuid());
}

/*
 * In the child, as root: affinity, umask and nice (a negative nice needs
 * root); the service's groups; then, with only the effective uid switched,
 * the connection becomes fds 0, 1 and 2 (everything else of the daemon is
 * close-on-exec), so a console file is opened as the user, with its umask,
 * never as root; back to root for the rlimits (a raised hard limit needs
 * it; set after the console is open, which a low rlimit_files would stop);
 * then the user for good, and the server is executed.
 */
static void
spawn_child(struct service *se, const int *fds, char **argv, char **envp,
    int report)
{
	int	console, user;

	user = spawn_changes_user(se);
	spawn_child_signals();
	setsid();
	if (se->se_childsetup && conf_child_setup(se) != 0)
		spawn_child_exit(report, 126);
	if (user && spawn_child_groups(se) != 0)
		spawn_child_exit(report, 126);
	if (user && seteuid(se->se_uid) == -1) {
		log_warn("%s: seteuid %ld", se->se_label, (long)se->se_uid);
		spawn_child_exit(report, 126);
	}
	if (spawn_child_stdio(se, fds, &console) == -1) {
		if (console)
			log_warn("%s: console %s", se->se_label, se->se_console);
		else
			log_warn("%s: dup2", se->se_label);
		spawn_child_exit(report, 126);
	}
	if (user && seteuid(0) == -1) {
		log_warn("%s: seteuid 0", se->se_label);
		spawn_child_exit(report, 126);
	}
	if (se->se_childsetup && conf_child_limits(se) != 0)
		spawn_child_exit(report, 126);
	if (user && setuid(se->se_uid) == -1) {
		log_warn("%s: setuid %ld", se->se_label, (long)se->se_uid);
		spawn_child_exit(report, 126);
	}
	execve(se->se_server, argv, envp);
	log_warn("%s: exec %s", se->se_label, se->se_server);
	spawn_child_exit(report, 127);
}

/*
 * Start a server with posix_spawn, which needs no copy of the daemon (no
 * slow fork emulation on Cygwin; the supported way on macOS). Used when no
 * change of user or group is needed and vfork is not used.
 */
static int
spawn_posix_spawn(struct service *se, const int *fds, char **argv,
    char **envp, pid_t *ret)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	sigset_t			 set;
	size_t				 i;
	short				 flags;
	int				 error;

	if ((error = posix_spawn_file_actions_init(&fa)) != 0)
		goto out;
	if ((error = posix_spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		goto out;
	}
	for (i = 0; i < 3 && error == 0; i++) {
		if (i == 1 && se->se_console != NULL) {
			error = posix_spawn_file_actions_addopen(&fa, 1,
			    se->se_console, O_WRONLY|O_CREAT|O_APPEND, 0644);
			if (error == 0)
				error = posix_spawn_file_actions_adddup2(&fa,
				    1, 2);
			break;
		}
		error = posix_spawn_file_actions_adddup2(&fa, fds[i], (int)i);
	}
	if (error == 0)
		error = posix_spawnattr_setsigdefault(&attr, &spawn_sigdef);
	sigemptyset(&set);
	if (error == 0)
		error = posix_spawnattr_setsigmask(&attr, &set);
	flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
#ifdef POSIX_SPAWN_SETSID
	flags |= POSIX_SPAWN_SETSID;
#else
	flags |= POSIX_SPAWN_SETPGROUP;		/* pgroup 0: a group of its own */
#endif
	if (error == 0)
		error = posix_spawnattr_setflags(&attr, flags);
	if (error == 0)
		error = posix_spawn(ret, se->se_server, &fa, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
out:
	if (error != 0) {
		log_warnx("%s: exec %s: %s", se->se_label, se->se_server,
		    strerror(error));
		return (-1);
	}
	return (0);
}

#if PLATFORM_VFORK
/* Why a vfork child could not run the server: set by the child, read after. */
static volatile int	spawn_vfork_errno;
static volatile int	spawn_vfork_console;	/* the console file failed */

/*
 * Start a server with vfork: while the child runs on the daemon's memory the
 * daemon waits, so the child only makes system calls (no malloc, no stdio,
 * no logging) and reports a failure through spawn_vfork_errno. Every signal
 * is blocked across vfork until the child has reset the daemon's handlers,
 * so none of them runs in the child. It shares spawn_child's steps.
 */
static int
spawn_vfork(struct service *se, const int *fds, char **argv, char **envp,
    pid_t *ret)
{
	sigset_t	all, old;
	pid_t		pid;
	int		i, console = 0;

	spawn_vfork_errno = 0;
	spawn_vfork_console = 0;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if ((pid = vfork()) == 0) {
		/* Every signal the daemon handles is in spawn_sigdef, so no
		 * daemon handler is left once this resets them. */
		spawn_child_signals();
		setsid();
		if (spawn_child_stdio(se, fds, &console) == 0)
			execve(se->se_server, argv, envp);
		spawn_vfork_errno = errno;
		spawn_vfork_console = console;
		_exit(127);
	}
	i = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		log_warnx("%s: vfork: %s", se->se_label, strerror(i));
		return (-1);
	}
	if (spawn_vfork_errno != 0) {
		/* Reap it here, as posix_spawn would: it never ran the server. */
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			continue;
		log_warnx("%s: %s %s: %s", se->se_label,
		    spawn_vfork_console ? "console" : "exec",
		    spawn_vfork_console ? se->se_console : se->se_server,
		    strerror(spawn_vfork_errno));
		return (-1);
	}
	*ret = pid;
	return (0);
}
#endif

/*
 * Whether a service's console is a FIFO: posix_spawn opens it without
 * O_NONBLOCK and waits for the child's exec, so with no reader it would
 * hold the daemon. Such a service is forked instead, whose child opens it
 * without waiting.
 */
static int
spawn_console_fifo(struct service *se)
{
	struct stat	sb;

	return (se->se_console != NULL && stat(se->se_console, &sb) == 0 &&
	    S_ISFIFO(sb.st_mode));
}

/* Start a server for a service with fds[0..2] as its stdin, stdout, stderr. */
int
spawn_start(struct service *se, const int *fds, char **argv, char **envp,
    pid_t *ret)
{
	pid_t	pid;
	int	report[2];

	if (!se->se_setuser && !se->se_childsetup && fds[0] > 2 && fds[1] > 2 &&
	    fds[2] > 2) {
#if PLATFORM_VFORK
		if (spawn_use_vfork)
			return (spawn_vfork(se, fds, argv, envp, ret));
#endif
		if (!spawn_console_fifo(se))
			return (spawn_posix_spawn(se, fds, argv, envp, ret));
	}

	if (spawn_pipe(report, 0) == -1)
		report[0] = report[1] = -1;	/* the count may miss a failure */
	switch (pid = fork()) {
	case -1:
		log_warn("%s: fork", se->se_label);
		if (report[0] != -1) {
			close(report[0]);
			close(report[1]);
		}
		return (-1);
	case 0:
		if (report[0] != -1)
			close(report[0]);
		spawn_child(se, fds, argv, envp, report[1]);
		/* NOTREACHED */
	}
	if (report[0] != -1) {
		close(report[1]);
		spawn_report_watch(se, report[0], pid);
	}
	*ret = pid;
	return (0);
}

/* The null device, close-on-exec, for a server's unused stdio; or -1. */
int
spawn_null(void)
{
	int	fd;

	if ((fd = open("/dev/null", O_RDWR)) == -1)
		return (-1);
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * A pipe for a hand-off server: fds[0] is read and fds[1] written. The end
 * named by ours is the daemon's, for a bufferevent; both are close-on-exec.
 */
int
spawn_pipe(int fds[2], UNUSED int ours)
{
	if (pipe(fds) == -1)
		return (-1);
	if (fcntl(fds[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(fds[1], F_SETFD, FD_CLOEXEC) == -1) {
		close(fds[0]);
		close(fds[1]);
		return (-1);
	}
	return (0);
}

/* Close a descriptor from spawn_null or the server's end of spawn_pipe. */
void
spawn_close(int fd)
{
	close(fd);
}

/* End a hand-off server whose client has gone: ask, or with hard, kill. */
void
spawn_kill(pid_t pid, int hard)
{
	kill(pid, hard ? SIGKILL : SIGTERM);
}

/*
 * End servers at shutdown, hand-off servers whose relays are gone: asked
 * with SIGTERM, waited for up to some seconds, then killed, so that none
 * outlives the daemon by ignoring the request (the loop that would have
 * killed it later is over).
 */
void
spawn_end(pid_t *pids, int n, int seconds)
{
	struct timespec	ts = { 0, 50 * 1000 * 1000 };
	int		i, left, tries, status;

	for (i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	for (tries = seconds * 20; tries >= 0; tries--) {
		for (i = left = 0; i < n; i++) {
			if (pids[i] == -1)
				continue;
			if (waitpid(pids[i], &status, WNOHANG) != 0)
				pids[i] = -1;	/* gone (or reaped already) */
			else
				left++;
		}
		if (left == 0)
			return;
		if (tries > 0)
			nanosleep(&ts, NULL);
	}
	for (i = 0; i < n; i++) {
		if (pids[i] == -1)
			continue;
		log_warnx("hand-off server pid %ld still running %d s after "
		    "SIGTERM at shutdown; killed", (long)pids[i], seconds);
		kill(pids[i], SIGKILL);
		(void)waitpid(pids[i], &status, 0);
	}
}
