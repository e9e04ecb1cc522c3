"""APScheduler wiring only; the job bodies live in controller.jobs."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
from typing import IO

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.orm import Session, sessionmaker

from . import jobs
from .settings import Settings


def build(sessions: sessionmaker[Session], settings: Settings) -> BackgroundScheduler:
    sched = BackgroundScheduler(timezone=settings.timezone)
    common = {"coalesce": True, "max_instances": 1}
    sched.add_job(jobs.deliver_mail, "interval", seconds=settings.mail_interval_seconds,
                  args=(sessions, settings), id="deliver_mail", **common)
    sched.add_job(jobs.send_digests, nightly_trigger(settings, settings.digest_hour, 0), args=(sessions, settings),
                  id="send_digests", misfire_grace_time=6 * 3600, **common)
    sched.add_job(jobs.lapse_reservations, "interval", minutes=15, args=(sessions, settings),
                  id="lapse_reservations", **common)
    sched.add_job(jobs.monthly_inventory, monthly_trigger(settings), args=(sessions, settings),
                  id="monthly_inventory", misfire_grace_time=6 * 3600, **common)
    sched.add_job(jobs.probe_access, "interval", minutes=settings.probe_interval_minutes,
                  args=(sessions, settings), id="probe_access", **common)
    sched.add_job(jobs.prune_measurements, retention_trigger(settings), args=(sessions, settings),
                  id="prune_measurements", misfire_grace_time=6 * 3600, **common)
    sched.add_job(jobs.anchor_audit, nightly_trigger(settings, 3, 15), args=(sessions, settings),
                  id="anchor_audit", misfire_grace_time=6 * 3600, **common)
    sched.add_job(jobs.backup_nightly, nightly_trigger(settings, 3, 45), args=(sessions, settings),
                  id="backup_nightly", misfire_grace_time=6 * 3600, **common)
    return sched


def monthly_trigger(settings: Settings) -> CronTrigger:
    """Day 1, 02:00 in the office's timezone unless configured otherwise."""
    return CronTrigger(day=settings.inventory_day, hour=settings.inventory_hour,
                       minute=settings.inventory_minute, timezone=settings.timezone)


def retention_trigger(settings: Settings) -> CronTrigger:
    """Every night at 03:30 in the office's timezone: after the monthly inventory, before office hours."""
    return CronTrigger(hour=3, minute=30, timezone=settings.timezone)


def nightly_trigger(settings: Settings, hour: int, minute: int) -> CronTrigger:
    """Every night at HOUR:MINUTE in the office's timezone."""
    return CronTrigger(hour=hour, minute=minute, timezone=settings.timezone)


log = logging.getLogger("titip.scheduler")


def claim(settings: Settings) -> IO | None:
    """The right to run the scheduler, for one process per database on this host.

    `titip serve --workers N` starts N processes from one configuration; each would otherwise run
    every job (probe rounds twice, mail sent twice). The first to lock the file runs the
    scheduler; the lock goes with the process, so a worker restarted after a crash may take it.
    Returns the open lock file (keep it open), or None when another process holds it.
    """
    key = hashlib.sha256(settings.database_url.encode()).hexdigest()[:16]
    path = os.path.join(tempfile.gettempdir(), f"titip-scheduler-{key}.lock")
    handle = open(path, "a")  # noqa: SIM115 (held open for the process's life)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        log.info("scheduler: another worker of this controller runs it")
        return None
    log.info("scheduler: this worker (pid %d) runs the jobs", os.getpid())
    return handle
