/*
 * The POSIX side of being a daemon: safe stdio, detaching from the terminal
 * and the signals that stop, reload and dump. win/daemon-win.c is the
 * Windows side (console control, a reload event, the service manager).
 */

#include "pinetd.h"

#include <event2/event.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

static struct event	*daemon_hup, *daemon_term, *daemon_int, *daemon_usr1;

/* Make sure fds 0, 1 and 2 are open, so no socket can land on them. */
static void
daemon_fix_stdio(void)
{
	int	fd;

	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/* Before anything is opened: sane stdio and nothing inherited beyond it. */
void
daemon_prepare(void)
{
	daemon_fix_stdio();
	closefrom(3);
}

/* No options beyond getopt's on POSIX: never a command. */
int
daemon_command(UNUSED int *argc, UNUSED char ***argv)
{
	return (-1);
}

/*
 * A path given relative to the directory pinetd was started in, made
 * absolute before the daemon moves to /; the result is never freed (it lives
 * as long as the options).
 */
static const char *
daemon_abspath(const char *path)
{
	char	cwd[4096], *abs;

	if (*path == '\0' || *path == '/' || getcwd(cwd, sizeof cwd) == NULL)
		return (path);
	xasprintf(&abs, "%s/%s", cwd, path);
	return (abs);
}

/*
 * Detach from the terminal: a new session with stdio on /dev/null, in /. The
 * configuration and pid file named relative to where pinetd was started are
 * made absolute first, for the first load and every reload after.
 */
static void
daemon_detach(void)
{
	int	fd;

	opts.conffile = daemon_abspath(opts.conffile);
	opts.pidfile = daemon_abspath(opts.pidfile);
	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		_exit(0);
	}
	if (setsid() == -1)
		fatal("setsid");
	if (chdir("/") == -1)
		fatal("chdir /");
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > 2)
			close(fd);
	}
}

/*
 * Run the daemon, in the background unless asked not to; an unreadable
 * configuration file is reported here, while stderr is still the terminal.
 */
int
daemon_run(int (*run)(void))
{
	if (access(opts.conffile, R_OK) != 0) {
		fprintf(stderr, "%s: %s\n", opts.conffile, strerror(errno));
		return (1);
	}
	if (!opts.foreground)
		daemon_detach();
	return (run());
}

/* SIGHUP: reread the configuration. */
static void
daemon_hup_cb(UNUSED evutil_socket_t sig, UNUSED short events, UNUSED void *arg)
{
	pinetd_reload();
}

/* SIGUSR1: dump the services and their counters. */
static void
daemon_usr1_cb(UNUSED evutil_socket_t sig, UNUSED short events,
    UNUSED void *arg)
{
	pinetd_dump();
}

/* SIGTERM or SIGINT: stop. */
static void
daemon_term_cb(evutil_socket_t sig, UNUSED short events, UNUSED void *arg)
{
	log_info("terminating on signal %d", (int)sig);
	pinetd_stop();
}

/*
 * Watch a signal with a callback, or die. The signal is unblocked, since a
 * parent may have started the daemon with it blocked, and a blocked SIGHUP
 * or SIGTERM would never arrive.
 */
static struct event *
daemon_signal(int sig, event_callback_fn cb)
{
	struct event	*ev;
	sigset_t	 set;

	ev = evsignal_new(ev_base, sig, cb, NULL);
	if (ev == NULL || evsignal_add(ev, NULL) == -1)
		fatalx("cannot watch signal %d", sig);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	return (ev);
}

/* Watch the signals that control the daemon once the loop exists. */
void
daemon_events(void)
{
	signal(SIGPIPE, SIG_IGN);
	daemon_hup = daemon_signal(SIGHUP, daemon_hup_cb);
	daemon_term = daemon_signal(SIGTERM, daemon_term_cb);
	daemon_int = daemon_signal(SIGINT, daemon_term_cb);
	daemon_usr1 = daemon_signal(SIGUSR1, daemon_usr1_cb);
}

/* Stop watching them, at shutdown. */
void
daemon_events_done(void)
{
	event_free(daemon_hup);
	event_free(daemon_term);
	event_free(daemon_int);
	event_free(daemon_usr1);
}
