"""What a peer sent, as it may appear in our messages and logs: cut short, and not too often.

A hostile peer chooses the values it sends: a string of 64 KiB, arrays nested a thousand deep,
bytes that are not text, integers of any size. ``safe_repr`` turns any of them into a short
printable form without recursing and without failing, so that building a message about bad
input can never itself fail. ``PeerLog`` lets one peer cause at most a few log lines per
interval; what it holds back is counted and reported in one line later.

Layer 2 (wire codecs and helpers): imports only the standard library; no asyncio here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Final

ECHO_LIMIT: Final = 80  # characters of a peer's value that a message or log line shows
REASON_LIMIT: Final = 200  # characters of a reason (which may hold several echoed values)
_BIG_INT_BITS: Final = 128  # wider integers are shown by their size, not their digits


def cut(text: str, limit: int = REASON_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, with "..." where it was cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 3, 0)] + "..."


def _scalar(value: object, limit: int) -> str | None:
    """The short form of a value that holds no other values; None for a list or a map."""
    t = type(value)
    if t is str:
        return repr(value[:limit])  # type: ignore[index]
    if t is bytes or t is bytearray or t is memoryview:
        return repr(bytes(value[:limit]))  # type: ignore[index]
    if t is int:
        assert isinstance(value, int)
        if value.bit_length() > _BIG_INT_BITS:
            return f"<int of {value.bit_length()} bits>"
        return repr(value)
    if t is bool or t is float or value is None:
        return repr(value)
    if t is list or t is tuple or t is dict:
        return None
    return f"<{t.__name__}>"  # anything else: its type, never its own repr()


def safe_repr(value: object, limit: int = ECHO_LIMIT) -> str:
    """A printable form of ``value`` of at most ``limit`` characters (about ``repr``), for a
    message or a log line: no recursion however deep the value, no failure whatever it is."""
    try:
        return cut(_render(value, limit), limit)
    except Exception:  # no input may make a message about it fail
        return f"<{type(value).__name__}>"


def _render(value: object, limit: int) -> str:
    parts: list[str] = []
    size = 0
    # what is left to write, last first: values, and the literal text between them (str)
    todo: list[tuple[bool, object]] = [(False, value)]
    while todo and size <= limit:
        literal, item = todo.pop()
        if literal:
            assert isinstance(item, str)
            piece = item
        else:
            scalar = _scalar(item, limit)
            piece = _open_container(item, limit, todo) if scalar is None else scalar
        parts.append(piece)
        size += len(piece)
    if todo:
        parts.append("...")
    return "".join(parts)


def _open_container(item: object, limit: int, todo: list[tuple[bool, object]]) -> str:
    """Push a list's or a map's items (at most ``limit``: each takes a character at least)
    and its closing bracket; return its opening bracket."""
    if isinstance(item, dict):
        todo.append((True, "}"))
        entries = list(item.items())[:limit]
        for i in range(len(entries) - 1, -1, -1):
            key, val = entries[i]
            todo.append((False, val))
            todo.append((True, ": "))
            todo.append((False, key))
            if i:
                todo.append((True, ", "))
        return "{"
    assert isinstance(item, list | tuple)
    close = "]" if isinstance(item, list) else ")"
    todo.append((True, close))
    items = item[:limit]
    for i in range(len(items) - 1, -1, -1):
        todo.append((False, items[i]))
        if i:
            todo.append((True, ", "))
    return "[" if isinstance(item, list) else "("


class PeerLog:
    """Log lines a peer causes, at most ``per_interval`` per peer per ``interval`` seconds.

    Lines over the budget are counted, and once the peer's interval is over one line says how
    many were suppressed. At most ``max_peers`` peers are tracked at a time; beyond that, the
    others share one budget. Thread-safe.
    """

    OTHERS: Final = "(other peers)"

    def __init__(
        self,
        logger: logging.Logger,
        per_interval: int = 10,
        interval: float = 60.0,
        max_peers: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.per_interval = per_interval
        self.interval = interval
        self.max_peers = max_peers
        self._clock = clock
        self._lock = threading.Lock()
        # peer -> [start of its interval, lines logged in it, lines suppressed in it]
        self._peers: dict[str, list[Any]] = {}
        self._swept = clock()

    def log(self, level: int, peer: str, msg: str, *args: object, exc_info: bool = False) -> bool:
        """Log ``msg % args`` about ``peer`` unless its budget is spent; whether it was."""
        if not self.logger.isEnabledFor(level):
            return False
        reports: list[tuple[str, int, float]] = []
        with self._lock:
            now = self._clock()
            if now - self._swept >= self.interval:
                self._sweep(now, reports)
            entry = self._peers.get(peer)
            if entry is None:
                if len(self._peers) >= self.max_peers:
                    peer = self.OTHERS
                    entry = self._peers.get(peer)
                if entry is None:
                    entry = self._peers[peer] = [now, 0, 0]
            elif now - entry[0] >= self.interval:
                if entry[2]:
                    reports.append((peer, entry[2], now - entry[0]))
                entry[0], entry[1], entry[2] = now, 0, 0
            allowed = bool(entry[1] < self.per_interval)
            if allowed:
                entry[1] += 1
            else:
                entry[2] += 1
        for who, count, seconds in reports:
            self._report(who, count, seconds)
        if allowed:
            self.logger.log(level, msg, *args, exc_info=exc_info)
        return allowed

    def _sweep(self, now: float, reports: list[tuple[str, int, float]]) -> None:
        """Forget the peers whose interval is over (with the lock held)."""
        self._swept = now
        for peer, entry in list(self._peers.items()):
            if now - entry[0] >= self.interval:
                if entry[2]:
                    reports.append((peer, entry[2], now - entry[0]))
                del self._peers[peer]

    def _report(self, peer: str, count: int, seconds: float) -> None:
        self.logger.warning(
            "idlrt: suppressed %d more log lines about %s in %.0f s", count, peer, seconds
        )

    def flush(self) -> None:
        """Report every suppressed count now and start afresh (for tests and at shutdown)."""
        with self._lock:
            entries, self._peers = self._peers, {}
            self._swept = self._clock()
        now = self._clock()
        for peer, entry in entries.items():
            if entry[2]:
                self._report(peer, entry[2], now - entry[0])


peer_log: Final = PeerLog(logging.getLogger("idlrt"))


def peer_key(peername: object) -> str:
    """Which budget of ``peer_log`` a connection's peer (``get_extra_info("peername")``)
    spends: its host, whatever its port, so that many connections share one budget."""
    if isinstance(peername, tuple) and peername:
        return str(peername[0])
    return "(local)"
