/*
 * Per-service limits on servers: at most N at once (instances), at most N at
 * once from one source address (per_source), and at most N connections from
 * one address per minute. Checked before a process starts; a connection over
 * a limit is closed and counted, and the service keeps serving others.
 */

#include "pinetd.h"

#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIMIT_HASHSIZE	256

/* One source address with running children or recent connections. */
struct source {
	int		 so_family;
	unsigned char	 so_addr[16];
	int		 so_children;	/* running now */
	int		 so_count;	/* connections in this minute */
	time_t		 so_window;
	struct source	*so_next;
};

/* The bytes of an internet address; 0 if the family has none. */
static size_t
limit_addr(const struct sockaddr *sa, unsigned char out[16])
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;

	switch (sa->sa_family) {
	case AF_INET:
		memcpy(out, &sin->sin_addr, 4);
		return (4);
	case AF_INET6:
		memcpy(out, &sin6->sin6_addr, 16);
		return (16);
	}
	return (0);
}

/* Find (or, with create, make) the record for a source address. */
static struct source *
limit_source(struct service *se, const struct sockaddr *sa, int create)
{
	struct source	*so, **bucket, **pp;
	unsigned char	 addr[16];
	time_t		 now;
	unsigned int	 h = 0;
	size_t		 len, i;

	if ((len = limit_addr(sa, addr)) == 0)
		return (NULL);
	for (i = 0; i < len; i++)
		h = h * 31 + addr[i];
	if (se->se_sources == NULL) {
		if (!create)
			return (NULL);
		se->se_sources = xcalloc(LIMIT_HASHSIZE, sizeof *bucket);
	}
	bucket = (struct source **)se->se_sources + h % LIMIT_HASHSIZE;
	now = time(NULL);
	for (pp = bucket; (so = *pp) != NULL; ) {
		if (so->so_family == sa->sa_family &&
		    memcmp(so->so_addr, addr, len) == 0)
			return (so);
		if (so->so_children == 0 && (se->se_cpm_per_ip == 0 ||
		    now - so->so_window >= 60 || now < so->so_window)) {
			*pp = so->so_next;	/* idle: forget it */
			free(so);
			continue;
		}
		pp = &so->so_next;
	}
	if (!create)
		return (NULL);
	so = xcalloc(1, sizeof *so);
	so->so_family = sa->sa_family;
	memcpy(so->so_addr, addr, len);
	so->so_next = *bucket;
	*bucket = so;
	return (so);
}

/*
 * Which limit of 0 (in xinetd's sense: no client) a service has, or NULL:
 * for what limit_check does not see, datagrams and wait servers.
 */
const char *
limit_none(const struct service *se)
{
	if (se->se_instances == LIMIT_NONE)
		return ("instances");
	if (se->se_per_source == LIMIT_NONE)
		return ("per_source");
	return (NULL);
}

/*
 * Check the limits for a new connection from sa. Returns the source record
 * to charge the child to (NULL for a peer with no address, or one
 * refused), and sets *why to a reason when the connection must be refused.
 * The record is kept even for a service with no per-address limit, so that
 * one a reload adds counts the servers already running (they went
 * uncounted: 12 ran at once from one address under per_source = 2).
 */
struct source *
limit_check(struct service *se, const struct sockaddr *sa, const char **why)
{
	struct source	*so = NULL;
	time_t		 now;

	*why = NULL;
	if (se->se_instances != 0 && se->se_children + se->se_active >=
	    LIMIT_OF(se->se_instances)) {
		*why = "instances";
		return (NULL);
	}
	if ((so = limit_source(se, sa, 1)) == NULL)
		return (NULL);
	if (se->se_per_source != 0 &&
	    so->so_children >= LIMIT_OF(se->se_per_source)) {
		*why = "per_source";
		return (NULL);
	}
	if (se->se_cpm_per_ip > 0) {
		now = time(NULL);
		if (now - so->so_window >= 60 || now < so->so_window) {
			so->so_window = now;
			so->so_count = 0;
		}
		if (++so->so_count > se->se_cpm_per_ip) {
			*why = "connections per minute from one address";
			return (NULL);
		}
	}
	return (so);
}

/* A child started for a source: count it. */
void
limit_started(struct source *so)
{
	if (so != NULL)
		so->so_children++;
}

/* A child from a source exited. */
void
limit_exited(struct source *so)
{
	if (so != NULL && so->so_children > 0)
		so->so_children--;
}

/* Free a service's source table. */
void
limit_free(struct service *se)
{
	struct source	**table = se->se_sources, *so, *next;
	int		  i;

	if (table == NULL)
		return;
	for (i = 0; i < LIMIT_HASHSIZE; i++) {
		for (so = table[i]; so != NULL; so = next) {
			next = so->so_next;
			free(so);
		}
	}
	free(table);
	se->se_sources = NULL;
}
