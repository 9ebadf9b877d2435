/*
 * The environment of a server: the daemon's own (as inetd passes it) plus the
 * peer's identity under the names CGI-style, ucspi-tcp and systemd-style
 * programs look for.
 */

#include "pinetd.h"

#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char	**environ;

/* The variables pinetd sets per connection; inherited copies are dropped. */
static const char *env_names[] = {
	"PROTO", "TCPREMOTEIP", "TCPREMOTEPORT", "TCPLOCALIP", "TCPLOCALPORT",
	"REMOTE_ADDR", "REMOTE_PORT", NULL
};
#define ENV_NPEER	7

static char	**env_base;	/* the daemon's environment, filtered once */
static size_t	  env_nbase;
static char	**env_out;	/* env_base plus this connection's variables */
static char	  env_buf[ENV_NPEER][96];

/* Whether an inherited variable is one pinetd sets itself. */
static int
env_is_ours(const char *var)
{
	size_t	i, len;

	for (i = 0; env_names[i] != NULL; i++) {
		len = strlen(env_names[i]);
		if (strncmp(var, env_names[i], len) == 0 && var[len] == '=')
			return (1);
	}
	return (0);
}

/* Take the daemon's environment once, at start-up. */
void
env_init(void)
{
	size_t	n = 0, i;

	while (environ[n] != NULL)
		n++;
	env_base = xcalloc(n + 1, sizeof *env_base);
	for (i = 0; i < n; i++) {
		if (!env_is_ours(environ[i]))
			env_base[env_nbase++] = environ[i];
	}
	env_out = xcalloc(env_nbase + ENV_NPEER + 1, sizeof *env_out);
	memcpy(env_out, env_base, env_nbase * sizeof *env_out);
}

/* Split an internet address into its text and port. */
static int
env_addr(const struct sockaddr *sa, char *host, size_t size, unsigned *port)
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;

	switch (sa->sa_family) {
	case AF_INET:
		inet_ntop(AF_INET, &sin->sin_addr, host, size);
		*port = ntohs(sin->sin_port);
		return (0);
	case AF_INET6:
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))	/* tcp46 */
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], host,
			    size);
		else
			inet_ntop(AF_INET6, &sin6->sin6_addr, host, size);
		*port = ntohs(sin6->sin6_port);
		return (0);
	}
	return (-1);
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
	char		 host[INET6_ADDRSTRLEN];
	unsigned	 port;
	size_t		 n = env_nbase, i = 0;

	if (env_out == NULL)
		env_init();
	snprintf(env_buf[i], sizeof env_buf[i], "PROTO=%s",
	    se->se_family == AF_UNIX ? "UNIX" :
	    se->se_family == AF_INET6 ? (se->se_socktype == SOCK_DGRAM ?
	    "UDP6" : "TCP6") : (se->se_socktype == SOCK_DGRAM ? "UDP" : "TCP"));
	env_out[n++] = env_buf[i++];
	if (peer != NULL && env_addr(peer, host, sizeof host, &port) == 0) {
		snprintf(env_buf[i], sizeof env_buf[i], "TCPREMOTEIP=%s", host);
		env_out[n++] = env_buf[i++];
		snprintf(env_buf[i], sizeof env_buf[i], "TCPREMOTEPORT=%u",
		    port);
		env_out[n++] = env_buf[i++];
		snprintf(env_buf[i], sizeof env_buf[i], "REMOTE_ADDR=%s", host);
		env_out[n++] = env_buf[i++];
		snprintf(env_buf[i], sizeof env_buf[i], "REMOTE_PORT=%u", port);
		env_out[n++] = env_buf[i++];
	}
	if (local != NULL && env_addr(local, host, sizeof host, &port) == 0) {
		snprintf(env_buf[i], sizeof env_buf[i], "TCPLOCALIP=%s", host);
		env_out[n++] = env_buf[i++];
		snprintf(env_buf[i], sizeof env_buf[i], "TCPLOCALPORT=%u", port);
		env_out[n++] = env_buf[i++];
	}
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
	env_nbase = 0;
}
