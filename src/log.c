/*
 * Logging: to stderr in the foreground with -d, to syslog otherwise.
 */

#include "pinetd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static int	log_stderr = 1;
static int	log_verbose;
static int	log_fd = 2;	/* a private copy of stderr children can use */

static void	log_vwrite(int, const char *, va_list)
		    __attribute__((format(PLATFORM_PRINTF, 2, 0)));
static void	log_vwrite_errno(int, int, const char *, va_list)
		    __attribute__((format(PLATFORM_PRINTF, 3, 0)));

/* Choose where messages go; called once options are known. */
void
log_init(int to_stderr, int verbose)
{
	int	fd;

	log_stderr = to_stderr;
	log_verbose = verbose;
	if (!log_stderr)
		openlog("pinetd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
#ifdef F_DUPFD_CLOEXEC
	else if ((fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) != -1)
		log_fd = fd;
#else
	(void)fd;
#endif
}

/* Send messages to stderr again, for -n and for early errors. */
void
log_to_stderr(void)
{
	log_stderr = 1;
}

/* Whether debug messages are wanted (so callers can skip formatting). */
int
log_debugging(void)
{
	return (log_verbose);
}

/*
 * Where to cut a string of len bytes that was cut short, so that it does not
 * end inside a UTF-8 sequence: log lines (file names, Windows) are UTF-8.
 */
static size_t
log_utf8_cut(const char *s, size_t len)
{
	size_t	lead = len, want;
	unsigned char c;

	while (lead > 0 && len - lead < 4 &&
	    ((unsigned char)s[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0 || ((c = (unsigned char)s[lead - 1]) & 0x80) == 0)
		return (len);
	want = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
	    (c & 0xf8) == 0xf0 ? 4 : 1;
	return (len - (lead - 1) < want ? lead - 1 : len);
}

/* Write one whole line to the log descriptor, in one write if it can. */
static void
log_line(const char *msg, const char *suffix)
{
	char	buf[2304];
	int	len;

	len = snprintf(buf, sizeof buf, "%s%s\n", msg, suffix);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof buf) {
		len = (int)log_utf8_cut(buf, sizeof buf - 2);
		buf[len++] = '\n';
	}
	(void)write(log_fd, buf, (size_t)len);
}

/* Write one formatted message at a syslog priority. */
static void
log_vwrite(int pri, const char *fmt, va_list ap)
{
	char	buf[2048];

	if (log_stderr) {
		if (vsnprintf(buf, sizeof buf, fmt, ap) >= (int)sizeof buf)
			buf[log_utf8_cut(buf, sizeof buf - 1)] = '\0';
		log_line(buf, "");
	} else
		vsyslog(pri, fmt, ap);
}

/* Write a message followed by the text of errno. */
static void
log_vwrite_errno(int pri, int saved, const char *fmt, va_list ap)
{
	char	buf[2048], suffix[256];

	if (vsnprintf(buf, sizeof buf, fmt, ap) >= (int)sizeof buf)
		buf[log_utf8_cut(buf, sizeof buf - 1)] = '\0';
	if (log_stderr) {
		snprintf(suffix, sizeof suffix, ": %s", strerror(saved));
		log_line(buf, suffix);
	} else
		syslog(pri, "%s: %s", buf, strerror(saved));
}

/* Log a message that only matters when debugging. */
void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

/* Log an ordinary event. */
void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, fmt, ap);
	va_end(ap);
}

/*
 * Log a service's event at its own syslog facility and level (log_type
 * SYSLOG), given together as one priority.
 */
void
log_info_facility(int pri, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(pri, fmt, ap);
	va_end(ap);
}

/* Log a problem, with the errno text appended. */
void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vwrite_errno(LOG_WARNING, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Log a problem that has no errno. */
void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap);
	va_end(ap);
}

/* Log an error with the errno text and exit. */
void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vwrite_errno(LOG_ERR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Log an error and exit. */
void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}
