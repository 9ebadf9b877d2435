/*
 * When and how a server process is started for a service; the platform part
 * (spawn_start) does the starting itself.
 */

#include "pinetd.h"

#include <unistd.h>

/* The same descriptor as a server's stdin, stdout and stderr. */
static int *
fds_of(int fd, int fds[3])
{
	fds[0] = fds[1] = fds[2] = fd;
	return (fds);
}

/* A connection was accepted for a nowait service: start its server. */
void
spawn_connection(struct service *se, int fd, const struct sockaddr *sa,
    socklen_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof ss;
	const struct sockaddr	*local = (const void *)&se->se_addr;
	struct source		*so;
	const char		*why;
	char			 addr[256], **envp;
	int			 fds[3];
	pid_t			 pid;

	so = limit_check(se, sa, &why);
	if (why != NULL) {
		listen_refuse(se, fd, sa, len, why);
		return;
	}
	if (!service_may_start(se)) {
		se->se_refused++;
		close(fd);
		return;
	}
	conf_child_banner_send(se, BANNER_SUCCESS, fd);
	if (listen_wildcard(se))
		local = getsockname(fd, (void *)&ss, &sslen) == 0 ?
		    (const void *)&ss : NULL;
	envp = env_connection(se, sa, local);
	if (se->se_tls != NULL && (fd = tls_accept(se, fd, NULL)) == -1) {
		se->se_failed++;
		return;
	}
	if (se->se_handoff != HANDOFF_SOCKET) {
		/* The hand-off owns fd from here, whatever happens. */
		if (handoff_start(se, fd, envp, &pid) != 0) {
			se->se_failed++;
			return;
		}
	} else {
		if (spawn_start(se, fds_of(fd, fds), se->se_argv, envp,
		    &pid) != 0) {
			se->se_failed++;
			close(fd);
			return;
		}
		close(fd);
	}
	se->se_accepted++;
	child_add(pid, se, so);
	if (opts.log_conns || (se->se_log_success & (LOGF_HOST | LOGF_PID)))
		service_log(se, "%s: connection from %s, pid %ld", se->se_label,
		    listen_ntop(sa, len, addr, sizeof addr), (long)pid);
}

/* A wait service's socket is readable: hand the socket itself to a server. */
void
spawn_wait(struct service *se)
{
	char	**envp;
	int	  fds[3];
	pid_t	  pid;

	if (!service_may_start(se))
		return;
	envp = env_connection(se, NULL, listen_wildcard(se) ? NULL :
	    (const void *)&se->se_addr);
	if (spawn_start(se, fds_of(se->se_fd, fds), se->se_argv, envp,
	    &pid) != 0) {
		service_backoff(se);
		return;
	}
	service_busy(se);
	se->se_accepted++;
	child_add(pid, se, NULL);
	if (opts.log_conns)
		service_log(se, "%s: started pid %ld", se->se_label, (long)pid);
}
