/*
 * Start-up with thousands of services: opening a listening socket is kernel
 * work (socket, setsockopt, bind, listen), so with many services the
 * sockets are opened on a few threads at once before service_start wires
 * each into the event loop from the main thread. The threads only call
 * listen_open, which neither logs nor allocates; a failure is kept in the
 * service (se_openerr) and reported by service_start as if it had failed
 * there. Without threads nothing is opened ahead.
 */

#include "pinetd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#if defined(HAVE_PTHREAD_H) && defined(HAVE_PTHREAD_CREATE)
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#define LISTEN_MANY_MIN		512	/* fewer services: one thread is enough */
#define LISTEN_MANY_THREADS	4	/* at most, the calling thread included */

/* One thread's share: every step-th service from first. */
struct listen_many_job {
	struct service	**lm_list;
	size_t		  lm_n;
	size_t		  lm_first;
	size_t		  lm_step;
};

/* Open one share of the sockets; runs on a worker or the main thread. */
static void *
listen_many_cb(void *arg)
{
	struct listen_many_job	*job = arg;
	struct service		*se;
	size_t			 i;

	for (i = job->lm_first; i < job->lm_n; i += job->lm_step) {
		se = job->lm_list[i];
		se->se_openerr = 0;
		if (listen_open(se) == -1)
			se->se_openerr = errno != 0 ? errno : EINVAL;
	}
	return (NULL);
}

/* How many threads to use: one per CPU, within the limit. */
static size_t
listen_many_threads(void)
{
	long	n = 1;

#ifdef _SC_NPROCESSORS_ONLN
	n = sysconf(_SC_NPROCESSORS_ONLN);
#endif
	if (n < 1)
		return (1);
	return (n > LISTEN_MANY_THREADS ? LISTEN_MANY_THREADS : (size_t)n);
}

/*
 * Grow the descriptor table to hold count more before the threads start:
 * the kernel grows a table shared by threads only after an RCU grace
 * period each time, which made parallel opening slower than serial.
 */
static void
listen_many_reserve(int count)
{
	int	fd, high;

	if ((fd = open("/dev/null", O_RDONLY|O_CLOEXEC)) == -1)
		return;
	if ((high = fcntl(fd, F_DUPFD_CLOEXEC, fd + count + 16)) != -1)
		close(high);
	close(fd);
}

/*
 * Open the sockets of a new table of count services on several threads, if
 * there are enough of them to be worth it. Signals are blocked in the
 * workers, so handlers only ever run on the main thread.
 */
void
listen_open_many(struct service *head, int count)
{
	struct listen_many_job	 jobs[LISTEN_MANY_THREADS];
	pthread_t		 tids[LISTEN_MANY_THREADS];
	int			 started[LISTEN_MANY_THREADS];
	struct service		**list, *se;
	sigset_t		 all, old;
	size_t			 n = 0, nthreads, i;

	if (count < LISTEN_MANY_MIN || (nthreads = listen_many_threads()) < 2)
		return;
	list = xreallocarray(NULL, (size_t)count, sizeof *list);
	/* Unix sockets bind under a umask of their own: main thread only. */
	for (se = head; se != NULL && n < (size_t)count; se = se->se_next) {
		if (se->se_family != AF_UNIX)
			list[n++] = se;
	}
	for (i = 0; i < nthreads; i++) {
		jobs[i].lm_list = list;
		jobs[i].lm_n = n;
		jobs[i].lm_first = i;
		jobs[i].lm_step = nthreads;
	}
	listen_many_reserve(count);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 1; i < nthreads; i++)
		started[i] = pthread_create(&tids[i], NULL, listen_many_cb,
		    &jobs[i]) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	listen_many_cb(&jobs[0]);
	for (i = 1; i < nthreads; i++) {
		if (started[i])
			pthread_join(tids[i], NULL);
		else
			listen_many_cb(&jobs[i]);	/* no thread: do it here */
	}
	free(list);
}
#else
/* No threads here: service_start opens every socket itself. */
void
listen_open_many(UNUSED struct service *head, UNUSED int count)
{
}
#endif
