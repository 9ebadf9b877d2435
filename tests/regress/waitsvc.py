#!/usr/bin/env python3
"""wait services: the listening socket itself is handed to one child."""

import os
import re
import signal
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F401,F403

UDP_RE = re.compile(rb"^pid=(\d+) got=(.*)$", re.S)


def udp_ask(sock, port, data):
    """Send data to udpwait on port; the pid that answered it. Late answers
    to earlier datagrams (a retry loop's) are passed over."""
    sock.sendto(data, ("127.0.0.1", port))
    deadline = time.monotonic() + 5
    while True:
        r = udp_recv(sock, max(0.01, deadline - time.monotonic()))
        check(r is not None, "no answer to %r" % data)
        m = UDP_RE.match(r)
        check(m, "unexpected answer %r" % r)
        if m.group(2) == data:
            return int(m.group(1))


def live_children(d):
    """The pids of the daemon's children that are not zombies (/proc)."""
    return [k for k, st in children_of(d.pid) if st != "Z"]


def kill_child(d, port, pid):
    """SIGKILL a child of the service on port and wait for the daemon to
    log it."""
    os.kill(pid, signal.SIGKILL)
    d.wait_log(r"^127\.0\.0\.1:%d/tcp: pid %d killed by signal 9$"
               % (port, pid))


def first_child(conf, port):
    """A daemon on conf, a client of port, and the one child it started
    (the client is the caller's to close)."""
    if not HAVE_PROC:
        skip("no /proc to find the children")
    d = Daemon(conf)
    c = connect(port)
    return d, c, wait_until(lambda: live_children(d), what="a child")[0]


def kill_children(d):
    for pid, _ in children_of(d.pid):
        kill_quietly(pid)


@test
def wait_dgram_one_child_then_next():
    """wait dgram: one child answers a burst; after it exits a new one starts"""
    p = free_port()
    d = Daemon("127.0.0.1:%d dgram udp wait root %s\n" % (p, helper("udpwait")))
    u = udp_socket()
    a1 = udp_ask(u, p, b"one")
    a2 = udp_ask(u, p, b"two")
    check_eq(a2, a1, "pid answering the second datagram")
    # No second answer: only one process owns the socket.
    check(udp_recv(u, 0.3) is None, "a second answer arrived")
    d.wait_log(r"^127\.0\.0\.1:%d/udp: pid %d exited, status 0$" % (p, a1))
    b = udp_ask(u, p, b"three")
    check(b != a1, "datagram after the child exited served by old pid %d" % b)
    d.wait_log(r"^127\.0\.0\.1:%d/udp: pid %d exited, status 0$" % (p, b))
    u.close()


@test
def wait_dgram_access_list():
    """wait dgram program with only_from: as in xinetd, a datagram from
    another address is dropped and counted, and starts no server (it was
    handed to one, which answered); an allowed one starts the server"""
    p = free_port()
    d = Daemon("127.0.0.1:%d dgram udp wait root %s\n"
               "\tonly_from = 127.0.0.2\n" % (p, helper("udpwait")),
               dlflags=("-d", "-l"))
    bad = udp_socket("127.0.0.1")
    bad.sendto(b"refused", ("127.0.0.1", p))
    mark = d.pos()
    d.send(signal.SIGUSR1)
    d.wait_log(r"^dump: 127\.0\.0\.1:%d/udp: .*accepted 0, refused 1, "
               r"failed 0, running 0$" % p, pos=mark)
    check(d.find_log(r"started pid", pos=0) is None, "a server started")
    good = udp_socket("127.0.0.2")
    pid = udp_ask(good, p, b"allowed")
    d.wait_log(r"^127\.0\.0\.1:%d/udp: started pid %d$" % (p, pid))
    check(udp_recv(bad, 0.01) is None, "the refused client got an answer")
    bad.close()
    good.close()
    d.stop()


@test
def wait_dgram_datagram_queued_while_child_runs():
    """wait dgram: a datagram from another client is answered by the same child"""
    p = free_port()
    Daemon("127.0.0.1:%d dgram udp wait root %s\n" % (p, helper("udpwait")))
    u1 = udp_socket()
    u2 = udp_socket()
    a = udp_ask(u1, p, b"first client")
    b = udp_ask(u2, p, b"second client")
    check_eq(b, a, "pid answering the second client")
    u1.close()
    u2.close()


@test
def wait_stream_access_attributes_warned():
    """only_from, no_access, access_times and max_load on a wait stream
    program are a warning naming each line at load, since its server
    accepts and they cannot apply (they were silently not applied); on a
    nowait service they are no warning"""
    p = free_port()
    attrs = ("\tonly_from = 127.0.0.1\n\tno_access = 10.0.0.1\n"
             "\taccess_times = 00:00-23:59\n\tmax_load = 100\n")
    conf = write_conf("127.0.0.1:%d stream tcp wait root %s\n" % (
        p, helper("streamwait")) + attrs + "127.0.0.1:%d stream tcp nowait "
        "root internal echo\n" % free_port() + attrs)
    rc, out, err = run_pinetd(["-n", conf])
    check_eq(rc, 0, "pinetd -n status (stderr %r)" % err)
    for line, name in ((2, "only_from"), (3, "no_access"),
                       (4, "access_times"), (5, "max_load")):
        check(re.search(r":%d: %s does not apply to a wait stream program, "
                        r"whose server accepts its own connections; "
                        r"ignored\n" % (line, name), err),
              "no warning for %s in %r" % (name, err))
    check_eq(len(re.findall("does not apply", err)), 4, "warnings")


@test
def reload_of_busy_udp_wait_keeps_one_server():
    """a reload that changes the socket of a UDP wait service whose server
    runs (rcvbuf) makes the new socket once that server exits: meanwhile
    its datagrams still go to that server, and one server runs (the new
    socket bound beside the server's and a second server started)"""
    p = free_port()
    line = "127.0.0.1:%d dgram udp,rcvbuf=%s wait root %s\n"
    # The server outlives the reload by idling 3 s, not 1.
    d = Daemon(line % (p, "64k", helper("udpwait", 3)))
    u = udp_socket()
    first = udp_ask(u, p, b"before")
    write_file(d.conf, line % (p, "128k", helper("udpwait", 3)))
    check(re.search(r"1 changed", d.hup().group(0)), "reload changed it")
    check_eq(udp_ask(u, p, b"after"), first, "pid answering after reload")
    check_eq(d.counters(r"127\.0\.0\.1:%d/udp" % p), (1, 0, 0),
             "accepted, refused, failed")
    d.wait_log(r"^127\.0\.0\.1:%d/udp: pid %s exited, status 0$"
               % (p, first), timeout=15)
    check(udp_ask(u, p, b"new socket") != first, "a new server")
    u.close()
    d.stop()


@test
def busy_udp_wait_removed_and_added_back():
    """a UDP wait service removed by a reload while its server runs, and
    added back by the next, does not bind beside that server: datagrams
    still reach it, one server runs, and a new socket is made once it
    exits (with SO_REUSEADDR the new socket bound beside the server's and
    a second server answered)"""
    p = free_port()
    line = "127.0.0.1:%d dgram udp wait root %s\n" % (p,
                                                      helper("udpwait", 3))
    other = "127.0.0.1:%d stream tcp nowait root internal echo\n" % (
        free_port())
    d = Daemon(line + other)
    u = udp_socket()
    first = udp_ask(u, p, b"before")
    write_file(d.conf, other)
    d.hup()
    write_file(d.conf, line + other)
    d.hup()
    check_eq(udp_ask(u, p, b"after"), first, "pid answering after reloads")
    d.wait_log(r"^127\.0\.0\.1:%d/udp: pid %s exited, status 0$"
               % (p, first), timeout=15)
    # The bind that found the address in use is retried at that exit.
    deadline = time.monotonic() + 10
    while udp_query(p, b"again", timeout=0.5, sock=u) is None:
        check(time.monotonic() < deadline, "no new socket answers")
    check(udp_ask(u, p, b"new server") != first, "a new server")
    u.close()
    d.stop()


@test
def deferred_reopen_dropped_by_a_move():
    """a reopen deferred while a wait server ran (rcvbuf changed) is
    dropped when a later reload moves the service: the next server's exit
    does not close the new socket again"""
    p, q = free_port(), free_port()
    block = ("service wd\n{\n\ttype = UNLISTED\n\tsocket_type = dgram\n"
             "\tprotocol = udp\n\twait = yes\n\tuser = root\n"
             "\tport = %d\n\tbind = 127.0.0.1\n\trcvbuf = %d\n"
             "\tserver = %s\n\tserver_args = udpwait 3\n}\n")
    d = Daemon(block % (p, 65536, TESTHELPER))
    u = udp_socket()
    first = udp_ask(u, p, b"A")
    write_file(d.conf, block % (p, 131072, TESTHELPER))
    d.hup()
    write_file(d.conf, block % (q, 131072, TESTHELPER))
    d.hup()
    d.wait_log(r"^wd/udp: pid %s exited" % first, timeout=15)
    second = udp_ask(u, q, b"B")
    mark = d.pos()
    d.wait_log(r"^wd/udp: pid %s exited" % second, timeout=15)
    check(not d.find_log(r"listening on", mark), "reopened after a move")
    check(udp_ask(u, q, b"C") not in (first, second), "a third server")
    u.close()
    d.stop()


@test
def wait_stream_each_connection_new_child():
    """wait stream: each connection is accepted by a new child after the last exits"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp wait root %s\n"
               % (p, helper("streamwait")))
    # Both clients are queued on the listening socket at once.
    c1 = connect(p)
    c2 = connect(p)
    r1 = recv_all(c1).decode()
    r2 = recv_all(c2).decode()
    c1.close()
    c2.close()
    m1 = re.match(r"^pid=(\d+) accepted\n$", r1)
    m2 = re.match(r"^pid=(\d+) accepted\n$", r2)
    check(m1 and m2, "replies %r %r" % (r1, r2))
    check(m1.group(1) != m2.group(1), "both accepted by pid %s" % m1.group(1))
    for m in (m1, m2):
        d.wait_log(r"^127\.0\.0\.1:%d/tcp: pid %s exited, status 0$"
                   % (p, m.group(1)))
    c3 = connect(p)
    r3 = recv_all(c3).decode()
    c3.close()
    m3 = re.match(r"^pid=(\d+) accepted\n$", r3)
    check(m3, "third reply %r" % r3)
    check(m3.group(1) not in (m1.group(1), m2.group(1)), "pid reused")


@test
def wait_stream_not_watched_while_child_runs():
    """wait stream: while the child runs the daemon starts no other process"""
    if not HAVE_PROC:
        skip("no /proc to count children")
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp wait root %s\n"
               % (p, helper("sleep", 30)))
    # The child sleeps with the listening socket and never accepts, so the
    # socket stays readable; a daemon still watching it would spawn again.
    c1 = connect(p)
    try:
        kids = wait_until(lambda: live_children(d), what="a child")
        expect_silence(c1, 0.5)
        check_eq(live_children(d), kids, "children while the wait child runs")
        kill_child(d, p, kids[0])
    finally:
        c1.close()
        kill_children(d)


@test
def wait_exec_failure_counted():
    """a wait service whose program cannot be run: the failure is logged,
    counted as failed in the dump (a wait service counted nothing), and
    the daemon goes on"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp wait root "
               "/nonexistent/pinetd-test-prog prog\n" % p)
    s = connect(p)
    d.wait_log(r"exec /nonexistent/pinetd-test-prog: No such file")
    mark = d.pos()
    d.send(signal.SIGUSR1)
    d.wait_log(r"^dump: 127\.0\.0\.1:%d/tcp: .*accepted 0, refused 0, "
               r"failed [1-9]\d*, running 0$" % p, pos=mark)
    s.close()
    d.stop()


@test
def reuseport_while_wait_child_holds_socket():
    """rp, added by a reload while a wait server holds the socket: the
    socket is made anew, with SO_REUSEPORT, once that server exits, not
    beside it (the new socket failed to bind and waited for a retry; a UDP
    one bound beside it and a second server could start)"""
    p = free_port()
    line = "127.0.0.1:%d stream tcp wait root %s\n" % (p, helper("sleep", 2))
    d = Daemon(line)
    s = connect(p)
    m = d.wait_log(r"^127\.0\.0\.1:%d/tcp: started pid (\d+)$" % p)
    write_file(d.conf, "rp," + line)
    mark = d.pos()
    d.hup()
    d.wait_log(r"pid %s exited" % m.group(1), pos=mark)
    s.close()
    wait_connectable(p)
    check(not d.find_log(r"in use", mark), "a bind beside the server")
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    t.bind(("127.0.0.1", p))     # only beside an SO_REUSEPORT socket
    t.close()
    d.stop()


@test
def inuse_survives_a_changing_reload():
    """a socket whose bind waits for a wait server to let the address go
    (a service on * takes the port of a busy wait service removed from
    127.0.0.1)
    binds as soon as that server exits, also after a reload that changed
    the new service without reopening it (that reload dropped that the
    address was in use, and the bind waited out the whole 60 s)"""
    p, q = free_port(), free_port()
    d = Daemon("127.0.0.1:%d stream tcp wait root %s\n"
               % (p, helper("sleep", 30)))
    s = connect(p)
    m = d.wait_log(r"^127\.0\.0\.1:%d/tcp: started pid (\d+)$" % p)
    moved = ("127.0.0.1:%d stream tcp wait root %s\n"
             % (q, helper("sleep", 30)))
    write_file(d.conf, moved + "*:%d stream tcp nowait root internal "
               "echo\n" % p)
    mark = d.pos()
    d.hup()
    d.wait_log(r"bind 0\.0\.0\.0:%d: .*in use; retrying in 60 s$" % p,
               pos=mark)
    write_file(d.conf, moved + "*:%d stream tcp nowait root internal "
               "echo\n\tenv = X=1\n" % p)
    check(re.search(r"1 changed", d.hup().group(0)), "reload line")
    kill_quietly(int(m.group(1)))
    d.wait_log(r"pid %s killed by signal" % m.group(1), pos=mark)
    s.close()
    wait_connectable(p, timeout=20)
    check_echo(p, b"the new service\n")
    d.stop()


@test
def wait_to_nowait_while_child_runs():
    """a reload turns a wait service into nowait while its child holds the
    socket: when that child exits the daemon takes the socket back and
    serves the client that queued meanwhile with the new nowait server"""
    p = free_port()
    d, c1, kid = first_child("127.0.0.1:%d stream tcp wait root %s\n"
                             % (p, helper("sleep", 30)), p)
    try:
        write_file(d.conf, "127.0.0.1:%d stream tcp nowait root %s\n"
                   % (p, helper("echo-once")))
        check(re.search(r"1 changed", d.hup().group(0)), "reload line")
        kill_child(d, p, kid)
        c1.sendall(b"queued\n")
        check(recv_all(c1).endswith(b": queued\n"),
              "the queued client served by the nowait server")
        check_echo_once(p)
    finally:
        c1.close()
        kill_children(d)


def check_echo_once(port):
    s = connect(port)
    s.sendall(b"next\n")
    check(recv_all(s).endswith(b": next\n"), "a new client served")
    s.close()


@test
def nowait_to_wait_old_child_exits():
    """a reload turns a nowait service into wait while a nowait child runs:
    that child's exit must not give the socket back to the daemon while the
    new wait child holds it (a second wait child would start)"""
    p = free_port()
    d, c1, old = first_child("127.0.0.1:%d stream tcp nowait root %s\n"
                             % (p, helper("sleep", 30)), p)
    c2 = None
    try:
        write_file(d.conf, "127.0.0.1:%d stream tcp wait root %s\n"
                   % (p, helper("sleep", 30)))
        check(re.search(r"1 changed", d.hup().group(0)), "reload line")
        # The wait child sleeps with the socket and never accepts, so it
        # stays readable; a daemon watching it again would spawn again.
        c2 = connect(p)
        new = wait_until(lambda: [k for k in live_children(d) if k != old],
                         what="the wait child")
        kill_child(d, p, old)
        expect_silence(c2, 0.5)
        check_eq(live_children(d), new, "children while the wait child runs")
    finally:
        c1.close()
        if c2 is not None:
            c2.close()
        kill_children(d)


def xwait(port):
    """An xinetd wait service "ws" on port whose child sleeps with the
    listening socket and never accepts."""
    return ("service ws\n{\n\tsocket_type = stream\n\twait = yes\n"
            "\tuser = root\n\tport = %d\n\tbind = 127.0.0.1\n"
            "\tserver = %s\n\tserver_args = sleep 30\n}\n"
            % (port, TESTHELPER))


@test
def xinetd_wait_dgram_cps_stops_restarts():
    """xinetd format, udp wait, a server that exits without reading its
    datagram: the datagram stays queued and starts server after server,
    until cps pauses the service (every xinetd service now has one: 50 10
    by default, as sigusr1_dump in xinetd.py checks; 5 here, so that even
    a slow sanitizer build reaches it). The rate is counted per calendar
    second, so at most 2 x 5 + 1 start before the pause"""
    p = free_port()
    d = Daemon("service wd\n{\n\tsocket_type = dgram\n\tprotocol = udp\n"
               "\twait = yes\n\tuser = root\n\tport = %d\n"
               "\tbind = 127.0.0.1\n\tserver = %s\n\tserver_args = exit 0\n"
               "\tcps = 5 10\n}\n" % (p, TESTHELPER))
    u = udp_socket()
    u.sendto(b"never read", ("127.0.0.1", p))
    u.close()
    d.wait_log(r"^wd/udp: more than 5 connections per second; paused for "
               r"10 s$")
    starts = len(d.findall_log(r"^wd/udp: started pid \d+$", pos=0))
    check(0 < starts <= 11, "%d servers started before the pause" % starts)
    # The datagram that tripped it is dropped with the socket: refused 1
    # (it was 0, dropped uncounted).
    check_eq(d.counters(r"wd/udp")[:2], (starts, 1), "accepted and refused")
    d.stop()


@test
def wait_moved_while_child_runs():
    """a reload moves a wait service to another port while its child holds
    the old socket: when that child exits, the new socket (held by a new
    child by then) is not watched again, so no second child starts"""
    p, q = free_port(), free_port()
    d, c1, old = first_child(xwait(p), p)
    c2 = None
    try:
        write_file(d.conf, xwait(q))
        check_eq(d.hup().group(0),
                 "reload: 1 services (0 added, 1 changed, 0 removed)",
                 "reload line")
        c2 = connect(q)
        new = wait_until(lambda: [k for k in live_children(d) if k != old],
                         what="the child on the new port")
        os.kill(old, signal.SIGKILL)
        d.wait_log(r"^ws/tcp: pid %d killed by signal 9$" % old)
        expect_silence(c2, 0.5)
        check_eq(live_children(d), new, "children after the old one left")
    finally:
        c1.close()
        if c2 is not None:
            c2.close()
        kill_children(d)


if __name__ == "__main__":
    run()
