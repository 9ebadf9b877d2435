/*
 * The service table: opening and closing each service's socket, its start
 * rate limit, and the timers that pause and retry it.
 */

#include "pinetd.h"

#include <sys/stat.h>

#include <event2/event.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct service	*services;
static struct service *service_retired;	/* removed, servers still running */
static int		service_retrying;	/* a bind failed: address in use */
static int		service_early;		/* in service_retry_now */
static struct event	*service_soon;		/* service_retry_soon's timer */

static void	service_timer_cb(evutil_socket_t, short, void *);
static void	service_pause(struct service *, int);
static void	service_unlink(struct service **, struct service *);

/* Allocate an empty service holding one reference (the table's). */
struct service *
service_new(void)
{
	struct service	*se;

	se = xcalloc(1, sizeof *se);
	se->se_fd = -1;
	se->se_umask = -1;
	se->se_sockmode = 0666;
	se->se_refs = 1;
	se->se_state = SE_CLOSED;
	return (se);
}

/* Free what the configuration gave a service: its settings, names and key. */
static void
service_free_config(struct service *se)
{
	int	i;

	intern_drop(se->se_user);
	intern_drop(se->se_group);
	free(se->se_groups);
	intern_drop(se->se_server);
	if (se->se_argv != NULL) {
		for (i = 0; se->se_argv[i] != NULL; i++)
			intern_drop(se->se_argv[i]);
		free(se->se_argv);
	}
	intern_drop(se->se_proto);
	acl_free(&se->se_only_from);
	acl_free(&se->se_no_access);
	env_free_list(se->se_envbase);
	if (se->se_logfile != NULL)
		fclose(se->se_logfile);
	free(se->se_logpath);
	free(se->se_cpus);
	free(se->se_console);
	tls_free(se);
	for (i = 0; se->se_banners != NULL && i < BANNER_N; i++)
		free(se->se_banners[i].bn_buf);
	free(se->se_banners);
	free(se->se_rlimits);
	free(se->se_redirect);
	free(se->se_times);
	intern_drop(se->se_file);
	if (se->se_label != se->se_name)
		free(se->se_label);
	free(se->se_name);
	free(se->se_key);
	free(se->se_service);
}

/* Free a service that has no socket and no users left. */
void
service_free(struct service *se)
{
	if (se->se_ev != NULL)
		event_free(se->se_ev);
	if (se->se_timer != NULL)
		event_free(se->se_timer);
	if (se->se_fd != -1)
		listen_close(se);
	limit_free(se);
	service_free_config(se);
	if (se->se_removed)
		service_unlink(&service_retired, se);
	free(se);
}

/* Take a reference: a child or connection still needs the service. */
void
service_ref(struct service *se)
{
	se->se_refs++;
}

/* Drop a reference, freeing a removed service when the last one goes. */
void
service_unref(struct service *se)
{
	if (--se->se_refs == 0)
		service_free(se);
}

/*
 * A connection served inside the daemon (a built-in, a relay) begins: it
 * holds the service and counts against its instances and per-source limits.
 */
void
service_conn_begin(struct service *se, struct source *so)
{
	service_ref(se);
	se->se_active++;
	limit_started(so);
}

/* Such a connection ends: undo service_conn_begin. */
void
service_conn_end(struct service *se, struct source *so)
{
	limit_exited(so);
	se->se_active--;
	service_unref(se);
}

/* Whether a service needs a non-blocking socket (the daemon reads it). */
int
service_nonblocking(const struct service *se)
{
	return (se->se_builtin != NULL || se->se_redirectlen > 0 ||
	    !se->se_wait);
}

/* Arm the service's timer for some seconds. */
static void
service_timer(struct service *se, int seconds)
{
	struct timeval	tv = { seconds, 0 };

	if (se->se_timer == NULL)
		se->se_timer = evtimer_new(ev_base, service_timer_cb, se);
	evtimer_add(se->se_timer, &tv);
}

/* Open the socket and start watching it; retry later if it cannot bind. */
void
service_start(struct service *se)
{
	char	addr[256];
	int	saved;

	se->se_paused = 0;	/* any pause is over when a service starts */
	/* listen_open_many may have opened it, or failed to, at start-up. */
	if ((saved = se->se_openerr) != 0)
		se->se_openerr = 0;
	else if (se->se_fd == -1 && listen_open(se) == -1)
		saved = errno;
	if (saved != 0) {
		listen_ntop((struct sockaddr *)&se->se_addr, se->se_addrlen,
		    addr, sizeof addr);
		/* An early retry that fails again was logged already. */
		if (service_early && se->se_inuse && saved == EADDRINUSE)
			log_debug("%s: %s %s: %s still", se->se_label,
			    se->se_openstep, addr, strerror(saved));
		else
			log_warnx("%s: %s %s: %s; retrying in %d s",
			    se->se_label, se->se_openstep, addr,
			    strerror(saved), opts.retry);
		se->se_state = SE_RETRY;
		/* Only a socket some process still holds can free it. */
		se->se_inuse = saved == EADDRINUSE;
		service_retrying |= se->se_inuse;
		service_timer(se, opts.retry);
		return;
	}
	se->se_ev = event_new(ev_base, se->se_fd, EV_READ|EV_PERSIST,
	    listen_ready_cb, se);
	event_add(se->se_ev, NULL);
	se->se_state = SE_LISTEN;
	if (log_debugging()) {
		listen_ntop((struct sockaddr *)&se->se_addr, se->se_addrlen,
		    addr, sizeof addr);
		log_debug("%s: listening on %s", se->se_label, addr);
	}
}

/* Close the socket and forget any timer. */
void
service_stop(struct service *se)
{
	if (se->se_ev != NULL) {
		event_free(se->se_ev);
		se->se_ev = NULL;
	}
	if (se->se_timer != NULL)
		evtimer_del(se->se_timer);
	if (se->se_fd != -1) {
		listen_close(se);
		se->se_sockgen++;	/* a child holding it no longer counts */
	}
	se->se_reopen = 0;		/* closed: opened anew, whenever */
	se->se_state = SE_CLOSED;
}

/* Take a service off a list: the table, or the retired. */
static void
service_unlink(struct service **list, struct service *se)
{
	struct service	**pp;

	for (pp = list; *pp != NULL; pp = &(*pp)->se_next) {
		if (*pp == se) {
			*pp = se->se_next;
			break;
		}
	}
	se->se_next = NULL;
}

/* Take a service out of the table; it is freed when its children are gone. */
void
service_remove(struct service *se)
{
	service_unlink(&services, se);
	service_stop(se);
	se->se_removed = 1;
	if (se->se_refs > 1) {
		se->se_next = service_retired;
		service_retired = se;
	}
	service_unref(se);
}

/*
 * A reload adds an entry of the same name as one an earlier reload removed
 * while its servers ran: hand that service back (out of the table still),
 * so the entry takes it over and those servers count against its limits.
 * Names repeat (one per address), so the caller asks with the socket's key
 * for every entry first, then with NULL (the name alone).
 */
struct service *
service_retired_find(const char *name, const char *key)
{
	struct service	*se;

	for (se = service_retired; se != NULL; se = se->se_next) {
		if (strcmp(se->se_name, name) != 0 ||
		    (key != NULL && strcmp(se->se_key, key) != 0))
			continue;
		service_unlink(&service_retired, se);
		return (se);
	}
	return (NULL);
}

/* A service service_retired_find gave back goes in the table again. */
void
service_revive(struct service *se)
{
	se->se_removed = 0;
	service_ref(se);
}

/* Close every service, for shutdown. */
void
service_stop_all(void)
{
	struct service	*se, *next;

	for (se = services; se != NULL; se = next) {
		next = se->se_next;
		service_remove(se);
	}
	if (service_soon != NULL)
		event_free(service_soon);
	service_soon = NULL;
}

/* How many services are in the table. */
int
service_count(void)
{
	struct service	*se;
	int		 n = 0;

	for (se = services; se != NULL; se = se->se_next)
		n++;
	return (n);
}

/* Compare two strings either of which may be NULL. */
static int
service_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

/* Compare rlimit_* settings; a NULL array sets none. */
static int
service_rlimits_equal(const struct service *a, const struct service *b)
{
	const struct rlimit_set	*ra, *rb;
	int			 i;

	for (i = 0; i < PINETD_NRLIMITS; i++) {
		ra = a->se_rlimits != NULL ? &a->se_rlimits[i] : NULL;
		rb = b->se_rlimits != NULL ? &b->se_rlimits[i] : NULL;
		if ((ra != NULL && ra->rl_set) != (rb != NULL && rb->rl_set))
			return (0);
		if (ra != NULL && ra->rl_set && ra->rl_value != rb->rl_value)
			return (0);
	}
	return (1);
}

/* Compare banner contents; a NULL array has none. */
static int
service_banners_equal(const struct service *a, const struct service *b)
{
	size_t	 la, lb;
	int	 i;

	for (i = 0; i < BANNER_N; i++) {
		la = a->se_banners != NULL ? a->se_banners[i].bn_len : 0;
		lb = b->se_banners != NULL ? b->se_banners[i].bn_len : 0;
		if (la != lb)
			return (0);
		if (la > 0 && memcmp(a->se_banners[i].bn_buf,
		    b->se_banners[i].bn_buf, la) != 0)
			return (0);
	}
	return (1);
}

/* Compare supplementary groups; NULL: none read, initgroups in the child. */
static int
service_groups_equal(const struct service *a, const struct service *b)
{
	if ((a->se_groups == NULL) != (b->se_groups == NULL) ||
	    a->se_ngroups != b->se_ngroups)
		return (0);
	return (a->se_ngroups == 0 || memcmp(a->se_groups, b->se_groups,
	    a->se_ngroups * sizeof *a->se_groups) == 0);
}

/*
 * Whether two log_type FILE handles are open on the same file: once the file
 * was moved away (log rotation), a reload must take the newly opened one.
 */
static int
service_logfile_same(const struct service *a, const struct service *b)
{
	struct stat	sa, sb;

	if (a->se_logfile == NULL || b->se_logfile == NULL)
		return (a->se_logfile == b->se_logfile);
	if (fstat(fileno(a->se_logfile), &sa) == -1 ||
	    fstat(fileno(b->se_logfile), &sb) == -1)
		return (0);
	return (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

/* Whether two services with the same key are configured the same. */
int
service_same(const struct service *a, const struct service *b)
{
	int	i;

	if (a->se_wait != b->se_wait || a->se_max != b->se_max ||
	    a->se_socktype != b->se_socktype ||
	    a->se_reuseport != b->se_reuseport ||
	    a->se_sockmode != b->se_sockmode ||
	    a->se_sockown != b->se_sockown || a->se_sockuid != b->se_sockuid ||
	    a->se_sockgid != b->se_sockgid ||
	    a->se_instances != b->se_instances ||
	    a->se_per_source != b->se_per_source ||
	    a->se_cpm_per_ip != b->se_cpm_per_ip ||
	    a->se_builtin != b->se_builtin || a->se_uid != b->se_uid ||
	    a->se_gid != b->se_gid || a->se_setuser != b->se_setuser ||
	    a->se_argc != b->se_argc)
		return (0);
	if (!acl_same(&a->se_only_from, &b->se_only_from) ||
	    !acl_same(&a->se_no_access, &b->se_no_access) ||
	    !env_same(a->se_envbase, b->se_envbase))
		return (0);
	if (a->se_cps != b->se_cps || a->se_cps_pause != b->se_cps_pause ||
	    a->se_log_success != b->se_log_success ||
	    a->se_log_failure != b->se_log_failure ||
	    a->se_nodelay != b->se_nodelay ||
	    a->se_keepalive != b->se_keepalive ||
	    a->se_cleanenv != b->se_cleanenv)
		return (0);
	if (a->se_umask != b->se_umask || a->se_nice != b->se_nice ||
	    a->se_nice_set != b->se_nice_set ||
	    a->se_nogroups != b->se_nogroups ||
	    a->se_max_load != b->se_max_load || a->se_ntimes != b->se_ntimes ||
	    a->se_redirectlen != b->se_redirectlen ||
	    a->se_sndbuf != b->se_sndbuf || a->se_rcvbuf != b->se_rcvbuf ||
	    a->se_ncpus != b->se_ncpus || (a->se_ncpus > 0 &&
	    memcmp(a->se_cpus, b->se_cpus, a->se_ncpus * sizeof *a->se_cpus)
	    != 0) || !service_streq(a->se_console, b->se_console) ||
	    !service_streq(a->se_tlscert, b->se_tlscert) ||
	    a->se_handoff != b->se_handoff ||
	    !service_streq(a->se_tlskey, b->se_tlskey) ||
	    a->se_logfacility != b->se_logfacility ||
	    a->se_logsoft != b->se_logsoft || a->se_loghard != b->se_loghard ||
	    !service_streq(a->se_logpath, b->se_logpath) ||
	    (a->se_redirectlen > 0 && memcmp(a->se_redirect, b->se_redirect,
	    a->se_redirectlen) != 0) ||
	    !service_rlimits_equal(a, b) ||
	    (a->se_ntimes > 0 && memcmp(a->se_times, b->se_times,
	    a->se_ntimes * sizeof *a->se_times) != 0))
		return (0);
	if (!service_banners_equal(a, b) || !service_groups_equal(a, b) ||
	    !service_logfile_same(a, b) || !tls_same(a, b))
		return (0);
	if (!service_streq(a->se_name, b->se_name) ||
	    !service_streq(a->se_service, b->se_service) ||
	    !service_streq(a->se_proto, b->se_proto) ||
	    !service_streq(a->se_user, b->se_user) ||
	    !service_streq(a->se_group, b->se_group) ||
	    !service_streq(a->se_server, b->se_server))
		return (0);
	for (i = 0; i < a->se_argc; i++) {
		if (strcmp(a->se_argv[i], b->se_argv[i]) != 0)
			return (0);
	}
	return (1);
}

/* Put back the run-time state a reload must not lose. */
static void
service_keep_state(struct service *se, const struct service *run)
{
	se->se_state = run->se_state;
	se->se_fd = run->se_fd;
	se->se_unixdev = run->se_unixdev;
	se->se_unixino = run->se_unixino;
	se->se_openerr = run->se_openerr;
	se->se_inuse = run->se_inuse;
	se->se_openstep = run->se_openstep;
	se->se_ev = run->se_ev;
	se->se_timer = run->se_timer;
	se->se_count = run->se_count;
	se->se_window = run->se_window;
	se->se_paused = run->se_paused;
	se->se_cps_count = run->se_cps_count;
	se->se_cps_time = run->se_cps_time;
	se->se_children = run->se_children;
	se->se_sockgen = run->se_sockgen;
	se->se_reopen = run->se_reopen;
	se->se_active = run->se_active;
	se->se_sources = run->se_sources;
	se->se_accepted = run->se_accepted;
	se->se_refused = run->se_refused;
	se->se_failed = run->se_failed;
	se->se_refusedlog = run->se_refusedlog;
	se->se_refs = run->se_refs;
	se->se_removed = run->se_removed;
	se->se_seen = run->se_seen;
	se->se_match = run->se_match;
	se->se_next = run->se_next;
	se->se_hnext = run->se_hnext;
}

/*
 * Give a running service the configuration of its replacement from a reload:
 * every configuration field moves over (so a new field needs no code here),
 * the run-time state stays, and the socket is reopened only if its address,
 * its type (a unix path keeps its key), SO_REUSEPORT, its buffer sizes,
 * whether a built-in answers its datagrams (dgram_setup's options) or the
 * daemon's use of it changes. A pause over a rate ends if the reload
 * changed that rate (fix, then SIGHUP, as with inetd).
 * The replacement is left empty.
 */
void
service_adopt(struct service *se, struct service *from)
{
	struct service	run;
	time_t		now = time(NULL);
	int		reopen, resume, later = 0;

	resume = se->se_state == SE_PAUSED && (se->se_max != from->se_max ||
	    se->se_cps != from->se_cps ||
	    se->se_cps_pause != from->se_cps_pause);

	reopen = strcmp(se->se_key, from->se_key) != 0 ||
	    se->se_socktype != from->se_socktype ||
	    se->se_reuseport != from->se_reuseport ||
	    se->se_sockmode != from->se_sockmode ||
	    se->se_sockown != from->se_sockown ||
	    se->se_sockuid != from->se_sockuid ||
	    se->se_sockgid != from->se_sockgid ||
	    se->se_sndbuf != from->se_sndbuf || se->se_rcvbuf != from->se_rcvbuf ||
	    ((service_nonblocking(se) != service_nonblocking(from) ||
	    (se->se_socktype == SOCK_DGRAM &&
	    (se->se_builtin != NULL) != (from->se_builtin != NULL))) &&
	    se->se_state != SE_BUSY);
	/*
	 * A wait server holds the socket: a new one on the same address now
	 * would let a second server start beside it (UDP binds beside it),
	 * so the socket is made anew once that server exits.
	 */
	if (reopen && se->se_state == SE_BUSY &&
	    strcmp(se->se_key, from->se_key) == 0) {
		reopen = 0;
		later = 1;
	}
	if (reopen)
		service_stop(se);
	run = *se;
	service_free_config(se);
	*se = *from;
	service_keep_state(se, &run);
	if (later)
		se->se_reopen = 1;

	/* The reload loop still walks the replacement's list fields. */
	run = *from;
	memset(from, 0, sizeof *from);
	from->se_fd = -1;
	from->se_umask = -1;
	from->se_refs = run.se_refs;
	from->se_next = run.se_next;
	from->se_seen = run.se_seen;
	from->se_match = run.se_match;

	/*
	 * A service paused over a rate the reload changed listens again;
	 * otherwise it stays paused for the rest of its pause.
	 */
	if (resume) {
		se->se_paused = 0;
		se->se_window = now;
		se->se_count = 0;
		se->se_cps_count = 0;
		service_start(se);
		if (se->se_state == SE_LISTEN)
			service_log(se, "%s: resumed (its limit changed)",
			    se->se_label);
	} else if (reopen && se->se_paused > now)
		service_pause(se, (int)(se->se_paused - now));
	else if (reopen) {
		se->se_paused = 0;
		service_start(se);
	}
}

/*
 * A connection counted as accepted that was not served after all (its
 * server reported it could not start, a redirect target or a port-mode
 * server could not be reached): counted as failed instead.
 */
void
service_start_failed(struct service *se)
{
	se->se_failed++;
	if (se->se_accepted > 0)
		se->se_accepted--;
}

/*
 * Count a start against the .max rate. Over the limit, the service is closed
 * (so clients are refused, not queued) and reopened by a timer.
 */
int
service_may_start(struct service *se)
{
	time_t	now = time(NULL);

	if (se->se_cps > 0) {
		if (now != se->se_cps_time) {
			se->se_cps_time = now;
			se->se_cps_count = 0;
		}
		if (++se->se_cps_count > se->se_cps) {
			/* Closed first: the line says clients are refused. */
			service_pause(se, se->se_cps_pause);
			log_warnx("%s: more than %d connections per second; "
			    "paused for %d s", se->se_label, se->se_cps,
			    se->se_cps_pause);
			return (0);
		}
	}
	if (se->se_max == 0)
		return (1);
	if (now - se->se_window >= PINETD_RATE_WINDOW || now < se->se_window) {
		se->se_window = now;
		se->se_count = 0;
	}
	if (++se->se_count <= se->se_max)
		return (1);
	service_pause(se, opts.pause);
	log_warnx("%s: too many starts (more than %d in %d s); paused for "
	    "%d s", se->se_label, se->se_max, PINETD_RATE_WINDOW, opts.pause);
	return (0);
}

/*
 * Close a service that went over a rate, refusing what was already queued,
 * and reopen it after a pause.
 */
static void
service_pause(struct service *se, int seconds)
{
	listen_drain(se);
	service_stop(se);
	se->se_state = SE_PAUSED;
	se->se_paused = time(NULL) + seconds;
	service_timer(se, seconds);
}

/* A wait service's child holds the socket: stop watching it. */
void
service_busy(struct service *se)
{
	if (se->se_ev != NULL)
		event_del(se->se_ev);
	se->se_state = SE_BUSY;
}

/* A wait service's child is gone: watch the socket again. */
void
service_idle(struct service *se)
{
	if (se->se_removed || se->se_state != SE_BUSY)
		return;
	if (se->se_reopen) {		/* a reload's settings, now */
		se->se_reopen = 0;
		se->se_state = SE_LISTEN;	/* its server holds nothing */
		service_stop(se);
		service_start(se);
		return;
	}
	if (service_nonblocking(se))
		listen_nonblocking(se->se_fd);	/* became nowait on reload */
	if (se->se_socktype == SOCK_DGRAM && se->se_builtin != NULL)
		dgram_setup(se, se->se_fd);	/* became a built-in on reload */
	if (se->se_ev != NULL)
		event_add(se->se_ev, NULL);
	se->se_state = SE_LISTEN;
}

/*
 * A process that held sockets since closed by the daemon is gone, or has
 * closed them: a wait server (a reload reopened or removed its service)
 * has exited, or a forked child has executed its server (until then it
 * held every listening socket). A service whose bind failed on an address
 * such a socket held (SO_REUSEPORT turned on at the same address, a
 * service moved onto it, buffer sizes changed) binds now, not at the end
 * of its -T retry interval. Cheap when no bind has failed.
 */
void
service_retry_now(void)
{
	struct service	*se;

	if (!service_retrying)
		return;
	service_retrying = 0;		/* set again by a bind that fails */
	service_early = 1;
	for (se = services; se != NULL; se = se->se_next) {
		if (se->se_state != SE_RETRY || !se->se_inuse)
			continue;
		if (se->se_timer != NULL)
			evtimer_del(se->se_timer);
		service_start(se);
	}
	service_early = 0;
}

/* service_retry_soon's timer: retry now. */
static void
service_soon_cb(UNUSED evutil_socket_t fd, UNUSED short events,
    UNUSED void *arg)
{
	service_retry_now();
}

/*
 * A forked child has executed its server: its close-on-exec sockets are
 * released as exec ends, which its report pipe's end does not wait for
 * (both are let go at the end of the system call, in no fixed order), so
 * retry a moment later rather than at once.
 */
void
service_retry_soon(void)
{
	struct timeval	tv = { 0, 50000 };

	if (!service_retrying)
		return;
	if (service_soon == NULL &&
	    (service_soon = evtimer_new(ev_base, service_soon_cb, NULL)) ==
	    NULL)
		fatalx("evtimer_new failed");
	if (!evtimer_pending(service_soon, NULL))
		evtimer_add(service_soon, &tv);
}

/* Accept errors such as a full descriptor table: stop watching for a while. */
void
service_backoff(struct service *se)
{
	if (se->se_ev != NULL)
		event_del(se->se_ev);
	service_timer(se, 1);
}

/* The pause, retry or back-off timer fired. */
static void
service_timer_cb(UNUSED evutil_socket_t fd, UNUSED short events, void *arg)
{
	struct service	*se = arg;

	switch (se->se_state) {
	case SE_PAUSED:
		se->se_paused = 0;
		se->se_window = time(NULL);
		se->se_count = 0;
		se->se_cps_count = 0;
		service_start(se);
		/* Said once the socket listens again, so a client may connect. */
		if (se->se_state == SE_LISTEN)
			service_log(se, "%s: resumed", se->se_label);
		break;
	case SE_RETRY:
		service_start(se);
		break;
	case SE_LISTEN:
		if (se->se_ev != NULL)
			event_add(se->se_ev, NULL);
		break;
	default:
		break;
	}
}

/* A service's state as a word, for the dump. */
static const char *
service_state_name(enum se_state state)
{
	switch (state) {
	case SE_LISTEN:
		return ("listening");
	case SE_BUSY:
		return ("busy");
	case SE_PAUSED:
		return ("paused");
	case SE_RETRY:
		return ("retrying");
	default:
		return ("closed");
	}
}

/*
 * A limit for the dump: its number, "unlimited" (0 in the service), or
 * "none" (xinetd's 0: no client at all), so neither reads as the other.
 */
static const char *
service_dump_limit(int v, char *buf, size_t size)
{
	if (v == LIMIT_NONE)
		return ("none");
	if (v == 0)
		return ("unlimited");
	snprintf(buf, size, "%d", v);
	return (buf);
}

/* Write one line describing a service: settings and counters. */
static void
service_dump_one(struct service *se, FILE *f)
{
	char		 addr[256], target[256], inst[16], per[16], max[16];
	char		 cps[16], from[16], *line;
	const char	*kind = "program", *what = se->se_server;

	listen_ntop((struct sockaddr *)&se->se_addr, se->se_addrlen, addr,
	    sizeof addr);
	if (se->se_builtin != NULL) {
		kind = "built-in";
		what = se->se_builtin->bi_name;
	} else if (se->se_redirect != NULL) {
		listen_ntop((struct sockaddr *)se->se_redirect,
		    se->se_redirectlen, target, sizeof target);
		kind = "redirect to";
		what = target;
	}
	/* only_from: "-" when not given (everyone), else its entries. */
	if (se->se_only_from.al_set)
		snprintf(from, sizeof from, "%d", se->se_only_from.al_n);
	else
		strlcpy(from, "-", sizeof from);
	xasprintf(&line, "dump: %s: %s on %s, %s, %s %s, max %s/min, "
	    "instances %s, per_source %s, cps %s, only_from %s, no_access %d; "
	    "accepted %lu, refused %lu, failed %lu, running %d",
	    se->se_label, service_state_name(se->se_state), addr,
	    se->se_wait ? "wait" : "nowait", kind, what != NULL ? what : "-",
	    service_dump_limit(se->se_max, max, sizeof max),
	    service_dump_limit(se->se_instances, inst, sizeof inst),
	    service_dump_limit(se->se_per_source, per, sizeof per),
	    service_dump_limit(se->se_cps, cps, sizeof cps),
	    from, se->se_no_access.al_n, se->se_accepted, se->se_refused,
	    se->se_failed, se->se_children + se->se_active);
	log_info("%s", line);
	if (f != NULL)
		fprintf(f, "%s\n", line + 6);
	free(line);
}

/*
 * SIGUSR1: describe every service and its counters in the log and, as
 * xinetd's dump does, in a file.
 */
void
service_dump(const char *path)
{
	struct service	*se;
	FILE		*f = NULL;

	if (path != NULL && (f = fopen(path, "w")) == NULL)
		log_warn("%s", path);
	for (se = services; se != NULL; se = se->se_next)
		service_dump_one(se, f);
	log_info("dump: %d services, %d children", service_count(),
	    child_count());
	if (f != NULL && fclose(f) != 0)
		log_warn("%s", path);
}

/*
 * Log a line about one service's connections: to its own file (log_type
 * FILE: a line that would take it past the hard limit is not written, and
 * each limit is said once in the daemon's log), under its syslog facility,
 * or to the log.
 */
void
service_log(struct service *se, const char *fmt, ...)
{
	va_list		 ap;
	struct stat	 sb;
	char		*msg, stamp[32];
	time_t		 now;
	long		 size, len;

	if (se->se_logfile != NULL && (se->se_logwarned & LOGFILE_HARD))
		return;		/* full: nothing more goes to it */
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (se->se_logfile == NULL) {
		if (se->se_logfacility != 0)
			log_info_facility(se->se_logfacility, "%s", msg);
		else
			log_info("%s", msg);
		free(msg);
		return;
	}
	now = time(NULL);
	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", localtime(&now));
	len = (long)(strlen(stamp) + strlen(msg) + 2);
	/* The file's own size: other services may write to it too. */
	size = fstat(fileno(se->se_logfile), &sb) == 0 ? (long)sb.st_size :
	    ftell(se->se_logfile);
	if (se->se_loghard > 0 && size + len > se->se_loghard) {
		log_warnx("%s: log file %s is full (hard limit %ld bytes); its "
		    "lines are dropped", se->se_label, se->se_logpath,
		    se->se_loghard);
		se->se_logwarned |= LOGFILE_HARD;
		free(msg);
		return;
	}
	fprintf(se->se_logfile, "%s %s\n", stamp, msg);
	fflush(se->se_logfile);
	free(msg);
	if (se->se_logsoft > 0 && size + len > se->se_logsoft &&
	    !(se->se_logwarned & LOGFILE_SOFT)) {
		log_warnx("%s: log file %s passed %ld bytes", se->se_label,
		    se->se_logpath, se->se_logsoft);
		se->se_logwarned |= LOGFILE_SOFT;
	}
}

/*
 * Make room for one descriptor per service plus connections in flight:
 * raise the soft RLIMIT_NOFILE up to the hard limit, and say so clearly if
 * even that is too small. Then listening sockets are kept out of the last
 * PINETD_FDRESERVE descriptors, so the services that do open can still
 * accept and start servers.
 */
void
service_fd_limit(int nservices)
{
	struct rlimit	rl;
	rlim_t		need = (rlim_t)nservices + PINETD_FDSPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur < need) {
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
			log_warnx("%d services need %llu descriptors but the "
			    "hard limit is %llu; some services will not open "
			    "(raise it, e.g. ulimit -Hn)", nservices,
			    (unsigned long long)need,
			    (unsigned long long)rl.rlim_max);
			need = rl.rlim_max;
		}
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit RLIMIT_NOFILE %llu",
			    (unsigned long long)need);
		else
			log_debug("descriptor limit raised to %llu",
			    (unsigned long long)need);
		if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
			return;
	}
	if (rl.rlim_cur >= (rlim_t)nservices + PINETD_FDSPARE ||
	    rl.rlim_cur > INT_MAX)
		listen_fdcap = -1;
	else if (rl.rlim_cur > 2 * PINETD_FDRESERVE)
		listen_fdcap = (int)rl.rlim_cur - PINETD_FDRESERVE;
	else
		listen_fdcap = (int)rl.rlim_cur / 2;
}
