/*
 * Datagram built-ins answer from the address each datagram was sent to. A
 * socket bound to a wildcard address would otherwise reply from whatever
 * address the route back to the client picks, and on a host with several
 * addresses a client whose socket is connected (most are) drops that reply.
 * The kernel tells the destination of each datagram (IP_PKTINFO, or
 * IP_RECVDSTADDR on the BSDs, and IPV6_RECVPKTINFO) and takes it back as the
 * source of the reply. Without recvmsg (Windows) or those options, replies
 * go out as before, with sendto.
 */

/* macOS declares the RFC 3542 IPv6 options only when asked to. */
#define __APPLE_USE_RFC_3542 1

#include "pinetd.h"

#include <netinet/in.h>

#include <string.h>

#if defined(HAVE_RECVMSG) && defined(HAVE_SENDMSG)
#if defined(IP_PKTINFO)
#define DGRAM_V4	1	/* IP_PKTINFO, struct in_pktinfo */
#elif defined(IP_RECVDSTADDR) && defined(IP_SENDSRCADDR)
#define DGRAM_V4	2	/* IP_RECVDSTADDR in, IP_SENDSRCADDR out */
#endif
#if defined(IPV6_RECVPKTINFO) && defined(IPV6_PKTINFO)
#define DGRAM_V6	1
#endif
#endif

#if defined(DGRAM_V4) || defined(DGRAM_V6)
#define DGRAM_CMSG	1
/* Room for the one control message either way. */
#define DGRAM_CTLSIZE	256
#else
#define DGRAM_CMSG	0
#endif

/*
 * Ask the kernel for each datagram's destination on a built-in's socket
 * bound to a wildcard address. A failure only means replies go out as
 * before; it is not logged, since listen_open may run on a worker thread.
 */
void
dgram_setup(const struct service *se, UNUSED int fd)
{
	int	on = 1, r = 0;

	if (!listen_wildcard(se))
		return;
#if DGRAM_V4 == 1
	if (se->se_family == AF_INET)
		r = setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
#elif DGRAM_V4 == 2
	if (se->se_family == AF_INET)
		r = setsockopt(fd, IPPROTO_IP, IP_RECVDSTADDR, &on, sizeof on);
#endif
#ifdef DGRAM_V6
	if (se->se_family == AF_INET6)
		r = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
		    sizeof on);
#if DGRAM_V4 == 1
	/* IPv4 datagrams on a dual-stack socket come with IP_PKTINFO. */
	if (r == 0 && se->se_family == AF_INET6 && !se->se_v6only)
		(void)setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
#endif
#endif
	(void)on;
	(void)r;
}

#if DGRAM_CMSG
/* The control buffer of one recvmsg or sendmsg, aligned for a cmsghdr. */
union dgram_ctl {
	struct cmsghdr	hdr;
	char		buf[DGRAM_CTLSIZE];
};

/* A message of one buffer, to or from an address, with a control buffer. */
static void
dgram_msg(struct msghdr *msg, struct iovec *iov, void *buf, size_t len,
    void *name, socklen_t namelen, union dgram_ctl *ctl)
{
	memset(msg, 0, sizeof *msg);
	iov->iov_base = buf;
	iov->iov_len = len;
	msg->msg_name = name;
	msg->msg_namelen = namelen;
	msg->msg_iov = iov;
	msg->msg_iovlen = 1;
	msg->msg_control = ctl->buf;
	msg->msg_controllen = sizeof ctl->buf;
}

/*
 * Whether an IPv4 destination can be a reply's source: not a broadcast or
 * multicast one, which some kernels (OpenBSD's) would take as it is.
 */
static int
dgram_v4_source(struct in_addr a)
{
	uint32_t	h = ntohl(a.s_addr);

	return (h != INADDR_BROADCAST && h != INADDR_ANY && (h >> 28) != 0xe);
}

/* Keep the control message that names the datagram's destination, if any. */
static void
dgram_keep(struct dgram_dst *dst, const struct cmsghdr *cm)
{
	size_t	len = cm->cmsg_len - CMSG_LEN(0);

#if DGRAM_V4 == 1
	if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO &&
	    len >= sizeof(struct in_pktinfo)) {
		struct in_pktinfo	pi;

		memcpy(&pi, CMSG_DATA(cm), sizeof pi);
#ifdef HAVE_STRUCT_IN_PKTINFO_IPI_SPEC_DST
		/* Linux: the local address, an interface's for a broadcast. */
		if (pi.ipi_spec_dst.s_addr != htonl(INADDR_ANY))
			pi.ipi_addr = pi.ipi_spec_dst;
#endif
		if (dgram_v4_source(pi.ipi_addr)) {
			dst->dd_family = AF_INET;
			dst->dd_v4 = pi.ipi_addr;
		}
		return;
	}
#elif DGRAM_V4 == 2
	if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVDSTADDR &&
	    len >= sizeof(struct in_addr)) {
		struct in_addr	a;

		memcpy(&a, CMSG_DATA(cm), sizeof a);
		if (dgram_v4_source(a)) {
			dst->dd_family = AF_INET;
			dst->dd_v4 = a;
		}
		return;
	}
#endif
#ifdef DGRAM_V6
	if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO &&
	    len >= sizeof(struct in6_pktinfo)) {
		struct in6_pktinfo	pi6;

		memcpy(&pi6, CMSG_DATA(cm), sizeof pi6);
		if (IN6_IS_ADDR_MULTICAST(&pi6.ipi6_addr))
			return;
		dst->dd_family = AF_INET6;
		dst->dd_v6 = pi6.ipi6_addr;
		/* Pinning the interface would forbid routes out of another. */
		dst->dd_ifindex = IN6_IS_ADDR_LINKLOCAL(&pi6.ipi6_addr) ?
		    pi6.ipi6_ifindex : 0;
	}
#endif
	(void)len;
}
#endif

/*
 * Receive one datagram, with its sender in from and, where the kernel says,
 * the address it was sent to in dst (dd_family 0 when it did not).
 */
ssize_t
dgram_recv(int fd, void *buf, size_t size, struct sockaddr_storage *from,
    socklen_t *fromlen, struct dgram_dst *dst)
{
#if DGRAM_CMSG
	union dgram_ctl	 ctl;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cm;
	ssize_t		 n;

	memset(dst, 0, sizeof *dst);
	dgram_msg(&msg, &iov, buf, size, from, *fromlen, &ctl);
	if ((n = recvmsg(fd, &msg, 0)) == -1)
		return (-1);
	*fromlen = msg.msg_namelen;
#if defined(MSG_BCAST) && defined(MSG_MCAST)
	/* The BSDs that say so: a subnet broadcast is no source either. */
	if (msg.msg_flags & (MSG_BCAST | MSG_MCAST))
		return (n);
#endif
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm))
		dgram_keep(dst, cm);
	return (n);
#else
	memset(dst, 0, sizeof *dst);
	return (recvfrom(fd, buf, size, 0, (struct sockaddr *)from, fromlen));
#endif
}

#if DGRAM_CMSG
/* Build the control message that makes dst the reply's source; its size. */
static size_t
dgram_source(struct cmsghdr *cm, const struct dgram_dst *dst)
{
#if DGRAM_V4 == 1
	if (dst->dd_family == AF_INET) {
		struct in_pktinfo	pi;

		memset(&pi, 0, sizeof pi);
#ifdef HAVE_STRUCT_IN_PKTINFO_IPI_SPEC_DST
		pi.ipi_spec_dst = dst->dd_v4;
#else
		pi.ipi_addr = dst->dd_v4;
#endif
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof pi);
		memcpy(CMSG_DATA(cm), &pi, sizeof pi);
		return (CMSG_SPACE(sizeof pi));
	}
#elif DGRAM_V4 == 2
	if (dst->dd_family == AF_INET) {
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_SENDSRCADDR;
		cm->cmsg_len = CMSG_LEN(sizeof dst->dd_v4);
		memcpy(CMSG_DATA(cm), &dst->dd_v4, sizeof dst->dd_v4);
		return (CMSG_SPACE(sizeof dst->dd_v4));
	}
#endif
#ifdef DGRAM_V6
	if (dst->dd_family == AF_INET6) {
		struct in6_pktinfo	pi6;

		memset(&pi6, 0, sizeof pi6);
		pi6.ipi6_addr = dst->dd_v6;
		pi6.ipi6_ifindex = dst->dd_ifindex;
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof pi6);
		memcpy(CMSG_DATA(cm), &pi6, sizeof pi6);
		return (CMSG_SPACE(sizeof pi6));
	}
#endif
	return (0);
}
#endif

/*
 * Send a reply to a datagram from the address it was sent to. A broadcast
 * or multicast destination is not kept as a source (dgram_keep), and where
 * the kernel refuses a source anyway the reply goes out from the address it
 * picks, as with sendto.
 */
void
dgram_send(int fd, const void *buf, size_t len, const struct sockaddr *to,
    socklen_t tolen, const struct dgram_dst *dst)
{
#if DGRAM_CMSG
	union dgram_ctl	 ctl;
	struct msghdr	 msg;
	struct iovec	 iov;

	if (dst->dd_family != 0) {
		memset(&ctl, 0, sizeof ctl);
		dgram_msg(&msg, &iov, (void *)buf, len, (void *)to, tolen,
		    &ctl);
		msg.msg_controllen = dgram_source(&ctl.hdr, dst);
		if (msg.msg_controllen != 0 && sendmsg(fd, &msg, 0) != -1)
			return;
	}
#endif
	(void)dst;
	(void)sendto(fd, buf, len, 0, to, tolen);
}
