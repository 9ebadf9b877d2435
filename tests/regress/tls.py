#!/usr/bin/env python3
"""TLS termination (--with-openssl): the client speaks TLS, the server gets
a plain connected socket; tested with openssl s_client and with the kdb+
fixture's client over TLS."""

import os
import re
import select
import ssl
import socket
import struct
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F401,F403
from kdbclient import Client  # noqa: E402

FAKEQ = os.path.abspath(os.environ.get("FAKEQ", "./tests/helpers/fakeq"))
_cert = {}


def make_cert(d, cn="localhost"):
    """A new self-signed certificate and key in directory d."""
    c, k = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", k, "-out", c, "-days", "1",
                    "-subj", "/CN=%s" % cn], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return c, k


def cert():
    """A self-signed certificate and key for localhost, made once."""
    if not _cert:
        c, k = make_cert(tmpdir())
        _cert.update(cert=c, key=k)
    return _cert["cert"], _cert["key"]


def tls_lines():
    c, k = cert()
    return "\ttls_cert = %s\n\ttls_key = %s\n" % (c, k)


def tls_connect(port):
    ctx = ssl.create_default_context(cafile=cert()[0])
    ctx.check_hostname = False
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return ctx.wrap_socket(s, server_hostname="localhost")


@test
def s_client_round_trip():
    """openssl s_client reaches a per-connection server through TLS"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root %s\n"
               % (p, helper("echo-once")) + tls_lines())
    r = subprocess.run(["openssl", "s_client", "-connect",
                        "127.0.0.1:%d" % p, "-quiet"], input=b"over tls\n",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=20)
    check(re.search(rb"pid=\d+: over tls\n", r.stdout),
          "s_client output %r / %r" % (r.stdout, r.stderr[-300:]))
    d.stop()


@test
def q_over_tls():
    """the kdb+ fixture per connection over TLS: handshake, 1+1, one
    process per connection, REMOTE_ADDR is the TLS client, TLS >= 1.2"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root %s fakeq /db\n"
               % (p, FAKEQ) + tls_lines())
    pids = []
    for _ in range(2):
        c = Client()
        c.sock = tls_connect(p)
        check(c.sock.version() in ("TLSv1.2", "TLSv1.3"),
              "protocol %s" % c.sock.version())
        c.handshake("", "", 3)
        check_eq(c.sync("1+1"), 2, "1+1 over TLS")
        check_eq(c.sync("getenv`REMOTE_ADDR"), "127.0.0.1", "REMOTE_ADDR")
        pids.append(c.sync(".z.i"))
        c.close()
    check(pids[0] != pids[1], "one private process per connection")
    d.stop()


@test
def client_refuses_wrong_or_expired_certificate():
    """a verifying client refuses the service's certificate when it trusts
    another CA, and when the certificate has expired (s_client -attime)"""
    import time as _time
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root %s\n"
               % (p, helper("echo-once")) + tls_lines())
    other = tmpdir()
    oc, ok = os.path.join(other, "c.pem"), os.path.join(other, "k.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", ok, "-out", oc, "-days", "1",
                    "-subj", "/CN=localhost"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ctx = ssl.create_default_context(cafile=oc)
    s = socket.create_connection(("127.0.0.1", p), timeout=5)
    try:
        ctx.wrap_socket(s, server_hostname="localhost")
        raise Failure("a certificate from another CA was accepted")
    except ssl.SSLCertVerificationError:
        pass
    finally:
        s.close()
    later = int(_time.time()) + 3 * 86400
    r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % p,
                        "-CAfile", cert()[0], "-verify_return_error",
                        "-attime", str(later)], input=b"",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=20)
    check(r.returncode != 0 and b"certificate has expired" in
          r.stdout + r.stderr, "expired certificate refused: %r"
          % (r.stdout + r.stderr)[-400:])
    d.stop()


@test
def no_process_before_handshake():
    """a client that speaks plain text to a TLS service is dropped when the
    handshake fails, and no server is ever started for it; with -l the
    failure is logged with the client's address and OpenSSL's reason (it
    was logged only with -d, without either); a client resetting at once
    is logged with its address and the socket's error"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root %s\n"
               % (p, helper("env")) + tls_lines())
    s = connect(p)
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    recv_all(s)
    d.wait_log(r"^127\.0\.0\.1:%d/tcp: connection from 127\.0\.0\.1:%d: "
               r"TLS handshake failed: \w.*$" % (p, s.getsockname()[1]))
    s.close()
    # A client that resets at once: its address (getpeername had none by
    # then) and the socket's error, not "unknown TLS error".
    s = connect(p)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                 struct.pack("ii", 1, 0))
    port = s.getsockname()[1]
    s.close()
    m = d.wait_log(r"^127\.0\.0\.1:%d/tcp: connection from 127\.0\.0\.1:%d: "
                   r"TLS handshake failed: (.*)$" % (p, port))
    check("unknown" not in m.group(1), "reason %r" % m.group(1))
    d.send(__import__("signal").SIGUSR1)
    d.wait_log(r"^dump: 127\.0\.0\.1:%d/tcp: .*accepted 0, refused 0, "
               r"failed 2, running 0$" % p)
    check(not d.find_log(r", pid \d+$", pos=0), "no process started")
    d.stop()


def tls_wrap(s):
    """The TLS handshake on a connected socket."""
    ctx = ssl.create_default_context(cafile=cert()[0])
    ctx.check_hostname = False
    return ctx.wrap_socket(s, server_hostname="localhost")


def tls_echo_once(s, what):
    """Finish the handshake and have echo-once answer one line."""
    t = tls_wrap(s)
    t.sendall(b"bye\n")
    check(recv_all(t).endswith(b": bye\n"), what)
    t.close()


@test
def server_exit_ends_tls_cleanly():
    """when the server exits, the client gets a TLS close_notify before the
    TCP close, so it can tell the end of the reply from a cut connection
    (a client that does not accept a bare EOF reads to the end)"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root %s\n"
               % (p, helper("echo-once")) + tls_lines())
    ctx = ssl.create_default_context(cafile=cert()[0])
    ctx.check_hostname = False
    t = ctx.wrap_socket(connect(p), server_hostname="localhost",
                        suppress_ragged_eofs=False)
    t.sendall(b"bye\n")
    got = b""
    try:
        while True:
            b = t.recv(4096)
            if not b:
                break
            got += b
    except ssl.SSLEOFError as e:
        raise Failure("no close_notify before EOF (%s); got %r" % (e, got))
    check(got.endswith(b": bye\n"), "reply %r" % got)
    t.close()
    d.stop()


@test
def client_gone_with_output_queued():
    """a TLS client that goes away (a reset, or a bare FIN without
    close_notify) while the server's output is queued for it ends the
    relay: the server sees its connection close and exits, and the daemon
    holds no descriptor for it (after a reset the relay waited for ever for
    output that libevent no longer wrote, and the server ran until the
    daemon exited; the FIN case ended before too, and is kept as a check)"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait.0 root %s\n"
               % (p, helper("flood")) + tls_lines())
    base = len(os.listdir("/proc/%d/fd" % d.pid)) if HAVE_PROC else 0
    for how in ("reset", "fin"):
        t = tls_connect(p)
        check_eq(t.recv(2), b"y\n", "the server's first bytes")
        m = d.wait_log(r"^127\.0\.0\.1:%d/tcp: connection from "
                       r"127\.0\.0\.1:%d, pid (\d+)$"
                       % (p, t.getsockname()[1]))
        pid = int(m.group(1))
        if HAVE_PROC:
            # Not reading: the client's receive queue fills, then the
            # daemon's output for it.
            wait_until(lambda: (tcp_queues(t.getsockname()[1], p) or
                                (0, 0, 0))[2] > 65536,
                       what="the client's receive queue to fill")
        mark = d.pos()
        if how == "reset":
            t.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
            t.close()
        else:
            socket.socket.shutdown(t, socket.SHUT_WR)
        d.wait_log(r"^127\.0\.0\.1:%d/tcp: pid %d (exited|killed by "
                   r"signal)" % (p, pid), pos=mark)
        if how == "fin":
            t.close()
    if HAVE_PROC:
        wait_until(lambda: len(os.listdir("/proc/%d/fd" % d.pid)) == base,
                   what="the daemon's descriptors back to %d" % base)
    check_eq(children_of(d.pid), [], "children left")
    d.stop()


def dump_running(d, label):
    """Ask for a dump; how many connections the service has running."""
    mark = d.pos()
    d.send(__import__("signal").SIGUSR1)
    m = d.wait_log(r"^dump: %s: .*running (\d+)$" % re.escape(label),
                   pos=mark)
    return int(m.group(1))


def tls_block(name, port, body):
    """An xinetd block on 127.0.0.1:port with TLS and body's attributes."""
    return ("service %s\n{\n\ttype = UNLISTED\n\tsocket_type = stream\n"
            "\twait = no\n\tuser = root\n\tport = %d\n"
            "\tbind = 127.0.0.1\n%s%s}\n" % (name, port, body, tls_lines()))


@test
def failed_handshake_on_redirect_counted_failed():
    """a TLS redirect whose client fails the handshake is counted failed,
    not accepted (it was both)"""
    p, e = free_port(), free_port()
    echo = ("service echo\n{\n\ttype = INTERNAL UNLISTED\n\tid = "
            "echo-stream\n\tsocket_type = stream\n\twait = no\n"
            "\tuser = root\n\tport = %d\n\tbind = 127.0.0.1\n}\n" % e)
    d = Daemon(echo + tls_block("rd", p, "\tredirect = 127.0.0.1 %d\n" % e))
    s = connect(p)
    s.sendall(b"plain text, no TLS\r\n")
    recv_all(s)
    s.close()
    d.wait_log(r"TLS handshake failed")
    check_eq(d.counters(r"rd/tcp"), (0, 0, 1), "accepted, refused, failed")
    d.stop()


@test
def reload_mid_handshake_changes_kind():
    """a reload that turns a TLS redirect into a program, or a program into
    a redirect, while a handshake is under way: that connection fails and
    is counted so, the daemon goes on (a redirect gone mid-handshake
    crashed it; a program gone ran 'exec (null)'), and the next connection
    gets the new kind"""
    p, e = free_port(), free_port()
    echo = ("service echo\n{\n\ttype = INTERNAL UNLISTED\n\tid = "
            "echo-stream\n\tsocket_type = stream\n\twait = no\n"
            "\tuser = root\n\tport = %d\n\tbind = 127.0.0.1\n}\n" % e)
    redirect = tls_block("rd", p, "\tredirect = 127.0.0.1 %d\n" % e)
    program = tls_block("rd", p, "\tserver = %s\n\tserver_args = "
                        "echo-once\n" % TESTHELPER)
    d = Daemon(echo + redirect)
    for failed, then, answer in ((1, program, rb"pid=\d+: hi\n"),
                                 (2, redirect, rb"hi\n")):
        s = connect(p)			# the handshake waits for the client
        # Admitted (a handshake counts as running) before the reload.
        wait_until(lambda: dump_running(d, "rd/tcp") == 1,
                   what="the connection admitted")
        write_file(d.conf, echo + then)
        d.hup()
        try:
            t = tls_wrap(s)
            t.sendall(b"hi\n")
            got = recv_all(t)
        except (ssl.SSLError, OSError):
            got = b""
        check_eq(got, b"", "bytes on the connection admitted before")
        mark = d.pos()
        d.send(__import__("signal").SIGUSR1)
        d.wait_log(r"^dump: rd/tcp: listening on 127\.0\.0\.1:%d, nowait, "
                   r"%s, .*failed %d, running 0$"
                   % (p, "program " + re.escape(TESTHELPER)
                      if then is program else
                      r"redirect to 127\.0\.0\.1:%d" % e, failed),
                   pos=mark)
        t = tls_connect(p)
        t.sendall(b"hi\n")
        got = recv_all(t) if then is program else recv_exact(t, 3)
        check(re.match(answer, got), "the new kind's answer %r" % got)
        t.close()
    check(d.find_log(r"exec \(null\)", 0) is None, "exec of no program")
    d.stop()


@test
def handshake_limit_is_total():
    """the 10 s handshake limit counts from the connection, not from the
    client's last byte: a client trickling a ClientHello a byte every 2 s
    is dropped, and no server starts"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root %s\n"
               % (p, helper("env")) + tls_lines())
    s = connect(p)
    start = time.monotonic()
    # A handshake record header announcing 512 bytes, then the bytes.
    trickle = b"\x16\x03\x01\x02\x00" + b"\x00" * 512
    closed = None
    for byte in trickle:
        try:
            s.sendall(bytes([byte]))
        except OSError:
            closed = time.monotonic() - start
            break
        r, _, _ = select.select([s], [], [], 2)
        if r:
            try:
                data = s.recv(100)
            except OSError:
                data = b""
            if not data:
                closed = time.monotonic() - start
                break
        if time.monotonic() - start > 25:
            break
    s.close()
    check(closed is not None, "still open after %.0f s of trickling"
          % (time.monotonic() - start))
    check(closed >= 9, "dropped after only %.1f s" % closed)
    d.wait_log(r"^127\.0\.0\.1:%d/tcp: connection from 127\.0\.0\.1:\d+: TLS "
               r"handshake took longer than 10 s$" % p, pos=0)
    check(not d.find_log(r", pid \d+$", pos=0), "no process started")
    d.stop()


@test
def instances_count_handshakes():
    """instances counts a connection from the moment it is admitted: with
    nowait/1, a second client arriving while the first is still in its TLS
    handshake is refused, and the first is then served"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait/1 root %s\n"
               % (p, helper("echo-once")) + tls_lines())
    a = connect(p)          # admitted first: the kernel queues in order
    b = connect(p)
    check_eq(recv_all(b), b"", "data on the refused connection")
    d.wait_log(r"^127\.0\.0\.1:%d/tcp: connection from 127\.0\.0\.1:%d "
               r"refused: instances limit$" % (p, b.getsockname()[1]))
    b.close()
    tls_echo_once(a, "the first client served after its handshake")
    d.stop()


@test
def per_source_counts_handshakes():
    """per_source counts a connection during its TLS handshake, so the
    record of its address is kept: 127.0.0.32 and 127.0.1.1 share a hash
    bucket, and the second arriving must not drop the first's record (it
    did: the first's server was then charged to freed memory, and its
    address could start a second server past per_source = 1)"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait/0/0/1 root %s\n"
               % (p, helper("echo-once")) + tls_lines())
    x = connect_from(p, "127.0.0.32")
    y = connect_from(p, "127.0.1.1")
    ty = tls_wrap(y)        # y admitted after x, while x shakes hands
    tx = tls_wrap(x)
    for t in (tx, ty):
        d.wait_log(r"^127\.0\.0\.1:%d/tcp: connection from %s:%d, pid \d+$"
                   % (p, re.escape(t.getsockname()[0]), t.getsockname()[1]))
    x2 = connect_from(p, "127.0.0.32")
    check_eq(recv_all(x2), b"", "data on the refused connection")
    d.wait_log(r"^127\.0\.0\.1:%d/tcp: connection from 127\.0\.0\.32:%d "
               r"refused: per_source limit$" % (p, x2.getsockname()[1]))
    x2.close()
    for t in (tx, ty):
        t.sendall(b"bye\n")
        check(recv_all(t).endswith(b": bye\n"), "echo-once answered")
        t.close()
    d.stop()


def read_text(path):
    with open(path) as f:
        return f.read()


def served_der(port):
    """The certificate the service presents (DER), after one echo-once
    round trip through it."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    t = ctx.wrap_socket(connect(port), server_hostname="localhost")
    der = t.getpeercert(binary_form=True)
    t.sendall(b"bye\n")
    check(recv_all(t).endswith(b": bye\n"), "echo-once answered over TLS")
    t.close()
    return der


@test
def renewed_certificate_served_after_hup():
    """a certificate renewed at the same paths (as certbot does) is served
    after SIGHUP; a reload with the files untouched changes nothing"""
    p = free_port()
    ca, ka = make_cert(tmpdir(), "old.example")
    cb, kb = make_cert(tmpdir(), "new.example")
    dera = ssl.PEM_cert_to_DER_cert(read_text(ca))
    derb = ssl.PEM_cert_to_DER_cert(read_text(cb))
    live = tmpdir()
    c = write_file(os.path.join(live, "cert.pem"), read_text(ca))
    k = write_file(os.path.join(live, "key.pem"), read_text(ka))
    d = Daemon("127.0.0.1:%d stream tcp nowait root %s\n"
               "\ttls_cert = %s\n\ttls_key = %s\n"
               % (p, helper("echo-once"), c, k))
    check(served_der(p) == dera, "the first certificate served")
    check_eq(d.hup().group(0),
             "reload: 1 services (0 added, 0 changed, 0 removed)",
             "reload line, files untouched")
    check(served_der(p) == dera, "the first certificate still served")
    write_file(c, read_text(cb))
    write_file(k, read_text(kb))
    check_eq(d.hup().group(0),
             "reload: 1 services (0 added, 1 changed, 0 removed)",
             "reload line, certificate renewed")
    check(served_der(p) == derb, "the renewed certificate served")
    check_eq(d.hup().group(0),
             "reload: 1 services (0 added, 0 changed, 0 removed)",
             "reload line, renewed files untouched")
    d.stop()


@test
def bad_certificate_is_a_config_error():
    """a missing certificate, a lone tls_cert, a banner with TLS, or a
    certificate or key that is a FIFO (the load waited in its open) is a
    FILE:LINE error"""
    p = free_port()
    path = write_conf("127.0.0.1:%d stream tcp nowait root %s\n"
                      "\ttls_cert = /nonexistent.pem\n\ttls_key = /x.pem\n"
                      % (p, helper("env")))
    rc, out, err = run_pinetd(["-n", path])
    check(rc == 1 and "tls_cert '/nonexistent.pem'" in err, err)
    path = write_conf("127.0.0.1:%d stream tcp nowait root %s\n"
                      "\ttls_cert = %s\n" % (p, helper("env"), cert()[0]))
    rc, out, err = run_pinetd(["-n", path])
    check(rc == 1 and "needs both tls_cert and tls_key" in err, err)
    # A banner would go out in the clear before the handshake and break it.
    ban = write_file(os.path.join(tmpdir(), "banner"), "hello\n")
    path = write_conf("127.0.0.1:%d stream tcp nowait root %s\n"
                      "\tbanner_success = %s\n" % (p, helper("env"), ban)
                      + tls_lines())
    rc, out, err = run_pinetd(["-n", path])
    check(rc == 1 and re.search(re.escape(path) + r":\d+: a banner cannot "
                                r"go with TLS", err), err)
    # A FIFO held the load (with a reload, every service) in open.
    fifo = os.path.join(tmpdir(), "fifo")
    os.mkfifo(fifo)
    c, k = cert()
    for cf, kf, word in ((fifo, k, "tls_cert"), (c, fifo, "tls_key")):
        check_load_error("127.0.0.1:%d stream tcp nowait root %s\n"
                         "\ttls_cert = %s\n\ttls_key = %s\n"
                         % (p, helper("env"), cf, kf),
                         r":\d+: %s '%s': not a regular file"
                         % (word, re.escape(fifo)))


if __name__ == "__main__":
    run(None if os.environ.get("PINETD_TLS") else
        "built without --with-openssl")
