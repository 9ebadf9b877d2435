#!/usr/bin/env python3
"""pinetd.exe under Wine, hand-off modes: "pipe" (the server's stdio are
anonymous pipes the daemon relays to the client) and "port" (the server
listens on %PORT% and the daemon relays the client to it)."""

import hashlib
import os
import socket

from winlib import *  # noqa: F401,F403


def handoff_service(name, port, mode, *args):
    """A nowait stream service running winhelper with a hand-off mode."""
    return xservice(name, port, "handoff = %s\n\t%s"
                    % (mode, winhelper(*args)))


def same(got, want, what):
    """Compare two large byte strings by length and digest."""
    check(len(got) == len(want) and
          hashlib.sha256(got).digest() == hashlib.sha256(want).digest(),
          "%s: %d bytes back of %d, or they differ" % (what, len(got),
                                                       len(want)))


@test
def pipe_bulk_half_close():
    """pipe hand-off: 1 MiB byte-exact, half-close ends the server

    The client's half-close reaches the server as the end of its input."""
    port = free_port()
    d = WineDaemon(handoff_service("wpipe", port, "pipe", "echo"))
    data = os.urandom(1 << 20)
    s = connect(port, timeout=30)
    t = send_in_thread(s, data, half_close=True)
    got = recv_all(s, timeout=60)
    t.join(30)
    check(t.error is None, "send: %r" % t.error)
    same(got, data, "1 MiB through pipes")
    s.close()
    m = d.wait_log(r"wpipe/tcp: connection from 127\.0\.0\.1:\d+, pid (\d+)$")
    d.wait_log(r"wpipe/tcp: pid %s exited, status 0$" % m.group(1))
    d.stop()


@test
def pipe_stderr_reaches_client():
    """pipe hand-off: the server's stdout and stderr reach the client"""
    port = free_port()
    d = WineDaemon(handoff_service("wstderr", port, "pipe", "stderr",
                                   "to-stderr"))
    got = recv_all(connect(port, timeout=30), timeout=30)
    check_eq(got, b"to-stderrout\n", "stderr then stdout")
    d.wait_log(r"wstderr/tcp: pid \d+ exited, status 0$")
    d.stop()


@test
def port_echo():
    """port hand-off: 256 KiB echo through a server on %PORT%

    The client's half-close is passed on to the server's connection."""
    port = free_port()
    d = WineDaemon(handoff_service("wport", port, "port", "listen", "%PORT%"))
    data = os.urandom(256 * 1024)
    s = connect(port, timeout=30)
    t = send_in_thread(s, data, half_close=True)
    got = recv_all(s, timeout=60)
    t.join(30)
    check(t.error is None, "send: %r" % t.error)
    same(got, data, "256 KiB through the port relay")
    s.close()
    m = d.wait_log(r"wport/tcp: connection from 127\.0\.0\.1:\d+, pid (\d+)$",
                   pos=0)
    d.wait_log(r"wport/tcp: pid %s exited, status 0$" % m.group(1))
    check(d.find_log(r"never accepted") is None, "logged never accepted")
    d.stop()


@test
def port_server_never_listens():
    """port hand-off: a server that never listens closes the client

    It exits without listening: "never accepted" is logged."""
    port = free_port()
    d = WineDaemon(handoff_service("wnolisten", port, "port", "exit", 0,
                                   "%PORT%"))
    s = connect(port, timeout=30)
    check_eq(recv_all(s, timeout=30), b"", "client closed without data")
    s.close()
    d.wait_log(r"wnolisten/tcp: pid \d+ never accepted on port \d+$")
    d.wait_log(r"wnolisten/tcp: pid \d+ exited, status 0$", pos=0)
    d.stop()


if __name__ == "__main__":
    run()
