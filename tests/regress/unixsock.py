#!/usr/bin/env python3
"""Unix-domain services: paths, abstract names, socket types."""

import os
import re
import socket
import stat
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F401,F403

def unix_echo(path, data):
    """One round trip through a stream echo on a unix path."""
    s = connect_unix(path)
    s.sendall(data)
    check_eq(recv_exact(s, len(data)), data, "echo over %s" % path)
    s.close()


@test
def unix_stream_peer():
    """unix stream nowait: child sees a unix peer and only fds 0,1,2"""
    d = tmpdir()
    path = os.path.join(d, "s.sock")
    dm = Daemon("%s stream unix nowait root %s\n" % (path, helper("peer")),
                directory=d)
    check(stat.S_ISSOCK(os.stat(path).st_mode), "%s is not a socket" % path)
    s = connect_unix(path)
    out = recv_all(s).decode()
    s.close()
    check(re.match(r"^pid=\d+ peer=unix fds=0,1,2\n$", out),
          "peer output %r" % out)
    dm.wait_log(r"^%s/unix: pid \d+ exited, status 0$" % re.escape(path))
    dm.stop()
    check(not os.path.exists(path), "socket file %s left after SIGTERM" % path)


@test
def unix_stream_builtin_echo():
    """unix stream: built-in echo on a path"""
    d = tmpdir()
    path = os.path.join(d, "e.sock")
    dm = Daemon("%s stream unix nowait root internal echo\n" % path,
                directory=d)
    unix_echo(path, b"over unix\n")
    dm.stop()
    check(not os.path.exists(path), "socket file left after SIGTERM")


@test
def unix_stale_socket_file_replaced():
    """unix: a stale socket file left by a previous run does not block start-up"""
    d = tmpdir()
    path = os.path.join(d, "stale.sock")
    old = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old.bind(path)
    old.close()  # leaves the file behind, nobody listening
    dm = Daemon("%s stream unix nowait root internal echo\n" % path,
                directory=d)
    s = connect_unix(path)
    s.sendall(b"x")
    check_eq(recv_exact(s, 1), b"x", "echo")
    s.close()
    dm.stop()


@test
def unix_seqpacket():
    """unix seqpacket nowait: the child is reached over SOCK_SEQPACKET"""
    if not hasattr(socket, "SOCK_SEQPACKET"):
        skip("no SOCK_SEQPACKET")
    d = tmpdir()
    path = os.path.join(d, "q.sock")
    Daemon("%s seqpacket unix nowait root %s\n" % (path, helper("peer")),
           directory=d)
    s = connect_unix(path, stype=socket.SOCK_SEQPACKET)
    out = recv_all(s).decode()
    s.close()
    check(re.match(r"^pid=\d+ peer=unix fds=0,1,2\n$", out),
          "peer output %r" % out)


@test
def unix_dgram_wait():
    """unix dgram wait: udpwait answers datagrams on a unix socket"""
    d = tmpdir()
    path = os.path.join(d, "d.sock")
    Daemon("%s dgram unix wait root %s\n" % (path, helper("udpwait")),
           directory=d)
    c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    c.bind(os.path.join(d, "client.sock"))
    c.settimeout(5)
    try:
        c.sendto(b"u1", path)
        r1 = c.recv(4096)
        c.sendto(b"u2", path)
        r2 = c.recv(4096)
    except socket.timeout:
        raise Failure("no answer over the unix datagram socket")
    finally:
        c.close()
    m1 = re.match(rb"^pid=(\d+) got=u1$", r1)
    m2 = re.match(rb"^pid=(\d+) got=u2$", r2)
    check(m1 and m2, "answers %r %r" % (r1, r2))
    check_eq(m1.group(1), m2.group(1), "pid of both answers")


@test
def unix_one_path_one_socket():
    """two entries on one unix path (stream and dgram) are refused as one
    socket used twice; a reload that changes a path's type reopens it as
    the new type"""
    d = tmpdir()
    path = os.path.join(d, "t.sock")
    conf = write_conf("%s stream unix nowait root internal echo\n"
                      "%s dgram unix wait root %s\n"
                      % (path, path, helper("udpwait")), d, "two.conf")
    rc, out, err = run_pinetd(["-n", conf])
    check(rc == 1 and re.search(re.escape(conf) + r":2: .* uses the same "
                                r"socket", err), err)
    # One path in other words: '//' and '/./' name the same file (the
    # second bound anew, unlinking the first's live socket).
    for other in (path.replace("/t.sock", "//t.sock"),
                  path.replace("/t.sock", "/./t.sock")):
        conf = write_conf("%s stream unix nowait root internal echo\n"
                          "%s stream unix nowait root %s\n"
                          % (path, other, helper("peer")), d, "two.conf")
        rc, out, err = run_pinetd(["-n", conf])
        check(rc == 1 and re.search(re.escape(conf) + r":2: .* uses the "
                                    r"same socket", err), err)
    dm = Daemon("%s stream unix nowait root internal echo\n" % path,
                directory=d)
    unix_echo(path, b"st\n")
    write_file(dm.conf, "%s dgram unix wait root %s\n"
               % (path, helper("udpwait")))
    check_eq(dm.hup().group(0),
             "reload: 1 services (0 added, 1 changed, 0 removed)",
             "reload line")
    c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    c.bind(os.path.join(d, "c.sock"))
    c.settimeout(5)
    try:
        c.sendto(b"dg", path)
        check(re.match(rb"^pid=\d+ got=dg$", c.recv(4096)), "dgram answer")
    finally:
        c.close()
    dm.stop()


@test
def unix_type_only_change_reloads():
    """a reload that changes only a unix path's socket type (stream to
    seqpacket, all else equal) is a change: the socket is reopened"""
    d = tmpdir()
    path = os.path.join(d, "s.sock")
    dm = Daemon("%s stream unix nowait root internal echo\n" % path,
                directory=d)
    unix_echo(path, b"st\n")
    write_file(dm.conf, "%s seqpacket unix nowait root internal echo\n"
               % path)
    check_eq(dm.hup().group(0),
             "reload: 1 services (0 added, 1 changed, 0 removed)",
             "reload line")
    s = connect_unix(path, stype=socket.SOCK_SEQPACKET)
    s.close()
    dm.stop()


@test
def unix_abstract():
    """unix abstract @name (Linux): connect by abstract name"""
    if not IS_LINUX:
        skip("abstract Unix-domain names are Linux only")
    name = "pinetd-test-%d-%d" % (os.getpid(), free_port())
    dm = Daemon("@%s stream unix nowait root %s\n" % (name, helper("peer")))
    s = connect_unix("\0" + name)
    out = recv_all(s).decode()
    s.close()
    check(re.match(r"^pid=\d+ peer=unix fds=0,1,2\n$", out),
          "peer output %r" % out)
    dm.stop()
    try:
        s = connect_unix("\0" + name)
    except ConnectionRefusedError:
        pass
    else:
        s.close()
        raise Failure("abstract socket still accepts after SIGTERM")


if __name__ == "__main__":
    if not hasattr(socket, "AF_UNIX"):
        run(global_skip="no Unix-domain sockets")
    run()
