"""Helpers for the Windows tests: pinetd.exe under Wine, driven from Linux.

Builds on tests/regress/lib.py (TAP, sockets, log waits). Wine programs use
the host's network stack, so the tests connect to 127.0.0.1 as usual; paths
handed to Windows programs are turned into Z:\\ paths.

Environment:
  PINETD     pinetd.exe (cross-built)
  WINHELPER  tests/helpers/winhelper.exe
  FAKEQ      tests/helpers/fakeq.exe
  WINE       the wine launcher (default: wine); empty on Windows itself
             (the GitHub windows-latest job), where the same tests run
             natively and tests that only real Windows can pass run too
"""

import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "regress"))

from lib import *  # noqa: F401,F403  (the shared test vocabulary)
import lib

WINE = os.environ.get("WINE", "wine")
NATIVE = WINE == ""
# Only Windows itself lets a child use Winsock on a socket it inherited.
UNDER_WINE = not NATIVE
WINHELPER = os.path.abspath(os.environ.get(
    "WINHELPER", "./tests/helpers/winhelper.exe"))
FAKEQ = os.path.abspath(os.environ.get("FAKEQ", "./tests/helpers/fakeq.exe"))

# Wine starts processes slowly the first time: allow more than on POSIX,
# for each wait and for a whole test (which chains several waits).
lib.TIMEOUT = 30
lib.TEST_TIMEOUT = 240

_names = [0]


def winpath(path):
    """The Wine (Z: drive) name of a host path (unchanged on Windows)."""
    if NATIVE:
        return os.path.abspath(path)
    return "Z:" + os.path.abspath(path).replace("/", "\\")


def launcher():
    """The words that run a Windows program: wine, or nothing natively."""
    return [] if NATIVE else [WINE]


def check_conf(path, *flags):
    """pinetd -n [flags] on the file path: (exit status, output)."""
    r = subprocess.run(launcher() + [lib.PINETD, "-n"] + list(flags)
                       + [winpath(path)], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=lib.TIMEOUT)
    return r.returncode, r.stdout.decode(errors="replace")


def winhelper(*args):
    """The server and server_args of the Windows test helper (xinetd)."""
    return "server = %s\n\tserver_args = %s" % (
        winpath(WINHELPER), " ".join(str(a) for a in args))


def xservice(name, port, body, proto="tcp", stype="stream", wait="no"):
    """One xinetd service block on 127.0.0.1:port."""
    return ("service %s\n{\n\tport = %d\n\tsocket_type = %s\n"
            "\tprotocol = %s\n\twait = %s\n\tbind = 127.0.0.1\n\t%s\n}\n"
            % (name, port, stype, proto, wait, body))


class WineDaemon(lib.Daemon):
    """pinetd.exe -d -l -p PID --name NAME CONF under Wine; each daemon has
    its own instance name, so --reload reaches exactly it."""

    def __init__(self, conf, **kw):
        _names[0] += 1
        self.name = "pinetd-test-%d-%d" % (os.getpid(), _names[0])
        lib.Daemon.__init__(self, conf, **kw)

    def argv(self):
        a = launcher() + [lib.PINETD] + self.dlflags + ["--name", self.name]
        if self.pidfile:
            a += ["-p", winpath(self.pidfile)]
        return a + self.args + [winpath(self.conf)]

    def ask(self, what, regex, timeout=None):
        """pinetd --WHAT --name NAME, then wait for a log line."""
        p = self.pos()
        r = subprocess.run(launcher() + [lib.PINETD, "--" + what, "--name",
                            self.name], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=lib.TIMEOUT)
        check(r.returncode == 0, "pinetd --%s: status %d: %s"
              % (what, r.returncode, r.stdout.decode(errors="replace")))
        m = self.wait_log(regex, timeout or lib.TIMEOUT, pos=p)
        self._mark = m.end()
        return m

    def reload(self, timeout=None):
        """pinetd --reload --name NAME, then wait for the reload line."""
        return self.ask("reload", r"^reload: .*$", timeout)

    def dump(self, timeout=None):
        """pinetd --dump --name NAME, then wait for the dump's last line."""
        return self.ask("dump", r"^dump: \d+ services, \d+ children$",
                        timeout)

    def start(self, ready=True):
        """As lib's, but natively in a process group of its own, so that
        Ctrl-Break can be sent to it alone."""
        if NATIVE:
            self.preexec_fn = None
            real = subprocess.Popen

            def popen(*a, **kw):
                kw.pop("preexec_fn", None)
                kw["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
                return real(*a, **kw)
            subprocess.Popen = popen
            try:
                return lib.Daemon.start(self, ready)
            finally:
                subprocess.Popen = real
        try:
            return lib.Daemon.start(self, ready)
        except Failure:
            # Wine, rarely, ends a process it was starting with status 1
            # before it has run a line (seen once in CI, at the start of a
            # TLS test that passes alone and in the 20 suites around it);
            # pinetd writes a line for every error it exits on. Once more
            # then, said in the output; a second failure is a failure.
            if self.proc.returncode != 1 or self.log() != "":
                raise
            print("# the daemon exited 1 without a line of log: Wine did "
                  "not start it; starting it again")
            self._log.close()
            return lib.Daemon.start(self, ready)

    def stop(self, sig=None):
        """Ctrl-C under Wine (it turns SIGINT into a console control event),
        Ctrl-Break natively: the daemon must log it, exit 0 and remove its
        pid file."""
        if sig is None:
            sig = signal.CTRL_BREAK_EVENT if NATIVE else signal.SIGINT
        return lib.Daemon.stop(self, sig)


def check_two_children_handles(open_conn):
    """Open two connections to a `winhelper handles` service, the first still
    open while the second starts; neither child may hold an extra handle."""
    first = open_conn()
    line1 = recv_line(first, timeout=30)
    second = open_conn()
    line2 = recv_line(second, timeout=30)
    check_eq(line1, b"handles: 0\n", "first child's extra handles")
    check_eq(line2, b"handles: 0\n", "second child's extra handles "
             "(the first connection is still open)")
    first.close()
    second.close()
