"""A minimal kdb+ IPC client for the regression tests (stdlib only).

It speaks the subset of the protocol that tests/helpers/fakeq implements:

    c = Client()
    cap = c.hopen(port, "user", "pass")    # TCP on 127.0.0.1, returns 0..3
    cap = c.hopen(("::1", port))           # any (host, port)
    cap = c.hopen("/tmp/kx.5010")          # Unix-domain socket path
    cap = c.hopen("@kx.5010")              # Linux abstract name
    c.sync("1+1")       -> 2               # int for int/long atoms
    c.sync("getenv`X")  -> "value"         # str for char vectors
    c.sync("foo")       -> QError("nyi")   # a str subclass for q errors
    c.send_async("a:1")                    # no answer expected
    c.close()

The handshake is "user:password", the capability byte, NUL; the server
answers one byte or, refusing, closes the connection (AccessDenied).
Messages: 8-byte header (endianness 1 = little, type 0 async / 1 sync /
2 response, compression 0, reserved 0, 4-byte total length) and a payload.
"""

import socket
import struct

ASYNC, SYNC, RESPONSE = 0, 1, 2

# Type bytes (signed) of the values encoded and decoded here.
KBOOL, KINT, KLONG, KCHARS, KERROR = -1, -6, -7, 10, -128


class QError(str):
    """A q error ('text) returned by sync(); compares equal to its text."""

    def __repr__(self):
        return "QError(%s)" % str.__repr__(self)


class AccessDenied(ConnectionError):
    """The server closed the connection instead of answering the handshake."""


class ProtocolError(Exception):
    """The server sent something that is not a well-formed message."""


def encode_chars(text):
    """The payload of a char vector (type 10, no attribute)."""
    data = text.encode() if isinstance(text, str) else bytes(text)
    return struct.pack("<bBI", KCHARS, 0, len(data)) + data


def encode_message(payload, msgtype=SYNC):
    """A little-endian, uncompressed message holding payload."""
    return struct.pack("<BBBBI", 1, msgtype, 0, 0, 8 + len(payload)) + payload


def decode(payload, little=True):
    """Decode a payload: int atoms, char vectors and errors."""
    e = "<" if little else ">"
    if not payload:
        raise ProtocolError("empty payload")
    t = struct.unpack("b", payload[:1])[0]
    if t == KINT and len(payload) == 5:
        return struct.unpack(e + "i", payload[1:])[0]
    if t == KLONG and len(payload) == 9:
        return struct.unpack(e + "q", payload[1:])[0]
    if t == KBOOL and len(payload) == 2:
        return bool(payload[1])
    if t == KCHARS and len(payload) >= 6:
        n = struct.unpack(e + "I", payload[2:6])[0]
        if n == len(payload) - 6:
            return payload[6:].decode(errors="replace")
    if t == KERROR and payload.endswith(b"\0"):
        return QError(payload[1:-1].decode(errors="replace"))
    raise ProtocolError("cannot decode payload %r" % payload[:64])


def _address(target, host):
    """(family, address) for a port, (host, port), path or @abstract."""
    if isinstance(target, int):
        target = (host, target)
    if isinstance(target, tuple):
        fam = socket.AF_INET6 if ":" in target[0] else socket.AF_INET
        return fam, target
    if target.startswith("@"):
        return socket.AF_UNIX, "\0" + target[1:]
    return socket.AF_UNIX, target


class Client:
    """One connection to a kdb+ server (or to fakeq through pinetd)."""

    def __init__(self, timeout=5):
        self.sock = None
        self.timeout = timeout
        self.capability = None

    def connect(self, target, host="127.0.0.1"):
        """Open the socket only (no handshake); returns it."""
        fam, addr = _address(target, host)
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        try:
            s.connect(addr)
        except Exception:
            s.close()
            raise
        self.sock = s
        return s

    def handshake(self, user="", password="", capability=3):
        """Send the credentials and return the server's capability byte.
        Capability None or 0 sends the old form without the byte (a 0 byte
        would read as the terminating NUL)."""
        cred = (user + ":" + password) if password or user else ""
        data = cred.encode()
        if capability:
            data += bytes([capability])
        self.sock.sendall(data + b"\0")
        try:
            b = self.sock.recv(1)
        except ConnectionResetError:
            b = b""
        if not b:
            raise AccessDenied("connection closed during the handshake")
        self.capability = b[0]
        return self.capability

    def hopen(self, target, user="", password="", capability=3,
              host="127.0.0.1"):
        """Connect to target (a port on host, (host, port), a Unix path or
        @abstract) and shake hands; returns the capability byte."""
        self.connect(target, host)
        try:
            return self.handshake(user, password, capability)
        except Exception:
            self.close()
            raise

    def _recv_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            b = self.sock.recv(n - len(buf))
            if not b:
                raise ProtocolError("EOF after %d of %d bytes" % (len(buf), n))
            buf += b
        return bytes(buf)

    def recv_message(self):
        """Read one message; returns (type, decoded value)."""
        hdr = self._recv_exact(8)
        little = hdr[0] == 1
        if hdr[0] not in (0, 1) or hdr[1] > 2 or hdr[2] != 0:
            raise ProtocolError("bad header %r" % hdr)
        total = struct.unpack("<I" if little else ">I", hdr[4:])[0]
        if total < 8:
            raise ProtocolError("bad length in header %r" % hdr)
        return hdr[1], decode(self._recv_exact(total - 8), little)

    def sync(self, query):
        """Send query synchronously and return the decoded response."""
        self.sock.sendall(encode_message(encode_chars(query), SYNC))
        mtype, value = self.recv_message()
        if mtype != RESPONSE:
            raise ProtocolError("message type %d, want a response" % mtype)
        return value

    def send_async(self, query):
        """Send query asynchronously; nothing comes back."""
        self.sock.sendall(encode_message(encode_chars(query), ASYNC))

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def hopen(target, user="", password="", capability=3, timeout=5):
    """Open a Client and shake hands; returns the Client (see .capability)."""
    c = Client(timeout)
    c.hopen(target, user, password, capability)
    return c
