/*
 * Telling the Service Control Manager how the daemon is doing (src/notify.c
 * is the systemd side): RUNNING only once every service is open, so a
 * client never finds a "running" service that does not answer yet.
 */

#include "pinetd.h"

/* Start-up is complete: all sockets are open (or being retried). */
void
notify_ready(UNUSED int nservices)
{
	svc_ready();
}

/* A reload begins: the service manager has no state for it. */
void
notify_reloading(void)
{
}

/* The daemon is stopping. */
void
notify_stopping(void)
{
	svc_stopped();
}
