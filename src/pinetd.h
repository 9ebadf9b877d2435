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
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <time.h>

#include <event2/util.h>

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
#define PINETD_FDSPARE		256	/* descriptors beyond one per service */
#define PINETD_FDRESERVE	32	/* never taken by a listening socket */
#define PINETD_MAXBUF		(1024 * 1024 * 1024) /* sndbuf, rcvbuf at most */

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
	char		*dumpfile;	/* beside the pid file */
	const char	*conffile;
	int		 dialect;	/* -b, -x or DIALECT_AUTO */
};
#define DIALECT_AUTO	0
#define DIALECT_BSD	1
#define DIALECT_XINETD	2

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

/*
 * A parameter a callback's signature (or one platform's build) has and this
 * body does not use.
 */
#define UNUSED	__attribute__((__unused__))

/*
 * The flag for one send or recv that must not block. Winsock has none: its
 * callers send what fits any socket buffer (banners) or ask select first
 * (spawn_wait_ready).
 */
#ifdef MSG_DONTWAIT
#define PINETD_DONTWAIT	MSG_DONTWAIT
#else
#define PINETD_DONTWAIT	0
#endif

/* Why a built-in refuses a connection from the FTP data port (log text). */
#define BUILTIN_BOUNCE	"ftp-data source port"

/* A built-in service: handlers for a stream connection and for a datagram. */
struct builtin {
	const char	*bi_name;
	void		(*bi_stream)(struct service *, int, struct source *);
	void		(*bi_dgram)(struct service *);
};

/* One network of an access list. */
struct acl {
	int		 ac_family;
	int		 ac_bits;
	unsigned char	 ac_addr[16];
};

/* An only_from or no_access list; al_set: given at all (even empty). */
struct acl_list {
	struct acl	*al_v;
	int		 al_n;
	int		 al_set;
};

/* An intrusive list entry; the first member of the records it links. */
struct link {
	struct link	*l_prev;
	struct link	*l_next;
};

/* log_on_success / log_on_failure flags. */
/* instances or per_source of 0 in xinetd's sense: no client at all. */
#define LIMIT_NONE	(-1)
#define LIMIT_OF(v)	((v) == LIMIT_NONE ? 0 : (v))

#define LOGF_PID	0x01
#define LOGF_HOST	0x02
#define LOGF_EXIT	0x04
#define LOGF_DURATION	0x08
#define LOGF_ATTEMPT	0x10

/* log_type FILE limits the daemon's log has already reported. */
#define LOGFILE_SOFT	0x01
#define LOGFILE_HARD	0x02

/* A resource limit for the server (rlimit_* attributes). */
#define PINETD_NRLIMITS	6
#define PINETD_MAXCPU	1024
struct rlimit_set {
	int		 rl_set;
	int		 rl_resource;
	rlim_t		 rl_value;
};

/* A banner file's contents, read at load. */
struct banner {
	char		*bn_buf;
	size_t		 bn_len;
};
#define BANNER_ANY	0	/* banner: every connection */
#define BANNER_SUCCESS	1	/* banner_success: allowed ones */
#define BANNER_FAIL	2	/* banner_fail: refused ones */
#define BANNER_N	3	/* entries in se_banners */

/* An access_times interval, minutes since midnight. */
struct access_time {
	int		 at_from;
	int		 at_to;
};

/* One configured service: configuration first, then run-time state. */
struct service {
	char		*se_file;	/* configuration file and line */
	int		 se_line;
	char		*se_name;	/* "SERVICE/PROTO", for reload */
	char		*se_label;	/* for logs: se_name, or with the */
					/* address in front if shared */
	char		*se_key;	/* listening identity, for reload */

	char		*se_service;	/* first field as written */
	char		*se_proto;	/* protocol field as written */
	int		 se_socktype;
	int		 se_family;	/* AF_INET, AF_INET6 or AF_UNIX */
	int		 se_v6only;	/* IPV6_V6ONLY value for AF_INET6 */
	int		 se_reuseport;	/* rp, prefix: SO_REUSEPORT */
	int		 se_sockmode;	/* a unix socket file's mode (0666) */
	int		 se_sockown;	/* FreeBSD's :user:group:mode: given */
	uid_t		 se_sockuid;	/* then its owner */
	gid_t		 se_sockgid;
	struct sockaddr_storage se_addr;
	socklen_t	 se_addrlen;
	int		 se_wait;
	int		 se_max;	/* starts per window, 0 = no limit */
	int		 se_instances;	/* servers at once, 0 = no limit */
	int		 se_per_source;	/* servers at once per address */
					/* (LIMIT_NONE: none at all) */
	int		 se_cpm_per_ip;	/* connections per minute per address */
	char		*se_user;
	char		*se_group;
	int		 se_setuser;	/* switch credentials in the child */
	uid_t		 se_uid;
	gid_t		 se_gid;
	int		 se_ngroups;
	gid_t		*se_groups;	/* supplementary groups, from load */
	char		*se_server;	/* program path, NULL if built-in */
	char		**se_argv;	/* NULL-terminated */
	int		 se_argc;
	const struct builtin *se_builtin;
	struct acl_list	 se_only_from;
	struct acl_list	 se_no_access;
	int		 se_cps;	/* starts per second, 0 = no limit */
	int		 se_cps_pause;	/* seconds to pause past se_cps */
	int		 se_log_success; /* LOGF_* */
	int		 se_log_failure;
	int		 se_nodelay;	/* TCP_NODELAY on connections */
	int		 se_keepalive;	/* SO_KEEPALIVE on connections */
	int		 se_sndbuf;	/* SO_SNDBUF, SO_RCVBUF; 0: the system's */
	int		 se_rcvbuf;
	int		 se_cleanenv;	/* passenv given: only it, env, peer */
	int		 se_handoff;	/* HANDOFF_* */
	char		**se_envbase;	/* the child's environment, or NULL */
	size_t		 se_nenv;	/* entries in se_envbase */
	struct rlimit_set *se_rlimits;	/* PINETD_NRLIMITS, or NULL: none */
	int		 se_umask;	/* -1: inherit */
	int		 se_nice;
	int		 se_nice_set;
	int		 se_nogroups;	/* groups = no: primary group only */
	int		 se_childsetup;	/* any of the above: fork, not spawn */
	struct banner	*se_banners;	/* BANNER_*, or NULL: none */
	struct access_time *se_times;
	int		*se_cpus;	/* cpu_affinity */
	int		 se_ntimes;
	int		 se_ncpus;
	double		 se_max_load;	/* 0: no limit */
	char		*se_console;	/* fds 1, 2 go here; NULL: the socket */
	void		*se_tls;	/* SSL_CTX when tls_cert is set */
	char		*se_tlscert;
	char		*se_tlskey;
	struct sockaddr_storage *se_redirect; /* redirect: relay here */
	socklen_t	 se_redirectlen;	/* 0: no redirect */
	FILE		*se_logfile;	/* log_type FILE, or NULL */
	char		*se_logpath;
	long		 se_logsoft;	/* bytes; 0: none */
	long		 se_loghard;
	int		 se_logwarned;	/* LOGFILE_*: limits already said */
	int		 se_logfacility; /* log_type SYSLOG: facility | level;
					   0: the daemon's */

	enum se_state	 se_state;
	int		 se_fd;
	dev_t		 se_unixdev;	/* the unix socket file bound */
	ino_t		 se_unixino;	/* (0: not known) */
	int		 se_openerr;	/* listen_open_many failed: errno */
	int		 se_inuse;	/* SE_RETRY: the address was in use */
	const char	*se_openstep;	/* listen_open: the call that failed */
	struct event	*se_ev;
	struct event	*se_timer;
	int		 se_count;	/* starts in the current window */
	int		 se_cps_count;	/* starts in the current second */
	time_t		 se_cps_time;
	time_t		 se_window;	/* when the window began */
	time_t		 se_paused;	/* paused until then; 0: not paused */
	int		 se_children;	/* running children */
	int		 se_active;	/* open built-in stream connections */
	void		*se_sources;	/* limit.c: per-address records */
	unsigned long	 se_accepted;	/* counters */
	unsigned long	 se_refused;
	unsigned long	 se_failed;
	time_t		 se_refusedlog;	/* when a refused datagram was logged */
	int		 se_refs;	/* children and connections holding it */
	int		 se_removed;	/* no longer in the table */
	int		 se_seen;	/* reload: matched by the new file */
	unsigned int	 se_sockgen;	/* bumped each time the socket closes */
	int		 se_reopen;	/* a reload's new socket, once idle */
	struct service	*se_match;	/* reload: the entry it moves */

	struct service	*se_next;	/* the service table */
	struct service	*se_hnext;	/* reload: key hash chain */
};

/* pinetd.c */
extern struct options		 opts;
extern struct event_base	*ev_base;
void	pinetd_reload(void);
void	pinetd_dump(void);
void	pinetd_stop(void);

/* daemon-posix.c (win/daemon-win.c on Windows) */
void	daemon_prepare(void);
int	daemon_command(int *, char ***);
int	daemon_run(int (*)(void));
void	daemon_events(void);
void	daemon_events_done(void);

/* link.c */
void	link_add(struct link **, struct link *);
void	link_del(struct link **, struct link *);

/* log.c */
void	log_init(int, int);
void	log_to_stderr(void);
int	log_debugging(void);
void	log_debug(const char *, ...) __attribute__((format(PLATFORM_PRINTF, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(PLATFORM_PRINTF, 1, 2)));
void	log_info_facility(int, const char *, ...)
	    __attribute__((format(PLATFORM_PRINTF, 2, 3)));
void	log_warn(const char *, ...) __attribute__((format(PLATFORM_PRINTF, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(PLATFORM_PRINTF, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(PLATFORM_PRINTF, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(PLATFORM_PRINTF, 1, 2), noreturn));

/* intern.c */
char	*intern(const char *);
void	 intern_drop(const char *);
size_t	 intern_count(void);

/* xmalloc.c */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(PLATFORM_PRINTF, 2, 3)));
int	 xvasprintf(char **, const char *, va_list)
	    __attribute__((format(PLATFORM_PRINTF, 2, 0)));

/* conf.c */
struct conf_out {
	struct service	 *co_list;
	struct service	**co_tail;
	struct service	**co_table;
	int		  co_nerr;
};
void		 conf_free_list(struct service *);
struct service	*conf_load(const char *, int *);
void		 conf_add(struct conf_out *, struct service *);
const char	*conf_regular(const char *);
FILE		*conf_fopen(const char *);
void		 conf_error(const char *, int, const char *, ...)
		    __attribute__((format(PLATFORM_PRINTF, 3, 4)));
int		 conf_reload(const char *);
char		*conf_join(const char *, const char *);

/* conf-service.c */
long		 conf_number(const char *, long, long);
int		 conf_absolute(const char *);
const char	*conf_basename(const char *);
void		 conf_cache_reset(void);
int		 conf_user_known(const char *, uid_t *, gid_t *);
int		 conf_group_known(const char *, gid_t *);
int		 conf_user(const char *, int, struct service *, const char *,
		    const char *);
int		 conf_have_inet6(void);
int		 conf_self_groups_only(gid_t);
int		 conf_v6_literal(const char *, struct in6_addr *);
int		 conf_inet(const char *, int, struct service *, const char *,
		    const char *);
int		 conf_unix(const char *, int, struct service *, const char *);
int		 conf_program(const char *, int, struct service *,
		    const char *, char **, int);
void		 conf_finish(const char *, int, struct service *);
int		 conf_reuseport(const char *, int, struct service *);
int		 conf_bufsize(const char *, int, const char *, const char *,
		    int *);
int		 conf_redirect(const char *, int, struct service *,
		    const char *, const char *);

/* xattr.c */
#define XA_SVC		0x1	/* attribute allowed in a service block */
#define XA_DEF		0x2	/* in defaults */
#define XA_BSD		0x4	/* on a BSD entry's attribute line */
#define XOP_SET		0
#define XOP_ADD		1
#define XOP_DEL		2
struct xattr {
	char		 *xa_name;
	int		  xa_op;
	char		**xa_v;
	int		  xa_n;
	char		 *xa_file;	/* interned: defaults outlive files */
	int		  xa_line;
	struct xattr	 *xa_next;
};
void		 xattr_free(struct xattr *);
int		 xattr_values(const struct xattr *, const struct xattr *,
		    const char *, char ***, const char **, int *);
const char	*xattr_one(const char **, const struct xattr *,
		    const struct xattr *, const char *, int *, int *);
int		 xattr_apply(const char *, struct service *,
		    const struct xattr *, const struct xattr *);
int		 xattr_bsd_flags(const char *, struct service *,
		    const struct xattr *);
int		 xattr_flag(const char *);
int		 xattr_add(const char *, int, char *, int, struct xattr **);

/* conf-xinetd.c */
struct xinetd_seen;
struct xinetd_parse {
	struct conf_out		*xp_out;
	const char		*xp_file;
	struct xattr		*xp_defaults;
	char			*xp_defbad;	/* "file:line" of broken defaults */
	int			 xp_depth;
	struct xinetd_seen	*xp_seen;	/* every file read in this load */
	size_t			 xp_nseen;
};
void		 conf_xinetd_file(struct xinetd_parse *, const char *, int);
void		 conf_xinetd_load(const char *, struct conf_out *);
int		 conf_xinetd_detect(FILE *);

/* conf-child.c */
int		 conf_child_size(const char *, rlim_t *);
int		 conf_child_apply(const char *, struct service *,
		    const struct xattr *, const struct xattr *);
const char	*conf_child_refuse(const struct service *);
void		 conf_child_banner_send(const struct service *, int, int);
int		 conf_child_setup(const struct service *);
int		 conf_child_limits(const struct service *);
void		 conf_child_made_done(int);

/* conf-bsd.c */
struct conf_bsd {
	const char	*cb_file;
	char		*cb_defhost;	/* from a "host:" line */
	size_t		*cb_contoff;	/* where each continuation line of */
	int		*cb_contline;	/* the entry starts, and its number */
	int		 cb_ncont;
	int		 cb_redirect;	/* the entry has a redirect line */
	int		 cb_skipped;	/* the entry was skipped, not wrong */
};
struct service	*conf_bsd_line(struct conf_bsd *, int, char *, int *);
void		 conf_bsd_load(const char *, FILE *, struct conf_out *);
void		 conf_bsd_dir(const char *, struct conf_out *);
void		 conf_bsd_free(struct conf_bsd *);

/* notify.c */
void		 notify_ready(int);
void		 notify_reloading(void);
void		 notify_stopping(void);

/* handoff.c */
#define HANDOFF_SOCKET	0	/* the connection is the server's stdio */
#define HANDOFF_PIPE	1	/* pipes, relayed by the daemon */
#define HANDOFF_PORT	2	/* the server listens on %PORT%; relayed */
int		 handoff_start(struct service *, int, char **, pid_t *);
void		 handoff_shutdown(void);
void		 handoff_start_failed(pid_t);
void		 handoff_forget(pid_t);

/* portowner.c (POSIX), win/portowner-win.c */
int		 portowner_check(const struct service *, pid_t, int, char *,
		    size_t);

/* tls.c */
int		 tls_load(const char *, int, struct service *, const char *,
		    const char *);
void		 tls_free(struct service *);
int		 tls_same(const struct service *, const struct service *);
typedef void	(*tls_done_cb)(struct service *, int, void *);
void		 tls_accept(struct service *, int, const struct sockaddr *,
		    socklen_t, tls_done_cb, void *);
void		 tls_shutdown(void);
void		 tls_close_notify(struct bufferevent *);

/* relay.c */
void		 relay_start(struct service *, int, struct source *);
void		 relay_forget(pid_t, struct source *);
void		 relay_end_server(struct service *, pid_t, int);
struct bufferevent *relay_connector(int);
void		 relay_shutdown(void);
void		 relay_pair(struct service *, struct bufferevent *,
		    struct bufferevent *, struct source *);
void		 relay_server(struct service *, struct bufferevent *,
		    struct bufferevent *, struct bufferevent *, pid_t);

/* service.c */
extern struct service	*services;
struct service	*service_new(void);
void		 service_free(struct service *);
void		 service_ref(struct service *);
void		 service_unref(struct service *);
void		 service_conn_begin(struct service *, struct source *);
void		 service_conn_end(struct service *, struct source *);
void		 service_start(struct service *);
void		 service_stop(struct service *);
void		 service_remove(struct service *);
struct service	*service_retired_find(const char *, const char *);
void		 service_revive(struct service *);
int		 service_same(const struct service *, const struct service *);
void		 service_adopt(struct service *, struct service *);
int		 service_may_start(struct service *);
int		 service_nonblocking(const struct service *);
void		 service_start_failed(struct service *);
void		 service_busy(struct service *);
void		 service_idle(struct service *);
void		 service_retry_now(void);
void		 service_retry_soon(void);
void		 service_backoff(struct service *);
void		 service_stop_all(void);
void		 service_dump(const char *);
void		 service_fd_limit(int);
void		 service_log(struct service *, const char *, ...)
		    __attribute__((format(PLATFORM_PRINTF, 2, 3)));
int		 service_count(void);

/* env.c */
void		 env_init(void);
void		 env_service(struct service *, char **, int, char **, int);
void		 env_free_list(char **);
int		 env_same(char **, char **);
char		**env_connection(struct service *, const struct sockaddr *,
		    const struct sockaddr *);
void		 env_done(void);

/* limit.c */
const char	*limit_none(const struct service *);
struct source	*limit_check(struct service *, const struct sockaddr *,
		    const char **);
void		 limit_started(struct source *);
void		 limit_exited(struct source *);
void		 limit_free(struct service *);

/* listen.c */
extern int	 listen_fdcap;
int		 listen_open(struct service *);
void		 listen_close(struct service *);
void		 listen_unlink(const char *, dev_t, ino_t);
void		 listen_nonblocking(int);
int		 listen_wildcard(const struct service *);
int		 listen_addr(const struct sockaddr *, char *, size_t,
		     unsigned *);
const char	*listen_dgram_refused(struct service *,
		     const struct sockaddr *);
void		 listen_refuse_dgram(struct service *, const struct sockaddr *,
		     socklen_t, const char *);
void		 listen_refuse(struct service *, int, const struct sockaddr *,
		    socklen_t, const char *);
int		 listen_admit(struct service *, int, const struct sockaddr *,
		    socklen_t, struct source **);
const char	*listen_ntop(const struct sockaddr *, socklen_t, char *, size_t);
void		 listen_ready_cb(evutil_socket_t, short, void *);
void		 listen_drain(struct service *);

/* listen-many.c */
void		 listen_open_many(struct service *, int);

/* acl.c */
int		 acl_parse(const char *, int, struct acl_list *, const char *,
		     int);
void		 acl_free(struct acl_list *);
void		 acl_names_reset(void);
int		 acl_same(const struct acl_list *, const struct acl_list *);
int		 acl_allowed(const struct service *, const struct sockaddr *);

/* builtin.c */
const struct builtin	*builtin_find(const char *);
void		 builtin_ports_update(void);
int			 builtin_port_reserved(int);
int			 builtin_bounced(const struct sockaddr *);
void			 builtin_shutdown(void);

/* dgram.c */
struct dgram_dst {			/* where a datagram was sent */
	int		 dd_family;	/* 0: not known */
	struct in_addr	 dd_v4;
	struct in6_addr	 dd_v6;
	unsigned int	 dd_ifindex;
};
void		 dgram_setup(const struct service *, int);
ssize_t		 dgram_recv(int, void *, size_t, struct sockaddr_storage *,
		    socklen_t *, struct dgram_dst *);
void		 dgram_send(int, const void *, size_t, const struct sockaddr *,
		    socklen_t, const struct dgram_dst *);

/* echo.c */
int		 echo_start(struct service *, evutil_socket_t, struct source *);
void		 echo_shutdown(void);

/* child.c */
void		 child_add(pid_t, struct service *, struct source *, int);
void		 child_exited(pid_t, int);
int		 child_count(void);
int		 child_alive(pid_t);
void		 child_start_failed(pid_t, struct service *);
int		 child_holds_file(dev_t, ino_t);
int		 child_unlink_later(struct service *, const char *, dev_t,
		    ino_t);

/* spawn.c */
void		 spawn_connection(struct service *, int,
		    const struct sockaddr *, socklen_t);
void		 spawn_wait(struct service *);

/* spawn-posix.c (win/spawn-win.c on Windows) */
void		 spawn_init(void);
void		 spawn_done(void);
int		 spawn_start(struct service *, const int *, char **, char **,
		    pid_t *);
int		 spawn_null(void);
int		 spawn_pipe(int [2], int);
void		 spawn_close(int);
void		 spawn_kill(pid_t, int);
void		 spawn_end(pid_t *, int, int);
uid_t		 spawn_uid(const struct service *);

#endif /* PINETD_H */
