/* Declarations of libc functions pinetd replaces where the platform lacks them. */

#ifndef PINETD_COMPAT_H
#define PINETD_COMPAT_H

#include <stddef.h>

#ifndef HAVE_STRLCPY
size_t	 strlcpy(char *, const char *, size_t);
#endif

#ifndef HAVE_STRLCAT
#endif

#ifndef HAVE_CLOSEFROM
void	 closefrom(int);
#endif

#ifndef HAVE_ACCEPT4
#include <sys/types.h>
#include <sys/socket.h>
#ifndef SOCK_CLOEXEC
#define SOCK_CLOEXEC	0x10000000
#endif
#ifndef SOCK_NONBLOCK
#define SOCK_NONBLOCK	0x20000000
#endif
int	 accept4(int, struct sockaddr *, socklen_t *, int);
#endif

#ifndef HAVE_REALLOCARRAY
void	*reallocarray(void *, size_t, size_t);
#endif

#ifndef HAVE_GETLINE
#include <sys/types.h>
#include <stdio.h>
ssize_t	 getline(char **, size_t *, FILE *);
#endif

#ifndef HAVE_STRSEP
char	*strsep(char **, const char *);
#endif

#ifndef HAVE_SCANDIR
struct dirent;
int	 scandir(const char *, struct dirent ***,
	    int (*)(const struct dirent *),
	    int (*)(const struct dirent **, const struct dirent **));
int	 alphasort(const struct dirent **, const struct dirent **);
#endif

/* Only Windows' C library turns CR LF into LF and stops at ^Z by default. */
#ifndef O_BINARY
#define O_BINARY	0
#endif

#endif /* PINETD_COMPAT_H */
