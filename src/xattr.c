/*
 * The "attribute = values" lines both dialects share: which attributes
 * pinetd knows and where each may appear, parsing one line, finding a
 * value in a service's block or its defaults, and applying the attributes
 * every service may have (access lists, limits, cps, environment, log
 * flags), for xinetd blocks and for the lines under BSD entries alike.
 */

#include "pinetd.h"

#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define XA_ALL		(XA_SVC|XA_DEF|XA_BSD)

/* An attribute pinetd knows, and where it may appear. */
struct xattr_known {
	const char	*xk_name;
	int		 xk_where;
	int		 xk_fold;	/* how its keywords are spelt */
};

/*
 * xinetd compares keywords without regard to case (wait = No, per_source =
 * unlimited, flags = ipv4): a value that is a keyword whatever its case is
 * given the spelling the rest of pinetd compares with, once, here. Names,
 * paths, arguments, addresses and anything else keep theirs (an error
 * about a keyword shows pinetd's spelling of it).
 */
#define XF_NONE		0
#define XF_ALL		1	/* any word may be a keyword */
#define XF_FIRST	2	/* the first only (log_type SYSLOG or FILE) */
#define XF_FLAGS	3	/* flags: the flag tables' spellings */

static const struct xattr_known xattr_known[] = {
	{ "socket_type",	XA_SVC, XF_ALL },
	{ "protocol",		XA_SVC, XF_ALL },
	{ "wait",		XA_SVC, XF_ALL },
	{ "user",		XA_SVC, XF_NONE },
	{ "group",		XA_SVC, XF_NONE },
	{ "server",		XA_SVC, XF_NONE },
	{ "server_args",	XA_SVC, XF_NONE },
	{ "port",		XA_SVC, XF_NONE },
	{ "bind",		XA_SVC|XA_DEF, XF_NONE },
	{ "interface",		XA_SVC|XA_DEF, XF_NONE },
	{ "flags",		XA_ALL, XF_FLAGS },
	{ "disable",		XA_SVC, XF_ALL },
	{ "type",		XA_SVC, XF_ALL },
	{ "id",			XA_SVC, XF_NONE },
	{ "env",		XA_ALL, XF_NONE },
	{ "passenv",		XA_ALL, XF_NONE },
	{ "only_from",		XA_ALL, XF_NONE },
	{ "no_access",		XA_ALL, XF_NONE },
	{ "instances",		XA_ALL, XF_ALL },
	{ "per_source",		XA_ALL, XF_ALL },
	{ "cps",		XA_ALL, XF_NONE },
	{ "log_type",		XA_ALL, XF_FIRST },
	{ "log_on_success",	XA_ALL, XF_ALL },
	{ "log_on_failure",	XA_ALL, XF_ALL },
	{ "redirect",		XA_SVC|XA_BSD, XF_NONE },
	{ "cpu_affinity",	XA_ALL, XF_NONE },
	{ "tls_cert",		XA_SVC|XA_BSD, XF_NONE },
	{ "tls_key",		XA_SVC|XA_BSD, XF_NONE },
	{ "console",		XA_ALL, XF_NONE },
	{ "handoff",		XA_SVC|XA_BSD, XF_ALL },
	{ "umask",		XA_ALL, XF_NONE },
	{ "nice",		XA_ALL, XF_NONE },
	{ "groups",		XA_ALL, XF_ALL },
	{ "banner",		XA_ALL, XF_NONE },
	{ "banner_success",	XA_ALL, XF_NONE },
	{ "banner_fail",	XA_ALL, XF_NONE },
	{ "rlimit_as",		XA_ALL, XF_ALL },
	{ "rlimit_cpu",		XA_ALL, XF_ALL },
	{ "rlimit_data",	XA_ALL, XF_ALL },
	{ "rlimit_rss",		XA_ALL, XF_ALL },
	{ "rlimit_stack",	XA_ALL, XF_ALL },
	{ "rlimit_files",	XA_ALL, XF_ALL },
	{ "max_load",		XA_ALL, XF_NONE },
	{ "access_times",	XA_ALL, XF_NONE },
	{ "sndbuf",		XA_ALL, XF_NONE },
	{ "rcvbuf",		XA_ALL, XF_NONE },
	{ "v6only",		XA_SVC|XA_DEF, XF_ALL },
	{ "disabled",		XA_DEF, XF_NONE },
	{ "enabled",		XA_DEF, XF_NONE },
	{ NULL,			0, XF_NONE }
};

/* Attributes of xinetd that pinetd does not have yet: a clear error. */
static const char *xattr_later[] = {
	NULL
};

/* Attributes that make no sense for pinetd: accepted with a warning. */
static const char *xattr_ignored[] = {
	"mdns", "deny_time", "libwrap", "rpc_version",
	"rpc_number", "redirect_hostname", "include", NULL
};

/*
 * Lists that add up in defaults, as in xinetd: there '=' does what '+='
 * does, so two defaults blocks (or two lines of one) both count.
 */
static const char *xattr_cumulative[] = {
	"only_from", "no_access", "log_on_success", "log_on_failure",
	"passenv", "disabled", "enabled", NULL
};

/*
 * The lists '+=' and '-=' apply to. On anything else xinetd ignores the
 * line; here it is an error, as access_times += would have widened access.
 */
static const char *xattr_lists[] = {
	"only_from", "no_access", "log_on_success", "log_on_failure",
	"passenv", "env", "flags", "disabled", "enabled", "cpu_affinity",
	NULL
};

/* Attributes with one value (or one group of values): set once a block. */
static const char *xattr_single[] = {
	"socket_type", "protocol", "wait", "user", "group", "server", "port",
	"bind", "interface", "disable", "id", "instances", "per_source", "cps",
	"log_type", "redirect", "tls_cert", "tls_key", "console", "handoff",
	"umask", "nice", "groups", "banner", "banner_success", "banner_fail",
	"rlimit_as", "rlimit_cpu", "rlimit_data", "rlimit_rss", "rlimit_stack",
	"rlimit_files", "max_load", "sndbuf", "rcvbuf", "server_args",
	"cpu_affinity", "v6only", NULL
};

/* The keywords values may be, in the spelling pinetd compares with. */
static const char *xattr_keywords[] = {
	"yes", "no", "stream", "dgram", "seqpacket", "raw", "rdm", "tcp",
	"udp", "pipe", "port", "socket", "UNLIMITED", "INTERNAL", "UNLISTED",
	"RPC", "TCPMUX", "TCPMUXPLUS", "SYSLOG", "FILE", "HOST", "PID", "EXIT",
	"DURATION", "USERID", "ATTEMPT", "RECORD", "TRAFFIC", NULL
};

/* Flags pinetd uses. */
static const char *xattr_flags_used[] = {
	"REUSE", "IPv4", "IPv6", "NODELAY", "KEEPALIVE", "NAMEINARGS",
	"REUSEPORT", NULL
};

/* xinetd's other flags: accepted, with a warning, as pinetd has no use. */
static const char *xattr_flags_other[] = {
	"INTERCEPT", "NORETRY", "IDONLY", "NOLIBWRAP", "SENSOR", "LABELED",
	NULL
};

/* Whether a word is in a NULL-terminated list. */
static int
xattr_in(const char *word, const char **list)
{
	for (; *list != NULL; list++) {
		if (strcmp(word, *list) == 0)
			return (1);
	}
	return (0);
}

/* Look up an attribute name. */
static const struct xattr_known *
xattr_find(const char *name)
{
	const struct xattr_known	*xk;

	for (xk = xattr_known; xk->xk_name != NULL; xk++) {
		if (strcmp(xk->xk_name, name) == 0)
			return (xk);
	}
	return (NULL);
}

/* Free a list of attribute records. */
void
xattr_free(struct xattr *xa)
{
	struct xattr	*next;
	int		 i;

	for (; xa != NULL; xa = next) {
		next = xa->xa_next;
		for (i = 0; i < xa->xa_n; i++)
			free(xa->xa_v[i]);
		free(xa->xa_v);
		free(xa->xa_name);
		intern_drop(xa->xa_file);
		free(xa);
	}
}

/* Spell a word as the list does if it is in it whatever its case. */
static void
xattr_spell(char *word, const char **list)
{
	for (; *list != NULL; list++) {
		if (strcasecmp(*list, word) == 0) {
			strcpy(word, *list);	/* the same length */
			return;
		}
	}
}

/* Give an attribute's keywords the spelling pinetd compares with. */
static void
xattr_fold(struct xattr *xa, int how)
{
	int	i;

	for (i = 0; i < xa->xa_n && how != XF_NONE; i++) {
		if (how == XF_FLAGS) {
			xattr_spell(xa->xa_v[i], xattr_flags_used);
			xattr_spell(xa->xa_v[i], xattr_flags_other);
		} else
			xattr_spell(xa->xa_v[i], xattr_keywords);
		if (how == XF_FIRST)
			break;
	}
}

/*
 * Parse "name = values", "name += values" or "name -= values". Returns the
 * record, or NULL with an error reported (or, for an accepted-but-ignored
 * attribute, only a warning: *ignored is set).
 */
static struct xattr *
xattr_parse(const char *file, int line, char *text, int where, int *ignored)
{
	const struct xattr_known	*xk;
	struct xattr			*xa;
	char				*p = text, *start, *name, *op, *word;
	int				 len;

	*ignored = 0;
	while (*p == ' ' || *p == '\t')
		p++;
	start = p;
	while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '=' &&
	    *p != '+' && *p != '-')
		p++;
	if (p == start) {
		conf_error(file, line, "expected an attribute, not '%s'", text);
		return (NULL);
	}
	len = (int)(p - start);
	name = xmalloc(len + 1);
	memcpy(name, start, len);
	name[len] = '\0';
	for (word = name; *word != '\0'; word++)	/* Port is port */
		*word = tolower((unsigned char)*word);
	while (*p == ' ' || *p == '\t')
		p++;
	op = p;
	if (strncmp(p, "+=", 2) == 0 || strncmp(p, "-=", 2) == 0)
		p += 2;
	else if (*p == '=')
		p++;
	else {
		conf_error(file, line, "expected '=', '+=' or '-=' after "
		    "attribute '%s'", name);
		free(name);
		return (NULL);
	}

	if (xattr_in(name, xattr_ignored)) {
		log_warnx("%s:%d: attribute '%s' does not apply to pinetd; "
		    "ignored", file, line, name);
		free(name);
		*ignored = 1;
		return (NULL);
	}
	if (xattr_in(name, xattr_later)) {
		conf_error(file, line, "attribute '%s' is not supported by this "
		    "version of pinetd", name);
		free(name);
		return (NULL);
	}
	if ((xk = xattr_find(name)) == NULL) {	/* said as written */
		conf_error(file, line, "unknown attribute '%.*s'", len, start);
		free(name);
		return (NULL);
	}

	if ((xk->xk_where & where) == 0) {
		conf_error(file, line, "attribute '%s' is not allowed %s", name,
		    where == XA_DEF ? "in defaults" : where == XA_BSD ?
		    "on an inetd.conf entry (its fields say that)" : "here");
		free(name);
		return (NULL);
	}

	if (*op != '=' && !xattr_in(name, xattr_lists)) {
		conf_error(file, line, "'%c=' on '%s', which is no list (only "
		    "only_from, no_access, log_on_*, passenv, env, flags, "
		    "disabled, enabled and cpu_affinity take it)", *op, name);
		free(name);
		return (NULL);
	}
	xa = xcalloc(1, sizeof *xa);
	xa->xa_name = name;
	xa->xa_op = op[0] == '+' ? XOP_ADD : op[0] == '-' ? XOP_DEL : XOP_SET;
	xa->xa_file = intern(file);
	xa->xa_line = line;
	while ((word = strsep(&p, " \t\r\n")) != NULL) {
		if (*word == '\0')
			continue;
		xa->xa_v = xreallocarray(xa->xa_v, xa->xa_n + 1,
		    sizeof *xa->xa_v);
		xa->xa_v[xa->xa_n++] = xstrdup(word);
	}
	xattr_fold(xa, xk->xk_fold);
	return (xa);
}

/*
 * A second line setting a single-valued attribute in one block: xinetd
 * keeps the first and warns; here it is an error naming both lines.
 */
static int
xattr_twice(const char *file, const struct xattr *block,
    const struct xattr *xa)
{
	const char	*other = NULL;

	if (xa->xa_op != XOP_SET || !xattr_in(xa->xa_name, xattr_single))
		return (0);
	if (strcmp(xa->xa_name, "bind") == 0)	/* one address, two names */
		other = "interface";
	else if (strcmp(xa->xa_name, "interface") == 0)
		other = "bind";
	for (; block != NULL; block = block->xa_next) {
		if (other != NULL && strcmp(block->xa_name, other) == 0) {
			conf_error(file, xa->xa_line, "'%s' and '%s' (line %d) "
			    "name one address; give one", xa->xa_name, other,
			    block->xa_line);
			return (-1);
		}
		if (strcmp(block->xa_name, xa->xa_name) == 0) {
			conf_error(file, xa->xa_line, "attribute '%s' given "
			    "twice (first at line %d)", xa->xa_name,
			    block->xa_line);
			return (-1);
		}
	}
	return (0);
}

/*
 * The values an attribute ends up with, folding defaults then the service;
 * *file and *line are set to where the last line setting it is, so errors
 * about a value from defaults name the defaults' file.
 */
int
xattr_values(const struct xattr *def, const struct xattr *svc,
    const char *name, char ***out, const char **file, int *line)
{
	const struct xattr	*lists[2] = { def, svc }, *xa;
	char			**v = NULL;
	int			  n = 0, i, j, k, found = 0;

	for (k = 0; k < 2; k++) {
		for (xa = lists[k]; xa != NULL; xa = xa->xa_next) {
			if (strcmp(xa->xa_name, name) != 0)
				continue;
			found = 1;
			*file = xa->xa_file;
			*line = xa->xa_line;
			if (xa->xa_op == XOP_SET && (k == 1 ||
			    !xattr_in(name, xattr_cumulative)))
				n = 0;
			for (i = 0; i < xa->xa_n; i++) {
				if (xa->xa_op == XOP_DEL) {
					for (j = 0; j < n; j++) {
						if (strcmp(v[j], xa->xa_v[i])
						    == 0)
							v[j--] = v[--n];
					}
					continue;
				}
				v = xreallocarray(v, n + 1, sizeof *v);
				v[n++] = xa->xa_v[i];
			}
		}
	}
	*out = v;
	return (found ? n : -1);
}

/* One value of a single-valued attribute, or NULL if not given. */
const char *
xattr_one(const char **file, const struct xattr *def, const struct xattr *svc,
    const char *name, int *line, int *bad)
{
	const char	*value;
	char		**v;
	int		  n;

	if ((n = xattr_values(def, svc, name, &v, file, line)) == -1)
		return (NULL);
	if (n != 1) {
		conf_error(*file, *line, "attribute '%s' wants one value", name);
		(*bad)++;
		free(v);
		return (NULL);
	}
	value = v[0];
	free(v);
	return (value);
}

/* A limit: a number or UNLIMITED (0). */
static int
xattr_limit(const char *file, int line, const char *name, const char *value,
    int *out)
{
	long	v;

	if (strcmp(value, "UNLIMITED") == 0) {
		*out = 0;
		return (0);
	}
	if ((v = conf_number(value, 0, 1000000)) == -1) {
		conf_error(file, line, "bad value '%s' for '%s'", value, name);
		return (-1);
	}
	*out = v == 0 ? LIMIT_NONE : (int)v;	/* as xinetd: no client */
	return (0);
}

/* The flags each of log_on_success and log_on_failure takes in xinetd. */
static const char *xattr_success_flags[] = {
	"PID", "HOST", "USERID", "EXIT", "DURATION", "TRAFFIC", NULL
};
static const char *xattr_failure_flags[] = {
	"HOST", "USERID", "ATTEMPT", "RECORD", NULL
};

/* log_on_success / log_on_failure flags into bits. */
static int
xattr_logflags(const char *file, int line, const char *name, char **v, int n,
    int *out)
{
	const char	**mine = xattr_success_flags;
	const char	 *other = "log_on_failure";
	int		  i;

	if (strcmp(name, "log_on_failure") == 0) {
		mine = xattr_failure_flags;
		other = "log_on_success";
	}
	*out = 0;
	for (i = 0; i < n; i++) {
		if (!xattr_in(v[i], mine)) {
			if (xattr_in(v[i], xattr_success_flags) ||
			    xattr_in(v[i], xattr_failure_flags))
				conf_error(file, line, "'%s' is a flag of %s, "
				    "not of %s", v[i], other, name);
			else
				conf_error(file, line, "unknown %s flag '%s'",
				    name, v[i]);
			return (-1);
		}
		if (strcmp(v[i], "PID") == 0)
			*out |= LOGF_PID;
		else if (strcmp(v[i], "HOST") == 0)
			*out |= LOGF_HOST;
		else if (strcmp(v[i], "EXIT") == 0)
			*out |= LOGF_EXIT;
		else if (strcmp(v[i], "DURATION") == 0)
			*out |= LOGF_DURATION;
		else if (strcmp(v[i], "ATTEMPT") == 0)
			*out |= LOGF_ATTEMPT;
		else
			log_warnx("%s:%d: %s flag '%s' is not supported; "
			    "ignored", file, line, name, v[i]);
	}
	return (0);
}

/*
 * A wait stream service that runs a program hands its listening socket to
 * the server, which accepts: the access lists, access_times and max_load
 * it names itself can never apply, which is said at load rather than left
 * for an admin to find out.
 */
static void
xattr_wait_stream(const struct service *se, const struct xattr *svc)
{
	static const char	*names[] = { "only_from", "no_access",
				    "access_times", "max_load" };
	const char		*file;
	char			**v;
	unsigned int		 i;
	int			 line;

	if (se->se_socktype != SOCK_STREAM || !se->se_wait ||
	    se->se_builtin != NULL || se->se_redirectlen != 0)
		return;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (xattr_values(NULL, svc, names[i], &v, &file, &line) == -1)
			continue;
		free(v);
		log_warnx("%s:%d: %s does not apply to a wait stream program, "
		    "whose server accepts its own connections; ignored", file,
		    line, names[i]);
	}
}

/*
 * Apply the attributes that are not about the socket or the program: access
 * lists, limits, environment, logging. Used for xinetd services and for the
 * attribute lines of BSD entries.
 */
int
xattr_apply(const char *file, struct service *se, const struct xattr *def,
    const struct xattr *svc)
{
	static const char	*lists[] = { "only_from", "no_access" };
	static const char	*bufs[] = { "sndbuf", "rcvbuf" };
	struct acl_list		*acls[2];
	char			**v, **pass;
	const char		*value, *cert, *key;
	int			  n, npass, i, k, line = se->se_line, bad = 0;

	acls[0] = &se->se_only_from;
	acls[1] = &se->se_no_access;
	for (k = 0; k < 2; k++) {
		if ((n = xattr_values(def, svc, lists[k], &v, &file,
		    &line)) == -1)
			continue;
		acls[k]->al_set = 1;
		for (i = 0; i < n; i++) {
			if (acl_parse(file, line, acls[k], v[i], k == 0) != 0)
				bad++;
		}
		free(v);
	}
	if ((value = xattr_one(&file, def, svc, "instances", &line, &bad)) !=
	    NULL && xattr_limit(file, line, "instances", value,
	    &se->se_instances) != 0)
		bad++;
	if ((value = xattr_one(&file, def, svc, "per_source", &line, &bad)) !=
	    NULL && xattr_limit(file, line, "per_source", value,
	    &se->se_per_source) != 0)
		bad++;
	/* Its server accepts: nothing could refuse the clients. */
	if (se->se_wait && se->se_socktype != SOCK_DGRAM &&
	    se->se_builtin == NULL && limit_none(se) != NULL) {
		conf_error(file, line, "%s = 0 (no client) cannot apply to a "
		    "wait stream server, which accepts for itself",
		    limit_none(se));
		bad++;
	}
	for (k = 0; k < 2; k++) {
		if ((value = xattr_one(&file, def, svc, bufs[k], &line,
		    &bad)) != NULL && conf_bufsize(file, line, bufs[k], value,
		    k == 0 ? &se->se_sndbuf : &se->se_rcvbuf) != 0)
			bad++;
	}
	if ((n = xattr_values(def, svc, "cps", &v, &file, &line)) != -1) {
		/* A rate of 0 is no limit, as in xinetd (cps = 0 0). */
		if (n != 2 || (se->se_cps = (int)conf_number(v[0], 0,
		    1000000)) == -1 || (se->se_cps_pause = (int)conf_number(
		    v[1], se->se_cps == 0 ? 0 : 1, 86400)) == -1) {
			conf_error(file, line, "cps wants a rate (1 to "
			    "1000000, or 0 for none) and a pause in seconds (1 "
			    "to 86400), not '%s%s%s'", n > 0 ? v[0] : "",
			    n > 1 ? " " : "", n > 1 ? v[1] : "");
			se->se_cps = 0;
			bad++;
		}
		free(v);
	}
	if ((n = xattr_values(def, svc, "log_on_success", &v, &file,
	    &line)) != -1) {
		if (xattr_logflags(file, line, "log_on_success", v, n,
		    &se->se_log_success) != 0)
			bad++;
		free(v);
	}
	if ((n = xattr_values(def, svc, "log_on_failure", &v, &file,
	    &line)) != -1) {
		if (xattr_logflags(file, line, "log_on_failure", v, n,
		    &se->se_log_failure) != 0)
			bad++;
		free(v);
	}
	/* As in xinetd, passenv (even empty) is what leaves the rest out. */
	if ((npass = xattr_values(def, svc, "passenv", &pass, &file,
	    &line)) == -1)
		npass = 0;
	else
		se->se_cleanenv = 1;
	if ((n = xattr_values(def, svc, "env", &v, &file, &line)) == -1)
		n = 0;
	for (i = 0; i < n; i++) {
		if (strchr(v[i], '=') == NULL || v[i][0] == '=') {
			conf_error(file, line, "env wants NAME=value, not '%s'",
			    v[i]);
			bad++;
		}
	}
	if (bad == 0)
		env_service(se, v, n, pass, npass);
	free(v);
	free(pass);
	if (conf_child_apply(se->se_file, se, def, svc) != 0)
		bad++;
	cert = xattr_one(&file, NULL, svc, "tls_cert", &line, &bad);
	key = xattr_one(&file, NULL, svc, "tls_key", &line, &bad);
	if ((cert == NULL) != (key == NULL)) {
		conf_error(file, line, "TLS needs both tls_cert and tls_key");
		bad++;
	} else if (cert != NULL && tls_load(file, line, se, cert, key) != 0)
		bad++;
	else if (cert != NULL && se->se_banners != NULL) {
		/* Banners go out on the raw socket, before any handshake. */
		conf_error(file, line, "a banner cannot go with TLS: it would "
		    "be sent in the clear, before the handshake");
		bad++;
	}
	if ((n = xattr_values(NULL, svc, "redirect", &v, &file, &line)) != -1) {
		if (n != 2 || conf_redirect(file, line, se, v[0], v[1]) != 0) {
			if (n != 2)
				conf_error(file, line, "redirect wants a host "
				    "and a port");
			bad++;
		}
		free(v);
	}

	if ((n = xattr_values(def, svc, "flags", &v, &file, &line)) != -1) {
		for (i = 0; i < n; i++) {
			if (strcmp(v[i], "NODELAY") == 0)
				se->se_nodelay = 1;
			else if (strcmp(v[i], "KEEPALIVE") == 0)
				se->se_keepalive = 1;
		}
		free(v);
	}
	if (bad == 0)
		xattr_wait_stream(se, svc);
	return (bad == 0 ? 0 : -1);
}

/*
 * flags on a BSD entry, after xattr_apply set NODELAY and KEEPALIVE:
 * REUSEPORT is the "rp," prefix written another way; REUSE is always in
 * effect; xinetd's others have no meaning there (the protocol field
 * chooses the family, the program field argv[0]) and are ignored with a
 * warning; a word that is no flag is an error, as in a block.
 */
int
xattr_bsd_flags(const char *file, struct service *se, const struct xattr *svc)
{
	char	**v;
	int	  n, i, line = se->se_line, bad = 0;

	if ((n = xattr_values(NULL, svc, "flags", &v, &file, &line)) == -1)
		return (0);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i], "REUSEPORT") == 0 &&
		    se->se_family != AF_UNIX) {
			if (conf_reuseport(file, line, se) != 0)
				bad++;
		} else if (!xattr_in(v[i], xattr_flags_used) &&
		    !xattr_in(v[i], xattr_flags_other)) {
			conf_error(file, line, "unknown flag '%s'", v[i]);
			bad++;
		} else if (strcmp(v[i], "NODELAY") != 0 &&
		    strcmp(v[i], "KEEPALIVE") != 0 &&
		    strcmp(v[i], "REUSE") != 0)
			log_warnx("%s:%d: flag '%s' does not apply to this "
			    "entry; ignored", file, line, v[i]);
	}
	free(v);
	return (bad == 0 ? 0 : -1);
}

/* The socket, program and identity of an xinetd service. */

/*
 * Whether a word is one of xinetd's flags: 1 for those pinetd uses, 2 for
 * those it accepts and ignores, 0 for a word that is no flag.
 */
int
xattr_flag(const char *word)
{
	if (xattr_in(word, xattr_flags_used))
		return (1);
	if (xattr_in(word, xattr_flags_other))
		return (2);
	return (0);
}

/*
 * Parse one attribute line of a block (or of a BSD entry) and append it to
 * the block's list. 0 when it was added or ignored with a warning; -1 after
 * an error was reported (a bad line, or a single-valued attribute given
 * twice), which the caller counts.
 */
int
xattr_add(const char *file, int line, char *text, int where,
    struct xattr **list)
{
	struct xattr	*xa, **tail;
	int		 ignored;

	if ((xa = xattr_parse(file, line, text, where, &ignored)) == NULL)
		return (ignored ? 0 : -1);
	if (xattr_twice(file, *list, xa) != 0) {
		xattr_free(xa);
		return (-1);
	}
	for (tail = list; *tail != NULL; tail = &(*tail)->xa_next)
		;
	*tail = xa;
	return (0);
}
