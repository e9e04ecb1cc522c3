"""Per-server metric rows kept between scrapes while the database row they came from is unchanged.

Heartbeats and probe rounds are the costly parts of a scrape (JSON to decode, rows to fetch)
and change far less often than Prometheus scrapes. Each entry is keyed by the row's own
timestamp (and the server's rendered label, so a corrected serial number misses too); a
scrape asks the database for those keys only and re-reads the rows whose key moved. The cache
holds nothing the database does not say: a miss always reads the row again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

Key = tuple[float, str]          # (row timestamp as epoch seconds, rendered server pair)
R = TypeVar("R")


class RowCache(Generic[R]):
    def __init__(self) -> None:
        self._seen: dict[int, tuple[Key, R]] = {}

    def missing(self, wanted: dict[int, Key]) -> list[int]:
        """The servers whose row changed (or was never read) since the last scrape."""
        seen = self._seen
        return [sid for sid, key in wanted.items() if (hit := seen.get(sid)) is None or hit[0] != key]

    def put(self, server_id: int, key: Key, rows: R) -> None:
        self._seen[server_id] = (key, rows)

    def get(self, server_id: int) -> R | None:
        hit = self._seen.get(server_id)
        return hit[1] if hit else None

    def keep_only(self, server_ids: Iterable[int]) -> None:
        """Forget servers no longer wanted (gone, stale), so the cache stays bounded."""
        keep = set(server_ids)
        for sid in [sid for sid in self._seen if sid not in keep]:
            del self._seen[sid]
