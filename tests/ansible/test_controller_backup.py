"""The titip_controller role backs an existing database up before it migrates it, and passes the
audit and sealing keys to the controller without printing them."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from ansible_helpers import run_playbook
from sqlalchemy import create_engine, text

from tests.ansible.test_controller_role import (  # noqa: F401 (fixtures)
    CONFIG_DIR,
    DATA_DIR,
    SECRET,
    database,
    prometheus_yml,
    pytestmark,
    role_vars,
    write_playbook,
)
from tests.support.postgres import free_port

AUDIT_KEY = "role-test-audit-key-0123456789abcdef"
SEALING = "k1:role-test-sealing-key-0123456789abcdef"


def test_role_backs_up_before_it_migrates_an_existing_database(
        tmp_path: Path, database: str, prometheus_yml: Path, controller_wheelhouse) -> None:  # noqa: F811
    from controller.migrate import current_and_head, upgrade

    upgrade(database, "0013")  # an install from before this release, holding data
    engine = create_engine(database)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO units (code, name, created_at) VALUES ('DISKES', 'Dinas Kesehatan', now())"))
    engine.dispose()

    root, home = tmp_path / "root", tmp_path / "ansible"
    variables = {**role_vars(root, database, free_port(), controller_wheelhouse, prometheus_yml),
                 "titip_controller_audit_key": AUDIT_KEY, "titip_controller_sealing_keys": SEALING}
    playbook = write_playbook(tmp_path)
    first = run_playbook(playbook, variables, home)
    output = first.stdout + first.stderr
    assert first.returncode == 0, output[-6000:]
    for secret in (SECRET, AUDIT_KEY, SEALING):
        assert secret not in output, "a key leaked into Ansible's output"

    backups = root / DATA_DIR.lstrip("/") / "backups" / "pre-upgrade"
    [dump] = list(backups.glob("*.pgdump"))
    manifest = json.loads(Path(str(dump) + ".manifest.json").read_text())
    assert manifest["schema_revision"] == "0013" and manifest["engine"] == "postgresql"
    current, head = current_and_head(database)
    assert current == head != "0013"
    config = tomllib.loads((root / CONFIG_DIR.lstrip("/") / "controller.toml").read_text())["titip"]
    assert config["audit_key"] == AUDIT_KEY and config["sealing_keys"] == SEALING

    second = run_playbook(playbook, variables, home)  # already current: no second backup
    assert second.returncode == 0, (second.stdout + second.stderr)[-6000:]
    assert len(list(backups.glob("*.pgdump"))) == 1


def test_a_fresh_install_takes_no_backup(
        tmp_path: Path, database: str, prometheus_yml: Path, controller_wheelhouse) -> None:  # noqa: F811
    root, home = tmp_path / "root", tmp_path / "ansible"
    variables = role_vars(root, database, free_port(), controller_wheelhouse, prometheus_yml)
    run = run_playbook(write_playbook(tmp_path), variables, home)
    assert run.returncode == 0, (run.stdout + run.stderr)[-6000:]
    assert not (root / DATA_DIR.lstrip("/") / "backups").exists()
