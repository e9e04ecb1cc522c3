"""APScheduler wiring only; the job bodies live in controller.jobs."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session, sessionmaker

from . import jobs
from .settings import Settings


def build(sessions: sessionmaker[Session], settings: Settings) -> BackgroundScheduler:
    sched = BackgroundScheduler(timezone=settings.timezone)
    common = {"coalesce": True, "max_instances": 1}
    sched.add_job(jobs.deliver_mail, "interval", seconds=settings.mail_interval_seconds,
                  args=(sessions, settings), id="deliver_mail", **common)
    sched.add_job(jobs.lapse_reservations, "interval", minutes=15, args=(sessions, settings),
                  id="lapse_reservations", **common)
    return sched
