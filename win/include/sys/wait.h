/*
 * <sys/wait.h> for Windows: a child's status is its exit code, since a
 * process there ends by exiting (TerminateProcess included), never by signal.
 */

#ifndef PINETD_WIN_SYS_WAIT_H
#define PINETD_WIN_SYS_WAIT_H
#define WIFEXITED(s)	1
#define WEXITSTATUS(s)	((int)(s))
#define WIFSIGNALED(s)	((void)(s), 0)
#define WTERMSIG(s)	((void)(s), 0)
#endif
