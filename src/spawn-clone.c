/*
 * Starting servers with clone(2) sharing the daemon's memory, without
 * waiting for the child to reach execve as vfork does (Linux).
 *
 * While the daemon goes on accepting, the child runs on a stack of its own
 * from a small pool and reads only its slot: a copy of the program's path,
 * argv and envp, made before the clone, so that neither the next
 * connection nor a reload can change what it executes. It makes raw system
 * calls only: the C library's wrappers set errno, which here would be the
 * daemon's own. The kernel clears the slot's tid word when the child
 * executes or exits (CLONE_CHILD_CLEARTID), which frees the slot; a child
 * that fails first leaves errno in its slot, read when it is reaped.
 */

#include "pinetd.h"

#if PLATFORM_CLONE

#include <sys/mman.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define CLONE_SLOTS	32		/* children not yet executing */
#define CLONE_STACK	(16 * 1024)	/* the child uses well under 1 KB */
#define CLONE_DATA	(64 * 1024)	/* path, console, argv and envp */

/* One child between clone and execve, and what it needs. */
struct clone_slot {
	int		 cs_tid;	/* nonzero until exec or exit */
	int		 cs_error;	/* errno of a failure before exec */
	int		 cs_console;	/* it was opening the console */
	pid_t		 cs_pid;
	int		 cs_fds[3];
	const char	*cs_path;
	const char	*cs_consfile;	/* or NULL */
	char		**cs_argv;
	char		**cs_envp;
	char		*cs_data;	/* CLONE_DATA bytes after the slot */
};

static char		*clone_pool;	/* mapped at the first start */
static size_t		 clone_slotsize;
static int		 clone_sigs[NSIG];
static int		 clone_nsigs;

/*
 * One system call, without errno: the result, or minus the error. Only for
 * the child, which shares the daemon's errno with it.
 */
static inline long
clone_sys(long n, long a, long b, long c, long d)
{
#if defined(__x86_64__)
	register long	r10 __asm__("r10") = d;
	long		ret;

	__asm__ volatile ("syscall" : "=a" (ret) : "a" (n), "D" (a), "S" (b),
	    "d" (c), "r" (r10) : "rcx", "r11", "memory");
	return (ret);
#elif defined(__aarch64__)
	register long	x8 __asm__("x8") = n;
	register long	x0 __asm__("x0") = a;
	register long	x1 __asm__("x1") = b;
	register long	x2 __asm__("x2") = c;
	register long	x3 __asm__("x3") = d;

	__asm__ volatile ("svc 0" : "+r" (x0) : "r" (x8), "r" (x1), "r" (x2),
	    "r" (x3) : "memory", "cc");
	return (x0);
#else
#error "PLATFORM_CLONE without raw system calls for this processor"
#endif
}

/* Remember which signals a child resets to the default (spawn_sigdef). */
void
spawn_clone_init(const sigset_t *def)
{
	int	sig;

	clone_nsigs = 0;
	for (sig = 1; sig < (int)(sizeof clone_sigs / sizeof clone_sigs[0]);
	    sig++) {
		if (sigismember(def, sig) == 1)
			clone_sigs[clone_nsigs++] = sig;
	}
}

/*
 * The child: default signals and an empty mask, a new session, the
 * connection (or the console file) on 0, 1 and 2, then the server. As in
 * spawn_child_stdio, the console is opened without waiting for a reader.
 */
static int
spawn_clone_child(void *arg)
{
	struct clone_slot	*cs = arg;
	unsigned long		 act[4] = { 0, 0, 0, 0 };	/* SIG_DFL */
	unsigned long		 none = 0;
	long			 r = 0, out, flags;
	int			 i;

	for (i = 0; i < clone_nsigs; i++)
		(void)clone_sys(SYS_rt_sigaction, clone_sigs[i], (long)act, 0,
		    sizeof none);
	(void)clone_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0,
	    sizeof none);
	(void)clone_sys(SYS_setsid, 0, 0, 0, 0);
	for (i = 0; i < 3 && r >= 0; i++) {
		if (i == 1 && cs->cs_consfile != NULL) {
			cs->cs_console = 1;
			if ((out = r = clone_sys(SYS_openat, AT_FDCWD,
			    (long)cs->cs_consfile, O_WRONLY|O_CREAT|O_APPEND|
			    O_NONBLOCK, 0644)) < 0)
				break;
			if ((flags = r = clone_sys(SYS_fcntl, out, F_GETFL, 0,
			    0)) >= 0)
				r = clone_sys(SYS_fcntl, out, F_SETFL,
				    flags & ~O_NONBLOCK, 0);
			if (r >= 0 && out != 1)
				r = clone_sys(SYS_dup3, out, 1, 0, 0);
			if (r >= 0 && out != 2)
				r = clone_sys(SYS_dup3, out, 2, 0, 0);
			if (r >= 0 && out > 2)
				(void)clone_sys(SYS_close, out, 0, 0, 0);
			if (r >= 0)
				cs->cs_console = 0;
			break;
		}
		if (cs->cs_fds[i] != i)
			r = clone_sys(SYS_dup3, cs->cs_fds[i], i, 0, 0);
	}
	if (r >= 0)
		r = clone_sys(SYS_execve, (long)cs->cs_path, (long)cs->cs_argv,
		    (long)cs->cs_envp, 0);
	__atomic_store_n(&cs->cs_error, (int)-r, __ATOMIC_RELEASE);
	for (;;)
		(void)clone_sys(SYS_exit_group, 127, 0, 0, 0);
	return (0);
}

/* The slot at i (its stack lies below it, a guard page below that). */
static struct clone_slot *
spawn_clone_at(int i)
{
	long	page = sysconf(_SC_PAGESIZE);

	return ((void *)(clone_pool + (size_t)i * clone_slotsize + page +
	    CLONE_STACK));
}

/*
 * A free slot: its child has executed (or exited) and nothing is left to
 * read from it. The lowest is taken, so few pages are ever touched. NULL
 * if there is none (the pool could not be mapped, or every child is still
 * on its way to execve): vfork does then.
 */
static struct clone_slot *
spawn_clone_slot(void)
{
	struct clone_slot	*cs;
	long			 page;
	size_t			 head;
	int			 i;

	if (clone_pool == NULL) {
		page = sysconf(_SC_PAGESIZE);
		head = sizeof *cs + CLONE_DATA;
		clone_slotsize = page + CLONE_STACK +
		    (head + page - 1) / page * page;
		clone_pool = mmap(NULL, clone_slotsize * CLONE_SLOTS,
		    PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
		if (clone_pool == MAP_FAILED) {
			log_warn("clone: mmap");
			clone_pool = NULL;
			return (NULL);
		}
		for (i = 0; i < CLONE_SLOTS; i++)
			(void)mprotect(clone_pool + i * clone_slotsize, page,
			    PROT_NONE);
	}
	for (i = 0; i < CLONE_SLOTS; i++) {
		cs = spawn_clone_at(i);
		if (__atomic_load_n(&cs->cs_tid, __ATOMIC_ACQUIRE) == 0 &&
		    cs->cs_error == 0)
			return (cs);
	}
	return (NULL);
}

/* Copy one string into a slot's data; NULL if it does not fit. */
static char *
spawn_clone_str(const char *s, char **end, const char *limit)
{
	size_t	n = strlen(s) + 1;
	char	*p = *end;

	if (n > (size_t)(limit - p))
		return (NULL);
	memcpy(p, s, n);
	*end = p + n;
	return (p);
}

/* Copy a NULL-terminated vector; NULL if it does not fit. */
static char **
spawn_clone_vec(char **v, char **end, const char *limit)
{
	char	**out;
	size_t	  n, i;

	for (n = 0; v[n] != NULL; n++)
		continue;
	*end += (sizeof(char *) - (uintptr_t)*end % sizeof(char *)) %
	    sizeof(char *);
	if ((n + 1) * sizeof(char *) > (size_t)(limit - *end))
		return (NULL);
	out = (char **)(void *)*end;
	*end += (n + 1) * sizeof(char *);
	for (i = 0; i < n; i++) {
		if ((out[i] = spawn_clone_str(v[i], end, limit)) == NULL)
			return (NULL);
	}
	out[n] = NULL;
	return (out);
}

/*
 * Start a server the way vfork does, without waiting for it: 0 started
 * (*ret is its pid), -1 failed (logged), 1 not possible now (no free slot,
 * or more argv and environment than a slot holds): the caller uses vfork.
 */
int
spawn_clone(struct service *se, const int *fds, char **argv, char **envp,
    pid_t *ret)
{
	struct clone_slot	*cs;
	sigset_t		 all, old;
	char			*end, *limit;
	pid_t			 pid;
	int			 error;

	if ((cs = spawn_clone_slot()) == NULL)
		return (1);
	cs->cs_data = (char *)(cs + 1);
	end = cs->cs_data;
	limit = cs->cs_data + CLONE_DATA;
	cs->cs_consfile = NULL;
	if ((cs->cs_path = spawn_clone_str(se->se_server, &end, limit)) ==
	    NULL || (se->se_console != NULL && (cs->cs_consfile =
	    spawn_clone_str(se->se_console, &end, limit)) == NULL) ||
	    (cs->cs_argv = spawn_clone_vec(argv, &end, limit)) == NULL ||
	    (cs->cs_envp = spawn_clone_vec(envp, &end, limit)) == NULL)
		return (1);
	memcpy(cs->cs_fds, fds, sizeof cs->cs_fds);
	cs->cs_console = 0;
	cs->cs_error = 0;
	cs->cs_pid = -1;
	__atomic_store_n(&cs->cs_tid, 1, __ATOMIC_RELEASE);

	/* No handler of the daemon's may run in the child. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = clone(spawn_clone_child, cs, CLONE_VM|CLONE_CHILD_CLEARTID|
	    SIGCHLD, cs, NULL, NULL, &cs->cs_tid);
	error = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		__atomic_store_n(&cs->cs_tid, 0, __ATOMIC_RELEASE);
		log_warnx("%s: clone: %s", se->se_label, strerror(error));
		return (-1);
	}
	cs->cs_pid = pid;
	*ret = pid;
	return (0);
}

/*
 * A child was reaped: if it was one of ours that failed before executing
 * its server, say why and count it failed, as vfork's parent does at once.
 * A child that died before exec without clearing its tid (a core dump)
 * gives its slot back here too.
 */
void
spawn_clone_reaped(pid_t pid)
{
	struct clone_slot	*cs;
	int			 i;

	if (clone_pool == NULL)
		return;
	for (i = 0; i < CLONE_SLOTS; i++) {
		cs = spawn_clone_at(i);
		if (cs->cs_pid != pid)
			continue;
		if (cs->cs_error != 0)
			spawn_failed_late(pid, cs->cs_console ? "console" :
			    "exec", cs->cs_console ? cs->cs_consfile :
			    cs->cs_path, cs->cs_error);
		cs->cs_pid = -1;
		cs->cs_error = 0;
		__atomic_store_n(&cs->cs_tid, 0, __ATOMIC_RELEASE);
		return;
	}
}

#endif /* PLATFORM_CLONE */
