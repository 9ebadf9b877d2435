#!/usr/bin/env python3
"""pinetd.exe under Wine, a UDP wait = yes service: the child gets the
listening socket itself as its stdin, reads one datagram with ReadFile (a
child cannot use Winsock on an inherited socket under Wine), and the service
is watched again once it exits."""

import os

from winlib import *  # noqa: F401,F403


def child_ran(d, name, pos=None):
    """Wait for a child of the UDP service name to start and exit; its
    start match and exit match. Skips where this Wine cannot ReadFile the
    inherited UDP socket (winhelper dgram exits with status 2)."""
    m = d.wait_log(r"^%s/udp: started pid (\d+)$" % name, pos=pos)
    e = d.wait_log(r"^%s/udp: pid %s exited, status (\d+)$"
                   % (name, m.group(1)), pos=m.end())
    if e.group(1) == "2" and UNDER_WINE:
        skip("ReadFile on the inherited UDP socket fails under this Wine "
             "(winhelper dgram exited with status 2)")
    return m, e


@test
def udp_wait_rearms():
    """UDP wait service: one datagram per child, re-armed after each exit

    winhelper dgram FILE reads a datagram from its socket stdin and appends
    it to FILE; a second datagram starts a second child."""
    port = free_port()
    out = os.path.join(tmpdir(), "dgrams")
    d = WineDaemon(xservice("wdgram", port, winhelper("dgram", winpath(out)),
                            proto="udp", stype="dgram", wait="yes"))
    u = udp_socket()
    try:
        u.sendto(b"first datagram", ("127.0.0.1", port))
        m, e = child_ran(d, "wdgram")
        check_eq(e.group(1), "0", "first child's exit status")
        with open(out, "rb") as f:
            check_eq(f.read(), b"first datagram\n", "file after one")

        u.sendto(b"second datagram", ("127.0.0.1", port))
        m2, e2 = child_ran(d, "wdgram", pos=e.end())
        check(m2.group(1) != m.group(1), "the same pid twice")
        check_eq(e2.group(1), "0", "second child's exit status")
        with open(out, "rb") as f:
            check_eq(f.read(), b"first datagram\nsecond datagram\n",
                     "file after two")
        check_eq(len(d.findall_log(r"^wdgram/udp: started pid", pos=0)), 2,
                 "children started")
    finally:
        u.close()
    d.stop()


@test
def udp_wait_access_list():
    """UDP wait service with only_from: a datagram from another address is
    dropped and counted and starts no child; an allowed one starts it.
    Winsock has no MSG_DONTWAIT: this is the path where a zero-timeout
    select comes before the peek."""
    port = free_port()
    out = os.path.join(tmpdir(), "dgrams")
    d = WineDaemon(xservice("wacl", port, winhelper("dgram", winpath(out))
                            + "\n\tonly_from = 127.0.0.2",
                            proto="udp", stype="dgram", wait="yes"))
    bad = udp_socket("127.0.0.1")
    good = udp_socket("127.0.0.2")
    try:
        bad.sendto(b"refused", ("127.0.0.1", port))
        mark = d.pos()
        d.dump()
        d.wait_log(r"^dump: wacl/udp: .*accepted 0, refused 1, failed 0, "
                   r"running 0$", pos=mark)
        good.sendto(b"allowed", ("127.0.0.1", port))
        child_ran(d, "wacl")
        with open(out, "rb") as f:
            check_eq(f.read(), b"allowed\n", "what the child read")
        check_eq(len(d.findall_log(r"^wacl/udp: started pid", pos=0)), 1,
                 "children started")
    finally:
        bad.close()
        good.close()
    d.stop()


if __name__ == "__main__":
    run()
