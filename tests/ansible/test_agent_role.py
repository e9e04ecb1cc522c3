"""The titip_agent role, run for real with `ansible-playbook -c local` into a temporary root.

It installs the agent from wheels of this checkout into a venv, enrols it against a real HTTP
controller on 127.0.0.1, is idempotent on a second run, and the installed agent then reports.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from agent_helpers import ENROLL_TOKEN, FakeController
from ansible_helpers import ANSIBLE_DIR, ROLE, ansible_env, recap, run_playbook, tool, write_playbook

VENV_DIR = "/opt/titip-agent"
STATE_DIR = "/var/lib/titip-agent"


def role_vars(root: Path, controller: FakeController, wheelhouse: tuple[Path, str],
              **overrides: Any) -> dict[str, Any]:
    """Role variables for a test install: temp root, current user, no systemd, no index."""
    wheels, version = wheelhouse
    return {
        "titip_agent_root": str(root),
        "titip_agent_controller_url": controller.url,
        "titip_agent_enroll_token": ENROLL_TOKEN,
        "titip_agent_version": version,
        "titip_agent_pip_extra_args": f"--no-index --find-links {wheels}",
        "titip_agent_python": sys.executable,
        "titip_agent_os_packages": [],
        "titip_agent_create_user": False,
        "titip_agent_system_user": pwd.getpwuid(os.getuid()).pw_name,
        "titip_agent_system_group": grp.getgrgid(os.getgid()).gr_name,
        "titip_agent_manage_service": False,
        "titip_agent_venv_dir": VENV_DIR,
        "titip_agent_state_dir": STATE_DIR,
        "titip_agent_interval": 30,
        **overrides,
    }


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_role_installs_enrols_and_the_agent_reports(
        tmp_path: Path, controller: FakeController, wheelhouse: tuple[Path, str]) -> None:
    root, home = tmp_path / "root", tmp_path / "ansible"
    playbook = write_playbook(tmp_path)
    variables = role_vars(root, controller, wheelhouse)

    first = run_playbook(playbook, variables, home)
    output = first.stdout + first.stderr
    assert first.returncode == 0, output[-5000:]
    assert recap(first.stdout)["changed"] > 0
    assert ENROLL_TOKEN not in output, "the enrolment token leaked into Ansible's output"

    state = root / STATE_DIR.lstrip("/")
    agent = root / VENV_DIR.lstrip("/") / "bin" / "titip-agent"
    assert agent.exists()
    assert mode(state) == 0o700 and state.stat().st_uid == os.getuid()
    assert mode(state / "credential") == 0o600
    assert mode(state / "config.json") == 0o600
    config = json.loads((state / "config.json").read_text())
    assert config["controller_url"] == controller.url
    assert config["interval_seconds"] == 30
    assert config["agent_id"] == "agent-1"  # written by enrolment, kept by the role's merge
    assert len(controller.credentials) == 1 and not controller.tokens  # token spent once

    once = subprocess.run([str(agent), "once", "--state-dir", str(state)],
                          capture_output=True, text=True, timeout=120)
    assert once.returncode == 0, once.stderr
    assert controller.kinds() == ["inventory", "heartbeat"]
    inventory = controller.stored[0]["payload"]
    assert inventory["hostname"] == socket.gethostname()
    assert controller.auth_headers[0] == f"Bearer {(state / 'credential').read_text().strip()}"

    # A rerun finds the credential (the token is spent: enrolling again would fail) and
    # everything in place, including what the agent itself wrote to its state dir.
    second = run_playbook(playbook, variables, home)
    assert second.returncode == 0, (second.stdout + second.stderr)[-5000:]
    assert recap(second.stdout)["changed"] == 0, second.stdout[-5000:]
    assert len(controller.credentials) == 1


def test_role_without_a_token_says_what_is_missing(
        tmp_path: Path, controller: FakeController, wheelhouse: tuple[Path, str]) -> None:
    variables = role_vars(tmp_path / "root", controller, wheelhouse, titip_agent_enroll_token="")
    result = run_playbook(write_playbook(tmp_path), variables, tmp_path / "ansible",
                          "--tags", "titip_agent_configure")
    assert result.returncode != 0
    assert "has no agent credential yet: set titip_agent_enroll_token" in result.stdout
    assert not controller.credentials


def test_role_refuses_plain_http_to_another_host(
        tmp_path: Path, controller: FakeController, wheelhouse: tuple[Path, str]) -> None:
    variables = role_vars(tmp_path / "root", controller, wheelhouse,
                          titip_agent_controller_url="http://titip.example.go.id")
    result = run_playbook(write_playbook(tmp_path), variables, tmp_path / "ansible")
    assert result.returncode != 0
    assert "http only to loopback" in result.stdout
    assert not (tmp_path / "root").exists()  # stopped in preflight, before writing anything


def test_unit_template_is_hardened(tmp_path: Path) -> None:
    """Render the unit with the role's defaults, as the role's template task would."""
    unit = tmp_path / "titip-agent.service"
    playbook = tmp_path / "render.yml"
    playbook.write_text(
        "- name: Render the unit\n"
        "  hosts: localhost\n"
        "  gather_facts: false\n"
        f"  vars_files: [{ROLE / 'defaults' / 'main.yml'}]\n"
        "  tasks:\n"
        "    - name: Template\n"
        "      ansible.builtin.template:\n"
        f"        src: {ROLE / 'templates' / 'titip-agent.service.j2'}\n"
        f"        dest: {unit}\n"
        "        mode: '0644'\n")
    result = run_playbook(playbook, {}, tmp_path / "ansible")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    lines = set(unit.read_text().splitlines())
    for line in ("User=titip-agent", "NoNewPrivileges=yes", "ProtectSystem=strict",
                 "ReadWritePaths=/var/lib/titip-agent", "StateDirectory=titip-agent",
                 "CapabilityBoundingSet=", "PrivateTmp=yes",
                 "ExecStart=/opt/titip-agent/bin/titip-agent --log-level INFO run "
                 "--state-dir /var/lib/titip-agent"):
        assert line in lines, f"{line!r} missing from the unit"


def test_ansible_lint_passes(tmp_path: Path) -> None:
    result = subprocess.run([str(tool("ansible-lint")), "--nocolor"], cwd=ANSIBLE_DIR,
                            env=ansible_env(tmp_path), capture_output=True, text=True,
                            timeout=300)
    # ansible/.ansible-lint asks for the production profile and strict mode.
    assert result.returncode == 0, result.stdout + result.stderr
    assert "production" in result.stdout + result.stderr
