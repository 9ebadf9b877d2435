#!/usr/bin/env python3
"""kdb+ under pinetd: tests/helpers/fakeq (a q stand-in speaking the kdb+ IPC
protocol on fds 0-2) started per connection by the real daemon, driven by
kdbclient.py over TCP, Unix-domain paths and abstract names."""

import os
import re
import socket
import stat
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F401,F403
from kdbclient import (Client, QError, AccessDenied,  # noqa: E402
                       encode_chars, encode_message, ASYNC)

FAKEQ = os.path.abspath(
    os.environ.get("FAKEQ", "./tests/helpers/fakeq"))


def fakeq(*args):
    """The program and argv fields running fakeq, as q would be run."""
    check(os.access(FAKEQ, os.X_OK), "fixture %s is missing" % FAKEQ)
    return " ".join([FAKEQ, "fakeq"] + [str(a) for a in args])


def tcp_service(args=("/some/db", "-s", 4), wait="nowait", **kw):
    """A daemon running the kdb+ docs' line with fakeq; returns (d, port)."""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp %s root %s\n"
               % (p, wait, fakeq(*args)), **kw)
    return d, p


def label(port):
    return r"127\.0\.0\.1:%d/tcp" % port


def started(d, lab, c):
    """The pid the daemon logged for client socket c (TCP)."""
    m = d.wait_log(r"^%s: connection from 127\.0\.0\.1:%d, pid (\d+)$"
                   % (lab, c.sock.getsockname()[1]))
    return int(m.group(1))


@test
def docs_line_one_plus_one():
    """the kdb+ docs' inetd.conf line with fakeq: handshake 3, 1+1 -> 2"""
    d, p = tcp_service()
    c = Client()
    check_eq(c.hopen(p, "kdbuser", "pw"), 3, "capability byte")
    check_eq(c.sync("1+1"), 2, "1+1")
    check_eq(c.sync("40 + 2"), 42, "40 + 2")
    check_eq(c.sync("-5+3"), -2, "-5+3")
    r = c.sync(".z.a")
    check(isinstance(r, QError) and r == "nyi", ".z.a gave %r" % r)
    check_eq(c.sync("1+1"), 2, "1+1 after an error")
    c.close()
    d.wait_log(r"^%s: pid \d+ exited, status 0$" % label(p))


@test
def handshake_capability():
    """capability answered as min(client's, 3); old handshake without it -> 0"""
    d, p = tcp_service()
    for cap, want in ((0, 0), (1, 1), (3, 3), (6, 3), (None, 0)):
        c = Client()
        check_eq(c.hopen(p, "u", "p", capability=cap), want,
                 "answer to capability %r" % cap)
        check_eq(c.sync("2+2"), 4, "2+2 after capability %r" % cap)
        c.close()


@test
def private_process_per_client():
    """two concurrent clients: two .z.i; each q exits when its client closes"""
    d, p = tcp_service()
    a, b = Client(), Client()
    check_eq(a.hopen(p), 3, "capability a")
    check_eq(b.hopen(p), 3, "capability b")
    pa, pb = a.sync(".z.i"), b.sync(".z.i")
    check(isinstance(pa, int) and isinstance(pb, int),
          ".z.i gave %r %r" % (pa, pb))
    check(pa != pb, "both clients served by pid %d" % pa)
    check_eq(started(d, label(p), a), pa, "pid logged for a")
    check_eq(started(d, label(p), b), pb, "pid logged for b")
    a.close()
    d.wait_log(r"^%s: pid %d exited, status 0$" % (label(p), pa))
    check(pid_alive(pb), "b's q (pid %d) exited with a's client" % pb)
    check_eq(b.sync("1+2"), 3, "b still served")
    b.close()
    d.wait_log(r"^%s: pid %d exited, status 0$" % (label(p), pb))


@test
def bad_password_closed():
    """-u users: bad password -> closed, no capability byte, no more bytes"""
    t = tmpdir()
    users = write_file(os.path.join(t, "users"), "alice:secret\nbob:pw2\n")
    d, p = tcp_service(("/some/db", "-u", users), directory=t)
    c = Client()
    check_eq(c.hopen(p, "bob", "pw2"), 3, "capability for bob")
    check_eq(c.sync("1+1"), 2, "1+1 as bob")
    c.close()
    for user, pw in (("alice", "wrong"), ("mallory", "secret"), ("", "")):
        c = Client()
        c.connect(p)
        pid = started(d, label(p), c)
        c.sock.sendall(("%s:%s" % (user, pw)).encode() + b"\3\0")
        check_eq(recv_all(c.sock), b"", "bytes after a refused handshake")
        c.close()
        d.wait_log(r"^%s: pid %d exited, status 1$" % (label(p), pid))
    c = Client()
    try:
        c.hopen(p, "alice", "nope")
    except AccessDenied:
        pass
    else:
        raise Failure("hopen with a bad password succeeded")


@test
def nothing_before_handshake():
    """q writes nothing before the handshake (0.3 s of silence), then answers"""
    d, p = tcp_service()
    c = Client()
    c.connect(p)
    expect_silence(c.sock, 0.3)
    check_eq(c.handshake("u", "p"), 3, "capability after the silence")
    check_eq(c.sync("1+1"), 2, "1+1")
    c.close()


@test
def async_gets_no_reply():
    """an async message gets no reply; the following sync one does"""
    d, p = tcp_service()
    c = Client()
    c.hopen(p)
    c.send_async("1+1")
    c.send_async("anything at all")
    expect_silence(c.sock, 0.3)
    check_eq(c.sync("3+4"), 7, "sync after two async messages")
    c.sock.sendall(encode_message(encode_chars("5+5"), ASYNC) +
                   encode_message(encode_chars("6+6")))
    check_eq(c.recv_message(), (2, 12), "only the sync one of a pair answered")
    c.close()


@test
def environment_via_getenv():
    """q sees the connection in its environment (getenv`REMOTE_ADDR etc.)"""
    d, p = tcp_service()
    c = Client()
    c.hopen(p)
    me = c.sock.getsockname()
    want = {"PROTO": "TCP", "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_PORT": str(me[1]), "TCPREMOTEIP": "127.0.0.1",
            "TCPREMOTEPORT": str(me[1]), "TCPLOCALPORT": str(p)}
    for k, v in want.items():
        check_eq(c.sync("getenv`" + k), v, "getenv`" + k)
    c.close()


@test
def unix_path_service():
    """Unix-domain service at TMP/kx.P: handshake, 1+1, one q per client"""
    t = tmpdir()
    path = os.path.join(t, "kx.%d" % free_port())
    d = Daemon("%s stream unix nowait root %s\n"
               % (path, fakeq("/some/db", "-s", 4)), directory=t)
    check(stat.S_ISSOCK(os.stat(path).st_mode), "%s is not a socket" % path)
    a, b = Client(), Client()
    check_eq(a.hopen(path), 3, "capability over the path")
    check_eq(b.hopen(path), 3, "second client over the path")
    check_eq(a.sync("1+1"), 2, "1+1 over the path")
    check_eq(a.sync("getenv`PROTO"), "UNIX", "PROTO")
    pa, pb = a.sync(".z.i"), b.sync(".z.i")
    check(pa != pb, "both clients served by pid %d" % pa)
    a.close()
    b.close()
    lab = re.escape(path) + "/unix"
    d.wait_log(r"^%s: pid %d exited, status 0$" % (lab, pa))
    d.wait_log(r"^%s: pid %d exited, status 0$" % (lab, pb))


@test
def unix_abstract_service():
    """abstract name @kx.P (Linux, as q 3.5+ clients use): 1+1 -> 2"""
    if not IS_LINUX:
        skip("abstract Unix-domain names are Linux only")
    name = "kx.%d" % free_port()
    d = Daemon("@%s stream unix nowait root %s\n"
               % (name, fakeq("/some/db", "-s", 4)))
    c = Client()
    check_eq(c.hopen("@" + name), 3, "capability over @%s" % name)
    check_eq(c.sync("1+1"), 2, "1+1 over @%s" % name)
    pid = c.sync(".z.i")
    c.close()
    d.wait_log(r"^@%s/unix: pid %d exited, status 0$"
               % (re.escape(name), pid))


@test
def max_child_limit():
    """nowait/1: a second concurrent client is closed before the handshake"""
    d, p = tcp_service(wait="nowait/1")
    a = Client()
    check_eq(a.hopen(p), 3, "first client")
    b = Client()
    try:
        b.hopen(p)
    except (AccessDenied, ConnectionResetError, BrokenPipeError):
        pass
    else:
        raise Failure("second client got a q with max-child 1")
    d.wait_log(r"^%s: connection from 127\.0\.0\.1:\d+ refused: .*limit$"
               % label(p))
    check_eq(a.sync("1+1"), 2, "first client still served")
    pa = a.sync(".z.i")
    a.close()
    d.wait_log(r"^%s: pid %d exited, status 0$" % (label(p), pa))
    c = Client()
    check_eq(c.hopen(p), 3, "a client after the first one left")
    c.close()


@test
def console_noise_corrupts_stream():
    """-e: q's console output on fds 1/2 lands in the IPC stream"""
    d, p = tcp_service(("/some/db", "-e"))
    c = Client()
    check_eq(c.hopen(p), 3, "capability")
    noise = b"q console noise\n" * 2
    check_eq(recv_exact(c.sock, len(noise)), noise, "bytes after handshake")
    c.close()


@test
def console_noise_wrapper():
    """a wrapper sending q's stdout/stderr to /dev/null keeps the stream clean"""
    t = tmpdir()
    wrapper = os.path.join(t, "q-quiet")
    write_file(wrapper, '#!/bin/sh\nexec %s "$@" >/dev/null 2>&1\n' % FAKEQ)
    os.chmod(wrapper, 0o755)
    p = free_port()
    Daemon("127.0.0.1:%d stream tcp nowait root %s q /some/db -e\n"
           % (p, wrapper), directory=t)
    c = Client()
    check_eq(c.hopen(p), 3, "capability")
    expect_silence(c.sock, 0.3)
    check_eq(c.sync("1+1"), 2, "1+1 through the wrapper")
    c.close()


if __name__ == "__main__":
    if not hasattr(socket, "AF_UNIX"):
        run(global_skip="no Unix-domain sockets")
    run()
