"""PostgreSQL: the background jobs on procrastinate, a task queue kept in the same database.

Every controller's worker (inside `titip serve`, or `titip worker` on any host sharing the
database) defers each periodic job's tick; the database accepts one job per tick (procrastinate's
periodic defers), a queueing lock keeps at most one waiting, and a lock keeps two ticks of one
job from running at once. A worker that stops sending heartbeats is taken for dead: its running
periodic jobs are failed so the next tick runs on another worker, its probe batches run again.
Probe rounds are split into batches per site, taken by any worker of that site (`--site`).
The job bodies are controller.jobs, the same that APScheduler runs on SQLite.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from .settings import Settings

log = logging.getLogger("titip.jobqueue")

JOBS_QUEUE = "jobs"
PROBES_QUEUE = "probes"
COLLECT_QUEUE = "collect"
# The periodic jobs, by the name used in settings.job_schedule and the logs.
PERIODIC = ("deliver_mail", "send_digests", "lapse_reservations", "probe_access", "monthly_inventory",
            "prune_measurements", "anchor_audit", "backup_nightly")


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic filter: procrastinate's tables (migration 0015) are its schema, not our models'."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return not str(table or "").startswith("procrastinate_")


def is_postgresql(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def probe_queue(site: str) -> str:
    """The queue of a site's probe batches: the controllers' own network has the plain one."""
    return f"{PROBES_QUEUE}@{site}" if site else PROBES_QUEUE


def collect_queue(site: str) -> str:
    """The queue of a site's monthly-inventory collections (one task per server)."""
    return f"{COLLECT_QUEUE}@{site}" if site else COLLECT_QUEUE


def worker_queues(site: str | None) -> list[str]:
    """A site's worker takes only that site's work; a plain worker takes the jobs and the
    untagged probes and collections (never another site's: it could not reach them)."""
    return [probe_queue(site), collect_queue(site)] if site else [JOBS_QUEUE, PROBES_QUEUE, COLLECT_QUEUE]


def conninfo(database_url: str) -> str:
    """libpq's form of the SQLAlchemy URL (drops the `+psycopg` driver name)."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


# --- schedules: procrastinate's crons are UTC, with an optional 6th field of seconds ----------

def every(seconds: int) -> str:
    """A cron for "every N seconds"; N is rounded down to a divisor of its minute/hour/day."""
    seconds = max(1, int(seconds))
    if seconds < 60:
        step = max(d for d in range(1, 61) if 60 % d == 0 and d <= seconds)
        return f"* * * * * */{step}"
    minutes = seconds // 60
    if minutes < 60:
        step = max(d for d in range(1, 61) if 60 % d == 0 and d <= minutes)
        return f"*/{step} * * * *"
    hours = min(24, minutes // 60)
    step = max(d for d in range(1, 25) if 24 % d == 0 and d <= hours)
    return f"0 */{step} * * *"


def _offset_minutes(tz: str) -> int:
    off = datetime.now(ZoneInfo(tz)).utcoffset()
    return int(off.total_seconds() // 60) if off else 0


def daily_at(settings: Settings, hour: int, minute: int) -> str:
    """HOUR:MINUTE in the office's zone as a UTC cron (the zone's offset today: Indonesia keeps
    no daylight saving time; elsewhere a restart after the change moves it)."""
    utc = (hour * 60 + minute - _offset_minutes(settings.timezone)) % 1440
    return f"{utc % 60} {utc // 60} * * *"


def schedules(settings: Settings) -> dict[str, str]:
    """Each periodic job's cron, as APScheduler's triggers have them (controller.scheduler)."""
    monthly_minute = (settings.inventory_minute - _offset_minutes(settings.timezone)) % 60
    out = {
        "deliver_mail": every(settings.mail_interval_seconds),
        "send_digests": daily_at(settings, settings.digest_hour, 0),
        "lapse_reservations": every(15 * 60),
        "probe_access": every(settings.probe_interval_minutes * 60),
        # hourly; the body runs only at the configured day and hour in the office's zone
        "monthly_inventory": f"{monthly_minute} * * * *",
        "prune_measurements": daily_at(settings, 3, 30),
        "anchor_audit": daily_at(settings, 3, 15),
        "backup_nightly": daily_at(settings, 3, 45),
        "retry_stalled": every(30),
    }
    out.update(settings.job_schedule)
    return out


# --- the queue ------------------------------------------------------------------------------

def build(settings: Settings, sessions: sessionmaker[Session] | None = None) -> Any:
    """The procrastinate App with Titip's tasks, connected to settings.database_url (not opened)."""
    import procrastinate
    from procrastinate import jobs as pjobs

    from . import jobs
    from .db import make_engine, make_sessionmaker
    from .services import inventory, reachability

    if sessions is None:
        from .documents import seal

        sessions = make_sessionmaker(make_engine(settings.database_url))
        seal.install(sessions, settings)  # a job that issues a paper seals it as the app does
    connector = procrastinate.PsycopgConnector(conninfo=conninfo(settings.database_url), min_size=1,
                                               max_size=min(settings.worker_concurrency, 8) + 2)
    app = procrastinate.App(connector=connector, worker_defaults={
        "concurrency": settings.worker_concurrency,
        "update_heartbeat_interval": settings.worker_heartbeat_seconds,
        "stalled_worker_timeout": settings.worker_stalled_seconds,
        "delete_jobs": "successful",     # finished ticks leave no rows; failures stay to be read
        "fetch_job_polling_interval": 2.0,
        # Heartbeats stop when a worker is asked to stop: its jobs get less than the stalled
        # time to finish, so no other worker takes one up while it still runs.
        "shutdown_graceful_timeout": max(1.0, min(10.0, settings.worker_stalled_seconds / 2)),
    })
    crons = schedules(settings)
    zone = ZoneInfo(settings.timezone)
    # A daily or monthly job that failed is tried again, twice, an hour apart (with its tick's
    # timestamp); a frequent one is not: its next tick is the retry.
    later = procrastinate.RetryStrategy(max_attempts=2, wait=3600)

    def periodic(name: str, body: Any, retry: Any = False) -> None:
        def run(timestamp: int) -> None:
            body(timestamp)

        run.__name__ = name
        task = app.task(name=f"titip.{name}", queue=JOBS_QUEUE, retry=retry)(run)
        app.periodic(cron=crons[name], periodic_id=name, queueing_lock=f"titip.{name}",
                     lock=f"titip.{name}")(task)

    periodic("deliver_mail", lambda ts: jobs.deliver_mail(sessions, settings))
    periodic("send_digests", lambda ts: jobs.send_digests(sessions, settings), later)
    periodic("lapse_reservations", lambda ts: jobs.lapse_reservations(sessions, settings))

    @app.task(name="titip.inventory_server", queue=COLLECT_QUEUE,
              retry=procrastinate.RetryStrategy(max_attempts=2, wait=30))
    async def inventory_server(run_id: int, server_id: int) -> None:
        """One server of the monthly inventory, collected by whichever worker (of its site) takes
        it, up to settings.collect_concurrency at once in this process."""
        await asyncio.get_running_loop().run_in_executor(
            _collect_pool(settings.collect_concurrency), inventory.inventory_server, sessions, settings,
            run_id, server_id)

    def spread(run_id: int, todo: list[int]) -> bool:
        """Queue each server of the run for the workers; wait (renewing the run's lease) until
        every item is written, or until nothing has moved for a lease's length."""
        with sessions() as s:
            sites = {sid: inventory.collection_site(s, sid) for sid in todo}
            s.rollback()
        need = inventory.items_written(sessions, settings, run_id) + len(todo)
        for sid in todo:
            try:
                inventory_server.configure(queue=collect_queue(sites[sid]),
                                           queueing_lock=f"inventory-{run_id}-{sid}").defer(
                    run_id=run_id, server_id=sid)
            except procrastinate.exceptions.AlreadyEnqueued:
                pass   # queued by a holder before this one (resumed run)
        log.info("monthly inventory run %s: %d servers queued over %d site(s)", run_id, len(todo),
                 len(set(sites.values())))
        last, idle_since = -1, time.monotonic()
        while True:
            n = inventory.items_written(sessions, settings, run_id)
            if n >= need:
                return True
            if n != last:
                last, idle_since = n, time.monotonic()
            elif time.monotonic() - idle_since > settings.inventory_lease_seconds:
                return False
            time.sleep(1)

    def monthly(ts: int) -> None:
        local = datetime.fromtimestamp(ts, zone)
        if "monthly_inventory" not in settings.job_schedule and (local.day, local.hour) != (
                settings.inventory_day, settings.inventory_hour):
            return
        jobs.monthly_inventory(sessions, settings, spread=spread)

    periodic("monthly_inventory", monthly, later)
    periodic("prune_measurements", lambda ts: jobs.prune_measurements(sessions, settings), later)
    periodic("anchor_audit", lambda ts: jobs.anchor_audit(sessions, settings), later)
    periodic("backup_nightly", lambda ts: jobs.backup_nightly(sessions, settings), later)

    @app.task(name="titip.probe_batch", queue=PROBES_QUEUE,
              retry=procrastinate.RetryStrategy(max_attempts=2, wait=5))
    async def probe_batch(checked_at: str, targets: list[dict]) -> int:
        """Probe a share of a round's servers and write their rows once under the round's time.
        Async, so a worker holds many batches (a silent host keeps its batch waiting, not the
        worker) while the probes themselves share one pool of settings.probe_concurrency threads."""
        loop = asyncio.get_running_loop()
        pool = reachability.probe_pool(settings.probe_concurrency)
        from collectors.probes import run_checks

        found = await asyncio.gather(*(loop.run_in_executor(pool, run_checks, t["ip"], t["checks"])
                                       for t in targets))
        return await asyncio.to_thread(reachability.write_round, sessions, datetime.fromisoformat(checked_at),
                                       list(zip(targets, found)))

    def probe_round(ts: int) -> None:
        """Split the round into batches per site; the workers take them."""
        with sessions() as s:
            todo = reachability.round_plans(s)
            s.rollback()
        checked_at = datetime.fromtimestamp(ts, UTC).isoformat()
        by_site: dict[str, list[dict]] = {}
        for t in todo:
            by_site.setdefault(t["site"], []).append(t)
        n = 0
        for site, targets in by_site.items():
            size = settings.probe_batch_size
            batches: list[dict[str, Any]] = [{"checked_at": checked_at, "targets": targets[i:i + size]}
                                              for i in range(0, len(targets), size)]
            probe_batch.configure(queue=probe_queue(site)).batch_defer(*batches)
            n += len(batches)
        log.info("probe round %s: %d servers in %d batches over %d site(s)", checked_at, len(todo), n,
                 len(by_site))

    periodic("probe_access", probe_round)

    @app.task(name="titip.retry_stalled", queue=JOBS_QUEUE, pass_context=True)
    async def retry_stalled(context: Any, timestamp: int) -> None:
        """Jobs left running by a worker that stopped sending heartbeats (its host died): a
        periodic job is failed, so its lock frees and its next tick runs on a live worker; a
        probe batch or an inventory server runs again (written once whichever worker finishes)."""
        manager = context.app.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=settings.worker_stalled_seconds):
            again = job.task_name in ("titip.probe_batch", "titip.inventory_server")
            if again:
                await manager.retry_job(job)
            else:
                await manager.finish_job(job, status=pjobs.Status.FAILED, delete_job=False)
            log.warning("job %s (%s) of a dead worker: %s", job.id, job.task_name,
                        "run again" if again else "failed; its next tick runs")

    app.periodic(cron=crons["retry_stalled"], periodic_id="retry_stalled",
                 queueing_lock="titip.retry_stalled")(retry_stalled)
    return app


_collect: ThreadPoolExecutor | None = None


def _collect_pool(size: int) -> ThreadPoolExecutor:
    global _collect
    if _collect is None:
        _collect = ThreadPoolExecutor(max_workers=size, thread_name_prefix="titip-collect")
    return _collect


def worker_options(site: str | None, **extra: Any) -> dict[str, Any]:
    return {"queues": worker_queues(site), "name": f"titip-{site}" if site else "titip", **extra}


class InProcessWorker:
    """The queue worker inside `titip serve`, on its own thread and event loop, so a
    single-controller deployment needs nothing more; stopped (gracefully) with the app."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.settings, self.sessions = settings, sessions
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._thread = threading.Thread(target=self._run, name="titip-queue-worker", daemon=True)
        self._ready = threading.Event()

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(30)

    def _run(self) -> None:
        try:
            run_loop(self._main())
        except asyncio.CancelledError:
            pass
        except Exception:  # noqa: BLE001 - the controller keeps serving; the log says why
            log.exception("queue worker stopped")
        finally:
            self._ready.set()   # a worker that could not start does not hold up the controller

    async def _main(self) -> None:
        app = build(self.settings, self.sessions)
        self._loop = asyncio.get_running_loop()
        async with app.open_async():
            self._task = asyncio.current_task()
            self._ready.set()
            log.info("queue worker started in this controller (queues %s)", ", ".join(worker_queues(None)))
            await app.run_worker_async(**worker_options(None, install_signal_handlers=False))

    def stop(self, timeout: float = 15) -> None:
        if self._loop is not None and self._task is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(timeout)


def run_loop(main: Any) -> None:
    """asyncio.run without its wait for the executor's threads: a job still running after the
    graceful stop must end with the process, not outlive the worker's heartbeats."""
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def run_worker(settings: Settings, site: str | None, concurrency: int | None = None) -> None:
    """`titip worker`: a queue worker in the foreground until SIGINT/SIGTERM."""
    app = build(settings)
    extra = {"concurrency": concurrency} if concurrency else {}
    log.info("queue worker on %s", ", ".join(worker_queues(site)))

    async def main() -> None:
        async with app.open_async():
            await app.run_worker_async(**worker_options(site, **extra))

    run_loop(main())


def pending(settings: Settings, task_names: Iterable[str] | None = None) -> dict[str, int]:
    """Jobs by status (for `titip worker --status`, tests and the bench)."""
    import psycopg

    with psycopg.connect(conninfo(settings.database_url)) as conn:
        rows = conn.execute("SELECT status::text, count(*) FROM procrastinate_jobs"
                            + (" WHERE task_name = ANY(%s)" if task_names else "") + " GROUP BY 1",
                            (list(task_names),) if task_names else None).fetchall()
    return dict(rows)
