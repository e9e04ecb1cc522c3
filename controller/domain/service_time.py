"""Service times counted in working time (SOP 002 *Mutu Baku: Waktu*: 1 working day per step).

A working day is one full office day of hours: a step begun Friday 14:00 with 08:00-16:00 hours
has two hours on Friday and is due Monday 14:00. A step begun outside office hours starts
counting at the next opening. Arithmetic is done on the office's wall clock (in ``tz``), and
results come back in the timezone of the input, so callers storing UTC get UTC back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays

WORKDAYS = frozenset(range(5))  # Monday..Friday
_MAX_SEARCH_DAYS = 366  # a calendar with no working day in a year is a configuration error


@dataclass(frozen=True)
class WorkCalendar:
    """When the office works.

    ``joint_holidays`` adds the government's *cuti bersama* (collective leave around Eid,
    Christmas...), when civil-servant offices are closed too; ``extra_holidays`` covers
    local closures the package cannot know.
    """

    tz: str = "Asia/Jakarta"
    opens: time = time(8, 0)
    closes: time = time(16, 0)
    extra_holidays: tuple[date, ...] = ()
    joint_holidays: bool = True
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _years: dict[int, frozenset[date]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.opens >= self.closes:
            raise ValueError(f"office opens {self.opens} after it closes {self.closes}")
        object.__setattr__(self, "_zone", ZoneInfo(self.tz))

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def day_length(self) -> timedelta:
        return datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)

    def holidays_in(self, year: int) -> frozenset[date]:
        if year not in self._years:
            categories = ("public", "government") if self.joint_holidays else ("public",)
            found = set(holidays.Indonesia(years=year, categories=categories))
            found.update(d for d in self.extra_holidays if d.year == year)
            self._years[year] = frozenset(found)
        return self._years[year]

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in WORKDAYS and day not in self.holidays_in(day.year)

    def opening(self, day: date) -> datetime:
        return datetime.combine(day, self.opens, self._zone)

    def closing(self, day: date) -> datetime:
        return datetime.combine(day, self.closes, self._zone)

    def next_working_day(self, after: date) -> date:
        day = after
        for _ in range(_MAX_SEARCH_DAYS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError(f"no working day within a year after {after}")


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def add_working_time(start: datetime, days: float, calendar: WorkCalendar) -> datetime:
    """``start`` plus ``days`` working days (fractions allowed: 0.5 is half an office day)."""
    if days < 0:
        raise ValueError("days must not be negative")
    return add_working_span(start, calendar.day_length * days, calendar)


def add_working_span(start: datetime, span: timedelta, calendar: WorkCalendar) -> datetime:
    """``start`` plus ``span`` of office hours: an SOP's "10 menit" is ten minutes of open office,
    so a step begun at 15:55 with 16:00 closing is due at 08:05 on the next working day."""
    _require_aware(start, "start")
    if span < timedelta(0):
        raise ValueError("span must not be negative")
    remaining = span
    cursor = start.astimezone(calendar.zone)
    day = cursor.date()
    if not calendar.is_working_day(day) or cursor >= calendar.closing(day):
        day = calendar.next_working_day(day)
        cursor = calendar.opening(day)
    cursor = max(cursor, calendar.opening(day))
    while remaining > calendar.closing(day) - cursor:
        remaining -= calendar.closing(day) - cursor
        day = calendar.next_working_day(day)
        cursor = calendar.opening(day)
    return (cursor + remaining).astimezone(start.tzinfo)


def due_at(started_at: datetime, calendar: WorkCalendar, days: float = 1) -> datetime:
    return add_working_time(started_at, days, calendar)


def is_overdue(started_at: datetime, now: datetime, calendar: WorkCalendar, days: float = 1) -> bool:
    """Due exactly at the deadline is still on time."""
    _require_aware(now, "now")
    return now > due_at(started_at, calendar, days)


class OfficeHours(Protocol):
    """What a calendar is built from (the settings object has these)."""

    timezone: str
    office_opens: str
    office_closes: str


def office_calendar(hours: OfficeHours) -> WorkCalendar:
    """The office's calendar, built once per (zone, hours): it caches each year's holidays, and a
    new one per due date cost 6 ms (a 50-row list, 0.3 s)."""
    return _calendar(hours.timezone, hours.office_opens, hours.office_closes)


@lru_cache(maxsize=16)
def _calendar(tz: str, opens: str, closes: str) -> WorkCalendar:
    return WorkCalendar(tz=tz, opens=time.fromisoformat(opens), closes=time.fromisoformat(closes))
