/*
 * Attributes that shape the server process or the connection before it
 * starts: umask, nice, groups, rlimit_*, banner*, access_times, max_load.
 * Parsed once at load (banner files read then); applied per connection.
 */

#include "pinetd.h"

#include <sys/resource.h>
#ifdef HAVE_CPUSET_SETAFFINITY
#include <sys/param.h>
#include <sys/cpuset.h>
#endif
#include <sys/stat.h>

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#define CONF_CHILD_MAXBANNER	16384	/* fits a socket buffer */

/* The rlimit attributes, in the order of se_rlimits. */
static const struct {
	const char	*name;
	int		 resource;
} conf_child_rlimits[PINETD_NRLIMITS] = {
	{ "rlimit_as",		RLIMIT_AS },
	{ "rlimit_cpu",		RLIMIT_CPU },
	{ "rlimit_data",	RLIMIT_DATA },
	{ "rlimit_rss",		RLIMIT_RSS },
	{ "rlimit_stack",	RLIMIT_STACK },
	{ "rlimit_files",	RLIMIT_NOFILE },
};

/*
 * A size or count with an optional K or M suffix, or UNLIMITED. Numbers are
 * kept to LLONG_MAX after the suffix, so they fit rlim_t whether it is signed
 * or not and never wrap to a small limit.
 */
int
conf_child_size(const char *value, rlim_t *out)
{
	char			*end;
	unsigned long long	 v, mult = 1;

	if (strcmp(value, "UNLIMITED") == 0) {
		*out = RLIM_INFINITY;
		return (0);
	}
	if (*value < '0' || *value > '9')
		return (-1);
	errno = 0;
	v = strtoull(value, &end, 10);
	if (errno != 0)
		return (-1);
	if (*end == 'K' || *end == 'k')
		mult = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mult = 1024 * 1024, end++;
	if (*end != '\0' || v > LLONG_MAX / mult)
		return (-1);
	v *= mult;
	if ((unsigned long long)(rlim_t)v != v)
		return (-1);
	*out = (rlim_t)v;
	return (0);
}

/*
 * Read a banner file now, so a connection never waits for the disk. Only a
 * regular file that reads without error: a directory read as an empty
 * banner, and a FIFO held the load until a writer came. A file that does
 * not exist is a warning, and the service runs without that banner, as
 * xinetd serves when its banner cannot be opened (vsftpd's example names
 * one an admin writes later).
 */
static int
conf_child_banner(const char *file, int line, const char *path, char **buf,
    size_t *len)
{
	const char	*why;
	ssize_t		 n;
	int		 fd;

	*buf = NULL;
	*len = 0;
	if (access(path, F_OK) == -1 && errno == ENOENT) {
		log_warnx("%s:%d: banner '%s': %s; the service runs without it",
		    file, line, path, strerror(ENOENT));
		return (0);
	}
	if ((why = conf_regular(path)) != NULL) {
		conf_error(file, line, "banner '%s': %s", path, why);
		return (-1);
	}
	/* Its bytes as they are, CR LF and ^Z included (Windows). */
	if ((fd = open(path, O_RDONLY|O_BINARY)) == -1) {
		conf_error(file, line, "banner '%s': %s", path, strerror(errno));
		return (-1);
	}
	*buf = xmalloc(CONF_CHILD_MAXBANNER);
	*len = 0;
	while (*len < CONF_CHILD_MAXBANNER && (n = read(fd, *buf + *len,
	    CONF_CHILD_MAXBANNER - *len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			conf_error(file, line, "banner '%s': %s", path,
			    strerror(errno));
			close(fd);
			free(*buf);
			*buf = NULL;
			return (-1);
		}
		*len += (size_t)n;
	}
	close(fd);
	return (0);
}

/*
 * One or two digits of a clock time, at most max, followed by sep, moving
 * *p past both; -1 otherwise. (sscanf's %d took signs, any number of
 * digits and wrapped past INT_MAX: 4294967304:00 was 8:00.)
 */
static int
conf_child_clock(const char **p, int max, char sep)
{
	int	v = 0, n;

	for (n = 0; n < 2 && **p >= '0' && **p <= '9'; n++, (*p)++)
		v = v * 10 + (**p - '0');
	if (n == 0 || v > max || **p != sep)
		return (-1);
	if (sep != '\0')
		(*p)++;
	return (v);
}

/* "hh:mm-hh:mm" into minutes since midnight. */
static int
conf_child_interval(const char *word, int *from, int *to)
{
	int	h1, m1, h2, m2;

	if ((h1 = conf_child_clock(&word, 23, ':')) == -1 ||
	    (m1 = conf_child_clock(&word, 59, '-')) == -1 ||
	    (h2 = conf_child_clock(&word, 23, ':')) == -1 ||
	    (m2 = conf_child_clock(&word, 59, '\0')) == -1)
		return (-1);
	*from = h1 * 60 + m1;
	*to = h2 * 60 + m2;
	return (0);
}

/* syslog facility names log_type SYSLOG accepts. */
static const struct {
	const char	*name;
	int		 facility;
} conf_child_facilities[] = {
	{ "daemon", LOG_DAEMON }, { "auth", LOG_AUTH }, { "user", LOG_USER },
	{ "mail", LOG_MAIL }, { "lpr", LOG_LPR }, { "news", LOG_NEWS },
	{ "uucp", LOG_UUCP }, { "authpriv", LOG_AUTHPRIV },
	{ "ftp", LOG_FTP }, { "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 }, { NULL, 0 }
};

/* syslog level names log_type SYSLOG accepts after the facility. */
static const struct {
	const char	*name;
	int		 level;
} conf_child_levels[] = {
	{ "emerg", LOG_EMERG }, { "alert", LOG_ALERT }, { "crit", LOG_CRIT },
	{ "err", LOG_ERR }, { "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
	{ NULL, 0 }
};

/* The log files this load made, to remove if a reload is refused. */
static char		**conf_child_made;
static size_t		  conf_child_nmade;

/*
 * Open a log_type FILE for appending, or say why not. A FIFO is refused:
 * with no reader the open (so the load, or a reload) would wait for one,
 * and a slow reader would stall every write. With -n the file is checked,
 * not made, and *fp stays NULL.
 */
static const char *
conf_child_logfile(const char *path, FILE **fp)
{
	struct stat	 sb;
	const char	*base;
	char		*dir;
	int		 ok, made;

	*fp = NULL;
	if (stat(path, &sb) == 0) {
		if (S_ISFIFO(sb.st_mode))
			return ("a FIFO, which would stall the daemon");
		if (S_ISDIR(sb.st_mode))
			return ("is a directory");
		if (opts.check_only)
			return (access(path, W_OK) == 0 ? NULL : strerror(errno));
	} else if (opts.check_only) {
		if (errno != ENOENT)
			return (strerror(errno));
		base = conf_basename(path);	/* it would be made here */
		if (base == path)
			dir = xstrdup(".");
		else {
			dir = xstrdup(path);
			dir[base - path > 1 ? base - path - 1 : 1] = '\0';
		}
		ok = access(dir, W_OK) == 0;
		free(dir);
		return (ok ? NULL : strerror(errno));
	}
#ifdef S_ISLNK
	made = lstat(path, &sb) == -1 && errno == ENOENT;	/* no link */
#else
	made = stat(path, &sb) == -1 && errno == ENOENT;	/* no links */
#endif
	/*
	 * Bytes, so a line is as long as counted (Windows' text mode adds a
	 * CR), and positioned at the end, where ftell reports what the file
	 * already holds (Windows reports 0 until the first write).
	 */
	if ((*fp = fopen(path, "ab")) == NULL)
		return (strerror(errno));
	(void)fseek(*fp, 0, SEEK_END);
	if (made) {
		conf_child_made = xreallocarray(conf_child_made,
		    conf_child_nmade + 1, sizeof *conf_child_made);
		conf_child_made[conf_child_nmade++] = xstrdup(path);
	}
	return (NULL);
}

/*
 * A load is over: with undo (a refused reload, whose services are freed
 * and their files closed), remove the log files it made that are still
 * empty, so that a refused reload leaves nothing behind; then forget them.
 */
void
conf_child_made_done(int undo)
{
	struct stat	sb;
	size_t		i;

	for (i = 0; i < conf_child_nmade; i++) {
		if (undo && stat(conf_child_made[i], &sb) == 0 &&
		    S_ISREG(sb.st_mode) && sb.st_size == 0)
			(void)unlink(conf_child_made[i]);
		free(conf_child_made[i]);
	}
	free(conf_child_made);
	conf_child_made = NULL;
	conf_child_nmade = 0;
}

/*
 * log_type: "SYSLOG facility [level]" or "FILE path [soft [hard]]". The
 * file is opened now, for appending, so a bad path is a load error.
 */
static int
conf_child_logtype(const char *file, int line, struct service *se, char **v,
    int n)
{
	const char	*why;
	rlim_t		 size;
	int		 i;

	if (n >= 2 && strcmp(v[0], "SYSLOG") == 0 && n <= 3) {
		for (i = 0; conf_child_facilities[i].name != NULL; i++) {
			if (strcmp(conf_child_facilities[i].name, v[1]) == 0)
				break;
		}
		if (conf_child_facilities[i].name == NULL) {
			conf_error(file, line, "unknown syslog facility '%s'",
			    v[1]);
			return (-1);
		}
		se->se_logfacility = conf_child_facilities[i].facility;
		for (i = 0; n == 3 && conf_child_levels[i].name != NULL; i++) {
			if (strcmp(conf_child_levels[i].name, v[2]) == 0)
				break;
		}
		if (n == 3 && conf_child_levels[i].name == NULL) {
			conf_error(file, line, "unknown syslog level '%s'",
			    v[2]);
			return (-1);
		}
		se->se_logfacility |= n == 3 ? conf_child_levels[i].level :
		    LOG_INFO;
		return (0);
	}
	if (n >= 2 && n <= 4 && strcmp(v[0], "FILE") == 0) {
		for (i = 2; i < n; i++) {
			if (conf_child_size(v[i], &size) != 0 ||
			    size == RLIM_INFINITY ||
			    (unsigned long long)size > LONG_MAX) {
				conf_error(file, line, "bad log file limit '%s'",
				    v[i]);
				return (-1);
			}
			if (i == 2)
				se->se_logsoft = (long)size;
			else
				se->se_loghard = (long)size;
		}
		if ((why = conf_child_logfile(v[1], &se->se_logfile)) != NULL) {
			conf_error(file, line, "log file '%s': %s", v[1], why);
			return (-1);
		}
#ifdef FD_CLOEXEC
		if (se->se_logfile != NULL)	/* NULL with -n */
			fcntl(fileno(se->se_logfile), F_SETFD, FD_CLOEXEC);
#endif
		se->se_logpath = xstrdup(v[1]);
		return (0);
	}
	conf_error(file, line, "log_type wants 'SYSLOG facility' or 'FILE "
	    "path [soft [hard]]'");
	return (-1);
}

/* "0,2,4-7" into a list of CPU numbers. */
static int
conf_child_cpus(const char *file, int line, struct service *se, char **v,
    int n)
{
	char	*p, *dash, *end;
	long	 from, to, c;
	int	 i;

	for (i = 0; i < n; i++) {
		for (p = v[i]; p != NULL && *p != '\0'; ) {
			from = strtol(p, &end, 10);
			to = from;
			if (end == p || from < 0 || from >= PINETD_MAXCPU)
				goto bad;
			if (*end == '-') {
				dash = end + 1;
				to = strtol(dash, &end, 10);
				if (end == dash || to < from ||
				    to >= PINETD_MAXCPU)
					goto bad;
			}
			if (*end != ',' && *end != '\0')
				goto bad;
			for (c = from; c <= to; c++) {
				se->se_cpus = xreallocarray(se->se_cpus,
				    se->se_ncpus + 1, sizeof *se->se_cpus);
				se->se_cpus[se->se_ncpus++] = (int)c;
			}
			p = *end == ',' ? end + 1 : NULL;
		}
	}
	return (0);
bad:
	conf_error(file, line, "bad cpu_affinity '%s' (want CPU numbers and "
	    "ranges: 0,2,4-7)", v[i]);
	return (-1);
}

/*
 * handoff = socket | pipe | port: how the server gets the connection. Pipe
 * and port need a nowait stream service running a program; port needs
 * %PORT% in the arguments.
 */
static int
conf_child_handoff(const char *file, int line, struct service *se,
    const char *value)
{
	int	i, found = 0;

	if (strcmp(value, "socket") == 0) {
		se->se_handoff = HANDOFF_SOCKET;
		return (0);
	}
	if (strcmp(value, "pipe") == 0)
		se->se_handoff = HANDOFF_PIPE;
	else if (strcmp(value, "port") == 0)
		se->se_handoff = HANDOFF_PORT;
	else {
		conf_error(file, line, "handoff wants 'socket', 'pipe' or "
		    "'port', not '%s'", value);
		return (-1);
	}
	if (se->se_server == NULL || se->se_wait ||
	    se->se_socktype != SOCK_STREAM) {
		conf_error(file, line, "handoff = %s needs a nowait stream "
		    "service that runs a program", value);
		return (-1);
	}
	for (i = 0; i < se->se_argc; i++)
		found |= strstr(se->se_argv[i], "%PORT%") != NULL;
	if (se->se_handoff == HANDOFF_PORT && !found) {
		conf_error(file, line, "handoff = port needs %%PORT%% in the "
		    "server's arguments");
		return (-1);
	}
	return (0);
}

/* Whether a service block itself (not its defaults) gives an attribute. */
static int
conf_child_own(const struct xattr *svc, const char *name)
{
	const char	 *file;
	char		**v;
	int		  line, n;

	if ((n = xattr_values(NULL, svc, name, &v, &file, &line)) == -1)
		return (0);
	free(v);
	return (1);
}

/* Parse the process and connection attributes of a service. */
int
conf_child_apply(const char *file, struct service *se, const struct xattr *def,
    const struct xattr *svc)
{
	static const char	*banners[] = { "banner", "banner_success",
				    "banner_fail" };
	char			**v;
	const char		*value;
	long			  num;
	char			 *end;
	int			  n, i, line = se->se_line, bad = 0;

	if ((value = xattr_one(&file, def, svc, "umask", &line,
	    &bad)) != NULL) {
		num = strtol(value, &end, 8);
		if (*value == '\0' || *end != '\0' || num < 0 || num > 0777) {
			conf_error(file, line, "bad umask '%s'", value);
			bad++;
		} else
			se->se_umask = (int)num;
	}
	if ((value = xattr_one(&file, def, svc, "nice", &line, &bad)) != NULL) {
		num = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || num < -20 || num > 19) {
			conf_error(file, line, "bad nice '%s'", value);
			bad++;
		} else {
			se->se_nice = (int)num;
			se->se_nice_set = 1;
		}
	}
	if ((value = xattr_one(&file, def, svc, "groups", &line,
	    &bad)) != NULL) {
		if (strcmp(value, "no") == 0)
			se->se_nogroups = 1;
		else if (strcmp(value, "yes") == 0)
			se->se_nogroups = 0;	/* xinetd's default is no */
		else {
			conf_error(file, line, "groups wants 'yes' or 'no', not "
			    "'%s'", value);
			bad++;
		}
	}
	for (i = 0; i < PINETD_NRLIMITS; i++) {
		value = xattr_one(&file, def, svc, conf_child_rlimits[i].name,
		    &line, &bad);
		if (value == NULL)
			continue;
		if (se->se_rlimits == NULL)
			se->se_rlimits = xcalloc(PINETD_NRLIMITS,
			    sizeof *se->se_rlimits);
		if (conf_child_size(value, &se->se_rlimits[i].rl_value) != 0) {
			conf_error(file, line, "bad value '%s' for '%s'", value,
			    conf_child_rlimits[i].name);
			bad++;
			continue;
		}
		se->se_rlimits[i].rl_resource = conf_child_rlimits[i].resource;
		se->se_rlimits[i].rl_set = 1;
	}
	for (i = 0; i < BANNER_N; i++) {
		value = xattr_one(&file, def, svc, banners[i], &line, &bad);
		if (value == NULL)
			continue;
		if (se->se_banners == NULL)
			se->se_banners = xcalloc(BANNER_N,
			    sizeof *se->se_banners);
		if (conf_child_banner(file, line, value,
		    &se->se_banners[i].bn_buf, &se->se_banners[i].bn_len) != 0)
			bad++;
		/* Said where the service asks for it, not for defaults. */
		else if (conf_child_own(svc, banners[i]) &&
		    (se->se_socktype != SOCK_STREAM || (se->se_wait &&
		    se->se_builtin == NULL && !conf_child_own(svc, "redirect"))))
			log_warnx("%s:%d: %s is not sent by a datagram service "
			    "or a wait program, which accepts for itself; "
			    "ignored", file, line, banners[i]);
	}
	/*
	 * An empty list is an error: xinetd would refuse every client with
	 * it, and serving every client instead would widen a defaults' times.
	 */
	if ((n = xattr_values(def, svc, "access_times", &v, &file,
	    &line)) == 0) {
		conf_error(file, line, "access_times names no interval (want "
		    "hh:mm-hh:mm ...)");
		bad++;
	} else if (n > 0) {
		se->se_times = xcalloc(n, sizeof *se->se_times);
		for (i = 0; i < n; i++) {
			if (conf_child_interval(v[i], &se->se_times[i].at_from,
			    &se->se_times[i].at_to) != 0) {
				conf_error(file, line, "bad access_times '%s' "
				    "(want hh:mm-hh:mm)", v[i]);
				bad++;
			}
		}
		se->se_ntimes = n;
	}
	free(v);
	if ((value = xattr_one(&file, def, svc, "max_load", &line, &bad)) !=
	    NULL) {
		se->se_max_load = strtod(value, &end);
		if (*value == '\0' || *end != '\0' ||
		    !isfinite(se->se_max_load) || se->se_max_load <= 0) {
			conf_error(file, line, "bad max_load '%s'", value);
			bad++;
		}
#ifndef HAVE_GETLOADAVG
		conf_error(file, line, "max_load needs getloadavg, which this "
		    "system lacks");
		bad++;
#endif
	}
	if ((n = xattr_values(def, svc, "cpu_affinity", &v, &file,
	    &line)) != -1) {
		if (conf_child_cpus(file, line, se, v, n) != 0)
			bad++;
#if !defined(HAVE_SCHED_SETAFFINITY) && \
    !defined(HAVE_CPUSET_SETAFFINITY) && !PLATFORM_SPAWN_AFFINITY
		else {
			conf_error(file, line, "cpu_affinity is not available "
			    "on this system");
			bad++;
		}
#endif
		free(v);
	}
	if ((value = xattr_one(&file, def, svc, "console", &line, &bad)) !=
	    NULL) {
		if (strcmp(value, "null") == 0)
			se->se_console = xstrdup("/dev/null");
		else if (conf_absolute(value))
			se->se_console = xstrdup(value);
		else if (strcmp(value, "socket") != 0) {
			conf_error(file, line, "console wants 'socket', 'null' "
			    "or an absolute path, not '%s'", value);
			bad++;
		}
	}
	if ((value = xattr_one(&file, def, svc, "handoff", &line, &bad)) !=
	    NULL && conf_child_handoff(file, line, se, value) != 0)
		bad++;
	if ((n = xattr_values(def, svc, "log_type", &v, &file, &line)) != -1) {
		if (conf_child_logtype(file, line, se, v, n) != 0)
			bad++;
		free(v);
	}
	se->se_childsetup = se->se_umask != -1 || se->se_nice_set ||
	    (se->se_nogroups && geteuid() == 0 &&
	    !conf_self_groups_only(se->se_gid)) || se->se_ncpus > 0;
	for (i = 0; se->se_rlimits != NULL && i < PINETD_NRLIMITS; i++)
		se->se_childsetup |= se->se_rlimits[i].rl_set;
#ifndef HAVE_FORK
	if (se->se_umask != -1 || se->se_nice_set || se->se_nogroups ||
	    (se->se_childsetup && se->se_ncpus == 0))
		log_warnx("%s:%d: umask, nice, groups and rlimit_* are ignored "
		    "on this system", se->se_file, se->se_line);
	se->se_childsetup = 0;
#endif
	return (bad == 0 ? 0 : -1);
}

/* Whether now is inside one of a service's access_times intervals. */
static int
conf_child_in_times(const struct service *se)
{
	time_t		 now;
	struct tm	*tm;
	int		 i, m;

	if (se->se_ntimes == 0)		/* most services: no clock needed */
		return (1);
	now = time(NULL);
	if ((tm = localtime(&now)) == NULL)
		return (1);
	m = tm->tm_hour * 60 + tm->tm_min;
	for (i = 0; i < se->se_ntimes; i++) {
		if (se->se_times[i].at_from <= se->se_times[i].at_to ?
		    (m >= se->se_times[i].at_from && m <= se->se_times[i].at_to) :
		    (m >= se->se_times[i].at_from || m <= se->se_times[i].at_to))
			return (1);
	}
	return (0);
}

/*
 * Checks made per connection that depend on the moment, not the peer:
 * access_times and max_load. Returns the reason to refuse, or NULL.
 */
const char *
conf_child_refuse(const struct service *se)
{
	if (!conf_child_in_times(se))
		return ("access_times");
#ifdef HAVE_GETLOADAVG
	if (se->se_max_load > 0) {
		double	load[1];

		if (getloadavg(load, 1) == 1 && load[0] > se->se_max_load)
			return ("max_load");
	}
#endif
	return (NULL);
}

/* Send a banner without ever blocking the daemon: best effort. */
void
conf_child_banner_send(const struct service *se, int which, int fd)
{
	const struct banner	*bn;

	if (se->se_banners == NULL)
		return;
	bn = &se->se_banners[which];
	if (bn->bn_len > 0)
		(void)send(fd, bn->bn_buf, bn->bn_len, PINETD_DONTWAIT);
}

#ifdef HAVE_FORK
/* Pin the child to the configured CPUs (licence conformance for kdb+). */
static int
conf_child_affinity(const struct service *se)
{
#if defined(HAVE_SCHED_SETAFFINITY)
	cpu_set_t	set;
	int		i;

	CPU_ZERO(&set);
	for (i = 0; i < se->se_ncpus; i++)
		CPU_SET(se->se_cpus[i], &set);
	return (sched_setaffinity(0, sizeof set, &set));
#elif defined(HAVE_CPUSET_SETAFFINITY)
	cpuset_t	set;
	int		i;

	CPU_ZERO(&set);
	for (i = 0; i < se->se_ncpus; i++)
		CPU_SET(se->se_cpus[i], &set);
	return (cpuset_setaffinity(CPU_LEVEL_WHICH, CPU_WHICH_PID, -1,
	    sizeof set, &set));
#else
	(void)se;
	return (-1);
#endif
}

/* In the child, before exec, as root: umask, nice, CPU affinity. */
int
conf_child_setup(const struct service *se)
{
	if (se->se_ncpus > 0 && conf_child_affinity(se) == -1) {
		log_warn("%s: cpu_affinity", se->se_label);
		return (-1);
	}
	if (se->se_umask != -1)
		umask((mode_t)se->se_umask);
	if (se->se_nice_set) {
		errno = 0;
		if (nice(se->se_nice) == -1 && errno != 0) {
			log_warn("%s: nice %d", se->se_label, se->se_nice);
			return (-1);
		}
	}
	return (0);
}

/*
 * In the child, the last thing before the user switch and exec, still as
 * root (a raised hard limit needs it): the rlimits, after the console file
 * and the group database were read, which a low rlimit_files or rlimit_as
 * would otherwise stop.
 */
int
conf_child_limits(const struct service *se)
{
	struct rlimit	rl;
	int		i;

	for (i = 0; se->se_rlimits != NULL && i < PINETD_NRLIMITS; i++) {
		if (!se->se_rlimits[i].rl_set)
			continue;
		rl.rlim_cur = rl.rlim_max = se->se_rlimits[i].rl_value;
		/* No kernel takes an infinite descriptor limit: the most it has. */
		if (se->se_rlimits[i].rl_resource == RLIMIT_NOFILE &&
		    rl.rlim_max == RLIM_INFINITY &&
		    getrlimit(RLIMIT_NOFILE, &rl) == 0)
			rl.rlim_cur = rl.rlim_max;
		if (setrlimit(se->se_rlimits[i].rl_resource, &rl) == -1) {
			log_warn("%s: setrlimit %s", se->se_label,
			    conf_child_rlimits[i].name);
			return (-1);
		}
	}
	return (0);
}
#endif /* HAVE_FORK */
