/*
 * The one place in src/ that knows operating system names: it turns them into
 * feature macros the rest of the code tests.
 */

#ifndef PLATFORM_H
#define PLATFORM_H

/* Unix sockets in the abstract namespace ("@name"). */
#if defined(__linux__)
#define PLATFORM_ABSTRACT_UNIX 1
#else
#define PLATFORM_ABSTRACT_UNIX 0
#endif

/*
 * vfork(2) for starting servers that need no change of user: the child
 * borrows the daemon's memory until it executes, so there is no stack to
 * map and unmap per connection as posix_spawn has. Not on macOS (vfork is
 * deprecated there) nor Cygwin (fork emulation): posix_spawn serves them.
 */
#if defined(__linux__) || defined(__FreeBSD__) || defined(__OpenBSD__) || \
    defined(__NetBSD__) || defined(__DragonFly__)
#define PLATFORM_VFORK	1
#else
#define PLATFORM_VFORK	0
#endif

/*
 * Native Windows: Winsock and the stand-ins for what it lacks (win/); paths
 * may start with a drive letter; the spawn layer itself pins a new process
 * to its CPUs (there is no child to run code in before the program).
 */
#if defined(_WIN32)
#include "win.h"
#define PLATFORM_DRIVE_PATHS	1
#define PLATFORM_DIRSEP		"\\"	/* joins a directory and a name */
#define PLATFORM_SPAWN_AFFINITY	1
#define PLATFORM_X_OK		0	/* access(): no execute bit to test */
#define PLATFORM_PRINTF		gnu_printf	/* C99 printf, not msvcrt's */
#define PLATFORM_PAIR_FAMILY	AF_INET	/* socket pairs: loopback TCP */
#define PLATFORM_UTF8_ARGS	1	/* CreateProcessW: UTF-8 → UTF-16 */
#define PLATFORM_SOCK_ERRNO()	(win_sock_errno(), errno) /* from Winsock's */
/*
 * A listening socket's address option: on Windows SO_REUSEADDR would let
 * another program bind the same port and take connections; exclusive use
 * keeps it ours (and Windows rebinds past TIME_WAIT without help).
 */
#define PLATFORM_SO_REUSE	SO_EXCLUSIVEADDRUSE
#define PLATFORM_REUSE_DGRAM	1	/* exclusive for datagrams too */
/* A refused loopback connect fails at once (no SYN resends). */
#define PLATFORM_LOOPBACK_CONNECT(fd)	win_loopback_connect(fd)
#else
#define PLATFORM_LOOPBACK_CONNECT(fd)	((void)(fd))	/* it does */
#define PLATFORM_UTF8_ARGS	0	/* execve takes bytes as they are */
#define PLATFORM_SOCK_ERRNO()	(errno)	/* a socket call's error */
#define PLATFORM_SO_REUSE	SO_REUSEADDR	/* rebind past TIME_WAIT */
/*
 * Not on datagram sockets, which have no TIME_WAIT: there SO_REUSEADDR
 * lets a second socket bind beside one a wait server still holds, and a
 * second server start (a reload moving a busy UDP service back, or
 * removing and adding it again).
 */
#define PLATFORM_REUSE_DGRAM	0
#define PLATFORM_X_OK		X_OK
#define PLATFORM_PRINTF		printf
#define PLATFORM_DRIVE_PATHS	0
#define PLATFORM_DIRSEP		"/"
#define PLATFORM_SPAWN_AFFINITY	0
#define PLATFORM_PAIR_FAMILY	AF_UNIX
#endif

#endif /* PLATFORM_H */
