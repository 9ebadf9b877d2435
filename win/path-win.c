/*
 * File names on Windows. Inside the daemon every path is UTF-8: the
 * configuration is read as UTF-8 and the command line is turned into it at
 * start. The C library's narrow calls would read those bytes in the ANSI code
 * page instead, so a banner, a program or an include file under a name that
 * is not ASCII was not found. These take UTF-8 and call the wide functions;
 * win.h puts them in place of the narrow names for src/.
 */

#include "pinetd.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <shellapi.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#undef fopen
#undef open
#undef access
#undef _stat64
#undef _stat32i64
#undef unlink
#undef rename
#undef scandir

/* A UTF-16 copy of a path, or NULL with errno set if it is not UTF-8. */
static wchar_t *
path_wide(const char *path)
{
	wchar_t	*w;
	int	 n;

	n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, NULL,
	    0);
	if (n <= 0) {
		errno = EILSEQ;
		return (NULL);
	}
	w = xcalloc((size_t)n, sizeof *w);
	MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, w, n);
	return (w);
}

/* A new UTF-8 copy of a UTF-16 string (a name the system gave). */
static char *
path_narrow(const wchar_t *w)
{
	char	*s;
	int	 n;

	n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
	if (n <= 0)
		return (NULL);
	s = xmalloc((size_t)n);
	WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
	return (s);
}

/* fopen(3) of a UTF-8 path; the mode is ASCII. */
FILE *
win_fopen(const char *path, const char *mode)
{
	wchar_t	 wmode[8], *w;
	FILE	*f;
	size_t	 i;

	for (i = 0; mode[i] != '\0' && i < 7; i++)
		wmode[i] = (wchar_t)(unsigned char)mode[i];
	wmode[i] = L'\0';
	if ((w = path_wide(path)) == NULL)
		return (NULL);
	f = _wfopen(w, wmode);
	free(w);
	return (f);
}

/* open(2) of a UTF-8 path, with the mode when O_CREAT asks for one. */
int
win_open(const char *path, int flags, ...)
{
	va_list	 ap;
	wchar_t	*w;
	int	 fd, mode = 0;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	if ((w = path_wide(path)) == NULL)
		return (-1);
	fd = _wopen(w, flags, mode);
	free(w);
	return (fd);
}

/* access(2) of a UTF-8 path. */
int
win_access(const char *path, int mode)
{
	wchar_t	*w;
	int	 rc;

	if ((w = path_wide(path)) == NULL)
		return (-1);
	rc = _waccess(w, mode);
	free(w);
	return (rc);
}

/*
 * stat(2) of a UTF-8 path. The wide call fills the C library's 64-bit
 * record, copied field by field, since struct stat's own layout depends on
 * how the headers were asked for time and size widths.
 */
int
win_stat(const char *path, struct stat *sb)
{
	struct _stat64	 ws;
	wchar_t		*w;
	int		 rc;

	if ((w = path_wide(path)) == NULL)
		return (-1);
	rc = _wstat64(w, &ws);
	free(w);
	if (rc != 0)
		return (rc);
	memset(sb, 0, sizeof *sb);
	sb->st_dev = ws.st_dev;
	sb->st_ino = ws.st_ino;
	sb->st_mode = ws.st_mode;
	sb->st_nlink = ws.st_nlink;
	sb->st_uid = ws.st_uid;
	sb->st_gid = ws.st_gid;
	sb->st_rdev = ws.st_rdev;
	sb->st_size = ws.st_size;
	sb->st_atime = ws.st_atime;
	sb->st_mtime = ws.st_mtime;
	sb->st_ctime = ws.st_ctime;
	return (0);
}

/* unlink(2) of a UTF-8 path. */
int
win_unlink(const char *path)
{
	wchar_t	*w;
	int	 rc;

	if ((w = path_wide(path)) == NULL)
		return (-1);
	rc = _wunlink(w);
	free(w);
	return (rc);
}

/* rename(2) semantics: an existing target is replaced, in one step. */
int
win_rename(const char *from, const char *to)
{
	wchar_t	*wf, *wt = NULL;
	BOOL	 ok = FALSE;

	if ((wf = path_wide(from)) != NULL && (wt = path_wide(to)) != NULL)
		ok = MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING);
	free(wf);
	free(wt);
	if (ok)
		return (0);
	if (wf != NULL && wt != NULL)
		errno = GetLastError() == ERROR_ACCESS_DENIED ? EACCES : ENOENT;
	return (-1);
}

/* errno for a failed directory read. */
static int
path_errno(DWORD err)
{
	switch (err) {
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
		return (ENOENT);
	case ERROR_DIRECTORY:
		return (ENOTDIR);
	case ERROR_ACCESS_DENIED:
		return (EACCES);
	case ERROR_NOT_ENOUGH_MEMORY:
	case ERROR_OUTOFMEMORY:
		return (ENOMEM);
	}
	return (EIO);
}

/* One entry of win_scandir's list, shaped as the C library's dirent. */
static struct dirent *
path_dirent(const wchar_t *name)
{
	struct dirent	*de;
	char		*s;
	size_t		 len, size;

	if ((s = path_narrow(name)) == NULL)
		return (NULL);
	len = strlen(s);
	size = offsetof(struct dirent, d_name) + len + 1;
	if (size < sizeof *de)
		size = sizeof *de;
	de = xcalloc(1, size);
	de->d_namlen = (unsigned short)(len > 0xffff ? 0xffff : len);
	memcpy(de->d_name, s, len + 1);
	free(s);
	return (de);
}

/* The order win_scandir was asked for, while its qsort runs. */
static int (*path_compar)(const struct dirent **, const struct dirent **);

/* qsort's comparison: the asked-for order, through qsort's types. */
static int
path_compar_cb(const void *a, const void *b)
{
	return (path_compar((const struct dirent **)a,
	    (const struct dirent **)b));
}

/*
 * scandir(3) of a UTF-8 directory with UTF-8 names, as include directories
 * are read: the C library's readdir gives names in the ANSI code page.
 */
int
win_scandir(const char *dir, struct dirent ***namelist,
    int (*sel)(const struct dirent *),
    int (*compar)(const struct dirent **, const struct dirent **))
{
	WIN32_FIND_DATAW	  fd;
	HANDLE			  h;
	struct dirent		**list = NULL, *de;
	wchar_t			 *w;
	char			 *pattern;
	size_t			  n = 0, len;
	DWORD			  err;

	/* "Z:" is the current directory of drive Z, "Z:\\" its root. */
	len = strlen(dir);
	xasprintf(&pattern, len > 0 && strchr(":\\/", dir[len - 1]) != NULL ?
	    "%s*" : "%s\\*", dir);
	w = path_wide(pattern);
	free(pattern);
	if (w == NULL)
		return (-1);
	h = FindFirstFileW(w, &fd);
	free(w);
	if (h == INVALID_HANDLE_VALUE) {
		errno = path_errno(GetLastError());
		return (-1);
	}
	do {
		if ((de = path_dirent(fd.cFileName)) == NULL)
			continue;
		if (sel != NULL && !sel(de)) {
			free(de);
			continue;
		}
		list = xreallocarray(list, n + 1, sizeof *list);
		list[n++] = de;
	} while (FindNextFileW(h, &fd));
	err = GetLastError();
	FindClose(h);
	if (err != ERROR_NO_MORE_FILES) {
		while (n > 0)
			free(list[--n]);
		free(list);
		errno = path_errno(err);
		return (-1);
	}
	if (compar != NULL && n > 1) {
		path_compar = compar;
		qsort(list, n, sizeof *list, path_compar_cb);
	}
	if (list == NULL)
		list = xcalloc(1, sizeof *list);
	*namelist = list;
	return ((int)n);
}

/* Order win_scandir's entries by name, as alphasort(3) does in the C locale. */
int
alphasort(const struct dirent **a, const struct dirent **b)
{
	return (strcmp((*a)->d_name, (*b)->d_name));
}

/*
 * The environment as UTF-8, from the wide one Windows keeps, in place of the
 * C library's ANSI copy: servers are given it through CreateProcessW, which
 * reads every string as UTF-8, so a value outside the code page was garbled.
 * Entries starting with '=' (the per-drive directories) are left out, as
 * the C library leaves them out.
 */
static void
path_utf8_environ(void)
{
	wchar_t	 *block, *w;
	char	**env;
	size_t	  n = 0, i = 0;

	if ((block = GetEnvironmentStringsW()) == NULL)
		return;
	for (w = block; *w != L'\0'; w += wcslen(w) + 1)
		n++;
	env = xcalloc(n + 1, sizeof *env);
	for (w = block; *w != L'\0'; w += wcslen(w) + 1) {
		if (*w != L'=' && (env[i] = path_narrow(w)) != NULL)
			i++;
	}
	FreeEnvironmentStringsW(block);
	_environ = env;
}

/*
 * The command line and the environment as UTF-8, from the wide ones Windows
 * keeps: main's argv and environ are in the ANSI code page, which cannot
 * name every file or hold every value.
 */
void
win_utf8_args(int *argc, char ***argv)
{
	wchar_t	**wargv;
	char	**nav;
	int	  wargc, i;

	if ((wargv = CommandLineToArgvW(GetCommandLineW(), &wargc)) == NULL)
		return;
	nav = xcalloc((size_t)wargc + 1, sizeof *nav);
	for (i = 0; i < wargc; i++) {
		if ((nav[i] = path_narrow(wargv[i])) == NULL)
			nav[i] = xstrdup("");
	}
	LocalFree(wargv);
	*argc = wargc;
	*argv = nav;
	path_utf8_environ();
}
