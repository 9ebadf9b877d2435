#!/usr/bin/env python3
"""IPv6 services: tcp/udp on [::1], tcp6 v6-only, tcp46/udp46 dual stack."""

import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F401,F403


def echo(port, host):
    s = connect(port, host)
    s.sendall(b"v6?\n")
    check_eq(recv_exact(s, 4), b"v6?\n", "echo via %s" % host)
    s.close()


@test
def scope_is_part_of_the_address():
    """fe80::1%1 and fe80::1%2 are two addresses, not one socket twice
    (checked with -n only: nothing is bound)"""
    conf = write_conf("".join("[fe80::1%%%d]:7000 stream tcp6 nowait root "
                              "internal echo\n" % i for i in (1, 2)))
    rc, out, err = run_pinetd(["-n", conf])
    check_eq(rc, 0, "pinetd -n exit status (%r)" % err)
    check("same socket" not in err, err)
    # The xinetd dialect's bind takes a scope too.
    conf = write_conf("service echo\n{\n\ttype = INTERNAL UNLISTED\n"
                      "\tsocket_type = stream\n\twait = no\n"
                      "\tport = 7000\n\tbind = fe80::1%1\n}\n")
    rc, out, err = run_pinetd(["-n", conf])
    check_eq(rc, 0, "pinetd -n exit status, xinetd bind (%r)" % err)
    # Under two default-host lines their labels keep the scope apart: the
    # run-time line saying each cannot be opened (no such address) shows
    # them.
    p = free_port()
    d = Daemon("".join("[fe80::1%%%d]:\n%d stream tcp6 nowait root internal "
                       "echo\n" % (i, p) for i in (1, 2)))
    for i in (1, 2):
        d.wait_log(r"^\[fe80::1%%%d\]:%d/tcp6: " % (i, p), pos=0)
    d.stop()


@test
def unbindable_addresses_refused_at_load():
    """an IPv4-mapped address on an IPv6-only socket, and a link-local
    address with no interface, are FILE:LINE errors naming the host (they
    loaded, then retried their bind for ever: EINVAL); the mapped address
    on tcp46 and a scoped link-local address still load (-n only)"""
    for line, word in (("[::ffff:127.0.0.1]:7000 stream tcp", "::ffff:"),
                       ("[::ffff:127.0.0.1]:7000 dgram udp6", "::ffff:"),
                       ("[fe80::1]:7000 stream tcp", "fe80::1")):
        conf = write_conf("%s %s root internal echo\n" % (line, "wait" if
                                                          "dgram" in line
                                                          else "nowait"))
        rc, out, err = run_pinetd(["-n", conf])
        check(rc == 1 and re.search(re.escape(conf) + r":1: .*'%s[^']*'"
                                    % re.escape(word), err),
              "%s: %d %r" % (line, rc, err))
    for line in ("[::ffff:127.0.0.1]:7000 stream tcp46",
                 "[fe80::1%1]:7000 stream tcp"):
        conf = write_conf("%s nowait root internal echo\n" % line)
        rc, out, err = run_pinetd(["-n", conf])
        check_eq(rc, 0, "%s: -n exit status (%r)" % (line, err))


@test
def mapped_access_entries_match_ipv4_peers():
    """on tcp46, no_access = ::ffff:127.0.0.1 refuses the IPv4 client
    127.0.0.1 (it reaches the service as a mapped address); 127.0.0.2 is
    served (the mapped entry was kept as IPv6 and never matched)"""
    p = free_port()
    d = Daemon("*:%d stream tcp46 nowait root internal echo\n"
               "\tno_access = ::ffff:127.0.0.1\n" % p)
    expect_closed_without_data(p, "127.0.0.1")
    d.wait_log(r"refused: access$")
    s = connect_from(p, "127.0.0.2")
    s.sendall(b"ok\n")
    check_eq(recv_exact(s, 3), b"ok\n", "echo for 127.0.0.2")
    s.close()
    d.stop()


@test
def wide_ipv6_entries_hold_ipv4_peers():
    """on tcp46, no_access = ::/0 refuses IPv4 clients too, since ::/0 holds
    every mapped address (only /96 and longer entries were looked at, so
    127.0.0.1 was served); no_access = 2001:db8::/32 does not"""
    p, q = free_port(), free_port()
    d = Daemon("*:%d stream tcp46 nowait root internal echo\n"
               "\tno_access = ::/0\n"
               "*:%d stream tcp46 nowait root internal echo\n"
               "\tno_access = 2001:db8::/32\n" % (p, q))
    expect_closed_without_data(p, "127.0.0.1")
    d.wait_log(r"refused: access$")
    echo(q, "127.0.0.1")
    d.stop()


@test
def tcp_on_v6_literal_peer():
    """tcp on [::1]: child sees peer [::1]:PORT"""
    p = free_port()
    d = Daemon("[::1]:%d stream tcp nowait root %s\n" % (p, helper("peer")))
    s = connect(p, "::1")
    cport = s.getsockname()[1]
    out = recv_all(s).decode()
    s.close()
    m = re.match(r"^pid=(\d+) peer=(\S+) fds=0,1,2\n$", out)
    check(m, "peer output %r" % out)
    check_eq(m.group(2), "[::1]:%d" % cport, "peer")
    d.wait_log(r"^\[::1\]:%d/tcp: connection from \[?::1\]?:%d, pid %s$"
               % (p, cport, m.group(1)))
    expect_refused(p, "127.0.0.1")


@test
def tcp6_echo():
    """tcp6 on [::1]: built-in echo"""
    p = free_port()
    Daemon("[::1]:%d stream tcp6 nowait root internal echo\n" % p)
    echo(p, "::1")


@test
def tcp6_any_is_v6_only():
    """tcp6 on *: answers ::1, refuses 127.0.0.1 (IPv6 only)"""
    p = free_port()
    Daemon("*:%d stream tcp6 nowait root internal echo\n" % p)
    echo(p, "::1")
    expect_refused(p, "127.0.0.1")


@test
def tcp46_any_dual_stack():
    """tcp46 on *: answers both 127.0.0.1 and ::1"""
    p = free_port()
    Daemon("*:%d stream tcp46 nowait root internal echo\n" % p)
    echo(p, "127.0.0.1")
    echo(p, "::1")


@test
def tcp46_peer_v4_and_v6():
    """tcp46 on *: child sees the IPv4 or IPv6 peer address"""
    p = free_port()
    Daemon("*:%d stream tcp46 nowait root %s\n" % (p, helper("peer")))
    for host, fmt in (("127.0.0.1", ("127.0.0.1:%d", "[::ffff:127.0.0.1]:%d")),
                      ("::1", ("[::1]:%d",))):
        s = connect(p, host)
        cport = s.getsockname()[1]
        out = recv_all(s).decode()
        s.close()
        m = re.match(r"^pid=\d+ peer=(\S+) fds=0,1,2\n$", out)
        check(m, "peer output %r" % out)
        check(m.group(1) in [f % cport for f in fmt],
              "peer %r via %s" % (m.group(1), host))


@test
def tcp_any_is_v4_only():
    """tcp on *: IPv4 only (::1 refused)"""
    p = free_port()
    Daemon("*:%d stream tcp nowait root internal echo\n" % p)
    echo(p, "127.0.0.1")
    expect_refused(p, "::1")


def xinetd_echo(port, extra="", defaults=""):
    """An xinetd file with the built-in echo on port, and lines added."""
    return ("%sservice echo\n{\n\ttype = INTERNAL UNLISTED\n"
            "\tsocket_type = stream\n\twait = no\n\tport = %d\n%s}\n"
            % (defaults, port, extra))


@test
def xinetd_family_as_xinetd():
    """an xinetd service that names no family listens on IPv6 with IPv4
    beside it, as xinetd does (it was IPv4 only); flags = IPv4 or a bind to
    127.0.0.1 keeps it to IPv4, v6only = yes (in the service or in
    defaults) to IPv6; flags = IPv6, with or without IPv4, is both; an
    only_from of 127.0.0.1 lets the IPv4 client in and not ::1, and the
    log names an IPv4 client as such (it showed [::ffff:127.0.0.1]); a
    v6only other than yes or no is an error naming it"""
    v4, v6 = "127.0.0.1", "::1"
    cases = (("", "", (v4, v6), ()),
             ("\tflags = IPv4\n", "", (v4,), (v6,)),
             ("\tbind = 127.0.0.1\n", "", (v4,), (v6,)),
             ("\tflags = IPv6\n", "", (v4, v6), ()),
             ("\tflags = IPv6 IPv4\n", "", (v4, v6), ()),
             ("\tv6only = yes\n", "", (v6,), (v4,)),
             ("\tv6only = no\n", "defaults\n{\n\tv6only = yes\n}\n",
              (v4, v6), ()),
             ("", "defaults\n{\n\tv6only = yes\n}\n", (v6,), (v4,)))
    for extra, defaults, served, refused in cases:
        p = free_port()
        d = Daemon(xinetd_echo(p, extra, defaults))
        for host in served:
            echo(p, host)
        for host in refused:
            expect_refused(p, host)
        d.stop()
    p = free_port()
    d = Daemon(xinetd_echo(p, "\tonly_from = 127.0.0.1\n"))
    echo(p, v4)
    s = connect(p, v6)
    check_eq(recv_all(s), b"", "::1 outside only_from = 127.0.0.1")
    s.close()
    d.stop()
    # The log shows an IPv4 client of the dual-stack socket as IPv4.
    p = free_port()
    d = Daemon(xinetd_echo(p, "\tonly_from = ::1\n"))
    s = connect(p, v4)
    check_eq(recv_all(s), b"", "127.0.0.1 outside only_from = ::1")
    d.wait_log(r"^echo/tcp: connection from 127\.0\.0\.1:%d refused: "
               r"access$" % s.getsockname()[1])
    s.close()
    d.stop()
    check_load_error(xinetd_echo(7000, "\tv6only = maybe\n"),
                     r":7: v6only wants 'yes' or 'no', not 'maybe'")


@test
def udp6_echo():
    """udp6 on [::1]: built-in echo datagram"""
    p = free_port()
    Daemon("[::1]:%d dgram udp6 wait root internal echo\n" % p)
    check_eq(udp_query(p, b"six", host="::1"), b"six", "udp6 echo")


@test
def udp46_any_dual_stack():
    """udp46 on *: echo answers both 127.0.0.1 and ::1, each from the
    address asked (also 127.0.0.2 on Linux, to a connected client)"""
    p = free_port()
    Daemon("*:%d dgram udp46 wait root internal echo\n" % p)
    check_eq(udp_query(p, b"four", host="127.0.0.1"), b"four", "via IPv4")
    check_eq(udp_query(p, b"six", host="::1"), b"six", "via IPv6")
    check_eq(udp_connected_query(p, b"six", host="::1"), b"six",
             "via IPv6, connected")
    if sys.platform == "linux":
        check_eq(udp_connected_query(p, b"two", host="127.0.0.2"), b"two",
                 "via 127.0.0.2, connected")


@test
def udp6_wait_external():
    """udp6 wait: udpwait answers over IPv6"""
    p = free_port()
    Daemon("[::1]:%d dgram udp6 wait root %s\n" % (p, helper("udpwait")))
    r = udp_query(p, b"hello6", host="::1")
    check(r is not None and re.match(rb"^pid=\d+ got=hello6$", r),
          "answer %r" % r)


if __name__ == "__main__":
    if not have_ipv6():
        run(global_skip="cannot bind ::1 (no IPv6 loopback)")
    run()
