"""The titip_controller role's refusals, its unit template and ansible-lint.

The role's real run (install from wheels, migrations on PostgreSQL, config, unit, scrape job,
the installed controller serving, idempotence) is tests/ansible/test_controller_role.py.
"""

from __future__ import annotations

import grp
import os
import pwd
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.ansible.ansible_helpers import ANSIBLE_DIR, ansible_env, run_playbook, tool

ROLE = ANSIBLE_DIR / "roles" / "titip_controller"
SECRET = "role-test-secret-key-0123456789abcdef"
TOKEN = "role-test-metrics-token-42"


def playbook(directory: Path) -> Path:
    path = directory / "controller.yml"
    path.write_text("- name: Titip controller into a temporary root\n  hosts: localhost\n"
                    f"  gather_facts: false\n  roles:\n    - role: {ROLE}\n")
    return path


def role_vars(root: Path, database_url: str, prometheus_yml: Path, **overrides: Any) -> dict[str, Any]:
    return {
        "titip_controller_root": str(root),
        "titip_controller_secret_key": SECRET,
        "titip_controller_metrics_token": TOKEN,
        "titip_controller_package": "titip",
        "titip_controller_pip_extra_args": "--no-index",
        "titip_controller_python": sys.executable,
        "titip_controller_os_packages": [],
        "titip_controller_create_user": False,
        "titip_controller_system_user": pwd.getpwuid(os.getuid()).pw_name,
        "titip_controller_system_group": grp.getgrgid(os.getgid()).gr_name,
        "titip_controller_manage_postgresql": False,
        "titip_controller_database_url": database_url,
        "titip_controller_manage_service": False,
        "titip_controller_settings": {"office_name": "Diskominfo Kota Contoh", "inventory_day": 2},
        "titip_controller_prometheus_config": str(prometheus_yml),
        "titip_controller_prometheus_token_file": str(root / "etc/prometheus/titip-metrics-token"),
        "titip_controller_prometheus_rules_dir": str(root / "etc/prometheus/rules"),
        "titip_controller_prometheus_group": grp.getgrgid(os.getgid()).gr_name,
        "titip_controller_prometheus_reload": False,
        **overrides,
    }


@pytest.mark.parametrize("bad, message", [
    ({"titip_controller_secret_key": None}, "titip_controller_secret_key"),
    ({"titip_controller_port": "eighty"}, "titip_controller_port"),
    ({"titip_controller_prometheus_scheme": "gopher"}, "titip_controller_prometheus_scheme"),
])
def test_argument_specs_refuse_bad_variables(tmp_path: Path, bad: dict, message: str) -> None:
    variables = role_vars(tmp_path / "root", "sqlite:///x.db", tmp_path / "p.yml", **bad)
    variables = {k: v for k, v in variables.items() if v is not None}
    result = run_playbook(playbook(tmp_path), variables, tmp_path / "ansible")
    assert result.returncode != 0
    assert "validation of arguments failed" in result.stdout.lower() and message in result.stdout, result.stdout[-3000:]
    assert not (tmp_path / "root").exists()                  # refused before writing anything


def test_a_short_secret_key_is_refused(tmp_path: Path) -> None:
    variables = role_vars(tmp_path / "root", "sqlite:///x.db", tmp_path / "p.yml",
                          titip_controller_secret_key="tiny-k3y")
    result = run_playbook(playbook(tmp_path), variables, tmp_path / "ansible")
    assert result.returncode != 0 and "32 characters or more" in result.stdout
    assert "tiny-k3y" not in result.stdout                    # no_log in the argument spec


def test_unit_template_is_hardened(tmp_path: Path) -> None:
    """Render the unit with the role's defaults, as the role's template task would."""
    unit = tmp_path / "titip-controller.service"
    render = tmp_path / "render.yml"
    render.write_text(
        "- name: Render the unit\n  hosts: localhost\n  gather_facts: false\n"
        f"  vars_files: [{ROLE / 'defaults' / 'main.yml'}, {ROLE / 'vars' / 'main.yml'}]\n"
        "  tasks:\n    - name: Template\n      ansible.builtin.template:\n"
        f"        src: {ROLE / 'templates' / 'titip-controller.service.j2'}\n        dest: {unit}\n"
        "        mode: '0644'\n")
    result = run_playbook(render, {"titip_controller_secret_key": SECRET}, tmp_path / "ansible")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    lines = set(unit.read_text().splitlines())
    for line in ("User=titip", "Group=titip", "NoNewPrivileges=yes", "ProtectSystem=strict",
                 "ReadWritePaths=/var/lib/titip", "StateDirectory=titip", "CapabilityBoundingSet=",
                 "PrivateTmp=yes", "ProtectHome=yes", "Environment=TITIP_CONFIG_FILE=/etc/titip/controller.toml",
                 "ExecStart=/opt/titip/bin/titip serve --host 127.0.0.1 --port 8000 --workers 2",
                 "After=network-online.target postgresql.service"):
        assert line in lines, f"{line!r} missing from the unit"
    assert SECRET not in unit.read_text()


def test_ansible_lint_passes_on_the_controller_role_and_site(tmp_path: Path) -> None:
    result = subprocess.run([str(tool("ansible-lint")), "--nocolor", "site.yml", "roles/titip_controller"],
                            cwd=ANSIBLE_DIR, env=ansible_env(tmp_path), capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "production" in result.stdout + result.stderr
