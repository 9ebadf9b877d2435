/*
 * Access control: only_from and no_access lists of addresses and networks,
 * parsed (and host names resolved) at load time, matched per connection with
 * no lookups.
 */

#include "pinetd.h"

#include <netinet/in.h>
#include <arpa/inet.h>

#include <netdb.h>
#include <stdlib.h>
#include <string.h>

/* Whether the first bits bits of two addresses are the same. */
static int
acl_prefix_equal(const unsigned char *a, const unsigned char *b, int bits)
{
	int	n = bits / 8, rest = bits % 8;

	if (memcmp(a, b, n) != 0)
		return (0);
	return (rest == 0 ||
	    ((a[n] ^ b[n]) & (0xff << (8 - rest)) & 0xff) == 0);
}

/*
 * Append one network to a list. An IPv4-mapped IPv6 network (::ffff:a.b.c.d,
 * /96 or longer) is kept as the IPv4 one it is: a mapped peer of a tcp46
 * service is matched as IPv4, so it would never match it otherwise. A wider
 * IPv6 network that holds all of ::ffff:0:0/96 (::/0) holds every IPv4
 * client of such a service too, so 0.0.0.0/0 is added beside it (no_access
 * = ::/0 let IPv4 clients in).
 */
static void
acl_add(struct acl_list *al, int family, const void *addr, int bits)
{
	static const unsigned char	 mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0,
					     0, 0, 0xff, 0xff, 0, 0, 0, 0 };
	struct acl			*ac;

	if (family == AF_INET6 && bits >= 96 && memcmp(addr, mapped, 12) == 0) {
		family = AF_INET;
		addr = (const unsigned char *)addr + 12;
		bits -= 96;
	} else if (family == AF_INET6 && bits < 96 &&
	    acl_prefix_equal(addr, mapped, bits))
		acl_add(al, AF_INET, mapped + 12, 0);
	al->al_v = xreallocarray(al->al_v, al->al_n + 1, sizeof *al->al_v);
	ac = &al->al_v[al->al_n++];
	memset(ac, 0, sizeof *ac);
	ac->ac_family = family;
	memcpy(ac->ac_addr, addr, family == AF_INET ? 4 : 16);
	ac->ac_bits = bits;
}

/* An IPv4 address whose trailing zero octets make it a network (xinetd). */
static int
acl_implicit_bits(const unsigned char *a)
{
	int	bits = 32;

	while (bits > 0 && a[bits / 8 - 1] == 0)
		bits -= 8;
	return (bits);
}

/*
 * xinetd's factorized IPv4 form, "10.0.1.{2,3}" or "10.{1,2}": one entry
 * per number in braces, whose prefix ends with the braced octet (two
 * addresses; two /16 networks), as xinetd reads it, even for a 0.
 */
static int
acl_factorized(const char *file, int line, struct acl_list *al,
    const char *word)
{
	const char	*open = strchr(word, '{'), *p, *q;
	char		 one[64];
	unsigned char	 probe[4];
	int		 dots = 0, n, i;
	size_t		 len = strlen(word);

	for (p = word; p < open; p++)
		dots += *p == '.';
	if (open == word || open[-1] != '.' || word[len - 1] != '}' ||
	    dots > 3 || open[1] == '}' || strchr(open + 1, '{') != NULL ||
	    len >= sizeof one - 8) {
		conf_error(file, line, "bad factorized address '%s' (want "
		    "a.b.c.{d,e} or a.b.{c,d})", word);
		return (-1);
	}
	for (p = open + 1; p < word + len - 1; p = q + 1) {
		if ((q = strchr(p, ',')) == NULL || q > word + len - 1)
			q = word + len - 1;
		n = snprintf(one, sizeof one, "%.*s%.*s", (int)(open - word),
		    word, (int)(q - p), p);
		for (i = dots; i < 3 && n > 0; i++)
			n += snprintf(one + n, sizeof one - n, ".0");
		if (q == p || q - p > 3 ||
		    strspn(p, "0123456789") < (size_t)(q - p) ||
		    inet_pton(AF_INET, one, probe) != 1) {
			conf_error(file, line, "bad factorized address '%s'",
			    word);
			return (-1);
		}
		/* The braces' place sets the length, not zero octets. */
		acl_add(al, AF_INET, probe, (dots + 1) * 8);
	}
	return (0);
}

/*
 * A host name resolved during this load, with what it gave: a defaults
 * block's names are read again for every service, and must be neither
 * asked of the DNS nor warned about each time.
 */
struct acl_name {
	struct acl_name	*an_next;
	char		*an_name;
	int		 an_error;	/* getaddrinfo's, or 0 */
	struct acl_list	 an_addrs;
};

static struct acl_name	*acl_names;

/* Forget the names resolved, at the end of a load. */
void
acl_names_reset(void)
{
	struct acl_name	*an;

	while ((an = acl_names) != NULL) {
		acl_names = an->an_next;
		free(an->an_name);
		acl_free(&an->an_addrs);
		free(an);
	}
}

/* Resolve a name once a load: its addresses, and whether it failed. */
static struct acl_name *
acl_resolve(const char *name, int *first)
{
	struct addrinfo	 hints, *res, *ai;
	struct acl_name	*an;

	*first = 0;
	for (an = acl_names; an != NULL; an = an->an_next) {
		if (strcmp(an->an_name, name) == 0)
			return (an);
	}
	*first = 1;
	an = xcalloc(1, sizeof *an);
	an->an_name = xstrdup(name);
	an->an_next = acl_names;
	acl_names = an;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if ((an->an_error = getaddrinfo(name, NULL, &hints, &res)) != 0)
		return (an);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			acl_add(&an->an_addrs, AF_INET, &((struct sockaddr_in *)
			    (void *)ai->ai_addr)->sin_addr, 32);
		else if (ai->ai_family == AF_INET6)
			acl_add(&an->an_addrs, AF_INET6, &((struct
			    sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr, 128);
	}
	freeaddrinfo(res);
	return (an);
}

/*
 * Add every address of a host name, resolved now. A name that does not
 * resolve is an error in no_access (leaving it out would let that host
 * in); in only_from, as in xinetd, it is left out with a warning (once a
 * load), so that a name the DNS cannot answer at boot does not take the
 * service down (leaving it out only keeps that host out).
 */
static int
acl_host(const char *file, int line, struct acl_list *al, const char *name,
    int allow)
{
	struct acl_name	*an;
	int		 i, first;

	an = acl_resolve(name, &first);
	if (an->an_error != 0) {
		if (allow) {
			if (first)
				log_warnx("%s:%d: cannot resolve '%s': %s; "
				    "left out of only_from", file, line, name,
				    gai_strerror(an->an_error));
			return (0);
		}
		conf_error(file, line, "cannot resolve '%s': %s", name,
		    gai_strerror(an->an_error));
		return (-1);
	}
	for (i = 0; i < an->an_addrs.al_n; i++)
		acl_add(al, an->an_addrs.al_v[i].ac_family,
		    an->an_addrs.al_v[i].ac_addr, an->an_addrs.al_v[i].ac_bits);
	return (0);
}

/*
 * Parse one only_from (allow set) or no_access word: an IPv4 or IPv6
 * address, either with /bits, an IPv4 address ending in .0 (a network, as
 * xinetd reads it), or a host name resolved now.
 */
int
acl_parse(const char *file, int line, struct acl_list *al, const char *word,
    int allow)
{
	unsigned char	 addr[16];
	char		*copy, *slash;
	long		 bits = -1;
	int		 family;

	if (strchr(word, '{') != NULL)
		return (acl_factorized(file, line, al, word));
	if (word[0] == '.') {
		conf_error(file, line, "domain '%s': pinetd looks up no names "
		    "per connection; list addresses or networks", word);
		return (-1);
	}
	copy = xstrdup(word);
	if ((slash = strchr(copy, '/')) != NULL) {
		*slash++ = '\0';
		if ((bits = conf_number(slash, 0, 128)) == -1) {
			conf_error(file, line, "bad network '%s'", word);
			free(copy);
			return (-1);
		}
	}
	if (inet_pton(AF_INET, copy, addr) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, copy, addr) == 1)
		family = AF_INET6;
	else if (slash == NULL) {
		free(copy);
		return (acl_host(file, line, al, word, allow));
	} else {
		conf_error(file, line, "bad network '%s'", word);
		free(copy);
		return (-1);
	}
	free(copy);
	if (bits == -1)
		bits = family == AF_INET ? acl_implicit_bits(addr) : 128;
	if (bits > (family == AF_INET ? 32 : 128)) {
		conf_error(file, line, "bad network '%s'", word);
		return (-1);
	}
	acl_add(al, family, addr, (int)bits);
	return (0);
}

/* Free a list's entries. */
void
acl_free(struct acl_list *al)
{
	free(al->al_v);
	al->al_v = NULL;
	al->al_n = 0;
	al->al_set = 0;
}

/* Whether two lists are the same (for reload). */
int
acl_same(const struct acl_list *a, const struct acl_list *b)
{
	return (a->al_set == b->al_set && a->al_n == b->al_n && (a->al_n == 0 ||
	    memcmp(a->al_v, b->al_v, a->al_n * sizeof *a->al_v) == 0));
}

/*
 * Whether any entry of a list matches an address. Which one does not
 * matter: both lists matching refuses, so the first match is enough.
 */
static int
acl_match(const struct acl_list *al, int family, const unsigned char *a)
{
	const struct acl	*ac;
	int			 i, full, rest;

	for (i = 0; i < al->al_n; i++) {
		ac = &al->al_v[i];
		if (ac->ac_family != family)
			continue;
		full = ac->ac_bits / 8;
		rest = ac->ac_bits % 8;
		if (memcmp(ac->ac_addr, a, full) != 0)
			continue;
		if (rest != 0 && ((ac->ac_addr[full] ^ a[full]) &
		    (0xff << (8 - rest)) & 0xff) != 0)
			continue;
		return (1);
	}
	return (0);
}

/*
 * Whether a peer may connect: with an only_from list it must match it, and
 * it must match no entry of no_access, even if it matches only_from more
 * closely: xinetd (2.3.15) refuses a peer both lists match. Unix-domain
 * peers have no address and are not checked.
 */
int
acl_allowed(const struct service *se, const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;
	const unsigned char		*a;
	int				 family;

	if (!se->se_only_from.al_set && se->se_no_access.al_n == 0)
		return (1);
	if (sa->sa_family == AF_INET) {
		family = AF_INET;
		a = (const unsigned char *)&sin->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		a = (const unsigned char *)&sin6->sin6_addr;
		family = AF_INET6;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			family = AF_INET;
			a += 12;
		}
	} else
		return (1);
	if (se->se_only_from.al_set && !acl_match(&se->se_only_from, family, a))
		return (0);
	return (!acl_match(&se->se_no_access, family, a));
}
