#!/usr/bin/env python3
"""TLS termination in pinetd.exe (Wine): the daemon speaks TLS to the client
(Python's ssl module on the Linux side) and hands the server, winhelper.exe
or the kdb+ fixture, the plain end of a loopback socket pair as its standard
handles. Certificates come from a test CA made with the openssl command."""

import os
import socket
import ssl
import subprocess

from winlib import *  # noqa: F401,F403
from kdbclient import Client  # noqa: E402

_pki = {}


def openssl(*args):
    """Run the openssl command; fail the test with its output if it fails."""
    r = subprocess.run(["openssl"] + list(args), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=60)
    check(r.returncode == 0, "openssl %s: %s" % (
        " ".join(args), r.stdout.decode(errors="replace")[-600:]))


def make_ca(d, name):
    """A self-signed CA (P-256) in d: returns (cert, key)."""
    c, k = os.path.join(d, name + ".pem"), os.path.join(d, name + ".key")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", k,
            "-out", c, "-days", "2", "-subj", "/CN=pinetd test " + name)
    return c, k


def make_leaf(d, name, ca, serial, days):
    """A server certificate for localhost and 127.0.0.1 signed by ca, valid
    for days (-1: it expired a day before it was made): (cert, key)."""
    c, k = os.path.join(d, name + ".pem"), os.path.join(d, name + ".key")
    csr, ext = os.path.join(d, name + ".csr"), os.path.join(d, name + ".ext")
    write_file(ext, "basicConstraints = CA:FALSE\n"
               "keyUsage = digitalSignature\n"
               "extendedKeyUsage = serverAuth\n"
               "subjectAltName = DNS:localhost, IP:127.0.0.1\n"
               "subjectKeyIdentifier = hash\n"
               "authorityKeyIdentifier = keyid\n")
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", k,
            "-out", csr, "-subj", "/CN=localhost")
    openssl("x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1],
            "-set_serial", str(serial), "-days",
            str(days), "-extfile", ext, "-out", c)
    return c, k


def pki():
    """The test CA, another CA, a good and an expired server certificate;
    made once."""
    if not _pki:
        d = tmpdir()
        ca = make_ca(d, "ca")
        _pki["ca"] = ca[0]
        _pki["other"] = make_ca(d, "other")[0]
        _pki["good"] = make_leaf(d, "good", ca, 1, 2)
        _pki["expired"] = make_leaf(d, "expired", ca, 2, -1)
    return _pki


def tls_body(server, which="good"):
    """The server lines of an xinetd block plus its tls_cert and tls_key."""
    cert, key = pki()[which]
    return "%s\n\ttls_cert = %s\n\ttls_key = %s" % (server, winpath(cert),
                                                    winpath(key))


def tls_connect(port, cafile=None, hostname="localhost"):
    """A verifying TLS client (CA file, host name) on 127.0.0.1:port."""
    ctx = ssl.create_default_context(cafile=cafile or pki()["ca"])
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        return ctx.wrap_socket(s, server_hostname=hostname)
    except BaseException:
        s.close()
        raise


def started(d, name, sock):
    """The pid the daemon logged for the connection of sock."""
    m = d.wait_log(r"^%s/tcp: connection from 127\.0\.0\.1:%d, pid (\d+)$"
                   % (name, sock.getsockname()[1]), pos=0)
    return int(m.group(1))


def wait_count(d, regex, n):
    """Wait until regex matches n lines of the log."""
    pos = 0
    for _ in range(n):
        pos = d.wait_log(regex, pos=pos).end()


def echo_blocks(s, data):
    """Send data in 16 kB blocks, each to be echoed back before the next."""
    for off in range(0, len(data), 16384):
        block = data[off:off + 16384]
        s.sendall(block)
        check_eq(recv_exact(s, len(block), timeout=30), block,
                 "echoed block at %d" % off)


@test
def echo_round_trip():
    """128 KB round-trip through TLS to winhelper echo, which then exits 0

    TLS 1.2 or later; the server's stdio is the plain end of the pair, and
    its input ends when the TLS client goes."""
    port = free_port()
    d = WineDaemon(xservice("techo", port, tls_body(winhelper("echo"))))
    s = tls_connect(port)
    check(s.version() in ("TLSv1.2", "TLSv1.3"), "protocol %s" % s.version())
    data = os.urandom(128 * 1024)
    echo_blocks(s, data)
    pid = started(d, "techo", s)
    s.close()
    d.wait_log(r"^techo/tcp: pid %d exited, status 0$" % pid, pos=0)
    d.stop()


@test
def redirect_over_tls():
    """a TLS redirect relays the plain side to another address

    The daemon relays the TLS client to one end of the pair and the other
    end to the target (the built-in echo here); no process starts."""
    port, target = free_port(), free_port()
    conf = xservice("echo", target, "type = INTERNAL")
    conf += xservice("tredir", port, tls_body(
        "redirect = 127.0.0.1 %d" % target))
    d = WineDaemon(conf)
    s = tls_connect(port)
    data = os.urandom(64 * 1024)
    echo_blocks(s, data)
    s.close()
    d.wait_log(r"^tredir/tcp: connection from 127\.0\.0\.1:\d+, redirected$",
               pos=0)
    check(not d.find_log(r", pid \d+$", pos=0), "a process was started")
    d.stop()


@test
def q_two_clients_two_processes():
    """kdb+ fixture over TLS: two clients at once, two processes

    Two .z.i, each the pid logged for its client; REMOTE_ADDR is the TLS
    client's address, not the socket pair's."""
    check(os.path.exists(FAKEQ), "fixture %s is missing" % FAKEQ)
    port = free_port()
    d = WineDaemon(xservice("tq", port, tls_body(
        "server = %s\n\tserver_args = C:\\q\\taq" % winpath(FAKEQ))))
    clients = []
    for _ in range(2):
        c = Client(timeout=30)
        c.sock = tls_connect(port)
        check_eq(c.handshake("", "", 3), 3, "capability byte")
        clients.append(c)
    a, b = clients
    pa, pb = a.sync(".z.i"), b.sync(".z.i")
    check(isinstance(pa, int) and isinstance(pb, int),
          ".z.i gave %r %r" % (pa, pb))
    check(pa != pb, "both clients served by pid %d" % pa)
    check_eq(started(d, "tq", a.sock), pa, "pid logged for the first")
    check_eq(started(d, "tq", b.sock), pb, "pid logged for the second")
    check_eq(a.sync("1+1"), 2, "1+1 over TLS")
    check_eq(b.sync("getenv`REMOTE_ADDR"), "127.0.0.1", "REMOTE_ADDR")
    a.close()
    d.wait_log(r"^tq/tcp: pid %d exited, status 0$" % pa, pos=0)
    check_eq(b.sync("40 + 2"), 42, "the second still served")
    b.close()
    d.wait_log(r"^tq/tcp: pid %d exited, status 0$" % pb, pos=0)
    d.stop()


@test
def no_handle_leak():
    """a TLS server holds no socket but its own end of its socket pair

    Not the daemon's end, nor the pair of a connection still open."""
    port = free_port()
    d = WineDaemon(xservice("thandles", port, tls_body(winhelper("handles"))))
    check_two_children_handles(lambda: tls_connect(port))
    d.stop()


@test
def refused_certificate_starts_nothing():
    """a refused certificate fails the handshake and starts no process

    Clients that trust another CA, expect another host name, or get an
    expired certificate, and one that speaks plain text: each fails the
    handshake, is counted as failed and starts nothing; the daemon then
    serves a good client as before."""
    good, old = free_port(), free_port()
    conf = xservice("tgood", good, tls_body(winhelper("pid")))
    conf += xservice("texpired", old, tls_body(winhelper("pid"), "expired"))
    d = WineDaemon(conf)
    ca, other = pki()["ca"], pki()["other"]
    for port, cafile, host, why in (
            (good, other, "localhost", "unable to get local issuer"),
            (good, ca, "pinetd.invalid", "Hostname mismatch"),
            (old, ca, "localhost", "certificate has expired")):
        try:
            s = tls_connect(port, cafile, host)
        except ssl.SSLCertVerificationError as e:
            check(why in str(e.verify_message),
                  "refused for %r, want %r" % (e.verify_message, why))
        else:
            s.close()
            raise Failure("port %d: the client accepted the certificate "
                          "(CA %s, host %s)" % (port, cafile, host))
    s = connect(good, timeout=30)
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    check(b"HTTP" not in recv_all(s, timeout=30), "plain text answered")
    s.close()
    # The reasons are OpenSSL's alert texts, which its versions word apart.
    failed = (r"/tcp: connection from 127\.0\.0\.1:\d+: TLS handshake "
              r"failed: \S.*$")
    wait_count(d, r"^tgood" + failed, 3)
    wait_count(d, r"^texpired" + failed, 1)
    d.dump()
    for name, port, failed in (("tgood", good, 3), ("texpired", old, 1)):
        check(d.find_log(r"^dump: %s/tcp: listening on 127\.0\.0\.1:%d, .*"
                         r"accepted 0, refused 0, failed %d, running 0$"
                         % (name, port, failed), pos=0),
              "no dump line with %s's counters (failed %d)" % (name, failed))
    check(not d.find_log(r", pid \d+$", pos=0), "a process was started")
    s = tls_connect(good)
    line = recv_line(s, timeout=30)
    check_eq(line, b"pid %d\n" % started(d, "tgood", s), "pid line")
    s.close()
    d.wait_log(r"^tgood/tcp: pid \d+ exited, status 0$", pos=0)
    d.stop()


if __name__ == "__main__":
    run(None if os.environ.get("PINETD_TLS") else
        "pinetd.exe was built without --with-openssl")
