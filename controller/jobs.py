"""Bodies of the background jobs: each opens its own transaction and says what it did."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from .db import unit_of_work
from .services import custody, inventory, notify, reachability, retention
from .settings import Settings

log = logging.getLogger("titip.jobs")


def lapse_reservations(sessions: sessionmaker[Session], settings: Settings) -> list[int]:
    with unit_of_work(sessions, actor="system") as session:
        lapsed = custody.lapse_reservations(session, settings)
    if lapsed:
        log.info("reservations lapsed: %s", lapsed)
    return lapsed


def deliver_mail(sessions: sessionmaker[Session], settings: Settings) -> tuple[int, int]:
    sent, failed = notify.deliver_pending(sessions, settings)
    if failed:
        log.warning("mail: %d sent, %d failed (kept for the next try)", sent, failed)
    return sent, failed


def send_digests(sessions: sessionmaker[Session], settings: Settings) -> tuple[int, int]:
    """The daily digest of unread notices, for those who chose it over a mail per notice."""
    sent, failed = notify.send_digests(sessions, settings)
    if sent or failed:
        log.info("mail: %d daily digests sent, %d failed (their notices wait for the next day)", sent, failed)
    return sent, failed


def monthly_inventory(sessions: sessionmaker[Session], settings: Settings, period: str | None = None,
                      spread: Callable[[int, list[int]], bool] | None = None) -> None:
    """The SOP's monthly inventory; a second controller finds the period taken and stops.
    `spread`: PostgreSQL's queue hands the servers to its workers (controller.jobqueue)."""
    from .models.base import utcnow

    period = period or inventory.period_of(utcnow(), settings.timezone)
    try:
        summary = inventory.run(sessions, settings, period, actor="system", spread=spread)
    except inventory.RunTaken as exc:
        log.info("monthly inventory: %s", exc)
        return
    if summary.status != "completed":
        log.warning("monthly inventory %s: %d servers still without an item; the run stays open to be "
                    "resumed (`titip inventory run`, or a worker of their site)", period,
                    summary.total - summary.done_now)
        return
    log.info("monthly inventory %s: %d servers, %d reached, unreachable: %s", period, summary.total,
             summary.reached, ", ".join(summary.unreachable) or "none")


def probe_access(sessions: sessionmaker[Session], settings: Settings) -> int:
    return reachability.probe_all(sessions, settings.probe_concurrency)


def prune_measurements(sessions: sessionmaker[Session], settings: Settings) -> dict[str, int]:
    counts = retention.prune(sessions, settings)
    log.info("retention: %d heartbeats and %d access checks pruned", counts["heartbeats"], counts["access_checks"])
    return counts


def anchor_audit(sessions: sessionmaker[Session], settings: Settings) -> str:
    """Append the audit chain's head to the anchor file (outside the database), nightly."""
    from . import audit

    with sessions() as session:
        line = audit.anchor(session)
    path = audit.write_anchor(settings, line)
    log.info("audit anchor: event seq %d written to %s", line["seq"], path)
    return path


def backup_nightly(sessions: sessionmaker[Session], settings: Settings) -> str | None:
    """A backup into the backup folder, keeping the newest `backup_keep` (its manifest carries the
    audit head, a second record of tonight's state outside the database)."""
    from . import backup

    if not settings.backup_enabled:
        return None
    try:
        dump, manifest = backup.create(settings)
    except backup.BackupError as exc:
        log.error("backup failed: %s", exc)
        return None
    gone = backup.prune(dump.parent, settings.backup_keep)
    log.info("backup %s written (audit head seq %d); %d older removed", dump, manifest["audit_head"]["seq"], len(gone))
    return str(dump)
