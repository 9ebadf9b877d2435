/*
 * <sys/resource.h> for Windows: the types and names, so the rlimit_*
 * attributes parse; setting them is refused at load (no HAVE_SETRLIMIT).
 */

#ifndef PINETD_WIN_SYS_RESOURCE_H
#define PINETD_WIN_SYS_RESOURCE_H
#include <errno.h>

typedef unsigned long long rlim_t;
struct rlimit {
	rlim_t	rlim_cur;
	rlim_t	rlim_max;
};
#define RLIM_INFINITY	(~(rlim_t)0)
#define RLIMIT_CPU	0
#define RLIMIT_FSIZE	1
#define RLIMIT_DATA	2
#define RLIMIT_STACK	3
#define RLIMIT_CORE	4
#define RLIMIT_NOFILE	5
#define RLIMIT_AS	6
#define RLIMIT_RSS	7

/* There is no per-process descriptor limit to read or raise. */
static inline int
getrlimit(int resource, struct rlimit *rl)
{
	(void)resource;
	(void)rl;
	errno = ENOSYS;
	return (-1);
}

/* Nor to set: it fails as getrlimit does, and callers say so. */
static inline int
setrlimit(int resource, const struct rlimit *rl)
{
	(void)resource;
	(void)rl;
	errno = ENOSYS;
	return (-1);
}
#endif
