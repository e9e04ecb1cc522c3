"""Helpers for the Ansible tests: find the tools, build wheels of this checkout, run playbooks.

The roles are run for real (`ansible-playbook -c local`) against a temporary root folder; the
agent and the controller are installed from wheels built from this checkout, so no index is
needed at install.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
ANSIBLE_DIR = REPO / "ansible"
ROLE = ANSIBLE_DIR / "roles" / "titip_agent"
# What a wheel of the project is made of; the rest of the checkout (.venv, var/) stays out.
_SOURCES = ("pyproject.toml", "README.md", "agent", "collectors", "controller")


def tool(name: str) -> Path:
    """An Ansible command from the test venv (or PATH); fail loudly when it is missing."""
    beside = Path(sys.executable).parent / name
    found = beside if beside.exists() else (Path(p) if (p := shutil.which(name)) else None)
    if found is None:
        pytest.fail(f"{name} is not installed: `pip install ansible-core ansible-lint` into the "
                    f"venv (`make test` does it)", pytrace=False)
    return found


def ansible_env(home: Path) -> dict[str, str]:
    """Environment for ansible and ansible-lint: no colour, state kept under `home`."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "ansible.cfg"
    config.write_text("[defaults]\n")  # ignore any /etc/ansible/ansible.cfg on the machine
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_CONFIG": str(config),
        "ANSIBLE_HOME": str(home / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
        "ANSIBLE_REMOTE_TEMP": str(home / "tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "XDG_CACHE_HOME": str(home / "cache"),
        "NO_COLOR": "1",
    }


def build_wheelhouse(dest: Path, extras: str = "") -> tuple[Path, str]:
    """Wheels of this checkout and of its dependencies; returns (folder, version).

    `extras` ("controller") adds an extra's dependencies to the base one (psutil). Built from
    a copy of the sources so the checkout gets no build/ folder.
    """
    source = dest / "src"
    source.mkdir(parents=True)
    for name in _SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, source / name)
    wheels = dest / "wheels"
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "-w", str(wheels),
                             f"{source}[{extras}]" if extras else str(source)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"pip wheel failed:\n{result.stdout}\n{result.stderr}"
    titip = sorted(wheels.glob("titip-*.whl"))
    assert titip, f"no titip wheel in {list(wheels.iterdir())}"
    return wheels, titip[0].name.split("-")[1]


def write_playbook(directory: Path) -> Path:
    """A one-play playbook applying the role to localhost."""
    playbook = directory / "playbook.yml"
    playbook.write_text(
        "- name: Titip agent into a temporary root\n"
        "  hosts: localhost\n"
        "  gather_facts: false\n"
        "  roles:\n"
        f"    - role: {ROLE}\n")
    return playbook


def run_playbook(playbook: Path, extra_vars: dict[str, Any], home: Path,
                 *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`ansible-playbook -c local -i localhost,` with `extra_vars` (and verbose output)."""
    vars_file = home / "extra-vars.json"
    home.mkdir(parents=True, exist_ok=True)
    vars_file.write_text(json.dumps(
        {"ansible_python_interpreter": sys.executable, **extra_vars}))
    return subprocess.run(
        [str(tool("ansible-playbook")), "-c", "local", "-i", "localhost,", "-v",
         "-e", f"@{vars_file}", *args, str(playbook)],
        cwd=home, env=ansible_env(home), capture_output=True, text=True, timeout=timeout)


def recap(output: str, host: str = "localhost") -> dict[str, int]:
    """The PLAY RECAP counters of `host`: ok, changed, failed, ..."""
    match = re.search(rf"^{re.escape(host)}\s*:\s*(.+)$", output, re.MULTILINE)
    assert match, f"no PLAY RECAP line for {host} in:\n{output[-3000:]}"
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}
