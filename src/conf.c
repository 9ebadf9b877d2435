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

/* Find a service with this key in a hash table. */
static struct service *
conf_lookup(struct service **table, const char *key)
{
	struct service	*se;

	for (se = table[conf_hash(key)]; se != NULL; se = se->se_hnext) {
		if (strcmp(se->se_key, key) == 0)
			return (se);
	}
	return (NULL);
}

/* Add a service to a hash table by its key. */
static void
conf_insert(struct service **table, struct service *se)
{
	unsigned int	h = conf_hash(se->se_key);

	se->se_hnext = table[h];
	table[h] = se;
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
	if ((dup = conf_lookup(table, se->se_key)) != NULL) {
		conf_error(cb->cb_file, line, "'%s' uses the same socket as "
		    "line %d", se->se_service, dup->se_line);
		service_free(se);
		(*nerr)++;
		return;
	}
	conf_insert(table, se);
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
	cb.cb_uid = (int)geteuid();
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

	table = xcalloc(CONF_HASHSIZE, sizeof *table);
	for (tail = &services; *tail != NULL; tail = &(*tail)->se_next) {
		(*tail)->se_seen = 0;
		conf_insert(table, *tail);
	}

	for (se = list; se != NULL; se = next) {
		next = se->se_next;
		se->se_next = NULL;
		if ((old = conf_lookup(table, se->se_key)) != NULL) {
			old->se_seen = 1;
			if (!service_same(old, se)) {
				service_adopt(old, se);
				changed++;
			}
			service_free(se);
			continue;
		}
		*tail = se;
		tail = &se->se_next;
		se->se_seen = 1;
		added++;
		service_start(se);
	}
	free(table);

	for (se = services; se != NULL; se = next) {
		next = se->se_next;
		if (!se->se_seen) {
			service_remove(se);
			removed++;
		}
	}
	log_info("reload: %d services (%d added, %d changed, %d removed)",
	    service_count(), added, changed, removed);
	return (0);
}
