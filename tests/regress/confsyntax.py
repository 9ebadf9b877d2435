#!/usr/bin/env python3
"""Configuration syntax at run time: continuation lines, default hosts,
host names, tabs and comments."""

import os
import pwd
import re
import socket
import subprocess
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


def need_second_loopback():
    """Skip the test where 127.0.0.2 is not this host's too."""
    if not IS_LINUX or not can_bind("127.0.0.2"):
        skip("needs a second loopback address (127.0.0.2)")


def echo(port, host="127.0.0.1"):
    s = connect(port, host)
    s.sendall(b"hi\n")
    check_eq(recv_exact(s, 3), b"hi\n", "echo via %s:%d" % (host, port))
    s.close()


@test
def continuation_line():
    """a line starting with blanks continues the previous entry; an
    indented comment among its lines (an argument line commented out) is
    skipped and the entry goes on after it (it ended the entry, and the
    next line was refused as an entry with missing fields)"""
    p = free_port()
    Daemon("# comment\n"
           "\n"
           "127.0.0.1:%d\tstream\ttcp\tnowait\troot\t%s\n"
           "   \tcustom args\n"
           "  # dropped for now\n"
           "\t  first second\n"
           % (p, TESTHELPER))
    s = connect(p)
    out = recv_all(s).decode()
    s.close()
    check_eq(out, "argc=4 argv=custom|args|first|second\n", "argv")


@test
def default_host_line():
    """'HOST:' sets the default host for later lines, '*:' resets it"""
    need_second_loopback()
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
def default_hosts_share_a_port():
    """one port under two default-host lines: each entry's log and dump
    lines carry its address ('127.0.0.2:P/tcp'), so they can be told
    apart (both were 'P/tcp'); an entry no other shares keeps its label as
    written"""
    need_second_loopback()
    p, q = free_port(), free_port()
    d = Daemon("127.0.0.1:\n"
               "%d stream tcp nowait root internal echo\n"
               "%d stream tcp nowait root internal echo\n"
               "127.0.0.2:\n"
               "%d stream tcp nowait root internal echo\n" % (p, q, p))
    check_eq(d.services, 3, "services")
    for host in ("127.0.0.1", "127.0.0.2"):
        s = connect(p, host)
        s.sendall(b"x")
        recv_exact(s, 1)
        d.wait_log(r"^%s:%d/tcp: connection from %s:%d, built-in$"
                   % (re.escape(host), p,
                      re.escape(s.getsockname()[0]), s.getsockname()[1]))
        s.close()
    mark = d.pos()
    d.send(__import__("signal").SIGUSR1)
    d.wait_log(r"^dump: %d services" % 3, pos=mark)
    dump = d.log()[mark:]
    for label in ("127.0.0.1:%d/tcp" % p, "127.0.0.2:%d/tcp" % p,
                  "%d/tcp" % q):
        check(re.search(r"^dump: %s: " % re.escape(label), dump, re.M),
              "dump line for %s in %r" % (label, dump))
    # Alone on its port again, 127.0.0.2's entry is the same service,
    # unchanged, under its plain label.
    write_file(d.conf, "127.0.0.1:\n%d stream tcp nowait root internal echo\n"
               "127.0.0.2:\n%d stream tcp nowait root internal echo\n"
               % (q, p))
    check_eq(d.hup().group(0), "reload: 2 services (0 added, 0 changed, 1 "
             "removed)", "the reload line")
    s = connect(p, "127.0.0.2")
    s.sendall(b"x")
    recv_exact(s, 1)
    d.wait_log(r"^%d/tcp: connection from 127\.0\.0\.\d+:%d, built-in$"
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


def buffer_sizes(port):
    """The SO_SNDBUF and SO_RCVBUF a server's connection on port has."""
    out = answer(port)
    m = re.match(r"sndbuf=(\d+) rcvbuf=(\d+)\n$", out)
    check(m, "bufsizes output %r" % out)
    return int(m.group(1)), int(m.group(2))


def asked(size):
    """What getsockopt reports for a buffer size asked of the system:
    Linux doubles it (for its own bookkeeping), the BSDs do not."""
    return 2 * size if IS_LINUX else size


@test
def protocol_buffer_sizes():
    """NetBSD and FreeBSD's 'tcp,sndbuf=SIZE,rcvbuf=SIZE' set the listening
    socket's buffers, which its connections inherit (k and m units, either
    order, either alone); an entry without them keeps the system's; a
    reload changing a size reopens the socket with the new one"""
    p, q, r = free_port(), free_port(), free_port()
    line = "127.0.0.1:%d stream %s nowait root %s testhelper bufsizes\n"
    d = Daemon(line % (p, "tcp,sndbuf=48k,rcvbuf=96k", TESTHELPER)
               + line % (q, "tcp4,rcvbuf=40960", TESTHELPER)
               + line % (r, "tcp", TESTHELPER))
    check_eq(buffer_sizes(p), (asked(48 * 1024), asked(96 * 1024)),
             "sndbuf=48k,rcvbuf=96k")
    plain = buffer_sizes(r)
    check_eq(buffer_sizes(q), (plain[0], asked(40960)), "rcvbuf alone")
    check(plain[1] != asked(40960) and plain[0] != asked(48 * 1024),
          "the system's own sizes %r differ from those asked" % (plain,))
    write_file(d.conf, line % (p, "tcp,rcvbuf=64k,sndbuf=32k", TESTHELPER)
               + line % (q, "tcp4,rcvbuf=40960", TESTHELPER)
               + line % (r, "tcp", TESTHELPER))
    check_eq(d.hup().group(0), "reload: 3 services (0 added, 1 changed, 0 "
             "removed)", "the reload line")
    check_eq(buffer_sizes(p), (asked(32 * 1024), asked(64 * 1024)),
             "sizes after the reload")
    d.stop()



@test
def bsd_dialect_variants():
    """forms other BSDs write load as they mean there: FreeBSD's
    user/login-class (the class ignored with a warning) and an empty
    limit field (the default), NetBSD's nowait:max; a FreeBSD '#@' IPsec
    line is warned about (each was an
    'unknown user', 'bad limit', 'bad wait field' or 'unknown service'
    error, or silently dropped)"""
    p, q, r = free_port(), free_port(), free_port()
    d = Daemon("#@ ipsec in ipsec esp/transport//require\n"
               "127.0.0.1:%d stream tcp nowait root/daemon internal echo\n"
               "127.0.0.1:%d stream tcp nowait//10 root internal echo\n"
               "127.0.0.1:%d stream tcp nowait:7 root internal echo\n"
               % (p, q, r))
    check_eq(d.services, 3, "services loaded")
    d.wait_log(r"^%s:1: IPsec policy line ignored" % re.escape(d.conf),
               pos=0)
    d.wait_log(r"^%s:2: login class 'daemon' ignored" % re.escape(d.conf),
               pos=0)
    for port in (p, q, r):
        s = connect(port)
        s.sendall(b"x\n")
        check_eq(recv_exact(s, 2), b"x\n", "echo on %d" % port)
        s.close()
    mark = d.pos()
    d.send(__import__("signal").SIGUSR1)
    d.wait_log(r"^dump: 127\.0\.0\.1:%d/tcp: .*max 7/min, instances unlimited,"
               % r, pos=mark)
    d.wait_log(r"^dump: 127\.0\.0\.1:%d/tcp: .*instances unlimited," % q, pos=mark)
    d.stop()



UNSUPPORTED = [
    ("rstatd/1-3 stream rpc/tcp wait root /usr/sbin/rpc.rstatd rstatd\n",
     r"protocol 'rpc/tcp': Sun-RPC services are not supported in this "
     r"build; entry skipped"),
    ("rusersd/2-3 dgram rpc/udp wait root /usr/sbin/rpc.rusersd x\n"
     "\tonly_from = 127.0.0.1\n",
     r"protocol 'rpc/udp': Sun-RPC services are not supported in this "
     r"build; entry skipped"),
    ("tcpmux/+myserv stream tcp nowait root /bin/cat cat\n",
     r"'tcpmux/\+myserv': pinetd has no tcpmux services; entry skipped"),
    ("tcpmux stream tcp nowait root internal\n",
     r"pinetd has no built-in 'tcpmux'; entry skipped"),
    ("127.0.0.1:%d stream tcp nowait root internal auth -r\n",
     r"pinetd has no built-in 'auth'; entry skipped"),
]


@test
def unsupported_entries_skipped():
    """entries of kinds the BSD inetds run and pinetd does not (Sun-RPC,
    tcpmux, the auth built-in) are skipped with a warning, at start-up,
    with -n (status 0) and on reload, so a stock file still reloads (each
    was an error, and one such line made every reload change nothing);
    'internal' followed by a word that is no built-in serves the service's
    own built-in, as the BSDs do (it was an unknown built-in)"""
    p, q, r = free_port(), free_port(), free_port()
    lines = []
    for text, _ in UNSUPPORTED:
        lines.append(text % r if "%d" in text else text)
    conf = ("".join(lines)
            + "127.0.0.1:%d stream tcp nowait root internal echo\n" % p)
    # -n binds nothing, so daytime's own port (13) can be named here.
    rc, out, err = run_pinetd(["-n", write_conf(
        conf + "daytime stream tcp nowait root internal in.daytimed\n")])
    check_eq(rc, 0, "pinetd -n status (stderr %r)" % err)
    for _, rx in UNSUPPORTED:
        check(re.search(r":\d+: " + rx, err), "no warning /%s/ in %r" % (rx, err))
    check(re.search(r":%d: 'in\.daytimed' after internal is no built-in; "
                    r"ignored for 'daytime'\n" % (conf.count("\n") + 1), err),
          "no warning about in.daytimed in %r" % err)
    d = Daemon(conf)
    check_eq(d.services, 1, "services loaded")
    write_file(d.conf, conf + "127.0.0.1:%d stream tcp nowait root "
               "internal echo\n" % q)
    m = d.hup()
    check(re.search(r"1 added", m.group(0)), "reload line: %r" % m.group(0))
    check_echo(q, b"after the reload\n")
    try:
        connect(r).close()
        raise Failure("the skipped auth entry listens on %d" % r)
    except ConnectionRefusedError:
        pass
    d.stop()


@test
def bsd_directory_with_b():
    """-b given a directory reads every file in it as inetd.conf lines, in
    name order, skipping editor and package leftovers (.name, name~,
    name.dpkg-old), as inetutils' inetd reads /etc/inetd.d; without -b an
    inetd.conf line there gets a hint at -b (it was read as xinetd, and
    -b made no difference)"""
    p, q = free_port(), free_port()
    top = tmpdir()
    d = os.path.join(top, "inetd.d")
    os.mkdir(d)
    line = "127.0.0.1:%d stream tcp nowait root internal echo\n"
    write_file(os.path.join(d, "echo"), line % p)
    write_file(os.path.join(d, "more"), "127.0.0.1:\n" + line % q)
    for junk in (".hidden", "echo~", "echo.dpkg-old"):
        write_file(os.path.join(d, junk), line % p)  # the same socket
    dm = Daemon(d, args=["-b"])
    check_eq(dm.services, 2, "services loaded")
    check_echo(p, b"first file\n")
    check_echo(q, b"second file\n")
    dm.stop()
    rc, out, err = run_pinetd(["-n", d])
    check(rc == 1 and re.search(r"echo:1: expected 'service', .*\(an "
                                r"inetd\.conf line\? -b reads a file or "
                                r"directory of them\)", err),
          "pinetd -n without -b: %d %r" % (rc, err))


@test
def bsd_directory_unreadable_file():
    """-b DIR with a file the daemon cannot read is an error naming that
    file, not a file skipped in silence (a service would go missing)"""
    top = tmpdir()
    os.chmod(top, 0o755)
    d = os.path.join(top, "inetd.d")
    os.mkdir(d)
    write_file(os.path.join(d, "echo"), "127.0.0.1:%d stream tcp nowait "
               "root internal echo\n" % free_port())
    secret = os.path.join(d, "secret")
    write_file(secret, "127.0.0.1:%d stream tcp nowait root internal "
               "echo\n" % free_port())
    os.chmod(secret, 0)
    if not IS_ROOT and os.access(secret, os.R_OK):
        skip("a file of mode 0 is still readable here")
    preexec = None
    if IS_ROOT:
        # Root reads a file of mode 0: check as nobody.
        try:
            pw = pwd.getpwnam("nobody")
        except KeyError:
            skip("no user 'nobody'")

        def preexec():
            os.setgroups([])
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
    try:
        p = subprocess.run([PINETD, "-n", "-b", d], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           preexec_fn=preexec, timeout=TIMEOUT)
    except PermissionError as e:
        skip("nobody cannot run the daemon here: %s" % e)
    err = p.stderr.decode(errors="replace")
    if IS_ROOT and "Permission denied" in err and secret not in err:
        skip("nobody cannot run the daemon here: %s" % err.strip())
    check(p.returncode == 1 and re.search(r"%s: Permission denied"
                                          % re.escape(secret), err),
          "pinetd -n -b: %d %r" % (p.returncode, err))


@test
def inetutils_v6only_protocols():
    """inetutils' tcp6only and udp6only are tcp6 and udp6 (IPv6 alone;
    they were unknown protocols)"""
    if not have_ipv6():
        skip("no IPv6")
    p = free_port()
    d = Daemon("[::1]:%d stream tcp6only nowait root internal echo\n"
               "[::1]:%d dgram udp6only wait root internal echo\n" % (p, p))
    check_eq(d.services, 2, "services loaded")
    s = connect(p, host="::1")
    s.sendall(b"six\n")
    check_eq(recv_exact(s, 4), b"six\n", "tcp6only echo")
    s.close()
    check_eq(udp_query(p, b"six", host="::1"), b"six", "udp6only echo")
    d.stop()


@test
def tcp_wrappers_rules_warned():
    """rules in /etc/hosts.deny, which xinetd and inetds built with libwrap
    apply and pinetd does not, are a warning at each load (access widened
    without a word), unless every program runs through tcpd"""
    if not IS_ROOT:
        skip("a mount namespace needs root")
    pre = private_etc_with("hosts.deny", "# tcpd\n\necho: 127.0.0.1\n")
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root internal echo\n" % p,
               preexec_fn=pre)
    rx = (r"^/etc/hosts\.deny has rules, which pinetd does not apply "
          r"\(xinetd and inetds built with libwrap do\): write them as "
          r"only_from or no_access, or run the server through tcpd$")
    d.wait_log(rx, pos=0)
    check(not d.find_log(r"^/etc/hosts\.allow", 0), "hosts.allow named")
    m = d.pos()
    d.hup()
    d.wait_log(rx, pos=m)
    d.stop()
    tcpd = os.path.join(tmpdir(), "tcpd")
    os.symlink(TESTHELPER, tcpd)
    d = Daemon("127.0.0.1:%d stream tcp nowait root %s tcpd env\n"
               % (p, tcpd), preexec_fn=pre)
    check(not d.find_log(r"hosts\.deny", 0), "warned with tcpd")
    d.stop()


@test
def host_then_space_then_service():
    """'127.0.0.1: PORT stream ...' (a space after the host's ':') is the
    host of that entry alone, as openbsd-inetd and NetBSD read it (it was
    an error); the next entry keeps the default host"""
    p, q = free_port(), free_port()
    d = Daemon("127.0.0.1: %d stream tcp nowait root internal echo\n"
               "%d stream tcp nowait root internal echo\n" % (p, q))
    check_eq(d.services, 2, "services loaded")
    d.wait_log(r"^127\.0\.0\.1:%d/tcp: listening on 127\.0\.0\.1:%d$"
               % (p, p), pos=0)
    d.wait_log(r"listening on 0\.0\.0\.0:%d$" % q, pos=0)
    check_echo(p, b"host, space, port\n")
    d.stop()


@test
def freebsd_limits_on_wait():
    """FreeBSD's limits on a wait entry (wait/1) load with a warning that
    they are ignored, and the server runs (they were an error and the
    entry was left out)"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp wait/1/2 root %s\n"
               % (p, helper("streamwait")))
    check_eq(d.services, 1, "services loaded")
    d.wait_log(r":1: limits in 'wait/1/2' do not apply to a wait service; "
               r"ignored$", pos=0)
    check(re.match(r"^pid=\d+ accepted\n$", answer(p)), "served")
    d.stop()


@test
def byte_order_mark_skipped():
    """a UTF-8 byte order mark (Notepad writes one) at the start of an
    inetd.conf, an xinetd file or a file it includes is skipped (it was
    part of the first word: 'bad host', or an xinetd file read as
    inetd.conf)"""
    bom = "\ufeff"
    p, q, r = free_port(), free_port(), free_port()
    d = Daemon(bom + "127.0.0.1:%d stream tcp nowait root internal echo\n"
               % p)
    check_eq(d.services, 1, "services of a BSD file with a BOM")
    d.stop()
    top = tmpdir()
    inc = os.path.join(top, "xd")
    os.mkdir(inc)
    block = ("%sservice echo\n{\n\ttype = INTERNAL UNLISTED\n\tid = %s\n"
             "\tsocket_type = stream\n\twait = no\n\tport = %d\n"
             "\tbind = 127.0.0.1\n}\n")
    write_file(os.path.join(inc, "b"), block % (bom, "b", r))
    d = Daemon(block % (bom, "a", q) + "includedir %s\n" % inc,
               directory=top)
    check_eq(d.services, 2, "services of an xinetd file and an include, "
             "both with a BOM")
    for port in (q, r):
        s = connect(port)
        s.sendall(b"bom\n")
        check_eq(recv_exact(s, 4), b"bom\n", "echo on %d" % port)
        s.close()
    d.stop()



@test
def host_with_several_addresses():
    """a host name with several addresses is a warning naming them all
    and the one the service listens on (it silently listened on the first
    alone, where openbsd-inetd listens on each)"""
    if not IS_ROOT:
        skip("a private /etc/hosts needs root")
    pre = private_etc_file("hosts", "127.0.0.1 pinetd-multi\n"
                           "127.0.0.2 pinetd-multi\n")
    p = free_port()
    d = Daemon("pinetd-multi:%d stream tcp nowait root internal echo\n" % p,
               preexec_fn=pre)
    d.wait_log(r"^%s:1: host 'pinetd-multi' has 2 addresses; the service "
               r"listens on the first only, 127\.0\.0\.1:%d$"
               % (re.escape(d.conf), p), pos=0)
    d.stop()


if __name__ == "__main__":
    run()
