/*
 * child.c: the "unmodified stdio server" of the Windows smoke test.
 *
 * It knows nothing about sockets: it reads one line from standard input and
 * writes it back upper-cased on standard output, the way an inetd server
 * would. server.c starts it with an accepted TCP connection as its standard
 * handles, so the line comes from, and the answer goes to, the network
 * client.
 *
 *   child          C stdio: fgets(stdin), printf + fflush(stdout)
 *   child raw      Win32 only: ReadFile / WriteFile on GetStdHandle()
 *
 * Exit status: 0 when a line was read and written back; 2 when reading
 * failed; 3 when writing failed. When SMOKE_CHILD_LOG names a file, what the
 * child saw (handle types, the CRT's view of fds 0-2, errors) is appended to
 * it, since stdout and stderr belong to the client. SMOKE_PROBE_HANDLE, set
 * by server.c, is a handle value the child should not have inherited; the
 * log says whether it did.
 */
#include <windows.h>
#include <ctype.h>
#include <errno.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE *logf;

static void
note(const char *fmt, ...)
{
	va_list ap;

	if (logf == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(logf, fmt, ap);
	va_end(ap);
	fflush(logf);
}

static const char *
type_name(DWORD t)
{
	switch (t) {
	case FILE_TYPE_DISK: return "disk";
	case FILE_TYPE_CHAR: return "char";
	case FILE_TYPE_PIPE: return "pipe";
	case FILE_TYPE_UNKNOWN: return "unknown";
	default: return "other";
	}
}

/* Record how the process and the C runtime see standard handles 0-2. */
static void
describe_std(void)
{
	static const DWORD which[3] = {
		STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE
	};
	int fd;

	for (fd = 0; fd < 3; fd++) {
		HANDLE h = GetStdHandle(which[fd]);
		intptr_t os = _get_osfhandle(fd);

		note("child: std %d: GetStdHandle %p type %s; "
		    "_get_osfhandle(%d) %p type %s\n", fd, (void *)h,
		    type_name(GetFileType(h)), fd, (void *)os,
		    os == -1 ? "-" : type_name(GetFileType((HANDLE)os)));
	}
}

/* Did a handle that was not on the parent's handle list leak in? */
static void
probe_leak(void)
{
	const char *v = getenv("SMOKE_PROBE_HANDLE");
	HANDLE h;
	DWORD flags;

	if (v == NULL || *v == '\0')
		return;
	h = (HANDLE)(ULONG_PTR)strtoull(v, NULL, 10);
	if (GetHandleInformation(h, &flags))
		note("child: probe handle %p: inherited (type %s)\n", (void *)h,
		    type_name(GetFileType(h)));
	else
		note("child: probe handle %p: not inherited (error %lu)\n",
		    (void *)h, (unsigned long)GetLastError());
}

static void
upcase(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		s[i] = (char)toupper((unsigned char)s[i]);
}

/* The stdio path: what an unmodified server does. */
static int
run_stdio(void)
{
	char line[512];
	size_t n;

	if (fgets(line, sizeof line, stdin) == NULL) {
		note("child: fgets: %s (eof %d, errno %d, GetLastError %lu)\n",
		    ferror(stdin) ? "error" : "end of file", feof(stdin), errno,
		    (unsigned long)GetLastError());
		return 2;
	}
	n = strlen(line);
	note("child: fgets read %lu bytes\n", (unsigned long)n);
	upcase(line, n);
	if (printf("%s", line) < 0 || fflush(stdout) != 0) {
		note("child: printf/fflush failed: errno %d\n", errno);
		return 3;
	}
	return 0;
}

/* The Win32 path: ReadFile until a newline, one WriteFile back. */
static int
run_raw(void)
{
	HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
	HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
	char line[512];
	DWORD got, put, len = 0;

	while (len < sizeof line) {
		if (!ReadFile(in, line + len, (DWORD)(sizeof line - len), &got,
		    NULL)) {
			note("child: ReadFile failed: GetLastError %lu\n",
			    (unsigned long)GetLastError());
			return 2;
		}
		if (got == 0)
			break;
		len += got;
		if (memchr(line, '\n', len) != NULL)
			break;
	}
	note("child: ReadFile read %lu bytes\n", (unsigned long)len);
	if (len == 0)
		return 2;
	upcase(line, len);
	if (!WriteFile(out, line, len, &put, NULL) || put != len) {
		note("child: WriteFile failed: GetLastError %lu\n",
		    (unsigned long)GetLastError());
		return 3;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *path = getenv("SMOKE_CHILD_LOG");
	int raw = argc > 1 && strcmp(argv[1], "raw") == 0;
	int status;

	if (path != NULL && *path != '\0')
		logf = fopen(path, "a");
	describe_std();
	probe_leak();
	status = raw ? run_raw() : run_stdio();
	note("child: exit %d\n", status);
	return status;
}
