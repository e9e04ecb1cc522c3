"""SOP 003 service times per priority, counted in office time (domain only, no database)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from controller.domain.service_time import WorkCalendar
from controller.domain.ticket_flow import SERVICE_TIMES, Priority, TicketState, due_at

WIB = ZoneInfo("Asia/Jakarta")
CAL = WorkCalendar(opens=time(8, 0), closes=time(16, 0))
# Thursday 3 December 2026, 15:30 WIB: half an hour before closing.
LATE = datetime(2026, 12, 3, 15, 30, tzinfo=WIB)


@pytest.mark.parametrize("priority,state,expected", [
    # Urgent, with the division: 60 office minutes, 30 today and 30 from Friday's opening.
    ("urgent", "triaged", datetime(2026, 12, 4, 8, 30, tzinfo=WIB)),
    ("urgent", "assigned", datetime(2026, 12, 4, 11, 30, tzinfo=WIB)),   # 240 minutes
    ("high", "submitted", datetime(2026, 12, 4, 8, 30, tzinfo=WIB)),     # 60 minutes
    ("normal", "assigned", datetime(2026, 12, 8, 15, 30, tzinfo=WIB)),   # the SOP's 3 days: Fri, Mon, Tue
    ("low", "assigned", datetime(2026, 12, 10, 15, 30, tzinfo=WIB)),     # 5 days
    (None, "submitted", datetime(2026, 12, 4, 15, 30, tzinfo=WIB)),      # a ticket from before: normal
    ("urgent", "approved", datetime(2026, 12, 4, 15, 30, tzinfo=WIB)),   # closing stays the SOP's day
])
def test_due(priority, state, expected):
    assert due_at(priority, state, LATE, CAL) == expected


def test_closed_is_nobodys():
    assert due_at("urgent", "closed", LATE, CAL) is None


def test_every_priority_times_every_open_state():
    open_states = {s for s in TicketState if s != TicketState.closed}
    for priority in Priority:
        assert set(SERVICE_TIMES[priority]) == open_states, priority


def test_the_overdue_gauge_counts_each_ticket_by_its_own_priority():
    """An urgent ticket filed at 15:30 is late by Friday 09:00; a normal one filed then is not."""
    from controller.metrics.collector import _tickets
    from controller.metrics.snapshot import Snapshot

    snap = Snapshot(units=[], racks=[], servers=[], findings={},
                    tickets=[("submitted", "urgent", LATE), ("submitted", "normal", LATE), ("closed", "urgent", LATE)])
    count, overdue = _tickets(snap, CAL, datetime(2026, 12, 4, 9, 0, tzinfo=WIB))
    late = {s.labels["state"]: s.value for s in overdue.samples}
    assert late["submitted"] == 1 and "closed" not in late
    assert {s.labels["state"]: s.value for s in count.samples}["submitted"] == 2
