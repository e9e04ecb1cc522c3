"""`titip`: the controller's command line (migrations, users, audit, demo, inventory, retention, serve)."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from . import __version__
from .settings import DEV_AUDIT_KEY, Settings

app = typer.Typer(help="Titip controller: penitipan server / server custody.", no_args_is_help=True,
                  add_completion=False)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
user_app = typer.Typer(help="Users and roles.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
inventory_app = typer.Typer(help="The monthly server inventory.", no_args_is_help=True)
retention_app = typer.Typer(help="Pruning old measurements (heartbeats, access checks).", no_args_is_help=True)
backup_app = typer.Typer(help="Backups: create, check by restoring into a scratch database, restore.",
                         no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(demo_app, name="demo")
app.add_typer(inventory_app, name="inventory")
app.add_typer(retention_app, name="retention")
app.add_typer(backup_app, name="backup")
secrets_app = typer.Typer(help="Sealed SNMP/SSH target secrets and their keys.", no_args_is_help=True)
app.add_typer(secrets_app, name="secrets")
from .pki import pki_app  # noqa: E402  (titip pki init-demo)

app.add_typer(pki_app, name="pki")


def _settings() -> Settings:
    """The settings, or a one-line error naming the bad TITIP_* variable (not a traceback)."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        for err in exc.errors():
            name = "TITIP_" + "_".join(str(p) for p in err["loc"]).upper()
            typer.echo(f"error: {name}: {err['msg']}", err=True)
        raise typer.Exit(2) from None


def _seal(settings: Settings) -> Any:  # audit.VerifyResult, imported lazily as the CLI does everywhere
    """Seal the audit chain's head with the audit key (one transaction); returns audit.seal's result."""
    from . import audit
    from .db import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            result = audit.seal(session, audit.key_of(settings))
            session.commit()
    finally:
        engine.dispose()
    return result


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from .migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url, revision)
    typer.echo(f"database at revision {revision}: {_safe_url(settings.database_url)}")
    if revision == "head":
        _seal_after_upgrade(settings)


def _seal_after_upgrade(settings: Settings) -> None:
    """A chain upgraded from before schema 0014 gets its head sealed with the audit key now, so
    `titip audit verify` holds from the first minute (a broken chain is reported, not sealed)."""
    result = _seal(settings)
    if not result.ok:
        typer.echo(f"warning: audit trail not sealed: event seq {result.first_bad_seq}: {result.reason}", err=True)


@db_app.command("current")
def db_current() -> None:
    """Show the database's revision and the newest one."""
    from .migrate import current_and_head

    current, head = current_and_head(_settings().database_url)
    typer.echo(f"current: {current or '(none)'}  head: {head}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Option()],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    role: Annotated[str, typer.Option(help="admin, head, division_head, officer, helpdesk, unit_contact")],
    unit: Annotated[str | None, typer.Option(help="unit code (unit_contact only)")] = None,
    full_name: Annotated[str | None, typer.Option()] = None,
    nip: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create a user (bootstrap the first admin with this)."""
    from pydantic import ValidationError

    from .api.schemas import UserIn
    from .audit import install
    from .db import make_engine, make_sessionmaker, unit_of_work
    from .errors import TitipError
    from .services.setup import create_user

    try:
        body = UserIn.model_validate(dict(username=username, password=password, role=role,
                                          full_name=full_name or username, nip=nip, unit_code=unit))
    except ValidationError as exc:
        err = exc.errors()[0]
        typer.echo(f"error: {'.'.join(map(str, err['loc']))}: {err['msg']}", err=True)
        raise typer.Exit(2) from None
    sessions = make_sessionmaker(make_engine(_settings().database_url))
    install(sessions)
    try:
        with unit_of_work(sessions, actor="cli") as session:
            user = create_user(session, **body.model_dump())
            typer.echo(f"created user {user.username} ({user.role})")
    except TitipError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[str | None, typer.Option(
        help="an anchor file (`titip audit anchor`) or backup manifest: report a database behind it or "
             "diverging from it")] = None,
) -> None:
    """Recompute the keyed audit chain and its head, re-hash every stored document; exit 1 and name
    the first bad event, each altered document, or an anchor the database does not reach."""
    from . import audit
    from .db import make_engine, make_sessionmaker

    settings = _settings()
    anchors = None
    if anchor is not None:
        try:
            anchors = audit.read_anchors(anchor)
        except (OSError, ValueError) as exc:
            typer.echo(f"error: --anchor: {exc}", err=True)
            raise typer.Exit(2) from None
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            ok, good, bad = audit.report(session, audit.key_of(settings), anchors)
    finally:
        engine.dispose()
    for line in good:
        typer.echo(line)
    for line in bad:
        typer.echo(line, err=True)
    if not ok:
        raise typer.Exit(1)


@audit_app.command("anchor")
def audit_anchor(
    out: Annotated[str | None, typer.Option(
        help="append to this file (default: TITIP_ANCHOR_FILE, else DATA_DIR/audit-anchors.jsonl); "
             "'-' prints the line")] = None,
) -> None:
    """Append the chain's head (sequence, hash, time) as a JSON line to a file kept apart from the
    database; `titip audit verify --anchor FILE` then finds a rolled-back database."""
    from . import audit
    from .db import make_engine, make_sessionmaker

    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            line = audit.anchor(session)
    finally:
        engine.dispose()
    text = json.dumps(line, sort_keys=True)
    if out == "-":
        typer.echo(text)
        return
    path = audit.write_anchor(settings, line, out)
    typer.echo(f"anchored event seq {line['seq']} in {path}")


@audit_app.command("seal")
def audit_seal() -> None:
    """Seal the head of a chain upgraded from before schema 0014 with TITIP_AUDIT_KEY, after
    checking it (`titip db upgrade` does this too); a chain already sealed is only verified."""
    result = _seal(_settings())
    if not result.ok:
        typer.echo(f"not sealed: event seq {result.first_bad_seq}: {result.reason}", err=True)
        raise typer.Exit(1)
    typer.echo(f"audit head sealed at event seq {result.head_seq}")


@demo_app.command("seed")
def demo_seed() -> None:
    """Fill an empty database with a demo room, racks, units, users, servers and requests."""
    from .demo import logins, seed

    for line in seed(_settings()):
        typer.echo(line)
    for line in logins():
        typer.echo(line)


@demo_app.command("logins")
def demo_logins() -> None:
    """Print the demo users and their password."""
    from .demo import logins

    for line in logins():
        typer.echo(line)


@demo_app.command("agent-token")
def demo_agent_token(serial: Annotated[str, typer.Option(help="the demo server's serial number")]) -> None:
    """Print a one-time enrolment token for the demo's local agent."""
    from .demo import agent_token

    typer.echo(agent_token(_settings(), serial))


@inventory_app.command("run")
def inventory_run(period: Annotated[str | None, typer.Option(help="YYYY-MM; default: this month")] = None) -> None:
    """Inventory every server in custody for a period (resumes a run that was cut off)."""
    from .audit import install
    from .db import make_engine, make_sessionmaker
    from .models.base import utcnow
    from .services import inventory

    settings = _settings()
    period = period or inventory.period_of(utcnow(), settings.timezone)
    from .validation import period_problem

    if (problem := period_problem(period, utcnow().date())) is not None:
        typer.echo(f"error: --period {problem}", err=True)
        raise typer.Exit(2)
    sessions = make_sessionmaker(make_engine(settings.database_url))
    install(sessions)
    from .documents import seal

    seal.install(sessions, settings)  # papers issued from the command line are sealed as in the app
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = typer.progressbar(length=total, label=f"inventarisasi {period}")
            bar.__enter__()
        bar.update(1)

    try:
        summary = inventory.run(sessions, settings, period, actor="cli", progress=progress)
    except inventory.RunTaken as exc:
        typer.echo(f"nothing to do: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    typer.echo(f"period {summary.period}: {summary.total} servers, {summary.reached} reached"
               + (" (resumed)" if summary.resumed else ""))
    if summary.unreachable:
        typer.echo("not reached: " + ", ".join(summary.unreachable))


@retention_app.command("run")
def retention_run() -> None:
    """Prune heartbeats and access checks past their retention now (the nightly job does the same)."""
    from .db import make_engine, make_sessionmaker
    from .services import retention

    settings = _settings()
    counts = retention.prune(make_sessionmaker(make_engine(settings.database_url)), settings, actor="cli")
    for name, key, days in (("heartbeats", "heartbeats", settings.retention_heartbeat_days),
                            ("access checks", "access_checks", settings.retention_access_check_days)):
        kept = f"older than {days} days" if days else "retention 0: kept forever"
        typer.echo(f"{name} pruned: {counts[key]} ({kept})")


@backup_app.command("create")
def backup_create(out: Annotated[str | None, typer.Option(
        help="folder (default: TITIP_BACKUP_DIR, else DATA_DIR/backups)")] = None) -> None:
    """Back up the database while the controller runs: SQLite's online backup, or pg_dump's custom
    format; a manifest with the schema revision, the audit head and the dump's SHA-256 beside it."""
    from . import backup

    try:
        dump, manifest = backup.create(_settings(), out)
    except backup.BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    head = manifest["audit_head"]
    typer.echo(f"backup written: {dump} ({manifest['size']} bytes, schema {manifest['schema_revision']}, "
               f"audit head seq {head['seq']})")
    typer.echo(f"manifest: {dump}{backup.MANIFEST_SUFFIX}")
    typer.echo("keep these keys apart from the backups; a restore needs them:")
    for line in manifest["keys_needed"]:
        typer.echo(f"  - {line}")


@backup_app.command("verify")
def backup_verify(file: Annotated[str, typer.Argument(help="the dump (its manifest lies beside it)")]) -> None:
    """Restore a backup into a scratch database and run the audit check there; exit 1 if it fails."""
    from . import backup

    try:
        result = backup.verify(_settings(), file)
    except (backup.BackupError, OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    for line in result.good:
        typer.echo(line)
    for line in result.bad:
        typer.echo(line, err=True)
    if not result.ok:
        raise typer.Exit(1)
    typer.echo("backup verified")


@backup_app.command("restore")
def backup_restore(file: Annotated[str, typer.Argument(help="the dump (its manifest lies beside it)")],
                   force: Annotated[bool, typer.Option("--force", help="replace a database that holds data")] = False,
                   ) -> None:
    """Restore a backup into TITIP_DATABASE_URL (stop the controllers first); refuses a database
    that holds data unless --force. Then checks the audit trail and names the keys it needs."""
    from . import backup

    try:
        manifest, result = backup.restore(_settings(), file, force=force)
    except (backup.BackupError, OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"restored {file} (taken {manifest['created_at']}, schema {manifest['schema_revision']}, "
               f"audit head seq {manifest['audit_head']['seq']})")
    typer.echo("this database needs these keys (from where you keep them, not from the backup):")
    for line in manifest["keys_needed"]:
        typer.echo(f"  - {line}")
    for line in result.good:
        typer.echo(line)
    for line in result.bad:
        typer.echo(line, err=True)
    typer.echo("then `titip db upgrade` (if the code is newer) and `titip audit verify --anchor` with your "
               "newest anchor file: it says whether this restore is behind")
    if not result.ok:
        raise typer.Exit(1)


@secrets_app.command("rotate")
def secrets_rotate() -> None:
    """Re-seal every target's secrets under the newest key of TITIP_SEALING_KEYS (the old keys must
    still be listed); afterwards the old keys can be dropped. Exit 1 if a target could not be opened."""
    from .audit import install
    from .db import make_engine, make_sessionmaker
    from .services import sealing

    settings = _settings()
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    install(sessions, settings)
    try:
        result = sealing.rotate(sessions, settings)
    finally:
        engine.dispose()
    typer.echo(f"newest key: {result.newest}; re-sealed {len(result.resealed)} target(s), "
               f"{len(result.current)} already under it")
    if result.assets_resealed or result.assets_current or result.assets_failed:
        typer.echo(f"re-sealed {len(result.assets_resealed)} asset secret(s) (licence keys), "
                   f"{len(result.assets_current)} already under it")
    for target_id, why in result.failed:
        typer.echo(f"target {target_id} NOT re-sealed: {why}", err=True)
    for asset_id, why in result.assets_failed:
        typer.echo(f"asset {asset_id} NOT re-sealed: {why}", err=True)
    if result.failed or result.assets_failed:
        raise typer.Exit(1)


@secrets_app.command("status")
def secrets_status() -> None:
    """How many targets are sealed under each key id (so you know when an old key may go)."""
    from .crypto import SecretBox
    from .db import make_engine, make_sessionmaker
    from .services import sealing

    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            counts = sealing.key_ids_in_use(session)
            assets = sealing.asset_key_ids_in_use(session)
    finally:
        engine.dispose()
    box = SecretBox(settings)
    typer.echo(f"newest key: {box.newest}; configured: {', '.join(box.key_ids)}")
    for kid, n in sorted(counts.items()):
        note = "" if kid in box.key_ids else "  (NOT configured: these cannot be unsealed)"
        typer.echo(f"{kid}: {n} target(s){note}")
    for kid, n in sorted(assets.items()):
        note = "" if kid in box.key_ids else "  (NOT configured: these cannot be unsealed)"
        typer.echo(f"{kid}: {n} asset secret(s){note}")


@app.command("import")
def import_file(
    file: Annotated[str, typer.Argument(help="the spreadsheet (.xlsx, or .csv) of units, racks and servers")],
    apply: Annotated[bool, typer.Option("--apply", help="write it (without: a dry run that writes nothing)")] = False,
    accept_valid: Annotated[bool, typer.Option("--accept-valid", help="with --apply: write the valid rows even "
                                               "when other rows have errors")] = False,
    actor: Annotated[str | None, typer.Option(help="the importing admin's username (default: cli)")] = None,
) -> None:
    """Take over an existing server room: check the file (dry run), then --apply it."""
    from pathlib import Path

    from .audit import install
    from .db import make_engine, make_sessionmaker, unit_of_work
    from .services import importer

    path = Path(file)
    if not path.is_file():
        typer.echo(f"error: {file}: berkas tidak ditemukan", err=True)
        raise typer.Exit(2)
    content = path.read_bytes()
    from zoneinfo import ZoneInfo

    from .models.base import utcnow

    settings = _settings()
    today = utcnow().astimezone(ZoneInfo(settings.timezone)).date()
    sessions = make_sessionmaker(make_engine(settings.database_url))
    install(sessions)
    from .documents import seal

    seal.install(sessions, settings)
    with unit_of_work(sessions, actor=actor or "cli") as session:
        try:
            who = importer.cli_actor(session, actor)
            result, outcome = importer.run(session, who, content, path.name, apply, accept_valid, today)
        except importer.FileUnreadable as exc:
            typer.echo(f"error: {path.name}: {exc}", err=True)
            raise typer.Exit(2) from None
        except ValueError as exc:
            typer.echo(f"error: --actor: {exc}", err=True)
            raise typer.Exit(2) from None
        for err in result.errors:
            typer.echo(str(err))
        typer.echo(f"{result.total} baris diperiksa: "
                   f"{len(result.valid)} valid, {len(result.bad_rows)} bermasalah, "
                   f"{len(result.existing)} sudah tercatat (dilewati)")
        if outcome is not None:
            typer.echo(f"diimpor: {outcome.servers} server ({outcome.placed} di rak, {outcome.in_custody} dititipkan), "
                       f"{outcome.units} unit, {outcome.rooms} ruang, {outcome.racks} rak baru")
        elif apply:
            typer.echo("tidak ada yang ditulis: perbaiki baris bermasalah, atau pakai --accept-valid", err=True)
            raise typer.Exit(1)
        else:
            typer.echo("uji coba: tidak ada yang ditulis" + ("" if result.errors else "; jalankan dengan --apply"))
            if result.errors:
                raise typer.Exit(1)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000,
          workers: Annotated[int, typer.Option(min=1, max=64, help="processes serving requests; one per core "
                                               "(the scheduler runs in one of them)")] = 1,
          demo: Annotated[bool, typer.Option("--demo", help="a local demo: accept the development "
                                             "secret key (also TITIP_DEMO=1)")] = False) -> None:
    """Run the controller. Refuses an unmigrated database (run `titip db upgrade` first) and the
    development or a short secret key (set TITIP_SECRET_KEY, e.g. `openssl rand -hex 32`)."""
    import os

    import uvicorn

    from .app import create_app
    from .migrate import current_and_head

    settings = _settings()
    current, head = current_and_head(settings.database_url)
    if current != head:
        typer.echo(f"database is at revision {current or '(none)'}, the code needs {head}: "
                   f"run `titip db upgrade` first", err=True)
        raise typer.Exit(3)
    if demo:
        os.environ["TITIP_DEMO"] = "1"   # workers build their settings from the environment
        settings = settings.model_copy(update={"demo": True})
    if (problem := secret_key_problem(settings)) is not None:
        if not settings.demo:
            typer.echo(f"refusing to start: {problem}. Set TITIP_SECRET_KEY to 32 random bytes or more "
                       f"(`openssl rand -hex 32`); only a demo (--demo, TITIP_DEMO=1) may run without.", err=True)
            raise typer.Exit(4)
        typer.echo(f"demo run: {problem}; never expose this controller", err=True)
    if settings.audit_key == DEV_AUDIT_KEY and not settings.demo:
        # A warning for now, not a refusal: deployments upgraded in place start without the new
        # setting. Without it, anyone who reads the source can extend the audit chain.
        typer.echo("WARNING: TITIP_AUDIT_KEY is not set: the audit chain is keyed with the development "
                   "key from the source; set 32 random bytes or more (`openssl rand -hex 32`) and keep "
                   "it apart from the backups", err=True)
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", log_config=_log_config())
    else:  # each worker builds the app from the same environment and configuration file
        import shutil
        import tempfile

        # Request counts summed over the workers (controller.metrics): a fresh folder per start.
        counts = tempfile.mkdtemp(prefix="titip-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = counts
        try:
            uvicorn.run("controller.app:create_app", factory=True, host=host, port=port, workers=workers,
                        log_level="info", log_config=_log_config())
        finally:
            shutil.rmtree(counts, ignore_errors=True)



@app.command()
def worker(site: Annotated[str | None, typer.Option(
               help="take only this site's probes (servers tagged with it: a remote room behind its own "
                    "network); without it: the jobs and the untagged probes")] = None,
           concurrency: Annotated[int | None, typer.Option(
               min=1, max=64, help="jobs run at once (default TITIP_WORKER_CONCURRENCY)")] = None) -> None:
    """Run a queue worker (PostgreSQL): on any host sharing the database, beside or instead of the
    one inside `titip serve`. Each job runs once per tick whichever worker takes it."""
    import logging
    import os

    from . import jobqueue
    from .migrate import current_and_head

    settings = _settings()
    if not jobqueue.is_postgresql(settings.database_url):
        typer.echo("titip worker needs PostgreSQL; on SQLite `titip serve` runs the jobs itself", err=True)
        raise typer.Exit(2)
    current, head = current_and_head(settings.database_url)
    if current != head:
        typer.echo(f"database is at revision {current or '(none)'}, the code needs {head}: "
                   f"run `titip db upgrade` first", err=True)
        raise typer.Exit(3)
    if site is not None and not site.strip():
        typer.echo("--site: give a site name, or leave the option out", err=True)
        raise typer.Exit(2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    jobqueue.run_worker(settings, site.strip() if site else None, concurrency)
    # A job thread still running past the graceful stop ends here, with the worker's heartbeats.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


MIN_SECRET_KEY_BYTES = 32


def secret_key_problem(settings: Settings) -> str | None:
    """Why `secret_key` must not sign production tokens, or None when it may: anyone who knows
    the key can mint an admin token, and the development key is in the source."""
    if settings.secret_key == Settings.model_fields["secret_key"].default:
        return "TITIP_SECRET_KEY is not set: the development key in the source would sign login tokens"
    if len(settings.secret_key.encode()) < MIN_SECRET_KEY_BYTES:
        return f"TITIP_SECRET_KEY is shorter than {MIN_SECRET_KEY_BYTES} bytes"
    return None


def _log_config() -> dict:
    """uvicorn's logging, plus the controller's own `titip.*` loggers (jobs, scheduler) at INFO
    on the same stream: a scheduled job's outcome belongs in the service's journal."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["titip"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def main() -> None:
    app(prog_name="titip")


if __name__ == "__main__":
    main()
