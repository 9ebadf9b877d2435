#!/usr/bin/env python3
"""The .max start limit: pause, refuse, resume."""

import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F401,F403

PEER_RE = re.compile(r"^pid=(\d+) peer=\S+ fds=\S*\n$")


def served(port):
    """Connect and check a helper process answered; return its pid."""
    s = connect(port)
    out = recv_all(s).decode()
    s.close()
    m = PEER_RE.match(out)
    check(m, "connection not served by a process: %r" % out)
    return int(m.group(1))


def trip(d, port, n, pause=1):
    """Make n served connections, then one that must trip the limit."""
    for i in range(n):
        served(port)
    # Before the tripping client, so the pause cannot start before t.
    t = time.monotonic()
    how = expect_closed_without_data(port)
    lab = r"127\.0\.0\.1:%d/tcp" % port
    d.wait_log(r"^%s: too many starts \(more than %d in 60 s\); paused for "
               r"%d s$" % (lab, n, pause))
    d.wait_log(r"^%s: connection from 127\.0\.0\.1:\d+ refused: start limit$"
               % lab)
    conns = d.findall_log(r"^%s: connection from \S+, pid \d+$" % lab)
    check_eq(len(conns), n, "connection lines (the tripping one (%s) must "
             "start no process)" % how)
    return t


@test
def max3_pause_and_resume():
    """nowait.3 -P 1: 3 served, 4th closed, paused ~1 s, resumed, served again"""
    p = free_port()
    lab = r"127\.0\.0\.1:%d/tcp" % p
    d = Daemon("127.0.0.1:%d stream tcp nowait.3 root %s\n"
               % (p, helper("peer")), args=["-P", "1"])
    t = trip(d, p, 3)
    # While paused the socket is closed: new clients are refused.
    try:
        s = connect(p)
    except ConnectionRefusedError:
        s = None
    if s is not None:
        # Accepted: only right if the pause (1 s) was already over; the
        # "resumed" line may come a moment after the socket reopens.
        s.close()
        check(time.monotonic() - t >= 0.7,
              "connection accepted while the service is paused")
    d.wait_log(r"^%s: resumed$" % lab, timeout=6)
    elapsed = time.monotonic() - t
    check(elapsed >= 0.7, "resumed after %.2f s, want about 1 s" % elapsed)
    check(elapsed <= 5, "resumed after %.2f s, want about 1 s" % elapsed)
    served(p)
    served(p)
    check_eq(len(d.findall_log(r"too many starts")), 1,
             "'too many starts' lines (logged once)")


def tripped_then_changed(p, line, first, then):
    """A daemon with line % first, its limit of 1 tripped (600 s pause),
    then reloaded with line % then; the daemon and the log mark."""
    d = Daemon(line % first, dlflags=("-d", "-l", "-P", "600"))
    trip(d, p, 1, pause=600)
    write_file(d.conf, line % then)
    mark = d.pos()
    check_eq(d.hup().group(0), "reload: 1 services (0 added, 1 changed, 0 "
             "removed)", "the reload line")
    return d, mark


@test
def reload_reopening_keeps_the_pause():
    """a reload that reopens a paused service's socket (its sndbuf changes)
    keeps it paused for the rest of its pause: clients are still refused
    (it listened again at once, took the next client, and paused anew)"""
    p = free_port()
    line = "127.0.0.1:%d stream tcp,sndbuf=%%d nowait.1 root %s\n" % (
        p, helper("peer"))
    d, mark = tripped_then_changed(p, line, 65536, 131072)
    expect_refused(p)
    check(d.find_log(r"listening on", pos=mark) is None,
          "listening again: %s" % d.log()[mark:])
    d.stop()


@test
def reload_raising_the_limit_ends_the_pause():
    """a reload that changes the rate a service was paused over ends the
    pause, as inetd's fix-then-SIGHUP does (it stayed paused, 600 s by
    default, whatever the new limit); the new limit counts afresh"""
    p = free_port()
    line = "127.0.0.1:%d stream tcp nowait.%%d root %s\n" % (p, helper("peer"))
    d, mark = tripped_then_changed(p, line, 1, 50)
    d.wait_log(r"^127\.0\.0\.1:%d/tcp: resumed \(its limit changed\)$" % p,
               pos=mark)
    served(p)
    served(p)
    d.stop()


@test
def revived_service_not_paused_again():
    """a service paused over its rate, removed while its server runs and
    added back (it listens again), is not paused anew by a later reload
    that reopens its socket (a stale pause end brought it back silently)"""
    p = free_port()
    line = "127.0.0.1:%d stream tcp,sndbuf=%%d nowait.1 root %s\n" % (
        p, helper("sleep", 30))
    other = "127.0.0.1:%d stream tcp nowait root internal echo\n" % (
        free_port())
    d = Daemon(line % 65536, dlflags=("-d", "-l", "-P", "600"))
    held = connect(p)
    m = d.wait_log(r"^127\.0\.0\.1:%d/tcp: connection from \S+, pid (\d+)$"
                   % p)
    expect_closed_without_data(p)
    d.wait_log(r"too many starts \(more than 1 in 60 s\); paused for 600 s$")
    for conf in (other, other + line % 65536, other + line % 131072):
        write_file(d.conf, conf)
        d.hup()
    mark = d.pos()
    d.send(__import__("signal").SIGUSR1)
    d.wait_log(r"^dump: 127\.0\.0\.1:%d/tcp: listening on " % p, pos=mark)
    kill_quietly(int(m.group(1)))
    held.close()
    d.stop()


@test
def max_default_is_40():
    """nowait without .max: 40 starts per minute, the 41st trips the limit"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root %s\n"
               % (p, helper("peer")), args=["-P", "1"])
    trip(d, p, 40)
    d.wait_log(r"^127\.0\.0\.1:%d/tcp: resumed$" % p, timeout=6)
    served(p)


@test
def max0_is_unlimited():
    """nowait.0: no start limit (50 quick starts all served)"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait.0 root %s\n"
               % (p, helper("peer")), args=["-P", "1"])
    for _ in range(50):
        served(p)
    check(not d.find_log(r"too many starts"), "limit tripped with .0")


@test
def max_as_large_as_an_int():
    """nowait.100000000, which openbsd-inetd files use for 'no limit',
    loads (it was a bad maximum past 1000000), and the dump shows it; one
    past the largest int is still a bad maximum"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait.100000000 root %s\n"
               % (p, helper("peer")))
    served(p)
    m = d.pos()
    d.send(__import__("signal").SIGUSR1)
    d.wait_log(r"^dump: 127\.0\.0\.1:%d/tcp: .*max 100000000/min," % p,
               pos=m)
    d.stop()
    check_load_error("127.0.0.1:%d stream tcp nowait.2147483648 root %s\n"
                     % (p, helper("peer")),
                     r":1: bad maximum in 'nowait\.2147483648'")


@test
def queued_at_pause_refused_and_counted():
    """connections already queued when .max pauses a service are taken and
    refused (counted, logged 'refused: start limit', closed without data)
    before the socket closes: the close reset them, and no counter or log
    line had them (62 of 400 in an audit's burst)"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait.20 root %s\n"
               % (p, helper("peer")), args=["-P", "30"])
    socks = []
    for _ in range(200):
        try:
            socks.append(connect(p))
        except ConnectionRefusedError:
            pass            # the socket is closed: the service is paused
    served = empty = reset = 0
    for s in socks:
        data = b""
        try:
            while True:
                b = s.recv(4096)
                if not b:
                    break
                data += b
        except ConnectionResetError:
            reset += 1
        else:
            if PEER_RE.match(data.decode()):
                served += 1
            else:
                check_eq(data, b"", "a refused connection's bytes")
                empty += 1
        s.close()
    # Only one that completed its handshake between the last accept and
    # the close can still be reset.
    check(reset <= 2, "%d connections reset uncounted (%d served, %d "
          "refused)" % (reset, served, empty))
    check(empty > 1, "only %d refused: the test made no queue" % empty)
    check_eq(d.counters(r"127\.0\.0\.1:%d/tcp" % p)[:2], (served, empty),
             "accepted and refused in the dump, against the clients")
    lines = d.findall_log(r"^127\.0\.0\.1:%d/tcp: connection from \S+ "
                          r"refused: start limit$" % p)
    check_eq(len(lines), empty, "refused lines")
    d.stop()


@test
def max_other_service_unaffected():
    """a paused service does not affect another service"""
    p = free_port()
    q = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait.1 root %s\n"
               "127.0.0.1:%d stream tcp nowait root %s\n"
               % (p, helper("peer"), q, helper("peer")), args=["-P", "3"])
    trip(d, p, 1, pause=3)
    served(q)
    served(q)


if __name__ == "__main__":
    run()
