#!/usr/bin/env python3
"""Configuration syntax at run time: continuation lines, default hosts,
host names, tabs and comments."""

import os
import socket
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F401,F403


def can_bind(addr):
    s = socket.socket()
    try:
        s.bind((addr, 0))
        return True
    except OSError:
        return False
    finally:
        s.close()


def echo(port, host="127.0.0.1"):
    s = connect(port, host)
    s.sendall(b"hi\n")
    check_eq(recv_exact(s, 3), b"hi\n", "echo via %s:%d" % (host, port))
    s.close()


@test
def continuation_line():
    """a line starting with blanks continues the previous entry"""
    p = free_port()
    Daemon("# comment\n"
           "\n"
           "127.0.0.1:%d\tstream\ttcp\tnowait\troot\t%s\n"
           "   \tcustom args\n"
           "\t  first second\n"
           % (p, TESTHELPER))
    s = connect(p)
    out = recv_all(s).decode()
    s.close()
    check_eq(out, "argc=4 argv=custom|args|first|second\n", "argv")


@test
def default_host_line():
    """'HOST:' sets the default host for later lines, '*:' resets it"""
    if not IS_LINUX or not can_bind("127.0.0.2"):
        skip("needs a second loopback address (127.0.0.2)")
    p, q = free_port(), free_port()
    d = Daemon("127.0.0.1:\n"
               "%d stream tcp nowait root internal echo\n"
               "*:\n"
               "%d stream tcp nowait root internal echo\n" % (p, q))
    check_eq(d.services, 2, "services")
    echo(p, "127.0.0.1")
    expect_refused(p, "127.0.0.2")
    echo(q, "127.0.0.1")
    echo(q, "127.0.0.2")
    s = connect(p)
    s.sendall(b"x")
    recv_exact(s, 1)
    d.wait_log(r"^%d/tcp: connection from 127\.0\.0\.1:%d, built-in$"
               % (p, s.getsockname()[1]))
    s.close()


@test
def hostname_resolved():
    """a host name (localhost) is resolved at load"""
    p = free_port()
    Daemon("localhost:%d stream tcp nowait root internal echo\n" % p)
    echo(p, "127.0.0.1")


@test
def numeric_and_named_services_same_daemon():
    """tcp and udp services on one port, plus a dgram built-in by name"""
    p = free_port()
    Daemon("127.0.0.1:%d stream tcp nowait root internal echo\n"
           "127.0.0.1:%d dgram udp wait root internal time\n" % (p, p))
    echo(p)
    r = udp_query(p, b"x")
    check(r is not None and len(r) == 4, "udp time answer %r" % r)


if __name__ == "__main__":
    run()
