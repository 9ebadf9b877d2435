/*
 * The environment of a server: the daemon's own (as inetd passes it) plus the
 * peer's identity under the names CGI-style, ucspi-tcp and systemd-style
 * programs look for.
 */

#include "pinetd.h"

#include <sys/un.h>

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char	**environ;

/* The variables pinetd sets per connection; inherited copies are dropped. */
static const char *env_names[] = {
	"PROTO", "TCPREMOTEIP", "TCPREMOTEPORT", "TCPLOCALIP", "TCPLOCALPORT",
	"REMOTE_ADDR", "REMOTE_PORT", "TCP6REMOTEIP", "TCP6REMOTEPORT",
	"TCP6LOCALIP", "TCP6LOCALPORT", "REMOTE_HOST", NULL
};
#define ENV_NPEER	12

/*
 * What a service manager gave pinetd itself: a server handed NOTIFY_SOCKET
 * would report its own READY or STOPPING as the unit's.
 */
static const char *env_private[] = {
	"NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", NULL
};

static char	**env_base;	/* the daemon's environment, filtered once */
static size_t	  env_nbase;
static char	**env_out;	/* a base plus this connection's variables */
static size_t	  env_outsize;
static char	  env_buf[ENV_NPEER][96];

/* Whether a variable is named in a NULL-terminated list. */
static int
env_in(const char *var, const char **names)
{
	size_t	i, len;

	for (i = 0; names[i] != NULL; i++) {
		len = strlen(names[i]);
		if (strncmp(var, names[i], len) == 0 && var[len] == '=')
			return (1);
	}
	return (0);
}

/* Whether an inherited variable is one pinetd sets, or keeps, itself. */
static int
env_is_ours(const char *var)
{
	return (env_in(var, env_names) || env_in(var, env_private));
}

/* Take the daemon's environment once, at start-up. */
void
env_init(void)
{
	size_t	n = 0, i;

	if (env_base != NULL)
		return;
	while (environ[n] != NULL)
		n++;
	env_base = xcalloc(n + 1, sizeof *env_base);
	for (i = 0; i < n; i++) {
		if (!env_is_ours(environ[i]))
			env_base[env_nbase++] = environ[i];
	}
}

/* The value of a variable in the daemon's environment, as "NAME=value". */
static char *
env_lookup(const char *name)
{
	size_t	i, len = strlen(name);

	for (i = 0; i < env_nbase; i++) {
		if (strncmp(env_base[i], name, len) == 0 &&
		    env_base[i][len] == '=')
			return (env_base[i]);
	}
	return (NULL);
}

/* Add or replace NAME=value in a NULL-terminated list of copies. */
static char **
env_set(char **list, size_t *n, const char *var)
{
	size_t	i, len = strcspn(var, "=");

	for (i = 0; i < *n; i++) {
		if (strncmp(list[i], var, len) == 0 && list[i][len] == '=') {
			free(list[i]);
			list[i] = xstrdup(var);
			return (list);
		}
	}
	list = xreallocarray(list, *n + 2, sizeof *list);
	list[(*n)++] = xstrdup(var);
	list[*n] = NULL;
	return (list);
}

/*
 * Build a service's environment once, at load: with passenv only those
 * variables and env (as xinetd does), otherwise the daemon's environment
 * with env added. Without either, the service shares the daemon's.
 */
void
env_service(struct service *se, char **env, int nenv, char **pass, int npass)
{
	char	**list = NULL, *var;
	size_t	  n = 0, i;
	int	  k;

	if (env_base == NULL)
		env_init();
	if (!se->se_cleanenv && nenv == 0)
		return;
	list = xcalloc(1, sizeof *list);
	if (!se->se_cleanenv) {
		for (i = 0; i < env_nbase; i++)
			list = env_set(list, &n, env_base[i]);
	}
	for (k = 0; k < npass; k++) {
		if ((var = env_lookup(pass[k])) != NULL)
			list = env_set(list, &n, var);
	}
	for (k = 0; k < nenv; k++) {
		if (!env_is_ours(env[k]))
			list = env_set(list, &n, env[k]);
	}
	env_free_list(se->se_envbase);
	se->se_envbase = list;
	se->se_nenv = n;		/* counted once, not per connection */
}

/* Free a service's environment. */
void
env_free_list(char **list)
{
	size_t	i;

	if (list == NULL)
		return;
	for (i = 0; list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

/* Whether two services' environments are the same (for reload). */
int
env_same(char **a, char **b)
{
	size_t	i;

	if (a == NULL || b == NULL)
		return (a == b);
	for (i = 0; a[i] != NULL && b[i] != NULL; i++) {
		if (strcmp(a[i], b[i]) != 0)
			return (0);
	}
	return (a[i] == b[i]);
}

/*
 * Add TCP<side>IP and TCP<side>PORT at env_out[n], and for an IPv6 address
 * also the TCP6 names ucspi-tcp6 programs read; returns the new count.
 */
static size_t
env_pair(size_t n, size_t *i, int v6, const char *side, const char *host,
    unsigned port)
{
	int	k;

	for (k = 0; k <= v6; k++) {
		snprintf(env_buf[*i], sizeof env_buf[*i], "TCP%s%sIP=%s",
		    k ? "6" : "", side, host);
		env_out[n++] = env_buf[(*i)++];
		snprintf(env_buf[*i], sizeof env_buf[*i], "TCP%s%sPORT=%u",
		    k ? "6" : "", side, port);
		env_out[n++] = env_buf[(*i)++];
	}
	return (n);
}

/*
 * The environment for one server: peer and local addresses when the socket
 * has them (a wait service's datagram socket has no peer). The result stays
 * valid until the next call; spawn_start copies it into the child.
 */
char **
env_connection(struct service *se, const struct sockaddr *peer,
    const struct sockaddr *local)
{
	char		 host[INET6_ADDRSTRLEN], **base;
	unsigned	 port;
	size_t		 n, i = 0;
	int		 v6;

	if (env_base == NULL)
		env_init();
	base = se->se_envbase != NULL ? se->se_envbase : env_base;
	n = se->se_envbase != NULL ? se->se_nenv : env_nbase;
	if (n + ENV_NPEER + 1 > env_outsize) {
		env_outsize = n + ENV_NPEER + 1;
		env_out = xreallocarray(env_out, env_outsize, sizeof *env_out);
	}
	memcpy(env_out, base, n * sizeof *env_out);
	/*
	 * PROTO names the family of the addresses given, as ucspi-tcp6 does,
	 * so ${PROTO}REMOTEIP is set: an IPv4 client of a tcp46 service is
	 * TCP, with its plain IPv4 address.
	 */
	v6 = se->se_family == AF_INET6;
	if (peer != NULL && listen_addr(peer, host, sizeof host, &port) == 0)
		v6 = strchr(host, ':') != NULL;
	snprintf(env_buf[i], sizeof env_buf[i], "PROTO=%s%s",
	    se->se_family == AF_UNIX ? "UNIX" : se->se_socktype ==
	    SOCK_DGRAM ? "UDP" : "TCP", se->se_family != AF_UNIX && v6 ?
	    "6" : "");
	env_out[n++] = env_buf[i++];
	if (peer != NULL && listen_addr(peer, host, sizeof host, &port) == 0) {
		n = env_pair(n, &i, v6, "REMOTE", host, port);
		snprintf(env_buf[i], sizeof env_buf[i], "REMOTE_ADDR=%s", host);
		env_out[n++] = env_buf[i++];
		snprintf(env_buf[i], sizeof env_buf[i], "REMOTE_PORT=%u", port);
		env_out[n++] = env_buf[i++];
		/* xinetd's name for it (an address: no name is looked up) */
		snprintf(env_buf[i], sizeof env_buf[i], "REMOTE_HOST=%s", host);
		env_out[n++] = env_buf[i++];
	}
	if (local != NULL && listen_addr(local, host, sizeof host, &port) == 0)
		n = env_pair(n, &i, v6, "LOCAL", host, port);
	env_out[n] = NULL;
	return (env_out);
}

/* Free the environment tables, at shutdown. */
void
env_done(void)
{
	free(env_base);
	free(env_out);
	env_base = env_out = NULL;
	env_nbase = env_outsize = 0;
}
