/*
 * spawnloop: the benchmark's baseline, the least a super-server can do.
 * Listen on one TCP port; for each connection accept4 it and posix_spawn
 * the program with the connection as its stdin, stdout and stderr; reap
 * children with waitpid. No event loop, no configuration, no limits.
 * With -e it is the baseline for the echo figure instead: it echoes each
 * connection itself, one at a time, with blocking recv and send of 2 MB,
 * the chunk pinetd's echo reads.
 *
 *   spawnloop [-q backlog] host port program [argument ...]
 *   spawnloop -e [-q backlog] host port
 *
 * The program's argv[0] is the last component of its path. SIGTERM ends it.
 */

#define _GNU_SOURCE	/* accept4 where the libc has it */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* Print a message with the program name and exit 1. */
static void
spawnloop_die(const char *what, const char *detail)
{
	fprintf(stderr, "spawnloop: %s%s%s\n", what, detail ? ": " : "",
	    detail ? detail : "");
	exit(1);
}

/* Open the listening socket on host and port, close-on-exec. */
static int
spawnloop_listen(const char *host, const char *port, int backlog)
{
	struct addrinfo	 hints, *ai;
	int		 fd, rc, on = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0)
		spawnloop_die(host, gai_strerror(rc));
	if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) == -1)
		spawnloop_die("socket", strerror(errno));
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1)
		spawnloop_die("bind", strerror(errno));
	if (listen(fd, backlog) == -1)
		spawnloop_die("listen", strerror(errno));
	freeaddrinfo(ai);
	return (fd);
}

/* Accept one connection, close-on-exec; -1 on a transient error. */
static int
spawnloop_accept(int lfd)
{
	int	fd;

#ifdef SOCK_CLOEXEC
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
#else
	if ((fd = accept(lfd, NULL, NULL)) != -1)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
	if (fd == -1 && errno != EINTR && errno != ECONNABORTED &&
	    errno != EMFILE && errno != ENFILE)
		spawnloop_die("accept", strerror(errno));
	return (fd);
}

/* Start path with fd as its descriptors 0, 1 and 2; 0 on success. */
static int
spawnloop_spawn(int fd, const char *path, char *argv[])
{
	posix_spawn_file_actions_t	 fa;
	pid_t				 pid;
	int				 rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 0);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		fprintf(stderr, "spawnloop: %s: %s\n", path, strerror(rc));
	return (rc);
}

/* Send back everything fd sends until it half-closes or fails. */
static void
spawnloop_echo(int fd)
{
	static char	buf[2 * 1024 * 1024];
	ssize_t		n, w, off;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		for (off = 0; off < n; off += w)
			if ((w = send(fd, buf + off, n - off, 0)) <= 0)
				return;
	}
}

/* Reap every child that has exited, without waiting. */
static void
spawnloop_reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		continue;
}

/* Parse the arguments, then accept and spawn for ever. */
int
main(int argc, char *argv[])
{
	char	**args, *slash;
	int	  lfd, fd, ch, backlog = 128, echo = 0;

	while ((ch = getopt(argc, argv, "eq:")) != -1) {
		switch (ch) {
		case 'e':
			echo = 1;
			break;
		case 'q':
			backlog = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < (echo ? 2 : 3))
		goto usage;
	signal(SIGPIPE, SIG_IGN);
	lfd = spawnloop_listen(argv[0], argv[1], backlog);
	while (echo) {
		if ((fd = spawnloop_accept(lfd)) == -1)
			continue;
		spawnloop_echo(fd);
		close(fd);
	}
	/* The program's argv, NULL-terminated, argv[0] its last component. */
	if ((args = calloc(argc - 1, sizeof(*args))) == NULL)
		spawnloop_die("out of memory", NULL);
	memcpy(args, argv + 2, (argc - 2) * sizeof(*args));
	if ((slash = strrchr(argv[2], '/')) != NULL)
		args[0] = slash + 1;
	for (;;) {
		if ((fd = spawnloop_accept(lfd)) == -1)
			continue;
		(void)spawnloop_spawn(fd, argv[2], args);
		close(fd);
		spawnloop_reap();
	}
usage:
	fprintf(stderr, "usage: spawnloop [-q backlog] host port program "
	    "[argument ...]\n       spawnloop -e [-q backlog] host port\n");
	return (2);
}
