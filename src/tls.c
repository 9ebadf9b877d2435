/*
 * TLS termination: a service with tls_cert and tls_key speaks TLS to its
 * clients while its server gets a plain connected socket pair (a Unix one on
 * POSIX, a loopback TCP one on Windows: PLATFORM_PAIR_FAMILY); the daemon
 * relays between the two. Only when built --with-openssl.
 */

#include "pinetd.h"

#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#ifdef HAVE_OPENSSL
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/util.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define TLS_HANDSHAKE	10	/* seconds a client has to finish it */

/* The text of the last OpenSSL error. */
static const char *
tls_error(void)
{
	static char	buf[256];

	ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
	return (buf);
}

/*
 * Build a service's TLS context once, at load: TLS 1.2 or later, the
 * certificate chain and the key, checked against each other.
 */
int
tls_load(const char *file, int line, struct service *se, const char *cert,
    const char *key)
{
	SSL_CTX		*ctx;
	const char	*why;

	if (se->se_socktype != SOCK_STREAM || se->se_wait ||
	    se->se_builtin != NULL) {
		conf_error(file, line, "TLS needs a nowait stream service that "
		    "runs a program or a redirect");
		return (-1);
	}
	/* A FIFO would hold the load, and with a reload every service. */
	if ((why = conf_regular(cert)) != NULL) {
		conf_error(file, line, "tls_cert '%s': %s", cert, why);
		return (-1);
	}
	if ((why = conf_regular(key)) != NULL) {
		conf_error(file, line, "tls_key '%s': %s", key, why);
		return (-1);
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		conf_error(file, line, "TLS: %s", tls_error());
		return (-1);
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		conf_error(file, line, "tls_cert '%s': %s", cert, tls_error());
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		conf_error(file, line, "tls_key '%s': %s", key, tls_error());
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		conf_error(file, line, "tls_key '%s' does not match tls_cert "
		    "'%s'", key, cert);
		goto fail;
	}
	se->se_tls = ctx;
	se->se_tlscert = xstrdup(cert);
	se->se_tlskey = xstrdup(key);
	return (0);
fail:
	SSL_CTX_free(ctx);
	return (-1);
}

/* Free a service's TLS context. */
void
tls_free(struct service *se)
{
	if (se->se_tls != NULL)
		SSL_CTX_free(se->se_tls);
	se->se_tls = NULL;
	free(se->se_tlscert);
	free(se->se_tlskey);
	se->se_tlscert = se->se_tlskey = NULL;
}

/* Whether two certificate chains (either may be NULL: none) are the same. */
static int
tls_chain_same(STACK_OF(X509) *a, STACK_OF(X509) *b)
{
	int	i, n;

	n = a != NULL ? sk_X509_num(a) : 0;
	if (n != (b != NULL ? sk_X509_num(b) : 0))
		return (0);
	for (i = 0; i < n; i++) {
		if (X509_cmp(sk_X509_value(a, i), sk_X509_value(b, i)) != 0)
			return (0);
	}
	return (1);
}

/*
 * Whether two services loaded the same certificate, chain and key: a reload
 * compares what the files held, so one renewed in place is taken up.
 */
int
tls_same(const struct service *a, const struct service *b)
{
	SSL_CTX		*ca = a->se_tls, *cb = b->se_tls;
	STACK_OF(X509)	*sa, *sb;
	X509		*xa, *xb;
	EVP_PKEY	*ka, *kb;

	if (ca == NULL || cb == NULL)
		return (ca == cb);
	xa = SSL_CTX_get0_certificate(ca);
	xb = SSL_CTX_get0_certificate(cb);
	if (xa == NULL || xb == NULL || X509_cmp(xa, xb) != 0)
		return (0);
	ka = SSL_CTX_get0_privatekey(ca);
	kb = SSL_CTX_get0_privatekey(cb);
	if (ka == NULL || kb == NULL)
		return (0);
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	if (EVP_PKEY_eq(ka, kb) != 1)
		return (0);
#else
	if (EVP_PKEY_cmp(ka, kb) != 1)
		return (0);
#endif
	if (SSL_CTX_get0_chain_certs(ca, &sa) != 1 ||
	    SSL_CTX_get0_chain_certs(cb, &sb) != 1)
		return (0);
	return (tls_chain_same(sa, sb));
}

/*
 * The TLS side of a relay ends because the server did: send close_notify
 * first, so the client can tell the end of the reply from a cut connection
 * (libevent's free only closes the socket). Best effort: if the socket
 * cannot take it now, the client sees a bare EOF as before.
 */
void
tls_close_notify(struct bufferevent *bev)
{
	SSL	*ssl;

	if ((ssl = bufferevent_openssl_get_ssl(bev)) != NULL)
		SSL_shutdown(ssl);
}

/* A TLS handshake under way; the server starts only once it completes. */
struct tls_wait {
	struct link		 tw_link;	/* every handshake under way */
	struct service		*tw_se;
	struct bufferevent	*tw_bev;
	struct event		*tw_timer;	/* the whole handshake's limit */
	tls_done_cb		 tw_done;
	void			*tw_arg;
	struct sockaddr_storage	 tw_peer;	/* the client, for the log */
	socklen_t		 tw_peerlen;
};

static struct link	*tls_waits;

/* Forget a handshake record. */
static void
tls_wait_free(struct tls_wait *tw)
{
	link_del(&tls_waits, &tw->tw_link);
	event_free(tw->tw_timer);
	service_unref(tw->tw_se);
	free(tw);
}

/*
 * A handshake failed: say so with the client's address where refused
 * connections are logged (-l, log_on_failure), else only with -d.
 */
static void
tls_fail_log(struct tls_wait *tw, const char *why)
{
	struct service	*se = tw->tw_se;
	char		 peer[256];

	/* Formatted only now: most handshakes succeed and log nothing. */
	listen_ntop((struct sockaddr *)&tw->tw_peer, tw->tw_peerlen, peer,
	    sizeof peer);
	if (opts.log_conns ||
	    (se->se_log_failure & (LOGF_HOST | LOGF_ATTEMPT)))
		service_log(se, "%s: connection from %s: TLS handshake %s",
		    se->se_label, peer, why);
	else
		log_debug("%s: connection from %s: TLS handshake %s",
		    se->se_label, peer, why);
}

/* Why a handshake ended without completing, in words. */
static const char *
tls_fail_why(struct bufferevent *bev, short what, char *buf, size_t size)
{
	unsigned long	 e;
	const char	*reason;

	/*
	 * With nothing in OpenSSL's queue libevent passes SSL_get_error's
	 * own code (no library part): then the socket's error tells why.
	 */
	if ((e = bufferevent_get_openssl_error(bev)) != 0 &&
	    ERR_GET_LIB(e) != 0) {
		reason = ERR_reason_error_string(e);
		snprintf(buf, size, "failed: %s", reason != NULL ? reason :
		    "unknown TLS error");
	} else if (what & BEV_EVENT_EOF)
		snprintf(buf, size, "failed: the client closed the connection");
	else
		snprintf(buf, size, "failed: %s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	return (buf);
}

/* The handshake ended: hand the plain side on, or report the failure. */
static void
tls_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct tls_wait		*tw = arg;
	struct service		*se = tw->tw_se;
	struct bufferevent	*plainbev;
	evutil_socket_t		 sv[2];
	char			 why[160];

	if (!(what & BEV_EVENT_CONNECTED)) {
		tls_fail_log(tw, tls_fail_why(bev, what, why, sizeof why));
		bufferevent_free(bev);
		goto fail;
	}
	if (evutil_socketpair(PLATFORM_PAIR_FAMILY, SOCK_STREAM, 0, sv) == -1) {
		log_warn("%s: socketpair", se->se_label);
		bufferevent_free(bev);
		goto fail;
	}
	evutil_make_socket_closeonexec(sv[0]);
	evutil_make_socket_closeonexec(sv[1]);
	evutil_make_socket_nonblocking(sv[0]);
	plainbev = bufferevent_socket_new(ev_base, sv[0],
	    BEV_OPT_CLOSE_ON_FREE);
	if (plainbev == NULL)
		fatalx("bufferevent_socket_new failed");
	relay_pair(se, bev, plainbev, NULL);
	tw->tw_done(se, (int)sv[1], tw->tw_arg);
	tls_wait_free(tw);
	return;
fail:
	tw->tw_done(se, -1, tw->tw_arg);
	tls_wait_free(tw);
}

/*
 * TLS_HANDSHAKE seconds since the connection: the handshake failed, however
 * busy the client kept it (the bufferevent's own timeouts only count idle
 * time, so a byte every few seconds would hold the slot for ever).
 */
static void
tls_timeout_cb(UNUSED evutil_socket_t fd, UNUSED short events, void *arg)
{
	struct tls_wait	*tw = arg;
	char		 why[64];

	snprintf(why, sizeof why, "took longer than %d s", TLS_HANDSHAKE);
	tls_fail_log(tw, why);
	bufferevent_free(tw->tw_bev);
	tw->tw_done(tw->tw_se, -1, tw->tw_arg);
	tls_wait_free(tw);
}

/*
 * Start the TLS handshake on an accepted connection from sa (for the log).
 * When it completes,
 * done gets the descriptor the server (or the redirect) should use instead:
 * one end of a socket pair the daemon relays to the TLS side. If it fails or
 * takes longer than TLS_HANDSHAKE seconds, done gets -1 and nothing starts.
 */
void
tls_accept(struct service *se, int fd, const struct sockaddr *sa,
    socklen_t len, tls_done_cb done, void *arg)
{
	struct timeval		 tv = { TLS_HANDSHAKE, 0 };
	struct bufferevent	*bev;
	struct tls_wait		*tw;
	SSL			*ssl;

	evutil_make_socket_nonblocking(fd);
	if ((ssl = SSL_new(se->se_tls)) == NULL) {
		log_warnx("%s: SSL_new: %s", se->se_label, tls_error());
		evutil_closesocket(fd);
		done(se, -1, arg);
		return;
	}
	bev = bufferevent_openssl_socket_new(ev_base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		fatalx("bufferevent_openssl_socket_new failed");
	tw = xcalloc(1, sizeof *tw);
	tw->tw_se = se;
	service_ref(se);
	tw->tw_bev = bev;
	tw->tw_done = done;
	tw->tw_arg = arg;
	if ((size_t)len > sizeof tw->tw_peer)
		len = sizeof tw->tw_peer;
	memcpy(&tw->tw_peer, sa, len);
	tw->tw_peerlen = len;
	if ((tw->tw_timer = evtimer_new(ev_base, tls_timeout_cb, tw)) == NULL)
		fatalx("evtimer_new failed");
	link_add(&tls_waits, &tw->tw_link);
	bufferevent_setcb(bev, NULL, NULL, tls_event_cb, tw);
	evtimer_add(tw->tw_timer, &tv);
	bufferevent_enable(bev, EV_READ);
}

/* Abandon every handshake under way, at shutdown. */
void
tls_shutdown(void)
{
	struct tls_wait	*tw;

	while (tls_waits != NULL) {
		tw = (struct tls_wait *)tls_waits;
		bufferevent_free(tw->tw_bev);
		tw->tw_done(tw->tw_se, -1, tw->tw_arg);
		tls_wait_free(tw);
	}
}

#else /* HAVE_OPENSSL */

/* Without OpenSSL a TLS service is a configuration error. */
int
tls_load(const char *file, int line, struct service *se, const char *cert,
    const char *key)
{
	(void)se;
	(void)cert;
	(void)key;
	conf_error(file, line, "TLS is not available: pinetd was built "
	    "without --with-openssl");
	return (-1);
}

/* Nothing to free without OpenSSL. */
void
tls_free(struct service *se)
{
	(void)se;
}

/* Without OpenSSL there is no TLS side to end. */
void
tls_close_notify(struct bufferevent *bev)
{
	(void)bev;
}

/* Without OpenSSL no service has TLS, so there is nothing to differ. */
int
tls_same(const struct service *a, const struct service *b)
{
	(void)a;
	(void)b;
	return (1);
}

/* Never called without OpenSSL: no service has TLS. */
void
tls_accept(struct service *se, int fd, const struct sockaddr *sa,
    socklen_t len, tls_done_cb done, void *arg)
{
	(void)sa;
	(void)len;
	evutil_closesocket(fd);
	done(se, -1, arg);
}

/* Nothing under way without OpenSSL. */
void
tls_shutdown(void)
{
}

#endif /* HAVE_OPENSSL */
