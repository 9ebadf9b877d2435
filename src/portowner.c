/*
 * Who accepted the daemon's connection to a port-mode server's loopback
 * port, on systems with /proc/net/tcp (Linux): the uid the kernel keeps
 * for the server's end of that very connection, which it copies from the
 * listening socket. Another local user who bound the port before the
 * server would otherwise receive its client.
 */

#include "pinetd.h"

#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PORTOWNER_TCP	"/proc/net/tcp"
#define PORTOWNER_TCP6	"/proc/net/tcp6"

/* An IPv4 address's place in 16 bytes, as IPv6 maps it. */
static const unsigned char	portowner_mapped[12] = { 0, 0, 0, 0, 0, 0, 0,
				    0, 0, 0, 0xff, 0xff };

/* One end of a connection as the tables give it: 16 bytes (v4 mapped). */
struct portowner_end {
	unsigned char	pe_addr[16];
	unsigned int	pe_port;
};

/*
 * Parse an address as /proc prints it: each 32-bit word in hexadecimal,
 * as the host reads that word from memory, so the words copied back into
 * memory are the address's bytes again. An IPv4 address is stored mapped.
 */
static int
portowner_addr(const char *hex, unsigned char *out)
{
	size_t		i, words = strlen(hex) / 8;
	unsigned int	w;
	char		one[9];
	uint32_t	v;

	if ((words != 1 && words != 4) || strlen(hex) != words * 8)
		return (-1);
	if (words == 1)
		memcpy(out, portowner_mapped, sizeof portowner_mapped);
	for (i = 0; i < words; i++) {
		memcpy(one, hex + i * 8, 8);
		one[8] = '\0';
		if (sscanf(one, "%8x", &w) != 1)
			return (-1);
		v = w;
		memcpy(out + 16 - (words - i) * 4, &v, 4);
	}
	return (0);
}

/* A socket's address as a table end (IPv4 mapped); -1 if not IP. */
static int
portowner_sockend(const struct sockaddr_storage *ss, struct portowner_end *pe)
{
	const struct sockaddr_in	*sin = (const void *)ss;
	const struct sockaddr_in6	*sin6 = (const void *)ss;

	memset(pe, 0, sizeof *pe);
	if (ss->ss_family == AF_INET) {
		memcpy(pe->pe_addr, portowner_mapped, sizeof portowner_mapped);
		memcpy(pe->pe_addr + 12, &sin->sin_addr, 4);
		pe->pe_port = ntohs(sin->sin_port);
		return (0);
	}
	if (ss->ss_family == AF_INET6) {
		memcpy(pe->pe_addr, &sin6->sin6_addr, 16);
		pe->pe_port = ntohs(sin6->sin6_port);
		return (0);
	}
	return (-1);
}

/*
 * Look for the connection whose local end is srv and remote end is us in
 * one table: 1 with its uid in *uid, 0 if it is not there, -1 if the
 * system has no such file, -2 (errno set) if it has one that cannot be
 * read now (a full descriptor table).
 */
static int
portowner_table(const char *path, const struct portowner_end *srv,
    const struct portowner_end *us, unsigned long *uid)
{
	struct portowner_end	 l, r;
	FILE			*f;
	char			 line[512], lhex[40], rhex[40];
	int			 found = 0;

	if ((f = fopen(path, "r")) == NULL)
		return (errno == ENOENT || errno == ENOTDIR ? -1 : -2);
	while (!found && fgets(line, sizeof line, f) != NULL) {
		/* sl local rem st tx:rx tr:when retrnsmt uid */
		if (sscanf(line, " %*d: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x "
		    "%*s %*s %*s %*s %lu", lhex, &l.pe_port, rhex, &r.pe_port,
		    uid) != 5)
			continue;	/* the header */
		if (l.pe_port != srv->pe_port || r.pe_port != us->pe_port ||
		    portowner_addr(lhex, l.pe_addr) == -1 ||
		    portowner_addr(rhex, r.pe_addr) == -1)
			continue;
		found = memcmp(l.pe_addr, srv->pe_addr, 16) == 0 &&
		    memcmp(r.pe_addr, us->pe_addr, 16) == 0;
	}
	fclose(f);
	return (found);
}

/*
 * Whether the server's end of the connection fd belongs to the server's
 * user: 1 if so, 0 if another user's or the table that would say cannot
 * be read (who says which), -1 where the system keeps no such table or
 * the connection is gone.
 */
int
portowner_check(const struct service *se, UNUSED pid_t pid, int fd,
    char *who, size_t len)
{
	struct sockaddr_storage	 me, peer;
	struct portowner_end	 us, srv;
	socklen_t		 mlen = sizeof me, plen = sizeof peer;
	unsigned long		 owner;
	uid_t			 uid = spawn_uid(se);
	int			 r;

	if (getsockname(fd, (struct sockaddr *)&me, &mlen) == -1 ||
	    getpeername(fd, (struct sockaddr *)&peer, &plen) == -1 ||
	    portowner_sockend(&me, &us) == -1 ||
	    portowner_sockend(&peer, &srv) == -1)
		return (-1);
	/* A dual-stack server's end is in the IPv6 table, mapped. */
	if ((r = portowner_table(PORTOWNER_TCP, &srv, &us, &owner)) == 0 ||
	    r == -1)
		r = portowner_table(PORTOWNER_TCP6, &srv, &us, &owner);
	if (r == -2) {
		/* Not knowing is no licence to hand the client over. */
		snprintf(who, len, "an owner that cannot be read: %s",
		    strerror(errno));
		return (0);
	}
	if (r != 1)
		return (-1);
	if (owner == (unsigned long)uid)
		return (1);
	snprintf(who, len, "uid %lu, not the server's uid %lu", owner,
	    (unsigned long)uid);
	return (0);
}
