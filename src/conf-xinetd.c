/*
 * The xinetd dialect: "defaults { }" and "service NAME { }" blocks of
 * "attribute = values" lines, "includedir" and "include", turned into the same
 * services the BSD dialect makes. The attribute lines themselves, which BSD
 * entries may carry too, are xattr.c's.
 */

#include "pinetd.h"

#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/*
 * The attributes that say what a service is (type, flags, socket_type,
 * protocol, wait, user, server, port, bind), which an inetd.conf line gives
 * in its fields: checked against each other and set on se. -1 after an
 * error, each naming its attribute's line.
 */
static int
xinetd_core(const char *file, struct service *se, const char *name,
    const struct xattr *def, const struct xattr *svc)
{
	const char	*socktype, *wait, *proto, *user, *group, *server;
	const char	*port, *bind, *id, *v6only, *at = file, *fflags = file;
	const char	*fbind = file, *fv6 = file;
	char		**flags, **types, **args, **argv;
	int		  nflags, ntypes, nargs, line = se->se_line, bad = 0;
	int		  lsock, lwait, lproto, luser, lgroup, lserver, lport;
	int		  lbind, lid, lv6;
	int		  internal = 0, unlisted = 0, nameinargs = 0, i;
	int		  reuseport = 0, ipv4 = 0, ipv6 = 0, v6yes;
	int		  family;
	struct in6_addr	  in6;

	if ((ntypes = xattr_values(NULL, svc, "type", &types, &at,
	    &line)) > 0) {
		for (i = 0; i < ntypes; i++) {
			if (strcmp(types[i], "INTERNAL") == 0)
				internal = 1;
			else if (strcmp(types[i], "UNLISTED") == 0)
				unlisted = 1;
			else {
				conf_error(file, line, "type '%s' is not "
				    "supported", types[i]);
				bad++;
			}
		}
	}
	free(types);
	if ((nflags = xattr_values(def, svc, "flags", &flags, &fflags,
	    &line)) > 0) {
		for (i = 0; i < nflags; i++) {
			if (strcmp(flags[i], "IPv4") == 0)
				ipv4 = 1;
			else if (strcmp(flags[i], "IPv6") == 0)
				ipv6 = 1;
			else if (strcmp(flags[i], "NAMEINARGS") == 0)
				nameinargs = 1;
			else if (strcmp(flags[i], "REUSEPORT") == 0)
				reuseport = 1;
			else if (xattr_flag(flags[i]) == 2)
				log_warnx("%s:%d: flag '%s' does not apply to "
				    "pinetd; ignored", fflags, line, flags[i]);
			else if (xattr_flag(flags[i]) == 0) {
				conf_error(fflags, line, "unknown flag '%s'",
				    flags[i]);
				bad++;
			}
		}
	}
	free(flags);
	if (reuseport && conf_reuseport(fflags, line, se) != 0)
		return (-1);

	/* Each error below names the line of the attribute it is about. */
	lsock = lwait = lproto = luser = lgroup = lserver = lport = lbind =
	    lid = lv6 = se->se_line;
	socktype = xattr_one(&at, NULL, svc, "socket_type", &lsock, &bad);
	wait = xattr_one(&at, NULL, svc, "wait", &lwait, &bad);
	proto = xattr_one(&at, NULL, svc, "protocol", &lproto, &bad);
	user = xattr_one(&at, NULL, svc, "user", &luser, &bad);
	group = xattr_one(&at, NULL, svc, "group", &lgroup, &bad);
	server = xattr_one(&at, NULL, svc, "server", &lserver, &bad);
	port = xattr_one(&at, NULL, svc, "port", &lport, &bad);
	id = xattr_one(&at, NULL, svc, "id", &lid, &bad);
	/* The service's own bind or interface first, then the defaults'. */
	if ((bind = xattr_one(&fbind, NULL, svc, "bind", &lbind,
	    &bad)) == NULL &&
	    (bind = xattr_one(&fbind, NULL, svc, "interface", &lbind,
	    &bad)) == NULL &&
	    (bind = xattr_one(&fbind, def, NULL, "bind", &lbind,
	    &bad)) == NULL)
		bind = xattr_one(&fbind, def, NULL, "interface", &lbind, &bad);
	v6only = xattr_one(&fv6, def, svc, "v6only", &lv6, &bad);
	if (bad)
		return (-1);
	if (v6only != NULL && strcmp(v6only, "yes") != 0 &&
	    strcmp(v6only, "no") != 0) {
		conf_error(fv6, lv6, "v6only wants 'yes' or 'no', not '%s'",
		    v6only);
		return (-1);
	}
	v6yes = v6only != NULL && strcmp(v6only, "yes") == 0;

	line = se->se_line;
	if (socktype == NULL || wait == NULL) {
		conf_error(file, line, "service '%s' needs '%s'", name,
		    socktype == NULL ? "socket_type" : "wait");
		return (-1);
	}
	if (strcmp(socktype, "stream") == 0)
		se->se_socktype = SOCK_STREAM;
	else if (strcmp(socktype, "dgram") == 0)
		se->se_socktype = SOCK_DGRAM;
	else {
		conf_error(file, lsock, "socket_type '%s' is not supported",
		    socktype);
		return (-1);
	}
	if (strcmp(wait, "yes") == 0)
		se->se_wait = 1;
	else if (strcmp(wait, "no") != 0) {
		conf_error(file, lwait, "wait wants 'yes' or 'no', not '%s'",
		    wait);
		return (-1);
	}
	if (proto == NULL)
		proto = se->se_socktype == SOCK_DGRAM ? "udp" : "tcp";
	if (strcmp(proto, se->se_socktype == SOCK_DGRAM ? "udp" : "tcp")
	    != 0) {
		conf_error(file, lproto, "protocol '%s' does not match "
		    "socket_type '%s'", proto, socktype);
		return (-1);
	}
	se->se_proto = intern(proto);
	se->se_service = xstrdup(id != NULL ? id : name);
#ifdef HAVE_FORK
	se->se_nogroups = 1;	/* xinetd's default: groups = no */
#endif
	se->se_max = 0;		/* xinetd limits with cps, not .max */
	se->se_cps = 50;	/* xinetd's default; a cps line overrides it */
	se->se_cps_pause = 10;

	if (internal) {
		if ((se->se_builtin = builtin_find(name)) == NULL) {
			conf_error(file, line, "unknown built-in service '%s'",
			    name);
			return (-1);
		}
	} else if (server == NULL &&
	    xattr_values(NULL, svc, "redirect", &args, &at, &line) != -1) {
		free(args);		/* a redirect needs no program */
	} else {
		if (server == NULL) {
			conf_error(file, line, "service '%s' needs 'server'",
			    name);
			return (-1);
		}
		if ((nargs = xattr_values(NULL, svc, "server_args", &args,
		    &at, &line)) == -1)
			nargs = 0;
		argv = xcalloc(nargs + 2, sizeof *argv);
		i = 0;
		if (nameinargs && nargs == 0) {
			conf_error(file, lserver, "NAMEINARGS needs "
			    "server_args, whose first word is argv[0]");
			free(argv);
			return (-1);
		}
		if (!nameinargs) {
			argv[i++] = (char *)conf_basename(server);
		}
		if (nargs > 0)
			memcpy(argv + i, args, nargs * sizeof *args);
		bad = conf_program(file, lserver, se, server, argv,
		    i + nargs);
		free(argv);
		free(args);
		if (bad)
			return (-1);
		if (se->se_socktype == SOCK_DGRAM && !se->se_wait) {
			conf_error(file, se->se_line, "'wait = no' with dgram "
			    "and an external program would start one server "
			    "per datagram; use 'wait = yes'");
			return (-1);
		}
	}
	if (user != NULL) {
		if (conf_user(file, luser, se, user, NULL) != 0 ||
		    (group != NULL && conf_user(file, lgroup, se, user,
		    group) != 0))
			return (-1);
	} else if (!internal && server != NULL && geteuid() == 0) {
		conf_error(file, se->se_line, "service '%s' needs 'user'",
		    name);
		return (-1);
	} else if (conf_user(file, lgroup, se, "root", group) != 0)
		return (-1);

	if (unlisted && port == NULL) {
		conf_error(file, se->se_line, "unlisted service '%s' needs "
		    "'port'", name);
		return (-1);
	}
	/*
	 * As xinetd: IPv6 with IPv4 beside it (v6only = no) unless the flags
	 * or a bind address say otherwise, and IPv4 where the system has no
	 * IPv6, unless only IPv6 was asked for.
	 */
	if (ipv6 || (!ipv4 && (bind == NULL || conf_v6_literal(bind, &in6))))
		family = AF_INET6;
	else
		family = AF_INET;
	if (family == AF_INET6 && !(ipv6 && !ipv4) && bind == NULL &&
	    !v6yes && !conf_have_inet6())
		family = AF_INET;
	se->se_family = family;
	se->se_v6only = family == AF_INET6 && (v6yes || (bind != NULL &&
	    conf_v6_literal(bind, &in6) && !IN6_IS_ADDR_UNSPECIFIED(&in6)));
	/* The port alone first, so that its error names its own line. */
	if (port != NULL && conf_inet(file, lport, se, NULL, port) != 0)
		return (-1);
	return (conf_inet(bind != NULL ? fbind : file, bind != NULL ? lbind :
	    se->se_line, se, bind, port != NULL ? port : name));
}

/*
 * Whether a service is disabled: by its own disable = yes, or by its id (its
 * name if it has none), as xinetd does, in the defaults' disabled / enabled
 * lists. -1 (reported) for a disable value
 * other than yes or no, so that a typo never turns a service on.
 */
static int
xinetd_disabled(const char *file, const struct xattr *def,
    const struct xattr *svc, const char *name)
{
	const char	*disable, *id, *idfile = file;
	char		**v;
	int		  n, i, line, idline, bad = 0, off = 0;

	disable = xattr_one(&file, NULL, svc, "disable", &line, &bad);
	if ((id = xattr_one(&idfile, NULL, svc, "id", &idline, &bad)) != NULL)
		name = id;
	if (bad)
		return (-1);
	if (disable != NULL && strcmp(disable, "yes") == 0)
		return (1);
	if (disable != NULL && strcmp(disable, "no") != 0) {
		conf_error(file, line, "disable wants 'yes' or 'no', not '%s'",
		    disable);
		return (-1);
	}
	if ((n = xattr_values(def, NULL, "disabled", &v, &file, &line)) > 0) {
		for (i = 0; i < n; i++)
			off |= strcmp(v[i], name) == 0;
	}
	free(v);
	if ((n = xattr_values(def, NULL, "enabled", &v, &file, &line)) != -1) {
		off = 1;
		for (i = 0; i < n; i++)
			off &= strcmp(v[i], name) != 0;
	}
	free(v);
	return (off);
}

/* Remember the first defaults block with an error, for the services. */
static void
xinetd_defbad(struct xinetd_parse *xp, const char *path, int line)
{
	if (xp->xp_defbad == NULL)
		xasprintf(&xp->xp_defbad, "%s:%d", path, line);
}

/*
 * A service of a kind xinetd has and pinetd does not (type RPC, TCPMUX or
 * TCPMUXPLUS, flags SENSOR, xinetd's built-ins tcpmux, servers and
 * services) is skipped with a warning, not refused as an error: it is
 * no mistake in the file, and an error would make every reload of an
 * otherwise good file change nothing.
 */
static int
xinetd_unsupported(const char *file, const struct xattr *svc,
    const char *name)
{
	const char	 *at = file;
	char		**types;
	int		  ntypes, i, line = 0, skip = 0;

	if ((ntypes = xattr_values(NULL, svc, "type", &types, &at,
	    &line)) > 0) {
		for (i = 0; i < ntypes && !skip; i++) {
			if (strcmp(types[i], "RPC") == 0 ||
			    strcmp(types[i], "TCPMUX") == 0 ||
			    strcmp(types[i], "TCPMUXPLUS") == 0) {
				log_warnx("%s:%d: service '%s' skipped: pinetd "
				    "has no type %s services", at, line, name,
				    types[i]);
				skip = 1;
			} else if (strcmp(types[i], "INTERNAL") == 0 &&
			    (strcmp(name, "tcpmux") == 0 ||
			    strcmp(name, "servers") == 0 ||
			    strcmp(name, "services") == 0)) {
				/* xinetd's own built-ins, not the RFC ones. */
				log_warnx("%s:%d: service '%s' skipped: pinetd "
				    "has no built-in '%s'", at, line, name,
				    name);
				skip = 1;
			}
		}
	}
	free(types);
	if (!skip && (ntypes = xattr_values(NULL, svc, "flags", &types, &at,
	    &line)) != -1) {
		for (i = 0; i < ntypes && !skip; i++) {
			if (strcmp(types[i], "SENSOR") == 0) {
				log_warnx("%s:%d: service '%s' skipped: pinetd "
				    "has no SENSOR services", at, line, name);
				skip = 1;
			}
		}
		free(types);
	}
	return (skip);
}

/* Build one service from its block and the defaults, and add it. */
static void
xinetd_service(struct xinetd_parse *xp, const char *name, int line,
    struct xattr *svc)
{
	struct service	*se;
	int		 off;

	/*
	 * Without the defaults it was written under, a service could run
	 * open where they would restrict it: left out, as for its own error.
	 */
	if (xp->xp_defbad != NULL) {
		conf_error(xp->xp_file, line, "service '%s' left out: the "
		    "defaults at %s have errors", name, xp->xp_defbad);
		xp->xp_out->co_nerr++;
		return;
	}
	if ((off = xinetd_disabled(xp->xp_file, xp->xp_defaults, svc,
	    name)) == -1) {
		xp->xp_out->co_nerr++;
		return;
	}
	if (off) {
		log_debug("%s:%d: service '%s' is disabled", xp->xp_file, line,
		    name);
		return;
	}
	if (xinetd_unsupported(xp->xp_file, svc, name))
		return;
	se = service_new();
	se->se_file = intern(xp->xp_file);
	se->se_line = line;
	if (xinetd_core(xp->xp_file, se, name, xp->xp_defaults, svc) != 0 ||
	    xattr_apply(xp->xp_file, se, xp->xp_defaults, svc) != 0) {
		service_free(se);
		xp->xp_out->co_nerr++;
		return;
	}
	conf_finish(xp->xp_file, line, se);
	conf_add(xp->xp_out, se);
}

/* Whether a line looks like an inetd.conf entry: six words or more, no '='. */
static int
xinetd_bsdlike(const char *p)
{
	int	words = 0;

	if (strchr(p, '=') != NULL)
		return (0);
	while (*p != '\0') {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		words++;
		p += strcspn(p, " \t");
	}
	return (words >= 6);
}

/*
 * Strip a comment and trailing blanks; returns the first non-blank. A
 * comment is a '#' starting a word: inside one ("a#b", "Z=#3") it is part
 * of the value, as xinetd reads it.
 */
static char *
xinetd_trim(char *buf)
{
	char	*p, *end;

	for (p = buf; (p = strchr(p, '#')) != NULL; p++) {
		if (p == buf || p[-1] == ' ' || p[-1] == '\t') {
			*p = '\0';
			break;
		}
	}
	end = buf + strlen(buf);
	while (end > buf && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	p = buf;
	while (*p == ' ' || *p == '\t')
		p++;
	return (p);
}

/*
 * What follows "defaults" or a service's name: nothing, or the block's
 * '{', either with perhaps a '#' comment after it. 2 with the brace (the
 * parser's state inside a block), 1 without (waiting for it), 0 if
 * anything else follows: an attribute there would be lost unread.
 */
static int
xinetd_opens(const char *p)
{
	int	brace;

	p += strspn(p, " \t");
	if ((brace = *p == '{'))
		p += 1 + strspn(p + 1, " \t");
	if (*p != '\0' && *p != '#')
		return (0);
	return (brace ? 2 : 1);
}

/* Whether a directory entry is one xinetd would read (no '.', no '~'). */
static int
xinetd_wanted(const char *name)
{
	size_t	len = strlen(name);

	return (len > 0 && strchr(name, '.') == NULL && name[len - 1] != '~');
}

/*
 * Most files one load reads. Each is read once (xinetd_seen), so only a
 * system without inode numbers (Windows), where a file spelt two ways is
 * two files, needs it to stop an include fan-out.
 */
#define XINETD_MAXFILES	16384

/* One file read in this load: its inode, or on Windows its path. */
struct xinetd_seen {
	dev_t	 xs_dev;
	ino_t	 xs_ino;
	char	*xs_path;
};

/*
 * Whether a file was read before in this load, recording it if not. Each
 * file is read once: a file included twice, or including itself, would
 * otherwise be read again at every level, k^8 times for k includes.
 */
static int
xinetd_seen(struct xinetd_parse *xp, FILE *f, const char *path, int from)
{
	struct xinetd_seen	*xs;
	struct stat		 sb;
	size_t			 i;

	if (fstat(fileno(f), &sb) == -1)
		memset(&sb, 0, sizeof sb);
	for (i = 0; i < xp->xp_nseen; i++) {
		xs = &xp->xp_seen[i];
		if (sb.st_ino != 0 ? (xs->xs_dev == sb.st_dev &&
		    xs->xs_ino == sb.st_ino) : strcmp(xs->xs_path, path) == 0) {
			conf_error(xp->xp_file, from, "include '%s': already "
			    "read (included twice, or in a loop)", path);
			return (1);
		}
	}
	if (xp->xp_nseen == XINETD_MAXFILES) {
		conf_error(xp->xp_file, from, "include '%s': more than %d "
		    "files", path, XINETD_MAXFILES);
		return (1);
	}
	xp->xp_seen = xreallocarray(xp->xp_seen, xp->xp_nseen + 1,
	    sizeof *xp->xp_seen);
	xs = &xp->xp_seen[xp->xp_nseen++];
	xs->xs_dev = sb.st_dev;
	xs->xs_ino = sb.st_ino;
	xs->xs_path = xstrdup(path);
	return (0);
}

/*
 * Read every wanted file of a directory, in name order. What is not a
 * regular file (a subdirectory, a FIFO) is skipped with a warning, as
 * xinetd skips it, and not counted as an error.
 */
static void
xinetd_dir(struct xinetd_parse *xp, const char *dir, int line)
{
	struct dirent	**names;
	const char	 *why;
	char		 *path;
	int		  n, i;

	if ((n = scandir(dir, &names, NULL, alphasort)) == -1) {
		conf_error(xp->xp_file, line, "includedir '%s': %s", dir,
		    strerror(errno));
		xp->xp_out->co_nerr++;
		return;
	}
	for (i = 0; i < n; i++) {
		if (xinetd_wanted(names[i]->d_name)) {
			path = conf_join(dir, names[i]->d_name);
			if ((why = conf_regular(path)) != NULL && line == 0)
				log_warnx("%s: skipped '%s': %s", dir, path,
				    why);	/* the directory given to pinetd */
			else if (why != NULL)
				conf_error(xp->xp_file, line, "includedir "
				    "'%s': skipped '%s': %s", dir, path, why);
			else
				conf_xinetd_file(xp, path, line);
			free(path);
		}
		free(names[i]);
	}
	free(names);
}

/*
 * Read one file of blocks; line is that of the include or includedir that
 * names it in xp_file, 0 for the file given to the daemon.
 */
void
conf_xinetd_file(struct xinetd_parse *xp, const char *path, int from)
{
	struct xattr	 *attrs = NULL, **dtail;
	const char	 *saved = xp->xp_file, *why;
	FILE		 *f;
	char		 *buf = NULL, *p, *name = NULL, word[32];
	size_t		  bufsize = 0, len;
	ssize_t		  n;
	int		  line = 0, bline = 0, state = 0;
	int		  blockbad = 0;

	/* state: 0 top level, 1 waiting for '{', 2 inside a block */
	if (xp->xp_depth > 8) {
		conf_error(xp->xp_file, from, "includes nested too deep at "
		    "'%s'", path);
		xp->xp_out->co_nerr++;
		return;
	}
	if ((f = conf_fopen(path)) == NULL) {
		if (from > 0)
			conf_error(xp->xp_file, from, "include '%s': %s", path,
			    strerror(errno));
		else
			log_warn("%s", path);
		xp->xp_out->co_nerr++;
		return;
	}
	if (xinetd_seen(xp, f, path, from)) {
		fclose(f);
		xp->xp_out->co_nerr++;
		return;
	}
	xp->xp_depth++;
	xp->xp_file = path;
	while ((n = getline(&buf, &bufsize, f)) != -1) {
		line++;
		/*
		 * What follows a NUL would be lost without a word: an error
		 * (a service's block is not loaded); the line is still read
		 * up to it, so that a defaults line still restricts.
		 */
		if (memchr(buf, '\0', (size_t)n) != NULL) {
			conf_error(path, line, "NUL byte in the line");
			xp->xp_out->co_nerr++;
			blockbad |= state == 2;
		}
		p = xinetd_trim(buf);
		if (*p == '\0')
			continue;
		if (state == 2) {
			if (strcmp(p, "}") == 0) {
				if (name == NULL) {
					/* Added to earlier defaults. */
					for (dtail = &xp->xp_defaults;
					    *dtail != NULL;
					    dtail = &(*dtail)->xa_next)
						;
					*dtail = attrs;
					if (blockbad)
						xinetd_defbad(xp, path, bline);
				} else {
					if (!blockbad)
						xinetd_service(xp, name, bline,
						    attrs);
					xattr_free(attrs);
				}
				blockbad = 0;
				free(name);
				name = NULL;
				attrs = NULL;
				state = 0;
				continue;
			}
			/* A line of \f or \v alone has no word. */
			if (sscanf(p, "%31s", word) != 1)
				word[0] = '\0';
			if (strcasecmp(word, "service") == 0 ||
			    strcasecmp(word, "defaults") == 0 ||
			    strcasecmp(word, "includedir") == 0) {
				conf_error(path, bline, "missing '}' for '%s' "
				    "(found '%s' at line %d)", name != NULL ?
				    name : "defaults", p, line);
				xp->xp_out->co_nerr++;
				if (name == NULL)
					xinetd_defbad(xp, path, bline);
				xattr_free(attrs);
				free(name);
				name = NULL;
				attrs = NULL;
				state = 0;
				blockbad = 0;
				/* FALLTHROUGH to the top level */
			} else {
				if (xattr_add(path, line, p, name == NULL ?
				    XA_DEF : XA_SVC, &attrs) != 0) {
					xp->xp_out->co_nerr++;
					blockbad = 1;
				}
				continue;
			}
		}
		if (state == 1) {
			if (strcmp(p, "{") == 0) {
				state = 2;
				continue;
			}
			conf_error(path, line, "expected '{' after '%s', not "
			    "'%s'", name != NULL ? name : "defaults", p);
			xp->xp_out->co_nerr++;
			if (name == NULL)
				xinetd_defbad(xp, path, bline);
			free(name);
			name = NULL;
			state = 0;
		}
		if (strncasecmp(p, "service", 7) == 0 && (p[7] == ' ' ||
		    p[7] == '\t')) {
			p += 8;
			p += strspn(p, " \t");
			len = strcspn(p, " \t{");
			name = xstrdup(p);
			name[len] = '\0';
			p += len;
			bline = line;
			blockbad = 0;
			if ((state = xinetd_opens(p)) == 0) {
				/* Read to its '}', not loaded. */
				p += strspn(p, " \t");
				state = *p == '{' ? 2 : 1;
				blockbad = 1;
				if (*name != '\0') {
					conf_error(path, line, "expected '{' "
					    "after service '%s', not '%s'",
					    name, p);
					xp->xp_out->co_nerr++;
				}
			}
			if (*name == '\0') {
				conf_error(path, line, "service without a name");
				xp->xp_out->co_nerr++;
				blockbad = 1;	/* read to its '}', not loaded */
			}
		} else if (strncasecmp(p, "defaults", 8) == 0) {
			if ((state = xinetd_opens(p + 8)) == 0) {
				conf_error(path, line, "expected '{' after "
				    "'defaults', not '%s'",
				    p + 8 + strspn(p + 8, " \t"));
				xp->xp_out->co_nerr++;
				xinetd_defbad(xp, path, line);
			}
			name = NULL;
			bline = line;
			blockbad = 0;
		} else if (strncasecmp(p, "includedir", 10) == 0 &&
		    (p[10] == ' ' || p[10] == '\t')) {
			p += 10 + strspn(p + 10, " \t");
			xinetd_dir(xp, p, line);
			xp->xp_file = path;
		} else if (strncasecmp(p, "include", 7) == 0 &&
		    (p[7] == ' ' || p[7] == '\t')) {
			p += 7 + strspn(p + 7, " \t");
			if ((why = conf_regular(p)) != NULL) {
				conf_error(path, line, "include '%s': %s", p,
				    why);
				xp->xp_out->co_nerr++;
			} else
				conf_xinetd_file(xp, p, line);
			xp->xp_file = path;
		} else {
			conf_error(path, line, "expected 'service', 'defaults', "
			    "'include' or 'includedir', not '%s'%s", p,
			    xinetd_bsdlike(p) ? " (an inetd.conf line? -b "
			    "reads a file or directory of them)" : "");
			xp->xp_out->co_nerr++;
		}
	}
	if (state != 0) {
		conf_error(path, bline, "missing '}' for '%s' at the end of the "
		    "file", name != NULL ? name : "defaults");
		xp->xp_out->co_nerr++;
		/* An include's defaults would have restricted what follows. */
		if (name == NULL)
			xinetd_defbad(xp, path, bline);
		if (name != NULL || attrs != xp->xp_defaults)
			xattr_free(attrs);
		free(name);
	}
	free(buf);
	fclose(f);
	xp->xp_file = saved;
	xp->xp_depth--;
}

/* Read an xinetd configuration: a file, or a directory of service files. */
void
conf_xinetd_load(const char *path, struct conf_out *co)
{
	struct xinetd_parse	xp;
	struct stat		sb;

	memset(&xp, 0, sizeof xp);
	xp.xp_out = co;
	xp.xp_file = path;
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		xinetd_dir(&xp, path, 0);
	else
		conf_xinetd_file(&xp, path, 0);
	xattr_free(xp.xp_defaults);
	free(xp.xp_defbad);
	while (xp.xp_nseen > 0)
		free(xp.xp_seen[--xp.xp_nseen].xs_path);
	free(xp.xp_seen);
}

/* Whether a file looks like xinetd's format (its first word says so). */
int
conf_xinetd_detect(FILE *f)
{
	char	*buf = NULL, *p, word[32];
	size_t	 bufsize = 0;
	long	 start = ftell(f);	/* past a byte order mark */
	int	 found = 0;

	while (getline(&buf, &bufsize, f) != -1) {
		p = xinetd_trim(buf);
		if (*p == '\0')
			continue;
		if (sscanf(p, "%31s", word) == 1)
			found = strcasecmp(word, "service") == 0 ||
			    strcasecmp(word, "defaults") == 0 ||
			    strcasecmp(word, "defaults{") == 0 ||
			    strcasecmp(word, "include") == 0 ||
			    strcasecmp(word, "includedir") == 0;
		break;
	}
	free(buf);
	if (start == -1 || fseek(f, start, SEEK_SET) == -1)
		rewind(f);
	return (found);
}
