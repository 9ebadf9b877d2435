/*
 * syslog(3) for Windows: the Event Log when running as a service (the source
 * is the service name, registered by --install), stderr otherwise.
 */

#include "pinetd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define LOG_WIN_MAX	2048	/* bytes of one formatted message */

static SRWLOCK		 log_win_lock = SRWLOCK_INIT;
static HANDLE		 log_win_source;	/* under log_win_lock */
static const char	*log_win_ident;

/* Open the event source once, in service mode; NULL if it cannot be. */
static HANDLE
log_win_open(void)
{
	const char	*name;
	wchar_t		*w;
	HANDLE		 h;
	int		 n;

	if (!svc_service_mode())
		return (NULL);
	AcquireSRWLockExclusive(&log_win_lock);
	if ((h = log_win_source) == NULL) {
		name = svc_name();
		n = MultiByteToWideChar(CP_UTF8, 0, name, -1, NULL, 0);
		if (n > 0 && (w = calloc((size_t)n, sizeof *w)) != NULL) {
			if (MultiByteToWideChar(CP_UTF8, 0, name, -1, w, n) == n)
				h = RegisterEventSourceW(NULL, w);
			free(w);
		}
		log_win_source = h;
	}
	ReleaseSRWLockExclusive(&log_win_lock);
	return (h);
}

/* The event type for a syslog priority (the facility bits are ignored). */
static WORD
log_win_type(int pri)
{
	switch (pri & 7) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
	case LOG_ERR:
		return (EVENTLOG_ERROR_TYPE);
	case LOG_WARNING:
		return (EVENTLOG_WARNING_TYPE);
	}
	return (EVENTLOG_INFORMATION_TYPE);
}

/* Write one message to the event log; -1 if it could not. */
static int
log_win_event(HANDLE h, int pri, const char *msg)
{
	wchar_t		 wmsg[LOG_WIN_MAX];
	const wchar_t	*strings[1];

	/* UTF-8 never needs more UTF-16 units than it has bytes. */
	if (MultiByteToWideChar(CP_UTF8, 0, msg, -1, wmsg, LOG_WIN_MAX) == 0)
		return (-1);
	strings[0] = wmsg;
	if (!ReportEventW(h, log_win_type(pri), 0, 0, NULL, 1, 0, strings,
	    NULL))
		return (-1);
	return (0);
}

/* Write one message to stderr as a whole line. */
static void
log_win_stderr(const char *msg)
{
	char	line[LOG_WIN_MAX + 64];
	int	len;

	len = snprintf(line, sizeof line, "%s: %s\n",
	    log_win_ident != NULL ? log_win_ident : "pinetd", msg);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof line) {
		len = sizeof line - 1;
		line[len - 1] = '\n';
	}
	fwrite(line, 1, (size_t)len, stderr);
	fflush(stderr);
}

/* Start logging: open the event source now if running as a service. */
void
openlog(const char *ident, UNUSED int option, UNUSED int facility)
{
	log_win_ident = ident;
	log_win_open();
}

/* Log a formatted message. */
void
vsyslog(int pri, const char *fmt, va_list ap)
{
	char	msg[LOG_WIN_MAX];
	HANDLE	h;

	vsnprintf(msg, sizeof msg, fmt, ap);
	if ((h = log_win_open()) != NULL && log_win_event(h, pri, msg) == 0)
		return;
	log_win_stderr(msg);
}

/* Log a message. */
void
syslog(int pri, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

/* Stop logging: release the event source. */
void
closelog(void)
{
	AcquireSRWLockExclusive(&log_win_lock);
	if (log_win_source != NULL)
		DeregisterEventSource(log_win_source);
	log_win_source = NULL;
	ReleaseSRWLockExclusive(&log_win_lock);
}
