"""Shared helpers for the pinetd regression tests (stdlib only, python3 >= 3.7).

Environment:
  PINETD      path of the daemon binary (default: ./pinetd)
  TESTHELPER  path of tests/helpers/testhelper (default: ./tests/helpers/testhelper)
  srcdir      top source directory (default: .)
  PINETD_KEEP_TMP  if set, temporary directories are not removed

Every test is a function registered with @test; run() executes them in order and
prints TAP (``ok N - name``, ``not ok N - name`` with ``#`` diagnostics, ``ok N #
SKIP reason``) followed by the plan.  The process always exits 0: the TAP driver
counts the results.
"""

import atexit
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

PINETD = os.path.abspath(os.environ.get("PINETD", "./pinetd"))
TESTHELPER = os.path.abspath(
    os.environ.get("TESTHELPER", "./tests/helpers/testhelper"))
SRCDIR = os.environ.get("srcdir", ".")

# Upper bound for every wait on the daemon (seconds).
TIMEOUT = 10
# Upper bound for one whole test (seconds), enforced with SIGALRM.
TEST_TIMEOUT = 90

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
HAVE_PROC = os.path.isdir("/proc/self")
IS_LINUX = sys.platform.startswith("linux")

# The Unix epoch expressed in RFC 868 seconds since 1900-01-01.
RFC868_OFFSET = 2208988800


class Skip(Exception):
    """Raised by a test to report ``ok N # SKIP reason``."""


class TestTimeout(Exception):
    """Raised when a whole test runs past TEST_TIMEOUT."""


class Failure(AssertionError):
    """A failed check (assertion with a readable message)."""


def skip(reason):
    """Skip the current test."""
    raise Skip(reason)


def check(cond, msg):
    """Fail the current test with msg unless cond is true."""
    if not cond:
        raise Failure(msg)


def check_eq(got, want, what):
    """Fail unless got == want."""
    if got != want:
        raise Failure("%s: got %r, want %r" % (what, got, want))


# ---------------------------------------------------------------------------
# Temporary directories and ports

_tmpdirs = []
_ports_given = set()


def tmpdir():
    """Return a new temporary directory, removed at exit."""
    d = tempfile.mkdtemp(prefix="pinetd-test-")
    os.chmod(d, 0o755)
    _tmpdirs.append(d)
    return d


def _cleanup_tmpdirs():
    if os.environ.get("PINETD_KEEP_TMP"):
        return
    for d in _tmpdirs:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup_tmpdirs)


def _try_bind(family, stype, addr):
    s = socket.socket(family, stype)
    try:
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind(addr)
        return True
    except OSError:
        return False
    finally:
        s.close()


def _private_mount(src, dst, name, line):
    """A preexec_fn that bind-mounts src over dst in a mount namespace of
    its own; skips unless /etc/NAME then holds line."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    ms_bind, ms_rec, ms_private, clone_newns = 0x1000, 0x4000, 1 << 18, 0x20000

    def preexec():
        if (libc.unshare(clone_newns) != 0 or
                libc.mount(b"none", b"/", None, ms_rec | ms_private,
                           None) != 0 or
                libc.mount(src.encode(), dst.encode(), None,
                           ms_bind | ms_rec, None) != 0):
            os._exit(97)
    r = subprocess.run(["grep", "-qxF", line, "/etc/" + name],
                       preexec_fn=preexec)
    if r.returncode != 0:
        skip("no private /etc/%s (mount namespace): status %d"
             % (name, r.returncode))
    return preexec


def private_etc_file(name, extra):
    """A preexec_fn giving the daemon a private /etc/NAME with the line
    extra added (a mount namespace, a bind mount), so that a test can add
    a group member or a host name without touching the system's file;
    skips where that cannot be done."""
    path = os.path.join(tmpdir(), name)
    with open("/etc/" + name) as f:
        write_file(path, f.read() + extra)
    return _private_mount(path, "/etc/" + name, name, extra.strip())


def private_etc_with(name, text):
    """The same for a file the system may not have at all: a private copy
    of the whole of /etc holding /etc/NAME with text."""
    import shutil
    etc = os.path.join(tmpdir(), "etc")
    shutil.copytree("/etc", etc, symlinks=True,
                    ignore_dangling_symlinks=True,
                    copy_function=lambda a, b: shutil.copy2(a, b)
                    if os.path.isfile(a) else None)
    write_file(os.path.join(etc, name), text)
    return _private_mount(etc, "/etc", name, text.strip().split("\n")[-1])


def have_ipv6():
    """True if ::1 can be bound."""
    return _try_bind(socket.AF_INET6, socket.SOCK_STREAM, ("::1", 0))


# Ports handed out by any test process still running: make check runs test
# files in parallel, and each one's free_port must not give another's port.
_PORT_CLAIMS = os.path.join(tempfile.gettempdir(), "pinetd-test-ports-%d"
                            % getattr(os, "getuid", lambda: 0)())


def _claim_port(port):
    """Claim port for this process; False if a live test process has it."""
    os.makedirs(_PORT_CLAIMS, exist_ok=True)
    path = os.path.join(_PORT_CLAIMS, str(port))
    for _ in range(2):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            try:
                with open(path) as f:
                    owner = int(f.read() or "0")
            except (OSError, ValueError):
                return False
            # Only /proc tells safely whether the owner is gone (on Windows
            # os.kill(pid, 0) would end it); elsewhere a stale claim stays.
            if not HAVE_PROC or (owner and pid_alive(owner)):
                return False
            try:
                os.unlink(path)     # left by a test process that died
            except OSError:
                return False
            continue
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        return True
    return False


def _release_ports():
    for port in _ports_given:
        try:
            os.unlink(os.path.join(_PORT_CLAIMS, str(port)))
        except OSError:
            pass


atexit.register(_release_ports)


def _below_ephemeral():
    """A range of ports below the kernel's ephemeral ones (Linux), or None.
    A port from the ephemeral range can be taken as the source port of any
    client connection (of any test running in parallel) before the daemon
    binds it; below the range nothing takes it but a bind."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    if low - 1 < 12000:
        return None
    return (max(10000, low - 20000), low - 1)


_port_rng = random.Random(os.getpid())


def free_port():
    """Return a port that is currently free for TCP and UDP on IPv4 (and
    IPv6 if available), never the same one twice in this process, nor one
    that another running test process was given; below the ephemeral range
    where the system has one."""
    v6 = have_ipv6()
    span = _below_ephemeral()
    for _ in range(200):
        if span is not None:
            port = _port_rng.randint(*span)
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            finally:
                s.close()
        if port in _ports_given or port < 1024:
            continue
        ok = (_try_bind(socket.AF_INET, socket.SOCK_STREAM, ("0.0.0.0", port))
              and _try_bind(socket.AF_INET, socket.SOCK_DGRAM, ("0.0.0.0", port)))
        if ok and v6:
            ok = (_try_bind(socket.AF_INET6, socket.SOCK_STREAM, ("::", port))
                  and _try_bind(socket.AF_INET6, socket.SOCK_DGRAM, ("::", port)))
        if ok and _claim_port(port):
            _ports_given.add(port)
            return port
    raise RuntimeError("cannot find a free port")


def write_file(path, text):
    """Write text to path atomically (temp file + rename)."""
    tmp = path + ".tmp%d" % os.getpid()
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)
    return path


def write_conf(text, directory=None, name="inetd.conf"):
    """Write a configuration into directory (a new temp dir by default) and
    return its absolute path.  Leading indentation common to all lines is
    NOT removed: pass the text exactly as it should appear."""
    if directory is None:
        directory = tmpdir()
    return write_file(os.path.join(directory, name), text)


# ---------------------------------------------------------------------------
# Processes

def proc_state(pid):
    """Return the /proc state letter of pid, None if it does not exist.
    Without /proc, 'R' if kill(pid, 0) succeeds."""
    if HAVE_PROC:
        try:
            with open("/proc/%d/stat" % pid) as f:
                data = f.read()
        except OSError:
            return None
        # The command name is in parentheses and may contain spaces.
        rest = data[data.rindex(")") + 2:]
        return rest.split()[0]
    try:
        os.kill(pid, 0)
        return "R"
    except ProcessLookupError:
        return None
    except PermissionError:
        return "R"


def pid_alive(pid):
    """True if pid exists and is not a zombie."""
    st = proc_state(pid)
    return st is not None and st != "Z"


def wait_until(pred, timeout=None, what="condition", interval=0.02):
    """Poll pred() until it returns a true value (returned) or timeout.
    Timeouts default to TIMEOUT as it is when called (winlib raises it)."""
    timeout = TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise Failure("timed out after %gs waiting for %s" % (timeout, what))
        time.sleep(interval)


def wait_pid_gone(pid, timeout=None):
    """Wait until pid is gone (or a zombie)."""
    wait_until(lambda: not pid_alive(pid), timeout, "pid %d to exit" % pid)


def children_of(ppid):
    """Return [(pid, state)] of the processes whose parent is ppid (/proc)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                data = f.read()
        except OSError:
            continue
        rest = data[data.rindex(")") + 2:].split()
        if int(rest[1]) == ppid:
            out.append((int(name), rest[0]))
    return out


def kill_quietly(pid, sig=signal.SIGKILL):
    """Send sig to pid, ignoring a vanished process."""
    try:
        os.kill(pid, sig)
    except OSError:
        pass


# ---------------------------------------------------------------------------
# The daemon

_daemons = []


class Daemon:
    """A pinetd process started as ``$PINETD -d -l -p TMP/pid [args] CONF``.

    The log (stderr and stdout) goes to TMP/log.  Positions in the log are
    character offsets; wait_log() searches from a position (default: the
    current mark, set by mark() and initially the end of the ready line)."""

    def __init__(self, conf, args=(), dlflags=("-d", "-l"), directory=None,
                 env=None, start=True, ready=True, preexec_fn=None,
                 pidfile=True):
        if "\n" in conf or not os.path.exists(conf):
            conf = write_conf(conf, directory)
        self.conf = conf
        self.dir = os.path.dirname(conf)
        self.pidfile = os.path.join(self.dir, "pinetd.pid") if pidfile else None
        self.logfile = os.path.join(self.dir, "pinetd.log")
        self.args = list(args)
        self.dlflags = list(dlflags)
        self.env = env
        self.preexec_fn = preexec_fn
        self.proc = None
        self.pid = None
        self._mark = 0
        self.services = None
        if start:
            self.start(ready=ready)

    def argv(self):
        a = [PINETD] + self.dlflags
        if self.pidfile:
            a += ["-p", self.pidfile]
        return a + self.args + [self.conf]

    def start(self, ready=True):
        """Start the daemon; with ready, wait for ``ready: N services``."""
        self._log = open(self.logfile, "a")
        self._mark = self.pos()
        self.proc = subprocess.Popen(
            self.argv(), stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=self._log, env=self.env, preexec_fn=self.preexec_fn)
        self.pid = self.proc.pid
        _daemons.append(self)
        _current_daemons.append(self)
        if ready:
            m = self.wait_log(r"^ready: (\d+) services?$")
            self.services = int(m.group(1))
            self._mark = m.end()
        return self

    def log(self):
        """The whole log so far."""
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def pos(self):
        """The current end of the log (a position for wait_log)."""
        return len(self.log())

    def mark(self):
        """Make the current end of the log the default search start."""
        self._mark = self.pos()
        return self._mark

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def find_log(self, regex, pos=None):
        """Return the first match of regex in the log after pos, or None."""
        if pos is None:
            pos = self._mark
        return re.compile(regex, re.M).search(self.log(), pos)

    def findall_log(self, regex, pos=None):
        """Return all matches of regex in the log after pos."""
        if pos is None:
            pos = self._mark
        return list(re.compile(regex, re.M).finditer(self.log(), pos))

    def wait_log(self, regex, timeout=None, pos=None):
        """Wait for a new match of regex (multi-line mode) after pos and
        return it; fails if the daemon exits or the timeout passes."""
        timeout = TIMEOUT if timeout is None else timeout
        if pos is None:
            pos = self._mark
        rx = re.compile(regex, re.M)
        deadline = time.monotonic() + timeout
        while True:
            exited = self.proc is not None and self.proc.poll() is not None
            text = self.log()
            # Only complete lines: a line being written must not match.
            text = text[:text.rfind("\n") + 1]
            m = rx.search(text, pos)
            if m:
                return m
            if exited:
                raise Failure("daemon exited (status %s) while waiting for /%s/"
                              % (self.proc.returncode, regex))
            if time.monotonic() > deadline:
                raise Failure("timed out after %gs waiting for log /%s/"
                              % (timeout, regex))
            time.sleep(0.02)

    def send(self, sig):
        """Send signal sig to the daemon."""
        os.kill(self.pid, sig)

    def counters(self, label_rx):
        """Send SIGUSR1 and return (accepted, refused, failed) from the
        dump line of the service whose label matches label_rx."""
        p = self.pos()
        self.send(signal.SIGUSR1)
        m = self.wait_log(r"^dump: %s: .*accepted (\d+), refused (\d+), "
                          r"failed (\d+)," % label_rx, pos=p)
        return tuple(int(x) for x in m.groups())

    def hup(self, timeout=None):
        """Send SIGHUP and wait for the next ``reload:`` line (returned)."""
        p = self.pos()
        self.send(signal.SIGHUP)
        m = self.wait_log(r"^reload: .*$", timeout, pos=p)
        self._mark = m.end()
        return m

    def wait_exit(self, timeout=None):
        timeout = TIMEOUT if timeout is None else timeout
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Failure("daemon did not exit within %gs" % timeout)

    def stop(self, sig=signal.SIGTERM):
        """Send SIGTERM, wait for the exit, check status 0 and that the pid
        file is gone."""
        self.send(sig)
        rc = self.wait_exit()
        check(rc == 0, "daemon exited with status %s on signal %d, want 0"
              % (rc, sig))
        if self.pidfile:
            check(not os.path.exists(self.pidfile),
                  "pid file %s still exists after exit" % self.pidfile)
        return rc

    def kill(self):
        """Kill the daemon hard if it is still running."""
        if self.proc is not None and self.proc.poll() is None:
            kill_quietly(self.pid)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        try:
            self._log.close()
        except Exception:
            pass


def _kill_all_daemons():
    for d in _daemons:
        d.kill()


atexit.register(_kill_all_daemons)


def run_pinetd(args, timeout=None, env=None):
    """Run pinetd with args to completion; return (status, stdout, stderr)."""
    timeout = TIMEOUT if timeout is None else timeout
    try:
        p = subprocess.run([PINETD] + list(args), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise Failure("pinetd %s did not finish within %gs"
                      % (" ".join(args), timeout))
    return (p.returncode, p.stdout.decode(errors="replace"),
            p.stderr.decode(errors="replace"))


def check_load_error(conf, rx):
    """pinetd -n on conf (a path, or text to write to a new file) must exit
    1 with an error that is the file's path followed by rx (a regex);
    returns stderr."""
    if "\n" in conf or not os.path.exists(conf):
        conf = write_conf(conf)
    rc, out, err = run_pinetd(["-n", conf])
    check(rc == 1 and re.search(re.escape(conf) + rx, err),
          "pinetd -n: status %d, %r" % (rc, err))
    return err


# ---------------------------------------------------------------------------
# Sockets

def connect(port, host="127.0.0.1", timeout=5, family=None):
    """Open a TCP connection; the socket has a timeout set."""
    if family is None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((host, port))
    except Exception:
        s.close()
        raise
    return s


def connect_from(port, source, host="127.0.0.1"):
    """A TCP connection to host:port from a chosen (loopback) address."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((source, 0))
    s.connect((host, port))
    return s


def connect_unix(path, timeout=5, stype=socket.SOCK_STREAM):
    """Open a Unix-domain connection (path starting with NUL = abstract)."""
    s = socket.socket(socket.AF_UNIX, stype)
    s.settimeout(timeout)
    try:
        s.connect(path)
    except Exception:
        s.close()
        raise
    return s


def recv_all(s, timeout=5, limit=64 * 1024 * 1024):
    """Read until EOF; fails on timeout.  A reset counts as EOF."""
    s.settimeout(timeout)
    chunks = []
    total = 0
    deadline = time.monotonic() + timeout
    while True:
        try:
            b = s.recv(65536)
        except socket.timeout:
            raise Failure("no EOF within %gs (got %d bytes: %r)"
                          % (timeout, total, b"".join(chunks)[:200]))
        except ConnectionResetError:
            b = b""
        if not b:
            return b"".join(chunks)
        chunks.append(b)
        total += len(b)
        if total > limit:
            raise Failure("more than %d bytes before EOF" % limit)
        if time.monotonic() > deadline:
            raise Failure("no EOF within %gs" % timeout)


def answer(port, host="127.0.0.1"):
    """Connect, send nothing, and return what the server wrote before EOF,
    as text."""
    s = connect(port, host)
    try:
        return recv_all(s).decode()
    finally:
        s.close()


def recv_exact(s, n, timeout=5):
    """Read exactly n bytes; fails on EOF or timeout."""
    s.settimeout(timeout)
    buf = bytearray()
    deadline = time.monotonic() + timeout
    while len(buf) < n:
        try:
            b = s.recv(min(65536, n - len(buf)))
        except socket.timeout:
            raise Failure("timed out after %d of %d bytes: %r"
                          % (len(buf), n, bytes(buf[:200])))
        if not b:
            raise Failure("EOF after %d of %d bytes: %r"
                          % (len(buf), n, bytes(buf[:200])))
        buf += b
        if time.monotonic() > deadline:
            raise Failure("timed out after %d of %d bytes" % (len(buf), n))
    return bytes(buf)


def check_echo(port, data, what="echo"):
    """Connect to an echo on port, send data, check it comes back, close."""
    s = connect(port)
    try:
        s.sendall(data)
        check_eq(recv_exact(s, len(data)), data, what)
    finally:
        s.close()


def recv_line(s, timeout=5, limit=65536):
    """Read one line (up to and including LF); fails on EOF or timeout."""
    s.settimeout(timeout)
    buf = bytearray()
    deadline = time.monotonic() + timeout
    while not buf.endswith(b"\n"):
        try:
            b = s.recv(1)
        except socket.timeout:
            raise Failure("timed out waiting for a line (got %r)" % bytes(buf))
        if not b:
            raise Failure("EOF before end of line (got %r)" % bytes(buf))
        buf += b
        if len(buf) > limit or time.monotonic() > deadline:
            raise Failure("no line end (got %r)" % bytes(buf[:200]))
    return bytes(buf)


def expect_silence(s, wait=0.5):
    """Assert that nothing (neither data nor EOF) arrives on s within wait
    seconds: the timeout is the assertion."""
    s.settimeout(wait)
    try:
        b = s.recv(4096)
    except socket.timeout:
        return
    if b:
        raise Failure("unexpected data: %r" % b[:200])
    raise Failure("unexpected EOF")


def expect_closed_without_data(port, host="127.0.0.1", timeout=5):
    """Connect and expect either a refusal or EOF/reset with no data.
    Returns 'refused' or 'closed'."""
    try:
        s = connect(port, host)
    except ConnectionRefusedError:
        return "refused"
    try:
        data = recv_all(s, timeout)
    finally:
        s.close()
    check(data == b"", "expected no data, got %r" % data[:200])
    return "closed"


def expect_refused(port, host="127.0.0.1"):
    """Assert that a TCP connection to port is refused."""
    try:
        s = connect(port, host)
    except ConnectionRefusedError:
        return
    # Nothing listens, yet TCP can connect a socket to itself when the
    # kernel picks the destination port as the source port.
    self_connected = s.getsockname() == s.getpeername()
    s.close()
    if self_connected:
        return
    raise Failure("connection to %s port %d was accepted, want refused"
                  % (host, port))


def wait_connectable(port, host="127.0.0.1", timeout=None):
    """Wait until a TCP connection to port succeeds; return the socket."""
    timeout = TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + timeout
    while True:
        try:
            return connect(port, host)
        except (ConnectionRefusedError, ConnectionResetError):
            if time.monotonic() > deadline:
                raise Failure("port %d never accepted connections" % port)
            time.sleep(0.05)


def udp_socket(host="127.0.0.1", bind_port=0):
    """A UDP socket bound to host:bind_port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((host, bind_port))
    return s


def udp_recv(s, timeout=5):
    """Receive one datagram, or None on timeout."""
    s.settimeout(timeout)
    try:
        return s.recvfrom(65536)[0]
    except socket.timeout:
        return None


def udp_query(port, data, host="127.0.0.1", timeout=5, sock=None):
    """Send one datagram and return the first answer (None on timeout)."""
    own = sock is None
    if own:
        sock = udp_socket(host)
    try:
        sock.sendto(data, (host, port))
        return udp_recv(sock, timeout)
    finally:
        if own:
            sock.close()


def udp_connected_query(port, data, host="127.0.0.1", timeout=5):
    """Send one datagram from a socket connect()ed to host:port, as most
    clients do, and return the answer, or None: the kernel drops a reply
    from any other address than the one the datagram went to."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    try:
        s.connect((host, port))
        s.send(data)
        s.settimeout(timeout)
        try:
            return s.recv(65536)
        except socket.timeout:
            return None
    finally:
        s.close()


def send_in_thread(s, data, half_close=False):
    """sendall(data) in a background thread, then with half_close shut the
    write side down; returns the thread, whose .error attribute holds an
    exception if sending failed."""
    def run():
        try:
            s.sendall(data)
            if half_close:
                s.shutdown(socket.SHUT_WR)
        except Exception as e:  # reported by the caller
            t.error = e
    t = threading.Thread(target=run, daemon=True)
    t.error = None
    t.start()
    return t


def tcp_queues(lport, rport):
    """(state, send queue, receive queue) of the IPv4 TCP socket from lport
    to rport as /proc/net/tcp shows it, or None if there is none. The send
    queue counts bytes not yet acknowledged, the receive queue bytes (and a
    FIN) the program has not read yet."""
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local = int(fields[1].split(":")[1], 16)
            remote = int(fields[2].split(":")[1], 16)
            if (local, remote) == (lport, rport):
                tx, rx = (int(x, 16) for x in fields[4].split(":"))
                return int(fields[3], 16), tx, rx
    return None


TCP_ESTABLISHED, TCP_CLOSE_WAIT = 1, 8


def check_echo_holds_at_eof(port):
    """the buffered echo meets EOF while holding bytes: they all come back.
    The client never reads, so what the daemon echoes fills the client's
    small receive buffer and then the daemon's socket send buffer, however
    far Linux lets that grow; it sends 64 kB at a time, each read by the
    daemon before the next, until the socket queues on both sides account
    for 16 kB less than was sent: those are in the daemon's own buffer.
    Then it half-closes, waits until the daemon has read the EOF, and only
    then reads."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    me = s.getsockname()[1]
    chunk = bytes((i * 7 + (i >> 8)) & 0xff for i in range(64 * 1024))

    def daemon_read_all():
        d, c = tcp_queues(port, me), tcp_queues(me, port)
        return d is not None and d[2] == 0 and c[1] == 0 and (d, c)

    sent = held = 0
    while held < 16384:
        check(sent < 16 << 20, "16 MB sent and the daemon holds nothing")
        s.sendall(chunk)
        sent += len(chunk)
        d, c = wait_until(daemon_read_all, timeout=10,
                          what="the daemon to read all %d bytes" % sent)
        # Bytes the client's kernel has but not yet acknowledged are in
        # both queues, so this can only underestimate what the daemon holds.
        held = sent - d[1] - c[2]
    s.shutdown(socket.SHUT_WR)

    def daemon_read_eof():
        d = tcp_queues(port, me)
        return (d is None or d[0] not in (TCP_ESTABLISHED, TCP_CLOSE_WAIT)
                or (d[0] == TCP_CLOSE_WAIT and d[2] == 0))

    wait_until(daemon_read_eof, timeout=10, what="the daemon to read EOF")
    got = recv_all(s, timeout=20)
    check_eq(len(got), sent, "bytes echoed (the daemon held %d or more at "
             "EOF)" % held)
    check(got == chunk * (sent // len(chunk)), "echoed bytes differ")
    s.close()


def chargen_stream(nlines, start=0):
    """The RFC 864 chargen stream: line k holds 72 characters starting at
    offset (start + k) % 95 of the printable characters ' '..'~', then CRLF."""
    ring = bytes(range(32, 127))
    out = bytearray()
    for k in range(nlines):
        off = (start + k) % 95
        out += (ring * 2)[off:off + 72] + b"\r\n"
    return bytes(out)


# ---------------------------------------------------------------------------
# TAP

_tests = []
_current_daemons = []


def use_daemon(d):
    """Attach a daemon started by an earlier test to the current test (its
    log is shown if the test fails)."""
    if d not in _current_daemons:
        _current_daemons.append(d)


def test(fn):
    """Register fn as a test; its docstring's first line (or name) is the
    test description."""
    _tests.append(fn)
    return fn


def _diag(text):
    for line in str(text).rstrip("\n").split("\n"):
        print("# " + line)


def _alarm(signum, frame):
    raise TestTimeout("test took longer than %ds" % TEST_TIMEOUT)


def _describe(fn):
    doc = (fn.__doc__ or "").strip().split("\n")[0].strip()
    return doc or fn.__name__


def run(global_skip=None):
    """Run all registered tests, print TAP, exit 0."""
    if hasattr(signal, "SIGALRM"):
        signal.signal(signal.SIGALRM, _alarm)
    n = 0
    for fn in _tests:
        n += 1
        name = _describe(fn)
        del _current_daemons[:]
        if global_skip:
            print("ok %d - %s # SKIP %s" % (n, name, global_skip))
            sys.stdout.flush()
            continue
        if not os.access(PINETD, os.X_OK):
            print("not ok %d - %s" % (n, name))
            _diag("daemon binary %s is missing" % PINETD)
            sys.stdout.flush()
            continue
        result, diag = "ok", None
        if hasattr(signal, "alarm"):
            signal.alarm(TEST_TIMEOUT)
        try:
            fn()
        except Skip as e:
            result = "skip"
            diag = str(e)
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            result = "not ok"
            diag = traceback.format_exc()
        finally:
            if hasattr(signal, "alarm"):
                signal.alarm(0)
        daemons = list(_current_daemons)
        if result == "not ok":
            for d in daemons:
                diag += "\n--- daemon %s log (%s) ---\n%s--- end ---" % (
                    " ".join(d.argv()), d.logfile, d.log())
        for d in daemons:
            if not getattr(d, "persistent", False):
                d.kill()
        if result == "ok":
            print("ok %d - %s" % (n, name))
        elif result == "skip":
            print("ok %d - %s # SKIP %s" % (n, name, diag))
        else:
            print("not ok %d - %s" % (n, name))
            _diag(diag)
        sys.stdout.flush()
    print("1..%d" % n)
    sys.stdout.flush()
    sys.exit(0)


def helper(*args, argv0="testhelper"):
    """The server-program and argument fields that run the test helper."""
    return " ".join([TESTHELPER, argv0] + [str(a) for a in args])
