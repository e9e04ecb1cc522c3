"""Working-time deadlines on the office calendar (Asia/Jakarta, 08:00-16:00, Indonesian holidays)."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from controller.domain.service_time import WorkCalendar, add_working_time, due_at, is_overdue

WIB = ZoneInfo("Asia/Jakarta")
CAL = WorkCalendar()


def wib(*args):
    return datetime(*args, tzinfo=WIB)


def test_the_package_knows_the_holidays_these_tests_rely_on():
    assert date(2026, 8, 17) in CAL.holidays_in(2026)  # Independence Day, a Monday
    assert date(2026, 5, 15) in CAL.holidays_in(2026)  # cuti bersama after Ascension Day
    assert CAL.holidays_in(2026) is CAL.holidays_in(2026)  # cached per year


def test_within_one_day():
    assert due_at(wib(2026, 3, 3, 8), CAL) == wib(2026, 3, 3, 16)
    assert due_at(wib(2026, 3, 3, 10, 30), CAL) == wib(2026, 3, 4, 10, 30)


def test_friday_afternoon_is_due_monday_afternoon():
    assert due_at(wib(2026, 3, 6, 14), CAL) == wib(2026, 3, 9, 14)


def test_overdue_across_a_weekend():
    start = wib(2026, 3, 6, 14)
    assert not is_overdue(start, wib(2026, 3, 7, 15), CAL)  # 25 clock hours, only 2 office hours
    assert not is_overdue(start, wib(2026, 3, 9, 14), CAL)  # due exactly now is on time
    assert is_overdue(start, wib(2026, 3, 9, 14, 0, 1), CAL)


def test_independence_day_is_skipped():
    start = wib(2026, 8, 14, 10)  # Friday; Monday 17 August is a holiday
    assert due_at(start, CAL) == wib(2026, 8, 18, 10)
    assert not is_overdue(start, wib(2026, 8, 17, 15), CAL)
    assert is_overdue(start, wib(2026, 8, 18, 10, 1), CAL)


def test_joint_holidays_count_unless_turned_off():
    start = wib(2026, 5, 13, 10)  # Wed; Thu 14 May Ascension Day, Fri 15 May cuti bersama
    assert due_at(start, CAL) == wib(2026, 5, 18, 10)
    assert due_at(start, WorkCalendar(joint_holidays=False)) == wib(2026, 5, 15, 10)


def test_eid_closure_spans_a_week():
    assert due_at(wib(2026, 3, 17, 9), CAL) == wib(2026, 3, 25, 9)


def test_extra_holidays():
    cal = WorkCalendar(extra_holidays=(date(2026, 3, 4),))
    assert due_at(wib(2026, 3, 3, 10), cal) == wib(2026, 3, 5, 10)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (wib(2026, 3, 3, 6), wib(2026, 3, 3, 16)),  # before opening: counts from 08:00
        (wib(2026, 3, 3, 16), wib(2026, 3, 4, 16)),  # at closing: counts from next opening
        (wib(2026, 3, 3, 18), wib(2026, 3, 4, 16)),  # evening
        (wib(2026, 3, 7, 11), wib(2026, 3, 9, 16)),  # Saturday
        (wib(2026, 8, 17, 9), wib(2026, 8, 18, 16)),  # on a holiday
    ],
)
def test_start_outside_office_hours_counts_from_next_opening(start, due):
    assert due_at(start, CAL) == due


def test_result_is_in_the_input_timezone():
    start = datetime(2026, 3, 6, 7, tzinfo=UTC)  # 14:00 WIB, Friday
    due = due_at(start, CAL)
    assert due.tzinfo is UTC
    assert due == datetime(2026, 3, 9, 7, tzinfo=UTC)


def test_office_hours_are_counted_in_the_office_timezone():
    # 23:30 UTC Thursday is 06:30 Friday in Jakarta: before opening, so a full Friday
    start = datetime(2026, 3, 5, 23, 30, tzinfo=UTC)
    assert due_at(start, CAL) == wib(2026, 3, 6, 16)


def test_fractions_several_days_and_configured_hours():
    assert add_working_time(wib(2026, 3, 3, 8), 0.5, CAL) == wib(2026, 3, 3, 12)
    assert add_working_time(wib(2026, 3, 3, 15), 3, CAL) == wib(2026, 3, 6, 15)
    assert add_working_time(wib(2026, 3, 3, 12), 0, CAL) == wib(2026, 3, 3, 12)
    short = WorkCalendar(tz="Asia/Makassar", opens=time(7, 30), closes=time(15, 30))
    wita = ZoneInfo("Asia/Makassar")
    assert due_at(datetime(2026, 3, 9, 7, tzinfo=wita), short) == datetime(2026, 3, 9, 15, 30, tzinfo=wita)
    assert due_at(datetime(2026, 3, 6, 15, 30, tzinfo=wita), short) == datetime(2026, 3, 9, 15, 30, tzinfo=wita)
    # three working days from a Friday: Mon, Tue, Wed
    assert due_at(wib(2026, 3, 6, 14), CAL, days=3) == wib(2026, 3, 11, 14)


def test_year_boundary_uses_next_years_holidays():
    # Thu 31 Dec 2026 10:00: 1 Jan 2027 is New Year, then the weekend
    assert due_at(wib(2026, 12, 31, 10), CAL) == wib(2027, 1, 4, 10)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        due_at(datetime(2026, 3, 3, 9), CAL)
    with pytest.raises(ValueError):
        is_overdue(wib(2026, 3, 3, 9), datetime(2026, 3, 3, 10), CAL)
    with pytest.raises(ValueError):
        add_working_time(wib(2026, 3, 3, 9), -1, CAL)
    with pytest.raises(ValueError):
        WorkCalendar(opens=time(16), closes=time(8))
