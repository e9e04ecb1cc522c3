"""Backups that restore: a consistent copy of the database, a manifest naming what it holds, a
check that restores it into a scratch database, and the restore itself.

SQLite is copied with its online backup API (the controller may keep writing); PostgreSQL with
`pg_dump --format=custom` inside an exported snapshot, so the audit head in the manifest is the
head of the dump. Point-in-time recovery on PostgreSQL is pgBackRest's or barman's job (README).
The keys are never in a backup: the manifest only names which ones a restore needs.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from . import __version__, audit
from .settings import Settings

MANIFEST_SUFFIX = ".manifest.json"


class BackupError(Exception):
    """A backup, check or restore that cannot go on; the message says what to do."""


@dataclass
class Checked:
    ok: bool
    good: list[str] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)


# --- where things are -----------------------------------------------------------------------

def engine_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def sqlite_path(url: str) -> Path:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(path)


def pg_tool(name: str) -> str:
    """`pg_dump`/`pg_restore` on PATH, else the newest in /usr/lib/postgresql/*/bin (Debian)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(p.split("/")[4]))  # /usr/lib/postgresql/<major>/bin/
    if not candidates:
        raise BackupError(f"{name} not found on PATH nor in /usr/lib/postgresql/*/bin: "
                          "install the PostgreSQL client (apt-get install postgresql-client)")
    return candidates[-1]


def libpq(url: str, database: str | None = None) -> tuple[list[str], dict[str, str]]:
    """`--dbname=<conninfo>` for the PostgreSQL tools, and the environment with the password
    (never on the command line, where `ps` shows it)."""
    u = make_url(url)
    parts = {"dbname": database or u.database or "postgres"}
    if u.host:
        parts["host"] = u.host
    if u.port:
        parts["port"] = str(u.port)
    if u.username:
        parts["user"] = u.username
    for key, value in u.query.items():  # e.g. ?host=/run/postgresql (a Unix socket)
        if key in ("host", "port", "user", "sslmode", "sslrootcert", "sslcert", "sslkey", "application_name"):
            parts[key] = value if isinstance(value, str) else value[-1]
    conninfo = " ".join(f"{k}='{v}'" for k, v in parts.items())
    env = {**os.environ}
    if u.password:
        env["PGPASSWORD"] = u.password
    return [f"--dbname={conninfo}"], env


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BackupError(f"{what} failed ({Path(cmd[0]).name} exit {proc.returncode}): "
                          f"{proc.stderr.strip()[-800:]}")


# --- what a database holds ------------------------------------------------------------------

def _facts(conn: Connection) -> dict[str, Any]:
    """Schema revision, audit head and the sealing key ids in use, read on one connection (in
    the snapshot the dump is taken from)."""
    from .crypto import key_id_of

    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    head = conn.execute(text("SELECT last_seq, last_hash FROM audit_head WHERE id = 1")).one()
    kids = sorted({key_id_of(s) for (s,) in conn.execute(
        text("SELECT secrets FROM collection_targets WHERE secrets IS NOT NULL"))})
    return {"schema_revision": revision, "audit_head": {"seq": head[0], "hash": head[1]},
            "sealing_key_ids": kids}


def keys_needed(facts: dict[str, Any]) -> list[str]:
    """What must be present (kept apart from the backups) for the restored data to be usable."""
    out = [("TITIP_AUDIT_KEY: the audit chain and its head are keyed with it; without it "
            "`titip audit verify` fails"),
           "TITIP_SECRET_KEY: signs login tokens (a new one only logs everyone out)"]
    kids = facts.get("sealing_key_ids") or []
    named = [k for k in kids if k != "derived"]
    if named:
        out.append(f"TITIP_SEALING_KEYS with key id(s) {', '.join(named)}: the SNMP/SSH secrets of the "
                   "collection targets are sealed under them")
    if "derived" in kids:
        out.append("TITIP_SECRET_KEY (or TITIP_SECRETS_KEY if it was set) exactly as before: some target "
                   "secrets are still sealed under the key derived from it (`titip secrets rotate` moves them)")
    return out


# --- create ---------------------------------------------------------------------------------

def create(settings: Settings, out_dir: str | Path | None = None) -> tuple[Path, dict[str, Any]]:
    """Write `titip-<time>.<sqlite3|pgdump>` and its manifest into `out_dir`; returns (dump, manifest)."""
    url = settings.database_url
    out = Path(out_dir) if out_dir else settings.backup_path()
    out.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    kind = engine_of(url)
    name = f"titip-{now.strftime('%Y%m%dT%H%M%S%fZ')}.{'sqlite3' if kind == 'sqlite' else 'pgdump'}"
    dump = out / name
    partial = out / (name + ".partial")
    try:
        facts = _create_sqlite(url, partial) if kind == "sqlite" else _create_pg(url, partial)
        os.replace(partial, dump)
    except (sqlite3.Error, SQLAlchemyError) as exc:
        raise BackupError(f"cannot read the database ({exc.__class__.__name__}: "
                          f"{str(exc).strip().splitlines()[0]})") from exc
    finally:
        partial.unlink(missing_ok=True)
    manifest = {
        "format": "titip-backup-1", "created_at": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "engine": kind,
        "titip_version": __version__, "file": name, "size": dump.stat().st_size, "sha256": _sha256(dump),
        **facts,
    }
    manifest["audit_head"]["at"] = manifest["created_at"]
    manifest["keys_needed"] = keys_needed(facts)
    manifest_path = Path(str(dump) + MANIFEST_SUFFIX)
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return dump, manifest


def _create_sqlite(url: str, target: Path) -> dict[str, Any]:
    path = sqlite_path(url)
    if not path.exists():
        raise BackupError(f"{path} does not exist: nothing to back up")
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # one consistent copy; writers in WAL mode go on meanwhile
    finally:
        src.close()
    try:
        return _facts_sqlite(dst)
    finally:
        dst.close()


def _facts_sqlite(dbapi: sqlite3.Connection) -> dict[str, Any]:
    engine = create_engine("sqlite://", creator=lambda: dbapi)
    with engine.connect() as conn:
        facts = _facts(conn)
    return facts


def _create_pg(url: str, target: Path) -> dict[str, Any]:
    """pg_dump in a snapshot exported by a REPEATABLE READ transaction that also reads the head,
    so the manifest describes exactly what was dumped."""
    engine = create_engine(url, isolation_level="REPEATABLE READ", poolclass=_null_pool())
    try:
        with engine.connect() as conn:
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            facts = _facts(conn)
            args, env = libpq(url)
            _run([pg_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", f"--file={target}", *args],
                 env, "pg_dump")
            conn.rollback()
    finally:
        engine.dispose()
    return facts


def _null_pool() -> type[NullPool]:
    return NullPool


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups (and their manifests) in `directory`."""
    dumps = sorted(p for p in directory.glob("titip-*") if p.suffix in (".sqlite3", ".pgdump"))
    gone = dumps[:-keep] if keep > 0 else []
    for p in gone:
        p.unlink(missing_ok=True)
        Path(str(p) + MANIFEST_SUFFIX).unlink(missing_ok=True)
    return gone


# --- manifest -------------------------------------------------------------------------------

def read_manifest(dump: Path) -> dict[str, Any]:
    path = Path(str(dump) + MANIFEST_SUFFIX)
    if not path.exists():
        raise BackupError(f"{path.name} not found next to the backup: a backup is its dump and its manifest")
    return json.loads(path.read_text(encoding="utf-8"))


def _engine_of_file(dump: Path, manifest: dict[str, Any]) -> str:
    kind = manifest.get("engine")
    if kind not in ("sqlite", "postgresql"):
        raise BackupError(f"{dump.name}: manifest names no known engine")
    return kind


# --- verify ---------------------------------------------------------------------------------

def verify(settings: Settings, dump: str | Path) -> Checked:
    """Check the dump against its manifest, restore it into a scratch database, and run the audit
    check there (chain, head seal, documents, and the manifest's head as an anchor)."""
    dump = Path(dump)
    manifest = read_manifest(dump)
    kind = _engine_of_file(dump, manifest)
    result = Checked(True)
    actual = _sha256(dump)
    if actual != manifest.get("sha256"):
        return Checked(False, bad=[(f"{dump.name}: sha256 {actual[:16]}... is not the manifest's "
                                    f"{str(manifest.get('sha256'))[:16]}...: the file was altered or cut")])
    result.good.append(f"{dump.name}: sha256 matches the manifest ({manifest['size']} bytes)")
    with _scratch(settings, kind) as scratch_url:
        _restore_into(kind, dump, scratch_url, clean=False)
        result.good.append(f"restored into a scratch {kind} database")
        _, good, bad = _audit_report(settings, scratch_url, [manifest["audit_head"]])
    result.good += good
    result.bad += bad
    result.ok = not result.bad
    return result


@contextmanager
def _scratch(settings: Settings, kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="titip-verify-") as d:
            yield f"sqlite:///{d}/scratch.db"
        return
    if engine_of(settings.database_url) != "postgresql":
        raise BackupError("a PostgreSQL backup is checked on a PostgreSQL server: set TITIP_DATABASE_URL to one")
    name = f"titip_verify_{uuid.uuid4().hex[:12]}"
    admin = create_engine(with_database(settings.database_url, "postgres"), isolation_level="AUTOCOMMIT",
                          poolclass=_null_pool())
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the operator needs the reason, not a traceback
        admin.dispose()
        raise BackupError(f"cannot create a scratch database to check the backup in ({exc.__class__.__name__}: "
                          f"{str(exc).splitlines()[0]}); run the check as a role that may CREATE DATABASE") from exc
    try:
        yield with_database(settings.database_url, name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _audit_report(settings: Settings, url: str,
                  anchors: list[dict[str, Any]] | None) -> tuple[bool, list[str], list[str]]:
    from .db import make_engine, make_sessionmaker

    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            return audit.report(session, audit.key_of(settings), anchors)
    finally:
        engine.dispose()


# --- restore --------------------------------------------------------------------------------

def is_empty(url: str) -> bool:
    """No tables, or migrated tables with no audit event and no user: nothing to lose."""
    if engine_of(url) == "sqlite":
        path = sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return True
    engine = create_engine(url, poolclass=_null_pool())
    try:
        with engine.connect() as conn:
            from sqlalchemy import inspect

            tables = set(inspect(conn).get_table_names())
            if not tables:
                return True
            return not any(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                           for table in ("audit_events", "users") if table in tables)
    finally:
        engine.dispose()


def restore(settings: Settings, dump: str | Path, force: bool = False) -> tuple[dict[str, Any], Checked]:
    """Restore `dump` into TITIP_DATABASE_URL (stop the controllers first). Refuses a database
    holding data unless `force`. Returns the manifest and the audit check of the result."""
    dump = Path(dump)
    manifest = read_manifest(dump)
    kind = _engine_of_file(dump, manifest)
    url = settings.database_url
    if engine_of(url) != kind:
        raise BackupError(f"{dump.name} is a {kind} backup; TITIP_DATABASE_URL is {engine_of(url)}")
    if _sha256(dump) != manifest.get("sha256"):
        raise BackupError(f"{dump.name}: sha256 does not match its manifest; not restored")
    if not force and not is_empty(url):
        raise BackupError("the target database holds data (users or audit events): restoring would replace "
                          "it. Back it up, stop the controllers, then use --force")
    _restore_into(kind, dump, url, clean=True)
    ok, good, bad = _audit_report(settings, url, [manifest["audit_head"]])
    return manifest, Checked(ok, good, bad)


def _restore_into(kind: str, dump: Path, url: str, clean: bool) -> None:
    if kind == "sqlite":
        target = sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)  # replaces every page of the target, in one transaction
        finally:
            src.close()
            dst.close()
        return
    args, env = libpq(url)
    cmd = [pg_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction", *args]
    if clean:
        cmd += ["--clean", "--if-exists"]
    _run([*cmd, str(dump)], env, "pg_restore")
