#!/usr/bin/env python3
"""sd_notify: readiness, reload and stop reported to systemd's socket."""

import os
import socket
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F401,F403


def notify_socket():
    """A datagram socket standing in for systemd's NOTIFY_SOCKET."""
    path = os.path.join(tmpdir(), "notify")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(5)
    return s, path


def next_message(s):
    try:
        return s.recv(4096).decode()
    except socket.timeout:
        raise Failure("no sd_notify message within 5 s")


@test
def notify_ready_reload_stop():
    """sd_notify: READY=1 + STATUS, RELOADING=1/READY=1 on HUP, STOPPING=1"""
    s, path = notify_socket()
    env = dict(os.environ, NOTIFY_SOCKET=path)
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root internal echo\n" % p,
               env=env)
    msg = next_message(s)
    check("READY=1" in msg and "STATUS=1 services" in msg,
          "ready message %r" % msg)
    d.hup()
    check_eq(next_message(s), "RELOADING=1", "reload message")
    check("READY=1" in next_message(s), "ready again after the reload")
    d.stop()
    check_eq(next_message(s), "STOPPING=1", "stop message")


if __name__ == "__main__":
    run(None if os.environ.get("PINETD_SYSTEMD") else
        "built without --with-systemd")
