/*
 * Reading the configuration file and merging it into the running table.
 */

#include "pinetd.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONF_HASHSIZE	16384	/* per load, freed after: short chains at 10,000 */

/* Report one error in a configuration file as FILE:LINE: message. */
void
conf_error(const char *file, int line, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	log_warnx("%s:%d: %s", file, line, msg);
	free(msg);
}

/*
 * Why a file the configuration names (an include, a banner) cannot be read,
 * or NULL if it is a regular file. A FIFO would hold the load, and so a
 * reload and every service, until some writer came; a directory or a
 * device is no text to read.
 */
const char *
conf_regular(const char *path)
{
	struct stat	sb;

	if (stat(path, &sb) == -1)
		return (strerror(errno));
	if (S_ISDIR(sb.st_mode))
		return ("is a directory");
	if (!S_ISREG(sb.st_mode))
		return ("not a regular file");
	return (NULL);
}

/*
 * Open a configuration file to read: in binary mode, so that on Windows a
 * ^Z byte does not end it early (the parsers take LF and CR LF alike),
 * and past a UTF-8 byte order mark, which Notepad may write.
 */
FILE *
conf_fopen(const char *path)
{
	FILE	*f;
	char	 bom[3];

	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	if (fread(bom, 1, sizeof bom, f) != sizeof bom ||
	    memcmp(bom, "\xef\xbb\xbf", sizeof bom) != 0)
		rewind(f);
	return (f);
}

/* Hash a service key, to find duplicates and matches without a scan. */
static unsigned int
conf_hash(const char *key)
{
	unsigned int	h = 5381;

	while (*key != '\0')
		h = h * 33 + (unsigned char)*key++;
	return (h % CONF_HASHSIZE);
}

/* What a table is keyed by: the socket (key) or the entry's name. */
static const char *
conf_name(const struct service *se, int by_name)
{
	return (by_name ? se->se_name : se->se_key);
}

/* Find a service by key or name in a hash table. */
static struct service *
conf_lookup(struct service **table, const char *name, int by_name)
{
	struct service	*se;

	for (se = table[conf_hash(name)]; se != NULL; se = se->se_hnext) {
		if (strcmp(conf_name(se, by_name), name) == 0)
			return (se);
	}
	return (NULL);
}

/* Add a service to a hash table by its key or name. */
static void
conf_insert(struct service **table, struct service *se, int by_name)
{
	unsigned int	h = conf_hash(conf_name(se, by_name));

	se->se_hnext = table[h];
	table[h] = se;
}

/* Take a service out of a name hash table, so it is matched once. */
static void
conf_remove_name(struct service **table, struct service *se)
{
	struct service	**pp;

	for (pp = &table[conf_hash(se->se_name)]; *pp != NULL;
	    pp = &(*pp)->se_hnext) {
		if (*pp == se) {
			*pp = se->se_hnext;
			return;
		}
	}
}

/*
 * Add a parsed service to the list being built, refusing duplicates. Every
 * attribute is in by now, so what applies to no such socket is said here.
 */
void
conf_add(struct conf_out *co, struct service *se)
{
	struct service	*dup;

	if (se->se_family == AF_UNIX && (se->se_per_source != 0 ||
	    se->se_cpm_per_ip != 0 || se->se_only_from.al_set ||
	    se->se_no_access.al_set))
		log_warnx("%s:%d: %s: per-address limits and access lists do "
		    "not apply to a unix socket; ignored", se->se_file,
		    se->se_line, se->se_label);

	if ((dup = conf_lookup(co->co_table, se->se_key, 0)) != NULL) {
		conf_error(se->se_file, se->se_line, "'%s' uses the same socket "
		    "as %s:%d", se->se_service, dup->se_file, dup->se_line);
		service_free(se);
		co->co_nerr++;
		return;
	}
	conf_insert(co->co_table, se, 0);
	*co->co_tail = se;
	co->co_tail = &se->se_next;
}

/*
 * Give entries that share a name (one port under two default-host lines)
 * labels with their address in front, so their log and dump lines can be
 * told apart; the reload still matches entries by the name.
 */
static void
conf_labels(struct service *list)
{
	struct service		**table, *se, *dup;
	const struct sockaddr_in6 *sin6;
	char			  host[INET6_ADDRSTRLEN], *label;
	unsigned		  port;
	int			  nshared = 0;

	table = xcalloc(CONF_HASHSIZE, sizeof *table);
	for (se = list; se != NULL; se = se->se_next) {
		if ((dup = conf_lookup(table, se->se_name, 1)) == NULL) {
			conf_insert(table, se, 1);
			continue;
		}
		dup->se_seen = se->se_seen = 1;
		nshared++;
	}
	free(table);
	for (se = list; nshared != 0 && se != NULL; se = se->se_next) {
		if (!se->se_seen)
			continue;
		se->se_seen = 0;
		if (listen_addr((struct sockaddr *)&se->se_addr, host,
		    sizeof host, &port) != 0)
			continue;
		sin6 = (const void *)&se->se_addr;
		if (se->se_addr.ss_family == AF_INET6 &&
		    sin6->sin6_scope_id != 0)	/* fe80::1%1 is not fe80::1%2 */
			xasprintf(&label, "[%s%%%lu]:%s", host,
			    (unsigned long)sin6->sin6_scope_id, se->se_name);
		else
			xasprintf(&label, strchr(host, ':') != NULL ?
			    "[%s]:%s" : "%s:%s", host, se->se_name);
		se->se_label = label;
	}
}

/*
 * A directory and a name in it, with the system's separator between them
 * unless the directory already ends in one (or, on Windows, is "Z:").
 */
char *
conf_join(const char *dir, const char *name)
{
	size_t	 len = strlen(dir);
	char	*path;

	if (len > 0 && (dir[len - 1] == '/' || (PLATFORM_DRIVE_PATHS &&
	    strchr("\\:", dir[len - 1]) != NULL)))
		xasprintf(&path, "%s%s", dir, name);
	else
		xasprintf(&path, "%s%s%s", dir, PLATFORM_DIRSEP, name);
	return (path);
}

/*
 * TCP wrappers' files with rules in them: xinetd and the inetds built with
 * libwrap apply them to every service, pinetd to none, so access an admin
 * relied on would widen without a word. Said at each load, unless every
 * program runs through tcpd, which reads them itself.
 */
static void
conf_wrappers(const struct service *list)
{
	static const char	*files[] = {
		"/etc/hosts.allow", "/etc/hosts.deny"
	};
	const struct service	*se;
	FILE			*f;
	char			*buf = NULL, *p;
	size_t			 size = 0;
	unsigned int		 i;
	int			 rules;

	for (se = list; se != NULL; se = se->se_next) {
		if (se->se_server == NULL ||
		    strcmp(conf_basename(se->se_server), "tcpd") != 0)
			break;
	}
	if (se == NULL)
		return;
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		if ((f = fopen(files[i], "r")) == NULL)
			continue;
		rules = 0;
		while (!rules && getline(&buf, &size, f) != -1) {
			p = buf + strspn(buf, " \t\r\n");
			rules = *p != '\0' && *p != '#';
		}
		fclose(f);
		if (rules)
			log_warnx("%s has rules, which pinetd does not apply "
			    "(xinetd and inetds built with libwrap do): write "
			    "them as only_from or no_access, or run the server "
			    "through tcpd", files[i]);
	}
	free(buf);
}

/*
 * Read a configuration (inetd.conf lines, or xinetd blocks: chosen by -x/-b
 * or by the file's first word) into a new list of services. Bad entries are
 * reported and left out; the count of errors is returned in *nerr, or -1 if
 * the file could not be read at all.
 */
struct service *
conf_load(const char *path, int *nerr)
{
	struct conf_out	 co;
	struct stat	 sb;
	FILE		*f = NULL;
	const char	*why;
	int		 xinetd = opts.dialect == DIALECT_XINETD;

	conf_child_made_done(0);	/* files an earlier load made stay */
	memset(&co, 0, sizeof co);
	co.co_tail = &co.co_list;
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		xinetd = 1;
	else if ((why = conf_regular(path)) != NULL) {
		/* A FIFO would hold the loop, /dev/zero fill the memory. */
		log_warnx("%s: %s", path, why);
		*nerr = -1;
		return (NULL);
	} else if ((f = conf_fopen(path)) == NULL) {
		log_warn("%s", path);
		*nerr = -1;
		return (NULL);
	}
	if (f != NULL && opts.dialect == DIALECT_AUTO)
		xinetd = conf_xinetd_detect(f);
	co.co_table = xcalloc(CONF_HASHSIZE, sizeof *co.co_table);
	conf_cache_reset();
	if (xinetd && opts.dialect == DIALECT_BSD)
		conf_bsd_dir(path, &co);	/* -b: inetutils' inetd.d */
	else if (xinetd)
		conf_xinetd_load(path, &co);
	else
		conf_bsd_load(path, f, &co);
	if (f != NULL)
		fclose(f);
	conf_cache_reset();
	free(co.co_table);
	conf_labels(co.co_list);
	if (co.co_nerr == 0)
		conf_wrappers(co.co_list);
	*nerr = co.co_nerr;
	return (co.co_list);
}

/* Free a list of services that never ran. */
void
conf_free_list(struct service *list)
{
	struct service	*se, *next;

	for (se = list; se != NULL; se = next) {
		next = se->se_next;
		service_free(se);
	}
}

/* Fill a table with the running services no entry has matched yet. */
static void
conf_table_unseen(struct service **table, int by_name)
{
	struct service	*se;

	memset(table, 0, CONF_HASHSIZE * sizeof *table);
	for (se = services; se != NULL; se = se->se_next) {
		if (!se->se_seen)
			conf_insert(table, se, by_name);
	}
}

/*
 * A running service and an entry at its address are one: it takes the
 * entry's settings if they differ, keeping its socket.
 */
static void
conf_adopt_key(struct service *old, struct service *se, int *changed)
{
	char	*name, *label;

	old->se_seen = 1;
	se->se_seen = 1;
	if (!service_same(old, se)) {
		service_adopt(old, se);
		(*changed)++;
		return;
	}
	/* Unchanged, but its label may have gained or lost the address. */
	name = old->se_name;
	label = old->se_label;
	old->se_name = se->se_name;
	old->se_label = se->se_label;
	se->se_name = name;
	se->se_label = label;
}

/*
 * Reread the file and merge it: unchanged services keep their sockets, changed
 * ones take their new settings, new ones open and missing ones close. A file
 * with any error changes nothing.
 */
int
conf_reload(const char *path)
{
	struct service	 *list, *se, *next, *old, **table, **tail;
	int		  nerr, added = 0, changed = 0, removed = 0, n, pass;

	list = conf_load(path, &nerr);
	if (nerr != 0) {
		if (nerr > 0)
			log_warnx("reload: %d errors in %s; configuration "
			    "unchanged", nerr, path);
		else
			log_warnx("reload: cannot read %s; configuration "
			    "unchanged", path);
		conf_free_list(list);
		conf_child_made_done(1);
		return (-1);
	}

	for (n = 0, se = list; se != NULL; se = se->se_next)
		n++;
	service_fd_limit(service_count() + n);	/* old and new, briefly */

	/* First by socket and name: the same service at the same address. */
	table = xcalloc(CONF_HASHSIZE, sizeof *table);
	for (tail = &services; *tail != NULL; tail = &(*tail)->se_next) {
		(*tail)->se_seen = 0;
		conf_insert(table, *tail, 0);
	}
	for (se = list; se != NULL; se = se->se_next) {
		if ((old = conf_lookup(table, se->se_key, 0)) == NULL ||
		    strcmp(old->se_name, se->se_name) != 0)
			continue;
		conf_adopt_key(old, se, &changed);
	}

	/*
	 * Then by name: the same entry moved to another address, with its
	 * children and counts, even if another entry now has its address.
	 */
	conf_table_unseen(table, 1);
	for (se = list; se != NULL; se = se->se_next) {
		if (se->se_seen ||
		    (old = conf_lookup(table, se->se_name, 1)) == NULL)
			continue;
		conf_remove_name(table, old);
		old->se_seen = 1;
		se->se_seen = 1;
		se->se_match = old;
	}

	/* Then by socket alone: an entry renamed at its address. */
	conf_table_unseen(table, 0);
	for (se = list; se != NULL; se = se->se_next) {
		if (se->se_seen ||
		    (old = conf_lookup(table, se->se_key, 0)) == NULL ||
		    old->se_seen)
			continue;
		conf_adopt_key(old, se, &changed);
	}
	free(table);

	/*
	 * Last, by a name an earlier reload removed while its servers ran: at
	 * the same socket for every entry, then anywhere.
	 */
	for (pass = 0; pass < 2; pass++) {
		for (se = list; se != NULL; se = se->se_next) {
			if (se->se_seen || (old = service_retired_find(
			    se->se_name, pass == 0 ? se->se_key : NULL)) == NULL)
				continue;
			se->se_seen = 1;
			se->se_match = old;
		}
	}

	/* Close what the file no longer has first, freeing its ports. */
	for (se = services; se != NULL; se = next) {
		next = se->se_next;
		if (!se->se_seen) {
			service_remove(se);
			removed++;
		}
	}
	for (tail = &services; *tail != NULL; tail = &(*tail)->se_next)
		;

	/*
	 * Then move entries to their new addresses, all old sockets closed
	 * first (two entries may swap addresses),
	 */
	for (se = list; se != NULL; se = se->se_next) {
		if (se->se_match != NULL)
			service_stop(se->se_match);
	}
	for (se = list; se != NULL; se = se->se_next) {
		if ((old = se->se_match) == NULL)
			continue;
		if (old->se_removed) {
			service_revive(old);
			*tail = old;
			tail = &old->se_next;
			added++;
		} else
			changed++;
		service_adopt(old, se);
		if (old->se_state == SE_CLOSED)
			service_start(old);	/* revived at its old key */
	}
	/* and open new ones, which may bind an address a move has freed. */
	for (se = list; se != NULL; se = next) {
		next = se->se_next;
		se->se_next = NULL;
		if (se->se_seen) {
			service_free(se);
			continue;
		}
		*tail = se;
		tail = &se->se_next;
		se->se_seen = 1;
		added++;
		service_start(se);
	}
	builtin_ports_update();
	log_info("reload: %d services (%d added, %d changed, %d removed)",
	    service_count(), added, changed, removed);
	return (0);
}
