"""The access log: one line per request, in a W3C extended log format.

The file opens with ``#Version`` and ``#Fields`` directives, as CloudFront's standard logs do,
then holds one tab-separated line per request with the fields in :data:`FIELDS` order:

==================== =================================================================
``date``             UTC date the response finished, ``YYYY-MM-DD``
``time``             UTC time the response finished, ``HH:MM:SS``
``c-ip``             the viewer's address
``cs-method``        the request method
``cs(Host)``         the viewer's ``Host`` header
``cs-uri-stem``      the path, as received
``cs-uri-query``     the query string without ``?``, or ``-``
``sc-status``        the status code sent
``sc-bytes``         response bytes sent, head included
``x-edge-result-type`` ``Hit``, ``RefreshHit``, ``Miss``, ``Error`` or ``Pass``
``x-origin-time``    seconds spent waiting for the origin, or ``-`` when it was not asked
``time-taken``       seconds from the request's arrival to its last byte
==================== =================================================================

Bytes outside printable ASCII (space, tab, controls, non-ASCII) are percent-encoded, so a
field never holds a separator. Empty fields are written as ``-``.

Finished requests are queued as plain tuples, then formatted and written in batches, at most
every :data:`FLUSH_INTERVAL` seconds or every :data:`FLUSH_LINES` lines, so the hot path pays
only for a tuple. A node that dies abruptly loses at most one batch.

Error tree::

    EdgeworksError
    └── AccessLogError       a line that :func:`parse_line` cannot read (field and value named)
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import select
import stat
import time
from dataclasses import dataclass

from edgeworks.errors import EdgeworksError

logger = logging.getLogger(__name__)

FIELDS: tuple[str, ...] = (
    "date",
    "time",
    "c-ip",
    "cs-method",
    "cs(Host)",
    "cs-uri-stem",
    "cs-uri-query",
    "sc-status",
    "sc-bytes",
    "x-edge-result-type",
    "x-origin-time",
    "time-taken",
)
"""The field names of the ``#Fields`` directive, in line order."""

HEADER = "#Version: 1.0\n#Fields: " + " ".join(FIELDS) + "\n"
"""The directives at the head of every log."""

FLUSH_INTERVAL = 1.0
FLUSH_LINES = 512

_UNSAFE = re.compile(rb"[^\x21-\x7e]")
_LINE = b"%s\t%s\t%d\t%d\t%s\t%s\t%.3f\n"
_ZERO = b"0.000\n"
_ROUNDS_TO_ZERO = 0.0005


class AccessLogError(EdgeworksError, ValueError):
    """A line does not follow the access-log format; the message names the field and value."""


@dataclass(frozen=True, slots=True)
class AccessRecord:
    """One parsed access-log line."""

    date: str
    time: str
    client: str
    method: str
    host: str
    path: str
    query: str
    status: int
    bytes_sent: int
    result: str
    origin_time: float | None
    total_time: float

    @property
    def url(self) -> str:
        """The path with its query string, as the viewer asked for it."""
        return f"{self.path}?{self.query}" if self.query else self.path


def _raw(value: str | bytes) -> bytes:
    return value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value


def _escaped(raw: bytes) -> bytes:
    """Return ``raw`` as one field: separators and non-ASCII percent-encoded, ``-`` if empty."""
    if not raw:
        return b"-"
    return _UNSAFE.sub(lambda match: b"%%%02X" % match.group()[0], raw)


def format_line(
    finished: float,
    *,
    client: str,
    method: str | bytes,
    host: str | bytes,
    target: str | bytes,
    status: int,
    bytes_sent: int,
    result: str,
    origin_time: float | None,
    total_time: float,
) -> bytes:
    """Return one access-log line, newline included, as ASCII bytes.

    Args:
        finished: When the response finished, in seconds since the epoch.
        client: The viewer's address.
        method: The request method.
        host: The viewer's ``Host`` header (empty when absent).
        target: The request target, path and query string.
        status: The status code sent.
        bytes_sent: Response bytes sent, head included.
        result: The cache result (``Hit``, ``RefreshHit``, ``Miss``, ``Error``, ``Pass``).
        origin_time: Seconds waiting for the origin, or None when it was not asked.
        total_time: Seconds from the request's arrival to its last byte.
    """
    entry = (finished, client, method, host, target, status, bytes_sent, result)
    return _format((*entry, origin_time, total_time))


Entry = tuple[
    float, str, str | bytes, str | bytes, str | bytes, int, int, str, float | None, float
]
"""A finished request as queued: the arguments of :func:`format_line`, in its order."""


def _format(entry: Entry) -> bytes:
    finished, client, method, host, target, status, sent, result, origin_time, total_time = entry
    texts = _texts(client, method, host, target, result)
    return _LINE % (
        _stamp(int(finished)),
        texts[0],
        status,
        sent,
        texts[1],
        b"-" if origin_time is None else b"%.3f" % origin_time,
        total_time,
    )


def line_middle(
    *,
    client: str,
    method: str | bytes,
    host: str | bytes,
    target: str | bytes,
    status: int,
    bytes_sent: int,
    result: str,
    origin_asked: bool = False,
) -> bytes:
    """Return the part of a line between the date and the times.

    A report made ready once for answers that repeat (:meth:`AccessLog.add_line`). When the
    origin was not asked its time is ``-`` and belongs to the middle; else each line adds it.
    """
    texts = _texts(client, method, host, target, result)
    middle = b"\t%s\t%d\t%d\t%s\t" % (texts[0], status, bytes_sent, texts[1])
    return middle if origin_asked else middle + b"-\t"


# A keep-alive viewer asks for the same URL again and again: its text fields are escaped once.
_TEXTS: dict[tuple[str, str | bytes, str | bytes, str | bytes, str], tuple[bytes, bytes]] = {}
_TEXTS_MAX = 4096


def _texts(
    client: str, method: str | bytes, host: str | bytes, target: str | bytes, result: str
) -> tuple[bytes, bytes]:
    """Return the fields before the status, tab-joined, and the result field."""
    key = (client, method, host, target, result)
    known = _TEXTS.get(key)
    if known is not None:
        return known
    texts = [_raw(client), _raw(method), _raw(host), *_raw(target).partition(b"?")[::2]]
    texts.append(_raw(result))
    # One scan of every text field together: the common line needs no escaping at all.
    if _UNSAFE.search(b"!".join(texts)) is not None:
        texts = list(map(_escaped, texts))
    texts = [text or b"-" for text in texts]
    known = (b"\t".join(texts[:5]), texts[5])
    if len(_TEXTS) >= _TEXTS_MAX:
        _TEXTS.clear()
    _TEXTS[key] = known
    return known


_last_stamp: list[tuple[int, bytes]] = [(-1, b"")]


def _stamp(second: int) -> bytes:
    """Return the date and time fields of ``second``, formatting each second only once."""
    cached_second, cached = _last_stamp[0]
    if cached_second != second:
        cached = time.strftime("%Y-%m-%d\t%H:%M:%S", time.gmtime(second)).encode()
        _last_stamp[0] = (second, cached)
    return cached


def parse_line(line: str) -> AccessRecord:
    """Parse one access-log line written by :func:`format_line`.

    Raises:
        AccessLogError: The line has the wrong number of fields or a field of the wrong type;
            the message names the field and its value.
    """
    values = line.rstrip("\n").split("\t")
    if len(values) != len(FIELDS):
        raise AccessLogError(f"expected {len(FIELDS)} tab-separated fields, got {len(values)}")
    named = dict(zip(FIELDS, values, strict=True))
    return AccessRecord(
        date=named["date"],
        time=named["time"],
        client=named["c-ip"],
        method=named["cs-method"],
        host="" if named["cs(Host)"] == "-" else named["cs(Host)"],
        path=named["cs-uri-stem"],
        query="" if named["cs-uri-query"] == "-" else named["cs-uri-query"],
        status=_whole(named, "sc-status"),
        bytes_sent=_whole(named, "sc-bytes"),
        result=named["x-edge-result-type"],
        origin_time=None if named["x-origin-time"] == "-" else _seconds(named, "x-origin-time"),
        total_time=_seconds(named, "time-taken"),
    )


def parse_log(text: str) -> list[AccessRecord]:
    """Parse a whole log, skipping the ``#`` directives (which may repeat) and blank lines."""
    return [parse_line(line) for line in text.splitlines() if line and not line.startswith("#")]


def _whole(named: dict[str, str], name: str) -> int:
    try:
        return int(named[name])
    except ValueError:
        raise AccessLogError(f"field {name} is not a whole number: {named[name]!r}") from None


def _seconds(named: dict[str, str], name: str) -> float:
    try:
        return float(named[name])
    except ValueError:
        raise AccessLogError(f"field {name} is not a number of seconds: {named[name]!r}") from None


class AccessLog:
    """A buffered writer of access-log lines to standard output or a file.

    Args:
        target: ``-`` for standard output, or a file path (appended to, created if absent).
        header: Write the ``#Version``/``#Fields`` directives when the log is opened empty, or
            always for standard output.
    """

    def __init__(self, target: str, *, header: bool = True) -> None:
        self.target = target
        # Entries to format at the next flush, and lines already formatted (add_line).
        self._pending: list[Entry | bytes] = []
        self._timer: asyncio.TimerHandle | None = None
        self._fd = self._open(header)
        self._atomic = _atomic_write_size(self._fd)

    def _open(self, header: bool) -> int:
        if self.target == "-":
            fd = os.dup(1)
            needs_header = header
        else:
            try:
                fd = os.open(self.target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            except OSError as exc:
                raise OSError(exc.errno, f"access log {self.target}: {exc.strerror}") from None
            needs_header = header and os.fstat(fd).st_size == 0
        if needs_header:
            os.write(fd, HEADER.encode())
        return fd

    def record(
        self,
        *,
        client: str,
        method: str | bytes,
        host: str | bytes,
        target: str | bytes,
        status: int,
        bytes_sent: int,
        result: str,
        origin_time: float | None,
        total_time: float,
    ) -> None:
        """Queue one line for a request that just finished (arguments as :func:`format_line`)."""
        entry = (time.time(), client, method, host, target, status, bytes_sent, result)
        self.add((*entry, origin_time, total_time))

    def add(self, entry: Entry) -> None:
        """Queue one finished request; it is formatted when the batch is written."""
        self._pending.append(entry)
        if len(self._pending) >= FLUSH_LINES:
            self.flush()

    def add_line(
        self, finished: float, middle: bytes, total_time: float, origin_time: float | None = None
    ) -> None:
        """Queue one finished request whose line was made ready by :func:`line_middle`.

        ``origin_time`` is given when the middle was made with ``origin_asked``.
        """
        if origin_time is not None:
            tail = b"%.3f\t%.3f\n" % (origin_time, total_time)
        elif total_time < _ROUNDS_TO_ZERO:
            tail = _ZERO  # a replayed answer takes microseconds: no format needed
        else:
            tail = b"%.3f\n" % total_time
        second = int(finished)
        last_second, stamp = _last_stamp[0]
        if last_second != second:
            stamp = _stamp(second)
        self._pending.append(stamp + middle + tail)
        if len(self._pending) >= FLUSH_LINES:
            self.flush()

    def flush(self) -> None:
        """Write every queued line now; a failing disk is logged once per batch, not raised."""
        if not self._pending:
            return
        lines = [line if isinstance(line, bytes) else _format(line) for line in self._pending]
        self._pending.clear()
        try:
            for batch in _batches(lines, self._atomic):
                _write_all(self._fd, batch)
        except OSError as exc:
            logger.warning("access log %s: write failed, lines lost: %s", self.target, exc)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Flush on ``loop`` every :data:`FLUSH_INTERVAL` seconds until :meth:`close`."""
        self.flush()
        self._timer = loop.call_later(FLUSH_INTERVAL, self.start, loop)

    def reopen(self) -> None:
        """Flush and open the target again, so that a rotated file is followed."""
        self.flush()
        old, self._fd = self._fd, self._open(header=True)
        self._atomic = _atomic_write_size(self._fd)
        os.close(old)

    def close(self) -> None:
        """Stop the timer, flush what is queued and close the file."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.flush()
        os.close(self._fd)


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]


def _atomic_write_size(fd: int) -> int | None:
    """Return the largest write that lands whole on ``fd``, or None when any size does.

    Several workers share one log. A file opened for appending takes each write whole at its
    end; a pipe or socket keeps a write whole only up to ``PIPE_BUF`` bytes (POSIX ``write``).
    """
    mode = os.fstat(fd).st_mode
    return select.PIPE_BUF if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) else None


def _batches(lines: list[bytes], limit: int | None) -> list[bytes]:
    """Join ``lines`` into as few writes as possible, none past ``limit`` bytes but a long line."""
    if limit is None:
        return [b"".join(lines)]
    batches: list[bytes] = []
    group: list[bytes] = []
    size = 0
    for line in lines:
        if group and size + len(line) > limit:
            batches.append(b"".join(group))
            group, size = [], 0
        group.append(line)
        size += len(line)
    batches.append(b"".join(group))
    return batches
