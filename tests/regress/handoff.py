#!/usr/bin/env python3
"""Hand-off modes for programs that cannot use a socket as stdio: pipe (the
server gets pipes the daemon relays) and port (the server listens on %PORT%
and the daemon relays the client to it); both end the server with the
client."""

import os
import pwd
import re
import socket
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F401,F403
from kdbclient import Client  # noqa: E402

FAKEQ = os.path.abspath(os.environ.get("FAKEQ", "./tests/helpers/fakeq"))
CAT = "/bin/cat" if os.path.exists("/bin/cat") else "/usr/bin/cat"


def entry(port, rest, mode):
    return ("127.0.0.1:%d stream tcp nowait root %s\n\thandoff = %s\n"
            % (port, rest, mode))


@test
def pipe_mode_stdio_is_pipes():
    """handoff = pipe: the server's fds 0-2 are pipes, and a line round
    trip works through them"""
    p, q = free_port(), free_port()
    d = Daemon(entry(p, helper("fdtypes"), "pipe")
               + entry(q, helper("echo-once"), "pipe"))
    s = connect(p)
    check_eq(recv_all(s), b"0=fifo 1=fifo 2=fifo\n", "fd types")
    s.close()
    s = connect(q)
    s.sendall(b"through pipes\n")
    check(re.match(rb"^pid=\d+: through pipes\n$", recv_all(s)),
          "echo-once through pipes")
    s.close()
    d.stop()


@test
def pipe_mode_bulk_and_half_close():
    """handoff = pipe with /bin/cat: 1 MiB comes back byte-exact, and the
    client's half-close reaches cat as end of input"""
    p = free_port()
    d = Daemon(entry(p, "%s cat" % CAT, "pipe"))
    import threading
    payload = os.urandom(1 << 20)
    s = connect(p)

    def send_then_half_close():
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)

    th = threading.Thread(target=send_then_half_close, daemon=True)
    th.start()
    got = recv_all(s, timeout=30)
    th.join(10)
    check(got == payload, "1 MiB echoed exactly (%d bytes back)" % len(got))
    s.close()
    d.wait_log(r"pid \d+ exited, status 0$")
    d.stop()


THIEF = """import os, socket, sys, time
port, user = int(sys.argv[1]), sys.argv[2]
if user != "-":
    import pwd
    pw = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(pw.pw_gid)
    os.setuid(pw.pw_uid)
s = socket.socket()
s.bind(("127.0.0.1", port))
s.listen(1)
c = s.accept()[0]
c.sendall(b"from uid %d\\n" % os.getuid())
time.sleep(30)
"""


@test
def port_mode_listener_of_another_user():
    """handoff = port relays a client only to a listener of the server's
    own user (Linux, from /proc/net/tcp): one of another user on %PORT% (a
    local user who bound the port before q would have received the
    client's login) gets nothing, the client is closed and the server
    ended; one of the server's user, root's or another's by 'user', is
    relayed"""
    if not IS_ROOT:
        skip("a listener of another user needs root")
    if not os.path.exists("/proc/net/tcp"):
        skip("no /proc/net/tcp: the owner of a port is not checked here")
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        skip("no user 'nobody'")
    script = os.path.join(tmpdir(), "thief.py")
    write_file(script, THIEF)
    os.chmod(os.path.dirname(script), 0o755)
    os.chmod(script, 0o644)
    # nobody must be able to run it: the system's python, not a private one.
    py = "/usr/bin/python3"
    if not os.path.exists(py):
        skip("no %s" % py)
    p, q, r = free_port(), free_port(), free_port()
    line = "127.0.0.1:%d stream tcp nowait %s %s python3 %s %%PORT%% %s\n" \
        "\thandoff = port\n"
    d = Daemon(line % (p, "root", py, script, "nobody")
               + line % (q, "root", py, script, "-")
               + line % (r, "nobody", py, script, "-"))
    s = connect(p)
    check_eq(recv_all(s, timeout=15), b"", "bytes from another user's "
             "listener")
    s.close()
    m = d.wait_log(r"^127\.0\.0\.1:%d/tcp: port (\d+) is held by uid %d, "
                   r"not the server's uid 0; client of pid (\d+) closed$"
                   % (p, nobody.pw_uid))
    d.wait_log(r"^127\.0\.0\.1:%d/tcp: pid %s (exited|killed)" % (p, m.group(2)))
    check_eq(d.counters(r"127\.0\.0\.1:%d/tcp" % p), (0, 0, 1),
             "accepted, refused, failed")
    for port, uid in ((q, 0), (r, nobody.pw_uid)):
        s = connect(port)
        check_eq(recv_line(s, timeout=15), b"from uid %d\n" % uid,
                 "relayed from the server's own listener")
        s.close()
    d.stop()


@test
def port_mode_q_per_connection():
    """handoff = port: q (fakeq -p %PORT%) listens on a free loopback port,
    the client is relayed to it; two clients, two processes; the server is
    ended when its client goes"""
    p = free_port()
    d = Daemon(entry(p, "%s fakeq /db -p %%PORT%%" % FAKEQ, "port"))
    pids = []
    for _ in range(2):
        c = Client()
        c.hopen(p)
        check_eq(c.sync("1+1"), 2, "1+1 through the port relay")
        pid = c.sync(".z.i")
        pids.append(pid)
        d.wait_log(r"connection from 127\.0\.0\.1:\d+, pid %d$" % pid, pos=0)
        c.close()
        d.wait_log(r"pid %d (killed by signal 15|exited)" % pid, pos=0)
    check(pids[0] != pids[1], "one server per connection")
    d.stop()


@test
def port_mode_servers_end_with_the_daemon():
    """stopping the daemon ends its port-mode servers: one whose client is
    still connected, and one in its grace period after its client left"""
    p = free_port()
    d = Daemon(entry(p, "%s fakeq /db -p %%PORT%%" % FAKEQ, "port"))
    pids, clients = [], []
    for _ in range(2):
        c = Client()
        c.hopen(p)
        pids.append(c.sync(".z.i"))
        clients.append(c)
    clients[1].close()
    d.stop()
    for pid in pids:
        wait_pid_gone(pid)
    clients[0].close()


@test
def pipe_mode_relay_counts_after_its_server():
    """a relay still holding a server's output for a client that does not
    read counts against per_source and instances once its server has
    exited, as the server did (one client could keep any number of them,
    and their descriptors: 40 connections took 120 descriptors past
    per_source = 1)"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root /bin/sh sh -c "
               "\"head -c 1048576 /dev/zero\"\n\thandoff = pipe\n"
               "\tper_source = 1\n" % p)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", p))
    d.wait_log(r"pid \d+ exited, status 0$")
    got = len(recv_all(connect(p)))
    check(got == 0, "a second client while the first's relay holds output "
          "got %d bytes" % got)
    d.wait_log(r"refused: per_source limit$")
    s.close()
    # The relay ends with its client; the next one is served in full.
    wait_until(lambda: len(recv_all(connect(p))) == 1048576,
               what="a client served once the first has gone")
    d.stop()


@test
def port_mode_every_port_replaced():
    """each %PORT% in an argument is replaced, not only the first"""
    p = free_port()
    out = os.path.join(tmpdir(), "args")
    d = Daemon(entry(p, '/bin/sh sh -c "echo %%PORT%%,%%PORT%% > %s; exec '
                     '%s fakeq /db -p %%PORT%%"' % (out, FAKEQ), "port"))
    c = Client()
    c.hopen(p)
    check_eq(c.sync("1+1"), 2, "1+1 through the port relay")
    c.close()
    text = open(out).read()
    check(re.match(r"^(\d+),\1\n$", text), "arguments seen: %r" % text)
    d.stop()


def q_served_and_left(port):
    """Open a kdb+ handle to port, note its server's pid, close it."""
    c = Client()
    c.hopen(port)
    pid = c.sync(".z.i")
    c.close()
    return pid


def killed_line(port, pid):
    return (r"^127\.0\.0\.1:%d/tcp: hand-off server pid %d still running 5 s "
            r"after SIGTERM; killed$" % (port, pid))


@test
def port_mode_server_ignoring_sigterm_is_killed():
    """a port-mode server that ignores SIGTERM is killed (SIGKILL) a few
    seconds after it was asked to end, and that is logged; it kept its
    instance slot for ever, so with nowait/1 every later client was
    refused. The line names the service as it is called when it is
    written: a reload in between that gives the name a second address
    puts the address in front (it kept the label of the connection's
    time)"""
    p = free_port()
    stub = write_file(os.path.join(tmpdir(), "stubq"),
                      "#!/bin/sh\ntrap '' TERM\nexec %s \"$@\"\n" % FAKEQ)
    os.chmod(stub, 0o755)
    entry = ("%d stream tcp nowait/1 root %s fakeq /db -p %%PORT%%\n"
             "\thandoff = port\n" % (p, stub))
    d = Daemon("127.0.0.1:" + entry)
    pid = q_served_and_left(p)
    d.wait_log(killed_line(p, pid), timeout=20)
    d.wait_log(r"pid %d killed by signal 9$" % pid)
    pid = q_served_and_left(p)
    d.wait_log(killed_line(p, pid), timeout=20)
    d.stop()
    d = Daemon("127.0.0.1:\n" + entry)
    pid = q_served_and_left(p)
    write_file(d.conf, "127.0.0.1:\n" + entry + "127.0.0.2:\n%d stream tcp "
               "nowait root internal echo\n" % p)
    d.hup()
    d.wait_log(killed_line(p, pid), timeout=20)
    d.stop()


@test
def server_ignoring_sigterm_ended_at_shutdown():
    """stopping the daemon ends a hand-off server that ignores SIGTERM: it
    is killed 5 s after being asked, before the daemon exits, and that is
    logged (it outlived the daemon)"""
    p = free_port()
    stub = write_file(os.path.join(tmpdir(), "stubq"),
                      "#!/bin/sh\ntrap '' TERM\nexec %s \"$@\"\n" % FAKEQ)
    os.chmod(stub, 0o755)
    d = Daemon("127.0.0.1:%d stream tcp nowait root %s fakeq /db -p %%PORT%%"
               "\n\thandoff = port\n" % (p, stub))
    c = Client()
    c.hopen(p)
    pid = c.sync(".z.i")
    t = time.monotonic()
    d.stop()
    took = time.monotonic() - t
    check(4 <= took < 15, "the daemon took %.1f s to stop" % took)
    check(d.find_log(r"^hand-off server pid %d still running 5 s after "
                     r"SIGTERM at shutdown; killed$" % pid, 0),
          "no line about the kill")
    try:
        os.kill(pid, 0)
        raise Failure("hand-off server %d outlived the daemon" % pid)
    except ProcessLookupError:
        pass
    c.close()


def check_never_accepted(d, p):
    """One client of a port-mode server that never listens: closed,
    logged, counted failed once and not accepted; stops the daemon."""
    s = connect(p)
    check_eq(recv_all(s, timeout=15), b"", "client closed")
    s.close()
    d.wait_log(r"never accepted on port \d+$")
    check_eq(d.counters(r"\S+"), (0, 0, 1), "accepted, refused, failed")
    d.stop()


@test
def port_mode_server_never_listens():
    """a port-mode server that exits without listening: the client is
    closed, it is logged, and counted as failed, not accepted"""
    p = free_port()
    d = Daemon(entry(p, helper("args", "%PORT%"), "port"))
    check_never_accepted(d, p)


@test
def port_mode_exec_failure_counted_once():
    """a port-mode server whose exec fails (started by fork, as another
    user) is counted failed once: by its exec report, not again when the
    hand-off gives up on it (failed 2 for one connection)"""
    if not IS_ROOT:
        skip("running a server as nobody needs root")
    prog = os.path.join(tmpdir(), "noexec")
    write_file(prog, "#!/bin/sh\nexit 0\n")
    os.chmod(prog, 0o644)
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait nobody %s noexec %%PORT%%\n"
               "\thandoff = port\n" % (p, prog))
    check_never_accepted(d, p)


@test
def handoff_config_errors():
    """handoff = port without %PORT%, on a built-in, or an unknown mode"""
    p = free_port()
    cases = [
        (entry(p, helper("env"), "port"), "handoff = port needs %PORT%"),
        (entry(p, "internal echo", "pipe"), "handoff = pipe needs a nowait "
         "stream service that runs a program"),
        (entry(p, helper("env"), "carrier-pigeon"),
         "handoff wants 'socket', 'pipe' or 'port', not 'carrier-pigeon'"),
    ]
    for text, want in cases:
        rc, out, err = run_pinetd(["-n", write_conf(text)])
        check(rc == 1 and want in err, "%r in %r" % (want, err))


if __name__ == "__main__":
    run()
