/*
 * pinetd: a portable inetd super-server.
 *
 * Shared types and, grouped by file, every function a file exports.
 */

#ifndef PINETD_H
#define PINETD_H

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/socket.h>

#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include "compat.h"
#include "platform.h"

struct event;
struct event_base;
struct bufferevent;

#define PINETD_TOOMANY		40	/* default starts per 60 s (.max) */
#define PINETD_RATE_WINDOW	60	/* seconds the .max count covers */
#define PINETD_PAUSE		600	/* default pause after .max trips */
#define PINETD_RETRY		60	/* default bind retry interval */
#define PINETD_BACKLOG		128	/* default listen backlog */
#define PINETD_ACCEPTS		16	/* accepts per wake-up at most */

/* Run-time options from the command line. */
struct options {
	int		 debug;		/* -d */
	int		 foreground;	/* -i or -d */
	int		 log_conns;	/* -l */
	int		 check_only;	/* -n */
	int		 backlog;	/* -q */
	int		 pause;		/* -P */
	int		 retry;		/* -T */
	const char	*pidfile;	/* -p */
	const char	*conffile;
};

/* Where a service's sockets are. */
enum se_state {
	SE_CLOSED,		/* not open (new, or removed) */
	SE_LISTEN,		/* open and watched */
	SE_BUSY,		/* wait service: a child holds the socket */
	SE_PAUSED,		/* over its .max rate: closed until a timer */
	SE_RETRY		/* could not bind: closed until a timer */
};

struct service;
struct source;

/* A built-in service: handlers for a stream connection and for a datagram. */
struct builtin {
	const char	*bi_name;
	int		 bi_port;
	void		(*bi_stream)(struct service *, int);
	void		(*bi_dgram)(struct service *);
};

/* One configured service: configuration first, then run-time state. */
struct service {
	char		*se_file;	/* configuration file and line */
	int		 se_line;
	char		*se_label;	/* "SERVICE/PROTO" for logs */
	char		*se_key;	/* listening identity, for reload */

	char		*se_service;	/* first field as written */
	char		*se_proto;	/* protocol field as written */
	int		 se_socktype;
	int		 se_family;	/* AF_INET, AF_INET6 or AF_UNIX */
	int		 se_v6only;	/* IPV6_V6ONLY value for AF_INET6 */
	struct sockaddr_storage se_addr;
	socklen_t	 se_addrlen;
	int		 se_wait;
	int		 se_max;	/* starts per window, 0 = no limit */
	int		 se_instances;	/* servers at once, 0 = no limit */
	int		 se_per_source;	/* servers at once per address */
	int		 se_cpm_per_ip;	/* connections per minute per address */
	char		*se_user;
	char		*se_group;
	int		 se_setuser;	/* switch credentials in the child */
	uid_t		 se_uid;
	gid_t		 se_gid;
	gid_t		*se_groups;	/* supplementary groups, from load */
	int		 se_ngroups;
	char		*se_server;	/* program path, NULL if built-in */
	char		**se_argv;	/* NULL-terminated */
	int		 se_argc;
	const struct builtin *se_builtin;

	enum se_state	 se_state;
	int		 se_fd;
	struct event	*se_ev;
	struct event	*se_timer;
	int		 se_count;	/* starts in the current window */
	time_t		 se_window;	/* when the window began */
	int		 se_children;	/* running children */
	void		*se_sources;	/* limit.c: per-address records */
	unsigned long	 se_accepted;	/* counters */
	unsigned long	 se_refused;
	unsigned long	 se_failed;
	int		 se_refs;	/* children and connections holding it */
	int		 se_removed;	/* no longer in the table */
	int		 se_seen;	/* reload: matched by the new file */
	struct service	*se_match;	/* reload: the entry it moves */

	struct service	*se_next;	/* the service table */
	struct service	*se_hnext;	/* reload: key hash chain */
};

/* pinetd.c */
extern struct options		 opts;
extern struct event_base	*ev_base;

/* log.c */
void	log_init(int, int);
void	log_to_stderr(void);
int	log_debugging(void);
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/* xmalloc.c */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 xvasprintf(char **, const char *, va_list);

/* conf.c */
struct service	*conf_load(const char *, int *);
void		 conf_error(const char *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
int		 conf_reload(const char *);

/* conf-service.c */
long		 conf_number(const char *, long, long);
int		 conf_user(const char *, int, struct service *, const char *,
		    const char *);
int		 conf_inet(const char *, int, struct service *, const char *,
		    const char *);
int		 conf_unix(const char *, int, struct service *, const char *);
int		 conf_program(const char *, int, struct service *,
		    const char *, char **, int);
void		 conf_finish(const char *, int, struct service *);

/* conf-bsd.c */
struct conf_bsd {
	const char	*cb_file;
	char		*cb_defhost;	/* from a "host:" line */
};
struct service	*conf_bsd_line(struct conf_bsd *, int, char *, int *);
void		 conf_bsd_free(struct conf_bsd *);

/* notify.c */
void		 notify_ready(int);
void		 notify_reloading(void);
void		 notify_stopping(void);

/* service.c */
extern struct service	*services;
struct service	*service_new(void);
void		 service_free(struct service *);
void		 service_ref(struct service *);
void		 service_unref(struct service *);
void		 service_start(struct service *);
void		 service_stop(struct service *);
void		 service_remove(struct service *);
int		 service_same(const struct service *, const struct service *);
void		 service_adopt(struct service *, struct service *);
int		 service_may_start(struct service *);
void		 service_busy(struct service *);
void		 service_idle(struct service *);
void		 service_backoff(struct service *);
void		 service_stop_all(void);
int		 service_count(void);

/* env.c */
void		 env_init(void);
char		**env_connection(struct service *, const struct sockaddr *,
		    const struct sockaddr *);
void		 env_done(void);

/* limit.c */
struct source	*limit_check(struct service *, const struct sockaddr *,
		    const char **);
void		 limit_started(struct source *);
void		 limit_exited(struct source *);
void		 limit_free(struct service *);

/* listen.c */
int		 listen_open(struct service *);
void		 listen_close(struct service *);
void		 listen_nonblocking(int);
int		 listen_wildcard(const struct service *);
const char	*listen_ntop(const struct sockaddr *, socklen_t, char *, size_t);
void		 listen_ready_cb(int, short, void *);

/* builtin.c */
const struct builtin	*builtin_find(const char *);
int			 builtin_port_reserved(int);

/* child.c */
void		 child_add(pid_t, struct service *, struct source *);
void		 child_exited(pid_t, int);
int		 child_count(void);

/* spawn.c */
void		 spawn_connection(struct service *, int,
		    const struct sockaddr *, socklen_t);
void		 spawn_wait(struct service *);

/* spawn-posix.c (and, later, win/spawn-win.c) */
void		 spawn_init(void);
void		 spawn_done(void);
int		 spawn_start(struct service *, int, char **, pid_t *);

#endif /* PINETD_H */
