"""Is a server's agent alive? One rule for the API, the web pages and `/metrics`."""

from __future__ import annotations

from datetime import datetime, timedelta


def agent_alive(last_seen_at: datetime | None, now: datetime, stale_seconds: int) -> bool | None:
    """Alive when its last report is at most `stale_seconds` old (settings.heartbeat_stale_seconds);
    None when no agent ever reported."""
    if last_seen_at is None:
        return None
    return now - last_seen_at <= timedelta(seconds=stale_seconds)
