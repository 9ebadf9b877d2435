#!/usr/bin/env python3
"""pinetd.exe under Wine: built-ins, per-connection servers with the socket
as their standard handles, exit codes, Ctrl-C."""

import hashlib
import os
import re
import shutil
import socket
import subprocess
import threading

from winlib import *  # noqa: F401,F403


@test
def builtins():
    """echo, discard, daytime, time and chargen answer over TCP and UDP"""
    p = [free_port() for _ in range(5)]
    conf = "".join(xservice(n, port, "type = INTERNAL") for n, port in
                   zip(("echo", "discard", "daytime", "time", "chargen"), p))
    conf += xservice("echo", p[0], "id = echo-dgram\n\ttype = INTERNAL",
                     proto="udp", stype="dgram", wait="yes")
    d = WineDaemon(conf)
    s = connect(p[0])
    s.sendall(b"hello, windows\r\n")
    check_eq(recv_exact(s, 16), b"hello, windows\r\n", "echo")
    s.close()
    s = connect(p[1])
    s.sendall(b"x" * 1000)
    expect_silence(s, 0.2)
    s.close()
    line = recv_all(connect(p[2]))
    check(line.endswith(b"\r\n") and len(line) == 26, "daytime %r" % line)
    check_eq(len(recv_all(connect(p[3]))), 4, "time bytes")
    s = connect(p[4])
    got = recv_exact(s, 74 * 100)
    check_eq(got, chargen_stream(100), "chargen")
    s.close()
    check_eq(udp_query(p[0], b"ping"), b"ping", "udp echo")
    d.stop()


@test
def echo_holds_at_eof():
    """the echo built-in (buffered, as every Windows loop is) gives back the
    bytes it still holds when the client's EOF arrives"""
    if not os.path.exists("/proc/net/tcp"):
        skip("needs Linux's /proc/net/tcp to see the socket queues")
    port = free_port()
    d = WineDaemon(xservice("echo", port, "type = INTERNAL"))
    check_echo_holds_at_eof(port)
    check_echo(port, b"still\n", "echo afterwards")
    d.stop()


@test
def socket_handoff_echo():
    """1 MiB through a child reading its socket stdin with ReadFile"""
    port = free_port()
    d = WineDaemon(xservice("wecho", port, winhelper("echo")))
    data = os.urandom(1 << 20)
    s = connect(port, timeout=30)
    send_in_thread(s, data)
    got = recv_exact(s, len(data), timeout=60)
    check(hashlib.sha256(got).digest() == hashlib.sha256(data).digest(),
          "1 MiB echo differs")
    s.close()
    d.wait_log(r"wecho/tcp: pid \d+ exited, status 0")
    d.stop()


@test
def socket_buffer_sizes():
    """sndbuf and rcvbuf set on a Windows listening socket (setsockopt with
    Winsock's argument types) load and serve, for a program and a
    built-in. That the sizes reach a child is not checked here: under
    Wine a child cannot query a socket it inherited (WSAENOTSOCK)"""
    p, q = free_port(), free_port()
    d = WineDaemon(xservice("wbuf", p, winhelper("echo")
                            + "\n\tsndbuf = 64k\n\trcvbuf = 1m")
                   + xservice("echo", q, "type = INTERNAL\n\tsndbuf = 8k"))
    for port, what in ((p, "program"), (q, "built-in")):
        s = connect(port, timeout=30)
        s.sendall(b"sized\n")
        s.shutdown(socket.SHUT_WR)
        check_eq(recv_all(s, timeout=30), b"sized\n", "the %s behind the "
                 "sized socket" % what)
        s.close()
    d.stop()


@test
def dual_stack_sockets():
    """tcp46 on * and an xinetd service with no family or bind answer an
    IPv4 and an IPv6 client on one socket, tcp6 the IPv6 one alone: the
    build had not seen IPV6_V6ONLY (configure's check failed on the
    wrappers), so Windows' IPv6-only default stayed"""
    if not have_ipv6():
        skip("no IPv6 loopback")
    p, q, r = free_port(), free_port(), free_port()
    d = WineDaemon("*:%d stream tcp46 nowait root internal echo\n"
                   "*:%d stream tcp6 nowait root internal echo\n" % (p, q))
    e = WineDaemon("service echo\n{\n\ttype = INTERNAL\n\tport = %d\n"
                   "\tsocket_type = stream\n\twait = no\n}\n" % r)
    for port, hosts in ((p, ("127.0.0.1", "::1")), (q, ("::1",)),
                        (r, ("127.0.0.1", "::1"))):
        for host in hosts:
            s = connect(port, host, timeout=30)
            s.sendall(b"both\n")
            check_eq(recv_exact(s, 5), b"both\n", "echo on %d via %s"
                     % (port, host))
            s.close()
    expect_refused(q, "127.0.0.1")
    d.stop()
    e.stop()


@test
def files_read_as_bytes():
    """a banner goes out byte for byte, CR LF and ^Z included, and a ^Z or
    a UTF-8 byte order mark in the configuration changes nothing (the C
    library's text mode turned CR LF into LF and stopped at ^Z, which cut
    the banner and dropped the rest of the file without a word)"""
    top = tmpdir()
    ban = os.path.join(top, "banner.bin")
    with open(ban, "wb") as f:
        f.write(b"AB\r\nCD\x1aEF\r\n")
    p, q = free_port(), free_port()
    conf = os.path.join(top, "x.conf")
    with open(conf, "wb") as f:
        f.write(b"\xef\xbb\xbf# a ^Z \x1a in a comment\n" +
                xservice("ban", p, "type = INTERNAL\n\tid = ban\n"
                         "\tbanner = %s" % winpath(ban)).replace(
                             "service ban", "service echo").encode() +
                xservice("echo", q, "type = INTERNAL").encode())
    d = WineDaemon(conf)
    check_eq(d.services, 2, "services after the ^Z")
    s = connect(p, timeout=30)
    check_eq(recv_exact(s, 11), b"AB\r\nCD\x1aEF\r\n", "the banner's bytes")
    s.close()
    d.stop()


@test
def stdio_child():
    """a C stdio child sees the socket as fds 0 and 1 (CRT fd block)"""
    port = free_port()
    d = WineDaemon(xservice("wstdio", port, winhelper("stdio")))
    data = bytes(range(256)) * 64 + b"\r\n\n\x1a end"
    s = connect(port, timeout=30)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    check_eq(recv_all(s, timeout=30), data, "binary stdio echo")
    d.stop()


@test
def concurrent_processes():
    """two clients at once get two different processes"""
    port = free_port()
    d = WineDaemon(xservice("wpid", port, winhelper("pid")))
    a = connect(port, timeout=30)
    b = connect(port, timeout=30)
    la = recv_line(a, timeout=30)
    lb = recv_line(b, timeout=30)
    check(la.startswith(b"pid ") and lb.startswith(b"pid "),
          "lines %r %r" % (la, lb))
    check(la != lb, "both clients got %r" % la)
    a.close()
    b.close()
    d.wait_log(r"wpid/tcp: pid \d+ exited.*\n(.*\n)*.*wpid/tcp: pid \d+ exited")
    d.stop()


@test
def exit_status_and_args():
    """exit codes are logged; arguments reach the child intact"""
    port, port2 = free_port(), free_port()
    conf = xservice("wexit", port, winhelper("exit", 7))
    conf += xservice("wargs", port2, winhelper("args", "a", "b\\c"))
    d = WineDaemon(conf)
    recv_all(connect(port, timeout=30), timeout=30)
    d.wait_log(r"wexit/tcp: pid \d+ exited, status 7")
    got = recv_all(connect(port2, timeout=30), timeout=30).split(b"\n")
    check_eq(got, [b"<winhelper.exe>", b"<args>", b"<a>", b"<b\\c>", b""],
             "argv (argv[0] is the program's base name)")
    d.stop()


@test
def bsd_format_windows_paths():
    """inetd.conf: a drive-letter path, quoted arguments with blanks"""
    port = free_port()
    conf = ('127.0.0.1:%d stream tcp nowait root %s winhelper args '
            '"two words" "C:\\Program Files\\q" "" plain\n'
            % (port, winpath(WINHELPER)))
    d = WineDaemon(conf, args=["-b"])
    check(d.find_log(r"user 'root' ignored") is None,
          "root must not be warned about")
    got = recv_all(connect(port, timeout=30), timeout=30)
    check_eq(got, b"<winhelper>\n<args>\n<two words>\n"
             b"<C:\\Program Files\\q>\n<>\n<plain>\n", "argv")
    d.stop()


@test
def exec_failure_says_why():
    """a server that cannot start is logged with Windows' own text for the
    error (a missing directory is ERROR_PATH_NOT_FOUND, which strerror
    would have called "No such process"), and the client is closed"""
    port = free_port()
    d = WineDaemon(xservice("nodir", port,
                            "server = C:\\no\\such\\dir\\x.exe"))
    check_eq(recv_all(connect(port, timeout=30), timeout=30), b"",
             "bytes from a server that did not start")
    m = d.wait_log(r"nodir/tcp: exec C:\\no\\such\\dir\\x\.exe: (.*)$")
    check("No such process" not in m.group(1) and
          re.search(r"path", m.group(1), re.I), "error text %r" % m.group(1))
    d.stop()


@test
def non_utf8_program_is_a_load_error():
    """a program path in another code page (Latin-1 'caf\\xe9') is a
    FILE:LINE error at load, not a garbled path failing per connection;
    so is every ill-formed UTF-8 sequence (overlong, surrogate, past
    U+10FFFF, cut short), while well-formed ones up to U+10FFFF load"""
    bad = [b"\xe9", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xf0\x80\x80\xaf",
           b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xf4\x90\x80\x80",
           b"\xf5\x80\x80\x80", b"\xe2\x82", b"\x80"]
    good = [b"\xc3\xa9", b"\xe0\xa0\x80", b"\xed\x9f\xbf", b"\xee\x80\x80",
            b"\xf0\x90\x80\x80", b"\xf4\x8f\xbf\xbf"]
    path = os.path.join(tmpdir(), "latin1.conf")
    for seq in bad + good:
        with open(path, "wb") as f:
            f.write(b"127.0.0.1:%d stream tcp nowait root C:\\caf%s.exe "
                    b"cafe\r\n" % (free_port(), seq))
        rc, out = check_conf(path)
        if seq in bad:
            check(rc == 1 and ":1: " in out and "is not UTF-8" in out,
                  "%r: status %d, %r" % (seq, rc, out))
        else:
            check(rc == 0 and "UTF-8" not in out,
                  "%r: status %d, %r" % (seq, rc, out))


@test
def non_ascii_file_names():
    """file names need not be ASCII: the configuration named on the command
    line, its program, banner and includedir, and the pid file, all in a
    directory called 'caf\u00e9-\u00fc'. The C library's narrow calls read
    those names in the ANSI code page, so the banner was 'No such file',
    the program was warned about and the log garbled the names; now every
    path is UTF-8 inside the daemon and the wide calls take it"""
    top = os.path.join(tmpdir(), "caf\u00e9-\u00fc")
    inc = os.path.join(top, "d\u00f1")
    os.makedirs(inc)
    prog = os.path.join(top, "h\u00e9lper.exe")
    shutil.copy(WINHELPER, prog)
    banner = write_file(os.path.join(top, "bann\u00e9r.txt"), "hi there\n")
    p, q = free_port(), free_port()
    write_file(os.path.join(inc, "s\u00e9rvice"),
               xservice("echo", q, "type = INTERNAL"))
    conf = write_conf(xservice("one", p, "server = %s\n\tserver_args = args "
                               "a\n\tbanner = %s" % (winpath(prog),
                                                    winpath(banner)))
                      + "includedir %s\n" % winpath(inc), top, "x.conf")
    # Wine names host files through the locale's character set.
    env = None if NATIVE else dict(os.environ, LC_ALL="C.UTF-8")
    d = WineDaemon(conf, env=env)
    check_eq(d.services, 2, "services")
    check(d.find_log(r"server program|No such file|caf[^\u00e9]", pos=0)
          is None, "a path misread: %r" % d.log())
    check(os.path.exists(d.pidfile), "pid file in %r" % top)
    got = recv_all(connect(p, timeout=30), timeout=30)
    check(got.startswith(b"hi there\n<") and got.endswith(b"<args>\n<a>\n"),
          "banner and argv: %r" % got)
    check_echo(q, b"ol\xc3\xa9\n")
    d.reload()
    check_echo(q, b"ol\xc3\xa9\n")
    d.stop()


@test
def log_file_limits_count_every_byte():
    """log_type FILE on Windows: lines end in LF alone, as counted (text
    mode added a CR, so a line could pass the hard limit by a byte), and
    a file already past its hard limit takes no line (ftell said 0 until
    the first write, so one more line was appended)"""
    top = tmpdir()
    full = os.path.join(top, "full.log")
    with open(full, "wb") as f:
        f.write(b"x" * 999 + b"\n")
    fresh = os.path.join(top, "fresh.log")
    p, q = free_port(), free_port()
    body = "type = INTERNAL\n\tid = %s\n\tlog_on_success = HOST\n\t" \
           "log_type = FILE %s 200 500"
    conf = (xservice("echo", p, body % ("full", winpath(full)))
            + xservice("echo", q, body % ("fresh", winpath(fresh))))
    d = WineDaemon(conf)
    for port in (p, q):
        check_echo(port, b"x")
    d.wait_log(r"^full/tcp: log file .* is full \(hard limit 500 bytes\); "
               r"its lines are dropped$")
    check_eq(os.path.getsize(full), 1000, "size of the full file")
    wait_until(lambda: os.path.getsize(fresh) > 0, what="a line in fresh.log")
    data = open(fresh, "rb").read()
    check(data.endswith(b"built-in\n") and b"\r" not in data,
          "line endings: %r" % data)
    d.stop()


@test
def non_ascii_environment():
    """a value outside the ANSI code page in pinetd's environment reaches
    the server intact (the daemon read the C library's ANSI copy and
    passed it on as if it were UTF-8, so the server got 'caf?')"""
    p = free_port()
    env = dict(os.environ, PINETD_TEST_U="caf\u00e9 \u4e2d")
    if not NATIVE:
        env["LC_ALL"] = "C.UTF-8"	# Wine reads it in the locale's set
    d = WineDaemon("127.0.0.1:%d stream tcp nowait root %s winhelper wenv "
                   "PINETD_TEST_U\n" % (p, winpath(WINHELPER)), env=env,
                   args=["-b"])
    got = recv_all(connect(p, timeout=30), timeout=30)
    check_eq(got, "PINETD_TEST_U=caf\u00e9 \u4e2d\n".encode(), "value")
    d.stop()


@test
def check_mode_resolves_names():
    """pinetd -n looks names up as the daemon does: a service name (telnet),
    a host name (localhost) and a redirect's port name load without error.
    Winsock answers no lookup before WSAStartup, which -n skipped (every
    name was an error on Windows; Wine answers anyway)"""
    path = os.path.join(tmpdir(), "names.conf")
    with open(path, "w") as f:
        f.write("telnet stream tcp nowait root internal echo\n"
                "localhost:%d stream tcp nowait root internal echo\n"
                % free_port())
    rc, out = check_conf(path, "-b")
    check(rc == 0 and "names.conf:" not in out,
          "inetd.conf: status %d, %r" % (rc, out))
    with open(path, "w") as f:
        f.write(xservice("r", free_port(), "type = UNLISTED\n\t"
                         "redirect = localhost telnet"))
    rc, out = check_conf(path, "-x")
    check(rc == 0 and "names.conf:" not in out,
          "xinetd redirect: status %d, %r" % (rc, out))


@test
def include_read_once():
    """an xinetd file including itself 8 times is read once, with one
    FILE:LINE error per include (it was read 8^9 times); Windows has no
    inode numbers, so there the file is known by its path"""
    path = os.path.join(tmpdir(), "fan.conf")
    good = xservice("echo", free_port(), "type = INTERNAL")
    nlines = good.count("\n")
    with open(path, "w") as f:
        f.write(good + ("include %s\n" % winpath(path)) * 8)
    rc, out = check_conf(path)
    lines = re.findall(r":(\d+): include '[^']*': already read", out)
    check(rc == 1 and lines == [str(nlines + i) for i in range(1, 9)],
          "status %d, %r" % (rc, out[:800]))


@test
def user_field_warning():
    """a user other than root is ignored with one warning per service"""
    port = free_port()
    conf = ("127.0.0.1:%d stream tcp nowait nobody %s winhelper exit 0\n"
            % (port, winpath(WINHELPER)))
    d = WineDaemon(conf, args=["-b"])
    m = d.findall_log(r"user 'nobody' ignored", pos=0)
    check_eq(len(m), 1, "warnings")
    recv_all(connect(port, timeout=30), timeout=30)
    d.wait_log(r"pid \d+ exited, status 0")
    d.stop()


@test
def winsock_on_inherited_socket():
    """a child using recv/send on its inherited socket (Windows only)"""
    if UNDER_WINE:
        skip("Wine: a child cannot use Winsock on a socket it inherited "
             "(WSAENOTSOCK); the GitHub windows-latest job runs this")
    port = free_port()
    d = WineDaemon(xservice("wsock", port, winhelper("sockecho")))
    data = os.urandom(256 * 1024)
    s = connect(port, timeout=30)
    send_in_thread(s, data, half_close=True)
    check_eq(recv_all(s, timeout=60), data, "recv/send echo")
    d.wait_log(r"wsock/tcp: pid \d+ exited, status 0")
    d.stop()


@test
def cpu_affinity():
    """cpu_affinity pins the server before it runs (suspended start)"""
    port = free_port()
    d = WineDaemon(xservice("waff", port, winhelper("affinity")
                            + "\n\tcpu_affinity = 0"))
    check_eq(recv_all(connect(port, timeout=30), timeout=30),
             b"affinity 0x1\n", "the child's process affinity mask")
    d.stop()


@test
def no_handle_leak():
    """a child holds no socket or pipe but its own standard handles"""
    port = free_port()
    d = WineDaemon(xservice("whandles", port, winhelper("handles")))
    check_two_children_handles(lambda: connect(port, timeout=30))
    d.stop()


@test
def redirect_and_service_names():
    """redirect relays to another address; a service name resolves through
    Windows' services file (nfa = 1155/tcp in Wine's)"""
    port, target = free_port(), free_port()
    if not lib._try_bind(socket.AF_INET, socket.SOCK_STREAM,
                         ("127.0.0.1", 1155)):
        skip("port 1155 (nfa) is busy")
    conf = xservice("echo", target, "type = INTERNAL")
    conf += xservice("relayed", port, "redirect = 127.0.0.1 %d" % target)
    d = WineDaemon(conf)
    data = os.urandom(200000)
    s = connect(port, timeout=30)
    send_in_thread(s, data, half_close=True)
    check_eq(recv_all(s, timeout=30), data, "through the redirect")
    d.wait_log(r"relayed/tcp: connection from 127\.0\.0\.1:\d+, redirected")
    d.stop()
    named = WineDaemon("127.0.0.1:nfa stream tcp nowait root internal echo\n",
                       args=["-b"])
    s = connect(1155, timeout=30)
    s.sendall(b"by name\n")
    check_eq(recv_exact(s, 8), b"by name\n", "echo on nfa (1155)")
    s.close()
    named.stop()


@test
def posix_only_attributes_warn():
    """umask, nice and rlimit_* are ignored with a FILE:LINE warning, and
    the service still runs"""
    port = free_port()
    d = WineDaemon(xservice("wposix", port, winhelper("exit", 0)
                            + "\n\tumask = 022\n\tnice = 5"
                            + "\n\trlimit_cpu = 10"))
    check(d.find_log(r"inetd\.conf:\d+: umask, nice, groups and rlimit_\* "
                     r"are ignored on this system$", pos=0),
          "no warning about the ignored attributes")
    recv_all(connect(port, timeout=30), timeout=30)
    d.wait_log(r"wposix/tcp: pid \d+ exited, status 0")
    d.stop()


@test
def bad_command_lines():
    """bad service commands say why and exit 1, touching nothing"""
    conf = write_conf(xservice("echo", free_port(), "type = INTERNAL"))
    cases = (
        (["--name", "a\\b", "--reload"], "bad service name"),
        (["--install", "--uninstall"], "only one of"),
        (["--name"], "--name needs a service name"),
        (["--reload", "--name", "no-such-pinetd"],
         "no running pinetd instance named no-such-pinetd"),
        (["--service", winpath(conf)], "--service is for the service "
         "manager"),
    )
    for args, want in cases:
        r = subprocess.run(launcher() + [lib.PINETD] + args,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=lib.TIMEOUT)
        out = r.stdout.decode(errors="replace")
        check(r.returncode == 1 and want in out,
              "pinetd %s: status %d, %r (want 1 and %r)"
              % (" ".join(args), r.returncode, out, want))


@test
def dump_counters():
    """pinetd --dump logs every service with its counters (SIGUSR1's part)"""
    port = free_port()
    d = WineDaemon(xservice("wexit", port, winhelper("exit", 0)))
    recv_all(connect(port, timeout=30), timeout=30)
    d.wait_log(r"wexit/tcp: pid \d+ exited, status 0")
    d.dump()
    check(d.find_log(r"^dump: wexit/tcp: listening on 127\.0\.0\.1:%d, .*"
                     r"accepted 1, refused 0, failed 0, running 0$" % port,
                     pos=0), "no dump line with the counters")
    check(os.path.exists(os.path.splitext(d.pidfile)[0] + ".dump"),
          "no dump file beside the pid file")
    d.stop()


@test
def ctrl_c_stops():
    """Ctrl-C stops the daemon: logged, status 0, pid file removed"""
    port = free_port()
    d = WineDaemon(xservice("echo", port, "type = INTERNAL"))
    check(os.path.exists(d.pidfile), "no pid file")
    d.stop()
    check(d.find_log(r"terminating") is not None, "no terminating line")


if __name__ == "__main__":
    run()
