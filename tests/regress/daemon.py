#!/usr/bin/env python3
"""Process life: pid file, signals, bind retries, daemonising."""

import os
import re
import resource
import signal
import socket
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F401,F403


def read_pidfile(path):
    with open(path) as f:
        data = f.read()
    check(re.match(r"^\d+\n$", data), "pid file content %r" % data)
    return int(data)


@test
def pidfile_written_before_ready():
    """pid file holds the daemon's pid once 'ready' is logged"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root internal echo\n" % p)
    check_eq(read_pidfile(d.pidfile), d.pid, "pid in the pid file")
    d.stop()


@test
def pidfile_of_another_daemon_left_alone():
    """two daemons given the same pid file: the second's pid is in it, and
    the first, stopping, leaves it (and says so) instead of removing the
    file the running one wrote; the second removes it"""
    path = os.path.join(tmpdir(), "shared.pid")
    a = Daemon("127.0.0.1:%d stream tcp nowait root internal echo\n"
               % free_port(), args=["-p", path], pidfile=False)
    b = Daemon("127.0.0.1:%d stream tcp nowait root internal echo\n"
               % free_port(), args=["-p", path], pidfile=False)
    check_eq(read_pidfile(path), b.pid, "pid in the shared file")
    a.stop()
    a.wait_log(r"^%s: left in place: it names pid %d now$"
               % (re.escape(path), b.pid))
    check_eq(read_pidfile(path), b.pid, "pid file after the first stopped")
    b.stop()
    check(not os.path.exists(path), "pid file removed by its daemon")


@test
def pidfile_overwritten_left_alone():
    """a pid file something else overwrote with text that is no pid is left
    in place at exit, and the log says it holds no pid (it said 'names pid
    -1')"""
    path = os.path.join(tmpdir(), "other.pid")
    d = Daemon("127.0.0.1:%d stream tcp nowait root internal echo\n"
               % free_port(), args=["-p", path], pidfile=False)
    check_eq(read_pidfile(path), d.pid, "pid in the pid file")
    write_file(path, "not a pid\n")
    d.stop()
    d.wait_log(r"^%s: left in place: it holds no pid now$" % re.escape(path))
    check_eq(open(path).read(), "not a pid\n", "pid file after exit")


@test
def sigterm_leaves_children_running():
    """SIGTERM: exit 0, pid file removed, listeners closed, child still alive"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root %s\n"
               % (p, helper("sleep", 30)))
    s = connect(p)
    m = d.wait_log(r"^127\.0\.0\.1:%d/tcp: connection from 127\.0\.0\.1:%d, "
                   r"pid (\d+)$" % (p, s.getsockname()[1]))
    child = int(m.group(1))
    try:
        d.stop()
        d.wait_log(r"^terminating on signal %d$" % signal.SIGTERM)
        check(pid_alive(child), "child %d died with the daemon" % child)
        expect_refused(p)
    finally:
        kill_quietly(child)
        s.close()
    wait_pid_gone(child)


@test
def sigint_exits_cleanly():
    """SIGINT: exit 0, pid file removed, 'terminating on signal 2'"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root internal echo\n" % p)
    d.stop(signal.SIGINT)
    d.wait_log(r"^terminating on signal %d$" % signal.SIGINT)
    expect_refused(p)


@test
def started_with_signals_blocked():
    """started by a parent that blocks HUP, TERM, INT, USR1 and CHLD and
    ignores HUP (as nohup does): pinetd still reloads, dumps, reaps its
    children (no zombie) and stops on SIGTERM"""
    def preexec():
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_BLOCK, [
            signal.SIGHUP, signal.SIGTERM, signal.SIGINT, signal.SIGUSR1,
            signal.SIGCHLD])
    p, q = free_port(), free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root %s\n"
               % (p, helper("exit", 0)), preexec_fn=preexec)
    s = connect(p)
    m = d.wait_log(r"^127\.0\.0\.1:%d/tcp: pid (\d+) exited, status 0$" % p)
    s.close()
    check_eq(proc_state(int(m.group(1))), None,
             "the child once its exit is logged (reaped, not a zombie)")
    with open(d.conf, "a") as f:
        f.write("127.0.0.1:%d stream tcp nowait root internal echo\n" % q)
    d.hup()
    check_echo(q, b"after a reload\n")
    p0 = d.pos()
    d.send(signal.SIGUSR1)
    d.wait_log(r"^dump: 2 services, \d+ children$", pos=p0)
    d.stop()


def echo_once_bound(d, busy, mark):
    """Wait until the echo service on a port that was taken listens (its
    line logged after mark, a log position taken before the port was
    freed, as the retry may bind at once), and check that it echoes."""
    d.wait_log(r"^127\.0\.0\.1:%d/tcp: listening on 127\.0\.0\.1:%d$"
               % (busy, busy), timeout=5, pos=mark)
    check_echo(busy, b"now bound\n", "echo on the freed port")


@test
def bind_failure_retried():
    """bind failure: other service works, 'retrying in 1 s', bound once free"""
    busy, other = free_port(), free_port()
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blocker.bind(("127.0.0.1", busy))
    blocker.listen(5)
    try:
        d = Daemon("127.0.0.1:%d stream tcp nowait root internal echo\n"
                   "127.0.0.1:%d stream tcp nowait root internal echo\n"
                   % (busy, other), args=["-T", "1"])
        d.wait_log(r"^127\.0\.0\.1:%d/tcp: bind 127\.0\.0\.1:%d: .+; "
                   r"retrying in 1 s$" % (busy, busy), pos=0)
        s = connect(other)
        s.sendall(b"works\n")
        check_eq(recv_exact(s, 6), b"works\n", "echo on the other service")
        s.close()
        # A second attempt is made about a second later.
        p = d.pos()
        d.wait_log(r"^127\.0\.0\.1:%d/tcp: bind .*retrying in 1 s$" % busy,
                   timeout=5, pos=p)
        mark = d.pos()
    finally:
        blocker.close()
    echo_once_bound(d, busy, mark)
    d.stop()


@test
def many_services_opened_in_parallel():
    """600 services (sockets opened on several threads at start-up where
    there are threads): all answer, one whose port is taken is reported with
    its address and retried like any other, and is bound once free"""
    ports = [free_port() for _ in range(600)]
    busy = ports[301]
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blocker.bind(("127.0.0.1", busy))
    blocker.listen(5)
    try:
        d = Daemon("".join("127.0.0.1:%d stream tcp nowait root internal "
                           "echo\n" % p for p in ports), args=["-T", "1"])
        check_eq(d.services, 600, "services in the ready line")
        # The reason is the C library's text (glibc and musl differ).
        d.wait_log(r"^127\.0\.0\.1:%d/tcp: bind 127\.0\.0\.1:%d: .+; "
                   r"retrying in 1 s$" % (busy, busy), pos=0)
        for p in ports[:3] + ports[299:301] + ports[302:304] + ports[-3:]:
            s = connect(p)
            s.sendall(b"%d\n" % p)
            check_eq(recv_line(s), b"%d\n" % p, "echo on port %d" % p)
            s.close()
        check(not d.find_log(r"bind 127\.0\.0\.1:(?!%d:)" % busy, pos=0),
              "a bind failure for a port that was free")
        mark = d.pos()
    finally:
        blocker.close()
    echo_once_bound(d, busy, mark)
    d.stop()


@test
def daemonises_without_d():
    """without -d/-i: parent returns at once, daemon in the background serves"""
    check_daemonises(False)


@test
def daemonises_with_relative_paths():
    """without -d/-i, a configuration and pid file named relative to the
    directory pinetd started in are still found by the daemon, which
    works in / (before, it exited at once: 'cannot read inetd.conf')"""
    check_daemonises(True)


def check_daemonises(relative):
    p = free_port()
    dirn = tmpdir()
    conf = write_conf("127.0.0.1:%d stream tcp nowait root internal echo\n"
                      % p, dirn)
    pidf = os.path.join(dirn, "pid")
    args = ["-p", "pid", "inetd.conf"] if relative else ["-p", pidf, conf]
    try:
        r = subprocess.run([PINETD] + args, cwd=dirn,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Failure("pinetd without -d did not return (not daemonised?)")
    check_eq(r.returncode, 0, "parent exit status (stderr %r)" % r.stderr)
    pid = wait_until(lambda: os.path.exists(pidf) and open(pidf).read().strip()
                     and read_pidfile(pidf), what="pid file")
    try:
        check(pid_alive(pid), "daemon %d not running" % pid)
        s = wait_connectable(p)
        s.sendall(b"bg\n")
        check_eq(recv_exact(s, 3), b"bg\n", "echo from the background daemon")
        s.close()
        if HAVE_PROC:
            with open("/proc/%d/stat" % pid) as f:
                st = f.read()
            sid = int(st[st.rindex(")") + 2:].split()[3])
            check_eq(sid, pid, "session of the daemon (setsid)")
        os.kill(pid, signal.SIGTERM)
        wait_pid_gone(pid)
        wait_until(lambda: not os.path.exists(pidf), what="pid file removal")
    finally:
        kill_quietly(pid)


@test
def foreground_i_no_debug():
    """-i: stays in the foreground (no stderr debug lines), serves, exits on TERM"""
    p = free_port()
    dirn = tmpdir()
    conf = write_conf("127.0.0.1:%d stream tcp nowait root internal echo\n"
                      % p, dirn)
    d = Daemon(conf, dlflags=["-i"], ready=False)
    s = wait_connectable(p)
    s.sendall(b"fg\n")
    check_eq(recv_exact(s, 3), b"fg\n", "echo")
    s.close()
    check(d.running(), "-i daemon is not in the foreground")
    check(not d.find_log(r"listening on", 0), "debug output with -i: %r"
          % d.log())
    d.stop()


@test
def reload_and_stop_many_times():
    """repeated HUPs keep one working listener; stop afterwards is clean"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root internal echo\n" % p)
    for i in range(5):
        m = d.hup()
        check(m.group(0).startswith("reload: 1 service"), m.group(0))
    if HAVE_PROC:
        n = len(os.listdir("/proc/%d/fd" % d.pid))
        for i in range(5):
            d.hup()
        check_eq(len(os.listdir("/proc/%d/fd" % d.pid)), n,
                 "open descriptors after 5 more reloads (leak?)")
    s = connect(p)
    s.sendall(b"x\n")
    check_eq(recv_exact(s, 2), b"x\n", "echo")
    s.close()
    d.stop()


@test
def full_fd_table():
    """full fd table: accept backs off (logged), daemon serves again later"""
    p, e = free_port(), free_port()

    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (24, 24))

    d = Daemon("127.0.0.1:%d stream tcp nowait root internal discard\n"
               "127.0.0.1:%d stream tcp nowait root internal echo\n"
               % (p, e), preexec_fn=low_limit)
    held = [connect(p) for _ in range(40)]
    # EMFILE's text differs between C libraries (glibc, musl).
    d.wait_log(r"^127\.0\.0\.1:%d/tcp: accept: "
               r"(Too many open files|No file descriptors available)$" % p)
    check(d.running(), "daemon still running with a full fd table")
    for s in held:
        s.close()
    s = connect(e)
    s.sendall(b"after\n")
    check_eq(recv_line(s), b"after\n", "echo once descriptors are free")
    s.close()
    d.stop()


def echo_services(count):
    """count distinct free ports, and a configuration with an echo on each"""
    ports = []
    while len(ports) < count:
        p = free_port()
        if p not in ports:
            ports.append(p)
    return ports, "".join("127.0.0.1:%d stream tcp nowait root internal "
                          "echo\n" % p for p in ports)


@test
def fd_limit_raised_for_many_services():
    """300 services with a soft descriptor limit of 64: the daemon raises it
    (up to the hard limit) and every service answers"""
    ports, conf = echo_services(300)

    def low_soft_limit():
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))

    d = Daemon(conf, preexec_fn=low_soft_limit)
    check_eq(d.services, 300, "services")
    d.wait_log(r"^descriptor limit raised to \d+$", pos=0)
    for p in (ports[0], ports[-1]):
        s = connect(p)
        s.sendall(b"x\n")
        check_eq(recv_line(s), b"x\n", "echo on port %d" % p)
        s.close()
    d.stop()


def check_fd_hard_limit(count, limit):
    """count services under a hard descriptor limit of limit: the limit is
    named, the services that found no descriptor are each logged and
    retried, and the others answer (listening sockets leave descriptors
    free for connections)"""
    ports, conf = echo_services(count)

    def low_hard_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    d = Daemon(conf, args=["-T", "60"], preexec_fn=low_hard_limit)
    check_eq(d.services, count, "services in the ready line")
    d.wait_log(r"^%d services need \d+ descriptors but the hard limit is "
               r"%d; some services will not open" % (count, limit), pos=0)
    # EMFILE's text differs between C libraries (glibc, musl).
    failed = set(int(m) for m in re.findall(
        r"^127\.0\.0\.1:(\d+)/tcp: socket 127\.0\.0\.1:\d+: (?:Too many open "
        r"files|No file descriptors available); retrying in 60 s$",
        d.log(), re.M))
    opened = [p for p in ports if p not in failed]
    check(limit - 64 < len(opened) < limit - 16,
          "%d of %d services opened, %d logged as out of descriptors"
          % (len(opened), count, len(failed)))
    for p in opened[:2] + opened[-2:]:
        s = connect(p)
        s.sendall(b"%d\n" % p)
        check_eq(recv_line(s), b"%d\n" % p, "echo on port %d" % p)
        s.close()
    for p in sorted(failed)[:3]:
        expect_refused(p)
    check(d.running(), "daemon still running")
    d.stop()


@test
def fd_hard_limit_too_low():
    """200 services under a hard descriptor limit of 100: some open, the
    rest are logged, and those that opened still serve"""
    check_fd_hard_limit(200, 100)


@test
def fd_hard_limit_too_low_parallel_start():
    """600 services under a hard descriptor limit of 300, opened on several
    threads where there are threads: as with fewer services"""
    check_fd_hard_limit(600, 300)


if __name__ == "__main__":
    run()
