"""The queue's crons (UTC) say what the office's settings say in its own zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from croniter import croniter

from controller.jobqueue import every, schedules, worker_queues
from controller.settings import Settings


def _next(cron: str, after: datetime) -> datetime:
    return datetime.fromtimestamp(croniter(cron, after.timestamp()).get_next(float), UTC)


def test_intervals_become_crons_that_tick_at_that_interval() -> None:
    start = datetime(2026, 12, 4, 10, 0, 0, tzinfo=UTC)
    assert (_next(every(30), start) - start).total_seconds() == 30
    assert (_next(every(15 * 60), start) - start).total_seconds() == 15 * 60
    assert every(45) == "* * * * * */30"          # rounded down to a divisor of the minute
    assert every(7 * 60) == "*/6 * * * *"
    assert every(6 * 3600) == "0 */6 * * *"


def test_nightly_and_monthly_jobs_run_at_the_offices_time() -> None:
    crons = schedules(Settings(timezone="Asia/Jakarta", inventory_day=1, inventory_hour=2, inventory_minute=0))
    wib = ZoneInfo("Asia/Jakarta")
    after = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    assert _next(crons["prune_measurements"], after).astimezone(wib).strftime("%H:%M") == "03:30"
    assert _next(crons["backup_nightly"], after).astimezone(wib).strftime("%H:%M") == "03:45"
    assert _next(crons["anchor_audit"], after).astimezone(wib).strftime("%H:%M") == "03:15"
    assert _next(crons["send_digests"], after).astimezone(wib).strftime("%H:%M") == "07:00"   # the daily digest
    # hourly at the configured minute; the job body checks the day and hour in the office's zone
    assert _next(crons["monthly_inventory"], after).astimezone(wib).minute == 0


def test_an_override_wins_and_sites_keep_to_their_own_queues() -> None:
    crons = schedules(Settings(job_schedule={"probe_access": "* * * * * */5"}))
    assert crons["probe_access"] == "* * * * * */5" and crons["deliver_mail"] == every(30)
    assert worker_queues(None) == ["jobs", "probes", "collect"]
    assert worker_queues("utara") == ["probes@utara", "collect@utara"]
