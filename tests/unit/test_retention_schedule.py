"""Retention settings and the nightly schedule, without a database."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from controller.scheduler import build
from controller.settings import Settings


def test_retention_defaults_to_ninety_days_and_reads_the_environment(monkeypatch):
    for name in ("TITIP_CONFIG_FILE", "TITIP_RETENTION_HEARTBEAT_DAYS", "TITIP_RETENTION_ACCESS_CHECK_DAYS"):
        monkeypatch.delenv(name, raising=False)
    assert (Settings().retention_heartbeat_days, Settings().retention_access_check_days) == (90, 90)
    monkeypatch.setenv("TITIP_RETENTION_HEARTBEAT_DAYS", "0")
    monkeypatch.setenv("TITIP_RETENTION_ACCESS_CHECK_DAYS", "30")
    assert (Settings().retention_heartbeat_days, Settings().retention_access_check_days) == (0, 30)


@pytest.mark.parametrize("field", ["retention_heartbeat_days", "retention_access_check_days"])
def test_negative_retention_is_refused(field):
    with pytest.raises(ValidationError, match=field):
        Settings(**{field: -1})


def test_prune_runs_every_night_at_half_past_three_office_time():
    sched = build(sessionmaker_unused(), Settings(scheduler_enabled=False))
    trigger = sched.get_job("prune_measurements").trigger
    jakarta = ZoneInfo("Asia/Jakarta")
    first = trigger.get_next_fire_time(None, datetime(2026, 11, 15, 9, 0, tzinfo=jakarta))
    assert first == datetime(2026, 11, 16, 3, 30, tzinfo=jakarta)
    second = trigger.get_next_fire_time(first, first.replace(minute=31))
    assert second == datetime(2026, 11, 17, 3, 30, tzinfo=jakarta)


def sessionmaker_unused():
    """build() only stores the factory for the jobs; nothing connects until a job runs."""
    from sqlalchemy.orm import sessionmaker

    return sessionmaker()
