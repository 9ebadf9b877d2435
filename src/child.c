/*
 * The table of running children, by pid, and what a child's exit means.
 */

#include "pinetd.h"

#include <sys/wait.h>

#include <stdlib.h>

#define CHILD_HASHSIZE	4096

/* One running server process. */
struct child {
	pid_t		 ch_pid;
	struct service	*ch_service;
	struct source	*ch_source;	/* for per-address limits, or NULL */
	struct child	*ch_next;
};

static struct child	*child_table[CHILD_HASHSIZE];
static int		 child_running;

/* The bucket for a pid. */
static struct child **
child_bucket(pid_t pid)
{
	return (&child_table[(unsigned long)pid % CHILD_HASHSIZE]);
}

/* Remember a child started for a service, which it keeps alive. */
void
child_add(pid_t pid, struct service *se, struct source *so)
{
	struct child	*ch, **bucket = child_bucket(pid);

	ch = xmalloc(sizeof *ch);
	ch->ch_pid = pid;
	ch->ch_service = se;
	ch->ch_source = so;
	limit_started(so);
	ch->ch_next = *bucket;
	*bucket = ch;
	service_ref(se);
	se->se_children++;
	child_running++;
}

/* A child was reaped: log it, re-arm its wait service, release the service. */
void
child_exited(pid_t pid, int status)
{
	struct child	*ch, **pp;
	struct service	*se;

	for (pp = child_bucket(pid); (ch = *pp) != NULL; pp = &ch->ch_next) {
		if (ch->ch_pid == pid)
			break;
	}
	if (ch == NULL)
		return;
	*pp = ch->ch_next;
	se = ch->ch_service;
	limit_exited(ch->ch_source);
	free(ch);
	child_running--;

	if (opts.log_conns) {
		if (WIFSIGNALED(status))
			log_info("%s: pid %ld killed by signal %d",
			    se->se_label, (long)pid, WTERMSIG(status));
		else
			log_info("%s: pid %ld exited, status %d",
			    se->se_label, (long)pid, WEXITSTATUS(status));
	} else if (WIFSIGNALED(status))
		log_warnx("%s: pid %ld killed by signal %d", se->se_label,
		    (long)pid, WTERMSIG(status));
	se->se_children--;
	if (se->se_wait)
		service_idle(se);
	service_unref(se);
}

/* How many children are running. */
int
child_count(void)
{
	return (child_running);
}
