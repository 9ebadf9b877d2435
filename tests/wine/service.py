#!/usr/bin/env python3
"""pinetd.exe as a Windows service under Wine: --install, sc start, --reload,
sc stop, --uninstall.

The tests run in order and share one service, named after this process so
that concurrent runs in the same prefix do not meet. A service runs apart
from the test (services.exe starts it) and logs to the Event Log, which Wine
does not keep: the tests watch the sockets, the pid file and sc query.

Wine 8 quirks met here: `sc qc` is not implemented (it prints nothing and
exits 1), so the command line is read from the registry instead; a new
wineserver starts every AUTO_START service, so `wineserver -p` keeps one
alive, and every service this file installs is removed at exit, even after
a failure.
"""

import atexit
import os
import re
import signal
import subprocess

from winlib import *  # noqa: F401,F403
import lib

NAME = "pinetdtest%d" % os.getpid()
SERVICES_KEY = "HKLM\\System\\CurrentControlSet\\Services"

# What the tests share: the configuration, its ports and the pid file.
st = {"installed": []}


def wine(*args, timeout=None):
    """Run a Wine program to completion; return (status, stdout + stderr).
    Wine, rarely, fails to start the program at all (its launcher says
    "ShellExecuteEx failed: Internal error", seen once in CI running reg,
    before the program ran a line): then once more, said in the output."""
    for attempt in (1, 2):
        try:
            r = subprocess.run([WINE] + [str(a) for a in args],
                               stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT,
                               timeout=timeout or lib.TIMEOUT)
        except subprocess.TimeoutExpired:
            raise Failure("wine %s did not finish within %gs"
                          % (" ".join(str(a) for a in args),
                             timeout or lib.TIMEOUT))
        out = r.stdout.decode(errors="replace")
        if attempt == 2 or "ShellExecuteEx failed" not in out:
            break
        print("# Wine could not start %s (%s); once more"
              % (args[0], out.strip().replace("\n", " ")))
    return (r.returncode, out)


def pinetd(*args):
    """pinetd.exe with args, under Wine."""
    return wine(lib.PINETD, *args)


def sc_state(name):
    """The STATE word of sc query NAME, or None if there is no service."""
    rc, out = wine("sc", "query", name)
    m = re.search(r"STATE\s*:\s*\d+\s+(\w+)", out)
    if rc != 0 or m is None:
        return None
    return m.group(1)


def wait_state(name, want, timeout=None):
    """Wait until sc query NAME shows the state want."""
    got = [None]

    def pred():
        got[0] = sc_state(name)
        return got[0] == want
    try:
        wait_until(pred, timeout or lib.TIMEOUT, "%s to be %s" % (name, want),
                   interval=0.2)
    except Failure:
        raise Failure("service %s is %s, want %s" % (name, got[0], want))


def image_path(name):
    """The command line the service manager starts NAME with: from sc qc,
    else (Wine 8 has no sc qc) from the service's registry key."""
    rc, out = wine("sc", "qc", name)
    m = re.search(r"BINARY_PATH_NAME\s*:\s*(.*?)\r?$", out, re.M)
    if rc == 0 and m is not None:
        return m.group(1)
    rc, out = wine("reg", "query", SERVICES_KEY + "\\" + name, "/v",
                   "ImagePath")
    m = re.search(r"ImagePath\s+REG_\w+\s+(.*?)\r?$", out, re.M)
    check(rc == 0 and m is not None, "no ImagePath for %s: %s" % (name, out))
    return m.group(1)


def install(name, *args, cwd=None):
    """pinetd --install --name NAME args; remembered for the clean-up."""
    r = subprocess.run([WINE, lib.PINETD, "--install", "--name", name]
                       + list(args), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=lib.TIMEOUT, cwd=cwd)
    out = r.stdout.decode(errors="replace")
    if r.returncode == 0 and name not in st["installed"]:
        st["installed"].append(name)
    return (r.returncode, out)


def uninstall(name):
    """pinetd --uninstall --name NAME."""
    rc, out = pinetd("--uninstall", "--name", name)
    if rc == 0 and name in st["installed"]:
        st["installed"].remove(name)
    return (rc, out)


def refused(port):
    """True if a TCP connection to port is refused."""
    try:
        expect_refused(port)
    except (Failure, OSError):
        return False
    return True


def cleanup():
    """Stop and remove whatever a failed test left installed."""
    for name in list(st["installed"]):
        for argv in (("sc", "stop", name),
                     (lib.PINETD, "--uninstall", "--name", name)):
            try:
                subprocess.run([WINE] + list(argv),
                               stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=60)
            except subprocess.TimeoutExpired:
                pass
        st["installed"].remove(name)


def on_signal(signum, frame):
    cleanup()
    os._exit(1)


def remove_stale():
    """Remove the services of earlier runs that died before cleaning up (a
    new wineserver would start them, as they start automatically)."""
    rc, out = wine("reg", "query", SERVICES_KEY)
    for m in re.finditer(r"\\(pinetdtest(\d+))\s*$", out, re.M):
        if int(m.group(2)) != os.getpid() and not pid_alive(int(m.group(2))):
            pinetd("--uninstall", "--name", m.group(1))


@test
def install_registers():
    """--install registers a stopped service running --service CONF"""
    d = tmpdir()
    st["ports"] = [free_port(), free_port()]
    st["conf"] = write_conf(xservice("echo", st["ports"][0],
                                     "type = INTERNAL"), d)
    st["pidfile"] = os.path.join(d, "pinetd.pid")
    rc, out = install(NAME, "-p", winpath(st["pidfile"]), "-l",
                      winpath(st["conf"]))
    check_eq(rc, 0, "--install status (%s)" % out.strip())
    check("installed service %s" % NAME in out, "--install said %r" % out)
    check_eq(sc_state(NAME), "STOPPED", "state after --install")
    cmd = image_path(NAME)
    want = ('"%s" --service --name %s -p %s -l %s'
            % (winpath(lib.PINETD), NAME, winpath(st["pidfile"]),
               winpath(st["conf"])))
    check_eq(cmd, want, "command line")


@test
def start_serves():
    """sc start: RUNNING, the echo port answers, the pid file is written"""
    rc, out = wine("sc", "start", NAME)
    check_eq(rc, 0, "sc start status (%s)" % out.strip())
    s = wait_connectable(st["ports"][0])
    s.sendall(b"hello, service\r\n")
    check_eq(recv_exact(s, 16), b"hello, service\r\n", "echo")
    s.close()
    wait_state(NAME, "RUNNING")
    wait_until(lambda: os.path.exists(st["pidfile"]), what="the pid file")


@test
def second_install_fails():
    """a second --install of the same name fails and says why"""
    rc, out = install(NAME, winpath(st["conf"]))
    check_eq(rc, 1, "status")
    check(re.search(r"cannot install service %s: .*\(1073\)" % NAME, out),
          "message %r" % out)
    check_eq(sc_state(NAME), "RUNNING", "state of the first one")


@test
def reload_adds_service():
    """--reload reaches the service: a new port answers, the old one too"""
    conf = xservice("echo", st["ports"][0], "type = INTERNAL")
    conf += xservice("daytime", st["ports"][1], "type = INTERNAL")
    write_file(st["conf"], conf)
    rc, out = pinetd("--reload", "--name", NAME)
    check_eq(rc, 0, "--reload status (%s)" % out.strip())
    check("asked service %s to reload" % NAME in out, "--reload said %r"
          % out)
    line = recv_all(wait_connectable(st["ports"][1]))
    check(line.endswith(b"\r\n") and len(line) == 26, "daytime %r" % line)
    s = connect(st["ports"][0])
    s.sendall(b"still here\n")
    check_eq(recv_exact(s, 11), b"still here\n", "echo after the reload")
    s.close()


@test
def stop_closes():
    """sc stop: the ports are refused, STOPPED, the pid file is removed"""
    rc, out = wine("sc", "stop", NAME)
    check_eq(rc, 0, "sc stop status (%s)" % out.strip())
    for port in st["ports"]:
        wait_until(lambda: refused(port), what="port %d to refuse" % port)
    wait_state(NAME, "STOPPED")
    rc, out = wine("sc", "query", NAME)
    check(re.search(r"WIN32_EXIT_CODE\s*:\s*0\b", out),
          "exit code after a clean stop: %s" % out)
    wait_until(lambda: not os.path.exists(st["pidfile"]),
               what="the pid file to go")
    rc, out = pinetd("--reload", "--name", NAME)
    check_eq(rc, 1, "--reload of a stopped service")
    check("no running pinetd instance named %s" % NAME in out,
          "--reload said %r" % out)


@test
def uninstall_removes():
    """--uninstall removes the service and the event log source --install
    registered; a second one fails and says why"""
    key = SERVICES_KEY + "\\EventLog\\Application\\" + NAME
    rc, out = wine("reg", "query", key)
    check_eq(rc, 0, "the event log source of --install: %s" % out)
    rc, out = uninstall(NAME)
    check_eq(rc, 0, "--uninstall status (%s)" % out.strip())
    check("removed service %s" % NAME in out, "--uninstall said %r" % out)
    rc, out = wine("sc", "query", NAME)
    check(rc != 0, "sc query still finds %s: %s" % (NAME, out))
    rc, out = wine("reg", "query", key)
    check(rc != 0, "--uninstall left the event log source: %s" % out)
    rc, out = pinetd("--uninstall", "--name", NAME)
    check_eq(rc, 1, "status of --uninstall of a missing service")
    check("no service named %s" % NAME in out, "--uninstall said %r" % out)


@test
def uninstall_keeps_other_event_sources():
    """--uninstall of a name with no service leaves an event log source
    that is not pinetd's (another program's message file) alone"""
    name = "pinetdother%d" % os.getpid()
    key = SERVICES_KEY + "\\EventLog\\Application\\" + name
    rc, out = wine("reg", "add", key, "/v", "EventMessageFile", "/t",
                   "REG_EXPAND_SZ", "/d", "C:\\windows\\other.dll", "/f")
    check_eq(rc, 0, "reg add: %s" % out)
    try:
        rc, out = pinetd("--uninstall", "--name", name)
        check_eq(rc, 1, "status of --uninstall of a missing service")
        rc, out = wine("reg", "query", key)
        check_eq(rc, 0, "the other program's event source: %s" % out)
    finally:
        wine("reg", "delete", key, "/f")


@test
def relative_conf_uninstall_running():
    """a relative config path is stored absolute; --uninstall stops it"""
    name = NAME + "b"
    port = free_port()
    conf = write_conf(xservice("echo", port, "type = INTERNAL"))
    rc, out = install(name, os.path.basename(conf),
                      cwd=os.path.dirname(conf))
    check_eq(rc, 0, "--install status (%s)" % out.strip())
    cmd = image_path(name)
    check(cmd.endswith(" --service --name %s %s" % (name, winpath(conf))),
          "command line %r" % cmd)
    rc, out = wine("sc", "start", name)
    check_eq(rc, 0, "sc start status (%s)" % out.strip())
    wait_connectable(port).close()
    rc, out = uninstall(name)
    check_eq(rc, 0, "--uninstall status (%s)" % out.strip())
    check(sc_state(name) is None, "%s is still there" % name)
    wait_until(lambda: refused(port), what="port %d to refuse" % port)


@test
def missing_conf_fails_start():
    """a service whose config file is missing stops with exit code 1
    (1066: service-specific error)"""
    name = NAME + "c"
    conf = os.path.join(tmpdir(), "missing.conf")
    rc, out = install(name, winpath(conf))
    check_eq(rc, 0, "--install status (%s)" % out.strip())
    wine("sc", "start", name)   # START_PENDING, or already failed
    wait_state(name, "STOPPED")
    rc, out = wine("sc", "query", name)
    check(re.search(r"WIN32_EXIT_CODE\s*:\s*1066\b", out) and
          re.search(r"SERVICE_EXIT_CODE\s*:\s*1\b", out),
          "want exit codes 1066 and 1: %s" % out)
    rc, out = uninstall(name)
    check_eq(rc, 0, "--uninstall status (%s)" % out.strip())


if __name__ == "__main__":
    atexit.register(cleanup)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    # Keep the wineserver (and so the service manager) alive between runs
    # of wine; a new one would restart services set to start automatically.
    subprocess.run([os.environ.get("WINESERVER", "wineserver"), "-p"], stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=60)
    remove_stale()
    run()
