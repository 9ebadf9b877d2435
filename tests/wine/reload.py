#!/usr/bin/env python3
"""pinetd.exe under Wine, reloading the configuration through
pinetd --reload --name NAME (a named event): services are added, a broken
file changes nothing, removed services close their ports."""

import re

from winlib import *  # noqa: F401,F403


def args_reply(port, word):
    """Connect to a winhelper "args WORD" service and check its answer
    (argv[1] on: argv[0] is not what this test is about)."""
    got = recv_all(connect(port, timeout=30), timeout=30).split(b"\n")
    check_eq(got[1:], [b"<args>", b"<%s>" % word.encode(), b""],
             "answer on port %d" % port)


@test
def reload_add_break_remove():
    """reload adds a service, ignores a broken file, removes a service

    Adding a service leaves the first one untouched (its socket and a
    connection it is serving); a syntax error is logged with file:line and
    both services go on; then a service left out closes its port."""
    p1, p2 = free_port(), free_port()
    one = xservice("wone", p1, winhelper("pid"))
    two = xservice("wtwo", p2, winhelper("args", "two"))
    d = WineDaemon(one)
    held = connect(p1, timeout=30)
    line = recv_line(held, timeout=30)
    check(line.startswith(b"pid "), "first service: %r" % line)
    expect_refused(p2)

    write_file(d.conf, one + two)
    m = d.reload()
    check_eq(m.group(0), "reload: 2 services (1 added, 0 changed, "
             "0 removed)", "reload line")
    args_reply(p2, "two")
    s = connect(p1, timeout=30)
    check(recv_line(s, timeout=30).startswith(b"pid "), "first service "
          "after the reload")
    s.close()
    held.sendall(b"still here\n")
    expect_silence(held, 0.2)
    check_eq(len(d.findall_log(r"^wone/tcp: listening on ", pos=0)), 1,
             "times the first service opened its socket")

    good = one + two
    bad = good + "service wbad\n{\n\tport 1\n}\n"
    badline = good.count("\n") + 3
    write_file(d.conf, bad)
    m = d.reload()
    check(re.match(r"reload: 1 errors? in .*; configuration unchanged$",
                   m.group(0)), "reload line %r" % m.group(0))
    d.wait_log(r"^%s:%d: expected '='" % (re.escape(winpath(d.conf)),
                                          badline), pos=0)
    args_reply(p2, "two")
    s = connect(p1, timeout=30)
    check(recv_line(s, timeout=30).startswith(b"pid "), "first service "
          "after the broken reload")
    s.close()

    write_file(d.conf, two)
    m = d.reload()
    check_eq(m.group(0), "reload: 1 services (0 added, 0 changed, "
             "1 removed)", "reload line")
    expect_refused(p1)
    args_reply(p2, "two")
    held.close()
    d.stop()


if __name__ == "__main__":
    run()
