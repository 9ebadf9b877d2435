#!/usr/bin/env python3
"""kdb+ under pinetd.exe (Wine): the fakeq fixture, cross-built, started per
connection with the socket as its standard handles, or as "q -p %PORT%"
behind the port hand-off; driven by tests/regress/kdbclient.py."""

import os

from winlib import *  # noqa: F401,F403
from kdbclient import Client, AccessDenied  # noqa: E402


def fakeq_body(args, extra=""):
    """The server lines of an xinetd block running fakeq.exe with args."""
    check(os.path.exists(FAKEQ), "fixture %s is missing" % FAKEQ)
    body = "server = %s\n\tserver_args = %s" % (
        winpath(FAKEQ), " ".join(str(a) for a in args))
    return body + ("\n\t" + extra if extra else "")


def label(name):
    return r"%s/tcp" % name


def started(d, lab, c):
    """The pid the daemon logged for client c's connection."""
    m = d.wait_log(r"%s: connection from 127\.0\.0\.1:%d, pid (\d+)"
                   % (lab, c.sock.getsockname()[1]), pos=0)
    return int(m.group(1))


def hopen(port, user="", password=""):
    c = Client(timeout=30)
    check_eq(c.hopen(port, user, password), 3, "capability byte")
    return c


@test
def socket_handoff_queries():
    """socket hand-off (xinetd block): 1+1, .z.i = logged pid, env, exit 0

    QHOME/QLIC come from env; SystemRoot is added by pinetd although an
    empty passenv gives the child a clean environment."""
    port = free_port()
    d = WineDaemon(xservice("kdbtaq", port, fakeq_body(
        ("C:\\q\\taq", "-s", 4, "-q", "-g", 1),
        "env = QHOME=C:\\q QLIC=C:\\q\n\tpassenv =")))
    c = hopen(port, "kdbuser", "pw")
    check_eq(c.sync("1+1"), 2, "1+1")
    check_eq(c.sync("40 + 2"), 42, "40 + 2")
    r = c.sync(".z.a")
    check(r == "nyi", ".z.a gave %r" % r)
    pid = c.sync(".z.i")
    check_eq(started(d, label("kdbtaq"), c), pid, "pid logged")
    check_eq(c.sync("getenv`QHOME"), "C:\\q", "QHOME")
    check_eq(c.sync("getenv`QLIC"), "C:\\q", "QLIC")
    check(c.sync("getenv`SystemRoot") != "", "SystemRoot not passed")
    check_eq(c.sync("getenv`REMOTE_ADDR"), "127.0.0.1", "REMOTE_ADDR")
    c.close()
    d.wait_log(r"%s: pid %d exited, status 0" % (label("kdbtaq"), pid),
               pos=0)
    d.stop()


@test
def socket_handoff_two_clients():
    """two concurrent clients: two q processes, two .z.i"""
    port = free_port()
    d = WineDaemon(xservice("kdbtaq", port, fakeq_body(("C:\\q\\taq",))))
    a, b = hopen(port), hopen(port)
    pa, pb = a.sync(".z.i"), b.sync(".z.i")
    check(isinstance(pa, int) and isinstance(pb, int),
          ".z.i gave %r %r" % (pa, pb))
    check(pa != pb, "both clients served by pid %d" % pa)
    a.close()
    d.wait_log(r"%s: pid %d exited, status 0" % (label("kdbtaq"), pa),
               pos=0)
    check_eq(b.sync("1+2"), 3, "b still served after a left")
    b.close()
    d.wait_log(r"%s: pid %d exited, status 0" % (label("kdbtaq"), pb),
               pos=0)
    d.stop()


@test
def users_file_bad_password():
    """-u users: a bad password is closed (exit 1), a good one served"""
    t = tmpdir()
    users = write_file(os.path.join(t, "users"), "alice:secret\nbob:pw2\n")
    port = free_port()
    d = WineDaemon(xservice("kdbauth", port, fakeq_body(
        ("C:\\q\\taq", "-u", winpath(users)))))
    c = Client(timeout=30)
    c.connect(port)
    pid = started(d, label("kdbauth"), c)
    c.sock.sendall(b"alice:wrong\3\0")
    check_eq(recv_all(c.sock, timeout=30), b"",
             "bytes after a refused handshake")
    c.close()
    d.wait_log(r"%s: pid %d exited, status 1" % (label("kdbauth"), pid),
               pos=0)
    c = Client(timeout=30)
    try:
        c.hopen(port, "mallory", "secret")
    except AccessDenied:
        pass
    else:
        raise Failure("hopen with unknown credentials succeeded")
    c = hopen(port, "bob", "pw2")
    check_eq(c.sync("1+1"), 2, "1+1 as bob")
    c.close()
    d.stop()


@test
def port_handoff_queries():
    """handoff = port (-p %PORT%): queries, one q per client, ended after

    fakeq.exe listens with its own Winsock socket; the daemon relays the
    client to it and ends it (TerminateProcess) once the client is gone."""
    port = free_port()
    d = WineDaemon(xservice("kdbport", port, fakeq_body(
        ("C:\\q\\taq", "-p", "%PORT%"), "handoff = port")))
    pids = []
    for _ in range(2):
        c = hopen(port, "kdbuser", "pw")
        check_eq(c.sync("1+1"), 2, "1+1 through the port relay")
        check_eq(c.sync("-5+3"), -2, "-5+3 through the port relay")
        pid = c.sync(".z.i")
        pids.append(pid)
        d.wait_log(r"%s: connection from 127\.0\.0\.1:\d+, pid %d"
                   % (label("kdbport"), pid), pos=0)
        c.close()
        d.wait_log(r"%s: pid %d (killed|exited)" % (label("kdbport"), pid),
                   pos=0)
    check(pids[0] != pids[1], "one server per connection")
    d.stop()


@test
def port_handoff_concurrent():
    """handoff = port: two clients at once get two listening servers"""
    port = free_port()
    d = WineDaemon(xservice("kdbport", port, fakeq_body(
        ("-p", "%PORT%"), "handoff = port")))
    a, b = hopen(port), hopen(port)
    pa, pb = a.sync(".z.i"), b.sync(".z.i")
    check(pa != pb, "both clients served by pid %d" % pa)
    check_eq(a.sync("2+2"), 4, "a")
    check_eq(b.sync("3+3"), 6, "b")
    a.close()
    b.close()
    # Wait for both ends: a server still in its grace period when the
    # daemon stops would be left listening.
    for pid in (pa, pb):
        d.wait_log(r"%s: pid %d (killed|exited)" % (label("kdbport"), pid),
                   pos=0)
    d.stop()


@test
def bsd_line_windows_q():
    """inetd.conf (-b): C:-style program path, q argv[0], env, console

    The line of doc/kdb.md's Windows section with the fixture's path."""
    port = free_port()
    conf = ("127.0.0.1:%d stream tcp nowait root %s q C:\\q\\tick\\srv.q -q\n"
            "\tenv = QHOME=C:\\q QLIC=C:\\q\n"
            "\tconsole = null\n" % (port, winpath(FAKEQ)))
    d = WineDaemon(conf, args=["-b"])
    check(d.find_log(r"user 'root' ignored") is None,
          "root must not be warned about")
    c = hopen(port)
    check_eq(c.sync("1+1"), 2, "1+1")
    check_eq(c.sync("getenv`QHOME"), "C:\\q", "QHOME")
    pid = c.sync(".z.i")
    check_eq(started(d, r"127\.0\.0\.1:%d/tcp" % port, c), pid,
             "pid logged")
    c.close()
    d.wait_log(r"127\.0\.0\.1:%d/tcp: pid %d exited, status 0" % (port, pid),
               pos=0)
    d.stop()


@test
def console_noise_on_socket():
    """-e: q's fds 1 and 2 are the socket too (the CRT's descriptor block)"""
    port = free_port()
    d = WineDaemon(xservice("kdbnoise", port, fakeq_body(("-e",))))
    c = hopen(port)
    noise = b"q console noise\n" * 2
    check_eq(recv_exact(c.sock, len(noise), timeout=30), noise,
             "bytes after the handshake")
    c.close()
    d.stop()


@test
def console_null_keeps_stream_clean():
    """-e with console = null: the noise goes to NUL, the stream is clean"""
    port = free_port()
    d = WineDaemon(xservice("kdbquiet", port, fakeq_body(
        ("C:\\q\\taq", "-e"), "console = null")))
    c = hopen(port)
    expect_silence(c.sock, 0.3)
    check_eq(c.sync("1+1"), 2, "1+1 after the noise")
    c.close()
    d.stop()


if __name__ == "__main__":
    run()
