/*
 * Building blocks shared by the configuration dialects: what a user, an
 * address, a program means, resolved once at load time into a service.
 */

#include "pinetd.h"

#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#ifdef HAVE_GETPWNAM
#include <grp.h>
#include <pwd.h>
#endif
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Parse a whole decimal number in a range; -1 if it is not one. */
long
conf_number(const char *s, long min, long max)
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

/*
 * The last user, group and group list looked up, and the last program
 * found executable. Most files name the same user on every line, and each
 * look-up reads /etc/passwd or /etc/group, so one load asks once per
 * distinct name (and reads the daemon's own ids once, not per line);
 * conf_cache_reset forgets it all before and after each load, so a reload
 * sees changed files.
 */
static struct {
	char	*user;		/* last user name; NULL if none */
	char	*user_name;	/* its passwd name (it may be a number) */
	int	 user_ok;
	uid_t	 uid;
	gid_t	 gid;
	char	*group;		/* last group name */
	int	 group_ok;
	gid_t	 group_gid;
	char	*gl_user;	/* last supplementary group list */
	gid_t	 gl_gid;
	gid_t	*gl_groups;
	int	 gl_n;
	char	*program;	/* last server program found executable */
	int	 program_setuser;	/* by this user (its groups come */
	uid_t	 program_uid;		/* from its name and gid) */
	gid_t	 program_gid;
	int	 program_nogroups;
	int	 self_ok;	/* the daemon's own credentials, once read */
	uid_t	 self_uid;
	gid_t	 self_gid;
	gid_t	 self_groups[256];
	int	 self_n;	/* -1: getgroups failed */
	int	 inet6;		/* conf_have_inet6: 0 not asked, 1 yes, -1 no */
} conf_cache;

/* Forget every cached look-up. */
void
conf_cache_reset(void)
{
	free(conf_cache.user);
	free(conf_cache.user_name);
	free(conf_cache.group);
	free(conf_cache.gl_user);
	free(conf_cache.gl_groups);
	free(conf_cache.program);
	memset(&conf_cache, 0, sizeof conf_cache);
	acl_names_reset();
}

#ifdef HAVE_GETPWNAM
/*
 * Whether a user exists (cached), by name or by number; its ids in *uid and
 * *gid.
 */
int
conf_user_known(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd	*pw;
	long		 id;

	if (conf_cache.user == NULL || strcmp(conf_cache.user, user) != 0) {
		free(conf_cache.user);
		free(conf_cache.user_name);
		conf_cache.user = xstrdup(user);
		conf_cache.user_name = NULL;
		conf_cache.user_ok = *user != '\0' &&
		    ((pw = getpwnam(user)) != NULL ||
		    ((id = conf_number(user, 0, INT_MAX)) != -1 &&
		    (pw = getpwuid((uid_t)id)) != NULL));
		if (conf_cache.user_ok) {
			conf_cache.uid = pw->pw_uid;
			conf_cache.gid = pw->pw_gid;
			conf_cache.user_name = xstrdup(pw->pw_name);
		}
	}
	if (uid != NULL)
		*uid = conf_cache.uid;
	if (gid != NULL)
		*gid = conf_cache.gid;
	return (conf_cache.user_ok);
}

/* Whether a group exists (cached); its id in *gid. */
int
conf_group_known(const char *group, gid_t *gid)
{
	struct group	*gr;
	long		 id;

	if (conf_cache.group == NULL || strcmp(conf_cache.group, group) != 0) {
		free(conf_cache.group);
		conf_cache.group = xstrdup(group);
		conf_cache.group_ok = *group != '\0' &&
		    ((gr = getgrnam(group)) != NULL ||
		    ((id = conf_number(group, 0, INT_MAX)) != -1 &&
		    (gr = getgrgid((gid_t)id)) != NULL));
		if (conf_cache.group_ok)
			conf_cache.group_gid = gr->gr_gid;
	}
	*gid = conf_cache.group_gid;
	return (conf_cache.group_ok);
}

#else
/*
 * No user database to switch to (Windows): every name is accepted and the
 * server runs as the daemon does; conf_finish says so once per service.
 */
int
conf_user_known(const char *user, uid_t *uid, gid_t *gid)
{
	if (uid != NULL)
		*uid = 0;
	if (gid != NULL)
		*gid = 0;
	return (*user != '\0');
}

/* No group database either: any group name is accepted and means nothing. */
int
conf_group_known(const char *group, gid_t *gid)
{
	*gid = 0;
	return (*group != '\0');
}
#endif

/* Look up the user and optional group a server runs as, once, at load. */
int
conf_user(const char *file, int line, struct service *se, const char *user,
    const char *group)
{
	if (!conf_user_known(user, &se->se_uid, &se->se_gid)) {
		conf_error(file, line, "unknown user '%s'", user);
		return (-1);
	}
	intern_drop(se->se_user);
	/* A number becomes its name, which initgroups wants. */
	se->se_user = intern(conf_cache.user_name != NULL ?
	    conf_cache.user_name : user);
	if (group != NULL) {
		if (!conf_group_known(group, &se->se_gid)) {
			conf_error(file, line, "unknown group '%s'", group);
			return (-1);
		}
		intern_drop(se->se_group);
		se->se_group = intern(group);
	}
	return (0);
}

#ifdef HAVE_GETPWNAM
/* Work out the supplementary groups of the user once, at load time. */
static void
conf_groups(struct service *se)
{
#ifdef HAVE_GETGROUPLIST
	int	 n = 16;
	gid_t	*g = NULL;
	long	 max;

	if (conf_cache.gl_user != NULL && conf_cache.gl_gid == se->se_gid &&
	    strcmp(conf_cache.gl_user, se->se_user) == 0) {
		se->se_ngroups = conf_cache.gl_n;
		se->se_groups = xreallocarray(NULL, conf_cache.gl_n,
		    sizeof *se->se_groups);
		memcpy(se->se_groups, conf_cache.gl_groups,
		    conf_cache.gl_n * sizeof *se->se_groups);
		return;
	}

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
	/*
	 * More than setgroups takes (16 on macOS) would fail every start:
	 * keep the first ones, as initgroups does there.
	 */
	if ((max = sysconf(_SC_NGROUPS_MAX)) > 0 && n > max)
		n = (int)max;
	se->se_groups = g;
	se->se_ngroups = n;
	free(conf_cache.gl_user);
	free(conf_cache.gl_groups);
	conf_cache.gl_user = xstrdup(se->se_user);
	conf_cache.gl_gid = se->se_gid;
	conf_cache.gl_n = n;
	conf_cache.gl_groups = xreallocarray(NULL, n, sizeof *g);
	memcpy(conf_cache.gl_groups, g, n * sizeof *g);
#else
	(void)se;
#endif
}

/* Whether a group is in a list (the primary group always counts). */
static int
conf_in_groups(gid_t g, gid_t primary, const gid_t *list, int n)
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

/* The daemon's own user, group and groups, read once per load. */
static void
conf_self(void)
{
	if (conf_cache.self_ok)
		return;
	conf_cache.self_uid = geteuid();
	conf_cache.self_gid = getegid();
	conf_cache.self_n = getgroups(256, conf_cache.self_groups);
	conf_cache.self_ok = 1;
}

/*
 * Whether the daemon's supplementary groups are none or gid alone: then a
 * service with groups = no running as the daemon's own user has nothing to
 * drop, and needs no fork to drop it.
 */
int
conf_self_groups_only(gid_t gid)
{
	int	i;

	conf_self();
	if (conf_cache.self_n == -1)
		return (0);
	for (i = 0; i < conf_cache.self_n; i++) {
		if (conf_cache.self_groups[i] != gid)
			return (0);
	}
	return (1);
}

/*
 * Whether the service runs as the daemon already does (same user, group and
 * supplementary groups: with groups = no, its group alone), so the child
 * needs no switch and can be started by posix_spawn.
 */
static int
conf_same_user(const struct service *se)
{
	const gid_t	*groups = conf_cache.self_groups;
	int		 n, i;

	conf_self();
	if (se->se_uid != conf_cache.self_uid ||
	    se->se_gid != conf_cache.self_gid)
		return (0);
	if (se->se_nogroups)
		return (conf_self_groups_only(se->se_gid));
	if (se->se_groups == NULL)
		return (0);
	if ((n = conf_cache.self_n) == -1)
		return (0);
	for (i = 0; i < n; i++) {
		if (!conf_in_groups(groups[i], se->se_gid, se->se_groups,
		    se->se_ngroups))
			return (0);
	}
	for (i = 0; i < se->se_ngroups; i++) {
		if (!conf_in_groups(se->se_groups[i], se->se_gid, groups,
		    n))
			return (0);
	}
	return (1);
}

#else /* HAVE_GETPWNAM */

/* Without users and groups there is nothing to drop. */
int
conf_self_groups_only(gid_t gid)
{
	(void)gid;
	return (1);
}

#endif /* HAVE_GETPWNAM */

/*
 * Whether the system can open IPv6 sockets that take IPv4 clients too
 * (not where IPv6 is missing, nor on OpenBSD, whose IPv6 sockets are IPv6
 * only): an xinetd service that names no family is such a socket only
 * where it can be. Asked once a load, so that a probe that failed for a
 * full descriptor table does not stand for the daemon's life.
 */
int
conf_have_inet6(void)
{
	int	fd, have = 0;
#if HAVE_DECL_IPV6_V6ONLY
	int	off = 0;
#endif

	if (conf_cache.inet6 != 0)
		return (conf_cache.inet6 == 1);
	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) != -1) {
#if HAVE_DECL_IPV6_V6ONLY
		have = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
		    (void *)&off, sizeof off) == 0;
#endif
		evutil_closesocket(fd);
	}
	conf_cache.inet6 = have ? 1 : -1;
	return (have);
}

/*
 * Whether a host is an IPv6 literal, with or without a scope (fe80::1%eth0,
 * which inet_pton does not take; getaddrinfo resolves it later).
 */
int
conf_v6_literal(const char *host, struct in6_addr *in6)
{
	char	bare[INET6_ADDRSTRLEN];
	size_t	len = strcspn(host, "%");

	if (len >= sizeof bare)
		return (0);
	memcpy(bare, host, len);
	bare[len] = '\0';
	return (inet_pton(AF_INET6, bare, in6) == 1);
}

/*
 * Refuse an IPv6 address no socket of this service can bind, which would
 * otherwise load and then retry its bind for ever: an IPv4-mapped address
 * on an IPv6-only socket, and a link-local address with no scope.
 */
static int
conf_inet_bindable(const char *file, int line, const struct service *se,
    const char *host)
{
	const struct sockaddr_in6	*sin6 = (const void *)&se->se_addr;

	if (se->se_addr.ss_family != AF_INET6)
		return (0);
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) && se->se_v6only) {
		conf_error(file, line, "host '%s' is an IPv4 address in IPv6 "
		    "form: write it as IPv4, or use protocol '%s46'", host,
		    se->se_socktype == SOCK_DGRAM ? "udp" : "tcp");
		return (-1);
	}
	if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr) &&
	    sin6->sin6_scope_id == 0) {
		conf_error(file, line, "link-local host '%s' needs an "
		    "interface, as in fe80::1%%eth0", host);
		return (-1);
	}
	return (0);
}

/*
 * Fill in the address of an internet service from a host (NULL for any) and
 * a port name or number; DNS happens here, at load. se_family may be
 * AF_UNSPEC: then an IPv6 literal host means IPv6, anything else IPv4.
 */
int
conf_inet(const char *file, int line, struct service *se, const char *host,
    const char *port)
{
	struct addrinfo		 hints, *res, *ai;
	struct in6_addr		 in6;
	struct servent		*sv;
	char			 pbuf[16], first[256];
	const char		*pname;
	long			 num;
	int			 error, v6host, n;

	v6host = host != NULL && conf_v6_literal(host, &in6);
	if (se->se_family == AF_UNSPEC)
		se->se_family = v6host ? AF_INET6 : AF_INET;
	if (se->se_family == AF_INET6 && !se->se_v6only && host != NULL &&
	    !v6host) {
		conf_error(file, line, "protocol '%s' needs host '*' or an IPv6 "
		    "address, not '%s'", se->se_proto, host);
		return (-1);
	}

	pname = se->se_socktype == SOCK_DGRAM ? "udp" : "tcp";
	if ((num = conf_number(port, 0, 65535)) == -1) {
		/* A name may start with a digit (9pfs), so look it up first. */
		if ((sv = getservbyname(port, pname)) == NULL &&
		    isdigit((unsigned char)*port)) {
			conf_error(file, line, "bad port '%s'", port);
			return (-1);
		}
		if (sv == NULL) {
			conf_error(file, line, "unknown service '%s/%s'", port,
			    pname);
			return (-1);
		}
		num = ntohs((unsigned short)sv->s_port);
	} else if (num == 0) {
		conf_error(file, line, "bad port '%s'", port);
		return (-1);
	}
	snprintf(pbuf, sizeof pbuf, "%ld", num);

	memset(&hints, 0, sizeof hints);
	hints.ai_family = se->se_family;
	hints.ai_socktype = se->se_socktype;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((error = getaddrinfo(host, pbuf, &hints, &res)) != 0) {
		conf_error(file, line, "bad host '%s': %s",
		    host != NULL ? host : "*", gai_strerror(error));
		return (-1);
	}
	memcpy(&se->se_addr, res->ai_addr, res->ai_addrlen);
	se->se_addrlen = res->ai_addrlen;
	/* One socket per entry: say so when the name has more addresses. */
	for (n = 0, ai = res; ai != NULL; ai = ai->ai_next)
		n++;
	if (host != NULL && n > 1) {
		listen_ntop(res->ai_addr, res->ai_addrlen, first, sizeof first);
		log_warnx("%s:%d: host '%s' has %d addresses; the service "
		    "listens on the first only, %s", file, line, host, n, first);
	}
	freeaddrinfo(res);
	return (conf_inet_bindable(file, line, se, host));
}

/*
 * Copy an absolute path without empty or "." components, so that /a//s and
 * /a/./s give the key of /a/s: they name one socket, and binding the second
 * spelling would unlink the first's live file. ".." is kept: through a
 * symbolic link it need not mean the parent. Returns the length.
 */
static size_t
conf_unix_clean(char *dst, const char *src)
{
	size_t	n = 0, len;

	while (*src != '\0') {
		src += strspn(src, "/");
		len = strcspn(src, "/");
		if (len == 0 || (len == 1 && src[0] == '.')) {
			src += len;
			continue;
		}
		dst[n++] = '/';
		memcpy(dst + n, src, len);
		n += len;
		src += len;
	}
	if (n == 0)
		dst[n++] = '/';
	dst[n] = '\0';
	return (n);
}

/* Fill in the address of a unix-domain service from its path. */
int
conf_unix(const char *file, int line, struct service *se, const char *path)
{
	struct sockaddr_un	*sun = (struct sockaddr_un *)&se->se_addr;
	size_t			 len = strlen(path);
	char			 clean[sizeof sun->sun_path + 1];

	se->se_family = AF_UNIX;
	if (path[0] == '@') {
		if (!PLATFORM_ABSTRACT_UNIX) {
			conf_error(file, line, "abstract socket '%s' is "
			    "not available on this system", path);
			return (-1);
		}
	} else if (path[0] != '/') {
		conf_error(file, line, "unix socket '%s' is not an "
		    "absolute path", path);
		return (-1);
	}
	if (len < 2 || len >= sizeof sun->sun_path) {
		conf_error(file, line, "bad unix socket path '%s'",
		    path);
		return (-1);
	}
	if (path[0] == '/') {
		if ((len = conf_unix_clean(clean, path)) < 2) {	/* "//" */
			conf_error(file, line, "bad unix socket path '%s'",
			    path);
			return (-1);
		}
		path = clean;		/* never longer than the original */
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

/* Whether a path is absolute: "/..." or, on Windows, "C:\..." too. */
int
conf_absolute(const char *path)
{
	if (path[0] == '/')
		return (1);
	return (PLATFORM_DRIVE_PATHS && isalpha((unsigned char)path[0]) &&
	    path[1] == ':' && (path[2] == '\\' || path[2] == '/'));
}

/* The last component of a program path, argv[0] by convention. */
const char *
conf_basename(const char *path)
{
	const char	*base, *bs;

	base = strrchr(path, '/');
	if (PLATFORM_DRIVE_PATHS && (bs = strrchr(path, '\\')) != NULL &&
	    (base == NULL || bs > base))
		base = bs;
	return (base != NULL ? base + 1 : path);
}

/*
 * Whether a string is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF). Where programs are started with
 * UTF-16 command lines (Windows), a file in another code page would
 * otherwise reach CreateProcessW as a garbled path, failing per connection
 * instead of at load.
 */
static int
conf_utf8(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned char		 lo, hi;
	int			 n;

	while (*p != '\0') {
		lo = 0x80;	/* the bounds of the second byte */
		hi = 0xbf;
		if (*p < 0x80)
			n = 0;
		else if (*p >= 0xc2 && *p <= 0xdf)
			n = 1;
		else if (*p >= 0xe0 && *p <= 0xef) {
			n = 2;
			if (*p == 0xe0)
				lo = 0xa0;	/* below is overlong */
			else if (*p == 0xed)
				hi = 0x9f;	/* above is a surrogate */
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			n = 3;
			if (*p == 0xf0)
				lo = 0x90;	/* below is overlong */
			else if (*p == 0xf4)
				hi = 0x8f;	/* above is past U+10FFFF */
		} else
			return (0);
		for (p++; n > 0; n--, p++) {
			if (*p < lo || *p > hi)
				return (0);
			lo = 0x80;
			hi = 0xbf;
		}
	}
	return (1);
}

/*
 * The server program and its argv (args[0] is argv[0]; with no arguments
 * argv[0] is the program's base name).
 */
int
conf_program(const char *file, int line, struct service *se,
    const char *server, char **args, int nargs)
{
	const char	*base;
	int		 i;

	if (!conf_absolute(server)) {
		conf_error(file, line, "server program '%s' is not an absolute "
		    "path", server);
		return (-1);
	}
	for (i = -1; PLATFORM_UTF8_ARGS && i < nargs; i++) {
		if (!conf_utf8(i == -1 ? server : args[i])) {
			conf_error(file, line, "'%s' is not UTF-8 text (save the "
			    "file as UTF-8)", i == -1 ? server : args[i]);
			return (-1);
		}
	}
	se->se_server = intern(server);
	if (nargs > 0) {
		se->se_argc = nargs;
		se->se_argv = xcalloc(nargs + 1, sizeof *se->se_argv);
		for (i = 0; i < nargs; i++)
			se->se_argv[i] = intern(args[i]);
	} else {
		base = conf_basename(server);
		se->se_argc = 1;
		se->se_argv = xcalloc(2, sizeof *se->se_argv);
		se->se_argv[0] = intern(*base != '\0' ? base : server);
	}
	return (0);
}

/*
 * Build the label and the reload key once the address is known. The key
 * holds an IPv6 scope too: fe80::1%eth0 and fe80::1%eth1 are two addresses.
 * A unix path is one socket whatever its type (binding the second would
 * unlink the first's file), so its key leaves the type out; v6only counts
 * only for IPv6 (tcp and tcp4 on 127.0.0.1 are one socket), and SO_REUSEPORT
 * not at all (7 and rp,7 cannot both bind).
 */
static void
conf_names(struct service *se)
{
	const struct sockaddr_in6 *sin6 = (const void *)&se->se_addr;
	char		 addr[256], key[340];
	size_t		 ls = strlen(se->se_service), lp = strlen(se->se_proto);
	unsigned long	 scope = 0;

	/* Plain copies, not asprintf: this runs for every line of the file. */
	se->se_name = xmalloc(ls + lp + 2);
	memcpy(se->se_name, se->se_service, ls);
	se->se_name[ls] = '/';
	memcpy(se->se_name + ls + 1, se->se_proto, lp + 1);
	se->se_label = se->se_name;
	listen_ntop((struct sockaddr *)&se->se_addr, se->se_addrlen, addr,
	    sizeof addr);
	if (se->se_addr.ss_family == AF_INET6)
		scope = sin6->sin6_scope_id;
	snprintf(key, sizeof key, "%d/%d/%d/%s/%lu", se->se_family,
	    se->se_family == AF_UNIX ? 0 : se->se_socktype,
	    se->se_family == AF_INET6 ? se->se_v6only : 0, addr, scope);
	se->se_key = xstrdup(key);
}

#ifdef HAVE_GETPWNAM
/*
 * Whether the service's user may execute a file, by its permission bits
 * (the daemon's own access() answers for root, who may run nearly anything).
 */
static int
conf_user_may_exec(const struct service *se, const struct stat *sb)
{
	if (!se->se_setuser)
		return (1);
	if (se->se_uid == 0)
		return ((sb->st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0);
	if (sb->st_uid == se->se_uid)
		return ((sb->st_mode & S_IXUSR) != 0);
	if (conf_in_groups(sb->st_gid, se->se_gid, se->se_groups,
	    se->se_nogroups ? 0 : se->se_ngroups))
		return ((sb->st_mode & S_IXGRP) != 0);
	return ((sb->st_mode & S_IXOTH) != 0);
}
#endif

/*
 * Warn if a server program cannot be run: missing, a directory, not
 * executable, or not by the service's user. Many lines name the same
 * program, so the last one found executable is remembered for the rest of
 * the load, with the credentials it was checked for.
 */
static void
conf_executable(const char *file, int line, struct service *se)
{
	struct stat	sb;

	if (conf_cache.program != NULL &&
	    strcmp(conf_cache.program, se->se_server) == 0 &&
	    conf_cache.program_setuser == se->se_setuser &&
	    (!se->se_setuser || (conf_cache.program_uid == se->se_uid &&
	    conf_cache.program_gid == se->se_gid &&
	    conf_cache.program_nogroups == se->se_nogroups)))
		return;
	if (stat(se->se_server, &sb) == -1 ||
	    access(se->se_server, PLATFORM_X_OK) != 0) {
		log_warn("%s:%d: %s: server program %s", file, line,
		    se->se_label, se->se_server);
		return;
	}
	if (S_ISDIR(sb.st_mode)) {
		log_warnx("%s:%d: %s: server program %s: is a directory",
		    file, line, se->se_label, se->se_server);
		return;
	}
#ifdef HAVE_GETPWNAM
	if (!conf_user_may_exec(se, &sb)) {
		log_warnx("%s:%d: %s: server program %s: not executable by "
		    "user '%s'", file, line, se->se_label, se->se_server,
		    se->se_user);
		return;
	}
#endif
	free(conf_cache.program);
	conf_cache.program = xstrdup(se->se_server);
	conf_cache.program_setuser = se->se_setuser;
	conf_cache.program_uid = se->se_uid;
	conf_cache.program_gid = se->se_gid;
	conf_cache.program_nogroups = se->se_nogroups;
}

/*
 * Complete a parsed service: its label and reload key, whether the child must
 * switch user (decided once, here), and warnings that do not stop it.
 */
void
conf_finish(const char *file, int line, struct service *se)
{
#ifdef HAVE_GETPWNAM
	uid_t	euid;

	conf_self();
	euid = conf_cache.self_uid;
#endif

	conf_names(se);

#ifdef HAVE_GETPWNAM
	if (euid == 0) {
		conf_groups(se);
		se->se_setuser = !conf_same_user(se);
	} else if (se->se_server != NULL && euid != se->se_uid)
		log_warnx("%s:%d: %s: not running as root, so the server runs "
		    "as uid %ld, not as '%s'", file, line, se->se_label,
		    (long)euid, se->se_user);
#else
	if (se->se_server != NULL && se->se_user != NULL &&
	    strcmp(se->se_user, "root") != 0)
		log_warnx("%s:%d: %s: user '%s' ignored: servers run as the "
		    "account pinetd runs as on this system", file, line,
		    se->se_label, se->se_user);
#endif
	if (se->se_server != NULL)
		conf_executable(file, line, se);
}

/*
 * The address a redirect service relays to, resolved once at load. Only a
 * nowait stream service can be relayed.
 */
int
conf_redirect(const char *file, int line, struct service *se,
    const char *host, const char *port)
{
	struct addrinfo	 hints, *res;
	int		 error;

	if (se->se_socktype != SOCK_STREAM || se->se_wait) {
		conf_error(file, line, "redirect needs a nowait stream "
		    "service");
		return (-1);
	}
	if (se->se_builtin != NULL) {
		conf_error(file, line, "redirect on the built-in '%s': a "
		    "service either relays or answers itself",
		    se->se_builtin->bi_name);
		return (-1);
	}
	/* A number, or a name from the services database, as xinetd takes. */
	if (conf_number(port, 1, 65535) == -1 &&
	    (getservbyname(port, "tcp") == NULL || *port == '\0')) {
		conf_error(file, line, "bad redirect port '%s'", port);
		return (-1);
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if ((error = getaddrinfo(host, port, &hints, &res)) != 0) {
		conf_error(file, line, "bad redirect host '%s': %s", host,
		    gai_strerror(error));
		return (-1);
	}
	if (se->se_redirect == NULL)
		se->se_redirect = xcalloc(1, sizeof *se->se_redirect);
	memcpy(se->se_redirect, res->ai_addr, res->ai_addrlen);
	se->se_redirectlen = res->ai_addrlen;
	freeaddrinfo(res);
	return (0);
}

/*
 * A socket buffer size (NetBSD and FreeBSD inetd's ",sndbuf=" and ",rcvbuf="
 * protocol suffixes, and the xinetd attributes of those names): bytes, or
 * with k or m. Where it goes is *size; 0 there means not given yet.
 */
int
conf_bufsize(const char *file, int line, const char *name, const char *value,
    int *size)
{
	rlim_t	v;

	if (*size != 0) {
		conf_error(file, line, "'%s' given twice", name);
		return (-1);
	}
	/* rlimit_* sizes take the same form (and UNLIMITED, refused here). */
	if (conf_child_size(value, &v) != 0 || v == RLIM_INFINITY || v < 1 ||
	    v > PINETD_MAXBUF) {
		conf_error(file, line, "bad %s size '%s' (want 1 to %d bytes, "
		    "or with k or m)", name, value, PINETD_MAXBUF);
		return (-1);
	}
	*size = (int)v;
	return (0);
}

/*
 * Ask for a socket several daemons can share (kdb+'s "rp," prefix): an error
 * where the system has no SO_REUSEPORT.
 */
int
conf_reuseport(UNUSED const char *file, UNUSED int line,
    UNUSED struct service *se)
{
#if HAVE_DECL_SO_REUSEPORT
	se->se_reuseport = 1;
	return (0);
#else
	conf_error(file, line, "'rp,' and REUSEPORT need SO_REUSEPORT, which "
	    "this system does not have");
	return (-1);
#endif
}
