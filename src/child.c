/*
 * The table of running children, by pid, and what a child's exit means.
 */

#include "pinetd.h"

#include <sys/time.h>
#include <sys/wait.h>

#include <stdio.h>

#include <stdlib.h>

#define CHILD_HASHSIZE	4096

/* One running server process. */
struct child {
	pid_t		 ch_pid;
	struct service	*ch_service;
	struct source	*ch_source;	/* for per-address limits, or NULL */
	struct timeval	 ch_start;	/* for log_on_success DURATION */
	int		 ch_holds;	/* a wait service's: has its socket */
	unsigned int	 ch_sockgen;	/* which one (se_sockgen then) */
	int		 ch_relayed;	/* a hand-off server a relay feeds */
	int		 ch_failed;	/* it reported it could not start */
	char		*ch_unlink;	/* a unix socket file to remove at exit */
	dev_t		 ch_dev;	/* and its identity */
	ino_t		 ch_ino;
	struct child	*ch_next;
};

static struct child	*child_table[CHILD_HASHSIZE];
static int		 child_unlinks;	/* children with a ch_unlink */
static int		 child_running;

/* The bucket for a pid. */
static struct child **
child_bucket(pid_t pid)
{
	return (&child_table[(unsigned long)pid % CHILD_HASHSIZE]);
}

/*
 * Remember a child started for a service, which it keeps alive. holds is
 * set for a wait service's child, which has the listening socket: only its
 * exit gives the socket back, whatever a reload made of the service since.
 * The start time is taken always, as a reload may turn DURATION on.
 */
void
child_add(pid_t pid, struct service *se, struct source *so, int holds)
{
	struct child	*ch, **bucket = child_bucket(pid);

	ch = xmalloc(sizeof *ch);
	ch->ch_pid = pid;
	ch->ch_service = se;
	ch->ch_source = so;
	ch->ch_holds = holds;
	ch->ch_sockgen = se->se_sockgen;
	ch->ch_relayed = se->se_handoff != HANDOFF_SOCKET;
	ch->ch_unlink = NULL;
	ch->ch_failed = 0;
	gettimeofday(&ch->ch_start, NULL);
	limit_started(so);
	ch->ch_next = *bucket;
	*bucket = ch;
	service_ref(se);
	se->se_children++;
	child_running++;
}

/*
 * A child was reaped: log it, give a wait service its socket back if this
 * child had it (and the socket was not closed and reopened since, as a
 * reload that moves the service does: the new one may have its own child;
 * then the old socket is gone with the child, and a bind it blocked is
 * retried), release the service.
 */
void
child_exited(pid_t pid, int status)
{
	struct child	*ch, **pp;
	struct service	*se;
	struct timeval	 start, now;
	char		 dur[64] = "";
	int		 holds, failed;
	unsigned int	 gen;

	for (pp = child_bucket(pid); (ch = *pp) != NULL; pp = &ch->ch_next) {
		if (ch->ch_pid == pid)
			break;
	}
	if (ch == NULL)
		return;
	*pp = ch->ch_next;
	if (ch->ch_relayed) {		/* only those have relays to tell */
		relay_forget(pid, ch->ch_source);
		handoff_forget(pid);
	}
	se = ch->ch_service;
	limit_exited(ch->ch_source);
	start = ch->ch_start;
	holds = ch->ch_holds;
	gen = ch->ch_sockgen;
	failed = ch->ch_failed;
	if (ch->ch_unlink != NULL) {
		listen_unlink(ch->ch_unlink, ch->ch_dev, ch->ch_ino);
		free(ch->ch_unlink);
		child_unlinks--;
	}
	free(ch);
	if (se->se_log_success & LOGF_DURATION) {
		gettimeofday(&now, NULL);
		snprintf(dur, sizeof dur, ", duration %.3f s",
		    (double)(now.tv_sec - start.tv_sec) +
		    (now.tv_usec - start.tv_usec) / 1e6);
	}
	child_running--;

	if (opts.log_conns || (se->se_log_success & LOGF_EXIT)) {
		if (WIFSIGNALED(status))
			service_log(se, "%s: pid %ld killed by signal %d%s",
			    se->se_label, (long)pid, WTERMSIG(status), dur);
		else
			service_log(se, "%s: pid %ld exited, status %d%s",
			    se->se_label, (long)pid, WEXITSTATUS(status), dur);
	} else if (WIFSIGNALED(status))
		log_warnx("%s: pid %ld killed by signal %d", se->se_label,
		    (long)pid, WTERMSIG(status));
	se->se_children--;
	if (holds && gen == se->se_sockgen) {
		service_idle(se);
		if (failed)
			service_backoff(se);	/* not at once again */
	}
	service_retry_now();	/* the sockets it held are closed now */
	service_unref(se);
}

/*
 * A wait service's unix socket is being closed while its server holds it:
 * that server (the child holding this socket) removes the file when it
 * exits. 0 if no child holds it, and the caller removes the file now.
 */
int
child_unlink_later(struct service *se, const char *path, dev_t dev, ino_t ino)
{
	struct child	*ch;
	int		 i;

	for (i = 0; i < CHILD_HASHSIZE; i++) {
		for (ch = child_table[i]; ch != NULL; ch = ch->ch_next) {
			if (ch->ch_service != se || !ch->ch_holds ||
			    ch->ch_sockgen != se->se_sockgen)
				continue;
			if (ch->ch_unlink == NULL)
				child_unlinks++;
			free(ch->ch_unlink);
			ch->ch_unlink = xstrdup(path);
			ch->ch_dev = dev;
			ch->ch_ino = ino;
			return (1);
		}
	}
	return (0);
}

/*
 * Whether a running wait server holds the unix socket file (device and
 * inode): then it is no stale file to remove before a bind, and the bind
 * waits for that server's exit instead of starting a second one beside it.
 */
int
child_holds_file(dev_t dev, ino_t ino)
{
	struct child	*ch;
	int		 i;

	for (i = 0; i < CHILD_HASHSIZE && child_unlinks > 0; i++) {
		for (ch = child_table[i]; ch != NULL; ch = ch->ch_next) {
			if (ch->ch_unlink != NULL && ch->ch_dev == dev &&
			    ch->ch_ino == ino)
				return (1);
		}
	}
	return (0);
}

/*
 * A forked child said it could not start its server. A wait server's
 * socket is then watched again only after a pause, as when vfork fails:
 * at the child's exit if it is still running, else now.
 */
void
child_start_failed(pid_t pid, struct service *se)
{
	struct child	*ch;

	for (ch = *child_bucket(pid); ch != NULL; ch = ch->ch_next) {
		if (ch->ch_pid == pid) {
			ch->ch_failed = 1;
			return;
		}
	}
	if (se->se_wait && se->se_state == SE_LISTEN)
		service_backoff(se);
}

/* How many children are running. */
int
child_count(void)
{
	return (child_running);
}

/* Whether a child is still running (not yet reaped), so it may be killed. */
int
child_alive(pid_t pid)
{
	struct child	*ch;

	for (ch = *child_bucket(pid); ch != NULL; ch = ch->ch_next) {
		if (ch->ch_pid == pid)
			return (1);
	}
	return (0);
}
