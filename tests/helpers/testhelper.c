/*
 * testhelper: the server program started by pinetd in the regression tests.
 * The mode is chosen by argv[1]; see th_usage() for the list.
 */

#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE		/* sched_getaffinity */
#endif
#if !defined(_XOPEN_SOURCE) && !defined(_GNU_SOURCE)
#define _XOPEN_SOURCE 700
#endif

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TH_MAXFD 1024
#define TH_BUFSIZE 4096

/* Print the list of modes and exit with status 2. */
static void
th_usage(void)
{
	fprintf(stderr, "usage: testhelper peer|id|env|echo-once|udpwait [N]|"
	    "streamwait|args|proc|stderr|limits|affinity|sockopts|bufsizes|"
	    "fdtypes|flood|sleep N|exit N\n");
	exit(2);
}

/* Write all of buf to fd, retrying on short writes; 0 on success. */
static int
th_write_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		buf += n;
		len -= (size_t)n;
	}
	return (0);
}

/* Format a socket address as ADDR:PORT, [ADDR]:PORT or "unix". */
static void
th_format_addr(const struct sockaddr *sa, socklen_t salen, char *out,
    size_t outlen)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	char				 host[INET6_ADDRSTRLEN];

	if (salen == 0) {
		snprintf(out, outlen, "none");
		return;
	}
	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
		snprintf(out, outlen, "%s:%u", host, ntohs(sin->sin_port));
		break;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
		snprintf(out, outlen, "[%s]:%u", host, ntohs(sin6->sin6_port));
		break;
	case AF_UNIX:
		snprintf(out, outlen, "unix");
		break;
	default:
		snprintf(out, outlen, "family%d", (int)sa->sa_family);
		break;
	}
}

/* Append the comma-separated list of open descriptors to out. */
static void
th_list_fds(char *out, size_t outlen)
{
	size_t	used = 0;
	int	fd, n;

	out[0] = '\0';
	for (fd = 0; fd < TH_MAXFD; fd++) {
		if (fcntl(fd, F_GETFD) == -1)
			continue;
		n = snprintf(out + used, outlen - used, "%s%d",
		    used == 0 ? "" : ",", fd);
		if (n < 0 || (size_t)n >= outlen - used)
			break;
		used += (size_t)n;
	}
}

/* Mode peer: report pid, the peer of fd 0 and the open descriptors. */
static int
th_peer(void)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen = sizeof ss;
	char			addr[128], fds[4096], line[4400];

	/* List descriptors first so nothing we open can show up. */
	th_list_fds(fds, sizeof fds);
	memset(&ss, 0, sizeof ss);
	if (getpeername(0, (struct sockaddr *)&ss, &sslen) == -1)
		snprintf(addr, sizeof addr, "error:%s", strerror(errno));
	else
		th_format_addr((struct sockaddr *)&ss, sslen, addr,
		    sizeof addr);
	snprintf(line, sizeof line, "pid=%ld peer=%s fds=%s\n",
	    (long)getpid(), addr, fds);
	return (th_write_all(1, line, strlen(line)) == 0 ? 0 : 1);
}

/* Mode id: report real uid, gid and the supplementary groups. */
static int
th_id(void)
{
	gid_t	*groups;
	char	 line[8192];
	size_t	 used;
	int	 i, n, ngroups;

	ngroups = getgroups(0, NULL);
	if (ngroups < 0)
		ngroups = 0;
	groups = calloc((size_t)ngroups + 1, sizeof *groups);
	if (groups == NULL)
		return (1);
	ngroups = getgroups(ngroups, groups);
	if (ngroups == -1)
		ngroups = 0;
	used = (size_t)snprintf(line, sizeof line, "uid=%ld gid=%ld groups=",
	    (long)getuid(), (long)getgid());
	for (i = 0; i < ngroups && used < sizeof line; i++) {
		n = snprintf(line + used, sizeof line - used, "%s%ld",
		    i == 0 ? "" : ",", (long)groups[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	free(groups);
	if (used >= sizeof line - 1)
		used = sizeof line - 2;
	line[used++] = '\n';
	return (th_write_all(1, line, used) == 0 ? 0 : 1);
}

/* Mode env: print the environment, one VAR=value per line. */
static int
th_env(void)
{
	extern char	**environ;
	char		**ep;

	for (ep = environ; *ep != NULL; ep++) {
		if (th_write_all(1, *ep, strlen(*ep)) != 0 ||
		    th_write_all(1, "\n", 1) != 0)
			return (1);
	}
	return (0);
}

/* Mode echo-once: read one line from fd 0, answer "pid=PID: LINE". */
static int
th_echo_once(void)
{
	char	line[TH_BUFSIZE], out[TH_BUFSIZE + 64];
	size_t	len = 0;
	ssize_t	n;
	int	m;

	while (len < sizeof line - 1) {
		n = read(0, line + len, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len++;
		if (line[len - 1] == '\n')
			break;
	}
	if (len == 0 || line[len - 1] != '\n')
		line[len++] = '\n';
	line[len] = '\0';
	m = snprintf(out, sizeof out, "pid=%ld: %s", (long)getpid(), line);
	if (m < 0)
		return (1);
	return (th_write_all(1, out, strlen(out)) == 0 ? 0 : 1);
}

/*
 * Mode udpwait [N]: answer datagrams on fd 0 until N idle seconds (1). A
 * test that reloads while the server must still run gives it longer.
 */
static int
th_udpwait(int idle)
{
	struct sockaddr_storage	ss;
	struct pollfd		pfd;
	socklen_t		sslen;
	char			buf[TH_BUFSIZE], out[TH_BUFSIZE + 64];
	ssize_t			n;
	int			m, r;

	for (;;) {
		pfd.fd = 0;
		pfd.events = POLLIN;
		pfd.revents = 0;
		r = poll(&pfd, 1, idle * 1000);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return (r == 0 ? 0 : 1);
		sslen = sizeof ss;
		n = recvfrom(0, buf, sizeof buf - 1, 0,
		    (struct sockaddr *)&ss, &sslen);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			return (1);
		}
		buf[n] = '\0';
		m = snprintf(out, sizeof out, "pid=%ld got=%s",
		    (long)getpid(), buf);
		if (m < 0)
			return (1);
		if ((size_t)m >= sizeof out)
			m = (int)sizeof out - 1;
		if (sendto(0, out, (size_t)m, 0, (struct sockaddr *)&ss,
		    sslen) == -1)
			return (1);
	}
}

/* Mode streamwait: accept one connection on the listening fd 0. */
static int
th_streamwait(void)
{
	struct pollfd	pfd;
	char		line[128];
	int		fd, flags;

	/* The socket may be non-blocking; wait for a client explicitly. */
	flags = fcntl(0, F_GETFL);
	if (flags != -1)
		(void)fcntl(0, F_SETFL, flags & ~O_NONBLOCK);
	for (;;) {
		pfd.fd = 0;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 10000) <= 0)
			return (1);
		fd = accept(0, NULL, NULL);
		if (fd != -1)
			break;
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != ECONNABORTED)
			return (1);
	}
	snprintf(line, sizeof line, "pid=%ld accepted\n", (long)getpid());
	if (th_write_all(fd, line, strlen(line)) != 0)
		return (1);
	close(fd);
	return (0);
}

/* Mode args: print argc and argv joined by '|'. */
static int
th_args(int argc, char **argv)
{
	char	line[8192];
	size_t	used;
	int	i, n;

	used = (size_t)snprintf(line, sizeof line, "argc=%d argv=", argc);
	for (i = 0; i < argc && used < sizeof line; i++) {
		n = snprintf(line + used, sizeof line - used, "%s%s",
		    i == 0 ? "" : "|", argv[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (used >= sizeof line - 1)
		used = sizeof line - 2;
	line[used++] = '\n';
	return (th_write_all(1, line, used) == 0 ? 0 : 1);
}

/* Mode proc: report pid, session, process group, blocked and ignored signals. */
static int
th_proc(void)
{
	struct sigaction	sa;
	sigset_t		blocked;
	char			line[2048], bl[512], ig[512];
	size_t			bused = 0, iused = 0;
	int			sig, n;

	bl[0] = ig[0] = '\0';
	sigemptyset(&blocked);
	sigprocmask(SIG_BLOCK, NULL, &blocked);
	for (sig = 1; sig < 32; sig++) {
		if (sigismember(&blocked, sig) == 1) {
			n = snprintf(bl + bused, sizeof bl - bused, "%s%d",
			    bused == 0 ? "" : ",", sig);
			if (n > 0 && (size_t)n < sizeof bl - bused)
				bused += (size_t)n;
		}
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN) {
			n = snprintf(ig + iused, sizeof ig - iused, "%s%d",
			    iused == 0 ? "" : ",", sig);
			if (n > 0 && (size_t)n < sizeof ig - iused)
				iused += (size_t)n;
		}
	}
	snprintf(line, sizeof line,
	    "pid=%ld sid=%ld pgid=%ld blocked=%s ignored=%s\n", (long)getpid(),
	    (long)getsid(0), (long)getpgrp(), bl, ig);
	return (th_write_all(1, line, strlen(line)) == 0 ? 0 : 1);
}

/* Mode stderr: write one line to fd 2 only. */
static int
th_stderr(void)
{
	char	line[64];

	snprintf(line, sizeof line, "pid=%ld stderr\n", (long)getpid());
	return (th_write_all(2, line, strlen(line)) == 0 ? 0 : 1);
}

/* Parse a non-negative decimal argument or show usage. */
static int
th_number(const char *s)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 100000)
		th_usage();
	return ((int)v);
}

/* Print the process attributes pinetd may set: umask, nice, rlimits. */
static int
th_limits(void)
{
	struct rlimit	nofile, cpu;
	char		buf[256];
	mode_t		mask;
	int		len, pri;

	mask = umask(0);
	umask(mask);
	errno = 0;
	pri = nice(0);
	if (getrlimit(RLIMIT_NOFILE, &nofile) == -1 ||
	    getrlimit(RLIMIT_CPU, &cpu) == -1)
		return (1);
	len = snprintf(buf, sizeof buf, "umask=%03o nice=%d nofile=%lld "
	    "cpu=%lld\n", (unsigned)mask, pri, nofile.rlim_cur ==
	    RLIM_INFINITY ? -1LL : (long long)nofile.rlim_cur,
	    cpu.rlim_cur == RLIM_INFINITY ? -1LL : (long long)cpu.rlim_cur);
	return (th_write_all(1, buf, (size_t)len) == 0 ? 0 : 1);
}

/* Print what fds 0, 1 and 2 are: socket, fifo (pipe), file or other. */
static int
th_fdtypes(void)
{
	struct stat	sb;
	char		buf[128];
	size_t		len = 0;
	int		fd;

	for (fd = 0; fd < 3; fd++) {
		const char	*t = "closed";

		if (fstat(fd, &sb) == 0)
			t = S_ISSOCK(sb.st_mode) ? "socket" :
			    S_ISFIFO(sb.st_mode) ? "fifo" :
			    S_ISREG(sb.st_mode) ? "file" : "other";
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%d=%s",
		    fd ? " " : "", fd, t);
	}
	buf[len++] = '\n';
	return (th_write_all(1, buf, len) == 0 ? 0 : 1);
}

/* Read one int socket option of the connection on fd 0; -1 on failure. */
static int
th_getopt(int level, int name, int *value)
{
	socklen_t	sl = sizeof *value;

	*value = 0;
	return (getsockopt(0, level, name, value, &sl));
}

/* Print TCP_NODELAY and SO_KEEPALIVE of the connection on fd 0. */
static int
th_sockopts(void)
{
	char	buf[64];
	int	nodelay, keepalive, len;

	if (th_getopt(IPPROTO_TCP, TCP_NODELAY, &nodelay) == -1 ||
	    th_getopt(SOL_SOCKET, SO_KEEPALIVE, &keepalive) == -1)
		return (1);
	len = snprintf(buf, sizeof buf, "nodelay=%d keepalive=%d\n",
	    nodelay != 0, keepalive != 0);
	return (th_write_all(1, buf, (size_t)len) == 0 ? 0 : 1);
}

/* Print SO_SNDBUF and SO_RCVBUF of the connection on fd 0. */
static int
th_bufsizes(void)
{
	char	buf[64];
	int	snd, rcv, len;

	if (th_getopt(SOL_SOCKET, SO_SNDBUF, &snd) == -1 ||
	    th_getopt(SOL_SOCKET, SO_RCVBUF, &rcv) == -1)
		return (1);
	len = snprintf(buf, sizeof buf, "sndbuf=%d rcvbuf=%d\n", snd, rcv);
	return (th_write_all(1, buf, (size_t)len) == 0 ? 0 : 1);
}

/* Print the CPUs the process may run on, as sched_getaffinity says. */
static int
th_affinity(void)
{
#ifdef __linux__
	cpu_set_t	set;
	char		buf[4096];
	size_t		len = 0;
	int		c;

	if (sched_getaffinity(0, sizeof set, &set) == -1)
		return (1);
	len += (size_t)snprintf(buf, sizeof buf, "cpus=");
	for (c = 0; c < CPU_SETSIZE && len < sizeof buf - 16; c++) {
		if (CPU_ISSET(c, &set))
			len += (size_t)snprintf(buf + len, sizeof buf - len,
			    "%s%d", buf[len - 1] == '=' ? "" : ",", c);
	}
	buf[len++] = '\n';
	return (th_write_all(1, buf, len) == 0 ? 0 : 1);
#else
	return (th_write_all(1, "cpus=unknown\n", 13) == 0 ? 0 : 1);
#endif
}

/* Mode flood: write "y\n" to fd 1 until a write fails (or SIGPIPE). */
static int
th_flood(void)
{
	char	buf[65536];
	size_t	i;

	for (i = 0; i < sizeof buf; i += 2) {
		buf[i] = 'y';
		buf[i + 1] = '\n';
	}
	while (th_write_all(1, buf, sizeof buf) == 0)
		;
	return (0);
}

/* Dispatch on argv[1]. */
int
main(int argc, char **argv)
{
	const char	*mode;
	int		 n;

	if (argc < 2)
		th_usage();
	mode = argv[1];
	if (strcmp(mode, "flood") == 0)
		return (th_flood());
	if (strcmp(mode, "peer") == 0)
		return (th_peer());
	if (strcmp(mode, "id") == 0)
		return (th_id());
	if (strcmp(mode, "env") == 0)
		return (th_env());
	if (strcmp(mode, "echo-once") == 0)
		return (th_echo_once());
	if (strcmp(mode, "udpwait") == 0 && argc <= 3)
		return (th_udpwait(argc == 3 ? th_number(argv[2]) : 1));
	if (strcmp(mode, "streamwait") == 0)
		return (th_streamwait());
	if (strcmp(mode, "args") == 0)
		return (th_args(argc, argv));
	if (strcmp(mode, "proc") == 0)
		return (th_proc());
	if (strcmp(mode, "stderr") == 0)
		return (th_stderr());
	if (strcmp(mode, "limits") == 0)
		return (th_limits());
	if (strcmp(mode, "affinity") == 0)
		return (th_affinity());
	if (strcmp(mode, "sockopts") == 0)
		return (th_sockopts());
	if (strcmp(mode, "bufsizes") == 0)
		return (th_bufsizes());
	if (strcmp(mode, "fdtypes") == 0)
		return (th_fdtypes());
	if (strcmp(mode, "sleep") == 0 && argc == 3) {
		n = th_number(argv[2]);
		while (n > 0)
			n = (int)sleep((unsigned int)n);
		return (0);
	}
	if (strcmp(mode, "exit") == 0 && argc == 3)
		return (th_number(argv[2]) & 0xff);
	th_usage();
	return (2);
}
