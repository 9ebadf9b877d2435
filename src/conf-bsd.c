/*
 * The BSD inetd.conf dialect: one entry per line, turned into a service.
 */

#include "pinetd.h"

#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONF_BSD_MAXRATE	1000000

/* The protocol field: what it means for the socket. */
struct conf_proto {
	const char	*cp_name;
	int		 cp_socktype;	/* SOCK_STREAM, SOCK_DGRAM or 0 (unix) */
	int		 cp_family;	/* AF_UNSPEC: follow the host */
	int		 cp_v6only;
};

static const struct conf_proto conf_protos[] = {
	{ "tcp",   SOCK_STREAM, AF_UNSPEC, 1 },
	{ "udp",   SOCK_DGRAM,  AF_UNSPEC, 1 },
	{ "tcp4",  SOCK_STREAM, AF_INET,   0 },
	{ "udp4",  SOCK_DGRAM,  AF_INET,   0 },
	{ "tcp6",  SOCK_STREAM, AF_INET6,  1 },
	{ "udp6",  SOCK_DGRAM,  AF_INET6,  1 },
	{ "tcp46", SOCK_STREAM, AF_INET6,  0 },
	{ "udp46", SOCK_DGRAM,  AF_INET6,  0 },
	{ "unix",  0,           AF_UNIX,   0 },
	{ NULL,    0,           0,         0 }
};

/* Split a line into blank-separated words; returns how many. */
static int
conf_bsd_split(char *text, char ***words)
{
	char	**w = NULL, *p = text;
	int	  n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		w = xreallocarray(w, n + 2, sizeof *w);
		w[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' &&
		    *p != '\n')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
	if (w != NULL)
		w[n] = NULL;
	*words = w;
	return (n);
}

/* Parse a whole decimal number in a range; -1 if it is not one. */
static long
conf_bsd_number(const char *s, long min, long max)
{
	char	*end;
	long	 v;

	if (*s == '\0' || !isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (-1);
	return (v);
}

/* The socket type field. */
static int
conf_bsd_socktype(struct conf_bsd *cb, int line, const char *word)
{
	if (strcmp(word, "stream") == 0)
		return (SOCK_STREAM);
	if (strcmp(word, "dgram") == 0)
		return (SOCK_DGRAM);
	if (strcmp(word, "seqpacket") == 0) {
#if HAVE_DECL_SOCK_SEQPACKET
		return (SOCK_SEQPACKET);
#else
		conf_error(cb->cb_file, line, "socket type '%s' is not "
		    "available on this system", word);
		return (-1);
#endif
	}
	if (strcmp(word, "raw") == 0 || strcmp(word, "rdm") == 0) {
		conf_error(cb->cb_file, line, "socket type '%s' is not "
		    "supported", word);
		return (-1);
	}
	conf_error(cb->cb_file, line, "unknown socket type '%s'", word);
	return (-1);
}

/* Parse a number that is a span of a word (up to a '/' or the end). */
static long
conf_bsd_span(const char *p, size_t len)
{
	char	num[16];

	if (len >= sizeof num)
		return (-1);
	memcpy(num, p, len);
	num[len] = '\0';
	return (conf_bsd_number(num, 0, CONF_BSD_MAXRATE));
}

/*
 * The wait/nowait field: OpenBSD's "nowait.max" (starts per minute) and
 * FreeBSD's "nowait/max-child/max-connections-per-ip-per-minute/
 * max-child-per-ip", alone or together.
 */
static int
conf_bsd_wait(struct conf_bsd *cb, int line, const char *word,
    struct service *se)
{
	const char	*dot, *slash, *p;
	size_t		 len;
	long		 max = PINETD_TOOMANY, v;
	int		 i, *limits[3];

	slash = strchr(word, '/');
	len = slash != NULL ? (size_t)(slash - word) : strlen(word);
	dot = memchr(word, '.', len);
	if (dot != NULL)
		len = (size_t)(dot - word);
	if (len == 4 && strncmp(word, "wait", 4) == 0)
		se->se_wait = 1;
	else if (len == 6 && strncmp(word, "nowait", 6) == 0)
		se->se_wait = 0;
	else {
		conf_error(cb->cb_file, line, "bad wait field '%s' (want "
		    "'wait' or 'nowait', optionally with '.max')", word);
		return (-1);
	}
	if (dot != NULL) {
		len = (slash != NULL ? (size_t)(slash - dot) : strlen(dot)) - 1;
		if ((max = conf_bsd_span(dot + 1, len)) == -1) {
			conf_error(cb->cb_file, line, "bad maximum in '%s'",
			    word);
			return (-1);
		}
	}
	se->se_max = (int)max;

	limits[0] = &se->se_instances;
	limits[1] = &se->se_cpm_per_ip;
	limits[2] = &se->se_per_source;
	for (i = 0; slash != NULL; i++) {
		p = slash + 1;
		slash = strchr(p, '/');
		len = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (i == 3) {
			conf_error(cb->cb_file, line, "too many limits in '%s' "
			    "(want nowait/max-child/max-connections-per-ip-"
			    "per-minute/max-child-per-ip)", word);
			return (-1);
		}
		if ((v = conf_bsd_span(p, len)) == -1) {
			conf_error(cb->cb_file, line, "bad limit '%.*s' in '%s'",
			    (int)len, p, word);
			return (-1);
		}
		*limits[i] = (int)v;
	}
	if (se->se_wait && (se->se_instances || se->se_cpm_per_ip ||
	    se->se_per_source)) {
		conf_error(cb->cb_file, line, "limits in '%s' need 'nowait'",
		    word);
		return (-1);
	}
	return (0);
}

/* The user[.group] or user[:group] field; ids are looked up now, once. */
static int
conf_bsd_user(struct conf_bsd *cb, int line, const char *word,
    struct service *se)
{
	struct passwd	*pw;
	struct group	*gr;
	char		*user, *group = NULL, *sep;

	user = xstrdup(word);
	if ((sep = strchr(user, ':')) != NULL ||
	    (getpwnam(user) == NULL && (sep = strchr(user, '.')) != NULL)) {
		*sep = '\0';
		group = sep + 1;
	}
	if (*user == '\0' || (pw = getpwnam(user)) == NULL) {
		conf_error(cb->cb_file, line, "unknown user '%s'", user);
		free(user);
		return (-1);
	}
	se->se_uid = pw->pw_uid;
	se->se_gid = pw->pw_gid;
	se->se_user = xstrdup(user);
	if (group != NULL) {
		if (*group == '\0' || (gr = getgrnam(group)) == NULL) {
			conf_error(cb->cb_file, line, "unknown group '%s'",
			    group);
			free(user);
			return (-1);
		}
		se->se_gid = gr->gr_gid;
		se->se_group = xstrdup(group);
	}
	free(user);
	return (0);
}

/* Work out the supplementary groups of the user once, at load time. */
static void
conf_bsd_groups(struct service *se)
{
#ifdef HAVE_GETGROUPLIST
	int	 n = 16;
	gid_t	*g = NULL;

	for (;;) {
		int	 want = n;

		g = xreallocarray(g, n, sizeof *g);
		if (getgrouplist(se->se_user, se->se_gid, (void *)g,
		    &want) != -1) {
			n = want;
			break;
		}
		if (want <= n)
			n *= 2;
		else
			n = want;
		if (n > 65536) {
			free(g);
			return;		/* initgroups in the child */
		}
	}
	se->se_groups = g;
	se->se_ngroups = n;
#else
	(void)se;
#endif
}

/* Whether a group is in a list (the primary group always counts). */
static int
conf_bsd_in_groups(gid_t g, gid_t primary, const gid_t *list, int n)
{
	int	i;

	if (g == primary)
		return (1);
	for (i = 0; i < n; i++) {
		if (list[i] == g)
			return (1);
	}
	return (0);
}

/*
 * Whether the service runs as the daemon already does (same user, group and
 * supplementary groups), so the child needs no switch and can be started by
 * posix_spawn.
 */
static int
conf_bsd_same_user(const struct service *se)
{
	gid_t	groups[256];
	int	n, i;

	if (se->se_uid != geteuid() || se->se_gid != getegid() ||
	    se->se_groups == NULL)
		return (0);
	if ((n = getgroups(256, groups)) == -1)
		return (0);
	for (i = 0; i < n; i++) {
		if (!conf_bsd_in_groups(groups[i], se->se_gid, se->se_groups,
		    se->se_ngroups))
			return (0);
	}
	for (i = 0; i < se->se_ngroups; i++) {
		if (!conf_bsd_in_groups(se->se_groups[i], se->se_gid, groups,
		    n))
			return (0);
	}
	return (1);
}

/* Split "host:service" (host may be "[v6]"); NULL host if none given. */
static int
conf_bsd_hostport(struct conf_bsd *cb, int line, const char *word,
    char **host, char **port)
{
	const char	*colon, *close;

	*host = NULL;
	if (word[0] == '[') {
		if ((close = strchr(word, ']')) == NULL || close[1] != ':') {
			conf_error(cb->cb_file, line, "bad address in '%s'",
			    word);
			return (-1);
		}
		*host = xstrdup(word + 1);
		(*host)[close - word - 1] = '\0';
		*port = xstrdup(close + 2);
	} else if ((colon = strrchr(word, ':')) != NULL) {
		*host = xstrdup(word);
		(*host)[colon - word] = '\0';
		*port = xstrdup(colon + 1);
	} else
		*port = xstrdup(word);
	if (**port == '\0' || (*host != NULL && **host == '\0')) {
		conf_error(cb->cb_file, line, "bad service '%s'", word);
		free(*host);
		free(*port);
		return (-1);
	}
	if (*host == NULL && cb->cb_defhost != NULL)
		*host = xstrdup(cb->cb_defhost);
	if (*host != NULL && strcmp(*host, "*") == 0) {
		free(*host);
		*host = NULL;
	}
	return (0);
}

/* Fill in the address of an internet service; DNS happens here, at load. */
static int
conf_bsd_inet(struct conf_bsd *cb, int line, struct service *se,
    const struct conf_proto *cp, const char *field)
{
	struct addrinfo		 hints, *res;
	struct in6_addr		 in6;
	struct servent		*sv;
	char			*host, *port, pbuf[16];
	const char		*pname;
	long			 num;
	int			 error;

	if (conf_bsd_hostport(cb, line, field, &host, &port) != 0)
		return (-1);

	se->se_family = cp->cp_family;
	se->se_v6only = cp->cp_v6only;
	if (se->se_family == AF_UNSPEC) {
		if (host != NULL && inet_pton(AF_INET6, host, &in6) == 1)
			se->se_family = AF_INET6;
		else
			se->se_family = AF_INET;
	}
	if (cp->cp_family == AF_INET6 && !cp->cp_v6only && host != NULL &&
	    inet_pton(AF_INET6, host, &in6) != 1) {
		conf_error(cb->cb_file, line, "protocol '%s' needs host '*' "
		    "or an IPv6 address, not '%s'", cp->cp_name, host);
		goto fail;
	}

	pname = se->se_socktype == SOCK_DGRAM ? "udp" : "tcp";
	if ((num = conf_bsd_number(port, 0, 65535)) == -1) {
		if (isdigit((unsigned char)*port)) {
			conf_error(cb->cb_file, line, "bad port '%s'", port);
			goto fail;
		}
		if ((sv = getservbyname(port, pname)) == NULL) {
			conf_error(cb->cb_file, line, "unknown service "
			    "'%s/%s'", port, pname);
			goto fail;
		}
		num = ntohs((unsigned short)sv->s_port);
	} else if (num == 0) {
		conf_error(cb->cb_file, line, "bad port '%s'", port);
		goto fail;
	}
	snprintf(pbuf, sizeof pbuf, "%ld", num);

	memset(&hints, 0, sizeof hints);
	hints.ai_family = se->se_family;
	hints.ai_socktype = se->se_socktype;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((error = getaddrinfo(host, pbuf, &hints, &res)) != 0) {
		conf_error(cb->cb_file, line, "bad host '%s': %s",
		    host != NULL ? host : "*", gai_strerror(error));
		goto fail;
	}
	memcpy(&se->se_addr, res->ai_addr, res->ai_addrlen);
	se->se_addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	free(host);
	free(port);
	return (0);

fail:
	free(host);
	free(port);
	return (-1);
}

/* Fill in the address of a unix-domain service from its path. */
static int
conf_bsd_unix(struct conf_bsd *cb, int line, struct service *se,
    const char *path)
{
	struct sockaddr_un	*sun = (struct sockaddr_un *)&se->se_addr;
	size_t			 len = strlen(path);

	se->se_family = AF_UNIX;
	if (path[0] == '@') {
		if (!PLATFORM_ABSTRACT_UNIX) {
			conf_error(cb->cb_file, line, "abstract socket '%s' is "
			    "not available on this system", path);
			return (-1);
		}
	} else if (path[0] != '/') {
		conf_error(cb->cb_file, line, "unix socket '%s' is not an "
		    "absolute path", path);
		return (-1);
	}
	if (len < 2 || len >= sizeof sun->sun_path) {
		conf_error(cb->cb_file, line, "bad unix socket path '%s'",
		    path);
		return (-1);
	}
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len);
	if (path[0] == '@') {
		sun->sun_path[0] = '\0';
		se->se_addrlen = offsetof(struct sockaddr_un, sun_path) + len;
	} else
		se->se_addrlen = sizeof *sun;
	return (0);
}

/* The server program and its arguments, or the built-in to run. */
static int
conf_bsd_server(struct conf_bsd *cb, int line, struct service *se,
    char **w, int nw, const char *name)
{
	const char	*base;
	int		 i;

	if (strcmp(w[0], "internal") == 0) {
		if (nw > 1)
			name = w[1];
		if ((se->se_builtin = builtin_find(name)) == NULL) {
			conf_error(cb->cb_file, line, "unknown built-in "
			    "service '%s'", name);
			return (-1);
		}
		return (0);
	}
	if (w[0][0] != '/') {
		conf_error(cb->cb_file, line, "server program '%s' is not an "
		    "absolute path", w[0]);
		return (-1);
	}
	se->se_server = xstrdup(w[0]);
	if (nw > 1) {
		se->se_argc = nw - 1;
		se->se_argv = xcalloc(nw, sizeof *se->se_argv);
		for (i = 1; i < nw; i++)
			se->se_argv[i - 1] = xstrdup(w[i]);
	} else {
		base = strrchr(w[0], '/') + 1;
		se->se_argc = 1;
		se->se_argv = xcalloc(2, sizeof *se->se_argv);
		se->se_argv[0] = xstrdup(*base != '\0' ? base : w[0]);
	}
	return (0);
}

/* A "host:" line: the default address for the lines that follow. */
static void
conf_bsd_defhost(struct conf_bsd *cb, const char *word)
{
	size_t	len = strlen(word);

	free(cb->cb_defhost);
	cb->cb_defhost = NULL;
	if (strcmp(word, "*:") == 0)
		return;
	cb->cb_defhost = xstrdup(word);
	cb->cb_defhost[len - 1] = '\0';
	if (cb->cb_defhost[0] == '[' && len > 3 && word[len - 2] == ']') {
		memmove(cb->cb_defhost, cb->cb_defhost + 1, len - 3);
		cb->cb_defhost[len - 3] = '\0';
	}
}

/* Build the label and the reload key once the address is known. */
static void
conf_bsd_names(struct service *se)
{
	char	addr[256];

	xasprintf(&se->se_label, "%s/%s", se->se_service, se->se_proto);
	listen_ntop((struct sockaddr *)&se->se_addr, se->se_addrlen, addr,
	    sizeof addr);
	xasprintf(&se->se_key, "%d/%d/%d/%s", se->se_family, se->se_socktype,
	    se->se_v6only, addr);
}

/*
 * Parse one entry (continuation lines already joined). Returns the service, or
 * NULL for a line that defines none (counting an error when it was bad).
 */
struct service *
conf_bsd_line(struct conf_bsd *cb, int line, char *text, int *nerr)
{
	const struct conf_proto	*cp;
	struct service		*se;
	char			**w, *name;
	int			 nw, socktype;

	nw = conf_bsd_split(text, &w);
	if (nw == 0)
		return (NULL);
	if (nw == 1 && w[0][strlen(w[0]) - 1] == ':') {
		conf_bsd_defhost(cb, w[0]);
		free(w);
		return (NULL);
	}
	if (nw < 6) {
		conf_error(cb->cb_file, line, "missing fields after '%s' "
		    "(want service, socket type, protocol, wait, user, "
		    "program)", w[nw - 1]);
		goto fail;
	}

	if ((socktype = conf_bsd_socktype(cb, line, w[1])) == -1)
		goto fail;
	if (strncmp(w[2], "rpc/", 4) == 0) {
		conf_error(cb->cb_file, line, "protocol '%s': Sun-RPC "
		    "services are not supported in this build", w[2]);
		goto fail;
	}
	for (cp = conf_protos; cp->cp_name != NULL; cp++) {
		if (strcmp(cp->cp_name, w[2]) == 0)
			break;
	}
	if (cp->cp_name == NULL) {
		conf_error(cb->cb_file, line, "unknown protocol '%s'", w[2]);
		goto fail;
	}
	if (cp->cp_socktype != 0 && cp->cp_socktype != socktype) {
		conf_error(cb->cb_file, line, "socket type '%s' does not "
		    "match protocol '%s'", w[1], w[2]);
		goto fail;
	}

	se = service_new();
	se->se_file = xstrdup(cb->cb_file);
	se->se_line = line;
	se->se_service = xstrdup(w[0]);
	se->se_proto = xstrdup(w[2]);
	se->se_socktype = socktype;

	if (conf_bsd_wait(cb, line, w[3], se) != 0 ||
	    conf_bsd_user(cb, line, w[4], se) != 0)
		goto fail_se;

	name = strrchr(w[0], ':') != NULL ? strrchr(w[0], ':') + 1 : w[0];
	if (conf_bsd_server(cb, line, se, w + 5, nw - 5, name) != 0)
		goto fail_se;
	if (se->se_builtin != NULL && (se->se_instances ||
	    se->se_cpm_per_ip || se->se_per_source)) {
		conf_error(cb->cb_file, line, "limits in '%s' apply to server "
		    "programs, not to built-in services", w[3]);
		goto fail_se;
	}
	if (se->se_builtin == NULL && socktype == SOCK_DGRAM &&
	    !se->se_wait) {
		conf_error(cb->cb_file, line, "'%s' with dgram and an external "
		    "program would start one server per datagram; use 'wait'",
		    w[3]);
		goto fail_se;
	}

	if (cp->cp_family == AF_UNIX) {
		if (conf_bsd_unix(cb, line, se, w[0]) != 0)
			goto fail_se;
	} else {
		if (socktype == SOCK_SEQPACKET) {
			conf_error(cb->cb_file, line, "socket type '%s' needs "
			    "protocol 'unix'", w[1]);
			goto fail_se;
		}
		if (conf_bsd_inet(cb, line, se, cp, w[0]) != 0)
			goto fail_se;
	}
	conf_bsd_names(se);

	if (cb->cb_uid == 0) {
		conf_bsd_groups(se);
		se->se_setuser = !conf_bsd_same_user(se);
	} else if (se->se_server != NULL && (uid_t)cb->cb_uid != se->se_uid)
		log_warnx("%s:%d: %s: not running as root, so the server runs "
		    "as uid %d, not as '%s'", cb->cb_file, line, se->se_label,
		    cb->cb_uid, se->se_user);
	if (se->se_server != NULL && access(se->se_server, X_OK) != 0)
		log_warn("%s:%d: %s: server program %s", cb->cb_file, line,
		    se->se_label, se->se_server);

	free(w);
	return (se);

fail_se:
	service_free(se);
fail:
	free(w);
	(*nerr)++;
	return (NULL);
}

/* Free what the parser kept between lines. */
void
conf_bsd_free(struct conf_bsd *cb)
{
	free(cb->cb_defhost);
	cb->cb_defhost = NULL;
}
