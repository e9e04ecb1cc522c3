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
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from collectors.record import utc_now_iso

log = logging.getLogger(__name__)

KINDS = ("inventory", "heartbeat")
_NAME = re.compile(r"^(\d{12})\.(inventory|heartbeat)\.json$")
_DROPPED_FILE = "dropped"


@dataclass(frozen=True)
class _Entry:
    seq: int
    kind: str
    path: Path
    size: int


@dataclass(frozen=True)
class SpooledReport:
    """One report as stored; `report_id` stays the same on every resend."""

    seq: int
    report_id: str
    kind: str
    created_at: str
    payload: dict[str, Any]


class Spool:
    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._entries: list[_Entry] = []
        for path in directory.iterdir():
            if path.name.startswith(".tmp-"):
                path.unlink(missing_ok=True)  # an interrupted write, never acknowledged
            elif match := _NAME.match(path.name):
                self._entries.append(_Entry(int(match[1]), match[2], path, path.stat().st_size))
        self._entries.sort(key=lambda e: e.seq)
        self._next_seq = self._entries[-1].seq + 1 if self._entries else 1
        self._dropped = self._read_dropped()
        self._warned_over_bound = False

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return sum(e.size for e in self._entries)

    @property
    def dropped_heartbeats(self) -> int:
        """Heartbeats evicted for space and not yet reported to the controller."""
        return self._dropped

    def put(self, kind: str, payload: dict[str, Any], report_id: str | None = None) -> SpooledReport:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        report = SpooledReport(self._next_seq, report_id or str(uuid.uuid4()), kind, utc_now_iso(), payload)
        self._next_seq += 1
        data = json.dumps({"report_id": report.report_id, "kind": kind,
                           "created_at": report.created_at, "payload": payload},
                          separators=(",", ":")).encode("utf-8")
        path = self.directory / f"{report.seq:012d}.{kind}.json"
        self._write_atomic(path, data)
        self._entries.append(_Entry(report.seq, kind, path, len(data)))
        self._enforce_bound()
        return report

    def __iter__(self) -> Iterator[SpooledReport]:
        """Oldest first. Iterate over a snapshot so `remove` during replay is safe."""
        for entry in list(self._entries):
            report = self._load(entry)
            if report is not None:
                yield report

    def remove(self, report: SpooledReport) -> None:
        """Forget a report the controller accepted or will never accept."""
        for entry in self._entries:
            if entry.seq == report.seq:
                entry.path.unlink(missing_ok=True)
                self._entries.remove(entry)
                return

    def acknowledge_dropped(self, count: int) -> None:
        """The controller has been told about `count` dropped heartbeats."""
        self._dropped = max(0, self._dropped - count)
        self._write_dropped()

    def _enforce_bound(self) -> None:
        total = self.size_bytes
        evicted = 0
        while total > self.max_bytes:
            oldest = next((e for e in self._entries if e.kind == "heartbeat"), None)
            if oldest is None:
                if not self._warned_over_bound:
                    log.warning("spool holds %d bytes of inventories, over its %d byte bound; "
                                "keeping them", total, self.max_bytes)
                    self._warned_over_bound = True
                break
            oldest.path.unlink(missing_ok=True)
            self._entries.remove(oldest)
            total -= oldest.size
            evicted += 1
        if evicted:
            self._dropped += evicted
            self._write_dropped()
            log.warning("spool full: dropped %d oldest heartbeat(s), %d not yet reported",
                        evicted, self._dropped)

    def _load(self, entry: _Entry) -> SpooledReport | None:
        try:
            data = json.loads(entry.path.read_bytes())
            return SpooledReport(entry.seq, data["report_id"], data["kind"],
                                 data["created_at"], data["payload"])
        except (OSError, ValueError, KeyError) as exc:
            # Atomic writes rule out torn files, so this is disk damage: keeping the
            # file would block replay forever.
            log.error("discarding unreadable spool file %s: %s", entry.path.name, exc)
            entry.path.unlink(missing_ok=True)
            self._entries.remove(entry)
            return None

    def _write_atomic(self, path: Path, data: bytes) -> None:
        tmp = self.directory / f".tmp-{path.name}"
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
            return int((self.directory / _DROPPED_FILE).read_text().strip() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def _write_dropped(self) -> None:
        self._write_atomic(self.directory / _DROPPED_FILE, f"{self._dropped}\n".encode())
