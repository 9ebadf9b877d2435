/*
 * Unit tests of the xinetd dialect: what a block turns into, and the exact
 * error each kind of mistake gives.
 */

#include "pinetd.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

struct options		 opts;
struct event_base	*ev_base;

static char	conf_path[] = "/tmp/pinetd-unit-XXXXXX";
static char	log_path[] = "/tmp/pinetd-unit-log-XXXXXX";
static int	log_fd;

/* Load a configuration text; returns the services, errors in *nerr. */
static struct service *
load(const char *text, int *nerr)
{
	FILE	*f;

	ftruncate(log_fd, 0);
	lseek(log_fd, 0, SEEK_SET);
	if ((f = fopen(conf_path, "w")) == NULL)
		return (NULL);
	fputs(text, f);
	fclose(f);
	return (conf_load(conf_path, nerr));
}

/* What the parser logged for the last load. */
static const char *
logged(void)
{
	static char	buf[4096];
	ssize_t		n;

	n = pread(log_fd, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	return (buf);
}

/* Whether an access list holds 10.0.0.last as a host (/32). */
static int
acl_has(const struct acl_list *al, int last)
{
	const unsigned char	want[4] = { 10, 0, 0, (unsigned char)last };
	int			i;

	for (i = 0; i < al->al_n; i++) {
		if (al->al_v[i].ac_family == AF_INET &&
		    al->al_v[i].ac_bits == 32 &&
		    memcmp(al->al_v[i].ac_addr, want, 4) == 0)
			return (1);
	}
	return (0);
}

/* A block with one mistake: one error whose text contains want. */
static void
bad(const char *text, const char *want, const char *name)
{
	struct service	*list;
	int		 nerr;

	list = load(text, &nerr);
	if (!tap_ok(list == NULL && nerr == 1 && strstr(logged(), want) !=
	    NULL, name))
		printf("# nerr %d, log: %s", nerr, logged());
	conf_free_list(list);
}

#define SVC(body)	"service t\n{\n\tsocket_type = stream\n\twait = no\n" \
	"\tuser = root\n\tport = 5000\n\tserver = /bin/cat\n" body "}\n"

int
main(void)
{
	struct service	*se;
	int		 nerr, fd;

	opts.dialect = DIALECT_XINETD;
	if ((fd = mkstemp(conf_path)) == -1 ||
	    (log_fd = mkstemp(log_path)) == -1)
		return (1);
	close(fd);
	dup2(log_fd, 2);	/* the log goes to fd 2 until log_init */

	se = load(SVC("\tserver_args = -u x\n\tinstances = UNLIMITED\n"
	    "\tper_source = 3\n\tcps = 10 5\n\tonly_from = 10.0.0.0/8 ::1\n"),
	    &nerr);
	if (tap_ok(se != NULL && nerr == 0, "a good block")) {
		tap_ok(se->se_socktype == SOCK_STREAM && !se->se_wait &&
		    strcmp(se->se_label, "t/tcp") == 0, "socket_type, wait");
		tap_ok(se->se_argc == 3 && strcmp(se->se_argv[0], "cat") == 0 &&
		    strcmp(se->se_argv[2], "x") == 0, "argv from server_args");
		tap_ok(se->se_instances == 0 && se->se_per_source == 3 &&
		    se->se_cps == 10 && se->se_cps_pause == 5, "limits");
		tap_ok(se->se_only_from.al_set && se->se_only_from.al_n == 2,
		    "only_from entries");
		tap_ok(!se->se_cleanenv, "without passenv, the daemon's "
		    "environment (as xinetd)");
	}
	conf_free_list(se);

	se = load("defaults\n{\n\tpassenv =\n}\n" SVC(""), &nerr);
	tap_ok(se != NULL && nerr == 0 && se->se_cleanenv,
	    "an empty passenv in defaults: a clean environment");
	conf_free_list(se);

	se = load("defaults\n{\n\tonly_from = 10.0.0.1 10.0.0.2 10.0.0.3\n}\n"
	    SVC("\tonly_from -= 10.0.0.2\n\tonly_from += 10.0.0.9\n"), &nerr);
	tap_ok(se != NULL && nerr == 0 && se->se_only_from.al_n == 3 &&
	    acl_has(&se->se_only_from, 1) && !acl_has(&se->se_only_from, 2) &&
	    acl_has(&se->se_only_from, 3) && acl_has(&se->se_only_from, 9),
	    "-= and += fold over defaults (10.0.0.1, .3, .9; not .2)");
	conf_free_list(se);

	se = load(SVC("\tmdns = yes\n"), &nerr);
	tap_ok(se != NULL && nerr == 0 && strstr(logged(),
	    "attribute 'mdns' does not apply to pinetd; ignored") != NULL,
	    "ignored attribute: a warning, no error");
	conf_free_list(se);

	bad(SVC("\tfrob = 1\n"), ":8: unknown attribute 'frob'",
	    "unknown attribute");
	bad("service t\n{\n\tsocket_type = stream\n",
	    ":1: missing '}' for 't' at the end of the file", "missing brace");
	bad(SVC("\tport ~ 5\n"), "expected '=', '+=' or '-=' after attribute "
	    "'port'", "bad operator");
	bad(SVC("\tdisabled = x\n"), "attribute 'disabled' is not allowed "
	    "here", "defaults-only attribute in a service");
	bad("defaults\n{\n\tserver = /bin/cat\n}\n", "attribute 'server' is "
	    "not allowed in defaults", "service-only attribute in defaults");
	bad(SVC("\tper_source = x\n"), "bad value 'x' for 'per_source'",
	    "bad per_source");
	bad(SVC("\tcps = 5\n"), "cps wants a rate (1 to 1000000, or 0 for "
	    "none) and a pause in seconds (1 to 86400), not '5'", "bad cps");
	bad(SVC("\tenv = NOEQUALS\n"), "env wants NAME=value, not 'NOEQUALS'",
	    "bad env");
	bad("service t\n{\n\tsocket_type = stream\n\twait = maybe\n}\n",
	    "wait wants 'yes' or 'no', not 'maybe'", "bad wait");
	bad("service t\n{\n\tsocket_type = stream\n\twait = no\n"
	    "\tprotocol = udp\n\tport = 1\n}\n", "protocol 'udp' does not "
	    "match socket_type 'stream'", "protocol mismatch");
	bad("service t\n{\n\tsocket_type = stream\n\twait = no\n\tport = 1\n"
	    "\tuser = root\n}\n", "service 't' needs 'server'", "no server");
	bad(SVC("\tonly_from = 10.0.0.0/40\n"), "bad network '10.0.0.0/40'",
	    "bad network");
	bad("bogus line\n", "expected 'service', 'defaults', 'include' or "
	    "'includedir', not 'bogus line'", "stray line");
	/*
	 * A line of a form feed alone has no word: it was taken for the
	 * last word read (here 'service', from the line that closed 'a').
	 */
	se = load("service a\n{\nservice t\n{\n\f\n\tsocket_type = stream\n"
	    "\twait = no\n\tuser = root\n\tport = 5000\n"
	    "\tserver = /bin/cat\n}\n", &nerr);
	if (!tap_ok(se == NULL && strstr(logged(), "missing '}' for 't'") ==
	    NULL, "a form-feed line is no stale 'service' word"))
		printf("# log: %s", logged());
	conf_free_list(se);
	tap_ok(intern_count() == 0, "every shared string given back, after "
	    "good and bad blocks");

	unlink(conf_path);
	unlink(log_path);
	return (tap_done());
}
