/*
 * pinetd: main program, options, pid file and the event loop; what starts
 * it, stops it and reloads it is in daemon-posix.c (win/daemon-win.c).
 */

#include "pinetd.h"

#include <event2/event.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct options		 opts;
struct event_base	*ev_base;

static int		 pidfile_written;

/* Print how to call the program. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: pinetd [-bdilnVx] [-P pause] [-p pidfile] "
	    "[-q backlog] [-T retry] [config-file]\n");
}

/* Parse a whole positive number option or exit with a message. */
static int
number_option(int ch, const char *arg, int min, int max)
{
	long	v;

	if ((v = conf_number(arg, min, max)) == -1) {
		fprintf(stderr, "pinetd: -%c: bad number '%s' (want %d to "
		    "%d)\n", ch, arg, min, max);
		exit(1);
	}
	return ((int)v);
}

/*
 * Write the pid file atomically, through a temporary file and a rename; an
 * empty name (the Windows default) means none.
 */
static void
pidfile_write(void)
{
	char	*tmp;
	FILE	*f;

	if (*opts.pidfile == '\0')
		return;
	xasprintf(&tmp, "%s.tmp", opts.pidfile);
	if ((f = fopen(tmp, "w")) == NULL) {
		log_warn("%s", tmp);
		free(tmp);
		return;
	}
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0 || rename(tmp, opts.pidfile) != 0) {
		log_warn("%s", opts.pidfile);
		unlink(tmp);
	} else
		pidfile_written = 1;
	free(tmp);
}

/*
 * Remove the pid file at exit, if it is still ours: a second daemon started
 * with the same -p has written its own pid there, which must stay.
 */
static void
pidfile_remove(void)
{
	FILE	*f;
	long	 pid = -1;

	if (!pidfile_written)
		return;
	if ((f = fopen(opts.pidfile, "r")) == NULL)
		return;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = -1;
	fclose(f);
	if (pid == (long)getpid())
		unlink(opts.pidfile);
	else if (pid == -1)
		log_warnx("%s: left in place: it holds no pid now", opts.pidfile);
	else
		log_warnx("%s: left in place: it names pid %ld now", opts.pidfile,
		    pid);
}

/* Reread the configuration and merge it (SIGHUP, or Windows' reload). */
void
pinetd_reload(void)
{
	notify_reloading();
	conf_reload(opts.conffile);
	notify_ready(service_count());
}

/* Dump the services and their counters (SIGUSR1). */
void
pinetd_dump(void)
{
	service_dump(opts.dumpfile);
}

/* The dump file: the pid file's name with .dump for .pid (or added). */
static char *
dumpfile_name(const char *pidfile)
{
	char	*name;
	size_t	 len = strlen(pidfile);

	if (len > 4 && strcmp(pidfile + len - 4, ".pid") == 0)
		xasprintf(&name, "%.*s.dump", (int)(len - 4), pidfile);
	else
		xasprintf(&name, "%s.dump", pidfile);
	return (name);
}

/* Stop the loop; the run function then closes everything. */
void
pinetd_stop(void)
{
	notify_stopping();
	event_base_loopbreak(ev_base);
}

/* Handle --help and --version, which getopt does not know. */
static void
long_options(int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return;
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("pinetd %s\n", PACKAGE_VERSION);
			exit(0);
		}
	}
}

/* Check a configuration file and report every error; the exit code says. */
static int
check_config(void)
{
	int	nerr;

	log_to_stderr();
	conf_free_list(conf_load(opts.conffile, &nerr));
	return (nerr == 0 ? 0 : 1);
}

/* Parse the command line into opts. */
static void
parse_options(int argc, char **argv)
{
	int	ch;

	long_options(argc, argv);
	opts.backlog = PINETD_BACKLOG;
	opts.pause = PINETD_PAUSE;
	opts.retry = PINETD_RETRY;
	opts.pidfile = PINETD_PIDFILE;
	opts.conffile = PINETD_CONF;
	while ((ch = getopt(argc, argv, "bdilnP:p:q:T:Vx")) != -1) {
		switch (ch) {
		case 'b':
		case 'x':
			if (opts.dialect != DIALECT_AUTO &&
			    opts.dialect != (ch == 'b' ? DIALECT_BSD :
			    DIALECT_XINETD)) {
				fprintf(stderr, "pinetd: -b and -x cannot be "
				    "used together\n");
				exit(1);
			}
			opts.dialect = ch == 'b' ? DIALECT_BSD : DIALECT_XINETD;
			break;
		case 'd':
			opts.debug = opts.foreground = 1;
			break;
		case 'i':
			opts.foreground = 1;
			break;
		case 'l':
			opts.log_conns = 1;
			break;
		case 'n':
			opts.check_only = 1;
			break;
		case 'P':
			opts.pause = number_option(ch, optarg, 1, 86400);
			break;
		case 'p':
			opts.pidfile = optarg;
			break;
		case 'q':
			opts.backlog = number_option(ch, optarg, 1, 65535);
			break;
		case 'T':
			opts.retry = number_option(ch, optarg, 1, 86400);
			break;
		case 'V':
			printf("pinetd %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(stderr);
			exit(1);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1) {
		usage(stderr);
		exit(1);
	}
	if (argc == 1)
		opts.conffile = argv[0];
}

/* Start every service in the table; returns how many there are. */
static int
start_services(void)
{
	struct service	*se;
	int		 nerr, n;

	services = conf_load(opts.conffile, &nerr);
	if (nerr == -1)
		fatalx("cannot read %s", opts.conffile);
	n = service_count();
	builtin_ports_update();
	service_fd_limit(n);
	listen_open_many(services, n);
	for (se = services; se != NULL; se = se->se_next)
		service_start(se);
	return (n);
}

/* The daemon proper: open every service and serve until told to stop. */
static int
pinetd_run_cb(void)
{
	int	n;

	log_init(opts.debug, opts.debug);
	if ((ev_base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	log_debug("event loop: libevent %s, %s", event_get_version(),
	    event_base_get_method(ev_base));
	daemon_events();
	/* No pid file (Windows' default): the dump goes to the log only. */
	opts.dumpfile = *opts.pidfile != '\0' ? dumpfile_name(opts.pidfile) :
	    NULL;
	spawn_init();
	env_init();

	n = start_services();
	pidfile_write();
	log_info("ready: %d services", n);
	notify_ready(n);

	event_base_dispatch(ev_base);

	builtin_shutdown();
	tls_shutdown();
	handoff_shutdown();
	relay_shutdown();
	service_stop_all();
	pidfile_remove();
	spawn_done();
	env_done();
	daemon_events_done();
	free(opts.dumpfile);
	event_base_free(ev_base);
	return (0);
}

/* Parse the options, let the platform take its own commands, then run. */
int
main(int argc, char **argv)
{
	int	rc;

	if ((rc = daemon_command(&argc, &argv)) != -1)
		return (rc);
	parse_options(argc, argv);
	/* Before -n too: Winsock looks up no name until it is started. */
	daemon_prepare();
	if (opts.check_only)
		return (check_config());
	return (daemon_run(pinetd_run_cb));
}
