"""On-disk queue of reports waiting for the controller.

Every report is written here before it is sent, so a crash, a reboot or a
controller outage loses nothing that fits. One file per report, named by a
monotonic sequence number so replay order is the directory order::

    000000000042.heartbeat.json
    000000000043.inventory.json

Files are written to a temporary name, fsynced and renamed, so a reader never
sees half a report. The spool is bounded by bytes: when over the bound the
oldest heartbeats go first (a newer heartbeat says more than an older one) and
their number is kept in `dropped` until a heartbeat carrying it is accepted.
Inventories are never dropped: they are the monthly custody record, and one a
day is small.

Only the file names and sizes are kept in memory; a report's body is read from
disk when it is replayed, one at a time.
"""

from __future__ import annotations

import json
import os
import time
from collections import namedtuple

from agent import log as agent_log

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

log = agent_log.get_logger(__name__)

KINDS = ("inventory", "heartbeat")
_SUFFIXES = {".inventory.json": "inventory", ".heartbeat.json": "heartbeat"}
_DROPPED_FILE = "dropped"

SpooledReport = namedtuple("SpooledReport", "seq report_id kind created_at payload")
SpooledReport.__doc__ = "One report as stored; `report_id` stays the same on every resend."


class _Entry:
    __slots__ = ("kind", "path", "seq", "size")

    def __init__(self, seq: int, kind: str, path: str, size: int) -> None:
        self.seq, self.kind, self.path, self.size = seq, kind, path, size


def utc_now_iso() -> str:
    """`collectors.record.utc_now_iso` without importing datetime and the record module."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def new_report_id() -> str:
    """A random (version 4) UUID as text, without the uuid module."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _parse_name(name: str) -> tuple[int, str] | None:
    """`000000000042.heartbeat.json` -> (42, "heartbeat")."""
    seq, kind = name[:12], _SUFFIXES.get(name[12:])
    if kind is None or len(seq) != 12 or not seq.isdigit() or not seq.isascii():
        return None
    return int(seq), kind


class Spool:
    def __init__(self, directory: str | os.PathLike[str], max_bytes: int) -> None:
        self.directory = os.fspath(directory)
        self.max_bytes = max_bytes
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        self._entries: list[_Entry] = []
        self._size = 0
        with os.scandir(self.directory) as listing:
            for item in listing:
                if item.name.startswith(".tmp-"):
                    _unlink(item.path)  # an interrupted write, never acknowledged
                elif parsed := _parse_name(item.name):
                    self._entries.append(_Entry(parsed[0], parsed[1], item.path,
                                                item.stat().st_size))
        self._entries.sort(key=lambda e: e.seq)
        self._size = sum(e.size for e in self._entries)
        self._next_seq = self._entries[-1].seq + 1 if self._entries else 1
        self._dropped = self._read_dropped()
        self._warned_over_bound = False

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._size

    @property
    def dropped_heartbeats(self) -> int:
        """Heartbeats evicted for space and not yet reported to the controller."""
        return self._dropped

    def put(self, kind: str, payload: dict[str, Any], report_id: str | None = None) -> SpooledReport:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        report = SpooledReport(self._next_seq, report_id or new_report_id(), kind, utc_now_iso(), payload)
        self._next_seq += 1
        data = json.dumps({"report_id": report.report_id, "kind": kind,
                           "created_at": report.created_at, "payload": payload},
                          separators=(",", ":")).encode("utf-8")
        path = os.path.join(self.directory, f"{report.seq:012d}.{kind}.json")
        self._write_atomic(path, data)
        self._entries.append(_Entry(report.seq, kind, path, len(data)))
        self._size += len(data)
        self._enforce_bound()
        return report

    def __iter__(self) -> Iterator[SpooledReport]:
        """Oldest first, read from disk one by one. Over a snapshot: `remove` during replay is safe."""
        for entry in list(self._entries):
            report = self._load(entry)
            if report is not None:
                yield report

    def remove(self, report: SpooledReport) -> None:
        """Forget a report the controller accepted or will never accept."""
        for entry in self._entries:
            if entry.seq == report.seq:
                self._forget(entry)
                return

    def acknowledge_dropped(self, count: int) -> None:
        """The controller has been told about `count` dropped heartbeats."""
        self._dropped = max(0, self._dropped - count)
        self._write_dropped()

    def _forget(self, entry: _Entry) -> None:
        _unlink(entry.path)
        self._entries.remove(entry)
        self._size -= entry.size

    def _enforce_bound(self) -> None:
        evicted = 0
        while self._size > self.max_bytes:
            oldest = next((e for e in self._entries if e.kind == "heartbeat"), None)
            if oldest is None:
                if not self._warned_over_bound:
                    log.warning("spool holds %d bytes of inventories, over its %d byte bound; "
                                "keeping them", self._size, self.max_bytes)
                    self._warned_over_bound = True
                break
            self._forget(oldest)
            evicted += 1
        if evicted:
            self._dropped += evicted
            self._write_dropped()
            log.warning("spool full: dropped %d oldest heartbeat(s), %d not yet reported",
                        evicted, self._dropped)

    def _load(self, entry: _Entry) -> SpooledReport | None:
        try:
            with open(entry.path, "rb") as fh:
                data = json.load(fh)
            return SpooledReport(entry.seq, data["report_id"], data["kind"],
                                 data["created_at"], data["payload"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # Atomic writes rule out torn files, so this is disk damage: keeping the
            # file would block replay forever.
            log.error("discarding unreadable spool file %s: %s", os.path.basename(entry.path), exc)
            if entry in self._entries:
                self._forget(entry)
            return None

    def _write_atomic(self, path: str, data: bytes) -> None:
        tmp = os.path.join(self.directory, f".tmp-{os.path.basename(path)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # make the rename itself survive a power cut
        finally:
            os.close(dir_fd)

    def _read_dropped(self) -> int:
        try:
            with open(os.path.join(self.directory, _DROPPED_FILE), encoding="utf-8") as fh:
                return int(fh.read().strip() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def _write_dropped(self) -> None:
        self._write_atomic(os.path.join(self.directory, _DROPPED_FILE), f"{self._dropped}\n".encode())


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
