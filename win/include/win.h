/*
 * What native Windows lacks that the portable code in src/ expects: included
 * from src/platform.h only when building with mingw-w64. The POSIX headers
 * beside this file (sys/socket.h, netinet/in.h, ...) are thin wrappers over
 * Winsock, so src/ keeps its POSIX includes.
 */

#ifndef PINETD_WIN_H
#define PINETD_WIN_H

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <sys/types.h>

#include <event2/util.h>

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

typedef int	uid_t;
typedef int	gid_t;

/*
 * Sockets are kept in an int, as everywhere in src/: Windows documents that
 * kernel handle values are 32-bit significant (for 32/64-bit interop), so a
 * SOCKET survives the round trip.
 */
#define WIN_SOCKET(fd)	((SOCKET)(intptr_t)(fd))
#define WIN_HANDLE(fd)	((HANDLE)(intptr_t)(fd))

/* win/compat-win.c */
int		 win_socket(int, int, int);
int		 win_socketpair(int, int, int, evutil_socket_t[2]);
void		 win_loopback_connect(int);
char		*win_strerror(int);
const char	*win_syserror(unsigned long);
wchar_t		*win_wide_cp(const char *, UINT);
#define win_wide(s)	win_wide_cp(s, CP_UTF8)	/* every string is UTF-8 */

/* win/path-win.c: file names are UTF-8 (the headers come first, above). */
FILE		*win_fopen(const char *, const char *);
int		 win_open(const char *, int, ...);
int		 win_access(const char *, int);
int		 win_stat(const char *, struct stat *);
int		 win_unlink(const char *);
int		 win_rename(const char *, const char *);
int		 win_scandir(const char *, struct dirent ***,
		    int (*)(const struct dirent *),
		    int (*)(const struct dirent **, const struct dirent **));
void		 win_utf8_args(int *, char ***);
#define fopen(p, m)		win_fopen(p, m)
#define open(...)		win_open(__VA_ARGS__)
#define access(p, m)		win_access(p, m)
#ifdef stat	/* large files: stat names _stat64, its struct too */
#define _stat64(p, sb)		win_stat(p, sb)
#define _stat32i64(p, sb)	win_stat(p, sb)
#else
#define stat(p, sb)		win_stat(p, sb)
#endif
#define unlink(p)		win_unlink(p)
#define scandir(d, n, s, c)	win_scandir(d, n, s, c)
void		 win_sock_errno(void);

/* win/daemon-win.c: wake the event loop from another thread. */
#define WAKE_STOP	1
#define WAKE_RELOAD	2
#define WAKE_CHILD	3
#define WAKE_DUMP	4
void		 win_wake(int, void *);

/* win/spawn-win.c */
void		 spawn_child_exited(void *);

/* win/svc-win.c */
int		 svc_command(int *, char ***);
int		 svc_service_mode(void);
int		 svc_run(int (*)(void));
void		 svc_ready(void);
void		 svc_stopped(void);
const char	*svc_name(void);
void		 svc_event_name(const wchar_t *, wchar_t *, size_t);

/*
 * No superuser: the daemon counts as an ordinary user, so no configuration
 * asks for a change of user (the user field is ignored, with a warning).
 */
#define geteuid()	((uid_t)1)

/* Socket creation goes through win_socket: not overlapped, not inherited. */
#define socket(d, t, p)	win_socket(d, t, p)

/*
 * So do socket pairs (loopback TCP): libevent's own are overlapped and
 * inheritable, but one end may become a server's standard handles (TLS),
 * like an accepted connection. Not inherited from the start, they leave
 * evutil_make_socket_closeonexec (a no-op on Windows) nothing to do.
 */
#define evutil_socketpair(d, t, p, sv)	win_socketpair(d, t, p, sv)

/* rename that replaces an existing file, as POSIX rename does. */
#define rename(from, to)	win_rename(from, to)

/* Winsock reports its errors apart from errno: strerror knows both. */
#define strerror(e)	win_strerror(e)

/* Winsock takes option values as char pointers. */
#define setsockopt(s, l, o, v, n) \
	setsockopt(s, l, o, (const char *)(v), n)
#define getsockopt(s, l, o, v, n) \
	getsockopt(s, l, o, (char *)(v), n)

#define SHUT_RD		SD_RECEIVE
#define SHUT_WR		SD_SEND
#define SHUT_RDWR	SD_BOTH

#endif /* PINETD_WIN_H */
