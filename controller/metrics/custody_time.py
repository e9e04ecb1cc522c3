"""Overdue custody steps counted with a handful of service-time computations per scrape.

`services.custody.due` is `due_at(state_since, calendar)`, which never moves earlier when the
step started later (a later start maps to the same or a later office opening, then adds the
same working time). So the overdue steps are exactly those that started before some cutoff,
and a binary search over the distinct start times finds it with about 14 calls for 10,000
requests instead of one working-time computation per request on every scrape.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from ..domain.custody_flow import CustodyState
from ..domain.service_time import WorkCalendar, due_at


def overdue_by_state(timed: Iterable[tuple[str, float]], cal: WorkCalendar, now: datetime,
                     states: Iterable[str]) -> dict[str, int]:
    """(state, state_since in epoch seconds) of requests in timed states -> overdue count per
    state, every state in `states` included (zeros too)."""
    wanted = set(states)
    out = {s.value: 0 for s in CustodyState if s in wanted}
    timed = list(timed)
    starts = sorted({since for _, since in timed})
    lo, hi = 0, len(starts)
    while lo < hi:   # first start whose step is still on time
        mid = (lo + hi) // 2
        if now > due_at(datetime.fromtimestamp(starts[mid], UTC), cal):
            lo = mid + 1
        else:
            hi = mid
    cutoff = starts[lo] if lo < len(starts) else None
    for state, since in timed:
        if cutoff is None or since < cutoff:
            out[state] = out.get(state, 0) + 1
    return out
