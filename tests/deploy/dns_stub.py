"""A tiny authoritative DNS server on loopback for the proxy tests: it answers A queries for
one name with a list of addresses the test changes at will (what Docker's embedded DNS does
when ``docker compose up --scale`` adds or removes replicas)."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager

TYPE_A = 1
CLASS_IN = 1
TTL_SECONDS = 1
NXDOMAIN = 3


def _question_end(packet: bytes) -> int:
    """Offset just past the first question's name, type and class."""
    at = 12
    while packet[at] != 0:
        at += 1 + packet[at]
    return at + 1 + 4


def _question_name(packet: bytes) -> str:
    labels, at = [], 12
    while packet[at] != 0:
        size = packet[at]
        labels.append(packet[at + 1:at + 1 + size].decode("ascii").lower())
        at += 1 + size
    return ".".join(labels)


def answer(query: bytes, *, name: str, addresses: list[str]) -> bytes:
    """The response to ``query``: every address for an A query of ``name``, none for other
    types, NXDOMAIN for other names."""
    (ident, _flags, qdcount) = struct.unpack(">HHH", query[:6])
    end = _question_end(query)
    qtype, _qclass = struct.unpack(">HH", query[end - 4:end])
    question = query[12:end]
    if qdcount != 1 or _question_name(query) != name:
        return struct.pack(">HHHHHH", ident, 0x8180 | NXDOMAIN, 1, 0, 0, 0) + question
    found = addresses if qtype == TYPE_A else []
    records = b"".join(
        struct.pack(">HHHIH", 0xC00C, TYPE_A, CLASS_IN, TTL_SECONDS, 4)
        + socket.inet_aton(address) for address in found)
    return struct.pack(">HHHHHH", ident, 0x8180, 1, len(found), 0, 0) + question + records


class DnsStub:
    """Serves ``name`` -> ``addresses`` on ``127.0.0.1:<port>`` (UDP) from a thread."""

    def __init__(self, name: str, addresses: list[str]) -> None:
        self.name = name
        self.addresses = list(addresses)
        self.queries = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port = int(self._sock.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                query, peer = self._sock.recvfrom(512)
            except TimeoutError:
                continue
            except OSError:
                return
            self.queries += 1
            self._sock.sendto(answer(query, name=self.name, addresses=list(self.addresses)),
                              peer)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()


@contextmanager
def dns_stub(name: str, addresses: list[str]) -> Iterator[DnsStub]:
    """A running :class:`DnsStub`, closed on exit."""
    stub = DnsStub(name, addresses)
    stub.start()
    try:
        yield stub
    finally:
        stub.close()
