#!/usr/bin/env python3
"""Per-service limits from the BSD format (FreeBSD's nowait/max-child/
max-connections-per-ip-per-minute/max-child-per-ip): a connection over a
limit is closed without starting a process; others are still served."""

import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F401,F403


def started(d, port, s):
    """Wait until the daemon logs a process started for this client."""
    m = d.wait_log(r"^(?:127\.0\.0\.1|\*):%d/tcp: connection from %s:%d, pid (\d+)$"
                   % (port, re.escape(s.getsockname()[0]),
                      s.getsockname()[1]))
    return int(m.group(1))


def refused(d, port, s, why):
    """The client gets EOF at once, and the refusal is logged."""
    check_eq(recv_all(s), b"", "data on a refused connection")
    d.wait_log(r"^(?:127\.0\.0\.1|\*):%d/tcp: connection from %s:%d refused: %s "
               r"limit$" % (port, re.escape(s.getsockname()[0]),
                            s.getsockname()[1], why))
    s.close()


def finish(s):
    """Let an echo-once child answer and exit."""
    s.sendall(b"bye\n")
    check(recv_all(s).endswith(b": bye\n"), "echo-once answered")
    s.close()


def spawn_count(d, port):
    return len(d.findall_log(r"^(?:127\.0\.0\.1|\*):%d/tcp: connection from .*, "
                             r"pid \d+$" % port, pos=0))


@test
def instances_limit():
    """nowait/2: 3rd concurrent client refused, no process; served later"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait/2 root %s\n"
               % (p, helper("echo-once")))
    a, b = connect(p), connect(p)
    started(d, p, a)
    started(d, p, b)
    c = connect(p)
    refused(d, p, c, "instances")
    check_eq(spawn_count(d, p), 2, "processes started")
    finish(a)
    d.wait_log(r"pid \d+ exited, status 0$")
    e = connect(p)
    started(d, p, e)
    finish(b)
    finish(e)
    check_eq(spawn_count(d, p), 3, "processes started")
    d.stop()


@test
def per_source_limit():
    """nowait/0/0/1: one server per address at a time; others served"""
    p = free_port()
    d = Daemon("*:%d stream tcp nowait/0/0/1 root %s\n"
               % (p, helper("echo-once")))
    a = connect_from(p, "127.0.0.1")
    started(d, p, a)
    b = connect_from(p, "127.0.0.1")
    refused(d, p, b, "per_source")
    c = connect_from(p, "127.0.0.2")
    started(d, p, c)
    finish(a)
    finish(c)
    check_eq(spawn_count(d, p), 2, "processes started")
    d.stop()


@test
def per_source_added_by_reload_counts_running():
    """per_source added by a reload counts the servers already running from
    each address: with 3 running from 127.0.0.1, a fourth is refused under
    the new limit of 2 and another address is served (servers started
    with no per-address limit were tied to no address: 2 more got in)"""
    p = free_port()
    line = "*:%d stream tcp nowait%s root %s\n"
    d = Daemon(line % (p, "", helper("echo-once")))
    held = []
    for _ in range(3):
        s = connect_from(p, "127.0.0.1")
        started(d, p, s)
        held.append(s)
    write_file(d.conf, line % (p, "/0/0/2", helper("echo-once")))
    check(re.search(r"1 changed", d.hup().group(0)), "reload changed it")
    s = connect_from(p, "127.0.0.1")
    refused(d, p, s, "per_source")
    c = connect_from(p, "127.0.0.2")
    started(d, p, c)
    finish(c)
    for s in held:
        finish(s)
    check_eq(spawn_count(d, p), 4, "processes started")
    d.stop()


@test
def per_ip_per_minute_limit():
    """nowait/0/2: 3rd connection a minute from one address refused"""
    p = free_port()
    d = Daemon("*:%d stream tcp nowait/0/2 root %s\n"
               % (p, helper("echo-once")))
    for _ in range(2):
        s = connect_from(p, "127.0.0.1")
        started(d, p, s)
        finish(s)
    s = connect_from(p, "127.0.0.1")
    refused(d, p, s, "connections per minute from one address")
    s = connect_from(p, "127.0.0.2")
    started(d, p, s)
    finish(s)
    check_eq(spawn_count(d, p), 3, "processes started")
    d.stop()


@test
def limits_survive_reload():
    """a reload that changes a limit applies it to the running service"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait/1 root %s\n"
               % (p, helper("echo-once")))
    a = connect(p)
    started(d, p, a)
    write_file(d.conf, "127.0.0.1:%d stream tcp nowait/2 root %s\n"
               % (p, helper("echo-once")))
    d.hup()
    b = connect(p)
    started(d, p, b)
    finish(a)
    finish(b)
    d.stop()


if __name__ == "__main__":
    run()
