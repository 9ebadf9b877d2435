#!/usr/bin/env python3
"""SIGHUP: reread and merge the configuration."""

import os
import re
import socket
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F401,F403


def args_out(port):
    s = connect(port)
    out = recv_all(s).decode()
    s.close()
    return out


def echo_ok(sock, data):
    sock.sendall(data)
    check_eq(recv_exact(sock, len(data)), data, "echo on the held connection")


@test
def reload_add_remove_change():
    """HUP: add, remove and change services; unchanged echo keeps its client"""
    pe, pr, pc, pa = free_port(), free_port(), free_port(), free_port()
    v1 = ("127.0.0.1:%d stream tcp nowait root internal echo\n"
          "127.0.0.1:%d stream tcp nowait root internal daytime\n"
          "127.0.0.1:%d stream tcp nowait root %s\n"
          % (pe, pr, pc, helper("args", "one")))
    d = Daemon(v1)
    check_eq(d.services, 3, "services at start")
    held = connect(pe)
    echo_ok(held, b"before reload\n")
    check_eq(args_out(pc), "argc=3 argv=testhelper|args|one\n", "v1 argv")
    s = connect(pr)
    check(len(recv_all(s)) > 0, "daytime before reload")
    s.close()

    v2 = ("# reloaded\n"
          "127.0.0.1:%d stream tcp nowait root internal echo\n"
          "127.0.0.1:%d stream tcp nowait root %s\n"
          "127.0.0.1:%d stream tcp nowait root internal time\n"
          % (pe, pc, helper("args", "two", "2"), pa))
    write_conf(v2, d.dir)
    m = d.hup()
    check_eq(m.group(0), "reload: 3 services (1 added, 1 changed, 1 removed)",
             "reload line")
    expect_refused(pr)
    check_eq(args_out(pc), "argc=4 argv=testhelper|args|two|2\n", "v2 argv")
    s = connect(pa)
    check_eq(len(recv_all(s)), 4, "time from the added service")
    s.close()
    echo_ok(held, b"after reload\n")
    held.close()
    s = connect(pe)
    echo_ok(s, b"new client\n")
    s.close()
    d.stop()


@test
def reload_unchanged_file():
    """HUP with the same file: nothing added, changed or removed"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root internal echo\n"
               "127.0.0.1:%d dgram udp wait root internal echo\n" % (p, p))
    m = d.hup()
    check_eq(m.group(0), "reload: 2 services (0 added, 0 changed, 0 removed)",
             "reload line")
    s = connect(p)
    echo_ok(s, b"x\n")
    s.close()
    check_eq(udp_query(p, b"u"), b"u", "udp echo after reload")


@test
def reload_broken_file_changes_nothing():
    """HUP with a bad line: FILE:LINE: error, 'configuration unchanged'"""
    pe, pc, pn = free_port(), free_port(), free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root internal echo\n"
               "127.0.0.1:%d stream tcp nowait root %s\n"
               % (pe, pc, helper("args", "old")))
    held = connect(pe)
    echo_ok(held, b"before\n")
    # The echo service is left out, line 1 changes pc, line 2 adds pn,
    # line 4 is broken: none of it may take effect.
    write_conf("127.0.0.1:%d stream tcp nowait root %s\n"
               "127.0.0.1:%d stream tcp nowait root internal echo\n"
               "# comment\n"
               "127.0.0.1:%d strem tcp nowait root internal echo\n"
               % (pc, helper("args", "new"), pn, free_port()), d.dir)
    p = d.pos()
    m = d.hup()
    check(re.match(r"^reload: 1 errors? in %s; configuration unchanged$"
                   % re.escape(d.conf), m.group(0)),
          "reload line %r" % m.group(0))
    d.wait_log(r"^%s:4: .*'strem'" % re.escape(d.conf), pos=p)
    echo_ok(held, b"after\n")
    s = connect(pe)
    echo_ok(s, b"new\n")
    s.close()
    check_eq(args_out(pc), "argc=3 argv=testhelper|args|old\n", "argv")
    expect_refused(pn)
    held.close()
    # A good reload afterwards still works.
    write_conf("127.0.0.1:%d stream tcp nowait root internal echo\n" % pe,
               d.dir)
    m = d.hup()
    check(re.match(r"^reload: 1 services? \(0 added, 0 changed, 1 removed\)$",
                   m.group(0)), "reload line after the fix: %r" % m.group(0))
    expect_refused(pc)
    d.stop()


@test
def reload_address_change():
    """HUP: a service moved to another port answers there, not on the old one"""
    p1, p2, pk = free_port(), free_port(), free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root internal echo\n"
               "127.0.0.1:%d stream tcp nowait root internal echo\n"
               % (p1, pk))
    write_conf("127.0.0.1:%d stream tcp nowait root internal echo\n"
               "127.0.0.1:%d stream tcp nowait root internal echo\n"
               % (p2, pk), d.dir)
    m = d.hup()
    check(re.match(r"^reload: 2 services \(\d+ added, \d+ changed, "
                   r"\d+ removed\)$", m.group(0)), "reload line %r" % m.group(0))
    expect_refused(p1)
    s = connect(p2)
    echo_ok(s, b"moved\n")
    s.close()


@test
def reload_same_label_new_address():
    """HUP: same service field, new default host: reopened on the new address"""
    if not IS_LINUX:
        skip("needs a second loopback address (127.0.0.2)")
    t = socket.socket()
    try:
        t.bind(("127.0.0.2", 0))
    except OSError:
        skip("cannot bind 127.0.0.2")
    finally:
        t.close()
    p = free_port()
    d = Daemon("127.0.0.1:\n%d stream tcp nowait root internal echo\n" % p)
    write_conf("127.0.0.2:\n%d stream tcp nowait root internal echo\n" % p,
               d.dir)
    m = d.hup()
    expect_refused(p, "127.0.0.1")
    s = connect(p, "127.0.0.2")
    echo_ok(s, b"moved host\n")
    s.close()
    # The label (first field as written + protocol) is the same, so this is
    # one service whose address changed, not a removal plus an addition.
    check(re.match(r"^reload: 1 services? \(0 added, 1 changed, 0 removed\)$",
                   m.group(0)), "reload line %r" % m.group(0))


@test
def reload_adds_udp_and_wait():
    """HUP: a udp service and a wait service added by reload work"""
    p, q = free_port(), free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root internal echo\n" % p)
    write_conf("127.0.0.1:%d stream tcp nowait root internal echo\n"
               "127.0.0.1:%d dgram udp wait root internal echo\n"
               "127.0.0.1:%d stream tcp wait root %s\n"
               % (p, q, q, helper("streamwait")), d.dir)
    m = d.hup()
    check_eq(m.group(0), "reload: 3 services (2 added, 0 changed, 0 removed)",
             "reload line")
    check_eq(udp_query(q, b"hi"), b"hi", "udp echo added by reload")
    s = connect(q)
    out = recv_all(s).decode()
    s.close()
    check(re.match(r"^pid=\d+ accepted\n$", out), "streamwait reply %r" % out)


def read_or_empty(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


@test
def reload_rotated_log_file():
    """log_type = FILE moved away (as logrotate does), then HUP: the next
    line goes to a new file at the configured path, not to the moved one;
    a HUP with the file in place changes nothing"""
    p = free_port()
    logf = os.path.join(tmpdir(), "svc.log")
    old = logf + ".1"
    d = Daemon("service lr\n{\n\tsocket_type = stream\n\twait = no\n"
               "\tuser = root\n\tport = %d\n\tbind = 127.0.0.1\n"
               "\tserver = %s\n\tserver_args = env\n"
               "\tlog_type = FILE %s\n\tlog_on_success = HOST\n}\n"
               % (p, TESTHELPER, logf), dlflags=("-d",))

    def conn_line():
        s = connect(p)
        tag = "lr/tcp: connection from 127.0.0.1:%d" % s.getsockname()[1]
        recv_all(s)
        s.close()
        wait_until(lambda: tag in read_or_empty(logf) + read_or_empty(old),
                   what="connection line in either log file")
        return tag

    check(conn_line() in read_or_empty(logf), "line in the log file")
    check_eq(d.hup().group(0),
             "reload: 1 services (0 added, 0 changed, 0 removed)",
             "reload line, log file in place")
    check(conn_line() in read_or_empty(logf), "line after an unchanged HUP")
    os.rename(logf, old)
    check_eq(d.hup().group(0),
             "reload: 1 services (0 added, 1 changed, 0 removed)",
             "reload line, log file moved away")
    tag = conn_line()
    check(tag in read_or_empty(logf), "line in the new log file")
    check(tag not in read_or_empty(old), "line not in the moved log file")
    check_eq(d.hup().group(0),
             "reload: 1 services (0 added, 0 changed, 0 removed)",
             "reload line, new log file in place")
    check(conn_line() in read_or_empty(logf), "line after the last HUP")
    d.stop()


if __name__ == "__main__":
    run()
