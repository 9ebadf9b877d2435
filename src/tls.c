/*
 * TLS termination: a service with tls_cert and tls_key speaks TLS to its
 * clients while its server gets a plain connected socket pair; the daemon
 * relays between the two. Only when built --with-openssl.
 */

#include "pinetd.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_OPENSSL
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/util.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

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
	SSL_CTX	*ctx;

	if (se->se_socktype != SOCK_STREAM || se->se_wait ||
	    se->se_builtin != NULL) {
		conf_error(file, line, "TLS needs a nowait stream service that "
		    "runs a program or a redirect");
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

/*
 * Wrap an accepted connection in TLS. Returns the descriptor the server (or
 * the redirect) should get instead: one end of a socket pair whose other end
 * the daemon relays to the TLS side. -1 on failure (the connection closed).
 */
int
tls_accept(struct service *se, int fd, struct source *so)
{
	struct bufferevent	*tlsbev, *plainbev;
	SSL			*ssl;
	int			 sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
		log_warn("%s: socketpair", se->se_label);
		close(fd);
		return (-1);
	}
	fcntl(sv[0], F_SETFD, FD_CLOEXEC);
	fcntl(sv[1], F_SETFD, FD_CLOEXEC);
	evutil_make_socket_nonblocking(fd);
	evutil_make_socket_nonblocking(sv[0]);
	if ((ssl = SSL_new(se->se_tls)) == NULL) {
		log_warnx("%s: SSL_new: %s", se->se_label, tls_error());
		goto fail;
	}
	tlsbev = bufferevent_openssl_socket_new(ev_base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (tlsbev == NULL) {
		SSL_free(ssl);
		goto fail;
	}
	plainbev = bufferevent_socket_new(ev_base, sv[0],
	    BEV_OPT_CLOSE_ON_FREE);
	if (plainbev == NULL) {
		bufferevent_free(tlsbev);
		close(sv[0]);
		close(sv[1]);
		return (-1);
	}
	relay_pair(se, tlsbev, plainbev, so);
	return (sv[1]);
fail:
	close(fd);
	close(sv[0]);
	close(sv[1]);
	return (-1);
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

/* Never called without OpenSSL: no service has TLS. */
int
tls_accept(struct service *se, int fd, struct source *so)
{
	(void)se;
	(void)so;
	close(fd);
	errno = ENOTSUP;
	return (-1);
}

#endif /* HAVE_OPENSSL */
