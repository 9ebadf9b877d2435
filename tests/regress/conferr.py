#!/usr/bin/env python3
"""Configuration errors (pinetd -n), start-up errors and the command line."""

import os
import pwd
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F401,F403

ME = pwd.getpwuid(os.getuid()).pw_name
PORT = 40123  # -n binds nothing, so any port will do.


def good_line(port=PORT):
    return "127.0.0.1:%d stream tcp nowait %s internal echo\n" % (port, ME)


def check_bad(line, word=None, message=None, lineno=3):
    """Run pinetd -n on a file whose line 3 is line; expect exit 1 and a
    FILE:3: error naming word (in single quotes) and/or holding message."""
    conf = write_conf(good_line() + "# a comment, line 2\n" + line + "\n")
    rc, out, err = run_pinetd(["-n", conf])
    check("Sanitizer" not in err, "sanitizer report: %r" % err)
    check_eq(rc, 1, "exit status of pinetd -n (stderr %r)" % err)
    prefix = "%s:%d: " % (conf, lineno)
    lines = [l for l in err.split("\n") if l.startswith(prefix)]
    check(lines, "no '%s' error in stderr %r" % (prefix, err))
    if word is not None:
        rx = re.compile(r"'[^']*%s[^']*'" % re.escape(word))
        check(any(rx.search(l) for l in lines),
              "error does not name '%s' in single quotes: %r" % (word, lines))
    if message is not None:
        check(any(message in l for l in lines),
              "error lacks %r: %r" % (message, lines))
    others = [l for l in err.split("\n") if l and not l.startswith(prefix)]
    check(not [l for l in others if re.match(re.escape(conf) + r":\d+:", l)],
          "errors reported for good lines: %r" % others)
    return lines


def svc(rest, port=PORT, host="127.0.0.1"):
    return "%s:%d %s" % (host, port, rest)


def svc_attr(attr):
    """An entry on another port than good_line(), then the attribute line
    attr (line 4 of the file check_bad writes)."""
    return (svc("stream tcp nowait %s internal echo" % ME, port=PORT + 1)
            + "\n\t" + attr)


@test
def err_same_socket_other_spelling():
    """tcp4 beside tcp on one IPv4 address, and rp,PORT beside PORT, are
    one socket: refused at load as such (both loaded, then the second bind
    failed at run time, half applying a reload)"""
    check_bad(svc("stream tcp4 nowait %s internal echo" % ME),
              message="uses the same socket")
    check_bad("rp,%s" % svc("stream tcp nowait %s internal echo" % ME),
              message="uses the same socket")


@test
def err_names_continuation_line():
    """an error about a word on a continuation line names that line, not
    the entry's first"""
    check_bad("x%d stream tcp nowait\n  nosuchuser9 /bin/cat cat" % PORT,
              word="nosuchuser9", message="unknown user", lineno=4)
    check_bad("127.0.0.1:%d stream tcp nowait %s\n\t/bin/cat \"cat"
              % (PORT + 1, ME), word="cat", message="unterminated quote",
              lineno=4)


@test
def err_nul_byte_in_line():
    """a NUL byte in a line is an error naming the line, in both dialects
    (what followed it was dropped without a word: a line starting with NULs
    vanished, arguments after one were lost, and a reload removed the
    service on that line)"""
    for line in ("\0" * 8 + svc("stream tcp nowait %s internal echo" % ME,
                                port=PORT + 1),
                 svc("stream tcp nowait %s /bin/echo echo A\0 B" % ME,
                     port=PORT + 1)):
        check_bad(line, message="NUL byte in the line")
    d = tmpdir()
    inc = os.path.join(d, "xd")
    os.mkdir(inc)
    write_file(os.path.join(inc, "a"), "service echo\n{\n\ttype = INTERNAL "
               "UNLISTED\n\tsocket_type = stream\n\twait = no\n"
               "\tport = %d\n\tprotocol = tcp\0garbage\n}\n" % PORT)
    write_file(os.path.join(inc, "b"), "\0" * 300)
    conf = write_conf("includedir %s\n" % inc, d)
    rc, out, err = run_pinetd(["-n", conf])
    check(rc == 1 and re.search(re.escape(os.path.join(inc, "a")) +
                                r":7: NUL byte in the line", err) and
          re.search(re.escape(os.path.join(inc, "b")) +
                    r":1: NUL byte in the line", err),
          "rc %d, %r" % (rc, err))


@test
def config_that_is_no_regular_file():
    """a configuration that is a FIFO or a device is refused, at start and
    at a reload, which then changes nothing (a FIFO held the whole daemon
    in open until a writer came; /dev/zero filled the memory until the
    daemon died)"""
    d = tmpdir()
    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo)
    for path in (fifo, "/dev/zero"):
        rc, out, err = run_pinetd(["-n", path])
        check(rc != 0 and "%s: not a regular file" % path in err,
              "rc %d, %r" % (rc, err))
    p = free_port()
    daemon = Daemon("127.0.0.1:%d stream tcp nowait %s internal echo\n"
                    % (p, ME))
    for target in (fifo, "/dev/zero"):
        os.unlink(daemon.conf)
        os.symlink(target, daemon.conf)
        m = daemon.hup()
        check(re.search(r"cannot read .*; configuration unchanged$",
                        m.group(0)), m.group(0))
        check_echo(p, b"still here\n")
    daemon.stop()


@test
def err_carriage_return_inside_line():
    """a CR that is not part of the line end (a file with old Mac line
    ends, which would read as one long line) is an error naming the line;
    CR LF line ends are fine"""
    check_bad(svc("stream tcp nowait %s internal echo\r"
                  "127.0.0.1:%d stream tcp nowait %s internal echo"
                  % (ME, PORT + 1, ME)),
              message="carriage return inside the line")
    conf = write_conf(good_line().rstrip("\n") + "\r\n")
    rc, out, err = run_pinetd(["-n", conf])
    check_eq(rc, 0, "exit status with CR LF line ends (stderr %r)" % err)


@test
def err_quote_across_lines():
    """a quote is closed on its own line: one left open at a line's end is
    an error there, not a word running on into the continuation line"""
    check_bad("127.0.0.1:%d stream tcp nowait %s /bin/echo \"echo a\n"
              "\tb\"" % (PORT + 1, ME), word="echo a",
              message="unterminated quote", lineno=3)


@test
def err_host_list():
    """a comma-separated host list is refused with a clear error"""
    check_bad("127.0.0.1,127.0.0.2:%d stream tcp nowait %s internal echo"
              % (PORT + 1, ME), word="127.0.0.1,127.0.0.2",
              message="host lists are not supported")


@test
def err_protocol_buffer_sizes():
    """',sndbuf=' and ',rcvbuf=' want a size from 1 byte to 1 GB (k or m
    allowed), each once; another option after the protocol is named"""
    for proto, word, message in (
            ("tcp,rcvbuf=", "", "bad rcvbuf size"),
            ("tcp,rcvbuf=0", "0", "bad rcvbuf size"),
            ("tcp,sndbuf=2g", "2g", "bad sndbuf size"),
            ("tcp,sndbuf=1025m", "1025m", "want 1 to 1073741824 bytes"),
            ("tcp,sndbuf=-1k", "-1k", "bad sndbuf size"),
            ("tcp,rcvbuf=8k,rcvbuf=16k", "rcvbuf", "given twice"),
            ("tcp,nodelay", "nodelay", "unknown protocol option"),
            ("tcp,", "", "unknown protocol option"),
            ("tcpx,sndbuf=8k", "tcpx", "unknown protocol")):
        check_bad(svc("stream %s nowait %s internal echo" % (proto, ME),
                      port=PORT + 1), word=word, message=message)
    conf = write_conf(good_line() + svc("stream tcp,sndbuf=1m,rcvbuf=1024 "
                                        "nowait %s internal echo\n" % ME,
                                        port=PORT + 1)
                      + svc("stream tcp,sndbuf=1m\n nowait %s internal "
                            "echo\n" % ME, port=PORT + 2)
                      + svc("dgram udp,rcvbuf=1024m wait %s internal "
                            "echo\n" % ME, port=PORT + 3))
    rc, out, err = run_pinetd(["-n", conf])
    check_eq((rc, err), (0, ""), "good sizes")


@test
def good_builtin_spellings():
    """'internal internal' and an rp, prefix still choose the built-in by
    the service name; an IPv6 literal with a scope works with tcp and
    tcp46, not only tcp6"""
    conf = write_conf(good_line()
                      + "echo stream tcp nowait %s internal internal\n" % ME
                      + "rp,127.0.0.1:daytime stream tcp nowait %s internal\n"
                      % ME
                      + "[fe80::1%%1]:%d stream tcp nowait %s internal echo\n"
                      % (PORT + 2, ME)
                      + "[fe80::1%%1]:%d stream tcp46 nowait %s internal "
                      "echo\n" % (PORT + 3, ME))
    rc, out, err = run_pinetd(["-n", conf])
    check_eq(rc, 0, "pinetd -n exit status (%r)" % err)


@test
def err_attribute_under_host_line():
    """an attribute line under a "host:" line is an error at its line, not
    a setting silently dropped (an only_from there would protect nothing)"""
    check_bad("127.0.0.1:\n\tonly_from = 10.0.0.0/8", word="only_from",
              message="under a host line", lineno=4)


@test
def err_unknown_socket_type():
    """-n: unknown socket type 'strem'"""
    check_bad(svc("strem tcp nowait root internal echo"), "strem")


@test
def err_raw_socket():
    """-n: raw socket type rejected"""
    check_bad(svc("raw tcp nowait root internal echo"), "raw")


@test
def err_rdm_socket():
    """-n: rdm socket type rejected"""
    check_bad(svc("rdm tcp nowait root internal echo"), "rdm")


@test
def err_seqpacket_tcp():
    """-n: seqpacket is for unix only"""
    check_bad(svc("seqpacket tcp nowait root internal echo"), "seqpacket")


@test
def err_unknown_protocol():
    """-n: unknown protocol 'tcpx'"""
    check_bad(svc("stream tcpx nowait root internal echo"), "tcpx")


@test
def err_bad_wait():
    """-n: bad wait field 'waitt'"""
    check_bad(svc("stream tcp waitt root internal echo"), "waitt")


@test
def err_bad_max():
    """-n: bad .max 'nowait.abc'"""
    check_bad(svc("stream tcp nowait.abc root internal echo"), "abc")


@test
def err_negative_max():
    """-n: bad .max 'nowait.-5'"""
    check_bad(svc("stream tcp nowait.-5 root internal echo"), "-5")


@test
def err_unknown_user():
    """-n: unknown user for a program; for a built-in, which runs inside
    the daemon, only a warning, as openbsd-inetd serves it (it was an
    error)"""
    check_bad(svc("stream tcp nowait nosuchuser_pt /bin/cat cat"),
              "nosuchuser_pt")
    rc, out, err = run_pinetd(["-n", write_conf(
        svc("stream tcp nowait nosuchuser_pt internal echo") + "\n")])
    check(rc == 0 and re.search(r":1: unknown user 'nosuchuser_pt' "
                                r"ignored: a built-in runs inside pinetd",
                                err), "pinetd -n: %d %r" % (rc, err))


@test
def err_unknown_group_colon():
    """-n: unknown group (user:group)"""
    check_bad(svc("stream tcp nowait root:nosuchgroup_pt internal echo"),
              "nosuchgroup_pt")


@test
def err_unknown_group_dot():
    """-n: unknown group (user.group)"""
    check_bad(svc("stream tcp nowait root.nosuchgroup_pt internal echo"),
              "nosuchgroup_pt")


@test
def err_relative_program():
    """-n: relative server program path"""
    check_bad(svc("stream tcp nowait root bin/true true"), "bin/true")


@test
def err_unknown_builtin():
    """-n: unknown built-in name 'frobnicate'"""
    check_bad(svc("stream tcp nowait root internal frobnicate"), "frobnicate")


@test
def err_internal_without_builtin_name():
    """-n: internal on a port whose name is no built-in"""
    check_bad(svc("stream tcp nowait root internal", port=40999), "40999")


@test
def err_unknown_service_name():
    """-n: unknown service name"""
    check_bad("127.0.0.1:nosuchsvc_pt stream tcp nowait root internal echo",
              "nosuchsvc_pt")


@test
def err_bad_port():
    """-n: port number 70000"""
    check_bad(svc("stream tcp nowait root internal echo", port=70000), "70000")


@test
def err_missing_fields():
    """-n: a line with only five fields"""
    check_bad(svc("stream tcp nowait root"))


@test
def err_missing_server_args_for_program():
    """-n: a line with only two fields"""
    check_bad(svc("stream"))


@test
def err_empty_quoted_word():
    """-n: a line of only "" is missing fields, read in bounds"""
    check_bad('""', message="missing fields")


@test
def err_rlimit_suffix_overflow():
    """-n: rlimit_as = 17592186044416M (2^64, would wrap to 0)"""
    check_bad(svc_attr("rlimit_as = 17592186044416M"), "17592186044416M",
              lineno=4)


@test
def err_rlimit_k_overflow():
    """-n: rlimit_data = 18014398509481984K (2^64, would wrap to 0)"""
    check_bad(svc_attr("rlimit_data = 18014398509481984K"),
              "18014398509481984K", lineno=4)


@test
def err_log_size_too_large():
    """-n: log_type = FILE path 9223372036854775808 (above LONG_MAX)"""
    logf = os.path.join(tmpdir(), "svc.log")
    check_bad(svc_attr("log_type = FILE %s 1K 9223372036854775808" % logf),
              "9223372036854775808", lineno=4)


@test
def err_max_load_not_finite():
    """-n: max_load = nan, NaN, inf, -inf, 1e999 are each an error"""
    for value in ("nan", "NaN", "inf", "-inf", "1e999"):
        check_bad(svc_attr("max_load = %s" % value), value, lineno=4)


@test
def good_large_limits():
    """-n: the largest rlimit and log sizes that fit are accepted"""
    logf = os.path.join(tmpdir(), "svc.log")
    conf = write_conf(good_line()
                      + "\trlimit_as = 8796093022207M\n"
                      + "\trlimit_data = 9007199254740991K\n"
                      + "\tlog_type = FILE %s 1K 9223372036854775807\n" % logf
                      + "\tmax_load = 2.5\n")
    rc, out, err = run_pinetd(["-n", conf])
    check_eq((rc, out, err), (0, "", ""), "status, stdout, stderr")


@test
def err_bad_host_literal():
    """-n: bad IPv6 literal host"""
    check_bad("[1::2::3]:%d stream tcp nowait root internal echo" % PORT,
              "1::2::3")


@test
def err_bad_hostname():
    """-n: host name that does not resolve"""
    check_bad("nosuchhost-pt.invalid:%d stream tcp nowait root internal echo"
              % PORT, "nosuchhost-pt.invalid")


@test
def err_dgram_nowait_external():
    """-n: external dgram nowait rejected"""
    lines = check_bad(svc("dgram udp nowait root /bin/cat cat"))
    check(any("nowait" in l for l in lines), "error does not name nowait: %r"
          % lines)


@test
def err_all_errors_reported():
    """-n: every bad line is reported, with its own line number"""
    conf = write_conf("127.0.0.1:1 strem tcp nowait root internal echo\n"
                      + good_line()
                      + "\n"
                      + "127.0.0.1:2 stream tcpx nowait root internal echo\n"
                      + "127.0.0.1:3 stream tcp nowait nosuchuser_pt internal "
                      "echo\n")
    rc, out, err = run_pinetd(["-n", conf])
    check_eq(rc, 1, "exit status")
    for n, w in ((1, "strem"), (4, "tcpx"), (5, "nosuchuser_pt")):
        check(re.search(r"^%s:%d: .*'%s'" % (re.escape(conf), n, w), err, re.M),
              "line %d ('%s') not reported: %r" % (n, w, err))


@test
def good_file_is_clean():
    """-n: a good file using every construct: exit 0, no output"""
    d = tmpdir()
    conf = write_conf(
        "# pinetd test configuration\n"
        "\n"
        "   # indented comment\n"
        "127.0.0.1:40001 stream tcp nowait %(me)s internal echo\n"
        "127.0.0.1:40001\tdgram\tudp\twait\t%(me)s\tinternal\techo\n"
        "127.0.0.1:echo stream tcp nowait %(me)s internal\n"
        "127.0.0.1:40002 stream tcp nowait.0 %(me)s internal chargen\n"
        "127.0.0.1:40003 stream tcp nowait.10 %(me)s internal daytime\n"
        "127.0.0.1:40004 dgram udp wait.5 %(me)s internal time\n"
        "127.0.0.1:40005 stream tcp nowait %(me)s /bin/cat cat -u\n"
        "127.0.0.1:40006 stream tcp nowait %(me)s /bin/cat\n"
        "  cat\n"
        "127.0.0.1:40007 stream tcp wait %(me)s /bin/cat cat\n"
        "127.0.0.1:40008 dgram udp wait %(me)s /bin/cat cat\n"
        "127.0.0.1:40009 stream tcp4 nowait %(me)s internal discard\n"
        "127.0.0.1:40009 dgram udp4 wait %(me)s internal discard\n"
        "[::1]:40010 stream tcp6 nowait %(me)s internal echo\n"
        "[::1]:40010 dgram udp6 wait %(me)s internal echo\n"
        "[::1]:40011 stream tcp nowait %(me)s internal echo\n"
        "*:40012 stream tcp46 nowait %(me)s internal echo\n"
        "*:40012 dgram udp46 wait %(me)s internal echo\n"
        "127.0.0.1:\n"
        "40013 stream tcp nowait %(me)s internal echo\n"
        "*:\n"
        "40014 stream tcp nowait %(me)s internal echo\n"
        "localhost:40015 stream tcp nowait %(me)s internal echo\n"
        "%(dir)s/s.sock stream unix nowait %(me)s internal echo\n"
        "%(dir)s/q.sock seqpacket unix nowait %(me)s /bin/cat cat\n"
        "%(dir)s/d.sock dgram unix wait %(me)s /bin/cat cat\n"
        % {"me": ME, "dir": d}, d)
    if IS_ROOT:
        with open(conf, "a") as f:
            f.write("127.0.0.1:40016 stream tcp nowait nobody.nogroup /bin/cat cat\n"
                    "127.0.0.1:40017 stream tcp nowait nobody:nogroup /bin/cat cat\n")
    if IS_LINUX:
        with open(conf, "a") as f:
            f.write("@pinetd-test-abstract stream unix nowait %s internal echo\n"
                    % ME)
    rc, out, err = run_pinetd(["-n", conf])
    check_eq((rc, out, err), (0, "", ""), "status, stdout, stderr")


@test
def check_mode_starts_nothing():
    """-n: binds nothing and writes no pid file"""
    p = free_port()
    d = tmpdir()
    conf = write_conf(good_line(p), d)
    pidf = os.path.join(d, "pid")
    rc, out, err = run_pinetd(["-n", "-p", pidf, conf])
    check_eq(rc, 0, "exit status")
    check(not os.path.exists(pidf), "pid file written by -n")
    expect_refused(p)


@test
def startup_with_one_bad_line():
    """start-up: the bad line is logged, the good service runs"""
    p = free_port()
    d = Daemon("127.0.0.1:%d stream tcp nowait root internal frobnicate\n"
               "127.0.0.1:%d stream tcp nowait root internal echo\n"
               % (free_port(), p))
    check(d.find_log(r"^%s:1: .*'frobnicate'" % re.escape(d.conf), 0),
          "error for line 1 not logged")
    check_eq(d.services, 1, "services in the ready line")
    s = connect(p)
    s.sendall(b"ok?\n")
    check_eq(recv_exact(s, 4), b"ok?\n", "echo")
    s.close()
    d.stop()


@test
def startup_unreadable_config():
    """start-up: missing config file: 'FILE: No such file...' and exit 1"""
    d = tmpdir()
    conf = os.path.join(d, "missing.conf")
    rc, out, err = run_pinetd(["-d", "-p", os.path.join(d, "pid"), conf])
    check_eq(rc, 1, "exit status (stderr %r)" % err)
    check(re.search(r"^%s: No such file or directory$" % re.escape(conf), err,
                    re.M), "stderr %r" % err)
    check(not os.path.exists(os.path.join(d, "pid")), "pid file written")


@test
def cmdline_help():
    """--help: usage on stdout, exit 0"""
    rc, out, err = run_pinetd(["--help"])
    check_eq(rc, 0, "exit status")
    check("usage" in out.lower(), "no usage on stdout: %r" % out)


@test
def cmdline_version():
    """--version: 'pinetd VERSION', exit 0"""
    rc, out, err = run_pinetd(["--version"])
    check_eq(rc, 0, "exit status")
    check(re.match(r"^pinetd \S+\n$", out), "version output %r" % out)


@test
def cmdline_unknown_option():
    """unknown option: usage on stderr, exit 1"""
    rc, out, err = run_pinetd(["-Z"])
    check_eq(rc, 1, "exit status")
    check("usage" in err.lower(), "no usage on stderr: %r" % err)
    check_eq(out, "", "stdout")



@test
def inapplicable_attributes_warned():
    """what cannot apply is a warning naming the line, and the entry loads:
    a banner on a datagram service or on a wait program (which accepts for
    itself), limits in the wait field of a datagram entry, and per-address
    limits or access lists on a unix socket; a banner on a wait built-in,
    which the daemon accepts for, is sent and not warned about (all these
    loaded without a word)"""
    top = tmpdir()
    ban = write_file(os.path.join(top, "ban"), "hello\n")
    lines = [
        svc("dgram udp wait %s internal daytime\n\tbanner = %s" % (ME, ban)),
        svc("stream tcp wait %s /bin/cat cat\n\tbanner_fail = %s"
            % (ME, ban), port=PORT + 1),
        svc("stream tcp wait %s internal echo\n\tbanner = %s" % (ME, ban),
            port=PORT + 2),
        svc("dgram udp nowait/1//1 %s internal echo" % ME, port=PORT + 3),
        "%s/s.sock stream unix nowait/0/0/1 %s internal echo" % (top, ME),
        "%s/t.sock stream unix nowait %s internal echo\n\tonly_from = "
        "10.0.0.1" % (top, ME),
        "%s/u.sock stream unix nowait/4 %s internal echo" % (top, ME)]
    conf = write_conf("\n".join(lines) + "\n")
    rc, out, err = run_pinetd(["-n", conf])
    check_eq(rc, 0, "status (warnings only): %r" % err)
    got = [l[len(conf) + 1:] for l in err.splitlines()
           if l.startswith(conf + ":")]
    unix = ("per-address limits and access lists do not apply to a unix "
            "socket; ignored")
    check_eq(got, [
        "2: banner is not sent by a datagram service or a wait program, "
        "which accepts for itself; ignored",
        "4: banner_fail is not sent by a datagram service or a wait "
        "program, which accepts for itself; ignored",
        "7: limits in 'nowait/1//1' do not apply to datagrams; ignored",
        "8: %s/s.sock/unix: %s" % (top, unix),
        "9: %s/t.sock/unix: %s" % (top, unix)], "warnings")



@test
def dialect_flags_and_include_first():
    """-b with -x is an error, in either order (the last one won); a file
    whose first word is 'include' is read as xinetd (it was read as BSD
    lines and failed)"""
    conf = write_conf(good_line())
    for flags in (["-b", "-x"], ["-x", "-b"]):
        rc, out, err = run_pinetd(flags + ["-n", conf])
        check(rc == 1 and "-b and -x cannot be used together" in err,
              "%s: status %d, %r" % (flags, rc, err))
    top = tmpdir()
    inner = write_file(os.path.join(top, "echo"),
                       "service echo\n{\n\ttype = INTERNAL\n\tport = %d\n"
                       "\tsocket_type = stream\n\twait = no\n}\n" % PORT)
    rc, out, err = run_pinetd(["-n", write_conf("include %s\n" % inner, top,
                                                "x.conf")])
    check_eq((rc, err), (0, ""), "an xinetd file starting with include")



@test
def long_line_cut_on_a_character():
    """a log line longer than the log's 2 KB is cut before a UTF-8
    character, not inside one (it ended in a lone lead byte)"""
    for pad in range(3):
        conf = write_conf("include /tmp/%s%s\n" % ("x" * pad,
                                                   "\u00e9" * 1100))
        rc, out, err = run_pinetd(["-n", "-x", conf])
        check(rc == 1, "status %d" % rc)
        check("\ufffd" not in err, "pad %d: a broken character in %r"
              % (pad, err[-16:]))


if __name__ == "__main__":
    run()
