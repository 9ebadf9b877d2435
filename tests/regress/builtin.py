#!/usr/bin/env python3
"""Built-in services (RFC 862, 863, 864, 867, 868) over TCP and UDP."""

import os
import re
import signal
import socket
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F401,F403

NAMES = ("echo", "discard", "chargen", "daytime", "time")
_d = None
PORT = {}


def daemon():
    """One shared daemon with every built-in on its own TCP+UDP port."""
    global _d
    if _d is not None and _d.running():
        use_daemon(_d)
        return _d
    lines = []
    for name in NAMES:
        PORT[name] = free_port()
        lines.append("127.0.0.1:%d stream tcp nowait root internal %s"
                     % (PORT[name], name))
        lines.append("127.0.0.1:%d dgram udp wait root internal %s"
                     % (PORT[name], name))
    _d = Daemon("\n".join(lines) + "\n")
    _d.persistent = True  # shared by the tests below, stopped by the last
    check_eq(_d.services, 10, "services in ready line")
    return _d


@test
def tcp_echo_line():
    """tcp echo: a line comes back unchanged, connection stays open"""
    daemon()
    s = connect(PORT["echo"])
    s.sendall(b"hello, pinetd\r\n")
    check_eq(recv_exact(s, 15), b"hello, pinetd\r\n", "echo reply")
    s.sendall(b"second")
    check_eq(recv_exact(s, 6), b"second", "second echo reply")
    s.shutdown(socket.SHUT_WR)
    check_eq(recv_all(s), b"", "data after our EOF")
    s.close()


def check_echo_1mb(port):
    """a 1 MB payload sent while reading comes back completely and in order"""
    payload = bytes((i * 7 + (i >> 10)) & 0xff for i in range(1 << 20))
    s = connect(port, timeout=10)
    t = send_in_thread(s, payload)
    got = recv_exact(s, len(payload), timeout=20)
    t.join(10)
    check(t.error is None, "sending failed: %r" % t.error)
    if got != payload:
        first = next(i for i in range(len(got)) if got[i] != payload[i])
        raise Failure("1 MB echo differs (first difference at %d)" % first)
    s.shutdown(socket.SHUT_WR)
    check_eq(recv_all(s), b"", "data after EOF")
    s.close()


@test
def tcp_echo_1mb():
    """tcp echo: a 1 MB payload is echoed back completely and in order"""
    daemon()
    check_echo_1mb(PORT["echo"])


def check_echo_half_close(port):
    """bytes in flight when the client half-closes all come back"""
    payload = bytes((i * 13 + (i >> 12)) & 0xff for i in range(1 << 20))
    # The client writes everything and half-closes before it reads a byte,
    # so the daemon meets EOF with bytes still on their way back: the
    # client's receive buffer is small (set before connecting, so the
    # window is small from the start) and its send buffer takes the 1 MB.
    # On Linux the daemon's socket send buffer grows to hold what the client
    # cannot take yet, so the daemon's own buffer is rarely what holds it.
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 2 << 20)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    t = send_in_thread(s, payload, half_close=True)
    t.join(10)
    check(not t.is_alive(), "client could not send 1 MB without reading")
    check(t.error is None, "sending failed: %r" % t.error)
    got = recv_all(s, timeout=20)
    check_eq(len(got), len(payload), "bytes echoed before EOF")
    check(got == payload, "echoed bytes differ from those sent")
    s.close()


@test
def tcp_echo_half_close_in_flight():
    """tcp echo: bytes in flight when the client half-closes all come back"""
    daemon()
    check_echo_half_close(PORT["echo"])


def open_fds(pid):
    """How many descriptors a process holds (Linux /proc)."""
    return len(os.listdir("/proc/%d/fd" % pid))


def check_echo_releases(d, port):
    """finished, reset and abandoned echo clients leave no descriptor"""
    base = open_fds(d.pid)
    for i in range(20):
        s = connect(port)
        s.sendall(b"x" * 100000)
        recv_exact(s, 1000)
        if i % 2:
            # Reset with bytes in flight both ways.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
    wait_until(lambda: open_fds(d.pid) <= base, timeout=10,
               what="daemon back to %d descriptors" % base)
    check_echo(port, b"still\n", "echo afterwards")


def check_echo_urgent(port):
    """urgent (out-of-band) data does not stop the echo: the bytes around it
    come back (the urgent byte itself is out of band, so not echoed), then
    the same with EOF right behind the urgent byte"""
    s = connect(port)
    s.sendall(b"before-")
    check_eq(recv_exact(s, 7), b"before-", "echo before urgent data")
    s.send(b"U", socket.MSG_OOB)
    s.sendall(b"after")
    check_eq(recv_exact(s, 5), b"after", "echo after urgent data")
    s.sendall(b"-more")
    check_eq(recv_exact(s, 5), b"-more", "echo later on")
    s.close()
    s = connect(port)
    s.sendall(b"one-")
    s.send(b"U", socket.MSG_OOB)
    s.sendall(b"two")
    s.shutdown(socket.SHUT_WR)
    check_eq(recv_all(s), b"one-two", "echo of a client that sent urgent "
             "data and EOF")
    s.close()


@test
def tcp_echo_urgent_data():
    """tcp echo: urgent data neither stalls nor ends the connection"""
    daemon()
    check_echo_urgent(PORT["echo"])


@test
def tcp_echo_releases_descriptors():
    """tcp echo: finished, reset and abandoned clients leave no descriptor"""
    if not os.path.isdir("/proc/self/fd"):
        skip("no /proc/PID/fd to count descriptors")
    check_echo_releases(daemon(), PORT["echo"])


@test
def tcp_echo_without_edge_triggering():
    """tcp echo on a loop that cannot edge-trigger (select, as on Windows):
    the buffered echo passes the same 1 MB, half-close, urgent data and
    descriptor checks as the fast one, and gives back bytes it holds at EOF (the fast
    one never reads while it holds bytes)"""
    env = dict(os.environ, EVENT_NOEPOLL="1", EVENT_NOPOLL="1",
               EVENT_NOKQUEUE="1", EVENT_NODEVPOLL="1", EVENT_NOEVPORT="1")
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root internal echo\n" % p,
               env=env)
    d.wait_log(r"^event loop: libevent [^,]+, select$", pos=0)
    check_echo_1mb(p)
    check_echo_half_close(p)
    check_echo_urgent(p)
    if os.path.exists("/proc/net/tcp"):
        check_echo_holds_at_eof(p)
    if os.path.isdir("/proc/self/fd"):
        check_echo_releases(d, p)
    d.stop()


@test
def tcp_echo_concurrent():
    """tcp echo: two open clients are served independently"""
    daemon()
    a = connect(PORT["echo"])
    b = connect(PORT["echo"])
    a.sendall(b"from a\n")
    b.sendall(b"from b\n")
    check_eq(recv_exact(b, 7), b"from b\n", "client b")
    check_eq(recv_exact(a, 7), b"from a\n", "client a")
    a.close()
    b.sendall(b"still b\n")
    check_eq(recv_exact(b, 8), b"still b\n", "client b after a closed")
    b.close()


@test
def tcp_discard():
    """tcp discard: nothing is returned and the connection stays open"""
    daemon()
    s = connect(PORT["discard"])
    s.sendall(b"x" * 100000)
    expect_silence(s, 0.5)
    s.sendall(b"more data\n")
    expect_silence(s, 0.2)
    s.close()


@test
def tcp_chargen():
    """tcp chargen: RFC 864 lines (74 bytes, rotating pattern), continuous"""
    daemon()
    s = connect(PORT["chargen"])
    first = recv_exact(s, 148)
    want = chargen_stream(2)
    check_eq(first[:74], want[:74], "chargen line 0")
    check_eq(first[74:], want[74:], "chargen line 1")
    # 300 lines: the pattern wraps around after 95 lines.
    rest = recv_exact(s, 298 * 74)
    check(first + rest == chargen_stream(300),
          "chargen lines 2..299 do not follow the RFC 864 pattern")
    s.close()


@test
def tcp_chargen_client_reset():
    """tcp chargen: a client vanishing mid-stream does not hurt the daemon"""
    d = daemon()
    for _ in range(3):
        s = connect(PORT["chargen"])
        recv_exact(s, 1000)
        # Close with unread data: the kernel sends RST, the daemon's next
        # write fails with EPIPE/ECONNRESET.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
    e = connect(PORT["echo"])
    e.sendall(b"alive?\n")
    check_eq(recv_exact(e, 7), b"alive?\n", "echo after chargen resets")
    e.close()
    check(d.running(), "daemon died")


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@test
def tcp_slow_readers_bounded_memory():
    """tcp chargen/echo: clients that never read do not grow the daemon"""
    if not HAVE_PROC:
        skip("no /proc to measure memory")
    d = daemon()
    before = rss_kb(d.pid)
    c = connect(PORT["chargen"])
    e = connect(PORT["echo"])
    e.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    t = send_in_thread(e, b"y" * (64 << 20))
    # Neither client reads for a second: the assertion window.
    time.sleep(1.0)
    grown = rss_kb(d.pid) - before
    c.close()
    e.close()
    t.join(5)
    check(grown < 32 * 1024, "daemon RSS grew by %d kB with clients that do "
          "not read" % grown)
    s = connect(PORT["echo"])
    s.sendall(b"ok\n")
    check_eq(recv_exact(s, 3), b"ok\n", "echo afterwards")
    s.close()


DAYTIME_RE = re.compile(
    rb"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|"
    rb"Nov|Dec) [ 0-9]\d \d\d:\d\d:\d\d \d{4}\r\n$")


def check_daytime(data):
    check(data.endswith(b"\r\n"), "daytime %r does not end with CRLF" % data)
    check(data.count(b"\n") == 1, "daytime %r is not one line" % data)
    check(DAYTIME_RE.match(data), "daytime %r is not ctime-style" % data)
    t = time.mktime(time.strptime(data[4:24].decode(), "%b %d %H:%M:%S %Y"))
    check(abs(t - time.time()) < 5,
          "daytime %r is %.0f s away from now" % (data, t - time.time()))


def check_time(data):
    check_eq(len(data), 4, "time length")
    v = int.from_bytes(data, "big")
    now = time.time() + RFC868_OFFSET
    check(abs(v - now) < 5, "time %d is %.0f s away from now (%d)"
          % (v, v - now, now))


@test
def tcp_daytime():
    """tcp daytime: one ctime-style line ending in CRLF, then EOF"""
    daemon()
    s = connect(PORT["daytime"])
    check_daytime(recv_all(s))
    s.close()


@test
def tcp_time():
    """tcp time: 4 bytes big-endian seconds since 1900, then EOF"""
    daemon()
    s = connect(PORT["time"])
    check_time(recv_all(s))
    s.close()


def udp_accepted(d, port):
    """The accepted counter of the UDP built-in on port, from a dump."""
    mark = d.pos()
    d.send(__import__("signal").SIGUSR1)
    m = d.wait_log(r"^dump: 127\.0\.0\.1:%d/udp: .*accepted (\d+), " % port,
                   pos=mark)
    d.wait_log(r"^dump: \d+ services", pos=mark)
    return int(m.group(1))


@test
def udp_echo():
    """udp echo: the datagram comes back, twice from one socket; each
    answered datagram counts as accepted in the dump (they stayed 0)"""
    d = daemon()
    before = udp_accepted(d, PORT["echo"])
    u = udp_socket()
    check_eq(udp_query(PORT["echo"], b"ping 1", sock=u), b"ping 1", "reply 1")
    check_eq(udp_query(PORT["echo"], b"ping 2" * 100, sock=u), b"ping 2" * 100,
             "reply 2")
    u.close()
    check_eq(udp_accepted(d, PORT["echo"]) - before, 2, "datagrams accepted")


@test
def udp_wildcard_replies_from_address_asked():
    """udp built-ins on * answer from the address each datagram was sent to
    (127.0.0.1, 127.0.0.2, 127.0.0.3 on Linux's loopback), so a client whose
    socket is connected to that address gets the reply"""
    if sys.platform != "linux":
        skip("only Linux routes all of 127/8 to the loopback by default")
    ports = dict((name, free_port()) for name in NAMES if name != "discard")
    Daemon("".join("*:%d dgram udp wait root internal %s\n" % (p, name)
                   for name, p in ports.items()))
    for host in ("127.0.0.1", "127.0.0.2", "127.0.0.3"):
        check_eq(udp_connected_query(ports["echo"], b"to " + host.encode(),
                                     host=host), b"to " + host.encode(),
                 "echo answer to a client connected to %s" % host)
        data = udp_connected_query(ports["daytime"], b"x", host=host)
        check(data is not None, "no daytime answer via %s" % host)
        check_daytime(data)
        data = udp_connected_query(ports["time"], b"x", host=host)
        check(data is not None, "no time answer via %s" % host)
        check_time(data)
        data = udp_connected_query(ports["chargen"], b"x", host=host)
        check(data, "no chargen answer via %s" % host)


@test
def udp_daytime():
    """udp daytime: one datagram with a ctime-style line ending in CRLF"""
    daemon()
    r = udp_query(PORT["daytime"], b"x")
    check(r is not None, "no answer")
    check_daytime(r)


@test
def udp_time():
    """udp time: one 4-byte datagram with the RFC 868 time"""
    daemon()
    r = udp_query(PORT["time"], b"x")
    check(r is not None, "no answer")
    check_time(r)


@test
def udp_chargen():
    """udp chargen: one 74-byte line of the RFC 864 pattern per datagram,
    the next line each time, as the BSDs answer (it sent the same 512
    bytes each time: seven times the amplification)"""
    daemon()
    period = chargen_stream(95)
    u = udp_socket()
    lines = []
    for i in range(3):
        r = udp_query(PORT["chargen"], b"x", sock=u)
        check(r is not None, "no answer to datagram %d" % i)
        check_eq(len(r), 74, "bytes in chargen datagram %d" % i)
        check(r in period * 2, "chargen datagram %r is not pattern" % r)
        lines.append(r)
    check(lines[0][1:72] == lines[1][:71] and lines[1][1:72] ==
          lines[2][:71], "not successive lines: %r" % lines)
    u.close()


@test
def udp_discard():
    """udp discard: the datagram is taken (counted) and not answered, and
    the daemon still serves afterwards"""
    d = daemon()
    label = r"127\.0\.0\.1:%d/udp" % PORT["discard"]
    before = d.counters(label)[0]
    u = udp_socket()
    u.sendto(b"to be discarded", ("127.0.0.1", PORT["discard"]))
    wait_until(lambda: d.counters(label)[0] > before,
               what="discard to count the datagram")
    check(udp_recv(u, 0.5) is None, "discard answered")
    check_eq(udp_query(PORT["echo"], b"after", sock=u), b"after", "echo")
    u.close()


@test
def udp_from_builtin_port():
    """udp echo: a datagram from source port 7 is not answered, nor one
    from any port below 1024 or from 2049; each is counted as refused (they
    were counted nowhere)"""
    if not IS_ROOT:
        skip("binding source port 7 needs root")
    d = daemon()
    label = r"127\.0\.0\.1:%d/udp" % PORT["echo"]
    before = d.counters(label)
    sent = 1
    try:
        u = udp_socket("127.0.0.1", 7)
    except OSError as e:
        skip("cannot bind 127.0.0.1:7/udp: %s" % e)
    try:
        u.sendto(b"loop?", ("127.0.0.1", PORT["echo"]))
        check(udp_recv(u, 0.5) is None, "datagram from port 7 was answered")
    finally:
        u.close()
    # Any port below 1024 (qotd's 17 bounced one spoofed datagram off
    # echo for ever) and NFS's 2049, as the BSD inetds refuse them.
    for sport in (19, 13, 37, 17, 1023, 2049):
        try:
            u = udp_socket("127.0.0.1", sport)
        except OSError:
            continue
        try:
            u.sendto(b"loop?", ("127.0.0.1", PORT["echo"]))
            sent += 1
            check(udp_recv(u, 0.3) is None,
                  "datagram from port %d was answered" % sport)
        finally:
            u.close()
    check_eq(udp_query(PORT["echo"], b"normal"), b"normal",
             "echo from an ordinary port")
    after = d.counters(label)
    check_eq((after[0] - before[0], after[1] - before[1]), (1, sent),
             "accepted and refused since the test began")


@test
def udp_from_configured_builtin_port():
    """udp echo on a non-standard port: a datagram from that same port, or
    from another UDP built-in's port, on another address is not answered
    (two such echoes would bounce one datagram for ever); each is counted
    refused"""
    d = daemon()
    label = r"127\.0\.0\.1:%d/udp" % PORT["echo"]
    before = d.counters(label)
    for name in ("echo", "chargen"):
        try:
            u = udp_socket("127.0.0.2", PORT[name])
        except OSError as e:
            skip("cannot bind 127.0.0.2:%d/udp: %s" % (PORT[name], e))
        try:
            u.sendto(b"loop?", ("127.0.0.1", PORT["echo"]))
            check(udp_recv(u, 0.5) is None, "datagram from the %s port %d "
                  "was answered" % (name, PORT[name]))
        finally:
            u.close()
    check_eq(udp_query(PORT["echo"], b"normal"), b"normal",
             "echo from an ordinary port")
    # Queued before "normal", so read (and refused) before it was answered.
    after = d.counters(label)
    check_eq((after[0] - before[0], after[1] - before[1]), (1, 2),
             "accepted and refused since the test began")


@test
def tcp_from_ftp_data_port():
    """tcp chargen and echo: a connection from source port 20 (an FTP
    server bounced at them by PORT) is closed unserved, counted and
    logged; from any other port it is served"""
    if not IS_ROOT:
        skip("binding source port 20 needs root")
    d = daemon()
    for name in ("chargen", "echo"):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", 20))
        except OSError as e:
            s.close()
            skip("cannot bind 127.0.0.1:20/tcp: %s" % e)
        s.settimeout(5)
        p = d.pos()
        s.connect(("127.0.0.1", PORT[name]))
        try:
            s.sendall(b"bounced\r\n")
        except OSError:
            pass  # already closed by the daemon
        check_eq(recv_all(s), b"", "%s's answer to port 20" % name)
        s.close()
        d.wait_log(r"^127\.0\.0\.1:%d/tcp: connection from 127\.0\.0\.1:20 "
                   r"refused: ftp-data source port$" % PORT[name], pos=p)
    s = connect(PORT["chargen"])
    check_eq(len(recv_exact(s, 74)), 74, "chargen from an ordinary port")
    s.close()


@test
def udp_guard_follows_reload():
    """a UDP built-in added by a reload joins the loop guard: a datagram
    from its port (on another address) to echo is not answered"""
    p, q = free_port(), free_port()
    line = "127.0.0.1:%d dgram udp wait root internal %s\n"
    d = Daemon(line % (p, "echo"))
    write_file(d.conf, line % (p, "echo") + line % (q, "chargen"))
    check(re.search(r"1 added", d.hup().group(0)), "reload line")
    try:
        u = udp_socket("127.0.0.2", q)
    except OSError as e:
        skip("cannot bind 127.0.0.2:%d/udp: %s" % (q, e))
    try:
        u.sendto(b"loop?", ("127.0.0.1", p))
        check(udp_recv(u, 0.5) is None, "answered the new built-in's port")
    finally:
        u.close()
    check_eq(udp_query(p, b"normal"), b"normal", "echo from an ordinary port")
    check_eq(d.counters(r"127\.0\.0\.1:%d/udp" % p)[:2], (1, 1),
             "accepted and refused")
    d.stop()


@test
def udp_wildcard_broadcast_answered_from_host():
    """udp echo on * answers a datagram to the loopback broadcast address
    127.255.255.255 from 127.0.0.1, never from the broadcast address"""
    if sys.platform != "linux":
        skip("Linux's loopback has the broadcast address 127.255.255.255")
    p = free_port()
    Daemon("*:%d dgram udp wait root internal echo\n" % p)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    u.settimeout(TIMEOUT)
    try:
        u.sendto(b"to all", ("127.255.255.255", p))
        data, src = u.recvfrom(100)
    finally:
        u.close()
    check_eq(data, b"to all", "echo of a broadcast")
    check_eq(src, ("127.0.0.1", p), "source of the answer")


@test
def udp_wildcard_builtin_by_reload():
    """a UDP socket on * that a reload hands from a server (udpwait) to the
    built-in echo, and one given a built-in anew, answer a client connected
    to 127.0.0.2 from 127.0.0.2"""
    if sys.platform != "linux":
        skip("only Linux routes all of 127/8 to the loopback by default")
    p, q = free_port(), free_port()
    d = Daemon("*:%d dgram udp wait root %s\n" % (p, helper("udpwait")))
    write_file(d.conf, "*:%d dgram udp wait root internal echo\n" % p
               + "*:%d dgram udp wait root internal echo\n" % q)
    check(re.search(r"1 added, 1 changed", d.hup().group(0)),
          "reload line")
    for port in (p, q):
        check_eq(udp_connected_query(port, b"via .2", host="127.0.0.2"),
                 b"via .2", "echo on port %d after the reload" % port)
    d.stop()


@test
def udp_wildcard_builtin_after_busy_reload():
    """a reload while a wait server holds a UDP socket on * gives it to the
    built-in echo when the server exits, and echo then answers a client
    connected to 127.0.0.2 from 127.0.0.2"""
    if sys.platform != "linux" or not HAVE_PROC:
        skip("only Linux routes all of 127/8 to the loopback by default")
    p = free_port()
    d = Daemon("*:%d dgram udp wait root %s\n" % (p, helper("sleep", 30)))
    u = udp_socket()
    u.sendto(b"start a server", ("127.0.0.1", p))
    u.close()
    pid = wait_until(lambda: children_of(d.pid), what="a child")[0][0]
    write_file(d.conf, "*:%d dgram udp wait root internal echo\n" % p)
    check(re.search(r"1 changed", d.hup().group(0)), "reload line")
    os.kill(pid, signal.SIGTERM)
    d.wait_log(r"^\*:%d/udp: pid %d killed by signal 15$" % (p, pid))
    check_eq(udp_connected_query(p, b"via .2", host="127.0.0.2"), b"via .2",
             "echo after the server that held the socket exited")
    d.stop()


@test
def builtin_connection_log():
    """-l: a built-in connection logs 'connection from ADDR:PORT, built-in'"""
    d = daemon()
    p = d.pos()
    s = connect(PORT["echo"])
    cport = s.getsockname()[1]
    s.sendall(b"x\n")
    recv_exact(s, 2)
    d.wait_log(r"^127\.0\.0\.1:%d/tcp: connection from 127\.0\.0\.1:%d, "
               r"built-in$" % (PORT["echo"], cport), pos=p)
    s.close()


@test
def builtin_by_service_name():
    """internal without argument: the service name (echo) picks the built-in"""
    if not IS_ROOT:
        skip("port 7 needs root")
    try:
        t = socket.socket()
        t.bind(("127.0.0.1", 7))
        t.close()
        t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        t.bind(("127.0.0.1", 7))
        t.close()
    except OSError as e:
        skip("127.0.0.1:7 is busy: %s" % e)
    d = Daemon("127.0.0.1:echo stream tcp nowait root internal\n"
               "127.0.0.1:daytime dgram udp wait root internal\n")
    s = connect(7)
    s.sendall(b"by name\n")
    check_eq(recv_exact(s, 8), b"by name\n", "echo on port 7")
    s.close()
    r = udp_query(13, b"x")
    check(r is not None, "no daytime answer on udp 13")
    check_daytime(r)
    d.stop()


@test
def builtin_shared_daemon_stops_cleanly():
    """the daemon that ran the built-in tests stops with status 0"""
    d = daemon()
    d.persistent = False
    d.stop()


if __name__ == "__main__":
    run()
