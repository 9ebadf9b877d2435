/*
 * The BSD inetd.conf dialect: one entry per line, turned into a service.
 */

#include "pinetd.h"

#include <netinet/in.h>

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

/*
 * Largest number a wait field takes: any int, as openbsd-inetd takes
 * nowait.100000000 to mean no limit worth the name.
 */
#define CONF_BSD_MAXRATE	2147483647L

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
	{ "tcp6only", SOCK_STREAM, AF_INET6, 1 },	/* inetutils' names */
	{ "udp6only", SOCK_DGRAM,  AF_INET6, 1 },
	{ "unix",  0,           AF_UNIX,   0 },
	{ NULL,    0,           0,         0 }
};

/* Whether a character separates words. */
static int
conf_bsd_blank(char c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

/*
 * Split a line into blank-separated words, in place; returns how many.
 * Double quotes keep blanks inside a word ("C:\Program Files\q\q.exe") and
 * are removed; backslashes are plain characters, for Windows paths. A line
 * end (where continuation lines were joined) ends every word, so the first
 * word whose quote is not closed on its own line is left in *unclosed (else
 * NULL).
 */
static int
conf_bsd_split(char *text, char ***words, char **unclosed)
{
	char	**w = NULL, *p = text, *q;
	int	  n = 0, quoted;

	*unclosed = NULL;
	for (;;) {
		while (conf_bsd_blank(*p))
			p++;
		if (*p == '\0')
			break;
		w = xreallocarray(w, n + 2, sizeof *w);
		w[n++] = q = p;
		for (quoted = 0; *p != '\0' && *p != '\n' &&
		    (quoted || !conf_bsd_blank(*p)); p++) {
			if (*p == '"')
				quoted = !quoted;
			else
				*q++ = *p;
		}
		if (*p != '\0')
			p++;
		*q = '\0';
		if (quoted && *unclosed == NULL)
			*unclosed = w[n - 1];
	}
	if (w != NULL)
		w[n] = NULL;
	*words = w;
	return (n);
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
	return (conf_number(num, 0, CONF_BSD_MAXRATE));
}

/*
 * What follows the protocol's first comma: NetBSD and FreeBSD's
 * "sndbuf=SIZE" and "rcvbuf=SIZE", comma-separated.
 */
static int
conf_bsd_bufs(struct conf_bsd *cb, int line, char *list, struct service *se)
{
	char	*next;

	for (; list != NULL; list = next) {
		if ((next = strchr(list, ',')) != NULL)
			*next++ = '\0';
		if (strncmp(list, "sndbuf=", 7) == 0) {
			if (conf_bufsize(cb->cb_file, line, "sndbuf", list + 7,
			    &se->se_sndbuf) != 0)
				return (-1);
		} else if (strncmp(list, "rcvbuf=", 7) == 0) {
			if (conf_bufsize(cb->cb_file, line, "rcvbuf", list + 7,
			    &se->se_rcvbuf) != 0)
				return (-1);
		} else {
			conf_error(cb->cb_file, line, "unknown protocol option "
			    "'%s' (want sndbuf=SIZE or rcvbuf=SIZE)", list);
			return (-1);
		}
	}
	return (0);
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
	/* NetBSD writes the maximum after ':' as well as after '.'. */
	if ((dot = memchr(word, '.', len)) == NULL)
		dot = memchr(word, ':', len);
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
		if (len == 0)
			v = 0;	/* FreeBSD: an empty field is the default */
		else if ((v = conf_bsd_span(p, len)) == -1) {
			conf_error(cb->cb_file, line, "bad limit '%.*s' in '%s'",
			    (int)len, p, word);
			return (-1);
		}
		*limits[i] = (int)v;
	}
	/* FreeBSD takes them on wait too; its server accepts, not us. */
	if (se->se_wait && (se->se_instances || se->se_cpm_per_ip ||
	    se->se_per_source)) {
		log_warnx("%s:%d: limits in '%s' do not apply to a wait "
		    "service; ignored", cb->cb_file, line, word);
		se->se_instances = se->se_cpm_per_ip = se->se_per_source = 0;
	}
	if (se->se_socktype == SOCK_DGRAM && (se->se_instances ||
	    se->se_cpm_per_ip || se->se_per_source))
		log_warnx("%s:%d: limits in '%s' do not apply to datagrams; "
		    "ignored", cb->cb_file, line, word);
	return (0);
}

/*
 * The user[.group] or user[:group] field. FreeBSD's "/login-class" after
 * it is accepted and ignored with a warning: there are no login classes
 * here. For a built-in (internal) an unknown user is a warning too, as
 * openbsd-inetd serves it.
 */
static int
conf_bsd_user(struct conf_bsd *cb, int line, const char *word,
    struct service *se, int internal)
{
	char	*user, *group = NULL, *sep;
	int	 error;

	user = xstrdup(word);
	if ((sep = strchr(user, '/')) != NULL) {
		*sep = '\0';
		log_warnx("%s:%d: login class '%s' ignored (pinetd has no "
		    "login classes)", cb->cb_file, line, sep + 1);
	}
	if ((sep = strchr(user, ':')) != NULL ||
	    (!conf_user_known(user, NULL, NULL) &&
	    (sep = strchr(user, '.')) != NULL)) {
		*sep = '\0';
		group = sep + 1;
	}
	/* A built-in runs inside the daemon: its user means nothing. */
	if (internal && !conf_user_known(user, NULL, NULL)) {
		log_warnx("%s:%d: unknown user '%s' ignored: a built-in runs "
		    "inside pinetd", cb->cb_file, line, user);
		free(user);
		return (conf_user(cb->cb_file, line, se, "0", NULL));
	}
	error = conf_user(cb->cb_file, line, se, user, group);
	free(user);
	return (error);
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
	if (*host != NULL && strchr(*host, ',') != NULL) {
		conf_error(cb->cb_file, line, "host lists are not supported, "
		    "write one entry per address: '%s'", word);
		free(*host);
		free(*port);
		return (-1);
	}
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

/*
 * The line a word of a joined entry came from: the entry's first line, or
 * that of the continuation line it is on, so errors point at the word.
 */
static int
conf_bsd_wline(const struct conf_bsd *cb, const char *text, const char *word,
    int line)
{
	size_t	off = (size_t)(word - text);
	int	i;

	for (i = 0; i < cb->cb_ncont && cb->cb_contoff[i] <= off; i++)
		line = cb->cb_contline[i];
	return (line);
}

/*
 * A unix socket's path, after FreeBSD's optional ":user:group:mode:" that
 * gives the socket file's owner and mode (0666 without it).
 */
static int
conf_bsd_unix(struct conf_bsd *cb, int line, const char *word,
    struct service *se)
{
	char	*copy, *user, *group, *mode, *path, *end;
	long	 m;
	int	 rc = -1;

	if (word[0] != ':')
		return (conf_unix(cb->cb_file, line, se, word));
	copy = xstrdup(word);
	user = copy + 1;
	if ((group = strchr(user, ':')) == NULL ||
	    (mode = strchr(group + 1, ':')) == NULL ||
	    (path = strchr(mode + 1, ':')) == NULL) {
		conf_error(cb->cb_file, line, "'%s': want ':user:group:mode:' "
		    "before the socket's path", word);
		goto out;
	}
	*group++ = '\0';
	*mode++ = '\0';
	*path++ = '\0';
	m = strtol(mode, &end, 8);
	if (!conf_user_known(user, &se->se_sockuid, NULL))
		conf_error(cb->cb_file, line, "unknown user '%s'", user);
	else if (!conf_group_known(group, &se->se_sockgid))
		conf_error(cb->cb_file, line, "unknown group '%s'", group);
	else if (*mode < '0' || *mode > '7' || *end != '\0' || m > 0777)
		conf_error(cb->cb_file, line, "bad mode '%s' (want octal, at "
		    "most 0777)", mode);
#ifndef HAVE_LCHOWN
	else
		conf_error(cb->cb_file, line, "a unix socket's owner needs "
		    "lchown, which this system does not have");
#else
	else {
		se->se_sockown = 1;
		se->se_sockmode = (int)m;
		rc = conf_unix(cb->cb_file, line, se, path);
	}
#endif
out:
	free(copy);
	return (rc);
}

/*
 * The built-ins of the BSD inetds that pinetd does not have: an entry
 * naming one is skipped with a warning, not refused, so that a stock file
 * still reloads.
 */
static int
conf_bsd_other_builtin(const char *name)
{
	return (strcmp(name, "tcpmux") == 0 || strcmp(name, "auth") == 0 ||
	    strcmp(name, "ident") == 0);
}

/*
 * Parse one entry (continuation lines already joined). Returns the service, or
 * NULL for a line that defines none (counting an error when it was bad, and
 * setting cb_skipped for an entry of a kind pinetd does not run).
 */
struct service *
conf_bsd_line(struct conf_bsd *cb, int line, char *text, int *nerr)
{
	const struct conf_proto	*cp;
	struct service		*se;
	char			**w, *host, *port, *unclosed, *popts;
	const char		*name;
	int			 nw, socktype, error, wl[7], i;

	nw = conf_bsd_split(text, &w, &unclosed);
	if (nw == 0)
		return (NULL);
	for (i = 0; i < 7; i++)		/* the line of each field */
		wl[i] = i < nw ? conf_bsd_wline(cb, text, w[i], line) :
		    conf_bsd_wline(cb, text, w[nw - 1], line);
	if (unclosed != NULL) {
		conf_error(cb->cb_file, conf_bsd_wline(cb, text, unclosed,
		    line), "unterminated quote in '%s'", unclosed);
		goto fail;
	}
	if (*w[0] != '\0' && w[0][strlen(w[0]) - 1] == ':') {
		if (nw == 1) {		/* "host:" alone: the default host */
			conf_bsd_defhost(cb, w[0]);
			free(w);
			return (NULL);
		}
		/*
		 * "host: service ...": the host for this entry alone, as
		 * openbsd-inetd and NetBSD's read it. The service word moves
		 * up to the host's (in place: it lies after it in text).
		 */
		memmove(w[0] + strlen(w[0]), w[1], strlen(w[1]) + 1);
		for (i = 1; i < nw - 1; i++)
			w[i] = w[i + 1];
		for (i = 1; i < 6; i++)
			wl[i] = wl[i + 1];
		w[--nw] = NULL;		/* the list ends as it did */
	}
	if (nw < 6) {
		conf_error(cb->cb_file, wl[6], "missing fields after '%s' "
		    "(want service, socket type, protocol, wait, user, "
		    "program)", w[nw - 1]);
		goto fail;
	}

	if (strncmp(w[0], "tcpmux/", 7) == 0) {
		log_warnx("%s:%d: '%s': pinetd has no tcpmux services; entry "
		    "skipped", cb->cb_file, wl[0], w[0]);
		goto skip;
	}
	if ((socktype = conf_bsd_socktype(cb, wl[1], w[1])) == -1)
		goto fail;
	if ((popts = strchr(w[2], ',')) != NULL)
		*popts++ = '\0';	/* ",sndbuf=SIZE,rcvbuf=SIZE" */
	if (strncmp(w[2], "rpc/", 4) == 0) {
		log_warnx("%s:%d: protocol '%s': Sun-RPC services are not "
		    "supported in this build; entry skipped", cb->cb_file,
		    wl[2], w[2]);
		goto skip;
	}
	for (cp = conf_protos; cp->cp_name != NULL; cp++) {
		if (strcmp(cp->cp_name, w[2]) == 0)
			break;
	}
	if (cp->cp_name == NULL) {
		conf_error(cb->cb_file, wl[2], "unknown protocol '%s'", w[2]);
		goto fail;
	}
	if (cp->cp_socktype != 0 && cp->cp_socktype != socktype) {
		conf_error(cb->cb_file, wl[2], "socket type '%s' does not "
		    "match protocol '%s'", w[1], w[2]);
		goto fail;
	}

	se = service_new();
	se->se_file = intern(cb->cb_file);
	se->se_line = line;
	se->se_service = xstrdup(w[0]);
	se->se_proto = intern(w[2]);
	se->se_socktype = socktype;

	if ((popts != NULL && conf_bsd_bufs(cb, wl[2], popts, se) != 0) ||
	    conf_bsd_wait(cb, wl[3], w[3], se) != 0 ||
	    conf_bsd_user(cb, wl[4], w[4], se,
	    strcmp(w[5], "internal") == 0) != 0)
		goto fail_se;

	if (strcmp(w[5], "internal") == 0) {
		/*
		 * The built-in is the one named after "internal" or, as in
		 * every inetd, the service's own name (without host or rp,);
		 * "internal internal" is the old way of giving no name.
		 */
		name = strrchr(w[0], ':') != NULL ? strrchr(w[0], ':') + 1 :
		    w[0];
		if (strncmp(name, "rp,", 3) == 0)
			name += 3;
		if (nw > 6 && strcmp(w[6], "internal") != 0) {
			/* The BSDs ignore a word there that is no built-in. */
			if (builtin_find(w[6]) == NULL &&
			    builtin_find(name) != NULL)
				log_warnx("%s:%d: '%s' after internal is no "
				    "built-in; ignored for '%s'", cb->cb_file,
				    wl[6], w[6], name);
			else
				name = w[6];
		}
		/* A redirect replaces internal: no built-in is needed. */
		if ((se->se_builtin = builtin_find(name)) == NULL &&
		    !cb->cb_redirect) {
			if (conf_bsd_other_builtin(name)) {
				log_warnx("%s:%d: pinetd has no built-in '%s'; "
				    "entry skipped", cb->cb_file, name == w[6] ?
				    wl[6] : wl[0], name);
				service_free(se);
				goto skip;
			}
			conf_error(cb->cb_file, name == w[6] ? wl[6] : wl[0],
			    "unknown built-in service '%s'", name);
			goto fail_se;
		}
	} else if (conf_program(cb->cb_file, wl[5], se, w[5], w + 6,
	    nw - 6) != 0)
		goto fail_se;
	if (se->se_builtin == NULL && socktype == SOCK_DGRAM &&
	    !se->se_wait) {
		conf_error(cb->cb_file, wl[3], "'%s' with dgram and an external "
		    "program would start one server per datagram; use 'wait'",
		    w[3]);
		goto fail_se;
	}

	se->se_family = cp->cp_family;
	se->se_v6only = cp->cp_v6only;
	if (cp->cp_family == AF_UNIX) {
		if (conf_bsd_unix(cb, wl[0], w[0], se) != 0)
			goto fail_se;
	} else {
		if (socktype == SOCK_SEQPACKET) {
			conf_error(cb->cb_file, wl[1], "socket type '%s' needs "
			    "protocol 'unix'", w[1]);
			goto fail_se;
		}
		name = w[0];
		if (strncmp(name, "rp,", 3) == 0) {	/* kdb+'s -p rp,PORT */
			if (conf_reuseport(cb->cb_file, wl[0], se) != 0)
				goto fail_se;
			name += 3;
		}
		if (conf_bsd_hostport(cb, wl[0], name, &host, &port) != 0)
			goto fail_se;
		error = conf_inet(cb->cb_file, wl[0], se, host, port);
		free(host);
		free(port);
		if (error != 0)
			goto fail_se;
	}
	conf_finish(cb->cb_file, line, se);

	free(w);
	return (se);

fail_se:
	service_free(se);
fail:
	free(w);
	(*nerr)++;
	return (NULL);
skip:
	free(w);
	cb->cb_skipped = 1;
	return (NULL);
}

/* Free what the parser kept between lines. */
void
conf_bsd_free(struct conf_bsd *cb)
{
	free(cb->cb_defhost);
	free(cb->cb_contoff);
	free(cb->cb_contline);
	cb->cb_defhost = NULL;
	cb->cb_contoff = NULL;
	cb->cb_contline = NULL;
	cb->cb_ncont = 0;
}

/* Whether a line only continues the entry before it (starts with a blank). */
static int
conf_bsd_is_continuation(const char *line)
{
	const char	*p = line;

	if (*p != ' ' && *p != '\t')
		return (0);
	while (*p == ' ' || *p == '\t')
		p++;
	return (*p != '\0' && *p != '\n' && *p != '\r' && *p != '#');
}

/* Whether a line holds nothing: blank or a comment. */
static int
conf_bsd_is_empty(const char *line)
{
	while (*line == ' ' || *line == '\t' || *line == '\r' ||
	    *line == '\n')
		line++;
	return (*line == '\0' || *line == '#');
}

/*
 * Whether an indented line is an attribute line ("name = values", "+=" or
 * "-="), which gives an entry the controls of the xinetd dialect.
 */
static int
conf_bsd_is_attr(const char *line)
{
	const char	*p = line + strspn(line, " \t");

	p += strcspn(p, " \t=+-");
	p += strspn(p, " \t");
	return (*p == '=' || strncmp(p, "+=", 2) == 0 ||
	    strncmp(p, "-=", 2) == 0);
}

/*
 * Parse one whole entry with its attribute lines and add it to the list.
 * A "host:" line makes no service, so attribute lines under it are an error
 * rather than settings silently dropped (an only_from there protects
 * nothing).
 */
static void
conf_bsd_entry(struct conf_bsd *cb, struct conf_out *co, int line,
    char *text, struct xattr *attrs, int attrbad)
{
	struct service	*se;
	const char	*file;
	char		**v;
	int		 nerr = co->co_nerr, vline, redirect;

	redirect = attrs != NULL && xattr_values(NULL, attrs, "redirect",
	    &v, &file, &vline) != -1;
	if (redirect)
		free(v);
	cb->cb_redirect = redirect;
	cb->cb_skipped = 0;
	se = conf_bsd_line(cb, line, text, &co->co_nerr);
	cb->cb_redirect = 0;
	if (se == NULL) {
		if (co->co_nerr == nerr && attrs != NULL && !cb->cb_skipped) {
			conf_error(cb->cb_file, attrs->xa_line, "attribute "
			    "'%s' under a host line; attributes belong to a "
			    "service entry", attrs->xa_name);
			co->co_nerr++;
		}
		return;
	}
	/* A redirect replaces the program field, even "internal". */
	if (redirect)
		se->se_builtin = NULL;
	if (attrbad || xattr_apply(cb->cb_file, se, NULL, attrs) != 0 ||
	    xattr_bsd_flags(cb->cb_file, se, attrs) != 0) {
		service_free(se);
		if (!attrbad)
			co->co_nerr++;
		return;
	}
	conf_add(co, se);
}

/* Remember where a continuation line starts in the joined entry. */
static void
conf_bsd_cont(struct conf_bsd *cb, size_t off, int line)
{
	cb->cb_contoff = xreallocarray(cb->cb_contoff, cb->cb_ncont + 1,
	    sizeof *cb->cb_contoff);
	cb->cb_contline = xreallocarray(cb->cb_contline, cb->cb_ncont + 1,
	    sizeof *cb->cb_contline);
	cb->cb_contoff[cb->cb_ncont] = off;
	cb->cb_contline[cb->cb_ncont++] = line;
}

/* Read a whole inetd.conf file: entries, continuation and attribute lines. */
void
conf_bsd_load(const char *path, FILE *f, struct conf_out *co)
{
	struct conf_bsd	  cb;
	struct xattr	 *attrs = NULL;
	char		 *buf = NULL, *entry = NULL;
	size_t		  bufsize = 0, elen = 0, len;
	ssize_t		  n;
	int		  line = 0, eline = 0, attrbad = 0, cr, nul;

	memset(&cb, 0, sizeof cb);
	cb.cb_file = path;
	while ((n = getline(&buf, &bufsize, f)) != -1) {
		line++;
		/* What follows a NUL would be lost without a word. */
		if ((nul = memchr(buf, '\0', (size_t)n) != NULL)) {
			conf_error(path, line, "NUL byte in the line");
			co->co_nerr++;
		}
		/* The line end (LF or CR LF) is no part of a word, even quoted. */
		len = strcspn(buf, "\n");
		if (len > 0 && buf[len - 1] == '\r')
			len--;
		buf[len] = '\0';
		/* A file with CR line ends would be one long line. */
		if ((cr = strchr(buf, '\r') != NULL)) {
			conf_error(path, line, "carriage return inside the line "
			    "(line ends must be LF or CR LF)");
			co->co_nerr++;
		}
		cr |= nul;		/* either way, the line is refused */
		/*
		 * An indented comment inside an entry (an argument line
		 * commented out) is skipped; the entry goes on after it.
		 */
		if (entry != NULL && (*buf == ' ' || *buf == '\t') &&
		    buf[strspn(buf, " \t")] == '#')
			continue;
		if (entry != NULL && conf_bsd_is_continuation(buf) &&
		    conf_bsd_is_attr(buf)) {
			if (xattr_add(path, line, buf, XA_BSD, &attrs) != 0) {
				co->co_nerr++;
				attrbad = 1;
			}
			attrbad |= cr;
			continue;
		}
		if (entry != NULL && conf_bsd_is_continuation(buf)) {
			len = strlen(buf);
			entry = xreallocarray(entry, elen + len + 2, 1);
			entry[elen++] = '\n';	/* quotes end here */
			conf_bsd_cont(&cb, elen, line);
			memcpy(entry + elen, buf, len + 1);
			elen += len;
			attrbad |= cr;
			continue;
		}
		if (entry != NULL) {
			conf_bsd_entry(&cb, co, eline, entry, attrs, attrbad);
			free(entry);
			xattr_free(attrs);
			entry = NULL;
			attrs = NULL;
			attrbad = 0;
		}
		if (strncmp(buf, "#@", 2) == 0)
			log_warnx("%s:%d: IPsec policy line ignored (pinetd sets "
			    "no IPsec policy)", path, line);
		if (conf_bsd_is_empty(buf))
			continue;
		entry = xstrdup(buf);
		elen = strlen(entry);
		eline = line;
		attrbad = cr;	/* the whole entry is refused */
		cb.cb_ncont = 0;
	}
	if (ferror(f)) {
		log_warn("%s", path);
		co->co_nerr++;
	}
	if (entry != NULL) {
		conf_bsd_entry(&cb, co, eline, entry, attrs, attrbad);
		free(entry);
	}
	xattr_free(attrs);
	free(buf);
	conf_bsd_free(&cb);
}

/*
 * Whether a file of a BSD directory is one to read: no editor or package
 * manager leftovers (.name, name~, name.dpkg-old, name.rpmsave, ...).
 */
static int
conf_bsd_wanted(const char *name)
{
	size_t	len = strlen(name);

	return (len > 0 && name[0] != '.' && name[len - 1] != '~' &&
	    strstr(name, ".dpkg-") == NULL && strstr(name, ".rpm") == NULL &&
	    strstr(name, ".ucf-") == NULL);
}

/*
 * -b given a directory: every file in it, in name order, as inetd.conf
 * lines, as inetutils' inetd reads /etc/inetd.d. Each file starts with no
 * default host, as a file of its own would.
 */
void
conf_bsd_dir(const char *dir, struct conf_out *co)
{
	struct dirent	**names;
	const char	 *why;
	char		 *path;
	FILE		 *f;
	int		  n, i;

	if ((n = scandir(dir, &names, NULL, alphasort)) == -1) {
		log_warn("%s", dir);
		co->co_nerr++;
		return;
	}
	for (i = 0; i < n; i++) {
		if (conf_bsd_wanted(names[i]->d_name)) {
			path = conf_join(dir, names[i]->d_name);
			if ((why = conf_regular(path)) != NULL)
				log_warnx("%s: skipped '%s': %s", dir, path,
				    why);
			else if ((f = conf_fopen(path)) == NULL) {
				log_warn("%s", path);
				co->co_nerr++;
			} else {
				conf_bsd_load(path, f, co);
				fclose(f);
			}
			free(path);
		}
		free(names[i]);
	}
	free(names);
}
