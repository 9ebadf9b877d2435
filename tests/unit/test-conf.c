/*
 * Unit tests of the inetd.conf parser: each entry kind, good and bad.
 */

#include "pinetd.h"

#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

struct options		 opts;
struct event_base	*ev_base;

/* Parse one line with a fresh parser state; returns the service or NULL. */
static struct service *
parse(struct conf_bsd *cb, const char *line, int *nerr)
{
	char	*copy = xstrdup(line);
	struct service *se;

	*nerr = 0;
	se = conf_bsd_line(cb, 1, copy, nerr);
	free(copy);
	return (se);
}

/* Check that a line is rejected with exactly one error. */
static void
bad(struct conf_bsd *cb, const char *line, const char *name)
{
	struct service	*se;
	int		 nerr;

	se = parse(cb, line, &nerr);
	tap_ok(se == NULL && nerr == 1, name);
	if (se != NULL)
		service_free(se);
}

/* Check that a line defines no service and is no error (skipped). */
static void
skipped(struct conf_bsd *cb, const char *line, const char *name)
{
	struct service	*se;
	int		 nerr;

	cb->cb_skipped = 0;
	se = parse(cb, line, &nerr);
	tap_ok(se == NULL && nerr == 0 && cb->cb_skipped, name);
	if (se != NULL)
		service_free(se);
}

/* The port of an internet service, in host order. */
static int
port_of(const struct service *se)
{
	if (se->se_family == AF_INET6)
		return (ntohs(((const struct sockaddr_in6 *)
		    &se->se_addr)->sin6_port));
	return (ntohs(((const struct sockaddr_in *)&se->se_addr)->sin_port));
}

/* Good lines give the right fields. */
static void
test_good(struct conf_bsd *cb)
{
	struct service	*se;
	int		 nerr;
	char		 addr[64];

	se = parse(cb, "127.0.0.1:7007 stream tcp nowait root internal echo",
	    &nerr);
	if (tap_ok(se != NULL && nerr == 0, "internal echo on a port")) {
		tap_ok(se->se_builtin == builtin_find("echo"), "built-in echo");
		tap_ok(se->se_family == AF_INET && port_of(se) == 7007,
		    "address 127.0.0.1:7007");
		tap_ok(se->se_max == PINETD_TOOMANY, "default .max is 40");
		tap_ok(strcmp(se->se_label, "127.0.0.1:7007/tcp") == 0,
		    "label");
		service_free(se);
	}

	se = parse(cb, "5000 stream tcp nowait.7 root /bin/cat cat -u x",
	    &nerr);
	if (tap_ok(se != NULL, "program with arguments")) {
		tap_ok(se->se_max == 7, "nowait.7");
		tap_ok(se->se_argc == 3 && strcmp(se->se_argv[0], "cat") == 0 &&
		    strcmp(se->se_argv[2], "x") == 0 && se->se_argv[3] == NULL,
		    "argv starts with argv[0]");
		tap_ok(strcmp(se->se_server, "/bin/cat") == 0, "server path");
		service_free(se);
	}

	se = parse(cb, "5011 stream tcp nowait root /bin/echo echo \"a  b\" "
	    "x\"y z\"\\w \"\"", &nerr);
	if (tap_ok(se != NULL, "quoted arguments")) {
		tap_ok(se->se_argc == 4 && strcmp(se->se_argv[1], "a  b") == 0 &&
		    strcmp(se->se_argv[2], "xy z\\w") == 0 &&
		    strcmp(se->se_argv[3], "") == 0,
		    "quotes keep blanks, are removed, backslashes stay");
		service_free(se);
	}

	bad(cb, "5012 stream tcp nowait root /bin/echo echo \"a b",
	    "an unterminated quote is an error");

	se = parse(cb, "5009 stream tcp nowait.10/3/20/2 root /bin/cat", &nerr);
	if (tap_ok(se != NULL, "FreeBSD limits with .max")) {
		tap_ok(se->se_max == 10 && se->se_instances == 3 &&
		    se->se_cpm_per_ip == 20 && se->se_per_source == 2,
		    "max 10, max-child 3, per-ip/min 20, per-ip 2");
		service_free(se);
	}
	se = parse(cb, "5010 stream tcp nowait/4 root /bin/cat", &nerr);
	tap_ok(se != NULL && se->se_instances == 4 && se->se_max ==
	    PINETD_TOOMANY && se->se_per_source == 0, "nowait/4");
	if (se != NULL)
		service_free(se);

	se = parse(cb, "5001 stream tcp nowait root /bin/cat", &nerr);
	if (tap_ok(se != NULL, "program without arguments")) {
		tap_ok(se->se_argc == 1 && strcmp(se->se_argv[0], "cat") == 0,
		    "argv[0] defaults to the basename");
		service_free(se);
	}

	se = parse(cb, "[::1]:5002 stream tcp nowait root internal discard",
	    &nerr);
	if (tap_ok(se != NULL, "IPv6 literal host")) {
		listen_ntop((struct sockaddr *)&se->se_addr, se->se_addrlen,
		    addr, sizeof addr);
		tap_ok(se->se_family == AF_INET6 && strcmp(addr, "[::1]:5002")
		    == 0, "tcp with an IPv6 host is IPv6");
		service_free(se);
	}

	se = parse(cb, "*:5003 dgram udp46 wait root internal echo", &nerr);
	if (tap_ok(se != NULL, "udp46 on *")) {
		tap_ok(se->se_family == AF_INET6 && se->se_v6only == 0,
		    "udp46 is dual-stack");
		service_free(se);
	}

	se = parse(cb, "5004 stream tcp6 nowait root internal time", &nerr);
	if (tap_ok(se != NULL, "tcp6")) {
		tap_ok(se->se_family == AF_INET6 && se->se_v6only == 1,
		    "tcp6 is IPv6 only");
		service_free(se);
	}

	se = parse(cb, "echo stream tcp nowait root internal", &nerr);
	if (tap_ok(se != NULL, "service name picks the built-in")) {
		tap_ok(se->se_builtin == builtin_find("echo") &&
		    port_of(se) == 7, "echo on port 7");
		service_free(se);
	}

	se = parse(cb, "/tmp/pinetd-unit.sock stream unix nowait root "
	    "internal echo", &nerr);
	if (tap_ok(se != NULL, "unix stream socket")) {
		tap_ok(se->se_family == AF_UNIX && strcmp(((struct sockaddr_un *)
		    &se->se_addr)->sun_path, "/tmp/pinetd-unit.sock") == 0,
		    "unix path");
		service_free(se);
	}

	se = parse(cb, "5005 stream tcp nowait root:root /bin/cat cat", &nerr);
	tap_ok(se != NULL && se->se_gid == 0 && se->se_group != NULL,
	    "user:group");
	if (se != NULL)
		service_free(se);
	se = parse(cb, "5006 stream tcp nowait root.root /bin/cat cat", &nerr);
	tap_ok(se != NULL && se->se_group != NULL, "user.group");
	if (se != NULL)
		service_free(se);

	/* A "host:" line sets the default address of the next entries. */
	se = parse(cb, "127.0.0.2:", &nerr);
	tap_ok(se == NULL && nerr == 0, "host: line defines no service");
	se = parse(cb, "5007 stream tcp nowait root internal echo", &nerr);
	if (tap_ok(se != NULL, "entry after a host: line")) {
		listen_ntop((struct sockaddr *)&se->se_addr, se->se_addrlen,
		    addr, sizeof addr);
		tap_ok(strcmp(addr, "127.0.0.2:5007") == 0,
		    "default host applies");
		service_free(se);
	}
	se = parse(cb, "*:", &nerr);
	se = parse(cb, "5008 stream tcp nowait root internal echo", &nerr);
	if (tap_ok(se != NULL, "entry after *:")) {
		listen_ntop((struct sockaddr *)&se->se_addr, se->se_addrlen,
		    addr, sizeof addr);
		tap_ok(strcmp(addr, "0.0.0.0:5008") == 0, "*: resets it");
		service_free(se);
	}
}

/* Every kind of bad line is one error. */
static void
test_bad(struct conf_bsd *cb)
{
	bad(cb, "5000 stream tcp nowait root", "missing fields");
	bad(cb, "5000 strem tcp nowait root /bin/cat", "unknown socket type");
	bad(cb, "5000 raw tcp nowait root /bin/cat", "raw rejected");
	bad(cb, "5000 stream sctp nowait root /bin/cat", "unknown protocol");
	skipped(cb, "rstatd/1-3 dgram rpc/udp wait root /bin/cat",
	    "rpc skipped, not an error");
	bad(cb, "5000 dgram tcp nowait root /bin/cat", "type/protocol clash");
	bad(cb, "5000 stream tcp nowayt root /bin/cat", "bad wait");
	bad(cb, "5000 stream tcp nowait.x root /bin/cat", "bad .max");
	bad(cb, "5000 stream tcp nowait/x root /bin/cat", "bad max-child");
	bad(cb, "5000 stream tcp nowait/1/2/3/4 root /bin/cat",
	    "too many limits");

	bad(cb, "5000 stream tcp nowait nosuchuser-zz /bin/cat",
	    "unknown user");
	bad(cb, "5000 stream tcp nowait root:nosuchgroup-zz /bin/cat",
	    "unknown group");
	bad(cb, "5000 stream tcp nowait root bin/cat", "relative program");
	bad(cb, "5000 stream tcp nowait root internal bogus",
	    "unknown built-in");
	bad(cb, "nosuchservice-zz stream tcp nowait root /bin/cat",
	    "unknown service name");
	bad(cb, "70000 stream tcp nowait root /bin/cat", "port too large");
	bad(cb, "0 stream tcp nowait root /bin/cat", "port zero");
	bad(cb, "[::1:5000 stream tcp nowait root /bin/cat", "bad [host");
	bad(cb, "5000 dgram udp nowait root /bin/cat",
	    "external dgram nowait");
	bad(cb, "127.0.0.1:5000 stream tcp46 nowait root /bin/cat",
	    "tcp46 needs * or IPv6");
	bad(cb, "5000 seqpacket tcp nowait root /bin/cat",
	    "seqpacket needs unix");
	bad(cb, "tmp.sock stream unix nowait root /bin/cat",
	    "relative unix path");
	bad(cb, "internal-only stream tcp nowait root internal",
	    "internal without a built-in name");
	bad(cb, "\"\"", "a line of one empty quoted word");
	bad(cb, "\"\" \"\"", "a line of two empty quoted words");
}

/* Load a whole file (entries with attribute lines); errors in *nerr. */
static struct service *
load(const char *text, int *nerr)
{
	char		 path[] = "/tmp/pinetd-unit-XXXXXX";
	struct service	*list;
	FILE		*f;
	int		 fd;

	*nerr = -1;
	if ((fd = mkstemp(path)) == -1)
		return (NULL);
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(path);
		return (NULL);
	}
	fputs(text, f);
	fclose(f);
	list = conf_load(path, nerr);
	unlink(path);
	return (list);
}

#define ENTRY	"127.0.0.1:5020 stream tcp nowait root internal echo\n"

/*
 * Attribute numbers that do not fit (after a K or M suffix), and loads that
 * are not finite, are errors: never wrapped to a small or negative value.
 */
static void
test_attrs(void)
{
	static const char *bads[] = {
		"\trlimit_as = 17592186044416M\n",	/* 2^64: wrapped to 0 */
		"\trlimit_data = 18014398509481984K\n",
		"\trlimit_as = 8796093022208M\n",	/* 2^63 */
		"\tlog_type = FILE /dev/null 9223372036854775808\n",
		"\tlog_type = FILE /dev/null 1K 8796093022208M\n",
		"\tmax_load = nan\n",
		"\tmax_load = inf\n",
		"\tmax_load = -inf\n",
		"\tmax_load = 1e999\n"
	};
	struct service	*se;
	char		 text[256], name[128];
	size_t		 i;
	int		 nerr;

	for (i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		snprintf(text, sizeof text, "%s%s", ENTRY, bads[i]);
		snprintf(name, sizeof name, "bad attribute: %.*s",
		    (int)strlen(bads[i] + 1) - 1, bads[i] + 1);
		se = load(text, &nerr);
		tap_ok(se == NULL && nerr == 1, name);
		conf_free_list(se);
	}

	se = load(ENTRY "\trlimit_as = 8796093022207M\n", &nerr);
	tap_ok(se != NULL && nerr == 0 && se->se_rlimits != NULL &&
	    se->se_rlimits[0].rl_set && (unsigned long long)
	    se->se_rlimits[0].rl_value == 8796093022207ULL * 1024 * 1024,
	    "largest rlimit in M is kept exactly");
	conf_free_list(se);
	se = load(ENTRY "\tlog_type = FILE /dev/null 1K 2M\n", &nerr);
	tap_ok(se != NULL && nerr == 0 && se->se_logsoft == 1024 &&
	    se->se_loghard == 2 * 1024 * 1024, "log file limits 1K 2M");
	conf_free_list(se);
#ifdef HAVE_GETLOADAVG
	se = load(ENTRY "\tmax_load = 2.5\n", &nerr);
	tap_ok(se != NULL && nerr == 0 && se->se_max_load == 2.5,
	    "max_load 2.5");
	conf_free_list(se);
#endif
}

/*
 * Random lines built from the words of real entries (and broken pieces of
 * them): the parser must report or accept each one, never crash or leak
 * (this test also runs under ASan and UBSan).
 */
static void
test_random(struct conf_bsd *cb)
{
	static const char *words[] = {
		"127.0.0.1:7", "[::1]:9", "*:13", "echo", "discard", "5000",
		"/tmp/x.sock", "@abs", "[", "]", ":", "stream", "dgram",
		"seqpacket", "raw", "tcp", "udp", "tcp6", "tcp46", "udp46",
		"unix", "rpc/tcp", "wait", "nowait", "nowait.5", "nowait/1/2/3",
		"wait.x", "nowait/", "root", "root:root", "root.nogroup", "nobody",
		"internal", "/bin/cat", "cat", "-n", "%PORT%", "rp,5001", "",
		"\t", "#", "*:", "nowait.99999999999999999999"
	};
	/* First words that never make the parser resolve a host name. */
	static const char *firsts[] = {
		"127.0.0.1:7", "[::1]:9", "*:13", "echo", "5000", "/tmp/x.sock",
		"@abs", "[", "]", ":", "*:", "rp,5001", "#", "[::1]:", "0"
	};
	struct service	*se;
	char		 line[512];
	unsigned int	 seed = 12345;
	size_t		 len;
	int		 i, j, n, nerr, refused = 0, odd = 0;

	for (i = 0; i < 3000; i++) {
		len = 0;
		line[0] = '\0';
		seed = seed * 1103515245 + 12345;
		n = 1 + (seed >> 16) % 9;
		for (j = 0; j < n; j++) {
			seed = seed * 1103515245 + 12345;
			len += (size_t)snprintf(line + len, sizeof line - len,
			    "%s%s", j ? " " : "", j == 0 ?
			    firsts[(seed >> 16) % (sizeof firsts /
			    sizeof firsts[0])] : words[(seed >> 16) %
			    (sizeof words / sizeof words[0])]);
		}
		se = parse(cb, line, &nerr);
		/* A service and no error, or no service and at most one. */
		if ((se != NULL && nerr != 0) || nerr > 1)
			odd++;
		if (se != NULL)
			service_free(se);
		else if (nerr == 1)
			refused++;
	}
	conf_bsd_free(cb);
	/* Random words hardly ever make a valid entry: none need to. */
	tap_ok(odd == 0 && refused > 2000, "3000 random lines: each a service "
	    "or at most one error, most refused, no crash");
}

/*
 * Lines that name the same program share one copy of each repeated string,
 * and freeing one service leaves the other's copies intact.
 */
static void
test_shared(struct conf_bsd *cb)
{
	struct service	*a, *b;
	size_t		 before = intern_count();
	int		 nerr;

	a = parse(cb, "127.0.0.1:5001 stream tcp nowait root /bin/echo echo hi",
	    &nerr);
	b = parse(cb, "127.0.0.1:5002 stream tcp nowait root /bin/echo echo hi",
	    &nerr);
	if (!tap_ok(a != NULL && b != NULL, "two lines, same program")) {
		if (a != NULL)
			service_free(a);
		if (b != NULL)
			service_free(b);
		return;
	}
	tap_ok(a->se_server == b->se_server && a->se_argv[0] == b->se_argv[0] &&
	    a->se_argv[1] == b->se_argv[1] && a->se_user == b->se_user &&
	    a->se_proto == b->se_proto && a->se_file == b->se_file,
	    "program, arguments, user, protocol and file are shared");
	/* unit.conf, tcp, root, /bin/echo, echo, hi */
	tap_ok(intern_count() == before + 6, "six distinct strings held");
	service_free(a);
	tap_ok(strcmp(b->se_server, "/bin/echo") == 0 &&
	    strcmp(b->se_argv[1], "hi") == 0 && strcmp(b->se_user, "root") == 0,
	    "the other service's strings outlive the first");
	service_free(b);
	tap_ok(intern_count() == before, "all given back");
}

/*
 * log_type FILE limits: once a line was dropped at the hard limit, a
 * shorter one that would still fit is dropped too (the file stops there).
 * Each line is a 19-byte stamp, a blank, the message and a newline.
 */
static void
test_logfile(void)
{
	struct service	 se;
	char		 path[] = "/tmp/pinetd-unit-log.XXXXXX";
	char		 m40[41], m30[31], m10[11];
	int		 fd;
	long		 size;

	memset(&se, 0, sizeof se);
	memset(m40, 'a', 40);
	m40[40] = '\0';
	memset(m30, 'b', 30);
	m30[30] = '\0';
	memset(m10, 'c', 10);
	m10[10] = '\0';
	if ((fd = mkstemp(path)) == -1) {
		tap_ok(0, "mkstemp");
		return;
	}
	close(fd);
	se.se_label = se.se_name = "u/tcp";
	se.se_logpath = path;
	se.se_logfile = fopen(path, "a");
	se.se_logsoft = 50;
	se.se_loghard = 100;
	service_log(&se, "%s", m40);
	size = ftell(se.se_logfile);
	tap_ok(size == 61 && (se.se_logwarned & LOGFILE_SOFT),
	    "the line that passes soft is written and said");
	service_log(&se, "%s", m30);
	tap_ok(ftell(se.se_logfile) == 61 && (se.se_logwarned & LOGFILE_HARD),
	    "a line past hard is dropped and said");
	service_log(&se, "%s", m10);
	tap_ok(ftell(se.se_logfile) == 61,
	    "a shorter line that would fit after it is dropped too");
	fclose(se.se_logfile);
	unlink(path);
}

int
main(void)
{
	struct conf_bsd	cb;

	opts.retry = PINETD_RETRY;
	memset(&cb, 0, sizeof cb);
	cb.cb_file = "unit.conf";
	test_good(&cb);
	test_bad(&cb);
	test_attrs();
	test_random(&cb);
	test_shared(&cb);
	test_logfile();
	conf_bsd_free(&cb);
	tap_ok(intern_count() == 0,
	    "every shared string given back, on error paths too");
	return (tap_done());
}
