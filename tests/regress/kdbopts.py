#!/usr/bin/env python3
"""kdb+ recipes: the rp, prefix (SO_REUSEPORT), console output kept off the
IPC stream, and CPU affinity without taskset, in both dialects."""

import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F401,F403
from kdbclient import Client  # noqa: E402

FAKEQ = os.path.abspath(os.environ.get("FAKEQ", "./tests/helpers/fakeq"))


def q_line(port, extra_args="", prefix=""):
    return ("%s127.0.0.1:%d stream tcp nowait root %s fakeq /db %s\n"
            % (prefix, port, FAKEQ, extra_args))


@test
def reuseport_shared():
    """rp,: two daemons listen on one port and both serve; without rp, the
    second cannot bind"""
    p = free_port()
    a = Daemon(q_line(p, prefix="rp,"))
    b = Daemon(q_line(p, prefix="rp,"))
    check(b.find_log(r"listening on 127\.0\.0\.1:%d$" % p, pos=0),
          "second daemon bound the shared port")
    # The kernel picks a daemon by a hash of the client's address and port,
    # so connect until each has logged one: 64 tries all going to one
    # daemon would happen by chance once in 2^63 runs.
    served = r"^rp,127\.0\.0\.1:%d/tcp: connection from 127\.0\.0\.1:\d+, " % p
    for _ in range(64):
        c = Client()
        c.hopen(p)
        check_eq(c.sync("1+1"), 2, "served")
        c.close()
        if a.find_log(served, pos=0) and b.find_log(served, pos=0):
            break
    check(a.find_log(served, pos=0), "the first daemon served no connection")
    check(b.find_log(served, pos=0), "the second daemon served no connection")
    b.stop()
    a.stop()
    a = Daemon(q_line(p))
    b = Daemon(q_line(p), args=["-T", "30"])
    b.wait_log(r"bind 127\.0\.0\.1:%d: .*; retrying in 30 s$" % p, pos=0)
    b.stop()
    a.stop()


@test
def console_null_keeps_stream_clean():
    """console = null: q's console output (fakeq -e) goes nowhere and the
    IPC stream stays clean; console = FILE collects it"""
    p, q = free_port(), free_port()
    logf = os.path.join(tmpdir(), "q.out")
    d = Daemon(q_line(p, "-e") + "\tconsole = null\n"
               + q_line(q, "-e") + "\tconsole = %s\n" % logf)
    for port in (p, q):
        c = Client()
        c.hopen(port)
        check_eq(c.sync("1+1"), 2, "1+1 with console output redirected")
        c.close()
    wait_until(lambda: os.path.exists(logf) and
               "q console noise" in open(logf).read(),
               what="console output in the file")
    d.stop()



@test
def console_unwritable_refuses_cleanly():
    """console = FILE that cannot be opened: the connection is closed, the
    log names the file and the reason, no child is left, the daemon serves on"""
    p = free_port()
    q = free_port()
    bad = os.path.join(tmpdir(), "no-such-dir", "q.log")
    d = Daemon(q_line(p) + "\tconsole = %s\n" % bad + q_line(q))
    s = connect(p)
    check_eq(recv_all(s), b"", "bytes from a server that never started")
    s.close()
    d.wait_log(r": console %s: No such file or directory$" % re.escape(bad))
    # The child logs the error itself, just before it exits and is reaped.
    wait_until(lambda: children_of(d.pid) == [],
               what="no child after the failed start")
    c = Client()
    c.hopen(q)
    check_eq(c.sync("1+1"), 2, "the other service still answers")
    c.close()
    d.stop()

def allowed_cpus(port):
    out = answer(port)
    m = re.search(r"Cpus_allowed_list:\s*(\S+)", out)
    check(m, "Cpus_allowed_list in %r" % out)
    return m.group(1)


@test
def cpu_affinity_seen_by_sched_getaffinity():
    """cpu_affinity = 0 as sched_getaffinity reports it in the child"""
    if not sys.platform.startswith("linux"):
        skip("the helper reads affinity with Linux's sched_getaffinity")
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root %s\n\tcpu_affinity = 0\n"
               % (p, helper("affinity")))
    s = connect(p)
    check_eq(recv_all(s), b"cpus=0\n", "sched_getaffinity in the child")
    s.close()
    d.stop()


@test
def cpu_affinity_both_dialects():
    """cpu_affinity pins the server to the listed CPUs, on a BSD entry and
    in an xinetd block"""
    if not os.path.exists("/proc/self/status"):
        skip("no /proc/self/status to read the affinity from")
    grep = "/bin/grep" if os.path.exists("/bin/grep") else "/usr/bin/grep"
    p, q = free_port(), free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root %s grep "
               "Cpus_allowed_list /proc/self/status\n\tcpu_affinity = 0\n"
               % (p, grep))
    check_eq(allowed_cpus(p), "0", "BSD entry pinned to CPU 0")
    d.stop()
    d = Daemon("service aff\n{\n\ttype = UNLISTED\n\tsocket_type = stream\n"
               "\twait = no\n\tuser = root\n\tport = %d\n\tbind = 127.0.0.1\n"
               "\tserver = %s\n\tserver_args = Cpus_allowed_list "
               "/proc/self/status\n\tcpu_affinity = 0\n}\n" % (q, grep))
    check_eq(allowed_cpus(q), "0", "xinetd block pinned to CPU 0")
    d.stop()
    rc, out, err = run_pinetd(["-n", write_conf(
        "127.0.0.1:%d stream tcp nowait root %s x\n\tcpu_affinity = 0-x\n"
        % (p, grep))])
    check(rc == 1 and "bad cpu_affinity '0-x'" in err, err)


@test
def fakeq_listens_like_q_p():
    """the fixture's -p PORT listens like q -p and serves clients in turn
    (what the port hand-off mode will drive)"""
    import subprocess
    p = free_port()
    proc = subprocess.Popen([FAKEQ, "/db", "-p", str(p)])
    try:
        wait_connectable(p).close()
        for _ in range(2):
            c = Client()
            c.hopen(p)
            check_eq(c.sync("1+1"), 2, "1+1 from fakeq -p")
            check_eq(c.sync(".z.i"), proc.pid, ".z.i is the listener")
            c.close()
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    run()
