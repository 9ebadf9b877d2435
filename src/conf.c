/*
 * Reading the configuration file and merging it into the running table.
 */

#include "pinetd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONF_HASHSIZE	1024

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

/* Hash a service key, to find duplicates and matches without a scan. */
static unsigned int
conf_hash(const char *key)
{
	unsigned int	h = 5381;

	while (*key != '\0')
		h = h * 33 + (unsigned char)*key++;
	return (h % CONF_HASHSIZE);
}

/* What a table is keyed by: the socket (key) or the entry's name (label). */
static const char *
conf_name(const struct service *se, int by_label)
{
	return (by_label ? se->se_label : se->se_key);
}

/* Find a service by key or label in a hash table. */
static struct service *
conf_lookup(struct service **table, const char *name, int by_label)
{
	struct service	*se;

	for (se = table[conf_hash(name)]; se != NULL; se = se->se_hnext) {
		if (strcmp(conf_name(se, by_label), name) == 0)
			return (se);
	}
	return (NULL);
}

/* Add a service to a hash table by its key or label. */
static void
conf_insert(struct service **table, struct service *se, int by_label)
{
	unsigned int	h = conf_hash(conf_name(se, by_label));

	se->se_hnext = table[h];
	table[h] = se;
}

/* Take a service out of a label hash table, so it is matched once. */
static void
conf_remove_label(struct service **table, struct service *se)
{
	struct service	**pp;

	for (pp = &table[conf_hash(se->se_label)]; *pp != NULL;
	    pp = &(*pp)->se_hnext) {
		if (*pp == se) {
			*pp = se->se_hnext;
			return;
		}
	}
}

/* Whether a line only continues the entry before it (starts with a blank). */
static int
conf_is_continuation(const char *line)
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
conf_is_empty(const char *line)
{
	while (*line == ' ' || *line == '\t' || *line == '\r' || *line == '\n')
		line++;
	return (*line == '\0' || *line == '#');
}

/* Parse one whole entry and append it to the list, refusing duplicates. */
static void
conf_entry(struct conf_bsd *cb, int line, char *text, struct service ***tail,
    struct service **table, int *nerr)
{
	struct service	*se, *dup;

	if ((se = conf_bsd_line(cb, line, text, nerr)) == NULL)
		return;
	if ((dup = conf_lookup(table, se->se_key, 0)) != NULL) {
		conf_error(cb->cb_file, line, "'%s' uses the same socket as "
		    "line %d", se->se_service, dup->se_line);
		service_free(se);
		(*nerr)++;
		return;
	}
	conf_insert(table, se, 0);
	**tail = se;
	*tail = &se->se_next;
}

/*
 * Read a configuration file into a new list of services. Bad entries are
 * reported and left out; the count of errors is returned in *nerr, or -1 if
 * the file could not be read at all.
 */
struct service *
conf_load(const char *path, int *nerr)
{
	struct conf_bsd	  cb;
	struct service	 *list = NULL, **tail = &list, **table;
	FILE		 *f;
	char		 *buf = NULL, *entry = NULL;
	size_t		  bufsize = 0, elen = 0, len;
	int		  line = 0, eline = 0;

	*nerr = 0;
	if ((f = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		*nerr = -1;
		return (NULL);
	}
	memset(&cb, 0, sizeof cb);
	cb.cb_file = path;
	table = xcalloc(CONF_HASHSIZE, sizeof *table);

	while (getline(&buf, &bufsize, f) != -1) {
		line++;
		if (entry != NULL && conf_is_continuation(buf)) {
			len = strlen(buf);
			entry = xreallocarray(entry, elen + len + 2, 1);
			entry[elen++] = ' ';
			memcpy(entry + elen, buf, len + 1);
			elen += len;
			continue;
		}
		if (entry != NULL) {
			conf_entry(&cb, eline, entry, &tail, table, nerr);
			free(entry);
			entry = NULL;
		}
		if (conf_is_empty(buf))
			continue;
		entry = xstrdup(buf);
		elen = strlen(entry);
		eline = line;
	}
	if (ferror(f)) {
		log_warn("%s", path);
		(*nerr)++;
	}
	if (entry != NULL) {
		conf_entry(&cb, eline, entry, &tail, table, nerr);
		free(entry);
	}
	free(buf);
	free(table);
	conf_bsd_free(&cb);
	fclose(f);
	return (list);
}

/* Free a list of services that never ran. */
static void
conf_free_list(struct service *list)
{
	struct service	*se, *next;

	for (se = list; se != NULL; se = next) {
		next = se->se_next;
		service_free(se);
	}
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
	int		  nerr, added = 0, changed = 0, removed = 0;

	list = conf_load(path, &nerr);
	if (nerr != 0) {
		if (nerr > 0)
			log_warnx("reload: %d errors in %s; configuration "
			    "unchanged", nerr, path);
		else
			log_warnx("reload: cannot read %s; configuration "
			    "unchanged", path);
		conf_free_list(list);
		return (-1);
	}

	/* First match by socket: same address, same service. */
	table = xcalloc(CONF_HASHSIZE, sizeof *table);
	for (tail = &services; *tail != NULL; tail = &(*tail)->se_next) {
		(*tail)->se_seen = 0;
		conf_insert(table, *tail, 0);
	}
	for (se = list; se != NULL; se = se->se_next) {
		if ((old = conf_lookup(table, se->se_key, 0)) != NULL) {
			old->se_seen = 1;
			se->se_seen = 1;
			if (!service_same(old, se)) {
				service_adopt(old, se);
				changed++;
			}
		}
	}

	/* Then by name: the same entry moved to another address. */
	memset(table, 0, CONF_HASHSIZE * sizeof *table);
	for (old = services; old != NULL; old = old->se_next) {
		if (!old->se_seen)
			conf_insert(table, old, 1);
	}
	for (se = list; se != NULL; se = se->se_next) {
		if (se->se_seen ||
		    (old = conf_lookup(table, se->se_label, 1)) == NULL)
			continue;
		conf_remove_label(table, old);
		old->se_seen = 1;
		se->se_seen = 1;
		se->se_match = old;
	}
	free(table);

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

	/* Then move entries to their new addresses and open new ones. */
	for (se = list; se != NULL; se = next) {
		next = se->se_next;
		se->se_next = NULL;
		if (se->se_match != NULL) {
			service_adopt(se->se_match, se);
			changed++;
		}
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
	log_info("reload: %d services (%d added, %d changed, %d removed)",
	    service_count(), added, changed, removed);
	return (0);
}
