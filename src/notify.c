/*
 * Telling a service manager how the daemon is doing: systemd's sd_notify when
 * built --with-systemd, nothing otherwise.
 */

#include "pinetd.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

/* Start-up is complete: all sockets are open (or being retried). */
void
notify_ready(int nservices)
{
#ifdef HAVE_LIBSYSTEMD
	sd_notifyf(0, "READY=1\nSTATUS=%d services", nservices);
#else
	(void)nservices;
#endif
}

/* A reload begins. */
void
notify_reloading(void)
{
#ifdef HAVE_LIBSYSTEMD
	sd_notify(0, "RELOADING=1");
#endif
}

/* The daemon is stopping. */
void
notify_stopping(void)
{
#ifdef HAVE_LIBSYSTEMD
	sd_notify(0, "STOPPING=1");
#endif
}
