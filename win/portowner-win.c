/*
 * Who accepted the daemon's connection to a port-mode server's loopback
 * port, on Windows: the owning process of the server's end of that very
 * connection, from the IP Helper's TCP tables. Another local user who
 * bound the port before the server would otherwise receive its client.
 */

#include "pinetd.h"

#include <iphlpapi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * One of the system's connection tables (family AF_INET or AF_INET6), in
 * memory the caller frees, or NULL.
 */
static void *
portowner_table(ULONG family)
{
	void	*t = NULL;
	DWORD	 size = 0, r;
	int	 tries;

	/* The table may grow between the size asked and the copy. */
	for (tries = 0; tries < 4; tries++) {
		r = GetExtendedTcpTable(t, &size, FALSE, family,
		    TCP_TABLE_OWNER_PID_CONNECTIONS, 0);
		if (r == NO_ERROR)
			return (t);
		if (r != ERROR_INSUFFICIENT_BUFFER)
			break;
		free(t);
		t = xmalloc(size);
	}
	free(t);
	return (NULL);
}

/* The user a process runs as (a copy the caller frees), or NULL. */
static TOKEN_USER *
portowner_user(DWORD pid)
{
	HANDLE		 proc, token;
	TOKEN_USER	*tu = NULL;
	DWORD		 size = 0;

	if ((proc = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
	    pid)) == NULL)
		return (NULL);
	if (OpenProcessToken(proc, TOKEN_QUERY, &token)) {
		GetTokenInformation(token, TokenUser, NULL, 0, &size);
		if (size > 0) {
			tu = xmalloc(size);
			if (!GetTokenInformation(token, TokenUser, tu, size,
			    &size)) {
				free(tu);
				tu = NULL;
			}
		}
		CloseHandle(token);
	}
	CloseHandle(proc);
	return (tu);
}

/*
 * Whether a listener's owner is the server, or runs as the same user as
 * the daemon (whose servers do: a script that starts q leaves q the
 * listener). A process that cannot be asked is another user's.
 */
static int
portowner_ours(DWORD owner, pid_t pid)
{
	TOKEN_USER	*me, *it;
	int		 same;

	if (owner == (DWORD)pid)
		return (1);
	me = portowner_user(GetCurrentProcessId());
	it = portowner_user(owner);
	same = me != NULL && it != NULL &&
	    EqualSid(me->User.Sid, it->User.Sid);
	free(me);
	free(it);
	return (same);
}

/*
 * The process at the server's end of the connection fd: the row of the
 * IPv4 table whose local end is fd's peer and remote end is fd itself, or
 * of the IPv6 table, mapped, for a dual-stack server. 0 if not found.
 */
static DWORD
portowner_find(SOCKET fd)
{
	static const unsigned char	 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
					    0, 0, 0xff, 0xff };
	struct sockaddr_in		 me, peer;
	int				 mlen = sizeof me, plen = sizeof peer;
	MIB_TCPTABLE_OWNER_PID		*t4;
	MIB_TCP6TABLE_OWNER_PID		*t6;
	DWORD				 i, owner = 0;

	if (getsockname(fd, (struct sockaddr *)&me, &mlen) != 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &plen) != 0 ||
	    me.sin_family != AF_INET || peer.sin_family != AF_INET)
		return (0);
	if ((t4 = portowner_table(AF_INET)) != NULL) {
		for (i = 0; owner == 0 && i < t4->dwNumEntries; i++) {
			MIB_TCPROW_OWNER_PID	*row = &t4->table[i];

			if (row->dwLocalAddr == peer.sin_addr.s_addr &&
			    (row->dwLocalPort & 0xffff) == peer.sin_port &&
			    row->dwRemoteAddr == me.sin_addr.s_addr &&
			    (row->dwRemotePort & 0xffff) == me.sin_port)
				owner = row->dwOwningPid;
		}
		free(t4);
	}
	if (owner == 0 && (t6 = portowner_table(AF_INET6)) != NULL) {
		for (i = 0; owner == 0 && i < t6->dwNumEntries; i++) {
			MIB_TCP6ROW_OWNER_PID	*row = &t6->table[i];

			if (memcmp(row->ucLocalAddr, mapped, 12) == 0 &&
			    memcmp(row->ucLocalAddr + 12, &peer.sin_addr,
			    4) == 0 &&
			    (row->dwLocalPort & 0xffff) == peer.sin_port &&
			    memcmp(row->ucRemoteAddr, mapped, 12) == 0 &&
			    memcmp(row->ucRemoteAddr + 12, &me.sin_addr,
			    4) == 0 &&
			    (row->dwRemotePort & 0xffff) == me.sin_port)
				owner = row->dwOwningPid;
		}
		free(t6);
	}
	return (owner);
}

/*
 * Whether the server's end of the connection fd is the server process or
 * another of the daemon's user: 1 if so, 0 if another user's (who says
 * which process), -1 if the tables do not say (or the connection is gone).
 */
int
portowner_check(UNUSED const struct service *se, pid_t pid, int fd,
    char *who, size_t len)
{
	DWORD	owner;

	if ((owner = portowner_find((SOCKET)fd)) == 0)
		return (-1);
	if (portowner_ours(owner, pid))
		return (1);
	snprintf(who, len, "process %lu of another user, not the server "
	    "(pid %ld)", (unsigned long)owner, (long)pid);
	return (0);
}
