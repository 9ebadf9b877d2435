#!/usr/bin/env python3
"""nowait services that start an external program; -l logging; exec errors."""

import os
import re
import signal
import socket
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F401,F403


def start(lines, **kw):
    """Start a daemon with services given as (port, rest-of-line) pairs."""
    conf = "".join("127.0.0.1:%d stream tcp nowait root %s\n" % (p, rest)
                   for p, rest in lines)
    return Daemon(conf, **kw)


def label(port):
    return r"127\.0\.0\.1:%d/tcp" % port


PEER_RE = re.compile(r"^pid=(\d+) peer=(\S+) fds=(\S*)\n$")


def check_peer(port):
    """Connect to a `testhelper peer` service: the child must see this
    client's address and hold only descriptors 0, 1 and 2."""
    s = connect(port)
    cport = s.getsockname()[1]
    out = recv_all(s).decode()
    s.close()
    m = PEER_RE.match(out)
    check(m, "unexpected peer output %r" % out)
    check_eq(m.group(2), "127.0.0.1:%d" % cport, "peer seen by the child")
    check_eq(m.group(3), "0,1,2", "open descriptors in the child")


def ignoring_parent():
    """Start the daemon as a parent that ignores and blocks signals would:
    ones pinetd handles itself (SIGUSR2, SIGPIPE) and ones it never touches
    (SIGQUIT and SIGINT, as in a shell's background job; SIGTTOU, SIGXFSZ).
    pinetd must give its children every one of them back at the default."""
    for sig in (signal.SIGUSR2, signal.SIGPIPE, signal.SIGQUIT,
                signal.SIGINT, signal.SIGTTOU, signal.SIGXFSZ):
        signal.signal(sig, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1, signal.SIGQUIT])


def check_proc(port):
    """Connect to a `testhelper proc` service: the child must lead its own
    session with no signal blocked or ignored."""
    s = connect(port)
    out = recv_all(s).decode()
    s.close()
    m = re.match(r"^pid=(\d+) sid=(\d+) pgid=(\d+) blocked=(\S*) "
                 r"ignored=(\S*)\n$", out)
    check(m, "unexpected proc output %r" % out)
    check_eq(m.group(2), m.group(1), "session id of the child (setsid)")
    check_eq(m.group(4), "", "blocked signals in the child")
    check_eq(m.group(5), "", "ignored signals in the child")


def check_missing(d, port):
    """Connect to a service whose program does not exist: EOF at once, the
    exec error logged, the daemon still running."""
    s = connect(port)
    check_eq(recv_all(s), b"", "data from the missing program's connection")
    s.close()
    d.wait_log(r"^%s: exec /nonexistent/pinetd-test-prog: "
               r"No such file or directory$" % label(port))
    check(d.running(), "daemon exited")


@test
def nowait_peer_and_fds():
    """nowait: child sees its real peer address and only fds 0,1,2"""
    p = free_port()
    others = [(free_port(), "internal echo") for _ in range(4)]
    start([(p, helper("peer"))] + others)
    check_peer(p)


@test
def nowait_stderr_is_the_socket():
    """nowait: the child's fd 2 is the connection too"""
    p = free_port()
    start([(p, helper("stderr"))])
    s = connect(p)
    out = recv_all(s).decode()
    s.close()
    check(re.match(r"^pid=\d+ stderr\n$", out), "output %r" % out)


@test
def nowait_log_connection_and_exit():
    """-l: 'connection from ADDR:PORT, pid N' and 'pid N exited, status 0'"""
    p = free_port()
    d = start([(p, helper("peer"))])
    s = connect(p)
    cport = s.getsockname()[1]
    out = recv_all(s).decode()
    s.close()
    m = PEER_RE.match(out)
    check(m, "unexpected peer output %r" % out)
    pid = int(m.group(1))
    d.wait_log(r"^%s: connection from 127\.0\.0\.1:%d, pid %d$"
               % (label(p), cport, pid))
    d.wait_log(r"^%s: pid %d exited, status 0$" % (label(p), pid))


@test
def nowait_exit_status_logged():
    """-l: a child exiting with status 3 logs 'exited, status 3'"""
    p = free_port()
    d = start([(p, helper("exit", 3))])
    s = connect(p)
    check_eq(recv_all(s), b"", "output of exit 3")
    s.close()
    m = d.wait_log(r"^%s: connection from 127\.0\.0\.1:\d+, pid (\d+)$"
                   % label(p))
    d.wait_log(r"^%s: pid %s exited, status 3$" % (label(p), m.group(1)))


@test
def nowait_killed_by_signal_logged():
    """-l: a child killed by SIGKILL logs 'killed by signal 9'"""
    p = free_port()
    d = start([(p, helper("sleep", 30))])
    s = connect(p)
    m = d.wait_log(r"^%s: connection from 127\.0\.0\.1:\d+, pid (\d+)$"
                   % label(p))
    pid = int(m.group(1))
    check(pid_alive(pid), "child %d not running" % pid)
    os.kill(pid, signal.SIGKILL)
    d.wait_log(r"^%s: pid %d killed by signal 9$" % (label(p), pid))
    s.close()


@test
def nowait_two_concurrent_clients():
    """nowait: two concurrent clients are served by two different processes"""
    p = free_port()
    d = start([(p, helper("echo-once"))])
    a = connect(p)
    b = connect(p)
    # Both children exist before either client sends anything.
    ms = [d.wait_log(r"^%s: connection from 127\.0\.0\.1:%d, pid (\d+)$"
                     % (label(p), c.getsockname()[1])) for c in (a, b)]
    a.sendall(b"line from a\n")
    b.sendall(b"line from b\n")
    ra = recv_all(a).decode()
    rb = recv_all(b).decode()
    ma = re.match(r"^pid=(\d+): line from a\n$", ra)
    mb = re.match(r"^pid=(\d+): line from b\n$", rb)
    check(ma and mb, "replies %r %r" % (ra, rb))
    check(ma.group(1) != mb.group(1), "both served by pid %s" % ma.group(1))
    check_eq(sorted([ma.group(1), mb.group(1)]),
             sorted([ms[0].group(1), ms[1].group(1)]), "pids vs log")
    a.close()
    b.close()


@test
def nowait_environment_inherited():
    """nowait: the child gets the daemon's environment, less the service
    manager's NOTIFY_SOCKET and LISTEN_* (meant for pinetd alone)"""
    p = free_port()
    env = dict(os.environ)
    env["PINETD_TEST_MARK"] = "marker value 42"
    # A service manager's variables are pinetd's own, not its servers'.
    env.update(NOTIFY_SOCKET="@pinetd-test-none", LISTEN_FDS="0",
               LISTEN_PID="1", LISTEN_FDNAMES="x")
    start([(p, helper("env"))], env=env)
    s = connect(p)
    out = recv_all(s).decode()
    s.close()
    check("PINETD_TEST_MARK=marker value 42" in out.split("\n"),
          "marker missing from child environment: %r" % out[:2000])
    for name in ("NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID",
                 "LISTEN_FDNAMES"):
        check(name + "=" not in out, "%s passed to the server" % name)


def child_env(port, host="127.0.0.1", family=None):
    """Connect, return (client address, the child's environment as a dict)."""
    s = connect(port, host=host, family=family)
    me = s.getsockname()
    out = recv_all(s).decode()
    s.close()
    return me, dict(l.split("=", 1) for l in out.split("\n") if "=" in l)


@test
def nowait_peer_environment():
    """nowait: REMOTE_ADDR/PORT, TCPREMOTE*/TCPLOCAL*, PROTO set; stale ones
    from the daemon's environment replaced"""
    p = free_port()
    env = dict(os.environ, REMOTE_ADDR="stale", TCPLOCALPORT="stale")
    start([(p, helper("env"))], env=env)
    me, e = child_env(p)
    want = {"PROTO": "TCP", "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_PORT": str(me[1]), "TCPREMOTEIP": "127.0.0.1",
            "TCPREMOTEPORT": str(me[1]), "TCPLOCALIP": "127.0.0.1",
            "TCPLOCALPORT": str(p)}
    for k, v in want.items():
        check_eq(e.get(k), v, k)


@test
def wildcard_local_environment():
    """a service on * learns its local address per connection; tcp46 gives
    IPv4 clients plain IPv4 addresses and PROTO=TCP, IPv6 ones PROTO=TCP6
    and the TCP6* names ucspi-tcp6 programs read (${PROTO}REMOTEIP)"""
    p, q = free_port(), free_port()
    conf = ("*:%d stream tcp nowait root %s\n" % (p, helper("env")))
    if have_ipv6():
        conf += "*:%d stream tcp46 nowait root %s\n" % (q, helper("env"))
    Daemon(conf)
    me, e = child_env(p)
    check_eq(e.get("TCPLOCALIP"), "127.0.0.1", "TCPLOCALIP on *")
    check_eq(e.get("TCPLOCALPORT"), str(p), "TCPLOCALPORT on *")
    if have_ipv6():
        me, e = child_env(q)
        check_eq(e.get("REMOTE_ADDR"), "127.0.0.1", "tcp46 REMOTE_ADDR")
        check_eq(e.get("PROTO"), "TCP", "tcp46 PROTO for an IPv4 client")
        check_eq(e.get("TCPREMOTEIP"), "127.0.0.1", "TCPREMOTEIP")
        check("TCP6REMOTEIP" not in e, "TCP6REMOTEIP for an IPv4 client")
        me, e = child_env(q, host="::1", family=socket.AF_INET6)
        check_eq(e.get("REMOTE_ADDR"), "::1", "tcp46 REMOTE_ADDR over ::1")
        check_eq(e.get("PROTO"), "TCP6", "tcp46 PROTO over ::1")
        for name, want in (("REMOTEIP", "::1"), ("REMOTEPORT", str(me[1])),
                           ("LOCALIP", "::1"), ("LOCALPORT", str(q))):
            check_eq(e.get("TCP6" + name), want, "TCP6" + name)
            check_eq(e.get("TCP" + name), want, "TCP" + name)


@test
def nowait_argv_passed():
    """nowait: argv[0] and the arguments come from the configuration"""
    p = free_port()
    start([(p, helper("args", "one", "two", argv0="custom-name"))])
    s = connect(p)
    out = recv_all(s).decode()
    s.close()
    check_eq(out, "argc=4 argv=custom-name|args|one|two\n", "child argv")


@test
def nowait_child_signals_and_session():
    """nowait: child has default, unblocked signals and its own session,
    started by vfork and by fork"""
    p = free_port()
    start([(p, helper("proc"))], preexec_fn=ignoring_parent)
    check_proc(p)
    # umask makes the child's set-up run between fork and exec: that path
    # resets them too.
    q = free_port()
    Daemon("service forked\n{\n\tsocket_type = stream\n\twait = no\n"
           "\tuser = root\n\tport = %d\n\tbind = 127.0.0.1\n"
           "\tserver = %s\n\tserver_args = proc\n\tumask = 022\n}\n"
           % (q, TESTHELPER), preexec_fn=ignoring_parent)
    check_proc(q)


@test
def missing_program():
    """missing server program: EOF, 'exec PATH: No such file...', still up"""
    p = free_port()
    q = free_port()
    d = start([(p, "/nonexistent/pinetd-test-prog prog"),
               (q, helper("peer"))])
    check_missing(d, p)
    s = connect(q)
    out = recv_all(s).decode()
    s.close()
    check(PEER_RE.match(out), "other service after exec failure: %r" % out)
    # And the broken one again: still handled the same way.
    s = connect(p)
    check_eq(recv_all(s), b"", "second connection to the missing program")
    s.close()
    check(d.running(), "daemon exited")


def dump_of(d, port):
    """Ask for a dump; return the service's line."""
    mark = d.pos()
    d.send(signal.SIGUSR1)
    return d.wait_log(r"^dump: %s: .*$" % label(port), pos=mark).group(0)


@test
def missing_program_counted_on_fork_path():
    """a server that cannot be run is counted 'failed', not 'accepted', in
    the dump also when it is started by fork (umask, a user switch): the
    forked child reports through a close-on-exec pipe (it was counted
    accepted, as if it had run); a server that runs is still accepted"""
    p, q = free_port(), free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root /nonexistent/pinetd-test-"
               "prog prog\n\tumask = 022\n"
               "127.0.0.1:%d stream tcp nowait root %s\n\tumask = 022\n"
               % (p, q, helper("peer")))
    check_missing(d, p)
    check_missing(d, p)
    wait_until(lambda: "accepted 0, refused 0, failed 2," in dump_of(d, p),
               what="'failed 2' in the dump")
    check(PEER_RE.match(answer(q)), "the good service's answer")
    wait_until(lambda: "accepted 1, refused 0, failed 0," in dump_of(d, q),
               what="'accepted 1' in the dump")
    d.stop()


@test
def console_fifo_without_reader():
    """a console that is a FIFO with no reader fails that server's start at
    once (ENXIO, logged, counted failed) instead of holding the vfork
    parent in the child's open, and every service with it (an echo beside
    it did not answer)"""
    d0 = tmpdir()
    fifo = os.path.join(d0, "fifo")
    os.mkfifo(fifo)
    # vfork, and posix_spawn (which cannot open without waiting: forked)
    for how in ("vfork", "posix_spawn"):
        p, q = free_port(), free_port()
        d = Daemon("127.0.0.1:%d stream tcp nowait root %s\n"
                   "\tconsole = %s\n"
                   "127.0.0.1:%d stream tcp nowait root internal echo\n"
                   % (p, helper("peer"), fifo, q),
                   env=dict(os.environ, PINETD_SPAWN=how))
        s = connect(p)
        check_eq(recv_all(s), b"", "the client of the failed start (%s)"
                 % how)
        s.close()
        check_echo(q, b"still here\n", "the echo beside it (%s)" % how)
        d.wait_log(r"^%s: console %s: No such device or address$"
                   % (label(p), re.escape(fifo)))
        wait_until(lambda: "accepted 0, refused 0, failed 1," in
                   dump_of(d, p), what="'failed 1' in the dump")
        d.stop()


@test
def early_retries_log_once():
    """a bind that fails because another program holds the address is
    logged once, not again at every early retry (each forked child's exec
    and each child's exit tries it again: it was logged each time)"""
    p, q = free_port(), free_port()
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", p))
    holder.listen(1)
    try:
        d = Daemon("127.0.0.1:%d stream tcp nowait root internal echo\n"
                   "127.0.0.1:%d stream tcp nowait root %s\n\tumask = 022\n"
                   % (p, q, helper("peer")), ready=False)
        d.wait_log(r"^ready: ")
        for i in range(10):
            check(PEER_RE.match(answer(q)), "a forked server's answer")
        wait_until(lambda: len(d.findall_log(r"^%s: pid \d+ exited"
                                             % label(q), pos=0)) == 10,
                   what="ten exits")
        # "Address already in use" (glibc), "Address in use" (musl)
        rx = r"^%s: bind 127\.0\.0\.1:%d: Address (already )?in use; " \
             r"retrying in 60 s$" % (label(p), p)
        check_eq(len(d.findall_log(rx, pos=0)), 1, "bind warnings")
        d.stop()
    finally:
        holder.close()


@test
def wait_fork_path_failure_backs_off():
    """a wait service on the fork path (umask) whose program cannot run
    waits a second before it starts another server, as on the vfork path
    (it restarted at once, forty times, then paused for 600 s): three
    failures take two pauses"""
    p = free_port()
    d = Daemon("127.0.0.1:%d dgram udp wait root /nonexistent/pinetd-test-"
               "prog prog\n\tumask = 022\n" % p)
    u = udp_socket()
    # Before the datagram: the two pauses come after t0 whatever the lag.
    t0 = time.monotonic()
    u.sendto(b"x", ("127.0.0.1", p))
    rx = (r"^127\.0\.0\.1:%d/udp: exec /nonexistent/pinetd-test-prog: "
          r"No such file or directory$" % p)
    d.wait_log(rx)
    wait_until(lambda: len(d.findall_log(rx, pos=0)) >= 3, timeout=15,
               what="the third failure")
    check(time.monotonic() - t0 >= 1.9, "three failures within %.3f s"
          % (time.monotonic() - t0))
    check(d.find_log(r"too many starts", pos=0) is None, "paused: %s"
          % d.log())
    u.close()
    d.stop()


@test
def reload_rebind_while_forked_children_start():
    """a reload that reopens a socket (its sndbuf changes) while forked
    children (umask: the fork path) are starting elsewhere: a child holds
    every listening socket until it executes its server, so the new bind
    can fail; it is tried again as soon as such a child has executed (it
    waited the whole -T interval, 60 s, refusing clients). Each of 60
    reloads must leave the socket answering within seconds."""
    import threading
    p, q = free_port(), free_port()
    conf = ("127.0.0.1:%d stream tcp,sndbuf=%%d nowait.0 root internal "
            "echo\n127.0.0.1:%d stream tcp nowait.0 root %s\n"
            "\tumask = 022\n" % (p, q, helper("peer")))
    d = Daemon(conf % 65536)
    stop = []

    def hammer():
        while not stop:
            try:
                c = connect(q)
                recv_all(c)
                c.close()
            except OSError:
                pass

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for i in range(60):
            write_file(d.conf, conf % (65536 if i % 2 else 131072))
            d.hup()
            wait_until(lambda: _answers(p), timeout=5,
                       what="the echo answering after reload %d" % i)
    finally:
        stop.append(1)
        for t in threads:
            t.join()
    d.stop()


def _answers(port):
    """Whether an echo on port answers now."""
    try:
        check_echo(port, b"x\n")
        return True
    except (OSError, Failure):
        return False


@test
def missing_program_warned_at_load():
    """each line whose program cannot be run is warned about at load, also
    after lines whose program was found (that check is cached per load)"""
    ports = [free_port() for _ in range(5)]
    missing = "/nonexistent/pinetd-test-prog prog"
    d = start([(ports[0], helper("peer")), (ports[1], missing),
               (ports[2], helper("peer")), (ports[3], missing),
               (ports[4], helper("peer"))])
    warned = [int(m.group(1)) for m in d.findall_log(
        r"^\S+:(\d+): 127\.0\.0\.1:\d+/tcp: server program "
        r"/nonexistent/pinetd-test-prog: No such file or directory$", pos=0)]
    check_eq(warned, [2, 4], "lines warned about")
    check_peer(ports[4])


@test
def no_zombies():
    """nowait: after several clients finish no <defunct> child remains"""
    if not HAVE_PROC:
        skip("no /proc to inspect children")
    p = free_port()
    d = start([(p, helper("peer")), (free_port(), helper("exit", 1))])
    pids = []
    for _ in range(8):
        s = connect(p)
        out = recv_all(s).decode()
        s.close()
        m = PEER_RE.match(out)
        check(m, "unexpected peer output %r" % out)
        pids.append(int(m.group(1)))
    for pid in pids:
        d.wait_log(r"^%s: pid %d exited, status 0$" % (label(p), pid))
    kids = children_of(d.pid)
    zombies = [k for k in kids if k[1] == "Z"]
    check(not zombies, "zombie children of the daemon: %r" % zombies)
    for pid in pids:
        check(proc_state(pid) is None, "child %d still exists (%s)"
              % (pid, proc_state(pid)))



@test
def posix_spawn_path():
    """PINETD_SPAWN=posix_spawn (the macOS/Cygwin way, tested here too):
    peer and fds 0-2 only, default signals (from a daemon started with
    some ignored), own session, exec errors logged"""
    p, q, m = free_port(), free_port(), free_port()
    env = dict(os.environ, PINETD_SPAWN="posix_spawn")
    d = start([(p, helper("peer")), (q, helper("proc")),
               (m, "/nonexistent/pinetd-test-prog prog")], env=env,
              preexec_fn=ignoring_parent)
    d.wait_log(r"^servers are started with posix_spawn \(PINETD_SPAWN\)$",
               pos=0)
    check_peer(p)
    check_proc(q)
    check_missing(d, m)


if __name__ == "__main__":
    run()
